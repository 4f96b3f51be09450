/*
 * sl_image_build() / sl_image_load(): see image.h.
 *
 * Layout (native byte order: an image is made and read on one node by one
 * build; SL_IMAGE_FORMAT and the caller's key tell builds apart):
 *   "SWLIMG\n" 0, u32 format, u64 key, str node,
 *   u32 nterms, u32 nhosts, u32 nids,
 *   per term: u32 nconds, u8 has_min, has_max, none, gres, catch_all, per,
 *             amount min_swap, max_swap, amount, str text,
 *             per condition: u8 kind, u32 host_index, u32 id_base,
 *                            u32 nnames, str names...
 *   amount: u8 kind, u64 mant, u32 scale, str unit ("" for none),
 *   u8 host_match[nhosts], "END\n".
 *   str: u32 length, the bytes (no NUL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "image.h"

static const char magic[8] = "SWLIMG\n";
static const char trailer[4] = { 'E', 'N', 'D', '\n' };

uint64_t sl_hash64(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- writing ---- */

typedef struct {
	unsigned char *p;
	size_t len, cap;
	bool oom;
} wbuf_t;

static void put(wbuf_t *w, const void *data, size_t n)
{
	if (w->oom)
		return;
	if (w->cap - w->len < n) {
		size_t cap = w->cap ? w->cap : 1024;
		unsigned char *np;

		while (cap - w->len < n) {
			if (cap > SIZE_MAX / 2) {
				w->oom = true;
				return;
			}
			cap *= 2;
		}
		np = realloc(w->p, cap);
		if (!np) {
			w->oom = true;
			return;
		}
		w->p = np;
		w->cap = cap;
	}
	memcpy(w->p + w->len, data, n);
	w->len += n;
}

static void put_u8(wbuf_t *w, unsigned v)
{
	unsigned char b = (unsigned char)v;

	put(w, &b, 1);
}

static void put_u32(wbuf_t *w, size_t v)
{
	uint32_t x = (uint32_t)v;

	if (v > UINT32_MAX)
		w->oom = true;          /* not representable: give up */
	put(w, &x, sizeof(x));
}

static void put_u64(wbuf_t *w, uint64_t v)
{
	put(w, &v, sizeof(v));
}

static void put_str(wbuf_t *w, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	put_u32(w, n);
	put(w, s, n);
}

static void put_amount(wbuf_t *w, const struct sl_amount *a)
{
	put_u8(w, (unsigned)a->kind);
	put_u64(w, a->dec.mant);
	put_u32(w, a->dec.scale);
	put_str(w, a->unit ? a->unit->name : "");
}

int sl_image_build(const sl_bound_t *b, const char *node, uint64_t key,
		   unsigned char **out, size_t *outlen)
{
	const struct sl_rules *r;
	wbuf_t w = { 0 };

	*out = NULL;
	*outlen = 0;
	if (!b || !node)
		return -1;
	r = b->rules;
	put(&w, magic, sizeof(magic));
	put_u32(&w, SL_IMAGE_FORMAT);
	put_u64(&w, key);
	put_str(&w, node);
	put_u32(&w, r->nterms);
	put_u32(&w, r->nhosts);
	put_u32(&w, r->nids);
	for (size_t i = 0; i < r->nterms; i++) {
		const struct sl_term *t = &r->terms[i];

		put_u32(&w, t->nconds);
		put_u8(&w, t->has_min);
		put_u8(&w, t->has_max);
		put_u8(&w, t->none);
		put_u8(&w, t->gres);
		put_u8(&w, t->catch_all);
		put_u8(&w, (unsigned)t->per);
		put_amount(&w, &t->min_swap);
		put_amount(&w, &t->max_swap);
		put_amount(&w, &t->amount);
		put_str(&w, t->text);
		for (size_t j = 0; j < t->nconds; j++) {
			const struct sl_cond *c = &t->conds[j];

			put_u8(&w, (unsigned)c->kind);
			put_u32(&w, c->host_index);
			put_u32(&w, c->id_base);
			put_u32(&w, c->nnames);
			for (size_t k = 0; k < c->nnames; k++)
				put_str(&w, c->names[k]);
		}
	}
	for (size_t i = 0; i < r->nhosts; i++)
		put_u8(&w, b->host_match[i]);
	put(&w, trailer, sizeof(trailer));
	if (w.oom) {
		free(w.p);
		return -1;
	}
	*out = w.p;
	*outlen = w.len;
	return 0;
}

/* ---- reading ---- */

typedef struct {
	const unsigned char *p;
	size_t left;
	const char *bad;         /* the first problem, or NULL */
} rbuf_t;

static bool take(rbuf_t *rb, void *dst, size_t n, const char *what)
{
	if (rb->bad)
		return false;
	if (rb->left < n) {
		rb->bad = what;
		return false;
	}
	memcpy(dst, rb->p, n);
	rb->p += n;
	rb->left -= n;
	return true;
}

static unsigned get_u8(rbuf_t *rb, const char *what)
{
	unsigned char v = 0;

	take(rb, &v, 1, what);
	return v;
}

static uint32_t get_u32(rbuf_t *rb, const char *what)
{
	uint32_t v = 0;

	take(rb, &v, sizeof(v), what);
	return v;
}

static uint64_t get_u64(rbuf_t *rb, const char *what)
{
	uint64_t v = 0;

	take(rb, &v, sizeof(v), what);
	return v;
}

/* A string of the image: a pointer into it and its length (no copy). */
static bool get_str(rbuf_t *rb, const char **s, size_t *n, const char *what)
{
	uint32_t len = get_u32(rb, what);

	if (rb->bad)
		return false;
	if (len > rb->left || memchr(rb->p, '\0', len)) {
		rb->bad = what;
		return false;
	}
	*s = (const char *)rb->p;
	*n = len;
	rb->p += len;
	rb->left -= len;
	return true;
}

static char *get_dup(rbuf_t *rb, const char *what)
{
	const char *s;
	size_t n;
	char *d;

	if (!get_str(rb, &s, &n, what))
		return NULL;
	d = malloc(n + 1);
	if (!d) {
		rb->bad = "out of memory";
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* A count of items of at least `min_size` bytes each that the rest of the
 * image can hold: refuses counts that would make huge allocations. */
static size_t get_count(rbuf_t *rb, size_t min_size, const char *what)
{
	uint32_t n = get_u32(rb, what);

	if (!rb->bad && min_size && n > rb->left / min_size)
		rb->bad = what;
	return rb->bad ? 0 : n;
}

static void get_amount(rbuf_t *rb, struct sl_amount *a, const char *what)
{
	const char *unit;
	size_t n;
	bool ambiguous = false;
	const char *hint = NULL;

	a->kind = (enum sl_amount_kind)get_u8(rb, what);
	a->dec.mant = get_u64(rb, what);
	a->dec.scale = get_u32(rb, what);
	if (!get_str(rb, &unit, &n, what))
		return;
	if (a->kind > SL_AMOUNT_PCT_MEM || a->dec.scale > SL_DEC_MAX_SCALE) {
		rb->bad = what;
		return;
	}
	a->unit = NULL;
	if (n == 0)
		return;
	/* Units live in the engine's table: the name finds the entry. */
	a->unit = sl_unit_lookup(unit, n, &ambiguous, &hint);
	if (!a->unit || ambiguous || strlen(a->unit->name) != n ||
	    memcmp(a->unit->name, unit, n) != 0)
		rb->bad = what;
}

/* As the parser makes amounts: a percent has no unit; a size that is
 * used has one (the evaluator multiplies by it; "0" compiles to 0B). */
static bool amount_ok(const struct sl_amount *a, bool used)
{
	if (a->kind != SL_AMOUNT_SIZE)
		return a->unit == NULL;
	return !used || a->unit != NULL;
}

/* Smallest encodings, for get_count(). */
#define MIN_AMOUNT (1 + 8 + 4 + 4)
#define MIN_TERM (4 + 6 + 3 * MIN_AMOUNT + 4)
#define MIN_COND (1 + 4 + 4 + 4)

static bool load_cond(rbuf_t *rb, struct sl_cond *c, size_t nhosts,
		      size_t *ids_seen)
{
	size_t nnames;

	c->kind = (enum sl_cond_kind)get_u8(rb, "condition kind");
	c->host_index = get_u32(rb, "condition");
	c->id_base = get_u32(rb, "condition");
	nnames = get_count(rb, 4, "condition names");
	if (rb->bad)
		return false;
	if (c->kind > SL_COND_ACCOUNT ||
	    (c->kind == SL_COND_HOST && c->host_index >= nhosts)) {
		rb->bad = "condition kind or host index";
		return false;
	}
	/* default() and host() hold no names; the others at least one. */
	if ((c->kind == SL_COND_DEFAULT || c->kind == SL_COND_HOST) !=
	    (nnames == 0)) {
		rb->bad = "condition names";
		return false;
	}
	if (c->kind == SL_COND_USER || c->kind == SL_COND_GROUP) {
		/* ids are numbered in order over the rule set (parse.c) */
		if (c->id_base != *ids_seen) {
			rb->bad = "user/group id numbering";
			return false;
		}
		*ids_seen += nnames;
	}
	if (nnames) {
		c->names = calloc(nnames, sizeof(*c->names));
		if (!c->names) {
			rb->bad = "out of memory";
			return false;
		}
		c->nnames = nnames;     /* from here on, sl_rules_free frees */
	}
	for (size_t k = 0; k < c->nnames; k++)
		if (!(c->names[k] = get_dup(rb, "condition name")))
			return false;
	return true;
}

static bool load_term(rbuf_t *rb, struct sl_term *t, size_t nhosts,
		      size_t *ids_seen)
{
	unsigned per;
	size_t nconds;
	bool all_default = true;

	nconds = get_count(rb, MIN_COND, "term conditions");
	t->has_min = get_u8(rb, "term") != 0;
	t->has_max = get_u8(rb, "term") != 0;
	t->none = get_u8(rb, "term") != 0;
	t->gres = get_u8(rb, "term") != 0;
	t->catch_all = get_u8(rb, "term") != 0;
	per = get_u8(rb, "term");
	get_amount(rb, &t->min_swap, "min_swap");
	get_amount(rb, &t->max_swap, "max_swap");
	get_amount(rb, &t->amount, "amount");
	t->text = get_dup(rb, "term text");
	if (rb->bad)
		return false;
	if (per > SL_PER_CPUSHARE || nconds == 0) {
		rb->bad = "term form";
		return false;
	}
	t->per = (enum sl_per)per;
	/* What the evaluator takes as given, as parse.c makes it. */
	if (!amount_ok(&t->amount, !t->none && !t->gres) ||
	    !amount_ok(&t->min_swap, t->has_min) ||
	    !amount_ok(&t->max_swap, t->has_max) || (t->none && t->gres) ||
	    /* parse.c refuses %mem with a share form */
	    (!t->none && !t->gres && t->amount.kind == SL_AMOUNT_PCT_MEM &&
	     (t->per == SL_PER_MEMSHARE || t->per == SL_PER_CPUSHARE))) {
		rb->bad = "term amount";
		return false;
	}
	t->conds = calloc(nconds, sizeof(*t->conds));
	if (!t->conds) {
		rb->bad = "out of memory";
		return false;
	}
	t->nconds = nconds;
	for (size_t j = 0; j < t->nconds; j++) {
		if (!load_cond(rb, &t->conds[j], nhosts, ids_seen)) {
			t->nconds = j + 1;      /* what sl_rules_free frees */
			return false;
		}
		if (t->conds[j].kind != SL_COND_DEFAULT)
			all_default = false;
	}
	if (t->catch_all != all_default) {
		rb->bad = "term catch_all";
		return false;
	}
	return true;
}

static void set_why(char *why, size_t whylen, const char *a, const char *b)
{
	if (why && whylen)
		snprintf(why, whylen, "%s%s", a, b ? b : "");
}

sl_bound_t *sl_image_load(const unsigned char *buf, size_t len,
			  const char *node, uint64_t key, sl_rules_t **rules,
			  char *why, size_t whylen)
{
	rbuf_t rb = { .p = buf, .left = len, .bad = NULL };
	struct sl_rules *r = NULL;
	sl_bound_t *b = NULL;
	char m[sizeof(magic)], end[sizeof(trailer)];
	const char *inode;
	size_t inlen, nhosts, ids_seen = 0;

	*rules = NULL;
	if (!buf || !node) {
		set_why(why, whylen, "no image", NULL);
		return NULL;
	}
	if (!take(&rb, m, sizeof(m), "header") ||
	    memcmp(m, magic, sizeof(m)) != 0) {
		set_why(why, whylen, "not a swaplimit rules image", NULL);
		return NULL;
	}
	if (get_u32(&rb, "header") != SL_IMAGE_FORMAT) {
		set_why(why, whylen, "another image format", NULL);
		return NULL;
	}
	if (get_u64(&rb, "header") != key) {
		set_why(why, whylen, "made from other rules", NULL);
		return NULL;
	}
	if (!get_str(&rb, &inode, &inlen, "node") || inlen != strlen(node) ||
	    memcmp(inode, node, inlen) != 0) {
		set_why(why, whylen, "made for another node", NULL);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		set_why(why, whylen, "out of memory", NULL);
		return NULL;
	}
	r->nterms = get_count(&rb, MIN_TERM, "term count");
	nhosts = get_count(&rb, 1, "host count");
	r->nids = get_u32(&rb, "id count");
	if (!rb.bad && r->nterms == 0)
		rb.bad = "term count";
	if (!rb.bad) {
		r->terms = calloc(r->nterms, sizeof(*r->terms));
		if (!r->terms)
			rb.bad = "out of memory";
	}
	for (size_t i = 0; !rb.bad && i < r->nterms; i++)
		if (!load_term(&rb, &r->terms[i], nhosts, &ids_seen))
			r->nterms = i + 1;
	if (!rb.bad && ids_seen != r->nids)
		rb.bad = "id count";
	if (!rb.bad) {
		b = calloc(1, sizeof(*b) + nhosts * sizeof(b->host_match[0]));
		if (!b)
			rb.bad = "out of memory";
	}
	for (size_t i = 0; !rb.bad && i < nhosts; i++) {
		unsigned v = get_u8(&rb, "host matches");

		if (v > 1)
			rb.bad = "host matches";
		b->host_match[i] = v == 1;
	}
	if (!rb.bad && (!take(&rb, end, sizeof(end), "trailer") ||
			memcmp(end, trailer, sizeof(end)) != 0 || rb.left != 0))
		rb.bad = "trailer";
	if (rb.bad) {
		set_why(why, whylen, "inconsistent image: ", rb.bad);
		free(b);
		if (!r->terms)
			r->nterms = 0;
		sl_rules_free(r);
		return NULL;
	}
	/* The hosts were resolved for this node when the image was made:
	 * their sets are not needed (nor made) again. */
	r->nhosts = nhosts;
	r->hosts = NULL;
	b->rules = r;
	*rules = r;
	return b;
}
