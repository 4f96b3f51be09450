/*
 * swaplimit plugin: logging and symbol visibility.
 *
 * Every message the plugin logs starts with "swaplimit: " so that an
 * administrator can grep slurmd's log for it. Slurm's SPANK logging API
 * (slurm_info, slurm_error, slurm_debug) is provided by the loading
 * process (slurmd, slurmstepd, srun); the plugin does not link libslurm.
 *
 * The format argument must be a string literal: it is pasted after the
 * prefix at compile time, so -Wformat checks the whole line.
 */
#ifndef SWAPLIMIT_PLUGIN_LOG_H
#define SWAPLIMIT_PLUGIN_LOG_H

#include <slurm/spank.h>

/* Shared between the plugin's own files only; the version script hides
 * it anyway, this keeps it out of the dynamic symbol table at compile
 * time too. */
#ifndef SL_HIDDEN
#define SL_HIDDEN __attribute__((visibility("hidden")))
#endif

#define SL_LOG_PREFIX "swaplimit: "

#define sl_log_info(...)  slurm_info(SL_LOG_PREFIX __VA_ARGS__)
/* Slurm's SPANK API has no warning level: warnings are info lines that
 * say "warning:" so they show at the default SlurmdDebug=info. */
#define sl_log_warn(...)  slurm_info(SL_LOG_PREFIX "warning: " __VA_ARGS__)
#define sl_log_error(...) slurm_error(SL_LOG_PREFIX __VA_ARGS__)
#define sl_log_debug(...) slurm_debug(SL_LOG_PREFIX __VA_ARGS__)

#endif
