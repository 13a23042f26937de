#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the booted Debian 12 arm64 guest (mdcr-fix-dkms-check.service,
# test image only): the package's module was loaded at boot by
# systemd-modules-load, stays passive on the stock kernel while a KVM guest
# runs, mdcr-fix-status agrees, and removing the package removes the module.
# Prints TAP on the console; the unit powers off when it ends.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
. /usr/local/lib/mdcr-fix/tap.sh
echo "# mdcr-fix: kernel $(uname -r), Debian guest, $(dpkg-query -W mdcr-fix-dkms)"
ver=$(cat /usr/local/lib/mdcr-fix/version)
rel=$(uname -r)

loaded() {
	grep -q '^mdcr_fix ' /proc/modules
}

check "systemd-modules-load.service ran" systemctl is-active --quiet systemd-modules-load.service
check "mdcr_fix auto-loaded at boot (lsmod)" loaded
diag "$(lsmod | grep -E '^(Module|mdcr_fix) ')"
diag "$(journalctl -b -o cat -u systemd-modules-load.service | grep -i mdcr)"
path=$(modinfo -n mdcr_fix 2>&1)
check "the loaded module is DKMS's: $path" [ "$path" = "/lib/modules/$rel/updates/dkms/mdcr_fix.ko" ]
check "module version $ver" [ "$(cat /sys/module/mdcr_fix/version 2>&1)" = "$ver" ]
check "debugfs file present" [ -r "$FIX" ]
check "verdict pending before any vCPU ran" [ "$(fix_key verdict)" = pending ]
check "/dev/kvm present (VHE host)" [ -c /dev/kvm ]
run vmm -c 2
check "vmm: KVM guest with 2 vCPUs" [ $? -eq 0 ]
run vmm -i -n 0 -p 1
check "vmm: interrupted first run, secondary powered off" [ $? -eq 0 ]
echo "# \$ cat $FIX"
diag "$(cat "$FIX")"
check "verdict: kernel already fixed" [ "$(fix_key verdict)" = "kernel already fixed" ]
check "0 fix-ups (passive)" [ "$(fix_key fixups)" -eq 0 ]
check "kernel computed every vCPU's value" [ "$(fix_key kernel_computed)" -ge 3 ]
run mdcr-fix-status
check "mdcr-fix-status exits 0" [ $? -eq 0 ]

# Removing the package removes the module: unloaded, files gone, DKMS clean.
run apt-get remove -y mdcr-fix-dkms
check "apt-get remove mdcr-fix-dkms" [ $? -eq 0 ]
check "module unloaded" eval '! loaded'
check "debugfs file gone" [ ! -e "$FIX" ]
check "module file gone" [ -z "$(find /lib/modules -name 'mdcr_fix.ko*')" ]
st=$(dkms status 2>/dev/null)
diag "\$ dkms status: ${st:-(nothing)}"
check "DKMS knows nothing of mdcr-fix" eval '! echo "$st" | grep -q mdcr-fix'
check "sources gone from /usr/src" [ ! -e "/usr/src/mdcr-fix-$ver" ]
check "modules-load.d entry gone" [ ! -e /usr/lib/modules-load.d/mdcr-fix.conf ]
check "modprobe no longer finds mdcr_fix" eval '! modprobe -n mdcr_fix 2>/dev/null'
run vmm -c 2
check "vmm still runs after removal" [ $? -eq 0 ]
tap_done
echo "# mdcr-fix: end"
