/*
 * slurm_spank_task_init (spank.c; S_CTX_REMOTE, in each task's forked child, as
 * the user, just before exec): SWAPLIMIT_BYTES in the task's environment.
 *
 * The step's allowance is decided and written by task_post_fork, which
 * runs in slurmstepd AFTER the tasks were forked, but the child waits for
 * slurmstepd's go-ahead, given after task_post_fork has run for every
 * local task, before it calls this hook and execs. task_post_fork hands
 * the limit it wrote, as the kernel now holds it, through a page shared
 * across the fork (task_handoff.c): no system call here. When it wrote
 * nothing (no term matched, a failure), the child reads the limit back
 * from its own step cgroup (found from /proc/self/cgroup), as the kernel
 * enforces it (v1: memory.memsw.limit_in_bytes - memory.limit_in_bytes, a
 * whole number of pages; v2: memory.swap.max). That is the granted bytes,
 * or empty when the step has no swap limit; when it cannot be read (no
 * cgroup, no swap accounting) the variable is removed rather than guessed.
 * Never fails the task.
 */
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include <slurm/spank.h>

#include "facts.h"
#include "plugin.h"

#define SL_ENV_NAME "SWAPLIMIT_BYTES"

/* The step's limit read back from the task's own cgroup; -1 with msg. */
static int read_back(spank_t sp, int ac, char **av, uint64_t *limit,
		     char *msg, size_t msglen)
{
	sl_cg_paths_t paths;
	const char *root;
	sl_cg_job_t want;
	uint32_t job_id, step_id;
	uid_t uid = 0;
	bool have_uid;

	/* NULL: the memory controller's mount from /proc/self/mountinfo. */
	root = sl_plugin_args(ac, av) ? sl_plugin_conf()->cgroup_root : NULL;
	/* The job, step and uid from the credential's items. No SLUID: this
	 * runs as the user, who cannot read the prolog's root-only record
	 * (any SLUID-shaped job directory is accepted; a job_<id> one is
	 * checked). Without the ids the variable is removed. */
	if (spank_get_item(sp, S_JOB_ID, &job_id) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_JOB_STEPID, &step_id) != ESPANK_SUCCESS) {
		snprintf(msg, msglen, "no job/step id");
		return -1;
	}
	have_uid = spank_get_item(sp, S_JOB_UID, &uid) == ESPANK_SUCCESS;
	sl_cg_want_fill(&want, job_id, step_id, have_uid, (uint32_t)uid, NULL);
	if (sl_cg_find_job(sl_proc_root, getpid(), root, &want, &paths, msg,
			   msglen) != 0 ||
	    sl_cg_read_swap_limit(paths.version, paths.step_dir, limit, msg,
				  msglen) != 0)
		return -1;
	return 0;
}

void sl_task_env_set(spank_t sp, int ac, char **av)
{
	char msg[SL_CG_MSG_MAX], val[32];
	uint64_t limit;

	if (!sl_handoff_read(&limit) &&
	    read_back(sp, ac, av, &limit, msg, sizeof(msg)) != 0) {
		sl_log_debug("%s not set: %s", SL_ENV_NAME, msg);
		spank_unsetenv(sp, SL_ENV_NAME);
		return;
	}
	if (limit == SL_CG_UNLIMITED)
		val[0] = '\0';
	else
		snprintf(val, sizeof(val), "%" PRIu64, limit);
	if (spank_setenv(sp, SL_ENV_NAME, val, 1) != ESPANK_SUCCESS)
		sl_log_debug("cannot set %s", SL_ENV_NAME);
}
