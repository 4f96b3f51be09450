#!/bin/bash
# Run cmocka test binaries; record "PASSED FAILED" counts for the summary.
#   scripts/run-suite.sh SUITE BIN...
# A binary that dies before printing its cmocka summary counts as one failure.
set -u
suite=$1; shift
res=${RESULTS:-build/results}
mkdir -p "$res"
total_p=0 total_f=0
for bin in "$@"; do
	name=$(basename "$bin")
	log="$res/$suite-$name.log"
	"$bin" >"$log" 2>&1
	rc=$?
	p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$log" | awk '{s+=$NF} END {print s+0}')
	f=$(grep -Eo '^\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$3} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1   # crashed, sanitizer abort, or no summary at all
	fi
	if [ "$f" -ne 0 ]; then
		echo "FAIL $suite/$name ($p passed, $f failed): see $log"
		grep -E '^\[  (FAILED|  ERROR)|ERROR: (Address|Leak)Sanitizer|runtime error' "$log" | head -20
	else
		echo "ok   $suite/$name ($p passed)"
	fi
	total_p=$((total_p + p)); total_f=$((total_f + f))
done
echo "$total_p $total_f" >"$res/$suite.counts"
[ "$total_f" -eq 0 ]
