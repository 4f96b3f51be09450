/*
 * The value of the user's --swap=SIZE|none option: parsing only (pure C,
 * no SPANK calls, no logging). The SPANK option itself is registered in
 * spank_option.c.
 *
 * SIZE is written as for --mem, in the one size grammar of the rules and
 * the command (size.h): a bare number is MiB, or a number (fractions
 * allowed) and a unit K/KiB, M/MiB, G/GiB, T/TiB, B, P/PiB (any case,
 * powers of 1024). "0" (in any unit) means never swap; "none" (any case)
 * asks for the rule's full grant, i.e. no restriction by the user.
 */
#ifndef SWAPLIMIT_SWAP_OPTION_H
#define SWAPLIMIT_SWAP_OPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef SL_HIDDEN
#define SL_HIDDEN __attribute__((visibility("hidden")))
#endif

/* The accepted forms, for --help and for every refusal. */
#define SL_SWAP_FORMS                                                        \
	"accepted: a size as for --mem, a bare number of MiB (512) or a "    \
	"number with a unit K, M, G, T (or KiB, MiB, GiB, TiB, B, P; powers " \
	"of 1024: 64M, 1.5G); 0 never to swap; none for all the swap the "   \
	"site's rules grant"

/* Longest value kept as the user wrote it (for messages), with the NUL. */
#define SL_SWAP_TEXT_MAX 32

typedef struct {
	uint64_t bytes;               /* UINT64_MAX for "none" */
	char text[SL_SWAP_TEXT_MAX];  /* as written (truncated, printable) */
} sl_swap_request_t;

/*
 * Parse the value of --swap. Returns 0 and fills *out, or -1 with a
 * message ("--swap=<value>: <reason>; accepted: ...") and *out untouched.
 */
SL_HIDDEN int sl_swap_option_parse(const char *value, sl_swap_request_t *out,
				   char *msg, size_t msglen);

#endif
