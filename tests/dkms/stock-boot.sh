#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# stock-boot.sh KERNEL [KO] - boot a stock Debian arm64 kernel that has the
# fix (debian-6.1, debian-6.12, debian-7) in QEMU with mdcr_fix, and print TAP: the guest scenario tests/dkms/stock-guest.sh,
# then the checks of the boot itself (tests/scan-log.sh).
#
# KO is the module to load (e.g. the one DKMS built); without it, the
# module is built here from the checkout against the kernel's headers (in
# its chroot, scripts/stock-chroot.sh, where Debian 12's gcc cannot): a build
# failure is one "not ok" with the compiler's errors. The initramfs is the
# harness's (busybox, tests/guest/init, the VMM, mdcr-fix-status); Debian's
# image has KVM, debugfs and devtmpfs built in, so it needs no module of
# the kernel's. Work files: $MDCR_FIX_CACHE/work/stock-KERNEL.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
cross=${CROSS_COMPILE:-aarch64-linux-gnu-}
kernel=${1:?usage: $0 debian-6.1|debian-6.12|debian-7 [KO]}
ko=${2:-}

inchroot="$top/scripts/stock-chroot.sh $kernel"
case $kernel in
debian-6.1) expect=run inchroot= ;;
debian-6.12) expect=run ;;
debian-7) expect=load ;;
*)
	echo "usage: $0 debian-6.1|debian-6.12|debian-7 [KO]" >&2
	exit 2
	;;
esac

bail() {
	echo "not ok - [$kernel] $1"
	[ -z "${2:-}" ] || sed 's/^/# /' "$2" | tail -n 40
	echo "1..1"
	exit 1
}

# shellcheck disable=SC2046
set -- $("$top/scripts/stock-kernel.sh" "$kernel" 2>/dev/null)
image=${1:-}
kdir=${2:-}
[ -f "$image" ] && [ -d "$kdir" ] || bail "stock kernel unpacked (scripts/stock-kernel.sh $kernel)"

out=$cache/work/stock-$kernel
rm -rf "$out"
mkdir -p "$out/build" "$out/root"

if [ -z "$ko" ]; then
	cp -r "$top/Kbuild" "$top/dkms.conf" "$top/module" "$top/scripts" "$out/build/"
	rm -f "$out/build/module/features.h"
	# shellcheck disable=SC2086
	(cd "$out/build" && nice $inchroot make -C "$kdir" M="$out/build" ARCH=arm64 \
		CROSS_COMPILE=aarch64-linux-gnu- CC=aarch64-linux-gnu-gcc modules) \
		>"$out/build.log" 2>&1 ||
		bail "mdcr_fix builds against $(basename "$kdir")" "$out/build.log"
	if grep -q 'warning:' "$out/build.log"; then
		grep 'warning:' "$out/build.log" | sed 's/^/# /'
		bail "mdcr_fix builds without warnings against $(basename "$kdir")"
	fi
	ko=$out/build/mdcr_fix.ko
fi
[ -f "$ko" ] || bail "module $ko present"

make -s -C "$top/tests/vmm" CC="${cross}gcc" >"$out/vmm.log" 2>&1 ||
	bail "VMM builds" "$out/vmm.log"
r=$out/root
mkdir -p "$r/bin" "$r/lib" "$r/scenarios"
cp "$top/tests/vmm/vmm" "$top/scripts/mdcr-fix-status" "$r/bin/"
cp "$ko" "$r/lib/mdcr_fix.ko"
cp "$top/tests/dkms/stock-guest.sh" "$r/scenarios/stock.sh"
sh "$top/tests/initramfs.sh" "$r" "$out/initrd.gz" ||
	bail "initramfs made"
ln -sf "$image" "$out/Image"
echo "# [$kernel] $(basename "$image"), module $(modinfo -F vermagic "$ko" 2>/dev/null)"
sh "$top/tests/boot.sh" "$out" stock max "$expect"
