/*
 * Config module: strict plugin arguments, loading rules files safely, and
 * reading swaplimit's line out of a plugstack.conf the way Slurm does.
 * Runs from the source root (tests/cli/ holds the input files).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_args.h"
#include "rules.h"

#define P1 "host(r04s[00-01])=none,partition(reserved)=1%/task," \
	   "partition(standard)=0MiB,default(){min_swap=250MiB}=50MiB/cpu"
#define KEYS "(accepted keys: rules=, config=, cgroup_root=, record_dir=, fallback=, gres=)"

static char tmpdir[64];
static char msg[1024];

/* --- helpers ----------------------------------------------------------- */

static const char *tpath(const char *name)
{
	static char buf[4][PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(tpath(name), "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int parse(sl_args_t *a, int argc, ...)
{
	char *argv[16];
	va_list ap;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	msg[0] = '\0';
	return sl_args_parse(argc, argv, a, msg, sizeof(msg));
}

static int setup_all(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sl-test-config-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	if (access("tests/cli/site.rules", R_OK) != 0) {
		fprintf(stderr, "run from the source root: tests/cli/ missing\n");
		return -1;
	}
	return 0;
}

static int teardown_all(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* --- sl_args_parse ----------------------------------------------------- */

static void args_rules_defaults(void **state)
{
	sl_args_t a;

	(void)state;
	assert_int_equal(parse(&a, 1, "rules=" P1), 0);
	/* split on the first '=' only: the rules keep theirs */
	assert_string_equal(a.rules, P1);
	assert_null(a.config);
	/* no cgroup_root=: NULL, the mount is found in /proc/self/mountinfo */
	assert_null(a.cgroup_root);
	assert_string_equal(a.record_dir, "/run/swaplimit");
	sl_args_free(&a);
	assert_null(a.rules);
	sl_args_free(&a);         /* twice is harmless */
}

static void args_config_all_keys(void **state)
{
	sl_args_t a;

	(void)state;
	assert_int_equal(parse(&a, 3, "record_dir=/tmp/rec",
			       "config=/etc/slurm/swaplimit.conf",
			       "cgroup_root=/tmp/cg"), 0);
	assert_null(a.rules);
	assert_string_equal(a.config, "/etc/slurm/swaplimit.conf");
	assert_string_equal(a.cgroup_root, "/tmp/cg");
	assert_string_equal(a.record_dir, "/tmp/rec");
	sl_args_free(&a);
}

static void args_unknown_key(void **state)
{
	sl_args_t a;

	(void)state;
	assert_int_equal(parse(&a, 2, "rules=default()=0", "rule=x"), -1);
	assert_string_equal(msg, "plugin argument 'rule=x': unknown key 'rule' "
			    KEYS);
	assert_null(a.rules);     /* nothing left allocated */
	sl_args_free(&a);
	/* keys are case-sensitive, like everything Slurm passes through */
	assert_int_equal(parse(&a, 1, "RULES=default()=0"), -1);
	assert_string_equal(msg, "plugin argument 'RULES=default()=0': "
			    "unknown key 'RULES' " KEYS);
}

static void args_missing_equals(void **state)
{
	sl_args_t a;

	(void)state;
	assert_int_equal(parse(&a, 2, "config=/etc/x", "debug"), -1);
	assert_string_equal(msg, "plugin argument 'debug': expected key=value "
			    KEYS);
	sl_args_free(&a);
}

static void args_empty_key(void **state)
{
	sl_args_t a;

	(void)state;
	/* what Slurm hands over for `rules=default() = 1GiB` (split on
	 * whitespace): "rules=default()", "=", "1GiB" */
	assert_int_equal(parse(&a, 3, "rules=default()", "=", "1GiB"), -1);
	assert_string_equal(msg, "plugin argument '=': missing key before '=' "
			    KEYS);
}

static void args_empty_value(void **state)
{
	sl_args_t a;

	(void)state;
	assert_int_equal(parse(&a, 1, "rules="), -1);
	assert_string_equal(msg, "plugin argument 'rules=': empty value for "
			    "rules= " KEYS);
	assert_int_equal(parse(&a, 2, "rules=default()=0", "record_dir="), -1);
	assert_string_equal(msg, "plugin argument 'record_dir=': empty value "
			    "for record_dir= " KEYS);
}

/* gres=NAME: a GRES name, as in GresTypes= */
static void args_gres(void **state)
{
	char *ok[] = { "rules=default()=gres", "gres=swap_1" };
	char *bad[] = { "rules=default()=gres", "gres=swap:20G" };
	sl_args_t a;
	char m[512];

	(void)state;
	assert_int_equal(sl_args_parse(2, ok, &a, m, sizeof(m)), 0);
	assert_string_equal(a.gres, "swap_1");
	sl_args_free(&a);
	assert_int_equal(sl_args_parse(2, bad, &a, m, sizeof(m)), -1);
	assert_non_null(strstr(m, "plugin argument 'gres=swap:20G': expected the name of a GRES"));
	sl_args_free(&a);
}

static void args_duplicate(void **state)
{
	sl_args_t a;

	(void)state;
	assert_int_equal(parse(&a, 3, "rules=default()=0", "cgroup_root=/a",
			       "cgroup_root=/b"), -1);
	assert_string_equal(msg, "plugin argument 'cgroup_root=/b': "
			    "cgroup_root= is given twice (accepted keys: "
			    "rules=, config=, cgroup_root=, record_dir=, fallback=, gres=, each "
			    "at most once)");
	assert_int_equal(parse(&a, 2, "rules=default()=0", "rules=default()=1G"),
			 -1);
	assert_string_equal(msg, "plugin argument 'rules=default()=1G': rules= "
			    "is given twice (accepted keys: rules=, config=, "
			    "cgroup_root=, record_dir=, fallback=, gres=, each at most once)");
}

static void args_both_and_neither(void **state)
{
	sl_args_t a;

	(void)state;
	assert_int_equal(parse(&a, 2, "config=/etc/x", "rules=default()=0"), -1);
	assert_string_equal(msg, "plugin arguments: rules= and config= are "
			    "both given; keep exactly one (rules=RULES inline, "
			    "or config=/path/to/rules/file)");
	assert_null(a.rules);
	assert_null(a.config);

	assert_int_equal(parse(&a, 0), -1);
	assert_string_equal(msg, "plugin arguments: neither rules= nor config= "
			    "is given; add exactly one " KEYS);
	assert_int_equal(parse(&a, 1, "cgroup_root=/sys/fs/cgroup"), -1);
	assert_string_equal(msg, "plugin arguments: neither rules= nor config= "
			    "is given; add exactly one " KEYS);
}

static void args_relative_paths(void **state)
{
	sl_args_t a;

	(void)state;
	assert_int_equal(parse(&a, 1, "config=swaplimit.conf"), -1);
	assert_string_equal(msg, "plugin argument 'config=swaplimit.conf': "
			    "config= needs an absolute path (starting with '/')");
	assert_int_equal(parse(&a, 2, "rules=default()=0", "record_dir=run"), -1);
	assert_string_equal(msg, "plugin argument 'record_dir=run': record_dir= "
			    "needs an absolute path (starting with '/')");
	assert_int_equal(parse(&a, 2, "rules=default()=0", "cgroup_root=cg"), -1);
	assert_string_equal(msg, "plugin argument 'cgroup_root=cg': "
			    "cgroup_root= needs an absolute path (starting "
			    "with '/')");
}

static void args_long_argument_is_shortened(void **state)
{
	sl_args_t a;
	char big[300];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse(&a, 2, "rules=default()=0", big), -1);
	/* 60 characters of the argument, then "..." */
	assert_string_equal(msg, "plugin argument 'xxxxxxxxxxxxxxxxxxxxxxxxxxx"
			    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...': expected "
			    "key=value " KEYS);
}

/* --- sl_args_load_rules ------------------------------------------------ */

static sl_rules_t *load(const char *rules, const char *config, sl_error_t *e)
{
	sl_args_t a;

	memset(&a, 0, sizeof(a));
	a.rules = (char *)rules;
	a.config = (char *)config;
	return sl_args_load_rules(&a, e);
}

static void load_inline(void **state)
{
	sl_error_t e;
	sl_rules_t *r = load(P1, NULL, &e);

	(void)state;
	assert_non_null(r);
	assert_int_equal(sl_rules_count(r), 4);
	assert_string_equal(sl_rules_term_text(r, 3),
			    "default(){min_swap=250MiB}=50MiB/cpu");
	sl_rules_free(r);
}

static void load_inline_error_source_is_rules(void **state)
{
	sl_error_t e;

	(void)state;
	assert_null(load("default()=5XB", NULL, &e));
	assert_string_equal(e.source, "rules");
	assert_int_equal(e.line, 1);
	assert_int_equal(e.col, 12);
	/* '#' is not a comment inline */
	assert_null(load("default()=1GiB # x", NULL, &e));
	assert_string_equal(e.source, "rules");
	assert_int_equal(e.line, 1);
	assert_int_equal(e.col, 16);
}

static void load_file_with_comments(void **state)
{
	sl_error_t e;
	sl_rules_t *r = load(NULL, "tests/cli/site.rules", &e);

	(void)state;
	assert_non_null(r);
	assert_int_equal(sl_rules_count(r), 4);
	assert_string_equal(sl_rules_term_text(r, 0), "host(r04s[00-01])=none");
	assert_string_equal(sl_rules_term_text(r, 1),
			    "partition(reserved)=1%/task");
	sl_rules_free(r);
}

static void load_file_error_positioned(void **state)
{
	sl_error_t e;
	char buf[512];

	(void)state;
	assert_null(load(NULL, "tests/cli/bad.rules", &e));
	assert_string_equal(e.source, "tests/cli/bad.rules");
	assert_int_equal(e.line, 4);
	assert_int_equal(e.col, 14);
	sl_error_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "tests/cli/bad.rules:4:14: unknown unit 'XB' "
			    "(expected B, K, KiB, M, MiB, G, GiB, T, TiB, P, PiB)");
}

static void load_file_missing(void **state)
{
	sl_error_t e;

	(void)state;
	assert_null(load(NULL, tpath("nope.rules"), &e));
	assert_int_equal(e.line, 0);
	assert_string_equal(e.source, tpath("nope.rules"));
	snprintf(msg, sizeof(msg), "cannot open rules file %s: No such file or "
		 "directory", tpath("nope.rules"));
	assert_string_equal(e.message, msg);

	/* any errno is named: a path through a regular file */
	assert_null(load(NULL, "tests/cli/site.rules/x", &e));
	assert_int_equal(e.line, 0);
	assert_string_equal(e.message, "cannot open rules file "
			    "tests/cli/site.rules/x: Not a directory");
}

static void load_file_not_regular(void **state)
{
	sl_error_t e;

	(void)state;
	assert_null(load(NULL, tmpdir, &e));
	assert_int_equal(e.line, 0);
	snprintf(msg, sizeof(msg), "rules file %s is not a regular file", tmpdir);
	assert_string_equal(e.message, msg);

	/* a FIFO with no writer: refused at once, not waited on */
	unlink(tpath("fifo"));
	assert_int_equal(mkfifo(tpath("fifo"), 0600), 0);
	assert_null(load(NULL, tpath("fifo"), &e));
	snprintf(msg, sizeof(msg), "rules file %s is not a regular file",
		 tpath("fifo"));
	assert_string_equal(e.message, msg);
}

static void load_file_too_large(void **state)
{
	sl_error_t e;
	int fd;

	(void)state;
	fd = open(tpath("huge.rules"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)SL_RULES_FILE_MAX + 1), 0);
	close(fd);
	assert_null(load(NULL, tpath("huge.rules"), &e));
	snprintf(msg, sizeof(msg), "rules file %s is larger than 4194304 bytes",
		 tpath("huge.rules"));
	assert_string_equal(e.message, msg);
	unlink(tpath("huge.rules"));
}

static void load_file_unreadable(void **state)
{
	sl_error_t e;

	(void)state;
	if (geteuid() == 0)
		skip();           /* root reads mode-000 files */
	write_file("secret.rules", "default()=1GiB\n");
	assert_int_equal(chmod(tpath("secret.rules"), 0), 0);
	assert_null(load(NULL, tpath("secret.rules"), &e));
	snprintf(msg, sizeof(msg), "cannot open rules file %s: Permission "
		 "denied", tpath("secret.rules"));
	assert_string_equal(e.message, msg);
}

static void load_needs_one_source(void **state)
{
	sl_error_t e;

	(void)state;
	assert_null(load(NULL, NULL, &e));
	assert_string_equal(e.message, "exactly one of rules= and config= is "
			    "needed");
	assert_null(load("default()=0", "/etc/x", &e));
	assert_string_equal(e.message, "exactly one of rules= and config= is "
			    "needed");
}

/* --- sl_plugstack_read ------------------------------------------------- */

static void plugstack_include(void **state)
{
	sl_args_t a;

	(void)state;
	assert_int_equal(sl_plugstack_read("tests/cli/plugstack-include.conf",
					   &a, msg, sizeof(msg)), 0);
	/* not notswaplimit.so, not swaplimit.so.bak, not README (no .conf) */
	assert_string_equal(a.rules, P1);
	assert_null(a.config);
	assert_string_equal(a.record_dir, "/run/sl");
	assert_null(a.cgroup_root);      /* not given: from the mount table */
	sl_args_free(&a);
}

static void plugstack_config(void **state)
{
	char abs[PATH_MAX], text[PATH_MAX + 128];
	sl_args_t a;
	sl_error_t e;
	sl_rules_t *r;

	(void)state;
	assert_non_null(realpath("tests/cli/site.rules", abs));
	snprintf(text, sizeof(text),
		 "required swaplimit.so config=%s cgroup_root=/x\n", abs);
	write_file("plugstack.conf", text);
	assert_int_equal(sl_plugstack_read(tpath("plugstack.conf"), &a, msg,
					   sizeof(msg)), 0);
	assert_null(a.rules);
	assert_string_equal(a.config, abs);
	assert_string_equal(a.cgroup_root, "/x");
	r = sl_args_load_rules(&a, &e);
	assert_non_null(r);
	assert_int_equal(sl_rules_count(r), 4);
	sl_rules_free(r);
	sl_args_free(&a);
}

static void plugstack_missing_file(void **state)
{
	sl_args_t a;

	(void)state;
	assert_int_equal(sl_plugstack_read(tpath("none.conf"), &a, msg,
					   sizeof(msg)), -1);
	assert_null(a.rules);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof(want), "cannot open %s: No such file or directory",
		 tpath("none.conf"));
	assert_string_equal(msg, want);
}

static void plugstack_no_line(void **state)
{
	sl_args_t a;
	char want[PATH_MAX + 256];

	(void)state;
	/* an include that matches nothing and a missing file are not errors */
	write_file("p.conf", "# nothing here\n\ninclude nowhere/*.conf\n"
		   "include /nonexistent-dir-sl/x.conf\n"
		   "optional /x/other.so a=b\n");
	assert_int_equal(sl_plugstack_read(tpath("p.conf"), &a, msg,
					   sizeof(msg)), -1);
	snprintf(want, sizeof(want), "%s: no 'required' or 'optional' line "
		 "loads swaplimit.so (nor in the files it includes)",
		 tpath("p.conf"));
	assert_string_equal(msg, want);
}

static void plugstack_ignored_line_hint(void **state)
{
	sl_args_t a;
	char want[PATH_MAX * 2 + 256];

	(void)state;
	write_file("p.conf", "Required /x/swaplimit.so rules=default()=0\n");
	assert_int_equal(sl_plugstack_read(tpath("p.conf"), &a, msg,
					   sizeof(msg)), -1);
	snprintf(want, sizeof(want), "%s: no 'required' or 'optional' line "
		 "loads swaplimit.so (nor in the files it includes); %s:1 "
		 "names swaplimit.so but Slurm ignores that line: it must "
		 "start with 'required' or 'optional', not 'Required'",
		 tpath("p.conf"), tpath("p.conf"));
	assert_string_equal(msg, want);
}

static void plugstack_bad_args_positioned(void **state)
{
	sl_args_t a;
	char want[PATH_MAX + 256];

	(void)state;
	write_file("p.conf", "# x\noptional /x/a.so\n"
		   "required /x/swaplimit.so rules=default()=0 debug=1\n");
	assert_int_equal(sl_plugstack_read(tpath("p.conf"), &a, msg,
					   sizeof(msg)), -1);
	snprintf(want, sizeof(want), "%s:3: plugin argument 'debug=1': unknown "
		 "key 'debug' " KEYS, tpath("p.conf"));
	assert_string_equal(msg, want);
	assert_null(a.rules);

	/* a rule with spaces is split by Slurm: say so through the args */
	write_file("p.conf", "required swaplimit.so rules=default() = 1GiB\n");
	assert_int_equal(sl_plugstack_read(tpath("p.conf"), &a, msg,
					   sizeof(msg)), -1);
	snprintf(want, sizeof(want), "%s:1: plugin argument '=': missing key "
		 "before '=' " KEYS, tpath("p.conf"));
	assert_string_equal(msg, want);

	/* no arguments at all */
	write_file("p.conf", "required swaplimit.so # rules=default()=0\n");
	assert_int_equal(sl_plugstack_read(tpath("p.conf"), &a, msg,
					   sizeof(msg)), -1);
	snprintf(want, sizeof(want), "%s:1: plugin arguments: neither rules= "
		 "nor config= is given; add exactly one " KEYS, tpath("p.conf"));
	assert_string_equal(msg, want);
}

static void plugstack_include_errors(void **state)
{
	sl_args_t a;
	char want[PATH_MAX + 256];

	(void)state;
	write_file("p.conf", "include\n");
	assert_int_equal(sl_plugstack_read(tpath("p.conf"), &a, msg,
					   sizeof(msg)), -1);
	snprintf(want, sizeof(want), "%s:1: 'include' without a file pattern "
		 "(Slurm stops reading plugstack.conf here)", tpath("p.conf"));
	assert_string_equal(msg, want);

	/* a file that includes itself */
	write_file("loop.conf", "\ninclude loop.conf\n");
	assert_int_equal(sl_plugstack_read(tpath("loop.conf"), &a, msg,
					   sizeof(msg)), -1);
	snprintf(want, sizeof(want), "%s:2: includes nested more than 16 deep "
		 "(an include loop?)", tpath("loop.conf"));
	assert_string_equal(msg, want);
}

static void plugstack_first_line_wins_and_absolute_include(void **state)
{
	sl_args_t a;
	char text[PATH_MAX + 64];

	(void)state;
	write_file("inc.conf", "optional\t/a/b/swaplimit.so\t\trules=default()=1GiB\n");
	snprintf(text, sizeof(text), "include %s\n"
		 "required /x/swaplimit.so rules=default()=2GiB\n",
		 tpath("inc.conf"));
	write_file("p.conf", text);
	assert_int_equal(sl_plugstack_read(tpath("p.conf"), &a, msg,
					   sizeof(msg)), 0);
	assert_string_equal(a.rules, "default()=1GiB");
	sl_args_free(&a);
}

static void plugstack_long_line(void **state)
{
	sl_args_t a;
	char *text = malloc(5000);
	char want[PATH_MAX + 256];
	int n;

	(void)state;
	assert_non_null(text);
	n = snprintf(text, 5000, "required /x/swaplimit.so rules=");
	/* exactly 4095 bytes before the newline: still one Slurm line */
	memset(text + n, 'a', 4095 - (size_t)n);
	strcpy(text + 4095, "\n");
	write_file("p.conf", text);
	assert_int_equal(sl_plugstack_read(tpath("p.conf"), &a, msg,
					   sizeof(msg)), 0);
	assert_int_equal(strlen(a.rules), 4095 - strlen("required /x/swaplimit.so rules="));
	sl_args_free(&a);
	/* 4096: Slurm would cut it in two */
	memset(text + n, 'a', 4096 - (size_t)n);
	strcpy(text + 4096, "\n");
	write_file("p.conf", text);
	assert_int_equal(sl_plugstack_read(tpath("p.conf"), &a, msg,
					   sizeof(msg)), -1);
	snprintf(want, sizeof(want), "%s:1: line longer than 4095 bytes: Slurm "
		 "would read it as several lines (put long rules in a file and "
		 "use config=)", tpath("p.conf"));
	assert_string_equal(msg, want);
	free(text);
}

/* issue 10: fallback= (default 0, the most restrictive), and a rules file
 * the plugin refuses unless root's and not group/other-writable. */
static void args_fallback_and_file_owner(void **state)
{
	sl_args_t a;
	sl_error_t e;
	sl_rules_t *r;
	char *text = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(parse(&a, 1, "rules=default()=0"), 0);
	assert_null(a.fallback);
	assert_int_equal(a.fallback_bytes, 0);
	sl_args_free(&a);
	assert_int_equal(parse(&a, 2, "rules=default()=0", "fallback=512M"), 0);
	assert_int_equal(a.fallback_bytes, 512ull << 20);
	sl_args_free(&a);
	assert_int_equal(parse(&a, 2, "rules=default()=0", "fallback=none"), 0);
	assert_int_equal(a.fallback_bytes, UINT64_MAX);
	sl_args_free(&a);
	assert_int_equal(parse(&a, 2, "rules=default()=0", "fallback=16MB"), -1);
	assert_non_null(strstr(msg, "'fallback=16MB': expected a size"));

	write_file("own.rules", "default()=1G\n");
	chmod(tpath("own.rules"), 0644);
	memset(&a, 0, sizeof(a));
	a.config = (char *)tpath("own.rules");
	r = sl_args_load_rules_ex(&a, SL_LOAD_ROOT_OWNED, &text, &len, &e);
	if (geteuid() == 0) {
		assert_non_null(r);
		assert_string_equal(text, "default()=1G\n");
		assert_int_equal(len, 13);
		sl_rules_free(r);
		free(text);
		chmod(tpath("own.rules"), 0664);
		r = sl_args_load_rules_ex(&a, SL_LOAD_ROOT_OWNED, NULL, NULL, &e);
		assert_null(r);
		assert_non_null(strstr(e.message, "writable by its group or others"));
	} else {
		assert_null(r);
		assert_non_null(strstr(e.message, "not owned by root"));
	}
	/* the command reads any file (no SL_LOAD_ROOT_OWNED) */
	r = sl_args_load_rules(&a, &e);
	assert_non_null(r);
	sl_rules_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(args_rules_defaults),
		cmocka_unit_test(args_fallback_and_file_owner),
		cmocka_unit_test(args_config_all_keys),
		cmocka_unit_test(args_unknown_key),
		cmocka_unit_test(args_missing_equals),
		cmocka_unit_test(args_empty_key),
		cmocka_unit_test(args_empty_value),
		cmocka_unit_test(args_duplicate),
		cmocka_unit_test(args_gres),
		cmocka_unit_test(args_both_and_neither),
		cmocka_unit_test(args_relative_paths),
		cmocka_unit_test(args_long_argument_is_shortened),
		cmocka_unit_test(load_inline),
		cmocka_unit_test(load_inline_error_source_is_rules),
		cmocka_unit_test(load_file_with_comments),
		cmocka_unit_test(load_file_error_positioned),
		cmocka_unit_test(load_file_missing),
		cmocka_unit_test(load_file_not_regular),
		cmocka_unit_test(load_file_too_large),
		cmocka_unit_test(load_file_unreadable),
		cmocka_unit_test(load_needs_one_source),
		cmocka_unit_test(plugstack_include),
		cmocka_unit_test(plugstack_config),
		cmocka_unit_test(plugstack_missing_file),
		cmocka_unit_test(plugstack_no_line),
		cmocka_unit_test(plugstack_ignored_line_hint),
		cmocka_unit_test(plugstack_bad_args_positioned),
		cmocka_unit_test(plugstack_include_errors),
		cmocka_unit_test(plugstack_first_line_wins_and_absolute_include),
		cmocka_unit_test(plugstack_long_line),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
