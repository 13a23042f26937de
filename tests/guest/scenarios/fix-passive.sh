# SPDX-License-Identifier: GPL-2.0
# A kernel that already has the fix: verdict "kernel already fixed", no
# fix-up, VMs run, and the hardware gets the kernel's own value. The first
# vCPU decides; then the module stands down: only the destroy hook (which
# drops records) stays armed.
trace_on
obs_load
run fix_load
check "mdcr_fix loads" [ $? -eq 0 ]
run vmm -c 2
check "vmm: 2 vCPUs" [ $? -eq 0 ]
run vmm -i -n 0 -p 1
check "vmm: interrupted first run" [ $? -eq 0 ]
diag "$(cat $FIX)"
check "verdict: kernel already fixed" [ "$(fix_key verdict)" = "kernel already fixed" ]
check "0 fix-ups" [ "$(fix_key fixups)" -eq 0 ]
check "the kernel computed the first vCPU's value" [ "$(fix_key kernel_computed)" -ge 1 ]
check "first-load MDCR_EL2 equals the kernel's value" first_loads_match 2
sleep 1
check "stood down: every hook but vcpu_destroy disarmed" \
	sh -c "! grep '^hook\.' $FIX | grep -v '^hook.vcpu_destroy:' | grep -q ' armed'"
check "status: not affected" [ "$(fix_key status)" = "not affected" ]
run fix_unload
check "mdcr_fix unloads" [ $? -eq 0 ]
obs_unload
