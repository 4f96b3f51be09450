#!/bin/bash
# Print one line describing the memory cgroups of this process, read from
# INSIDE the job: the job and step directories are found from
# /proc/self/cgroup (never rebuilt from Slurm's naming), on cgroup v1 and v2.
#   CG label=L node=N job=J step=S task=T part=P cgv=1|2
#      job_limit=.. job_swapmax=.. step_limit=.. step_swapmax=..
#      job_memsw=.. step_memsw=.. step_swap=.. step_maxsw=.. cg=PATH
# *_limit: the RAM limit (v1 memory.limit_in_bytes, v2 memory.max; "max" =
# none). *_swapmax: the swap the kernel allows there, bytes or "max" (v1
# memsw.limit_in_bytes - limit_in_bytes, v2 memory.swap.max). *_memsw: v1's
# raw memsw limit (NA on v2). step_swap: swap in use now (v1 total_swap of
# memory.stat, v2 memory.swap.current); step_maxsw: peak swap (v1 memsw
# peak - RAM peak, v2 memory.swap.peak). node: from the cgroup path
# (v1 /slurm_<node>/, v2 /<node>_slurmstepd.scope/): the step environment's
# SLURMD_NODENAME is wrong on the other nodes of a multi-node step.
# On v2 the step's limits live in step_<id>/user (Slurm writes them there).
label=${1:-}
v1_unlimited=9223372036854771712
rel=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3; exit}' /proc/self/cgroup)
if [ -n "$rel" ]; then
	cgv=1 mnt=${CGROUP_MEMORY:-/sys/fs/cgroup/memory}
	node=$(echo "$rel" | sed -n 's|^/slurm_\([^/]*\)/.*|\1|p')
else
	rel=$(sed -n 's/^0:://p' /proc/self/cgroup)
	cgv=2 mnt=${CGROUP_ROOT:-/sys/fs/cgroup}
	node=$(echo "$rel" | sed -n 's|.*/\([^/]*\)_slurmstepd\.scope/.*|\1|p')
fi
if [ -z "$rel" ]; then
	echo "CG label=$label error=no-memory-cgroup"
	exit 1
fi
# The step is the last step_* component; the job directory is its parent
# (job_<id>, or the job's SLUID on Slurm 26.05).
steprel=$(echo "$rel" | sed -n 's|^\(.*/step_[^/]*\).*|\1|p')
jobrel=${steprel%/*}
stepdir=$steprel
[ "$cgv" = 2 ] && [ -d "$mnt$steprel/user" ] && stepdir=$steprel/user
rd() { cat "$mnt$1/$2" 2>/dev/null || echo NA; }
stat_of() { awk -v k="$2" '$1 == k {print $2}' "$mnt$1/memory.stat" 2>/dev/null; }
if [ "$cgv" = 1 ]; then
	jl=$(rd "$jobrel" memory.limit_in_bytes)
	jm=$(rd "$jobrel" memory.memsw.limit_in_bytes)
	sl=$(rd "$stepdir" memory.limit_in_bytes)
	sm=$(rd "$stepdir" memory.memsw.limit_in_bytes)
	swapmax() {
		if [ "$2" = NA ] || [ "$1" = NA ]; then echo NA
		elif [ "$2" = "$v1_unlimited" ]; then echo max
		else echo $(($2 - $1)); fi
	}
	js=$(swapmax "$jl" "$jm")
	ss=$(swapmax "$sl" "$sm")
	sw=$(stat_of "$steprel" total_swap)
	mu=$(rd "$steprel" memory.max_usage_in_bytes)
	mw=$(rd "$steprel" memory.memsw.max_usage_in_bytes)
	maxsw=NA
	[ "$mu" != NA ] && [ "$mw" != NA ] && maxsw=$((mw - mu))
else
	jl=$(rd "$jobrel" memory.max) jm=NA
	sl=$(rd "$stepdir" memory.max) sm=NA
	js=$(rd "$jobrel" memory.swap.max)
	ss=$(rd "$stepdir" memory.swap.max)
	sw=$(rd "$steprel" memory.swap.current)
	maxsw=$(rd "$steprel" memory.swap.peak)
fi
echo "CG label=${label:--} node=${node:-?} job=${SLURM_JOB_ID:-?} step=${steprel##*/step_}" \
	"task=${SLURM_PROCID:-0} part=${SLURM_JOB_PARTITION:-?} cgv=$cgv" \
	"job_limit=$jl job_swapmax=$js step_limit=$sl step_swapmax=$ss" \
	"job_memsw=$jm step_memsw=$sm step_swap=${sw:-NA} step_maxsw=$maxsw cg=$rel"
