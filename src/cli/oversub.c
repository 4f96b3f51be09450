/*
 * The oversubscription model of swaplimit check (oversub.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oversub.h"
#include "size.h"

/* Beyond this many jobs at the cap, the search strides (and says the
 * figure is not exact). */
#define SEARCH_MAX 200000u

typedef struct {
	const sl_rules_t *rules;
	size_t term;
	const sl_ov_node_t *node;
	sl_facts_t facts;
} ctx_t;

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* One job's grant: c CPUs (tasks as many), a RAM limit of m bytes. */
static uint64_t grant(ctx_t *x, uint64_t c, uint64_t m, sl_limit_by_t *by,
		      char *why)
{
	sl_result_t res;

	x->facts.cpus = c;
	x->facts.tasks = c;
	x->facts.mem_bytes = m;
	sl_rules_term_eval(x->rules, x->term, &x->facts, &res, by);
	if (why)
		memcpy(why, res.why, sizeof(res.why));
	/* a node figure is always known here: LIMITED */
	return res.outcome == SL_LIMITED ? res.swap_bytes : 0;
}

static void group(sl_ov_result_t *o, uint64_t jobs, uint64_t cpus,
		  uint64_t mem, uint64_t g, sl_limit_by_t by)
{
	sl_ov_group_t *gr;

	if (!jobs || o->ngroups >= 3)
		return;
	gr = &o->groups[o->ngroups++];
	gr->jobs = jobs;
	gr->cpus = cpus;
	gr->mem_bytes = mem;
	gr->grant = g;
	gr->by = by;
}

/* C x O jobs of 1 CPU each (RAM irrelevant, 1 MiB given): exact for
 * forms without a RAM figure, since a job's grant per CPU never grows
 * with its CPUs (clamp(a x c)/c is non-increasing). */
static void per_cpu_jobs(ctx_t *x, uint64_t slots, uint64_t u,
			 sl_ov_result_t *o)
{
	sl_limit_by_t by;
	uint64_t g = grant(x, 1, u, &by, NULL);

	o->worst = sl_sat_mul(slots, g);
	group(o, slots, 1, 0, g, by);
}

/*
 * RAM-proportional grants (%mem, /memshare): g(m) non-decreasing, flat at
 * min_swap, then linear, then flat at the cap hi. Best: k jobs holding
 * just enough RAM for hi (m2), as many as the slots allow of 1 MiB, one
 * of them taking what RAM is left; searched over k. Also an equal split.
 */
static void per_ram_jobs(ctx_t *x, uint64_t slots, uint64_t u,
			 sl_ov_result_t *o)
{
	uint64_t M = x->node->mem_bytes, hi, lo, m2, lo_m, hi_m, kmax, step;
	uint64_t jm = min_u64(slots, M / u);
	sl_limit_by_t by_hi, by_lo, by;
	uint64_t best = 0, bk = 0, br = 0, brest = 0, bg = 0;
	bool have = false, equal_best = false;
	uint64_t eq_m, eq_g;
	sl_limit_by_t eq_by, b_by = SL_BY_AMOUNT;

	if (jm == 0)
		jm = 1;
	hi = grant(x, 1, M, &by_hi, NULL);
	lo = grant(x, 1, u, &by_lo, NULL);
	/* the least RAM that reaches hi */
	lo_m = u;
	hi_m = M;
	while (lo_m < hi_m) {
		uint64_t mid = lo_m + (hi_m - lo_m) / 2;

		if (grant(x, 1, mid, NULL, NULL) >= hi)
			hi_m = mid;
		else
			lo_m = mid + 1;
	}
	m2 = lo_m;
	kmax = min_u64(jm, M / m2);
	step = kmax / SEARCH_MAX + 1;
	if (step > 1)
		o->exact = false;
	for (uint64_t k = 0; k <= kmax; k += step) {
		uint64_t R = M - k * m2, r = min_u64(jm - k, R / u);
		uint64_t total = sl_sat_mul(k, hi), rest = 0, g = 0;

		if (r) {
			rest = R - (r - 1) * u;
			g = grant(x, 1, rest, &by, NULL);
			total = sl_sat_add(total, sl_sat_mul(r - 1, lo));
			total = sl_sat_add(total, g);
		}
		/* ties: the fewest jobs */
		if (!have || total > best ||
		    (total == best && k + r < bk + br)) {
			have = true;
			best = total;
			bk = k;
			br = r;
			brest = rest;
			bg = g;
			b_by = by;
		}
	}
	eq_m = M / jm;
	eq_g = grant(x, 1, eq_m, &eq_by, NULL);
	if (sl_sat_mul(jm, eq_g) > best) {
		best = sl_sat_mul(jm, eq_g);
		equal_best = true;
	}
	o->worst = best;
	if (equal_best) {
		group(o, jm, 1, eq_m, eq_g, eq_by);
		return;
	}
	group(o, bk, 1, m2, hi, by_hi);
	if (br) {
		group(o, br - 1, 1, u, lo, by_lo);
		group(o, 1, 1, brest, bg, b_by);
	}
}

/* Per-CPU and RAM figures at once (%mem/cpu, a %mem cap on /cpu): an
 * upper bound, every job at the largest grant one job can get. */
static void upper_bound(ctx_t *x, uint64_t slots, sl_ov_result_t *o)
{
	sl_limit_by_t by;
	uint64_t g = grant(x, x->node->cpus, x->node->mem_bytes, &by, NULL);

	o->exact = false;
	o->upper_bound = true;
	o->worst = sl_sat_mul(slots, g);
	group(o, slots, x->node->cpus, x->node->mem_bytes, g, by);
}

static const char *size_str(uint64_t v, char *buf)
{
	return sl_size_format_finite(v, buf, SL_SIZE_BUF);
}

/* Append to buf (truncating, always terminated). */
__attribute__((format(printf, 4, 5)))
static void add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*len + 1 >= cap)
		return;
	va_start(ap, fmt);
	w = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (w > 0)
		*len = (size_t)w < cap - *len ? *len + (size_t)w : cap - 1;
}

static void describe(const sl_ov_node_t *n, sl_ov_result_t *o)
{
	static const char *const by_word[] = {
		[SL_BY_AMOUNT] = "", [SL_BY_MIN_SWAP] = "min_swap ",
		[SL_BY_MAX_SWAP] = "max_swap ", [SL_BY_NODE_SWAP] = "the node's swap ",
	};
	char b1[SL_SIZE_BUF], b2[SL_SIZE_BUF];
	size_t len = 0;

#define ADD(...) add(o->text, sizeof(o->text), &len, __VA_ARGS__)

	if (o->upper_bound)
		ADD("at most ");
	for (unsigned i = 0; i < o->ngroups; i++) {
		const sl_ov_group_t *g = &o->groups[i];

		ADD("%s%llu job%s of %llu CPU%s", i ? " + " : "",
		    (unsigned long long)g->jobs, g->jobs == 1 ? "" : "s",
		    (unsigned long long)g->cpus, g->cpus == 1 ? "" : "s");
		if (g->mem_bytes)
			ADD(" and %s RAM", size_str(g->mem_bytes, b1));
	}
	if (!o->ngroups)
		ADD("no job");
	ADD(": ");
	for (unsigned i = 0; i < o->ngroups; i++) {
		const sl_ov_group_t *g = &o->groups[i];

		ADD("%s%llu x %s%s", i ? " + " : "", (unsigned long long)g->jobs,
		    by_word[g->by], size_str(g->grant, b1));
	}
	if (!o->ngroups)
		ADD("0B");
	ADD(" = %s %s swap %s", size_str(o->worst, b1),
	    o->worst > n->swap_bytes ? ">" : "<=", size_str(n->swap_bytes, b2));
	if (n->swap_bytes)
		ADD(" (x%llu.%02llu)", (unsigned long long)(o->factor_x100 / 100),
		    (unsigned long long)(o->factor_x100 % 100));
#undef ADD
}

void sl_ov_term(const sl_rules_t *r, size_t i, const sl_ov_node_t *n,
		sl_ov_result_t *o)
{
	sl_term_info_t info;
	uint64_t slots, u;
	bool ram, cpu;
	ctx_t x;

	memset(o, 0, sizeof(*o));
	o->exact = true;
	if (!sl_rules_term_info(r, i, &info) || info.form == SL_FORM_NONE) {
		o->status = SL_OV_UNLIMITED;
		o->worst = SL_UNLIMITED_BYTES;
		snprintf(o->text, sizeof(o->text), "none: no swap limit (not counted)");
		return;
	}
	if (info.form == SL_FORM_GRES) {
		/* Slurm itself never schedules more of a GRES on a node than
		 * its Gres= count: the promise is that count, which must not
		 * exceed the node's swap (min_swap could add to it). */
		o->status = SL_OV_UNLIMITED;
		o->worst = SL_UNLIMITED_BYTES;
		snprintf(o->text, sizeof(o->text),
			 "gres: the swap GRES Slurm scheduled for each job (at most "
			 "the node's Gres= count in all; keep it <= the node's swap)%s",
			 info.has_min ? "; min_swap can add to it" : "");
		return;
	}
	memset(&x, 0, sizeof(x));
	x.rules = r;
	x.term = i;
	x.node = n;
	x.facts.node_swap_bytes = n->swap_bytes;
	x.facts.node_mem_bytes = n->mem_bytes ? n->mem_bytes : 1;
	x.facts.node_cpus = n->cpus ? n->cpus : 1;
	slots = sl_sat_mul(n->cpus ? n->cpus : 1,
			   n->oversubscribe ? n->oversubscribe : 1);
	u = min_u64(SL_OV_MIN_RAM, x.facts.node_mem_bytes);

	ram = info.amount_pct_mem || info.props_pct_mem ||
	      info.form == SL_FORM_MEMSHARE;
	cpu = info.form == SL_FORM_CPU || info.form == SL_FORM_TASK ||
	      info.form == SL_FORM_CPUSHARE;
	if (!ram)
		per_cpu_jobs(&x, slots, u, o);
	else if (!cpu)
		per_ram_jobs(&x, slots, u, o);
	else
		upper_bound(&x, slots, o);
	if (info.props_pct_mem)
		o->exact = false;
	if (o->ngroups)
		grant(&x, o->groups[0].cpus,
		      o->groups[0].mem_bytes ? o->groups[0].mem_bytes : u, NULL,
		      o->job_why);
	o->status = o->worst > n->swap_bytes ? SL_OV_OVER : SL_OV_FITS;
	if (n->swap_bytes) {
		unsigned __int128 f = ((unsigned __int128)o->worst * 100 +
				       n->swap_bytes / 2) / n->swap_bytes;

		o->factor_x100 = f > UINT64_MAX ? UINT64_MAX : (uint64_t)f;
	}
	describe(n, o);
}
