/*
 * The SPANK entry points themselves (src/plugin/spank.c and the context
 * files behind it), driven through a fake of the SPANK API
 * (fake_spank.c): the option callbacks, the never-fail policy on invalid
 * arguments, the once-per-step logic, the batch and extern step names.
 * The plugin objects are linked into this binary (Makefile). The
 * post_fork tests run the whole step path -- arguments, rules, finder,
 * RAM limits, decision, writer, log line, end-of-step report -- over a
 * fake cgroup tree and /proc (tests/tools/cg_fixture.h, sl_proc_root).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurm/slurm.h>

#include "fake_spank.h"
#include "plugin.h"
#include "../tools/cg_fixture.h"

static char bad_arg[] = "no_such_argument=1";
static char *bad_av[] = { bad_arg, NULL };

static int setup(void **state)
{
	(void)state;
	fake_reset();
	setenv("SLURMD_NODENAME", "node1", 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	slurm_spank_exit(NULL, 0, NULL);
	return 0;
}

static void test_swap_option(void **state)
{
	struct spank_option *swap;

	(void)state;
	assert_int_equal(slurm_spank_init(NULL, 0, NULL), ESPANK_SUCCESS);
	assert_int_equal(fake.noptions, 2);
	assert_non_null(fake_option("swap-report"));
	swap = fake_option("swap");
	assert_non_null(swap);

	assert_int_equal(swap->cb(0, "1G", 1), 0);
	assert_non_null(sl_option_swap());
	assert_int_equal(sl_option_swap()->bytes, 1ull << 30);

	assert_int_equal(swap->cb(0, "none", 1), 0);
	assert_non_null(sl_option_swap());
	assert_true(sl_option_swap()->bytes == UINT64_MAX);

	/* on the node: logged, treated as absent, never an error */
	fake.log[0] = '\0';
	assert_int_equal(swap->cb(0, "bogus", 1), 0);
	assert_null(sl_option_swap());
	assert_non_null(strstr(fake.log, "info: swaplimit: the job's --swap=bogus"));

	/* srun/sbatch/salloc: refused with the accepted forms */
	fake.log[0] = '\0';
	assert_int_equal(swap->cb(0, "bogus", 0), -1);
	assert_non_null(strstr(fake.log, "error: swaplimit: --swap=bogus"));
	assert_non_null(strstr(fake.log, "accepted:"));
}

static void post_fork_bad_args(uint32_t stepid, const char *want)
{
	unsigned calls;

	fake.have_ids = true;
	fake.job_id = 7;
	fake.step_id = stepid;
	assert_int_equal(slurm_spank_task_post_fork(NULL, 1, bad_av),
			 ESPANK_SUCCESS);
	assert_non_null(strstr(fake.log, want));
	assert_non_null(strstr(fake.log, "error: plugin arguments invalid"));
	assert_non_null(strstr(fake.log, "swap limits left as Slurm set them"));
	/* info level: an error line would reach the user's output */
	assert_null(strstr(fake.log, "error: swaplimit:"));

	/* the second local task of the step: nothing at all */
	fake.log[0] = '\0';
	calls = fake.get_item_calls;
	assert_int_equal(slurm_spank_task_post_fork(NULL, 1, bad_av),
			 ESPANK_SUCCESS);
	assert_string_equal(fake.log, "");
	assert_int_equal(fake.get_item_calls, calls);
}

static void test_invalid_args_once_per_step(void **state)
{
	(void)state;
	post_fork_bad_args(0, "info: swaplimit: job=7 step=0 node=node1 ");
}

static void test_batch_step(void **state)
{
	(void)state;
	post_fork_bad_args(SLURM_BATCH_SCRIPT,
			   "info: swaplimit: job=7 step=batch node=node1 ");
}

static void test_extern_step(void **state)
{
	(void)state;
	post_fork_bad_args(SLURM_EXTERN_CONT,
			   "info: swaplimit: job=7 step=extern node=node1 ");
}

static void test_not_remote_does_nothing(void **state)
{
	(void)state;
	fake.context = S_CTX_LOCAL;
	fake.have_ids = true;
	assert_int_equal(slurm_spank_task_post_fork(NULL, 1, bad_av),
			 ESPANK_SUCCESS);
	assert_int_equal(slurm_spank_task_exit(NULL, 1, bad_av),
			 ESPANK_SUCCESS);
	assert_string_equal(fake.log, "");
	assert_int_equal(fake.get_item_calls, 0);
}

static void test_slurmd_invalid_args(void **state)
{
	(void)state;
	fake.context = S_CTX_SLURMD;
	assert_int_equal(slurm_spank_init(NULL, 1, bad_av), ESPANK_SUCCESS);
	assert_non_null(strstr(fake.log, "error: swaplimit: plugin arguments "
					 "invalid, swap limits NOT enforced"));
	assert_int_equal(fake.noptions, 0);
}

/* ---- task_post_fork over a fake cgroup tree ------------------------- */

#define MiB (1024ull * 1024)

static fx_t fx;
static char arg_rules[256], arg_root[PATH_MAX + 16], arg_rec[PATH_MAX + 16];
static char *fx_av[4] = { arg_rules, arg_root, arg_rec, NULL };

/* A v1 step of job 5 (uid 1000) on node1: job RAM 1 GiB, step 512 MiB,
 * memsw as Slurm left it (equal to RAM: no swap); the plugin arguments
 * point at the tree, with `rules`. */
static void fx_step(const char *rules)
{
	char d[PATH_MAX];

	fx_init(&fx);
	fx_v1_tree(&fx, "1073741824\n", "1073741824\n", "536870912\n",
		   "536870912\n");
	fx_fmt(arg_rules, sizeof(arg_rules), "rules=%s", rules);
	fx_fmt(arg_root, sizeof(arg_root), "cgroup_root=%s", fx.cg);
	fx_path(&fx, d, "rec");
	fx_mkdirs(d);
	chmod(d, 0700);
	fx_fmt(arg_rec, sizeof(arg_rec), "record_dir=%s", d);
	sl_proc_root = fx.proc;
	fake.have_ids = true;
	fake.job_id = 5;
	fake.step_id = 0;
	fake.uid = 1000;
	fake.gid = 1000;
	fake.ncpus = 2;
	fake.ntasks = 1;
	fake.cores = "0-1";
	fake.task_pid = FX_PID;
}

/* The fake tree's tests: slurm_spank_exit first (its end-of-step report
 * reads the tree), then the tree goes, whether the test passed or not. */
static int fx_teardown(void **state)
{
	(void)state;
	slurm_spank_exit(NULL, 0, NULL);
	sl_proc_root = "/proc";
	if (fx.root[0])
		fx_fini(&fx);
	memset(&fx, 0, sizeof(fx));
	return 0;
}

static uint64_t fx_value(const char *rel, const char *name)
{
	char p[PATH_MAX], buf[64];

	fx_path(&fx, p, "cg/memory%s/%s", rel, name);
	return strtoull(fx_get(p, buf, sizeof(buf)), NULL, 10);
}

static void test_post_fork_writes_the_grant(void **state)
{
	(void)state;
	fx_step("default()=0MiB");
	/* 0 swap: memsw = the RAM limit, written (not left as it was; the
	 * writer does not truncate, as cgroupfs needs none: start short) */
	fx_v1_file(&fx, FX_V1_JOB, "memory.memsw.limit_in_bytes", "1\n");
	fx_v1_file(&fx, FX_V1_STEP, "memory.memsw.limit_in_bytes", "1\n");
	assert_int_equal(slurm_spank_task_post_fork(NULL, 3, fx_av),
			 ESPANK_SUCCESS);
	assert_int_equal(fx_value(FX_V1_STEP, "memory.memsw.limit_in_bytes"),
			 512 * MiB);
	assert_int_equal(fx_value(FX_V1_JOB, "memory.memsw.limit_in_bytes"),
			 1024 * MiB);
	assert_non_null(strstr(fake.log, "info: swaplimit: job=5 step=0 node=node1 "));
	assert_non_null(strstr(fake.log, " term=1 (default()=0MiB)"));
	assert_non_null(strstr(fake.log, " phases_us="));
	assert_null(strstr(fake.log, "error"));
}

static void test_post_fork_request_lowers_the_step_only(void **state)
{
	(void)state;
	fx_step("host(node1)=none");
	assert_int_equal(slurm_spank_init(NULL, 3, fx_av), ESPANK_SUCCESS);
	assert_int_equal(fake_option("swap")->cb(0, "64M", 1), 0);
	assert_int_equal(slurm_spank_task_post_fork(NULL, 3, fx_av),
			 ESPANK_SUCCESS);
	/* the step: its RAM + the request; the job: the rule's grant (none:
	 * unlimited, which v1 writes as -1) */
	assert_int_equal(fx_value(FX_V1_STEP, "memory.memsw.limit_in_bytes"),
			 (512 + 64) * MiB);
	{
		char p[PATH_MAX], buf[64];

		fx_path(&fx, p, "cg/memory%s/memory.memsw.limit_in_bytes",
			FX_V1_JOB);
		assert_int_equal(strncmp(fx_get(p, buf, sizeof(buf)), "-1", 2),
				 0);
	}
	assert_non_null(strstr(fake.log, " request=64M (lowered the step)"));
	/* the end-of-step report reads the same cgroup (task_exit of the
	 * only local task) */
	fake.log[0] = '\0';
	assert_int_equal(slurm_spank_task_exit(NULL, 3, fx_av), ESPANK_SUCCESS);
	assert_non_null(strstr(fake.log, "usage: job=5 step=0 node=node1"));
	assert_non_null(strstr(fake.log, " request=64M report=no verdict="));
	assert_null(strstr(fake.log, "error"));
}

static void test_post_fork_missing_cgroup_file(void **state)
{
	char p[PATH_MAX];

	(void)state;
	fx_step("default()=0MiB");
	fx_path(&fx, p, "cg/memory%s/memory.limit_in_bytes", FX_V1_STEP);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(slurm_spank_task_post_fork(NULL, 3, fx_av),
			 ESPANK_SUCCESS);
	/* one line, naming the file; nothing written; never an error return */
	assert_non_null(strstr(fake.log, "cannot read the RAM limit"));
	assert_non_null(strstr(fake.log, "memory.limit_in_bytes"));
	assert_int_equal(fx_value(FX_V1_JOB, "memory.memsw.limit_in_bytes"),
			 1024 * MiB);
}

/* task_init takes what task_post_fork wrote from the shared page: with
 * the step's cgroup files gone (a read-back would fail and remove the
 * variable), SWAPLIMIT_BYTES is still the step's "none": empty, no limit.
 * (A finite grant here would be capped by this machine's swap.) */
static void test_task_init_takes_the_handed_limit(void **state)
{
	char p[PATH_MAX];

	(void)state;
	fx_step("default()=none");
	setenv("SWAPLIMIT_BYTES", "999999999999", 1);   /* the user's */
	assert_int_equal(slurm_spank_init(NULL, 3, fx_av), ESPANK_SUCCESS);
	assert_int_equal(slurm_spank_task_post_fork(NULL, 3, fx_av),
			 ESPANK_SUCCESS);
	assert_non_null(strstr(fake.log, " swap=unlimited (none)"));
	fx_path(&fx, p, "cg/memory%s/memory.memsw.limit_in_bytes", FX_V1_STEP);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(slurm_spank_task_init(NULL, 3, fx_av), ESPANK_SUCCESS);
	assert_non_null(getenv("SWAPLIMIT_BYTES"));
	assert_string_equal(getenv("SWAPLIMIT_BYTES"), "");
	unsetenv("SWAPLIMIT_BYTES");
}

/* Nothing written (no term matched): nothing handed, task_init reads its
 * own cgroup (here: none, this test process is in no Slurm cgroup) and
 * removes the user's variable rather than guess. */
static void test_task_init_without_a_write_reads_back(void **state)
{
	(void)state;
	fx_step("host(other)=1GiB");
	setenv("SWAPLIMIT_BYTES", "999999999999", 1);
	assert_int_equal(slurm_spank_init(NULL, 3, fx_av), ESPANK_SUCCESS);
	assert_int_equal(slurm_spank_task_post_fork(NULL, 3, fx_av),
			 ESPANK_SUCCESS);
	assert_non_null(strstr(fake.log, "term=none"));
	assert_int_equal(slurm_spank_task_init(NULL, 3, fx_av), ESPANK_SUCCESS);
	assert_null(getenv("SWAPLIMIT_BYTES"));
}

/* The page crosses fork as slurmstepd's tasks do: made first, the child
 * forked and waiting, the value published after, read by the child. */
static void test_handoff_crosses_fork(void **state)
{
	int go[2], back[2];
	uint64_t v = 0;
	pid_t pid;
	int st;

	(void)state;
	sl_handoff_create();
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(back), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		uint64_t got = 0;

		if (read(go[0], &c, 1) != 1 || !sl_handoff_read(&got))
			_exit(2);
		_exit(write(back[1], &got, sizeof(got)) == sizeof(got) ? 0 : 3);
	}
	assert_false(sl_handoff_read(&v));      /* not yet published */
	sl_handoff_publish(123 * MiB);
	assert_int_equal(write(go[1], "x", 1), 1);
	assert_int_equal(read(back[0], &v, sizeof(v)), sizeof(v));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(v, 123 * MiB);
	close(go[0]);
	close(go[1]);
	close(back[0]);
	close(back[1]);
	sl_handoff_free();
	assert_false(sl_handoff_read(&v));
}

/* One step's post_fork in a fresh "process" (the plugin's state reset as
 * slurmstepd's exit does), with the log of that step only. */
static void fresh_step_post_fork(void)
{
	slurm_spank_exit(NULL, 0, NULL);
	fake.log[0] = '\0';
	assert_int_equal(slurm_spank_task_post_fork(NULL, 3, fx_av),
			 ESPANK_SUCCESS);
}

/* The first step compiles and keeps <record_dir>/<node>/rules.img; the
 * next loads it and decides the same; other rules, a damaged image or an
 * unsafe one are compiled again (no error, the same decision). */
static void test_post_fork_keeps_and_loads_the_image(void **state)
{
	char img[PATH_MAX];
	struct stat st;
	FILE *f;

	(void)state;
	fx_step("default()=0MiB");
	fx_path(&fx, img, "rec/node1/rules.img");
	fresh_step_post_fork();
	assert_non_null(strstr(fake.log, " rules_from=compiled"));
	assert_int_equal(stat(img, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	fx_v1_file(&fx, FX_V1_STEP, "memory.memsw.limit_in_bytes", "1\n");
	fresh_step_post_fork();
	assert_non_null(strstr(fake.log, " rules_from=image"));
	assert_non_null(strstr(fake.log, " term=1 (default()=0MiB)"));
	assert_int_equal(fx_value(FX_V1_STEP, "memory.memsw.limit_in_bytes"),
			 512 * MiB);
	/* other rules: that image is not theirs */
	fx_fmt(arg_rules, sizeof(arg_rules), "rules=%s", "default()=none");
	fresh_step_post_fork();
	assert_non_null(strstr(fake.log, " rules_from=compiled"));
	assert_non_null(strstr(fake.log, " swap=unlimited (none)"));
	fresh_step_post_fork();
	assert_non_null(strstr(fake.log, " rules_from=image"));
	assert_non_null(strstr(fake.log, " swap=unlimited (none)"));
	/* damaged: compiled again, silently (debug), and replaced */
	f = fopen(img, "w");
	assert_non_null(f);
	fputs("SWLIMG\ngarbage", f);
	fclose(f);
	fresh_step_post_fork();
	assert_non_null(strstr(fake.log, " rules_from=compiled"));
	assert_non_null(strstr(fake.log, " swap=unlimited (none)"));
	assert_non_null(strstr(fake.log, "debug: swaplimit: rules image not "
					 "used (not a swaplimit rules image)"));
	assert_null(strstr(fake.log, "warning: rules image"));
	fresh_step_post_fork();
	assert_non_null(strstr(fake.log, " rules_from=image"));
	/* readable by others: refused with a warning, compiled */
	assert_int_equal(chmod(img, 0644), 0);
	fresh_step_post_fork();
	assert_non_null(strstr(fake.log, "warning: rules image not used"));
	assert_non_null(strstr(fake.log, "mode 0600"));
	assert_non_null(strstr(fake.log, " rules_from=compiled"));
	assert_null(strstr(fake.log, "error"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_swap_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_args_once_per_step,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extern_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_remote_does_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_slurmd_invalid_args, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_post_fork_writes_the_grant,
						setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_post_fork_request_lowers_the_step_only, setup,
			fx_teardown),
		cmocka_unit_test_setup_teardown(test_post_fork_missing_cgroup_file,
						setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_task_init_takes_the_handed_limit, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_task_init_without_a_write_reads_back, setup,
			fx_teardown),
		cmocka_unit_test_setup_teardown(test_handoff_crosses_fork, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_post_fork_keeps_and_loads_the_image, setup,
			fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
