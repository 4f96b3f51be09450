#!/usr/bin/env bats
# swaplimit_noprolog.so (the plugin without the job prolog/epilog hooks, so
# that slurmd forks no `slurmstepd spank prolog` per job) on a real
# three-node Slurm, with the share-based rules it is meant for:
#   A/memshare  A x the job's (step's) RAM limit / the node's RAM
#   A/cpushare  A x the job's (step's) CPUs / the node's online CPUs
# Expected values are computed here from the node's own figures (SwapTotal
# and MemTotal from /proc/meminfo, getconf _NPROCESSORS_ONLN) and the RAM
# limits read inside the job, not by the plugin's engine. What a job owner
# controls (srun -c/-n/--overcommit, the step environment) is tried and
# must not change the grant; partition() cannot be decided without the
# prolog and must give fallback=, whatever the environment says.

load lib/common
T_RULES="default()=100%/memshare"
T_RESET_RULES=1

t_before_up() {
	# The harness installs $SWL_PLUGIN as the cluster's swaplimit.so.
	export SWL_PLUGIN=${SWL_PLUGIN%/*}/swaplimit_noprolog.so
	[ -e "$SWL_PLUGIN" ] || { echo "no $SWL_PLUGIN: make all" >&2; return 1; }
}

t_setup() {
	S=$(cl_swap_total)
	M=$(awk '/^MemTotal:/ {print $2 * 1024}' /proc/meminfo)
	NC=$(getconf _NPROCESSORS_ONLN)
	RDIR=/run/swaplimit
}

cg() { grep "^CG label=$1 " "$JOBOUT" | grep -m1 ' task=0 '; }

# A x (n / d), capped at A, floored (the engine rounds once), in bytes.
share() {
	local a=$1 n=$2 d=$3
	[ "$n" -ge "$d" ] && { echo "$a"; return; }
	echo $(( a * n / d ))
}

@test "noprolog: no job prolog/epilog symbols; slurmd says which build it loaded" {
	run nm -D --defined-only "$SWL_PLUGIN_INSTALLED"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q ' slurm_spank_task_post_fork$'
	! echo "$output" | grep -q 'slurm_spank_job_prolog\|slurm_spank_job_epilog'
	local n
	for n in node1 node2 node3; do
		grep -q 'swaplimit: version .* (swaplimit_noprolog.so, no job prolog): 1 rule terms loaded' \
			"$(cl_slurmd_log "$n")"
	done
}

@test "noprolog: a running job has no prolog record (Slurm ran no spank prolog for it)" {
	local id i
	id=$(cl_as_user sbatch --parsable -p workgroup -w node1 --mem=200M \
		-o /dev/null --wrap 'sleep 30' | cut -d';' -f1)
	[ -n "$id" ]
	for i in $(seq 100); do
		[ "$(cl_job_state "$id")" = RUNNING ] && break
		sleep 0.2
	done
	[ "$(cl_job_state "$id")" = RUNNING ]
	sleep 1
	ls -la "$RDIR/node1" 2>/dev/null || true
	[ ! -e "$RDIR/node1/$id" ]
	cl_slurm scancel "$id"
}

@test "memshare: job and step get SwapTotal x RAM limit / MemTotal, exactly" {
	cl_job -p workgroup -w node1 --mem=400M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun --mem=100M $J/cgread.sh small
	EOF
	cat "$JOBOUT"
	local l jl sl
	l=$(cg batch); jl=$(cl_field "$l" job_limit); sl=$(cl_field "$l" step_limit)
	echo "S=$S M=$M job_limit=$jl step_limit=$sl"
	cl_check_cg "$l" "$(share "$S" "$jl" "$M")" "$(share "$S" "$sl" "$M")"
	# a smaller step gets its own, smaller share; the job keeps the job's
	l=$(cg small); sl=$(cl_field "$l" step_limit)
	[ "$sl" -lt "$jl" ]
	cl_check_cg "$l" "$(share "$S" "$jl" "$M")" "$(share "$S" "$sl" "$M")"
	cl_check_log node1 "$JOBID" batch 1 | grep -q 'node_ram=.* node_cpus='
}

@test "cpushare: the job's CPUs / the node's online CPUs; srun -c, -n, --overcommit and the environment cannot raise it" {
	cluster_plugstack "rules=default()=100%/cpushare"
	cl_job -p workgroup -w node2 -c 1 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun --overcommit -n 6 $J/cgread.sh over || echo "refused over"
	SLURM_CPUS_ON_NODE=64 SLURM_JOB_CPUS_PER_NODE=64 \
		srun $J/cgread.sh env
	SLURM_CPUS_PER_TASK=64 srun $J/cgread.sh cpt || echo "refused cpt"
	EOF
	cat "$JOBOUT"
	local j l
	j=$(share "$S" 1 "$NC")
	echo "S=$S online CPUs=$NC: one CPU's share=$j"
	cl_check_cg "$(cg batch)" "$j" "$j"
	cl_check_cg "$(cg env)" "$j" "$j"
	# srun takes SLURM_CPUS_PER_TASK as its -c, and 26.05 refuses an
	# overcommitted step in a 1-CPU job: a step Slurm runs gets the share
	# of the job's one CPU, a step it refuses nothing.
	for l in over cpt; do
		if grep -q "^CG label=$l .*task=0" "$JOBOUT"; then
			cl_check_cg "$(cg $l)" "$j" "$j"
		else
			grep -q "^refused $l" "$JOBOUT"
		fi
	done
}

@test "cpushare: two CPUs get twice one CPU's share (capped at all of SwapTotal)" {
	cluster_plugstack "rules=default()=100%/cpushare"
	cl_job -p workgroup -w node2 -c 2 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun -n 1 -c 1 $J/cgread.sh one
	EOF
	cat "$JOBOUT"
	cl_check_cg "$(cg batch)" "$(share "$S" 2 "$NC")" "$(share "$S" 2 "$NC")"
	cl_check_cg "$(cg one)" "$(share "$S" 2 "$NC")" "$(share "$S" 1 "$NC")"
}

@test "noprolog + partition(): undecidable, fallback= for the job and the step; a forged SLURM_JOB_PARTITION changes nothing" {
	cluster_plugstack "rules=partition(workgroup)=1GiB,default()=0" "fallback=64MiB"
	cl_job -p workgroup -w node1 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	SLURM_JOB_PARTITION=workgroup srun $J/cgread.sh forged
	EOF
	cat "$JOBOUT"
	cl_check_cg "$(cg batch)" $((64 * MiB)) $((64 * MiB))
	cl_check_cg "$(cg forged)" $((64 * MiB)) $((64 * MiB))
	cl_check_log node1 "$JOBID" batch fallback | grep -q 'no job prolog'
	cl_check_log node1 "$JOBID" 0 fallback
}

@test "noprolog: slurmd start refuses to pretend partition() can be decided (error in its log)" {
	cluster_plugstack "rules=partition(workgroup)=1GiB,default()=0"
	cluster_restart_slurmd
	wait_for_nodes_idle 60
	grep 'swaplimit: ' "$(cl_slurmd_log node1)" | tail -3
	grep -q 'uses partition() or account(), which only the job prolog of swaplimit.so can decide' \
		"$(cl_slurmd_log node1)"
	[ -z "$(cl_bad_nodes)" ]
}
