#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench: the module's cost on KVM_RUN, on unpatched-5.10 under QEMU.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/scripts/deps.sh"
dir=$(sh "$top/tests/prepare.sh" unpatched-5.10)
out=$(sh "$top/tests/boot.sh" "$dir" bench max)
echo "$out"
pass=$(echo "$out" | grep -c '^ok')
fail=$(echo "$out" | grep -c '^not ok' || true)
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
