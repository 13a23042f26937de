# SPDX-License-Identifier: GPL-2.0
# A status read costs the host nothing: /sys/module/mdcr_fix/parameters/status
# is world-readable, so any local user can read it in a loop. Four reader
# loops as user nobody, on CPU 0, for 5 s, while a guest spins on CPU 1:
# the function-call IPIs CPU 1 takes, and the guest's exits, must be those
# of the same four loops reading another world-readable module parameter
# (the kernel's own: a busy CPU 0 costs CPU 1 some IPIs under TCG, measured
# at 20 to 50 per loop and 5 s), at most twice that for noise, plus 8 for
# the module's own checks of the CPUs (at most one a second while a vCPU
# lives: 6 in 5 s). So a read costs CPU 1 far less than a tenth of an IPI
# (the kernel's own: about one per 100 reads). Before, every read sent an
# IPI to every other CPU, and waited for it.
SYSP=/sys/module/mdcr_fix/parameters/status
WINDOW=5

ipis_cpu1() {
	awk '/Function call interrupts/ { print $3; exit }' /proc/interrupts
}

exits() {
	cat $DBG/kvm/exits 2>/dev/null || echo 0
}

# reader N FILE: one loop of reads of FILE as nobody on CPU 0 for the
# window; writes its count to /tmp/reader.N. Shell builtins only (read, kill):
# a fork and exec per read would bring IPIs of its own.
reader() {
	taskset 1 su -s /bin/sh nobody -c "
		sleep $WINDOW &
		t=\$!
		n=0
		while kill -0 \$t 2>/dev/null; do
			read -r l <$2 || exit 1
			n=\$((n + 1))
		done
		echo \$n" >/tmp/reader.$1
}

run fix_load
check "mdcr_fix loads" [ $? -eq 0 ]
# Everything but the guest's vCPU thread on CPU 0: CPU 1 runs the guest.
taskset -p 1 $$ >/dev/null
taskset 1 vmm -w $((4 * WINDOW)) -p 1 -q >/tmp/spin.log 2>&1 &
spin=$!
sleep 2

# window FILE: four readers of FILE for the window; sets ipis, nexits, reads.
window() {
	i0=$(ipis_cpu1)
	e0=$(exits)
	reader 1 "$1" &
	r1=$!
	reader 2 "$1" &
	r2=$!
	reader 3 "$1" &
	r3=$!
	reader 4 "$1" &
	r4=$!
	wait $r1 $r2 $r3 $r4
	ipis=$(($(ipis_cpu1) - i0))
	nexits=$(($(exits) - e0))
	reads=$(cat /tmp/reader.1 /tmp/reader.2 /tmp/reader.3 /tmp/reader.4 |
		awk '{ n += $1 } END { print n + 0 }')
	echo "# $WINDOW s, 4 readers of $1 as nobody: $reads reads; CPU 1 took $ipis function-call IPIs, the guest $nexits exits"
}

CONTROL=/sys/module/kernel/parameters/panic
window $CONTROL
ci=$ipis
ce=$nexits
window $SYSP
kill -0 $spin
check "the guest spun on CPU 1 throughout" [ $? -eq 0 ]
check "the readers read ($reads reads)" [ "$reads" -ge 100 ]
check "function-call IPIs on CPU 1 while they read status: $ipis <= 2 * $ci + 8" \
	[ "$ipis" -le $((2 * ci + 8)) ]
check "  and fewer than one per 10 reads ($ipis for $reads reads)" \
	[ $((ipis * 10)) -le "$reads" ]
check "guest exits while they read status: $nexits <= 2 * $ce + 8" \
	[ "$nexits" -le $((2 * ce + 8)) ]
kill $spin 2>/dev/null
wait $spin
fix_unload
