#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# stock-chroot.sh KERNEL [CMD [ARG]...] - run CMD where modules for the stock
# Debian kernel KERNEL (see scripts/stock-kernel.sh) can be built: an amd64
# chroot of the kernel's own suite holding the cross compiler its headers
# were built with (CONFIG_CC_VERSION_TEXT in their .config), the libraries
# and pahole its kbuild tools need, and make. Without CMD, print the chroot.
#
#   scripts/stock-chroot.sh debian-6.12 make -C KDIR M=DIR modules
#
# trixie's 6.12 and sid's 7.x are built with gcc 14 and gcc 16, which Debian
# 12 does not have; their kbuild tools need a newer glibc. The chroot is made
# once with mmdebstrap (as root) from the archives scripts/fetch-packages.sh
# took from the machine's apt configuration, and cached under $MDCR_FIX_CACHE/chroot keyed by what
# produced it. CMD runs as root in a private mount namespace (nothing is left
# mounted) with the cache and the current directory bound at their own paths,
# so KDIR from stock-kernel.sh and M= paths work unchanged; so does each
# directory named in MDCR_FIX_CHROOT_BIND (colon-separated).
# aarch64-linux-gnu-gcc there is the kernel's gcc (CC=... from the harness
# works too).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
cache=$(mkdir -p "$cache" && cd "$cache" && pwd -P)

log() { echo "[stock-chroot] $*" >&2; }

kernel=${1:-}
case $kernel in
debian-6.12) suite=trixie ;;
debian-7) suite=sid ;;
debian-5.10 | debian-6.1)
	log "$kernel builds with the host's compiler: no chroot needed"
	exit 2
	;;
*)
	echo "usage: $0 debian-6.12|debian-7 [CMD [ARG]...]" >&2
	exit 2
	;;
esac
shift

[ "$(id -u)" -eq 0 ] || { log "needs root (mmdebstrap, mount, chroot)"; exit 1; }

# The headers (this also refreshes the suite's private apt lists).
kdir=$("$top/scripts/stock-kernel.sh" "$kernel" | cut -d' ' -f2)
cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' "$kdir/.config")
gccv=${cc##*-}
case $cc in
aarch64-linux-gnu-gcc-[0-9]*) ;;
*)
	log "$kdir/.config: built by '$cc', not a Debian aarch64 cross gcc"
	exit 1
	;;
esac
# What the kbuild tools link against (libc6, libelf, libssl, zlib, pahole).
kb=
for d in "$(dirname "$kdir")"/../lib/linux-kbuild-*; do
	[ -d "$d" ] && kb=$(basename "$d")
done
kbdeb=$(find "$cache/debs" -maxdepth 1 -name "${kb}_*_amd64.deb" | sort -V | tail -n 1)
kbdeps=$(dpkg-deb -f "$kbdeb" Depends)
deps=$(echo "$kbdeps" | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/[[:space:]]//g' | grep .)
pkgs=$(echo make "gcc-$gccv-aarch64-linux-gnu" $deps | tr ' ' '\n' | sort -u | tr '\n' ' ')

# The archives fetch-packages.sh took from the machine's apt configuration.
sources=$(cat "$cache/apt/$suite/sources.list")
[ -n "$sources" ] || { log "no sources in $cache/apt/$suite/sources.list"; exit 1; }

command -v mmdebstrap >/dev/null || {
	log "installing mmdebstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		mmdebstrap >/dev/null
}
key=$( { echo "$suite $sources $pkgs $kbdeps"; mmdebstrap --version; cat "$0"; } |
	sha256sum | cut -c1-12)
name=$suite-gcc$gccv
root=$cache/chroot/$name-$key
mkdir -p "$cache/chroot"

exec 9>"$cache/chroot/.$name.lock"
flock 9
if [ ! -f "$root.done" ]; then
	# Older chroots for this suite and compiler go.
	for old in "$cache/chroot/$name"-*; do
		case $old in *.done | *.log | *.list) continue ;; esac
		[ -d "$old" ] || continue
		if grep -q " $old/" /proc/mounts; then
			log "$old is in use, kept"
			continue
		fi
		rm -rf --one-file-system "$old" "$old.done" "$old.log" "$old.list"
	done
	log "making an amd64 $suite chroot with $pkgs(mmdebstrap, a few minutes)"
	start=$(date +%s)
	rm -rf --one-file-system "$root"
	mkdir -p "$root"
	echo "$sources" >"$root.list"
	# sid's Release is valid for a week only: a mirror snapshot may be older.
	if ! mmdebstrap --mode=root --architectures=amd64 --variant=minbase \
		--include="$(echo $pkgs | tr ' ' ,)" \
		--aptopt='Acquire::Retries "3"' \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		--customize-hook="ln -sf /usr/bin/aarch64-linux-gnu-gcc-$gccv \"\$1/usr/local/bin/aarch64-linux-gnu-gcc\"" \
		--customize-hook='chroot "$1" apt-get clean' \
		"$suite" "$root" "$root.list" >"$root.log" 2>&1; then
		tail -n 30 "$root.log" >&2
		log "mmdebstrap failed, see $root.log"
		exit 1
	fi
	touch "$root.done"
	log "chroot $root ready in $(($(date +%s) - start)) s"
fi
exec 9>&-

if [ $# -eq 0 ]; then
	echo "$root"
	exit 0
fi

binds="$cache:$(pwd -P)${MDCR_FIX_CHROOT_BIND:+:$MDCR_FIX_CHROOT_BIND}"
exec unshare --mount --propagation private sh -eu -c '
	root=$1 binds=$2 dir=$3
	shift 3
	mount -t proc proc "$root/proc"
	mount --rbind /dev "$root/dev"
	IFS=:
	for d in $binds; do
		[ -d "$d" ] || continue
		mkdir -p "$root$d"
		mount --rbind "$d" "$root$d"
	done
	unset IFS
	exec chroot "$root" env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
		HOME=/root LANG=C.UTF-8 TERM=dumb sh -c "cd \"\$0\" && exec \"\$@\"" "$dir" "$@"
' stock-chroot "$root" "$binds" "$(pwd -P)" "$@"
