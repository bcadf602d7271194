// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one rule (see intel-lm/rule.h): an identity runs in at most one VF, and no command
 * replaces or discards the last copy of one. intel_lm_rule_check() is pure; what it is given
 * is gathered by intel_lm_rule_copies() (lib/scan.c) with the helpers below it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intel-lm/blob.h>
#include <intel-lm/cmd.h>
#include <intel-lm/rule.h>

#include "private.h"

const char *intel_lm_reason_name(enum intel_lm_reason reason)
{
	static const char *const names[INTEL_LM_REASONS] = {
		[INTEL_LM_REASON_OK] = "ok",
		[INTEL_LM_REASON_RUNS_ELSEWHERE] = "runs-elsewhere",
		[INTEL_LM_REASON_STALE] = "stale",
		[INTEL_LM_REASON_LAST_COPY] = "last-copy",
		[INTEL_LM_REASON_IN_DOUBT] = "in-doubt",
	};

	return (unsigned int)reason < INTEL_LM_REASONS ? names[reason] : "ok";
}

int intel_lm_reason_errno(int reason)
{
	static const int err[INTEL_LM_REASONS] = {
		[INTEL_LM_REASON_RUNS_ELSEWHERE] = -EBUSY,
		[INTEL_LM_REASON_STALE] = -ESTALE,
		[INTEL_LM_REASON_LAST_COPY] = -EEXIST,
		[INTEL_LM_REASON_IN_DOUBT] = -EUCLEAN,
	};

	return (unsigned int)reason < INTEL_LM_REASONS ? err[reason] : 0;
}

/* Whether copy @c is the place @p (the same VF, or the same file). */
static bool same_place(const struct intel_lm_copy *c, const struct intel_lm_copy *p)
{
	if (!p)
		return false;
	if (c->vf || p->vf)
		return c->vf == p->vf && !strcmp(c->pf, p->pf);
	return !strcmp(c->path, p->path);
}

static bool is_file(const struct intel_lm_copy *c)
{
	return !c->vf;
}

/* A place that holds its state for sure: a whole file, or a VF in a known state. */
static bool reliable(const struct intel_lm_copy *c)
{
	return is_file(c) ? c->whole : c->state != INTEL_LM_VF_UNKNOWN;
}

/* The copies to look at: all but the places the command itself works on. */
struct scan {
	const struct intel_lm_rule_ask *ask;
	const struct intel_lm_copy *skip[2];
};

static bool skipped(const struct scan *s, const struct intel_lm_copy *c)
{
	return same_place(c, s->skip[0]) || same_place(c, s->skip[1]);
}

/* Whether copy @c holds, or may hold, @id (any generation). */
static bool holds(const struct intel_lm_copy *c, const struct intel_lm_identity *id)
{
	return intel_lm_identity_same(&c->ident, id) || intel_lm_identity_same(&c->alt, id);
}

/* The generation of @id that @c holds or may hold. */
static uint32_t gen_of(const struct intel_lm_copy *c, const struct intel_lm_identity *id)
{
	return intel_lm_identity_same(&c->ident, id) ? c->ident.gen : c->alt.gen;
}

/* A copy intel_lm_rule_remote_copy_of() made: another host's VF, known by "host:/dev/nvmeN". */
static bool is_remote(const struct intel_lm_copy *c)
{
	return !c->pf[0] && !c->path[0] && strchr(c->device, ':');
}

/* A VF other than those skipped that runs, or may run, @id. */
static const struct intel_lm_copy *runs_elsewhere(const struct scan *s,
						  const struct intel_lm_identity *id)
{
	size_t i;

	for (i = 0; i < s->ask->n; i++) {
		const struct intel_lm_copy *c = &s->ask->copies[i];

		if (is_file(c) || skipped(s, c) || !holds(c, id))
			continue;
		/*
		 * What ran on another host, at the generation it started there: a state here as
		 * new or newer came back from there (a state moves only once saved).
		 */
		if (is_remote(c) && id->gen >= gen_of(c, id))
			continue;
		if (c->state == INTEL_LM_VF_RUNNING ||
		    (c->state == INTEL_LM_VF_UNKNOWN && c->may_run))
			return c;
	}
	return NULL;
}

/* A copy of @id newer than generation @gen (the newest of them), or NULL. */
static const struct intel_lm_copy *newer(const struct scan *s, const struct intel_lm_identity *id,
					 uint32_t gen)
{
	const struct intel_lm_copy *best = NULL;
	size_t i;

	for (i = 0; i < s->ask->n; i++) {
		const struct intel_lm_copy *c = &s->ask->copies[i];

		if (!holds(c, id) || gen_of(c, id) <= gen)
			continue;
		/* A file that is not whole holds no version at all. */
		if (is_file(c) && !c->whole)
			continue;
		if (!best || gen_of(c, id) > gen_of(best, id))
			best = c;
	}
	return best;
}

/* Another place that reliably holds @id at generation @gen or newer. */
static bool kept_elsewhere(const struct scan *s, const struct intel_lm_identity *id,
			   uint32_t gen)
{
	size_t i;

	for (i = 0; i < s->ask->n; i++) {
		const struct intel_lm_copy *c = &s->ask->copies[i];

		/* A VF that may hold either of two states holds neither for sure. */
		if (!skipped(s, c) && intel_lm_identity_same(&c->ident, id) &&
		    !intel_lm_identity_is_set(&c->alt) && c->ident.gen >= gen && reliable(c))
			return true;
	}
	return false;
}

static enum intel_lm_reason verdict(struct intel_lm_verdict *v, enum intel_lm_reason reason,
				    const struct intel_lm_identity *id,
				    const struct intel_lm_copy *other)
{
	v->reason = reason;
	v->ident = *id;
	v->other = other;
	return reason;
}

/*
 * @held, which @place holds (or may hold), is replaced (LOAD_DATA into a VF) or removed (a
 * file) by @incoming, or by nothing. Only a copy of the newest version with no other reliable
 * copy is in the way. A VF that may have run since its record was written (its state unknown
 * after a RESUME in doubt) may hold a newer version than any copy: one more generation.
 */
static enum intel_lm_reason replace_one(const struct scan *s, const struct intel_lm_copy *place,
					const struct intel_lm_identity *held,
					const struct intel_lm_identity *incoming,
					struct intel_lm_verdict *v)
{
	uint32_t gen = held->gen;

	if (!intel_lm_identity_is_set(held))
		return INTEL_LM_REASON_OK;
	if (place->vf && place->state == INTEL_LM_VF_UNKNOWN && place->may_run)
		gen++;
	/* The same state, as new or newer, replaces it: nothing is lost. */
	if (incoming && intel_lm_identity_same(incoming, held) && incoming->gen >= gen)
		return INTEL_LM_REASON_OK;
	/* A stale copy loses nothing: a newer version is elsewhere. */
	if (newer(s, held, gen))
		return INTEL_LM_REASON_OK;
	if (kept_elsewhere(s, held, gen))
		return INTEL_LM_REASON_OK;
	return verdict(v, INTEL_LM_REASON_LAST_COPY, held, NULL);
}

/* What @place holds is replaced: each state it may hold. */
static enum intel_lm_reason check_replace(const struct scan *s, const struct intel_lm_copy *place,
					  const struct intel_lm_identity *incoming,
					  struct intel_lm_verdict *v)
{
	enum intel_lm_reason r = replace_one(s, place, &place->ident, incoming, v);

	return r ? r : replace_one(s, place, &place->alt, incoming, v);
}

/*
 * SAVE_DATA of @vf makes a copy that names one identity: a VF that holds one of two (its own,
 * or the one a LOAD_DATA in doubt brought in) would make a copy that may be mislabelled, and
 * the state it names could then run twice.
 */
static enum intel_lm_reason check_save(const struct intel_lm_copy *vf, struct intel_lm_verdict *v)
{
	if (vf->load_lost) {
		v->alt = vf->alt;
		return verdict(v, INTEL_LM_REASON_IN_DOUBT, &vf->ident, NULL);
	}
	if (!intel_lm_identity_is_set(&vf->ident) || !intel_lm_identity_is_set(&vf->alt))
		return INTEL_LM_REASON_OK;
	v->alt = vf->alt;
	return verdict(v, INTEL_LM_REASON_IN_DOUBT, &vf->ident, NULL);
}

/* @place is to run @id: nothing else may run it, and no newer version may exist. */
static enum intel_lm_reason check_run(const struct scan *s, const struct intel_lm_identity *id,
				      struct intel_lm_verdict *v)
{
	const struct intel_lm_copy *c;

	if (!intel_lm_identity_is_set(id))
		return INTEL_LM_REASON_OK;
	c = runs_elsewhere(s, id);
	if (c)
		return verdict(v, INTEL_LM_REASON_RUNS_ELSEWHERE, id, c);
	c = newer(s, id, id->gen);
	if (c)
		return verdict(v, INTEL_LM_REASON_STALE, id, c);
	return INTEL_LM_REASON_OK;
}

enum intel_lm_reason intel_lm_rule_check(const struct intel_lm_rule_ask *ask,
					 struct intel_lm_verdict *v)
{
	struct scan s = { .ask = ask };
	struct intel_lm_copy file = { .state = INTEL_LM_VF_SAVED, .whole = true };
	enum intel_lm_reason r;

	memset(v, 0, sizeof(*v));
	switch (ask->op) {
	case INTEL_LM_RULE_RESUME:
		/*
		 * A VF that may hold a state its record does not name could run it twice: nothing
		 * here knows where else it runs.
		 */
		if (ask->vf->load_lost) {
			v->alt = ask->vf->alt;
			return verdict(v, INTEL_LM_REASON_IN_DOUBT, &ask->vf->ident, NULL);
		}
		/* Also for a VF running on record: the record does not stand in for the device. */
		s.skip[0] = ask->vf;
		r = check_run(&s, &ask->vf->ident, v);
		return r ? r : check_run(&s, &ask->vf->alt, v);
	case INTEL_LM_RULE_LOAD:
		s.skip[0] = ask->vf;
		r = check_replace(&s, ask->vf, ask->incoming, v);
		if (r)
			return r;
		return check_run(&s, ask->incoming, v);
	case INTEL_LM_RULE_MIGRATE:
		/* The source's state moves: it must be the one to run. */
		s.skip[0] = ask->vf;
		s.skip[1] = ask->dst;
		r = check_save(ask->vf, v);
		if (!r)
			r = check_run(&s, &ask->vf->ident, v);
		if (!r)
			r = check_run(&s, &ask->vf->alt, v);
		if (r)
			return r;
		/* The destination runs it next, and nothing else may (the source is suspended). */
		if (intel_lm_identity_is_set(&ask->vf->ident) &&
		    intel_lm_identity_same(&ask->dst->ident, &ask->vf->ident) &&
		    (ask->dst->state == INTEL_LM_VF_RUNNING ||
		     ask->dst->state == INTEL_LM_VF_UNKNOWN)) {
			v->at_dst = true;
			return verdict(v, INTEL_LM_REASON_RUNS_ELSEWHERE, &ask->vf->ident, ask->dst);
		}
		s.skip[0] = ask->dst;
		s.skip[1] = NULL;
		r = check_replace(&s, ask->dst, &ask->vf->ident, v);
		v->at_dst = r != INTEL_LM_REASON_OK;
		return r;
	case INTEL_LM_RULE_DISCARD:
		snprintf(file.path, sizeof(file.path), "%s", ask->file ? ask->file : "");
		file.ident = *ask->incoming;
		s.skip[0] = &file;
		return check_replace(&s, &file, NULL, v);
	case INTEL_LM_RULE_SAVE:
		return check_save(ask->vf, v);
	case INTEL_LM_RULE_SUSPEND:
	default:
		return INTEL_LM_REASON_OK;
	}
}

static void want_id(struct intel_lm_want *w, const struct intel_lm_identity *id)
{
	if (id && intel_lm_identity_is_set(id) && w->n_ids < sizeof(w->ids) / sizeof(w->ids[0]))
		w->ids[w->n_ids++] = *id;
}

/*
 * Every copy intel_lm_rule_check() looks at holds (holds(), or the same identity for
 * kept_elsewhere()) an identity of the VF asked about, of the destination, or the incoming
 * one: the rule answers the same with only those copies, in the same order.
 */
void intel_lm_rule_wants(const struct intel_lm_rule_ask *ask, struct intel_lm_want *w)
{
	memset(w, 0, sizeof(*w));
	if (ask->vf) {
		want_id(w, &ask->vf->ident);
		want_id(w, &ask->vf->alt);
	}
	if (ask->dst) {
		want_id(w, &ask->dst->ident);
		want_id(w, &ask->dst->alt);
	}
	want_id(w, ask->incoming);
}

bool intel_lm_rule_wanted(const struct intel_lm_want *w, const struct intel_lm_copy *c)
{
	size_t i;

	for (i = 0; i < w->n_ids; i++)
		if (holds(c, &w->ids[i]))
			return true;
	for (i = 0; c->vf && i < w->n_vfs; i++)
		if (c->vf == w->vfs[i].vf && !strcmp(c->pf, w->vfs[i].pf.key))
			return true;
	return false;
}

size_t intel_lm_rule_held(const struct intel_lm_rec_entry *e, struct intel_lm_identity ids[3])
{
	size_t n = 0;

	/* The copy another host runs (intel_lm_rule_remote_copy_of()) is of e->ident too. */
	if (intel_lm_identity_is_set(&e->ident))
		ids[n++] = e->ident;
	if (intel_lm_identity_is_set(&e->load_ident))
		ids[n++] = e->load_ident;
	if (e->state_file[0] && intel_lm_identity_is_set(&e->file_ident))
		ids[n++] = e->file_ident;
	return n;
}

bool intel_lm_rule_hides(const struct intel_lm_identity *ids, size_t n,
			 const struct intel_lm_rec_entry *e)
{
	struct intel_lm_identity now[3];
	size_t k = intel_lm_rule_held(e, now), i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < k && !intel_lm_identity_same(&now[j], &ids[i]); j++)
			;
		if (j == k)
			return true;
	}
	return false;
}

void intel_lm_rule_copy_of(const struct intel_lm_rec_entry *e, struct intel_lm_copy *c)
{
	intel_lm_put_str(c->pf, sizeof(c->pf), e->pf.key);
	intel_lm_put_str(c->device, sizeof(c->device), e->device);
	c->vf = e->vf;
	c->state = e->pending ? INTEL_LM_VF_UNKNOWN : e->state;
	c->whole = true;
	c->may_run = intel_lm_record_may_run(e);
	c->ident = e->ident;
	c->alt = e->load_ident;
	c->load_lost = e->load_lost;
	c->path[0] = '\0';
}

/*
 * A source whose migration to another host succeeded (migrate --to=ssh://...: its peer is
 * "ssh://[user@]host[:port]/dev/nvmeN" or "host:/dev/nvmeN", the migration closed, the VF
 * saved): its state runs there, in the peer VF, which this host's records do not hold. It
 * counts as a copy of its own, running, one generation on, so that nothing here runs the
 * state a second time.
 */
bool intel_lm_rule_remote_copy_of(const struct intel_lm_rec_entry *e, struct intel_lm_copy *c)
{
	if (e->op != INTEL_LM_OP_MIGRATE || e->role != INTEL_LM_ROLE_SOURCE ||
	    e->pending || e->state != INTEL_LM_VF_SAVED || !strchr(e->peer_device, ':') ||
	    !intel_lm_identity_is_set(&e->ident))
		return false;
	/*
	 * Rolled back (migrate's rollback, or recover once the other host said its VF never
	 * ran): the destination was never resumed, so nothing runs the state there.
	 */
	if (e->op_open && e->step == INTEL_LM_MIG_STEPS)
		return false;
	memset(c, 0, sizeof(*c));
	intel_lm_put_str(c->device, sizeof(c->device), e->peer_device);
	c->vf = e->peer_vf;
	/*
	 * A migration still open (its destination's RESUME in doubt, or this host lost the
	 * peer): the state may run there; this host cannot ask.
	 */
	c->state = e->op_open ? INTEL_LM_VF_UNKNOWN : INTEL_LM_VF_RUNNING;
	c->whole = true;
	c->may_run = true;
	c->ident = e->ident;
	c->ident.gen++;
	return true;
}

/* The state file an entry names, as a copy; whether it is whole is the scan's to look at. */
bool intel_lm_rule_file_copy_of(const struct intel_lm_rec_entry *e, struct intel_lm_copy *c)
{
	if (!e->state_file[0] || !intel_lm_identity_is_set(&e->file_ident))
		return false;
	memset(c, 0, sizeof(*c));
	c->state = INTEL_LM_VF_SAVED;
	c->ident = e->file_ident;
	intel_lm_put_str(c->path, sizeof(c->path), e->state_file);
	return true;
}
