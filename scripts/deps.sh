#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what the harness, the demo and the module build need on a Debian 12
# (bookworm) machine. Idempotent: installs only what is missing.
set -eu

PKGS="qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
make gcc flex bison bc libssl-dev libelf-dev cpio kmod xz-utils sparse dkms
debhelper dh-dkms lintian rpm rpmlint util-linux
dpkg-dev apt ca-certificates perl python3 file"

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

echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -qq >/dev/null; then
	echo "deps: apt-get update failed: no network to the package registry?" >&2
	exit 1
fi
# shellcheck disable=SC2086
if ! apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
	echo "deps: apt-get install failed for:$missing" >&2
	exit 1
fi
