/*
 * The oversubscription model of `swaplimit check`: for one term on one
 * node shape, the most swap the term can promise at once if every job on
 * the node matched it, and the smallest job shape that reaches it.
 *
 * A node has C CPUs, RealMemory M and S bytes of swap; OverSubscribe lets
 * O jobs share a CPU. Jobs hold >= 1 CPU each and Sum(CPUs) <= C x O (so
 * at most C x O jobs), RAM limits of >= 1 MiB each with Sum(RAM) <= M.
 * Each job's grant is the engine's own value for that shape (tasks counted
 * as its CPUs, min_swap, max_swap, the node's swap as the cap).
 *   - no per-job RAM or CPU figure (SIZE, N%, /node): C x O jobs of 1 CPU;
 *   - /cpu, /task, /cpushare: a job's grant per CPU is highest at 1 CPU,
 *     so C x O jobs of 1 CPU;
 *   - %mem, /memshare: a job's grant is flat, then linear in its RAM, then
 *     capped: the best is some jobs at the cap, the rest at 1 MiB, one
 *     holding what is left (searched over the number at the cap); exact
 *     unless min_swap/max_swap are %mem (then the best of these shapes and
 *     of an equal split);
 *   - a per-CPU form with %mem anywhere: an upper bound (every job at the
 *     largest grant one job can get).
 * Pure: no output, no allocation.
 */
#ifndef SWAPLIMIT_OVERSUB_H
#define SWAPLIMIT_OVERSUB_H

#include <stdbool.h>
#include <stdint.h>

#include "inspect.h"
#include "rules.h"

#define SL_OV_MIN_RAM (UINT64_C(1) << 20)  /* Slurm's smallest --mem */

typedef struct {
	uint64_t cpus;            /* CPUs (>= 1) */
	uint64_t mem_bytes;       /* RealMemory in bytes (>= 1) */
	uint64_t swap_bytes;      /* the node's swap */
	uint64_t oversubscribe;   /* jobs per CPU (1: OverSubscribe=NO) */
} sl_ov_node_t;

typedef enum {
	SL_OV_FITS = 0,           /* at most the node's swap */
	SL_OV_OVER,               /* more than the node's swap */
	SL_OV_UNLIMITED,          /* `none`: no limit (not a failure) */
} sl_ov_status_t;

/* A group of equal jobs of the worst shape. */
typedef struct {
	uint64_t jobs;
	uint64_t cpus;            /* each */
	uint64_t mem_bytes;       /* each (0 when RAM does not matter) */
	uint64_t grant;           /* each */
	sl_limit_by_t by;         /* what set the grant */
} sl_ov_group_t;

typedef struct {
	sl_ov_status_t status;
	uint64_t worst;           /* bytes promised at once (saturating) */
	bool exact;               /* false: an upper bound or a best guess */
	bool upper_bound;         /* worst is an upper bound, not a shape */
	sl_ov_group_t groups[3];
	unsigned ngroups;
	uint64_t factor_x100;     /* worst / swap x 100, rounded (0: no swap) */
	char job_why[SL_MSG_MAX]; /* the engine's why for the first group */
	char text[512];           /* "40 jobs of 1 CPU: 40 x min_swap 250MiB
				   * = 10000MiB > swap 1GiB (x9.77)" */
} sl_ov_result_t;

/* Term i (0-based) of the rules on a node of that shape. */
void sl_ov_term(const sl_rules_t *rules, size_t i, const sl_ov_node_t *node,
		sl_ov_result_t *out);

#endif
