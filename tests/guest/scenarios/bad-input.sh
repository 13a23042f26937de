# SPDX-License-Identifier: GPL-2.0
# Bad parameters, debugfs opened for write, tiny reads, non-root reads.
for p in mode=bogus mode= mode=AUTO max_records=0 max_records=-1 max_records=x \
	max_records=70000 sweep_ms=abc sweep_ms=9999999 fail_hooks=nope \
	fail_hooks=first_run,,; do
	if insmod /lib/mdcr_fix.ko $p 2>/dev/null; then
		not_ok "insmod $p refused"
		fix_unload
	else
		ok "insmod $p refused"
	fi
done
check "nothing left after bad parameters" [ ! -e $FIX ]
fix_load
if echo x >$FIX 2>/dev/null; then not_ok "write to debugfs refused"; else ok "write to debugfs refused"; fi
cat $FIX >/tmp/a
dd if=$FIX bs=1 of=/tmp/b 2>/dev/null
check "dd bs=1 reads the same $(wc -c </tmp/a) bytes as cat" cmp -s /tmp/a /tmp/b
# Exactly 0444: what lockdown on 4.18 - 5.9 lets debugfs open. The mount
# itself is root-only (0700), as distributions mount it.
check "file mode 0444" [ "$(stat -c %a $FIX)" = 444 ]
check "debugfs mount mode 0700" [ "$(stat -c %a /sys/kernel/debug)" = 700 ]
nobody_reads() {
	su -s /bin/sh nobody -c "cat $1" >/dev/null 2>&1
}
check "user nobody can read a world-readable file (control)" nobody_reads /etc/passwd
if nobody_reads $FIX; then
	not_ok "non-root read refused"
else
	ok "non-root read refused"
fi
root_reads() {
	cat $FIX >/dev/null
}
check "  while root can read it" root_reads
fix_unload
