/*
 * The end of a step on a node (S_CTX_REMOTE, root, in slurmstepd): what
 * the step used, told to the user and logged for the administrator.
 *
 * slurm_spank_task_exit runs once per local task as it is reaped, while
 * the step's I/O is still connected: after the last local task, read the
 * step cgroup's figures (sl_cg_read_usage: peak RAM, peak RAM+swap, OOM
 * kills, swap limit hits), and its job cgroup's (whose limits the job's
 * steps on the node share), and
 *   - always log one info line "swaplimit: usage: job=... verdict=...";
 *   - when the step was OOM-killed, tell the user which limit was hit, the
 *     figures, and what to ask for next time;
 *   - when it used swap, or with --swap-report, print one line:
 *     "swaplimit: node1 step 123.0: peak RAM .. of .., peak swap .. of ..".
 * The text goes to the step's stderr (sl_user_say: srun's stderr, the
 * batch output file). slurm_spank_exit calls sl_step_report() too, for a
 * step whose tasks did not all reach task_exit (it is then logged; an srun
 * step's user text is lost, its I/O being closed by then).
 * Nothing here can fail the step.
 */
#include <stdio.h>
#include <string.h>

#include <slurm/spank.h>

#include "plugin.h"
#include "step_report.h"

/* This step's progress on this node. */
static struct {
	uint32_t tasks_exited;   /* local tasks seen by task_exit */
	bool reported;           /* the end-of-step report went out */
} rep;

void sl_report_state_reset(void)
{
	memset(&rep, 0, sizeof(rep));
}

void sl_step_report(void)
{
	sl_report_in_t in;
	char msg[SL_CG_MSG_MAX], user[SL_REPORT_MAX], line[SL_REPORT_MAX];
	const sl_step_applied_t *a = sl_step_applied();
	const sl_swap_request_t *req = sl_option_swap();
	size_t n;

	if (rep.reported || !a)
		return;
	rep.reported = true;
	if (!a->found)
		return;   /* task_post_fork logged why there is no cgroup */

	memset(&in, 0, sizeof(in));
	in.node = a->node;
	in.job = a->job;
	in.step = a->step;
	if (sl_cg_read_usage(a->paths.version, a->paths.step_dir, &in.usage,
			     msg, sizeof(msg)) != 0) {
		sl_log_info("usage: job=%s step=%s node=%s error: cannot read "
			    "the step's figures: %s", in.job, in.step, in.node,
			    msg);
		return;
	}
	/* The job's figures tell whether the job's limits, shared with its
	 * other steps here, were what the step ran into. */
	in.have_job = sl_cg_read_usage(a->paths.version, a->paths.job_dir,
				       &in.job_usage, msg, sizeof(msg)) == 0;
	/* A grant the write never put in place is no grant: without it the
	 * report makes no claim about what this site grants (issue 10). */
	in.decided = a->decided && a->done;
	in.grant = a->grant;
	in.request_given = req != NULL;
	in.request = req ? req->bytes : 0;
	in.request_text = req ? req->text : NULL;
	in.report_wanted = sl_option_report_wanted();

	n = sl_report_user(&in, user, sizeof(user));
	/* The extern step has no user output (its slurmstepd's stderr is
	 * not a job's). */
	if (n > 0 && strcmp(in.step, "extern") != 0)
		sl_user_say(user, n);
	sl_report_log(&in, line, sizeof(line));
	sl_log_info("%s", line);
}

void sl_task_exited(spank_t sp)
{
	uint32_t ntasks = 0;

	if (rep.reported)
		return;
	rep.tasks_exited++;
	if (spank_get_item(sp, S_JOB_LOCAL_TASK_COUNT, &ntasks) ==
		    ESPANK_SUCCESS &&
	    rep.tasks_exited < ntasks)
		return;    /* not the last local task yet */
	sl_step_report();
}
