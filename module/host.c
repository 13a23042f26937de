// SPDX-License-Identifier: GPL-2.0
/*
 * The host's own MDCR_EL2, per CPU: check, repair, and KVM's copy of it.
 *
 * The boot code gives the host HPMN = PMCR_EL0.N where ID_AA64DFR0_EL1 says
 * a standard PMU exists, and leaves HPMN = 0 on purpose where it does not.
 * A CPU with a PMU whose HPMN reads 0 was damaged by the bug (a vCPU put
 * with its never-computed 0 loaded): the repair gives it HPMN = PMCR_EL0.N
 * back and touches no other bit.
 *
 * Writing HPMN alone is harmless even under a loaded vCPU, so the repair
 * needs no way to know whether one is loaded (old kernels export none):
 * the register then holds that vCPU's value, whose HPMN the fixed kernel
 * takes from the host's, PMCR_EL0.N on a healthy CPU; every trap bit
 * stays as it is, and the put path keeps HPMN from the hardware.
 *
 * KVM keeps its own per-CPU copy of the host MDCR_EL2, taken from the
 * live register by kvm_arm_init_debug() whenever KVM is enabled on a CPU
 * (the first VM after none, CPU online, CPU_PM_EXIT). A copy taken while
 * the CPU was damaged gives every later vCPU there HPMN = 0, and the put
 * damages the CPU again. So: the init_debug hook repairs a CPU right before
 * KVM copies it; and a repaired CPU whose copy may be stale gets it
 * refreshed, by a CPU PM enter/exit on that CPU from a worker (no vCPU is
 * loaded while a worker runs there), which makes KVM copy it again.
 */
#include <linux/arm-smccc.h>
#include <linux/cpu_pm.h>
#include <linux/irqflags.h>
#include <linux/kvm_host.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/workqueue.h>
#include <asm/cpufeature.h>
#include <asm/sysreg.h>
#include <asm/virt.h>

#include "compat.h"
#include "mdcr_fix.h"

/* ID_AA64DFR0_EL1.PMUVer, bits [11:8]; PMCR_EL0.N, bits [15:11]. */
#define DFR0_PMUVER_SHIFT	8
#define PMCR_N_SHIFT		11
#define PMCR_N_MASK		0x1f

/* How long after a repair the CPUs are checked again. */
#define RECHECK_MS		1000

/**
 * struct host_cpu - what the module keeps per CPU
 * @stale:	KVM's copy of the host value may hold HPMN = 0
 * @repairs:	times the module gave this CPU its HPMN back
 * @refresh:	the work that makes KVM copy the host value again
 * @cpu:	the CPU @refresh must run on
 */
struct host_cpu {
	bool stale;
	unsigned int repairs;
	struct work_struct refresh;
	int cpu;
};

static DEFINE_PER_CPU(struct host_cpu, host_cpu);
/* One check of every CPU at a time; readers get their own copy. */
static DEFINE_MUTEX(check_lock);
/* Set under check_lock at unload: a late sysfs reader queues nothing. */
static bool host_dead;
/* KVM initialises at boot, before any module: read once, at load. */
static bool kvm_ready;

bool mdcr_fix_vhe(void)
{
	return is_kernel_in_hyp_mode();
}

/*
 * Before KVM has installed its hypervisor, or on a kernel that found no
 * EL2, a host hypercall would not reach KVM (or would be undefined).
 * Safe from an IPI.
 */
bool mdcr_fix_kvm_ready(void)
{
	return READ_ONCE(kvm_ready);
}

/* Does this CPU have a standard PMU? The boot code's own test. */
static bool has_pmu(void)
{
	return cpuid_feature_extract_signed_field(read_sysreg(id_aa64dfr0_el1),
						  DFR0_PMUVER_SHIFT) >= 1;
}

/**
 * mdcr_fix_host_hpmn - the HPMN the boot code gave this CPU's host
 *
 * PMCR_EL0.N, or 0 where the CPU has no standard PMU (PMCR_EL0 is then not
 * there to read). Call with preemption disabled.
 */
u64 mdcr_fix_host_hpmn(void)
{
	if (!has_pmu())
		return 0;
	return (read_sysreg(pmcr_el0) >> PMCR_N_SHIFT) & PMCR_N_MASK;
}

/* Give this CPU its HPMN back if it lost it. Interrupts off. */
static bool fix_hpmn(u64 hpmn)
{
	u64 hw = read_sysreg(mdcr_el2);

	if (!hpmn || (hw & MDCR_EL2_HPMN_MASK))
		return false;
	write_sysreg((hw & ~(u64)MDCR_EL2_HPMN_MASK) | hpmn, mdcr_el2);
	this_cpu_ptr(&host_cpu)->repairs++;
	atomic_long_inc(&mdcr_fix_stats.repaired);
	return true;
}

/**
 * mdcr_fix_host_fix_local - KVM is about to copy this CPU's host value
 *
 * From the init_debug hook, on the CPU KVM enables, before it reads
 * MDCR_EL2: repair first, so that the copy is right. The copy is then
 * fresh, whatever it was before.
 */
void mdcr_fix_host_fix_local(void)
{
	unsigned long flags;

	if (!mdcr_fix_can_write())
		return;
	local_irq_save(flags);
	if (fix_hpmn(mdcr_fix_host_hpmn()))
		pr_info_ratelimited("cpu%d: HPMN was 0 as KVM took its copy; repaired first\n",
				    smp_processor_id());
	this_cpu_ptr(&host_cpu)->stale = false;
	local_irq_restore(flags);
}

/**
 * mdcr_fix_host_repair_local - repair this CPU now, from a hook
 *
 * Where a vCPU starts its first run: no vCPU is loaded on this CPU yet,
 * and the repair comes before this vCPU's first load. KVM may hold a copy
 * of the damage: the check that follows refreshes it.
 */
void mdcr_fix_host_repair_local(void)
{
	unsigned long flags;
	bool fixed;

	if (!mdcr_fix_can_write())
		return;
	local_irq_save(flags);
	fixed = fix_hpmn(mdcr_fix_host_hpmn());
	if (fixed)
		this_cpu_ptr(&host_cpu)->stale = true;
	local_irq_restore(flags);
	if (!fixed)
		return;
	pr_info_ratelimited("cpu%d: MDCR_EL2.HPMN was 0 as a vCPU started; repaired\n",
			    raw_smp_processor_id());
	mdcr_fix_host_queue_check();
}

/*
 * nVHE: ask KVM's hypervisor. Where it is not installed (5.10 installs it
 * only while a VM exists) the hyp stub answers HVC_STUB_ERR; a protected
 * KVM refuses host calls once finalised; kernels before the SMCCC host
 * call interface offer no call a module can make.
 */
static void read_mdcr_hvc(struct mdcr_fix_cpu *c)
{
	u64 val;

	if (!mdcr_fix_kvm_ready()) {
		c->hvc_ret = MDCR_FIX_HVC_NO_KVM;
		return;
	}
	c->hvc_ret = mdcr_fix_hvc_get_mdcr(&val);
	if (c->hvc_ret != SMCCC_RET_SUCCESS)
		return;
	c->mdcr = val;
	c->src = MDCR_FIX_SRC_HVC;
}

struct check_arg {
	struct mdcr_fix_cpu *cpus;
	bool repair;
};

/* On each CPU, from an IPI: interrupts off. */
static void check_one(void *data)
{
	struct check_arg *arg = data;
	struct mdcr_fix_cpu *c = &arg->cpus[smp_processor_id()];
	struct host_cpu *hc = this_cpu_ptr(&host_cpu);

	memset(c, 0, sizeof(*c));
	if (!mdcr_fix_vhe()) {
		read_mdcr_hvc(c);
		return;
	}
	c->pmu = has_pmu();
	c->hpmn = mdcr_fix_host_hpmn();
	if (arg->repair && fix_hpmn(c->hpmn)) {
		c->repaired = true;
		/* KVM may have copied the damage: make it copy again. */
		hc->stale = true;
	}
	c->mdcr = read_sysreg(mdcr_el2);
	c->src = MDCR_FIX_SRC_HW;
	c->damaged = c->hpmn && !(c->mdcr & MDCR_EL2_HPMN_MASK);
	c->stale = hc->stale;
	c->repairs = hc->repairs;
}

/*
 * Make KVM copy the host value of this CPU again: a CPU PM exit runs
 * KVM's notifier, which re-runs kvm_arm_init_debug() here where KVM is
 * enabled (and the init_debug hook repairs first). Where KVM is not
 * enabled on this CPU, its next enable copies through the same hook.
 * A worker runs here, so no vCPU is loaded on this CPU.
 */
static void refresh_fn(struct work_struct *work)
{
	struct host_cpu *hc = container_of(work, struct host_cpu, refresh);

	local_irq_disable();
	if (smp_processor_id() == hc->cpu && MDCR_FIX_CAN_REFRESH_KVM) {
		if (!cpu_pm_enter())
			cpu_pm_exit();
		fix_hpmn(mdcr_fix_host_hpmn());
		hc->stale = false;
	}
	local_irq_enable();
}

static void queue_refreshes(void)
{
	int cpu;

	for_each_online_cpu(cpu)
		if (READ_ONCE(per_cpu_ptr(&host_cpu, cpu)->stale))
			schedule_work_on(cpu, &per_cpu_ptr(&host_cpu, cpu)->refresh);
}

/**
 * mdcr_fix_host_check - look at every online CPU, and repair
 * @h:		what was found; free with mdcr_fix_host_put()
 * @repair:	give damaged CPUs their HPMN back (VHE, in a mode that writes)
 *
 * Process context. Sends one IPI to each online CPU. A repaired CPU gets
 * KVM's copy refreshed, and all CPUs are checked again a moment later:
 * a repair can race with a vCPU put that rewrites the register from what
 * it read before. Returns 0 or -ENOMEM.
 */
int mdcr_fix_host_check(struct mdcr_fix_health *h, bool repair)
{
	struct check_arg arg = { .repair = repair && mdcr_fix_can_write() };
	bool repaired = false;
	int cpu;

	h->cpus = kcalloc(nr_cpu_ids, sizeof(*h->cpus), GFP_KERNEL);
	if (!h->cpus)
		return -ENOMEM;
	arg.cpus = h->cpus;
	h->damaged = 0;
	h->stale = 0;
	mutex_lock(&check_lock);
	if (host_dead) {
		mutex_unlock(&check_lock);
		mdcr_fix_host_put(h);
		return -ENODEV;
	}
	on_each_cpu(check_one, &arg, 1);
	for_each_online_cpu(cpu) {
		struct mdcr_fix_cpu *c = &h->cpus[cpu];

		if (c->repaired) {
			pr_info("cpu%d: MDCR_EL2.HPMN was 0, repaired to %llu\n",
				cpu, c->hpmn);
			repaired = true;
		}
		h->damaged += c->damaged;
		h->stale += c->stale;
	}
	if (arg.repair && (repaired || h->stale))
		queue_refreshes();
	if (arg.repair && (repaired || h->damaged))
		mdcr_fix_host_queue_check();
	mutex_unlock(&check_lock);
	return 0;
}

void mdcr_fix_host_put(struct mdcr_fix_health *h)
{
	kfree(h->cpus);
	h->cpus = NULL;
}

static void check_work_fn(struct work_struct *work)
{
	struct mdcr_fix_health h;

	if (mdcr_fix_host_check(&h, true))
		return;
	mdcr_fix_host_put(&h);
}

static DECLARE_DELAYED_WORK(check_work, check_work_fn);

/*
 * Check and repair every CPU soon, in process context: safe from a hook.
 * Nothing is queued on a healthy host: no timer runs while all is well.
 */
void mdcr_fix_host_queue_check(void)
{
	if (mdcr_fix_can_write())
		schedule_delayed_work(&check_work, msecs_to_jiffies(RECHECK_MS));
}

/*
 * A vCPU held HPMN = 0 that KVM computed from its copy of the host value:
 * some CPU's copy is stale, and which one is not known. Refresh them all.
 */
void mdcr_fix_host_stale_all(void)
{
	int cpu;

	for_each_online_cpu(cpu)
		WRITE_ONCE(per_cpu_ptr(&host_cpu, cpu)->stale, true);
	mdcr_fix_host_queue_check();
}

/* Is a repair or a refresh of KVM's copy still to come? */
bool mdcr_fix_host_pending(void)
{
	int cpu;

	if (delayed_work_pending(&check_work))
		return true;
	for_each_online_cpu(cpu)
		if (READ_ONCE(per_cpu_ptr(&host_cpu, cpu)->stale))
			return true;
	return false;
}

/* Why an nVHE host's MDCR_EL2 could not be read. */
const char *mdcr_fix_hvc_reason(const struct mdcr_fix_cpu *c)
{
	switch (c->hvc_ret) {
	case SMCCC_RET_SUCCESS:
		return "";
	case MDCR_FIX_HVC_NO_KVM:
		return " (KVM not initialised)";
	case MDCR_FIX_HVC_NO_CALL:
		return " (this kernel has no host call a module can make for it)";
	case HVC_STUB_ERR:
		return " (hyp stub answered: KVM installs its hypervisor only while a VM exists)";
	}
	return " (host call refused)";
}

const char *mdcr_fix_src_name(u8 src)
{
	switch (src) {
	case MDCR_FIX_SRC_HW:
		return "hw";
	case MDCR_FIX_SRC_HVC:
		return "hvc";
	}
	return "none";
}

void mdcr_fix_host_init(void)
{
	int cpu;

	WRITE_ONCE(kvm_ready, mdcr_fix_kvm_initialised());

	for_each_possible_cpu(cpu) {
		struct host_cpu *hc = per_cpu_ptr(&host_cpu, cpu);

		INIT_WORK(&hc->refresh, refresh_fn);
		hc->cpu = cpu;
	}
}

/* After the hooks are gone: only a late sysfs reader could queue work. */
void mdcr_fix_host_exit(void)
{
	int cpu;

	mutex_lock(&check_lock);
	host_dead = true;
	mutex_unlock(&check_lock);
	cancel_delayed_work_sync(&check_work);
	for_each_possible_cpu(cpu)
		cancel_work_sync(&per_cpu_ptr(&host_cpu, cpu)->refresh);
}
