#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# layering.sh [DIR] - the module's files call each other in one direction:
# no file calls a function of a file that calls one of its own, directly or
# through others. The policy "may the module write" belongs to the verdict
# (state.c), so host.c and fixup.c do not need each other. The files are
# those of the build users install: noinject.c, not the tests' inject.c
# (Kbuild). Prints TAP.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$top/module}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

files=
for f in "$dir"/*.c; do
	[ "${f##*/}" = inject.c ] || files="$files $f"
done

# Functions each file defines: "name file" (non-static, at column 0).
for f in $files; do
	sed -n 's/^[a-z].*[ *]\(mdcr_fix_[a-z0-9_]*\)(.*/\1/p' "$f" |
		sed "s|\$| $(basename "$f" .c)|"
done | sort -u >"$tmp/defs"

# Calls between files: "caller callee" for each call of another file's function.
for f in $files; do
	me=$(basename "$f" .c)
	grep -o 'mdcr_fix_[a-z0-9_]*(' "$f" | tr -d '(' | sort -u |
		while read -r fn; do
			awk -v fn="$fn" -v me="$me" '$1 == fn && $2 != me { print me, $2 }' "$tmp/defs"
		done
done | sort -u >"$tmp/edges"

# A cycle: tsort says so on stderr.
if tsort "$tmp/edges" >/dev/null 2>"$tmp/err"; then
	echo "ok - layering: no import circle among module/*.c ($(wc -l <"$tmp/edges") calls between files)"
else
	echo "not ok - layering: no import circle among module/*.c"
	sed 's/^/# /' "$tmp/err"
fi
