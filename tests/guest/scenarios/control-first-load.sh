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
# What mdcr-fix-status says of this kernel without the module, from its
# symbols: affected where the fix is missing, not affected where it is
# there. The harness's unpatched 5.10 keeps the fix's helper (only its
# call is removed), which no real kernel does: no verdict there.
mdcr-fix-status >/tmp/st.txt
rc=$?
diag "$(cat /tmp/st.txt)"
if [ "$EXPECT" != bug ]; then
	check "mdcr-fix-status without the module: not affected (exit 0)" [ $rc -eq 0 ]
elif grep -q ' kvm_arm_vcpu_init_debug$' /proc/kallsyms; then
	ok "mdcr-fix-status without the module # SKIP the fix's helper is here without its call (harness kernel)"
else
	check "mdcr-fix-status without the module: affected (exit 2)" [ $rc -eq 2 ]
fi
