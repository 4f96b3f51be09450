/*
 * A job's facts on one node: the parts that need no SPANK handle.
 * See facts.h.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"

/* Core numbers above this are refused as nonsense (and cannot overflow). */
#define CPU_INDEX_MAX 100000000u

__attribute__((format(printf, 3, 4)))
static void set_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (!msg || msglen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}

/* Parse a decimal number at *p (no sign, no spaces), advancing *p. */
static int parse_index(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > CPU_INDEX_MAX)
			return -1;
		s++;
	}
	*p = s;
	*out = v;
	return 0;
}

int sl_count_cpu_list(const char *list, uint64_t *count)
{
	const char *p = list;
	uint64_t total = 0;

	if (!list || !count || !*list)
		return -1;
	for (;;) {
		uint64_t a, b;

		if (parse_index(&p, &a) != 0)
			return -1;
		b = a;
		if (*p == '-') {
			p++;
			if (parse_index(&p, &b) != 0 || b < a)
				return -1;
		}
		/* At most CPU_INDEX_MAX+1 per range and one range per two
		 * characters of a bounded string: no overflow in practice,
		 * but stay exact. */
		if (total > UINT64_MAX - (b - a + 1))
			return -1;
		total += b - a + 1;
		if (*p == '\0')
			break;
		if (*p != ',')
			return -1;
		p++;
	}
	*count = total;
	return 0;
}

/*
 * Run a getpwuid_r/getgrgid_r-style lookup with a growing buffer.
 * Returns 1 found (name copied into *name), 0 no such id or lookup failed,
 * -1 out of memory.
 */
static int lookup_user(uid_t uid, char **name)
{
	size_t size = 1024;

	*name = NULL;
	for (;;) {
		struct passwd pw, *res = NULL;
		char *buf = malloc(size);
		int rc;

		if (!buf)
			return -1;
		rc = getpwuid_r(uid, &pw, buf, size, &res);
		if (rc == ERANGE && size < SL_FACTS_NSS_BUF_MAX) {
			free(buf);
			size *= 2;
			continue;
		}
		if (rc != 0 || !res || !pw.pw_name) {
			free(buf);
			return 0;
		}
		*name = strdup(pw.pw_name);
		free(buf);
		return *name ? 1 : -1;
	}
}

static int lookup_group(gid_t gid, char **name)
{
	size_t size = 1024;

	*name = NULL;
	for (;;) {
		struct group gr, *res = NULL;
		char *buf = malloc(size);
		int rc;

		if (!buf)
			return -1;
		rc = getgrgid_r(gid, &gr, buf, size, &res);
		if (rc == ERANGE && size < SL_FACTS_NSS_BUF_MAX) {
			free(buf);
			size *= 2;
			continue;
		}
		if (rc != 0 || !res || !gr.gr_name) {
			free(buf);
			return 0;
		}
		*name = strdup(gr.gr_name);
		free(buf);
		return *name ? 1 : -1;
	}
}

void sl_names_free(sl_names_t *names)
{
	if (!names)
		return;
	free(names->user);
	for (size_t i = 0; names->groups && i < names->ngroups; i++)
		free(names->groups[i]);
	free(names->groups);
	memset(names, 0, sizeof(*names));
}

int sl_names_resolve(uid_t uid, gid_t gid, const gid_t *sup, size_t nsup,
		     sl_names_t *out, char *msg, size_t msglen)
{
	gid_t *ids;
	size_t nids = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!sup)
		nsup = 0;
	if (nsup > SL_FACTS_MAX_GROUPS)
		nsup = SL_FACTS_MAX_GROUPS;

	rc = lookup_user(uid, &out->user);
	if (rc < 0)
		goto oom;
	if (rc == 0)
		out->unresolved++;

	/* Primary group first, then the supplementary ones, each once. */
	ids = calloc(nsup + 1, sizeof(*ids));
	out->groups = calloc(nsup + 1, sizeof(*out->groups));
	if (!ids || !out->groups) {
		free(ids);
		goto oom;
	}
	ids[nids++] = gid;
	for (size_t i = 0; i < nsup; i++) {
		bool dup = false;
		for (size_t j = 0; j < nids && !dup; j++)
			dup = ids[j] == sup[i];
		if (!dup)
			ids[nids++] = sup[i];
	}
	for (size_t i = 0; i < nids; i++) {
		char *name;

		rc = lookup_group(ids[i], &name);
		if (rc < 0) {
			free(ids);
			goto oom;
		}
		if (rc == 0) {
			out->unresolved++;
			continue;
		}
		out->groups[out->ngroups++] = name;
	}
	free(ids);
	return 0;
oom:
	sl_names_free(out);
	set_msg(msg, msglen, "out of memory resolving user and group names");
	return -1;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t result_bytes(const sl_result_t *r)
{
	return r->outcome == SL_LIMITED ? r->swap_bytes : SL_UNLIMITED_BYTES;
}

void sl_decide(const sl_bound_t *bound, const sl_facts_t *base,
	       const sl_counts_t *counts, const uint64_t *request,
	       sl_decision_t *out)
{
	uint64_t job_cpus;

	memset(out, 0, sizeof(*out));
	out->step_facts = *base;
	out->step_facts.cpus = counts->step_cpus;
	out->step_facts.tasks = counts->step_tasks;
	out->step_facts.mem_bytes = counts->step_ram;

	/* The core list counts cores; with several threads per core the
	 * step may have more CPUs than that: never fewer than the step. */
	job_cpus = max_u64(counts->job_cpus, counts->step_cpus);
	out->job_facts = *base;
	out->job_facts.cpus = job_cpus;
	out->job_facts.tasks = max_u64(counts->step_tasks, job_cpus);
	out->job_facts.mem_bytes = counts->job_ram;

	sl_eval(bound, &out->step_facts, &out->step);
	sl_eval(bound, &out->job_facts, &out->job);
	if (out->step.outcome == SL_NO_MATCH || out->job.outcome == SL_NO_MATCH)
		return;

	out->write = true;
	out->step_swap = result_bytes(&out->step);
	/* The job's cgroup holds every step: never less than this one. */
	out->job_swap = max_u64(result_bytes(&out->job), out->step_swap);
	if (request && *request < out->step_swap) {
		out->step_swap = *request;
		out->request_lowered = true;
	}
}
