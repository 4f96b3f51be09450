# shellcheck shell=bash
# What the cgroup writer's fault-injection files share (15_cgroup_faults.bats
# on v1, 16_cgroup_faults_v2.bats on v2): a test root of their own,
#   $CGF_PARENT/swaplimit-test-<pid>   (exported as TROOT)
# a small swap file of their own (SWAPFILE; SWAP_OK=1 when it is on), the
# test tools build/sl-cgtool and build/sl-memtouch, and the cleanup: only
# processes started here are killed (and only while they still are the
# sleep / sl-memtouch started), only cgroups under TROOT are removed
# (children first), the swap file is turned off and removed. Slurm's own
# cgroups are never touched. No cluster.
#
#   load lib/cgfaults
#   CGF_PARENT=/sys/fs/cgroup/memory   # where TROOT is made
#   CGF_CREATES="memory cgroups"       # for "needs root (creates ..., swapon)"
#   cgf_skip_reason() { ... }   # prints why this machine cannot run the file
#                               # (the root check is done here first)
#   cgf_root_made() { ... }     # optional: after mkdir $TROOT (v2: enable
#                               # memory in subtree_control)
#   cgf_setup() { ... }         # per test: the test's cgroups; sets
#                               # CGF_TEST_TOP, the subtree teardown removes
# Then setup_file / teardown_file / setup / teardown are these; each test
# skips with SKIP_REASON when set (bats 1.8 cannot skip from setup_file).
# Helpers: kill_ours LIST, rm_cgroups DIR, start_sleep CG (pid in $SPID),
# start_memtouch CG MIB (pid in $MPID).

# shellcheck disable=SC2034   # (whole file) CGTOOL etc.: used by the files' tests
REPO="${SL_REPO:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}"
B="${B:-build}"
CGTOOL="$REPO/$B/sl-cgtool"
MEMTOUCH="$REPO/$B/sl-memtouch"

declare -F cgf_skip_reason >/dev/null || cgf_skip_reason() { :; }
declare -F cgf_root_made >/dev/null || cgf_root_made() { :; }
declare -F cgf_setup >/dev/null || cgf_setup() { :; }

setup_file() {
	# (bats 1.8 cannot skip from setup_file: each test skips in setup())
	export SKIP_REASON=""
	if [ "$(id -u)" != 0 ]; then
		SKIP_REASON="needs root (creates $CGF_CREATES, swapon)"
		return 0
	fi
	SKIP_REASON=$(cgf_skip_reason)
	[ -z "$SKIP_REASON" ] || return 0
	make -s -C "$REPO" "$B/sl-cgtool" "$B/sl-memtouch" >&2
	export TROOT="$CGF_PARENT/swaplimit-test-$$"
	mkdir "$TROOT"
	echo "$TROOT" >"$BATS_FILE_TMPDIR/troot"
	cgf_root_made
	export SWAPFILE="/var/tmp/swaplimit-test-$$.swap"
	export SWAP_OK=0
	if fallocate -l 256M "$SWAPFILE" && chmod 600 "$SWAPFILE" &&
		mkswap "$SWAPFILE" >/dev/null && swapon "$SWAPFILE"; then
		SWAP_OK=1
	else
		rm -f "$SWAPFILE"
	fi
}

teardown_file() {
	# Backstop for anything a test's teardown left: our processes, our
	# cgroups (children first), our swap file.
	kill_ours "$BATS_FILE_TMPDIR/pids"
	if [ -n "${TROOT:-}" ] && [ -d "$TROOT" ]; then
		rm_cgroups "$TROOT"
	fi
	if [ -n "${SWAPFILE:-}" ] && [ -e "$SWAPFILE" ]; then
		swapoff "$SWAPFILE" 2>/dev/null || true
		rm -f "$SWAPFILE"
	fi
}

setup() {
	[ -z "$SKIP_REASON" ] || skip "$SKIP_REASON"
	cgf_setup
}

teardown() {
	[ -z "$SKIP_REASON" ] || return 0
	kill_ours "$BATS_TEST_TMPDIR/pids"
	[ -d "${CGF_TEST_TOP:-/nonexistent}" ] && rm_cgroups "$CGF_TEST_TOP"
	return 0
}

# Kill the processes listed in $1 (started by this file), if they are
# still the programs we started, and reap them.
kill_ours() {
	local list=$1 pid
	[ -f "$list" ] || return 0
	while read -r pid; do
		[ -n "$pid" ] || continue
		if grep -qaE 'sleep|sl-memtouch' "/proc/$pid/cmdline" 2>/dev/null; then
			kill -9 "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	done <"$list"
	: >"$list"
}

# rmdir a cgroup subtree of ours, deepest first; retry while exiting
# tasks leave it. Refuses anything outside our test root.
rm_cgroups() {
	local top=$1 _ d
	case "$top" in "$CGF_PARENT"/swaplimit-test-*) ;; *) return 1 ;; esac
	for _ in $(seq 50); do
		find "$top" -depth -type d 2>/dev/null | while read -r d; do
			rmdir "$d" 2>/dev/null || true
		done
		[ -d "$top" ] || return 0
		sleep 0.1
	done
	echo "could not remove $top" >&2
	return 1
}

# Start `sleep` in cgroup $1; its pid in $SPID.
start_sleep() {
	sleep 1000 3>&- &
	SPID=$!
	echo "$SPID" >>"$BATS_TEST_TMPDIR/pids"
	echo "$SPID" >"$1/cgroup.procs"
}

# start_memtouch CG MIB: sl-memtouch in CG, charged there from its first
# page; waits (up to 60 s) until everything is touched (1: it died first,
# e.g. OOM-killed). Pid in $MPID.
start_memtouch() {
	local cg=$1 mib=$2 ready="$BATS_TEST_TMPDIR/ready.$RANDOM"
	sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" "$3" "$4"' sh \
		"$cg" "$MEMTOUCH" "$mib" "$ready" 3>&- &
	MPID=$!
	echo "$MPID" >>"$BATS_TEST_TMPDIR/pids"
	for _ in $(seq 600); do
		[ -e "$ready" ] && return 0
		kill -0 "$MPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
