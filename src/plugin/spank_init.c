/*
 * slurmd's start (slurm_spank_init in S_CTX_SLURMD, spank.c): what each
 * context does at start.
 *
 *   slurmd (S_CTX_SLURMD)   parse the arguments and compile the rules once,
 *                           so a mistake shows in slurmd's log when the
 *                           administrator restarts slurmd, not at the
 *                           first job. Never fails: a bad configuration
 *                           must not stop slurmd or drain the node.
 *   slurmstepd (REMOTE)     registers --swap/--swap-report (so that the
 *                           client's values reach the step); rules are
 *                           loaded on first use in task_post_fork (the
 *                           extern step's too: it runs there once, with
 *                           task id -1): from the node's image, or
 *                           compiled (and an image kept) when there is
 *                           none for these rules. slurmd's start removes
 *                           the images.
 *   srun/sbatch/salloc      registers --swap/--swap-report (spank_option.c);
 *   (LOCAL, ALLOCATOR)      nothing costly (no rule compile).
 *   prolog/epilog           slurm_spank_init is not called there.
 *
 * slurm_spank_exit (spank.c): in slurmstepd, the end-of-step report if the
 * last task_exit did not send it already (spank_task_exit.c); then the
 * state goes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <slurm/spank.h>

#include "gres_alloc.h"
#include "image_file.h"
#include "plugin.h"

static const char *rules_origin(const sl_args_t *args)
{
	return args->config ? args->config
			    : "the rules= argument in plugstack.conf";
}

static void slurmd_check(int ac, char **av)
{
	sl_error_t err;
	char where[SL_PLUGIN_ERR_MAX];
	sl_rules_t *rules;
	size_t nwarn, len = 0;
	char *text = NULL;
	char msg[SL_PLUGIN_ERR_MAX + 256];
	const sl_args_t *args = sl_plugin_conf();
	const char *rdir;

	if (!sl_plugin_args(ac, av)) {
		sl_log_error("plugin arguments invalid, swap limits NOT enforced "
			     "on this node: %s; fix the swaplimit line in "
			     "plugstack.conf and restart slurmd",
			     sl_plugin_args_error());
		return;
	}
	rdir = sl_plugin_record_dir();
	/* Images are made by the steps from the rules in force: none
	 * survives a restart of slurmd (an upgrade, a changed rule set). */
	sl_image_file_forget_all(rdir);
	memset(&err, 0, sizeof(err));
	rules = sl_args_load_rules_ex(args, SL_LOAD_ROOT_OWNED, &text,
				      &len, &err);
	if (!rules) {
		sl_error_format(&err, where, sizeof(where));
		sl_log_error("rules invalid, swap limits NOT enforced on this "
			     "node: %s; fix %s and restart slurmd",
			     where, rules_origin(args));
		/* What this slurmd validated is nothing: no step may fall back
		 * on an older copy. */
		sl_record_forget_rules(rdir);
		return;
	}
	/* Kept for the steps: a later bad edit of the rules must not stop
	 * enforcement until slurmd restarts (plugin.c). */
	if (sl_record_save_rules(rdir, text, len, msg, sizeof(msg)) !=
	    SL_RECORD_OK)
		sl_log_warn("cannot keep a copy of the validated rules (%s): a "
			    "later bad edit of %s will stop enforcement at the "
			    "next step", msg, rules_origin(args));
	free(text);
	if (!SL_HAVE_JOB_PROLOG &&
	    (sl_rules_uses(rules) & (SL_USES_PARTITION | SL_USES_ACCOUNT)))
		sl_log_error("%s uses partition() or account(), which only the "
			     "job prolog of swaplimit.so can decide: with "
			     SL_PLUGIN_FILE " every step that reaches such a "
			     "term gets the fallback= allowance; use swaplimit.so "
			     "in plugstack.conf, or rules without them "
			     "(swaplimit check says which)",
			     rules_origin(args));
	if ((sl_rules_uses(rules) & SL_USES_GRES) && !SL_GRES_LOOKUP)
		sl_log_error("%s uses the gres limit, which this build does not "
			     "support (built with SL_GRES_LOOKUP=0): every step "
			     "that reaches such a term gets the fallback= "
			     "allowance",
			     rules_origin(args));
	else if ((sl_rules_uses(rules) & SL_USES_GRES) &&
	    (!SL_HAVE_JOB_PROLOG || !args->gres))
		sl_log_error("%s uses the gres limit, which needs %s: every step "
			     "that reaches such a term gets the fallback= allowance",
			     rules_origin(args),
			     SL_HAVE_JOB_PROLOG
				     ? "the plugin argument gres=NAME (the count-only "
				       "GRES that schedules swap, e.g. gres=swap)"
				     : "swaplimit.so (its job prolog asks slurmctld "
				       "for the job's GRES) with gres=NAME");
	nwarn = sl_rules_warning_count(rules);
	for (size_t i = 0; i < nwarn; i++)
		sl_log_warn("%s: %s", rules_origin(args),
			    sl_rules_warning(rules, i));
	sl_log_info("version %s (" SL_PLUGIN_FILE "%s): %zu rule terms loaded "
		    "from %s (record_dir=%s "
		    "cgroup_root=%s); swap limits enforced on this node",
		    SWAPLIMIT_VERSION,
		    SL_HAVE_JOB_PROLOG ? ", with the job prolog"
				       : ", no job prolog",
		    sl_rules_count(rules),
		    rules_origin(args),
		    rdir,
		    args->cgroup_root ? args->cgroup_root
				      : "(from the mount table)");
	sl_rules_free(rules);
}

void sl_slurmd_start(int ac, char **av)
{
	slurmd_check(ac, av);
	/* slurmd keeps nothing in memory: every step loads the node's image
	 * or compiles its own copy (plugin.c). */
	sl_plugin_state_free();
}
