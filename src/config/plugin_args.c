/*
 * Plugin arguments (key=value, strict) and loading the rules they name.
 * See plugin_args.h.
 */
#include "msg.h"
#include "plugin_args.h"
#include "size.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define ACCEPTED_KEYS "rules=, config=, cgroup_root=, record_dir=, fallback=, gres="

void sl_args_free(sl_args_t *args)
{
	if (!args)
		return;
	free(args->rules);
	free(args->config);
	free(args->cgroup_root);
	free(args->record_dir);
	free(args->fallback);
	free(args->gres);
	memset(args, 0, sizeof(*args));
}

/* Length of a key for messages: an argument may be a whole rule string. */
static int shown_len(const char *s)
{
	size_t n = strlen(s);
	return n > 60 ? 60 : (int)n;
}

static const char *ellipsis(const char *s)
{
	return strlen(s) > 60 ? "..." : "";
}

int sl_args_parse(int argc, char *const argv[], sl_args_t *out, char *msg,
		  size_t msglen)
{
	static const struct {
		const char *key;
		size_t off;
		bool absolute;      /* value must be an absolute path */
	} keys[] = {
		{ "rules", offsetof(sl_args_t, rules), false },
		{ "config", offsetof(sl_args_t, config), true },
		{ "cgroup_root", offsetof(sl_args_t, cgroup_root), true },
		{ "record_dir", offsetof(sl_args_t, record_dir), true },
		{ "fallback", offsetof(sl_args_t, fallback), false },
		{ "gres", offsetof(sl_args_t, gres), false },
	};

	memset(out, 0, sizeof(*out));
	if (msg && msglen)
		msg[0] = '\0';
	if (argc < 0 || (argc > 0 && !argv)) {
		sl_msgf(msg, msglen, "invalid plugin argument vector");
		return -1;
	}

	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq;
		size_t klen, k;
		char **slot;

		if (!arg) {
			sl_msgf(msg, msglen, "plugin argument %d is missing", i + 1);
			goto fail;
		}
		eq = strchr(arg, '=');
		if (!eq) {
			sl_msgf(msg, msglen,
				"plugin argument '%.*s%s': expected key=value "
				"(accepted keys: " ACCEPTED_KEYS ")",
				shown_len(arg), arg, ellipsis(arg));
			goto fail;
		}
		klen = (size_t)(eq - arg);
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strlen(keys[k].key) == klen &&
			    strncmp(keys[k].key, arg, klen) == 0)
				break;
		if (k == sizeof(keys) / sizeof(keys[0])) {
			if (klen == 0)
				sl_msgf(msg, msglen,
					"plugin argument '%.*s%s': missing key "
					"before '=' (accepted keys: "
					ACCEPTED_KEYS ")",
					shown_len(arg), arg, ellipsis(arg));
			else
				sl_msgf(msg, msglen,
					"plugin argument '%.*s%s': unknown key "
					"'%.*s' (accepted keys: "
					ACCEPTED_KEYS ")",
					shown_len(arg), arg, ellipsis(arg),
					klen > 60 ? 60 : (int)klen, arg);
			goto fail;
		}
		if (eq[1] == '\0') {
			sl_msgf(msg, msglen,
				"plugin argument '%s': empty value for %s= "
				"(accepted keys: " ACCEPTED_KEYS ")",
				arg, keys[k].key);
			goto fail;
		}
		slot = (char **)((char *)out + keys[k].off);
		if (*slot) {
			sl_msgf(msg, msglen,
				"plugin argument '%.*s%s': %s= is given twice "
				"(accepted keys: " ACCEPTED_KEYS
				", each at most once)",
				shown_len(arg), arg, ellipsis(arg), keys[k].key);
			goto fail;
		}
		if (keys[k].absolute && eq[1] != '/') {
			sl_msgf(msg, msglen,
				"plugin argument '%.*s%s': %s= needs an absolute "
				"path (starting with '/')",
				shown_len(arg), arg, ellipsis(arg), keys[k].key);
			goto fail;
		}
		*slot = strdup(eq + 1);
		if (!*slot) {
			sl_msgf(msg, msglen, "out of memory");
			goto fail;
		}
	}

	if (out->rules && out->config) {
		sl_msgf(msg, msglen,
			"plugin arguments: rules= and config= are both given; "
			"keep exactly one (rules=RULES inline, or "
			"config=/path/to/rules/file)");
		goto fail;
	}
	if (!out->rules && !out->config) {
		sl_msgf(msg, msglen,
			"plugin arguments: neither rules= nor config= is given; "
			"add exactly one (accepted keys: " ACCEPTED_KEYS ")");
		goto fail;
	}
	out->fallback_bytes = 0;      /* the most restrictive */
	if (out->fallback) {
		if (strcasecmp(out->fallback, "none") == 0) {
			out->fallback_bytes = UINT64_MAX;
		} else if (strcasecmp(out->fallback, "unlimited") == 0 ||
			   sl_size_parse(out->fallback, &out->fallback_bytes) != 0) {
			sl_msgf(msg, msglen,
				"plugin argument 'fallback=%.60s': expected a size "
				"(e.g. 0, 512M, 1GiB) or none: the swap a step gets "
				"when a rule cannot be decided",
				out->fallback);
			goto fail;
		}
	}
	if (out->gres) {
		size_t n = strlen(out->gres), k;

		for (k = 0; k < n; k++)
			if (!isalnum((unsigned char)out->gres[k]) &&
			    out->gres[k] != '_')
				break;
		if (k < n || n > 63) {
			sl_msgf(msg, msglen,
				"plugin argument 'gres=%.60s': expected the name of "
				"a GRES (letters, digits, '_'; at most 63), as in "
				"GresTypes= of slurm.conf, e.g. gres=swap",
				out->gres);
			goto fail;
		}
	}
	/* No cgroup_root=: NULL, the memory controller's mount is found in
	 * /proc/self/mountinfo (cgroup.h). */
	if (!out->record_dir && !(out->record_dir = strdup(SL_DEFAULT_RECORD_DIR)))
		goto oom;
	return 0;

oom:
	sl_msgf(msg, msglen, "out of memory");
fail:
	sl_args_free(out);
	return -1;
}

/* An error that is not in the rules text: line 0, naming the file. */
static void file_error(sl_error_t *err, const char *path, const char *what,
		       int errnum)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->source, sizeof(err->source), "%s", path);
	if (errnum)
		snprintf(err->message, sizeof(err->message),
			 "cannot %s rules file %s: %s", what, path,
			 strerror(errnum));
	else
		snprintf(err->message, sizeof(err->message),
			 "cannot %s rules file %s", what, path);
}

/* Read a whole regular file of at most SL_RULES_FILE_MAX bytes. Returns a
 * malloc'ed buffer (NUL-terminated for convenience; *len excludes it). */
static char *read_rules_file(const char *path, unsigned flags, size_t *len,
			     sl_error_t *err)
{
	struct stat st;
	char *buf = NULL;
	size_t used = 0, cap;
	int fd;

	/* O_NONBLOCK: a FIFO must not block us before fstat() refuses it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		file_error(err, path, "open", errno);
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		file_error(err, path, "stat", errno);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		file_error(err, path, "read", 0);
		snprintf(err->message, sizeof(err->message),
			 "rules file %s is not a regular file", path);
		goto fail;
	}
	if ((flags & SL_LOAD_ROOT_OWNED) &&
	    (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))) {
		file_error(err, path, "read", 0);
		snprintf(err->message, sizeof(err->message),
			 "rules file %s refused: %s (it decides every job's "
			 "swap: chown root and chmod go-w it)",
			 path, st.st_uid != 0 ? "not owned by root"
					      : "writable by its group or others");
		goto fail;
	}
	if (st.st_size > (off_t)SL_RULES_FILE_MAX) {
		file_error(err, path, "read", 0);
		snprintf(err->message, sizeof(err->message),
			 "rules file %s is larger than %u bytes", path,
			 (unsigned)SL_RULES_FILE_MAX);
		goto fail;
	}
	/* The file may change under us: read up to the cap + 1, not st_size. */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		file_error(err, path, "read", ENOMEM);
		goto fail;
	}
	for (;;) {
		ssize_t n;

		if (used == cap) {
			char *nb;

			if (cap > SL_RULES_FILE_MAX)
				break;
			cap = cap * 2 > (size_t)SL_RULES_FILE_MAX + 1 ?
				(size_t)SL_RULES_FILE_MAX + 1 : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				file_error(err, path, "read", ENOMEM);
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			file_error(err, path, "read", errno);
			goto fail;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > SL_RULES_FILE_MAX) {
		file_error(err, path, "read", 0);
		snprintf(err->message, sizeof(err->message),
			 "rules file %s is larger than %u bytes", path,
			 (unsigned)SL_RULES_FILE_MAX);
		goto fail;
	}
	close(fd);
	buf[used] = '\0';
	*len = used;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

sl_rules_t *sl_args_load_rules(const sl_args_t *args, sl_error_t *err)
{
	return sl_args_load_rules_ex(args, 0, NULL, NULL, err);
}

char *sl_args_rules_text(const sl_args_t *args, unsigned flags, size_t *len,
			 const char **source, bool *comments, sl_error_t *err)
{
	char *text;

	memset(err, 0, sizeof(*err));
	*len = 0;
	if (!args || (!args->rules && !args->config) ||
	    (args->rules && args->config)) {
		snprintf(err->source, sizeof(err->source), "arguments");
		snprintf(err->message, sizeof(err->message),
			 "exactly one of rules= and config= is needed");
		return NULL;
	}
	if (args->rules) {
		*source = "rules";
		*comments = false;
		text = strdup(args->rules);
		if (!text) {
			file_error(err, "rules", "copy", ENOMEM);
			return NULL;
		}
		*len = strlen(text);
		return text;
	}
	*source = args->config;
	*comments = true;
	return read_rules_file(args->config, flags, len, err);
}

sl_rules_t *sl_args_load_rules_ex(const sl_args_t *args, unsigned flags,
				  char **text_out, size_t *len_out,
				  sl_error_t *err)
{
	const char *source = NULL;
	bool comments = false;
	sl_rules_t *r;
	size_t len;
	char *text;

	if (text_out)
		*text_out = NULL;
	text = sl_args_rules_text(args, flags, &len, &source, &comments, err);
	if (!text)
		return NULL;
	r = sl_rules_compile(text, len, source, comments, err);
	if (r && text_out) {
		*text_out = text;
		*len_out = len;
	} else {
		free(text);
	}
	return r;
}
