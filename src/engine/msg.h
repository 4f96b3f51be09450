/*
 * The one "format an error message into the caller's buffer" helper of the
 * engine, config, command and plugin modules (each used to carry its own
 * copy). A NULL buffer or zero length writes nothing; the text is
 * truncated, never overflowed.
 */
#ifndef SWAPLIMIT_MSG_H
#define SWAPLIMIT_MSG_H

#include <stddef.h>

void sl_msgf(char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
