/*
 * slurm_spank_task_post_fork (spank.c; S_CTX_REMOTE, root, in slurmstepd):
 * give the step and its job the swap the rules grant on this node.
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
 * kept here for the end-of-step report (sl_step_applied()).
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

#include <unistd.h>

#include <slurm/slurm.h>
#include <slurm/spank.h>

#include "allowance.h"
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

/* Where a step's time went, for the log line ("phases_us="): the
 * administrator sees which part is slow without a profiler. */
enum { PH_SETUP, PH_RULES, PH_RECORD, PH_FIND, PH_LIMITS, PH_FACTS,
       PH_DECIDE, PH_WRITE, PH_COUNT };
static const char *const phase_names[PH_COUNT] = {
	"setup", "rules", "record", "find", "limits", "facts", "decide", "write",
};

const char *sl_proc_root = "/proc";

/* This process's step: handled once (task_post_fork runs once per local
 * task; only the first does the work), and what was found and decided:
 * the finder writes the cgroup paths straight into applied.paths. */
static bool step_done;
static sl_step_applied_t applied;

const sl_step_applied_t *sl_step_applied(void)
{
	return step_done ? &applied : NULL;
}

void sl_step_state_reset(void)
{
	step_done = false;
	memset(&applied, 0, sizeof(applied));
}

/* What one step's handling gathers, freed by step_free(). */
typedef struct {
	struct timespec t0;
	struct timespec t_mark;          /* end of the last phase */
	uint32_t phase_us[PH_COUNT];
	uint32_t job_id;
	char job[16];
	char step[32];
	const char *node;
	sl_record_t rec;
	bool have_rec;
	sl_names_t names;
	bool names_wanted;       /* the rules use user() or group() */
	uint32_t uid;            /* S_JOB_UID (credential) */
	uint32_t *gids;          /* S_JOB_GID then S_JOB_SUPPLEMENTARY_GIDS */
	size_t ngids;
	bool is_extern;          /* the extern step (PrologFlags=contain) */
	uint64_t step_cpus, step_tasks, step_ram, job_ram;
	uint64_t cores;          /* cores in S_JOB_ALLOC_CORES, 0: unknown */
	uint64_t job_cpus;       /* as used: the record's, else the cores */
	const char *job_cpus_from;
	uint64_t node_swap;
	uint64_t node_ram;       /* MemTotal (sysinfo), for /memshare */
	uint64_t node_cpus;      /* online CPUs, for /cpushare */
	sl_allow_in_t in;
	sl_allow_t d;
	sl_cg_report_t rep;
} step_t;


/* Close phase `ph`: the time since the previous mark is charged to it. */
static void phase_end(step_t *s, int ph)
{
	struct timespec t1;
	int64_t ns;

	if (clock_gettime(CLOCK_MONOTONIC, &t1) != 0)
		return;
	ns = (int64_t)(t1.tv_sec - s->t_mark.tv_sec) * 1000000000 +
	     (t1.tv_nsec - s->t_mark.tv_nsec);
	if (ns > 0)
		s->phase_us[ph] += (uint32_t)(ns / 1000 > UINT32_MAX
						      ? UINT32_MAX : ns / 1000);
	s->t_mark = t1;
}

/* " phases_us=setup:3,rules:12,..." (phases under 1 us left out). */
static void line_phases(line_t *l, const step_t *s)
{
	bool first = true;

	line_add(l, " phases_us=");
	for (int i = 0; i < PH_COUNT; i++) {
		if (!s->phase_us[i])
			continue;
		line_add(l, "%s%s:%" PRIu32, first ? "" : ",", phase_names[i],
			 s->phase_us[i]);
		first = false;
	}
	if (first)
		line_add(l, "-");
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
	char a[SL_SIZE_BUF], b[SL_SIZE_BUF], c[SL_SIZE_BUF], d[SL_SIZE_BUF];

	line_add(l, " facts: partition=%s account=%s%s",
		 s->have_rec && s->rec.has_partition ? s->rec.partition : "?",
		 s->have_rec && s->rec.has_account ? s->rec.account : "?",
		 SL_HAVE_JOB_PROLOG ? "" : " (" SL_PLUGIN_FILE ": no job prolog)");
	if (!s->names_wanted) {
		line_add(l, " uid=- gids=-");      /* unused by the rules */
	} else {
		line_add(l, " uid=%" PRIu32 " gids=", s->uid);
		for (size_t i = 0; i < s->ngids && i < GROUPS_SHOWN; i++)
			line_add(l, "%s%" PRIu32, i ? "," : "", s->gids[i]);
		if (s->ngids > GROUPS_SHOWN)
			line_add(l, ",+%zu", s->ngids - GROUPS_SHOWN);
	}
	line_add(l, " cpus=%" PRIu64 "%s job_cpus=%" PRIu64 "(%s) tasks=%" PRIu64
		    "%s job_tasks=%" PRIu64 " ram=%s job_ram=%s node_swap=%s"
		    " node_ram=%s node_cpus=%" PRIu64,
		 s->d.step_facts.cpus,
		 s->d.cpus_capped ? "(capped at the job's)" : "",
		 s->d.job_facts.cpus, s->job_cpus_from,
		 s->d.step_facts.tasks,
		 s->d.tasks_capped ? "(capped at the job's CPUs)" : "",
		 s->d.job_facts.tasks,
		 sl_size_format(s->step_ram, a, sizeof(a)),
		 sl_size_format(s->job_ram, b, sizeof(b)),
		 sl_size_format_finite(s->node_swap, c, sizeof(c)),
		 sl_size_format_finite(s->node_ram, d, sizeof(d)), s->node_cpus);
	/* The SLUID the job's cgroup directory was checked against (the
	 * prolog's, from the credential; "-": none, Slurm < 26.05). */
	line_add(l, " sluid=%s",
		 s->have_rec && s->rec.has_sluid ? s->rec.sluid : "-");
	if (s->have_rec && s->rec.has_gres)
		line_add(l, " gres=%" PRIu64, s->rec.gres_bytes);
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
		 reason, sl_elapsed_us(&s->t0));
	sl_log_info("%s", l.buf);
}

static void log_no_match(const step_t *s)
{
	line_t l = { .len = 0 };

	line_header(&l, s);
	line_add(&l, " term=none: %s; nothing written",
		 s->d.step.outcome == SL_NO_MATCH ? s->d.step.why : s->d.job.why);
	if (sl_option_swap())
		line_add(&l, " (request=%s not applied: %s)",
			 sl_option_swap()->text,
			 s->d.step_unenforceable
				 ? "cgroup v1 without a RAM limit cannot limit swap"
				 : "not below the limit Slurm set");
	if (sl_plugin_rules_from_copy())
		line_add(&l, " rules error: %s; used the rules slurmd validated "
			     "at start", sl_plugin_rules_error());
	line_add(&l, " elapsed_us=%" PRIu64, sl_elapsed_us(&s->t0));
	line_phases(&l, s);
	line_add(&l, " rules_from=%s", sl_plugin_rules_source());
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
	switch (s->d.source) {
	case SL_FROM_RULE:
		line_add(&l, " term=%zu (%s)", s->d.step.term, term ? term : "?");
		break;
	case SL_FROM_FALLBACK:
		line_add(&l, " term=fallback (%s; fallback=%s)", s->d.step.why,
			 sl_plugin_conf()->fallback ? sl_plugin_conf()->fallback
						    : "0 (default)");
		break;
	case SL_FROM_NOTHING:
		line_add(&l, " term=none (no term matched; the request lowers "
			     "the step, the job keeps what Slurm set)");
		break;
	}
	line_add(&l, " swap=%s job_swap=%s",
		 fmt_swap(s->d.step_swap, a, sizeof(a)),
		 fmt_swap(s->d.job_swap, b, sizeof(b)));
	if (s->d.step_unenforceable || s->d.job_unenforceable)
		line_add(&l, " (NOT enforceable in the %s cgroup%s: cgroup v1 "
			     "memory.memsw limits RAM+swap and there is no RAM "
			     "limit; set ConstrainRAMSpace=yes)",
			 s->d.job_unenforceable && s->d.step_unenforceable
				 ? "job and step"
			 : s->d.job_unenforceable ? "job" : "step",
			 s->d.job_unenforceable && s->d.step_unenforceable
				 ? "s" : "");
	if (sl_option_swap())
		line_add(&l, " request=%s%s", sl_option_swap()->text,
			 s->d.request_lowered ? " (lowered the step)"
			 : s->d.request_above ? " (above the grant: not applied)"
					      : " (not below the grant)");
	if (s->d.source == SL_FROM_RULE && s->d.job.term != s->d.step.term) {
		term = sl_result_term_text(bound, &s->d.job);
		line_add(&l, " job_term=%zu (%s)", s->d.job.term,
			 term ? term : "?");
	}
	if (s->is_extern)
		line_add(&l, " (extern step: evaluated for the whole job)");
	if (sl_plugin_rules_from_copy())
		line_add(&l, " error: rules invalid now (%s): enforcing the rules "
			     "slurmd validated at its start; fix them",
			 sl_plugin_rules_error());
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
	line_add(&l, " elapsed_us=%" PRIu64, sl_elapsed_us(&s->t0));
	line_phases(&l, s);
	line_add(&l, " rules_from=%s", sl_plugin_rules_source());
	line_add(&l, " why: step: %s; job: %s;", s->d.step.why, s->d.job.why);
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
			    "conditions cannot be decided for this step (the "
			    "fallback= allowance applies to a term that needs "
			    "them) and the job's CPUs are counted from its cores "
			    "(slurmd runs "
			    "the plugin's job prolog only when swaplimit was in "
			    "plugstack.conf at slurmd start: restart slurmd after "
			    "adding it)",
			    s->job, s->step, s->node, msg);
	else if (rc != SL_RECORD_OK)
		sl_log_warn("job=%s step=%s node=%s: partition/account record "
			    "unusable (%s): partition() and account() conditions "
			    "cannot be decided for this step (fallback= applies)",
			    s->job, s->step, s->node, msg);
}

/* The user asked for more swap than the rules grant: say what the step
 * got, once per step and node, in the step's own output. */
static void tell_over_grant(const step_t *s)
{
	char text[SL_REPORT_MAX];
	size_t n = sl_report_over_grant(s->node, s->job, s->step,
					sl_option_swap()->text,
					s->d.step_swap, text, sizeof(text));

	sl_user_say(text, n);
}

/* Everything but the cgroups and the record. Returns 0 or -1 (logged). */
static int gather_items(spank_t sp, const sl_bound_t *bound, step_t *s)
{
	char msg[SL_PLUGIN_ERR_MAX];
	uint16_t ncpus = 0;
	uint32_t ntasks = 0;
	char *cores = NULL;
	spank_err_t rc;

	/* NSS only when a rule asks about the user or the groups: a lookup
	 * has no timeout and sits on every step's launch path. */
	s->names_wanted = (sl_rules_uses(sl_bound_rules(bound)) &
			   (SL_USES_USER | SL_USES_GROUP)) != 0;
	if (s->names_wanted) {
		uid_t uid;
		gid_t gid;
		gid_t *sup = NULL;
		int nsup = 0;

		if ((rc = spank_get_item(sp, S_JOB_UID, &uid)) != ESPANK_SUCCESS ||
		    (rc = spank_get_item(sp, S_JOB_GID, &gid)) != ESPANK_SUCCESS) {
			step_fail(s, "cannot get the job's uid/gid: %s",
				  spank_strerror(rc));
			return -1;
		}
		if (spank_get_item(sp, S_JOB_SUPPLEMENTARY_GIDS, &sup, &nsup) !=
			    ESPANK_SUCCESS ||
		    nsup < 0 || !sup) {
			sup = NULL;
			nsup = 0;
		}
		if ((size_t)nsup > SL_FACTS_MAX_GROUPS)
			nsup = SL_FACTS_MAX_GROUPS;
		/* Ids from the credential, compared with the rules' names
		 * resolved once (plugin.c): no lookup here. */
		s->gids = calloc((size_t)nsup + 1, sizeof(*s->gids));
		if (!s->gids) {
			step_fail(s, "out of memory");
			return -1;
		}
		s->uid = (uint32_t)uid;
		s->gids[s->ngids++] = (uint32_t)gid;
		for (int i = 0; i < nsup; i++)
			s->gids[s->ngids++] = (uint32_t)sup[i];
	}
	if ((rc = spank_get_item(sp, S_JOB_NCPUS, &ncpus)) != ESPANK_SUCCESS ||
	    (rc = spank_get_item(sp, S_JOB_LOCAL_TASK_COUNT, &ntasks)) !=
		    ESPANK_SUCCESS) {
		if (!s->is_extern) {
			step_fail(s, "cannot get the step's CPUs/tasks: %s",
				  spank_strerror(rc));
			return -1;
		}
		ncpus = 0;
		ntasks = 0;
	}
	s->step_cpus = ncpus;
	s->step_tasks = ntasks;
	s->cores = 0;
	if (spank_get_item(sp, S_JOB_ALLOC_CORES, &cores) != ESPANK_SUCCESS ||
	    !cores || sl_count_cpu_list(cores, &s->cores) != 0) {
		s->cores = 0;
		sl_log_warn("job=%s step=%s node=%s: S_JOB_ALLOC_CORES \"%.64s\" "
			    "unusable: without the prolog's CPU count the job is "
			    "evaluated with the step's CPUs",
			    s->job, s->step, s->node, cores ? cores : "(none)");
	}
	/* The kernel's totals (one sysinfo call): swap for N% terms, RAM for
	 * /memshare. Slurm never lets a node's RealMemory exceed its RAM,
	 * nor its CPUs the online ones, so shares computed against these
	 * sum to at most 1 on the node (docs/rules.md). */
	if (sl_node_totals(&s->node_swap, &s->node_ram, msg, sizeof(msg)) != 0) {
		step_fail(s, "cannot read the node's swap: %s", msg);
		return -1;
	}
	/* glibc reads /sys/devices/system/cpu/online for this: only when a
	 * /cpushare term needs it (about 15 us on a step's launch path). */
	if (sl_rules_uses(sl_bound_rules(bound)) & SL_USES_NODE_CPUS) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		s->node_cpus = n > 0 ? (uint64_t)n : 0;
	}
	return 0;
}

/* Slurm's own swap limit of a cgroup (what stays when no term matches). */
static uint64_t slurm_swap(const char *dir)
{
	char msg[SL_CG_MSG_MAX];
	uint64_t v;

	if (sl_cg_read_swap_limit(applied.paths.version, dir, &v, msg,
				  sizeof(msg)) != 0)
		return SL_UNLIMITED_BYTES;
	return v;
}

/*
 * The CPUs the job holds on this node, a job-wide fact: the prolog's
 * count from the credential (SLURM_JOB_CPUS_PER_NODE, threads included),
 * else the cores of S_JOB_ALLOC_CORES. The record's count is believed
 * between the cores and SL_MAX_THREADS_PER_CORE threads per core (its
 * node index comes from the launch request).
 */
#define SL_MAX_THREADS_PER_CORE 8
static void job_cpus(step_t *s)
{
	if (s->have_rec && s->rec.has_cpus &&
	    (!s->cores || (s->rec.cpus >= s->cores &&
			   s->rec.cpus <= s->cores * SL_MAX_THREADS_PER_CORE))) {
		s->job_cpus = s->rec.cpus;
		s->job_cpus_from = "credential";
	} else if (s->cores) {
		s->job_cpus = s->cores;
		s->job_cpus_from = "cores";
	} else {
		s->job_cpus = 0;
		s->job_cpus_from = "unknown: the step's";
	}
}

static void handle_step(spank_t sp, int ac, char **av, step_t *s)
{
	char msg[SL_PLUGIN_ERR_MAX + SL_CG_MSG_MAX];
	const sl_bound_t *bound;
	const char *cgroup_root, *rdir;
	sl_cg_job_t want;
	uint32_t stepid;
	uid_t uid = 0;
	bool have_uid;
	pid_t pid;
	spank_err_t rc;
	long page;
	int arc;

	if ((rc = spank_get_item(sp, S_JOB_ID, &s->job_id)) != ESPANK_SUCCESS ||
	    (rc = spank_get_item(sp, S_JOB_STEPID, &stepid)) != ESPANK_SUCCESS) {
		step_fail(s, "cannot get the job/step id: %s",
			  spank_strerror(rc));
		return;
	}
	snprintf(s->job, sizeof(s->job), "%" PRIu32, s->job_id);
	sl_step_name(stepid, s->step, sizeof(s->step));
	/* The extern step (PrologFlags=contain: salloc --no-shell,
	 * pam_slurm_adopt) has no task of the user's, but it may be the only
	 * step of the allocation: it gives the job cgroup its allowance. */
	s->is_extern = stepid == SLURM_EXTERN_CONT;
	snprintf(applied.job, sizeof(applied.job), "%s", s->job);
	snprintf(applied.step, sizeof(applied.step), "%s", s->step);

	/* slurmstepd's own environment, set by slurmd: the step
	 * environment's SLURMD_NODENAME is the user's and can be wrong. */
	s->node = getenv("SLURMD_NODENAME");
	if (!sl_record_valid_node(s->node)) {
		s->node = NULL;
		step_fail(s, "SLURMD_NODENAME is missing or unusable in "
			     "slurmstepd's environment");
		return;
	}
	snprintf(applied.node, sizeof(applied.node), "%s", s->node);
	if (!sl_plugin_args(ac, av)) {
		step_fail(s, "plugin arguments invalid, swap limits NOT "
			     "enforced on this node: %s; fix the swaplimit line "
			     "in plugstack.conf",
			  sl_plugin_args_error());
		return;
	}
	phase_end(s, PH_SETUP);
	bound = sl_plugin_rules(s->node);
	phase_end(s, PH_RULES);
	if (!bound) {
		step_fail(s, "rules invalid, swap limits NOT enforced on this "
			     "node: %s; fix %s and restart slurmd",
			  sl_plugin_rules_error(),
			  sl_plugin_conf()->config ? sl_plugin_conf()->config
						   : "the rules= argument");
		return;
	}
	/* NULL: the memory controller's mount from /proc/self/mountinfo. */
	cgroup_root = sl_plugin_conf()->cgroup_root;
	rdir = sl_plugin_record_dir();

	if (s->is_extern) {
		/* Called with no task (task id -1): slurmstepd itself sits in
		 * the extern step's cgroup. */
		pid = getpid();
	} else if ((rc = spank_get_item(sp, S_TASK_PID, &pid)) !=
		   ESPANK_SUCCESS) {
		step_fail(s, "cannot get the task's pid: %s", spank_strerror(rc));
		return;
	}
	/* The record first: its SLUID (Slurm 26.05, from the credential)
	 * names the job's cgroup v2 directory. */
	phase_end(s, PH_SETUP);
	if (SL_HAVE_JOB_PROLOG)
		read_record(s, rdir);
	phase_end(s, PH_RECORD);
	have_uid = spank_get_item(sp, S_JOB_UID, &uid) == ESPANK_SUCCESS;
	sl_cg_want_fill(&want, s->job_id, stepid, have_uid, (uint32_t)uid,
			s->have_rec && s->rec.has_sluid ? s->rec.sluid : NULL);
	if (sl_cg_find_job(sl_proc_root, pid, cgroup_root, &want,
			   &applied.paths, msg, sizeof(msg)) != 0) {
		step_fail(s, "cannot find the %s memory cgroups: %s",
			  s->is_extern ? "extern step's" : "task's", msg);
		return;
	}
	sl_log_debug("job=%s step=%s node=%s: cgroups %s and %s checked "
		     "(job id%s%s%s%s)", s->job, s->step, s->node,
		     applied.paths.job_dir, applied.paths.step_dir,
		     want.check_step_id ? ", step id" : "",
		     have_uid ? ", uid" : "", want.sluid ? ", SLUID " : "",
		     want.sluid ? want.sluid : "");
	applied.found = true;
	phase_end(s, PH_FIND);
	if (sl_cg_read_ram_limit(applied.paths.version, applied.paths.step_dir,
				 &s->step_ram, msg, sizeof(msg)) != 0 ||
	    sl_cg_read_ram_limit(applied.paths.version, applied.paths.job_dir,
				 &s->job_ram, msg, sizeof(msg)) != 0) {
		step_fail(s, "cannot read the RAM limit: %s", msg);
		return;
	}
	phase_end(s, PH_LIMITS);
	if (gather_items(sp, bound, s) != 0)
		return;
	job_cpus(s);

	memset(&s->in, 0, sizeof(s->in));
	s->in.base.partition = s->have_rec && s->rec.has_partition
				       ? s->rec.partition : NULL;
	s->in.base.account = s->have_rec && s->rec.has_account
				     ? s->rec.account : NULL;
	/* Without the prolog's record the partition and account are not
	 * known: a rule on them cannot be decided (no falling through). */
	s->in.base.partition_unknown = !s->have_rec;
	s->in.base.account_unknown = !s->have_rec;
	/* The swap GRES from the prolog's record (slurmctld's answer). */
	s->in.base.gres_unknown = !(s->have_rec && s->rec.has_gres);
	s->in.base.gres_bytes = s->in.base.gres_unknown ? 0 : s->rec.gres_bytes;
	s->in.base.ids = true;
	s->in.base.uid = s->uid;
	s->in.base.gids = s->gids;
	s->in.base.ngids = s->ngids;
	s->in.base.node_swap_bytes = s->node_swap;
	s->in.node_mem_bytes = s->node_ram;
	s->in.node_cpus = s->node_cpus;
	s->in.job_cpus = s->job_cpus;
	s->in.job_ram = s->job_ram;
	s->in.step_cpus = s->step_cpus;
	s->in.step_tasks = s->step_tasks;
	s->in.step_ram = s->step_ram;
	s->in.whole_job_step = s->is_extern;
	s->in.request_given = sl_option_swap() != NULL;
	s->in.request = s->in.request_given ? sl_option_swap()->bytes : 0;
	s->in.fallback = sl_plugin_conf()->fallback_bytes;
	s->in.memsw = applied.paths.version == SL_CG_V1;
	page = sysconf(_SC_PAGESIZE);
	s->in.page_size = page > 0 ? (uint64_t)page : 0;
	s->in.slurm_job_swap = SL_UNLIMITED_BYTES;
	s->in.slurm_step_swap = SL_UNLIMITED_BYTES;
	if (s->in.request_given) {
		s->in.slurm_job_swap = slurm_swap(applied.paths.job_dir);
		s->in.slurm_step_swap = slurm_swap(applied.paths.step_dir);
	}
	phase_end(s, PH_FACTS);
	sl_allowance(bound, &s->in, &s->d);
	phase_end(s, PH_DECIDE);
	if (!s->d.write && (s->d.job_unenforceable || s->d.step_unenforceable) &&
	    s->d.source != SL_FROM_NOTHING) {
		char a[96];

		step_fail(s, "NOT enforceable: cgroup v1 without a RAM limit in "
			     "the %s cgroup (memory.memsw.limit_in_bytes limits "
			     "RAM+swap, so no swap limit, 0 included, can be "
			     "set there; the rules grant the step %s); set "
			     "ConstrainRAMSpace=yes in cgroup.conf",
			  s->d.job_unenforceable ? "job" : "step",
			  fmt_swap(s->d.grant, a, sizeof(a)));
		return;
	}
	if (!s->d.write) {
		log_no_match(s);
		return;
	}
	/* The grant for the step, before the request lowered it. */
	applied.decided = s->d.source != SL_FROM_NOTHING;
	applied.grant = s->d.step_unenforceable ? SL_UNLIMITED_BYTES
						: s->d.grant;

	arc = sl_cg_apply_ram(&applied.paths, s->job_ram, s->step_ram,
			      s->d.job_swap, s->d.step_swap, &s->rep, msg,
			      sizeof(msg));
	phase_end(s, PH_WRITE);
	log_applied(s, bound, arc == 0 ? NULL : msg);
	if (arc == 0) {
		if (s->rep.step_set)
			sl_handoff_publish(s->rep.step_limit);
		applied.done = true;
		applied.step_swap = s->d.step_swap;
		applied.job_swap = s->d.job_swap;
		if (s->d.request_above && s->d.source != SL_FROM_NOTHING &&
		    !s->is_extern)
			tell_over_grant(s);
	}
}

void sl_step_limits_apply(spank_t sp, int ac, char **av)
{
	step_t *s;

	if (step_done)
		return;
	step_done = true;

	/* step_t holds paths and a report: several KiB, keep it off
	 * slurmstepd's stack. */
	s = calloc(1, sizeof(*s));
	if (!s) {
		sl_log_error("out of memory; swap limits left as Slurm set them");
		return;
	}
	if (clock_gettime(CLOCK_MONOTONIC, &s->t0) != 0)
		memset(&s->t0, 0, sizeof(s->t0));
	s->t_mark = s->t0;
	snprintf(s->job, sizeof(s->job), "?");
	snprintf(s->step, sizeof(s->step), "?");
	handle_step(sp, ac, av, s);
	sl_names_free(&s->names);
	free(s->gids);
	free(s);
}
