/*
 * Private helpers of the cgroup writer (src/cgroup/ only). Small-file I/O
 * with fixed buffers, strict number parsing, messages naming files, errno
 * meanings. No allocation, no logging.
 */
#ifndef SWAPLIMIT_CG_PRIVATE_H
#define SWAPLIMIT_CG_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"

#if defined(__GNUC__)
#define SL_CGI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SL_CGI_PRINTF(a, b)
#endif

/* A value-file's content never needs more than this. */
#define SL_CGI_VALBUF 128
/* Returned (negated errno space is positive errnos) for unparsable content. */
#define SL_CGI_EPARSE 10000

/* snprintf into msg (may be NULL / 0). */
void sl_cgi_msg(char *msg, size_t msglen, const char *fmt, ...)
	SL_CGI_PRINTF(3, 4);

/* out = dir "/" name. 0, or -1 when it does not fit. */
int sl_cgi_join(char *out, size_t outlen, const char *dir, const char *name);

/*
 * Read a whole file into buf (NUL-terminated; at most size-1 bytes).
 * Opened O_RDONLY|O_CLOEXEC|O_NOFOLLOW|O_NONBLOCK, no fstat() (a system
 * call saved: a directory fails with EISDIR, a FIFO reads empty). Returns
 * the length, or -errno; -EFBIG when the file does not fit (buf then holds
 * the first size-1 bytes).
 */
ssize_t sl_cgi_read_file(const char *path, char *buf, size_t size);
/* The same for a file the kernel produces whole for one read(): a
 * one-line value file (memory.max, ...) or a single_open seq_file
 * (/proc/PID/cgroup). A short read that ends with a newline is taken as
 * the whole file (no read of EOF). */
ssize_t sl_cgi_read_line_file(const char *path, char *buf, size_t size);

/*
 * Open a control file for writing: O_WRONLY|O_CLOEXEC|O_NOFOLLOW|O_NONBLOCK
 * (a directory fails with EISDIR, a FIFO with ENXIO). fd, or -errno.
 */
int sl_cgi_open_w(const char *path);

/* Write value in ONE write() (a cgroup file takes one value per write).
 * 0 or -errno (-EIO for a short write). Does not close fd. */
int sl_cgi_write_all(int fd, const char *value);

/* Parse "<decimal>" with optional trailing newline/spaces, nothing else.
 * 0 or -1. */
int sl_cgi_parse_u64(const char *s, uint64_t *out);

/* Smallest value the v1 kernel shows for "no limit":
 * PAGE_COUNTER_MAX * page size = (INT64_MAX / pagesize) * pagesize. */
uint64_t sl_cgi_v1_unlimited(void);

uint64_t sl_cgi_sat_add(uint64_t a, uint64_t b);
uint64_t sl_cgi_sat_sub(uint64_t a, uint64_t b);

/* In a "key value\n" file's content, the value of key. 0 found, -1 no
 * such key, -2 malformed value. */
int sl_cgi_keyed(const char *content, const char *key, uint64_t *out);

/* "ENOENT" etc., or "errno N" (static storage for the known ones). */
const char *sl_cgi_errname(int err, char *buf, size_t len);

/* Copy at most maxchars of s into out, replacing non-printable bytes by
 * '?' and a trailing newline dropped; "..." when cut. */
void sl_cgi_printable(const char *s, size_t maxchars, char *out, size_t outlen);

/* true when path exists and is a directory */
bool sl_cgi_is_dir(const char *path);

/*
 * Describe an I/O failure on dir/name: "<path>: cannot <verb>[ 'value']:
 * <strerror> (<ENAME>): <meaning>". The meaning depends on errno and on
 * whether dir still exists (ENOENT: the cgroup vanished vs a missing file).
 */
void sl_cgi_io_msg(char *msg, size_t msglen, const char *verb,
		   const char *path, const char *dir, const char *value,
		   int err, sl_cg_version_t v);

/*
 * Read one value file dir/name: a decimal byte count, or "max" (v2), or a
 * value >= sl_cgi_v1_unlimited() (v1): both give SL_CG_UNLIMITED.
 * 0; -errno for I/O (message from sl_cgi_io_msg); -SL_CGI_EPARSE for
 * garbage (message names the file and the content).
 */
int sl_cgi_read_value(sl_cg_version_t v, const char *dir, const char *name,
		      uint64_t *out, char *msg, size_t msglen);

/*
 * From <proc_root>/self/mountinfo, the mount through which this process
 * reaches the task's cgroup path[0..plen): v1 a "cgroup" mount whose super
 * options hold "memory", v2 a "cgroup2" mount; of those whose root (field
 * 4) is a prefix of path, the deepest root (rw before ro, then the first
 * of equals). Sets mnt
 * (the mount point) and *strip (how many leading bytes of path the
 * mount's root covers). 0, or -1 with a message: file unreadable, no such
 * mount, or the path outside every such mount's root.
 */
int sl_cgi_find_mount(const char *proc_root, sl_cg_version_t v,
		      const char *path, size_t plen, char *mnt, size_t mntlen,
		      size_t *strip, char *msg, size_t msglen);

#endif
