// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * serve-peer: the destination's half of a host-to-host migrate, run by `migrate
 * --to=ssh://host/dev/nvmeX` on the other host through ssh. It speaks only the peer protocol
 * (wire.h) on standard input and output and trusts nothing it is sent: every device name, VF,
 * migration id and size is checked. Each destination VF goes through libintel-lm's claim
 * (intel-lm/claim.h) as the one-VF commands do: its lock and record, the one rule asked before
 * LOAD_DATA and RESUME, each command's intent durable before it is sent, exactly once. Its
 * entry carries the migration's id, its role and the peer (the source host's PF and VF).
 *
 * What it prints for people goes to standard error (ssh brings it back to the source's).
 * When the connection drops, a VF under way is left as it is, its migration open on record,
 * for recover: never resumed by this side alone.
 *
 * One connection carries up to %PEER_CHANNELS pairs at once (the source's --jobs): each
 * control message names its channel ("ch=N"), and a state's DATA frames follow their BEGIN
 * whole, so they belong to the channel of the last BEGIN. Each channel's messages are handled
 * in order by a thread of its own (its LOAD_DATA and RESUME block on the device and the
 * record's fdatasyncs), while this thread goes on reading the others'.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "cli-priv.h"
#include "wire.h"

/* How many pairs one connection carries at once: told to the source in HELLO. */
#define PEER_CHANNELS	MAX_JOBS

/* A message for a channel's thread, in the order it came. */
struct pmsg {
	struct pmsg *next;
	struct wire_msg m;
	uint8_t data[];
};

struct peer;

/* One channel: the VF under way on it, from PREPARE to RESUME or ABORT. */
struct pchan {
	struct peer *p;
	unsigned int ch;
	pthread_t th;
	bool started;
	pthread_cond_t cond;		/* a message came for it, or the connection ends */
	struct pmsg *head, *tail;	/* under p->lock */
	int ret;			/* the channel's end: 0, or why it stopped */
	struct intel_lm_claim *cl;
	uint16_t vf;
	struct intel_lm_identity incoming;
	void *state;
	uint32_t size, got, crc;
	bool loaded;
	bool doubt;			/* a command's effect is unknown */
	bool force;			/* the source's --force: the rule is not asked */
};

struct peer {
	const struct cli *c;
	int in, out;
	uint8_t *buf;
	struct session s;
	bool opened;
	char dev[32];
	pthread_mutex_t lock;		/* the queues, @ending, the PF's opening */
	pthread_mutex_t wlock;		/* one frame at a time on standard output */
	bool ending;			/* no more messages will come */
	int claimed;			/* VFs under way on the channels (atomic) */
	struct pchan ch[PEER_CHANNELS];
};

/* A control message on @pc's channel: its number first, then @kv. */
static int send_kv(struct pchan *pc, uint16_t type, const char *kv)
{
	char buf[2048];
	int n, ret;

	n = snprintf(buf, sizeof(buf), "ch=%u\n%s", pc->ch, kv);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -E2BIG;
	pthread_mutex_lock(&pc->p->wlock);
	ret = wire_send(pc->p->out, type, buf, (uint32_t)strlen(buf));
	pthread_mutex_unlock(&pc->p->wlock);
	return ret;
}

/*
 * A FAIL: what failed (@op, and over TP4159 the command @cmd that carried it, else NULL), its
 * return, its effect, the VF's state now, and the words.
 */
static int fail_kv(struct pchan *pc, const char *op, const char *cmd, int ret,
		   enum intel_lm_effect eff, char *msg)
{
	char kv[1536] = "";
	char *nl;

	/* One line: the key=value payload holds no line end in a value. */
	while ((nl = strchr(msg, '\n')))
		*nl = ';';
	wire_kv_add(kv, sizeof(kv), "op", "%s", op);
	if (cmd)
		wire_kv_add(kv, sizeof(kv), "command", "%s", cmd);
	wire_kv_add(kv, sizeof(kv), "ret", "%d", ret);
	wire_kv_add(kv, sizeof(kv), "effect", "%s", intel_lm_effect_name(eff));
	if (pc->cl)
		wire_kv_add(kv, sizeof(kv), "state", "%s", intel_lm_vf_state_name(
				    intel_lm_claim_record(pc->cl)->entry.state));
	wire_kv_add(kv, sizeof(kv), "msg", "%s", msg);
	return send_kv(pc, WIRE_FAIL, kv);
}

static int send_fail(struct pchan *pc, const char *op, int ret, enum intel_lm_effect eff,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int send_fail(struct pchan *pc, const char *op, int ret, enum intel_lm_effect eff,
		     const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail_kv(pc, op, NULL, ret, eff, msg);
}

/*
 * A step's FAIL: @step as named on the wire when it was @sent (with the command that carried
 * it over this PF's protocol), else the record's write that kept it from being sent.
 */
static int send_step_fail(struct pchan *pc, uint8_t step, bool sent, int ret,
			  enum intel_lm_effect eff, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int send_step_fail(struct pchan *pc, uint8_t step, bool sent, int ret,
			  enum intel_lm_effect eff, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!sent)
		return fail_kv(pc, "write record", NULL, ret, eff, msg);
	return fail_kv(pc, intel_lm_opcode_name(step),
		       intel_lm_step_command(session_protocol(&pc->p->s), step), ret, eff, msg);
}

/*
 * An OK; with a note when the command's outcome could not be put on record (the record then
 * shows it in flight, unknown until recover settles it).
 */
static int send_ok(struct pchan *pc, const struct intel_lm_sent *sent)
{
	struct peer *p = pc->p;
	char kv[512] = "";

	if (sent->record_ret)
		wire_kv_add(kv, sizeof(kv), "note", "VF %u of %s on the destination host: the "
			    "command's outcome could not be put on record (%s), which shows it as "
			    "unknown; '%s status %s --vf=%u' there shows it and '%s recover' settles "
			    "it", pc->vf, p->dev, intel_lm_errno_name(sent->record_ret), p->c->prog,
			    p->dev, pc->vf, p->c->prog);
	return send_kv(pc, WIRE_OK, kv);
}

/* A device name this side accepts: /dev/nvmeN, nothing else. */
static bool valid_device(const char *d)
{
	const char *n = d + strlen("/dev/nvme");

	if (strncmp(d, "/dev/nvme", strlen("/dev/nvme")) || !*n || strlen(d) > 20)
		return false;
	for (; *n; n++)
		if (!isdigit((unsigned char)*n))
			return false;
	return true;
}

/* A migration id or peer name: printable, no spaces, as intel-lm writes them. */
static bool valid_word(const char *w, size_t max)
{
	size_t n = strlen(w);

	if (!n || n >= max)
		return false;
	for (; *w; w++)
		if (!isgraph((unsigned char)*w))
			return false;
	return true;
}

static int kv_uint(const struct wire_msg *m, const char *key, unsigned long max,
		   unsigned long *v)
{
	char buf[24], *end;

	if (wire_kv(m, key, buf, sizeof(buf)) || !isdigit((unsigned char)buf[0]))
		return -EINVAL;
	errno = 0;
	*v = strtoul(buf, &end, 10);
	return errno || *end || *v > max ? -EINVAL : 0;
}

static bool has_vf(const struct session *s, unsigned long vf)
{
	const struct intel_lm_vf_list *l = pf_vfs(s);
	size_t i;

	for (i = 0; i < l->count; i++)
		if (l->vf[i].vf == vf)
			return true;
	return false;
}

static void drop_state(struct pchan *pc)
{
	intel_lm_state_free(pc->state, pc->size);
	pc->state = NULL;
	pc->size = pc->got = 0;
}

/*
 * The migration ends on this side: its entry closed (ABORT or success), or left open for
 * recover (@open: the connection dropped), and the VF released.
 */
static void end_vf(struct pchan *pc, bool open)
{
	struct peer *p = pc->p;
	struct intel_lm_record *rec;

	if (!pc->cl)
		return;
	rec = intel_lm_claim_record(pc->cl);
	if (!open) {
		rec->entry.op_open = false;
		if (intel_lm_record_write(rec))
			fprintf(stderr, "%s serve-peer: VF %u of %s: the migration's close could "
				"not be put on record; '%s status' shows it\n", p->c->prog, pc->vf,
				p->dev, p->c->prog);
	}
	intel_lm_claim_release(pc->cl);
	pc->cl = NULL;
	__atomic_sub_fetch(&p->claimed, 1, __ATOMIC_RELAXED);
	pc->loaded = false;
	pc->doubt = false;
	pc->force = false;
	drop_state(pc);
}

/*
 * Open the destination PF named, once per connection; the channels share it, so another name
 * is refused.
 */
static int open_pf(struct peer *p, const char *dev)
{
	int ret = 0;

	pthread_mutex_lock(&p->lock);
	if (p->opened) {
		ret = strcmp(p->dev, dev) ? -EXDEV : 0;
		goto out;
	}
	snprintf(p->dev, sizeof(p->dev), "%s", dev);
	ret = session_open(p->c, p->dev, &p->s);
	if (!ret)
		ret = session_list_vfs(&p->s, -1);
	if (ret) {
		session_close(&p->s);
		goto out;
	}
	/*
	 * As a batch's: each outcome written at once and made durable by the next write (the
	 * next command's intent, the migration's close) or at the VF's release, not before the
	 * answer; the rule's scans share what they read.
	 */
	if (intel_lm_syncs_new(PEER_CHANNELS, &p->s.syncs))
		p->s.syncs = NULL;
	if (intel_lm_scan_new(p->c->state_dir, &p->s.scan))
		p->s.scan = NULL;
	p->opened = true;
out:
	pthread_mutex_unlock(&p->lock);
	return ret;
}

/* A refusal sent: 1, or the failed send's errno (the connection is gone). */
static int refused(int sent)
{
	return sent ? sent : 1;
}

/*
 * The source's protocol and format against this PF's: the PF uses the source's --protocol
 * when the user gave one, else its own choice; a state of another protocol or format is
 * refused, --force or not, as on one host. A PREPARE without "protocol" is Intel's. Returns 0,
 * 1 once the refusal is sent, or the errno of a failed send.
 */
static int check_protocol(struct pchan *pc, const struct wire_msg *m, const char *dev, bool force)
{
	struct peer *p = pc->p;
	struct intel_lm_blob_hdr hdr = { 0 };
	struct intel_lm_proto src = { 0 };
	unsigned long csvi = 0, csuuidi = 0, uidx = 0;
	char name[16], use[16], why[256];
	int proto, want = INTEL_LM_PROTO_AUTO, ret;

	if (wire_kv(m, "protocol", name, sizeof(name)))
		snprintf(name, sizeof(name), "%s", intel_lm_protocol_name(INTEL_LM_PROTO_INTEL));
	if (!wire_kv(m, "use", use, sizeof(use)))
		want = intel_lm_protocol_parse(use);
	proto = intel_lm_protocol_parse(name);
	if (proto < 0 || proto == INTEL_LM_PROTO_AUTO || want < 0 ||
	    (!wire_kv(m, "csvi", use, sizeof(use)) && kv_uint(m, "csvi", 0xff, &csvi)) ||
	    (!wire_kv(m, "csuuidi", use, sizeof(use)) && kv_uint(m, "csuuidi", 0xff, &csuuidi)) ||
	    (!wire_kv(m, "uidx", use, sizeof(use)) && kv_uint(m, "uidx", 0xff, &uidx)))
		return refused(send_fail(pc, "check request", -EINVAL, INTEL_LM_EFFECT_NONE,
					 "a malformed PREPARE (an invalid protocol or format); "
					 "nothing was sent"));
	if (want != INTEL_LM_PROTO_AUTO) {
		ret = intel_lm_pf_use_protocol(p->s.pf, (unsigned int)want, &p->s.opts);
		if (ret == -EOPNOTSUPP)
			return refused(send_fail(pc, "check protocol", ret, INTEL_LM_EFFECT_NONE,
						 "%s does not offer NVMe TP4159 migration: "
						 HMLMS_WORDS " is clear; nothing was "
						 "sent\nomit --protocol, or give --protocol=intel for "
						 "Intel's vendor commands", dev));
		if (ret)
			return refused(send_fail(pc, "check protocol", ret, INTEL_LM_EFFECT_NONE,
						 "%s: Identify of its controller state formats failed "
						 "(%s); nothing was sent", dev,
						 intel_lm_errno_name(ret)));
	}
	/* Intel's commands to a PF that does not announce them: as on one host, --force only. */
	if (pf_proto(&p->s)->protocol == INTEL_LM_PROTO_INTEL &&
	    pf_info(&p->s)->support != INTEL_LM_SUPPORTED && !force)
		return refused(send_fail(pc, "check protocol", -EOPNOTSUPP, INTEL_LM_EFFECT_NONE,
					 "%s does not support Intel live migration: %s; nothing "
					 "was sent; --force sends the vendor commands anyway", dev,
					 intel_lm_support_reason(pf_info(&p->s)->support)));
	src.protocol = (uint8_t)proto;
	src.csvi = (uint8_t)csvi;
	src.csuuidi = (uint8_t)csuuidi;
	src.uidx = (uint8_t)uidx;
	intel_lm_blob_hdr_proto(&hdr, &src);
	if (intel_lm_blob_check_proto(&hdr, pf_proto(&p->s), why, sizeof(why)))
		return refused(send_fail(pc, "check protocol", -EPROTONOSUPPORT,
					 INTEL_LM_EFFECT_NONE, "the source's state cannot be loaded "
					 "into %s: %s; nothing was sent; --force does not change it"
					 "\ngive both the same protocol with --protocol (see '%s "
					 "info %s' on each host)", dev, why, p->c->prog, dev));
	return 0;
}

/*
 * PREPARE: everything the destination can do before the source is suspended: the PF, the VF,
 * the kinship of the two PFs, its claim, its record (no migration left unsettled), the one
 * rule for the state that will be loaded, and its SUSPEND (unless suspended already). READY
 * says it is done, with what the source needs to know (the limit, the state before).
 */
static int prepare(struct pchan *pc, const struct wire_msg *m)
{
	struct peer *p = pc->p;
	char dev[32], op_id[40], peer[64], ident[INTEL_LM_ID_HEX_LEN + 1], mn[41], fr[9];
	char what[256], why[256], kv[512] = "", flag[4];
	struct intel_lm_ctrl_info src_info = { 0 };
	struct intel_lm_blob_hdr hdr;
	struct vf_result r = { 0 };
	struct intel_lm_record *rec;
	struct intel_lm_rec_entry *e;
	struct intel_lm_sent sent;
	struct intel_lm_verdict v;
	struct intel_lm_copy other;
	unsigned long vf, peer_vf, vid, force, gen, origin_vf, dry = 0;
	struct intel_lm_rec_entry dry_entry;
	char origin[INTEL_LM_PF_KEY_LEN];
	unsigned int skip = 0;
	enum intel_lm_vf_state before;
	int ret;

	if (pc->cl)
		return send_fail(pc, "prepare", -EBUSY, INTEL_LM_EFFECT_NONE, "a migration is "
				 "under way on this channel: VF %u of %s", pc->vf, p->dev);
	if (wire_kv(m, "device", dev, sizeof(dev)) || !valid_device(dev))
		return send_fail(pc, "check device", -EINVAL, INTEL_LM_EFFECT_NONE, "the "
				 "destination device must be /dev/nvmeN; nothing was sent");
	if (kv_uint(m, "vf", INTEL_LM_VF_MAX, &vf) || !vf ||
	    kv_uint(m, "peer_vf", INTEL_LM_VF_MAX, &peer_vf) || !peer_vf ||
	    kv_uint(m, "vid", 0xffff, &vid) || kv_uint(m, "force", 1, &force) ||
	    wire_kv(m, "op_id", op_id, sizeof(op_id)) || !valid_word(op_id, sizeof(op_id)) ||
	    wire_kv(m, "peer", peer, sizeof(peer)) || !valid_word(peer, sizeof(peer)) ||
	    wire_kv(m, "ident", ident, sizeof(ident)) ||
	    intel_lm_identity_parse_hex(ident, strlen(ident), &pc->incoming) ||
	    kv_uint(m, "gen", UINT32_MAX, &gen) || kv_uint(m, "origin_vf", INTEL_LM_VF_MAX,
							  &origin_vf) ||
	    wire_kv(m, "origin", origin, sizeof(origin)) ||
	    (origin[0] && !valid_word(origin, sizeof(origin))) ||
	    wire_kv(m, "mn", mn, sizeof(mn)) || wire_kv(m, "fr", fr, sizeof(fr)) ||
	    (wire_kv(m, "dry_run", flag, sizeof(flag)) != -ENOENT &&
	     kv_uint(m, "dry_run", 1, &dry)))
		return send_fail(pc, "check request", -EINVAL, INTEL_LM_EFFECT_NONE, "a malformed "
				 "PREPARE (a missing or invalid field); nothing was sent");
	/* The hex names the state; where it was first taken from comes beside it. */
	pc->incoming.gen = (uint32_t)gen;
	pc->incoming.origin_vf = (uint16_t)origin_vf;
	snprintf(pc->incoming.origin, sizeof(pc->incoming.origin), "%s", origin);
	ret = open_pf(p, dev);
	if (ret)
		return send_fail(pc, "open", ret, INTEL_LM_EFFECT_NONE, "cannot use %s (see the "
				 "remote's messages above); nothing was sent", dev);
	ret = check_protocol(pc, m, dev, force);
	if (ret)
		return ret < 0 ? ret : 0;
	if (!has_vf(&p->s, vf))
		return send_fail(pc, "check --to-vf", -ENOENT, INTEL_LM_EFFECT_NONE, "VF %lu is "
				 "not a VF of %s; nothing was sent", vf, dev);
	/* Intel supports migration only between identical devices. */
	src_info.vid = (uint16_t)vid;
	snprintf(src_info.mn, sizeof(src_info.mn), "%s", mn);
	snprintf(src_info.fr, sizeof(src_info.fr), "%s", fr);
	intel_lm_blob_hdr_init(&hdr, &src_info, (uint16_t)peer_vf, NULL, 0, 0);
	if (!force && intel_lm_blob_check_identity(&hdr, pf_info(&p->s), why, sizeof(why)))
		return send_fail(pc, "migrate", -EXDEV, INTEL_LM_EFFECT_NONE, "the source's PF "
				 "and %s are different kinds of PF: %s; nothing was sent; --force "
				 "migrates anyway", dev, why);

	if (dry) {
		/* A dry run: the record only read, nothing claimed, written or sent. */
		peek_entry(p->c, &p->s, (uint16_t)vf, &dry_entry);
		rec = NULL;
		e = &dry_entry;
	} else {
		r.vf = (uint16_t)vf;
		snprintf(what, sizeof(what), "pid %d: %s serve-peer (migration %s from %s VF "
			 "%lu)", (int)getpid(), p->c->prog, op_id, peer, peer_vf);
		if (claim_vf(p->c, &p->s, &r, INTEL_LM_OP_NONE, what, NULL, &pc->cl))
			return send_fail(pc, r.op ? r.op : "claim", r.ret, INTEL_LM_EFFECT_NONE,
					 "%s", r.msg);
		pc->vf = (uint16_t)vf;
		__atomic_add_fetch(&p->claimed, 1, __ATOMIC_RELAXED);
		rec = intel_lm_claim_record(pc->cl);
		e = &rec->entry;
	}
	before = e->pending ? INTEL_LM_VF_UNKNOWN : e->state;
	if (e->op_open && e->op == INTEL_LM_OP_MIGRATE) {
		ret = send_fail(pc, "check record", -EBUSY, INTEL_LM_EFFECT_NONE, "VF %lu of %s is "
				"%s on record, in migration %s, which was not settled; nothing was "
				"sent; '%s status %s --vf=%lu' on the destination host shows it and "
				"'%s recover' settles it", vf, dev, intel_lm_vf_state_name(e->state),
				e->op_id, p->c->prog, dev, vf, p->c->prog);
		end_vf(pc, true);
		return ret;
	}
	intel_lm_mig_plan(INTEL_LM_VF_RUNNING, before, intel_lm_record_state_kept(e), &skip);
	/* The one rule: the destination holds no last copy that LOAD_DATA would replace. */
	if (!force) {
		ret = intel_lm_claim_ask(p->c->state_dir, e, INTEL_LM_RULE_LOAD, &pc->incoming,
					 &other, &v);
		if (ret) {
			ret = send_fail(pc, "check rule", ret, INTEL_LM_EFFECT_NONE, "the one rule "
					"refuses to load the source's state into VF %lu of %s: %s; "
					"nothing was sent; '%s status %s --vf=%lu' on the destination "
					"host shows why", vf, dev, intel_lm_reason_name(v.reason),
					p->c->prog, dev, vf);
			end_vf(pc, true);
			return ret;
		}
	}
	if (dry)
		goto ready;
	pc->force = force;
	e->op = INTEL_LM_OP_MIGRATE;
	e->op_open = true;
	snprintf(e->op_id, sizeof(e->op_id), "%s", op_id);
	e->role = INTEL_LM_ROLE_DESTINATION;
	e->step = INTEL_LM_MIG_DST_SUSPEND;
	memset(&e->peer, 0, sizeof(e->peer));
	snprintf(e->peer_device, sizeof(e->peer_device), "%s", peer);
	e->peer_vf = (uint16_t)peer_vf;
	if (skip & (1U << INTEL_LM_MIG_DST_SUSPEND)) {
		ret = intel_lm_record_write(rec);
		if (ret) {
			ret = send_fail(pc, "write record", ret, INTEL_LM_EFFECT_NONE, "cannot put "
					"the migration on VF %lu's record: %s; nothing was sent", vf,
					strerror(-ret));
			end_vf(pc, true);
			return ret;
		}
	} else {
		ret = intel_lm_claim_send(pc->cl, INTEL_LM_OPC_SUSPEND, NULL, 0, NULL, true,
					  &p->s.opts, &sent);
		if (ret) {
			enum intel_lm_effect eff = sent.sent ? intel_lm_effect_of(ret) :
						   INTEL_LM_EFFECT_NONE;
			char words[512];

			intel_lm_step_strerror(ret, session_protocol(&p->s), INTEL_LM_OPC_SUSPEND, words,
					       sizeof(words));
			ret = send_step_fail(pc, INTEL_LM_OPC_SUSPEND, sent.sent, ret, eff,
					     "VF %lu of %s: %s%s", vf, dev, words, sent.sent ? "" :
					     "; it was not sent");
			/* Nothing of the source moved: this side's part of it is over. */
			end_vf(pc, eff == INTEL_LM_EFFECT_UNKNOWN);
			return ret;
		}
	}
ready:
	wire_kv_add(kv, sizeof(kv), "before", "%s", intel_lm_vf_state_name(before));
	wire_kv_add(kv, sizeof(kv), "skipped", "%u", skip);
	wire_kv_add(kv, sizeof(kv), "max_bytes", "%u", pf_limit(&p->s)->max_bytes);
	wire_kv_add(kv, sizeof(kv), "key", "%s", pf_key(&p->s));
	wire_kv_add(kv, sizeof(kv), "protocol", "%s",
		    intel_lm_protocol_name(pf_proto(&p->s)->protocol));
	if (dry)
		wire_kv_add(kv, sizeof(kv), "dry_run", "1");
	return send_kv(pc, WIRE_READY, kv);
}

/* BEGIN: the state's size and CRC; its bytes follow in DATA frames. */
static int begin(struct pchan *pc, const struct wire_msg *m)
{
	struct peer *p = pc->p;
	unsigned long size, crc;
	int ret;

	if (!pc->cl || pc->state || pc->loaded)
		return send_fail(pc, "begin", -EPROTO, INTEL_LM_EFFECT_NONE, "BEGIN out of turn");
	if (kv_uint(m, "size", UINT32_MAX, &size) || kv_uint(m, "crc", UINT32_MAX, &crc))
		return send_fail(pc, "begin", -EINVAL, INTEL_LM_EFFECT_NONE, "a malformed BEGIN");
	ret = intel_lm_check_size((uint32_t)size, pf_limit(&p->s));
	if (ret)
		return send_fail(pc, "check size", ret, INTEL_LM_EFFECT_NONE, "a state of %lu "
				 "bytes is beyond what %s moves (%u bytes); nothing was loaded",
				 size, p->dev, pf_limit(&p->s)->max_bytes);
	pc->state = intel_lm_state_alloc(size);
	if (!pc->state)
		return send_fail(pc, "begin", -ENOMEM, INTEL_LM_EFFECT_NONE, "out of memory");
	pc->size = (uint32_t)size;
	pc->crc = (uint32_t)crc;
	pc->got = 0;
	return 0;
}

/* DATA: silent while it fits; the next reply says what came of it. */
static int data(struct pchan *pc, const struct wire_msg *m)
{
	if (!pc->state || m->len > pc->size - pc->got) {
		drop_state(pc);
		return send_fail(pc, "receive", -EPROTO, INTEL_LM_EFFECT_NONE, "more state than "
				 "BEGIN announced, or none announced");
	}
	memcpy((uint8_t *)pc->state + pc->got, m->payload, m->len);
	pc->got += m->len;
	return 0;
}

/* LOAD: the source's copy is durable; the state came whole: LOAD_DATA. */
static int load(struct pchan *pc)
{
	struct peer *p = pc->p;
	struct intel_lm_record *rec;
	struct intel_lm_sent sent;
	char words[512];
	int ret;

	if (!pc->cl || !pc->state || pc->loaded)
		return send_fail(pc, "load", -EPROTO, INTEL_LM_EFFECT_NONE, "LOAD out of turn");
	if (pc->got != pc->size || (uint32_t)crc32(0L, pc->state, pc->size) != pc->crc)
		return send_fail(pc, "receive", -EBADMSG, INTEL_LM_EFFECT_NONE, "the state came "
				 "%s (%u of %u bytes); LOAD_DATA was not sent", pc->got != pc->size ?
				 "cut short" : "with a wrong CRC-32", pc->got, pc->size);
	rec = intel_lm_claim_record(pc->cl);
	rec->entry.step = INTEL_LM_MIG_DST_LOAD;
	ret = intel_lm_claim_send(pc->cl, INTEL_LM_OPC_LOAD_DATA, pc->state, pc->size,
				  &pc->incoming, pc->force, &p->s.opts, &sent);
	drop_state(pc);
	if (ret) {
		pc->doubt = sent.sent && intel_lm_effect_of(ret) == INTEL_LM_EFFECT_UNKNOWN;
		intel_lm_step_strerror(ret, session_protocol(&p->s), INTEL_LM_OPC_LOAD_DATA, words,
				       sizeof(words));
		return send_step_fail(pc, INTEL_LM_OPC_LOAD_DATA, sent.sent, ret,
				      sent.sent ? intel_lm_effect_of(ret) : INTEL_LM_EFFECT_NONE,
				      "VF %u of %s: %s", pc->vf, p->dev, words);
	}
	pc->loaded = true;
	return send_ok(pc, &sent);
}

/* RESUME: the destination runs; the migration is done on this side. */
static int resume(struct pchan *pc)
{
	struct peer *p = pc->p;
	struct intel_lm_record *rec;
	struct intel_lm_sent sent;
	char words[512];
	int ret;

	if (!pc->cl || !pc->loaded)
		return send_fail(pc, "resume", -EPROTO, INTEL_LM_EFFECT_NONE, "RESUME out of turn");
	rec = intel_lm_claim_record(pc->cl);
	rec->entry.step = INTEL_LM_MIG_DST_RESUME;
	ret = intel_lm_claim_send(pc->cl, INTEL_LM_OPC_RESUME, NULL, 0, NULL, pc->force,
				  &p->s.opts, &sent);
	if (ret) {
		enum intel_lm_effect eff = sent.sent ? intel_lm_effect_of(ret) :
					   INTEL_LM_EFFECT_NONE;

		intel_lm_step_strerror(ret, session_protocol(&p->s), INTEL_LM_OPC_RESUME, words,
				       sizeof(words));
		ret = send_step_fail(pc, INTEL_LM_OPC_RESUME, sent.sent, ret, eff,
				     "VF %u of %s: %s", pc->vf, p->dev, words);
		/* Refused: it holds the loaded state, suspended; the source resumes. */
		end_vf(pc, eff == INTEL_LM_EFFECT_UNKNOWN);
		return ret;
	}
	/* The answer first: closing the entry is not part of the downtime. */
	ret = send_ok(pc, &sent);
	end_vf(pc, false);
	return ret;
}

/*
 * SETTLE: recover on the source's host asks what became of this side of a migration. The VF
 * is claimed, as for a migration, and the answer is its record's: "runs" (its RESUME took
 * effect), "stopped" (it never ran), "doubt" (a RESUME whose effect is unknown, or an entry
 * that no longer counts) or "other" (the record is not of that migration). After runs or
 * stopped the claim is held: an ABORT closes this side once the source is settled, a BYE or a
 * dropped connection leaves it open. Nothing is sent to the device.
 */
static int settle(struct pchan *pc, const struct wire_msg *m)
{
	struct peer *p = pc->p;
	char dev[32], op_id[40], what[256], kv[256] = "";
	struct vf_result r = { 0 };
	struct intel_lm_rec_entry *e;
	const char *verdict;
	unsigned long vf;
	int ret;

	if (pc->cl)
		return send_fail(pc, "settle", -EBUSY, INTEL_LM_EFFECT_NONE, "a migration is under "
				 "way on this connection: VF %u of %s", pc->vf, p->dev);
	if (wire_kv(m, "device", dev, sizeof(dev)) || !valid_device(dev) ||
	    kv_uint(m, "vf", INTEL_LM_VF_MAX, &vf) || !vf ||
	    wire_kv(m, "op_id", op_id, sizeof(op_id)) || !valid_word(op_id, sizeof(op_id)))
		return send_fail(pc, "check request", -EINVAL, INTEL_LM_EFFECT_NONE, "a malformed "
				 "SETTLE (a missing or invalid field); nothing was changed");
	ret = open_pf(p, dev);
	if (ret)
		return send_fail(pc, "open", ret, INTEL_LM_EFFECT_NONE, "cannot use %s (see the "
				 "remote's messages above); nothing was changed", dev);
	if (!has_vf(&p->s, vf))
		return send_fail(pc, "check VF", -ENOENT, INTEL_LM_EFFECT_NONE, "VF %lu is not a VF "
				 "of %s; nothing was changed", vf, dev);
	r.vf = (uint16_t)vf;
	snprintf(what, sizeof(what), "pid %d: %s serve-peer (recover of migration %s)",
		 (int)getpid(), p->c->prog, op_id);
	if (claim_vf(p->c, &p->s, &r, INTEL_LM_OP_NONE, what, NULL, &pc->cl))
		return send_fail(pc, r.op ? r.op : "claim", r.ret, INTEL_LM_EFFECT_NONE, "%s",
				 r.msg);
	pc->vf = (uint16_t)vf;
	__atomic_add_fetch(&p->claimed, 1, __ATOMIC_RELAXED);
	e = &intel_lm_claim_record(pc->cl)->entry;
	if (e->op != INTEL_LM_OP_MIGRATE || e->role != INTEL_LM_ROLE_DESTINATION ||
	    strcmp(e->op_id, op_id))
		verdict = "other";
	else if (!e->outlived && dst_resume(e) == RESUME_DONE)
		verdict = "runs";
	else if (!e->outlived && dst_resume(e) == RESUME_NOT_SENT)
		verdict = "stopped";
	else
		verdict = "doubt";
	wire_kv_add(kv, sizeof(kv), "verdict", "%s", verdict);
	wire_kv_add(kv, sizeof(kv), "state", "%s", intel_lm_vf_state_name(
			    e->pending ? INTEL_LM_VF_UNKNOWN : e->state));
	wire_kv_add(kv, sizeof(kv), "op_id", "%s", e->op_id);
	/* Nothing to close: the VF is released now, its record as it was. */
	if (strcmp(verdict, "runs") && strcmp(verdict, "stopped"))
		end_vf(pc, true);
	return send_kv(pc, WIRE_OK, kv);
}

/* HELLO: the versions, both ways, and how many channels this side takes. */
static int hello(struct peer *p, const struct wire_msg *m)
{
	char v[16], kv[128] = "";

	if (wire_kv(m, "version", v, sizeof(v)) || strcmp(v, "1")) {
		fprintf(stderr, "%s serve-peer: the source speaks peer protocol version %s, this "
			"program (%s) version %d; install the same intel-lm on both hosts\n",
			p->c->prog, wire_kv(m, "version", v, sizeof(v)) ? "(none)" : v,
			intel_lm_version(), WIRE_VERSION);
		return -EPROTONOSUPPORT;
	}
	wire_kv_add(kv, sizeof(kv), "version", "%d", WIRE_VERSION);
	wire_kv_add(kv, sizeof(kv), "program", "%s", intel_lm_version());
	wire_kv_add(kv, sizeof(kv), "channels", "%d", PEER_CHANNELS);
	return wire_send(p->out, WIRE_HELLO, kv, (uint32_t)strlen(kv));
}

/* One message on its channel; 0, or why the channel stops (the connection is then ended). */
static int dispatch(struct pchan *pc, const struct wire_msg *m)
{
	switch (m->type) {
	case WIRE_PREPARE:
		return prepare(pc, m);
	case WIRE_BEGIN:
		return begin(pc, m);
	case WIRE_DATA:
		return data(pc, m);
	case WIRE_LOAD:
		return load(pc);
	case WIRE_RESUME:
		return resume(pc);
	case WIRE_ABORT:
		/* Left as it is (suspended, or holding a state never run). */
		end_vf(pc, pc->loaded || pc->doubt);
		return send_kv(pc, WIRE_OK, "");
	case WIRE_SETTLE:
		return settle(pc, m);
	default:
		return -EPROTO;
	}
}

/* A channel's thread: its messages in order, until the connection ends. */
static void *chan_run(void *arg)
{
	struct pchan *pc = arg;
	struct peer *p = pc->p;
	struct pmsg *msg;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (!pc->head && !p->ending && !pc->ret)
			pthread_cond_wait(&pc->cond, &p->lock);
		msg = pc->ret ? NULL : pc->head;
		if (msg) {
			pc->head = msg->next;
			if (!pc->head)
				pc->tail = NULL;
		}
		pthread_mutex_unlock(&p->lock);
		if (!msg)
			break;
		msg->m.payload = msg->data;
		pc->ret = dispatch(pc, &msg->m);
		free(msg);
		if (pc->ret) {
			/*
			 * The channel cannot go on: the connection ends here (the source sees its
			 * end and stops every pair the way a dropped link does).
			 */
			pthread_mutex_lock(&p->wlock);
			if (p->out >= 0)
				close(p->out);
			p->out = -1;
			pthread_mutex_unlock(&p->wlock);
		}
	}
	/* A VF still under way is left as it is, its migration open, for recover. */
	end_vf(pc, true);
	return NULL;
}

/* Hand a message to its channel, starting the channel's thread on its first. */
static int enqueue(struct peer *p, unsigned int ch, const struct wire_msg *m)
{
	struct pchan *pc = &p->ch[ch];
	struct pmsg *msg = malloc(sizeof(*msg) + m->len);

	if (!msg)
		return -ENOMEM;
	msg->next = NULL;
	msg->m = *m;
	memcpy(msg->data, m->payload, m->len);
	if (!pc->started) {
		pc->p = p;
		pc->ch = ch;
		pthread_cond_init(&pc->cond, NULL);
		if (pthread_create(&pc->th, NULL, chan_run, pc)) {
			pthread_cond_destroy(&pc->cond);
			free(msg);
			return -EAGAIN;
		}
		pc->started = true;
	}
	pthread_mutex_lock(&p->lock);
	if (pc->tail)
		pc->tail->next = msg;
	else
		pc->head = msg;
	pc->tail = msg;
	/* Its own thread alone: the other channels' have nothing new. */
	pthread_cond_signal(&pc->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* The channel a control message names ("ch=N"; none is channel 0), or -EPROTO. */
static int chan_of(const struct wire_msg *m)
{
	unsigned long ch;
	char buf[8];

	if (wire_kv(m, "ch", buf, sizeof(buf)) == -ENOENT)
		return 0;
	if (kv_uint(m, "ch", PEER_CHANNELS - 1, &ch))
		return -EPROTO;
	return (int)ch;
}

int cmd_serve_peer(const struct cli *c)
{
	struct peer p = { .c = c, .in = STDIN_FILENO, .lock = PTHREAD_MUTEX_INITIALIZER,
			  .wlock = PTHREAD_MUTEX_INITIALIZER };
	struct wire_msg m;
	bool said_hello = false;
	int ret = 0, ch, data_ch = -1;
	unsigned int i;

	/* The protocol alone on standard output: anything printed goes to standard error. */
	p.out = dup(STDOUT_FILENO);
	if (p.out < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		fprintf(stderr, "%s serve-peer: %s\n", c->prog, strerror(errno));
		return EXIT_FAILED;
	}
	p.buf = malloc(WIRE_BUF_LEN);
	if (!p.buf)
		return EXIT_FAILED;
	/* A source that goes away is seen as an end of file or a failed write. */
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		ret = wire_recv(p.in, p.buf, &m);
		if (ret == -EPROTONOSUPPORT) {
			char kv[128] = "";

			fprintf(stderr, "%s serve-peer: the source speaks peer protocol version "
				"%u, this program (%s) version %d; install the same intel-lm on "
				"both hosts\n", c->prog, m.version, intel_lm_version(),
				WIRE_VERSION);
			/* Told in this side's version, which the other can at least name. */
			wire_kv_add(kv, sizeof(kv), "version", "%d", WIRE_VERSION);
			wire_kv_add(kv, sizeof(kv), "program", "%s", intel_lm_version());
			wire_send(p.out, WIRE_HELLO, kv, (uint32_t)strlen(kv));
			break;
		}
		if (ret) {
			bool under_way = __atomic_load_n(&p.claimed, __ATOMIC_RELAXED) > 0;

			if (ret != -ECONNRESET || under_way)
				fprintf(stderr, "%s serve-peer: the connection %s (%s)%s\n", c->prog,
					ret == -ECONNRESET ? "ended" : "sent a bad frame",
					intel_lm_errno_name(ret), under_way ? "; a destination VF "
					"under way is left as it is, its migration open on record for "
					"recover" : "");
			break;
		}
		if (!said_hello && m.type != WIRE_HELLO) {
			ret = -EPROTO;
			break;
		}
		if (m.type == WIRE_HELLO) {
			ret = said_hello ? -EPROTO : hello(&p, &m);
			said_hello = true;
		} else if (m.type == WIRE_BYE) {
			break;
		} else {
			/* A state's DATA follows its BEGIN whole: it is that channel's. */
			ch = m.type != WIRE_DATA ? chan_of(&m) : data_ch < 0 ? 0 : data_ch;
			if (m.type == WIRE_BEGIN)
				data_ch = ch;
			ret = ch < 0 ? -EPROTO : enqueue(&p, (unsigned int)ch, &m);
		}
		if (ret)
			break;
	}
	/* The channels finish what came, then end. */
	pthread_mutex_lock(&p.lock);
	p.ending = true;
	for (i = 0; i < PEER_CHANNELS; i++)
		if (p.ch[i].started)
			pthread_cond_signal(&p.ch[i].cond);
	pthread_mutex_unlock(&p.lock);
	for (i = 0; i < PEER_CHANNELS; i++) {
		struct pmsg *msg;

		if (!p.ch[i].started)
			continue;
		pthread_join(p.ch[i].th, NULL);
		pthread_cond_destroy(&p.ch[i].cond);
		if (!ret && p.ch[i].ret && p.ch[i].ret != -ECONNRESET)
			ret = p.ch[i].ret;
		/* What came for a channel that had stopped was not handled. */
		while ((msg = p.ch[i].head)) {
			p.ch[i].head = msg->next;
			free(msg);
		}
	}
	if (p.opened) {
		intel_lm_scan_free(p.s.scan);
		p.s.scan = NULL;
		intel_lm_syncs_wait(p.s.syncs);
		p.s.syncs = NULL;
		session_close(&p.s);
	}
	free(p.buf);
	if (p.out >= 0)
		close(p.out);
	return ret && ret != -ECONNRESET ? EXIT_FAILED : EXIT_OK;
}
