#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# build-deb.sh - build mdcr-fix-dkms_<version>_all.deb and
# mdcr-fix-status_<version>_all.deb (which the first depends on) from this
# checkout into the cache (dpkg-buildpackage -b on a copy, so that nothing
# lands beside the checkout) and print their paths, -dkms first.
#
# Usage: build-deb.sh
#
# Needs dpkg-dev, debhelper and dh-dkms (apt-get install dpkg-dev debhelper
# dh-dkms); says so before anything else when one is missing.
set -eu

if [ $# -ne 0 ]; then
	echo "usage: $0" >&2
	exit 64
fi

# The tools first: each with the package that brings it.
missing=
for tp in dpkg-parsechangelog:dpkg-dev dpkg-buildpackage:dpkg-dev dh:debhelper dh_dkms:dh-dkms; do
	command -v "${tp%%:*}" >/dev/null 2>&1 && continue
	case " $missing " in *" ${tp#*:} "*) ;; *) missing="$missing ${tp#*:}" ;; esac
done
if [ -n "$missing" ]; then
	echo "build-deb: missing packages:$missing (apt-get install$missing)" >&2
	exit 1
fi

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
changelog=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
if [ "$version" != "$changelog" ]; then
	echo "build-deb: dkms.conf says $version, debian/changelog $changelog: add a changelog entry (dch -v $version)" >&2
	exit 1
fi

out=$cache/deb
work=$out/build
rm -rf "$work"
mkdir -p "$work/mdcr-fix-$version"
# What the package is built from: debian/ and what its files name.
(cd "$top" && cp -r Kbuild Makefile dkms.conf LICENSE README.md module scripts doc debian \
	"$work/mdcr-fix-$version/")
if ! (cd "$work/mdcr-fix-$version" && dpkg-buildpackage -us -uc -b) \
	>"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed, see $out/build.log" >&2
	exit 1
fi
for p in mdcr-fix-dkms mdcr-fix-status; do
	mv -f "$work/${p}_${version}_all.deb" "$out/"
done
rm -rf "$work"
for p in mdcr-fix-dkms mdcr-fix-status; do
	echo "$out/${p}_${version}_all.deb"
done
