# Benchmarks (figures, not pass/fail).
#   make bench                 every benchmark (other mk/*.mk files add theirs
#                              as prerequisites of `bench`)
#   make bench-engine          rule engine: compile/bind/eval times, allocations
#   make bench-engine BENCH_ARGS=--markdown   the table for BENCHMARKS.md
# The engine is measured as shipped: the objects of `make` (build/o, -O2).

BENCH_DIR  := $(B)/bench
BENCH_ARGS ?=

.PHONY: bench-engine
bench: bench-engine

# -rdynamic: bench/alloc_count.c's malloc & co. interpose for libslurm too.
$(BENCH_DIR)/bench_engine: bench/bench_engine.c bench/alloc_count.c bench/alloc_count.h $(ENGINE_OBJ) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ibench -o $@ bench/bench_engine.c bench/alloc_count.c \
	  $(ENGINE_OBJ) $(ALL_LDFLAGS) -rdynamic -lslurm

bench-engine: $(BENCH_DIR)/bench_engine
	@echo "== rule engine ($$(nproc) CPUs, $$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $$(uname -sr), $$($(CC) --version | head -1))"
	@$(BENCH_DIR)/bench_engine $(BENCH_ARGS)

# The floor of a step's plugin time (bench/floor_plugin.c): only the system
# calls swaplimit.so makes for a step. bench/bench_steps_ab.sh runs it beside
# the plugin with BENCH_AB_FLOOR=1.
$(BENCH_DIR)/floor.so: bench/floor_plugin.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -shared -o $@ $< $(ALL_LDFLAGS)

.PHONY: bench-floor
bench-floor: $(BENCH_DIR)/floor.so all
	BENCH_AB_FLOOR=1 bench/bench_steps_ab.sh
