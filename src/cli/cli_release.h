/*
 * Which Slurm release a plugin file was built for, read from the file
 * without loading it, against the Slurm this machine runs: the release
 * part of `swaplimit check --plugstack`. See src/cli/cli_release.c.
 */
#ifndef SWAPLIMIT_CLI_RELEASE_H
#define SWAPLIMIT_CLI_RELEASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The identification symbols of a Slurm plugin (SPANK_PLUGIN() defines
 * them in every SPANK plugin), as recorded in its file. */
typedef struct {
	uint32_t version;  /* plugin_version: the SLURM_VERSION_NUMBER it was
			    * built with, (major << 16) | (minor << 8) | micro */
	char type[32];     /* plugin_type: "spank" for a SPANK plugin */
	char name[64];     /* plugin_name */
} sl_plugin_info_t;

/* Largest plugin file read (bytes). */
#define SL_PLUGIN_FILE_MAX (64u << 20)

/*
 * Find plugin_version, plugin_type and plugin_name in an ELF shared object
 * held in memory (ELF32/ELF64, either byte order) through its dynamic
 * symbol table. Nothing in it is executed; every offset is bounds-checked.
 * Returns 0, or -1 with a message (not ELF, truncated, not a Slurm
 * plugin...).
 */
int sl_plugin_info_parse(const unsigned char *buf, size_t len,
			 sl_plugin_info_t *pi, char *msg, size_t msglen);

/* The same from a file (a regular file of at most SL_PLUGIN_FILE_MAX
 * bytes, read with read(2), never mapped or loaded). */
int sl_plugin_info_read(const char *path, sl_plugin_info_t *pi, char *msg,
			size_t msglen);

/* "22.05.8" from 0x160508; with micro false, "22.05". */
void sl_slurm_release_format(uint32_t v, int with_micro, char *buf,
			     size_t len);

/* The Slurm release whose libslurm has API_CURRENT `api` (the soname
 * number: libslurm.so.38 is 22.05), as SLURM_VERSION_NUM(major, minor, 0);
 * 0 when this swaplimit does not know it. */
uint32_t sl_slurm_release_of_api(unsigned api);

/* The swaplimit.so line of a plugstack.conf, found as Slurm reads it. */
typedef struct {
	char kind[16];      /* "required" or "optional" */
	char path[4096];    /* the plugin path as written */
	char file[4096];    /* the plugstack file (or included file) */
	unsigned line;      /* its line number there */
} sl_plugstack_so_t;

/* Returns 1 when found, 0 when no line loads swaplimit.so, -1 with a
 * message when a file cannot be read. */
int sl_plugstack_find_so(const char *plugstack, sl_plugstack_so_t *so,
			 char *msg, size_t msglen);

/*
 * The report of `swaplimit check --plugstack PATH`, written to `out`:
 * the release the plugin file names was built for, the running Slurm
 * release `running` (SLURM_VERSION_NUM(major, minor, micro); 0: unknown)
 * as found from `running_from` (text), and the verdict. Slurm loads a
 * SPANK plugin only when major and minor match (src/common/plugin.c).
 * Returns 0, or 1 when the plugin was built for another release than the
 * running one (Slurm will refuse to load it).
 */
int sl_release_report(const char *plugstack, uint32_t running,
		      const char *running_from, FILE *out);

/* sl_release_report() against the libslurm this process runs with
 * (slurm_api_version(), and Slurm's own plugins in the swaplimit.so's
 * directory when there are any). */
int sl_cli_release_check(const char *plugstack, FILE *out);

#endif
