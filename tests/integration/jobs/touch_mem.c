/*
 * touch_mem MIB [CMD...]: allocate MIB MiB, write every page (so the memory
 * is really used and, past the cgroup's RAM limit, pushed to swap), read it
 * all back, then (still holding it) run CMD through the shell, e.g.
 * cgread.sh, so it sees the swap in use. Exit 0 when everything was
 * touched; a cgroup OOM kill ends it with SIGKILL before that.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: touch_mem MIB [CMD...]\n");
		return 2;
	}
	long mib = strtol(argv[1], NULL, 10);
	size_t n = (size_t)mib << 20;
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *p = malloc(n);
	if (!p) {
		perror("malloc");
		return 3;
	}
	for (size_t i = 0; i < n; i += (size_t)page)
		p[i] = (unsigned char)(i / (size_t)page);
	unsigned long sum = 0;
	for (size_t i = 0; i < n; i += (size_t)page)
		sum += p[i];
	printf("touched %ld MiB (sum %lu)\n", mib, sum);
	fflush(stdout);
	if (argc > 2) {
		size_t len = 1;
		for (int i = 2; i < argc; i++)
			len += strlen(argv[i]) + 1;
		char *cmd = calloc(1, len);
		for (int i = 2; i < argc; i++) {
			strcat(cmd, argv[i]);
			if (i + 1 < argc)
				strcat(cmd, " ");
		}
		int rc = system(cmd);
		free(cmd);
		if (rc != 0)
			return 4;
	}
	free(p);
	return 0;
}
