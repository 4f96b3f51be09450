#!/bin/bash
# Sum the counts every suite left in build/results and print the one line
# `make check` ends with. A required suite that left no counts is a failure.
set -u
res=${1:-build/results}
required="unit unit-san valgrind integration integration-trixie integration-sid"
p=0 f=0
for s in $required; do
	if [ ! -f "$res/$s.counts" ]; then
		echo "FAIL suite '$s' produced no result (build or setup failed; see the output above)"
		f=$((f + 1))
	fi
done
# The failed tests by name, each with its first lines of diagnosis, so a
# log that keeps only its tail still says what failed.
for l in "$res"/integration.log "$res"/integration-trixie.log \
	"$res"/integration-sid.log "$res"/valgrind.log "$res"/fuzz.log; do
	[ -f "$l" ] || continue
	tr -d '\r' <"$l" | awk -v file="$(basename "$l")" '
		/^not ok / { print "FAILED " file ": " $0; n = 12; next }
		n > 0 && /^#/ { print "    " $0; n--; next }
		{ n = 0 }'
done
# cmocka's own lines for the unit suites
for l in "$res"/unit-*.log; do
	[ -f "$l" ] || continue
	awk '/listed below/ { exit }
		/^\[ +(FAILED|ERROR|LINE) +\]/' "$l" |
		sed "s|^|FAILED $(basename "$l"): |"
done
for c in "$res"/*.counts; do
	[ -e "$c" ] || continue
	cs=0
	read -r cp cf cs <"$c"
	label=""
	[ "${cs:-0}" -gt 0 ] 2>/dev/null && label=" [$cs skipped]"
	[ -s "${c%.counts}.label" ] && label="$label ($(cat "${c%.counts}.label"))"
	printf '  %-20s %4d passed, %d failed%s\n' "$(basename "$c" .counts)" "$cp" "$cf" "$label"
	p=$((p + cp)); f=$((f + cf))
done
echo "$p passed, $f failed"
[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
