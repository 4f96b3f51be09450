/*
 * A fake of the SPANK API slurmstepd/srun give the plugin, for unit tests
 * that drive the real entry points (src/plugin/spank.c) without a cluster.
 * The test sets the context and the items; log lines are captured.
 */
#ifndef SWAPLIMIT_FAKE_SPANK_H
#define SWAPLIMIT_FAKE_SPANK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <slurm/spank.h>

#define FAKE_MAX_OPTIONS 8

typedef struct {
	spank_context_t context;
	bool have_ids;            /* S_JOB_ID, S_JOB_STEPID */
	uint32_t job_id, step_id;
	uid_t uid;
	gid_t gid;
	uint16_t ncpus;           /* S_JOB_NCPUS */
	uint32_t ntasks;          /* S_JOB_LOCAL_TASK_COUNT */
	const char *cores;        /* S_JOB_ALLOC_CORES */
	pid_t task_pid;           /* S_TASK_PID */
	int exit_status;          /* S_TASK_EXIT_STATUS */
	/* spank_option_register */
	int noptions;
	struct spank_option options[FAKE_MAX_OPTIONS];
	/* every slurm_info/_error/_debug line, '\n'-separated */
	char log[16384];
	unsigned get_item_calls;
} fake_spank_t;

extern fake_spank_t fake;

/* Everything back to a remote (slurmstepd) context with no items. */
void fake_reset(void);
/* The registered option called `name`, or NULL. */
struct spank_option *fake_option(const char *name);

#endif
