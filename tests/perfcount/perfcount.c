// SPDX-License-Identifier: GPL-2.0
/*
 * perfcount - what a host operator sees of MDCR_EL2.HPMN = 0 on one CPU.
 *
 * Opens two CPU-wide perf events counting CPU cycles on that CPU and spins
 * there. The arm PMU driver puts the first on the dedicated cycle counter
 * (PMCCNTR_EL0, outside HPMN's reach) and the second on an event counter
 * (PMEVCNTR0_EL0). With HPMN = 0 every event counter belongs to EL2 and is
 * enabled only by MDCR_EL2.HPME, which is 0: the second count stays at 0
 * while the first goes on. (Cycles, because QEMU's TCG PMU counts no other
 * event without -icount.)
 *
 * Usage: perfcount CPU
 * Prints "cpu=N cycle_counter=COUNT event_counter=COUNT"; exits 1 on error.
 *
 * Usage: perfcount -t SECS CPU
 * Counts CPU cycles CPU-wide on CPU for SECS seconds, as perf stat -a does,
 * reading the count all the while from another CPU, and prints
 * "cpu=N count=COUNT samples=N resets=N max_stall_ms=N": how often the
 * count went back, and the longest time it did not move.
 */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SPIN_LOOPS	20000000UL

static int open_cycles(int cpu)
{
	struct perf_event_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_CPU_CYCLES;
	attr.disabled = 1;
	fd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1, 0);
	if (fd < 0) {
		perror("perfcount: perf_event_open");
		exit(1);
	}
	return fd;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("perfcount: sched_setaffinity");
		exit(1);
	}
}

static uint64_t read_counter(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != sizeof(v)) {
		perror("perfcount: read");
		exit(1);
	}
	return v;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* -t SECS CPU: watch one CPU-wide count on CPU from wherever this runs. */
static int watch(int secs, int cpu)
{
	long long start = now_ms(), moved = start, t, stall = 0;
	unsigned long samples = 0, resets = 0;
	uint64_t prev = 0, v;
	int fd = open_cycles(cpu);

	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	while ((t = now_ms()) - start < secs * 1000LL) {
		v = read_counter(fd);
		samples++;
		if (v < prev)
			resets++;
		if (v != prev)
			moved = t;
		else if (t - moved > stall)
			stall = t - moved;
		prev = v;
		usleep(1000);
	}
	printf("cpu=%d count=%llu samples=%lu resets=%lu max_stall_ms=%lld\n",
	       cpu, (unsigned long long)prev, samples, resets, stall);
	return 0;
}

int main(int argc, char **argv)
{
	volatile unsigned long spin;
	int cpu, ccnt, evcnt;

	if (argc == 4 && !strcmp(argv[1], "-t"))
		return watch(atoi(argv[2]), atoi(argv[3]));
	if (argc != 2) {
		fprintf(stderr, "usage: perfcount CPU | perfcount -t SECS CPU\n");
		return 2;
	}
	cpu = atoi(argv[1]);
	pin(cpu);
	ccnt = open_cycles(cpu);
	evcnt = open_cycles(cpu);
	ioctl(ccnt, PERF_EVENT_IOC_ENABLE, 0);
	ioctl(evcnt, PERF_EVENT_IOC_ENABLE, 0);
	for (spin = 0; spin < SPIN_LOOPS; spin++)
		;
	ioctl(evcnt, PERF_EVENT_IOC_DISABLE, 0);
	ioctl(ccnt, PERF_EVENT_IOC_DISABLE, 0);
	printf("cpu=%d cycle_counter=%llu event_counter=%llu\n", cpu,
	       (unsigned long long)read_counter(ccnt),
	       (unsigned long long)read_counter(evcnt));
	return 0;
}
