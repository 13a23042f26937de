// SPDX-License-Identifier: GPL-2.0
/*
 * The fix itself: give a vCPU the mdcr_el2 that the fixed kernel computes in
 * its first-run init (263d6287da14), before the first vcpu_load() writes it
 * to the hardware on VHE. Everything here runs from kprobe handlers in the
 * vCPU's own thread, with preemption disabled, so the per-CPU host value
 * and the vCPU cannot change under us.
 */
#include <linux/kvm_host.h>
#include <asm/sysreg.h>

#include "compat.h"
#include "mdcr_fix.h"

/**
 * mdcr_fix_compute - the value kvm_arm_setup_mdcr_el2() computes
 * @vcpu:	the vCPU
 * @hpmn:	the host's HPMN on this CPU (mdcr_fix_host_hpmn())
 *
 * Mirrors the running kernel's own computation: host HPMN, the traps KVM
 * always sets (TTRF only where the kernel knows it), TDE while userspace
 * debugs the guest, TDA unless the guest owns the debug registers.
 */
u64 mdcr_fix_compute(struct kvm_vcpu *vcpu, u64 hpmn)
{
	u64 val = hpmn & MDCR_EL2_HPMN_MASK;

	val |= MDCR_EL2_TPM | MDCR_EL2_TPMS | MDCR_FIX_TTRF |
	       MDCR_EL2_TPMCR | MDCR_EL2_TDRA | MDCR_EL2_TDOSA;
	if (vcpu->guest_debug)
		val |= MDCR_EL2_TDE;
	if ((vcpu->guest_debug & KVM_GUESTDBG_USE_HW) ||
	    !mdcr_fix_debug_dirty(vcpu))
		val |= MDCR_EL2_TDA;
	return val;
}

/*
 * A value KVM computed with HPMN = 0 on a host with a PMU: KVM took it
 * from a copy of a damaged host register, which only the bug damages.
 * Refresh the copies.
 */
static void check_computed(u64 val)
{
	if (val && !(val & MDCR_EL2_HPMN_MASK) && mdcr_fix_host_hpmn()) {
		atomic_long_inc(&mdcr_fix_stats.zero_hpmn);
		pr_warn_ratelimited("a vCPU holds MDCR_EL2 %#llx with HPMN 0: KVM's copy of the host value is stale\n",
				    val);
		mdcr_fix_decide(MDCR_FIX_AFFECTED);
		mdcr_fix_host_stale_all();
	}
}

/* Did the module, not the kernel, put the current value there? */
static bool never_computed(struct kvm_vcpu *vcpu, struct mdcr_fix_rec *rec)
{
	u64 cur = vcpu->arch.mdcr_el2;

	return !cur || (rec && rec->state == MDCR_FIX_REC_FIXED &&
			rec->set == cur);
}

static void fix(struct kvm_vcpu *vcpu, struct mdcr_fix_rec *rec)
{
	u64 val = mdcr_fix_compute(vcpu, mdcr_fix_host_hpmn());

	vcpu->arch.mdcr_el2 = val;
	atomic_long_inc(&mdcr_fix_stats.fixups);
	if (rec) {
		rec->state = MDCR_FIX_REC_FIXED;
		rec->set = val;
	}
}

/**
 * mdcr_fix_first_run - a vCPU is in its first-run init
 * @vcpu: the vCPU, not loaded yet
 *
 * Called from kvm_timer_enable(), which only the first-run init calls, and
 * from the vgic_map hook before it: both come after the point where the
 * fixed kernel computes mdcr_el2; a vCPU's first run counts once.
 * Where the kernel already computed it, that proves the fix is there.
 * Where it did not, compute it now, with the guest_debug and debug-dirty
 * state that will be used. No vCPU is loaded on this CPU: a CPU found
 * damaged here is repaired before this vCPU's first load.
 */
void mdcr_fix_first_run(struct kvm_vcpu *vcpu)
{
	struct mdcr_fix_rec *rec;
	unsigned long flags;

	raw_spin_lock_irqsave(&mdcr_fix_lock, flags);
	rec = mdcr_fix_rec_get(vcpu);
	/* The vgic_map hook saw this first run already (and first_run follows). */
	if (rec && rec->first_run) {
		raw_spin_unlock_irqrestore(&mdcr_fix_lock, flags);
		return;
	}
	if (rec)
		rec->first_run = true;
	atomic_long_inc(&mdcr_fix_stats.first_runs);
	if (!never_computed(vcpu, rec)) {
		/* Not ours: only a run of the first-run path sets it. */
		if (!rec || rec->state != MDCR_FIX_REC_KERNEL)
			atomic_long_inc(&mdcr_fix_stats.kernel_computed);
		if (rec)
			rec->state = MDCR_FIX_REC_KERNEL;
		mdcr_fix_decide(MDCR_FIX_FIXED);
		check_computed(vcpu->arch.mdcr_el2);
	} else {
		if (!vcpu->arch.mdcr_el2)
			mdcr_fix_decide(MDCR_FIX_AFFECTED);
		if (mdcr_fix_may_write())
			fix(vcpu, rec);
	}
	if (rec)
		rec->mdcr = vcpu->arch.mdcr_el2;
	raw_spin_unlock_irqrestore(&mdcr_fix_lock, flags);
	mdcr_fix_host_repair_local();
	/* While vCPUs live on a host that may have the bug, watch its CPUs. */
	if (mdcr_fix_watching())
		mdcr_fix_host_queue_check();
}

/**
 * mdcr_fix_vgic_map - a first-run init is about to map the VM's vGIC
 * @kvm: the VM
 *
 * kvm_vgic_map_resources() runs in the first-run init of a VM's first vCPU
 * (and of every vCPU whose first run finds the vGIC not ready), after
 * has_run_once is set and before kvm_timer_enable(). When it fails, the
 * first run ends there and every later KVM_RUN goes straight to the load:
 * the fix computes mdcr_el2 before the mapping for that reason (v2 of the
 * upstream patch). So does this. The vCPU is the one this thread runs: KVM
 * sets vcpu->pid to the caller of KVM_RUN before the first-run init.
 */
void mdcr_fix_vgic_map(struct kvm *kvm)
{
	struct pid *me = task_pid(current);
	struct kvm_vcpu *vcpu;
	unsigned long i;

	kvm_for_each_vcpu(i, vcpu, kvm)
		if (mdcr_fix_vcpu_pid(vcpu) == me &&
		    mdcr_fix_has_run_once(vcpu))
			mdcr_fix_first_run(vcpu);
}

/**
 * mdcr_fix_before_load - kvm_arch_vcpu_load() is about to run
 * @vcpu: the vCPU
 * @cpu: the CPU it is loaded on
 *
 * The safety net, armed only while it may be needed: vCPUs that existed
 * before the module was loaded, and any path that reaches a load without
 * passing the first-run hook.
 */
void mdcr_fix_before_load(struct kvm_vcpu *vcpu, int cpu)
{
	struct mdcr_fix_rec *rec;
	unsigned long flags;

	atomic_long_inc(&mdcr_fix_stats.loads);
	raw_spin_lock_irqsave(&mdcr_fix_lock, flags);
	rec = mdcr_fix_rec_get(vcpu);
	if (!vcpu->arch.mdcr_el2) {
		atomic_long_inc(&mdcr_fix_stats.zero_loads);
		/* Past its first-run init and still 0: the kernel lacks the fix. */
		if (mdcr_fix_has_run_once(vcpu))
			mdcr_fix_decide(MDCR_FIX_AFFECTED);
		if (mdcr_fix_may_write())
			fix(vcpu, rec);
	} else if (!never_computed(vcpu, rec)) {
		check_computed(vcpu->arch.mdcr_el2);
	}
	if (rec) {
		rec->loads++;
		rec->last_cpu = cpu;
		rec->mdcr = vcpu->arch.mdcr_el2;
	}
	raw_spin_unlock_irqrestore(&mdcr_fix_lock, flags);
}

/* kvm_arch_vcpu_load() has returned: what did the hardware get? */
void mdcr_fix_after_load(struct kvm_vcpu *vcpu)
{
	struct mdcr_fix_rec *rec;
	unsigned long flags;

	if (!mdcr_fix_vhe())
		return;
	raw_spin_lock_irqsave(&mdcr_fix_lock, flags);
	rec = mdcr_fix_rec_get(vcpu);
	if (rec && rec->hw_first == MDCR_FIX_UNKNOWN)
		rec->hw_first = read_sysreg(mdcr_el2);
	raw_spin_unlock_irqrestore(&mdcr_fix_lock, flags);
}

/**
 * mdcr_fix_vcpu_gone - KVM is about to free @vcpu
 * @vcpu: the vCPU
 *
 * Drops its record. A vCPU that ran and dies with mdcr_el2 never computed
 * was loaded with 0 (proof of the bug) and may have been put so, and one
 * whose value KVM computed with HPMN = 0 was run from a stale copy: either
 * way a CPU may be left with HPMN = 0, so every CPU is checked soon (once,
 * however many vCPUs go). A vCPU that never ran proves nothing: VMMs
 * create and destroy such vCPUs to probe KVM.
 */
void mdcr_fix_vcpu_gone(struct kvm_vcpu *vcpu)
{
	unsigned long flags;
	u64 val = vcpu->arch.mdcr_el2;
	bool ran = mdcr_fix_has_run_once(vcpu);

	raw_spin_lock_irqsave(&mdcr_fix_lock, flags);
	mdcr_fix_rec_put(vcpu);
	raw_spin_unlock_irqrestore(&mdcr_fix_lock, flags);
	if (!ran)
		return;
	check_computed(val);
	if (!val) {
		mdcr_fix_decide(MDCR_FIX_AFFECTED);
		mdcr_fix_host_queue_check();
	}
}
