/*
 * sl_cg_find() / sl_cg_find_job(): a task's job and step memory cgroups,
 * from <proc_root>/<pid>/cgroup (never by rebuilding Slurm's path), matched
 * strictly against the layouts Slurm creates (read from Slurm's source):
 *
 *   v1 (src/plugins/cgroup/v1/xcgroup.c, xcgroup_create_slurm_cg and
 *       xcgroup_create_hierarchy; 22.05 to 26.05):
 *       /slurm[_<node>]/uid_<uid>/job_<id>/step_<s>/task_<n>
 *   v2 (src/plugins/cgroup/v2/cgroup_v2.c, _set_int_cg_ns and
 *       cgroup_p_step_create):
 *       <init>/<slice>/[<node>_]slurmstepd.scope/<job>/step_<s>/user/task_<n>
 *       <slice>: system.slice, or CgroupSlice (25.11+); <node>_ with
 *       --enable-multiple-slurmd builds; <job>: job_<id> up to 25.11 and
 *       with CgroupJobIdPaths=yes (26.05.2+), else the SLUID (26.05).
 *   <s> (log_build_step_id_str(), STEP_ID_FLAG_NO_PREFIX|NO_JOB):
 *       <n>, batch, extern, interactive; "+<het comp>" appended for a
 *       heterogeneous step (26.05: only when the step has no SLUID).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include "cg_private.h"

#define DEFAULT_PROC_ROOT "/proc"
#define MAX_COMPS 64
/* slurm.h: SLURM_MAX_NORMAL_STEP_ID */
#define MAX_NORMAL_STEP 0xfffffff0U

/* What the messages list as known. */
#define KNOWN_LAYOUTS \
	"known layouts: v1 slurm[_NODE]/uid_U/job_J/step_S (Slurm 22.05-26.05); " \
	"v2 [NODE_]slurmstepd.scope/job_J/step_S (22.05-25.11, 26.05 with " \
	"CgroupJobIdPaths=yes) or [NODE_]slurmstepd.scope/sSLUID/step_S (26.05)"
#define NOT_CONFINED \
	"Slurm did not put the task in a job cgroup: is task/cgroup enabled " \
	"(TaskPlugin=task/cgroup in slurm.conf; CgroupPlugin not disabled in " \
	"cgroup.conf)?"
#define NOT_CONFINED_V1 \
	" (on cgroup v1, proctrack/cgroup alone does not use the memory " \
	"controller)"

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

struct comp {
	const char *s;
	size_t len;
};

static bool comp_is(const struct comp *c, const char *word)
{
	return c->len == strlen(word) && strncmp(c->s, word, c->len) == 0;
}

static bool has_prefix(const struct comp *c, const char *prefix)
{
	size_t pl = strlen(prefix);
	return c->len > pl && strncmp(c->s, prefix, pl) == 0;
}

/* s[0..len) is a decimal as printf("%u") writes it (no sign, no leading
 * zero) and <= max. */
static bool parse_u32(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "<prefix><u32>" */
static bool is_num_comp(const struct comp *c, const char *prefix, uint32_t min,
			uint32_t *out)
{
	size_t pl = strlen(prefix);
	return has_prefix(c, prefix) &&
	       parse_u32(c->s + pl, c->len - pl, UINT32_MAX, out) && *out >= min;
}

/* A SLUID as print_sluid() (src/common/sluid.c) writes it: 's', then 13
 * digits of Crockford's base32, most significant first; the first holds
 * only the top 4 of the 64 bits. */
static bool is_sluid(const char *s, size_t len)
{
	static const char cb32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	if (len != 14 || s[0] != 's')
		return false;
	for (size_t i = 1; i < 14; i++) {
		const char *p = memchr(cb32, s[i], 32);
		if (!p || s[i] == '\0' || (i == 1 && p - cb32 >= 16))
			return false;
	}
	return true;
}

/* step_<n>[+<comp>], step_batch, step_extern, step_interactive. */
static bool is_step_comp(const struct comp *c, uint32_t *step)
{
	if (!has_prefix(c, "step_"))
		return false;
	const char *s = c->s + 5;
	size_t len = c->len - 5;
	static const struct {
		const char *name;
		uint32_t id;
	} special[] = {
		{ "batch", SL_CG_STEP_BATCH },
		{ "extern", SL_CG_STEP_EXTERN },
		{ "interactive", SL_CG_STEP_INTERACTIVE },
	};
	for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
		if (len == strlen(special[i].name) &&
		    strncmp(s, special[i].name, len) == 0) {
			*step = special[i].id;
			return true;
		}
	const char *plus = memchr(s, '+', len);
	size_t nlen = plus ? (size_t)(plus - s) : len;
	uint32_t het;
	if (!parse_u32(s, nlen, MAX_NORMAL_STEP, step))
		return false;
	return !plus || parse_u32(plus + 1, len - nlen - 1, UINT32_MAX, &het);
}

/* v1 root: "slurm", or "slurm_<node>" (MULTIPLE_SLURMD builds). */
static bool is_v1_root(const struct comp *c)
{
	return comp_is(c, "slurm") || has_prefix(c, "slurm_");
}

/* v2 scope: "slurmstepd.scope", or "<node>_slurmstepd.scope". */
static bool is_scope(const struct comp *c)
{
	static const char sfx[] = "_slurmstepd.scope";
	size_t sl = sizeof sfx - 1;
	return comp_is(c, "slurmstepd.scope") ||
	       (c->len > sl && strncmp(c->s + c->len - sl, sfx, sl) == 0);
}

/*
 * Split p[0..len) (must start with '/') into components. -1 for an empty,
 * "." or ".." component (a path from another cgroup namespace shows
 * "/../..") or too many components. A lone "/" has none.
 */
static int split(const char *p, size_t len, struct comp *c, int max)
{
	int n = 0;
	if (len == 0 || p[0] != '/')
		return -1;
	if (len == 1)
		return 0;
	size_t i = 1;
	for (;;) {
		size_t j = i;
		while (j < len && p[j] != '/')
			j++;
		size_t cl = j - i;
		if (cl == 0 || (cl == 1 && p[i] == '.') ||
		    (cl == 2 && p[i] == '.' && p[i + 1] == '.') || n == max)
			return -1;
		c[n].s = p + i;
		c[n].len = cl;
		n++;
		if (j >= len)
			break;
		i = j + 1;
		if (i == len)
			break;              /* one trailing '/' */
	}
	return n;
}

/* The matched layout: indexes of the job and step components. */
struct match {
	int job, step;
	bool sluid;                 /* job component is a SLUID */
	uint32_t job_id, uid, step_id;
	bool have_uid;
};

/* 0 matched; 1 not under Slurm's hierarchy at all (v2: or in
 * slurmstepd's scope itself or its "system" waiting area, outside every
 * job); 2 an unknown layout under it. */
static int match_layout(sl_cg_version_t v, const struct comp *c, int n,
			struct match *m)
{
	bool anchor = false;
	memset(m, 0, sizeof *m);
	for (int i = 0; i < n; i++) {
		if (v == SL_CG_V1) {
			if (!is_v1_root(&c[i]))
				continue;
			anchor = true;
			if (i + 3 < n && is_num_comp(&c[i + 1], "uid_", 0, &m->uid) &&
			    is_num_comp(&c[i + 2], "job_", 1, &m->job_id) &&
			    is_step_comp(&c[i + 3], &m->step_id)) {
				m->have_uid = true;
				m->job = i + 2;
				m->step = i + 3;
				return 0;
			}
		} else {
			if (!is_scope(&c[i]))
				continue;
			if (i + 1 == n || (i + 2 == n && comp_is(&c[i + 1], "system")))
				continue;   /* not in a job: no anchor */
			anchor = true;
			if (i + 2 >= n || !is_step_comp(&c[i + 2], &m->step_id))
				continue;
			if (is_num_comp(&c[i + 1], "job_", 1, &m->job_id)) {
				m->job = i + 1;
				m->step = i + 2;
				return 0;
			}
			if (is_sluid(c[i + 1].s, c[i + 1].len)) {
				m->sluid = true;
				m->job = i + 1;
				m->step = i + 2;
				return 0;
			}
		}
	}
	return anchor ? 2 : 1;
}

static void step_name(uint32_t id, char *buf, size_t len)
{
	if (id == SL_CG_STEP_BATCH)
		snprintf(buf, len, "batch");
	else if (id == SL_CG_STEP_EXTERN)
		snprintf(buf, len, "extern");
	else if (id == SL_CG_STEP_INTERACTIVE)
		snprintf(buf, len, "interactive");
	else
		snprintf(buf, len, "%" PRIu32, id);
}

/* The caller's checks. 0, or -1 with the message. */
static int check_job(const sl_cg_job_t *want, const struct match *m,
		     const struct comp *c, const char *file, const char *shown,
		     char *msg, size_t msglen)
{
	char a[32], b[32];
	if (!want)
		return 0;
	const char *sluid = want->sluid && want->sluid[0] ? want->sluid : NULL;
	if (sluid && !is_sluid(sluid, strlen(sluid))) {
		sl_cgi_printable(sluid, 40, a, sizeof a);
		sl_cgi_msg(msg, msglen,
			   "expected SLUID '%s' is not a SLUID ('s' and 13 base32 "
			   "characters): refused", a);
		return -1;
	}
	if (m->sluid && sluid &&
	    (c[m->job].len != strlen(sluid) ||
	     strncmp(c[m->job].s, sluid, c[m->job].len) != 0)) {
		sl_cgi_msg(msg, msglen,
			   "%s: cgroup '%s' is job %.*s's, not this job's (SLUID %s): "
			   "refused", file, shown, (int)c[m->job].len, c[m->job].s,
			   sluid);
		return -1;
	}
	if (!m->sluid && want->check_job_id && m->job_id != want->job_id) {
		sl_cgi_msg(msg, msglen,
			   "%s: cgroup '%s' is job %" PRIu32 "'s, not job %" PRIu32
			   "'s: refused", file, shown, m->job_id, want->job_id);
		return -1;
	}
	if (want->check_step_id && m->step_id != want->step_id) {
		step_name(m->step_id, a, sizeof a);
		step_name(want->step_id, b, sizeof b);
		sl_cgi_msg(msg, msglen,
			   "%s: cgroup '%s' is step %s's, not step %s's: refused",
			   file, shown, a, b);
		return -1;
	}
	if (m->have_uid && want->check_uid && m->uid != (uint32_t)want->uid) {
		sl_cgi_msg(msg, msglen,
			   "%s: cgroup '%s' is uid %" PRIu32 "'s, not the job owner's "
			   "(uid %lu): refused", file, shown, m->uid,
			   (unsigned long)want->uid);
		return -1;
	}
	return 0;
}

/* v2: does <dir>/cgroup.controllers list memory? */
static bool v2_has_memory(const char *dir)
{
	char cpath[PATH_MAX], ctl[1024];
	if (sl_cgi_join(cpath, sizeof cpath, dir, "cgroup.controllers") != 0)
		return false;
	ssize_t cl = sl_cgi_read_file(cpath, ctl, sizeof ctl);
	if (cl < 0)
		return false;
	while (cl > 0 && (ctl[cl - 1] == '\n' || ctl[cl - 1] == ' '))
		ctl[--cl] = '\0';
	return list_has(ctl, (size_t)cl, ' ', "memory");
}

/*
 * The memory controller where every distribution mounts it, checked with
 * ONE statfs() of the task's own cgroup directory below it: the right
 * cgroup file system there, and the task's path under it, mean the mount
 * shows its hierarchy from the root (no prefix to strip). This saves
 * reading and parsing /proc/self/mountinfo on every step's launch path;
 * any other setup (a container's partial view, another mount point) falls
 * back to the mount table. Only for the real /proc (tests give their own).
 */
static bool standard_mount(const char *proc_root, sl_cg_version_t v,
			   const char *p, size_t plen, char *base, size_t size)
{
	const char *std = v == SL_CG_V1 ? "/sys/fs/cgroup/memory" : "/sys/fs/cgroup";
	long magic = v == SL_CG_V1 ? CGROUP_SUPER_MAGIC : CGROUP2_SUPER_MAGIC;
	char dir[PATH_MAX];
	struct statfs sf;

	if (strcmp(proc_root, DEFAULT_PROC_ROOT) != 0 || plen == 0 || p[0] != '/')
		return false;
	int n = snprintf(dir, sizeof dir, "%s%.*s", std, (int)plen, p);
	if (n < 0 || (size_t)n >= sizeof dir)
		return false;
	if (statfs(dir, &sf) != 0 || (long)sf.f_type != magic)
		return false;
	return snprintf(base, size, "%s", std) < (int)size;
}

static int find(const char *proc_root, pid_t pid, const char *cgroup_root,
		const sl_cg_job_t *want, sl_cg_paths_t *out, char *msg,
		size_t msglen)
{
	char file[PATH_MAX];
	char buf[8192];      /* a real one is well under 2 KiB */
	char shown[128];

	if (!proc_root)
		proc_root = DEFAULT_PROC_ROOT;
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
	ssize_t len = sl_cgi_read_line_file(file, buf, sizeof buf);
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
	/* v2 shows a removed cgroup (a zombie's) as "<path> (deleted)" */
	static const char deleted[] = " (deleted)";
	size_t dl = sizeof deleted - 1;
	if (!v1p && v2p && v2len >= dl &&
	    memcmp(v2p + v2len - dl, deleted, dl) == 0) {
		sl_cgi_msg(msg, msglen, "%s: the task's cgroup was removed (deleted): "
			   "the task exited", file);
		return -1;
	}
	if (!v1p && !v2p) {
		sl_cgi_msg(msg, msglen,
			   "%s has no memory controller line (neither 'N:memory:/path' nor "
			   "'0::/path'): no memory cgroup controller for this task; is it "
			   "mounted?", file);
		return -1;
	}

	sl_cg_version_t v = v1p ? SL_CG_V1 : SL_CG_V2;
	const char *p = v1p ? v1p : v2p;
	size_t plen = v1p ? v1len : v2len;
	char base[PATH_MAX];
	bool fast = false;   /* the task's cgroup seen at the standard mount */
	if (cgroup_root) {
		n = v == SL_CG_V1 ? sl_cgi_join(base, sizeof base, cgroup_root, "memory")
				  : (snprintf(base, sizeof base, "%s", cgroup_root) <
				     (int)sizeof base ? 0 : -1);
		if (n != 0) {
			sl_cgi_msg(msg, msglen, "cgroup root %s: path too long", cgroup_root);
			return -1;
		}
	} else if (standard_mount(proc_root, v, p, plen, base, sizeof base)) {
		fast = true;
	} else {
		size_t strip;
		if (sl_cgi_find_mount(proc_root, v, p, plen, base, sizeof base,
				      &strip, msg, msglen) != 0)
			return -1;
		p += strip;
		plen -= strip;
		if (plen == 0)
			p = "/", plen = 1;
	}
	if (v == SL_CG_V2 && !v2_has_memory(base)) {
		sl_cgi_msg(msg, msglen,
			   "%s has no v1 memory line and %s/cgroup.controllers does not "
			   "list memory: no memory cgroup controller for this task; is the "
			   "memory controller enabled%s, and ConstrainRAMSpace=yes in "
			   "cgroup.conf?", file, base,
			   cgroup_root ? " (or cgroup_root= wrong)" : "");
		return -1;
	}

	char tmp[PATH_MAX];
	size_t cl = plen < sizeof tmp - 1 ? plen : sizeof tmp - 1;
	memcpy(tmp, p, cl);
	tmp[cl] = '\0';
	sl_cgi_printable(tmp, 100, shown, sizeof shown);
	const char *vname = v == SL_CG_V1 ? "memory" : "v2";

	struct comp c[MAX_COMPS];
	int nc = split(p, plen, c, MAX_COMPS);
	if (nc < 0) {
		sl_cgi_msg(msg, msglen,
			   "%s: %s cgroup '%s' is not a plain path below the mount (an "
			   "empty, '.' or '..' component: another cgroup namespace?): "
			   "refused", file, vname, shown);
		return -1;
	}
	struct match m;
	int mr = match_layout(v, c, nc, &m);
	if (mr == 1) {
		sl_cgi_msg(msg, msglen, "%s: %s cgroup '%s' is not inside %s: "
			   NOT_CONFINED "%s", file, vname, shown,
			   v == SL_CG_V1 ? "Slurm's /slurm[_NODE]/uid_U/job_J/step_S"
					 : "a job of slurmstepd's [NODE_]slurmstepd.scope",
			   v == SL_CG_V1 ? NOT_CONFINED_V1 : "");
		return -1;
	}
	if (mr == 2) {
		sl_cgi_msg(msg, msglen,
			   "%s: %s cgroup '%s' is not a Slurm job step layout swaplimit "
			   "knows; " KNOWN_LAYOUTS "; S = N, N+HETCOMP, batch, extern, "
			   "interactive: refused", file, vname, shown);
		return -1;
	}
	if (check_job(want, &m, c, file, shown, msg, msglen) != 0)
		return -1;

	size_t job_end = (size_t)(c[m.job].s + c[m.job].len - p);
	size_t step_end = (size_t)(c[m.step].s + c[m.step].len - p);
	out->version = v;
	n = snprintf(out->job_dir, sizeof out->job_dir, "%s%.*s", base,
		     (int)job_end, p);
	int k = snprintf(out->step_dir, sizeof out->step_dir, "%s%.*s", base,
			 (int)step_end, p);
	if (n < 0 || (size_t)n >= sizeof out->job_dir || k < 0 ||
	    (size_t)k >= sizeof out->step_dir) {
		sl_cgi_msg(msg, msglen, "%s: cgroup path too long", file);
		return -1;
	}
	if (v == SL_CG_V2) {
		/* Slurm writes the step's limits in step_Y/user when it exists. */
		char user[PATH_MAX];
		if (sl_cgi_join(user, sizeof user, out->step_dir, "user") == 0 &&
		    sl_cgi_is_dir(user))
			memcpy(out->step_dir, user, strlen(user) + 1);
	}
	/* At the standard mount the task's own directory was seen, so its
	 * job and step ancestors exist. */
	const char *missing = fast ? NULL
			      : !sl_cgi_is_dir(out->job_dir) ? out->job_dir
			      : !sl_cgi_is_dir(out->step_dir) ? out->step_dir
			      : NULL;
	if (missing) {
		char pdir[PATH_MAX];
		bool gone = snprintf(pdir, sizeof pdir, "%s/%ld", proc_root,
				     (long)pid) < (int)sizeof pdir &&
			    !sl_cgi_is_dir(pdir);
		sl_cgi_printable(missing, 150, shown, sizeof shown);
		if (gone || !cgroup_root)
			sl_cgi_msg(msg, msglen,
				   "%s names cgroup %s, which is not a directory: the task "
				   "exited%s", file, shown,
				   gone ? "" : " (its cgroup was removed)");
		else
			sl_cgi_msg(msg, msglen,
				   "%s names cgroup %s, which is not a directory: the task "
				   "exited, or cgroup_root=%s is not where the memory "
				   "controller is mounted", file, shown, cgroup_root);
		return -1;
	}
	return 0;
}

/* Emptied, not zeroed: 8 KiB of zeros cost a step two page faults. */
static void empty_paths(sl_cg_paths_t *out)
{
	out->version = 0;
	out->job_dir[0] = '\0';
	out->step_dir[0] = '\0';
}

int sl_cg_find_job(const char *proc_root, pid_t pid, const char *cgroup_root,
		   const sl_cg_job_t *job, sl_cg_paths_t *out, char *msg,
		   size_t msglen)
{
	empty_paths(out);
	int rc = find(proc_root, pid, cgroup_root, job, out, msg, msglen);
	if (rc != 0)
		empty_paths(out);
	return rc;
}

int sl_cg_find(const char *proc_root, pid_t pid, const char *cgroup_root,
	       sl_cg_paths_t *out, char *msg, size_t msglen)
{
	return sl_cg_find_job(proc_root, pid, cgroup_root, NULL, out, msg,
			      msglen);
}
