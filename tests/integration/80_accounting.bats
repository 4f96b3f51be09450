#!/usr/bin/env bats
# account() terms end to end (issue 10, last item), on the real three-node
# cluster WITH accounting: MariaDB + slurmdbd (lib/accounting.bash),
# AccountingStorageEnforce=associations, accounts and users made with
# sacctmgr. The account a step is judged by must be the one Slurm launched
# the job with (the job prolog's record, from the signed credential), never
# what the user puts in the step's environment.
#
# Accounts: physics, chem, bio (and root). Users:
#   $SWL_USER (swltest): physics (default), chem     -- not in bio
#   swlacct2:            chem (default), bio         -- not in physics
# Rules (ConstrainSwapSpace=no, so every value below is swaplimit's):
#   1 account(chem)&partition(standard)=16MiB
#   2 account(physics)=64MiB
#   3 account(chem)=32MiB
#   4 default()=8MiB          (bio; and what a missing record would get)

RULES='account(chem)&partition(standard)=16MiB,account(physics)=64MiB,account(chem)=32MiB,default()=8MiB'
USER2=swlacct2

load lib/common
load lib/accounting
T_RULES=$RULES
T_RESET_RULES=1

t_cluster_up() {
	acct_cluster_up "rules=$T_RULES"
}

t_after_up() {
	local t0=$SECONDS
	acct_add_account physics chem bio || return 1
	acct_add_user "$SWL_USER" physics,chem physics || return 1
	acct_add_user "$USER2" chem,bio chem || return 1
	echo "# accounting: MariaDB ${SWL_ACCT_DB_SECONDS}s, slurmdbd + cluster added" \
		"${SWL_ACCT_DBD_SECONDS}s (DB/slurmdbd bring-up ${SWL_ACCT_UP_SECONDS}s);" \
		"cluster up ${SWL_UP_SECONDS}s; accounts/users $((SECONDS - t0))s" >&3
	# The step prints the account it sees in its environment, then its CG line.
	cat >"$SWL_DIR/jobs/acct_cg.sh" <<-'EOF'
	#!/bin/bash
	echo "ENV label=${1:-} account=${SLURM_JOB_ACCOUNT:-?}"
	exec "$(dirname "$0")/cgread.sh" "$@"
	EOF
	# LD_PRELOAD shim for srun: every setenv() of SWL_FORGE_NAME (or of
	# SLURM_JOB_ACCOUNT) writes SWL_FORGE_VALUE instead (as
	# jobs/forge_partition_shim.c does for the partition). A direct srun
	# sets SLURM_JOB_ACCOUNT from its allocation, over what it inherited.
	cat >"$SWL_DIR/jobs/forge_env_shim.c" <<-'EOF'
	#define _GNU_SOURCE
	#include <dlfcn.h>
	#include <stdlib.h>
	#include <string.h>
	int setenv(const char *name, const char *value, int overwrite)
	{
		static int (*real)(const char *, const char *, int);
		const char *n = getenv("SWL_FORGE_NAME"), *v = getenv("SWL_FORGE_VALUE");
		if (!real)
			real = (int (*)(const char *, const char *, int))dlsym(RTLD_NEXT, "setenv");
		if (!n)
			n = "SLURM_JOB_ACCOUNT";
		if (v && name && strcmp(name, n) == 0)
			value = v;
		return real(name, value, overwrite);
	}
	EOF
	gcc -O2 -Wall -shared -fPIC -o "$SWL_DIR/jobs/forge_env_shim.so" \
		"$SWL_DIR/jobs/forge_env_shim.c" -ldl || return 1
	chmod 0755 "$SWL_DIR/jobs/acct_cg.sh" "$SWL_DIR/jobs/forge_env_shim.so"
}

t_cluster_down() {
	# the teardown's own lines (how long each part took) as TAP comments
	acct_cluster_down 2> >(sed 's/^/# /' >&3)
}

# The CG line with label L (task 0) in the current job's output.
cg() { grep "^CG label=$1 " "$JOBOUT" | grep -m1 ' task=0 '; }
# The account the step with label L saw in its environment.
env_account() { grep -m1 "^ENV label=$1 " "${2:-$JOBOUT}" | sed 's/.* account=//'; }

# cl_job as another user: submit as USER, wait, set JOBID/JOBOUT/JOBSTATE.
job_as() {
	local user=$1; shift
	SWL_USER=$user cl_job "$@"
}

# The swaplimit lines any slurmd logged since MARKS (cl_log_marks).
sl_lines_since() {
	local n
	for n in node1 node2 node3; do
		cl_log_since "$1" "$n" | grep 'swaplimit' || true
	done
}

@test "accounting is live: slurmctld registered, associations known, enforcement on" {
	acct_sacctmgr_ro list cluster format=Cluster,ControlHost,ControlPort
	[ "$(acct_sacctmgr_ro list cluster swltest format=ControlPort)" = "$SWL_CTLD_PORT" ]
	acct_sacctmgr_ro list assoc format=Account,User,Cluster
	acct_sacctmgr_ro list assoc format=Account,User | grep -qx "physics|$SWL_USER"
	acct_sacctmgr_ro list assoc format=Account,User | grep -qx "bio|$USER2"
	acct_sacctmgr_ro list user "$SWL_USER" format=DefaultAccount | grep -qx physics
	cl_slurm scontrol show config | grep -E '^Accounting(StorageType|StorageEnforce)'
	cl_slurm scontrol show config | grep -qE '^AccountingStorageEnforce *= *associations'
	cl_slurm scontrol show config | grep -qE '^AccountingStorageType *= *accounting_storage/slurmdbd'
}

@test "account(physics)=64MiB and account(chem)=32MiB: one user, two accounts, exact allowances" {
	cl_job -A physics -p workgroup -w node1 --mem=200M <<-EOF
	#!/bin/bash
	$J/acct_cg.sh batch
	srun $J/acct_cg.sh srun
	EOF
	cat "$JOBOUT"
	[ "$(acct_job_account "$JOBID")" = physics ]
	cl_check_cg "$(cg batch)" $((64 * MiB)) $((64 * MiB))
	cl_check_cg "$(cg srun)" $((64 * MiB)) $((64 * MiB))
	local l
	l=$(cl_check_log node1 "$JOBID" batch 2)
	[[ "$l" == *"account=physics "* ]]
	l=$(cl_check_log node1 "$JOBID" 0 2)
	[[ "$l" == *"account=physics "* ]]
	local physics=$JOBID

	cl_job -A chem -p workgroup -w node1 --mem=200M <<-EOF
	#!/bin/bash
	$J/acct_cg.sh batch
	srun $J/acct_cg.sh srun
	EOF
	cat "$JOBOUT"
	[ "$(acct_job_account "$JOBID")" = chem ]
	cl_check_cg "$(cg batch)" $((32 * MiB)) $((32 * MiB))
	cl_check_cg "$(cg srun)" $((32 * MiB)) $((32 * MiB))
	l=$(cl_check_log node1 "$JOBID" batch 3)
	[[ "$l" == *"account=chem "* ]]
	cl_check_log node1 "$JOBID" 0 3
	[ "$JOBID" != "$physics" ]
}

@test "account(chem)&partition(standard)=16MiB: both facts from the record; chem elsewhere gets 32MiB" {
	cl_job -A chem -p standard -w node2 --mem=150M <<-EOF
	#!/bin/bash
	$J/acct_cg.sh batch
	srun $J/acct_cg.sh srun
	EOF
	cat "$JOBOUT"
	cl_check_cg "$(cg batch)" $((16 * MiB)) $((16 * MiB))
	cl_check_cg "$(cg srun)" $((16 * MiB)) $((16 * MiB))
	local l
	l=$(cl_check_log node2 "$JOBID" batch 1)
	[[ "$l" == *"partition=standard account=chem "* ]]
	cl_check_log node2 "$JOBID" 0 1
	# physics in the same partition: term 2
	cl_job -A physics -p standard -w node2 --mem=150M <<-EOF
	#!/bin/bash
	srun $J/acct_cg.sh srun
	EOF
	cl_check_cg "$(cg srun)" $((64 * MiB)) $((64 * MiB))
	cl_check_log node2 "$JOBID" 0 2
}

@test "the default account: no -A gives the user's DefaultAccount (physics for swltest, chem for swlacct2)" {
	cl_job -p workgroup -w node2 --mem=200M <<-EOF
	#!/bin/bash
	$J/acct_cg.sh batch
	srun $J/acct_cg.sh srun
	EOF
	cat "$JOBOUT"
	[ "$(acct_job_account "$JOBID")" = physics ]
	[ "$(env_account batch)" = physics ]
	cl_check_cg "$(cg batch)" $((64 * MiB)) $((64 * MiB))
	cl_check_cg "$(cg srun)" $((64 * MiB)) $((64 * MiB))
	[[ "$(cl_check_log node2 "$JOBID" 0 2)" == *"account=physics "* ]]

	job_as "$USER2" -p workgroup -w node2 --mem=200M <<-EOF
	#!/bin/bash
	$J/acct_cg.sh batch
	srun $J/acct_cg.sh srun
	EOF
	cat "$JOBOUT"
	[ "$(acct_job_account "$JOBID")" = chem ]
	cl_check_cg "$(cg batch)" $((32 * MiB)) $((32 * MiB))
	cl_check_cg "$(cg srun)" $((32 * MiB)) $((32 * MiB))
	# the second user's job (its cgroups are under that uid)
	[[ "$(cg srun)" == *"/uid_$(id -u "$USER2")/job_$JOBID/"* ]]
	[[ "$(cl_check_log node2 "$JOBID" 0 3)" == *"account=chem "* ]]
}

@test "an account no term names (bio) falls to default()=8MiB, with account=bio in the log" {
	job_as "$USER2" -A bio -p workgroup -w node3 --mem=100M <<-EOF
	#!/bin/bash
	srun $J/acct_cg.sh srun
	EOF
	cat "$JOBOUT"
	cl_check_cg "$(cg srun)" $((8 * MiB)) $((8 * MiB))
	[[ "$(cl_check_log node3 "$JOBID" 0 4)" == *"account=bio "* ]]
}

@test "-A for an account the user is not in (bio), or that does not exist: Slurm refuses, nothing reaches the plugin" {
	local marks jobs_before out
	marks=$(cl_log_marks)
	jobs_before=$(cl_slurm squeue -h -a -o %i | wc -l)
	# sbatch
	run cl_as_user sbatch --parsable -A bio -p workgroup -w node1 --mem=100M \
		--output=/dev/null --wrap "$J/acct_cg.sh refused"
	echo "sbatch -A bio: status=$status: $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Invalid account"* ]]
	# srun (its own allocation)
	run cl_srun -A bio -p workgroup -w node1 --mem=100M "$J/acct_cg.sh" refused
	echo "srun -A bio: status=$status: $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Invalid account"* ]]
	[[ "$output" != *"CG label="* ]]
	# salloc
	run cl_as_user timeout 60 salloc -A bio -p workgroup -w node1 --mem=100M /bin/true
	echo "salloc -A bio: status=$status: $output"
	[ "$status" -ne 0 ]
	# an account nobody has
	run cl_as_user sbatch --parsable -A nosuchacct -p workgroup --output=/dev/null --wrap /bin/true
	echo "sbatch -A nosuchacct: status=$status: $output"
	[ "$status" -ne 0 ]
	# the other user, for the account only the first one is in
	SWL_USER=$USER2 run cl_srun -A physics -p workgroup -w node1 --mem=100M "$J/acct_cg.sh" refused
	echo "$USER2 srun -A physics: status=$status: $output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Invalid account"* ]]
	# No job was created, no node ran a prolog or a step: no swaplimit
	# line at all (a prolog record is logged at debug, a step always).
	sleep 1
	[ "$(cl_slurm squeue -h -a -o %i | wc -l)" -eq "$jobs_before" ]
	out=$(sl_lines_since "$marks")
	echo "swaplimit lines since: ${out:-(none)}"
	[ -z "$out" ]
	grep -h 'Invalid account\|invalid account' "$(cl_ctld_log)" | tail -5
}

@test "a forged SLURM_JOB_ACCOUNT in an srun's step environment (inside a job) does not change the account" {
	# A physics job (64MiB) whose sruns claim chem (32MiB) and bio
	# (8MiB). Inside a job srun does not set SLURM_JOB_ACCOUNT: it passes
	# on what the script exports, so a plain export forges it (no shim
	# needed, unlike the partition); `srun -A chem` in the job as well.
	cl_job -A physics -p workgroup -w node1 --mem=200M <<-EOF
	#!/bin/bash
	$J/acct_cg.sh batch
	SLURM_JOB_ACCOUNT=chem srun $J/acct_cg.sh chem
	export SLURM_JOB_ACCOUNT=bio
	srun $J/acct_cg.sh bio
	srun -A chem $J/acct_cg.sh bio_a_chem
	EOF
	cat "$JOBOUT"
	echo "step environments: chem=$(env_account chem) bio=$(env_account bio) bio_a_chem=$(env_account bio_a_chem)"
	# the forgery reached the step environment...
	[ "$(env_account batch)" = physics ]
	[ "$(env_account chem)" = chem ]
	[ "$(env_account bio)" = bio ]
	# ...and every step still gets physics' 64MiB, and says physics
	local s l
	for s in batch chem bio bio_a_chem; do
		cl_check_cg "$(cg "$s")" $((64 * MiB)) $((64 * MiB))
	done
	for s in batch 0 1 2; do
		l=$(cl_check_log node1 "$JOBID" "$s" 2)
		[[ "$l" == *"account=physics "* ]]
	done
	# srun -A inside a job does not change the job's account in Slurm either
	[ "$(acct_job_account "$JOBID")" = physics ]
}

@test "a forged SLURM_JOB_ACCOUNT on a direct srun (its own allocation) does not change the account" {
	run cl_as_user env SWL_FORGE_VALUE=physics LD_PRELOAD="$J/forge_env_shim.so" \
		timeout 60 srun -A chem -p workgroup -w node2 --mem=100M "$J/acct_cg.sh" direct
	echo "$output"
	[ "$status" -eq 0 ]
	local l job
	[[ "$output" == *"ENV label=direct account=physics"* ]]
	l=$(echo "$output" | grep '^CG ')
	cl_check_cg "$l" $((32 * MiB)) $((32 * MiB))
	job=$(cl_field "$l" job)
	[ "$(acct_job_account "$job")" = chem ]
	[[ "$(cl_check_log node2 "$job" 0 3)" == *"account=chem "* ]]
}

@test "the account of a pending job changed with scontrol update: the step gets the new account's allowance" {
	local id
	id=$(cl_as_user sbatch --parsable -H -A physics -p workgroup -w node3 --mem=100M \
		--chdir="$SWL_DIR/out" --output="$SWL_DIR/out/%j.out" <<-EOF | cut -d';' -f1
	#!/bin/bash
	$J/acct_cg.sh batch
	srun $J/acct_cg.sh srun
	EOF
	)
	[ -n "$id" ]
	cl_as_user scontrol update jobid="$id" Account=chem
	[ "$(acct_job_account "$id")" = chem ]
	cl_as_user scontrol release "$id"
	cl_wait_job "$id" 60
	JOBOUT=$SWL_DIR/out/$id.out
	cat "$JOBOUT"
	[ "$(env_account batch)" = chem ]
	cl_check_cg "$(cg batch)" $((32 * MiB)) $((32 * MiB))
	cl_check_cg "$(cg srun)" $((32 * MiB)) $((32 * MiB))
	[[ "$(cl_check_log node3 "$id" 0 3)" == *"account=chem "* ]]
}

@test "salloc -A chem, then srun in the allocation: chem's 32MiB" {
	run cl_as_user timeout 90 salloc -A chem -p workgroup -w node3 --mem=100M \
		srun "$J/acct_cg.sh" salloc
	echo "$output"
	[ "$status" -eq 0 ]
	local l job
	l=$(echo "$output" | grep '^CG label=salloc ')
	cl_check_cg "$l" $((32 * MiB)) $((32 * MiB))
	job=$(cl_field "$l" job)
	[ "$(acct_job_account "$job")" = chem ]
	[[ "$(cl_check_log node3 "$job" 0 3)" == *"account=chem "* ]]
}

# Slurm 22.05 refuses (even for root: "Job is no longer pending
# execution"); should a later Slurm accept it, later steps are still judged
# by the account the job was launched with (the prolog's record).
@test "the account of a RUNNING job: scontrol update refused (22.05) and later steps keep the launch account" {
	local id go i
	id=$(cl_as_user sbatch --parsable -A physics -p workgroup -w node2 --mem=100M \
		--chdir="$SWL_DIR/out" --output="$SWL_DIR/out/%j.out" <<-EOF | cut -d';' -f1
	#!/bin/bash
	srun $J/acct_cg.sh before
	while [ ! -e $SWL_DIR/out/go.\$SLURM_JOB_ID ]; do sleep 0.2; done
	srun $J/acct_cg.sh after
	EOF
	)
	[ -n "$id" ]
	JOBOUT=$SWL_DIR/out/$id.out
	for i in $(seq 150); do
		grep -q '^CG label=before ' "$JOBOUT" 2>/dev/null && break
		sleep 0.2
	done
	run cl_slurm scontrol update jobid="$id" Account=chem
	echo "scontrol update (root) of running job $id: status=$status $output"
	local updated=$status
	echo "slurmctld now: Account=$(acct_job_account "$id")"
	touch "$SWL_DIR/out/go.$id"
	cl_wait_job "$id" 60
	cat "$JOBOUT"
	cl_check_cg "$(cg before)" $((64 * MiB)) $((64 * MiB))
	[[ "$(cl_check_log node2 "$id" 0 2)" == *"account=physics "* ]]
	if [ "$updated" -eq 0 ] && [ "$(acct_job_account "$id")" = chem ]; then
		# Slurm took the change; the later step is still judged by the
		# account the job was launched with (the prolog's record).
		echo "later step: $(cl_check_log node2 "$id" 1 '[0-9]+' | sed 's/.* term=\([0-9]*\).*account=\([^ ]*\).*/term=\1 account=\2/')"
		cl_check_cg "$(cg after)" $((64 * MiB)) $((64 * MiB))
		[[ "$(cl_check_log node2 "$id" 1 2)" == *"account=physics "* ]]
	else
		# Slurm refused: nothing changed for the later step either.
		cl_check_cg "$(cg after)" $((64 * MiB)) $((64 * MiB))
		[ "$(acct_job_account "$id")" = physics ]
	fi
}

@test "-A PHYSICS (upper case): Slurm stores the lower-case account, which account(physics) matches" {
	cl_job -A PHYSICS -p workgroup -w node1 --mem=100M <<-EOF
	#!/bin/bash
	srun $J/acct_cg.sh srun
	EOF
	cat "$JOBOUT"
	echo "slurmctld: Account=$(acct_job_account "$JOBID"); step env: $(env_account srun)"
	[ "$(acct_job_account "$JOBID")" = physics ]
	cl_check_cg "$(cg srun)" $((64 * MiB)) $((64 * MiB))
	[[ "$(cl_check_log node1 "$JOBID" 0 2)" == *"account=physics "* ]]
}

@test "slurmdbd recorded the jobs under their accounts (sacct)" {
	local out
	# slurmctld sends job records to slurmdbd asynchronously: allow it time.
	for i in $(seq 50); do
		out=$(acct_sacct -a -X -n -P -o JobID,Account,User,State -S now-1hour 2>&1)
		echo "$out" | grep -q "|chem|$USER2|" && echo "$out" | grep -q "|physics|$SWL_USER|" && break
		sleep 0.2
	done
	echo "$out"
	echo "$out" | grep -q "|physics|$SWL_USER|COMPLETED"
	echo "$out" | grep -q "|chem|$SWL_USER|COMPLETED"
	echo "$out" | grep -q "|chem|$USER2|COMPLETED"
	echo "$out" | grep -q "|bio|$USER2|COMPLETED"
	# no job of $SWL_USER under bio: the refused ones never existed
	! echo "$out" | grep -q "|bio|$SWL_USER|"
}

@test "after all jobs: no node drained, every slurmd alive, no swaplimit warning or error" {
	cl_node_states
	[ -z "$(cl_bad_nodes)" ]
	[ "$(cl_slurmd_alive)" = "node1 node2 node3" ]
	run bash -c "grep -h swaplimit $SWL_DIR/log/slurmd-node*.log | grep -Ei 'error|fail|not enforced|warning'"
	echo "$output"
	[ -z "$output" ]
	# every step line names a real account (never the '?' of a missing record)
	run bash -c "grep -h 'swaplimit: job=.* term=' $SWL_DIR/log/slurmd-node*.log | grep -c 'account=?'"
	echo "lines without an account: $output"
	[ "$output" = 0 ]
}
