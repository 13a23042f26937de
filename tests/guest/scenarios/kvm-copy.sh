# SPDX-License-Identifier: GPL-2.0
# KVM's own copy of the host MDCR_EL2: damage CPU 1 without the module,
# then start a VM that stays (KVM is enabled and copies CPU 1 while it has
# HPMN = 0), then load the module, then run a VM on CPU 1. The module must
# make KVM's copy right again while the first VM keeps running: the kernel
# computes a non-zero HPMN on CPU 1 and CPU 1 keeps it.
obs_load
stale_copy_cpu1
run fix_load
sleep 2
diag "$(grep -E '^(status|cpu1|repair_pending|hook.init_debug)' $FIX)"
vcpu_on_cpu1
check "the kernel computes HPMN $(hpmn "${want:-0}") on CPU 1, not 0" [ "$(hpmn "${want:-0}")" -ne 0 ]
check "CPU 1 keeps its HPMN after the vCPU ran ($after)" [ "$(hpmn "$after")" -ne 0 ]
check "status protected" [ "$(fix_key status)" = protected ]
kill $stay 2>/dev/null
wait $stay
fix_unload
obs_unload
