#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench: the module's cost on KVM_RUN, on unpatched-5.10 under QEMU.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
sh "$top/scripts/deps.sh"
# A work directory of its own, one bench at a time: make check may be running.
export MDCR_FIX_WORK=$cache/work/bench
mkdir -p "$MDCR_FIX_WORK"
exec 9>"$MDCR_FIX_WORK.lock"
flock 9
dir=$(sh "$top/tests/prepare.sh" unpatched-5.10)
out=$(sh "$top/tests/boot.sh" "$dir" bench max)
echo "$out"
pass=$(echo "$out" | grep -c '^ok')
fail=$(echo "$out" | grep -c '^not ok' || true)
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
