#!/usr/bin/env bats
# PrologFlags=RunInJob (Slurm 23.11+) with swaplimit.so: docs/plugin.md
# says, from Slurm's source, that the prolog then runs inside the extern
# step's slurmstepd, which never runs SPANK job prologs -- so swaplimit.so
# gets no record and partition() falls back as with swaplimit_noprolog.so.
# This file checks that claim on the Slurm it runs with: if a later Slurm
# runs the SPANK prolog there, the record appears and these tests fail,
# and the documentation must change. Skipped on Slurm 22.05 (no RunInJob).

load lib/common
T_RULES="partition(workgroup)=1GiB,default()=0 fallback=64MiB"

t_skip_reason() {
	case ${SWL_SLURM_VERSION:-} in
	2[01].* | 22.* | 23.0*) echo "Slurm ${SWL_SLURM_VERSION} has no PrologFlags=RunInJob (23.11+)" ;;
	esac
}

t_before_up() {
	export SWL_SLURM_EXTRA="PrologFlags=RunInJob,Contain"
}

t_setup() {
	RDIR=/run/swaplimit
}

cg() { grep "^CG label=$1 " "$JOBOUT" | grep -m1 ' task=0 '; }

@test "RunInJob: no prolog record; partition() gets fallback= and the step says the record is missing" {
	cl_job -p workgroup -w node1 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun $J/cgread.sh srun
	EOF
	cat "$JOBOUT"
	[ ! -e "$RDIR/node1/$JOBID" ]
	cl_check_cg "$(cg batch)" $((64 * MiB)) $((64 * MiB))
	cl_check_cg "$(cg srun)" $((64 * MiB)) $((64 * MiB))
	cl_check_log node1 "$JOBID" batch fallback
	grep -F "job=$JOBID " "$(cl_slurmd_log node1)" | grep -q 'no partition/account record from the job prolog'
}

@test "RunInJob: the extern step still runs task_post_fork (task -1) and gets the job's value" {
	local id i
	id=$(cl_as_user salloc --no-shell -p workgroup -w node1 --mem=200M -t 5 2>&1 |
		sed -n 's/.*Granted job allocation \([0-9]*\).*/\1/p' | head -1)
	[ -n "$id" ]
	for i in $(seq 100); do
		grep -qF "swaplimit: job=$id step=extern node=node1 " "$(cl_slurmd_log node1)" && break
		sleep 0.2
	done
	cl_slurm scancel "$id"
	grep -F "swaplimit: job=$id step=extern node=node1 " "$(cl_slurmd_log node1)" |
		grep -q 'term=fallback'
}
