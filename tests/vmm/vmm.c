// SPDX-License-Identifier: GPL-2.0
/*
 * vmm - a tiny static arm64 KVM VMM for the mdcr-fix test harness.
 *
 * Every vCPU runs a few hand-assembled instructions that store the vCPU
 * index to a per-vCPU MMIO address in an endless loop, so each KVM_RUN
 * returns with KVM_EXIT_MMIO. With -w they spin on a branch-to-self
 * instead and never leave KVM_RUN until a signal stops them. The options
 * select how vCPUs are created, started, debugged, interrupted and stopped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/psci.h>

#define MAX_VCPUS		512
#define THREAD_STACK		(256 * 1024)

/* Guest physical memory map */
#define GUEST_RAM_BASE		0x40000000ULL
/*
 * KVM memory slots must be host-page aligned in base and size: 64K, the
 * largest arm64 page (RHEL 8's kernels use it), fits every host.
 */
#define GUEST_RAM_SIZE		0x10000ULL
#define GUEST_MMIO_BASE		0x10000000ULL	/* + 8 * vCPU index */
#define GUEST_FAIL_ADDR		0x1f000000ULL	/* PSCI failure report */
#define GIC_DIST_BASE		0x08000000ULL
#define GIC_REDIST_BASE		0x080a0000ULL
#define GIC_NR_IRQS		96

/* Guest code layout, offsets into guest RAM */
#define CODE_LOOP		0x00	/* MMIO loop, secondary entry */
#define CODE_FAIL		0x20	/* report a failed PSCI call */
#define CODE_SPIN		0x30	/* -w: b . */
#define CODE_BOOT		0x40	/* primary with -S: CPU_ON, then loop */

#define BENCH_WARMUP		100

enum debug_mode { DEBUG_NONE, DEBUG_SW, DEBUG_HW };

struct options {
	int nr_vcpus;
	int nr_vms;
	long nr_exits;
	enum debug_mode debug;
	bool intr;
	bool smp;
	bool smp_on;
	int pin_cpu;		/* -1: no pinning */
	long bench;		/* 0: no benchmark */
	long duration;		/* seconds, 0: use nr_exits */
	long spin;		/* seconds, 0: no spinning */
	bool no_vgic;
	bool quiet;
	bool timer_fail;
	bool vgic_fail;
	int move_cpu;		/* -1: stay */
};

struct vm;

struct vcpu {
	struct vm *vm;
	int idx;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	pid_t tid;
	int cpu;
	bool sleeper;		/* -s: powered off, stopped by a signal */
	unsigned long exits;
	unsigned long eintr;
	long long bench_ns;
};

struct vm {
	int idx;
	int fd;
	int gic_fd;		/* -1: no in-kernel irqchip */
	void *mem;
	size_t run_size;
	struct vcpu *vcpus;
	pthread_barrier_t barrier;
	struct timespec deadline;
};

static struct options opt = {
	.nr_vcpus = 1,
	.nr_vms = 1,
	.nr_exits = 3,
	.debug = DEBUG_NONE,
	.pin_cpu = -1,
	.move_cpu = -1,
};

static int kvm_fd = -1;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmm [options]\n"
		"  -c N     vCPUs per VM, one thread each (default 1, max %d)\n"
		"  -v N     VMs created, run and destroyed in turn (default 1)\n"
		"  -n N     MMIO exits per vCPU (default 3); 0: no normal run\n"
		"  -g MODE  KVM_SET_GUEST_DEBUG before the first run:\n"
		"           none (default), sw (ENABLE), hw (ENABLE|USE_HW)\n"
		"  -i       make each vCPU's first KVM_RUN with SIGUSR1 pending\n"
		"           (must fail with EINTR before the guest runs)\n"
		"  -s       start vCPUs 1..N-1 powered off; they sleep in\n"
		"           KVM_RUN until stopped with SIGUSR1 (EINTR)\n"
		"  -S       with -s: vCPU 0 starts the others with PSCI\n"
		"           CPU_ON and they do their MMIO exits too\n"
		"  -p CPU   pin every vCPU thread to CPU\n"
		"  -m CPU   after its runs, move each vCPU thread to CPU and\n"
		"           make one KVM_RUN there with SIGUSR1 pending: the\n"
		"           vCPU is loaded and put there with the MDCR_EL2 KVM\n"
		"           computed where it ran before\n"
		"  -b N     benchmark N MMIO exits on vCPU 0 (after %d\n"
		"           warm-up exits) and print ns per run\n"
		"  -d SECS  keep doing MMIO exits until SECS have passed\n"
		"  -w SECS  spin: every vCPU loops on 'b .' in one KVM_RUN\n"
		"           until SECS have passed, then is stopped with\n"
		"           SIGUSR1 (EINTR); -n is ignored, no -b, -d, -s\n"
		"  -G       no in-kernel vGICv3\n"
		"  -T       give each vCPU's physical timer the virtual timer's\n"
		"           interrupt: the first KVM_RUN fails in the timer enable\n"
		"           of the first-run init; then run as asked\n"
		"  -V       no KVM_DEV_ARM_VGIC_CTRL_INIT: each vCPU's first KVM_RUN\n"
		"           fails in the vGIC mapping of the first-run init (EBUSY);\n"
		"           then run as asked (-i first, if given)\n"
		"  -q       quiet: only errors and the bench line\n"
		"  -h       this help\n",
		MAX_VCPUS, BENCH_WARMUP);
}

/* "vmm: " and the message, without a newline. */
static void vmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "vmm: ");
	vfprintf(stderr, fmt, ap);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	exit(EXIT_FAILURE);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	exit(2);
}

/* pthread functions return the error instead of setting errno */
static void check_pthread(int ret, const char *what)
{
	if (ret) {
		errno = ret;
		die("%s", what);
	}
}

static long parse_num(const char *arg, char o, long min, long max)
{
	char *end;
	long val;

	errno = 0;
	val = strtol(arg, &end, 0);
	if (errno || end == arg || *end || val < min || val > max)
		fail("-%c: '%s' is not a number in [%ld, %ld]", o, arg, min,
		     max);
	return val;
}

static enum debug_mode parse_debug(const char *arg)
{
	if (!strcmp(arg, "none"))
		return DEBUG_NONE;
	if (!strcmp(arg, "sw"))
		return DEBUG_SW;
	if (!strcmp(arg, "hw"))
		return DEBUG_HW;
	fail("-g: '%s' is not one of none, sw, hw", arg);
}

static void parse_args(int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "c:v:n:g:isSp:m:b:d:w:GTVqh")) != -1) {
		switch (c) {
		case 'c':
			opt.nr_vcpus = parse_num(optarg, c, 1, MAX_VCPUS);
			break;
		case 'v':
			opt.nr_vms = parse_num(optarg, c, 1, INT_MAX);
			break;
		case 'n':
			opt.nr_exits = parse_num(optarg, c, 0, LONG_MAX);
			break;
		case 'g':
			opt.debug = parse_debug(optarg);
			break;
		case 'i':
			opt.intr = true;
			break;
		case 'S':
			opt.smp_on = true;
			/* fall through */
		case 's':
			opt.smp = true;
			break;
		case 'p':
			opt.pin_cpu = parse_num(optarg, c, 0, CPU_SETSIZE - 1);
			break;
		case 'm':
			opt.move_cpu = parse_num(optarg, c, 0, CPU_SETSIZE - 1);
			break;
		case 'b':
			opt.bench = parse_num(optarg, c, 1, LONG_MAX);
			break;
		case 'd':
			opt.duration = parse_num(optarg, c, 1, INT_MAX);
			break;
		case 'w':
			opt.spin = parse_num(optarg, c, 1, INT_MAX);
			break;
		case 'G':
			opt.no_vgic = true;
			break;
		case 'T':
			opt.timer_fail = true;
			break;
		case 'V':
			opt.vgic_fail = true;
			break;
		case 'q':
			opt.quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
	if (opt.spin && (opt.bench || opt.duration || opt.smp))
		usage_error("-w cannot be combined with -b, -d, -s or -S");
	if (opt.bench && opt.duration)
		fail("-b and -d cannot be combined");
	if (opt.vgic_fail && opt.no_vgic)
		usage_error("-V needs the in-kernel vGIC: not with -G");
	if (opt.move_cpu >= 0 && (opt.spin || opt.smp))
		usage_error("-m cannot be combined with -w, -s or -S");
}

/*
 * Guest code. Instructions are hand-assembled; the helpers encode the
 * few that take an operand.
 */
#define A64_LSL_X1_X0_3		0xd37df001U	/* lsl  x1, x0, #3 */
#define A64_ADD_X1_X1_X2	0x8b020021U	/* add  x1, x1, x2 */
#define A64_STR_W0_X1		0xb9000020U	/* str  w0, [x1] */
#define A64_HVC_0		0xd4000002U	/* hvc  #0 */

/* movz xD, #imm, lsl #(16 * hw) */
static uint32_t a64_movz(unsigned int rd, uint16_t imm, unsigned int hw)
{
	return 0xd2800000U | hw << 21 | (uint32_t)imm << 5 | rd;
}

/* movk xD, #imm, lsl #(16 * hw) */
static uint32_t a64_movk(unsigned int rd, uint16_t imm, unsigned int hw)
{
	return 0xf2800000U | hw << 21 | (uint32_t)imm << 5 | rd;
}

/* b <pc + off> */
static uint32_t a64_b(int32_t off)
{
	return 0x14000000U | ((uint32_t)(off / 4) & 0x03ffffffU);
}

/* cbnz xT, <pc + off> */
static uint32_t a64_cbnz(unsigned int rt, int32_t off)
{
	return 0xb5000000U | ((uint32_t)(off / 4) & 0x7ffffU) << 5 | rt;
}

struct code {
	uint32_t *buf;
	size_t pos;		/* byte offset of the next instruction */
};

static void emit(struct code *c, uint32_t insn)
{
	if (c->pos + 4 > GUEST_RAM_SIZE)
		fail("guest code does not fit in guest RAM");
	c->buf[c->pos / 4] = insn;
	c->pos += 4;
}

/* x0 = vCPU index on entry; loop: *(u32 *)(MMIO_BASE + 8 * x0) = w0 */
static void emit_loop(struct code *c)
{
	c->pos = CODE_LOOP;
	emit(c, A64_LSL_X1_X0_3);
	emit(c, a64_movz(2, GUEST_MMIO_BASE >> 16, 1));	/* x2 = MMIO */
	emit(c, A64_ADD_X1_X1_X2);
	emit(c, A64_STR_W0_X1);
	emit(c, a64_b(-4));				/* b <str> */
}

/* x0 = PSCI return value: report it at GUEST_FAIL_ADDR forever */
static void emit_fail(struct code *c)
{
	c->pos = CODE_FAIL;
	emit(c, a64_movz(1, GUEST_FAIL_ADDR >> 16, 1));	/* x1 = FAIL */
	emit(c, A64_STR_W0_X1);
	emit(c, a64_b(-4));				/* b <str> */
}

/* -w: branch to self, the vCPU never exits to userspace on its own */
static void emit_spin(struct code *c)
{
	c->pos = CODE_SPIN;
	emit(c, a64_b(0));
}

/* KVM's MPIDR layout: Aff0 = idx & 15, Aff1 = idx >> 4 */
static uint16_t vcpu_mpidr(int idx)
{
	return (idx >> 4) << 8 | (idx & 15);
}

/* PSCI CPU_ON(target = vCPU idx, entry = loop, context_id = idx) */
static void emit_cpu_on(struct code *c, int idx)
{
	uint64_t entry = GUEST_RAM_BASE + CODE_LOOP;
	uint32_t fn = PSCI_0_2_FN64_CPU_ON;	/* from <linux/psci.h> */

	emit(c, a64_movz(0, fn & 0xffff, 0));			/* x0 = fn */
	emit(c, a64_movk(0, fn >> 16, 1));
	emit(c, a64_movz(1, vcpu_mpidr(idx), 0));		/* target */
	emit(c, a64_movz(2, entry & 0xffff, 0));		/* entry */
	emit(c, a64_movk(2, entry >> 16, 1));
	emit(c, a64_movz(3, idx, 0));				/* context */
	emit(c, A64_HVC_0);
	emit(c, a64_cbnz(0, CODE_FAIL - (int32_t)c->pos));	/* ret != 0 */
}

/* Primary with -S: start every secondary, then x0 = 0 and loop */
static void emit_boot(struct code *c)
{
	int i;

	c->pos = CODE_BOOT;
	for (i = 1; i < opt.nr_vcpus; i++)
		emit_cpu_on(c, i);
	emit(c, a64_movz(0, 0, 0));
	emit(c, a64_b(CODE_LOOP - (int32_t)c->pos));
}

static void write_guest_code(void *mem)
{
	struct code c = { .buf = mem };

	emit_loop(&c);
	emit_fail(&c);
	emit_spin(&c);
	if (opt.smp_on)
		emit_boot(&c);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die("calloc");
	return p;
}

static void open_kvm(void)
{
	int ret;

	kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		die("open /dev/kvm");
	ret = ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret < 0)
		die("KVM_GET_API_VERSION");
	if (ret != KVM_API_VERSION)
		fail("KVM API version %d, expected %d", ret, KVM_API_VERSION);
}

static void vm_add_memory(struct vm *vm)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = GUEST_RAM_BASE,
		.memory_size = GUEST_RAM_SIZE,
	};

	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0 || GUEST_RAM_SIZE % page || GUEST_RAM_BASE % page)
		fail("vm %d: guest RAM 0x%llx at 0x%llx is not a multiple of the host page size (%ld)",
		     vm->idx, GUEST_RAM_SIZE, GUEST_RAM_BASE, page);
	vm->mem = mmap(NULL, GUEST_RAM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED)
		die("vm %d: mmap guest RAM", vm->idx);
	write_guest_code(vm->mem);
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region))
		die("vm %d: KVM_SET_USER_MEMORY_REGION", vm->idx);
}

static void vm_create(struct vm *vm, int idx)
{
	int size;

	vm->idx = idx;
	vm->gic_fd = -1;
	vm->fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		die("vm %d: KVM_CREATE_VM", idx);
	size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	if ((size_t)size < sizeof(struct kvm_run))
		fail("KVM_GET_VCPU_MMAP_SIZE: %d is too small", size);
	vm->run_size = size;
	vm_add_memory(vm);
	vm->vcpus = xcalloc(opt.nr_vcpus, sizeof(*vm->vcpus));
}

static void gic_set_attr(struct vm *vm, uint32_t group, uint64_t attr,
			 void *val, const char *what)
{
	struct kvm_device_attr da = {
		.group = group,
		.attr = attr,
		.addr = (uintptr_t)val,
	};

	if (ioctl(vm->gic_fd, KVM_SET_DEVICE_ATTR, &da))
		die("vm %d: vgic-v3 %s", vm->idx, what);
}

/* Create the vGICv3 and place it; CTRL_INIT follows in vgic_init() */
static void vgic_create(struct vm *vm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint64_t dist = GIC_DIST_BASE, redist = GIC_REDIST_BASE;
	uint32_t nr_irqs = GIC_NR_IRQS;

	if (ioctl(vm->fd, KVM_CREATE_DEVICE, &cd)) {
		if (errno != ENODEV)
			die("vm %d: KVM_CREATE_DEVICE vgic-v3", vm->idx);
		if (!opt.quiet)
			printf("# vgic-v3 unavailable, running without in-kernel irqchip\n");
		return;
	}
	vm->gic_fd = cd.fd;
	gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_ADDR,
		     KVM_VGIC_V3_ADDR_TYPE_DIST, &dist, "distributor address");
	gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_ADDR,
		     KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist,
		     "redistributor address");
	gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs,
		     "number of IRQs");
}

static void vgic_init(struct vm *vm)
{
	if (vm->gic_fd < 0 || opt.vgic_fail)
		return;
	gic_set_attr(vm, KVM_DEV_ARM_VGIC_GRP_CTRL,
		     KVM_DEV_ARM_VGIC_CTRL_INIT, NULL, "CTRL_INIT");
}

static void vcpu_set_reg(struct vcpu *vc, uint64_t id, uint64_t val,
			 const char *name)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&val };

	if (ioctl(vc->fd, KVM_SET_ONE_REG, &reg))
		die("vcpu %d.%d: KVM_SET_ONE_REG %s", vc->vm->idx, vc->idx,
		    name);
}

#define CORE_REG(r)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | \
			 KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(r))

static void vcpu_init(struct vcpu *vc, const struct kvm_vcpu_init *pref)
{
	struct kvm_vcpu_init init = *pref;
	uint64_t pc = GUEST_RAM_BASE + CODE_LOOP;

	memset(init.features, 0, sizeof(init.features));
	init.features[0] = 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (vc->idx && opt.smp)
		init.features[0] |= 1U << KVM_ARM_VCPU_POWER_OFF;
	if (ioctl(vc->fd, KVM_ARM_VCPU_INIT, &init))
		die("vcpu %d.%d: KVM_ARM_VCPU_INIT", vc->vm->idx, vc->idx);
	if (!vc->idx && opt.smp_on)
		pc = GUEST_RAM_BASE + CODE_BOOT;
	if (opt.spin)
		pc = GUEST_RAM_BASE + CODE_SPIN;
	vcpu_set_reg(vc, CORE_REG(regs.pc), pc, "pc");
	vcpu_set_reg(vc, CORE_REG(regs.regs[0]), vc->idx, "x0");
}

static void vcpu_create(struct vm *vm, int idx,
			const struct kvm_vcpu_init *pref)
{
	struct vcpu *vc = &vm->vcpus[idx];

	vc->vm = vm;
	vc->idx = idx;
	vc->cpu = -1;
	/* -n 0 means no normal run at all, not even the sleeping one */
	vc->sleeper = idx && opt.smp && !opt.smp_on &&
		      (opt.nr_exits || opt.duration);
	vc->fd = ioctl(vm->fd, KVM_CREATE_VCPU, idx);
	if (vc->fd < 0)
		die("vcpu %d.%d: KVM_CREATE_VCPU", vm->idx, idx);
	vc->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED, vc->fd, 0);
	if (vc->run == MAP_FAILED)
		die("vcpu %d.%d: mmap kvm_run", vm->idx, idx);
	vcpu_init(vc, pref);
}

static void check_max_vcpus(struct vm *vm)
{
	int max = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	if (max < 0)
		die("vm %d: KVM_CHECK_EXTENSION KVM_CAP_MAX_VCPUS", vm->idx);
	if (max > 0 && opt.nr_vcpus > max)
		fail("vm %d: %d vCPUs requested, KVM_CAP_MAX_VCPUS is %d%s",
		     vm->idx, opt.nr_vcpus, max,
		     vm->gic_fd < 0 ? " without vgic-v3" : "");
}

static void vcpus_create(struct vm *vm)
{
	struct kvm_vcpu_init pref;
	int i;

	check_max_vcpus(vm);
	memset(&pref, 0, sizeof(pref));
	if (ioctl(vm->fd, KVM_ARM_PREFERRED_TARGET, &pref))
		die("vm %d: KVM_ARM_PREFERRED_TARGET", vm->idx);
	for (i = 0; i < opt.nr_vcpus; i++)
		vcpu_create(vm, i, &pref);
}

static void vm_destroy(struct vm *vm)
{
	int i;

	for (i = 0; i < opt.nr_vcpus; i++) {
		if (munmap(vm->vcpus[i].run, vm->run_size))
			die("vcpu %d.%d: munmap kvm_run", vm->idx, i);
		if (close(vm->vcpus[i].fd))
			die("vcpu %d.%d: close", vm->idx, i);
	}
	if (vm->gic_fd >= 0 && close(vm->gic_fd))
		die("vm %d: close vgic", vm->idx);
	if (close(vm->fd))
		die("vm %d: close", vm->idx);
	if (munmap(vm->mem, GUEST_RAM_SIZE))
		die("vm %d: munmap guest RAM", vm->idx);
	free(vm->vcpus);
}

/* vCPU thread side */

static void vcpu_pin_to(struct vcpu *vc, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	errno = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (errno)
		die("vcpu %d.%d: pin to cpu %d", vc->vm->idx, vc->idx, cpu);
}

static void vcpu_pin(struct vcpu *vc)
{
	vcpu_pin_to(vc, opt.pin_cpu);
}

static void vcpu_set_debug(struct vcpu *vc)
{
	struct kvm_guest_debug dbg;

	memset(&dbg, 0, sizeof(dbg));
	dbg.control = KVM_GUESTDBG_ENABLE;
	if (opt.debug == DEBUG_HW)
		dbg.control |= KVM_GUESTDBG_USE_HW;
	if (ioctl(vc->fd, KVM_SET_GUEST_DEBUG, &dbg))
		die("vcpu %d.%d: KVM_SET_GUEST_DEBUG", vc->vm->idx, vc->idx);
}

/*
 * SIGUSR1 is blocked in every thread; an empty KVM signal mask unblocks it
 * for the duration of KVM_RUN only, so a pending SIGUSR1 makes KVM_RUN
 * return EINTR and stays pending until consume_sigusr1().
 */
static void vcpu_set_sigmask(struct vcpu *vc)
{
	struct kvm_signal_mask *mask;

	mask = xcalloc(1, sizeof(*mask) + 8);
	mask->len = 8;		/* the kernel's sigset_t */
	if (ioctl(vc->fd, KVM_SET_SIGNAL_MASK, mask))
		die("vcpu %d.%d: KVM_SET_SIGNAL_MASK", vc->vm->idx, vc->idx);
	free(mask);
}

static void consume_sigusr1(struct vcpu *vc)
{
	struct timespec zero = { 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigtimedwait(&set, NULL, &zero) != SIGUSR1)
		die("vcpu %d.%d: SIGUSR1 not pending after EINTR",
		    vc->vm->idx, vc->idx);
}

static const char *exit_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_UNKNOWN:		return "UNKNOWN";
	case KVM_EXIT_EXCEPTION:	return "EXCEPTION";
	case KVM_EXIT_HYPERCALL:	return "HYPERCALL";
	case KVM_EXIT_DEBUG:		return "DEBUG";
	case KVM_EXIT_MMIO:		return "MMIO";
	case KVM_EXIT_SHUTDOWN:		return "SHUTDOWN";
	case KVM_EXIT_FAIL_ENTRY:	return "FAIL_ENTRY";
	case KVM_EXIT_INTR:		return "INTR";
	case KVM_EXIT_INTERNAL_ERROR:	return "INTERNAL_ERROR";
	case KVM_EXIT_SYSTEM_EVENT:	return "SYSTEM_EVENT";
	default:			return "?";
	}
}

static void __attribute__((noreturn)) bad_exit(struct vcpu *vc)
{
	struct kvm_run *run = vc->run;
	unsigned int i;

	fprintf(stderr, "vmm: vcpu %d.%d: unexpected exit_reason %u (%s)",
		vc->vm->idx, vc->idx, run->exit_reason,
		exit_name(run->exit_reason));
	switch (run->exit_reason) {
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(stderr, " hardware_entry_failure_reason=0x%llx cpu=%u",
			(unsigned long long)
			run->fail_entry.hardware_entry_failure_reason,
			run->fail_entry.cpu);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		fprintf(stderr, " suberror=%u ndata=%u", run->internal.suberror,
			run->internal.ndata);
		for (i = 0; i < run->internal.ndata && i < 16; i++)
			fprintf(stderr, " data[%u]=0x%llx", i,
				(unsigned long long)run->internal.data[i]);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		fprintf(stderr, " type=%u", run->system_event.type);
		break;
	case KVM_EXIT_DEBUG:
		fprintf(stderr, " hsr=0x%x far=0x%llx",
			run->debug.arch.hsr,
			(unsigned long long)run->debug.arch.far);
		break;
	}
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

static void check_mmio_exit(struct vcpu *vc)
{
	struct kvm_run *run = vc->run;
	uint64_t want = GUEST_MMIO_BASE + 8ULL * vc->idx;
	uint32_t data;

	if (run->exit_reason != KVM_EXIT_MMIO)
		bad_exit(vc);
	memcpy(&data, run->mmio.data, sizeof(data));
	if (run->mmio.is_write && run->mmio.phys_addr == GUEST_FAIL_ADDR)
		fail("vcpu %d.%d: guest PSCI CPU_ON failed: %d", vc->vm->idx,
		     vc->idx, (int32_t)data);
	if (!run->mmio.is_write || run->mmio.phys_addr != want ||
	    run->mmio.len != 4 || data != (uint32_t)vc->idx)
		fail("vcpu %d.%d: unexpected MMIO %s addr=0x%llx len=%u data=0x%x, expected write of %d to 0x%llx",
		     vc->vm->idx, vc->idx, run->mmio.is_write ? "write" : "read",
		     (unsigned long long)run->mmio.phys_addr, run->mmio.len,
		     data, vc->idx, (unsigned long long)want);
}

/* One KVM_RUN that must end in the guest's MMIO store */
static void mmio_run(struct vcpu *vc)
{
	if (ioctl(vc->fd, KVM_RUN, 0))
		die("vcpu %d.%d: KVM_RUN", vc->vm->idx, vc->idx);
	check_mmio_exit(vc);
	vc->exits++;
}

/* One KVM_RUN that must fail with EINTR because SIGUSR1 is pending */
static void eintr_run(struct vcpu *vc)
{
	int ret = ioctl(vc->fd, KVM_RUN, 0);

	if (ret == 0)
		bad_exit(vc);
	if (errno != EINTR)
		die("vcpu %d.%d: KVM_RUN did not fail with EINTR",
		    vc->vm->idx, vc->idx);
	consume_sigusr1(vc);
	vc->eintr++;
}

/* -i: interrupt the first KVM_RUN before the guest runs */
static void interrupted_run(struct vcpu *vc)
{
	check_pthread(pthread_kill(pthread_self(), SIGUSR1),
		      "pthread_kill self");
	eintr_run(vc);
}

static long long now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		die("clock_gettime");
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void bench_runs(struct vcpu *vc)
{
	long long start;
	long i;

	for (i = 0; i < BENCH_WARMUP; i++)
		mmio_run(vc);
	start = now_ns();
	for (i = 0; i < opt.bench; i++)
		mmio_run(vc);
	vc->bench_ns = (now_ns() - start) / opt.bench;
}

static bool deadline_passed(const struct vm *vm)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		die("clock_gettime");
	return ts.tv_sec > vm->deadline.tv_sec ||
	       (ts.tv_sec == vm->deadline.tv_sec &&
		ts.tv_nsec >= vm->deadline.tv_nsec);
}

static void normal_runs(struct vcpu *vc)
{
	long i;

	if (opt.duration) {
		while (!deadline_passed(vc->vm))
			mmio_run(vc);
		return;
	}
	for (i = 0; i < opt.nr_exits; i++)
		mmio_run(vc);
}

/* -s sleepers and -w spinners stay in KVM_RUN until SIGUSR1 stops them */
static bool vcpu_signal_stopped(const struct vcpu *vc)
{
	return vc->sleeper || opt.spin;
}

/*
 * -T: the virtual and the physical timer on one interrupt. KVM accepts the
 * attribute, then its first-run init fails in kvm_timer_enable(), after
 * has_run_once is set: the next KVM_RUN goes straight to the load.
 */
static void failed_first_run(struct vcpu *vc)
{
	int irq = 27;	/* the virtual timer's PPI */
	struct kvm_device_attr attr = {
		.group = KVM_ARM_VCPU_TIMER_CTRL,
		.attr = KVM_ARM_VCPU_TIMER_IRQ_PTIMER,
		.addr = (uint64_t)(unsigned long)&irq,
	};

	if (ioctl(vc->fd, KVM_SET_DEVICE_ATTR, &attr))
		die("vcpu %d.%d: set the physical timer's interrupt", vc->vm->idx,
		    vc->idx);
	if (!ioctl(vc->fd, KVM_RUN, 0))
		fail("vcpu %d.%d: KVM_RUN succeeded with both timers on PPI %d",
		     vc->vm->idx, vc->idx, irq);
	if (!opt.quiet)
		printf("vcpu %d.%d: first KVM_RUN failed in the timer enable, as asked: %s\n",
		       vc->vm->idx, vc->idx, strerror(errno));
}

/*
 * -V: no CTRL_INIT. The first-run init sets has_run_once, then fails to
 * map the vGIC (EBUSY) and returns before kvm_timer_enable(): the next
 * KVM_RUN goes straight to the load.
 */
static void failed_vgic_run(struct vcpu *vc)
{
	if (!ioctl(vc->fd, KVM_RUN, 0))
		fail("vcpu %d.%d: KVM_RUN succeeded without CTRL_INIT",
		     vc->vm->idx, vc->idx);
	if (!opt.quiet)
		printf("vcpu %d.%d: first KVM_RUN failed in the vGIC mapping, as asked: %s\n",
		       vc->vm->idx, vc->idx, strerror(errno));
}

static void vcpu_prepare(struct vcpu *vc)
{
	vc->tid = syscall(SYS_gettid);
	if (opt.pin_cpu >= 0)
		vcpu_pin(vc);
	if (opt.debug != DEBUG_NONE)
		vcpu_set_debug(vc);
	if (opt.timer_fail)
		failed_first_run(vc);
	if (opt.vgic_fail)
		failed_vgic_run(vc);
	if (opt.intr || vcpu_signal_stopped(vc))
		vcpu_set_sigmask(vc);
	if (opt.intr)
		interrupted_run(vc);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vc = arg;
	int ret;

	vcpu_prepare(vc);
	/* no stop signal may be sent before the -i one has been consumed */
	ret = pthread_barrier_wait(&vc->vm->barrier);
	if (ret && ret != PTHREAD_BARRIER_SERIAL_THREAD)
		check_pthread(ret, "pthread_barrier_wait");
	if (vcpu_signal_stopped(vc))
		eintr_run(vc);
	else if (!vc->idx && opt.bench)
		bench_runs(vc);
	else
		normal_runs(vc);
	if (opt.move_cpu >= 0) {
		vcpu_pin_to(vc, opt.move_cpu);
		vcpu_set_sigmask(vc);
		interrupted_run(vc);
	}
	vc->cpu = sched_getcpu();
	return NULL;
}

/* Main thread side */

static void set_deadline(struct vm *vm)
{
	if (clock_gettime(CLOCK_MONOTONIC, &vm->deadline))
		die("clock_gettime");
	vm->deadline.tv_sec += opt.spin ? opt.spin : opt.duration;
}

static void vcpus_start(struct vm *vm)
{
	pthread_attr_t attr;
	int i, ret;

	check_pthread(pthread_barrier_init(&vm->barrier, NULL,
					   opt.nr_vcpus + 1),
		      "pthread_barrier_init");
	check_pthread(pthread_attr_init(&attr), "pthread_attr_init");
	check_pthread(pthread_attr_setstacksize(&attr, THREAD_STACK),
		      "pthread_attr_setstacksize");
	set_deadline(vm);
	for (i = 0; i < opt.nr_vcpus; i++)
		check_pthread(pthread_create(&vm->vcpus[i].thread, &attr,
					     vcpu_thread, &vm->vcpus[i]),
			      "pthread_create");
	pthread_attr_destroy(&attr);
	ret = pthread_barrier_wait(&vm->barrier);
	if (ret && ret != PTHREAD_BARRIER_SERIAL_THREAD)
		check_pthread(ret, "pthread_barrier_wait");
}

static void wait_deadline(const struct vm *vm)
{
	int ret;

	do
		ret = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
				      &vm->deadline, NULL);
	while (ret == EINTR);
	if (ret) {
		errno = ret;
		die("clock_nanosleep");
	}
}

static void vcpu_signal(const struct vcpu *vc)
{
	check_pthread(pthread_kill(vc->thread, SIGUSR1), "pthread_kill");
}

static void vcpus_join(struct vm *vm, int first)
{
	int i;

	for (i = first; i < opt.nr_vcpus; i++)
		check_pthread(pthread_join(vm->vcpus[i].thread, NULL),
			      "pthread_join");
}

/* -w: let every vCPU spin until the deadline, then stop them all */
static void spinners_stop(struct vm *vm)
{
	int i;

	wait_deadline(vm);
	for (i = 0; i < opt.nr_vcpus; i++)
		vcpu_signal(&vm->vcpus[i]);
	vcpus_join(vm, 0);
}

/* Wait for vCPU 0, stop the sleeping secondaries, wait for the rest */
static void sleepers_stop(struct vm *vm)
{
	int i;

	check_pthread(pthread_join(vm->vcpus[0].thread, NULL),
		      "pthread_join");
	for (i = 1; i < opt.nr_vcpus; i++)
		if (vm->vcpus[i].sleeper)
			vcpu_signal(&vm->vcpus[i]);
	vcpus_join(vm, 1);
}

static void vcpus_stop(struct vm *vm)
{
	if (opt.spin)
		spinners_stop(vm);
	else
		sleepers_stop(vm);
	check_pthread(pthread_barrier_destroy(&vm->barrier),
		      "pthread_barrier_destroy");
}

static void vm_report(const struct vm *vm)
{
	unsigned long exits = 0, eintr = 0;
	const struct vcpu *vc;
	int i;

	if (opt.bench)
		printf("bench: runs=%ld ns_per_run=%lld\n", opt.bench,
		       vm->vcpus[0].bench_ns);
	if (opt.quiet)
		return;
	for (i = 0; i < opt.nr_vcpus; i++) {
		exits += vm->vcpus[i].exits;
		eintr += vm->vcpus[i].eintr;
	}
	printf("vm %d: vcpus=%d exits=%lu eintr=%lu pid=%d page=%ld\n", vm->idx,
	       opt.nr_vcpus, exits, eintr, (int)getpid(), sysconf(_SC_PAGESIZE));
	for (i = 0; i < opt.nr_vcpus; i++) {
		vc = &vm->vcpus[i];
		printf("vcpu %d.%d: tid=%d cpu=%d exits=%lu eintr=%lu\n",
		       vm->idx, vc->idx, (int)vc->tid, vc->cpu, vc->exits,
		       vc->eintr);
	}
}

static void run_vm(int idx)
{
	struct vm vm;

	memset(&vm, 0, sizeof(vm));
	vm_create(&vm, idx);
	if (!opt.no_vgic)
		vgic_create(&vm);
	vcpus_create(&vm);
	vgic_init(&vm);
	vcpus_start(&vm);
	vcpus_stop(&vm);
	vm_report(&vm);
	fflush(stdout);
	vm_destroy(&vm);
}

static void sigusr1_handler(int sig)
{
	(void)sig;
}

/* No SA_RESTART; every thread inherits SIGUSR1 blocked from here */
static void setup_signals(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sigusr1_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		die("sigaction SIGUSR1");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	check_pthread(pthread_sigmask(SIG_BLOCK, &set, NULL),
		      "pthread_sigmask");
}

int main(int argc, char **argv)
{
	int i;

	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup_signals();
	open_kvm();
	for (i = 0; i < opt.nr_vms; i++)
		run_vm(i);
	if (close(kvm_fd))
		die("close /dev/kvm");
	return EXIT_SUCCESS;
}
