# SPDX-License-Identifier: GPL-2.0
# Unloading finishes, never drops, a refresh of KVM's copy: KVM copied CPU 1
# while it had HPMN = 0 (a VM stays); the module loads (it repairs CPU 1
# and has KVM take its copy again, from a worker on CPU 1) and is unloaded
# at once, while a real-time task holds CPU 1 for 3 s (rtspin, without
# real-time throttling), so that the worker waits there. A vCPU on CPU 1
# afterwards, without the module, gets a non-zero HPMN from KVM.
obs_load
stale_copy_cpu1
rt=$(cat /proc/sys/kernel/sched_rt_runtime_us)
echo -1 >/proc/sys/kernel/sched_rt_runtime_us
rtspin 1 3000 &
hog=$!
sleep 1
fix_load && fix_unload
check "mdcr_fix loaded and unloaded at once, CPU 1 held by a real-time task" [ $? -eq 0 ]
wait $hog
echo "$rt" >/proc/sys/kernel/sched_rt_runtime_us
vcpu_on_cpu1
check "KVM's copy of CPU 1 was taken again before unload: HPMN $(hpmn "${want:-0}"), not 0" \
	[ "$(hpmn "${want:-0}")" -ne 0 ]
kill $stay 2>/dev/null
wait $stay
obs_unload
