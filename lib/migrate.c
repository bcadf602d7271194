// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One VF's cold migration with rollback. Everything that can be checked or prepared is done by
 * the caller before this starts: from the source SUSPEND on, only the steps themselves run.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include <intel-lm/blob.h>
#include <intel-lm/claim.h>
#include <intel-lm/migrate.h>
#include <intel-lm/rule.h>

#include "private.h"

/*
 * A migration: what intel_lm_migration_new() was given, and what intel_lm_migrate() found.
 * %INTEL_LM_MIG_STEPS in @failed means success here (and names the rollback in step_rec()).
 */
struct intel_lm_migration {
	struct intel_lm_mig_params p;	/* as the caller gave them (p.op_id: see @op_id) */
	char op_id[40];
	bool ran;
	struct intel_lm_mig_outcome o;	/* o.failed is INTEL_LM_MIG_STEPS until a step fails */
	uint64_t step_ns[INTEL_LM_MIG_STEPS];
	/*
	 * What the destination's entry said of its states before the LOAD_DATA intent, which a
	 * migration that stops before LOAD_DATA puts back (an earlier LOAD_DATA in doubt too).
	 */
	bool dst_intent;
	struct intel_lm_identity dst_ident, dst_load_ident;
	uint8_t dst_load_lost;
};

/* The first version's parameters end with keep_temporary. */
#define MIG_PARAMS_V1_SIZE \
	(offsetof(struct intel_lm_mig_params, keep_temporary) + sizeof(bool))

int intel_lm_migration_new(const struct intel_lm_mig_params *params,
			   struct intel_lm_migration **m)
{
	struct intel_lm_mig_params p = { 0 };

	*m = NULL;
	if (!params || params->size < MIG_PARAMS_V1_SIZE)
		return -EINVAL;
	memcpy(&p, params, params->size < sizeof(p) ? params->size : sizeof(p));
	*m = calloc(1, sizeof(**m));
	if (!*m)
		return -ENOMEM;
	(*m)->p = p;
	(*m)->p.op_id = NULL;
	if (p.op_id)
		snprintf((*m)->op_id, sizeof((*m)->op_id), "%s", p.op_id);
	(*m)->o.failed = INTEL_LM_MIG_STEPS;
	return 0;
}

void intel_lm_migration_free(struct intel_lm_migration *m)
{
	free(m);
}

void intel_lm_migration_outcome(const struct intel_lm_migration *m,
				struct intel_lm_mig_outcome *out, size_t size)
{
	struct intel_lm_mig_outcome o = m->o;

	if (o.failed >= INTEL_LM_MIG_STEPS)
		o.failed = INTEL_LM_MIG_NO_STEP;
	if (m->p.src_rec)
		snprintf(o.op_id, sizeof(o.op_id), "%s", m->op_id);
	memcpy(out, &o, size < sizeof(o) ? size : sizeof(o));
}

uint64_t intel_lm_migration_step_ns(const struct intel_lm_migration *m,
				    enum intel_lm_mig_step step)
{
	return step < INTEL_LM_MIG_STEPS ? m->step_ns[step] : 0;
}

const char *intel_lm_mig_step_name(enum intel_lm_mig_step step)
{
	static const char *const names[INTEL_LM_MIG_STEPS] = {
		[INTEL_LM_MIG_DST_SUSPEND] = "destination suspend",
		[INTEL_LM_MIG_SRC_SUSPEND] = "source suspend",
		[INTEL_LM_MIG_SRC_QUERY] = "source query-size",
		[INTEL_LM_MIG_SRC_SAVE] = "source save",
		[INTEL_LM_MIG_KEEP] = "keep the state",
		[INTEL_LM_MIG_DST_LOAD] = "destination load",
		[INTEL_LM_MIG_DST_RESUME] = "destination resume",
	};

	return step < INTEL_LM_MIG_STEPS ? names[step] : "done";
}

uint8_t intel_lm_mig_step_opcode(enum intel_lm_mig_step step)
{
	static const uint8_t opcodes[INTEL_LM_MIG_STEPS] = {
		[INTEL_LM_MIG_DST_SUSPEND] = INTEL_LM_OPC_SUSPEND,
		[INTEL_LM_MIG_SRC_SUSPEND] = INTEL_LM_OPC_SUSPEND,
		[INTEL_LM_MIG_SRC_QUERY] = INTEL_LM_OPC_QUERY_DATA_SIZE,
		[INTEL_LM_MIG_SRC_SAVE] = INTEL_LM_OPC_SAVE_DATA,
		[INTEL_LM_MIG_KEEP] = 0,
		[INTEL_LM_MIG_DST_LOAD] = INTEL_LM_OPC_LOAD_DATA,
		[INTEL_LM_MIG_DST_RESUME] = INTEL_LM_OPC_RESUME,
	};

	return step < INTEL_LM_MIG_STEPS ? opcodes[step] : 0;
}

int intel_lm_mig_plan(enum intel_lm_vf_state src, enum intel_lm_vf_state dst, bool dst_kept,
		      unsigned int *skip)
{
	*skip = 0;
	if (src == INTEL_LM_VF_SAVED || src == INTEL_LM_VF_LOADED)
		return -ESTALE;
	/*
	 * A destination suspended already gets no second SUSPEND: the QEMU model of the kernel
	 * suite refuses one with Command Sequence Error (0x400C), and what a real device does
	 * with it is not documented. Only when LOAD_DATA loses nothing by replacing what it holds:
	 * its own state (suspended), or a saved state kept elsewhere, in a file or in the VF a
	 * completed migration moved it to. Neither Intel's document nor FACTS.md says what
	 * LOAD_DATA does to a VF that is not suspended; the model and the emulated PF refuse it
	 * with Command Sequence Error and change nothing, so on them a record that wrongly says
	 * suspended costs a refused LOAD_DATA and a rollback; on a real device, intel-lm's record
	 * vouches for it, as it does when suspend finds a VF suspended on record.
	 *
	 * The source always gets its SUSPEND: "suspended" on record does not prove that it holds
	 * only its own state (one that recover found suspended after a LOAD_DATA may hold
	 * another VF's), and a device that refuses a second SUSPEND then stops the migration
	 * before anything is moved.
	 */
	if (dst == INTEL_LM_VF_SUSPENDED || (dst == INTEL_LM_VF_SAVED && dst_kept))
		*skip |= 1U << INTEL_LM_MIG_DST_SUSPEND;
	return 0;
}

/* The record of the VF a step works on; %INTEL_LM_MIG_STEPS is the rollback (the source). */
static struct intel_lm_record *step_rec(const struct intel_lm_migration *m,
					enum intel_lm_mig_step step)
{
	bool dst = step == INTEL_LM_MIG_DST_SUSPEND || step == INTEL_LM_MIG_DST_LOAD ||
		   step == INTEL_LM_MIG_DST_RESUME;

	return dst ? m->p.dst_rec : m->p.src_rec;
}

/* Mark both entries as belonging to this migration (not yet written). */
static void record_join(struct intel_lm_migration *m)
{
	struct intel_lm_record *r[2] = { m->p.src_rec, m->p.dst_rec };
	int i;

	if (!m->op_id[0]) {
		unsigned int rnd = 0;
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			(void)!read(fd, &rnd, sizeof(rnd));
			close(fd);
		}
		snprintf(m->op_id, sizeof(m->op_id), "mig-%lld-%d-%08x", (long long)time(NULL),
			 (int)getpid(), rnd);
	}
	for (i = 0; i < 2; i++) {
		struct intel_lm_rec_entry *e = &r[i]->entry;
		const struct intel_lm_rec_entry *peer = &r[!i]->entry;

		e->op = INTEL_LM_OP_MIGRATE;
		e->op_open = true;
		snprintf(e->op_id, sizeof(e->op_id), "%s", m->op_id);
		e->role = i ? INTEL_LM_ROLE_DESTINATION : INTEL_LM_ROLE_SOURCE;
		e->step = 0;
		e->peer = peer->pf;
		snprintf(e->peer_device, sizeof(e->peer_device), "%s", peer->device);
		e->peer_vf = peer->vf;
	}
}

/*
 * With SAVE_DATA's outcome, the source's entry names the file @keep will write the state to:
 * one write fewer in the downtime. A crash before the file is whole leaves no file there
 * (it is linked into place only once durable), which status reports as missing.
 */
static void record_state_file(struct intel_lm_migration *m, struct intel_lm_record *rec,
			      const void *state)
{
	struct intel_lm_rec_entry *e = &rec->entry;

	if (!m->p.keep_path)
		return;
	e->file_ident = e->ident;
	snprintf(e->state_file, sizeof(e->state_file), "%s", m->p.keep_path);
	e->state_size = m->o.size;
	e->state_crc = (uint32_t)crc32(0L, state, m->o.size);
	e->state_file_temporary = m->p.keep_temporary;
	/*
	 * A safety copy is also a file the migration may leave behind: named there too, it
	 * outlives the rollback RESUME's outcome, which takes the state file off the entry, so
	 * that recover can remove it should this process die before it does.
	 */
	if (m->p.keep_temporary)
		snprintf(e->tmp_file, sizeof(e->tmp_file), "%s", m->p.keep_path);
}

/* The first record write that failed is the one reported. */
static void note_record_err(struct intel_lm_migration *m, int err)
{
	if (err && !m->o.record_ret)
		m->o.record_ret = err;
}

/* How a step's command goes on record. */
enum rec_how {
	REC_INTENT	= 1 << 0,	/* write its intent first (else an earlier write made it) */
	REC_OUTCOME	= 1 << 1,	/* write its outcome after (a failure is always written) */
};

/*
 * Send one state-changing command with its intent and outcome on record. @then: a command
 * that follows on the same VF without another write, whose intent goes with this one's. A
 * command whose intent cannot be recorded is not sent (its errno, and no effect in @effect).
 * @sent_ns and @done_ns: when it was sent and when it completed.
 *
 * Every write is an fdatasync, and the first after the device was busy costs the most: in the
 * downtime, the writes are gathered next to the state's own durable write.
 */
static int recorded(struct intel_lm_migration *m, enum intel_lm_mig_step step, uint8_t then,
		    unsigned int how, int (*send)(struct intel_lm_migration *m, void *state),
		    void *state, enum intel_lm_effect *effect, uint64_t *sent_ns,
		    uint64_t *done_ns)
{
	struct intel_lm_record *rec = m->p.src_rec ? step_rec(m, step) : NULL;
	uint8_t opc = step == INTEL_LM_MIG_STEPS ? INTEL_LM_OPC_RESUME :
		      intel_lm_mig_step_opcode(step);
	int ret, err = 0;

	if (rec) {
		rec->entry.step = (int)step;
		if (how & REC_INTENT)
			err = intel_lm_record_begin_then(rec, opc, then);
		if (err) {
			note_record_err(m, err);
			*effect = INTEL_LM_EFFECT_NONE;
			/* Not sent: no send time. */
			*sent_ns = 0;
			*done_ns = intel_lm_now_ns();
			return err;
		}
	}
	*sent_ns = intel_lm_now_ns();
	ret = send(m, state);
	*done_ns = intel_lm_now_ns();
	*effect = intel_lm_effect_of(ret);
	if (!rec)
		return ret;
	intel_lm_record_apply(rec, opc, ret);
	if (opc == INTEL_LM_OPC_SAVE_DATA && !ret)
		record_state_file(m, rec, state);
	if ((how & REC_OUTCOME) || ret)
		note_record_err(m, intel_lm_record_write(rec));
	return ret;
}

/*
 * The record writes that go with the state's durable write: the source's outcomes, then the
 * destination's intent of LOAD_DATA (and of the RESUME that follows it at once), so that no
 * record write is left between the state's durable write and LOAD_DATA. A crash after the
 * intent and before LOAD_DATA leaves it unknown on record, as a crash during LOAD_DATA would;
 * a migration that stops before LOAD_DATA takes the intent back when it closes.
 */
struct keep_writes {
	struct intel_lm_migration *m;
	struct intel_lm_record *src, *dst;
	int src_ret, dst_ret;
	struct intel_lm_verdict v;	/* the rule's answer about the destination's LOAD_DATA */
	struct intel_lm_copy other;	/* the place in the way of a refusal */
};

/* The destination's LOAD_DATA (and RESUME) intent: from here on it may hold the source's state. */
static int dst_load_intent(void *priv)
{
	struct keep_writes *w = priv;
	struct intel_lm_rec_entry *e = &w->dst->entry;

	w->m->dst_intent = true;
	w->m->dst_ident = e->ident;
	w->m->dst_load_ident = e->load_ident;
	w->m->dst_load_lost = e->load_lost;
	intel_lm_record_loading(w->dst, &w->src->entry.ident);
	w->dst->entry.step = (int)INTEL_LM_MIG_DST_LOAD;
	return intel_lm_record_begin_then(w->dst, INTEL_LM_OPC_LOAD_DATA, INTEL_LM_OPC_RESUME);
}

static void *keep_writes(void *arg)
{
	struct keep_writes *w = arg;
	struct intel_lm_guard g = {
		.size = sizeof(g), .op = INTEL_LM_RULE_LOAD, .intent = dst_load_intent, .priv = w,
	};

	w->src_ret = intel_lm_record_write(w->src);
	if (!w->dst)
		return NULL;
	if (w->m->p.force) {
		w->dst_ret = dst_load_intent(w);
		return NULL;
	}
	/*
	 * The rule again, under the identities' lock, with the intent: a command on another VF
	 * since the migration's first ask (a resume, a load) may have changed what the
	 * destination's LOAD_DATA does. The source counts as this migration has it (saved).
	 */
	g.e = &w->dst->entry;
	g.incoming = &w->src->entry.ident;
	g.known = &w->src->entry;
	g.n_known = 1;
	w->dst_ret = intel_lm_claim_guarded(w->m->p.state_dir, w->m->p.lock_dir, &g, &w->other,
					    &w->v);
	return NULL;
}

/* A step on the source or the destination VF, over its PF's protocol (proto.c). */
static int src_send(struct intel_lm_migration *m, uint8_t op, void *buf, uint32_t len,
		    uint32_t *result)
{
	return intel_lm_proto_send(m->p.src_fd, m->p.src_proto, m->p.src_vf, m->p.src_cntlid, op,
				   buf, len, m->p.src_opts, result);
}

static int dst_send(struct intel_lm_migration *m, uint8_t op, void *buf, uint32_t len)
{
	return intel_lm_proto_send(m->p.dst_fd, m->p.dst_proto, m->p.dst_vf, m->p.dst_cntlid, op,
				   buf, len, m->p.dst_opts, NULL);
}

static int send_dst_suspend(struct intel_lm_migration *m, void *state)
{
	(void)state;
	return dst_send(m, INTEL_LM_OPC_SUSPEND, NULL, 0);
}

static int send_src_suspend(struct intel_lm_migration *m, void *state)
{
	(void)state;
	return src_send(m, INTEL_LM_OPC_SUSPEND, NULL, 0, NULL);
}

static int send_src_save(struct intel_lm_migration *m, void *state)
{
	return src_send(m, INTEL_LM_OPC_SAVE_DATA, state, m->o.size, NULL);
}

static int send_dst_load(struct intel_lm_migration *m, void *state)
{
	return dst_send(m, INTEL_LM_OPC_LOAD_DATA, state, m->o.size);
}

static int send_dst_resume(struct intel_lm_migration *m, void *state)
{
	(void)state;
	return dst_send(m, INTEL_LM_OPC_RESUME, NULL, 0);
}

static int send_src_resume(struct intel_lm_migration *m, void *state)
{
	(void)state;
	return src_send(m, INTEL_LM_OPC_RESUME, NULL, 0, NULL);
}

/*
 * The destination's SUSPEND not sent because it is suspended already: its entry is written all
 * the same, with the migration's id and step. A write that fails stops the migration there, as
 * a command's intent would.
 */
static int skipped_step(struct intel_lm_migration *m, enum intel_lm_mig_step step)
{
	struct intel_lm_record *rec = m->p.src_rec ? step_rec(m, step) : NULL;
	int err;

	if (!rec)
		return 0;
	rec->entry.step = (int)step;
	err = intel_lm_record_write(rec);
	note_record_err(m, err);
	return err;
}

/* The migration is over: both entries say so (an open one is for recover). */
static void record_close_op(struct intel_lm_migration *m, bool keep_open)
{
	struct intel_lm_record *r[2] = { m->p.src_rec, m->p.dst_rec };
	int i;

	if (!m->p.src_rec)
		return;
	for (i = 0; i < 2; i++) {
		r[i]->entry.op_open = keep_open;
		r[i]->entry.pending = 0;
		r[i]->entry.pending_then = 0;
		/* Closed, its safety copy is removed next (intel_lm_migrate()). */
		if (!keep_open)
			r[i]->entry.tmp_file[0] = '\0';
		/*
		 * A destination whose LOAD_DATA was never sent (the migration stopped at an
		 * earlier step, after the intent's early write) holds what it held before.
		 */
		if (i && m->o.failed < INTEL_LM_MIG_DST_LOAD && m->dst_intent) {
			r[i]->entry.ident = m->dst_ident;
			r[i]->entry.load_ident = m->dst_load_ident;
			r[i]->entry.load_lost = m->dst_load_lost;
		}
		if (!i && !keep_open && m->o.failed == INTEL_LM_MIG_STEPS &&
		    r[i]->entry.state_file_temporary) {
			/* The safety copy has done its job. */
			r[i]->entry.state_file[0] = '\0';
			r[i]->entry.state_file_temporary = false;
		}
		note_record_err(m, intel_lm_record_write(r[i]));
	}
}

/* The rule's refusal @v in the outcome: its reason, and the place in the way, copied. */
static void refused(struct intel_lm_migration *m, const struct intel_lm_verdict *v)
{
	m->o.reason = v->reason;
	m->o.at_dst = v->at_dst;
	m->o.ident = v->ident;
	m->o.has_other = v->other != NULL;
	if (v->other)
		m->o.other = *v->other;
}

/*
 * The one rule, before anything is sent: the source's state may move (it runs nowhere else and
 * is not stale) and the destination holds no last copy. A refusal's errno by its reason.
 */
static int rule_allows(struct intel_lm_migration *m)
{
	struct intel_lm_rule_ask ask = { .op = INTEL_LM_RULE_MIGRATE };
	struct intel_lm_copy src, dst, *copies;
	struct intel_lm_verdict v;
	int ret;

	ret = intel_lm_rule_copies(m->p.state_dir, &copies, &ask.n);
	if (ret)
		return ret;
	intel_lm_rule_copy_of(&m->p.src_rec->entry, &src);
	intel_lm_rule_copy_of(&m->p.dst_rec->entry, &dst);
	ask.vf = &src;
	ask.dst = &dst;
	ask.copies = copies;
	intel_lm_rule_check(&ask, &v);
	refused(m, &v);
	free(copies);
	return intel_lm_reason_errno(m->o.reason);
}

/*
 * One run of intel_lm_migrate(): what its steps share. Each step is a function of its own,
 * in the order of enum intel_lm_mig_step; the rollback is rollback_source().
 */
struct run {
	struct intel_lm_migration *m;
	bool dry;			/* a dry run: the size is asked, nothing is moved */
	unsigned int skip;		/* the steps not sent (intel_lm_mig_plan()) */
	void *state;			/* SAVE_DATA's buffer */
	struct keep_writes kw;		/* the record writes that go with the keep step */
	enum intel_lm_effect eff;	/* the current step's effect on its VF */
	enum intel_lm_effect src_suspend, dst_resume;
	uint64_t sent, done;		/* when the current step's command was sent, completed */
	uint64_t t0;			/* when the source's SUSPEND was sent: the downtime's start */
	bool load_ok;
};

/* The outcome of a run not yet begun. */
static void reset_outcome(struct intel_lm_migration *m)
{
	m->o.failed = INTEL_LM_MIG_STEPS;
	m->o.ret = 0;
	m->o.effect = INTEL_LM_EFFECT_NONE;
	m->o.size = 0;
	m->o.src_resumed = false;
	m->o.rollback_skipped = false;
	m->o.rollback_sent = false;
	m->o.rollback_ret = 0;
	m->o.rollback_unrecorded = false;
	m->o.record_ret = 0;
	m->o.downtime_ns = 0;
	m->o.skipped = 0;
	m->o.reason = 0;
	m->o.at_dst = false;
	m->o.has_other = false;
	memset(&m->o.ident, 0, sizeof(m->o.ident));
	memset(&m->o.other, 0, sizeof(m->o.other));
	memset(m->step_ns, 0, sizeof(m->step_ns));
}

/*
 * Before any step: the plan (which SUSPENDs are sent, a saved or loaded source refused), the
 * one rule, the source's state taken charge of, and both entries joined to the migration. A
 * refusal here sends nothing and records nothing.
 */
static int claim(struct run *r)
{
	struct intel_lm_migration *m = r->m;
	int ret;

	r->dry = (m->p.src_opts && m->p.src_opts->dry_run) ||
		 (m->p.dst_opts && m->p.dst_opts->dry_run);
	if (!m->p.dst_rec)
		m->p.src_rec = NULL;
	ret = intel_lm_mig_plan(m->p.src_rec ? m->p.src_rec->entry.state : m->p.src_state,
				m->p.src_rec ? m->p.dst_rec->entry.state : m->p.dst_state,
				m->p.src_rec && intel_lm_record_state_kept(&m->p.dst_rec->entry),
				&r->skip);
	if (ret) {
		/* Refused before any step: nothing sent, nothing recorded. */
		m->o.failed = INTEL_LM_MIG_DST_SUSPEND;
		m->o.ret = ret;
		return ret;
	}
	m->o.skipped = r->skip;
	if (r->dry || !m->p.dst_rec)
		m->p.src_rec = m->p.dst_rec = NULL;
	ret = m->p.src_rec && !m->p.force ? rule_allows(m) : 0;
	if (!ret && m->p.src_rec)
		ret = intel_lm_record_take_charge(m->p.src_rec);
	if (ret) {
		m->o.failed = INTEL_LM_MIG_DST_SUSPEND;
		m->o.ret = ret;
		return ret;
	}
	if (m->p.src_rec)
		record_join(m);
	return 0;
}

static int suspend_destination(struct run *r)
{
	if (r->skip & (1U << INTEL_LM_MIG_DST_SUSPEND)) {
		/*
		 * Suspended already: the destination's entry joins the migration all the same, so
		 * that recover finds it. The rollback never resumes the destination, so a failure
		 * leaves it suspended, as it was.
		 */
		return skipped_step(r->m, INTEL_LM_MIG_DST_SUSPEND);
	}
	return recorded(r->m, INTEL_LM_MIG_DST_SUSPEND, 0, REC_INTENT | REC_OUTCOME,
			send_dst_suspend, NULL, &r->eff, &r->sent, &r->done);
}

static int suspend_source(struct run *r)
{
	int ret;

	/*
	 * SAVE_DATA's intent goes with SUSPEND's, before the downtime; their outcomes go with the
	 * state's durable write.
	 */
	ret = recorded(r->m, INTEL_LM_MIG_SRC_SUSPEND, r->dry ? 0 : INTEL_LM_OPC_SAVE_DATA,
		       REC_INTENT, send_src_suspend, NULL, &r->eff, &r->sent, &r->done);
	r->t0 = r->sent;
	r->src_suspend = r->eff;
	return ret;
}

static int query_size(struct run *r)
{
	struct intel_lm_migration *m = r->m;
	int ret;

	ret = src_send(m, INTEL_LM_OPC_QUERY_DATA_SIZE, NULL, 0, &m->o.size);
	if (!ret && !r->dry)
		ret = intel_lm_check_size(m->o.size, &m->p.limit);
	if (!ret && !r->dry && m->p.keep_reserve)
		ret = m->p.keep_reserve(m->p.keep_priv, m->o.size);
	return ret;
}

static int save(struct run *r)
{
	if (r->dry)
		return 0;
	r->state = intel_lm_state_alloc(r->m->o.size);
	return r->state ? recorded(r->m, INTEL_LM_MIG_SRC_SAVE, 0, 0, send_src_save, r->state,
				   &r->eff, &r->sent, &r->done) : -ENOMEM;
}

static int keep_copy(struct run *r)
{
	struct intel_lm_migration *m = r->m;
	struct keep_writes *kw = &r->kw;
	pthread_t flusher;
	bool flushing;
	int ret = 0;

	if (r->dry)
		return 0;
	/*
	 * The source's outcomes and the destination's intent go on record while the state is
	 * written: fdatasyncs of different files overlap, and all are done before anything
	 * reaches the destination.
	 */
	kw->m = m;
	kw->src = m->p.src_rec;
	kw->dst = m->p.src_rec ? m->p.dst_rec : NULL;
	flushing = kw->src && !pthread_create(&flusher, NULL, keep_writes, kw);
	if (m->p.keep)
		ret = m->p.keep(m->p.keep_priv, r->state, m->o.size);
	if (flushing)
		pthread_join(flusher, NULL);
	else if (kw->src)
		keep_writes(kw);
	note_record_err(m, kw->src_ret);
	return ret;
}

static int load(struct run *r)
{
	struct intel_lm_migration *m = r->m;
	struct keep_writes *kw = &r->kw;
	int ret;

	if (r->dry)
		return 0;
	/*
	 * RESUME's intent goes with LOAD_DATA's, next to the state's durable write: RESUME
	 * follows LOAD_DATA at once. A crash in between leaves the RESUME unknown, which recover
	 * settles only with the operator's word.
	 */
	if (kw->dst && kw->dst_ret) {
		/* The rule refused it, or its intent is not on record: LOAD_DATA is not sent. */
		if (kw->v.reason) {
			refused(m, &kw->v);
			m->o.at_dst = true;
		} else {
			note_record_err(m, kw->dst_ret);
		}
		return kw->dst_ret;
	}
	ret = recorded(m, INTEL_LM_MIG_DST_LOAD, INTEL_LM_OPC_RESUME, kw->dst ? 0 : REC_INTENT,
		       send_dst_load, r->state, &r->eff, &r->sent, &r->done);
	r->load_ok = !ret;
	return ret;
}

static int resume_destination(struct run *r)
{
	int ret;

	/* A success is written once, with the migration's close. */
	ret = recorded(r->m, INTEL_LM_MIG_DST_RESUME, 0, r->load_ok ? 0 : REC_INTENT,
		       send_dst_resume, NULL, &r->eff, &r->sent, &r->done);
	r->dst_resume = r->eff;
	/* The downtime ends when the destination runs, before its outcome's write. */
	if (!ret)
		r->m->o.downtime_ns = r->done - r->t0;
	return ret;
}

/* The steps, in their order. */
static int (*const steps[INTEL_LM_MIG_STEPS])(struct run *r) = {
	[INTEL_LM_MIG_DST_SUSPEND] = suspend_destination,
	[INTEL_LM_MIG_SRC_SUSPEND] = suspend_source,
	[INTEL_LM_MIG_SRC_QUERY] = query_size,
	[INTEL_LM_MIG_SRC_SAVE] = save,
	[INTEL_LM_MIG_KEEP] = keep_copy,
	[INTEL_LM_MIG_DST_LOAD] = load,
	[INTEL_LM_MIG_DST_RESUME] = resume_destination,
};

/* One step, timed; a cancel asked for before it (but the first) stops the migration there. */
static int run_step(struct run *r, enum intel_lm_mig_step step)
{
	struct intel_lm_migration *m = r->m;
	uint64_t start;
	int ret;

	if (step > 0 && m->p.cancel && m->p.cancel(m->p.cancel_priv))
		return -ECANCELED;
	start = intel_lm_now_ns();
	r->eff = INTEL_LM_EFFECT_NONE;
	ret = steps[step](r);
	m->step_ns[step] = intel_lm_now_ns() - start;
	return ret;
}

/*
 * Step @step failed with @ret: the source runs again if it was suspended, or may have been,
 * unless the destination's RESUME may have taken effect (two running copies of one VF must
 * never exist: someone must look first).
 */
static void rollback_source(struct run *r, enum intel_lm_mig_step step, int ret)
{
	struct intel_lm_migration *m = r->m;
	enum intel_lm_effect rb_eff;

	m->o.failed = step;
	m->o.ret = ret;
	m->o.effect = r->eff;
	if (r->dst_resume == INTEL_LM_EFFECT_UNKNOWN) {
		m->o.rollback_skipped = true;
	} else if (r->src_suspend != INTEL_LM_EFFECT_NONE) {
		/* Suspended, or maybe suspended (a timeout): run it again. */
		m->o.rollback_ret = recorded(m, INTEL_LM_MIG_STEPS, 0, REC_INTENT | REC_OUTCOME,
					     send_src_resume, NULL, &rb_eff, &r->sent, &r->done);
		/*
		 * Its intent could not be recorded: it was not sent, as no command is whose intent
		 * cannot be written. Sent off the record, the source would run while its entry
		 * said what it said before (saved, say) and a copy of its state could run
		 * elsewhere too. It stays suspended, its state in it and in the safety copy (kept,
		 * see close_migration()); recover resumes it once the record can be written.
		 */
		m->o.rollback_sent = r->sent != 0;
		m->o.rollback_unrecorded = !r->sent;
		m->o.src_resumed = m->o.rollback_sent && m->o.rollback_ret == 0;
	}
	m->o.downtime_ns = r->t0 ? intel_lm_now_ns() - r->t0 : 0;
}

/*
 * The migration is over, done (@ret 0) or rolled back: both entries say so (an open one is for
 * recover), and a safety copy that has done its job goes.
 */
static void close_migration(struct run *r, int ret)
{
	struct intel_lm_migration *m = r->m;

	record_close_op(m, m->o.rollback_skipped || m->o.rollback_unrecorded ||
			(m->o.rollback_sent && !m->o.src_resumed));
	/*
	 * A safety copy has done its job once the state runs again, in the destination or in
	 * the source: a stale copy of a running VF's state is one that could be run twice.
	 */
	if ((!ret || m->o.src_resumed) && m->p.keep_path && m->p.keep_temporary)
		unlink(m->p.keep_path);
	intel_lm_state_free(r->state, m->o.size);
}

int intel_lm_migrate(struct intel_lm_migration *m)
{
	struct run r = { .m = m };
	enum intel_lm_mig_step step;
	int ret;

	if (m->ran)
		return -EALREADY;
	m->ran = true;
	reset_outcome(m);
	ret = claim(&r);
	if (ret)
		return ret;
	for (step = 0; step < INTEL_LM_MIG_STEPS; step++) {
		ret = run_step(&r, step);
		if (ret)
			break;
	}
	if (ret)
		rollback_source(&r, step, ret);
	close_migration(&r, ret);
	return ret;
}
