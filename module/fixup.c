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
 * @host_mdcr:	this CPU's host MDCR_EL2 (only HPMN is used)
 *
 * Mirrors the running kernel's own computation: host HPMN, the traps KVM
 * always sets (TTRF only where the kernel knows it), TDE while userspace
 * debugs the guest, TDA unless the guest owns the debug registers.
 */
u64 mdcr_fix_compute(struct kvm_vcpu *vcpu, u64 host_mdcr)
{
	u64 val = host_mdcr & MDCR_EL2_HPMN_MASK;

	val |= MDCR_EL2_TPM | MDCR_EL2_TPMS | MDCR_FIX_TTRF |
	       MDCR_EL2_TPMCR | MDCR_EL2_TDRA | MDCR_EL2_TDOSA;
	if (vcpu->guest_debug)
		val |= MDCR_EL2_TDE;
	if ((vcpu->guest_debug & KVM_GUESTDBG_USE_HW) ||
	    !mdcr_fix_debug_dirty(vcpu))
		val |= MDCR_EL2_TDA;
	return val;
}

/* May the module write vcpu->arch.mdcr_el2 now? */
static bool may_write(void)
{
	switch (mdcr_fix_mode) {
	case MDCR_FIX_FIX:
		return true;
	case MDCR_FIX_AUTO:
		return mdcr_fix_verdict() == MDCR_FIX_AFFECTED;
	case MDCR_FIX_OBSERVE:
		return false;
	}
	return false;
}

/* What the kernel did with a vCPU is evidence about the whole kernel. */
static void evidence(enum mdcr_fix_verdict v)
{
	if (mdcr_fix_verdict() != MDCR_FIX_PENDING)
		return;
	mdcr_fix_set_verdict(v);
	/* A fixed kernel needs no safety net on its load path. */
	if (v == MDCR_FIX_FIXED && mdcr_fix_mode == MDCR_FIX_AUTO)
		mdcr_fix_load_hook_set(false);
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
	u64 val = mdcr_fix_compute(vcpu, mdcr_fix_host_mdcr());

	vcpu->arch.mdcr_el2 = val;
	atomic_long_inc(&mdcr_fix_stats.fixups);
	if (rec) {
		rec->state = MDCR_FIX_REC_FIXED;
		rec->set = val;
	}
}

/**
 * mdcr_fix_first_run - a vCPU's first-run init has just succeeded
 * @vcpu: the vCPU, about to be loaded
 *
 * Where the kernel already computed mdcr_el2, that proves the fix is there.
 * Where it did not, this is the moment the fixed kernel would have: compute
 * it now, with the guest_debug and debug-dirty state that will be used.
 */
void mdcr_fix_first_run(struct kvm_vcpu *vcpu)
{
	struct mdcr_fix_rec *rec;
	unsigned long flags;

	atomic_long_inc(&mdcr_fix_stats.first_runs);
	raw_spin_lock_irqsave(&mdcr_fix_lock, flags);
	rec = mdcr_fix_rec_get(vcpu);
	if (!never_computed(vcpu, rec)) {
		/* Not ours: only a run of the first-run path sets it. */
		if (!rec || rec->state != MDCR_FIX_REC_KERNEL)
			atomic_long_inc(&mdcr_fix_stats.kernel_computed);
		if (rec)
			rec->state = MDCR_FIX_REC_KERNEL;
		evidence(MDCR_FIX_FIXED);
	} else {
		if (!vcpu->arch.mdcr_el2)
			evidence(MDCR_FIX_AFFECTED);
		if (may_write())
			fix(vcpu, rec);
	}
	if (rec)
		rec->mdcr = vcpu->arch.mdcr_el2;
	raw_spin_unlock_irqrestore(&mdcr_fix_lock, flags);
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
			evidence(MDCR_FIX_AFFECTED);
		if (may_write())
			fix(vcpu, rec);
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
 * mdcr_fix_vcpu_gone - kvm_arch_vcpu_destroy() is about to free @vcpu
 * @vcpu: the vCPU
 *
 * Drops its record. A vCPU that dies with mdcr_el2 never computed may have
 * been put with 0 loaded, which leaves its last CPU with HPMN = 0: repair.
 */
void mdcr_fix_vcpu_gone(struct kvm_vcpu *vcpu)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&mdcr_fix_lock, flags);
	mdcr_fix_rec_put(vcpu);
	raw_spin_unlock_irqrestore(&mdcr_fix_lock, flags);
	if (!vcpu->arch.mdcr_el2 && mdcr_fix_can_write())
		mdcr_fix_queue_repair();
}

/* May the module write MDCR_EL2 or vcpu state at all in this mode? */
bool mdcr_fix_can_write(void)
{
	return mdcr_fix_vhe() && may_write();
}
