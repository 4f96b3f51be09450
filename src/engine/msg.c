/* sl_msgf(): see msg.h. */
#include <stdarg.h>
#include <stdio.h>

#include "msg.h"

void sl_msgf(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (!msg || msglen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}
