# SPDX-License-Identifier: GPL-2.0
# Control, no mdcr_fix: what the hardware holds after each vCPU's first load,
# next to what the kernel computes. On an unpatched VHE kernel the first is 0
# (the bug); on a fixed kernel they are equal. EXPECT=bug|fixed from cmdline.
trace_on
obs_load
run vmm -c 2
check "vmm ran a 2-vCPU VM" [ $? -eq 0 ]
if [ "$EXPECT" = bug ]; then
	check "control: first load wrote MDCR_EL2=0 while the kernel computes non-zero (bug reproduced)" first_loads_zero
else
	check "control: first load wrote the kernel's own MDCR_EL2 (kernel fixed)" first_loads_match 2
fi
obs_unload
