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

int main(int argc, char **argv)
{
	volatile unsigned long spin;
	int cpu, ccnt, evcnt;

	if (argc != 2) {
		fprintf(stderr, "usage: perfcount CPU\n");
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
