/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MDCR_FIX_H
#define MDCR_FIX_H

#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct kvm;
struct kvm_vcpu;
struct seq_file;
struct work_struct;

enum mdcr_fix_mode {
	MDCR_FIX_AUTO,
	MDCR_FIX_FIX,
	MDCR_FIX_OBSERVE,
};

/* What the module concluded about the running kernel. */
enum mdcr_fix_verdict {
	MDCR_FIX_PENDING,	/* VHE, no vCPU has run its first KVM_RUN yet */
	MDCR_FIX_AFFECTED,	/* a vCPU reached its first load with 0 */
	MDCR_FIX_FIXED,		/* the kernel computed it before the first load */
	MDCR_FIX_NVHE,		/* MDCR_EL2 is written in the world switch */
	MDCR_FIX_NO_KVM,	/* no EL2, or no KVM symbols to hook */
	MDCR_FIX_NO_HOOK,	/* no point before the first load could be hooked */
	MDCR_FIX_AT_LOAD,	/* the kernel computes it in every vcpu_load() */
	MDCR_FIX_UNSUPPORTED,	/* built against headers the module does not know */
};

enum mdcr_fix_state {
	MDCR_FIX_REC_NEW,	/* seen, mdcr_el2 never computed */
	MDCR_FIX_REC_FIXED,	/* we gave it its value */
	MDCR_FIX_REC_KERNEL,	/* the kernel computed it */
};

/**
 * struct mdcr_fix_rec - what the module knows of one live vCPU
 * @node:	hash chain, keyed by @vcpu
 * @vcpu:	lookup key only: never dereferenced outside the hooks, which
 *		run while KVM holds the vCPU
 * @owner:	pid of the VM's creator
 * @vcpu_id:	KVM vCPU id
 * @state:	enum mdcr_fix_state
 * @first_run:	its first-run init was seen (vgic_map, then first_run)
 * @last_cpu:	CPU of the last load seen, -1 before
 * @loads:	loads seen (only while the load hook is armed)
 * @mdcr:	vcpu->arch.mdcr_el2 as of the last hook visit
 * @set:	value the module wrote, 0 if none
 * @hw_first:	hardware MDCR_EL2 right after the first load seen, or
 *		MDCR_FIX_UNKNOWN
 */
struct mdcr_fix_rec {
	struct hlist_node node;
	const struct kvm_vcpu *vcpu;
	pid_t owner;
	u16 vcpu_id;
	u8 state;
	bool first_run;
	s16 last_cpu;
	u32 loads;
	u64 mdcr;
	u64 set;
	u64 hw_first;
};

#define MDCR_FIX_UNKNOWN	(~0ULL)

struct mdcr_fix_stats {
	atomic_long_t vcpus;
	atomic_long_t first_runs;
	atomic_long_t fixups;
	atomic_long_t kernel_computed;
	atomic_long_t loads;
	atomic_long_t zero_loads;
	atomic_long_t zero_hpmn;
	atomic_long_t dropped;
	atomic_long_t repaired;
};

extern enum mdcr_fix_mode mdcr_fix_mode;
extern struct mdcr_fix_stats mdcr_fix_stats;
extern raw_spinlock_t mdcr_fix_lock;

/* state.c: the records, the verdict and the policy that follows from it */
int mdcr_fix_state_init(unsigned int max_records);
void mdcr_fix_state_exit(void);
struct mdcr_fix_rec *mdcr_fix_rec_get(struct kvm_vcpu *vcpu);
void mdcr_fix_rec_put(const struct kvm_vcpu *vcpu);
bool mdcr_fix_rec_copy(unsigned int idx, struct mdcr_fix_rec *out);
unsigned int mdcr_fix_rec_capacity(void);
unsigned int mdcr_fix_rec_used(void);
size_t mdcr_fix_rec_bytes(void);
enum mdcr_fix_verdict mdcr_fix_verdict(void);
void mdcr_fix_set_verdict(enum mdcr_fix_verdict v);
void mdcr_fix_decide(enum mdcr_fix_verdict v);
void mdcr_fix_on_verdict(struct work_struct *work);
bool mdcr_fix_may_write(void);
bool mdcr_fix_watching(void);
bool mdcr_fix_vhe(void);
const char *mdcr_fix_verdict_name(enum mdcr_fix_verdict v);
const char *mdcr_fix_verdict_reason(enum mdcr_fix_verdict v);
const char *mdcr_fix_mode_name(enum mdcr_fix_mode m);

/* fixup.c: called from the hooks, preemption disabled */
u64 mdcr_fix_compute(struct kvm_vcpu *vcpu, u64 hpmn);
void mdcr_fix_first_run(struct kvm_vcpu *vcpu);
void mdcr_fix_vgic_map(struct kvm *kvm);
void mdcr_fix_before_load(struct kvm_vcpu *vcpu, int cpu);
void mdcr_fix_after_load(struct kvm_vcpu *vcpu);
void mdcr_fix_vcpu_gone(struct kvm_vcpu *vcpu);

/* host.c */
enum mdcr_fix_src {
	MDCR_FIX_SRC_NONE,	/* not read */
	MDCR_FIX_SRC_HW,	/* mrs at EL2 (VHE) */
	MDCR_FIX_SRC_HVC,	/* host hypercall (nVHE) */
};

#define MDCR_FIX_HVC_NO_KVM	(-100UL)
#define MDCR_FIX_HVC_NO_CALL	(-101UL)

/**
 * struct mdcr_fix_cpu - one CPU's MDCR_EL2 as the last check found it
 * @mdcr:	the register (VHE: live, after any repair; nVHE: host call)
 * @hpmn:	the HPMN the boot code gave the host: PMCR_EL0.N, 0 without
 *		a standard PMU (ID_AA64DFR0_EL1.PMUVer)
 * @hvc_ret:	nVHE: what the host call answered
 * @src:	enum mdcr_fix_src
 * @pmu:	the CPU has a standard PMU
 * @damaged:	HPMN read 0 on a CPU whose boot code gave the host more
 * @repaired:	this check gave it its HPMN back
 * @stale:	KVM's own copy of the host value may still hold HPMN = 0
 * @repairs:	times the module repaired this CPU since load
 * @copies:	times KVM was seen taking its copy of this CPU's value
 */
struct mdcr_fix_cpu {
	u64 mdcr;
	u64 hpmn;
	unsigned long hvc_ret;
	u8 src;
	bool pmu;
	bool damaged;
	bool repaired;
	bool stale;
	unsigned int repairs;
	unsigned int copies;
};

/**
 * struct mdcr_fix_health - what the last check of every online CPU found
 * @damaged:	CPUs whose HPMN was 0, after any repair
 * @stale:	CPUs whose KVM copy of the host value may hold HPMN = 0
 * @pending:	a repair or a refresh of KVM's copy is still to come
 * @checked_ms:	when it ran, in ms of boot time (CLOCK_BOOTTIME); 0: never
 */
struct mdcr_fix_health {
	unsigned int damaged;
	unsigned int stale;
	bool pending;
	u64 checked_ms;
};

bool mdcr_fix_kvm_ready(void);
u64 mdcr_fix_host_hpmn(void);
void mdcr_fix_host_copy_taken(void);
void mdcr_fix_host_repair_local(void);
void mdcr_fix_host_check_now(void);
void mdcr_fix_host_queue_check(void);
void mdcr_fix_host_stale_all(void);
void mdcr_fix_host_set_copier(void (*copy)(void));
void mdcr_fix_host_health(struct mdcr_fix_health *h);
void mdcr_fix_host_show(struct seq_file *m);
int mdcr_fix_host_init(void);
void mdcr_fix_host_exit(void);

/* hooks.c */
int mdcr_fix_hooks_init(void);
void mdcr_fix_hooks_remove(void);
void mdcr_fix_hooks_show(struct seq_file *m);
bool mdcr_fix_hooks_any(void);
unsigned long mdcr_fix_hooks_missed(void);
const char *mdcr_fix_hooks_gap(void);
bool mdcr_fix_hook_known(const char *name, size_t len);

/* inject.c (test builds) or noinject.c */
bool mdcr_fix_fail_injected(const char *name);
void mdcr_fix_load_window(void);

/* status.c */
int mdcr_fix_status(const struct mdcr_fix_health *h, const char **reason);
const char *mdcr_fix_status_name(int status);

/* debugfs.c */
void mdcr_fix_debugfs_init(void);
void mdcr_fix_debugfs_exit(void);

#endif /* MDCR_FIX_H */
