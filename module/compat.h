/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only place where mdcr_fix looks at what differs between kernels. The
 * MDCR_FIX_HAS_* names come from scripts/probe-features.sh, which reads the
 * headers being built against.
 */
#ifndef MDCR_FIX_COMPAT_H
#define MDCR_FIX_COMPAT_H

#include <linux/arm-smccc.h>
#include <linux/debugfs.h>
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
/* Headers the module does not know: it builds, and arms nothing. */
static inline bool mdcr_fix_has_run_once(struct kvm_vcpu *vcpu)
{
	return false;
}

#define MDCR_FIX_RUN_ONCE "none"
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
#elif defined(MDCR_FIX_HAS_DEBUG_OWNER)
/* The debug rework (v6.14): TDA stays clear while the guest owns them. */
static inline bool mdcr_fix_debug_dirty(struct kvm_vcpu *vcpu)
{
	return kvm_guest_owns_debug_regs(vcpu);
}

#define MDCR_FIX_DEBUG_DIRTY "owner"
#else
static inline bool mdcr_fix_debug_dirty(struct kvm_vcpu *vcpu)
{
	return false;
}

#define MDCR_FIX_DEBUG_DIRTY "none"
#endif

/*
 * A kernel that computes mdcr_el2 in every vcpu_load(), before the load
 * writes it (75a5fbaf6623, v6.14), never loads a value it did not compute:
 * the module arms nothing there (verdict "kernel already fixed"). Where the
 * headers lack what the module reads, it arms nothing either and says why
 * (verdict "unknown"): a DKMS build never fails on a kernel it does not know.
 */
#ifdef MDCR_FIX_KERNEL_COMPUTES_AT_LOAD
#define MDCR_FIX_COMPUTES_AT_LOAD	true
#else
#define MDCR_FIX_COMPUTES_AT_LOAD	false
#endif

#if defined(MDCR_FIX_KERNEL_COMPUTES_AT_LOAD)
#define MDCR_FIX_KNOWN_KERNEL		true
#define MDCR_FIX_MISSING		""
#elif !defined(MDCR_FIX_HAS_RUN_ONCE_FIELD) && \
	!defined(MDCR_FIX_HAS_RUN_ONCE_PID)
#define MDCR_FIX_KNOWN_KERNEL		false
#define MDCR_FIX_MISSING		"no has-run-once test"
#elif !defined(MDCR_FIX_HAS_DEBUG_DIRTY_BIT) && \
	!defined(MDCR_FIX_HAS_DEBUG_DIRTY_FLAG) && \
	!defined(MDCR_FIX_HAS_DEBUG_OWNER)
#define MDCR_FIX_KNOWN_KERNEL		false
#define MDCR_FIX_MISSING		"no debug-dirty flag"
#else
#define MDCR_FIX_KNOWN_KERNEL		true
#define MDCR_FIX_MISSING		""
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

/*
 * The thread that runs a vCPU (set by KVM_RUN before the first-run init):
 * compared with the caller's, never dereferenced, so no lock is taken.
 */
#ifdef MDCR_FIX_HAS_VCPU_PID_RCU
static inline const struct pid *mdcr_fix_vcpu_pid(struct kvm_vcpu *vcpu)
{
	return rcu_access_pointer(vcpu->pid);
}
#else
static inline const struct pid *mdcr_fix_vcpu_pid(struct kvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->pid);
}
#endif

/*
 * KVM creates its debugfs directory once its hypervisor is installed (at
 * boot: KVM is built in on arm64). The dentry is exported up to 6.1; later
 * kernels keep it static, so the directory is looked up by name, which may
 * sleep: call from process context.
 */
#ifdef MDCR_FIX_HAS_KVM_DEBUGFS_DIR
static inline bool mdcr_fix_kvm_initialised(void)
{
	return !!READ_ONCE(kvm_debugfs_dir);
}
#else
static inline bool mdcr_fix_kvm_initialised(void)
{
	struct dentry *d = debugfs_lookup("kvm", NULL);

	if (IS_ERR_OR_NULL(d))
		return false;
	dput(d);
	return true;
}
#endif

#endif /* MDCR_FIX_COMPAT_H */
