/*
 * Evaluation: bind compiled rules to one node (host() lookups, which
 * allocate inside libslurm), then evaluate jobs' facts against the bound
 * rules without allocating: exact integer arithmetic, saturating, and an
 * explanation built with the bounded appender of size.c.
 */
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "rules.h"
#include "size.h"

sl_bound_t *sl_rules_bind(const sl_rules_t *r, const char *node)
{
	sl_bound_t *b;
	size_t i;

	/* Rules from an image (image.h) have no host sets: bound once. */
	if (!r || (r->nhosts && !r->hosts))
		return NULL;
	b = calloc(1, sizeof(*b) + r->nhosts * sizeof(b->host_match[0]));
	if (!b)
		return NULL;
	b->rules = r;
	for (i = 0; i < r->nhosts; i++)
		b->host_match[i] = node && sl_hostset_contains(r->hosts[i], node);
	return b;
}

void sl_bound_free(sl_bound_t *b)
{
	if (b)
		free(b->ids);
	free(b);
}

int sl_bound_resolve_ids(sl_bound_t *b, sl_name_resolver_t resolve,
			 void *ctx)
{
	const struct sl_rules *r;

	if (!b || !resolve)
		return -1;
	r = b->rules;
	free(b->ids);
	b->ids = NULL;
	if (r->nids == 0)
		return 0;
	b->ids = calloc(r->nids, sizeof(*b->ids));
	if (!b->ids)
		return -1;
	for (size_t i = 0; i < r->nterms; i++)
		for (size_t j = 0; j < r->terms[i].nconds; j++) {
			const struct sl_cond *c = &r->terms[i].conds[j];

			if (c->kind != SL_COND_USER && c->kind != SL_COND_GROUP)
				continue;
			for (size_t k = 0; k < c->nnames; k++) {
				struct sl_id *e = &b->ids[c->id_base + k];
				uint32_t id = 0;
				int rc = resolve(ctx, c->kind == SL_COND_GROUP,
						 c->names[k], &id);

				e->state = rc > 0 ? 1 : rc == 0 ? 0 : -1;
				e->id = id;
			}
		}
	return 0;
}

/* user()/group() by id: yes when a resolved name has one of the ids;
 * cannot tell when a name's lookup failed; else no. */
static int ids_match(const sl_bound_t *b, const struct sl_cond *c,
		     const uint32_t *ids, size_t nids)
{
	bool failed = false;

	for (size_t k = 0; k < c->nnames; k++) {
		const struct sl_id *e = &b->ids[c->id_base + k];

		if (e->state < 0)
			failed = true;
		if (e->state != 1)
			continue;
		for (size_t i = 0; i < nids; i++)
			if (ids[i] == e->id)
				return 1;
	}
	return failed ? -1 : 0;
}

const sl_rules_t *sl_bound_rules(const sl_bound_t *b)
{
	return b ? b->rules : NULL;
}

static bool listed(const struct sl_cond *c, const char *name)
{
	size_t i;

	if (!name)
		return false;
	for (i = 0; i < c->nnames; i++)
		if (strcmp(c->names[i], name) == 0)
			return true;
	return false;
}

/* A condition's answer: no, yes, or cannot tell (a fact it needs is
 * unknown). */
enum tri { T_NO = 0, T_YES, T_UNKNOWN };

static enum tri known(bool matched, bool unknown)
{
	if (matched)
		return T_YES;
	return unknown ? T_UNKNOWN : T_NO;
}

static enum tri cond_matches(const sl_bound_t *b, const struct sl_cond *c,
			     const sl_facts_t *f)
{
	size_t i;

	switch (c->kind) {
	case SL_COND_DEFAULT:
		return T_YES;
	case SL_COND_HOST:
		return b->host_match[c->host_index] ? T_YES : T_NO;
	case SL_COND_PARTITION:
		return known(listed(c, f->partition), f->partition_unknown);
	case SL_COND_USER:
		if (f->ids && b->ids) {
			int m = ids_match(b, c, &f->uid, 1);
			return m > 0 ? T_YES : m < 0 ? T_UNKNOWN : T_NO;
		}
		return known(listed(c, f->user), f->user_unknown);
	case SL_COND_ACCOUNT:
		return known(listed(c, f->account), f->account_unknown);
	case SL_COND_GROUP:
		if (f->ids && b->ids) {
			int m = ids_match(b, c, f->gids, f->gids ? f->ngids : 0);
			return m > 0 ? T_YES : m < 0 ? T_UNKNOWN : T_NO;
		}
		/* A group we know of decides "yes"; "no" only when every
		 * group of the user is known. */
		for (i = 0; f->groups && i < f->ngroups; i++)
			if (listed(c, f->groups[i]))
				return T_YES;
		return f->groups_unknown ? T_UNKNOWN : T_NO;
	}
	return T_NO;
}

static const char *cond_fact(enum sl_cond_kind k)
{
	switch (k) {
	case SL_COND_PARTITION: return "partition";
	case SL_COND_USER:      return "user name";
	case SL_COND_GROUP:     return "groups";
	case SL_COND_ACCOUNT:   return "account";
	default:                return "?";
	}
}

/* The base of a percent: the node's swap or the job's RAM limit. */
static uint64_t pct_base(const struct sl_amount *a, const sl_facts_t *f)
{
	return a->kind == SL_AMOUNT_PCT_MEM ? f->mem_bytes : f->node_swap_bytes;
}

/* floor(amount x count) in bytes, saturated. A percent of an unlimited
 * RAM limit is unlimited (unless the percent is 0); the node's swap is
 * always a finite size (2^64-1 bytes included). */
static uint64_t amount_bytes(const struct sl_amount *a, const sl_facts_t *f,
			     uint64_t count, bool *sat)
{
	uint64_t base;

	if (a->kind == SL_AMOUNT_SIZE)
		return sl_muldiv_sat((unsigned __int128)a->dec.mant * a->unit->bytes,
				     count, sl_pow10(a->dec.scale), sat);
	base = pct_base(a, f);
	if (a->kind == SL_AMOUNT_PCT_MEM && base == UINT64_MAX &&
	    a->dec.mant && count) {
		*sat = true;
		return UINT64_MAX;
	}
	return sl_muldiv_sat((unsigned __int128)a->dec.mant * base, count,
			     100 * sl_pow10(a->dec.scale), sat);
}

/* "1.5% of node swap 64GiB", "10% of RAM limit 4GiB", or "250MiB". */
static void out_amount(sl_out_t *o, const struct sl_amount *a,
		       const sl_facts_t *f)
{
	sl_out_dec(o, a->dec);
	if (a->kind == SL_AMOUNT_SIZE) {
		sl_out_str(o, a->unit->name);
		return;
	}
	if (a->kind == SL_AMOUNT_PCT_MEM) {
		sl_out_str(o, "% of RAM limit ");
		sl_out_size(o, f->mem_bytes);
	} else {
		sl_out_str(o, "% of node swap ");
		sl_out_size_finite(o, f->node_swap_bytes);
	}
}

static void out_result(sl_out_t *o, uint64_t bytes, bool sat)
{
	if (sat && bytes == UINT64_MAX)
		sl_out_str(o, "unlimited (saturated)");
	else
		sl_out_size_finite(o, bytes);
}

/* A prop's value: "250MiB", or "5% of node swap 64GiB = 3435973836B (~3.20GiB)". */
static void out_prop(sl_out_t *o, const struct sl_amount *a,
		     const sl_facts_t *f, uint64_t bytes, bool sat)
{
	out_amount(o, a, f);
	if (a->kind != SL_AMOUNT_SIZE) {
		sl_out_str(o, " = ");
		out_result(o, bytes, sat);
	}
}

/* Which fact a share term lacks, or NULL: the node's figure, or (for
 * /memshare) a RAM limit at all. */
/* The term needs a fact that is unknown: "term N cannot be decided: ..." */
static void undecidable(sl_out_t *o, sl_result_t *out, const char *missing)
{
	out->outcome = SL_UNDECIDABLE;
	out->swap_bytes = 0;
	if (out->term) {
		sl_out_str(o, "term ");
		sl_out_u64(o, out->term);
		sl_out_str(o, " cannot be decided: ");
	}
	sl_out_str(o, missing);
}

static const char *share_missing(const struct sl_term *t, const sl_facts_t *f)
{
	if (t->per == SL_PER_MEMSHARE) {
		if (!f->node_mem_bytes)
			return "the node's RAM size is unknown (needed by /memshare)";
		if (f->mem_bytes == SL_UNLIMITED_BYTES)
			return "there is no RAM limit (/memshare needs one)";
	} else if (!f->node_cpus) {
		return "the node's CPU count is unknown (needed by /cpushare)";
	}
	return NULL;
}

/* amount x share n/d (n <= d), exactly, rounded down once. */
static uint64_t share_bytes(const struct sl_amount *a, const sl_facts_t *f,
			    uint64_t n, uint64_t d, bool *sat)
{
	if (a->kind == SL_AMOUNT_SIZE)
		return sl_share_sat((unsigned __int128)a->dec.mant * a->unit->bytes,
				    sl_pow10(a->dec.scale), n, d, sat);
	/* the parser allows only % of the node's swap here, never %mem */
	return sl_share_sat((unsigned __int128)a->dec.mant * f->node_swap_bytes,
			    100 * sl_pow10(a->dec.scale), n, d, sat);
}

/* " x RAM share 8GiB/256GiB" or " x CPU share 4/64 cpus", the job's figure
 * as given (a share above 1 says it was capped). */
static void out_share(sl_out_t *o, const struct sl_term *t, const sl_facts_t *f,
		      bool capped)
{
	if (t->per == SL_PER_MEMSHARE) {
		sl_out_str(o, " x RAM share ");
		sl_out_size_finite(o, f->mem_bytes);
		sl_out_str(o, "/");
		sl_out_size_finite(o, f->node_mem_bytes);
	} else {
		sl_out_str(o, " x CPU share ");
		sl_out_u64(o, f->cpus);
		sl_out_str(o, "/");
		sl_out_u64(o, f->node_cpus);
		sl_out_str(o, " cpus");
	}
	if (capped)
		sl_out_str(o, " (capped at 1)");
}

void sl_term_limit(const struct sl_term *t, const sl_facts_t *f,
		   sl_result_t *out, sl_limit_by_t *by)
{
	sl_limit_by_t dummy;
	static const char *const per_one[] = { "", " task", " cpu" };
	static const char *const per_many[] = { "", " tasks", " cpus" };
	uint64_t count = 1, total, v, cap;
	bool sat = false, s2 = false;
	sl_out_t o;

	if (!by)
		by = &dummy;
	*by = SL_BY_AMOUNT;
	sl_out_init(&o, out->why, sizeof(out->why));
	if (t->none) {
		out->outcome = SL_UNLIMITED;
		out->swap_bytes = UINT64_MAX;
		sl_out_str(&o, "none: no swap limit");
		return;
	}
	if (t->gres) {
		if (f->gres_unknown) {
			undecidable(&o, out, "the job's swap GRES on this node "
					     "is unknown (needed by gres)");
			return;
		}
		total = f->gres_bytes;
		sl_out_str(&o, "the job's swap GRES on this node ");
		sl_out_size(&o, total);
	} else if (t->per == SL_PER_MEMSHARE || t->per == SL_PER_CPUSHARE) {
		const char *missing = share_missing(t, f);
		uint64_t n, d;
		bool capped;

		if (missing) {
			undecidable(&o, out, missing);
			return;
		}
		n = t->per == SL_PER_MEMSHARE ? f->mem_bytes : f->cpus;
		d = t->per == SL_PER_MEMSHARE ? f->node_mem_bytes : f->node_cpus;
		capped = n > d;
		total = share_bytes(&t->amount, f, capped ? d : n, d, &sat);
		out_amount(&o, &t->amount, f);
		out_share(&o, t, f, capped);
		sl_out_str(&o, " = ");
		out_result(&o, total, sat);
	} else {
		if (t->per == SL_PER_TASK)
			count = f->tasks;
		else if (t->per == SL_PER_CPU)
			count = f->cpus;
		total = amount_bytes(&t->amount, f, count, &sat);

		if (t->amount.kind == SL_AMOUNT_SIZE && t->per == SL_PER_NODE) {
			out_result(&o, total, sat);
		} else {
			out_amount(&o, &t->amount, f);
			if (t->per != SL_PER_NODE) {
				sl_out_str(&o, " x ");
				sl_out_u64(&o, count);
				sl_out_str(&o, count == 1 ? per_one[t->per]
							  : per_many[t->per]);
			}
			sl_out_str(&o, " = ");
			out_result(&o, total, sat);
		}
	}

	if (t->has_min) {
		v = amount_bytes(&t->min_swap, f, 1, &s2);
		if (total < v) {
			total = v;
			*by = SL_BY_MIN_SWAP;
			sl_out_str(&o, ", raised to min_swap ");
			out_prop(&o, &t->min_swap, f, v, s2);
		}
	}

	/* A finite allowance never exceeds the node's swap. */
	cap = f->node_swap_bytes;
	v = cap;
	if (t->has_max)
		v = amount_bytes(&t->max_swap, f, 1, &s2);
	if (total > cap || total > v) {
		sl_out_str(&o, ", capped at ");
		*by = SL_BY_NODE_SWAP;
		if (t->has_max && v < cap) {
			cap = v;
			*by = SL_BY_MAX_SWAP;
			sl_out_str(&o, "max_swap ");
			out_prop(&o, &t->max_swap, f, v, s2);
		} else if (t->has_max) {
			sl_out_str(&o, "the node's swap ");
			sl_out_size_finite(&o, cap);
		} else {
			sl_out_str(&o, "max_swap ");
			sl_out_size_finite(&o, cap);
			sl_out_str(&o, " (the node's swap)");
		}
		total = cap;
	}
	out->outcome = SL_LIMITED;
	out->swap_bytes = total;
}

void sl_eval(const sl_bound_t *b, const sl_facts_t *f, sl_result_t *out)
{
	const struct sl_rules *r;
	size_t i, j;

	out->outcome = SL_NO_MATCH;
	out->term = 0;
	out->swap_bytes = 0;
	out->why[0] = '\0';
	if (!b || !f) {
		strcpy(out->why, "no rules");
		return;
	}
	r = b->rules;
	for (i = 0; i < r->nterms; i++) {
		const struct sl_term *t = &r->terms[i];
		const struct sl_cond *unknown = NULL;
		bool no = false;

		/* A term is out when any condition is decidedly false; it is
		 * undecidable when none is false but one cannot be told. */
		for (j = 0; j < t->nconds && !no; j++) {
			enum tri m = cond_matches(b, &t->conds[j], f);

			if (m == T_NO)
				no = true;
			else if (m == T_UNKNOWN && !unknown)
				unknown = &t->conds[j];
		}
		if (no)
			continue;
		out->term = i + 1;
		if (unknown) {
			sl_out_t o;

			out->outcome = SL_UNDECIDABLE;
			sl_out_init(&o, out->why, sizeof(out->why));
			sl_out_str(&o, "term ");
			sl_out_u64(&o, i + 1);
			sl_out_str(&o, " cannot be decided: the job's ");
			sl_out_str(&o, cond_fact(unknown->kind));
			sl_out_str(&o, unknown->kind == SL_COND_GROUP
					       ? " are not all known"
					       : " is unknown");
			return;
		}
		sl_term_limit(t, f, out, NULL);
		return;
	}
	strcpy(out->why, "no term matched: the swap limit Slurm sets stays");
}

unsigned sl_rules_uses(const sl_rules_t *r)
{
	unsigned u = 0;

	for (size_t i = 0; r && i < r->nterms; i++) {
		if (r->terms[i].gres)
			u |= SL_USES_GRES;
		if (!r->terms[i].none && r->terms[i].per == SL_PER_MEMSHARE)
			u |= SL_USES_NODE_MEM;
		if (!r->terms[i].none && r->terms[i].per == SL_PER_CPUSHARE)
			u |= SL_USES_NODE_CPUS;
		for (size_t j = 0; j < r->terms[i].nconds; j++)
			switch (r->terms[i].conds[j].kind) {
			case SL_COND_USER:      u |= SL_USES_USER; break;
			case SL_COND_GROUP:     u |= SL_USES_GROUP; break;
			case SL_COND_PARTITION: u |= SL_USES_PARTITION; break;
			case SL_COND_ACCOUNT:   u |= SL_USES_ACCOUNT; break;
			default: break;
			}
	}
	return u;
}

const char *sl_result_term_text(const sl_bound_t *b, const sl_result_t *res)
{
	if (!b || !res || res->term == 0 || res->term > b->rules->nterms)
		return NULL;
	return b->rules->terms[res->term - 1].text;
}
