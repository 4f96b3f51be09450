/*
 * A small slurm.conf reader for `swaplimit check --slurm-conf`: the nodes
 * (NodeName=: CPUs and RealMemory) and partitions (PartitionName=: Nodes
 * and OverSubscribe). Everything else is ignored.
 *
 *   - keys are case-insensitive, values are not; '#' starts a comment
 *     (not "\#"), a line ending in '\' continues on the next;
 *   - NodeName=DEFAULT and PartitionName=DEFAULT set the defaults of the
 *     lines after them;
 *   - NodeName= takes a Slurm host expression (libslurm's hostlist);
 *     CPUs= or Boards x Sockets (or SocketsPerBoard) x CoresPerSocket x
 *     ThreadsPerCore (Slurm's defaults: 1); RealMemory= in MiB (default 1);
 *   - Nodes=ALL or a host expression; OverSubscribe=NO|EXCLUSIVE (1 job
 *     per CPU), YES[:N] or FORCE[:N] (N, default 4; the old name Shared=
 *     too);
 *   - Include lines are not followed: a warning says so.
 */
#ifndef SWAPLIMIT_SLURM_CONF_H
#define SWAPLIMIT_SLURM_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostmatch.h"

typedef struct {
	char *name;
	uint64_t cpus;
	uint64_t mem_bytes;      /* RealMemory */
	unsigned line;           /* where it is defined */
} sl_conf_node_t;

typedef struct {
	char *name;
	bool all;                /* Nodes=ALL */
	sl_hostset_t *nodes;     /* otherwise (NULL: none) */
	uint64_t oversubscribe;  /* jobs per CPU */
} sl_conf_part_t;

typedef struct {
	sl_conf_node_t *nodes;   /* sorted by name */
	size_t nnodes;
	sl_conf_part_t *parts;   /* in file order */
	size_t nparts;
	char **warnings;
	size_t nwarnings;
} sl_slurm_conf_t;

/* Parse text (len bytes). `source` names it in messages
 * ("SOURCE:LINE: ..."). Returns 0, or -1 with err filled. */
int sl_slurm_conf_parse(const char *text, size_t len, const char *source,
			sl_slurm_conf_t *conf, char *err, size_t errlen);
/* The same for a file. */
int sl_slurm_conf_read(const char *path, sl_slurm_conf_t *conf, char *err,
		       size_t errlen);
void sl_slurm_conf_free(sl_slurm_conf_t *conf);

/* Does the partition contain the node? */
bool sl_conf_part_has(const sl_conf_part_t *part, const char *node);

#endif
