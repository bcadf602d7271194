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
#include <intel-lm/migrate.h>

#include "private.h"

/*
 * A migration: what intel_lm_migration_new() was given, and what intel_lm_migrate() found.
 * %INTEL_LM_MIG_STEPS in @failed means success here (and names the rollback in step_rec()).
 */
struct intel_lm_migration {
	int src_fd;
	uint16_t src_vf;
	int dst_fd;
	uint16_t dst_vf;
	struct intel_lm_limit limit;
	const struct intel_lm_opts *src_opts;
	const struct intel_lm_opts *dst_opts;
	intel_lm_keep_fn keep;
	int (*keep_reserve)(void *priv, uint32_t len);
	void *keep_priv;
	bool (*cancel)(void *priv);
	void *cancel_priv;
	struct intel_lm_record *src_rec;
	struct intel_lm_record *dst_rec;
	char op_id[40];
	const char *keep_path;
	bool keep_temporary;
	bool ran;

	enum intel_lm_mig_step failed;
	int ret;
	enum intel_lm_effect effect;
	uint32_t size;
	bool src_resumed;
	bool rollback_skipped;
	bool rollback_sent;
	int rollback_ret;
	int record_ret;
	uint64_t step_ns[INTEL_LM_MIG_STEPS];
	uint64_t downtime_ns;
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
	(*m)->src_fd = p.src_fd;
	(*m)->src_vf = p.src_vf;
	(*m)->dst_fd = p.dst_fd;
	(*m)->dst_vf = p.dst_vf;
	(*m)->limit = p.limit;
	(*m)->src_opts = p.src_opts;
	(*m)->dst_opts = p.dst_opts;
	(*m)->keep = p.keep;
	(*m)->keep_reserve = p.keep_reserve;
	(*m)->keep_priv = p.keep_priv;
	(*m)->cancel = p.cancel;
	(*m)->cancel_priv = p.cancel_priv;
	(*m)->src_rec = p.src_rec;
	(*m)->dst_rec = p.dst_rec;
	if (p.op_id)
		snprintf((*m)->op_id, sizeof((*m)->op_id), "%s", p.op_id);
	(*m)->keep_path = p.keep_path;
	(*m)->keep_temporary = p.keep_temporary;
	(*m)->failed = INTEL_LM_MIG_STEPS;
	return 0;
}

void intel_lm_migration_free(struct intel_lm_migration *m)
{
	free(m);
}

void intel_lm_migration_outcome(const struct intel_lm_migration *m,
				struct intel_lm_mig_outcome *out, size_t size)
{
	struct intel_lm_mig_outcome o = {
		.failed = m->failed < INTEL_LM_MIG_STEPS ? m->failed : INTEL_LM_MIG_NO_STEP,
		.ret = m->ret,
		.effect = m->effect,
		.size = m->size,
		.src_resumed = m->src_resumed,
		.rollback_skipped = m->rollback_skipped,
		.rollback_sent = m->rollback_sent,
		.rollback_ret = m->rollback_ret,
		.record_ret = m->record_ret,
		.downtime_ns = m->downtime_ns,
	};

	if (m->src_rec)
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

/* The record of the VF a step works on; %INTEL_LM_MIG_STEPS is the rollback (the source). */
static struct intel_lm_record *step_rec(const struct intel_lm_migration *m,
					enum intel_lm_mig_step step)
{
	bool dst = step == INTEL_LM_MIG_DST_SUSPEND || step == INTEL_LM_MIG_DST_LOAD ||
		   step == INTEL_LM_MIG_DST_RESUME;

	return dst ? m->dst_rec : m->src_rec;
}

/* Mark both entries as belonging to this migration (not yet written). */
static void record_join(struct intel_lm_migration *m)
{
	struct intel_lm_record *r[2] = { m->src_rec, m->dst_rec };
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

	if (!m->keep_path)
		return;
	snprintf(e->state_file, sizeof(e->state_file), "%s", m->keep_path);
	e->state_size = m->size;
	e->state_crc = (uint32_t)crc32(0L, state, m->size);
	e->state_file_temporary = m->keep_temporary;
}

/* The first record write that failed is the one reported. */
static void note_record_err(struct intel_lm_migration *m, int err)
{
	if (err && !m->record_ret)
		m->record_ret = err;
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
	struct intel_lm_record *rec = m->src_rec ? step_rec(m, step) : NULL;
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

/* record_flush() on a thread of its own: 0, or the write's negative errno as the result. */
static void *flush_thread(void *rec)
{
	return (void *)(intptr_t)intel_lm_record_write(rec);
}

/* Write an entry whose outcome was only applied in memory. */
static void record_flush(struct intel_lm_migration *m, struct intel_lm_record *rec)
{
	if (rec)
		note_record_err(m, intel_lm_record_write(rec));
}

static int send_dst_suspend(struct intel_lm_migration *m, void *state)
{
	(void)state;
	return intel_lm_suspend(m->dst_fd, m->dst_vf, m->dst_opts);
}

static int send_src_suspend(struct intel_lm_migration *m, void *state)
{
	(void)state;
	return intel_lm_suspend(m->src_fd, m->src_vf, m->src_opts);
}

static int send_src_save(struct intel_lm_migration *m, void *state)
{
	return intel_lm_save(m->src_fd, m->src_vf, state, m->size, m->src_opts);
}

static int send_dst_load(struct intel_lm_migration *m, void *state)
{
	return intel_lm_load(m->dst_fd, m->dst_vf, state, m->size, m->dst_opts);
}

static int send_dst_resume(struct intel_lm_migration *m, void *state)
{
	(void)state;
	return intel_lm_resume(m->dst_fd, m->dst_vf, m->dst_opts);
}

static int send_src_resume(struct intel_lm_migration *m, void *state)
{
	(void)state;
	return intel_lm_resume(m->src_fd, m->src_vf, m->src_opts);
}

/* The migration is over: both entries say so (an open one is for recover). */
static void record_close_op(struct intel_lm_migration *m, bool keep_open)
{
	struct intel_lm_record *r[2] = { m->src_rec, m->dst_rec };
	int i;

	if (!m->src_rec)
		return;
	for (i = 0; i < 2; i++) {
		r[i]->entry.op_open = keep_open;
		r[i]->entry.pending = 0;
		if (!i && !keep_open && m->failed == INTEL_LM_MIG_STEPS &&
		    r[i]->entry.state_file_temporary) {
			/* The safety copy has done its job. */
			r[i]->entry.state_file[0] = '\0';
			r[i]->entry.state_file_temporary = false;
		}
		note_record_err(m, intel_lm_record_write(r[i]));
	}
}

int intel_lm_migrate(struct intel_lm_migration *m)
{
	bool dry = (m->src_opts && m->src_opts->dry_run) || (m->dst_opts && m->dst_opts->dry_run);
	enum intel_lm_effect src_suspend = INTEL_LM_EFFECT_NONE;
	enum intel_lm_effect dst_resume = INTEL_LM_EFFECT_NONE;
	enum intel_lm_effect eff = INTEL_LM_EFFECT_NONE, rb_eff;
	uint64_t sent = 0, done = 0;
	pthread_t flusher;
	bool flushing;
	void *flush_ret;
	enum intel_lm_mig_step step;
	uint64_t start, t0 = 0;
	bool load_ok = false;
	void *state = NULL;
	int ret = 0;

	if (m->ran)
		return -EALREADY;
	m->ran = true;
	m->failed = INTEL_LM_MIG_STEPS;
	m->ret = 0;
	m->effect = INTEL_LM_EFFECT_NONE;
	m->size = 0;
	m->src_resumed = false;
	m->rollback_skipped = false;
	m->rollback_sent = false;
	m->rollback_ret = 0;
	m->record_ret = 0;
	m->downtime_ns = 0;
	memset(m->step_ns, 0, sizeof(m->step_ns));
	if (dry || !m->dst_rec)
		m->src_rec = m->dst_rec = NULL;
	if (m->src_rec)
		record_join(m);

	for (step = 0; step < INTEL_LM_MIG_STEPS; step++) {
		if (step > 0 && m->cancel && m->cancel(m->cancel_priv)) {
			ret = -ECANCELED;
			break;
		}
		start = intel_lm_now_ns();
		eff = INTEL_LM_EFFECT_NONE;
		switch (step) {
		case INTEL_LM_MIG_DST_SUSPEND:
			ret = recorded(m, step, 0, REC_INTENT | REC_OUTCOME, send_dst_suspend, NULL,
				       &eff, &sent, &done);
			break;
		case INTEL_LM_MIG_SRC_SUSPEND:
			/*
			 * SAVE_DATA's intent goes with SUSPEND's, before the downtime; their
			 * outcomes go with the state's durable write.
			 */
			ret = recorded(m, step, dry ? 0 : INTEL_LM_OPC_SAVE_DATA, REC_INTENT,
				       send_src_suspend, NULL, &eff, &sent, &done);
			t0 = sent;
			src_suspend = eff;
			break;
		case INTEL_LM_MIG_SRC_QUERY:
			ret = intel_lm_query_size(m->src_fd, m->src_vf, m->src_opts, &m->size);
			if (!ret && !dry)
				ret = intel_lm_check_size(m->size, &m->limit);
			if (!ret && !dry && m->keep_reserve)
				ret = m->keep_reserve(m->keep_priv, m->size);
			break;
		case INTEL_LM_MIG_SRC_SAVE:
			if (dry)
				break;
			state = intel_lm_state_alloc(m->size);
			ret = state ? recorded(m, step, 0, 0, send_src_save, state, &eff, &sent,
					       &done) : -ENOMEM;
			break;
		case INTEL_LM_MIG_KEEP:
			if (dry)
				break;
			/*
			 * The source's outcomes go on record while the state is written: two
			 * fdatasyncs of different files overlap, and both are done before anything
			 * reaches the destination.
			 */
			flushing = m->src_rec && !pthread_create(&flusher, NULL, flush_thread,
								m->src_rec);
			if (m->keep)
				ret = m->keep(m->keep_priv, state, m->size);
			if (flushing) {
				pthread_join(flusher, &flush_ret);
				note_record_err(m, (int)(intptr_t)flush_ret);
			} else {
				record_flush(m, m->src_rec);
			}
			break;
		case INTEL_LM_MIG_DST_LOAD:
			if (dry)
				break;
			/*
			 * RESUME's intent goes with LOAD_DATA's, next to the state's durable write:
			 * RESUME follows LOAD_DATA at once. A crash in between leaves the RESUME
			 * unknown, which recover settles only with the operator's word.
			 */
			ret = recorded(m, step, INTEL_LM_OPC_RESUME, REC_INTENT, send_dst_load, state,
				       &eff, &sent, &done);
			load_ok = !ret;
			break;
		case INTEL_LM_MIG_DST_RESUME:
			/* A success is written once, with the migration's close, below. */
			ret = recorded(m, step, 0, load_ok ? 0 : REC_INTENT, send_dst_resume, NULL,
				       &eff, &sent, &done);
			dst_resume = eff;
			/* The downtime ends when the destination runs, before its outcome's write. */
			if (!ret)
				m->downtime_ns = done - t0;
			break;
		case INTEL_LM_MIG_STEPS:
		case INTEL_LM_MIG_NO_STEP:
			break;
		}
		m->step_ns[step] = intel_lm_now_ns() - start;
		if (ret)
			break;
	}

	if (ret) {
		m->failed = step;
		m->ret = ret;
		m->effect = eff;
		if (dst_resume == INTEL_LM_EFFECT_UNKNOWN) {
			/*
			 * The destination's RESUME may have taken effect: resuming the source too
			 * could leave two running copies of one VF. Someone must look first.
			 */
			m->rollback_skipped = true;
		} else if (src_suspend != INTEL_LM_EFFECT_NONE) {
			/* Suspended, or maybe suspended (a timeout): run it again. */
			m->rollback_sent = true;
			m->rollback_ret = recorded(m, INTEL_LM_MIG_STEPS, 0,
						   REC_INTENT | REC_OUTCOME, send_src_resume,
						   NULL, &rb_eff, &sent, &done);
			if (!sent) {
				/*
				 * Its intent could not be recorded: the source running again matters
				 * more (documented); the record keeps its last entry.
				 */
				m->rollback_ret = send_src_resume(m, NULL);
			}
			m->src_resumed = m->rollback_ret == 0;
		}
		m->downtime_ns = t0 ? intel_lm_now_ns() - t0 : 0;
	}
	record_close_op(m, m->rollback_skipped || (m->rollback_sent && !m->src_resumed));
	/*
	 * A safety copy has done its job once the state runs again, in the destination or in
	 * the source: a stale copy of a running VF's state is one that could be run twice.
	 */
	if ((!ret || m->src_resumed) && m->keep_path && m->keep_temporary)
		unlink(m->keep_path);
	intel_lm_state_free(state, m->size);
	return ret;
}
