#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# version.sh - host-side, no root, a second: the version has one source of
# truth, dkms.conf's PACKAGE_VERSION, and everything else agrees with it
# (debian/changelog, mdcr-fix.spec's Version and %changelog, the manual
# page, mdcr-fix-status --version) or reads it (Kbuild's MODULE_VERSION, debian/rules).
#
# And a released version's sources never change: apt (and dnf) would
# answer "already the newest" and keep the old module loaded. What a host
# runs is the module's sources, Kbuild, the feature probe and the status
# tool (sources_hash below; not the tests' module/inject.c, not the docs).
# tests/dkms/releases records, for each released version, the SHA-256 of
# those files as released (scripts/stamp-release.sh writes it). Then:
#  - top debian/changelog entry released (not UNRELEASED): its version must
#    be in the record with today's hash; a change to those files needs a
#    new UNRELEASED entry first (dch -v NEW, and the spec's Version);
#  - top entry UNRELEASED: the sources may change freely while developers
#    work; the version must be newer than every released one.
# So a developer is never stopped mid-work, and a release cannot be cut
# twice under one number.
#
# Prints TAP results; exits non-zero on a mismatch. MDCR_FIX_TOP checks
# another tree. "version.sh --hash" prints the sources' hash alone.
set -u

top=${MDCR_FIX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
rc=0
check() {
	desc=$1
	shift
	if "$@"; then echo "ok - version: $desc"; else echo "not ok - version: $desc"; rc=1; fi
}

# The SHA-256 of what users build and run, over sorted names and contents.
sources_hash() {
	(cd "$1" && for f in Kbuild scripts/probe-features.sh scripts/mdcr-fix-status \
		module/*.c module/*.h; do
		case $f in module/inject.c | module/features.h) continue ;; esac
		echo "$f"
	done | LC_ALL=C sort | while read -r f; do
		printf '%s %s\n' "$f" "$(wc -c <"$f")"
		cat "$f"
	done) | sha256sum | cut -d' ' -f1
}

if [ "${1:-}" = --hash ]; then
	sources_hash "$top"
	exit
fi

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
changelog=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version 2>/dev/null)
dist=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Distribution 2>/dev/null)
spec=$(sed -n 's/^Version: *//p' "$top/mdcr-fix.spec" 2>/dev/null)
spec_cl=$(sed -n '/^%changelog/,$p' "$top/mdcr-fix.spec" 2>/dev/null | sed -n 's/^\* .* - \([^ ]*\)$/\1/p' | head -n 1)
man=$(sed -n 's/^\.TH .* "mdcr-fix \([^"]*\)".*/\1/p' "$top/doc/mdcr-fix-status.8")
echo "# dkms.conf PACKAGE_VERSION=$version, debian/changelog $changelog ($dist), spec $spec ($spec_cl), man page $man"
check "dkms.conf has a PACKAGE_VERSION" [ -n "$version" ]
check "debian/changelog version equals dkms.conf PACKAGE_VERSION" [ "$version" = "$changelog" ]
# shellcheck disable=SC2016
check "mdcr-fix.spec Version and its top %changelog entry ($spec, $spec_cl) are dkms.conf's" \
	eval '[ "$spec" = "$version" ] && [ "${spec_cl%-*}" = "$version" ]'
check "the manual page's version ($man) is dkms.conf's" [ "$man" = "$version" ]
tool=$(sed -n 's/^VERSION=//p' "$top/scripts/mdcr-fix-status")
check "mdcr-fix-status --version's ($tool) is dkms.conf's" [ "$tool" = "$version" ]
# shellcheck disable=SC2016
check "MODULE_VERSION comes from dkms.conf (Kbuild)" eval \
	'grep -q "PACKAGE_VERSION=.*dkms.conf" "$top/Kbuild" &&
	 grep -q "MODULE_VERSION(MDCR_FIX_VERSION)" "$top"/module/*.c'
check "debian/rules takes the version from dkms.conf" \
	grep -q 'PACKAGE_VERSION=.*dkms.conf' "$top/debian/rules"

hash=$(sources_hash "$top")
record=$top/tests/dkms/releases
recorded=$(awk -v v="$version" '$1 == v { print $2 }' "$record" 2>/dev/null)
echo "# sources $hash; recorded for $version: ${recorded:-none}"
if [ "$dist" = UNRELEASED ]; then
	newest=$(awk '!/^#/ && NF { print $1 }' "$record" 2>/dev/null | sort -V | tail -n 1)
	# shellcheck disable=SC2016
	check "$version is UNRELEASED: newer than every released version (${newest:-none}), not released yet" \
		eval '[ -z "$recorded" ] && { [ -z "$newest" ] || dpkg --compare-versions "$version" gt "$newest"; }'
else
	check "$version is released ($dist): module and interface sources unchanged since (else: a new UNRELEASED changelog entry)" \
		[ "$recorded" = "$hash" ]
fi
exit $rc
