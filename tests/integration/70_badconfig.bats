#!/usr/bin/env bats
# A bad swaplimit configuration on the real cluster (issues 3 and 4): a
# malformed rules=, a missing or unreadable config= file, a positioned
# error inside a config= file, an unknown plugin argument. Each time slurmd
# is restarted (the plugin checks its configuration at slurmd start) and:
#   - every slurmd logs the (positioned) error at start, and stays up;
#   - jobs still run, with the limits Slurm set (fail open);
#   - no node drains.
# Then a good config= file brings enforcement back.

load lib/common
T_RULES=$SWL_PROD_RULES

# restart_with PLUGIN_ARG...: new plugstack line, restart every slurmd.
restart_with() {
	MARKS=$(cl_log_marks)
	cluster_plugstack "$@"
	cluster_restart_slurmd
}

# logged_at_start REGEX: every node's slurmd logged, since the restart, an
# error line "swaplimit: ..." matching REGEX (extended).
logged_at_start() {
	local n l
	for n in node1 node2 node3; do
		l=$(cl_log_since "$MARKS" "$n" | grep -E 'error: swaplimit: ' | grep -E -m1 -- "$1")
		echo "$n: $l"
		[ -n "$l" ] || { echo "$n: no start-up error matching /$1/; log since restart:" >&2
			cl_log_since "$MARKS" "$n" | grep -v pmix | tail -20 >&2; return 1; }
	done
}

# jobs_still_run: a batch job with a 3-node srun completes, every cgroup
# keeps what Slurm set (ConstrainSwapSpace=no: unlimited), nothing drains.
jobs_still_run() {
	[ "$(cl_slurmd_alive)" = "node1 node2 node3" ]
	[ -z "$(cl_bad_nodes)" ]
	cl_job -p workgroup -N 3 -n 3 --mem=100M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun -N 3 -n 3 $J/cgread.sh all
	EOF
	cat "$JOBOUT"
	[ "$JOBSTATE" = COMPLETED ]
	[ "$(grep -c '^CG label=all ' "$JOBOUT")" -eq 3 ]
	local l
	while read -r l; do
		cl_check_cg "$l" none none
	done < <(grep '^CG ' "$JOBOUT")
	# the step logged why it did nothing
	grep -qE "swaplimit: job=$JOBID step=0 node=node3[: ].*NOT enforced" "$(cl_slurmd_log node3)"
	cl_node_states
	[ -z "$(cl_bad_nodes)" ]
	[ "$(cl_slurmd_alive)" = "node1 node2 node3" ]
}

@test "malformed rules=: slurmd logs rules:1:67 (unit 'XB'), jobs run, no drain" {
	restart_with 'rules=host(node3)=none,partition(reserved)=1%/task,partition(standard)=0XB,default(){min_swap=250MiB}=50MiB/cpu'
	logged_at_start "rules:1:67: unknown unit 'XB'"
	jobs_still_run
}

@test "missing config= file: slurmd logs the path and the reason, jobs run, no drain" {
	restart_with "config=$SWL_DIR/etc/no-such-swaplimit.conf"
	logged_at_start "$SWL_DIR/etc/no-such-swaplimit.conf.*(No such file|not found|cannot open)"
	jobs_still_run
}

@test "unreadable config= (a directory): slurmd logs it, jobs run, no drain" {
	mkdir -p "$SWL_DIR/etc/swaplimit.d"
	restart_with "config=$SWL_DIR/etc/swaplimit.d"
	logged_at_start "$SWL_DIR/etc/swaplimit.d"
	jobs_still_run
}

@test "config= file with an error on line 3: slurmd logs FILE:3:24, jobs run, no drain" {
	local f=$SWL_DIR/etc/bad-swaplimit.conf
	printf '%s\n' '# site swap rules' 'host(node3)=none,' \
		'partition(reserved)=1%/tsk,' 'default()=0' >"$f"
	restart_with "config=$f"
	logged_at_start "$f:3:24: .*'tsk'"
	jobs_still_run
}

@test "unknown plugin argument: slurmd logs its name, jobs run, no drain" {
	restart_with "rules=$SWL_PROD_RULES" "bogus=1"
	logged_at_start "bogus"
	jobs_still_run
}

@test "plugin added to plugstack.conf while slurmd runs without it: warning, partition() undecidable, fallback= (0) applies" {
	# slurmd decides at start whether to run SPANK job prologs: without a
	# restart the plugin's prolog never records the job's partition.
	restart_with
	cluster_plugstack "rules=$SWL_PROD_RULES"
	cl_job -p standard -w node1 --mem=100M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	EOF
	cat "$JOBOUT"
	[ "$JOBSTATE" = COMPLETED ]
	grep -E "swaplimit: warning: job=$JOBID step=batch node=node1: no partition/account record" \
		"$(cl_slurmd_log node1)"
	# partition(reserved) cannot be decided: the evaluation stops there and
	# fallback= (default 0, the most restrictive) applies, never default()'s
	# more generous 250MiB (issue 10).
	cl_check_cg "$(grep '^CG ' "$JOBOUT")" 0 0
	cl_check_log node1 "$JOBID" batch fallback
	[ -z "$(cl_bad_nodes)" ]
}

@test "a good config= file (comments, one term a line) restores enforcement" {
	local f=$SWL_DIR/etc/swaplimit.conf
	cat >"$f" <<-'EOF'
	# the production rules, one term a line
	host(node3)=none,              # no limit on node3
	partition(reserved)=1%/task,
	partition(standard)=0MiB,
	default(){min_swap=250MiB}=50MiB/cpu
	EOF
	restart_with "config=$f"
	local n
	for n in node1 node2 node3; do
		cl_log_since "$MARKS" "$n" | grep -q "swaplimit: version .*: 4 rule terms loaded from $f"
		[ -z "$(cl_log_since "$MARKS" "$n" | grep swaplimit | grep -Ei 'error|fail|not enforced|warning')" ]
	done
	cl_job -p workgroup -N 2 -w node1,node3 -n 2 -c 2 --mem=100M <<-EOF
	#!/bin/bash
	srun -N 2 -n 2 $J/cgread.sh all
	EOF
	cat "$JOBOUT"
	cl_check_cg "$(grep '^CG .* node=node1 ' "$JOBOUT")" $((250 * MiB)) $((250 * MiB))
	cl_check_cg "$(grep '^CG .* node=node3 ' "$JOBOUT")" none none
	[ -z "$(cl_bad_nodes)" ]
}
