# SPDX-License-Identifier: GPL-2.0
# Damage first (no module), then load: the CPU is repaired. Then damage
# again and load while a vCPU is loaded on that CPU: not touched.
obs_load
run vmm -i -n 0 -p 1
dmg=$(obs_cpu_mdcr 1)
check "CPU 1 damaged without the module (HPMN=0, $dmg)" [ "$(hpmn "$dmg")" -eq 0 ]
run fix_load
after=$(obs_cpu_mdcr 1)
diag "CPU 1 after load: $after"
check "CPU 1 repaired at load (HPMN=$(hpmn "$after"))" [ "$(hpmn "$after")" -ne 0 ]
check "debugfs reports the repair" grep -q "^cpu1.host_mdcr_el2:.*src=pmcr repaired" $FIX
check "verdict is affected (damage seen)" [ "$(fix_key verdict)" = affected ]
fix_unload
if vmm -h 2>&1 | grep -q -- '-w'; then
	run vmm -i -n 0 -p 1
	vmm -w 4 -p 1 >/tmp/spin.log 2>&1 &
	spin=$!
	sleep 2
	run fix_load
	wait $spin
	check "spinning vCPU pinned to CPU 1 ran" [ $? -eq 0 ]
	check "load with a vCPU loaded on CPU 1: repair skipped there" grep -q "^cpu1.host_mdcr_el2:.*repair-skipped-vcpu-loaded" $FIX
	check "skip counted" [ "$(fix_key repair_skipped)" -ge 1 ]
	diag "$(grep host_mdcr $FIX)"
	fix_unload
fi
obs_unload
