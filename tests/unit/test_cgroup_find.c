/*
 * sl_cg_find(): locating a task's job and step memory cgroups from a fake
 * /proc/<pid>/cgroup and a fake cgroup mount (v1, v2 as Slurm 22.05 lays
 * it out, a newer v2 variant), and every way it refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cgroup.h"
#include "../tools/cg_fixture.h"

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

static void expect_dirs(const fx_t *f, const sl_cg_paths_t *p, const char *job,
			const char *step)
{
	char e[PATH_MAX];
	fx_fmt(e, sizeof e, "%s%s", f->cg, job);
	assert_string_equal(p->job_dir, e);
	fx_fmt(e, sizeof e, "%s%s", f->cg, step);
	assert_string_equal(p->step_dir, e);
}

static void expect_fail(const fx_t *f, const char *must1, const char *must2)
{
	sl_cg_paths_t p;
	char msg[SL_CG_MSG_MAX] = "";
	memset(&p, 0x5a, sizeof p);
	assert_int_equal(sl_cg_find(f->proc, FX_PID, f->cg, &p, msg, sizeof msg), -1);
	if (!strstr(msg, must1) || (must2 && !strstr(msg, must2)))
		fail_msg("message '%s' lacks '%s' / '%s'", msg, must1, must2 ? must2 : "");
	/* Nothing half-filled on failure. */
	assert_int_equal(p.job_dir[0], 0);
	assert_int_equal(p.step_dir[0], 0);
}

static void v1_slurm_layout(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char msg[SL_CG_MSG_MAX];
	fx_v1_tree(f, "104857600\n", "104857600\n", "104857600\n", "104857600\n");
	assert_int_equal(sl_cg_find(f->proc, FX_PID, f->cg, &p, msg, sizeof msg), 0);
	assert_int_equal(p.version, SL_CG_V1);
	expect_dirs(f, &p, "/memory" FX_V1_JOB, "/memory" FX_V1_STEP);
}

/* memory co-mounted with other controllers; slurmstepd itself sits in
 * step_batch (no task_ component); other hierarchies' lines ignored. */
static void v1_comounted_and_step_batch(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char msg[SL_CG_MSG_MAX], d[PATH_MAX];
	fx_path(f, d, "cg/memory/slurm_node1/uid_1000/job_77/step_batch");
	fx_mkdirs(d);
	fx_proc(f, FX_PID,
		"garbage line without colons\n"
		"5:cpu,cpuacct:/elsewhere/job_1/step_1\n"
		"4:cpuset,memory,hugetlb:/slurm_node1/uid_1000/job_77/step_batch\n"
		"0::/\n");
	assert_int_equal(sl_cg_find(f->proc, FX_PID, f->cg, &p, msg, sizeof msg), 0);
	assert_int_equal(p.version, SL_CG_V1);
	expect_dirs(f, &p, "/memory/slurm_node1/uid_1000/job_77",
		    "/memory/slurm_node1/uid_1000/job_77/step_batch");
}

/* A hybrid node (v1 memory + a v2 mount without memory): v1 wins. */
static void hybrid_prefers_v1(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char msg[SL_CG_MSG_MAX];
	fx_v1_tree(f, "1\n", "1\n", "1\n", "1\n");
	fx_putr(f, "cg/cgroup.controllers", "cpu io pids\n");
	assert_int_equal(sl_cg_find(f->proc, FX_PID, f->cg, &p, msg, sizeof msg), 0);
	assert_int_equal(p.version, SL_CG_V1);
}

static void v2_slurm_22_05_layout(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char msg[SL_CG_MSG_MAX];
	fx_v2_tree(f, FX_V2_JOB, FX_V2_STEP, true, "104857600\n", "104857600\n", true);
	assert_int_equal(sl_cg_find(f->proc, FX_PID, f->cg, &p, msg, sizeof msg), 0);
	assert_int_equal(p.version, SL_CG_V2);
	expect_dirs(f, &p, FX_V2_JOB, FX_V2_STEP "/user");
}

static void v2_newer_layout(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char msg[SL_CG_MSG_MAX];
	fx_v2_tree(f, FX_V2N_JOB, FX_V2N_STEP, true, "max\n", "max\n", true);
	assert_int_equal(sl_cg_find(f->proc, FX_PID, f->cg, &p, msg, sizeof msg), 0);
	assert_int_equal(p.version, SL_CG_V2);
	expect_dirs(f, &p, FX_V2N_JOB, FX_V2N_STEP "/user");
}

/* No user/ child: the step's own directory. */
static void v2_without_user_dir(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char msg[SL_CG_MSG_MAX];
	fx_v2_tree(f, FX_V2_JOB, FX_V2_STEP, false, "max\n", "max\n", true);
	assert_int_equal(sl_cg_find(f->proc, FX_PID, f->cg, &p, msg, sizeof msg), 0);
	expect_dirs(f, &p, FX_V2_JOB, FX_V2_STEP);
}

/* A plain file named user is not the user cgroup. */
static void v2_user_file_not_dir(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char msg[SL_CG_MSG_MAX], d[PATH_MAX];
	fx_v2_tree(f, FX_V2_JOB, FX_V2_STEP, false, "max\n", "max\n", true);
	fx_path(f, d, "cg%s/user", FX_V2_STEP);
	fx_put(d, "not a cgroup\n");
	assert_int_equal(sl_cg_find(f->proc, FX_PID, f->cg, &p, msg, sizeof msg), 0);
	expect_dirs(f, &p, FX_V2_JOB, FX_V2_STEP);
}

static void v2_without_memory_controller(void **state)
{
	fx_t *f = *state;
	fx_v2_tree(f, FX_V2_JOB, FX_V2_STEP, true, "max\n", "max\n", true);
	fx_putr(f, "cg/cgroup.controllers", "cpuset cpu io memoryx pids\n");
	expect_fail(f, "cgroup.controllers", "memory");
}

static void no_memory_line(void **state)
{
	fx_t *f = *state;
	char file[PATH_MAX];
	fx_v1_tree(f, "1\n", "1\n", "1\n", "1\n");
	fx_proc(f, FX_PID,
		"11:cpu,cpuacct:/slurm_node1/uid_1000/job_5/step_0/task_0\n"
		"9:freezer:/slurm_node1/uid_1000/job_5/step_0\n"
		"1:name=systemd:/system.slice/slurmd.service\n");
	fx_fmt(file, sizeof file, "%s/%d/cgroup", f->proc, FX_PID);
	expect_fail(f, file, "no memory controller line");
}

static void non_slurm_path(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX], file[PATH_MAX];
	fx_path(f, d, "cg/memory/user.slice/user-1000.slice/session-3.scope");
	fx_mkdirs(d);
	fx_proc_v1(f, FX_PID, "/user.slice/user-1000.slice/session-3.scope");
	fx_fmt(file, sizeof file, "%s/%d/cgroup", f->proc, FX_PID);
	expect_fail(f, file, "task/cgroup plugin enabled in slurm.conf");
}

static void job_without_step(void **state)
{
	fx_t *f = *state;
	fx_v1_tree(f, "1\n", "1\n", "1\n", "1\n");
	fx_proc_v1(f, FX_PID, FX_V1_JOB);
	expect_fail(f, "job_*/step_*", NULL);
	/* step_ not directly below job_ */
	fx_proc_v1(f, FX_PID, "/slurm_node1/job_5/other/step_0");
	expect_fail(f, "job_*/step_*", NULL);
	/* bare prefixes are not components */
	fx_proc_v1(f, FX_PID, "/slurm_node1/job_/step_");
	expect_fail(f, "job_*/step_*", NULL);
}

static void dot_dot_refused(void **state)
{
	fx_t *f = *state;
	fx_v1_tree(f, "1\n", "1\n", "1\n", "1\n");
	fx_proc_v1(f, FX_PID, "/slurm_node1/uid_1000/../../job_5/step_0");
	expect_fail(f, "job_*/step_*", NULL);
	fx_proc_v1(f, FX_PID, "/slurm_node1//job_5/step_0");
	expect_fail(f, "job_*/step_*", NULL);
}

static void unreadable_proc_file(void **state)
{
	fx_t *f = *state;
	char file[PATH_MAX];
	/* no <proc>/<pid> at all: the task is gone */
	fx_fmt(file, sizeof file, "%s/%d/cgroup", f->proc, FX_PID);
	expect_fail(f, file, "the task exited");
}

static void proc_file_is_directory(void **state)
{
	fx_t *f = *state;
	char file[PATH_MAX];
	fx_fmt(file, sizeof file, "%s/%d/cgroup", f->proc, FX_PID);
	fx_mkdirs(file);
	expect_fail(f, file, "EISDIR");
}

/* /proc names a cgroup that is not there (task exited, or a wrong
 * cgroup_root=). */
static void cgroup_dir_missing(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX];
	fx_v1_tree(f, "1\n", "1\n", "1\n", "1\n");
	fx_path(f, d, "cg/memory%s", FX_V1_STEP);
	fx_rm_rf(d);
	expect_fail(f, "not a directory", "cgroup_root=");
}

static void bad_pid(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char msg[SL_CG_MSG_MAX];
	assert_int_equal(sl_cg_find(f->proc, 0, f->cg, &p, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "pid"));
	assert_int_equal(sl_cg_find(f->proc, -3, f->cg, &p, NULL, 0), -1);
}

/* The message buffer is optional and never overrun. */
static void small_message_buffer(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char msg[16];
	memset(msg, 'x', sizeof msg);
	fx_proc_v1(f, FX_PID, "/nothing/here");
	assert_int_equal(sl_cg_find(f->proc, FX_PID, f->cg, &p, msg, 8), -1);
	assert_int_equal(strlen(msg), 7);
	assert_int_equal(msg[8], 'x');
	assert_int_equal(sl_cg_find(f->proc, FX_PID, f->cg, &p, NULL, 0), -1);
}

/* The real /proc of this process: v1 here; whatever it is, the call
 * returns cleanly (this process is in no Slurm step). */
static void real_proc_self(void **state)
{
	(void)state;
	sl_cg_paths_t p;
	char msg[SL_CG_MSG_MAX];
	int rc = sl_cg_find(NULL, getpid(), NULL, &p, msg, sizeof msg);
	if (rc == 0)
		assert_non_null(strstr(p.step_dir, "step_"));
	else
		assert_true(strlen(msg) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(v1_slurm_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(v1_comounted_and_step_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(hybrid_prefers_v1, setup, teardown),
		cmocka_unit_test_setup_teardown(v2_slurm_22_05_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(v2_newer_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(v2_without_user_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(v2_user_file_not_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(v2_without_memory_controller, setup, teardown),
		cmocka_unit_test_setup_teardown(no_memory_line, setup, teardown),
		cmocka_unit_test_setup_teardown(non_slurm_path, setup, teardown),
		cmocka_unit_test_setup_teardown(job_without_step, setup, teardown),
		cmocka_unit_test_setup_teardown(dot_dot_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(unreadable_proc_file, setup, teardown),
		cmocka_unit_test_setup_teardown(proc_file_is_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(cgroup_dir_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_pid, setup, teardown),
		cmocka_unit_test_setup_teardown(small_message_buffer, setup, teardown),
		cmocka_unit_test(real_proc_self),
	};
	return cmocka_run_group_tests_name("cgroup_find", tests, NULL, NULL);
}
