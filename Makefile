# swaplimit: a Slurm SPANK plugin that enforces per-job swap allowances.
#   make            build build/swaplimit.so and build/swaplimit
#   make check      every test; ends with one line "N passed, N failed"
#   make demo       a throwaway 3-node local cluster, real jobs, a table
#   make install    PREFIX=/usr DESTDIR=...
#   make fuzz       FUZZ_SECONDS=N libFuzzer run over the rule engine
#   make bench      benchmarks (figures, not pass/fail)
# Outputs go in build/: swaplimit.so, swaplimit_noprolog.so (the same
# plugin without the job prolog: docs/plugin.md), swaplimit (the command).

PREFIX     ?= /usr
MULTIARCH  ?= $(shell $(CC) -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
# Slurm's plugin directory for the libslurm we build against: its libdir
# (pkg-config slurm, else where the compiler finds libslurm.so) plus
# slurm-wlm or slurm, whichever holds Slurm's own plugins; without them
# (a build chroot): slurm-wlm under a Debian multiarch libdir, else slurm
# (upstream, RHEL: %{_libdir}/slurm). PLUGINDIR=... overrides it.
SLURM_LIBDIR ?= $(or $(shell pkg-config --variable=libdir slurm 2>/dev/null),$(patsubst %/,%,$(dir $(realpath $(shell $(CC) -print-file-name=libslurm.so 2>/dev/null)))))
SLURM_PLUGINS_AT = $(firstword $(foreach d,slurm-wlm slurm,$(if $(wildcard $(SLURM_LIBDIR)/$(d)/auth_*.so $(SLURM_LIBDIR)/$(d)/task_*.so),$(SLURM_LIBDIR)/$(d))))
PLUGINDIR  ?= $(or $(SLURM_PLUGINS_AT),$(if $(filter %/$(MULTIARCH),$(SLURM_LIBDIR)),$(SLURM_LIBDIR)/slurm-wlm),$(if $(SLURM_LIBDIR),$(SLURM_LIBDIR)/slurm),$(PREFIX)/lib/$(MULTIARCH)/slurm-wlm)
DESTDIR    ?=

CC         ?= cc
B          := build
VERSION    := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

HARDEN_CFLAGS  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIC
HARDEN_LDFLAGS := -Wl,-z,relro -Wl,-z,now
# -Werror for developers and CI; packagers building with another compiler
# can drop it: make WERROR= (debian/rules and the rpm spec do).
WERROR         ?= -Werror
WARN_CFLAGS    := -Wall -Wextra $(WERROR) -Wshadow -Wformat=2 -Wvla
# Header dependencies: each object's .d file (-MMD), included below.
BASE_CFLAGS    := -std=c11 -D_GNU_SOURCE -DSWAPLIMIT_VERSION='"$(VERSION)"' \
                  -Isrc/engine -Isrc/config -Isrc/cgroup -Isrc/node -Isrc/plugin \
                  -I$(B)/gen
OPT_CFLAGS     ?= -O2 -g
ALL_CFLAGS      = $(BASE_CFLAGS) $(WARN_CFLAGS) $(OPT_CFLAGS) $(HARDEN_CFLAGS) $(CFLAGS)
ALL_LDFLAGS     = $(HARDEN_LDFLAGS) $(LDFLAGS)

SAN_CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
SAN_LDFLAGS := -fsanitize=address,undefined

ENGINE_SRC := $(sort $(wildcard src/engine/*.c))
CONFIG_SRC := $(sort $(wildcard src/config/*.c))
CGROUP_SRC := $(sort $(wildcard src/cgroup/*.c))
# What the plugin does on a node without a SPANK or Slurm call: linked
# into the plugin and into the unit tests.
NODE_SRC   := $(sort $(wildcard src/node/*.c))
PLUGIN_SRC := $(sort $(wildcard src/plugin/*.c))
CLI_SRC    := $(sort $(wildcard src/cli/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
HEADERS    := $(wildcard src/*/*.h tests/unit/*.h)
# Unit tests of the SPANK layer (src/plugin) and the fuzz-regression
# replay #include the .c they test; src/node is linked (NODE_OBJ).
TEST_INCLUDED_SRC := $(PLUGIN_SRC) $(wildcard tests/fuzz/*.c)

obj = $(patsubst %.c,$(B)/$(1)/%.o,$(2))

ENGINE_OBJ := $(call obj,o,$(ENGINE_SRC))
CONFIG_OBJ := $(call obj,o,$(CONFIG_SRC))
CGROUP_OBJ := $(call obj,o,$(CGROUP_SRC))
NODE_OBJ   := $(call obj,o,$(NODE_SRC))
PLUGIN_OBJ := $(call obj,o,$(PLUGIN_SRC))
# swaplimit_noprolog.so: the plugin files built with -DSL_NO_JOB_PROLOG,
# without the job prolog/epilog hooks (so slurmd forks no process per job).
NOPROLOG_OBJ := $(patsubst %.c,$(B)/np/%.o,$(filter-out src/plugin/spank_job_script.c src/plugin/gres_alloc.c,$(PLUGIN_SRC)))
CLI_OBJ    := $(call obj,o,$(CLI_SRC))
# The command's code minus main(), so unit tests can drive it.
CLI_LIB_OBJ := $(filter-out $(B)/o/src/cli/main.o,$(CLI_OBJ))

UNIT_BIN     := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
UNIT_SAN_BIN := $(patsubst tests/unit/%.c,$(B)/tests-san/%,$(UNIT_SRC))

# Objects are never deleted as intermediates (the sanitizer objects were).
.SECONDARY:

.PHONY: all check unit unit-san valgrind integration demo install uninstall \
        fuzz fuzz-short bench clean deps deb
all: $(B)/swaplimit.so $(B)/swaplimit_noprolog.so $(B)/swaplimit

# What the plugin is built from, as one hash (plugin.c): the rules images a
# build keeps are never taken by another build. Rewritten only when it
# changes, so an unchanged tree rebuilds nothing.
BUILD_HASH_INPUT := $(ENGINE_SRC) $(CONFIG_SRC) $(CGROUP_SRC) $(NODE_SRC) \
                    $(PLUGIN_SRC) $(wildcard src/*/*.h) src/plugin/swaplimit.map
$(B)/gen/build_hash.h: $(BUILD_HASH_INPUT) Makefile
	@mkdir -p $(dir $@)
	@h=$$( { cat $(BUILD_HASH_INPUT); echo '$(CC) $(ALL_CFLAGS)'; } | sha256sum | cut -c1-32); \
	  printf '/* generated by the Makefile */\n#define SL_BUILD_HASH "%s"\n' "$$h" >$@.tmp; \
	  if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(B)/o/%.o: %.c Makefile | $(B)/gen/build_hash.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/np/%.o: %.c Makefile | $(B)/gen/build_hash.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DSL_NO_JOB_PROLOG -MMD -MP -c -o $@ $<

$(B)/san/%.o: %.c Makefile | $(B)/gen/build_hash.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(WARN_CFLAGS) $(SAN_CFLAGS) -fPIC $(CFLAGS) -MMD -MP -c -o $@ $<

# Objects also depend on this Makefile: one built before -MMD has no .d
# and would otherwise never be rebuilt when a header changes.
-include $(shell find $(B)/o $(B)/np $(B)/san -name '*.d' 2>/dev/null)

# The plugin does not link libslurm: slurmstepd, srun and sbatch already
# carry it (libslurmfull) and export the hostlist API to plugins.
$(B)/swaplimit.so: $(ENGINE_OBJ) $(CONFIG_OBJ) $(CGROUP_OBJ) $(NODE_OBJ) $(PLUGIN_OBJ) src/plugin/swaplimit.map
	$(CC) -shared -o $@ $(filter %.o,$^) $(ALL_LDFLAGS) \
	  -Wl,--version-script=src/plugin/swaplimit.map

$(B)/swaplimit_noprolog.so: $(ENGINE_OBJ) $(CONFIG_OBJ) $(CGROUP_OBJ) $(NODE_OBJ) $(NOPROLOG_OBJ) src/plugin/swaplimit.map
	$(CC) -shared -o $@ $(filter %.o,$^) $(ALL_LDFLAGS) \
	  -Wl,--version-script=src/plugin/swaplimit.map

$(B)/swaplimit: $(ENGINE_OBJ) $(CONFIG_OBJ) $(CGROUP_OBJ) $(CLI_OBJ)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) -pie -lslurm

$(B)/tests/%: tests/unit/%.c $(ENGINE_OBJ) $(CONFIG_OBJ) $(CGROUP_OBJ) $(NODE_OBJ) $(CLI_LIB_OBJ) $(HEADERS) $(TEST_INCLUDED_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc/cli -o $@ $< $(TEST_EXTRA_OBJ) $(ENGINE_OBJ) $(CONFIG_OBJ) $(CGROUP_OBJ) $(NODE_OBJ) $(CLI_LIB_OBJ) \
	  $(ALL_LDFLAGS) -lcmocka -lslurm

$(B)/tests-san/%: tests/unit/%.c $(call obj,san,$(ENGINE_SRC) $(CONFIG_SRC) $(CGROUP_SRC) $(NODE_SRC) $(filter-out src/cli/main.c,$(CLI_SRC))) $(HEADERS) $(TEST_INCLUDED_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(WARN_CFLAGS) $(SAN_CFLAGS) -Isrc/cli -o $@ $< $(TEST_EXTRA_OBJ) \
	  $(call obj,san,$(ENGINE_SRC) $(CONFIG_SRC) $(CGROUP_SRC) $(NODE_SRC) $(filter-out src/cli/main.c,$(CLI_SRC))) \
	  $(SAN_LDFLAGS) -lcmocka -lslurm

# test_spank drives the real entry points: the plugin's objects and a
# fake of the SPANK API (tests/unit/fake_spank.c) are linked into it.
$(B)/tests/test_spank: $(PLUGIN_OBJ) $(B)/o/tests/unit/fake_spank.o
$(B)/tests/test_spank: TEST_EXTRA_OBJ = $(PLUGIN_OBJ) $(B)/o/tests/unit/fake_spank.o
$(B)/tests-san/test_spank: $(call obj,san,$(PLUGIN_SRC) tests/unit/fake_spank.c)
$(B)/tests-san/test_spank: TEST_EXTRA_OBJ = $(call obj,san,$(PLUGIN_SRC) tests/unit/fake_spank.c)

deps:
	@scripts/install-deps.sh

# Every suite writes its counts to build/results/; the last line of
# `make check` is the sum. scripts/check.sh times each part and runs the
# cgroup v2 VMs (tests/vm) after the host's suites.
check: deps
	@B=$(B) MAKE="$(MAKE)" scripts/check.sh

# The real-cluster suite in one cgroup v2 VM: make vm-trixie / make vm-sid
# (VM_FILES="tests/integration/20_plugin.bats ..." for a part of it).
# (Not .PHONY: make ignores pattern rules for phony targets.)
vm-%: deps
	@SWL_VM_FULL=$(VM_FULL) tests/vm/vm.sh $* $(VM_FILES)

# bench/bench_cluster.sh inside the VM: make bench-vm-trixie / bench-vm-sid
# (BENCH_N=... passes through); figures in build/results/bench-RELEASE/.
bench-vm-%: deps
	@tests/vm/vm.sh --bench $*

unit: $(UNIT_BIN)
	@scripts/run-suite.sh unit $(UNIT_BIN)

unit-san: $(UNIT_SAN_BIN)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	  scripts/run-suite.sh unit-san $(UNIT_SAN_BIN)

valgrind: $(B)/swaplimit
	@tests/valgrind/run.sh $(B)/swaplimit

integration: all cgroup-tools
	@tests/integration/run.sh

# make demo: Slurm 22.05 on this machine (cgroup v1); make demo SLURM=24.11
# or SLURM=26.05: the same demo in the cgroup v2 VM (tests/vm).
SLURM ?=
demo: deps
	@case "$(SLURM)" in \
	"") scripts/demo.sh ;; \
	24.11) tests/vm/vm.sh --demo trixie ;; \
	26.05) tests/vm/vm.sh --demo sid ;; \
	*) echo "make demo: SLURM= is 24.11 or 26.05 (or empty: this machine's Slurm)" >&2; exit 2 ;; \
	esac

install: all
	@echo "install: plugin into $(PLUGINDIR) (Slurm's plugin dir; PLUGINDIR=... to change)"
	install -d $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(B)/swaplimit.so $(DESTDIR)$(PLUGINDIR)/swaplimit.so
	install -m 0755 $(B)/swaplimit_noprolog.so $(DESTDIR)$(PLUGINDIR)/swaplimit_noprolog.so
	install -m 0755 $(B)/swaplimit $(DESTDIR)$(BINDIR)/swaplimit
	install -m 0644 man/swaplimit.1 $(DESTDIR)$(MANDIR)/man1/swaplimit.1
	if [ -f man/swaplimit.8 ]; then install -m 0644 man/swaplimit.8 $(DESTDIR)$(MANDIR)/man8/swaplimit.8; fi

uninstall:
	rm -f $(DESTDIR)$(PLUGINDIR)/swaplimit.so $(DESTDIR)$(PLUGINDIR)/swaplimit_noprolog.so \
	  $(DESTDIR)$(BINDIR)/swaplimit \
	  $(DESTDIR)$(MANDIR)/man1/swaplimit.1 $(DESTDIR)$(MANDIR)/man8/swaplimit.8

# Optional parts (fuzzing, benchmarks, extra test tools) bring their own rules.
-include $(wildcard mk/*.mk)

# A Debian package (slurm-swaplimit) in build/deb/. Needs debhelper.
deb:
	rm -rf $(B)/deb && mkdir -p $(B)/deb/src
	git archive --format=tar HEAD | tar -x -C $(B)/deb/src
	cd $(B)/deb/src && dpkg-buildpackage -us -uc -b
	@ls $(B)/deb/*.deb

clean:
	rm -rf $(B)
