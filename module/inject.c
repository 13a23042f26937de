// SPDX-License-Identifier: GPL-2.0
/*
 * Test builds only (Kbuild: MDCR_FIX_TESTING=1): fail_hooks= makes the
 * registration of the named hooks fail, for the fault-injection tests;
 * load_window_ms= holds the init between arming the hooks and checking the
 * CPUs, for a test that starts vCPUs there. Production builds link
 * module/noinject.c instead and have no such parameters.
 */
#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "mdcr_fix.h"

static char fail_hooks[64];

static int fail_hooks_set(const char *val, const struct kernel_param *kp)
{
	const char *p = val;
	size_t len;

	while (*p && *p != '\n') {
		len = strcspn(p, ",\n");
		if (!mdcr_fix_hook_known(p, len)) {
			pr_err("fail_hooks=%s: want a comma-separated list of vgic_map, first_run, vcpu_load, vcpu_destroy, init_debug\n",
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
		 "test builds only: comma-separated hooks whose registration fails");

bool mdcr_fix_fail_injected(const char *name)
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

static unsigned int load_window_ms;
module_param(load_window_ms, uint, 0400);
MODULE_PARM_DESC(load_window_ms,
		 "test builds only: 0..30000 ms the init waits between arming and the CPU check");

void mdcr_fix_load_window(void)
{
	if (load_window_ms)
		msleep(min(load_window_ms, 30000U));
}
