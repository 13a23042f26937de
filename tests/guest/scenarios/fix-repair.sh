# SPDX-License-Identifier: GPL-2.0
# Damage first (no module), then load: the CPU is repaired. Then damage
# again and load while a vCPU is loaded on that CPU: the repair writes HPMN
# alone, which the fixed kernel's value for that vCPU has too; the VM runs
# on, and CPU 1 keeps its HPMN after it.
obs_load
run vmm -i -n 0 -p 1
dmg=$(obs_cpu_mdcr 1)
check "CPU 1 damaged without the module (HPMN=0, $dmg)" [ "$(hpmn "$dmg")" -eq 0 ]
run fix_load
after=$(obs_cpu_mdcr 1)
diag "CPU 1 after load: $after"
check "CPU 1 repaired at load (HPMN=$(hpmn "$after"))" [ "$(hpmn "$after")" -ne 0 ]
check "debugfs reports the repair" grep -q "^cpu1.host_mdcr_el2:.* repairs=1" $FIX
check "  and the kernel log" sh -c "dmesg | grep -q 'mdcr_fix: cpu1: MDCR_EL2.HPMN was 0, repaired to'"
check "verdict is affected (damage seen)" [ "$(fix_key verdict)" = affected ]
fix_unload
if vmm -h 2>&1 | grep -q -- '-w'; then
	run vmm -i -n 0 -p 1
	vmm -w 4 -p 1 >/tmp/spin.log 2>&1 &
	spin=$!
	sleep 2
	run fix_load
	check "load with a vCPU loaded on CPU 1: CPU 1 repaired" \
		grep -q "^cpu1.host_mdcr_el2:.* repairs=[1-9]" $FIX
	wait $spin
	check "spinning vCPU pinned to CPU 1 ran through the repair" [ $? -eq 0 ]
	after=$(obs_cpu_mdcr 1)
	check "CPU 1 keeps HPMN after that VM ($after)" [ "$(hpmn "$after")" -ne 0 ]
	diag "$(grep host_mdcr $FIX)"
	fix_unload
fi
obs_unload
