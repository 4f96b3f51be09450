/*
 * Rule language: scanner and recursive-descent parser, producing the
 * compiled form of engine_impl.h with each term's normalised text and the
 * static warnings.
 *
 *   rules     := term { ',' term }
 *   term      := condition { '&' condition } [ '{' prop { ',' prop } '}' ]
 *                '=' limit
 *   condition := host(HOSTLIST) | partition(NAMES) | user(NAMES)
 *              | group(NAMES) | account(NAMES) | default()
 *   limit     := none | gres | amount [ '/' ( task | cpu | node | memshare
 *                                           | cpushare ) ]
 *   amount    := SIZE | NUMBER '%' | NUMBER '%mem'
 *   prop      := ( min_swap | max_swap ) '=' amount
 *
 * The language is small and context dependent (a comma separates terms at
 * the top level but belongs to the argument inside parentheses), so the
 * scanner is a set of helpers driven by the parser rather than a separate
 * token stream. Each rule of the grammar is one function, called in a loop
 * (the grammar has no nesting): no input can exhaust the stack.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine_impl.h"
#include "hostmatch.h"
#include "rules.h"
#include "size.h"

struct sbuf {
	char *p;
	size_t len, cap;
};

struct parser {
	const char *s;
	size_t len, pos;
	bool comments;
	sl_error_t *err;
	struct sl_rules *rules;
	struct sbuf text;        /* normalised text of the current term */
	struct sbuf host;        /* a host expression being collected */
	size_t hosts_cap;
};

static const char *const cond_names[] = {
	[SL_COND_DEFAULT] = "default",
	[SL_COND_HOST] = "host",
	[SL_COND_PARTITION] = "partition",
	[SL_COND_USER] = "user",
	[SL_COND_GROUP] = "group",
	[SL_COND_ACCOUNT] = "account",
};

#define COND_LIST "host, partition, user, group, account or default"
#define LIMIT_HELP "none, gres, a size such as 50MiB, or a percent such as 1% or 1%mem"

/* ---- errors ---- */

static void position(const char *s, size_t pos, unsigned *line, unsigned *col)
{
	size_t i, bol = 0;
	unsigned l = 1;

	for (i = 0; i < pos; i++) {
		if (s[i] == '\n') {
			l++;
			bol = i + 1;
		}
	}
	*line = l;
	*col = (unsigned)(pos - bol + 1);
}

__attribute__((format(printf, 3, 4)))
static bool fail(struct parser *p, size_t at, const char *fmt, ...)
{
	va_list ap;

	position(p->s, at, &p->err->line, &p->err->col);
	va_start(ap, fmt);
	vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
	return false;
}

static bool fail_oom(struct parser *p)
{
	return fail(p, p->pos, "out of memory");
}

/* Quote n bytes for a message: 'text', non-printing bytes as \xNN, long
 * text shortened with "...". */
static const char *quote(char *buf, size_t size, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	buf[o++] = '\'';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o + 8 >= size) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c >= 0x7f) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return buf;
}

#define QBUF 48

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_word(int c)
{
	return is_alpha(c) || is_digit(c) || c == '_';
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static int peek(const struct parser *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static size_t word_len(const struct parser *p, size_t at)
{
	size_t n = 0;

	while (at + n < p->len && is_word((unsigned char)p->s[at + n]))
		n++;
	return n;
}

/* What stands at `at`, for "found X": a word, one character, or the end. */
static const char *found(const struct parser *p, size_t at, char *buf,
			 size_t size)
{
	size_t n;

	if (at >= p->len)
		return "end of rules";
	if (p->s[at] == '\n')
		return "end of line";
	n = word_len(p, at);
	return quote(buf, size, p->s + at, n ? n : 1);
}

/* A stray closing bracket reads better as "unbalanced" than "unexpected". */
static bool fail_unexpected(struct parser *p, const char *expected)
{
	static const char closers[] = ")]}", openers[] = "([{";
	const char *c;
	char q[QBUF];

	if (p->pos < p->len && (c = strchr(closers, p->s[p->pos])) && *c)
		return fail(p, p->pos, "unbalanced '%c' (no '%c' before it to close)",
			    *c, openers[c - closers]);
	return fail(p, p->pos, "unexpected %s (expected %s)",
		    found(p, p->pos, q, sizeof(q)), expected);
}

/* ---- growable buffers ---- */

static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *n;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > ((size_t)-1 / 2) / elem)
			return false;
		ncap *= 2;
	}
	n = realloc(*arr, ncap * elem);
	if (!n)
		return false;
	*arr = n;
	*cap = ncap;
	return true;
}

static bool sb_add(struct sbuf *b, const char *s, size_t n)
{
	void *v = b->p;

	if (!grow(&v, &b->cap, b->len + n + 1, 1))
		return false;
	b->p = v;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return true;
}

static bool sb_str(struct sbuf *b, const char *s)
{
	return sb_add(b, s, strlen(s));
}

static char *dup_mem(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* ---- scanner ---- */

/* Skip whitespace, and '#' comments when they are allowed. */
static bool skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		int c = (unsigned char)p->s[p->pos];

		if (is_space(c)) {
			p->pos++;
		} else if (c == '#') {
			if (!p->comments)
				return fail(p, p->pos,
					    "unexpected '#': comments are allowed only in a rules file, not in rules=");
			while (p->pos < p->len && p->s[p->pos] != '\n')
				p->pos++;
		} else {
			break;
		}
	}
	return true;
}

/* A keyword at pos, compared case-insensitively. */
static bool word_is(const struct parser *p, size_t at, size_t n, const char *kw)
{
	return strlen(kw) == n && strncasecmp(p->s + at, kw, n) == 0;
}

/* Bytes that may form a partition, user, group or account name. */
static bool is_name_byte(int c)
{
	return c > 0x20 && c != 0x7f && !strchr("(),[]{}=&#", c);
}

static bool is_host_byte(int c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_';
}

/* ---- amounts ---- */

static bool out_amount(struct sbuf *b, const struct sl_amount *a)
{
	char tmp[64];
	sl_out_t o;

	sl_out_init(&o, tmp, sizeof(tmp));
	sl_out_dec(&o, a->dec);
	if (a->kind == SL_AMOUNT_SIZE)
		sl_out_str(&o, a->unit->name);
	else if (a->kind == SL_AMOUNT_PCT_SWAP)
		sl_out_str(&o, "%");
	else
		sl_out_str(&o, "%mem");
	return sb_str(b, tmp);
}

/* Bytes of a SIZE amount (validated to fit when parsed). */
static uint64_t size_bytes(const struct sl_amount *a)
{
	bool sat;

	return sl_muldiv_sat((unsigned __int128)a->dec.mant * a->unit->bytes, 1,
			     sl_pow10(a->dec.scale), &sat);
}

/*
 * SIZE | NUMBER '%' | NUMBER '%mem'. `what` names the place for "expected"
 * messages ("a limit", "a min_swap value").
 */
static bool parse_amount(struct parser *p, struct sl_amount *a,
			 const char *what)
{
	size_t start = p->pos, used, at;
	enum sl_dec_status st;
	char q[QBUF], q2[QBUF];
	bool amb, sat;
	const char *hint;

	st = sl_dec_parse(p->s + p->pos, p->len - p->pos, &used, &a->dec);
	switch (st) {
	case SL_DEC_OK:
		break;
	case SL_DEC_NONE:
		return fail(p, start, "expected %s (%s), found %s", what, LIMIT_HELP,
			    found(p, start, q, sizeof(q)));
	case SL_DEC_NO_FRACTION:
		return fail(p, start + used - 1,
			    "expected a digit after the decimal point in %s",
			    quote(q, sizeof(q), p->s + start, used));
	case SL_DEC_TOO_LARGE:
		return fail(p, start, "number too large: %s does not fit in 64 bits",
			    quote(q, sizeof(q), p->s + start, used));
	case SL_DEC_TOO_PRECISE:
		return fail(p, start, "too many decimal places in %s (at most %d)",
			    quote(q, sizeof(q), p->s + start, used),
			    SL_DEC_MAX_SCALE);
	}
	p->pos += used;

	if (peek(p) == '%') {
		at = p->pos++;
		a->kind = SL_AMOUNT_PCT_SWAP;
		if (is_word(peek(p))) {
			size_t n = word_len(p, p->pos);

			if (!word_is(p, p->pos, n, "mem"))
				return fail(p, at,
					    "unknown percent %s (expected %% of the node's swap or %%mem of the job's RAM limit)",
					    quote(q, sizeof(q), p->s + at, n + 1));
			a->kind = SL_AMOUNT_PCT_MEM;
			p->pos += n;
		}
		return true;
	}
	if (is_alpha(peek(p))) {
		size_t n = word_len(p, p->pos);

		at = p->pos;
		a->kind = SL_AMOUNT_SIZE;
		a->unit = sl_unit_lookup(p->s + at, n, &amb, &hint);
		if (!a->unit && amb)
			return fail(p, at,
				    "ambiguous unit %s (use %s: units are powers of 1024 as in Slurm)",
				    quote(q, sizeof(q), p->s + at, n), hint);
		if (!a->unit)
			return fail(p, at, "unknown unit %s (expected " SL_UNIT_LIST ")",
				    quote(q, sizeof(q), p->s + at, n));
		p->pos += n;
		sl_muldiv_sat((unsigned __int128)a->dec.mant * a->unit->bytes, 1,
			      sl_pow10(a->dec.scale), &sat);
		if (sat)
			return fail(p, start,
				    "number too large: %s is more than 2^64-1 bytes",
				    quote(q, sizeof(q), p->s + start, p->pos - start));
		return true;
	}

	/* "50 MiB": point at the space rather than call 50 a bare number */
	at = p->pos;
	while (at < p->len && (p->s[at] == ' ' || p->s[at] == '\t'))
		at++;
	if (at > p->pos && at < p->len) {
		size_t n = word_len(p, at);

		if (p->s[at] == '%' || (n && (sl_unit_lookup(p->s + at, n, &amb, &hint) || amb)))
			return fail(p, p->pos,
				    "unexpected space between %s and %s (write the unit right after the number)",
				    quote(q, sizeof(q), p->s + start, used),
				    quote(q2, sizeof(q2), p->s + at, n ? n : 1));
	}
	/* A bare number is MiB, as for Slurm's --mem (one size grammar for
	 * the rules, --swap and the command); a bare 0 is zero bytes. */
	a->kind = SL_AMOUNT_SIZE;
	a->unit = sl_unit_lookup(a->dec.mant ? "MiB" : "B", a->dec.mant ? 3 : 1,
				 &amb, &hint);
	sl_muldiv_sat((unsigned __int128)a->dec.mant * a->unit->bytes, 1,
		      sl_pow10(a->dec.scale), &sat);
	if (sat)
		return fail(p, start,
			    "number too large: %s MiB is more than 2^64-1 bytes",
			    quote(q, sizeof(q), p->s + start, used));
	return true;
}

/* ---- conditions ---- */

static bool add_name(struct sl_cond *c, size_t *cap, const char *s, size_t n)
{
	void *v = c->names;
	char *d;

	if (!grow(&v, cap, c->nnames + 1, sizeof(char *)))
		return false;
	c->names = v;
	d = dup_mem(s, n);
	if (!d)
		return false;
	c->names[c->nnames++] = d;
	return true;
}

/* NAMES := name { ',' name }, up to and including the ')'. */
static bool parse_names(struct parser *p, struct sl_cond *c, size_t open)
{
	const char *kw = cond_names[c->kind];
	size_t cap = 0, comma = 0, start;
	char q[QBUF];

	if (!skip_ws(p))
		return false;
	if (peek(p) == ')')
		return fail(p, p->pos, "%s() needs at least one name, e.g. %s(NAME)",
			    kw, kw);
	for (;;) {
		if (!skip_ws(p))
			return false;
		start = p->pos;
		while (p->pos < p->len && is_name_byte((unsigned char)p->s[p->pos]))
			p->pos++;
		if (p->pos == start) {
			if (p->pos >= p->len)
				return fail(p, open, "unclosed '(' of %s( (expected ')')", kw);
			if (peek(p) == ')')
				return fail(p, comma,
					    "trailing comma in %s() (expected a name after ',')", kw);
			if (peek(p) == ',')
				return fail(p, p->pos,
					    "empty name in %s() (expected a name before ',')", kw);
			return fail(p, p->pos,
				    "unexpected %s in %s() (expected a name)",
				    found(p, p->pos, q, sizeof(q)), kw);
		}
		if (!add_name(c, &cap, p->s + start, p->pos - start) ||
		    (c->nnames > 1 && !sb_add(&p->text, ",", 1)) ||
		    !sb_add(&p->text, p->s + start, p->pos - start))
			return fail_oom(p);
		if (!skip_ws(p))
			return false;
		if (peek(p) == ',') {
			comma = p->pos++;
			continue;
		}
		if (peek(p) == ')') {
			p->pos++;
			return true;
		}
		if (p->pos >= p->len)
			return fail(p, open, "unclosed '(' of %s( (expected ')')", kw);
		return fail(p, p->pos, "unexpected %s in %s() (expected ',' or ')')",
			    found(p, p->pos, q, sizeof(q)), kw);
	}
}

/*
 * HOSTLIST, up to and including the ')'. Commas inside and outside '[...]'
 * belong to the expression. Spaces may surround the commas; they are
 * dropped, since Slurm itself would read a space as a separator.
 */
static bool parse_host(struct parser *p, struct sl_cond *c, size_t open)
{
	struct sbuf *e = &p->host;
	size_t arg, bracket = 0, comma = 0;
	bool in_bracket = false, want_item = true, spaced = false;
	sl_hostset_t *set;
	char q[QBUF];
	const char *why;
	void *v;

	e->len = 0;
	if (!skip_ws(p))
		return false;
	if (peek(p) == ')')
		return fail(p, p->pos,
			    "host() needs a host expression, e.g. host(node[01-04])");
	arg = p->pos;
	for (;;) {
		int ch = peek(p);

		if (!in_bracket && (is_space(ch) || ch == '#')) {
			if (!skip_ws(p))
				return false;
			spaced = true;
			continue;
		}
		if (ch < 0) {
			if (in_bracket)
				return fail(p, bracket,
					    "unclosed '[' in host expression (expected ']')");
			return fail(p, open, "unclosed '(' of host( (expected ')')");
		}
		if (ch == ')') {
			if (in_bracket)
				return fail(p, bracket,
					    "unclosed '[' in host expression (expected ']' before ')')");
			if (want_item)
				return fail(p, comma,
					    "trailing comma in host() (expected a host after ',')");
			p->pos++;
			break;
		}
		if (ch == ',' && !in_bracket) {
			if (want_item)
				return fail(p, p->pos,
					    "empty host name in host() (expected a host before ',')");
			want_item = true;
			comma = p->pos;
		} else if (ch == '[') {
			if (in_bracket)
				return fail(p, p->pos,
					    "nested '[' in host expression (expected ']' first)");
			in_bracket = true;
			bracket = p->pos;
		} else if (ch == ']') {
			if (!in_bracket)
				return fail(p, p->pos,
					    "unbalanced ']' in host expression (no '[' before it)");
			in_bracket = false;
		} else if (is_space(ch)) {
			return fail(p, p->pos,
				    "unexpected space inside '[...]' of a host expression");
		} else if (is_host_byte(ch) || (in_bracket && ch == ',')) {
			if (spaced && !want_item)
				return fail(p, p->pos,
					    "unexpected space in host expression (separate hosts with ',')");
			want_item = false;
		} else {
			return fail(p, p->pos,
				    "unexpected %s in host expression (expected host names, '[', ']', ',' or ')')",
				    found(p, p->pos, q, sizeof(q)));
		}
		spaced = false;
		if (!sb_add(e, p->s + p->pos, 1))
			return fail_oom(p);
		p->pos++;
	}

	set = sl_hostset_create(e->p, &why);
	if (!set)
		return fail(p, arg,
			    "host expression %s refused: %s (expected e.g. node[01-04] or r[00,01]n[00-56])",
			    quote(q, sizeof(q), e->p, e->len), why);
	v = p->rules->hosts;
	if (!grow(&v, &p->hosts_cap, p->rules->nhosts + 1, sizeof(sl_hostset_t *))) {
		sl_hostset_destroy(set);
		return fail_oom(p);
	}
	p->rules->hosts = v;
	c->host_index = p->rules->nhosts;
	p->rules->hosts[p->rules->nhosts++] = set;
	if (!sb_add(&p->text, e->p, e->len))
		return fail_oom(p);
	return true;
}

static bool parse_condition(struct parser *p, struct sl_term *t, size_t *cap)
{
	size_t start, n, open, k;
	struct sl_cond *c;
	char q[QBUF];
	void *v;

	if (!skip_ws(p))
		return false;
	start = p->pos;
	n = word_len(p, start);
	if (!n || !is_alpha(peek(p))) {
		if (p->pos < p->len && strchr(")]}", p->s[p->pos]))
			return fail_unexpected(p, "a condition");
		return fail(p, start,
			    "expected a condition (" COND_LIST "()), found %s",
			    found(p, start, q, sizeof(q)));
	}
	for (k = 0; k < sizeof(cond_names) / sizeof(cond_names[0]); k++)
		if (word_is(p, start, n, cond_names[k]))
			break;
	if (k == sizeof(cond_names) / sizeof(cond_names[0]))
		return fail(p, start, "unknown condition %s (expected " COND_LIST ")",
			    quote(q, sizeof(q), p->s + start, n));
	p->pos += n;
	if (!skip_ws(p))
		return false;
	if (peek(p) != '(')
		return fail(p, p->pos, "expected '(' after '%s', found %s",
			    cond_names[k], found(p, p->pos, q, sizeof(q)));
	open = p->pos++;

	v = t->conds;
	if (!grow(&v, cap, t->nconds + 1, sizeof(*t->conds)))
		return fail_oom(p);
	t->conds = v;
	c = &t->conds[t->nconds++];
	memset(c, 0, sizeof(*c));
	c->kind = (enum sl_cond_kind)k;

	if ((t->nconds > 1 && !sb_add(&p->text, "&", 1)) ||
	    !sb_str(&p->text, cond_names[k]) || !sb_add(&p->text, "(", 1))
		return fail_oom(p);
	switch (c->kind) {
	case SL_COND_DEFAULT:
		if (!skip_ws(p))
			return false;
		if (p->pos >= p->len)
			return fail(p, open, "unclosed '(' of default( (expected ')')");
		if (peek(p) != ')')
			return fail(p, p->pos, "default() takes no argument, found %s",
				    found(p, p->pos, q, sizeof(q)));
		p->pos++;
		break;
	case SL_COND_HOST:
		if (!parse_host(p, c, open))
			return false;
		break;
	default:
		if (!parse_names(p, c, open))
			return false;
		break;
	}
	if (!sb_add(&p->text, ")", 1))
		return fail_oom(p);
	return true;
}

/* ---- props and limit ---- */

static bool parse_props(struct parser *p, struct sl_term *t)
{
	size_t open = p->pos++, start, n, at_min = 0, at_max = 0, comma;
	struct sl_amount *a;
	bool is_min;
	char q[QBUF];

	if (!sb_add(&p->text, "{", 1))
		return fail_oom(p);
	if (!skip_ws(p))
		return false;
	if (peek(p) == '}')
		return fail(p, p->pos,
			    "empty '{}' (expected min_swap=SIZE or max_swap=SIZE)");
	for (;;) {
		if (!skip_ws(p))
			return false;
		if (p->pos >= p->len)
			return fail(p, open, "unclosed '{' (expected '}')");
		start = p->pos;
		n = word_len(p, start);
		if (!n)
			return fail(p, start,
				    "expected min_swap or max_swap in '{...}', found %s",
				    found(p, start, q, sizeof(q)));
		if (word_is(p, start, n, "min_swap"))
			is_min = true;
		else if (word_is(p, start, n, "max_swap"))
			is_min = false;
		else
			return fail(p, start,
				    "unknown property %s (expected min_swap or max_swap)",
				    quote(q, sizeof(q), p->s + start, n));
		if (is_min ? t->has_min : t->has_max) {
			unsigned l, c;

			position(p->s, is_min ? at_min : at_max, &l, &c);
			return fail(p, start, "%s given twice (first at %u:%u)",
				    is_min ? "min_swap" : "max_swap", l, c);
		}
		p->pos += n;
		if (!skip_ws(p))
			return false;
		if (peek(p) != '=')
			return fail(p, p->pos, "expected '=' after '%s', found %s",
				    is_min ? "min_swap" : "max_swap",
				    found(p, p->pos, q, sizeof(q)));
		p->pos++;
		if (!skip_ws(p))
			return false;
		a = is_min ? &t->min_swap : &t->max_swap;
		if (!parse_amount(p, a, is_min ? "a min_swap value" : "a max_swap value"))
			return false;
		if (is_min) {
			t->has_min = true;
			at_min = start;
		} else {
			t->has_max = true;
			at_max = start;
		}
		if ((t->has_min + t->has_max == 2 && !sb_add(&p->text, ",", 1)) ||
		    !sb_str(&p->text, is_min ? "min_swap=" : "max_swap=") ||
		    !out_amount(&p->text, a))
			return fail_oom(p);
		if (!skip_ws(p))
			return false;
		if (peek(p) == ',') {
			comma = p->pos++;
			if (!skip_ws(p))
				return false;
			if (peek(p) == '}')
				return fail(p, comma,
					    "trailing comma in '{...}' (expected min_swap or max_swap after ',')");
			continue;
		}
		if (peek(p) == '}') {
			p->pos++;
			break;
		}
		if (p->pos >= p->len)
			return fail(p, open, "unclosed '{' (expected '}')");
		if (peek(p) == '/')
			return fail(p, p->pos,
				    "unexpected '/' after the %s value (min_swap and max_swap are for the job on the node; '/task' and '/cpu' apply only to the limit)",
				    is_min ? "min_swap" : "max_swap");
		return fail(p, p->pos,
			    "unexpected %s after the %s value (expected ',' or '}')",
			    found(p, p->pos, q, sizeof(q)),
			    is_min ? "min_swap" : "max_swap");
	}
	if (t->has_min && t->has_max && t->min_swap.kind == SL_AMOUNT_SIZE &&
	    t->max_swap.kind == SL_AMOUNT_SIZE &&
	    size_bytes(&t->min_swap) > size_bytes(&t->max_swap)) {
		char s1[SL_SIZE_BUF], s2[SL_SIZE_BUF];

		return fail(p, at_min, "min_swap %s is larger than max_swap %s",
			    sl_size_format(size_bytes(&t->min_swap), s1, sizeof(s1)),
			    sl_size_format(size_bytes(&t->max_swap), s2, sizeof(s2)));
	}
	return sb_add(&p->text, "}", 1) ? true : fail_oom(p);
}

#define PER_LIST "task, cpu, node, memshare or cpushare"

static bool parse_limit(struct parser *p, struct sl_term *t)
{
	static const char *const per_words[] = {
		[SL_PER_NODE] = "node", [SL_PER_TASK] = "task",
		[SL_PER_CPU] = "cpu", [SL_PER_MEMSHARE] = "memshare",
		[SL_PER_CPUSHARE] = "cpushare",
	};
	size_t start, n, k, amount_at;
	char q[QBUF];

	if (!skip_ws(p))
		return false;
	start = p->pos;
	n = word_len(p, start);
	/* The two word limits: a flag of the term, and no '/PER' after. */
	if (n && (word_is(p, start, n, "none") || word_is(p, start, n, "gres"))) {
		bool none = word_is(p, start, n, "none");

		p->pos += n;
		if (none)
			t->none = true;
		else
			t->gres = true;
		if (!sb_str(&p->text, none ? "none" : "gres"))
			return fail_oom(p);
		if (!skip_ws(p))
			return false;
		if (peek(p) == '/')
			return fail(p, p->pos, "%s",
				    none ? "'none' takes no '/task', '/cpu' or '/node' (it means no swap limit at all)"
					 : "'gres' takes no '/task', '/cpu' or '/node' (it is the swap GRES the job holds on the node, already a total)");
		return true;
	}
	if (p->pos >= p->len || !is_digit(peek(p)))
		return fail(p, start, "expected a limit after '=' (%s), found %s",
			    LIMIT_HELP, found(p, start, q, sizeof(q)));
	amount_at = p->pos;
	if (!parse_amount(p, &t->amount, "a limit"))
		return false;
	if (!out_amount(&p->text, &t->amount))
		return fail_oom(p);
	if (!skip_ws(p))
		return false;
	if (peek(p) != '/')
		return true;
	p->pos++;
	if (!skip_ws(p))
		return false;
	start = p->pos;
	n = word_len(p, start);
	if (!n)
		return fail(p, start, "expected " PER_LIST " after '/', found %s",
			    found(p, start, q, sizeof(q)));
	for (k = 0; k < sizeof(per_words) / sizeof(per_words[0]); k++)
		if (word_is(p, start, n, per_words[k]))
			break;
	if (k == sizeof(per_words) / sizeof(per_words[0]))
		return fail(p, start, "unknown per-word %s after '/' (expected " PER_LIST ")",
			    quote(q, sizeof(q), p->s + start, n));
	t->per = (enum sl_per)k;
	/* A share of the job's own RAM limit would not sum to anything the
	 * node has: a share form takes swap (a size or N% of it). */
	if ((t->per == SL_PER_MEMSHARE || t->per == SL_PER_CPUSHARE) &&
	    t->amount.kind == SL_AMOUNT_PCT_MEM)
		return fail(p, amount_at,
			    "%%mem cannot be used with /%s (a share form needs an amount of swap: a size such as 64GiB or a percent of the node's swap such as 100%%)",
			    per_words[k]);
	p->pos += n;
	/* "/node" is the default and is left out of the normalised text */
	if (t->per != SL_PER_NODE &&
	    (!sb_add(&p->text, "/", 1) || !sb_str(&p->text, per_words[k])))
		return fail_oom(p);
	return true;
}

static bool parse_term(struct parser *p, struct sl_term *t)
{
	size_t cap = 0, k;
	char q[QBUF];

	p->text.len = 0;
	for (;;) {
		if (!parse_condition(p, t, &cap) || !skip_ws(p))
			return false;
		if (peek(p) != '&')
			break;
		p->pos++;
	}
	if (peek(p) == '{') {
		if (!parse_props(p, t) || !skip_ws(p))
			return false;
	}
	if (peek(p) != '=') {
		if (p->pos < p->len && strchr(")]}", p->s[p->pos]))
			return fail_unexpected(p, "'='");
		return fail(p, p->pos,
			    "missing '=': expected '=' and a limit after the conditions, found %s",
			    found(p, p->pos, q, sizeof(q)));
	}
	p->pos++;
	if (!sb_add(&p->text, "=", 1))
		return fail_oom(p);
	if (!parse_limit(p, t))
		return false;
	t->catch_all = true;
	for (k = 0; k < t->nconds; k++)
		if (t->conds[k].kind != SL_COND_DEFAULT)
			t->catch_all = false;
	t->text = dup_mem(p->text.p, p->text.len);
	return t->text ? true : fail_oom(p);
}

/* ---- warnings ---- */

__attribute__((format(printf, 3, 4)))
static bool add_warning(struct sl_rules *r, size_t *cap, const char *fmt, ...)
{
	char buf[SL_MSG_MAX];
	va_list ap;
	void *v = r->warnings;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!grow(&v, cap, r->nwarnings + 1, sizeof(char *)))
		return false;
	r->warnings = v;
	if (!(r->warnings[r->nwarnings] = dup_mem(buf, strlen(buf))))
		return false;
	r->nwarnings++;
	return true;
}

/* Do two NAMES conditions share a name? */
static bool names_meet(const struct sl_cond *a, const struct sl_cond *b)
{
	for (size_t i = 0; i < a->nnames; i++)
		for (size_t j = 0; j < b->nnames; j++)
			if (strcmp(a->names[i], b->names[j]) == 0)
				return true;
	return false;
}

/* A job has one partition, one user, one account: two conditions on the
 * same one with no name in common can never both match. (group() is a
 * set, host() is checked by Slurm's own lists: not here.) Returns the
 * condition's keyword, or NULL. */
static const char *never_matches(const struct sl_term *t)
{
	for (size_t i = 0; i < t->nconds; i++)
		for (size_t j = i + 1; j < t->nconds; j++) {
			const struct sl_cond *a = &t->conds[i], *b = &t->conds[j];

			if (a->kind != b->kind || names_meet(a, b))
				continue;
			if (a->kind == SL_COND_PARTITION)
				return "partition";
			if (a->kind == SL_COND_USER)
				return "user";
			if (a->kind == SL_COND_ACCOUNT)
				return "account";
		}
	return NULL;
}

/* The first account() name of t with an upper-case letter, or NULL: Slurm
 * lowercases account names (sacctmgr, the job's credential), so such a
 * name never equals a job's account. */
static const char *upper_account(const struct sl_term *t)
{
	for (size_t i = 0; i < t->nconds; i++) {
		const struct sl_cond *c = &t->conds[i];

		if (c->kind != SL_COND_ACCOUNT)
			continue;
		for (size_t j = 0; j < c->nnames; j++)
			for (const char *q = c->names[j]; *q; q++)
				if (*q >= 'A' && *q <= 'Z')
					return c->names[j];
	}
	return NULL;
}

/* a < b for two exact decimals. */
static bool dec_less(sl_dec_t a, sl_dec_t b)
{
	unsigned s = a.scale > b.scale ? a.scale : b.scale;
	unsigned __int128 x = (unsigned __int128)a.mant * sl_pow10(s - a.scale);
	unsigned __int128 y = (unsigned __int128)b.mant * sl_pow10(s - b.scale);

	return x < y;
}

static bool make_warnings(struct sl_rules *r)
{
	size_t cap = 0, i, first = 0;
	bool have_all = false;

	for (i = 0; i < r->nterms; i++) {
		const struct sl_term *t = &r->terms[i];

		if (have_all && !add_warning(r, &cap,
				"term %zu can never match: term %zu default() matches every job before it",
				i + 1, first + 1))
			return false;
		if (t->none && (t->has_min || t->has_max) &&
		    !add_warning(r, &cap,
				 "term %zu: min_swap and max_swap are ignored with 'none' (no swap limit)",
				 i + 1))
			return false;
		{
			const char *kw = never_matches(t);

			if (kw && !add_warning(r, &cap,
					"term %zu can never match: a job has one %s, and its %s() conditions have no name in common",
					i + 1, kw, kw))
				return false;
		}
		{
			const char *acct = upper_account(t);
			char low[65];
			size_t k;

			for (k = 0; acct && acct[k] && k < sizeof(low) - 1; k++)
				low[k] = (acct[k] >= 'A' && acct[k] <= 'Z')
						 ? (char)(acct[k] - 'A' + 'a')
						 : acct[k];
			low[k] = '\0';
			if (acct && !add_warning(r, &cap,
					"term %zu: account(%.64s) never matches: Slurm stores account names in lower case; write account(%s)",
					i + 1, acct, low))
				return false;
		}
		if (!t->none && t->has_min && t->has_max &&
		    t->min_swap.kind == t->max_swap.kind &&
		    t->min_swap.kind != SL_AMOUNT_SIZE &&
		    dec_less(t->max_swap.dec, t->min_swap.dec) &&
		    !add_warning(r, &cap,
				 "term %zu: min_swap is above max_swap (both percentages of the %s): max_swap wins, min_swap never applies",
				 i + 1, t->min_swap.kind == SL_AMOUNT_PCT_MEM
						? "job's RAM limit" : "node's swap"))
			return false;
		if (t->catch_all && !have_all) {
			have_all = true;
			first = i;
		}
	}
	if (!have_all && !add_warning(r, &cap,
			"no default() term at the end: jobs that match no term keep the swap limit Slurm sets"))
		return false;
	return true;
}

/* ---- public ---- */

sl_rules_t *sl_rules_compile(const char *text, size_t len, const char *source,
			     bool allow_comments, sl_error_t *err)
{
	struct parser p = { 0 };
	sl_error_t dummy;
	size_t cap = 0, comma;
	const char *nul;
	void *v;
	char q[QBUF];

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	snprintf(err->source, sizeof(err->source), "%s", source ? source : "rules");
	if (!text)
		len = 0;
	p.s = text ? text : "";
	p.len = len;
	p.comments = allow_comments;
	p.err = err;

	nul = len ? memchr(p.s, '\0', len) : NULL;
	if (nul) {
		fail(&p, (size_t)(nul - p.s), "NUL byte in the rules (expected text)");
		return NULL;
	}
	p.rules = calloc(1, sizeof(*p.rules));
	if (!p.rules) {
		fail_oom(&p);
		return NULL;
	}
	if (!skip_ws(&p))
		goto bad;
	if (p.pos >= p.len) {
		fail(&p, p.pos, "no rules (expected at least one term, e.g. default()=1GiB)");
		goto bad;
	}
	for (;;) {
		struct sl_term *t;

		v = p.rules->terms;
		if (!grow(&v, &cap, p.rules->nterms + 1, sizeof(*t))) {
			fail_oom(&p);
			goto bad;
		}
		p.rules->terms = v;
		t = &p.rules->terms[p.rules->nterms++];
		memset(t, 0, sizeof(*t));
		if (!parse_term(&p, t) || !skip_ws(&p))
			goto bad;
		if (p.pos >= p.len)
			break;
		if (peek(&p) != ',') {
			if (strchr(")]}", p.s[p.pos]))
				fail_unexpected(&p, "',' or end of rules");
			else
				fail(&p, p.pos,
				     "unexpected %s after the limit (expected ',' and another term, or end of rules)",
				     found(&p, p.pos, q, sizeof(q)));
			goto bad;
		}
		comma = p.pos++;
		if (!skip_ws(&p))
			goto bad;
		if (p.pos >= p.len) {
			fail(&p, comma, "trailing comma at the end of the rules (expected another term after ',')");
			goto bad;
		}
	}
	/* user()/group() names, numbered for the bound's id table. */
	for (size_t ti = 0; ti < p.rules->nterms; ti++)
		for (size_t ci = 0; ci < p.rules->terms[ti].nconds; ci++) {
			struct sl_cond *c = &p.rules->terms[ti].conds[ci];

			if (c->kind == SL_COND_USER || c->kind == SL_COND_GROUP) {
				c->id_base = p.rules->nids;
				p.rules->nids += c->nnames;
			}
		}
	if (!make_warnings(p.rules)) {
		fail_oom(&p);
		goto bad;
	}
	free(p.text.p);
	free(p.host.p);
	return p.rules;
bad:
	free(p.text.p);
	free(p.host.p);
	sl_rules_free(p.rules);
	return NULL;
}

void sl_rules_free(sl_rules_t *r)
{
	size_t i, j, k;

	if (!r)
		return;
	for (i = 0; i < r->nterms; i++) {
		struct sl_term *t = &r->terms[i];

		for (j = 0; j < t->nconds; j++) {
			for (k = 0; k < t->conds[j].nnames; k++)
				free(t->conds[j].names[k]);
			free(t->conds[j].names);
		}
		free(t->conds);
		free(t->text);
	}
	free(r->terms);
	for (i = 0; r->hosts && i < r->nhosts; i++)   /* none: an image's */
		sl_hostset_destroy(r->hosts[i]);
	free(r->hosts);
	for (i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	free(r);
}

void sl_error_format(const sl_error_t *err, char *buf, size_t size)
{
	if (!buf || !size)
		return;
	if (!err) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, size, "%s:%u:%u: %s", err->source, err->line, err->col,
		 err->message);
}

size_t sl_rules_count(const sl_rules_t *r)
{
	return r ? r->nterms : 0;
}

const char *sl_rules_term_text(const sl_rules_t *r, size_t i)
{
	return r && i < r->nterms ? r->terms[i].text : NULL;
}

size_t sl_rules_warning_count(const sl_rules_t *r)
{
	return r ? r->nwarnings : 0;
}

const char *sl_rules_warning(const sl_rules_t *r, size_t i)
{
	return r && i < r->nwarnings ? r->warnings[i] : NULL;
}
