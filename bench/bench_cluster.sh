#!/bin/bash
# End-to-end cost of swaplimit on the throwaway local Slurm cluster
# (tests/integration/lib/cluster.bash): `make bench-cluster`, as root.
#
# Modes (slurmd is restarted before EVERY block, whatever its mode, so all
# blocks start alike; slurmd runs SPANK job prologs/epilogs only for
# plugins loaded at its start):
#   off   no SPANK plugin at all (empty plugstack.conf).
#   on    production: slurmd started with the swaplimit line, which stays.
#   noop  slurmd started with a no-op plugin that has only empty job
#         prolog/epilog hooks: what Slurm itself charges for ANY plugin
#         with those hooks (fork+exec of `slurmstepd spank prolog|epilog`).
#   np    slurmd started with swaplimit_noprolog.so (the build without the
#         job prolog/epilog hooks: no process per job) and rules without
#         partition()/account() (BENCH_NP_RULES), which need no prolog.
# Series (each command timed by a tiny C wrapper with CLOCK_MONOTONIC, as
# the job user; runuser and timeout are outside the timing):
#   srun-n1, srun-n2   `srun -n1 true`, `srun -n2 true`: a new job each
#                      (job prolog + step + epilog), alternated.
#   step               `srun --jobid=J -n1 true`: a step in an existing
#                      allocation (salloc --no-shell; its first step,
#                      which runs the job prolog, is untimed).
#   sbatch             `sbatch --wait --wrap <one line>` (off/on only); the
#                      one-line job prints the monotonic clock, so
#                      "submit->start" (batch launch latency) is measured
#                      too: sbatch --wait itself polls every 2 s.
# Rounds alternate the block order (off,noop,on,np / np,on,noop,off) so
# a linear drift hits every mode alike. The plugin's own time per step
# (elapsed_us of task_post_fork) comes from the slurmd logs.
# Profile (BENCH_PROFILE=1, needs perf and uprobes): perf records sched
# fork/exec/exit events and uprobes on the plugins' functions during an
# off, a noop and an on block: the phases of a new job's srun (srun ->
# slurmd -> prolog -> slurmstepd -> task -> end), the wall time of the
# `slurmstepd spank prolog/epilog` processes, and the time per swaplimit
# function (inside task_post_fork and elsewhere).
#
# Environment:
#   BENCH_N=200        timed srun-n1, srun-n2 and step each, per main mode
#   BENCH_BATCH_N=50   timed sbatch --wait per main mode
#   BENCH_BLOCK=10     per block and series
#   BENCH_AUX_BLOCK=   per block and series in noop (default BLOCK/2;
#                      0: no noop blocks)
#   BENCH_PROFILE=1    the perf profile at the end (0: none)
#   BENCH_PROFILE_N=30 sruns of each kind per profiled block
#   BENCH_RULES=       rules= of the swaplimit line (default: the harness'
#                      production string $SWL_PROD_RULES)
#   BENCH_NP_RULES=    rules= of mode np (default: that string without its
#                      partition() terms)
#   BENCH_OUT=build/bench-cluster   raw data, summary.txt, table.md
# Quick run: BENCH_N=20 BENCH_BATCH_N=4 BENCH_PROFILE_N=10 (about 3 min).
set -u
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
N=${BENCH_N:-200}
BATCH_N=${BENCH_BATCH_N:-50}
BLOCK=${BENCH_BLOCK:-10}
AUX=${BENCH_AUX_BLOCK:-$((BLOCK / 2))}
PROFILE=${BENCH_PROFILE:-1}
PROFILE_N=${BENCH_PROFILE_N:-30}
OUT=${BENCH_OUT:-$repo/build/bench-cluster}
case $OUT in /*) ;; *) OUT=$repo/$OUT ;; esac

say() { echo "bench-cluster: $*" >&2; }
die() { echo "bench-cluster: ERROR: $*" >&2; exit 1; }

for v in N BATCH_N BLOCK AUX PROFILE PROFILE_N; do
	case ${!v} in '' | *[!0-9]*) die "BENCH_$v must be a number (got '${!v}')" ;; esac
done
{ [ "$N" -ge 1 ] && [ "$BLOCK" -ge 1 ]; } || die "BENCH_N and BENCH_BLOCK must be >= 1"

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-cluster: SKIPPED: needs root (slurmd, cgroups, swap): run 'make bench-cluster' as root"
	exit 0
fi
[ -f "$repo/build/swaplimit.so" ] || die "build/swaplimit.so missing (make all)"

# ---------------------------------------------------------------- setup

machine="$(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/^MemTotal:/ {printf "%.0f GiB RAM", $2 / 1048576}' /proc/meminfo), kernel $(uname -r), $(/usr/sbin/slurmd -V 2>/dev/null || echo 'slurm ?')"
echo "== end to end on the local cluster: $machine"

work=$(mktemp -d /tmp/swaplimit-bench.XXXXXX) || die "mktemp failed"
chmod 0755 "$work"
# A private copy of the plugin: a rebuild of build/ during the run must
# not change what is measured.
cp "$repo/build/swaplimit.so" "$work/swaplimit.so" || die "cannot copy the plugin"
cp "$repo/build/swaplimit_noprolog.so" "$work/swaplimit_noprolog.so" ||
	die "cannot copy build/swaplimit_noprolog.so (make all)"
chmod 0755 "$work/swaplimit.so" "$work/swaplimit_noprolog.so"
export SWL_PLUGIN=$work/swaplimit.so

# swl-time: without arguments, print CLOCK_MONOTONIC in ns; with a command,
# run it and print "START_NS END_NS EXIT" as the last line of stdout.
cat >"$work/swl-time.c" <<'EOF'
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
static long long now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}
int main(int argc, char **argv)
{
	long long t0, t1;
	pid_t p;
	int st = 0;

	if (argc < 2) {
		printf("%lld\n", now());
		return 0;
	}
	fflush(stdout);
	t0 = now();
	p = fork();
	if (p == 0) {
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (p < 0 || waitpid(p, &st, 0) < 0)
		return 1;
	t1 = now();
	printf("%lld %lld %d\n", t0, t1,
	       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
EOF
# The no-op plugin of mode noop: job prolog/epilog hooks doing nothing.
cat >"$work/swlnoop.c" <<'EOF'
#include <slurm/spank.h>
SPANK_PLUGIN(swlnoop, 1)
int slurm_spank_job_prolog(spank_t sp, int ac, char **av)
{
	(void)sp; (void)ac; (void)av;
	return 0;
}
int slurm_spank_job_epilog(spank_t sp, int ac, char **av)
{
	(void)sp; (void)ac; (void)av;
	return 0;
}
EOF
gcc -O2 -Wall -o "$work/swl-time" "$work/swl-time.c" || die "cannot build the timer"
gcc -O2 -Wall -shared -fPIC -o "$work/swlnoop.so" "$work/swlnoop.c" || die "cannot build the no-op plugin"
chmod 0755 "$work/swl-time" "$work/swlnoop.so"
T=$work/swl-time

# shellcheck source-path=SCRIPTDIR/..
# shellcheck source=tests/integration/lib/cluster.bash
source "$repo/tests/integration/lib/cluster.bash"
RULES=${BENCH_RULES:-$SWL_PROD_RULES}
NP_RULES=${BENCH_NP_RULES:-$(echo "$RULES" | tr ',' '\n' | grep -v '^partition(' | paste -sd,)}

PROBE_GROUP=swlbench$$
probes_added=0
perf_pid=""
tracefs_mounted=0
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$perf_pid" ]; then kill -INT "$perf_pid" 2>/dev/null; wait "$perf_pid" 2>/dev/null; fi
	[ "$probes_added" = 1 ] && perf probe -q -d "$PROBE_GROUP:*" >/dev/null 2>&1
	[ "$tracefs_mounted" = 1 ] && umount /sys/kernel/tracing 2>/dev/null
	cluster_down 2>&1 | sed 's/^/  /' >&2
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUT" || die "cannot create $OUT"
rm -f "$OUT"/samples.tsv "$OUT"/elapsed.tsv "$OUT"/blocks.tsv "$OUT"/srun.err \
	"$OUT"/restart.log "$OUT"/allocs.txt "$OUT"/profile*.txt "$OUT"/summary.txt "$OUT"/table.md
: >"$OUT/samples.tsv"   # mode series ns rc round [submit_to_start_ns]
: >"$OUT/elapsed.tsv"   # mode series elapsed_us node job step partition ok|error phases
: >"$OUT/blocks.tsv"    # round mode loadavg1 seconds
: >"$OUT/allocs.txt"    # job ids of the allocations of the step series

t_start=$SECONDS
say "waiting for the cluster lock and bringing the cluster up"
cluster_up >"$OUT/cluster_up.log" 2>&1 || { cat "$OUT/cluster_up.log" >&2; die "cluster_up failed"; }
say "cluster up in ${SWL_UP_SECONDS}s ($SWL_DIR)"
mkdir -p "$SWL_DIR/bench" && cp "$T" "$SWL_DIR/bench/swl-time" && chmod -R a+rX "$SWL_DIR/bench"

# ---------------------------------------------------------------- helpers

queue_empty() {
	local i
	for i in $(seq 600); do
		[ -z "$(cl_slurm squeue -h -o %i 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	say "jobs still queued after 60s: $(cl_slurm squeue -h | head -3)"
	return 1
}

# set_mode MODE: restart slurmd with MODE's plugstack.conf (every block
# starts from a freshly started slurmd), then untimed warm-up jobs.
set_mode() {
	local mode=$1
	queue_empty
	case $mode in
	on) cluster_plugstack "rules=$RULES" ;;
	np) cluster_plugstack_raw "required $work/swaplimit_noprolog.so rules=$NP_RULES" ;;
	noop) cluster_plugstack_raw "required $work/swlnoop.so" ;;
	off) cluster_plugstack ;;
	esac
	cluster_restart_slurmd >>"$OUT/restart.log" 2>&1 ||
		die "slurmd restart failed: $(tail -5 "$OUT/restart.log")"
	wait_for_nodes_idle 60 >>"$OUT/restart.log" 2>&1 ||
		die "nodes not idle after the slurmd restart: $(cl_node_states)"
	cl_as_user timeout 60 srun -N3 true >/dev/null 2>>"$OUT/srun.err"
	cl_as_user timeout 60 srun -n1 true >/dev/null 2>>"$OUT/srun.err"
}

# The task_post_fork lines (they carry elapsed_us) logged since MARKS.
collect_elapsed() {
	local marks=$1 mode=$2 n
	for n in "${SWL_NODES[@]}"; do
		cl_log_since "$marks" "$n"
	done | grep -o 'swaplimit: job=[0-9]* step=[^ ]* node=[^ ]* .*' |
		grep ' elapsed_us=' |
		awk -v m="$mode" -v allocs="$OUT/allocs.txt" '
		BEGIN { while ((getline a < allocs) > 0) alloc[a] = 1 }
		{
			job = $2; sub(/^job=/, "", job)
			step = $3; sub(/^step=/, "", step)
			node = $4; sub(/^node=/, "", node)
			us = ""; tasks = "?"; part = "?"; ph = "-"
			for (i = 5; i <= NF; i++) {
				if ($i ~ /^elapsed_us=/) { us = $i; sub(/^elapsed_us=/, "", us) }
				if ($i ~ /^phases_us=/) { ph = $i; sub(/^phases_us=/, "", ph) }
				if ($i ~ /^tasks=/) { tasks = $i; sub(/^tasks=/, "", tasks) }
				if ($i ~ /^partition=/) { part = $i; sub(/^partition=/, "", part) }
			}
			series = step == "batch" ? "batch" : ((job in alloc) ? "step" : "job-n" tasks)
			err = ($0 ~ / error: /) ? "error" : "ok"
			print m, series, us, node, job, step, part, err, ph
		}' >>"$OUT/elapsed.tsv"
}

# timed SERIES MODE ROUND CMD...: one timed command as the job user.
timed() {
	local series=$1 mode=$2 round=$3 t0 t1 rc
	shift 3
	read -r t0 t1 rc < <(cl_as_user timeout 120 "$T" "$@" 2>>"$OUT/srun.err" | tail -1)
	if [ -n "${rc:-}" ]; then
		echo "$mode $series $((t1 - t0)) $rc $round" >>"$OUT/samples.tsv"
	else
		echo "$mode $series - 255 $round" >>"$OUT/samples.tsv"
	fi
}

# One timed sbatch --wait of a one-line job that prints the monotonic clock.
timed_sbatch() {
	local mode=$1 round=$2 out id t0 t1 rc start=-
	out=$(cl_as_user timeout 300 "$T" sbatch --wait --parsable -o "$SWL_DIR/out/bench-%j.out" \
		--wrap "exec $SWL_DIR/bench/swl-time" 2>>"$OUT/srun.err")
	id=$(echo "$out" | head -1 | cut -d';' -f1)
	read -r t0 t1 rc < <(echo "$out" | tail -1)
	if [ -n "${rc:-}" ] && [ -n "$id" ]; then
		if [ -s "$SWL_DIR/out/bench-$id.out" ]; then
			start=$(head -1 "$SWL_DIR/out/bench-$id.out")
			case $start in '' | *[!0-9]*) start=- ;; *) start=$((start - t0)) ;; esac
		fi
		echo "$mode sbatch $((t1 - t0)) $rc $round $start" >>"$OUT/samples.tsv"
	else
		echo "$mode sbatch - 255 $round -" >>"$OUT/samples.tsv"
	fi
}

# An allocation for the step series; prints its job id.
new_alloc() {
	cl_as_user timeout 60 salloc --no-shell -N1 -n2 -t 10 2>&1 |
		sed -n 's/.*Granted job allocation \([0-9]*\).*/\1/p' | head -1
}

# run_block MODE ROUND K NBATCH: K of each srun series, then NBATCH sbatch.
run_block() {
	local mode=$1 r=$2 k=$3 nb=$4 i alloc
	for ((i = 0; i < k; i++)); do
		if ((i % 2 == 0)); then
			timed srun-n1 "$mode" "$r" srun -n1 true
			timed srun-n2 "$mode" "$r" srun -n2 true
		else
			timed srun-n2 "$mode" "$r" srun -n2 true
			timed srun-n1 "$mode" "$r" srun -n1 true
		fi
	done
	alloc=$(new_alloc)
	if [ -n "$alloc" ]; then
		echo "$alloc" >>"$OUT/allocs.txt"
		# the first step runs the job prolog on the node: untimed
		cl_as_user timeout 60 srun --jobid="$alloc" -n1 true >/dev/null 2>>"$OUT/srun.err"
		for ((i = 0; i < k; i++)); do
			timed step "$mode" "$r" srun --jobid="$alloc" -n1 true
		done
		cl_slurm scancel "$alloc"
	else
		say "salloc failed: no step series in this block"
	fi
	for ((i = 0; i < nb; i++)); do timed_sbatch "$mode" "$r"; done
}

# ---------------------------------------------------------------- stats

# stats: numbers on stdin -> "n median p90 p99 max" (nearest rank; the
# median of an even count is the mean of the middle two).
stats() {
	sort -n | awk '{ v[++n] = $1 }
	function rank(p,  r) { r = int(p * n / 100); if (r < p * n / 100) r++; if (r < 1) r = 1; return v[r] }
	END {
		if (n == 0) { print 0, "-", "-", "-", "-"; exit }
		med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		print n, med, rank(90), rank(99), v[n]
	}'
}
series() { awk -v m="$1" -v k="$2" -v c="${3:-3}" '$1 == m && $2 == k && $4 == 0 && $c != "-" { print $c }' "$OUT/samples.tsv"; }
ms() { awk -v x="$1" 'BEGIN { if (x == "-") print "-"; else printf "%.1f", x / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.3f", a / b }'; }
diffms() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%+.1f", (a - b) / 1e6 }'; }
# paired MODE_A MODE_B SERIES: median over rounds of (median of A's block
# - median of B's block) in ns: drift between rounds cancels out.
paired() {
	awk -v a="$1" -v b="$2" -v s="$3" '$2 == s && $4 == 0 && $5 >= 0 && ($1 == a || $1 == b) { print $1, $5, $3 }' "$OUT/samples.tsv" |
		sort -k1,1 -k2,2n -k3,3n | awk -v a="$1" '
		{ k = $1 SUBSEP $2; v[k, ++n[k]] = $3; rounds[$2] = 1 }
		function med(k,  c) { c = n[k]; return (c % 2) ? v[k, (c + 1) / 2] : (v[k, c / 2] + v[k, c / 2 + 1]) / 2 }
		END {
			for (r in rounds) {
				ka = a SUBSEP r; kb = ""
				for (k in n) { split(k, x, SUBSEP); if (x[1] != a && x[2] == r) kb = k }
				if (n[ka] && kb != "") printf "%.0f\n", med(ka) - med(kb)
			}
		}' | sort -n | awk '{ v[++n] = $1 } END { if (!n) print "-"; else printf "%.0f\n", (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'
}
label() {
	case $1 in
	srun-n1) echo 'srun -n1 true (new job)' ;;
	srun-n2) echo 'srun -n2 true (new job)' ;;
	step) echo 'srun -n1 true (step in a job)' ;;
	sbatch) echo 'sbatch --wait (1-line job)' ;;
	sbatch-start) echo 'sbatch submit->job start' ;;
	esac
}

# ---------------------------------------------------------------- profile

# Uprobes on the plugins' functions plus process fork/exec/exit events,
# recorded system-wide during one noop and one on block.
profile_run() {
	local f fn ok=1
	command -v perf >/dev/null || { say "profile skipped: perf not installed"; return 0; }
	if [ ! -e /sys/kernel/tracing/uprobe_events ] && [ ! -e /sys/kernel/debug/tracing/uprobe_events ] &&
		grep -qw tracefs /proc/filesystems && mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null; then
		tracefs_mounted=1   # ours: unmounted by cleanup
	fi
	if [ ! -e /sys/kernel/tracing/uprobe_events ] && [ ! -e /sys/kernel/debug/tracing/uprobe_events ]; then
		say "profile skipped: no tracefs with uprobe_events (kernel without CONFIG_UPROBE_EVENTS?)"
		return 0
	fi
	probes_added=1
	for fn in slurm_spank_task_post_fork sl_plugin_args sl_plugin_rules sl_args_load_rules \
		sl_rules_bind sl_cg_find sl_cg_read_ram_limit sl_names_resolve \
		sl_meminfo_swap_total sl_record_read sl_decide sl_cg_apply \
		slurm_spank_init slurm_spank_exit slurm_spank_task_exit \
		slurm_spank_job_prolog slurm_spank_job_epilog sl_record_write sl_record_remove; do
		f=${fn/#slurm_spank_/spank_}
		perf probe -q -x "$work/swaplimit.so" -a "$PROBE_GROUP:$f=$fn" -a "$PROBE_GROUP:$f=$fn%return" \
			>>"$OUT/profile-perf.txt" 2>&1 || { say "profile: no probe on $fn"; }
	done
	for fn in slurm_spank_job_prolog slurm_spank_job_epilog; do
		perf probe -q -x "$work/swlnoop.so" -a "$PROBE_GROUP:noop_${fn#slurm_spank_}=$fn" \
			>>"$OUT/profile-perf.txt" 2>&1 || ok=0
	done
	[ "$ok" = 1 ] || say "profile: no probe on the no-op plugin"
	perf probe -l 2>/dev/null | grep -q "$PROBE_GROUP:" || { say "profile skipped: perf probe failed (see $OUT/profile-perf.txt)"; return 0; }
	local mode
	for mode in off noop on; do
		set_mode "$mode"
		perf record -q -a -o "$work/perf-$mode.data" -e "$PROBE_GROUP:*" \
			-e sched:sched_process_fork -e sched:sched_process_exec -e sched:sched_process_exit \
			>>"$OUT/profile-perf.txt" 2>&1 &
		perf_pid=$!
		sleep 2
		run_block "profile-$mode" -1 "$PROFILE_N" 0
		queue_empty
		sleep 1
		kill -INT "$perf_pid" 2>/dev/null
		wait "$perf_pid" 2>/dev/null
		perf_pid=""
		perf script -i "$work/perf-$mode.data" -F tid,time,event,trace 2>/dev/null >"$work/perf-$mode.txt"
		perf script -i "$work/perf-$mode.data" -F pid,time,event,trace 2>/dev/null | timeline_parse >"$work/timeline-$mode.txt"
		cp "$work/timeline-$mode.txt" "$OUT/profile-timeline-$mode.txt"
	done
	perf probe -q -d "$PROBE_GROUP:*" >/dev/null 2>&1
	probes_added=0
	profile_report >"$OUT/profile.txt"
}

# Durations from the perf script text: per function call (entry to
# return, per thread) with its context ("pf": inside task_post_fork;
# "prolog"/"epilog": in a `slurmstepd spank` job script process; "other"),
# and per job script process (fork to exit, exec to exit).
profile_parse() {
	awk '
	{
		tid = $1; t = $2; sub(/:$/, "", t); ev = $3; sub(/:$/, "", ev)
		sub(/^[^:]*:/, "", ev)
		if (ev == "sched_process_fork") {
			for (i = 4; i <= NF; i++) if ($i ~ /^child_pid=/) { c = $i; sub(/^child_pid=/, "", c); fork_t[c] = t }
			next
		}
		if (ev == "sched_process_exec") { exec_t[tid] = t; next }
		if (ev == "sched_process_exit") { exit_t[tid] = t; next }
		if (ev ~ /^noop_/) { kind[tid] = "noop-" substr(ev, 6); next }
		ret = sub(/__return$/, "", ev)
		if (ev == "spank_job_prolog") kind[tid] = "swaplimit-prolog"
		if (ev == "spank_job_epilog") kind[tid] = "swaplimit-epilog"
		if (ev == "spank_task_post_fork") { in_pf[tid] = !ret }
		key = tid SUBSEP ev
		if (!ret) { start[key] = t; next }
		if (key in start) {
			ctx = "other"
			if (in_pf[tid] && ev != "spank_task_post_fork") ctx = "pf"
			else if (kind[tid] ~ /prolog/) ctx = "prolog"
			else if (kind[tid] ~ /epilog/) ctx = "epilog"
			printf "fn %s %.1f %s\n", ev, (t - start[key]) * 1e6, ctx
			delete start[key]
		}
	}
	END {
		for (p in kind) if ((p in exit_t) && (p in fork_t))
			printf "proc %s %.1f %.1f\n", kind[p], (exit_t[p] - fork_t[p]) * 1e6,
				(p in exec_t) ? (exit_t[p] - exec_t[p]) * 1e6 : -1
	}' "$@"
}

# timeline_parse: sched fork/exec/exit events (perf script -F
# pid,time,event,trace) -> one line per srun of a new job (sruns after a
# salloc are steps and skipped), in us: srun exec to slurmd's first new
# thread (the launch RPC), then to the prolog's fork, the prolog process
# (fork to exit), to the step's slurmstepd exec (from the prolog's end, or
# from the RPC when there is no prolog), to the task's exec, to srun's exit,
# total ("-" when there is no prolog).
timeline_parse() {
	awk '
	# perf script -F pid,time,event,trace of sched fork/exec/exit events.
	# One line per `srun` of a new job (sruns after a salloc are steps: skipped):
	#   "srun_to_slurmd pre_prolog prolog post_prolog stepd_to_task task_to_end total" (us; - if none)
	function flush(   n, p, te, pro, step_exec, out) {
		if (!cur || true_exec == "" || srun_exit == "") return
		pro = ""; step_exec = ""
		for (n = 1; n <= nsd; n++) {
			p = sd_pid[n]
			if (p in sd_exit) { if (pro == "") pro = p }
			else step_exec = sd_t[n]
		}
		out = sprintf("%.0f", (first_slurmd - t0) * 1e6)
		if (pro != "") {
			out = out sprintf(" %.0f %.0f %.0f", (fork_t[pro] - first_slurmd) * 1e6,
				(sd_exit[pro] - fork_t[pro]) * 1e6, (step_exec - sd_exit[pro]) * 1e6)
		} else
			out = out sprintf(" - - %.0f", (step_exec - first_slurmd) * 1e6)
		print out, sprintf("%.0f %.0f %.0f", (true_exec - step_exec) * 1e6,
			(srun_exit - true_exec) * 1e6, (srun_exit - t0) * 1e6)
	}
	{
		pid = $1; t = $2; sub(/:$/, "", t); ev = $3; sub(/:$/, "", ev); sub(/^.*:/, "", ev)
	}
	ev == "sched_process_exec" && / filename=\/usr\/bin\/salloc / { in_steps = 1; next }
	ev == "sched_process_exec" && / filename=\/usr\/bin\/srun / {
		cur = !in_steps; t0 = t; srun = pid; first_slurmd = ""; nsd = 0; true_exec = ""; srun_exit = ""
		delete sd_exit; delete fork_t
		next
	}
	!cur { next }
	ev == "sched_process_fork" && / comm=slurmd / {
		c = $0; sub(/.*child_pid=/, "", c); sub(/ .*/, "", c)
		fork_t[c] = t
		if (first_slurmd == "") first_slurmd = t
		next
	}
	ev == "sched_process_exec" && / filename=\/usr\/sbin\/slurmstepd / && true_exec == "" { sd_pid[++nsd] = pid; sd_t[nsd] = t; next }
	ev == "sched_process_exec" && / filename=\/usr\/bin\/true / && true_exec == "" { true_exec = t; next }
	ev == "sched_process_exit" && / group_dead=true/ {
		if (true_exec == "") sd_exit[pid] = t
		if (pid == srun) { srun_exit = t; flush(); cur = 0 }
	}
	'
}

profile_report() {
	local m k f c n med p90 mx emed
	echo "profile (perf uprobes + sched events; $PROFILE_N of each series per block; us):"
	for m in noop on; do
		profile_parse "$work/perf-$m.txt" >"$work/prof-$m.tsv"
		cp "$work/perf-$m.txt" "$OUT/profile-$m.perf.txt"
	done
	echo "  srun of a new job, phases from sched events (median us; off/noop/on blocks):"
	printf '    %-6s %4s %8s %8s %8s %8s %8s %8s %8s\n' mode n "->slurmd" "->prolog" prolog "->stepd" "->task" "->end" total
	for m in off noop on; do
		local cols="" i n=0
		for i in 1 2 3 4 5 6 7; do
			read -r n med _ _ _ < <(awk -v i="$i" '$i != "-" { print $i }' "$work/timeline-$m.txt" | stats)
			cols="$cols $med"
		done
		# shellcheck disable=SC2086
		printf '    %-6s %4s %8s %8s %8s %8s %8s %8s %8s\n' "$m" "$n" $cols
	done
	echo "    (->slurmd: srun exec to slurmd's new RPC thread; ->prolog: to the fork of"
	echo "     \`slurmstepd spank prolog\`; prolog: its fork to exit; ->stepd: to the step's slurmstepd"
	echo "     exec (from the prolog's end, or from the RPC without prolog); ->task: to the exec"
	echo "     of true; ->end: to srun's exit)"
	echo "  processes forked by slurmd for the SPANK job prolog/epilog (fork to exit; exec to exit):"
	printf '    %-20s %5s %9s %9s %9s | %9s\n' process n median p90 max "exec med"
	for k in noop-job_prolog noop-job_epilog swaplimit-prolog swaplimit-epilog; do
		read -r n med p90 _ mx < <(awk -v k="$k" '$1 == "proc" && $2 == k { print $3 }' "$work"/prof-*.tsv | stats)
		read -r _ emed _ _ _ < <(awk -v k="$k" '$1 == "proc" && $2 == k && $4 >= 0 { print $4 }' "$work"/prof-*.tsv | stats)
		printf '    %-20s %5s %9s %9s %9s | %9s\n' "$k" "$n" "$med" "$p90" "$mx" "$emed"
	done
	echo "  swaplimit functions in the on block (entry to return):"
	printf '    %-34s %6s %9s %9s %9s\n' "function [where]" calls median p90 max
	for fc in spank_task_post_fork:other \
		sl_plugin_args:pf sl_plugin_rules:pf sl_args_load_rules:pf sl_rules_bind:pf \
		sl_cg_find:pf sl_cg_read_ram_limit:pf sl_names_resolve:pf sl_meminfo_swap_total:pf \
		sl_record_read:pf sl_decide:pf sl_cg_apply:pf \
		spank_init:other spank_task_exit:other spank_exit:other \
		spank_job_prolog:prolog sl_record_write:prolog spank_job_epilog:epilog sl_record_remove:epilog; do
		f=${fc%%:*} c=${fc##*:}
		read -r n med p90 _ mx < <(awk -v f="$f" -v c="$c" '$1 == "fn" && $2 == f && $4 == c { print $3 }' "$work/prof-on.tsv" | stats)
		[ "$n" = 0 ] && continue
		case $c in pf) w="  in post_fork" ;; other) w="" ;; *) w=" [$c]" ;; esac
		printf '    %-34s %6s %9s %9s %9s\n' "$f$w" "$n" "$med" "$p90" "$mx"
	done
	echo "  (spank_init runs in srun, salloc, sbatch and slurmstepd; post_fork once per task, the"
	echo "   first does the work. A probe hit costs a few us, the first in a process more: these"
	echo "   are upper bounds; elapsed_us above is unprobed.)"
}

# ---------------------------------------------------------------- run

rounds=$(((N + BLOCK - 1) / BLOCK))
aux_modes=""
[ "$AUX" -gt 0 ] && aux_modes="noop"
say "$rounds rounds; per round: off, on and np blocks of $BLOCK per series, noop blocks of $AUX;" \
	"sbatch --wait $BATCH_N per main mode in all; rules=$RULES; np rules=$NP_RULES"

for ((r = 0; r < rounds; r++)); do
	if ((r % 2 == 0)); then order="off noop on np"; else order="np on noop off"; fi
	k=$BLOCK
	((r == rounds - 1)) && k=$((N - BLOCK * (rounds - 1)))
	nb=$(((r + 1) * BATCH_N / rounds - r * BATCH_N / rounds))
	for mode in $order; do
		case " off on np $aux_modes " in *" $mode "*) ;; *) continue ;; esac
		kk=$k bb=$nb
		case $mode in noop) kk=$AUX bb=0 ;; esac
		set_mode "$mode"
		b0=$SECONDS
		marks=$(cl_log_marks)
		run_block "$mode" "$r" "$kk" "$bb"
		queue_empty
		collect_elapsed "$marks" "$mode"
		echo "$r $mode $(cut -d' ' -f1 /proc/loadavg) $((SECONDS - b0))" >>"$OUT/blocks.tsv"
	done
	say "round $((r + 1))/$rounds done ($((SECONDS - t_start))s; load $(cut -d' ' -f1-3 /proc/loadavg))"
done
queue_empty
plugin_starts=$(cat "$SWL_DIR"/log/slurmd-node*.log | grep -c 'swaplimit: version .* swap limits enforced')

if [ "$PROFILE" = 1 ] && [ "$PROFILE_N" -gt 0 ]; then
	say "profile: perf uprobes and sched events during an off, a noop and an on block of $PROFILE_N"
	profile_run
fi
t_total=$((SECONDS - t_start))

# ---------------------------------------------------------------- report

{
echo "== end to end on the local cluster: $machine"
echo "   3 slurmd -N nodes + slurmctld on this machine; rules=$RULES"
echo "   run: $(date -u '+%Y-%m-%d %H:%M UTC'), ${t_total} s, $rounds rounds, slurmd restarted before each block;" \
	"1-min load average at the blocks' ends: $(awk '{print $3}' "$OUT/blocks.tsv" | sort -n | head -1)" \
	"to $(awk '{print $3}' "$OUT/blocks.tsv" | sort -n | tail -1)"
echo "   failed commands: $(awk '$4 != 0' "$OUT/samples.tsv" | wc -l) (excluded);" \
	"slurmd starts with swaplimit loaded: $plugin_starts"
echo
for m in on np; do
	case $m in
	on) echo "mode on: swaplimit.so (job prolog), rules=$RULES" ;;
	np) echo "mode np: swaplimit_noprolog.so (no job prolog), rules=$NP_RULES" ;;
	esac
	printf '%-30s %4s %9s %9s | %4s %9s %9s | %7s %7s %8s %8s\n' \
		"wall time per command (ms)" n "$m med" "$m p90" n "off med" "off p90" "ratio" "p90 rat" "$m-off" "paired"
	for s in srun-n1 srun-n2 step sbatch sbatch-start; do
		k=$s col=3
		[ "$s" = sbatch-start ] && k=sbatch col=6
		read -r n1 m1 p1 _ _ < <(series "$m" "$k" "$col" | stats)
		[ "$n1" = 0 ] && continue
		read -r n0 m0 p0 _ _ < <(series off "$k" "$col" | stats)
		pd=-
		[ "$s" = sbatch-start ] || pd=$(paired "$m" off "$k")
		printf '%-30s %4s %9s %9s | %4s %9s %9s | %7s %7s %8s %8s\n' "$(label "$s")" \
			"$n1" "$(ms "$m1")" "$(ms "$p1")" "$n0" "$(ms "$m0")" "$(ms "$p0")" \
			"$(ratio "$m1" "$m0")" "$(ratio "$p1" "$p0")" "$(diffms "$m1" "$m0")" "$(diffms "$pd" 0)"
	done
	echo
done
echo "(MODE-off: difference of the medians; paired: median over rounds of the difference of"
echo " the two blocks' medians in that round, which cancels drift between rounds)"
if [ -n "$aux_modes" ]; then
	echo
	echo "decomposition (medians, ms): noop = slurmd started with a no-op plugin that has empty job"
	echo "prolog/epilog hooks (what Slurm charges for any plugin with them)"
	printf '  %-30s %4s %8s %8s %8s %8s | %9s %9s %9s\n' series n off noop np on \
		"noop-off" "on-noop" "np-off"
	for s in srun-n1 srun-n2 step; do
		read -r _ m0 _ _ _ < <(series off "$s" | stats)
		read -r nn mn _ _ _ < <(series noop "$s" | stats)
		read -r _ md _ _ _ < <(series np "$s" | stats)
		read -r _ m1 _ _ _ < <(series on "$s" | stats)
		printf '  %-30s %4s %8s %8s %8s %8s | %9s %9s %9s\n' "$(label "$s")" "$nn" \
			"$(ms "$m0")" "$(ms "$mn")" "$(ms "$md")" "$(ms "$m1")" \
			"$(diffms "$mn" "$m0")" "$(diffms "$m1" "$mn")" "$(diffms "$md" "$m0")"
	done
fi
echo
echo "plugin time per step (elapsed_us of task_post_fork, from the slurmd logs):"
printf '  %-24s %5s %8s %8s %8s %8s\n' steps n median p90 p99 max
for sel in "on all" "on job-n1" "on job-n2" "on step" "on batch" "np all" "np job-n1" "np step" "np batch"; do
	read -r a1 a2 <<<"$sel"
	read -r n m p90 p99 mx < <(awk -v m="$a1" -v k="$a2" '$1 == m && (k == "all" || $2 == k) { print $3 }' "$OUT/elapsed.tsv" | stats)
	[ "$n" = 0 ] && continue
	printf '  %-24s %5s %8s %8s %8s %8s  us\n' "$a1 $a2" "$n" "$m" "$p90" "$p99" "$mx"
done
echo "  median of each phase (phases_us of the step line), us:"
for m in on np; do
	printf '    %-4s' "$m"
	awk -v m="$m" '$1 == m && $9 != "-" { n = split($9, kv, ","); for (i = 1; i <= n; i++) { split(kv[i], x, ":"); print x[1], x[2] } }' "$OUT/elapsed.tsv" |
		sort -k1,1 -k2,2n | awk '
		{ v[$1, ++c[$1]] = $2; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
		END { for (i = 1; i <= k; i++) { p = order[i]; n = c[p]; printf " %s:%s", p, (n % 2) ? v[p, (n + 1) / 2] : (v[p, n / 2] + v[p, n / 2 + 1]) / 2 } print "" }'
done
echo "  (on-mode steps without a prolog record: $(awk '$1 == "on" && $7 == "?"' "$OUT/elapsed.tsv" | wc -l);" \
	"steps logging an error: $(awk '$8 == "error"' "$OUT/elapsed.tsv" | wc -l);" \
	"plugin lines in off/noop blocks: $(awk '$1 == "off" || $1 == "noop"' "$OUT/elapsed.tsv" | wc -l))"
echo "  histogram, on mode, all steps:"
awk '$1 == "on" { print $3 }' "$OUT/elapsed.tsv" | sort -n | awk '
	{ v[++n] = $1 }
	END {
		if (n == 0) exit
		r = int(0.99 * n); if (r < 1) r = 1
		hi = v[r]; lo = v[1]
		w = int((hi - lo) / 10 + 0.999); if (w < 1) w = 1
		for (i = 1; i <= n; i++) { b = int((v[i] - lo) / w); if (b > 10) b = 10; c[b]++ }
		for (b = 0; b <= 10; b++) {
			if (b < 10) lab = sprintf("%6d-%-6d", lo + b * w, lo + (b + 1) * w - 1)
			else lab = sprintf("%6d+      ", lo + 10 * w)
			bar = ""; for (j = 0; j < c[b] * 60 / n; j++) bar = bar "#"
			printf "    %s us %5d %s\n", lab, c[b], bar
		}
	}'
[ -s "$OUT/profile.txt" ] && { echo; cat "$OUT/profile.txt"; }
} | tee "$OUT/summary.txt"

# The markdown tables for BENCHMARKS.md.
{
	echo "Machine: $machine; 3 \`slurmd -N\` nodes and slurmctld on it. Run $(date -u '+%Y-%m-%d'), ${t_total} s."
	echo
	echo "| command | plugin | n with / without | median with | median without | ratio | paired diff | p90 with | p90 without | ratio |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	for s in srun-n1 srun-n2 step sbatch sbatch-start; do
		for m in on np; do
			k=$s col=3
			[ "$s" = sbatch-start ] && k=sbatch col=6
			read -r n1 m1 p1 _ _ < <(series "$m" "$k" "$col" | stats)
			[ "$n1" = 0 ] && continue
			read -r n0 m0 p0 _ _ < <(series off "$k" "$col" | stats)
			pd=-
			[ "$s" = sbatch-start ] || pd=$(paired "$m" off "$k")
			pl=swaplimit.so; [ "$m" = np ] && pl=swaplimit_noprolog.so
			echo "| $(label "$s") | $pl | $n1 / $n0 | $(ms "$m1") ms | $(ms "$m0") ms | **$(ratio "$m1" "$m0")** | $(diffms "$pd" 0) ms | $(ms "$p1") ms | $(ms "$p0") ms | $(ratio "$p1" "$p0") |"
		done
	done
	if [ -n "$aux_modes" ]; then
		echo
		echo "| median (ms) | off | noop plugin | swaplimit_noprolog.so | swaplimit.so | any prolog/epilog plugin (noop - off) | swaplimit's own (on - noop) | noprolog - off |"
		echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
		for s in srun-n1 srun-n2 step; do
			read -r _ m0 _ _ _ < <(series off "$s" | stats)
			read -r _ mn _ _ _ < <(series noop "$s" | stats)
			read -r _ md _ _ _ < <(series np "$s" | stats)
			read -r _ m1 _ _ _ < <(series on "$s" | stats)
			echo "| $(label "$s") | $(ms "$m0") | $(ms "$mn") | $(ms "$md") | $(ms "$m1") | $(diffms "$mn" "$m0") | $(diffms "$m1" "$mn") | $(diffms "$md" "$m0") |"
		done
	fi
	echo
	echo "| plugin time in task_post_fork (elapsed_us) | plugin | steps | median | p90 | p99 | max |"
	echo "| --- | --- | --- | --- | --- | --- | --- |"
	for sel in "on all" "on job-n1" "on job-n2" "on step" "on batch" "np all" "np job-n1" "np step" "np batch"; do
		read -r a1 a2 <<<"$sel"
		read -r n m p90 p99 mx < <(awk -v m="$a1" -v k="$a2" '$1 == m && (k == "all" || $2 == k) { print $3 }' "$OUT/elapsed.tsv" | stats)
		[ "$n" = 0 ] && continue
		pl=swaplimit.so; [ "$a1" = np ] && pl=swaplimit_noprolog.so
		echo "| $a2 | $pl | $n | $m us | $p90 us | $p99 us | $mx us |"
	done
} >"$OUT/table.md"
say "raw samples and tables in $OUT (samples.tsv, elapsed.tsv, summary.txt, table.md, profile.txt)"
