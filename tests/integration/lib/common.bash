# shellcheck shell=bash
# The setup_file / teardown_file / setup that every cluster file of the
# suite shares. A file loads it first, then states only what differs:
#
#   load lib/common                 # also loads lib/cluster
#   T_RULES=$SWL_PROD_RULES         # the cluster's rules= (unset or empty:
#                                   # no swaplimit line in plugstack.conf)
#   T_RESET_RULES=1                 # every test starts from T_RULES again
#                                   # (cluster_plugstack; each new
#                                   # slurmstepd reads plugstack.conf)
#   T_NO_PLUGIN=1                   # the cluster runs without the plugin:
#                                   # setup_file does not need it built
#
# and, where the file needs more, any of these functions (each defaults to
# doing nothing; define it after or before the load, either works):
#   t_skip_reason   prints why the whole file cannot run here (nothing: it
#                   runs); every test then skips with that reason
#   t_before_up     setup_file, before the cluster comes up (export
#                   SWL_SLURM_EXTRA, SWL_NODE_DEFS..., build things)
#   t_cluster_up    brings the cluster up (default: cluster_up with
#                   T_RULES); e.g. acct_cluster_up, or an env prefix
#   t_after_up      setup_file, once the cluster is up
#   t_before_down   teardown_file, before the cluster goes down
#   t_cluster_down  takes it down (default: cluster_down)
#   t_setup         setup, last: the file's own per-test variables
# setup always sets MiB=1048576 and J=$SWL_DIR/jobs (the job programs).
# A file's own per-test teardown() stays in the file.
#
# setup_file runs under bats' errexit: the hooks are called plainly (a
# failing command in a hook fails setup_file, as it did written inline);
# t_cluster_up's status decides (`|| return 1`, as cluster_up's did).
# teardown_file runs whatever setup_file got to (cluster_down is safe when
# half up), except after a t_skip_reason.

load lib/cluster

declare -F t_skip_reason >/dev/null || t_skip_reason() { :; }
declare -F t_before_up >/dev/null || t_before_up() { :; }
declare -F t_after_up >/dev/null || t_after_up() { :; }
declare -F t_before_down >/dev/null || t_before_down() { :; }
declare -F t_setup >/dev/null || t_setup() { :; }
declare -F t_cluster_up >/dev/null || t_cluster_up() {
	if [ -n "${T_RULES:-}" ]; then
		cluster_up "rules=$T_RULES"
	else
		cluster_up
	fi
}
declare -F t_cluster_down >/dev/null || t_cluster_down() { cluster_down; }

# The plugin line T_RULES stands for (cluster_plugstack with no argument
# writes no swaplimit line).
_t_plugstack() {
	if [ -n "${T_RULES:-}" ]; then
		cluster_plugstack "rules=$T_RULES"
	else
		cluster_plugstack
	fi
}

setup_file() {
	# (bats 1.8 cannot skip from setup_file: each test skips in setup())
	export SKIP_REASON
	SKIP_REASON=$(t_skip_reason)
	[ -z "$SKIP_REASON" ] || return 0
	if [ -z "${T_NO_PLUGIN:-}" ] && [ ! -e "$SWL_PLUGIN" ]; then
		echo "no $SWL_PLUGIN: make build/swaplimit.so" >&2
		return 1
	fi
	t_before_up
	t_cluster_up || return 1
	t_after_up
}

teardown_file() {
	[ -z "${SKIP_REASON:-}" ] || return 0
	t_before_down
	t_cluster_down
}

setup() {
	[ -z "${SKIP_REASON:-}" ] || skip "$SKIP_REASON"
	if [ -n "${T_RESET_RULES:-}" ]; then _t_plugstack; fi
	# shellcheck disable=SC2034   # used by the files' tests
	MiB=1048576 J=$SWL_DIR/jobs
	t_setup
}
