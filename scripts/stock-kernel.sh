#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# stock-kernel.sh debian-5.10|debian-6.1 - unpack a stock Debian arm64
# kernel with its headers and the host's kbuild tools into the cache, and
# print "IMAGE KDIR": the kernel to boot and the tree to build modules
# against (the arm64 headers, whose scripts come from the amd64 kbuild
# package so that they run on this machine).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}

case ${1:-} in
debian-5.10)
	suite=bullseye
	abi=$("$top/scripts/fetch-packages.sh" "$cache" $suite \
		'linux-image-5.10.0-32-arm64-unsigned:arm64')
	;;
debian-6.1)
	suite=bookworm
	abi=$("$top/scripts/fetch-packages.sh" "$cache" $suite \
		'linux-image-6.1.0-[0-9]*[0-9]-arm64-unsigned:arm64')
	;;
*)
	echo "usage: $0 debian-5.10|debian-6.1" >&2
	exit 2
	;;
esac

# linux-image-<abi>-arm64-unsigned_<version>_arm64.deb -> <abi>
abi=$(basename "$abi" | sed 's/^linux-image-\(.*\)-arm64-unsigned_.*/\1/')
series=$(echo "$abi" | cut -d. -f1-2)
debs=$("$top/scripts/fetch-packages.sh" "$cache" $suite \
	"linux-image-$abi-arm64-unsigned:arm64" \
	"linux-headers-$abi-arm64:arm64" \
	"linux-headers-$abi-common" \
	"linux-kbuild-$series:amd64")

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

image=$(ls "$root"/boot/vmlinuz-"$abi"-arm64)
echo "$image $root/usr/src/linux-headers-$abi-arm64"
