// SPDX-License-Identifier: GPL-2.0
/*
 * The hook table.
 *
 * vgic_map	 kvm_vgic_map_resources(): the first-run init of a VM's first
 *		 vCPU maps the vGIC after setting has_run_once and before
 *		 kvm_timer_enable(); if the mapping fails, no later KVM_RUN
 *		 runs the first-run init again. The fix (v2) computes
 *		 mdcr_el2 before the mapping: so does this hook, for the
 *		 vCPU of the calling thread.
 * first_run	 kvm_timer_enable(): every kernel from 4.18 on calls it from
 *		 the first-run init alone (kvm_vcpu_first_run_init(), static
 *		 and usually inlined, or kvm_arch_vcpu_run_pid_change() since
 *		 b5aa368abfbf, v5.17), once per vCPU, after the point where
 *		 the fixed kernel computes mdcr_el2 and before the first
 *		 vcpu_load(). A kprobe at its entry needs no instance pool, so
 *		 it cannot run dry, and runs before a timer enable can fail.
 * vcpu_load	 the safety net in front of every load. A kprobe costs a BRK
 *		 exception and a single-step on each hit, and KVM_RUN loads
 *		 once per exit, so it is armed only while it may be needed.
 * vcpu_destroy	 drops the record: vCPU addresses are reused. Up to 5.5 KVM
 *		 frees a VM's vCPUs with kvm_arch_vcpu_free() and calls
 *		 kvm_arch_vcpu_destroy() only when KVM_CREATE_VCPU fails;
 *		 since 5.6 every vCPU goes through kvm_arch_vcpu_destroy().
 * init_debug	 kvm_arm_init_debug(), where KVM copies the host MDCR_EL2 of
 *		 a CPU it enables: repair that CPU first (VHE only). Armed
 *		 while the module may write. The function itself is what
 *		 host.c calls to make KVM take a stale copy again.
 *
 * Handlers run with preemption disabled: no sleeping, no allocation.
 * Arming and disarming take the kprobe mutex, so they go through a work
 * item; this file alone decides what is armed.
 */
#include <linux/kprobes.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <asm/debug-monitors.h>

#include "compat.h"
#include "mdcr_fix.h"

static unsigned int sweep_ms = 2000;

static int sweep_ms_set(const char *val, const struct kernel_param *kp)
{
	unsigned int ms;

	if (kstrtouint(val, 0, &ms) || ms > 600000) {
		pr_err("sweep_ms=%s: want 0..600000\n", val);
		return -EINVAL;
	}
	sweep_ms = ms;
	return 0;
}

static const struct kernel_param_ops sweep_ms_ops = {
	.set = sweep_ms_set,
	.get = param_get_uint,
};

module_param_cb(sweep_ms, &sweep_ms_ops, &sweep_ms, 0444);
MODULE_PARM_DESC(sweep_ms,
		 "uint 0..600000: ms the load hook stays armed after load, for vCPUs that existed before (default 2000)");

enum hook_id {
	HOOK_VGIC_MAP,
	HOOK_FIRST_RUN,
	HOOK_VCPU_LOAD,
	HOOK_VCPU_DESTROY,
	HOOK_INIT_DEBUG,
	NR_HOOKS
};

static const char * const vgic_map_syms[] = {
	"kvm_vgic_map_resources",
	NULL
};

static const char * const first_run_syms[] = {
	"kvm_timer_enable",
	NULL
};

static const char * const vcpu_load_syms[] = {
	"kvm_arch_vcpu_load",
	NULL
};

static const char * const vcpu_destroy_syms[] = {
	"kvm_arch_vcpu_free",
	"kvm_arch_vcpu_destroy",
	NULL
};

static const char * const init_debug_syms[] = {
	"kvm_arm_init_debug",
	NULL
};

/**
 * struct hook - one row of the hook table
 * @name:	  name in debugfs and in fail_hooks
 * @syms:	  candidate symbols, best first
 * @required:	  the module refuses to load without it
 * @rp:		  the probe (kretprobe, or its kprobe alone when !@handler)
 * @entry:	  kretprobe entry handler
 * @handler:	  kretprobe return handler, NULL for a plain kprobe
 * @pre:	  kprobe pre-handler, for a plain kprobe
 * @sym:	  the candidate that registered, NULL if none
 * @err_sym:	  the last candidate tried, when none registered
 * @err:	  its error
 * @armed:	  enabled now (under arm_lock)
 */
struct hook {
	const char *name;
	const char * const *syms;
	bool required;
	struct kretprobe rp;
	kretprobe_handler_t entry;
	kretprobe_handler_t handler;
	kprobe_pre_handler_t pre;
	const char *sym;
	const char *err_sym;
	int err;
	bool armed;
};

static int vgic_map_pre(struct kprobe *p, struct pt_regs *regs)
{
	mdcr_fix_vgic_map((struct kvm *)regs->regs[0]);
	return 0;
}

NOKPROBE_SYMBOL(vgic_map_pre);

static int first_run_pre(struct kprobe *p, struct pt_regs *regs)
{
	mdcr_fix_first_run((struct kvm_vcpu *)regs->regs[0]);
	return 0;
}

NOKPROBE_SYMBOL(first_run_pre);

static int load_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->regs[0];

	*(struct kvm_vcpu **)ri->data = vcpu;
	mdcr_fix_before_load(vcpu, (int)regs->regs[1]);
	return 0;
}

NOKPROBE_SYMBOL(load_entry);

static int load_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	mdcr_fix_after_load(*(struct kvm_vcpu **)ri->data);
	return 0;
}

NOKPROBE_SYMBOL(load_ret);

static int destroy_pre(struct kprobe *p, struct pt_regs *regs)
{
	mdcr_fix_vcpu_gone((struct kvm_vcpu *)regs->regs[0]);
	return 0;
}

NOKPROBE_SYMBOL(destroy_pre);

static int init_debug_pre(struct kprobe *p, struct pt_regs *regs)
{
	mdcr_fix_host_copy_taken();
	return 0;
}

NOKPROBE_SYMBOL(init_debug_pre);

static struct hook hooks[NR_HOOKS] = {
	[HOOK_VGIC_MAP] = {
		.name = "vgic_map",
		.syms = vgic_map_syms,
		.pre = vgic_map_pre,
	},
	[HOOK_FIRST_RUN] = {
		.name = "first_run",
		.syms = first_run_syms,
		.pre = first_run_pre,
	},
	[HOOK_VCPU_LOAD] = {
		.name = "vcpu_load",
		.syms = vcpu_load_syms,
		.entry = load_entry,
		.handler = load_ret,
	},
	[HOOK_VCPU_DESTROY] = {
		.name = "vcpu_destroy",
		.syms = vcpu_destroy_syms,
		.required = true,
		.pre = destroy_pre,
	},
	[HOOK_INIT_DEBUG] = {
		.name = "init_debug",
		.syms = init_debug_syms,
		.pre = init_debug_pre,
	},
};

/* For the test-only fail_hooks= parameter (module/inject.c). */
bool mdcr_fix_hook_known(const char *name, size_t len)
{
	int i;

	for (i = 0; i < NR_HOOKS; i++)
		if (strlen(hooks[i].name) == len && !strncmp(hooks[i].name, name, len))
			return true;
	return false;
}

static DEFINE_MUTEX(arm_lock);
/* The sweep after load: the load hook catches vCPUs that existed before. */
static bool sweeping;

static bool wanted(int id);

static int try_register(struct hook *h, const char *sym, bool want)
{
	if (mdcr_fix_fail_injected(h->name))
		return -ENOENT;
	/* A fresh probe each time: a failed registration leaves state. */
	memset(&h->rp, 0, sizeof(h->rp));
	h->rp.kp.symbol_name = sym;
	/* Registered disarmed where it is not wanted yet. */
	if (!want)
		h->rp.kp.flags = KPROBE_FLAG_DISABLED;
	if (!h->handler) {
		h->rp.kp.pre_handler = h->pre;
		return register_kprobe(&h->rp.kp);
	}
	h->rp.entry_handler = h->entry;
	h->rp.handler = h->handler;
	h->rp.data_size = sizeof(struct kvm_vcpu *);
	return register_kretprobe(&h->rp);
}

static int hook_register(int id)
{
	struct hook *h = &hooks[id];
	bool want = wanted(id);
	const char * const *s;

	for (s = h->syms; *s; s++) {
		h->err = try_register(h, *s, want);
		if (!h->err) {
			h->sym = *s;
			h->armed = want;
			pr_info("%s: %s on %pS\n", h->name,
				want ? "armed" : "registered, disarmed",
				h->rp.kp.addr);
			return 0;
		}
		/* Only a missing or unprobeable symbol moves on to the next. */
		if (h->err != -ENOENT && h->err != -EINVAL)
			break;
		/* Expected: each kernel has one of them. */
		if (s[1])
			pr_info("%s: no %s here (%d), trying %s\n",
				h->name, *s, h->err, s[1]);
	}
	/* The last candidate tried, with its own error. */
	h->err_sym = *s ?: s[-1];
	if (h->required)
		pr_err("%s: cannot hook %s: %d\n", h->name, h->err_sym, h->err);
	else
		pr_warn("%s: cannot hook %s: %d\n", h->name, h->err_sym, h->err);
	return h->err;
}

/* A kernel found fixed needs nothing on its hot paths. */
static bool passive(void)
{
	return mdcr_fix_mode == MDCR_FIX_AUTO &&
	       mdcr_fix_verdict() == MDCR_FIX_FIXED;
}

static bool wanted(int id)
{
	switch (id) {
	case HOOK_VCPU_LOAD:
		if (mdcr_fix_mode == MDCR_FIX_OBSERVE ||
		    !hooks[HOOK_FIRST_RUN].sym)
			return true;
		return !passive() && READ_ONCE(sweeping);
	case HOOK_VGIC_MAP:
	case HOOK_FIRST_RUN:
		return !passive();
	case HOOK_INIT_DEBUG:
		return mdcr_fix_may_write();
	}
	return true;
}

static void hook_arm(struct hook *h, bool want)
{
	int err;

	if (!h->sym || h->armed == want)
		return;
	if (h->handler)
		err = want ? enable_kretprobe(&h->rp) : disable_kretprobe(&h->rp);
	else
		err = want ? enable_kprobe(&h->rp.kp) : disable_kprobe(&h->rp.kp);
	if (err)
		pr_warn("%s: could not %s the hook: %d\n", h->name,
			want ? "arm" : "disarm", err);
	else
		h->armed = want;
}

/* The verdict the last arm_work_fn() acted on. */
static enum mdcr_fix_verdict arm_verdict = MDCR_FIX_PENDING;

/*
 * After a change of verdict (and at the end of the sweep): arm what the
 * policy now wants. When the kernel has just been found affected, every
 * CPU is checked and repaired, and every CPU's KVM copy is taken again:
 * copies taken while the verdict was pending may hold HPMN = 0.
 */
static void arm_work_fn(struct work_struct *work)
{
	bool became_affected;
	int i;

	mutex_lock(&arm_lock);
	for (i = 0; i < NR_HOOKS; i++)
		hook_arm(&hooks[i], wanted(i));
	became_affected = mdcr_fix_verdict() == MDCR_FIX_AFFECTED &&
			  arm_verdict != MDCR_FIX_AFFECTED;
	arm_verdict = mdcr_fix_verdict();
	mutex_unlock(&arm_lock);
	if (became_affected && mdcr_fix_may_write()) {
		mdcr_fix_host_stale_all();
		mdcr_fix_host_check_now();
	}
}

static DECLARE_WORK(arm_work, arm_work_fn);

static void sweep_end_fn(struct work_struct *work)
{
	WRITE_ONCE(sweeping, false);
	schedule_work(&arm_work);
}

static DECLARE_DELAYED_WORK(sweep_end, sweep_end_fn);

/**
 * mdcr_fix_hooks_init - register the hook table
 *
 * Every hook the policy wants is armed as it registers, before the module
 * looks at the CPUs: a vCPU that starts meanwhile is caught. The load hook
 * stays armed for the sweep: vCPUs may exist already. A change of verdict
 * re-arms (arm_work_fn()). On nVHE nothing is hooked.
 *
 * Returns 0 once every hook that could be registered is, or an error, with
 * nothing left registered, when a required hook could not be.
 */
int mdcr_fix_hooks_init(void)
{
	struct hook *copy = &hooks[HOOK_INIT_DEBUG];
	int ret;

	WRITE_ONCE(sweeping, true);
	arm_verdict = mdcr_fix_verdict();
	mdcr_fix_on_verdict(&arm_work);
	ret = hook_register(HOOK_VCPU_DESTROY);
	if (ret) {
		mdcr_fix_on_verdict(NULL);
		return ret;
	}
	hook_register(HOOK_VCPU_LOAD);
	hook_register(HOOK_VGIC_MAP);
	hook_register(HOOK_FIRST_RUN);
	/*
	 * kvm_arm_init_debug() takes KVM's copy of this CPU's MDCR_EL2 and
	 * does nothing else: host.c calls it to take a stale copy again.
	 */
	if (!hook_register(HOOK_INIT_DEBUG))
		mdcr_fix_host_set_copier((void (*)(void))(unsigned long)copy->rp.kp.addr);
	schedule_delayed_work(&sweep_end, msecs_to_jiffies(sweep_ms));
	return 0;
}

/*
 * Idempotent: safe after a partial init and at exit. Each unregister call
 * waits for a grace period, so the probes go in two calls, one per kind,
 * not one per probe: unloading takes a fraction of the time.
 */
void mdcr_fix_hooks_remove(void)
{
	struct kretprobe *rps[NR_HOOKS];
	struct kprobe *kps[NR_HOOKS];
	int nr = 0, nk = 0, i;

	/* From here on no change of verdict queues arm_work. */
	mdcr_fix_on_verdict(NULL);
	cancel_delayed_work_sync(&sweep_end);
	/* Under arm_lock: a queued arm request sees the hooks gone. */
	mutex_lock(&arm_lock);
	for (i = 0; i < NR_HOOKS; i++) {
		struct hook *h = &hooks[i];

		if (!h->sym)
			continue;
		if (h->handler)
			rps[nr++] = &h->rp;
		else
			kps[nk++] = &h->rp.kp;
		h->sym = NULL;
		h->armed = false;
	}
	if (nk)
		unregister_kprobes(kps, nk);
	if (nr)
		unregister_kretprobes(rps, nr);
	mutex_unlock(&arm_lock);
	cancel_work_sync(&arm_work);
}

bool mdcr_fix_hooks_any(void)
{
	return hooks[HOOK_FIRST_RUN].sym || hooks[HOOK_VCPU_LOAD].sym;
}

/* Probe hits this hook missed: a kretprobe's own and its kprobe's. */
static unsigned long hook_missed(const struct hook *h)
{
	unsigned long n = h->rp.kp.nmissed;

	if (h->handler)
		n += h->rp.nmissed;
	return n;
}

/* Probe hits missed by any hook since load. */
unsigned long mdcr_fix_hooks_missed(void)
{
	unsigned long n = 0;
	int i;

	for (i = 0; i < NR_HOOKS; i++)
		n += hook_missed(&hooks[i]);
	return n;
}

/*
 * An armed hook whose breakpoint is not in the kernel text: kprobes are
 * disarmed as a whole (debugfs kprobes/enabled set to 0), and no hook runs.
 */
static bool hook_gone(const struct hook *h)
{
	u32 insn;

	if (!READ_ONCE(h->armed) || kprobe_ftrace((struct kprobe *)&h->rp.kp))
		return false;
	insn = le32_to_cpu(*(__le32 *)h->rp.kp.addr);
	return insn != BRK64_OPCODE_KPROBES;
}

/**
 * mdcr_fix_hooks_gap - what the hooks leave uncovered now, or NULL
 *
 * A first run that no hook catches goes unfixed; without the init_debug
 * hook KVM may copy a damaged CPU's value; with kprobes disabled, no hook
 * runs at all.
 */
const char *mdcr_fix_hooks_gap(void)
{
	int i;

	for (i = 0; i < NR_HOOKS; i++)
		if (hooks[i].sym && hook_gone(&hooks[i]))
			return "kprobes are disabled (debugfs kprobes/enabled is 0): no hook runs";
	if (!hooks[HOOK_FIRST_RUN].sym && !hooks[HOOK_VCPU_LOAD].sym)
		return "no hook before a vCPU's first load";
	if (!hooks[HOOK_INIT_DEBUG].sym)
		return "no init_debug hook: KVM may copy a damaged CPU's value";
	return NULL;
}

void mdcr_fix_hooks_show(struct seq_file *m)
{
	const struct hook *h;
	int i;

	for (i = 0; i < NR_HOOKS; i++) {
		h = &hooks[i];
		seq_printf(m, "hook.%s:\t", h->name);
		if (!h->sym && h->err) {
			seq_printf(m, "none (%s: %d)\n", h->err_sym, h->err);
			continue;
		}
		if (!h->sym) {
			seq_puts(m, "none (not needed on this host)\n");
			continue;
		}
		seq_printf(m, "%s %s%s missed=%lu\n", h->sym,
			   READ_ONCE(h->armed) ? "armed" : "disarmed",
			   hook_gone(h) ? " (not in the text: kprobes disabled)" : "",
			   hook_missed(h));
	}
}
