// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The normal (human) print back end. Results go to standard output, except when standard
 * output carries a state (save -o -); notes, traces and errors go to standard error. Every
 * string from outside (a path, a device, the device's or a blob's strings, a record's fields,
 * and the messages that embed them) is printed through esc() (escape.h): no control character
 * or byte that is not UTF-8 reaches the terminal as it is.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli-priv.h"
#include "escape.h"

/* Where results go: stderr when stdout is the data stream. */
static FILE *result_stream(const struct cli *c)
{
	return c->output_file && !strcmp(c->output_file, "-") ? stderr : stdout;
}

static void normal_error(const struct cli *c, const char *dev, int vf, const char *op,
			 const char *command, int ret, const char *msg, const char *hint);

int flush_report(FILE *f)
{
	errno = 0;
	if (fflush(f) == EOF || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

/*
 * What failed: a step, and over TP4159, whose step names are not its commands', the command
 * that carried it: "LOAD_DATA (Migration Send 41h, Set Controller State)".
 */
static const char *op_words(const char *op, const char *command, char *buf, size_t len)
{
	if (!command)
		return op;
	snprintf(buf, len, "%s (%s)", op, command);
	return buf;
}

static void human_size(char *buf, size_t len, uint64_t bytes)
{
	if (bytes >= (1u << 20) && !(bytes % (1u << 20)))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes >> 20));
	else if (bytes >= 1024 && !(bytes % 1024))
		snprintf(buf, len, "%llu KiB", (unsigned long long)(bytes >> 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
}

/* Which protocols the PF offers, which one intel-lm uses, and what of TP4159 it leaves. */
static void print_protocols(const struct session *s)
{
	unsigned int offered = intel_lm_pf_protocols(s->pf);

	printf("  protocols      : %s%s%s (uses %s)\n",
	       offered & 1u << INTEL_LM_PROTO_INTEL ? "intel" : "",
	       offered == 3 ? ", " : !offered ? "none" : "",
	       offered & 1u << INTEL_LM_PROTO_TP4159 ? "tp4159" : "",
	       intel_lm_protocol_name(pf_proto(s)->protocol));
	if (offered & 1u << INTEL_LM_PROTO_TP4159)
		printf("  tp4159 live    : not used: Controller Data Queues and Track Send (dirty "
		       "data and memory tracking) serve live migration; intel-lm migrates cold\n");
}

static void normal_info(const struct cli *c, const struct session *s)
{
	const struct intel_lm_ctrl_info *i = pf_info(s);
	const char *why;
	bool ok;
	struct esc_room x = { .used = 0 };
	char mdts[32], lim[32];
	size_t n;

	(void)c;
	if (pf_limit(s)->mdts_bytes)
		human_size(mdts, sizeof(mdts), pf_limit(s)->mdts_bytes);
	else
		snprintf(mdts, sizeof(mdts), "no limit");
	human_size(lim, sizeof(lim), pf_limit(s)->max_bytes);
	printf("%s\n", esc(&x, pf_path(s)));
	ok = session_migratable(s, &why);
	printf("  live migration : %s (%s)\n", ok ? "supported" : "not supported", why);
	print_protocols(s);
	printf("  vendor         : 0x%04x (subsystem 0x%04x)\n", i->vid, i->ssvid);
	printf("  model          : %s\n  serial         : %s\n  firmware       : %s\n",
	       esc(&x, i->mn), esc(&x, i->sn), esc(&x, i->fr));
	printf("  controller id  : %u\n  mdts           : %u (%s)\n", i->cntlid, i->mdts, mdts);
	printf("  largest state  : %u bytes (%s, limited by %s)\n", pf_limit(s)->max_bytes, lim,
	       limit_words(pf_limit(s)->src));
	printf("  VFs            : %zu\n", pf_vfs(s)->count);
	if (!pf_vfs(s)->count)
		return;
	printf("\n  %-5s %-6s %-6s %-5s %-5s %s\n", "VF", "SCID", "ONLINE", "VQ", "VI",
	       "PCI ADDRESS");
	for (n = 0; n < pf_vfs(s)->count; n++) {
		const struct intel_lm_vf *vf = &pf_vfs(s)->vf[n];

		x.used = 0;
		printf("  %-5u %-6u %-6s %-5u %-5u %s\n", vf->vf, vf->scid, vf->online ? "yes" :
		       "no", vf->nvq, vf->nvi, vf->pci_addr[0] ? esc(&x, vf->pci_addr) : "-");
	}
}

static void normal_query_size(const struct cli *c, const struct session *s, uint16_t vf,
			      uint32_t size)
{
	struct esc_room x = { .used = 0 };

	if (c->dry_run)
		return;
	fprintf(result_stream(c), "%s VF %u: migration state size %u bytes\n",
		esc(&x, pf_path(s)), vf, size);
}

static void normal_vf_done(const struct cli *c, const struct session *s, uint16_t vf,
			   const char *what)
{
	struct esc_room x = { .used = 0 };

	if (c->dry_run)
		return;
	/* A resumed VF is running: say what was done. */
	fprintf(result_stream(c), "%s VF %u: %s\n", esc(&x, pf_path(s)), vf,
		strcmp(what, "running") ? what : "resumed");
}

static void normal_saved(const struct cli *c, const struct session *s, uint16_t vf, uint32_t size,
			 const char *path, bool raw)
{
	struct esc_room x = { .used = 0 };

	if (c->dry_run)
		return;
	fprintf(result_stream(c), "%s VF %u: saved %u bytes of state to %s%s\n",
		esc(&x, pf_path(s)), vf, size, strcmp(path, "-") ? esc(&x, path) :
		"standard output", raw ? " (raw)" : "");
}

static void normal_loaded(const struct cli *c, const struct session *s, uint16_t vf, uint32_t size,
			  const char *path, uint16_t source_vf)
{
	struct esc_room x = { .used = 0 };

	if (c->dry_run)
		return;
	fprintf(result_stream(c), "%s VF %u: loaded %u bytes of state from %s",
		esc(&x, pf_path(s)), vf, size, strcmp(path, "-") ? esc(&x, path) :
		"standard input");
	if (source_vf)
		fprintf(result_stream(c), " (saved from VF %u)", source_vf);
	fprintf(result_stream(c), "\n");
}

static void normal_batch(const struct cli *c, const struct session *s, const struct vf_result *r,
			 size_t n)
{
	struct esc_room x;
	size_t i, failed = 0;
	char op[160];

	for (i = 0; i < n; i++) {
		x.used = 0;
		if (!r[i].ret) {
			printf("%s VF %u: ok, %s", esc(&x, pf_path(s)), r[i].vf, r[i].state);
			if (r[i].size)
				printf(", %u bytes", r[i].size);
			if (r[i].path[0])
				printf(", %s", esc(&x, r[i].path));
			printf("\n");
			continue;
		}
		/* A failure is a diagnostic: on stderr, with what to do next. */
		failed++;
		fprintf(stderr, "%s VF %u: FAILED at %s: %s; the VF is %s\n", esc(&x, pf_path(s)),
			r[i].vf, op_words(r[i].op, r[i].command, op, sizeof(op)), esc(&x, r[i].msg),
			r[i].state);
		if (r[i].hint[0])
			fprintf(stderr, "  next: %s\n", esc(&x, r[i].hint));
	}
	/* One summary, with the report. */
	printf("%s %s: %zu of %zu VFs succeeded", c->prog, c->cmd->name, n - failed, n);
	if (failed)
		printf(", %zu failed (on standard error)", failed);
	printf("\n");
}

static void ms(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%llu.%03llu ms", (unsigned long long)(ns / 1000000),
		 (unsigned long long)(ns / 1000 % 1000));
}


static void normal_migrated(const struct cli *c, const struct mig_report *r)
{
	const struct intel_lm_mig_outcome *m = r->m;
	struct esc_room x = { .used = 0 };
	enum intel_lm_mig_step st;
	char t[32];

	printf("migrate %s VF %u -> %s VF %u%s\n", esc(&x, pf_path(r->src)), r->src_vf,
	       esc(&x, pf_path(r->dst)), r->dst_vf, c->dry_run ? " (dry run: nothing sent)" : "");
	for (st = 0; st < INTEL_LM_MIG_STEPS; st++) {
		const char *res = mig_step_outcome(r, st);

		ms(t, sizeof(t), intel_lm_migration_step_ns(r->mig, st));
		printf("  %-20s %-8s %s\n", intel_lm_mig_step_name(st),
		       strcmp(res, "failed") ? res : "FAILED", mig_step_timed(res) ? t : "");
	}
	ms(t, sizeof(t), m->downtime_ns);
	if (!c->dry_run && m->size)
		printf("  state size           %u bytes\n", m->size);
	if (m->downtime_ns && !c->dry_run)
		printf("  downtime             %s (source suspend to %s)\n", t,
		       m->failed == INTEL_LM_MIG_NO_STEP ? "destination resume" :
		       m->src_resumed ? "source resumed" :
		       "the failure; the source is still suspended, so the downtime goes on");
	if (r->op_id)
		printf("  on record as         %s\n", esc(&x, r->op_id));
	if (r->kept)
		printf("  state kept in        %s\n", esc(&x, r->kept));
	if (r->failed < INTEL_LM_MIG_STEPS) {
		bool dst = mig_step_on_dst(r->failed);

		normal_error(c, dst ? pf_path(r->dst) : pf_path(r->src), dst ? r->dst_vf :
			     r->src_vf, intel_lm_mig_step_name(r->failed), r->command, m->ret,
			     r->msg, r->hint);
	}
}

static void normal_mig_batch(const struct cli *c, const struct session *src,
			     const struct session *dst, const struct mig_job *j, size_t n)
{
	struct esc_room x;
	uint64_t longest = 0;
	size_t i, failed = 0;
	char t[32], op[160];

	for (i = 0; i < n; i++) {
		const struct mig_report *r = &j[i].r;
		const char *from, *to;

		x.used = 0;
		from = esc(&x, pf_path(src));
		to = esc(&x, pf_path(dst));
		if (!j[i].status) {
			ms(t, sizeof(t), r->m->downtime_ns);
			if (c->dry_run)
				printf("%s VF %u -> %s VF %u: ok (dry run: nothing sent)\n",
				       from, r->src_vf, to, r->dst_vf);
			else
				printf("%s VF %u -> %s VF %u: ok, %u bytes, downtime %s\n",
				       from, r->src_vf, to, r->dst_vf, r->m->size, t);
			if (r->m->downtime_ns > longest)
				longest = r->m->downtime_ns;
			continue;
		}
		/* A failure is a diagnostic: on stderr, with what to do next. */
		failed++;
		fprintf(stderr, "%s VF %u -> %s VF %u: FAILED at %s: %s\n", from, r->src_vf, to,
			r->dst_vf, j[i].mig ? op_words(intel_lm_mig_step_name(r->failed),
						      r->command, op, sizeof(op)) :
			j[i].refused.op,
			esc(&x, j[i].mig ? r->msg : j[i].refused.msg));
		if (j[i].mig ? r->hint[0] : j[i].refused.hint[0])
			fprintf(stderr, "  next: %s\n", esc(&x, j[i].mig ? r->hint :
							    j[i].refused.hint));
	}
	/* One summary, with the report. */
	printf("%s migrate: %zu of %zu VFs migrated", c->prog, n - failed, n);
	if (failed)
		printf(", %zu failed (on standard error)", failed);
	if (longest) {
		ms(t, sizeof(t), longest);
		printf("; longest downtime %s", t);
	}
	printf("\n");
}

static void iso_time(char *buf, size_t len, int64_t when)
{
	time_t t = (time_t)when;
	struct tm tm;

	snprintf(buf, len, "?");
	if (when && gmtime_r(&t, &tm))
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void normal_records(const struct cli *c, const struct rec_view *v, size_t n, bool recover)
{
	struct esc_room x = { .used = 0 };
	const char *pf = "";
	size_t i, open = 0;
	char when[32], id[INTEL_LM_ID_HEX_LEN];

	printf("intel-lm's record in %s (what intel-lm did to each VF; the device itself cannot "
	       "be asked)\n", esc(&x, c->state_dir ? c->state_dir : INTEL_LM_STATE_DIR));
	if (!n)
		printf("  no VF on record\n");
	for (i = 0; i < n; i++) {
		const struct intel_lm_rec_entry *e = &v[i].e;

		x.used = 0;
		if (strcmp(pf, e->pf.key)) {
			pf = e->pf.key;
			printf("PF %s%s%s%s\n", esc(&x, pf), e->device[0] ? " (" : "",
			       esc(&x, e->device), e->device[0] ? ")" : "");
		}
		printf("  VF %-5u %-10s", e->vf, intel_lm_vf_state_name(e->state));
		if (v[i].read_err == -ENOENT) {
			printf(" (no record: intel-lm never changed it)\n");
			continue;
		}
		if (v[i].read_err) {
			printf(" (the record cannot be trusted: %s)\n",
			       intel_lm_errno_name(v[i].read_err));
		} else {
			iso_time(when, sizeof(when), e->since);
			printf(" since %s, by pid %d: %s\n", when, e->pid, esc(&x, e->cmdline));
		}
		if (e->outlived)
			printf("           recorded %s, which no longer counts: %s\n",
			       intel_lm_vf_state_name(e->outlived_state), outlived_words(e));
		/* A command recorded to follow it without another write may have been sent too. */
		if (e->pending && e->pending_then)
			printf("           in flight: %s, then perhaps %s (their effect is "
			       "unknown)\n", intel_lm_opcode_name(e->pending),
			       intel_lm_opcode_name(e->pending_then));
		else if (e->pending)
			printf("           in flight: %s (its effect is unknown)\n",
			       intel_lm_opcode_name(e->pending));
		if (intel_lm_identity_is_set(&e->ident))
			printf("           holds state %s, generation %u (first taken from %s VF "
			       "%u)\n", intel_lm_identity_hex(&e->ident, id), e->ident.gen,
			       e->ident.origin[0] ? esc(&x, e->ident.origin) : "?",
			       e->ident.origin_vf);
		if (intel_lm_identity_is_set(&e->load_ident))
			printf("           or perhaps state %s, generation %u, which a LOAD_DATA in "
			       "doubt was loading\n", intel_lm_identity_hex(&e->load_ident, id),
			       e->load_ident.gen);
		if (e->load_lost)
			printf("           or perhaps a state an earlier LOAD_DATA in doubt brought "
			       "in, which the record no longer names: load a state into it\n");
		if (e->state_file[0])
			printf("           state file: %s (%u bytes, CRC-32 0x%08x%s)\n",
			       esc(&x, e->state_file), e->state_size, e->state_crc,
			       e->state_file_temporary ? ", a safety copy" : "");
		if (e->op == INTEL_LM_OP_MIGRATE && e->op_id[0])
			printf("           migration %s: %s, %s %s VF %u%s\n", esc(&x, e->op_id),
			       e->role == INTEL_LM_ROLE_SOURCE ? "source" : "destination",
			       e->role == INTEL_LM_ROLE_SOURCE ? "to" : "from",
			       esc(&x, e->peer_device),
			       e->peer_vf, e->op_open ? v[i].in_progress ? ", in progress" :
			       ", interrupted" : ", finished");
		if (v[i].last_refused[0])
			printf("           last: %s\n", v[i].last_refused);
		if (recover && v[i].action[0])
			printf("           recover: %s\n", esc(&x, v[i].action));
		if (v[i].advice[0])
			printf("           next: %s\n", esc(&x, v[i].advice));
		open += v[i].unresolved || v[i].in_progress;
	}
	if (recover)
		printf("%s recover: %zu VF%s unresolved\n", c->prog, open, open == 1 ? "" : "s");
}

static void normal_inspect(const struct cli *c, const char *path, const struct intel_lm_blob_hdr *h,
			   int hdr_err, int payload_err, uint64_t file_size)
{
	struct esc_room x = { .used = 0 };
	char when[64] = "?", id[INTEL_LM_ID_HEX_LEN];
	time_t t;
	struct tm tm;

	(void)c;
	printf("%s\n", esc(&x, path));
	if (hdr_err) {
		printf("  valid          : no (%s)\n", blob_words(hdr_err));
		return;
	}
	t = (time_t)h->created;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("  format         : version %u, header %u bytes\n", h->version, h->hdr_len);
	printf("  source VF      : %u\n", h->vf);
	printf("  payload        : %u bytes, CRC-32 0x%08x\n", h->payload_len, h->payload_crc);
	if (file_size)
		printf("  file size      : %llu bytes\n", (unsigned long long)file_size);
	printf("  source PF      : vendor 0x%04x (subsystem 0x%04x), model \"%s\", serial "
	       "\"%s\", firmware \"%s\"\n", h->vid, h->ssvid, esc(&x, h->mn), esc(&x, h->sn),
	       esc(&x, h->fr));
	printf("  created        : %s by %s\n", when, esc(&x, h->tool));
	if (h->protocol == INTEL_LM_PROTO_TP4159)
		printf("  saved over     : tp4159 (NVMe Migration Receive), format CSVI %u, CSUUIDI "
		       "%u, UIDX %u\n", h->csvi, h->csuuidi, h->uidx);
	else
		printf("  saved over     : intel (the vendor commands)\n");
	if (intel_lm_identity_is_set(&h->ident))
		printf("  identity       : %s, generation %u (first taken from %s VF %u)\n",
		       intel_lm_identity_hex(&h->ident, id), h->ident.gen,
		       h->ident.origin[0] ? esc(&x, h->ident.origin) : "?", h->ident.origin_vf);
	else
		printf("  identity       : none (written before identities; load derives one "
		       "from the state's bytes)\n");
	printf("  valid          : %s%s%s\n", payload_err ? "no (" : "yes",
	       payload_err ? blob_words(payload_err) : "", payload_err ? ")" : "");
}

static void normal_command(const struct cli *c, const char *dev, const struct intel_lm_cmd *cmd,
			   int ret, uint32_t result, uint64_t ns, bool dry_run)
{
	FILE *f = dry_run && !c->verbose ? result_stream(c) : stderr;
	struct esc_room x = { .used = 0 };
	const char *action = intel_lm_cmd_action(cmd);
	char name[64];

	/* A TP4159 command with what its SEL does: "MIGRATION_SEND (Suspend) opcode=0x41 ...". */
	fprintf(f, "%s %s: %s opcode=0x%02x nsid=0x%x cdw10=0x%08x cdw11=0x%08x "
		"cdw12=0x%08x cdw13=0x%08x cdw14=0x%08x cdw15=0x%08x data_len=%u timeout_ms=%u",
		dry_run ? "would send to" : "sent to", esc(&x, dev),
		op_words(intel_lm_opcode_name(cmd->opcode), action, name, sizeof(name)),
		cmd->opcode, cmd->nsid, cmd->cdw10, cmd->cdw11, cmd->cdw12, cmd->cdw13, cmd->cdw14,
		cmd->cdw15, cmd->data_len, cmd->timeout_ms);
	if (!dry_run) {
		if (ret < 0)
			fprintf(f, " -> %s", intel_lm_errno_name(ret));
		else
			fprintf(f, " -> status 0x%04x", (unsigned int)ret);
		fprintf(f, " result 0x%08x in %.3f ms", result, (double)ns / 1e6);
	}
	fprintf(f, "\n");
}

static void normal_note(const struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void normal_note(const struct cli *c, const char *fmt, ...)
{
	struct esc_room x = { .used = 0 };
	char buf[INTEL_LM_PATH_MAX + 1024];
	va_list ap;

	/* Our words hold no control character: the note is escaped whole. */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s: note: %s\n", c->prog, c->cmd->name, esc(&x, buf));
}

static void normal_error(const struct cli *c, const char *dev, int vf, const char *op,
			 const char *command, int ret, const char *msg, const char *hint)
{
	struct esc_room x = { .used = 0 };
	char words[160];

	(void)ret;
	fprintf(stderr, "%s %s: %s failed", c->prog, c->cmd->name,
		op_words(op, command, words, sizeof(words)));
	if (dev)
		fprintf(stderr, " on %s", esc(&x, dev));
	if (vf >= 0)
		fprintf(stderr, " VF %d", vf);
	/* Our words hold no control character: the message and the advice are escaped whole. */
	fprintf(stderr, ": %s\n", esc(&x, msg));
	if (hint && *hint)
		fprintf(stderr, "  next: %s\n", esc(&x, hint));
}

static void normal_warning(const struct cli *c, const struct warning *w)
{
	struct esc_room x = { .used = 0 };

	fprintf(stderr, "%s %s: warning: %s\n", c->prog, c->cmd->name, esc(&x, w->msg));
	if (w->hint && *w->hint)
		fprintf(stderr, "  next: %s\n", esc(&x, w->hint));
}

static void normal_usage(const struct cli *c, const char *msg)
{
	struct esc_room x = { .used = 0 };

	fprintf(stderr, "%s %s: %s\nsee '%s %s --help'\n", c->prog, c->cmd->name, esc(&x, msg),
		c->prog, c->cmd->name);
}

static void normal_refused(const struct cli *c, const struct session *on, const struct vf_result *r)
{
	normal_error(c, pf_path(on), r->vf, r->op, r->command, r->ret, r->msg, r->hint);
}

static void normal_vf_failed(const struct cli *c, const struct session *s,
			     const struct vf_result *r)
{
	normal_error(c, pf_path(s), r->vf, r->op, r->command, r->ret, r->msg, r->hint);
}

static int normal_finish(const struct cli *c, int status)
{
	(void)status;
	return flush_report(result_stream(c));
}

const struct printer print_normal = {
	.info = normal_info,
	.query_size = normal_query_size,
	.vf_done = normal_vf_done,
	.saved = normal_saved,
	.loaded = normal_loaded,
	.inspect = normal_inspect,
	.command = normal_command,
	.note = normal_note,
	.error = normal_error,
	.warning = normal_warning,
	.usage = normal_usage,
	.vf_failed = normal_vf_failed,
	.refused = normal_refused,
	.batch = normal_batch,
	.migrated = normal_migrated,
	.mig_batch = normal_mig_batch,
	.records = normal_records,
	.finish = normal_finish,
};
