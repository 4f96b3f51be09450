/*
 * The node's compiled rules (src/engine/image.h) kept on disk for the
 * steps: <record_dir>/<node>/rules.img, root's 0600, one link, written
 * through a temporary file renamed into place. Whether an image may be
 * used is the loader's question (its key names the rules it was made
 * from); this file only keeps it.
 */
#ifndef SWAPLIMIT_IMAGE_FILE_H
#define SWAPLIMIT_IMAGE_FILE_H

#include <stddef.h>

#include "job_record.h"

/* Largest image read back: a million-host or 10,000-term rule set fits. */
#define SL_IMAGE_FILE_MAX (64u * 1024u * 1024u)

/* SL_RECORD_OK with a malloc'ed *buf of *len bytes, SL_RECORD_MISSING
 * (none yet), or SL_RECORD_ERROR (refused: msg says why). */
SL_HIDDEN int sl_image_file_load(const char *record_dir, const char *node,
				 size_t max, unsigned char **buf, size_t *len,
				 char *msg, size_t msglen);
/* SL_RECORD_OK, or SL_RECORD_ERROR with msg. */
SL_HIDDEN int sl_image_file_save(const char *record_dir, const char *node,
				 const unsigned char *buf, size_t len,
				 char *msg, size_t msglen);
/* Remove the node's image (one made from other rules, when this step's
 * rules do not compile: it would be read again by every step). */
SL_HIDDEN void sl_image_file_remove(const char *record_dir, const char *node);
/* Remove every node's image under record_dir, and the temporary files of
 * steps killed while writing one (slurmd's start: each slurmd begins with
 * the rules it has just validated; on a host with several slurmd, the
 * others' steps make theirs again). */
SL_HIDDEN void sl_image_file_forget_all(const char *record_dir);

#endif
