#!/bin/bash
# Run the swaplimit command under valgrind over good and bad inputs: each
# invocation must exit with its expected code and valgrind must report no
# invalid access and no definite/indirect leak. Counts go to
# build/results/valgrind.counts for the `make check` summary.
set -u
bin=${1:-build/swaplimit}
here=$(cd "$(dirname "$0")" && pwd)
res=${RESULTS:-build/results}
mkdir -p "$res"
log="$res/valgrind.log"
: >"$log"
if ! command -v valgrind >/dev/null; then
	echo "FAIL valgrind is not installed (scripts/install-deps.sh installs it)"
	echo "0 1" >"$res/valgrind.counts"; exit 1
fi

P1='host(r04s[00-01])=none,partition(reserved)=1%/task,partition(standard)=0MiB,default(){min_swap=250MiB}=50MiB/cpu'
P2='partition(extended-mem)=none,host(r2v[00-02])=1.5%/cpu,host(r0m01)=0.25%/cpu,default()=1%/cpu'
P3='partition(lg-swap)=none,host(r[00,01]n[00,56],r00g00)=1.1%/CPU,default()=0MiB'
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '# comment\nhost(a[1-3])=1GiB,\n  default() = 2%%/cpu # trailing\n' >"$tmp/good.rules"
printf 'default()=5XB\n' >"$tmp/bad.rules"
head -c 300000 /dev/zero | tr '\0' '(' >"$tmp/parens.rules"
printf 'required %s/build/swaplimit.so rules=%s\n' "$PWD" "$P1" >"$tmp/plugstack.conf"

pass=0 fail=0
# expect EXITCODE -- ARGS...
expect() {
	local want=$1; shift 2
	valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect "$bin" "$@" >>"$log" 2>&1
	local rc=$?
	if [ "$rc" -eq "$want" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL valgrind: swaplimit $* -> exit $rc, want $want (99 = valgrind error); see $log"
	fi
}
expect 0 -- check --rules "$P1"
expect 0 -- check --rules "$P2"
expect 0 -- check --rules "$P3"
expect 0 -- check --file "$tmp/good.rules"
expect 0 -- check --plugstack "$tmp/plugstack.conf"
expect 0 -- eval --rules "$P1" --node r03n01 --partition workgroup --tasks 2 --cpus 4 --node-swap 64GiB
expect 0 -- eval --rules "$P1" --node r03n01 --partition workgroup --tasks 2 --cpus 4 --node-swap 64GiB --json
expect 0 -- eval --rules "$P2" --node r2v01 --cpus 8 --node-swap 1TiB --json
expect 0 -- eval --rules "$P3" --node r01n56 --partition x --cpus 3 --mem 4GiB --node-swap 100GiB
expect 0 -- eval --file "$tmp/good.rules" --node b1 --user u --group g1,g2 --account acct
expect 1 -- check --rules 'default()=5XB'
expect 1 -- check --file "$tmp/bad.rules"
expect 1 -- check --file "$tmp/parens.rules"
expect 1 -- check --file "$tmp/does-not-exist"
expect 1 -- check --rules 'host(gpu[01-04]-ib)=1GiB'
expect 1 -- check --rules 'default()=1PB'
expect 1 -- check --rules ''
expect 2 -- eval --rules "$P1"
expect 2 -- check --bogus
expect 2 --
expect 0 -- --help
echo "ok   valgrind: $pass invocations clean, $fail failed"
echo "$pass $fail" >"$res/valgrind.counts"
[ "$fail" -eq 0 ]
