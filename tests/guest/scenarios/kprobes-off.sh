# SPDX-License-Identifier: GPL-2.0
# kprobes disarmed as a whole (debugfs kprobes/enabled = 0) leave every hook
# registered and "armed" but without its breakpoint: no hook runs, and the
# module must not say "protected". Armed again, it is.
SYSP=/sys/module/mdcr_fix/parameters/status
run fix_load
run vmm -c 1
check "a vCPU ran: verdict affected, status protected" \
	sh -c "[ \"$(fix_key verdict)\" = affected ] && [ \"$(fix_key status)\" = protected ]"
echo 0 >$DBG/kprobes/enabled
diag "$(grep -E '^(status|hook\.)' $FIX)"
check "kprobes disabled: status affected" grep -qx 'status=affected' $SYSP
check "  and the reason says so" grep -q '^reason=kprobes are disabled' $SYSP
check "  debugfs marks the hooks" grep -q '^hook.first_run:.* armed (not in the text: kprobes disabled)' $FIX
mdcr-fix-status >/dev/null
check "  mdcr-fix-status: CRITICAL (exit 2)" [ $? -eq 2 ]
echo 1 >$DBG/kprobes/enabled
check "kprobes enabled again: status protected" grep -qx 'status=protected' $SYSP
fix_unload
