/*
 * Term inspection for swaplimit check (inspect.h).
 */
#include <string.h>

#include "engine_impl.h"
#include "inspect.h"

bool sl_rules_term_info(const sl_rules_t *r, size_t i, sl_term_info_t *info)
{
	static const sl_term_form_t forms[] = {
		[SL_PER_NODE] = SL_FORM_NODE, [SL_PER_TASK] = SL_FORM_TASK,
		[SL_PER_CPU] = SL_FORM_CPU, [SL_PER_MEMSHARE] = SL_FORM_MEMSHARE,
		[SL_PER_CPUSHARE] = SL_FORM_CPUSHARE,
	};
	const struct sl_term *t;

	memset(info, 0, sizeof(*info));
	if (!r || i >= r->nterms)
		return false;
	t = &r->terms[i];
	info->form = t->none ? SL_FORM_NONE : t->gres ? SL_FORM_GRES : forms[t->per];
	info->amount_pct_mem = !t->none && t->amount.kind == SL_AMOUNT_PCT_MEM;
	info->props_pct_mem = !t->none &&
		((t->has_min && t->min_swap.kind == SL_AMOUNT_PCT_MEM) ||
		 (t->has_max && t->max_swap.kind == SL_AMOUNT_PCT_MEM));
	info->catch_all = t->catch_all;
	info->has_min = t->has_min;
	for (size_t j = 0; j < t->nconds; j++)
		if (t->conds[j].kind == SL_COND_PARTITION)
			info->has_partition = true;
	return true;
}

bool sl_rules_term_in_partition(const sl_rules_t *r, size_t i,
				const char *partition)
{
	const struct sl_term *t;

	if (!r || i >= r->nterms)
		return false;
	t = &r->terms[i];
	for (size_t j = 0; j < t->nconds; j++) {
		const struct sl_cond *c = &t->conds[j];
		bool found = false;

		if (c->kind != SL_COND_PARTITION)
			continue;
		for (size_t k = 0; k < c->nnames && partition; k++)
			if (strcmp(c->names[k], partition) == 0)
				found = true;
		if (!found)
			return false;
	}
	return true;
}

bool sl_bound_term_hosts_match(const sl_bound_t *b, size_t i)
{
	const struct sl_term *t;

	if (!b || i >= b->rules->nterms)
		return false;
	t = &b->rules->terms[i];
	for (size_t j = 0; j < t->nconds; j++)
		if (t->conds[j].kind == SL_COND_HOST &&
		    !b->host_match[t->conds[j].host_index])
			return false;
	return true;
}

bool sl_bound_term_takes_all(const sl_bound_t *b, size_t i)
{
	const struct sl_term *t;

	if (!sl_bound_term_hosts_match(b, i))
		return false;
	t = &b->rules->terms[i];
	for (size_t j = 0; j < t->nconds; j++)
		if (t->conds[j].kind != SL_COND_HOST &&
		    t->conds[j].kind != SL_COND_DEFAULT)
			return false;
	return true;
}

void sl_rules_term_eval(const sl_rules_t *r, size_t i, const sl_facts_t *f,
			sl_result_t *out, sl_limit_by_t *by)
{
	memset(out, 0, sizeof(*out));
	if (by)
		*by = SL_BY_AMOUNT;
	if (!r || i >= r->nterms || !f)
		return;
	sl_term_limit(&r->terms[i], f, out, by);
}
