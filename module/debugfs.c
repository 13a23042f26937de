// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/mdcr_fix: a header of "key:<TAB>value" lines, a blank
 * line, then one row per live vCPU. The tests and scripts/mdcr-fix-status
 * parse it: bump "version" on any change of keys or columns.
 *
 * Rows are copies taken under the lock (mdcr_fix_rec_copy()); the position
 * is the pool index, so concurrent readers and vCPU teardown never share
 * iterator state.
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/utsname.h>

#include "compat.h"
#include "mdcr_fix.h"

#define MDCR_FIX_FORMAT_VERSION	3

static struct dentry *dent;

/*
 * The header: what the module knows now, and the CPUs as its last check
 * found them (and when). Reading it checks nothing.
 */
static void show_header(struct seq_file *m)
{
	enum mdcr_fix_verdict v = mdcr_fix_verdict();
	struct mdcr_fix_health h;
	const char *reason;
	int st;

	mdcr_fix_host_health(&h);
	st = mdcr_fix_status(&h, &reason);
	seq_printf(m, "version:\t%d\n", MDCR_FIX_FORMAT_VERSION);
	seq_printf(m, "module:\t%s\n", MDCR_FIX_VERSION);
	seq_printf(m, "kernel:\t%s\n", init_utsname()->release);
	seq_printf(m, "host:\t%s\n", mdcr_fix_vhe() ? "VHE" : "nVHE");
	seq_printf(m, "mode:\t%s\n", mdcr_fix_mode_name(mdcr_fix_mode));
	seq_printf(m, "status:\t%s\n", mdcr_fix_status_name(st));
	seq_printf(m, "status_reason:\t%s\n", reason);
	seq_printf(m, "verdict:\t%s\n", mdcr_fix_verdict_name(v));
	seq_printf(m, "reason:\t%s\n", mdcr_fix_verdict_reason(v));
	seq_printf(m, "features:\tvcpu_init_debug_declared=%d has_run_once=%s debug_dirty=%s ttrf=%d computes_at_load=%d\n",
		   MDCR_FIX_INIT_DEBUG_DECLARED, MDCR_FIX_RUN_ONCE,
		   MDCR_FIX_DEBUG_DIRTY, MDCR_FIX_TTRF != 0,
		   MDCR_FIX_COMPUTES_AT_LOAD);
	mdcr_fix_hooks_show(m);
	mdcr_fix_host_show(m);
	seq_printf(m, "repair_pending:\t%d\n", h.pending);
	seq_printf(m, "missed:\t%lu\n", mdcr_fix_hooks_missed());
	seq_printf(m, "vcpus_seen:\t%ld\n", atomic_long_read(&mdcr_fix_stats.vcpus));
	seq_printf(m, "first_runs:\t%ld\n", atomic_long_read(&mdcr_fix_stats.first_runs));
	seq_printf(m, "fixups:\t%ld\n", atomic_long_read(&mdcr_fix_stats.fixups));
	seq_printf(m, "kernel_computed:\t%ld\n",
		   atomic_long_read(&mdcr_fix_stats.kernel_computed));
	seq_printf(m, "zero_hpmn_vcpus:\t%ld\n",
		   atomic_long_read(&mdcr_fix_stats.zero_hpmn));
	seq_printf(m, "loads_observed:\t%ld\n", atomic_long_read(&mdcr_fix_stats.loads));
	seq_printf(m, "zero_loads:\t%ld\n", atomic_long_read(&mdcr_fix_stats.zero_loads));
	seq_printf(m, "repaired:\t%ld\n", atomic_long_read(&mdcr_fix_stats.repaired));
	seq_printf(m, "records:\t%u/%u\n", mdcr_fix_rec_used(), mdcr_fix_rec_capacity());
	seq_printf(m, "records_dropped:\t%ld\n", atomic_long_read(&mdcr_fix_stats.dropped));
	seq_printf(m, "memory:\t%zu bytes (%zu per vCPU record)\n",
		   mdcr_fix_rec_bytes(), sizeof(struct mdcr_fix_rec));
	seq_puts(m, "\n");
	seq_puts(m, "     pid vcpu state  mdcr_el2         set              hw_first_load     loads  cpu\n");
	seq_puts(m, "-------- ---- ------ ---------------- ---------------- ---------------- ------ ----\n");
}

static const char *state_name(u8 state)
{
	switch (state) {
	case MDCR_FIX_REC_NEW:
		return "new";
	case MDCR_FIX_REC_FIXED:
		return "fixed";
	case MDCR_FIX_REC_KERNEL:
		return "kernel";
	}
	return "?";
}

static void *rec_start(struct seq_file *m, loff_t *pos)
{
	if (!*pos)
		return SEQ_START_TOKEN;
	return *pos <= mdcr_fix_rec_capacity() ? pos : NULL;
}

static void *rec_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return *pos <= mdcr_fix_rec_capacity() ? pos : NULL;
}

static void rec_stop(struct seq_file *m, void *v)
{
}

static int rec_show(struct seq_file *m, void *v)
{
	struct mdcr_fix_rec r;

	if (v == SEQ_START_TOKEN) {
		show_header(m);
		return 0;
	}
	if (!mdcr_fix_rec_copy(*(loff_t *)v - 1, &r))
		return 0;
	seq_printf(m, "%8d %4u %-6s %016llx %016llx ", r.owner, r.vcpu_id,
		   state_name(r.state), r.mdcr, r.set);
	if (r.hw_first == MDCR_FIX_UNKNOWN)
		seq_printf(m, "%16s", "-");
	else
		seq_printf(m, "%016llx", r.hw_first);
	seq_printf(m, " %6u %4d\n", r.loads, r.last_cpu);
	return 0;
}

static const struct seq_operations rec_sops = {
	.start = rec_start,
	.next = rec_next,
	.stop = rec_stop,
	.show = rec_show,
};

static int rec_open(struct inode *inode, struct file *file)
{
	return seq_open(file, &rec_sops);
}

static const struct file_operations rec_fops = {
	.owner = THIS_MODULE,
	.open = rec_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release,
};

/*
 * Mode 0444: the debugfs mount itself is root-only (0700). Lockdown lets
 * debugfs open it only so: read-only, no ioctl or mmap, and a mode of
 * exactly 0444 on 4.18 - 5.9 (fs/debugfs/file.c), within 0444 later.
 */
void mdcr_fix_debugfs_init(void)
{
	dent = debugfs_create_file("mdcr_fix", 0444, NULL, NULL, &rec_fops);
	/* Not fatal: the fix-up does not need it, but say why cat will fail. */
	if (IS_ERR(dent))
		pr_warn("no debugfs entry (%ld); the fix-up works without it\n",
			PTR_ERR(dent));
}

void mdcr_fix_debugfs_exit(void)
{
	debugfs_remove(dent);
}
