/*
 * The rules image (src/engine/image.c): what a step loads instead of
 * compiling. An image must decide exactly as the compiled rules do, for
 * every term form, and a stale, foreign, cut or damaged image must be
 * refused (never crash, never leak: this test also runs under ASan and
 * valgrind).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "rules.h"

#define MiB (1024ULL * 1024ULL)
#define GiB (1024ULL * MiB)

/* Rule sets covering every condition, limit and property form. */
static const char *const sets[] = {
	"host(r04s[00-01])=none,partition(reserved)=1%/task,"
	"partition(standard)=0MiB,default(){min_swap=250MiB}=50MiB/cpu",
	"host(n[1-3])&partition(a,b)=2.5GiB/task,user(alice,bob)=10%/cpu,"
	"group(hpc)&account(p1)=3%mem,default()=none",
	"partition(big){min_swap=1GiB,max_swap=8GiB}=50%/memshare,"
	"partition(mid)=25%mem,"
	"account(x)=100GiB/cpushare,host(node1)&user(carol)=gres,"
	"default(){max_swap=2GiB}=512MiB",
	"host(node[0001-1000])=1GiB,host(node1)=2GiB",
	"partition(p){min_swap=0,max_swap=10%}=0,user(u)=1.5%mem/task,"
	"group(g){max_swap=1%mem}=none,default()=3T/node",
};

static int resolve(void *ctx, bool group, const char *name, uint32_t *id)
{
	(void)ctx;
	if (strcmp(name, "alice") == 0 || strcmp(name, "hpc") == 0) {
		*id = group ? 500 : 1000;
		return 1;
	}
	if (strcmp(name, "carol") == 0)
		return -1;                  /* the lookup failed */
	return 0;
}

typedef struct {
	sl_rules_t *rules;
	sl_bound_t *bound;
	sl_rules_t *irules;
	sl_bound_t *ibound;
	unsigned char *img;
	size_t len;
} pair_t;

static void pair_make(pair_t *p, const char *text, const char *node,
		      uint64_t key)
{
	sl_error_t err;
	char why[128] = "";

	memset(p, 0, sizeof(*p));
	p->rules = sl_rules_compile(text, strlen(text), "rules", false, &err);
	if (!p->rules)
		fail_msg("compile %s: %s", text, err.message);
	p->bound = sl_rules_bind(p->rules, node);
	assert_non_null(p->bound);
	assert_int_equal(sl_image_build(p->bound, node, key, &p->img, &p->len),
			 0);
	p->ibound = sl_image_load(p->img, p->len, node, key, &p->irules, why,
				  sizeof(why));
	if (!p->ibound)
		fail_msg("load: %s", why);
}

static void pair_free(pair_t *p)
{
	sl_bound_free(p->bound);
	sl_rules_free(p->rules);
	sl_bound_free(p->ibound);
	sl_rules_free(p->irules);
	free(p->img);
}

static void same_result(const sl_bound_t *a, const sl_bound_t *b,
			const sl_facts_t *f)
{
	sl_result_t ra, rb;

	sl_eval(a, f, &ra);
	sl_eval(b, f, &rb);
	assert_int_equal(ra.outcome, rb.outcome);
	assert_int_equal(ra.term, rb.term);
	assert_int_equal(ra.swap_bytes, rb.swap_bytes);
	assert_string_equal(ra.why, rb.why);
	if (ra.outcome != SL_NO_MATCH)
		assert_string_equal(sl_result_term_text(a, &ra),
				    sl_result_term_text(b, &rb));
}

/* Every fact combination the sets look at, on both. */
static void compare_everywhere(const sl_bound_t *a, const sl_bound_t *b)
{
	static const char *const parts[] = { NULL, "reserved", "standard",
					     "a", "big", "other" };
	static const char *const users[] = { "alice", "bob", "carol", "dave" };
	static const char *const accounts[] = { NULL, "p1", "x" };
	static const char *const grp1[] = { "hpc" };
	static const uint32_t gids[] = { 500, 7 };
	static const uint64_t cpus[] = { 0, 1, 4, 64 };
	static const uint64_t mems[] = { 0, 2 * GiB, SL_UNLIMITED_BYTES };
	size_t n = 0;

	for (size_t ip = 0; ip < sizeof(parts) / sizeof(parts[0]); ip++)
	for (size_t iu = 0; iu < sizeof(users) / sizeof(users[0]); iu++)
	for (size_t ia = 0; ia < sizeof(accounts) / sizeof(accounts[0]); ia++)
	for (size_t ic = 0; ic < sizeof(cpus) / sizeof(cpus[0]); ic++)
	for (size_t im = 0; im < sizeof(mems) / sizeof(mems[0]); im++)
	for (int unknown = 0; unknown < 2; unknown++)
	for (int ids = 0; ids < 2; ids++) {
		sl_facts_t f;

		memset(&f, 0, sizeof(f));
		f.partition = parts[ip];
		f.partition_unknown = unknown;
		f.account_unknown = unknown && ia == 0;
		f.user = users[iu];
		f.groups = grp1;
		f.ngroups = iu % 2;
		f.account = accounts[ia];
		f.ids = ids;
		f.uid = iu == 0 ? 1000 : 2000 + (uint32_t)iu;
		f.gids = gids;
		f.ngids = iu % 2 ? 2 : 1;
		f.cpus = cpus[ic];
		f.tasks = cpus[ic] / 2;
		f.mem_bytes = mems[im];
		f.node_swap_bytes = 64 * GiB;
		f.node_mem_bytes = unknown ? 0 : 256 * GiB;
		f.node_cpus = 128;
		f.gres_bytes = 3 * GiB;
		f.gres_unknown = unknown;
		same_result(a, b, &f);
		n++;
	}
	assert_true(n > 1000);
}

static void test_image_decides_as_compiled(void **state)
{
	static const char *const nodes[] = { "r04s00", "n2", "node1",
					     "node0500", "other" };

	(void)state;
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		for (size_t k = 0; k < sizeof(nodes) / sizeof(nodes[0]); k++) {
			pair_t p;

			pair_make(&p, sets[i], nodes[k], 42);
			assert_int_equal(sl_rules_count(p.rules),
					 sl_rules_count(p.irules));
			for (size_t t = 0; t < sl_rules_count(p.rules); t++)
				assert_string_equal(
					sl_rules_term_text(p.rules, t),
					sl_rules_term_text(p.irules, t));
			assert_int_equal(sl_rules_uses(p.rules),
					 sl_rules_uses(p.irules));
			compare_everywhere(p.bound, p.ibound);
			/* user()/group() names resolved to ids on both */
			assert_int_equal(sl_bound_resolve_ids(p.bound, resolve,
							      NULL), 0);
			assert_int_equal(sl_bound_resolve_ids(p.ibound, resolve,
							      NULL), 0);
			compare_everywhere(p.bound, p.ibound);
			/* an image's host() answers are its node's: its
			 * rules are not bound again */
			if (strstr(sets[i], "host("))
				assert_null(sl_rules_bind(p.irules, nodes[k]));
			pair_free(&p);
		}
}

/* The host() answers come from the image: a node in the expression and
 * one outside it decide differently, as compiled. */
static void test_image_keeps_the_node_answers(void **state)
{
	pair_t in, out;
	sl_facts_t f;
	sl_result_t r;

	(void)state;
	pair_make(&in, sets[3], "node0500", 1);
	pair_make(&out, sets[3], "node1", 1);
	memset(&f, 0, sizeof(f));
	f.node_swap_bytes = 64 * GiB;
	sl_eval(in.ibound, &f, &r);
	assert_int_equal(r.term, 1);
	assert_int_equal(r.swap_bytes, GiB);
	sl_eval(out.ibound, &f, &r);
	assert_int_equal(r.term, 2);        /* node1 is not node0001 */
	assert_int_equal(r.swap_bytes, 2 * GiB);
	pair_free(&in);
	pair_free(&out);
}

static void test_image_refuses_stale_and_foreign(void **state)
{
	pair_t p;
	sl_rules_t *r = NULL;
	char why[128];
	unsigned char *copy;

	(void)state;
	pair_make(&p, sets[0], "r04s00", 7);
	assert_null(sl_image_load(p.img, p.len, "r04s00", 8, &r, why,
				  sizeof(why)));
	assert_null(r);
	assert_string_equal(why, "made from other rules");
	assert_null(sl_image_load(p.img, p.len, "r04s01", 7, &r, why,
				  sizeof(why)));
	assert_string_equal(why, "made for another node");
	assert_null(sl_image_load(p.img, p.len, "r04s0", 7, &r, why,
				  sizeof(why)));
	copy = malloc(p.len);
	assert_non_null(copy);
	memcpy(copy, p.img, p.len);
	copy[8] ^= 1;                       /* the format number */
	assert_null(sl_image_load(copy, p.len, "r04s00", 7, &r, why,
				  sizeof(why)));
	assert_string_equal(why, "another image format");
	copy[8] ^= 1;
	copy[0] = 'X';
	assert_null(sl_image_load(copy, p.len, "r04s00", 7, &r, why,
				  sizeof(why)));
	assert_string_equal(why, "not a swaplimit rules image");
	free(copy);
	pair_free(&p);
}

/* Cut at every length and damaged at every byte: refused or, when the
 * damage is harmless (a letter of a name), loaded whole; never a crash,
 * never a leak, and a loaded one evaluates. */
static void test_image_cut_or_damaged(void **state)
{
	pair_t p;
	char why[128];
	size_t loaded = 0, refused = 0;

	(void)state;
	pair_make(&p, sets[1], "n2", 3);
	for (size_t n = 0; n < p.len; n++) {
		sl_rules_t *r = NULL;

		assert_null(sl_image_load(p.img, n, "n2", 3, &r, why,
					  sizeof(why)));
		assert_null(r);
	}
	for (size_t i = 0; i < p.len; i++)
		for (unsigned bit = 0; bit < 8; bit += 3) {
			sl_rules_t *r = NULL;
			sl_bound_t *b;

			p.img[i] ^= (unsigned char)(1u << bit);
			b = sl_image_load(p.img, p.len, "n2", 3, &r, why,
					  sizeof(why));
			if (b) {
				sl_facts_t f;
				sl_result_t res;

				memset(&f, 0, sizeof(f));
				f.partition = "a";
				f.cpus = 4;
				f.tasks = 2;
				f.node_swap_bytes = 64 * GiB;
				sl_eval(b, &f, &res);
				loaded++;
			} else {
				refused++;
			}
			sl_bound_free(b);
			sl_rules_free(r);
			p.img[i] ^= (unsigned char)(1u << bit);
		}
	assert_true(refused > 0);
	assert_true(loaded > 0);
	pair_free(&p);
}

static void test_hash(void **state)
{
	(void)state;
	assert_int_equal(sl_hash64(SL_HASH_INIT, "", 0), SL_HASH_INIT);
	/* FNV-1a 64 of "a" (the published test vector) */
	assert_int_equal(sl_hash64(SL_HASH_INIT, "a", 1), 0xaf63dc4c8601ec8cULL);
	assert_true(sl_hash64(SL_HASH_INIT, "ab", 2) !=
		    sl_hash64(SL_HASH_INIT, "ba", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_decides_as_compiled),
		cmocka_unit_test(test_image_keeps_the_node_answers),
		cmocka_unit_test(test_image_refuses_stale_and_foreign),
		cmocka_unit_test(test_image_cut_or_damaged),
		cmocka_unit_test(test_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
