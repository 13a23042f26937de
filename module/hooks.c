// SPDX-License-Identifier: GPL-2.0
/*
 * The hook table.
 *
 * first_run	 where a vCPU's first-run init has just succeeded: the point
 *		 at which the fixed kernel computes mdcr_el2. The static
 *		 kvm_vcpu_first_run_init() is inlined in Debian's builds and
 *		 is gone since b5aa368abfbf (v5.17), which merged it into
 *		 kvm_arch_vcpu_run_pid_change(). Last fallback:
 *		 kvm_timer_enable(), which only the first-run init calls,
 *		 after the place where the fixed kernel computes mdcr_el2.
 *		 All run before the first vcpu_load() of KVM_RUN.
 * vcpu_load	 the safety net in front of every load. A kprobe costs a BRK
 *		 exception and a single-step on each hit, and KVM_RUN loads
 *		 once per exit, so it is armed only while it may be needed.
 * vcpu_destroy	 drops the record: vCPU addresses are reused.
 *
 * Handlers run with preemption disabled: no sleeping, no allocation.
 * Arming and disarming take the kprobe mutex, so they go through a work item.
 */
#include <linux/kprobes.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/workqueue.h>

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

module_param_cb(sweep_ms, &sweep_ms_ops, &sweep_ms, 0400);
MODULE_PARM_DESC(sweep_ms,
		 "ms the load hook stays armed after load to catch vCPUs that existed before (default 2000)");

enum hook_id { HOOK_FIRST_RUN, HOOK_VCPU_LOAD, HOOK_VCPU_DESTROY, NR_HOOKS };

static const char * const first_run_syms[] = {
	"kvm_vcpu_first_run_init",
	"kvm_arch_vcpu_run_pid_change",
	"kvm_timer_enable",
	NULL
};

static const char * const vcpu_load_syms[] = {
	"kvm_arch_vcpu_load",
	NULL
};

static const char * const vcpu_destroy_syms[] = {
	"kvm_arch_vcpu_destroy",
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
 * @err:	  error of the last candidate tried
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
};

/* kretprobe entry: remember the vCPU (first argument) for the return. */
static int save_vcpu(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	*(struct kvm_vcpu **)ri->data = (struct kvm_vcpu *)regs->regs[0];
	return 0;
}

NOKPROBE_SYMBOL(save_vcpu);

static int first_run_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	/* All candidates return int: only w0 is defined. */
	if (!(int)regs_return_value(regs))
		mdcr_fix_first_run(*(struct kvm_vcpu **)ri->data);
	return 0;
}

NOKPROBE_SYMBOL(first_run_ret);

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

static struct hook hooks[NR_HOOKS] = {
	[HOOK_FIRST_RUN] = {
		.name = "first_run",
		.syms = first_run_syms,
		.entry = save_vcpu,
		.handler = first_run_ret,
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
};

static char fail_hooks[64];

static bool known_hook(const char *name, size_t len)
{
	int i;

	for (i = 0; i < NR_HOOKS; i++)
		if (strlen(hooks[i].name) == len && !strncmp(hooks[i].name, name, len))
			return true;
	return false;
}

static int fail_hooks_set(const char *val, const struct kernel_param *kp)
{
	const char *p = val;
	size_t len;

	while (*p && *p != '\n') {
		len = strcspn(p, ",\n");
		if (!known_hook(p, len)) {
			pr_err("fail_hooks=%s: want a comma-separated list of first_run, vcpu_load, vcpu_destroy\n",
			       val);
			return -EINVAL;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return param_set_copystring(val, kp);
}

static const struct kernel_param_ops fail_hooks_ops = {
	.set = fail_hooks_set,
	.get = param_get_string,
};

static struct kparam_string fail_hooks_str = {
	.maxlen = sizeof(fail_hooks),
	.string = fail_hooks,
};

module_param_cb(fail_hooks, &fail_hooks_ops, &fail_hooks_str, 0400);
MODULE_PARM_DESC(fail_hooks,
		 "test only: comma-separated hooks whose registration fails");

static DEFINE_MUTEX(arm_lock);
static bool load_want;
static bool load_armed;

static bool fail_injected(const char *name)
{
	const char *p = fail_hooks;
	size_t len;

	while (*p) {
		len = strcspn(p, ",\n");
		if (len == strlen(name) && !strncmp(p, name, len))
			return true;
		p += len;
		if (*p)
			p++;
	}
	return false;
}

static int try_register(struct hook *h, const char *sym)
{
	if (fail_injected(h->name))
		return -ENOENT;
	/* A fresh probe each time: a failed registration leaves state. */
	memset(&h->rp, 0, sizeof(h->rp));
	h->rp.kp.symbol_name = sym;
	if (!h->handler) {
		h->rp.kp.pre_handler = h->pre;
		return register_kprobe(&h->rp.kp);
	}
	h->rp.entry_handler = h->entry;
	h->rp.handler = h->handler;
	h->rp.data_size = sizeof(struct kvm_vcpu *);
	return register_kretprobe(&h->rp);
}

static void hook_unregister(struct hook *h)
{
	if (!h->sym)
		return;
	if (h->handler)
		unregister_kretprobe(&h->rp);
	else
		unregister_kprobe(&h->rp.kp);
	h->sym = NULL;
}

static int hook_register(struct hook *h)
{
	const char * const *s;

	for (s = h->syms; *s; s++) {
		h->err = try_register(h, *s);
		if (!h->err) {
			h->sym = *s;
			if (s != h->syms)
				pr_warn("%s: %s not found, using fallback %s\n",
					h->name, h->syms[0], *s);
			pr_info("%s: armed on %pS\n", h->name, h->rp.kp.addr);
			return 0;
		}
		/* Only a missing or unprobeable symbol moves on to a fallback. */
		if (h->err != -ENOENT && h->err != -EINVAL)
			break;
	}
	/* The last candidate tried, with its own error. */
	h->err_sym = *s ?: s[-1];
	if (h->required)
		pr_err("%s: cannot hook %s: %d\n", h->name, h->err_sym, h->err);
	else
		pr_warn("%s: cannot hook %s: %d\n", h->name, h->err_sym, h->err);
	return h->err;
}

static void load_arm_work_fn(struct work_struct *work)
{
	struct kretprobe *rp = &hooks[HOOK_VCPU_LOAD].rp;
	bool want;

	mutex_lock(&arm_lock);
	want = READ_ONCE(load_want);
	if (hooks[HOOK_VCPU_LOAD].sym && want != load_armed) {
		if (want ? enable_kretprobe(rp) : disable_kretprobe(rp))
			pr_warn("vcpu_load: could not %s the hook\n",
				want ? "arm" : "disarm");
		else
			load_armed = want;
	}
	mutex_unlock(&arm_lock);
}

static DECLARE_WORK(load_arm_work, load_arm_work_fn);

/**
 * mdcr_fix_load_hook_set - ask for the load hook to be armed or disarmed
 * @armed: the wanted state
 *
 * Safe from a kprobe handler: the change itself happens in a work item.
 * In observe mode, and where the first-run hook could not be registered,
 * the load hook stays armed.
 */
void mdcr_fix_load_hook_set(bool armed)
{
	if (mdcr_fix_mode == MDCR_FIX_OBSERVE || !hooks[HOOK_FIRST_RUN].sym)
		armed = true;
	WRITE_ONCE(load_want, armed);
	schedule_work(&load_arm_work);
}

static void sweep_end_fn(struct work_struct *work)
{
	/* A fixed kernel keeps its load path clean whatever the sweep says. */
	mdcr_fix_load_hook_set(false);
}

static DECLARE_DELAYED_WORK(sweep_end, sweep_end_fn);

/**
 * mdcr_fix_hooks_init - register the hook table
 *
 * Returns 0 once every hook that could be registered is, or an error, with
 * nothing left registered, when a required hook could not be.
 */
int mdcr_fix_hooks_init(void)
{
	int ret;

	ret = hook_register(&hooks[HOOK_VCPU_DESTROY]);
	if (ret)
		return ret;
	hook_register(&hooks[HOOK_FIRST_RUN]);
	/* Armed at once: vCPUs may exist already. The sweep ends that. */
	if (!hook_register(&hooks[HOOK_VCPU_LOAD])) {
		load_want = true;
		load_armed = true;
	}
	if (hooks[HOOK_FIRST_RUN].sym)
		schedule_delayed_work(&sweep_end, msecs_to_jiffies(sweep_ms));
	return 0;
}

/* Idempotent: safe after a partial init and at exit. */
void mdcr_fix_hooks_remove(void)
{
	int i;

	cancel_delayed_work_sync(&sweep_end);
	/* Under arm_lock: a queued arm request sees the hooks gone. */
	mutex_lock(&arm_lock);
	for (i = 0; i < NR_HOOKS; i++)
		hook_unregister(&hooks[i]);
	load_armed = false;
	mutex_unlock(&arm_lock);
	cancel_work_sync(&load_arm_work);
}

bool mdcr_fix_hooks_any(void)
{
	return hooks[HOOK_FIRST_RUN].sym || hooks[HOOK_VCPU_LOAD].sym;
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
		seq_printf(m, "%s", h->sym);
		if (i == HOOK_VCPU_LOAD)
			seq_printf(m, " %s", READ_ONCE(load_armed) ? "armed" : "disarmed");
		seq_printf(m, " missed=%lu\n", h->handler ?
			   (unsigned long)h->rp.nmissed : h->rp.kp.nmissed);
	}
}
