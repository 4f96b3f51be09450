/*
 * swaplimit plugin: state shared by the SPANK entry points of one process.
 *
 * One process runs one context: slurmd (S_CTX_SLURMD), one slurmstepd per
 * step and node (S_CTX_REMOTE), srun/sbatch/salloc (S_CTX_LOCAL,
 * S_CTX_ALLOCATOR), or the short-lived prolog/epilog process
 * (S_CTX_JOB_SCRIPT). The state below is that process's; nothing is shared
 * between processes except the prolog's record (job_record.h).
 */
#ifndef SWAPLIMIT_PLUGIN_H
#define SWAPLIMIT_PLUGIN_H

#include <stdbool.h>
#include <stdint.h>

#include <slurm/spank.h>

#include "cgroup.h"
#include "log.h"
#include "plugin_args.h"
#include "rules.h"

/* Room for "SOURCE:LINE:COL: message" and a path. */
#define SL_PLUGIN_ERR_MAX (SL_MSG_MAX + 192)

typedef struct {
	/* Plugin arguments, parsed once per process (sl_plugin_args()). */
	bool args_parsed;
	bool args_ok;
	sl_args_t args;
	char args_error[SL_PLUGIN_ERR_MAX];

	/* Rules, compiled once per process and bound to this node
	 * (slurmstepd only: sl_plugin_rules()). */
	bool rules_tried;
	sl_rules_t *rules;
	sl_bound_t *bound;
	char rules_error[SL_PLUGIN_ERR_MAX];

	/* slurmstepd: the step's limits were handled (task_post_fork runs
	 * once per local task; only the first does the work). */
	bool step_done;

	/* A user's own request (--swap, issue 6): it may only lower the
	 * step's allowance. Not registered yet, so never set. */
	struct {
		bool given;
		uint64_t bytes;      /* SL_CG_UNLIMITED for "none" */
	} request;

	/* What task_post_fork applied, for an end-of-step report. */
	struct {
		bool done;
		sl_cg_paths_t paths;
		uint64_t step_swap;
		uint64_t job_swap;
	} applied;
} sl_plugin_state_t;

extern sl_plugin_state_t sl_state SL_HIDDEN;

/*
 * Parse the plugin arguments once for this process (later calls return
 * the first answer). Returns true when they are valid; otherwise
 * sl_state.args_error says why. Logs nothing.
 */
bool sl_plugin_args(int ac, char **av) SL_HIDDEN;

/*
 * Compile the rules and bind them to `node`, once for this process.
 * Returns the bound rules, or NULL with sl_state.rules_error set.
 * Logs nothing.
 */
const sl_bound_t *sl_plugin_rules(const char *node) SL_HIDDEN;

/* Free everything the state holds (slurm_spank_exit). */
void sl_plugin_state_free(void) SL_HIDDEN;

/* The step id as Slurm prints it: "batch", "extern", "interactive" or a
 * number. Returns buf. */
const char *sl_step_name(uint32_t stepid, char *buf, size_t size) SL_HIDDEN;

#endif
