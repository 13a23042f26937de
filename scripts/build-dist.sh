#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# build-dist.sh - the release tarball, mdcr-fix-<version>.tar.gz, from this
# checkout into the cache, and print its path. It holds what a host needs
# without git: the module's sources, dkms.conf, the probe script, the status
# tool and its manual page, the modules-load.d entry, the RPM spec (so that
# "rpmbuild -tb" builds from it), LICENSE and README.md; never the tests.
# Reproducible: sorted names, owner root, every mtime the top changelog
# entry's date (SOURCE_DATE_EPOCH overrides it).
#
# Usage: build-dist.sh
set -eu

if [ $# -ne 0 ]; then
	echo "usage: $0" >&2
	exit 64
fi

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
spec=$(sed -n 's/^Version: *//p' "$top/mdcr-fix.spec")
if [ "$version" != "$spec" ]; then
	echo "build-dist: dkms.conf says $version, mdcr-fix.spec $spec: give the spec that Version and a %changelog entry" >&2
	exit 1
fi
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Timestamp 2>/dev/null) ||
		SOURCE_DATE_EPOCH=$(date +%s)
fi

out=$cache/dist
name=mdcr-fix-$version
work=$out/work
rm -rf "$work"
mkdir -p "$work/$name/module" "$work/$name/scripts" "$work/$name/doc" "$work/$name/debian"
cd "$top"
cp Kbuild Makefile dkms.conf LICENSE README.md mdcr-fix.spec mdcr-fix.rpmlintrc "$work/$name/"
for f in module/*.c module/*.h; do
	# The tests' fault injection and the generated header stay out.
	case $f in module/inject.c | module/features.h) continue ;; esac
	cp "$f" "$work/$name/module/"
done
cp scripts/probe-features.sh scripts/mdcr-fix-status "$work/$name/scripts/"
cp doc/mdcr-fix-status.8 "$work/$name/doc/"
cp debian/mdcr-fix.conf "$work/$name/debian/"
chmod -R u+rwX,go+rX,go-w "$work/$name"
tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner \
	--mtime="@$SOURCE_DATE_EPOCH" -cf - "$name" | gzip -9n >"$out/$name.tar.gz.tmp"
mv -f "$out/$name.tar.gz.tmp" "$out/$name.tar.gz"
rm -rf "$work"
echo "$out/$name.tar.gz"
