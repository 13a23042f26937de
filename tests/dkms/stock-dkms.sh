#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# stock-dkms.sh KERNEL DEB - as root: the package on a host of the suite of
# a stock kernel Debian 12 cannot build for (debian-6.12: trixie's 6.12,
# debian-7: sid's 7.x), then that kernel booted with what DKMS built.
# Prints TAP (numbered by the caller).
#
#  1. a copy of the arm64 root file system of tests/dkms/stock-rootfs.sh
#     (the kernel's headers, dkms, the suite's gcc); in it, under qemu-user
#     and as on a host running that kernel: apt-get install ./DEB with the
#     mdcr-fix-status .deb beside it, which it depends on. DKMS
#     either builds mdcr_fix.ko with the suite's own compiler, or skips the
#     kernel cleanly (exit 77, BUILD_EXCLUSIVE_*): both are a successful
#     install, a failed build is not.
#  2. the stock image booted with DKMS's module in the harness initramfs
#     (tests/dkms/stock-boot.sh): the status tool without and with it, the
#     module passive (tests/dkms/stock-guest.sh), no splat.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
. "$top/tests/dkms/lib.sh"
kernel=${1:?usage: $0 debian-6.12|debian-7 DEB}
deb=${2:?usage: $0 debian-6.12|debian-7 DEB}

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
result() { if [ "$2" -eq 0 ]; then ok "$1"; else not_ok "$1"; fi; }
diag() { echo "$*" | sed 's/^/# /'; }

root=$(sh "$top/tests/dkms/stock-rootfs.sh" "$kernel" 2>"$cache/dkms-$kernel-rootfs.log")
result "arm64 root file system with the $kernel headers, dkms, gcc" $?
if [ ! -d "$root" ]; then
	sed 's/^/# /' "$cache/dkms-$kernel-rootfs.log" | tail -n 20
	exit 1
fi
binfmt_arm64 || { not_ok "binfmt_misc for qemu-aarch64"; exit 1; }
kver=$(ls "$root/lib/modules" | head -n 1)
version=$(dpkg-deb -f "$deb" Version)

work=$cache/dkms/work-$kernel
r=$work/root
grep -q " $work/" /proc/mounts && { not_ok "$work has no mounts left"; exit 1; }
rm -rf --one-file-system "$work"
mkdir -p "$work"
cp -a "$root" "$r"
ch() {
	in_chroot "$r" env QEMU_UNAME="$kver" "$@"
}
diag "headers: $kver, built by $(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"/\1/p' "$r/lib/modules/$kver/build/.config")"
diag "chroot: $(ch sh -c '. /etc/os-release; echo $PRETTY_NAME') ; $(ch dkms --version 2>&1) ; $(ch gcc --version 2>&1 | head -n 1)"

sdeb=$(dirname "$deb")/mdcr-fix-status_${version}_all.deb
cp "$deb" "$sdeb" "$r/tmp/"
t=$(date +%s)
ch apt-get install -y --no-install-recommends "/tmp/$(basename "$deb")" "/tmp/$(basename "$sdeb")" \
	>"$work/install.log" 2>&1
rc=$?
result "[dpkg] apt-get install ./$(basename "$deb") on $kver in $(($(date +%s) - t)) s" $rc
grep -iE 'dkms|mdcr|skip|error|build' "$work/install.log" | tail -n 12 | sed 's/^/# /'
mlog=$(find "$r/var/lib/dkms/mdcr-fix/$version" -name make.log 2>/dev/null | head -n 1)
ko=$(find "$r/lib/modules/$kver/updates/dkms" -name 'mdcr_fix.ko*' 2>/dev/null | head -n 1)
if [ -z "$ko" ] && grep -qi 'skipped\|BUILD_EXCLUSIVE' "$work/install.log"; then
	# DKMS's clean skip: said so, nothing installed, the package is.
	ok "[dkms] skipped $kver cleanly: $(grep -i 'skipped\|BUILD_EXCLUSIVE' "$work/install.log" | head -n 1)"
	exit 0
fi
if [ -z "$ko" ]; then
	not_ok "[dkms] mdcr_fix.ko built and installed for $kver"
	[ -z "$mlog" ] || grep -E 'error|warning' "$mlog" | head -n 20 | sed "s|$r||; s/^/# /"
	exit 1
fi
grep -q 'CC \[M\]' "$mlog" 2>/dev/null && ! grep -q 'warning:' "$mlog"
result "[dkms] compiled in the chroot with no warning (${mlog#"$r"})" $?
case $ko in
*.xz) xz -dc "$ko" >"$work/mdcr_fix.ko" ;;
*.zst) zstd -qdc "$ko" >"$work/mdcr_fix.ko" ;;
*.gz) gzip -dc "$ko" >"$work/mdcr_fix.ko" ;;
*) cp "$ko" "$work/mdcr_fix.ko" ;;
esac
vermagic=$(modinfo -F vermagic "$work/mdcr_fix.ko")
[ "${vermagic%% *}" = "$kver" ] && [ "$(modinfo -F version "$work/mdcr_fix.ko")" = "$version" ]
result "[dkms] ${ko#"$r"}: vermagic $kver, version $version, signer $(modinfo -F signer "$work/mdcr_fix.ko")" $?
diag "$(ch dkms status 2>&1)"

sh "$top/tests/dkms/stock-boot.sh" "$kernel" "$work/mdcr_fix.ko"
