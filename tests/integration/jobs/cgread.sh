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
# Bash builtins only (no awk/sed/cat): each process costs ~0.1 s in the
# emulated test VM, and this runs in every task of every test job.
label=${1:-}
v1_unlimited=9223372036854771712
rel="" cgv="" mnt="" node=""
while IFS=: read -r _ ctl path; do
	if [[ ",$ctl," == *,memory,* ]]; then
		rel=$path cgv=1 mnt=${CGROUP_MEMORY:-/sys/fs/cgroup/memory}
		break
	elif [ -z "$ctl" ] && [ -z "$rel" ]; then
		rel=$path cgv=2 mnt=${CGROUP_ROOT:-/sys/fs/cgroup}
	fi
done </proc/self/cgroup
if [ -z "$rel" ]; then
	echo "CG label=$label error=no-memory-cgroup"
	exit 1
fi
if [ "$cgv" = 1 ] && [[ $rel =~ ^/slurm_([^/]*)/ ]]; then
	node=${BASH_REMATCH[1]}
elif [[ $rel =~ /([^/]*)_slurmstepd\.scope/ ]]; then
	node=${BASH_REMATCH[1]}
fi
# The step is the last step_* component; the job directory is its parent
# (job_<id>, or the job's SLUID on Slurm 26.05).
steprel=""
[[ $rel =~ ^(.*/step_[^/]*) ]] && steprel=${BASH_REMATCH[1]}
jobrel=${steprel%/*}
stepdir=$steprel
[ "$cgv" = 2 ] && [ -d "$mnt$steprel/user" ] && stepdir=$steprel/user
# rd VAR DIR FILE: VAR = first line of the file, NA when unreadable.
rd() { { read -r "$1" <"$mnt$2/$3"; } 2>/dev/null || printf -v "$1" NA; }
# stat_of VAR DIR KEY: VAR = KEY's value in DIR/memory.stat ("" if none).
stat_of() {
	local k v
	printf -v "$1" ''
	while read -r k v; do
		[ "$k" = "$3" ] && { printf -v "$1" '%s' "$v"; return; }
	done <"$mnt$2/memory.stat" 2>/dev/null
}
# swapmax VAR LIMIT MEMSW (v1): the swap part of memsw.
swapmax() {
	if [ "$3" = NA ] || [ "$2" = NA ]; then printf -v "$1" NA
	elif [ "$3" = "$v1_unlimited" ]; then printf -v "$1" max
	else printf -v "$1" '%s' $(($3 - $2)); fi
}
if [ "$cgv" = 1 ]; then
	rd jl "$jobrel" memory.limit_in_bytes
	rd jm "$jobrel" memory.memsw.limit_in_bytes
	rd sl "$stepdir" memory.limit_in_bytes
	rd sm "$stepdir" memory.memsw.limit_in_bytes
	swapmax js "$jl" "$jm"
	swapmax ss "$sl" "$sm"
	stat_of sw "$steprel" total_swap
	rd mu "$steprel" memory.max_usage_in_bytes
	rd mw "$steprel" memory.memsw.max_usage_in_bytes
	maxsw=NA
	[ "$mu" != NA ] && [ "$mw" != NA ] && maxsw=$((mw - mu))
else
	rd jl "$jobrel" memory.max
	rd sl "$stepdir" memory.max
	jm=NA sm=NA
	rd js "$jobrel" memory.swap.max
	rd ss "$stepdir" memory.swap.max
	rd sw "$steprel" memory.swap.current
	rd maxsw "$steprel" memory.swap.peak
fi
echo "CG label=${label:--} node=${node:-?} job=${SLURM_JOB_ID:-?} step=${steprel##*/step_}" \
	"task=${SLURM_PROCID:-0} part=${SLURM_JOB_PARTITION:-?} cgv=$cgv" \
	"job_limit=$jl job_swapmax=$js step_limit=$sl step_swapmax=$ss" \
	"job_memsw=$jm step_memsw=$sm step_swap=${sw:-NA} step_maxsw=$maxsw cg=$rel"
