// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one rule's refusals in words (one row per reason), and asking it for recover's rollback.
 * The rule decides (lib/rule.c); the library gathers what it needs and asks it, also for a
 * migration, whose outcome carries the refusal and the place in the way (mig_verdict()).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-priv.h"

/*
 * The one table of the rule's words, one row per reason: every refusal, long (rule_refusal())
 * or short (guard_entry(), a migration's report), is made of them. The fact reads "state ID
 * (generation G) VERB PLACE", or with @here "PLACE VERB state ID (generation G)..." for the VF
 * asked about itself. JSON's "reason" is the library's word (intel_lm_reason_name()).
 */
static const struct reason_words {
	const char *verb;	/* the fact's verb */
	const char *tail;	/* after the state, with @here */
	const char *harm;	/* what the command would do */
	const char *next;	/* what to do instead */
	const char *force;	/* what --force does */
	bool here;		/* the place is the VF asked about, before the state */
	bool save;		/* the command line that helps is a save of this VF, else status */
} reason_words[INTEL_LM_REASONS] = {
	[INTEL_LM_REASON_RUNS_ELSEWHERE] = {
		.verb = "runs, or may run, in",
		.harm = "running it here too would run one state in two VFs",
		.next = "once that VF no longer runs it (or recover settled it), run the command "
			"again",
		.force = "--force sends it anyway",
	},
	[INTEL_LM_REASON_STALE] = {
		.verb = "has a newer version in",
		.harm = "this copy is older than one that ran since",
		.next = "use the newer copy",
		.force = "--force sends it anyway",
	},
	[INTEL_LM_REASON_LAST_COPY] = {
		.verb = "holds the only copy intel-lm knows of",
		.here = true,
		.tail = ", in no file and no other VF",
		.harm = "loading over it would lose it",
		.next = "save it first, or choose another VF",
		.save = true,
		.force = "--force loads anyway",
	},
	[INTEL_LM_REASON_IN_DOUBT] = {
		.verb = "holds",
		.here = true,
		.tail = ", or the state its LOAD_DATA in doubt brought in",
		.harm = "which one is not known: a saved copy names one state, and named wrongly, "
			"or resumed, a loaded one could run twice",
		.next = "load a state into it (the rule keeps the last copy of each)",
		.force = "--force sends it anyway (a saved copy is named as the loaded state)",
	},
};

/* Where a copy is, in words: "/dev/nvme1 VF 1 (on record: ...)" or "the file /x/a.blob (...)". */
static void place_words(const struct intel_lm_copy *p, char *out, size_t len)
{
	if (p->vf)
		snprintf(out, len, "%s VF %u (on record: %s, generation %u)",
			 p->device[0] ? p->device : p->pf, p->vf, intel_lm_vf_state_name(p->state),
			 p->ident.gen);
	else
		snprintf(out, len, "the file %s (generation %u)", p->path, p->ident.gen);
}

static const struct reason_words *words_of(enum intel_lm_reason reason)
{
	return reason > INTEL_LM_REASON_OK && reason < INTEL_LM_REASONS ? &reason_words[reason] :
	       NULL;
}

void rule_words(const struct intel_lm_verdict *v, const char *here, char *out, size_t len)
{
	const struct reason_words *w = words_of(v->reason);
	char id[INTEL_LM_ID_HEX_LEN], other[INTEL_LM_PATH_MAX + 96] = "";

	if (!w) {
		snprintf(out, len, "allowed");
		return;
	}
	intel_lm_identity_hex(&v->ident, id);
	if (v->other)
		place_words(v->other, other, sizeof(other));
	if (w->here)
		snprintf(out, len, "%s %s state %s (generation %u)%s", here, w->verb, id,
			 v->ident.gen, w->tail);
	else
		snprintf(out, len, "state %s (generation %u) %s %s", id, v->ident.gen, w->verb,
			 other);
}

void rule_refusal(const struct cli *c, const struct session *s, struct vf_result *r,
		  const struct intel_lm_verdict *v, int err, const char *what)
{
	const struct reason_words *w = words_of(v->reason);
	char here[128], fact[INTEL_LM_PATH_MAX + 256], cmd[INTEL_LM_PATH_MAX + 96];

	if (!w)
		return;
	r->reason = v->reason;
	snprintf(here, sizeof(here), "%s VF %u", pf_path(s), r->vf);
	rule_words(v, here, fact, sizeof(fact));
	if (w->save)
		snprintf(cmd, sizeof(cmd), "'%s save %s --vf=%u -o FILE' saves it", c->prog,
			 pf_path(s), r->vf);
	else
		snprintf(cmd, sizeof(cmd), "'%s status' shows where each state is", c->prog);
	fail(r, "check state", err, "%s: %s; %s; nothing was sent\n%s; %s; %s", what, fact,
	     w->harm, w->next, cmd, w->force);
}

/* The intent guard_entry() was given, and whether the rule let it be called. */
struct entry_intent {
	int (*fn)(void *priv);
	void *priv;
	bool called;
	int ret;
};

static int call_intent(void *priv)
{
	struct entry_intent *in = priv;

	in->called = true;
	in->ret = in->fn(in->priv);
	return in->ret;
}

enum intel_lm_reason guard_entry(const struct cli *c, const struct intel_lm_rec_entry *e,
				 const struct intel_lm_rec_entry *peer, enum intel_lm_rule_op op,
				 int (*intent)(void *priv), void *priv, int *intent_ret,
				 char *why, size_t len)
{
	char words[INTEL_LM_PATH_MAX + 256];
	struct entry_intent in = { .fn = intent, .priv = priv };
	struct intel_lm_guard g = {
		.size = sizeof(g), .op = op, .e = e, .known = peer, .n_known = peer ? 1 : 0,
		.intent = intent ? call_intent : NULL, .priv = &in,
	};
	struct intel_lm_copy place;
	struct intel_lm_verdict v = { 0 };
	int ret;

	why[0] = '\0';
	*intent_ret = 0;
	if (c->force || !intel_lm_identity_is_set(&e->ident)) {
		if (intent)
			*intent_ret = intent(priv);
		return INTEL_LM_REASON_OK;
	}
	/* What recover settled for the other VF counts, before it is written. */
	ret = intel_lm_claim_guarded(c->state_dir, c->lock_dir, &g, &place, &v);
	if (in.called) {
		*intent_ret = in.ret;
		return INTEL_LM_REASON_OK;
	}
	if (ret && !v.reason) {
		/* A record that cannot be read, or no lock, leaves nothing to go on: be safe. */
		snprintf(why, len, "the record in %s cannot be read, or the identities' lock in %s "
			 "taken (%s)", c->state_dir ? c->state_dir : INTEL_LM_STATE_DIR,
			 c->lock_dir ? c->lock_dir : INTEL_LM_LOCK_DIR, intel_lm_errno_name(ret));
		return INTEL_LM_REASON_RUNS_ELSEWHERE;
	}
	if (v.reason) {
		char here[128];

		snprintf(here, sizeof(here), "%s VF %u", e->device[0] ? e->device : e->pf.key,
			 e->vf);
		rule_words(&v, here, words, sizeof(words));
		snprintf(why, len, "%s (the one rule: %s)", words, intel_lm_reason_name(v.reason));
	}
	return v.reason;
}

void mig_verdict(const struct intel_lm_mig_outcome *m, struct intel_lm_verdict *v)
{
	v->reason = m->reason;
	v->at_dst = m->at_dst;
	v->ident = m->ident;
	v->other = m->has_other ? &m->other : NULL;
}
