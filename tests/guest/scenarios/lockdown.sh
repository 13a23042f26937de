# SPDX-License-Identifier: GPL-2.0
# cmdline: lockdown=integrity
# A host under lockdown (Secure Boot): the module loads, its hooks arm, and
# its debugfs file still opens. Before 5.10, lockdown lets debugfs open a
# file only if its mode is exactly 0444 (0400 is refused).
check "the kernel is locked down" sh -c "dmesg | grep -q 'Kernel is locked down'"
run fix_load
check "mdcr_fix loads under lockdown" [ $? -eq 0 ]
run vmm -c 2
check "vmm runs" [ $? -eq 0 ]
cat $FIX >/tmp/fix.txt 2>/tmp/fix.err
check "root opens and reads the debugfs file under lockdown" [ $? -eq 0 ]
diag "$(head -n 8 /tmp/fix.txt) $(cat /tmp/fix.err)"
check "  it says the vCPUs were fixed (verdict affected, fix-ups $(fix_key fixups))" \
	sh -c "[ \"$(fix_key verdict)\" = affected ] && [ \"$(fix_key fixups)\" -ge 2 ]"
check "the sysfs status reads too: protected" \
	grep -qx 'status=protected' /sys/module/mdcr_fix/parameters/status
fix_unload
