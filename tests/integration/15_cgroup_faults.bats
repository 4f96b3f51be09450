#!/usr/bin/env bats
# Fault injection for the cgroup writer (src/cgroup) on REAL cgroup v1
# memory cgroups that this file creates and removes itself:
#   /sys/fs/cgroup/memory/swaplimit-test-<pid>/job_<n>/step_0[/task_0]
# driven through build/sl-cgtool (sl_cg_find/sl_cg_apply/sl_cg_read_usage
# on a pid). Needs root and a v1 memory controller with swap accounting;
# skips with the reason otherwise. The EBUSY test needs swap: setup_file
# makes a small swap file of its own (swapoff + rm in teardown_file).
# Only processes started here are killed, only cgroups created here are
# removed; Slurm's own cgroups (memory/slurm_*) are never touched.
#
#   bats tests/integration/15_cgroup_faults.bats     (or: make cgroup-faults)

load lib/cgfaults
MEMROOT=/sys/fs/cgroup/memory
CGF_PARENT=$MEMROOT
CGF_CREATES="memory cgroups"
UNL=9223372036854771712     # v1 "no limit" with 4 KiB pages

cgf_skip_reason() {
	[ -e "$MEMROOT/memory.memsw.limit_in_bytes" ] ||
		echo "no cgroup v1 memory controller with swap accounting ($MEMROOT/memory.memsw.limit_in_bytes absent: no v1 memory hierarchy, or the kernel lacks swapaccount=1)"
}

cgf_setup() {
	# laid out as Slurm does on v1 (slurm[_<node>]/uid_<uid>/job_<id>): the
	# finder refuses any other shape
	mkdir -p "$TROOT/slurm_t/uid_0"
	JOB="$TROOT/slurm_t/uid_0/job_$BATS_TEST_NUMBER"
	CGF_TEST_TOP=$JOB
	STEP="$JOB/step_0"
	mkdir -p "$STEP"
}

# --- helpers (more in lib/cgfaults.bash) ---------------------------------

set_limits() {   # dir limit memsw
	echo "$2" >"$1/memory.limit_in_bytes"
	echo "$3" >"$1/memory.memsw.limit_in_bytes"
}

memsw() { cat "$1/memory.memsw.limit_in_bytes"; }

# --- tests ---------------------------------------------------------------

@test "find: the real /proc/<pid>/cgroup of a task in job_N/step_0" {
	start_sleep "$STEP"
	run "$CGTOOL" find "$SPID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"version=1"* ]]
	[[ "$output" == *"job_dir=$JOB"$'\n'* ]]
	[[ "$output" == *"step_dir=$STEP"* ]]
}

@test "find: a process outside any Slurm cgroup is refused with the reason" {
	run "$CGTOOL" find $$
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"/proc/$$/cgroup"* ]]
	[[ "$output" == *"is not inside Slurm's"* ]]
	[[ "$output" == *"TaskPlugin=task/cgroup"* ]]
}

@test "apply raises step then job: real memsw = limit + swap" {
	set_limits "$JOB" 200M 200M        # as Slurm sets them with no swap allowed
	set_limits "$STEP" 100M 100M
	start_sleep "$STEP"
	run "$CGTOOL" apply "$SPID" 64M 32M
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(memsw "$JOB")" = 276824064 ]   # 200M + 64M
	[ "$(memsw "$STEP")" = 138412032 ]  # 100M + 32M
	# step first, then job
	[ "${lines[3]}" = "wrote $STEP/memory.memsw.limit_in_bytes 138412032" ]
	[ "${lines[4]}" = "wrote $JOB/memory.memsw.limit_in_bytes 276824064" ]
}

@test "apply raises the step above its job for one write (the kernel has no parent check); lowers; none writes -1" {
	set_limits "$JOB" 200M 250M
	set_limits "$STEP" 100M 100M
	start_sleep "$STEP"
	# No memsw is read first: the step goes to 300M while the job still
	# has 250M, and the real kernel takes it.
	run "$CGTOOL" apply "$SPID" 100M 200M
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(memsw "$STEP")" = 314572800 ]
	[ "$(memsw "$JOB")" = 314572800 ]
	run "$CGTOOL" apply "$SPID" 0 0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "wrote $STEP/memory.memsw.limit_in_bytes 104857600" ]
	[ "${lines[4]}" = "wrote $JOB/memory.memsw.limit_in_bytes 209715200" ]
	[ "$(memsw "$JOB")" = 209715200 ]
	[ "$(memsw "$STEP")" = 104857600 ]
	run "$CGTOOL" apply "$SPID" none none
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"memory.memsw.limit_in_bytes -1"* ]]
	[ "$(memsw "$JOB")" = "$UNL" ]
	[ "$(memsw "$STEP")" = "$UNL" ]
}

@test "kernel refuses memsw below the RAM limit (EINVAL): Slurm raised the limit meanwhile" {
	set_limits "$JOB" 100M -1
	set_limits "$STEP" 100M -1
	start_sleep "$STEP"
	# After apply has read the 100M limits and opened both files, just
	# before its first write (the step's), the step's RAM limit goes up to
	# 200M: our 100M + 8M is now below it and the kernel says EINVAL.
	run "$CGTOOL" --before-write 'echo 200M >"$SL_STEP_DIR/memory.limit_in_bytes"' \
		apply "$SPID" 8M 8M
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$STEP/memory.memsw.limit_in_bytes: cannot write '113246208'"* ]]
	[[ "$output" == *"(EINVAL): memsw below memory limit"* ]]
	[[ "$output" == *"nothing written"* ]]
	[[ "$output" == *"nwritten=0"* ]]
	[ "$(memsw "$JOB")" = "$UNL" ]
	[ "$(memsw "$STEP")" = "$UNL" ]
}

@test "kernel refuses memsw below usage (EBUSY): a step already in swap" {
	[ "$SWAP_OK" = 1 ] || skip "could not make a swap file here (fallocate/mkswap/swapon)"
	set_limits "$JOB" 256M -1
	set_limits "$STEP" 32M -1
	start_sleep "$STEP"
	start_memtouch "$STEP" 64            # 64 MiB in a 32 MiB cgroup: swaps
	swap=$(awk '$1 == "total_swap" {print $2}' "$STEP/memory.stat")
	echo "step total_swap=$swap"
	[ "$swap" -gt $((16 * 1024 * 1024)) ]
	run "$CGTOOL" usage "$SPID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"have_swap_figures=1"* ]]
	[[ "$output" == *"swap_limit=unlimited"* ]]
	[[ "$output" != *"swap_now=0"$'\n'* ]]
	# 32M + 8M is below what the step holds (64M+): EBUSY at the first
	# write (the step's), nothing written
	run "$CGTOOL" apply "$SPID" 8M 8M
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$STEP/memory.memsw.limit_in_bytes: cannot write '41943040'"* ]]
	[[ "$output" == *"(EBUSY): the cgroup already uses more RAM+swap than the new limit"* ]]
	[[ "$output" == *"nothing written"* ]]
	[[ "$output" == *"nwritten=0"* ]]
	[ "$(memsw "$JOB")" = "$UNL" ]
	[ "$(memsw "$STEP")" = "$UNL" ]
	kill -0 "$MPID"                      # the task lives on
	# enough room: accepted, the task still runs
	run "$CGTOOL" apply "$SPID" 128M 96M
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(memsw "$STEP")" = $((128 * 1024 * 1024)) ]
	[ "$(memsw "$JOB")" = $((384 * 1024 * 1024)) ]
	kill -0 "$MPID"
}

@test "a job already using more than its new limit (EBUSY at the job): the new step still gets its limit" {
	[ "$SWAP_OK" = 1 ] || skip "could not make a swap file here (fallocate/mkswap/swapon)"
	set_limits "$JOB" 32M -1
	set_limits "$STEP" 100M -1
	mkdir "$JOB/step_1"
	start_memtouch "$JOB/step_1" 64      # another step: 64 MiB in the job's 32 MiB
	start_sleep "$STEP"
	# the job's 32M + 8M is below what the job holds: EBUSY there; the
	# step, written first, has its limit
	run "$CGTOOL" apply "$SPID" 8M 8M
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"wrote $STEP/memory.memsw.limit_in_bytes 113246208"* ]]
	[[ "$output" == *"$JOB/memory.memsw.limit_in_bytes: cannot write '41943040'"* ]]
	[[ "$output" == *"(EBUSY)"* ]]
	[[ "$output" == *"already written: $STEP/memory.memsw.limit_in_bytes"* ]]
	[[ "$output" == *"nwritten=1"* ]]
	[ "$(memsw "$STEP")" = 113246208 ]
	[ "$(memsw "$JOB")" = "$UNL" ]
	kill -0 "$MPID"
}

@test "the task exits between find and apply: cgroup vanished, nothing written" {
	set_limits "$JOB" 100M 100M
	set_limits "$STEP" 100M 100M
	start_sleep "$STEP"
	# As Slurm does when the step ends: the task dies, its cgroup goes.
	run "$CGTOOL" --between "kill -9 $SPID; for i in \$(seq 50); do rmdir '$STEP' 2>/dev/null && break; sleep 0.1; done" \
		apply "$SPID" 64M 64M
	echo "$output"
	[ "$status" -eq 1 ]
	[ ! -d "$STEP" ]
	[[ "$output" == *"cgroup vanished: the task exited"* ]]
	[[ "$output" == *"nothing written"* ]]
	[ "$(memsw "$JOB")" = 104857600 ]
	# and later, the /proc file itself is gone
	wait "$SPID" 2>/dev/null || true
	run "$CGTOOL" find "$SPID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"/proc/$SPID/cgroup"* ]]
}

@test "the task exits after apply opened the files: ENODEV at the step, nothing written" {
	set_limits "$JOB" 100M 100M
	set_limits "$STEP" 100M 100M
	start_sleep "$STEP"
	# before the first write (the step's) the task dies and its cgroup
	# is removed while apply holds the step's file open.
	run "$CGTOOL" --before-write "kill -9 $SPID; for i in \$(seq 50); do rmdir '$STEP' 2>/dev/null && break; sleep 0.1; done" \
		apply "$SPID" 64M 64M
	echo "$output"
	[ "$status" -eq 1 ]
	[ ! -d "$STEP" ]
	[[ "$output" == *"nwritten=0"* ]]
	[[ "$output" == *"$STEP/memory.memsw.limit_in_bytes: cannot write '171966464'"* ]]
	[[ "$output" == *"the task exited"* ]]
	[[ "$output" == *"nothing written"* ]]
	[ "$(memsw "$JOB")" = 104857600 ]
}

@test "usage: an OOM kill in task_0 is counted at the step (v1 counts it in the victim's cgroup)" {
	set_limits "$STEP" 32M 32M
	mkdir "$STEP/task_0"
	start_sleep "$STEP"
	# 64 MiB with no swap allowed: OOM-killed
	start_memtouch "$STEP/task_0" 64 || true
	wait "$MPID" 2>/dev/null || true
	grep -q '^oom_kill [1-9]' "$STEP/task_0/memory.oom_control"
	grep -q '^oom_kill 0' "$STEP/memory.oom_control"
	run "$CGTOOL" usage "$SPID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"oom_kills=1"* ]]
	[[ "$output" == *"ram_limit=33554432"* ]]
	[[ "$output" == *"swap_limit=0"* ]]
}
