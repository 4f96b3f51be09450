/* Counting allocator for the benchmarks (bench/alloc_count.c). */
#ifndef SWAPLIMIT_BENCH_ALLOC_COUNT_H
#define SWAPLIMIT_BENCH_ALLOC_COUNT_H

/* Calls to malloc, calloc, realloc and the memalign family so far, in
 * this process, from any library. */
unsigned long sl_bench_allocs(void);

#endif
