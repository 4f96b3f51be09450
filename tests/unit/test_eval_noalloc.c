/*
 * sl_eval() and sl_size_format() allocate nothing: this binary interposes
 * malloc & co. (forwarding to glibc) and counts calls while evaluating.
 * Sanitizers own malloc themselves, so there the check is skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules.h"
#include "size.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static volatile long nalloc;
static volatile int counting;

#if !SANITIZED
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t a, size_t n);
extern void __libc_free(void *p);

void *malloc(size_t n)
{
	if (counting)
		nalloc++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	if (counting)
		nalloc++;
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	if (counting)
		nalloc++;
	return __libc_realloc(p, n);
}

int posix_memalign(void **out, size_t a, size_t n)
{
	if (counting)
		nalloc++;
	*out = __libc_memalign(a, n);
	return *out ? 0 : 12;   /* ENOMEM */
}

void *aligned_alloc(size_t a, size_t n)
{
	if (counting)
		nalloc++;
	return __libc_memalign(a, n);
}

void free(void *p)
{
	__libc_free(p);
}
#endif

static const char *const PROD[] = {
	"host(r04s[00-01])=none,partition(reserved)=1%/task,"
	"partition(standard)=0MiB,default(){min_swap=250MiB}=50MiB/cpu",
	"partition(extended-mem)=none,host(r2v[00-02])=1.5%/cpu,"
	"host(r0m01)=0.25%/cpu,default()=1%/cpu",
	"partition(lg-swap)=none,host(r[00,01]n[00,56],r00g00)=1.1%/CPU,"
	"default()=0MiB",
	"user(x)=1G,partition(reserved,workgroup)&default()"
	"{min_swap=5%,max_swap=50%mem}=1.5%mem/task",
	"partition(reserved)=100%/memshare,user(alice)&partition(standard)"
	"{min_swap=1G}=80%/cpushare,default()=2GiB/cpushare",
};

static void test_counter_works(void **state)
{
	void *volatile p;

	(void)state;
	if (SANITIZED)
		skip();
	nalloc = 0;
	counting = 1;
	p = malloc(16);
	counting = 0;
	free(p);
	assert_int_equal(nalloc, 1);
	/* and it sees the engine's own allocations */
	nalloc = 0;
	counting = 1;
	sl_rules_free(sl_rules_compile("default()=1G", 12, "rules", false, NULL));
	counting = 0;
	assert_true(nalloc > 0);
}

static void test_eval_allocates_nothing(void **state)
{
	static const char *const groups[] = { "staff", "hpc" };
	static const char *const parts[] = {
		"reserved", "standard", "workgroup", "extended-mem", "lg-swap", NULL,
	};
	static const char *const nodes[] = { "r04s00", "r03n01", "r2v01", "r00g00" };
	sl_rules_t *r[5];
	sl_bound_t *b[5][4];
	sl_result_t res;
	char buf[SL_SIZE_BUF];
	size_t i, j, k, seen[4] = { 0 };
	uint64_t cpus;

	(void)state;
	if (SANITIZED)
		skip();
	for (i = 0; i < 5; i++) {
		sl_error_t err;

		r[i] = sl_rules_compile(PROD[i], strlen(PROD[i]), "rules", false, &err);
		assert_non_null(r[i]);
		for (j = 0; j < 4; j++)
			b[i][j] = sl_rules_bind(r[i], nodes[j]);
	}
	nalloc = 0;
	counting = 1;
	for (i = 0; i < 5; i++)
		for (j = 0; j < 4; j++)
			for (k = 0; k < 6; k++)
				for (cpus = 0; cpus < 200; cpus += 7) {
					sl_facts_t f = {
						.partition = parts[k], .user = "alice",
						.groups = groups, .ngroups = 2,
						.account = "a", .cpus = cpus,
						.tasks = cpus / 2,
						.mem_bytes = cpus % 3 ? cpus << 30 : UINT64_MAX,
						.node_swap_bytes = (cpus % 5) << 34,
						/* unknown now and then */
						.node_mem_bytes = (cpus % 4) << 36,
						.node_cpus = cpus % 6 ? 64 : 0,
					};

					sl_eval(b[i][j], &f, &res);
					seen[res.outcome]++;
					sl_size_format(res.swap_bytes, buf, sizeof(buf));
				}
	counting = 0;
	assert_int_equal(nalloc, 0);
	/* every outcome was exercised */
	assert_true(seen[SL_LIMITED] > 0 && seen[SL_UNLIMITED] > 0 &&
		    seen[SL_NO_MATCH] > 0 && seen[SL_UNDECIDABLE] > 0);
	for (i = 0; i < 5; i++) {
		for (j = 0; j < 4; j++)
			sl_bound_free(b[i][j]);
		sl_rules_free(r[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_works),
		cmocka_unit_test(test_eval_allocates_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
