#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# boot.sh DIR SCENARIO [CPU [EXPECT]] - boot DIR/Image with DIR/initrd.gz
# under qemu-system-aarch64 at EL2 (CPU "max": VHE, "cortex-a57": nVHE),
# run one guest scenario, and print its TAP lines, followed by the checks of
# the boot itself (tests/scan-log.sh). The console log, with the guest's
# whole kernel log at its end, is kept as DIR/SCENARIO.log.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
dir=$1
scen=$2
cpu=${3:-max}
expect=${4:-}
log=$dir/$scen${expect:+-$expect}-$cpu.log
# A scenario may ask for kernel parameters with a "# cmdline: ..." line,
# and for more than 10 minutes with a "# timeout: SECONDS" line.
extra=$(sed -n 's/^# cmdline: //p' "$top/tests/guest/scenarios/$scen.sh" 2>/dev/null)
tmo=$(sed -n 's/^# timeout: \([0-9]*\)$/\1/p' "$top/tests/guest/scenarios/$scen.sh" 2>/dev/null)
tmo=${MDCR_FIX_BOOT_TIMEOUT:-${tmo:-600}}
# And the kernel's own, from tests/prepare.sh (panic_on_oops=1 on RHEL 8).
[ ! -f "$dir/cmdline" ] || extra="$extra $(cat "$dir/cmdline")"

# Two knobs that only save boot time under TCG, for things no test uses:
# legacy BSD ptys (registering 256 pairs is 3 s of the debug kernel's boot)
# and the crypto self-tests (3 to 5 s of a stock Debian kernel's).
fast="pty.legacy_count=0 cryptomgr.notests"
# The init's own init is in the initramfs; rdinit=/init runs it.
timeout "$tmo" qemu-system-aarch64 \
	-M virt,virtualization=on,gic-version=3 -cpu "$cpu" -smp 2 -m 1024 \
	-nographic -no-reboot -nic none \
	-kernel "$dir/Image" -initrd "$dir/initrd.gz" \
	-append "console=ttyAMA0 panic=-1 oops=panic log_buf_len=4M $fast $extra rdinit=/init mdcr.run=$scen mdcr.expect=$expect" \
	</dev/null >"$log" 2>&1
rc=$?
tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"

sed -n '/^TAP version 13/,/^# mdcr-fix: end/p' "$log" |
	grep -E '^(ok|not ok|#|1\.\.)'
[ $rc -eq 0 ] || echo "# qemu exit $rc"
sh "$top/tests/scan-log.sh" "$log"
# Every VM the VMM ran saw the page size the kernel was built with (64K on
# the RHEL 8 family: guest RAM, memory slot and mmap sizes must fit it).
if [ -f "$dir/page_size" ] && grep -q '^# vm [0-9]*: .* page=' "$log"; then
	want=$(cat "$dir/page_size")
	bad=$(sed -n 's/^# vm [0-9]*: .* page=\([0-9]*\)$/\1/p' "$log" | grep -vcx "$want")
	if [ "$bad" -eq 0 ]; then
		echo "ok - every VM ran on $want-byte host pages"
	else
		echo "not ok - every VM ran on $want-byte host pages ($bad did not)"
	fi
fi
# A kernel booted with panic_on_oops=1 must really have it (the guest's init
# prints the sysctl after the TAP).
if grep -q 'panic_on_oops=1' "$dir/cmdline" 2>/dev/null; then
	p=$(sed -n 's/^mdcr-fix-panic-on-oops: \([0-9]*\)$/\1/p' "$log" | tail -n 1)
	if [ "${p:-0}" -ne 0 ]; then
		echo "ok - panic_on_oops is set ($p): an oops panics this host"
	else
		echo "not ok - panic_on_oops is set (got '${p:-nothing}')"
	fi
fi
