// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Claiming a VF and sending it commands through its record (see intel-lm/claim.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <intel-lm/claim.h>
#include <intel-lm/lock.h>

#include "private.h"

struct intel_lm_claim {
	const struct intel_lm_pf *pf;	/* the PF: its descriptor and protocol */
	char lock_dir[4096];		/* "" for the default */
	char state_dir[4096];
	struct intel_lm_lock *lock;
	struct intel_lm_record rec;
	struct intel_lm_copy other;	/* the place in the way of the last refusal */
	struct intel_lm_syncs *syncs;	/* a batch's late fdatasyncs, or NULL */
	bool late;			/* the record's last write is not durable yet */
	struct intel_lm_scan *scan;	/* the caller's scan cache, or NULL */
	char output[INTEL_LM_REC_PATH_LEN];	/* the claimed output, absolute; "" for none */
};

/*
 * Late fdatasyncs. The jobs only queue a descriptor, under a mutex held for a few stores: no
 * thread is created and nothing waits under it. The first outcome starts one thread; a thread
 * that finds more queued and none idle starts the next (up to the group's size), so that a
 * job's path pays for at most one pthread_create() and a slow disk still gets its fdatasyncs
 * in parallel. (Creating the threads under the mutex, from the jobs, made every job wait for
 * it: 1.3 of the 8 jobs' futex waits a VF in a 64-VF load at jobs=8.)
 */

struct late_sync {
	int fd;
	int *err;
	struct late_sync *next;
};

struct syncer_slot {
	pthread_t tid;
	bool made;			/* the thread runs, and is joined */
};

struct intel_lm_syncs {
	pthread_mutex_t mu;
	pthread_cond_t more;		/* an fdatasync queued, or the group is closing */
	struct late_sync *head, **tail;
	unsigned int max, started, idle;	/* @started counts slots taken, made or not */
	bool closing;
	int first_err;
	struct syncer_slot slot[];
};

int intel_lm_syncs_new(unsigned int threads, struct intel_lm_syncs **sp)
{
	struct intel_lm_syncs *s;

	if (!threads)
		threads = 1;
	s = calloc(1, sizeof(*s) + threads * sizeof(s->slot[0]));
	*sp = s;
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->more, NULL);
	s->tail = &s->head;
	s->max = threads;
	return 0;
}

/* fdatasync(2) of @fd, again after EINTR, then close it; an error to @err and the group's. */
static void sync_now(struct intel_lm_syncs *s, int fd, int *err)
{
	int ret;

	while ((ret = fdatasync(fd)) < 0 && errno == EINTR)
		;
	ret = ret < 0 ? -errno : 0;
	close(fd);
	if (ret) {
		pthread_mutex_lock(&s->mu);
		if (err && !*err)
			*err = ret;
		if (!s->first_err)
			s->first_err = ret;
		pthread_mutex_unlock(&s->mu);
	}
}

/* The next queued fdatasync, or NULL; under @s->mu. */
static struct late_sync *syncs_take(struct intel_lm_syncs *s)
{
	struct late_sync *l = s->head;

	if (l) {
		s->head = l->next;
		if (!s->head)
			s->tail = &s->head;
	}
	return l;
}

/* Every queued fdatasync, done by the caller (no thread could be made, or they are gone). */
static void syncs_drain(struct intel_lm_syncs *s)
{
	struct late_sync *l;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		l = syncs_take(s);
		pthread_mutex_unlock(&s->mu);
		if (!l)
			return;
		sync_now(s, l->fd, l->err);
		free(l);
	}
}

static void *syncer(void *arg);

/* Make the thread of slot @i (taken under the mutex); without it, the caller does the work. */
static void syncs_start(struct intel_lm_syncs *s, unsigned int i)
{
	if (!pthread_create(&s->slot[i].tid, NULL, syncer, s)) {
		/* Read only by intel_lm_syncs_wait(), after every job and thread that starts one. */
		__atomic_store_n(&s->slot[i].made, true, __ATOMIC_RELEASE);
		return;
	}
	syncs_drain(s);
}

/* Under @s->mu: a slot for one more thread when work waits and no thread is idle, or -1. */
static int syncs_want_thread(struct intel_lm_syncs *s)
{
	if (!s->head || s->idle || s->closing || s->started >= s->max)
		return -1;
	return (int)s->started++;
}

static void *syncer(void *arg)
{
	struct intel_lm_syncs *s = arg;
	struct late_sync *l;
	int more;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->head && !s->closing) {
			s->idle++;
			pthread_cond_wait(&s->more, &s->mu);
			s->idle--;
		}
		l = syncs_take(s);
		if (!l)
			break;
		/* A backlog and nobody free: one more thread, started by this one, not by a job. */
		more = syncs_want_thread(s);
		pthread_mutex_unlock(&s->mu);
		if (more >= 0)
			syncs_start(s, (unsigned int)more);
		sync_now(s, l->fd, l->err);
		free(l);
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Queue the fdatasync of @fd (which the group then owns); done here when no thread can. */
static void syncs_hand(struct intel_lm_syncs *s, int fd, int *err)
{
	struct late_sync *l = calloc(1, sizeof(*l));
	int first;

	if (!l) {
		sync_now(s, fd, err);
		return;
	}
	l->fd = fd;
	l->err = err;
	pthread_mutex_lock(&s->mu);
	*s->tail = l;
	s->tail = &l->next;
	if (s->idle)
		pthread_cond_signal(&s->more);
	/* Only the group's first thread is started by a job. */
	first = s->started ? -1 : syncs_want_thread(s);
	pthread_mutex_unlock(&s->mu);
	if (first >= 0)
		syncs_start(s, (unsigned int)first);
}

int intel_lm_syncs_wait(struct intel_lm_syncs *s)
{
	unsigned int i, n;
	int ret;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->mu);
	s->closing = true;
	n = s->started;
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->mu);
	/*
	 * Each thread leaves once the queue is empty; a thread started by another is made before
	 * that one leaves, so after the joins in order every made thread was seen.
	 */
	for (i = 0; i < n; i++)
		if (__atomic_load_n(&s->slot[i].made, __ATOMIC_ACQUIRE))
			pthread_join(s->slot[i].tid, NULL);
	/* What no thread took (none could be made). */
	syncs_drain(s);
	ret = s->first_err;
	pthread_cond_destroy(&s->more);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return ret;
}

static const char *or_default(const char *dir, const char *def)
{
	return dir && *dir ? dir : def;
}

/*
 * @path made absolute into @out: its directory resolved (realpath(3)), the file need not exist;
 * a directory that cannot be resolved is taken as written, from the working directory.
 */
static int output_path(const char *path, char *out, size_t len)
{
	char dir[PATH_MAX], abs[PATH_MAX], cwd[PATH_MAX];
	const char *base = strrchr(path, '/');
	int n;

	if (!*path || (base && !base[1]))
		return -EINVAL;
	if (base) {
		if ((size_t)(base - path) >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, (size_t)(base - path));
		dir[base - path] = '\0';
		if (base == path)
			strcpy(dir, "/");
		base++;
	} else {
		strcpy(dir, ".");
		base = path;
	}
	if (realpath(dir, abs))
		n = snprintf(out, len, "%s/%s", strcmp(abs, "/") ? abs : "", base);
	else if (path[0] == '/')
		n = snprintf(out, len, "%s", path);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(out, len, "%s/%s", strcmp(cwd, "/") ? cwd : "", path);
	else
		return -errno;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int intel_lm_claim_vf(const struct intel_lm_pf *pf, uint16_t vf, const struct intel_lm_claim_opts *o,
		      struct intel_lm_claim **clp, enum intel_lm_claim_step *step, char *holder,
		      size_t len)
{
	struct intel_lm_claim_opts opts = { 0 };
	const struct intel_lm_ctrl_info *info = intel_lm_pf_info(pf);
	enum intel_lm_dir_problem why;
	struct intel_lm_rec_entry *e;
	struct intel_lm_claim *cl;
	char what[128];
	int ret;

	*clp = NULL;
	if (o)
		memcpy(&opts, o, o->size < sizeof(opts) ? o->size : sizeof(opts));
	*step = INTEL_LM_CLAIM_DIRS;
	ret = intel_lm_own_dir(or_default(opts.state_dir, INTEL_LM_STATE_DIR), true, &why);
	if (!ret)
		ret = intel_lm_own_dir(or_default(opts.lock_dir, INTEL_LM_LOCK_DIR), true, &why);
	if (ret)
		return ret;
	/* A scan cache of another directory would answer for the wrong records. */
	if (opts.scan && strcmp(intel_lm_scan_dir(opts.scan),
				or_default(opts.state_dir, INTEL_LM_STATE_DIR)))
		return -EINVAL;
	/*
	 * Not zeroed whole: its 25 KiB of paths and entry cost more to clear than the record's
	 * work (intel_lm_record_open() clears the record itself; @other is written before read).
	 */
	cl = malloc(sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	cl->pf = pf;
	cl->lock = NULL;
	cl->rec.fd = -1;
	cl->late = false;
	cl->scan = opts.scan;
	intel_lm_put_str(cl->lock_dir, sizeof(cl->lock_dir), opts.lock_dir ? opts.lock_dir : "");
	intel_lm_put_str(cl->state_dir, sizeof(cl->state_dir), opts.state_dir ? opts.state_dir : "");
	cl->syncs = opts.syncs;
	cl->output[0] = '\0';
	if (!opts.what) {
		snprintf(what, sizeof(what), "pid %d: libintel-lm", (int)getpid());
		opts.what = what;
	}
	/* The output's name must fit the record: refused now, before anything is sent. */
	*step = INTEL_LM_CLAIM_OUTPUT;
	if (opts.output) {
		ret = output_path(opts.output, cl->output, sizeof(cl->output));
		if (ret)
			goto fail;
	}
	*step = INTEL_LM_CLAIM_LOCK;
	ret = intel_lm_lock_vf(opts.lock_dir, intel_lm_pf_id(pf)->key, vf, opts.wait_ms, opts.what,
			       &cl->lock, holder, len);
	if (ret)
		goto fail;
	*step = INTEL_LM_CLAIM_RECORD;
	ret = intel_lm_record_open(opts.state_dir, intel_lm_pf_id(pf), vf, &cl->rec);
	if (ret && ret != -EBADMSG)
		goto fail;
	e = &cl->rec.entry;
	/* A PF reset since the entry was written undid what it says (intel_lm_vf_reset_seen()). */
	if (intel_lm_vf_reset_seen(intel_lm_vf_find(intel_lm_pf_vfs(pf), vf)))
		intel_lm_record_outlive(e, INTEL_LM_OUTLIVED_RESET);
	intel_lm_put_str(e->device, sizeof(e->device), intel_lm_pf_path(pf));
	/* The same NUL-terminated fields, of the same sizes, as Identify left them. */
	_Static_assert(sizeof(e->serial) == sizeof(info->sn) && sizeof(e->model) == sizeof(info->mn) &&
		       sizeof(e->firmware) == sizeof(info->fr), "identity fields differ");
	memcpy(e->serial, info->sn, sizeof(e->serial));
	memcpy(e->model, info->mn, sizeof(e->model));
	memcpy(e->firmware, info->fr, sizeof(e->firmware));
	if (opts.op)
		e->op = opts.op;
	*clp = cl;
	return 0;
fail:
	intel_lm_claim_release(cl);
	return ret;
}

struct intel_lm_record *intel_lm_claim_record(struct intel_lm_claim *cl)
{
	return &cl->rec;
}

/*
 * The identities' locks, in LOCK_DIR. identities.lock, held exclusively, makes the rule's answer
 * and the intent that follows it one step: the next command to ask sees that intent on record.
 * identities.sync is held shared from the moment an intent is in its record file (under the
 * first lock) until it is durable, which may be after the first lock is released: so the
 * intents' fdatasyncs of a batch's jobs, and of other processes, overlap instead of queueing
 * behind one lock. A command whose answer may rest on such an intent is sent only once that
 * intent is durable: after the rule's answer every command takes identities.sync exclusively,
 * for a moment (sync_barrier()), which waits for every intent written before it.
 */
static int lock_file(const char *lock_dir, const char *name)
{
	char path[4096];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", or_default(lock_dir, INTEL_LM_LOCK_DIR),
		     name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	return fd;
}

/* flock(2) of @fd, again after EINTR; 0 or a negative errno. */
static int lock_fd(int fd, int how)
{
	while (flock(fd, how) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* One lock for every identity: see intel_lm_claim_send(). Its descriptor, or a negative errno. */
static int identities_lock(const char *lock_dir)
{
	int fd = lock_file(lock_dir, "identities.lock"), ret;

	if (fd < 0)
		return fd;
	ret = lock_fd(fd, LOCK_EX);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * Every intent written under the identities' lock before now is durable (@sk: identities.sync).
 * Needed only by an answer that rests on a copy in another VF's record: the asking VF's own is
 * this claim's alone, and its intent is durable before its command is sent; and an intent that
 * hides an identity is durable before anyone can see it (guarded()), so that no answer rests
 * on an absence that a crash could undo.
 */
static int sync_barrier(int sk)
{
	int ret = lock_fd(sk, LOCK_EX);

	close(sk);
	return ret;
}

/*
 * The rule's answer for @g, with the scan cache @scan or one of its own for @state_dir;
 * @g->known stand for their records (in a copy of the scan's: its cache stays the records').
 * @others (if not NULL): whether the answer rests on a copy from another VF's record.
 */
static int ask_rule(struct intel_lm_scan *scan, const char *state_dir,
		    const struct intel_lm_guard *g, struct intel_lm_copy *other,
		    struct intel_lm_verdict *v, bool *others)
{
	struct intel_lm_rule_ask ask = { .op = g->op, .incoming = g->incoming };
	struct intel_lm_copy self, *known = NULL;
	struct intel_lm_scan *own = NULL;
	struct intel_lm_want want;
	char path[PATH_MAX];
	const char *slash;
	size_t i, k;
	int ret;

	memset(v, 0, sizeof(*v));
	if (others)
		*others = true;
	if (!scan) {
		ret = intel_lm_scan_new(state_dir && *state_dir ? state_dir : NULL, &own);
		if (ret)
			return ret;
		scan = own;
	}
	intel_lm_rule_copy_of(g->e, &self);
	ask.vf = &self;
	/* Only the copies the answer rests on: no other state file is looked at. */
	intel_lm_rule_wants(&ask, &want);
	want.vfs = g->known;
	want.n_vfs = g->n_known;
	if (!intel_lm_record_path(intel_lm_scan_dir(scan), g->e->pf.key, g->e->vf, path,
				  sizeof(path)) && (slash = strrchr(path, '/')))
		want.own = slash + 1;
	ret = intel_lm_scan_copies_of(scan, &want, &ask.copies, &ask.n);
	if (ret) {
		intel_lm_scan_free(own);
		return ret;
	}
	if (others)
		*others = !want.own || intel_lm_scan_others(scan);
	if (g->n_known && ask.n) {
		known = malloc(ask.n * sizeof(*known));
		if (!known) {
			ret = -ENOMEM;
			goto out;
		}
		memcpy(known, ask.copies, ask.n * sizeof(*known));
		for (i = 0; i < ask.n; i++)
			for (k = 0; k < g->n_known; k++)
				if (known[i].vf && known[i].vf == g->known[k].vf &&
				    !strcmp(known[i].pf, g->known[k].pf.key))
					intel_lm_rule_copy_of(&g->known[k], &known[i]);
		ask.copies = known;
	}
	intel_lm_rule_check(&ask, v);
	/* The place in the way outlives the copies. */
	if (v->other && other) {
		*other = *v->other;
		v->other = other;
	} else if (v->other) {
		v->other = NULL;
	}
	ret = intel_lm_reason_errno(v->reason);
out:
	free(known);
	intel_lm_scan_done(scan);
	intel_lm_scan_free(own);
	return ret;
}

int intel_lm_claim_ask(const char *state_dir, const struct intel_lm_rec_entry *e,
		       enum intel_lm_rule_op op, const struct intel_lm_identity *incoming,
		       struct intel_lm_copy *other, struct intel_lm_verdict *v)
{
	struct intel_lm_guard g = { .size = sizeof(g), .op = op, .e = e, .incoming = incoming };

	return ask_rule(NULL, state_dir, &g, other, v, NULL);
}

/*
 * intel_lm_claim_guarded() with the scan cache @scan (NULL: one of its own). With @settle,
 * @guard->intent only writes the intent, and @settle makes it durable once the identities' lock
 * is released (identities.sync held shared meanwhile); it must then clear what the intent
 * set when it fails, as a failed intent does.
 *
 * An intent that hides an identity its record showed (SAVE_DATA's charge of one of two, a
 * LOAD_DATA over one in doubt) is made durable before the lock is released: an answer may
 * rest on an identity's absence from every other record, and it takes the barrier only for
 * copies it sees (see sync_barrier()), so no absence may be seen before it is durable.
 */
static int guarded(struct intel_lm_scan *scan, const char *state_dir, const char *lock_dir,
		   const struct intel_lm_guard *guard, struct intel_lm_copy *other,
		   struct intel_lm_verdict *v, int (*settle)(void *priv))
{
	struct intel_lm_guard g = { 0 };
	struct intel_lm_identity held[3];
	bool shared = false, others, hides = false;
	size_t n_held;
	int lk, sk, ret;

	memset(v, 0, sizeof(*v));
	if (!guard || guard->size < offsetof(struct intel_lm_guard, priv) + sizeof(void *) ||
	    !guard->e)
		return -EINVAL;
	memcpy(&g, guard, guard->size < sizeof(g) ? guard->size : sizeof(g));
	if (!g.intent)
		return ask_rule(scan, state_dir, &g, other, v, NULL);
	/* Both files first: one that cannot be had stops the command before its intent. */
	sk = lock_file(lock_dir, "identities.sync");
	if (sk < 0)
		return sk;
	if (scan)
		intel_lm_scan_refresh(scan);
	lk = identities_lock(lock_dir);
	if (lk < 0) {
		close(sk);
		return lk;
	}
	ret = ask_rule(scan, state_dir, &g, other, v, &others);
	if (!ret) {
		n_held = intel_lm_rule_held(g.e, held);
		ret = g.intent(g.priv);
		hides = !ret && intel_lm_rule_hides(held, n_held, g.e);
	}
	/* Taken before the intent can be seen without it: a failure makes it durable here. */
	if (!ret && settle) {
		shared = !hides && !lock_fd(sk, LOCK_SH);
		if (!shared)
			ret = settle(g.priv);
	}
	/* The intent is on record: others may look at the identities again. */
	close(lk);
	if (shared) {
		ret = settle(g.priv);
		lock_fd(sk, LOCK_UN);
	}
	if (ret || !others) {
		close(sk);
		return ret;
	}
	return sync_barrier(sk);
}

int intel_lm_claim_guarded(const char *state_dir, const char *lock_dir,
			   const struct intel_lm_guard *g, struct intel_lm_copy *other,
			   struct intel_lm_verdict *v)
{
	return guarded(NULL, state_dir, lock_dir, g, other, v, NULL);
}

static int submit(struct intel_lm_claim *cl, uint8_t opcode, void *buf, uint32_t len,
		  const struct intel_lm_opts *opts, uint32_t *result)
{
	return intel_lm_pf_send(cl->pf, cl->rec.entry.vf, opcode, buf, len, opts, result);
}

/*
 * A command's outcome on record: durable now, or with a batch's late fdatasyncs once it is
 * written (intel_lm_claim_release_later()). Either way it is durable before it is reported.
 */
static int outcome(struct intel_lm_claim *cl, uint8_t opcode, int ret)
{
	int err;

	if (!cl->syncs)
		return intel_lm_record_end(&cl->rec, opcode, ret, 0);
	intel_lm_record_apply(&cl->rec, opcode, ret);
	err = intel_lm_record_write_later(&cl->rec);
	if (!err)
		cl->late = true;
	return err;
}

/* A command's intent, and what goes on record with it; not sent when it cannot be written. */
struct intent {
	struct intel_lm_claim *cl;
	uint8_t opcode;
	const struct intel_lm_identity *incoming;
	bool unsynced;		/* written only: intent_sync() makes it durable */
};

static int send_intent(void *priv)
{
	struct intent *in = priv;
	struct intel_lm_record *rec = &in->cl->rec;
	int ret = 0;

	if (in->opcode == INTEL_LM_OPC_SAVE_DATA)
		ret = intel_lm_record_take_charge(rec);
	else if (in->opcode == INTEL_LM_OPC_LOAD_DATA)
		intel_lm_record_loading(rec, in->incoming);
	if (!ret)
		ret = in->unsynced ? intel_lm_record_begin_unsynced(rec, in->opcode) :
		      intel_lm_record_begin(rec, in->opcode);
	if (!ret)
		in->cl->late = false;
	if (ret)
		/* Not sent: the VF holds what it held. */
		memset(&rec->entry.load_ident, 0, sizeof(rec->entry.load_ident));
	return ret;
}

/* The intent send_intent() wrote, made durable; not sent when it cannot be. */
static int intent_sync(void *priv)
{
	struct intent *in = priv;
	struct intel_lm_record *rec = &in->cl->rec;
	int ret = intel_lm_record_sync(rec);

	if (ret)
		memset(&rec->entry.load_ident, 0, sizeof(rec->entry.load_ident));
	return ret;
}

int intel_lm_claim_send(struct intel_lm_claim *cl, uint8_t opcode, void *buf, uint32_t len,
			const struct intel_lm_identity *incoming, bool force,
			const struct intel_lm_opts *opts, struct intel_lm_sent *out)
{
	struct intel_lm_record *rec;
	struct intel_lm_sent none;
	struct intel_lm_verdict *v;
	struct intent in = { .opcode = opcode, .incoming = incoming };
	int ret;

	if (!cl)
		return -EINVAL;
	rec = &cl->rec;
	in.cl = cl;
	if (!out)
		out = &none;
	memset(out, 0, sizeof(*out));
	v = &out->verdict;
	if (!intel_lm_opcode_changes_state(opcode)) {
		out->sent = true;
		return submit(cl, opcode, buf, len, opts, &out->result);
	}
	if (opcode == INTEL_LM_OPC_LOAD_DATA && !incoming)
		return -EINVAL;
	/*
	 * RESUME and LOAD_DATA may run a state, and SAVE_DATA of a VF that holds one of two
	 * would copy it under one name: the rule first, under the identities' lock. A RESUME
	 * asks it of a VF that holds a state with an identity, or may (a LOAD_DATA in doubt).
	 */
	if (!force && (opcode == INTEL_LM_OPC_LOAD_DATA ||
		       (opcode == INTEL_LM_OPC_RESUME &&
			(intel_lm_identity_is_set(&rec->entry.ident) ||
			 intel_lm_identity_is_set(&rec->entry.load_ident))) ||
		       (opcode == INTEL_LM_OPC_SAVE_DATA &&
			intel_lm_identity_is_set(&rec->entry.ident) &&
			intel_lm_identity_is_set(&rec->entry.load_ident)))) {
		struct intel_lm_guard g = {
			.size = sizeof(g), .e = &rec->entry, .incoming = incoming,
			.op = opcode == INTEL_LM_OPC_RESUME ? INTEL_LM_RULE_RESUME :
			      opcode == INTEL_LM_OPC_SAVE_DATA ? INTEL_LM_RULE_SAVE :
			      INTEL_LM_RULE_LOAD,
			.intent = send_intent, .priv = &in,
		};

		in.unsynced = true;
		ret = guarded(cl->scan, cl->state_dir, cl->lock_dir, &g, &cl->other, v,
			      intent_sync);
	} else {
		ret = send_intent(&in);
	}
	if (ret)
		return ret;
	out->sent = true;
	ret = submit(cl, opcode, buf, len, opts, &out->result);
	/*
	 * SAVE_DATA's outcome goes on record before its file is written: the save stays open
	 * until intel_lm_claim_saved() records the file, so that a crash during the write is
	 * told from one with SAVE_DATA in flight. A failed SAVE_DATA ends the save: no file
	 * follows, nothing is left open.
	 */
	if (opcode == INTEL_LM_OPC_SAVE_DATA && ret)
		rec->entry.op_open = false;
	out->record_ret = outcome(cl, opcode, ret);
	return ret;
}

int intel_lm_claim_saved(struct intel_lm_claim *cl, const char *path, uint32_t size, uint32_t crc)
{
	struct intel_lm_rec_entry *e = &cl->rec.entry;

	if (path && cl->output[0])
		path = cl->output;
	if (path) {
		if (strlen(path) >= sizeof(e->state_file))
			return -ENAMETOOLONG;
		intel_lm_put_str(e->state_file, sizeof(e->state_file), path);
		e->state_size = size;
		e->state_crc = crc;
		e->state_file_temporary = false;
		e->file_ident = e->ident;
	}
	e->op_open = false;
	e->tmp_file[0] = '\0';
	return outcome(cl, INTEL_LM_OPC_SAVE_DATA, 0);
}

void intel_lm_claim_release_later(struct intel_lm_claim *cl, int *err)
{
	if (!cl)
		return;
	if (cl->late && cl->rec.fd >= 0) {
		/* The group owns the file now; the lock goes, the outcome is in the file. */
		syncs_hand(cl->syncs, cl->rec.fd, err);
		cl->rec.fd = -1;
		cl->late = false;
	}
	intel_lm_record_close(&cl->rec);
	intel_lm_unlock_vf(cl->lock);
	free(cl);
}

void intel_lm_claim_release(struct intel_lm_claim *cl)
{
	if (cl && cl->late && cl->rec.fd >= 0)
		fdatasync(cl->rec.fd);
	if (cl)
		cl->late = false;
	intel_lm_claim_release_later(cl, NULL);
}
