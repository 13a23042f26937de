# SPDX-License-Identifier: GPL-2.0
# scripts/mdcr-fix-status on an unpatched VHE kernel: exit codes and JSON.
run mdcr-fix-status
check "module not loaded, kernel helper present: not affected per kallsyms (exit 0)" [ $? -eq 0 ]
MDCR_FIX_KALLSYMS=/tmp/ks
grep -v ' kvm_arm_vcpu_init_debug$' /proc/kallsyms >/tmp/ks
export MDCR_FIX_KALLSYMS
run mdcr-fix-status
check "module not loaded, no fix in kallsyms: affected (exit 1)" [ $? -eq 1 ]
unset MDCR_FIX_KALLSYMS
fix_load mode=observe
vmm -c 1 >/dev/null 2>&1
run mdcr-fix-status
check "observe mode on an affected kernel: affected (exit 1)" [ $? -eq 1 ]
fix_unload
fix_load
run mdcr-fix-status
check "auto mode, before any vCPU: protected (armed; exit 0)" [ $? -eq 0 ]
vmm -c 1 >/dev/null 2>&1
run mdcr-fix-status --json
check "auto mode after a vCPU ran: protected (exit 0)" [ $? -eq 0 ]
mdcr-fix-status --json | grep -q '^{"status":"protected","verdict":"affected","mode":"auto","fixups":1,'
check "JSON output" [ $? -eq 0 ]
run mdcr-fix-status --bogus
check "bad usage: exit 2" [ $? -eq 2 ]
fix_unload
