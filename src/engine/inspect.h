/*
 * Looking inside a compiled rule set, for `swaplimit check`'s
 * oversubscription report (src/cli/oversub.c): a term's form, which
 * conditions can hold on a node, and the term's limit for a job shape with
 * the evaluator's own arithmetic. Not used by the plugin.
 */
#ifndef SWAPLIMIT_INSPECT_H
#define SWAPLIMIT_INSPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "rules.h"

/* What set a term's value for a job. */
typedef enum {
	SL_BY_AMOUNT = 0,        /* the amount (times tasks, CPUs, a share) */
	SL_BY_MIN_SWAP,          /* raised to min_swap */
	SL_BY_MAX_SWAP,          /* capped at max_swap */
	SL_BY_NODE_SWAP,         /* capped at the node's swap */
} sl_limit_by_t;

typedef enum {
	SL_FORM_NONE = 0,        /* `none` */
	SL_FORM_NODE,            /* amount (per job) */
	SL_FORM_TASK,            /* amount / task */
	SL_FORM_CPU,             /* amount / cpu */
	SL_FORM_MEMSHARE,        /* amount / memshare */
	SL_FORM_CPUSHARE,        /* amount / cpushare */
	SL_FORM_GRES,            /* gres: the job's scheduled swap GRES */
} sl_term_form_t;

typedef struct {
	sl_term_form_t form;
	bool amount_pct_mem;     /* the amount is N%mem */
	bool props_pct_mem;      /* min_swap or max_swap is N%mem */
	bool has_min;            /* a min_swap property */
	bool has_partition;      /* a partition() condition */
	bool catch_all;          /* every condition is default() */
} sl_term_info_t;

/* Term i (0-based) of the rules. False when i is out of range. */
bool sl_rules_term_info(const sl_rules_t *rules, size_t i,
			sl_term_info_t *info);

/* Every partition() condition of term i names `partition` (true when it
 * has none). */
bool sl_rules_term_in_partition(const sl_rules_t *rules, size_t i,
				const char *partition);

/* Every host() condition of term i matches the bound node (true when it
 * has none). */
bool sl_bound_term_hosts_match(const sl_bound_t *bound, size_t i);

/* Every job on the bound node matches term i: its conditions are all
 * default() or matching host(). */
bool sl_bound_term_takes_all(const sl_bound_t *bound, size_t i);

/* Term i's limit for the facts, its conditions not consulted, exactly as
 * sl_eval() computes it when the term matches; *by (if not NULL) says what
 * set the value. Allocates nothing. */
void sl_rules_term_eval(const sl_rules_t *rules, size_t i,
			const sl_facts_t *facts, sl_result_t *out,
			sl_limit_by_t *by);

#endif
