/*
 * The SPANK entry points themselves (src/plugin/spank.c and the context
 * files behind it), driven through a fake of the SPANK API
 * (fake_spank.c): the option callbacks, the never-fail policy on invalid
 * arguments, the once-per-step logic, the batch and extern step names.
 * The plugin objects are linked into this binary (Makefile).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <slurm/slurm.h>

#include "fake_spank.h"
#include "plugin.h"

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
	assert_true(sl_state.request.given);
	assert_int_equal(sl_state.request.value.bytes, 1ull << 30);

	assert_int_equal(swap->cb(0, "none", 1), 0);
	assert_true(sl_state.request.given);
	assert_true(sl_state.request.value.bytes == UINT64_MAX);

	/* on the node: logged, treated as absent, never an error */
	fake.log[0] = '\0';
	assert_int_equal(swap->cb(0, "bogus", 1), 0);
	assert_false(sl_state.request.given);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
