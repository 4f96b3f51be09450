/*
 * slurm_spank_task_init (S_CTX_REMOTE, in each task's forked child, as
 * the user, just before exec): SWAPLIMIT_BYTES in the task's environment.
 *
 * The step's allowance is decided and written by task_post_fork, which
 * runs in slurmstepd AFTER the tasks were forked: nothing it computes is
 * in the child's memory. But the child waits for slurmstepd's go-ahead,
 * given after task_post_fork has run for every local task, before it calls
 * this hook and execs: so the child reads the allowance back from its own
 * step cgroup (found from /proc/self/cgroup), as the kernel enforces it
 * (v1: memory.memsw.limit_in_bytes - memory.limit_in_bytes, a whole
 * number of pages; v2: memory.swap.max). That is the granted bytes, or
 * empty when the step has no swap limit; when it cannot be read (no
 * cgroup, no swap accounting) the variable is removed rather than guessed.
 * Never fails the task.
 */
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include <slurm/spank.h>

#include "plugin.h"

#define SL_ENV_NAME "SWAPLIMIT_BYTES"

int slurm_spank_task_init(spank_t sp, int ac, char **av)
{
	char msg[SL_CG_MSG_MAX], val[32];
	sl_cg_paths_t paths;
	uint64_t limit;
	const char *root;

	if (spank_context() != S_CTX_REMOTE)
		return ESPANK_SUCCESS;
	root = sl_plugin_args(ac, av) && sl_state.args.cgroup_root
		       ? sl_state.args.cgroup_root
		       : SL_DEFAULT_CGROUP_ROOT;
	if (sl_cg_find("/proc", getpid(), root, &paths, msg, sizeof(msg)) != 0 ||
	    sl_cg_read_swap_limit(paths.version, paths.step_dir, &limit, msg,
				  sizeof(msg)) != 0)
		goto unknown;
	if (limit == SL_CG_UNLIMITED)
		val[0] = '\0';
	else
		snprintf(val, sizeof(val), "%" PRIu64, limit);
	if (spank_setenv(sp, SL_ENV_NAME, val, 1) != ESPANK_SUCCESS)
		sl_log_debug("cannot set %s", SL_ENV_NAME);
	return ESPANK_SUCCESS;
unknown:
	sl_log_debug("%s not set: %s", SL_ENV_NAME, msg);
	spank_unsetenv(sp, SL_ENV_NAME);
	return ESPANK_SUCCESS;
}
