// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one rule (lib/rule.c) as a table: the command, the VFs and files involved with the
 * identity and generation each holds, and the reason the rule must answer, with the place in
 * the way. A state is written "A1": identity A, generation 1; "-" is a VF's own state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libintel-lm-private.h>

#include "../../lib/private.h"
#include "unit.h"

const char unit_name[] = "unit-rule";

/*
 * A place: "pf:vf state ident" for a VF ("nvme0:3 saved A1", "nvme0:3 loaded A1|X0" for one that
 * holds A1 or, its LOAD_DATA in doubt, X0), "/path whole|torn A1" for a file.
 */
static void place(struct intel_lm_copy *c, const char *spec)
{
	char where[64], what[16], id[8];

	memset(c, 0, sizeof(*c));
	ck_assert_int_eq(sscanf(spec, "%63s %15s %7s", where, what, id), 3);
	if (where[0] == '/') {
		snprintf(c->path, sizeof(c->path), "%s", where);
		c->state = INTEL_LM_VF_SAVED;
		c->whole = !strcmp(what, "whole");
	} else {
		char *colon = strchr(where, ':');

		ck_assert_ptr_nonnull(colon);
		*colon = '\0';
		snprintf(c->pf, sizeof(c->pf), "%s", where);
		c->vf = (uint16_t)atoi(colon + 1);
		/* "unknown-load": unknown after a LOAD_DATA in doubt, which runs nothing */
		c->may_run = strcmp(what, "unknown-load") != 0;
		if (!c->may_run)
			what[7] = '\0';
		c->state = intel_lm_vf_state_parse(what);
		ck_assert_int_ne(c->state, INTEL_LM_VF_STATES);
		c->whole = true;
	}
	if (id[0] != '-') {
		c->ident.id[0] = (uint8_t)id[0];
		c->ident.gen = (uint32_t)atoi(id + 1);
	}
	if (strchr(id, '|')) {
		c->alt.id[0] = (uint8_t)strchr(id, '|')[1];
		c->alt.gen = (uint32_t)atoi(strchr(id, '|') + 2);
	}
	/* "A0|X0+": and perhaps a state its record no longer names (two LOAD_DATA in doubt) */
	c->load_lost = strchr(id, '+') != NULL;
}

struct rule_case {
	const char *name;
	enum intel_lm_rule_op op;
	const char *vf;		/* the VF asked about (a migration's source) */
	const char *dst;	/* a migration's destination */
	const char *incoming;	/* LOAD_DATA's state, DISCARD's file ("/f whole A1") */
	const char *copies[4];	/* the other places intel-lm knows of */
	enum intel_lm_reason want;
	int other;		/* which of copies[] is in the way, -1 none, 9 the destination */
	bool at_dst;
};

#define OK INTEL_LM_REASON_OK
#define RUNS INTEL_LM_REASON_RUNS_ELSEWHERE
#define STALE INTEL_LM_REASON_STALE
#define LAST INTEL_LM_REASON_LAST_COPY
#define DOUBT INTEL_LM_REASON_IN_DOUBT

static const struct rule_case cases[] = {
	/* SUSPEND and SAVE_DATA lose nothing and run nothing. */
	{ "suspend", INTEL_LM_RULE_SUSPEND, "n0:1 running A1", NULL, NULL,
	  { "n0:2 running A1" }, OK, -1, false },
	{ "save", INTEL_LM_RULE_SAVE, "n0:1 suspended A1", NULL, NULL, { "n0:2 running A1" },
	  OK, -1, false },
	/* ... but a copy names one state: of a VF that holds one of two, it may be misnamed */
	{ "save a VF whose LOAD_DATA is in doubt", INTEL_LM_RULE_SAVE, "n0:1 loaded A1|X0", NULL,
	  NULL, { "/a whole A1" }, DOUBT, -1, false },
	{ "save a VF that holds its own state or a loaded one", INTEL_LM_RULE_SAVE,
	  "n0:1 loaded -|X0", NULL, NULL, { NULL }, OK, -1, false },
	/* RESUME */
	/* A VF that may hold a state its record no longer names is neither resumed nor saved. */
	{ "resume a VF of two LOAD_DATA in doubt", INTEL_LM_RULE_RESUME, "n0:1 suspended A0|X0+",
	  NULL, NULL, { "/a whole A0", "/x whole X0" }, DOUBT, -1, false },
	{ "save a VF of two LOAD_DATA in doubt", INTEL_LM_RULE_SAVE, "n0:1 suspended A0|X0+",
	  NULL, NULL, { "/a whole A0", "/x whole X0" }, DOUBT, -1, false },
	{ "load into a VF of two LOAD_DATA in doubt", INTEL_LM_RULE_LOAD, "n0:1 suspended A0|X0+",
	  NULL, "/b whole B0", { "/a whole A0", "/x whole X0" }, OK, -1, false },
	{ "resume own state", INTEL_LM_RULE_RESUME, "n0:1 suspended -", NULL, NULL, { NULL }, OK,
	  -1, false },
	{ "resume a source after its state ran elsewhere", INTEL_LM_RULE_RESUME,
	  "n0:3 saved A0", NULL, NULL, { "n1:1 running A1" }, RUNS, 0, false },
	{ "resume a source while the destination only loaded", INTEL_LM_RULE_RESUME,
	  "n0:3 saved A0", NULL, NULL, { "n1:1 loaded A0" }, OK, -1, false },
	{ "resume a stale copy", INTEL_LM_RULE_RESUME, "n0:3 saved A0", NULL, NULL,
	  { "n1:1 suspended A1" }, STALE, 0, false },
	{ "resume below a newer file", INTEL_LM_RULE_RESUME, "n0:3 loaded A0", NULL, NULL,
	  { "/s/a1.blob whole A1" }, STALE, 0, false },
	{ "a torn newer file holds nothing", INTEL_LM_RULE_RESUME, "n0:3 loaded A0", NULL, NULL,
	  { "/s/a1.blob torn A1" }, OK, -1, false },
	{ "resume while another VF's state is unknown", INTEL_LM_RULE_RESUME, "n0:3 saved A0",
	  NULL, NULL, { "n1:1 unknown A0" }, RUNS, 0, false },
	{ "resume while another VF's LOAD_DATA is in doubt", INTEL_LM_RULE_RESUME,
	  "n0:3 saved A0", NULL, NULL, { "n1:1 unknown-load A0" }, OK, -1, false },
	{ "resume running on record, also running elsewhere", INTEL_LM_RULE_RESUME,
	  "n0:3 running A1", NULL, NULL, { "n0:4 running A1" }, RUNS, 0, false },
	{ "the VF itself is not elsewhere", INTEL_LM_RULE_RESUME, "n0:3 saved A0", NULL, NULL,
	  { "n0:3 saved A0", "n1:3 saved B0" }, OK, -1, false },
	/* LOAD_DATA */
	{ "load into a fresh VF", INTEL_LM_RULE_LOAD, "n1:1 suspended -", NULL, "/b whole B0",
	  { "n0:2 saved B0" }, OK, -1, false },
	{ "load over a saved state kept nowhere", INTEL_LM_RULE_LOAD, "n1:1 saved A0", NULL,
	  "/b whole B0", { NULL }, LAST, -1, false },
	{ "load over a saved state kept in a file", INTEL_LM_RULE_LOAD, "n1:1 saved A0", NULL,
	  "/b whole B0", { "/a whole A0" }, OK, -1, false },
	{ "a torn file keeps nothing", INTEL_LM_RULE_LOAD, "n1:1 saved A0", NULL, "/b whole B0",
	  { "/a torn A0" }, LAST, -1, false },
	{ "an older file keeps nothing", INTEL_LM_RULE_LOAD, "n1:1 suspended A2", NULL,
	  "/b whole B0", { "/a whole A1" }, LAST, -1, false },
	{ "an unknown VF keeps nothing", INTEL_LM_RULE_LOAD, "n1:1 saved A0", NULL, "/b whole B0",
	  { "n0:1 unknown A0" }, LAST, -1, false },
	{ "load over a stale copy", INTEL_LM_RULE_LOAD, "n1:1 suspended A3", NULL, "/b whole B0",
	  { "n0:1 running A4" }, OK, -1, false },
	{ "load the same state again", INTEL_LM_RULE_LOAD, "n1:1 loaded A1", NULL, "/a whole A1",
	  { NULL }, OK, -1, false },
	{ "load an older copy over a newer one", INTEL_LM_RULE_LOAD, "n1:1 suspended A2", NULL,
	  "/a whole A1", { NULL }, LAST, -1, false },
	{ "load a state that runs elsewhere", INTEL_LM_RULE_LOAD, "n1:2 suspended -", NULL,
	  "/a whole A1", { "n1:1 running A1" }, RUNS, 0, false },
	{ "load a stale file", INTEL_LM_RULE_LOAD, "n1:2 suspended -", NULL, "/a whole A0",
	  { "n1:1 saved A1" }, STALE, 0, false },
	{ "save then load elsewhere", INTEL_LM_RULE_LOAD, "n1:2 suspended -", NULL,
	  "/a whole A1", { "n0:1 saved A1", "/a whole A1" }, OK, -1, false },
	/* migrate */
	{ "migrate into an unused VF", INTEL_LM_RULE_MIGRATE, "n0:3 running -",
	  "n1:1 running -", NULL, { NULL }, OK, -1, false },
	{ "migrate a source whose LOAD_DATA is in doubt", INTEL_LM_RULE_MIGRATE,
	  "n0:3 suspended A1|X0", "n1:1 running -", NULL, { "/a whole A1" }, DOUBT, -1, false },
	{ "migrate into a VF running a moved state", INTEL_LM_RULE_MIGRATE, "n0:4 running -",
	  "n1:1 running A1", NULL, { "n0:3 saved A0" }, LAST, -1, true },
	{ "migrate into a VF saved and kept nowhere", INTEL_LM_RULE_MIGRATE, "n0:4 running -",
	  "n1:1 saved C0", NULL, { NULL }, LAST, -1, true },
	{ "migrate into a VF saved and kept in a file", INTEL_LM_RULE_MIGRATE, "n0:4 running -",
	  "n1:1 saved C0", NULL, { "/c whole C0" }, OK, -1, false },
	{ "migrate a stale source", INTEL_LM_RULE_MIGRATE, "n0:3 saved A0", "n1:2 running -", NULL,
	  { "n1:1 running A1" }, RUNS, 0, false },
	{ "migrate a source whose state the destination runs", INTEL_LM_RULE_MIGRATE,
	  "n0:3 saved A0", "n1:1 running A0", NULL, { NULL }, RUNS, 9, true },
	{ "migrate back from where it ran", INTEL_LM_RULE_MIGRATE, "n1:1 running A1",
	  "n0:3 saved A0", NULL, { NULL }, OK, -1, false },
	{ "migrate a loaded copy on", INTEL_LM_RULE_MIGRATE, "n1:1 loaded A0", "n1:2 running -",
	  NULL, { "n0:3 saved A0" }, OK, -1, false },
	/* discarding a file */
	{ "discard a stale file", INTEL_LM_RULE_DISCARD, NULL, NULL, "/k whole A0",
	  { "n1:1 running A1" }, OK, -1, false },
	{ "discard a file the source still holds", INTEL_LM_RULE_DISCARD, NULL, NULL,
	  "/k whole A0", { "n0:3 saved A0" }, OK, -1, false },
	{ "discard the last copy", INTEL_LM_RULE_DISCARD, NULL, NULL, "/k whole A0",
	  { "/k whole A0", "n0:3 unknown A0" }, LAST, -1, false },
};

/* A case's places, and the question they make. */
struct asked {
	struct intel_lm_copy vf, dst, in, copies[4];
	struct intel_lm_rule_ask ask;
};

static void ask_of(const struct rule_case *t, struct asked *a)
{
	memset(a, 0, sizeof(*a));
	a->ask.op = t->op;
	a->ask.copies = a->copies;
	if (t->vf) {
		place(&a->vf, t->vf);
		a->ask.vf = &a->vf;
	}
	if (t->dst) {
		place(&a->dst, t->dst);
		a->ask.dst = &a->dst;
	}
	if (t->incoming) {
		place(&a->in, t->incoming);
		a->ask.incoming = &a->in.ident;
		a->ask.file = a->in.path;
	}
	while (a->ask.n < 4 && t->copies[a->ask.n]) {
		place(&a->copies[a->ask.n], t->copies[a->ask.n]);
		a->ask.n++;
	}
}

START_TEST(table)
{
	const struct rule_case *t = &cases[_i];
	struct intel_lm_verdict v;
	enum intel_lm_reason got;
	struct asked a;

	ask_of(t, &a);
	got = intel_lm_rule_check(&a.ask, &v);
	ck_assert_msg(got == t->want, "%s: %s, not %s", t->name, intel_lm_reason_name(got),
		      intel_lm_reason_name(t->want));
	ck_assert_int_eq(v.reason, got);
	ck_assert_msg(v.at_dst == t->at_dst, "%s: at_dst %d", t->name, v.at_dst);
	if (t->other == 9)
		ck_assert_ptr_eq(v.other, &a.dst);
	else if (t->other >= 0)
		ck_assert_ptr_eq(v.other, &a.copies[t->other]);
	else
		ck_assert_ptr_null(v.other);
	if (got != OK)
		ck_assert(intel_lm_identity_is_set(&v.ident));
}
END_TEST

/*
 * The rule answers @ask the same with only the copies it wants (intel_lm_rule_wants()), in
 * the same order: the reason, where, the state and the place in the way.
 */
static void same_with_wanted(const struct intel_lm_rule_ask *ask, const char *name)
{
	struct intel_lm_copy wanted[16];
	struct intel_lm_rule_ask few = *ask;
	struct intel_lm_verdict all, v;
	struct intel_lm_want w;
	size_t i;

	intel_lm_rule_wants(ask, &w);
	few.copies = wanted;
	few.n = 0;
	for (i = 0; i < ask->n; i++)
		if (intel_lm_rule_wanted(&w, &ask->copies[i]))
			wanted[few.n++] = ask->copies[i];
	intel_lm_rule_check(ask, &all);
	intel_lm_rule_check(&few, &v);
	ck_assert_msg(v.reason == all.reason, "%s: %s with the copies wanted, %s with all", name,
		      intel_lm_reason_name(v.reason), intel_lm_reason_name(all.reason));
	ck_assert_int_eq(v.at_dst, all.at_dst);
	ck_assert_mem_eq(&v.ident, &all.ident, sizeof(v.ident));
	ck_assert_mem_eq(&v.alt, &all.alt, sizeof(v.alt));
	ck_assert_int_eq(!v.other, !all.other);
	if (v.other && v.other >= wanted && v.other < wanted + few.n)
		ck_assert_mem_eq(v.other, all.other, sizeof(*v.other));
	else
		ck_assert_ptr_eq(v.other, all.other);	/* the destination, or none */
}

START_TEST(table_with_wanted)
{
	struct asked a;

	ask_of(&cases[_i], &a);
	same_with_wanted(&a.ask, cases[_i].name);
}
END_TEST

/* A random place of a world of 4 states (A to D, generations 0 to 2) and 3 VFs of 2 PFs. */
static void random_place(struct intel_lm_copy *c, unsigned int *seed, bool vf)
{
	static const char *const states[] = { "running", "suspended", "saved", "loaded",
					      "unknown" };
	char spec[64], id[8];

	if (rand_r(seed) % 4 == 0)
		snprintf(id, sizeof(id), "-");
	else
		snprintf(id, sizeof(id), "%c%d", 'A' + rand_r(seed) % 4, rand_r(seed) % 3);
	if (rand_r(seed) % 4 == 0 && id[0] != '-')
		snprintf(id + 2, sizeof(id) - 2, "|%c%d%s", 'A' + rand_r(seed) % 4,
			 rand_r(seed) % 3, rand_r(seed) % 4 ? "" : "+");
	if (vf || rand_r(seed) % 2)
		snprintf(spec, sizeof(spec), "n%d:%d %s %s", rand_r(seed) % 2, 1 + rand_r(seed) % 3,
			 rand_r(seed) % 6 ? states[rand_r(seed) % 5] : "unknown-load", id);
	else
		snprintf(spec, sizeof(spec), "/f%d %s %c%d", rand_r(seed) % 3,
			 rand_r(seed) % 3 ? "whole" : "torn", 'A' + rand_r(seed) % 4,
			 rand_r(seed) % 3);
	place(c, spec);
}

START_TEST(random_with_wanted)
{
	unsigned int seed = 20261207;
	char name[64];
	int round;

	for (round = 0; round < 20000; round++) {
		struct intel_lm_copy vf, dst, in, copies[8];
		struct intel_lm_rule_ask ask = { .copies = copies };

		ask.op = (enum intel_lm_rule_op)(rand_r(&seed) % (INTEL_LM_RULE_DISCARD + 1));
		random_place(&vf, &seed, true);
		random_place(&dst, &seed, true);
		random_place(&in, &seed, false);
		ask.vf = ask.op == INTEL_LM_RULE_DISCARD ? NULL : &vf;
		ask.dst = ask.op == INTEL_LM_RULE_MIGRATE ? &dst : NULL;
		if (ask.op == INTEL_LM_RULE_LOAD || ask.op == INTEL_LM_RULE_DISCARD) {
			if (!intel_lm_identity_is_set(&in.ident))
				in.ident.id[0] = 'A';
			ask.incoming = &in.ident;
			ask.file = in.path;
		}
		ask.n = (size_t)(rand_r(&seed) % 9);
		for (size_t i = 0; i < ask.n; i++)
			random_place(&copies[i], &seed, false);
		snprintf(name, sizeof(name), "round %d", round);
		same_with_wanted(&ask, name);
	}
}
END_TEST

START_TEST(reason_words)
{
	ck_assert_str_eq(intel_lm_reason_name(INTEL_LM_REASON_OK), "ok");
	ck_assert_str_eq(intel_lm_reason_name(INTEL_LM_REASON_RUNS_ELSEWHERE), "runs-elsewhere");
	ck_assert_str_eq(intel_lm_reason_name(INTEL_LM_REASON_STALE), "stale");
	ck_assert_str_eq(intel_lm_reason_name(INTEL_LM_REASON_LAST_COPY), "last-copy");
	ck_assert_str_eq(intel_lm_reason_name(INTEL_LM_REASON_IN_DOUBT), "in-doubt");
	ck_assert_str_eq(intel_lm_reason_name(INTEL_LM_REASONS), "ok");
}
END_TEST

START_TEST(identity_hex_round_trip)
{
	struct intel_lm_identity a, b = { 0 };
	char hex[INTEL_LM_ID_HEX_LEN];

	ck_assert_int_eq(intel_lm_identity_new(&a, "pci-0000:3b:00.0", 3), 0);
	ck_assert(intel_lm_identity_is_set(&a));
	ck_assert_str_eq(a.origin, "pci-0000:3b:00.0");
	ck_assert_int_eq(a.origin_vf, 3);
	ck_assert_int_eq(strlen(intel_lm_identity_hex(&a, hex)), 32);
	ck_assert_int_eq(intel_lm_identity_parse_hex(hex, strlen(hex), &b), 0);
	ck_assert(intel_lm_identity_same(&a, &b));
	ck_assert_int_eq(intel_lm_identity_parse_hex("0g", 2, &b), -EINVAL);
	ck_assert_int_eq(intel_lm_identity_parse_hex(hex, 31, &b), -EINVAL);
	ck_assert_int_eq(intel_lm_identity_parse_hex("", 0, &b), 0);
	ck_assert(!intel_lm_identity_is_set(&b));
	ck_assert_str_eq(intel_lm_identity_hex(&b, hex), "");
	/* Two fresh identities differ. */
	ck_assert_int_eq(intel_lm_identity_new(&b, "x", 1), 0);
	ck_assert(!intel_lm_identity_same(&a, &b));
}
END_TEST

START_TEST(identity_derived_from_bytes)
{
	struct intel_lm_identity a, b;
	char s1[64] = "state one", s2[64] = "state two";

	intel_lm_identity_derive(&a, s1, sizeof(s1));
	intel_lm_identity_derive(&b, s1, sizeof(s1));
	ck_assert(intel_lm_identity_same(&a, &b));
	intel_lm_identity_derive(&b, s2, sizeof(s2));
	ck_assert(!intel_lm_identity_same(&a, &b));
	ck_assert_int_eq(a.gen, 0);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create(unit_name);
	TCase *tc = tcase_create("rule");

	tcase_add_loop_test(tc, table, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_loop_test(tc, table_with_wanted, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, random_with_wanted);
	tcase_add_test(tc, reason_words);
	tcase_add_test(tc, identity_hex_round_trip);
	tcase_add_test(tc, identity_derived_from_bytes);
	suite_add_tcase(s, tc);
	return s;
}
