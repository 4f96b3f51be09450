/*
 * The `swaplimit` command: `check` compiles rules and prints them
 * normalised with warnings; `eval` evaluates them for one job on one node.
 * See man/swaplimit.1.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unistd.h>

#include "allowance.h"
#include "cgroup.h"
#include "cli.h"
#include "cli_oversub.h"
#include "cli_release.h"
#include "plugin_args.h"
#include "rules.h"
#include "size.h"

#ifndef SWAPLIMIT_VERSION
#define SWAPLIMIT_VERSION "unknown"
#endif

static const char usage_text[] =
"Usage:\n"
"  swaplimit check [--rules STRING | --file PATH | --plugstack PATH]\n"
"                  [--slurm-conf FILE | --node HOSTLIST:cpus=N,mem=SIZE\n"
"                   [,oversubscribe=N] ...]\n"
"                  [--swap [HOSTLIST=]SIZE ...] [--swap-file FILE] [--json]\n"
"  swaplimit eval  [--rules STRING | --file PATH | --plugstack PATH] --node NAME\n"
"                  [--partition NAME] [--user NAME] [--group NAME[,NAME...]]\n"
"                  [--account NAME] [--unknown FACT[,FACT...]]\n"
"                  [--cpus N] [--mem SIZE] [--step-cpus N] [--tasks N]\n"
"                  [--step-mem SIZE] [--extern] [--swap SIZE|none]\n"
"                  [--node-swap SIZE] [--node-mem SIZE] [--node-cpus N]\n"
"                  [--gres SIZE]\n"
"                  [--cgroup v1|v2] [--page-size BYTES]\n"
"                  [--fallback SIZE|none] [--json]\n"
"  swaplimit --help | --version\n"
"\n"
"Commands:\n"
"  check   compile the rules; print them normalised, one numbered term a\n"
"          line, then any warnings; given nodes and their swap, report for\n"
"          every term and node the most swap the term can promise at once\n"
"          (every job there matching it) against the node's swap\n"
"  eval    compute, exactly as the plugin does, the swap the job cgroup and\n"
"          the step cgroup get on one node: the term, both values (page-\n"
"          rounded, the --swap request applied), how, every fact used and\n"
"          every fact assumed\n"
"\n"
"Rule source (exactly one):\n"
"  --rules STRING     rules given inline, as in the plugin's rules= argument\n"
"  --file PATH        a rules file, as in the plugin's config= argument\n"
"                     ('#' comments, one term a line allowed)\n"
"  --plugstack PATH   the rules= or config= argument of the swaplimit.so\n"
"                     line of a plugstack.conf (include lines are followed;\n"
"                     its fallback= is used too)\n"
"\n"
"Nodes (check):\n"
"  --slurm-conf FILE  the nodes (NodeName=: CPUs, RealMemory) and partitions\n"
"                     (PartitionName=: Nodes, OverSubscribe) of a slurm.conf\n"
"  --node SPEC        instead: HOSTLIST:cpus=N,mem=SIZE[,oversubscribe=N]\n"
"                     (mem: RealMemory; oversubscribe: jobs per CPU,\n"
"                     default 1); repeatable\n"
"  --swap [HOSTLIST=]SIZE  the swap of those nodes (no HOSTLIST: every\n"
"                     node); repeatable: the last entry naming a node wins\n"
"  --swap-file FILE   HOSTLIST=SIZE lines ('#' comments), in that order\n"
"  --json             print one JSON object instead of text\n"
"\n"
"Job facts (eval):\n"
"  --node NAME        node name (required)\n"
"  --partition NAME   the job's partition\n"
"  --user NAME        the job's user\n"
"  --group LIST       the user's groups, comma-separated (repeatable)\n"
"  --account NAME     the job's account\n"
"  --unknown LIST     facts the plugin could not find out: partition,\n"
"                     account (no prolog record), user, groups (NSS failed)\n"
"  --cpus N           CPUs the job holds on the node (default 1, assumed)\n"
"  --mem SIZE         the job's RAM limit on the node (default unlimited,\n"
"                     assumed)\n"
"  --step-cpus N      the step's CPUs on the node (default: the job's)\n"
"  --tasks N          the step's tasks on the node (default 1, assumed)\n"
"  --step-mem SIZE    the step's RAM limit (default: the job's)\n"
"  --extern           the extern step (PrologFlags=contain)\n"
"  --swap SIZE|none   the user's --swap request\n"
"  --node-swap SIZE   the node's total swap (default: THIS machine's\n"
"                     SwapTotal, assumed: give it for another node)\n"
"  --gres SIZE        the swap GRES the job holds on the node, for the\n"
"                     gres limit (the plugin asks slurmctld in the job\n"
"                     prolog; default: unknown)\n"
"  --node-mem SIZE    the node's physical RAM (MemTotal), for /memshare\n"
"                     (default unknown: a /memshare term cannot be decided)\n"
"  --node-cpus N      the node's online CPUs, for /cpushare (default\n"
"                     unknown: a /cpushare term cannot be decided)\n"
"  --cgroup v1|v2     the node's cgroup version (default v2, assumed); v1\n"
"                     cannot limit swap without a RAM limit\n"
"  --page-size BYTES  the node's page size (default this machine's)\n"
"  --fallback SIZE|none  the plugin's fallback= (default: the plugstack\n"
"                     line's, else 0)\n"
"  --json             print one JSON object instead of text\n"
"\n"
"SIZE is written as for Slurm's --mem: a bare number is MiB (512), or a\n"
"number and a unit B, K, KiB, M, MiB, G, GiB, T, TiB, P, PiB (powers of\n"
"1024), e.g. 64GiB or 1.5G.\n"
"\n"
"Exit status: 0 ok, 1 invalid rules or unreadable rules/plugstack file,\n"
"or (check with nodes) a term can promise more swap than a node has;\n"
"2 usage error, or nodes/swap that cannot be read. See swaplimit(1).\n";

enum {
	OPT_RULES = 256, OPT_FILE, OPT_PLUGSTACK, OPT_NODE, OPT_PARTITION,
	OPT_USER, OPT_GROUP, OPT_ACCOUNT, OPT_CPUS, OPT_TASKS, OPT_MEM,
	OPT_NODE_SWAP, OPT_JSON, OPT_VERSION, OPT_STEP_CPUS, OPT_STEP_MEM,
	OPT_EXTERN, OPT_SWAP, OPT_CGROUP, OPT_PAGE_SIZE, OPT_FALLBACK,
	OPT_UNKNOWN, OPT_GRES, OPT_NODE_MEM, OPT_NODE_CPUS, OPT_SLURM_CONF, OPT_SWAP_FILE,
};

static const struct option long_opts[] = {
	{ "rules",     required_argument, NULL, OPT_RULES },
	{ "file",      required_argument, NULL, OPT_FILE },
	{ "plugstack", required_argument, NULL, OPT_PLUGSTACK },
	{ "node",      required_argument, NULL, OPT_NODE },
	{ "partition", required_argument, NULL, OPT_PARTITION },
	{ "user",      required_argument, NULL, OPT_USER },
	{ "group",     required_argument, NULL, OPT_GROUP },
	{ "account",   required_argument, NULL, OPT_ACCOUNT },
	{ "cpus",      required_argument, NULL, OPT_CPUS },
	{ "tasks",     required_argument, NULL, OPT_TASKS },
	{ "mem",       required_argument, NULL, OPT_MEM },
	{ "node-swap", required_argument, NULL, OPT_NODE_SWAP },
	{ "json",      no_argument,       NULL, OPT_JSON },
	{ "step-cpus", required_argument, NULL, OPT_STEP_CPUS },
	{ "step-mem",  required_argument, NULL, OPT_STEP_MEM },
	{ "extern",    no_argument,       NULL, OPT_EXTERN },
	{ "swap",      required_argument, NULL, OPT_SWAP },
	{ "cgroup",    required_argument, NULL, OPT_CGROUP },
	{ "page-size", required_argument, NULL, OPT_PAGE_SIZE },
	{ "fallback",  required_argument, NULL, OPT_FALLBACK },
	{ "unknown",   required_argument, NULL, OPT_UNKNOWN },
	{ "node-mem",  required_argument, NULL, OPT_NODE_MEM },
	{ "gres",      required_argument, NULL, OPT_GRES },
	{ "node-cpus", required_argument, NULL, OPT_NODE_CPUS },
	{ "slurm-conf", required_argument, NULL, OPT_SLURM_CONF },
	{ "swap-file", required_argument, NULL, OPT_SWAP_FILE },
	{ "help",      no_argument,       NULL, 'h' },
	{ "version",   no_argument,       NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

typedef enum { CMD_CHECK, CMD_EVAL } cmd_t;

typedef struct {
	cmd_t cmd;
	const char *cmdname;
	/* Rule source: which option gave it, and its value. */
	int source_opt;
	const char *source;
	const char *node, *partition, *user, *account;
	char **groups;
	size_t ngroups;
	uint64_t cpus, tasks, mem, node_swap;
	bool have_cpus, have_tasks, have_mem, have_node_swap;
	uint64_t step_cpus, step_mem, swap, page_size, fallback;
	uint64_t node_mem, node_cpus, gres;
	bool have_node_mem, have_node_cpus, have_gres;
	bool have_step_cpus, have_step_mem, have_swap, have_page_size;
	bool have_fallback, have_cgroup, have_unknown;
	bool is_extern, v1;
	bool unknown_partition, unknown_account, unknown_user, unknown_groups;
	bool json;
	/* check: the nodes and their swap (cli_oversub.h) */
	const char *slurm_conf;
	const char **node_specs;
	size_t nnode_specs;
	sl_swap_src_t *swaps;
	size_t nswaps;
} opts_t;

static const char *opt_name(int val)
{
	for (const struct option *o = long_opts; o->name; o++)
		if (o->val == val)
			return o->name;
	return "?";
}

static void opts_free(opts_t *o)
{
	for (size_t i = 0; i < o->ngroups; i++)
		free(o->groups[i]);
	free(o->groups);
	o->groups = NULL;
	o->ngroups = 0;
	free(o->node_specs);
	o->node_specs = NULL;
	free(o->swaps);
	o->swaps = NULL;
}

/* check's repeatable --node and --swap/--swap-file, kept in order. */
static int add_check_arg(opts_t *o, int c, const char *arg, FILE *err)
{
	if (!arg[0]) {
		fprintf(err, "swaplimit check: --%s needs a non-empty value\n",
			opt_name(c));
		return -1;
	}
	if (c == OPT_NODE) {
		const char **v = realloc(o->node_specs,
					 (o->nnode_specs + 1) * sizeof(*v));

		if (!v)
			goto oom;
		o->node_specs = v;
		v[o->nnode_specs++] = arg;
	} else {
		sl_swap_src_t *v = realloc(o->swaps, (o->nswaps + 1) * sizeof(*v));

		if (!v)
			goto oom;
		o->swaps = v;
		v[o->nswaps++] = (sl_swap_src_t){ .file = c == OPT_SWAP_FILE,
						  .arg = arg };
	}
	return 0;
oom:
	fprintf(err, "swaplimit: out of memory\n");
	return -1;
}

/* Whole number >= 1 (no sign, no spaces, no suffix). */
static int parse_count(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s[0] || s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v == 0)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

/* A size in the one grammar of the rules and --swap (size.h), through the
 * engine's parser. `none_ok`: "none" (and "unlimited") mean no limit. */
static int parse_size(const opts_t *o, int opt, const char *arg,
		      uint64_t *v, bool none_ok, FILE *err)
{
	char why[160];

	if (strcasecmp(arg, "none") == 0 || strcasecmp(arg, "unlimited") == 0) {
		if (none_ok) {
			*v = SL_UNLIMITED_BYTES;
			return 0;
		}
		if (opt == OPT_NODE_SWAP)
			fprintf(err, "swaplimit %s: --%s '%s': the node's swap "
				"is a finite size (e.g. 64GiB, or 0 for none)\n",
				o->cmdname, opt_name(opt), arg);
		else
			fprintf(err, "swaplimit %s: --%s '%s': expected a "
				"finite size (e.g. 256GiB)\n", o->cmdname,
				opt_name(opt), arg);
		return -1;
	}
	if (sl_size_parse_explain(arg, v, why, sizeof(why)) == 0)
		return 0;
	fprintf(err, "swaplimit %s: --%s '%s': %s; write %s%s\n", o->cmdname,
		opt_name(opt), arg, why, SL_SIZE_FORMS,
		none_ok ? ", or none" : "");
	return -1;
}

/* --unknown partition,account,user,groups */
static int add_unknown(opts_t *o, const char *list, FILE *err)
{
	const char *p = list;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n == 9 && strncmp(p, "partition", 9) == 0)
			o->unknown_partition = true;
		else if (n == 7 && strncmp(p, "account", 7) == 0)
			o->unknown_account = true;
		else if (n == 4 && strncmp(p, "user", 4) == 0)
			o->unknown_user = true;
		else if (n == 6 && strncmp(p, "groups", 6) == 0)
			o->unknown_groups = true;
		else {
			fprintf(err, "swaplimit %s: --unknown '%s': expected "
				"partition, account, user or groups, "
				"comma-separated\n", o->cmdname, list);
			return -1;
		}
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/* Append the comma-separated names of one --group value. */
static int add_groups(opts_t *o, const char *list, FILE *err)
{
	const char *p = list;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char **ng;

		if (n == 0) {
			fprintf(err, "swaplimit %s: --group '%s': empty group "
				"name (write NAME[,NAME...])\n", o->cmdname,
				list);
			return -1;
		}
		ng = realloc(o->groups, (o->ngroups + 1) * sizeof(*ng));
		if (!ng)
			goto oom;
		o->groups = ng;
		if (!(o->groups[o->ngroups] = strndup(p, n)))
			goto oom;
		o->ngroups++;
		if (!comma)
			return 0;
		p = comma + 1;
	}
oom:
	fprintf(err, "swaplimit: out of memory\n");
	return -1;
}

/* Every option but --group may be given once. */
static bool given_twice(const opts_t *o, int val, bool already, FILE *err)
{
	if (already)
		fprintf(err, "swaplimit %s: --%s is given twice; give it once\n",
			o->cmdname, opt_name(val));
	return already;
}

static int set_once(opts_t *o, const char **slot, int val, const char *arg,
		    FILE *err)
{
	if (given_twice(o, val, *slot != NULL, err))
		return -1;
	if (!arg[0]) {
		fprintf(err, "swaplimit %s: --%s needs a non-empty value\n",
			o->cmdname, opt_name(val));
		return -1;
	}
	*slot = arg;
	return 0;
}

/* An option of `swaplimit check` only: false (message printed) else. */
static bool check_only(const opts_t *o, int val, FILE *err)
{
	if (o->cmd == CMD_CHECK)
		return true;
	fprintf(err, "swaplimit %s: --%s is only for 'swaplimit check'\n",
		o->cmdname, opt_name(val));
	return false;
}

/* Parse the options after the command name. Returns -1 on a usage error
 * (message printed), 1 when --help/--version was handled, 0 otherwise. */
static int parse_opts(opts_t *o, int argc, char *argv[], FILE *out,
		      FILE *err)
{
	int c;

	optind = 0;           /* full re-initialisation (GNU): reentrant */
	opterr = 0;           /* we print our own messages, on `err` */
	while ((c = getopt_long(argc, argv, "+:h", long_opts, NULL)) != -1) {
		const char *arg = optarg;
		bool eval_only = false;
		int rc = 0;

		switch (c) {
		case 'h':
			fputs(usage_text, out);
			return 1;
		case OPT_VERSION:
			fprintf(out, "swaplimit %s\n", SWAPLIMIT_VERSION);
			return 1;
		case OPT_RULES:
		case OPT_FILE:
		case OPT_PLUGSTACK:
			if (o->source_opt == c) {
				fprintf(err, "swaplimit %s: --%s is given "
					"twice; give it once\n", o->cmdname,
					opt_name(c));
				return -1;
			}
			if (o->source_opt) {
				fprintf(err, "swaplimit %s: --%s and --%s both "
					"give rules; give exactly one of "
					"--rules, --file and --plugstack\n",
					o->cmdname, opt_name(o->source_opt),
					opt_name(c));
				return -1;
			}
			if (c != OPT_RULES && !arg[0]) {
				fprintf(err, "swaplimit %s: --%s needs a path\n",
					o->cmdname, opt_name(c));
				return -1;
			}
			o->source_opt = c;
			o->source = arg;
			break;
		case OPT_NODE:
			if (o->cmd == CMD_CHECK) {
				rc = add_check_arg(o, c, arg, err);
				break;
			}
			rc = set_once(o, &o->node, c, arg, err);
			break;
		case OPT_SWAP_FILE:
			if (!check_only(o, c, err))
				return -1;
			rc = add_check_arg(o, c, arg, err);
			break;
		case OPT_SLURM_CONF:
			if (!check_only(o, c, err))
				return -1;
			if (given_twice(o, c, o->slurm_conf != NULL, err))
				return -1;
			if (!arg[0]) {
				fprintf(err, "swaplimit check: --slurm-conf "
					"needs a path\n");
				return -1;
			}
			o->slurm_conf = arg;
			break;
		case OPT_PARTITION:
			eval_only = true;
			rc = set_once(o, &o->partition, c, arg, err);
			break;
		case OPT_USER:
			eval_only = true;
			rc = set_once(o, &o->user, c, arg, err);
			break;
		case OPT_ACCOUNT:
			eval_only = true;
			rc = set_once(o, &o->account, c, arg, err);
			break;
		case OPT_GROUP:
			eval_only = true;
			rc = add_groups(o, arg, err);
			break;
		case OPT_CPUS:
		case OPT_TASKS:
		case OPT_STEP_CPUS:
		case OPT_NODE_CPUS:
		case OPT_PAGE_SIZE: {
			bool *have = c == OPT_CPUS ? &o->have_cpus
				     : c == OPT_TASKS ? &o->have_tasks
				     : c == OPT_STEP_CPUS ? &o->have_step_cpus
				     : c == OPT_NODE_CPUS ? &o->have_node_cpus
							  : &o->have_page_size;
			uint64_t *v = c == OPT_CPUS ? &o->cpus
				      : c == OPT_TASKS ? &o->tasks
				      : c == OPT_STEP_CPUS ? &o->step_cpus
				      : c == OPT_NODE_CPUS ? &o->node_cpus
							   : &o->page_size;

			eval_only = true;
			if (given_twice(o, c, *have, err))
				return -1;
			if (parse_count(arg, v) < 0) {
				fprintf(err, "swaplimit %s: --%s '%s': expected "
					"a whole number >= 1\n", o->cmdname,
					opt_name(c), arg);
				return -1;
			}
			*have = true;
			break;
		}
		case OPT_SWAP:
			if (o->cmd == CMD_CHECK) {
				rc = add_check_arg(o, c, arg, err);
				break;
			}
			/* fall through */
		case OPT_MEM:
		case OPT_STEP_MEM:
		case OPT_NODE_SWAP:
		case OPT_NODE_MEM:
		case OPT_GRES:
		case OPT_FALLBACK: {
			bool *have = c == OPT_MEM ? &o->have_mem
				     : c == OPT_STEP_MEM ? &o->have_step_mem
				     : c == OPT_NODE_SWAP ? &o->have_node_swap
				     : c == OPT_NODE_MEM ? &o->have_node_mem
				     : c == OPT_GRES ? &o->have_gres
				     : c == OPT_SWAP ? &o->have_swap
						     : &o->have_fallback;
			uint64_t *v = c == OPT_MEM ? &o->mem
				      : c == OPT_STEP_MEM ? &o->step_mem
				      : c == OPT_NODE_SWAP ? &o->node_swap
				      : c == OPT_NODE_MEM ? &o->node_mem
				      : c == OPT_GRES ? &o->gres
				      : c == OPT_SWAP ? &o->swap : &o->fallback;

			eval_only = true;
			if (given_twice(o, c, *have, err))
				return -1;
			if (parse_size(o, c, arg, v,
				       c != OPT_NODE_SWAP && c != OPT_NODE_MEM &&
					       c != OPT_GRES,
				       err) < 0)
				return -1;
			if (c == OPT_NODE_MEM && *v == 0) {
				fprintf(err, "swaplimit %s: --node-mem '%s': "
					"the node's RAM cannot be 0\n",
					o->cmdname, arg);
				return -1;
			}
			*have = true;
			break;
		}
		case OPT_CGROUP:
			eval_only = true;
			if (given_twice(o, c, o->have_cgroup, err))
				return -1;
			if (strcmp(arg, "v1") != 0 && strcmp(arg, "v2") != 0) {
				fprintf(err, "swaplimit %s: --cgroup '%s': "
					"expected v1 or v2\n", o->cmdname, arg);
				return -1;
			}
			o->v1 = strcmp(arg, "v1") == 0;
			o->have_cgroup = true;
			break;
		case OPT_EXTERN:
			eval_only = true;
			o->is_extern = true;
			break;
		case OPT_UNKNOWN:
			eval_only = true;
			rc = add_unknown(o, arg, err);
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case ':':
			fprintf(err, "swaplimit %s: option '%s' needs a value "
				"(see swaplimit --help)\n", o->cmdname,
				argv[optind - 1]);
			return -1;
		default:
			if (optopt > 0 && optopt < 256)
				fprintf(err, "swaplimit %s: unknown option '-%c' "
					"(see swaplimit --help)\n", o->cmdname,
					optopt);
			else
				fprintf(err, "swaplimit %s: unknown option or "
					"unexpected value '%s' (see swaplimit "
					"--help)\n", o->cmdname,
					argv[optind - 1]);
			return -1;
		}
		if (rc < 0)
			return -1;
		if (eval_only && o->cmd != CMD_EVAL) {
			fprintf(err, "swaplimit %s: --%s is only for "
				"'swaplimit eval'\n", o->cmdname, opt_name(c));
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(err, "swaplimit %s: unexpected argument '%s' (values "
			"go after an option, e.g. --rules 'default()=1GiB')\n",
			o->cmdname, argv[optind]);
		return -1;
	}
	if (!o->source_opt) {
		fprintf(err, "swaplimit %s: no rules given; add --rules STRING, "
			"--file PATH or --plugstack PATH\n", o->cmdname);
		return -1;
	}
	if (o->cmd == CMD_CHECK && o->slurm_conf && o->nnode_specs) {
		fprintf(err, "swaplimit check: --slurm-conf and --node both give "
			"nodes; give one of them\n");
		return -1;
	}
	if (o->cmd == CMD_CHECK && (o->slurm_conf || o->nnode_specs) &&
	    !o->nswaps) {
		fprintf(err, "swaplimit check: the nodes' swap is needed: add "
			"--swap [HOSTLIST=]SIZE or --swap-file FILE\n");
		return -1;
	}
	if (o->cmd == CMD_CHECK && o->nswaps && !o->slurm_conf &&
	    !o->nnode_specs) {
		fprintf(err, "swaplimit check: --%s needs nodes: add "
			"--slurm-conf FILE or --node HOSTLIST:cpus=N,mem=SIZE\n",
			o->swaps[0].file ? "swap-file" : "swap");
		return -1;
	}
	if (o->cmd == CMD_EVAL && !o->node) {
		fprintf(err, "swaplimit eval: --node NAME is required (the node "
			"to evaluate the rules on)\n");
		return -1;
	}
	return 0;
}

static void print_rules_error(FILE *err, const sl_error_t *e)
{
	char buf[SL_MSG_MAX + 192];

	if (e->line == 0) {           /* not in the text: a file problem */
		fprintf(err, "swaplimit: %s\n", e->message);
		return;
	}
	sl_error_format(e, buf, sizeof(buf));
	fprintf(err, "%s\n", buf);
}

/* Compile the rules from the chosen source. NULL after printing why.
 * With --plugstack, *fallback gets its line's fallback= (if given). */
static sl_rules_t *load_rules(const opts_t *o, uint64_t *fallback,
			      bool *have_fallback, FILE *err)
{
	sl_args_t args;
	sl_rules_t *r;
	sl_error_t e;

	memset(&args, 0, sizeof(args));
	if (o->source_opt == OPT_PLUGSTACK) {
		char msg[SL_MSG_MAX * 3];

		if (sl_plugstack_read(o->source, &args, msg, sizeof(msg)) < 0) {
			fprintf(err, "swaplimit: %s\n", msg);
			return NULL;
		}
		r = sl_args_load_rules(&args, &e);
		if (fallback && args.fallback) {
			*fallback = args.fallback_bytes;
			*have_fallback = true;
		}
		sl_args_free(&args);
	} else {
		/* Not through sl_args_parse(): --file may be relative, and an
		 * empty --rules goes to the compiler, which says what is
		 * missing. */
		if (o->source_opt == OPT_RULES)
			args.rules = (char *)o->source;
		else
			args.config = (char *)o->source;
		r = sl_args_load_rules(&args, &e);
	}
	if (!r)
		print_rules_error(err, &e);
	return r;
}

static void json_strings(FILE *out, const char *const *v, size_t n,
			 bool *first)
{
	for (size_t i = 0; i < n; i++) {
		fputs(*first ? "" : ", ", out);
		sl_cli_json_string(out, v[i]);
		*first = false;
	}
}


/*
 * Which build of the plugin the rules need (docs/plugin.md): true for
 * swaplimit.so, whose job prolog records what partition(), account() and
 * gres need; *why says it in a few words.
 */
static bool plugin_build(const sl_rules_t *r, const char **why)
{
	unsigned u = sl_rules_uses(r);

	if (u & SL_USES_GRES) {
		*why = "a gres limit: the job prolog asks slurmctld for the job's "
		       "GRES; give the plugin gres=NAME";
		return true;
	}
	if (u & (SL_USES_PARTITION | SL_USES_ACCOUNT)) {
		*why = "partition() or account(): only the job prolog knows them; "
		       "Slurm then runs a prolog process per job and node";
		return true;
	}
	*why = "no partition(), account() or gres: no job prolog needed, "
	       "which saves Slurm's prolog process per job and node";
	return false;
}

static int cmd_check(const opts_t *o, FILE *out, FILE *err)
{
	sl_rules_t *r = load_rules(o, NULL, NULL, err);
	sl_ov_nodes_t *nodes = NULL;
	char refuse[SL_MSG_MAX * 3 + 64] = "";
	const char *extra[1];
	size_t n, w, nextra = 0;
	bool over = false, failed = false, first = true, needs_prolog;
	const char *build_why;

	if (!r)
		return SL_EXIT_RULES;
	if (o->slurm_conf || o->nnode_specs) {
		sl_ov_opts_t ov = {
			.slurm_conf = o->slurm_conf,
			.node_specs = o->node_specs,
			.nnode_specs = o->nnode_specs,
			.swaps = o->swaps,
			.nswaps = o->nswaps,
		};

		nodes = sl_ov_nodes_load(&ov, err);
		if (!nodes) {
			sl_rules_free(r);
			return SL_EXIT_USAGE;
		}
	}
	/* What the plugin adds: a config= file must be root's and not
	 * writable by group or others, or every step refuses it. */
	if (o->source_opt == OPT_PLUGSTACK) {
		sl_args_t args;
		char msg[SL_MSG_MAX * 3];

		memset(&args, 0, sizeof(args));
		if (sl_plugstack_read(o->source, &args, msg, sizeof(msg)) == 0) {
			sl_error_t e;
			sl_rules_t *strict = args.config
				? sl_args_load_rules_ex(&args, SL_LOAD_ROOT_OWNED,
							NULL, NULL, &e)
				: NULL;

			if (args.config && !strict) {
				snprintf(refuse, sizeof(refuse), "the plugin "
					 "will refuse this: %s", e.message);
				extra[nextra++] = refuse;
			}
			sl_rules_free(strict);
		}
		sl_args_free(&args);
	}
	n = sl_rules_count(r);
	w = sl_rules_warning_count(r);
	needs_prolog = plugin_build(r, &build_why);
	if (o->json) {
		fputs("{\"terms\": [", out);
		for (size_t i = 0; i < n; i++) {
			fprintf(out, "%s{\"term\": %zu, \"text\": ", i ? ", " : "",
				i + 1);
			sl_cli_json_string(out, sl_rules_term_text(r, i));
			fputc('}', out);
		}
		fputs("], \"warnings\": [", out);
		for (size_t i = 0; i < w; i++) {
			const char *x = sl_rules_warning(r, i);

			json_strings(out, &x, 1, &first);
		}
		json_strings(out, extra, nextra, &first);
		for (size_t i = 0; i < sl_ov_nodes_warning_count(nodes); i++) {
			const char *x = sl_ov_nodes_warning(nodes, i);

			json_strings(out, &x, 1, &first);
		}
		fprintf(out, "], \"plugin\": \"%s\", \"plugin_why\": ",
			needs_prolog ? "swaplimit.so" : "swaplimit_noprolog.so");
		sl_cli_json_string(out, build_why);
		fprintf(out, ", \"checked\": %s", nodes ? "true" : "false");
		if (nodes) {
			fputs(", ", out);
			over = sl_ov_report(r, nodes, true, out, &failed);
		}
		fputs("}\n", out);
	} else {
		for (size_t i = 0; i < n; i++)
			fprintf(out, "%zu: %s\n", i + 1, sl_rules_term_text(r, i));
		for (size_t i = 0; i < w; i++)
			fprintf(out, "warning: %s\n", sl_rules_warning(r, i));
		for (size_t i = 0; i < nextra; i++)
			fprintf(out, "warning: %s\n", extra[i]);
		for (size_t i = 0; i < sl_ov_nodes_warning_count(nodes); i++)
			fprintf(out, "warning: %s\n", sl_ov_nodes_warning(nodes, i));
		fprintf(out, "plugin: %s (%s)\n",
			needs_prolog ? "swaplimit.so" : "swaplimit_noprolog.so",
			build_why);
		if (nodes)
			over = sl_ov_report(r, nodes, false, out, &failed);
	}
	sl_ov_nodes_free(nodes);
	sl_rules_free(r);
	if (failed) {
		fprintf(err, "swaplimit: out of memory\n");
		return SL_EXIT_USAGE;
	}
	/* the Slurm release the plugin file was built for (cli_release.c) */
	if (o->source_opt == OPT_PLUGSTACK &&
	    sl_cli_release_check(o->source, err) != 0)
		return SL_EXIT_RULES;
	return over ? SL_EXIT_OVER : SL_EXIT_OK;
}

/* "250MiB (262144000 bytes)", "3543348019 bytes (~3.30GiB)", or
 * "unlimited (no swap limit)": finite values never read "unlimited". */
static void print_bytes(FILE *out, uint64_t bytes)
{
	char human[SL_SIZE_BUF], raw[24];

	if (bytes == SL_UNLIMITED_BYTES) {
		fputs("unlimited (no swap limit)", out);
		return;
	}
	sl_size_format_finite(bytes, human, sizeof(human));
	snprintf(raw, sizeof(raw), "%lluB", (unsigned long long)bytes);
	if (strncmp(human, raw, strlen(raw)) == 0)
		/* not a round size: "3543348019B (~3.30GiB)" */
		fprintf(out, "%llu bytes%s", (unsigned long long)bytes,
			human + strlen(raw));
	else
		fprintf(out, "%s (%llu bytes)", human,
			(unsigned long long)bytes);
}

/* Everything eval took for granted, one phrase each. */
typedef struct {
	const char *items[12];
	size_t n;
} assumed_t;

static void assume(assumed_t *a, const char *what)
{
	if (a->n < sizeof(a->items) / sizeof(a->items[0]))
		a->items[a->n++] = what;
}

static const char *source_name(sl_allow_source_t s)
{
	return s == SL_FROM_RULE ? "rule" : s == SL_FROM_FALLBACK ? "fallback"
								  : "none";
}

static void print_eval_text(FILE *out, const opts_t *o, const sl_bound_t *b,
			    const sl_allow_in_t *in, const sl_allow_t *d,
			    const assumed_t *a)
{
	const char *text = sl_result_term_text(b, &d->step);
	char h1[SL_SIZE_BUF], h2[SL_SIZE_BUF], h3[SL_SIZE_BUF], h4[SL_SIZE_BUF];
	char h5[SL_SIZE_BUF], h6[SL_SIZE_BUF], ncpus[24] = "?(unknown)";

	switch (d->source) {
	case SL_FROM_RULE:
		fprintf(out, "term %zu: %s\n", d->step.term, text ? text : "");
		break;
	case SL_FROM_FALLBACK:
		fprintf(out, "term %zu cannot be decided: fallback applies\n",
			d->step.term);
		break;
	case SL_FROM_NOTHING:
		fputs("no term matched: the limits stay as Slurm set them\n",
		      out);
		break;
	}
	if (d->write || d->source != SL_FROM_NOTHING) {
		fputs("job swap: ", out);
		if (d->source == SL_FROM_NOTHING)
			fputs("as Slurm set it", out);
		else
			print_bytes(out, d->job_swap);
		if (d->job_unenforceable)
			fputs(" (cgroup v1 without a RAM limit cannot limit "
			      "swap)", out);
		fputs("\nstep swap: ", out);
		print_bytes(out, d->step_swap);
		if (d->step_unenforceable)
			fputs(" (cgroup v1 without a RAM limit cannot limit "
			      "swap)", out);
		if (d->request_lowered)
			fputs(" (lowered by --swap)", out);
		else if (d->request_above)
			fputs(" (--swap asked for more: not applied)", out);
		fputc('\n', out);
		if (!d->write)
			fputs("nothing written: the limits stay as Slurm set "
			      "them\n", out);
	} else if (o->have_swap) {
		fputs("step swap: as Slurm set it (--swap not below it)\n", out);
	}
	fprintf(out, "why: step: %s; job: %s\n", d->step.why, d->job.why);
	if (in->node_cpus)
		snprintf(ncpus, sizeof(ncpus), "%llu",
			 (unsigned long long)in->node_cpus);
	fprintf(out, "facts: node=%s partition=%s account=%s user=%s groups=",
		o->node,
		o->unknown_partition ? "?(unknown)" : o->partition ? o->partition : "-",
		o->unknown_account ? "?(unknown)" : o->account ? o->account : "-",
		o->unknown_user ? "?(unknown)" : o->user ? o->user : "-");
	for (size_t i = 0; i < o->ngroups; i++)
		fprintf(out, "%s%s", i ? "," : "", o->groups[i]);
	if (!o->ngroups)
		fputs("-", out);
	if (o->unknown_groups)
		fputs("(+unknown)", out);
	fprintf(out, " job_cpus=%llu job_tasks=%llu job_ram=%s step_cpus=%llu%s "
		"step_tasks=%llu%s step_ram=%s node_swap=%s node_mem=%s "
		"node_cpus=%s%s%s cgroup=%s page=%llu%s\n",
		(unsigned long long)d->job_facts.cpus,
		(unsigned long long)d->job_facts.tasks,
		sl_size_format(in->job_ram, h1, sizeof(h1)),
		(unsigned long long)d->step_facts.cpus,
		d->cpus_capped ? "(capped at the job's)" : "",
		(unsigned long long)d->step_facts.tasks,
		d->tasks_capped ? "(capped at the job's CPUs)" : "",
		sl_size_format(d->step_facts.mem_bytes, h2, sizeof(h2)),
		sl_size_format_finite(in->base.node_swap_bytes, h3, sizeof(h3)),
		in->node_mem_bytes ? sl_size_format_finite(in->node_mem_bytes,
							   h5, sizeof(h5))
				   : "?(unknown)",
		ncpus,
		o->have_gres ? " gres=" : "",
		o->have_gres ? sl_size_format_finite(in->base.gres_bytes, h6,
						     sizeof(h6))
			     : "",
		in->memsw ? "v1" : "v2",
		(unsigned long long)(in->page_size ? in->page_size
						   : SL_PAGE_SIZE_DEFAULT),
		o->is_extern ? " step=extern" : "");
	if (o->have_swap) {
		if (in->request == SL_UNLIMITED_BYTES)
			fputs("request: --swap=none\n", out);
		else
			fprintf(out, "request: --swap=%s\n",
				sl_size_format_finite(in->request, h4,
						      sizeof(h4)));
	}
	for (size_t i = 0; i < a->n; i++)
		fprintf(out, "assumed: %s\n", a->items[i]);
}

static void json_value(FILE *out, const char *key, bool unlimited,
		       uint64_t bytes, bool known)
{
	fprintf(out, "\"%s_unlimited\": %s, \"%s_swap_bytes\": ", key,
		known && unlimited ? "true" : "false", key);
	if (known && !unlimited)
		fprintf(out, "%llu", (unsigned long long)bytes);
	else
		fputs("null", out);
}

static void print_eval_json(FILE *out, const opts_t *o, const sl_bound_t *b,
			    const sl_allow_in_t *in, const sl_allow_t *d,
			    const assumed_t *a)
{
	bool matched = d->source == SL_FROM_RULE;
	bool known = d->source != SL_FROM_NOTHING || d->write;

	fprintf(out, "{\"matched\": %s, \"term\": ",
		matched ? "true" : "false");
	if (d->step.term)
		fprintf(out, "%zu", d->step.term);
	else
		fputs("null", out);
	fputs(", \"text\": ", out);
	sl_cli_json_string(out, matched ? sl_result_term_text(b, &d->step)
					: NULL);
	/* the step's value first (what its tasks see in SWAPLIMIT_BYTES) */
	fprintf(out, ", \"unlimited\": %s, \"swap_bytes\": ",
		known && d->step_swap == SL_UNLIMITED_BYTES ? "true" : "false");
	if (known && d->step_swap != SL_UNLIMITED_BYTES)
		fprintf(out, "%llu", (unsigned long long)d->step_swap);
	else
		fputs("null", out);
	fprintf(out, ", \"source\": \"%s\", ", source_name(d->source));
	json_value(out, "job", d->job_swap == SL_UNLIMITED_BYTES, d->job_swap,
		   d->source != SL_FROM_NOTHING);
	fprintf(out, ", \"write\": %s, \"request_lowered\": %s, "
		"\"request_above\": %s, \"job_unenforceable\": %s, "
		"\"step_unenforceable\": %s",
		d->write ? "true" : "false",
		d->request_lowered ? "true" : "false",
		d->request_above ? "true" : "false",
		d->job_unenforceable ? "true" : "false",
		d->step_unenforceable ? "true" : "false");
	fputs(", \"why\": ", out);
	sl_cli_json_string(out, d->step.why);
	fputs(", \"job_why\": ", out);
	sl_cli_json_string(out, d->job.why);
	fprintf(out, ", \"facts\": {\"node\": ");
	sl_cli_json_string(out, o->node);
	fprintf(out, ", \"job_cpus\": %llu, \"job_tasks\": %llu, "
		"\"step_cpus\": %llu, \"step_tasks\": %llu, \"node_swap\": %llu, ",
		(unsigned long long)d->job_facts.cpus,
		(unsigned long long)d->job_facts.tasks,
		(unsigned long long)d->step_facts.cpus,
		(unsigned long long)d->step_facts.tasks,
		(unsigned long long)in->base.node_swap_bytes);
	/* 0 (unknown) is null */
	fputs("\"node_mem\": ", out);
	if (in->node_mem_bytes)
		fprintf(out, "%llu", (unsigned long long)in->node_mem_bytes);
	else
		fputs("null", out);
	fputs(", \"node_cpus\": ", out);
	if (in->node_cpus)
		fprintf(out, "%llu", (unsigned long long)in->node_cpus);
	else
		fputs("null", out);
	fprintf(out, ", \"cgroup\": \"%s\", \"page_size\": %llu}",
		in->memsw ? "v1" : "v2",
		(unsigned long long)(in->page_size ? in->page_size
						   : SL_PAGE_SIZE_DEFAULT));
	fputs(", \"assumed\": [", out);
	for (size_t i = 0; i < a->n; i++) {
		if (i)
			fputs(", ", out);
		sl_cli_json_string(out, a->items[i]);
	}
	fputs("]}\n", out);
}

static int cmd_eval(opts_t *o, FILE *out, FILE *err)
{
	static char swap_note[160];
	sl_rules_t *r;
	sl_bound_t *b;
	sl_allow_in_t in;
	sl_allow_t d;
	assumed_t a = { .n = 0 };
	uint64_t fallback = 0;
	bool have_fallback = false;
	long page;

	if (!o->have_node_swap) {
		char msg[SL_CG_MSG_MAX], h[SL_SIZE_BUF];

		if (sl_meminfo_swap_total(NULL, &o->node_swap, msg,
					  sizeof(msg)) < 0) {
			fprintf(err, "swaplimit eval: cannot read this "
				"machine's swap size (%s); give --node-swap "
				"SIZE\n", msg);
			return SL_EXIT_USAGE;
		}
		snprintf(swap_note, sizeof(swap_note),
			 "node swap %s is THIS machine's SwapTotal, not "
			 "necessarily %.64s's (--node-swap)",
			 sl_size_format_finite(o->node_swap, h, sizeof(h)),
			 o->node);
		assume(&a, swap_note);
	}
	r = load_rules(o, &fallback, &have_fallback, err);
	if (!r)
		return SL_EXIT_RULES;
	b = sl_rules_bind(r, o->node);
	if (!b) {
		fprintf(err, "swaplimit: out of memory\n");
		sl_rules_free(r);
		return SL_EXIT_RULES;
	}
	memset(&in, 0, sizeof(in));
	in.base.partition = o->partition;
	in.base.user = o->user;
	in.base.groups = (const char *const *)o->groups;
	in.base.ngroups = o->ngroups;
	in.base.account = o->account;
	in.base.partition_unknown = o->unknown_partition;
	in.base.account_unknown = o->unknown_account;
	in.base.user_unknown = o->unknown_user;
	in.base.groups_unknown = o->unknown_groups;
	in.base.node_swap_bytes = o->node_swap;
	in.node_mem_bytes = o->have_node_mem ? o->node_mem : 0;
	in.node_cpus = o->have_node_cpus ? o->node_cpus : 0;
	in.base.gres_bytes = o->have_gres ? o->gres : 0;
	in.base.gres_unknown = !o->have_gres;
	if (!o->have_gres && (sl_rules_uses(r) & SL_USES_GRES))
		assume(&a, "the job's swap GRES on the node is unknown: a gres "
			   "term cannot be decided (--gres)");
	if (!o->have_node_mem && (sl_rules_uses(r) & SL_USES_NODE_MEM))
		assume(&a, "the node's RAM is unknown: a /memshare term cannot "
			   "be decided (--node-mem)");
	if (!o->have_node_cpus && (sl_rules_uses(r) & SL_USES_NODE_CPUS))
		assume(&a, "the node's CPUs are unknown: a /cpushare term "
			   "cannot be decided (--node-cpus)");
	in.job_cpus = o->have_cpus ? o->cpus : 1;
	if (!o->have_cpus)
		assume(&a, "the job holds 1 CPU on the node (--cpus)");
	in.step_cpus = o->have_step_cpus ? o->step_cpus : in.job_cpus;
	if (!o->have_step_cpus && !o->is_extern)
		assume(&a, "the step has all the job's CPUs (--step-cpus)");
	in.step_tasks = o->have_tasks ? o->tasks : 1;
	if (!o->have_tasks && !o->is_extern)
		assume(&a, "the step has 1 task on the node (--tasks)");
	in.job_ram = o->have_mem ? o->mem : SL_UNLIMITED_BYTES;
	if (!o->have_mem)
		assume(&a, "the job has no RAM limit (--mem)");
	in.step_ram = o->have_step_mem ? o->step_mem : in.job_ram;
	if (!o->have_step_mem)
		assume(&a, "the step's RAM limit is the job's (--step-mem)");
	in.whole_job_step = o->is_extern;
	in.request_given = o->have_swap;
	in.request = o->swap;
	if (o->have_fallback) {
		in.fallback = o->fallback;
	} else if (have_fallback) {
		in.fallback = fallback;
	} else {
		in.fallback = 0;
		if (sl_rules_uses(r) & (SL_USES_USER | SL_USES_GROUP |
					SL_USES_PARTITION | SL_USES_ACCOUNT))
			assume(&a, "fallback=0 for an undecidable term (the "
				   "plugin's default; --fallback)");
	}
	in.memsw = o->have_cgroup && o->v1;
	if (!o->have_cgroup)
		assume(&a, "cgroup v2 (--cgroup)");
	page = sysconf(_SC_PAGESIZE);
	in.page_size = o->have_page_size ? o->page_size
		       : page > 0 ? (uint64_t)page : SL_PAGE_SIZE_DEFAULT;
	if (!o->have_page_size)
		assume(&a, "this machine's page size (--page-size)");
	in.slurm_job_swap = SL_UNLIMITED_BYTES;
	in.slurm_step_swap = SL_UNLIMITED_BYTES;
	if (o->have_swap)
		assume(&a, "Slurm set no swap limit (ConstrainSwapSpace=no)");

	sl_allowance(b, &in, &d);
	if (o->json)
		print_eval_json(out, o, b, &in, &d, &a);
	else
		print_eval_text(out, o, b, &in, &d, &a);
	sl_bound_free(b);
	sl_rules_free(r);
	return SL_EXIT_OK;
}

int sl_cli_main(int argc, char *argv[], FILE *out, FILE *err)
{
	opts_t o;
	int rc;

	if (argc < 2 || !argv[1]) {
		fputs(usage_text, err);
		return SL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(usage_text, out);
		return SL_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		fprintf(out, "swaplimit %s\n", SWAPLIMIT_VERSION);
		return SL_EXIT_OK;
	}
	memset(&o, 0, sizeof(o));
	if (strcmp(argv[1], "check") == 0) {
		o.cmd = CMD_CHECK;
	} else if (strcmp(argv[1], "eval") == 0) {
		o.cmd = CMD_EVAL;
	} else {
		fprintf(err, "swaplimit: unknown command '%s': expected check "
			"or eval (see swaplimit --help)\n", argv[1]);
		return SL_EXIT_USAGE;
	}
	o.cmdname = argv[1];

	rc = parse_opts(&o, argc - 1, argv + 1, out, err);
	if (rc < 0)
		rc = SL_EXIT_USAGE;
	else if (rc > 0)
		rc = SL_EXIT_OK;
	else if (o.cmd == CMD_CHECK)
		rc = cmd_check(&o, out, err);
	else
		rc = cmd_eval(&o, out, err);
	opts_free(&o);
	return rc;
}
