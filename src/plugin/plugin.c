/*
 * swaplimit SPANK plugin: this process's configuration -- the plugin
 * arguments and the compiled rules, made once per process and read by
 * every context (the entry points themselves: spank.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <slurm/slurm.h>
#include <slurm/spank.h>

#include "build_hash.h"
#include "facts.h"
#include "image.h"
#include "image_file.h"
#include "plugin.h"

static struct {
	bool args_parsed;
	bool args_ok;
	sl_args_t args;
	char args_error[SL_PLUGIN_ERR_MAX];

	bool rules_tried;
	sl_rules_t *rules;
	sl_bound_t *bound;
	char rules_error[SL_PLUGIN_ERR_MAX];
	bool rules_from_copy;
	bool rules_from_image;
} conf;

bool sl_plugin_args(int ac, char **av)
{
	if (conf.args_parsed)
		return conf.args_ok;
	conf.args_parsed = true;
	if (ac < 0 || (ac > 0 && !av)) {
		snprintf(conf.args_error, sizeof(conf.args_error),
			 "no plugin arguments received");
		conf.args_ok = false;
		return false;
	}
	conf.args_ok = sl_args_parse(ac, av, &conf.args,
					 conf.args_error,
					 sizeof(conf.args_error)) == 0;
	return conf.args_ok;
}

/* The rule text slurmd validated at its start, compiled; NULL if none. */
static sl_rules_t *validated_copy(void)
{
	char msg[SL_PLUGIN_ERR_MAX], source[128];
	const char *rdir = sl_plugin_record_dir();
	sl_error_t err;
	sl_rules_t *r;
	char *text = NULL;
	size_t len = 0;

	if (sl_record_load_rules(rdir, SL_RULES_FILE_MAX, &text, &len, msg,
				 sizeof(msg)) != SL_RECORD_OK)
		return NULL;
	snprintf(source, sizeof(source), "%s/validated.rules", rdir);
	r = sl_rules_compile(text, len, source, true, &err);
	free(text);
	return r;
}

/*
 * The image's key: this build (version, and SL_BUILD_HASH: the sources
 * and flags it was made from, Makefile), the kind of source and the very
 * text the rules would be compiled from (a config= file's bytes, read as a
 * compile reads them: no file times, which NFS caches). An image kept by
 * another build of the plugin is never taken for this one's.
 */
static uint64_t rules_key(const char *source, const char *text, size_t len)
{
	static const char build[] = SWAPLIMIT_VERSION " " SL_BUILD_HASH;
	uint64_t h = sl_hash64(SL_HASH_INIT, build, sizeof(build));

	h = sl_hash64(h, source, strlen(source) + 1);
	return sl_hash64(h, text, len);
}

enum image_result { IMAGE_LOADED, IMAGE_NONE, IMAGE_REFUSED };

/* The rules from the node's image, when there is one for these rules. */
static enum image_result from_image(const char *node, uint64_t key)
{
	char msg[SL_PLUGIN_ERR_MAX], why[128];
	unsigned char *buf;
	size_t len;
	int rc;

	rc = sl_image_file_load(sl_plugin_record_dir(), node, SL_IMAGE_FILE_MAX,
				&buf, &len, msg, sizeof(msg));
	if (rc != SL_RECORD_OK) {
		if (rc == SL_RECORD_MISSING)
			return IMAGE_NONE;
		sl_log_info("warning: rules image not used: %s; the rules "
			    "are compiled instead", msg);
		return IMAGE_REFUSED;
	}
	conf.bound = sl_image_load(buf, len, node, key, &conf.rules, why,
				   sizeof(why));
	free(buf);
	if (!conf.bound) {
		/* Made from other rules: expected after an edit. */
		sl_log_debug("rules image not used (%s): compiling", why);
		return IMAGE_REFUSED;
	}
	conf.rules_from_image = true;
	return IMAGE_LOADED;
}

/* Keep the compiled rules for the next steps on this node. */
static void save_image(const char *node, uint64_t key)
{
	char msg[SL_PLUGIN_ERR_MAX];
	unsigned char *buf;
	size_t len;

	if (sl_image_build(conf.bound, node, key, &buf, &len) != 0)
		return;
	if (sl_image_file_save(sl_plugin_record_dir(), node, buf, len, msg,
			       sizeof(msg)) != SL_RECORD_OK)
		sl_log_debug("rules image not kept: %s", msg);
	free(buf);
}

const sl_bound_t *sl_plugin_rules(const char *node)
{
	enum image_result img = IMAGE_NONE;
	const char *source = NULL;
	bool comments = false;
	sl_error_t err;
	uint64_t key = 0;
	size_t len = 0;
	char *text;

	if (conf.rules_tried)
		return conf.bound;
	conf.rules_tried = true;
	if (!conf.args_ok) {
		snprintf(conf.rules_error, sizeof(conf.rules_error),
			 "plugin arguments invalid");
		return NULL;
	}
	/* A rules file decides every job's swap: only root's, not
	 * writable by others. */
	text = sl_args_rules_text(&conf.args, SL_LOAD_ROOT_OWNED, &len, &source,
				  &comments, &err);
	/* A step is a fresh process and compiles cold (milliseconds for a
	 * large rule set). The first step after a change of the rules
	 * compiles and keeps an image; the others load it (image.h). */
	if (text && node) {
		key = rules_key(source, text, len);
		img = from_image(node, key);
		if (img == IMAGE_LOADED) {
			free(text);
			goto bound;
		}
	}
	conf.rules = text ? sl_rules_compile(text, len, source, comments, &err)
			  : NULL;
	free(text);
	if (!conf.rules) {
		sl_error_format(&err, conf.rules_error,
				sizeof(conf.rules_error));
		/* Edited into an error since slurmd started: keep enforcing
		 * what slurmd validated (the step line says so), and drop an
		 * image of other rules that every step would read again. */
		if (img == IMAGE_REFUSED && node)
			sl_image_file_remove(sl_plugin_record_dir(), node);
		conf.rules = validated_copy();
		if (!conf.rules)
			return NULL;
		conf.rules_from_copy = true;
	}
	conf.bound = sl_rules_bind(conf.rules, node);
	if (!conf.bound) {
		snprintf(conf.rules_error, sizeof(conf.rules_error),
			 "out of memory binding the rules to node %s", node);
		return NULL;
	}
	if (node && !conf.rules_from_copy)
		save_image(node, key);
bound:
	/* The rules' user and group names become ids once: a step then
	 * compares the credential's ids, with no NSS lookup of its own. */
	if ((sl_rules_uses(conf.rules) & (SL_USES_USER | SL_USES_GROUP)) &&
	    sl_bound_resolve_ids(conf.bound, sl_nss_resolve_name, NULL) != 0) {
		snprintf(conf.rules_error, sizeof(conf.rules_error),
			 "out of memory resolving the rules' user/group names");
		sl_bound_free(conf.bound);
		conf.bound = NULL;
		return NULL;
	}
	return conf.bound;
}

const sl_args_t *sl_plugin_conf(void)
{
	return &conf.args;
}

const char *sl_plugin_args_error(void)
{
	return conf.args_error;
}

const char *sl_plugin_record_dir(void)
{
	return conf.args.record_dir ? conf.args.record_dir
				    : SL_DEFAULT_RECORD_DIR;
}

const char *sl_plugin_rules_error(void)
{
	return conf.rules_error;
}

bool sl_plugin_rules_from_copy(void)
{
	return conf.rules_from_copy;
}

const char *sl_plugin_rules_source(void)
{
	return conf.rules_from_image ? "image"
	       : conf.rules_from_copy ? "validated-copy" : "compiled";
}

void sl_plugin_conf_free(void)
{
	if (conf.bound)
		sl_bound_free(conf.bound);
	if (conf.rules)
		sl_rules_free(conf.rules);
	if (conf.args_parsed)
		sl_args_free(&conf.args);
	memset(&conf, 0, sizeof(conf));
}

void sl_plugin_state_free(void)
{
	sl_report_state_reset();
	sl_step_state_reset();
	sl_options_reset();
	sl_handoff_free();
	sl_plugin_conf_free();
}

uint64_t sl_elapsed_us(const struct timespec *t0)
{
	struct timespec t1;
	int64_t us;

	if (clock_gettime(CLOCK_MONOTONIC, &t1) != 0)
		return 0;
	us = (int64_t)(t1.tv_sec - t0->tv_sec) * 1000000 +
	     (t1.tv_nsec - t0->tv_nsec) / 1000;
	return us < 0 ? 0 : (uint64_t)us;
}

const char *sl_step_name(uint32_t stepid, char *buf, size_t size)
{
	switch (stepid) {
	case SLURM_BATCH_SCRIPT:
		snprintf(buf, size, "batch");
		break;
	case SLURM_EXTERN_CONT:
		snprintf(buf, size, "extern");
		break;
	case SLURM_INTERACTIVE_STEP:
		snprintf(buf, size, "interactive");
		break;
	default:
		snprintf(buf, size, "%u", (unsigned)stepid);
		break;
	}
	return buf;
}
