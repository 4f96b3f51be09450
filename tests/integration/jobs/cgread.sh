#!/bin/bash
# Print one line describing the memory cgroups of this process, read from
# INSIDE the job: the job_* and step_* directories are found from
# /proc/self/cgroup (never rebuilt from Slurm's naming).
#   CG label=L node=N job=J step=S task=T part=P job_limit=.. job_memsw=..
#      step_limit=.. step_memsw=.. step_swap=.. step_maxsw=.. cg=PATH
# node comes from the cgroup path (slurm_<node>): the step environment's
# SLURMD_NODENAME is wrong on the other nodes of a multi-node step.
# step_swap: total_swap of the step's memory.stat (swap in use now);
# step_maxsw: memsw.max_usage_in_bytes - max_usage_in_bytes.
label=${1:-}
mnt=${CGROUP_MEMORY:-/sys/fs/cgroup/memory}
rel=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3; exit}' /proc/self/cgroup)
if [ -z "$rel" ]; then
	echo "CG label=$label error=no-memory-cgroup"
	exit 1
fi
node=$(echo "$rel" | sed -n 's|^/slurm_\([^/]*\)/.*|\1|p')
jobrel=$(echo "$rel" | sed -n 's|^\(.*/job_[^/]*\).*|\1|p')
steprel=$(echo "$rel" | sed -n 's|^\(.*/step_[^/]*\).*|\1|p')
rd() { cat "$mnt$1/$2" 2>/dev/null || echo NA; }
stat_of() { awk -v k="$2" '$1 == k {print $2}' "$mnt$1/memory.stat" 2>/dev/null; }
jl=$(rd "$jobrel" memory.limit_in_bytes)
jm=$(rd "$jobrel" memory.memsw.limit_in_bytes)
sl=$(rd "$steprel" memory.limit_in_bytes)
sm=$(rd "$steprel" memory.memsw.limit_in_bytes)
sw=$(stat_of "$steprel" total_swap)
mu=$(rd "$steprel" memory.max_usage_in_bytes)
mw=$(rd "$steprel" memory.memsw.max_usage_in_bytes)
maxsw=NA
[ "$mu" != NA ] && [ "$mw" != NA ] && maxsw=$((mw - mu))
echo "CG label=${label:--} node=${node:-?} job=${SLURM_JOB_ID:-?} step=${steprel##*/step_}" \
	"task=${SLURM_PROCID:-0} part=${SLURM_JOB_PARTITION:-?}" \
	"job_limit=$jl job_memsw=$jm step_limit=$sl step_memsw=$sm" \
	"step_swap=${sw:-NA} step_maxsw=$maxsw cg=$rel"
