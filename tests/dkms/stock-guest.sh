# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC2154
#
# Guest scenario "stock" (sourced by tests/guest/init in the initramfs that
# tests/dkms/stock-boot.sh makes): a stock Debian kernel that has the fix,
# booted with mdcr_fix built against its headers. The module loads, never
# writes, says the kernel is fixed, and mdcr-fix-status agrees with and
# without it. EXPECT (mdcr.expect=) says how the kernel is fixed:
#   run   it computes mdcr_el2 in its first-run init (5.13 .. 6.13, e.g.
#         trixie's 6.12): the module arms its hooks and the first vCPU
#         proves the kernel fixed;
#   load  it computes it in every vcpu_load (6.14+, sid's 7.x): the module
#         is passive by construction, nothing armed from the start.
diag "$(grep -E '^(mdcr_fix|kvm) ' /proc/modules)"
check "/dev/kvm present: KVM built in, VHE host" [ -c /dev/kvm ]

run mdcr-fix-status
check "mdcr-fix-status without the module: not affected (exit 0)" [ $? -eq 0 ]
mdcr-fix-status --json | grep -q '"status":"not affected"'
check "  JSON status \"not affected\"" [ $? -eq 0 ]

run fix_load
check "mdcr_fix loads" [ $? -eq 0 ]
check "debugfs file present" [ -r "$FIX" ]
diag "$(dmesg | grep 'mdcr_fix:')"
if [ "$EXPECT" = load ]; then
	check "features: computes_at_load=1" grep -q '^features:.* computes_at_load=1' "$FIX"
	check "verdict at load: kernel already fixed" \
		[ "$(fix_key verdict)" = "kernel already fixed" ]
	check "no probe armed" [ "$(fix_probes)" -eq 0 ]
else
	check "features: computes_at_load=0" grep -q '^features:.* computes_at_load=0' "$FIX"
	check "verdict at load: pending" [ "$(fix_key verdict)" = pending ]
fi

run vmm -c 2
check "vmm: KVM guest with 2 vCPUs" [ $? -eq 0 ]
run vmm -i -n 0 -p 1
check "vmm: interrupted first run, secondary powered off" [ $? -eq 0 ]
echo "# \$ cat $FIX"
diag "$(cat "$FIX")"
check "verdict: kernel already fixed" [ "$(fix_key verdict)" = "kernel already fixed" ]
check "0 fix-ups" [ "$(fix_key fixups)" -eq 0 ]
check "0 CPU repairs" [ "$(fix_key repaired)" -eq 0 ]
if [ "$EXPECT" = load ]; then
	check "still no probe armed" [ "$(fix_probes)" -eq 0 ]
else
	check "kernel computed every vCPU's value" [ "$(fix_key kernel_computed)" -ge 3 ]
	sleep 3
	check "load hook disarmed" grep -q '^hook.vcpu_load:.* disarmed' "$FIX"
fi
run mdcr-fix-status
check "mdcr-fix-status with the module: not affected (exit 0)" [ $? -eq 0 ]
run cat /sys/module/mdcr_fix/parameters/status

run fix_unload
check "mdcr_fix unloads" [ $? -eq 0 ]
check "nothing left (module, probes, debugfs)" nothing_left
run vmm -c 2
check "vmm runs after unload" [ $? -eq 0 ]
