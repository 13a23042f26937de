// SPDX-License-Identifier: GPL-2.0
/*
 * failnth - load a module with the Nth fault-injection point failing.
 *
 * Writes N to /proc/thread-self/fail-nth (Documentation/fault-injection/
 * fault-injection.rst) and calls finit_module() right away, so the count
 * covers that one syscall: the module's own init and the kernel's loading
 * around it. Reading fail-nth back tells whether the Nth point was reached:
 * 0 means a fault was injected, anything else that the load had fewer than
 * N fault points.
 *
 * Usage: failnth N MODULE.ko [PARAMS]
 * Prints "injected" (the Nth point failed) or "clean", then "loaded" or
 * "refused ERRNO"; exits 1 on a usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FAIL_NTH	"/proc/thread-self/fail-nth"

static int write_str(int fd, const char *s)
{
	if (pwrite(fd, s, strlen(s), 0) != (ssize_t)strlen(s)) {
		perror(FAIL_NTH);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char buf[32];
	int mod, nth, ret, err;
	ssize_t len;

	if (argc < 3 || argc > 4 || atoi(argv[1]) < 1) {
		fprintf(stderr, "usage: %s N MODULE.ko [PARAMS]\n", argv[0]);
		return 1;
	}
	mod = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (mod < 0) {
		perror(argv[2]);
		return 1;
	}
	nth = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (nth < 0) {
		perror(FAIL_NTH);
		return 1;
	}
	if (write_str(nth, argv[1]))
		return 1;
	ret = syscall(SYS_finit_module, mod, argc > 3 ? argv[3] : "", 0);
	err = errno;
	len = pread(nth, buf, sizeof(buf) - 1, 0);
	/* Whatever happened, no later syscall of ours may fail. */
	if (write_str(nth, "0") || len <= 0) {
		perror(FAIL_NTH);
		return 1;
	}
	buf[len] = '\0';
	printf("%s ", atoi(buf) ? "clean" : "injected");
	if (ret)
		printf("refused %d\n", err);
	else
		printf("loaded\n");
	return 0;
}
