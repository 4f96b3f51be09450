/*
 * The hostlist functions swaplimit check adds to hostmatch.c: empty sets,
 * push, count, shift (expanding slurm.conf's NodeName=) and the ranged
 * expression (grouping nodes in the report), all through libslurm.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hostmatch.h"

static void test_expand(void **state)
{
	sl_hostset_t *s = sl_hostset_create("n[08-10],gpu1", NULL);
	const char *want[] = { "n08", "n09", "n10", "gpu1" };
	char *h;
	size_t i = 0;

	(void)state;
	assert_non_null(s);
	assert_int_equal(sl_hostset_count(s), 4);
	while ((h = sl_hostset_shift(s))) {
		assert_true(i < 4);
		assert_string_equal(h, want[i++]);
		free(h);
	}
	assert_int_equal(i, 4);
	assert_int_equal(sl_hostset_count(s), 0);
	sl_hostset_destroy(s);
}

static void test_ranged(void **state)
{
	sl_hostset_t *s = sl_hostset_new();
	char *r;

	(void)state;
	assert_non_null(s);
	assert_int_equal(sl_hostset_count(s), 0);
	/* out of order, a duplicate: sorted and merged into ranges */
	assert_int_equal(sl_hostset_push(s, "r03n02"), 0);
	assert_int_equal(sl_hostset_push(s, "big"), 0);
	assert_int_equal(sl_hostset_push(s, "r03n01"), 0);
	assert_int_equal(sl_hostset_push(s, "r03n03"), 0);
	assert_int_equal(sl_hostset_push(s, "r03n01"), 0);
	assert_int_equal(sl_hostset_push(s, ""), -1);
	assert_int_equal(sl_hostset_push(NULL, "x"), -1);
	r = sl_hostset_ranged(s);
	assert_non_null(r);
	assert_string_equal(r, "big,r03n[01-03]");
	free(r);
	assert_int_equal(sl_hostset_count(s), 4);
	assert_true(sl_hostset_contains(s, "r03n02"));
	assert_false(sl_hostset_contains(s, "r03n04"));
	sl_hostset_destroy(s);
	assert_null(sl_hostset_shift(NULL));
	assert_null(sl_hostset_ranged(NULL));
	assert_int_equal(sl_hostset_count(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_ranged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
