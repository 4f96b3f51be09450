/*
 * sl_cg_read_usage(): end-of-step figures of a step cgroup, and
 * sl_meminfo_swap_total(). Only the RAM limit is required; every other
 * file is optional (older kernels, no swap accounting) and missing ones
 * leave their figure at 0 (have_swap_figures=false for the swap ones).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cg_private.h"

/* An optional single-value file: 0 and *out, or -1 (missing/garbage). */
static int opt_value(sl_cg_version_t v, const char *dir, const char *name,
		     uint64_t *out)
{
	char m[SL_CG_MSG_MAX];
	return sl_cgi_read_value(v, dir, name, out, m, sizeof m) == 0 ? 0 : -1;
}

/* An optional keyed file's key: 0 and *out, or -1. */
static int opt_keyed(const char *dir, const char *name, const char *key,
		     uint64_t *out)
{
	char path[PATH_MAX], buf[8192];
	if (sl_cgi_join(path, sizeof path, dir, name) != 0)
		return -1;
	ssize_t n = sl_cgi_read_file(path, buf, sizeof buf);
	if (n < 0 && n != -EFBIG)
		return -1;
	return sl_cgi_keyed(buf, key, out) == 0 ? 0 : -1;
}

/*
 * v1 counts an OOM kill only in the victim's own cgroup (checked on this
 * kernel: task_0 says oom_kill 1, its step_0 and job_1 say 0), and Slurm
 * puts tasks in step_Y/task_N: sum dir and its direct subdirectories.
 * Reads the directory with getdents64 into a stack buffer (no malloc).
 */
static uint64_t v1_oom_kills(const char *dir)
{
	uint64_t total = 0, k;
	if (opt_keyed(dir, "memory.oom_control", "oom_kill", &k) == 0)
		total = sl_cgi_sat_add(total, k);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return total;
	char buf[4096] __attribute__((aligned(8)));
	for (;;) {
		ssize_t n = getdents64(fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(void *)(buf + off);
			off += d->d_reclen;
			if (d->d_type != DT_DIR || d->d_name[0] == '.')
				continue;
			char sub[PATH_MAX];
			if (sl_cgi_join(sub, sizeof sub, dir, d->d_name) != 0)
				continue;
			if (opt_keyed(sub, "memory.oom_control", "oom_kill", &k) == 0)
				total = sl_cgi_sat_add(total, k);
		}
	}
	close(fd);
	return total;
}

int sl_cg_read_swap_limit(sl_cg_version_t v, const char *dir, uint64_t *out,
			  char *msg, size_t msglen)
{
	uint64_t ram, memsw;

	if (v == SL_CG_V2)
		return sl_cgi_read_value(v, dir, "memory.swap.max", out, msg, msglen);
	if (sl_cg_read_ram_limit(v, dir, &ram, msg, msglen) != 0 ||
	    sl_cgi_read_value(v, dir, "memory.memsw.limit_in_bytes", &memsw,
			      msg, msglen) != 0)
		return -1;
	*out = (memsw == SL_CG_UNLIMITED || ram == SL_CG_UNLIMITED)
		       ? SL_CG_UNLIMITED
		       : sl_cgi_sat_sub(memsw, ram);
	return 0;
}

static int usage_v1(const char *dir, sl_cg_usage_t *o)
{
	char m[SL_CG_MSG_MAX];
	uint64_t v;
	bool have_lim = sl_cg_read_swap_limit(SL_CG_V1, dir, &o->swap_limit, m,
					      sizeof m) == 0;
	bool have_peak = opt_value(SL_CG_V1, dir, "memory.memsw.max_usage_in_bytes",
				   &o->peak_ram_swap) == 0;
	if (opt_value(SL_CG_V1, dir, "memory.max_usage_in_bytes", &v) == 0)
		o->peak_ram = v;
	if (have_peak)
		/* A lower bound: when RAM+swap peaked, RAM was <= its peak. */
		o->peak_swap = sl_cgi_sat_sub(o->peak_ram_swap, o->peak_ram);
	if (opt_value(SL_CG_V1, dir, "memory.memsw.failcnt", &v) == 0)
		o->memsw_failcnt = v;
	/* total_swap covers the task_N children; swap is this cgroup only. */
	if (opt_keyed(dir, "memory.stat", "total_swap", &v) == 0 ||
	    opt_keyed(dir, "memory.stat", "swap", &v) == 0)
		o->swap_now = v;
	o->oom_kills = v1_oom_kills(dir);
	o->have_swap_figures = have_lim && have_peak;
	return 0;
}

static int usage_v2(const char *dir, sl_cg_usage_t *o)
{
	char m[SL_CG_MSG_MAX];
	uint64_t v;
	bool have_max = sl_cg_read_swap_limit(SL_CG_V2, dir, &o->swap_limit, m,
					      sizeof m) == 0;
	bool have_cur = opt_value(SL_CG_V2, dir, "memory.swap.current", &o->swap_now) == 0;
	if (opt_value(SL_CG_V2, dir, "memory.peak", &v) == 0)          /* 5.19+ */
		o->peak_ram = v;
	if (opt_value(SL_CG_V2, dir, "memory.swap.peak", &v) == 0)     /* 6.5+ */
		o->peak_swap = v;
	else if (have_cur)
		o->peak_swap = o->swap_now;   /* best known lower bound */
	/* An upper bound: the two peaks need not be simultaneous. */
	o->peak_ram_swap = sl_cgi_sat_add(o->peak_ram, o->peak_swap);
	if (opt_keyed(dir, "memory.events", "oom_kill", &v) == 0)
		o->oom_kills = v;
	if (opt_keyed(dir, "memory.swap.events", "max", &v) == 0)
		o->memsw_failcnt = v;
	o->have_swap_figures = have_max && have_cur;
	if (!have_max)
		o->swap_limit = 0;
	return 0;
}

int sl_cg_read_usage(sl_cg_version_t v, const char *dir, sl_cg_usage_t *out,
		     char *msg, size_t msglen)
{
	memset(out, 0, sizeof *out);
	if (msg && msglen)
		msg[0] = '\0';
	if (sl_cg_read_ram_limit(v, dir, &out->ram_limit, msg, msglen) != 0)
		return -1;
	return v == SL_CG_V1 ? usage_v1(dir, out) : usage_v2(dir, out);
}

int sl_node_totals(uint64_t *swap_bytes, uint64_t *ram_bytes, char *msg,
		   size_t msglen)
{
	struct sysinfo si;

	if (sysinfo(&si) != 0) {
		char ebuf[128];
		sl_cgi_msg(msg, msglen, "sysinfo(): %s",
			   strerror_r(errno, ebuf, sizeof ebuf));
		return -1;
	}
	uint64_t unit = si.mem_unit ? si.mem_unit : 1;
	uint64_t swap = si.totalswap, ram = si.totalram;
	if (swap_bytes)
		*swap_bytes = swap > UINT64_MAX / unit ? UINT64_MAX : swap * unit;
	if (ram_bytes)
		*ram_bytes = ram > UINT64_MAX / unit ? UINT64_MAX : ram * unit;
	return 0;
}

int sl_meminfo_swap_total(const char *path, uint64_t *bytes, char *msg,
			  size_t msglen)
{
	char buf[8192];
	/* The kernel's own figure in one system call, instead of opening
	 * and parsing /proc/meminfo (the same total_swap_pages). */
	if (!path)
		return sl_node_totals(bytes, NULL, msg, msglen);
	ssize_t n = sl_cgi_read_file(path, buf, sizeof buf);
	if (n < 0 && n != -EFBIG) {
		char ebuf[128], nbuf[32];
		sl_cgi_msg(msg, msglen, "cannot read %s: %s (%s)", path,
			   strerror_r((int)-n, ebuf, sizeof ebuf),
			   sl_cgi_errname((int)-n, nbuf, sizeof nbuf));
		return -1;
	}
	const char *key = "SwapTotal:";
	size_t klen = strlen(key);
	for (const char *line = buf; line && *line;) {
		const char *nl = strchr(line, '\n');
		if (strncmp(line, key, klen) == 0) {
			const char *p = line + klen;
			while (*p == ' ' || *p == '\t')
				p++;
			uint64_t kb = 0;
			const char *d = p;
			bool ok = *p >= '0' && *p <= '9';
			while (ok && *p >= '0' && *p <= '9') {
				unsigned dg = (unsigned)(*p - '0');
				if (kb > (UINT64_MAX - dg) / 10)
					ok = false;
				else
					kb = kb * 10 + dg;
				p++;
			}
			if (ok && strncmp(p, " kB", 3) == 0 &&
			    (p[3] == '\n' || p[3] == '\0')) {
				*bytes = kb > UINT64_MAX / 1024 ? UINT64_MAX : kb * 1024;
				return 0;
			}
			char shown[96], tmp[96];
			size_t l = nl ? (size_t)(nl - d) : strlen(d);
			if (l > sizeof tmp - 1)
				l = sizeof tmp - 1;
			memcpy(tmp, d, l);
			tmp[l] = '\0';
			sl_cgi_printable(tmp, 64, shown, sizeof shown);
			sl_cgi_msg(msg, msglen,
				   "%s: unexpected SwapTotal value '%s' (expected '<number> kB')",
				   path, shown);
			return -1;
		}
		line = nl ? nl + 1 : NULL;
	}
	sl_cgi_msg(msg, msglen, "%s: no SwapTotal line", path);
	return -1;
}
