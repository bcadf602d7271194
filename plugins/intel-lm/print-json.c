// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The JSON print back end (json-c): one object per invocation, printed when the command ends,
 * on standard output (standard error when standard output carries a state). The keys are
 * documented in Documentation/nvme-intel-lm.txt and stay stable. Strings from outside go in as
 * they are; the document is made valid UTF-8 as it is written (json_finish(), escape.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli-priv.h"
#include "escape.h"

/* The version of the JSON format (Documentation/intel-lm.schema.json, intel-lm-json(7)). */
#define JSON_VERSION	1

static struct json_object *root(const struct cli *c)
{
	if (!c->out->json)
		c->out->json = json_object_new_object();
	return c->out->json;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_bool(struct json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

static void add_str_or_null(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v && *v ? json_object_new_string(v) : NULL);
}

/* The PF and the VF a one-VF command worked on; with --dry-run, that nothing was sent. */
static void add_dev(const struct cli *c, const struct session *s, uint16_t vf)
{
	add_str(root(c), "device", pf_path(s));
	add_int(root(c), "vf", vf);
	if (c->dry_run)
		add_bool(root(c), "dry_run", true);
}

/* The key of a command's state file: save writes its output file, load reads its input file. */
static const char *file_key(const struct cli *c)
{
	return c->cmd->opts & OPT_OUTPUT_FILE ? "output_file" : "input_file";
}

static void json_info(const struct cli *c, const struct session *s)
{
	const struct intel_lm_ctrl_info *i = pf_info(s);
	const char *why;
	struct json_object *o = root(c), *vfs = json_object_new_array();
	struct json_object *protocols = json_object_new_array();
	size_t n;

	add_str(o, "device", pf_path(s));
	add_bool(o, "live_migration", session_migratable(s, &why));
	add_str(o, "reason", why);	/* set by the call above, a statement before */
	add_int(o, "lm_byte", i->lm_byte);
	for (n = 0; n < 2; n++)
		if (intel_lm_pf_protocols(s->pf) & 1u << n)
			json_object_array_add(protocols,
					      json_object_new_string(intel_lm_protocol_name(n)));
	json_object_object_add(o, "protocols", protocols);
	add_str(o, "protocol", intel_lm_protocol_name(pf_proto(s)->protocol));
	add_int(o, "vendor_id", i->vid);
	add_int(o, "subsystem_vendor_id", i->ssvid);
	add_str(o, "model", i->mn);
	add_str(o, "serial", i->sn);
	add_str(o, "firmware", i->fr);
	add_int(o, "controller_id", i->cntlid);
	add_int(o, "mdts", i->mdts);
	add_int(o, "max_state_size", pf_limit(s)->max_bytes);
	add_str(o, "max_state_size_limited_by", limit_words(pf_limit(s)->src));
	for (n = 0; n < pf_vfs(s)->count; n++) {
		const struct intel_lm_vf *vf = &pf_vfs(s)->vf[n];
		struct json_object *e = json_object_new_object();

		add_int(e, "vf", vf->vf);
		add_int(e, "secondary_controller_id", vf->scid);
		add_bool(e, "online", vf->online);
		add_int(e, "vq", vf->nvq);
		add_int(e, "vi", vf->nvi);
		if (vf->pci_addr[0])
			add_str(e, "pci_address", vf->pci_addr);
		else
			json_object_object_add(e, "pci_address", NULL);
		json_object_array_add(vfs, e);
	}
	json_object_object_add(o, "vfs", vfs);
}

static void json_query_size(const struct cli *c, const struct session *s, uint16_t vf, uint32_t size)
{
	add_dev(c, s, vf);
	if (!c->dry_run)
		add_int(root(c), "size", size);
}

static void json_vf_done(const struct cli *c, const struct session *s, uint16_t vf, const char *what)
{
	add_dev(c, s, vf);
	if (!c->dry_run)
		add_str(root(c), "state", what);
}

static void json_saved(const struct cli *c, const struct session *s, uint16_t vf, uint32_t size,
		       const char *path, bool raw)
{
	add_dev(c, s, vf);
	if (!c->dry_run)
		add_int(root(c), "size", size);
	add_str(root(c), "output_file", path);
	add_bool(root(c), "raw", raw);
}

static void json_loaded(const struct cli *c, const struct session *s, uint16_t vf, uint32_t size,
			const char *path, uint16_t source_vf)
{
	add_dev(c, s, vf);
	if (size)
		add_int(root(c), "size", size);
	add_str(root(c), "input_file", path);
	add_bool(root(c), "raw", !source_vf);
	if (source_vf)
		add_int(root(c), "source_vf", source_vf);
}

static void json_error(const struct cli *c, const char *dev, int vf, const char *op,
		       const char *command, int ret, const char *msg, const char *hint);

static struct json_object *error_object(const char *dev, int vf, const char *op,
					const char *command, int ret, const char *msg,
					const char *hint)
{
	struct json_object *e = json_object_new_object();

	if (dev)
		add_str(e, "device", dev);
	if (vf >= 0)
		add_int(e, "vf", vf);
	add_str(e, "operation", op);
	/* Over TP4159 the operation names the step, this the command that carried it. */
	if (command)
		add_str(e, "command", command);
	if (ret > 0)
		add_int(e, "status", ret);
	else if (ret < 0)
		add_str(e, "errno", intel_lm_errno_name(ret));
	add_str(e, "message", msg);
	add_str(e, "hint", hint ? hint : "");
	return e;
}

static void json_usage(const struct cli *c, const char *msg)
{
	char hint[256];

	print_normal.usage(c, msg);
	snprintf(hint, sizeof(hint), "see '%s %s --help'", c->prog, c->cmd->name);
	json_object_object_add(root(c), "error", error_object(NULL, -1, "check the command line",
							      NULL, 0, msg, hint));
}

/* The one rule's refusal: its stable word (intel-lm/rule.h), for scripts. */
static void add_reason(struct json_object *err, const struct vf_result *r)
{
	if (err && r->reason)
		add_str(err, "reason", intel_lm_reason_name(r->reason));
}

static void json_vf_failed(const struct cli *c, const struct session *s, const struct vf_result *r)
{
	struct json_object *err = NULL;

	add_dev(c, s, r->vf);
	add_str(root(c), "state", r->state);
	if (r->path[0])
		add_str(root(c), file_key(c), r->path);
	json_error(c, pf_path(s), r->vf, r->op, r->command, r->ret, r->msg, r->hint);
	json_object_object_get_ex(root(c), "error", &err);
	add_reason(err, r);
}

static void json_refused(const struct cli *c, const struct session *on, const struct vf_result *r)
{
	struct json_object *err = NULL;

	json_error(c, pf_path(on), r->vf, r->op, r->command, r->ret, r->msg, r->hint);
	json_object_object_get_ex(root(c), "error", &err);
	add_reason(err, r);
}

static void json_batch(const struct cli *c, const struct session *s, const struct vf_result *r,
		       size_t n)
{
	struct json_object *arr = json_object_new_array();
	size_t i, ok = 0;

	add_str(root(c), "device", pf_path(s));
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object();

		add_int(e, "vf", r[i].vf);
		add_bool(e, "success", !r[i].ret);
		add_str(e, "state", r[i].state);
		if (c->out->changed >= 0)
			add_bool(e, "changed", r[i].changed);
		if (r[i].size)
			add_int(e, "size", r[i].size);
		if (r[i].path[0])
			add_str(e, file_key(c), r[i].path);
		if (r[i].source_vf)
			add_int(e, "source_vf", r[i].source_vf);
		if (r[i].ret) {
			struct json_object *err = error_object(pf_path(s), r[i].vf, r[i].op,
							       r[i].command, r[i].ret, r[i].msg,
							       r[i].hint);

			add_str(err, "kind", exit_kind(exit_for_result(&r[i])));
			add_reason(err, &r[i]);
			json_object_object_add(e, "error", err);
		} else {
			ok++;
		}
		json_object_array_add(arr, e);
	}
	json_object_object_add(root(c), "results", arr);
	add_int(root(c), "succeeded", (int64_t)ok);
	add_int(root(c), "failed", (int64_t)(n - ok));
}

/* What a migration did, into @o: its steps, size, downtime, record and rollback. */
static void add_migration(const struct cli *c, struct json_object *o, const struct mig_report *r)
{
	const struct intel_lm_mig_outcome *m = r->m;
	struct json_object *steps = json_object_new_array();
	enum intel_lm_mig_step st;

	for (st = 0; st < INTEL_LM_MIG_STEPS; st++) {
		struct json_object *e = json_object_new_object();

		add_str(e, "step", intel_lm_mig_step_name(st));
		add_str(e, "outcome", mig_step_outcome(r, st));
		add_int(e, "time_ns", mig_step_timed(mig_step_outcome(r, st)) ?
			(int64_t)intel_lm_migration_step_ns(r->mig, st) : 0);
		json_object_array_add(steps, e);
	}
	json_object_object_add(o, "steps", steps);
	if (!c->dry_run)
		add_int(o, "size", m->size);
	add_int(o, "downtime_ns", c->dry_run ? 0 : (int64_t)m->downtime_ns);
	if (r->kept)
		add_str(o, "kept", r->kept);
	add_str_or_null(o, "operation_id", r->op_id);
	if (!c->dry_run) {
		add_str(o, "source_state", r->src_state);
		add_str(o, "destination_state", r->dst_state);
	}
	if (m->failed < INTEL_LM_MIG_STEPS) {
		struct json_object *rb = json_object_new_object();

		add_bool(o, "source_resumed", m->src_resumed);
		add_bool(o, "source_untouched", !m->rollback_sent && !m->rollback_skipped &&
			 !m->rollback_unrecorded);
		add_bool(o, "source_left_suspended", m->rollback_skipped);
		add_str(o, "step_effect", intel_lm_effect_name(m->effect));
		add_bool(rb, "sent", m->rollback_sent);
		add_bool(rb, "skipped", m->rollback_skipped);
		if (m->rollback_ret > 0)
			add_int(rb, "status", m->rollback_ret);
		else if (m->rollback_ret < 0)
			add_str(rb, "errno", intel_lm_errno_name(m->rollback_ret));
		add_str(rb, "message", r->rollback);
		json_object_object_add(o, "rollback", rb);
	}
}

/* A failed migration's error: the operation as every command names it, and the step. */
static struct json_object *migration_error(const struct mig_report *r)
{
	bool dst = mig_step_on_dst(r->failed);
	struct json_object *err;

	err = error_object(dst ? pf_path(r->dst) : pf_path(r->src), dst ? r->dst_vf : r->src_vf,
			   r->op, r->command, r->m->ret, r->msg, r->hint);
	add_str(err, "step", intel_lm_mig_step_name(r->failed));
	/* The rule, asked again with the destination's LOAD_DATA, refused it. */
	if (r->m->reason)
		add_str(err, "reason", intel_lm_reason_name(r->m->reason));
	return err;
}

static void json_migrated(const struct cli *c, const struct mig_report *r)
{
	struct json_object *o = root(c);

	add_str(o, "device", pf_path(r->src));
	add_int(o, "vf", r->src_vf);
	add_str(o, "to", pf_path(r->dst));
	add_int(o, "to_vf", r->dst_vf);
	add_bool(o, "dry_run", c->dry_run);
	add_migration(c, o, r);
	if (r->failed < INTEL_LM_MIG_STEPS) {
		bool dst = mig_step_on_dst(r->failed);

		/* The words on stderr as in the normal report. */
		print_normal.error(c, dst ? pf_path(r->dst) : pf_path(r->src),
				   dst ? r->dst_vf : r->src_vf, intel_lm_mig_step_name(r->failed),
				   r->command, r->m->ret, r->msg, r->hint);
		json_object_object_add(o, "error", migration_error(r));
	}
}

static void json_mig_batch(const struct cli *c, const struct session *src,
			   const struct session *dst, const struct mig_job *j, size_t n)
{
	struct json_object *arr = json_object_new_array();
	size_t i, ok = 0;

	add_str(root(c), "device", pf_path(src));
	add_str(root(c), "to", pf_path(dst));
	add_bool(root(c), "dry_run", c->dry_run);
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object(), *err;

		add_int(e, "vf", j[i].r.src_vf);
		add_int(e, "to_vf", j[i].r.dst_vf);
		add_bool(e, "success", !j[i].status);
		add_str(e, "state", j[i].mig && !c->dry_run ? j[i].r.src_state : "unchanged");
		add_bool(e, "changed", j[i].changed);
		if (j[i].mig)
			add_migration(c, e, &j[i].r);
		if (!j[i].status) {
			ok++;
		} else {
			const struct vf_result *f = &j[i].refused;

			err = j[i].mig ? migration_error(&j[i].r) :
			      error_object(pf_path(j[i].refused_on), f->vf, f->op, f->command,
					   f->ret, f->msg, f->hint);
			add_str(err, "kind", exit_kind(j[i].status));
			if (!j[i].mig)
				add_reason(err, f);
			json_object_object_add(e, "error", err);
		}
		json_object_array_add(arr, e);
	}
	json_object_object_add(root(c), "results", arr);
	add_int(root(c), "succeeded", (int64_t)ok);
	add_int(root(c), "failed", (int64_t)(n - ok));
}

static void json_records(const struct cli *c, const struct rec_view *v, size_t n, bool recover)
{
	struct json_object *arr = json_object_new_array();
	size_t i, open = 0;

	add_str(root(c), "record_dir", c->state_dir ? c->state_dir : INTEL_LM_STATE_DIR);
	add_str(root(c), "source", "intel-lm's record of what it did, not a reading of the "
		"device");
	for (i = 0; i < n; i++) {
		const struct intel_lm_rec_entry *e = &v[i].e;
		struct json_object *o = json_object_new_object(), *op;
		char id[INTEL_LM_ID_HEX_LEN];

		add_str(o, "pf", e->pf.key);
		add_str_or_null(o, "pci_address", e->pf.pci);
		add_str_or_null(o, "device", e->device);
		add_int(o, "vf", e->vf);
		add_str(o, "state", intel_lm_vf_state_name(e->state));
		add_bool(o, "recorded", !v[i].read_err);
		if (v[i].read_err && v[i].read_err != -ENOENT)
			add_str(o, "record_error", intel_lm_errno_name(v[i].read_err));
		if (!v[i].read_err) {
			add_int(o, "since", e->since);
			add_int(o, "pid", e->pid);
			add_str(o, "command", e->cmdline);
			add_str_or_null(o, "pending", e->pending ?
					intel_lm_opcode_name(e->pending) : NULL);
			add_str_or_null(o, "pending_then", e->pending && e->pending_then ?
					intel_lm_opcode_name(e->pending_then) : NULL);
			add_str_or_null(o, "boot_id", e->boot_id);
			add_str(o, "protocol", intel_lm_protocol_name(e->protocol));
		}
		if (e->outlived) {
			static const char *const why[] = {
				[INTEL_LM_OUTLIVED_BOOT] = "reboot",
				[INTEL_LM_OUTLIVED_NO_BOOT] = "unknown boot",
				[INTEL_LM_OUTLIVED_RESET] = "pf reset",
			};

			add_str(o, "outlived", e->outlived <= INTEL_LM_OUTLIVED_RESET ?
				why[e->outlived] : "reboot");
			add_str(o, "recorded_state", intel_lm_vf_state_name(e->outlived_state));
		}
		add_str_or_null(o, "identity", intel_lm_identity_hex(&e->ident, id));
		if (intel_lm_identity_is_set(&e->ident))
			add_int(o, "generation", e->ident.gen);
		if (intel_lm_identity_is_set(&e->load_ident)) {
			add_str(o, "load_identity", intel_lm_identity_hex(&e->load_ident, id));
			add_int(o, "load_generation", e->load_ident.gen);
		}
		add_str_or_null(o, "state_file", e->state_file);
		if (e->state_file[0]) {
			add_int(o, "state_size", e->state_size);
			add_int(o, "state_crc32", e->state_crc);
			add_bool(o, "state_file_temporary", e->state_file_temporary);
			add_str_or_null(o, "state_file_identity",
					intel_lm_identity_hex(&e->file_ident, id));
			if (intel_lm_identity_is_set(&e->file_ident))
				add_int(o, "state_file_generation", e->file_ident.gen);
		}
		if (!v[i].read_err && e->op != INTEL_LM_OP_NONE) {
			op = json_object_new_object();
			add_str(op, "type", intel_lm_op_kind_name(e->op));
			add_bool(op, "open", e->op_open);
			add_bool(op, "in_progress", v[i].in_progress);
			if (e->op == INTEL_LM_OP_MIGRATE) {
				add_str(op, "id", e->op_id);
				add_str(op, "role", e->role == INTEL_LM_ROLE_SOURCE ? "source" :
					"destination");
				add_str(op, "peer_pf", e->peer.key);
				add_str(op, "peer_device", e->peer_device);
				add_int(op, "peer_vf", e->peer_vf);
			}
			json_object_object_add(o, "last_operation", op);
		}
		if (v[i].last_refused[0]) {
			op = json_object_new_object();
			add_str(op, "command", intel_lm_opcode_name(e->last_opcode));
			add_int(op, "status", e->last_ret);
			add_str(op, "message", v[i].last_refused);
			json_object_object_add(o, "last_refused", op);
		}
		add_bool(o, "unresolved", v[i].unresolved);
		if (recover)
			add_str_or_null(o, "action", v[i].action);
		if (v[i].moved_to[0])
			add_str(o, "record_moved_to", v[i].moved_to);
		add_str_or_null(o, "next", v[i].advice);
		open += v[i].unresolved || v[i].in_progress;
		json_object_array_add(arr, o);
	}
	json_object_object_add(root(c), "vfs", arr);
	if (recover)
		add_int(root(c), "unresolved_count", (int64_t)open);
}

static void json_inspect(const struct cli *c, const char *path, const struct intel_lm_blob_hdr *h,
			 int hdr_err, int payload_err, uint64_t file_size)
{
	struct json_object *o = root(c);
	char id[INTEL_LM_ID_HEX_LEN];

	add_str(o, "file", path);
	add_bool(o, "valid", !hdr_err && !payload_err);
	if (hdr_err || payload_err)
		add_str(o, "reason", blob_words(hdr_err ? hdr_err : payload_err));
	if (file_size)
		add_int(o, "file_size", (int64_t)file_size);
	if (hdr_err)
		return;
	add_int(o, "format_version", h->version);
	add_int(o, "header_length", h->hdr_len);
	add_int(o, "vf", h->vf);
	add_int(o, "payload_size", h->payload_len);
	add_int(o, "payload_crc32", h->payload_crc);
	add_int(o, "vendor_id", h->vid);
	add_int(o, "subsystem_vendor_id", h->ssvid);
	add_str(o, "model", h->mn);
	add_str(o, "serial", h->sn);
	add_str(o, "firmware", h->fr);
	add_int(o, "created", h->created);
	add_str(o, "tool", h->tool);
	add_str(o, "protocol", intel_lm_protocol_name(h->protocol));
	if (h->protocol == INTEL_LM_PROTO_TP4159) {
		add_int(o, "csvi", h->csvi);
		add_int(o, "csuuidi", h->csuuidi);
		add_int(o, "uidx", h->uidx);
	}
	add_str_or_null(o, "identity", intel_lm_identity_hex(&h->ident, id));
	if (intel_lm_identity_is_set(&h->ident)) {
		add_int(o, "generation", h->ident.gen);
		add_str(o, "origin_pf", h->ident.origin);
		add_int(o, "origin_vf", h->ident.origin_vf);
	}
}

static void json_command(const struct cli *c, const char *dev, const struct intel_lm_cmd *cmd,
			 int ret, uint32_t result, uint64_t ns, bool dry_run)
{
	struct json_object *arr, *e = json_object_new_object();

	(void)dev;
	if (!json_object_object_get_ex(root(c), "commands", &arr)) {
		arr = json_object_new_array();
		json_object_object_add(root(c), "commands", arr);
	}
	add_str(e, "command", intel_lm_opcode_name(cmd->opcode));
	add_int(e, "opcode", cmd->opcode);
	add_int(e, "nsid", cmd->nsid);
	add_int(e, "cdw10", cmd->cdw10);
	add_int(e, "cdw11", cmd->cdw11);
	add_int(e, "cdw12", cmd->cdw12);
	add_int(e, "cdw13", cmd->cdw13);
	add_int(e, "cdw14", cmd->cdw14);
	add_int(e, "cdw15", cmd->cdw15);
	add_int(e, "data_len", cmd->data_len);
	add_int(e, "timeout_ms", cmd->timeout_ms);
	add_bool(e, "sent", !dry_run);
	if (!dry_run) {
		if (ret < 0)
			add_str(e, "errno", intel_lm_errno_name(ret));
		else
			add_int(e, "status", ret);
		add_int(e, "result", result);
		add_int(e, "time_ns", (int64_t)ns);
	}
	json_object_array_add(arr, e);
}

static void json_note(const struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void json_note(const struct cli *c, const char *fmt, ...)
{
	struct json_object *arr;
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!json_object_object_get_ex(root(c), "notes", &arr)) {
		arr = json_object_new_array();
		json_object_object_add(root(c), "notes", arr);
	}
	json_object_array_add(arr, json_object_new_string(buf));
}

static void json_error(const struct cli *c, const char *dev, int vf, const char *op,
		       const char *command, int ret, const char *msg, const char *hint)
{
	/* Also in words on stderr, for the person reading a script's log. */
	print_normal.error(c, dev, vf, op, command, ret, msg, hint);
	json_object_object_add(root(c), "error", error_object(dev, vf, op, command, ret, msg,
							      hint));
}

static void json_warning(const struct cli *c, const struct warning *w)
{
	struct json_object *arr, *e = json_object_new_object(), *vfs = json_object_new_array();
	size_t i;

	/* Also in words on stderr, for the person reading a script's log. */
	print_normal.warning(c, w);
	if (!json_object_object_get_ex(root(c), "warnings", &arr)) {
		arr = json_object_new_array();
		json_object_object_add(root(c), "warnings", arr);
	}
	add_str(e, "kind", w->kind);
	add_str(e, "device", w->device);
	add_int(e, "timeout_ms", w->timeout_ms);
	add_int(e, "admin_timeout_ms", w->admin_timeout_ms);
	add_bool(e, "admin_timeout_read", !w->admin_timeout_err);
	if (w->admin_timeout_err)
		add_str(e, "admin_timeout_errno", intel_lm_errno_name(w->admin_timeout_err));
	for (i = 0; i < w->vfs->count; i++)
		if (w->vfs->vf[i].online)
			json_object_array_add(vfs, json_object_new_int64(w->vfs->vf[i].vf));
	json_object_object_add(e, "online_vfs", vfs);
	add_str(e, "message", w->msg);
	add_str(e, "hint", w->hint ? w->hint : "");
	json_object_array_add(arr, e);
}

static int json_finish(const struct cli *c, int status)
{
	FILE *f = c->output_file && !strcmp(c->output_file, "-") ? stderr : stdout;
	struct json_object *err;
	int ret;

	/* Every document: the format's version, the outcome, and the exit status's kind. */
	add_int(root(c), "json_version", JSON_VERSION);
	add_bool(root(c), "success", status == 0);
	add_int(root(c), "exit_status", status);
	if (c->out->changed >= 0)
		add_bool(root(c), "changed", c->out->changed);
	if (status && json_object_object_get_ex(root(c), "error", &err))
		add_str(err, "kind", exit_kind(status));
	/*
	 * Valid UTF-8 whatever the strings from outside hold: json-c copies their bytes as they
	 * are, so a byte that is not UTF-8 is written as \udcHH (intel-lm-json(7), STRINGS).
	 */
	json_fputs_utf8(json_object_to_json_string_ext(c->out->json, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE), f);
	fputc('\n', f);
	ret = flush_report(f);
	json_object_put(c->out->json);
	c->out->json = NULL;
	return ret;
}

const struct printer print_json = {
	.info = json_info,
	.query_size = json_query_size,
	.vf_done = json_vf_done,
	.saved = json_saved,
	.loaded = json_loaded,
	.inspect = json_inspect,
	.command = json_command,
	.note = json_note,
	.error = json_error,
	.warning = json_warning,
	.usage = json_usage,
	.vf_failed = json_vf_failed,
	.refused = json_refused,
	.batch = json_batch,
	.migrated = json_migrated,
	.mig_batch = json_mig_batch,
	.records = json_records,
	.finish = json_finish,
};
