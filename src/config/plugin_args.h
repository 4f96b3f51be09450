/*
 * swaplimit's configuration as an administrator writes it: the plugin's
 * key=value arguments on its plugstack.conf line, the rules they name
 * (inline rules= or a config= file), and reading that line back out of a
 * plugstack.conf for `swaplimit check --plugstack`.
 *
 * Shared by the plugin and the command so that both accept exactly the same
 * configuration. No SPANK calls, no logging.
 */
#ifndef SWAPLIMIT_PLUGIN_ARGS_H
#define SWAPLIMIT_PLUGIN_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include "rules.h"

#define SL_DEFAULT_RECORD_DIR  "/run/swaplimit"
/* A rules file larger than this is refused (it is surely not rules). */
#define SL_RULES_FILE_MAX (4u << 20)

typedef struct {
	char *rules;        /* rules=TEXT, or NULL */
	char *config;       /* config=PATH, or NULL */
	char *cgroup_root;  /* cgroup_root=PATH, or NULL (default): the memory
			     * controller's mount from /proc/self/mountinfo */
	char *record_dir;   /* record_dir=PATH (default SL_DEFAULT_RECORD_DIR) */
	char *fallback;     /* fallback=SIZE|none, as written (or NULL) */
	uint64_t fallback_bytes;  /* its value: 0 by default, UINT64_MAX none */
	char *gres;         /* gres=NAME: the count-only GRES that schedules
			     * swap (the `gres` limit), or NULL: not asked */
} sl_args_t;

/*
 * Parse plugin arguments strictly: every one is key=value with a known key,
 * no key twice, exactly one of rules= and config=. Returns 0, or -1 with a
 * message naming the argument and the accepted keys. *out is always safe to
 * pass to sl_args_free().
 */
int sl_args_parse(int argc, char *const argv[], sl_args_t *out, char *msg,
		  size_t msglen);
void sl_args_free(sl_args_t *args);

/*
 * Compile the rules the arguments name. For config= the file is read
 * (regular file, at most SL_RULES_FILE_MAX, '#' comments allowed) and
 * errors are positioned in it ("/etc/slurm/swaplimit.conf:3:7: ...");
 * for rules= the source is "rules". An unreadable file is an error at
 * line 0 naming the path and errno.
 */
sl_rules_t *sl_args_load_rules(const sl_args_t *args, sl_error_t *err);

/* As sl_args_load_rules(), with options:
 *   SL_LOAD_ROOT_OWNED  refuse a config= file that is not owned by root
 *                       or is writable by its group or by others (the
 *                       plugin: the file decides every job's limits);
 * and, when text is not NULL and the rules compiled, a malloc'ed copy of
 * the text compiled (*text, *len; NUL-terminated) for the caller to keep. */
#define SL_LOAD_ROOT_OWNED 1u
sl_rules_t *sl_args_load_rules_ex(const sl_args_t *args, unsigned flags,
				  char **text, size_t *len, sl_error_t *err);

/* The text sl_args_load_rules_ex() compiles, malloc'ed and NUL-terminated
 * (*len bytes), with what to compile it as: *source ("rules" or the file's
 * path) and *comments (a file allows '#'). NULL with *err set. */
char *sl_args_rules_text(const sl_args_t *args, unsigned flags, size_t *len,
			 const char **source, bool *comments, sl_error_t *err);

/*
 * Find swaplimit's line in a plugstack.conf (the first non-comment line
 * whose plugin path ends in "swaplimit.so"; `include` lines are followed)
 * and parse its arguments. Returns 0, or -1 with a message naming the file
 * and line.
 */
int sl_plugstack_read(const char *path, sl_args_t *out, char *msg,
		      size_t msglen);

#endif
