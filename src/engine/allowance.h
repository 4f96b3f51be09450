/*
 * The swap allowance of one step and of its job on one node: the ONE
 * computation that both the plugin (task_post_fork) and `swaplimit eval`
 * run, so that the command answers exactly what the plugin writes.
 *
 * Pure C, no allocation, no Slurm calls: facts in, the job cgroup's and
 * the step cgroup's bytes out, rounded down to a whole page as the kernel
 * stores them (so the log, the file and SWAPLIMIT_BYTES show one number).
 *
 *   job:  evaluated with job-wide facts only (the CPUs the job holds on the
 *         node, tasks counted as those CPUs, the job's RAM limit): the same
 *         in every step of the job, whatever a step's shape.
 *   step: the step's CPUs and tasks, each counted no higher than the CPUs
 *         the job holds on the node (srun --overcommit cannot inflate a
 *         /task term), its RAM limit no higher than the job's; never more
 *         than the job; lowered to the user's --swap request.
 *   a term that cannot be decided (SL_UNDECIDABLE): both get `fallback`.
 *   no term matches: nothing is written, unless a --swap request lowers
 *         the step below what Slurm set (the job then keeps Slurm's value).
 *   cgroup v1 without a RAM limit: memory.memsw.limit_in_bytes caps RAM
 *         plus swap, so no finite swap limit can be expressed: that
 *         cgroup's value is unlimited and flagged, and nothing is written
 *         (writing "unlimited" could only loosen what Slurm set).
 */
#ifndef SWAPLIMIT_ALLOWANCE_H
#define SWAPLIMIT_ALLOWANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "rules.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SL_PAGE_SIZE_DEFAULT 4096u

typedef struct {
	/* Conditions' facts (partition, user, groups, account, their
	 * *_unknown flags) and node_swap_bytes; cpus, tasks, mem_bytes,
	 * node_mem_bytes and node_cpus are ignored (set from the fields
	 * below). */
	sl_facts_t base;
	/* For /memshare and /cpushare, copied into both evaluations: the
	 * node's physical RAM (MemTotal) and online CPUs; 0 = unknown. */
	uint64_t node_mem_bytes;
	uint64_t node_cpus;
	uint64_t job_cpus;       /* CPUs the job holds on the node; 0 unknown */
	uint64_t job_ram;        /* job's RAM limit, SL_UNLIMITED_BYTES: none */
	uint64_t step_cpus;      /* the step's CPUs on the node */
	uint64_t step_tasks;     /* the step's tasks on the node */
	uint64_t step_ram;       /* step's RAM limit, SL_UNLIMITED_BYTES: none */
	bool whole_job_step;     /* the extern step: it stands for the whole
				  * allocation, and gets the job's facts */
	bool request_given;      /* --swap */
	uint64_t request;        /* bytes, SL_UNLIMITED_BYTES for "none" */
	uint64_t fallback;       /* for an undecidable term: bytes or
				  * SL_UNLIMITED_BYTES */
	bool memsw;              /* cgroup v1: the limit is RAM + swap */
	uint64_t page_size;      /* 0: SL_PAGE_SIZE_DEFAULT */
	/* What Slurm set (SL_UNLIMITED_BYTES: none), used only when no term
	 * matches and a request lowers the step. */
	uint64_t slurm_job_swap;
	uint64_t slurm_step_swap;
} sl_allow_in_t;

typedef enum {
	SL_FROM_RULE = 0,        /* a term matched */
	SL_FROM_FALLBACK,        /* a term could not be decided */
	SL_FROM_NOTHING,         /* no term matched */
} sl_allow_source_t;

typedef struct {
	sl_facts_t job_facts;    /* as evaluated for the job */
	sl_facts_t step_facts;   /* as evaluated for the step */
	sl_result_t job;
	sl_result_t step;
	sl_allow_source_t source;
	bool write;              /* false: write nothing */
	uint64_t job_swap;       /* bytes (page-rounded) or SL_UNLIMITED_BYTES */
	uint64_t step_swap;
	uint64_t grant;          /* the step's allowance before the request */
	bool request_lowered;    /* the request lowered the step */
	bool request_above;      /* a finite request above the grant */
	bool tasks_capped;       /* step tasks counted as the job's CPUs */
	bool cpus_capped;        /* step CPUs counted as the job's CPUs */
	bool job_cpus_unknown;   /* job_cpus was 0: the step's CPUs stood in */
	bool job_unenforceable;  /* v1, no job RAM limit: job_swap unlimited */
	bool step_unenforceable; /* v1, no step RAM limit: step_swap unlimited */
} sl_allow_t;

/* Round a finite byte count down to a whole page (SL_UNLIMITED_BYTES
 * stays). page 0: SL_PAGE_SIZE_DEFAULT. */
uint64_t sl_page_round(uint64_t bytes, uint64_t page);

/* Compute both allowances. Never fails; allocates nothing. */
void sl_allowance(const sl_bound_t *bound, const sl_allow_in_t *in,
		  sl_allow_t *out);

#ifdef __cplusplus
}
#endif
#endif
