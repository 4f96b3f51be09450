#!/usr/bin/env bats
# Slurm 26.05's dynamic memory resizing and swaplimit. `scontrol update
# JobId=X MinMemoryNode=M` (and sbatch --mem-update=MARGIN@DELAY, which ends
# in the same REQUEST_UPDATE_JOB_MEM) LOWERS the memory of a running job:
# slurmd asks every slurmstepd of the job on the node, and each rewrites
# memory.max/memory.high of the job cgroup and of its own step (the step to
# min(its memory, the job's new memory)); with ConstrainSwapSpace=yes also
# memory.swap.max (to AllowedSwapSpace of the NEW memory), at both. No SPANK
# function is called (Slurm 26.05 src/plugins/task/cgroup/task_cgroup_memory.c
# task_cgroup_memory_update_limit, src/slurmd/slurmstepd/req.c
# _handle_update_mem_limits). Increases are refused; the job needs an extern
# step (PrologFlags=contain), else ESLURM_EXTERN_ONLY.
#
# What these tests show (values read from INSIDE the jobs, jobs/cgread.sh):
#   - ConstrainSwapSpace=no: swaplimit's memory.swap.max stays as written;
#     a %mem term is then stale for the running steps; the next step
#     re-evaluates it against the new RAM limit and rewrites the job's;
#   - ConstrainSwapSpace=yes: Slurm overwrites swaplimit's values of the job
#     and of every running step with its own; the next step re-applies;
#   - a step whose RAM + swap in use does not fit the new RAM + its swap
#     allowance is OOM-killed by the resize; one that fits is pushed to swap.
# Only on Slurm 26.05+ with cgroup v2 (the sid VM, tests/vm/vm.sh sid):
# elsewhere every test skips with the reason.

load lib/common
T_RULES='default()=50%mem'
T_RESET_RULES=1

t_skip_reason() {
	local v=${SWL_SLURM_VERSION:-0}
	if [ "$(printf '%s\n' "$v" 26.05 | sort -V | head -1)" != 26.05 ]; then
		echo "Slurm $v has no dynamic memory resizing of running jobs (scontrol update MinMemoryNode / --mem-update: Slurm 26.05+)"
	elif [ "$SWL_CGV" != 2 ]; then
		echo "written for cgroup v2 (memory.swap.max); this machine's memory cgroup is v${SWL_CGV:-?}"
	fi
}

t_before_up() {
	# resizing needs the extern step
	export SWL_SLURM_EXTRA="PrologFlags=contain"
}

t_setup() {
	O=$SWL_DIR/out/t$BATS_TEST_NUMBER
}

teardown() {
	[ -z "$SKIP_REASON" ] || return 0
	# a failed test must not leave its job waiting (and holding node1)
	touch "$O.go" "$O.s0" 2>/dev/null
	if [ -n "${JOBID:-}" ]; then
		cl_slurm scancel "$JOBID" 2>/dev/null
		cl_wait_job "$JOBID" 60 || true
	fi
	return 0
}

# submit SBATCH_ARGS... <SCRIPT: sbatch as the job user, without waiting.
submit() {
	JOBID=$(cl_as_user sbatch --parsable --chdir="$SWL_DIR/out" \
		--output="$SWL_DIR/out/%j.out" "$@" | cut -d';' -f1)
	[ -n "$JOBID" ] || return 1
	JOBOUT=$SWL_DIR/out/$JOBID.out
	echo "job $JOBID"
}

# wait_file FILE [SECONDS]
wait_file() {
	local i
	for i in $(seq $((${2:-120} * 2))); do
		[ -e "$1" ] && return 0
		sleep 0.5
	done
	echo "no $1 after ${2:-120}s; job output:" >&2
	cat "$JOBOUT" >&2
	return 1
}

# The CG line with label L in the job's output.
cg() { grep -m1 "^CG label=$1 " "$JOBOUT"; }
f() { cl_field "$(cg "$1")" "$2"; }

# The cgroup directory (under /sys/fs/cgroup) of the step whose CG line is L
# (its user/ directory, where Slurm writes the step's limits), and the job's.
step_dir() { local c; c=$(f "$1" cg); c=${c%/task_*}; echo "/sys/fs/cgroup$c"; }
job_dir() { local c; c=$(f "$1" cg); c=${c%/step_*}; echo "/sys/fs/cgroup$c"; }

# resize MB LABEL...: scontrol update MinMemoryNode=MB (as root, as an
# admin would), then wait until the job's memory.max and each labelled
# step's show it (Slurm applies it asynchronously, slurmctld -> slurmd ->
# each slurmstepd).
resize() {
	local mb=$1 l d i ok; shift
	run cl_slurm scontrol update JobId="$JOBID" MinMemoryNode="$mb"
	echo "scontrol update JobId=$JOBID MinMemoryNode=$mb: status=$status $output"
	[ "$status" -eq 0 ] || return 1
	for i in $(seq 120); do
		ok=1
		[ "$(cat "$(job_dir "$1")/memory.max")" = $((mb * MiB)) ] || ok=0
		for l in "$@"; do
			d=$(step_dir "$l")
			[ ! -d "$d" ] || [ "$(cat "$d/memory.max")" = $((mb * MiB)) ] || ok=0
		done
		[ "$ok" = 1 ] && break
		sleep 0.5
	done
	grep -h "memory limit\|mem_limit\|update_job_mem\|UPDATE_JOB_MEM" "$(cl_slurmd_log node1)" | tail -n 8
	[ "$ok" = 1 ] || { echo "memory.max not $mb MiB after 60s" >&2; return 1; }
}

# The script shared by the tests: the batch step and a running srun step
# read their cgroups, signal ready, wait for the test's resize ($O.go), read
# again; then a NEW step, and the batch step once more. $1: the command the
# srun step runs before (and holding memory while) it reads (e.g. touch_mem).
script() {
	cat <<-EOF
	#!/bin/bash
	$J/cgread.sh b0
	srun --mem=200M ${1:-bash -c} "$J/cgread.sh s0; touch $O.s0; while [ ! -e $O.go ]; do sleep 0.5; done; $J/cgread.sh s1" &
	s0=\$!
	while [ ! -e $O.s0 ]; do sleep 0.5; done
	touch $O.ready
	while [ ! -e $O.go ]; do sleep 0.5; done
	$J/cgread.sh b1
	wait \$s0
	echo "srun step 0 ended: \$?"
	srun --mem=100M $J/cgread.sh n1
	$J/cgread.sh b2
	EOF
}

# figures LABEL...: the values of those CG lines, as TAP comments (shown
# also when the test passes: what the resize did)
figures() {
	local l
	for l in "$@"; do
		[ -n "$(cg "$l")" ] || { echo "# $l: (no line)" >&3; continue; }
		echo "# $l: job memory.max=$(f "$l" job_limit) swap.max=$(f "$l" job_swapmax); step memory.max=$(f "$l" step_limit) swap.max=$(f "$l" step_swapmax) swap.current=$(f "$l" step_swap)" >&3
	done
}

# swaplimit's step lines for this job on node1, as text
sl_lines() { grep -F "swaplimit: job=$JOBID " "$(cl_slurmd_log node1)"; }

@test "raising a running job's memory is refused by Slurm (only lowering is allowed)" {
	submit -p workgroup -w node1 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh b0
	while [ ! -e $O.go ]; do sleep 0.5; done
	EOF
	wait_file "$JOBOUT"
	for _ in $(seq 120); do cg b0 >/dev/null && break; sleep 0.5; done
	run cl_slurm scontrol update JobId="$JOBID" MinMemoryNode=300
	echo "status=$status $output"
	touch "$O.go"
	cl_wait_job "$JOBID"
	[ "$status" -ne 0 ]
	[ "$(f b0 job_limit)" = $((200 * MiB)) ]
}

@test "ConstrainSwapSpace=no: resize keeps swaplimit's swap.max (stale 50%mem); the next step re-evaluates" {
	submit -p workgroup -w node1 --mem=200M < <(script "")
	wait_file "$O.ready"
	local n0 n1
	n0=$(sl_lines | wc -l)
	resize 100 b0 s0
	# no SPANK hook: swaplimit logs nothing (and so writes nothing) for a resize
	n1=$(sl_lines | wc -l)
	echo "# swaplimit lines for the job before the resize: $n0, after: $n1" >&3
	[ "$n1" = "$n0" ]
	touch "$O.go"
	cl_wait_job "$JOBID"
	cat "$JOBOUT"
	figures b0 s0 b1 s1 n1 b2
	sl_lines
	# before: 50% of 200M at the job and both steps
	cl_check_cg "$(cg b0)" $((100 * MiB)) $((100 * MiB))
	cl_check_cg "$(cg s0)" $((100 * MiB)) $((100 * MiB))
	# after the resize: RAM 100M, swap still 100M (50%mem would be 50M)
	[ "$(f b1 job_limit)" = $((100 * MiB)) ]
	[ "$(f b1 step_limit)" = $((100 * MiB)) ]
	[ "$(f s1 step_limit)" = $((100 * MiB)) ]
	cl_check_cg "$(cg b1)" $((100 * MiB)) $((100 * MiB))
	cl_check_cg "$(cg s1)" $((100 * MiB)) $((100 * MiB))
	# the next step: swaplimit reads the new job RAM limit and rewrites the
	# job's swap.max: 50% of 100M
	[ "$(f n1 job_limit)" = $((100 * MiB)) ]
	cl_check_cg "$(cg n1)" $((50 * MiB)) $((50 * MiB))
	# the batch step's own value stays stale (100M), capped by the job's 50M
	cl_check_cg "$(cg b2)" $((50 * MiB)) $((100 * MiB))
}

@test "ConstrainSwapSpace=no: a step that fits is pushed into swap by the resize and lives" {
	# 150M touched in 200M RAM (no swap); RAM lowered to 100M: ~50M must go
	# to swap, within the 100M allowance
	submit -p workgroup -w node1 --mem=200M < <(script "$J/touch_mem 150")
	wait_file "$O.ready"
	[ "$(f s0 step_swap)" -lt $((10 * MiB)) ]
	resize 100 b0 s0
	touch "$O.go"
	cl_wait_job "$JOBID"
	cat "$JOBOUT"
	figures b0 s0 b1 s1 n1 b2
	grep -q 'srun step 0 ended: 0' "$JOBOUT"
	echo "step 0 swap after the resize: $(f s1 step_swap)"
	[ "$(f s1 step_swap)" -gt $((40 * MiB)) ]
	cl_check_cg "$(cg s1)" $((100 * MiB)) $((100 * MiB))
}

@test "ConstrainSwapSpace=no: a job already deep in swap has a process OOM-killed by the resize itself" {
	# 220M touched in 200M RAM + 100M swap: 20M+ in swap (250M was
	# OOM-killed on the way in: the job's batch step and page cache share
	# the 300M). RAM lowered to 100M: 120M would have to be in swap, more
	# than the 100M allowance: the kernel's memory.max write OOM-kills
	# inside the job until it fits
	submit -p workgroup -w node1 --mem=200M < <(script "$J/touch_mem 220")
	wait_file "$O.ready"
	echo "# step 0 in swap before the resize: $(f s0 step_swap)" >&3
	[ "$(f s0 step_swap)" -gt $((10 * MiB)) ]
	# who could be chosen (oom_score_adj), for the record
	local c p jd
	jd=$(job_dir b0)
	for c in $(find "$jd" -name cgroup.procs); do
		for p in $(cat "$c"); do
			echo "# before: ${c#"$jd"/} pid $p $(cat /proc/$p/comm 2>/dev/null) oom_score_adj=$(cat /proc/$p/oom_score_adj 2>/dev/null) oom_score=$(cat /proc/$p/oom_score 2>/dev/null)" >&3
		done
	done
	local t0=$SECONDS
	resize 100 b0
	echo "# resize done in $((SECONDS - t0))s" >&3
	touch "$O.go"
	cl_wait_job "$JOBID"
	cat "$JOBOUT"
	figures b0 s0 b1 s1 n1 b2
	dmesg 2>/dev/null | grep -iE "killed process|invoked oom-killer" | tail -n 4 | sed 's/^/# dmesg: /' >&3
	grep -E "oom|usage: job=$JOBID " "$(cl_slurmd_log node1)" | grep -F "$JOBID" | sed 's/^/# /' >&3
	echo "# job state: $(cl_job_state "$JOBID")" >&3
	# step 0 did not live past the resize (no line after it)
	[ -z "$(cg s1)" ]
	# the kernel OOM-killed in the job during Slurm's memory.max write, and
	# Slurm and swaplimit's report saw it. WHICH processes is the kernel's
	# choice: in three VM runs, the batch script's srun; srun, the batch
	# script and the step's shell; the 220M process and srun
	grep -q "Detected [0-9]* oom_kill event.* StepId=$JOBID\." "$(cl_slurmd_log node1)"
	grep -F "swaplimit: usage: job=$JOBID " "$(cl_slurmd_log node1)" | grep -q 'verdict=oom'
}

@test "ConstrainSwapSpace=yes: resize overwrites swaplimit's swap.max with Slurm's; the next step re-applies" {
	cluster_cgroup_conf ConstrainSwapSpace=yes AllowedSwapSpace=10
	cluster_restart_slurmd
	submit -p workgroup -w node1 --mem=200M < <(script "")
	wait_file "$O.ready"
	resize 100 b0 s0
	touch "$O.go"
	cl_wait_job "$JOBID"
	cat "$JOBOUT"
	figures b0 s0 b1 s1 n1 b2
	# before: swaplimit's 50% of 200M replaced Slurm's 10%
	cl_check_cg "$(cg b0)" $((100 * MiB)) $((100 * MiB))
	cl_check_cg "$(cg s0)" $((100 * MiB)) $((100 * MiB))
	# after: Slurm's AllowedSwapSpace=10% of the new 100M, at the job and
	# at every running step; swaplimit's values are gone
	local slurm=$((100 * MiB / 10 / 4096 * 4096))
	[ "$(f b1 job_swapmax)" = "$slurm" ]
	[ "$(f b1 step_swapmax)" = "$slurm" ]
	[ "$(f s1 step_swapmax)" = "$slurm" ]
	# the next step: Slurm writes 10% again, swaplimit then its 50% of 100M
	cl_check_cg "$(cg n1)" $((50 * MiB)) $((50 * MiB))
	cl_check_cg "$(cg b2)" $((50 * MiB)) "$slurm"
}
