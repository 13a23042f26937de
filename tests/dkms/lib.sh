# SPDX-License-Identifier: GPL-2.0
#
# Shared by the tests/dkms scripts (sourced; needs $top and $cache).

log() { echo "[dkms] $*" >&2; }

# Install the host tools these tests need (Debian package names), as root.
need_packages() {
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	log "installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || return 1
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Run arm64 binaries through qemu-user-static: mount binfmt_misc and register
# the interpreter with the F flag (opened now, so it works inside chroots).
binfmt_arm64() {
	bm=/proc/sys/fs/binfmt_misc
	[ -e $bm/register ] || mount -t binfmt_misc binfmt_misc $bm || return 1
	[ -e $bm/qemu-aarch64 ] && return 0
	conf=/usr/lib/binfmt.d/qemu-aarch64.conf
	[ -r $conf ] || { log "no $conf: install qemu-user-static"; return 1; }
	grep -v '^#' $conf >$bm/register
}

# apt-cache on the private apt state scripts/fetch-packages.sh keeps.
papt_cache() {
	st=$cache/apt/$1
	shift
	apt-cache -q -o Dir::State::Lists="$st/lists" \
		-o Dir::Etc::sourcelist="$st/sources.list" \
		-o Dir::Etc::sourceparts=/nonexistent -o Dir::Cache="$st" \
		-o APT::Architectures::=amd64 -o APT::Architectures::=arm64 \
		"$@" 2>/dev/null
}

# Stock bookworm arm64 kernel ABIs the mirror serves, newest first
# ("6.1.0-50" ...).
bookworm_abis() {
	papt_cache bookworm pkgnames linux-headers-6.1.0- |
		sed -n 's/^linux-headers-\(6\.1\.0-[0-9]*\)-arm64$/\1/p' | sort -rV
}

# Bind the kernel file systems into a chroot for the duration of a command.
in_chroot() {
	r=$1
	shift
	mount -t proc proc "$r/proc"
	mount --rbind /dev "$r/dev"
	mount --make-rslave "$r/dev"
	mount -t sysfs sysfs "$r/sys"
	rc=0
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive chroot "$r" "$@" || rc=$?
	umount "$r/sys"
	umount -R "$r/dev"
	umount "$r/proc"
	return $rc
}
