/*
 * Gathering a job's facts on one node: the pure parts, testable without
 * Slurm (the SPANK item calls themselves are in spank_task.c).
 *
 *   sl_count_cpu_list()  CPUs in S_JOB_ALLOC_CORES ("0-3,8,10-11")
 *   sl_names_resolve()   user and group names from the credential's ids
 *   sl_cpus_per_node()   one node's CPUs in SLURM_JOB_CPUS_PER_NODE
 *   sl_cg_want_fill()    what the task's cgroups must belong to
 * (the allowance itself is computed by the engine: allowance.h)
 *
 * No SPANK calls, no logging.
 */
#ifndef SWAPLIMIT_FACTS_H
#define SWAPLIMIT_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
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
	bool user_failed;    /* the user's lookup failed (not "no such id") */
	bool groups_failed;  /* a group's lookup failed */
} sl_names_t;

/*
 * Resolve uid, the primary gid and the supplementary gids (duplicates
 * dropped) to names with getpwuid_r/getgrgid_r. Ids that have no name are
 * counted in ->unresolved and left out: conditions on them do not match;
 * a lookup that failed (rather than answered "no such id") sets
 * ->user_failed / ->groups_failed: conditions on it cannot be decided.
 * Returns 0, or -1 on allocation failure (msg says so; *out is then
 * empty). *out must be released with sl_names_free().
 */
SL_HIDDEN int sl_names_resolve(uid_t uid, gid_t gid, const gid_t *sup,
			       size_t nsup, sl_names_t *out, char *msg,
			       size_t msglen);
SL_HIDDEN void sl_names_free(sl_names_t *names);

/*
 * An sl_name_resolver_t (rules.h) over the node's NSS: a rule's user or
 * group name to its id (getpwnam_r/getgrnam_r). 1 found, 0 no such name,
 * -1 the lookup failed. Used once per slurmstepd to bind the rules, so
 * that steps compare the credential's ids and look nothing up.
 */
SL_HIDDEN int sl_nss_resolve_name(void *ctx, bool group, const char *name,
				  uint32_t *id);

/*
 * The CPUs of one node in a Slurm CPU count list (SLURM_JOB_CPUS_PER_NODE
 * of the credential: "8(x2),4" is 8, 8, 4). index is the node's position
 * in the job's node list; SIZE_MAX asks for the count every node shares.
 * Returns 0 with *cpus set; 1 (index SIZE_MAX) when the counts differ
 * between nodes; -1 when malformed or index is past the end. *nodes (if
 * not NULL) gets the number of nodes the list covers.
 */
SL_HIDDEN int sl_cpus_per_node(const char *spec, size_t index,
			       uint64_t *nodes, uint64_t *cpus);

/* Step ids at or above this are Slurm's special steps (slurm.h
 * SLURM_MAX_NORMAL_STEP_ID); only batch, extern and interactive have a
 * cgroup of their own. */
#define SL_MAX_NORMAL_STEP_ID 0xfffffff0U

/*
 * What sl_cg_find_job() must check the task's cgroups against, from the
 * credential's items: job_id (S_JOB_ID), step_id (S_JOB_STEPID: a number,
 * or SL_CG_STEP_BATCH/_EXTERN/_INTERACTIVE, the values of Slurm's
 * SLURM_BATCH_SCRIPT/SLURM_EXTERN_CONT/SLURM_INTERACTIVE_STEP; any other
 * special value is not checked), uid (S_JOB_UID, when have_uid) and
 * sluid (the prolog record's, or NULL/"": not checked). *want keeps the
 * sluid pointer, not a copy.
 */
SL_HIDDEN void sl_cg_want_fill(sl_cg_job_t *want, uint32_t job_id,
			       uint32_t step_id, bool have_uid, uint32_t uid,
			       const char *sluid);

#endif
