# SPDX-License-Identifier: GPL-2.0
# debugfs read in a loop racing with VM teardown and with rmmod.
#
# While the reader holds the file open, the debugfs proxy holds a reference
# on the module and rmmod is refused with EAGAIN (delete_module() does not
# wait). unload_racing retries until the reader lets go, so rmmod lands
# between two opens and the next open races with debugfs_remove().
busy=0
unload_racing() {
	t=0
	until rmmod mdcr_fix 2>/dev/null; do
		t=$((t + 1))
		[ $t -lt 400 ] || return 1
		busy=$((busy + 1))
		sleep 0.05
	done
	! grep -q '^mdcr_fix ' /proc/modules
}

fix_load
# The reader runs until told to stop, so it races with every step below;
# the time bound only keeps a hang from eating the boot timeout.
rm -f /tmp/stop
(
	n=0
	end=$(($(date +%s) + 300))
	while [ ! -e /tmp/stop ] && [ "$(date +%s)" -lt $end ]; do
		cat $FIX >/dev/null 2>&1 && n=$((n + 1))
		dd if=$FIX bs=7 of=/dev/null 2>/dev/null
	done
	[ -e /tmp/stop ] || echo "# reader: time limit reached before the cycles ended"
	echo $n >/tmp/reads
) &
reader=$!
run vmm -v 10 -c 4 -q
check "10 VMs of 4 vCPUs created and torn down under the reader" [ $? -eq 0 ]
i=0
fails=0
while [ $i -lt 20 ]; do
	vmm -c 2 -d 1 -q >/dev/null 2>&1 &
	v=$!
	unload_racing || fails=$((fails + 1))
	fix_load || fails=$((fails + 1))
	wait $v || fails=$((fails + 1))
	i=$((i + 1))
done
diag "rmmod refused $busy times while the reader had the file open"
check "20 rmmod/insmod cycles under the reader, VMs running ($fails failed)" [ $fails -eq 0 ]
touch /tmp/stop
wait $reader
check "reader completed $(cat /tmp/reads) whole reads" [ "$(cat /tmp/reads)" -gt 0 ]
fix_unload
