/*
 * Counting allocator for the benchmarks: the bench binary defines malloc
 * and friends itself (linked with -rdynamic, so the definitions interpose
 * for libslurm and libc too) and forwards to glibc's __libc_* entry points.
 * Every call that may allocate (malloc, calloc, realloc, the memalign
 * family) increments one counter; free does not.
 *
 * Single-threaded use only (the counter is a plain integer on purpose: no
 * atomics in the measured path).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc_count.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);

static unsigned long allocs;

unsigned long sl_bench_allocs(void)
{
	return allocs;
}

void *malloc(size_t size)
{
	allocs++;
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	allocs++;
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	allocs++;
	return __libc_realloc(p, size);
}

void free(void *p)
{
	__libc_free(p);
}

void *memalign(size_t align, size_t size)
{
	allocs++;
	return __libc_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	allocs++;
	return __libc_memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	allocs++;
	void *p = __libc_memalign(align, size);
	if (p == NULL && size != 0)
		return ENOMEM;
	*out = p;
	return 0;
}

void *valloc(size_t size)
{
	allocs++;
	return __libc_valloc(size);
}

void *pvalloc(size_t size)
{
	allocs++;
	return __libc_pvalloc(size);
}
