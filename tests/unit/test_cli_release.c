/*
 * Reading the Slurm release a plugin file was built for (ELF parsing, no
 * loading) and the `swaplimit check --plugstack` release report
 * (src/cli/cli_release.c). ELF images are synthesized here in both classes
 * and byte orders, then truncated and corrupted; real files too: this test
 * binary (a PIE, ET_DYN without plugin symbols) and, when installed, one
 * of Slurm's own plugins (it must record the SLURM_VERSION_NUMBER of the
 * libslurm-dev we build with). Runs from the source root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <slurm/slurm_version.h>

#include "cli_release.h"

static char tmpdir[64];

static const char *tpath(const char *name)
{
	static char buf[4][PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_text(const char *path, const char *text)
{
	write_file(path, text, strlen(text));
}

static bool contains(const char *s, const char *sub)
{
	return s && strstr(s, sub) != NULL;
}

/* ------------------------------------------------- synthesized ELF files */

typedef struct {
	bool is64, be;
	uint32_t version;
	const char *type, *name;
	const char *version_sym;   /* the symbol's name ("plugin_version") */
	bool version_in_bss;       /* plugin_version in a NOBITS section */
	uint64_t version_addr_delta; /* added to plugin_version's address */
	uint64_t version_size;     /* st_size of plugin_version (4) */
} img_t;

#define IMG_LEN 0x600

static void wr(unsigned char *b, size_t off, unsigned n, uint64_t v, bool be)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned k = be ? n - 1 - i : i;

		b[off + k] = (unsigned char)(v >> (8 * i));
	}
}

/* Sections: [0] null, [1] .rodata (file 0x100, address 0x2100: version,
 * type at +8, name at +0x20),
 * [2] .dynstr (0x200), [3] .dynsym (0x300), [4] .bss (NOBITS, 0x3000);
 * section headers at 0x400. */
static size_t make_elf(const img_t *im, unsigned char *b)
{
	const bool be = im->be, w = im->is64;
	const size_t shoff = 0x400, shent = w ? 64 : 40, syment = w ? 24 : 16;
	const char *vs = im->version_sym ? im->version_sym : "plugin_version";
	const char *type = im->type ? im->type : "spank";
	const char *name = im->name ? im->name : "swaplimit";
	char strtab[128];
	size_t sp = 1, n_ver, n_type, n_name, n_other;
	struct { size_t name; uint64_t value, size; unsigned shndx; } syms[5];

	memset(b, 0, IMG_LEN);
	memcpy(b, "\177ELF", 4);
	b[4] = w ? 2 : 1;          /* EI_CLASS */
	b[5] = be ? 2 : 1;         /* EI_DATA */
	b[6] = 1;                  /* EI_VERSION */
	wr(b, 16, 2, 3, be);       /* ET_DYN */
	wr(b, 18, 2, w ? 62 : 3, be);
	wr(b, 20, 4, 1, be);
	if (w) {
		wr(b, 0x28, 8, shoff, be);
		wr(b, 0x34, 2, 64, be);
		wr(b, 0x3a, 2, shent, be);
		wr(b, 0x3c, 2, 5, be);
	} else {
		wr(b, 0x20, 4, shoff, be);
		wr(b, 0x28, 2, 52, be);
		wr(b, 0x2e, 2, shent, be);
		wr(b, 0x30, 2, 5, be);
	}
	/* .rodata: version, type, name */
	wr(b, 0x100, 4, im->version, be);
	snprintf((char *)b + 0x108, 24, "%s", type);
	snprintf((char *)b + 0x120, 32, "%s", name);
	/* .dynstr */
	memset(strtab, 0, sizeof(strtab));
#define ADD(s) (sp += strlen(strcpy(strtab + sp, (s))) + 1, sp - strlen(s) - 1)
	n_other = ADD("slurm_spank_init");
	n_ver = ADD(vs);
	n_type = ADD("plugin_type");
	n_name = ADD("plugin_name");
#undef ADD
	memcpy(b + 0x200, strtab, sp);
	/* .dynsym */
	syms[0].name = 0; syms[0].value = 0; syms[0].size = 0; syms[0].shndx = 0;
	syms[1].name = n_other; syms[1].value = 0; syms[1].size = 0;
	syms[1].shndx = 0;   /* undefined: skipped */
	syms[2].name = n_ver;
	syms[2].value = (im->version_in_bss ? 0x3000 : 0x2100) +
			im->version_addr_delta;
	syms[2].size = im->version_size ? im->version_size : 4;
	syms[2].shndx = im->version_in_bss ? 4 : 1;
	syms[3].name = n_type; syms[3].value = 0x2108;
	syms[3].size = strlen(type) + 1; syms[3].shndx = 1;
	syms[4].name = n_name; syms[4].value = 0x2120;
	syms[4].size = strlen(name) + 1; syms[4].shndx = 1;
	for (int i = 0; i < 5; i++) {
		size_t o = 0x300 + (size_t)i * syment;

		wr(b, o, 4, syms[i].name, be);
		if (w) {
			b[o + 4] = 0x11;   /* STB_GLOBAL, STT_OBJECT */
			wr(b, o + 6, 2, syms[i].shndx, be);
			wr(b, o + 8, 8, syms[i].value, be);
			wr(b, o + 16, 8, syms[i].size, be);
		} else {
			wr(b, o + 4, 4, syms[i].value, be);
			wr(b, o + 8, 4, syms[i].size, be);
			b[o + 12] = 0x11;
			wr(b, o + 14, 2, syms[i].shndx, be);
		}
	}
	/* section headers */
	{
		struct { unsigned type; uint64_t addr, off, size, link, ent; } sh[5] = {
			{ 0, 0, 0, 0, 0, 0 },
			{ 1, 0x2100, 0x100, 0x40, 0, 0 },             /* PROGBITS */
			{ 3, 0, 0x200, sp, 0, 0 },                    /* STRTAB */
			{ 11, 0, 0x300, 5 * syment, 2, syment },      /* DYNSYM */
			{ 8, 0x3000, 0x500, 0x100, 0, 0 },            /* NOBITS */
		};

		for (int i = 0; i < 5; i++) {
			size_t o = shoff + (size_t)i * shent;

			wr(b, o + 4, 4, sh[i].type, be);
			if (w) {
				wr(b, o + 16, 8, sh[i].addr, be);
				wr(b, o + 24, 8, sh[i].off, be);
				wr(b, o + 32, 8, sh[i].size, be);
				wr(b, o + 40, 4, sh[i].link, be);
				wr(b, o + 56, 8, sh[i].ent, be);
			} else {
				wr(b, o + 12, 4, sh[i].addr, be);
				wr(b, o + 16, 4, sh[i].off, be);
				wr(b, o + 20, 4, sh[i].size, be);
				wr(b, o + 24, 4, sh[i].link, be);
				wr(b, o + 36, 4, sh[i].ent, be);
			}
		}
	}
	return shoff + 5 * shent;
}

static void write_plugin(const char *path, uint32_t version, const char *type)
{
	unsigned char b[IMG_LEN];
	img_t im = { .is64 = true, .version = version, .type = type };
	size_t len = make_elf(&im, b);

	write_file(path, b, len);
}

/* ------------------------------------------------------------ ELF tests */

static void parse_elf64_le(void **state)
{
	unsigned char b[IMG_LEN];
	img_t im = { .is64 = true, .version = 0x160508 };
	sl_plugin_info_t pi;
	char msg[256] = "";
	size_t len = make_elf(&im, b);

	(void)state;
	assert_int_equal(sl_plugin_info_parse(b, len, &pi, msg, sizeof(msg)), 0);
	assert_int_equal(pi.version, 0x160508);
	assert_string_equal(pi.type, "spank");
	assert_string_equal(pi.name, "swaplimit");
}

static void parse_every_class_and_order(void **state)
{
	(void)state;
	for (int w = 0; w < 2; w++) {
		for (int be = 0; be < 2; be++) {
			unsigned char b[IMG_LEN];
			img_t im = { .is64 = w, .be = be, .version = 0x180b05,
				     .name = "x" };
			sl_plugin_info_t pi;
			char msg[256] = "";
			size_t len = make_elf(&im, b);

			assert_int_equal(sl_plugin_info_parse(b, len, &pi, msg,
							      sizeof(msg)), 0);
			assert_int_equal(pi.version, 0x180b05);
			assert_string_equal(pi.type, "spank");
			assert_string_equal(pi.name, "x");
		}
	}
}

static void parse_refuses_what_is_not_a_plugin(void **state)
{
	unsigned char b[IMG_LEN];
	sl_plugin_info_t pi;
	char msg[256];
	img_t im = { .is64 = true, .version = 0x160508 };
	size_t len;

	(void)state;
	assert_int_equal(sl_plugin_info_parse((const unsigned char *)"#!/bin/sh\n",
					      10, &pi, msg, sizeof(msg)), -1);
	assert_string_equal(msg, "not an ELF file");
	assert_int_equal(sl_plugin_info_parse(NULL, 0, &pi, msg, sizeof(msg)), -1);

	len = make_elf(&im, b);
	b[16] = 2;   /* ET_EXEC */
	assert_int_equal(sl_plugin_info_parse(b, len, &pi, msg, sizeof(msg)), -1);
	assert_string_equal(msg, "not an ELF shared object");

	len = make_elf(&im, b);
	b[4] = 3;    /* no such class */
	assert_int_equal(sl_plugin_info_parse(b, len, &pi, msg, sizeof(msg)), -1);
	assert_string_equal(msg, "unknown ELF class or byte order");

	im.version_sym = "plugin_versiom";
	len = make_elf(&im, b);
	assert_int_equal(sl_plugin_info_parse(b, len, &pi, msg, sizeof(msg)), -1);
	assert_string_equal(msg, "not a Slurm plugin: no plugin_version symbol");
}

static void parse_refuses_bad_symbols(void **state)
{
	unsigned char b[IMG_LEN];
	sl_plugin_info_t pi;
	char msg[256];
	size_t len;
	img_t bss = { .is64 = true, .version = 1, .version_in_bss = true };
	img_t oob = { .is64 = true, .version = 1, .version_addr_delta = 0x3e };
	img_t far = { .is64 = true, .version = 1,
		      .version_addr_delta = 0xffffffffffff0000ull };
	img_t big = { .is64 = true, .version = 1, .version_size = 8 };

	(void)state;
	len = make_elf(&bss, b);
	assert_int_equal(sl_plugin_info_parse(b, len, &pi, msg, sizeof(msg)), -1);
	assert_true(contains(msg, "zero-filled section"));
	len = make_elf(&oob, b);
	assert_int_equal(sl_plugin_info_parse(b, len, &pi, msg, sizeof(msg)), -1);
	assert_true(contains(msg, "outside its section"));
	len = make_elf(&far, b);
	assert_int_equal(sl_plugin_info_parse(b, len, &pi, msg, sizeof(msg)), -1);
	assert_true(contains(msg, "outside its section"));
	len = make_elf(&big, b);
	assert_int_equal(sl_plugin_info_parse(b, len, &pi, msg, sizeof(msg)), -1);
	assert_string_equal(msg, "symbol plugin_version is 8 bytes, not 4");
}

/* Every truncation fails cleanly; every single-byte corruption returns
 * either way without reading out of bounds (ASan in unit-san). */
static void parse_truncated_and_corrupted(void **state)
{
	(void)state;
	for (int w = 0; w < 2; w++) {
		unsigned char b[IMG_LEN], c[IMG_LEN];
		img_t im = { .is64 = w, .be = w, .version = 0x160508 };
		size_t len = make_elf(&im, b);
		sl_plugin_info_t pi;
		char msg[256];

		/* the parser needs everything up to the .dynsym header */
		for (size_t n = 0; n < len; n++) {
			unsigned char *t = malloc(n ? n : 1);
			int rc;

			assert_non_null(t);
			memcpy(t, b, n);
			rc = sl_plugin_info_parse(t, n, &pi, msg, sizeof(msg));
			free(t);
			if (n < 0x400 + 4 * (w ? 64u : 40u)) {
				assert_int_equal(rc, -1);
			} else {
				assert_int_equal(rc, 0);
				assert_int_equal(pi.version, 0x160508);
			}
		}
		for (size_t i = 0; i < len; i++) {
			static const unsigned char v[] = { 0x00, 0xff, 0x80, 0x7f };

			for (size_t k = 0; k < sizeof(v); k++) {
				int rc;

				memcpy(c, b, len);
				c[i] = v[k];
				rc = sl_plugin_info_parse(c, len, &pi, msg,
							  sizeof(msg));
				assert_true(rc == 0 || rc == -1);
			}
		}
	}
}

static void read_files(void **state)
{
	sl_plugin_info_t pi;
	char msg[512];

	(void)state;
	write_plugin(tpath("swaplimit.so"), 0x160508, "spank");
	assert_int_equal(sl_plugin_info_read(tpath("swaplimit.so"), &pi, msg,
					     sizeof(msg)), 0);
	assert_int_equal(pi.version, 0x160508);

	assert_int_equal(sl_plugin_info_read(tpath("none.so"), &pi, msg,
					     sizeof(msg)), -1);
	assert_true(contains(msg, "cannot open "));
	assert_true(contains(msg, "No such file or directory"));

	assert_int_equal(sl_plugin_info_read(tmpdir, &pi, msg, sizeof(msg)), -1);
	assert_true(contains(msg, "is not a regular file"));

	write_text(tpath("empty.so"), "");
	assert_int_equal(sl_plugin_info_read(tpath("empty.so"), &pi, msg,
					     sizeof(msg)), -1);
	assert_true(contains(msg, "empty.so: not an ELF file"));

	/* a real ELF made by the toolchain: this PIE test binary */
	assert_int_equal(sl_plugin_info_read("/proc/self/exe", &pi, msg,
					     sizeof(msg)), -1);
	assert_true(contains(msg, "not a Slurm plugin: no plugin_version"));
}

/* One of Slurm's own plugins, built with the libslurm-dev we build with,
 * records that SLURM_VERSION_NUMBER. */
static void read_slurms_own_plugin(void **state)
{
	static const char *const cands[] = {
		"/usr/lib/x86_64-linux-gnu/slurm-wlm/auth_munge.so",
		"/usr/lib/aarch64-linux-gnu/slurm-wlm/auth_munge.so",
		"/usr/lib64/slurm/auth_munge.so",
		"/usr/lib/slurm/auth_munge.so",
	};
	sl_plugin_info_t pi;
	char msg[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		if (access(cands[i], R_OK) != 0)
			continue;
		assert_int_equal(sl_plugin_info_read(cands[i], &pi, msg,
						     sizeof(msg)), 0);
		assert_int_equal(pi.version, SLURM_VERSION_NUMBER);
		assert_string_equal(pi.type, "auth/munge");
		return;
	}
	skip();
}

static void release_names(void **state)
{
	char b[16];

	(void)state;
	sl_slurm_release_format(0x160508, 1, b, sizeof(b));
	assert_string_equal(b, "22.05.8");
	sl_slurm_release_format(0x180b05, 0, b, sizeof(b));
	assert_string_equal(b, "24.11");
	sl_slurm_release_format(0x1a0503, 1, b, sizeof(b));
	assert_string_equal(b, "26.05.3");
	assert_int_equal(sl_slurm_release_of_api(38), 0x160500);
	assert_int_equal(sl_slurm_release_of_api(40), 0x170b00);
	assert_int_equal(sl_slurm_release_of_api(42), 0x180b00);
	assert_int_equal(sl_slurm_release_of_api(45), 0x1a0500);
	assert_int_equal(sl_slurm_release_of_api(99), 0);
	assert_int_equal(sl_slurm_release_of_api(0), 0);
}

/* ------------------------------------------------------ plugstack.conf */

static void find_so_in_site_plugstack(void **state)
{
	sl_plugstack_so_t so;
	char msg[512];

	(void)state;
	assert_int_equal(sl_plugstack_find_so("tests/cli/plugstack-include.conf",
					      &so, msg, sizeof(msg)), 1);
	assert_string_equal(so.kind, "required");
	assert_string_equal(so.path,
			    "/usr/lib/x86_64-linux-gnu/slurm-wlm/swaplimit.so");
	assert_true(contains(so.file, "plugstack.d/20-swaplimit.conf"));
	assert_int_equal(so.line, 2);

	write_text(tpath("p.conf"), "# nothing\noptional /x/other.so\n");
	assert_int_equal(sl_plugstack_find_so(tpath("p.conf"), &so, msg,
					      sizeof(msg)), 0);
	assert_int_equal(sl_plugstack_find_so(tpath("nope.conf"), &so, msg,
					      sizeof(msg)), -1);
	assert_true(contains(msg, "cannot open "));
}

/* ------------------------------------------------------------ reports */

static char *out_s;

static int report(const char *plugstack, uint32_t running)
{
	size_t n = 0;
	FILE *f;
	int rc;

	free(out_s);
	out_s = NULL;
	f = open_memstream(&out_s, &n);
	assert_non_null(f);
	rc = sl_release_report(plugstack, running, "test", f);
	fclose(f);
	return rc;
}

static void report_match_optional(void **state)
{
	char ps[PATH_MAX + 64], want[PATH_MAX + 256];

	(void)state;
	mkdir(tpath("lib"), 0755);
	write_plugin(tpath("lib/swaplimit.so"), 0x160508, "spank");
	snprintf(ps, sizeof(ps), "optional %s rules=default()=0\n",
		 tpath("lib/swaplimit.so"));
	write_text(tpath("ps.conf"), ps);
	assert_int_equal(report(tpath("ps.conf"), 0x160500), 0);
	snprintf(want, sizeof(want), "swaplimit: release: plugin %s (%s:1, "
		 "optional) was built for Slurm 22.05.8\n"
		 "swaplimit: release: this machine runs Slurm 22.05 (test)\n"
		 "swaplimit: release: ok: Slurm 22.05 loads a SPANK plugin "
		 "built for 22.05.8 (major and minor match)\n",
		 tpath("lib/swaplimit.so"), tpath("ps.conf"));
	assert_string_equal(out_s, want);
}

static void report_match_required_warns(void **state)
{
	char ps[PATH_MAX + 64];

	(void)state;
	mkdir(tpath("lib"), 0755);
	write_plugin(tpath("lib/swaplimit.so"), 0x160502, "spank");
	snprintf(ps, sizeof(ps), "required %s rules=default()=0\n",
		 tpath("lib/swaplimit.so"));
	write_text(tpath("ps.conf"), ps);
	/* a micro release apart: still loads */
	assert_int_equal(report(tpath("ps.conf"), 0x160508), 0);
	assert_true(contains(out_s, "release: ok: Slurm 22.05 loads a SPANK "
			     "plugin built for 22.05.2"));
	assert_true(contains(out_s, ":1 loads swaplimit.so as 'required': "
			     "after a Slurm upgrade"));
	assert_true(contains(out_s, "use 'optional'"));
}

static void report_mismatch(void **state)
{
	char ps[PATH_MAX + 64];

	(void)state;
	mkdir(tpath("lib"), 0755);
	write_plugin(tpath("lib/swaplimit.so"), 0x180b05, "spank");
	snprintf(ps, sizeof(ps), "required %s rules=default()=0\n",
		 tpath("lib/swaplimit.so"));
	write_text(tpath("ps.conf"), ps);
	assert_int_equal(report(tpath("ps.conf"), 0x160500), 1);
	assert_true(contains(out_s, "swaplimit: error: release: "));
	assert_true(contains(out_s, "was built for Slurm 24.11.5 but this "
			     "machine runs Slurm 22.05: Slurm refuses to load "
			     "it (\"Incompatible Slurm plugin\"), and as "
			     "'required' it aborts the plugin stack: every "
			     "srun, sbatch and job step on this node fails"));

	snprintf(ps, sizeof(ps), "optional %s rules=default()=0\n",
		 tpath("lib/swaplimit.so"));
	write_text(tpath("ps.conf"), ps);
	assert_int_equal(report(tpath("ps.conf"), 0x160500), 1);
	assert_true(contains(out_s, "; as 'optional', jobs run without swap "
			     "limits; rebuild and reinstall"));
}

/* Slurm's own plugins next to swaplimit.so are what slurmstepd loads: they
 * decide, and a libslurm of another release is pointed out. */
static void report_slurms_plugins_decide(void **state)
{
	char ps[PATH_MAX + 64];

	(void)state;
	mkdir(tpath("lib2"), 0755);
	write_plugin(tpath("lib2/swaplimit.so"), 0x160508, "spank");
	write_plugin(tpath("lib2/auth_munge.so"), 0x180b05, "auth/munge");
	snprintf(ps, sizeof(ps), "optional %s\n", tpath("lib2/swaplimit.so"));
	write_text(tpath("ps.conf"), ps);
	assert_int_equal(report(tpath("ps.conf"), 0x160500), 1);
	assert_true(contains(out_s, "release: Slurm's own plugins there are "
			     "Slurm 24.11.5 ("));
	assert_true(contains(out_s, "half-upgraded?"));
	assert_true(contains(out_s, "built for Slurm 22.05.8 but this machine "
			     "runs Slurm 24.11"));
	/* libslurm unknown: the plugins alone decide */
	assert_int_equal(report(tpath("ps.conf"), 0), 1);
	assert_false(contains(out_s, "half-upgraded"));
}

static void report_cannot_tell(void **state)
{
	char ps[PATH_MAX + 64];

	(void)state;
	mkdir(tpath("lib3"), 0755);
	write_plugin(tpath("lib3/swaplimit.so"), 0x160508, "spank");
	snprintf(ps, sizeof(ps), "required %s\n", tpath("lib3/swaplimit.so"));
	write_text(tpath("ps.conf"), ps);
	assert_int_equal(report(tpath("ps.conf"), 0), 0);
	assert_true(contains(out_s, "warning: release: the running Slurm "
			     "release is unknown (test); compare with "
			     "`slurmd -V`"));

	/* missing plugin file */
	snprintf(ps, sizeof(ps), "required %s\n", tpath("lib3/none/swaplimit.so"));
	write_text(tpath("ps.conf"), ps);
	assert_int_equal(report(tpath("ps.conf"), 0x160500), 0);
	assert_true(contains(out_s, "swaplimit: warning: release: "));
	assert_true(contains(out_s, "No such file or directory; Slurm cannot "
			     "load it on this machine, and as 'required' it "
			     "makes every job launch here fail"));

	/* relative path: Slurm searches PluginDir */
	write_text(tpath("ps.conf"), "optional swaplimit.so rules=default()=0\n");
	assert_int_equal(report(tpath("ps.conf"), 0x160500), 0);
	assert_true(contains(out_s, "'swaplimit.so' is a relative path"));

	/* no swaplimit line, unreadable file: reported by the rules part */
	write_text(tpath("ps.conf"), "optional /x/other.so\n");
	assert_int_equal(report(tpath("ps.conf"), 0x160500), 0);
	assert_string_equal(out_s, "");
	assert_int_equal(report(tpath("nope.conf"), 0x160500), 0);
	assert_string_equal(out_s, "");
}

/* Against this process's libslurm: the release of the libslurm-dev we were
 * built with (same package). */
static void check_against_this_libslurm(void **state)
{
	char ps[PATH_MAX + 64], want[64], *s = NULL;
	size_t n = 0;
	FILE *f;

	(void)state;
	mkdir(tpath("lib4"), 0755);
	write_plugin(tpath("lib4/swaplimit.so"), SLURM_VERSION_NUMBER, "spank");
	snprintf(ps, sizeof(ps), "optional %s\n", tpath("lib4/swaplimit.so"));
	write_text(tpath("ps.conf"), ps);
	f = open_memstream(&s, &n);
	assert_non_null(f);
	assert_int_equal(sl_cli_release_check(tpath("ps.conf"), f), 0);
	fclose(f);
	snprintf(want, sizeof(want), "this machine runs Slurm %u.%02u (libslurm API ",
		 SLURM_VERSION_MAJOR(SLURM_VERSION_NUMBER),
		 SLURM_VERSION_MINOR(SLURM_VERSION_NUMBER));
	assert_true(contains(s, want));
	assert_true(contains(s, "libslurm.so"));
	assert_true(contains(s, "release: ok: "));
	free(s);
}

static int setup_all(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sl-test-release-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_all(void **state)
{
	char cmd[128];

	(void)state;
	free(out_s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_elf64_le),
		cmocka_unit_test(parse_every_class_and_order),
		cmocka_unit_test(parse_refuses_what_is_not_a_plugin),
		cmocka_unit_test(parse_refuses_bad_symbols),
		cmocka_unit_test(parse_truncated_and_corrupted),
		cmocka_unit_test(read_files),
		cmocka_unit_test(read_slurms_own_plugin),
		cmocka_unit_test(release_names),
		cmocka_unit_test(find_so_in_site_plugstack),
		cmocka_unit_test(report_match_optional),
		cmocka_unit_test(report_match_required_warns),
		cmocka_unit_test(report_mismatch),
		cmocka_unit_test(report_slurms_plugins_decide),
		cmocka_unit_test(report_cannot_tell),
		cmocka_unit_test(check_against_this_libslurm),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
