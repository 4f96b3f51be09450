/*
 * Parsing the value of --swap (swap_option.h). Pure C: unit-tested by
 * tests/unit/test_swap_option.c, which includes this file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "size.h"
#include "swap_option.h"

/* A copy of the user's text safe to print: at most 24 characters, control
 * and non-ASCII bytes shown as '?', "..." when cut. */
static void shown(const char *s, char *buf, size_t size)
{
	size_t n = 0, i;

	for (i = 0; s[i] && i < 24 && n + 1 < size; i++)
		buf[n++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i] && n + 4 < size) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
}

__attribute__((format(printf, 4, 5)))
static int refuse(const char *value, char *msg, size_t msglen,
		  const char *fmt, ...)
{
	char what[160], v[32];
	va_list ap;

	if (!msg || !msglen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	shown(value, v, sizeof(v));
	snprintf(msg, msglen, "--swap=%s: %s; %s", v, what, SL_SWAP_FORMS);
	return -1;
}

int sl_swap_option_parse(const char *value, sl_swap_request_t *out,
			 char *msg, size_t msglen)
{
	char why[160];
	uint64_t n = 0;

	if (!value || !*value)
		return refuse("", msg, msglen, "a value is needed");
	if (strcasecmp(value, "none") == 0) {
		out->bytes = UINT64_MAX;
		snprintf(out->text, sizeof(out->text), "none");
		return 0;
	}
	/* The one size grammar of the rules and the command (size.h). */
	if (sl_size_parse_explain(value, &n, why, sizeof(why)) != 0)
		return refuse(value, msg, msglen, "%s", why);
	/* UINT64_MAX itself means "none": a size must stay below it. */
	if (n == UINT64_MAX)
		return refuse(value, msg, msglen, "too large");
	out->bytes = n;
	shown(value, out->text, sizeof(out->text));
	return 0;
}
