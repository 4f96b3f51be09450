#!/usr/bin/env bats
# Runs last: after every other file's teardown_file, nothing of a test
# cluster is left on the machine (daemons, slurm_node* cgroups, swap files,
# listeners on the cluster's ports). Holds the cluster lock while looking,
# so that another run's live cluster is never mistaken for a leftover.

setup() {
	load lib/cluster
}

@test "after the suite: no daemon, cgroup, swap file or port of a test cluster is left" {
	exec {fd}>>"$SWL_LOCK"
	flock -w 900 "$fd"
	run cl_leftovers
	exec {fd}>&-
	echo "$output"
	[ -z "$output" ]
}
