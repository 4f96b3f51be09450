/*
 * The job prolog's record of a job's partition, account and CPUs on one
 * node.
 *
 * Partition and account must come from a trusted source: the step
 * environment is the user's (srun can be made to pass a forged
 * SLURM_JOB_PARTITION), but slurm_spank_job_prolog runs as root with the
 * environment of the signed job credential. The prolog writes
 *
 *     <record_dir>/<node>/<job_id>
 *
 * and task_post_fork reads it back; the epilog removes it. Several slurmd
 * (slurmd -N) may share one machine and one record_dir: the per-node
 * directory keeps one node's epilog away from another's record.
 *
 * record_dir and <node> must be real directories (not symbolic links),
 * owned by the effective user (root in Slurm) and mode 0700; they are
 * created so when missing, and anything else is refused. record_dir's
 * parent must not be writable by others unless it is sticky. Records are
 * written to a temporary file (O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, 0600)
 * renamed into place, and read only when they are regular files of the
 * effective user, mode 0600.
 *
 * Pure POSIX: no SPANK calls, no logging; failures come back as a return
 * value and a message naming the path and the fix.
 */
#ifndef SWAPLIMIT_JOB_RECORD_H
#define SWAPLIMIT_JOB_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef SL_HIDDEN
#define SL_HIDDEN __attribute__((visibility("hidden")))
#endif

/* Longest partition or account name kept, including the NUL. */
#define SL_RECORD_FIELD_MAX 256
/* Longest node name accepted, including the NUL. */
#define SL_RECORD_NODE_MAX 256
/* A SLUID ("s" + 13 characters) and its NUL. */
#define SL_RECORD_SLUID_MAX 15
/* A record file is never larger than this. */
#define SL_RECORD_FILE_MAX 4096

typedef struct {
	bool has_partition;
	char partition[SL_RECORD_FIELD_MAX];
	bool has_account;
	char account[SL_RECORD_FIELD_MAX];
	bool has_cpus;
	uint64_t cpus;           /* the job's CPUs on the node (credential) */
	/* The job's SLUID (Slurm 26.05+: the prolog's SLURM_JOB_SLUID, from
	 * the credential), the name of its cgroup v2 job directory; absent
	 * on older Slurm and in older records. */
	bool has_sluid;
	char sluid[SL_RECORD_SLUID_MAX];
	/* The swap GRES (gres=NAME argument) the job was allocated on the
	 * node, in bytes, as slurmctld reported it to the prolog; absent
	 * when not asked for or not known. */
	bool has_gres;
	uint64_t gres_bytes;
} sl_record_t;

enum {
	SL_RECORD_ERROR = -1,
	SL_RECORD_OK = 0,
	SL_RECORD_MISSING = 1,   /* read/remove: there is no such record */
};

/* A job id is 1 to 10 decimal digits (a uint32). */
SL_HIDDEN bool sl_record_valid_job_id(const char *s);
/* A node name is 1..255 bytes of [A-Za-z0-9._-], not starting with '.'. */
SL_HIDDEN bool sl_record_valid_node(const char *s);
/* A partition/account value: 1..255 bytes, no control characters. */
SL_HIDDEN bool sl_record_valid_value(const char *s);
/* A SLUID as Slurm prints it (src/common/sluid.c, print_sluid()): 's'
 * and 13 digits of Crockford's base32 (0-9, A-Z without I, L, O, U),
 * upper case, the first of them 0-F (it holds only the top 4 bits). The
 * same shape src/cgroup/cg_find.c accepts as a job directory. */
SL_HIDDEN bool sl_record_valid_sluid(const char *s);

/* Write (or replace) the record. Returns SL_RECORD_OK or SL_RECORD_ERROR. */
SL_HIDDEN int sl_record_write(const char *record_dir, const char *node,
		    const char *job_id, const sl_record_t *rec, char *msg,
		    size_t msglen);

/* Read the record into *rec. Returns SL_RECORD_OK, SL_RECORD_MISSING (no
 * record_dir, node directory or file: msg says which) or
 * SL_RECORD_ERROR (refused or unreadable: msg says why). */
SL_HIDDEN int sl_record_read(const char *record_dir, const char *node,
		   const char *job_id, sl_record_t *rec, char *msg,
		   size_t msglen);

/* Remove the record (only <record_dir>/<node>/<job_id>). Returns
 * SL_RECORD_OK, SL_RECORD_MISSING or SL_RECORD_ERROR. */
SL_HIDDEN int sl_record_remove(const char *record_dir, const char *node,
		     const char *job_id, char *msg, size_t msglen);

/*
 * The rule text slurmd compiled successfully at its start, kept as
 * <record_dir>/validated.rules (root's 0600, written through a temporary
 * file renamed into place) so that a step can still enforce it when the
 * config= file was since edited into an error. Load returns
 * SL_RECORD_OK with a malloc'ed NUL-terminated *text, SL_RECORD_MISSING,
 * or SL_RECORD_ERROR (refused: msg says why).
 */
SL_HIDDEN int sl_record_save_rules(const char *record_dir, const char *text,
				   size_t len, char *msg, size_t msglen);
SL_HIDDEN int sl_record_load_rules(const char *record_dir, size_t max,
				   char **text, size_t *len, char *msg,
				   size_t msglen);
/* Remove the copy (slurmd started with rules that do not compile). */
SL_HIDDEN void sl_record_forget_rules(const char *record_dir);

/* Write `name` in the open directory dfd (`shown_dir` names it in
 * messages) as root's 0600, through a temporary file renamed into place.
 * SL_RECORD_OK, or SL_RECORD_ERROR with msg (nothing left behind). */
SL_HIDDEN int sl_record_write_kept(int dfd, const char *shown_dir,
				   const char *name, const void *data,
				   size_t len, char *msg, size_t msglen);
/* Read all of a file the plugin keeps in record_dir, open as fd (`shown`
 * names it in messages): a regular file owned by this process's uid, mode
 * 0600 (and one link when one_link), at most max bytes. SL_RECORD_OK with
 * a malloc'ed *buf (NUL added, not counted in *len), or SL_RECORD_ERROR. */
SL_HIDDEN int sl_record_read_kept(int fd, const char *shown, size_t max,
				  bool one_link, char **buf, size_t *len,
				  char *msg, size_t msglen);

/* Open <record_dir> and <record_dir>/<node> (made when `create`), each
 * checked (root's, not a symbolic link, not writable by others): *nfd,
 * SL_RECORD_OK; else SL_RECORD_MISSING or SL_RECORD_ERROR with msg. */
SL_HIDDEN int sl_record_open_node_dir(const char *record_dir,
				      const char *node, bool create, int *nfd,
				      char *msg, size_t msglen);

#endif
