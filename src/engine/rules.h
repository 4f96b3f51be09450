/*
 * swaplimit rule engine: compile an ordered rule list once, then evaluate
 * it for one job on one node.
 *
 * Pure C: no SPANK calls, no logging, no global state. The only external
 * dependency is libslurm's hostlist API (through hostmatch.h), so that
 * host() conditions match exactly as Slurm matches them.
 *
 * Life cycle:
 *   sl_rules_t *r = sl_rules_compile(text, len, "rules", &err);  // once
 *   sl_bound_t *b = sl_rules_bind(r, "node12");  // once per node: host()
 *                                                // lookups happen here
 *   sl_eval(b, &facts, &result);                 // any number of times;
 *                                                // allocates nothing
 *   sl_bound_free(b); sl_rules_free(r);
 */
#ifndef SWAPLIMIT_RULES_H
#define SWAPLIMIT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "No limit" for a byte quantity (RAM limit of a job without one). */
#define SL_UNLIMITED_BYTES UINT64_MAX

/* Longest explanation / error message, including the NUL. */
#define SL_MSG_MAX 256

typedef struct sl_rules sl_rules_t;
typedef struct sl_bound sl_bound_t;

/* A positioned compile error: "SOURCE:LINE:COL: message". */
typedef struct {
	char source[128];        /* e.g. "rules", "/etc/slurm/swaplimit.conf" */
	unsigned line;           /* 1-based */
	unsigned col;            /* 1-based, in bytes */
	char message[SL_MSG_MAX];
} sl_error_t;

/*
 * Compile a rule list. `text` need not be NUL-terminated; `len` bytes are
 * read (embedded NUL bytes are an error, not a truncation). `source` names
 * the text in error messages. `allow_comments`: '#' starts a comment up to
 * the end of the line (rules files); in an inline rules= string '#' is an
 * error. Returns NULL and fills *err on any error; the rule set is rejected
 * as a whole.
 */
sl_rules_t *sl_rules_compile(const char *text, size_t len, const char *source,
			     bool allow_comments, sl_error_t *err);
void sl_rules_free(sl_rules_t *rules);

/* Format an error as "SOURCE:LINE:COL: message" into buf. */
void sl_error_format(const sl_error_t *err, char *buf, size_t size);

/* Number of terms, and term i (0-based) in normalised text form, e.g.
 * "default(){min_swap=250MiB}=50MiB/cpu". */
size_t sl_rules_count(const sl_rules_t *rules);
const char *sl_rules_term_text(const sl_rules_t *rules, size_t i);

/*
 * Static warnings about a valid rule set (a term that can never match
 * because an earlier default() takes everything; no default() at the end).
 * Computed at compile time. sl_rules_warning() returns warning i
 * (0-based), owned by the rules, or NULL when i is out of range.
 */
size_t sl_rules_warning_count(const sl_rules_t *rules);
const char *sl_rules_warning(const sl_rules_t *rules, size_t i);

/*
 * Resolve the host() conditions for one node. This is where libslurm's
 * hostlist lookups (which allocate) happen, so evaluation itself need not.
 * Returns NULL only on allocation failure (or NULL rules). `rules` must
 * outlive the result. A NULL node matches no host() condition.
 */
sl_bound_t *sl_rules_bind(const sl_rules_t *rules, const char *node);
void sl_bound_free(sl_bound_t *bound);
/*
 * Resolve the names of the user() and group() conditions to ids, once per
 * node: resolve(ctx, group, name, &id) returns 1 (found), 0 (no such
 * name: it matches nobody) or -1 (the lookup failed: a condition that
 * would need it cannot be decided). Returns 0, or -1 on allocation
 * failure (the bound then compares names). Facts with .ids set are then
 * compared by id.
 */
typedef int (*sl_name_resolver_t)(void *ctx, bool group, const char *name,
				  uint32_t *id);
int sl_bound_resolve_ids(sl_bound_t *bound, sl_name_resolver_t resolve,
			 void *ctx);

/* The rules a bound set was made from. */
const sl_rules_t *sl_bound_rules(const sl_bound_t *bound);

/*
 * The job's facts on one node. A NULL string is a fact the job does not
 * have (no account): a condition on it does not match. A fact that could
 * not be found out (no prolog record, an NSS failure) is flagged
 * *_unknown: a condition that depends on it cannot be decided, and
 * evaluation stops there with SL_UNDECIDABLE instead of falling through to
 * a later term (see docs/rules.md, "Facts that cannot be known").
 */
typedef struct {
	const char *partition;
	const char *user;
	const char *const *groups;   /* the user's groups (names) */
	size_t ngroups;
	const char *account;
	bool partition_unknown;      /* no trusted record of the partition */
	bool account_unknown;        /* no trusted record of the account */
	bool user_unknown;           /* the user's name could not be looked up */
	bool groups_unknown;         /* some group could not be looked up */
	/* With ids (and a bound whose names were resolved by
	 * sl_bound_resolve_ids), user() and group() compare these ids with
	 * the rules' names' ids instead of comparing names: no lookup of
	 * the job's own ids is needed. */
	bool ids;
	uint32_t uid;
	const uint32_t *gids;        /* primary and supplementary */
	size_t ngids;
	uint64_t cpus;               /* CPUs of the job (step) on this node */
	uint64_t tasks;              /* tasks of the job (step) on this node */
	uint64_t mem_bytes;          /* RAM limit on this node, or SL_UNLIMITED_BYTES */
	uint64_t node_swap_bytes;    /* the node's total swap */
	/* For /memshare and /cpushare: the node's RAM (MemTotal) and its
	 * online CPUs; 0 = unknown (a share term then cannot be decided). */
	uint64_t node_mem_bytes;
	uint64_t node_cpus;
	/* For the `gres` limit: the swap GRES (count-only, in bytes) the job
	 * was allocated on this node, from a source the user cannot forge
	 * (the prolog's record, from slurmctld); gres_unknown: not known (a
	 * `gres` term then cannot be decided). A job without it: 0, known. */
	uint64_t gres_bytes;
	bool gres_unknown;
} sl_facts_t;

typedef enum {
	SL_NO_MATCH = 0,   /* no term matched: leave the limits as Slurm set them */
	SL_UNLIMITED,      /* `none`: no swap limit at all */
	SL_LIMITED,        /* swap_bytes of swap */
	SL_UNDECIDABLE,    /* term `term` needs a fact that is unknown: no
			    * term is chosen (the caller applies its fallback) */
} sl_outcome_t;

typedef struct {
	sl_outcome_t outcome;
	size_t term;                 /* 1-based matching term (SL_UNDECIDABLE:
				      * the term that could not be decided),
				      * 0 when none */
	uint64_t swap_bytes;         /* the allowance when SL_LIMITED;
				      * SL_UNLIMITED_BYTES when SL_UNLIMITED,
				      * 0 when SL_NO_MATCH */
	/* Human explanation of the arithmetic, e.g.
	 * "50MiB x 4 cpus = 200MiB, raised to min_swap 250MiB". */
	char why[SL_MSG_MAX];
} sl_result_t;

/* Evaluate: first term whose conditions all match wins. Allocates nothing.
 * `bound` comes from sl_rules_bind() for the node the facts are about. */
void sl_eval(const sl_bound_t *bound, const sl_facts_t *facts, sl_result_t *out);

/* Which facts the rules look at: SL_USES_USER when a user() condition
 * exists, SL_USES_GROUP for group(), SL_USES_PARTITION, SL_USES_ACCOUNT.
 * A caller need not find out (look up) a fact the rules never use. */
#define SL_USES_USER      1u
#define SL_USES_GROUP     2u
#define SL_USES_PARTITION 4u
#define SL_USES_ACCOUNT   8u
/* ... and SL_USES_NODE_MEM when a /memshare limit exists, SL_USES_NODE_CPUS
 * for /cpushare (node_mem_bytes, node_cpus). */
#define SL_USES_NODE_MEM  16u
#define SL_USES_NODE_CPUS 32u
/* ... and SL_USES_GRES when a `gres` limit exists (gres_bytes). */
#define SL_USES_GRES      64u
unsigned sl_rules_uses(const sl_rules_t *rules);

/* The term text of the result's term, or NULL when nothing matched. */
const char *sl_result_term_text(const sl_bound_t *bound, const sl_result_t *res);

#ifdef __cplusplus
}
#endif
#endif
