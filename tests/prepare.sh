#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# prepare.sh KERNEL - get a test kernel and an initramfs for it, print the
# directory holding "Image" and "initrd.gz".
#
# KERNEL: unpatched-5.10 | unpatched-5.10-debug | rhel8-4.18 | rhel8-ampere
# | rhel8-394 | buster-4.19 | linux-5.4.120 (built by scripts/build-kernel.sh)
# or debian-5.10 | debian-6.1 (stock Debian binaries, scripts/stock-kernel.sh).
# The initramfs holds busybox, the VMM, mdcr_fix.ko (a test build: with
# fail_hooks= and load_window_ms=) and the observer built for that kernel,
# and the scenarios. DIR/cmdline holds the kernel parameters this kernel
# boots with beyond the harness's own (tests/boot.sh adds them).
#
# The work directory is $MDCR_FIX_WORK/KERNEL (default: the cache's
# work/KERNEL); runs at the same time must each set their own.
# Exit 77: the kernel's source is not on this machine.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
cross=${CROSS_COMPILE:-aarch64-linux-gnu-}
kernel=${1:?usage: $0 KERNEL}

case $kernel in
debian-*)
	set -- $("$top/scripts/stock-kernel.sh" "$kernel")
	image=$1
	kdir=$2
	;;
*)
	rc=0
	kdir=$("$top/scripts/build-kernel.sh" "$kernel") || rc=$?
	[ $rc -eq 0 ] || exit $rc
	image=$kdir/arch/arm64/boot/Image
	;;
esac

out=${MDCR_FIX_WORK:-$cache/work}/$kernel
rm -rf "$out"
mkdir -p "$out/build" "$out/root"

# Warnings allowed by name: they come from old kernels' own headers. Up to
# 4.19, include/linux/module.h's module_init()/module_exit() aliases lack
# the attributes of their target, and gcc >= 9 says so for every module.
# With LSE atomics (RHEL 8's config), the 4.18 trees' asm/atomic_lse.h
# cmpxchg() tells the compiler it accesses 8 bytes for a 4-byte spinlock,
# which gcc >= 12 reports at every spin_lock() (fixed upstream in 2022 by
# "arm64: atomics: lse: Dereference matching size").
allowed="\(init\|cleanup\)_module.\{1,3\} specifies less restrictive attribute than its target"
allowed="$allowed\|asm/atomic_lse\.h:[0-9]*:[0-9]*: warning: array subscript .* is partly outside array bounds of .raw_spinlock_t"

# Build from a copy: the checkout may hold a build for another kernel.
kbuild() {
	make -C "$kdir" M="$1" ARCH=arm64 CROSS_COMPILE="$cross" \
		CC="${cross}gcc" MDCR_FIX_TESTING=1 modules >"$1/build.log" 2>&1 || {
		cat "$1/build.log" >&2
		echo "prepare: module build in $1 failed against $kdir" >&2
		exit 1
	}
	if grep 'warning:' "$1/build.log" | grep -qv "$allowed"; then
		grep 'warning:' "$1/build.log" >&2
		echo "prepare: module build in $1 has warnings" >&2
		exit 1
	fi
	n=$(grep -c "$allowed" "$1/build.log" || true)
	[ "$n" -eq 0 ] || echo "prepare: $n warnings from the kernel's own headers allowed by name:" \
		"$(grep "$allowed" "$1/build.log" | sed 's/.*warning: //' | sort | uniq -c | tr -s ' \n' '  ')" >&2
}
cp -r "$top/Kbuild" "$top/dkms.conf" "$top/module" "$top/scripts" "$out/build/"
rm -f "$out/build/module/features.h"
kbuild "$out/build"
cp -r "$top/tests/observer" "$out/observer"
kbuild "$out/observer"
# Kernels that check module signatures (RHEL 8's config; the lockdown LSM,
# which selects them): sign both modules with the build's own key, as DKMS
# signs with the key a Secure Boot host enrolled. Stock kernels' headers
# carry no key: their boots load unsigned modules (taint E).
if grep -q '^CONFIG_MODULE_SIG=y' "$kdir/.config" 2>/dev/null &&
	[ -f "$kdir/certs/signing_key.pem" ]; then
	hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"$/\1/p' "$kdir/.config")
	for ko in "$out/build/mdcr_fix.ko" "$out/observer/mdcr_observer.ko"; do
		"$kdir/scripts/sign-file" "$hash" "$kdir/certs/signing_key.pem" \
			"$kdir/certs/signing_key.x509" "$ko"
	done
fi
make -s -C "$top/tests/vmm" CC="${cross}gcc" >&2
make -s -C "$top/tests/perfcount" CC="${cross}gcc" >&2
make -s -C "$top/tests/failnth" CC="${cross}gcc" >&2
make -s -C "$top/tests/rtspin" CC="${cross}gcc" >&2

r=$out/root
mkdir -p "$r/bin" "$r/lib" "$r/scenarios"
cp "$top/tests/vmm/vmm" "$r/bin/vmm"
cp "$top/tests/perfcount/perfcount" "$r/bin/perfcount"
cp "$top/tests/failnth/failnth" "$r/bin/failnth"
cp "$top/tests/rtspin/rtspin" "$r/bin/rtspin"
[ ! -f "$top/scripts/mdcr-fix-status" ] || cp "$top/scripts/mdcr-fix-status" "$r/bin/"
cp "$out/build/mdcr_fix.ko" "$out/observer/mdcr_observer.ko" "$r/lib/"
cp "$top/tests/guest/scenarios/"*.sh "$r/scenarios/"
sh "$top/tests/initramfs.sh" "$r" "$out/initrd.gz"
ln -sf "$image" "$out/Image"
# The RHEL 8 family boots as RHEL 8 runs: an oops panics the host
# (PANIC_ON_OOPS=y in tests/kconfig/rhel8.config, and said again here).
case $kernel in
rhel8-*) echo panic_on_oops=1 >"$out/cmdline" ;;
*) : >"$out/cmdline" ;;
esac
# The page size the kernel was built with, which the VMM must report
# (tests/boot.sh checks): 64K on the RHEL 8 family.
if [ -f "$kdir/.config" ]; then
	if grep -q '^CONFIG_ARM64_64K_PAGES=y' "$kdir/.config"; then
		echo 65536
	elif grep -q '^CONFIG_ARM64_16K_PAGES=y' "$kdir/.config"; then
		echo 16384
	else
		echo 4096
	fi >"$out/page_size"
fi
echo "$out"
