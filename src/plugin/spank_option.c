/*
 * The job owner's options: --swap=SIZE|none and --swap-report.
 *
 * Registered in slurm_spank_init in srun/sbatch/salloc (so that they show
 * in --help and are accepted) and in slurmstepd (so that the value given
 * to the client reaches the step). Slurm calls the callbacks:
 *   srun/sbatch/salloc  once, while parsing the command line: a malformed
 *                       value is refused there, with the accepted forms,
 *                       before anything is submitted;
 *   slurmstepd          at step start, twice (the callbacks must be
 *                       idempotent); an sbatch/salloc value reaches the
 *                       sruns inside through the environment, and an inner
 *                       srun's own --swap replaces it.
 * The value is kept here for task_post_fork (where spank_option_getopt
 * does not work): sl_option_swap().
 */
#include <stdio.h>
#include <string.h>

#include <slurm/spank.h>

#include "plugin.h"
#include "swap_option.h"

/* What this process's callbacks received. */
static struct {
	bool given;
	sl_swap_request_t value;
	bool report_wanted;
} opt;

static int swap_cb(int val, const char *optarg, int remote);
static int report_cb(int val, const char *optarg, int remote);

static struct spank_option options[] = {
	{
		"swap", "SIZE|none",
		"swap for each step on each node, written as for --mem (a "
		"bare number is MiB; K, M, G, T suffixes); at most what the "
		"site's swaplimit rules grant; 0: never swap; none: all they "
		"grant (the default)",
		1, 0, swap_cb,
	},
	{
		"swap-report", NULL,
		"print each step's peak RAM and swap use, on each node, when "
		"the step ends (printed anyway when the step swapped)",
		0, 0, report_cb,
	},
};

static int swap_cb(int val, const char *optarg, int remote)
{
	char msg[512];
	sl_swap_request_t r;

	(void)val;
	if (sl_swap_option_parse(optarg, &r, msg, sizeof(msg)) != 0) {
		if (!remote) {
			/* srun/sbatch/salloc print this on stderr and
			 * refuse the command. */
			slurm_error("swaplimit: %s", msg);
			return -1;
		}
		/* A node never fails a step for this: log, go without. */
		sl_log_info("the job's %s; ignored, the rules' grant applies",
			    msg);
		opt.given = false;
		return 0;
	}
	opt.given = true;
	opt.value = r;
	return 0;
}

static int report_cb(int val, const char *optarg, int remote)
{
	(void)val;
	(void)optarg;
	(void)remote;
	opt.report_wanted = true;
	return 0;
}

const sl_swap_request_t *sl_option_swap(void)
{
	return opt.given ? &opt.value : NULL;
}

bool sl_option_report_wanted(void)
{
	return opt.report_wanted;
}

void sl_options_reset(void)
{
	memset(&opt, 0, sizeof(opt));
}

void sl_options_register(spank_t sp)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		spank_err_t rc = spank_option_register(sp, &options[i]);

		if (rc != ESPANK_SUCCESS)
			sl_log_info("cannot register the --%s option: %s",
				    options[i].name, spank_strerror(rc));
	}
}
