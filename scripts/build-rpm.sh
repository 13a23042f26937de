#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# build-rpm.sh - the RPMs for EL8 from this checkout: make dist's tarball,
# then "rpmbuild -ta" on it (as a user of the tarball would) with a private
# top directory in the cache. Prints the paths of mdcr-fix-dkms,
# mdcr-fix-status (noarch) and the source RPM, one a line.
#
# Usage: build-rpm.sh
#
# Needs rpmbuild (Debian's package rpm, or rpm-build); says so first.
set -eu

if [ $# -ne 0 ]; then
	echo "usage: $0" >&2
	exit 64
fi
if ! command -v rpmbuild >/dev/null 2>&1; then
	echo "build-rpm: missing rpmbuild (apt-get install rpm, or dnf install rpm-build)" >&2
	exit 1
fi

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
out=$cache/rpm
work=$out/build

tarball=$(sh "$top/scripts/build-dist.sh")
rm -rf "$work"
mkdir -p "$work"
if ! rpmbuild -ta --define "_topdir $work" "$tarball" >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	echo "build-rpm: rpmbuild failed, see $out/build.log" >&2
	exit 1
fi
find "$work/RPMS" "$work/SRPMS" -name '*.rpm' | sort | while read -r r; do
	mv -f "$r" "$out/"
	echo "$out/$(basename "$r")"
done
rm -rf "$work"
