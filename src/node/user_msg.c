/*
 * sl_user_say(): text for the job's owner, from slurmstepd (user_msg.h).
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
 *
 * It never waits. A pipe whose reader does not read (a stopped srun, a
 * full pipe), a FIFO or a terminal nobody drains would block a plain
 * write(), and with it task_exit. The descriptor's open file is shared
 * with the user's task, so O_NONBLOCK must not be set on it: pipes, FIFOs
 * and terminals are opened again through /proc/self/fd/2, which gives our
 * own non-blocking open file of the same object; anything else that can
 * block (a socket) is written only in pieces poll() says fit. EAGAIN
 * drops the rest. Regular files are written directly.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "user_msg.h"

/* Write what fits now; returns when done or when it would wait. */
static void write_nowait(int fd, const char *text, size_t len, bool use_poll)
{
	while (len > 0) {
		size_t chunk = len;
		ssize_t n;

		if (use_poll) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			if (poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT))
				return;
			if (chunk > PIPE_BUF)
				chunk = PIPE_BUF;
		}
		n = write(fd, text, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;      /* EAGAIN (full, stopped reader), closed */
		text += n;
		len -= (size_t)n;
	}
}

void sl_user_say(const char *text, size_t len)
{
	struct stat st;
	int fd;

	if (!text || len == 0 || fstat(STDERR_FILENO, &st) != 0)
		return;
	if (S_ISREG(st.st_mode)) {
		write_nowait(STDERR_FILENO, text, len, false);
		return;
	}
	if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
		/* O_NONBLOCK: a FIFO without a reader fails (ENXIO) instead
		 * of waiting for one. */
		fd = open("/proc/self/fd/2",
			  O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (fd >= 0) {
			write_nowait(fd, text, len, false);
			close(fd);
			return;
		}
		if (errno == ENXIO)
			return;
	}
	write_nowait(STDERR_FILENO, text, len, true);
}
