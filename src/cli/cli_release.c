/*
 * `swaplimit check --plugstack`: which Slurm release the swaplimit.so that
 * plugstack.conf loads was built for, against the Slurm this machine runs.
 *
 * Slurm refuses a SPANK plugin whose `plugin_version` symbol (set to
 * SLURM_VERSION_NUMBER at build time by SPANK_PLUGIN()) differs from its
 * own release in major or minor (src/common/plugin.c, _verify_syms(),
 * mask 0xffff00 for type "spank", the same in 22.05 and 24.11). With
 * `required` in plugstack.conf that failure aborts the whole plugin stack:
 * every srun, sbatch and job step on the node fails.
 *
 * The plugin file is READ, never loaded: dlopen() (even RTLD_LAZY) would
 * run the file's constructors as whoever runs `swaplimit check` (root, on
 * a node) and would fail anyway on a plugin linked -z now against
 * slurmstepd's spank_* symbols, or built for another libc. Instead the
 * ELF section headers, the dynamic symbol table and its string table are
 * parsed from a copy in memory, every offset bounds-checked.
 *
 * The running release comes from libslurm at run time (slurm_api_version()
 * gives its API number, one per release: 38 is 22.05, 42 is 24.11) and,
 * more exactly, from Slurm's own plugins in the swaplimit.so's directory
 * (they record the full release, micro included, and they are what the
 * installed slurmstepd loads next to it).
 */
#include "msg.h"
#include "cli_release.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <slurm/slurm.h>

/* ------------------------------------------------------------ ELF reader */

typedef struct {
	const unsigned char *b;
	size_t len;
	bool is64, be;
} elf_t;

/* Read an n-byte unsigned integer at off; false when out of bounds. */
static bool rd(const elf_t *e, uint64_t off, unsigned n, uint64_t *v)
{
	uint64_t x = 0;

	if (off > e->len || n > e->len - off)
		return false;
	for (unsigned i = 0; i < n; i++) {
		unsigned k = e->be ? i : n - 1 - i;

		x = (x << 8) | e->b[off + k];
	}
	*v = x;
	return true;
}

typedef struct {
	uint64_t type, addr, off, size, link, entsize;
} shdr_t;

static bool read_shdr(const elf_t *e, uint64_t shoff, uint64_t shentsize,
		      uint64_t i, shdr_t *s)
{
	uint64_t base;

	if (i > (UINT64_MAX - shoff) / shentsize)
		return false;
	base = shoff + i * shentsize;
	if (e->is64)
		return rd(e, base + 4, 4, &s->type) &&
		       rd(e, base + 16, 8, &s->addr) &&
		       rd(e, base + 24, 8, &s->off) &&
		       rd(e, base + 32, 8, &s->size) &&
		       rd(e, base + 40, 4, &s->link) &&
		       rd(e, base + 56, 8, &s->entsize);
	return rd(e, base + 4, 4, &s->type) && rd(e, base + 12, 4, &s->addr) &&
	       rd(e, base + 16, 4, &s->off) && rd(e, base + 20, 4, &s->size) &&
	       rd(e, base + 24, 4, &s->link) &&
	       rd(e, base + 36, 4, &s->entsize);
}

/* Where in the file the object at virtual address `addr`, `size` bytes,
 * of section `shndx` lies. false with a message when it does not. */
static bool sym_file_off(const elf_t *e, uint64_t shoff, uint64_t shentsize,
			 uint64_t shnum, uint64_t shndx, uint64_t addr,
			 uint64_t size, const char *what, uint64_t *off,
			 char *msg, size_t msglen)
{
	shdr_t s;

	if (shndx == SHN_UNDEF || shndx >= SHN_LORESERVE || shndx >= shnum ||
	    !read_shdr(e, shoff, shentsize, shndx, &s)) {
		sl_msgf(msg, msglen, "symbol %s is not defined in a section "
			"of the file", what);
		return false;
	}
	if (s.type == SHT_NOBITS) {
		sl_msgf(msg, msglen, "symbol %s has no value in the file "
			"(it is in a zero-filled section)", what);
		return false;
	}
	if (addr < s.addr || addr - s.addr > s.size ||
	    size > s.size - (addr - s.addr) ||
	    s.off > UINT64_MAX - (addr - s.addr) ||
	    s.off + (addr - s.addr) > e->len ||
	    size > e->len - (s.off + (addr - s.addr))) {
		sl_msgf(msg, msglen, "symbol %s lies outside its section or "
			"the file (truncated or corrupt file)", what);
		return false;
	}
	*off = s.off + (addr - s.addr);
	return true;
}

/* Copy a NUL-terminated printable string of at most `max` bytes at off. */
static bool copy_str(const elf_t *e, uint64_t off, uint64_t max, char *dst,
		     size_t dstlen)
{
	size_t n = 0;

	while (n < max && off + n < e->len && e->b[off + n]) {
		unsigned char c = e->b[off + n];

		if (c < 0x20 || c > 0x7e || n + 1 >= dstlen)
			return false;
		dst[n++] = (char)c;
	}
	if (n >= max || off + n >= e->len)
		return false;   /* no NUL inside the object */
	dst[n] = '\0';
	return true;
}

int sl_plugin_info_parse(const unsigned char *buf, size_t len,
			 sl_plugin_info_t *pi, char *msg, size_t msglen)
{
	elf_t e = { .b = buf, .len = len };
	uint64_t shoff, shentsize, shnum, v;
	shdr_t sym, str;
	uint64_t symi = 0;
	bool have_ver = false, have_type = false, have_name = false;

	memset(pi, 0, sizeof(*pi));
	if (!buf || len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG) != 0) {
		sl_msgf(msg, msglen, "not an ELF file");
		return -1;
	}
	if ((buf[EI_CLASS] != ELFCLASS32 && buf[EI_CLASS] != ELFCLASS64) ||
	    (buf[EI_DATA] != ELFDATA2LSB && buf[EI_DATA] != ELFDATA2MSB)) {
		sl_msgf(msg, msglen, "unknown ELF class or byte order");
		return -1;
	}
	e.is64 = buf[EI_CLASS] == ELFCLASS64;
	e.be = buf[EI_DATA] == ELFDATA2MSB;
	if (!rd(&e, 16, 2, &v) || v != ET_DYN) {
		sl_msgf(msg, msglen, "not an ELF shared object");
		return -1;
	}
	if (!(e.is64 ? rd(&e, 0x28, 8, &shoff) && rd(&e, 0x3a, 2, &shentsize) &&
		       rd(&e, 0x3c, 2, &shnum)
		     : rd(&e, 0x20, 4, &shoff) && rd(&e, 0x2e, 2, &shentsize) &&
		       rd(&e, 0x30, 2, &shnum))) {
		sl_msgf(msg, msglen, "truncated ELF header");
		return -1;
	}
	if (shnum == 0 || shentsize < (e.is64 ? 64u : 40u) || shoff >= len) {
		sl_msgf(msg, msglen, "no usable section headers (stripped of "
			"them, or corrupt)");
		return -1;
	}
	/* The dynamic symbol table: what the loader itself searches. */
	for (uint64_t i = 1; i < shnum; i++) {
		shdr_t s;

		if (!read_shdr(&e, shoff, shentsize, i, &s)) {
			sl_msgf(msg, msglen, "truncated section headers");
			return -1;
		}
		if (s.type == SHT_DYNSYM) {
			sym = s;
			symi = i;
			break;
		}
	}
	if (!symi) {
		sl_msgf(msg, msglen, "no dynamic symbol table: not a plugin");
		return -1;
	}
	if (sym.entsize < (e.is64 ? 24u : 16u) || sym.link >= shnum ||
	    !read_shdr(&e, shoff, shentsize, sym.link, &str) ||
	    str.type != SHT_STRTAB || sym.off > len ||
	    sym.size > len - sym.off || str.off > len ||
	    str.size > len - str.off) {
		sl_msgf(msg, msglen, "corrupt dynamic symbol table");
		return -1;
	}
	for (uint64_t i = 1; i < sym.size / sym.entsize; i++) {
		uint64_t base = sym.off + i * sym.entsize;
		uint64_t name, value, size, shndx, off;
		char nm[32];

		if (!(e.is64 ? rd(&e, base, 4, &name) &&
			       rd(&e, base + 6, 2, &shndx) &&
			       rd(&e, base + 8, 8, &value) &&
			       rd(&e, base + 16, 8, &size)
			     : rd(&e, base, 4, &name) &&
			       rd(&e, base + 4, 4, &value) &&
			       rd(&e, base + 8, 4, &size) &&
			       rd(&e, base + 14, 2, &shndx)))
			break;
		if (name >= str.size ||
		    !copy_str(&e, str.off + name, str.size - name, nm,
			      sizeof(nm)))
			continue;   /* a long or odd name: not one of ours */
		if (strcmp(nm, "plugin_version") == 0 && !have_ver) {
			if (size != 4) {
				sl_msgf(msg, msglen, "symbol plugin_version "
					"is %llu bytes, not 4",
					(unsigned long long)size);
				return -1;
			}
			if (!sym_file_off(&e, shoff, shentsize, shnum, shndx,
					  value, 4, nm, &off, msg, msglen) ||
			    !rd(&e, off, 4, &v))
				return -1;
			pi->version = (uint32_t)v;
			have_ver = true;
		} else if ((strcmp(nm, "plugin_type") == 0 && !have_type) ||
			   (strcmp(nm, "plugin_name") == 0 && !have_name)) {
			bool t = nm[7] == 't';
			char *dst = t ? pi->type : pi->name;
			size_t dl = t ? sizeof(pi->type) : sizeof(pi->name);

			if (!sym_file_off(&e, shoff, shentsize, shnum, shndx,
					  value, size, nm, &off, msg, msglen))
				return -1;
			if (!copy_str(&e, off, size, dst, dl)) {
				sl_msgf(msg, msglen, "symbol %s is not a short "
					"printable string", nm);
				return -1;
			}
			if (t)
				have_type = true;
			else
				have_name = true;
		}
	}
	if (!have_ver || !have_type || !have_name) {
		sl_msgf(msg, msglen, "not a Slurm plugin: no %s symbol",
			!have_ver ? "plugin_version" :
			!have_type ? "plugin_type" : "plugin_name");
		return -1;
	}
	return 0;
}

int sl_plugin_info_read(const char *path, sl_plugin_info_t *pi, char *msg,
			size_t msglen)
{
	struct stat st;
	unsigned char *buf;
	size_t got = 0;
	int fd, rc;

	memset(pi, 0, sizeof(*pi));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		sl_msgf(msg, msglen, "cannot open %s: %s", path,
			strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		sl_msgf(msg, msglen, "%s is not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size > (off_t)SL_PLUGIN_FILE_MAX) {
		sl_msgf(msg, msglen, "%s is larger than %u MiB: not a plugin",
			path, SL_PLUGIN_FILE_MAX >> 20);
		close(fd);
		return -1;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		sl_msgf(msg, msglen, "out of memory reading %s", path);
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sl_msgf(msg, msglen, "cannot read %s: %s", path,
				strerror(errno));
			free(buf);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;   /* shrank meanwhile: parse what is there */
		got += (size_t)n;
	}
	close(fd);
	rc = sl_plugin_info_parse(buf, got, pi, msg, msglen);
	if (rc < 0 && msg && msglen) {
		char inner[256];

		snprintf(inner, sizeof(inner), "%s", msg);
		sl_msgf(msg, msglen, "%s: %s", path, inner);
	}
	free(buf);
	return rc;
}

/* -------------------------------------------------------------- releases */

void sl_slurm_release_format(uint32_t v, int with_micro, char *buf,
			     size_t len)
{
	if (with_micro)
		snprintf(buf, len, "%u.%02u.%u", (v >> 16) & 0xff,
			 (v >> 8) & 0xff, v & 0xff);
	else
		snprintf(buf, len, "%u.%02u", (v >> 16) & 0xff,
			 (v >> 8) & 0xff);
}

/* API_CURRENT of each release, from the META file of Slurm's source. */
static const struct { unsigned api, major, minor; } api_table[] = {
	{ 36, 20, 11 }, { 37, 21, 8 }, { 38, 22, 5 }, { 39, 23, 2 },
	{ 40, 23, 11 }, { 41, 24, 5 }, { 42, 24, 11 }, { 43, 25, 5 },
	{ 44, 25, 11 }, { 45, 26, 5 },
};

uint32_t sl_slurm_release_of_api(unsigned api)
{
	for (size_t i = 0; i < sizeof(api_table) / sizeof(api_table[0]); i++)
		if (api_table[i].api == api)
			return SLURM_VERSION_NUM(api_table[i].major,
						 api_table[i].minor, 0);
	return 0;
}

/* ------------------------------------------------------- plugstack.conf */

#define PS_LINE_MAX 4096
#define PS_DEPTH_MAX 16

static int ps_file(const char *path, int depth, bool missing_ok,
		   sl_plugstack_so_t *so, char *msg, size_t msglen);

static bool is_swaplimit_so(const char *p)
{
	const char *b = strrchr(p, '/');

	return strcmp(b ? b + 1 : p, "swaplimit.so") == 0;
}

static int ps_include(const char *from, const char *pattern, int depth,
		      sl_plugstack_so_t *so, char *msg, size_t msglen)
{
	char full[PATH_MAX];
	glob_t g;
	int rc = 0;

	if (pattern[0] == '/') {
		snprintf(full, sizeof(full), "%s", pattern);
	} else {
		const char *slash = strrchr(from, '/');
		int dl = slash ? (int)(slash - from) : 1;

		snprintf(full, sizeof(full), "%.*s/%s", dl,
			 slash ? from : ".", pattern);
	}
	memset(&g, 0, sizeof(g));
	if (glob(full, 0, NULL, &g) != 0) {
		globfree(&g);
		return 0;   /* no match is not an error for Slurm */
	}
	for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
		rc = ps_file(g.gl_pathv[i], depth + 1, true, so, msg, msglen);
	globfree(&g);
	return rc;
}

static int ps_file(const char *path, int depth, bool missing_ok,
		   sl_plugstack_so_t *so, char *msg, size_t msglen)
{
	char line[PS_LINE_MAX + 2];
	unsigned n = 0;
	FILE *f;
	int rc = 0;

	if (depth > PS_DEPTH_MAX) {
		sl_msgf(msg, msglen, "%s: includes nested more than %d deep",
			path, PS_DEPTH_MAX);
		return -1;
	}
	f = fopen(path, "re");
	if (!f) {
		if (missing_ok && errno == ENOENT)
			return 0;
		sl_msgf(msg, msglen, "cannot open %s: %s", path,
			strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		char *save = NULL, *kind, *p, *hash = strchr(line, '#');

		n++;
		if (hash)
			*hash = '\0';
		kind = strtok_r(line, " \t\r\n", &save);
		p = kind ? strtok_r(NULL, " \t\r\n", &save) : NULL;
		if (!kind || !p)
			continue;
		if (strcmp(kind, "include") == 0) {
			rc = ps_include(path, p, depth, so, msg, msglen);
		} else if ((strcmp(kind, "required") == 0 ||
			    strcmp(kind, "optional") == 0) &&
			   is_swaplimit_so(p)) {
			snprintf(so->kind, sizeof(so->kind), "%s", kind);
			snprintf(so->path, sizeof(so->path), "%s", p);
			snprintf(so->file, sizeof(so->file), "%s", path);
			so->line = n;
			rc = 1;
		}
	}
	fclose(f);
	return rc;
}

int sl_plugstack_find_so(const char *plugstack, sl_plugstack_so_t *so,
			 char *msg, size_t msglen)
{
	memset(so, 0, sizeof(*so));
	return ps_file(plugstack, 0, false, so, msg, msglen);
}

/* ---------------------------------------------------------------- report */

/* Slurm's own plugins, one of which is in every Slurm plugin directory
 * that slurmd/slurmstepd use; they record the full release. */
static const char *const slurm_own[] = {
	"auth_munge.so", "cred_munge.so", "task_cgroup.so",
	"proctrack_cgroup.so", "select_cons_tres.so", "task_affinity.so",
	"proctrack_linuxproc.so", "auth_slurm.so",
};

/* The release recorded by one of Slurm's own plugins in dir; 0 if none. */
static uint32_t slurm_plugins_release(const char *dir, char *which,
				      size_t wlen)
{
	for (size_t i = 0; i < sizeof(slurm_own) / sizeof(slurm_own[0]); i++) {
		char p[PATH_MAX];
		sl_plugin_info_t pi;

		if (snprintf(p, sizeof(p), "%s/%s", dir, slurm_own[i]) >=
		    (int)sizeof(p) || access(p, R_OK) != 0 ||
		    sl_plugin_info_read(p, &pi, NULL, 0) < 0 ||
		    strcmp(pi.type, "spank") == 0)
			continue;
		snprintf(which, wlen, "%s", p);
		return pi.version;
	}
	return 0;
}

#define MAJMIN(v) ((v) & 0xffff00u)

int sl_release_report(const char *plugstack, uint32_t running,
		      const char *running_from, FILE *out)
{
	sl_plugstack_so_t so;
	sl_plugin_info_t pi;
	char msg[512], dir[4096], own[PATH_MAX + 8] = "";
	char built[16], rel[16], ownrel[16];
	uint32_t ownv, ref;
	const char *slash;
	int rc;

	rc = sl_plugstack_find_so(plugstack, &so, msg, sizeof(msg));
	if (rc <= 0) {
		/* the rules were read from it: an unreadable file or no
		 * swaplimit line was reported already */
		return 0;
	}
	if (so.path[0] != '/') {
		fprintf(out, "swaplimit: release: %s:%u: '%s' is a relative path (Slurm "
			"looks for it in PluginDir); give the absolute path "
			"to have its Slurm release checked\n", so.file,
			so.line, so.path);
		return 0;
	}
	if (sl_plugin_info_read(so.path, &pi, msg, sizeof(msg)) < 0) {
		fprintf(out, "swaplimit: warning: release: %s:%u (%s): %s; Slurm cannot "
			"load it on this machine%s\n", so.file, so.line,
			so.kind, msg, strcmp(so.kind, "required") == 0 ?
			", and as 'required' it makes every job launch here "
			"fail" : "");
		return 0;
	}
	sl_slurm_release_format(pi.version, 1, built, sizeof(built));
	fprintf(out, "swaplimit: release: plugin %s (%s:%u, %s) was built for Slurm "
		"%s\n", so.path, so.file, so.line, so.kind, built);
	if (strcmp(pi.type, "spank") != 0)
		fprintf(out, "swaplimit: warning: release: %s is a Slurm '%s' plugin, "
			"not a SPANK plugin\n", so.path, pi.type);

	slash = strrchr(so.path, '/');
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - so.path),
		 so.path);
	if (!dir[0])
		snprintf(dir, sizeof(dir), "/");
	ownv = slurm_plugins_release(dir, own, sizeof(own));
	if (running) {
		sl_slurm_release_format(running, 0, rel, sizeof(rel));
		fprintf(out, "swaplimit: release: this machine runs Slurm %s (%s)\n",
			rel, running_from ? running_from : "libslurm");
	}
	if (ownv) {
		sl_slurm_release_format(ownv, 1, ownrel, sizeof(ownrel));
		fprintf(out, "swaplimit: release: Slurm's own plugins there are Slurm "
			"%s (%s)\n", ownrel, own);
		if (running && MAJMIN(ownv) != MAJMIN(running))
			fprintf(out, "swaplimit: warning: release: libslurm and Slurm's "
				"plugins in %s are of different releases "
				"(half-upgraded?); the plugins' one is what "
				"slurmstepd will be\n", dir);
	}
	ref = ownv ? ownv : running;
	if (!ref) {
		fprintf(out, "swaplimit: warning: release: the running Slurm release "
			"is unknown (%s); compare with `slurmd -V`\n",
			running_from ? running_from : "no libslurm");
		return 0;
	}
	sl_slurm_release_format(ref, 0, rel, sizeof(rel));
	if (MAJMIN(pi.version) == MAJMIN(ref)) {
		fprintf(out, "swaplimit: release: ok: Slurm %s loads a SPANK plugin "
			"built for %s (major and minor match)\n", rel, built);
		if (strcmp(so.kind, "required") == 0)
			fprintf(out, "swaplimit: warning: release: %s:%u loads "
				"swaplimit.so as 'required': after a Slurm "
				"upgrade to another release it fails to load "
				"and then every job launch on the node fails; "
				"use 'optional' (jobs then run without swap "
				"limits, and slurmd logs why)\n", so.file,
				so.line);
		return 0;
	}
	fprintf(out, "swaplimit: error: release: %s was built for Slurm %s but this "
		"machine runs Slurm %s: Slurm refuses to load it "
		"(\"Incompatible Slurm plugin\")%s; rebuild and reinstall "
		"swaplimit against this Slurm (its libslurm-dev / "
		"slurm-devel)\n", so.path, built, rel,
		strcmp(so.kind, "required") == 0 ?
		", and as 'required' it aborts the plugin stack: every srun, "
		"sbatch and job step on this node fails" :
		"; as 'optional', jobs run without swap limits");
	return 1;
}

int sl_cli_release_check(const char *plugstack, FILE *out)
{
	long api = slurm_api_version();
	unsigned cur = (unsigned)((api >> 16) & 0xff);
	uint32_t running = sl_slurm_release_of_api(cur);
	char from[PATH_MAX + 64];
	Dl_info dl;

	memset(&dl, 0, sizeof(dl));
	if (!dladdr((void *)slurm_api_version, &dl) || !dl.dli_fname)
		dl.dli_fname = "libslurm";
	if (snprintf(from, sizeof(from), "libslurm API %u, %s%s", cur,
		     dl.dli_fname, running ? "" : ": a release newer than "
		     "this swaplimit knows") >= (int)sizeof(from))
		snprintf(from, sizeof(from), "libslurm API %u", cur);
	return sl_release_report(plugstack, running, from, out);
}
