#!/bin/bash
# Integration tests against a real local Slurm 22.05 (munge, slurmctld,
# three `slurmd -N` nodes, a swap file) with the plugin from build/.
#   tests/integration/run.sh [FILE.bats...]     (default: every *.bats here,
#                                               NN_<topic>.bats in number order)
# Output (TAP) is teed to build/results/integration.log; counts go to
# build/results/integration.counts as "PASSED FAILED". Exits non-zero when
# anything failed. Not being root, or a cluster that cannot start, is a
# FAILURE, never a silent skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
res=${RESULTS:-$repo/build/results}
case $res in /*) ;; *) res=$repo/$res ;; esac
mkdir -p "$res"
log=$res/integration.log
counts=$res/integration.counts

fail_hard() {
	echo "integration: FAILED: $*" | tee "$log" >&2
	echo "0 1" >"$counts"
	exit 1
}

cd "$repo" || fail_hard "cannot cd to $repo"
[ "$(id -u)" -eq 0 ] ||
	fail_hard "the integration tests need root (slurmd, cgroups, swap); run as root"
command -v bats >/dev/null || fail_hard "bats is not installed (scripts/install-deps.sh)"
for b in slurmctld slurmd munged; do
	[ -x "/usr/sbin/$b" ] || fail_hard "$b is not installed (scripts/install-deps.sh)"
done

# Always (incremental): the tests must run against the current sources.
make --no-print-directory all >"$res/integration-build.log" 2>&1 ||
	fail_hard "make all failed: see $res/integration-build.log
$(tail -15 "$res/integration-build.log")"

if [ $# -gt 0 ]; then
	files=("$@")
else
	# Every *.bats here in the order of its number (NN_<topic>.bats,
	# 10_harness.bats first), 99_leftovers.bats last whatever else is
	# there: it checks that no file before it left anything behind.
	files=()
	while IFS= read -r f; do
		files+=("$f")
	done < <(printf '%s\n' "$here"/*.bats | LC_ALL=C sort | grep -v '/99_leftovers\.bats$')
	[ ! -e "$here/99_leftovers.bats" ] || files+=("$here/99_leftovers.bats")
	for f in "${files[@]}"; do
		case ${f##*/} in
		[0-9][0-9]_*.bats) ;;
		*) echo "integration: note: ${f##*/} is not named NN_<topic>.bats; it runs in name order" ;;
		esac
	done
fi
[ -e "${files[0]}" ] || fail_hard "no .bats files in $here"

t0=$SECONDS
# --tap: one "ok N" / "not ok N" line per test; a file whose setup_file
# fails (cluster could not start) reports its tests as "not ok".
bats --tap --timing "${files[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
elapsed=$((SECONDS - t0))

# A skipped test ("ok N ... # skip reason") is neither passed nor failed.
sk=$(grep -cE '^ok [0-9]+ .*# skip' "$log")
p=$(( $(grep -cE '^ok [0-9]+' "$log") - sk ))
f=$(grep -cE '^not ok [0-9]+' "$log")
# bats failing before any test line (syntax error, crash) is a failure too.
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
	f=1
fi
planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -1)
if [ -n "$planned" ] && [ $((p + f + sk)) -lt "$planned" ]; then
	echo "integration: only $((p + f + sk)) of $planned planned tests reported" | tee -a "$log"
	f=$((planned - p - sk))
fi
echo "$p $f $sk" >"$counts"
# What these counts are about, for the summary line of make check.
cgv=v1; [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] || cgv=v2
echo "Slurm $(/usr/sbin/slurmd -V 2>/dev/null | awk '{print $2}'), cgroup $cgv, $(uname -r)" >"$res/integration.label"
echo "integration: $p passed, $f failed, $sk skipped in ${elapsed}s (log: $log)"
[ "$f" -eq 0 ] && [ "$rc" -eq 0 ]
