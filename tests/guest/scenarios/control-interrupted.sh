# SPDX-License-Identifier: GPL-2.0
# Control, no mdcr_fix: a first KVM_RUN interrupted by a signal on CPU 1 puts
# the vCPU before kvm_arm_setup_debug(). EXPECT=bug: CPU 1 keeps HPMN = 0.
obs_load
before=$(obs_cpu_mdcr 1)
run vmm -i -n 0 -p 1
check "vmm: interrupted first run on CPU 1" [ $? -eq 0 ]
after=$(obs_cpu_mdcr 1)
diag "CPU 1 host MDCR_EL2: before $before, after $after"
if [ "$EXPECT" = bug ]; then
	check "control: CPU 1 left with HPMN=0 (bug reproduced)" [ "$(hpmn "$after")" -eq 0 ]
else
	check "control: CPU 1 keeps HPMN=$(hpmn "$before")" [ "$(hpmn "$after")" -eq "$(hpmn "$before")" ]
fi
obs_unload
