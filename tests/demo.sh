#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make demo [KERNEL=unpatched-5.10|debian-5.10|debian-6.1]
# Boot an arm64 kernel under QEMU (VHE, at EL2) and show the MDCR_EL2 bug and
# what mdcr_fix changes. Needs root for apt-get on a fresh machine.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
kernel=${1:-unpatched-5.10}
# A work directory of its own, one demo at a time: make check may be running.
export MDCR_FIX_WORK=$cache/work/demo
mkdir -p "$MDCR_FIX_WORK"
exec 9>"$MDCR_FIX_WORK.lock"
flock 9
t0=$(date +%s)

step() {
	printf '[%4ss] %s\n' "$(($(date +%s) - t0))" "$*"
}

die() {
	echo "demo: $*" >&2
	exit 1
}

case $kernel in
unpatched-5.10) expect=bug ;;
debian-5.10 | debian-6.1) expect=fixed ;;
*) die "unknown KERNEL '$kernel' (unpatched-5.10, debian-5.10, debian-6.1)" ;;
esac

step "checking tools (qemu-system-aarch64, aarch64 cross compiler)"
sh "$top/scripts/deps.sh" >/dev/null || die "missing tools: run 'sudo make deps' (needs apt-get and the package registry)"
qv=$(qemu-system-aarch64 --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
[ "${qv:-0}" -ge 6 ] || die "qemu-system-aarch64 $qv is too old (need 6 or later for virtualization=on with -cpu max)"

step "preparing $kernel (cached after the first run; a kernel build takes about 2 minutes)"
log=$(mktemp)
dir=$(sh "$top/tests/prepare.sh" "$kernel" 2>"$log") || {
	tail -n 5 "$log" >&2
	die "could not prepare $kernel (full log: $log)"
}
rm -f "$log"

step "booting $kernel under qemu-system-aarch64 -M virt,virtualization=on -cpu max (VHE)"
out=$(sh "$top/tests/boot.sh" "$dir" demo max "$expect")
echo "$out" | sed -n 's/^# DEMO: \{0,1\}/    /p'
echo
pass=$(echo "$out" | grep -c '^ok')
fail=$(echo "$out" | grep -c '^not ok')
step "done: $pass checks passed, $fail failed; full console log: $dir/demo-$expect-max.log"
if [ "$fail" -ne 0 ]; then
	echo "$out" | grep '^not ok'
	exit 1
fi
if [ "$expect" = bug ]; then
	echo "Summary: on $kernel without the module the first vcpu_load wrote MDCR_EL2=0 and left"
	echo "CPU 1 with HPMN=0, where host perf event counters stopped; with mdcr_fix CPU 1 was"
	echo "repaired, every first load got the kernel's own value, and HPMN and the counters stayed."
else
	echo "Summary: $kernel already computes MDCR_EL2 before the first load; mdcr_fix stays passive."
fi
