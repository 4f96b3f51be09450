/*
 * The end-of-step report as slurmstepd's task_exit sends it
 * (src/plugin/spank_task_exit.c, src/node/step_report.c), over a fake v1 step cgroup: issue 10,
 * the user is told "the most this site grants" only when the grant was
 * really written. SPANK and Slurm's logging are stubbed here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "step_report.h"
#include "user_msg.h"
#include "spank_task_exit.c"

/* What spank_task.c and spank_option.c would hand the report. */
static sl_step_applied_t applied;
const sl_step_applied_t *sl_step_applied(void)
{
	return &applied;
}
const sl_swap_request_t *sl_option_swap(void)
{
	return NULL;
}
bool sl_option_report_wanted(void)
{
	return false;
}

/* --- stubs for what slurmstepd provides ---------------------------------- */

static char logged[8192];

__attribute__((format(printf, 1, 0)))
static void log_line(const char *fmt, va_list ap)
{
	size_t n = strlen(logged);

	vsnprintf(logged + n, sizeof(logged) - n, fmt, ap);
	n = strlen(logged);
	if (n + 1 < sizeof(logged)) {
		logged[n] = '\n';
		logged[n + 1] = '\0';
	}
}

void slurm_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

void slurm_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

void slurm_debug(const char *fmt, ...)
{
	(void)fmt;
}

spank_context_t spank_context(void)
{
	return S_CTX_REMOTE;
}

spank_err_t spank_get_item(spank_t sp, spank_item_t item, ...)
{
	(void)sp;
	(void)item;
	return ESPANK_ERROR;
}

/* --- a fake step cgroup that was OOM-killed with RAM and swap used up ---- */

static char dir[64];

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sl-task-exit-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	/* 100MiB of RAM, 64MiB of swap, both used up, one OOM kill */
	put("memory.limit_in_bytes", "104857600\n");
	put("memory.memsw.limit_in_bytes", "171966464\n");
	put("memory.max_usage_in_bytes", "104857600\n");
	put("memory.memsw.max_usage_in_bytes", "171966464\n");
	put("memory.memsw.failcnt", "3\n");
	put("memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
	put("memory.stat", "total_swap 67108864\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* Run the report as task_exit would, the user's text into a pipe. */
static void report(bool written, char *user, size_t size)
{
	int p[2], saved;
	ssize_t n;

	memset(&applied, 0, sizeof(applied));
	sl_report_state_reset();
	logged[0] = '\0';
	snprintf(applied.job, sizeof(applied.job), "42");
	snprintf(applied.step, sizeof(applied.step), "0");
	snprintf(applied.node, sizeof(applied.node), "node1");
	applied.found = true;
	applied.paths.version = SL_CG_V1;
	snprintf(applied.paths.step_dir, sizeof(applied.paths.step_dir), "%s",
		 dir);
	snprintf(applied.paths.job_dir, sizeof(applied.paths.job_dir), "%s",
		 dir);
	applied.decided = true;         /* a term matched ... */
	applied.grant = 64ull << 20;
	applied.done = written;         /* ... was it written? */

	assert_int_equal(pipe(p), 0);
	saved = dup(STDERR_FILENO);
	dup2(p[1], STDERR_FILENO);
	sl_step_report();
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	n = read(p[0], user, size - 1);
	close(p[0]);
	user[n > 0 ? n : 0] = '\0';
}

static void test_grant_written(void **state)
{
	char user[4096];

	(void)state;
	report(true, user, sizeof(user));
	assert_non_null(strstr(user, "ran out of memory"));
	assert_non_null(strstr(user, "the most this site grants it here"));
	assert_non_null(strstr(logged, "grant=64MiB"));
}

static void test_write_failed_makes_no_claim(void **state)
{
	char user[4096];

	(void)state;
	report(false, user, sizeof(user));
	assert_non_null(strstr(user, "ran out of memory"));
	if (strstr(user, "the most this site grants"))
		fail_msg("claims a grant that was never written: %s", user);
	assert_null(strstr(user, "this site grants"));
	assert_non_null(strstr(logged, "grant=?"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grant_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failed_makes_no_claim,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
