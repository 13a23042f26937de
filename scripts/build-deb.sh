#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# build-deb.sh - build mdcr-fix-dkms_<version>_all.deb from this checkout
# into the cache (dpkg-buildpackage -b on a copy, so that nothing lands
# beside the checkout) and print its path.
#
# Needs debhelper and dh-dkms (apt-get install debhelper dh-dkms).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
changelog=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
if [ "$version" != "$changelog" ]; then
	echo "build-deb: dkms.conf says $version, debian/changelog $changelog: add a changelog entry (dch -v $version)" >&2
	exit 1
fi
for p in debhelper dh-dkms; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || {
		echo "build-deb: $p is missing: apt-get install debhelper dh-dkms" >&2
		exit 1
	}
done

out=$cache/deb
work=$out/build
rm -rf "$work"
mkdir -p "$work/mdcr-fix-$version"
(cd "$top" && cp -r Kbuild Makefile dkms.conf LICENSE module scripts debian \
	"$work/mdcr-fix-$version/")
if ! (cd "$work/mdcr-fix-$version" && dpkg-buildpackage -us -uc -b) \
	>"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed, see $out/build.log" >&2
	exit 1
fi
deb=mdcr-fix-dkms_${version}_all.deb
mv -f "$work/$deb" "$out/$deb"
rm -rf "$work"
echo "$out/$deb"
