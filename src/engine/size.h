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
 * Format bytes for humans into buf: the largest unit that divides exactly
 * when one does ("250MiB", "1.5GiB" only when exact to 1 decimal... see
 * implementation), "unlimited" for UINT64_MAX. Always NUL-terminates.
 * Returns buf.
 */
char *sl_size_format(uint64_t bytes, char *buf, size_t size);

/* A buffer long enough for any sl_size_format() result. */
#define SL_SIZE_BUF 32

#endif
