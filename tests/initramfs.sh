#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# initramfs.sh ROOT OUT - make the harness's initramfs: ROOT holds what the
# caller boots with (bin/vmm, lib/mdcr_fix.ko, scenarios/...); this adds
# busybox (arm64, from Debian), the guest's /init and TAP library, and the
# base files, then packs ROOT into OUT (gzip'd cpio).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
r=${1:?usage: $0 ROOT OUT}
out=${2:?usage: $0 ROOT OUT}

bb=$cache/busybox
if [ ! -x "$bb/bin/busybox" ]; then
	deb=$("$top/scripts/fetch-packages.sh" "$cache" bookworm busybox-static:arm64)
	rm -rf "$bb"
	dpkg-deb -x "$deb" "$bb"
fi

mkdir -p "$r/bin" "$r/lib" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/scenarios" "$r/etc"
cp "$bb/bin/busybox" "$r/bin/busybox"
ln -sf busybox "$r/bin/sh"
cp "$top/tests/guest/lib.sh" "$r/lib/tap.sh"
cp "$top/tests/splat.ere" "$r/lib/splat.ere"
cp "$top/tests/guest/init" "$r/init"
chmod +x "$r/init"
echo "root:x:0:0:root:/:/bin/sh" >"$r/etc/passwd"
echo "nobody:x:65534:65534:nobody:/:/bin/sh" >>"$r/etc/passwd"
echo "root:x:0:" >"$r/etc/group"
echo "nogroup:x:65534:" >>"$r/etc/group"
(cd "$r" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$out"
