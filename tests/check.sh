#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - run every test: host-side checks, then each guest scenario on
# each test kernel under qemu-system-aarch64. Prints one TAP stream and ends
# with "N passed, N failed"; exits non-zero on any failure.
#
# MDCR_FIX_ONLY=REGEX limits the boots to "kernel/scenario" names matching it;
# MDCR_FIX_SKIP=REGEX leaves out those matching it (e.g. "-debug/" for a
# quick run without the debug-kernel tier).
#
# The field kernels (rhel8-4.18, rhel8-ampere, rhel8-394, buster-4.19,
# linux-5.4.120) are built from the source tarballs in $MDCR_FIX_KERNELS
# (default ../shared/kernels beside the checkout). Where they are missing
# their boots are skipped (TAP "# SKIP"), except in CI (CI=true), where that
# is a failure.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
only=${MDCR_FIX_ONLY:-.}
skip=${MDCR_FIX_SKIP:-}
res=$(mktemp)
# This run's own work directories: another run (make demo) may use the cache.
export MDCR_FIX_WORK="$cache/work/check-$$"
mkdir -p "$MDCR_FIX_WORK"
trap 'rm -f "$res"; rm -rf "$MDCR_FIX_WORK"' EXIT
start=$(date +%s)

# Renumber TAP results into one stream, tagging each with where it ran.
emit() {
	while IFS= read -r line; do
		case $line in
		"ok "* | "not ok "*)
			st=${line%%ok *}ok
			desc=$(echo "$line" | sed 's/^\(not \)\{0,1\}ok [0-9]* *-\{0,1\} *//')
			case $desc in *"# SKIP"*) echo skip >>"$res" ;; *) echo "$st" >>"$res" ;; esac
			echo "$st $(wc -l <"$res") - [$1] $desc"
			;;
		"#"*) echo "$line" ;;
		esac
	done
}

# result TAG DESC STATUS: one host-side result.
result() {
	if [ "$3" -eq 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi | emit "$1"
}

elapsed() {
	echo "# elapsed $(($(date +%s) - start)) s"
}

echo "TAP version 13"
if ! "$top/scripts/deps.sh"; then
	echo "Bail out! dependencies missing"
	echo "0 passed, 1 failed"
	exit 1
fi

# kernel cpu scenario expect. Every scenario of the module runs on
# unpatched-5.10, where kvm_vcpu_first_run_init() is out of line (fix-late:
# a module that trusted a hit there called the kernel fixed).
module_scenarios="
max control-first-load bug
max control-interrupted bug
max fix-first-load -
max fix-interrupted -
max fix-guest-debug -
max fix-repair -
max fix-observe -
max fix-lifecycle -
max fix-many -
max status -
max fault-injection -
max bad-input -
max teardown -
max kvm-copy -
max fix-late -
max fix-timer-fail -
max fix-load-window -
max fix-vgic-fail -
max fix-pending -
max kvm-copy-healed -
max kvm-copy-unload -
max refresh-perf -
max kprobes-off -
max status-cost -
max,pmu=off no-pmu -
cortex-a57 fix-nvhe -
cortex-a57 status-cost -
"
# The debug kernel (lockdep, KASAN, kmemleak) runs the scenarios that take
# the module through a path of its own (first run and load, repair and the
# refresh of KVM's copy, observe, injected failures, bad input, nVHE), then
# the stress tier. Left to unpatched-5.10: the controls (no module), and
# scenarios whose module paths these already take. They run in a lane of
# their own, beside the rest.
debug_scenarios="
max fix-first-load -
max fix-repair -
max fix-observe -
max fault-injection -
max bad-input -
max kvm-copy -
max fix-vgic-fail -
max fix-pending -
cortex-a57 fix-nvhe -
max stress-cycles -
max stress-debugfs -
max stress-many -
max fault-nth -
"
# The field kernels as they ship (QEMU's FEAT_LPA2 hangs their early boot:
# lpa2=off). Each unfixed one runs the controls and what depends on the
# kernel: the first-run and destroy paths, the repair, KVM's copy, first
# runs that fail in the timer enable and in the vGIC mapping. Ampere's RHEL
# 8.0 backport tree (64K pages, PANIC_ON_OOPS, a reworked vcpu_load) also
# runs the rest; buster's 4.19 nVHE; 5.4.120 the stress-cycles tier and a
# boot under lockdown. CentOS Stream 8's 4.18.0-394 has the fix: its controls
# show it, and the module stands down.
old_scenarios="
control-first-load bug
control-interrupted bug
fix-first-load -
fix-interrupted -
fix-repair -
teardown -
kvm-copy -
fix-timer-fail -
fix-vgic-fail -
"
old_more="
fix-guest-debug -
fix-observe -
fix-lifecycle -
status -
fault-injection -
bad-input -
fix-late -
fix-pending -
kvm-copy-healed -
refresh-perf -
kprobes-off -
status-cost -
"
old() {
	echo "$2" | sed '/^$/d' | while read -r scen expect; do
		echo "$1 max,lpa2=off $scen $expect"
	done
}
# Two lanes, one QEMU each, on the two cores: the debug kernel's tier in
# the background from the start, the host checks and everything else
# meanwhile; the debug lane's results are numbered into the stream when
# both are done.
debug_plan=$(echo "$debug_scenarios" | sed '/^$/d; s/^/unpatched-5.10-debug /')
plan="
$(echo "$module_scenarios" | sed '/^$/d; s/^/unpatched-5.10 /')
debian-5.10 max control-first-load fixed
debian-5.10 max control-interrupted fixed
debian-5.10 max fix-passive -
debian-6.1 max control-first-load fixed
debian-6.1 max fix-passive -
$(old rhel8-4.18 "$old_scenarios")
$(old rhel8-ampere "$old_scenarios")
$(old rhel8-ampere "$old_more")
rhel8-ampere max,lpa2=off,pmu=off no-pmu -
rhel8-394 max,lpa2=off control-first-load fixed
rhel8-394 max,lpa2=off control-interrupted fixed
rhel8-394 max,lpa2=off fix-passive -
$(old buster-4.19 "$old_scenarios")
buster-4.19 cortex-a57 fix-nvhe nocall
$(old linux-5.4.120 "$old_scenarios")
linux-5.4.120 max,lpa2=off stress-cycles 50
linux-5.4.120 max,lpa2=off lockdown -
"

# run_plan < PLAN: prepare each kernel once, boot each line, emit its TAP.
run_plan() {
prepared=
skipped=
failed=
while read -r kernel cpu scen expect; do
	[ -n "$kernel" ] || continue
	echo "$kernel/$scen" | grep -Eq -e "$only" || continue
	[ -z "$skip" ] || ! echo "$kernel/$scen" | grep -Eq -e "$skip" || continue
	[ "$expect" = - ] && expect=
	case " $prepared " in
	*" $kernel "*) ;;
	*)
		elapsed
		echo "# preparing $kernel"
		plog=$cache/prepare-$kernel.log
		dir=$("$top/tests/prepare.sh" "$kernel" 2>"$plog")
		rc=$?
		prepared="$prepared $kernel"
		if [ $rc -eq 77 ] && [ "${CI:-}" != true ]; then
			sed 's/^/# /' "$plog"
			echo "ok - $kernel: source not here # SKIP set MDCR_FIX_KERNELS to the directory of the field-kernel tarballs" | emit "$kernel"
			skipped="$skipped $kernel"
			continue
		fi
		result "$kernel" "kernel and modules ready, built warning-free" $rc
		[ $rc -eq 0 ] || { sed 's/^/# /' "$plog"; failed="$failed $kernel"; continue; }
		grep -e 'allowed by name' -e '^\[build-kernel\] built ' "$plog" | sed 's/^/# /'
		;;
	esac
	case " $skipped $failed " in
	*" $kernel "*) continue ;;
	esac
	echo "# boot $kernel ($cpu): $scen${expect:+ (expect $expect)}"
	t=$(date +%s)
	"$top/tests/boot.sh" "$MDCR_FIX_WORK/$kernel" "$scen" "$cpu" "$expect" |
		emit "$kernel/$scen${expect:+/$expect}"
	echo "# $kernel/$scen: $(($(date +%s) - t)) s"
	echo "$kernel $(($(date +%s) - t))" >>"$res.time"
done
# Time per kernel, boots only (building a kernel is in "elapsed").
[ ! -f "$res.time" ] || awk '{ t[$1] += $2; n[$1]++ } END { for (k in t) printf "# %s: %d boots, %d s\n", k, n[k], t[k] }' "$res.time" | sort
rm -f "$res.time"
}

lane=$(mktemp)
(
	res=$lane.res
	: >"$res"
	echo "$debug_plan" | run_plan >"$lane" 2>&1
) &
lane_pid=$!
sh "$top/tests/host/run.sh" 2>&1 | emit host
echo "$plan" | run_plan

# The README's first command must keep telling the truth.
elapsed
echo "# make demo"
demo=$(sh "$top/tests/demo.sh" 2>&1)
result demo "make demo exits 0" $?
echo "$demo" | sed 's/^/# /'
echo "$demo" | grep -q '=> the bug: CPU 1 now runs with HPMN=0'
result demo "demo shows the bug without the module" $?
echo "$demo" | grep -q '=> fixed, as measured above'
result demo "demo shows the fix with the module" $?
demo=$(sh "$top/tests/demo.sh" debian-6.1 2>&1)
result demo "make demo KERNEL=debian-6.1 exits 0" $?
echo "$demo" | grep -q 'mdcr_fix stays passive (0 fix-ups)'
result demo "demo on stock 6.1: module passive" $?

elapsed
echo "# make bench"
sh "$top/tests/bench.sh" 2>&1 | grep -v ' passed, ' | emit bench
elapsed

echo "# waiting for the debug kernel's lane"
wait $lane_pid
off=$(wc -l <"$res")
awk -v off="$off" '/^(not )?ok [0-9]+ - / {
	n = $0; sub(/^(not )?ok /, "", n); n += 0
	sub(/ok [0-9]+ - /, "ok " n + off " - ")
} { print }' "$lane"
cat "$lane.res" >>"$res"
rm -f "$lane" "$lane.res"
elapsed

pass=$(grep -c '^ok' "$res")
fail=$(grep -c '^not ok' "$res")
skips=$(grep -c '^skip' "$res")
echo "1..$((pass + fail + skips))"
echo "$pass passed, $fail failed, $skips skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
