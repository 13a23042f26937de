# SPDX-License-Identifier: GPL-2.0
# nVHE host: not affected; MDCR_EL2 shown through the host hypercall.
run fix_load
check "mdcr_fix loads" [ $? -eq 0 ]
diag "$(cat $FIX)"
check "host: nVHE" [ "$(fix_key host)" = nVHE ]
check "verdict: not affected" [ "$(fix_key verdict)" = "not affected" ]
check "host MDCR_EL2 read through hvc" grep -q "^cpu0.host_mdcr_el2:.*src=hvc" $FIX
check "no hook armed" [ "$(grep -c '^hook\.[a-z_]*:	[a-z_]* ' $FIX)" -eq 0 ]
run vmm -c 2
check "vmm runs" [ $? -eq 0 ]
run fix_unload
check "mdcr_fix unloads" [ $? -eq 0 ]
