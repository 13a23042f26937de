// SPDX-License-Identifier: GPL-2.0
/*
 * Is this host protected now? The one judgement behind debugfs and
 * /sys/module/mdcr_fix/parameters/status, which monitoring reads without
 * root or debugfs: "protected" only while the kernel needs the fix, the
 * module writes, no CPU has HPMN = 0, no copy of KVM's is in doubt, no
 * repair is still to come, no probe hit was missed and the hooks run.
 *
 * The file is world-readable: a read costs a few loads and a mutex. It
 * judges from the findings of the module's own last check of the CPUs
 * (host.c), and says how old they are; it never sends an IPI, never
 * repairs and never allocates.
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>

#include "compat.h"
#include "mdcr_fix.h"

enum { ST_PROTECTED, ST_AFFECTED, ST_NOT_AFFECTED, ST_UNKNOWN };

#define ARMED "armed; the first vCPU to start decides whether the kernel needs the fix"
#define GUARDED "unpatched kernel; every new vCPU gets its MDCR_EL2 before its first load"

/* Bump on any change of the keys below. */
#define STATUS_FORMAT_VERSION	1

const char *mdcr_fix_status_name(int status)
{
	switch (status) {
	case ST_PROTECTED:
		return "protected";
	case ST_AFFECTED:
		return "affected";
	case ST_NOT_AFFECTED:
		return "not affected";
	}
	return "unknown";
}

/**
 * mdcr_fix_status - judge the host from the module's last check of its CPUs
 * @h:		mdcr_fix_host_health() result
 * @reason:	set to why, in a few words
 *
 * Returns one of the ST_* values.
 */
int mdcr_fix_status(const struct mdcr_fix_health *h, const char **reason)
{
	enum mdcr_fix_verdict v = mdcr_fix_verdict();
	const char *gap = mdcr_fix_hooks_gap();

	*reason = mdcr_fix_verdict_reason(v);
	switch (v) {
	case MDCR_FIX_FIXED:
	case MDCR_FIX_AT_LOAD:
	case MDCR_FIX_NVHE:
	case MDCR_FIX_NO_KVM:
		return ST_NOT_AFFECTED;
	case MDCR_FIX_NO_HOOK:
	case MDCR_FIX_UNSUPPORTED:
		return ST_UNKNOWN;
	case MDCR_FIX_PENDING:
	case MDCR_FIX_AFFECTED:
		break;
	}
	if (h->damaged) {
		*reason = "a CPU had HPMN = 0 at the last check (see the cpuN lines in debugfs)";
		return ST_AFFECTED;
	}
	if (mdcr_fix_mode == MDCR_FIX_OBSERVE) {
		*reason = "observe mode: the module fixes nothing";
		return v == MDCR_FIX_AFFECTED ? ST_AFFECTED : ST_UNKNOWN;
	}
	if (gap) {
		*reason = gap;
		return ST_AFFECTED;
	}
	if (h->pending) {
		*reason = "a repair of a CPU or of KVM's copy of the host MDCR_EL2 is under way";
		return ST_AFFECTED;
	}
	if (mdcr_fix_hooks_missed()) {
		*reason = "probe hits were missed: a vCPU may have gone unfixed";
		return ST_AFFECTED;
	}
	if (v == MDCR_FIX_PENDING)
		*reason = ARMED;
	else
		*reason = GUARDED;
	return ST_PROTECTED;
}

static int status_get(char *buf, const struct kernel_param *kp)
{
	struct mdcr_fix_health h;
	const char *reason;
	int st;

	mdcr_fix_host_health(&h);
	st = mdcr_fix_status(&h, &reason);
	return scnprintf(buf, PAGE_SIZE,
			 "version=%d\nstatus=%s\nverdict=%s\nmode=%s\nhost=%s\nfixups=%ld\nrepaired=%ld\ndamaged_cpus=%u\nzero_hpmn_vcpus=%ld\nmissed=%lu\nrepair_pending=%d\nreason=%s\nstale_kvm_copies=%u\nchecked_at_ms=%llu\n",
			 STATUS_FORMAT_VERSION, mdcr_fix_status_name(st),
			 mdcr_fix_verdict_name(mdcr_fix_verdict()),
			 mdcr_fix_mode_name(mdcr_fix_mode),
			 mdcr_fix_vhe() ? "VHE" : "nVHE",
			 atomic_long_read(&mdcr_fix_stats.fixups),
			 atomic_long_read(&mdcr_fix_stats.repaired),
			 h.damaged, atomic_long_read(&mdcr_fix_stats.zero_hpmn),
			 mdcr_fix_hooks_missed(), h.pending, reason, h.stale,
			 h.checked_ms);
}

static int status_set(const char *val, const struct kernel_param *kp)
{
	pr_err("status is read-only\n");
	return -EPERM;
}

static const struct kernel_param_ops status_ops = {
	.set = status_set,
	.get = status_get,
};

module_param_cb(status, &status_ops, NULL, 0444);
MODULE_PARM_DESC(status,
		 "read-only: protected|affected|not affected|unknown, with the counters behind it, as key=value lines");
