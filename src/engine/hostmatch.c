/*
 * Host expressions through libslurm's hostlist API, so that host() matches
 * exactly as Slurm does (zero-padding widths, ranges, lists).
 *
 * Slurm 22.05 declares `typedef struct hostlist *hostlist_t` and functions
 * taking hostlist_t; 23.11 made hostlist_t the struct and the functions
 * take `hostlist_t *`. Taking the handle type from what
 * slurm_hostlist_create() returns builds against both.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <slurm/slurm.h>

#include "hostmatch.h"

typedef __typeof__(slurm_hostlist_create("")) sl_hl_handle_t;

struct sl_hostset {
	sl_hl_handle_t hl;
};

/*
 * Expressions libslurm 22.05 cannot be trusted with (found by fuzzing,
 * tests/fuzz/regressions/libslurm-*):
 *  - a number >= 2^64-1 in a multi-bracket expression makes
 *    slurm_hostlist_create() loop forever, allocating:
 *    "n[18446744073709551615]n[0]";
 *  - a multi-bracket expression is expanded into one string per
 *    combination of all brackets but the last: "a[0-9999]b[0-9999]c[0-9]"
 *    (10^8 combinations) takes minutes and > 4 GB.
 * Refuse numbers of more than 18 digits anywhere, and host words whose
 * brackets but the last give more than SL_HOST_MAX_PREFIXES combinations
 * (10^5: ~50 ms in libslurm; r[0000-9999]n[00-99] has 10^4). Counting is
 * conservative: whatever is not a number or a range counts as one item.
 */
#define SL_HOST_MAX_PREFIXES 100000

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return (b && a > UINT64_MAX / b) ? UINT64_MAX : a * b;
}

/* NULL, or why libslurm must not be given this expression. */
static const char *too_costly_for_slurm(const char *s)
{
	uint64_t prefixes = 1, last = 1;   /* of the current host word */
	uint64_t count = 0, lo = 0, cur = 0;   /* of the current bracket */
	unsigned digits = 0;
	bool in_bracket = false, range = false;

	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			if (++digits > 18)
				return "a number of more than 18 digits";
			cur = cur * 10 + (uint64_t)(*s - '0');
			continue;
		}
		digits = 0;
		if (!in_bracket) {
			if (*s == ',')
				prefixes = last = 1;
			in_bracket = *s == '[';
			count = cur = 0;
			range = false;
			continue;
		}
		if (*s == '-' && !range) {
			lo = cur;
			cur = 0;
			range = true;
		} else if (*s == ',' || *s == ']') {
			uint64_t k = range && cur > lo ? cur - lo + 1 : 1;

			count = count + k < count ? UINT64_MAX : count + k;
			cur = 0;
			range = false;
			if (*s == ']') {
				in_bracket = false;
				prefixes = sat_mul(prefixes, last);
				last = count;
				if (prefixes > SL_HOST_MAX_PREFIXES)
					return "more than 100000 combinations of its brackets before the last, which libslurm would expand one by one (use fewer brackets, or several host() terms)";
			}
		}
	}
	return false;
}

sl_hostset_t *sl_hostset_create(const char *expr, const char **why)
{
	static const char unparsable[] = "Slurm cannot parse it";
	sl_hostset_t *set;
	sl_hl_handle_t hl;
	const char *dummy;

	if (!why)
		why = &dummy;
	*why = unparsable;
	if (!expr || !*expr)
		return NULL;
	if ((*why = too_costly_for_slurm(expr)) != NULL)
		return NULL;
	*why = unparsable;
	hl = slurm_hostlist_create(expr);
	if (!hl)
		return NULL;
	if (slurm_hostlist_count(hl) <= 0) {
		slurm_hostlist_destroy(hl);
		return NULL;
	}
	set = malloc(sizeof(*set));
	if (!set) {
		*why = "out of memory";
		slurm_hostlist_destroy(hl);
		return NULL;
	}
	set->hl = hl;
	return set;
}

bool sl_hostset_contains(const sl_hostset_t *set, const char *host)
{
	if (!set || !host || !*host)
		return false;
	/* find() takes a non-const handle; it only reads (under the
	 * hostlist's own lock). */
	return slurm_hostlist_find(set->hl, host) >= 0;
}

#if defined(__SANITIZE_ADDRESS__)
#define SL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SL_ASAN 1
#endif
#endif
#ifdef SL_ASAN
/*
 * Sanitizer builds (tests) only: libslurm 22.05 leaks a few bytes each time
 * it rejects an expression (e.g. "a[3-1]"). Not ours to fix; tell
 * LeakSanitizer so that every test binary linking the engine stays clean.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:slurm_hostlist_create\n";
}
#endif

void sl_hostset_destroy(sl_hostset_t *set)
{
	if (!set)
		return;
	slurm_hostlist_destroy(set->hl);
	free(set);
}

sl_hostset_t *sl_hostset_new(void)
{
	sl_hostset_t *set = malloc(sizeof(*set));

	if (!set)
		return NULL;
	set->hl = slurm_hostlist_create(NULL);
	if (!set->hl) {
		free(set);
		return NULL;
	}
	return set;
}

int sl_hostset_count(const sl_hostset_t *set)
{
	return set ? slurm_hostlist_count(set->hl) : 0;
}

char *sl_hostset_shift(sl_hostset_t *set)
{
	return set ? slurm_hostlist_shift(set->hl) : NULL;
}

int sl_hostset_push(sl_hostset_t *set, const char *host)
{
	if (!set || !host || !*host)
		return -1;
	return slurm_hostlist_push_host(set->hl, host) > 0 ? 0 : -1;
}

char *sl_hostset_ranged(sl_hostset_t *set)
{
	if (!set)
		return NULL;
	slurm_hostlist_uniq(set->hl);
	/* slurm_hostlist_ranged_string_malloc() is gone in 24.11 (only
	 * _xmalloc, whose result needs Slurm's xfree): fill a buffer of our
	 * own, doubled until the text fits (the call returns -1 when cut). */
	for (size_t size = 256; size <= ((size_t)1 << 30); size *= 2) {
		char *buf = malloc(size);
		if (!buf)
			return NULL;
		if (slurm_hostlist_ranged_string(set->hl, size, buf) >= 0 &&
		    memchr(buf, '\0', size))
			return buf;
		free(buf);
	}
	return NULL;
}
