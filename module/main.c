// SPDX-License-Identifier: GPL-2.0
/*
 * mdcr_fix - field mitigation for arm64 KVM hosts whose kernel lacks
 * 263d6287da14 ("KVM: arm64: Initialize VCPU mdcr_el2 before loading it").
 *
 * On such a VHE host a new vCPU's first vcpu_load() writes its zeroed
 * mdcr_el2 to MDCR_EL2; a vCPU put before the run loop computes the value
 * leaves the host CPU with HPMN = 0. The module gives every new vCPU the
 * value the fixed kernel computes, before the first load.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "compat.h"
#include "mdcr_fix.h"

enum mdcr_fix_mode mdcr_fix_mode = MDCR_FIX_AUTO;

static int mode_set(const char *val, const struct kernel_param *kp)
{
	static const enum mdcr_fix_mode modes[] = {
		MDCR_FIX_AUTO, MDCR_FIX_FIX, MDCR_FIX_OBSERVE,
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		if (sysfs_streq(val, mdcr_fix_mode_name(modes[i]))) {
			mdcr_fix_mode = modes[i];
			return 0;
		}
	}
	pr_err("mode=%s: want auto, fix or observe\n", val);
	return -EINVAL;
}

static int mode_get(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "%s\n", mdcr_fix_mode_name(mdcr_fix_mode));
}

static const struct kernel_param_ops mode_ops = {
	.set = mode_set,
	.get = mode_get,
};

module_param_cb(mode, &mode_ops, NULL, 0444);
MODULE_PARM_DESC(mode,
		 "charp auto|fix|observe: fix where the kernel needs it (default), always, or never write");

static unsigned int max_records = 1024;

static int max_records_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n < 1 || n > 65536) {
		pr_err("max_records=%s: want 1..65536\n", val);
		return -EINVAL;
	}
	max_records = n;
	return 0;
}

static const struct kernel_param_ops max_records_ops = {
	.set = max_records_set,
	.get = param_get_uint,
};

module_param_cb(max_records, &max_records_ops, &max_records, 0444);
MODULE_PARM_DESC(max_records, "uint 1..65536: vCPU records kept for debugfs (default 1024)");

/* Decide what this host is before arming anything. */
static enum mdcr_fix_verdict host_verdict(void)
{
	if (!mdcr_fix_kvm_ready())
		return MDCR_FIX_NO_KVM;
	if (!mdcr_fix_vhe())
		return MDCR_FIX_NVHE;
	/* Passive by construction: nothing armed, nothing written. */
	if (MDCR_FIX_COMPUTES_AT_LOAD)
		return MDCR_FIX_AT_LOAD;
	if (!MDCR_FIX_KNOWN_KERNEL)
		return MDCR_FIX_UNSUPPORTED;
	return MDCR_FIX_PENDING;
}

static int __init mdcr_fix_init(void)
{
	int ret;

	ret = mdcr_fix_state_init(max_records);
	if (ret) {
		pr_err("cannot allocate %u records: %d\n", max_records, ret);
		return ret;
	}
	ret = mdcr_fix_host_init();
	if (ret) {
		pr_err("cannot allocate the per-CPU findings: %d\n", ret);
		goto err_state;
	}
	mdcr_fix_set_verdict(host_verdict());

	if (mdcr_fix_verdict() == MDCR_FIX_PENDING) {
		/* Arm first: a vCPU that starts during the check is caught. */
		ret = mdcr_fix_hooks_init();
		if (ret)
			goto err_host;
		if (!mdcr_fix_hooks_any())
			mdcr_fix_set_verdict(MDCR_FIX_NO_HOOK);
		/* Test builds may wait here: a vCPU started now is caught. */
		mdcr_fix_load_window();
	}
	/*
	 * Look at every CPU once the hooks are armed: a CPU whose HPMN
	 * already reads 0 proves the kernel has the bug, and is repaired.
	 */
	mdcr_fix_host_check_now();

	mdcr_fix_debugfs_init();
	pr_info("%s loaded: mode=%s host=%s verdict=%s\n", MDCR_FIX_VERSION,
		mdcr_fix_mode_name(mdcr_fix_mode),
		mdcr_fix_vhe() ? "VHE" : "nVHE",
		mdcr_fix_verdict_name(mdcr_fix_verdict()));
	return 0;

err_host:
	mdcr_fix_host_exit();
err_state:
	mdcr_fix_state_exit();
	return ret;
}

/*
 * The hooks go first: after that nothing queues work. Then host.c
 * finishes what it queued (a refresh of KVM's copy is completed).
 */
static void __exit mdcr_fix_exit(void)
{
	mdcr_fix_debugfs_exit();
	mdcr_fix_hooks_remove();
	mdcr_fix_host_exit();
	mdcr_fix_state_exit();
	pr_info("unloaded: %ld fix-ups, %ld CPU repairs\n",
		atomic_long_read(&mdcr_fix_stats.fixups),
		atomic_long_read(&mdcr_fix_stats.repaired));
}

module_init(mdcr_fix_init);
module_exit(mdcr_fix_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("mdcr-fix developers");
MODULE_VERSION(MDCR_FIX_VERSION);
MODULE_DESCRIPTION("Early MDCR_EL2 fix-up for arm64 KVM hosts lacking 263d6287da14");
