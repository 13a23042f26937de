#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh - build one harness kernel into the cache and print its
# build directory (arch/arm64/boot/Image inside; usable as KDIR).
#
# Usage: build-kernel.sh unpatched-5.10 | patched-5.10 | unpatched-5.10-debug
#
# The build is keyed by everything that produced it: the source package, the
# patch, the config fragments, the compiler and this script. A finished build
# is reused; a failed one is rebuilt from scratch.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
cross=${CROSS_COMPILE:-aarch64-linux-gnu-}

[ $# -eq 1 ] || { echo "usage: $0 unpatched-5.10|patched-5.10|unpatched-5.10-debug" >&2; exit 2; }
variant=$1
frags=$top/tests/kconfig/base.config
patch=
case $variant in
unpatched-5.10) patch=$top/tests/patches/unpatched-5.10.patch ;;
patched-5.10) ;;
unpatched-5.10-debug)
	patch=$top/tests/patches/unpatched-5.10.patch
	frags="$frags $top/tests/kconfig/debug.config"
	;;
*) echo "build-kernel: unknown variant '$variant'" >&2; exit 2 ;;
esac

log() { echo "[build-kernel] $*" >&2; }

srcdeb=$("$top/scripts/fetch-packages.sh" "$cache" bullseye linux-source-5.10)
srcname=$(basename "$srcdeb" .deb)

# Pristine source, unpacked once per source package.
src=$cache/src/$srcname
if [ ! -f "$src/.done" ]; then
	log "unpacking $srcname"
	rm -rf "$src"
	mkdir -p "$src"
	dpkg-deb --fsys-tarfile "$srcdeb" |
		tar -xO ./usr/src/linux-source-5.10.tar.xz |
		tar -xJ -C "$src" --strip-components=1
	touch "$src/.done"
fi

key=$( { echo "$srcname"; cat $frags; [ -z "$patch" ] || cat "$patch";
	"${cross}gcc" --version | head -n 1; cat "$0"; } | sha256sum | cut -c1-12)

# Patched variants get their own tree: hard links to the pristine one, and
# patch(1) replaces the files it changes instead of writing through the links.
tree=$src
if [ -n "$patch" ]; then
	tree=$cache/src/$srcname-$(sha256sum "$patch" | cut -c1-12)
	if [ ! -f "$tree/.done" ]; then
		log "applying $(basename "$patch")"
		rm -rf "$tree"
		cp -al "$src" "$tree"
		patch -d "$tree" -p1 --quiet <"$patch"
		touch "$tree/.done"
	fi
fi

out=$cache/kernels/$variant-$key
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)
log "building $variant in $out (about 3 minutes on 2 cores, more with debug options)"
kmake() {
	make -C "$tree" O="$out" ARCH=arm64 CROSS_COMPILE="$cross" \
		LOCALVERSION= "$@" >>"$out/build.log" 2>&1
}
if ! kmake allnoconfig; then
	log "allnoconfig failed, see $out/build.log"
	exit 1
fi
{ cat $frags; echo "CONFIG_LOCALVERSION=\"-$variant\""; } >"$out/fragment.config"
(cd "$out" && "$tree/scripts/kconfig/merge_config.sh" -m .config fragment.config) \
	>>"$out/build.log" 2>&1
kmake olddefconfig

# Every option the fragments ask for must have survived olddefconfig.
bad=0
for opt in $(grep -h '^CONFIG_' $frags | sed 's/=.*//'); do
	want=$(grep -h "^$opt=" $frags | tail -n 1)
	case $want in
	*=n) grep -q "^$opt=" "$out/.config" && { log "$opt is set, wanted n"; bad=1; } ;;
	*) grep -qx "$want" "$out/.config" || { log "$want did not stick"; bad=1; } ;;
	esac
done
[ $bad -eq 0 ] || { log "config fragment not applied, see $out/.config"; exit 1; }

if ! kmake -j"$(nproc)"; then
	tail -n 30 "$out/build.log" >&2
	log "kernel build failed, see $out/build.log"
	exit 1
fi
touch "$out/.done"
log "built $variant in $(($(date +%s) - start)) s"
echo "$out"
