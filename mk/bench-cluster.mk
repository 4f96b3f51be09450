# End-to-end benchmark on the throwaway local Slurm cluster (root only;
# without root it prints SKIPPED): srun/sbatch wall time with and without
# swaplimit (and with a no-op prolog/epilog plugin), the plugin's own time
# per step (elapsed_us), and a perf profile of where the difference goes.
#   make bench-cluster                             full run (about 20 min)
#   make bench-cluster BENCH_N=20 BENCH_BATCH_N=4 BENCH_PROFILE_N=10   quick run
# Other knobs (BENCH_BLOCK, BENCH_AUX_BLOCK, BENCH_PROFILE, BENCH_RULES,
# BENCH_OUT): see bench/bench_cluster.sh. Results in build/bench-cluster/.

.PHONY: bench-cluster
bench: bench-cluster

# Under `make bench` the rule-engine benchmark runs first, never at the same
# time (make -j): the cluster's timings must not share the CPUs with it.
ifneq ($(filter bench,$(MAKECMDGOALS)),)
bench-cluster: | bench-engine
endif

bench-cluster: all
	@bench/bench_cluster.sh
