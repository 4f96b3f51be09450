/*
 * Sizes, units, exact decimals and saturating arithmetic (size.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine_impl.h"
#include "size.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define TIB (UINT64_C(1) << 40)
#define PIB (UINT64_C(1) << 50)

static void test_sat_arith(void **state)
{
	(void)state;
	assert_int_equal(sl_sat_add(1, 2), 3);
	assert_true(sl_sat_add(UINT64_MAX, 1) == UINT64_MAX);
	assert_true(sl_sat_add(UINT64_MAX - 1, 1) == UINT64_MAX);
	assert_true(sl_sat_add(UINT64_MAX - 2, 1) == UINT64_MAX - 1);
	assert_int_equal(sl_sat_sub(5, 3), 2);
	assert_int_equal(sl_sat_sub(3, 5), 0);
	assert_int_equal(sl_sat_sub(0, UINT64_MAX), 0);
	assert_int_equal(sl_sat_mul(50 * MIB, 4), 200 * MIB);
	assert_int_equal(sl_sat_mul(0, UINT64_MAX), 0);
	assert_true(sl_sat_mul(PIB, 100000) == UINT64_MAX);
	assert_true(sl_sat_mul(UINT64_C(1) << 32, UINT64_C(1) << 32) == UINT64_MAX);
	assert_true(sl_sat_mul((UINT64_C(1) << 32) - 1, (UINT64_C(1) << 32) + 1) ==
		    UINT64_MAX);
}

static void test_muldiv(void **state)
{
	bool sat;

	(void)state;
	/* 1% of 64GiB x 2 = 1374389534.72 -> 1374389534 */
	assert_int_equal(sl_muldiv_sat((unsigned __int128)1 * 64 * GIB, 2, 100, &sat),
			 1374389534);
	assert_false(sat);
	/* 1.5B x 3 = 4.5 -> 4 (exact, not 1 x 3) */
	assert_int_equal(sl_muldiv_sat(15, 3, 10, &sat), 4);
	assert_int_equal(sl_muldiv_sat(15, 0, 10, &sat), 0);
	assert_false(sat);
	assert_true(sl_muldiv_sat((unsigned __int128)PIB, 100000, 1, &sat) == UINT64_MAX);
	assert_true(sat);
	/* (2^64-1)^2 / (2^64-1) x 1 = 2^64-1, not saturated */
	assert_true(sl_muldiv_sat((unsigned __int128)UINT64_MAX * UINT64_MAX, 1,
				  UINT64_MAX, &sat) == UINT64_MAX);
	assert_false(sat);
	assert_true(sl_muldiv_sat((unsigned __int128)UINT64_MAX * UINT64_MAX,
				  UINT64_MAX, UINT64_MAX, &sat) == UINT64_MAX);
	assert_true(sat);
	/* remainders carry: (7/3) x 3 = 7 */
	assert_int_equal(sl_muldiv_sat(7, 3, 3, &sat), 7);
}

static void fmt_is(uint64_t bytes, const char *want)
{
	char buf[SL_SIZE_BUF];

	assert_string_equal(sl_size_format(bytes, buf, sizeof(buf)), want);
}

static void test_format(void **state)
{
	(void)state;
	fmt_is(0, "0B");
	fmt_is(1, "1B");
	fmt_is(1000, "1000B");
	fmt_is(1023, "1023B");
	fmt_is(1024, "1KiB");
	fmt_is(1025, "1025B (~1.00KiB)");
	fmt_is(1536, "1.5KiB");
	fmt_is(250 * MIB, "250MiB");
	fmt_is(262144000, "250MiB");
	fmt_is(200 * MIB, "200MiB");
	fmt_is(64 * GIB, "64GiB");
	fmt_is(GIB + GIB / 2, "1.5GiB");
	fmt_is(1342177280, "1.25GiB");
	fmt_is(1500 * KIB, "1500KiB");
	fmt_is(1374389534, "1374389534B (~1.28GiB)");
	fmt_is(687194767, "687194767B (~655.36MiB)");
	fmt_is(GIB - 1, "1073741823B (~1.00GiB)");
	fmt_is(PIB, "1PiB");
	fmt_is(1024 * PIB, "1024PiB");
	fmt_is(UINT64_MAX - 1, "18446744073709551614B (~16384.00PiB)");
	fmt_is(UINT64_MAX, "unlimited");
	fmt_is(3 * TIB, "3TiB");
}

static void test_format_truncates(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	sl_size_format(1374389534, buf, sizeof(buf));
	assert_string_equal(buf, "1374389");
	sl_size_format(5, buf, 1);
	assert_string_equal(buf, "");
	assert_null(sl_size_format(5, NULL, 0));
}

static void test_parse(void **state)
{
	uint64_t b = 7;

	(void)state;
	assert_int_equal(sl_size_parse("250MiB", &b), 0);
	assert_int_equal(b, 250 * MIB);
	assert_int_equal(sl_size_parse("250m", &b), 0);
	assert_int_equal(b, 250 * MIB);
	assert_int_equal(sl_size_parse("1.5G", &b), 0);
	assert_int_equal(b, GIB + GIB / 2);
	assert_int_equal(sl_size_parse("64gib", &b), 0);
	assert_int_equal(b, 64 * GIB);
	assert_int_equal(sl_size_parse("1b", &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(sl_size_parse("0", &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(sl_size_parse("0.5B", &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(sl_size_parse("Unlimited", &b), 0);
	assert_true(b == UINT64_MAX);
	assert_int_equal(sl_size_parse("18446744073709551615B", &b), 0);
	assert_true(b == UINT64_MAX);
	b = 7;
	assert_int_equal(sl_size_parse("16384P", &b), -1);
	assert_int_equal(sl_size_parse("50MB", &b), -1);
	assert_int_equal(sl_size_parse("50 MiB", &b), -1);
	assert_int_equal(sl_size_parse("", &b), -1);
	assert_int_equal(sl_size_parse("MiB", &b), -1);
	assert_int_equal(sl_size_parse("1.G", &b), -1);
	assert_int_equal(sl_size_parse(NULL, &b), -1);
	assert_int_equal(b, 7);
	/* issue 10: a bare number is MiB, as for --mem */
	assert_int_equal(sl_size_parse("50", &b), 0);
	assert_int_equal(b, 50ull << 20);
	assert_int_equal(sl_size_parse("0.5", &b), 0);
	assert_int_equal(b, 512ull << 10);
}

static void test_units(void **state)
{
	static const struct {
		const char *word;
		uint64_t bytes;
	} ok[] = {
		{ "B", 1 }, { "b", 1 }, { "K", KIB }, { "k", KIB },
		{ "KiB", KIB }, { "kib", KIB }, { "KIB", KIB }, { "M", MIB },
		{ "MiB", MIB }, { "mIb", MIB }, { "G", GIB }, { "GiB", GIB },
		{ "T", TIB }, { "TiB", TIB }, { "P", PIB }, { "PiB", PIB },
		{ "pib", PIB },
	};
	static const char *const bad[] = { "XB", "E", "EiB", "Ki", "KiBB", "BB", "iB" };
	static const char *const amb[][2] = {
		{ "KB", "KiB or K" }, { "MB", "MiB or M" }, { "gb", "GiB or G" },
		{ "Tb", "TiB or T" }, { "PB", "PiB or P" },
	};
	const sl_unit_t *u;
	const char *hint;
	bool a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		u = sl_unit_lookup(ok[i].word, strlen(ok[i].word), &a, &hint);
		assert_non_null(u);
		assert_int_equal(u->bytes, ok[i].bytes);
		assert_false(a);
	}
	u = sl_unit_lookup("gib", 3, &a, &hint);
	assert_string_equal(u->name, "GiB");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(sl_unit_lookup(bad[i], strlen(bad[i]), &a, &hint));
		assert_false(a);
	}
	for (i = 0; i < sizeof(amb) / sizeof(amb[0]); i++) {
		assert_null(sl_unit_lookup(amb[i][0], 2, &a, &hint));
		assert_true(a);
		assert_string_equal(hint, amb[i][1]);
	}
}

static void dec_ok(const char *s, uint64_t mant, unsigned scale, size_t used)
{
	sl_dec_t d;
	size_t u;

	assert_int_equal(sl_dec_parse(s, strlen(s), &u, &d), SL_DEC_OK);
	assert_int_equal(d.mant, mant);
	assert_int_equal(d.scale, scale);
	assert_int_equal(u, used);
}

static void dec_bad(const char *s, enum sl_dec_status st)
{
	sl_dec_t d;
	size_t u;

	assert_int_equal(sl_dec_parse(s, strlen(s), &u, &d), st);
}

static void test_decimal(void **state)
{
	char big[401];
	char out[32];
	sl_out_t o;

	(void)state;
	dec_ok("50", 50, 0, 2);
	dec_ok("50MiB", 50, 0, 2);
	dec_ok("1.5%", 15, 1, 3);
	dec_ok("0.25", 25, 2, 4);
	dec_ok("1.10", 11, 1, 4);       /* trailing zero dropped */
	dec_ok("1.000", 1, 0, 5);
	dec_ok("007", 7, 0, 3);
	dec_ok("0", 0, 0, 1);
	dec_ok("18446744073709551615", UINT64_MAX, 0, 20);
	dec_ok("0.000000001", 1, 9, 11);
	dec_ok("1.000000000000000000000", 1, 0, 23);
	dec_bad("1.", SL_DEC_NO_FRACTION);
	dec_bad("1.x", SL_DEC_NO_FRACTION);
	dec_bad(".5", SL_DEC_NONE);
	dec_bad("x", SL_DEC_NONE);
	dec_bad("", SL_DEC_NONE);
	dec_bad("18446744073709551616", SL_DEC_TOO_LARGE);
	dec_bad("1844674407370955161.6", SL_DEC_TOO_LARGE);
	dec_bad("0.0000000001", SL_DEC_TOO_PRECISE);
	memset(big, '9', 400);
	big[400] = '\0';
	dec_bad(big, SL_DEC_TOO_LARGE);

	sl_out_init(&o, out, sizeof(out));
	sl_out_dec(&o, (sl_dec_t){ 105, 2 });
	sl_out_str(&o, " ");
	sl_out_dec(&o, (sl_dec_t){ 7, 3 });
	sl_out_str(&o, " ");
	sl_out_dec(&o, (sl_dec_t){ 42, 0 });
	assert_string_equal(out, "1.05 0.007 42");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sat_arith),
		cmocka_unit_test(test_muldiv),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_decimal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
