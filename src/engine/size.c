/*
 * Byte sizes and exact decimals: Slurm's units (powers of 1024), saturating
 * arithmetic, and formatting. Nothing here allocates: sl_eval() formats its
 * explanations with these functions.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine_impl.h"
#include "size.h"

#define KIB ((uint64_t)1 << 10)
#define MIB ((uint64_t)1 << 20)
#define GIB ((uint64_t)1 << 30)
#define TIB ((uint64_t)1 << 40)
#define PIB ((uint64_t)1 << 50)

static const sl_unit_t units[] = {
	{ "B", 1 }, { "KiB", KIB }, { "MiB", MIB }, { "GiB", GIB },
	{ "TiB", TIB }, { "PiB", PIB },
};

uint64_t sl_sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t sl_sat_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

uint64_t sl_sat_mul(uint64_t a, uint64_t b)
{
	unsigned __int128 p = (unsigned __int128)a * b;

	return p > UINT64_MAX ? UINT64_MAX : (uint64_t)p;
}

uint64_t sl_pow10(unsigned n)
{
	uint64_t p = 1;

	while (n--)
		p *= 10;
	return p;
}

uint64_t sl_muldiv_sat(unsigned __int128 num, uint64_t count, uint64_t den,
		       bool *saturated)
{
	unsigned __int128 q = num / den, r = num % den, t;

	*saturated = false;
	if (count == 0)
		return 0;
	if (q > UINT64_MAX) {
		*saturated = true;
		return UINT64_MAX;
	}
	/* q, r, count and den all fit 64 bits, so neither product (nor the
	 * sum, see below 2^128) can overflow 128 bits. */
	t = q * count + r * count / den;
	if (t > UINT64_MAX) {
		*saturated = true;
		return UINT64_MAX;
	}
	return (uint64_t)t;
}

/*
 * With P = num, Q = numden: P/Q = q + r/Q, and q*n = a*d + b, so
 * P*n/(Q*d) = a + (b*Q + r*n)/(Q*d), whose second part is below 2
 * (b < d, r < Q, n <= d). Every product stays below 2^128.
 */
uint64_t sl_share_sat(unsigned __int128 num, uint64_t numden, uint64_t n,
		      uint64_t d, bool *saturated)
{
	unsigned __int128 q = num / numden, r = num % numden, qm, t, a, b;

	*saturated = false;
	if (n == 0)
		return 0;
	qm = q % d;
	t = qm * n;
	a = q / d * n + t / d;
	b = t % d;
	a += (b * numden + r * n) / ((unsigned __int128)numden * d);
	if (a > UINT64_MAX) {
		*saturated = true;
		return UINT64_MAX;
	}
	return (uint64_t)a;
}

enum sl_dec_status sl_dec_parse(const char *s, size_t len, size_t *used,
				sl_dec_t *out)
{
	size_t i = 0, frac_start, frac_end, last_nz;
	uint64_t ip = 0, fp = 0;
	bool too_large = false;
	unsigned scale, k;

	out->mant = 0;
	out->scale = 0;
	if (i >= len || s[i] < '0' || s[i] > '9') {
		*used = 0;
		return SL_DEC_NONE;
	}
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (ip > (UINT64_MAX - d) / 10)
			too_large = true;
		else
			ip = ip * 10 + d;
	}
	if (i + 1 >= len || s[i] != '.' || s[i + 1] < '0' || s[i + 1] > '9') {
		if (i < len && s[i] == '.') {
			*used = i + 1;
			return SL_DEC_NO_FRACTION;
		}
		*used = i;
		if (too_large)
			return SL_DEC_TOO_LARGE;
		out->mant = ip;
		return SL_DEC_OK;
	}
	frac_start = ++i;
	last_nz = frac_start;   /* one past the last non-zero decimal */
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		if (s[i] != '0')
			last_nz = i + 1;
	frac_end = last_nz;
	*used = i;
	if (too_large)
		return SL_DEC_TOO_LARGE;
	if (frac_end - frac_start > SL_DEC_MAX_SCALE)
		return SL_DEC_TOO_PRECISE;
	scale = (unsigned)(frac_end - frac_start);
	for (k = 0; k < scale; k++)
		fp = fp * 10 + (uint64_t)(s[frac_start + k] - '0');
	if (ip > (UINT64_MAX - fp) / sl_pow10(scale))
		return SL_DEC_TOO_LARGE;
	out->mant = ip * sl_pow10(scale) + fp;
	out->scale = scale;
	return SL_DEC_OK;
}

const sl_unit_t *sl_unit_lookup(const char *word, size_t len, bool *ambiguous,
				const char **hint)
{
	static const char *const hints[] = {
		"KiB or K", "MiB or M", "GiB or G", "TiB or T", "PiB or P",
	};
	static const char letters[] = "KMGTP";
	size_t i;

	*ambiguous = false;
	*hint = NULL;
	if (len == 1 && (word[0] == 'b' || word[0] == 'B'))
		return &units[0];
	for (i = 0; i < 5; i++) {
		if (word[0] != letters[i] && word[0] != letters[i] + ('a' - 'A'))
			continue;
		if (len == 1)
			return &units[i + 1];
		if (len == 3 && strncasecmp(word + 1, "iB", 2) == 0)
			return &units[i + 1];
		if (len == 2 && (word[1] == 'b' || word[1] == 'B')) {
			*ambiguous = true;
			*hint = hints[i];
		}
		return NULL;
	}
	return NULL;
}

/* ---- the bounded appender ---- */

void sl_out_init(sl_out_t *o, char *buf, size_t size)
{
	o->buf = buf;
	o->size = size;
	o->len = 0;
	if (size)
		buf[0] = '\0';
}

void sl_out_mem(sl_out_t *o, const char *s, size_t n)
{
	if (o->size && o->len < o->size - 1) {
		size_t room = o->size - 1 - o->len;
		size_t k = n < room ? n : room;

		memcpy(o->buf + o->len, s, k);
		o->buf[o->len + k] = '\0';
	}
	o->len += n;
}

void sl_out_str(sl_out_t *o, const char *s)
{
	sl_out_mem(o, s, strlen(s));
}

void sl_out_u64(sl_out_t *o, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sl_out_mem(o, tmp + sizeof(tmp) - n, n);
}

/* Integer part, then exactly `scale` decimals (with leading zeros). */
static void out_fixed(sl_out_t *o, uint64_t mant, unsigned scale)
{
	uint64_t p = sl_pow10(scale), frac;
	char tmp[20];
	unsigned k;

	sl_out_u64(o, mant / p);
	if (!scale)
		return;
	frac = mant % p;
	for (k = scale; k > 0; k--) {
		tmp[k - 1] = (char)('0' + frac % 10);
		frac /= 10;
	}
	sl_out_mem(o, ".", 1);
	sl_out_mem(o, tmp, scale);
}

void sl_out_dec(sl_out_t *o, sl_dec_t d)
{
	out_fixed(o, d.mant, d.scale);
}

/*
 * Sizes: "unlimited" for UINT64_MAX; the largest unit in which the value
 * is exact with at most two decimals ("250MiB", "1.5GiB", "1.25GiB");
 * otherwise the exact bytes and an approximation rounded to the nearest
 * hundredth ("1374389534B (~1.28GiB)"). Bytes below 1KiB: "1000B".
 */
void sl_out_size(sl_out_t *o, uint64_t bytes)
{
	if (bytes == UINT64_MAX) {
		sl_out_str(o, "unlimited");
		return;
	}
	sl_out_size_finite(o, bytes);
}

/* 2^64-1 is a legal size too (a node's swap, a result): shown exactly. */
void sl_out_size_finite(sl_out_t *o, uint64_t bytes)
{
	size_t i;

	for (i = sizeof(units) / sizeof(units[0]); i-- > 1;) {
		unsigned __int128 h = (unsigned __int128)bytes * 100;
		uint64_t hund;

		if (bytes < units[i].bytes || h % units[i].bytes)
			continue;
		hund = (uint64_t)(h / units[i].bytes);
		if (hund % 100 == 0)
			out_fixed(o, hund / 100, 0);
		else if (hund % 10 == 0)
			out_fixed(o, hund / 10, 1);
		else
			out_fixed(o, hund, 2);
		sl_out_str(o, units[i].name);
		return;
	}
	sl_out_u64(o, bytes);
	sl_out_mem(o, "B", 1);
	if (bytes < KIB)
		return;
	for (i = sizeof(units) / sizeof(units[0]); i-- > 1;) {
		uint64_t u = units[i].bytes, hund;

		if (bytes < u)
			continue;
		/* round half up to hundredths */
		hund = (uint64_t)(((unsigned __int128)bytes * 100 + u / 2) / u);
		if (hund >= 102400 && i + 1 < sizeof(units) / sizeof(units[0])) {
			hund = 100;
			i++;
		}
		sl_out_str(o, " (~");
		out_fixed(o, hund, 2);
		sl_out_str(o, units[i].name);
		sl_out_mem(o, ")", 1);
		return;
	}
}

/* A formatter of sl_out_t, into a caller's buffer. */
static char *format_into(void (*put)(sl_out_t *, uint64_t), uint64_t bytes,
			 char *buf, size_t size)
{
	sl_out_t o;

	if (!buf || !size)
		return buf;
	sl_out_init(&o, buf, size);
	put(&o, bytes);
	return buf;
}

char *sl_size_format(uint64_t bytes, char *buf, size_t size)
{
	return format_into(sl_out_size, bytes, buf, size);
}

char *sl_size_format_finite(uint64_t bytes, char *buf, size_t size)
{
	return format_into(sl_out_size_finite, bytes, buf, size);
}

int sl_size_parse(const char *s, uint64_t *bytes)
{
	size_t len, used;
	sl_dec_t d;
	const sl_unit_t *u;
	const char *hint;
	bool amb, sat;
	uint64_t v;

	if (!s)
		return -1;
	if (strcasecmp(s, "unlimited") == 0) {
		*bytes = UINT64_MAX;
		return 0;
	}
	len = strlen(s);
	if (sl_dec_parse(s, len, &used, &d) != SL_DEC_OK)
		return -1;
	if (used == len)     /* a bare number is MiB, as for --mem */
		u = sl_unit_lookup("MiB", 3, &amb, &hint);
	else
		u = sl_unit_lookup(s + used, len - used, &amb, &hint);
	if (!u)
		return -1;
	v = sl_muldiv_sat((unsigned __int128)d.mant * u->bytes, 1,
			  sl_pow10(d.scale), &sat);
	if (sat)
		return -1;
	*bytes = v;
	return 0;
}

int sl_size_parse_explain(const char *s, uint64_t *bytes, char *why,
			  size_t whylen)
{
	size_t len, used;
	sl_dec_t d;
	const sl_unit_t *u;
	const char *hint = NULL;
	bool amb = false, sat = false;
	enum sl_dec_status st;
	uint64_t v;

	if (why && whylen)
		why[0] = '\0';
	if (!s || !*s) {
		if (why && whylen)
			snprintf(why, whylen, "a value is needed");
		return -1;
	}
	len = strlen(s);
	st = sl_dec_parse(s, len, &used, &d);
	if (st != SL_DEC_OK) {
		if (why && whylen)
			snprintf(why, whylen, "%s",
				 st == SL_DEC_NONE ? "not a size (it must start with a digit)"
				 : st == SL_DEC_NO_FRACTION ? "a digit is needed after '.'"
				 : st == SL_DEC_TOO_PRECISE ? "more than 9 decimals"
							    : "too large");
		return -1;
	}
	if (used == len)
		u = sl_unit_lookup("MiB", 3, &amb, &hint);
	else
		u = sl_unit_lookup(s + used, len - used, &amb, &hint);
	if (!u) {
		if (why && whylen) {
			char shown[16];
			size_t i, n = 0;

			for (i = used; s[i] && n + 1 < sizeof(shown) && n < 8; i++)
				shown[n++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
			shown[n] = '\0';
			if (amb)
				snprintf(why, whylen, "ambiguous unit '%s' (use %s: "
					 "units are powers of 1024 as in Slurm)",
					 shown, hint);
			else
				snprintf(why, whylen, "unknown unit '%s' (expected "
					 SL_UNIT_LIST ")", shown);
		}
		return -1;
	}
	v = sl_muldiv_sat((unsigned __int128)d.mant * u->bytes, 1,
			  sl_pow10(d.scale), &sat);
	if (sat) {
		if (why && whylen)
			snprintf(why, whylen, "too large (more than 2^64-1 bytes)");
		return -1;
	}
	*bytes = v;
	return 0;
}
