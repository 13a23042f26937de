# SPDX-License-Identifier: GPL-2.0
# A first-run init that fails after has_run_once is set: the timer enable
# refuses the VMM's timer interrupts (vmm -T), KVM_RUN fails, and the VMM
# runs again. That run goes straight to the first load. The fixed kernel
# computed mdcr_el2 before the timer enable; so must the module.
trace_on
obs_load
# Past the sweep: only the first-run hook stands before the load.
run fix_load sweep_ms=0
sleep 1
check "load hook disarmed" grep -q '^hook.vcpu_load:.* disarmed' $FIX
run vmm -T -c 1 -n 3
check "vmm -T: the first KVM_RUN failed in the timer enable, the next ran" [ $? -eq 0 ]
check "the retried run's first load got the kernel's value" first_loads_match 1
fix_unload
obs_unload
