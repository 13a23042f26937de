# SPDX-License-Identifier: GPL-2.0
# mode=observe: nothing written; debugfs shows the hardware got 0.
fix_load mode=observe
vmm -s -c 2 -d 5 >/tmp/vmm.log 2>&1 &
vmm=$!
sleep 2
# One read while the VM lives: its records go with it.
cat $FIX >/tmp/fix.txt
diag "$(cat /tmp/fix.txt)"
key() {
	sed -n "s/^$1:	//p" /tmp/fix.txt
}
check "observe: verdict affected" [ "$(key verdict)" = affected ]
check "observe: no fix-ups" [ "$(key fixups)" -eq 0 ]
check "observe: load hook armed" grep -q "^hook.vcpu_load:.* armed" /tmp/fix.txt
check "observe: hardware 0x0 after first load, for both vCPUs" \
	[ "$(awk '$3 == "new" && $6 == "0000000000000000"' /tmp/fix.txt | wc -l)" -eq 2 ]
wait $vmm
check "vmm ran" [ $? -eq 0 ]
fix_unload
