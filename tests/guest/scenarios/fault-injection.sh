# SPDX-License-Identifier: GPL-2.0
# Each hook's registration failing (fail_hooks=, test only): a required hook
# makes the load fail cleanly; the others leave a clearly reduced module.
# Pool exhaustion is counted, never a crash, and vCPUs are still fixed.

if fix_load fail_hooks=vcpu_destroy 2>/dev/null; then
	not_ok "fail_hooks=vcpu_destroy: load refused"
	fix_unload
else
	ok "fail_hooks=vcpu_destroy: load refused"
fi
check "  nothing left behind (no probe, no debugfs entry, no module)" nothing_left
dmesg_has() {
	dmesg | grep -q "$1"
}
check "  one clear line in dmesg" \
	dmesg_has 'mdcr_fix: vcpu_destroy: cannot hook kvm_arch_vcpu_destroy: -2'

for f in first_run vcpu_load; do
	obs_load
	trace_on
	run fix_load fail_hooks=$f sweep_ms=0
	check "fail_hooks=$f: loads" [ $? -eq 0 ]
	check "  debugfs says the $f hook is missing" grep -q "^hook.$f:	none (" $FIX
	sleep 1
	run vmm -c 2
	check "  first loads still get the kernel's value" first_loads_match 2
	diag "$(grep '^hook\.' $FIX)"
	if [ $f = first_run ]; then
		check "  load hook stays armed without a first-run hook" grep -q '^hook.vcpu_load:.* armed' $FIX
	fi
	fix_unload
	obs_unload
done

run fix_load fail_hooks=first_run,vcpu_load
check "fail_hooks=first_run,vcpu_load: loads, verdict unknown" [ "$(fix_key verdict)" = unknown ]
mdcr-fix-status >/dev/null
check "  mdcr-fix-status exits 3 (UNKNOWN)" [ $? -eq 3 ]
fix_unload
check "  nothing left behind" nothing_left

obs_load
trace_on
run fix_load max_records=2
run vmm -c 4
check "max_records=2, 4 vCPUs: all first loads still fixed" first_loads_match 4
check "  dropped records counted ($(fix_key records_dropped))" [ "$(fix_key records_dropped)" -ge 2 ]
fix_unload
obs_unload
