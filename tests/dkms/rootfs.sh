#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# rootfs.sh - build (once, cached) an arm64 Debian 12 root file system with
# the newest stock bookworm arm64 kernel, its headers, dkms, gcc, make,
# systemd, initramfs-tools, openssl (DKMS signs modules with it), and flex,
# bison, bc (what preparing a kernel source tree for module builds needs),
# from the mirror the machine's apt configuration names (mmdebstrap +
# qemu-user-static), and print its path.
#
# The cache key is everything that decides its contents: the kernel package
# version, the package list, mmdebstrap's version and this script. The tree
# is never changed after it is built: tests work on copies.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
. "$top/tests/dkms/lib.sh"

need_packages mmdebstrap qemu-user-static arch-test || { log "cannot install mmdebstrap, qemu-user-static, arch-test"; exit 1; }
binfmt_arm64 || { log "cannot register qemu-aarch64 with binfmt_misc"; exit 1; }

# The newest stock ABI: its image package also refreshes the apt lists.
img=$("$top/scripts/fetch-packages.sh" "$cache" bookworm \
	'linux-image-6.1.0-[0-9]*[0-9]-arm64-unsigned:arm64')
abi=$(basename "$img" | sed 's/^linux-image-\(.*\)-arm64-unsigned_.*/\1/')
# The sources that package came from: bookworm, -updates and -security
# (the newest kernel is often a security update).
sources=$(cat "$cache/apt/bookworm/sources.list")

pkgs="systemd-sysv udev kmod procps busybox initramfs-tools apt
dkms gcc make libc6-dev flex bison bc openssl"
# The kernel goes in last, in its own apt run: its postinst makes the
# initramfs once, instead of once more for the trigger the other packages
# pull (mkinitramfs takes minutes under qemu-user).
kpkgs="linux-image-$abi-arm64 linux-headers-$abi-arm64"

key=$( { basename "$img"; echo "$sources" $pkgs $kpkgs; dpkg-query -W -f='${Version}\n' mmdebstrap;
	cat "$0"; } | sha256sum | cut -c1-12)
root=$cache/dkms/rootfs-$abi-$key
if [ -f "$root.done" ]; then
	echo "$root"
	exit 0
fi

# Older trees (another kernel, another package list) go.
rm -rf --one-file-system "$cache"/dkms/rootfs-*
mkdir -p "$cache/dkms"
echo "$sources" >"$root.list"
start=$(date +%s)
log "building an arm64 bookworm root file system with $abi (qemu-user, several minutes)"
# shellcheck disable=SC2086
if ! mmdebstrap --mode=root --architectures=arm64 --variant=minbase \
	--include="$(echo $pkgs | tr ' ' ,)" \
	--aptopt='Acquire::Retries "3"' \
	--customize-hook='echo mdcr-fix-dkms >"$1/etc/hostname"' \
	--customize-hook='echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" >"$1/etc/fstab"' \
	--customize-hook="chroot \"\$1\" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $kpkgs" \
	--customize-hook='chroot "$1" apt-get clean' \
	bookworm "$root" "$root.list" >"$root.log" 2>&1; then
	tail -n 30 "$root.log" >&2
	log "mmdebstrap failed, see $root.log"
	exit 1
fi
[ -f "$root/boot/initrd.img-$abi-arm64" ] || { log "no initramfs for $abi in $root"; exit 1; }
touch "$root.done"
log "root file system ready in $(($(date +%s) - start)) s"
echo "$root"
