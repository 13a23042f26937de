#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - make check-dkms: the DKMS install and the Debian package, shown as
# a user runs them, on arm64 Debian 12. Prints TAP; exits non-zero on any
# failure.
#
#  1. host: the version agrees in dkms.conf and debian/changelog; make deb
#     builds mdcr-fix-dkms_<version>_all.deb with the expected contents, and
#     mdcr-fix-status_<version>_all.deb, which it depends on.
#  2. an arm64 bookworm root file system (tests/dkms/rootfs.sh, cached) with
#     the newest stock kernel and its headers; in it, under qemu-user with the
#     arm64 gcc: make dkms-install from a source copy, make dkms-remove; the
#     two .debs (dpkg -i: DKMS builds for the installed kernel); a second stock
#     ABI's headers (the kernel hook's AUTOINSTALL builds for it too).
#  3. the tree as an ext4 disk image, booted with the stock kernel and
#     Debian's own initramfs: tests/dkms/guest-check.sh reports from inside.
#  4. the harness's unpatched-5.10 tree installed in the chroot as a header
#     tree, DKMS-built there, and that module booted on unpatched-5.10 in the
#     harness initramfs (scenarios fix-first-load and fix-interrupted: the
#     observer sees the kernel's own value at every first load).
#  5. kernels newer than Debian 12 can build for, trixie's 6.12 and sid's
#     7.x (tests/dkms/stock-dkms.sh): apt-get install of the .deb in an arm64
#     root file system of their suite with their headers (DKMS builds with
#     the suite's gcc, or skips cleanly), then the stock image booted with
#     DKMS's module and mdcr-fix-status, without and with it.
#     MDCR_FIX_DKMS_STOCK (default "debian-6.12 debian-7") chooses them.
#
# Everything lands under $MDCR_FIX_CACHE/dkms; the root file system is kept
# between runs, the work tree (dkms/work: chroot copy, disk image, logs) until
# the next run.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${MDCR_FIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mdcr-fix}
. "$top/tests/dkms/lib.sh"
tmo=${MDCR_FIX_BOOT_TIMEOUT:-900}
start=$(date +%s)

n=0
fails=0
ok() {
	n=$((n + 1))
	echo "ok $n - $*"
}
not_ok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $*"
}
# result DESC STATUS
result() {
	if [ "$2" -eq 0 ]; then ok "$1"; else not_ok "$1"; fi
}
diag() {
	echo "$*" | sed 's/^/# /'
}
elapsed() {
	echo "# elapsed $(($(date +%s) - start)) s: $*"
}
finish() {
	elapsed "done"
	echo "1..$n"
	echo "$((n - fails)) passed, $fails failed"
	[ "$fails" -eq 0 ] && [ "$n" -gt 0 ]
	exit
}
# Renumber a boot's TAP results into this stream, tagged.
emit() {
	while IFS= read -r line; do
		case $line in
		"ok "* | "not ok "*)
			desc=$(echo "$line" | sed 's/^\(not \)\{0,1\}ok [0-9]* *-\{0,1\} *//')
			case $line in
			ok*) ok "[$1] $desc" ;;
			*) not_ok "[$1] $desc" ;;
			esac
			;;
		"#"*) echo "$line" ;;
		esac
	done
}

echo "TAP version 13"

# 1. Host side: one version, and the package.
[ "$(id -u)" -eq 0 ] || { echo "Bail out! make check-dkms runs as root (mount, chroot)"; finish; }
sh "$top/tests/dkms/version.sh" >"$cache/dkms-version.tap"
emit version <"$cache/dkms-version.tap"
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")

if ! need_packages debhelper dh-dkms mmdebstrap qemu-user-static arch-test \
	e2fsprogs qemu-system-arm; then
	echo "Bail out! cannot install the host tools (apt-get)"
	finish
fi

debs=$(make -s -C "$top" deb 2>"$cache/dkms-deb.log")
rc=$?
deb=$(printf '%s\n' "$debs" | sed -n 1p)
sdeb=$(printf '%s\n' "$debs" | sed -n 2p)
result "make deb builds $(basename "${deb:-mdcr-fix-dkms.deb}") and $(basename "${sdeb:-mdcr-fix-status.deb}")" $rc
if [ ! -f "$deb" ] || [ ! -f "$sdeb" ]; then
	sed 's/^/# /' "$cache/dkms-deb.log"
	finish
fi
[ "$(basename "$deb")" = "mdcr-fix-dkms_${version}_all.deb" ]
result "named mdcr-fix-dkms_${version}_all.deb" $?
dpkg-deb -f "$deb" Depends | grep -q '\bdkms\b'
result "depends on dkms ($(dpkg-deb -f "$deb" Depends))" $?
contents=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub("^\\./", "/", $6); print $6 }' | sort)
src=/usr/src/mdcr-fix-$version
want=$( { for f in Kbuild Makefile dkms.conf LICENSE scripts/probe-features.sh; do
		echo "$src/$f"; done
	# module/inject.c (fail_hooks=, load_window_ms=) is for the tests only.
	(cd "$top" && ls module/*.c module/*.h | grep -v 'features.h\|inject.c$') |
		sed "s|^|$src/|"
	echo "$src/module/noinject.c"
	echo /usr/lib/modules-load.d/mdcr-fix.conf
	echo /usr/share/doc/mdcr-fix-dkms/changelog.gz
	echo /usr/share/doc/mdcr-fix-dkms/copyright
	echo /usr/share/lintian/overrides/mdcr-fix-dkms; } | sort)
if [ "$contents" = "$want" ]; then
	ok "package holds the module sources and modules-load.d entry, no tests"
else
	not_ok "package contents"
	diff -u /dev/fd/3 /dev/fd/4 3<<EOF 4<<EOF2 | sed 's/^/# /'
$want
EOF
$contents
EOF2
fi
elapsed "package built"

# 2. The arm64 Debian 12 root file system.
root=$(sh "$top/tests/dkms/rootfs.sh" 2>"$cache/dkms-rootfs.log")
result "arm64 bookworm root file system with a stock kernel, headers, dkms, gcc" $?
if [ ! -d "$root" ]; then
	sed 's/^/# /' "$cache/dkms-rootfs.log"
	finish
fi
binfmt_arm64 || { echo "Bail out! binfmt_misc"; finish; }
abi=$(basename "$root" | sed 's/^rootfs-\(6\.1\.0-[0-9]*\)-.*/\1/')
kver=$abi-arm64
abi2=$(bookworm_abis | grep -vx "$abi" | head -n 1)
elapsed "root file system ready (stock $kver)"

work=$cache/dkms/work
r=$work/root
# Never leave a bind mount of /dev under a tree about to be deleted.
grep -q " $work/" /proc/mounts && { echo "Bail out! $work still has mounts"; finish; }
rm -rf --one-file-system "$work"
mkdir -p "$work"
cp -a "$root" "$r"

# Everything in the chroot runs as on a host running the stock kernel:
# qemu-user reports QEMU_UNAME as uname -r.
ch() {
	in_chroot "$r" env QEMU_UNAME="$kver" "$@"
}
chlog() {
	log=$work/$1.log
	shift
	ch "$@" >"$log" 2>&1
}
chtail() {
	tail -n "${2:-15}" "$work/$1.log" | sed 's/^/# /'
}
ko_of() {
	find "$r/lib/modules/$1/updates/dkms" -name 'mdcr_fix.ko*' 2>/dev/null | head -n 1
}
# check_ko KERNELRELEASE TAG: DKMS's module for that kernel is there, arm64,
# with that kernel's vermagic and our version.
check_ko() {
	ko=$(ko_of "$1")
	if [ -z "$ko" ]; then
		not_ok "[$2] mdcr_fix.ko installed for $1"
		return 1
	fi
	machine=$(readelf -h "$ko" | sed -n 's/^ *Machine: *//p')
	vermagic=$(modinfo -F vermagic "$ko")
	modver=$(modinfo -F version "$ko")
	diag "${ko#"$r"}: $machine, vermagic $vermagic, version $modver"
	[ "$machine" = AArch64 ] && [ "${vermagic%% *}" = "$1" ] && [ "$modver" = "$version" ]
	result "[$2] mdcr_fix.ko installed for $1 (AArch64, vermagic, version $version)" $?
}

cc=$(ch gcc -dumpmachine 2>&1)
[ "$cc" = aarch64-linux-gnu ] && [ "$(ch uname -rm 2>&1)" = "$kver aarch64" ]
result "chroot runs the arm64 gcc ($cc) as on a $kver host" $?

# 2a. From a source copy: make dkms-install / make dkms-remove.
mkdir -p "$r/root/mdcr-fix"
(cd "$top" && cp -r Kbuild Makefile dkms.conf LICENSE module scripts "$r/root/mdcr-fix/")
rm -f "$r/root/mdcr-fix/module/features.h" "$r"/root/mdcr-fix/module/*.o
t=$(date +%s)
chlog dkms-install make -C /root/mdcr-fix dkms-install
result "[source] make dkms-install (dkms add, build, install) in $(($(date +%s) - t)) s" $?
chtail dkms-install 6
check_ko "$kver" source
diag "$(ch dkms status 2>&1)"
chlog dkms-remove make -C /root/mdcr-fix dkms-remove
rc=$?
[ $rc -eq 0 ] && [ -z "$(ko_of "$kver")" ] && [ -z "$(ch dkms status 2>&1)" ] &&
	[ ! -e "$r/usr/src/mdcr-fix-$version" ]
result "[source] make dkms-remove: module, DKMS tree and sources gone" $?
[ $rc -eq 0 ] || chtail dkms-remove
rm -rf "$r/root/mdcr-fix"
elapsed "dkms from a source copy"

# 2b. The packages.
cp "$deb" "$sdeb" "$r/tmp/"
t=$(date +%s)
chlog deb-install dpkg -i "/tmp/$(basename "$sdeb")" "/tmp/$(basename "$deb")"
result "[deb] dpkg -i $(basename "$sdeb") $(basename "$deb") in $(($(date +%s) - t)) s" $?
chtail deb-install 8
check_ko "$kver" deb
diag "$(ch dkms status 2>&1)"
grep -q 'CC \[M\]' "$r/var/lib/dkms/mdcr-fix/$version/$kver/aarch64/log/make.log" 2>/dev/null
result "[deb] DKMS compiled it in the chroot (make.log)" $?
signer=$(modinfo -F signer "$(ko_of "$kver")" 2>/dev/null)
[ -n "$signer" ] && [ -f "$r/var/lib/dkms/mok.pub" ]
result "[deb] signed with DKMS's MOK key (signer: ${signer:-none})" $?
ch sh -c 'modprobe -n -v mdcr_fix' >"$work/modprobe.log" 2>&1
grep -q "updates/dkms/mdcr_fix.ko" "$work/modprobe.log"
result "[deb] modprobe resolves mdcr_fix to the DKMS module" $?
[ -x "$r/usr/sbin/mdcr-fix-status" ] &&
	grep -qx mdcr_fix "$r/usr/lib/modules-load.d/mdcr-fix.conf"
result "[deb] /usr/sbin/mdcr-fix-status and modules-load.d entry installed" $?

# 2c. A second stock kernel's headers: the kernel hook's autoinstall.
if [ -z "$abi2" ]; then
	not_ok "[autoinstall] a second bookworm ABI besides $abi on the mirror"
else
	debs=$("$top/scripts/fetch-packages.sh" "$cache" bookworm \
		"linux-headers-$abi2-common" "linux-headers-$abi2-arm64:arm64" 2>&1)
	result "[autoinstall] fetched linux-headers-$abi2-arm64" $?
	cp $debs "$r/tmp/" 2>/dev/null
	t=$(date +%s)
	chlog autoinstall dpkg -i $(for d in $debs; do echo "/tmp/$(basename "$d")"; done)
	result "[autoinstall] dpkg -i linux-headers-$abi2-arm64 in $(($(date +%s) - t)) s" $?
	grep -i 'dkms\|autoinstall\|mdcr' "$work/autoinstall.log" | tail -n 8 | sed 's/^/# /'
	check_ko "$abi2-arm64" autoinstall
	diag "$(ch dkms status 2>&1)"
fi
elapsed "DKMS in the chroot"

# 3. Boot the stock kernel from the tree as a disk image.
install -m 755 "$top/tests/dkms/guest-check.sh" "$r/usr/local/sbin/mdcr-fix-dkms-check"
mkdir -p "$r/usr/local/lib/mdcr-fix"
cp "$top/tests/guest/lib.sh" "$r/usr/local/lib/mdcr-fix/tap.sh"
echo "$version" >"$r/usr/local/lib/mdcr-fix/version"
make -s -C "$top/tests/vmm" CC="${CROSS_COMPILE:-aarch64-linux-gnu-}gcc" >&2
install -m 755 "$top/tests/vmm/vmm" "$r/usr/local/bin/vmm"
cp "$top/tests/dkms/mdcr-fix-dkms-check.service" "$r/etc/systemd/system/"
ln -sf ../mdcr-fix-dkms-check.service \
	"$r/etc/systemd/system/multi-user.target.wants/mdcr-fix-dkms-check.service"
# The console is the test's: no login prompt on it.
ln -sf /dev/null "$r/etc/systemd/system/serial-getty@ttyAMA0.service"
rm -f "$r"/tmp/*.deb
img=$work/disk.img
mb=$(($(du -sm "$r" | cut -f1) * 5 / 4 + 512))
t=$(date +%s)
mke2fs -q -t ext4 -L root -d "$r" "$img" "${mb}M" >"$work/mke2fs.log" 2>&1
result "ext4 disk image (${mb} MiB) from the tree in $(($(date +%s) - t)) s" $?
elapsed "image ready"
cons=$work/debian-boot.log
t=$(date +%s)
timeout "$tmo" qemu-system-aarch64 \
	-M virt,virtualization=on,gic-version=3 -cpu max -smp 2 -m 2048 \
	-nographic -no-reboot -nic none \
	-kernel "$r/boot/vmlinuz-$kver" -initrd "$r/boot/initrd.img-$kver" \
	-drive file="$img",if=virtio,format=raw \
	-append "root=/dev/vda rw console=ttyAMA0 panic=-1 loglevel=4 systemd.show_status=false" \
	</dev/null >"$cons" 2>&1
qrc=$?
tr -d '\r' <"$cons" >"$cons.tmp" && mv "$cons.tmp" "$cons"
sed -n '/^TAP version 13/,/^# mdcr-fix: end/p' "$cons" | grep -E '^(ok|not ok|#)' >"$cons.tap"
emit debian <"$cons.tap"
if grep -q '^# mdcr-fix: end' "$cons"; then
	ok "[debian] boot of stock $kver finished in $(($(date +%s) - t)) s (qemu exit $qrc)"
else
	not_ok "[debian] boot of stock $kver finished (qemu exit $qrc, see $cons)"
	tail -n 25 "$cons" | sed 's/^/# /'
fi
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$cons" | tail -n 1)
got=$(sed -n '/^TAP version 13/,/^# mdcr-fix: end/p' "$cons" | grep -cE '^(ok|not ok) ')
[ -n "$plan" ] && [ "$plan" -eq "$got" ] && [ "$got" -gt 0 ]
result "[debian] plan '${plan:-none}' matches $got results" $?
splat=$(cat "$top/tests/splat.ere")
if grep -Ev '^(#|ok |not ok )' "$cons" | grep -Eq "$splat"; then
	not_ok "[debian] no kernel splat"
	grep -E -B2 -A12 "$splat" "$cons" | head -n 40 | sed 's/^/# /'
else
	ok "[debian] no kernel splat"
fi
elapsed "Debian guest booted"

# 5 (run before 4, which needs the harness kernel). Newer stock kernels.
for k in ${MDCR_FIX_DKMS_STOCK-debian-6.12 debian-7}; do
	sh "$top/tests/dkms/stock-dkms.sh" "$k" "$deb" >"$cache/dkms-$k.tap" 2>"$cache/dkms-$k.log"
	emit "$k" <"$cache/dkms-$k.tap"
	elapsed "$k: DKMS and boot"
done

# 4. The harness's unpatched-5.10 kernel as a header tree in the chroot.
kdir=$("$top/scripts/build-kernel.sh" unpatched-5.10 2>"$work/kernel.log")
if [ -z "$kdir" ] || [ ! -f "$kdir/.config" ]; then
	not_ok "[unpatched-5.10] harness kernel built"
	sed 's/^/# /' "$work/kernel.log"
	finish
fi
rel=$(cat "$kdir/include/config/kernel.release")
ksrc=$(readlink "$kdir/source")
hdr=/usr/src/linux-headers-$rel
kern_src=/usr/src/linux-source-$rel
t=$(date +%s)
# The source tree (hard links: nothing writes into it with O=) and the build
# tree, moved from their cache paths to /usr/src: the paths the build
# recorded (.cmd files, the Makefile, source) follow, so that nothing looks
# out of date but what is removed below.
cp -al "$ksrc" "$r$kern_src" 2>/dev/null || cp -a "$ksrc" "$r$kern_src"
cp -a "$kdir" "$r$hdr"
rm -rf "$r$hdr"/vmlinux* "$r$hdr"/.tmp_vmlinux* "$r$hdr"/arch/arm64/boot "$r$hdr"/build.log
ln -sfn "$kern_src" "$r$hdr/source"
echo "include $kern_src/Makefile" >"$r$hdr/Makefile"
grep -rl --include='*.cmd' -F "$ksrc" "$r$hdr" | xargs sed -i "s|$ksrc|$kern_src|g"
# Its host tools (fixdep, modpost, ...) were built for this x86_64 machine:
# drop them and their objects, and let modules_prepare rebuild them in the
# chroot, as arm64 programs, with the compiler that built the kernel
# (aarch64-linux-gnu-gcc is the native gcc there: config unchanged).
find "$r$hdr/scripts" -type f \( -name '*.o' -o -perm -u+x \) |
	while read -r f; do
		case $(file -b "$f") in *x86-64*) rm -f "$f" ;; esac
	done
mkdir -p "$r/lib/modules/$rel"
ln -sfn "$hdr" "$r/lib/modules/$rel/build"
cp "$kdir/modules.builtin" "$kdir/modules.order" "$r/lib/modules/$rel/" 2>/dev/null
diag "kernel built by: $(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"/\1/p' "$kdir/.config")"
diag "chroot compiler: $(ch aarch64-linux-gnu-gcc --version 2>&1 | head -n 1)"
chlog modules-prepare make -C "$hdr" CROSS_COMPILE=aarch64-linux-gnu- modules_prepare
rc=$?
[ $rc -eq 0 ] && file -b "$r$hdr/scripts/mod/modpost" | grep -q aarch64
result "[unpatched-5.10] header tree $hdr: modules_prepare (arm64 host tools) in $(($(date +%s) - t)) s" $?
[ $rc -eq 0 ] || chtail modules-prepare
t=$(date +%s)
chlog autoinstall-5.10 dkms autoinstall -k "$rel"
result "[unpatched-5.10] dkms autoinstall -k $rel in $(($(date +%s) - t)) s" $?
chtail autoinstall-5.10 6
check_ko "$rel" unpatched-5.10
ko=$(ko_of "$rel")
elapsed "DKMS against unpatched-5.10"

if [ -n "$ko" ]; then
	# The harness initramfs (tests/prepare.sh), with DKMS's module in place
	# of the one prepare.sh built.
	dir=$("$top/tests/prepare.sh" unpatched-5.10 2>"$work/prepare.log")
	if [ -z "$dir" ]; then
		not_ok "[unpatched-5.10] harness initramfs"
		tail -n 20 "$work/prepare.log" | sed 's/^/# /'
		finish
	fi
	boot=$work/boot-unpatched
	mkdir -p "$boot"
	cp -a "$dir/root" "$boot/root"
	cp "$ko" "$boot/root/lib/mdcr_fix.ko"
	sh "$top/tests/initramfs.sh" "$boot/root" "$boot/initrd.gz"
	ln -sf "$(readlink -f "$dir/Image")" "$boot/Image"
	cmp -s "$ko" "$boot/root/lib/mdcr_fix.ko"
	result "[unpatched-5.10] initramfs carries DKMS's mdcr_fix.ko" $?
	for scen in fix-first-load fix-interrupted; do
		MDCR_FIX_BOOT_TIMEOUT=$tmo sh "$top/tests/boot.sh" "$boot" "$scen" max \
			>"$boot/$scen.tap"
		emit "unpatched-5.10/dkms/$scen" <"$boot/$scen.tap"
	done
	elapsed "unpatched-5.10 booted"
fi
finish
