/*
 * Host expressions, matched with exactly Slurm's semantics through
 * libslurm's public hostlist API. Builds against both the 22.05 declaration
 * (`typedef struct hostlist *hostlist_t`, functions take hostlist_t) and the
 * 23.11+ one (functions take `hostlist_t *`): the handle type is taken from
 * what slurm_hostlist_create() returns.
 */
#ifndef SWAPLIMIT_HOSTMATCH_H
#define SWAPLIMIT_HOSTMATCH_H

#include <stdbool.h>

typedef struct sl_hostset sl_hostset_t;

/* Parse a Slurm host expression ("r[00,01]n[00,56],r00g00"). NULL when
 * Slurm cannot parse it, it names no host, or it would make libslurm 22.05
 * loop or expand millions of names (found by fuzzing); then *why (if not
 * NULL) says which, as a static string. */
sl_hostset_t *sl_hostset_create(const char *expr, const char **why);
bool sl_hostset_contains(const sl_hostset_t *set, const char *host);
void sl_hostset_destroy(sl_hostset_t *set);

/* For swaplimit check (expanding slurm.conf's NodeName= and grouping
 * nodes by host expression), all through libslurm: */
/* An empty set (NULL on allocation failure). */
sl_hostset_t *sl_hostset_new(void);
/* The number of hosts. */
int sl_hostset_count(const sl_hostset_t *set);
/* Remove the first host and return it (malloc'd: free()), NULL at the
 * end. */
char *sl_hostset_shift(sl_hostset_t *set);
/* Add one host name; 0, or -1 on failure. */
int sl_hostset_push(sl_hostset_t *set, const char *host);
/* The set as one ranged host expression ("n[01-04],gpu1"), malloc'd
 * (free()), NULL on allocation failure. Sorts the set first. */
char *sl_hostset_ranged(sl_hostset_t *set);

#endif
