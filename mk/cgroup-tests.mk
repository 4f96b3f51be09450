# Test tools for the cgroup writer (src/cgroup), used by
# tests/integration/15_cgroup_faults.bats against real v1 cgroups.
#   make cgroup-tools     build/sl-cgtool, build/sl-memtouch
#   make cgroup-faults    run the real-cgroup fault tests (root; skips otherwise)

$(B)/sl-cgtool: tests/tools/sl_cgtool.c $(CGROUP_OBJ) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(CGROUP_OBJ) $(ALL_LDFLAGS) -pie

$(B)/sl-memtouch: tests/tools/sl_memtouch.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(ALL_LDFLAGS) -pie

.PHONY: cgroup-tools cgroup-faults
cgroup-tools: $(B)/sl-cgtool $(B)/sl-memtouch

cgroup-faults: cgroup-tools
	bats tests/integration/15_cgroup_faults.bats

# The cgroup unit tests share a fake-tree fixture outside $(HEADERS).
CG_FIXTURE_TESTS := test_cgroup_find test_cgroup_apply test_cgroup_usage test_meminfo
$(foreach t,$(CG_FIXTURE_TESTS),$(B)/tests/$(t) $(B)/tests-san/$(t)): tests/tools/cg_fixture.h
