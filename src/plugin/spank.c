/*
 * swaplimit SPANK plugin: every symbol Slurm looks up, and nothing else.
 *
 * Each entry point checks its context and hands off to the file that owns
 * it; each returns success whatever happens (a failing task_post_fork,
 * job_prolog or job_epilog would fail a batch job and drain the node: the
 * owner logs one "swaplimit:" line instead).
 *
 *   slurm_spank_init           slurmd: sl_slurmd_start (spank_init.c);
 *                              slurmstepd/srun/sbatch/salloc: the options
 *                              (spank_option.c); slurmstepd: the page
 *                              that hands the step's limit to its tasks
 *                              (task_handoff.c)
 *   slurm_spank_job_prolog     sl_job_prolog_record (spank_job_script.c)
 *   slurm_spank_job_epilog     sl_job_epilog_forget (spank_job_script.c);
 *                              both absent from swaplimit_noprolog.so
 *   slurm_spank_task_post_fork sl_step_limits_apply (spank_task.c)
 *   slurm_spank_task_init      sl_task_env_set (spank_task_env.c)
 *   slurm_spank_task_exit      sl_task_exited (spank_task_exit.c)
 *   slurm_spank_exit           the end-of-step report if not sent yet
 *                              (spank_task_exit.c), then the state goes
 * Only these are exported (swaplimit.map).
 */
#include <slurm/slurm.h>
#include <slurm/spank.h>

#include "plugin.h"

SPANK_PLUGIN(swaplimit, 1)

/*
 * Slurm 25.05+ reads this when slurm_spank_init of a `required` plugin
 * fails (src/common/spank.c): ESPANK_NODE_FAILURE (the default) drains the
 * node, ESPANK_JOB_FAILURE fails only the job. swaplimit's init never
 * fails; should it ever, the job fails and the node stays up. Older
 * headers have neither value: the symbol is left out there.
 */
#if defined(SLURM_VERSION_NUMBER) && \
	SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(25, 5, 0)
int slurm_spank_init_failure_mode = ESPANK_JOB_FAILURE;
#endif

int slurm_spank_init(spank_t sp, int ac, char **av)
{
	switch (spank_context()) {
	case S_CTX_SLURMD:
		sl_slurmd_start(ac, av);
		break;
	case S_CTX_REMOTE:
	case S_CTX_LOCAL:
	case S_CTX_ALLOCATOR:
		if (spank_context() == S_CTX_REMOTE)
			sl_handoff_create();   /* before slurmstepd forks the tasks */
		sl_options_register(sp);
		break;
	default:
		break;
	}
	return ESPANK_SUCCESS;
}

#if SL_HAVE_JOB_PROLOG
int slurm_spank_job_prolog(spank_t sp, int ac, char **av)
{
	(void)sp;
	sl_job_prolog_record(ac, av);
	return ESPANK_SUCCESS;
}

int slurm_spank_job_epilog(spank_t sp, int ac, char **av)
{
	(void)sp;
	sl_job_epilog_forget(ac, av);
	return ESPANK_SUCCESS;
}
#endif

int slurm_spank_task_post_fork(spank_t sp, int ac, char **av)
{
	if (spank_context() == S_CTX_REMOTE)
		sl_step_limits_apply(sp, ac, av);
	return ESPANK_SUCCESS;
}

int slurm_spank_task_init(spank_t sp, int ac, char **av)
{
	if (spank_context() == S_CTX_REMOTE)
		sl_task_env_set(sp, ac, av);
	return ESPANK_SUCCESS;
}

int slurm_spank_task_exit(spank_t sp, int ac, char **av)
{
	(void)ac;
	(void)av;
	if (spank_context() == S_CTX_REMOTE)
		sl_task_exited(sp);
	return ESPANK_SUCCESS;
}

int slurm_spank_exit(spank_t sp, int ac, char **av)
{
	(void)sp;
	(void)ac;
	(void)av;
	if (spank_context() == S_CTX_REMOTE)
		sl_step_report();   /* no-op when task_exit sent it */
	sl_plugin_state_free();
	return ESPANK_SUCCESS;
}
