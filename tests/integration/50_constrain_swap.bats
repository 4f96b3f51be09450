#!/usr/bin/env bats
# cgroup.conf ConstrainSwapSpace=yes (AllowedSwapSpace=10): Slurm itself sets
# memsw = limit + 10% at every step (and rewrites the JOB cgroup's memsw at
# each new step). A job matching no term keeps exactly what Slurm set; a
# matching job gets the rule's allowance back at every step.

load lib/common
T_RULES=$SWL_PROD_RULES

# With the plugin from the start: slurmd runs the plugin's job prolog
# (partition record) only when plugstack.conf had it at slurmd start.
t_cluster_up() {
	SWL_CGROUP_EXTRA="ConstrainSwapSpace=yes AllowedSwapSpace=10" \
		cluster_up "rules=$T_RULES"
}

t_setup() {
	S=$(cl_swap_total)
	P1=$((S / 100))
}

cg() { grep "^CG label=$1 " "$JOBOUT" | grep -m1 ' task=0 '; }

@test "constrain=yes, no plugin: Slurm sets memsw = limit + 10% (the baseline)" {
	grep -qx 'ConstrainSwapSpace=yes' "$SWL_DIR/etc/cgroup.conf"
	cluster_plugstack
	cl_job -p workgroup -w node1 -c 2 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	EOF
	cat "$JOBOUT"
	local slurm=$((200 * MiB * 110 / 100))
	cl_check_cg "$(cg batch)" "=$slurm" "=$slurm"
	echo "$slurm" >"$SWL_DIR/baseline"
}

@test "constrain=yes, no term matches: memsw stays exactly what Slurm set" {
	cluster_plugstack 'rules=host(node3)=none,partition(reserved)=1%/task,partition(standard)=0MiB'
	cl_job -p workgroup -w node1 -c 2 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun $J/cgread.sh srun
	EOF
	cat "$JOBOUT"
	local slurm
	slurm=$(cat "$SWL_DIR/baseline")
	[ -n "$slurm" ]
	cl_check_cg "$(cg batch)" "=$slurm" "=$slurm"
	cl_check_cg "$(cg srun)" "=$slurm" "=$slurm"
	cl_check_log node1 "$JOBID" batch none
	cl_check_log node1 "$JOBID" 0 none
}

@test "constrain=yes, a matching job: the plugin re-applies its allowance at every step" {
	cluster_plugstack "rules=$SWL_PROD_RULES"
	cl_job -p reserved -w node1 -n 2 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh before
	srun -n 2 $J/cgread.sh s0
	$J/cgread.sh after0
	srun -n 1 $J/cgread.sh s1
	$J/cgread.sh after1
	EOF
	cat "$JOBOUT"
	# job: 1% x 2 (its CPUs); batch step 1 task; Slurm's own +10% is gone
	cl_check_cg "$(cg before)" $((2 * P1)) "$P1"
	cl_check_cg "$(cg s0)" $((2 * P1)) $((2 * P1))
	cl_check_cg "$(cg after0)" $((2 * P1)) "$P1"
	cl_check_cg "$(cg s1)" $((2 * P1)) "$P1"
	cl_check_cg "$(cg after1)" $((2 * P1)) "$P1"
	local s
	for s in batch 0 1; do cl_check_log node1 "$JOBID" "$s" 2; done
}

@test "constrain=yes, standard=0MiB: below Slurm's +10%, memsw equals the limit" {
	cluster_plugstack "rules=$SWL_PROD_RULES"
	cl_job -p standard -w node2 --mem=200M <<-EOF
	#!/bin/bash
	srun $J/cgread.sh s0
	$J/cgread.sh after
	EOF
	cat "$JOBOUT"
	cl_check_cg "$(cg s0)" 0 0
	cl_check_cg "$(cg after)" 0 0
	[ -z "$(cl_bad_nodes)" ]
}
