/*
 * sl_cg_find(): a task's job and step memory cgroups, from
 * <proc_root>/<pid>/cgroup (never by rebuilding Slurm's path: the layout
 * differs between Slurm versions and cgroup versions).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cg_private.h"

#define DEFAULT_PROC_ROOT "/proc"
#define DEFAULT_CGROUP_ROOT "/sys/fs/cgroup"

/* Does the sep-separated list [s, s+len) contain word? */
static bool list_has(const char *s, size_t len, char sep, const char *word)
{
	size_t wl = strlen(word);
	size_t i = 0;
	while (i <= len) {
		size_t j = i;
		while (j < len && s[j] != sep)
			j++;
		if (j - i == wl && strncmp(s + i, word, wl) == 0)
			return true;
		i = j + 1;
	}
	return false;
}

/* A component "prefix<something>" with something non-empty and made of
 * [A-Za-z0-9_.-] only (Slurm: job_123, step_0, step_batch, step_extern). */
static bool is_comp(const char *c, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix);
	if (len <= pl || strncmp(c, prefix, pl) != 0)
		return false;
	for (size_t i = pl; i < len; i++) {
		char ch = c[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
		      ch == '-'))
			return false;
	}
	return true;
}

/*
 * In cgroup path p (starting with '/'), find the first component job_X
 * directly followed by step_Y. Sets the lengths of the prefixes ending
 * with job_X and with step_Y. 0, or -1 (none, or an odd path).
 */
static int find_job_step(const char *p, size_t len, size_t *job_end,
			 size_t *step_end)
{
	if (len == 0 || p[0] != '/')
		return -1;
	size_t prev_start = 0, prev_len = 0;
	bool have_prev = false;
	size_t i = 1;
	while (i < len) {
		size_t j = i;
		while (j < len && p[j] != '/')
			j++;
		size_t clen = j - i;
		if (clen == 0 && j < len)
			return -1;                       /* "//" */
		if ((clen == 1 && p[i] == '.') ||
		    (clen == 2 && p[i] == '.' && p[i + 1] == '.'))
			return -1;
		if (have_prev && is_comp(p + prev_start, prev_len, "job_") &&
		    is_comp(p + i, clen, "step_")) {
			*job_end = prev_start + prev_len;
			*step_end = j;
			return 0;
		}
		prev_start = i;
		prev_len = clen;
		have_prev = clen > 0;
		i = j + 1;
	}
	return -1;
}

int sl_cg_find(const char *proc_root, pid_t pid, const char *cgroup_root,
	       sl_cg_paths_t *out, char *msg, size_t msglen)
{
	char file[PATH_MAX];
	char buf[8192];      /* a real one is well under 2 KiB */
	char shown[160];

	if (!proc_root)
		proc_root = DEFAULT_PROC_ROOT;
	if (!cgroup_root)
		cgroup_root = DEFAULT_CGROUP_ROOT;
	memset(out, 0, sizeof *out);
	if (pid <= 0) {
		sl_cgi_msg(msg, msglen, "invalid task pid %ld", (long)pid);
		return -1;
	}
	int n = snprintf(file, sizeof file, "%s/%ld/cgroup", proc_root,
			 (long)pid);
	if (n < 0 || (size_t)n >= sizeof file) {
		sl_cgi_msg(msg, msglen, "%s/%ld/cgroup: path too long",
			   proc_root, (long)pid);
		return -1;
	}
	ssize_t len = sl_cgi_read_file(file, buf, sizeof buf);
	if (len < 0) {
		char ebuf[128], nbuf[32];
		int err = (int)-len;
		sl_cgi_msg(msg, msglen, "cannot read %s: %s (%s)%s", file,
			   strerror_r(err, ebuf, sizeof ebuf),
			   sl_cgi_errname(err, nbuf, sizeof nbuf),
			   err == ENOENT || err == ESRCH
			   ? ": the task exited"
			   : err == EFBIG ? ": unexpectedly large" : "");
		return -1;
	}

	/* v1: "<id>:<...,memory,...>:<path>"; v2: "0::<path>". */
	const char *v1p = NULL, *v2p = NULL;
	size_t v1len = 0, v2len = 0;
	const char *line = buf;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t ll = nl ? (size_t)(nl - line) : strlen(line);
		const char *c1 = memchr(line, ':', ll);
		const char *c2 = c1 ? memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - line)) : NULL;
		if (c2) {
			const char *ctl = c1 + 1;
			size_t ctllen = (size_t)(c2 - ctl);
			const char *path = c2 + 1;
			size_t plen = ll - (size_t)(path - line);
			if (ctllen > 0 && !v1p && list_has(ctl, ctllen, ',', "memory")) {
				v1p = path;
				v1len = plen;
			} else if (ctllen == 0 && c1 - line == 1 && line[0] == '0') {
				v2p = path;
				v2len = plen;
			}
		}
		if (!nl)
			break;
		line = nl + 1;
	}

	const char *p;
	size_t plen;
	char base[PATH_MAX];
	if (v1p) {
		out->version = SL_CG_V1;
		p = v1p;
		plen = v1len;
		if (sl_cgi_join(base, sizeof base, cgroup_root, "memory") != 0) {
			sl_cgi_msg(msg, msglen, "cgroup root %s: path too long", cgroup_root);
			return -1;
		}
	} else {
		char cpath[PATH_MAX], ctl[1024];
		bool v2mem = false;
		if (v2p && sl_cgi_join(cpath, sizeof cpath, cgroup_root,
				       "cgroup.controllers") == 0) {
			ssize_t cl = sl_cgi_read_file(cpath, ctl, sizeof ctl);
			if (cl >= 0) {
				while (cl > 0 && (ctl[cl - 1] == '\n' || ctl[cl - 1] == ' '))
					ctl[--cl] = '\0';
				v2mem = list_has(ctl, (size_t)cl, ' ', "memory");
			}
		}
		if (!v2mem) {
			if (v2p)
				sl_cgi_msg(msg, msglen,
					   "%s has no v1 memory line and %s/cgroup.controllers does not list "
					   "memory: no memory cgroup controller for this task; is the memory "
					   "controller mounted (or cgroup_root= wrong), and is the task/cgroup "
					   "plugin with ConstrainRAMSpace=yes enabled in slurm.conf/cgroup.conf?",
					   file, cgroup_root);
			else
				sl_cgi_msg(msg, msglen,
					   "%s has no memory controller line (neither 'N:memory:/path' nor "
					   "'0::/path'): is the memory cgroup controller mounted?",
					   file);
			return -1;
		}
		out->version = SL_CG_V2;
		p = v2p;
		plen = v2len;
		n = snprintf(base, sizeof base, "%s", cgroup_root);
		if (n < 0 || (size_t)n >= sizeof base) {
			sl_cgi_msg(msg, msglen, "cgroup root %s: path too long", cgroup_root);
			return -1;
		}
	}

	size_t job_end, step_end;
	if (find_job_step(p, plen, &job_end, &step_end) != 0) {
		char tmp[PATH_MAX];
		size_t cl = plen < sizeof tmp - 1 ? plen : sizeof tmp - 1;
		memcpy(tmp, p, cl);
		tmp[cl] = '\0';
		sl_cgi_printable(tmp, 120, shown, sizeof shown);
		sl_cgi_msg(msg, msglen,
			   "%s: %s cgroup '%s' has no job_*/step_* components: the task "
			   "is not in a Slurm step cgroup; is the task/cgroup plugin enabled "
			   "in slurm.conf (TaskPlugin=task/cgroup)?",
			   file, out->version == SL_CG_V1 ? "memory" : "v2", shown);
		memset(out, 0, sizeof *out);
		return -1;
	}

	n = snprintf(out->job_dir, sizeof out->job_dir, "%s%.*s", base,
		     (int)job_end, p);
	int m = snprintf(out->step_dir, sizeof out->step_dir, "%s%.*s", base,
			 (int)step_end, p);
	if (n < 0 || (size_t)n >= sizeof out->job_dir || m < 0 ||
	    (size_t)m >= sizeof out->step_dir) {
		sl_cgi_msg(msg, msglen, "%s: cgroup path too long", file);
		memset(out, 0, sizeof *out);
		return -1;
	}
	if (out->version == SL_CG_V2) {
		/* Slurm writes the step's limits in step_Y/user when it exists. */
		char user[PATH_MAX];
		if (sl_cgi_join(user, sizeof user, out->step_dir, "user") == 0 &&
		    sl_cgi_is_dir(user))
			memcpy(out->step_dir, user, strlen(user) + 1);
	}
	const char *missing = !sl_cgi_is_dir(out->job_dir) ? out->job_dir
			      : !sl_cgi_is_dir(out->step_dir) ? out->step_dir
			      : NULL;
	if (missing) {
		sl_cgi_printable(missing, 150, shown, sizeof shown);
		sl_cgi_msg(msg, msglen,
			   "%s names cgroup %s, which is not a directory: the task exited, "
			   "or cgroup_root=%s is not where the memory controller is mounted",
			   file, shown, cgroup_root);
		memset(out, 0, sizeof *out);
		return -1;
	}
	return 0;
}
