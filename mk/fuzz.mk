# Fuzzing the rule engine with libFuzzer (clang only).
#   make fuzz FUZZ_SECONDS=N   long run; new corpus entries go to build/fuzz/corpus,
#                              crashes to build/fuzz/artifacts/
#   make fuzz-short            about 60 s, part of `make check`; writes
#                              build/results/fuzz.counts ("1 0" / "0 1");
#                              skipped (no counts) without clang.
# A crash input found belongs in tests/fuzz/regressions/ (replayed by
# tests/unit/test_fuzz_regressions.c in every `make check`).

FUZZ_CC       ?= $(shell command -v clang 2>/dev/null || command -v clang-16 2>/dev/null || \
                   command -v clang-15 2>/dev/null || command -v clang-14 2>/dev/null)
FUZZ_SECONDS  ?= 600
FUZZ_SHORT_SECONDS ?= 60
FUZZ_JOBS     ?= 1
FUZZ_MAX_LEN  ?= 8192
FUZZ_TIMEOUT  ?= 10
FUZZ_RSS_MB   ?= 2048
FUZZ_ARGS     ?=
# Host expressions libslurm expands slowly under ASan are skipped (see fuzz_rules.c).
FUZZ_DEFS     ?= -DSL_FUZZ_SKIP_SLOW_HOSTLISTS

FUZZ_DIR      := $(B)/fuzz
FUZZ_RESULTS  := $(or $(RESULTS),$(B)/results)
FUZZ_BIN      := $(FUZZ_DIR)/fuzz_rules
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS   := $(BASE_CFLAGS) $(filter-out -Werror,$(WARN_CFLAGS)) \
                 -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) $(FUZZ_DEFS)
FUZZ_ENGINE_OBJ := $(patsubst %.c,$(FUZZ_DIR)/o/%.o,$(ENGINE_SRC))
FUZZ_SEEDS    := tests/fuzz/corpus tests/fuzz/regressions
FUZZ_RUN_ARGS  = -dict=tests/fuzz/dict -max_len=$(FUZZ_MAX_LEN) -timeout=$(FUZZ_TIMEOUT) \
                 -rss_limit_mb=$(FUZZ_RSS_MB) -print_final_stats=1 \
                 -artifact_prefix=$(FUZZ_DIR)/artifacts/ $(FUZZ_ARGS)
# libslurm 22.05 leaks a few bytes on every host range it rejects; its
# recursion can push slurm_hostlist_create out of the 30 frames LSan keeps
# (so the engine's own suppression misses), hence a module-wide one here.
# A hostlist the engine forgets to destroy is still caught: the fuzz target
# counts live hostlists (-Wl,--wrap).
FUZZ_SUPP     := $(FUZZ_DIR)/lsan.supp
FUZZ_ENV      := ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
                 LSAN_OPTIONS=print_suppressions=0:suppressions=$(FUZZ_SUPP) \
                 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

$(FUZZ_DIR)/o/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BIN): tests/fuzz/fuzz_rules.c $(FUZZ_ENGINE_OBJ) $(HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DSL_FUZZ_WRAP_HOSTLIST -fsanitize=fuzzer -o $@ tests/fuzz/fuzz_rules.c \
	  $(FUZZ_ENGINE_OBJ) -Wl,--wrap=slurm_hostlist_create,--wrap=slurm_hostlist_destroy -lslurm

# The replay test includes the fuzz target's checks.
$(B)/tests/test_fuzz_regressions $(B)/tests-san/test_fuzz_regressions: tests/fuzz/fuzz_rules.c

.PHONY: fuzz-build
fuzz-build:
	@if [ -z "$(FUZZ_CC)" ]; then echo "fuzz: clang not found (scripts/install-deps.sh installs it)"; exit 1; fi
	@$(MAKE) --no-print-directory $(FUZZ_BIN)

# $(1) = seconds. Runs in a fresh process per call; exit status is libFuzzer's.
define fuzz_run
	@mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/artifacts tests/fuzz/regressions
	@printf 'leak:libslurm.so\n' >$(FUZZ_SUPP)
	$(FUZZ_ENV) $(FUZZ_BIN) $(FUZZ_RUN_ARGS) -max_total_time=$(1) \
	  $(if $(filter-out 1,$(FUZZ_JOBS)),-jobs=$(FUZZ_JOBS) -workers=$(FUZZ_JOBS)) \
	  $(FUZZ_DIR)/corpus $(FUZZ_SEEDS)
endef

fuzz: fuzz-build
	$(call fuzz_run,$(FUZZ_SECONDS))

fuzz-short:
	@if [ -z "$(FUZZ_CC)" ]; then \
	  echo "skip fuzz-short: clang not found (no fuzzing counts recorded)"; exit 0; fi; \
	mkdir -p $(FUZZ_RESULTS) $(FUZZ_DIR)/corpus $(FUZZ_DIR)/artifacts tests/fuzz/regressions; \
	printf 'leak:libslurm.so\n' >$(FUZZ_SUPP); \
	if ! $(MAKE) --no-print-directory $(FUZZ_BIN) >$(FUZZ_RESULTS)/fuzz-build.log 2>&1; then \
	  echo "FAIL fuzz: the fuzz target does not build: see $(FUZZ_RESULTS)/fuzz-build.log"; \
	  tail -20 $(FUZZ_RESULTS)/fuzz-build.log; echo "0 1" >$(FUZZ_RESULTS)/fuzz.counts; exit 1; fi; \
	if $(FUZZ_ENV) $(FUZZ_BIN) $(FUZZ_RUN_ARGS) -max_total_time=$(FUZZ_SHORT_SECONDS) \
	     $(FUZZ_DIR)/corpus $(FUZZ_SEEDS) >$(FUZZ_RESULTS)/fuzz.log 2>&1; then \
	  echo "ok   fuzz ($$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' $(FUZZ_RESULTS)/fuzz.log | grep -Eo '[0-9]+$$') executions in $(FUZZ_SHORT_SECONDS) s, no crash)"; \
	  echo "1 0" >$(FUZZ_RESULTS)/fuzz.counts; \
	else \
	  echo "FAIL fuzz: libFuzzer found a crash: see $(FUZZ_RESULTS)/fuzz.log"; \
	  grep -E 'ERROR: |runtime error|fuzz_rules: |Test unit written|SUMMARY' $(FUZZ_RESULTS)/fuzz.log \
	    | grep -v _parse_single_range | head -10; \
	  echo "  copy the crash input into tests/fuzz/regressions/ once fixed"; \
	  echo "0 1" >$(FUZZ_RESULTS)/fuzz.counts; exit 1; \
	fi
