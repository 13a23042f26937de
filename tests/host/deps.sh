#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# scripts/deps.sh while another apt or dpkg holds its lock (a fresh cloud
# VM runs unattended-upgrades at boot), as TAP lines: it waits, says so on
# stderr and naming the holder, then runs apt-get; past MDCR_FIX_APT_WAIT it
# gives up with one line and runs nothing. apt-get is a stand-in that
# records when it ran, the lock a private file held by another process
# (fcntl, as apt's), and the package list a name that is never installed:
# nothing is installed and the host's real apt locks are never taken.
#
# Needs python3 (to hold an fcntl lock) and lslocks (util-linux).
# MDCR_FIX_TOP tests another checkout.
set -u

top=${MDCR_FIX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

result() {
	if [ "$2" -eq 0 ]; then echo "ok - deps: $1"; else echo "not ok - deps: $1"; fi
}
if [ "$(id -u)" -ne 0 ] || ! command -v python3 >/dev/null || ! command -v lslocks >/dev/null; then
	echo "ok - deps: waits for the dpkg lock # SKIP needs root, python3 and lslocks"
	exit 0
fi

cat >"$tmp/apt-get" <<EOF
#!/bin/sh
echo "\$(date +%s) \$1" >>"$tmp/apt.log"
EOF
chmod +x "$tmp/apt-get"
lock=$tmp/lock-frontend
: >"$lock"
# hold SECONDS: another process holds the lock for that long.
hold() {
	python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[1] + ".held", "w").close()
time.sleep(float(sys.argv[2]))' "$lock" "$1" &
	holder=$!
	while [ ! -e "$lock.held" ]; do sleep 0.1; done
}
deps() {
	rm -f "$tmp/apt.log"
	MDCR_FIX_DEPS_PKGS=mdcr-fix-never-installed MDCR_FIX_APT_GET=$tmp/apt-get \
		MDCR_FIX_APT_LOCKS="$lock" sh "$top/scripts/deps.sh" >"$tmp/out" 2>"$tmp/err"
}

hold 4
t0=$(date +%s)
deps
rc=$?
wait "$holder"
first=$(sed -n '1s/ .*//p' "$tmp/apt.log" 2>/dev/null)
[ $rc -eq 0 ] && [ -n "$first" ] && [ $((first - t0)) -ge 3 ] &&
	grep -q "^deps: waiting for another apt or dpkg to finish (pid $holder: python3" "$tmp/err" &&
	[ "$(cut -d' ' -f2 "$tmp/apt.log" | tr '\n' ' ')" = "update install " ]
result "lock held 4 s: waits, names the holder, then apt-get update and install (after $((${first:-$t0} - t0)) s)" $?
sed 's/^/# /' "$tmp/err"

rm -f "$lock.held"
hold 8
MDCR_FIX_APT_WAIT=2 deps
rc=$?
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
[ $rc -eq 1 ] && [ ! -e "$tmp/apt.log" ] && grep -q "still busy after 2 s" "$tmp/err"
result "lock held past MDCR_FIX_APT_WAIT: gives up with one line, runs no apt-get" $?
sed 's/^/# /' "$tmp/err"

rm -f "$lock.held"
deps
rc=$?
[ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && [ -f "$tmp/apt.log" ] && [ "$(wc -l <"$tmp/apt.log")" -eq 2 ]
result "lock free: apt-get at once, nothing on stderr" $?
