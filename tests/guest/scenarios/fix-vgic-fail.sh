# SPDX-License-Identifier: GPL-2.0
# A first-run init that fails after has_run_once is set, before the timer
# enable: the VMM skips the vGIC's CTRL_INIT (vmm -V), so the mapping of
# the vGIC fails (EBUSY) and KVM_RUN fails; every later KVM_RUN goes
# straight to the load. The fixed kernel (v2 of the upstream patch)
# computes mdcr_el2 before the mapping; so must the module. Loaded before
# any VM (verdict pending), past the sweep (the load hook disarmed): only
# the first-run hooks stand before the load.
trace_on
obs_load
run fix_load sweep_ms=0
sleep 1
check "verdict pending, load hook disarmed" \
	sh -c "[ \"$(fix_key verdict)\" = pending ] && grep -q '^hook.vcpu_load:.* disarmed' $FIX"
before=$(obs_cpu_mdcr 1)
run vmm -V -c 1 -n 3 -p 1
check "vmm -V: the first KVM_RUN failed in the vGIC mapping, the next ran" [ $? -eq 0 ]
check "the retried run's first load got the kernel's value" first_loads_match 1
obs_unload
obs_load
run vmm -V -i -n 0 -p 1
check "vmm -V -i: first KVM_RUN failed, the next interrupted by a signal" [ $? -eq 0 ]
after=$(obs_cpu_mdcr 1)
diag "CPU 1 host MDCR_EL2: before $before, after $after"
check "CPU 1 keeps HPMN=$(hpmn "$before")" \
	[ "$(hpmn "$after")" -ne 0 -a "$(hpmn "$after")" -eq "$(hpmn "$before")" ]
diag "$(grep -E '^(verdict|hook\.|fixups|first_runs)' $FIX)"
fix_unload
obs_unload
