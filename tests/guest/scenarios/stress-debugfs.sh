# SPDX-License-Identifier: GPL-2.0
# debugfs read in a loop racing with VM teardown and with rmmod.
fix_load
(
	n=0
	end=$(($(date +%s) + ${SECS:-40}))
	while [ "$(date +%s)" -lt $end ]; do
		cat $FIX >/dev/null 2>&1 && n=$((n + 1))
		dd if=$FIX bs=7 of=/dev/null 2>/dev/null
	done
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
	fix_unload || fails=$((fails + 1))
	fix_load || fails=$((fails + 1))
	wait $v || fails=$((fails + 1))
	i=$((i + 1))
done
check "20 rmmod/insmod cycles under the reader, VMs running" [ $fails -eq 0 ]
wait $reader
check "reader completed $(cat /tmp/reads) whole reads" [ "$(cat /tmp/reads)" -gt 0 ]
fix_unload
