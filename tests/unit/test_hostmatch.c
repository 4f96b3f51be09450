/*
 * Host expressions through libslurm (hostmatch.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "hostmatch.h"

static void test_production_lists(void **state)
{
	sl_hostset_t *s;

	(void)state;
	s = sl_hostset_create("r04s[00-01]", NULL);
	assert_non_null(s);
	assert_true(sl_hostset_contains(s, "r04s00"));
	assert_true(sl_hostset_contains(s, "r04s01"));
	assert_false(sl_hostset_contains(s, "r04s02"));
	assert_false(sl_hostset_contains(s, "r03s00"));
	sl_hostset_destroy(s);

	s = sl_hostset_create("r[00,01]n[00,56],r00g00", NULL);
	assert_non_null(s);
	assert_true(sl_hostset_contains(s, "r00n00"));
	assert_true(sl_hostset_contains(s, "r00n56"));
	assert_true(sl_hostset_contains(s, "r01n00"));
	assert_true(sl_hostset_contains(s, "r01n56"));
	assert_true(sl_hostset_contains(s, "r00g00"));
	/* a list, not a range: 01..55 are not in it */
	assert_false(sl_hostset_contains(s, "r00n01"));
	assert_false(sl_hostset_contains(s, "r00n55"));
	assert_false(sl_hostset_contains(s, "r02n00"));
	assert_false(sl_hostset_contains(s, "r01g00"));
	sl_hostset_destroy(s);

	s = sl_hostset_create("r2v[00-02]", NULL);
	assert_true(sl_hostset_contains(s, "r2v02"));
	assert_false(sl_hostset_contains(s, "r2v03"));
	sl_hostset_destroy(s);
}

static void test_slurm_semantics(void **state)
{
	sl_hostset_t *s;

	(void)state;
	/* zero padding is part of the name, as in Slurm */
	s = sl_hostset_create("x[01-03]", NULL);
	assert_true(sl_hostset_contains(s, "x02"));
	assert_false(sl_hostset_contains(s, "x2"));
	assert_false(sl_hostset_contains(s, "x002"));
	sl_hostset_destroy(s);
	s = sl_hostset_create("x[1-3]", NULL);
	assert_true(sl_hostset_contains(s, "x2"));
	assert_false(sl_hostset_contains(s, "x02"));
	sl_hostset_destroy(s);
	/* names are case-sensitive */
	s = sl_hostset_create("node1", NULL);
	assert_true(sl_hostset_contains(s, "node1"));
	assert_false(sl_hostset_contains(s, "NODE1"));
	assert_false(sl_hostset_contains(s, "node"));
	assert_false(sl_hostset_contains(s, "node10"));
	sl_hostset_destroy(s);
	s = sl_hostset_create("a.b-c_d,e", NULL);
	assert_true(sl_hostset_contains(s, "a.b-c_d"));
	assert_true(sl_hostset_contains(s, "e"));
	sl_hostset_destroy(s);
}

static void test_rejected(void **state)
{
	(void)state;
	assert_null(sl_hostset_create("gpu[01-04]-ib", NULL));
	assert_null(sl_hostset_create("a[3-1]", NULL));
	assert_null(sl_hostset_create("node[1-70000]", NULL));  /* over 65536 */
	assert_null(sl_hostset_create("", NULL));
	assert_null(sl_hostset_create(NULL, NULL));
}

/* Expressions that would hang libslurm 22.05 or make it expand 10^8 names
 * (found by fuzzing) are refused before libslurm sees them, with a reason;
 * the 1M-host expression of the benchmarks is still accepted. */
static void test_refused_as_too_costly(void **state)
{
	const char *why = NULL;
	sl_hostset_t *s;

	(void)state;
	assert_null(sl_hostset_create("a[0-9999]b[0-9999]c[0-9]", &why));
	assert_non_null(strstr(why, "combinations"));
	assert_null(sl_hostset_create("n[18446744073709551615]n[0]", &why));
	assert_non_null(strstr(why, "18 digits"));
	assert_null(sl_hostset_create("gpu[01-04]-ib", &why));
	assert_string_equal(why, "Slurm cannot parse it");
	s = sl_hostset_create("r[0000-9999]n[00-99]", &why);
	assert_non_null(s);
	assert_true(sl_hostset_contains(s, "r9999n99"));
	sl_hostset_destroy(s);
}

static void test_null_safety(void **state)
{
	sl_hostset_t *s = sl_hostset_create("n1", NULL);

	(void)state;
	assert_false(sl_hostset_contains(NULL, "n1"));
	assert_false(sl_hostset_contains(s, NULL));
	assert_false(sl_hostset_contains(s, ""));
	sl_hostset_destroy(s);
	sl_hostset_destroy(NULL);
}

static void test_million_hosts(void **state)
{
	struct timespec a, b;
	sl_hostset_t *s;
	long ns;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &a);
	s = sl_hostset_create("r[0000-9999]n[00-99]", NULL);
	assert_non_null(s);
	assert_true(sl_hostset_contains(s, "r0000n00"));
	assert_true(sl_hostset_contains(s, "r5000n50"));
	assert_true(sl_hostset_contains(s, "r9999n99"));
	assert_false(sl_hostset_contains(s, "r10000n00"));
	assert_false(sl_hostset_contains(s, "r9999n100"));
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
	print_message("1M-host create + 5 lookups: %ld us\n", ns / 1000);
	/* generous: a few ms without sanitizers, tens with them */
	assert_true(ns < 2000L * 1000 * 1000);
	sl_hostset_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_production_lists),
		cmocka_unit_test(test_slurm_semantics),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_refused_as_too_costly),
		cmocka_unit_test(test_null_safety),
		cmocka_unit_test(test_million_hosts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
