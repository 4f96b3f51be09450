/*
 * sl_user_say() never waits (issue 10): a full pipe whose reader does not
 * read, a FIFO without a reader. An alarm turns a blocked write into a
 * failure instead of a hung test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "user_msg.h"

static void on_alarm(int sig)
{
	(void)sig;
	static const char m[] = "sl_user_say blocked\n";
	ssize_t n = write(1, m, sizeof(m) - 1);
	(void)n;
	_exit(1);
}

/* Run sl_user_say with `fd` as stderr; restore stderr after. */
static void say_on(int fd, const char *text)
{
	int saved = dup(STDERR_FILENO);

	assert_true(saved >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	signal(SIGALRM, on_alarm);
	alarm(5);
	sl_user_say(text, strlen(text));
	alarm(0);
	dup2(saved, STDERR_FILENO);
	close(saved);
}

static void test_full_pipe(void **state)
{
	int p[2], fl;
	char buf[4096];
	size_t filled = 0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	/* fill the pipe (nobody reads it: a stopped srun) */
	fl = fcntl(p[1], F_GETFL);
	fcntl(p[1], F_SETFL, fl | O_NONBLOCK);
	memset(buf, 'x', sizeof(buf));
	for (;;) {
		ssize_t n = write(p[1], buf, sizeof(buf));
		if (n <= 0)
			break;
		filled += (size_t)n;
	}
	assert_true(filled > 0);
	/* the user's task shares this open file: it stays blocking */
	fcntl(p[1], F_SETFL, fl);
	say_on(p[1], "swaplimit: a line nobody reads\n");
	assert_int_equal(fcntl(p[1], F_GETFL) & O_NONBLOCK, 0);
	close(p[0]);
	close(p[1]);
}

static void test_pipe_with_room(void **state)
{
	int p[2];
	char got[64] = "";
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(p), 0);
	say_on(p[1], "swaplimit: hello\n");
	n = read(p[0], got, sizeof(got) - 1);
	assert_int_equal(n, 17);
	assert_string_equal(got, "swaplimit: hello\n");
	close(p[0]);
	close(p[1]);
}

static void test_regular_file(void **state)
{
	char path[] = "/tmp/sl-test-user-msg-XXXXXX", got[64] = "";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	say_on(fd, "swaplimit: to a file\n");
	assert_int_equal(pread(fd, got, sizeof(got) - 1, 0), 21);
	assert_string_equal(got, "swaplimit: to a file\n");
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_pipe),
		cmocka_unit_test(test_pipe_with_room),
		cmocka_unit_test(test_regular_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
