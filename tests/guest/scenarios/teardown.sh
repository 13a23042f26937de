# SPDX-License-Identifier: GPL-2.0
# 100 VMs created, run and destroyed in turn: every vCPU record is dropped
# on the path this kernel really frees vCPUs (kvm_arch_vcpu_free up to 5.5,
# kvm_arch_vcpu_destroy from 5.6), and a vCPU that reuses a freed one's
# address starts from a fresh record: every first load gets the kernel's
# value.
trace_on
obs_load
run fix_load
check "mdcr_fix loads" [ $? -eq 0 ]
diag "$(grep '^hook.vcpu_destroy:' $FIX)"
vmm -v 100 -c 1 -q
check "vmm: 100 VMs in turn" [ $? -eq 0 ]
check "100 vCPUs seen ($(fix_key vcpus_seen))" [ "$(fix_key vcpus_seen)" -ge 100 ]
check "0 records left after the VMs ($(fix_key records))" \
	[ "$(fix_key records | cut -d/ -f1)" -eq 0 ]
# One line per vCPU: keep them out of the TAP, show the first few.
all_match() {
	first_loads_match 100 >/tmp/fl
}
check "every first load got the kernel's value (no stale record)" all_match
head -n 3 /tmp/fl
check "every vCPU fixed by the module ($(fix_key fixups) fix-ups)" [ "$(fix_key fixups)" -ge 100 ]
fix_unload
obs_unload
