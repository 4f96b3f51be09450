/*
 * The job owner's side of the plugin, its pure parts: parsing --swap
 * (src/node/swap_option.c) and the texts the user and the administrator
 * get at the end of a step (src/node/step_report.c).
 *
 * Both are linked into the test binaries (NODE_OBJ): they have no SPANK
 * calls.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "step_report.h"
#include "swap_option.h"

#define KiB 1024ull
#define MiB_ (1024ull * KiB)
#define GiB (1024ull * MiB_)
#define TiB (1024ull * GiB)

/* --- --swap parsing --------------------------------------------------- */

static uint64_t parse_ok(const char *s)
{
	sl_swap_request_t r;
	char msg[512] = "untouched";

	memset(&r, 0x55, sizeof(r));
	if (sl_swap_option_parse(s, &r, msg, sizeof(msg)) != 0)
		fail_msg("'%s' refused: %s", s, msg);
	assert_string_equal(msg, "untouched");
	return r.bytes;
}

static void test_parse_units(void **state)
{
	(void)state;
	/* a bare number is MiB, as for --mem */
	assert_true(parse_ok("512") == 512 * MiB_);
	assert_true(parse_ok("1") == MiB_);
	assert_true(parse_ok("007") == 7 * MiB_);
	/* K, M, G, T, either case, powers of 1024 */
	assert_true(parse_ok("1K") == KiB);
	assert_true(parse_ok("1k") == KiB);
	assert_true(parse_ok("64M") == 64 * MiB_);
	assert_true(parse_ok("64m") == 64 * MiB_);
	assert_true(parse_ok("2G") == 2 * GiB);
	assert_true(parse_ok("2g") == 2 * GiB);
	assert_true(parse_ok("3T") == 3 * TiB);
	assert_true(parse_ok("3t") == 3 * TiB);
	assert_true(parse_ok("1536M") == 1536 * MiB_);
	/* the rules' forms too (issue 10: one size grammar) */
	assert_true(parse_ok("1.5G") == 1536 * MiB_);
	assert_true(parse_ok("64MiB") == 64 * MiB_);
	assert_true(parse_ok("2gib") == 2 * GiB);
	assert_true(parse_ok("4096B") == 4096);
	assert_true(parse_ok("0.5") == MiB_ / 2);
	assert_true(parse_ok("1P") == 1024 * TiB);
}

static void test_parse_zero_and_none(void **state)
{
	(void)state;
	assert_true(parse_ok("0") == 0);
	assert_true(parse_ok("0K") == 0);
	assert_true(parse_ok("0G") == 0);
	assert_true(parse_ok("000") == 0);
	assert_true(parse_ok("none") == UINT64_MAX);
	assert_true(parse_ok("NONE") == UINT64_MAX);
	assert_true(parse_ok("None") == UINT64_MAX);
}

static void test_parse_limits(void **state)
{
	(void)state;
	/* the largest sizes below UINT64_MAX (which means "none") */
	assert_true(parse_ok("16777215T") == 16777215ull * TiB);
	assert_true(parse_ok("17592186044415") == 17592186044415ull * MiB_);
	assert_true(parse_ok("18014398509481983K") ==
		    18014398509481983ull * KiB);
}

static void test_parse_keeps_text(void **state)
{
	sl_swap_request_t r;

	(void)state;
	assert_int_equal(sl_swap_option_parse("64m", &r, NULL, 0), 0);
	assert_string_equal(r.text, "64m");
	assert_int_equal(sl_swap_option_parse("NoNe", &r, NULL, 0), 0);
	assert_string_equal(r.text, "none");
	assert_int_equal(sl_swap_option_parse("0", &r, NULL, 0), 0);
	assert_string_equal(r.text, "0");
}

static void refused(const char *s, const char *reason)
{
	sl_swap_request_t r, before;
	char msg[512];

	memset(&r, 0x5a, sizeof(r));
	before = r;
	msg[0] = '\0';
	if (sl_swap_option_parse(s, &r, msg, sizeof(msg)) != -1)
		fail_msg("'%s' accepted", s ? s : "(null)");
	/* *out untouched */
	assert_memory_equal(&r, &before, sizeof(r));
	/* every refusal quotes the value, says why, lists the forms */
	assert_non_null(strstr(msg, "--swap="));
	if (!strstr(msg, reason))
		fail_msg("'%s': expected '%s' in: %s", s, reason, msg);
	assert_non_null(strstr(msg, SL_SWAP_FORMS));
}

static void test_parse_refuses(void **state)
{
	(void)state;
	refused(NULL, "a value is needed");
	refused("", "a value is needed");
	refused("abc", "not a size");
	refused("-1", "not a size");
	refused("+1", "not a size");
	refused(" 1", "not a size");
	refused("M", "not a size");
	refused("nonee", "not a size");
	refused("unlimited", "not a size");
	/* issue 10: one size grammar with the rules (1.5G, 1MiB, 1P are
	 * sizes now); MB stays ambiguous */
	refused("1,5G", "unknown unit ',5G'");
	refused("1.", "a digit is needed after '.'");
	refused("1X", "unknown unit 'X'");
	refused("1 ", "unknown unit ' '");
	refused("0x10", "unknown unit 'x10'");
	refused("1e3", "unknown unit 'e3'");
	refused("1MB", "ambiguous unit 'MB'");
	refused("1GG", "unknown unit 'GG'");
	refused("1K\n", "unknown unit 'K?'");
	refused("16777216T", "too large");
	refused("17592186044416", "too large");
	refused("99999999999999999999", "too large");
	refused("18446744073709551615K", "too large");
}

static void test_parse_message_text(void **state)
{
	sl_swap_request_t r;
	char msg[512];

	(void)state;
	assert_int_equal(sl_swap_option_parse("1.5X", &r, msg, sizeof(msg)), -1);
	assert_string_equal(msg,
		"--swap=1.5X: unknown unit 'X' (expected B, K, KiB, M, MiB, G, "
		"GiB, T, TiB, P, PiB); accepted: a size as for --mem, a bare "
		"number of MiB (512) or a number with a unit K, M, G, T (or KiB, "
		"MiB, GiB, TiB, B, P; powers of 1024: 64M, 1.5G); 0 never to "
		"swap; none for all the swap the site's rules grant");
	/* long values are cut, control characters never echoed */
	assert_int_equal(sl_swap_option_parse("12345678901234567890123456789X",
					      &r, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "--swap=123456789012345678901234...: too large"));
	assert_int_equal(sl_swap_option_parse("1\033[2J", &r, msg, sizeof(msg)), -1);
	assert_null(strchr(msg, '\033'));
	assert_non_null(strstr(msg, "--swap=1?[2J: unknown unit '?[2J'"));
	/* a short buffer is still terminated */
	assert_int_equal(sl_swap_option_parse("x", &r, msg, 10), -1);
	assert_int_equal(strlen(msg), 9);
}

/* --- sizes for people --------------------------------------------------- */

static const char *size(uint64_t b)
{
	static char buf[SL_REPORT_SIZE_BUF];
	return sl_report_size(b, buf, sizeof(buf));
}

static void test_report_size(void **state)
{
	(void)state;
	assert_string_equal(size(0), "0B");
	assert_string_equal(size(1023), "1023B");
	assert_string_equal(size(1024), "1KiB");
	assert_string_equal(size(1536), "1.5KiB");
	assert_string_equal(size(100 * MiB_), "100MiB");
	assert_string_equal(size(3 * GiB / 2), "1.5GiB");
	assert_string_equal(size(43311104), "41.3MiB");    /* 42296KiB */
	assert_string_equal(size(5369856), "5.12MiB");     /* 1% of the swap */
	assert_string_equal(size(GiB - 1), "1024MiB");     /* rounded */
	assert_string_equal(size(1552384), "1.48MiB");
	assert_string_equal(size(UINT64_MAX), "unlimited");
	assert_string_equal(size(UINT64_MAX - 1), "16384PiB");
	/* a short buffer is still terminated */
	char small[4];
	sl_report_size(100 * MiB_, small, sizeof(small));
	assert_string_equal(small, "100");
}

/* --- the end-of-step texts ------------------------------------------- */

static sl_report_in_t base(void)
{
	sl_report_in_t in;

	memset(&in, 0, sizeof(in));
	in.node = "node1";
	in.job = "123";
	in.step = "0";
	in.usage.ram_limit = 100 * MiB_;
	in.usage.swap_limit = 64 * MiB_;
	in.usage.have_swap_figures = true;
	in.decided = true;
	in.grant = 64 * MiB_;
	return in;
}

static const char *user(const sl_report_in_t *in)
{
	static char buf[SL_REPORT_MAX];
	size_t n = sl_report_user(in, buf, sizeof(buf));

	assert_int_equal(n, strlen(buf));
	return buf;
}

static const char *logline(const sl_report_in_t *in)
{
	static char buf[SL_REPORT_MAX];
	sl_report_log(in, buf, sizeof(buf));
	return buf;
}

static void contains(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("expected '%s' in:\n%s", part, text);
}

static void test_report_quiet(void **state)
{
	sl_report_in_t in = base();

	(void)state;
	in.usage.peak_ram = 10 * MiB_;
	in.usage.peak_ram_swap = 10 * MiB_;
	assert_int_equal(sl_report_verdict(&in), SL_END_QUIET);
	assert_string_equal(user(&in), "");
	assert_string_equal(logline(&in),
		"usage: job=123 step=0 node=node1 peak RAM 10MiB of 100MiB, "
		"peak swap 0B of 64MiB; oom_kills=0 swap_limit_hits=0 "
		"grant=64MiB request=- report=no verdict=no-swap-used");
}

static void test_report_usage_line(void **state)
{
	sl_report_in_t in = base();

	(void)state;
	in.usage.peak_ram = 100 * MiB_;
	in.usage.peak_swap = 40 * MiB_;
	assert_int_equal(sl_report_verdict(&in), SL_END_USAGE);
	/* the format the issue asks for, exactly */
	assert_string_equal(user(&in),
		"swaplimit: node1 step 123.0: peak RAM 100MiB of 100MiB, "
		"peak swap 40MiB of 64MiB\n");
	contains(logline(&in), " verdict=swap-used");
	/* swap in use now counts as used too */
	in.usage.peak_swap = 0;
	in.usage.swap_now = MiB_;
	assert_int_equal(sl_report_verdict(&in), SL_END_USAGE);
	/* a few pages (the machine's own pressure) are not worth a line */
	in.usage.swap_now = 0;
	in.usage.peak_swap = MiB_ - 1;
	assert_int_equal(sl_report_verdict(&in), SL_END_QUIET);
	in.usage.peak_swap = MiB_;
	assert_int_equal(sl_report_verdict(&in), SL_END_USAGE);
	in.usage.peak_swap = 12 * KiB;
	in.usage.swap_now = 12 * KiB;
	assert_int_equal(sl_report_verdict(&in), SL_END_QUIET);
	contains(logline(&in), " verdict=no-swap-used");
}

static void test_report_asked(void **state)
{
	sl_report_in_t in = base();

	(void)state;
	in.step = "batch";
	in.report_wanted = true;
	in.usage.peak_ram = 1552384;
	assert_int_equal(sl_report_verdict(&in), SL_END_USAGE);
	assert_string_equal(user(&in),
		"swaplimit: node1 step 123.batch: peak RAM 1.48MiB of 100MiB, "
		"peak swap 0B of 64MiB\n");
	/* the log says the line was asked for, not that swap was used */
	contains(logline(&in), " report=yes verdict=no-swap-used");
}

static void test_report_limits_shown(void **state)
{
	sl_report_in_t in = base();

	(void)state;
	in.report_wanted = true;
	in.usage.swap_limit = UINT64_MAX;
	assert_string_equal(user(&in),
		"swaplimit: node1 step 123.0: peak RAM 0B of 100MiB, "
		"peak swap 0B (no limit)\n");
	in.usage.ram_limit = UINT64_MAX;
	in.usage.have_swap_figures = false;
	assert_string_equal(user(&in),
		"swaplimit: node1 step 123.0: peak RAM 0B (no limit), "
		"peak swap unknown (no swap accounting)\n");
	in.decided = false;
	contains(logline(&in), " grant=? ");
}

static void test_verdicts(void **state)
{
	sl_report_in_t in = base();

	(void)state;
	in.usage.oom_kills = 1;
	in.usage.peak_ram = 100 * MiB_;
	/* swap used up: at the limit, within a MiB of it, or memsw hits */
	in.usage.peak_swap = 64 * MiB_;
	assert_int_equal(sl_report_verdict(&in), SL_END_OOM_SWAP_FULL);
	in.usage.peak_swap = 63 * MiB_;
	assert_int_equal(sl_report_verdict(&in), SL_END_OOM_SWAP_FULL);
	in.usage.peak_swap = 63 * MiB_ - 1;
	assert_int_equal(sl_report_verdict(&in), SL_END_OOM_SWAP_LEFT);
	in.usage.memsw_failcnt = 3;
	assert_int_equal(sl_report_verdict(&in), SL_END_OOM_SWAP_FULL);
	in.usage.memsw_failcnt = 0;
	/* no swap allowed */
	in.usage.swap_limit = 0;
	in.usage.peak_swap = 2 * MiB_;
	assert_int_equal(sl_report_verdict(&in), SL_END_OOM_NO_SWAP);
	/* unlimited or unknown swap: the RAM limit */
	in.usage.swap_limit = UINT64_MAX;
	assert_int_equal(sl_report_verdict(&in), SL_END_OOM_SWAP_LEFT);
	in.usage.swap_limit = 64 * MiB_;
	in.usage.have_swap_figures = false;
	assert_int_equal(sl_report_verdict(&in), SL_END_OOM_SWAP_LEFT);
	/* the OOM wins over --swap-report */
	in.report_wanted = true;
	assert_int_equal(sl_report_verdict(&in), SL_END_OOM_SWAP_LEFT);
	assert_string_equal(sl_report_verdict_name(SL_END_OOM_SWAP_FULL),
			    "oom-ram-and-swap");
	assert_string_equal(sl_report_verdict_name(SL_END_OOM_NO_SWAP),
			    "oom-ram-no-swap");
	assert_string_equal(sl_report_verdict_name(SL_END_OOM_SWAP_LEFT),
			    "oom-ram-swap-left");
}

static void test_oom_asked_no_swap(void **state)
{
	sl_report_in_t in = base();

	(void)state;
	in.usage.oom_kills = 1;
	in.usage.peak_ram = 100 * MiB_;
	in.usage.peak_swap = 2 * MiB_;   /* swap within the same total */
	in.usage.swap_limit = 0;
	in.request_given = true;
	in.request = 0;
	in.request_text = "0";
	assert_string_equal(user(&in),
		"swaplimit: node1 step 123.0 ran out of memory (1 process "
		"killed): it used all of its RAM (100MiB) and you asked for no "
		"swap (--swap=0). Peak RAM 100MiB of 100MiB, no swap allowed.\n"
		"swaplimit: next time ask for more memory, e.g. --mem=150M, or "
		"allow swap: without --swap=0 (or with --swap=none) this step "
		"may swap 64MiB here.\n");
	contains(logline(&in), "oom_kills=1 swap_limit_hits=0 grant=64MiB "
			       "request=0 report=no verdict=oom-ram-no-swap");
	/* the rules' grant is unlimited */
	in.grant = UINT64_MAX;
	contains(user(&in), "this step may swap without limit here.\n");
}

static void test_oom_site_gives_no_swap(void **state)
{
	sl_report_in_t in = base();

	(void)state;
	in.usage.oom_kills = 2;
	in.usage.peak_ram = 100 * MiB_;
	in.usage.swap_limit = 0;
	in.grant = 0;
	assert_string_equal(user(&in),
		"swaplimit: node1 step 123.0 ran out of memory (2 processes "
		"killed): it used all of its RAM (100MiB) and this site grants "
		"it no swap here. Peak RAM 100MiB of 100MiB, no swap allowed.\n"
		"swaplimit: next time ask for more memory, e.g. --mem=150M.\n");
	/* nothing decided (no term matched): no claim about the site */
	in.decided = false;
	contains(user(&in), "(100MiB) and it may not swap.");
}

static void test_oom_ram_and_swap_at_grant(void **state)
{
	sl_report_in_t in = base();

	(void)state;
	in.usage.oom_kills = 1;
	in.usage.peak_ram = 100 * MiB_;
	in.usage.peak_swap = 64 * MiB_;
	assert_string_equal(user(&in),
		"swaplimit: node1 step 123.0 ran out of memory (1 process "
		"killed): it used all of its RAM (100MiB) and all of its swap "
		"allowance (64MiB, the most this site grants it here). Peak RAM "
		"100MiB of 100MiB, peak swap 64MiB of 64MiB.\n"
		"swaplimit: next time ask for more memory, e.g. --mem=246M; "
		"this site grants no more swap to this step on node1.\n");
	/* a --swap at or above the grant did not lower anything */
	in.request_given = true;
	in.request = GiB;
	in.request_text = "1G";
	contains(user(&in), "the most this site grants it here");
	in.request = UINT64_MAX;
	in.request_text = "none";
	contains(user(&in), "the most this site grants it here");
}

static void test_oom_ram_and_swap_asked(void **state)
{
	sl_report_in_t in = base();

	(void)state;
	in.usage.oom_kills = 1;
	in.usage.peak_ram = 100 * MiB_;
	in.usage.peak_swap = 32 * MiB_;
	in.usage.swap_limit = 32 * MiB_;
	in.request_given = true;
	in.request = 32 * MiB_;
	in.request_text = "32M";
	assert_string_equal(user(&in),
		"swaplimit: node1 step 123.0 ran out of memory (1 process "
		"killed): it used all of its RAM (100MiB) and all of its swap "
		"allowance (32MiB, as you asked with --swap=32M). Peak RAM "
		"100MiB of 100MiB, peak swap 32MiB of 32MiB.\n"
		"swaplimit: next time ask for more swap (up to 64MiB here: "
		"--swap=none gives all of it) or more memory, e.g. "
		"--mem=150M.\n");
	in.grant = UINT64_MAX;
	contains(user(&in), "more swap (--swap=none: this site sets no swap "
			    "limit for this step here) or more memory");
}

static void test_oom_swap_left(void **state)
{
	sl_report_in_t in = base();

	(void)state;
	in.usage.oom_kills = 1;
	in.usage.ram_limit = 100 * MiB_ + 1;  /* rounded up to whole MiB */
	in.usage.peak_ram = 100 * MiB_;
	in.usage.peak_swap = 10 * MiB_;
	assert_string_equal(user(&in),
		"swaplimit: node1 step 123.0 ran out of memory (1 process "
		"killed): it used all of its RAM (100MiB) before its swap "
		"allowance was used up: the rest of its memory could not be "
		"swapped out. Peak RAM 100MiB of 100MiB, peak swap 10MiB of "
		"64MiB.\n"
		"swaplimit: next time ask for more memory, e.g. --mem=152M.\n");
	in.usage.swap_limit = UINT64_MAX;
	contains(user(&in), "; its swap has no limit here, but what it used "
			    "was not enough. Peak RAM");
	in.usage.ram_limit = UINT64_MAX;
	contains(user(&in), "killed): the node ran out of memory;");
	contains(user(&in), "next time ask for more memory (--mem).\n");
}

/* A step of a batch job: the job's limits (shared with the batch step)
 * were reached before the step's own. */
static sl_report_in_t in_batch_job(void)
{
	sl_report_in_t in = base();

	in.usage.oom_kills = 1;
	in.usage.ram_limit = 100 * MiB_;
	in.usage.peak_ram = 99 * MiB_;
	in.usage.peak_swap = 60 * MiB_;
	in.have_job = true;
	in.job_usage = in.usage;
	in.job_usage.oom_kills = 0;
	in.job_usage.peak_ram = 100 * MiB_;
	in.job_usage.peak_swap = 64 * MiB_;
	return in;
}

static void test_oom_job_full(void **state)
{
	sl_report_in_t in = in_batch_job();

	(void)state;
	assert_int_equal(sl_report_verdict(&in), SL_END_OOM_JOB_FULL);
	assert_string_equal(user(&in),
		"swaplimit: node1 step 123.0 ran out of memory (1 process "
		"killed): job 123 used all of its RAM (100MiB) and all of its "
		"swap allowance (64MiB, the most this site grants it here) on "
		"node1, which all its steps there share. Peak RAM 99MiB of "
		"100MiB, peak swap 60MiB of 64MiB (this step); the job: peak "
		"RAM 100MiB of 100MiB, peak swap 64MiB of 64MiB.\n"
		"swaplimit: next time ask for more memory, e.g. --mem=246M for "
		"the job; this site grants no more swap to it on node1.\n");
	assert_string_equal(logline(&in),
		"usage: job=123 step=0 node=node1 peak RAM 99MiB of 100MiB, "
		"peak swap 60MiB of 64MiB; job peak RAM 100MiB of 100MiB, peak "
		"swap 64MiB of 64MiB; oom_kills=1 swap_limit_hits=0 "
		"grant=64MiB request=- report=no verdict=oom-job-ram-and-swap");
	/* the step's own limits first, when both were reached */
	in.usage.peak_swap = 64 * MiB_;
	assert_int_equal(sl_report_verdict(&in), SL_END_OOM_SWAP_FULL);
	/* the job's swap not used up either: RAM */
	in = in_batch_job();
	in.job_usage.peak_swap = 61 * MiB_;
	assert_int_equal(sl_report_verdict(&in), SL_END_OOM_SWAP_LEFT);
}

static void test_oom_job_ram(void **state)
{
	sl_report_in_t in = in_batch_job();

	(void)state;
	/* the step stayed below its RAM, the job's RAM was full, swap not */
	in.usage.peak_ram = 90 * MiB_;
	in.usage.peak_swap = 0;
	in.job_usage.peak_swap = 10 * MiB_;
	assert_int_equal(sl_report_verdict(&in), SL_END_OOM_SWAP_LEFT);
	assert_string_equal(user(&in),
		"swaplimit: node1 step 123.0 ran out of memory (1 process "
		"killed): job 123 used all of its RAM on node1 (100MiB, which "
		"all its steps there share) before its swap allowance was used "
		"up: the rest of its memory could not be swapped out. Peak RAM "
		"90MiB of 100MiB, peak swap 0B of 64MiB (this step); the job: "
		"peak RAM 100MiB of 100MiB, peak swap 10MiB of 64MiB.\n"
		"swaplimit: next time ask for more memory, e.g. --mem=150M.\n");
}

static void test_over_grant(void **state)
{
	char buf[SL_REPORT_MAX];
	size_t n;

	(void)state;
	n = sl_report_over_grant("node1", "123", "0", "1G", 250 * MiB_, buf,
				 sizeof(buf));
	assert_string_equal(buf,
		"swaplimit: node1 step 123.0: --swap=1G is more than this site "
		"grants here; the step has 250MiB of swap, the most the rules "
		"allow it on node1\n");
	assert_int_equal(n, strlen(buf));
	/* cut short, the line still ends */
	n = sl_report_over_grant("node1", "123", "batch", "1G", 5369856, buf,
				 40);
	assert_int_equal(n, 39);
	assert_int_equal(buf[38], '\n');
}

static void test_user_text_cut(void **state)
{
	sl_report_in_t in = base();
	char buf[64];
	size_t n;

	(void)state;
	in.usage.oom_kills = 1;
	in.usage.peak_swap = 64 * MiB_;
	n = sl_report_user(&in, buf, sizeof(buf));
	assert_int_equal(n, sizeof(buf) - 1);
	assert_int_equal(buf[n - 1], '\n');
	assert_int_equal(buf[n], '\0');
	/* absent names do not crash */
	in.node = in.job = in.step = NULL;
	in.request_given = true;
	in.request = 0;
	in.request_text = NULL;
	in.usage.swap_limit = 0;
	contains(user(&in), "swaplimit: ? step ?.? ran out of memory");
	contains(user(&in), "(--swap=?)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_units),
		cmocka_unit_test(test_parse_zero_and_none),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_parse_keeps_text),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_parse_message_text),
		cmocka_unit_test(test_report_size),
		cmocka_unit_test(test_report_quiet),
		cmocka_unit_test(test_report_usage_line),
		cmocka_unit_test(test_report_asked),
		cmocka_unit_test(test_report_limits_shown),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_oom_asked_no_swap),
		cmocka_unit_test(test_oom_site_gives_no_swap),
		cmocka_unit_test(test_oom_ram_and_swap_at_grant),
		cmocka_unit_test(test_oom_ram_and_swap_asked),
		cmocka_unit_test(test_oom_swap_left),
		cmocka_unit_test(test_oom_job_full),
		cmocka_unit_test(test_oom_job_ram),
		cmocka_unit_test(test_over_grant),
		cmocka_unit_test(test_user_text_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
