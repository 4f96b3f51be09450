#!/bin/bash
# The plugin's own time per step (elapsed_us of task_post_fork), side by
# side: blocks of steps in ONE allocation on the throwaway cluster,
# alternating between plugin builds (every slurmstepd reads plugstack.conf,
# so a build is switched between blocks without restarting slurmd).
#   BENCH_AB_OLD=/path/to/an/older/swaplimit.so  (optional third build)
#   BENCH_AB_ROUNDS=8 BENCH_AB_K=20               (rounds, steps per block)
#   BENCH_AB_RULES=...                            (default: the production string)
#   BENCH_AB_FLOOR=1   also build/bench/floor.so (make bench-floor): only the
#                      system calls of a step, the floor of any plugin here
# Builds: new = build/swaplimit.so, np = build/swaplimit_noprolog.so.
# Prints n, median, p90, p99 per build. Root; takes the cluster lock.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
[ "$(id -u)" -eq 0 ] || { echo "bench-steps-ab: SKIPPED: needs root"; exit 0; }
export SWL_PLUGIN=$repo/build/swaplimit.so
# shellcheck source=tests/integration/lib/cluster.bash
source tests/integration/lib/cluster.bash
out=$(mktemp)
trap 'cluster_down >/dev/null 2>&1; rm -f "$out"' EXIT
R=${BENCH_AB_RULES:-$SWL_PROD_RULES}
cluster_up "rules=$R" >/dev/null 2>&1 || { echo "bench-steps-ab: cluster_up failed" >&2; exit 1; }
builds="new np"
install -m 0644 build/swaplimit_noprolog.so "$SWL_DIR/lib/np.so"
if [ -n "${BENCH_AB_OLD:-}" ]; then
	install -m 0644 "$BENCH_AB_OLD" "$SWL_DIR/lib/old.so" && builds="old $builds"
fi
if [ -n "${BENCH_AB_FLOOR:-}" ]; then
	install -m 0644 build/bench/floor.so "$SWL_DIR/lib/floor.so" && builds="$builds floor"
fi
jid=$(cl_as_user salloc --no-shell -N1 -w node1 -n2 -t 30 2>&1 |
	sed -n 's/.*Granted job allocation \([0-9]*\).*/\1/p')
[ -n "$jid" ] || { echo "bench-steps-ab: salloc failed" >&2; exit 1; }
cl_as_user srun --jobid="$jid" -n1 true
for round in $(seq 1 "${BENCH_AB_ROUNDS:-8}"); do
	for m in $builds; do
		case $m in
		old) so=$SWL_DIR/lib/old.so ;;
		new) so=$SWL_DIR/lib/swaplimit.so ;;
		np) so=$SWL_DIR/lib/np.so ;;
		floor) so=$SWL_DIR/lib/floor.so ;;
		esac
		if [ "$m" = floor ]; then
			cluster_plugstack_raw "required $so"
		else
			cluster_plugstack_raw "required $so rules=$R"
		fi
		marks=$(cl_log_marks)
		for _ in $(seq 1 "${BENCH_AB_K:-20}"); do
			cl_as_user srun --jobid="$jid" -n1 true
		done
		# "build elapsed phases": the step lines of this block.
		cl_log_since "$marks" node1 | grep 'elapsed_us=' |
			sed -n "s/.*elapsed_us=\([0-9]*\)\( phases_us=\([^ ]*\)\)\{0,1\}.*/$m \1 \3/p" >>"$out"
	done
	echo "round $round done (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done
cl_slurm scancel "$jid"
echo "plugin time per step (elapsed_us), $(nproc) CPUs, $(/usr/sbin/slurmd -V 2>/dev/null):"
for m in $builds; do
	awk -v m="$m" '$1 == m { print $2 }' "$out" | sort -n | awk -v m="$m" '
		{ v[++n] = $1 }
		END { if (n) printf "  %-4s n=%d median=%d p90=%d p99=%d us\n", m, n, v[int(n / 2) + 1], v[int(n * 0.9)], v[int(n * 0.99)] }'
done
echo "median per phase (us):"
for m in $builds; do
	printf '  %-4s' "$m"
	for ph in setup rules record find limits facts decide write; do
		awk -v m="$m" -v ph="$ph" '$1 == m {
			v = 0; n = split($3, a, ",")
			for (i = 1; i <= n; i++) { split(a[i], kv, ":"); if (kv[1] == ph) v = kv[2] }
			print v }' "$out" | sort -n | awk -v ph="$ph" '
			{ v[++n] = $1 } END { if (n) printf " %s=%d", ph, v[int(n / 2) + 1] }'
	done
	echo
done
