/*
 * The oversubscription model of swaplimit check (src/cli/oversub.c): the
 * most swap one term can promise at once on a node, and the job shape.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "oversub.h"
#include "rules.h"

#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

static sl_ov_result_t ov(const char *text, size_t term, uint64_t cpus,
			 uint64_t mem, uint64_t swap, uint64_t over)
{
	sl_ov_node_t n = { .cpus = cpus, .mem_bytes = mem, .swap_bytes = swap,
			   .oversubscribe = over };
	sl_ov_result_t res;
	sl_error_t err;
	sl_rules_t *r = sl_rules_compile(text, strlen(text), "rules", false,
					 &err);

	if (!r)
		fail_msg("%s", err.message);
	sl_ov_term(r, term, &n, &res);
	sl_rules_free(r);
	return res;
}

static void expect(const sl_ov_result_t *res, sl_ov_status_t status,
		   uint64_t worst, const char *text)
{
	if (res->status != status || res->worst != worst ||
	    (text && strcmp(res->text, text) != 0))
		fail_msg("got status %d worst %llu '%s'; want %d %llu '%s'",
			 res->status, (unsigned long long)res->worst, res->text,
			 status, (unsigned long long)worst, text ? text : "*");
}

/* The issue's example: 40 one-CPU jobs each raised to 250MiB. */
static void test_issue_example(void **state)
{
	sl_ov_result_t res;

	(void)state;
	res = ov("default(){min_swap=250MiB}=50MiB/cpu", 0, 40, 192 * GIB, GIB, 1);
	expect(&res, SL_OV_OVER, 10000 * MIB,
	       "40 jobs of 1 CPU: 40 x min_swap 250MiB = 10000MiB > swap 1GiB (x9.77)");
	assert_int_equal(res.factor_x100, 977);
	assert_true(res.exact);
	assert_int_equal(res.ngroups, 1);
	assert_int_equal(res.groups[0].jobs, 40);
	assert_int_equal(res.groups[0].grant, 250 * MIB);
	assert_string_equal(res.job_why,
			    "50MiB x 1 cpu = 50MiB, raised to min_swap 250MiB");
	/* the same on 64GiB of swap fits */
	res = ov("default(){min_swap=250MiB}=50MiB/cpu", 0, 40, 192 * GIB,
		 64 * GIB, 1);
	expect(&res, SL_OV_FITS, 10000 * MIB,
	       "40 jobs of 1 CPU: 40 x min_swap 250MiB = 10000MiB <= swap 64GiB (x0.15)");
	/* /task counts tasks no higher than CPUs: the same */
	res = ov("default(){min_swap=250MiB}=50MiB/task", 0, 40, 192 * GIB, GIB, 1);
	expect(&res, SL_OV_OVER, 10000 * MIB, NULL);
	/* without min_swap: 40 x 50MiB */
	res = ov("default()=50MiB/cpu", 0, 40, 192 * GIB, GIB, 1);
	expect(&res, SL_OV_OVER, 2000 * MIB,
	       "40 jobs of 1 CPU: 40 x 50MiB = 2000MiB > swap 1GiB (x1.95)");
}

static void test_per_job_forms(void **state)
{
	sl_ov_result_t res;

	(void)state;
	/* a size per job: C x O jobs */
	res = ov("default()=1GiB", 0, 8, 64 * GIB, 4 * GIB, 1);
	expect(&res, SL_OV_OVER, 8 * GIB,
	       "8 jobs of 1 CPU: 8 x 1GiB = 8GiB > swap 4GiB (x2.00)");
	/* OverSubscribe=FORCE:4: four jobs per CPU */
	res = ov("default()=10%", 0, 8, 64 * GIB, 100 * GIB, 4);
	expect(&res, SL_OV_OVER, 320 * GIB, NULL);
	assert_int_equal(res.groups[0].jobs, 32);
	/* max_swap caps each job; the node's swap too */
	res = ov("default(){max_swap=10MiB}=1GiB", 0, 4, 64 * GIB, GIB, 1);
	expect(&res, SL_OV_FITS, 40 * MIB,
	       "4 jobs of 1 CPU: 4 x max_swap 10MiB = 40MiB <= swap 1GiB (x0.04)");
	res = ov("default()=1GiB/cpu", 0, 4, 64 * GIB, 512 * MIB, 1);
	expect(&res, SL_OV_OVER, 2048 * MIB,
	       "4 jobs of 1 CPU: 4 x the node's swap 512MiB = 2GiB > swap 512MiB (x4.00)");
	/* 0 is nothing; none is no limit, not counted */
	res = ov("default()=0", 0, 4, 64 * GIB, GIB, 1);
	expect(&res, SL_OV_FITS, 0,
	       "4 jobs of 1 CPU: 4 x 0B = 0B <= swap 1GiB (x0.00)");
	res = ov("default()=none", 0, 4, 64 * GIB, GIB, 1);
	expect(&res, SL_OV_UNLIMITED, SL_UNLIMITED_BYTES,
	       "none: no swap limit (not counted)");
	/* a node without swap: every finite grant is 0 */
	res = ov("default(){min_swap=1G}=1G/cpu", 0, 4, 64 * GIB, 0, 1);
	expect(&res, SL_OV_FITS, 0,
	       "4 jobs of 1 CPU: 4 x the node's swap 0B = 0B <= swap 0B");
	/* the second term of a set */
	res = ov("partition(a)=none,default()=2G", 1, 2, 64 * GIB, 3 * GIB, 1);
	expect(&res, SL_OV_OVER, 4 * GIB, NULL);
}

static void test_share_forms(void **state)
{
	sl_ov_result_t res;

	(void)state;
	/* 100%/memshare never promises more than the node's swap */
	res = ov("default()=100%/memshare", 0, 64, 256 * GIB, 64 * GIB, 1);
	expect(&res, SL_OV_FITS, 64 * GIB,
	       "1 job of 1 CPU and 256GiB RAM: 1 x 64GiB = 64GiB <= swap 64GiB (x1.00)");
	assert_true(res.exact);
	/* odd sizes: the floors only lower the sum */
	res = ov("default()=100%/memshare", 0, 7, 3 * GIB + 5, 1000000007, 1);
	assert_int_equal(res.status, SL_OV_FITS);
	assert_true(res.worst <= 1000000007);
	assert_true(res.worst >= 1000000007 - 7);
	/* /cpushare: C jobs of 1 CPU, 80% of the swap */
	res = ov("default()=80%/cpushare", 0, 64, 256 * GIB, 64 * GIB, 1);
	expect(&res, SL_OV_FITS, 54975581376,   /* 64 x floor(0.8 x 64GiB / 64) */
	       NULL);
	/* ... but OverSubscribe=FORCE:4 breaks it */
	res = ov("default()=80%/cpushare", 0, 64, 256 * GIB, 64 * GIB, 4);
	expect(&res, SL_OV_OVER, 4 * UINT64_C(54975581376), NULL);
	assert_int_equal(res.factor_x100, 320);
	/* and min_swap breaks memshare: 63 tiny jobs at 1GiB, one with the
	 * rest of the RAM */
	res = ov("default(){min_swap=1G}=100%/memshare", 0, 64, 256 * GIB,
		 64 * GIB, 1);
	assert_int_equal(res.status, SL_OV_OVER);
	/* 63 x 1GiB + 64GiB x (256GiB - 63MiB) / 256GiB */
	assert_int_equal(res.worst, 63 * GIB + 64 * GIB - 63 * 256 * 1024);
	assert_string_equal(res.text,
		"63 jobs of 1 CPU and 1MiB RAM + 1 job of 1 CPU and 262081MiB RAM: "
		"63 x min_swap 1GiB + 1 x 65520.25MiB = 130032.25MiB > swap 64GiB "
		"(x1.98)");
}

static void test_mem_percent(void **state)
{
	sl_ov_result_t res;
	uint64_t M = 100 * GIB;

	(void)state;
	/* 10% of each RAM limit: at most 10% of RealMemory */
	res = ov("default()=10%mem", 0, 10, M, 64 * GIB, 1);
	expect(&res, SL_OV_FITS, M / 10, NULL);
	assert_true(res.exact);
	/* min_swap: nine 1MiB jobs at 1GiB, one with the rest at 10% */
	res = ov("default(){min_swap=1G}=10%mem", 0, 10, M, 64 * GIB, 1);
	expect(&res, SL_OV_FITS, 9 * GIB + (M - 9 * MIB) / 10, NULL);
	assert_int_equal(res.ngroups, 2);
	assert_int_equal(res.groups[0].jobs, 9);
	assert_int_equal(res.groups[0].mem_bytes, MIB);
	/* a cap: jobs at the cap are worth more than one big one */
	res = ov("default(){max_swap=1G}=50%mem", 0, 10, M, 64 * GIB, 1);
	expect(&res, SL_OV_FITS, 10 * GIB, NULL);
	assert_int_equal(res.groups[0].jobs, 9);
	assert_int_equal(res.groups[0].mem_bytes, 2 * GIB);
	assert_int_equal(res.groups[0].grant, GIB);
	/* ... and with many slots, 50 jobs of 2GiB reach 50GiB, not 10% */
	res = ov("default(){max_swap=1G}=50%mem", 0, 100, M, 64 * GIB, 1);
	expect(&res, SL_OV_FITS, 50 * GIB, NULL);
	res = ov("default(){max_swap=1G}=50%mem", 0, 100, M, 32 * GIB, 1);
	expect(&res, SL_OV_OVER, 50 * GIB, NULL);
	/* %mem with /cpu: an upper bound only */
	res = ov("default()=1%mem/cpu", 0, 10, M, 64 * GIB, 1);
	assert_false(res.exact);
	assert_true(res.upper_bound);
	assert_int_equal(res.status, SL_OV_OVER);
	assert_int_equal(res.worst, 10 * 10 * (M / 100));
	assert_true(strncmp(res.text, "at most 10 jobs of 10 CPUs and 100GiB RAM: ",
			    43) == 0);
	/* %mem in a property of a per-job form: not exact */
	res = ov("default(){max_swap=50%mem}=1G", 0, 10, M, 64 * GIB, 1);
	assert_false(res.exact);
	expect(&res, SL_OV_FITS, 10 * GIB, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_example),
		cmocka_unit_test(test_per_job_forms),
		cmocka_unit_test(test_share_forms),
		cmocka_unit_test(test_mem_percent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
