# SPDX-License-Identifier: GPL-2.0
#
# TAP and helpers for the guest scenarios (busybox sh), in the shape of
# tools/testing/selftests/kselftest.h.
echo "TAP version 13"
tap_n=0
tap_fail=0

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_fail=$((tap_fail + 1))
	echo "not ok $tap_n - $*"
}

# check DESC COMMAND...: ok when COMMAND succeeds.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

diag() {
	echo "$*" | sed 's/^/# /'
}

tap_done() {
	echo "1..$tap_n"
}

DBG=/sys/kernel/debug
OBS=$DBG/mdcr_observer
FIX=$DBG/mdcr_fix
TRACE=$DBG/tracing

# Run a command, showing it and its output as TAP diagnostics.
run() {
	echo "# \$ $*"
	out=$("$@" 2>&1)
	rc=$?
	[ -z "$out" ] || diag "$out"
	return $rc
}

obs_load() {
	insmod /lib/mdcr_observer.ko
}

obs_unload() {
	rmmod mdcr_observer
}

fix_load() {
	insmod /lib/mdcr_fix.ko "$@"
}

fix_unload() {
	rmmod mdcr_fix
}

KML=$DBG/kmemleak

# kmemleak_check: scan for leaks as one TAP result (debug kernel). An object
# must be 5 s old and unreferenced in two scans to be reported.
kmemleak_check() {
	if [ ! -e $KML ]; then
		case $(uname -r) in
		*-debug) not_ok "kmemleak: no leak (no $KML: CONFIG_DEBUG_KMEMLEAK?)" ;;
		*) ok "kmemleak: no leak # SKIP not a debug kernel" ;;
		esac
		return
	fi
	echo scan >$KML
	sleep 6
	echo scan >$KML
	leaks=$(grep -c '^unreferenced object' $KML)
	check "kmemleak: no leak ($leaks)" [ "$leaks" -eq 0 ]
	[ "$leaks" -eq 0 ] || head -n 40 $KML | sed 's/^/# /'
}

# Probes mdcr_fix holds. kprobes/list names the probed function and its
# module (kvm, built in), not the prober: count the probes on KVM functions,
# less the observer's two (a kretprobe on kvm_arch_vcpu_load, a kprobe on
# kvm_arch_vcpu_destroy) while it is loaded.
fix_probes() {
	np=$(grep -cE '[[:space:]]kvm_[a-z0-9_]+\+0x' $DBG/kprobes/list)
	! grep -q '^mdcr_observer ' /proc/modules || np=$((np - 2))
	echo $np
}

# nothing_left: no mdcr_fix module, no probe of its, no debugfs entry.
nothing_left() {
	[ ! -e $FIX ] && [ "$(fix_probes)" -eq 0 ] &&
		! grep -q '^mdcr_fix ' /proc/modules
}

# The kernel's own value: kvm:kvm_arm_set_dreg32 fires where
# kvm_arm_setup_mdcr_el2() computes vcpu->arch.mdcr_el2.
trace_on() {
	echo 0 >$TRACE/tracing_on
	echo >$TRACE/trace
	echo 1 >$TRACE/events/kvm/kvm_arm_set_dreg32/enable
	echo 1 >$TRACE/tracing_on
}

# First MDCR_EL2 value the kernel computed in thread TID, as 0x%x.
traced_mdcr() {
	grep -E "^ *[^ ]+-$1 +\[" $TRACE/trace | grep -m1 'MDCR_EL2:' |
		sed 's/.*MDCR_EL2: *0x0*\([0-9a-f]*\).*/0x\1/; s/^0x$/0x0/'
}

# Observer records: "tgid id tid cpu first_hw first_sw" per vCPU.
obs_vcpus() {
	sed -n 's/^vcpu tgid=\([0-9]*\) id=\([0-9]*\) tid=\([0-9]*\) cpu=\([0-9]*\) first_hw=\(0x[0-9a-f]*\) first_sw=\(0x[0-9a-f]*\).*/\1 \2 \3 \4 \5 \6/p' $OBS
}

# Host MDCR_EL2 of CPU $1 now, from the observer.
obs_cpu_mdcr() {
	sed -n "s/^cpu $1 mdcr_el2=\(0x[0-9a-f]*\).*/\1/p" $OBS
}

hpmn() {
	echo $(($1 & 0x1f))
}

# debugfs header value of mdcr_fix: fix_key KEY
fix_key() {
	sed -n "s/^$1:	//p" $FIX
}

# first_loads match|zero [MIN]: for every vCPU the observer saw, compare the
# hardware MDCR_EL2 after its first load with the value the kernel computed.
# match: equal and non-zero (fixed). zero: the hardware got 0 while the kernel
# computes non-zero (the bug). Prints one diagnostic line per vCPU; returns
# non-zero on any vCPU that does not fit, or when fewer than MIN were seen.
first_loads() {
	bad=0
	seen=0
	obs_vcpus >/tmp/obs
	while read -r tgid id tid cpu hw sw; do
		want=$(traced_mdcr "$tid")
		seen=$((seen + 1))
		echo "# vm $tgid vcpu $id (tid $tid, cpu $cpu): first load hw=$hw kernel=$want"
		if [ -z "$want" ] || [ "$((want))" -eq 0 ]; then
			bad=1
		elif [ "$1" = match ]; then
			[ "$((hw))" -eq "$((want))" ] || bad=1
		else
			[ "$((hw))" -eq 0 ] || bad=1
		fi
	done </tmp/obs
	[ "$seen" -ge "${2:-1}" ] || { echo "# $seen vCPUs observed, want ${2:-1}"; return 1; }
	return $bad
}

first_loads_match() {
	first_loads match "$@"
}

first_loads_zero() {
	first_loads zero "$@"
}

# stale_copy_cpu1: without mdcr_fix, damage CPU 1 (an interrupted first
# run), then start a VM that stays a minute on CPU 0 (its pid in $stay):
# KVM enables CPU 1 and copies its host MDCR_EL2 with HPMN = 0.
stale_copy_cpu1() {
	run vmm -i -n 0 -p 1
	dmg=$(obs_cpu_mdcr 1)
	check "CPU 1 damaged without the module ($dmg)" [ "$(hpmn "$dmg")" -eq 0 ]
	vmm -c 1 -p 0 -d 60 -q >/tmp/stay.log 2>&1 &
	stay=$!
	sleep 2
	check "a VM keeps KVM enabled (it copied CPU 1 with HPMN 0)" kill -0 $stay
}

# vcpu_on_cpu1: trace one vCPU's 3 MMIO runs pinned to CPU 1; sets want, the
# MDCR_EL2 the kernel computed for it, and after, CPU 1's MDCR_EL2 then.
vcpu_on_cpu1() {
	trace_on
	run vmm -c 1 -p 1 -n 3
	check "vmm: a vCPU on CPU 1" [ $? -eq 0 ]
	tid=$(obs_vcpus | awk 'END { print $3 }')
	want=$(traced_mdcr "$tid")
	after=$(obs_cpu_mdcr 1)
	diag "kernel computed $want for the vCPU on CPU 1; CPU 1 now $after"
}
