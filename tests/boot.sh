#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# boot.sh DIR SCENARIO [CPU [EXPECT]] - boot DIR/Image with DIR/initrd.gz
# under qemu-system-aarch64 at EL2 (CPU "max": VHE, "cortex-a57": nVHE),
# run one guest scenario, and print its TAP lines, followed by four checks
# of the boot itself: it finished, the plan matches, the kernel log has no
# splat, and no warning tainted the kernel. The console log, with the guest's
# whole kernel log at its end, is kept as DIR/SCENARIO.log.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
scen=$2
cpu=${3:-max}
expect=${4:-}
log=$dir/$scen${expect:+-$expect}-$cpu.log
tmo=${MDCR_FIX_BOOT_TIMEOUT:-600}
# A scenario may ask for kernel parameters with a "# cmdline: ..." line.
extra=$(sed -n 's/^# cmdline: //p' "$top/tests/guest/scenarios/$scen.sh" 2>/dev/null)

# The init's own init is in the initramfs; rdinit=/init runs it.
timeout "$tmo" qemu-system-aarch64 \
	-M virt,virtualization=on,gic-version=3 -cpu "$cpu" -smp 2 -m 1024 \
	-nographic -no-reboot -nic none \
	-kernel "$dir/Image" -initrd "$dir/initrd.gz" \
	-append "console=ttyAMA0 panic=-1 oops=panic log_buf_len=4M $extra rdinit=/init mdcr.run=$scen mdcr.expect=$expect" \
	</dev/null >"$log" 2>&1
rc=$?
tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"

sed -n '/^TAP version 13/,/^# mdcr-fix: end/p' "$log" |
	grep -E '^(ok|not ok|#|1\.\.)'

n=$(sed -n '/^TAP version 13/,/^# mdcr-fix: end/p' "$log" | grep -cE '^(ok|not ok) ')
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | tail -n 1)
if grep -q '^# mdcr-fix: end' "$log"; then
	echo "ok - boot finished (qemu exit $rc)"
else
	echo "not ok - boot finished (qemu exit $rc, see $log)"
	tail -n 20 "$log" | sed 's/^/# /'
fi
if [ -n "$plan" ] && [ "$plan" -eq "$n" ] && [ "$n" -gt 0 ]; then
	echo "ok - plan 1..$plan matches $n results"
else
	echo "not ok - plan '${plan:-none}' vs $n results"
fi
splat='WARNING:|BUG:|Oops|Kernel panic|Call trace:|possible circular|inconsistent lock|sleeping function called|KASAN|kmemleak: [1-9]|Unable to handle'
# Only kernel lines count: the scenarios' own output is TAP (ok/#).
grep -Ev '^(#|ok |not ok )' "$log" >"$log.kernel"
if grep -Eq "$splat" "$log.kernel"; then
	echo "not ok - no kernel splat"
	grep -E -B2 -A12 "$splat" "$log.kernel" | head -n 40 | sed 's/^/# /'
else
	echo "ok - no kernel splat"
fi
rm -f "$log.kernel"
# Taint flags a warning leaves even when its text was lost: 4 M (machine
# check), 5 B (bad page, KASAN), 7 D (oops), 9 W (WARN, sleeping in atomic),
# 14 L (soft lockup). O and E (an out-of-tree, unsigned module) are expected.
taint=$(sed -n 's/^mdcr-fix-tainted: \([0-9]*\)$/\1/p' "$log" | tail -n 1)
if [ -z "$taint" ]; then
	echo "not ok - kernel taint flags reported"
elif [ $((taint & ((1 << 4) | (1 << 5) | (1 << 7) | (1 << 9) | (1 << 14)))) -ne 0 ]; then
	echo "not ok - no warning tainted the kernel (tainted=$taint)"
else
	echo "ok - no warning tainted the kernel (tainted=$taint)"
fi
