/*
 * Text for the job's owner, written from slurmstepd (no SPANK calls).
 */
#ifndef SWAPLIMIT_USER_MSG_H
#define SWAPLIMIT_USER_MSG_H

#include <stddef.h>

#ifndef SL_HIDDEN
#define SL_HIDDEN __attribute__((visibility("hidden")))
#endif

/* slurmstepd: write text to the user's step output. From task_post_fork
 * on, slurmstepd's stderr is task 0's stderr (Slurm dup2()s it there to
 * copy its own errors to the user): srun's stderr, or the batch step's
 * output file. Short writes are continued; EAGAIN (a pty) drops the rest.
 * Never waits (user_msg.c). */
SL_HIDDEN void sl_user_say(const char *text, size_t len);

#endif
