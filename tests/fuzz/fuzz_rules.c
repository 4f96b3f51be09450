/*
 * libFuzzer target over the rule engine: sl_rules_compile (inline and
 * file mode), sl_rules_bind with node names taken from the input, sl_eval
 * with facts taken from the input and edge values (0, 2^63, 2^64-1 ...),
 * plus every accessor (term text, warnings, error formatting).
 *
 * The whole input is the rule text, so the seed corpus is readable rule
 * strings. Facts and node names are derived from the input itself (its
 * words and its first host() argument), so the fuzzer reaches matching
 * terms without a binary header.
 *
 * Besides the sanitizers' findings it checks the engine's contracts and
 * aborts on a violation (see fz_fail calls): positioned errors, NUL-
 * terminated messages, first-match/term consistency, determinism, the
 * normalised text recompiling to itself, '#' only mattering in file mode,
 * and (under ASan) that sl_eval allocates nothing; and that the rules
 * image (image.h) of every bound set decides exactly as the set, while a
 * damaged copy of it is refused or loads into something that evaluates.
 *
 * tests/unit/test_fuzz_regressions.c includes this file with
 * SL_FUZZ_NO_MAIN defined and replays the corpus and regressions through
 * sl_fuzz_one().
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "image.h"
#include "rules.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SL_FUZZ_ASAN 1
#endif
#endif
#if !defined(SL_FUZZ_ASAN) && defined(__SANITIZE_ADDRESS__)
#define SL_FUZZ_ASAN 1
#endif

#ifdef SL_FUZZ_ASAN
/* From <sanitizer/allocator_interface.h> (clang, gcc's libasan has it too
 * but gcc ships no header). */
int __sanitizer_install_malloc_and_free_hooks(
	void (*malloc_hook)(const volatile void *, size_t),
	void (*free_hook)(const volatile void *));
#endif

/* How a contract violation is reported: abort() for libFuzzer (a crash
 * with the input saved), overridable by the includer (cmocka). */
#ifndef SL_FUZZ_FAIL
#define SL_FUZZ_FAIL(msg) do { fprintf(stderr, "fuzz_rules: %s\n", msg); abort(); } while (0)
#endif

static void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fz_fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	SL_FUZZ_FAIL(msg);
}

/* ---- allocation counting around sl_eval (ASan builds only) ---- */

static volatile int fz_count_allocs;
static volatile unsigned long fz_allocs;

#ifdef SL_FUZZ_ASAN
static void fz_malloc_hook(const volatile void *p, size_t n)
{
	(void)p; (void)n;
	if (fz_count_allocs)
		fz_allocs++;
}
static void fz_free_hook(const volatile void *p)
{
	(void)p;
}
static void fz_install_hooks(void)
{
	static int done;
	if (!done) {
		done = 1;
		__sanitizer_install_malloc_and_free_hooks(fz_malloc_hook, fz_free_hook);
	}
}
#else
static void fz_install_hooks(void) {}
#endif

/*
 * libslurm 22.05 leaks a few bytes on every host expression it rejects;
 * src/engine/hostmatch.c tells LeakSanitizer to ignore leaks under
 * slurm_hostlist_create. That would also hide a hostlist the engine never
 * destroys, so the fuzz build (SL_FUZZ_WRAP_HOSTLIST, -Wl,--wrap) counts
 * live hostlists itself and fails when one outlives its input.
 */
static long fz_live_hostlists;

#ifdef SL_FUZZ_WRAP_HOSTLIST
#include <slurm/slurm.h>
typedef __typeof__(slurm_hostlist_create("")) fz_hl_t;
fz_hl_t __real_slurm_hostlist_create(const char *hostlist);
void __real_slurm_hostlist_destroy(fz_hl_t hl);
fz_hl_t __wrap_slurm_hostlist_create(const char *hostlist);
void __wrap_slurm_hostlist_destroy(fz_hl_t hl);

fz_hl_t __wrap_slurm_hostlist_create(const char *hostlist)
{
	fz_hl_t hl = __real_slurm_hostlist_create(hostlist);
	if (hl)
		fz_live_hostlists++;
	return hl;
}

void __wrap_slurm_hostlist_destroy(fz_hl_t hl)
{
	if (hl)
		fz_live_hostlists--;
	__real_slurm_hostlist_destroy(hl);
}
#endif

/* ---- deriving facts from the input ---- */

static uint64_t fz_hash(const uint8_t *d, size_t n)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= d[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static uint64_t fz_mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);   /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static const uint64_t fz_edges[] = {
	0, 1, 2, 3, 4, 7, 64, 1000, 100000,
	1048576, 262144000, 4294967295ULL, 4294967296ULL,
	1ULL << 40, 1ULL << 53, 1ULL << 62,
	(1ULL << 63) - 1, 1ULL << 63, (1ULL << 63) + 1,
	UINT64_MAX - 1, UINT64_MAX,
};
#define FZ_NEDGES (sizeof fz_edges / sizeof fz_edges[0])

#define FZ_MAXWORDS 16
#define FZ_WORDLEN 64

typedef struct {
	char words[FZ_MAXWORDS][FZ_WORDLEN];
	size_t nwords;
	char host_first[FZ_WORDLEN];
	char host_last[FZ_WORDLEN];
} fz_names_t;

static bool fz_wordch(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* Expand the first host of a host expression, taking the first (last=false)
 * or the last number of each bracket: "r[00,01]n[00-56],x" -> r00n00 /
 * r01n56. Approximate on purpose; the engine (libslurm) decides. */
static void fz_expand_host(const uint8_t *a, size_t n, bool last, char *out)
{
	size_t o = 0, i = 0;
	while (i < n && a[i] != ',' && a[i] != ')' && o + 1 < FZ_WORDLEN) {
		if (a[i] == '[') {
			size_t j = i + 1, s = j, e = j;
			size_t end = j;
			while (end < n && a[end] != ']')
				end++;
			/* first number: from '[' to first of - , ] */
			if (!last) {
				while (e < end && a[e] != '-' && a[e] != ',')
					e++;
			} else {
				s = end;
				while (s > j && a[s - 1] != '-' && a[s - 1] != ',')
					s--;
				e = end;
			}
			for (size_t k = s; k < e && o + 1 < FZ_WORDLEN; k++)
				out[o++] = (char)a[k];
			i = end < n ? end + 1 : n;
			continue;
		}
		out[o++] = (char)a[i++];
	}
	out[o] = '\0';
}

static void fz_names(const uint8_t *d, size_t n, fz_names_t *nm)
{
	memset(nm, 0, sizeof *nm);
	for (size_t i = 0; i < n && nm->nwords < FZ_MAXWORDS;) {
		if (!fz_wordch(d[i])) {
			i++;
			continue;
		}
		size_t s = i;
		while (i < n && fz_wordch(d[i]))
			i++;
		size_t len = i - s;
		if (len >= FZ_WORDLEN)
			len = FZ_WORDLEN - 1;
		memcpy(nm->words[nm->nwords], d + s, len);
		nm->words[nm->nwords][len] = '\0';
		nm->nwords++;
	}
	for (size_t i = 0; i + 5 <= n; i++) {
		if (strncasecmp((const char *)d + i, "host(", 5) == 0) {
			fz_expand_host(d + i + 5, n - i - 5, false, nm->host_first);
			fz_expand_host(d + i + 5, n - i - 5, true, nm->host_last);
			break;
		}
	}
}

static const char *fz_word(const fz_names_t *nm, uint64_t r)
{
	if (nm->nwords == 0 || (r & 7) == 0)
		return NULL;
	return nm->words[(r >> 3) % nm->nwords];
}

/* ---- checks ---- */

static void fz_check_str(const char *s, size_t max, const char *what)
{
	if (s == NULL)
		fz_fail("%s is NULL", what);
	if (strnlen(s, max) >= max)
		fz_fail("%s is not NUL-terminated within %zu bytes", what, max);
}

static void fz_check_error(const sl_error_t *err, const char *source)
{
	fz_check_str(err->source, sizeof err->source, "err.source");
	fz_check_str(err->message, sizeof err->message, "err.message");
	if (err->message[0] == '\0')
		fz_fail("empty error message");
	if (err->line < 1 || err->col < 1)
		fz_fail("error position %u:%u is not 1-based (%s)", err->line, err->col,
			err->message);
	if (strncmp(err->source, source, sizeof err->source - 1) != 0)
		fz_fail("err.source '%s' is not the source given", err->source);
	/* Format into exact-size heap buffers so ASan sees any overflow. */
	static const size_t sizes[] = { 1, 2, 7, 16, 64, 600 };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		char *buf = malloc(sizes[k]);
		if (!buf)
			abort();
		memset(buf, 'x', sizes[k]);
		sl_error_format(err, buf, sizes[k]);
		if (strnlen(buf, sizes[k]) >= sizes[k])
			fz_fail("sl_error_format did not NUL-terminate a %zu-byte buffer", sizes[k]);
		free(buf);
	}
	char full[SL_MSG_MAX + 256];
	sl_error_format(err, full, sizeof full);
	if (strstr(full, err->message) == NULL && strlen(full) + 1 < sizeof full)
		fz_fail("formatted error '%s' lacks the message", full);
}

static void fz_check_rules(const sl_rules_t *r)
{
	size_t n = sl_rules_count(r);
	if (n == 0)
		fz_fail("a compiled rule set has no terms");
	for (size_t i = 0; i < n; i++) {
		const char *t = sl_rules_term_text(r, i);
		if (t == NULL || t[0] == '\0')
			fz_fail("term %zu has no text", i + 1);
		(void)strlen(t);
	}
	size_t nw = sl_rules_warning_count(r);
	for (size_t i = 0; i < nw; i++) {
		const char *w = sl_rules_warning(r, i);
		if (w == NULL || w[0] == '\0')
			fz_fail("warning %zu is empty", i + 1);
		(void)strlen(w);
	}
	if (sl_rules_warning(r, nw) != NULL)
		fz_fail("sl_rules_warning(%zu) past the end is not NULL", nw);
}

static bool fz_same_terms(const sl_rules_t *a, const sl_rules_t *b)
{
	size_t n = sl_rules_count(a);
	if (n != sl_rules_count(b))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(sl_rules_term_text(a, i), sl_rules_term_text(b, i)) != 0)
			return false;
	return true;
}

/* The normalised text (terms joined by ',') must compile to itself: it is
 * what `swaplimit check` prints for an administrator to copy. */
static void fz_check_roundtrip(const sl_rules_t *r)
{
	size_t n = sl_rules_count(r), len = 0;
	for (size_t i = 0; i < n; i++)
		len += strlen(sl_rules_term_text(r, i)) + 1;
	char *text = malloc(len + 1);
	if (!text)
		abort();
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(sl_rules_term_text(r, i));
		if (i)
			text[o++] = ',';
		memcpy(text + o, sl_rules_term_text(r, i), l);
		o += l;
	}
	sl_error_t err;
	memset(&err, 0, sizeof err);
	sl_rules_t *r2 = sl_rules_compile(text, o, "normalised", false, &err);
	if (r2 == NULL) {
		char buf[SL_MSG_MAX + 200];
		sl_error_format(&err, buf, sizeof buf);
		fprintf(stderr, "normalised text: %.*s\n", (int)(o > 2000 ? 2000 : o), text);
		fz_fail("normalised rules do not compile: %s", buf);
	}
	if (!fz_same_terms(r, r2)) {
		for (size_t i = 0; i < n && i < sl_rules_count(r2); i++)
			if (strcmp(sl_rules_term_text(r, i), sl_rules_term_text(r2, i)) != 0) {
				fprintf(stderr, "term %zu: '%s' -> '%s'\n", i + 1,
					sl_rules_term_text(r, i), sl_rules_term_text(r2, i));
				break;
			}
		fz_fail("normalised rules are not a fixed point (%zu vs %zu terms)", n,
			sl_rules_count(r2));
	}
	sl_rules_free(r2);
	free(text);
}

static uint64_t fz_grow(uint64_t x)
{
	uint64_t y = x + (x >> 1) + 1;
	return y < x ? UINT64_MAX : y;
}

static void fz_eval_one(const sl_rules_t *r, const sl_bound_t *b, const sl_facts_t *f,
			bool check_node_cap)
{
	sl_result_t res, res2;
	memset(&res, 0xa5, sizeof res);
	fz_allocs = 0;
	fz_count_allocs = 1;
	sl_eval(b, f, &res);
	fz_count_allocs = 0;
	if (fz_allocs != 0)
		fz_fail("sl_eval allocated %lu times", (unsigned long)fz_allocs);

	size_t n = sl_rules_count(r);
	fz_check_str(res.why, sizeof res.why, "result.why");
	switch (res.outcome) {
	case SL_NO_MATCH:
		if (res.term != 0)
			fz_fail("no match but term %zu", res.term);
		if (sl_result_term_text(b, &res) != NULL)
			fz_fail("no match but a term text");
		if (res.swap_bytes != 0)
			fz_fail("no match but swap_bytes %llu", (unsigned long long)res.swap_bytes);
		break;
	case SL_UNLIMITED:
	case SL_LIMITED:
		if (res.term < 1 || res.term > n)
			fz_fail("matched term %zu out of 1..%zu", res.term, n);
		{
			const char *t = sl_result_term_text(b, &res);
			if (t == NULL || strcmp(t, sl_rules_term_text(r, res.term - 1)) != 0)
				fz_fail("sl_result_term_text disagrees with term %zu", res.term);
		}
		if (res.outcome == SL_UNLIMITED && res.swap_bytes != SL_UNLIMITED_BYTES)
			fz_fail("unlimited but swap_bytes %llu", (unsigned long long)res.swap_bytes);
		if (res.outcome == SL_LIMITED && check_node_cap &&
		    res.swap_bytes > f->node_swap_bytes)
			fz_fail("allowance %llu exceeds node swap %llu (term %zu: %s)",
				(unsigned long long)res.swap_bytes,
				(unsigned long long)f->node_swap_bytes, res.term,
				sl_rules_term_text(r, res.term - 1));
		break;
	case SL_UNDECIDABLE:
		/* a fact the term needs is unknown (partition, account, GRES,
		 * a share's node figure): the term is named, the why says so */
		if (res.term < 1 || res.term > n)
			fz_fail("undecidable term %zu out of 1..%zu", res.term, n);
		if (!strstr(res.why, "cannot be decided"))
			fz_fail("undecidable but the why says '%s'", res.why);
		break;
	default:
		fz_fail("outcome %d out of range", (int)res.outcome);
	}

	if (res.outcome != SL_NO_MATCH && res.why[0] == '\0')
		fz_fail("term %zu matched with an empty explanation", res.term);

	memset(&res2, 0x5a, sizeof res2);
	sl_eval(b, f, &res2);
	if (res2.outcome != res.outcome || res2.term != res.term ||
	    (res.outcome == SL_LIMITED && res2.swap_bytes != res.swap_bytes) ||
	    strcmp(res.why, res2.why) != 0)
		fz_fail("sl_eval is not deterministic");

	/* Monotonic: the allowance is clamp(amount, min_swap, min(max_swap,
	 * node swap)), each non-decreasing in cpus, tasks, RAM and node swap;
	 * which term matches does not depend on them. More of every fact
	 * never gives less swap. */
	sl_facts_t g = *f;
	g.cpus = fz_grow(g.cpus);
	g.tasks = fz_grow(g.tasks);
	g.mem_bytes = fz_grow(g.mem_bytes);
	g.node_swap_bytes = fz_grow(g.node_swap_bytes);
	sl_eval(b, &g, &res2);
	if (res2.term != res.term || res2.outcome != res.outcome)
		fz_fail("the matching term changed with the numeric facts (%zu -> %zu)",
			res.term, res2.term);
	if (res.outcome == SL_LIMITED && res2.swap_bytes < res.swap_bytes)
		fz_fail("not monotonic: cpus %llu->%llu tasks %llu->%llu mem %llu->%llu "
			"swap %llu->%llu gives %llu -> %llu bytes (term %zu: %s)",
			(unsigned long long)f->cpus, (unsigned long long)g.cpus,
			(unsigned long long)f->tasks, (unsigned long long)g.tasks,
			(unsigned long long)f->mem_bytes, (unsigned long long)g.mem_bytes,
			(unsigned long long)f->node_swap_bytes,
			(unsigned long long)g.node_swap_bytes,
			(unsigned long long)res.swap_bytes, (unsigned long long)res2.swap_bytes,
			res.term, sl_rules_term_text(r, res.term - 1));
}

/* The image of b, loaded back (NULL: node NULL, no image). A copy with
 * one byte changed (chosen by the seed) must be refused or load whole. */
static sl_bound_t *fz_image(const sl_bound_t *b, const char *node,
			    uint64_t seed, sl_rules_t **ir)
{
	unsigned char *img;
	size_t len;
	char why[128];
	sl_bound_t *ib;

	*ir = NULL;
	if (!node)
		return NULL;
	if (sl_image_build(b, node, seed, &img, &len) != 0)
		fz_fail("sl_image_build failed for node '%s'", node);
	ib = sl_image_load(img, len, node, seed, ir, why, sizeof why);
	if (!ib)
		fz_fail("the image of a bound rule set did not load: %s", why);
	{
		sl_rules_t *dr = NULL;
		sl_bound_t *db;
		sl_facts_t f;
		sl_result_t res;

		img[seed % len] ^= (unsigned char)(1u << (seed >> 8) % 8);
		db = sl_image_load(img, len, node, seed, &dr, why, sizeof why);
		if (db) {
			memset(&f, 0, sizeof f);
			f.cpus = 4; f.tasks = 2; f.mem_bytes = 4ULL << 30;
			f.node_swap_bytes = 64ULL << 30;
			sl_eval(db, &f, &res);
			fz_check_str(res.why, sizeof res.why, "damaged image why");
		} else if (dr) {
			fz_fail("a refused image returned rules");
		}
		sl_bound_free(db);
		sl_rules_free(dr);
	}
	free(img);
	return ib;
}

static void fz_same_eval(const sl_bound_t *b, const sl_bound_t *ib,
			 const sl_facts_t *f)
{
	sl_result_t a, c;

	if (!ib)
		return;
	sl_eval(b, f, &a);
	sl_eval(ib, f, &c);
	if (a.outcome != c.outcome || a.term != c.term ||
	    a.swap_bytes != c.swap_bytes || strcmp(a.why, c.why) != 0)
		fz_fail("image decides otherwise: term %zu/%zu bytes %llu/%llu "
			"why '%s' / '%s'", a.term, c.term,
			(unsigned long long)a.swap_bytes,
			(unsigned long long)c.swap_bytes, a.why, c.why);
}

static void fz_exercise(const sl_rules_t *r, const uint8_t *d, size_t n, uint64_t seed)
{
	fz_names_t nm;
	fz_names(d, n, &nm);

	/* A finite allowance never exceeds the node's swap (issue 2: max_swap
	 * defaults to the node's total; rules.h/eval.c: min_swap does not
	 * lift it above either). */
	bool capped = true;

	const char *nodes[5];
	size_t nnodes = 0;
	if (nm.host_first[0])
		nodes[nnodes++] = nm.host_first;
	if (nm.host_last[0] && strcmp(nm.host_last, nm.host_first) != 0)
		nodes[nnodes++] = nm.host_last;
	{
		uint64_t s = seed;
		const char *w = fz_word(&nm, fz_mix(&s) | 1);
		nodes[nnodes++] = w ? w : "";
	}

	/* A NULL node matches no host() condition. */
	nodes[nnodes++] = NULL;

	for (size_t k = 0; k < nnodes; k++) {
		sl_bound_t *b = sl_rules_bind(r, nodes[k]);
		if (b == NULL)
			fz_fail("sl_rules_bind returned NULL for node '%s'",
				nodes[k] ? nodes[k] : "(null)");

		uint64_t s = seed ^ (k * 0x1234567ULL);
		sl_rules_t *ir;
		sl_bound_t *ib = fz_image(b, nodes[k], s, &ir);
		const char *groups[3];
		for (int round = 0; round < 12; round++) {
			sl_facts_t f;
			memset(&f, 0, sizeof f);
			f.partition = fz_word(&nm, fz_mix(&s));
			f.user = fz_word(&nm, fz_mix(&s));
			f.account = fz_word(&nm, fz_mix(&s));
			size_t ng = fz_mix(&s) % 4;
			for (size_t g = 0; g < ng; g++) {
				const char *w = fz_word(&nm, fz_mix(&s) | 1);
				groups[g] = w ? w : "";
			}
			f.groups = ng ? groups : NULL;
			f.ngroups = ng;
			switch (round) {
			case 0:   /* an ordinary job */
				f.cpus = 4; f.tasks = 2; f.mem_bytes = 4ULL << 30;
				f.node_swap_bytes = 64ULL << 30;
				break;
			case 1:   /* all zero */
				break;
			case 2:   /* all maximal */
				f.cpus = f.tasks = f.mem_bytes = f.node_swap_bytes = UINT64_MAX;
				break;
			case 3:   /* no RAM limit, huge node */
				f.cpus = 100000; f.tasks = 1; f.mem_bytes = SL_UNLIMITED_BYTES;
				f.node_swap_bytes = 1ULL << 63;
				break;
			case 4:   /* no swap on the node */
				f.cpus = 1; f.tasks = 1; f.mem_bytes = 1ULL << 30;
				f.node_swap_bytes = 0;
				break;
			case 5:
				f.cpus = 1ULL << 63; f.tasks = (1ULL << 63) + 1;
				f.mem_bytes = (1ULL << 63) - 1; f.node_swap_bytes = UINT64_MAX - 1;
				break;
			default:  /* edge values chosen by the input's hash */
				f.cpus = fz_edges[fz_mix(&s) % FZ_NEDGES];
				f.tasks = fz_edges[fz_mix(&s) % FZ_NEDGES];
				f.mem_bytes = fz_edges[fz_mix(&s) % FZ_NEDGES];
				f.node_swap_bytes = fz_edges[fz_mix(&s) % FZ_NEDGES];
				if (round == 11) {
					f.cpus = fz_mix(&s);
					f.mem_bytes = fz_mix(&s);
				}
				break;
			}
			fz_eval_one(r, b, &f, capped);
			fz_same_eval(b, ib, &f);
		}
		sl_bound_free(ib);
		sl_rules_free(ir);
		sl_bound_free(b);
	}
}

static sl_rules_t *fz_compile(const uint8_t *d, size_t n, bool comments, const char *source,
			      sl_error_t *err)
{
	memset(err, 0xcc, sizeof *err);
	/* An exact-size heap copy: ASan catches reads past `len`. */
	char *copy = malloc(n ? n : 1);
	if (!copy)
		abort();
	if (n)
		memcpy(copy, d, n);
	sl_rules_t *r = sl_rules_compile(copy, n, source, comments, err);
	free(copy);   /* the rule set must not point into the text */
	if (r == NULL)
		fz_check_error(err, source);
	else
		fz_check_rules(r);
	return r;
}

/*
 * libslurm 22.05 expands a multi-bracket host expression into one string
 * per combination of all its brackets but the last. The engine refuses
 * more than 10^5 combinations (src/engine/hostmatch.c, after the fuzzer
 * found "n[18446744073709551615]n[0]" looping forever and
 * "a[0-9999]b[0-9999]c[0-9]" taking > 4 GB); below that libslurm takes
 * ~50 ms, but under ASan its realloc pattern turns 2*10^4 combinations
 * into > 10 s, a fuzzer timeout that is not a bug. With
 * -DSL_FUZZ_SKIP_SLOW_HOSTLISTS such inputs (more than FZ_MAX_PREFIXES
 * but at most the engine's 10^5) are skipped.
 */
#define FZ_MAX_PREFIXES 2000
#define FZ_ENGINE_MAX_PREFIXES 100000

#ifdef SL_FUZZ_SKIP_SLOW_HOSTLISTS
static uint64_t fz_sat_mul(uint64_t a, uint64_t b)
{
	return (b && a > UINT64_MAX / b) ? UINT64_MAX : a * b;
}
#endif

static bool fz_slow_hostlist(const uint8_t *d, size_t n)
{
#ifdef SL_FUZZ_SKIP_SLOW_HOSTLISTS
	/* The engine's count (hostmatch.c), over the whole rule text: words
	 * also end at the rule language's own punctuation. */
	uint64_t prefixes = 1, last = 1, count = 0, lo = 0, cur = 0;
	bool in_bracket = false, range = false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = d[i];
		if (c >= '0' && c <= '9') {
			cur = cur > UINT64_MAX / 16 ? UINT64_MAX / 16 : cur * 10 + (uint64_t)(c - '0');
			continue;
		}
		if (!in_bracket) {
			if (c == ',' || c == '(' || c == ')' || c == '=' || c == '&' ||
			    c == ' ' || c == '\t' || c == '\n' || c == '\r')
				prefixes = last = 1;
			in_bracket = c == '[';
			count = cur = 0;
			range = false;
			continue;
		}
		if (c == '-' && !range) {
			lo = cur; cur = 0; range = true;
		} else if (c == ',' || c == ']') {
			uint64_t k = range && cur > lo ? cur - lo + 1 : 1;
			count = count + k < count ? UINT64_MAX : count + k;
			cur = 0; range = false;
			if (c == ']') {
				in_bracket = false;
				prefixes = fz_sat_mul(prefixes, last);
				last = count;
				if (prefixes > FZ_MAX_PREFIXES && prefixes <= FZ_ENGINE_MAX_PREFIXES)
					return true;
			}
		}
	}
#else
	(void)d; (void)n;
#endif
	return false;
}

/* One input through everything. Returns 0 (libFuzzer convention). */
int sl_fuzz_one(const uint8_t *data, size_t size)
{
	if (fz_slow_hostlist(data, size))
		return 0;
	static char longsrc[300];
	if (!longsrc[0]) {
		memset(longsrc, 's', sizeof longsrc - 1);
		memcpy(longsrc, "/etc/slurm/", 11);
	}
	fz_install_hooks();
	uint64_t seed = fz_hash(data, size);
	const char *source = (seed & 0x30) == 0x30 ? longsrc : "rules";

	sl_error_t e1, e2;
	sl_rules_t *r1 = fz_compile(data, size, false, source, &e1);
	sl_rules_t *r2 = fz_compile(data, size, true, source, &e2);

	/* Without '#', file mode and inline mode must agree exactly. */
	if (size == 0 || memchr(data, '#', size) == NULL) {
		if ((r1 == NULL) != (r2 == NULL))
			fz_fail("inline %s but file mode %s without any '#'",
				r1 ? "compiles" : "fails", r2 ? "compiles" : "fails");
		if (r1 && !fz_same_terms(r1, r2))
			fz_fail("inline and file mode give different terms");
		if (!r1 && (e1.line != e2.line || e1.col != e2.col ||
			    strcmp(e1.message, e2.message) != 0))
			fz_fail("inline and file mode give different errors: %u:%u %s / %u:%u %s",
				e1.line, e1.col, e1.message, e2.line, e2.col, e2.message);
	}

	if (r1) {
		fz_check_roundtrip(r1);
		fz_exercise(r1, data, size, seed);
	}
	if (r2) {
		if (!r1 || (seed & 1))
			fz_exercise(r2, data, size, seed ^ 0xabcdef);
		if (!r1)
			fz_check_roundtrip(r2);
	}
	if (r1)
		sl_rules_free(r1);
	if (r2)
		sl_rules_free(r2);
	if (fz_live_hostlists != 0)
		fz_fail("%ld libslurm hostlist(s) not destroyed after sl_rules_free",
			fz_live_hostlists);
	return 0;
}

#ifndef SL_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return sl_fuzz_one(data, size);
}
#endif
