/*
 * The job's swap GRES on this node, from slurmctld (gres_alloc.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurm/slurm.h>

#include "gres_alloc.h"
#include "msg.h"

/* 22.05 and 23.11+ declare the hostlist handle differently (hostmatch.c). */
typedef __typeof__(slurm_hostlist_create("")) sl_gres_hl_t;

/* The digits after "CNT:" in entry [s, e); -1 when there are none. */
static int entry_count(const char *s, const char *e, uint64_t *out)
{
	static const char key[] = "CNT:";
	const char *p;
	uint64_t v = 0;
	size_t n = 0;

	for (p = s; p + sizeof(key) - 1 <= e; p++)
		if (memcmp(p, key, sizeof(key) - 1) == 0)
			break;
	if (p + sizeof(key) - 1 > e)
		return -1;
	for (p += sizeof(key) - 1; p < e && *p >= '0' && *p <= '9'; p++, n++) {
		if (n == 19)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (n == 0)
		return -1;
	*out = v;
	return 0;
}

int sl_gres_detail_count(const char *detail, const char *name,
			 uint64_t *count)
{
	size_t nl = strlen(name);
	uint64_t total = 0;
	const char *s = detail;

	*count = 0;
	if (!detail || !nl)
		return 0;
	while (*s) {
		const char *e = s;
		int depth = 0;
		uint64_t c;

		/* An entry ends at a comma outside parentheses. */
		for (; *e && (*e != ',' || depth > 0); e++)
			depth += *e == '(' ? 1 : *e == ')' ? -1 : 0;
		if ((size_t)(e - s) > nl && strncmp(s, name, nl) == 0 &&
		    (s[nl] == '(' || s[nl] == ':')) {
			if (entry_count(s, e, &c) != 0)
				return -1;
			total = total > UINT64_MAX - c ? UINT64_MAX : total + c;
		}
		s = *e ? e + 1 : e;
	}
	*count = total;
	return 0;
}

static int lookup(uint32_t job_id, const char *node, const char *name,
		  uint64_t *bytes, char *msg, size_t msglen)
{
	job_info_msg_t *m = NULL;
	job_info_t *j = NULL;
	sl_gres_hl_t hl;
	int idx, rc = -1;

	*bytes = 0;
	/* 26.05 takes a slurm_step_id_t (and adds slurm_load_job_sluid);
	 * older releases the job id. Slurm sets errno (slurm_get_errno() is
	 * gone in 24.11). */
#ifdef slurm_load_job_sluid
	slurm_step_id_t id = SLURM_STEP_ID_INITIALIZER;

	id.job_id = job_id;
	rc = slurm_load_job(&m, id, SHOW_DETAIL);
#else
	rc = slurm_load_job(&m, job_id, SHOW_DETAIL);
#endif
	if (rc != SLURM_SUCCESS || !m) {
		sl_msgf(msg, msglen, "slurm_load_job(%" PRIu32 ") failed: %s",
			job_id, slurm_strerror(errno));
		return -1;
	}
	rc = -1;
	for (uint32_t i = 0; i < m->record_count; i++)
		if (m->job_array[i].job_id == job_id)
			j = &m->job_array[i];
	if (!j || !j->nodes) {
		sl_msgf(msg, msglen, "slurmctld returned no job %" PRIu32
			" with nodes", job_id);
		goto out;
	}
	hl = slurm_hostlist_create(j->nodes);
	idx = hl ? slurm_hostlist_find(hl, node) : -1;
	if (hl)
		slurm_hostlist_destroy(hl);
	if (idx < 0) {
		sl_msgf(msg, msglen, "node %s is not in job %" PRIu32 "'s nodes %.64s",
			node, job_id, j->nodes);
		goto out;
	}
	/* One entry per node of `nodes`, in order; none: the job asked for
	 * no GRES at all. */
	if ((uint32_t)idx >= j->gres_detail_cnt || !j->gres_detail_str) {
		rc = 0;
		goto out;
	}
	if (sl_gres_detail_count(j->gres_detail_str[idx], name, bytes) != 0) {
		sl_msgf(msg, msglen, "unreadable GRES entry \"%.64s\" for node %s",
			j->gres_detail_str[idx], node);
		goto out;
	}
	rc = 0;
out:
	slurm_free_job_info_msg(m);
	return rc;
}

/* How long the prolog waits for slurmctld's answer. */
#define SL_GRES_RPC_TIMEOUT_MS 10000

/*
 * The lookup runs in a child process: whatever libslurm does there (a
 * crash, a hang on an unreachable slurmctld) must not fail the prolog --
 * a failed prolog requeues the job and drains the node. The child sends
 * "rc bytes msg" through a pipe and exits; the parent waits at most
 * SL_GRES_RPC_TIMEOUT_MS, then kills it (by its pid).
 */
int sl_gres_alloc_bytes(uint32_t job_id, const char *node, const char *name,
			uint64_t *bytes, char *msg, size_t msglen)
{
	char buf[512];
	int fds[2], st = 0;
	size_t got = 0;
	bool eof = false;
	pid_t pid;

	*bytes = 0;
	if (pipe2(fds, O_CLOEXEC) != 0) {
		sl_msgf(msg, msglen, "pipe: %s", strerror(errno));
		return -1;
	}
	/* libslurm's fatal() ends the child with exit(), not _exit(): it
	 * must find no buffered output of the prolog's to write twice. */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		sl_msgf(msg, msglen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		char m[400] = "";
		uint64_t b = 0;
		int rc, n;

#if SLURM_VERSION_NUMBER >= SLURM_VERSION_NUM(23, 2, 0)
		/* The `slurmstepd spank prolog` process never set up the
		 * client side of libslurm's plugins: 26.05's connection
		 * plugin (conn_g_create) and 24.11's TLS one are NULL
		 * there, and the RPC jumps to address 0 (seen in the 26.05
		 * VM's core). slurm_init() loads them, in this child only;
		 * a fatal() in it ends the child, not the prolog, and a
		 * lock left held by another thread at fork() costs at most
		 * the parent's timeout below, then a fallback. */
		slurm_init(NULL);
#endif
		rc = lookup(job_id, node, name, &b, m, sizeof(m));
		n = snprintf(buf, sizeof(buf), "%d %" PRIu64 " %s", rc, b, m);

		if (n > 0 && write(fds[1], buf, (size_t)n) < 0)
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	for (int waited = 0; waited < SL_GRES_RPC_TIMEOUT_MS;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		int r = poll(&p, 1, 100);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		waited += 100;
		if (r <= 0)
			continue;
		n = read(fds[0], buf + got, sizeof(buf) - 1 - got);
		if (n <= 0 || got + (size_t)n == sizeof(buf) - 1) {
			/* EOF: the child is done (or died), and exits now */
			got += n > 0 ? (size_t)n : 0;
			eof = true;
			break;
		}
		got += (size_t)n;
	}
	close(fds[0]);
	buf[got] = '\0';
	if (eof) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	} else {
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		sl_msgf(msg, msglen, "no answer from slurmctld within %d s",
			SL_GRES_RPC_TIMEOUT_MS / 1000);
		return -1;
	}
	if (WIFSIGNALED(st)) {
		sl_msgf(msg, msglen, "the lookup died of signal %d",
			WTERMSIG(st));
		return -1;
	}
	{
		int rc = -1, off = 0;
		unsigned long long b = 0;

		if (sscanf(buf, "%d %llu %n", &rc, &b, &off) < 2) {
			sl_msgf(msg, msglen, "the lookup gave no answer");
			return -1;
		}
		if (rc != 0) {
			sl_msgf(msg, msglen, "%s", buf + off);
			return -1;
		}
		*bytes = (uint64_t)b;
	}
	return 0;
}
