# SPDX-License-Identifier: GPL-2.0
# 512 live vCPU records: debugfs reads whole; the file is 0444.
fix_load
vmm -s -c 512 -d 25 -q >/tmp/vmm.log 2>&1 &
vmm=$!
n=0
while [ $n -lt 512 ] && kill -0 $vmm 2>/dev/null; do
	sleep 1
	n=$(awk '$3 == "fixed" || $3 == "kernel"' $FIX | wc -l)
done
cat $FIX >/tmp/fix.txt
rows=$(awk '$3 == "fixed" || $3 == "kernel"' /tmp/fix.txt | wc -l)
check "debugfs lists all 512 vCPUs ($rows rows, $(wc -c </tmp/fix.txt) bytes)" [ "$rows" -eq 512 ]
check "ids 0..511 all present" [ "$(awk '$3 == "fixed" {print $2}' /tmp/fix.txt | sort -n | uniq | wc -l)" -eq 512 ]
check "records: 512 in use" grep -q "^records:	512/" /tmp/fix.txt
check "file mode is 0444" [ "$(stat -c %a $FIX)" = 444 ]
kill -TERM $vmm 2>/dev/null
wait $vmm
fix_unload
