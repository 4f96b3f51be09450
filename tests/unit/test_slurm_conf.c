/*
 * The slurm.conf reader of swaplimit check (src/cli/slurm_conf.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "slurm_conf.h"

#define MIB (UINT64_C(1) << 20)

static const char FIXTURE[] =
	"# a cluster\n"
	"ClusterName=test\n"
	"SelectTypeParameters=CR_Core_Memory\n"
	"include /etc/slurm/nodes.d/*.conf\n"
	"nodename=DEFAULT Sockets=2 CoresPerSocket=10 ThreadsPerCore=2 RealMemory=192000\n"
	"NodeName=r[00-01]n[01-03] State=UNKNOWN\n"
	"NodeName=big1 CPUs=128 realmemory=1024000 # a fat node\n"
	"NodeName=DEFAULT RealMemory=64000 Sockets=1\n"
	"NodeName=gpu[1-2] \\\n"
	"   Boards=2 SocketsPerBoard=2 CoresPerSocket=4 Feature=\"a b\"\n"
	"NodeName=tiny Sockets=1 CoresPerSocket=1 ThreadsPerCore=1 RealMemory=1 \\# not a comment\n"
	"PartitionName=DEFAULT OverSubscribe=NO\n"
	"PartitionName=standard Nodes=r[00-01]n[01-03] Default=YES\n"
	"PartitionName=shared Nodes=r00n01,big1 OverSubscribe=FORCE:8\n"
	"PartitionName=all Nodes=ALL OVERSUBSCRIBE=yes\n"
	"PartitionName=excl Nodes=gpu1 OverSubscribe=EXCLUSIVE\n"
	"PartitionName=empty\n";

static const sl_conf_node_t *node(const sl_slurm_conf_t *c, const char *name)
{
	for (size_t i = 0; i < c->nnodes; i++)
		if (strcmp(c->nodes[i].name, name) == 0)
			return &c->nodes[i];
	fail_msg("no node %s", name);
	return NULL;
}

static void test_fixture(void **state)
{
	sl_slurm_conf_t c;
	char err[512];

	(void)state;
	assert_int_equal(sl_slurm_conf_parse(FIXTURE, strlen(FIXTURE), "slurm.conf",
					     &c, err, sizeof(err)), 0);
	/* 6 + 1 + 2 + 1, sorted by name */
	assert_int_equal(c.nnodes, 10);
	assert_string_equal(c.nodes[0].name, "big1");
	assert_string_equal(c.nodes[9].name, "tiny");
	assert_int_equal(node(&c, "r01n03")->cpus, 40);
	assert_int_equal(node(&c, "r01n03")->mem_bytes, 192000 * MIB);
	assert_int_equal(node(&c, "r00n01")->line, 6);
	assert_int_equal(node(&c, "big1")->cpus, 128);
	assert_int_equal(node(&c, "big1")->mem_bytes, 1024000 * MIB);
	/* Boards=2 x SocketsPerBoard=2 x 4 cores x 2 threads (the DEFAULT's) */
	assert_int_equal(node(&c, "gpu2")->cpus, 32);
	assert_int_equal(node(&c, "gpu2")->mem_bytes, 64000 * MIB);
	assert_int_equal(node(&c, "gpu2")->line, 9);
	assert_int_equal(node(&c, "tiny")->cpus, 1);
	assert_int_equal(node(&c, "tiny")->mem_bytes, MIB);

	assert_int_equal(c.nparts, 5);
	assert_string_equal(c.parts[0].name, "standard");
	assert_int_equal(c.parts[0].oversubscribe, 1);
	assert_true(sl_conf_part_has(&c.parts[0], "r01n02"));
	assert_false(sl_conf_part_has(&c.parts[0], "big1"));
	assert_int_equal(c.parts[1].oversubscribe, 8);
	assert_true(sl_conf_part_has(&c.parts[1], "big1"));
	assert_false(sl_conf_part_has(&c.parts[1], "r00n02"));
	assert_true(c.parts[2].all);
	assert_int_equal(c.parts[2].oversubscribe, 4);
	assert_true(sl_conf_part_has(&c.parts[2], "tiny"));
	assert_int_equal(c.parts[3].oversubscribe, 1);
	assert_false(sl_conf_part_has(&c.parts[4], "r00n01"));

	assert_int_equal(c.nwarnings, 1);
	assert_string_equal(c.warnings[0],
		"slurm.conf:4: 'Include /etc/slurm/nodes.d/*.conf' is not followed: "
		"nodes and partitions defined there are not checked");
	sl_slurm_conf_free(&c);
}

static void test_errors(void **state)
{
	static const struct { const char *text, *err; } cases[] = {
		{ "NodeName=a CPUs=x\n", "slurm.conf:1: CPUs=x: expected a whole number >= 1" },
		{ "\n\nNodeName=a CPUs=0\n", "slurm.conf:3: CPUs=0: expected a whole number >= 1" },
		{ "NodeName=a[3-1]\n", "slurm.conf:1: NodeName=a[3-1]: Slurm cannot parse it" },
		{ "NodeName=a\nNodeName=b,a\n",
		  "slurm.conf:2: node a is defined twice (also at line 1)" },
		{ "PartitionName=p Nodes=a OverSubscribe=MAYBE\n",
		  "slurm.conf:1: OverSubscribe=MAYBE: expected NO, EXCLUSIVE, YES[:N] or FORCE[:N]" },
		{ "PartitionName=p OverSubscribe=FORCE:0\n",
		  "slurm.conf:1: OverSubscribe=FORCE:0: expected a whole number >= 1 after ':' (jobs per CPU)" },
		{ "NodeName= CPUs=4\n", "slurm.conf:1: NodeName= needs a host expression" },
		{ "PartitionName=p Nodes=b[2-1]\n", "slurm.conf:1: Nodes=b[2-1]: Slurm cannot parse it" },
	};
	sl_slurm_conf_t c;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = sl_slurm_conf_parse(cases[i].text, strlen(cases[i].text),
					     "slurm.conf", &c, err, sizeof(err));

		if (rc != -1 || strcmp(err, cases[i].err) != 0)
			fail_msg("case %zu: rc %d, '%s'; want '%s'", i, rc, err,
				 cases[i].err);
		assert_int_equal(c.nnodes, 0);
	}
	assert_int_equal(sl_slurm_conf_read("/nonexistent/slurm.conf", &c, err,
					    sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/slurm.conf: No such file or directory");
}

static void test_defaults(void **state)
{
	static const char text[] =
		"NodeName=n1\n"                       /* Slurm's defaults */
		"PartitionName=DEFAULT Nodes=n1 OverSubscribe=FORCE\n"
		"PartitionName=p1\n"
		"PartitionName=p2 Nodes=n2 Shared=YES:2\n";
	sl_slurm_conf_t c;
	char err[512];

	(void)state;
	assert_int_equal(sl_slurm_conf_parse(text, strlen(text), NULL, &c, err,
					     sizeof(err)), 0);
	assert_int_equal(c.nnodes, 1);
	assert_int_equal(c.nodes[0].cpus, 1);
	assert_int_equal(c.nodes[0].mem_bytes, MIB);
	assert_true(sl_conf_part_has(&c.parts[0], "n1"));
	assert_int_equal(c.parts[0].oversubscribe, 4);
	assert_false(sl_conf_part_has(&c.parts[1], "n1"));
	assert_int_equal(c.parts[1].oversubscribe, 2);
	sl_slurm_conf_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
