# SPDX-License-Identifier: GPL-2.0
#
# make                 build mdcr_fix.ko for the running kernel
# make KDIR=... ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
#                      build it against another kernel tree or headers
# make install         install it for that kernel (modules_install)
# make clean
# make check           run every test (see README.md)
# make demo            show the bug and the fix in QEMU
# make help            list the rest

KDIR ?= /lib/modules/$(shell uname -r)/build

.PHONY: all module install clean help

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || \
		rm -rf *.o *.ko *.mod* .*.cmd module/*.o module/.*.cmd \
			module/features.h Module.symvers modules.order

help:
	@sed -n 's/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST)) | sed -n '/^make/,/^$$/p'
	@$(MAKE) --no-print-directory -f tests/harness.mk help 2>/dev/null || true

-include tests/harness.mk
