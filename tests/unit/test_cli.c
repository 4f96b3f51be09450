/*
 * The swaplimit command, driven through sl_cli_main() with argv arrays;
 * stdout and stderr are captured with open_memstream() and compared
 * exactly. Runs from the source root (tests/cli/ holds the input files).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "size.h"

#define P1 "host(r04s[00-01])=none,partition(reserved)=1%/task," \
	   "partition(standard)=0MiB,default(){min_swap=250MiB}=50MiB/cpu"
#define P2 "partition(extended-mem)=none,host(r2v[00-02])=1.5%/cpu," \
	   "host(r0m01)=0.25%/cpu,default()=1%/cpu"
#define P3 "partition(lg-swap)=none,host(r[00,01]n[00,56],r00g00)=1.1%/CPU," \
	   "default()=0MiB"

static char tmpdir[64];

/* Output of the last run. */
static char *out_s, *err_s;

static void free_outputs(void)
{
	free(out_s);
	free(err_s);
	out_s = err_s = NULL;
}

/* Run with a NULL-terminated list of arguments (after argv[0]); returns the
 * exit code, output in out_s / err_s. */
static int run_v(const char *const *args)
{
	char *argv[40];
	int argc = 0;
	size_t on = 0, en = 0;
	FILE *out, *err;
	int rc;

	free_outputs();
	argv[argc++] = (char *)"swaplimit";
	for (size_t i = 0; args[i]; i++) {
		assert_true(argc < 39);
		argv[argc++] = (char *)args[i];
	}
	argv[argc] = NULL;

	out = open_memstream(&out_s, &on);
	err = open_memstream(&err_s, &en);
	assert_non_null(out);
	assert_non_null(err);
	rc = sl_cli_main(argc, argv, out, err);
	fclose(out);
	fclose(err);
	return rc;
}

static int run(const char *first, ...)
{
	const char *args[40];
	size_t n = 0;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *)) {
		assert_true(n < 39);
		args[n++] = a;
	}
	va_end(ap);
	args[n] = NULL;
	return run_v(args);
}

/* strncmp with the prefix's own length, printing both on a mismatch. */
static bool starts_with(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)) == 0)
		return true;
	print_error("got:  %s\nwant: %s...\n", s, prefix);
	return false;
}

/* strstr, printing both on a mismatch. */
static bool contains(const char *s, const char *needle)
{
	if (s && strstr(s, needle))
		return true;
	print_error("got:  %s\nwant it to contain: %s\n", s ? s : "(null)",
		    needle);
	return false;
}

static const char *tpath(const char *name)
{
	static char buf[4][PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(tpath(name), "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int setup_all(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sl-test-cli-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	if (access("tests/cli/site.rules", R_OK) != 0) {
		fprintf(stderr, "run from the source root: tests/cli/ missing\n");
		return -1;
	}
	return 0;
}

static int teardown_all(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	free_outputs();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* --- check: oversubscription (issue 12) ---------------------------------- */

#define ISSUE "default(){min_swap=250MiB}=50MiB/cpu"

static void check_oversub_issue_example(void **state)
{
	(void)state;
	assert_int_equal(run("check", "--rules", ISSUE, "--node",
			     "node1:cpus=40,mem=192G", "--swap", "1GiB", NULL), 1);
	assert_string_equal(out_s,
		"1: default(){min_swap=250MiB}=50MiB/cpu\n"
		"plugin: swaplimit_noprolog.so (no partition(), account() or "
		"gres: no job prolog needed, which saves Slurm's prolog process "
		"per job and node)\n"
		"oversubscription: the most swap each term can promise at once "
		"on a node, if every job there matched it (1 node)\n"
		"term 1: default(){min_swap=250MiB}=50MiB/cpu\n"
		"  node1 (40 CPUs, RealMemory 192GiB, swap 1GiB): OVER: 40 jobs of "
		"1 CPU: 40 x min_swap 250MiB = 10000MiB > swap 1GiB (x9.77)\n"
		"oversubscribed: 1 term can promise more swap than 1 node has "
		"(node1)\n");
	assert_string_equal(err_s, "");

	assert_int_equal(run("check", "--json", "--rules", ISSUE, "--node",
			     "node1:cpus=40,mem=192G", "--swap", "1GiB", NULL), 1);
	assert_true(starts_with(out_s,
		"{\"terms\": [{\"term\": 1, \"text\": \"default(){min_swap=250MiB}"
		"=50MiB/cpu\"}], \"warnings\": [], \"plugin\": "
		"\"swaplimit_noprolog.so\", \"plugin_why\": \"no partition(), "
		"account() or gres: no job prolog needed, which saves Slurm's "
		"prolog process per job and node\", \"checked\": true, \"nodes\": 1, "
		"\"results\": [{\"term\": 1, \"text\": \"default(){min_swap=250MiB}"
		"=50MiB/cpu\", \"hosts\": \"node1\", \"nodes\": 1, \"cpus\": 40, "
		"\"real_memory_bytes\": 206158430208, \"swap_bytes\": 1073741824, "
		"\"oversubscribe\": 1, \"status\": \"over\", \"promised_bytes\": "
		"10485760000, \"factor\": 9.77, \"exact\": true, "));
	assert_true(contains(out_s, "\"jobs\": [{\"count\": 40, \"cpus\": 1, "
			     "\"ram_bytes\": null, \"grant_bytes\": 262144000, "
			     "\"by\": \"min_swap\"}]"));
	assert_true(contains(out_s, "], \"oversubscribed\": true}\n"));

	/* 100%/memshare never promises more than a node has: exit 0 */
	assert_int_equal(run("check", "--rules", "default()=100%/memshare",
			     "--node", "n[01-04]:cpus=40,mem=192G", "--node",
			     "big:cpus=128,mem=1T", "--swap", "1GiB", "--swap",
			     "big=64G", NULL), 0);
	assert_true(contains(out_s,
		"  n[01-04] (40 CPUs, RealMemory 192GiB, swap 1GiB): ok: 1 job of "
		"1 CPU and 192GiB RAM: 1 x 1GiB = 1GiB <= swap 1GiB (x1.00)\n"
		"  big (128 CPUs, RealMemory 1TiB, swap 64GiB): ok: "));
	assert_true(contains(out_s, "no term can promise more swap than a node "
			     "has\n"));
	/* without nodes: no report, as before */
	assert_int_equal(run("check", "--rules", ISSUE, NULL), 0);
	assert_string_equal(out_s, "1: default(){min_swap=250MiB}=50MiB/cpu\n"
			    "plugin: swaplimit_noprolog.so (no partition(), "
			    "account() or gres: no job prolog needed, which saves "
			    "Slurm's prolog process per job and node)\n");
	assert_int_equal(run("check", "--json", "--rules", "default()=1G", NULL), 0);
	assert_string_equal(out_s, "{\"terms\": [{\"term\": 1, \"text\": "
			    "\"default()=1GiB\"}], \"warnings\": [], "
			    "\"plugin\": \"swaplimit_noprolog.so\", \"plugin_why\": "
			    "\"no partition(), account() or gres: no job prolog "
			    "needed, which saves Slurm's prolog process per job and "
			    "node\", \"checked\": false}\n");
}

static void check_oversub_slurm_conf(void **state)
{
	(void)state;
	write_file("slurm.conf",
		"NodeName=DEFAULT Sockets=2 CoresPerSocket=20 RealMemory=191000\n"
		"NodeName=r03n[01-40],r04s[00-01]\n"
		"NodeName=r0m01 CPUs=64 RealMemory=1500000\n"
		"PartitionName=DEFAULT OverSubscribe=NO\n"
		"PartitionName=standard Nodes=r03n[01-40] Default=YES\n"
		"PartitionName=reserved Nodes=r03n[01-10],r0m01\n"
		"PartitionName=workgroup Nodes=r0m01,r03n[01-40],r04s[00-01] "
		"OverSubscribe=FORCE:2\n"
		"Include /etc/slurm/other.conf\n"
		"NodeName=spare[1-2] CPUs=4\n"
		"PartitionName=gpu Nodes=gpu[1-4]\n");
	write_file("swap", "# node=size\nr03n[01-40]=1G\n\n"
		   "r04s[00-01],r0m01 = 64X # big\n");
	assert_int_equal(run("check", "--rules", P1, "--slurm-conf",
			     tpath("slurm.conf"), "--swap-file", tpath("swap"),
			     NULL), 2);
	assert_true(contains(err_s, "swap:4: 'r04s[00-01],r0m01 = 64X': unknown "
			     "unit 'X'"));
	assert_string_equal(out_s, "");
	write_file("swap", "# node=size\nr03n[01-40]=1G\n\n"
		   "r04s[00-01],r0m01,spare[1-2] = 64G # big\n");
	assert_int_equal(run("check", "--rules", P1, "--slurm-conf",
			     tpath("slurm.conf"), "--swap-file", tpath("swap"),
			     NULL), 1);
	assert_true(contains(out_s, "' is not followed: nodes and partitions "
			     "defined there are not checked\n"));
	assert_true(contains(out_s, "warning: 2 nodes are in no partition "
			     "(spare[1-2]): no job runs there, nothing is "
			     "checked\n"));
	/* host() none on r04s: not counted */
	assert_true(contains(out_s, "term 1: host(r04s[00-01])=none\n"
		"  r04s[00-01] (40 CPUs x OverSubscribe 2, RealMemory 191000MiB, "
		"swap 64GiB): none: no swap limit (not counted)\n"));
	/* partition(reserved): only its nodes, 1% of each node's swap */
	assert_true(contains(out_s, "term 2: partition(reserved)=1%/task\n"
		"  r03n[01-10] (40 CPUs, RealMemory 191000MiB, swap 1GiB): ok: 40 "
		"jobs of 1 CPU: 40 x 10737418B (~10.24MiB) = 429496720B "
		"(~409.60MiB) <= swap 1GiB (x0.40)\n"
		"  r0m01 (64 CPUs, RealMemory 1500000MiB, swap 64GiB): ok: 64 jobs"));
	/* default(): never on r04s (term 1 takes every job there);
	 * OverSubscribe=FORCE:2 of workgroup doubles the jobs */
	assert_true(contains(out_s, "term 4: default(){min_swap=250MiB}=50MiB/cpu\n"
		"  r03n[01-40] (40 CPUs x OverSubscribe 2, RealMemory 191000MiB, "
		"swap 1GiB): OVER: 80 jobs of 1 CPU: 80 x min_swap 250MiB = "
		"20000MiB > swap 1GiB (x19.53)\n"
		"  r0m01 (64 CPUs x OverSubscribe 2, RealMemory 1500000MiB, swap "
		"64GiB): ok: 128 jobs of 1 CPU: 128 x min_swap 250MiB = 31.25GiB "
		"<= swap 64GiB (x0.49)\n"
		"oversubscribed: 1 term can promise more swap than 40 nodes have "
		"(r03n[01-40])\n"));

	/* a partition() naming no partition of a node: no such node */
	assert_int_equal(run("check", "--rules", "partition(gpu)=1T,default()=0",
			     "--slurm-conf", tpath("slurm.conf"), "--swap", "1G",
			     NULL), 0);
	assert_true(contains(out_s, "term 1: partition(gpu)=1TiB\n"
			     "  applies on no node\n"));
	/* many nodes: no quadratic work, duplicates still found */
	assert_int_equal(run("check", "--rules", "default()=1M", "--node",
			     "n[00-99]x[0000-1999]:cpus=1,mem=1G", "--node",
			     "n55x1234:cpus=2,mem=1G", "--swap", "1G", NULL), 2);
	assert_string_equal(err_s, "swaplimit check: node n55x1234 is given "
			    "twice (--node)\n");
}

static void check_oversub_errors(void **state)
{
	static const struct {
		const char *args[12];
		const char *err;
	} cases[] = {
		{ { "check", "--rules", "default()=1G", "--swap", "1G" },
		  "swaplimit check: --swap needs nodes: add --slurm-conf FILE or "
		  "--node HOSTLIST:cpus=N,mem=SIZE\n" },
		{ { "check", "--rules", "default()=1G", "--slurm-conf", "x",
		    "--node", "a:cpus=1,mem=1G", "--swap", "1G" },
		  "swaplimit check: --slurm-conf and --node both give nodes; give "
		  "one of them\n" },
		{ { "check", "--rules", "default()=1G", "--node", "a:cpus=1",
		    "--swap", "1G" },
		  "swaplimit check: --node 'a:cpus=1': expected HOSTLIST:cpus=N,"
		  "mem=SIZE[,oversubscribe=N] (cpus and oversubscribe whole numbers "
		  ">= 1, mem a size)\n" },
		{ { "check", "--rules", "default()=1G", "--node", "a",
		    "--swap", "1G" },
		  "swaplimit check: --node 'a': expected HOSTLIST:cpus=N,mem=SIZE"
		  "[,oversubscribe=N], e.g. 'n[01-40]:cpus=40,mem=192G'\n" },
		{ { "check", "--rules", "default()=1G", "--node",
		    "a:cpus=1,mem=1G", "--swap", "b=1G" },
		  "swaplimit check: no swap size for 1 node (a): give --swap "
		  "HOSTLIST=SIZE, --swap SIZE (every node) or --swap-file FILE\n" },
		{ { "check", "--rules", "default()=1G", "--node",
		    "a:cpus=1,mem=1G", "--swap", "a=1GB" },
		  "swaplimit check: --swap 'a=1GB': ambiguous unit 'GB' (use GiB "
		  "or G: units are powers of 1024 as in Slurm); expected "
		  "HOSTLIST=SIZE or SIZE (" SL_SIZE_FORMS ")\n" },
		{ { "check", "--rules", "default()=1G", "--node",
		    "a:cpus=1,mem=1G", "--node", "a:cpus=2,mem=1G", "--swap", "1G" },
		  "swaplimit check: node a is given twice (--node)\n" },
		{ { "check", "--rules", "default()=1G", "--slurm-conf",
		    "/nonexistent-sl/slurm.conf", "--swap", "1G" },
		  "swaplimit check: /nonexistent-sl/slurm.conf: No such file or "
		  "directory\n" },
		{ { "eval", "--rules", "default()=1G", "--node", "a",
		    "--slurm-conf", "x" },
		  "swaplimit eval: --slurm-conf is only for 'swaplimit check'\n" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = run_v(cases[i].args);

		if (rc != 2 || strcmp(err_s, cases[i].err) != 0)
			fail_msg("case %zu: rc %d\n got:  %s want: %s", i, rc,
				 err_s, cases[i].err);
		assert_string_equal(out_s, "");
	}
	/* an unused swap entry is a warning */
	assert_int_equal(run("check", "--rules", "default()=1M", "--node",
			     "a:cpus=2,mem=1G,oversubscribe=3", "--swap", "a=1G",
			     "--swap", "2G", NULL), 0);
	assert_true(contains(out_s, "warning: swap entry 'a=1G' sets the swap of "
			     "no node (a later entry overrides it, or it names no "
			     "known node)\n"));
	assert_true(contains(out_s, "  a (2 CPUs x OverSubscribe 3, RealMemory "
			     "1GiB, swap 2GiB): ok: 6 jobs of 1 CPU: 6 x 1MiB = "
			     "6MiB <= swap 2GiB (x0.00)\n"));
}

/* --- eval ---------------------------------------------------------------- */

static void eval_issue_example(void **state)
{
	(void)state;
	assert_int_equal(run("eval", "--rules", P1, "--node", "r03n01",
			     "--partition", "workgroup", "--tasks", "2",
			     "--cpus", "4", "--step-cpus", "4", "--mem", "8G",
			     "--step-mem", "4G", "--node-swap", "64GiB",
			     "--cgroup", "v1", "--page-size", "4096", NULL), 0);
	assert_string_equal(out_s,
		"term 4: default(){min_swap=250MiB}=50MiB/cpu\n"
		"job swap: 250MiB (262144000 bytes)\n"
		"step swap: 250MiB (262144000 bytes)\n"
		"why: step: 50MiB x 4 cpus = 200MiB, raised to min_swap 250MiB; "
		"job: 50MiB x 4 cpus = 200MiB, raised to min_swap 250MiB\n"
		"facts: node=r03n01 partition=workgroup account=- user=- groups=- "
		"job_cpus=4 job_tasks=4 job_ram=8GiB step_cpus=4 step_tasks=2 "
		"step_ram=4GiB node_swap=64GiB node_mem=?(unknown) "
		"node_cpus=?(unknown) cgroup=v1 page=4096\n"
		"assumed: fallback=0 for an undecidable term (the plugin's "
		"default; --fallback)\n");
	assert_string_equal(err_s, "");
}

static void eval_issue_example_json(void **state)
{
	(void)state;
	assert_int_equal(run("eval", "--json", "--rules", P1, "--node", "r03n01",
			     "--partition", "workgroup", "--tasks", "2",
			     "--cpus", "4", "--node-swap", "64GiB", NULL), 0);
	assert_true(starts_with(out_s,
		"{\"matched\": true, \"term\": 4, \"text\": "
		"\"default(){min_swap=250MiB}=50MiB/cpu\", \"unlimited\": false, "
		"\"swap_bytes\": 262144000, \"source\": \"rule\", "
		"\"job_unlimited\": false, \"job_swap_bytes\": 262144000, "
		"\"write\": true, "));
	assert_true(contains(out_s, "\"why\": \"50MiB x 4 cpus = 200MiB, "
			     "raised to min_swap 250MiB\", "));
	assert_true(contains(out_s, "\"assumed\": [\"the step has all the "
			     "job's CPUs (--step-cpus)\", "));
	assert_string_equal(err_s, "");
}

/* Issue 12: /memshare and /cpushare take the node's RAM and CPUs. */
static void eval_share_forms(void **state)
{
	(void)state;
	assert_int_equal(run("eval", "--rules", "default()=100%/memshare",
			     "--node", "n1", "--cpus", "4", "--mem", "8G",
			     "--step-mem", "4G", "--node-swap", "64G",
			     "--node-mem", "256G", "--node-cpus", "64",
			     "--cgroup", "v2", "--page-size", "4096", NULL), 0);
	assert_string_equal(out_s,
		"term 1: default()=100%/memshare\n"
		"job swap: 2GiB (2147483648 bytes)\n"
		"step swap: 1GiB (1073741824 bytes)\n"
		"why: step: 100% of node swap 64GiB x RAM share 4GiB/256GiB = 1GiB; "
		"job: 100% of node swap 64GiB x RAM share 8GiB/256GiB = 2GiB\n"
		"facts: node=n1 partition=- account=- user=- groups=- "
		"job_cpus=4 job_tasks=4 job_ram=8GiB step_cpus=4 step_tasks=1 "
		"step_ram=4GiB node_swap=64GiB node_mem=256GiB node_cpus=64 "
		"cgroup=v2 page=4096\n"
		"assumed: the step has all the job's CPUs (--step-cpus)\n"
		"assumed: the step has 1 task on the node (--tasks)\n");
	assert_string_equal(err_s, "");

	/* 80% of 64GiB x 4/64 = 3435973836.8, page-rounded */
	assert_int_equal(run("eval", "--json", "--rules", "default()=80%/cpushare",
			     "--node", "n1", "--cpus", "4", "--node-swap", "64G",
			     "--node-cpus", "64", "--page-size", "4096", NULL), 0);
	assert_true(contains(out_s, "\"swap_bytes\": 3435970560, "));
	assert_true(contains(out_s, "\"why\": \"80% of node swap 64GiB x CPU "
			     "share 4/64 cpus = 3435973836B (~3.20GiB)\""));
	assert_true(contains(out_s, "\"node_mem\": null, \"node_cpus\": 64, "));

	/* unknown node RAM: undecidable, and eval says what it assumed */
	assert_int_equal(run("eval", "--rules", "default()=100%/memshare",
			     "--node", "n1", "--mem", "8G", "--node-swap", "64G",
			     "--fallback", "1G", NULL), 0);
	assert_true(starts_with(out_s,
		"term 1 cannot be decided: fallback applies\n"
		"job swap: 1GiB (1073741824 bytes)\n"));
	assert_true(contains(out_s, "why: step: term 1 cannot be decided: the "
			     "node's RAM size is unknown (needed by /memshare)"));
	assert_true(contains(out_s, "assumed: the node's RAM is unknown: a "
			     "/memshare term cannot be decided (--node-mem)\n"));

	assert_int_equal(run("eval", "--rules", "default()=1G", "--node", "n1",
			     "--node-mem", "none", NULL), 2);
	assert_string_equal(err_s, "swaplimit eval: --node-mem 'none': "
			    "expected a finite size (e.g. 256GiB)\n");
	assert_int_equal(run("eval", "--rules", "default()=1G", "--node", "n1",
			     "--node-mem", "0", NULL), 2);
	assert_string_equal(err_s, "swaplimit eval: --node-mem '0': the "
			    "node's RAM cannot be 0\n");
	assert_int_equal(run("eval", "--rules", "default()=1G", "--node", "n1",
			     "--node-cpus", "0", NULL), 2);
	assert_true(contains(err_s, "--node-cpus '0': expected a whole number >= 1"));
	assert_int_equal(run("check", "--rules", "default()=1G", "--node-cpus",
			     "4", NULL), 2);
	assert_true(contains(err_s, "--node-cpus is only for 'swaplimit eval'"));
}

/* Issue 10: the job's and the step's values, as the plugin computes them:
 * --overcommit, the --swap request, page rounding, v1 without RAM limit. */
static void eval_job_and_step_as_the_plugin(void **state)
{
	(void)state;
	/* srun -O -n 32 on one CPU: 1 task counts, not 32 */
	assert_int_equal(run("eval", "--rules", "default()=8MiB/task", "--node",
			     "n1", "--cpus", "1", "--tasks", "32", "--mem", "1G",
			     "--node-swap", "1G", "--json", NULL), 0);
	assert_true(contains(out_s, "\"swap_bytes\": 8388608, "));
	assert_true(contains(out_s, "\"job_swap_bytes\": 8388608, "));
	assert_true(contains(out_s, "\"step_tasks\": 1, "));
	/* the step's request lowers only the step */
	assert_int_equal(run("eval", "--rules", "default()=50MiB/cpu", "--node",
			     "n1", "--cpus", "8", "--step-cpus", "2", "--swap",
			     "64M", "--node-swap", "1T", NULL), 0);
	assert_true(contains(out_s, "\njob swap: 400MiB (419430400 bytes)\n"));
	assert_true(contains(out_s, "\nstep swap: 64MiB (67108864 bytes) "
			     "(lowered by --swap)\n"));
	/* --swap=0 applies even when no term matches */
	assert_int_equal(run("eval", "--rules", "partition(a)=1G", "--node",
			     "n1", "--swap", "0", "--node-swap", "1T", "--json",
			     NULL), 0);
	assert_true(contains(out_s, "\"swap_bytes\": 0, \"source\": \"none\", "));
	assert_true(contains(out_s, "\"write\": true, "));
	/* the page-rounded figure that lands in the file */
	assert_int_equal(run("eval", "--rules", "default()=1%", "--node", "n1",
			     "--node-swap", "536985700B", "--json", NULL), 0);
	assert_true(contains(out_s, "\"swap_bytes\": 5369856, "));
	assert_int_equal(run("eval", "--rules", "default()=1%", "--node", "n1",
			     "--node-swap", "536985700B", "--page-size", "65536",
			     "--json", NULL), 0);
	assert_true(contains(out_s, "\"swap_bytes\": 5308416, "));
	/* cgroup v1 without a RAM limit cannot limit swap, 0 included */
	assert_int_equal(run("eval", "--rules", "default()=0", "--node", "n1",
			     "--cgroup", "v1", "--node-swap", "1G", NULL), 0);
	assert_true(contains(out_s, "\nstep swap: unlimited (no swap limit) "
			     "(cgroup v1 without a RAM limit cannot limit "
			     "swap)\n"));
	/* an undecidable partition() takes the fallback, not default() */
	assert_int_equal(run("eval", "--rules", "partition(s)=0,default()=1G",
			     "--node", "n1", "--unknown", "partition",
			     "--fallback", "16M", "--node-swap", "8G", NULL), 0);
	assert_true(starts_with(out_s, "term 1 cannot be decided: fallback "
				"applies\njob swap: 16MiB (16777216 bytes)\n"));
	/* --plugstack: the line's fallback= is the plugin's */
	write_file("fb.conf", "required /x/swaplimit.so "
		   "rules=partition(s)=0,default()=1G fallback=32M\n");
	assert_int_equal(run("eval", "--plugstack", tpath("fb.conf"), "--node",
			     "n1", "--unknown", "partition", "--node-swap", "8G",
			     NULL), 0);
	assert_true(contains(out_s, "\nstep swap: 32MiB (33554432 bytes)\n"));
	assert_null(strstr(out_s, "assumed: fallback"));
	/* the extern step gets the job's facts */
	assert_int_equal(run("eval", "--rules", "default()=1G/cpu", "--node",
			     "n1", "--cpus", "4", "--extern", "--node-swap",
			     "8G", "--json", NULL), 0);
	assert_true(contains(out_s, "\"swap_bytes\": 4294967296, "));
}

/* 2^64-1 bytes is a finite size: never printed "unlimited". */
static void eval_largest_node_swap(void **state)
{
	(void)state;
	assert_int_equal(run("eval", "--rules", "default()=100%", "--node",
			     "n1", "--node-swap", "18446744073709551615B",
			     "--page-size", "4096", NULL), 0);
	assert_true(contains(out_s, "\nstep swap: 18014398509481980KiB "
			     "(18446744073709547520 bytes)\n"));
	assert_null(strstr(out_s, "unlimited (no swap limit)"));
}

static void eval_no_default_node_swap_silently(void **state)
{
	(void)state;
	assert_int_equal(run("eval", "--rules", "default()=1G", "--node",
			     "r9n9", NULL), 0);
	assert_true(contains(out_s, "\nassumed: node swap "));
	assert_true(contains(out_s, " is THIS machine's SwapTotal, not "
			     "necessarily r9n9's (--node-swap)\n"));
	assert_true(contains(out_s, "\nassumed: the job has no RAM limit "
			     "(--mem)\n"));
}

static void eval_unlimited(void **state)
{
	(void)state;
	assert_int_equal(run("eval", "--rules", P1, "--node", "r04s01",
			     "--node-swap", "64GiB", NULL), 0);
	assert_true(starts_with(out_s, "term 1: host(r04s[00-01])=none\n"
			    "job swap: unlimited (no swap limit)\n"
			    "step swap: unlimited (no swap limit)\n"
			    "why: step: none: no swap limit; job: none: no "
			    "swap limit\n"));
	assert_int_equal(run("eval", "--rules", P1, "--node", "r04s00",
			     "--node-swap", "64GiB", "--json", NULL), 0);
	assert_true(starts_with(out_s, "{\"matched\": true, \"term\": 1, "
			    "\"text\": \"host(r04s[00-01])=none\", \"unlimited\": "
			    "true, \"swap_bytes\": null, \"source\": \"rule\", "
			    "\"job_unlimited\": true, \"job_swap_bytes\": null, "));
	assert_string_equal(err_s, "");
}

static void eval_no_match(void **state)
{
	(void)state;
	assert_int_equal(run("eval", "--rules", "partition(a)=1GiB", "--node",
			     "n1", "--partition", "b", "--node-swap", "1GiB",
			     NULL), 0);
	assert_true(starts_with(out_s, "no term matched: the limits stay as "
				"Slurm set them\n"
				"why: step: no term matched: the swap limit "
				"Slurm sets stays; job: no term matched: the "
				"swap limit Slurm sets stays\n"));
	assert_int_equal(run("eval", "--rules", "partition(a)=1GiB", "--node",
			     "n1", "--node-swap", "1GiB", "--json", NULL), 0);
	assert_true(starts_with(out_s, "{\"matched\": false, \"term\": null, "
			    "\"text\": null, \"unlimited\": false, "
			    "\"swap_bytes\": null, \"source\": \"none\", "
			    "\"job_unlimited\": false, \"job_swap_bytes\": null, "
			    "\"write\": false, "));
	assert_string_equal(err_s, "");
}

static void eval_other_production_strings(void **state)
{
	(void)state;
	/* P2: 1.5% of 1TiB per cpu x 8 = 12% of 1TiB */
	assert_int_equal(run("eval", "--rules", P2, "--node", "r2v01", "--cpus",
			     "8", "--node-swap", "1TiB", "--json", NULL), 0);
	assert_true(starts_with(out_s, "{\"matched\": true, \"term\": 2, \"text\": "
			    "\"host(r2v[00-02])=1.5%/cpu\", \"unlimited\": false, "
			    "\"swap_bytes\": 131941392384, "));   /* page-rounded */
	/* P3: /CPU is accepted; r01n56 is in r[00,01]n[00,56] */
	assert_int_equal(run("eval", "--rules", P3, "--node", "r01n56",
			     "--partition", "x", "--cpus", "3", "--mem", "4GiB",
			     "--node-swap", "100GiB", NULL), 0);
	assert_true(starts_with(out_s, "term 2: host(r[00,01]n[00,56],r00g00)="
			    "1.1%/cpu\njob swap: "));
	/* 1.1% of 100GiB x 3 = 3.3% of 107374182400 = 3543348019.2 */
	assert_true(contains(out_s, "\nstep swap: 3460300KiB (3543347200 bytes)\n"));
	/* P3 in partition lg-swap: none */
	assert_int_equal(run("eval", "--rules", P3, "--node", "r01n56",
			     "--partition", "lg-swap", "--node-swap", "100GiB",
			     "--json", NULL), 0);
	assert_true(starts_with(out_s, "{\"matched\": true, \"term\": 1, "));
	assert_true(contains(out_s, "\"unlimited\": true, \"swap_bytes\": null"));
}

static void eval_user_group_account_file(void **state)
{
	(void)state;
	write_file("g.rules", "# per group\n"
		   "user(alice)=1GiB,\n"
		   "group(admins)=2GiB,\n"
		   "account(physics) & partition(gpu) = 3GiB,\n"
		   "default()=0\n");
	assert_int_equal(run("eval", "--file", tpath("g.rules"), "--node", "n1",
			     "--user", "bob", "--group", "users,admins",
			     "--node-swap", "8GiB", "--json", NULL), 0);
	assert_true(starts_with(out_s, "{\"matched\": true, \"term\": 2, "));
	assert_true(contains(out_s, "\"swap_bytes\": 2147483648, "));
	/* --group is repeatable */
	assert_int_equal(run("eval", "--file", tpath("g.rules"), "--node", "n1",
			     "--group", "users", "--group", "x,admins",
			     "--node-swap", "8GiB", "--json", NULL), 0);
	assert_true(starts_with(out_s, "{\"matched\": true, \"term\": 2, "));
	assert_int_equal(run("eval", "--file", tpath("g.rules"), "--node", "n1",
			     "--account", "physics", "--partition", "gpu",
			     "--node-swap", "8GiB", "--json", NULL), 0);
	assert_true(contains(out_s, "\"term\": 3, "));
	assert_true(contains(out_s, "\"swap_bytes\": 3221225472, "));
	assert_int_equal(run("eval", "--file", tpath("g.rules"), "--node", "n1",
			     "--account", "physics", "--node-swap", "8GiB",
			     "--json", NULL), 0);
	assert_true(contains(out_s, "\"term\": 4, "));
	assert_true(contains(out_s, "\"swap_bytes\": 0, "));
}

static void eval_mem_percent(void **state)
{
	(void)state;
	/* 50%mem of 3GiB = 1.5GiB; explicit unlimited --mem accepted */
	assert_int_equal(run("eval", "--rules", "default()=50%mem", "--node",
			     "n1", "--mem", "3GiB", "--node-swap", "8GiB",
			     "--json", NULL), 0);
	assert_true(contains(out_s, "\"swap_bytes\": 1610612736, "));
	assert_int_equal(run("eval", "--rules", "default()=1GiB", "--node",
			     "n1", "--mem", "unlimited", "--node-swap", "8GiB",
			     "--json", NULL), 0);
	assert_true(contains(out_s, "\"swap_bytes\": 1073741824, "));
}

static void eval_default_node_swap(void **state)
{
	uint64_t before, after;
	char msg[SL_CG_MSG_MAX], want[64];
	int tries = 0;

	(void)state;
	/* 100% of the node's swap, for a default() term, is exactly it.
	 * Another test may be adding or removing swap on this machine
	 * meanwhile: only a run during which SwapTotal held still counts. */
	do {
		if (sl_meminfo_swap_total(NULL, &before, msg, sizeof(msg)) < 0)
			skip();
		assert_int_equal(run("eval", "--rules", "default()=100%",
				     "--node", "n1", "--json", NULL), 0);
		assert_int_equal(sl_meminfo_swap_total(NULL, &after, msg,
						       sizeof(msg)), 0);
	} while (before != after && ++tries < 10);
	assert_int_equal(before, after);
	snprintf(want, sizeof(want), "\"swap_bytes\": %llu, ",
		 (unsigned long long)before);
	assert_true(contains(out_s, want));
}

static void eval_sizes_and_counts(void **state)
{
	(void)state;
	/* fractional sizes, case-insensitive units */
	assert_int_equal(run("eval", "--rules", "default()=100%", "--node",
			     "n1", "--node-swap", "1.5gib", "--json", NULL), 0);
	assert_true(contains(out_s, "\"swap_bytes\": 1610612736, "));
	assert_int_equal(run("eval", "--rules", "default()=100%", "--node",
			     "n1", "--node-swap", "0.1K", "--json", NULL), 0);
	assert_true(contains(out_s, "\"swap_bytes\": 0, "));  /* 102B: no page */
	assert_int_equal(run("eval", "--rules", "default()=100%", "--node",
			     "n1", "--node-swap", "0", NULL), 0);
	assert_true(contains(out_s, "\nstep swap: 0 bytes\n"));
	assert_int_equal(run("eval", "--rules", "default()=100%", "--node",
			     "n1", "--node-swap", "1000B", "--page-size", "1",
			     NULL), 0);
	assert_true(contains(out_s, "\nstep swap: 1000 bytes\n"));
	/* tasks count up to the job's CPUs (issue 10) */
	assert_int_equal(run("eval", "--rules", "default()=1MiB/task", "--node",
			     "n1", "--tasks", "7", "--cpus", "7", "--node-swap",
			     "1G", "--json", NULL), 0);
	assert_true(contains(out_s, "\"swap_bytes\": 7340032, "));
}

/* --- check --------------------------------------------------------------- */

static void check_production(void **state)
{
	(void)state;
	assert_int_equal(run("check", "--rules", P1, NULL), 0);
	assert_string_equal(out_s,
		"1: host(r04s[00-01])=none\n"
		"2: partition(reserved)=1%/task\n"
		"3: partition(standard)=0MiB\n"
		"4: default(){min_swap=250MiB}=50MiB/cpu\n"
		"plugin: swaplimit.so (partition() or account(): only the job "
		"prolog knows them; Slurm then runs a prolog process per job "
		"and node)\n");
	assert_string_equal(err_s, "");
}

/* Which build the rules need (docs/plugin.md), text and JSON. */
static void check_plugin_build(void **state)
{
	(void)state;
	assert_int_equal(run("check", "--rules", "default()=gres", NULL), 0);
	assert_true(contains(out_s, "plugin: swaplimit.so (a gres limit: the "
			     "job prolog asks slurmctld for the job's GRES; give "
			     "the plugin gres=NAME)\n"));
	assert_int_equal(run("check", "--rules", "account(a)=1G,default()=0",
			     "--json", NULL), 0);
	assert_true(contains(out_s, "\"plugin\": \"swaplimit.so\", "));
	assert_int_equal(run("check", "--rules", "user(root)=1G,default()=0",
			     "--json", NULL), 0);
	assert_true(contains(out_s, "\"plugin\": \"swaplimit_noprolog.so\", "));
}

static void check_file_same_as_inline(void **state)
{
	char *inline_out;

	(void)state;
	assert_int_equal(run("check", "--rules", P1, NULL), 0);
	inline_out = strdup(out_s);
	assert_int_equal(run("check", "--file", "tests/cli/site.rules", NULL), 0);
	assert_string_equal(out_s, inline_out);
	free(inline_out);
}

static void check_warnings(void **state)
{
	(void)state;
	assert_int_equal(run("check", "--rules", "partition(a)=1GiB", NULL), 0);
	assert_true(starts_with(out_s, "1: partition(a)=1GiB\nwarning: "));
	assert_int_equal(run("check", "--rules",
			     "default()=1GiB,partition(a)=2GiB", NULL), 0);
	assert_true(starts_with(out_s, "1: default()=1GiB\n2: partition(a)=2GiB\n"
			    "warning: "));
	assert_string_equal(err_s, "");
}

static void check_plugstack_include(void **state)
{
	(void)state;
	assert_int_equal(run("check", "--plugstack",
			     "tests/cli/plugstack-include.conf", NULL), 0);
	assert_string_equal(out_s,
		"1: host(r04s[00-01])=none\n"
		"2: partition(reserved)=1%/task\n"
		"3: partition(standard)=0MiB\n"
		"4: default(){min_swap=250MiB}=50MiB/cpu\n"
		"plugin: swaplimit.so (partition() or account(): only the job "
		"prolog knows them; Slurm then runs a prolog process per job "
		"and node)\n");
	/* and eval through it */
	assert_int_equal(run("eval", "--plugstack",
			     "tests/cli/plugstack-include.conf", "--node",
			     "r03n01", "--partition", "workgroup", "--tasks",
			     "2", "--cpus", "4", "--node-swap", "64GiB",
			     "--json", NULL), 0);
	assert_true(starts_with(out_s, "{\"matched\": true, \"term\": 4, "));
	assert_true(contains(out_s, "\"swap_bytes\": 262144000, "));
}

static void check_plugstack_config(void **state)
{
	char abs[PATH_MAX], text[PATH_MAX + 64];

	(void)state;
	assert_non_null(realpath("tests/cli/bad.rules", abs));
	snprintf(text, sizeof(text), "required swaplimit.so config=%s\n", abs);
	write_file("plugstack.conf", text);
	assert_int_equal(run("check", "--plugstack", tpath("plugstack.conf"),
			     NULL), 1);
	assert_string_equal(out_s, "");
	/* the error is positioned in the rules file, named by its path */
	snprintf(text, sizeof(text), "%s:4:14: ", abs);
	assert_true(starts_with(err_s, text));

	assert_non_null(realpath("tests/cli/site.rules", abs));
	snprintf(text, sizeof(text), "required swaplimit.so config=%s\n", abs);
	write_file("plugstack.conf", text);
	assert_int_equal(run("check", "--plugstack", tpath("plugstack.conf"),
			     NULL), 0);
	assert_true(starts_with(out_s, "1: host(r04s[00-01])=none\n"));

	/* issue 10: a config= file the plugin would refuse is named */
	if (geteuid() == 0) {
		write_file("gw.rules", "default()=1G\n");
		assert_int_equal(chmod(tpath("gw.rules"), 0664), 0);
		snprintf(text, sizeof(text), "required swaplimit.so config=%s\n",
			 tpath("gw.rules"));
		write_file("plugstack.conf", text);
		assert_int_equal(run("check", "--plugstack",
				     tpath("plugstack.conf"), NULL), 0);
		assert_true(contains(out_s, "\nwarning: the plugin will refuse "
				     "this: rules file "));
		assert_true(contains(out_s, " refused: writable by its group or "
				     "others (it decides every job's swap: chown "
				     "root and chmod go-w it)\n"));
	}
}

static void check_plugstack_errors(void **state)
{
	char want[PATH_MAX + 256];

	(void)state;
	write_file("p.conf", "required /x/swaplimit.so rules=default()=0 foo=1\n");
	assert_int_equal(run("check", "--plugstack", tpath("p.conf"), NULL), 1);
	snprintf(want, sizeof(want), "swaplimit: %s:1: plugin argument 'foo=1': "
		 "unknown key 'foo' (accepted keys: rules=, config=, "
		 "cgroup_root=, record_dir=, fallback=, gres=)\n", tpath("p.conf"));
	assert_string_equal(err_s, want);
	assert_string_equal(out_s, "");

	assert_int_equal(run("check", "--plugstack", tpath("none.conf"), NULL), 1);
	snprintf(want, sizeof(want), "swaplimit: cannot open %s: No such file "
		 "or directory\n", tpath("none.conf"));
	assert_string_equal(err_s, want);

	/* config= names a file that is not there */
	write_file("p.conf", "required swaplimit.so config=/nonexistent-sl/x\n");
	assert_int_equal(run("check", "--plugstack", tpath("p.conf"), NULL), 1);
	assert_string_equal(err_s, "swaplimit: cannot open rules file "
			    "/nonexistent-sl/x: No such file or directory\n");

	/* a bad inline rule in the plugstack line: positioned in "rules" */
	write_file("p.conf", "required /x/swaplimit.so rules=default()=5XB\n");
	assert_int_equal(run("check", "--plugstack", tpath("p.conf"), NULL), 1);
	assert_true(starts_with(err_s, "rules:1:12: "));
}

static void check_bad_rules_exit_1(void **state)
{
	(void)state;
	assert_int_equal(run("check", "--rules", "default()=5XB", NULL), 1);
	assert_string_equal(out_s, "");
	assert_string_equal(err_s, "rules:1:12: unknown unit 'XB' (expected B, "
			    "K, KiB, M, MiB, G, GiB, T, TiB, P, PiB)\n");

	assert_int_equal(run("check", "--rules", "default()=1PB", NULL), 1);
	assert_true(starts_with(err_s, "rules:1:12: "));
	assert_true(contains(err_s, "PiB or P"));

	assert_int_equal(run("check", "--rules", "", NULL), 1);
	assert_true(starts_with(err_s, "rules:1:"));

	assert_int_equal(run("eval", "--rules", "default()=1KB", "--node", "n",
			     "--node-swap", "1G", NULL), 1);
	assert_true(starts_with(err_s, "rules:1:"));
	assert_string_equal(out_s, "");
}

static void check_file_errors_exit_1(void **state)
{
	char want[PATH_MAX + 128];

	(void)state;
	assert_int_equal(run("check", "--file", "tests/cli/bad.rules", NULL), 1);
	assert_string_equal(err_s, "tests/cli/bad.rules:4:14: unknown unit 'XB' "
			    "(expected B, K, KiB, M, MiB, G, GiB, T, TiB, P, "
			    "PiB)\n");

	assert_int_equal(run("check", "--file", tpath("missing.rules"), NULL), 1);
	snprintf(want, sizeof(want), "swaplimit: cannot open rules file %s: No "
		 "such file or directory\n", tpath("missing.rules"));
	assert_string_equal(err_s, want);

	assert_int_equal(run("check", "--file", tmpdir, NULL), 1);
	snprintf(want, sizeof(want), "swaplimit: rules file %s is not a regular "
		 "file\n", tmpdir);
	assert_string_equal(err_s, want);
}

/* --- usage --------------------------------------------------------------- */

static void usage_errors_exit_2(void **state)
{
	static const struct {
		const char *args[8];
		const char *err;
	} cases[] = {
		{ { NULL }, NULL },
		{ { "frobnicate" }, "swaplimit: unknown command 'frobnicate': "
		  "expected check or eval (see swaplimit --help)\n" },
		{ { "check", "--bogus" }, "swaplimit check: unknown option or "
		  "unexpected value '--bogus' (see swaplimit --help)\n" },
		{ { "check", "-x" }, "swaplimit check: unknown option '-x' (see "
		  "swaplimit --help)\n" },
		{ { "check" }, "swaplimit check: no rules given; add --rules "
		  "STRING, --file PATH or --plugstack PATH\n" },
		{ { "check", "--rules" }, "swaplimit check: option '--rules' "
		  "needs a value (see swaplimit --help)\n" },
		{ { "check", "--rules", "default()=0", "--file", "x" },
		  "swaplimit check: --rules and --file both give rules; give "
		  "exactly one of --rules, --file and --plugstack\n" },
		{ { "check", "--plugstack", "a", "--rules", "default()=0" },
		  "swaplimit check: --plugstack and --rules both give rules; give "
		  "exactly one of --rules, --file and --plugstack\n" },
		{ { "check", "--file", "a", "--file", "b" },
		  "swaplimit check: --file is given twice; give it once\n" },
		{ { "check", "--rules", "default()=0", "extra" },
		  "swaplimit check: unexpected argument 'extra' (values go after "
		  "an option, e.g. --rules 'default()=1GiB')\n" },
		{ { "check", "--rules", "default()=0", "--node", "n1" },
		  "swaplimit check: the nodes' swap is needed: add --swap "
		  "[HOSTLIST=]SIZE or --swap-file FILE\n" },
		{ { "check", "--rules", "default()=0", "--mem", "1G" },
		  "swaplimit check: --mem is only for 'swaplimit eval'\n" },
		{ { "eval", "--rules", P1 }, "swaplimit eval: --node NAME is "
		  "required (the node to evaluate the rules on)\n" },
		{ { "eval", "--rules", P1, "--node", "" }, "swaplimit eval: "
		  "--node needs a non-empty value\n" },
		{ { "eval", "--rules", P1, "--node", "a", "--node", "b" },
		  "swaplimit eval: --node is given twice; give it once\n" },
		{ { "eval", "--rules", P1, "--node", "a", "--cpus", "0" },
		  "swaplimit eval: --cpus '0': expected a whole number >= 1\n" },
		{ { "eval", "--rules", P1, "--node", "a", "--cpus", "4x" },
		  "swaplimit eval: --cpus '4x': expected a whole number >= 1\n" },
		{ { "eval", "--rules", P1, "--node", "a", "--tasks", "-2" },
		  "swaplimit eval: --tasks '-2': expected a whole number >= 1\n" },
		{ { "eval", "--rules", P1, "--node", "a", "--tasks",
		    "99999999999999999999" },
		  "swaplimit eval: --tasks '99999999999999999999': expected a "
		  "whole number >= 1\n" },
		/* issue 10: one size grammar with the rules and --swap (a bare
		 * number is MiB, as for --mem), one parser, one message */
		{ { "eval", "--rules", P1, "--node", "a", "--mem", "4GB" },
		  "swaplimit eval: --mem '4GB': ambiguous unit 'GB' (use GiB or G: "
		  "units are powers of 1024 as in Slurm); write a size as for --mem: a bare number of MiB (512), or a number and a unit K, M, G, T (or KiB, MiB, GiB, TiB, B, P, PiB; powers of 1024), e.g. 64M, 1.5G, or none\n" },
		{ { "eval", "--rules", P1, "--node", "a", "--mem", "1XiB" },
		  "swaplimit eval: --mem '1XiB': unknown unit 'XiB' (expected B, K, "
		  "KiB, M, MiB, G, GiB, T, TiB, P, PiB); write a size as for --mem: a bare number of MiB (512), or a number and a unit K, M, G, T (or KiB, MiB, GiB, TiB, B, P, PiB; powers of 1024), e.g. 64M, 1.5G, or none\n" },
		{ { "eval", "--rules", P1, "--node", "a", "--node-swap",
		    "16384PiB" },
		  "swaplimit eval: --node-swap '16384PiB': too large (more than "
		  "2^64-1 bytes); write a size as for --mem: a bare number of MiB (512), or a number and a unit K, M, G, T (or KiB, MiB, GiB, TiB, B, P, PiB; powers of 1024), e.g. 64M, 1.5G\n" },
		{ { "eval", "--rules", P1, "--node", "a", "--node-swap",
		    "Unlimited" },
		  "swaplimit eval: --node-swap 'Unlimited': the node's swap is a "
		  "finite size (e.g. 64GiB, or 0 for none)\n" },
		{ { "eval", "--rules", P1, "--node", "a", "--node-swap", "2mb" },
		  "swaplimit eval: --node-swap '2mb': ambiguous unit 'mb' (use MiB "
		  "or M: units are powers of 1024 as in Slurm); write a size as for --mem: a bare number of MiB (512), or a number and a unit K, M, G, T (or KiB, MiB, GiB, TiB, B, P, PiB; powers of 1024), e.g. 64M, 1.5G\n" },
		{ { "eval", "--rules", P1, "--node", "a", "--cgroup", "v3" },
		  "swaplimit eval: --cgroup 'v3': expected v1 or v2\n" },
		{ { "eval", "--rules", P1, "--node", "a", "--unknown", "qos" },
		  "swaplimit eval: --unknown 'qos': expected partition, account, "
		  "user or groups, comma-separated\n" },
		{ { "eval", "--rules", P1, "--node", "a", "--group", "a,,b" },
		  "swaplimit eval: --group 'a,,b': empty group name (write "
		  "NAME[,NAME...])\n" },
		{ { "eval", "--rules", P1, "--node", "a", "--json=yes" },
		  "swaplimit eval: unknown option or unexpected value "
		  "'--json=yes' (see swaplimit --help)\n" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = run_v(cases[i].args);

		if (rc != 2 || (cases[i].err && strcmp(err_s, cases[i].err)))
			print_error("case %zu: rc %d\n got: %s want: %s", i, rc,
				    err_s, cases[i].err ? cases[i].err : "(usage)");
		assert_int_equal(rc, 2);
		if (cases[i].err)
			assert_string_equal(err_s, cases[i].err);
		else
			assert_true(starts_with(err_s, "Usage:\n"));
		assert_string_equal(out_s, "");
	}
}

static void help_and_version(void **state)
{
	char want[64];

	(void)state;
	assert_int_equal(run("--help", NULL), 0);
	assert_true(starts_with(out_s, "Usage:\n  swaplimit check"));
	assert_true(contains(out_s, "--node-swap SIZE"));
	assert_string_equal(err_s, "");
	assert_int_equal(run("eval", "--help", NULL), 0);
	assert_true(starts_with(out_s, "Usage:\n"));
	assert_int_equal(run("check", "--rules", "x", "-h", NULL), 0);
	assert_true(starts_with(out_s, "Usage:\n"));
	assert_int_equal(run("--version", NULL), 0);
	snprintf(want, sizeof(want), "swaplimit %s\n", SWAPLIMIT_VERSION);
	assert_string_equal(out_s, want);
}

/* --- helpers ------------------------------------------------------------- */

static void json_escaping(void **state)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f;

	(void)state;
	f = open_memstream(&s, &n);
	assert_non_null(f);
	sl_cli_json_string(f, "a\"b\\c\n\t\x01\x7f é \xff\xc3 end");
	fputc(' ', f);
	sl_cli_json_string(f, NULL);
	fputc(' ', f);
	sl_cli_json_string(f, "\xed\xa0\x80");   /* a UTF-16 surrogate */
	fclose(f);
	assert_string_equal(s, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f é \\ufffd"
			    "\\ufffd end\" null \"\\ufffd\\ufffd\\ufffd\"");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(eval_issue_example),
		cmocka_unit_test(eval_issue_example_json),
		cmocka_unit_test(eval_share_forms),
		cmocka_unit_test(eval_job_and_step_as_the_plugin),
		cmocka_unit_test(eval_largest_node_swap),
		cmocka_unit_test(eval_no_default_node_swap_silently),
		cmocka_unit_test(eval_unlimited),
		cmocka_unit_test(eval_no_match),
		cmocka_unit_test(eval_other_production_strings),
		cmocka_unit_test(eval_user_group_account_file),
		cmocka_unit_test(eval_mem_percent),
		cmocka_unit_test(eval_default_node_swap),
		cmocka_unit_test(eval_sizes_and_counts),
		cmocka_unit_test(check_production),
		cmocka_unit_test(check_plugin_build),
		cmocka_unit_test(check_oversub_issue_example),
		cmocka_unit_test(check_oversub_slurm_conf),
		cmocka_unit_test(check_oversub_errors),
		cmocka_unit_test(check_file_same_as_inline),
		cmocka_unit_test(check_warnings),
		cmocka_unit_test(check_plugstack_include),
		cmocka_unit_test(check_plugstack_config),
		cmocka_unit_test(check_plugstack_errors),
		cmocka_unit_test(check_bad_rules_exit_1),
		cmocka_unit_test(check_file_errors_exit_1),
		cmocka_unit_test(usage_errors_exit_2),
		cmocka_unit_test(help_and_version),
		cmocka_unit_test(json_escaping),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
