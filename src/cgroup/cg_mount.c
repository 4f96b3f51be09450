/*
 * Where the memory controller is mounted, from a mountinfo file
 * (<proc_root>/self/mountinfo): for sl_cg_find() when the caller gives no
 * cgroup root. Streams the file through a fixed buffer (a node with many
 * containers has a mountinfo of hundreds of KiB); no allocation.
 *
 * A mountinfo line (proc(5)):
 *   36 35 98:0 /root /mount/point rw,noatime shared:1 - cgroup cgroup rw,memory
 *   id parent dev  ROOT MOUNTPOINT options [optional...] - FSTYPE SOURCE SUPEROPTS
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cg_private.h"

/* mountinfo escapes ' ', '\t', '\n' and '\\' as \ooo; undo it in place.
 * -1 for a malformed escape. */
static int unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; ) {
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		if (p[1] < '0' || p[1] > '3' || p[2] < '0' || p[2] > '7' ||
		    p[3] < '0' || p[3] > '7')
			return -1;
		char c = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) |
				(p[3] - '0'));
		if (c == '\0')
			return -1;
		*o++ = c;
		p += 4;
	}
	*o = '\0';
	return 0;
}

/* Does the comma-separated list s hold word? */
static bool opt_has(const char *s, const char *word)
{
	size_t wl = strlen(word);
	while (*s) {
		const char *e = strchr(s, ',');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		if (l == wl && strncmp(s, word, wl) == 0)
			return true;
		if (!e)
			break;
		s = e + 1;
	}
	return false;
}

/* Is root (a mount's root within its hierarchy) a prefix of the cgroup
 * path p[0..plen), on a component boundary? */
static bool root_covers(const char *root, const char *p, size_t plen)
{
	size_t rl = strlen(root);
	if (rl == 1 && root[0] == '/')
		return true;
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	return rl <= plen && strncmp(root, p, rl) == 0 &&
	       (rl == plen || p[rl] == '/');
}

struct search {
	sl_cg_version_t v;
	const char *path;            /* the task's cgroup path */
	size_t plen;
	bool found, other_root, best_rw;
	size_t best_rl;
	char mnt[PATH_MAX];
	char root[PATH_MAX];
	char other[PATH_MAX];        /* a matching mount whose root does not cover */
	char other_r[PATH_MAX];
};

/* One line (NUL-terminated, no newline). Malformed lines are skipped. */
static void consider(struct search *s, char *line)
{
	char *f[6], *save = NULL, *tok;
	int n = 0;
	for (tok = strtok_r(line, " ", &save); tok && n < 6;
	     tok = strtok_r(NULL, " ", &save))
		f[n++] = tok;
	if (n < 6)
		return;
	/* optional fields up to the lone "-" */
	while (tok && strcmp(tok, "-") != 0)
		tok = strtok_r(NULL, " ", &save);
	if (!tok)
		return;
	char *fstype = strtok_r(NULL, " ", &save);
	char *source = strtok_r(NULL, " ", &save);
	char *super = strtok_r(NULL, " ", &save);
	if (!fstype || !source || !super)
		return;
	if (s->v == SL_CG_V1) {
		if (strcmp(fstype, "cgroup") != 0 || !opt_has(super, "memory"))
			return;
	} else if (strcmp(fstype, "cgroup2") != 0) {
		return;
	}
	char *root = f[3], *mnt = f[4];
	if (unescape(root) != 0 || unescape(mnt) != 0 || root[0] != '/' ||
	    mnt[0] != '/' || strlen(root) >= PATH_MAX || strlen(mnt) >= PATH_MAX)
		return;
	if (!root_covers(root, s->path, s->plen)) {
		if (!s->other_root) {
			s->other_root = true;
			memcpy(s->other, mnt, strlen(mnt) + 1);
			memcpy(s->other_r, root, strlen(root) + 1);
		}
		return;
	}
	/* The deepest root; at equal roots a read-write mount over a
	 * read-only one; else the first. */
	size_t rl = strlen(root);
	bool rw = opt_has(f[5], "rw");
	if (s->found && (rl < s->best_rl ||
			 (rl == s->best_rl && (s->best_rw || !rw))))
		return;
	s->found = true;
	s->best_rl = rl;
	s->best_rw = rw;
	memcpy(s->mnt, mnt, strlen(mnt) + 1);
	memcpy(s->root, root, rl + 1);
}

int sl_cgi_find_mount(const char *proc_root, sl_cg_version_t v,
		      const char *path, size_t plen, char *mnt, size_t mntlen,
		      size_t *strip, char *msg, size_t msglen)
{
	char file[PATH_MAX], buf[8192];
	struct search s;
	int n = snprintf(file, sizeof file, "%s/self/mountinfo", proc_root);
	if (n < 0 || (size_t)n >= sizeof file) {
		sl_cgi_msg(msg, msglen, "%s/self/mountinfo: path too long", proc_root);
		return -1;
	}
	memset(&s, 0, sizeof s);
	s.v = v;
	s.path = path;
	s.plen = plen;

	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		char ebuf[128], nbuf[32];
		int err = errno;
		sl_cgi_msg(msg, msglen, "cannot read the mount table %s: %s (%s)",
			   file, strerror_r(err, ebuf, sizeof ebuf),
			   sl_cgi_errname(err, nbuf, sizeof nbuf));
		return -1;
	}
	size_t have = 0;
	bool skipping = false;        /* inside a line longer than buf */
	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof buf - 1 - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			char ebuf[128], nbuf[32];
			int err = errno;
			close(fd);
			sl_cgi_msg(msg, msglen, "cannot read the mount table %s: %s (%s)",
				   file, strerror_r(err, ebuf, sizeof ebuf),
				   sl_cgi_errname(err, nbuf, sizeof nbuf));
			return -1;
		}
		have += (size_t)r;
		buf[have] = '\0';
		char *line = buf, *nl;
		while ((nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
			*nl = '\0';
			if (!skipping)
				consider(&s, line);
			skipping = false;
			line = nl + 1;
		}
		size_t rest = have - (size_t)(line - buf);
		if (r == 0) {
			if (rest > 0 && !skipping)
				consider(&s, line);   /* last line without newline */
			break;
		}
		if (rest == sizeof buf - 1) {  /* a line that does not fit */
			skipping = true;
			rest = 0;
		}
		memmove(buf, line, rest);
		have = rest;
	}
	close(fd);

	const char *what = v == SL_CG_V1 ? "cgroup v1 mount with the memory controller"
					 : "cgroup2 mount";
	if (!s.found) {
		if (s.other_root)
			sl_cgi_msg(msg, msglen,
				   "%s: the task's cgroup is outside the only %s (%s shows the "
				   "hierarchy from %s): the task is in another cgroup namespace "
				   "or container",
				   file, what, s.other, s.other_r);
		else
			sl_cgi_msg(msg, msglen,
				   "%s lists no %s: no memory controller where this process "
				   "can see it (mount it, or give cgroup_root=)",
				   file, what);
		return -1;
	}
	n = snprintf(mnt, mntlen, "%s", s.mnt);
	if (n < 0 || (size_t)n >= mntlen) {
		sl_cgi_msg(msg, msglen, "%s: mount point too long", file);
		return -1;
	}
	/* what to cut off the task's path: the mount's root */
	size_t rl = strlen(s.root);
	while (rl > 0 && s.root[rl - 1] == '/')
		rl--;
	*strip = rl;
	return 0;
}
