/*
 * The step's swap limit handed from slurmstepd to its tasks.
 *
 * slurmstepd forks every task before task_post_fork decides and writes the
 * step's limit, so a task's child has none of that in its memory; without
 * help, task_init (spank_task_env.c) finds its cgroup and reads the limit
 * back: 10 system calls per task on the launch path. A shared anonymous
 * page made before the forks (slurm_spank_init, S_CTX_REMOTE) carries the
 * value instead: task_post_fork publishes what the kernel now holds, and
 * each child reads it after slurmstepd's go-ahead (it waits for that until
 * every task_post_fork has run). The page goes with the child's exec.
 * When nothing was published (no write, a failure, no page), the child
 * falls back to reading its cgroup.
 */
#include <stdint.h>
#include <sys/mman.h>

#include "plugin.h"

typedef struct {
	volatile uint32_t published;    /* 1: limit holds the value */
	uint64_t limit;                 /* bytes, or SL_CG_UNLIMITED */
} handoff_t;

static handoff_t *page;

void sl_handoff_create(void)
{
	void *p;

	if (page)
		return;
	p = mmap(NULL, sizeof(handoff_t), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	page = p == MAP_FAILED ? NULL : p;
}

void sl_handoff_publish(uint64_t step_limit)
{
	if (!page)
		return;
	page->limit = step_limit;
	__atomic_store_n(&page->published, 1, __ATOMIC_RELEASE);
}

bool sl_handoff_read(uint64_t *step_limit)
{
	if (!page || !__atomic_load_n(&page->published, __ATOMIC_ACQUIRE))
		return false;
	*step_limit = page->limit;
	return true;
}

void sl_handoff_free(void)
{
	if (page)
		munmap(page, sizeof(handoff_t));
	page = NULL;
}
