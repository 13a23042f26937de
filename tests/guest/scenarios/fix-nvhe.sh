# SPDX-License-Identifier: GPL-2.0
# nVHE host: not affected; MDCR_EL2 shown through the host hypercall.
run fix_load
check "mdcr_fix loads" [ $? -eq 0 ]
diag "$(cat $FIX)"
check "host: nVHE" [ "$(fix_key host)" = nVHE ]
check "verdict: not affected" [ "$(fix_key verdict)" = "not affected" ]
check "no VM: MDCR_EL2 not readable, and debugfs says why" \
	grep -q "^cpu0.host_mdcr_el2:.*src=none (hyp stub answered" $FIX
check "no hook armed" [ "$(grep -c '^hook\.[a-z_]*:	none (not needed' $FIX)" -eq 3 ]
vmm -c 2 -d 3 >/tmp/vmm.log 2>&1 &
vmm=$!
sleep 2
diag "$(grep host_mdcr $FIX)"
for c in 0 1; do
	v=$(sed -n "s/^cpu$c.host_mdcr_el2:	\([0-9a-f]*\) src=hvc.*/\1/p" $FIX)
	check "VM running: CPU $c host MDCR_EL2 read through hvc (0x$v), HPMN non-zero" \
		[ "$(hpmn "0x${v:-0}")" -ne 0 ]
done
wait $vmm
check "vmm runs" [ $? -eq 0 ]
run fix_unload
check "mdcr_fix unloads" [ $? -eq 0 ]
