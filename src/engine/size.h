/*
 * Byte sizes: parsing with Slurm's units (powers of 1024), saturating
 * arithmetic, and human formatting. No allocation anywhere.
 */
#ifndef SWAPLIMIT_SIZE_H
#define SWAPLIMIT_SIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Saturating arithmetic on byte counts. */
uint64_t sl_sat_add(uint64_t a, uint64_t b);
uint64_t sl_sat_sub(uint64_t a, uint64_t b);   /* floors at 0 */
uint64_t sl_sat_mul(uint64_t a, uint64_t b);

/*
 * Format bytes for humans into buf, exactly:
 *   - "unlimited" for UINT64_MAX;
 *   - the largest unit (KiB..PiB) in which the value is exact with at most
 *     two decimals: "250MiB", "1.5GiB", "1.25GiB", "64GiB";
 *   - otherwise the exact bytes, plus (from 1KiB up) an approximation
 *     rounded to the nearest hundredth: "1000B", "1374389534B (~1.28GiB)".
 * Never allocates; always NUL-terminates (truncating if size is short).
 * Returns buf.
 */
char *sl_size_format(uint64_t bytes, char *buf, size_t size);

/* The same for a finite quantity: UINT64_MAX is 18446744073709551615B
 * (~16384.00PiB), never "unlimited". */
char *sl_size_format_finite(uint64_t bytes, char *buf, size_t size);

/* A buffer long enough for any sl_size_format() result
 * ("18446744073709551614B (~16384.00PiB)" is the longest). */
#define SL_SIZE_BUF 48

/*
 * Parse a whole string as a size: the one size grammar of the rules,
 * --swap and the command, as for Slurm's --mem: NUMBER [UNIT] (B, K, KiB,
 * M, MiB, G, GiB, T, TiB, P, PiB, any case, powers of 1024; a bare number
 * is MiB), a fraction allowed ("1.5G"), rounded down to bytes;
 * "unlimited" (any case) gives UINT64_MAX. Returns 0, or -1 when
 * the text is not such a size or exceeds 2^64-1 bytes.
 */
int sl_size_parse(const char *s, uint64_t *bytes);

/* The same grammar (no "unlimited"), saying why a text is refused: "not a
 * size ...", "unknown unit 'X' (expected ...)", "ambiguous unit 'MB'
 * (use MiB or M ...)", "too large ...". Returns 0 or -1. */
int sl_size_parse_explain(const char *s, uint64_t *bytes, char *why,
			  size_t whylen);

/* The accepted forms, for messages and --help. */
#define SL_SIZE_FORMS                                                     \
	"a size as for --mem: a bare number of MiB (512), or a number and "  \
	"a unit K, M, G, T (or KiB, MiB, GiB, TiB, B, P, PiB; powers of "    \
	"1024), e.g. 64M, 1.5G"

#endif
