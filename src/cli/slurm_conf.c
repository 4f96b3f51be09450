/*
 * A small slurm.conf reader (slurm_conf.h): NodeName= and PartitionName=
 * lines, as much of them as swaplimit check's model needs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "slurm_conf.h"

#define CONF_MAX_BYTES (64u << 20)
#define MAX_TOKENS 256

struct node_defaults {
	bool has_cpus;
	uint64_t cpus, boards, sockets, spb, cores, threads, mem_mib;
	bool has_sockets;
};

struct part_defaults {
	char *nodes;             /* Nodes= of PartitionName=DEFAULT */
	uint64_t oversubscribe;
};

struct reader {
	const char *source;
	unsigned line;
	sl_slurm_conf_t *conf;
	size_t nodes_cap, parts_cap, warn_cap;
	struct node_defaults nd;
	struct part_defaults pd;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct reader *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->err, r->errlen, "%s:%u: %s", r->source, r->line, msg);
	return -1;
}

static int oom(struct reader *r)
{
	return fail(r, "out of memory");
}

static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *n;

	if (need <= *cap)
		return true;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*arr, ncap * elem);
	if (!n)
		return false;
	*arr = n;
	*cap = ncap;
	return true;
}

__attribute__((format(printf, 2, 3)))
static int warn(struct reader *r, const char *fmt, ...)
{
	char msg[512], *d;
	void *v = r->conf->warnings;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = snprintf(msg, sizeof(msg), "%s:%u: ", r->source, r->line);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (!grow(&v, &r->warn_cap, r->conf->nwarnings + 1, sizeof(char *)))
		return oom(r);
	r->conf->warnings = v;
	if (!(d = strdup(msg)))
		return oom(r);
	r->conf->warnings[r->conf->nwarnings++] = d;
	return 0;
}

/* A whole decimal number. */
static int number(struct reader *r, const char *key, const char *val,
		  uint64_t min, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (!val[0] || val[0] < '0' || val[0] > '9' || *end || errno || v < min)
		return fail(r, "%s=%s: expected a whole number%s", key, val,
			    min ? " >= 1" : "");
	*out = v;
	return 0;
}

/* Split a logical line into key=value tokens (quotes group spaces; they
 * are removed). Modifies the line. */
static size_t tokens(char *s, char **tok, size_t max)
{
	size_t n = 0;

	while (*s) {
		char *o;
		bool quoted = false;

		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (!*s)
			break;
		tok[n < max ? n : max - 1] = o = s;
		if (n < max)
			n++;
		while (*s && (quoted || (*s != ' ' && *s != '\t' && *s != '\r'))) {
			if (*s == '"')
				quoted = !quoted;
			else
				*o++ = *s;
			s++;
		}
		if (*s)
			s++;
		*o = '\0';
	}
	return n;
}

/* Split "key=value" in place; value NULL when there is no '='. */
static char *split_kv(char *tok)
{
	char *eq = strchr(tok, '=');

	if (!eq)
		return NULL;
	*eq = '\0';
	return eq + 1;
}

static int add_node(struct reader *r, const char *name, uint64_t cpus,
		    uint64_t mem)
{
	sl_slurm_conf_t *c = r->conf;
	void *v = c->nodes;
	sl_conf_node_t *n;

	if (!grow(&v, &r->nodes_cap, c->nnodes + 1, sizeof(*c->nodes)))
		return oom(r);
	c->nodes = v;
	n = &c->nodes[c->nnodes];
	if (!(n->name = strdup(name)))
		return oom(r);
	n->cpus = cpus;
	n->mem_bytes = mem;
	n->line = r->line;
	c->nnodes++;
	return 0;
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

static int node_line(struct reader *r, char **tok, size_t n)
{
	struct node_defaults d = r->nd;
	const char *names = NULL;
	sl_hostset_t *set;
	const char *why;
	char *host;
	uint64_t cpus, mem;

	for (size_t i = 0; i < n; i++) {
		char *key = tok[i], *val = split_kv(tok[i]);
		uint64_t *slot = NULL, min = 1;

		if (!val)
			continue;
		if (strcasecmp(key, "NodeName") == 0) {
			names = val;
			continue;
		}
		if (strcasecmp(key, "CPUs") == 0 || strcasecmp(key, "Procs") == 0) {
			slot = &d.cpus;
			d.has_cpus = true;
		} else if (strcasecmp(key, "Boards") == 0) {
			slot = &d.boards;
		} else if (strcasecmp(key, "Sockets") == 0) {
			slot = &d.sockets;
			d.has_sockets = true;
		} else if (strcasecmp(key, "SocketsPerBoard") == 0) {
			slot = &d.spb;
			d.has_sockets = false;   /* the later of the two counts */
		} else if (strcasecmp(key, "CoresPerSocket") == 0) {
			slot = &d.cores;
		} else if (strcasecmp(key, "ThreadsPerCore") == 0) {
			slot = &d.threads;
		} else if (strcasecmp(key, "RealMemory") == 0) {
			slot = &d.mem_mib;
		}
		if (slot && number(r, key, val, min, slot) < 0)
			return -1;
	}
	if (!names || !*names)
		return fail(r, "NodeName= needs a host expression");
	if (strcasecmp(names, "DEFAULT") == 0) {
		r->nd = d;
		return 0;
	}
	/* Slurm: with Boards, Sockets is per board; else it is the total
	 * (SocketsPerBoard x Boards). */
	cpus = d.has_cpus ? d.cpus
		: mul_sat(mul_sat(mul_sat(d.boards, d.has_sockets ? d.sockets
								  : d.spb),
				  d.cores), d.threads);
	mem = mul_sat(d.mem_mib, UINT64_C(1) << 20);
	set = sl_hostset_create(names, &why);
	if (!set)
		return fail(r, "NodeName=%s: %s", names, why);
	while ((host = sl_hostset_shift(set))) {
		int rc = add_node(r, host, cpus, mem);

		free(host);
		if (rc < 0) {
			sl_hostset_destroy(set);
			return -1;
		}
	}
	sl_hostset_destroy(set);
	return 0;
}

/* NO | EXCLUSIVE | YES[:N] | FORCE[:N] */
static int oversubscribe(struct reader *r, const char *key, const char *val,
			 uint64_t *out)
{
	const char *colon = strchr(val, ':');
	size_t n = colon ? (size_t)(colon - val) : strlen(val);

	if ((n == 2 && strncasecmp(val, "NO", 2) == 0 && !colon) ||
	    (n == 9 && strncasecmp(val, "EXCLUSIVE", 9) == 0 && !colon)) {
		*out = 1;
		return 0;
	}
	if ((n == 3 && strncasecmp(val, "YES", 3) == 0) ||
	    (n == 5 && strncasecmp(val, "FORCE", 5) == 0)) {
		unsigned long long v;
		char *end;

		*out = 4;
		if (!colon)
			return 0;
		errno = 0;
		v = strtoull(colon + 1, &end, 10);
		if (colon[1] < '0' || colon[1] > '9' || *end || errno || v < 1)
			return fail(r, "%s=%s: expected a whole number >= 1 "
				    "after ':' (jobs per CPU)", key, val);
		*out = v;
		return 0;
	}
	return fail(r, "%s=%s: expected NO, EXCLUSIVE, YES[:N] or FORCE[:N]",
		    key, val);
}

static int part_line(struct reader *r, char **tok, size_t n)
{
	sl_slurm_conf_t *c = r->conf;
	const char *name = NULL, *nodes = r->pd.nodes;
	uint64_t over = r->pd.oversubscribe;
	sl_conf_part_t *p;
	void *v;

	for (size_t i = 0; i < n; i++) {
		char *key = tok[i], *val = split_kv(tok[i]);

		if (!val)
			continue;
		if (strcasecmp(key, "PartitionName") == 0)
			name = val;
		else if (strcasecmp(key, "Nodes") == 0)
			nodes = val;
		else if ((strcasecmp(key, "OverSubscribe") == 0 ||
			  strcasecmp(key, "Shared") == 0) &&
			 oversubscribe(r, key, val, &over) < 0)
			return -1;
	}
	if (!name || !*name)
		return fail(r, "PartitionName= needs a name");
	if (strcasecmp(name, "DEFAULT") == 0) {
		char *d = nodes ? strdup(nodes) : NULL;

		if (nodes && !d)
			return oom(r);
		free(r->pd.nodes);
		r->pd.nodes = d;
		r->pd.oversubscribe = over;
		return 0;
	}
	v = c->parts;
	if (!grow(&v, &r->parts_cap, c->nparts + 1, sizeof(*c->parts)))
		return oom(r);
	c->parts = v;
	p = &c->parts[c->nparts];
	memset(p, 0, sizeof(*p));
	p->oversubscribe = over;
	if (!(p->name = strdup(name)))
		return oom(r);
	c->nparts++;
	if (nodes && strcasecmp(nodes, "ALL") == 0) {
		p->all = true;
	} else if (nodes && *nodes) {
		const char *why;

		p->nodes = sl_hostset_create(nodes, &why);
		if (!p->nodes)
			return fail(r, "Nodes=%s: %s", nodes, why);
	}
	return 0;
}

/* One logical line (comments and continuations already handled). */
static int logical_line(struct reader *r, char *s)
{
	char *tok[MAX_TOKENS], *first, *eq;
	size_t n = tokens(s, tok, MAX_TOKENS);

	if (!n)
		return 0;
	first = tok[0];
	if (strcasecmp(first, "Include") == 0)
		return warn(r, "'Include %s' is not followed: nodes and "
			    "partitions defined there are not checked",
			    n > 1 ? tok[1] : "");
	eq = strchr(first, '=');
	if (!eq)
		return 0;
	if ((size_t)(eq - first) == 8 && strncasecmp(first, "NodeName", 8) == 0)
		return node_line(r, tok, n);
	if ((size_t)(eq - first) == 13 &&
	    strncasecmp(first, "PartitionName", 13) == 0)
		return part_line(r, tok, n);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const sl_conf_node_t *)a)->name,
		      ((const sl_conf_node_t *)b)->name);
}

int sl_slurm_conf_parse(const char *text, size_t len, const char *source,
			sl_slurm_conf_t *conf, char *err, size_t errlen)
{
	struct reader r = {
		.source = source ? source : "slurm.conf", .conf = conf,
		.nd = { .cpus = 1, .boards = 1, .sockets = 1, .spb = 1,
			.cores = 1, .threads = 1, .mem_mib = 1 },
		.pd = { .nodes = NULL, .oversubscribe = 1 },
		.err = err, .errlen = errlen,
	};
	char *buf = NULL;
	size_t blen = 0, bcap = 0, pos = 0;
	unsigned phys = 0;
	int rc = 0;

	memset(conf, 0, sizeof(*conf));
	if (err && errlen)
		err[0] = '\0';
	while (pos < len && rc == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len, i;
		bool cont = false;
		void *v = buf;

		phys++;
		if (blen == 0)
			r.line = phys;
		if (!grow(&v, &bcap, blen + (end - pos) + 2, 1)) {
			rc = oom(&r);
			break;
		}
		buf = v;
		/* '#' starts a comment, "\#" is a '#'; a final '\' continues */
		for (i = pos; i < end; i++) {
			char ch = text[i];

			if (ch == '\0') {
				rc = fail(&r, "NUL byte");
				break;
			}
			if (ch == '\\' && i + 1 < end && text[i + 1] == '#') {
				buf[blen++] = '#';
				i++;
				continue;
			}
			if (ch == '#')
				break;
			if (ch == '\\' && (i + 1 == end ||
					   (i + 2 == end && text[i + 1] == '\r'))) {
				cont = true;
				break;
			}
			buf[blen++] = ch;
		}
		pos = nl ? end + 1 : len;
		if (rc)
			break;
		if (cont && pos < len) {
			buf[blen++] = ' ';
			continue;
		}
		buf[blen] = '\0';
		rc = logical_line(&r, buf);
		blen = 0;
	}
	free(buf);
	free(r.pd.nodes);
	if (rc == 0 && conf->nnodes) {
		qsort(conf->nodes, conf->nnodes, sizeof(*conf->nodes), by_name);
		for (size_t i = 1; i < conf->nnodes; i++)
			if (strcmp(conf->nodes[i].name, conf->nodes[i - 1].name) == 0) {
				unsigned a = conf->nodes[i - 1].line,
					 b = conf->nodes[i].line;

				r.line = a > b ? a : b;
				rc = fail(&r, "node %s is defined twice (also at "
					  "line %u)", conf->nodes[i].name,
					  a > b ? b : a);
				break;
			}
	}
	if (rc)
		sl_slurm_conf_free(conf);
	return rc;
}

int sl_slurm_conf_read(const char *path, sl_slurm_conf_t *conf, char *err,
		       size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text;
	size_t n;
	int rc;

	memset(conf, 0, sizeof(*conf));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	text = malloc(CONF_MAX_BYTES + 1);
	if (!text) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	n = fread(text, 1, CONF_MAX_BYTES + 1, f);
	if (ferror(f) || n > CONF_MAX_BYTES) {
		snprintf(err, errlen, "%s: %s", path,
			 ferror(f) ? "read error" : "larger than 64 MiB");
		free(text);
		fclose(f);
		return -1;
	}
	fclose(f);
	rc = sl_slurm_conf_parse(text, n, path, conf, err, errlen);
	free(text);
	return rc;
}

void sl_slurm_conf_free(sl_slurm_conf_t *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nnodes; i++)
		free(c->nodes[i].name);
	free(c->nodes);
	for (size_t i = 0; i < c->nparts; i++) {
		free(c->parts[i].name);
		sl_hostset_destroy(c->parts[i].nodes);
	}
	free(c->parts);
	for (size_t i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	memset(c, 0, sizeof(*c));
}

bool sl_conf_part_has(const sl_conf_part_t *p, const char *node)
{
	return p && (p->all || (p->nodes && sl_hostset_contains(p->nodes, node)));
}
