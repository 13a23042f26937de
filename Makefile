# SPDX-License-Identifier: GPL-2.0
#
# make                 build mdcr_fix.ko for the running kernel
# make KDIR=... ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
#                      build it against another kernel tree or headers
# make install         install it for that kernel (modules_install, depmod)
# make dkms-install    install through DKMS from this checkout (root)
# make dkms-remove     unload it and remove what dkms-install added
# make deb             build the Debian packages mdcr-fix-dkms_<version>_all.deb
#                      and mdcr-fix-status_<version>_all.deb into the cache and
#                      print their paths (debhelper, dh-dkms)
# make dist            build the release tarball mdcr-fix-<version>.tar.gz
#                      into the cache and print its path (rpmbuild -tb takes it)
# make rpm             build the EL8 RPMs mdcr-fix-dkms and mdcr-fix-status
#                      (noarch) and the source RPM from it; print their paths
# make clean
# make check           run every test (see README.md)
# make demo            show the bug and the fix in QEMU
# make help            list the rest

KDIR ?= /lib/modules/$(shell uname -r)/build

VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
# The tests point these at a private DKMS tree (dkms --sourcetree/--dkmstree).
DKMS ?= dkms
DKMS_SRCTREE ?= /usr/src
DKMS_SRC := $(DKMS_SRCTREE)/mdcr-fix-$(VERSION)
DEPMOD ?= depmod
MODPROBE ?= modprobe
SYSMODULE ?= /sys/module/mdcr_fix

.PHONY: all module install clean help dkms-install dkms-remove deb dist rpm

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# modules_install runs depmod only where the tree has a System.map, which
# distribution headers (Debian's, Ubuntu's) lack: run it for the target
# kernel here, so that modprobe finds the module.
install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	@krel=$$(cat $(KDIR)/include/config/kernel.release) && \
	echo "$(DEPMOD) $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH) )$$krel" && \
	$(DEPMOD) $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) "$$krel"

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		rm -rf *.o *.ko *.mod* .*.cmd module/*.o module/.*.cmd \
			module/features.h Module.symvers modules.order

# The DKMS targets never touch what the mdcr-fix-dkms package installed: its
# /usr/src tree and its DKMS registration belong to apt-get.
define refuse_packaged
	@if owner=$$(dpkg -S $(DKMS_SRC) 2>/dev/null); then \
		echo "make $@: $(DKMS_SRC) belongs to the package $${owner%%:*}; use apt-get, not make $@" >&2; \
		exit 1; \
	fi
endef

# The DKMS tree holds the module's sources only, as the package does: never
# the tests (module/inject.c is the tests' fault injection). Run twice, it
# replaces what the first run added.
dkms-install:
	$(refuse_packaged)
	@if dpkg-query -W -f='$${Status}' mdcr-fix-dkms 2>/dev/null | grep -q ' installed$$'; then \
		echo "make $@: the mdcr-fix-dkms package is installed; remove it first (apt-get remove mdcr-fix-dkms)" >&2; \
		exit 1; \
	fi
	@if [ -n "$$($(DKMS) status -m mdcr-fix -v $(VERSION) 2>/dev/null)" ]; then \
		echo "$(DKMS) remove -m mdcr-fix -v $(VERSION) --all"; \
		$(DKMS) remove -m mdcr-fix -v $(VERSION) --all; \
	fi
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)/module $(DKMS_SRC)/scripts
	cp Kbuild Makefile dkms.conf LICENSE $(DKMS_SRC)/
	cp module/*.c module/*.h $(DKMS_SRC)/module/
	rm -f $(DKMS_SRC)/module/features.h $(DKMS_SRC)/module/inject.c
	cp scripts/probe-features.sh $(DKMS_SRC)/scripts/
	$(DKMS) add -m mdcr-fix -v $(VERSION)
	@echo "$(DKMS) build -m mdcr-fix -v $(VERSION)"; \
	$(DKMS) build -m mdcr-fix -v $(VERSION) || { rc=$$?; \
		case $$rc in 77 | 9) echo "make $@: DKMS skips mdcr-fix on $$(uname -r): not arm64, or no CONFIG_KVM, CONFIG_KPROBES or CONFIG_KRETPROBES (dkms.conf BUILD_EXCLUSIVE_*; exit $$rc)" >&2 ;; esac; \
		exit $$rc; }
	$(DKMS) install -m mdcr-fix -v $(VERSION)

# Unloading is safe at any time, also while VMs run.
dkms-remove:
	$(refuse_packaged)
	@if [ -d $(SYSMODULE) ]; then \
		echo "$(MODPROBE) -r mdcr_fix"; \
		$(MODPROBE) -r mdcr_fix || exit 1; \
	fi
	@if [ -n "$$($(DKMS) status -m mdcr-fix -v $(VERSION) 2>/dev/null)" ]; then \
		echo "$(DKMS) remove -m mdcr-fix -v $(VERSION) --all"; \
		$(DKMS) remove -m mdcr-fix -v $(VERSION) --all; \
	fi
	rm -rf $(DKMS_SRC)

deb:
	@sh scripts/build-deb.sh

dist:
	@sh scripts/build-dist.sh

rpm:
	@sh scripts/build-rpm.sh

help:
	@for f in Makefile tests/harness.mk; do \
		sed -n '1,/^[^#]/s/^# \{0,1\}//p' $$f | sed -n '/^make/,$$p'; \
	done

-include tests/harness.mk
