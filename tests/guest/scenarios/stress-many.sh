# SPDX-License-Identifier: GPL-2.0
# As many vCPUs as KVM allows per VM (512), in two VMs at once: all fixed,
# debugfs whole, module memory reported and bounded.
fix_load
obs_load
vmm -s -c 512 -d 600 -q >/tmp/a.log 2>&1 &
a=$!
vmm -s -c 512 -d 600 -q >/tmp/b.log 2>&1 &
b=$!
t=0
while [ "$(fix_key records | cut -d/ -f1)" -lt 1024 ] && [ $t -lt 300 ]; do
	sleep 2
	t=$((t + 2))
done
cat $FIX >/tmp/fix.txt
rows=$(awk '$3 == "fixed"' /tmp/fix.txt | wc -l)
check "1024 vCPUs in 2 VMs: debugfs lists all as fixed ($rows)" [ "$rows" -eq 1024 ]
check "records 1024/1024, none dropped" \
	[ "$(fix_key records)" = 1024/1024 -a "$(fix_key records_dropped)" -eq 0 ]
diag "$(grep '^memory:' /tmp/fix.txt)"
check "memory reported, bounded by the pool ($(fix_key memory | cut -d' ' -f1) bytes <= 128 KiB)" \
	[ "$(fix_key memory | cut -d' ' -f1)" -le 131072 ]
obs_vcpus >/tmp/obs
check "observer: 1024 first loads, none 0" \
	[ "$(wc -l </tmp/obs)" -eq 1024 -a "$(awk '$5 == "0x0"' /tmp/obs | wc -l)" -eq 0 ]
kill $a $b
wait $a $b 2>/dev/null
check "records freed with the VMs" [ "$(fix_key records)" = 0/1024 ]
obs_unload
fix_unload
