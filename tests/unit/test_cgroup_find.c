/*
 * sl_cg_find() / sl_cg_find_job(): locating a task's job and step memory
 * cgroups from a fake /proc/<pid>/cgroup, a fake cgroup mount and a fake
 * mount table, for every layout Slurm 22.05 to 26.05 creates (v1; v2 with
 * job_<id>, with the SLUID, heterogeneous steps, CgroupSlice, containers),
 * and every way it refuses, each with the message that names the cause.
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

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static const sl_cg_job_t no_checks;

/* Find with root (NULL: the mount table) and *job; returns the rc, the
 * paths and the message. */
static int run(const fx_t *f, const char *root, const sl_cg_job_t *job,
	       sl_cg_paths_t *p, char *msg)
{
	msg[0] = '\0';
	memset(p, 0x5a, sizeof *p);
	int rc = job ? sl_cg_find_job(f->proc, FX_PID, root, job, p, msg, SL_CG_MSG_MAX)
		     : sl_cg_find(f->proc, FX_PID, root, p, msg, SL_CG_MSG_MAX);
	if (rc != 0) {
		/* Nothing half-filled on failure, and the message whole. */
		assert_int_equal(p->version, 0);
		assert_int_equal(p->job_dir[0], 0);
		assert_int_equal(p->step_dir[0], 0);
		if (strlen(msg) >= SL_CG_MSG_MAX - 1)
			fail_msg("message truncated: '%s'", msg);
	}
	return rc;
}

/* Expect success with dirs <base>/<job> and <base>/<step> (base relative
 * to the fixture's root, e.g. "cg/memory"). */
static void expect_ok(const fx_t *f, const char *root, const sl_cg_job_t *job,
		      sl_cg_version_t v, const char *base, const char *jobp,
		      const char *stepp)
{
	sl_cg_paths_t p;
	char msg[SL_CG_MSG_MAX], e[PATH_MAX];
	if (run(f, root, job, &p, msg) != 0)
		fail_msg("refused: %s", msg);
	assert_int_equal(p.version, v);
	fx_fmt(e, sizeof e, "%s/%s%s", f->root, base, jobp);
	assert_string_equal(p.job_dir, e);
	fx_fmt(e, sizeof e, "%s/%s%s", f->root, base, stepp);
	assert_string_equal(p.step_dir, e);
}

/* Expect -1 with a message holding every one of the NULL-terminated
 * strings. */
static void expect_fail_v(const fx_t *f, const char *root, const sl_cg_job_t *job,
			  ...)
{
	sl_cg_paths_t p;
	char msg[SL_CG_MSG_MAX];
	if (run(f, root, job, &p, msg) != -1)
		fail_msg("accepted: job_dir=%s step_dir=%s", p.job_dir, p.step_dir);
	va_list ap;
	va_start(ap, job);
	for (const char *s; (s = va_arg(ap, const char *)); )
		if (!strstr(msg, s)) {
			va_end(ap);
			fail_msg("message '%s' lacks '%s'", msg, s);
		}
	va_end(ap);
}
#define expect_fail(f, root, job, ...) expect_fail_v(f, root, job, __VA_ARGS__, (const char *)NULL)

/* The messages' fragments for each cause. */
#define NOT_CONFINED "TaskPlugin=task/cgroup"
#define UNKNOWN "not a Slurm job step layout swaplimit knows"
#define KNOWN "sSLUID/step_S (26.05)"

/* A v1 tree: cg/memory<step>/task_0 with limits at job and step; the
 * task's /proc file names the task's cgroup. */
static void v1_at(const fx_t *f, const char *job, const char *step)
{
	char d[PATH_MAX];
	fx_path(f, d, "cg/memory%s/task_0", step);
	fx_mkdirs(d);
	fx_v1_file(f, job, "memory.limit_in_bytes", "104857600\n");
	fx_v1_file(f, step, "memory.limit_in_bytes", "104857600\n");
	fx_fmt(d, sizeof d, "%s/task_0", step);
	fx_proc_v1(f, FX_PID, d);
}

/* A v2 tree below cg/ with step/user/task_0 (the v2 fixture). */
static void v2_at(const fx_t *f, const char *job, const char *step)
{
	fx_v2_tree(f, job, step, true, "104857600\n", "104857600\n", true);
}

/* Only the /proc file (for refusals: the dirs are never looked at). */
static void v1_proc(const fx_t *f, const char *path)
{
	fx_putr(f, "cg/cgroup.controllers", "cpu io pids\n");
	fx_proc_v1(f, FX_PID, path);
}

static void v2_proc(const fx_t *f, const char *path)
{
	fx_putr(f, "cg/cgroup.controllers", "cpuset cpu io memory pids\n");
	fx_proc_v2(f, FX_PID, path);
}

/* ---- layouts ------------------------------------------------------ */

static void v1_slurm_layout(void **state)
{
	fx_t *f = *state;
	fx_v1_tree(f, "104857600\n", "104857600\n", "104857600\n", "104857600\n");
	expect_ok(f, f->cg, NULL, SL_CG_V1, "cg/memory", FX_V1_JOB, FX_V1_STEP);
}

/* Every step name Slurm gives (log_build_step_id_str), and /slurm without
 * a node name (builds without --enable-multiple-slurmd). */
static void v1_step_names(void **state)
{
	fx_t *f = *state;
	static const char *const steps[] = {
		"step_batch", "step_extern", "step_interactive", "step_0",
		"step_4294967280", "step_3+1", "step_12+0",
	};
	char job[PATH_MAX], step[PATH_MAX];
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		fx_fmt(job, sizeof job, "/slurm/uid_0/job_%zu", i + 1);
		fx_fmt(step, sizeof step, "%s/%s", job, steps[i]);
		v1_at(f, job, step);
		expect_ok(f, f->cg, NULL, SL_CG_V1, "cg/memory", job, step);
	}
}

/* memory co-mounted with other controllers; slurmstepd itself sits in
 * step_batch (no task_ component); other hierarchies' lines ignored. */
static void v1_comounted_and_step_batch(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX];
	fx_path(f, d, "cg/memory/slurm_node1/uid_1000/job_77/step_batch");
	fx_mkdirs(d);
	fx_proc(f, FX_PID,
		"garbage line without colons\n"
		"5:cpu,cpuacct:/elsewhere/job_1/step_1\n"
		"4:cpuset,memory,hugetlb:/slurm_node1/uid_1000/job_77/step_batch\n"
		"0::/\n");
	expect_ok(f, f->cg, NULL, SL_CG_V1, "cg/memory",
		  "/slurm_node1/uid_1000/job_77",
		  "/slurm_node1/uid_1000/job_77/step_batch");
}

/* A hybrid node (v1 memory + a v2 mount without memory): v1 wins. */
static void hybrid_prefers_v1(void **state)
{
	fx_t *f = *state;
	fx_v1_tree(f, "1\n", "1\n", "1\n", "1\n");
	fx_putr(f, "cg/cgroup.controllers", "cpu io pids\n");
	expect_ok(f, f->cg, NULL, SL_CG_V1, "cg/memory", FX_V1_JOB, FX_V1_STEP);
}

static void v2_slurm_22_05_layout(void **state)
{
	fx_t *f = *state;
	v2_at(f, FX_V2_JOB, FX_V2_STEP);
	expect_ok(f, f->cg, NULL, SL_CG_V2, "cg", FX_V2_JOB, FX_V2_STEP "/user");
}

/* 24.11 (Debian: --enable-multiple-slurmd): <node>_slurmstepd.scope. */
static void v2_slurm_24_11_layout(void **state)
{
	fx_t *f = *state;
	v2_at(f, FX_V2N_JOB, FX_V2N_STEP);
	expect_ok(f, f->cg, NULL, SL_CG_V2, "cg", FX_V2N_JOB, FX_V2N_STEP "/user");
}

/* 26.05's default: the job directory is the SLUID. */
static void v2_slurm_26_05_sluid(void **state)
{
	fx_t *f = *state;
	v2_at(f, FX_V2S_JOB, FX_V2S_STEP);
	expect_ok(f, f->cg, NULL, SL_CG_V2, "cg", FX_V2S_JOB, FX_V2S_STEP "/user");
	/* exactly the path seen on a 26.05.5 VM */
	v2_at(f, "/system.slice/vm_slurmstepd.scope/s8X5M8RBXF7R00",
	      "/system.slice/vm_slurmstepd.scope/s8X5M8RBXF7R00/step_0");
	expect_ok(f, f->cg, NULL, SL_CG_V2, "cg",
		  "/system.slice/vm_slurmstepd.scope/s8X5M8RBXF7R00",
		  "/system.slice/vm_slurmstepd.scope/s8X5M8RBXF7R00/step_0/user");
	/* the man page's example, and the extremes of the alphabet */
	static const char *const ids[] = { "sEKNKTV3WPV500", "s0000000000000",
					   "sFZZZZZZZZZZZZ" };
	char job[PATH_MAX], step[PATH_MAX];
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		fx_fmt(job, sizeof job, "/system.slice/slurmstepd.scope/%s", ids[i]);
		fx_fmt(step, sizeof step, "%s/step_batch", job);
		v2_at(f, job, step);
		fx_fmt(step, sizeof step, "%s/step_batch/user", job);
		expect_ok(f, f->cg, NULL, SL_CG_V2, "cg", job, step);
	}
}

/* 26.05 with CgroupJobIdPaths=yes: job_<id> again. */
static void v2_slurm_26_05_job_id_paths(void **state)
{
	fx_t *f = *state;
	v2_at(f, "/system.slice/node1_slurmstepd.scope/job_4294967294",
	      "/system.slice/node1_slurmstepd.scope/job_4294967294/step_interactive");
	expect_ok(f, f->cg, NULL, SL_CG_V2, "cg",
		  "/system.slice/node1_slurmstepd.scope/job_4294967294",
		  "/system.slice/node1_slurmstepd.scope/job_4294967294/step_interactive/user");
}

/* Heterogeneous steps: step_<id>+<comp> (22.05-25.11, and 26.05 without
 * SLUID); 26.05 with a SLUID writes plain step_<id>. */
static void v2_het_steps(void **state)
{
	fx_t *f = *state;
	v2_at(f, FX_V2N_JOB, FX_V2N_JOB "/step_0+1");
	expect_ok(f, f->cg, NULL, SL_CG_V2, "cg", FX_V2N_JOB, FX_V2N_JOB "/step_0+1/user");
	v2_at(f, FX_V2S_JOB, FX_V2S_JOB "/step_2+0");
	expect_ok(f, f->cg, NULL, SL_CG_V2, "cg", FX_V2S_JOB, FX_V2S_JOB "/step_2+0/user");
}

/* CgroupSlice (25.11+) replaces system.slice; slurmd in a container
 * puts everything below its own cgroup (init_cg_path). */
static void v2_cgroup_slice_and_container(void **state)
{
	fx_t *f = *state;
	static const char *const pre[] = {
		"/slurm.slice",
		"/workload.slice/workload-hpc.slice",
		"/docker.slice/docker-0123abcd.scope/system.slice",
		"",          /* IgnoreSystemd in a container, at the ns root */
	};
	char job[PATH_MAX], step[PATH_MAX];
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
		fx_fmt(job, sizeof job, "%s/node1_slurmstepd.scope/job_%zu", pre[i], i + 1);
		fx_fmt(step, sizeof step, "%s/step_0", job);
		v2_at(f, job, step);
		fx_fmt(step, sizeof step, "%s/step_0/user", job);
		expect_ok(f, f->cg, NULL, SL_CG_V2, "cg", job, step);
	}
}

/* slurmstepd's own process (step_Y/slurm), and task_special: the same
 * job and step. */
static void v2_stepd_and_task_special(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX];
	v2_at(f, FX_V2S_JOB, FX_V2S_STEP);
	fx_path(f, d, "cg%s/slurm", FX_V2S_STEP);
	fx_mkdirs(d);
	fx_proc_v2(f, FX_PID, FX_V2S_STEP "/slurm");
	expect_ok(f, f->cg, NULL, SL_CG_V2, "cg", FX_V2S_JOB, FX_V2S_STEP "/user");
	fx_path(f, d, "cg%s/user/task_special", FX_V2S_STEP);
	fx_mkdirs(d);
	fx_proc_v2(f, FX_PID, FX_V2S_STEP "/user/task_special");
	expect_ok(f, f->cg, NULL, SL_CG_V2, "cg", FX_V2S_JOB, FX_V2S_STEP "/user");
}

/* No user/ child: the step's own directory. */
static void v2_without_user_dir(void **state)
{
	fx_t *f = *state;
	fx_v2_tree(f, FX_V2_JOB, FX_V2_STEP, false, "max\n", "max\n", true);
	expect_ok(f, f->cg, NULL, SL_CG_V2, "cg", FX_V2_JOB, FX_V2_STEP);
}

/* A plain file named user is not the user cgroup. */
static void v2_user_file_not_dir(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX];
	fx_v2_tree(f, FX_V2_JOB, FX_V2_STEP, false, "max\n", "max\n", true);
	fx_path(f, d, "cg%s/user", FX_V2_STEP);
	fx_put(d, "not a cgroup\n");
	expect_ok(f, f->cg, NULL, SL_CG_V2, "cg", FX_V2_JOB, FX_V2_STEP);
}

/* ---- strictness: only a real Slurm job/step is accepted ------------ */

static void v2_bad_job_components(void **state)
{
	fx_t *f = *state;
	static const char *const jobs[] = {
		"system",              /* slurmstepd's waiting area */
		"job_", "job_0", "job_05", "job_x5", "job_4294967296", "job_-1",
		"s8X5M8RBXF7R0",       /* 13 characters */
		"s8X5M8RBXF7R000",     /* 15 */
		"s8x5m8rbxf7r00",      /* lower case: print_sluid writes upper */
		"S8X5M8RBXF7R00",
		"s8X5M8RBXF7RI0", "s8X5M8RBXF7RL0", "s8X5M8RBXF7RO0",
		"s8X5M8RBXF7RU0",      /* not in Crockford's alphabet */
		"sG000000000000",      /* the first digit holds only 4 bits */
		"t8X5M8RBXF7R00",
	};
	char path[PATH_MAX];
	for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
		fx_fmt(path, sizeof path,
		       "/system.slice/slurmstepd.scope/%s/step_0/user/task_0", jobs[i]);
		v2_proc(f, path);
		expect_fail(f, f->cg, NULL, UNKNOWN, KNOWN, path);
	}
}

static void bad_step_components(void **state)
{
	fx_t *f = *state;
	static const char *const steps[] = {
		"step_", "step_foo", "step_01", "step_4294967281", "step_-1",
		"step_TBD", "step_1+", "step_+1", "step_1+01", "step_1+2+3",
		"step_0 ", "task_0", "user",
	};
	char path[PATH_MAX];
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		fx_fmt(path, sizeof path, "%s/%s/user/task_0", FX_V2S_JOB, steps[i]);
		v2_proc(f, path);
		expect_fail(f, f->cg, NULL, UNKNOWN, path);
		fx_fmt(path, sizeof path, "%s/%s/task_0", FX_V1_JOB, steps[i]);
		v1_proc(f, path);
		expect_fail(f, f->cg, NULL, UNKNOWN, path);
	}
}

static void v1_bad_layouts(void **state)
{
	fx_t *f = *state;
	static const char *const paths[] = {
		FX_V1_JOB,                                  /* the job, no step */
		"/slurm_node1/uid_1000",
		"/slurm_node1/job_5/step_0/task_0",         /* no uid_ */
		"/slurm_node1/uid_x/job_5/step_0/task_0",
		"/slurm_node1/uid_1000/job_5/other/step_0", /* step not below job */
		"/slurm_node1/uid_1000/job_/step_",
		"/slurm_node1/uid_1000/" FX_SLUID "/step_0", /* v1 has no SLUID */
		"/slurm/system.slice/slurmstepd.scope/job_5/step_0",
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		v1_proc(f, paths[i]);
		expect_fail(f, f->cg, NULL, UNKNOWN, KNOWN, paths[i]);
	}
}

static void v2_bad_layouts(void **state)
{
	fx_t *f = *state;
	static const char *const paths[] = {
		"/system.slice/slurmstepd.scope/job_5",
		"/system.slice/slurmstepd.scope/system/step_0",
		"/system.slice/slurmstepd.scope/step_0/user/task_0",
		"/system.slice/slurmstepd.scope/job_5/user/step_0",
		/* a v1-shaped path on a v2 mount */
		"/system.slice/slurmstepd.scope/uid_0/job_5/step_0",
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		v2_proc(f, paths[i]);
		expect_fail(f, f->cg, NULL, UNKNOWN, KNOWN, paths[i]);
	}
}

/* Not under Slurm at all: the cause is that Slurm did not confine it. */
static void not_confined(void **state)
{
	fx_t *f = *state;
	char file[PATH_MAX];
	fx_fmt(file, sizeof file, "%s/%d/cgroup", f->proc, FX_PID);
	v1_proc(f, "/user.slice/user-1000.slice/session-3.scope");
	expect_fail(f, f->cg, NULL, file, NOT_CONFINED, "/slurm[_NODE]/uid_U",
		    "'/user.slice/user-1000.slice/session-3.scope'",
		    "proctrack/cgroup alone does not use the memory controller");
	v1_proc(f, "/");
	expect_fail(f, f->cg, NULL, NOT_CONFINED);
	/* job_/step_ names without Slurm's root are not Slurm's */
	v1_proc(f, "/elsewhere/job_5/step_0");
	expect_fail(f, f->cg, NULL, NOT_CONFINED);
	static const char *const v2[] = {
		"/system.slice/slurmd.service",
		"/user.slice/user-0.slice/session-1.scope",
		"/system.slice/job_5/step_0/user/task_0",
		"/system.slice/xslurmstepd.scope/job_5/step_0",
		"/system.slice/_slurmstepd.scope/job_5/step_0",
		"/system.slice/slurmstepd.scope.d/job_5/step_0",
		"/",
		/* in the scope, but in no job: slurmstepd's waiting area */
		"/system.slice/slurmstepd.scope",
		"/system.slice/node1_slurmstepd.scope/system",
	};
	for (size_t i = 0; i < sizeof v2 / sizeof v2[0]; i++) {
		v2_proc(f, v2[i]);
		expect_fail(f, f->cg, NULL, file, NOT_CONFINED, "slurmstepd.scope",
			    v2[i]);
	}
}

static void dot_dot_refused(void **state)
{
	fx_t *f = *state;
	static const char *const paths[] = {
		"/slurm_node1/uid_1000/../../job_5/step_0",
		"/slurm_node1//uid_1000/job_5/step_0",
		"/slurm_node1/uid_1000/./job_5/step_0",
		"/../../system.slice/slurmstepd.scope/job_5/step_0",
		"slurm_node1/uid_1000/job_5/step_0",        /* not absolute */
		"",
	};
	fx_v1_tree(f, "1\n", "1\n", "1\n", "1\n");
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		fx_proc_v1(f, FX_PID, paths[i]);
		expect_fail(f, f->cg, NULL, "not a plain path");
	}
}

/* ---- sl_cg_find_job(): the caller's job, step and uid -------------- */

static void job_checks_v1(void **state)
{
	fx_t *f = *state;
	sl_cg_job_t j = { .check_job_id = true, .job_id = 5,
			  .check_step_id = true, .step_id = 0,
			  .check_uid = true, .uid = 1000 };
	fx_v1_tree(f, "1\n", "1\n", "1\n", "1\n");
	expect_ok(f, f->cg, &j, SL_CG_V1, "cg/memory", FX_V1_JOB, FX_V1_STEP);
	expect_ok(f, f->cg, &no_checks, SL_CG_V1, "cg/memory", FX_V1_JOB, FX_V1_STEP);
	j.job_id = 55;
	expect_fail(f, f->cg, &j, "is job 5's, not job 55's", "refused");
	j.job_id = 5;
	j.step_id = 1;
	expect_fail(f, f->cg, &j, "is step 0's, not step 1's", "refused");
	j.step_id = SL_CG_STEP_BATCH;
	expect_fail(f, f->cg, &j, "is step 0's, not step batch's");
	j.step_id = 0;
	j.uid = 1001;
	expect_fail(f, f->cg, &j, "is uid 1000's, not the job owner's (uid 1001)");
	j.check_uid = false;
	expect_ok(f, f->cg, &j, SL_CG_V1, "cg/memory", FX_V1_JOB, FX_V1_STEP);
	/* a SLUID does not matter on v1 (job_<id> there in every version) */
	j.sluid = FX_SLUID;
	expect_ok(f, f->cg, &j, SL_CG_V1, "cg/memory", FX_V1_JOB, FX_V1_STEP);
}

static void job_checks_special_and_het_steps(void **state)
{
	fx_t *f = *state;
	sl_cg_job_t j = { .check_step_id = true, .step_id = SL_CG_STEP_BATCH };
	v2_at(f, FX_V2N_JOB, FX_V2N_STEP);                 /* step_batch */
	expect_ok(f, f->cg, &j, SL_CG_V2, "cg", FX_V2N_JOB, FX_V2N_STEP "/user");
	j.step_id = SL_CG_STEP_EXTERN;
	expect_fail(f, f->cg, &j, "is step batch's, not step extern's");
	j.step_id = SL_CG_STEP_INTERACTIVE;
	expect_fail(f, f->cg, &j, "not step interactive's");
	/* het: S_JOB_STEPID is the step id; the component is not checked */
	v2_at(f, FX_V2N_JOB, FX_V2N_JOB "/step_7+2");
	j.step_id = 7;
	expect_ok(f, f->cg, &j, SL_CG_V2, "cg", FX_V2N_JOB, FX_V2N_JOB "/step_7+2/user");
	j.step_id = 2;
	expect_fail(f, f->cg, &j, "is step 7's, not step 2's");
	fx_rm_rf(f->cg);
	v1_at(f, "/slurm/uid_0/job_9", "/slurm/uid_0/job_9/step_extern");
	j.step_id = SL_CG_STEP_EXTERN;
	expect_ok(f, f->cg, &j, SL_CG_V1, "cg/memory", "/slurm/uid_0/job_9",
		  "/slurm/uid_0/job_9/step_extern");
	v1_at(f, "/slurm/uid_0/job_9", "/slurm/uid_0/job_9/step_interactive");
	j.step_id = SL_CG_STEP_INTERACTIVE;
	expect_ok(f, f->cg, &j, SL_CG_V1, "cg/memory", "/slurm/uid_0/job_9",
		  "/slurm/uid_0/job_9/step_interactive");
}

static void job_checks_v2_sluid(void **state)
{
	fx_t *f = *state;
	sl_cg_job_t j = { .check_job_id = true, .job_id = 5, .sluid = FX_SLUID,
			  .check_uid = true, .uid = 4321 };
	v2_at(f, FX_V2S_JOB, FX_V2S_STEP);
	/* the SLUID decides; job id and uid are not in a v2 SLUID path */
	expect_ok(f, f->cg, &j, SL_CG_V2, "cg", FX_V2S_JOB, FX_V2S_STEP "/user");
	j.sluid = "s8X5M8RBXF7R01";
	expect_fail(f, f->cg, &j, "is job " FX_SLUID "'s, not this job's (SLUID s8X5M8RBXF7R01)",
		    "refused");
	/* the SLUID unknown: any SLUID-shaped directory */
	j.sluid = NULL;
	expect_ok(f, f->cg, &j, SL_CG_V2, "cg", FX_V2S_JOB, FX_V2S_STEP "/user");
	/* a caller's SLUID that is not one */
	j.sluid = "s8x5m8rbxf7r00";
	expect_fail(f, f->cg, &j, "expected SLUID 's8x5m8rbxf7r00' is not a SLUID");
	j.sluid = "s8X5M8RBXF7R0";
	expect_fail(f, f->cg, &j, "is not a SLUID");
	/* "" is unknown, as NULL */
	j.sluid = "";
	expect_ok(f, f->cg, &j, SL_CG_V2, "cg", FX_V2S_JOB, FX_V2S_STEP "/user");
}

/* CgroupJobIdPaths=yes: the SLUID is known but the directory is
 * job_<id>: the job id is what is checked. */
static void job_checks_v2_job_id(void **state)
{
	fx_t *f = *state;
	sl_cg_job_t j = { .check_job_id = true, .job_id = 5, .sluid = FX_SLUID };
	v2_at(f, FX_V2N_JOB, FX_V2N_STEP);
	expect_ok(f, f->cg, &j, SL_CG_V2, "cg", FX_V2N_JOB, FX_V2N_STEP "/user");
	j.job_id = 6;
	expect_fail(f, f->cg, &j, "is job 5's, not job 6's");
}

/* ---- the mount table (cgroup_root NULL) ----------------------------- */

#define MI_ROOTFS "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
#define MI_PROC "23 22 0:21 / /proc rw,nosuid shared:12 - proc proc rw\n"

/* mountinfo lines: "<id> 22 0:<n> <root> <mnt> rw - <fs> cgroup <super>" */
static void mi(const fx_t *f, const char *lines)
{
	char c[16384];
	fx_fmt(c, sizeof c, "%s%s%s", MI_ROOTFS, MI_PROC, lines);
	fx_mountinfo(f, c);
}

/* v1: the memory hierarchy is wherever the mount table says, not
 * <root>/memory; co-mounted with cpuset. */
static void mount_v1(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX], l[4096];
	fx_path(f, d, "mnt/cg-mem%s/task_0", FX_V1_STEP);
	fx_mkdirs(d);
	fx_proc_v1(f, FX_PID, FX_V1_TASK);
	fx_fmt(l, sizeof l,
	       "30 22 0:26 / %s/mnt/cg-cpu rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
	       "31 22 0:27 / %s/mnt/cg-mem rw,nosuid shared:10 - cgroup cgroup rw,cpuset,memory\n"
	       "32 22 0:28 / %s/mnt/unified rw,nosuid shared:11 - cgroup2 cgroup2 rw,nsdelegate\n",
	       f->root, f->root, f->root);
	mi(f, l);
	expect_ok(f, NULL, NULL, SL_CG_V1, "mnt/cg-mem", FX_V1_JOB, FX_V1_STEP);
	/* no optional fields, and "memory" as the only super option */
	fx_fmt(l, sizeof l, "31 22 0:27 / %s/mnt/cg-mem rw - cgroup none memory\n",
	       f->root);
	mi(f, l);
	expect_ok(f, NULL, NULL, SL_CG_V1, "mnt/cg-mem", FX_V1_JOB, FX_V1_STEP);
}

static void mount_v2(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX], l[4096];
	fx_path(f, d, "mnt/cg2%s/user/task_0", FX_V2S_STEP);
	fx_mkdirs(d);
	fx_path(f, d, "mnt/cg2/cgroup.controllers");
	fx_put(d, "cpuset cpu io memory pids\n");
	fx_proc_v2(f, FX_PID, FX_V2S_TASK);
	fx_fmt(l, sizeof l,
	       "30 22 0:26 / %s/mnt/cg2 rw,nosuid,nodev,noexec shared:4 - cgroup2 cgroup2 "
	       "rw,nsdelegate,memory_recursiveprot\n", f->root);
	mi(f, l);
	expect_ok(f, NULL, NULL, SL_CG_V2, "mnt/cg2", FX_V2S_JOB, FX_V2S_STEP "/user");
	/* the explicit root is still honoured (and here wrong) */
	expect_fail(f, f->cg, NULL, "cgroup.controllers", "cgroup_root= wrong");
}

/* Hybrid: v1 memory chosen by the /proc line, whatever the v2 mount. */
static void mount_hybrid(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX], l[4096];
	fx_path(f, d, "mnt/memory%s/task_0", FX_V1_STEP);
	fx_mkdirs(d);
	fx_proc_v1(f, FX_PID, FX_V1_TASK);
	fx_fmt(l, sizeof l,
	       "32 22 0:28 / %s/mnt/unified rw shared:11 - cgroup2 cgroup2 rw\n"
	       "33 22 0:29 / %s/mnt/memory rw shared:12 - cgroup cgroup rw,memory\n",
	       f->root, f->root);
	mi(f, l);
	expect_ok(f, NULL, NULL, SL_CG_V1, "mnt/memory", FX_V1_JOB, FX_V1_STEP);
}

/* A mount whose root is not the hierarchy's root (a container's view, a
 * bind mount): its root is cut off the task's path; the deepest root that
 * covers the path wins. */
static void mount_root_prefix(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX], l[4096];
	fx_path(f, d, "mnt/c%s/user/task_0", FX_V2N_STEP);
	fx_mkdirs(d);
	fx_path(f, d, "mnt/c/cgroup.controllers");
	fx_put(d, "memory pids\n");
	fx_proc_v2(f, FX_PID, "/docker/abc" FX_V2N_TASK);
	fx_fmt(l, sizeof l,
	       "40 22 0:30 /docker/abcd %s/mnt/other rw - cgroup2 cgroup2 rw\n"
	       "42 22 0:30 /docker/ %s/mnt/d rw - cgroup2 cgroup2 rw\n"
	       "41 22 0:30 /docker/abc %s/mnt/c rw - cgroup2 cgroup2 rw\n"
	       "44 22 0:30 /docker/abc %s/mnt/e rw - cgroup2 cgroup2 rw\n",
	       f->root, f->root, f->root, f->root);
	mi(f, l);
	expect_ok(f, NULL, NULL, SL_CG_V2, "mnt/c", FX_V2N_JOB, FX_V2N_STEP "/user");
	/* v1 likewise */
	fx_path(f, d, "mnt/m%s/task_0", FX_V1_STEP);
	fx_mkdirs(d);
	fx_proc_v1(f, FX_PID, "/lxc/c1" FX_V1_TASK);
	fx_fmt(l, sizeof l, "43 22 0:31 /lxc/c1/ %s/mnt/m rw - cgroup cgroup rw,memory\n",
	       f->root);
	mi(f, l);
	expect_ok(f, NULL, NULL, SL_CG_V1, "mnt/m", FX_V1_JOB, FX_V1_STEP);
}

/* Equal roots: a read-write mount before a read-only one (the first of
 * two read-write ones). */
static void mount_prefers_rw(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX], l[4096];
	static const char *const dirs[] = { "mnt/ro", "mnt/rw", "mnt/rw2" };
	for (size_t i = 0; i < 3; i++) {
		fx_path(f, d, "%s%s/user/task_0", dirs[i], FX_V2S_STEP);
		fx_mkdirs(d);
		fx_path(f, d, "%s/cgroup.controllers", dirs[i]);
		fx_put(d, "memory\n");
	}
	fx_proc_v2(f, FX_PID, FX_V2S_TASK);
	fx_fmt(l, sizeof l,
	       "30 22 0:26 / %s/mnt/ro ro,nosuid - cgroup2 cgroup2 rw\n"
	       "31 22 0:26 / %s/mnt/rw rw,nosuid - cgroup2 cgroup2 rw\n"
	       "32 22 0:26 / %s/mnt/rw2 rw - cgroup2 cgroup2 rw\n",
	       f->root, f->root, f->root);
	mi(f, l);
	expect_ok(f, NULL, NULL, SL_CG_V2, "mnt/rw", FX_V2S_JOB, FX_V2S_STEP "/user");
	/* only read-only ones: the first (writes then fail with EROFS, named) */
	fx_fmt(l, sizeof l, "30 22 0:26 / %s/mnt/ro ro,nosuid - cgroup2 cgroup2 rw\n"
	       "31 22 0:26 / %s/mnt/rw ro - cgroup2 cgroup2 rw\n", f->root, f->root);
	mi(f, l);
	expect_ok(f, NULL, NULL, SL_CG_V2, "mnt/ro", FX_V2S_JOB, FX_V2S_STEP "/user");
}

/* Mount points with spaces are escaped as \040. */
static void mount_escaped(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX], l[4096];
	fx_path(f, d, "mnt/my cg%s/task_0", FX_V1_STEP);
	fx_mkdirs(d);
	fx_proc_v1(f, FX_PID, FX_V1_TASK);
	fx_fmt(l, sizeof l, "31 22 0:27 / %s/mnt/my\\040cg rw - cgroup cgroup rw,memory\n",
	       f->root);
	mi(f, l);
	expect_ok(f, NULL, NULL, SL_CG_V1, "mnt/my cg", FX_V1_JOB, FX_V1_STEP);
	/* a malformed escape makes the line unusable */
	fx_fmt(l, sizeof l, "31 22 0:27 / %s/mnt/my\\04cg rw - cgroup cgroup rw,memory\n",
	       f->root);
	mi(f, l);
	expect_fail(f, NULL, NULL, "lists no cgroup v1 mount with the memory controller");
}

/* Garbage lines are skipped; a line longer than the reader's buffer is
 * skipped whole; the cgroup line after 20 KiB of other mounts is found;
 * a last line without a newline counts. */
static void mount_table_parsing(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX], *big = malloc(64 * 1024);
	assert_non_null(big);
	fx_path(f, d, "mnt/memory%s/task_0", FX_V1_STEP);
	fx_mkdirs(d);
	fx_proc_v1(f, FX_PID, FX_V1_TASK);
	size_t o = 0;
	o += (size_t)sprintf(big + o, "garbage\n\n1 2 3\n"
			     "30 22 0:26 / /nowhere rw shared:1 cgroup cgroup rw,memory\n"
			     "31 22 0:26 / /x rw - cgroup\n");
	/* One overlong line: a memory mount at "/", and so is every tail
	 * of it (if the reader took one as a line, "/" would win). */
	o += (size_t)sprintf(big + o, "50 22 0:40 / / rw ");
	for (int i = 0; i < 10000; i++)
		o += (size_t)sprintf(big + o, "/ ");
	o += (size_t)sprintf(big + o, "- cgroup cgroup rw,memory\n");
	assert_true(o > 2 * 8192);
	for (int i = 0; i < 250; i++)
		o += (size_t)sprintf(big + o,
				     "%d 22 0:%d / /srv/overlay/%d rw,relatime - overlay overlay "
				     "rw,lowerdir=/a:/b\n", 100 + i, 100 + i, i);
	o += (size_t)sprintf(big + o, "99 22 0:27 / %s/mnt/memory rw - cgroup cgroup rw,memory",
			     f->root);
	assert_true(o > 30000 && o < 64 * 1024);
	fx_mountinfo(f, big);
	expect_ok(f, NULL, NULL, SL_CG_V1, "mnt/memory", FX_V1_JOB, FX_V1_STEP);
	/* the table ends in an overlong line without a newline */
	o = (size_t)sprintf(big, "50 22 0:40 / / rw ");
	for (int i = 0; i < 10000; i++)
		o += (size_t)sprintf(big + o, "/ ");
	sprintf(big + o, "- cgroup cgroup rw,memory");
	fx_mountinfo(f, big);
	expect_fail(f, NULL, NULL, "lists no cgroup v1 mount with the memory controller");
	free(big);
}

static void mount_errors(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX], l[4096], mif[PATH_MAX];
	fx_fmt(mif, sizeof mif, "%s/self/mountinfo", f->proc);

	/* no mount table */
	fx_proc_v1(f, FX_PID, FX_V1_TASK);
	expect_fail(f, NULL, NULL, "cannot read the mount table", mif, "ENOENT");

	/* v1 line, but no v1 memory mount (only cpu, and a v2 mount) */
	fx_fmt(l, sizeof l,
	       "30 22 0:26 / %s/mnt/cpu rw - cgroup cgroup rw,cpu,cpuacct\n"
	       "31 22 0:27 / %s/mnt/name rw - cgroup cgroup rw,name=memory\n"
	       "32 22 0:28 / %s/mnt/cg2 rw - cgroup2 cgroup2 rw\n",
	       f->root, f->root, f->root);
	mi(f, l);
	expect_fail(f, NULL, NULL, mif, "lists no cgroup v1 mount with the memory controller",
		    "no memory controller");

	/* v2 line, no cgroup2 mount at all */
	fx_proc_v2(f, FX_PID, FX_V2S_TASK);
	fx_fmt(l, sizeof l, "30 22 0:26 / %s/mnt/cpu rw - cgroup cgroup rw,memory\n",
	       f->root);
	mi(f, l);
	expect_fail(f, NULL, NULL, mif, "lists no cgroup2 mount", "no memory controller");

	/* a cgroup2 mount without the memory controller */
	fx_path(f, d, "mnt/cg2%s/user/task_0", FX_V2S_STEP);
	fx_mkdirs(d);
	fx_path(f, d, "mnt/cg2/cgroup.controllers");
	fx_put(d, "cpuset cpu io pids\n");
	fx_fmt(l, sizeof l, "32 22 0:28 / %s/mnt/cg2 rw - cgroup2 cgroup2 rw\n", f->root);
	mi(f, l);
	expect_fail(f, NULL, NULL, "/mnt/cg2/cgroup.controllers does not list memory",
		    "no memory cgroup controller");
	/* a root component boundary: /slur does not cover /slurm... */
	fx_proc_v1(f, FX_PID, FX_V1_TASK);
	fx_fmt(l, sizeof l, "33 22 0:29 /slur %s/mnt/m rw - cgroup cgroup rw,memory\n",
	       f->root);
	mi(f, l);
	expect_fail(f, NULL, NULL, "outside the only cgroup v1 mount with the memory controller",
		    "shows the hierarchy from /slur", "another cgroup namespace");
	/* the path is the mount's root itself: not in a job */
	fx_proc_v1(f, FX_PID, "/lxc/c1");
	fx_fmt(l, sizeof l, "33 22 0:29 /lxc/c1 %s/mnt/m rw - cgroup cgroup rw,memory\n",
	       f->root);
	mi(f, l);
	expect_fail(f, NULL, NULL, NOT_CONFINED, "'/'");
}

/* ---- the task, its /proc file, its directories --------------------- */

static void v2_without_memory_controller(void **state)
{
	fx_t *f = *state;
	fx_v2_tree(f, FX_V2_JOB, FX_V2_STEP, true, "max\n", "max\n", true);
	fx_putr(f, "cg/cgroup.controllers", "cpuset cpu io memoryx pids\n");
	expect_fail(f, f->cg, NULL, "cgroup.controllers", "no memory cgroup controller");
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
	expect_fail(f, f->cg, NULL, file, "no memory controller line");
	expect_fail(f, NULL, NULL, file, "no memory controller line");
	fx_proc(f, FX_PID, "");
	expect_fail(f, f->cg, NULL, file, "no memory controller line");
}

static void unreadable_proc_file(void **state)
{
	fx_t *f = *state;
	char file[PATH_MAX];
	/* no <proc>/<pid> at all: the task is gone */
	fx_fmt(file, sizeof file, "%s/%d/cgroup", f->proc, FX_PID);
	expect_fail(f, f->cg, NULL, file, "the task exited");
	expect_fail(f, NULL, NULL, file, "the task exited");
}

/* v2 shows a zombie's removed cgroup as "<path> (deleted)": the task
 * exited, even though the job and step directories are still there. */
static void v2_deleted_cgroup(void **state)
{
	fx_t *f = *state;
	char file[PATH_MAX];
	v2_at(f, FX_V2S_JOB, FX_V2S_STEP);
	fx_proc_v2(f, FX_PID, FX_V2S_TASK " (deleted)");
	fx_fmt(file, sizeof file, "%s/%d/cgroup", f->proc, FX_PID);
	expect_fail(f, f->cg, NULL, file, "cgroup was removed", "the task exited");
}

static void proc_file_is_directory(void **state)
{
	fx_t *f = *state;
	char file[PATH_MAX];
	fx_fmt(file, sizeof file, "%s/%d/cgroup", f->proc, FX_PID);
	fx_mkdirs(file);
	expect_fail(f, f->cg, NULL, file, "EISDIR");
}

/* /proc names a cgroup that is not there: with an explicit root, the task
 * exited or cgroup_root= is wrong; once the task's /proc entry is gone
 * too, the task exited; from the mount table, the task exited. */
static void cgroup_dir_missing(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX], l[1024];
	fx_v1_tree(f, "1\n", "1\n", "1\n", "1\n");
	fx_path(f, d, "cg/memory%s", FX_V1_STEP);
	fx_rm_rf(d);
	expect_fail(f, f->cg, NULL, "not a directory", "the task exited, or cgroup_root=");
	fx_fmt(l, sizeof l, "31 22 0:27 / %s/cg/memory rw - cgroup cgroup rw,memory\n",
	       f->root);
	mi(f, l);
	expect_fail(f, NULL, NULL, "not a directory", "the task exited (its cgroup was removed)");
	/* the job directory gone likewise */
	fx_path(f, d, "cg/memory%s", FX_V1_JOB);
	fx_rm_rf(d);
	expect_fail(f, f->cg, NULL, FX_V1_JOB ", which is not a directory");
}

static void bad_pid(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char msg[SL_CG_MSG_MAX];
	assert_int_equal(sl_cg_find(f->proc, 0, f->cg, &p, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "pid"));
	assert_int_equal(sl_cg_find(f->proc, -3, f->cg, &p, NULL, 0), -1);
	assert_int_equal(sl_cg_find_job(f->proc, -3, NULL, &no_checks, &p, NULL, 0), -1);
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

/* The real /proc of this process, through the real mount table: this
 * process is in no Slurm step, so it is refused with a reason. */
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
		T(v1_slurm_layout),
		T(v1_step_names),
		T(v1_comounted_and_step_batch),
		T(hybrid_prefers_v1),
		T(v2_slurm_22_05_layout),
		T(v2_slurm_24_11_layout),
		T(v2_slurm_26_05_sluid),
		T(v2_slurm_26_05_job_id_paths),
		T(v2_het_steps),
		T(v2_cgroup_slice_and_container),
		T(v2_stepd_and_task_special),
		T(v2_without_user_dir),
		T(v2_user_file_not_dir),
		T(v2_bad_job_components),
		T(bad_step_components),
		T(v1_bad_layouts),
		T(v2_bad_layouts),
		T(not_confined),
		T(dot_dot_refused),
		T(job_checks_v1),
		T(job_checks_special_and_het_steps),
		T(job_checks_v2_sluid),
		T(job_checks_v2_job_id),
		T(mount_v1),
		T(mount_v2),
		T(mount_hybrid),
		T(mount_root_prefix),
		T(mount_prefers_rw),
		T(mount_escaped),
		T(mount_table_parsing),
		T(mount_errors),
		T(v2_without_memory_controller),
		T(no_memory_line),
		T(unreadable_proc_file),
		T(v2_deleted_cgroup),
		T(proc_file_is_directory),
		T(cgroup_dir_missing),
		T(bad_pid),
		T(small_message_buffer),
		cmocka_unit_test(real_proc_self),
	};
	return cmocka_run_group_tests_name("cgroup_find", tests, NULL, NULL);
}
