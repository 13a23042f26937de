# SPDX-License-Identifier: GPL-2.0
# While the verdict is pending (no vCPU has started since load), the module
# writes nothing and arms no init_debug hook; but pending is no reason to
# leave damage: proof of the bug decides "affected" wherever it is seen,
# and then every damaged CPU is repaired. A vCPU that never ran proves
# nothing and queues nothing.
obs_load
# Before the module: a VM whose vCPU 1 is powered off sleeps in KVM_RUN on
# CPU 1 (loaded once with 0, put), while vCPU 0's MMIO runs on CPU 1 heal
# CPU 1 at each put (KVM computed its value).
vmm -s -c 2 -p 1 -d 8 -q >/tmp/v.log 2>&1 &
v=$!
sleep 3
run fix_load sweep_ms=0
sleep 1
diag "$(grep -E '^(verdict|hook.init_debug|cpu1|damaged)' $FIX)"
check "CPU 1 healthy at load, verdict pending" [ "$(fix_key verdict)" = pending ]
check "  the init_debug hook registered, not armed" \
	grep -q '^hook.init_debug:	kvm_arm_init_debug disarmed' $FIX
# QEMU creates and destroys a vCPU that never runs at every start.
run vmm -c 1 -n 0
sed -n 's/^\(status\|verdict\|repair_pending\)=/\1=/p' /sys/module/mdcr_fix/parameters/status >/tmp/st
diag "$(cat /tmp/st)"
check "a vCPU that never ran: verdict still pending, no repair pending, protected" \
	sh -c "grep -qx verdict=pending /tmp/st && grep -qx repair_pending=0 /tmp/st && grep -qx status=protected /tmp/st"
# vCPU 0 stops; the sleeper is woken by a signal: it is loaded with 0 on
# CPU 1 and put (no hook sees it: the sweep is over), then destroyed
# having run with mdcr_el2 never computed.
wait $v
check "vmm: the sleeper woke and was destroyed" [ $? -eq 0 ]
sleep 2
diag "$(grep -E '^(verdict|hook.init_debug|cpu1|damaged|repaired)' $FIX)"
check "a vCPU that ran and died with 0 proves the bug: verdict affected" \
	[ "$(fix_key verdict)" = affected ]
check "  the init_debug hook armed" grep -q '^hook.init_debug:	kvm_arm_init_debug armed' $FIX
after=$(obs_cpu_mdcr 1)
check "CPU 1 repaired ($after)" [ "$(hpmn "$after")" -ne 0 ]
check "status protected" [ "$(fix_key status)" = protected ]
# Now that the module writes: a vCPU that never ran still queues nothing.
run vmm -c 1 -n 0
sed -n 's/^\(status\|repair_pending\)=/\1=/p' /sys/module/mdcr_fix/parameters/status >/tmp/st
diag "$(cat /tmp/st)"
check "verdict affected, a vCPU that never ran: no repair pending, protected" \
	sh -c "grep -qx repair_pending=0 /tmp/st && grep -qx status=protected /tmp/st"
fix_unload
obs_unload
