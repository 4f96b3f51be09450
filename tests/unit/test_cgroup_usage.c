/*
 * sl_cg_read_usage(): end-of-step figures from fake v1 and v2 step
 * cgroups; missing optional files degrade (have_swap_figures=false), only
 * a missing RAM limit (the cgroup is gone) fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cgroup.h"
#include "../tools/cg_fixture.h"

#define MiB (1024ULL * 1024ULL)

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	fx_init(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;
	fx_fini(f);
	free(f);
	return 0;
}

static const char v1_stat[] =
	"cache 0\nrss 104857600\nswap 0\npgfault 100\n"
	"hierarchical_memory_limit 104857600\n"
	"hierarchical_memsw_limit 171966464\n"
	"total_cache 4096\ntotal_rss 104857600\ntotal_swap 41943040\n"
	"total_swapcached 0\n";

static void v1_step(const fx_t *f, char *dir)
{
	fx_v1_tree(f, "209715200\n", "276824064\n", "104857600\n", "171966464\n");
	fx_path(f, dir, "cg/memory%s", FX_V1_STEP);
	fx_v1_file(f, FX_V1_STEP, "memory.max_usage_in_bytes", "104857600\n");
	fx_v1_file(f, FX_V1_STEP, "memory.memsw.max_usage_in_bytes", "150994944\n");
	fx_v1_file(f, FX_V1_STEP, "memory.memsw.failcnt", "3\n");
	fx_v1_file(f, FX_V1_STEP, "memory.stat", v1_stat);
	fx_v1_file(f, FX_V1_STEP, "memory.oom_control",
		   "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
	/* v1 counts an OOM kill in the victim's own cgroup only */
	fx_v1_file(f, FX_V1_TASK, "memory.oom_control",
		   "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
	char d[PATH_MAX];
	fx_path(f, d, "cg/memory%s/task_1", FX_V1_STEP);
	fx_mkdirs(d);
	fx_v1_file(f, FX_V1_STEP "/task_1", "memory.oom_control",
		   "oom_kill_disable 0\nunder_oom 1\noom_kill 4\n");
	/* a file, not a cgroup: ignored */
	fx_v1_file(f, FX_V1_STEP, "task_9", "oom_kill 100\n");
}

static void v1_full(void **state)
{
	fx_t *f = *state;
	char dir[PATH_MAX], msg[SL_CG_MSG_MAX];
	sl_cg_usage_t u;
	v1_step(f, dir);
	assert_int_equal(sl_cg_read_usage(SL_CG_V1, dir, &u, msg, sizeof msg), 0);
	assert_true(u.ram_limit == 100 * MiB);
	assert_true(u.swap_limit == 64 * MiB);
	assert_true(u.peak_ram == 100 * MiB);
	assert_true(u.peak_ram_swap == 144 * MiB);
	assert_true(u.peak_swap == 44 * MiB);
	assert_true(u.swap_now == 40 * MiB);
	assert_true(u.oom_kills == 7);
	assert_true(u.memsw_failcnt == 3);
	assert_true(u.have_swap_figures);
}

static void v1_unlimited(void **state)
{
	fx_t *f = *state;
	char dir[PATH_MAX], msg[SL_CG_MSG_MAX];
	sl_cg_usage_t u;
	v1_step(f, dir);
	fx_v1_file(f, FX_V1_STEP, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
	assert_int_equal(sl_cg_read_usage(SL_CG_V1, dir, &u, msg, sizeof msg), 0);
	assert_true(u.swap_limit == SL_CG_UNLIMITED);
	fx_v1_file(f, FX_V1_STEP, "memory.limit_in_bytes", "9223372036854771712\n");
	fx_v1_file(f, FX_V1_STEP, "memory.memsw.limit_in_bytes", "104857600\n");
	assert_int_equal(sl_cg_read_usage(SL_CG_V1, dir, &u, msg, sizeof msg), 0);
	assert_true(u.ram_limit == SL_CG_UNLIMITED);
	assert_true(u.swap_limit == SL_CG_UNLIMITED);
}

/* No swap accounting: no memsw files, no swap lines; not an error. */
static void v1_no_swap_accounting(void **state)
{
	fx_t *f = *state;
	char dir[PATH_MAX], msg[SL_CG_MSG_MAX];
	sl_cg_usage_t u;
	fx_v1_tree(f, "209715200\n", NULL, "104857600\n", NULL);
	fx_path(f, dir, "cg/memory%s", FX_V1_STEP);
	fx_v1_file(f, FX_V1_STEP, "memory.max_usage_in_bytes", "5000\n");
	fx_v1_file(f, FX_V1_STEP, "memory.stat", "cache 0\nrss 5000\n");
	assert_int_equal(sl_cg_read_usage(SL_CG_V1, dir, &u, msg, sizeof msg), 0);
	assert_false(u.have_swap_figures);
	assert_true(u.peak_ram == 5000);
	assert_true(u.swap_limit == 0 && u.peak_swap == 0 && u.swap_now == 0);
	assert_true(u.oom_kills == 0);
}

/* Garbage in optional files: those figures are skipped, no failure. */
static void v1_garbage_optional(void **state)
{
	fx_t *f = *state;
	char dir[PATH_MAX], msg[SL_CG_MSG_MAX];
	sl_cg_usage_t u;
	v1_step(f, dir);
	fx_v1_file(f, FX_V1_STEP, "memory.memsw.max_usage_in_bytes", "junk\n");
	fx_v1_file(f, FX_V1_STEP, "memory.stat", "total_swap lots\nswap 12\n");
	fx_v1_file(f, FX_V1_STEP, "memory.oom_control", "oom_kill -1\n");
	assert_int_equal(sl_cg_read_usage(SL_CG_V1, dir, &u, msg, sizeof msg), 0);
	assert_false(u.have_swap_figures);
	assert_true(u.swap_now == 12);
	assert_true(u.oom_kills == 6);
}

/* The RAM limit is required: a vanished cgroup, or garbage, fails. */
static void v1_required_limit(void **state)
{
	fx_t *f = *state;
	char dir[PATH_MAX], msg[SL_CG_MSG_MAX];
	sl_cg_usage_t u;
	v1_step(f, dir);
	fx_v1_file(f, FX_V1_STEP, "memory.limit_in_bytes", "x\n");
	assert_int_equal(sl_cg_read_usage(SL_CG_V1, dir, &u, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "memory.limit_in_bytes"));
	fx_rm_rf(dir);
	assert_int_equal(sl_cg_read_usage(SL_CG_V1, dir, &u, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "cgroup vanished"));
}

static void v2_step(const fx_t *f, char *dir)
{
	char p[PATH_MAX];
	fx_v2_tree(f, FX_V2_JOB, FX_V2_STEP, true, "209715200\n", "104857600\n", true);
	fx_path(f, dir, "cg%s/user", FX_V2_STEP);
	fx_fmt(p, sizeof p, "%s/memory.swap.max", dir);
	fx_put(p, "67108864\n");
	fx_fmt(p, sizeof p, "%s/memory.swap.current", dir);
	fx_put(p, "1048576\n");
	fx_fmt(p, sizeof p, "%s/memory.peak", dir);
	fx_put(p, "104857600\n");
	fx_fmt(p, sizeof p, "%s/memory.swap.peak", dir);
	fx_put(p, "52428800\n");
	fx_fmt(p, sizeof p, "%s/memory.events", dir);
	fx_put(p, "low 0\nhigh 0\nmax 17\noom 2\noom_kill 2\noom_group_kill 0\n");
	fx_fmt(p, sizeof p, "%s/memory.swap.events", dir);
	fx_put(p, "high 0\nmax 5\nfail 1\n");
}

static void rm_in(const char *dir, const char *name)
{
	char p[PATH_MAX];
	fx_fmt(p, sizeof p, "%s/%s", dir, name);
	unlink(p);
}

static void v2_full(void **state)
{
	fx_t *f = *state;
	char dir[PATH_MAX], msg[SL_CG_MSG_MAX];
	sl_cg_usage_t u;
	v2_step(f, dir);
	assert_int_equal(sl_cg_read_usage(SL_CG_V2, dir, &u, msg, sizeof msg), 0);
	assert_true(u.ram_limit == 100 * MiB);
	assert_true(u.swap_limit == 64 * MiB);
	assert_true(u.peak_ram == 100 * MiB);
	assert_true(u.peak_swap == 50 * MiB);
	assert_true(u.peak_ram_swap == 150 * MiB);
	assert_true(u.swap_now == 1 * MiB);
	assert_true(u.oom_kills == 2);
	assert_true(u.memsw_failcnt == 5);
	assert_true(u.have_swap_figures);
}

/* Older kernels: no memory.peak (< 5.19), no memory.swap.peak (< 6.5). */
static void v2_older_kernel(void **state)
{
	fx_t *f = *state;
	char dir[PATH_MAX], msg[SL_CG_MSG_MAX];
	sl_cg_usage_t u;
	v2_step(f, dir);
	rm_in(dir, "memory.peak");
	rm_in(dir, "memory.swap.peak");
	assert_int_equal(sl_cg_read_usage(SL_CG_V2, dir, &u, msg, sizeof msg), 0);
	assert_true(u.peak_ram == 0);
	assert_true(u.peak_swap == 1 * MiB);   /* swap.current: a lower bound */
	assert_true(u.have_swap_figures);
}

static void v2_no_swap_files(void **state)
{
	fx_t *f = *state;
	char dir[PATH_MAX], msg[SL_CG_MSG_MAX];
	sl_cg_usage_t u;
	v2_step(f, dir);
	rm_in(dir, "memory.swap.max");
	rm_in(dir, "memory.swap.current");
	rm_in(dir, "memory.swap.peak");
	rm_in(dir, "memory.swap.events");
	assert_int_equal(sl_cg_read_usage(SL_CG_V2, dir, &u, msg, sizeof msg), 0);
	assert_false(u.have_swap_figures);
	assert_true(u.swap_limit == 0 && u.swap_now == 0 && u.peak_swap == 0);
	assert_true(u.oom_kills == 2);
}

static void v2_unlimited_and_gone(void **state)
{
	fx_t *f = *state;
	char dir[PATH_MAX], p[PATH_MAX], msg[SL_CG_MSG_MAX];
	sl_cg_usage_t u;
	v2_step(f, dir);
	fx_fmt(p, sizeof p, "%s/memory.swap.max", dir);
	fx_put(p, "max\n");
	fx_fmt(p, sizeof p, "%s/memory.max", dir);
	fx_put(p, "max\n");
	assert_int_equal(sl_cg_read_usage(SL_CG_V2, dir, &u, msg, sizeof msg), 0);
	assert_true(u.swap_limit == SL_CG_UNLIMITED);
	assert_true(u.ram_limit == SL_CG_UNLIMITED);
	fx_rm_rf(dir);
	assert_int_equal(sl_cg_read_usage(SL_CG_V2, dir, &u, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "cgroup vanished"));
}

/* The swap limit alone, as task_init reads it for SWAPLIMIT_BYTES. */
static void swap_limit_only(void **state)
{
	fx_t *f = *state;
	char dir[PATH_MAX], msg[SL_CG_MSG_MAX];
	uint64_t lim = 0;
	v1_step(f, dir);
	assert_int_equal(sl_cg_read_swap_limit(SL_CG_V1, dir, &lim, msg, sizeof msg), 0);
	assert_true(lim == 64 * MiB);
	fx_v1_file(f, FX_V1_STEP, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
	assert_int_equal(sl_cg_read_swap_limit(SL_CG_V1, dir, &lim, msg, sizeof msg), 0);
	assert_true(lim == SL_CG_UNLIMITED);
	rm_in(dir, "memory.memsw.limit_in_bytes");
	assert_int_equal(sl_cg_read_swap_limit(SL_CG_V1, dir, &lim, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "memory.memsw.limit_in_bytes"));

	v2_step(f, dir);
	assert_int_equal(sl_cg_read_swap_limit(SL_CG_V2, dir, &lim, msg, sizeof msg), 0);
	assert_true(lim == 64 * MiB);
	char p[PATH_MAX];
	fx_fmt(p, sizeof p, "%s/memory.swap.max", dir);
	fx_put(p, "max\n");
	assert_int_equal(sl_cg_read_swap_limit(SL_CG_V2, dir, &lim, msg, sizeof msg), 0);
	assert_true(lim == SL_CG_UNLIMITED);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(swap_limit_only),
		T(v1_full),
		T(v1_unlimited),
		T(v1_no_swap_accounting),
		T(v1_garbage_optional),
		T(v1_required_limit),
		T(v2_full),
		T(v2_older_kernel),
		T(v2_no_swap_files),
		T(v2_unlimited_and_gone),
	};
	return cmocka_run_group_tests_name("cgroup_usage", tests, NULL, NULL);
}
