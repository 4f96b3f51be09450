/*
 * sl_gres_detail_count(): one node's gres_detail_str entry, as slurmctld
 * writes it (src/stepmgr/gres_stepmgr.c; 22.05 gres_ctld.c), read for the
 * `gres` limit. The RPC part (sl_gres_alloc_bytes) runs on the real
 * cluster (tests/integration/27_gres.bats).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "gres_alloc.c"

static uint64_t count_of(const char *detail, const char *name, int want_rc)
{
	uint64_t c = 12345;

	assert_int_equal(sl_gres_detail_count(detail, name, &c), want_rc);
	return c;
}

static void test_one_entry(void **state)
{
	(void)state;
	assert_int_equal(count_of("swap(CNT:314572800)", "swap", 0), 314572800);
	/* another GRES only: none of it */
	assert_int_equal(count_of("gpu(IDX:0-1)", "swap", 0), 0);
	assert_int_equal(count_of("", "swap", 0), 0);
	assert_int_equal(count_of(NULL, "swap", 0), 0);
}

static void test_several_entries(void **state)
{
	(void)state;
	/* commas inside parentheses belong to the entry */
	assert_int_equal(count_of("gpu:a100:2(IDX:0,2),swap(CNT:1024)", "swap", 0),
			 1024);
	/* typed entries of one name add up */
	assert_int_equal(count_of("swap:nvme(CNT:1000),swap:ssd(CNT:24)", "swap", 0),
			 1024);
	/* a prefix of the name is another GRES */
	assert_int_equal(count_of("swapfast(CNT:7),swap(CNT:5)", "swap", 0), 5);
	assert_int_equal(count_of("swap(CNT:5)", "swa", 0), 0);
}

static void test_unreadable(void **state)
{
	(void)state;
	count_of("swap(IDX:0)", "swap", -1);
	count_of("swap(CNT:)", "swap", -1);
	count_of("swap(CNT:99999999999999999999)", "swap", -1);
	/* the sum saturates instead of wrapping */
	assert_int_equal(count_of("swap:a(CNT:9223372036854775807),"
				  "swap:b(CNT:9223372036854775807),swap:c(CNT:9)",
				  "swap", 0), UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_entry),
		cmocka_unit_test(test_several_entries),
		cmocka_unit_test(test_unreadable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
