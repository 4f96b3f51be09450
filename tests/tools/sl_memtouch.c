/*
 * sl-memtouch MIB [READY_FILE]: allocate MIB MiB of anonymous memory, write
 * every page (so it is really charged to the memory cgroup, and swapped out
 * when the cgroup's RAM limit is lower), create READY_FILE (if given) and
 * sleep until killed. A test helper for
 * tests/integration/15_cgroup_faults.bats.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: sl-memtouch MIB [READY_FILE]\n");
		return 2;
	}
	char *end;
	errno = 0;
	unsigned long mib = strtoul(argv[1], &end, 10);
	if (errno || *end || mib == 0 || mib > 1UL << 20) {
		fprintf(stderr, "sl-memtouch: bad size '%s'\n", argv[1]);
		return 2;
	}
	size_t len = (size_t)mib << 20;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("sl-memtouch: mmap");
		return 1;
	}
	long page = sysconf(_SC_PAGESIZE);
	/* Non-zero, page-distinct content: nothing for zswap/KSM to merge. */
	for (size_t off = 0; off < len; off += (size_t)page)
		memset(p + off, (int)(1 + (off / (size_t)page) % 251), (size_t)page);
	if (argc == 3) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			perror("sl-memtouch: ready file");
			return 1;
		}
		close(fd);
	}
	for (;;)
		pause();
}
