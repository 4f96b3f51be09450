# shellcheck shell=bash
# A throwaway three-node Slurm 22.05 cluster on this one machine, for
# swaplimit's integration tests and `make demo`.
#
#   source tests/integration/lib/cluster.bash
#   cluster_up [PLUGIN_ARG...]   # no argument: no swaplimit line at all
#   ...                          # cl_job / cl_srun / cl_cg_lines ...
#   cluster_down                 # idempotent; safe when half up
# Environment: SWL_CGROUP_EXTRA="ConstrainSwapSpace=yes AllowedSwapSpace=10"
# adds cgroup.conf lines at cluster_up; SWL_SLURM_EXTRA="PrologFlags=contain"
# (newline-separated) adds slurm.conf lines; SWL_NODE_DEFS replaces the
# NodeName line (node names must stay node1..node3, ports as below);
# SWL_NODE_EXTRA="Gres=swap:2G " adds words to the default NodeName line
# (end it with a space); SWL_GRES_CONF, when set, is written as
# gres.conf beside slurm.conf;
# SWL_ACCOUNTING_CONF replaces the AccountingStorageType line (e.g. with
# slurmdbd's lines, newline-separated); SWL_FIRST_JOB_ID=N the first job id
# (default: varies per run); SWL_KEEP=1 keeps the logs (the temp dir,
# minus the swap file) after cluster_down; SWL_SAVE_LOGS=DIR copies the
# daemons' logs to DIR/<run> at cluster_down; SWL_POLL=SECONDS (0.2) how
# often job states are polled; SWL_LOCK_WAIT=SECONDS (900) how
# long to wait for another run's cluster.
#
# Everything lives in one temporary directory ($SWL_DIR, mktemp -d under
# /tmp): munge key/socket/log, slurm.conf, cgroup.conf, plugstack.conf,
# state, spool, pid and log files, a 512 MiB swap file, the helper job
# programs. Daemons: munged (as the munge user), slurmctld, and three
# `slurmd -N node1..node3` (ports 17001-17003), all as root. Jobs run as the
# ordinary user $SWL_USER (created when missing).
#
# Partitions follow the first production rule string, adapted to the nodes:
#   host(node3)=none,partition(reserved)=1%/task,partition(standard)=0MiB,
#   default(){min_swap=250MiB}=50MiB/cpu
# reserved = node[1-2], standard = node[1-2], workgroup = node[1-3] (default).
#
# A lock (flock on $SWL_LOCK) makes sure two clusters never overlap on this
# machine (ports, cgroups, swap). Facts this relies on are in
# /work/shared/notes/slurm-facts.md.

SWL_REPO=${SWL_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
SWL_USER=${SWL_USER:-swltest}
SWL_LOCK=${SWL_LOCK:-/run/swaplimit-test-cluster.lock}
SWL_CTLD_PORT=${SWL_CTLD_PORT:-16817}
SWL_NODE_PORTS=(17001 17002 17003)
SWL_NODES=(node1 node2 node3)
# The plugin as built; cluster_up installs a copy where a site would have
# it (root-owned, readable by every user: the job owner's srun/sbatch load
# it too) as $SWL_PLUGIN_INSTALLED = $SWL_DIR/lib/swaplimit.so, so that a
# checkout in a 0700 directory (root's home) works.
SWL_PLUGIN=${SWL_PLUGIN:-$SWL_REPO/build/swaplimit.so}
# 131101 pages: SwapTotal is then 131100 pages = 536985600 bytes (mkswap
# keeps one page for its header), 100 x 1311 pages, so that 1% of it is a
# whole number of pages: percent terms have exact byte values, and the
# kernel (which rounds a written limit down to a page) keeps them as is.
SWL_SWAP_BYTES=${SWL_SWAP_BYTES:-$((131101 * 4096))}
SWL_REAL_MEMORY=4000          # MB per node (config_overrides)
SWL_CPUS=8                    # per node (config_overrides; the machine has 2)
SWL_JOB_TIMEOUT=${SWL_JOB_TIMEOUT:-120}
SWL_POLL=${SWL_POLL:-0.2}           # seconds between job state polls
SWL_LOCK_WAIT=${SWL_LOCK_WAIT:-900}  # seconds to wait for another run's cluster
SWL_UNLIMITED=9223372036854771712   # cgroup v1 "-1" as read back
# The memory cgroup version of this machine: 1 (v1 memory controller with
# swap accounting, as on the Debian 12 host), 2 (cgroup v2 with memory, as
# in the test VMs, tests/vm), or empty (neither: cluster_up refuses).
if [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]; then
	SWL_CGV=1
elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	SWL_CGV=2
else
	SWL_CGV=
fi
# Slurm's version (e.g. 22.05.8), for tests that differ between releases.
SWL_SLURM_VERSION=$(/usr/sbin/slurmd -V 2>/dev/null | awk '{print $2}')

# The rule string of the tests and the demo (production string 1, adapted).
SWL_PROD_RULES='host(node3)=none,partition(reserved)=1%/task,partition(standard)=0MiB,default(){min_swap=250MiB}=50MiB/cpu'

_swl_say() { echo "cluster: $*" >&2; }
_swl_die() { echo "cluster: ERROR: $*" >&2; return 1; }

# ---------------------------------------------------------------- lock

# The lock is held by a small helper process (flock + a loop), not by a
# descriptor of this shell: descriptors are inherited by every child (a
# backgrounded srun would keep the lock after its shell died). The helper
# lets go when cluster_down stops it, or by itself within a second when
# the shell that called cluster_up is gone (a crashed run), so the next
# cluster_up can clean up after it. Call cluster_up and cluster_down from
# the same long-lived shell (bats: setup_file/teardown_file).
# _swl_lock_take LOCKFILE TAG VAR WHAT: take LOCKFILE through a helper
# process whose command line carries TAG; VAR gets (and exports) its pid.
# WHAT names the holder in the waiting message. Waits $SWL_LOCK_WAIT s.
_swl_lock_take() {
	local -; set +e
	local lock=$1 tag=$2 var=$3 what=$4
	if [ -n "${!var:-}" ] && _swl_is_lock_holder "${!var}" "$lock" "$tag"; then
		return 0
	fi
	local owner=$BASHPID ready i said=0 pid
	ready=$(mktemp /tmp/swaplimit-lock.XXXXXX) || return 1
	rm -f "$ready"
	# ( ... & ): the helper is not a job of this shell, so that no `wait`
	# (here or in bats) ever waits for it.
	( _swl_spawn /dev/null flock -o -w "$SWL_LOCK_WAIT" "$lock" /bin/bash -c \
		'echo $$ >"$1.tmp" && mv "$1.tmp" "$1"; while kill -0 "$2" 2>/dev/null; do sleep 0.5; done' \
		"$tag" "$ready" "$owner" "$lock" & )
	for i in $(seq $(( (SWL_LOCK_WAIT + 10) * 10 ))); do
		[ -s "$ready" ] && break
		if [ $i -eq 10 ] && [ $said = 0 ]; then
			_swl_say "$what holds $lock; waiting (up to ${SWL_LOCK_WAIT}s)"
			said=1
		fi
		sleep 0.1
	done
	if [ ! -s "$ready" ]; then
		_swl_die "could not take $lock in ${SWL_LOCK_WAIT}s: $what holds it"
		return 1
	fi
	pid=$(cat "$ready" 2>/dev/null)
	rm -f "$ready"
	[ -n "$pid" ] || { _swl_die "lock helper did not start"; return 1; }
	printf -v "$var" '%s' "$pid"
	export "${var?}"
}

# _swl_is_lock_holder PID LOCKFILE TAG: is PID that lock's helper (and not
# a recycled pid)?
_swl_is_lock_holder() {
	local c
	c=$({ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null)
	[[ "$c" == *"$3"* && "$c" == *"$2"* ]]
}

# _swl_lock_release LOCKFILE TAG VAR: stop the helper whose pid is in VAR.
_swl_lock_release() {
	local -; set +e
	local lock=$1 tag=$2 var=$3 pid=${!3:-} i
	if [ -n "$pid" ]; then
		if _swl_is_lock_holder "$pid" "$lock" "$tag"; then
			kill -TERM "$pid" 2>/dev/null
			for i in $(seq 50); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
		fi
		unset "$var"
	fi
	return 0
}

_swl_lock() {
	_swl_lock_take "$SWL_LOCK" swaplimit-lock-holder SWL_LOCK_PID \
		"another test cluster (bench, demo, another suite)"
}
_swl_unlock() { _swl_lock_release "$SWL_LOCK" swaplimit-lock-holder SWL_LOCK_PID; }

# Run a daemon with every descriptor above 2 closed (the lock, bats' fd 3:
# a daemon keeping them open would hold the lock or hang bats).
_swl_spawn() {
	local log=$1; shift
	(
		for f in /proc/$BASHPID/fd/*; do
			n=${f##*/}
			[ "$n" -gt 2 ] 2>/dev/null && eval "exec $n>&-"
		done
		exec "$@"
	) </dev/null >>"$log" 2>&1
}

# ---------------------------------------------------------------- config

_swl_write_slurm_conf() {
	local d=$SWL_DIR host
	host=$(hostname -s)
	# Job ids differ from run to run, so that nothing left by a crashed
	# earlier run (a prolog record, a cgroup) can be mistaken for this run's.
	local first=${SWL_FIRST_JOB_ID:-$(( ( $(date +%s) % 500000 ) * 100 + 1000 ))}
	cat >"$d/etc/slurm.conf" <<-EOF
	# swaplimit integration test cluster ($d)
	ClusterName=swltest
	SlurmctldHost=$host(127.0.0.1)
	SlurmctldPort=$SWL_CTLD_PORT
	SlurmUser=root
	SlurmdUser=root
	AuthType=auth/munge
	CredType=cred/munge
	AuthInfo=socket=$d/munge-sock/munged.sock
	StateSaveLocation=$d/ctld
	SlurmdSpoolDir=$d/spool/%n
	SlurmctldPidFile=$d/run/slurmctld.pid
	SlurmdPidFile=$d/run/slurmd-%n.pid
	SlurmctldLogFile=$d/log/slurmctld.log
	SlurmdLogFile=$d/log/slurmd-%n.log
	SlurmctldDebug=info
	SlurmdDebug=info
	PlugStackConfig=$d/etc/plugstack.conf
	ProctrackType=proctrack/cgroup
	TaskPlugin=task/cgroup
	SelectType=select/cons_tres
	SelectTypeParameters=CR_Core_Memory
	SlurmdParameters=config_overrides
	DefMemPerCPU=100
	MpiDefault=none
	SwitchType=switch/none
	ReturnToService=2
	JobAcctGatherType=jobacct_gather/none
	${SWL_ACCOUNTING_CONF:-AccountingStorageType=accounting_storage/none}
	JobCompType=jobcomp/none
	MailProg=/bin/true
	FirstJobId=$first
	KillWait=5
	InactiveLimit=0
	MinJobAge=600
	MaxJobCount=20000
	SchedulerParameters=batch_sched_delay=0
	${SWL_NODE_DEFS:-NodeName=node[1-3] NodeHostname=$host NodeAddr=127.0.0.1 Port=[${SWL_NODE_PORTS[0]}-${SWL_NODE_PORTS[2]}] CPUs=$SWL_CPUS Boards=1 SocketsPerBoard=1 CoresPerSocket=$SWL_CPUS ThreadsPerCore=1 RealMemory=$SWL_REAL_MEMORY ${SWL_NODE_EXTRA:-}State=UNKNOWN}
	PartitionName=workgroup Nodes=node[1-3] Default=YES MaxTime=30 State=UP
	PartitionName=reserved Nodes=node[1-2] MaxTime=30 State=UP
	PartitionName=standard Nodes=node[1-2] MaxTime=30 State=UP
	EOF
	[ -z "${SWL_SLURM_EXTRA:-}" ] || printf '%s\n' "$SWL_SLURM_EXTRA" >>"$d/etc/slurm.conf"
	# gres.conf beside slurm.conf (Slurm reads it from there)
	[ -z "${SWL_GRES_CONF:-}" ] || printf '%s\n' "$SWL_GRES_CONF" >"$d/etc/gres.conf"
}

# cluster_cgroup_conf [KEY=VALUE...]: (re)write cgroup.conf; the given keys
# are added after the defaults (later lines win). slurmd must be restarted
# (cluster_restart_slurmd) for a change to apply.
cluster_cgroup_conf() {
	{
		if [ "$SWL_CGV" = 2 ]; then
			echo "CgroupPlugin=cgroup/v2"
			# no systemd in the test VM: slurmd makes its scope itself
			echo "IgnoreSystemd=yes"
		else
			echo "CgroupPlugin=cgroup/v1"
			echo "CgroupAutomount=no"
		fi
		echo "CgroupMountpoint=/sys/fs/cgroup"
		echo "ConstrainCores=no"
		echo "ConstrainDevices=no"
		echo "ConstrainRAMSpace=yes"
		local kv have_swap=0
		for kv in "$@"; do
			case $kv in ConstrainSwapSpace=*) have_swap=1 ;; esac
		done
		[ "$have_swap" = 1 ] || echo "ConstrainSwapSpace=no"
		for kv in "$@"; do echo "$kv"; done
	} >"$SWL_DIR/etc/cgroup.conf"
}

# cluster_plugstack [PLUGIN_ARG...]: rewrite plugstack.conf with one
# `$SWL_PLUGSTACK_KIND $SWL_PLUGIN_INSTALLED ARG...` line, or empty (no
# plugin) without arguments. Every new slurmstepd (and srun/sbatch) reads it
# again. The tests use `required` (SWL_PLUGSTACK_KIND), stricter than the
# documented `optional`: Slurm then fails the step on any error a SPANK
# function returns, so every test also proves that swaplimit never returns
# one (fail open). The demo uses `optional`, as sites should (docs/plugin.md).
cluster_plugstack() {
	local kind=${SWL_PLUGSTACK_KIND:-required}
	if [ $# -eq 0 ]; then
		: >"$SWL_DIR/etc/plugstack.conf"
	else
		printf '%s %s %s\n' "$kind" "$SWL_PLUGIN_INSTALLED" "$*" >"$SWL_DIR/etc/plugstack.conf"
	fi
	chmod 0644 "$SWL_DIR/etc/plugstack.conf"
}

# cluster_plugstack_raw LINE...: plugstack.conf exactly as given.
cluster_plugstack_raw() {
	printf '%s\n' "$@" >"$SWL_DIR/etc/plugstack.conf"
	chmod 0644 "$SWL_DIR/etc/plugstack.conf"
}

# ---------------------------------------------------------------- pieces

_swl_ensure_user() {
	if ! id -u "$SWL_USER" >/dev/null 2>&1; then
		useradd --system --create-home --home-dir "/var/lib/$SWL_USER" \
			--shell /bin/bash "$SWL_USER" ||
			{ _swl_die "useradd $SWL_USER failed"; return 1; }
		_swl_say "created user $SWL_USER"
	fi
}

# The top cgroup directories slurmd made for OUR nodes (and only those):
# v1 /sys/fs/cgroup/<controller>/slurm_node1..3, v2
# /sys/fs/cgroup/system.slice/node1..3_slurmstepd.scope.
_swl_our_cgroups() {
	local n c
	for n in "${SWL_NODES[@]}"; do
		for c in /sys/fs/cgroup/*/slurm_"$n" /sys/fs/cgroup/system.slice/"$n"_slurmstepd.scope; do
			[ -d "$c" ] && echo "$c"
		done
	done
	return 0
}

_swl_check_free() {
	local busy="" p
	for p in "$SWL_CTLD_PORT" "${SWL_NODE_PORTS[@]}"; do
		if ss -Htln "sport = :$p" 2>/dev/null | grep -q .; then
			busy="$busy $p"
		fi
	done
	[ -z "$busy" ] || { _swl_die "ports in use:$busy (another Slurm running?)"; return 1; }
	local c
	for c in $(_swl_our_cgroups); do
		if find "$c" -name cgroup.procs -exec cat {} + 2>/dev/null | grep -q .; then
			_swl_die "$c holds processes: another cluster is running"
			return 1
		fi
	done
}

# _swl_munged_start BASE: a munged with its own key, seed and log in
# BASE/munge (0700, owned by munge) and its socket and pid file in
# BASE/munge-sock (0755: the job user reaches the socket); output in
# BASE/log/munged.out. Checked with munge -n | unmunge.
_swl_munged_start() {
	local m=$1/munge s=$1/munge-sock out=$1/log/munged.out
	mkdir -p "$m" "$s" "$1/log"
	dd if=/dev/urandom of="$m/munge.key" bs=1024 count=1 status=none
	chown munge:munge "$m" "$s" "$m/munge.key"
	chmod 0700 "$m"
	chmod 0600 "$m/munge.key"
	chmod 0755 "$s"
	_swl_spawn "$out" runuser -u munge -- /usr/sbin/munged \
		--socket="$s/munged.sock" --key-file="$m/munge.key" \
		--pid-file="$s/munged.pid" --log-file="$m/munged.log" \
		--seed-file="$m/munged.seed" ||
		{ _swl_die "munged failed: $(cat "$out" "$m/munged.log" 2>/dev/null | tail -n 5)"; return 1; }
	local i
	for i in $(seq 50); do
		[ -S "$s/munged.sock" ] && break
		sleep 0.1
	done
	if ! munge -S "$s/munged.sock" -n | unmunge -S "$s/munged.sock" >/dev/null 2>&1; then
		_swl_die "munge -n | unmunge failed: $(tail -n 5 "$m/munged.log" 2>/dev/null)"
		return 1
	fi
}

_swl_start_munge() { _swl_munged_start "$SWL_DIR"; }

# With the lock held no other test cluster is alive: daemons and a swap
# file of an earlier cluster are leftovers of a run that died before its
# cluster_down (kill -9, a closed terminal). Stop them by the pids in their
# own pid files, remove their cgroups and swap; keep their logs.
_swl_reap_stale() {
	local -; set +e
	local d f pids
	for d in /tmp/swaplimit-cluster.*; do
		[ -d "$d" ] || continue
		pids=""
		for f in "$d"/run/*.pid "$d"/munge-sock/munged.pid; do
			[ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && pids="$pids $f"
		done
		if [ -n "$pids" ]; then
			_swl_say "stopping the daemons of a dead run in $d"
			local w=""
			for f in $pids; do _swl_stop_pidfile "$f" 15 & w="$w $!"; done
			wait $w
			_swl_clean_cgroups
		fi
	done
	# No slurmd/slurmctld on our ports: what is left in slurm_node1..3
	# (slurmstepds whose slurmd is gone) belongs to a dead run of ours.
	local p busy=""
	for p in "$SWL_CTLD_PORT" "${SWL_NODE_PORTS[@]}"; do
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . && busy=1
	done
	if [ -z "$busy" ] && [ -n "$(_swl_our_cgroups)" ]; then
		_swl_say "removing the node cgroups of a dead run"
		_swl_clean_cgroups
	fi
	for f in $(grep -o '^/tmp/swaplimit-cluster\.[A-Za-z0-9]*/swapfile' /proc/swaps); do
		_swl_say "removing the swap file of a dead run: $f"
		swapoff "$f" && rm -f "$f"
	done
	return 0
}

_swl_start_swap() {
	local f=$SWL_DIR/swapfile
	fallocate -l "$SWL_SWAP_BYTES" "$f" && chmod 0600 "$f" &&
		mkswap "$f" >/dev/null && swapon "$f" ||
		{ _swl_die "swap file $f could not be enabled"; return 1; }
	echo "$f" >"$SWL_DIR/swapfile.on"
}

# Build the helper job programs into $SWL_DIR/jobs (readable by the user).
_swl_build_jobs() {
	local src=$SWL_REPO/tests/integration/jobs dst=$SWL_DIR/jobs
	mkdir -p "$dst"
	cp "$src"/*.sh "$dst"/ && chmod 0755 "$dst"/*.sh || return 1
	local c
	for c in "$src"/*.c; do
		[ -e "$c" ] || continue
		case $c in
		*_shim.c)
			gcc -O2 -Wall -shared -fPIC -o "$dst/$(basename "${c%.c}").so" "$c" -ldl ;;
		*)
			gcc -O2 -Wall -o "$dst/$(basename "${c%.c}")" "$c" ;;
		esac || { _swl_die "cannot build $c"; return 1; }
	done
	chmod -R a+rX "$dst"
}

_swl_pid_of() { [ -s "$1" ] && cat "$1" 2>/dev/null; }

_swl_start_ctld() {
	_swl_spawn "$SWL_DIR/log/slurmctld.out" env SLURM_CONF="$SWL_CONF" \
		/usr/sbin/slurmctld -f "$SWL_CONF" ||
		{ _swl_die "slurmctld failed: $(tail -n 5 "$SWL_DIR/log/slurmctld.out" "$SWL_DIR/log/slurmctld.log" 2>/dev/null)"; return 1; }
}

_swl_start_slurmd() {
	local n=$1 log=$SWL_DIR/log/slurmd-$1.log off i port
	mkdir -p "$SWL_DIR/spool/$n"
	off=$(stat -c %s "$log" 2>/dev/null || echo 0)
	_swl_spawn "$SWL_DIR/log/slurmd-$n.out" env SLURM_CONF="$SWL_CONF" \
		/usr/sbin/slurmd -N "$n" -f "$SWL_CONF" ||
		{ _swl_die "slurmd $n failed: $(tail -n 5 "$SWL_DIR/log/slurmd-$n.out" "$log" 2>/dev/null)"; return 1; }
	# Ready when this start logged "slurmd started" and the port listens.
	port=${SWL_NODE_PORTS[${n#node} - 1]}
	local t_end=$((SECONDS + ${SWL_START_WAIT:-30}))
	while [ $SECONDS -lt $t_end ]; do
		if tail -c +$((off + 1)) "$log" 2>/dev/null | grep -q 'slurmd started on' &&
			ss -Htln "sport = :$port" | grep -q .; then
			return 0
		fi
		sleep 0.1
	done
	_swl_die "slurmd $n did not get ready in ${SWL_START_WAIT:-30}s: $(tail -n 5 "$log")"
}

# Stop the process whose pid file is $1: SIGTERM, wait, SIGKILL after $2 s.
_swl_stop_pidfile() {
	local -; set +e
	local pf=$1 t=${2:-15} pid i
	pid=$(_swl_pid_of "$pf") || return 0
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || { rm -f "$pf"; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq $((t * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		_swl_say "pid $pid ($pf) ignored SIGTERM for ${t}s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null
		sleep 0.2
	fi
	rm -f "$pf"
}

# ---------------------------------------------------------------- up / down

# cluster_up [PLUGIN_ARG...]: bring the cluster up; with arguments, the
# plugstack.conf line `required build/swaplimit.so ARG...`.
cluster_up() {
	local -; set +e
	local t0=$SECONDS
	[ "$(id -u)" -eq 0 ] || { _swl_die "integration tests need root (cgroups, swap, slurmd)"; return 1; }
	local b
	for b in munged munge slurmctld slurmd sbatch srun sinfo scontrol flock fallocate mkswap swapon gcc; do
		command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] ||
			{ _swl_die "$b not installed (scripts/install-deps.sh)"; return 1; }
	done
	[ -n "$SWL_CGV" ] ||
		{ _swl_die "no memory cgroup with swap: neither a v1 memory controller with swap accounting (/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes) nor a cgroup v2 mount offering memory (/sys/fs/cgroup/cgroup.controllers)"; return 1; }
	_swl_lock || return 1
	if [ -n "${SWL_DIR:-}" ] && [ -d "$SWL_DIR" ]; then
		_swl_die "a cluster is already up in $SWL_DIR (cluster_down first)"
		return 1
	fi
	_swl_reap_stale
	_swl_check_free || { _swl_unlock; return 1; }
	_swl_ensure_user || { _swl_unlock; return 1; }
	SWL_DIR=$(mktemp -d /tmp/swaplimit-cluster.XXXXXX) || { _swl_unlock; return 1; }
	chmod 0755 "$SWL_DIR"
	SWL_CONF=$SWL_DIR/etc/slurm.conf
	export SWL_DIR SWL_CONF
	mkdir -p "$SWL_DIR"/{etc,ctld,spool,run,log,out,lib}
	SWL_PLUGIN_INSTALLED=$SWL_DIR/lib/swaplimit.so
	export SWL_PLUGIN_INSTALLED
	if [ -e "$SWL_PLUGIN" ]; then
		install -o root -g root -m 0644 "$SWL_PLUGIN" "$SWL_PLUGIN_INSTALLED" ||
			{ _swl_die "cannot install $SWL_PLUGIN as $SWL_PLUGIN_INSTALLED"; _swl_unlock; return 1; }
	fi
	chmod 0755 "$SWL_DIR/lib"
	chmod 1777 "$SWL_DIR/out"
	_swl_write_slurm_conf
	# shellcheck disable=SC2086
	cluster_cgroup_conf ${SWL_CGROUP_EXTRA:-}
	if [ $# -gt 0 ]; then cluster_plugstack "$@"; else cluster_plugstack; fi
	chmod -R a+rX "$SWL_DIR/etc"
	{ _swl_build_jobs && _swl_start_munge && _swl_start_swap && _swl_start_ctld; } ||
		{ cluster_down; return 1; }
	local n
	for n in "${SWL_NODES[@]}"; do
		_swl_start_slurmd "$n" || { cluster_down; return 1; }
	done
	if ! wait_for_nodes_idle 60; then
		_swl_say "nodes did not become idle:"
		cl_slurm sinfo -N >&2
		tail -n 20 "$SWL_DIR"/log/*.log >&2
		cluster_down
		return 1
	fi
	SWL_UP_SECONDS=$((SECONDS - t0))
	export SWL_UP_SECONDS
	_swl_say "up in ${SWL_UP_SECONDS}s: $SWL_DIR (SLURM_CONF=$SWL_CONF)"
}

# Kill what our slurmstepds left (processes inside OUR nodes' cgroups, by
# pid), then remove those cgroup trees, children first. Only
# /sys/fs/cgroup/*/slurm_node1..3: slurmd created them for this cluster.
_swl_clean_cgroups() {
	local -; set +e
	local n c pids p round
	for round in 1 2 3; do
		pids=""
		for c in $(_swl_our_cgroups); do
			pids="$pids $(find "$c" -name cgroup.procs -exec cat {} + 2>/dev/null)"
		done
		pids=$(echo $pids | tr ' ' '\n' | sort -un)
		[ -z "$pids" ] && break
		for p in $pids; do kill -KILL "$p" 2>/dev/null; done
		sleep 0.5
	done
	for c in $(_swl_our_cgroups); do
		find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
		[ -d "$c" ] && _swl_say "could not remove $c"
	done
	return 0
}

# The plugin's state this cluster's jobs left in the default record_dir
# (/run/swaplimit/<node>): records of jobs whose epilog never ran (a job
# cancelled as the cluster went down) and the steps' rules images. Only
# files made while this cluster ran (newer than its slurm.conf) and, for
# records, named by a job id of its range (FirstJobId and up).
_swl_forget_records() {
	local -; set +e
	local conf=$SWL_DIR/etc/slurm.conf first n f id
	[ -f "$conf" ] || return 0
	first=$(sed -n 's/^[[:space:]]*FirstJobId=\([0-9]*\).*/\1/p' "$conf" | head -1)
	[ -n "$first" ] || return 0
	for n in "${SWL_NODES[@]}"; do
		for f in /run/swaplimit/"$n"/*; do
			[ -f "$f" ] && [ "$f" -nt "$conf" ] || continue
			id=${f##*/}
			case $id in
			rules.img) rm -f "$f" ;;
			'' | *[!0-9]*) ;;
			*) [ "$id" -ge "$first" ] && rm -f "$f" ;;
			esac
		done
	done
	return 0
}

# _swl_kill_procs_naming DIR: stop (TERM, then KILL), by pid, every process
# whose command line names DIR/ (a daemon whose pid file was lost).
_swl_kill_procs_naming() {
	local -; set +e
	local dir=$1 f pid pids="" alive sig i
	# One grep over every command line (a loop spawning per process costs
	# a minute in the emulated test VM).
	for f in $(grep -lsF "$dir/" /proc/[0-9]*/cmdline); do
		pid=${f#/proc/}; pid=${pid%/cmdline}
		case " $$ $BASHPID $PPID " in *" $pid "*) continue ;; esac
		pids="$pids $pid"
	done
	[ -z "$pids" ] && return 0
	_swl_say "stopping leftover processes of $dir:$pids"
	for sig in TERM KILL; do
		for pid in $pids; do kill -"$sig" "$pid" 2>/dev/null; done
		for i in $(seq 30); do
			alive=""
			for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
			[ -z "$alive" ] && return 0
			sleep 0.2
		done
		pids=$alive
	done
	return 0
}

_swl_kill_dir_procs() { _swl_kill_procs_naming "$SWL_DIR"; }

# cluster_down: stop everything by pid, remove cgroups, swap, temp dir.
# Idempotent; fine when cluster_up failed half-way.
cluster_down() {
	local -; set +e
	local t0=$SECONDS
	if [ -n "${SWL_DIR:-}" ] && [ -d "$SWL_DIR" ]; then
		local n
		# Jobs first (their steps would keep the cgroups busy).
		if [ -s "$SWL_DIR/run/slurmctld.pid" ]; then
			timeout 10 env SLURM_CONF="$SWL_CONF" scancel --quiet --full \
				--user="$SWL_USER" >/dev/null 2>&1
		fi
		local w=""
		for n in "${SWL_NODES[@]}"; do
			_swl_stop_pidfile "$SWL_DIR/run/slurmd-$n.pid" 15 & w="$w $!"
		done
		_swl_stop_pidfile "$SWL_DIR/run/slurmctld.pid" 15 & w="$w $!"
		wait $w
		_swl_clean_cgroups
		_swl_forget_records
		_swl_stop_pidfile "$SWL_DIR/munge-sock/munged.pid" 10
		# Anything else still running from this cluster (pid file lost):
		# processes whose command line names our temp dir, by pid.
		_swl_kill_dir_procs
		if grep -q "^$SWL_DIR/swapfile " /proc/swaps; then
			swapoff "$SWL_DIR/swapfile" ||
				_swl_say "swapoff $SWL_DIR/swapfile failed"
		fi
		if [ -n "${SWL_SAVE_LOGS:-}" ]; then
			mkdir -p "$SWL_SAVE_LOGS/${SWL_DIR##*.}" &&
				cp "$SWL_DIR"/log/* "$SWL_SAVE_LOGS/${SWL_DIR##*.}/" 2>/dev/null
		fi
		if [ -n "${SWL_KEEP:-}" ]; then
			rm -f "$SWL_DIR/swapfile"
			_swl_say "SWL_KEEP set: logs kept in $SWL_DIR"
		else
			rm -rf "$SWL_DIR"
		fi
		_swl_say "down in $((SECONDS - t0))s"
	fi
	unset SWL_DIR SWL_CONF
	_swl_unlock
	return 0
}

# cluster_restart_slurmd [NODE...] (default all): stop by pid and start
# again (cgroup.conf changes, slurmd-start behaviour), wait until idle.
cluster_restart_slurmd() {
	local -; set +e
	local nodes=("$@") n
	[ ${#nodes[@]} -gt 0 ] || nodes=("${SWL_NODES[@]}")
	local w=""
	for n in "${nodes[@]}"; do
		_swl_stop_pidfile "$SWL_DIR/run/slurmd-$n.pid" 15 & w="$w $!"
	done
	wait $w
	for n in "${nodes[@]}"; do
		_swl_start_slurmd "$n" || return 1
	done
	wait_for_nodes_idle 60
}

# ---------------------------------------------------------------- helpers

# Slurm client command as root against this cluster.
cl_slurm() { env SLURM_CONF="$SWL_CONF" "$@"; }

# A command as the job user, in the (world-writable) output directory.
cl_as_user() {
	(
		cd "$SWL_DIR/out" && exec runuser -u "$SWL_USER" -- env SLURM_CONF="$SWL_CONF" \
			PATH=/usr/local/bin:/usr/bin:/bin "$@"
	)
}

# wait_for_nodes_idle [TIMEOUT]: every node idle (not down/drained/etc.).
wait_for_nodes_idle() {
	local -; set +e
	local t=${1:-60} i states
	for i in $(seq $((t * 4))); do
		states=$(cl_slurm sinfo -h -N -o '%N %T' 2>/dev/null | sort -u)
		if [ "$(echo "$states" | grep -c ' idle$')" -eq ${#SWL_NODES[@]} ]; then
			return 0
		fi
		sleep 0.25
	done
	echo "$states" >&2
	return 1
}

# Node state as Slurm reports it (e.g. IDLE, IDLE+DRAIN, DOWN).
cl_node_state() { cl_slurm scontrol show node "$1" | grep -o 'State=[^ ]*' | head -1 | cut -d= -f2; }

# Every node's state, "node1=IDLE node2=MIXED ...".
cl_node_states() {
	local -; set +e
	local n out=""
	for n in "${SWL_NODES[@]}"; do out="$out $n=$(cl_node_state "$n")"; done
	echo "${out# }"
}

# Nodes that are drained/draining/down (empty when none).
cl_bad_nodes() {
	cl_slurm sinfo -h -N -o '%N %T' | awk '$2 ~ /drain|drng|down|fail/ {print $1}' | sort -u
}

cl_slurmd_log() { echo "$SWL_DIR/log/slurmd-$1.log"; }
cl_ctld_log() { echo "$SWL_DIR/log/slurmctld.log"; }
cl_jobs_dir() { echo "$SWL_DIR/jobs"; }

# Current size of every slurmd log ("node1=1234 ..."), for cl_log_since.
cl_log_marks() {
	local -; set +e
	local n
	for n in "${SWL_NODES[@]}"; do
		printf '%s=%s ' "$n" "$(stat -c %s "$(cl_slurmd_log "$n")" 2>/dev/null || echo 0)"
	done
}

# cl_log_since MARKS NODE: what NODE's slurmd log gained since MARKS.
cl_log_since() {
	local -; set +e
	local marks=$1 n=$2 off
	off=$(echo "$marks" | tr ' ' '\n' | sed -n "s/^$n=//p")
	tail -c +$((${off:-0} + 1)) "$(cl_slurmd_log "$n")" 2>/dev/null
}

# cl_job [SBATCH_ARGS...] <SCRIPT: submit as the job user and wait for the
# end (polling slurmctld: sbatch --wait polls only every few seconds). Sets
# JOBID, JOBOUT (output file), JOBSTATE and JOBRC (the job's exit code,
# 128+signal when killed by one, 1 when it never ran) and returns JOBRC.
# The script comes from stdin.
cl_job() {
	local -; set +e
	JOBID="" JOBOUT="" JOBSTATE="" JOBRC=1
	JOBID=$(cl_as_user sbatch --parsable --chdir="$SWL_DIR/out" \
		--output="$SWL_DIR/out/%j.out" "$@" 2>"$SWL_DIR/out/sbatch.err" | cut -d';' -f1)
	if [ -z "$JOBID" ]; then
		_swl_say "sbatch $* refused: $(tail -n 3 "$SWL_DIR/out/sbatch.err")"
		return 1
	fi
	JOBOUT=$SWL_DIR/out/$JOBID.out
	cl_wait_job "$JOBID" "$SWL_JOB_TIMEOUT"
	local ec
	JOBSTATE=$(cl_job_state "$JOBID")
	ec=$(cl_slurm scontrol show job "$JOBID" 2>/dev/null | grep -o ' ExitCode=[0-9:]*' | cut -d= -f2)
	case $ec in
	0:0) JOBRC=0 ;;
	*:0) JOBRC=${ec%%:*} ;;
	*:*) JOBRC=$((128 + ${ec##*:})) ;;
	*) JOBRC=1 ;;
	esac
	[ "$JOBSTATE" = COMPLETED ] || [ "$JOBRC" -ne 0 ] || JOBRC=1
	if [ "$JOBRC" -ne 0 ]; then
		_swl_say "job $JOBID ($*) ended $JOBSTATE ExitCode=$ec"
	fi
	return "$JOBRC"
}

# cl_wait_job JOBID [TIMEOUT]: until the job has ended (any final state).
# Between two looks at slurmctld (scontrol: a whole Slurm client, costly in
# the emulated VM) it greps slurmctld's log for the job's end, every
# $SWL_POLL seconds; slurmctld is asked at least every 5 s anyway.
cl_wait_job() {
	local -; set +e
	local id=$1 t=${2:-$SWL_JOB_TIMEOUT} st last=-10
	local t_end=$((SECONDS + t)) ctld=$SWL_DIR/log/slurmctld.log
	while [ $SECONDS -lt $t_end ]; do
		if [ $((SECONDS - last)) -ge 5 ] ||
			grep -qE "_job_complete: JobId=$id( |$)|JobId=$id .*(done|Cancel|cancel)" "$ctld" 2>/dev/null; then
			last=$SECONDS
			st=$(cl_job_state "$id")
			case $st in
			PENDING | RUNNING | CONFIGURING | COMPLETING | SUSPENDED | REQUEUED* | RESIZING | SIGNALING | STAGE_OUT | "") ;;
			*) return 0 ;;
			esac
		fi
		sleep "$SWL_POLL"
	done
	_swl_say "job $id still $st after ${t}s: $(cl_slurm scontrol show job "$id" 2>/dev/null |
		grep -oE '(Reason|TresPerNode|TRES)=[^ ]*' | tr '\n' ' ')$(cl_slurm scontrol show node node1 2>/dev/null |
		grep -oE '(Gres|CfgTRES|AllocTRES|State)=[^ ]*' | tr '\n' ' ')"
	grep -F "JobId=$id" "$ctld" 2>/dev/null | tail -n 5 >&2
	return 1
}

# cl_submit [SBATCH_ARGS...] <SCRIPT: sbatch without waiting; prints the id.
cl_submit() {
	cl_as_user sbatch --parsable --chdir="$SWL_DIR/out" \
		--output="$SWL_DIR/out/%A_%a.out" "$@" | cut -d';' -f1
}

# cl_wait_jobs TIMEOUT JOBID...: until none of the jobs is pending/running.
cl_wait_jobs() {
	local -; set +e
	local t=$1 i left; shift
	local ids
	ids=$(IFS=,; echo "$*")
	for i in $(seq $((t * 2))); do
		left=$(cl_slurm squeue -h -j "$ids" -o '%i' 2>/dev/null | wc -l)
		[ "$left" -eq 0 ] && return 0
		sleep 0.5
	done
	_swl_say "jobs still queued after ${t}s: $(cl_slurm squeue -h -j "$ids" | head)"
	return 1
}

# Job state as slurmctld remembers it (COMPLETED, FAILED, OUT_OF_MEMORY...).
cl_job_state() { cl_slurm scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[^ ]*' | cut -d= -f2; }

# cl_srun [SRUN_ARGS...]: srun as the job user, with a timeout.
cl_srun() { cl_as_user timeout "$SWL_JOB_TIMEOUT" srun "$@"; }

# The CG lines (written by jobs/cgread.sh) of a job output file.
cl_cg_lines() { grep '^CG ' "$1"; }

# cl_field LINE KEY: the value of KEY=VALUE in a CG line.
cl_field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }

# The node's total swap in bytes (SwapTotal of /proc/meminfo).
cl_swap_total() { awk '/^SwapTotal:/ {print $2 * 1024}' /proc/meminfo; }

# ---------------------------------------------------------------- checks

# cl_check_cg LINE JOB_SWAP STEP_SWAP: check one CG line (jobs/cgread.sh).
# A swap is bytes (the swap limit the kernel enforces must be exactly that,
# rounded down to a page as the kernel stores it: v1 memsw = limit + bytes,
# v2 memory.swap.max = bytes), "none" (no swap limit: v1 memsw -1, read
# back as $SWL_UNLIMITED; v2 "max") or "=VALUE" (v1 memsw exactly VALUE,
# v2 swap.max exactly VALUE - limit: what Slurm itself set, given as RAM
# limit + swap). "-" skips that cgroup. Explains a mismatch on stderr.
cl_check_cg() {
	local -; set +e
	local line=$1 js=$2 ss=$3 rc=0 which lim got want swap key
	[ -n "$line" ] || { echo "no CG line (the job printed nothing?)" >&2; return 1; }
	for which in job step; do
		if [ "$which" = job ]; then swap=$js; else swap=$ss; fi
		[ "$swap" = - ] && continue
		lim=$(cl_field "$line" "${which}_limit")
		if [ "$(cl_field "$line" cgv)" = 2 ]; then
			key=${which}_swapmax
			case $swap in
			none) want=max ;;
			=*) want=$(( (${swap#=} - lim) / 4096 * 4096 )) ;;
			*) want=$(( swap / 4096 * 4096 )) ;;
			esac
		else
			key=${which}_memsw
			case $swap in
			none) want=$SWL_UNLIMITED ;;
			=*) want=${swap#=} ;;
			*) want=$(( (lim + swap) / 4096 * 4096 )) ;;
			esac
		fi
		got=$(cl_field "$line" "$key")
		if [ "$got" != "$want" ]; then
			echo "MISMATCH $which $key=$got want=$want (limit=$lim swap=$swap;" \
				"swap limit found: $(cl_field "$line" "${which}_swapmax")) in: $line" >&2
			rc=1
		fi
	done
	return $rc
}

# cl_written JOB|STEP BYTES STEPNAME: the text the plugin's log line shows
# for its write of BYTES of swap into the job's (or step STEPNAME's) cgroup
# whose RAM limit is LIMIT (5th argument, v1 only), for `[[ $l == *"$(...)"* ]]`.
#   v1: job_<id>[/step_<s>]/memory.memsw.limit_in_bytes=<limit + bytes>
#   v2: [/step_<s>/user]/memory.swap.max=<bytes>
cl_written() {
	local which=$1 bytes=$2 step=$3 jobid=$4 lim=${5:-0}
	if [ "$SWL_CGV" = 2 ]; then
		if [ "$which" = step ]; then
			echo "/step_$step/user/memory.swap.max=$((bytes / 4096 * 4096))"
		else
			echo "/memory.swap.max=$((bytes / 4096 * 4096))"
		fi
	elif [ "$which" = step ]; then
		echo "job_$jobid/step_$step/memory.memsw.limit_in_bytes=$(( (lim + bytes) / 4096 * 4096 ))"
	else
		echo "job_$jobid/memory.memsw.limit_in_bytes=$(( (lim + bytes) / 4096 * 4096 ))"
	fi
}

# cl_check_log NODE JOB STEP TERM: NODE's slurmd log has exactly one
# swaplimit line for JOB's STEP there, and it names term TERM (a number,
# or "none" for no match). Prints the line.
cl_check_log() {
	local -; set +e
	local node=$1 job=$2 step=$3 term=$4 lines n
	lines=$(grep -F "swaplimit: job=$job step=$step node=$node " "$(cl_slurmd_log "$node")")
	n=$(printf '%s' "$lines" | grep -c .)
	if [ "$n" -ne 1 ]; then
		echo "expected 1 swaplimit line for job=$job step=$step node=$node, found $n:" >&2
		printf '%s\n' "$lines" >&2
		grep -F "swaplimit" "$(cl_slurmd_log "$node")" | grep -F "$job" | tail -n 5 >&2
		return 1
	fi
	if ! printf '%s' "$lines" | grep -qE " term=${term}[ :]"; then
		echo "expected term=$term in: $lines" >&2
		return 1
	fi
	printf '%s\n' "$lines"
}

# The slurmd pids that are alive ("node1 node2 node3" when all are).
cl_slurmd_alive() {
	local -; set +e
	local n out=""
	for n in "${SWL_NODES[@]}"; do
		kill -0 "$(_swl_pid_of "$SWL_DIR/run/slurmd-$n.pid")" 2>/dev/null && out="$out $n"
	done
	echo "${out# }"
}

# What a previous cluster could have left on this machine (empty: nothing).
cl_leftovers() {
	local -; set +e
	local n c p
	for c in $(_swl_our_cgroups); do echo "cgroup $c"; done
	grep -o '^/tmp/swaplimit-cluster\.[^ ]*' /proc/swaps | sed 's/^/swap /'
	for p in "$SWL_CTLD_PORT" "${SWL_NODE_PORTS[@]}"; do
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . && echo "listener on port $p"
	done
	for c in /tmp/swaplimit-cluster.*; do
		[ -d "$c" ] || continue
		# a kept log directory is fine; a live one has pid files
		for p in "$c"/run/*.pid "$c"/munge-sock/munged.pid; do
			[ -s "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null && echo "daemon $(cat "$p") ($p)"
		done
		[ -e "$c/swapfile" ] && echo "swap file $c/swapfile"
	done
	return 0
}
