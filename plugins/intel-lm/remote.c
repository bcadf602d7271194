// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * migrate --to=ssh://[user@]host[:port]/dev/nvmeX: the source's half of a host-to-host
 * migrate. The destination's half is this program's serve-peer on the other host (peer.c),
 * started through the system's OpenSSH client (or --ssh=COMMAND) and spoken to in the peer
 * protocol (wire.h) over ssh's standard input and output: nothing listens on any port.
 *
 * Downtime first: the connection, both claims and records, the destination's checks and its
 * SUSPEND all happen before the source's SUSPEND. Then QUERY_DATA_SIZE and SAVE_DATA; the
 * state streams to the peer from SAVE_DATA's buffer while the source's durable safety copy
 * is written; once that copy is durable the peer LOADs and RESUMEs. A failure before the
 * destination's RESUME was sent resumes the source; a RESUME whose answer never came (the
 * connection dropped) leaves the source suspended and its migration open on record: two
 * running copies must never exist. Each VF goes through libintel-lm's claim
 * (intel-lm/claim.h), as on the destination.
 *
 * A list runs over one connection, --jobs pairs at a time: each pair has a channel of its own
 * on it (peer.c), its control messages name it, a state's DATA frames go whole after their
 * BEGIN, and a thread here reads every answer and hands it to its pair. One ssh start-up
 * serves the whole list.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include <json-c/json.h>

#include "cli-priv.h"
#include "wire.h"

/* The destination, from the URL. */
struct dest {
	char login[128];	/* [user@]host, as ssh takes it */
	char port[8];		/* "" for ssh's own default */
	char dev[32];		/* /dev/nvmeN */
	char peer[64];		/* the URL, for the records; host:/dev/nvmeN when it is too long */
};

/* An answer for one channel, in the order it came. */
struct rmsg {
	struct rmsg *next;
	uint16_t type;
	uint32_t len;
	uint8_t data[];
};

/* The connection to the peer. */
struct link {
	pid_t pid;
	int to, from;
	uint8_t *buf;
	char version[32];	/* the peer program's version */
	unsigned int channels;	/* how many pairs the peer takes at once */
	pthread_mutex_t wlock;	/* one frame (or one state's frames) at a time */
	pthread_mutex_t lock;	/* the queues and @err */
	/* Each channel's own: an answer wakes its pair's thread alone, not every job's. */
	pthread_cond_t cond[MAX_JOBS];
	pthread_t reader;
	bool reading;
	int err;		/* why the connection ended, once it did */
	struct rmsg *head[MAX_JOBS], *tail[MAX_JOBS];
};

bool remote_url(const char *to)
{
	return to && !strncmp(to, "ssh://", 6);
}

static bool host_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '.' || ch == '-' || ch == '_';
}

/* ssh://[user@]host[:port]/dev/nvmeN; 0 or -EINVAL. */
static int parse_url(const char *url, struct dest *d)
{
	const char *p = url + 6, *at, *slash, *colon, *hs, *q;
	size_t n;

	memset(d, 0, sizeof(*d));
	slash = strchr(p, '/');
	if (!slash)
		return -EINVAL;
	at = memchr(p, '@', (size_t)(slash - p));
	hs = at ? at + 1 : p;
	if (at)
		for (q = p; q < at; q++)
			if (!host_char(*q))
				return -EINVAL;
	colon = memchr(hs, ':', (size_t)(slash - hs));
	for (q = hs; q < (colon ? colon : slash); q++)
		if (!host_char(*q))
			return -EINVAL;
	if ((colon ? colon : slash) == hs || hs[0] == '-')
		return -EINVAL;
	if (colon) {
		n = (size_t)(slash - colon - 1);
		if (!n || n >= sizeof(d->port))
			return -EINVAL;
		for (q = colon + 1; q < slash; q++)
			if (!isdigit((unsigned char)*q))
				return -EINVAL;
		memcpy(d->port, colon + 1, n);
	}
	n = (size_t)((colon ? colon : slash) - p);
	if (n >= sizeof(d->login))
		return -EINVAL;
	memcpy(d->login, p, n);
	if (strncmp(slash, "/dev/nvme", 9) || !slash[9] || strlen(slash) >= sizeof(d->dev))
		return -EINVAL;
	for (q = slash + 9; *q; q++)
		if (!isdigit((unsigned char)*q))
			return -EINVAL;
	snprintf(d->dev, sizeof(d->dev), "%s", slash);
	/* Where recover finds the other VF again: the URL, when it fits the record's field. */
	if (snprintf(d->peer, sizeof(d->peer), "ssh://%s%s%s%s", d->login, d->port[0] ? ":" : "",
		     d->port, d->dev) >= (int)sizeof(d->peer)) {
		n = (size_t)((colon ? colon : slash) - hs);
		snprintf(d->peer, sizeof(d->peer), "%.*s:%s", (int)n, hs, d->dev);
	}
	return 0;
}

/* A path for the remote program: no character a remote shell would read. */
static bool safe_path(const char *p)
{
	if (!*p || *p == '-')
		return false;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("/._-+", *p))
			return false;
	return true;
}

/* Start ssh [--ssh words] [-p PORT] [user@]host PROGRAM serve-peer. */
static int link_open(const struct cli *c, const struct dest *d, struct link *l)
{
	const char *ssh = c->ssh ? c->ssh : "ssh";
	char words[1024], *argv[64], *tok, *save;
	int in[2], out[2], n = 0;

	snprintf(words, sizeof(words), "%s", ssh);
	for (tok = strtok_r(words, " \t", &save); tok && n < 50;
	     tok = strtok_r(NULL, " \t", &save))
		argv[n++] = tok;
	if (!n)
		return -EINVAL;
	/* No terminal: the channel carries binary frames. */
	argv[n++] = "-T";
	if (d->port[0]) {
		argv[n++] = "-p";
		argv[n++] = (char *)d->port;
	}
	argv[n++] = "--";
	argv[n++] = (char *)d->login;
	argv[n++] = (char *)(c->remote_program ? c->remote_program : "nvme-intel-lm");
	argv[n++] = "serve-peer";
	argv[n] = NULL;
	if (pipe2(in, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	l->pid = fork();
	if (l->pid < 0) {
		int err = -errno;

		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return err;
	}
	if (!l->pid) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		/* Deferred signals stay the parent's: ssh dies of its own. */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "%s migrate: cannot run %s: %s\n", c->prog, argv[0],
			strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	l->to = in[1];
	l->from = out[0];
	return 0;
}

static void link_close(struct link *l)
{
	struct rmsg *r;
	unsigned int i;
	int status;

	if (l->to >= 0) {
		pthread_mutex_lock(&l->wlock);
		wire_send(l->to, WIRE_BYE, NULL, 0);
		close(l->to);
		l->to = -1;
		pthread_mutex_unlock(&l->wlock);
	}
	/* The peer ends its side after BYE, or has gone: its end of file ends the reader. */
	if (l->reading)
		pthread_join(l->reader, NULL);
	l->reading = false;
	if (l->from >= 0)
		close(l->from);
	if (l->pid > 0)
		waitpid(l->pid, &status, 0);
	for (i = 0; i < MAX_JOBS; i++)
		while ((r = l->head[i])) {
			l->head[i] = r->next;
			free(r);
		}
	free(l->buf);
	pthread_mutex_destroy(&l->wlock);
	pthread_mutex_destroy(&l->lock);
	for (i = 0; i < MAX_JOBS; i++)
		pthread_cond_destroy(&l->cond[i]);
}

/* A link not yet open: nothing to close but its locks. */
static void link_init(struct link *l)
{
	unsigned int i;

	*l = (struct link){ .pid = -1, .to = -1, .from = -1 };
	pthread_mutex_init(&l->wlock, NULL);
	pthread_mutex_init(&l->lock, NULL);
	for (i = 0; i < MAX_JOBS; i++)
		pthread_cond_init(&l->cond[i], NULL);
}

/* The reader: each answer to its channel's queue, until the connection ends. */
static void *link_read(void *arg)
{
	struct link *l = arg;
	struct wire_msg m;
	struct rmsg *r;
	unsigned long ch;
	char buf[8], *end;
	unsigned int i;
	int ret;

	for (;;) {
		ret = wire_recv(l->from, l->buf, &m);
		if (ret)
			break;
		ch = 0;
		if (!wire_kv(&m, "ch", buf, sizeof(buf))) {
			errno = 0;
			ch = strtoul(buf, &end, 10);
			if (errno || *end || !isdigit((unsigned char)buf[0]) || ch >= MAX_JOBS) {
				ret = -EPROTO;
				break;
			}
		}
		r = malloc(sizeof(*r) + m.len);
		if (!r) {
			ret = -ENOMEM;
			break;
		}
		r->next = NULL;
		r->type = m.type;
		r->len = m.len;
		memcpy(r->data, m.payload, m.len);
		pthread_mutex_lock(&l->lock);
		if (l->tail[ch])
			l->tail[ch]->next = r;
		else
			l->head[ch] = r;
		l->tail[ch] = r;
		pthread_cond_signal(&l->cond[ch]);
		pthread_mutex_unlock(&l->lock);
	}
	pthread_mutex_lock(&l->lock);
	l->err = ret;
	for (i = 0; i < MAX_JOBS; i++)
		pthread_cond_broadcast(&l->cond[i]);
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

/* The reader starts once the HELLOs are exchanged. */
static int link_start(struct link *l)
{
	int ret = pthread_create(&l->reader, NULL, link_read, l);

	l->reading = !ret;
	return -ret;
}

/* Channel @ch's next answer (@held keeps it until the next one), or the link's errno. */
static int link_recv(struct link *l, unsigned int ch, struct rmsg **held, struct wire_msg *m)
{
	struct rmsg *r;
	int ret;

	pthread_mutex_lock(&l->lock);
	while (!l->head[ch] && !l->err)
		pthread_cond_wait(&l->cond[ch], &l->lock);
	r = l->head[ch];
	if (r) {
		l->head[ch] = r->next;
		if (!l->head[ch])
			l->tail[ch] = NULL;
	}
	ret = r ? 0 : l->err ? l->err : -ECONNRESET;
	pthread_mutex_unlock(&l->lock);
	if (!r)
		return ret;
	free(*held);
	*held = r;
	memset(m, 0, sizeof(*m));
	m->version = WIRE_VERSION;
	m->type = r->type;
	m->len = r->len;
	m->payload = r->data;
	return 0;
}

/* A control message on channel @ch, @l->wlock held: its number first, then @kv. */
static int send_kv_locked(struct link *l, unsigned int ch, uint16_t type, const char *kv)
{
	char buf[2048];
	int n;

	n = snprintf(buf, sizeof(buf), "ch=%u\n%s", ch, kv);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -E2BIG;
	return l->to >= 0 ? wire_send(l->to, type, buf, (uint32_t)strlen(buf)) : -EPIPE;
}

static int send_kv(struct link *l, unsigned int ch, uint16_t type, const char *kv)
{
	int ret;

	pthread_mutex_lock(&l->wlock);
	ret = send_kv_locked(l, ch, type, kv);
	pthread_mutex_unlock(&l->wlock);
	return ret;
}

/*
 * The peer's answer on channel @ch: OK or READY (0), FAIL (1, @m holds it), or the link's
 * errno. A note the peer adds to an OK is passed on.
 */
static int answer(const struct cli *c, struct link *l, unsigned int ch, struct rmsg **held,
		  struct wire_msg *m, uint16_t want)
{
	char note[512];
	int ret = link_recv(l, ch, held, m);

	if (ret)
		return ret;
	if (m->type == WIRE_FAIL)
		return 1;
	if (m->type == WIRE_OK && !wire_kv(m, "note", note, sizeof(note))) {
		pthread_mutex_lock(&c->out->lock);
		c->out->pr->note(c, "%s", note);
		pthread_mutex_unlock(&c->out->lock);
	}
	return m->type == want ? 0 : -EPROTO;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int kv_num(const struct wire_msg *m, const char *key, unsigned long *v)
{
	char buf[24], *end;

	if (wire_kv(m, key, buf, sizeof(buf)) || !isdigit((unsigned char)buf[0]))
		return -EINVAL;
	errno = 0;
	*v = strtoul(buf, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

/* When a command was sent: the trace's call less its time in the kernel; passed on. */
struct sent_at {
	const struct intel_lm_opts *next;
	uint64_t ns;
};

static void sent_at(void *priv, const struct intel_lm_cmd *cmd, int ret, uint32_t result,
		    uint64_t elapsed_ns, bool dry_run)
{
	struct sent_at *at = priv;

	at->ns = now_ns() - elapsed_ns;
	if (at->next->trace)
		at->next->trace(at->next->trace_priv, cmd, ret, result, elapsed_ns, dry_run);
}

/* One pair and what became of it. */
struct rjob {
	uint16_t src_vf, dst_vf;
	int status;
	char op_id[40];
	char keep[INTEL_LM_PATH_MAX];
	uint64_t downtime_ns;
	bool changed;			/* a state-changing command was sent to either VF */
	bool kept;			/* @keep holds the state after the run */
	const char *src_state, *dst_state;
	/* A failure: what failed, on which end, its return, and the words (message\nhint). */
	const char *op;
	bool on_dst;
	int ret;
	char op_buf[32];		/* the peer's word for what failed there */
	char msg[2048];
};

struct keep_thread {
	struct intel_lm_outfile *out;
	const struct session *src;
	uint16_t vf;
	const struct intel_lm_identity *ident;
	const void *state;
	uint32_t len;
	int ret;
};

static void *keep_run(void *arg)
{
	struct keep_thread *k = arg;

	k->ret = intel_lm_blob_write_proto(k->out, pf_info(k->src), pf_proto(k->src), k->vf,
					   k->ident, k->state, k->len, NULL);
	return NULL;
}

/* The source's migration ends: its entry closed, or left open for recover. */
static void close_src(struct intel_lm_record *rec, bool open, bool drop_copy)
{
	struct intel_lm_rec_entry *e = &rec->entry;

	e->op_open = open;
	e->pending = 0;
	e->pending_then = 0;
	if (!open)
		e->tmp_file[0] = '\0';
	if (drop_copy) {
		e->state_file[0] = '\0';
		e->state_file_temporary = false;
	}
	intel_lm_record_write(rec);
}

static void say_fail(const struct cli *c, struct rjob *j, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The words go to standard error in every format, and into the pair's JSON error. */
static void say_fail(const struct cli *c, struct rjob *j, const char *fmt, ...)
{
	size_t used = strlen(j->msg);
	char line[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s migrate: VF %u to VF %u: %s\n", c->prog, j->src_vf, j->dst_vf, line);
	snprintf(j->msg + used, sizeof(j->msg) - used, "%s%s", used ? "; " : "", line);
}

/* The state the peer's FAIL gives its VF, else @dflt. */
static const char *peer_state(const struct wire_msg *m, const char *dflt)
{
	char state[32];
	enum intel_lm_vf_state st;

	if (wire_kv(m, "state", state, sizeof(state)))
		return dflt;
	st = intel_lm_vf_state_parse(state);
	return st < INTEL_LM_VF_STATES ? intel_lm_vf_state_name(st) : dflt;
}

/* What failed, for the JSON error: the first failure named wins. */
static void failed_at(struct rjob *j, const char *op, bool on_dst, int ret)
{
	if (j->op)
		return;
	j->op = op;
	j->on_dst = on_dst;
	j->ret = ret;
}

/* The peer's FAIL, in words: what, its decoded return, the destination's state. */
static void peer_words(const struct wire_msg *m, char *out, size_t len)
{
	char op[32] = "?", cmd[96] = "", msg[1024] = "", state[32] = "", eff[16] = "";

	wire_kv(m, "op", op, sizeof(op));
	wire_kv(m, "command", cmd, sizeof(cmd));
	wire_kv(m, "msg", msg, sizeof(msg));
	wire_kv(m, "state", state, sizeof(state));
	wire_kv(m, "effect", eff, sizeof(eff));
	snprintf(out, len, "the destination's %s%s%s%s failed: %s%s%s", op, cmd[0] ? " (" : "",
		 cmd, cmd[0] ? ")" : "", msg, state[0] ? "; the destination VF is " : "", state);
}

static void peer_failed(struct rjob *j, const struct wire_msg *m)
{
	char ret[16] = "0";

	if (j->op)
		return;
	if (wire_kv(m, "op", j->op_buf, sizeof(j->op_buf)) || !j->op_buf[0])
		snprintf(j->op_buf, sizeof(j->op_buf), "peer");
	wire_kv(m, "ret", ret, sizeof(ret));
	j->op = j->op_buf;
	j->on_dst = true;
	j->ret = (int)strtol(ret, NULL, 10);
}

static enum intel_lm_effect peer_effect(const struct wire_msg *m)
{
	char eff[16] = "";

	wire_kv(m, "effect", eff, sizeof(eff));
	return !strcmp(eff, intel_lm_effect_name(INTEL_LM_EFFECT_UNKNOWN)) ?
	       INTEL_LM_EFFECT_UNKNOWN : !strcmp(eff, intel_lm_effect_name(INTEL_LM_EFFECT_DONE)) ?
	       INTEL_LM_EFFECT_DONE : INTEL_LM_EFFECT_NONE;
}

static void new_op_id(char *out, size_t len)
{
	unsigned int rnd = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		(void)!read(fd, &rnd, sizeof(rnd));
		close(fd);
	}
	snprintf(out, len, "mig-%lld-%d-%08x", (long long)time(NULL), (int)getpid(), rnd);
}

/*
 * A deferred signal stops the migration before its next step (as a one-host migrate's cancel
 * does): true, with the failure named, when one came.
 */
static bool interrupted_before(const struct cli *c, struct rjob *j, const char *step, int *ret)
{
	if (!signal_caught())
		return false;
	say_fail(c, j, "interrupted by %s before the %s", signal_name(signal_caught()), step);
	failed_at(j, "migrate", false, -ECANCELED);
	*ret = -ECANCELED;
	return true;
}

/* The PREPARE of a pair: the destination, the source's state and its format, the options. */
static void prepare_kv(const struct cli *c, const struct session *src, const struct dest *d,
		       const struct rjob *j, const struct intel_lm_identity *ident, bool dry,
		       char *kv, size_t len)
{
	const struct intel_lm_proto *sp = pf_proto(src);
	char hex[INTEL_LM_ID_HEX_LEN], host[64], what[128];

	kv[0] = '\0';
	wire_kv_add(kv, len, "device", "%s", d->dev);
	wire_kv_add(kv, len, "vf", "%u", j->dst_vf);
	wire_kv_add(kv, len, "op_id", "%s", j->op_id);
	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(what, sizeof(what), "%.40s:%s", host, pf_path(src));
	wire_kv_add(kv, len, "peer", "%.63s", what);
	wire_kv_add(kv, len, "peer_vf", "%u", j->src_vf);
	wire_kv_add(kv, len, "ident", "%s", intel_lm_identity_hex(ident, hex));
	wire_kv_add(kv, len, "gen", "%u", ident->gen);
	wire_kv_add(kv, len, "origin", "%s", ident->origin);
	wire_kv_add(kv, len, "origin_vf", "%u", ident->origin_vf);
	wire_kv_add(kv, len, "vid", "%u", pf_info(src)->vid);
	wire_kv_add(kv, len, "mn", "%s", pf_info(src)->mn);
	wire_kv_add(kv, len, "fr", "%s", pf_info(src)->fr);
	wire_kv_add(kv, len, "force", "%d", c->force ? 1 : 0);
	/* The format the state will be in, and the user's --protocol, for the peer's check. */
	wire_kv_add(kv, len, "protocol", "%s", intel_lm_protocol_name(sp->protocol));
	wire_kv_add(kv, len, "csvi", "%u", sp->csvi);
	wire_kv_add(kv, len, "csuuidi", "%u", sp->csuuidi);
	wire_kv_add(kv, len, "uidx", "%u", sp->uidx);
	wire_kv_add(kv, len, "use", "%s", c->protocol == INTEL_LM_PROTO_AUTO ? "auto" :
		    intel_lm_protocol_name(c->protocol));
	if (dry)
		wire_kv_add(kv, len, "dry_run", "1");
}

/*
 * A READY's protocol against the source's (the peer checked it; a peer that names none speaks
 * Intel's): 0, or -EPROTONOSUPPORT with the failure said.
 */
static int ready_protocol(const struct cli *c, const struct session *src, const struct dest *d,
			  struct rjob *j, const struct wire_msg *m)
{
	const char *mine = intel_lm_protocol_name(pf_proto(src)->protocol);
	char theirs[16];

	if (wire_kv(m, "protocol", theirs, sizeof(theirs)))
		snprintf(theirs, sizeof(theirs), "%s", intel_lm_protocol_name(INTEL_LM_PROTO_INTEL));
	if (!strcmp(theirs, mine))
		return 0;
	failed_at(j, "check protocol", true, -EPROTONOSUPPORT);
	say_fail(c, j, "%s moves states with %s, %s on %s with %s: a state is in one protocol's "
		 "format; nothing was sent to the source\ngive both the same protocol with "
		 "--protocol (see '%s info' of each PF)", pf_path(src), mine, d->dev, d->login,
		 theirs, c->prog);
	return -EPROTONOSUPPORT;
}

/* A source VF whose record forbids moving its state: true, with the failure said. */
static bool src_refused(const struct cli *c, const struct session *src, struct rjob *j,
			const struct intel_lm_rec_entry *e)
{
	if (!e->pending && !(e->op_open && e->op == INTEL_LM_OP_MIGRATE) &&
	    e->state != INTEL_LM_VF_SAVED && e->state != INTEL_LM_VF_LOADED &&
	    e->state != INTEL_LM_VF_UNKNOWN)
		return false;
	failed_at(j, "check record", false, -EBUSY);
	say_fail(c, j, "VF %u of %s is %s on record%s%s; nothing was sent\n'%s status %s --vf=%u' "
		 "shows it; settle it first ('%s recover')", j->src_vf, pf_path(src),
		 intel_lm_vf_state_name(e->pending ? INTEL_LM_VF_UNKNOWN : e->state),
		 e->op_open ? ", in migration " : "", e->op_open ? e->op_id : "", c->prog,
		 pf_path(src), j->src_vf, c->prog);
	return true;
}

/*
 * A pair under --dry-run: the source's record read (nothing claimed or written), the
 * destination's checks run by the peer with nothing claimed, written or sent there either
 * (PREPARE with dry_run), and what would be sent said. Returns the pair's exit status.
 */
static int dry_pair_on(const struct cli *c, struct session *src, const struct dest *d,
		       struct link *l, unsigned int ch, struct rmsg **held, struct rjob *j,
		       bool *lost)
{
	struct intel_lm_record rec = { .fd = -1 };
	struct intel_lm_rec_entry *e = &rec.entry;
	struct wire_msg m;
	char kv[1024], words[1536], before[32] = "running";
	unsigned long skipped = 0;
	int ret;

	peek_entry(c, src, j->src_vf, e);
	j->src_state = "unchanged";
	if (src_refused(c, src, j, e))
		return EXIT_REFUSED;
	/* The identity a real run would give the state, for the destination's rule. */
	ret = intel_lm_record_take_charge(&rec);
	if (ret) {
		failed_at(j, "check record", false, ret);
		say_fail(c, j, "cannot give the state an identity: %s; nothing was sent",
			 strerror(-ret));
		return EXIT_FAILED;
	}
	new_op_id(j->op_id, sizeof(j->op_id));
	prepare_kv(c, src, d, j, &e->ident, true, kv, sizeof(kv));
	ret = send_kv(l, ch, WIRE_PREPARE, kv);
	if (!ret)
		ret = answer(c, l, ch, held, &m, WIRE_READY);
	if (ret == 1) {
		peer_failed(j, &m);
		j->dst_state = peer_state(&m, "unchanged");
		peer_words(&m, words, sizeof(words));
		say_fail(c, j, "%s; nothing was sent to either VF (--dry-run)", words);
		return EXIT_REFUSED;
	}
	if (ret) {
		*lost = true;
		failed_at(j, "connect", true, ret);
		say_fail(c, j, "the connection to %s failed during the destination's checks (%s); "
			 "nothing was sent to either VF (--dry-run)", d->login,
			 intel_lm_errno_name(ret));
		return EXIT_FAILED;
	}
	if (ready_protocol(c, src, d, j, &m))
		return EXIT_REFUSED;
	/* A peer that ignored dry_run would have suspended its VF: never taken for a dry run. */
	if (wire_kv(&m, "dry_run", words, sizeof(words)) || strcmp(words, "1")) {
		*lost = true;
		failed_at(j, "connect", true, -EPROTO);
		j->dst_state = "unknown";
		say_fail(c, j, "the peer on %s does not know --dry-run and may have suspended VF "
			 "%u of %s; nothing was sent to the source\n'%s status %s --vf=%u' on %s "
			 "shows it; install the same intel-lm on both hosts", d->login, j->dst_vf,
			 d->dev, c->prog, d->dev, j->dst_vf, d->login);
		return EXIT_UNKNOWN;
	}
	wire_kv(&m, "before", before, sizeof(before));
	kv_num(&m, "skipped", &skipped);
	j->dst_state = "unchanged";
	if (c->fmt != FMT_JSON)
		printf("VF %u of %s would migrate to VF %u of %s on %s over %s: the destination's "
		       "checks passed (its VF is %s); would send %sSUSPEND, QUERY_DATA_SIZE, "
		       "SAVE_DATA here, LOAD_DATA, RESUME there; nothing was sent (--dry-run)\n",
		       j->src_vf, pf_path(src), j->dst_vf, d->dev, d->login,
		       intel_lm_protocol_name(pf_proto(src)->protocol), before,
		       skipped & (1U << INTEL_LM_MIG_DST_SUSPEND) ? "" : "SUSPEND there, ");
	return EXIT_OK;
}

static int dry_pair(const struct cli *c, struct session *src, const struct dest *d,
		    struct link *l, unsigned int ch, struct rjob *j, bool *lost)
{
	struct rmsg *held = NULL;
	int status = dry_pair_on(c, src, d, l, ch, &held, j, lost);

	free(held);
	return status;
}

/*
 * One pair. Returns its exit status; a broken link sets *@lost (the next pairs are not
 * started).
 */
static int run_pair(const struct cli *c, struct session *src, const struct dest *d,
		    struct link *l, unsigned int ch, struct rjob *j, bool batch, bool *lost)
{
	struct rmsg *held = NULL;
	const char *tmpdir = getenv("TMPDIR");
	struct intel_lm_claim *cl = NULL;
	struct intel_lm_record *rec;
	struct intel_lm_rec_entry *e;
	struct intel_lm_outfile *out = NULL;
	struct intel_lm_limit limit = *pf_limit(src);
	struct vf_result r = { 0 };
	struct intel_lm_sent sent;
	struct keep_thread kt = { 0 };
	struct wire_msg m;
	char kv[1024] = "", words[1536], what[512], step[96];
	unsigned long max_bytes;
	uint64_t t0 = 0;
	void *state = NULL;
	uint32_t size = 0, crc, off;
	pthread_t th;
	bool threaded, src_suspended = false, keep_failed = false;
	struct sent_at at = { 0 };
	struct intel_lm_opts o = src->opts;
	int ret, rec_ret, status = EXIT_FAILED;

	/* The source's claim, its checks, the identity of the state it will hand over. */
	r.vf = j->src_vf;
	snprintf(what, sizeof(what), "pid %d: %s migrate %s --vf=%u --to=%s --to-vf=%u",
		 (int)getpid(), c->prog, pf_path(src), j->src_vf, c->to, j->dst_vf);
	if (claim_vf(c, src, &r, INTEL_LM_OP_NONE, what, NULL, &cl)) {
		failed_at(j, r.op ? r.op : "claim", false, r.ret);
		say_fail(c, j, "%s", r.msg);
		return EXIT_REFUSED;
	}
	rec = intel_lm_claim_record(cl);
	e = &rec->entry;
	if (src_refused(c, src, j, e)) {
		status = EXIT_REFUSED;
		goto out;
	}
	ret = intel_lm_record_take_charge(rec);
	if (ret) {
		failed_at(j, "check record", false, ret);
		say_fail(c, j, "cannot give the state an identity: %s; nothing was sent",
			 strerror(-ret));
		goto out;
	}
	/* The safety copy's file, created now: nothing but the steps in the downtime. */
	if (c->keep && batch)
		snprintf(j->keep, sizeof(j->keep), "%s/vf%u.blob", c->keep, j->src_vf);
	else if (c->keep)
		snprintf(j->keep, sizeof(j->keep), "%s", c->keep);
	else
		snprintf(j->keep, sizeof(j->keep), "%s/intel-lm-migrate-%s-vf%u-%lld-%d.blob",
			 tmpdir && *tmpdir ? tmpdir : "/var/tmp", pf_key(src), j->src_vf,
			 (long long)time(NULL), (int)getpid());
	ret = intel_lm_outfile_open(&out, j->keep, c->force);
	if (ret) {
		failed_at(j, "open --keep", false, ret);
		say_fail(c, j, "cannot create %s: %s (%s); nothing was sent\nname a file in a "
			 "writable directory with --keep, or set TMPDIR", j->keep, strerror(-ret),
			 intel_lm_errno_name(ret));
		status = EXIT_REFUSED;
		goto out;
	}

	/* The destination: claimed, checked and suspended before the source is touched. */
	new_op_id(j->op_id, sizeof(j->op_id));
	prepare_kv(c, src, d, j, &e->ident, false, kv, sizeof(kv));
	ret = send_kv(l, ch, WIRE_PREPARE, kv);
	if (!ret)
		ret = answer(c, l, ch, &held, &m, WIRE_READY);
	if (ret == 1) {
		peer_failed(j, &m);
		j->dst_state = peer_state(&m, "unchanged");
		peer_words(&m, words, sizeof(words));
		say_fail(c, j, "%s; nothing was sent to the source VF %u of %s", words, j->src_vf,
			 pf_path(src));
		status = peer_effect(&m) == INTEL_LM_EFFECT_UNKNOWN ? EXIT_UNKNOWN : EXIT_REFUSED;
		goto out;
	}
	if (ret) {
		*lost = true;
		failed_at(j, "connect", true, ret);
		j->dst_state = "unknown";
		say_fail(c, j, "the connection to %s failed while the destination was prepared "
			 "(%s); nothing was sent to the source VF %u of %s, which runs as it did; "
			 "'%s status %s --vf=%u' on %s shows the destination VF", d->login,
			 intel_lm_errno_name(ret), j->src_vf, pf_path(src), c->prog, d->dev,
			 j->dst_vf, d->login);
		status = EXIT_UNKNOWN;
		goto out;
	}
	if (!kv_num(&m, "max_bytes", &max_bytes) && max_bytes < limit.max_bytes)
		limit.max_bytes = (uint32_t)max_bytes;
	j->changed = true;
	j->dst_state = "suspended";
	ret = ready_protocol(c, src, d, j, &m);
	if (ret)
		goto rollback;

	if (interrupted_before(c, j, "source suspend", &ret))
		goto rollback;
	/* The source: its entry joins the migration; the downtime starts with its SUSPEND. */
	e->op = INTEL_LM_OP_MIGRATE;
	e->op_open = true;
	snprintf(e->op_id, sizeof(e->op_id), "%s", j->op_id);
	e->role = INTEL_LM_ROLE_SOURCE;
	e->step = INTEL_LM_MIG_SRC_SUSPEND;
	memset(&e->peer, 0, sizeof(e->peer));
	snprintf(e->peer_device, sizeof(e->peer_device), "%s", d->peer);
	e->peer_vf = j->dst_vf;
	/* The downtime starts when the SUSPEND is sent, after its intent's write. */
	at.next = &src->opts;
	o.trace = sent_at;
	o.trace_priv = &at;
	t0 = now_ns();
	ret = intel_lm_claim_send(cl, INTEL_LM_OPC_SUSPEND, NULL, 0, NULL, true, &o, &sent);
	if (at.ns)
		t0 = at.ns;
	src_suspended = sent.sent && intel_lm_effect_of(ret) != INTEL_LM_EFFECT_NONE;
	if (ret) {
		intel_lm_step_strerror(ret, session_protocol(src), INTEL_LM_OPC_SUSPEND, words,
				       sizeof(words));
		say_fail(c, j, "the source's %s failed: %s", step_words(session_protocol(src),
			 INTEL_LM_OPC_SUSPEND, step, sizeof(step)), words);
		failed_at(j, "SUSPEND", false, ret);
		goto rollback;
	}
	e->step = INTEL_LM_MIG_SRC_QUERY;
	ret = intel_lm_claim_send(cl, INTEL_LM_OPC_QUERY_DATA_SIZE, NULL, 0, NULL, true,
				  &src->opts, &sent);
	size = sent.result;
	if (ret) {
		intel_lm_step_strerror(ret, session_protocol(src), INTEL_LM_OPC_QUERY_DATA_SIZE,
				       words, sizeof(words));
		say_fail(c, j, "the source's %s failed: %s", step_words(session_protocol(src),
			 INTEL_LM_OPC_QUERY_DATA_SIZE, step, sizeof(step)), words);
		failed_at(j, "QUERY_DATA_SIZE", false, ret);
		goto rollback;
	}
	ret = intel_lm_check_size(size, &limit);
	if (ret) {
		say_fail(c, j, "the state size %u bytes is %s (limit %u bytes)", size,
			 ret == -ENODATA ? "zero" : "too large", limit.max_bytes);
		failed_at(j, "check size", false, ret);
		goto rollback;
	}
	/* Room for the safety copy before SAVE_DATA disables the source. */
	ret = intel_lm_outfile_reserve(out, INTEL_LM_BLOB_HDR_LEN + (size_t)size);
	if (ret) {
		say_fail(c, j, "cannot make room for the state's copy in %s: %s (%s); SAVE_DATA was "
			 "not sent", j->keep, strerror(-ret), intel_lm_errno_name(ret));
		failed_at(j, "write", false, ret);
		goto rollback;
	}
	state = intel_lm_state_alloc(size);
	e->step = INTEL_LM_MIG_SRC_SAVE;
	ret = state ? intel_lm_claim_send(cl, INTEL_LM_OPC_SAVE_DATA, state, size, NULL, true,
					  &src->opts, &sent) : -ENOMEM;
	if (ret) {
		intel_lm_step_strerror(ret, session_protocol(src), INTEL_LM_OPC_SAVE_DATA, words,
				       sizeof(words));
		say_fail(c, j, "the source's %s failed: %s", step_words(session_protocol(src),
			 INTEL_LM_OPC_SAVE_DATA, step, sizeof(step)), words);
		failed_at(j, "SAVE_DATA", false, ret);
		goto rollback;
	}
	crc = (uint32_t)crc32(0L, state, size);

	/* The state streams to the peer while its safety copy is made durable here. */
	kt = (struct keep_thread){ .out = out, .src = src, .vf = j->src_vf, .ident = &e->ident,
				   .state = state, .len = size };
	threaded = !pthread_create(&th, NULL, keep_run, &kt);
	kv[0] = '\0';
	wire_kv_add(kv, sizeof(kv), "size", "%u", size);
	wire_kv_add(kv, sizeof(kv), "crc", "%u", crc);
	/* BEGIN and the state's DATA frames whole: the DATA are the last BEGIN's channel's. */
	pthread_mutex_lock(&l->wlock);
	ret = send_kv_locked(l, ch, WIRE_BEGIN, kv);
	for (off = 0; !ret && off < size; off += WIRE_MAX_PAYLOAD)
		ret = wire_send(l->to, WIRE_DATA, (uint8_t *)state + off,
				size - off < WIRE_MAX_PAYLOAD ? size - off : WIRE_MAX_PAYLOAD);
	pthread_mutex_unlock(&l->wlock);
	/*
	 * The record names the copy while it is written, as a one-host migrate's does (the
	 * file is linked into place only once durable: a crash before leaves it missing on
	 * record, never a partial file); both are durable before the destination loads.
	 */
	e->step = INTEL_LM_MIG_KEEP;
	rec_ret = intel_lm_claim_saved(cl, j->keep, size, crc);
	if (!rec_ret) {
		if (!c->keep) {
			e->state_file_temporary = true;
			snprintf(e->tmp_file, sizeof(e->tmp_file), "%s", j->keep);
			e->op_open = true;
		}
		rec_ret = intel_lm_record_write(rec);
	}
	if (threaded)
		pthread_join(th, NULL);
	else
		keep_run(&kt);
	keep_failed = kt.ret != 0;
	if (!kt.ret)
		kt.ret = rec_ret;
	if (kt.ret) {
		say_fail(c, j, "cannot keep the state in %s: %s (%s)", j->keep, strerror(-kt.ret),
			 intel_lm_errno_name(kt.ret));
		failed_at(j, "write", false, kt.ret);
		ret = kt.ret;
		goto rollback;
	}
	if (ret) {
		*lost = true;
		say_fail(c, j, "the connection to %s failed while the state was sent (%s)",
			 d->login, intel_lm_errno_name(ret));
		failed_at(j, "connect", true, ret);
		goto rollback;
	}

	if (interrupted_before(c, j, "destination load", &ret))
		goto rollback;
	/* The copy here is durable: the destination loads, then runs. */
	e->step = INTEL_LM_MIG_DST_LOAD;
	ret = send_kv(l, ch, WIRE_LOAD, "");
	if (!ret)
		ret = answer(c, l, ch, &held, &m, WIRE_OK);
	if (ret == 1) {
		peer_words(&m, words, sizeof(words));
		peer_failed(j, &m);
		j->dst_state = peer_state(&m, "unknown");
		say_fail(c, j, "%s", words);
		goto rollback;
	}
	if (ret) {
		*lost = true;
		say_fail(c, j, "the connection to %s failed during the destination's LOAD_DATA "
			 "(%s); the destination was never resumed", d->login,
			 intel_lm_errno_name(ret));
		failed_at(j, "connect", true, ret);
		j->dst_state = "unknown";
		goto rollback;
	}
	if (interrupted_before(c, j, "destination resume", &ret))
		goto rollback;
	e->step = INTEL_LM_MIG_DST_RESUME;
	j->dst_state = "loaded";
	ret = send_kv(l, ch, WIRE_RESUME, "");
	if (!ret)
		ret = answer(c, l, ch, &held, &m, WIRE_OK);
	if (ret == 1 && peer_effect(&m) == INTEL_LM_EFFECT_NONE) {
		peer_words(&m, words, sizeof(words));
		peer_failed(j, &m);
		j->dst_state = peer_state(&m, "loaded");
		say_fail(c, j, "%s", words);
		goto rollback;
	}
	if (ret) {
		/* The RESUME may have run the state there: this side must not run it too. */
		if (ret == 1)
			peer_failed(j, &m);
		failed_at(j, "connect", true, ret);
		j->dst_state = "unknown";
		j->kept = true;
		if (ret == 1)
			peer_words(&m, words, sizeof(words));
		else
			snprintf(words, sizeof(words), "the connection to %s failed after the "
				 "destination's RESUME was sent (%s)", d->login,
				 intel_lm_errno_name(ret));
		*lost = ret != 1;
		close_src(rec, true, false);
		say_fail(c, j, "%s; whether VF %u of %s on %s runs is unknown, so the source VF "
			 "%u of %s is left suspended (two running copies must never exist), its "
			 "state kept in %s\nfind out on %s with '%s status %s --vf=%u': if it runs, "
			 "the migration is done: leave the source suspended; if not, '%s resume %s "
			 "--vf=%u --force' here resumes the source; '%s recover %s --vf=%u' here "
			 "asks that host and does either", words, j->dst_vf, d->dev, d->login,
			 j->src_vf, pf_path(src), j->keep, d->login, c->prog, d->dev, j->dst_vf,
			 c->prog, pf_path(src), j->src_vf, c->prog, pf_path(src), j->src_vf);
		status = EXIT_UNKNOWN;
		goto out;
	}
	j->downtime_ns = now_ns() - t0;
	j->dst_state = "running";
	j->kept = c->keep != NULL;
	/* Done: the safety copy has done its job. */
	close_src(rec, false, !c->keep);
	if (!c->keep)
		unlink(j->keep);
	if (c->fmt != FMT_JSON)
		printf("VF %u of %s migrated to VF %u of %s on %s (migration %s, downtime %.1f "
		       "ms)\n", j->src_vf, pf_path(src), j->dst_vf, d->dev, d->login, j->op_id,
		       (double)j->downtime_ns / 1e6);
	status = EXIT_OK;
	goto out;

rollback:
	/* The destination was never resumed: it stays as it is; the source runs again. */
	if (!*lost) {
		int ab;

		/*
		 * The ABORT's OK ends the pair on its channel: a FAIL before it answered a
		 * step this side did not wait for (a BEGIN or DATA refused), and goes, so that
		 * the channel's next pair reads its own answers.
		 */
		ab = send_kv(l, ch, WIRE_ABORT, "");
		while (!ab && (ab = answer(c, l, ch, &held, &m, WIRE_OK)) == 1)
			ab = 0;
		if (ab < 0)
			*lost = true;
	}
	/* The device's refusal, on either end, or another failure. */
	status = (j->op ? j->ret : ret) > 0 ? EXIT_DEVICE : EXIT_FAILED;
	if (ret == -ECANCELED)
		status = 128 + signal_caught();
	if (ret == -EPROTONOSUPPORT)
		status = EXIT_REFUSED;
	j->kept = c->keep && kt.ret == 0 && size && state;
	if (src_suspended) {
		int rb;

		e->step = INTEL_LM_MIG_STEPS;
		rb = intel_lm_claim_send(cl, INTEL_LM_OPC_RESUME, NULL, 0, NULL, true, &src->opts,
					 &sent);
		if (rb) {
			intel_lm_step_strerror(rb, session_protocol(src), INTEL_LM_OPC_RESUME,
					       words, sizeof(words));
			/* A copy that was never made durable is not named on record. */
			close_src(rec, true, keep_failed);
			say_fail(c, j, "the source VF %u of %s could NOT be resumed: %s; its state is "
				 "kept in %s\n'%s recover %s --vf=%u' tries again once the cause is "
				 "fixed", j->src_vf, pf_path(src), words, j->keep, c->prog,
				 pf_path(src), j->src_vf);
			j->kept = true;
			status = EXIT_UNKNOWN;
			goto out;
		}
		close_src(rec, false, !c->keep || keep_failed);
		if (!c->keep)
			unlink(j->keep);
		say_fail(c, j, "the source VF %u of %s was resumed; the destination VF %u of %s "
			 "on %s was never resumed and is left suspended; run migrate again once "
			 "the cause is fixed", j->src_vf, pf_path(src), j->dst_vf, d->dev,
			 d->login);
	} else {
		close_src(rec, false, false);
		say_fail(c, j, "the source VF %u of %s was never suspended", j->src_vf,
			 pf_path(src));
	}
out:
	j->src_state = intel_lm_vf_state_name(e->pending ? INTEL_LM_VF_UNKNOWN : e->state);
	intel_lm_state_free(state, size);
	intel_lm_outfile_free(out);
	intel_lm_claim_release(cl);
	free(held);
	return status;
}

/* The HELLO both ways: 0, or the exit status after saying what is wrong. */
static int hello(const struct cli *c, const struct dest *d, struct link *l, bool say)
{
	struct wire_msg m = { 0 };
	char kv[128] = "", v[16] = "";
	unsigned long n;
	char *end;
	int ret;

	wire_kv_add(kv, sizeof(kv), "version", "%d", WIRE_VERSION);
	wire_kv_add(kv, sizeof(kv), "program", "%s", intel_lm_version());
	ret = wire_send(l->to, WIRE_HELLO, kv, (uint32_t)strlen(kv));
	if (!ret)
		ret = wire_recv(l->from, l->buf, &m);
	if (ret == -EPROTONOSUPPORT)
		snprintf(v, sizeof(v), "%u", m.version);
	if (!say && (ret || m.type != WIRE_HELLO || wire_kv(&m, "version", v, sizeof(v)) ||
		     strcmp(v, "1")))
		return EXIT_REFUSED;
	if (ret == -EPROTONOSUPPORT || (!ret && m.type == WIRE_HELLO &&
					(wire_kv(&m, "version", v, sizeof(v)) || strcmp(v, "1"))))
		return report(c, NULL, -1, "connect", -EPROTONOSUPPORT, "the peer on %s speaks "
			      "peer protocol version %s, this program (%s) version %d; nothing was "
			      "sent\ninstall the same intel-lm on both hosts", d->login, v,
			      intel_lm_version(), WIRE_VERSION);
	if (ret || m.type != WIRE_HELLO)
		return report(c, NULL, -1, "connect", ret ? ret : -EPROTO, "cannot start the peer "
			      "on %s: %s; nothing was sent\ncheck that '%s %s %s serve-peer' works "
			      "(ssh keys, known_hosts, the program's path: --remote-program)", d->login,
			      ret == -ECONNRESET ? "the connection closed" : ret ?
			      intel_lm_errno_name(ret) : "it did not answer in the peer protocol",
			      c->ssh ? c->ssh : "ssh", d->login,
			      c->remote_program ? c->remote_program : "nvme-intel-lm");
	wire_kv(&m, "program", l->version, sizeof(l->version));
	/* A peer that names no channels takes one pair at a time. */
	l->channels = 1;
	if (!wire_kv(&m, "channels", v, sizeof(v)) && isdigit((unsigned char)v[0])) {
		errno = 0;
		n = strtoul(v, &end, 10);
		if (!errno && !*end && n)
			l->channels = n < MAX_JOBS ? (unsigned int)n : MAX_JOBS;
	}
	return 0;
}

/* The JSON report: the pairs as a one-host migrate of several VFs gives them. */
static void json_report(const struct cli *c, const struct session *src, const struct link *l,
			const struct rjob *jobs, size_t n)
{
	struct json_object *root, *arr = json_object_new_array();
	size_t i, ok = 0;

	if (!c->out->json)
		c->out->json = json_object_new_object();
	root = c->out->json;
	json_object_object_add(root, "device", json_object_new_string(pf_path(src)));
	json_object_object_add(root, "to", json_object_new_string(c->to));
	json_object_object_add(root, "dry_run", json_object_new_boolean(c->dry_run));
	if (l->version[0])
		json_object_object_add(root, "peer_version", json_object_new_string(l->version));
	for (i = 0; i < n; i++) {
		const struct rjob *j = &jobs[i];
		struct json_object *e = json_object_new_object(), *err;
		char msg[sizeof(j->msg)], *hint, *nl;

		json_object_object_add(e, "vf", json_object_new_int(j->src_vf));
		json_object_object_add(e, "to_vf", json_object_new_int(j->dst_vf));
		json_object_object_add(e, "success", json_object_new_boolean(!j->status));
		json_object_object_add(e, "state", json_object_new_string(
					       j->src_state ? j->src_state : "unchanged"));
		json_object_object_add(e, "changed", json_object_new_boolean(j->changed));
		if (j->changed) {
			json_object_object_add(e, "downtime_ns",
					       json_object_new_int64((int64_t)j->downtime_ns));
			json_object_object_add(e, "operation_id", json_object_new_string(j->op_id));
			json_object_object_add(e, "source_state", json_object_new_string(
						       j->src_state ? j->src_state : "unknown"));
			json_object_object_add(e, "destination_state", json_object_new_string(
						       j->dst_state ? j->dst_state : "unknown"));
		}
		if (j->kept)
			json_object_object_add(e, "kept", json_object_new_string(j->keep));
		if (!j->status) {
			ok++;
			json_object_array_add(arr, e);
			continue;
		}
		/* The words as on standard error: the message, then the hint after a line end. */
		snprintf(msg, sizeof(msg), "%s", j->msg);
		hint = strchr(msg, '\n');
		if (hint)
			*hint++ = '\0';
		while (hint && (nl = strchr(hint, '\n')))
			*nl = ' ';
		err = json_object_new_object();
		json_object_object_add(err, "device", json_object_new_string(
					       j->on_dst ? c->to : pf_path(src)));
		json_object_object_add(err, "vf", json_object_new_int(j->on_dst ? j->dst_vf :
									j->src_vf));
		json_object_object_add(err, "operation", json_object_new_string(
					       j->op ? j->op : "migrate"));
		if (j->ret > 0)
			json_object_object_add(err, "status", json_object_new_int(j->ret));
		else if (j->ret < 0)
			json_object_object_add(err, "errno", json_object_new_string(
						       intel_lm_errno_name(j->ret)));
		json_object_object_add(err, "message", json_object_new_string(msg));
		json_object_object_add(err, "hint", json_object_new_string(hint ? hint : ""));
		json_object_object_add(err, "kind", json_object_new_string(exit_kind(j->status)));
		json_object_object_add(e, "error", err);
		json_object_array_add(arr, e);
	}
	json_object_object_add(root, "results", arr);
	json_object_object_add(root, "succeeded", json_object_new_int64((int64_t)ok));
	json_object_object_add(root, "failed", json_object_new_int64((int64_t)(n - ok)));
}

/*
 * With --jobs, up to that many pairs run at once over the one connection, each on a channel of
 * its own. A connection lost mid-way takes no further pair.
 */
struct pool {
	const struct cli *c;
	struct session *src;
	const struct dest *d;
	struct rjob *jobs;
	bool batch;
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct link *link;
	bool busy[MAX_JOBS];
	size_t cap;
	bool lost;
};

/* A free channel, or -1 when the connection is lost. */
static int take_chan(struct pool *p)
{
	size_t i;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (p->lost) {
			pthread_mutex_unlock(&p->lock);
			return -1;
		}
		for (i = 0; i < p->cap; i++)
			if (!p->busy[i]) {
				p->busy[i] = true;
				pthread_mutex_unlock(&p->lock);
				return (int)i;
			}
		pthread_cond_wait(&p->freed, &p->lock);
	}
}

static void pool_run(void *arg, size_t i, unsigned int worker)
{
	struct pool *p = arg;
	struct rjob *j = &p->jobs[i];
	bool lost = false;
	int ch;

	(void)worker;
	ch = take_chan(p);
	if (ch < 0) {
		fprintf(stderr, "%s migrate: VF %u to VF %u: not started: the connection to %s was "
			"lost\n", p->c->prog, j->src_vf, j->dst_vf, p->d->login);
		snprintf(j->msg, sizeof(j->msg), "not started: the connection to %s was lost",
			 p->d->login);
		failed_at(j, "connect", true, -ECONNRESET);
		j->status = EXIT_FAILED;
		return;
	}
	j->status = p->c->dry_run ?
		    dry_pair(p->c, p->src, p->d, p->link, (unsigned int)ch, j, &lost) :
		    run_pair(p->c, p->src, p->d, p->link, (unsigned int)ch, j, p->batch, &lost);
	pthread_mutex_lock(&p->lock);
	/* A channel left in an unknown step is not used again; a lost link takes no pair. */
	if (!lost)
		p->busy[ch] = false;
	p->lost |= lost;
	pthread_cond_broadcast(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

/* After a signal no new pair starts: the pairs under way roll back. */
static void pool_skip(void *arg, size_t i, int sig)
{
	struct pool *p = arg;
	struct rjob *j = &p->jobs[i];

	fprintf(stderr, "%s migrate: VF %u to VF %u: not started: interrupted by %s\n",
		p->c->prog, j->src_vf, j->dst_vf, signal_name(sig));
	snprintf(j->msg, sizeof(j->msg), "not started: interrupted by %s", signal_name(sig));
	failed_at(j, "start", false, -ECANCELED);
	j->status = 128 + sig;
}

int cmd_migrate_remote(const struct cli *c)
{
	struct intel_lm_vf_list any = { 0 };
	struct exit_tally t = { 0 };
	struct pool pool = { .lock = PTHREAD_MUTEX_INITIALIZER, .freed = PTHREAD_COND_INITIALIZER };
	struct link link;
	struct link *l = &link;
	struct rjob *jobs = NULL;
	struct session src;
	struct dest d;
	uint16_t *svf = NULL, *dvf = NULL;
	const char *bad;
	size_t n = 0, dn = 0, i;
	bool batch = c->vf_list || c->to_vf_list;
	int ret;

	memset(&src, 0, sizeof(src));
	link_init(l);
	c->out->changed = 0;
	if (parse_url(c->to, &d))
		return report(c, NULL, -1, "check --to", -EINVAL, "--to=%s: write the destination "
			      "as ssh://[user@]host[:port]/dev/nvmeN", c->to);
	if (c->remote_program && !safe_path(c->remote_program))
		return report(c, NULL, -1, "check --remote-program", -EINVAL, "--remote-program=%s: "
			      "name a path of letters, digits and / . _ - + only", c->remote_program);
	if (!c->to_vf_arg || !strcmp(c->to_vf_arg, "all"))
		return report(c, NULL, -1, "check --to-vf", -EINVAL, "to another host, name the "
			      "destination VFs with --to-vf (a list, not all)");
	if ((c->vf_arg && !vf_list_ascending(c->vf_arg)) || !vf_list_ascending(c->to_vf_arg))
		return report(c, NULL, -1, "check --vf", -EINVAL, "--vf=%s --to-vf=%s: write both "
			      "lists in ascending order\nthe lowest source VF goes to the lowest "
			      "destination VF, the next to the next, and so on", c->vf_arg,
			      c->to_vf_arg);

	ret = session_open(c, c->device, &src);
	if (!ret)
		ret = session_need_vf(c, &src);
	if (ret)
		goto out;
	ret = intel_lm_vf_select(c->vf_arg, pf_vfs(&src), &svf, &n, &bad);
	if (ret || !n) {
		ret = report(c, &src, -1, "check --vf", ret ? ret : -ENOENT, "--vf=%s names a VF "
			     "%s does not have, or none\nsee '%s info %s'", c->vf_arg, pf_path(&src),
			     c->prog, pf_path(&src));
		goto out;
	}
	/* The destination's VFs are the peer's to check; here only the list's form. */
	any.vf = calloc(INTEL_LM_VF_MAX, sizeof(*any.vf));
	if (!any.vf) {
		ret = EXIT_FAILED;
		goto out;
	}
	for (i = 0; i < INTEL_LM_VF_MAX; i++)
		any.vf[i].vf = (uint16_t)(i + 1);
	any.count = INTEL_LM_VF_MAX;
	ret = intel_lm_vf_select(c->to_vf_arg, &any, &dvf, &dn, &bad);
	if (ret || dn != n) {
		ret = report(c, &src, -1, "check --to-vf", ret ? ret : -EINVAL, "--to-vf=%s %s "
			     "\nname as many destination VFs as --vf names sources (the lowest goes "
			     "to the lowest, and so on)", c->to_vf_arg, ret ? "is malformed" :
			     "names another number of VFs than --vf");
		goto out;
	}
	jobs = calloc(n, sizeof(*jobs));
	if (!jobs) {
		ret = EXIT_FAILED;
		goto out;
	}
	for (i = 0; i < n; i++) {
		jobs[i].src_vf = svf[i];
		jobs[i].dst_vf = dvf[i];
	}
	if (c->keep && batch) {
		struct stat st;

		if ((mkdir(c->keep, 0700) < 0 && errno != EEXIST) || stat(c->keep, &st) < 0 ||
		    !S_ISDIR(st.st_mode)) {
			ret = report(c, &src, -1, "check --keep", -ENOTDIR, "with several VFs, --keep "
				     "names a directory: %s cannot be one", c->keep);
			goto out;
		}
	}
	pool.c = c;
	pool.src = &src;
	pool.d = &d;
	pool.jobs = jobs;
	pool.batch = batch;
	pool.link = l;
	/* The connection before any pair: what is wrong with it is said once. */
	l->buf = malloc(WIRE_BUF_LEN);
	ret = l->buf ? link_open(c, &d, l) : -ENOMEM;
	if (ret) {
		ret = report(c, &src, -1, "connect", ret, "cannot start %s: %s",
			     c->ssh ? c->ssh : "ssh", strerror(-ret));
		goto out;
	}
	ret = hello(c, &d, l, true);
	if (ret)
		goto out;
	pool.cap = c->jobs < n ? c->jobs : n;
	if (pool.cap > l->channels)
		pool.cap = l->channels;
	ret = link_start(l);
	if (ret) {
		ret = report(c, &src, -1, "connect", ret, "cannot read the peer's answers: %s",
			     strerror(-ret));
		goto out;
	}
	/*
	 * Each outcome is written at once and made durable by the next write (the next
	 * command's intent, the state's record before the destination loads) or at the VF's
	 * release: in the downtime, one fdatasync per command, its intent's.
	 */
	if (intel_lm_syncs_new(c->jobs, &src.syncs))
		src.syncs = NULL;
	defer_signals();
	run_jobs(c->jobs, n, pool_run, pool_skip, &pool);
	intel_lm_syncs_wait(src.syncs);
	src.syncs = NULL;
	for (i = 0; i < n; i++) {
		exit_tally_add(&t, jobs[i].status);
		c->out->changed |= jobs[i].changed;
	}
	ret = exit_tally_status(&t);
	if (c->fmt == FMT_JSON)
		json_report(c, &src, l, jobs, n);
out:
	link_close(l);
	pthread_mutex_destroy(&pool.lock);
	pthread_cond_destroy(&pool.freed);
	free(any.vf);
	free(svf);
	free(dvf);
	free(jobs);
	session_close(&src);
	return ret;
}

/* --- recover's question to the other host (SETTLE) ----------------------------------------- */

struct peer_conn {
	struct link l;
	struct rmsg *held;	/* the last answer read */
};

/* The peer a record names: "ssh://[user@]host[:port]/dev/nvmeN", or "host:/dev/nvmeN". */
static int peer_dest(const char *peer_device, struct dest *d)
{
	char url[sizeof(((struct intel_lm_rec_entry *)0)->peer_device) + 8];

	if (!strncmp(peer_device, "ssh://", 6))
		return parse_url(peer_device, d);
	if (!strchr(peer_device, ':'))
		return -EINVAL;
	snprintf(url, sizeof(url), "ssh://%.*s%s", (int)(strchr(peer_device, ':') - peer_device),
		 peer_device, strchr(peer_device, ':') + 1);
	return parse_url(url, d);
}

int peer_host(const char *peer_device, char *login, size_t llen, char *dev, size_t dlen)
{
	struct dest d;
	int ret = peer_dest(peer_device, &d);

	snprintf(login, llen, "%s", ret ? peer_device : d.login);
	snprintf(dev, dlen, "%s", ret ? "" : d.dev);
	return ret;
}

int peer_settle(const struct cli *c, const char *peer_device, uint16_t vf, const char *op_id,
		struct peer_conn **pcp, struct peer_answer *a, char *why, size_t len)
{
	struct peer_conn *pc;
	struct wire_msg m;
	struct dest d;
	char kv[256] = "", words[1536];
	int ret;

	*pcp = NULL;
	memset(a, 0, sizeof(*a));
	if (peer_dest(peer_device, &d)) {
		snprintf(why, len, "the record names the other VF's PF as '%s', which names no host "
			 "to ask", peer_device);
		return -EINVAL;
	}
	pc = calloc(1, sizeof(*pc));
	if (!pc) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	link_init(&pc->l);
	pc->l.buf = malloc(WIRE_BUF_LEN);
	ret = pc->l.buf ? link_open(c, &d, &pc->l) : -ENOMEM;
	if (ret) {
		snprintf(why, len, "cannot start %s: %s", c->ssh ? c->ssh : "ssh",
			 intel_lm_errno_name(ret));
		goto fail;
	}
	if (hello(c, &d, &pc->l, false)) {
		ret = -ECONNREFUSED;
		snprintf(why, len, "%s could not be asked: '%s %s %s serve-peer' did not answer in "
			 "this version's peer protocol (ssh's own words, if any, are above; --ssh and "
			 "--remote-program say how to reach it)", d.login, c->ssh ? c->ssh : "ssh",
			 d.login, c->remote_program ? c->remote_program : "nvme-intel-lm");
		goto fail;
	}
	ret = link_start(&pc->l);
	if (ret) {
		snprintf(why, len, "cannot read %s's answers: %s", d.login,
			 intel_lm_errno_name(ret));
		goto fail;
	}
	wire_kv_add(kv, sizeof(kv), "device", "%s", d.dev);
	wire_kv_add(kv, sizeof(kv), "vf", "%u", vf);
	wire_kv_add(kv, sizeof(kv), "op_id", "%s", op_id);
	ret = send_kv(&pc->l, 0, WIRE_SETTLE, kv);
	if (!ret)
		ret = answer(c, &pc->l, 0, &pc->held, &m, WIRE_OK);
	if (ret == 1) {
		peer_words(&m, words, sizeof(words));
		snprintf(why, len, "%s answered: %s", d.login, words);
		ret = -EREMOTEIO;
		goto fail;
	}
	if (ret || wire_kv(&m, "verdict", a->verdict, sizeof(a->verdict)) ||
	    wire_kv(&m, "state", a->state, sizeof(a->state))) {
		snprintf(why, len, "the connection to %s failed while it was asked (%s)", d.login,
			 intel_lm_errno_name(ret ? ret : -EPROTO));
		ret = ret ? ret : -EPROTO;
		goto fail;
	}
	wire_kv(&m, "op_id", a->op_id, sizeof(a->op_id));
	*pcp = pc;
	return 0;
fail:
	link_close(&pc->l);
	free(pc->held);
	free(pc);
	return ret;
}

int peer_settle_end(const struct cli *c, struct peer_conn *pc, bool close)
{
	struct wire_msg m;
	int ret = 0;

	if (!pc)
		return 0;
	if (close) {
		ret = send_kv(&pc->l, 0, WIRE_ABORT, "");
		if (!ret)
			ret = answer(c, &pc->l, 0, &pc->held, &m, WIRE_OK);
		if (ret > 0)
			ret = -EREMOTEIO;
	}
	link_close(&pc->l);
	free(pc->held);
	free(pc);
	return ret;
}
