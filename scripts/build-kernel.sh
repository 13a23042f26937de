#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh - build one harness kernel into the cache and print its
# build directory (arch/arm64/boot/Image inside; usable as KDIR).
#
# Usage: build-kernel.sh VARIANT
#   unpatched-5.10 | unpatched-5.10-debug
#	Debian's 5.10 source with the one-line revert of 263d6287da14
#	(tests/patches/unpatched-5.10.patch); unpatched-5.10 also keeps
#	kvm_vcpu_first_run_init() out of line
#	(tests/patches/first-run-init-noinline.patch).
#   rhel8-4.18 | rhel8-ampere | rhel8-394 | buster-4.19 | linux-5.4.120
#	field kernels as they ship, from the trimmed source tarballs in
#	$MDCR_FIX_KERNELS (default: ../shared/kernels beside the checkout),
#	checked against tests/kernels.sha256 before use. Exit 77 when the
#	tarball is not there. The RHEL 8 family (RHEL 8.1's 4.18.0-147,
#	Ampere's RHEL 8.0 4.18.0-80 backport tree, CentOS Stream 8's
#	4.18.0-394, which has the fix) with RHEL 8 aarch64's traits
#	(tests/kconfig/rhel8.config: 64K pages, PANIC_ON_OOPS...); Debian
#	buster's 4.19.118 and 5.4.120 (unfixed) with the minimal config.
#
# The build is keyed by everything that produced it: the source, the patch,
# the config fragments, the compiler and the build recipe. A finished build is
# reused; a failed one is rebuilt from scratch.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
cross=${CROSS_COMPILE:-aarch64-linux-gnu-}
tarballs=${MDCR_FIX_KERNELS:-$top/../shared/kernels}

usage="usage: $0 unpatched-5.10|unpatched-5.10-debug|rhel8-4.18|rhel8-ampere|rhel8-394|buster-4.19|linux-5.4.120"
[ $# -eq 1 ] || { echo "$usage" >&2; exit 2; }
variant=$1
frags=$top/tests/kconfig/base.config
patches=
tarball=
hostcflags=
case $variant in
unpatched-5.10)
	patches="$top/tests/patches/unpatched-5.10.patch
		$top/tests/patches/first-run-init-noinline.patch"
	;;
unpatched-5.10-debug)
	patches=$top/tests/patches/unpatched-5.10.patch
	frags="$frags $top/tests/kconfig/debug.config"
	;;
rhel8-4.18)
	tarball=linux-4.18.0-147.5.1.el8-trimmed.tar.xz
	frags="$frags $top/tests/kconfig/old.config $top/tests/kconfig/rhel8.config"
	;;
rhel8-ampere)
	tarball=linux-4.18.0-80.11.2.el8-ampere-trimmed.tar.xz
	frags="$frags $top/tests/kconfig/old.config $top/tests/kconfig/rhel8.config
		$top/tests/kconfig/rhel8-ampere.config"
	;;
rhel8-394)
	tarball=linux-4.18.0-394.el8-trimmed.tar.xz
	frags="$frags $top/tests/kconfig/old.config $top/tests/kconfig/rhel8.config
		$top/tests/kconfig/rhel8-394.config"
	;;
buster-4.19)
	tarball=linux-4.19.118-deb10u1-trimmed.tar.xz
	frags="$frags $top/tests/kconfig/old.config"
	;;
linux-5.4.120)
	tarball=linux-5.4.120-trimmed.tar.xz
	frags="$frags $top/tests/kconfig/old.config $top/tests/kconfig/lockdown.config"
	;;
*) echo "build-kernel: unknown variant '$variant'" >&2; echo "$usage" >&2; exit 2 ;;
esac

log() { echo "[build-kernel] $*" >&2; }

if [ -n "$tarball" ]; then
	# gcc >= 10 defaults to -fno-common, which breaks the host dtc of 4.18
	# and 4.19 ("multiple definition of yylloc"); harmless on 5.4.
	hostcflags=-fcommon
	if [ ! -f "$tarballs/$tarball" ]; then
		log "$tarball not found in $tarballs (set MDCR_FIX_KERNELS to a directory of the field-kernel tarballs)"
		exit 77
	fi
	sum=$(sed -n "s/^\([0-9a-f]\{64\}\)  $tarball\$/\1/p" "$top/tests/kernels.sha256")
	srcname=${tarball%.tar.xz}-$(echo "$sum" | cut -c1-12)
	unpack() {
		log "checking and unpacking $tarball"
		if [ "$(sha256sum <"$tarballs/$tarball" | cut -d' ' -f1)" != "$sum" ]; then
			log "$tarballs/$tarball does not match tests/kernels.sha256"
			exit 1
		fi
		tar -xJf "$tarballs/$tarball" -C "$1" --strip-components=1
	}
else
	srcdeb=$("$top/scripts/fetch-packages.sh" "$cache" bullseye linux-source-5.10)
	srcname=$(basename "$srcdeb" .deb)
	unpack() {
		log "unpacking $srcname"
		dpkg-deb --fsys-tarfile "$srcdeb" |
			tar -xO ./usr/src/linux-source-5.10.tar.xz |
			tar -xJ -C "$1" --strip-components=1
	}
fi

# Pristine source, unpacked once per source; the lock is held until the
# patched tree below is ready too.
src=$cache/src/$srcname
mkdir -p "$cache/src"
exec 8>"$src.lock"
flock 8
if [ ! -f "$src/.done" ]; then
	rm -rf "$src"
	mkdir -p "$src"
	unpack "$src"
	touch "$src/.done"
fi

# The build steps below (kmake, the config merge): bump when they change
# what a build produces.
recipe=1
key=$( { echo "$srcname recipe=$recipe hostcflags=$hostcflags"; cat $frags;
	[ -z "$patches" ] || cat $patches;
	"${cross}gcc" --version | head -n 1; } | sha256sum | cut -c1-12)

# Patched variants get their own tree: hard links to the pristine one, and
# patch(1) replaces the files it changes instead of writing through the links.
tree=$src
if [ -n "$patches" ]; then
	tree=$cache/src/$srcname-$(cat $patches | sha256sum | cut -c1-12)
	if [ ! -f "$tree/.done" ]; then
		rm -rf "$tree"
		cp -al "$src" "$tree"
		for p in $patches; do
			log "applying $(basename "$p")"
			patch -d "$tree" -p1 --quiet <"$p"
		done
		touch "$tree/.done"
	fi
fi
# The sources are ready: another build may use them now.
exec 8>&-

out=$cache/kernels/$variant-$key
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi
# Another run may be building the same kernel: wait for it, then reuse.
mkdir -p "$cache/kernels"
exec 9>"$out.lock"
flock 9
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)
log "building $variant in $out (3 to 9 minutes on 2 cores, more with debug options)"
# Niced: a test boot beside the build (make check's other lane) has a
# timeout, the build has none.
kmake() {
	nice -n 10 make -C "$tree" O="$out" ARCH=arm64 CROSS_COMPILE="$cross" \
		LOCALVERSION= ${hostcflags:+HOSTCFLAGS=$hostcflags} "$@" \
		>>"$out/build.log" 2>&1
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
