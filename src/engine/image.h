/*
 * A rule set bound to one node, as a flat byte image, and back.
 *
 * Every slurmstepd is a fresh process, so a step compiles its rules cold:
 * 35-45 us for a 4-term string on the test machine (about what loading
 * an image costs), but 6 ms for 10,000 terms and 7 ms of a step for a
 * million hosts in libslurm's hostlist (BENCHMARKS.md). The image holds what evaluation
 * needs -- the terms, their names and normalised text, and whether each
 * host() condition holds on the node, so no hostlist is made again -- and
 * loading it is a bounded copy.
 *
 * The image is trusted no more than any file: sl_image_load() checks every
 * count, offset, string and enum against the buffer and the engine's own
 * invariants, and refuses the image (NULL, with the reason) rather than
 * hand the evaluator something a compile could not have produced. `key`
 * is the caller's name for what the rules were compiled from (the plugin:
 * a hash of the rule text and of the build): an image made from other
 * rules or for another node is refused. Pure C, no I/O.
 */
#ifndef SWAPLIMIT_IMAGE_H
#define SWAPLIMIT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "rules.h"

/* Bumped whenever the layout or the meaning of a field changes. */
#define SL_IMAGE_FORMAT 1

/* The image of `bound` (made by sl_rules_bind() for `node`) into a
 * malloc'ed *out of *outlen bytes. 0, or -1 (out of memory). */
int sl_image_build(const sl_bound_t *bound, const char *node, uint64_t key,
		   unsigned char **out, size_t *outlen);

/* The rules and their binding back from an image made for `node` with
 * `key`. Both are freed as usual (sl_bound_free, then sl_rules_free); rules
 * with host() conditions cannot be bound again (sl_rules_bind returns
 * NULL: their answers are the image's node's).
 * NULL with a reason in why[] when the image is not one of ours, is stale
 * (other key, node or format) or is inconsistent. */
sl_bound_t *sl_image_load(const unsigned char *buf, size_t len,
			  const char *node, uint64_t key, sl_rules_t **rules,
			  char *why, size_t whylen);

/* FNV-1a, 64 bits, continued from h (start with SL_HASH_INIT): a key for
 * the image, not a defence against anyone (the image's directory is
 * root's). */
#define SL_HASH_INIT 0xcbf29ce484222325ULL
uint64_t sl_hash64(uint64_t h, const void *data, size_t len);

#endif
