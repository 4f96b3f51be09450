/*
 * The rule engine: grammar, normalised text, warnings, every compile error
 * (exact line:col and the key phrase), and evaluation of the production
 * rule sets with expected bytes worked out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules.h"
#include "size.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define TIB (UINT64_C(1) << 40)
#define PIB (UINT64_C(1) << 50)

/* The three rule sets that run in production (issue 2). */
static const char PROD1[] =
	"host(r04s[00-01])=none,partition(reserved)=1%/task,"
	"partition(standard)=0MiB,default(){min_swap=250MiB}=50MiB/cpu";
static const char PROD2[] =
	"partition(extended-mem)=none,host(r2v[00-02])=1.5%/cpu,"
	"host(r0m01)=0.25%/cpu,default()=1%/cpu";
static const char PROD3[] =
	"partition(lg-swap)=none,host(r[00,01]n[00,56],r00g00)=1.1%/CPU,"
	"default()=0MiB";

/* ---- helpers ---- */

static sl_rules_t *compile_c(const char *text, bool comments)
{
	sl_error_t err;
	sl_rules_t *r;
	char buf[512];

	r = sl_rules_compile(text, strlen(text), "rules", comments, &err);
	if (!r) {
		sl_error_format(&err, buf, sizeof(buf));
		fail_msg("rules did not compile: %s\n  input: %s", buf, text);
	}
	return r;
}

static sl_rules_t *compile(const char *text)
{
	return compile_c(text, false);
}

/* Compile one term and check its normalised text. */
static void norm_is(const char *text, const char *want)
{
	sl_rules_t *r = compile(text);

	assert_int_equal(sl_rules_count(r), 1);
	assert_string_equal(sl_rules_term_text(r, 0), want);
	sl_rules_free(r);
}

static const char *const GROUPS[] = { "staff", "hpc" };

/* Facts with everything known: user alice in staff and hpc, account
 * proj1, RAM limit 4GiB, node swap 64GiB. */
static sl_facts_t facts(const char *partition, uint64_t tasks, uint64_t cpus)
{
	sl_facts_t f = {
		.partition = partition,
		.user = "alice",
		.groups = GROUPS,
		.ngroups = 2,
		.account = "proj1",
		.cpus = cpus,
		.tasks = tasks,
		.mem_bytes = 4 * GIB,
		.node_swap_bytes = 64 * GIB,
	};

	return f;
}

static sl_result_t eval_on(const sl_rules_t *r, const char *node,
			   const sl_facts_t *f)
{
	sl_bound_t *b = sl_rules_bind(r, node);
	sl_result_t res;

	assert_non_null(b);
	memset(&res, 0x5a, sizeof(res));
	sl_eval(b, f, &res);
	sl_bound_free(b);
	return res;
}

static void expect_limited(const sl_result_t *res, size_t term, uint64_t bytes)
{
	if (res->outcome != SL_LIMITED || res->term != term ||
	    res->swap_bytes != bytes)
		fail_msg("got outcome %d term %zu bytes %llu (%s); want LIMITED term %zu bytes %llu",
			 res->outcome, res->term,
			 (unsigned long long)res->swap_bytes, res->why, term,
			 (unsigned long long)bytes);
}

static void expect_unlimited(const sl_result_t *res, size_t term)
{
	assert_int_equal(res->outcome, SL_UNLIMITED);
	assert_int_equal(res->term, term);
	assert_true(res->swap_bytes == SL_UNLIMITED_BYTES);
	assert_string_equal(res->why, "none: no swap limit");
}

/* Evaluate a one-term rule set on node n1. */
static sl_result_t eval1(const char *text, const sl_facts_t *f)
{
	sl_rules_t *r = compile(text);
	sl_result_t res = eval_on(r, "n1", f);

	sl_rules_free(r);
	return res;
}

/* ---- grammar ---- */

static void test_production_compile(void **state)
{
	static const char *const want1[] = {
		"host(r04s[00-01])=none", "partition(reserved)=1%/task",
		"partition(standard)=0MiB", "default(){min_swap=250MiB}=50MiB/cpu",
	};
	static const char *const want2[] = {
		"partition(extended-mem)=none", "host(r2v[00-02])=1.5%/cpu",
		"host(r0m01)=0.25%/cpu", "default()=1%/cpu",
	};
	static const char *const want3[] = {
		"partition(lg-swap)=none", "host(r[00,01]n[00,56],r00g00)=1.1%/cpu",
		"default()=0MiB",
	};
	static const struct {
		const char *text;
		const char *const *want;
		size_t n;
	} sets[] = {
		{ PROD1, want1, 4 }, { PROD2, want2, 4 }, { PROD3, want3, 3 },
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < 3; i++) {
		sl_rules_t *r = compile(sets[i].text);

		assert_int_equal(sl_rules_count(r), sets[i].n);
		for (j = 0; j < sets[i].n; j++)
			assert_string_equal(sl_rules_term_text(r, j), sets[i].want[j]);
		assert_null(sl_rules_term_text(r, sets[i].n));
		assert_int_equal(sl_rules_warning_count(r), 0);
		assert_null(sl_rules_warning(r, 0));
		sl_rules_free(r);
	}
}

static void test_conditions(void **state)
{
	(void)state;
	norm_is("host(n1)=1G", "host(n1)=1GiB");
	norm_is("host(node[01-04])=1G", "host(node[01-04])=1GiB");
	norm_is("partition(a)=1G", "partition(a)=1GiB");
	norm_is("partition(a,b , c)=1G", "partition(a,b,c)=1GiB");
	norm_is("user(alice)=1G", "user(alice)=1GiB");
	norm_is("group(staff,hpc)=1G", "group(staff,hpc)=1GiB");
	norm_is("account(proj1)=1G", "account(proj1)=1GiB");
	norm_is("default()=1G", "default()=1GiB");
	norm_is("default ( ) = 1G", "default()=1GiB");
	norm_is("partition(a)&user(b)&group(c)&account(d)&host(e)=1G",
		"partition(a)&user(b)&group(c)&account(d)&host(e)=1GiB");
	norm_is("partition(a) & default()=1G", "partition(a)&default()=1GiB");
	/* keywords fold, names keep their case */
	norm_is("HOST(N1)=1g", "host(N1)=1GiB");
	norm_is("Partition(Std)&USER(Bob)&Group(G)&AcCoUnT(A)&DeFault()=1G",
		"partition(Std)&user(Bob)&group(G)&account(A)&default()=1GiB");
	/* names may hold any printable byte but ( ) , [ ] { } = & # */
	norm_is("user(j.doe-1_x@ad$)=1G", "user(j.doe-1_x@ad$)=1GiB");
	norm_is("user(j\xc3\xbcrgen)=1G", "user(j\xc3\xbcrgen)=1GiB");
	/* spaces around the commas of a host list are dropped */
	norm_is("host( r[00,01]n[00,56] , r00g00 )=1G",
		"host(r[00,01]n[00,56],r00g00)=1GiB");
}

static void test_limits(void **state)
{
	(void)state;
	norm_is("default()=none", "default()=none");
	norm_is("default()=NoNe", "default()=none");
	norm_is("default()=1%", "default()=1%");
	norm_is("default()=1%mem", "default()=1%mem");
	norm_is("default()=1%MEM", "default()=1%mem");
	norm_is("default()=2.50%/task", "default()=2.5%/task");
	norm_is("default()=050MiB/CPU", "default()=50MiB/cpu");
	norm_is("default()=1G/node", "default()=1GiB");
	norm_is("default()=1G/NODE", "default()=1GiB");
	norm_is("default()=1G / Task", "default()=1GiB/task");
	norm_is("default()=0", "default()=0B");
	norm_is("default()=0MiB", "default()=0MiB");
	norm_is("default()=0.0", "default()=0B");
	norm_is("default()=0.5GiB/cpu", "default()=0.5GiB/cpu");
	norm_is("default()=150%", "default()=150%");
	norm_is("default()=1000.25%mem/task", "default()=1000.25%mem/task");
	norm_is("default()=0.000000001%", "default()=0.000000001%");
	norm_is("default()=18446744073709551615B",
		"default()=18446744073709551615B");
	norm_is("default()=16383.99PiB", "default()=16383.99PiB");
}

static void test_props(void **state)
{
	sl_rules_t *r;

	(void)state;
	norm_is("default(){min_swap=250MiB}=50MiB/cpu",
		"default(){min_swap=250MiB}=50MiB/cpu");
	norm_is("default(){max_swap=2G}=1G", "default(){max_swap=2GiB}=1GiB");
	norm_is("default() { MAX_SWAP = 50% , Min_Swap=1%mem } = 1G",
		"default(){max_swap=50%,min_swap=1%mem}=1GiB");
	norm_is("default(){min_swap=1G,max_swap=1G}=1G",
		"default(){min_swap=1GiB,max_swap=1GiB}=1GiB");
	norm_is("default(){min_swap=0}=1G", "default(){min_swap=0B}=1GiB");
	/* min > max only known at evaluation: accepted */
	norm_is("default(){min_swap=50%,max_swap=1G}=1G",
		"default(){min_swap=50%,max_swap=1GiB}=1GiB");
	/* props with none are kept but ignored (and warned about) */
	r = compile("default(){min_swap=1G}=none");
	assert_string_equal(sl_rules_term_text(r, 0), "default(){min_swap=1GiB}=none");
	assert_int_equal(sl_rules_warning_count(r), 1);
	assert_string_equal(sl_rules_warning(r, 0),
			    "term 1: min_swap and max_swap are ignored with 'none' (no swap limit)");
	sl_rules_free(r);
}

static void test_units(void **state)
{
	static const struct {
		const char *unit;
		uint64_t bytes;
		const char *canon;
	} u[] = {
		{ "B", 1, "B" }, { "b", 1, "B" },
		{ "K", KIB, "KiB" }, { "k", KIB, "KiB" }, { "KiB", KIB, "KiB" },
		{ "kib", KIB, "KiB" }, { "KIB", KIB, "KiB" },
		{ "M", MIB, "MiB" }, { "m", MIB, "MiB" }, { "MiB", MIB, "MiB" },
		{ "mib", MIB, "MiB" },
		{ "G", GIB, "GiB" }, { "g", GIB, "GiB" }, { "GiB", GIB, "GiB" },
		{ "gIB", GIB, "GiB" },
		{ "T", TIB, "TiB" }, { "t", TIB, "TiB" }, { "TiB", TIB, "TiB" },
		{ "P", PIB, "PiB" }, { "p", PIB, "PiB" }, { "PiB", PIB, "PiB" },
		{ "pib", PIB, "PiB" },
	};
	sl_facts_t f = facts("p", 1, 1);
	char text[64], want[64];
	sl_result_t res;
	size_t i;

	(void)state;
	f.node_swap_bytes = 4 * PIB;
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		snprintf(text, sizeof(text), "default()=3%s", u[i].unit);
		snprintf(want, sizeof(want), "default()=3%s", u[i].canon);
		norm_is(text, want);
		res = eval1(text, &f);
		expect_limited(&res, 1, 3 * u[i].bytes);
	}
	/* fractions are exact, rounded down once at the end */
	res = eval1("default()=1.5K", &f);
	expect_limited(&res, 1, 1536);
	res = eval1("default()=0.1KiB", &f);      /* 102.4 */
	expect_limited(&res, 1, 102);
	res = eval1("default()=0.001PiB", &f);    /* 1125899906842.624 */
	expect_limited(&res, 1, 1125899906842);
	res = eval1("default()=2.75G", &f);
	expect_limited(&res, 1, 2 * GIB + 3 * GIB / 4);
}

static void test_whitespace_and_comments(void **state)
{
	sl_rules_t *r;

	(void)state;
	r = compile("  host ( r04s[00-01] )\t=\tnone ,\n"
		    "\tpartition( reserved ) = 1% / task,\r\n"
		    "default ( ) { min_swap = 250MiB } = 50MiB / cpu\n\n");
	assert_int_equal(sl_rules_count(r), 3);
	assert_string_equal(sl_rules_term_text(r, 0), "host(r04s[00-01])=none");
	assert_string_equal(sl_rules_term_text(r, 1), "partition(reserved)=1%/task");
	assert_string_equal(sl_rules_term_text(r, 2),
			    "default(){min_swap=250MiB}=50MiB/cpu");
	sl_rules_free(r);

	r = compile_c("# swaplimit rules for cluster x\n"
		      "host(a, # rack a\n"
		      "     b) # and b\n"
		      "  = 1G,   # one GiB\n"
		      "partition(x, # first\n y)=2G,\n"
		      "default(){ # props\n min_swap=1G # floor\n}=0 # last", true);
	assert_int_equal(sl_rules_count(r), 3);
	assert_string_equal(sl_rules_term_text(r, 0), "host(a,b)=1GiB");
	assert_string_equal(sl_rules_term_text(r, 1), "partition(x,y)=2GiB");
	assert_string_equal(sl_rules_term_text(r, 2), "default(){min_swap=1GiB}=0B");
	sl_rules_free(r);
}

static void test_warnings(void **state)
{
	sl_rules_t *r;

	(void)state;
	r = compile("partition(a)=1G,default()=1G,partition(b)=2G,user(c)=3G");
	assert_int_equal(sl_rules_warning_count(r), 2);
	assert_string_equal(sl_rules_warning(r, 0),
			    "term 3 can never match: term 2 default() matches every job before it");
	assert_string_equal(sl_rules_warning(r, 1),
			    "term 4 can never match: term 2 default() matches every job before it");
	assert_null(sl_rules_warning(r, 2));
	sl_rules_free(r);

	r = compile("partition(a)=1G");
	assert_int_equal(sl_rules_warning_count(r), 1);
	assert_string_equal(sl_rules_warning(r, 0),
			    "no default() term at the end: jobs that match no term keep the swap limit Slurm sets");
	sl_rules_free(r);

	/* default()&default() still takes every job */
	r = compile("default()&default()=1G,user(x)=1G");
	assert_int_equal(sl_rules_warning_count(r), 1);
	assert_string_equal(sl_rules_warning(r, 0),
			    "term 2 can never match: term 1 default() matches every job before it");
	sl_rules_free(r);

	/* default() combined with another condition is no catch-all */
	r = compile("default()&partition(a)=1G,default()=2G");
	assert_int_equal(sl_rules_warning_count(r), 0);
	sl_rules_free(r);

	r = compile("default()&partition(a)=1G");
	assert_int_equal(sl_rules_warning_count(r), 1);
	sl_rules_free(r);

	/* issue 10: a job has one partition, user, account */
	r = compile("partition(a)&partition(b)=1G,user(x)&user(y,z)=1G,"
		    "account(p)&account(q)=1G,partition(a,b)&partition(b)=1G,"
		    "group(g)&group(h)=1G,default()=0");
	assert_int_equal(sl_rules_warning_count(r), 3);
	assert_string_equal(sl_rules_warning(r, 0),
			    "term 1 can never match: a job has one partition, and its partition() conditions have no name in common");
	assert_string_equal(sl_rules_warning(r, 1),
			    "term 2 can never match: a job has one user, and its user() conditions have no name in common");
	assert_string_equal(sl_rules_warning(r, 2),
			    "term 3 can never match: a job has one account, and its account() conditions have no name in common");
	sl_rules_free(r);

	/* Slurm lowercases account names: account(Physics) never matches */
	r = compile("account(Physics)=1G,account(chem,BIO_x)&partition(P)=2G,"
		    "account(ok)&user(Alice)&group(G)=3G,default()=0");
	assert_int_equal(sl_rules_warning_count(r), 2);
	assert_string_equal(sl_rules_warning(r, 0),
			    "term 1: account(Physics) never matches: Slurm stores account names in lower case; write account(physics)");
	assert_string_equal(sl_rules_warning(r, 1),
			    "term 2: account(BIO_x) never matches: Slurm stores account names in lower case; write account(bio_x)");
	sl_rules_free(r);

	/* min_swap above max_swap, both percentages of the same base */
	r = compile("partition(a){min_swap=20%,max_swap=10.5%}=1G,"
		    "partition(b){min_swap=50%mem,max_swap=60%mem}=1G,"
		    "partition(c){min_swap=50%mem,max_swap=10%}=1G,"
		    "default(){min_swap=2%mem,max_swap=1.99%mem}=0");
	assert_int_equal(sl_rules_warning_count(r), 2);
	assert_string_equal(sl_rules_warning(r, 0),
			    "term 1: min_swap is above max_swap (both percentages of the node's swap): max_swap wins, min_swap never applies");
	assert_string_equal(sl_rules_warning(r, 1),
			    "term 4: min_swap is above max_swap (both percentages of the job's RAM limit): max_swap wins, min_swap never applies");
	sl_rules_free(r);
}

static void test_null_api(void **state)
{
	sl_facts_t f = facts("p", 1, 1);
	sl_result_t res;
	char buf[16] = "xx";

	(void)state;
	assert_int_equal(sl_rules_count(NULL), 0);
	assert_null(sl_rules_term_text(NULL, 0));
	assert_int_equal(sl_rules_warning_count(NULL), 0);
	assert_null(sl_rules_warning(NULL, 0));
	assert_null(sl_rules_bind(NULL, "n1"));
	sl_rules_free(NULL);
	sl_bound_free(NULL);
	sl_eval(NULL, &f, &res);
	assert_int_equal(res.outcome, SL_NO_MATCH);
	assert_int_equal(res.term, 0);
	assert_null(sl_result_term_text(NULL, &res));
	sl_error_format(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* no error struct: still rejected, nothing written */
	assert_null(sl_rules_compile("x", 1, NULL, false, NULL));
	/* NULL text is empty text */
	{
		sl_error_t err;

		assert_null(sl_rules_compile(NULL, 5, NULL, false, &err));
		assert_string_equal(err.source, "rules");
		assert_true(strstr(err.message, "no rules") != NULL);
	}
}

static void test_error_format(void **state)
{
	sl_error_t err;
	char buf[512];
	const char *t = "partition(reserved)=1%/task,default()=1XB";

	(void)state;
	/* the issue's example: column 40 is the 'X' */
	assert_null(sl_rules_compile(t, strlen(t), "rules", false, &err));
	sl_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf,
			    "rules:1:40: unknown unit 'XB' (expected B, K, KiB, M, MiB, G, GiB, T, TiB, P, PiB)");

	t = "default()=1G,\npartition(a)=1MB";
	assert_null(sl_rules_compile(t, strlen(t), "/etc/slurm/swaplimit.conf", true, &err));
	sl_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf,
			    "/etc/slurm/swaplimit.conf:2:15: ambiguous unit 'MB' (use MiB or M: units are powers of 1024 as in Slurm)");
	/* short buffers truncate */
	sl_error_format(&err, buf, 8);
	assert_string_equal(buf, "/etc/sl");

	/* long found-text is shortened in messages */
	t = "default()=1abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz";
	assert_null(sl_rules_compile(t, strlen(t), NULL, false, &err));
	assert_true(strstr(err.message, "...'") != NULL);
	assert_true(strlen(err.message) < 120);
}

/* ---- errors: every path, exact position, key phrase ---- */

struct err_case {
	const char *name;
	const char *text;
	size_t len;            /* 0: strlen(text) */
	bool comments;
	unsigned line, col;
	const char *phrase;
};

static const struct err_case err_cases[] = {
	{ "empty", "", 0, false, 1, 1, "no rules" },
	{ "only_space", "  \n  ", 0, false, 2, 3, "no rules" },
	{ "only_comment", "# nothing\n", 0, true, 2, 1, "no rules" },
	{ "nul_middle", "default()=1G\0,user(a)=1G", 24, false, 1, 13, "NUL byte" },
	{ "nul_first", "\0", 1, false, 1, 1, "NUL byte" },
	{ "hash_inline", "default()=1G # c", 0, false, 1, 14,
	  "comments are allowed only in a rules file" },
	{ "hash_after_comma", "partition(a)=1G,#x", 0, false, 1, 17, "comments are allowed only" },
	{ "unknown_unit", "default()=1XB", 0, false, 1, 12,
	  "unknown unit 'XB' (expected B, K, KiB, M, MiB, G, GiB, T, TiB, P, PiB)" },
	{ "unit_digits", "default()=1Mi3", 0, false, 1, 12, "unknown unit 'Mi3'" },
	{ "unit_KB", "default()=1KB", 0, false, 1, 12, "ambiguous unit 'KB' (use KiB or K" },
	{ "unit_mb", "default()=1mb", 0, false, 1, 12, "ambiguous unit 'mb' (use MiB or M" },
	{ "unit_GB", "default()=1GB", 0, false, 1, 12, "use GiB or G" },
	{ "unit_TB", "default()=1TB", 0, false, 1, 12, "use TiB or T" },
	{ "unit_PB", "default()=1Pb", 0, false, 1, 12, "use PiB or P" },
	{ "space_unit", "default()=50 MiB", 0, false, 1, 13,
	  "unexpected space between '50' and 'MiB'" },
	{ "space_zero_unit", "default()=0 MiB", 0, false, 1, 12, "unexpected space" },
	{ "space_percent", "default()=1 %", 0, false, 1, 12, "unexpected space between '1' and '%'" },
	{ "no_fraction", "default()=1.G", 0, false, 1, 12,
	  "expected a digit after the decimal point in '1.'" },
	{ "leading_point", "default()=.5G", 0, false, 1, 11,
	  "expected a limit after '=' (none, gres, a size such as 50MiB, or a percent such as 1% or 1%mem), found '.'" },
	{ "too_precise", "default()=1.0000000001G", 0, false, 1, 11,
	  "too many decimal places in '1.0000000001' (at most 9)" },
	{ "digits_20", "default()=18446744073709551616B", 0, false, 1, 11,
	  "number too large: '18446744073709551616' does not fit in 64 bits" },
	{ "size_overflow", "default()=16384PiB", 0, false, 1, 11,
	  "number too large: '16384PiB' is more than 2^64-1 bytes" },
	{ "size_overflow_frac", "default()=17179869184.5TiB", 0, false, 1, 11,
	  "number too large" },
	{ "pct_too_large", "default()=99999999999999999999%", 0, false, 1, 11,
	  "number too large" },
	{ "prop_too_large", "default(){max_swap=20000P}=1G", 0, false, 1, 20,
	  "number too large" },
	{ "percent_kind", "default()=1%foo", 0, false, 1, 12,
	  "unknown percent '%foo' (expected % of the node's swap or %mem of the job's RAM limit)" },
	{ "percent_mem_space", "default()=1% mem", 0, false, 1, 14,
	  "unexpected 'mem' after the limit" },
	{ "missing_eq", "host(a),default()=1G", 0, false, 1, 8,
	  "missing '=': expected '=' and a limit after the conditions, found ','" },
	{ "missing_eq_end", "default()", 0, false, 1, 10, "missing '='" },
	{ "missing_eq_props", "default(){min_swap=1G} 1G", 0, false, 1, 24, "missing '='" },
	{ "unknown_matcher", "hosts(a)=1G", 0, false, 1, 1,
	  "unknown condition 'hosts' (expected host, partition, user, group, account or default)" },
	{ "unknown_matcher_qos", "  qos(normal)=1G", 0, false, 1, 3, "unknown condition 'qos'" },
	{ "digit_condition", "1=1G", 0, false, 1, 1,
	  "expected a condition (host, partition, user, group, account or default()), found '1'" },
	{ "no_paren", "partition=1G", 0, false, 1, 10,
	  "expected '(' after 'partition', found '='" },
	{ "default_arg", "default(x)=1G", 0, false, 1, 9, "default() takes no argument, found 'x'" },
	{ "names_empty", "partition()=1G", 0, false, 1, 11,
	  "partition() needs at least one name" },
	{ "names_trailing", "partition(a,)=1G", 0, false, 1, 12,
	  "trailing comma in partition() (expected a name after ',')" },
	{ "names_empty_item", "user(,a)=1G", 0, false, 1, 6, "empty name in user()" },
	{ "names_space", "group(a b)=1G", 0, false, 1, 9,
	  "unexpected 'b' in group() (expected ',' or ')')" },
	{ "names_bad_char", "account(a[1])=1G", 0, false, 1, 10,
	  "unexpected '[' in account()" },
	{ "names_unclosed", "account(a", 0, false, 1, 8, "unclosed '(' of account(" },
	{ "names_unclosed_comma", "user(a,", 0, false, 1, 5, "unclosed '(' of user(" },
	{ "default_unclosed", "default(", 0, false, 1, 8, "unclosed '(' of default(" },
	{ "host_unclosed", "host(a", 0, false, 1, 5, "unclosed '(' of host(" },
	{ "host_empty", "host()=1G", 0, false, 1, 6, "host() needs a host expression" },
	{ "host_slurm_rejects", "host(gpu[01-04]-ib)=1G", 0, false, 1, 6,
	  "host expression 'gpu[01-04]-ib' refused: Slurm cannot parse it" },
	{ "host_bad_range", "default()=0,\n host(a[3-1])=1G", 0, false, 2, 7,
	  "host expression 'a[3-1]' refused: Slurm cannot parse it" },
	{ "host_unclosed_bracket", "host(r[00-)=1G", 0, false, 1, 7,
	  "unclosed '[' in host expression (expected ']' before ')')" },
	{ "host_unclosed_bracket_eof", "host(r[00-", 0, false, 1, 7,
	  "unclosed '[' in host expression (expected ']')" },
	{ "host_stray_bracket", "host(a]b)=1G", 0, false, 1, 7,
	  "unbalanced ']' in host expression" },
	{ "host_nested", "host(r[[0-1]])=1G", 0, false, 1, 8, "nested '['" },
	{ "host_deep", "host([[[[[[[[[[[[", 0, false, 1, 7, "nested '['" },
	{ "host_space", "host(a b)=1G", 0, false, 1, 8,
	  "unexpected space in host expression (separate hosts with ',')" },
	{ "host_space_bracket", "host(a[1, 2])=1G", 0, false, 1, 10,
	  "unexpected space inside '[...]'" },
	{ "host_space_lines", "host(a,\n b c)=1G", 0, false, 2, 4, "separate hosts with ','" },
	{ "host_empty_item", "host(a,,b)=1G", 0, false, 1, 8, "empty host name in host()" },
	{ "host_trailing", "host(a,)=1G", 0, false, 1, 7, "trailing comma in host()" },
	{ "host_bad_char", "host(a/b)=1G", 0, false, 1, 7,
	  "unexpected '/' in host expression (expected host names, '[', ']', ',' or ')')" },
	{ "host_paren", "host((a))=1G", 0, false, 1, 6, "unexpected '(' in host expression" },
	{ "trailing_comma", "default()=1G,", 0, false, 1, 13,
	  "trailing comma at the end of the rules (expected another term after ',')" },
	{ "trailing_comma_nl", "default()=1G,\n\n", 0, false, 1, 13, "trailing comma" },
	{ "double_comma", "default()=1G,,user(a)=1G", 0, false, 1, 14,
	  "expected a condition" },
	{ "unknown_per", "default()=1G/cpus", 0, false, 1, 14,
	  "unknown per-word 'cpus' after '/' (expected task, cpu, node, memshare or cpushare)" },
	{ "missing_per", "default()=1G/", 0, false, 1, 14,
	  "expected task, cpu, node, memshare or cpushare after '/', found end of rules" },
	{ "double_per", "default()=1%/cpu/cpu", 0, false, 1, 17, "unexpected '/' after the limit" },
	{ "none_per", "default()=none/cpu", 0, false, 1, 15, "'none' takes no '/task'" },
	{ "gres_per", "default()=gres/cpu", 0, false, 1, 15, "'gres' takes no '/task'" },
	{ "props_empty", "default(){}=1G", 0, false, 1, 11, "empty '{}'" },
	{ "props_unknown", "default(){foo=1G}=1G", 0, false, 1, 11,
	  "unknown property 'foo' (expected min_swap or max_swap)" },
	{ "props_dup_min", "default(){min_swap=1G,min_swap=2G}=1G", 0, false, 1, 23,
	  "min_swap given twice (first at 1:11)" },
	{ "props_dup_max", "default(){max_swap=1G, MAX_SWAP=1G}=1G", 0, false, 1, 24,
	  "max_swap given twice (first at 1:11)" },
	{ "props_trailing", "default(){min_swap=1G,}=1G", 0, false, 1, 22,
	  "trailing comma in '{...}'" },
	{ "props_per", "default(){min_swap=1G/cpu}=1G", 0, false, 1, 22,
	  "'/task' and '/cpu' apply only to the limit" },
	{ "props_min_gt_max", "default(){min_swap=2G,max_swap=1G}=1G", 0, false, 1, 11,
	  "min_swap 2GiB is larger than max_swap 1GiB" },
	{ "props_no_eq", "default(){min_swap 1G}=1G", 0, false, 1, 20,
	  "expected '=' after 'min_swap', found '1G'" },
	{ "props_no_value", "default(){min_swap=}=1G", 0, false, 1, 20,
	  "expected a min_swap value" },
	{ "props_none", "default(){max_swap=none}=1G", 0, false, 1, 20,
	  "expected a max_swap value" },
	{ "props_unclosed", "default(){min_swap=1G", 0, false, 1, 10, "unclosed '{' (expected '}')" },
	{ "props_unclosed2", "default(){min_swap=1G,", 0, false, 1, 10, "unclosed '{'" },
	{ "props_garbage", "default(){min_swap=1G max_swap=2G}=1G", 0, false, 1, 23,
	  "unexpected 'max_swap' after the min_swap value (expected ',' or '}')" },
	{ "props_word", "default(){=1G}=1G", 0, false, 1, 11,
	  "expected min_swap or max_swap in '{...}', found '='" },
	{ "limit_missing", "default()=", 0, false, 1, 11,
	  "expected a limit after '=' (none, gres, a size such as 50MiB, or a percent such as 1% or 1%mem), found end of rules" },
	{ "limit_word", "default()=lots", 0, false, 1, 11, "found 'lots'" },
	{ "limit_negative", "default()=-1G", 0, false, 1, 11, "found '-'" },
	{ "and_nothing", "default()&=1G", 0, false, 1, 11, "expected a condition" },
	{ "and_end", "default()&", 0, false, 1, 11, "found end of rules" },
	{ "stray_paren", "default())=1G", 0, false, 1, 10, "unbalanced ')'" },
	{ "stray_paren_limit", "default()=1G)", 0, false, 1, 13, "unbalanced ')'" },
	{ "stray_brace", "default()}=1G", 0, false, 1, 10, "unbalanced '}'" },
	{ "stray_bracket_start", "]]]]", 0, false, 1, 1, "unbalanced ']'" },
	{ "deep_parens", "((((((((((((((((", 0, false, 1, 1,
	  "expected a condition (host, partition, user, group, account or default()), found '('" },
	{ "deep_default", "default((((((((((((", 0, false, 1, 9, "default() takes no argument" },
	{ "deep_names", "user((((((((((((", 0, false, 1, 6, "unexpected '(' in user()" },
	{ "missing_comma", "default()=1G default()=2G", 0, false, 1, 14,
	  "unexpected 'default' after the limit (expected ',' and another term, or end of rules)" },
	{ "memshare_pct_mem", "default()=50%mem/memshare", 0, false, 1, 11,
	  "%mem cannot be used with /memshare (a share form needs an amount of swap" },
	{ "cpushare_pct_mem", "default()=1%MEM / CPUshare", 0, false, 1, 11,
	  "%mem cannot be used with /cpushare" },
	{ "share_unknown", "default()=1%/ramshare", 0, false, 1, 14,
	  "unknown per-word 'ramshare'" },
	{ "control_char", "partition(a)=1G\x01", 0, false, 1, 16, "'\\x01'" },
	{ "multi_line", "partition(a)=1GiB,\n  user(b)=2GiB,\n\taccount(c)=1XB", 0, false,
	  3, 14, "unknown unit 'XB'" },
	{ "crlf", "partition(a)=1G,\r\nuser(b)=1MB", 0, false, 2, 10, "ambiguous unit 'MB'" },
	{ "after_comment", "# c\ndefault()=1MB # x", 0, true, 2, 12, "ambiguous unit" },
};

static void run_err_case(void **state)
{
	const struct err_case *c = *state;
	size_t len = c->len ? c->len : strlen(c->text);
	sl_error_t err;
	sl_rules_t *r;
	char want[32];
	char buf[600];

	memset(&err, 0x5a, sizeof(err));
	r = sl_rules_compile(c->text, len, "rules", c->comments, &err);
	if (r) {
		sl_rules_free(r);
		fail_msg("accepted: %s", c->text);
	}
	sl_error_format(&err, buf, sizeof(buf));
	snprintf(want, sizeof(want), "rules:%u:%u: ", c->line, c->col);
	if (strncmp(buf, want, strlen(want)) != 0 || !strstr(err.message, c->phrase))
		fail_msg("%s\n  got:  %s\n  want: %s...%s", c->name, buf, want, c->phrase);
	assert_string_equal(err.source, "rules");
}


/* ---- share forms (/memshare, /cpushare) ---- */

static sl_facts_t share_facts(uint64_t mem, uint64_t node_mem, uint64_t cpus,
			      uint64_t node_cpus)
{
	sl_facts_t f = facts("p", cpus, cpus);

	f.mem_bytes = mem;
	f.node_mem_bytes = node_mem;
	f.node_cpus = node_cpus;
	return f;
}

static void test_share_forms(void **state)
{
	sl_facts_t f = share_facts(8 * GIB, 256 * GIB, 4, 64);
	sl_result_t res;
	sl_rules_t *r;

	(void)state;
	norm_is("Default ( ) = 100% / MemShare", "default()=100%/memshare");
	norm_is("default()=0.5G/CPUSHARE", "default()=0.5GiB/cpushare");
	norm_is("default(){min_swap=1G}=512/cpushare",
		"default(){min_swap=1GiB}=512MiB/cpushare");

	res = eval1("default()=100%/memshare", &f);
	expect_limited(&res, 1, 2 * GIB);
	assert_string_equal(res.why,
			    "100% of node swap 64GiB x RAM share 8GiB/256GiB = 2GiB");
	/* 80% of 64GiB x 4/64 = 3435973836.8 */
	res = eval1("default()=80%/cpushare", &f);
	expect_limited(&res, 1, 3435973836);
	assert_string_equal(res.why,
			    "80% of node swap 64GiB x CPU share 4/64 cpus = 3435973836B (~3.20GiB)");
	res = eval1("default()=32GiB/cpushare", &f);
	expect_limited(&res, 1, 2 * GIB);
	assert_string_equal(res.why, "32GiB x CPU share 4/64 cpus = 2GiB");

	/* one rounding: 1.5B x 2/3 is exactly 1 (not floor(1.5) x 2/3 = 0) */
	f = share_facts(2, 3, 2, 3);
	res = eval1("default()=1.5B/memshare", &f);
	expect_limited(&res, 1, 1);
	res = eval1("default()=1.5B/cpushare", &f);
	expect_limited(&res, 1, 1);
	/* 10B of swap x 1/3 = 3.33 */
	f = share_facts(1, 3, 1, 3);
	f.node_swap_bytes = 10;
	res = eval1("default()=100%/memshare", &f);
	expect_limited(&res, 1, 3);

	/* a figure above the node's counts as the whole node */
	f = share_facts(512 * GIB, 256 * GIB, 128, 64);
	res = eval1("default()=50%/memshare", &f);
	expect_limited(&res, 1, 32 * GIB);
	assert_string_equal(res.why,
			    "50% of node swap 64GiB x RAM share 512GiB/256GiB (capped at 1) = 32GiB");
	res = eval1("default()=50%/cpushare", &f);
	expect_limited(&res, 1, 32 * GIB);
	assert_non_null(strstr(res.why, "CPU share 128/64 cpus (capped at 1)"));

	/* min_swap and max_swap as for every form */
	f = share_facts(8 * GIB, 256 * GIB, 4, 64);
	res = eval1("default(){min_swap=3G}=100%/memshare", &f);
	expect_limited(&res, 1, 3 * GIB);
	assert_string_equal(res.why,
			    "100% of node swap 64GiB x RAM share 8GiB/256GiB = 2GiB, raised to min_swap 3GiB");
	res = eval1("default(){max_swap=1%}=100%/memshare", &f);
	expect_limited(&res, 1, 687194767);
	res = eval1("default(){max_swap=10%mem}=100%/memshare", &f);
	expect_limited(&res, 1, 858993459);
	/* above the node's swap: capped there */
	f = share_facts(256 * GIB, 256 * GIB, 1, 1);
	res = eval1("default()=200%/memshare", &f);
	expect_limited(&res, 1, 64 * GIB);

	/* 1000% of 2^64-1 bytes is above 2^64: the exact product is taken,
	 * and a share of 1/20 brings it back */
	f = share_facts(1, 20, 1, 20);
	f.node_swap_bytes = UINT64_MAX;
	res = eval1("default()=1000%/memshare", &f);
	/* (2^64-1) x 10 / 20 = 9223372036854775807.5 */
	expect_limited(&res, 1, UINT64_MAX / 2);
	f = share_facts(1, 1, 1, 1);
	f.node_swap_bytes = UINT64_MAX;
	res = eval1("default()=1000%/memshare", &f);
	expect_limited(&res, 1, UINT64_MAX);
	assert_non_null(strstr(res.why, "unlimited (saturated)"));

	/* a share of 0 CPUs is nothing, as for /cpu */
	f = share_facts(1, 1, 0, 8);
	res = eval1("default()=100%/cpushare", &f);
	expect_limited(&res, 1, 0);

	/* rules_uses */
	r = compile("default()=1G,user(a)=1%/memshare,default()=1%/cpushare");
	assert_int_equal(sl_rules_uses(r),
			 SL_USES_USER | SL_USES_NODE_MEM | SL_USES_NODE_CPUS);
	sl_rules_free(r);
	r = compile("default()=none");
	assert_int_equal(sl_rules_uses(r), 0);
	sl_rules_free(r);
}

static void test_share_undecidable(void **state)
{
	sl_facts_t f = share_facts(8 * GIB, 0, 4, 0);
	sl_result_t res;

	(void)state;
	res = eval1("default()=100%/memshare", &f);
	assert_int_equal(res.outcome, SL_UNDECIDABLE);
	assert_int_equal(res.term, 1);
	assert_string_equal(res.why,
			    "term 1 cannot be decided: the node's RAM size is unknown (needed by /memshare)");
	res = eval1("host(n1)=1G/cpushare", &f);
	assert_int_equal(res.outcome, SL_UNDECIDABLE);
	assert_string_equal(res.why,
			    "term 1 cannot be decided: the node's CPU count is unknown (needed by /cpushare)");
	f = share_facts(SL_UNLIMITED_BYTES, 256 * GIB, 4, 64);
	res = eval1("partition(q)=1G,default()=100%/memshare", &f);
	assert_int_equal(res.outcome, SL_UNDECIDABLE);
	assert_int_equal(res.term, 2);
	assert_string_equal(res.why,
			    "term 2 cannot be decided: there is no RAM limit (/memshare needs one)");
	/* ... but /cpushare does not need a RAM limit */
	res = eval1("default()=64GiB/cpushare", &f);
	expect_limited(&res, 1, 4 * GIB);
	/* a term whose conditions are false is skipped, share or not */
	f = share_facts(8 * GIB, 0, 4, 0);
	res = eval1("partition(q)=100%/memshare,default()=1G", &f);
	expect_limited(&res, 2, GIB);
}

/* `gres`: the job's swap GRES on the node, exactly; min/max and the node's
 * swap still apply; unknown: undecidable. */
static void test_gres_form(void **state)
{
	sl_facts_t f = facts("workgroup", 1, 4);
	sl_result_t res;
	sl_rules_t *r;

	(void)state;
	f.gres_bytes = 300 * MIB;
	res = eval1("partition(workgroup)=gres,default()=0", &f);
	expect_limited(&res, 1, 300 * MIB);
	assert_string_equal(res.why, "the job's swap GRES on this node 300MiB");
	res = eval1("default(){min_swap=1GiB}=GRES", &f);
	expect_limited(&res, 1, GIB);
	res = eval1("default(){max_swap=100MiB}=gres", &f);
	expect_limited(&res, 1, 100 * MIB);
	f.gres_bytes = 0;       /* a job without the GRES: none of it */
	res = eval1("default()=gres", &f);
	expect_limited(&res, 1, 0);
	f.gres_unknown = true;
	res = eval1("partition(x)=1G,default()=gres", &f);
	assert_int_equal(res.outcome, SL_UNDECIDABLE);
	assert_int_equal(res.term, 2);
	assert_string_equal(res.why, "term 2 cannot be decided: the job's swap "
			    "GRES on this node is unknown (needed by gres)");
	r = compile("default()=gres");
	assert_true(sl_rules_uses(r) & SL_USES_GRES);
	assert_string_equal(sl_rules_term_text(r, 0), "default()=gres");
	sl_rules_free(r);
	r = compile("default()=1G");
	assert_false(sl_rules_uses(r) & SL_USES_GRES);
	sl_rules_free(r);
}

/* ---- evaluation ---- */

static void test_issue_example(void **state)
{
	sl_rules_t *r = compile(PROD1);
	sl_facts_t f = facts("workgroup", 2, 4);
	sl_result_t res = eval_on(r, "r03n01", &f);
	sl_bound_t *b;

	(void)state;
	/* 50MiB x 4 = 200MiB, raised to 250MiB = 262144000 */
	expect_limited(&res, 4, 262144000);
	assert_string_equal(res.why, "50MiB x 4 cpus = 200MiB, raised to min_swap 250MiB");
	b = sl_rules_bind(r, "r03n01");
	assert_string_equal(sl_result_term_text(b, &res),
			    "default(){min_swap=250MiB}=50MiB/cpu");
	sl_bound_free(b);
	sl_rules_free(r);
}

#define SWAP64 (64 * GIB)    /* 68719476736 */

static void test_production1(void **state)
{
	sl_rules_t *r = compile(PROD1);
	sl_facts_t f;
	sl_result_t res;

	(void)state;
	f = facts("workgroup", 1, 1);
	res = eval_on(r, "r04s00", &f);
	expect_unlimited(&res, 1);
	f = facts("reserved", 8, 8);    /* the host term comes first */
	res = eval_on(r, "r04s01", &f);
	expect_unlimited(&res, 1);

	/* 1% of 64GiB x 2 tasks = 1374389534.72 -> 1374389534 */
	f = facts("reserved", 2, 4);
	res = eval_on(r, "r04s02", &f);
	expect_limited(&res, 2, 1374389534);
	assert_string_equal(res.why,
			    "1% of node swap 64GiB x 2 tasks = 1374389534B (~1.28GiB)");
	/* x 8 tasks = 5497558138.88 -> 5497558138 */
	f = facts("reserved", 8, 1);
	res = eval_on(r, "r03n01", &f);
	expect_limited(&res, 2, 5497558138);
	/* x 1 task = 687194767.36 -> 687194767 */
	f = facts("reserved", 1, 16);
	res = eval_on(r, "r03n01", &f);
	expect_limited(&res, 2, 687194767);
	assert_string_equal(res.why,
			    "1% of node swap 64GiB x 1 task = 687194767B (~655.36MiB)");

	f = facts("standard", 4, 4);
	res = eval_on(r, "r03n01", &f);
	expect_limited(&res, 3, 0);
	assert_string_equal(res.why, "0B");

	/* 50MiB x 16 = 800MiB = 838860800, above min_swap */
	f = facts("workgroup", 1, 16);
	res = eval_on(r, "r03n01", &f);
	expect_limited(&res, 4, 838860800);
	assert_string_equal(res.why, "50MiB x 16 cpus = 800MiB");
	/* 50MiB x 5 = 250MiB exactly: no raise */
	f = facts("workgroup", 1, 5);
	res = eval_on(r, "r03n01", &f);
	expect_limited(&res, 4, 262144000);
	assert_string_equal(res.why, "50MiB x 5 cpus = 250MiB");
	/* 1 cpu: 50MiB raised to 250MiB */
	f = facts("workgroup", 1, 1);
	res = eval_on(r, "r03n01", &f);
	expect_limited(&res, 4, 262144000);
	assert_string_equal(res.why, "50MiB x 1 cpu = 50MiB, raised to min_swap 250MiB");
	/* node with 100MiB of swap: 800MiB capped at 104857600 */
	f = facts("workgroup", 1, 16);
	f.node_swap_bytes = 100 * MIB;
	res = eval_on(r, "r03n01", &f);
	expect_limited(&res, 4, 104857600);
	assert_string_equal(res.why,
			    "50MiB x 16 cpus = 800MiB, capped at max_swap 100MiB (the node's swap)");
	/* node without swap: min_swap raises, the node's swap caps to 0 */
	f = facts("workgroup", 2, 4);
	f.node_swap_bytes = 0;
	res = eval_on(r, "r03n01", &f);
	expect_limited(&res, 4, 0);
	assert_string_equal(res.why,
			    "50MiB x 4 cpus = 200MiB, raised to min_swap 250MiB, capped at max_swap 0B (the node's swap)");
	/* unknown partition: the partition terms cannot match */
	f = facts(NULL, 2, 4);
	res = eval_on(r, "r03n01", &f);
	expect_limited(&res, 4, 262144000);
	/* partition names are case-sensitive */
	f = facts("Standard", 1, 8);
	res = eval_on(r, "r03n01", &f);
	expect_limited(&res, 4, 419430400);   /* 50MiB x 8 */
	sl_rules_free(r);
}

static void test_production2(void **state)
{
	sl_rules_t *r = compile(PROD2);
	sl_facts_t f;
	sl_result_t res;

	(void)state;
	f = facts("extended-mem", 1, 4);
	res = eval_on(r, "r2v01", &f);
	expect_unlimited(&res, 1);

	/* 1.5% x 4 cpus = 6% of 64GiB = 4123168604.16 -> 4123168604 */
	f = facts("std", 1, 4);
	res = eval_on(r, "r2v02", &f);
	expect_limited(&res, 2, 4123168604);
	assert_string_equal(res.why,
			    "1.5% of node swap 64GiB x 4 cpus = 4123168604B (~3.84GiB)");
	/* r2v03 is outside [00-02]: default 1% x 4 = 2748779069.44 */
	res = eval_on(r, "r2v03", &f);
	expect_limited(&res, 4, 2748779069);
	/* 0.25% x 8 cpus = 2% = 1374389534.72 */
	f = facts("std", 1, 8);
	res = eval_on(r, "r0m01", &f);
	expect_limited(&res, 3, 1374389534);
	/* r0m1 is not r0m01 (Slurm keeps the zero padding): 1% x 8 = 8% */
	res = eval_on(r, "r0m1", &f);
	expect_limited(&res, 4, 5497558138);
	/* 1.5% x 128 cpus = 192% of the swap: capped at 64GiB */
	f = facts("std", 1, 128);
	res = eval_on(r, "r2v00", &f);
	expect_limited(&res, 2, SWAP64);
	/* 192% of 64GiB = 131941395333.12 */
	assert_string_equal(res.why,
			    "1.5% of node swap 64GiB x 128 cpus = 131941395333B (~122.88GiB), "
			    "capped at max_swap 64GiB (the node's swap)");
	/* a tiny swap: 1% x 3 of 1000B = 30B */
	f = facts("std", 1, 3);
	f.node_swap_bytes = 1000;
	res = eval_on(r, "c1", &f);
	expect_limited(&res, 4, 30);
	assert_string_equal(res.why, "1% of node swap 1000B x 3 cpus = 30B");
	/* no node name: no host() matches */
	f = facts("std", 1, 4);
	res = eval_on(r, NULL, &f);
	expect_limited(&res, 4, 2748779069);
	sl_rules_free(r);
}

static void test_production3(void **state)
{
	sl_rules_t *r = compile(PROD3);
	sl_facts_t f;
	sl_result_t res;

	(void)state;
	f = facts("lg-swap", 1, 4);
	res = eval_on(r, "r00n56", &f);
	expect_unlimited(&res, 1);

	/* 1.1% x 4 = 4.4% of 64GiB = 3023656976.384 */
	f = facts("batch", 1, 4);
	res = eval_on(r, "r00n56", &f);
	expect_limited(&res, 2, 3023656976);
	/* 1.1% x 1 = 755914244.096 */
	f = facts("batch", 1, 1);
	res = eval_on(r, "r01n00", &f);
	expect_limited(&res, 2, 755914244);
	assert_string_equal(res.why,
			    "1.1% of node swap 64GiB x 1 cpu = 755914244B (~720.90MiB)");
	/* 1.1% x 2 = 1511828488.192 */
	f = facts("batch", 2, 2);
	res = eval_on(r, "r00g00", &f);
	expect_limited(&res, 2, 1511828488);
	/* not in the list: r02n00, r00n01, r00n55, r01g00 -> default 0 */
	res = eval_on(r, "r02n00", &f);
	expect_limited(&res, 3, 0);
	res = eval_on(r, "r00n01", &f);
	expect_limited(&res, 3, 0);
	res = eval_on(r, "r00n55", &f);
	expect_limited(&res, 3, 0);
	res = eval_on(r, "r01g00", &f);
	expect_limited(&res, 3, 0);
	/* 32GiB of swap, 10 cpus: 11% of 34359738368 = 3779571220.48 */
	f = facts("batch", 1, 10);
	f.node_swap_bytes = 32 * GIB;
	res = eval_on(r, "r01n56", &f);
	expect_limited(&res, 2, 3779571220);
	sl_rules_free(r);
}

static void test_eval_saturation(void **state)
{
	sl_facts_t f = facts("p", 1, 100000);
	sl_result_t res;

	(void)state;
	/* 1PiB x 100000 overflows 64 bits: saturates, then the node caps */
	res = eval1("default()=1PiB/cpu", &f);
	expect_limited(&res, 1, SWAP64);
	assert_string_equal(res.why,
			    "1PiB x 100000 cpus = unlimited (saturated), capped at max_swap 64GiB (the node's swap)");
	/* a node claiming 2^64-2 bytes of swap caps there */
	f.node_swap_bytes = UINT64_MAX - 1;
	res = eval1("default()=1PiB/cpu", &f);
	expect_limited(&res, 1, UINT64_MAX - 1);
	/* huge counts with percents */
	f.cpus = UINT64_MAX;
	res = eval1("default()=1000%/cpu", &f);
	expect_limited(&res, 1, UINT64_MAX - 1);
	f.tasks = UINT64_MAX;
	f.node_swap_bytes = SWAP64;
	res = eval1("default(){max_swap=1%}=99999999%/task", &f);
	expect_limited(&res, 1, 687194767);   /* 1% of 64GiB */
}

static void test_eval_percent(void **state)
{
	sl_facts_t f = facts("p", 1, 1);
	sl_result_t res;

	(void)state;
	/* over 100% is legal and capped by the node's swap */
	f.node_swap_bytes = GIB;
	res = eval1("default()=250%", &f);
	expect_limited(&res, 1, GIB);
	assert_string_equal(res.why,
			    "250% of node swap 1GiB = 2.5GiB, capped at max_swap 1GiB (the node's swap)");
	/* an explicit max_swap above the node's swap: the node still caps */
	res = eval1("default(){max_swap=10GiB}=250%", &f);
	expect_limited(&res, 1, GIB);
	assert_string_equal(res.why,
			    "250% of node swap 1GiB = 2.5GiB, capped at the node's swap 1GiB");
	/* %mem: 150% of a 1GiB RAM limit = 1.5GiB */
	f = facts("p", 1, 1);
	f.mem_bytes = GIB;
	res = eval1("default()=150%mem", &f);
	expect_limited(&res, 1, GIB + GIB / 2);
	assert_string_equal(res.why, "150% of RAM limit 1GiB = 1.5GiB");
	/* 10%mem per task, 3 tasks of a 4GiB limit = 1288490188.8 */
	f = facts("p", 3, 1);
	res = eval1("default()=10%mem/task", &f);
	expect_limited(&res, 1, 1288490188);
	/* unlimited RAM: the amount saturates, max_swap caps it */
	f.mem_bytes = SL_UNLIMITED_BYTES;
	res = eval1("default()=10%mem", &f);
	expect_limited(&res, 1, SWAP64);
	assert_string_equal(res.why,
			    "10% of RAM limit unlimited = unlimited (saturated), capped at max_swap 64GiB (the node's swap)");
	res = eval1("default(){max_swap=2G}=10%mem/task", &f);
	expect_limited(&res, 1, 2 * GIB);
	/* 0% of unlimited is 0 */
	res = eval1("default()=0%mem", &f);
	expect_limited(&res, 1, 0);
	/* the smallest percent: 0.000000001% of 64GiB = 0.687 -> 0 */
	f = facts("p", 1, 1);
	res = eval1("default()=0.000000001%", &f);
	expect_limited(&res, 1, 0);
}

static void test_eval_clamping(void **state)
{
	sl_facts_t f = facts("p", 1, 4);
	sl_result_t res;

	(void)state;
	res = eval1("default(){max_swap=2GiB}=1GiB/cpu", &f);
	expect_limited(&res, 1, 2 * GIB);
	assert_string_equal(res.why, "1GiB x 4 cpus = 4GiB, capped at max_swap 2GiB");
	res = eval1("default(){max_swap=50%}=100%", &f);
	expect_limited(&res, 1, 32 * GIB);
	assert_string_equal(res.why,
			    "100% of node swap 64GiB = 64GiB, capped at max_swap 50% of node swap 64GiB = 32GiB");
	res = eval1("default(){max_swap=25%mem}=1G/cpu", &f);
	expect_limited(&res, 1, GIB);
	/* min_swap above the node's swap: raised, then capped */
	res = eval1("default(){min_swap=100GiB}=1GiB", &f);
	expect_limited(&res, 1, SWAP64);
	assert_string_equal(res.why,
			    "1GiB, raised to min_swap 100GiB, capped at max_swap 64GiB (the node's swap)");
	/* min_swap as percents */
	res = eval1("default(){min_swap=5%}=1KiB", &f);
	expect_limited(&res, 1, 3435973836);    /* 5% of 64GiB = 3435973836.8 */
	assert_string_equal(res.why,
			    "1KiB, raised to min_swap 5% of node swap 64GiB = 3435973836B (~3.20GiB)");
	res = eval1("default(){min_swap=50%mem}=1KiB", &f);
	expect_limited(&res, 1, 2 * GIB);
	/* min > max (percent, so only known now): the cap wins */
	res = eval1("default(){min_swap=50%,max_swap=1G}=1M", &f);
	expect_limited(&res, 1, GIB);
	/* both within bounds: untouched */
	res = eval1("default(){min_swap=1M,max_swap=1T}=3M/cpu", &f);
	expect_limited(&res, 1, 12 * MIB);
	assert_string_equal(res.why, "3MiB x 4 cpus = 12MiB");
	/* none ignores the props */
	res = eval1("default(){max_swap=1G}=none", &f);
	expect_unlimited(&res, 1);
	/* 0 cpus: nothing */
	f.cpus = 0;
	res = eval1("default()=1G/cpu", &f);
	expect_limited(&res, 1, 0);
	assert_string_equal(res.why, "1GiB x 0 cpus = 0B");
	/* fractions of bytes are exact until the end: 1.5B x 3 = 4.5 -> 4 */
	f.cpus = 3;
	res = eval1("default()=1.5B/cpu", &f);
	expect_limited(&res, 1, 4);
}

static void test_eval_conditions(void **state)
{
	const char *rules =
		"user(bob,alice)&account(proj1)&group(nobody,hpc)&partition(a,b)=1M,"
		"user(alice)&account(proj2)=2M,"
		"group(staff)&host(n[1-4])=3M,"
		"user(alice)=4M";
	sl_rules_t *r = compile(rules);
	const char *none[] = { NULL, "other" };
	sl_facts_t f = facts("b", 1, 1);
	sl_result_t res;
	sl_bound_t *b;

	(void)state;
	res = eval_on(r, "n9", &f);
	expect_limited(&res, 1, MIB);
	f.partition = "c";
	res = eval_on(r, "n2", &f);
	expect_limited(&res, 3, 3 * MIB);
	res = eval_on(r, "n9", &f);
	expect_limited(&res, 4, 4 * MIB);
	f.account = "proj2";
	res = eval_on(r, "n2", &f);
	expect_limited(&res, 2, 2 * MIB);
	/* NULL facts never match */
	f.account = NULL;
	f.groups = NULL;
	res = eval_on(r, "n2", &f);
	expect_limited(&res, 4, 4 * MIB);
	/* group entries may be NULL */
	f.groups = none;
	f.ngroups = 2;
	res = eval_on(r, "n2", &f);
	expect_limited(&res, 4, 4 * MIB);
	f.user = NULL;
	res = eval_on(r, "n2", &f);
	assert_int_equal(res.outcome, SL_NO_MATCH);
	assert_int_equal(res.term, 0);
	assert_int_equal(res.swap_bytes, 0);
	assert_string_equal(res.why, "no term matched: the swap limit Slurm sets stays");
	b = sl_rules_bind(r, "n2");
	assert_null(sl_result_term_text(b, &res));
	res.term = 99;
	assert_null(sl_result_term_text(b, &res));
	res.term = 3;
	assert_string_equal(sl_result_term_text(b, &res), "group(staff)&host(n[1-4])=3MiB");
	/* names are case-sensitive */
	f = facts("b", 1, 1);
	f.user = "Alice";
	sl_eval(b, &f, &res);
	expect_limited(&res, 3, 3 * MIB);   /* only the group term matches */
	f.groups = (const char *const[]){ "Staff" };
	f.ngroups = 1;
	sl_eval(b, &f, &res);
	assert_int_equal(res.outcome, SL_NO_MATCH);
	f.groups = GROUPS;
	f.ngroups = 2;
	/* the bound rules are reusable and stateless */
	f.user = "alice";
	sl_eval(b, &f, &res);
	expect_limited(&res, 1, MIB);
	sl_bound_free(b);
	sl_rules_free(r);
}

static void test_eval_why_fits(void **state)
{
	sl_facts_t f = facts("p", UINT64_MAX, UINT64_MAX);
	sl_result_t res;

	(void)state;
	/* the longest explanations are truncated, never overflowed */
	f.mem_bytes = UINT64_MAX - 1;
	f.node_swap_bytes = UINT64_MAX - 1;
	res = eval1("default(){min_swap=123456789.123456789%mem,max_swap=0.123456789%mem}"
		    "=123456789.123456789%mem/task", &f);
	assert_int_equal(res.outcome, SL_LIMITED);
	assert_true(strlen(res.why) < SL_MSG_MAX);
	assert_true(strlen(res.why) > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_production_compile),
		cmocka_unit_test(test_conditions),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_props),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_whitespace_and_comments),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_null_api),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_issue_example),
		cmocka_unit_test(test_production1),
		cmocka_unit_test(test_production2),
		cmocka_unit_test(test_production3),
		cmocka_unit_test(test_eval_saturation),
		cmocka_unit_test(test_eval_percent),
		cmocka_unit_test(test_eval_clamping),
		cmocka_unit_test(test_eval_conditions),
		cmocka_unit_test(test_eval_why_fits),
		cmocka_unit_test(test_share_forms),
		cmocka_unit_test(test_share_undecidable),
		cmocka_unit_test(test_gres_form),
	};
	enum { NERR = sizeof(err_cases) / sizeof(err_cases[0]) };
	struct CMUnitTest errs[NERR];
	size_t i;
	int failed;

	for (i = 0; i < NERR; i++) {
		errs[i] = (struct CMUnitTest){
			.name = err_cases[i].name,
			.test_func = run_err_case,
			.initial_state = (void *)&err_cases[i],
		};
	}
	failed = cmocka_run_group_tests_name("rules", tests, NULL, NULL);
	failed += _cmocka_run_group_tests("errors", errs, NERR, NULL, NULL);
	return failed ? 1 : 0;
}
