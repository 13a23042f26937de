# SPDX-License-Identifier: GPL-2.0
# KVM's copy of the host MDCR_EL2 stale while the register reads healthy.
# Without the module: damage CPU 1, start a VM that stays (KVM copies CPU 1
# with HPMN = 0), then heal CPU 1's register the way the kernel itself
# can: a vCPU whose value KVM computed on CPU 0 is loaded and put on CPU 1
# before the run loop computes it again (vmm -m 1). The register is whole,
# KVM's copy is not. Load the module: nothing is damaged, the verdict is
# pending. Once the first vCPU proves the kernel affected, every CPU's copy
# must be taken again: a vCPU on CPU 1 then gets a non-zero HPMN from KVM.
obs_load
stale_copy_cpu1
run vmm -c 1 -p 0 -n 3 -m 1
check "vmm -m 1: computed on CPU 0, put on CPU 1" [ $? -eq 0 ]
healed=$(obs_cpu_mdcr 1)
check "CPU 1's register healed, KVM's copy not ($healed)" [ "$(hpmn "$healed")" -ne 0 ]
run fix_load
check "the module loads; nothing damaged, verdict pending" \
	sh -c "[ \"$(fix_key verdict)\" = pending ] && [ \"$(fix_key damaged_cpus)\" -eq 0 ]"
# The first vCPU since load, on CPU 0, stays: it proves the kernel affected.
vmm -c 1 -p 0 -d 30 -q >/tmp/b.log 2>&1 &
b=$!
sleep 3
check "verdict affected" [ "$(fix_key verdict)" = affected ]
vcpu_on_cpu1
check "KVM's copy of CPU 1 was taken again: the kernel computes HPMN $(hpmn "${want:-0}"), not 0" \
	[ "$(hpmn "${want:-0}")" -ne 0 ]
check "CPU 1 keeps its HPMN after the vCPU ran ($after)" [ "$(hpmn "$after")" -ne 0 ]
sleep 2
diag "$(grep -E '^(status|cpu[01]|stale|repair_pending|zero_hpmn)' $FIX)"
check "status protected, no stale copy" \
	sh -c "[ \"$(fix_key status)\" = protected ] && [ \"$(fix_key stale_kvm_copies)\" -eq 0 ]"
kill $stay $b 2>/dev/null
wait $stay $b
fix_unload
obs_unload
