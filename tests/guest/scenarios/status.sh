# SPDX-License-Identifier: GPL-2.0
# scripts/mdcr-fix-status as monitoring runs it: exit codes in the Nagios
# plugin convention (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN and bad usage), as
# root and as an unprivileged user (no debugfs), text, JSON, Prometheus.
SYSP=/sys/module/mdcr_fix/parameters/status
as_nobody() {
	su -s /bin/sh nobody -c "$*"
}
# debugfs stays as mounted: root-only (0700); its mdcr_fix file is 0444.

# Without the module: from kallsyms. The harness's unpatched 5.10 keeps the
# helper of the fix (only its call is removed); the field kernels lack it.
run mdcr-fix-status
rc=$?
if grep -q ' kvm_arm_vcpu_init_debug$' /proc/kallsyms; then
	check "no module, the fix's helper in kallsyms: not affected (exit 0)" [ $rc -eq 0 ]
else
	check "no module, kernel without the fix: affected, CRITICAL (exit 2)" [ $rc -eq 2 ]
fi
grep -v ' kvm_arm_vcpu_init_debug$' /proc/kallsyms >/tmp/ks
MDCR_FIX_KALLSYMS=/tmp/ks mdcr-fix-status >/dev/null
check "no module, no fix in kallsyms: CRITICAL (exit 2)" [ $? -eq 2 ]

fix_load mode=observe
# Pinned: its later runs on CPU 1 load the computed value, so the last put
# leaves CPU 1 whole (on 4.18 and 4.19 the first run's put leaves HPMN 0:
# the kernel never writes the value it computes until the next load).
vmm -c 1 -p 1 >/dev/null 2>&1
run mdcr-fix-status
check "observe mode on an affected kernel: affected, WARNING (exit 1)" [ $? -eq 1 ]
run vmm -i -n 0 -p 1
# The module's own check, at most a second after that vCPU went, finds it.
sleep 2
run mdcr-fix-status --json
check "observe mode, CPU 1 damaged now: CRITICAL (exit 2)" [ $? -eq 2 ]
mdcr-fix-status --json | grep -q '"damaged_cpus":1'
check "  JSON says 1 damaged CPU" [ $? -eq 0 ]
fix_unload

fix_load
run cat $SYSP
check "the module repaired CPU 1 at load: sysfs says 0 damaged CPUs" grep -q '^damaged_cpus=0$' $SYSP
sleep 2
run mdcr-fix-status
check "auto mode, after the repair: protected (exit 0)" [ $? -eq 0 ]
vmm -c 1 >/dev/null 2>&1
run mdcr-fix-status --json
check "auto mode after a vCPU ran: protected (exit 0)" [ $? -eq 0 ]
mdcr-fix-status --json | grep -q '"status":"protected","verdict":"affected","mode":"auto"'
check "  JSON: status, verdict, mode" [ $? -eq 0 ]
check "a non-root user reads the sysfs status" as_nobody "cat $SYSP >/dev/null"
check "  while debugfs is not readable to it" sh -c "! su -s /bin/sh nobody -c 'cat $FIX' >/dev/null 2>&1"
as_nobody mdcr-fix-status >/tmp/st
check "mdcr-fix-status as non-root: protected (exit 0): $(cat /tmp/st)" [ $? -eq 0 ]
mdcr-fix-status --prometheus >/tmp/prom
check "--prometheus exits 0" [ $? -eq 0 ]
check "  mdcr_fix_status{mdcr_fix_status=\"protected\"} 1" \
	grep -q '^mdcr_fix_status{mdcr_fix_status="protected"} 1$' /tmp/prom
run mdcr-fix-status --bogus
check "bad usage: exit 3 (UNKNOWN)" [ $? -eq 3 ]
fix_unload
