#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# scan-log.sh LOG - the checks tests/boot.sh makes of a guest's console log,
# as TAP lines: the scenario finished, its plan matches its results, the
# kernel log has no splat, and no warning tainted the kernel. The guest's
# init prints its whole dmesg and /proc/sys/kernel/tainted after the TAP
# (tests/guest/init), so warnings below the console log level count too.
set -u

log=${1:?usage: $0 LOG}
tap=$(sed -n '/^TAP version 13/,/^# mdcr-fix: end/p' "$log")

n=$(echo "$tap" | grep -cE '^(ok|not ok) ')
plan=$(echo "$tap" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p' | tail -n 1)
if grep -q '^# mdcr-fix: end' "$log"; then
	echo "ok - boot finished"
else
	echo "not ok - boot finished (see $log)"
	tail -n 20 "$log" | sed 's/^/# /'
fi
if [ -n "$plan" ] && [ "$plan" -eq "$n" ] && [ "$n" -gt 0 ]; then
	echo "ok - plan 1..$plan matches $n results"
else
	echo "not ok - plan '${plan:-none}' vs $n results"
fi

# What counts as a splat: tests/splat.ere, shared with the guest.
splat=$(cat "$(dirname "$0")/splat.ere")
# Only kernel lines count: the scenarios' own output is TAP (ok/#).
kern=$(grep -Ev '^(#|ok |not ok )' "$log")
if echo "$kern" | grep -Eq "$splat"; then
	echo "not ok - no kernel splat"
	echo "$kern" | grep -E -B2 -A12 "$splat" | head -n 40 | sed 's/^/# /'
else
	echo "ok - no kernel splat"
fi

# Taint flags a warning leaves even when its text was lost: 4 M (machine
# check), 5 B (bad page, KASAN), 7 D (oops), 9 W (WARN, sleeping in atomic),
# 14 L (soft lockup). O and E (an out-of-tree, unsigned module) are expected.
bad=$(((1 << 4) | (1 << 5) | (1 << 7) | (1 << 9) | (1 << 14)))
taint=$(sed -n 's/^mdcr-fix-tainted: \([0-9]*\)$/\1/p' "$log" | tail -n 1)
if [ -z "$taint" ]; then
	echo "not ok - kernel taint flags reported"
elif [ $((taint & bad)) -ne 0 ]; then
	echo "not ok - no warning tainted the kernel (tainted=$taint)"
else
	echo "ok - no warning tainted the kernel (tainted=$taint)"
fi
