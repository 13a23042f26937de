# SPDX-License-Identifier: GPL-2.0
#
# Test and demo targets, included by the top-level Makefile.
#
# make check           every test: host checks and all QEMU scenarios
# make demo            the bug and the fix, booted in QEMU (KERNEL=debian-6.1
#                      for a stock kernel that already has the fix)
# make check-dkms      DKMS and the .deb in an arm64 Debian 12 chroot, booted
#                      (stock kernel, then unpatched-5.10); as root
# make bench           cost of the module on the KVM_RUN path (unpatched-5.10)
# make kernels         build/fetch every test kernel into the cache
# make deps            install what the harness needs (apt-get, as root)

.PHONY: check test demo bench kernels deps check-dkms

check test:
	@sh tests/check.sh

demo:
	@sh tests/demo.sh $(KERNEL)

check-dkms:
	@sh tests/dkms/run.sh

bench:
	@sh tests/bench.sh

deps:
	@sh scripts/deps.sh

kernels: deps
	@for k in unpatched-5.10 unpatched-5.10-debug rhel8-4.18 rhel8-ampere rhel8-394 buster-4.19 linux-5.4.120; do \
		sh scripts/build-kernel.sh $$k; rc=$$?; \
		[ $$rc -eq 0 ] || [ $$rc -eq 77 ] || exit 1; \
	done
	@for k in debian-5.10 debian-6.1; do sh scripts/stock-kernel.sh $$k >/dev/null || exit 1; done
