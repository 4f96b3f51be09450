/*
 * Fake cgroup trees for the cgroup writer's unit tests
 * (tests/unit/test_cgroup_*.c). Everything lives under one mkdtemp()
 * directory:
 *   <root>/proc/<pid>/cgroup   a fake /proc (proc_root = <root>/proc)
 *   <root>/proc/self/mountinfo a fake mount table (for cgroup_root = NULL)
 *   <root>/cg/...              a fake cgroup mount (cgroup_root = <root>/cg)
 * Layouts:
 *   v1        cg/memory/slurm_node1/uid_1000/job_5/step_0/task_0
 *   v2 22.05  cg/system.slice/slurmstepd.scope/job_5/step_0/user/task_0
 *   v2 newer  cg/system.slice/node1_slurmstepd.scope/job_5/step_batch/user/task_0
 *   v2 26.05  cg/system.slice/node1_slurmstepd.scope/s8X5M8RBXF7R00/step_0/user/task_0
 */
#ifndef SWAPLIMIT_CG_FIXTURE_H
#define SWAPLIMIT_CG_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define FX_UNUSED __attribute__((unused))
#define FX_PID 4242

#define FX_V1_JOB "/slurm_node1/uid_1000/job_5"
#define FX_V1_STEP FX_V1_JOB "/step_0"
#define FX_V1_TASK FX_V1_STEP "/task_0"
#define FX_V2_JOB "/system.slice/slurmstepd.scope/job_5"
#define FX_V2_STEP FX_V2_JOB "/step_0"
#define FX_V2_TASK FX_V2_STEP "/user/task_0"
#define FX_V2N_JOB "/system.slice/node1_slurmstepd.scope/job_5"
#define FX_V2N_STEP FX_V2N_JOB "/step_batch"
#define FX_V2N_TASK FX_V2N_STEP "/user/task_0"
#define FX_SLUID "s8X5M8RBXF7R00"
#define FX_V2S_JOB "/system.slice/node1_slurmstepd.scope/" FX_SLUID
#define FX_V2S_STEP FX_V2S_JOB "/step_0"
#define FX_V2S_TASK FX_V2S_STEP "/user/task_0"

/* snprintf that aborts on truncation (and keeps -Wformat-truncation quiet). */
static FX_UNUSED void fx_fmt(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static FX_UNUSED void fx_fmt(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		abort();
}

typedef struct {
	char root[PATH_MAX];
	char proc[PATH_MAX];
	char cg[PATH_MAX];
} fx_t;

static FX_UNUSED void fx_path(const fx_t *f, char *out, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static FX_UNUSED void fx_path(const fx_t *f, char *out, const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rel, sizeof rel, fmt, ap);
	va_end(ap);
	fx_fmt(out, PATH_MAX, "%s/%s", f->root, rel);
}

/* mkdir -p of an absolute path */
static FX_UNUSED void fx_mkdirs(const char *abs)
{
	char tmp[PATH_MAX];
	fx_fmt(tmp, sizeof tmp, "%s", abs);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
				abort();
			*p = '/';
		}
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		abort();
}

/* Create/replace an absolute file with content (through stdio, so the
 * apply tests' write() spy does not see it). */
static FX_UNUSED void fx_put(const char *abs, const char *content)
{
	FILE *fp = fopen(abs, "w");
	if (!fp)
		abort();
	fputs(content, fp);
	if (fclose(fp) != 0)
		abort();
}

/* put <root>/<rel> */
static FX_UNUSED void fx_putr(const fx_t *f, const char *rel, const char *content)
{
	char p[PATH_MAX];
	fx_path(f, p, "%s", rel);
	fx_put(p, content);
}

/* Content of an absolute file into buf, or NULL when it cannot be read. */
static FX_UNUSED const char *fx_get(const char *abs, char *buf, size_t size)
{
	int fd = open(abs, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static FX_UNUSED int fx_rm_cb(const char *p, const struct stat *st, int flag,
			      struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(p);
	return unlink(p);
}

static FX_UNUSED void fx_rm_rf(const char *abs)
{
	nftw(abs, fx_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static FX_UNUSED void fx_init(fx_t *f)
{
	fx_fmt(f->root, sizeof f->root, "/tmp/sl-cgtest-XXXXXX");
	if (!mkdtemp(f->root))
		abort();
	fx_fmt(f->proc, sizeof f->proc, "%s/proc", f->root);
	fx_fmt(f->cg, sizeof f->cg, "%s/cg", f->root);
	fx_mkdirs(f->proc);
	fx_mkdirs(f->cg);
}

static FX_UNUSED void fx_fini(fx_t *f)
{
	fx_rm_rf(f->root);
}

/* <root>/proc/<pid>/cgroup */
static FX_UNUSED void fx_proc(const fx_t *f, int pid, const char *content)
{
	char d[PATH_MAX], p[PATH_MAX];
	fx_fmt(d, sizeof d, "%s/%d", f->proc, pid);
	fx_mkdirs(d);
	fx_fmt(p, sizeof p, "%s/cgroup", d);
	fx_put(p, content);
}

/* A /proc/<pid>/cgroup as a cgroup v1 (hybrid) node shows it. */
static FX_UNUSED void fx_proc_v1(const fx_t *f, int pid, const char *mempath)
{
	char c[PATH_MAX + 512];
	fx_fmt(c, sizeof c,
		 "12:pids:/system.slice/slurmd.service\n"
		 "11:cpu,cpuacct:/slurm_node1/uid_1000/job_5/step_0/task_0\n"
		 "10:memory:%s\n"
		 "9:freezer:/slurm_node1/uid_1000/job_5/step_0\n"
		 "1:name=systemd:/system.slice/slurmd.service\n"
		 "0::/system.slice/slurmd.service\n",
		 mempath);
	fx_proc(f, pid, c);
}

static FX_UNUSED void fx_proc_v2(const fx_t *f, int pid, const char *path)
{
	char c[PATH_MAX + 8];
	fx_fmt(c, sizeof c, "0::%s\n", path);
	fx_proc(f, pid, c);
}

/* <root>/proc/self/mountinfo = content */
static FX_UNUSED void fx_mountinfo(const fx_t *f, const char *content)
{
	char d[PATH_MAX], p[PATH_MAX];
	fx_fmt(d, sizeof d, "%s/self", f->proc);
	fx_mkdirs(d);
	fx_fmt(p, sizeof p, "%s/mountinfo", d);
	fx_put(p, content);
}

/* cg/memory<rel>/<name> = value */
static FX_UNUSED void fx_v1_file(const fx_t *f, const char *rel,
				 const char *name, const char *value)
{
	char p[PATH_MAX];
	fx_path(f, p, "cg/memory%s/%s", rel, name);
	fx_put(p, value);
}

/* Slurm's v1 tree: job and step with RAM limit and memsw (memsw=NULL: no
 * swap accounting, no memsw files), task unlimited. */
static FX_UNUSED void fx_v1_tree(const fx_t *f, const char *job_lim,
				 const char *job_memsw, const char *step_lim,
				 const char *step_memsw)
{
	char d[PATH_MAX];
	fx_path(f, d, "cg/memory%s", FX_V1_TASK);
	fx_mkdirs(d);
	fx_v1_file(f, FX_V1_JOB, "memory.limit_in_bytes", job_lim);
	fx_v1_file(f, FX_V1_STEP, "memory.limit_in_bytes", step_lim);
	fx_v1_file(f, FX_V1_TASK, "memory.limit_in_bytes", "9223372036854771712\n");
	if (job_memsw)
		fx_v1_file(f, FX_V1_JOB, "memory.memsw.limit_in_bytes", job_memsw);
	if (step_memsw)
		fx_v1_file(f, FX_V1_STEP, "memory.memsw.limit_in_bytes", step_memsw);
	if (job_memsw || step_memsw)
		fx_v1_file(f, FX_V1_TASK, "memory.memsw.limit_in_bytes",
			   "9223372036854771712\n");
	fx_proc_v1(f, FX_PID, FX_V1_TASK);
}

/* Slurm's v2 tree (job, step[/user], task): memory.max and memory.swap.max
 * where Slurm writes them. with_user=false: a layout without step/user. */
static FX_UNUSED void fx_v2_tree(const fx_t *f, const char *job, const char *step,
				 bool with_user, const char *job_max,
				 const char *step_max, bool with_swap)
{
	char d[PATH_MAX], p[PATH_MAX], task[PATH_MAX];
	fx_putr(f, "cg/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
	fx_fmt(task, sizeof task, "%s%s/task_0", step, with_user ? "/user" : "");
	fx_path(f, d, "cg%s", task);
	fx_mkdirs(d);
	fx_path(f, p, "cg%s/memory.max", job);
	fx_put(p, job_max);
	fx_path(f, p, "cg%s%s/memory.max", step, with_user ? "/user" : "");
	fx_put(p, step_max);
	if (with_user) {   /* Slurm also writes step_Y itself for accounting */
		fx_path(f, p, "cg%s/memory.max", step);
		fx_put(p, "max\n");
	}
	if (with_swap) {
		fx_path(f, p, "cg%s/memory.swap.max", job);
		fx_put(p, "max\n");
		fx_path(f, p, "cg%s%s/memory.swap.max", step, with_user ? "/user" : "");
		fx_put(p, "max\n");
	}
	fx_proc_v2(f, FX_PID, task);
}

/* Snapshot of every file, directory and link under a tree, to prove that
 * a failing call wrote nothing, or only the files it reported. */
#define FX_SNAP_MAX 128
typedef struct {
	int n;
	struct {
		char path[PATH_MAX];
		char kind;               /* f, d, l, p (fifo), ? */
		char content[256];
	} e[FX_SNAP_MAX];
} fx_snap_t;

static fx_snap_t *fx_snap_cur;

static FX_UNUSED int fx_snap_cb(const char *p, const struct stat *st, int flag,
				struct FTW *ftw)
{
	(void)ftw;
	fx_snap_t *s = fx_snap_cur;
	if (s->n >= FX_SNAP_MAX)
		abort();
	int i = s->n++;
	fx_fmt(s->e[i].path, sizeof s->e[i].path, "%s", p);
	s->e[i].content[0] = '\0';
	if (flag == FTW_SL) {
		s->e[i].kind = 'l';
		ssize_t n = readlink(p, s->e[i].content, sizeof s->e[i].content - 1);
		s->e[i].content[n < 0 ? 0 : n] = '\0';
	} else if (flag == FTW_D || flag == FTW_DP) {
		s->e[i].kind = 'd';
	} else if (S_ISFIFO(st->st_mode)) {
		s->e[i].kind = 'p';
	} else if (S_ISREG(st->st_mode)) {
		s->e[i].kind = 'f';
		if (!fx_get(p, s->e[i].content, sizeof s->e[i].content))
			abort();
	} else {
		s->e[i].kind = '?';
	}
	return 0;
}

static FX_UNUSED void fx_snapshot(const char *root, fx_snap_t *s)
{
	s->n = 0;
	fx_snap_cur = s;
	if (nftw(root, fx_snap_cb, 16, FTW_PHYS) != 0)
		abort();
}

/*
 * Compare two snapshots. Files listed in allowed[] (NULL-terminated
 * absolute paths) may differ. Returns NULL when equal, else a description
 * of the first difference (static buffer).
 */
static FX_UNUSED const char *fx_snap_diff(const fx_snap_t *a, const fx_snap_t *b,
					  const char *const *allowed)
{
	static char why[PATH_MAX + 600];
	if (a->n != b->n) {
		fx_fmt(why, sizeof why, "%d entries before, %d after", a->n, b->n);
		return why;
	}
	for (int i = 0; i < a->n; i++) {
		bool ok = false;
		for (const char *const *al = allowed; al && *al; al++)
			if (strcmp(*al, a->e[i].path) == 0)
				ok = true;
		if (strcmp(a->e[i].path, b->e[i].path) != 0 ||
		    a->e[i].kind != b->e[i].kind ||
		    (!ok && strcmp(a->e[i].content, b->e[i].content) != 0)) {
			fx_fmt(why, sizeof why, "%s (%c '%s') became %s (%c '%s')",
			       a->e[i].path, a->e[i].kind, a->e[i].content,
			       b->e[i].path, b->e[i].kind, b->e[i].content);
			return why;
		}
	}
	return NULL;
}

#endif
