#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make dist and make rpm (mdcr-fix.spec), host side, as TAP lines:
#  - make rpm without rpmbuild says which package brings it, first;
#  - make dist's tarball: exactly the release files, never the tests;
#  - the RPMs built from it with "rpmbuild -ta" (make rpm): noarch
#    mdcr-fix-dkms and mdcr-fix-status, their files and dependencies, the
#    version dkms.conf's; rpmlint clean (EL8's settings,
#    tests/host/rpmlint.toml; each filter in mdcr-fix.rpmlintrc says why);
#  - mdcr-fix-dkms's %post and %preun as rpm runs them, against a private
#    DKMS tree (the package's files unpacked in a private root; dkms in a
#    mount namespace of its own with a private /etc/dkms and /var/lib/dkms,
#    so that no key or state lands on this host) with stand-ins for uname,
#    modprobe and mdcr-fix-status: a skipped, failed or header-less build
#    never fails the transaction; a build for the running kernel is loaded;
#    erase and upgrade leave DKMS as they should;
#  - the Ubuntu 20.04 / buster path: make dkms-install and make dkms-remove
#    from the unpacked tarball, against the same private DKMS.
#
# Needs rpm (rpmbuild), rpm2cpio and rpmlint; the scriptlets need root,
# dkms, cpio and unshare. MDCR_FIX_TOP tests another checkout.
set -u

top=${MDCR_FIX_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")

result() {
	if [ "$2" -eq 0 ]; then echo "ok - rpm: $1"; else echo "not ok - rpm: $1"; fi
}
diag() {
	[ -z "$1" ] || printf '%s\n' "$1" | sed 's/^/# /'
}

# 1. make rpm on a host without rpmbuild: one clear line before any use.
bin=$tmp/bin
mkdir -p "$bin"
for t in sh sed dirname cat mkdir rm cp mv tail pwd make; do
	p=$(command -v "$t") && ln -s "$p" "$bin/$t"
done
out=$(cd "$top" && PATH=$bin MDCR_FIX_CACHE=$tmp/nocache make -s rpm 2>&1)
rc=$?
case $rc:$out in
*"build-rpm: missing rpmbuild (apt-get install rpm, or dnf install rpm-build)"*) bad=0 ;;
*) bad=1 ;;
esac
[ $rc -ne 0 ] && [ ! -e "$tmp/nocache" ] || bad=1
result "make rpm without rpmbuild names the package, builds nothing" $bad
diag "$out"

# 2. make dist.
tarball=$(cd "$top" && MDCR_FIX_CACHE=$tmp/cache make -s dist 2>"$tmp/dist.err")
[ -f "$tarball" ] && [ "$(basename "$tarball")" = "mdcr-fix-$version.tar.gz" ]
result "make dist builds mdcr-fix-$version.tar.gz" $?
if [ -f "$tarball" ]; then
	got=$(tar -tzvf "$tarball" | awk '$1 !~ /^d/ { print $1, $2, $6 }' | sort -k 3)
	d=mdcr-fix-$version
	want=$({
		for f in Kbuild Makefile dkms.conf LICENSE README.md mdcr-fix.spec mdcr-fix.rpmlintrc \
			doc/mdcr-fix-status.8 debian/mdcr-fix.conf; do
			echo "-rw-r--r-- 0/0 $d/$f"
		done
		echo "-rwxr-xr-x 0/0 $d/scripts/probe-features.sh"
		echo "-rwxr-xr-x 0/0 $d/scripts/mdcr-fix-status"
		(cd "$top" && ls module/*.c module/*.h) | grep -v -x 'module/features.h\|module/inject.c' |
			sed "s|^|-rw-r--r-- 0/0 $d/|"
	} | sort -k 3)
	[ "$got" = "$want" ]
	result "tarball: module sources (no inject.c, no features.h), dkms.conf, probe script, status tool, man page, spec, LICENSE, README; no tests; owner 0/0" $?
	[ "$got" = "$want" ] || diag "$(printf '%s\n' "$want" >"$tmp/w"; printf '%s\n' "$got" >"$tmp/g"
		diff -u "$tmp/w" "$tmp/g" | tail -n +3)"
	t2=$(cd "$top" && MDCR_FIX_CACHE=$tmp/cache2 make -s dist 2>/dev/null)
	cmp -s "$tarball" "$t2"
	result "make dist is reproducible (same bytes twice)" $?
else
	diag "$(cat "$tmp/dist.err")"
fi

# 3. make rpm: rpmbuild -ta on that tarball.
missing=
for tp in rpmbuild:rpm rpm2cpio:rpm2cpio rpmlint:rpmlint; do
	command -v "${tp%%:*}" >/dev/null 2>&1 ||
		case " $missing " in *" ${tp#*:} "*) ;; *) missing="$missing ${tp#*:}" ;; esac
done
dkms_rpm="" status_rpm=""
if [ -n "$missing" ]; then
	echo "not ok - rpm: make rpm and rpmlint (missing:$missing; apt-get install$missing)"
else
	rpms=$(cd "$top" && MDCR_FIX_CACHE=$tmp/cache make -s rpm 2>"$tmp/rpm.err")
	rc=$?
	dkms_rpm=$(printf '%s\n' "$rpms" | grep "/mdcr-fix-dkms-$version-1\.noarch\.rpm$")
	status_rpm=$(printf '%s\n' "$rpms" | grep "/mdcr-fix-status-$version-1\.noarch\.rpm$")
	srpm=$(printf '%s\n' "$rpms" | grep "/mdcr-fix-$version-1\.src\.rpm$")
	[ $rc -eq 0 ] && [ -f "$dkms_rpm" ] && [ -f "$status_rpm" ] && [ -f "$srpm" ] &&
		[ "$(printf '%s\n' "$rpms" | wc -l)" -eq 3 ]
	result "make rpm (rpmbuild -ta on make dist's tarball): mdcr-fix-dkms, mdcr-fix-status noarch, source RPM" $?
	diag "$rpms"
	[ $rc -eq 0 ] || diag "$(cat "$tmp/rpm.err")"
fi
if [ -f "$dkms_rpm" ] && [ -f "$status_rpm" ]; then
	lint=$(rpmlint -c "$top/tests/host/rpmlint.toml" -r "$top/mdcr-fix.rpmlintrc" \
		"$dkms_rpm" "$status_rpm" "$srpm" "$top/mdcr-fix.spec" 2>&1)
	echo "$lint" | grep -q ' 0 errors, 0 warnings, 0 badness'
	result "rpmlint: no error, no warning (filters justified in mdcr-fix.rpmlintrc)" $?
	diag "$(echo "$lint" | grep ': [EW]: \|checked;')"

	files() { # RPM: mode and path of each file
		rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$1" | grep -v '^d' | sort -k 2
	}
	src=/usr/src/mdcr-fix-$version
	want=$({
		for f in Kbuild Makefile dkms.conf LICENSE; do echo "-rw-r--r-- $src/$f"; done
		echo "-rwxr-xr-x $src/scripts/probe-features.sh"
		(cd "$top" && ls module/*.c module/*.h) | grep -v -x 'module/features.h\|module/inject.c' |
			sed "s|^|-rw-r--r-- $src/|"
		echo "-rw-r--r-- /usr/lib/modules-load.d/mdcr-fix.conf"
		echo "-rw-r--r-- /usr/share/doc/mdcr-fix-dkms-$version/README.md"
		echo "-rw-r--r-- /usr/share/licenses/mdcr-fix-dkms-$version/LICENSE"
	} | sort -k 2)
	got=$(files "$dkms_rpm")
	[ "$got" = "$want" ]
	result "mdcr-fix-dkms: module sources under $src (no tests, no inject.c, no features.h), modules-load.d entry, README" $?
	[ "$got" = "$want" ] || diag "$got"
	want=$(printf '%s\n' "-rwxr-xr-x /usr/sbin/mdcr-fix-status" \
		"-rw-r--r-- /usr/share/doc/mdcr-fix-status-$version/README.md" \
		"-rw-r--r-- /usr/share/licenses/mdcr-fix-status-$version/LICENSE" \
		"-rw-r--r-- /usr/share/man/man8/mdcr-fix-status.8.gz" | sort -k 2)
	got=$(files "$status_rpm")
	[ "$got" = "$want" ]
	result "mdcr-fix-status: the status tool, its manual page and README, nothing else" $?
	[ "$got" = "$want" ] || diag "$got"
	mkdir -p "$tmp/st"
	(cd "$tmp/st" && rpm2cpio "$status_rpm" | cpio -idm --quiet)
	cmp -s "$tmp/st/usr/sbin/mdcr-fix-status" "$top/scripts/mdcr-fix-status" &&
		gzip -dc "$tmp/st/usr/share/man/man8/mdcr-fix-status.8.gz" | cmp -s - "$top/doc/mdcr-fix-status.8"
	result "status tool and man page are the checkout's" $?

	req=$(rpm -qp --requires "$dkms_rpm" | grep -v '^rpmlib(' | sort -u | tr '\n' ',')
	[ "$req" = "/bin/sh,dkms,kmod,mdcr-fix-status = $version-1," ]
	result "mdcr-fix-dkms requires dkms, kmod and mdcr-fix-status of its build: $req" $?
	req=$(rpm -qp --requires "$status_rpm" | grep -v '^rpmlib(' | sort -u | tr '\n' ',')
	[ "$req" = "/bin/sh," ]
	result "mdcr-fix-status requires no dkms, no kernel: $req" $?
	[ "$(rpm -qp --qf '%{ARCH} %{VERSION}' "$dkms_rpm")" = "noarch $version" ] &&
		[ "$(rpm -qp --qf '%{ARCH} %{VERSION}' "$status_rpm")" = "noarch $version" ]
	result "both noarch, version $version (dkms.conf's)" $?
fi

# 4. The scriptlets, as rpm runs them (sh -c BODY NAME ARG), against a
# private root with the package's files and a private DKMS.
if [ ! -f "$dkms_rpm" ]; then
	echo "not ok - rpm: %post and %preun (no mdcr-fix-dkms RPM)"
	exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v dkms >/dev/null || ! command -v unshare >/dev/null ||
	! command -v cpio >/dev/null; then
	echo "ok - rpm: %post and %preun against a private DKMS # SKIP needs root, dkms, unshare, cpio"
	exit 0
fi
t=$tmp/dkms
mkdir -p "$t/root" "$t/var" "$t/etc" "$t/tmp" "$t/k" "$t/stub"
(cd "$t/root" && rpm2cpio "$dkms_rpm" | cpio -idm --quiet)
rpm -qp --qf '%{POSTIN}' "$dkms_rpm" >"$t/post"
rpm -qp --qf '%{PREUN}' "$dkms_rpm" >"$t/preun"
# A kernel tree DKMS accepts whose .config lacks CONFIG_KVM: skipped (77).
mkdir -p "$t/k/include"
printf 'CONFIG_KPROBES=y\nCONFIG_KRETPROBES=y\n' >"$t/k/.config"
real=$(command -v dkms)
# dkms: the real one in a mount namespace of its own, where /etc/dkms and
# /var/lib/dkms are private directories; build and install per $BUILD:
# real (headers from $t/k, or none), or a stand-in exit status.
cat >"$t/stub/dkms" <<EOF
#!/bin/sh
echo "dkms \$*" >>"$t/dkms.log"
case \$1:\${BUILD:-real} in
build:real | install:real) ;;
build:nohdr | install:nohdr) ;;
build:*) echo "dkms \$1: stand-in" ; exit "\$BUILD" ;;
install:*) echo "dkms \$1: stand-in" ; exit "\${INSTALL:-\$BUILD}" ;;
esac
k=
[ "\$1:\${BUILD:-real}" != build:real ] || k="--kernelsourcedir $t/k"
# shellcheck disable=SC2086
exec unshare -m sh -c 'mount --bind "\$0/etc" /etc/dkms && mount --bind "\$0/var" /var/lib/dkms &&
	TMPDIR="\$0/tmp" exec "\$@"' "$t" $real --sourcetree "$t/root/usr/src" "\$@" \$k
EOF
cat >"$t/stub/uname" <<'EOF'
#!/bin/sh
case $1 in -r) echo 6.1.0-0-test ;; -m) echo aarch64 ;; *) exec /bin/uname "$@" ;; esac
EOF
cat >"$t/stub/modprobe" <<EOF
#!/bin/sh
echo "modprobe \$*" >>"$t/modprobe.log"
exit "\${MODPROBE_RC:-0}"
EOF
cat >"$t/stub/mdcr-fix-status" <<'EOF'
#!/bin/sh
echo "mdcr-fix: protected (stub) | module_loaded=1;;;0;1"
EOF
cat >"$t/stub/systemd-detect-virt" <<'EOF'
#!/bin/sh
[ -n "${CHROOT:-}" ]
EOF
chmod +x "$t/stub/"*
host_dkms=$(ls -A /var/lib/dkms /etc/dkms 2>&1)
st() { # what the private DKMS knows of mdcr-fix
	PATH="$t/stub:$PATH" "$t/stub/dkms" status -m mdcr-fix 2>/dev/null
}
# scriptlet post|preun ARG: run as rpm does (sh -c BODY NAME ARG, from a
# process that stands for rpm's: DKMS's --rpm_safe_upgrade looks at it),
# with the package's /usr/src in place of this host's; sets $out, $rc and
# $mp (the modprobe calls).
scriptlet() {
	: >"$t/modprobe.log"
	# shellcheck disable=SC2016
	out=$(PATH="$t/stub:$PATH" unshare -m sh -c 'mount --bind "$0" /usr/src &&
		sh -c "$1" "$2" "$3"; :' "$t/root/usr/src" "$(cat "$t/$1")" "$1" "$2" 2>&1)
	rc=$?
	mp=$(cat "$t/modprobe.log")
}
reset() {
	rm -rf "${t:?}/var/"* "${t:?}/tmp/"*
}

# Each case: its own rpm transaction (a new parent for the scriptlet).
BUILD=nohdr scriptlet post 1
[ $rc -eq 0 ] && [ -z "$mp" ] && echo "$out" | grep -q "headers are not installed (dnf install kernel-devel-6.1.0-0-test); not loaded" &&
	st | grep -q "mdcr-fix/$version: added"
result "%post, no kernel-devel for the running kernel: added to DKMS, says which package, no modprobe, exit 0" $?
diag "$out"

reset
BUILD=real scriptlet post 1
[ $rc -eq 0 ] && [ -z "$mp" ] && echo "$out" | grep -q "DKMS skips mdcr_fix $version on 6.1.0-0-test" &&
	grep -q "dkms build -m mdcr-fix -v $version -k 6.1.0-0-test" "$t/dkms.log"
result "%post, kernel without CONFIG_KVM (the real dkms exits 77): skipped, says so, no modprobe, exit 0" $?
diag "$out"

reset
BUILD=9 scriptlet post 1
[ $rc -eq 0 ] && [ -z "$mp" ] && echo "$out" | grep -q "DKMS skips mdcr_fix"
result "%post, dkms before 3.0.11 skips with 9: skipped, exit 0" $?

reset
BUILD=10 scriptlet post 1
[ $rc -eq 0 ] && [ -z "$mp" ] && echo "$out" | grep -q "dkms build of mdcr_fix $version for 6.1.0-0-test failed (10)"
result "%post, a failed build: says where the log is, no modprobe, exit 0" $?
diag "$out"

reset
BUILD=0 scriptlet post 1
[ $rc -eq 0 ] && [ "$mp" = "modprobe mdcr_fix" ] &&
	[ "$out" = "mdcr-fix-dkms: loaded mdcr_fix $version for 6.1.0-0-test: mdcr-fix: protected (stub)" ]
result "%post, built for the running kernel: modprobe mdcr_fix, one line" $?
diag "$out"

reset
BUILD=3 INSTALL=5 scriptlet post 1
[ $rc -eq 0 ] && [ "$mp" = "modprobe mdcr_fix" ] && echo "$out" | grep -q "^mdcr-fix-dkms: loaded mdcr_fix"
result "%post, dkms 2.x's already built (3) and already installed (5): loaded all the same" $?
diag "$out"

reset
BUILD=0 INSTALL=6 scriptlet post 1
[ $rc -eq 0 ] && [ -z "$mp" ] && echo "$out" | grep -q "dkms install of mdcr_fix $version for 6.1.0-0-test failed (6)"
result "%post, a failed dkms install: says so, no modprobe, exit 0" $?

reset
BUILD=0 MODPROBE_RC=1 scriptlet post 1
[ $rc -eq 0 ] && [ "$mp" = "modprobe mdcr_fix" ] && echo "$out" | grep -q "could not load mdcr_fix"
result "%post, modprobe fails: says so (Secure Boot key named), exit 0" $?

reset
BUILD=0 CHROOT=1 scriptlet post 1
[ $rc -eq 0 ] && [ -z "$mp" ] && echo "$out" | grep -q "not loaded from a chroot"
result "%post in a chroot: built, never loaded into the build host's kernel" $?

# Erase: DKMS forgets the version (its own rpm transaction).
reset
BUILD=real scriptlet post 1
scriptlet preun 0
[ $rc -eq 0 ] && [ -z "$(st)" ]
result "%preun on erase: dkms remove --all, nothing left in DKMS, exit 0" $?
diag "$(grep 'dkms remove' "$t/dkms.log" | tail -n 1)"

# The same version installed again (rpm --reinstall, a new release): the
# new %post and the old %preun in one transaction; DKMS keeps it.
reset
BUILD=real scriptlet post 1
# shellcheck disable=SC2016
PATH="$t/stub:$PATH" BUILD=real unshare -m sh -c 'mount --bind "$0/root/usr/src" /usr/src &&
	sh -c "$(cat "$0/post"); :" post 2 >/dev/null 2>&1
	sh -c "$(cat "$0/preun"); :" preun 1 >/dev/null 2>&1; :' "$t"
st | grep -q "mdcr-fix/$version: added"
result "reinstall of $version (%post 2, then the old %preun 1 in one transaction): still in DKMS" $?
diag "$(st)"
# As dkms 2.x sees it, without --rpm_safe_upgrade's note: still kept.
scriptlet preun 1
st | grep -q "mdcr-fix/$version: added"
result "reinstall of $version, the old %preun 1 without dkms's rpm_safe_upgrade note (dkms 2.x): still in DKMS" $?

# An upgrade from another version: its %preun (1) removes that version only.
reset
mkdir -p "$t/root/usr/src/mdcr-fix-0.0.1"
cp -r "$t/root/usr/src/mdcr-fix-$version/." "$t/root/usr/src/mdcr-fix-0.0.1/"
sed -i 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="0.0.1"/' "$t/root/usr/src/mdcr-fix-0.0.1/dkms.conf"
sed "s/-v $version /-v 0.0.1 /" "$t/preun" >"$t/preun-old"
PATH="$t/stub:$PATH" "$t/stub/dkms" add -m mdcr-fix -v 0.0.1 >/dev/null 2>&1
BUILD=real scriptlet post 2
scriptlet preun-old 1
[ $rc -eq 0 ] && [ -z "$mp" ] && [ "$(st | sed 's/[:,].*//' | tr '\n' ' ')" = "mdcr-fix/$version " ]
result "upgrade from 0.0.1: the old %preun (1) removes 0.0.1 from DKMS, no unload, $version stays" $?
diag "$(st)"

# 5. The Ubuntu 20.04 / buster path: make dkms-install from the release
# tarball (no git, no tests there), against the same private DKMS (build
# and install stood in for), then make dkms-remove.
if [ -f "$tarball" ]; then
	reset
	rm -rf "$t/root/usr/src/mdcr-fix-$version"
	mkdir -p "$tmp/x"
	tar -xzf "$tarball" -C "$tmp/x"
	x=$tmp/x/mdcr-fix-$version
	# No mdcr-fix-dkms package on this host, whatever is installed here.
	mkdir -p "$t/nodpkg"
	printf '#!/bin/sh\nexit 1\n' >"$t/nodpkg/dpkg"
	printf '#!/bin/sh\nexit 1\n' >"$t/nodpkg/dpkg-query"
	chmod +x "$t/nodpkg/dpkg" "$t/nodpkg/dpkg-query"
	mkt() {
		BUILD=0 PATH="$t/nodpkg:$t/stub:$PATH" make -C "$x" --no-print-directory DKMS="$t/stub/dkms" \
			DKMS_SRCTREE="$t/root/usr/src" MODPROBE="$t/stub/modprobe" \
			SYSMODULE="$t/no-such-module" "$@" >"$t/mk.log" 2>&1
	}
	mkt dkms-install
	rc=$?
	files=$(cd "$t/root/usr/src/mdcr-fix-$version" 2>/dev/null && find . -type f | sort | tr '\n' ' ')
	want=$(cd "$x" && for f in Kbuild Makefile dkms.conf LICENSE scripts/probe-features.sh \
		module/*.c module/*.h; do echo "./$f"; done | sort | tr '\n' ' ')
	[ $rc -eq 0 ] && [ "$files" = "$want" ] && st | grep -q "mdcr-fix/$version"
	result "from the tarball: make dkms-install adds the module's sources to DKMS, builds, installs" $?
	[ $rc -eq 0 ] || diag "$(tail -n 5 "$t/mk.log")"
	mkt dkms-remove
	rc=$?
	[ $rc -eq 0 ] && [ -z "$(st)" ] && [ ! -e "$t/root/usr/src/mdcr-fix-$version" ]
	result "from the tarball: make dkms-remove leaves nothing in DKMS or the source tree" $?
fi

[ "$(ls -A /var/lib/dkms /etc/dkms 2>&1)" = "$host_dkms" ]
result "this host's /var/lib/dkms and /etc/dkms untouched (no MOK key pair, no state)" $?
