# SPDX-License-Identifier: GPL-2.0
# Bad parameters are refused; 20 insmod/rmmod cycles while a VM runs.
for p in mode=bogus mode= max_records=0 max_records=x; do
	if insmod /lib/mdcr_fix.ko $p 2>/tmp/err; then
		not_ok "insmod $p refused"
		fix_unload
	else
		ok "insmod $p refused"
	fi
	check "nothing left after $p" [ ! -e $FIX ]
done
dmesg | grep 'mdcr_fix: mode=bogus' | sed 's/^/# /'
vmm -c 2 -d 12 >/tmp/vmm.log 2>&1 &
vmm=$!
fix_load
check "while loaded: $(fix_probes) probes on KVM functions (kprobes/list)" [ "$(fix_probes)" -ge 2 ]
fix_unload
i=0
fails=0
while [ $i -lt 20 ]; do
	fix_load || fails=$((fails + 1))
	cat $FIX >/dev/null || fails=$((fails + 1))
	fix_unload || fails=$((fails + 1))
	i=$((i + 1))
done
check "20 insmod/rmmod cycles with a VM running" [ $fails -eq 0 ]
wait $vmm
check "the VM ran through it" [ $? -eq 0 ]
check "no kprobe left registered ($(fix_probes))" [ "$(fix_probes)" -eq 0 ]
