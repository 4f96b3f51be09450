/*
 * sl_cg_apply() and sl_cg_read_ram_limit() against fake cgroup trees.
 *
 * This file defines write(2): the cgroup writer's write() calls land here
 * (the executable's definition interposes on libc's). It plays the kernel
 * of a fake tree:
 *   - a write replaces the file's value (cgroup files are not appended to);
 *     v1 "-1" reads back as the kernel shows it, 9223372036854771712;
 *   - v1: memory.memsw.limit_in_bytes below the cgroup's
 *     memory.limit_in_bytes is refused with EINVAL, as the kernel does;
 *   - after every write it counts the states where the step's memsw
 *     exceeds the job's (spy.violations): the writer goes step first
 *     without reading the old values, so lowering never passes through
 *     such a state, while raising may (harmless: the job's limit holds
 *     the step's pages; cg_apply.c says why);
 *   - it can inject a kernel refusal (EBUSY, EROFS, ENODEV...) or a short
 *     write at the n-th write, and run a hook before a write (a race).
 * Every fault test also snapshots the whole fake tree before and after and
 * requires that nothing but the reported files changed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/syscall.h>

#include "cgroup.h"
#include "../tools/cg_fixture.h"

#define MiB (1024ULL * 1024ULL)
#define V1_UNL_STR "9223372036854771712\n"

/* ------------------------------------------------------------------ */
/* The fake kernel behind write(2).                                    */

static struct {
	bool on;
	bool v1_kernel;
	int nwrites;
	char path[8][PATH_MAX];
	char val[8][64];
	int fail_at;            /* 1-based write to refuse; 0: none */
	int fail_errno;
	int short_at;           /* 1-based write to cut short */
	void (*before)(int n, const char *path, const char *value);
	char job_memsw[PATH_MAX], step_memsw[PATH_MAX];
	int violations;
	char states[8][96];     /* "job=... step=..." after each write */
} spy;

static uint64_t file_u64(const char *path)
{
	char b[64];
	if (!fx_get(path, b, sizeof b))
		return 0;
	if (strncmp(b, "-1", 2) == 0)
		return UINT64_MAX;
	uint64_t v = strtoull(b, NULL, 10);
	return v >= 9223372036854771712ULL ? UINT64_MAX : v;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	if (!spy.on)
		return syscall(SYS_write, fd, buf, n);
	char lnk[64], path[PATH_MAX], value[64];
	fx_fmt(lnk, sizeof lnk, "/proc/self/fd/%d", fd);
	ssize_t l = readlink(lnk, path, sizeof path - 1);
	path[l < 0 ? 0 : l] = '\0';
	size_t vl = n < sizeof value - 1 ? n : sizeof value - 1;
	memcpy(value, buf, vl);
	value[vl] = '\0';
	int k = spy.nwrites++;
	if (k < 8) {
		fx_fmt(spy.path[k], sizeof spy.path[k], "%s", path);
		fx_fmt(spy.val[k], sizeof spy.val[k], "%s", value);
	}
	if (spy.before)
		spy.before(k + 1, path, value);
	if (spy.fail_at == k + 1) {
		errno = spy.fail_errno;
		return -1;
	}
	const char *suffix = "/memory.memsw.limit_in_bytes";
	size_t pl = strlen(path), sl = strlen(suffix);
	if (spy.v1_kernel && pl > sl && strcmp(path + pl - sl, suffix) == 0) {
		char lim[PATH_MAX];
		fx_fmt(lim, sizeof lim, "%.*s/memory.limit_in_bytes",
		       (int)(pl - sl), path);
		uint64_t want = strcmp(value, "-1") == 0 ? UINT64_MAX
							 : strtoull(value, NULL, 10);
		if (want < file_u64(lim)) {
			errno = EINVAL;
			return -1;
		}
	}
	size_t len = spy.short_at == k + 1 ? n - 1 : n;
	if (ftruncate(fd, 0) != 0)
		return -1;
	ssize_t r;
	if (spy.v1_kernel && strcmp(value, "-1") == 0) {
		/* v1 shows "no limit" as PAGE_COUNTER_MAX pages */
		r = pwrite(fd, V1_UNL_STR, strlen(V1_UNL_STR), 0);
		r = r < 0 ? r : (ssize_t)n;
	} else {
		r = pwrite(fd, buf, len, 0);
	}
	if (spy.job_memsw[0]) {
		uint64_t j = file_u64(spy.job_memsw), s = file_u64(spy.step_memsw);
		if (s > j)
			spy.violations++;
		if (k < 8)
			fx_fmt(spy.states[k], sizeof spy.states[k],
			       "job=%llu step=%llu", (unsigned long long)j,
			       (unsigned long long)s);
	}
	return r;
}

static void spy_reset(bool v1, const fx_t *f)
{
	memset(&spy, 0, sizeof spy);
	spy.v1_kernel = v1;
	if (v1 && f) {
		fx_path(f, spy.job_memsw, "cg/memory%s/memory.memsw.limit_in_bytes", FX_V1_JOB);
		fx_path(f, spy.step_memsw, "cg/memory%s/memory.memsw.limit_in_bytes", FX_V1_STEP);
	}
}

/* ------------------------------------------------------------------ */

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	fx_init(f);
	*state = f;
	spy_reset(false, NULL);
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;
	spy.on = false;
	fx_fini(f);
	free(f);
	return 0;
}

static char *u64s(uint64_t v, char *b, size_t n)
{
	fx_fmt(b, n, "%llu", (unsigned long long)v);
	return b;
}

static char *u64n(uint64_t v, char *b, size_t n)
{
	fx_fmt(b, n, "%llu\n", (unsigned long long)v);
	return b;
}

static void find_ok(const fx_t *f, sl_cg_paths_t *p)
{
	char msg[SL_CG_MSG_MAX];
	if (sl_cg_find(f->proc, FX_PID, f->cg, p, msg, sizeof msg) != 0)
		fail_msg("sl_cg_find: %s", msg);
}

static void v1_files(const fx_t *f, char *job, char *step)
{
	fx_path(f, job, "cg/memory%s/memory.memsw.limit_in_bytes", FX_V1_JOB);
	fx_path(f, step, "cg/memory%s/memory.memsw.limit_in_bytes", FX_V1_STEP);
}

static void assert_file(const char *path, const char *want)
{
	char b[256];
	const char *got = fx_get(path, b, sizeof b);
	if (!got)
		fail_msg("%s: unreadable", path);
	if (strcmp(got, want) != 0)
		fail_msg("%s: '%s', expected '%s'", path, got, want);
}

static void assert_msg(const char *msg, const char *must)
{
	if (!strstr(msg, must))
		fail_msg("message '%s' lacks '%s'", msg, must);
}

/* After a success: rep says the step's limit exactly as it reads back
 * (what task_init hands the tasks instead of reading it). */
static void assert_step_limit_reads_back(const sl_cg_paths_t *p,
					 const sl_cg_report_t *rep)
{
	char msg[SL_CG_MSG_MAX];
	uint64_t got;
	assert_true(rep->step_set);
	if (sl_cg_read_swap_limit(p->version, p->step_dir, &got, msg,
				  sizeof msg) != 0)
		fail_msg("read back: %s", msg);
	assert_int_equal(rep->step_limit, got);
}

/* Run apply on a tree, require -1, the message parts, and an unchanged
 * tree (except the allowed files). */
static void apply_fails(const fx_t *f, const sl_cg_paths_t *p, uint64_t js,
			uint64_t ss, const char *const *allowed, int nwritten,
			const char *m1, const char *m2, const char *m3)
{
	static fx_snap_t before, after;
	sl_cg_report_t rep;
	char msg[SL_CG_MSG_MAX] = "";
	fx_snapshot(f->root, &before);
	spy.on = true;
	int rc = sl_cg_apply(p, js, ss, &rep, msg, sizeof msg);
	spy.on = false;
	assert_int_equal(rc, -1);
	assert_false(rep.step_set);
	assert_int_equal(rep.nwritten, nwritten);
	assert_msg(msg, m1);
	if (m2)
		assert_msg(msg, m2);
	if (m3)
		assert_msg(msg, m3);
	fx_snapshot(f->root, &after);
	const char *d = fx_snap_diff(&before, &after, allowed);
	if (d)
		fail_msg("tree changed: %s (message: %s)", d, msg);
}

/* ------------------------------------------------------------------ */
/* v1 success paths, ordering                                          */

/* Slurm's ConstrainSwapSpace=yes default (memsw = limit): raise. */
/* A swap amount that is not a whole number of pages is rounded down, as
 * the kernel would do silently, so the value written is the value read. */
static void v1_rounds_to_page(void **state)
{
	fx_t *f = *state;
	char jl[32], sl[32], jf[PATH_MAX], sf[PATH_MAX], e[32], msg[SL_CG_MSG_MAX];
	sl_cg_paths_t p;
	sl_cg_report_t rep;
	uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE);
	u64n(2000 * MiB, jl, sizeof jl);
	u64n(1000 * MiB, sl, sizeof sl);
	fx_v1_tree(f, jl, jl, sl, sl);
	find_ok(f, &p);
	v1_files(f, jf, sf);
	spy_reset(true, f);
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, 512 * MiB + ps - 1, 3 * ps + 17, &rep,
				     msg, sizeof msg), 0);
	spy.on = false;
	assert_file(jf, u64s(2512 * MiB, e, sizeof e));
	assert_file(sf, u64s(1000 * MiB + 3 * ps, e, sizeof e));
	assert_int_equal(rep.step_limit, 3 * ps);
	assert_step_limit_reads_back(&p, &rep);
}

static void v1_raise_step_then_job(void **state)
{
	fx_t *f = *state;
	char jl[32], sl[32], jf[PATH_MAX], sf[PATH_MAX], e[32], msg[SL_CG_MSG_MAX];
	sl_cg_paths_t p;
	sl_cg_report_t rep;
	u64n(2000 * MiB, jl, sizeof jl);
	u64n(1000 * MiB, sl, sizeof sl);
	fx_v1_tree(f, jl, jl, sl, sl);
	find_ok(f, &p);
	v1_files(f, jf, sf);
	spy_reset(true, f);
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, 512 * MiB, 256 * MiB, &rep, msg, sizeof msg), 0);
	spy.on = false;
	assert_file(jf, u64s(2512 * MiB, e, sizeof e));
	assert_file(sf, u64s(1256 * MiB, e, sizeof e));
	/* step first, then job; the report says so */
	assert_int_equal(spy.nwrites, 2);
	assert_string_equal(spy.path[0], sf);
	assert_string_equal(spy.path[1], jf);
	assert_int_equal(rep.nwritten, 2);
	assert_string_equal(rep.written[0].path, sf);
	assert_string_equal(rep.written[0].value, u64s(1256 * MiB, e, sizeof e));
	assert_string_equal(rep.written[1].path, jf);
	assert_string_equal(rep.written[1].value, u64s(2512 * MiB, e, sizeof e));
	assert_int_equal(spy.violations, 0);   /* 1256M <= the job's 2000M */
	assert_int_equal(rep.step_limit, 256 * MiB);
	assert_step_limit_reads_back(&p, &rep);
}

/* Lowering: step first, then job, and step <= job at every moment. */
static void v1_lower_step_then_job(void **state)
{
	fx_t *f = *state;
	char jl[32], sl[32], jm[32], sm[32], jf[PATH_MAX], sf[PATH_MAX];
	char e[32], msg[SL_CG_MSG_MAX];
	sl_cg_paths_t p;
	sl_cg_report_t rep;
	fx_v1_tree(f, u64n(2000 * MiB, jl, sizeof jl), u64n(3024 * MiB, jm, sizeof jm),
		   u64n(1000 * MiB, sl, sizeof sl), u64n(2024 * MiB, sm, sizeof sm));
	find_ok(f, &p);
	v1_files(f, jf, sf);
	spy_reset(true, f);
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, 0, 0, &rep, msg, sizeof msg), 0);
	spy.on = false;
	assert_file(jf, u64s(2000 * MiB, e, sizeof e));
	assert_file(sf, u64s(1000 * MiB, e, sizeof e));
	assert_int_equal(spy.nwrites, 2);
	assert_string_equal(spy.path[0], sf);
	assert_string_equal(spy.path[1], jf);
	assert_string_equal(rep.written[0].path, sf);
	assert_string_equal(rep.written[1].path, jf);
	assert_int_equal(spy.violations, 0);
}

/* ConstrainSwapSpace=no: memsw unlimited; a limit lowers it. */
static void v1_from_unlimited(void **state)
{
	fx_t *f = *state;
	char jl[32], jf[PATH_MAX], sf[PATH_MAX], e[32], msg[SL_CG_MSG_MAX];
	sl_cg_paths_t p;
	sl_cg_report_t rep;
	u64n(100 * MiB, jl, sizeof jl);
	fx_v1_tree(f, jl, V1_UNL_STR, jl, V1_UNL_STR);
	find_ok(f, &p);
	v1_files(f, jf, sf);
	spy_reset(true, f);
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, 64 * MiB, 64 * MiB, &rep, msg, sizeof msg), 0);
	spy.on = false;
	assert_file(jf, u64s(164 * MiB, e, sizeof e));
	assert_file(sf, u64s(164 * MiB, e, sizeof e));
	assert_string_equal(spy.path[0], sf);
	assert_string_equal(spy.path[1], jf);
	assert_int_equal(spy.violations, 0);
}

/* Mixed: job up, step down; and job down, step up. Never step > job. */
static void v1_mixed_directions(void **state)
{
	fx_t *f = *state;
	char jl[32], sl[32], jm[32], sm[32], jf[PATH_MAX], sf[PATH_MAX];
	char e[32], msg[SL_CG_MSG_MAX];
	sl_cg_paths_t p;
	sl_cg_report_t rep;

	/* job 2000M+0 -> +1G, step 1000M+900M -> +0 */
	fx_v1_tree(f, u64n(2000 * MiB, jl, sizeof jl), u64n(2000 * MiB, jm, sizeof jm),
		   u64n(1000 * MiB, sl, sizeof sl), u64n(1900 * MiB, sm, sizeof sm));
	find_ok(f, &p);
	v1_files(f, jf, sf);
	spy_reset(true, f);
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, 1024 * MiB, 0, &rep, msg, sizeof msg), 0);
	spy.on = false;
	assert_file(jf, u64s(3024 * MiB, e, sizeof e));
	assert_file(sf, u64s(1000 * MiB, e, sizeof e));
	assert_int_equal(spy.violations, 0);

	/* job 3024M -> 2000M+512M, step 1000M -> 1000M+1G */
	spy_reset(true, f);
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, 512 * MiB, 1024 * MiB, &rep, msg, sizeof msg), 0);
	spy.on = false;
	assert_file(jf, u64s(2512 * MiB, e, sizeof e));
	assert_file(sf, u64s(2024 * MiB, e, sizeof e));
	assert_int_equal(spy.violations, 0);
}

/*
 * Slurm (ConstrainSwapSpace=yes) rewrote the job's memsw below an earlier
 * raise of the step: the tree starts with step > job. Raising again
 * repairs it at the job's write (the second).
 */
static void v1_repairs_step_above_job(void **state)
{
	fx_t *f = *state;
	char jl[32], jm[32], sm[32], jf[PATH_MAX], sf[PATH_MAX], e[32];
	char msg[SL_CG_MSG_MAX];
	sl_cg_paths_t p;
	sl_cg_report_t rep;
	u64n(2000 * MiB, jl, sizeof jl);
	fx_v1_tree(f, jl, u64n(2000 * MiB, jm, sizeof jm), jl,
		   u64n(2500 * MiB, sm, sizeof sm));
	find_ok(f, &p);
	v1_files(f, jf, sf);
	spy_reset(true, f);
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, 1000 * MiB, 500 * MiB, &rep, msg, sizeof msg), 0);
	spy.on = false;
	assert_string_equal(spy.path[1], jf);
	assert_file(jf, u64s(3000 * MiB, e, sizeof e));
	assert_file(sf, u64s(2500 * MiB, e, sizeof e));
	assert_int_equal(spy.violations, 1);   /* as found, until the job's */
	assert_string_equal(spy.states[1], "job=3145728000 step=2621440000");
}

/* Same values again: both written, nothing moves. */
static void v1_idempotent(void **state)
{
	fx_t *f = *state;
	char jl[32], jf[PATH_MAX], sf[PATH_MAX], e[32], msg[SL_CG_MSG_MAX];
	sl_cg_paths_t p;
	sl_cg_report_t rep;
	u64n(100 * MiB, jl, sizeof jl);
	fx_v1_tree(f, jl, jl, jl, jl);
	find_ok(f, &p);
	v1_files(f, jf, sf);
	for (int i = 0; i < 2; i++) {
		spy_reset(true, f);
		spy.on = true;
		assert_int_equal(sl_cg_apply(&p, 10 * MiB, 10 * MiB, &rep, msg, sizeof msg), 0);
		spy.on = false;
		assert_int_equal(rep.nwritten, 2);
		/* raising the first time: the step is above the job for one
		 * write; the same values again: never */
		assert_int_equal(spy.violations, i == 0 ? 1 : 0);
	}
	assert_file(jf, u64s(110 * MiB, e, sizeof e));
	assert_file(sf, u64s(110 * MiB, e, sizeof e));
}

/* "none", no RAM limit, and sums at or past the kernel's "no limit". */
static void v1_unlimited_and_saturation(void **state)
{
	fx_t *f = *state;
	char jl[32], jf[PATH_MAX], sf[PATH_MAX], msg[SL_CG_MSG_MAX];
	sl_cg_paths_t p;
	sl_cg_report_t rep;
	u64n(100 * MiB, jl, sizeof jl);
	fx_v1_tree(f, jl, jl, jl, jl);
	find_ok(f, &p);
	v1_files(f, jf, sf);

	spy_reset(true, f);
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, SL_CG_UNLIMITED, 5 * MiB, &rep, msg, sizeof msg), 0);
	spy.on = false;
	assert_string_equal(spy.val[0], "110100480");   /* the step first */
	assert_string_equal(spy.val[1], "-1");
	assert_file(jf, V1_UNL_STR);
	assert_file(sf, "110100480");
	assert_step_limit_reads_back(&p, &rep);
	assert_int_equal(spy.violations, 1);   /* 105M above 100M, one write */

	/* huge but finite swap: saturates to -1 */
	spy_reset(true, f);
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, UINT64_MAX - 1, (1ULL << 63), &rep, msg, sizeof msg), 0);
	spy.on = false;
	assert_string_equal(spy.val[0], "-1");
	assert_string_equal(spy.val[1], "-1");
	assert_file(jf, V1_UNL_STR);
	assert_file(sf, V1_UNL_STR);
	assert_int_equal(rep.step_limit, SL_CG_UNLIMITED);
	assert_step_limit_reads_back(&p, &rep);

	/* no RAM limit: memsw cannot be limited either */
	fx_v1_file(f, FX_V1_JOB, "memory.limit_in_bytes", V1_UNL_STR);
	fx_v1_file(f, FX_V1_STEP, "memory.limit_in_bytes", V1_UNL_STR);
	spy_reset(true, f);
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, 0, 0, &rep, msg, sizeof msg), 0);
	spy.on = false;
	assert_file(jf, V1_UNL_STR);
	assert_file(sf, V1_UNL_STR);
	assert_string_equal(rep.written[0].value, "-1");

	/* a limit just below "no limit" plus a little swap reaches it */
	fx_v1_file(f, FX_V1_JOB, "memory.limit_in_bytes", "9223372036854767616\n");
	fx_v1_file(f, FX_V1_STEP, "memory.limit_in_bytes", "9223372036854767616\n");
	spy_reset(true, f);
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, 4096, 0, &rep, msg, sizeof msg), 0);
	spy.on = false;
	assert_file(jf, V1_UNL_STR);
	assert_file(sf, "9223372036854767616");
}

/* ------------------------------------------------------------------ */
/* v1 faults: each -1, a clear message, nothing else written           */

static void v1_no_swap_accounting(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	fx_v1_tree(f, "104857600\n", NULL, "104857600\n", NULL);
	find_ok(f, &p);
	spy_reset(true, f);
	apply_fails(f, &p, MiB, MiB, NULL, 0, "no swap accounting",
		    "memsw files missing", "swapaccount=1");
	assert_int_equal(spy.nwrites, 0);
}

/* only the step lacks it: still nothing written to the job */
static void v1_step_memsw_missing(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char sf[PATH_MAX], jf[PATH_MAX];
	fx_v1_tree(f, "104857600\n", "104857600\n", "104857600\n", "104857600\n");
	v1_files(f, jf, sf);
	unlink(sf);
	find_ok(f, &p);
	spy_reset(true, f);
	apply_fails(f, &p, MiB, MiB, NULL, 0, sf, "swapaccount=1", "nothing written");
	assert_int_equal(spy.nwrites, 0);
}

/* memsw replaced by a symbolic link to a file elsewhere: refused, the
 * link's target untouched (root ignores mode bits; O_NOFOLLOW does not). */
static void v1_memsw_symlink(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char sf[PATH_MAX], jf[PATH_MAX], decoy[PATH_MAX];
	fx_v1_tree(f, "104857600\n", "104857600\n", "104857600\n", "104857600\n");
	v1_files(f, jf, sf);
	fx_path(f, decoy, "decoy");
	fx_put(decoy, "104857600\n");
	unlink(sf);
	assert_int_equal(symlink(decoy, sf), 0);
	find_ok(f, &p);
	spy_reset(true, f);
	apply_fails(f, &p, MiB, MiB, NULL, 0, sf, "symbolic link", "nothing written");
	assert_int_equal(spy.nwrites, 0);
	assert_file(decoy, "104857600\n");
}

/* memsw replaced by a directory (an entry root cannot write) */
static void v1_memsw_directory(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char sf[PATH_MAX], jf[PATH_MAX];
	fx_v1_tree(f, "104857600\n", "104857600\n", "104857600\n", "104857600\n");
	v1_files(f, jf, sf);
	unlink(jf);
	fx_mkdirs(jf);
	find_ok(f, &p);
	spy_reset(true, f);
	apply_fails(f, &p, MiB, MiB, NULL, 0, jf, "EISDIR", "nothing written");
	assert_int_equal(spy.nwrites, 0);
}

/* memsw is a FIFO: refused at once (no hang), nothing written. Reads do
 * no fstat() (a system call saved per file on the launch path): the FIFO,
 * opened O_NONBLOCK, reads empty and is refused as not a byte count. */
static void v1_memsw_fifo(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char sf[PATH_MAX], jf[PATH_MAX];
	fx_v1_tree(f, "104857600\n", "104857600\n", "104857600\n", "104857600\n");
	v1_files(f, jf, sf);
	unlink(sf);
	assert_int_equal(mkfifo(sf, 0600), 0);
	find_ok(f, &p);
	spy_reset(true, f);
	apply_fails(f, &p, MiB, MiB, NULL, 0, sf, "not a regular file",
		    "nothing written");
	assert_int_equal(spy.nwrites, 0);
}

/* The task exited between sl_cg_find() and sl_cg_apply(): Slurm removed
 * the step (and then the job) cgroup. */
static void v1_cgroup_vanished(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char d[PATH_MAX];
	fx_v1_tree(f, "104857600\n", "104857600\n", "104857600\n", "104857600\n");
	find_ok(f, &p);
	fx_path(f, d, "cg/memory%s", FX_V1_STEP);
	fx_rm_rf(d);
	spy_reset(true, f);
	apply_fails(f, &p, MiB, MiB, NULL, 0, "cgroup vanished: the task exited",
		    "ENOENT", "nothing written");
	fx_path(f, d, "cg/memory%s", FX_V1_JOB);
	fx_rm_rf(d);
	apply_fails(f, &p, MiB, MiB, NULL, 0, "cgroup vanished: the task exited",
		    p.job_dir, NULL);
	assert_int_equal(spy.nwrites, 0);
}

static void v1_garbage_limit(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	static const char *const bad[] = {
		"banana\n", "", "12 34\n", "-1\n", "0x100000\n",
		"99999999999999999999999\n", "100M\n", "\x01\x02\xff\n",
	};
	char lf[PATH_MAX];
	fx_v1_tree(f, "104857600\n", "104857600\n", "104857600\n", "104857600\n");
	find_ok(f, &p);
	fx_path(f, lf, "cg/memory%s/memory.limit_in_bytes", FX_V1_STEP);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		fx_put(lf, bad[i]);
		spy_reset(true, f);
		apply_fails(f, &p, MiB, MiB, NULL, 0, lf, "unexpected content",
			    "nothing written");
		assert_int_equal(spy.nwrites, 0);
	}
	/* the content is shown, made printable */
	fx_put(lf, "banana\n");
	sl_cg_report_t rep;
	char msg[SL_CG_MSG_MAX];
	assert_int_equal(sl_cg_apply(&p, MiB, MiB, &rep, msg, sizeof msg), -1);
	assert_msg(msg, "'banana'");
	fx_put(lf, "\x01\x02\xff\n");
	assert_int_equal(sl_cg_apply(&p, MiB, MiB, &rep, msg, sizeof msg), -1);
	assert_msg(msg, "'?\?\?'");
}

/* The current memsw value is never read: whatever it holds is replaced. */
static void v1_garbage_memsw(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	sl_cg_report_t rep;
	char jf[PATH_MAX], sf[PATH_MAX], msg[SL_CG_MSG_MAX];
	fx_v1_tree(f, "104857600\n", "oops\n", "104857600\n", "104857600\n");
	find_ok(f, &p);
	v1_files(f, jf, sf);
	spy_reset(true, f);
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, MiB, MiB, &rep, msg, sizeof msg), 0);
	spy.on = false;
	assert_file(jf, "105906176");
	assert_file(sf, "105906176");
}

/* The kernel refuses the first write: EBUSY (usage above the new limit). */
static void v1_kernel_ebusy_first(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char jf[PATH_MAX], sf[PATH_MAX];
	fx_v1_tree(f, "104857600\n", V1_UNL_STR, "104857600\n", V1_UNL_STR);
	find_ok(f, &p);
	v1_files(f, jf, sf);
	spy_reset(true, f);
	spy.fail_at = 1;
	spy.fail_errno = EBUSY;
	apply_fails(f, &p, MiB, MiB, NULL, 0, sf, "EBUSY",
		    "the cgroup already uses more RAM+swap than the new limit");
	assert_int_equal(spy.nwrites, 1);
}

/* Refused at the second write: the first stays, and the report and the
 * message say which file was already written. */
static void v1_kernel_ebusy_second(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char jf[PATH_MAX], sf[PATH_MAX];
	const char *allowed[2] = { NULL, NULL };
	fx_v1_tree(f, "104857600\n", V1_UNL_STR, "104857600\n", V1_UNL_STR);
	find_ok(f, &p);
	v1_files(f, jf, sf);
	allowed[0] = sf;   /* the step first */
	spy_reset(true, f);
	spy.fail_at = 2;
	spy.fail_errno = EBUSY;
	/* the job uses more than its new limit: the new step still has its
	 * limit, the job keeps its old one */
	apply_fails(f, &p, MiB, MiB, allowed, 1, jf, "EBUSY", "already written");
	assert_msg(spy.path[0], sf);
	assert_file(sf, "105906176");
	assert_file(jf, V1_UNL_STR);
}

/* Slurm raised the RAM limit between our read and our write: the fake
 * kernel (like the real one) refuses memsw below it with EINVAL. */
static void raise_limit_hook(int n, const char *path, const char *value)
{
	(void)value;
	if (n != 1)
		return;
	char lim[PATH_MAX];
	fx_fmt(lim, sizeof lim, "%.*s/memory.limit_in_bytes",
	       (int)(strlen(path) - strlen("/memory.memsw.limit_in_bytes")), path);
	fx_put(lim, "209715200\n");
}

static void v1_kernel_einval_race(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char jf[PATH_MAX], sf[PATH_MAX], lf[PATH_MAX];
	const char *allowed[2] = { NULL, NULL };
	fx_v1_tree(f, "104857600\n", V1_UNL_STR, "104857600\n", V1_UNL_STR);
	find_ok(f, &p);
	v1_files(f, jf, sf);
	fx_path(f, lf, "cg/memory%s/memory.limit_in_bytes", FX_V1_STEP);
	allowed[0] = lf;   /* the "Slurm" change made by the hook */
	spy_reset(true, f);
	spy.before = raise_limit_hook;
	apply_fails(f, &p, MiB, MiB, allowed, 0, sf, "EINVAL",
		    "memsw below memory limit");
	assert_file(sf, V1_UNL_STR);
}

/* The job's cgroup (its step's with it) was removed while its file was
 * open (ENODEV from kernfs) after the step was written. */
static void remove_step_hook(int n, const char *path, const char *value)
{
	(void)value;
	if (n != 2)
		return;
	char d[PATH_MAX];
	fx_fmt(d, sizeof d, "%.*s", (int)(strrchr(path, '/') - path), path);
	fx_rm_rf(d);
}

static void v1_job_removed_between_writes(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	sl_cg_report_t rep;
	char jf[PATH_MAX], sf[PATH_MAX], msg[SL_CG_MSG_MAX], e[32];
	fx_v1_tree(f, "104857600\n", "104857600\n", "104857600\n", "104857600\n");
	find_ok(f, &p);
	v1_files(f, jf, sf);
	spy_reset(true, f);
	spy.before = remove_step_hook;
	spy.fail_at = 2;
	spy.fail_errno = ENODEV;
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, MiB, MiB, &rep, msg, sizeof msg), -1);
	spy.on = false;
	assert_msg(msg, "ENODEV");
	assert_msg(msg, "the task exited");
	assert_msg(msg, "already written");
	assert_int_equal(rep.nwritten, 1);
	assert_string_equal(rep.written[0].path, sf);
	assert_string_equal(rep.written[0].value, u64s(101 * MiB, e, sizeof e));
	assert_null(fx_get(jf, e, sizeof e));        /* gone */
}

static void v1_other_kernel_errors(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	static const struct { int err; const char *m; } cases[] = {
		{ EROFS, "read-only file system" },
		{ EACCES, "must run as root" },
		{ EPERM, "must run as root" },
		{ ENOSPC, "ENOSPC" },
		{ 1234, "errno 1234" },
	};
	fx_v1_tree(f, "104857600\n", "104857600\n", "104857600\n", "104857600\n");
	find_ok(f, &p);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		spy_reset(true, f);
		spy.fail_at = 1;
		spy.fail_errno = cases[i].err;
		apply_fails(f, &p, MiB, MiB, NULL, 0, cases[i].m, "nothing written", NULL);
	}
}

/* A short write is an error; the rest is never written separately. */
static void v1_short_write(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	sl_cg_report_t rep;
	char msg[SL_CG_MSG_MAX];
	fx_v1_tree(f, "104857600\n", "104857600\n", "104857600\n", "104857600\n");
	find_ok(f, &p);
	spy_reset(true, f);
	spy.short_at = 1;
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, MiB, MiB, &rep, msg, sizeof msg), -1);
	spy.on = false;
	assert_msg(msg, "short write");
	assert_int_equal(spy.nwrites, 1);
	assert_int_equal(rep.nwritten, 0);
}

static void no_paths(void **state)
{
	(void)state;
	sl_cg_paths_t p;
	sl_cg_report_t rep;
	char msg[SL_CG_MSG_MAX];
	memset(&p, 0, sizeof p);
	assert_int_equal(sl_cg_apply(&p, 0, 0, &rep, msg, sizeof msg), -1);
	assert_msg(msg, "nothing written");
	fx_fmt(p.job_dir, sizeof p.job_dir, "/nonexistent");
	fx_fmt(p.step_dir, sizeof p.step_dir, "/nonexistent/step_0");
	p.version = (sl_cg_version_t)7;
	assert_int_equal(sl_cg_apply(&p, 0, 0, &rep, msg, sizeof msg), -1);
	assert_msg(msg, "version");
	assert_int_equal(sl_cg_apply(&p, 0, 0, &rep, NULL, 0), -1);
}

/* ------------------------------------------------------------------ */
/* v2                                                                  */

static void v2_files(const fx_t *f, const char *job, const char *stepdir,
		     char *jf, char *sf)
{
	fx_path(f, jf, "cg%s/memory.swap.max", job);
	fx_path(f, sf, "cg%s/memory.swap.max", stepdir);
}

static void v2_22_05_apply(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	sl_cg_report_t rep;
	char jf[PATH_MAX], sf[PATH_MAX], msg[SL_CG_MSG_MAX];
	static fx_snap_t before, after;
	fx_v2_tree(f, FX_V2_JOB, FX_V2_STEP, true, "1073741824\n", "536870912\n", true);
	find_ok(f, &p);
	v2_files(f, FX_V2_JOB, FX_V2_STEP "/user", jf, sf);
	const char *allowed[] = { jf, sf, NULL };
	fx_snapshot(f->root, &before);
	spy_reset(false, NULL);
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, 512 * MiB, 256 * MiB, &rep, msg, sizeof msg), 0);
	spy.on = false;
	assert_file(jf, "536870912");
	assert_file(sf, "268435456");
	assert_string_equal(spy.path[0], jf);
	assert_string_equal(spy.path[1], sf);
	assert_int_equal(rep.nwritten, 2);
	assert_string_equal(rep.written[0].value, "536870912");
	assert_string_equal(rep.written[1].path, sf);
	assert_int_equal(rep.step_limit, 256 * MiB);
	assert_step_limit_reads_back(&p, &rep);
	fx_snapshot(f->root, &after);
	assert_null(fx_snap_diff(&before, &after, allowed));

	/* unlimited -> "max"; 0 -> "0" */
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, SL_CG_UNLIMITED, 0, &rep, msg, sizeof msg), 0);
	spy.on = false;
	assert_file(jf, "max");
	assert_file(sf, "0");
	assert_string_equal(rep.written[0].value, "max");
}

static void v2_newer_layout_apply(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	sl_cg_report_t rep;
	char jf[PATH_MAX], sf[PATH_MAX], msg[SL_CG_MSG_MAX];
	fx_v2_tree(f, FX_V2N_JOB, FX_V2N_STEP, true, "max\n", "max\n", true);
	find_ok(f, &p);
	v2_files(f, FX_V2N_JOB, FX_V2N_STEP "/user", jf, sf);
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, 2048 * MiB, 1024 * MiB, &rep, msg, sizeof msg), 0);
	spy.on = false;
	assert_file(jf, "2147483648");
	assert_file(sf, "1073741824");
	assert_step_limit_reads_back(&p, &rep);
	/* "none": max, and read back as no limit */
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, SL_CG_UNLIMITED, SL_CG_UNLIMITED, &rep,
				     msg, sizeof msg), 0);
	spy.on = false;
	assert_file(sf, "max");
	assert_int_equal(rep.step_limit, SL_CG_UNLIMITED);
	assert_step_limit_reads_back(&p, &rep);
}

static void v2_no_user_dir_apply(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	sl_cg_report_t rep;
	char jf[PATH_MAX], sf[PATH_MAX], msg[SL_CG_MSG_MAX];
	fx_v2_tree(f, FX_V2_JOB, FX_V2_STEP, false, "max\n", "max\n", true);
	find_ok(f, &p);
	v2_files(f, FX_V2_JOB, FX_V2_STEP, jf, sf);
	spy.on = true;
	assert_int_equal(sl_cg_apply(&p, 3 * MiB, (1ULL << 63) + 5, &rep, msg, sizeof msg), 0);
	spy.on = false;
	assert_file(jf, "3145728");
	assert_file(sf, "max");
}

static void v2_swap_max_missing(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char jf[PATH_MAX], sf[PATH_MAX];
	fx_v2_tree(f, FX_V2_JOB, FX_V2_STEP, true, "max\n", "max\n", true);
	v2_files(f, FX_V2_JOB, FX_V2_STEP "/user", jf, sf);
	unlink(sf);
	find_ok(f, &p);
	apply_fails(f, &p, MiB, MiB, NULL, 0, sf, "memory.swap.max missing",
		    "nothing written");
	assert_int_equal(spy.nwrites, 0);
	assert_file(jf, "max\n");
}

/* memory.swap.max a symbolic link: O_NOFOLLOW refuses it; the job's file
 * was opened first but nothing is written anywhere. */
static void v2_symlink_refused(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char jf[PATH_MAX], sf[PATH_MAX], decoy[PATH_MAX];
	fx_v2_tree(f, FX_V2_JOB, FX_V2_STEP, true, "max\n", "max\n", true);
	v2_files(f, FX_V2_JOB, FX_V2_STEP "/user", jf, sf);
	fx_path(f, decoy, "decoy");
	fx_put(decoy, "max\n");
	unlink(sf);
	assert_int_equal(symlink(decoy, sf), 0);
	find_ok(f, &p);
	apply_fails(f, &p, MiB, MiB, NULL, 0, sf, "ELOOP", "symbolic link");
	assert_int_equal(spy.nwrites, 0);
	assert_file(decoy, "max\n");
	assert_file(jf, "max\n");
}

static void v2_directory_and_fifo_refused(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char jf[PATH_MAX], sf[PATH_MAX];
	fx_v2_tree(f, FX_V2_JOB, FX_V2_STEP, true, "max\n", "max\n", true);
	v2_files(f, FX_V2_JOB, FX_V2_STEP "/user", jf, sf);
	find_ok(f, &p);
	unlink(jf);
	fx_mkdirs(jf);
	apply_fails(f, &p, MiB, MiB, NULL, 0, jf, "EISDIR", "nothing written");
	rmdir(jf);
	fx_put(jf, "max\n");
	unlink(sf);
	assert_int_equal(mkfifo(sf, 0600), 0);
	apply_fails(f, &p, MiB, MiB, NULL, 0, sf, "ENXIO", "nothing written");
	assert_int_equal(spy.nwrites, 0);
}

static void v2_job_vanished(void **state)
{
	fx_t *f = *state;
	sl_cg_paths_t p;
	char d[PATH_MAX];
	fx_v2_tree(f, FX_V2_JOB, FX_V2_STEP, true, "max\n", "max\n", true);
	find_ok(f, &p);
	fx_path(f, d, "cg%s", FX_V2_JOB);
	fx_rm_rf(d);
	apply_fails(f, &p, MiB, MiB, NULL, 0, "cgroup vanished: the task exited",
		    "memory.swap.max", NULL);
}

/* ------------------------------------------------------------------ */
/* sl_cg_read_ram_limit                                                */

static void ram_limit_values(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX], file[PATH_MAX], msg[SL_CG_MSG_MAX];
	uint64_t v;
	fx_path(f, d, "cg/x");
	fx_mkdirs(d);
	fx_path(f, file, "cg/x/memory.limit_in_bytes");
	static const struct { const char *c; uint64_t want; } v1[] = {
		{ "104857600\n", 104857600 },
		{ "0\n", 0 },
		{ "9223372036854771712\n", SL_CG_UNLIMITED },      /* 4 KiB pages */
		{ "9223372036854775807\n", SL_CG_UNLIMITED },
		{ "18446744073709551615\n", SL_CG_UNLIMITED },
		{ "9223372036854767616\n", 9223372036854767616ULL }, /* one page less */
		{ "4096", 4096 },                                   /* no newline */
	};
	for (size_t i = 0; i < sizeof v1 / sizeof v1[0]; i++) {
		fx_put(file, v1[i].c);
		assert_int_equal(sl_cg_read_ram_limit(SL_CG_V1, d, &v, msg, sizeof msg), 0);
		assert_true(v == v1[i].want);
	}
	fx_path(f, file, "cg/x/memory.max");
	fx_put(file, "max\n");
	assert_int_equal(sl_cg_read_ram_limit(SL_CG_V2, d, &v, msg, sizeof msg), 0);
	assert_true(v == SL_CG_UNLIMITED);
	fx_put(file, "1073741824\n");
	assert_int_equal(sl_cg_read_ram_limit(SL_CG_V2, d, &v, msg, sizeof msg), 0);
	assert_true(v == 1073741824ULL);
}

static void ram_limit_faults(void **state)
{
	fx_t *f = *state;
	char d[PATH_MAX], file[PATH_MAX], msg[SL_CG_MSG_MAX];
	uint64_t v = 77;
	fx_path(f, d, "cg/x");
	fx_mkdirs(d);
	fx_path(f, file, "cg/x/memory.limit_in_bytes");
	/* missing file in an existing dir */
	assert_int_equal(sl_cg_read_ram_limit(SL_CG_V1, d, &v, msg, sizeof msg), -1);
	assert_msg(msg, file);
	assert_msg(msg, "file missing");
	/* "max" is v2 only */
	fx_put(file, "max\n");
	assert_int_equal(sl_cg_read_ram_limit(SL_CG_V1, d, &v, msg, sizeof msg), -1);
	assert_msg(msg, "unexpected content 'max'");
	/* v2 garbage names the file and the content, and the accepted forms */
	fx_path(f, file, "cg/x/memory.max");
	fx_put(file, "maximum\n");
	assert_int_equal(sl_cg_read_ram_limit(SL_CG_V2, d, &v, msg, sizeof msg), -1);
	assert_msg(msg, file);
	assert_msg(msg, "'maximum'");
	assert_msg(msg, "or 'max'");
	/* an enormous file is garbage, shown cut */
	char big[400];
	memset(big, '7', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	fx_put(file, big);
	assert_int_equal(sl_cg_read_ram_limit(SL_CG_V2, d, &v, msg, sizeof msg), -1);
	assert_msg(msg, "...");
	/* dir gone */
	fx_path(f, d, "cg/gone");
	assert_int_equal(sl_cg_read_ram_limit(SL_CG_V2, d, &v, msg, sizeof msg), -1);
	assert_msg(msg, "cgroup vanished");
	assert_int_equal(sl_cg_read_ram_limit((sl_cg_version_t)0, d, &v, msg, sizeof msg), -1);
	assert_true(v == 77);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(v1_rounds_to_page),
		T(v1_raise_step_then_job),
		T(v1_lower_step_then_job),
		T(v1_from_unlimited),
		T(v1_mixed_directions),
		T(v1_repairs_step_above_job),
		T(v1_idempotent),
		T(v1_unlimited_and_saturation),
		T(v1_no_swap_accounting),
		T(v1_step_memsw_missing),
		T(v1_memsw_symlink),
		T(v1_memsw_directory),
		T(v1_memsw_fifo),
		T(v1_cgroup_vanished),
		T(v1_garbage_limit),
		T(v1_garbage_memsw),
		T(v1_kernel_ebusy_first),
		T(v1_kernel_ebusy_second),
		T(v1_kernel_einval_race),
		T(v1_job_removed_between_writes),
		T(v1_other_kernel_errors),
		T(v1_short_write),
		T(no_paths),
		T(v2_22_05_apply),
		T(v2_newer_layout_apply),
		T(v2_no_user_dir_apply),
		T(v2_swap_max_missing),
		T(v2_symlink_refused),
		T(v2_directory_and_fifo_refused),
		T(v2_job_vanished),
		T(ram_limit_values),
		T(ram_limit_faults),
	};
	return cmocka_run_group_tests_name("cgroup_apply", tests, NULL, NULL);
}
