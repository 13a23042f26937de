# SPDX-License-Identifier: GPL-2.0
# Cost of mdcr_fix on the KVM_RUN path: the VMM's MMIO-exit loop without and
# with the module (after its load hook has disarmed), five times, one boot.
N=${BENCH_RUNS:-4000}
ns() {
	vmm -b "$N" -p 1 -q | sed -n 's/.*ns_per_run=\([0-9]*\).*/\1/p'
}
: >/tmp/ratios
i=1
while [ $i -le 5 ]; do
	a=$(ns)
	fix_load
	t=0
	while grep -q '^hook.vcpu_load:.* armed' $FIX && [ $t -lt 50 ]; do
		sleep 0.2
		t=$((t + 1))
	done
	b=$(ns)
	fix_unload
	r=$(awk -v a="$a" -v b="$b" 'BEGIN { if (a > 0) printf "%.4f", b / a }')
	echo "# round $i: without $a ns/run, with $b ns/run, ratio $r"
	echo "$r" >>/tmp/ratios
	i=$((i + 1))
done
median=$(sort -n /tmp/ratios | sed -n 3p)
echo "# bench: median ratio with/without module = $median (target <= 1.01)"
check "bench: five rounds measured" [ "$(grep -c . /tmp/ratios)" -eq 5 ]
check "bench: median ratio $median <= 1.05 (TCG noise allowance; target 1.01)" \
	awk -v m="$median" 'BEGIN { exit !(m > 0 && m <= 1.05) }'
