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

#include "msg.h"
#include "facts.h"

/* Core numbers above this are refused as nonsense (and cannot overflow). */
#define CPU_INDEX_MAX 100000000u

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

/* getpwuid_r/getgrgid_r: 0 with no result, or one of the errors POSIX
 * allows for "not found", is an answer; anything else (EIO, a dead LDAP
 * server, ERANGE past the cap) is a failure: the name is then unknown. */
static bool not_found(int rc)
{
	return rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF ||
	       rc == EPERM;
}

/*
 * Run a getpwuid_r/getgrgid_r-style lookup with a growing buffer.
 * Returns 1 found (name copied into *name), 0 no such id, 2 the lookup
 * failed, -1 out of memory.
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
			return not_found(rc) ? 0 : 2;
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
			return not_found(rc) ? 0 : 2;
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
	if (rc != 1)
		out->unresolved++;
	if (rc == 2)
		out->user_failed = true;

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
		if (rc != 1) {
			out->unresolved++;
			if (rc == 2)
				out->groups_failed = true;
			continue;
		}
		out->groups[out->ngroups++] = name;
	}
	free(ids);
	return 0;
oom:
	sl_names_free(out);
	sl_msgf(msg, msglen, "out of memory resolving user and group names");
	return -1;
}

/* One "N" or "N(xR)" entry of a Slurm CPU count list at *p. */
static int cpus_entry(const char **p, uint64_t *n, uint64_t *reps)
{
	if (parse_index(p, n) != 0)
		return -1;
	*reps = 1;
	if (**p == '(') {
		(*p)++;
		if (**p != 'x')
			return -1;
		(*p)++;
		if (parse_index(p, reps) != 0 || *reps == 0 || **p != ')')
			return -1;
		(*p)++;
	}
	return 0;
}

int sl_cpus_per_node(const char *spec, size_t index, uint64_t *nodes,
		     uint64_t *cpus)
{
	const char *p = spec;
	uint64_t total = 0, first = 0;
	bool found = false, uniform = true;

	if (!spec || !*spec)
		return -1;
	for (;;) {
		uint64_t n, reps;

		if (cpus_entry(&p, &n, &reps) != 0)
			return -1;
		if (total == 0)
			first = n;
		else if (n != first)
			uniform = false;
		if (!found && index != SIZE_MAX && index >= total &&
		    index - total < reps) {
			*cpus = n;
			found = true;
		}
		total += reps;
		if (*p == '\0')
			break;
		if (*p != ',')
			return -1;
		p++;
	}
	if (nodes)
		*nodes = total;
	if (index == SIZE_MAX) {
		if (!uniform)
			return 1;
		*cpus = first;
		return 0;
	}
	return found ? 0 : -1;
}

/* getpwnam_r/getgrnam_r with a growing buffer: 1 found, 0 no such name,
 * -1 failed. */
int sl_nss_resolve_name(void *ctx, bool group, const char *name,
			uint32_t *id)
{
	size_t size = 1024;

	(void)ctx;
	for (;;) {
		char *buf = malloc(size);
		int rc;
		bool found;
		uint32_t v = 0;

		if (!buf)
			return -1;
		if (group) {
			struct group gr, *res = NULL;

			rc = getgrnam_r(name, &gr, buf, size, &res);
			found = rc == 0 && res;
			if (found)
				v = (uint32_t)gr.gr_gid;
		} else {
			struct passwd pw, *res = NULL;

			rc = getpwnam_r(name, &pw, buf, size, &res);
			found = rc == 0 && res;
			if (found)
				v = (uint32_t)pw.pw_uid;
		}
		free(buf);
		if (rc == ERANGE && size < SL_FACTS_NSS_BUF_MAX) {
			size *= 2;
			continue;
		}
		if (found) {
			*id = v;
			return 1;
		}
		return not_found(rc) ? 0 : -1;
	}
}

void sl_cg_want_fill(sl_cg_job_t *want, uint32_t job_id, uint32_t step_id,
		     bool have_uid, uint32_t uid, const char *sluid)
{
	memset(want, 0, sizeof(*want));
	want->check_job_id = true;
	want->job_id = job_id;
	want->check_step_id = step_id < SL_MAX_NORMAL_STEP_ID ||
			      step_id == SL_CG_STEP_BATCH ||
			      step_id == SL_CG_STEP_EXTERN ||
			      step_id == SL_CG_STEP_INTERACTIVE;
	want->step_id = want->check_step_id ? step_id : 0;
	want->check_uid = have_uid;
	want->uid = have_uid ? (uid_t)uid : 0;
	want->sluid = sluid && *sluid ? sluid : NULL;
}
