/*
 * The job's and the step's swap allowance on one node (allowance.h).
 */
#include <string.h>

#include "allowance.h"

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t sl_page_round(uint64_t bytes, uint64_t page)
{
	if (!page)
		page = SL_PAGE_SIZE_DEFAULT;
	if (bytes == SL_UNLIMITED_BYTES)
		return bytes;
	return bytes / page * page;
}

/* A finite allowance stays finite: 2^64-1 bytes is a legal size but also
 * the "unlimited" marker, so a finite result is at most 2^64-2. */
static uint64_t result_bytes(const sl_result_t *r)
{
	if (r->outcome != SL_LIMITED)
		return SL_UNLIMITED_BYTES;
	return r->swap_bytes == UINT64_MAX ? UINT64_MAX - 1 : r->swap_bytes;
}

void sl_allowance(const sl_bound_t *bound, const sl_allow_in_t *in,
		  sl_allow_t *out)
{
	uint64_t page = in->page_size ? in->page_size : SL_PAGE_SIZE_DEFAULT;
	uint64_t jc, request;

	memset(out, 0, sizeof(*out));

	/* The job: job-wide facts only, the same in every step. */
	jc = in->job_cpus;
	if (!jc) {
		jc = in->step_cpus;
		out->job_cpus_unknown = true;
	}
	out->job_facts = in->base;
	out->job_facts.cpus = jc;
	out->job_facts.tasks = jc;
	out->job_facts.mem_bytes = in->job_ram;
	out->job_facts.node_mem_bytes = in->node_mem_bytes;
	out->job_facts.node_cpus = in->node_cpus;

	/* The step: never counted above the job. */
	out->step_facts = in->base;
	if (in->whole_job_step) {
		out->step_facts.cpus = jc;
		out->step_facts.tasks = jc;
	} else {
		out->step_facts.cpus = min_u64(in->step_cpus, jc);
		out->step_facts.tasks = min_u64(in->step_tasks, jc);
		out->cpus_capped = in->step_cpus > jc;
		out->tasks_capped = in->step_tasks > jc;
	}
	out->step_facts.mem_bytes = min_u64(in->step_ram, in->job_ram);
	out->step_facts.node_mem_bytes = in->node_mem_bytes;
	out->step_facts.node_cpus = in->node_cpus;

	sl_eval(bound, &out->job_facts, &out->job);
	sl_eval(bound, &out->step_facts, &out->step);

	/* Conditions depend on job-wide facts only, so both evaluations
	 * agree on the kind of outcome; be strict if they ever do not. */
	if (out->job.outcome == SL_UNDECIDABLE ||
	    out->step.outcome == SL_UNDECIDABLE) {
		out->source = SL_FROM_FALLBACK;
		out->job_swap = sl_page_round(in->fallback, page);
		out->step_swap = out->job_swap;
	} else if (out->job.outcome == SL_NO_MATCH ||
		   out->step.outcome == SL_NO_MATCH) {
		out->source = SL_FROM_NOTHING;
		out->job_swap = in->slurm_job_swap;
		out->step_swap = in->slurm_step_swap;
	} else {
		out->source = SL_FROM_RULE;
		out->job_swap = sl_page_round(result_bytes(&out->job), page);
		out->step_swap = min_u64(
			sl_page_round(result_bytes(&out->step), page),
			out->job_swap);
	}
	out->grant = out->step_swap;

	/* A request can only lower the step, whatever decided the grant. */
	if (in->request_given) {
		request = sl_page_round(in->request, page);
		if (request < out->step_swap) {
			out->step_swap = request;
			out->request_lowered = true;
		} else if (request != SL_UNLIMITED_BYTES &&
			   request > out->step_swap) {
			out->request_above = true;
		}
	}

	/* cgroup v1 without a RAM limit: memsw = unlimited + swap. */
	if (in->memsw && in->job_ram == SL_UNLIMITED_BYTES &&
	    out->job_swap != SL_UNLIMITED_BYTES) {
		out->job_swap = SL_UNLIMITED_BYTES;
		out->job_unenforceable = true;
	}
	if (in->memsw && in->step_ram == SL_UNLIMITED_BYTES &&
	    out->step_swap != SL_UNLIMITED_BYTES) {
		out->step_swap = SL_UNLIMITED_BYTES;
		out->step_unenforceable = true;
	}

	if (out->source == SL_FROM_NOTHING) {
		/* Only a request that lowers the step makes a write; the job
		 * keeps what Slurm set. */
		out->job_swap = in->slurm_job_swap;
		out->write = out->request_lowered && !out->step_unenforceable;
		return;
	}
	/* A value that cannot be expressed is not written at all: writing
	 * "unlimited" could only loosen what Slurm set. */
	out->write = !out->job_unenforceable && !out->step_unenforceable;
}
