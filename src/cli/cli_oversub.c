/*
 * swaplimit check's oversubscription report (cli_oversub.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cli_oversub.h"
#include "hostmatch.h"
#include "inspect.h"
#include "oversub.h"
#include "size.h"
#include "slurm_conf.h"

struct swap_entry {
	sl_hostset_t *hosts;     /* NULL: every node */
	uint64_t bytes;
	bool used;
	char *text;              /* for the unused-entry warning */
};

struct sl_ov_nodes {
	sl_slurm_conf_t conf;    /* nodes (sorted) and partitions */
	bool have_parts;         /* partitions are known */
	uint64_t *swap;          /* per node */
	uint64_t *over;          /* per node: --node's oversubscribe= */
	char **warnings;
	size_t nwarnings;
};

static bool add_warning(sl_ov_nodes_t *n, const char *text)
{
	char **w = realloc(n->warnings, (n->nwarnings + 1) * sizeof(*w));

	if (!w)
		return false;
	n->warnings = w;
	if (!(w[n->nwarnings] = strdup(text)))
		return false;
	n->nwarnings++;
	return true;
}

static int count_of(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end || x == 0)
		return -1;
	*v = x;
	return 0;
}

#define NODE_FORM "HOSTLIST:cpus=N,mem=SIZE[,oversubscribe=N]"

/* --node HOSTLIST:cpus=N,mem=SIZE[,oversubscribe=N] */
static int node_spec(sl_ov_nodes_t *n, const char *spec, FILE *err,
		     uint64_t **over, size_t *over_cap)
{
	const char *colon = strchr(spec, ':');
	char *hosts = NULL, *keys = NULL, *save = NULL, *kv, *host;
	uint64_t cpus = 0, mem = 0, os = 1;
	bool have_cpus = false, have_mem = false;
	sl_hostset_t *set = NULL;
	const char *why;
	int rc = -1;

	if (!colon || colon == spec) {
		fprintf(err, "swaplimit check: --node '%s': expected " NODE_FORM
			", e.g. 'n[01-40]:cpus=40,mem=192G'\n", spec);
		return -1;
	}
	hosts = strndup(spec, (size_t)(colon - spec));
	keys = strdup(colon + 1);
	if (!hosts || !keys)
		goto oom;
	for (kv = strtok_r(keys, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '='), why2[160];

		if (!eq)
			goto bad;
		*eq++ = '\0';
		if (strcasecmp(kv, "cpus") == 0 && count_of(eq, &cpus) == 0) {
			have_cpus = true;
		} else if (strcasecmp(kv, "mem") == 0) {
			if (sl_size_parse_explain(eq, &mem, why2, sizeof(why2)) < 0 ||
			    mem == 0) {
				fprintf(err, "swaplimit check: --node '%s': mem=%s: "
					"%s (RealMemory: %s)\n", spec, eq,
					mem == 0 && !why2[0] ? "cannot be 0" : why2,
					SL_SIZE_FORMS);
				goto out;
			}
			have_mem = true;
		} else if (strcasecmp(kv, "oversubscribe") == 0 &&
			   count_of(eq, &os) == 0) {
			/* jobs per CPU */
		} else {
			goto bad;
		}
	}
	if (!have_cpus || !have_mem)
		goto bad;
	set = sl_hostset_create(hosts, &why);
	if (!set) {
		fprintf(err, "swaplimit check: --node '%s': host expression '%s' "
			"refused: %s\n", spec, hosts, why);
		goto out;
	}
	while ((host = sl_hostset_shift(set))) {
		sl_slurm_conf_t *c = &n->conf;

		/* nodes and over[] grow together, geometrically */
		if (*over_cap <= c->nnodes) {
			size_t ncap = 2 * c->nnodes + 16;
			sl_conf_node_t *nn = realloc(c->nodes, ncap * sizeof(*nn));
			uint64_t *no;

			if (nn)
				c->nodes = nn;
			no = nn ? realloc(*over, ncap * sizeof(*no)) : NULL;
			if (!no) {
				free(host);
				goto oom;
			}
			*over = no;
			*over_cap = ncap;
		}
		c->nodes[c->nnodes] = (sl_conf_node_t){ .name = host, .cpus = cpus,
							.mem_bytes = mem };
		(*over)[c->nnodes] = os;
		c->nnodes++;
	}
	rc = 0;
	goto out;
bad:
	fprintf(err, "swaplimit check: --node '%s': expected " NODE_FORM
		" (cpus and oversubscribe whole numbers >= 1, mem a size)\n",
		spec);
	goto out;
oom:
	fprintf(err, "swaplimit: out of memory\n");
out:
	sl_hostset_destroy(set);
	free(hosts);
	free(keys);
	return rc;
}

/* "HOSTLIST=SIZE" or "SIZE" (every node), spaces allowed around the '=';
 * `where` names it in messages. */
static int swap_entry(const char *text, const char *where,
		      struct swap_entry *e, FILE *err)
{
	const char *eq = strrchr(text, '=');
	const char *size = eq ? eq + 1 : text;
	char why[160], *hosts = NULL;
	const char *hwhy, *hend = eq;

	memset(e, 0, sizeof(*e));
	while (*size == ' ' || *size == '\t')
		size++;
	while (hend && hend > text && (hend[-1] == ' ' || hend[-1] == '\t'))
		hend--;
	if (sl_size_parse_explain(size, &e->bytes, why, sizeof(why)) < 0) {
		fprintf(err, "swaplimit check: %s '%s': %s; expected HOSTLIST=SIZE "
			"or SIZE (%s)\n", where, text, why, SL_SIZE_FORMS);
		return -1;
	}
	if (eq) {
		if (hend == text || !(hosts = strndup(text, (size_t)(hend - text)))) {
			fprintf(err, "swaplimit check: %s '%s': expected "
				"HOSTLIST=SIZE or SIZE\n", where, text);
			return -1;
		}
		e->hosts = sl_hostset_create(hosts, &hwhy);
		if (!e->hosts) {
			fprintf(err, "swaplimit check: %s '%s': host expression "
				"'%s' refused: %s\n", where, text, hosts, hwhy);
			free(hosts);
			return -1;
		}
		free(hosts);
	}
	if (!(e->text = strdup(text))) {
		sl_hostset_destroy(e->hosts);
		fprintf(err, "swaplimit: out of memory\n");
		return -1;
	}
	return 0;
}

static bool push_entry(struct swap_entry **v, size_t *n,
		       const struct swap_entry *e)
{
	struct swap_entry *nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return false;
	*v = nv;
	nv[(*n)++] = *e;
	return true;
}

/* A --swap-file: HOSTLIST=SIZE lines, '#' comments, blank lines. */
static int swap_file(const char *path, struct swap_entry **v, size_t *n,
		     FILE *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int rc = 0;

	if (!f) {
		fprintf(err, "swaplimit check: --swap-file %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		char *s = line, *end, where[4200];
		struct swap_entry e;

		lineno++;
		if ((end = strchr(s, '#')))
			*end = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		end = s + strlen(s);
		while (end > s && (end[-1] == '\n' || end[-1] == '\r' ||
				   end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!*s)
			continue;
		snprintf(where, sizeof(where), "%s:%u:", path, lineno);
		if (!strchr(s, '=')) {
			fprintf(err, "swaplimit check: %s '%s': expected "
				"HOSTLIST=SIZE\n", where, s);
			rc = -1;
		} else if (swap_entry(s, where, &e, err) < 0) {
			rc = -1;
		} else if (!push_entry(v, n, &e)) {
			sl_hostset_destroy(e.hosts);
			free(e.text);
			fprintf(err, "swaplimit: out of memory\n");
			rc = -1;
		}
	}
	free(line);
	fclose(f);
	return rc;
}

static int by_name(const void *a, const void *b, void *nodes)
{
	const sl_conf_node_t *v = nodes;

	return strcmp(v[*(const size_t *)a].name, v[*(const size_t *)b].name);
}

/* slurm.conf nodes that no partition contains run no job: say so. */
static bool warn_partitionless(sl_ov_nodes_t *n)
{
	sl_hostset_t *set;
	char *list, msg[600];
	int count;

	if (!n->have_parts)
		return true;
	if (!(set = sl_hostset_new()))
		return false;
	for (size_t i = 0; i < n->conf.nnodes; i++) {
		bool in = false;

		for (size_t p = 0; p < n->conf.nparts && !in; p++)
			in = sl_conf_part_has(&n->conf.parts[p], n->conf.nodes[i].name);
		if (!in && sl_hostset_push(set, n->conf.nodes[i].name) < 0) {
			sl_hostset_destroy(set);
			return false;
		}
	}
	count = sl_hostset_count(set);
	if (count == 0) {
		sl_hostset_destroy(set);
		return true;
	}
	list = sl_hostset_ranged(set);
	sl_hostset_destroy(set);
	if (!list)
		return false;
	snprintf(msg, sizeof(msg), "%d node%s in no partition (%.400s): no "
		 "job runs there, nothing is checked", count,
		 count == 1 ? " is" : "s are", list);
	free(list);
	return add_warning(n, msg);
}

sl_ov_nodes_t *sl_ov_nodes_load(const sl_ov_opts_t *o, FILE *err)
{
	sl_ov_nodes_t *n = calloc(1, sizeof(*n));
	struct swap_entry *sw = NULL;
	size_t nsw = 0, over_cap = 0, missing = 0;
	sl_hostset_t *miss = NULL;
	char msg[600];
	bool ok = false;

	if (!n) {
		fprintf(err, "swaplimit: out of memory\n");
		return NULL;
	}
	if (o->slurm_conf) {
		if (sl_slurm_conf_read(o->slurm_conf, &n->conf, msg, sizeof(msg)) < 0) {
			fprintf(err, "swaplimit check: %s\n", msg);
			goto out;
		}
		n->have_parts = n->conf.nparts > 0;
		for (size_t i = 0; i < n->conf.nwarnings; i++)
			if (!add_warning(n, n->conf.warnings[i]))
				goto oom;
	}
	for (size_t i = 0; i < o->nnode_specs; i++)
		if (node_spec(n, o->node_specs[i], err, &n->over, &over_cap) < 0)
			goto out;
	if (!o->slurm_conf && n->conf.nnodes > 1) {
		/* a name once: sorted indices, neighbours compared */
		size_t *idx = malloc(n->conf.nnodes * sizeof(*idx));

		if (!idx)
			goto oom;
		for (size_t i = 0; i < n->conf.nnodes; i++)
			idx[i] = i;
		qsort_r(idx, n->conf.nnodes, sizeof(*idx), by_name, n->conf.nodes);
		for (size_t i = 1; i < n->conf.nnodes; i++)
			if (strcmp(n->conf.nodes[idx[i]].name,
				   n->conf.nodes[idx[i - 1]].name) == 0) {
				fprintf(err, "swaplimit check: node %s is given "
					"twice (--node)\n",
					n->conf.nodes[idx[i]].name);
				free(idx);
				goto out;
			}
		free(idx);
	}
	if (!n->conf.nnodes) {
		fprintf(err, "swaplimit check: %s defines no node\n",
			o->slurm_conf ? o->slurm_conf : "--node");
		goto out;
	}
	for (size_t i = 0; i < o->nswaps; i++) {
		struct swap_entry e;

		if (o->swaps[i].file) {
			if (swap_file(o->swaps[i].arg, &sw, &nsw, err) < 0)
				goto out;
			continue;
		}
		if (swap_entry(o->swaps[i].arg, "--swap", &e, err) < 0)
			goto out;
		if (!push_entry(&sw, &nsw, &e)) {
			sl_hostset_destroy(e.hosts);
			free(e.text);
			goto oom;
		}
	}
	if (!warn_partitionless(n))
		goto oom;
	/* the last entry that names a node wins */
	n->swap = calloc(n->conf.nnodes, sizeof(*n->swap));
	if (!n->swap || !(miss = sl_hostset_new()))
		goto oom;
	for (size_t i = 0; i < n->conf.nnodes; i++) {
		const char *name = n->conf.nodes[i].name;
		bool found = false;

		for (size_t k = nsw; k-- > 0;)
			if (!sw[k].hosts || sl_hostset_contains(sw[k].hosts, name)) {
				n->swap[i] = sw[k].bytes;
				sw[k].used = true;
				found = true;
				break;
			}
		if (!found) {
			missing++;
			sl_hostset_push(miss, name);
		}
	}
	if (missing) {
		char *list = sl_hostset_ranged(miss);

		fprintf(err, "swaplimit check: no swap size for %zu node%s (%s): "
			"give --swap HOSTLIST=SIZE, --swap SIZE (every node) or "
			"--swap-file FILE\n", missing, missing == 1 ? "" : "s",
			list ? list : "?");
		free(list);
		goto out;
	}
	for (size_t k = 0; k < nsw; k++)
		if (!sw[k].used) {
			snprintf(msg, sizeof(msg), "swap entry '%s' sets the swap of "
				 "no node (a later entry overrides it, or it names "
				 "no known node)", sw[k].text);
			if (!add_warning(n, msg))
				goto oom;
		}
	ok = true;
	goto out;
oom:
	fprintf(err, "swaplimit: out of memory\n");
out:
	sl_hostset_destroy(miss);
	for (size_t k = 0; k < nsw; k++) {
		sl_hostset_destroy(sw[k].hosts);
		free(sw[k].text);
	}
	free(sw);
	if (!ok) {
		sl_ov_nodes_free(n);
		return NULL;
	}
	return n;
}

void sl_ov_nodes_free(sl_ov_nodes_t *n)
{
	if (!n)
		return;
	sl_slurm_conf_free(&n->conf);
	free(n->swap);
	free(n->over);
	for (size_t i = 0; i < n->nwarnings; i++)
		free(n->warnings[i]);
	free(n->warnings);
	free(n);
}

size_t sl_ov_nodes_warning_count(const sl_ov_nodes_t *n)
{
	return n ? n->nwarnings : 0;
}

const char *sl_ov_nodes_warning(const sl_ov_nodes_t *n, size_t i)
{
	return n && i < n->nwarnings ? n->warnings[i] : NULL;
}

/* ---- the report ---- */

/* One answer for a term: a node shape and its result, and the nodes. */
struct answer {
	sl_ov_node_t shape;
	sl_ov_result_t res;
	sl_hostset_t *hosts;
	size_t count;
};

/* Can term i apply to jobs on node k? Then *over is the OverSubscribe
 * that counts (the largest of the partitions it can apply in). */
static bool applies(const sl_rules_t *r, size_t i, const sl_ov_nodes_t *n,
		    size_t k, const sl_bound_t *b, uint64_t *over)
{
	const char *name = n->conf.nodes[k].name;
	sl_term_info_t info;
	bool any = false;

	if (!sl_bound_term_hosts_match(b, i))
		return false;
	/* an earlier term that takes every job on this node */
	for (size_t j = 0; j < i; j++)
		if (sl_bound_term_takes_all(b, j))
			return false;
	if (!n->have_parts) {
		*over = n->over ? n->over[k] : 1;
		return true;
	}
	sl_rules_term_info(r, i, &info);
	*over = 1;
	for (size_t p = 0; p < n->conf.nparts; p++) {
		const sl_conf_part_t *part = &n->conf.parts[p];

		if (!sl_conf_part_has(part, name) ||
		    !sl_rules_term_in_partition(r, i, part->name))
			continue;
		any = true;
		if (part->oversubscribe > *over)
			*over = part->oversubscribe;
	}
	return any;
}

static bool same_answer(const struct answer *a, const sl_ov_node_t *s)
{
	return a->shape.cpus == s->cpus && a->shape.mem_bytes == s->mem_bytes &&
	       a->shape.swap_bytes == s->swap_bytes &&
	       a->shape.oversubscribe == s->oversubscribe;
}

static const char *status_word(sl_ov_status_t s)
{
	return s == SL_OV_OVER ? "over" : s == SL_OV_FITS ? "fits" : "unlimited";
}

static const char *by_word(sl_limit_by_t by)
{
	switch (by) {
	case SL_BY_MIN_SWAP:  return "min_swap";
	case SL_BY_MAX_SWAP:  return "max_swap";
	case SL_BY_NODE_SWAP: return "node_swap";
	default:              return "amount";
	}
}

static void json_answer(FILE *out, size_t term, const sl_rules_t *r,
			const struct answer *a, const char *hosts, bool first)
{
	const sl_ov_result_t *x = &a->res;

	fprintf(out, "%s{\"term\": %zu, \"text\": ", first ? "" : ", ", term + 1);
	sl_cli_json_string(out, sl_rules_term_text(r, term));
	fputs(", \"hosts\": ", out);
	sl_cli_json_string(out, hosts);
	fprintf(out, ", \"nodes\": %zu, \"cpus\": %llu, \"real_memory_bytes\": %llu, "
		"\"swap_bytes\": %llu, \"oversubscribe\": %llu, \"status\": \"%s\", "
		"\"promised_bytes\": ", a->count,
		(unsigned long long)a->shape.cpus,
		(unsigned long long)a->shape.mem_bytes,
		(unsigned long long)a->shape.swap_bytes,
		(unsigned long long)a->shape.oversubscribe, status_word(x->status));
	if (x->status == SL_OV_UNLIMITED)
		fputs("null, \"factor\": null", out);
	else if (!a->shape.swap_bytes)
		fprintf(out, "%llu, \"factor\": null", (unsigned long long)x->worst);
	else
		fprintf(out, "%llu, \"factor\": %llu.%02llu",
			(unsigned long long)x->worst,
			(unsigned long long)(x->factor_x100 / 100),
			(unsigned long long)(x->factor_x100 % 100));
	fprintf(out, ", \"exact\": %s, \"upper_bound\": %s, \"jobs\": [",
		x->exact ? "true" : "false", x->upper_bound ? "true" : "false");
	for (unsigned g = 0; g < x->ngroups; g++) {
		const sl_ov_group_t *gr = &x->groups[g];

		fprintf(out, "%s{\"count\": %llu, \"cpus\": %llu, \"ram_bytes\": ",
			g ? ", " : "", (unsigned long long)gr->jobs,
			(unsigned long long)gr->cpus);
		if (gr->mem_bytes)
			fprintf(out, "%llu", (unsigned long long)gr->mem_bytes);
		else
			fputs("null", out);
		fprintf(out, ", \"grant_bytes\": %llu, \"by\": \"%s\"}",
			(unsigned long long)gr->grant, by_word(gr->by));
	}
	fputs("], \"job_why\": ", out);
	sl_cli_json_string(out, x->status == SL_OV_UNLIMITED ? NULL : x->job_why);
	fputs(", \"explanation\": ", out);
	sl_cli_json_string(out, x->text);
	fputc('}', out);
}

static void text_answer(FILE *out, const struct answer *a, const char *hosts)
{
	const sl_ov_result_t *x = &a->res;
	char b1[SL_SIZE_BUF], b2[SL_SIZE_BUF];

	fprintf(out, "  %s (%llu CPU%s", hosts, (unsigned long long)a->shape.cpus,
		a->shape.cpus == 1 ? "" : "s");
	if (a->shape.oversubscribe > 1)
		fprintf(out, " x OverSubscribe %llu",
			(unsigned long long)a->shape.oversubscribe);
	fprintf(out, ", RealMemory %s, swap %s): %s: %s",
		sl_size_format_finite(a->shape.mem_bytes, b1, sizeof(b1)),
		sl_size_format_finite(a->shape.swap_bytes, b2, sizeof(b2)),
		x->status == SL_OV_OVER ? "OVER" : x->status == SL_OV_FITS ? "ok"
									  : "none",
		x->status == SL_OV_UNLIMITED ? "no swap limit (not counted)"
					     : x->text);
	if (x->upper_bound)
		fputs(" (an upper bound: the term mixes a per-CPU factor and %mem)",
		      out);
	else if (!x->exact)
		fputs(" (the worst of the shapes tried: min_swap/max_swap use %mem)",
		      out);
	fputc('\n', out);
}

bool sl_ov_report(const sl_rules_t *r, const sl_ov_nodes_t *n, bool json,
		  FILE *out, bool *failed)
{
	size_t nterms = sl_rules_count(r), nn = n->conf.nnodes;
	sl_bound_t **b = calloc(nn ? nn : 1, sizeof(*b));
	size_t over_terms = 0, over_nodes = 0;
	bool any_over = false, first = true;
	sl_hostset_t *over_hosts = sl_hostset_new();

	*failed = false;
	if (!b || !over_hosts)
		goto oom;
	for (size_t k = 0; k < nn; k++)
		if (!(b[k] = sl_rules_bind(r, n->conf.nodes[k].name)))
			goto oom;
	if (json)
		fprintf(out, "\"nodes\": %zu, \"results\": [", nn);
	else
		fprintf(out, "oversubscription: the most swap each term can "
			"promise at once on a node, if every job there matched "
			"it (%zu node%s)\n", nn, nn == 1 ? "" : "s");
	for (size_t i = 0; i < nterms; i++) {
		struct answer *ans = NULL;
		size_t nans = 0;
		bool term_over = false;

		for (size_t k = 0; k < nn; k++) {
			sl_ov_node_t s = { .cpus = n->conf.nodes[k].cpus,
					   .mem_bytes = n->conf.nodes[k].mem_bytes,
					   .swap_bytes = n->swap[k] };
			size_t a;

			if (!applies(r, i, n, k, b[k], &s.oversubscribe))
				continue;
			for (a = 0; a < nans && !same_answer(&ans[a], &s); a++)
				;
			if (a == nans) {
				struct answer *na = realloc(ans, (nans + 1) * sizeof(*na));

				if (!na)
					goto oom_term;
				ans = na;
				memset(&ans[a], 0, sizeof(ans[a]));
				ans[a].shape = s;
				nans++;
				if (!(ans[a].hosts = sl_hostset_new()))
					goto oom_term;
				sl_ov_term(r, i, &s, &ans[a].res);
			}
			if (sl_hostset_push(ans[a].hosts, n->conf.nodes[k].name) < 0)
				goto oom_term;
			ans[a].count++;
			if (ans[a].res.status == SL_OV_OVER) {
				term_over = true;
				sl_hostset_push(over_hosts, n->conf.nodes[k].name);
			}
		}
		if (!json)
			fprintf(out, "term %zu: %s\n", i + 1, sl_rules_term_text(r, i));
		if (!json && !nans)
			fputs("  applies on no node\n", out);
		for (size_t a = 0; a < nans; a++) {
			char *hosts = sl_hostset_ranged(ans[a].hosts);

			if (!hosts)
				goto oom_term;
			if (json)
				json_answer(out, i, r, &ans[a], hosts, first);
			else
				text_answer(out, &ans[a], hosts);
			first = false;
			free(hosts);
		}
		if (term_over) {
			over_terms++;
			any_over = true;
		}
		for (size_t a = 0; a < nans; a++)
			sl_hostset_destroy(ans[a].hosts);
		free(ans);
		continue;
oom_term:
		for (size_t a = 0; a < nans; a++)
			sl_hostset_destroy(ans[a].hosts);
		free(ans);
		goto oom;
	}
	over_nodes = (size_t)sl_hostset_count(over_hosts);
	if (json) {
		fprintf(out, "], \"oversubscribed\": %s", any_over ? "true" : "false");
	} else if (any_over) {
		char *list = sl_hostset_ranged(over_hosts);

		fprintf(out, "oversubscribed: %zu term%s can promise more swap than "
			"%zu node%s ha%s (%s)\n", over_terms,
			over_terms == 1 ? "" : "s", over_nodes,
			over_nodes == 1 ? "" : "s", over_nodes == 1 ? "s" : "ve",
			list ? list : "?");
		free(list);
	} else {
		fputs("no term can promise more swap than a node has\n", out);
	}
	goto done;
oom:
	*failed = true;
done:
	for (size_t k = 0; b && k < nn; k++)
		sl_bound_free(b[k]);
	free(b);
	sl_hostset_destroy(over_hosts);
	return any_over;
}
