#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what the harness, the demo and the module build need on a Debian 12
# (bookworm) machine. Idempotent: installs only what is missing. Waits for
# another apt or dpkg to finish first (a fresh cloud VM runs
# unattended-upgrades at boot), up to MDCR_FIX_APT_WAIT seconds (600).
#
# Tests override the list (MDCR_FIX_DEPS_PKGS), apt-get (MDCR_FIX_APT_GET)
# and the lock files (MDCR_FIX_APT_LOCKS).
set -eu

PKGS=${MDCR_FIX_DEPS_PKGS:-"qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
make gcc flex bison bc libssl-dev libelf-dev cpio kmod xz-utils sparse dkms
debhelper dh-dkms lintian rpm rpm2cpio rpmlint util-linux
dpkg-dev apt ca-certificates perl python3 file"}
APT_GET=${MDCR_FIX_APT_GET:-apt-get}

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing; run as root or install them with apt-get" >&2
	exit 1
fi

# The locks apt and dpkg hold (fcntl locks, which lslocks lists): apt-get
# update would fail at once on the lists lock, whatever its
# DPkg::Lock::Timeout says.
LOCKS=${MDCR_FIX_APT_LOCKS:-/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock
/var/lib/apt/lists/lock /var/cache/apt/archives/lock}
apt_holder() {
	lslocks -n -o PID,PATH 2>/dev/null | awk -v locks="$LOCKS" '
		BEGIN { n = split(locks, l); for (i = 1; i <= n; i++) held[l[i]] = 1 }
		$2 in held { print $1; exit }'
}
limit=${MDCR_FIX_APT_WAIT:-600}
waited=0
while pid=$(apt_holder) && [ -n "$pid" ]; do
	if [ "$waited" -ge "$limit" ]; then
		echo "deps: apt or dpkg still busy after $limit s (pid $pid); try again later" >&2
		exit 1
	fi
	[ "$waited" -gt 0 ] ||
		echo "deps: waiting for another apt or dpkg to finish (pid $pid: $(cat "/proc/$pid/comm" 2>/dev/null); unattended-upgrades at boot?)" >&2
	sleep 2
	waited=$((waited + 2))
done

echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
if ! $APT_GET update -qq >/dev/null; then
	echo "deps: apt-get update failed: no network to the package registry?" >&2
	exit 1
fi
# shellcheck disable=SC2086
if ! $APT_GET install -y -qq -o DPkg::Lock::Timeout="$limit" --no-install-recommends $missing >/dev/null; then
	echo "deps: apt-get install failed for:$missing" >&2
	exit 1
fi
