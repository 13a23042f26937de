# SPDX-License-Identifier: GPL-2.0
# 200 insmod/rmmod cycles while two VMMs keep 4 vCPUs in KVM_RUN loops on 2
# CPUs, with a VM created and destroyed in each cycle. Then: no leak
# (kmemleak), and every vCPU, all created while the module was loaded, got
# a non-zero MDCR_EL2 at its first load.
CYCLES=${CYCLES:-200}
KML=$DBG/kmemleak
[ -e $KML ] && echo clear >$KML
obs_load
fix_load
vmm -c 2 -d 3600 -q >/tmp/a.log 2>&1 &
a=$!
vmm -c 2 -d 3600 -q >/tmp/b.log 2>&1 &
b=$!
sleep 1
t0=$(date +%s)
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
diag "$CYCLES cycles in $(($(date +%s) - t0)) s"
check "$CYCLES insmod/rmmod cycles with two VMs running" [ $fails -eq 0 ]
check "a VM created and destroyed in every cycle" [ $vmfails -eq 0 ]
check "both long-running VMMs still running" kill -0 $a $b
kill $a $b
wait $a $b 2>/dev/null
obs_vcpus >/tmp/obs
n=$(wc -l </tmp/obs)
z=$(awk '$5 == "0x0"' /tmp/obs | wc -l)
check "observer: $n vCPUs, none with MDCR_EL2=0 at first load ($z)" [ "$n" -ge $((2 * CYCLES + 4)) -a "$z" -eq 0 ]
fix_unload
obs_unload
check "no kprobe left registered" [ "$(grep -c 'mdcr_fix\|mdcr_observer' $DBG/kprobes/list)" -eq 0 ]
if [ -e $KML ]; then
	echo scan >$KML
	sleep 6
	echo scan >$KML
	leaks=$(grep -c '^unreferenced object' $KML)
	check "kmemleak: no leak ($leaks)" [ "$leaks" -eq 0 ]
	[ "$leaks" -eq 0 ] || head -n 40 $KML | sed 's/^/# /'
fi
