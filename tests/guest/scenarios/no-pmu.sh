# SPDX-License-Identifier: GPL-2.0
# A CPU without a standard PMU (qemu -cpu ...,pmu=off): the boot code leaves
# HPMN = 0 on purpose and PMCR_EL0 is not there to read. The module loads,
# calls no CPU damaged, repairs nothing, and VMs still get their value.
trace_on
obs_load
run fix_load
check "mdcr_fix loads without a PMU" [ $? -eq 0 ]
diag "$(grep -E '^(status|verdict|cpu[0-9]|damaged)' $FIX)"
check "no CPU called damaged" [ "$(fix_key damaged_cpus)" -eq 0 ]
check "the CPUs are shown without a PMU" [ "$(grep -c '^cpu[0-9]*.host_mdcr_el2:.* no-pmu' $FIX)" -eq 2 ]
run vmm -c 2
check "vmm: 2 vCPUs" [ $? -eq 0 ]
check "first loads get the kernel's value" first_loads_match 2
check "nothing repaired ($(fix_key repaired))" [ "$(fix_key repaired)" -eq 0 ]
check "status protected" [ "$(fix_key status)" = protected ]
fix_unload
obs_unload
