#!/usr/bin/env bats
# swaplimit for the job's owner (issue 6), on the real three-node cluster:
#   --swap=SIZE|none on srun/sbatch/salloc (in --help, malformed values
#   refused before anything is submitted), the step getting
#   min(request, rule grant), SWAPLIMIT_BYTES in the tasks' environment,
#   the notice when the request exceeds the grant, and the end-of-step
#   report (usage line, OOM explanation) in srun's stderr and in the batch
#   output file, plus its line in slurmd's log.
# Rules: node3 unlimited; partition standard 64MiB; everything else 250MiB
# (flat: the job cgroup gets the same grant as its steps).

RULES='host(node3)=none,partition(standard)=64MiB,default()=250MiB'

load lib/common
T_RULES=$RULES
T_RESET_RULES=1

t_setup() {
	ERR=$SWL_DIR/out/err.$BATS_TEST_NUMBER
}

# The swaplimit lines of a file (srun's stderr, a batch output file).
sl_lines() { grep '^swaplimit: ' "$1" || true; }

# The job id of the CG line in $1 (a direct srun's own job).
job_of() { cl_field "$1" job; }

# The number of jobs slurmctld knows (finished ones stay: MinJobAge=600).
job_count() { cl_slurm scontrol -o show jobs 2>/dev/null | grep -c '^JobId=' || true; }

# usage_logged NODE JOB STEP: slurmd's usage line for the step; prints it.
usage_logged() {
	local l
	l=$(grep -F "swaplimit: usage: job=$2 step=$3 node=$1 " "$(cl_slurmd_log "$1")")
	[ "$(printf '%s' "$l" | grep -c .)" -eq 1 ] ||
		{ echo "expected one usage line for $2.$3 on $1, got: $l" >&2; return 1; }
	printf '%s\n' "$l"
}

# The "peak RAM .. of .., peak swap .. of .." part of a line.
figures() { echo "$1" | grep -o 'peak RAM [^;]*' | head -1 | sed 's/[.;]$//'; }

@test "--help of srun, sbatch and salloc lists --swap=SIZE|none and --swap-report" {
	local c out
	for c in srun sbatch salloc; do
		out=$(cl_as_user "$c" --help 2>&1)
		echo "$out" | grep -A4 -e '--swap'
		echo "$out" | grep -qE -e '--swap=SIZE\|none +swap for each step on each node'
		echo "$out" | grep -qE -e '--swap-report +print each step'
	done
}

@test "a malformed --swap is refused by srun, sbatch and salloc before anything is submitted" {
	local before marks c v
	before=$(job_count)
	marks=$(stat -c %s "$(cl_ctld_log)")
	for c in "srun 1.5X" "sbatch abc" "salloc 12X" "srun -1" "sbatch 1MB" "srun 64 M"; do
		v=${c#* }; c=${c%% *}
		if [ "$c" = sbatch ]; then
			run cl_as_user sbatch -p workgroup --swap="$v" --wrap true
		else
			run cl_as_user timeout 30 "$c" -p workgroup --swap="$v" true
		fi
		echo "$c --swap=$v: status=$status"
		echo "$output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"$c: error: swaplimit: --swap=$v: "* ]]
		[[ "$output" == *"; accepted: a size as for --mem, a bare number of MiB (512) or a number with a unit K, M, G, T (or KiB, MiB, GiB, TiB, B, P; powers of 1024: 64M, 1.5G); 0 never to swap; none for all the swap the site's rules grant"* ]]
		[[ "$output" == *"Invalid --swap argument: $v"* ]]
	done
	# the reasons users read
	run cl_as_user timeout 30 srun --swap=1MB true
	[[ "$output" == *"--swap=1MB: ambiguous unit 'MB' (use MiB or M: units are powers of 1024 as in Slurm)"* ]]
	run cl_as_user timeout 30 srun --swap=12X true
	[[ "$output" == *"--swap=12X: unknown unit 'X'"* ]]
	# no job was created: slurmctld knows no more jobs and never logged one
	[ "$(job_count)" -eq "$before" ]
	run bash -c "tail -c +$((marks + 1)) $(cl_ctld_log) | grep -E 'JobId=|submit|allocate'"
	echo "$output"
	[ -z "$output" ]
}

@test "--swap within the grant: step memsw = limit + request exactly, the job keeps the grant, SWAPLIMIT_BYTES matches" {
	# a bare number is MiB, as for --mem
	cl_srun -p workgroup -w node1 --mem=100M --swap=100 \
		bash -c 'echo "ENV=[${SWAPLIMIT_BYTES-unset}]"; exec '"$J"'/cgread.sh in' \
		>"$ERR.out" 2>"$ERR"
	cat "$ERR.out" "$ERR"
	local l job
	l=$(grep '^CG ' "$ERR.out")
	cl_check_cg "$l" $((250 * MiB)) $((100 * MiB))
	[ "$(cl_field "$l" step_swapmax)" -eq $((100 * MiB)) ]
	grep -qx "ENV=\[$((100 * MiB))\]" "$ERR.out"
	# nothing to tell the user: no notice, no usage line
	[ -z "$(sl_lines "$ERR")" ]
	job=$(job_of "$l")
	l=$(cl_check_log node1 "$job" 0 3)
	[[ "$l" == *"request=100 (lowered the step)"* ]]
	usage_logged node1 "$job" 0
	# K and G suffixes, any case
	run cl_srun -p workgroup -w node1 --mem=100M --swap=65536k bash -c 'echo "ENV=[$SWAPLIMIT_BYTES]"'
	[ "$output" = "ENV=[$((64 * MiB))]" ]
}

@test "--swap over the grant: the step gets the grant, and srun's stderr says so once per step and node" {
	cl_srun -p standard -w node1 -n 2 --mem=100M --swap=1G \
		bash -c 'echo "ENV=[$SWAPLIMIT_BYTES]"; exec '"$J"'/cgread.sh over' \
		>"$ERR.out" 2>"$ERR"
	cat "$ERR.out" "$ERR"
	local l job
	l=$(grep '^CG ' "$ERR.out" | grep -m1 ' task=0 ')
	cl_check_cg "$l" $((64 * MiB)) $((64 * MiB))
	[ "$(grep -c "^ENV=\[$((64 * MiB))\]$" "$ERR.out")" -eq 2 ]
	job=$(job_of "$l")
	# two tasks, one step on one node: exactly one notice
	[ "$(sl_lines "$ERR")" = "swaplimit: node1 step $job.0: --swap=1G is more than this site grants here; the step has 64MiB of swap, the most the rules allow it on node1" ]
	l=$(cl_check_log node1 "$job" 0 2)
	[[ "$l" == *"request=1G (above the grant: not applied)"* ]]
	# two nodes: one notice from each; node3 has no limit, so none there
	cl_srun -p workgroup -N 3 -n 3 -w node[1-3] --mem=100M --swap=300M true 2>"$ERR"
	cat "$ERR"
	[ "$(sl_lines "$ERR" | wc -l)" -eq 2 ]
	grep -q '^swaplimit: node1 step [0-9]*\.0: --swap=300M is more than this site grants here; the step has 250MiB of swap, the most the rules allow it on node1$' "$ERR"
	grep -q '^swaplimit: node2 step [0-9]*\.0: --swap=300M is more than this site grants here; the step has 250MiB of swap, the most the rules allow it on node2$' "$ERR"
}

@test "--swap=none: the rule's full grant; a node without limit gives an empty SWAPLIMIT_BYTES" {
	cl_srun -p workgroup -w node1 --mem=100M --swap=none \
		bash -c 'echo "ENV=[$SWAPLIMIT_BYTES]"; exec '"$J"'/cgread.sh none' \
		>"$ERR.out" 2>"$ERR"
	cat "$ERR.out" "$ERR"
	cl_check_cg "$(grep '^CG ' "$ERR.out")" $((250 * MiB)) $((250 * MiB))
	grep -qx "ENV=\[$((250 * MiB))\]" "$ERR.out"
	[ -z "$(sl_lines "$ERR")" ]
	# node3 (none): no limit, the variable is set and empty
	run cl_srun -p workgroup -w node3 --mem=100M --swap=64M \
		bash -c 'echo "ENV=[${SWAPLIMIT_BYTES-unset}]"; exec '"$J"'/cgread.sh n3'
	echo "$output"
	cl_check_cg "$(echo "$output" | grep '^CG ')" none $((64 * MiB))
	echo "$output" | grep -qx "ENV=\[$((64 * MiB))\]"
	run cl_srun -p workgroup -w node3 --mem=100M \
		bash -c 'echo "ENV=[${SWAPLIMIT_BYTES-unset}]"'
	[ "$output" = "ENV=[]" ]
}

@test "--swap=0: a step touching more than its RAM is OOM-killed and srun's stderr says why and what to ask for" {
	# (not `run`: it would mix srun's stderr into $output)
	local rc=0 l job
	cl_srun -p standard -w node1 --mem=100M --swap=0 \
		bash -c "$J/cgread.sh zero; exec $J/touch_mem 140" >"$ERR.out" 2>"$ERR" || rc=$?
	cat "$ERR.out" "$ERR"
	[ "$rc" -ne 0 ]
	[ -z "$(grep '^touched' "$ERR.out")" ]
	l=$(grep '^CG ' "$ERR.out")
	cl_check_cg "$l" $((64 * MiB)) 0
	job=$(job_of "$l")
	grep -qE "^swaplimit: node1 step $job\.0 ran out of memory \(1 process killed\): it used all of its RAM \(100MiB\) and you asked for no swap \(--swap=0\)\. Peak RAM (100|99\.[0-9]+)MiB of 100MiB, no swap allowed\.$" "$ERR"
	grep -qxF "swaplimit: next time ask for more memory, e.g. --mem=150M, or allow swap: without --swap=0 (or with --swap=none) this step may swap 64MiB here." "$ERR"
	l=$(usage_logged node1 "$job" 0)
	[[ "$l" == *"oom_kills=1 "*"grant=64MiB request=0 report=no verdict=oom-ram-no-swap" ]]
}

@test "a step that swapped prints its usage line in srun's stderr; slurmd's log has the same figures" {
	# 120 MiB on 100M + 64MiB of swap: see 20_plugin.bats ("real swap") for why not more
	cl_srun -p standard -w node1 --mem=100M bash -c "$J/touch_mem 120 $J/cgread.sh used" \
		>"$ERR.out" 2>"$ERR"
	cat "$ERR.out" "$ERR"
	grep -q '^touched 120 MiB' "$ERR.out"
	local l job u
	l=$(grep '^CG ' "$ERR.out")
	[ "$(cl_field "$l" step_swap)" -gt 0 ]
	job=$(job_of "$l")
	u=$(sl_lines "$ERR")
	[ "$(echo "$u" | wc -l)" -eq 1 ]
	# v2's memory.peak can stay a little under the limit (reclaim to swap first)
	[[ "$u" =~ ^swaplimit:\ node1\ step\ $job\.0:\ peak\ RAM\ (100|9[0-9](\.[0-9]+)?)MiB\ of\ 100MiB,\ peak\ swap\ [0-9.]+[KM]iB\ of\ 64MiB$ ]]
	l=$(usage_logged node1 "$job" 0)
	[[ "$l" == *"verdict=swap-used"* ]]
	[ "$(figures "$l")" = "$(figures "$u")" ]
}

@test "no swap used: nothing printed, unless --swap-report asks for the line" {
	cl_srun -p workgroup -w node1 --mem=100M true 2>"$ERR"
	[ -z "$(sl_lines "$ERR")" ]
	# 4 tasks on 2 nodes: one line per node, after its last task
	cl_srun -p workgroup -w node1,node2 -N 2 -n 4 --mem=100M --swap-report true 2>"$ERR"
	cat "$ERR"
	[ "$(sl_lines "$ERR" | wc -l)" -eq 2 ]
	grep -qE '^swaplimit: node1 step [0-9]+\.0: peak RAM [0-9.]+[KM]iB of 100MiB, peak swap 0B of 250MiB$' "$ERR"
	grep -qE '^swaplimit: node2 step [0-9]+\.0: peak RAM [0-9.]+[KM]iB of 100MiB, peak swap 0B of 250MiB$' "$ERR"
}

@test "OOM with RAM and swap used up: explained in srun's stderr and in the batch output file (srun and batch steps)" {
	local rc=0
	# v2's memory.peak can stay a hair under the limit (99.72MiB on 26.05)
	local PEAK100='(100|99(\.[0-9]+)?)MiB'
	cl_srun -p standard -w node1 --mem=100M "$J/touch_mem" 250 >/dev/null 2>"$ERR" || rc=$?
	cat "$ERR"
	[ "$rc" -ne 0 ]
	grep -qE "^swaplimit: node1 step [0-9]+\.0 ran out of memory \(1 process killed\): it used all of its RAM \(100MiB\) and all of its swap allowance \(64MiB, the most this site grants it here\)\. Peak RAM $PEAK100 of 100MiB, peak swap 6[34][.0-9]*MiB of 64MiB\.\$" "$ERR"
	grep -qxF 'swaplimit: next time ask for more memory, e.g. --mem=246M; this site grants no more swap to this step on node1.' "$ERR"

	cl_job -p standard -w node1 --mem=100M <<-EOF || true
	#!/bin/bash
	srun $J/touch_mem 250
	$J/touch_mem 250
	echo "batch script goes on"
	EOF
	cat "$JOBOUT"
	# the batch step: its own RAM and swap (the job's too) were used up
	# (v1's peak swap is a lower bound: it may show a hair under 64MiB)
	grep -qE "^swaplimit: node1 step $JOBID\.batch ran out of memory \(1 process killed\): it used all of its RAM \(100MiB\) and all of its swap allowance \(64MiB, the most this site grants it here\)\. Peak RAM $PEAK100 of 100MiB, peak swap 6[34][.0-9]*MiB of 64MiB\.$" "$JOBOUT"
	grep -qxF 'swaplimit: next time ask for more memory, e.g. --mem=246M; this site grants no more swap to this step on node1.' "$JOBOUT"
	usage_logged node1 "$JOBID" batch | grep -q 'verdict=oom-ram-and-swap$'
	# step 0 has the same limits as its job, but the job also holds the
	# batch step (slurmstepd, bash): the JOB's RAM and swap ran out first
	grep -qF "swaplimit: node1 step $JOBID.0 ran out of memory (1 process killed): job $JOBID used all of its RAM (100MiB) and all of its swap allowance (64MiB, the most this site grants it here) on node1, which all its steps there share. Peak RAM " "$JOBOUT"
	grep -qE "^swaplimit: node1 step $JOBID\.0 .* \(this step\); the job: peak RAM $PEAK100 of 100MiB, peak swap 6[34][.0-9]*MiB of 64MiB\.$" "$JOBOUT"
	grep -qxF 'swaplimit: next time ask for more memory, e.g. --mem=246M for the job; this site grants no more swap to it on node1.' "$JOBOUT"
	usage_logged node1 "$JOBID" 0 | grep -q 'verdict=oom-job-ram-and-swap$'
	grep -q '^batch script goes on$' "$JOBOUT"
}

@test "sbatch --swap applies to the batch step and the sruns inside; an inner srun --swap overrides it" {
	cl_job -p workgroup -w node1 --mem=200M --swap=32M <<-EOF
	#!/bin/bash
	echo "ENV batch=[\$SWAPLIMIT_BYTES]"
	$J/cgread.sh batch
	srun bash -c 'echo "ENV inherit=[\$SWAPLIMIT_BYTES]"; exec $J/cgread.sh inherit'
	srun --swap=100M bash -c 'echo "ENV override=[\$SWAPLIMIT_BYTES]"; exec $J/cgread.sh override'
	srun --swap=none $J/cgread.sh none
	srun --swap=0 $J/cgread.sh zero
	srun --swap=1G $J/cgread.sh over
	EOF
	cat "$JOBOUT"
	cg() { grep "^CG label=$1 " "$JOBOUT"; }
	local G=$((250 * MiB))
	cl_check_cg "$(cg batch)" "$G" $((32 * MiB))
	cl_check_cg "$(cg inherit)" "$G" $((32 * MiB))
	cl_check_cg "$(cg override)" "$G" $((100 * MiB))
	cl_check_cg "$(cg none)" "$G" "$G"
	cl_check_cg "$(cg zero)" "$G" 0
	cl_check_cg "$(cg over)" "$G" "$G"
	grep -qx "ENV batch=\[$((32 * MiB))\]" "$JOBOUT"
	grep -qx "ENV inherit=\[$((32 * MiB))\]" "$JOBOUT"
	grep -qx "ENV override=\[$((100 * MiB))\]" "$JOBOUT"
	# only the step that asked too much is told, once
	[ "$(sl_lines "$JOBOUT")" = "swaplimit: node1 step $JOBID.4: --swap=1G is more than this site grants here; the step has 250MiB of swap, the most the rules allow it on node1" ]
}

@test "sbatch --swap over the grant: said once for each step, in the job's --error file when it has one" {
	cl_job -p standard -w node1 --mem=100M --swap=2G --error="$SWL_DIR/out/%j.err" <<-EOF
	#!/bin/bash
	echo "to the output file"
	srun -n 1 true
	EOF
	local err=$SWL_DIR/out/$JOBID.err s
	cat "$JOBOUT" "$err"
	for s in batch 0; do
		[ "$(grep -c "^swaplimit: node1 step $JOBID.$s: --swap=2G is more than this site grants here; the step has 64MiB of swap, the most the rules allow it on node1\$" "$err")" -eq 1 ]
	done
	[ "$(sl_lines "$err" | wc -l)" -eq 2 ]
	# stdout stays the job's own
	[ "$(cat "$JOBOUT")" = "to the output file" ]
}

@test "salloc --swap and --swap-report reach the sruns of the allocation" {
	run cl_as_user timeout 60 salloc -p workgroup -w node1 --mem=100M --swap=16M --swap-report \
		srun bash -c 'echo "ENV=[$SWAPLIMIT_BYTES]"; exec '"$J"'/cgread.sh salloc'
	echo "$output"
	[ "$status" -eq 0 ]
	local l
	l=$(echo "$output" | grep '^CG ')
	cl_check_cg "$l" $((250 * MiB)) $((16 * MiB))
	echo "$output" | grep -qx "ENV=\[$((16 * MiB))\]"
	echo "$output" | grep -qE "^swaplimit: node1 step $(job_of "$l")\.0: peak RAM [0-9.]+[KM]iB of 100MiB, peak swap 0B of 16MiB$"
}

@test "after all jobs: no node drained, every slurmd alive, no swaplimit error or warning logged" {
	cl_node_states
	[ -z "$(cl_bad_nodes)" ]
	[ "$(cl_slurmd_alive)" = "node1 node2 node3" ]
	run bash -c "grep -h swaplimit $SWL_DIR/log/slurmd-node*.log | grep -Ei 'error|fail|not enforced|warning'"
	echo "$output"
	[ -z "$output" ]
}
