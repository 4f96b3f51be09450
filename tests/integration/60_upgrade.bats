#!/usr/bin/env bats
# A Slurm upgrade under an installed swaplimit.so: what `required` and
# `optional` in plugstack.conf do to jobs when the .so was built for
# another Slurm release.
#
# Slurm records nothing but the plugin's `plugin_version` symbol
# (SPANK_PLUGIN() sets it to SLURM_VERSION_NUMBER at build time) and
# refuses a SPANK plugin whose major.minor differs from its own
# (src/common/plugin.c _verify_syms(), mask 0xffff00, 22.05 and 24.11
# alike: "Incompatible Slurm plugin ... version"). So a node upgraded from
# 22.05 to 24.11 with the old .so left in place is, to Slurm, exactly this
# machine's 22.05 with a .so built for another release. Here that .so is
# swaplimit built from the same sources with SLURM_VERSION_NUMBER set to
# 24.11.5 (the release Debian trixie ships); nothing else differs.
#
# Both copies live in root-owned 0755 directories of the cluster's own, as
# a site's plugin directory is (the job user's srun/sbatch load them too).

# THIS: the running Slurm's major.minor (22.05 here, 24.11 or 26.05 in the
# test VMs); OTHER_V: the release the copy is stamped with, another one.
other_release() {
	THIS=$(echo "$SWL_SLURM_VERSION" | cut -d. -f1,2)
	case $THIS in
	24.11) OTHER_V=22.05.8 ;;
	*) OTHER_V=24.11.5 ;;
	esac
}

load lib/common
# no plugin line at first (no T_RULES): each test writes its own

t_before_up() {
	local d=$BATS_FILE_TMPDIR
	other_release
	printf '%s\n' '#include <slurm/slurm_version.h>' '#undef SLURM_VERSION_NUMBER' \
		"#define SLURM_VERSION_NUMBER SLURM_VERSION_NUM(${OTHER_V//./, })" >"$d/slurm-other.h"
	make -s -C "$SWL_REPO" B="$d/bother" CFLAGS="-include $d/slurm-other.h" \
		"$d/bother/swaplimit.so" >"$d/build.log" 2>&1 ||
		{ echo "cannot build the $OTHER_V-stamped copy:" >&2; tail -20 "$d/build.log" >&2; return 1; }
}

t_after_up() {
	local d=$BATS_FILE_TMPDIR
	install -d -m 0755 "$SWL_DIR/lib/same" "$SWL_DIR/lib/other"
	install -m 0644 "$SWL_PLUGIN" "$SWL_DIR/lib/same/swaplimit.so"
	install -m 0644 "$d/bother/swaplimit.so" "$SWL_DIR/lib/other/swaplimit.so"
	# Slurm's own plugins sit beside swaplimit.so in a real plugin dir
	local own=/usr/lib/x86_64-linux-gnu/slurm-wlm/auth_munge.so
	[ ! -e "$own" ] || install -m 0644 "$own" "$SWL_DIR/lib/same/"
	[ ! -e "$own" ] || install -m 0644 "$own" "$SWL_DIR/lib/other/"
}

t_before_down() {
	# leave the nodes usable for whoever looks at SWL_KEEP logs
	cluster_plugstack
}

t_setup() {
	other_release
	SAME=$SWL_DIR/lib/same/swaplimit.so     # built for this Slurm ($THIS)
	OTHER=$SWL_DIR/lib/other/swaplimit.so   # the same, stamped $OTHER_V
	RULES="rules=$SWL_PROD_RULES"
	CLI=$SWL_REPO/build/swaplimit
}

# The slurmd logs of every node since MARKS (cl_log_marks).
logs_since() {
	local n
	for n in "${SWL_NODES[@]}"; do cl_log_since "$1" "$n"; done
}

# No node drained, down or failing.
no_bad_nodes() {
	local bad
	bad=$(cl_bad_nodes)
	[ -z "$bad" ] || { echo "bad nodes: $bad ($(cl_node_states))" >&2; return 1; }
}

@test "the copy records another Slurm release; swaplimit check tells it from the matching one, without loading either" {
	cluster_plugstack_raw "optional $SAME $RULES"
	run "$CLI" check --plugstack "$SWL_DIR/etc/plugstack.conf"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"release: plugin $SAME ("*", optional) was built for Slurm $THIS."* ]]
	[[ "$output" == *"release: ok: Slurm $THIS loads a SPANK plugin built for $THIS."* ]]

	cluster_plugstack_raw "optional $OTHER $RULES"
	run "$CLI" check --plugstack "$SWL_DIR/etc/plugstack.conf"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"error: release: $OTHER was built for Slurm $OTHER_V but this machine runs Slurm $THIS: Slurm refuses to load it"* ]]
	[[ "$output" == *"as 'optional', jobs run without swap limits"* ]]
	# the rules themselves are fine and still printed
	[[ "$output" == *"4: default(){min_swap=250MiB}=50MiB/cpu"* ]]

	cluster_plugstack_raw "required $OTHER $RULES"
	run "$CLI" check --plugstack "$SWL_DIR/etc/plugstack.conf"
	[ "$status" -eq 1 ]
	[[ "$output" == *"as 'required' it aborts the plugin stack: every srun, sbatch and job step on this node fails"* ]]
	cluster_plugstack_raw "required $SAME $RULES"
	run "$CLI" check --plugstack "$SWL_DIR/etc/plugstack.conf"
	[ "$status" -eq 0 ]
	[[ "$output" == *"loads swaplimit.so as 'required': after a Slurm upgrade"* ]]
}

@test "required + .so of another release: srun and sbatch are refused on the spot" {
	cluster_plugstack_raw "required $OTHER $RULES"
	run cl_srun -p workgroup -w node1 /bin/true
	echo "srun: status=$status $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Incompatible"* ]] || [[ "$output" == *"Failed to load plugin"* ]] ||
		[[ "$output" == *"lugin stack"* ]]
	run cl_job -p workgroup -w node1 <<-EOF
	#!/bin/bash
	true
	EOF
	echo "sbatch: $(cat "$SWL_DIR/out/sbatch.err")"
	[ "$status" -ne 0 ]
	grep -Eqi 'incompatible|failed to load plugin|plugin stack|spank' "$SWL_DIR/out/sbatch.err"
}

@test "required + .so of another release: a queued job's batch script never runs on the upgraded node, and the node drains" {
	cluster_plugstack
	# submitted before the upgrade (held), started after it
	local id
	id=$(printf '#!/bin/bash\necho ran\n' | cl_as_user sbatch --parsable -H -p workgroup -w node2 \
		--chdir="$SWL_DIR/out" --output="$SWL_DIR/out/%j.out" | cut -d';' -f1)
	[ -n "$id" ]
	cluster_plugstack_raw "required $OTHER $RULES"
	local m
	m=$(cl_log_marks)
	cl_slurm scontrol release "$id"
	# 22.05 ends the job (recorded COMPLETED 0:0 without running); 24.11
	# requeues and holds it ("launch failed requeued held"): wait for the
	# node to drain, then for the job to leave RUNNING/CONFIGURING.
	local i st
	for i in $(seq 120); do
		[[ "$(cl_node_state node2)" == *DRAIN* ]] && break
		sleep 0.5
	done
	for i in $(seq 120); do
		st=$(cl_job_state "$id")
		case $st in RUNNING | CONFIGURING | COMPLETING) sleep 0.5 ;; *) break ;; esac
	done
	local job node ran=no log
	job=$(cl_slurm scontrol show job "$id" | grep -oE '(JobState|Reason|ExitCode)=[^ ]*' | tr '\n' ' ')
	node=$(cl_node_state node2)
	grep -q '^ran' "$SWL_DIR/out/$id.out" 2>/dev/null && ran=yes
	log=$(cl_log_since "$m" node2)
	# put node2 back before judging, so that the next tests have it
	cluster_plugstack
	cl_slurm scontrol update nodename=node2 state=resume
	wait_for_nodes_idle 30
	echo "job $id: $job; script ran: $ran; node2: $node"
	echo "$log" | grep -Ei 'spank|plugin|drain' | head -6
	[ "$ran" = no ]
	[[ "$node" == *DRAIN* ]]
	echo "$log" | grep -q "Incompatible Slurm plugin $OTHER version ($OTHER_V)"
	echo "$log" | grep -q "Failed to load plugin $OTHER. Aborting"
	echo "$log" | grep -q "Plugin stack initialization failed"
}

@test "required + .so of another release: slurmd restarted after the upgrade does not start" {
	cluster_plugstack_raw "required $OTHER $RULES"
	local m
	m=$(cl_log_marks)
	run cluster_restart_slurmd node3
	echo "restart: status=$status"
	cl_log_since "$m" node3 | grep -Ei 'spank|plugin|fatal|error' | head -5
	[ "$status" -ne 0 ]
	[ -z "$(cl_slurmd_alive | tr ' ' '\n' | grep -x node3)" ]
	cl_log_since "$m" node3 | grep -q "Failed to load plugin $OTHER. Aborting"
	cl_log_since "$m" node3 | grep -q "slurmd initialization failed"
	# back: the optional line lets it start (next test shows what jobs get)
	cluster_plugstack_raw "optional $OTHER $RULES"
	cluster_restart_slurmd node3
	[[ " $(cl_slurmd_alive) " == *" node3 "* ]]
}

@test "optional + .so of another release: slurmd starts, srun/sbatch/steps run, no node drains, the logs say why; --swap is unknown" {
	cluster_plugstack_raw "optional $OTHER $RULES"
	local m
	m=$(cl_log_marks)
	cluster_restart_slurmd
	no_bad_nodes
	# srun from the job user's side
	run cl_srun -p workgroup -w node1 /bin/sh -c 'echo "SWAPLIMIT_BYTES=${SWAPLIMIT_BYTES-unset}"'
	echo "srun: status=$status $output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"SWAPLIMIT_BYTES=unset"* ]]
	# a batch job with an srun step, on every node
	cl_job -p workgroup -N 3 -n 3 <<-EOF
	#!/bin/bash
	echo batch ok
	srun -n 3 /bin/sh -c 'echo "step ok \$(hostname)"'
	EOF
	cat "$JOBOUT"
	[ "$JOBSTATE" = COMPLETED ]
	grep -q '^batch ok' "$JOBOUT"
	[ "$(grep -c '^step ok' "$JOBOUT")" -eq 3 ]
	no_bad_nodes
	# the cause is in slurmd's log of every node: Slurm's own lines
	local n
	for n in "${SWL_NODES[@]}"; do
		cl_log_since "$m" "$n" | grep "Incompatible Slurm plugin $OTHER" | head -1
		cl_log_since "$m" "$n" | grep -q "Incompatible Slurm plugin $OTHER version ($OTHER_V)"
		cl_log_since "$m" "$n" | grep -q "spank: $OTHER: Incompatible plugin version"
	done
	# and swaplimit wrote nothing: no swaplimit step line anywhere
	[ -z "$(logs_since "$m" | grep "swaplimit: job=$JOBID ")" ]
	# the plugin's options are gone with it: a job that asks for --swap is
	# refused by the client (what job owners see during such an upgrade)
	run cl_srun --swap=64M -p workgroup -w node1 /bin/true
	echo "srun --swap: status=$status $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"swap"* ]]
}

@test "optional + the matching .so: swaplimit works exactly as with required (limits, prolog record, log line)" {
	cluster_plugstack_raw "optional $SAME $RULES"
	cluster_restart_slurmd
	local n
	for n in "${SWL_NODES[@]}"; do
		grep 'swaplimit: version ' "$(cl_slurmd_log "$n")" | tail -1
	done
	cl_job -p workgroup -w node1 -c 2 --mem=200M <<-EOF
	#!/bin/bash
	$J/cgread.sh batch
	srun $J/cgread.sh srun
	EOF
	cat "$JOBOUT"
	[ "$JOBSTATE" = COMPLETED ]
	local MiB=1048576 cg
	cg=$(grep '^CG label=batch ' "$JOBOUT" | head -1)
	cl_check_cg "$cg" $((250 * MiB)) $((250 * MiB))
	cg=$(grep '^CG label=srun ' "$JOBOUT" | head -1)
	cl_check_cg "$cg" $((250 * MiB)) $((250 * MiB))
	cl_check_log node1 "$JOBID" batch 4
	cl_check_log node1 "$JOBID" 0 4
	# the partition came from the prolog's record (no "record" warning)
	[ -z "$(grep -F "swaplimit: warning: job=$JOBID " "$(cl_slurmd_log node1)" | grep record)" ]
	# and --swap still works for job owners
	run cl_srun --swap=64M -p workgroup -w node1 -c 2 --mem=200M /bin/sh -c 'echo "SWAPLIMIT_BYTES=$SWAPLIMIT_BYTES"'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"SWAPLIMIT_BYTES=$((64 * MiB))"* ]]
	no_bad_nodes
}
