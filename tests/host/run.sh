#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host-side checks, as TAP: kernel style (checkpatch --strict) and sparse
# (make C=2) on module/, against the unpatched 5.10 test kernel.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
cross=${CROSS_COMPILE:-aarch64-linux-gnu-}

echo "TAP version 13"
kdir=$("$top/scripts/build-kernel.sh" unpatched-5.10) || {
	echo "not ok - unpatched-5.10 kernel for the host checks"
	exit 0
}
src=$(readlink -f "$kdir/source")

out=$(perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f $(ls "$top"/module/*.[ch] | grep -v features.h) 2>&1 |
	grep -v '^total:\|^$\|has no obvious style problems\|^NOTE:')
if [ -z "$out" ]; then
	echo "ok - checkpatch --strict clean on module/"
else
	echo "not ok - checkpatch --strict clean on module/"
	echo "$out" | sed 's/^/# /'
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$top/Kbuild" "$top/dkms.conf" "$top/module" "$top/scripts" "$tmp/"
rm -f "$tmp/module/features.h"
make -C "$kdir" M="$tmp" ARCH=arm64 CROSS_COMPILE="$cross" C=2 \
	CHECK="sparse" modules >"$tmp/sparse.log" 2>&1
rc=$?
warn=$(grep -E 'warning:|error:' "$tmp/sparse.log" | sed "s|$tmp/||")
if [ $rc -eq 0 ] && [ -z "$warn" ]; then
	echo "ok - sparse (make C=2) clean on module/"
else
	echo "not ok - sparse (make C=2) clean on module/ (make exit $rc)"
	echo "$warn" | sed 's/^/# /'
fi
