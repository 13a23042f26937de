# SPDX-License-Identifier: GPL-2.0
# 200 insmod/rmmod cycles while two VMMs keep 4 vCPUs in KVM_RUN loops on 2
# CPUs, with a VM created and destroyed in each cycle. Then: no leak
# (kmemleak), and every vCPU, all created while the module was loaded, got
# at its first load the MDCR_EL2 the kernel computes.
# The plan may ask for fewer cycles in its expect column (a number).
# About 3 minutes on the debug kernel, more beside kernel builds:
# timeout: 1500
case ${EXPECT:-} in [0-9]*) CYCLES=$EXPECT ;; *) CYCLES=200 ;; esac
[ -e $KML ] && echo clear >$KML
obs_load
fix_load
# The value the kernel computes for a vCPU here (no guest debug, like all
# below): every first load must get exactly that.
trace_on
vmm -c 1 -q
ref=$(traced_mdcr "$(obs_vcpus | awk '{ print $3; exit }')")
echo 0 >$TRACE/tracing_on
check "reference: the kernel computes ${ref:-nothing} for a vCPU" [ "$((${ref:-0}))" -ne 0 ]
# The long-running VMMs run at nice 19: their vCPUs still loop in KVM_RUN
# on both CPUs, with a put and a load at every MMIO exit, but the cycles
# below get the CPU they are on instead of a third of it. ($! is the VMM:
# sh execs it.)
niced='renice -n 19 -p $$ >/dev/null && exec vmm -c 2 -d 3600 -q'
sh -c "$niced" >/tmp/a.log 2>&1 &
a=$!
sh -c "$niced" >/tmp/b.log 2>&1 &
b=$!
# cpu_s PID...: user and system time of these processes, in seconds.
cpu_s() {
	for p; do cat /proc/$p/stat; done | awk '{ t += $14 + $15 } END { print int(t / 100) }'
}
sleep 1
t0=$(date +%s)
c0=$(cpu_s $a $b)
i=0
fails=0
vmfails=0
while [ $i -lt "$CYCLES" ]; do
	fix_unload || fails=$((fails + 1))
	fix_load || fails=$((fails + 1))
	vmm -c 2 -n 2 -q || vmfails=$((vmfails + 1))
	cat $FIX >/dev/null || fails=$((fails + 1))
	i=$((i + 1))
done
wall=$(($(date +%s) - t0))
ran=$(($(cpu_s $a $b) - c0))
diag "$CYCLES cycles in $wall s"
check "$CYCLES insmod/rmmod cycles with two VMs running" [ $fails -eq 0 ]
check "a VM created and destroyed in every cycle" [ $vmfails -eq 0 ]
check "both long-running VMMs still running" kill -0 $a $b
check "they ran meanwhile: at least half a CPU ($ran s in $wall s)" \
	[ $((2 * ran)) -ge "$wall" ]
kill $a $b
wait $a $b 2>/dev/null
obs_vcpus >/tmp/obs
n=$(wc -l </tmp/obs)
off=0
while read -r tgid id tid cpu hw sw; do
	[ "$((hw))" -eq "$((ref))" ] || off=$((off + 1))
done </tmp/obs
check "observer: $n vCPUs, every first load got $ref ($off did not)" \
	[ "$n" -ge $((2 * CYCLES + 5)) -a "$off" -eq 0 ]
fix_unload
obs_unload
check "no kprobe left registered ($(fix_probes))" [ "$(fix_probes)" -eq 0 ]
kmemleak_check
