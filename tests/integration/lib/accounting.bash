# shellcheck shell=bash
# Slurm accounting for the throwaway test cluster: MariaDB (Debian's
# mariadb-server) and slurmdbd (Debian's slurmdbd), so that jobs have real
# accounts, associations are enforced and account() terms can be tested
# end to end. Sourced after lib/cluster.bash:
#
#   source tests/integration/lib/cluster.bash
#   source tests/integration/lib/accounting.bash
#   acct_cluster_up [PLUGIN_ARG...]   # DB + slurmdbd, cluster added, cluster_up, registered
#   acct_add_account physics chem     # sacctmgr -i, then waits until slurmctld knows them
#   acct_add_user swltest physics,chem physics   # USER ACCOUNTS [DEFAULT]
#   ...
#   acct_cluster_down                 # idempotent; safe when bring-up failed half way
#
# Order (as a site does it): MariaDB up, slurmdbd up, `sacctmgr add cluster
# swltest`, then cluster_up with SWL_ACCOUNTING_CONF pointing slurmctld at
# slurmdbd (AccountingStorageEnforce=associations), then slurmctld's
# registration is awaited, then accounts and users are added.
#
# Everything lives in its own temporary directory $SWL_ACCT_DIR
# (/tmp/swaplimit-acct.XXXXXX): the MariaDB datadir, socket, pid and error
# log; slurmdbd.conf (0600, root = SlurmUser), its pid and log file; a
# munged of its own. That munged is the "global" one Slurm uses for slurmdbd
# traffic (AccountingStoragePass=<its socket> in slurm.conf, AuthInfo in
# slurmdbd.conf): the cluster's own munged (started by cluster_up, with a
# key made there) keeps authenticating everything inside the cluster.
# Daemons are started as root with explicit options (mariadbd drops to the
# mysql user itself) and stopped by the PIDs in their own pid files, never
# by name. Ports: MariaDB 16306 and slurmdbd 16819 by default (never 3306),
# the next free ones when those are taken.
#
# Locks: a second lock ($SWL_ACCT_LOCK) is held by a helper process (the
# cluster harness's pattern) from before the database starts until the last
# accounting daemon is stopped, so two accounting runs never overlap; the
# cluster lock is taken at the start too, and acct_cluster_down keeps it
# through cluster_down until the database is down. A run that died without
# its teardown (kill -9) leaves daemons whose pid files the next
# acct_up finds, under the lock, and stops by pid.
#
# Environment: SWL_ACCT_DB_PORT, SWL_ACCT_DBD_PORT (first port to try),
# SWL_KEEP=1 keeps the logs (not the database) after acct_down,
# SWL_ACCT_ENFORCE (default associations) for AccountingStorageEnforce.
# Sets SWL_ACCT_UP_SECONDS (DB + slurmdbd + cluster added) and prints it.

SWL_ACCT_LOCK=${SWL_ACCT_LOCK:-/run/swaplimit-test-accounting.lock}
SWL_ACCT_DB_PORT=${SWL_ACCT_DB_PORT:-16306}
SWL_ACCT_DBD_PORT=${SWL_ACCT_DBD_PORT:-16819}
SWL_ACCT_ENFORCE=${SWL_ACCT_ENFORCE:-associations}
SWL_CLUSTER_NAME=swltest   # ClusterName in cluster.bash's slurm.conf

_acct_say() { echo "accounting: $*" >&2; }
_acct_die() { echo "accounting: ERROR: $*" >&2; return 1; }

# Seconds with millisecond precision, for the bring-up timings.
_acct_now() { date +%s.%N; }
_acct_since() { awk -v a="$1" -v b="$(_acct_now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- lock

_acct_lock() {
	_swl_lock_take "$SWL_ACCT_LOCK" swaplimit-acct-lock-holder SWL_ACCT_LOCK_PID \
		"another accounting run"
}
_acct_unlock() { _swl_lock_release "$SWL_ACCT_LOCK" swaplimit-acct-lock-holder SWL_ACCT_LOCK_PID; }

# ---------------------------------------------------------------- pieces

_acct_port_busy() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }

# The first port from $1 on (20 tries) that nothing listens on, never 3306.
_acct_free_port() {
	local p=$1 i
	for i in $(seq 20); do
		if [ "$p" != 3306 ] && ! _acct_port_busy "$p" &&
			[ "$p" != "$SWL_CTLD_PORT" ] && [[ " ${SWL_NODE_PORTS[*]} " != *" $p "* ]]; then
			echo "$p"
			return 0
		fi
		p=$((p + 1))
	done
	return 1
}

# Stop the daemons of accounting runs that died before their teardown
# (under the lock, so none of them is alive on purpose); remove their
# databases, keep their logs.
_acct_reap_stale() {
	local -; set +e
	local d f w
	for d in /tmp/swaplimit-acct.*; do
		[ -d "$d" ] || continue
		[ "$d" = "${SWL_ACCT_DIR:-}" ] && continue
		w=""
		f=$d/run/slurmdbd.pid
		if [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then
			_acct_say "stopping slurmdbd of a dead run in $d"
			_swl_stop_pidfile "$f" 20
		fi
		for f in "$d/run/mariadbd.pid" "$d/munge-sock/munged.pid"; do
			if [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then
				_acct_say "stopping $(basename "$f" .pid) of a dead run in $d"
				_swl_stop_pidfile "$f" 30 & w="$w $!"
			fi
		done
		# shellcheck disable=SC2086
		[ -z "$w" ] || wait $w
		rm -rf "$d/db" "$d/munge/munge.key"
	done
	return 0
}

_acct_start_munge() { _swl_munged_start "$SWL_ACCT_DIR"; }

acct_sql() {
	mariadb --no-defaults --socket="$SWL_ACCT_DIR/run/mysqld.sock" -uroot -N -B "$@"
}

# MariaDB options, the same for install-db and the server. A throwaway
# database: no binary log, no doublewrite, lazy flushing, small files.
_acct_db_opts() {
	local a=$SWL_ACCT_DIR
	printf '%s\n' --no-defaults --user=mysql --datadir="$a/db" \
		--socket="$a/run/mysqld.sock" --pid-file="$a/run/mariadbd.pid" \
		--port="$SWL_ACCT_DB_PORT_USED" --bind-address=127.0.0.1 \
		--skip-name-resolve --log-error="$a/log/mariadbd.err" --skip-log-bin \
		--innodb-buffer-pool-size=128M --innodb-log-file-size=32M \
		--innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
		--innodb-lock-wait-timeout=900 --innodb-fast-shutdown=2 --max-connections=100
}

_acct_start_db() {
	local a=$SWL_ACCT_DIR i opts
	mkdir -p "$a/db"
	chown mysql:mysql "$a/db" "$a/run" "$a/log"
	mapfile -t opts < <(_acct_db_opts)
	# install-db takes the datadir options but not the server-only ones;
	# --force: go on when the host name does not resolve (a chroot or VM
	# without /etc/hosts; the grants here use localhost and 127.0.0.1).
	/usr/bin/mariadb-install-db --no-defaults --user=mysql --datadir="$a/db" \
		--skip-test-db --skip-name-resolve --force --auth-root-authentication-method=socket \
		--innodb-log-file-size=32M >"$a/log/install-db.out" 2>&1 ||
		{ _acct_die "mariadb-install-db failed: $(tail -n 5 "$a/log/install-db.out")"; return 1; }
	# mariadbd stays in the foreground: ( ... & ) makes it no job of this
	# shell, so that no `wait` (here or in bats) waits for it.
	( _swl_spawn "$a/log/mariadbd.out" /usr/sbin/mariadbd "${opts[@]}" & )
	# Ready when the server answers on its socket and listens on its port.
	for i in $(seq 300); do
		if acct_sql -e 'SELECT 1' >/dev/null 2>&1 && _acct_port_busy "$SWL_ACCT_DB_PORT_USED"; then
			break
		fi
		grep -q 'Aborting' "$a/log/mariadbd.err" 2>/dev/null && break
		sleep 0.1
	done
	acct_sql -e 'SELECT 1' >/dev/null 2>&1 ||
		{ _acct_die "mariadbd did not start: $(tail -n 8 "$a/log/mariadbd.err" "$a/log/mariadbd.out" 2>/dev/null)"; return 1; }
	# slurmdbd's own database user, over TCP from 127.0.0.1 only.
	SWL_ACCT_DB_PASS=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
	acct_sql -e "CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY '$SWL_ACCT_DB_PASS';
		GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';" ||
		{ _acct_die "cannot create the slurm database user"; return 1; }
}

# slurmdbd reads slurmdbd.conf from the directory of SLURM_CONF: it gets an
# etc/ of its own, with a client slurm.conf that sacctmgr uses before the
# cluster exists (and sacct/sacctmgr may keep using).
_acct_write_conf() {
	local a=$SWL_ACCT_DIR host
	host=$(hostname -s)
	mkdir -p "$a/etc"
	(
		umask 077
		cat >"$a/etc/slurmdbd.conf" <<-EOF
		# swaplimit integration tests: slurmdbd ($a)
		AuthType=auth/munge
		AuthInfo=socket=$a/munge-sock/munged.sock
		DbdHost=$host
		DbdAddr=127.0.0.1
		DbdPort=$SWL_ACCT_DBD_PORT_USED
		SlurmUser=root
		DebugLevel=info
		LogFile=$a/log/slurmdbd.log
		PidFile=$a/run/slurmdbd.pid
		StorageType=accounting_storage/mysql
		StorageHost=127.0.0.1
		StoragePort=$SWL_ACCT_DB_PORT_USED
		StorageUser=slurm
		StoragePass=$SWL_ACCT_DB_PASS
		StorageLoc=slurm_acct_db
		EOF
	)
	chown root:root "$a/etc/slurmdbd.conf"
	chmod 0600 "$a/etc/slurmdbd.conf"
	# The lines the cluster's slurm.conf gets (cluster.bash's
	# SWL_ACCOUNTING_CONF) and the client slurm.conf for sacctmgr here.
	SWL_ACCOUNTING_CONF="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$SWL_ACCT_DBD_PORT_USED
AccountingStoragePass=$a/munge-sock/munged.sock
AccountingStorageEnforce=$SWL_ACCT_ENFORCE"
	export SWL_ACCOUNTING_CONF
	cat >"$a/etc/slurm.conf" <<-EOF
	# client configuration for sacctmgr/sacct against slurmdbd ($a)
	ClusterName=$SWL_CLUSTER_NAME
	SlurmctldHost=$host(127.0.0.1)
	SlurmctldPort=$SWL_CTLD_PORT
	AuthType=auth/munge
	AuthInfo=socket=$a/munge-sock/munged.sock
	$SWL_ACCOUNTING_CONF
	EOF
	chmod 0644 "$a/etc/slurm.conf"
}

_acct_start_dbd() {
	local a=$SWL_ACCT_DIR i pid
	_swl_spawn "$a/log/slurmdbd.out" env SLURM_CONF="$a/etc/slurm.conf" /usr/sbin/slurmdbd ||
		{ _acct_die "slurmdbd failed: $(tail -n 5 "$a/log/slurmdbd.out" "$a/log/slurmdbd.log" 2>/dev/null)"; return 1; }
	# Ready when it listens and answers (it creates its tables first).
	for i in $(seq 600); do
		if _acct_port_busy "$SWL_ACCT_DBD_PORT_USED" &&
			acct_sacctmgr_ro list cluster >/dev/null 2>&1; then
			return 0
		fi
		# gave up: a fatal error logged, or its pid file names a dead process
		grep -q 'fatal' "$a/log/slurmdbd.log" 2>/dev/null && break
		pid=$(_swl_pid_of "$a/run/slurmdbd.pid")
		[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && break
		sleep 0.1
	done
	_acct_die "slurmdbd did not get ready: $(tail -n 8 "$a/log/slurmdbd.log" "$a/log/slurmdbd.out" 2>/dev/null)"
}

# ---------------------------------------------------------------- sacctmgr

# sacctmgr against our slurmdbd, as root (-i: no confirmation prompt).
acct_sacctmgr() { env SLURM_CONF="$SWL_ACCT_DIR/etc/slurm.conf" timeout 30 sacctmgr -i "$@"; }
# Read-only queries, parsable: sacctmgr -n -P.
acct_sacctmgr_ro() { env SLURM_CONF="$SWL_ACCT_DIR/etc/slurm.conf" timeout 30 sacctmgr -n -P "$@"; }
# sacct against our slurmdbd.
acct_sacct() { env SLURM_CONF="$SWL_ACCT_DIR/etc/slurm.conf" timeout 30 sacct "$@"; }

# Does slurmctld's association manager have USER's association with
# ACCOUNT (slurmdbd's update reached it)? Records read
# "ClusterName=swltest Account=physics UserName=swltest(1001) Partition= ...".
_acct_ctld_knows() {
	local user=$1 account=$2
	cl_slurm scontrol show assoc_mgr users="$user" accounts="$account" flags=assoc 2>/dev/null |
		grep -qF " Account=$account UserName=$user("
}

# acct_add_account NAME...: accounts under root in cluster swltest.
acct_add_account() {
	acct_sacctmgr add account "$@" Cluster="$SWL_CLUSTER_NAME" \
		Description=swaplimit-test Organization=swaplimit >/dev/null ||
		{ _acct_die "sacctmgr add account $* failed"; return 1; }
}

# acct_add_user USER ACCOUNT[,ACCOUNT...] [DEFAULT]: associations of USER
# (a Unix user, created when missing) with each account; DEFAULT (first by
# default) is the account of jobs that name none. Waits until slurmctld
# knows every association (enforcement happens there).
acct_add_user() {
	local -; set +e
	local user=$1 accounts=$2 def=${3:-${2%%,*}} a i
	SWL_USER=$user _swl_ensure_user || return 1
	acct_sacctmgr add user "$user" Account="$accounts" DefaultAccount="$def" \
		Cluster="$SWL_CLUSTER_NAME" >/dev/null ||
		{ _acct_die "sacctmgr add user $user account=$accounts failed"; return 1; }
	case " ${SWL_ACCT_USERS:-} " in *" $user "*) ;; *) SWL_ACCT_USERS="${SWL_ACCT_USERS:-} $user" ;; esac
	export SWL_ACCT_USERS
	for a in ${accounts//,/ }; do
		for i in $(seq 100); do
			_acct_ctld_knows "$user" "$a" && break
			sleep 0.1
		done
		_acct_ctld_knows "$user" "$a" ||
			{ _acct_die "slurmctld does not know user=$user account=$a after 10s"; return 1; }
	done
}

# The account slurmctld recorded for a job ("" when none).
acct_job_account() { cl_slurm scontrol show job "$1" 2>/dev/null | grep -o ' Account=[^ ]*' | head -1 | cut -d= -f2; }

# ---------------------------------------------------------------- up / down

# Failure during acct_up: stop what it started; let go of the cluster lock
# too unless a cluster is up (its cluster_down will).
_acct_abort() {
	acct_down
	[ -n "${SWL_DIR:-}" ] || _swl_unlock
	return 1
}

# acct_up: MariaDB, slurmdbd, cluster swltest added. Takes the accounting
# lock and the cluster lock first. Exports SWL_ACCOUNTING_CONF for
# cluster_up. On failure everything it started is stopped again.
acct_up() {
	local -; set +e
	local t0 t1 b
	t0=$(_acct_now)
	[ "$(id -u)" -eq 0 ] || { _acct_die "needs root"; return 1; }
	for b in /usr/sbin/mariadbd /usr/bin/mariadb-install-db /usr/bin/mariadb \
		/usr/sbin/slurmdbd /usr/bin/sacctmgr /usr/sbin/munged; do
		[ -x "$b" ] || { _acct_die "$b not installed (scripts/install-deps.sh: mariadb-server slurmdbd)"; return 1; }
	done
	id -u mysql >/dev/null 2>&1 || { _acct_die "no mysql user (mariadb-server not installed?)"; return 1; }
	if [ -n "${SWL_ACCT_DIR:-}" ] && [ -d "$SWL_ACCT_DIR" ]; then
		_acct_die "accounting already up in $SWL_ACCT_DIR (acct_down first)"
		return 1
	fi
	_acct_lock || return 1
	_swl_lock || { _acct_unlock; return 1; }
	t0=$(_acct_now)    # the timings leave out the wait for the locks
	_acct_reap_stale
	SWL_ACCT_DB_PORT_USED=$(_acct_free_port "$SWL_ACCT_DB_PORT") &&
		SWL_ACCT_DBD_PORT_USED=$(_acct_free_port "$SWL_ACCT_DBD_PORT") ||
		{ _acct_die "no free port near $SWL_ACCT_DB_PORT/$SWL_ACCT_DBD_PORT"; _acct_abort; return 1; }
	[ "$SWL_ACCT_DB_PORT_USED" != "$SWL_ACCT_DBD_PORT_USED" ] ||
		SWL_ACCT_DBD_PORT_USED=$(_acct_free_port $((SWL_ACCT_DBD_PORT_USED + 1)))
	SWL_ACCT_DIR=$(mktemp -d /tmp/swaplimit-acct.XXXXXX) || { _acct_abort; return 1; }
	chmod 0755 "$SWL_ACCT_DIR"
	mkdir -p "$SWL_ACCT_DIR"/{run,log,etc}
	export SWL_ACCT_DIR SWL_ACCT_DB_PORT_USED SWL_ACCT_DBD_PORT_USED
	_acct_start_munge || { _acct_abort; return 1; }
	_acct_start_db || { _acct_abort; return 1; }
	SWL_ACCT_DB_SECONDS=$(_acct_since "$t0")
	t1=$(_acct_now)
	_acct_write_conf
	_acct_start_dbd || { _acct_abort; return 1; }
	acct_sacctmgr add cluster "$SWL_CLUSTER_NAME" >/dev/null ||
		{ _acct_die "sacctmgr add cluster $SWL_CLUSTER_NAME failed"; _acct_abort; return 1; }
	SWL_ACCT_DBD_SECONDS=$(_acct_since "$t1")
	SWL_ACCT_UP_SECONDS=$(_acct_since "$t0")
	export SWL_ACCT_UP_SECONDS SWL_ACCT_DB_SECONDS SWL_ACCT_DBD_SECONDS
	_acct_say "up in ${SWL_ACCT_UP_SECONDS}s (MariaDB ${SWL_ACCT_DB_SECONDS}s on port $SWL_ACCT_DB_PORT_USED," \
		"slurmdbd + cluster added ${SWL_ACCT_DBD_SECONDS}s on port $SWL_ACCT_DBD_PORT_USED): $SWL_ACCT_DIR"
}

# acct_down: stop slurmdbd, then MariaDB and our munged, by their pid
# files; anything else whose command line names our directory, by pid;
# remove the directory (SWL_KEEP=1: all but the database). Idempotent, fine
# half up, ignores SIGINT/SIGTERM while it runs (so that an interrupted run
# still tears down). Releases the accounting lock (not the cluster's).
acct_down() {
	local -; set +e
	local t0 a=${SWL_ACCT_DIR:-} w="" f
	local traps
	traps=$(trap -p INT TERM)
	t0=$(_acct_now)
	trap '' INT TERM
	if [ -n "$a" ] && [ -d "$a" ]; then
		_swl_stop_pidfile "$a/run/slurmdbd.pid" 20
		for f in "$a/run/mariadbd.pid" "$a/munge-sock/munged.pid"; do
			_swl_stop_pidfile "$f" 30 & w="$w $!"
		done
		# shellcheck disable=SC2086
		wait $w
		_swl_kill_procs_naming "$a"
		if [ -n "${SWL_KEEP:-}" ]; then
			rm -rf "$a/db" "$a/munge/munge.key"
			_acct_say "SWL_KEEP set: logs kept in $a"
		else
			rm -rf "$a"
		fi
		_acct_say "down in $(_acct_since "$t0")s"
	fi
	unset SWL_ACCT_DIR SWL_ACCOUNTING_CONF
	_acct_unlock
	_acct_restore_traps "$traps"
	return 0
}

# acct_cluster_up [PLUGIN_ARG...]: acct_up, cluster_up with slurmdbd
# accounting, and slurmctld registered with slurmdbd. On failure all is
# torn down (acct_cluster_down) and it returns 1.
acct_cluster_up() {
	local -; set +e
	local t0 i
	acct_up || { acct_cluster_down; return 1; }
	if ! cluster_up "$@"; then
		_acct_die "cluster_up failed"
		acct_cluster_down
		return 1
	fi
	# slurmctld registers at start: ControlPort set in the cluster table.
	t0=$(_acct_now)
	for i in $(seq 150); do
		[ "$(acct_sacctmgr_ro list cluster "$SWL_CLUSTER_NAME" format=ControlPort 2>/dev/null)" = "$SWL_CTLD_PORT" ] && break
		sleep 0.2
	done
	if [ "$(acct_sacctmgr_ro list cluster "$SWL_CLUSTER_NAME" format=ControlPort 2>/dev/null)" != "$SWL_CTLD_PORT" ]; then
		_acct_die "slurmctld did not register with slurmdbd in 30s: $(grep -i 'dbd\|accounting' "$(cl_ctld_log)" | tail -5)"
		acct_cluster_down
		return 1
	fi
	_acct_say "slurmctld registered with slurmdbd in $(_acct_since "$t0")s"
}

# acct_cluster_down: jobs of every user cancelled, cluster_down (keeping
# the cluster lock), acct_down, then both locks released. Idempotent.
acct_cluster_down() {
	local -; set +e
	local keep_lock=${SWL_LOCK_PID:-} traps u
	traps=$(trap -p INT TERM)
	trap '' INT TERM
	# cluster_down cancels $SWL_USER's jobs; the other users' here.
	if [ -n "${SWL_DIR:-}" ] && [ -s "$SWL_DIR/run/slurmctld.pid" ]; then
		for u in ${SWL_ACCT_USERS:-}; do
			[ "$u" = "$SWL_USER" ] && continue
			timeout 10 env SLURM_CONF="$SWL_CONF" scancel --quiet --full \
				--user="$u" >/dev/null 2>&1
		done
	fi
	# cluster_down releases the cluster lock only through SWL_LOCK_PID:
	# hide it so that the lock is held until the database is down too.
	unset SWL_LOCK_PID
	cluster_down
	acct_down
	if [ -n "$keep_lock" ]; then
		SWL_LOCK_PID=$keep_lock
		_swl_unlock
	fi
	unset SWL_ACCT_USERS
	_acct_restore_traps "$traps"
	return 0
}

# Put back the INT/TERM traps saved with `trap -p` (none: the defaults).
_acct_restore_traps() {
	trap - INT TERM
	[ -z "$1" ] || eval "$1"
}
