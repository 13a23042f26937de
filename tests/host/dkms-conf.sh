#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dkms.conf as dkms reads it, as TAP lines: dkms (a bash script) sources the
# file in a subshell with its output thrown away and keeps the variables it
# knows (safe_source in every dkms from 2.x to 3.x); this does the same, so
# that what is checked is what dkms sees, not what grep finds in the text:
#  - NO_WEAK_MODULES is "yes": RHEL's weak-modules never links a build for
#    one kernel into another (dkms up to 3.1 tests it with -z, so "no" would
#    disable them too; 3.2 and later refuse any value but "yes" or "no");
#  - PACKAGE_NAME, PACKAGE_VERSION, the module's name and place, AUTOINSTALL;
#  - BUILD_EXCLUSIVE_ARCH matches aarch64 alone; BUILD_EXCLUSIVE_CONFIG names
#    the options the module needs;
#  - sourcing prints nothing on stderr (dkms would show it).
# README warns about make install and weak-modules on RHEL.
#
# MDCR_FIX_TOP tests another checkout (to show these checks fail on one
# without NO_WEAK_MODULES).
set -u

top=${MDCR_FIX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}

result() {
	if [ "$2" -eq 0 ]; then echo "ok - dkms.conf: $1"; else echo "not ok - dkms.conf: $1"; fi
}

if ! command -v bash >/dev/null; then
	echo "not ok - dkms.conf: bash, to read dkms.conf as dkms does"
	exit 0
fi

# The variables dkms sets before it reads dkms.conf, then the file, in a
# subshell; its stdout goes nowhere, as in dkms. One NAME=VALUE line each.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2016
vars=$(bash -c '
	kernelver=6.1.0-0-test arch=aarch64
	kernel_source_dir=/lib/modules/$kernelver/build dkms_tree=/var/lib/dkms
	source_tree=/usr/src
	( . "$1" >/dev/null
	  for v in PACKAGE_NAME PACKAGE_VERSION AUTOINSTALL NO_WEAK_MODULES \
		BUILD_EXCLUSIVE_ARCH BUILD_EXCLUSIVE_CONFIG BUILD_EXCLUSIVE_KERNEL \
		"BUILT_MODULE_NAME[0]" "DEST_MODULE_LOCATION[0]" "MAKE[0]"; do
		eval "echo \"\$v=\${$v}\""
	  done )
' sh "$top/dkms.conf" 2>"$tmp/err")
rc=$?
err=$(cat "$tmp/err")
[ $rc -eq 0 ] && [ -z "$err" ]
result "bash sources it as dkms does, silently" $?
[ -z "$err" ] || printf '%s\n' "$err" | sed 's/^/# /'

get() {
	printf '%s\n' "$vars" | sed -n "s/^$1=//p"
}

[ "$(get NO_WEAK_MODULES)" = yes ]
result "NO_WEAK_MODULES=yes (weak-modules never links it into another kernel): '$(get NO_WEAK_MODULES)'" $?

[ "$(get PACKAGE_NAME)" = mdcr-fix ] && [ -n "$(get PACKAGE_VERSION)" ] &&
	[ "$(get 'BUILT_MODULE_NAME\[0\]')" = mdcr_fix ] &&
	[ "$(get 'DEST_MODULE_LOCATION\[0\]')" = /updates/dkms ] &&
	[ "$(get AUTOINSTALL)" = yes ]
result "mdcr-fix $(get PACKAGE_VERSION): mdcr_fix in /updates/dkms, AUTOINSTALL=yes" $?

[ "$(get 'MAKE\[0\]')" = "make -C /lib/modules/6.1.0-0-test/build M=/var/lib/dkms/mdcr-fix/$(get PACKAGE_VERSION)/build modules" ]
result "MAKE[0] builds against the target kernel's tree: $(get 'MAKE\[0\]')" $?

# dkms matches BUILD_EXCLUSIVE_ARCH with [[ $arch =~ $re ]]: bash's.
# shellcheck disable=SC2016
arch=$(for a in aarch64 x86_64 aarch64_be arm64 ppc64le; do
	bash -c '[[ $1 =~ $2 ]]' sh "$a" "$(get BUILD_EXCLUSIVE_ARCH)" && printf '%s ' "$a"
done)
[ "$arch" = "aarch64 " ]
result "BUILD_EXCLUSIVE_ARCH '$(get BUILD_EXCLUSIVE_ARCH)' matches aarch64 alone (matched: ${arch:-none})" $?
[ "$(get BUILD_EXCLUSIVE_CONFIG)" = "CONFIG_KVM CONFIG_KPROBES CONFIG_KRETPROBES" ] &&
	[ -z "$(get BUILD_EXCLUSIVE_KERNEL)" ]
result "BUILD_EXCLUSIVE_CONFIG: $(get BUILD_EXCLUSIVE_CONFIG); no kernel version check" $?

# README: make install is not weak-linked by dkms, but weak-modules still
# finds a module in /lib/modules/*/extra on RHEL.
awk '/^## Install/,/^## Kernels/' "$top/README.md" | tr '\n' ' ' |
	grep -q 'weak-modules.*extra\|extra.*weak-modules'
result "README's install section warns that weak-modules picks up make install's extra/" $?
