/*
 * Reading swaplimit's line back out of a plugstack.conf, the way Slurm's
 * SPANK loader (src/common/plugstack.c) reads it:
 *   - '#' anywhere starts a comment up to the end of the line;
 *   - tokens are separated by spaces, tabs and newlines (no quoting);
 *   - the first token is `required`, `optional` or `include`; any other
 *     line is ignored by Slurm ("Invalid line. Ignoring.");
 *   - `include PATTERN` is a glob(3), relative to the including file's
 *     directory; no match is not an error; a missing file reads as empty;
 *   - Slurm reads lines with a 4096-byte buffer, so a longer line is split
 *     into several: we refuse it rather than guess.
 * The first required/optional line whose plugin path has the basename
 * "swaplimit.so" is ours; its remaining tokens are the plugin arguments.
 */
#include "msg.h"
#include "plugin_args.h"

#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_BASENAME "swaplimit.so"
#define SLURM_LINE_MAX 4096     /* Slurm's fgets() buffer */
#define INCLUDE_DEPTH_MAX 16

typedef struct {
	sl_args_t *out;
	char *msg;
	size_t msglen;
	bool found;
	/* An ignored line that names swaplimit.so, for a better message. */
	char hint[SL_MSG_MAX];
} ps_state_t;

static bool is_ours(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return strcmp(base, PLUGIN_BASENAME) == 0;
}

static int load_file(ps_state_t *st, const char *path, int depth,
		     bool missing_ok);

static int do_include(ps_state_t *st, const char *file, unsigned lineno,
		      const char *pattern, int depth)
{
	char *full = NULL;
	glob_t gl;
	int rc = 0, g;

	if (depth >= INCLUDE_DEPTH_MAX) {
		sl_msgf(st->msg, st->msglen,
			"%s:%u: includes nested more than %d deep (an include "
			"loop?)", file, lineno, INCLUDE_DEPTH_MAX);
		return -1;
	}
	if (pattern[0] != '/') {
		const char *slash = strrchr(file, '/');
		int dlen = slash ? (int)(slash - file) : 1;
		const char *dir = slash ? file : ".";

		if (slash == file)
			dlen = 0;       /* file in "/" */
		if (asprintf(&full, "%.*s/%s", dlen, dir, pattern) < 0) {
			sl_msgf(st->msg, st->msglen, "out of memory");
			return -1;
		}
		pattern = full;
	}
	memset(&gl, 0, sizeof(gl));
	g = glob(pattern, 0, NULL, &gl);
	if (g == 0) {
		for (size_t i = 0; i < gl.gl_pathc && rc == 0 && !st->found; i++)
			rc = load_file(st, gl.gl_pathv[i], depth + 1, true);
	} else if (g == GLOB_NOSPACE) {
		sl_msgf(st->msg, st->msglen, "out of memory");
		rc = -1;
	}
	/* GLOB_NOMATCH and GLOB_ABORTED: Slurm carries on, so do we. */
	globfree(&gl);
	free(full);
	return rc;
}

/* One line, already without its newline. Returns 0 to go on, -1 on error
 * (st->msg set). */
static int process_line(ps_state_t *st, const char *file, unsigned lineno,
			char *line, int depth)
{
	const char *sep = " \t\n\r\v\f";
	char *save = NULL, *type, *path, *tok, *hash;
	char **argv = NULL;
	int argc = 0, rc = 0;

	if ((hash = strchr(line, '#')))
		*hash = '\0';
	type = strtok_r(line, sep, &save);
	if (!type)
		return 0;                       /* blank or comment */
	path = strtok_r(NULL, sep, &save);

	if (strcmp(type, "include") == 0) {
		if (!path) {
			sl_msgf(st->msg, st->msglen,
				"%s:%u: 'include' without a file pattern (Slurm "
				"stops reading plugstack.conf here)",
				file, lineno);
			return -1;
		}
		return do_include(st, file, lineno, path, depth);
	}
	if (strcmp(type, "required") != 0 && strcmp(type, "optional") != 0) {
		if (path && is_ours(path) && !st->hint[0])
			snprintf(st->hint, sizeof(st->hint),
				 "; %s:%u names %s but Slurm ignores that line: "
				 "it must start with 'required' or 'optional', "
				 "not '%.40s'", file, lineno, PLUGIN_BASENAME,
				 type);
		return 0;
	}
	if (!path || !is_ours(path))
		return 0;

	while ((tok = strtok_r(NULL, sep, &save))) {
		char **nv = realloc(argv, (size_t)(argc + 1) * sizeof(*argv));

		if (!nv) {
			free(argv);
			sl_msgf(st->msg, st->msglen, "out of memory");
			return -1;
		}
		argv = nv;
		argv[argc++] = tok;
	}
	{
		char amsg[SL_MSG_MAX * 2];

		if (sl_args_parse(argc, argv, st->out, amsg, sizeof(amsg)) < 0) {
			sl_msgf(st->msg, st->msglen, "%s:%u: %s", file, lineno,
				amsg);
			rc = -1;
		} else {
			st->found = true;
		}
	}
	free(argv);
	return rc;
}

static int load_file(ps_state_t *st, const char *path, int depth,
		     bool missing_ok)
{
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	int rc = 0;

	fp = fopen(path, "re");
	if (!fp) {
		if (missing_ok && errno == ENOENT)
			return 0;     /* Slurm: a missing file is an empty one */
		sl_msgf(st->msg, st->msglen, "cannot open %s: %s", path,
			strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if ((size_t)n - (line[n - 1] == '\n') > SLURM_LINE_MAX - 1) {
			sl_msgf(st->msg, st->msglen,
				"%s:%u: line longer than %d bytes: Slurm would "
				"read it as several lines (put long rules in a "
				"file and use config=)", path, lineno,
				SLURM_LINE_MAX - 1);
			rc = -1;
			break;
		}
		if (memchr(line, '\0', (size_t)n)) {
			sl_msgf(st->msg, st->msglen,
				"%s:%u: NUL byte in line", path, lineno);
			rc = -1;
			break;
		}
		rc = process_line(st, path, lineno, line, depth);
		if (rc < 0 || st->found)
			break;
	}
	if (rc == 0 && ferror(fp)) {
		sl_msgf(st->msg, st->msglen, "cannot read %s: %s", path,
			strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(fp);
	return rc;
}

int sl_plugstack_read(const char *path, sl_args_t *out, char *msg,
		      size_t msglen)
{
	ps_state_t st;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	st.out = out;
	st.msg = msg;
	st.msglen = msglen;
	if (msg && msglen)
		msg[0] = '\0';

	if (load_file(&st, path, 0, false) < 0) {
		sl_args_free(out);
		return -1;
	}
	if (!st.found) {
		sl_msgf(msg, msglen,
			"%s: no 'required' or 'optional' line loads %s (nor in "
			"the files it includes)%s", path, PLUGIN_BASENAME,
			st.hint);
		sl_args_free(out);
		return -1;
	}
	return 0;
}
