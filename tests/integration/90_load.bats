#!/usr/bin/env bats
# Load (issue 4): 200+ short steps launched at once on the three-node
# cluster -- three job arrays (100 batch steps across the partitions) and
# four 4-CPU jobs each starting 25 sruns in parallel (100 steps) -- and
# every one of them gets exactly the allowance its rule grants, read from
# inside the step. No step fails, no node drains. The count is printed.

load lib/common
T_RULES=$SWL_PROD_RULES

t_setup() {
	S=$(cl_swap_total)
	P1=$((S / 100))
}

@test "load: 204 concurrent steps (4 x 25 parallel sruns + 3 arrays) all get their exact allowance" {
	local t0=$SECONDS ids=() id k
	# Four 4-CPU jobs, each starting 25 sruns at once (--overlap: all 25
	# run together on the job's CPUs): 2 in reserved, 2 in workgroup.
	for k in reserved reserved workgroup workgroup; do
		id=$(cl_submit -p $k -N 1 -n 4 --mem=400M <<-EOF
		#!/bin/bash
		$J/cgread.sh parb
		for i in \$(seq 25); do
			srun --overlap -n 1 --mem=20M $J/cgread.sh par &
		done
		wait
		EOF
		) && ids+=("$id")
	done
	# Three job arrays: 100 batch steps across the three partitions.
	for k in reserved:0-29 standard:0-29 workgroup:0-39; do
		id=$(cl_submit -p "${k%%:*}" --array="${k#*:}" -n 1 --mem=50M <<-EOF
		#!/bin/bash
		sleep 0.2; $J/cgread.sh arr
		EOF
		) && ids+=("$id")
	done
	echo "submitted: ${ids[*]}"
	[ ${#ids[@]} -eq 7 ]
	cl_wait_jobs 300 "${ids[@]}"
	local elapsed=$((SECONDS - t0))

	# every job (and array task) completed
	local states
	states=$(cl_slurm scontrol -o show job | grep -o 'JobState=[A-Z_]*' | sort | uniq -c)
	echo "$states"
	[ "$(echo "$states" | grep -v 'JobState=COMPLETED' | grep -c .)" -eq 0 ]

	# every step's cgroups, read from inside: exact allowance
	local line part node label js ss checked=0 bad=0
	while read -r line; do
		part=$(cl_field "$line" part) node=$(cl_field "$line" node)
		label=$(cl_field "$line" label)
		case $label/$part in
		par/reserved | parb/reserved) js=$((4 * P1)) ss=$P1 ;;
		arr/reserved) js=$P1 ss=$P1 ;;
		arr/standard) js=0 ss=0 ;;
		*/workgroup)
			if [ "$node" = node3 ]; then js=none ss=none
			else js=$((250 * MiB)) ss=$((250 * MiB)); fi ;;
		*) echo "unexpected line: $line"; bad=$((bad + 1)); continue ;;
		esac
		if cl_check_cg "$line" "$js" "$ss"; then
			checked=$((checked + 1))
		else
			bad=$((bad + 1))
		fi
	done < <(cat "$SWL_DIR"/out/*.out | grep '^CG ')
	# one swaplimit line per step and node, none of them an error
	local logged errors
	logged=$(cat "$SWL_DIR"/log/slurmd-node*.log | grep -c 'swaplimit: job=[0-9]* step=[0-9a-z]* node=node[1-3] term=' || true)
	errors=$(cat "$SWL_DIR"/log/slurmd-node*.log | grep swaplimit | grep -Eci 'error|fail|not enforced|warning' || true)
	echo "# load: $checked steps got exactly their allowance, $bad wrong;" \
		"$logged swaplimit step lines, $errors errors; ${elapsed}s" >&3
	echo "checked=$checked bad=$bad logged=$logged errors=$errors"
	[ "$bad" -eq 0 ]
	[ "$checked" -eq 204 ]
	[ "$logged" -eq 204 ]
	[ "$errors" -eq 0 ]
	[ -z "$(cl_bad_nodes)" ]
	[ "$(cl_slurmd_alive)" = "node1 node2 node3" ]
}
