#!/bin/bash
# The real-cluster suite on a real cgroup v2, in a QEMU VM booted from a
# Debian root file system: trixie (Slurm 24.11) and sid (Slurm 26.05).
#
#   tests/vm/vm.sh RELEASE [FILE.bats...]     RELEASE: trixie | sid
#   tests/vm/vm.sh --prepare RELEASE          only step 1 (make check runs it
#                                             in the background, early)
#   tests/vm/vm.sh --demo RELEASE             the demo (make demo SLURM=...)
#   tests/vm/vm.sh --bench RELEASE            bench/bench_cluster.sh in the
#                                             guest (make bench-vm-RELEASE);
#                                             its figures land in
#                                             $RESULTS/bench-RELEASE/
# Without FILE arguments the guest runs the release's share of the suite
# (below, with the reasons), or with SWL_VM_FULL=1 every file but those
# that cannot run in a VM.
#
# 1. root file system: debootstrap RELEASE with Slurm, munge, bats, gcc and a
#    kernel from Debian's packages, cached in $SWL_VM_CACHE (default
#    /var/cache/swaplimit-vm/<release>-<hash of the package list>); made
#    once, then reused (SWL_VM_REFRESH=1 makes it again);
# 2. the plugin and test tools are built IN that root (chroot) against that
#    release's libslurm-dev, from this checkout's files (tracked and new);
# 3. an ext4 image of it (mkfs.ext4 -d, no loop mount) is booted under QEMU
#    (software emulation: this machine's KVM cannot run a stock kernel) with
#    cgroup v2, no network device, tests/vm/guest-init.sh as PID 1, which
#    runs tests/integration/run.sh as on the host and writes the results to
#    a third disk (a tar archive);
# 4. the counts land in $RESULTS/integration-<release>.counts, the TAP log in
#    $RESULTS/integration-<release>.log.
# Any failure (no debootstrap, no mirror, no boot, a timeout) is a FAILURE
# with the reason, never a silent skip. Needs root. Leaves no QEMU behind
# (stopped by its PID on exit) and removes the image.
# Knobs: SWL_VM_MIRROR (Debian mirror; default: the one apt uses),
# SWL_VM_SRC=REV builds a commit instead of the work tree, SWL_VM_TIMEOUT (seconds for the guest run, default 2400), SWL_VM_MEM (MiB,
# 2048), SWL_VM_SMP (2), SWL_VM_CPU (qemu64: measured fastest under TCG here,
# 2x Skylake-Client-v4 for execs and shell loops, and glibc then takes its
# plain SSE2 paths), SWL_VM_KEEP=1 keeps the work dir, SWL_VM_APPEND (more
# kernel arguments; to test vm.sh itself: SWL_VM_APPEND=rdinit=/none makes
# the guest kernel panic at boot, which is retried once).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
prepare="" demo="" bench=""
case ${1:-} in
--prepare) prepare=1; shift ;;
--demo) demo=1; shift ;;
--bench) bench=1 demo=1; shift ;;   # runs like the demo: no bats file
esac
release=${1:-}
shift || true
res=${RESULTS:-$repo/build/results}
case $res in /*) ;; *) res=$repo/$res ;; esac
mkdir -p "$res"
tag=integration-$release
[ -n "$prepare" ] && tag=vm-prepare-$release
[ -n "$demo" ] && tag=demo-$release
[ -n "$bench" ] && tag=bench-$release
log=$res/$tag.log
counts=$res/$tag.counts

say() { echo "vm[$release]: $*"; }
fail_hard() {
	say "FAILED: $*" | tee -a "$log" >&2
	echo "0 1" >"$counts"
	exit 1
}
: >"$log"

case $release in
trixie | sid) ;;
*) echo "usage: tests/vm/vm.sh trixie|sid [FILE.bats...]" >&2; echo "0 1" >"$counts"; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || fail_hard "needs root (debootstrap, chroot)"
for b in debootstrap qemu-system-x86_64 mkfs.ext4 mkswap flock; do
	command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] ||
		fail_hard "$b is not installed (scripts/install-deps.sh installs it)"
done

# Everything the guest needs. A change here makes a new cached root.
PKGS="linux-image-amd64 slurmd slurmctld slurm-client munge libslurm-dev gcc make
libc6-dev bats jq iproute2 util-linux procps e2fsprogs kmod"
PKGS=$(echo $PKGS | tr ' ' ',')
mirror=${SWL_VM_MIRROR:-$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)}
mirror=${mirror:-http://deb.debian.org/debian}
cache=${SWL_VM_CACHE:-/var/cache/swaplimit-vm}
key=$(printf '%s %s v1' "$release" "$PKGS" | sha256sum | cut -c1-12)
root=$cache/$release-$key
mkdir -p "$cache"

# One run per cached root at a time while it is written (the build) and
# read (mkfs); the lock is let go once the image is made.
exec 9>"$root.lock"
if ! flock -n 9; then
	say "another run uses $root; waiting for it (up to 1 h)"
	flock -w 3600 9 || fail_hard "could not lock $root.lock"
fi

t_all=$SECONDS
# ------------------------------------------------------------ 1. rootfs
if [ -n "${SWL_VM_REFRESH:-}" ] || [ ! -e "$root/.swaplimit-complete" ]; then
	rm -rf "$root" "$root.tmp"
	say "building the $release root file system (debootstrap from $mirror)..."
	t0=$SECONDS
	if ! debootstrap --variant=minbase --include="$PKGS" "$release" "$root.tmp" "$mirror" \
		>"$res/$tag-debootstrap.log" 2>&1; then
		tail -20 "$res/$tag-debootstrap.log" >&2
		rm -rf "$root.tmp"
		fail_hard "debootstrap $release failed (see $res/$tag-debootstrap.log)"
	fi
	# Smaller image: no apt cache, docs or man pages.
	rm -rf "$root.tmp"/var/cache/apt/archives/*.deb "$root.tmp"/usr/share/doc \
		"$root.tmp"/usr/share/man "$root.tmp"/usr/share/locale
	touch "$root.tmp/.swaplimit-complete"
	mv "$root.tmp" "$root"
	say "root file system built in $((SECONDS - t0))s ($(du -sh "$root" | cut -f1))"
else
	say "root file system: cached $root"
fi
slurm_ver=$(chroot "$root" dpkg-query -W -f='${Version}' slurmd 2>/dev/null)
kver=$(basename "$(ls "$root"/boot/vmlinuz-* | sort -V | tail -1)" | sed 's/^vmlinuz-//')
[ -n "$kver" ] || fail_hard "no kernel in $root/boot"
say "Slurm $slurm_ver, kernel $kver"
if [ -n "$prepare" ]; then
	rm -f "$counts"   # preparing is not a suite of its own
	exit 0
fi

# ------------------------------------------------------------ 2. build inside
t0=$SECONDS
rm -rf "$root/swaplimit" "$root/results"
mkdir -p "$root/swaplimit" "$root/results"
if [ -n "${SWL_VM_SRC:-}" ]; then
	# a commit (e.g. HEAD) rather than the work tree
	(cd "$repo" && git archive --format=tar "$SWL_VM_SRC") | tar -xf - -C "$root/swaplimit"
else
	(cd "$repo" && git ls-files -co --exclude-standard -z | grep -zv '^build' |
		xargs -0 tar -cf - 2>/dev/null) | tar -xf - -C "$root/swaplimit"
fi || fail_hard "cannot copy the sources into $root/swaplimit"
# CFLAGS (a diagnosis build, e.g. -DSL_GRES_LOOKUP=1) is the only variable
# of the caller's that reaches the build.
if ! chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	CFLAGS="${CFLAGS:-}" \
	make -C /swaplimit -j2 all cgroup-tools >"$res/$tag-build.log" 2>&1; then
	tail -20 "$res/$tag-build.log" >&2
	fail_hard "building the plugin against Slurm $slurm_ver failed (see $res/$tag-build.log)"
fi
say "plugin built against libslurm-dev $slurm_ver in $((SECONDS - t0))s"

# ------------------------------------------------------------ 3. image + boot
work=$(mktemp -d /tmp/swaplimit-vm.XXXXXX)
qpid=""
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill -TERM "$qpid" 2>/dev/null
		sleep 1
		kill -KILL "$qpid" 2>/dev/null
	fi
	if [ -n "${SWL_VM_KEEP:-}" ]; then
		say "work dir kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What the guest runs: the bats files (relative to tests/integration).
# Never in the VM: 15_cgroup_faults.bats drives the cgroup writer against
# real v1 directories it makes itself (v1 only; 16_cgroup_faults_v2.bats is
# its v2 twin), 90_load.bats (hundreds of concurrent steps: hours under
# software emulation), 80_accounting.bats (slurmdbd 24.11/26.05 cannot start
# with Debian's MariaDB 11.8 client library: "_check_mysql_concat_is_sane:
# null result").
# Under emulation a test costs 25-50 s (both VMs side by side on 2 cores)
# and a cluster up/down about a minute, and a fresh machine first spends
# 5-7 min on debootstrap; `make check` must stay under 30 min. So make check
# (SWL_VM_FULL unset) gives each release a share of the suite, about 20 min
# per VM with both VMs side by side (measured 2026-12-01: sid 1576 s and
# trixie 1728 s with 25_noprolog in trixie's share, which is why it now
# runs in FULL mode; the machine was about 20% slower that day than in CI):
#   both: every term form, batch and srun steps, several tasks and nodes,
#     real swap and OOM kills, the forged partition (20_plugin.bats);
#   sid (26.05: SLUID job dirs, the newest kernel): --swap, SWAPLIMIT_BYTES,
#     the end-of-step report and OOM explanations (30_user.bats); the GRES
#     limit (27_gres.bats: the job prolog's RPC to slurmctld, which crashed
#     on 24.11 and 26.05 before slurm_init; docs/slurm-versions.md);
#   trixie (24.11): PrologFlags=RunInJob runs no SPANK job prolog
#     (26_runinjob.bats), a plugin built for another release under required
#     and optional (60_upgrade.bats).
#   On the host and in FULL mode only: the fail-open configuration faults
#   (70_badconfig.bats: the plugin's own checks, the same on every
#   release), swaplimit_noprolog.so and the share forms (25_noprolog.bats:
#   7/7 in both VMs on 2026-11-30 and in trixie's share on 2026-12-01).
# 99_leftovers.bats runs last in every VM run.
# SWL_VM_FULL=1 (make vm-sid VM_FULL=1) runs every file but the ones above
# that cannot run in a VM: also 40_correctness, 50_constrain_swap,
# 55_resize (26.05 memory resizing), 16_cgroup_faults_v2 (the writer's
# faults on a real v2) and 10_harness (the harness's own tests, always run
# on the host).
SWL_VM_EXCLUDE=${SWL_VM_EXCLUDE:-15_cgroup_faults.bats 90_load.bats 80_accounting.bats}
case $release in
sid) vm_default="20_plugin.bats 27_gres.bats 30_user.bats" ;;
trixie) vm_default="20_plugin.bats 26_runinjob.bats 60_upgrade.bats" ;;
esac
if [ -n "$demo" ]; then
	:   # the demo runs no bats file
elif [ $# -eq 0 ] && [ -z "${SWL_VM_FULL:-}" ]; then
	for f in ${SWL_VM_FILES:-$vm_default} 99_leftovers.bats; do
		[ -e "$repo/tests/integration/$f" ] ||
			fail_hard "no tests/integration/$f (SWL_VM_FILES names files there; ls tests/integration/*.bats)"
		set -- "$@" "$repo/tests/integration/$f"
	done
	say "files (SWL_VM_FULL=1 for every one): $(for f in "$@"; do printf '%s ' "${f##*/}"; done)"
elif [ $# -eq 0 ]; then
	for f in "$repo"/tests/integration/*.bats; do
		case " $SWL_VM_EXCLUDE " in *" $(basename "$f") "*) continue ;; esac
		set -- "$@" "$f"
	done
	say "every file but $SWL_VM_EXCLUDE"
fi
files=""
for f in "$@"; do files="$files $(basename "$f")"; done
vm_mode=test
[ -n "$demo" ] && vm_mode=demo
[ -n "$bench" ] && vm_mode=bench
printf 'SWL_VM_FILES="%s"\nSWL_VM_RELEASE=%s\nSWL_VM_MODE=%s\n' "${files# }" "$release" \
	"$vm_mode" >"$root/swaplimit/tests/vm/guest.env"
# The bench's size (bench_cluster.sh's knobs); small by default: every
# command is 10-20x slower under emulation, so only ratios mean anything.
if [ -n "$bench" ]; then
	for v in BENCH_N BENCH_BLOCK BENCH_BATCH_N BENCH_AUX_BLOCK BENCH_RULES BENCH_NP_RULES; do
		[ -n "${!v:-}" ] && printf 'export %s="%s"\n' "$v" "${!v}"
	done >>"$root/swaplimit/tests/vm/guest.env"
fi

t0=$SECONDS
size_mb=$(( $(du -sm "$root" | cut -f1) + 1536 ))
mkfs.ext4 -q -F -L swlroot -d "$root" "$work/root.img" "${size_mb}M" >"$work/mkfs.log" 2>&1 ||
	fail_hard "mkfs.ext4 -d failed: $(tail -3 "$work/mkfs.log")"
truncate -s 64M "$work/results.img"
say "image ${size_mb} MiB made in $((SECONDS - t0))s"
# The VM runs from the image: the cached root is free for the next run.
exec 9>&-

# A guard against a hung guest, not the time budget: a share ends in
# 1500-1750 s with both VMs side by side (slower when the machine is).
timeout_s=${SWL_VM_TIMEOUT:-2400}
console=$res/$tag-console.log
run_guest() {
	rm -f "$console"   # QEMU appends to an existing file
	t0=$SECONDS
	qemu-system-x86_64 -accel tcg,thread=multi -cpu "${SWL_VM_CPU:-qemu64}" \
		-m "${SWL_VM_MEM:-2048}" -smp "${SWL_VM_SMP:-2}" -nic none \
		-display none -monitor none -serial "file:$console" -no-reboot \
		-kernel "$root/boot/vmlinuz-$kver" -initrd "$root/boot/initrd.img-$kver" \
		-append "root=/dev/vda rw console=ttyS0 panic=1 quiet loglevel=3 systemd.unified_cgroup_hierarchy=1 init=/swaplimit/tests/vm/guest-init.sh ${SWL_VM_APPEND:-}" \
		-drive "file=$work/root.img,format=raw,if=virtio" \
		-drive "file=$work/results.img,format=raw,if=virtio" 2>"$work/qemu.err" &
	qpid=$!
	say "booted QEMU (pid $qpid); guest output follows (timeout ${timeout_s}s)"
	# Follow the console: the guest prints bats' TAP lines as they come.
	shown=0 prefix="  [$release] " timed_out=""
	[ -n "$demo" ] && prefix=""
	while kill -0 "$qpid" 2>/dev/null; do
		if [ $((SECONDS - t0)) -ge "$timeout_s" ]; then
			say "timeout after ${timeout_s}s: stopping QEMU"
			kill -TERM "$qpid" 2>/dev/null
			timed_out=1
			break
		fi
		if [ -f "$console" ]; then
			n=$(wc -l <"$console")
			[ "$n" -gt "$shown" ] && sed -n "$((shown + 1)),${n}p" "$console" | sed "s/^/$prefix/"
			shown=$n
		fi
		sleep 2
	done
	wait "$qpid" 2>/dev/null
	qpid=""
	n=$(wc -l <"$console" 2>/dev/null || echo 0)
	[ "$n" -gt "$shown" ] && sed -n "$((shown + 1)),${n}p" "$console" | sed "s/^/$prefix/"
	say "guest ran for $((SECONDS - t0))s"
}
run_guest
# The emulated kernel very rarely panics while booting (seen once under
# TCG: an int3 in timekeeping, "Fatal exception in interrupt", at 2.8 s).
# That says nothing about swaplimit: a guest whose kernel panicked before
# guest-init.sh printed its first line ("guest: kernel ...") ran nothing
# of ours on its root file system, and is booted once more (the console
# says so). A panic after that is a result and is not retried.
if [ -z "$timed_out" ] && [ $((SECONDS - t0)) -lt 300 ] &&
	grep -q 'Kernel panic' "$console" 2>/dev/null &&
	! grep -q 'guest: kernel ' "$console"; then
	cp "$console" "$res/$tag-console-panic1.log"
	say "the guest kernel panicked before any test ran ($res/$tag-console-panic1.log): booting it once more"
	truncate -s 0 "$work/results.img" && truncate -s 64M "$work/results.img"
	run_guest
fi
# Timed out: the guest wrote no results, but its console has the TAP lines
# of the tests that ran. Count those, and the timeout as one failure, so the
# summary says how far the suite got instead of "no result".
mkdir -p "$work/out"
if [ -n "$timed_out" ] && [ -z "$bench" ] && [ -z "$demo" ] &&
	! { tar -xf "$work/results.img" -C "$work/out" 2>/dev/null &&
	    [ -f "$work/out/integration.counts" ]; }; then
	tr -d '\r' <"$console" | grep -E '^((not )?ok [0-9]+ |# |1\.\.[0-9]+$)' >"$log"
	sk=$(grep -cE '^ok [0-9]+ .*# skip' "$log")
	p=$(($(grep -c '^ok ' "$log") - sk))
	f=$(grep -c '^not ok ' "$log")
	echo "not ok $((p + sk + f + 1)) the VM ran out of time (SWL_VM_TIMEOUT=${timeout_s}s): the tests after the last line above did not run" >>"$log"
	echo "$p $((f + 1)) $sk" >"$counts"
	echo "Slurm $slurm_ver, cgroup v2, timed out" >"$res/$tag.label"
	say "FAILED: timed out after ${timeout_s}s with $p passed, $f failed so far"
	exit 1
fi

# ------------------------------------------------------------ 4. results
[ -f "$work/out/integration.counts" ] ||
	tar -xf "$work/results.img" -C "$work/out" 2>/dev/null ||
	fail_hard "the guest wrote no results (it did not boot or crashed: see $console)"
if [ -n "$bench" ]; then
	rc=$(cat "$work/out/bench.rc" 2>/dev/null || echo 1)
	rm -rf "$res/bench-$release"
	cp -r "$work/out/bench" "$res/bench-$release" 2>/dev/null
	rm -f "$counts"
	say "bench figures: $res/bench-$release/summary.txt, table.md (exit $rc)"
	exit "$rc"
fi
if [ -n "$demo" ]; then
	rc=$(cat "$work/out/demo.rc" 2>/dev/null || echo 1)
	rm -f "$counts"
	exit "$rc"
fi
[ -f "$work/out/integration.counts" ] ||
	fail_hard "the guest's results have no integration.counts (see $console)"
cp "$work/out/integration.log" "$log" 2>/dev/null
for f in "$work/out"/*; do
	case $(basename "$f") in
	integration.counts | integration.log) ;;
	integration.label) cp "$f" "$res/$tag.label" ;;
	*) cp -r "$f" "$res/$tag-$(basename "$f")" ;;
	esac
done
cp "$work/out/integration.counts" "$counts"
read -r p f s _ <"$counts"
say "Slurm $slurm_ver (cgroup v2, kernel $kver): $p passed, $f failed, ${s:-0} skipped; total $((SECONDS - t_all))s"
[ "$f" -eq 0 ]
