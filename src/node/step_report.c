/*
 * The end-of-step texts (step_report.h). Pure C: unit-tested by
 * tests/unit/test_swap_option.c, which includes this file.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "step_report.h"

#define MiB (1024ull * 1024ull)
/* How close to a limit counts as reaching it. */
#define SLACK MiB

typedef struct {
	char *buf;
	size_t size, len;
} out_t;

__attribute__((format(printf, 2, 3)))
static void add(out_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!o->size || o->len >= o->size - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= o->size - o->len)
		o->len = o->size - 1;      /* truncated, still terminated */
	else
		o->len += (size_t)n;
}

static void out_init(out_t *o, char *buf, size_t size)
{
	o->buf = buf;
	o->size = size;
	o->len = 0;
	if (size)
		buf[0] = '\0';
}

const char *sl_report_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB",
					     "PiB" };
	unsigned __int128 unit = 1024, h;
	size_t i = 0;
	uint64_t whole, frac;

	if (!buf || !size)
		return buf;
	if (bytes == UINT64_MAX) {
		snprintf(buf, size, "unlimited");
		return buf;
	}
	if (bytes < 1024) {
		snprintf(buf, size, "%" PRIu64 "B", bytes);
		return buf;
	}
	while (i + 1 < sizeof(units) / sizeof(units[0]) &&
	       bytes >= unit * 1024) {
		unit *= 1024;
		i++;
	}
	/* Hundredths of the unit, rounded to the nearest. */
	h = ((unsigned __int128)bytes * 100 + unit / 2) / unit;
	whole = (uint64_t)(h / 100);
	frac = (uint64_t)(h % 100);
	if (frac == 0)
		snprintf(buf, size, "%" PRIu64 "%s", whole, units[i]);
	else if (frac % 10 == 0)
		snprintf(buf, size, "%" PRIu64 ".%" PRIu64 "%s", whole,
			 frac / 10, units[i]);
	else
		snprintf(buf, size, "%" PRIu64 ".%02" PRIu64 "%s", whole, frac,
			 units[i]);
	return buf;
}

static bool unlimited(uint64_t b)
{
	return b == UINT64_MAX;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* The request lowered the step below the rules' grant. */
static bool request_lowered(const sl_report_in_t *in)
{
	return in->request_given && in->decided && !unlimited(in->request) &&
	       in->request < in->grant;
}

static bool oom_killed(const sl_report_in_t *in)
{
	return in->usage.oom_kills > 0;
}

/* The step used swap: at least SLACK of it. A few pages can be swapped
 * out of any cgroup under the machine's own memory pressure (seen on the
 * test cluster: 12KiB in a batch step that never came near its limit);
 * that is not worth a line in the user's output. */
static bool used_swap(const sl_cg_usage_t *u)
{
	return u->peak_swap >= SLACK || u->swap_now >= SLACK;
}

/* RAM used up: the peak came within SLACK of the limit. */
static bool ram_full(const sl_cg_usage_t *u)
{
	return !unlimited(u->ram_limit) &&
	       u->peak_ram + SLACK >= u->ram_limit;
}

/* A finite, non-zero swap allowance used up: the RAM+swap limit was hit,
 * or the peak came within SLACK of it (v1's peak swap is a lower bound;
 * reclaim gives up a little short of the limit). */
static bool swap_full(const sl_cg_usage_t *u)
{
	if (!u->have_swap_figures || unlimited(u->swap_limit) ||
	    u->swap_limit == 0)
		return false;
	return u->memsw_failcnt > 0 || u->peak_swap + SLACK >= u->swap_limit;
}

sl_end_verdict_t sl_report_verdict(const sl_report_in_t *in)
{
	const sl_cg_usage_t *u = &in->usage;

	if (!oom_killed(in))
		return used_swap(u) || in->report_wanted ? SL_END_USAGE
							 : SL_END_QUIET;
	if (ram_full(u) && swap_full(u))
		return SL_END_OOM_SWAP_FULL;
	/* The step's own limits were not reached: its job's (shared with
	 * the job's other steps on the node, e.g. the batch step) were. */
	if (in->have_job && ram_full(&in->job_usage) &&
	    swap_full(&in->job_usage))
		return SL_END_OOM_JOB_FULL;
	if (u->have_swap_figures && u->swap_limit == 0)
		return SL_END_OOM_NO_SWAP;
	return SL_END_OOM_SWAP_LEFT;
}

const char *sl_report_verdict_name(sl_end_verdict_t v)
{
	switch (v) {
	case SL_END_QUIET: return "no-swap-used";
	case SL_END_USAGE: return "swap-used";   /* or --swap-report */
	case SL_END_OOM_NO_SWAP: return "oom-ram-no-swap";
	case SL_END_OOM_SWAP_LEFT: return "oom-ram-swap-left";
	case SL_END_OOM_SWAP_FULL: return "oom-ram-and-swap";
	case SL_END_OOM_JOB_FULL: return "oom-job-ram-and-swap";
	}
	return "?";
}

/* "node1 step 123.0" */
static void add_who(out_t *o, const char *node, const char *job,
		    const char *step)
{
	add(o, "%s step %s.%s", node ? node : "?", job ? job : "?",
	    step ? step : "?");
}

/* "peak RAM 100MiB of 100MiB, peak swap 40MiB of 64MiB" ("Peak" when
 * it starts a sentence). */
static void add_figures(out_t *o, const sl_cg_usage_t *u, bool capital)
{
	char a[SL_REPORT_SIZE_BUF], b[SL_REPORT_SIZE_BUF];

	add(o, "%ceak RAM %s", capital ? 'P' : 'p',
	    sl_report_size(u->peak_ram, a, sizeof(a)));
	if (unlimited(u->ram_limit))
		add(o, " (no limit)");
	else
		add(o, " of %s", sl_report_size(u->ram_limit, b, sizeof(b)));
	if (!u->have_swap_figures) {
		add(o, ", peak swap unknown (no swap accounting)");
		return;
	}
	add(o, ", peak swap %s", sl_report_size(u->peak_swap, a, sizeof(a)));
	if (unlimited(u->swap_limit))
		add(o, " (no limit)");
	else
		add(o, " of %s", sl_report_size(u->swap_limit, b, sizeof(b)));
}

/* An example --mem for next time: half again what the step had, in
 * whole MiB rounded up ("--mem=150M"); empty when there was no limit. */
static void add_mem_example(out_t *o, uint64_t had)
{
	uint64_t mib;

	if (unlimited(had) || had == 0) {
		add(o, "more memory (--mem)");
		return;
	}
	mib = (had / MiB) + (had % MiB != 0);
	if (mib > UINT64_MAX / 3)
		mib = UINT64_MAX / 3;
	mib = (mib * 3 + 1) / 2;
	add(o, "more memory, e.g. --mem=%" PRIu64 "M", mib);
}

/* "250MiB" or "without limit" (a grant). */
static const char *grant_text(uint64_t grant, char *buf, size_t size)
{
	if (unlimited(grant)) {
		snprintf(buf, size, "without limit");
		return buf;
	}
	return sl_report_size(grant, buf, size);
}

static void add_oom(out_t *o, const sl_report_in_t *in, sl_end_verdict_t v)
{
	const sl_cg_usage_t *u = &in->usage, *j = &in->job_usage;
	char a[SL_REPORT_SIZE_BUF], b[SL_REPORT_SIZE_BUF];
	const char *req = in->request_text ? in->request_text : "?";
	const char *node = in->node ? in->node : "this node";
	bool asked_zero = in->request_given && in->request == 0;
	bool job_ram = !ram_full(u) && in->have_job && ram_full(j);

	add(o, "swaplimit: ");
	add_who(o, in->node, in->job, in->step);
	add(o, " ran out of memory (%" PRIu64 " process%s killed): ",
	    u->oom_kills, u->oom_kills == 1 ? "" : "es");
	switch (v) {
	case SL_END_OOM_JOB_FULL:
		add(o, "job %s used all of its RAM (%s) and all of its swap "
		       "allowance (%s%s) on %s, which all its steps there "
		       "share", in->job ? in->job : "?",
		    sl_report_size(j->ram_limit, a, sizeof(a)),
		    sl_report_size(j->swap_limit, b, sizeof(b)),
		    in->decided ? ", the most this site grants it here" : "",
		    node);
		break;
	case SL_END_OOM_NO_SWAP:
		add(o, "it used all of its RAM (%s)",
		    sl_report_size(u->ram_limit, a, sizeof(a)));
		if (asked_zero)
			add(o, " and you asked for no swap (--swap=%s)", req);
		else if (in->decided && in->grant == 0)
			add(o, " and this site grants it no swap here");
		else
			add(o, " and it may not swap");
		break;
	case SL_END_OOM_SWAP_FULL:
		add(o, "it used all of its RAM (%s) and all of its swap "
		       "allowance (%s",
		    sl_report_size(u->ram_limit, a, sizeof(a)),
		    sl_report_size(u->swap_limit, b, sizeof(b)));
		if (request_lowered(in))
			add(o, ", as you asked with --swap=%s)", req);
		else if (in->decided)
			add(o, ", the most this site grants it here)");
		else
			add(o, ")");
		break;
	case SL_END_OOM_SWAP_LEFT:
	default:
		if (job_ram)
			add(o, "job %s used all of its RAM on %s (%s, which "
			       "all its steps there share)",
			    in->job ? in->job : "?", node,
			    sl_report_size(j->ram_limit, a, sizeof(a)));
		else if (!unlimited(u->ram_limit))
			add(o, "it used all of its RAM (%s)",
			    sl_report_size(u->ram_limit, a, sizeof(a)));
		else
			add(o, "the node ran out of memory");
		if (!u->have_swap_figures)
			break;
		if (unlimited(u->swap_limit))
			add(o, "; its swap has no limit here, but what it "
			       "used was not enough");
		else if (u->swap_limit > 0)
			add(o, " before its swap allowance was used up: the "
			       "rest of its memory could not be swapped out");
		break;
	}
	add(o, ". ");
	if (v == SL_END_OOM_NO_SWAP) {
		/* Swap that stood in for RAM within the same total would
		 * read as "peak swap 2MiB of 0B": leave it out. */
		add(o, "Peak RAM %s of %s, no swap allowed",
		    sl_report_size(u->peak_ram, a, sizeof(a)),
		    sl_report_size(u->ram_limit, b, sizeof(b)));
	} else {
		add_figures(o, u, true);
	}
	if (v == SL_END_OOM_JOB_FULL || job_ram) {
		add(o, " (this step); the job: ");
		add_figures(o, j, false);
	}
	add(o, ".\nswaplimit: next time ask for ");
	switch (v) {
	case SL_END_OOM_JOB_FULL:
		add_mem_example(o, sat_add(j->ram_limit, j->swap_limit));
		if (in->decided)
			add(o, " for the job; this site grants no more swap "
			       "to it on %s", node);
		break;
	case SL_END_OOM_NO_SWAP:
		add_mem_example(o, u->ram_limit);
		if (asked_zero && in->decided && in->grant > 0)
			add(o, ", or allow swap: without --swap=0 (or with "
			       "--swap=none) this step may swap %s here",
			    grant_text(in->grant, b, sizeof(b)));
		break;
	case SL_END_OOM_SWAP_FULL:
		if (request_lowered(in)) {
			if (unlimited(in->grant))
				add(o, "more swap (--swap=none: this site "
				       "sets no swap limit for this step "
				       "here) or ");
			else
				add(o, "more swap (up to %s here: --swap=none "
				       "gives all of it) or ",
				    sl_report_size(in->grant, b, sizeof(b)));
			add_mem_example(o, u->ram_limit);
		} else {
			add_mem_example(o, sat_add(u->ram_limit, u->swap_limit));
			if (in->decided)
				add(o, "; this site grants no more swap to "
				       "this step on %s", node);
		}
		break;
	case SL_END_OOM_SWAP_LEFT:
	default:
		add_mem_example(o, job_ram ? j->ram_limit : u->ram_limit);
		break;
	}
	add(o, ".\n");
}

size_t sl_report_user(const sl_report_in_t *in, char *buf, size_t size)
{
	out_t o;
	sl_end_verdict_t v = sl_report_verdict(in);

	out_init(&o, buf, size);
	switch (v) {
	case SL_END_QUIET:
		break;
	case SL_END_USAGE:
		add(&o, "swaplimit: ");
		add_who(&o, in->node, in->job, in->step);
		add(&o, ": ");
		add_figures(&o, &in->usage, false);
		add(&o, "\n");
		break;
	default:
		add_oom(&o, in, v);
		break;
	}
	/* A cut text still ends its line. */
	if (o.len && o.buf[o.len - 1] != '\n')
		o.buf[o.len - 1] = '\n';
	return o.len;
}

void sl_report_log(const sl_report_in_t *in, char *buf, size_t size)
{
	out_t o;
	char g[SL_REPORT_SIZE_BUF];
	sl_end_verdict_t v;

	out_init(&o, buf, size);
	add(&o, "usage: job=%s step=%s node=%s ", in->job ? in->job : "?",
	    in->step ? in->step : "?", in->node ? in->node : "?");
	add_figures(&o, &in->usage, false);
	if (in->have_job) {
		add(&o, "; job ");
		add_figures(&o, &in->job_usage, false);
	}
	add(&o, "; oom_kills=%" PRIu64 " swap_limit_hits=%" PRIu64 " grant=%s",
	    in->usage.oom_kills, in->usage.memsw_failcnt,
	    in->decided ? sl_report_size(in->grant, g, sizeof(g)) : "?");
	v = sl_report_verdict(in);
	if (v == SL_END_USAGE && !used_swap(&in->usage))
		v = SL_END_QUIET;   /* only --swap-report made it print */
	add(&o, " request=%s report=%s verdict=%s",
	    in->request_given && in->request_text ? in->request_text : "-",
	    in->report_wanted ? "yes" : "no", sl_report_verdict_name(v));
}

size_t sl_report_over_grant(const char *node, const char *job,
			    const char *step, const char *request_text,
			    uint64_t grant, char *buf, size_t size)
{
	out_t o;
	char g[SL_REPORT_SIZE_BUF];

	out_init(&o, buf, size);
	add(&o, "swaplimit: ");
	add_who(&o, node, job, step);
	add(&o, ": --swap=%s is more than this site grants here; the step "
		"has %s of swap, the most the rules allow it on %s\n",
	    request_text ? request_text : "?",
	    sl_report_size(grant, g, sizeof(g)), node ? node : "this node");
	if (o.len && o.buf[o.len - 1] != '\n')
		o.buf[o.len - 1] = '\n';
	return o.len;
}
