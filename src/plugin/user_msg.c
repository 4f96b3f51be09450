/*
 * sl_user_say(): text for the job's owner, from slurmstepd (plugin.h).
 *
 * Before it forks the tasks, slurmstepd dup2()s task 0's stderr onto its
 * own stderr so that its error messages reach the user (Slurm 22.05
 * mgr.c, _slurmd_job_log_init()); for an srun step that is the pipe to
 * srun's stderr, for a batch step the job's output (or --error) file.
 * Slurm's own error() lines there carry "slurmstepd: error:" and go to
 * slurmd's log at error level too; writing the text ourselves keeps the
 * user's line plain and the administrator's log free of false errors.
 * When the srun step's I/O is closed (after the last task exited, before
 * slurm_spank_exit), Slurm points that stderr at /dev/null: the text is
 * then lost, harmlessly.
 */
#include <errno.h>
#include <unistd.h>

#include "plugin.h"

void sl_user_say(const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;      /* EAGAIN (a pty), closed: drop it */
		text += n;
		len -= (size_t)n;
	}
}
