/*
 * The floor of a step's plugin time on cgroup v1: a SPANK plugin whose
 * task_post_fork makes the system calls swaplimit.so makes for a step --
 * the job's prolog record and the rules image read, /proc/PID/cgroup read,
 * one statfs, the job's and the step's RAM limit read, sysinfo, the two
 * memsw limits written -- with as little code around them as possible,
 * and logs the same "elapsed_us=" as the step line. bench_steps_ab.sh
 * (BENCH_AB_FLOOR=1) runs it in blocks beside swaplimit.so, so the
 * difference is what swaplimit's own code costs a fresh slurmstepd.
 *
 * Not a product: no checks beyond what the calls need, v1 only, writes
 * memsw = the RAM limit (no swap) as the production rules' partition
 * standard would. Built by `make bench-floor` (mk/bench.mk), never
 * installed.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/vfs.h>

#include <slurm/spank.h>

SPANK_PLUGIN(swaplimit_floor, 1)

static int done;

static ssize_t read_file(const char *path, char *buf, size_t size, int do_stat)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (do_stat && fstat(fd, &st) != 0) {
		close(fd);
		return -1;
	}
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

int slurm_spank_task_post_fork(spank_t sp, int ac, char **av)
{
	struct timespec t0, t1;
	char path[4200], job[4096], step[4096], buf[8192], jl[64], sl[64];
	const char *node = getenv("SLURMD_NODENAME");
	struct sysinfo si;
	struct statfs sf;
	uint32_t job_id = 0;
	pid_t pid = 0;
	char *p, *e;
	int ok = 1;

	(void)ac;
	(void)av;
	if (spank_context() != S_CTX_REMOTE || done)
		return 0;
	done = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!node || spank_get_item(sp, S_JOB_ID, &job_id) != ESPANK_SUCCESS ||
	    spank_get_item(sp, S_TASK_PID, &pid) != ESPANK_SUCCESS)
		return 0;
	snprintf(path, sizeof(path), "/run/swaplimit/%s/%u", node, job_id);
	read_file(path, buf, sizeof(buf), 1);
	snprintf(path, sizeof(path), "/run/swaplimit/%s/rules.img", node);
	read_file(path, buf, sizeof(buf), 1);
	snprintf(path, sizeof(path), "/proc/%ld/cgroup", (long)pid);
	if (read_file(path, buf, sizeof(buf), 0) <= 0 ||
	    !(p = strstr(buf, ":memory:")))
		return 0;
	p += strlen(":memory:");
	if ((e = strchr(p, '\n')))
		*e = '\0';
	if ((e = strstr(p, "/task_")))
		*e = '\0';
	snprintf(step, sizeof(step), "/sys/fs/cgroup/memory%s", p);
	snprintf(job, sizeof(job), "%s", step);
	if ((e = strstr(job, "/step_")))
		*e = '\0';
	ok &= statfs(step, &sf) == 0;
	snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", job);
	ok &= read_file(path, jl, sizeof(jl), 0) > 0;
	snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", step);
	ok &= read_file(path, sl, sizeof(sl), 0) > 0;
	ok &= sysinfo(&si) == 0;
	snprintf(path, sizeof(path), "%s/memory.memsw.limit_in_bytes", job);
	ok &= write_file(path, jl) == 0;
	snprintf(path, sizeof(path), "%s/memory.memsw.limit_in_bytes", step);
	ok &= write_file(path, sl) == 0;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	slurm_info("swaplimit-floor: job=%u node=%s %s elapsed_us=%" PRId64
		   " phases_us=-", job_id, node, ok ? "ok" : "FAILED",
		   (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000 +
			   (t1.tv_nsec - t0.tv_nsec) / 1000);
	return 0;
}
