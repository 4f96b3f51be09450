/*
 * What swaplimit tells a job's owner, and logs for the administrator,
 * about one step on one node: the end-of-step figures (peak RAM of its
 * limit, peak swap of its allowance), why an OOM-killed step was killed
 * and what to ask for next time, and the notice that a --swap request was
 * more than the rules grant.
 *
 * Pure C: no SPANK calls, no logging, no I/O (the SPANK layer reads the
 * cgroup and writes the texts: spank_task_exit.c, spank_task.c).
 */
#ifndef SWAPLIMIT_STEP_REPORT_H
#define SWAPLIMIT_STEP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"

#ifndef SL_HIDDEN
#define SL_HIDDEN __attribute__((visibility("hidden")))
#endif

/* Room for any text built here. */
#define SL_REPORT_MAX 1024
/* Room for any sl_report_size() result ("18446744073709551614B" is the
 * longest, shown as "16384PiB"). */
#define SL_REPORT_SIZE_BUF 32

typedef struct {
	const char *node;          /* "node1" */
	const char *job;           /* "123" */
	const char *step;          /* "0", "batch" */
	sl_cg_usage_t usage;       /* the step cgroup's figures */
	bool have_job;             /* job_usage was read */
	sl_cg_usage_t job_usage;   /* the job cgroup's (all its steps on
				    * the node: the batch step too) */
	/* What the plugin decided for the step on this node; false when it
	 * did not (no term matched, or an error): then grant is unknown. */
	bool decided;
	uint64_t grant;            /* the rules' step allowance, before any
				    * request (UINT64_MAX: unlimited) */
	bool request_given;        /* --swap was given */
	uint64_t request;          /* its bytes (UINT64_MAX: none) */
	const char *request_text;  /* as the user wrote it */
	bool report_wanted;        /* --swap-report */
} sl_report_in_t;

typedef enum {
	SL_END_QUIET,          /* not OOM-killed, no swap used: log only */
	SL_END_USAGE,          /* swap used (or --swap-report): one line */
	SL_END_OOM_NO_SWAP,    /* OOM-killed at its RAM limit, no swap allowed */
	SL_END_OOM_SWAP_LEFT,  /* OOM-killed at its RAM limit, its swap
				* allowance not used up (or unlimited, or
				* unknown) */
	SL_END_OOM_SWAP_FULL,  /* OOM-killed with RAM and swap allowance
				* used up */
	SL_END_OOM_JOB_FULL,   /* OOM-killed when the JOB's RAM and swap
				* (shared by its steps on the node) were
				* used up, not the step's own */
} sl_end_verdict_t;

SL_HIDDEN sl_end_verdict_t sl_report_verdict(const sl_report_in_t *in);

/* The verdict's name in the log line ("oom-ram-and-swap", ...). */
SL_HIDDEN const char *sl_report_verdict_name(sl_end_verdict_t v);

/*
 * The text for the user: empty for SL_END_QUIET (without --swap-report),
 * otherwise one or two lines, each starting "swaplimit: " and ending
 * with '\n':
 *   swaplimit: node1 step 123.0: peak RAM 100MiB of 100MiB, peak swap 40MiB of 64MiB
 * or, when OOM-killed, which limit was hit, the figures, and what to ask
 * for next time. Returns the length.
 */
SL_HIDDEN size_t sl_report_user(const sl_report_in_t *in, char *buf,
				size_t size);

/*
 * The log line (no prefix, no newline), always:
 *   usage: job=123 step=0 node=node1 peak RAM 100MiB of 100MiB, peak swap
 *   40MiB of 64MiB; job peak RAM 100MiB of 100MiB, peak swap 40MiB of
 *   250MiB; oom_kills=0 swap_limit_hits=0 grant=64MiB request=- report=no
 *   verdict=swap-used
 */
SL_HIDDEN void sl_report_log(const sl_report_in_t *in, char *buf,
			     size_t size);

/*
 * The notice for a --swap request above the rules' grant (one line,
 * ending with '\n'):
 *   swaplimit: node1 step 123.0: --swap=1G is more than this site grants
 *   here; the step has 250MiB of swap, the most the rules allow it on node1
 */
SL_HIDDEN size_t sl_report_over_grant(const char *node, const char *job,
				      const char *step,
				      const char *request_text,
				      uint64_t grant, char *buf, size_t size);

/* Sizes for people, in the largest unit they reach, rounded to the
 * nearest hundredth: "100MiB", "1.5GiB", "41.3MiB", "1000B", "unlimited"
 * (UINT64_MAX). Returns buf. */
SL_HIDDEN const char *sl_report_size(uint64_t bytes, char *buf, size_t size);

#endif
