/*
 * sl-cgtool: drive the cgroup writer (src/cgroup) against real or fake
 * cgroups, for shell tests (tests/integration/15_cgroup_faults.bats).
 *
 *   sl-cgtool [--proc-root DIR] [--cgroup-root DIR] [--between CMD]
 *             [--before-write CMD] [--job-id N] [--step-id N|batch|extern|
 *             interactive] [--uid N] [--sluid SLUID] COMMAND
 *     find PID                        version=, job_dir=, step_dir=
 *     ramlimit PID                    job_ram_limit=, step_ram_limit=
 *     apply PID JOB_SWAP STEP_SWAP    one "wrote PATH VALUE" line per write
 *     usage PID                       the step's sl_cg_usage_t, key=value
 *     meminfo [FILE]                  swap_total=
 *
 * Without --cgroup-root the mount point comes from <proc-root>/self/mountinfo.
 * --job-id/--step-id/--uid/--sluid: find with sl_cg_find_job() and those
 * checks (else sl_cg_find()).
 * Sizes: bytes, or a number with K/M/G/T (powers of 1024), or "none"
 * (no limit). --between runs CMD with /bin/sh after sl_cg_find() and before
 * the next call (SL_JOB_DIR and SL_STEP_DIR set): a test makes the task
 * exit, or changes a limit, in that window. --before-write runs CMD once,
 * just before the library's first write(2) reaches the kernel: after
 * sl_cg_apply() has read the limits and opened both files (this program
 * defines write(); its own output goes through stdio, which does not call
 * it). That is the window of a real race with Slurm or with the task
 * exiting.
 * Exit status: 0 success; 1 the library returned -1 (its message is
 * printed as "error: ..." on stderr); 2 bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"

static const char *before_write;
static sl_cg_job_t want;
static bool have_want;

static void run_hook(const char *what, const char *cmd)
{
	fflush(stdout);
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "note: %s command exited with status %d\n", what, rc);
}

/* Interposes on libc's write(2) for the cgroup writer's calls. */
ssize_t write(int fd, const void *buf, size_t n)
{
	if (before_write) {
		const char *cmd = before_write;
		before_write = NULL;
		run_hook("--before-write", cmd);
	}
	return syscall(SYS_write, fd, buf, n);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: sl-cgtool [--proc-root DIR] [--cgroup-root DIR] [--between CMD]\n"
		"                 [--before-write CMD] [--job-id N] [--step-id N|batch|extern|interactive]\n"
		"                 [--uid N] [--sluid SLUID]\n"
		"                 find PID | ramlimit PID | apply PID JOB_SWAP STEP_SWAP |\n"
		"                 usage PID | meminfo [FILE]\n");
	exit(2);
}

static int parse_size(const char *s, uint64_t *out)
{
	if (strcmp(s, "none") == 0 || strcmp(s, "unlimited") == 0 ||
	    strcmp(s, "-1") == 0) {
		*out = SL_CG_UNLIMITED;
		return 0;
	}
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case '\0': break;
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	default: return -1;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static uint32_t parse_u32(const char *s)
{
	char *end;
	errno = 0;
	if (*s < '0' || *s > '9')
		usage();
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		usage();
	return (uint32_t)v;
}

static uint32_t parse_step(const char *s)
{
	if (strcmp(s, "batch") == 0)
		return SL_CG_STEP_BATCH;
	if (strcmp(s, "extern") == 0)
		return SL_CG_STEP_EXTERN;
	if (strcmp(s, "interactive") == 0)
		return SL_CG_STEP_INTERACTIVE;
	return parse_u32(s);
}

static pid_t parse_pid(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > 0x7fffffff)
		usage();
	return (pid_t)v;
}

static void print_u64(const char *key, uint64_t v)
{
	if (v == SL_CG_UNLIMITED)
		printf("%s=unlimited\n", key);
	else
		printf("%s=%" PRIu64 "\n", key, v);
}

static int find(const char *proc_root, const char *cg_root, const char *pid_s,
		const char *between, sl_cg_paths_t *p)
{
	char msg[SL_CG_MSG_MAX];
	int rc = have_want
		 ? sl_cg_find_job(proc_root, parse_pid(pid_s), cg_root, &want, p,
				  msg, sizeof msg)
		 : sl_cg_find(proc_root, parse_pid(pid_s), cg_root, p, msg,
			      sizeof msg);
	if (rc) {
		fprintf(stderr, "error: %s\n", msg);
		return -1;
	}
	printf("version=%d\njob_dir=%s\nstep_dir=%s\n", (int)p->version,
	       p->job_dir, p->step_dir);
	fflush(stdout);
	if (between) {
		setenv("SL_JOB_DIR", p->job_dir, 1);
		setenv("SL_STEP_DIR", p->step_dir, 1);
		run_hook("--between", between);
	}
	if (before_write) {
		setenv("SL_JOB_DIR", p->job_dir, 1);
		setenv("SL_STEP_DIR", p->step_dir, 1);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *proc_root = NULL, *cg_root = NULL, *between = NULL;
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--proc-root") == 0)
			proc_root = argv[i + 1];
		else if (strcmp(argv[i], "--cgroup-root") == 0)
			cg_root = argv[i + 1];
		else if (strcmp(argv[i], "--between") == 0)
			between = argv[i + 1];
		else if (strcmp(argv[i], "--before-write") == 0)
			before_write = argv[i + 1];
		else if (strcmp(argv[i], "--job-id") == 0) {
			want.check_job_id = have_want = true;
			want.job_id = parse_u32(argv[i + 1]);
		} else if (strcmp(argv[i], "--step-id") == 0) {
			want.check_step_id = have_want = true;
			want.step_id = parse_step(argv[i + 1]);
		} else if (strcmp(argv[i], "--uid") == 0) {
			want.check_uid = have_want = true;
			want.uid = (uid_t)parse_u32(argv[i + 1]);
		} else if (strcmp(argv[i], "--sluid") == 0) {
			have_want = true;
			want.sluid = argv[i + 1];
		} else
			usage();
	}
	if (i >= argc)
		usage();
	const char *cmd = argv[i++];
	int nargs = argc - i;
	char msg[SL_CG_MSG_MAX];
	sl_cg_paths_t p;

	if (strcmp(cmd, "meminfo") == 0) {
		if (nargs > 1)
			usage();
		uint64_t b;
		if (sl_meminfo_swap_total(nargs ? argv[i] : NULL, &b, msg, sizeof msg)) {
			fprintf(stderr, "error: %s\n", msg);
			return 1;
		}
		print_u64("swap_total", b);
		return 0;
	}
	if (strcmp(cmd, "find") == 0) {
		if (nargs != 1)
			usage();
		return find(proc_root, cg_root, argv[i], between, &p) ? 1 : 0;
	}
	if (strcmp(cmd, "ramlimit") == 0) {
		if (nargs != 1)
			usage();
		if (find(proc_root, cg_root, argv[i], between, &p))
			return 1;
		uint64_t j, s;
		if (sl_cg_read_ram_limit(p.version, p.job_dir, &j, msg, sizeof msg) ||
		    sl_cg_read_ram_limit(p.version, p.step_dir, &s, msg, sizeof msg)) {
			fprintf(stderr, "error: %s\n", msg);
			return 1;
		}
		print_u64("job_ram_limit", j);
		print_u64("step_ram_limit", s);
		return 0;
	}
	if (strcmp(cmd, "apply") == 0) {
		uint64_t js, ss;
		if (nargs != 3 || parse_size(argv[i + 1], &js) ||
		    parse_size(argv[i + 2], &ss))
			usage();
		if (find(proc_root, cg_root, argv[i], between, &p))
			return 1;
		sl_cg_report_t rep;
		int rc = sl_cg_apply(&p, js, ss, &rep, msg, sizeof msg);
		for (int k = 0; k < rep.nwritten; k++)
			printf("wrote %s %s\n", rep.written[k].path,
			       rep.written[k].value);
		printf("nwritten=%d\n", rep.nwritten);
		fflush(stdout);
		if (rc) {
			fprintf(stderr, "error: %s\n", msg);
			return 1;
		}
		return 0;
	}
	if (strcmp(cmd, "usage") == 0) {
		if (nargs != 1)
			usage();
		if (find(proc_root, cg_root, argv[i], between, &p))
			return 1;
		sl_cg_usage_t u;
		if (sl_cg_read_usage(p.version, p.step_dir, &u, msg, sizeof msg)) {
			fprintf(stderr, "error: %s\n", msg);
			return 1;
		}
		print_u64("ram_limit", u.ram_limit);
		print_u64("swap_limit", u.swap_limit);
		print_u64("peak_ram", u.peak_ram);
		print_u64("peak_ram_swap", u.peak_ram_swap);
		print_u64("peak_swap", u.peak_swap);
		print_u64("swap_now", u.swap_now);
		print_u64("oom_kills", u.oom_kills);
		print_u64("memsw_failcnt", u.memsw_failcnt);
		printf("have_swap_figures=%d\n", u.have_swap_figures ? 1 : 0);
		return 0;
	}
	usage();
}
