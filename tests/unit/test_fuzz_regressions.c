/*
 * Replays every file in tests/fuzz/regressions/ (crash inputs the fuzzer
 * found) and tests/fuzz/corpus/ (the seed corpus) through the fuzz
 * target's own checks: compile (inline and file mode), bind, eval with
 * edge-value facts, accessors, error formatting. Also a few inputs too big
 * for the fuzzer's max_len (1 MB, 10000 terms, 400-digit numbers).
 *
 * The directory is tests/fuzz relative to the current directory (make runs
 * from the top), or $SWAPLIMIT_FUZZ_DIR.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* A contract violation fails the current cmocka test, naming the input. */
static const char *current_input = "?";
#define SL_FUZZ_FAIL(msg) fail_msg("%s: %s", current_input, (msg))
#define SL_FUZZ_NO_MAIN 1
#include "../fuzz/fuzz_rules.c"

static const char *fuzz_dir(void)
{
	const char *d = getenv("SWAPLIMIT_FUZZ_DIR");
	return d && *d ? d : "tests/fuzz";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	assert_int_equal(ferror(f), 0);
	fclose(f);
	*len = n;
	return buf;
}

/* Replays every regular, non-hidden file of one directory; returns how
 * many. `required`: the directory must exist and hold at least one file. */
static size_t replay_dir(const char *sub, int required)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/%s", fuzz_dir(), sub);
	DIR *d = opendir(dir);
	if (d == NULL) {
		if (required)
			fail_msg("cannot open %s: %s (run from the top of the tree or set "
				 "SWAPLIMIT_FUZZ_DIR)", dir, strerror(errno));
		return 0;   /* git keeps no empty directory */
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "README") == 0 ||
		    strcmp(e->d_name, "README.md") == 0)
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		assert_non_null(names);
		names[n] = strdup(e->d_name);
		assert_non_null(names[n]);
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		size_t len;
		char *buf = read_all(path, &len);
		current_input = path;
		sl_fuzz_one((const uint8_t *)buf, len);
		current_input = "?";
		free(buf);
		free(names[i]);
	}
	free(names);
	if (required && n == 0)
		fail_msg("%s holds no input", dir);
	return n;
}

static void test_corpus(void **state)
{
	(void)state;
	size_t n = replay_dir("corpus", 1);
	print_message("replayed %zu corpus inputs\n", n);
}

static void test_regressions(void **state)
{
	(void)state;
	size_t n = replay_dir("regressions", 0);
	print_message("replayed %zu regression inputs\n", n);
}

/* Compiles `text` both ways and through every check. */
static void replay_text(const char *name, const char *text, size_t len)
{
	current_input = name;
	sl_fuzz_one((const uint8_t *)text, len);
	current_input = "?";
}

static void test_big_inputs(void **state)
{
	(void)state;
	/* 1 MB of one long name. */
	size_t mb = 1 << 20;
	char *t = malloc(mb + 64);
	assert_non_null(t);
	int o = sprintf(t, "partition(");
	memset(t + o, 'p', mb);
	strcpy(t + o + mb, ")=1G,default()=0");
	replay_text("1MB-name", t, strlen(t));

	/* 1 MB of whitespace, then a rule; 1 MB of commas; 1 MB of '['. */
	memset(t, ' ', mb);
	strcpy(t + mb, "default()=1G");
	replay_text("1MB-space", t, strlen(t));
	memset(t, ',', mb);
	replay_text("1MB-commas", t, mb);
	memset(t, '[', mb);
	replay_text("1MB-brackets", t, mb);
	memset(t, '(', mb);
	replay_text("1MB-parens", t, mb);
	free(t);

	/* 10000 terms, the last one matching. */
	size_t cap = 10000 * 48 + 64, n = 0;
	t = malloc(cap);
	assert_non_null(t);
	for (int i = 0; i < 9999; i++)
		n += (size_t)snprintf(t + n, cap - n, "partition(p%d)&user(u%d)=%d%%/cpu,", i, i,
				      i % 200);
	n += (size_t)snprintf(t + n, cap - n, "default(){min_swap=1G}=1GiB/task");
	replay_text("10000-terms", t, n);

	/* 10000 host terms. */
	n = 0;
	for (int i = 0; i < 10000; i++)
		n += (size_t)snprintf(t + n, cap - n, "%shost(r%04dn[00-99])=%dMiB",
				      i ? "," : "", i, i);
	replay_text("10000-host-terms", t, n);
	free(t);

	/* Numbers with 400 digits, in every position a number may take. */
	char d400[401];
	memset(d400, '9', 400);
	d400[400] = '\0';
	char buf[2048];
	static const char *const forms[][3] = {
		{ "default()=", "GiB", "" }, { "default()=", "%", "" },
		{ "default()=", "%mem/cpu", "" }, { "default()=0.", "GiB", "" },
		{ "default()=", ".", "%" }, { "default(){min_swap=", "M}=1G", "" },
		{ "host(r[0-", "])=1G", "" }, { "host(r", ")=1G", "" },
		{ "default()=", "B/task", "" },
	};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		int len = snprintf(buf, sizeof buf, "%s%s%s%s%s", forms[i][0], d400,
				   forms[i][1], forms[i][2][0] ? d400 : "", forms[i][2]);
		replay_text(buf, buf, (size_t)len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_regressions),
		cmocka_unit_test(test_big_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
