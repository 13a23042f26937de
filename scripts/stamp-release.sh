#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# stamp-release.sh - release the version of the top debian/changelog entry,
# which must be UNRELEASED and agree with dkms.conf and mdcr-fix.spec:
#  - debian/changelog: UNRELEASED becomes unstable, its date now;
#  - mdcr-fix.spec: the top %changelog entry's date today;
#  - tests/dkms/releases: the version and the hash of its module and
#    interface sources (tests/dkms/version.sh --hash), which version.sh then
#    holds them to.
# Then commit those three files. Run it when nothing else is to change in
# module/ for this version: a later change needs a new version.
#
# Usage: stamp-release.sh
set -eu

if [ $# -ne 0 ]; then
	echo "usage: $0" >&2
	exit 64
fi
top=$(cd "$(dirname "$0")/.." && pwd)
cl=$top/debian/changelog
spec=$top/mdcr-fix.spec
record=$top/tests/dkms/releases

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
dist=$(dpkg-parsechangelog -l "$cl" -S Distribution)
if [ "$dist" != UNRELEASED ]; then
	echo "stamp-release: the top debian/changelog entry is already released ($dist)" >&2
	exit 1
fi
if [ "$(dpkg-parsechangelog -l "$cl" -S Version)" != "$version" ] ||
	[ "$(sed -n 's/^Version: *//p' "$spec")" != "$version" ]; then
	echo "stamp-release: dkms.conf, debian/changelog and mdcr-fix.spec disagree on the version" >&2
	exit 1
fi
# The hash is of the files as they are here: in a git checkout, they must
# be the committed ones (another engineer's edit in progress is not
# released).
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1 &&
	! git -C "$top" diff --quiet HEAD -- Kbuild module scripts/probe-features.sh scripts/mdcr-fix-status; then
	echo "stamp-release: uncommitted changes in module/, Kbuild or the scripts; commit them first:" >&2
	git -C "$top" diff --stat HEAD -- Kbuild module scripts/probe-features.sh scripts/mdcr-fix-status >&2
	exit 1
fi
if awk -v v="$version" '$1 == v { f = 1 } END { exit !f }' "$record"; then
	echo "stamp-release: $version is already in $record" >&2
	exit 1
fi

now=$(LC_ALL=C date -R)
today=$(LC_ALL=C date '+%a %b %d %Y')
# The top entry: its first line and its first trailer line.
sed -i "1s/) UNRELEASED;/) unstable;/" "$cl"
sed -i "0,/^ -- /s/^\( -- .*>  \).*/\1$now/" "$cl"
sed -i "/^%changelog/{n;s/^\* [A-Z][a-z][a-z] [A-Z][a-z][a-z] [0-9][0-9] [0-9]\{4\} /* $today /}" "$spec"
echo "$version $(sh "$top/tests/dkms/version.sh" --hash)" >>"$record"
echo "stamp-release: $version released; commit debian/changelog mdcr-fix.spec tests/dkms/releases"
