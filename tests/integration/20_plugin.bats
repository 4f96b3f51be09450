#!/usr/bin/env bats
# swaplimit on a real three-node Slurm: every term form of the first
# production rule string, adapted to the test nodes,
#   host(node3)=none,partition(reserved)=1%/task,partition(standard)=0MiB,
#   default(){min_swap=250MiB}=50MiB/cpu
# with the exact memsw each job and step cgroup must get, read from INSIDE
# the jobs (jobs/cgread.sh). Expected values are computed here from the
# node's real SwapTotal and the real RAM limit (memsw = limit + swap), not
# by the plugin's engine. cgroup.conf: ConstrainSwapSpace=no.

load lib/common
T_RULES=$SWL_PROD_RULES
# Every test starts from the production rules (plugstack.conf is read
# again by every new slurmstepd).
T_RESET_RULES=1

t_setup() {
	S=$(cl_swap_total)    # the node's SwapTotal, bytes
	P1=$((S / 100))       # 1% of it (a whole number of pages, see harness)
}

# The CG line with label L (and task 0) in the current job's output.
cg() { grep "^CG label=$1 " "$JOBOUT" | grep -m1 ' task=0 '; }

@test "slurmd start: every node logs the 4 rule terms it loaded" {
	local n
	for n in node1 node2 node3; do
		grep 'swaplimit: ' "$(cl_slurmd_log "$n")" | head -3
		grep -q 'swaplimit: version .*: 4 rule terms loaded' "$(cl_slurmd_log "$n")"
	done
}

@test "term 1 host(node3)=none: job and step memsw unlimited (-1), batch and srun" {
	cl_job -p workgroup -w node3 -c 2 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun $J/cgread.sh srun
	EOF
	cat "$JOBOUT"
	cl_check_cg "$(cg batch)" none none
	cl_check_cg "$(cg srun)" none none
	[ "$(cl_field "$(cg batch)" job_swapmax)" = max ]
	cl_check_log node3 "$JOBID" batch 1
	cl_check_log node3 "$JOBID" 0 1
}

@test "term 2 partition(reserved)=1%/task: 1% of SwapTotal per task, job covers its CPUs" {
	cl_job -p reserved -w node1 -n 3 --mem=300M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun -n 3 $J/cgread.sh n3
	srun -n 1 $J/cgread.sh n1
	EOF
	cat "$JOBOUT"
	echo "SwapTotal=$S 1%=$P1"
	# batch step: 1 task; the job: max(tasks, its 3 CPUs) = 3 tasks
	cl_check_cg "$(cg batch)" $((3 * P1)) "$P1"
	cl_check_cg "$(cg n3)" $((3 * P1)) $((3 * P1))
	cl_check_cg "$(cg n1)" $((3 * P1)) "$P1"
	local l
	l=$(cl_check_log node1 "$JOBID" batch 2)
	# the log names the files and the exact values written
	[[ "$l" == *"$(cl_written step "$P1" batch "$JOBID" $((300 * MiB)))"* ]]
	[[ "$l" == *"$(cl_written job $((3 * P1)) - "$JOBID" $((300 * MiB)))"* ]]
	cl_check_log node1 "$JOBID" 0 2
	cl_check_log node1 "$JOBID" 1 2
}

@test "term 3 partition(standard)=0MiB: memsw equals the RAM limit, job and step" {
	cl_job -p standard -w node2 -c 2 --mem=150M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun --mem=100M $J/cgread.sh srun
	EOF
	cat "$JOBOUT"
	cl_check_cg "$(cg batch)" 0 0
	cl_check_cg "$(cg srun)" 0 0
	[ "$(cl_field "$(cg srun)" step_limit)" = $((100 * MiB)) ]
	cl_check_log node2 "$JOBID" batch 3
	cl_check_log node2 "$JOBID" 0 3
}

@test "term 4 default(){min_swap=250MiB}=50MiB/cpu: 2 CPUs (100MiB) raised to 250MiB" {
	cl_job -p workgroup -w node1 -c 2 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun $J/cgread.sh srun
	EOF
	cat "$JOBOUT"
	cl_check_cg "$(cg batch)" $((250 * MiB)) $((250 * MiB))
	cl_check_cg "$(cg srun)" $((250 * MiB)) $((250 * MiB))
	local l
	l=$(cl_check_log node1 "$JOBID" batch 4)
	[[ "$l" == *min_swap* ]]
}

@test "term 4 default(): 6 CPUs get 50MiB x 6 = 300MiB (above min_swap)" {
	cl_job -p workgroup -w node2 -c 6 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun -n 1 -c 2 $J/cgread.sh srun2
	EOF
	cat "$JOBOUT"
	cl_check_cg "$(cg batch)" $((300 * MiB)) $((300 * MiB))
	# a 2-CPU step: 100MiB raised to 250MiB; the job keeps its 300MiB
	cl_check_cg "$(cg srun2)" $((300 * MiB)) $((250 * MiB))
	cl_check_log node2 "$JOBID" batch 4
	cl_check_log node2 "$JOBID" 0 4
}

@test "max_swap: a finite allowance never exceeds the node's swap (100MiB/cpu x 8)" {
	cluster_plugstack "rules=default()=100MiB/cpu"
	run cl_srun -p workgroup -w node1 -c 8 --mem=100M "$J/cgread.sh"
	echo "$output"
	[ "$status" -eq 0 ]
	cl_check_cg "$(echo "$output" | grep '^CG ')" "$S" "$S"
}

@test "no term matches (rules without default()): memsw left as Slurm set it" {
	cluster_plugstack 'rules=host(node3)=none,partition(reserved)=1%/task,partition(standard)=0MiB'
	cl_job -p workgroup -w node1 -c 2 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun $J/cgread.sh srun
	EOF
	cat "$JOBOUT"
	# ConstrainSwapSpace=no: Slurm leaves memsw unlimited, and so must we
	cl_check_cg "$(cg batch)" none none
	cl_check_cg "$(cg srun)" none none
	local l
	l=$(cl_check_log node1 "$JOBID" batch none)
	[[ "$l" != *" wrote "* ]]
	cl_check_log node1 "$JOBID" 0 none
}

@test "sbatch with sruns inside: the job cgroup covers every step" {
	cl_job -p reserved -w node2 -n 4 --mem=400M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun -n 1 --mem=100M $J/cgread.sh s1
	srun -n 2 --mem=200M $J/cgread.sh s2
	srun -n 1 --mem=50M --exact $J/cgread.sh p1 &
	srun -n 1 --mem=50M --exact $J/cgread.sh p2 &
	wait
	srun -n 4 $J/cgread.sh s4
	EOF
	cat "$JOBOUT"
	local job=$((4 * P1 / 4096 * 4096)) l label
	cl_check_cg "$(cg batch)" $((4 * P1)) "$P1"
	cl_check_cg "$(cg s1)" $((4 * P1)) "$P1"
	cl_check_cg "$(cg s2)" $((4 * P1)) $((2 * P1))
	cl_check_cg "$(cg p1)" $((4 * P1)) "$P1"
	cl_check_cg "$(cg p2)" $((4 * P1)) "$P1"
	cl_check_cg "$(cg s4)" $((4 * P1)) $((4 * P1))
	# every line: the job's swap limit is the same and at least the step's
	while read -r l; do
		[ "$(cl_field "$l" job_swapmax)" = "$job" ]
		[ "$(cl_field "$l" job_swapmax)" -ge "$(cl_field "$l" step_swapmax)" ]
	done < <(grep '^CG ' "$JOBOUT")
	[ "$(grep -c '^CG ' "$JOBOUT")" -eq 10 ]
	for s in batch 0 1 2 3 4; do cl_check_log node2 "$JOBID" "$s" 2; done
}

@test "multi-node srun: each node gets its own host rule (node2 default, node3 none)" {
	cl_job -p workgroup -N 2 -w node2,node3 -n 2 -c 6 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun -N 2 -n 2 $J/cgread.sh multi
	EOF
	cat "$JOBOUT"
	local l2 l3
	l2=$(grep '^CG label=multi node=node2 ' "$JOBOUT")
	l3=$(grep '^CG label=multi node=node3 ' "$JOBOUT")
	cl_check_cg "$(cg batch)" $((300 * MiB)) $((300 * MiB))
	[ "$(cl_field "$(cg batch)" node)" = node2 ]
	cl_check_cg "$l2" $((300 * MiB)) $((300 * MiB))
	cl_check_cg "$l3" none none
	cl_check_log node2 "$JOBID" batch 4
	cl_check_log node2 "$JOBID" 0 4
	cl_check_log node3 "$JOBID" 0 1
}

# 120 MiB, not more: on cgroup v2 the job's memory.max also charges kernel
# memory and the slurmstepds and srun inside the job, so 100 MiB RAM + 64 MiB
# swap leaves less room than on v1 (140 MiB was OOM-killed on 26.05).
@test "real swap: --mem=100M with a 64MiB allowance touches 120MiB and finishes, swap used" {
	cluster_plugstack 'rules=partition(standard)=64MiB,default()=0MiB'
	cl_job -p standard -w node1 --mem=100M <<-EOF
	#!/bin/bash
	srun $J/touch_mem 120 $J/cgread.sh swap
	EOF
	cat "$JOBOUT"
	[ "$JOBSTATE" = COMPLETED ]
	grep -q '^touched 120 MiB' "$JOBOUT"
	local l
	l=$(cg swap)
	cl_check_cg "$l" $((64 * MiB)) $((64 * MiB))
	echo "swap in use in the step: $(cl_field "$l" step_swap) bytes"
	[ "$(cl_field "$l" step_swap)" -gt 0 ]
	cl_check_log node1 "$JOBID" 0 1
}

@test "real swap: with a 0 allowance (standard=0MiB) the same program is OOM-killed" {
	cl_job -p standard -w node1 --mem=100M <<-EOF || true
	#!/bin/bash
	srun $J/touch_mem 140 $J/cgread.sh swap
	EOF
	cat "$JOBOUT"
	echo "JobState=$JOBSTATE rc=$JOBRC"
	[ -z "$(grep '^touched' "$JOBOUT")" ]
	[ "$JOBRC" -ne 0 ]
	grep -qi 'out of memory\|oom' "$JOBOUT" ||
		grep -q "\[$JOBID.0\].*oom-kill" "$(cl_slurmd_log node1)"
	cl_check_log node1 "$JOBID" 0 3
}

@test "forged SLURM_JOB_PARTITION=reserved in a standard job's srun changes nothing" {
	cl_job -p standard -w node1 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	SWL_FORGE_PARTITION=reserved LD_PRELOAD=$J/forge_partition_shim.so srun $J/cgread.sh forged
	EOF
	cat "$JOBOUT"
	local l
	l=$(cg forged)
	# the forgery reached the step environment...
	[ "$(cl_field "$l" part)" = reserved ]
	# ...and the step still gets the standard partition's 0MiB, not 1%
	cl_check_cg "$l" 0 0
	cl_check_cg "$(cg batch)" 0 0
	l=$(cl_check_log node1 "$JOBID" 0 3)
	[[ "$l" == *"partition=standard"* ]]
}

@test "forged partition on a direct srun (no batch script) changes nothing" {
	run cl_as_user env SWL_FORGE_PARTITION=reserved LD_PRELOAD="$J/forge_partition_shim.so" \
		timeout 60 srun -p standard -w node2 --mem=100M "$J/cgread.sh" direct
	echo "$output"
	[ "$status" -eq 0 ]
	local l job
	l=$(echo "$output" | grep '^CG ')
	[ "$(cl_field "$l" part)" = reserved ]
	cl_check_cg "$l" 0 0
	job=$(cl_field "$l" job)
	l=$(cl_check_log node2 "$job" 0 3)
	[[ "$l" == *"partition=standard"* ]]
}

# One srun on node1 (--mem=100M): its cgroups must hold SWAP (job and
# step), its line must name TERM and say rules_from=FROM.
img_step() {
	local swap=$1 term=$2 from=$3 out l job
	out=$(cl_srun -p workgroup -w node1 --mem=100M "$J/cgread.sh" img) || return 1
	l=$(echo "$out" | grep '^CG ')
	echo "$l"
	cl_check_cg "$l" "$swap" "$swap" || return 1
	job=$(cl_field "$l" job)
	l=$(cl_check_log node1 "$job" 0 "$term") || return 1
	[[ "$l" == *" rules_from=$from "* ]] || { echo "not rules_from=$from: $l"; return 1; }
}

@test "rules image: the first step compiles and keeps it, the next load it; an edited rules file is compiled again" {
	local img=/run/swaplimit/node1/rules.img f=$SWL_DIR/etc/img.rules
	# slurmd's start removed the images; an earlier test's step may have
	# kept one for the production rules: these rules are another file.
	printf 'host(node3)=none,\ndefault()=0MiB\n' >"$f"
	chmod 0644 "$f"
	cluster_plugstack "config=$f"
	img_step 0 2 compiled
	[ "$(stat -c '%u %a %h' "$img")" = "0 600 1" ]
	img_step 0 2 image
	# The file edited in place (same inode): the image is not for it.
	printf 'default()=none\n' >"$f"
	img_step none 1 compiled
	img_step none 1 image
	# The same size, the same second: the bytes differ, so does the key.
	printf 'default()=1MiB\n' >"$f"
	img_step $((1 * MiB)) 1 compiled
	printf 'default()=2MiB\n' >"$f"
	img_step $((2 * MiB)) 1 compiled
	img_step $((2 * MiB)) 1 image
	printf 'default()=none\n' >"$f"
	img_step none 1 compiled
	# A damaged image is compiled again, and the step gets its limits.
	printf 'SWLIMG\n\001garbage' >"$img"
	img_step none 1 compiled
	img_step none 1 image
}

@test "after all jobs: no node drained, every slurmd alive, no swaplimit error or warning" {
	cl_node_states
	[ -z "$(cl_bad_nodes)" ]
	[ "$(cl_slurmd_alive)" = "node1 node2 node3" ]
	run bash -c "grep -h swaplimit $SWL_DIR/log/slurmd-node*.log | grep -Ei 'error|fail|not enforced|warning'"
	echo "$output"
	[ -z "$output" ]
}
