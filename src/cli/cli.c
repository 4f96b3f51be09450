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

#include "cgroup.h"
#include "cli.h"
#include "plugin_args.h"
#include "rules.h"
#include "size.h"

#ifndef SWAPLIMIT_VERSION
#define SWAPLIMIT_VERSION "unknown"
#endif

static const char usage_text[] =
"Usage:\n"
"  swaplimit check [--rules STRING | --file PATH | --plugstack PATH]\n"
"  swaplimit eval  [--rules STRING | --file PATH | --plugstack PATH] --node NAME\n"
"                  [--partition NAME] [--user NAME] [--group NAME[,NAME...]]\n"
"                  [--account NAME] [--cpus N] [--tasks N] [--mem SIZE]\n"
"                  [--node-swap SIZE] [--json]\n"
"  swaplimit --help | --version\n"
"\n"
"Commands:\n"
"  check   compile the rules; print them normalised, one numbered term a\n"
"          line, then any warnings\n"
"  eval    evaluate the rules for one job on one node: the term that\n"
"          matched, the swap allowance and how it was computed\n"
"\n"
"Rule source (exactly one):\n"
"  --rules STRING     rules given inline, as in the plugin's rules= argument\n"
"  --file PATH        a rules file, as in the plugin's config= argument\n"
"                     ('#' comments, one term a line allowed)\n"
"  --plugstack PATH   the rules= or config= argument of the swaplimit.so\n"
"                     line of a plugstack.conf (include lines are followed)\n"
"\n"
"Job facts (eval):\n"
"  --node NAME        node name (required)\n"
"  --partition NAME   the job's partition\n"
"  --user NAME        the job's user\n"
"  --group LIST       the user's groups, comma-separated (repeatable)\n"
"  --account NAME     the job's account\n"
"  --cpus N           CPUs of the job on the node (default 1)\n"
"  --tasks N          tasks of the job on the node (default 1)\n"
"  --mem SIZE         the job's RAM limit on the node (default unlimited)\n"
"  --node-swap SIZE   the node's total swap (default: this machine's\n"
"                     SwapTotal from /proc/meminfo)\n"
"  --json             print one JSON object instead of text\n"
"\n"
"SIZE is a number and a unit: B, K, KiB, M, MiB, G, GiB, T, TiB, P, PiB\n"
"(powers of 1024, as in Slurm), e.g. 64GiB or 1.5G; a bare number only for 0.\n"
"\n"
"Exit status: 0 ok, 1 invalid rules or unreadable rules/plugstack file,\n"
"2 usage error. See swaplimit(1) for the rule language.\n";

enum {
	OPT_RULES = 256, OPT_FILE, OPT_PLUGSTACK, OPT_NODE, OPT_PARTITION,
	OPT_USER, OPT_GROUP, OPT_ACCOUNT, OPT_CPUS, OPT_TASKS, OPT_MEM,
	OPT_NODE_SWAP, OPT_JSON, OPT_VERSION,
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
	bool json;
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

/* A size with the rules' units, through the engine's parser so that the
 * command accepts exactly what the rules accept. */
static int parse_size(const opts_t *o, int opt, const char *arg,
		      uint64_t *v, FILE *err)
{
	size_t n = strlen(arg);

	if (sl_size_parse(arg, v) == 0) {
		if (opt == OPT_MEM || strcasecmp(arg, "unlimited") != 0)
			return 0;
		fprintf(err, "swaplimit %s: --%s '%s': the node's swap is a "
			"finite size (e.g. 64GiB, or 0 for none)\n", o->cmdname,
			opt_name(opt), arg);
		return -1;
	}
	if (n >= 3 && (arg[n - 1] == 'b' || arg[n - 1] == 'B') &&
	    strchr("kKmMgGtTpP", arg[n - 2]) && arg[n - 3] >= '0' &&
	    arg[n - 3] <= '9') {
		fprintf(err, "swaplimit %s: --%s '%s': unit '%s' is ambiguous; "
			"write %ciB or %c (powers of 1024, as in Slurm)\n",
			o->cmdname, opt_name(opt), arg, arg + n - 2,
			(char)toupper((unsigned char)arg[n - 2]),
			(char)toupper((unsigned char)arg[n - 2]));
		return -1;
	}
	fprintf(err, "swaplimit %s: --%s '%s' is not a size: write a number "
		"and a unit, e.g. 64GiB or 1.5G (units B, K, KiB, M, MiB, G, GiB, "
		"T, TiB, P, PiB: powers of 1024; at most 9 decimals; a bare "
		"number only for 0%s)\n", o->cmdname, opt_name(opt), arg,
		opt == OPT_MEM ? "; or unlimited" : "");
	return -1;
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
			eval_only = true;
			rc = set_once(o, &o->node, c, arg, err);
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
		case OPT_TASKS: {
			bool *have = c == OPT_CPUS ? &o->have_cpus : &o->have_tasks;
			uint64_t *v = c == OPT_CPUS ? &o->cpus : &o->tasks;

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
		case OPT_MEM:
		case OPT_NODE_SWAP: {
			bool *have = c == OPT_MEM ? &o->have_mem : &o->have_node_swap;
			uint64_t *v = c == OPT_MEM ? &o->mem : &o->node_swap;

			eval_only = true;
			if (given_twice(o, c, *have, err))
				return -1;
			if (parse_size(o, c, arg, v, err) < 0)
				return -1;
			*have = true;
			break;
		}
		case OPT_JSON:
			eval_only = true;
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

/* Compile the rules from the chosen source. NULL after printing why. */
static sl_rules_t *load_rules(const opts_t *o, FILE *err)
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

static int cmd_check(const opts_t *o, FILE *out, FILE *err)
{
	sl_rules_t *r = load_rules(o, err);
	size_t n, w;

	if (!r)
		return SL_EXIT_RULES;
	n = sl_rules_count(r);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%zu: %s\n", i + 1, sl_rules_term_text(r, i));
	w = sl_rules_warning_count(r);
	for (size_t i = 0; i < w; i++)
		fprintf(out, "warning: %s\n", sl_rules_warning(r, i));
	sl_rules_free(r);
	return SL_EXIT_OK;
}

static void print_text(FILE *out, const sl_result_t *res, const char *text)
{
	char human[SL_SIZE_BUF], raw[24];

	switch (res->outcome) {
	case SL_LIMITED:
		fprintf(out, "term %zu: %s\n", res->term, text ? text : "");
		sl_size_format(res->swap_bytes, human, sizeof(human));
		snprintf(raw, sizeof(raw), "%lluB",
			 (unsigned long long)res->swap_bytes);
		if (strncmp(human, raw, strlen(raw)) == 0)
			/* not a round size: "3543348019B (~3.30GiB)" */
			fprintf(out, "swap: %llu bytes%s\n",
				(unsigned long long)res->swap_bytes,
				human + strlen(raw));
		else
			fprintf(out, "swap: %s (%llu bytes)\n", human,
				(unsigned long long)res->swap_bytes);
		break;
	case SL_UNLIMITED:
		fprintf(out, "term %zu: %s\n", res->term, text ? text : "");
		fprintf(out, "swap: unlimited (no swap limit)\n");
		break;
	default:
		fprintf(out, "no term matched: the limits stay as Slurm set "
			"them\n");
		break;
	}
	if (res->why[0])
		fprintf(out, "why: %s\n", res->why);
}

static void print_json(FILE *out, const sl_result_t *res, const char *text)
{
	bool matched = res->outcome != SL_NO_MATCH;

	fprintf(out, "{\"matched\": %s, \"term\": ", matched ? "true" : "false");
	if (matched)
		fprintf(out, "%zu", res->term);
	else
		fputs("null", out);
	fputs(", \"text\": ", out);
	sl_cli_json_string(out, matched ? text : NULL);
	fprintf(out, ", \"unlimited\": %s, \"swap_bytes\": ",
		res->outcome == SL_UNLIMITED ? "true" : "false");
	if (res->outcome == SL_LIMITED)
		fprintf(out, "%llu", (unsigned long long)res->swap_bytes);
	else
		fputs("null", out);
	fputs(", \"why\": ", out);
	sl_cli_json_string(out, res->why);
	fputs("}\n", out);
}

static int cmd_eval(opts_t *o, FILE *out, FILE *err)
{
	sl_rules_t *r;
	sl_bound_t *b;
	sl_facts_t f;
	sl_result_t res;

	if (!o->have_node_swap) {
		char msg[SL_CG_MSG_MAX];

		if (sl_meminfo_swap_total(NULL, &o->node_swap, msg,
					  sizeof(msg)) < 0) {
			fprintf(err, "swaplimit eval: cannot read this "
				"machine's swap size (%s); give --node-swap "
				"SIZE\n", msg);
			return SL_EXIT_USAGE;
		}
	}
	r = load_rules(o, err);
	if (!r)
		return SL_EXIT_RULES;
	b = sl_rules_bind(r, o->node);
	if (!b) {
		fprintf(err, "swaplimit: out of memory\n");
		sl_rules_free(r);
		return SL_EXIT_RULES;
	}
	memset(&f, 0, sizeof(f));
	f.partition = o->partition;
	f.user = o->user;
	f.groups = (const char *const *)o->groups;
	f.ngroups = o->ngroups;
	f.account = o->account;
	f.cpus = o->have_cpus ? o->cpus : 1;
	f.tasks = o->have_tasks ? o->tasks : 1;
	f.mem_bytes = o->have_mem ? o->mem : SL_UNLIMITED_BYTES;
	f.node_swap_bytes = o->node_swap;

	memset(&res, 0, sizeof(res));
	sl_eval(b, &f, &res);
	if (o->json)
		print_json(out, &res, sl_result_term_text(b, &res));
	else
		print_text(out, &res, sl_result_term_text(b, &res));
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
