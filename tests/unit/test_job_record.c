/*
 * The job prolog's record (src/node/job_record.c): round trips, two
 * nodes sharing one record_dir, and every refusal (links, owners, modes,
 * names that would escape the directory, forged contents).
 *
 * job_record.o is linked into the test binaries (NODE_OBJ): it has no
 * SPANK calls.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job_record.h"

static char tmpdir[64];
static char msg[1024];

static const char *tpath(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static const char *tpath(const char *fmt, ...)
{
	static char buf[4][PATH_MAX];
	static int k;
	char rel[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, rel);
	return buf[k];
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sl-record-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static sl_record_t rec_of(const char *partition, const char *account)
{
	sl_record_t r;

	memset(&r, 0, sizeof(r));
	if (partition) {
		r.has_partition = true;
		snprintf(r.partition, sizeof(r.partition), "%s", partition);
	}
	if (account) {
		r.has_account = true;
		snprintf(r.account, sizeof(r.account), "%s", account);
	}
	return r;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* --- names --------------------------------------------------------------- */

static void test_valid_names(void **state)
{
	(void)state;
	assert_true(sl_record_valid_job_id("1"));
	assert_true(sl_record_valid_job_id("4294967295"));
	assert_false(sl_record_valid_job_id("4294967296"));
	assert_false(sl_record_valid_job_id("0"));
	assert_false(sl_record_valid_job_id("012"));
	assert_false(sl_record_valid_job_id(""));
	assert_false(sl_record_valid_job_id(NULL));
	assert_false(sl_record_valid_job_id("12a"));
	assert_false(sl_record_valid_job_id("1/2"));
	assert_false(sl_record_valid_job_id("../1"));
	assert_false(sl_record_valid_job_id("12345678901"));

	assert_true(sl_record_valid_node("node1"));
	assert_true(sl_record_valid_node("r04s00.cluster-a_b"));
	assert_false(sl_record_valid_node(""));
	assert_false(sl_record_valid_node(NULL));
	assert_false(sl_record_valid_node("."));
	assert_false(sl_record_valid_node(".."));
	assert_false(sl_record_valid_node(".hidden"));
	assert_false(sl_record_valid_node("a/b"));
	assert_false(sl_record_valid_node("../etc"));
	assert_false(sl_record_valid_node("node 1"));
	assert_false(sl_record_valid_node("node\n1"));

	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(sl_record_valid_node(longname));
	longname[255] = '\0';
	assert_true(sl_record_valid_node(longname));
	longname[256] = '\0';
	longname[255] = 'a';
	assert_false(sl_record_valid_node(longname));

	assert_true(sl_record_valid_value("standard"));
	assert_true(sl_record_valid_value("a b=c"));
	assert_false(sl_record_valid_value(""));
	assert_false(sl_record_valid_value("a\nb"));
	assert_false(sl_record_valid_value("a\tb"));
	assert_false(sl_record_valid_value(longname));
}

/* --- round trips --------------------------------------------------------- */

static void test_write_read_remove(void **state)
{
	sl_record_t in = rec_of("standard", "physics"), out;
	char rd[PATH_MAX];

	snprintf(rd, sizeof(rd), "%s", tpath("rd"));

	(void)state;
	assert_int_equal(sl_record_write(rd, "node1", "42", &in, msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_int_equal(mode_of(rd), 0700);
	assert_int_equal(mode_of(tpath("rd/node1")), 0700);
	assert_int_equal(mode_of(tpath("rd/node1/42")), 0600);

	assert_int_equal(sl_record_read(rd, "node1", "42", &out, msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_true(out.has_partition);
	assert_string_equal(out.partition, "standard");
	assert_true(out.has_account);
	assert_string_equal(out.account, "physics");

	/* A requeued job's prolog replaces the record. */
	in = rec_of("reserved", NULL);
	assert_int_equal(sl_record_write(rd, "node1", "42", &in, msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_int_equal(sl_record_read(rd, "node1", "42", &out, msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_string_equal(out.partition, "reserved");
	assert_false(out.has_account);

	assert_int_equal(sl_record_remove(rd, "node1", "42", msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_int_equal(sl_record_read(rd, "node1", "42", &out, msg, sizeof(msg)),
			 SL_RECORD_MISSING);
	assert_non_null(strstr(msg, "no such record"));
	assert_false(out.has_partition);
	assert_int_equal(sl_record_remove(rd, "node1", "42", msg, sizeof(msg)),
			 SL_RECORD_MISSING);
	/* No temporary file left behind. */
	assert_int_equal(rmdir(tpath("rd/node1")), 0);
}

/* The job's CPUs on the node (issue 10: a job-wide fact from the
 * credential), and the copy of the rules slurmd validated. */
static void test_cpus_and_validated_rules(void **state)
{
	sl_record_t in = rec_of("standard", NULL), out;
	char rd[PATH_MAX], *text = NULL;
	size_t len = 0;

	(void)state;
	snprintf(rd, sizeof(rd), "%s", tpath("rc"));
	in.has_cpus = true;
	in.cpus = 16;
	assert_int_equal(sl_record_write(rd, "node1", "7", &in, msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_int_equal(sl_record_read(rd, "node1", "7", &out, msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_true(out.has_cpus);
	assert_int_equal(out.cpus, 16);
	write_text(tpath("rc/node1/8"), "swaplimit-record 1\nnode=node1\njob=8\ncpus=0\n", 0600);
	assert_int_equal(sl_record_read(rd, "node1", "8", &out, msg, sizeof(msg)),
			 SL_RECORD_ERROR);

	assert_int_equal(sl_record_load_rules(rd, 4096, &text, &len, msg,
					      sizeof(msg)), SL_RECORD_MISSING);
	assert_int_equal(sl_record_save_rules(rd, "default()=1G\n", 13, msg,
					      sizeof(msg)), SL_RECORD_OK);
	assert_int_equal(mode_of(tpath("rc/validated.rules")), 0600);
	assert_int_equal(sl_record_load_rules(rd, 4096, &text, &len, msg,
					      sizeof(msg)), SL_RECORD_OK);
	assert_int_equal(len, 13);
	assert_string_equal(text, "default()=1G\n");
	free(text);
	/* too large for the caller's cap: refused */
	assert_int_equal(sl_record_load_rules(rd, 4, &text, &len, msg,
					      sizeof(msg)), SL_RECORD_ERROR);
	/* slurmd started with rules that do not compile: no copy */
	sl_record_forget_rules(rd);
	assert_int_equal(sl_record_load_rules(rd, 4096, &text, &len, msg,
					      sizeof(msg)), SL_RECORD_MISSING);
	/* a loose copy is refused */
	write_text(tpath("rc/validated.rules"), "default()=9G\n", 0644);
	assert_int_equal(sl_record_load_rules(rd, 4096, &text, &len, msg,
					      sizeof(msg)), SL_RECORD_ERROR);
}

/* The job's SLUID (Slurm 26.05): round trip, absent (older Slurm, and a
 * record written before the field existed), malformed (refused). */
static void test_sluid(void **state)
{
	sl_record_t in = rec_of("standard", "physics"), out;
	char rd[PATH_MAX];

	(void)state;
	snprintf(rd, sizeof(rd), "%s", tpath("sl"));
	assert_true(sl_record_valid_sluid("s8X5M8RBXF7R00"));
	assert_true(sl_record_valid_sluid("s0000000000000"));
	assert_true(sl_record_valid_sluid("sFZZZZZZZZZZZZ"));
	assert_false(sl_record_valid_sluid(NULL));
	assert_false(sl_record_valid_sluid(""));
	assert_false(sl_record_valid_sluid("s8X5M8RBXF7R0"));    /* 12 */
	assert_false(sl_record_valid_sluid("s8X5M8RBXF7R000"));  /* 14 */
	assert_false(sl_record_valid_sluid("S8X5M8RBXF7R00"));   /* 'S' */
	assert_false(sl_record_valid_sluid("s8x5m8rbxf7r00"));   /* lower */
	assert_false(sl_record_valid_sluid("sG000000000000"));   /* > 64 bits */
	assert_false(sl_record_valid_sluid("s8X5M8RBXF7RI0"));   /* I */
	assert_false(sl_record_valid_sluid("s8X5M8RBXF7RU0"));   /* U */
	assert_false(sl_record_valid_sluid("job_12"));

	/* present */
	in.has_sluid = true;
	snprintf(in.sluid, sizeof(in.sluid), "s8X5M8RBXF7R00");
	assert_int_equal(sl_record_write(rd, "node1", "42", &in, msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_int_equal(sl_record_read(rd, "node1", "42", &out, msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_true(out.has_sluid);
	assert_string_equal(out.sluid, "s8X5M8RBXF7R00");
	assert_string_equal(out.partition, "standard");

	/* absent: Slurm before 26.05 */
	in.has_sluid = false;
	assert_int_equal(sl_record_write(rd, "node1", "43", &in, msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_int_equal(sl_record_read(rd, "node1", "43", &out, msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_false(out.has_sluid);
	assert_string_equal(out.sluid, "");
	/* a record of the previous version, written by hand */
	write_text(tpath("sl/node1/44"),
		   "swaplimit-record 1\nnode=node1\njob=44\npartition=p\n"
		   "account=a\ncpus=4\n", 0600);
	assert_int_equal(sl_record_read(rd, "node1", "44", &out, msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_false(out.has_sluid);
	assert_true(out.has_cpus);
	assert_string_equal(out.account, "a");

	/* malformed or repeated in the file: the record is refused */
	static const char *bad[] = {
		"swaplimit-record 1\nnode=node1\njob=45\nsluid=\n",
		"swaplimit-record 1\nnode=node1\njob=45\nsluid=s8x5m8rbxf7r00\n",
		"swaplimit-record 1\nnode=node1\njob=45\nsluid=s8X5M8RBXF7R0\n",
		"swaplimit-record 1\nnode=node1\njob=45\nsluid=../../x\n",
		"swaplimit-record 1\nnode=node1\njob=45\nsluid=s8X5M8RBXF7R00\nsluid=s8X5M8RBXF7R01\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(tpath("sl/node1/45"), bad[i], 0600);
		assert_int_equal(sl_record_read(rd, "node1", "45", &out, msg,
						sizeof(msg)),
				 SL_RECORD_ERROR);
		assert_non_null(strstr(msg, "sluid="));
		assert_false(out.has_sluid);
	}
	/* malformed on the way in: nothing written */
	in.has_sluid = true;
	snprintf(in.sluid, sizeof(in.sluid), "sG000000000000");
	assert_int_equal(sl_record_write(rd, "node1", "46", &in, msg, sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "SLUID refused"));
	assert_int_equal(sl_record_read(rd, "node1", "46", &out, msg, sizeof(msg)),
			 SL_RECORD_MISSING);
}

static void test_missing_dirs(void **state)
{
	sl_record_t out;

	(void)state;
	assert_int_equal(sl_record_read(tpath("none"), "node1", "7", &out, msg,
					sizeof(msg)),
			 SL_RECORD_MISSING);
	assert_int_equal(sl_record_read(tpath("none/deeper"), "node1", "7", &out,
					msg, sizeof(msg)),
			 SL_RECORD_MISSING);
	assert_int_equal(sl_record_remove(tpath("none"), "node1", "7", msg,
					  sizeof(msg)),
			 SL_RECORD_MISSING);
	/* Reading or removing creates nothing. */
	assert_int_equal(access(tpath("none"), F_OK), -1);
	/* The prolog creates record_dir itself, not its parents. */
	sl_record_t in = rec_of("p", NULL);
	assert_int_equal(sl_record_write(tpath("none/deeper"), "n", "7", &in, msg,
					 sizeof(msg)),
			 SL_RECORD_ERROR);
}

/* Two slurmd -N nodes on one machine share record_dir: one node's epilog
 * must not remove the other's record of the same job. */
static void test_two_nodes_share_dir(void **state)
{
	sl_record_t a = rec_of("standard", NULL), b = rec_of("reserved", "x"),
		    out;
	char rd[PATH_MAX];

	snprintf(rd, sizeof(rd), "%s", tpath("shared"));

	(void)state;
	assert_int_equal(sl_record_write(rd, "node1", "100", &a, msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_int_equal(sl_record_write(rd, "node2", "100", &b, msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_int_equal(sl_record_remove(rd, "node1", "100", msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_int_equal(sl_record_read(rd, "node1", "100", &out, msg, sizeof(msg)),
			 SL_RECORD_MISSING);
	assert_int_equal(sl_record_read(rd, "node2", "100", &out, msg, sizeof(msg)),
			 SL_RECORD_OK);
	assert_string_equal(out.partition, "reserved");
	assert_string_equal(out.account, "x");
}

static void test_trailing_slash_and_stale_tmp(void **state)
{
	sl_record_t in = rec_of("p", NULL), out;
	char tmp[64];

	(void)state;
	assert_int_equal(sl_record_write(tpath("ts///"), "n1", "5", &in, msg,
					 sizeof(msg)),
			 SL_RECORD_OK);
	/* A leftover temporary file of a killed prolog with our pid. */
	snprintf(tmp, sizeof(tmp), "ts/n1/.5.%ld.tmp", (long)getpid());
	write_text(tpath("%s", tmp), "junk", 0600);
	in = rec_of("q", NULL);
	assert_int_equal(sl_record_write(tpath("ts"), "n1", "5", &in, msg,
					 sizeof(msg)),
			 SL_RECORD_OK);
	assert_int_equal(access(tpath("%s", tmp), F_OK), -1);
	assert_int_equal(sl_record_read(tpath("ts/"), "n1", "5", &out, msg,
					sizeof(msg)),
			 SL_RECORD_OK);
	assert_string_equal(out.partition, "q");
}

/* --- refusals ------------------------------------------------------------ */

static void test_refuses_bad_names(void **state)
{
	static const char *nodes[] = { "..", ".", "../x", "a/b", "", ".n" };
	static const char *jobs[] = { "../1", "1/2", "0", "x", "", "99999999999" };
	sl_record_t in = rec_of("p", NULL), out;
	char rd[PATH_MAX];

	snprintf(rd, sizeof(rd), "%s", tpath("names"));

	(void)state;
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		assert_int_equal(sl_record_write(rd, nodes[i], "1", &in, msg,
						 sizeof(msg)),
				 SL_RECORD_ERROR);
		assert_non_null(strstr(msg, "node name"));
		assert_int_equal(sl_record_read(rd, nodes[i], "1", &out, msg,
						sizeof(msg)),
				 SL_RECORD_ERROR);
		assert_int_equal(sl_record_remove(rd, nodes[i], "1", msg,
						  sizeof(msg)),
				 SL_RECORD_ERROR);
	}
	for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
		assert_int_equal(sl_record_write(rd, "n", jobs[i], &in, msg,
						 sizeof(msg)),
				 SL_RECORD_ERROR);
		assert_non_null(strstr(msg, "job id"));
	}
	assert_int_equal(sl_record_write(rd, "n", "1", NULL, msg, sizeof(msg)),
			 SL_RECORD_ERROR);
	/* Nothing was created by the refused calls. */
	assert_int_equal(access(rd, F_OK), -1);

	in = rec_of("a\nnode=evil", NULL);
	assert_int_equal(sl_record_write(rd, "n", "1", &in, msg, sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "control characters"));
	assert_int_equal(sl_record_write("relative/dir", "n", "1", &in, msg,
					 sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_int_equal(sl_record_write("/", "n", "1", &in, msg, sizeof(msg)),
			 SL_RECORD_ERROR);
}

static void test_refuses_symlinked_record_dir(void **state)
{
	sl_record_t in = rec_of("p", NULL), out;

	(void)state;
	assert_int_equal(mkdir(tpath("target"), 0700), 0);
	assert_int_equal(symlink(tpath("target"), tpath("link")), 0);
	assert_int_equal(sl_record_write(tpath("link"), "n", "1", &in, msg,
					 sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "symbolic link"));
	/* Also with a trailing slash, which would follow the link. */
	assert_int_equal(sl_record_write(tpath("link/"), "n", "1", &in, msg,
					 sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "symbolic link"));
	assert_int_equal(sl_record_read(tpath("link"), "n", "1", &out, msg,
					sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_int_equal(sl_record_remove(tpath("link"), "n", "1", msg,
					  sizeof(msg)),
			 SL_RECORD_ERROR);
	/* Nothing was written through the link. */
	assert_int_equal(access(tpath("target/n"), F_OK), -1);
}

static void test_refuses_symlinked_node_dir(void **state)
{
	sl_record_t in = rec_of("p", NULL), out;

	(void)state;
	assert_int_equal(mkdir(tpath("nl"), 0700), 0);
	assert_int_equal(mkdir(tpath("elsewhere"), 0700), 0);
	assert_int_equal(symlink(tpath("elsewhere"), tpath("nl/node1")), 0);
	assert_int_equal(sl_record_write(tpath("nl"), "node1", "1", &in, msg,
					 sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "symbolic link"));
	assert_int_equal(sl_record_read(tpath("nl"), "node1", "1", &out, msg,
					sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_int_equal(access(tpath("elsewhere/1"), F_OK), -1);

	/* A node entry that is a plain file. */
	write_text(tpath("nl/node2"), "x", 0600);
	assert_int_equal(sl_record_write(tpath("nl"), "node2", "1", &in, msg,
					 sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "not a directory"));
}

static void test_refuses_loose_modes(void **state)
{
	sl_record_t in = rec_of("p", NULL), out;

	(void)state;
	assert_int_equal(mkdir(tpath("loose"), 0700), 0);
	assert_int_equal(chmod(tpath("loose"), 0755), 0);
	assert_int_equal(sl_record_write(tpath("loose"), "n", "1", &in, msg,
					 sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "mode 0755"));
	assert_int_equal(sl_record_read(tpath("loose"), "n", "1", &out, msg,
					sizeof(msg)),
			 SL_RECORD_ERROR);

	/* The node directory likewise. */
	assert_int_equal(mkdir(tpath("loose2"), 0700), 0);
	assert_int_equal(mkdir(tpath("loose2/n"), 0700), 0);
	assert_int_equal(chmod(tpath("loose2/n"), 0777), 0);
	assert_int_equal(sl_record_write(tpath("loose2"), "n", "1", &in, msg,
					 sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "mode 0777"));

	/* A parent that anyone may write (not sticky) could swap record_dir. */
	assert_int_equal(mkdir(tpath("open"), 0700), 0);
	assert_int_equal(chmod(tpath("open"), 0777), 0);
	assert_int_equal(sl_record_write(tpath("open/rd"), "n", "1", &in, msg,
					 sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "lets others replace it"));
	/* Sticky, like /tmp: accepted. */
	assert_int_equal(chmod(tpath("open"), 01777), 0);
	assert_int_equal(sl_record_write(tpath("open/rd"), "n", "1", &in, msg,
					 sizeof(msg)),
			 SL_RECORD_OK);
}

static void test_refuses_foreign_owner(void **state)
{
	sl_record_t in = rec_of("p", NULL), out;

	(void)state;
	if (geteuid() != 0) {
		skip();
		return;
	}
	assert_int_equal(mkdir(tpath("foreign"), 0700), 0);
	assert_int_equal(chown(tpath("foreign"), 65534, 65534), 0);
	assert_int_equal(sl_record_write(tpath("foreign"), "n", "1", &in, msg,
					 sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "owner uid 65534"));

	/* A record file owned by someone else is not believed. */
	assert_int_equal(sl_record_write(tpath("own"), "n", "1", &in, msg,
					 sizeof(msg)),
			 SL_RECORD_OK);
	assert_int_equal(chown(tpath("own/n/1"), 65534, 65534), 0);
	assert_int_equal(sl_record_read(tpath("own"), "n", "1", &out, msg,
					sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "refused"));
}

static void test_refuses_bad_record_files(void **state)
{
	sl_record_t in = rec_of("standard", NULL), out;
	char rd[PATH_MAX];

	snprintf(rd, sizeof(rd), "%s", tpath("files"));

	(void)state;
	assert_int_equal(sl_record_write(rd, "n", "1", &in, msg, sizeof(msg)),
			 SL_RECORD_OK);

	/* A symbolic link in place of the record. */
	write_text(tpath("files/n/real"),
		   "swaplimit-record 1\nnode=n\njob=2\npartition=reserved\n", 0600);
	assert_int_equal(symlink("real", tpath("files/n/2")), 0);
	assert_int_equal(sl_record_read(rd, "n", "2", &out, msg, sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "symbolic link"));
	assert_false(out.has_partition);

	/* Loose mode. */
	write_text(tpath("files/n/3"),
		   "swaplimit-record 1\nnode=n\njob=3\npartition=reserved\n", 0644);
	assert_int_equal(sl_record_read(rd, "n", "3", &out, msg, sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "mode 0644"));

	/* Another job's record copied under this job's name. */
	write_text(tpath("files/n/4"),
		   "swaplimit-record 1\nnode=n\njob=5\npartition=reserved\n", 0600);
	assert_int_equal(sl_record_read(rd, "n", "4", &out, msg, sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "for job 5"));

	/* Another node's. */
	write_text(tpath("files/n/6"),
		   "swaplimit-record 1\nnode=m\njob=6\npartition=reserved\n", 0600);
	assert_int_equal(sl_record_read(rd, "n", "6", &out, msg, sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "for node m"));

	/* Garbage, truncation, repeated and unknown keys, a NUL. */
	static const char *bad[] = {
		"garbage\n",
		"swaplimit-record 1\nnode=n\njob=7\npartition=a",
		"swaplimit-record 1\nnode=n\njob=7\npartition=a\npartition=b\n",
		"swaplimit-record 1\nnode=n\njob=7\nqos=high\n",
		"swaplimit-record 1\nnode=n\npartition=a\n",
		"swaplimit-record 1\nnode=n\njob=7\npartition=\n",
		"swaplimit-record 1\nnode=n\njob=7\nnonsense\n",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(tpath("files/n/7"), bad[i], 0600);
		assert_int_equal(sl_record_read(rd, "n", "7", &out, msg,
						sizeof(msg)),
				 SL_RECORD_ERROR);
		assert_false(out.has_partition);
	}
	int fd = open(tpath("files/n/7"), O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "swaplimit-record 1\nnode=n\0\njob=7\n", 33), 33);
	close(fd);
	assert_int_equal(sl_record_read(rd, "n", "7", &out, msg, sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_non_null(strstr(msg, "NUL"));

	/* Too large. */
	char big[SL_RECORD_FILE_MAX + 100];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_text(tpath("files/n/8"), big, 0600);
	assert_int_equal(sl_record_read(rd, "n", "8", &out, msg, sizeof(msg)),
			 SL_RECORD_ERROR);

	/* A directory in place of the record. */
	assert_int_equal(mkdir(tpath("files/n/9"), 0700), 0);
	assert_int_equal(sl_record_read(rd, "n", "9", &out, msg, sizeof(msg)),
			 SL_RECORD_ERROR);
	assert_int_equal(sl_record_remove(rd, "n", "9", msg, sizeof(msg)),
			 SL_RECORD_ERROR);

	/* A FIFO does not block the reader. */
	assert_int_equal(mkfifo(tpath("files/n/10"), 0600), 0);
	assert_int_equal(sl_record_read(rd, "n", "10", &out, msg, sizeof(msg)),
			 SL_RECORD_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test_setup_teardown(test_write_read_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_nodes_share_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trailing_slash_and_stale_tmp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_symlinked_record_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpus_and_validated_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sluid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_symlinked_node_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_loose_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_foreign_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_bad_record_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
