/*
 * The node's rules image on disk: <record_dir>/<node>/rules.img (see
 * image_file.h). Made by the first step that compiles the rules, read by
 * the steps after it. No SPANK calls.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image_file.h"
#include "msg.h"

#define IMAGE_NAME "rules.img"

int sl_image_file_load(const char *record_dir, const char *node, size_t max,
		       unsigned char **buf, size_t *len, char *msg,
		       size_t msglen)
{
	char path[PATH_MAX];
	char *text = NULL;
	int fd, n, rc;

	*buf = NULL;
	*len = 0;
	if (!record_dir || record_dir[0] != '/' || !sl_record_valid_node(node)) {
		sl_msgf(msg, msglen, "no usable record_dir or node name");
		return SL_RECORD_ERROR;
	}
	n = snprintf(path, sizeof(path), "%s/%s/" IMAGE_NAME, record_dir, node);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		sl_msgf(msg, msglen, "record_dir %.64s...: path too long",
			record_dir);
		return SL_RECORD_ERROR;
	}
	/* One open() of the whole path on the step's launch path: as for
	 * the job records, the file alone decides what is believed (a
	 * regular file with one link, root's, mode 0600), which nobody but
	 * root can make in root's record_dir. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;

		sl_msgf(msg, msglen, "%s: %s", path, strerror(e));
		return e == ENOENT ? SL_RECORD_MISSING : SL_RECORD_ERROR;
	}
	rc = sl_record_read_kept(fd, path, max, true, &text, len, msg, msglen);
	close(fd);
	*buf = (unsigned char *)text;
	return rc;
}

int sl_image_file_save(const char *record_dir, const char *node,
		       const unsigned char *buf, size_t len, char *msg,
		       size_t msglen)
{
	char shown[PATH_MAX];
	int nfd, rc;

	rc = sl_record_open_node_dir(record_dir, node, true, &nfd, msg, msglen);
	if (rc != SL_RECORD_OK)
		return SL_RECORD_ERROR;
	if (snprintf(shown, sizeof(shown), "%s/%s", record_dir, node) >=
	    (int)sizeof(shown))
		snprintf(shown, sizeof(shown), "%s", node);
	rc = sl_record_write_kept(nfd, shown, IMAGE_NAME, buf, len, msg, msglen);
	close(nfd);
	return rc;
}

void sl_image_file_remove(const char *record_dir, const char *node)
{
	char msg[64];
	int nfd;

	if (sl_record_open_node_dir(record_dir, node, false, &nfd, msg,
				    sizeof(msg)) != SL_RECORD_OK)
		return;
	unlinkat(nfd, IMAGE_NAME, 0);
	close(nfd);
}

/* The temporary files of steps killed while writing (".rules.img.PID.tmp"). */
static void remove_temporaries(int nfd)
{
	int fd = dup(nfd);
	struct dirent *e;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (strncmp(e->d_name, "." IMAGE_NAME ".", sizeof(IMAGE_NAME) + 1) == 0 &&
		    n > 4 && strcmp(e->d_name + n - 4, ".tmp") == 0)
			unlinkat(nfd, e->d_name, 0);
	}
	closedir(d);
}

void sl_image_file_forget_all(const char *record_dir)
{
	struct dirent *e;
	DIR *d;

	if (!record_dir || record_dir[0] != '/' || !(d = opendir(record_dir)))
		return;
	while ((e = readdir(d)) != NULL) {
		int nfd;
		char msg[64];

		if (!sl_record_valid_node(e->d_name))
			continue;
		if (sl_record_open_node_dir(record_dir, e->d_name, false, &nfd,
					    msg, sizeof(msg)) != SL_RECORD_OK)
			continue;
		unlinkat(nfd, IMAGE_NAME, 0);
		remove_temporaries(nfd);
		close(nfd);
	}
	closedir(d);
}
