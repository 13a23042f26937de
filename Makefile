# SPDX-License-Identifier: GPL-2.0
#
# make                 build mdcr_fix.ko for the running kernel
# make KDIR=... ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
#                      build it against another kernel tree or headers
# make install         install it for that kernel (modules_install)
# make dkms-install    install through DKMS from this checkout (root)
# make dkms-remove     remove it from DKMS
# make deb             build the Debian package mdcr-fix-dkms_<version>_all.deb
#                      into the cache and print its path (debhelper, dh-dkms)
# make clean
# make check           run every test (see README.md)
# make demo            show the bug and the fix in QEMU
# make help            list the rest

KDIR ?= /lib/modules/$(shell uname -r)/build

VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC := /usr/src/mdcr-fix-$(VERSION)

.PHONY: all module install clean help dkms-install dkms-remove deb

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		rm -rf *.o *.ko *.mod* .*.cmd module/*.o module/.*.cmd \
			module/features.h Module.symvers modules.order

# The DKMS tree holds the module sources only, never the tests.
dkms-install:
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)/scripts
	cp -r Kbuild Makefile dkms.conf LICENSE module $(DKMS_SRC)/
	rm -f $(DKMS_SRC)/module/features.h $(DKMS_SRC)/module/*.o $(DKMS_SRC)/module/.*.cmd
	cp scripts/probe-features.sh $(DKMS_SRC)/scripts/
	dkms add -m mdcr-fix -v $(VERSION)
	dkms build -m mdcr-fix -v $(VERSION)
	dkms install -m mdcr-fix -v $(VERSION)

dkms-remove:
	dkms remove -m mdcr-fix -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

deb:
	@sh scripts/build-deb.sh

help:
	@for f in Makefile tests/harness.mk; do \
		sed -n '1,/^[^#]/s/^# \{0,1\}//p' $$f | sed -n '/^make/,$$p'; \
	done

-include tests/harness.mk
