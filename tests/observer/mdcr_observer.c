// SPDX-License-Identifier: GPL-2.0
/*
 * mdcr_observer - test-only witness of what MDCR_EL2 holds after a vCPU's
 * first kvm_arch_vcpu_load(). Not part of the product: it shares no code
 * with mdcr_fix, so the tests do not trust the module under test to report
 * on itself.
 *
 * /sys/kernel/debug/mdcr_observer lists, per vCPU seen since load, the hardware MDCR_EL2 right after its first load
 * (VHE only: the kernel runs at EL2) and the value KVM had in
 * vcpu->arch.mdcr_el2 then; and each online CPU's MDCR_EL2 now.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu_pm.h>
#include <linux/debugfs.h>
#include <linux/kprobes.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <asm/virt.h>

#define OBS_MAX 1024

struct obs_rec {
	const void *vcpu;	/* key while the vCPU lives, NULL after */
	int vcpu_id;
	pid_t tid;
	pid_t tgid;
	int cpu;
	u64 hw;
	u64 sw;
};

static struct obs_rec recs[OBS_MAX];
static int nrecs;
static unsigned long dropped;
static DEFINE_RAW_SPINLOCK(lock);
static struct dentry *dent;

static bool vhe(void)
{
	return is_kernel_in_hyp_mode();
}

static struct obs_rec *find(const void *vcpu)
{
	int i;

	for (i = 0; i < nrecs; i++)
		if (recs[i].vcpu == vcpu)
			return &recs[i];
	return NULL;
}

static int load_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	*(struct kvm_vcpu **)ri->data = (struct kvm_vcpu *)regs->regs[0];
	return 0;
}
NOKPROBE_SYMBOL(load_entry);

static int load_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = *(struct kvm_vcpu **)ri->data;
	struct obs_rec *r;
	unsigned long flags;

	raw_spin_lock_irqsave(&lock, flags);
	if (!find(vcpu)) {
		if (nrecs < OBS_MAX) {
			r = &recs[nrecs++];
			r->vcpu = vcpu;
			r->vcpu_id = vcpu->vcpu_id;
			r->tid = current->pid;
			r->tgid = current->tgid;
			r->cpu = smp_processor_id();
			r->hw = vhe() ? read_sysreg(mdcr_el2) : ~0ULL;
			r->sw = vcpu->arch.mdcr_el2;
		} else {
			dropped++;
		}
	}
	raw_spin_unlock_irqrestore(&lock, flags);
	return 0;
}
NOKPROBE_SYMBOL(load_ret);

static struct kretprobe load_probe = {
	.kp.symbol_name = "kvm_arch_vcpu_load",
	.entry_handler = load_entry,
	.handler = load_ret,
	.data_size = sizeof(struct kvm_vcpu *),
	.maxactive = 64,
};

/* A destroyed vCPU's address can come back for a new one: forget the key. */
static int destroy_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct obs_rec *r;
	unsigned long flags;

	raw_spin_lock_irqsave(&lock, flags);
	r = find((void *)regs->regs[0]);
	if (r)
		r->vcpu = NULL;
	raw_spin_unlock_irqrestore(&lock, flags);
	return 0;
}
NOKPROBE_SYMBOL(destroy_pre);

static struct kprobe destroy_probe = {
	.symbol_name = "kvm_arch_vcpu_destroy",
	.pre_handler = destroy_pre,
};

/*
 * CPU PM transitions seen per CPU: the module must never fake one (it
 * would run every CPU PM notifier on a live CPU: the PMU reset among them).
 */
static DEFINE_PER_CPU(unsigned long, pm_enters);

static int pm_notify(struct notifier_block *nb, unsigned long cmd, void *v)
{
	if (cmd == CPU_PM_ENTER)
		this_cpu_inc(pm_enters);
	return NOTIFY_OK;
}

static struct notifier_block pm_nb = {
	.notifier_call = pm_notify,
};

struct cpu_state {
	u64 mdcr;
};

static void read_cpu(void *arg)
{
	struct cpu_state *st = arg;

	st->mdcr = vhe() ? read_sysreg(mdcr_el2) : ~0ULL;
}

static int obs_show(struct seq_file *m, void *v)
{
	struct cpu_state st;
	unsigned long flags;
	int cpu, i;

	seq_printf(m, "vhe: %d\n", vhe());
	for_each_online_cpu(cpu) {
		if (smp_call_function_single(cpu, read_cpu, &st, 1))
			continue;
		seq_printf(m, "cpu %d mdcr_el2=0x%llx pm_enters=%lu\n", cpu,
			   st.mdcr, per_cpu(pm_enters, cpu));
	}
	raw_spin_lock_irqsave(&lock, flags);
	for (i = 0; i < nrecs; i++)
		seq_printf(m, "vcpu tgid=%d id=%d tid=%d cpu=%d first_hw=0x%llx first_sw=0x%llx live=%d\n",
			   recs[i].tgid, recs[i].vcpu_id, recs[i].tid,
			   recs[i].cpu, recs[i].hw, recs[i].sw,
			   recs[i].vcpu != NULL);
	seq_printf(m, "dropped: %lu\n", dropped);
	raw_spin_unlock_irqrestore(&lock, flags);
	return 0;
}

static int obs_open(struct inode *inode, struct file *file)
{
	return single_open(file, obs_show, NULL);
}

static const struct file_operations obs_fops = {
	.owner = THIS_MODULE,
	.open = obs_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static int __init obs_init(void)
{
	int ret;

	/* Up to 5.5 a VM's vCPUs are freed by kvm_arch_vcpu_free(). */
	destroy_probe.symbol_name = "kvm_arch_vcpu_free";
	ret = register_kprobe(&destroy_probe);
	if (ret) {
		memset(&destroy_probe, 0, sizeof(destroy_probe));
		destroy_probe.symbol_name = "kvm_arch_vcpu_destroy";
		destroy_probe.pre_handler = destroy_pre;
		ret = register_kprobe(&destroy_probe);
	}
	if (ret) {
		pr_err("kprobe on %s failed: %d\n", destroy_probe.symbol_name, ret);
		return ret;
	}
	ret = register_kretprobe(&load_probe);
	if (ret) {
		pr_err("kretprobe on %s failed: %d\n", load_probe.kp.symbol_name, ret);
		unregister_kprobe(&destroy_probe);
		return ret;
	}
	/* Without CPU PM (a stub) nothing can fake one: the counts stay 0. */
	cpu_pm_register_notifier(&pm_nb);
	dent = debugfs_create_file("mdcr_observer", 0400, NULL, NULL, &obs_fops);
	pr_info("loaded (vhe=%d)\n", vhe());
	return 0;
}

static void __exit obs_exit(void)
{
	debugfs_remove(dent);
	cpu_pm_unregister_notifier(&pm_nb);
	unregister_kretprobe(&load_probe);
	unregister_kprobe(&destroy_probe);
	pr_info("unloaded, missed %d\n", load_probe.nmissed);
}

module_init(obs_init);
module_exit(obs_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test-only observer of MDCR_EL2 after the first vcpu_load");
