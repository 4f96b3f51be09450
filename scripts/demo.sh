#!/bin/bash
# make demo: swaplimit on a throwaway three-node Slurm, with real jobs;
# part 2: swaplimit check finding an oversubscribing rule set, share-based
# grants that sum to at most the node's swap, a job asking for swap
# through a count-only GRES.
#
# Installs what is missing (scripts/install-deps.sh), builds, starts a local
# cluster (munge, slurmctld, `slurmd -N node1..node3`, a 512 MiB swap file)
# with the plugin from build/ and the first production rule string adapted
# to the nodes, runs a handful of jobs -- each where it exercises one term,
# two of them touching more memory than their RAM limit -- prints what each
# step got, and tears everything down (also on error or Ctrl-C).
# Needs root. Leaves no daemon, cgroup or swap file behind.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (it starts Slurm, creates cgroups and swap)" >&2; exit 1; }
# In the test VM (tests/vm) everything is installed and built already.
[ -n "${SWL_IN_VM:-}" ] || scripts/install-deps.sh || exit 1
buildlog=$(mktemp)
make --no-print-directory all >"$buildlog" 2>&1 ||
	{ tail -20 "$buildlog" >&2; rm -f "$buildlog"; echo "demo: make failed" >&2; exit 1; }
rm -f "$buildlog"

# shellcheck source=tests/integration/lib/cluster.bash
source tests/integration/lib/cluster.bash
export SWL_PLUGSTACK_KIND=optional   # as docs/plugin.md tells sites
trap 'cluster_down' EXIT
trap 'exit 130' INT TERM

RULES=$SWL_PROD_RULES
echo "swaplimit demo: a 3-node Slurm $SWL_SLURM_VERSION (cgroup v$SWL_CGV) on this machine, rules (plugstack.conf):"
echo "  optional <plugin dir>/swaplimit.so rules=$RULES"
echo "  partitions: reserved=node[1-2] standard=node[1-2] workgroup=node[1-3] (default)"
echo
t0=$SECONDS
uplog=$(mktemp)
# Swap as a schedulable count-only GRES (part 2 of the demo).
export SWL_SLURM_EXTRA="GresTypes=swap"
export SWL_GRES_CONF="NodeName=node[1-3] Name=swap Count=256M Flags=CountOnly"
export SWL_NODE_EXTRA="Gres=swap:256M "
if ! SWL_FIRST_JOB_ID=101 cluster_up "rules=$RULES" 2>"$uplog"; then
	cat "$uplog" >&2; rm -f "$uplog"
	echo "demo: the cluster did not start" >&2
	exit 1
fi
rm -f "$uplog"
J=$SWL_DIR/jobs
echo "cluster up in $((SECONDS - t0))s (node swap: $(( $(cl_swap_total) / 1048576 )) MiB," \
	"3 nodes x 8 CPUs x 4000 MB)."
echo

# name | sbatch options | srun options | command of the step
JOBS=(
	"node3: host(node3)=none|-p workgroup -w node3 -c 2 --mem=200M|-n 1|$J/cgread.sh"
	"reserved: 1%/task, 4 tasks|-p reserved -w node1 -n 4 --mem=400M|-n 4|$J/cgread.sh"
	"standard: 0MiB|-p standard -w node2 --mem=200M|-n 1|$J/cgread.sh"
	"default: 2 CPUs -> min_swap|-p workgroup -w node1 -c 2 --mem=200M|-n 1|$J/cgread.sh"
	"default: 6 CPUs x 50MiB|-p workgroup -w node2 -c 6 --mem=200M|-n 1|$J/cgread.sh"
	"one srun over node2+node3|-p workgroup -N 2 -w node2,node3 -n 2 -c 4 --mem=200M|-N 2 -n 2|$J/cgread.sh"
	"swap used: 180MiB on --mem=100M|-p workgroup -w node1 -c 2 --mem=100M|-n 1|$J/touch_mem 180 $J/cgread.sh"
	"standard: same 180MiB, 0MiB swap|-p standard -w node1 --mem=100M|-n 1|$J/touch_mem 180 $J/cgread.sh"
	"user asked --swap=64M (rule: 250MiB)|-p workgroup -w node1 -c 2 --mem=200M|-n 1 --swap=64M|$J/cgread.sh"
	"user asked --swap=1G: more than granted|-p workgroup -w node2 -c 2 --mem=200M|-n 1 --swap=1G|$J/cgread.sh"
	"user asked --swap=0, touches 180MiB|-p workgroup -w node1 -c 2 --mem=100M|-n 1 --swap=0|$J/touch_mem 180 $J/cgread.sh"
)

echo "running ${#JOBS[@]} jobs as user $SWL_USER..."
ROWS=()
FAILED=0
WHY=()
TOLD=()
for spec in "${JOBS[@]}"; do
	IFS='|' read -r name sopts ropts cmd <<<"$spec"
	# shellcheck disable=SC2086
	cl_job $sopts 2>/dev/null <<-EOF
	#!/bin/bash
	srun $ropts $cmd
	EOF
	if [ -z "$JOBID" ]; then
		# refused by sbatch: say why (the plugin's own options are parsed
		# by sbatch too; a plugin that cannot load refuses every job)
		echo "demo: FAILED: sbatch $sopts was refused: $(tail -n 3 "$SWL_DIR/out/sbatch.err")" >&2
		FAILED=1
		continue
	fi
	printf '  job %-5s %-40s %s\n' "$JOBID" "$name" "$JOBSTATE"
	# what swaplimit told the job's owner (the step's stderr: the output file)
	while IFS= read -r t; do
		TOLD+=("job $JOBID: $t")
	done < <(grep -h '^swaplimit: ' "$JOBOUT" 2>/dev/null)
	# one row per step and node
	lines=$(grep '^CG ' "$JOBOUT" 2>/dev/null | awk '!seen[$3]++')
	if [ -z "$lines" ]; then
		# killed before it could report (OOM): take the plugin's word.
		got_row=0
		for node in node1 node2 node3; do
			l=$(grep -F "swaplimit: job=$JOBID step=0 node=$node " "$(cl_slurmd_log "$node")")
			[ -n "$l" ] || continue
			got_row=1
			term=$(echo "$l" | sed -n 's/.* term=\([0-9]*\) (\([^ ]*\)).*/#\1 \2/p')
			part=$(echo "$l" | sed -n 's/.* facts: partition=\([^ ]*\).*/\1/p')
			ram=$(echo "$l" | sed -n 's/.* ram=\([^ ]*\).*/\1/p')
			granted=$(echo "$l" | sed -n 's/.* swap=\([^ ]*\) .*/\1/p')
			used="?"
			grep -qi 'out of memory' "$JOBOUT" && used="OOM-killed"
			ROWS+=("$JOBID.0|$part|$node|${term:-?}|$ram|$granted|$used")
			why=$(echo "$l" | sed -n 's/.* why: step: \([^;]*\);.*/\1/p')
			[ -n "$why" ] && WHY+=("$JOBID.0 on $node: $why")
		done
		if [ "$got_row" = 0 ]; then
			echo "demo: FAILED: job $JOBID ($name) ended $JOBSTATE with no cgroup report in $JOBOUT" \
				"and no swaplimit line in any slurmd log: $(tail -n 3 "$JOBOUT" 2>/dev/null)" >&2
			FAILED=1
		fi
		continue
	fi
	while read -r cg; do
		node=$(cl_field "$cg" node) part=$(cl_field "$cg" part)
		lim=$(cl_field "$cg" step_limit) swapmax=$(cl_field "$cg" step_swapmax)
		step=$(cl_field "$cg" step) used=$(cl_field "$cg" step_swap)
		l=$(grep -F "swaplimit: job=$JOBID step=$step node=$node " "$(cl_slurmd_log "$node")" | head -1)
		term=$(echo "$l" | sed -n 's/.* term=\([0-9]*\) (\([^ ]*\)).*/#\1 \2/p')
		[ -n "$term" ] || term=$(echo "$l" | grep -q ' term=none' && echo "no match" || echo "?")
		if [ "$swapmax" = max ]; then
			granted=unlimited
		else
			granted=$(awk -v b="$swapmax" 'BEGIN { printf (b % 1048576 ? "%.1fMiB" : "%dMiB"), b / 1048576 }')
		fi
		used=$(awk -v b="${used:-0}" 'BEGIN { printf (b ? "%.1fMiB" : "0"), b / 1048576 }')
		ROWS+=("$JOBID.$step|$part|$node|${term:-?}|$((lim / 1048576))MiB|$granted|$used")
		why=$(echo "$l" | sed -n 's/.* why: step: \([^;]*\);.*/\1/p')
		[ -n "$why" ] && WHY+=("$JOBID.$step on $node: $why")
	done <<<"$lines"
done

echo
fmt='%-7s %-9s %-5s %-39s %-7s %-9s %s\n'
# shellcheck disable=SC2059
printf "$fmt" STEP PARTITION NODE "TERM MATCHED (plugin log)" RAM "SWAP" "SWAP USED"
# shellcheck disable=SC2059
printf "$fmt" "" "" "" "" LIMIT GRANTED "$([ "$SWL_CGV" = 2 ] && echo "(swap.current)" || echo "(memory.stat)")"
printf '%s\n' "-------------------------------------------------------------------------------------------"
for r in "${ROWS[@]}"; do
	IFS='|' read -r a b c d e f g <<<"$r"
	# shellcheck disable=SC2059
	printf "$fmt" "$a" "$b" "$c" "$d" "$e" "$f" "$g"
done
echo
echo "How each allowance was computed (from the plugin's log lines):"
for w in "${WHY[@]}"; do echo "  $w"; done
echo
echo "What swaplimit told the jobs' owners (in their job output):"
for t in "${TOLD[@]}"; do echo "  $t"; done
echo
if [ "$SWL_CGV" = 2 ]; then
	echo "SWAP GRANTED is memory.swap.max of the step's cgroup (step_<id>/user), read from"
	echo "inside the job (the job's own cgroup gets at least as much)."
else
	echo "SWAP GRANTED is memory.memsw.limit_in_bytes - memory.limit_in_bytes of the step's"
	echo "cgroup, read from inside the job (the job's own cgroup gets at least as much)."
fi
echo "The jobs that touched 180MiB with 0MiB of swap allowed were OOM-killed by the kernel."
echo
# ---- part 2: swap that no node can promise twice (issue 12)
SW=$(cl_swap_total)
echo "== Part 2: swap that no node can promise twice"
echo "swaplimit check on a 40-CPU node with 1GiB of swap (exit status in brackets):"
for r in "default(){min_swap=250MiB}=50MiB/cpu" "default()=100%/memshare"; do
	out=$(build/swaplimit check --rules "$r" --node "big:cpus=40,mem=192G" --swap 1GiB 2>&1)
	rc=$?
	echo "  \$ swaplimit check --rules '$r' --node big:cpus=40,mem=192G --swap 1GiB   [exit $rc]"
	echo "$out" | grep -E '^  big|^plugin:' | sed 's/^ */    /'
done
echo
R2="partition(reserved)=gres,default()=100%/memshare"
echo "rules now: $R2 gres=swap  (plugstack.conf; every new step reads it)"
# Jobs whose RAM fills the node (a quarter, a quarter, a half of what it
# has and Slurm lets it schedule).
MT=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
B=$(( MT < SWL_REAL_MEMORY ? MT : SWL_REAL_MEMORY ))
echo "  three jobs at once on node1 holding $((B / 4))M, $((B / 4))M and $((B / 2))M of its RAM: their"
echo "  grants sum to at most the node's swap ($((SW / 1048576)) MiB), whatever the jobs ask for:"
cluster_plugstack "rules=$R2" "gres=swap"
ids=()
for m in $((B / 4))M $((B / 4))M $((B / 2 - 1))M; do
	ids+=("$(cl_as_user sbatch --parsable -p workgroup -w node1 -c 1 --mem=$m \
		-o "$SWL_DIR/out/share-%j.out" --wrap "$J/cgread.sh share; sleep 3" | cut -d';' -f1)")
done
cl_wait_jobs "$SWL_JOB_TIMEOUT" "${ids[@]}" >/dev/null 2>&1
sum=0
for id in "${ids[@]}"; do
	l=$(grep -m1 '^CG label=share ' "$SWL_DIR/out/share-$id.out" 2>/dev/null)
	sm=$(cl_field "$l" job_swapmax)
	lim=$(cl_field "$l" job_limit)
	case $sm in '' | *[!0-9]*) echo "    job $id: no report"; FAILED=1; continue ;; esac
	sum=$((sum + sm))
	w=$(grep -F "swaplimit: job=$id step=batch node=node1 " "$(cl_slurmd_log node1)" |
		sed -n 's/.* why: step: [^;]*; job: \([^;]*\);.*/\1/p' | head -1)
	printf '    job %-6s RAM %5s MiB -> swap %4s MiB   (%s)\n' "$id" $((lim / 1048576)) $((sm / 1048576)) "$w"
done
if [ "$sum" -le "$SW" ]; then
	echo "    sum: $((sum / 1048576)) MiB <= the node's $((SW / 1048576)) MiB (shares of its $MT MiB of RAM;"
	echo "    Slurm schedules at most $SWL_REAL_MEMORY MiB on each test node)"
else
	echo "demo: FAILED: the grants sum to $((sum / 1048576)) MiB, more than the node's swap" >&2
	FAILED=1
fi
echo "  a job in partition reserved that asked for swap through the GRES (--gres=swap:64M):"
cl_job -p reserved -w node1 --mem=200M --gres=swap:64M >/dev/null 2>&1 <<-EOF
	#!/bin/bash
	srun $J/cgread.sh gres
	EOF
l=$(grep -m1 '^CG label=gres ' "$JOBOUT" 2>/dev/null)
sm=$(cl_field "$l" step_swapmax)
echo "    job $JOBID: swap granted $((${sm:-0} / 1048576)) MiB (counted by Slurm against the node's Gres=swap:256M)"
[ "${sm:-0}" = $((64 * 1048576)) ] || { echo "demo: FAILED: the GRES job got ${sm:-nothing}, not 64MiB" >&2; FAILED=1; }
echo
t1=$SECONDS
dir=$SWL_DIR
trap - EXIT
cluster_down 2>/dev/null
left=""
[ -e "$dir" ] && left="$dir "
grep -q "^$dir/" /proc/swaps && left="${left}swap "
# Everything else (cgroups, ports, daemons) under the cluster lock, unless
# another run has already taken it for its own cluster.
exec {lk}>>"$SWL_LOCK"
if flock -n "$lk"; then
	left="$left$(cl_leftovers | tr '\n' ' ')"
	flock -u "$lk"
fi
exec {lk}>&-
echo "cluster down in $((SECONDS - t1))s; left behind: ${left:-nothing}"
[ "$FAILED" = 0 ] || { echo "demo: FAILED: some jobs did not run or report (see above)" >&2; exit 1; }
[ -z "$left" ]
