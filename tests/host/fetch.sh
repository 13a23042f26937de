#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# scripts/fetch-packages.sh on a real Debian host, as TAP lines: its private
# apt state does not see what the host has installed (no "***" in its
# apt-cache policy for a package installed here), it reads the suite's
# -updates suite and the -security suite of the machine's security archive,
# and a package whose candidate comes from -security downloads.
#
# Needs the Debian archive the machine's apt configuration names.
# MDCR_FIX_FETCH runs another fetch-packages.sh (to show these checks fail).
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
fetch=${MDCR_FIX_FETCH:-$top/scripts/fetch-packages.sh}
state=$cache/apt/bookworm

# apt is installed on every Debian host, and in bookworm.
installed=apt
if ! dpkg-query -W -f='${Status}' $installed 2>/dev/null | grep -q ' installed$'; then
	echo "not ok - fetch: $installed is not installed on this host (not Debian?)"
	exit 0
fi
out=$(sh "$fetch" "$cache" bookworm "$installed:amd64" 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -f "$out" ]; then
	echo "ok - fetch: $installed:amd64 from bookworm ($(basename "$out"))"
else
	echo "not ok - fetch: $installed:amd64 from bookworm (exit $rc)"
	echo "$out" | sed 's/^/# /'
	exit 0
fi

policy=$(apt-cache -c "$state/apt.conf" policy "$installed:amd64" 2>&1)
if [ -f "$state/apt.conf" ] && echo "$policy" | grep -q '^  Installed: (none)$' &&
	! echo "$policy" | grep -q '\*\*\*'; then
	echo "ok - fetch: the private state does not see the host's dpkg status ($installed installed here)"
else
	echo "not ok - fetch: the private state does not see the host's dpkg status ($installed installed here)"
	echo "$policy" | head -n 8 | sed 's/^/# /'
fi

grep -q ' bookworm-updates main$' "$state/sources.list"
rc=$?
[ $rc -eq 0 ] && echo "ok - fetch: sources include bookworm-updates" ||
	echo "not ok - fetch: sources include bookworm-updates"

if ! grep -rqs -e '-security' /etc/apt/sources.list /etc/apt/sources.list.d; then
	echo "ok - fetch: bookworm-security # SKIP the machine names no security archive"
	exit 0
fi
grep -q ' bookworm-security main$' "$state/sources.list"
rc=$?
[ $rc -eq 0 ] && echo "ok - fetch: sources include the machine's bookworm-security" ||
	echo "not ok - fetch: sources include the machine's bookworm-security"

# The amd64 kernel headers: on a maintained bookworm the machine's own apt
# takes them from bookworm-security (that is how the harness met this); the
# private state must pick and download that same version.
pkg=linux-headers-amd64:amd64
policy=$(apt-cache policy "$pkg" 2>/dev/null)
cand=$(echo "$policy" | awk '/Candidate:/ { print $2 }')
origin=$(echo "$policy" | awk -v c="$cand" '$1 == "***" { $1 = ""; $0 = $0 } $1 == c { getline; print; exit }')
case $origin in
*-security/*)
	out=$(sh "$fetch" "$cache" bookworm "$pkg" 2>&1)
	rc=$?
	case $rc:$(basename "$out") in
	"0:linux-headers-amd64_${cand#*:}_amd64.deb")
		echo "ok - fetch: $pkg $cand, bookworm-security's, downloads"
		;;
	*)
		echo "not ok - fetch: $pkg $cand, bookworm-security's, downloads (exit $rc)"
		echo "$out" | sed 's/^/# /'
		;;
	esac
	;;
*)
	echo "ok - fetch: a package from bookworm-security downloads # SKIP the machine's $pkg candidate ${cand:-none} is not from -security"
	;;
esac
