# SPDX-License-Identifier: GPL-2.0
# nVHE host: not affected; MDCR_EL2 shown through the host hypercall.
run fix_load
check "mdcr_fix loads" [ $? -eq 0 ]
diag "$(cat $FIX)"
check "host: nVHE" [ "$(fix_key host)" = nVHE ]
check "verdict: not affected" [ "$(fix_key verdict)" = "not affected" ]
check "no hook armed" [ "$(grep -c '^hook\.[a-z_]*:	none (not needed' $FIX)" -eq "$(grep -c '^hook\.' $FIX)" ]
check "status: not affected" [ "$(fix_key status)" = "not affected" ]
if [ "$EXPECT" = nocall ]; then
	# Before the SMCCC host calls (5.10) a module cannot call into hyp.
	check "MDCR_EL2 not readable on this kernel, and debugfs says why" \
		grep -q "^cpu0.host_mdcr_el2:.*src=none (this kernel has no host call" $FIX
	vmm -c 2
	check "vmm runs" [ $? -eq 0 ]
	fix_unload
	check "mdcr_fix unloads" [ $? -eq 0 ]
	return 0
fi
check "no VM: MDCR_EL2 not readable, and debugfs says why" \
	grep -q "^cpu0.host_mdcr_el2:.*src=none (hyp stub answered" $FIX
# A VM that runs until it is stopped keeps KVM's hypervisor installed. The
# module reads the CPUs at load (a read of debugfs checks nothing): load it
# while the VM runs, until CPU 0 answers through hvc, and read debugfs once.
vmm -c 2 -d 3600 -q >/tmp/vmm.log 2>&1 &
vmm=$!
fix_unload
i=0
while [ $i -lt 60 ]; do
	sleep 1
	fix_load
	grep -q "^cpu0.host_mdcr_el2:.*src=hvc" $FIX && break
	fix_unload
	i=$((i + 1))
done
cat $FIX >/tmp/fix.snap
diag "$(grep host_mdcr /tmp/fix.snap)"
check "the VM still runs as debugfs is read" kill -0 $vmm
for c in 0 1; do
	v=$(sed -n "s/^cpu$c.host_mdcr_el2:	\([0-9a-f]*\) src=hvc.*/\1/p" /tmp/fix.snap)
	check "VM running: CPU $c host MDCR_EL2 read through hvc (0x$v), HPMN non-zero" \
		[ "$(hpmn "0x${v:-0}")" -ne 0 ]
done
kill $vmm
wait $vmm 2>/dev/null
run fix_unload
check "mdcr_fix unloads" [ $? -eq 0 ]
