# SPDX-License-Identifier: GPL-2.0
# Loaded while a VM runs: its vCPUs' KVM_RUNs are not first runs, and must
# not make the module call an unpatched kernel fixed (the first-run point
# is kvm_timer_enable(), reached once per vCPU: never an old vCPU's run).
# A new VM started then gets the kernel's value.
vmm -c 2 -d 3600 -q >/tmp/a.log 2>&1 &
a=$!
sleep 3
run fix_load
sleep 3
v=$(fix_key verdict)
check "the old VM ran all along" kill -0 $a
check "loaded while a VM runs: the verdict is not \"kernel already fixed\" ($v)" \
	[ "$v" != "kernel already fixed" ]
trace_on
obs_load
run vmm -c 1
check "vmm: a new VM meanwhile" [ $? -eq 0 ]
# The old VM goes on tracing: reading the trace while it grows may not end.
echo 0 >$TRACE/tracing_on
check "  its first load got the kernel's value" first_loads_match 1
check "verdict affected" [ "$(fix_key verdict)" = affected ]
check "the old VM still runs" kill -0 $a
kill $a
wait $a 2>/dev/null
fix_unload
obs_unload
