// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one rule's refusals in words (one row per reason), and asking it for recover's rollback.
 * The rule decides (lib/rule.c); the library gathers what it needs and asks it, also for a
 * migration, whose outcome carries the refusal and the place in the way (mig_verdict()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-priv.h"

/* Where a copy is, in words: "/dev/nvme1 VF 1" or "the file /x/a.blob". */
static void place_words(const struct intel_lm_copy *p, char *out, size_t len)
{
	if (p->vf)
		snprintf(out, len, "%s VF %u (on record: %s)", p->device[0] ? p->device : p->pf,
			 p->vf, intel_lm_vf_state_name(p->state));
	else
		snprintf(out, len, "the file %s", p->path);
}

void rule_words(const struct intel_lm_verdict *v, const char *here, char *out, size_t len)
{
	char id[INTEL_LM_ID_HEX_LEN], other[INTEL_LM_PATH_MAX + 96] = "";

	intel_lm_identity_hex(&v->ident, id);
	if (v->other)
		place_words(v->other, other, sizeof(other));
	switch (v->reason) {
	case INTEL_LM_REASON_RUNS_ELSEWHERE:
		snprintf(out, len, "state %s (generation %u) runs, or may run, in %s", id,
			 v->ident.gen, other);
		break;
	case INTEL_LM_REASON_STALE:
		snprintf(out, len, "state %s is at generation %u here, and a newer one (generation "
			 "%u) is in %s", id, v->ident.gen, v->other ? v->other->ident.gen : 0, other);
		break;
	case INTEL_LM_REASON_LAST_COPY:
		snprintf(out, len, "%s holds the only copy intel-lm knows of state %s (generation "
			 "%u), in no file and no other VF", here, id, v->ident.gen);
		break;
	default:
		snprintf(out, len, "allowed");
	}
}

void rule_refusal(const struct cli *c, const struct session *s, struct vf_result *r,
		  const struct intel_lm_verdict *v, const char *what)
{
	char id[INTEL_LM_ID_HEX_LEN], other[INTEL_LM_PATH_MAX + 96] = "";

	intel_lm_identity_hex(&v->ident, id);
	if (v->other)
		place_words(v->other, other, sizeof(other));
	r->reason = v->reason;
	switch (v->reason) {
	case INTEL_LM_REASON_RUNS_ELSEWHERE:
		fail(r, "check state", -EBUSY, "%s: state %s (generation %u) runs, or may run, in "
		     "%s; running it here too would run one state in two VFs; nothing was sent\n"
		     "'%s status' shows where each state is; once that VF no longer runs it (or "
		     "'%s recover' settled it), run the command again; --force sends it anyway",
		     what, id, v->ident.gen, other, c->prog, c->prog);
		break;
	case INTEL_LM_REASON_STALE:
		fail(r, "check state", -ESTALE, "%s: state %s is at generation %u here, and a newer "
		     "one (generation %u) is in %s: this copy is older than one that ran since; "
		     "nothing was sent\nuse the newer copy; --force sends it anyway", what, id,
		     v->ident.gen, v->other ? v->other->ident.gen : 0, other);
		break;
	case INTEL_LM_REASON_LAST_COPY:
		fail(r, "check state", -EEXIST, "%s: %s VF %u holds the only copy intel-lm knows of "
		     "state %s (generation %u), in no file and no other VF; loading over it would "
		     "lose it; nothing was sent\nsave it first ('%s save %s --vf=%u -o FILE'), or "
		     "choose another VF; --force loads anyway", what, pf_path(s), r->vf, id,
		     v->ident.gen, c->prog, pf_path(s), r->vf);
		break;
	default:
		break;
	}
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
	char id[INTEL_LM_ID_HEX_LEN], other[INTEL_LM_PATH_MAX + 96] = "";
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
		if (v.other)
			place_words(v.other, other, sizeof(other));
		snprintf(why, len, "state %s %s %s (the one rule: %s)",
			 intel_lm_identity_hex(&v.ident, id), v.reason == INTEL_LM_REASON_STALE ?
			 "has a newer version in" : "runs, or may run, in", other,
			 intel_lm_reason_name(v.reason));
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
