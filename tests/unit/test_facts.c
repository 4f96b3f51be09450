/*
 * The plugin's pure fact gathering (src/plugin/facts.c): counting
 * S_JOB_ALLOC_CORES, resolving the credential's ids to names, and deciding
 * the step's and the job's allowances from two evaluations.
 *
 * facts.c is not linked into the test binaries (only the plugin needs
 * it), so it is included here; it has no SPANK calls.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.c"

#define MiB (1024ull * 1024ull)
#define GiB (1024ull * MiB)

/* --- S_JOB_ALLOC_CORES ---------------------------------------------------- */

static uint64_t count(const char *s)
{
	uint64_t n = 12345;

	assert_int_equal(sl_count_cpu_list(s, &n), 0);
	return n;
}

static void test_count_cpu_list(void **state)
{
	(void)state;
	assert_int_equal(count("0"), 1);
	assert_int_equal(count("7"), 1);
	assert_int_equal(count("0-3"), 4);
	assert_int_equal(count("0-3,8,10-11"), 7);
	assert_int_equal(count("5-5"), 1);
	assert_int_equal(count("0,2,4,6"), 4);
	assert_int_equal(count("0-63,128-191"), 128);
	assert_int_equal(count("0-99999999"), 100000000);
}

static void test_count_cpu_list_refuses(void **state)
{
	static const char *bad[] = {
		"", "3-1", "a", "0-", "-1", "0,,1", "0, 1", "1,", ",1", "0-3 ",
		" 0", "0-3-5", "+1", "0x3", "100000001", "99999999999999999999",
		"0-100000001", "[0-3]", "0;1",
	};
	uint64_t n = 77;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sl_count_cpu_list(bad[i], &n), -1);
		assert_int_equal(n, 77);
	}
	assert_int_equal(sl_count_cpu_list(NULL, &n), -1);
	assert_int_equal(sl_count_cpu_list("1", NULL), -1);
}

/* --- names ----------------------------------------------------------------- */

static void test_names_root(void **state)
{
	sl_names_t n;
	char msg[128];
	gid_t sup[] = { 0, 0, 0 };

	(void)state;
	assert_int_equal(sl_names_resolve(0, 0, sup, 3, &n, msg, sizeof(msg)), 0);
	assert_non_null(n.user);
	assert_string_equal(n.user, "root");
	assert_int_equal(n.ngroups, 1);   /* duplicates dropped */
	assert_string_equal(n.groups[0], "root");
	assert_int_equal(n.unresolved, 0);
	sl_names_free(&n);
	assert_null(n.user);
	assert_int_equal(n.ngroups, 0);
	sl_names_free(&n);   /* twice is harmless */
	sl_names_free(NULL);
}

static void test_names_unknown_ids(void **state)
{
	sl_names_t n;
	char msg[128];
	/* Ids that no test machine names. */
	gid_t sup[] = { 3999998, 0 };

	(void)state;
	assert_int_equal(sl_names_resolve(3999999, 3999997, sup, 2, &n, msg,
					  sizeof(msg)),
			 0);
	assert_null(n.user);
	assert_int_equal(n.ngroups, 1);
	assert_string_equal(n.groups[0], "root");
	assert_int_equal(n.unresolved, 3);
	sl_names_free(&n);

	/* No supplementary groups at all (NULL with a count is ignored). */
	assert_int_equal(sl_names_resolve(0, 0, NULL, 5, &n, msg, sizeof(msg)), 0);
	assert_int_equal(n.ngroups, 1);
	sl_names_free(&n);
}

static void test_names_many_groups(void **state)
{
	enum { N = 2000 };
	gid_t *sup = calloc(N, sizeof(*sup));
	sl_names_t n;
	char msg[128];

	(void)state;
	assert_non_null(sup);
	for (size_t i = 0; i < N; i++)
		sup[i] = (gid_t)(i % 2 ? 0 : 3000000 + i);
	assert_int_equal(sl_names_resolve(0, 0, sup, N, &n, msg, sizeof(msg)), 0);
	assert_int_equal(n.ngroups, 1);
	assert_int_equal(n.unresolved, N / 2);
	sl_names_free(&n);
	free(sup);
}

/* --- deciding -------------------------------------------------------------- */

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

static sl_facts_t base_facts(const char *partition)
{
	sl_facts_t f;

	memset(&f, 0, sizeof(f));
	f.partition = partition;
	f.user = "alice";
	f.node_swap_bytes = 100 * GiB;
	return f;
}

static sl_counts_t counts_of(uint64_t step_cpus, uint64_t step_tasks,
			     uint64_t job_cpus, uint64_t step_ram,
			     uint64_t job_ram)
{
	sl_counts_t c = {
		.step_cpus = step_cpus, .step_tasks = step_tasks,
		.job_cpus = job_cpus, .step_ram = step_ram, .job_ram = job_ram,
	};
	return c;
}

static void test_decide_job_covers_allocation(void **state)
{
	sl_facts_t f = base_facts("workgroup");
	sl_counts_t c = counts_of(1, 1, 8, 1 * GiB, 4 * GiB);
	sl_decision_t d;

	(void)state;
	load("partition(standard)=0MiB,default(){min_swap=250MiB}=50MiB/cpu");
	sl_decide(bound, &f, &c, NULL, &d);
	assert_true(d.write);
	assert_int_equal(d.step.term, 2);
	assert_int_equal(d.step_swap, 250 * MiB);    /* 50 x 1, raised to 250 */
	assert_int_equal(d.job_swap, 400 * MiB);     /* 50 x 8 */
	assert_int_equal(d.step_facts.cpus, 1);
	assert_int_equal(d.job_facts.cpus, 8);
	assert_int_equal(d.job_facts.tasks, 8);
	assert_int_equal(d.step_facts.mem_bytes, 1 * GiB);
	assert_int_equal(d.job_facts.mem_bytes, 4 * GiB);
	assert_false(d.request_lowered);

	f = base_facts("standard");
	sl_decide(bound, &f, &c, NULL, &d);
	assert_true(d.write);
	assert_int_equal(d.step.term, 1);
	assert_int_equal(d.step_swap, 0);
	assert_int_equal(d.job_swap, 0);
}

static void test_decide_tasks_and_unknown_cores(void **state)
{
	sl_facts_t f = base_facts(NULL);
	sl_decision_t d;
	sl_counts_t c;

	(void)state;
	load("default()=10MiB/task");
	/* Job tasks: max(step tasks, job CPUs). */
	c = counts_of(2, 2, 4, GiB, GiB);
	sl_decide(bound, &f, &c, NULL, &d);
	assert_int_equal(d.step_swap, 20 * MiB);
	assert_int_equal(d.job_swap, 40 * MiB);
	/* An overcommitted step has more tasks than the job has CPUs: the job
	 * is never lower than the step. */
	c = counts_of(2, 6, 4, GiB, GiB);
	sl_decide(bound, &f, &c, NULL, &d);
	assert_int_equal(d.step_swap, 60 * MiB);
	assert_int_equal(d.job_swap, 60 * MiB);
	assert_int_equal(d.job_facts.tasks, 6);
	/* Unknown job cores (0): the job has at least the step's CPUs. */
	c = counts_of(3, 1, 0, GiB, GiB);
	sl_decide(bound, &f, &c, NULL, &d);
	assert_int_equal(d.job_facts.cpus, 3);
	assert_int_equal(d.job_swap, 30 * MiB);
	/* Hyperthreads: the core list counts fewer than the step's CPUs. */
	c = counts_of(4, 1, 2, GiB, GiB);
	sl_decide(bound, &f, &c, NULL, &d);
	assert_int_equal(d.job_facts.cpus, 4);
}

static void test_decide_percent_of_ram(void **state)
{
	sl_facts_t f = base_facts(NULL);
	sl_counts_t c = counts_of(1, 1, 2, 100 * MiB, 200 * MiB);
	sl_decision_t d;

	(void)state;
	load("default()=50%mem");
	sl_decide(bound, &f, &c, NULL, &d);
	assert_int_equal(d.step_swap, 50 * MiB);
	assert_int_equal(d.job_swap, 100 * MiB);
}

static void test_decide_none_and_no_match(void **state)
{
	sl_facts_t f = base_facts("reserved");
	sl_counts_t c = counts_of(1, 1, 2, GiB, GiB);
	sl_decision_t d;

	(void)state;
	load("host(node1)=none,default()=1GiB");
	sl_decide(bound, &f, &c, NULL, &d);
	assert_true(d.write);
	assert_int_equal(d.step.outcome, SL_UNLIMITED);
	assert_int_equal(d.step_swap, SL_UNLIMITED_BYTES);
	assert_int_equal(d.job_swap, SL_UNLIMITED_BYTES);
	unload(NULL);

	/* No term matches: nothing may be written. */
	load("partition(standard)=1GiB");
	sl_decide(bound, &f, &c, NULL, &d);
	assert_false(d.write);
	assert_int_equal(d.step.outcome, SL_NO_MATCH);
	/* A missing record (NULL partition) does not match partition(). */
	f.partition = NULL;
	sl_decide(bound, &f, &c, NULL, &d);
	assert_false(d.write);
}

static void test_decide_request_lowers_step_only(void **state)
{
	sl_facts_t f = base_facts(NULL);
	sl_counts_t c = counts_of(1, 1, 4, GiB, GiB);
	sl_decision_t d;
	uint64_t req;

	(void)state;
	load("default()=100MiB/cpu");
	req = 30 * MiB;
	sl_decide(bound, &f, &c, &req, &d);
	assert_int_equal(d.step_swap, 30 * MiB);
	assert_int_equal(d.job_swap, 400 * MiB);
	assert_true(d.request_lowered);
	/* A request above the grant changes nothing. */
	req = 10 * GiB;
	sl_decide(bound, &f, &c, &req, &d);
	assert_int_equal(d.step_swap, 100 * MiB);
	assert_false(d.request_lowered);
	req = SL_UNLIMITED_BYTES;
	sl_decide(bound, &f, &c, &req, &d);
	assert_int_equal(d.step_swap, 100 * MiB);
	req = 0;
	sl_decide(bound, &f, &c, &req, &d);
	assert_int_equal(d.step_swap, 0);
	assert_int_equal(d.job_swap, 400 * MiB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_cpu_list),
		cmocka_unit_test(test_count_cpu_list_refuses),
		cmocka_unit_test(test_names_root),
		cmocka_unit_test(test_names_unknown_ids),
		cmocka_unit_test(test_names_many_groups),
		cmocka_unit_test_teardown(test_decide_job_covers_allocation, unload),
		cmocka_unit_test_teardown(test_decide_tasks_and_unknown_cores, unload),
		cmocka_unit_test_teardown(test_decide_percent_of_ram, unload),
		cmocka_unit_test_teardown(test_decide_none_and_no_match, unload),
		cmocka_unit_test_teardown(test_decide_request_lowers_step_only, unload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
