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
# The VMs run in the background from the start: each VM's root file system
# is made (debootstrap, or taken from the cache), then it boots and runs the
# suite, its output going to $res/integration-<release>.out (printed when
# it is done). Software emulation makes them the longest parts by far, so
# they start first and the host's parts (cheap, or mostly waiting on jobs)
# run meanwhile. SWL_CHECK_VMS="sid trixie" chooses the VMs ("" for none:
# then the summary reports them missing, as a failure); SWL_CHECK_VM_SERIAL=1
# runs them one after the other instead of side by side.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
B=${B:-build}
res=$B/results
export RESULTS=$repo/$res
rm -rf "$res" && mkdir -p "$res"
vms=${SWL_CHECK_VMS-sid trixie}
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

vm_pids=""
vm_run() {   # vm_run RELEASE: prepare + run one VM, output to a file
	local v=$1 t0=$SECONDS rc
	{
		tests/vm/vm.sh --prepare "$v" && tests/vm/vm.sh "$v"
	} >"$res/integration-$v.out" 2>&1
	rc=$?
	echo "integration-$v $((SECONDS - t0))s$([ $rc -eq 0 ] || echo ' (failed)')" >"$res/integration-$v.time"
	return $rc
}
if [ -n "${SWL_CHECK_VM_SERIAL:-}" ]; then
	( for v in $vms; do vm_run "$v"; done ) &
	vm_pids=$!
else
	for v in $vms; do
		vm_run "$v" &
		vm_pids="$vm_pids $!"
	done
fi
[ -z "$vms" ] || echo "== VMs started in the background: $vms (output: $res/integration-<release>.out)"

part build $MAKE --no-print-directory B="$B" all || { echo "make all failed"; }
part unit $MAKE --no-print-directory B="$B" unit
part unit-san $MAKE --no-print-directory B="$B" unit-san
part valgrind $MAKE --no-print-directory B="$B" valgrind
part fuzz-short $MAKE --no-print-directory B="$B" fuzz-short
part integration $MAKE --no-print-directory B="$B" integration

t0=$SECONDS
[ -z "$vms" ] || echo "== waiting for the VMs: $vms"
for p in $vm_pids; do wait "$p"; done
for v in $vms; do
	echo "== integration-$v (VM)"
	cat "$res/integration-$v.out"
	TIMES+=("$(cat "$res/integration-$v.time" 2>/dev/null || echo "integration-$v ?")")
done
[ -z "$vms" ] || echo "== VMs done $((SECONDS - t0))s after the host's parts"

echo
echo "== time per part: ${TIMES[*]}; total $((SECONDS - t_all))s"
scripts/summary.sh "$res"
