/*
 * Rule engine benchmark (`make bench`): for each case, compile time, bind
 * time and evaluation time per decision (median and p99, ns), measured
 * side by side in one run with CLOCK_MONOTONIC, and the number of
 * allocations (bench/alloc_count.c counts every malloc/calloc/realloc/
 * memalign in the process) during compile, bind and evaluation.
 *
 * Cases: the three production strings (facts that fall through to their
 * last term, the slowest path), a generated 10,000-term rule set whose
 * match is the last term, and host(r[0000-9999]n[00-99]) (one million
 * hosts) with the node r9999n99 at its end, and the share forms
 * (/cpushare, /memshare: the exact share product on every decision).
 *
 *   build/bench/bench_engine [--markdown] [--quick]
 *
 * Evaluation samples: one sample is the mean of a batch of K consecutive
 * sl_eval() calls, K chosen so a batch lasts at least ~2 us (clock reads
 * then cost < 2% of a sample); median and p99 are over the samples.
 * Compile and bind samples are single calls.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc_count.h"
#include "rules.h"

static bool quick;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

typedef struct {
	double median, p99;
	size_t samples;
} stat_t;

static stat_t stats(double *v, size_t n)
{
	stat_t s = { 0, 0, n };
	if (n == 0)
		return s;
	qsort(v, n, sizeof *v, cmp_double);
	s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	size_t i = (size_t)((double)n * 0.99);
	if (i >= n)
		i = n - 1;
	s.p99 = v[i];
	return s;
}

typedef struct {
	const char *name;
	const char *text;        /* printed (shortened) */
	char *owned;             /* generated text to free */
	size_t len;
	const char *node;
	sl_facts_t facts;
} bcase_t;

typedef struct {
	stat_t compile, bind, eval;
	unsigned long compile_allocs, bind_allocs, eval_allocs;
	unsigned long evals;
	size_t terms;
	sl_result_t res;
} bresult_t;

static sl_rules_t *compile_or_die(const bcase_t *c)
{
	sl_error_t err;
	sl_rules_t *r = sl_rules_compile(c->text, c->len, "bench", false, &err);
	if (r == NULL) {
		char buf[SL_MSG_MAX + 200];
		sl_error_format(&err, buf, sizeof buf);
		fprintf(stderr, "bench_engine: case '%s' does not compile: %s\n", c->name, buf);
		exit(1);
	}
	return r;
}

/* Repeat `what` until `budget_ns` is spent (at least min, at most max). */
static size_t reps(uint64_t one_ns, uint64_t budget_ns, size_t min, size_t max)
{
	size_t n = one_ns ? (size_t)(budget_ns / one_ns) : max;
	if (n < min)
		n = min;
	if (n > max)
		n = max;
	return n;
}

static void run_case(const bcase_t *c, bresult_t *out)
{
	memset(out, 0, sizeof *out);
	uint64_t budget = quick ? 100000000ULL : 1000000000ULL;   /* per phase */

	/* ---- compile ---- */
	unsigned long a0 = sl_bench_allocs();
	uint64_t t0 = now_ns();
	sl_rules_t *r = compile_or_die(c);
	uint64_t first = now_ns() - t0;
	out->compile_allocs = sl_bench_allocs() - a0;
	out->terms = sl_rules_count(r);
	size_t n = reps(first, budget, 5, 2000);
	double *v = malloc(n * sizeof *v);
	for (size_t i = 0; i < n; i++) {
		t0 = now_ns();
		sl_rules_t *x = compile_or_die(c);
		v[i] = (double)(now_ns() - t0);
		sl_rules_free(x);
	}
	out->compile = stats(v, n);
	free(v);

	/* ---- bind ---- */
	a0 = sl_bench_allocs();
	t0 = now_ns();
	sl_bound_t *b = sl_rules_bind(r, c->node);
	first = now_ns() - t0;
	out->bind_allocs = sl_bench_allocs() - a0;
	if (b == NULL) {
		fprintf(stderr, "bench_engine: bind failed for %s\n", c->node);
		exit(1);
	}
	n = reps(first, budget, 5, 2000);
	v = malloc(n * sizeof *v);
	for (size_t i = 0; i < n; i++) {
		t0 = now_ns();
		sl_bound_t *x = sl_rules_bind(r, c->node);
		v[i] = (double)(now_ns() - t0);
		sl_bound_free(x);
	}
	out->bind = stats(v, n);
	free(v);

	/* ---- eval ---- */
	sl_result_t res;
	for (int i = 0; i < 1000; i++)   /* warm up */
		sl_eval(b, &c->facts, &res);
	size_t k = 1;
	for (;;) {   /* batch size: a batch lasts >= 2 us */
		t0 = now_ns();
		for (size_t i = 0; i < k; i++)
			sl_eval(b, &c->facts, &res);
		if (now_ns() - t0 >= 2000 || k >= (1u << 20))
			break;
		k *= 2;
	}
	size_t samples = quick ? 2000 : 20000;
	uint64_t batch_ns = 0;
	{
		t0 = now_ns();
		for (size_t i = 0; i < k; i++)
			sl_eval(b, &c->facts, &res);
		batch_ns = now_ns() - t0;
	}
	samples = reps(batch_ns, budget, 200, samples);
	v = malloc(samples * sizeof *v);
	a0 = sl_bench_allocs();   /* nothing below allocates but sl_eval */
	for (size_t s = 0; s < samples; s++) {
		t0 = now_ns();
		for (size_t i = 0; i < k; i++)
			sl_eval(b, &c->facts, &res);
		v[s] = (double)(now_ns() - t0) / (double)k;
	}
	out->eval_allocs = sl_bench_allocs() - a0;
	out->evals = (unsigned long)(samples * k);
	out->eval = stats(v, samples);
	out->res = res;
	free(v);

	sl_bound_free(b);
	sl_rules_free(r);
}

static void fmt_ns(double ns, char *buf, size_t size)
{
	if (ns < 10000)
		snprintf(buf, size, "%.0f ns", ns);
	else if (ns < 10000000)
		snprintf(buf, size, "%.1f us", ns / 1000);
	else
		snprintf(buf, size, "%.1f ms", ns / 1000000);
}

static void outcome_text(const sl_result_t *res, char *buf, size_t size)
{
	if (res->outcome == SL_NO_MATCH)
		snprintf(buf, size, "no match");
	else if (res->outcome == SL_UNLIMITED)
		snprintf(buf, size, "term %zu: unlimited", res->term);
	else
		snprintf(buf, size, "term %zu: %" PRIu64 " bytes", res->term, res->swap_bytes);
}

/* ---- the generated cases ---- */

static char *gen_10k(size_t *len)
{
	size_t cap = 10000 * 96, n = 0;
	char *t = malloc(cap);
	for (int i = 0; i < 9999; i++) {
		const char *sep = i ? "," : "";
		switch (i % 5) {
		case 0:   /* partition lists */
			n += (size_t)snprintf(t + n, cap - n, "%spartition(p%d,q%d)=%dMiB", sep, i, i, i);
			break;
		case 1:   /* partition matches, user does not: two conditions */
			n += (size_t)snprintf(t + n, cap - n, "%spartition(batch)&user(u%d)=1%%/cpu", sep, i);
			break;
		case 2:   /* groups: the job's groups against a list */
			n += (size_t)snprintf(t + n, cap - n, "%sgroup(g%d,h%d)=2%%mem/task", sep, i, i);
			break;
		case 3:   /* host, resolved at bind */
			n += (size_t)snprintf(t + n, cap - n, "%shost(n%d[0-9])&account(a%d)=none", sep, i, i);
			break;
		default:  /* props */
			n += (size_t)snprintf(t + n, cap - n,
					      "%saccount(a%d){min_swap=1GiB,max_swap=50%%}=0.5%%/cpu",
					      sep, i);
			break;
		}
	}
	n += (size_t)snprintf(t + n, cap - n,
			      ",partition(batch)&user(alice)&group(hpc)&account(proj)"
			      "{min_swap=1GiB}=2.5%%/cpu");
	*len = n;
	return t;
}

int main(int argc, char **argv)
{
	bool markdown = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--markdown") == 0)
			markdown = true;
		else if (strcmp(argv[i], "--quick") == 0)
			quick = true;
		else {
			fprintf(stderr, "usage: %s [--markdown] [--quick]\n", argv[0]);
			return 2;
		}
	}

	static const char *const groups[] = { "users", "hpc" };
	sl_facts_t job = {
		.partition = "workgroup", .user = "alice", .groups = groups, .ngroups = 2,
		.account = "proj", .cpus = 4, .tasks = 2, .mem_bytes = 8ULL << 30,
		.node_swap_bytes = 64ULL << 30,
		.node_mem_bytes = 256ULL << 30, .node_cpus = 64,
	};
	bcase_t cases[6];
	memset(cases, 0, sizeof cases);
	cases[0] = (bcase_t){ "production 1",
		"host(r04s[00-01])=none,partition(reserved)=1%/task,partition(standard)=0MiB,"
		"default(){min_swap=250MiB}=50MiB/cpu", NULL, 0, "r03n01", job };
	cases[1] = (bcase_t){ "production 2",
		"partition(extended-mem)=none,host(r2v[00-02])=1.5%/cpu,host(r0m01)=0.25%/cpu,"
		"default()=1%/cpu", NULL, 0, "r03n01", job };
	cases[2] = (bcase_t){ "production 3",
		"partition(lg-swap)=none,host(r[00,01]n[00,56],r00g00)=1.1%/CPU,default()=0MiB",
		NULL, 0, "r02n01", job };
	size_t glen;
	char *gen = gen_10k(&glen);
	cases[3] = (bcase_t){ "10,000 terms, last matches", gen, gen, glen, "r9999n99", job };
	cases[3].facts.partition = "batch";
	cases[4] = (bcase_t){ "1M hosts, node at the end", "host(r[0000-9999]n[00-99])=1GiB",
		NULL, 0, "r9999n99", job };
	cases[5] = (bcase_t){ "share forms (issue 12)",
		"partition(reserved)=80%/cpushare,default(){max_swap=50%}=100%/memshare",
		NULL, 0, "r03n01", job };
	size_t ncases = sizeof cases / sizeof cases[0];
	for (size_t i = 0; i < ncases; i++)
		if (cases[i].len == 0)
			cases[i].len = strlen(cases[i].text);

	bresult_t res[sizeof cases / sizeof cases[0]];
	for (size_t i = 0; i < ncases; i++)
		run_case(&cases[i], &res[i]);

	if (markdown) {
		printf("| case | terms | compile median / p99 | bind median / p99 | "
		       "eval median / p99 | allocs compile / bind / eval | result |\n");
		printf("|---|---:|---:|---:|---:|---:|---|\n");
	}
	for (size_t i = 0; i < ncases; i++) {
		const bresult_t *r = &res[i];
		char cm[32], cp[32], bm[32], bp[32], em[32], ep[32], oc[64];
		fmt_ns(r->compile.median, cm, sizeof cm);
		fmt_ns(r->compile.p99, cp, sizeof cp);
		fmt_ns(r->bind.median, bm, sizeof bm);
		fmt_ns(r->bind.p99, bp, sizeof bp);
		outcome_text(&r->res, oc, sizeof oc);
		if (markdown) {
			printf("| %s | %zu | %s / %s | %s / %s | %.0f / %.0f ns | %lu / %lu / %lu (in %lu evals) | %s |\n",
			       cases[i].name, r->terms, cm, cp, bm, bp, r->eval.median, r->eval.p99,
			       r->compile_allocs, r->bind_allocs, r->eval_allocs, r->evals, oc);
			continue;
		}
		fmt_ns(r->eval.median, em, sizeof em);
		fmt_ns(r->eval.p99, ep, sizeof ep);
		printf("%s (%zu terms, node %s; %s)\n", cases[i].name, r->terms, cases[i].node, oc);
		printf("  compile   median %-10s p99 %-10s (%zu runs, %lu allocations)\n", cm, cp,
		       r->compile.samples, r->compile_allocs);
		printf("  bind      median %-10s p99 %-10s (%zu runs, %lu allocations)\n", bm, bp,
		       r->bind.samples, r->bind_allocs);
		printf("  eval      median %-10s p99 %-10s (%.1f / %.1f ns; %zu samples)\n", em, ep,
		       r->eval.median, r->eval.p99, r->eval.samples);
		printf("  allocations during %lu evals: %lu\n", r->evals, r->eval_allocs);
	}
	free(gen);

	int bad = 0;
	for (size_t i = 0; i < ncases; i++)
		bad |= res[i].eval_allocs != 0;
	if (bad)
		fprintf(stderr, "bench_engine: sl_eval allocated (contract: it allocates nothing)\n");
	return 0;
}
