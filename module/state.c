// SPDX-License-Identifier: GPL-2.0
/*
 * Per-vCPU records and the verdict.
 *
 * Records come from a pool allocated at load time, so the hooks never
 * allocate: when the pool is full a vCPU goes unrecorded (it is still
 * fixed) and records_dropped says so. A record lives exactly as long as its
 * vCPU: kvm_arch_vcpu_destroy() drops it, because the allocator hands the
 * same address to the next vCPU.
 *
 * The verdict, and the one policy that follows from it and the mode: may
 * the module write (mdcr_fix_may_write()). A change of verdict queues the
 * work registered with mdcr_fix_on_verdict(), which arms what the new
 * verdict needs: this file calls no other file of the module.
 */
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/kvm_host.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <asm/virt.h>

#include "compat.h"
#include "mdcr_fix.h"

#define MDCR_FIX_HASH_BITS	8

DEFINE_RAW_SPINLOCK(mdcr_fix_lock);
struct mdcr_fix_stats mdcr_fix_stats;

static DEFINE_HASHTABLE(recs_hash, MDCR_FIX_HASH_BITS);
static struct mdcr_fix_rec *pool;
static unsigned int pool_size;
static unsigned int pool_used;
static HLIST_HEAD(free_list);
/* enum mdcr_fix_verdict, in a long: 4.18's cmpxchg on 4 bytes trips gcc 12 */
static atomic_long_t verdict = ATOMIC_LONG_INIT(MDCR_FIX_PENDING);
/* Queued on every change of verdict; NULL until the hooks are in place. */
static struct work_struct __rcu *verdict_work;

int mdcr_fix_state_init(unsigned int max_records)
{
	unsigned int i;

	pool = kvcalloc(max_records, sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return -ENOMEM;
	pool_size = max_records;
	for (i = 0; i < pool_size; i++)
		hlist_add_head(&pool[i].node, &free_list);
	return 0;
}

void mdcr_fix_state_exit(void)
{
	kvfree(pool);
	pool = NULL;
}

static struct mdcr_fix_rec *find(const struct kvm_vcpu *vcpu)
{
	struct mdcr_fix_rec *rec;

	hash_for_each_possible(recs_hash, rec, node, hash_ptr(vcpu, 32))
		if (rec->vcpu == vcpu)
			return rec;
	return NULL;
}

/**
 * mdcr_fix_rec_get - find or create the record of a vCPU
 * @vcpu: a vCPU that KVM holds for the caller (hook context)
 *
 * Call with mdcr_fix_lock held. Returns NULL when the pool is full.
 */
struct mdcr_fix_rec *mdcr_fix_rec_get(struct kvm_vcpu *vcpu)
{
	struct mdcr_fix_rec *rec = find(vcpu);

	if (rec)
		return rec;
	if (hlist_empty(&free_list)) {
		atomic_long_inc(&mdcr_fix_stats.dropped);
		return NULL;
	}
	rec = hlist_entry(free_list.first, struct mdcr_fix_rec, node);
	hlist_del(&rec->node);
	*rec = (struct mdcr_fix_rec) {
		.vcpu = vcpu,
		.owner = vcpu->kvm->userspace_pid,
		.vcpu_id = vcpu->vcpu_id,
		.state = MDCR_FIX_REC_NEW,
		.last_cpu = -1,
		.mdcr = vcpu->arch.mdcr_el2,
		.hw_first = MDCR_FIX_UNKNOWN,
	};
	hash_add(recs_hash, &rec->node, hash_ptr(vcpu, 32));
	pool_used++;
	atomic_long_inc(&mdcr_fix_stats.vcpus);
	return rec;
}

/* Call with mdcr_fix_lock held. */
void mdcr_fix_rec_put(const struct kvm_vcpu *vcpu)
{
	struct mdcr_fix_rec *rec = find(vcpu);

	if (!rec)
		return;
	hash_del(&rec->node);
	rec->vcpu = NULL;
	hlist_add_head(&rec->node, &free_list);
	pool_used--;
}

/**
 * mdcr_fix_rec_copy - copy the record in pool slot @idx
 * @idx: pool index
 * @out: where to copy it
 *
 * For debugfs: takes the lock itself and hands out a copy, so a reader never
 * holds a pointer into a record that a vCPU teardown may recycle.
 * Returns false for an unused slot.
 */
bool mdcr_fix_rec_copy(unsigned int idx, struct mdcr_fix_rec *out)
{
	unsigned long flags;
	bool used = false;

	raw_spin_lock_irqsave(&mdcr_fix_lock, flags);
	if (pool && idx < pool_size && pool[idx].vcpu) {
		*out = pool[idx];
		used = true;
	}
	raw_spin_unlock_irqrestore(&mdcr_fix_lock, flags);
	return used;
}

unsigned int mdcr_fix_rec_capacity(void)
{
	return pool_size;
}

/* Memory the records take: the pool and the hash heads, fixed at load. */
size_t mdcr_fix_rec_bytes(void)
{
	return pool_size * sizeof(*pool) + sizeof(recs_hash);
}

unsigned int mdcr_fix_rec_used(void)
{
	return READ_ONCE(pool_used);
}

enum mdcr_fix_verdict mdcr_fix_verdict(void)
{
	return atomic_long_read(&verdict);
}

static void verdict_changed(enum mdcr_fix_verdict v)
{
	struct work_struct *w;

	pr_info("verdict: %s (%s)\n", mdcr_fix_verdict_name(v),
		mdcr_fix_verdict_reason(v));
	rcu_read_lock();
	w = rcu_dereference(verdict_work);
	if (w)
		schedule_work(w);
	rcu_read_unlock();
}

/*
 * Says so in the log when it changes: the verdict leaves "pending" once,
 * so this prints at most twice in a module's life, also from a hook.
 */
void mdcr_fix_set_verdict(enum mdcr_fix_verdict v)
{
	if (atomic_long_xchg(&verdict, v) != v)
		verdict_changed(v);
}

/* The first evidence decides a pending verdict; later evidence does not. */
void mdcr_fix_decide(enum mdcr_fix_verdict v)
{
	if (atomic_long_cmpxchg(&verdict, MDCR_FIX_PENDING, v) == MDCR_FIX_PENDING)
		verdict_changed(v);
}

/**
 * mdcr_fix_on_verdict - queue @work after each change of verdict
 * @work: the work, or NULL for none
 *
 * The change itself may come from a hook or a work item. After
 * mdcr_fix_on_verdict(NULL) returns (process context: it waits for a
 * grace period), no change queues the old work any more: the caller can
 * cancel it for good.
 */
void mdcr_fix_on_verdict(struct work_struct *work)
{
	rcu_assign_pointer(verdict_work, work);
	if (!work)
		synchronize_rcu();
}

bool mdcr_fix_vhe(void)
{
	return is_kernel_in_hyp_mode();
}

/**
 * mdcr_fix_may_write - may the module write now?
 *
 * vcpu->arch.mdcr_el2 or the host's MDCR_EL2: only on VHE (nVHE is not
 * affected, and its MDCR_EL2 is hyp's), never in mode observe, always in
 * mode fix, and in mode auto only once the kernel was found affected.
 */
bool mdcr_fix_may_write(void)
{
	if (!mdcr_fix_vhe())
		return false;
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

/*
 * Is there anything on this host that the module must keep an eye on? A
 * VHE host whose kernel may have the bug: not yet decided, or affected.
 */
bool mdcr_fix_watching(void)
{
	enum mdcr_fix_verdict v = mdcr_fix_verdict();

	return mdcr_fix_vhe() &&
	       (v == MDCR_FIX_PENDING || v == MDCR_FIX_AFFECTED);
}

const char *mdcr_fix_verdict_name(enum mdcr_fix_verdict v)
{
	switch (v) {
	case MDCR_FIX_PENDING:
		return "pending";
	case MDCR_FIX_AFFECTED:
		return "affected";
	case MDCR_FIX_FIXED:
	case MDCR_FIX_AT_LOAD:
		return "kernel already fixed";
	case MDCR_FIX_NVHE:
	case MDCR_FIX_NO_KVM:
		return "not affected";
	case MDCR_FIX_NO_HOOK:
	case MDCR_FIX_UNSUPPORTED:
		return "unknown";
	}
	return "?";
}

const char *mdcr_fix_verdict_reason(enum mdcr_fix_verdict v)
{
	switch (v) {
	case MDCR_FIX_PENDING:
		return "VHE host; no vCPU has started since load, the first one decides";
	case MDCR_FIX_AFFECTED:
		return "a vCPU reached its first load with mdcr_el2 never computed";
	case MDCR_FIX_FIXED:
		return "KVM computes mdcr_el2 before the first load";
	case MDCR_FIX_NVHE:
		return "nVHE host: MDCR_EL2 is written in the world switch, after setup";
	case MDCR_FIX_NO_KVM:
		return "KVM is not initialised (no EL2, or KVM did not start)";
	case MDCR_FIX_NO_HOOK:
		return "no hook point before the first load could be armed";
	case MDCR_FIX_AT_LOAD:
		return "KVM computes mdcr_el2 in each vcpu_load before writing it: nothing armed";
	case MDCR_FIX_UNSUPPORTED:
		return "unknown kernel headers (" MDCR_FIX_MISSING "): nothing armed";
	}
	return "?";
}

const char *mdcr_fix_mode_name(enum mdcr_fix_mode m)
{
	switch (m) {
	case MDCR_FIX_AUTO:
		return "auto";
	case MDCR_FIX_FIX:
		return "fix";
	case MDCR_FIX_OBSERVE:
		return "observe";
	}
	return "?";
}
