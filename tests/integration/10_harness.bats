#!/usr/bin/env bats
# The test cluster itself, without swaplimit: it comes up, runs real jobs
# as an ordinary user on the right nodes and partitions, the jobs read their
# own cgroups, and cluster_down leaves nothing behind.

load lib/common
T_NO_PLUGIN=1    # the cluster alone: no swaplimit line, no plugin needed

@test "harness: three idle nodes, partitions reserved/standard/workgroup, 8 CPUs each" {
	run cl_slurm sinfo -h -o '%P %D %N'
	echo "$output"
	[[ "$output" == *"workgroup* 3 node[1-3]"* ]]
	[[ "$output" == *"reserved 2 node[1-2]"* ]]
	[[ "$output" == *"standard 2 node[1-2]"* ]]
	run cl_slurm scontrol show node node2
	[[ "$output" == *"CPUTot=8 "* ]]
	[[ "$output" == *"RealMemory=4000 "* ]]
	[ "$(cl_slurmd_alive)" = "node1 node2 node3" ]
}

@test "harness: the plugin is installed where a site would have it: root-owned, readable by the job user" {
	# A checkout in a 0700 directory (root's home) must work: srun/sbatch,
	# run by the job owner, load the plugin too.
	[ -f "$SWL_PLUGIN_INSTALLED" ]
	[ "$(stat -c '%U %a' "$SWL_PLUGIN_INSTALLED")" = "root 644" ]
	[ "$(stat -c '%U %a' "$(dirname "$SWL_PLUGIN_INSTALLED")")" = "root 755" ]
	runuser -u "$SWL_USER" -- test -r "$SWL_PLUGIN_INSTALLED"
	cmp "$SWL_PLUGIN" "$SWL_PLUGIN_INSTALLED"
}

@test "harness: the swap file is on and 1% of SwapTotal is a whole number of pages" {
	grep -q "^$SWL_DIR/swapfile " /proc/swaps
	local s
	s=$(cl_swap_total)
	echo "SwapTotal=$s"
	[ "$s" -ge 536985600 ]
	# 1% of it is a whole number of pages (exact expected limits)
	[ $((s % 409600)) -eq 0 ]
}

@test "harness: a batch job with an srun runs as the job user and reads its own cgroups" {
	cl_job -p workgroup -w node1 -c 2 --mem=200M <<-EOF
	#!/bin/bash
	id -un
	$SWL_DIR/jobs/cgread.sh batch
	srun $SWL_DIR/jobs/cgread.sh srun
	EOF
	cat "$JOBOUT"
	[ "$JOBSTATE" = COMPLETED ]
	grep -qx "$SWL_USER" "$JOBOUT"
	local b s
	b=$(grep 'label=batch' "$JOBOUT")
	s=$(grep 'label=srun' "$JOBOUT")
	[ "$(cl_field "$b" node)" = node1 ]
	[ "$(cl_field "$b" step)" = batch ]
	[ "$(cl_field "$s" step)" = 0 ]
	[ "$(cl_field "$b" job)" = "$JOBID" ]
	case $SWL_CGV in
	1) [[ "$(cl_field "$b" cg)" == /slurm_node1/uid_*/job_$JOBID/step_batch/task_0 ]] ;;
	# 24.11: job_<id>; 26.05: the job's SLUID unless CgroupJobIdPaths=yes
	2) [[ "$(cl_field "$b" cg)" == */node1_slurmstepd.scope/*/step_batch/user/task_0 ]] ;;
	esac
	# --mem=200M is the RAM limit of job and step
	[ "$(cl_field "$b" job_limit)" = 209715200 ]
	[ "$(cl_field "$s" step_limit)" = 209715200 ]
	# ConstrainSwapSpace=no and no plugin: Slurm leaves memsw unlimited
	cl_check_cg "$b" none none
	cl_check_cg "$s" none none
}

@test "harness: a multi-node srun reports each node from its own cgroup" {
	run cl_srun -p workgroup -N 3 -n 3 --mem=100M "$SWL_DIR/jobs/cgread.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '^CG ')" -eq 3 ]
	local n
	for n in node1 node2 node3; do
		echo "$output" | grep -q "^CG .* node=$n .*job_limit=104857600 "
	done
}

@test "harness: partitions reserved and standard run on node1/node2 only" {
	run cl_srun -p reserved -w node3 true
	echo "$output"
	[ "$status" -ne 0 ]
	run cl_srun -p standard -N 2 "$SWL_DIR/jobs/cgread.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q 'node=node1 .*part=standard'
	echo "$output" | grep -q 'node=node2 .*part=standard'
}

@test "harness: touch_mem really uses swap when a memsw limit allows it" {
	# Without the plugin, memsw is unlimited: 140 MiB on --mem=100M swaps.
	run cl_srun -p workgroup -w node2 --mem=100M \
		"$SWL_DIR/jobs/touch_mem" 140 "$SWL_DIR/jobs/cgread.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	local l
	l=$(echo "$output" | grep '^CG ')
	[ "$(cl_field "$l" step_swap)" -gt 0 ]
}

@test "harness: no node drained, every slurmd alive" {
	[ -z "$(cl_bad_nodes)" ]
	[ "$(cl_slurmd_alive)" = "node1 node2 node3" ]
}

# The not-this-cluster's record the last test makes, removed pass or fail.
teardown() {
	[ -s "$BATS_TEST_TMPDIR/foreign" ] && rm -f "$(cat "$BATS_TEST_TMPDIR/foreign")"
	return 0
}

@test "harness: cluster_down leaves no daemon, cgroup, swap or temp dir" {
	local dir=$SWL_DIR t0=$SECONDS first rd=/run/swaplimit/node1
	# A record of one of this cluster's jobs whose epilog never ran, and
	# one that is not this cluster's (an id below its range, older).
	first=$(sed -n 's/^[[:space:]]*FirstJobId=\([0-9]*\).*/\1/p' "$SWL_CONF")
	mkdir -p "$rd"
	chmod 0700 /run/swaplimit "$rd"
	echo ours >"$rd/$((first + 7))"
	echo other >"$rd/$((first - 1))"
	touch -d '2000-01-01' "$rd/$((first - 1))"
	echo "$rd/$((first - 1))" >"$BATS_TEST_TMPDIR/foreign"
	cluster_down
	echo "down took $((SECONDS - t0))s"
	[ ! -e "$dir" ]
	[ ! -e "$rd/$((first + 7))" ]
	[ -e "$rd/$((first - 1))" ]
	run cl_leftovers
	echo "$output"
	[ -z "$output" ]
	# the lock is free again
	flock -n "$SWL_LOCK" true
	# and a second cluster_down is harmless
	cluster_down
}
