/*
 * The job prolog and epilog (slurm_spank_job_prolog / _job_epilog in
 * spank.c, S_CTX_JOB_SCRIPT).
 *
 * They run as root on each node of the job, in a short-lived process whose
 * environment comes from the signed job credential: the only trustworthy
 * source of the job's partition and account on the node. The prolog
 * records them for task_post_fork (job_record.h); the epilog removes this
 * node's record.
 *
 * slurm_spank_init is not called in this context: the arguments come with
 * the call. spank_getenv() fails here: the environment is our own
 * (getenv). Neither function ever fails the job: a non-zero return would
 * fail it and drain the node, while a missing record only means that
 * partition() and account() conditions cannot be decided (fallback=).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <slurm/slurm.h>
#include <slurm/spank.h>

#include "facts.h"
#include "gres_alloc.h"
#include "job_record.h"
#include "plugin.h"

/* 22.05 and 23.11+ declare the hostlist handle differently (hostmatch.c). */
typedef __typeof__(slurm_hostlist_create("")) sl_hl_t;

/* Node and job of this prolog/epilog, validated for use in a path. */
static bool job_script_ids(const char *what, const char **node,
			   const char **job)
{
	*node = getenv("SLURMD_NODENAME");
	*job = getenv("SLURM_JOB_ID");
	if (!sl_record_valid_job_id(*job)) {
		sl_log_error("%s: SLURM_JOB_ID \"%.32s\" is not a job number; "
			     "no record of partition/account",
			     what, *job ? *job : "(unset)");
		return false;
	}
	if (!sl_record_valid_node(*node)) {
		sl_log_error("%s: job=%s: SLURMD_NODENAME \"%.64s\" is not a "
			     "usable node name (letters, digits, '.', '_', "
			     "'-'); no record of partition/account",
			     what, *job, *node ? *node : "(unset)");
		return false;
	}
	return true;
}

/* Copy one credential variable into the record, when it is usable. */
static void record_field(const char *var, const char *job, bool *has,
			 char *dst)
{
	const char *val = getenv(var);

	*has = false;
	if (!val || !*val)
		return;
	if (!sl_record_valid_value(val)) {
		sl_log_warn("prolog: job=%s: %s is longer than %d bytes or has "
			    "control characters; not recorded: conditions on it "
			    "cannot be decided (fallback= applies)",
			    job, var, SL_RECORD_FIELD_MAX - 1);
		return;
	}
	memcpy(dst, val, strlen(val) + 1);
	*has = true;
}

/*
 * The job's CPUs on this node, from the credential's
 * SLURM_JOB_CPUS_PER_NODE: a job-wide fact, the same for every step (the
 * steps' own S_JOB_NCPUS differ, and S_JOB_ALLOC_CORES counts cores, not
 * the threads Slurm counts as CPUs). When the count differs between nodes
 * this node's entry is found by its position in SLURM_NODELIST.
 */
static void record_cpus(const char *job, const char *node, sl_record_t *rec)
{
	const char *spec = getenv("SLURM_JOB_CPUS_PER_NODE");
	const char *list = getenv("SLURM_NODELIST");
	uint64_t nodes = 0, cpus = 0;
	int rc;

	rec->has_cpus = false;
	rc = sl_cpus_per_node(spec, SIZE_MAX, &nodes, &cpus);
	if (rc == 1 && list && *list) {
		sl_hl_t hl = slurm_hostlist_create(list);
		int idx = hl ? slurm_hostlist_find(hl, node) : -1;

		if (hl)
			slurm_hostlist_destroy(hl);
		rc = idx >= 0 ? sl_cpus_per_node(spec, (size_t)idx, NULL, &cpus)
			      : -1;
	}
	if (rc != 0 || cpus == 0) {
		sl_log_warn("prolog: job=%s node=%s: no usable CPU count in "
			    "SLURM_JOB_CPUS_PER_NODE=\"%.64s\" "
			    "(SLURM_NODELIST=\"%.64s\"): the job's CPUs will be "
			    "counted from S_JOB_ALLOC_CORES (cores)",
			    job, node, spec ? spec : "(unset)",
			    list ? list : "(unset)");
		return;
	}
	rec->has_cpus = true;
	rec->cpus = cpus;
}

/*
 * The job's SLUID (Slurm 26.05+), which names its cgroup v2 job directory:
 * from the prolog's own environment, which Slurm builds from the signed
 * credential. Never from the step environment (spank_getenv in
 * task_post_fork): that is the user's, and a forged SLUID would make
 * task_post_fork refuse the job's cgroup, i.e. skip the limit. Older Slurm
 * has none: the field stays absent.
 */
static void record_sluid(const char *job, sl_record_t *rec)
{
	const char *val = getenv("SLURM_JOB_SLUID");

	rec->has_sluid = false;
	if (!val || !*val)
		return;
	if (!sl_record_valid_sluid(val)) {
		sl_log_warn("prolog: job=%s: SLURM_JOB_SLUID \"%.32s\" is not "
			    "a SLUID ('s' and 13 base32 characters); not "
			    "recorded: the job's cgroup directory is checked "
			    "by its shape only",
			    job, val);
		return;
	}
	memcpy(rec->sluid, val, strlen(val) + 1);
	rec->has_sluid = true;
}

/*
 * The swap GRES (gres=NAME) the job holds on this node: one RPC to
 * slurmctld, made only when the plugin is configured for the gres limit.
 * Without an answer the field stays absent and a `gres` term cannot be
 * decided (fallback=).
 */
static void record_gres(const char *job, const char *node, sl_record_t *rec)
{
	char msg[SL_PLUGIN_ERR_MAX];
	const char *name = sl_plugin_conf()->gres;
	struct timespec t0;
	uint64_t us;
	int rc;

	rec->has_gres = false;
	if (!name || !SL_GRES_LOOKUP)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = sl_gres_alloc_bytes((uint32_t)strtoul(job, NULL, 10), node, name,
				 &rec->gres_bytes, msg, sizeof(msg));
	us = sl_elapsed_us(&t0);
	if (rc != 0) {
		sl_log_warn("prolog: job=%s node=%s: the job's %s GRES is unknown "
			    "(%s, after %" PRIu64 " us): a gres term cannot be decided "
			    "for it (fallback= applies)", job, node, name, msg,
			    us);
		return;
	}
	/* One line per job and node, only with gres=: what the step's
	 * `gres` term will grant, and what asking slurmctld cost. */
	sl_log_info("prolog: job=%s node=%s: %s GRES %" PRIu64 " from "
		    "slurmctld in %" PRIu64 " us", job, node, name, rec->gres_bytes,
		    us);
	rec->has_gres = true;
}

void sl_job_prolog_record(int ac, char **av)
{
	char msg[SL_PLUGIN_ERR_MAX + 256];
	const char *node, *job;
	sl_record_t rec;

	if (!sl_plugin_args(ac, av)) {
		sl_log_error("prolog: plugin arguments invalid, swap limits NOT "
			     "enforced on this node: %s",
			     sl_plugin_args_error());
		return;
	}
	if (!job_script_ids("prolog", &node, &job))
		return;

	memset(&rec, 0, sizeof(rec));
	record_field("SLURM_JOB_PARTITION", job, &rec.has_partition,
		     rec.partition);
	record_field("SLURM_JOB_ACCOUNT", job, &rec.has_account, rec.account);
	record_cpus(job, node, &rec);
	record_sluid(job, &rec);
	record_gres(job, node, &rec);
	if (sl_record_write(sl_plugin_record_dir(), node, job, &rec, msg, sizeof(msg)) !=
	    SL_RECORD_OK) {
		sl_log_error("prolog: job=%s node=%s: cannot record partition/"
			     "account: %s; this job's partition() and account() "
			     "conditions cannot be decided on this node "
			     "(fallback= applies)",
			     job, node, msg);
		return;
	}
	sl_log_debug("prolog: job=%s node=%s: recorded partition=%s "
		     "account=%s cpus=%" PRIu64 " sluid=%s gres=%s in %s/%s/%s",
		     job, node, rec.has_partition ? rec.partition : "(none)",
		     rec.has_account ? rec.account : "(none)",
		     rec.has_cpus ? rec.cpus : 0,
		     rec.has_sluid ? rec.sluid : "(none)",
		     rec.has_gres ? "recorded" : "(none)", sl_plugin_record_dir(),
		     node, job);
}

void sl_job_epilog_forget(int ac, char **av)
{
	char msg[SL_PLUGIN_ERR_MAX + 256];
	const char *node, *job;
	int rc;

	if (!sl_plugin_args(ac, av)) {
		sl_log_error("epilog: plugin arguments invalid: %s",
			     sl_plugin_args_error());
		return;
	}
	if (!job_script_ids("epilog", &node, &job))
		return;
	rc = sl_record_remove(sl_plugin_record_dir(), node, job, msg, sizeof(msg));
	if (rc == SL_RECORD_ERROR)
		sl_log_error("epilog: job=%s node=%s: %s", job, node, msg);
	else if (rc == SL_RECORD_MISSING)
		sl_log_debug("epilog: job=%s node=%s: no record to remove (%s)",
			     job, node, msg);
	else
		sl_log_debug("epilog: job=%s node=%s: record removed", job,
			     node);
}
