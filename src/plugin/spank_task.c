/*
 * slurm_spank_task_post_fork (S_CTX_REMOTE, root, in slurmstepd): give the
 * step and its job the swap the rules grant on this node.
 *
 * Called once per local task, after the task is in its cgroup and before
 * it execs; the first call of the step does the work, the others return
 * at once. It gathers the job's facts from trusted sources only (see
 * facts.h and job_record.h), evaluates the rules for the step and for the
 * job, writes the limits (cgroup.h), and logs exactly one info line for
 * the step on this node, failures included ("error: <reason>"). A user's
 * --swap request (spank_option.c) lowers the step only; when it asks for
 * more than the rules grant, the user is told once, in the step's output
 * (sl_user_say), what the step got instead. What was found and decided is
 * kept in sl_state.applied for the end-of-step report.
 *
 * It never returns an error: a non-zero return from task_post_fork fails a
 * batch job and drains the node. Whatever goes wrong, the step runs on
 * with the limits Slurm set.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <slurm/slurm.h>
#include <slurm/spank.h>

#include "facts.h"
#include "job_record.h"
#include "plugin.h"
#include "size.h"
#include "step_report.h"

/* One log line; long enough for four cgroup paths in practice, and
 * truncated (never overflowed) beyond. */
#define LINE_MAX_LEN 4096
/* Group names shown in the log line; the rest are counted. */
#define GROUPS_SHOWN 8

typedef struct {
	char buf[LINE_MAX_LEN];
	size_t len;
} line_t;

__attribute__((format(printf, 2, 3)))
static void line_add(line_t *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= sizeof(l->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(l->buf) - l->len) {
		l->len = sizeof(l->buf) - 1;
		memcpy(l->buf + sizeof(l->buf) - 4, "...", 4);
	} else {
		l->len += (size_t)n;
	}
}

/* What one step's handling gathers, freed by step_free(). */
typedef struct {
	struct timespec t0;
	uint32_t job_id;
	char job[16];
	char step[32];
	const char *node;
	sl_cg_paths_t paths;
	sl_record_t rec;
	bool have_rec;
	sl_names_t names;
	sl_counts_t counts;
	const char *cores;       /* S_JOB_ALLOC_CORES, owned by Slurm */
	bool cores_ok;
	uint64_t node_swap;
	sl_decision_t d;
	bool over_grant;         /* --swap asked more than the rules grant */
	sl_cg_report_t rep;
} step_t;

static uint64_t elapsed_us(const struct timespec *t0)
{
	struct timespec t1;
	int64_t us;

	if (clock_gettime(CLOCK_MONOTONIC, &t1) != 0)
		return 0;
	us = (int64_t)(t1.tv_sec - t0->tv_sec) * 1000000 +
	     (t1.tv_nsec - t0->tv_nsec) / 1000;
	return us < 0 ? 0 : (uint64_t)us;
}

/* "250MiB (262144000 bytes)" or "unlimited (none)". */
static const char *fmt_swap(uint64_t bytes, char *buf, size_t size)
{
	char human[SL_SIZE_BUF];

	if (bytes == SL_UNLIMITED_BYTES)
		snprintf(buf, size, "unlimited (none)");
	else
		snprintf(buf, size, "%s (%" PRIu64 " bytes)",
			 sl_size_format(bytes, human, sizeof(human)), bytes);
	return buf;
}

static void line_header(line_t *l, const step_t *s)
{
	line_add(l, "job=%s step=%s node=%s", s->job, s->step,
		 s->node ? s->node : "?");
}

/* The facts the rules saw, for the administrator. */
static void line_facts(line_t *l, const step_t *s)
{
	char a[SL_SIZE_BUF], b[SL_SIZE_BUF], c[SL_SIZE_BUF];

	line_add(l, " facts: partition=%s account=%s user=%s groups=",
		 s->have_rec && s->rec.has_partition ? s->rec.partition : "?",
		 s->have_rec && s->rec.has_account ? s->rec.account : "?",
		 s->names.user ? s->names.user : "?");
	for (size_t i = 0; i < s->names.ngroups && i < GROUPS_SHOWN; i++)
		line_add(l, "%s%s", i ? "," : "", s->names.groups[i]);
	if (s->names.ngroups > GROUPS_SHOWN)
		line_add(l, ",+%zu", s->names.ngroups - GROUPS_SHOWN);
	if (s->names.ngroups == 0)
		line_add(l, "?");
	line_add(l, " cpus=%" PRIu64 " job_cpus=%" PRIu64 "%s tasks=%" PRIu64
		    " job_tasks=%" PRIu64 " ram=%s job_ram=%s node_swap=%s",
		 s->d.step_facts.cpus, s->d.job_facts.cpus,
		 s->cores_ok ? "" : "(alloc cores unknown)",
		 s->d.step_facts.tasks, s->d.job_facts.tasks,
		 sl_size_format(s->counts.step_ram, a, sizeof(a)),
		 sl_size_format(s->counts.job_ram, b, sizeof(b)),
		 sl_size_format(s->node_swap, c, sizeof(c)));
}

/*
 * Log a failure on one line; the step runs on with Slurm's limits.
 * At info level, with "error:" in the text: slurmstepd copies error-level
 * messages to the step's stderr (the user's job output), and a plugin's
 * configuration trouble is the administrator's, not the user's.
 */
__attribute__((format(printf, 2, 3)))
static void step_fail(const step_t *s, const char *fmt, ...)
{
	line_t l = { .len = 0 };
	char reason[LINE_MAX_LEN / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	line_header(&l, s);
	line_add(&l, " error: %s; swap limits left as Slurm set them "
		     "elapsed_us=%" PRIu64,
		 reason, elapsed_us(&s->t0));
	sl_log_info("%s", l.buf);
}

static void log_no_match(const step_t *s)
{
	line_t l = { .len = 0 };

	line_header(&l, s);
	line_add(&l, " term=none: %s; nothing written",
		 s->d.step.outcome == SL_NO_MATCH ? s->d.step.why : s->d.job.why);
	if (sl_state.request.given)
		line_add(&l, " (request=%s not applied)",
			 sl_state.request.value.text);
	line_add(&l, " elapsed_us=%" PRIu64, elapsed_us(&s->t0));
	line_facts(&l, s);
	sl_log_info("%s", l.buf);
}

static void log_applied(const step_t *s, const sl_bound_t *bound,
			const char *error)
{
	line_t l = { .len = 0 };
	char a[96], b[96];
	const char *term = sl_result_term_text(bound, &s->d.step);

	line_header(&l, s);
	line_add(&l, " term=%zu (%s) swap=%s job_swap=%s", s->d.step.term,
		 term ? term : "?", fmt_swap(s->d.step_swap, a, sizeof(a)),
		 fmt_swap(s->d.job_swap, b, sizeof(b)));
	if (sl_state.request.given)
		line_add(&l, " request=%s%s", sl_state.request.value.text,
			 s->d.request_lowered ? " (lowered the step)"
			 : s->over_grant    ? " (above the grant: not applied)"
					    : " (not below the grant)");
	if (s->d.job.term != s->d.step.term) {
		term = sl_result_term_text(bound, &s->d.job);
		line_add(&l, " job_term=%zu (%s)", s->d.job.term,
			 term ? term : "?");
	}
	if (s->rep.nwritten == 0)
		line_add(&l, " wrote nothing");
	else
		line_add(&l, " wrote");
	for (int i = 0; i < s->rep.nwritten && i < 4; i++)
		line_add(&l, " %s=%s", s->rep.written[i].path,
			 s->rep.written[i].value);
	if (error)
		line_add(&l, " then error: %s; the rest left unchanged",
			 error);
	line_add(&l, " elapsed_us=%" PRIu64 " why: step: %s; job: %s;",
		 elapsed_us(&s->t0), s->d.step.why, s->d.job.why);
	line_facts(&l, s);
	sl_log_info("%s", l.buf);   /* info even on error: see step_fail() */
}

/* Partition and account from the prolog's record; a warning when absent. */
static void read_record(step_t *s, const char *dir)
{
	char msg[SL_PLUGIN_ERR_MAX + 256];
	int rc = sl_record_read(dir, s->node, s->job, &s->rec, msg, sizeof(msg));

	s->have_rec = rc == SL_RECORD_OK;
	if (rc == SL_RECORD_MISSING)
		sl_log_warn("job=%s step=%s node=%s: no partition/account record "
			    "from the job prolog (%s): partition() and account() "
			    "conditions will not match for this step (slurmd runs "
			    "the plugin's job prolog only when swaplimit was in "
			    "plugstack.conf at slurmd start: restart slurmd after "
			    "adding it)",
			    s->job, s->step, s->node, msg);
	else if (rc != SL_RECORD_OK)
		sl_log_warn("job=%s step=%s node=%s: partition/account record "
			    "unusable (%s): partition() and account() conditions "
			    "will not match for this step",
			    s->job, s->step, s->node, msg);
}

/* The user asked for more swap than the rules grant: say what the step
 * got, once per step and node, in the step's own output. */
static void tell_over_grant(const step_t *s)
{
	char text[SL_REPORT_MAX];
	size_t n = sl_report_over_grant(s->node, s->job, s->step,
					sl_state.request.value.text,
					s->d.step_swap, text, sizeof(text));

	sl_user_say(text, n);
}

/* Everything but the cgroups and the record. Returns 0 or -1 (logged). */
static int gather_items(spank_t sp, step_t *s)
{
	char msg[SL_PLUGIN_ERR_MAX];
	uid_t uid;
	gid_t gid;
	gid_t *sup = NULL;
	int nsup = 0;
	uint16_t ncpus = 0;
	uint32_t ntasks = 0;
	char *cores = NULL;
	spank_err_t rc;

	if ((rc = spank_get_item(sp, S_JOB_UID, &uid)) != ESPANK_SUCCESS ||
	    (rc = spank_get_item(sp, S_JOB_GID, &gid)) != ESPANK_SUCCESS) {
		step_fail(s, "cannot get the job's uid/gid: %s",
			  spank_strerror(rc));
		return -1;
	}
	if (spank_get_item(sp, S_JOB_SUPPLEMENTARY_GIDS, &sup, &nsup) !=
		    ESPANK_SUCCESS ||
	    nsup < 0) {
		sup = NULL;
		nsup = 0;
	}
	if (sl_names_resolve(uid, gid, sup, (size_t)nsup, &s->names, msg,
			     sizeof(msg)) != 0) {
		step_fail(s, "%s", msg);
		return -1;
	}
	if ((rc = spank_get_item(sp, S_JOB_NCPUS, &ncpus)) != ESPANK_SUCCESS ||
	    (rc = spank_get_item(sp, S_JOB_LOCAL_TASK_COUNT, &ntasks)) !=
		    ESPANK_SUCCESS) {
		step_fail(s, "cannot get the step's CPUs/tasks: %s",
			  spank_strerror(rc));
		return -1;
	}
	s->counts.step_cpus = ncpus;
	s->counts.step_tasks = ntasks;
	s->counts.job_cpus = 0;
	if (spank_get_item(sp, S_JOB_ALLOC_CORES, &cores) == ESPANK_SUCCESS &&
	    cores && sl_count_cpu_list(cores, &s->counts.job_cpus) == 0) {
		s->cores_ok = true;
	} else {
		/* The job's CPUs fall back to the step's (facts.h). */
		s->counts.job_cpus = 0;
		sl_log_warn("job=%s step=%s node=%s: S_JOB_ALLOC_CORES \"%.64s\" "
			    "unusable: the job is evaluated with the step's CPUs",
			    s->job, s->step, s->node, cores ? cores : "(none)");
	}
	if (sl_meminfo_swap_total(NULL, &s->node_swap, msg, sizeof(msg)) != 0) {
		step_fail(s, "cannot read the node's swap: %s", msg);
		return -1;
	}
	return 0;
}

static void handle_step(spank_t sp, int ac, char **av, step_t *s)
{
	char msg[SL_PLUGIN_ERR_MAX + SL_CG_MSG_MAX];
	const sl_bound_t *bound;
	const char *cgroup_root, *rdir;
	uint32_t stepid;
	pid_t pid;
	sl_facts_t base;
	const uint64_t *request;
	spank_err_t rc;
	int arc;

	if ((rc = spank_get_item(sp, S_JOB_ID, &s->job_id)) != ESPANK_SUCCESS ||
	    (rc = spank_get_item(sp, S_JOB_STEPID, &stepid)) != ESPANK_SUCCESS) {
		step_fail(s, "cannot get the job/step id: %s",
			  spank_strerror(rc));
		return;
	}
	snprintf(s->job, sizeof(s->job), "%" PRIu32, s->job_id);
	sl_step_name(stepid, s->step, sizeof(s->step));
	if (stepid == SLURM_EXTERN_CONT)
		return;   /* no tasks of the user's; nothing to do */
	snprintf(sl_state.applied.job, sizeof(sl_state.applied.job), "%s",
		 s->job);
	snprintf(sl_state.applied.step, sizeof(sl_state.applied.step), "%s",
		 s->step);

	/* slurmstepd's own environment, set by slurmd: the step
	 * environment's SLURMD_NODENAME is the user's and can be wrong. */
	s->node = getenv("SLURMD_NODENAME");
	if (!sl_record_valid_node(s->node)) {
		s->node = NULL;
		step_fail(s, "SLURMD_NODENAME is missing or unusable in "
			     "slurmstepd's environment");
		return;
	}
	snprintf(sl_state.applied.node, sizeof(sl_state.applied.node), "%s",
		 s->node);
	if (!sl_plugin_args(ac, av)) {
		step_fail(s, "plugin arguments invalid, swap limits NOT "
			     "enforced on this node: %s; fix the swaplimit line "
			     "in plugstack.conf",
			  sl_state.args_error);
		return;
	}
	bound = sl_plugin_rules(s->node);
	if (!bound) {
		step_fail(s, "rules invalid, swap limits NOT enforced on this "
			     "node: %s; fix %s and restart slurmd",
			  sl_state.rules_error,
			  sl_state.args.config ? sl_state.args.config
					       : "the rules= argument");
		return;
	}
	cgroup_root = sl_state.args.cgroup_root ? sl_state.args.cgroup_root
						: SL_DEFAULT_CGROUP_ROOT;
	rdir = sl_state.args.record_dir ? sl_state.args.record_dir
					: SL_DEFAULT_RECORD_DIR;

	if ((rc = spank_get_item(sp, S_TASK_PID, &pid)) != ESPANK_SUCCESS) {
		step_fail(s, "cannot get the task's pid: %s", spank_strerror(rc));
		return;
	}
	if (sl_cg_find("/proc", pid, cgroup_root, &s->paths, msg,
		       sizeof(msg)) != 0) {
		step_fail(s, "cannot find the task's memory cgroups: %s", msg);
		return;
	}
	sl_state.applied.found = true;
	sl_state.applied.paths = s->paths;
	if (sl_cg_read_ram_limit(s->paths.version, s->paths.step_dir,
				 &s->counts.step_ram, msg, sizeof(msg)) != 0 ||
	    sl_cg_read_ram_limit(s->paths.version, s->paths.job_dir,
				 &s->counts.job_ram, msg, sizeof(msg)) != 0) {
		step_fail(s, "cannot read the RAM limit: %s", msg);
		return;
	}
	if (gather_items(sp, s) != 0)
		return;
	read_record(s, rdir);

	memset(&base, 0, sizeof(base));
	base.partition = s->have_rec && s->rec.has_partition ? s->rec.partition
							     : NULL;
	base.account = s->have_rec && s->rec.has_account ? s->rec.account
							 : NULL;
	base.user = s->names.user;
	base.groups = (const char *const *)s->names.groups;
	base.ngroups = s->names.ngroups;
	base.node_swap_bytes = s->node_swap;
	request = sl_state.request.given ? &sl_state.request.value.bytes : NULL;
	sl_decide(bound, &base, &s->counts, request, &s->d);
	if (!s->d.write) {
		log_no_match(s);
		return;
	}
	/* The rules' own grant for the step, before the request lowered it. */
	sl_state.applied.decided = true;
	sl_state.applied.grant = s->d.step.outcome == SL_LIMITED
					 ? s->d.step.swap_bytes
					 : SL_UNLIMITED_BYTES;
	s->over_grant = request && *request != SL_UNLIMITED_BYTES &&
			*request > s->d.step_swap;

	arc = sl_cg_apply(&s->paths, s->d.job_swap, s->d.step_swap, &s->rep,
			  msg, sizeof(msg));
	log_applied(s, bound, arc == 0 ? NULL : msg);
	if (arc == 0) {
		sl_state.applied.done = true;
		sl_state.applied.step_swap = s->d.step_swap;
		sl_state.applied.job_swap = s->d.job_swap;
		if (s->over_grant)
			tell_over_grant(s);
	}
}

int slurm_spank_task_post_fork(spank_t sp, int ac, char **av)
{
	step_t *s;

	if (spank_context() != S_CTX_REMOTE || sl_state.step_done)
		return ESPANK_SUCCESS;
	sl_state.step_done = true;

	/* step_t holds paths and a report: several KiB, keep it off
	 * slurmstepd's stack. */
	s = calloc(1, sizeof(*s));
	if (!s) {
		sl_log_error("out of memory; swap limits left as Slurm set them");
		return ESPANK_SUCCESS;
	}
	if (clock_gettime(CLOCK_MONOTONIC, &s->t0) != 0)
		memset(&s->t0, 0, sizeof(s->t0));
	snprintf(s->job, sizeof(s->job), "?");
	snprintf(s->step, sizeof(s->step), "?");
	handle_step(sp, ac, av, s);
	sl_names_free(&s->names);
	free(s);
	return ESPANK_SUCCESS;
}
