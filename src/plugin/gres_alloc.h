/*
 * The swap GRES a job was allocated on one node, for the `gres` limit
 * (docs/rules.md). Only slurmctld knows it in a form the job's owner
 * cannot forge: the credential holds it but SPANK has no item for it, and
 * the step environment is the user's. So the job prolog (swaplimit.so,
 * once per job and node, as root) asks slurmctld with one slurm_load_job()
 * and records the count (job_record.h).
 */
#ifndef SWAPLIMIT_GRES_ALLOC_H
#define SWAPLIMIT_GRES_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include <slurm/slurm.h>

/*
 * Verified on Slurm 22.05, 24.11 and 26.05 (tests/integration/27_gres.bats);
 * other releases are untested (a crash there is contained by the child).
 * -DSL_GRES_LOOKUP=0 builds a plugin that never asks (a `gres` term then
 * falls back, and slurmd says so at start).
 */
#ifndef SL_GRES_LOOKUP
#define SL_GRES_LOOKUP 1
#endif

#ifndef SL_HIDDEN
#define SL_HIDDEN __attribute__((visibility("hidden")))
#endif

/*
 * The count of GRES `name` in one node's entry of job_info_t's
 * gres_detail_str, as slurmctld writes it: "swap(CNT:21474836480)",
 * "gpu:a100:2(IDX:0,2),swap:nvme(CNT:1024)" (entries of one name, of any
 * type, are added; commas inside parentheses belong to the entry).
 * 0 with *count = 0 when the job has none of it; -1 when an entry of that
 * name has no readable CNT.
 */
SL_HIDDEN int sl_gres_detail_count(const char *detail, const char *name,
				   uint64_t *count);

/*
 * Ask slurmctld for job `job_id` and return the count of GRES `name` the
 * job holds on `node`. 0, or -1 with msg (no answer, the node not in the
 * job, an unreadable entry).
 */
SL_HIDDEN int sl_gres_alloc_bytes(uint32_t job_id, const char *node,
				  const char *name, uint64_t *bytes, char *msg,
				  size_t msglen);

#endif
