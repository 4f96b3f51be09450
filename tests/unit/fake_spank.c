/* A fake of the SPANK API: see fake_spank.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_spank.h"

fake_spank_t fake;

void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.context = S_CTX_REMOTE;
}

struct spank_option *fake_option(const char *name)
{
	for (int i = 0; i < fake.noptions; i++)
		if (strcmp(fake.options[i].name, name) == 0)
			return &fake.options[i];
	return NULL;
}

__attribute__((format(printf, 2, 0)))
static void log_line(const char *level, const char *fmt, va_list ap)
{
	size_t n = strlen(fake.log);

	snprintf(fake.log + n, sizeof(fake.log) - n, "%s: ", level);
	n = strlen(fake.log);
	vsnprintf(fake.log + n, sizeof(fake.log) - n, fmt, ap);
	n = strlen(fake.log);
	if (n + 1 < sizeof(fake.log)) {
		fake.log[n] = '\n';
		fake.log[n + 1] = '\0';
	}
}

#define LOGGER(fn, level)                       \
	void fn(const char *fmt, ...)           \
	{                                       \
		va_list ap;                     \
		va_start(ap, fmt);              \
		log_line(level, fmt, ap);       \
		va_end(ap);                     \
	}
LOGGER(slurm_info, "info")
LOGGER(slurm_error, "error")
LOGGER(slurm_debug, "debug")

spank_context_t spank_context(void)
{
	return fake.context;
}

const char *spank_strerror(spank_err_t err)
{
	return err == ESPANK_SUCCESS ? "Success" : "fake SPANK error";
}

spank_err_t spank_option_register(spank_t sp, struct spank_option *opt)
{
	(void)sp;
	if (fake.noptions >= FAKE_MAX_OPTIONS)
		return ESPANK_ERROR;
	fake.options[fake.noptions++] = *opt;
	return ESPANK_SUCCESS;
}

spank_err_t spank_get_item(spank_t sp, spank_item_t item, ...)
{
	va_list ap;
	spank_err_t rc = ESPANK_SUCCESS;

	(void)sp;
	fake.get_item_calls++;
	va_start(ap, item);
	switch (item) {
	case S_JOB_ID:
		if (fake.have_ids)
			*va_arg(ap, uint32_t *) = fake.job_id;
		else
			rc = ESPANK_ERROR;
		break;
	case S_JOB_STEPID:
		if (fake.have_ids)
			*va_arg(ap, uint32_t *) = fake.step_id;
		else
			rc = ESPANK_ERROR;
		break;
	case S_JOB_UID:
		*va_arg(ap, uid_t *) = fake.uid;
		break;
	case S_JOB_GID:
		*va_arg(ap, gid_t *) = fake.gid;
		break;
	case S_JOB_SUPPLEMENTARY_GIDS:
		*va_arg(ap, gid_t **) = NULL;
		*va_arg(ap, int *) = 0;
		break;
	case S_JOB_NCPUS:
		*va_arg(ap, uint16_t *) = fake.ncpus;
		break;
	case S_JOB_LOCAL_TASK_COUNT:
		*va_arg(ap, uint32_t *) = fake.ntasks;
		break;
	case S_JOB_ALLOC_CORES:
		if (fake.cores)
			*va_arg(ap, char **) = (char *)fake.cores;
		else
			rc = ESPANK_ERROR;
		break;
	case S_TASK_PID:
		*va_arg(ap, pid_t *) = fake.task_pid;
		break;
	case S_TASK_EXIT_STATUS:
		*va_arg(ap, int *) = fake.exit_status;
		break;
	default:
		rc = ESPANK_ERROR;
		break;
	}
	va_end(ap);
	return rc;
}

spank_err_t spank_getenv(spank_t sp, const char *var, char *buf, int len)
{
	(void)sp;
	(void)var;
	(void)buf;
	(void)len;
	return ESPANK_ENV_NOEXIST;
}

spank_err_t spank_setenv(spank_t sp, const char *var, const char *val,
			 int overwrite)
{
	(void)sp;
	return setenv(var, val, overwrite) == 0 ? ESPANK_SUCCESS : ESPANK_ERROR;
}

spank_err_t spank_unsetenv(spank_t sp, const char *var)
{
	(void)sp;
	return unsetenv(var) == 0 ? ESPANK_SUCCESS : ESPANK_ERROR;
}
