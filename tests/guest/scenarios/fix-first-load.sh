# SPDX-License-Identifier: GPL-2.0
# mdcr_fix (auto): every vCPU's first load gets the kernel's own value, for a
# 4-vCPU VM on 2 CPUs and for 3 VMs in sequence.
trace_on
obs_load
run fix_load
check "mdcr_fix loads" [ $? -eq 0 ]
run vmm -c 4
check "vmm: 4 vCPUs on 2 CPUs" [ $? -eq 0 ]
check "4 vCPUs: first-load MDCR_EL2 equals the kernel's value, non-zero" first_loads_match 4
obs_unload
obs_load
trace_on
run vmm -v 3 -c 1
check "vmm: 3 VMs in sequence" [ $? -eq 0 ]
check "3 VMs: first-load MDCR_EL2 equals the kernel's value, non-zero" first_loads_match 3
check "verdict is affected" [ "$(fix_key verdict)" = affected ]
check "fix-ups counted" [ "$(fix_key fixups)" -ge 7 ]
check "no records left after the VMs exited" [ "$(fix_key records | cut -d/ -f1)" -eq 0 ]
echo "# debugfs:"
diag "$(cat $FIX)"
obs_unload
run fix_unload
check "mdcr_fix unloads" [ $? -eq 0 ]
check "debugfs entry gone" [ ! -e $FIX ]
