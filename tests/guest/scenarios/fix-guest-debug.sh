# SPDX-License-Identifier: GPL-2.0
# mdcr_fix (auto): KVM_SET_GUEST_DEBUG before the first run changes what the
# kernel computes (TDE, TDA); the module must follow.
fix_load
for g in sw hw; do
	obs_load
	trace_on
	run vmm -c 2 -g $g
	check "vmm -g $g" [ $? -eq 0 ]
	check "guest debug $g: first-load MDCR_EL2 equals the kernel's value" first_loads_match 2
	obs_unload
done
fix_unload
