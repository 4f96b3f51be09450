/*
 * sl_cg_read_ram_limit() and sl_cg_apply(): the swap-limit writes (v1: the
 * step's then the job's; v2: the job's then the step's).
 *
 * Everything needed is read and both target files are opened before the
 * first write, so a missing file, a vanished cgroup, a symbolic link or
 * garbage leaves both cgroups untouched. Only a kernel refusal of the
 * second write (or the step vanishing between the two writes) leaves the
 * first write in place; *rep says so.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cg_private.h"

#define V1_LIMIT "memory.limit_in_bytes"
#define V1_MEMSW "memory.memsw.limit_in_bytes"
#define V2_MAX "memory.max"
#define V2_SWAP "memory.swap.max"

int sl_cg_read_ram_limit(sl_cg_version_t v, const char *dir, uint64_t *out,
			 char *msg, size_t msglen)
{
	if (v != SL_CG_V1 && v != SL_CG_V2) {
		sl_cgi_msg(msg, msglen, "%s: unknown cgroup version %d", dir, (int)v);
		return -1;
	}
	uint64_t val;
	if (sl_cgi_read_value(v, dir, v == SL_CG_V1 ? V1_LIMIT : V2_MAX, &val,
			      msg, msglen) != 0)
		return -1;
	*out = val;
	return 0;
}

/* v1 memsw target: RAM limit + swap, saturating; unlimited when either is
 * unlimited or the sum reaches the kernel's "no limit". */
static uint64_t memsw_target(uint64_t ram, uint64_t swap)
{
	if (ram == SL_CG_UNLIMITED || swap == SL_CG_UNLIMITED)
		return SL_CG_UNLIMITED;
	uint64_t s = sl_cgi_sat_add(ram, swap);
	return s >= sl_cgi_v1_unlimited() ? SL_CG_UNLIMITED : s;
}

static void format_value(sl_cg_version_t v, uint64_t val, char *buf, size_t len)
{
	if (val == SL_CG_UNLIMITED)
		snprintf(buf, len, "%s", v == SL_CG_V1 ? "-1" : "max");
	else
		snprintf(buf, len, "%llu", (unsigned long long)val);
}

struct target {
	const char *dir;
	char path[PATH_MAX];
	char value[32];
	int fd;
};

/* Open both targets (first, second order irrelevant); on failure close
 * what was opened and describe it. */
static int open_targets(sl_cg_version_t v, struct target *t, int nt,
			char *msg, size_t msglen)
{
	for (int i = 0; i < nt; i++) {
		int fd = sl_cgi_open_w(t[i].path);
		if (fd < 0) {
			int err = -fd;
			if (err == ENOENT && sl_cgi_is_dir(t[i].dir)) {
				if (v == SL_CG_V1)
					sl_cgi_msg(msg, msglen,
						   "%s: missing: this node has no swap accounting "
						   "(memsw files missing): boot the kernel with "
						   "swapaccount=1; nothing written",
						   t[i].path);
				else
					sl_cgi_msg(msg, msglen,
						   "%s: missing: this cgroup has no swap control "
						   "(memory.swap.max missing): the kernel needs swap "
						   "accounting (CONFIG_MEMCG_SWAP, swapaccount=1 before "
						   "5.8); nothing written",
						   t[i].path);
			} else {
				sl_cgi_io_msg(msg, msglen, "open", t[i].path,
					      t[i].dir, NULL, err, v);
				size_t l = msg ? strlen(msg) : 0;
				if (msg && l < msglen)
					sl_cgi_msg(msg + l, msglen - l, "; nothing written");
			}
			for (int k = 0; k < i; k++)
				close(t[k].fd);
			return -1;
		}
		t[i].fd = fd;
	}
	return 0;
}

/* Write the targets in order; stop at the first failure. */
static int write_targets(sl_cg_version_t v, struct target *t, int nt,
			 sl_cg_report_t *rep, char *msg, size_t msglen)
{
	int rc = 0;
	for (int i = 0; i < nt; i++) {
		if (rc == 0) {
			int err = -sl_cgi_write_all(t[i].fd, t[i].value);
			if (err) {
				sl_cgi_io_msg(msg, msglen, "write", t[i].path,
					      t[i].dir, t[i].value, err, v);
				size_t l = msg ? strlen(msg) : 0;
				if (msg && l < msglen)
					sl_cgi_msg(msg + l, msglen - l, "%s%s",
						   rep->nwritten ? "; already written: "
								 : "; nothing written",
						   rep->nwritten ? rep->written[0].path : "");
				rc = -1;
			} else if (rep->nwritten < (int)(sizeof rep->written /
							 sizeof rep->written[0])) {
				int k = rep->nwritten++;
				memcpy(rep->written[k].path, t[i].path,
				       strlen(t[i].path) + 1);
				snprintf(rep->written[k].value,
					 sizeof rep->written[k].value, "%s",
					 t[i].value);
			}
		}
		close(t[i].fd);
	}
	return rc;
}

static int set_path(struct target *t, const char *dir, const char *name,
		    char *msg, size_t msglen)
{
	t->dir = dir;
	t->fd = -1;
	if (sl_cgi_join(t->path, sizeof t->path, dir, name) != 0) {
		sl_cgi_msg(msg, msglen, "%s/%s: path too long", dir, name);
		return -1;
	}
	return 0;
}

/*
 * ram: the job's and the step's RAM limits, NULL: read them here.
 *
 * Without reading the current memsw values: the kernel
 * (mem_cgroup_resize_max, mm/memcontrol-v1.c since 6.10, mm/memcontrol.c
 * before) checks a memsw limit only against the same cgroup's
 * memory.limit_in_bytes (RAM + swap >= RAM always holds here) and against
 * its usage (EBUSY), never against the parent's; and every page a step
 * charges is charged to the job too, so a step briefly above its job is
 * still held by the job's limit. The step first: a job already using more
 * than its new limit (EBUSY) then still leaves the new step limited, while
 * a fresh step's usage is near zero. Opening both files before writing
 * finds a node without swap accounting with nothing written.
 */
static int apply_v1(const sl_cg_paths_t *paths, const uint64_t *ram,
		    uint64_t job_swap, uint64_t step_swap, sl_cg_report_t *rep,
		    char *msg, size_t msglen)
{
	uint64_t lim_job, lim_step;
	char m2[SL_CG_MSG_MAX];

	if (ram) {
		lim_job = ram[0];
		lim_step = ram[1];
	} else if (sl_cg_read_ram_limit(SL_CG_V1, paths->job_dir, &lim_job, m2,
					sizeof m2) ||
		   sl_cg_read_ram_limit(SL_CG_V1, paths->step_dir, &lim_step,
					m2, sizeof m2)) {
		sl_cgi_msg(msg, msglen, "%s; nothing written", m2);
		return -1;
	}

	struct target t[2];
	if (set_path(&t[0], paths->step_dir, V1_MEMSW, msg, msglen) ||
	    set_path(&t[1], paths->job_dir, V1_MEMSW, msg, msglen))
		return -1;
	uint64_t step_memsw = memsw_target(lim_step, step_swap);
	format_value(SL_CG_V1, step_memsw, t[0].value, sizeof t[0].value);
	format_value(SL_CG_V1, memsw_target(lim_job, job_swap), t[1].value,
		     sizeof t[1].value);
	if (open_targets(SL_CG_V1, t, 2, msg, msglen) != 0 ||
	    write_targets(SL_CG_V1, t, 2, rep, msg, msglen) != 0)
		return -1;
	rep->step_set = true;
	rep->step_limit = step_memsw == SL_CG_UNLIMITED ? SL_CG_UNLIMITED
							: step_memsw - lim_step;
	return 0;
}

static int apply_v2(const sl_cg_paths_t *paths, uint64_t job_swap,
		    uint64_t step_swap, sl_cg_report_t *rep, char *msg,
		    size_t msglen)
{
	struct target t[2];
	if (set_path(&t[0], paths->job_dir, V2_SWAP, msg, msglen) ||
	    set_path(&t[1], paths->step_dir, V2_SWAP, msg, msglen))
		return -1;
	/* The kernel clamps big values itself; "max" reads better. */
	uint64_t thr = sl_cgi_v1_unlimited();
	format_value(SL_CG_V2, job_swap >= thr ? SL_CG_UNLIMITED : job_swap,
		     t[0].value, sizeof t[0].value);
	format_value(SL_CG_V2, step_swap >= thr ? SL_CG_UNLIMITED : step_swap,
		     t[1].value, sizeof t[1].value);
	if (open_targets(SL_CG_V2, t, 2, msg, msglen) != 0 ||
	    write_targets(SL_CG_V2, t, 2, rep, msg, msglen) != 0)
		return -1;
	rep->step_set = true;
	rep->step_limit = step_swap >= thr ? SL_CG_UNLIMITED : step_swap;
	return 0;
}

/* The kernel keeps memory limits in whole pages and silently rounds a
 * written value down; round here, so that what we write and log is exactly
 * what the cgroup then holds (and reads back). */
static uint64_t page_floor(uint64_t bytes)
{
	long ps = sysconf(_SC_PAGESIZE);

	if (bytes == SL_CG_UNLIMITED)
		return bytes;
	if (ps <= 0)
		ps = 4096;
	return bytes - bytes % (uint64_t)ps;
}

static int apply(const sl_cg_paths_t *paths, const uint64_t *ram,
		 uint64_t job_swap, uint64_t step_swap, sl_cg_report_t *rep,
		 char *msg, size_t msglen)
{
	job_swap = page_floor(job_swap);
	step_swap = page_floor(step_swap);
	rep->step_set = false;
	rep->nwritten = 0;
	if (msg && msglen)
		msg[0] = '\0';
	if (!paths->job_dir[0] || !paths->step_dir[0]) {
		sl_cgi_msg(msg, msglen, "no cgroup paths (sl_cg_find() failed?); nothing written");
		return -1;
	}
	switch (paths->version) {
	case SL_CG_V1:
		return apply_v1(paths, ram, job_swap, step_swap, rep, msg,
				msglen);
	case SL_CG_V2:
		return apply_v2(paths, job_swap, step_swap, rep, msg, msglen);
	default:
		sl_cgi_msg(msg, msglen, "unknown cgroup version %d; nothing written",
			   (int)paths->version);
		return -1;
	}
}

int sl_cg_apply(const sl_cg_paths_t *paths, uint64_t job_swap,
		uint64_t step_swap, sl_cg_report_t *rep, char *msg,
		size_t msglen)
{
	return apply(paths, NULL, job_swap, step_swap, rep, msg, msglen);
}

int sl_cg_apply_ram(const sl_cg_paths_t *paths, uint64_t job_ram,
		    uint64_t step_ram, uint64_t job_swap, uint64_t step_swap,
		    sl_cg_report_t *rep, char *msg, size_t msglen)
{
	const uint64_t ram[2] = { job_ram, step_ram };

	return apply(paths, ram, job_swap, step_swap, rep, msg, msglen);
}
