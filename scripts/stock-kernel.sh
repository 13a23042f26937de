#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# stock-kernel.sh KERNEL - unpack a stock Debian arm64 kernel with its
# headers and the host's kbuild tools into the cache, and print "IMAGE KDIR":
# the kernel to boot and the tree to build modules against (the arm64
# headers, whose scripts come from the amd64 kbuild package so that they run
# on this machine).
#
# KERNEL: debian-5.10 (bullseye), debian-6.1 (bookworm), debian-6.12
# (trixie), debian-7 (sid's 7.x). The last two are built with a newer gcc
# than Debian 12 has (CONFIG_CC_VERSION_TEXT in KDIR/.config): build modules
# against them inside scripts/stock-chroot.sh.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}

# suite, image package pattern, and its name around the ABI.
case ${1:-} in
debian-5.10)
	suite=bullseye
	pat='linux-image-5.10.0-32-arm64-unsigned'
	pre=linux-image- suf=-arm64-unsigned
	;;
debian-6.1)
	suite=bookworm
	pat='linux-image-6.1.0-[0-9]*[0-9]-arm64-unsigned'
	pre=linux-image- suf=-arm64-unsigned
	;;
debian-6.12)
	suite=trixie
	pat='linux-image-6.12.[0-9]*[0-9]-arm64-unsigned'
	pre=linux-image- suf=-arm64-unsigned
	;;
debian-7)
	# sid: linux-image-<abi>-arm64 is a metapackage, the image is in
	# linux-binary(-unsigned)-<abi>-arm64.
	suite=sid
	pat='linux-binary-unsigned-7.[0-9]*[0-9]-arm64'
	pre=linux-binary-unsigned- suf=-arm64
	;;
*)
	echo "usage: $0 debian-5.10|debian-6.1|debian-6.12|debian-7" >&2
	exit 2
	;;
esac

img=$("$top/scripts/fetch-packages.sh" "$cache" $suite "$pat:arm64")
# <pre><abi><suf>_<version>_arm64.deb -> <abi>
abi=$(basename "$img" | sed "s/_.*//; s/^$pre//; s/$suf\$//")
hdr=$("$top/scripts/fetch-packages.sh" "$cache" $suite "linux-headers-$abi-arm64:arm64")
# The headers name the common headers and the kbuild package they need
# (linux-kbuild-6.1, linux-kbuild-6.12.117+deb13, ...).
deps=$(dpkg-deb -f "$hdr" Depends | tr ',|' '\n\n' | sed 's/(.*)//; s/[[:space:]]//g')
common=$(echo "$deps" | grep -x "linux-headers-.*-common" | head -n 1)
kbuild=$(echo "$deps" | grep -x "linux-kbuild-.*" | head -n 1)
[ -n "$common" ] && [ -n "$kbuild" ] || {
	echo "stock-kernel: $(basename "$hdr") names no -common or linux-kbuild package" >&2
	exit 1
}
debs=$(printf '%s\n%s\n' "$img" "$hdr"; "$top/scripts/fetch-packages.sh" "$cache" $suite \
	"$common" "$kbuild:amd64")

key=$(echo "$debs" | xargs -n1 basename | sha256sum | cut -c1-12)
root=$cache/stock/$1-$key
if [ ! -f "$root/.done" ]; then
	echo "[stock-kernel] unpacking $1 ($abi)" >&2
	rm -rf "$root"
	mkdir -p "$root"
	for d in $debs; do
		dpkg-deb -x "$d" "$root"
	done
	# The headers refer to each other and to kbuild by absolute paths.
	for f in $(grep -rl "/usr/src/linux-headers-\|/usr/lib/linux-kbuild-" \
			"$root/usr/src/linux-headers-$abi-arm64" --include=Makefile \
			--include='*.mk' 2>/dev/null || true); do
		sed -i "s|/usr/src/|$root/usr/src/|g; s|/usr/lib/linux-kbuild-|$root/usr/lib/linux-kbuild-|g" "$f"
	done
	touch "$root/.done"
fi

image=$(ls "$root"/boot/vmlinuz-"$abi"-arm64 2>/dev/null ||
	ls "$root"/usr/lib/modules/"$abi"-arm64/vmlinuz*)
echo "$image $root/usr/src/linux-headers-$abi-arm64"
