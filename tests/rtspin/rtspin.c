// SPDX-License-Identifier: GPL-2.0
/*
 * rtspin - keep one CPU busy with a real-time task, so that ordinary
 * (SCHED_OTHER) work queued there, a kworker's included, waits: the kernel
 * then gives it only what real-time throttling leaves (by default 50 ms in
 * each second). The harness uses it to hold back a module's work item.
 *
 * Usage: rtspin CPU MS
 * Spins on CPU at SCHED_FIFO priority 1 for MS milliseconds; exits 1 on
 * error.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct sched_param sp = { .sched_priority = 1 };
	long long end;
	cpu_set_t set;

	if (argc != 3) {
		fprintf(stderr, "usage: rtspin CPU MS\n");
		return 2;
	}
	CPU_ZERO(&set);
	CPU_SET(atoi(argv[1]), &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("rtspin: sched_setaffinity");
		return 1;
	}
	if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
		perror("rtspin: sched_setscheduler");
		return 1;
	}
	end = now_ms() + atol(argv[2]);
	while (now_ms() < end)
		;
	return 0;
}
