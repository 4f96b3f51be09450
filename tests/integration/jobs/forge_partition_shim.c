/*
 * LD_PRELOAD shim for srun: when SWL_FORGE_PARTITION is set, every
 * setenv("SLURM_JOB_PARTITION", ...) that srun makes writes the forged value
 * instead, so the step environment carries a partition the job is not in.
 * This is what a user can do; swaplimit must not believe it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

int setenv(const char *name, const char *value, int overwrite)
{
	static int (*real_setenv)(const char *, const char *, int);
	if (!real_setenv)
		real_setenv = (int (*)(const char *, const char *, int))
			dlsym(RTLD_NEXT, "setenv");
	const char *forged = getenv("SWL_FORGE_PARTITION");
	if (forged && name && strcmp(name, "SLURM_JOB_PARTITION") == 0)
		value = forged;
	return real_setenv(name, value, overwrite);
}
