#!/usr/bin/env bats
# Scheduled swap: a count-only GRES (GresTypes=swap, Gres=swap:2G on each
# node, no gres.conf) and the `gres` limit, on the real cluster with
# swaplimit.so gres=swap. A job that asks --gres=swap:300M gets exactly
# that much swap in its job and step cgroups; the count comes from
# slurmctld (asked once per job and node by the job prolog), so what a job
# owner controls -- srun's own --gres, the step environment -- cannot
# raise it. Expected values are Slurm's own units (G/M: powers of 1024).

load lib/common
T_RULES="partition(reserved)=gres,default(){max_swap=64MiB}=gres gres=swap"
T_RESET_RULES=1

t_before_up() {
	# A job Slurm cannot schedule here says why within a minute.
	export SWL_JOB_TIMEOUT=90
	export SWL_SLURM_EXTRA="GresTypes=swap"
	# A count-only GRES, declared as such in gres.conf (22.05 also works
	# without the line).
	export SWL_GRES_CONF="NodeName=node[1-3] Name=swap Count=2G Flags=CountOnly"
	export SWL_NODE_EXTRA="Gres=swap:2G "
}

cg() { grep "^CG label=$1 " "$JOBOUT" | grep -m1 ' task=0 '; }

@test "gres: slurmctld counts the swap GRES of each node" {
	cl_slurm scontrol show node node1 | grep -E 'Gres=swap:2G'
}

@test "gres: --gres=swap:300M gets exactly 300MiB in the job and its steps" {
	cl_job -p reserved -w node1 --mem=200M --gres=swap:300M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun $J/cgread.sh srun
	SLURM_JOB_GRES=gres:swap:2G SLURM_JOB_CPUS_PER_NODE=8 srun $J/cgread.sh forged
	EOF
	cat "$JOBOUT"
	cl_check_cg "$(cg batch)" $((300 * MiB)) $((300 * MiB))
	cl_check_cg "$(cg srun)" $((300 * MiB)) $((300 * MiB))
	cl_check_cg "$(cg forged)" $((300 * MiB)) $((300 * MiB))
	cl_check_log node1 "$JOBID" batch 1 | grep -q " gres=$((300 * MiB))"
	# the prolog asked slurmctld once for this job on node1, and says
	# what it cost (a figure, not a limit: shown in the test's output)
	local asked
	asked=$(grep -E "prolog: job=$JOBID node=node1: swap GRES $((300 * MiB)) from slurmctld in [0-9]+ us" \
		"$(cl_slurmd_log node1)")
	[ "$(echo "$asked" | wc -l)" -eq 1 ]
	echo "# gres lookup (fork + RPC): ${asked##* in }" >&3
}

@test "gres: a job without the GRES gets none; the owner's srun --gres and environment cannot add any" {
	cl_job -p reserved -w node1 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	SLURM_JOB_GRES=gres:swap:1G CUDA_VISIBLE_DEVICES=0 srun $J/cgread.sh env
	SLURM_STEP_GRES=gres:swap:1G srun $J/cgread.sh stepenv || echo "refused stepenv"
	srun --gres=swap:1G $J/cgread.sh asked || echo "refused asked"
	EOF
	cat "$JOBOUT"
	cl_check_cg "$(cg batch)" 0 0
	cl_check_cg "$(cg env)" 0 0
	# srun takes SLURM_STEP_GRES as its --gres; Slurm (22.05) refuses a step
	# GRES the job does not hold. Should a later Slurm run such a step, it
	# must still get nothing.
	local l
	for l in stepenv asked; do
		if grep -q "^CG label=$l .*task=0" "$JOBOUT"; then
			cl_check_cg "$(cg $l)" 0 0
		else
			grep -q "^refused $l" "$JOBOUT"
		fi
	done
}

@test "gres: the count is per node (a two-node job), and max_swap still caps it" {
	cl_job -p workgroup -N 2 -w node1,node2 --mem=200M --gres=swap:100M <<-EOF
	#!/bin/bash
	srun -N 2 -n 2 $J/cgread.sh both
	EOF
	cat "$JOBOUT"
	local l n
	for n in node1 node2; do
		l=$(grep "^CG label=both node=$n " "$JOBOUT" | head -1)
		# default(){max_swap=64MiB}=gres: 100MiB asked, 64MiB granted
		cl_check_cg "$l" $((64 * MiB)) $((64 * MiB))
	done
}

@test "gres: without gres= the term cannot be decided (fallback=) and slurmd says so at start" {
	cluster_plugstack "rules=default()=gres" "fallback=16MiB"
	cluster_restart_slurmd
	wait_for_nodes_idle 60
	grep -q 'uses the gres limit, which needs the plugin argument gres=NAME' "$(cl_slurmd_log node1)"
	cl_job -p workgroup -w node1 --mem=200M --gres=swap:300M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	EOF
	cat "$JOBOUT"
	cl_check_cg "$(cg batch)" $((16 * MiB)) $((16 * MiB))
	cl_check_log node1 "$JOBID" batch fallback
	[ -z "$(cl_bad_nodes)" ]
}
