#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# version.sh - host-side, no root, a second: the version has one source of
# truth, dkms.conf's PACKAGE_VERSION, and everything else agrees with it
# (debian/changelog) or reads it (Kbuild's MODULE_VERSION, debian/rules).
# Prints TAP results; exits non-zero on a mismatch.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
rc=0
check() {
	desc=$1
	shift
	if "$@"; then echo "ok - $desc"; else echo "not ok - $desc"; rc=1; fi
}

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
changelog=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version 2>/dev/null)
echo "# dkms.conf PACKAGE_VERSION=$version, debian/changelog $changelog"
check "dkms.conf has a PACKAGE_VERSION" [ -n "$version" ]
check "debian/changelog version equals dkms.conf PACKAGE_VERSION" [ "$version" = "$changelog" ]
check "MODULE_VERSION comes from dkms.conf (Kbuild)" eval \
	'grep -q "PACKAGE_VERSION=.*dkms.conf" "$top/Kbuild" &&
	 grep -q "MODULE_VERSION(MDCR_FIX_VERSION)" "$top"/module/*.c'
check "debian/rules takes the version from dkms.conf" \
	grep -q 'PACKAGE_VERSION=.*dkms.conf' "$top/debian/rules"
exit $rc
