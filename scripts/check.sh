#!/bin/bash
# make check: every suite, each timed, summed into one last line
# "N passed, N failed".
#   unit, unit-san   cmocka tests, plainly and under ASan+UBSan
#   valgrind         the command over the test inputs
#   fuzz-short       libFuzzer over the parser/evaluator (clang)
#   integration      the real-cluster suite on this machine (Slurm 22.05,
#                    cgroup v1)
#   integration-trixie, integration-sid
#                    the same suite on a real cgroup v2 in QEMU VMs booted
#                    from Debian trixie (Slurm 24.11) and sid (Slurm 26.05)
# The VMs' root file systems are made (or taken from the cache) in the
# background from the start, so debootstrap overlaps the unit tests; the
# VMs boot one after the other once the host's cluster is down (the
# timing-sensitive host tests never share the CPUs with an emulator).
# SWL_CHECK_VMS="trixie sid" chooses the VMs ("" for none: then the summary
# reports them missing, as a failure).
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
B=${B:-build}
res=$B/results
export RESULTS=$repo/$res
rm -rf "$res" && mkdir -p "$res"
vms=${SWL_CHECK_VMS-trixie sid}
MAKE=${MAKE:-make}

t_all=$SECONDS
declare -a TIMES=()
part() {   # part NAME COMMAND...: run, time, remember
	local name=$1 t0=$SECONDS rc
	shift
	echo "== $name"
	"$@"
	rc=$?
	TIMES+=("$name $((SECONDS - t0))s$([ $rc -eq 0 ] || echo ' (failed)')")
	echo "== $name: $((SECONDS - t0))s"
	return $rc
}

prep_pids=""
for v in $vms; do
	tests/vm/vm.sh --prepare "$v" >"$res/vm-prepare-$v.out" 2>&1 &
	prep_pids="$prep_pids $!"
done

part build $MAKE --no-print-directory B="$B" all || { echo "make all failed"; }
part unit $MAKE --no-print-directory B="$B" unit
part unit-san $MAKE --no-print-directory B="$B" unit-san
part valgrind $MAKE --no-print-directory B="$B" valgrind
part fuzz-short $MAKE --no-print-directory B="$B" fuzz-short
part integration $MAKE --no-print-directory B="$B" integration

t0=$SECONDS
for p in $prep_pids; do wait "$p"; done
[ -z "$vms" ] || { cat "$res"/vm-prepare-*.out; echo "== VM root file systems ready (waited $((SECONDS - t0))s more)"; }
for v in $vms; do
	part "integration-$v" tests/vm/vm.sh "$v"
done

echo
echo "== time per part: ${TIMES[*]}; total $((SECONDS - t_all))s"
scripts/summary.sh "$res"
