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
 * damages the CPU again. So the init_debug hook repairs a CPU right before
 * KVM copies it, and a copy that may be stale is taken again by calling
 * that same function on that CPU, from a worker (no vCPU is loaded while a
 * worker runs there) with interrupts off, as KVM itself calls it: nothing
 * else runs, no CPU PM notifier, no PMU reset.
 *
 * Every check of the CPUs runs here, in process context, from a work item:
 * at most one per second, and only while there is something to watch (a
 * VHE host that may have the bug and has vCPUs, or a repair to finish).
 * Readers (debugfs, the sysfs status) get the last check's findings and
 * its time: a read never sends an IPI, never repairs, never allocates.
 */
#include <linux/arm-smccc.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/kvm_host.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/workqueue.h>
#include <asm/cpufeature.h>
#include <asm/sysreg.h>

#include "compat.h"
#include "mdcr_fix.h"

/* ID_AA64DFR0_EL1.PMUVer, bits [11:8]; PMCR_EL0.N, bits [15:11]. */
#define DFR0_PMUVER_SHIFT	8
#define PMCR_N_SHIFT		11
#define PMCR_N_MASK		0x1f

/* At most one check of every CPU per period. */
#define CHECK_PERIOD_MS		1000

/**
 * struct host_cpu - what the module keeps per CPU
 * @stale:	KVM's copy of the host value may hold HPMN = 0
 * @repairs:	times the module gave this CPU its HPMN back
 * @copies:	times the init_debug hook saw KVM take its copy here
 * @refresh:	the work that makes KVM take its copy again
 * @cpu:	the CPU @refresh must run on
 */
struct host_cpu {
	bool stale;
	unsigned int repairs;
	unsigned int copies;
	struct work_struct refresh;
	int cpu;
};

static DEFINE_PER_CPU(struct host_cpu, host_cpu);

/*
 * The last check's findings (snap, nr_cpu_ids entries, and the counts),
 * under snap_lock: the check writes them, readers copy or print them.
 */
static DEFINE_MUTEX(snap_lock);
static struct mdcr_fix_cpu *snap;
static unsigned int snap_damaged;
static unsigned int snap_stale;
/* When the last check ran, in ms of boot time; 0 before the first. */
static u64 snap_ms;
/* Set under snap_lock at unload: no check runs after it. */
static bool host_dead;
/* KVM initialises at boot, before any module: read once, at load. */
static bool kvm_ready;
/* KVM's kvm_arm_init_debug(), where the init_debug hook found it. */
static void (*kvm_copy)(void);

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
 * mdcr_fix_host_copy_taken - KVM is about to copy this CPU's host value
 *
 * From the init_debug hook, on the CPU KVM enables (or refreshes), before
 * it reads MDCR_EL2: repair first, so that the copy is right. The copy is
 * then fresh, whatever it was before. Interrupts are off.
 */
void mdcr_fix_host_copy_taken(void)
{
	struct host_cpu *hc = this_cpu_ptr(&host_cpu);

	hc->copies++;
	if (!mdcr_fix_may_write())
		return;
	if (fix_hpmn(mdcr_fix_host_hpmn()))
		pr_info_ratelimited("cpu%d: HPMN was 0 as KVM took its copy; repaired first\n",
				    smp_processor_id());
	hc->stale = false;
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

	if (!mdcr_fix_may_write())
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

/* On each CPU, from an IPI: interrupts off, snap_lock held by the caller. */
static void check_one(void *data)
{
	bool repair = *(bool *)data;
	struct mdcr_fix_cpu *c = &snap[smp_processor_id()];
	struct host_cpu *hc = this_cpu_ptr(&host_cpu);

	memset(c, 0, sizeof(*c));
	if (!mdcr_fix_vhe()) {
		read_mdcr_hvc(c);
		return;
	}
	c->pmu = has_pmu();
	c->hpmn = mdcr_fix_host_hpmn();
	if (repair && fix_hpmn(c->hpmn)) {
		c->repaired = true;
		/* KVM may have copied the damage: make it copy again. */
		hc->stale = true;
	}
	c->mdcr = read_sysreg(mdcr_el2);
	c->src = MDCR_FIX_SRC_HW;
	c->damaged = c->hpmn && !(c->mdcr & MDCR_EL2_HPMN_MASK);
	c->stale = hc->stale;
	c->repairs = hc->repairs;
	c->copies = hc->copies;
}

/*
 * Make KVM take its copy of this CPU's host value again: call the function
 * KVM takes it with, here, interrupts off, as KVM calls it when it enables
 * a CPU. The init_debug hook runs first (repair, then the copy is fresh)
 * and counts it: "stale" is cleared only when that was seen. A worker runs
 * here, so no vCPU is loaded on this CPU.
 */
static void refresh_fn(struct work_struct *work)
{
	struct host_cpu *hc = container_of(work, struct host_cpu, refresh);

	/* Set once, at load, before any refresh is queued. */
	if (!kvm_copy || !mdcr_fix_may_write())
		return;
	local_irq_disable();
	if (smp_processor_id() == hc->cpu) {
		fix_hpmn(mdcr_fix_host_hpmn());
		kvm_copy();
	}
	local_irq_enable();
}

/* Take every stale copy again, each on its CPU; true if there was one. */
static bool refresh_stale(void)
{
	bool any = false;
	int cpu;

	for_each_online_cpu(cpu) {
		if (!READ_ONCE(per_cpu_ptr(&host_cpu, cpu)->stale))
			continue;
		schedule_work_on(cpu, &per_cpu_ptr(&host_cpu, cpu)->refresh);
		any = true;
	}
	for_each_online_cpu(cpu)
		flush_work(&per_cpu_ptr(&host_cpu, cpu)->refresh);
	return any;
}

static void check_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(check_work, check_work_fn);

/* Never 0: 0 means "no check yet". */
static u64 boot_ms(void)
{
	return ktime_to_ms(ktime_get_boottime()) ?: 1;
}

/**
 * check_all - look at every online CPU, repair where the module may
 *
 * One IPI to each online CPU. A repaired CPU's KVM copy is marked stale.
 * Damage is proof of the bug: a kernel with the fix never leaves HPMN = 0.
 * Returns true when damage was found and left (the module could not write
 * when the check began).
 */
static bool check_all(void)
{
	bool repair = mdcr_fix_may_write();
	unsigned int damaged = 0, stale = 0;
	bool repaired = false;
	int cpu;

	mutex_lock(&snap_lock);
	if (host_dead) {
		mutex_unlock(&snap_lock);
		return false;
	}
	on_each_cpu(check_one, &repair, 1);
	for_each_online_cpu(cpu) {
		struct mdcr_fix_cpu *c = &snap[cpu];

		if (c->repaired) {
			pr_info_ratelimited("cpu%d: MDCR_EL2.HPMN was 0, repaired to %llu\n",
					    cpu, c->hpmn);
			repaired = true;
		}
		damaged += c->damaged;
		stale += c->stale;
	}
	snap_damaged = damaged;
	snap_stale = stale;
	WRITE_ONCE(snap_ms, boot_ms());
	mutex_unlock(&snap_lock);

	if (damaged || repaired)
		mdcr_fix_decide(MDCR_FIX_AFFECTED);
	/* A repair can race with a put that writes what it read before. */
	if (mdcr_fix_watching() &&
	    (repaired || mdcr_fix_rec_used() ||
	     (mdcr_fix_may_write() && (damaged || stale))))
		mdcr_fix_host_queue_check();
	return damaged && !repair;
}

static void check_work_fn(struct work_struct *work)
{
	mdcr_fix_host_check_now();
}

/**
 * mdcr_fix_host_check_now - check every CPU now, repair, refresh
 *
 * Process context. Where the check itself proves the bug (damage found
 * while the verdict was pending), the module may now write: check again at
 * once, so that the damage found is repaired before this returns. Stale
 * copies of KVM's are then taken again, and the CPUs checked once more:
 * the findings readers get are those after the refresh.
 */
void mdcr_fix_host_check_now(void)
{
	if (READ_ONCE(host_dead))
		return;
	if (check_all() && mdcr_fix_may_write())
		check_all();
	if (mdcr_fix_may_write() && READ_ONCE(kvm_copy) && refresh_stale())
		check_all();
}

/*
 * Check every CPU soon, in process context, at most once a period: safe
 * from a hook. Nothing is queued on a healthy host: no timer runs while
 * there is nothing to watch.
 */
void mdcr_fix_host_queue_check(void)
{
	u64 next = READ_ONCE(snap_ms) + CHECK_PERIOD_MS;
	u64 now = boot_ms();

	schedule_delayed_work(&check_work,
			      next > now ? msecs_to_jiffies(next - now) : 0);
}

/*
 * Every CPU's KVM copy may hold HPMN = 0: a vCPU held HPMN = 0 that KVM
 * computed from its copy (which CPU's is not known), or the kernel was
 * just found affected (copies taken before the module could repair).
 * Refresh them all.
 */
void mdcr_fix_host_stale_all(void)
{
	int cpu;

	for_each_online_cpu(cpu)
		WRITE_ONCE(per_cpu_ptr(&host_cpu, cpu)->stale, true);
	mdcr_fix_host_queue_check();
}

/* KVM's kvm_arm_init_debug(), as the init_debug hook found it, or NULL. */
void mdcr_fix_host_set_copier(void (*copy)(void))
{
	WRITE_ONCE(kvm_copy, copy);
}

/**
 * mdcr_fix_host_health - what the last check found, and how long ago
 * @h: filled in
 *
 * No IPI, no allocation, no repair: the findings of the module's own last
 * check. A repair is pending while that check left damage or a stale copy
 * that the module may still mend.
 */
void mdcr_fix_host_health(struct mdcr_fix_health *h)
{
	mutex_lock(&snap_lock);
	h->damaged = snap_damaged;
	h->stale = snap_stale;
	h->checked_ms = snap_ms;
	mutex_unlock(&snap_lock);
	h->pending = mdcr_fix_may_write() && (h->damaged || h->stale);
}

/* Why an nVHE host's MDCR_EL2 could not be read. */
static const char *hvc_reason(const struct mdcr_fix_cpu *c)
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

static const char *src_name(u8 src)
{
	switch (src) {
	case MDCR_FIX_SRC_HW:
		return "hw";
	case MDCR_FIX_SRC_HVC:
		return "hvc";
	}
	return "none";
}

/* debugfs: one line per online CPU, as the last check found it. */
void mdcr_fix_host_show(struct seq_file *m)
{
	const struct mdcr_fix_cpu *c;
	int cpu;

	mutex_lock(&snap_lock);
	if (snap_ms)
		seq_printf(m, "checked:\t%llu ms after boot\n", snap_ms);
	else
		seq_puts(m, "checked:\tnever\n");
	for_each_online_cpu(cpu) {
		c = &snap[cpu];
		seq_printf(m, "cpu%d.host_mdcr_el2:\t%016llx src=%s", cpu, c->mdcr,
			   src_name(c->src));
		if (c->src != MDCR_FIX_SRC_HW) {
			seq_printf(m, "%s\n", hvc_reason(c));
			continue;
		}
		seq_printf(m, " hpmn=%llu%s repairs=%u copies=%u%s%s\n", c->hpmn,
			   c->pmu ? "" : " no-pmu", c->repairs, c->copies,
			   c->damaged ? " damaged" : "",
			   c->stale ? " kvm-copy-stale" : "");
	}
	seq_printf(m, "damaged_cpus:\t%u\n", snap_damaged);
	seq_printf(m, "stale_kvm_copies:\t%u\n", snap_stale);
	mutex_unlock(&snap_lock);
}

int mdcr_fix_host_init(void)
{
	int cpu;

	snap = kcalloc(nr_cpu_ids, sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return -ENOMEM;
	WRITE_ONCE(kvm_ready, mdcr_fix_kvm_initialised());
	for_each_possible_cpu(cpu) {
		struct host_cpu *hc = per_cpu_ptr(&host_cpu, cpu);

		INIT_WORK(&hc->refresh, refresh_fn);
		hc->cpu = cpu;
	}
	return 0;
}

/*
 * After the hooks are gone, and with them the verdict's work: only the
 * check work queues itself, and a check started now does nothing. A
 * refresh of KVM's copy already queued is finished, not dropped: dropped,
 * it would leave a copy with HPMN = 0 for every later vCPU on that CPU.
 */
void mdcr_fix_host_exit(void)
{
	int cpu;

	mutex_lock(&snap_lock);
	WRITE_ONCE(host_dead, true);
	mutex_unlock(&snap_lock);
	cancel_delayed_work_sync(&check_work);
	for_each_possible_cpu(cpu)
		flush_work(&per_cpu_ptr(&host_cpu, cpu)->refresh);
	kfree(snap);
	snap = NULL;
}
