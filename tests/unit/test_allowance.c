/*
 * The job's and the step's allowance (src/engine/allowance.c): the one
 * computation the plugin and `swaplimit eval` share.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "allowance.h"
#include "rules.h"

#define MiB (1024ull * 1024ull)
#define GiB (1024ull * MiB)

static sl_rules_t *rules;
static sl_bound_t *bound;

static void load(const char *text)
{
	sl_error_t err;

	memset(&err, 0, sizeof(err));
	rules = sl_rules_compile(text, strlen(text), "rules", false, &err);
	if (!rules)
		fail_msg("%s:%u:%u: %s", err.source, err.line, err.col,
			 err.message);
	bound = sl_rules_bind(rules, "node1");
	assert_non_null(bound);
}

static int unload(void **state)
{
	(void)state;
	if (bound)
		sl_bound_free(bound);
	if (rules)
		sl_rules_free(rules);
	bound = NULL;
	rules = NULL;
	return 0;
}

/* A job on node1 holding job_cpus CPUs; its step's shape. */
static sl_allow_in_t in_of(const char *partition, uint64_t job_cpus,
			   uint64_t step_cpus, uint64_t step_tasks,
			   uint64_t step_ram, uint64_t job_ram)
{
	sl_allow_in_t in;

	memset(&in, 0, sizeof(in));
	in.base.partition = partition;
	in.base.user = "alice";
	in.base.node_swap_bytes = 100 * GiB;
	in.job_cpus = job_cpus;
	in.step_cpus = step_cpus;
	in.step_tasks = step_tasks;
	in.step_ram = step_ram;
	in.job_ram = job_ram;
	in.slurm_job_swap = SL_UNLIMITED_BYTES;
	in.slurm_step_swap = SL_UNLIMITED_BYTES;
	return in;
}

static void test_job_covers_allocation(void **state)
{
	sl_allow_in_t in = in_of("workgroup", 8, 1, 1, GiB, 4 * GiB);
	sl_allow_t d;

	(void)state;
	load("partition(standard)=0MiB,default(){min_swap=250MiB}=50MiB/cpu");
	sl_allowance(bound, &in, &d);
	assert_true(d.write);
	assert_int_equal(d.source, SL_FROM_RULE);
	assert_int_equal(d.step.term, 2);
	assert_int_equal(d.step_swap, 250 * MiB);    /* 50 x 1, raised to 250 */
	assert_int_equal(d.job_swap, 400 * MiB);     /* 50 x 8 */
	assert_int_equal(d.job_facts.cpus, 8);
	assert_int_equal(d.job_facts.tasks, 8);
	assert_int_equal(d.step_facts.mem_bytes, GiB);
	assert_int_equal(d.job_facts.mem_bytes, 4 * GiB);

	in.base.partition = "standard";
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.step.term, 1);
	assert_int_equal(d.step_swap, 0);
	assert_int_equal(d.job_swap, 0);
}

/* Issue 10: srun -O -n 32 -c 1 on a one-CPU job got 32 x 8 MiB. */
static void test_overcommit_cannot_inflate(void **state)
{
	sl_allow_in_t in = in_of(NULL, 1, 1, 32, GiB, GiB);
	sl_allow_t d;

	(void)state;
	load("default()=8MiB/task");
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.step_facts.tasks, 1);
	assert_true(d.tasks_capped);
	assert_int_equal(d.step_swap, 8 * MiB);
	assert_int_equal(d.job_swap, 8 * MiB);
	/* 1000 tasks of sleep on 4 CPUs: at most 4 tasks count. */
	in = in_of(NULL, 4, 4, 1000, GiB, GiB);
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.step_swap, 32 * MiB);
	assert_int_equal(d.job_swap, 32 * MiB);
	/* A step's CPUs above the job's (should not happen) are capped too. */
	in = in_of(NULL, 2, 6, 1, GiB, GiB);
	unload(NULL);
	load("default()=8MiB/cpu");
	sl_allowance(bound, &in, &d);
	assert_true(d.cpus_capped);
	assert_int_equal(d.step_swap, 16 * MiB);
}

/* The job's value depends on job-wide facts only: the same for every
 * step shape, threads per core included (the batch step has all 8
 * threads, an srun -c2 two of them: both write 8 GiB for the job). */
static void test_job_value_same_in_every_step(void **state)
{
	static const uint64_t shapes[][2] = {
		{ 8, 1 }, { 2, 1 }, { 1, 8 }, { 8, 64 }, { 4, 2 },
	};
	sl_allow_t d;

	(void)state;
	load("default()=1GiB/cpu");
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		sl_allow_in_t in = in_of(NULL, 8, shapes[i][0], shapes[i][1],
					 GiB, 2 * GiB);

		sl_allowance(bound, &in, &d);
		assert_int_equal(d.job_swap, 8 * GiB);
		assert_true(d.step_swap <= d.job_swap);
	}
	unload(NULL);
	load("default()=1GiB/task");
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		sl_allow_in_t in = in_of(NULL, 8, shapes[i][0], shapes[i][1],
					 GiB, 2 * GiB);

		sl_allowance(bound, &in, &d);
		assert_int_equal(d.job_swap, 8 * GiB);
	}
}

static void test_unknown_job_cpus(void **state)
{
	sl_allow_in_t in = in_of(NULL, 0, 3, 1, GiB, GiB);
	sl_allow_t d;

	(void)state;
	load("default()=10MiB/cpu");
	sl_allowance(bound, &in, &d);
	assert_true(d.job_cpus_unknown);
	assert_int_equal(d.job_facts.cpus, 3);
	assert_int_equal(d.job_swap, 30 * MiB);
}

static void test_percent_of_ram(void **state)
{
	sl_allow_in_t in = in_of(NULL, 2, 1, 1, 100 * MiB, 200 * MiB);
	sl_allow_t d;

	(void)state;
	load("default()=50%mem");
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.step_swap, 50 * MiB);
	assert_int_equal(d.job_swap, 100 * MiB);
}

static void test_extern_step_gets_job_facts(void **state)
{
	sl_allow_in_t in = in_of(NULL, 4, 0, 0, 2 * GiB, 2 * GiB);
	sl_allow_t d;

	(void)state;
	load("default()=100MiB/cpu");
	in.whole_job_step = true;
	sl_allowance(bound, &in, &d);
	assert_true(d.write);
	assert_int_equal(d.job_swap, 400 * MiB);
	assert_int_equal(d.step_swap, 400 * MiB);
}

static void test_none_and_no_match(void **state)
{
	sl_allow_in_t in = in_of("reserved", 2, 1, 1, GiB, GiB);
	sl_allow_t d;

	(void)state;
	load("host(node1)=none,default()=1GiB");
	sl_allowance(bound, &in, &d);
	assert_true(d.write);
	assert_int_equal(d.step.outcome, SL_UNLIMITED);
	assert_int_equal(d.step_swap, SL_UNLIMITED_BYTES);
	assert_int_equal(d.job_swap, SL_UNLIMITED_BYTES);
	unload(NULL);

	/* No term matches: nothing may be written... */
	load("partition(standard)=1GiB");
	sl_allowance(bound, &in, &d);
	assert_false(d.write);
	assert_int_equal(d.source, SL_FROM_NOTHING);
}

/* Issue 10: --swap=0 must mean "never swap" even when no term matches;
 * the job keeps what Slurm set. */
static void test_request_applies_without_match(void **state)
{
	sl_allow_in_t in = in_of("reserved", 2, 1, 1, GiB, GiB);
	sl_allow_t d;

	(void)state;
	load("partition(standard)=1GiB");
	in.request_given = true;
	in.request = 0;
	in.slurm_job_swap = 300 * MiB;
	in.slurm_step_swap = SL_UNLIMITED_BYTES;
	sl_allowance(bound, &in, &d);
	assert_true(d.write);
	assert_int_equal(d.source, SL_FROM_NOTHING);
	assert_int_equal(d.step_swap, 0);
	assert_int_equal(d.job_swap, 300 * MiB);
	assert_true(d.request_lowered);
	/* "none" or a request above what Slurm set: still nothing to write */
	in.request = SL_UNLIMITED_BYTES;
	sl_allowance(bound, &in, &d);
	assert_false(d.write);
	in.request = 2 * GiB;
	in.slurm_step_swap = GiB;
	sl_allowance(bound, &in, &d);
	assert_false(d.write);
}

static void test_request_lowers_step_only(void **state)
{
	sl_allow_in_t in = in_of(NULL, 8, 2, 2, GiB, GiB);
	sl_allow_t d;

	(void)state;
	load("default()=50MiB/cpu");
	in.request_given = true;
	in.request = 64 * MiB;
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.grant, 100 * MiB);
	assert_int_equal(d.step_swap, 64 * MiB);
	assert_int_equal(d.job_swap, 400 * MiB);
	assert_true(d.request_lowered);
	in.request = GiB;
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.step_swap, 100 * MiB);
	assert_true(d.request_above);
	assert_false(d.request_lowered);
	in.request = SL_UNLIMITED_BYTES;
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.step_swap, 100 * MiB);
	assert_false(d.request_above);
}

/* What lands in the file is a whole number of pages, and that is what
 * the allowance says (log, SWAPLIMIT_BYTES and file agree). */
static void test_page_rounding(void **state)
{
	sl_allow_in_t in = in_of(NULL, 2, 1, 1, GiB, GiB);
	sl_allow_t d;

	(void)state;
	load("default()=1%");
	in.base.node_swap_bytes = 536985600 + 100;   /* 1%: 5369857 bytes */
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.step.swap_bytes, 5369857);
	assert_int_equal(d.step_swap, 5369856 / 4096 * 4096);
	assert_int_equal(d.job_swap, 5369856 / 4096 * 4096);
	in.page_size = 65536;
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.step_swap, 5369857 / 65536 * 65536);
	/* a request is rounded the same way */
	in.page_size = 0;
	in.request_given = true;
	in.request = 5000;
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.step_swap, 4096);
	assert_int_equal(sl_page_round(SL_UNLIMITED_BYTES, 4096),
			 SL_UNLIMITED_BYTES);
	assert_int_equal(sl_page_round(4095, 0), 0);
}

/* 2^64-1 is a legal size and the "unlimited" marker: a finite answer must
 * stay finite (issue 10: eval --node-swap 18446744073709551615B). */
static void test_largest_finite(void **state)
{
	sl_allow_in_t in = in_of(NULL, 1, 1, 1, GiB, GiB);
	sl_allow_t d;

	(void)state;
	load("default()=100%");
	in.base.node_swap_bytes = UINT64_MAX;
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.step.outcome, SL_LIMITED);
	assert_int_equal(d.step_swap, UINT64_MAX / 4096 * 4096);
	assert_true(d.job_swap != SL_UNLIMITED_BYTES);
	in.page_size = 1;
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.step_swap, UINT64_MAX - 1);
	assert_int_equal(d.job_swap, UINT64_MAX - 1);
}

/* cgroup v1 without a RAM limit: memsw cannot limit swap; say so. */
static void test_v1_without_ram_limit(void **state)
{
	sl_allow_in_t in = in_of(NULL, 2, 1, 1, SL_UNLIMITED_BYTES,
				 SL_UNLIMITED_BYTES);
	sl_allow_t d;

	(void)state;
	load("default()=0");
	in.memsw = true;
	sl_allowance(bound, &in, &d);
	assert_false(d.write);            /* nothing that could loosen Slurm's */
	assert_true(d.job_unenforceable);
	assert_true(d.step_unenforceable);
	assert_int_equal(d.step_swap, SL_UNLIMITED_BYTES);
	assert_int_equal(d.job_swap, SL_UNLIMITED_BYTES);
	/* v2 has memory.swap.max: 0 is 0 */
	in.memsw = false;
	sl_allowance(bound, &in, &d);
	assert_true(d.write);
	assert_false(d.step_unenforceable);
	assert_int_equal(d.step_swap, 0);
	/* v1, a job RAM limit but none in the step: only the step is */
	in.memsw = true;
	in.job_ram = GiB;
	sl_allowance(bound, &in, &d);
	assert_false(d.job_unenforceable);
	assert_true(d.step_unenforceable);
	assert_int_equal(d.job_swap, 0);
}

/* Issue 10: a missing prolog record must not fall through to default(). */
static void test_undecidable_uses_fallback(void **state)
{
	sl_allow_in_t in = in_of(NULL, 2, 1, 1, GiB, GiB);
	sl_allow_t d;

	(void)state;
	load("partition(standard)=0MiB,default()=1GiB");
	in.base.partition_unknown = true;
	sl_allowance(bound, &in, &d);
	assert_true(d.write);
	assert_int_equal(d.source, SL_FROM_FALLBACK);
	assert_int_equal(d.step.outcome, SL_UNDECIDABLE);
	assert_int_equal(d.step.term, 1);
	assert_int_equal(d.step_swap, 0);     /* fallback 0: never swap */
	assert_int_equal(d.job_swap, 0);
	assert_non_null(strstr(d.step.why, "partition is unknown"));
	in.fallback = 256 * MiB;
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.step_swap, 256 * MiB);
	assert_int_equal(d.job_swap, 256 * MiB);
	in.fallback = SL_UNLIMITED_BYTES;
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.job_swap, SL_UNLIMITED_BYTES);
	/* a request still lowers the step */
	in.request_given = true;
	in.request = 0;
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.step_swap, 0);
}

/* A fake NSS: alice=1000, bob=1001, admins=50, "ldapdown" fails. */
static int fake_resolve(void *ctx, bool group, const char *name, uint32_t *id)
{
	int *calls = ctx;

	(*calls)++;
	if (strcmp(name, "ldapdown") == 0)
		return -1;
	if (!group && strcmp(name, "alice") == 0) { *id = 1000; return 1; }
	if (!group && strcmp(name, "bob") == 0) { *id = 1001; return 1; }
	if (group && strcmp(name, "admins") == 0) { *id = 50; return 1; }
	return 0;
}

/* Issue 10: the rules' names are resolved once; steps compare ids. */
static void test_user_group_by_id(void **state)
{
	static const uint32_t gids[] = { 100, 50 };
	sl_allow_in_t in = in_of(NULL, 1, 1, 1, GiB, GiB);
	sl_allow_t d;
	int calls = 0;

	(void)state;
	load("user(bob,nosuch)=1G,group(admins)=2G,user(ldapdown)=3G,default()=0");
	assert_int_equal(sl_bound_resolve_ids(bound, fake_resolve, &calls), 0);
	assert_int_equal(calls, 4);       /* once per name, not per step */
	in.base.user = NULL;              /* no names: ids only */
	in.base.ids = true;
	in.base.uid = 1001;
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.step.term, 1);
	assert_int_equal(d.step_swap, GiB);
	in.base.uid = 1000;
	in.base.gids = gids;
	in.base.ngids = 2;
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.step.term, 2);
	/* a name whose lookup failed: undecidable, fallback */
	in.base.ngids = 1;
	in.fallback = 4096;
	sl_allowance(bound, &in, &d);
	assert_int_equal(d.source, SL_FROM_FALLBACK);
	assert_int_equal(d.step.term, 3);
	assert_int_equal(d.step_swap, 4096);
	assert_int_equal(calls, 4);
}


/* The node's RAM and CPUs reach both evaluations; each uses its own RAM
 * limit and CPUs. */
static void test_share_forms(void **state)
{
	sl_allow_in_t in = in_of("p", 4, 2, 2, 4 * GiB, 8 * GiB);
	sl_allow_t out;

	(void)state;
	load("partition(p)=100%/memshare,default()=64GiB/cpushare");
	in.node_mem_bytes = 256 * GiB;
	in.node_cpus = 64;
	/* the base's figures are not the ones used */
	in.base.node_mem_bytes = 1;
	in.base.node_cpus = 1;
	sl_allowance(bound, &in, &out);
	assert_int_equal(out.source, SL_FROM_RULE);
	assert_int_equal(out.job_facts.node_mem_bytes, 256 * GiB);
	assert_int_equal(out.step_facts.node_cpus, 64);
	/* 100GiB x 8/256 and x 4/256 */
	assert_int_equal(out.job_swap, 3200 * MiB);
	assert_int_equal(out.step_swap, 1600 * MiB);

	in.base.partition = "other";
	sl_allowance(bound, &in, &out);
	assert_int_equal(out.job_swap, 4 * GiB);   /* 64GiB x 4/64 */
	assert_int_equal(out.step_swap, 2 * GiB);

	/* unknown node figure: the fallback, for both */
	in.node_cpus = 0;
	in.fallback = 256 * MiB;
	sl_allowance(bound, &in, &out);
	assert_int_equal(out.source, SL_FROM_FALLBACK);
	assert_int_equal(out.job_swap, 256 * MiB);
	assert_int_equal(out.step_swap, 256 * MiB);
	assert_string_equal(out.job.why,
			    "term 2 cannot be decided: the node's CPU count is unknown (needed by /cpushare)");

	/* no job RAM limit: /memshare cannot be decided, even if the step
	 * has one */
	in = in_of("p", 4, 2, 2, 4 * GiB, SL_UNLIMITED_BYTES);
	in.node_mem_bytes = 256 * GiB;
	in.node_cpus = 64;
	sl_allowance(bound, &in, &out);
	assert_int_equal(out.source, SL_FROM_FALLBACK);
	assert_int_equal(out.job_swap, 0);
	assert_int_equal(out.step_swap, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_job_covers_allocation, unload),
		cmocka_unit_test_teardown(test_overcommit_cannot_inflate, unload),
		cmocka_unit_test_teardown(test_job_value_same_in_every_step, unload),
		cmocka_unit_test_teardown(test_unknown_job_cpus, unload),
		cmocka_unit_test_teardown(test_percent_of_ram, unload),
		cmocka_unit_test_teardown(test_extern_step_gets_job_facts, unload),
		cmocka_unit_test_teardown(test_none_and_no_match, unload),
		cmocka_unit_test_teardown(test_request_applies_without_match, unload),
		cmocka_unit_test_teardown(test_request_lowers_step_only, unload),
		cmocka_unit_test_teardown(test_page_rounding, unload),
		cmocka_unit_test_teardown(test_v1_without_ram_limit, unload),
		cmocka_unit_test_teardown(test_largest_finite, unload),
		cmocka_unit_test_teardown(test_undecidable_uses_fallback, unload),
		cmocka_unit_test_teardown(test_user_group_by_id, unload),
		cmocka_unit_test_teardown(test_share_forms, unload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
