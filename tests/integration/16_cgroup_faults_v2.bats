#!/usr/bin/env bats
# Fault injection for the cgroup writer (src/cgroup) on a REAL cgroup v2
# (the test VMs, tests/vm: Debian trixie kernel 6.12, sid kernel 7.2), the
# v2 counterpart of 15_cgroup_faults.bats. This file makes its own tree, laid
# out as Slurm 24.11/26.05 lay out theirs (src/cgroup/cg_find.c):
#   /sys/fs/cgroup/swaplimit-test-<pid>/system.slice/t_slurmstepd.scope/
#       job_<n>|<SLUID>/step_0/user/task_0
# with the memory controller enabled in each cgroup.subtree_control down to
# user (as Slurm's cgroup/v2 does), a process in task_0 (v2 allows
# processes only in leaves once a controller is enabled below), and drives
# build/sl-cgtool (sl_cg_find/sl_cg_apply/sl_cg_read_usage on its pid).
# Needs root and a cgroup v2 mount at /sys/fs/cgroup offering memory; on a
# cgroup v1 machine (the Debian 12 host) every test skips with the reason.
# Swap: setup_file makes a small swap file of its own (swapoff + rm in
# teardown_file). Only processes started here are killed, only cgroups made
# here are removed (children first). If the root cgroup's subtree_control
# lacks memory (a bare VM before any slurmd ran), it is enabled there and
# left so (Slurm's cgroup/v2 enables it too; disabling it could disturb
# others).

load lib/cgfaults
CGROOT=/sys/fs/cgroup
CGF_PARENT=$CGROOT
CGF_CREATES="cgroups"
MiB=1048576
SLUID=s8X5M8RBXF7R00        # the SLUID seen on Slurm 26.05.5 (slurm-facts.md)

cgf_skip_reason() {
	if [ "$(stat -fc %T "$CGROOT" 2>/dev/null)" != cgroup2fs ] ||
		! grep -qw memory "$CGROOT/cgroup.controllers" 2>/dev/null; then
		echo "no cgroup v2 with a memory controller at $CGROOT ($(stat -fc %T "$CGROOT" 2>/dev/null) mount; this machine's memory controller is on cgroup v1: 15_cgroup_faults.bats covers v1, tests/vm/vm.sh runs this file on a real v2)"
	fi
}

cgf_root_made() {
	if ! grep -qw memory "$CGROOT/cgroup.subtree_control"; then
		echo "# enabling memory in $CGROOT/cgroup.subtree_control (left enabled)" >&3
		echo +memory >"$CGROOT/cgroup.subtree_control"
	fi
	echo +memory >"$TROOT/cgroup.subtree_control"
}

cgf_setup() {
	# per test: its own slice, so that teardown removes exactly this test's tree
	SLICE="$TROOT/t$BATS_TEST_NUMBER"
	CGF_TEST_TOP=$SLICE
	SCOPE="$SLICE/system.slice/t_slurmstepd.scope"
	JOB="$SCOPE/job_$BATS_TEST_NUMBER"
	make_tree "$JOB"
}

# --- helpers (more in lib/cgfaults.bash) ---------------------------------

# make_tree JOBDIR [nomem]: JOBDIR/step_0/user/task_0 under $SLICE, memory
# enabled in every subtree_control from $SLICE down to user (nomem: not in
# $SLICE's, so nothing below has memory.* files). Sets STEP, USER, TASK.
make_tree() {
	local job=$1 d
	STEP="$job/step_0" USER="$job/step_0/user" TASK="$job/step_0/user/task_0"
	mkdir -p "$TASK"
	[ "${2:-}" = nomem ] && return 0
	d=$SLICE
	while :; do
		echo +memory >"$d/cgroup.subtree_control"
		[ "$d" = "$USER" ] && break
		d=$d/$(realpath --relative-to="$d" "$TASK" | cut -d/ -f1)
	done
}

rd() { cat "$1/$2"; }
keyed() { awk -v k="$3" '$1 == k {print $2}' "$1/$2"; }

# As Slurm sets them: memory.max at the job and at step_0/user, swap "max"
# (ConstrainSwapSpace=no).
slurm_limits() {   # job_max step_max
	echo "$1" >"$JOB/memory.max"
	echo "$2" >"$USER/memory.max"
}

# --- tests ---------------------------------------------------------------

@test "v2 find: a task in <node>_slurmstepd.scope/job_N/step_0/user/task_0" {
	start_sleep "$TASK"
	cat "/proc/$SPID/cgroup"
	run "$CGTOOL" find "$SPID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = version=2 ]
	[ "${lines[1]}" = "job_dir=$JOB" ]
	# the step's limits live in step_0/user, where Slurm writes them
	[ "${lines[2]}" = "step_dir=$USER" ]
	# and with the checks the plugin uses: job id, step
	run "$CGTOOL" --job-id "$BATS_TEST_NUMBER" --step-id 0 find "$SPID"
	[ "$status" -eq 0 ]
	run "$CGTOOL" --job-id 999999 find "$SPID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not job 999999's: refused"* ]]
}

@test "v2 find: Slurm 26.05's SLUID job directory; another job's SLUID is refused" {
	JOB="$SCOPE/$SLUID"
	make_tree "$JOB"
	start_sleep "$TASK"
	run "$CGTOOL" --sluid "$SLUID" find "$SPID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "job_dir=$JOB" ]
	[ "${lines[2]}" = "step_dir=$USER" ]
	run "$CGTOOL" --sluid s0000000000001 find "$SPID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is job $SLUID's, not this job's (SLUID s0000000000001): refused"* ]]
}

@test "v2 find: a process outside any job of slurmstepd's scope is refused with the reason" {
	mkdir "$SLICE/elsewhere"
	start_sleep "$SLICE/elsewhere"
	run "$CGTOOL" find "$SPID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"/proc/$SPID/cgroup"* ]]
	[[ "$output" == *"is not inside a job of slurmstepd's"* ]]
	[[ "$output" == *"TaskPlugin=task/cgroup"* ]]
}

@test "v2 apply: job then step memory.swap.max, exact bytes; the RAM limits untouched" {
	slurm_limits 200M 100M
	start_sleep "$TASK"
	[ "$(rd "$JOB" memory.swap.max)" = max ]
	run "$CGTOOL" ramlimit "$SPID"
	echo "$output"
	[[ "$output" == *"job_ram_limit=$((200 * MiB))"* ]]
	[[ "$output" == *"step_ram_limit=$((100 * MiB))"* ]]
	run "$CGTOOL" apply "$SPID" 64M 32M
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "wrote $JOB/memory.swap.max $((64 * MiB))" ]
	[ "${lines[4]}" = "wrote $USER/memory.swap.max $((32 * MiB))" ]
	[ "${lines[5]}" = nwritten=2 ]
	[ "$(rd "$JOB" memory.swap.max)" = $((64 * MiB)) ]
	[ "$(rd "$USER" memory.swap.max)" = $((32 * MiB)) ]
	# step_0 itself (between job and user) keeps no limit of its own
	[ "$(rd "$STEP" memory.swap.max)" = max ]
	[ "$(rd "$JOB" memory.max)" = $((200 * MiB)) ]
	[ "$(rd "$USER" memory.max)" = $((100 * MiB)) ]
	# a value that is not a whole page is stored rounded down by the kernel
	echo 1000000 >"$USER/memory.swap.max"
	[ "$(rd "$USER" memory.swap.max)" = 999424 ]
}

@test "v2 apply: none writes max at both; lowering to 0 works on an idle task" {
	slurm_limits 200M 100M
	echo $((64 * MiB)) >"$JOB/memory.swap.max"
	echo $((32 * MiB)) >"$USER/memory.swap.max"
	start_sleep "$TASK"
	run "$CGTOOL" apply "$SPID" none none
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "wrote $JOB/memory.swap.max max" ]
	[ "${lines[4]}" = "wrote $USER/memory.swap.max max" ]
	[ "$(rd "$JOB" memory.swap.max)" = max ]
	[ "$(rd "$USER" memory.swap.max)" = max ]
	run "$CGTOOL" apply "$SPID" 0 0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(rd "$JOB" memory.swap.max)" = 0 ]
	[ "$(rd "$USER" memory.swap.max)" = 0 ]
}

@test "v2: the task exits between find and apply (Slurm removes the step): nothing written" {
	slurm_limits 100M 100M
	start_sleep "$TASK"
	# As Slurm does when the step ends: the task dies, task_0, user and
	# step_0 go (children first).
	run "$CGTOOL" --between "kill -9 $SPID; for i in \$(seq 50); do rmdir '$TASK' '$USER' '$STEP' 2>/dev/null && break; sleep 0.1; done" \
		apply "$SPID" 64M 64M
	echo "$output"
	[ "$status" -eq 1 ]
	[ ! -d "$STEP" ]
	[[ "$output" == *"$USER/memory.swap.max"* ]]
	[[ "$output" == *"cgroup vanished: the task exited"* ]]
	[[ "$output" == *"nothing written"* ]]
	[[ "$output" == *"nwritten=0"* ]]
	[ "$(rd "$JOB" memory.swap.max)" = max ]
	wait "$SPID" 2>/dev/null || true
	run "$CGTOOL" find "$SPID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"/proc/$SPID/cgroup"* ]]
	[[ "$output" == *"the task exited"* ]]
}

@test "v2: the task exits after apply opened the files: the job keeps its value, the step's write fails" {
	slurm_limits 100M 100M
	start_sleep "$TASK"
	run "$CGTOOL" --before-write "kill -9 $SPID; for i in \$(seq 50); do rmdir '$TASK' '$USER' '$STEP' 2>/dev/null && break; sleep 0.1; done" \
		apply "$SPID" 64M 64M
	echo "$output"
	[ "$status" -eq 1 ]
	[ ! -d "$STEP" ]
	[[ "$output" == *"wrote $JOB/memory.swap.max $((64 * MiB))"* ]]
	[[ "$output" == *"nwritten=1"* ]]
	[[ "$output" == *"$USER/memory.swap.max: cannot write '$((64 * MiB))'"* ]]
	[[ "$output" == *"the task exited"* ]]
	[[ "$output" == *"already written: $JOB/memory.swap.max"* ]]
	[ "$(rd "$JOB" memory.swap.max)" = $((64 * MiB)) ]
}

@test "v2: memory controller not enabled for the job (no memory.swap.max): error naming the file, nothing written" {
	# the same layout, but memory is not in $SLICE's subtree_control: no
	# memory.* file below (what a Slurm without ConstrainRAMSpace, or a
	# broken delegation, leaves)
	rm_cgroups "$SLICE"
	make_tree "$JOB" nomem
	start_sleep "$TASK"
	[ ! -e "$JOB/memory.swap.max" ]
	[ ! -e "$USER/memory.swap.max" ]
	run "$CGTOOL" find "$SPID"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$CGTOOL" ramlimit "$SPID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$JOB/memory.max"* ]]
	run "$CGTOOL" apply "$SPID" 64M 32M
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$JOB/memory.swap.max: missing"* ]]
	[[ "$output" == *"nothing written"* ]]
	[[ "$output" == *"nwritten=0"* ]]
	[ ! -e "$JOB/memory.swap.max" ]
	[ ! -e "$USER/memory.swap.max" ]
	echo "# message: ${lines[-1]}" >&3
}

@test "v2 usage: a step in swap: swap.current, swap.peak and the limits read back" {
	[ "$SWAP_OK" = 1 ] || skip "could not make a swap file here (fallocate/mkswap/swapon)"
	slurm_limits 256M 32M
	echo $((64 * MiB)) >"$USER/memory.swap.max"
	start_sleep "$TASK"
	start_memtouch "$TASK" 64          # 64 MiB in a 32 MiB step: swaps
	local cur
	cur=$(rd "$USER" memory.swap.current)
	echo "step user swap.current=$cur swap.peak=$(rd "$USER" memory.swap.peak)"
	[ "$cur" -gt $((16 * MiB)) ]
	run "$CGTOOL" usage "$SPID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"have_swap_figures=1"* ]]
	[[ "$output" == *"ram_limit=$((32 * MiB))"$'\n'* ]]
	[[ "$output" == *"swap_limit=$((64 * MiB))"$'\n'* ]]
	[[ "$output" == *"oom_kills=0"* ]]
	local now peak
	now=$(echo "$output" | sed -n 's/^swap_now=//p')
	peak=$(echo "$output" | sed -n 's/^peak_swap=//p')
	[ "$now" -gt $((16 * MiB)) ]
	[ "$peak" -ge "$now" ]
	kill -0 "$MPID"
}

@test "v2 usage: a real OOM kill in task_0 is counted at step_0/user (memory.events is hierarchical)" {
	slurm_limits 256M 32M
	echo 0 >"$USER/memory.swap.max"
	start_sleep "$TASK"
	start_memtouch "$TASK" 64 && false   # 64 MiB, 32 MiB RAM, no swap: killed
	wait "$MPID" 2>/dev/null || true
	echo "task_0: $(grep oom_kill "$TASK/memory.events"); user: $(grep oom_kill "$USER/memory.events")"
	[ "$(keyed "$TASK" memory.events oom_kill)" -ge 1 ]
	[ "$(keyed "$USER" memory.events oom_kill)" -ge 1 ]
	run "$CGTOOL" usage "$SPID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"oom_kills=1"* ]]
	[[ "$output" == *"ram_limit=$((32 * MiB))"$'\n'* ]]
	[[ "$output" == *"swap_limit=0"$'\n'* ]]
	kill -0 "$SPID"                      # the other task lives on
}

@test "v2: swap.max lowered below the swap in use is accepted (no EBUSY as on v1); then a lower memory.max OOM-kills" {
	[ "$SWAP_OK" = 1 ] || skip "could not make a swap file here (fallocate/mkswap/swapon)"
	slurm_limits 256M 32M
	echo $((64 * MiB)) >"$USER/memory.swap.max"
	start_sleep "$TASK"
	start_memtouch "$TASK" 64
	local before after
	before=$(rd "$USER" memory.swap.current)
	echo "swap.current before=$before"
	[ "$before" -gt $((16 * MiB)) ]
	run "$CGTOOL" apply "$SPID" 64M 8M
	echo "$output"
	# v1 refuses memsw below usage with EBUSY; v2 takes the new value and
	# leaves what is already in swap there
	[ "$status" -eq 0 ]
	[ "$(rd "$USER" memory.swap.max)" = $((8 * MiB)) ]
	after=$(rd "$USER" memory.swap.current)
	echo "swap.current after=$after swap.events: $(tr '\n' ' ' <"$USER/memory.swap.events")"
	[ "$after" -gt $((8 * MiB)) ]
	kill -0 "$MPID"
	[ "$(keyed "$USER" memory.events oom_kill)" = 0 ]
	# What a Slurm 26.05 memory resize does next (lower memory.max): the
	# pages cannot go to swap (it is over its max), so the write OOM-kills
	echo $((16 * MiB)) >"$USER/memory.max"
	for _ in $(seq 50); do kill -0 "$MPID" 2>/dev/null || break; sleep 0.1; done
	echo "after memory.max=16M: oom_kill=$(keyed "$USER" memory.events oom_kill) swap.events: $(tr '\n' ' ' <"$USER/memory.swap.events")"
	! kill -0 "$MPID" 2>/dev/null
	[ "$(keyed "$USER" memory.events oom_kill)" -ge 1 ]
	[ "$(rd "$USER" memory.max)" = $((16 * MiB)) ]
}
