/*
 * Private helpers of the cgroup writer: small-file I/O, parsing, messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cg_private.h"

void sl_cgi_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	if (!msg || msglen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
}

int sl_cgi_join(char *out, size_t outlen, const char *dir, const char *name)
{
	int n = snprintf(out, outlen, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

/*
 * No fstat(): every open costs a system call on a step's launch path, and
 * the kernel already refuses what fstat() would: a directory fails read()
 * with EISDIR, a FIFO opened O_NONBLOCK reads empty (then fails to parse),
 * and O_NOFOLLOW refuses a symlink.
 */
static ssize_t read_file(const char *path, char *buf, size_t size,
			 bool one_line)
{
	if (size == 0)
		return -EINVAL;
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	for (;;) {
		if (len == size - 1) {
			/* Full: is there more? */
			char extra;
			ssize_t r;
			do
				r = read(fd, &extra, 1);
			while (r < 0 && errno == EINTR);
			close(fd);
			buf[len] = '\0';
			return r == 0 ? (ssize_t)len : -EFBIG;
		}
		ssize_t r = read(fd, buf + len, size - 1 - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			buf[len] = '\0';
			return -e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		/* A cgroup value file is one line, produced whole by one
		 * read(): the newline ends it (saves the read of EOF). */
		if (one_line && len < size - 1 && buf[len - 1] == '\n')
			break;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

ssize_t sl_cgi_read_file(const char *path, char *buf, size_t size)
{
	return read_file(path, buf, size, false);
}

ssize_t sl_cgi_read_line_file(const char *path, char *buf, size_t size)
{
	return read_file(path, buf, size, true);
}

int sl_cgi_open_w(const char *path)
{
	/* No fstat() (see read_file): a directory fails with EISDIR, a
	 * FIFO without a reader with ENXIO (O_NONBLOCK), a symlink with
	 * ELOOP. */
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	return fd;
}

int sl_cgi_write_all(int fd, const char *value)
{
	size_t len = strlen(value);
	ssize_t w;
	do
		w = write(fd, value, len);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	/* Never write the rest separately: the kernel would take it as a
	 * second, different value. */
	if ((size_t)w != len)
		return -EIO;
	return 0;
}

int sl_cgi_parse_u64(const char *s, uint64_t *out)
{
	if (*s < '0' || *s > '9')
		return -1;
	uint64_t v = 0;
	while (*s >= '0' && *s <= '9') {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		s++;
	}
	while (*s == '\n' || *s == ' ' || *s == '\t')
		s++;
	if (*s)
		return -1;
	*out = v;
	return 0;
}

uint64_t sl_cgi_v1_unlimited(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	if (ps <= 0)
		ps = 4096;
	return ((uint64_t)INT64_MAX / (uint64_t)ps) * (uint64_t)ps;
}

uint64_t sl_cgi_sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t sl_cgi_sat_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

int sl_cgi_keyed(const char *content, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *line = content;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t llen = nl ? (size_t)(nl - line) : strlen(line);
		if (llen > klen && strncmp(line, key, klen) == 0 &&
		    line[klen] == ' ') {
			const char *p = line + klen + 1;
			uint64_t v = 0;
			size_t i = 0, n = llen - klen - 1;
			if (n == 0)
				return -2;
			for (; i < n; i++) {
				if (p[i] < '0' || p[i] > '9')
					return -2;
				unsigned d = (unsigned)(p[i] - '0');
				if (v > (UINT64_MAX - d) / 10)
					return -2;
				v = v * 10 + d;
			}
			*out = v;
			return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return -1;
}

const char *sl_cgi_errname(int err, char *buf, size_t len)
{
	switch (err) {
	case ENOENT: return "ENOENT";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EROFS: return "EROFS";
	case ELOOP: return "ELOOP";
	case EISDIR: return "EISDIR";
	case ENOTDIR: return "ENOTDIR";
	case ENXIO: return "ENXIO";
	case EIO: return "EIO";
	case EFBIG: return "EFBIG";
	case ENOMEM: return "ENOMEM";
	case ENOSPC: return "ENOSPC";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ESRCH: return "ESRCH";
	case ENODEV: return "ENODEV";
	case EAGAIN: return "EAGAIN";
	default:
		snprintf(buf, len, "errno %d", err);
		return buf;
	}
}

void sl_cgi_printable(const char *s, size_t maxchars, char *out, size_t outlen)
{
	if (outlen == 0)
		return;
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == '\n')
		n--;
	bool cut = false;
	if (n > maxchars) {
		n = maxchars;
		cut = true;
	}
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];
		out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (cut)
		for (int i = 0; i < 3 && o + 1 < outlen; i++)
			out[o++] = '.';
	out[o] = '\0';
}

bool sl_cgi_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *meaning(int err, bool dir_gone, bool writing,
			   sl_cg_version_t v)
{
	switch (err) {
	case ENOENT:
		return dir_gone ? "cgroup vanished: the task exited"
				: "file missing";
	case EBUSY:
		return "the cgroup already uses more RAM+swap than the new limit";
	case EINVAL:
		if (!writing)
			return "invalid argument";
		return v == SL_CG_V1
		       ? "memsw below memory limit: the kernel keeps "
			 "memory.memsw.limit_in_bytes >= memory.limit_in_bytes "
			 "(did the RAM limit change meanwhile?)"
		       : "the kernel refused the value";
	case EACCES:
	case EPERM:
		return "permission denied: swaplimit must run as root (in slurmstepd)";
	case EROFS:
		return "read-only file system: the cgroup hierarchy is mounted read-only";
	case ELOOP:
		return "is a symbolic link: refused (opened with O_NOFOLLOW)";
	case EISDIR:
		return "is a directory, not a cgroup control file";
	case ENOTDIR:
		return "a component of the path is not a directory";
	case ENXIO:
		return "not a regular file: refused";
	case EFBIG:
		return "the file is larger than expected";
	case ENODEV:
		return "cgroup removed while open: the task exited";
	case EIO:
		return writing ? "short write: the kernel took only part of the value"
			       : "I/O error";
	default:
		return NULL;
	}
}

void sl_cgi_io_msg(char *msg, size_t msglen, const char *verb,
		   const char *path, const char *dir, const char *value,
		   int err, sl_cg_version_t v)
{
	char ebuf[128], nbuf[32];
	const char *es = strerror_r(err, ebuf, sizeof ebuf);
	bool writing = value != NULL;
	bool dir_gone = err == ENOENT && dir && !sl_cgi_is_dir(dir);
	const char *m = meaning(err, dir_gone, writing, v);
	sl_cgi_msg(msg, msglen, "%s: cannot %s%s%s%s: %s (%s)%s%s", path, verb,
		   value ? " '" : "", value ? value : "", value ? "'" : "", es,
		   sl_cgi_errname(err, nbuf, sizeof nbuf), m ? ": " : "",
		   m ? m : "");
}

int sl_cgi_read_value(sl_cg_version_t v, const char *dir, const char *name,
		      uint64_t *out, char *msg, size_t msglen)
{
	char path[PATH_MAX], buf[SL_CGI_VALBUF];
	if (sl_cgi_join(path, sizeof path, dir, name) != 0) {
		sl_cgi_msg(msg, msglen, "%s/%s: path too long", dir, name);
		return -ENAMETOOLONG;
	}
	ssize_t n = sl_cgi_read_line_file(path, buf, sizeof buf);
	if (n < 0 && n != -EFBIG) {
		sl_cgi_io_msg(msg, msglen, "read", path, dir, NULL, (int)-n, v);
		return (int)n;
	}
	uint64_t val;
	if (n >= 0 && v == SL_CG_V2 && (strcmp(buf, "max") == 0 ||
					strcmp(buf, "max\n") == 0)) {
		*out = SL_CG_UNLIMITED;
		return 0;
	}
	if (n >= 0 && sl_cgi_parse_u64(buf, &val) == 0) {
		if (v == SL_CG_V1 && val >= sl_cgi_v1_unlimited())
			val = SL_CG_UNLIMITED;
		*out = val;
		return 0;
	}
	char shown[96];
	sl_cgi_printable(buf, 64, shown, sizeof shown);
	sl_cgi_msg(msg, msglen,
		   "%s: unexpected content '%s'%s (expected a byte count%s)",
		   path, shown, n == 0 ? " (empty file)" : "",
		   v == SL_CG_V2 ? " or 'max'" : "");
	return -SL_CGI_EPARSE;
}
