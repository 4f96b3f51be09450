/*
 * Private to the rule engine: the compiled form of a rule set, shared by
 * the parser (parse.c), the evaluator (eval.c), the number/size helpers
 * (size.c), the inspector (inspect.c) and the image (image.c). Nothing
 * outside src/engine/ includes this.
 */
#ifndef SWAPLIMIT_ENGINE_IMPL_H
#define SWAPLIMIT_ENGINE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostmatch.h"
#include "inspect.h"
#include "rules.h"

/*
 * An exact decimal: value = mant / 10^scale. Trailing zeros of the
 * fraction are dropped when parsing, so scale counts significant decimals.
 */
#define SL_DEC_MAX_SCALE 9

typedef struct {
	uint64_t mant;
	unsigned scale;
} sl_dec_t;

enum sl_dec_status {
	SL_DEC_OK = 0,
	SL_DEC_NONE,            /* no digit at the start */
	SL_DEC_NO_FRACTION,     /* "1." with no digit after the point */
	SL_DEC_TOO_LARGE,       /* does not fit the mantissa */
	SL_DEC_TOO_PRECISE,     /* more than SL_DEC_MAX_SCALE decimals */
};

/* Parse [0-9]+(.[0-9]+)? at s (at most len bytes); *used = bytes taken
 * (also on error, up to the end of the digits). */
enum sl_dec_status sl_dec_parse(const char *s, size_t len, size_t *used,
				sl_dec_t *out);

/* 10^n for n <= 19. */
uint64_t sl_pow10(unsigned n);

/* A unit of size: canonical name and bytes. */
typedef struct {
	const char *name;       /* "B", "KiB", ... */
	uint64_t bytes;
} sl_unit_t;

/* Look a unit word up, case-insensitively ("k", "KIB", "gib").
 * NULL when unknown. *ambiguous is set for KB/MB/GB/TB/PB, and then
 * *hint names the fix ("MiB or M"). */
const sl_unit_t *sl_unit_lookup(const char *word, size_t len, bool *ambiguous,
				const char **hint);

/* The list of accepted units, for messages. */
#define SL_UNIT_LIST "B, K, KiB, M, MiB, G, GiB, T, TiB, P, PiB"

/*
 * floor(num * count / den), saturated to UINT64_MAX (*saturated set).
 * den must be non-zero and below 2^64; num may be anything.
 */
uint64_t sl_muldiv_sat(unsigned __int128 num, uint64_t count, uint64_t den,
		       bool *saturated);

/*
 * floor((num / numden) * n / d), saturated to UINT64_MAX (*saturated set),
 * computed exactly (one rounding): an amount num/numden (bytes, e.g.
 * mant * unit / 10^scale) times a share n/d. Needs n <= d (a share is
 * capped at 1 by the caller), d > 0, 0 < numden < 2^63.
 */
uint64_t sl_share_sat(unsigned __int128 num, uint64_t numden, uint64_t n,
		      uint64_t d, bool *saturated);

/*
 * A bounded, never-allocating string appender. len counts what would have
 * been written; the buffer always stays NUL-terminated (truncating).
 */
typedef struct {
	char *buf;
	size_t size;
	size_t len;
} sl_out_t;

void sl_out_init(sl_out_t *o, char *buf, size_t size);
void sl_out_mem(sl_out_t *o, const char *s, size_t n);
void sl_out_str(sl_out_t *o, const char *s);
void sl_out_u64(sl_out_t *o, uint64_t v);
void sl_out_dec(sl_out_t *o, sl_dec_t d);     /* "1.25", "50" */
void sl_out_size(sl_out_t *o, uint64_t bytes); /* as sl_size_format() */
void sl_out_size_finite(sl_out_t *o, uint64_t bytes); /* never "unlimited" */

/* ---- compiled rules ---- */

enum sl_cond_kind {
	SL_COND_DEFAULT,
	SL_COND_HOST,
	SL_COND_PARTITION,
	SL_COND_USER,
	SL_COND_GROUP,
	SL_COND_ACCOUNT,
};

struct sl_cond {
	enum sl_cond_kind kind;
	char **names;            /* NAMES conditions */
	size_t nnames;
	size_t host_index;       /* SL_COND_HOST: index into rules->hosts */
	size_t id_base;          /* SL_COND_USER/GROUP: index of names[0] in
				  * the bound's ids (sl_bound_resolve_ids) */
};

enum sl_amount_kind {
	SL_AMOUNT_SIZE,          /* bytes = dec * unit */
	SL_AMOUNT_PCT_SWAP,      /* dec % of the node's swap */
	SL_AMOUNT_PCT_MEM,       /* dec % of the job's RAM limit */
};

struct sl_amount {
	enum sl_amount_kind kind;
	sl_dec_t dec;
	const sl_unit_t *unit;   /* SL_AMOUNT_SIZE */
};

enum sl_per {
	SL_PER_NODE = 0,
	SL_PER_TASK,
	SL_PER_CPU,
	SL_PER_MEMSHARE,         /* x the RAM figure / the node's RAM (<= 1) */
	SL_PER_CPUSHARE,         /* x the CPUs / the node's CPUs (<= 1) */
};

struct sl_term {
	struct sl_cond *conds;
	size_t nconds;
	bool has_min, has_max;
	struct sl_amount min_swap, max_swap;
	bool none;               /* limit `none` */
	bool gres;               /* limit `gres`: the job's swap GRES on the
				  * node, in bytes (facts gres_bytes) */
	struct sl_amount amount; /* when !none */
	enum sl_per per;
	bool catch_all;          /* every condition is default() */
	char *text;              /* normalised */
};

/* The limit of one term for the facts, its conditions not consulted (the
 * evaluator's arithmetic; also what swaplimit check asks per job shape).
 * Allocates nothing. out->term, when set, numbers the term in an
 * undecidable why. *by (if not NULL) says what set the value. */
void sl_term_limit(const struct sl_term *t, const sl_facts_t *f,
		   sl_result_t *out, sl_limit_by_t *by);

struct sl_rules {
	struct sl_term *terms;
	size_t nterms;
	sl_hostset_t **hosts;    /* one per host() condition, in order */
	size_t nhosts;
	char **warnings;
	size_t nwarnings;
	size_t nids;             /* names in user() and group() conditions */
};

/* A user() or group() name resolved to its id once per node. */
struct sl_id {
	uint32_t id;
	signed char state;       /* 1 resolved, 0 no such name, -1 failed */
};

struct sl_bound {
	const struct sl_rules *rules;
	struct sl_id *ids;       /* rules->nids, or NULL: compare names */
	bool host_match[];       /* one per rules->hosts */
};

#endif
