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
#include <time.h>

#include <slurm/spank.h>

#include "cgroup.h"
#include "job_record.h"
#include "log.h"
#include "plugin_args.h"
#include "rules.h"
#include "swap_option.h"
#include "user_msg.h"

/*
 * Two builds of the same sources (Makefile):
 *   swaplimit.so           with the job prolog/epilog: the prolog records
 *                          the partition, account, CPU count and SLUID from
 *                          the signed credential (job_record.h). Slurm
 *                          then forks a `slurmstepd spank prolog` process
 *                          per job and node (and an epilog).
 *   swaplimit_noprolog.so  -DSL_NO_JOB_PROLOG: no job prolog/epilog
 *                          symbols, so no process per job. No record:
 *                          partition() and account() cannot be decided
 *                          (fallback=), the job's CPUs are its cores.
 * Slurm decides from the symbols alone, at slurmd start (a plugin cannot
 * switch it at run time), hence two objects.
 */
#ifdef SL_NO_JOB_PROLOG
#define SL_HAVE_JOB_PROLOG 0
#define SL_PLUGIN_FILE "swaplimit_noprolog.so"
#else
#define SL_HAVE_JOB_PROLOG 1
#define SL_PLUGIN_FILE "swaplimit.so"
#endif

/* Room for "SOURCE:LINE:COL: message" and a path. */
#define SL_PLUGIN_ERR_MAX (SL_MSG_MAX + 192)

/*
 * Each context's state lives in the file that owns the context, behind
 * the accessors below; nothing else writes it.
 */

/* plugin.c: this process's configuration, made once per process. */
/* Parse the plugin arguments (later calls return the first answer).
 * True when they are valid; otherwise sl_plugin_args_error() says why.
 * Logs nothing. */
bool sl_plugin_args(int ac, char **av) SL_HIDDEN;
/* The parsed arguments (all unset until sl_plugin_args() succeeded). */
const sl_args_t *sl_plugin_conf(void) SL_HIDDEN;
const char *sl_plugin_args_error(void) SL_HIDDEN;
/* record_dir=, or its default. */
const char *sl_plugin_record_dir(void) SL_HIDDEN;
/* The rules bound to `node` (slurmstepd: once per process): from the
 * node's rules image when it was made from these rules, else compiled
 * (and an image kept), else slurmd's validated copy. The bound rules, or
 * NULL with sl_plugin_rules_error() set. Logs only about the image. */
const sl_bound_t *sl_plugin_rules(const char *node) SL_HIDDEN;
const char *sl_plugin_rules_error(void) SL_HIDDEN;
/* The rules did not compile (sl_plugin_rules_error() says why): the copy
 * slurmd validated at its start is enforced instead (job_record.h). */
bool sl_plugin_rules_from_copy(void) SL_HIDDEN;
/* Where this process's rules came from: "image" (the node's, made by an
 * earlier step), "compiled" or "validated-copy". */
const char *sl_plugin_rules_source(void) SL_HIDDEN;
void sl_plugin_conf_free(void) SL_HIDDEN;

/* spank_option.c: the job owner's --swap and --swap-report, as the
 * option callbacks received them in this process. */
/* The --swap request, or NULL without one. It may only lower the step's
 * allowance; bytes is SL_CG_UNLIMITED for "none". */
const sl_swap_request_t *sl_option_swap(void) SL_HIDDEN;
bool sl_option_report_wanted(void) SL_HIDDEN;
void sl_options_reset(void) SL_HIDDEN;

/* spank_task.c: what the step's first task_post_fork found and decided,
 * for the end-of-step report (spank_task_exit.c). */
typedef struct {
	char job[16];            /* "123", or "?" */
	char step[32];           /* "0", "batch", or "?" */
	char node[SL_RECORD_NODE_MAX];   /* "" until known */
	bool found;              /* paths is valid */
	sl_cg_paths_t paths;
	bool decided;            /* a term matched: the values below */
	uint64_t grant;          /* the rules' step allowance, before the
				  * request */
	uint64_t step_swap;      /* what the step got */
	uint64_t job_swap;
	bool done;               /* and it was written */
} sl_step_applied_t;
/* NULL until task_post_fork handled the step in this process. */
const sl_step_applied_t *sl_step_applied(void) SL_HIDDEN;
void sl_step_state_reset(void) SL_HIDDEN;
/* Where the cgroup finder reads <pid>/cgroup: "/proc"; a unit test points
 * it at a fake tree (tests/tools/cg_fixture.h). */
extern const char *sl_proc_root SL_HIDDEN;

/* spank_task_exit.c: the end-of-step report's progress. */
void sl_report_state_reset(void) SL_HIDDEN;

/* Every context's state above back to the start (slurm_spank_exit, and
 * slurmd after its start-up check). plugin.c */
void sl_plugin_state_free(void) SL_HIDDEN;

/* The work behind each entry point (spank.c); none returns an error. */
/* slurmd's start: parse, compile, log; keeps nothing. spank_init.c */
void sl_slurmd_start(int ac, char **av) SL_HIDDEN;
/* Job prolog: record partition/account/CPUs/SLUID/GRES; epilog: remove
 * the record. spank_job_script.c (not in swaplimit_noprolog.so) */
void sl_job_prolog_record(int ac, char **av) SL_HIDDEN;
void sl_job_epilog_forget(int ac, char **av) SL_HIDDEN;
/* slurmstepd, first task_post_fork of the step: decide and write the
 * step's and the job's swap limits (later calls: nothing). spank_task.c */
void sl_step_limits_apply(spank_t sp, int ac, char **av) SL_HIDDEN;
/* A task, before exec: SWAPLIMIT_BYTES. spank_task_env.c */
void sl_task_env_set(spank_t sp, int ac, char **av) SL_HIDDEN;
/* task_handoff.c: the step's swap limit, from task_post_fork to the
 * tasks' task_init across their fork (a shared page made at init). */
void sl_handoff_create(void) SL_HIDDEN;
void sl_handoff_publish(uint64_t step_limit) SL_HIDDEN;
bool sl_handoff_read(uint64_t *step_limit) SL_HIDDEN;
void sl_handoff_free(void) SL_HIDDEN;
/* slurmstepd, a task reaped: after the last local one, the end-of-step
 * report. spank_task_exit.c */
void sl_task_exited(spank_t sp) SL_HIDDEN;

/* Register --swap and --swap-report (srun, sbatch, salloc, slurmstepd);
 * never fails: a refusal is logged. spank_option.c */
void sl_options_register(spank_t sp) SL_HIDDEN;

/* slurmstepd: read the step cgroup's figures, log them, and tell the user
 * what they need to know (step_report.h), once per step and node.
 * spank_task_exit.c */
void sl_step_report(void) SL_HIDDEN;

/* Microseconds since t0 (CLOCK_MONOTONIC); 0 if the clock fails. */
uint64_t sl_elapsed_us(const struct timespec *t0) SL_HIDDEN;

/* The step id as Slurm prints it: "batch", "extern", "interactive" or a
 * number. Returns buf. */
const char *sl_step_name(uint32_t stepid, char *buf, size_t size) SL_HIDDEN;

#endif
