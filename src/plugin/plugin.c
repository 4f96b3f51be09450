/*
 * swaplimit SPANK plugin: the state shared by the entry points of one
 * process (the entry points themselves: spank.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <slurm/slurm.h>
#include <slurm/spank.h>

#include "facts.h"
#include "plugin.h"

sl_plugin_state_t sl_state;

bool sl_plugin_args(int ac, char **av)
{
	if (sl_state.args_parsed)
		return sl_state.args_ok;
	sl_state.args_parsed = true;
	if (ac < 0 || (ac > 0 && !av)) {
		snprintf(sl_state.args_error, sizeof(sl_state.args_error),
			 "no plugin arguments received");
		sl_state.args_ok = false;
		return false;
	}
	sl_state.args_ok = sl_args_parse(ac, av, &sl_state.args,
					 sl_state.args_error,
					 sizeof(sl_state.args_error)) == 0;
	return sl_state.args_ok;
}

/* The rule text slurmd validated at its start, compiled; NULL if none. */
static sl_rules_t *validated_copy(void)
{
	char msg[SL_PLUGIN_ERR_MAX], source[128];
	const char *rdir = sl_state.args.record_dir ? sl_state.args.record_dir
						    : SL_DEFAULT_RECORD_DIR;
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

const sl_bound_t *sl_plugin_rules(const char *node)
{
	sl_error_t err;

	if (sl_state.rules_tried)
		return sl_state.bound;
	sl_state.rules_tried = true;
	if (!sl_state.args_ok) {
		snprintf(sl_state.rules_error, sizeof(sl_state.rules_error),
			 "plugin arguments invalid");
		return NULL;
	}
	memset(&err, 0, sizeof(err));
	/* A rules file decides every job's swap: only root's, not
	 * writable by others. */
	sl_state.rules = sl_args_load_rules_ex(&sl_state.args,
					       SL_LOAD_ROOT_OWNED, NULL, NULL,
					       &err);
	if (!sl_state.rules) {
		sl_error_format(&err, sl_state.rules_error,
				sizeof(sl_state.rules_error));
		/* Edited into an error since slurmd started: keep enforcing
		 * what slurmd validated (the step line says so). */
		sl_state.rules = validated_copy();
		if (!sl_state.rules)
			return NULL;
		sl_state.rules_from_copy = true;
	}
	sl_state.bound = sl_rules_bind(sl_state.rules, node);
	if (!sl_state.bound) {
		snprintf(sl_state.rules_error, sizeof(sl_state.rules_error),
			 "out of memory binding the rules to node %s", node);
		return NULL;
	}
	/* The rules' user and group names become ids once: a step then
	 * compares the credential's ids, with no NSS lookup of its own. */
	if ((sl_rules_uses(sl_state.rules) & (SL_USES_USER | SL_USES_GROUP)) &&
	    sl_bound_resolve_ids(sl_state.bound, sl_nss_resolve_name, NULL) != 0) {
		snprintf(sl_state.rules_error, sizeof(sl_state.rules_error),
			 "out of memory resolving the rules' user/group names");
		sl_bound_free(sl_state.bound);
		sl_state.bound = NULL;
		return NULL;
	}
	return sl_state.bound;
}

void sl_plugin_state_free(void)
{
	if (sl_state.bound)
		sl_bound_free(sl_state.bound);
	if (sl_state.rules)
		sl_rules_free(sl_state.rules);
	if (sl_state.args_parsed)
		sl_args_free(&sl_state.args);
	memset(&sl_state, 0, sizeof(sl_state));
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
