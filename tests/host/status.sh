#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# scripts/mdcr-fix-status on made-up inputs, as TAP lines: the module's
# sysfs snapshot, an older module's debugfs file, /proc/kallsyms, the kernel
# log and uname -m, each faked through the script's MDCR_FIX_* variables.
# Every case checks the text line (with its Nagios performance data), the
# exit status, --json and --prometheus (the status as a StateSet, counters
# named _total, mdcr_fix_build_info). The kallsyms cases of the field
# kernels use the symbols /work/team/kernel-facts.md lists for each
# (the fix, kvm_arm_vcpu_init_debug, only in CentOS Stream 8's 4.18.0-394).
#
# MDCR_FIX_STATUS_SCRIPT runs another script instead (to show that these
# checks fail on a wrong one).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
script=${MDCR_FIX_STATUS_SCRIPT:-$top/scripts/mdcr-fix-status}
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
# A fresh fake machine for each case: $d is its root, nothing exists yet.
new() {
	n=$((n + 1))
	d=$tmp/$n
	mkdir -p "$d"
	MDCR_FIX_SYSFS=$d/sys/module/mdcr_fix/parameters/status
	MDCR_FIX_DEBUGFS=$d/debug/mdcr_fix
	MDCR_FIX_KALLSYMS=$d/kallsyms
	MDCR_FIX_DMESG=$d/dmesg
	MDCR_FIX_CMDLINE=$d/cmdline
	MDCR_FIX_UNAME_M=aarch64
	MDCR_FIX_UNAME_R=5.10.0-test
	export MDCR_FIX_SYSFS MDCR_FIX_DEBUGFS MDCR_FIX_KALLSYMS MDCR_FIX_DMESG \
		MDCR_FIX_CMDLINE MDCR_FIX_UNAME_M MDCR_FIX_UNAME_R
	echo "BOOT_IMAGE=/vmlinuz root=/dev/vda" >"$MDCR_FIX_CMDLINE"
}

# sysfs KEY=VALUE...: the module is loaded and its snapshot holds these
# lines, after a complete protected one whose keys they replace.
sysfs() {
	mkdir -p "$(dirname "$MDCR_FIX_SYSFS")"
	{
		for kv in version=1 status=protected verdict=affected mode=auto host=VHE \
			fixups=3 repaired=1 damaged_cpus=0 zero_hpmn_vcpus=0 missed=0 \
			repair_pending=0 "reason=a vCPU reached its first load with mdcr_el2 never computed"; do
			k=${kv%%=*}
			for o in "$@"; do
				[ "${o%%=*}" != "$k" ] || kv=$o
			done
			printf '%s\n' "$kv"
		done
		for o in "$@"; do
			case ${o%%=*} in
			version | status | verdict | mode | host | fixups | repaired | damaged_cpus | \
				zero_hpmn_vcpus | missed | repair_pending | reason) ;;
			*) printf '%s\n' "$o" ;;
			esac
		done
	} >"$MDCR_FIX_SYSFS"
}

# kallsyms NAME...: what a non-root reader sees (zero addresses), with some
# neighbours around the names given.
kallsyms() {
	{
		echo "0000000000000000 T _text"
		echo "0000000000000000 T kvm_arch_vcpu_put"
		for s in "$@"; do echo "0000000000000000 T $s"; done
		echo "0000000000000000 t kvm_arm_setup_mdcr_el2"
		echo "0000000000000000 T ext4_fill_super	[ext4]"
	} >"$MDCR_FIX_KALLSYMS"
}

dmesg_says() {
	printf '[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd083]\n' >"$MDCR_FIX_DMESG"
	[ $# -eq 0 ] || printf '[    1.234567] kvm [1]: %s\n' "$1" >>"$MDCR_FIX_DMESG"
}

# expect NAME RC STATUS [json:FRAGMENT | prom:LINE | text:FRAGMENT | notext:FRAGMENT]...
expect() {
	name=$1 want_rc=$2 want=$3
	shift 3
	fail=
	text=$(sh "$script" 2>"$d/err")
	rc=$?
	[ "$rc" -eq "$want_rc" ] || fail="$fail; exit $rc, want $want_rc"
	[ "$(printf '%s\n' "$text" | wc -l)" -eq 1 ] || fail="$fail; not one line"
	case $text in
	"mdcr-fix: $want ("*") | module_loaded="*) ;;
	*) fail="$fail; line: $text" ;;
	esac
	# Nagios performance data: 'label'=value[UOM];[warn];[crit];[min];[max]
	perf=${text##*") | "}
	for pd in $perf; do
		printf '%s\n' "$pd" | grep -q -E '^[a-z_]+=[0-9]+c?(;[0-9]*){0,4}$' ||
			fail="$fail; perfdata '$pd'"
	done
	[ "$(printf '%s\n' "$text" | tr -cd '|' | wc -c)" -eq 1 ] || fail="$fail; more than one |"
	[ ! -s "$d/err" ] || fail="$fail; stderr: $(cat "$d/err")"
	json=$(sh "$script" --json 2>/dev/null)
	jrc=$?
	[ "$jrc" -eq "$want_rc" ] || fail="$fail; --json exit $jrc"
	case $json in
	"{\"status\":\"$want\","*"}") ;;
	*) fail="$fail; json: $json" ;;
	esac
	if command -v python3 >/dev/null; then
		keys=$(printf '%s' "$json" | python3 -c '
import json, sys
o = json.load(sys.stdin)
num = ("fixups", "repaired", "damaged_cpus", "zero_hpmn_vcpus", "missed", "repair_pending")
bad = [k for k in num if o.get(k) is not None and type(o[k]) is not int]
print(",".join(sorted(o)) + ("" if not bad else " strings:" + ",".join(bad)))' 2>&1)
		[ "$keys" = "damaged_cpus,fixups,host,kernel,missed,mode,module_loaded,reason,repair_pending,repaired,source,status,verdict,zero_hpmn_vcpus" ] ||
			fail="$fail; json keys: $keys"
	fi
	prom=$(sh "$script" --prometheus 2>/dev/null)
	prc=$?
	[ "$prc" -eq 0 ] || fail="$fail; --prometheus exit $prc"
	echo "$prom" | grep -q -x "mdcr_fix_severity $want_rc" ||
		fail="$fail; no mdcr_fix_severity $want_rc"
	# The StateSet: one series per state, the current one 1.
	states=$(echo "$prom" | sed -n 's/^mdcr_fix_status{mdcr_fix_status="\([^"]*\)"} \([01]\)$/\1=\2/p' |
		tr '\n' ,)
	want_states=$(for st in protected affected "not affected" unknown; do
		[ "$st" = "$want" ] && printf '%s=1,' "$st" || printf '%s=0,' "$st"
	done)
	[ "$states" = "$want_states" ] || fail="$fail; StateSet $states"
	echo "$prom" | grep -q "^mdcr_fix_build_info{version=\"$version\",module_version=\"[^\"]*\"} 1$" ||
		fail="$fail; no mdcr_fix_build_info{version=\"$version\""
	# Counters, and only they, end in _total.
	badc=$(echo "$prom" | awk '/^# TYPE / && (($4 == "counter") != ($3 ~ /_total$/)) { print $3 }')
	[ -z "$badc" ] || fail="$fail; counter naming: $badc"
	# Every sample has its HELP and TYPE lines.
	undoc=$(echo "$prom" | awk '/^# (HELP|TYPE) / { d[$3]++; next }
		{ m = $1; sub(/\{.*/, "", m); if (d[m] != 2) print m }')
	[ -z "$undoc" ] || fail="$fail; no HELP/TYPE for $undoc"
	for a in "$@"; do
		case $a in
		json:*) case $json in *"${a#json:}"*) ;; *) fail="$fail; json lacks ${a#json:}" ;; esac ;;
		prom:*) echo "$prom" | grep -q -F -x "${a#prom:}" || fail="$fail; no '${a#prom:}'" ;;
		noprom:*) ! echo "$prom" | grep -q "^${a#noprom:}" || fail="$fail; has ${a#noprom:}" ;;
		text:*) case $text in *"${a#text:}"*) ;; *) fail="$fail; line lacks '${a#text:}'" ;; esac ;;
		notext:*) case $text in *"${a#notext:}"*) fail="$fail; line has '${a#notext:}'" ;; esac ;;
		esac
	done
	if [ -z "$fail" ]; then
		echo "ok - status: $name"
	else
		echo "not ok - status: $name"
		printf '# %s\n' "${fail#; }" "$text"
	fi
}

new
sysfs
expect "module: protected (exit 0)" 0 protected \
	'json:"verdict":"affected","mode":"auto","host":"VHE","fixups":3,"repaired":1,"damaged_cpus":0,"zero_hpmn_vcpus":0,"missed":0,"repair_pending":0,"module_loaded":true,"source":"sysfs"' \
	'prom:mdcr_fix_info{verdict="affected",mode="auto",host="VHE",source="sysfs"} 1' \
	'prom:mdcr_fix_fixups_total 3' 'prom:mdcr_fix_repaired_total 1' \
	'prom:mdcr_fix_damaged_cpus 0' 'prom:mdcr_fix_missed_total 0' \
	'prom:mdcr_fix_zero_hpmn_vcpus_total 0' 'prom:mdcr_fix_repair_pending 0' \
	'text:) | module_loaded=1;;;0;1 fixups=3c;;;0 repaired=1c;;;0 damaged_cpus=0;;0;0 zero_hpmn_vcpus=0c;;;0 missed=0c;;0;0 repair_pending=0;0;;0;1' \
	'prom:mdcr_fix_module_loaded 1' 'prom:# TYPE mdcr_fix_fixups_total counter' \
	'text:first load with mdcr_el2 never computed'

new
sysfs damaged_cpus=2
expect "module says protected, 2 CPUs with HPMN 0: affected (exit 2)" 2 affected \
	'json:"damaged_cpus":2' 'prom:mdcr_fix_damaged_cpus 2' 'text:2 CPU(s) have MDCR_EL2.HPMN = 0'

new
sysfs missed=4
expect "missed probe hits: affected (exit 2)" 2 affected \
	'json:"missed":4' 'prom:mdcr_fix_missed_total 4' 'text:4 probe hit(s) missed'

new
sysfs status="not affected" verdict="kernel already fixed" missed=4 fixups=0 repaired=0
expect "missed hits on a fixed kernel: not affected (exit 0)" 0 "not affected" \
	'json:"verdict":"kernel already fixed"'

new
sysfs repair_pending=1
expect "repair pending: affected (exit 1)" 1 affected \
	'json:"repair_pending":1' 'prom:mdcr_fix_repair_pending 1' 'text:repair is pending'

new
sysfs zero_hpmn_vcpus=1
expect "a vCPU seen with HPMN 0, copies since refreshed: protected (exit 0)" 0 protected \
	'json:"zero_hpmn_vcpus":1' 'prom:mdcr_fix_zero_hpmn_vcpus_total 1'

new
sysfs zero_hpmn_vcpus=1 status=affected repair_pending=1 \
	reason="a repair of a CPU or of KVM's copy of the host MDCR_EL2 is under way"
expect "a vCPU seen with HPMN 0, refresh under way: affected (exit 1)" 1 affected \
	'json:"repair_pending":1' "text:KVM's copy"

new
sysfs status=affected mode=observe fixups=0 repaired=0
expect "observe mode on an affected kernel: affected (exit 1)" 1 affected \
	'json:"mode":"observe"' 'text:observe'

new
sysfs status=affected mode=auto fixups=0 repaired=0 "reason=no hook could be armed"
expect "module says affected in mode auto: affected (exit 2)" 2 affected

new
sysfs status="not affected" verdict="kernel already fixed" fixups=0 repaired=0 \
	"reason=KVM computed the value before the first load"
expect "kernel already fixed, module loaded: not affected (exit 0)" 0 "not affected" \
	'json:"verdict":"kernel already fixed"' 'prom:mdcr_fix_fixups_total 0'

new
sysfs status=unknown verdict=unknown "reason=no hook could be armed"
expect "module says unknown: unknown (exit 3)" 3 unknown 'text:no hook could be armed'

new
sysfs
printf 'version=1\nstatus=unknown\nreason=cannot check the CPUs now (unloading, or out of memory)\n' \
	>"$MDCR_FIX_SYSFS"
expect "short snapshot, module cannot check: unknown (exit 3), module's reason" 3 unknown \
	'text:cannot check the CPUs now' 'json:"fixups":null'

new
sysfs status=unknown verdict=unknown damaged_cpus=1 "reason=no hook could be armed"
expect "module says unknown but a CPU has HPMN 0: affected (exit 2)" 2 affected \
	'json:"damaged_cpus":1'

new
sysfs version=2
expect "snapshot version 2: unknown (exit 3)" 3 unknown 'text:version' \
	'json:"fixups":null' 'noprom:mdcr_fix_fixups_total' 'notext:fixups='

new
sysfs
grep -v '^version=' "$MDCR_FIX_SYSFS" >"$d/s" && mv "$d/s" "$MDCR_FIX_SYSFS"
expect "snapshot without version: unknown (exit 3)" 3 unknown 'text:version'

new
sysfs
: >"$MDCR_FIX_SYSFS"
expect "empty snapshot: unknown (exit 3)" 3 unknown 'text:empty' 'prom:mdcr_fix_module_loaded 1'

new
sysfs fixups=three
expect "a counter that is not a number: unknown (exit 3)" 3 unknown 'text:fixups'

new
sysfs status=fine
expect "a status it does not know: unknown (exit 3)" 3 unknown "text:fine"

new
mkdir -p "$(dirname "$MDCR_FIX_SYSFS")"
kallsyms kvm_arch_vcpu_load
dmesg_says "VHE mode initialized successfully"
expect "module loaded, no sysfs file, debugfs unreadable: unknown (exit 3)" 3 unknown \
	'text:not readable' 'notext:not loaded' 'json:"module_loaded":true'

new
mkdir -p "$(dirname "$MDCR_FIX_SYSFS")" "$(dirname "$MDCR_FIX_DEBUGFS")"
printf 'version:\t1\nmodule:\t0.1.0\nhost:\tVHE\nmode:\tauto\nverdict:\taffected\nreason:\tseen\nfixups:\t2\nrepaired:\t0\n\n  pid vcpu\n' \
	>"$MDCR_FIX_DEBUGFS"
expect "older module, debugfs readable: protected (exit 0)" 0 protected \
	'json:"fixups":2' 'json:"source":"debugfs"'

new
kallsyms kvm_arch_vcpu_load
dmesg_says "VHE mode initialized successfully"
expect "no module, kernel without the fix, VHE: affected (exit 2)" 2 affected \
	'json:"module_loaded":false' 'json:"host":"VHE"' 'prom:mdcr_fix_module_loaded 0' \
	'noprom:mdcr_fix_fixups_total' 'text:not loaded'

new
kallsyms kvm_arch_vcpu_load
rm -f "$MDCR_FIX_DMESG"
expect "no module, no fix, kernel log unreadable: affected (exit 2), says why" 2 affected \
	'text:kernel log not readable'

new
kallsyms kvm_arch_vcpu_load
dmesg_says "Hyp mode initialized successfully"
expect "no module, no fix, nVHE host (5.10 log): not affected (exit 0)" 0 "not affected" \
	'json:"host":"nVHE"'

new
kallsyms kvm_arch_vcpu_load
dmesg_says
echo "BOOT_IMAGE=/vmlinuz kvm-arm.mode=nvhe quiet" >"$MDCR_FIX_CMDLINE"
expect "no module, no fix, kvm-arm.mode=nvhe: not affected (exit 0)" 0 "not affected"

new
kallsyms kvm_arch_vcpu_load kvm_arm_vcpu_init_debug
dmesg_says "VHE mode initialized successfully"
expect "no module, kvm_arm_vcpu_init_debug (5.10.37+, 6.1, 6.12): not affected (exit 0)" 0 \
	"not affected" 'json:"verdict":"kernel already fixed"'

new
kallsyms kvm_arch_vcpu_load kvm_vcpu_load_debug kvm_debug_set_guest_ownership
dmesg_says "VHE mode initialized successfully"
expect "no module, 6.14+/7.x symbols (kvm_vcpu_load_debug): not affected (exit 0)" 0 \
	"not affected" 'json:"verdict":"kernel already fixed"'

# The field kernels, with the symbols kernel-facts.md lists (what a
# non-root reader of their /proc/kallsyms sees, 4.18's KVM in
# virt/kvm/arm, -394's in arch/arm64/kvm).
new
MDCR_FIX_UNAME_R=4.18.0-394.el8.aarch64
kallsyms kvm_arch_vcpu_load kvm_arch_vcpu_destroy kvm_timer_enable kvm_arm_init_debug \
	kvm_vgic_map_resources kvm_arm_vcpu_init_debug
dmesg_says "VHE mode initialized successfully"
expect "no module, CentOS Stream 8 4.18.0-394.el8 (the fix backported): not affected (exit 0)" 0 \
	"not affected" 'json:"verdict":"kernel already fixed"' 'text:kvm_arm_vcpu_init_debug'
for k in 4.18.0-147.5.1.el8_1.aarch64:kvm_arch_vcpu_free \
	4.18.0-80.11.2.el8_0.aarch64:kvm_arch_vcpu_free \
	4.19.0-9-arm64:kvm_arch_vcpu_free 5.4.0-74-generic:kvm_arch_vcpu_free; do
	new
	MDCR_FIX_UNAME_R=${k%%:*}
	kallsyms kvm_arch_vcpu_load kvm_arch_vcpu_destroy "${k#*:}" kvm_timer_enable \
		kvm_arm_init_debug kvm_vgic_map_resources
	dmesg_says "VHE mode initialized successfully"
	expect "no module, unfixed ${k%%:*} (no kvm_arm_vcpu_init_debug), VHE: affected (exit 2)" 2 \
		affected 'json:"verdict":"affected"' "text:kernel ${k%%:*} lacks the upstream fix"
done

new
kallsyms kvm_arm_vcpu_init_debug_not_this_one
expect "no module, no KVM: not affected (exit 0)" 0 "not affected"

new
expect "no module, kallsyms unreadable: unknown (exit 3)" 3 unknown

new
MDCR_FIX_UNAME_M=x86_64
expect "not arm64: not affected (exit 0)" 0 "not affected" 'json:"source":"uname"'

# Text from the module goes out as it is: printf, never echo (dash's echo
# would cut the line at "\c" and turn "\n" into a newline); a "|" in it
# would end the plugin output and becomes "/".
new
sysfs 'reason=odd \c \n -e text|more'
expect "the module's reason printed as it is, a | in it made /" 0 protected \
	'text:odd \c \n -e text/more;' 'json:"reason":"odd \\c \\n -e text|more;'

# The loaded module's version, in mdcr_fix_build_info.
new
sysfs
echo 0.2.0-test >"$(dirname "$(dirname "$MDCR_FIX_SYSFS")")/version"
expect "mdcr_fix_build_info carries the loaded module's version" 0 protected \
	"prom:mdcr_fix_build_info{version=\"$version\",module_version=\"0.2.0-test\"} 1"

# Bad usage: 3 (UNKNOWN, as Nagios plugins do), a message on stderr,
# nothing on stdout.
new
sysfs
for args in --bogus "--json --prometheus" -j; do
	# shellcheck disable=SC2086
	o=$(sh "$script" $args 2>"$d/err")
	rc=$?
	if [ $rc -eq 3 ] && [ -z "$o" ] && [ -s "$d/err" ]; then
		echo "ok - status: usage error '$args' exits 3 (UNKNOWN) with a message on stderr"
	else
		echo "not ok - status: usage error '$args' exits 3 (UNKNOWN) with a message on stderr (exit $rc)"
	fi
done
o=$(sh "$script" --help 2>&1)
rc=$?
case $rc:$o in
0:*--prometheus*--version*"3  UNKNOWN"*"bad"*) echo "ok - status: --help exits 0 and documents the exit codes" ;;
*) echo "not ok - status: --help exits 0 and documents the exit codes (exit $rc)" ;;
esac
o=$(sh "$script" --version 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ "$o" = "mdcr-fix-status $version" ]; then
	echo "ok - status: --version prints mdcr-fix-status $version"
else
	echo "not ok - status: --version prints mdcr-fix-status $version (exit $rc: $o)"
fi

# One snapshot per run: a FIFO gives the snapshot to one read only; a
# second read would block (timeout) or see nothing.
new
sysfs
mv "$MDCR_FIX_SYSFS" "$d/snap"
mkfifo "$MDCR_FIX_SYSFS"
(cat "$d/snap" >"$MDCR_FIX_SYSFS") &
o=$(timeout 10 sh "$script" --json 2>&1)
rc=$?
kill $! 2>/dev/null
case $rc:$o in
0:'{"status":"protected",'*) echo "ok - status: reads the sysfs snapshot once" ;;
*) echo "not ok - status: reads the sysfs snapshot once (exit $rc: $o)" ;;
esac

# The systemd service of the man page's EXAMPLES, as systemd runs it ($$ is
# $): it leaves the metrics in mdcr_fix.prom and no temporary file beside.
new
sysfs
ex=$(sed -n 's/^ExecStart=//p' "$top/doc/mdcr-fix-status.8" | sed 's/\\-/-/g; s/\$\$/$/g')
prom=$tmp/prom
mkdir -p "$prom"
ex=$(printf '%s\n' "$ex" | sed "s|/var/lib/prometheus/node-exporter|$prom|; s|/usr/sbin/mdcr-fix-status|sh $script|")
case $ex in
"/bin/sh -c '"*"'")
	cmd=${ex#/bin/sh -c \'}
	/bin/sh -c "${cmd%\'}"
	rc=$?
	;;
*) rc=99 ;;
esac
if [ $rc -eq 0 ] && [ "$(ls -A "$prom")" = mdcr_fix.prom ] &&
	grep -q '^mdcr_fix_status{mdcr_fix_status="protected"} 1$' "$prom/mdcr_fix.prom" &&
	[ "$(stat -c %a "$prom/mdcr_fix.prom")" = 644 ]; then
	echo "ok - status: the man page's systemd service writes mdcr_fix.prom atomically"
else
	echo "not ok - status: the man page's systemd service writes mdcr_fix.prom atomically (exit $rc)"
	echo "# $ex"
fi

# README.md shows the same service as the man page.
readme=$(sed -n 's/^    ExecStart=//p' "$top/README.md")
if [ -n "$readme" ] && [ "$readme" = "$(sed -n 's/^ExecStart=//p' "$top/doc/mdcr-fix-status.8" | sed 's/\\-/-/g')" ]; then
	echo "ok - status: README.md and the man page give the same service"
else
	echo "not ok - status: README.md and the man page give the same service"
fi

# README's alerts: a rule on the severity, one on the StateSet, one on the
# textfile's age (node_exporter's node_textfile_mtime_seconds), and every
# mdcr_fix_ metric they name is one the script writes.
new
sysfs
echo 0.2.0 >"$(dirname "$(dirname "$MDCR_FIX_SYSFS")")/version"
prom=$(sh "$script" --prometheus 2>/dev/null)
rules=$(sed -n '/^    groups:/,/^[^ ]/p' "$top/README.md")
names=$(printf '%s\n' "$rules" | grep -o 'mdcr_fix_[a-z_]*' | sort -u)
missing=$(for m in $names; do printf '%s\n' "$prom" | grep -q "^${m}[{ ]" || printf '%s ' "$m"; done)
if [ -n "$names" ] && [ -z "$missing" ] &&
	printf '%s\n' "$rules" | grep -q 'time() - node_textfile_mtime_seconds{file=~".*mdcr_fix.prom"}' &&
	printf '%s\n' "$rules" | grep -q 'mdcr_fix_severity >= 2' &&
	printf '%s\n' "$rules" | grep -q 'mdcr_fix_status{mdcr_fix_status="protected"}'; then
	echo "ok - status: README's alert rules (severity, StateSet, the textfile's age) name metrics the script writes"
else
	echo "not ok - status: README's alert rules (severity, StateSet, the textfile's age) name metrics the script writes (missing: ${missing:-none})"
fi
