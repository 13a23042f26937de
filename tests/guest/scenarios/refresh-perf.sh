# SPDX-License-Identifier: GPL-2.0
# The refresh of KVM's copy of a CPU's host MDCR_EL2 is narrow: the module
# calls the function KVM takes the copy with, on that CPU. It never fakes
# a CPU power-down, which would run every CPU PM notifier on a live CPU
# (the PMU reset among them, the GIC redistributor's sleep handshake).
# CPU 1 is damaged without the module; a CPU-wide count of CPU 1's cycles
# runs (perfcount -t, as perf stat -a) while the module loads, repairs CPU
# 1 and has KVM take its copy again. The count must go on without a reset
# or a stall, and no CPU PM transition may happen on CPU 1.
obs_pm() {
	sed -n "s/^cpu $1 mdcr_el2=[0-9a-fx]* pm_enters=\([0-9]*\).*/\1/p" $OBS
}
obs_load
run vmm -i -n 0 -p 1
check "CPU 1 damaged without the module" [ "$(hpmn "$(obs_cpu_mdcr 1)")" -eq 0 ]
pm0=$(obs_pm 1)
taskset 1 perfcount -t 5 1 >/tmp/pc.log 2>&1 &
pc=$!
sleep 2
run fix_load
wait $pc
check "perfcount ran across the load" [ $? -eq 0 ]
diag "$(cat /tmp/pc.log)"
pm1=$(obs_pm 1)
diag "$(grep -E '^(cpu1|hook.init_debug|stale)' $FIX)"
check "CPU 1 repaired ($(obs_cpu_mdcr 1))" [ "$(hpmn "$(obs_cpu_mdcr 1)")" -ne 0 ]
check "KVM was seen taking CPU 1's copy again (copies >= 1, not stale)" \
	grep -Eq '^cpu1.host_mdcr_el2:.* copies=[1-9][0-9]*$' $FIX
check "no CPU PM transition on CPU 1 (pm_enters $pm0 -> $pm1)" [ "$pm0" = "$pm1" ]
check "the CPU-wide count on CPU 1 never went back" grep -q ' resets=0 ' /tmp/pc.log
stall=$(sed -n 's/.*max_stall_ms=\([0-9]*\).*/\1/p' /tmp/pc.log)
check "  and never stood still for more than 100 ms (${stall:-?} ms)" [ "${stall:-999}" -le 100 ]
fix_unload
obs_unload
