#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Two harness runs at once (make demo while make check runs, from two
# checkouts) must not share a work directory: each prepares the same kernel
# in its own MDCR_FIX_WORK, at the same time, and both initramfs survive.
# TAP lines on stdout.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
tmp=$(mktemp -d "$cache/work/concurrent.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

for i in 1 2; do
	MDCR_FIX_WORK=$tmp/run$i sh "$top/tests/prepare.sh" unpatched-5.10 \
		>"$tmp/out$i" 2>"$tmp/err$i" &
	eval "pid$i=\$!"
done
wait "$pid1"
rc1=$?
wait "$pid2"
rc2=$?
ok=1
for i in 1 2; do
	d=$(cat "$tmp/out$i")
	[ "$d" = "$tmp/run$i/unpatched-5.10" ] && [ -s "$d/initrd.gz" ] &&
		[ -f "$d/build/mdcr_fix.ko" ] || ok=0
done
if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ $ok -eq 1 ]; then
	echo "ok - two runs prepare the same kernel at once, each in its own work directory"
else
	echo "not ok - two runs prepare the same kernel at once (exit $rc1 and $rc2)"
	tail -n 3 "$tmp/err1" "$tmp/err2" | sed 's/^/# /'
fi
