#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fetch-packages.sh - download Debian packages into the cache with a private
# apt state, from the mirror the machine's own apt configuration names.
#
# Usage: fetch-packages.sh CACHEDIR SUITE PKG[:ARCH]...
#
# Prints the path of each downloaded .deb on stdout. The machine's apt state
# is never touched nor read (the private state has its own, empty, dpkg
# status: what is installed here decides nothing). SUITE is a Debian suite
# name (bookworm, bullseye, sid), read with its -updates and -security suites
# where they exist; a package may be given as a shell pattern with an
# architecture ("linux-image-6.1.0-*-arm64-unsigned:arm64"), which selects the
# newest matching package name.
#
# "apt-cache -c CACHEDIR/apt/SUITE/apt.conf policy PKG" shows what it sees.
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

# The Debian security archive the machine already uses: the first deb URI
# that serves a -security suite (SUITE/updates before bullseye).
security() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '
			/^[Tt]ypes:/ { deb = ($0 ~ /[[:space:]]deb([[:space:]]|$)/) }
			/^URIs:/ { uri = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i ~ /-security$|\/updates$/) ok = 1 }
			/^$/ { if (deb && ok) { print uri; exit } deb = ok = 0 }
			END { if (deb && ok) print uri }
		' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" {
			u = $2; s = $3; if ($2 ~ /^\[/) { u = $3; s = $4 }
			if (s ~ /-security$|\/updates$/) print u
		}' "$f"
	done
}

uri=$(mirror | head -n 1)
if [ -z "$uri" ]; then
	echo "fetch-packages: no Debian mirror found in /etc/apt/sources.list*" >&2
	exit 1
fi
securi=$(security | head -n 1)

state=$cache/apt/$suite
mkdir -p "$state/lists/partial" "$state/archives/partial" "$state/empty.d" "$cache/debs"
# One run at a time per suite: two harness runs share the private state.
exec 7>"$state.lock"
flock 7

# The suite and, for a stable one (no dash, not sid), its -updates suite and
# its -security suite where the machine names a security archive (else none).
# The first line stays the main mirror's.
{
	echo "deb [arch=amd64,arm64] $uri $suite main"
	case $suite in
	*-* | sid | unstable | experimental) ;;
	*)
		echo "deb [arch=amd64,arm64] $uri $suite-updates main"
		case $suite in
		jessie | stretch | buster) sec=$suite/updates ;;
		*) sec=$suite-security ;;
		esac
		[ -z "$securi" ] || echo "deb [arch=amd64,arm64] $securi $sec main"
		;;
	esac
} >"$state/sources.list.$$"

# The private state's settings, read after the machine's (apt -c): its own
# lists, caches and sources, no pinning, and an empty dpkg status, so that
# what is installed here never decides a name or a version. The machine's
# apt.conf.d (proxies) and keys still apply.
[ -f "$state/status" ] || : >"$state/status"
cat >"$state/apt.conf.$$" <<EOF
Dir::State::Lists "$state/lists";
Dir::State::status "$state/status";
Dir::State::extended_states "$state/extended_states";
Dir::Etc::sourcelist "$state/sources.list";
Dir::Etc::sourceparts "$state/empty.d";
Dir::Etc::preferences "$state/empty.d/none";
Dir::Etc::preferencesparts "$state/empty.d";
Dir::Cache "$state";
Dir::Cache::archives "$state/archives";
#clear APT::Architectures;
APT::Architectures { "amd64"; "arm64"; };
Debug::NoLocking "1";
APT::Sandbox::User "root";
EOF
mv -f "$state/apt.conf.$$" "$state/apt.conf"

# Refresh the package lists at most once a day, and when the sources change.
stamp=$state/lists/.stamp
if cmp -s "$state/sources.list.$$" "$state/sources.list"; then
	rm -f "$state/sources.list.$$"
else
	mv -f "$state/sources.list.$$" "$state/sources.list"
	rm -f "$stamp"
fi

# apt-get or apt-cache on the private state.
papt() {
	tool=$1
	shift
	"$tool" -q -c "$state/apt.conf" "$@"
}

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
