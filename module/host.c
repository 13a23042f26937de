// SPDX-License-Identifier: GPL-2.0
/*
 * The host's own MDCR_EL2, per CPU.
 *
 * KVM keeps the host value in a static per-CPU variable that a module cannot
 * reach, so the module takes its own snapshot at load time: on VHE with mrs
 * (the kernel runs at EL2), on nVHE through the host hypercall KVM offers.
 * Where HPMN already reads 0, the damage this module exists to prevent was
 * done before it loaded: HPMN is then taken from PMCR_EL0.N, the number of
 * counters the boot code gave the host.
 */
#include <linux/arm-smccc.h>
#include <linux/kvm_host.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/workqueue.h>
#include <asm/sysreg.h>
#include <asm/virt.h>

#include "compat.h"
#include "mdcr_fix.h"

static DEFINE_PER_CPU(struct mdcr_fix_cpu, host_cpu);

/* The bits the VHE put path keeps from the hardware register. */
#define HOST_KEEP	(MDCR_EL2_HPMN_MASK | MDCR_EL2_TPMS | \
			 (MDCR_EL2_E2PB_MASK << MDCR_EL2_E2PB_SHIFT))

bool mdcr_fix_vhe(void)
{
	return is_kernel_in_hyp_mode();
}

/*
 * KVM creates its debugfs directory only once its hypervisor is installed:
 * before that, or on a kernel that found no EL2, a host hypercall would not
 * reach KVM (or would be undefined).
 */
bool mdcr_fix_kvm_ready(void)
{
	return !!READ_ONCE(kvm_debugfs_dir);
}

/* PMCR_EL0.N, bits [15:11]: the number of event counters implemented. */
static u64 pmcr_n(void)
{
	return (read_sysreg(pmcr_el0) >> 11) & 0x1f;
}

/*
 * The host value of a CPU; one that came online after the snapshot gets
 * HPMN from PMCR_EL0.N, as the boot code sets it.
 */
static u64 host_value(const struct mdcr_fix_cpu *c)
{
	if (c->src == MDCR_FIX_SRC_NONE)
		return pmcr_n();
	return c->mdcr;
}

/*
 * nVHE: ask KVM's hypervisor. Where it is not installed (5.10 installs it
 * only while a VM exists) the hyp stub answers HVC_STUB_ERR; a protected
 * KVM refuses host calls once finalised.
 */
static bool read_mdcr_hvc(struct mdcr_fix_cpu *c)
{
#ifdef MDCR_FIX_HOST_GET_MDCR_ID
	struct arm_smccc_res res;

	if (!mdcr_fix_kvm_ready()) {
		c->hvc_ret = MDCR_FIX_HVC_NO_KVM;
		return false;
	}
	arm_smccc_1_1_hvc(MDCR_FIX_HOST_GET_MDCR_ID, &res);
	c->hvc_ret = res.a0;
	if (res.a0 != SMCCC_RET_SUCCESS)
		return false;
	c->mdcr = res.a1;
	c->src = MDCR_FIX_SRC_HVC;
	return true;
#else
	c->hvc_ret = MDCR_FIX_HVC_NO_CALL;
	return false;
#endif
}

/* On each CPU, from an IPI: interrupts off, nothing can load a vCPU. */
static void snapshot_one(void *unused)
{
	struct mdcr_fix_cpu *c = this_cpu_ptr(&host_cpu);

	c->vcpu_loaded = !!kvm_get_running_vcpu();
	c->src = MDCR_FIX_SRC_NONE;
	if (!mdcr_fix_vhe()) {
		read_mdcr_hvc(c);
		return;
	}
	c->mdcr = read_sysreg(mdcr_el2);
	c->src = MDCR_FIX_SRC_HW;
	if (!(c->mdcr & MDCR_EL2_HPMN_MASK)) {
		c->mdcr |= pmcr_n();
		c->src = MDCR_FIX_SRC_PMCR;
	}
}

void mdcr_fix_host_snapshot(void)
{
	on_each_cpu(snapshot_one, NULL, 1);
}

/*
 * Give a damaged CPU its HPMN back. Never while a vCPU is loaded there: the
 * register then holds the guest's traps, and writing it would let the guest
 * run without them until the next load.
 */
static void repair_one(void *unused)
{
	struct mdcr_fix_cpu *c = this_cpu_ptr(&host_cpu);
	u64 hw;

	if (kvm_get_running_vcpu()) {
		c->skipped = true;
		atomic_long_inc(&mdcr_fix_stats.repair_skipped);
		return;
	}
	hw = read_sysreg(mdcr_el2);
	if (hw & MDCR_EL2_HPMN_MASK)
		return;
	write_sysreg((hw & ~(u64)HOST_KEEP) | (host_value(c) & HOST_KEEP),
		     mdcr_el2);
	c->repaired = true;
	atomic_long_inc(&mdcr_fix_stats.repaired);
}

void mdcr_fix_host_repair(void)
{
	if (mdcr_fix_vhe())
		on_each_cpu(repair_one, NULL, 1);
}

static void repair_work_fn(struct work_struct *work)
{
	mdcr_fix_host_repair();
}

static DECLARE_WORK(repair_work, repair_work_fn);

/* From a hook: repair later, in process context. */
void mdcr_fix_queue_repair(void)
{
	schedule_work(&repair_work);
}

/* This CPU's host MDCR_EL2; call with preemption disabled. */
u64 mdcr_fix_host_mdcr(void)
{
	return host_value(this_cpu_ptr(&host_cpu));
}

void mdcr_fix_host_get(int cpu, struct mdcr_fix_cpu *out)
{
	*out = *per_cpu_ptr(&host_cpu, cpu);
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
		return " (this kernel has no host call for it)";
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
	case MDCR_FIX_SRC_PMCR:
		return "pmcr";
	}
	return "none";
}

int mdcr_fix_host_init(void)
{
	mdcr_fix_host_snapshot();
	return 0;
}

void mdcr_fix_host_exit(void)
{
	cancel_work_sync(&repair_work);
}
