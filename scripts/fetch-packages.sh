#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fetch-packages.sh - download Debian packages into the cache with a private
# apt state, from the mirror the machine's own apt configuration names.
#
# Usage: fetch-packages.sh CACHEDIR SUITE PKG[:ARCH]...
#
# Prints the path of each downloaded .deb on stdout. The machine's apt state
# and configuration are never touched. SUITE is a Debian suite name
# (bookworm, bullseye); a package may be given as a shell pattern with an
# architecture ("linux-image-6.1.0-*-arm64-unsigned:arm64"), which selects the
# newest matching package name.
set -eu

usage() {
	echo "usage: $0 CACHEDIR SUITE PKG[:ARCH]..." >&2
	exit 2
}

[ $# -ge 3 ] || usage
cache=$1
suite=$2
shift 2

# The Debian mirror the machine already uses: the first deb URI that serves a
# main suite (not -security, not -updates) in deb822 or one-line format.
mirror() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '
			/^[Tt]ypes:/ { deb = ($0 ~ /[[:space:]]deb([[:space:]]|$)/) }
			/^URIs:/ { uri = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i !~ /-/) ok = 1 }
			/^$/ { if (deb && ok && uri ~ /debian\/?$/) { print uri; exit } deb = ok = 0 }
			END { if (deb && ok && uri ~ /debian\/?$/) print uri }
		' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" && $3 !~ /-/ {
			u = $2; if ($2 ~ /^\[/) { u = $3 }
			if (u ~ /debian\/?$/) print u
		}' "$f"
	done
}

uri=$(mirror | head -n 1)
if [ -z "$uri" ]; then
	echo "fetch-packages: no Debian mirror found in /etc/apt/sources.list*" >&2
	exit 1
fi

state=$cache/apt/$suite
mkdir -p "$state/lists/partial" "$state/archives/partial" "$cache/debs"
echo "deb [arch=amd64,arm64] $uri $suite main" >"$state/sources.list"

# apt-get or apt-cache on the private state.
papt() {
	tool=$1
	shift
	"$tool" -q \
		-o Dir::State::Lists="$state/lists" \
		-o Dir::Etc::sourcelist="$state/sources.list" \
		-o Dir::Etc::sourceparts=/nonexistent \
		-o Dir::Cache="$state" \
		-o Dir::Cache::archives="$state/archives" \
		-o APT::Architectures::=amd64 -o APT::Architectures::=arm64 \
		-o Debug::NoLocking=1 -o APT::Sandbox::User=root \
		"$@"
}

# Refresh the package lists at most once a day.
stamp=$state/lists/.stamp
if [ -z "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
	if ! papt apt-get update >"$state/update.log" 2>&1; then
		echo "fetch-packages: apt update of $suite from $uri failed (see $state/update.log)" >&2
		exit 1
	fi
	touch "$stamp"
fi

# Newest package name matching a pattern.
resolve() {
	papt apt-cache pkgnames "$(echo "$1" | sed 's/[][*?].*//')" 2>/dev/null |
		while read -r n; do
			# shellcheck disable=SC2254
			case $n in $1) echo "$n" ;; esac
		done | sort -V | tail -n 1
}

for spec in "$@"; do
	name=${spec%%:*}
	arch=
	case $spec in *:*) arch=${spec#*:} ;; esac
	case $name in
	*[][*?]*)
		pat=$name
		name=$(resolve "$pat")
		if [ -z "$name" ]; then
			echo "fetch-packages: nothing in $suite matches $pat" >&2
			exit 1
		fi
		;;
	esac
	full=$name
	case $arch in '' | all) ;; *) full=$name:$arch ;; esac
	ver=$(papt apt-cache policy "$full" 2>/dev/null | awk '/Candidate:/ { print $2 }')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		echo "fetch-packages: $full not found in $suite" >&2
		exit 1
	fi
	fver=$(echo "$ver" | sed 's/^[0-9]*://')
	glob="${name}_${fver}_*.deb"
	case $arch in '' | all) ;; *) glob="${name}_${fver}_$arch.deb" ;; esac
	deb=$(find "$cache/debs" -maxdepth 1 -name "$glob" | head -n 1)
	if [ -z "$deb" ]; then
		tmp=$(mktemp -d "$cache/debs/.dl.XXXXXX")
		if ! (cd "$tmp" && papt apt-get download "$full=$ver" >/dev/null 2>"$tmp/log"); then
			echo "fetch-packages: download of $full=$ver failed:" >&2
			cat "$tmp/log" >&2
			rm -rf "$tmp"
			exit 1
		fi
		deb=$cache/debs/$(basename "$tmp"/*.deb)
		mv "$tmp"/*.deb "$deb"
		rm -rf "$tmp"
	fi
	echo "$deb"
done
