#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# stock-rootfs.sh KERNEL - build (once, cached) an arm64 root file system of
# the suite of a stock kernel that Debian 12 cannot build for (debian-6.12:
# trixie, debian-7: sid) holding that kernel's headers, dkms, gcc, make,
# kmod and openssl, from the archives scripts/fetch-packages.sh took from the
# machine's apt configuration (the suite, and its -updates and -security
# where they exist: the headers may be a security update), with mmdebstrap
# and qemu-user-static, and print its path. As on a host of that
# suite that runs the kernel: installing the package there makes DKMS build
# the module for it with the suite's own compiler.
#
# trixie's headers depend on the kernel image, whose postinst would make an
# initramfs under qemu-user for 15 minutes: update-initramfs is diverted to
# a stub (nothing here boots from this tree).
#
# The cache key is everything that decides its contents: the headers
# package, the sources, the package list, mmdebstrap's version and this
# script. The tree is never changed after it is built: tests work on copies.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
. "$top/tests/dkms/lib.sh"

kernel=${1:-}
case $kernel in
debian-6.12) suite=trixie ;;
debian-7) suite=sid ;;
*)
	echo "usage: $0 debian-6.12|debian-7" >&2
	exit 2
	;;
esac

need_packages mmdebstrap qemu-user-static arch-test || { log "cannot install mmdebstrap, qemu-user-static, arch-test"; exit 1; }
binfmt_arm64 || { log "cannot register qemu-aarch64 with binfmt_misc"; exit 1; }

# The stock kernel's ABI (this also refreshes the suite's apt lists).
kdir=$("$top/scripts/stock-kernel.sh" "$kernel" | cut -d' ' -f2)
kver=$(basename "$kdir" | sed 's/^linux-headers-//')
hdr=$(find "$cache/debs" -maxdepth 1 -name "linux-headers-${kver}_*_arm64.deb" | head -n 1)
[ -n "$hdr" ] || { log "no linux-headers-$kver deb in $cache/debs"; exit 1; }
sources=$(cat "$cache/apt/$suite/sources.list")

pkgs="dkms gcc make kmod openssl xz-utils apt linux-headers-$kver"
key=$( { basename "$hdr"; echo "$sources" $pkgs; dpkg-query -W -f='${Version}\n' mmdebstrap;
	cat "$0"; } | sha256sum | cut -c1-12)
root=$cache/dkms/stock-$suite-$key
if [ -f "$root.done" ]; then
	echo "$root"
	exit 0
fi

mkdir -p "$cache/dkms"
exec 9>"$cache/dkms/.stock-$suite.lock"
flock 9
[ ! -f "$root.done" ] || { echo "$root"; exit 0; }
# Older trees of this suite go.
rm -rf --one-file-system "$cache/dkms/stock-$suite"-*
mkdir -p "$root"
start=$(date +%s)
echo "$sources" >"$root.list"
log "building an arm64 $suite root file system with linux-headers-$kver (qemu-user, several minutes)"
# shellcheck disable=SC2086
if ! mmdebstrap --mode=root --architectures=arm64 --variant=minbase \
	--include="$(echo $pkgs | tr ' ' ,)" \
	--aptopt='Acquire::Retries "3"' \
	--aptopt='Acquire::Check-Valid-Until "false"' \
	--essential-hook='chroot "$1" dpkg-divert --local --rename --add /usr/sbin/update-initramfs' \
	--essential-hook='printf "#!/bin/sh\nexit 0\n" >"$1/usr/sbin/update-initramfs"' \
	--essential-hook='chmod 755 "$1/usr/sbin/update-initramfs"' \
	--customize-hook='chroot "$1" apt-get clean' \
	"$suite" "$root" "$root.list" >"$root.log" 2>&1; then
	tail -n 30 "$root.log" >&2
	log "mmdebstrap failed, see $root.log"
	exit 1
fi
[ -e "$root/lib/modules/$kver/build" ] || { log "no /lib/modules/$kver/build in $root"; exit 1; }
touch "$root.done"
log "$suite root file system ready in $(($(date +%s) - start)) s"
echo "$root"
