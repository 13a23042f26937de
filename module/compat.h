/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place where mdcr_fix looks at what differs between kernels. The
 * MDCR_FIX_HAS_* names come from scripts/probe-features.sh, which reads the
 * headers being built against.
 */
#ifndef MDCR_FIX_COMPAT_H
#define MDCR_FIX_COMPAT_H

#include <linux/arm-smccc.h>
#include <linux/kvm_host.h>
#include <asm/kvm_arm.h>
#include <asm/kvm_asm.h>

#include "features.h"
#include "mdcr_fix.h"

#if defined(MDCR_FIX_HAS_RUN_ONCE_FIELD)
static inline bool mdcr_fix_has_run_once(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.has_run_once;
}

#define MDCR_FIX_RUN_ONCE "field"
#elif defined(MDCR_FIX_HAS_RUN_ONCE_PID)
static inline bool mdcr_fix_has_run_once(struct kvm_vcpu *vcpu)
{
	return vcpu_has_run_once(vcpu);
}

#define MDCR_FIX_RUN_ONCE "pid"
#else
#error "mdcr_fix: cannot tell whether a vCPU has run (see scripts/probe-features.sh)"
#endif

#if defined(MDCR_FIX_HAS_DEBUG_DIRTY_BIT)
static inline bool mdcr_fix_debug_dirty(struct kvm_vcpu *vcpu)
{
	return vcpu->arch.flags & KVM_ARM64_DEBUG_DIRTY;
}

#define MDCR_FIX_DEBUG_DIRTY "bit"
#elif defined(MDCR_FIX_HAS_DEBUG_DIRTY_FLAG)
static inline bool mdcr_fix_debug_dirty(struct kvm_vcpu *vcpu)
{
	return vcpu_get_flag(vcpu, DEBUG_DIRTY);
}

#define MDCR_FIX_DEBUG_DIRTY "flag"
#else
#error "mdcr_fix: no debug-dirty flag found (see scripts/probe-features.sh)"
#endif

/* A kernel without the TTRF trap does not set it either. */
#ifdef MDCR_FIX_HAS_MDCR_EL2_TTRF
#define MDCR_FIX_TTRF	MDCR_EL2_TTRF
#else
#define MDCR_FIX_TTRF	0
#endif

#ifdef MDCR_FIX_HAS_VCPU_INIT_DEBUG
#define MDCR_FIX_INIT_DEBUG_DECLARED	true
#else
#define MDCR_FIX_INIT_DEBUG_DECLARED	false
#endif

/*
 * nVHE: the host call that returns MDCR_EL2, where the kernel has the SMCCC
 * host call interface (v5.10). Before it, kvm_call_hyp() takes a hyp
 * function pointer that a module cannot name: no call, and debugfs says so.
 */
#ifdef MDCR_FIX_HAS_HOST_GET_MDCR
static inline unsigned long mdcr_fix_hvc_get_mdcr(u64 *val)
{
	struct arm_smccc_res res;

	arm_smccc_1_1_hvc(KVM_HOST_SMCCC_FUNC(__kvm_get_mdcr_el2), &res);
	*val = res.a1;
	return res.a0;
}
#else
static inline unsigned long mdcr_fix_hvc_get_mdcr(u64 *val)
{
	return MDCR_FIX_HVC_NO_CALL;
}
#endif

/* KVM creates its debugfs directory once its hypervisor is installed. */
static inline bool mdcr_fix_kvm_initialised(void)
{
	return !!READ_ONCE(kvm_debugfs_dir);
}

/*
 * KVM re-reads the host MDCR_EL2 of a CPU at CPU_PM_EXIT only where the
 * kernel has CPU PM (distribution kernels do: SUSPEND, CPU_IDLE).
 */
#define MDCR_FIX_CAN_REFRESH_KVM	IS_ENABLED(CONFIG_CPU_PM)

#endif /* MDCR_FIX_COMPAT_H */
