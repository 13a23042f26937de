/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place where mdcr_fix looks at what differs between kernels. The
 * MDCR_FIX_HAS_* names come from scripts/probe-features.sh, which reads the
 * headers being built against.
 */
#ifndef MDCR_FIX_COMPAT_H
#define MDCR_FIX_COMPAT_H

#include <linux/kvm_host.h>
#include <asm/kvm_arm.h>
#include <asm/kvm_asm.h>

#include "features.h"

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

#ifdef MDCR_FIX_HAS_HOST_GET_MDCR
#define MDCR_FIX_HOST_GET_MDCR_ID	KVM_HOST_SMCCC_FUNC(__kvm_get_mdcr_el2)
#endif

#endif /* MDCR_FIX_COMPAT_H */
