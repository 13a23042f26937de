# SPDX-License-Identifier: GPL-2.0
# mode=observe: nothing written; debugfs shows the hardware got 0.
fix_load mode=observe
vmm -s -c 2 -d 3 >/tmp/vmm.log 2>&1 &
vmm=$!
sleep 2
diag "$(cat $FIX)"
check "observe: verdict affected" [ "$(fix_key verdict)" = affected ]
check "observe: no fix-ups" [ "$(fix_key fixups)" -eq 0 ]
check "observe: load hook armed" grep -q "^hook.vcpu_load:.* armed" $FIX
check "observe: hardware 0x0 after first load, for both vCPUs" \
	[ "$(awk '$3 == "new" && $6 == "0000000000000000"' $FIX | wc -l)" -eq 2 ]
wait $vmm
check "vmm ran" [ $? -eq 0 ]
fix_unload
