#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host-side checks, as TAP: kernel style (checkpatch --strict) and sparse
# (make C=2) on module/, against the unpatched 5.10 test kernel.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
cross=${CROSS_COMPILE:-aarch64-linux-gnu-}

echo "TAP version 13"
kdir=$("$top/scripts/build-kernel.sh" unpatched-5.10) || {
	echo "not ok - unpatched-5.10 kernel for the host checks"
	exit 0
}
src=$(readlink -f "$kdir/source")

out=$(perl "$src/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f $(ls "$top"/module/*.[ch] | grep -v features.h) 2>&1 |
	grep -v '^total:\|^$\|has no obvious style problems\|^NOTE:')
if [ -z "$out" ]; then
	echo "ok - checkpatch --strict clean on module/"
else
	echo "not ok - checkpatch --strict clean on module/"
	echo "$out" | sed 's/^/# /'
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$top/Kbuild" "$top/dkms.conf" "$top/module" "$top/scripts" "$tmp/"
rm -f "$tmp/module/features.h"
make -C "$kdir" M="$tmp" ARCH=arm64 CROSS_COMPILE="$cross" C=2 \
	CHECK="sparse" modules >"$tmp/sparse.log" 2>&1
rc=$?
warn=$(grep -E 'warning:|error:' "$tmp/sparse.log" | sed "s|$tmp/||")
if [ $rc -eq 0 ] && [ -z "$warn" ]; then
	echo "ok - sparse (make C=2) clean on module/"
else
	echo "not ok - sparse (make C=2) clean on module/ (make exit $rc)"
	echo "$warn" | sed 's/^/# /'
fi

# The boot checks must be able to fail: tests/scan-log.sh on made-up logs.
# scan NAME WANT LOG-LINES...: WANT is the ok/not ok column it must print.
scan() {
	name=$1
	want=$2
	shift 2
	printf '%s\n' "$@" >"$tmp/$name.log"
	got=$(sh "$top/tests/scan-log.sh" "$tmp/$name.log" | sed -n 's/^\(ok\|not ok\) - .*/\1/p' |
		tr '\n' ,)
	if [ "$got" = "$want" ]; then
		echo "ok - scan-log: $name"
	else
		echo "not ok - scan-log: $name (got $got, want $want)"
	fi
}
tap="TAP version 13|ok 1 - a WARNING: in a TAP line is the scenario's|1..1|# mdcr-fix: end"
IFS='|'
scan clean "ok,ok,ok,ok," $tap "kmsg: [    1.0] kvm [1]: VHE mode initialized successfully" \
	"mdcr-fix-tainted: 12288"
scan "WARN below the console level, in dmesg" "ok,ok,not ok,not ok," $tap \
	"kmsg: [    2.0] WARNING: CPU: 1 PID: 9 at arch/arm64/kvm/x.c:1 f+0x0/0x4" \
	"mdcr-fix-tainted: 4608"
scan "lockdep report" "ok,ok,not ok,ok," $tap \
	"kmsg: [    2.0] WARNING: possible circular locking dependency detected" \
	"mdcr-fix-tainted: 0"
scan "taint W with its text lost" "ok,ok,ok,not ok," $tap "mdcr-fix-tainted: 512"
scan "KASAN report on the console" "ok,ok,not ok,not ok," $tap \
	"[    3.0] BUG: KASAN: use-after-free in f+0x0/0x4" "mdcr-fix-tainted: 32"
scan "no end, short plan, no taint line" "not ok,not ok,ok,not ok," \
	"TAP version 13" "ok 1 - one" "1..2"
unset IFS

# Built for a non-arm64 kernel, the module stops with one clear line.
hdr=$("$top/scripts/fetch-packages.sh" "$cache" bookworm \
	'linux-headers-6.1.0-[0-9]*[0-9]-amd64:amd64') || hdr=
if [ -n "$hdr" ]; then
	abi=$(basename "$hdr" | sed 's/^linux-headers-\(.*\)-amd64_.*/\1/')
	debs=$("$top/scripts/fetch-packages.sh" "$cache" bookworm \
		"linux-headers-$abi-common" linux-kbuild-6.1:amd64)
	x86=$tmp/x86
	mkdir -p "$x86"
	for d in $hdr $debs; do dpkg-deb -x "$d" "$x86"; done
	for f in $(grep -rl "/usr/src/\|/usr/lib/linux-kbuild-" "$x86/usr/src/linux-headers-$abi-amd64" \
			--include=Makefile 2>/dev/null); do
		sed -i "s|/usr/src/|$x86/usr/src/|g; s|/usr/lib/linux-kbuild-|$x86/usr/lib/linux-kbuild-|g" "$f"
	done
	cp -r "$top/Kbuild" "$top/dkms.conf" "$top/module" "$top/scripts" "$x86/"
	out=$(make -C "$x86/usr/src/linux-headers-$abi-amd64" M="$x86" CC=gcc modules 2>&1)
	rc=$?
	n=$(echo "$out" | grep -c 'mdcr_fix: arm64 only')
	if [ $rc -ne 0 ] && [ "$n" -eq 1 ]; then
		echo "ok - x86_64 headers: build stops with one clear line"
	else
		echo "not ok - x86_64 headers: build stops with one clear line (exit $rc)"
	fi
	echo "$out" | grep 'mdcr_fix' | sed 's/^/# /'
else
	echo "not ok - x86_64 headers for the wrong-architecture build"
fi

# The module's files in layers, the status tool on made-up inputs, dkms.conf
# as dkms reads it, the package and the DKMS targets, make dist and make
# rpm, deps.sh waiting for the dpkg lock, fetch-packages.sh's private apt
# state, and two harness runs at once.
for t in layering status dkms-conf package rpm deps fetch concurrent; do
	sh "$top/tests/host/$t.sh"
done
# One version everywhere, and none released twice (tests/dkms/releases).
sh "$top/tests/dkms/version.sh"
