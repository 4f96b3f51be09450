/*
 * `swaplimit check`'s oversubscription report: the nodes (from a
 * slurm.conf or --node specs), each node's swap (--swap, --swap-file), and
 * for every term the worst case on every node where it can apply
 * (oversub.h), nodes of equal shape and answer grouped by host expression.
 */
#ifndef SWAPLIMIT_CLI_OVERSUB_H
#define SWAPLIMIT_CLI_OVERSUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rules.h"

/* One --swap (arg "HOSTLIST=SIZE" or "SIZE") or --swap-file (a path), in
 * command-line order. */
typedef struct {
	bool file;
	const char *arg;
} sl_swap_src_t;

typedef struct {
	const char *slurm_conf;         /* --slurm-conf, or NULL */
	const char *const *node_specs;  /* --node HOSTLIST:cpus=N,mem=SIZE... */
	size_t nnode_specs;
	const sl_swap_src_t *swaps;
	size_t nswaps;
} sl_ov_opts_t;

typedef struct sl_ov_nodes sl_ov_nodes_t;

/* Read the nodes and their swap. NULL after printing why on err
 * ("swaplimit check: ..."). */
sl_ov_nodes_t *sl_ov_nodes_load(const sl_ov_opts_t *opts, FILE *err);
void sl_ov_nodes_free(sl_ov_nodes_t *nodes);

/* Warnings found while loading (Include lines, swap for unknown nodes). */
size_t sl_ov_nodes_warning_count(const sl_ov_nodes_t *nodes);
const char *sl_ov_nodes_warning(const sl_ov_nodes_t *nodes, size_t i);

/* Print the report: text, or (json) the members
 * "nodes": N, "oversubscribed": B, "results": [...] of the caller's
 * object. Returns true when some term can promise more than a node's
 * swap; *failed is set on an allocation failure. */
bool sl_ov_report(const sl_rules_t *rules, const sl_ov_nodes_t *nodes,
		  bool json, FILE *out, bool *failed);

#endif
