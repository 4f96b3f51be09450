/*
 * Gathering a job's facts on one node: the pure parts, testable without
 * Slurm (the SPANK item calls themselves are in spank_task.c).
 *
 *   sl_count_cpu_list()  CPUs in S_JOB_ALLOC_CORES ("0-3,8,10-11")
 *   sl_names_resolve()   user and group names from the credential's ids
 *   sl_decide()          evaluate the rules for the step and for the job
 *                        and derive the two allowances
 *
 * No SPANK calls, no logging.
 */
#ifndef SWAPLIMIT_FACTS_H
#define SWAPLIMIT_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rules.h"

#ifndef SL_HIDDEN
#define SL_HIDDEN __attribute__((visibility("hidden")))
#endif

/* More supplementary groups than this are ignored (Linux allows 65536). */
#define SL_FACTS_MAX_GROUPS 65536
/* getpwuid_r/getgrgid_r buffers grow up to this, then the id is left
 * unresolved. */
#define SL_FACTS_NSS_BUF_MAX (4u << 20)

/*
 * Count the CPUs in a Slurm core list: comma-separated decimal numbers
 * and ranges "A-B" (A <= B), e.g. "0-3,8,10-11" is 7. Returns 0 with
 * *count set, or -1 when the list is empty or malformed.
 */
SL_HIDDEN int sl_count_cpu_list(const char *list, uint64_t *count);

typedef struct {
	char *user;          /* NULL when the uid has no name */
	char **groups;       /* names of the primary and supplementary groups */
	size_t ngroups;
	size_t unresolved;   /* ids without a name (user included) */
} sl_names_t;

/*
 * Resolve uid, the primary gid and the supplementary gids (duplicates
 * dropped) to names with getpwuid_r/getgrgid_r. Ids that have no name are
 * counted in ->unresolved and left out: conditions on them do not match.
 * Returns 0, or -1 on allocation failure (msg says so; *out is then
 * empty). *out must be released with sl_names_free().
 */
SL_HIDDEN int sl_names_resolve(uid_t uid, gid_t gid, const gid_t *sup,
			       size_t nsup, sl_names_t *out, char *msg,
			       size_t msglen);
SL_HIDDEN void sl_names_free(sl_names_t *names);

/* The step's and the job's figures on this node. */
typedef struct {
	uint64_t step_cpus;      /* S_JOB_NCPUS */
	uint64_t step_tasks;     /* S_JOB_LOCAL_TASK_COUNT */
	uint64_t job_cpus;       /* counted from S_JOB_ALLOC_CORES, 0: unknown */
	uint64_t step_ram;       /* step cgroup's RAM limit (or unlimited) */
	uint64_t job_ram;        /* job cgroup's RAM limit (or unlimited) */
} sl_counts_t;

typedef struct {
	sl_facts_t step_facts;   /* as evaluated for the step */
	sl_facts_t job_facts;    /* as evaluated for the job */
	sl_result_t step;        /* the step's evaluation */
	sl_result_t job;         /* the job's evaluation */
	bool write;              /* false: no term matched, write nothing */
	uint64_t step_swap;      /* bytes, or SL_UNLIMITED_BYTES */
	uint64_t job_swap;       /* bytes, or SL_UNLIMITED_BYTES */
	bool request_lowered;    /* the user's request lowered the step */
} sl_decision_t;

/*
 * Evaluate the rules twice:
 *   step: base facts + the step's CPUs, tasks and RAM limit;
 *   job:  base facts + the job's CPUs on the node (never fewer than the
 *         step's), tasks = max(step tasks, job CPUs), the job's RAM limit.
 * The job's allowance is max(job, step) (unlimited if either is); the
 * step's is its own evaluation, lowered to *request when one is given
 * (NULL: none; SL_UNLIMITED_BYTES: "none"). When either evaluation
 * matches no term, ->write is false and nothing must be written.
 * `base` carries partition, user, groups, account and node swap.
 */
SL_HIDDEN void sl_decide(const sl_bound_t *bound, const sl_facts_t *base,
			 const sl_counts_t *counts, const uint64_t *request,
			 sl_decision_t *out);

#endif
