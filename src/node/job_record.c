/*
 * The job prolog's record of a job's partition and account on one node:
 * <record_dir>/<node>/<job_id>, root-only, never followed through a link.
 * See job_record.h for the rules; this file has no SPANK calls.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "msg.h"
#include "job_record.h"

#define RECORD_MAGIC "swaplimit-record 1"

bool sl_record_valid_job_id(const char *s)
{
	size_t n;
	uint64_t v = 0;

	if (!s)
		return false;
	n = strnlen(s, 12);
	if (n == 0 || n > 10 || s[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	return v <= UINT32_MAX;
}

bool sl_record_valid_node(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strnlen(s, SL_RECORD_NODE_MAX);
	if (n == 0 || n >= SL_RECORD_NODE_MAX || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

bool sl_record_valid_value(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strnlen(s, SL_RECORD_FIELD_MAX);
	if (n == 0 || n >= SL_RECORD_FIELD_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

bool sl_record_valid_sluid(const char *s)
{
	static const char cb32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

	if (!s || strnlen(s, SL_RECORD_SLUID_MAX) != SL_RECORD_SLUID_MAX - 1 ||
	    s[0] != 's')
		return false;
	for (size_t i = 1; i < SL_RECORD_SLUID_MAX - 1; i++) {
		const char *p = memchr(cb32, s[i], 32);

		if (!p || (i == 1 && p - cb32 >= 16))
			return false;
	}
	return true;
}

/* geteuid(), asked once per process. */
static uid_t euid(void)
{
	static uid_t id;
	static bool known;

	if (!known) {
		id = geteuid();
		known = true;
	}
	return id;
}

/* The parent of record_dir must not let anyone but root rename or replace
 * record_dir: not writable by group/other unless sticky. */
static int check_parent(const char *dir, char *msg, size_t msglen)
{
	char parent[PATH_MAX];
	struct stat st;
	size_t n = strlen(dir);
	char *slash;

	if (n >= sizeof(parent)) {
		sl_msgf(msg, msglen, "record_dir %.64s...: path too long", dir);
		return SL_RECORD_ERROR;
	}
	memcpy(parent, dir, n + 1);
	while (n > 1 && parent[n - 1] == '/')
		parent[--n] = '\0';
	slash = strrchr(parent, '/');
	if (!slash || n <= 1) {
		sl_msgf(msg, msglen,
			"record_dir %s: must be an absolute path below /", dir);
		return SL_RECORD_ERROR;
	}
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (stat(parent, &st) != 0) {
		int e = errno;
		sl_msgf(msg, msglen, "record_dir %s: parent %s: %s", dir,
			parent, strerror(e));
		return e == ENOENT ? SL_RECORD_MISSING : SL_RECORD_ERROR;
	}
	if (!S_ISDIR(st.st_mode)) {
		sl_msgf(msg, msglen, "record_dir %s: parent %s is not a directory",
			dir, parent);
		return SL_RECORD_ERROR;
	}
	if ((st.st_uid != 0 && st.st_uid != euid()) ||
	    ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))) {
		sl_msgf(msg, msglen,
			"record_dir %s refused: its parent %s (owner uid %u, mode %04o) "
			"lets others replace it; use a record_dir under a root-owned "
			"directory such as /run",
			dir, parent, (unsigned)st.st_uid,
			(unsigned)(st.st_mode & 07777));
		return SL_RECORD_ERROR;
	}
	return SL_RECORD_OK;
}

/*
 * Open directory `name` relative to `at` (AT_FDCWD with an absolute name
 * for record_dir itself), creating it 0700 when asked. It must be a real
 * directory (not a link), owned by the effective user, mode 0700.
 * `shown` is the path for messages. Returns SL_RECORD_OK with *out set,
 * SL_RECORD_MISSING (does not exist and !create) or SL_RECORD_ERROR.
 */
static int open_verified_dir(int at, const char *name, const char *shown,
			     bool create, int *out, char *msg, size_t msglen)
{
	struct stat lst, st;
	bool created = false;
	int fd;

	*out = -1;
	if (create) {
		if (mkdirat(at, name, 0700) == 0) {
			created = true;
		} else if (errno != EEXIST) {
			sl_msgf(msg, msglen, "cannot create %s: %s", shown,
				strerror(errno));
			return SL_RECORD_ERROR;
		}
	}
	if (fstatat(at, name, &lst, AT_SYMLINK_NOFOLLOW) != 0) {
		int e = errno;
		sl_msgf(msg, msglen, "%s: %s", shown, strerror(e));
		return e == ENOENT ? SL_RECORD_MISSING : SL_RECORD_ERROR;
	}
	if (S_ISLNK(lst.st_mode)) {
		sl_msgf(msg, msglen,
			"%s refused: it is a symbolic link (it must be a real "
			"directory owned by root, mode 0700): remove it", shown);
		return SL_RECORD_ERROR;
	}
	if (!S_ISDIR(lst.st_mode)) {
		sl_msgf(msg, msglen, "%s refused: not a directory: remove it",
			shown);
		return SL_RECORD_ERROR;
	}
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		sl_msgf(msg, msglen, "cannot open %s: %s", shown,
			strerror(errno));
		return SL_RECORD_ERROR;
	}
	if (created && fchmod(fd, 0700) != 0) {
		sl_msgf(msg, msglen, "cannot chmod 0700 %s: %s", shown,
			strerror(errno));
		goto refused;
	}
	if (fstat(fd, &st) != 0) {
		sl_msgf(msg, msglen, "cannot stat %s: %s", shown,
			strerror(errno));
		goto refused;
	}
	if (st.st_dev != lst.st_dev || st.st_ino != lst.st_ino) {
		sl_msgf(msg, msglen, "%s refused: replaced while being opened",
			shown);
		goto refused;
	}
	if (st.st_uid != euid() || (st.st_mode & 07777) != 0700) {
		sl_msgf(msg, msglen,
			"%s refused: owner uid %u mode %04o, must be owned by uid "
			"%u with mode 0700: fix with chown/chmod or remove it",
			shown, (unsigned)st.st_uid,
			(unsigned)(st.st_mode & 07777), (unsigned)euid());
		goto refused;
	}
	*out = fd;
	return SL_RECORD_OK;
refused:
	close(fd);
	return SL_RECORD_ERROR;
}

/* Open record_dir itself, verified (its parent too). *dfd on success;
 * the path as used (trailing '/' stripped) in dir. */
static int open_record_dir(const char *record_dir, bool create, int *dfd,
			   char dir[PATH_MAX], char *msg, size_t msglen)
{
	size_t n;
	int rc;

	*dfd = -1;
	if (!record_dir || record_dir[0] != '/') {
		sl_msgf(msg, msglen, "record_dir %s: must be an absolute path",
			record_dir ? record_dir : "(null)");
		return SL_RECORD_ERROR;
	}
	/* A trailing '/' would make the kernel follow a final symbolic link
	 * despite O_NOFOLLOW: strip it. */
	n = strnlen(record_dir, PATH_MAX);
	if (n >= PATH_MAX) {
		sl_msgf(msg, msglen, "record_dir %.64s...: path too long",
			record_dir);
		return SL_RECORD_ERROR;
	}
	memcpy(dir, record_dir, n + 1);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	rc = check_parent(dir, msg, msglen);
	if (rc != SL_RECORD_OK)
		return rc;
	return open_verified_dir(AT_FDCWD, dir, dir, create, dfd, msg, msglen);
}

/* Open record_dir and record_dir/node, both verified. *nfd on success. */
int sl_record_open_node_dir(const char *record_dir, const char *node,
			    bool create, int *nfd, char *msg, size_t msglen)
{
	char shown[PATH_MAX];
	char dir[PATH_MAX];
	int dfd, rc;

	*nfd = -1;
	rc = open_record_dir(record_dir, create, &dfd, dir, msg, msglen);
	if (rc != SL_RECORD_OK)
		return rc;
	record_dir = dir;
	if (snprintf(shown, sizeof(shown), "%s/%s", record_dir, node) >=
	    (int)sizeof(shown)) {
		sl_msgf(msg, msglen, "record_dir %.64s...: path too long",
			record_dir);
		close(dfd);
		return SL_RECORD_ERROR;
	}
	rc = open_verified_dir(dfd, node, shown, create, nfd, msg, msglen);
	close(dfd);
	return rc;
}

static int check_names(const char *node, const char *job_id, char *msg,
		       size_t msglen)
{
	if (!sl_record_valid_node(node)) {
		sl_msgf(msg, msglen,
			"node name \"%.64s\" refused: only letters, digits, '.', "
			"'_' and '-' (not first '.'), at most %d bytes",
			node ? node : "(null)", SL_RECORD_NODE_MAX - 1);
		return SL_RECORD_ERROR;
	}
	if (!sl_record_valid_job_id(job_id)) {
		sl_msgf(msg, msglen, "job id \"%.32s\" refused: not a job number",
			job_id ? job_id : "(null)");
		return SL_RECORD_ERROR;
	}
	return SL_RECORD_OK;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* close() that also forgets the descriptor: *fd is -1 afterwards, so a
 * single exit path can close whatever is still open. */
static int close_once(int *fd)
{
	int r = close(*fd);

	*fd = -1;
	return r;
}

int sl_record_write(const char *record_dir, const char *node,
		    const char *job_id, const sl_record_t *rec, char *msg,
		    size_t msglen)
{
	char text[SL_RECORD_FILE_MAX];
	char tmp[64];
	char shown[PATH_MAX];
	bool tmp_made = false;
	int nfd, fd, rc, n;

	if (check_names(node, job_id, msg, msglen) != SL_RECORD_OK)
		return SL_RECORD_ERROR;
	if (!rec || (rec->has_partition && !sl_record_valid_value(rec->partition)) ||
	    (rec->has_account && !sl_record_valid_value(rec->account))) {
		sl_msgf(msg, msglen,
			"partition or account refused: empty, longer than %d "
			"bytes or with control characters",
			SL_RECORD_FIELD_MAX - 1);
		return SL_RECORD_ERROR;
	}
	if (rec->has_sluid && !sl_record_valid_sluid(rec->sluid)) {
		sl_msgf(msg, msglen,
			"SLUID refused: not 's' and 13 base32 characters");
		return SL_RECORD_ERROR;
	}
	n = snprintf(text, sizeof(text), RECORD_MAGIC "\nnode=%s\njob=%s\n%s%s%s%s%s%s",
		     node, job_id,
		     rec->has_partition ? "partition=" : "",
		     rec->has_partition ? rec->partition : "",
		     rec->has_partition ? "\n" : "",
		     rec->has_account ? "account=" : "",
		     rec->has_account ? rec->account : "",
		     rec->has_account ? "\n" : "");
	if (n > 0 && n < (int)sizeof(text) && rec->has_cpus)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "cpus=%" PRIu64 "\n", rec->cpus);
	if (n > 0 && n < (int)sizeof(text) && rec->has_sluid)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "sluid=%s\n",
			      rec->sluid);
	if (n > 0 && n < (int)sizeof(text) && rec->has_gres)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "gres=%" PRIu64 "\n", rec->gres_bytes);
	if (n < 0 || n >= (int)sizeof(text)) {
		sl_msgf(msg, msglen, "record too large");
		return SL_RECORD_ERROR;
	}
	rc = sl_record_open_node_dir(record_dir, node, true, &nfd, msg, msglen);
	if (rc != SL_RECORD_OK)
		return SL_RECORD_ERROR;
	snprintf(shown, sizeof(shown), "%s/%s/%s", record_dir, node, job_id);
	snprintf(tmp, sizeof(tmp), ".%s.%ld.tmp", job_id, (long)getpid());

	fd = openat(nfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0 && errno == EEXIST) {
		/* A leftover of a killed prolog with our pid: ours to remove. */
		if (unlinkat(nfd, tmp, 0) == 0)
			fd = openat(nfd, tmp,
				    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
					    O_CLOEXEC,
				    0600);
	}
	rc = SL_RECORD_ERROR;
	if (fd < 0) {
		sl_msgf(msg, msglen, "cannot create %s/%s/%s: %s", record_dir,
			node, tmp, strerror(errno));
		goto out;
	}
	tmp_made = true;
	if (fchmod(fd, 0600) != 0 || write_all(fd, text, (size_t)n) != 0 ||
	    close_once(&fd) != 0) {
		sl_msgf(msg, msglen, "cannot write %s/%s/%s: %s", record_dir,
			node, tmp, strerror(errno));
		goto out;
	}
	if (renameat(nfd, tmp, nfd, job_id) != 0) {
		sl_msgf(msg, msglen, "cannot rename the record into %s: %s",
			shown, strerror(errno));
		goto out;
	}
	tmp_made = false;
	rc = SL_RECORD_OK;
out:
	if (fd >= 0)
		close(fd);
	if (tmp_made)
		unlinkat(nfd, tmp, 0);
	close(nfd);
	return rc;
}

/* 1 to `max` decimal digits, nothing else; 0 only when zero_ok. */
static bool parse_count(const char *s, size_t max, bool zero_ok, uint64_t *out)
{
	uint64_t v = 0;
	size_t n = 0;

	for (; s[n] >= '0' && s[n] <= '9' && n < max; n++)
		v = v * 10 + (uint64_t)(s[n] - '0');
	if (n == 0 || s[n] || (v == 0 && !zero_ok))
		return false;
	*out = v;
	return true;
}

/* A CPU count: 1 to 9 digits, not 0. A byte count: 1 to 19 digits, 0
 * allowed (a job without any). */
#define parse_cpus(s, out) parse_count((s), 9, false, (out))
#define parse_bytes(s, out) parse_count((s), 19, true, (out))

/* Parse the record text (NUL-terminated, at most SL_RECORD_FILE_MAX). */
static int parse_record(char *text, const char *node, const char *job_id,
			const char *shown, sl_record_t *rec, char *msg,
			size_t msglen)
{
	bool seen_node = false, seen_job = false;
	char *line = text, *nl;
	unsigned lineno = 0;

	memset(rec, 0, sizeof(*rec));
	while (*line) {
		char *eq, *val;

		lineno++;
		nl = strchr(line, '\n');
		if (!nl) {
			sl_msgf(msg, msglen, "%s:%u: refused: truncated record",
				shown, lineno);
			return SL_RECORD_ERROR;
		}
		*nl = '\0';
		if (lineno == 1) {
			if (strcmp(line, RECORD_MAGIC) != 0) {
				sl_msgf(msg, msglen,
					"%s:1: refused: not a swaplimit record",
					shown);
				return SL_RECORD_ERROR;
			}
			line = nl + 1;
			continue;
		}
		eq = strchr(line, '=');
		if (!eq) {
			sl_msgf(msg, msglen, "%s:%u: refused: no '='", shown,
				lineno);
			return SL_RECORD_ERROR;
		}
		*eq = '\0';
		val = eq + 1;
		if (strcmp(line, "node") == 0 && !seen_node) {
			seen_node = true;
			if (strcmp(val, node) != 0) {
				sl_msgf(msg, msglen,
					"%s:%u: refused: record is for node %.64s",
					shown, lineno, val);
				return SL_RECORD_ERROR;
			}
		} else if (strcmp(line, "job") == 0 && !seen_job) {
			seen_job = true;
			if (strcmp(val, job_id) != 0) {
				sl_msgf(msg, msglen,
					"%s:%u: refused: record is for job %.32s",
					shown, lineno, val);
				return SL_RECORD_ERROR;
			}
		} else if (strcmp(line, "partition") == 0 &&
			   !rec->has_partition && sl_record_valid_value(val)) {
			rec->has_partition = true;
			memcpy(rec->partition, val, strlen(val) + 1);
		} else if (strcmp(line, "cpus") == 0 && !rec->has_cpus &&
			   parse_cpus(val, &rec->cpus)) {
			rec->has_cpus = true;
		} else if (strcmp(line, "gres") == 0 && !rec->has_gres &&
			   parse_bytes(val, &rec->gres_bytes)) {
			rec->has_gres = true;
		} else if (strcmp(line, "sluid") == 0 && !rec->has_sluid &&
			   sl_record_valid_sluid(val)) {
			rec->has_sluid = true;
			memcpy(rec->sluid, val, strlen(val) + 1);
		} else if (strcmp(line, "account") == 0 && !rec->has_account &&
			   sl_record_valid_value(val)) {
			rec->has_account = true;
			memcpy(rec->account, val, strlen(val) + 1);
		} else {
			sl_msgf(msg, msglen,
				"%s:%u: refused: unexpected, repeated or invalid %.32s=",
				shown, lineno, line);
			return SL_RECORD_ERROR;
		}
		line = nl + 1;
	}
	if (!seen_node || !seen_job) {
		sl_msgf(msg, msglen, "%s: refused: no node= or job= line",
			shown);
		return SL_RECORD_ERROR;
	}
	return SL_RECORD_OK;
}

/*
 * Read the open record `fd` (`shown` for messages) into text (NUL-
 * terminated, at most SL_RECORD_FILE_MAX bytes) after checking what the
 * file is. The caller closes fd.
 */
/* A file the plugin keeps in record_dir is believed only as root made it:
 * a regular file owned by this process's uid, mode 0600, at most max
 * bytes, and (one_link) not linked from elsewhere. */
static int check_kept(int fd, const char *shown, size_t max, bool one_link,
		      struct stat *st, char *msg, size_t msglen)
{
	if (fstat(fd, st) != 0) {
		sl_msgf(msg, msglen, "cannot stat %s: %s", shown,
			strerror(errno));
		return SL_RECORD_ERROR;
	}
	if (!S_ISREG(st->st_mode) || st->st_uid != euid() ||
	    (st->st_mode & 07777) != 0600 || (one_link && st->st_nlink != 1) ||
	    st->st_size < 0 || (size_t)st->st_size > max) {
		sl_msgf(msg, msglen,
			"%s refused: must be a regular file owned by uid %u, mode "
			"0600%s, at most %zu bytes (is uid %u mode %04o, "
			"%lu links, %lld bytes)",
			shown, (unsigned)euid(), one_link ? ", one link" : "", max,
			(unsigned)st->st_uid, (unsigned)(st->st_mode & 07777),
			(unsigned long)st->st_nlink, (long long)st->st_size);
		return SL_RECORD_ERROR;
	}
	return SL_RECORD_OK;
}

static int read_record_file(int fd, const char *shown,
			    char text[SL_RECORD_FILE_MAX + 2], char *msg,
			    size_t msglen)
{
	const size_t room = SL_RECORD_FILE_MAX + 2;
	struct stat st;
	size_t got = 0;

	if (check_kept(fd, shown, SL_RECORD_FILE_MAX, true, &st, msg, msglen) !=
	    SL_RECORD_OK)
		return SL_RECORD_ERROR;
	while (got < room - 1) {
		ssize_t r = read(fd, text + got, room - 1 - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			sl_msgf(msg, msglen, "cannot read %s: %s", shown,
				strerror(errno));
			return SL_RECORD_ERROR;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		/* Records are replaced by rename(), never rewritten: the
		 * size fstat() saw is all there is (no read of EOF). */
		if (got == (size_t)st.st_size)
			break;
	}
	if (got > SL_RECORD_FILE_MAX) {
		sl_msgf(msg, msglen, "%s refused: larger than %d bytes", shown,
			SL_RECORD_FILE_MAX);
		return SL_RECORD_ERROR;
	}
	text[got] = '\0';
	if (strlen(text) != got) {
		sl_msgf(msg, msglen, "%s refused: contains a NUL byte", shown);
		return SL_RECORD_ERROR;
	}
	return SL_RECORD_OK;
}

int sl_record_read(const char *record_dir, const char *node,
		   const char *job_id, sl_record_t *rec, char *msg,
		   size_t msglen)
{
	char text[SL_RECORD_FILE_MAX + 2];
	char shown[PATH_MAX];
	int nfd, fd, rc, n;

	if (rec)
		memset(rec, 0, sizeof(*rec));
	if (!rec || check_names(node, job_id, msg, msglen) != SL_RECORD_OK)
		return SL_RECORD_ERROR;
	n = record_dir && record_dir[0] == '/'
		    ? snprintf(shown, sizeof(shown), "%s/%s/%s", record_dir, node,
			       job_id)
		    : -1;
	/*
	 * On a step's launch path: one open() of the whole path first. The
	 * file alone decides what is believed -- a regular file with one
	 * link, owned by root, mode 0600, naming this node and job inside
	 * (parse_record) -- which no other user can make. Only when that open
	 * fails are the directories walked and checked one by one, for the
	 * precise message (missing record, missing or unsafe record_dir).
	 */
	fd = n > 0 && (size_t)n < sizeof(shown)
		     ? open(shown, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
		     : -1;
	if (fd < 0) {
		rc = sl_record_open_node_dir(record_dir, node, false, &nfd, msg, msglen);
		if (rc != SL_RECORD_OK)
			return rc;
		snprintf(shown, sizeof(shown), "%s/%s/%s", record_dir, node,
			 job_id);
		fd = openat(nfd, job_id,
			    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		close(nfd);
	}
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT) {
			sl_msgf(msg, msglen, "%s: no such record", shown);
			return SL_RECORD_MISSING;
		}
		if (e == ELOOP)
			sl_msgf(msg, msglen, "%s refused: a symbolic link", shown);
		else
			sl_msgf(msg, msglen, "cannot open %s: %s", shown,
				strerror(e));
		return SL_RECORD_ERROR;
	}
	rc = read_record_file(fd, shown, text, msg, msglen);
	close(fd);
	if (rc != SL_RECORD_OK)
		return rc;
	rc = parse_record(text, node, job_id, shown, rec, msg, msglen);
	if (rc != SL_RECORD_OK)
		memset(rec, 0, sizeof(*rec));
	return rc;
}

int sl_record_remove(const char *record_dir, const char *node,
		     const char *job_id, char *msg, size_t msglen)
{
	int nfd, rc;

	if (check_names(node, job_id, msg, msglen) != SL_RECORD_OK)
		return SL_RECORD_ERROR;
	rc = sl_record_open_node_dir(record_dir, node, false, &nfd, msg, msglen);
	if (rc != SL_RECORD_OK)
		return rc;
	if (unlinkat(nfd, job_id, 0) != 0) {
		int e = errno;
		sl_msgf(msg, msglen, "cannot remove %s/%s/%s: %s", record_dir,
			node, job_id, strerror(e));
		close(nfd);
		return e == ENOENT ? SL_RECORD_MISSING : SL_RECORD_ERROR;
	}
	close(nfd);
	return SL_RECORD_OK;
}

/* ---- the rule set slurmd validated at its start ---- */

#define VALIDATED_NAME "validated.rules"

int sl_record_write_kept(int dfd, const char *shown_dir, const char *name,
			 const void *data, size_t len, char *msg, size_t msglen)
{
	char tmp[96];
	int fd, rc;

	/* Several processes may write at once: each its own temporary file,
	 * and rename() puts one whole file in place. */
	snprintf(tmp, sizeof(tmp), ".%.48s.%ld.tmp", name, (long)getpid());
	unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	rc = SL_RECORD_ERROR;
	if (fd < 0 || fchmod(fd, 0600) != 0 || write_all(fd, data, len) != 0 ||
	    close_once(&fd) != 0) {
		sl_msgf(msg, msglen, "cannot write %s/%s: %s", shown_dir, tmp,
			strerror(errno));
		goto out;
	}
	if (renameat(dfd, tmp, dfd, name) != 0) {
		sl_msgf(msg, msglen, "cannot rename %s/%s into place: %s",
			shown_dir, tmp, strerror(errno));
		goto out;
	}
	rc = SL_RECORD_OK;
out:
	if (fd >= 0)
		close(fd);
	if (rc != SL_RECORD_OK)
		unlinkat(dfd, tmp, 0);
	return rc;
}

int sl_record_save_rules(const char *record_dir, const char *text,
			 size_t len, char *msg, size_t msglen)
{
	char dir[PATH_MAX];
	int dfd, rc;

	if (open_record_dir(record_dir, true, &dfd, dir, msg, msglen) !=
	    SL_RECORD_OK)
		return SL_RECORD_ERROR;
	rc = sl_record_write_kept(dfd, dir, VALIDATED_NAME, text, len, msg,
				  msglen);
	close(dfd);
	return rc;
}

int sl_record_read_kept(int fd, const char *shown, size_t max, bool one_link,
			char **buf, size_t *len, char *msg, size_t msglen)
{
	struct stat st;
	size_t got = 0;
	char *b;

	*buf = NULL;
	*len = 0;
	if (check_kept(fd, shown, max, one_link, &st, msg, msglen) !=
	    SL_RECORD_OK)
		return SL_RECORD_ERROR;
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		sl_msgf(msg, msglen, "out of memory");
		return SL_RECORD_ERROR;
	}
	/* Replaced by rename(), never rewritten: the size is all there is. */
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got != (size_t)st.st_size) {
		/* Never a part taken for the whole (a cut rule set is a
		 * different rule set). */
		sl_msgf(msg, msglen, "%s: read %zu of %lld bytes", shown, got,
			(long long)st.st_size);
		free(b);
		return SL_RECORD_ERROR;
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	return SL_RECORD_OK;
}

int sl_record_load_rules(const char *record_dir, size_t max, char **text,
			 size_t *len, char *msg, size_t msglen)
{
	char dir[PATH_MAX], shown[PATH_MAX];
	int dfd, fd, rc;

	*text = NULL;
	rc = open_record_dir(record_dir, false, &dfd, dir, msg, msglen);
	if (rc != SL_RECORD_OK)
		return rc;
	fd = openat(dfd, VALIDATED_NAME,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	close(dfd);
	if (snprintf(shown, sizeof(shown), "%s/" VALIDATED_NAME, dir) >=
	    (int)sizeof(shown))
		snprintf(shown, sizeof(shown), VALIDATED_NAME);
	if (fd < 0) {
		int e = errno;
		sl_msgf(msg, msglen, "%s: %s", shown, strerror(e));
		return e == ENOENT ? SL_RECORD_MISSING : SL_RECORD_ERROR;
	}
	rc = sl_record_read_kept(fd, shown, max, false, text, len, msg, msglen);
	close(fd);
	return rc;
}

void sl_record_forget_rules(const char *record_dir)
{
	char dir[PATH_MAX], msg[64];
	int dfd;

	if (open_record_dir(record_dir, false, &dfd, dir, msg, sizeof(msg)) !=
	    SL_RECORD_OK)
		return;
	unlinkat(dfd, VALIDATED_NAME, 0);
	close(dfd);
}
