/*
 * The plugin's pure fact gathering (src/node/facts.c): counting
 * S_JOB_ALLOC_CORES, resolving the credential's ids to names, and deciding
 * the step's and the job's allowances from two evaluations.
 *
 * facts.o is linked into the test binaries (NODE_OBJ): it has no SPANK
 * calls.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"

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

/* --- CPU count lists ----------------------------------------------------- */

static void test_cpus_per_node(void **state)
{
	uint64_t nodes = 0, cpus = 0;

	(void)state;
	/* every node the same: no index needed */
	assert_int_equal(sl_cpus_per_node("8", SIZE_MAX, &nodes, &cpus), 0);
	assert_int_equal(cpus, 8);
	assert_int_equal(nodes, 1);
	assert_int_equal(sl_cpus_per_node("4(x3)", SIZE_MAX, &nodes, &cpus), 0);
	assert_int_equal(cpus, 4);
	assert_int_equal(nodes, 3);
	/* they differ: 1 without an index, the node's entry with one */
	assert_int_equal(sl_cpus_per_node("8(x2),4", SIZE_MAX, &nodes, &cpus), 1);
	assert_int_equal(nodes, 3);
	assert_int_equal(sl_cpus_per_node("8(x2),4", 1, NULL, &cpus), 0);
	assert_int_equal(cpus, 8);
	assert_int_equal(sl_cpus_per_node("8(x2),4", 2, NULL, &cpus), 0);
	assert_int_equal(cpus, 4);
	assert_int_equal(sl_cpus_per_node("8(x2),4", 3, NULL, &cpus), -1);
	/* malformed */
	assert_int_equal(sl_cpus_per_node("", SIZE_MAX, NULL, &cpus), -1);
	assert_int_equal(sl_cpus_per_node(NULL, SIZE_MAX, NULL, &cpus), -1);
	assert_int_equal(sl_cpus_per_node("8(3)", SIZE_MAX, NULL, &cpus), -1);
	assert_int_equal(sl_cpus_per_node("8(x0)", SIZE_MAX, NULL, &cpus), -1);
	assert_int_equal(sl_cpus_per_node("8,", SIZE_MAX, NULL, &cpus), -1);
	assert_int_equal(sl_cpus_per_node("8(x2", SIZE_MAX, NULL, &cpus), -1);
	assert_int_equal(sl_cpus_per_node("-1", SIZE_MAX, NULL, &cpus), -1);
}

static void test_nss_resolve_name(void **state)
{
	uint32_t id = 7;

	(void)state;
	assert_int_equal(sl_nss_resolve_name(NULL, false, "root", &id), 1);
	assert_int_equal(id, 0);
	id = 7;
	assert_int_equal(sl_nss_resolve_name(NULL, true, "root", &id), 1);
	assert_int_equal(id, 0);
	assert_int_equal(sl_nss_resolve_name(NULL, false,
					     "no-such-user-swaplimit", &id), 0);
	assert_int_equal(sl_nss_resolve_name(NULL, true,
					     "no-such-group-swaplimit", &id), 0);
}

/* What the task's cgroups are checked against (sl_cg_find_job()). */
static void test_cg_want_fill(void **state)
{
	sl_cg_job_t w;

	(void)state;
	sl_cg_want_fill(&w, 42, 3, true, 1000, "s8X5M8RBXF7R00");
	assert_true(w.check_job_id);
	assert_int_equal(w.job_id, 42);
	assert_true(w.check_step_id);
	assert_int_equal(w.step_id, 3);
	assert_true(w.check_uid);
	assert_int_equal(w.uid, 1000);
	assert_string_equal(w.sluid, "s8X5M8RBXF7R00");

	/* Slurm's special steps: the same values as cg_find.c's names */
	sl_cg_want_fill(&w, 42, 0xfffffffbU, true, 0, NULL);   /* batch */
	assert_true(w.check_step_id);
	assert_int_equal(w.step_id, SL_CG_STEP_BATCH);
	assert_null(w.sluid);
	sl_cg_want_fill(&w, 42, 0xfffffffcU, true, 0, NULL);   /* extern */
	assert_true(w.check_step_id);
	assert_int_equal(w.step_id, SL_CG_STEP_EXTERN);
	sl_cg_want_fill(&w, 42, 0xfffffffaU, true, 0, NULL);   /* interactive */
	assert_true(w.check_step_id);
	assert_int_equal(w.step_id, SL_CG_STEP_INTERACTIVE);
	/* other special values (pending step...) have no cgroup: unchecked */
	sl_cg_want_fill(&w, 42, 0xfffffffdU, true, 0, NULL);
	assert_false(w.check_step_id);
	assert_true(w.check_job_id);
	sl_cg_want_fill(&w, 42, 0xfffffff0U, true, 0, NULL);
	assert_false(w.check_step_id);
	sl_cg_want_fill(&w, 42, 0xffffffefU, true, 0, NULL);   /* a number */
	assert_true(w.check_step_id);

	/* no uid item: not checked; "" SLUID: none */
	sl_cg_want_fill(&w, 7, 0, false, 1000, "");
	assert_false(w.check_uid);
	assert_int_equal(w.uid, 0);
	assert_null(w.sluid);
	assert_true(w.check_step_id);
	assert_int_equal(w.step_id, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_cpu_list),
		cmocka_unit_test(test_count_cpu_list_refuses),
		cmocka_unit_test(test_names_root),
		cmocka_unit_test(test_names_unknown_ids),
		cmocka_unit_test(test_names_many_groups),
		cmocka_unit_test(test_cpus_per_node),
		cmocka_unit_test(test_nss_resolve_name),
		cmocka_unit_test(test_cg_want_fill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
