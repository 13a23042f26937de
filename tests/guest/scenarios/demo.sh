# SPDX-License-Identifier: GPL-2.0
# make demo: the bug and the fix, told in plain words. Lines starting with
# "# DEMO:" are what tests/demo.sh shows; the TAP results are its assertions.
say() {
	echo "# DEMO: $*"
}

decode() {
	v=$(($1))
	printf '0x%x (HPMN=%d TPM=%d TPMCR=%d TDA=%d TDE=%d TDOSA=%d TDRA=%d)' "$v" \
		$((v & 31)) $((v >> 6 & 1)) $((v >> 5 & 1)) $((v >> 9 & 1)) \
		$((v >> 8 & 1)) $((v >> 10 & 1)) $((v >> 11 & 1))
}

# A host perf event on CPU 1 counted on a PMU event counter (perfcount).
perf_line() {
	p=$(perfcount 1)
	ev=$(echo "$p" | sed -n 's/.*event_counter=\([0-9]*\).*/\1/p')
	cc=$(echo "$p" | sed -n 's/.*cycle_counter=\([0-9]*\).*/\1/p')
	say "    host perf on CPU 1: cycles on an event counter ${ev:-?}, on the cycle counter ${cc:-?}"
}

host_cpus() {
	for c in 0 1; do
		say "    CPU $c MDCR_EL2 = $(decode "$(obs_cpu_mdcr $c)")"
	done
}

# A 2-vCPU VM started as QEMU starts SMP guests: vCPU 1 powered off until a
# PSCI CPU_ON that never comes; the VMM stops it with a signal. Pinned to
# CPU 1.
smp_vm() {
	obs_load
	trace_on
	vmm -s -c 2 -p 1 >/tmp/vmm.log 2>&1
	check "$1: the 2-vCPU VM ran" [ $? -eq 0 ]
	obs_vcpus >/tmp/obs
	while read -r tgid id tid cpu hw sw; do
		want=$(traced_mdcr "$tid")
		say "    vCPU $id: hardware after its first load   $(decode "$hw")"
		if [ -n "$want" ]; then
			say "             the kernel computes a moment later $(decode "$want")"
		else
			say "             the kernel never computes it: vCPU $id never entered the guest"
		fi
	done </tmp/obs
}

# Every first load wrote 0 (the bug), or every first load got the value
# the kernel computes for vCPU 0 of the same VM on the same CPU.
first_loads_all() {
	want=$1
	[ "$want" = kernel ] && want=$(traced_mdcr "$(sed -n 's/^[0-9]* 0 \([0-9]*\) .*/\1/p' /tmp/obs)")
	[ -n "$want" ] || return 1
	[ "$(wc -l </tmp/obs)" -eq 2 ] || return 1
	while read -r tgid id tid cpu hw sw; do
		[ "$((hw))" -eq "$((want))" ] || return 1
	done </tmp/obs
}

say "host: Linux $(uname -r), $(dmesg | grep -o 'VHE mode initialized\|Hyp mode initialized' | head -n 1 | sed 's/Hyp mode/nVHE mode/')"
obs_load
say "1. Each CPU's MDCR_EL2 at boot (HPMN = event counters the host keeps):"
host_cpus
perf_line
check "healthy CPU 1: host perf event counter counts" [ "${ev:-0}" -gt 0 ]
obs_unload

say ""
say "2. Without mdcr_fix:"
smp_vm "without module"
say "  after the VM exits:"
host_cpus
hp=$(hpmn "$(obs_cpu_mdcr 1)")
if [ "$EXPECT" = bug ]; then
	check "without module: both first loads wrote MDCR_EL2=0" first_loads_all 0
	check "without module: CPU 1 left with HPMN=0" [ "$hp" -eq 0 ]
	perf_line
	check "without module: host perf event counter on CPU 1 stopped (0)" [ "${ev:-1}" -eq 0 ]
	[ "$hp" -eq 0 ] && [ "${ev:-1}" -eq 0 ] &&
		say "  => the bug: CPU 1 now runs with HPMN=0 and the host's perf event counters stop counting."
else
	check "kernel fixed: first loads already get the kernel's value" first_loads_all kernel
fi
obs_unload

say ""
say "3. With mdcr_fix (insmod mdcr_fix.ko, default mode auto):"
fix_load
obs_load
say "  at load the module repairs CPU 1:"
say "    CPU 1 MDCR_EL2 = $(decode "$(obs_cpu_mdcr 1)")"
obs_unload
smp_vm "with module"
if [ "$EXPECT" = bug ]; then
	check "with module: both first loads got the kernel's own value" first_loads_all kernel
	check "with module: CPU 1 keeps its HPMN" [ "$(hpmn "$(obs_cpu_mdcr 1)")" -ne 0 ]
	check "with module: the damaged CPU was repaired at load" grep -q '^cpu1.host_mdcr_el2:.* repairs=[1-9]' $FIX
	say "  after the VM exits:"
	host_cpus
	perf_line
	check "with module: host perf event counter on CPU 1 counts again" [ "${ev:-0}" -gt 0 ]
	say "  => fixed, as measured above: both first loads got the value the kernel computes, HPMN kept."
else
	check "kernel fixed: module passive" [ "$(fix_key verdict)" = "kernel already fixed" ]
	check "kernel fixed: no fix-up" [ "$(fix_key fixups)" -eq 0 ]
	say "  => the kernel already has the fix: mdcr_fix stays passive (0 fix-ups)."
fi
obs_unload
say ""
# A repair is checked again a second later; until then the status says so.
t=0
while ! mdcr-fix-status >/dev/null && [ $t -lt 10 ]; do
	sleep 0.5
	t=$((t + 1))
done
say "\$ cat /sys/kernel/debug/mdcr_fix"
sed 's/^/# DEMO: /' $FIX
say ""
say "\$ mdcr-fix-status"
say "$(mdcr-fix-status)"
check "mdcr-fix-status exits 0" mdcr-fix-status
fix_unload
