/*
 * swaplimit cgroup writer: find a task's job and step memory cgroups and
 * write swap limits into them, for cgroup v1 (memory.memsw.limit_in_bytes)
 * and cgroup v2 (memory.swap.max).
 *
 * No SPANK calls and no logging: every function reports failure through a
 * return value and a message buffer, and the caller (the plugin) logs it.
 * Nothing here ever aborts the job.
 */
#ifndef SWAPLIMIT_CGROUP_H
#define SWAPLIMIT_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SL_CG_MSG_MAX 512
/* "No limit" (v1 -1 / v2 "max"), same value as SL_UNLIMITED_BYTES. */
#define SL_CG_UNLIMITED UINT64_MAX

typedef enum { SL_CG_V1 = 1, SL_CG_V2 = 2 } sl_cg_version_t;

typedef struct {
	sl_cg_version_t version;
	/* Absolute directories. v1: .../job_X and .../job_X/step_Y.
	 * v2: .../<job_X or SLUID> and .../step_Y/user (where Slurm writes
	 * its limits), or .../step_Y when there is no user/ child. */
	char job_dir[PATH_MAX];
	char step_dir[PATH_MAX];
} sl_cg_paths_t;

/*
 * Locate the memory cgroups of task `pid` by reading
 * <proc_root>/<pid>/cgroup (never by rebuilding Slurm's path).
 * NULL proc_root means /proc.
 * Version: v1 when a line's controller list holds "memory", else v2 when
 * there is a "0::" line (and the v2 mount's cgroup.controllers lists
 * memory).
 * Mount: cgroup_root NULL: from <proc_root>/self/mountinfo, the v1
 * "cgroup" mount whose super options hold memory, or the "cgroup2" mount
 * (the mount's root, field 4, is cut off the task's path). cgroup_root
 * given: v1 memory is <cgroup_root>/memory, v2 <cgroup_root> itself.
 * Layouts recognised (anything else is refused):
 *   v1  .../slurm[_<node>]/uid_<uid>/job_<id>/step_<s>[/task_<n>]
 *       (Slurm 22.05 to 26.05)
 *   v2  .../<slice>/[<node>_]slurmstepd.scope/<job>/step_<s>[/user/task_<n>]
 *       <job> = job_<id> (22.05 to 25.11; 26.05 with CgroupJobIdPaths=yes)
 *       or the job's SLUID, "s" + 13 Crockford base32 (26.05 default);
 *       <slice> is system.slice or CgroupSlice (25.11+)
 *   <s> = <n>, <n>+<het component>, batch, extern or interactive.
 * job_dir is .../job_<id> (or .../<SLUID>); step_dir is .../step_<s>, on
 * v2 .../step_<s>/user (where Slurm writes the step's limits) when that
 * directory exists. Both must be directories.
 * Returns 0, or -1 with a message naming the file and the cause (task
 * exited; no memory controller; task not in Slurm's job cgroups;
 * unrecognised layout, quoted) and *out emptied (version 0, both paths
 * "").
 */
int sl_cg_find(const char *proc_root, pid_t pid, const char *cgroup_root,
	       sl_cg_paths_t *out, char *msg, size_t msglen);

/* S_JOB_STEPID values of Slurm's special steps (slurm.h). */
#define SL_CG_STEP_INTERACTIVE 0xfffffffaU
#define SL_CG_STEP_BATCH       0xfffffffbU
#define SL_CG_STEP_EXTERN      0xfffffffcU

/* What the caller knows of the task's job: sl_cg_find_job() refuses a
 * cgroup that is not that job's. Each check is optional. */
typedef struct {
	bool check_job_id;
	uint32_t job_id;        /* S_JOB_ID: must equal job_<id> (v1, v2) */
	bool check_step_id;
	uint32_t step_id;       /* S_JOB_STEPID: step_<id>[+<comp>], step_batch... */
	bool check_uid;
	uid_t uid;              /* S_JOB_UID: must equal v1 uid_<uid> */
	/* The job's SLUID ("s" + 13 characters, Slurm 26.05+), from a
	 * source the user cannot forge (the job prolog's SLURM_JOB_SLUID),
	 * or NULL (or ""). Given: a SLUID job directory must be exactly this
	 * one. NULL: any SLUID-shaped directory is accepted (a job_<id> one
	 * is still checked against job_id). */
	const char *sluid;
} sl_cg_job_t;

/* sl_cg_find() plus the checks in *job (NULL: none, = sl_cg_find()). A
 * mismatch is -1 with a message naming both values. */
int sl_cg_find_job(const char *proc_root, pid_t pid, const char *cgroup_root,
		   const sl_cg_job_t *job, sl_cg_paths_t *out, char *msg,
		   size_t msglen);

/* Read a cgroup's RAM limit (v1 memory.limit_in_bytes, v2 memory.max).
 * SL_CG_UNLIMITED when there is none: v2 "max", v1 any value >=
 * PAGE_COUNTER_MAX * page size (9223372036854771712 with 4 KiB pages).
 * Anything but a decimal (and "max" on v2) is an error quoting the
 * content. */
int sl_cg_read_ram_limit(sl_cg_version_t v, const char *dir, uint64_t *out,
			 char *msg, size_t msglen);

/* What sl_cg_apply() did, for the log line. */
typedef struct {
	/* Both written: the step's swap limit as the kernel now holds it,
	 * i.e. what sl_cg_read_swap_limit() would read (SL_CG_UNLIMITED for
	 * none). */
	bool step_set;
	uint64_t step_limit;
	int nwritten;
	struct {
		char path[PATH_MAX];
		char value[32];          /* as written: "367001600", "-1", "max" */
	} written[4];
} sl_cg_report_t;

/*
 * Give the job cgroup `job_swap` bytes of swap and the step cgroup
 * `step_swap` (SL_CG_UNLIMITED for no limit).
 *   v1: memory.memsw.limit_in_bytes = memory.limit_in_bytes + swap, job and
 *       step, the step first, without reading the current memsw values
 *       (the kernel checks memsw only against the same cgroup's RAM limit
 *       and usage; a step's pages are charged to its job, so a step
 *       briefly above its job is still held by the job's limit; a job
 *       already above its new limit, EBUSY, leaves the new step limited);
 *       memsw never below the RAM limit; unlimited writes -1. A missing
 *       memsw file means no swap accounting (error, nothing written).
 *   v2: memory.swap.max = swap (or "max") in both, job first, then step;
 *       a missing memory.swap.max is an error.
 * Values: v1 "-1" / v2 "max" when the swap (or v1 limit + swap, or the
 * RAM limit) reaches the kernel's "no limit".
 * Both files are opened (O_WRONLY|O_CLOEXEC|O_NOFOLLOW|O_NONBLOCK, regular
 * files only) before the first write, so a missing file, a symbolic link,
 * a vanished cgroup or garbage writes nothing. Each value goes in one
 * write(); a short write is an error. On the first failure it stops,
 * returns -1 and describes it (file, value, errno name, what it means:
 * EBUSY usage above the new limit, EINVAL memsw below memory limit,
 * ENOENT/ENODEV the task exited, EACCES/EPERM, EROFS, ELOOP); the message
 * ends with "nothing written" or "already written: <path>", and what was
 * written stays in *rep.
 */
int sl_cg_apply(const sl_cg_paths_t *paths, uint64_t job_swap,
		uint64_t step_swap, sl_cg_report_t *rep, char *msg,
		size_t msglen);

/* sl_cg_apply() with the RAM limits the caller has just read with
 * sl_cg_read_ram_limit() (job, step): v1 does not read them again. */
int sl_cg_apply_ram(const sl_cg_paths_t *paths, uint64_t job_ram,
		    uint64_t step_ram, uint64_t job_swap, uint64_t step_swap,
		    sl_cg_report_t *rep, char *msg, size_t msglen);

/* A cgroup's swap limit as the kernel enforces it: v1
 * memory.memsw.limit_in_bytes - memory.limit_in_bytes, v2 memory.swap.max;
 * SL_CG_UNLIMITED when there is none. -1 with a message when a file is
 * missing (no swap accounting) or garbage. Reads only the limit files:
 * cheap enough for every task launch. */
int sl_cg_read_swap_limit(sl_cg_version_t v, const char *dir, uint64_t *out,
			  char *msg, size_t msglen);

/* Peak and OOM figures of a step cgroup, for the end-of-step report.
 * Only the RAM limit is required (else -1: the cgroup is gone); a missing
 * or unparsable optional file leaves its figure 0. v1 peak_swap is a lower
 * bound (memsw peak - RAM peak); v1 oom_kills sums dir and its direct
 * subdirectories (task_N: v1 counts a kill only in the victim's cgroup);
 * v2 peak_ram_swap is an upper bound (peak + swap.peak); without
 * memory.swap.peak (< 6.5) v2 peak_swap is swap.current. swap_now: v1
 * total_swap of memory.stat, v2 memory.swap.current. have_swap_figures:
 * v1 memsw limit and max_usage read, v2 swap.max and swap.current read. */
typedef struct {
	uint64_t ram_limit, swap_limit;       /* swap_limit: memsw-limit - limit (v1) */
	uint64_t peak_ram, peak_ram_swap;     /* v1 max_usage / memsw.max_usage; v2 peak, peak+swap.peak */
	uint64_t peak_swap;                   /* derived or swap.peak */
	uint64_t swap_now;                    /* bytes of swap in use now */
	uint64_t oom_kills;                   /* oom_kill count */
	uint64_t memsw_failcnt;               /* v1 memory.memsw.failcnt, v2 swap.events max */
	bool have_swap_figures;
} sl_cg_usage_t;

int sl_cg_read_usage(sl_cg_version_t v, const char *dir, sl_cg_usage_t *out,
		     char *msg, size_t msglen);

/* SwapTotal of a meminfo file, in bytes (NULL: the running kernel's,
 * from sysinfo(2), the same figure). The node's total swap, for rules
 * that use a percent of it. */
/* The node's total swap and RAM (MemTotal) from sysinfo(2), in bytes;
 * either pointer may be NULL. 0, or -1 with msg. */
int sl_node_totals(uint64_t *swap_bytes, uint64_t *ram_bytes, char *msg,
		   size_t msglen);

int sl_meminfo_swap_total(const char *path, uint64_t *bytes, char *msg,
			  size_t msglen);

#endif
