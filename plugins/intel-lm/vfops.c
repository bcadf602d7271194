// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * query-size, suspend, resume, save and load, for one VF or many (--vf=1,3,5-8 or all). Each
 * VF's work is a job: it takes the VF's lock, runs, and records its outcome in a vf_result,
 * which the print back end reports. Batches run their jobs on --jobs threads that share the
 * PF's file descriptor (admin commands can be outstanding together).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli-priv.h"

struct vf_op {
	const char *done;	/* the VF's state after success */
	void (*run)(const struct cli *c, struct session *s, struct vf_result *r);
	void (*print)(const struct cli *c, const struct session *s, const struct vf_result *r);
};

/* A command the device failed: the decoded status, and the VF's state that follows. */
static void fail_cmd(const struct cli *c, const struct session *s, struct vf_result *r,
		     uint8_t opcode, int ret)
{
	r->op = intel_lm_opcode_name(opcode);
	r->command = intel_lm_step_command(session_protocol(s), opcode);
	r->opcode = opcode;
	r->ret = ret;
	r->device_error = true;
	intel_lm_step_strerror(ret, session_protocol(s), opcode, r->msg, sizeof(r->msg));
	cmd_hint(c, s, r->vf, opcode, ret, r->hint, sizeof(r->hint));
	if (intel_lm_effect_of(ret) == INTEL_LM_EFFECT_UNKNOWN) {
		char reset[512] = "";

		/* A timeout: Linux reset the PF (intel-lm-cold-migration(7), THE ADMIN TIMEOUT). */
		if (ret == -EINTR || ret == -ETIMEDOUT)
			snprintf(reset, sizeof(reset), "; a timed-out command makes Linux reset the "
				 "PF, which can take every VF of the PF offline and undo their "
				 "suspension or saved state, whatever intel-lm's record says of them: "
				 "check them with '%s info %s' before acting on any of them", c->prog,
				 pf_path(s));
		r->state = intel_lm_vf_state_name(INTEL_LM_VF_UNKNOWN);
		snprintf(r->hint, sizeof(r->hint), "do not repeat the command blindly: '%s status "
			 "%s --vf=%u' shows what intel-lm knows; once you checked the VF, '%s recover "
			 "%s --vf=%u --confirm=running' (or suspended) settles it%s", c->prog,
			 pf_path(s), r->vf, c->prog, pf_path(s), r->vf, reset);
	}
}

/* One of the five commands, without a record (--dry-run shows it and sends nothing). */
static int direct(struct session *s, struct vf_result *r, uint8_t opc, void *buf, uint32_t len)
{
	uint32_t res = 0;
	int ret;

	ret = intel_lm_pf_send(s->pf, r->vf, opc, buf, len, &s->opts, &res);
	if (opc == INTEL_LM_OPC_QUERY_DATA_SIZE)
		r->size = ret ? 0 : res;
	return ret;
}

/*
 * Send one of the five commands to VF @r->vf: a state-changing one through the VF's claim
 * (libintel-lm asks the one rule, puts the intent on record before and the outcome after;
 * nothing is sent when the rule refuses or the intent cannot be recorded, nor after a signal).
 * Returns what the command returned, or -ECANCELED / the refusal's or the record's errno when
 * it was not sent (@r then says why).
 */
static int send_cmd(const struct cli *c, struct session *s, struct vf_result *r, uint8_t opc,
		    void *buf, uint32_t len)
{
	struct intel_lm_sent out;
	int ret;

	/* QUERY_DATA_SIZE, and --dry-run (which records nothing): straight to the device. */
	if (!r->claim || !intel_lm_opcode_changes_state(opc)) {
		ret = direct(s, r, opc, buf, len);
		if (ret)
			fail_cmd(c, s, r, opc, ret);
		return ret;
	}
	if (signal_caught()) {
		fail(r, intel_lm_opcode_name(opc), -ECANCELED, "not sent: interrupted by %s",
		     signal_name(signal_caught()));
		return -ECANCELED;
	}
	ret = intel_lm_claim_send(r->claim, opc, buf, len, r->incoming, c->force, &s->opts, &out);
	if (!out.sent && out.verdict.reason) {
		rule_refusal(c, s, r, &out.verdict, ret, c->cmd->name);
		return ret;
	}
	if (!out.sent) {
		char hint[1024];

		record_fix_hint(c, ret, hint, sizeof(hint));
		fail(r, "write record", ret, "cannot put %s on record in %s: %s (%s); nothing was "
		     "sent\n%s, then run the command again", intel_lm_opcode_name(opc),
		     intel_lm_claim_record(r->claim)->path, strerror(-ret), intel_lm_errno_name(ret),
		     hint);
		return ret;
	}
	r->sent = true;
	if (out.record_ret && !r->record_err)
		r->record_err = out.record_ret;
	r->state = intel_lm_vf_state_name(intel_lm_claim_record(r->claim)->entry.state);
	if (ret)
		fail_cmd(c, s, r, opc, ret);
	return ret;
}

static void run_query(const struct cli *c, struct session *s, struct vf_result *r)
{
	send_cmd(c, s, r, INTEL_LM_OPC_QUERY_DATA_SIZE, NULL, 0);
}

static void run_suspend(const struct cli *c, struct session *s, struct vf_result *r)
{
	send_cmd(c, s, r, INTEL_LM_OPC_SUSPEND, NULL, 0);
}

static void run_resume(const struct cli *c, struct session *s, struct vf_result *r)
{
	send_cmd(c, s, r, INTEL_LM_OPC_RESUME, NULL, 0);
}

static void output_failed(struct vf_result *r, const char *op, int ret)
{
	switch (-ret) {
	case EEXIST:
		fail(r, op, ret, "%s exists\nchoose another name, or add --force to replace it",
		     r->path);
		break;
	case EISDIR:
		fail(r, op, ret, "%s is a directory\nname a file", r->path);
		break;
	case ENOTSUP:
		fail(r, op, ret, "%s is not a regular file; --force replaces only regular files"
		     "\nname a regular file, or - for standard output", r->path);
		break;
	case EPIPE:
		fail(r, op, ret, "the reader of standard output went away (EPIPE); the state was "
		     "not delivered\nthe VF stays suspended: save it again, or resume it");
		break;
	default:
		fail(r, op, ret, "cannot write %s: %s (%s); nothing was left at that path\ncheck "
		     "the directory's permissions and free space", r->path, strerror(-ret),
		     intel_lm_errno_name(ret));
	}
}

/* What to do about a state above the limit: the default limit can be raised, MDTS cannot. */
static const char *larger_hint(const struct session *s)
{
	/* Over TP4159 only --max-state-size limits a state: it moves in pieces. */
	if (pf_proto(s)->protocol == INTEL_LM_PROTO_TP4159)
		return "NVMe TP4159 moves a state of any size in pieces: if a state that large is "
		       "expected, run the command again with a larger --max-state-size, or without "
		       "it";
	if (pf_limit(s)->src == INTEL_LM_LIMIT_REFERENCE)
		return "if this PF really moves states that large, allow them with "
		       "--max-state-size=BYTES (up to what MDTS and the kernel allow; see info)";
	if (pf_limit(s)->src == INTEL_LM_LIMIT_SEGMENTS)
		return "give this host huge pages (e.g. echo 2 > /proc/sys/vm/nr_hugepages, or "
		       "transparent huge pages set to madvise), then run the command again with "
		       "--max-state-size=BYTES";
	return "the commands have no offset field, so the state cannot be moved in pieces";
}

static void size_refused(struct vf_result *r, const struct session *s, int ret)
{
	if (ret == -ENODATA)
		fail(r, "check size", ret, "the device reported a state size of 0 bytes; no data "
		     "command was sent\nsuspend the VF before asking its size; if it persists, "
		     "the firmware is misbehaving");
	else
		fail(r, "check size", ret, "the state is %u bytes, above the %u bytes %s (%s); no "
		     "data command was sent\n%s", r->size, pf_limit(s)->max_bytes,
		     pf_proto(s)->protocol == INTEL_LM_PROTO_TP4159 ? "allowed" :
		     "this PF can move in one command", limit_words(pf_limit(s)->src),
		     larger_hint(s));
}

/*
 * SAVE_DATA's success on record, with the saved state's file once it is whole: one durable
 * write for both. A crash before it leaves SAVE_DATA pending on record (the VF's state unknown,
 * for status and recover), never a file on record that is not whole.
 */
static void record_saved_file(struct vf_result *r, uint32_t crc, bool ok)
{
	char abs[PATH_MAX];
	const char *file = NULL;
	int err;

	if (!r->claim)
		return;
	if (ok && strcmp(r->path, "-")) {
		/* Absolute, so that status run anywhere finds it. */
		file = realpath(r->path, abs) ? abs : r->path;
	}
	err = intel_lm_claim_saved(r->claim, file, r->size, crc);
	if (err && !r->record_err)
		r->record_err = err;
	r->state = intel_lm_vf_state_name(intel_lm_claim_record(r->claim)->entry.state);
}

static void run_save(const struct cli *c, struct session *s, struct vf_result *r)
{
	struct intel_lm_outfile *out = NULL;	/* never opened for --dry-run */
	void *buf = NULL;
	uint32_t crc = 0;
	int ret;

	/* The output is created first: a place that cannot be written stops us before the
	 * device is touched. Until the commit it has no name, so no crash can leave it. */
	if (!c->dry_run) {
		ret = intel_lm_outfile_open(&out, r->path, c->force);
		if (ret) {
			output_failed(r, "open output", ret);
			return;
		}
		guard_output(out);
	}
	/* A named temporary file (no O_TMPFILE here) goes on record with SAVE_DATA's intent,
	 * so that recover removes it if this process dies. */
	if (r->rec && intel_lm_outfile_tmp(out)[0]) {
		char msg[512], hint[256];

		/* Its name is longer than the file's: on record whole, or nothing is sent. */
		ret = record_path_check("the temporary file", intel_lm_outfile_tmp(out), false, msg,
					sizeof(msg), hint, sizeof(hint));
		if (ret) {
			fail(r, "check --output-file", ret, "%s\n%s", msg, hint);
			goto out;
		}
		snprintf(r->rec->entry.tmp_file, sizeof(r->rec->entry.tmp_file), "%s",
			 intel_lm_outfile_tmp(out));
	}
	ret = send_cmd(c, s, r, INTEL_LM_OPC_QUERY_DATA_SIZE, NULL, 0);
	if (ret || c->dry_run)
		goto out;
	ret = intel_lm_check_size(r->size, pf_limit(s));
	if (ret) {
		size_refused(r, s, ret);
		goto out;
	}
	/* Its whole size is allocated now: a full disk fails here, before the VF is disabled. */
	ret = intel_lm_outfile_reserve(out, (c->raw ? 0 : INTEL_LM_BLOB_HDR_LEN) +
				       (size_t)r->size);
	if (ret) {
		output_failed(r, "reserve output", ret);
		snprintf(r->msg + strlen(r->msg), sizeof(r->msg) - strlen(r->msg), "; SAVE_DATA was "
			 "not sent, the VF is unchanged");
		goto out;
	}
	buf = intel_lm_state_take(r->cache, r->size);
	if (!buf) {
		fail(r, "save", -ENOMEM, "cannot allocate %u bytes; SAVE_DATA was not sent",
		     r->size);
		goto out;
	}
	/* libintel-lm takes charge of the state: it gets an identity with SAVE_DATA's intent. */
	ret = send_cmd(c, s, r, INTEL_LM_OPC_SAVE_DATA, buf, r->size);
	if (ret)
		goto out;
	/* The device saved (and disabled the VF controller) even if the file fails. */
	ret = intel_lm_blob_write_proto(out, c->raw ? NULL : pf_info(s), pf_proto(s), r->vf,
					r->rec ? &r->rec->entry.ident : NULL, buf, r->size, &crc);
	if (ret && intel_lm_outfile_placed(out)) {
		/* In place, but its directory could not be made durable. */
		fail(r, "sync directory", ret, "the state is in %s, but its directory could not be "
		     "synced: %s (%s), so the file may not survive a power loss\nrun 'sync', or copy "
		     "the file to another disk, before anything else; the VF is saved (disabled)",
		     r->path, strerror(-ret), intel_lm_errno_name(ret));
		record_saved_file(r, crc, true);
		goto out;
	}
	if (ret) {
		output_failed(r, "write", ret);
		snprintf(r->hint, sizeof(r->hint), "the VF is saved (disabled) and its state is in no "
			 "file: resume it to run it again (%s resume %s --vf=%u), or save it again to "
			 "a place with room", c->prog, pf_path(s), r->vf);
	}
	record_saved_file(r, crc, !ret);
out:
	intel_lm_outfile_abort(out);
	/* Freed only once the signal handlers no longer see it. */
	unguard_output();
	intel_lm_outfile_free(out);
	intel_lm_state_give(r->cache, buf, r->size);
}

static void input_failed(const struct cli *c, const struct session *s, struct vf_result *r, int ret)
{
	switch (-ret) {
	case EFBIG:
		fail(r, "check size", ret, "%s holds a state larger than the %u bytes this PF can take "
		     "(%s); nothing was sent\n%s", r->path, pf_limit(s)->max_bytes,
		     limit_words(pf_limit(s)->src), larger_hint(s));
		break;
	case ENODATA:
		if (c->raw) {
			fail(r, "read", ret, "%s is empty: it holds no state; nothing was sent\n"
			     "name the file 'save --raw' wrote", r->path);
			break;
		}
		/* fall through */
	case EILSEQ:
	case EPROTONOSUPPORT:
	case EBADMSG:
	case EPROTO:
	case E2BIG:
		fail(r, "verify", ret, "%s: %s; nothing was sent to the device\n'%s inspect %s' "
		     "shows what the file holds", r->path, blob_words(ret), c->prog,
		     r->path);
		break;
	default:
		fail(r, "read", ret, "cannot read %s: %s (%s)", r->path, strerror(-ret),
		     intel_lm_errno_name(ret));
	}
}

/* Whether @buf (@len bytes) is a whole TP4159 controller state; if not, @why says how not. */
static bool tp_state_whole(const void *buf, uint32_t len, char *why, size_t why_len)
{
	uint32_t size;

	if (len < INTEL_LM_TP_STATE_HDR_LEN) {
		snprintf(why, why_len, "it holds %u bytes, less than the %u-byte header", len,
			 (unsigned int)INTEL_LM_TP_STATE_HDR_LEN);
		return false;
	}
	if (intel_lm_tp_state_size(buf, &size)) {
		snprintf(why, why_len, "its header's sizes (NVMECSS, VSS) overflow 32 bits");
		return false;
	}
	if (size != len) {
		snprintf(why, why_len, "its header says %u bytes, the file holds %u (%+lld)", size,
			 len, (long long)len - size);
		return false;
	}
	return true;
}

/* A blob saved over another protocol or format than this PF's: refused, with why (true). */
static bool proto_refused(const struct cli *c, const struct session *s, struct vf_result *r,
			  const struct intel_lm_blob_hdr *hdr)
{
	char why[512];

	if (!intel_lm_blob_check_proto(hdr, pf_proto(s), why, sizeof(why)))
		return false;
	fail(r, "verify", -EPROTO, "%s cannot be loaded into %s: %s; nothing was sent\n"
	     "load it into a VF of a PF that uses %s (see '%s info'; --protocol chooses "
	     "where a PF offers both)", r->path, pf_path(s), why,
	     intel_lm_protocol_name(hdr->protocol), c->prog);
	return true;
}

static void run_load(const struct cli *c, struct session *s, struct vf_result *r)
{
	struct intel_lm_blob_hdr hdr = { 0 };
	char why[512];
	void *buf = NULL;
	int fd, ret;

	/* Everything about the file is checked before a command reaches the device. */
	fd = open_input(r->path);
	if (fd < 0) {
		input_failed(c, s, r, fd);
		return;
	}
	if (c->raw) {
		ret = intel_lm_raw_read(fd, pf_limit(s)->max_bytes, &buf, &r->size);
	} else {
		ret = intel_lm_blob_read_cached(fd, pf_limit(s)->max_bytes, &hdr, &buf, r->cache);
		r->size = hdr.payload_len;
		r->source_vf = hdr.vf;
	}
	if (fd > STDIN_FILENO)
		close(fd);
	/*
	 * A state in another protocol's format is no state for this PF, whatever its size and
	 * --force: said first, as neither a larger --max-state-size nor --force would load it.
	 */
	if (!c->raw && (!ret || ret == -EFBIG) && proto_refused(c, s, r, &hdr))
		goto out;
	if (ret) {
		input_failed(c, s, r, ret);
		return;
	}
	/* --raw of a blob would hand its header to the device as state. */
	if (c->raw && !intel_lm_blob_decode(buf, r->size, &hdr)) {
		fail(r, "verify", -EINVAL, "%s is an intel-lm state blob, not a raw state: with "
		     "--raw its header would go to the device; nothing was sent\nload it without "
		     "--raw", r->path);
		intel_lm_state_give(r->cache, buf, r->size);
		return;
	}
	/*
	 * A raw state over TP4159 is a controller state, whose header says its size: a file of
	 * another size is cut short (nvme lm migration-recv --output-file writes one dword less
	 * than it reads) or runs on, and the device would find out only once it had it all.
	 */
	if (c->raw && pf_proto(s)->protocol == INTEL_LM_PROTO_TP4159 &&
	    !tp_state_whole(buf, r->size, why, sizeof(why))) {
		fail(r, "verify", -EINVAL, "%s is not a whole TP4159 controller state: %s; nothing "
		     "was sent\na file written by 'nvme lm migration-recv --output-file' lacks the "
		     "last dword it read (nvme-cli 2.13 to 3.0): take the state from its standard "
		     "output with --output-format=binary, or with '%s save --raw'", r->path, why,
		     c->prog);
		goto out;
	}
	if (!c->raw && intel_lm_blob_check_identity(&hdr, pf_info(s), why, sizeof(why))) {
		if (!c->force) {
			fail(r, "verify", -EXDEV, "%s was saved on a different kind of PF: %s; "
			     "nothing was sent\nIntel supports migration only between identical "
			     "devices; --force loads it anyway", r->path, why);
			goto out;
		}
		snprintf(r->hint, sizeof(r->hint), "%s was saved on a different kind of PF (%s); "
			 "loading anyway (--force)", r->path, why);
	}
	/* A state that carries no identity (raw, or saved before identities) gets its bytes'. */
	if (c->raw || !intel_lm_identity_is_set(&hdr.ident))
		intel_lm_identity_derive(&hdr.ident, buf, r->size);
	r->incoming = &hdr.ident;
	send_cmd(c, s, r, INTEL_LM_OPC_LOAD_DATA, buf, r->size);
	r->incoming = NULL;
out:
	intel_lm_state_give(r->cache, buf, r->size);
}

static void print_query(const struct cli *c, const struct session *s, const struct vf_result *r)
{
	c->out->pr->query_size(c, s, r->vf, r->size);
}

static void print_state(const struct cli *c, const struct session *s, const struct vf_result *r)
{
	c->out->pr->vf_done(c, s, r->vf, r->state);
}

static void print_saved(const struct cli *c, const struct session *s, const struct vf_result *r)
{
	if (c->dry_run && session_protocol(s) == INTEL_LM_PROTO_TP4159)
		c->out->pr->note(c, "would send SAVE_DATA (%s) to VF %u, reading the state in "
			    "pieces by offset up to the size its header gives, then write %s",
			    intel_lm_step_command(INTEL_LM_PROTO_TP4159, INTEL_LM_OPC_SAVE_DATA),
			    r->vf, r->path);
	else if (c->dry_run)
		c->out->pr->note(c, "would send SAVE_DATA (opcode 0xd2) to VF %u with the data length "
			    "QUERY_DATA_SIZE returns, then write %s", r->vf, r->path);
	c->out->pr->saved(c, s, r->vf, r->size, r->path, c->raw);
}

static void print_loaded(const struct cli *c, const struct session *s, const struct vf_result *r)
{
	/* A successful load may carry a note (the --force identity override). */
	if (r->hint[0])
		c->out->pr->note(c, "%s", r->hint);
	if (r->source_vf && r->source_vf != r->vf)
		c->out->pr->note(c, "the state was saved from VF %u and goes to VF %u", r->source_vf,
			    r->vf);
	c->out->pr->loaded(c, s, r->vf, r->size, r->path, r->source_vf);
}

static const struct vf_op op_query = { "unchanged", run_query, print_query };
static const struct vf_op op_suspend = { "suspended", run_suspend, print_state };
static const struct vf_op op_resume = { "running", run_resume, print_state };
static const struct vf_op op_save = { "saved", run_save, print_saved };
static const struct vf_op op_load = { "loaded", run_load, print_loaded };

/*
 * suspend and resume of a VF that intel-lm's record shows in the state asked for. The command is
 * sent all the same (the record is intel-lm's memory, not the device's: the VF may have been
 * changed by other means); the answer then says whether anything changed. Under --dry-run the
 * record is only read, and nothing would change.
 */
static bool on_record_as(const struct session *s, const struct cli *c, const struct vf_op *op,
			 const struct vf_result *r)
{
	enum intel_lm_vf_state want = op == &op_suspend ? INTEL_LM_VF_SUSPENDED :
				      INTEL_LM_VF_RUNNING;
	struct intel_lm_rec_entry e;
	char path[INTEL_LM_PATH_MAX];
	int ret;

	if (op != &op_suspend && op != &op_resume)
		return false;
	if (r->rec)
		return r->rec->entry.state == want;
	if (intel_lm_record_path(c->state_dir, pf_key(s), r->vf, path, sizeof(path)))
		return false;
	ret = intel_lm_record_read(path, &e);
	/* No record: intel-lm never changed the VF, which runs as it was created. */
	return ret == -ENOENT ? want == INTEL_LM_VF_RUNNING : !ret && e.state == want;
}

/*
 * A suspend or resume of a VF on record in that state already: a success, or a Command
 * Sequence Error (a device that refuses SUSPEND of a VF not running, RESUME of one not
 * suspended), confirms the record, and nothing changed.
 */
static void settle_again(const struct vf_op *op, struct vf_result *r)
{
	bool seq_error = r->device_error && r->ret > 0 && (r->ret & 0x7ff) == 0x00c;

	if (r->ret && !seq_error)
		return;
	r->again = true;
	r->again_status = r->ret;
	r->ret = 0;
	r->op = NULL;
	r->device_error = false;
	r->msg[0] = r->hint[0] = '\0';
	r->state = op->done;
}

static void run_job(const struct cli *c, struct session *s, const struct vf_op *op,
		    struct vf_result *r, bool batch)
{
	struct intel_lm_lock *lk = NULL;
	struct intel_lm_rec_entry *e;
	bool again;

	r->state = "unchanged";
	r->claim = NULL;
	if (op != &op_query && !c->dry_run) {
		/* A state-changing command: the VF's lock and record, from libintel-lm. */
		if (claim_vf(c, s, r, batch ? INTEL_LM_OP_BATCH : INTEL_LM_OP_SINGLE, NULL,
			     op == &op_save && strcmp(r->path, "-") ? r->path : NULL, &r->claim))
			return;
		r->rec = intel_lm_claim_record(r->claim);
		e = &r->rec->entry;
		/* Open until its last write; save closes it once the file is whole. */
		e->op_open = op == &op_save;
		e->op_id[0] = '\0';
		e->role = INTEL_LM_ROLE_NONE;
		e->peer_vf = 0;
		e->tmp_file[0] = '\0';
	} else if (lock_vf(c, s, r, NULL, &lk)) {
		return;
	}
	/* --force reports the device's answer as it is. */
	again = !c->force && on_record_as(s, c, op, r);
	if (again && c->dry_run) {
		r->state = op->done;
		r->again = true;
		goto out;
	}
	op->run(c, s, r);
	if (again)
		settle_again(op, r);
	if (!r->ret && !r->rec)
		r->state = op->done;
	/* Changed: it succeeded, or a command whose effect is unknown may have changed it. */
	r->changed = op != &op_query && !r->again &&
		     (!r->ret || (r->sent && intel_lm_effect_of(r->ret) == INTEL_LM_EFFECT_UNKNOWN));
out:
	r->rec = NULL;
	/* In a batch the outcome is made durable behind the next VFs, before the report. */
	intel_lm_claim_release_later(r->claim, &r->record_err);
	r->claim = NULL;
	intel_lm_unlock_vf(lk);
}

struct batch {
	const struct cli *c;
	struct session *s;
	const struct vf_op *op;
	struct vf_result *results;
	size_t n;
	/* Each thread's state buffer, kept from one VF to the next (no munmap(2) between). */
	struct intel_lm_state_cache caches[MAX_JOBS];
};

static void batch_run(void *arg, size_t i, unsigned int worker)
{
	struct batch *b = arg;
	struct vf_result *r = &b->results[i];

	r->cache = &b->caches[worker];
	run_job(b->c, b->s, b->op, r, true);
	r->cache = NULL;
}

/* After a signal no new job starts: the jobs under way finish. */
static void batch_skip(void *arg, size_t i, int sig)
{
	struct vf_result *r = &((struct batch *)arg)->results[i];

	r->state = "unchanged";
	fail(r, "start", -ECANCELED, "not started: interrupted by %s", signal_name(sig));
}

/* The file of VF @vf in a batch directory: DIR/vfN.blob, or DIR/vfN.bin for --raw. */
static void batch_path(const struct cli *c, const char *dir, uint16_t vf, char *path,
		       size_t len)
{
	if (snprintf(path, len, "%s/vf%u.%s", dir, vf, c->raw ? "bin" : "blob") >= (int)len)
		path[0] = '\0';
}

/* Before any command: the batch directory exists (save creates it, 0700) and no file in it
 * would be replaced without --force. */
static int batch_prepare_files(const struct cli *c, const struct session *s, struct batch *b)
{
	const char *dir = c->cmd->run == cmd_save ? c->output_file : c->input_file;
	char msg[512], hint[256];
	struct stat st;
	size_t i;
	int ret;

	if (!strcmp(dir, "-"))
		return report(c, s, -1, c->cmd->name, -EINVAL, "several VFs cannot share standard "
			      "%s\nname a directory: one file per VF, vfN.%s",
			      c->cmd->run == cmd_save ? "output" : "input", c->raw ? "bin" : "blob");
	if (c->cmd->run == cmd_save && !c->dry_run && mkdir(dir, 0700) < 0 && errno != EEXIST)
		return report(c, s, -1, c->cmd->name, -errno, "cannot create the directory %s: "
			      "%s\ncheck the permissions of its parent", dir, strerror(errno));
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return report(c, s, -1, c->cmd->name, -ENOTDIR, "%s is not a directory\nwith "
			      "several VFs, name a directory holding one file per VF (vfN.%s)", dir,
			      c->raw ? "bin" : "blob");
	for (i = 0; i < b->n; i++) {
		batch_path(c, dir, b->results[i].vf, b->results[i].path,
			   sizeof(b->results[i].path));
		if (c->cmd->run == cmd_save &&
		    (ret = record_path_check("the output file", b->results[i].path, true, msg,
					     sizeof(msg), hint, sizeof(hint))))
			return report(c, s, b->results[i].vf, "check --output-file", ret, "%s\n%s",
				      msg, hint);
		if (c->cmd->run != cmd_save || c->dry_run)
			continue;
		ret = intel_lm_outfile_check(b->results[i].path, c->force);
		if (ret == -EEXIST)
			return report(c, s, b->results[i].vf, c->cmd->name, ret, "%s exists; "
				      "nothing was sent\nchoose another directory, or add --force to "
				      "replace the files", b->results[i].path);
		if (ret)
			return report(c, s, b->results[i].vf, c->cmd->name, ret, "cannot write "
				      "%s: %s; nothing was sent", b->results[i].path, strerror(-ret));
	}
	return 0;
}

/*
 * A command whose outcome could not be put on record: its effect stands, the record lags. The
 * settling command is one recover takes: --confirm says whether the VF runs (running or
 * suspended), not what intel-lm did to it (saved and loaded are suspended VFs).
 */
static void record_warning(const struct cli *c, const struct session *s, const struct vf_result *r)
{
	const char *confirm = !strcmp(r->state, "running") ? "running" :
			      !strcmp(r->state, "suspended") || !strcmp(r->state, "saved") ||
			      !strcmp(r->state, "loaded") ? "suspended" : "running|suspended";

	if (r->record_err)
		c->out->pr->note(c, "%s VF %u: the command's outcome could not be put on record (%s); "
			    "the record may still show the command in flight, its effect unknown "
			    "(never a state the VF no longer has): '%s status %s --vf=%u' shows "
			    "it, and if it says unknown, '%s recover %s --vf=%u --confirm=%s' "
			    "settles it", pf_path(s), r->vf, intel_lm_errno_name(r->record_err),
			    c->prog, pf_path(s), r->vf, c->prog, pf_path(s), r->vf, confirm);
}

/*
 * The scan cache of a command that asks the rule (a load, or a batch of resumes; not with
 * --force), read in a thread of its own while the PF answers Identify: reading every record is
 * then the device's time, not the command's.
 */
struct warm {
	struct intel_lm_scan *scan;
	pthread_t thread;
	bool running;
};

/* Read, watched from the start: how many VFs ask the rule is known once the PF is. */
static void *warm_run(void *scan)
{
	intel_lm_scan_expect(scan, ULONG_MAX);
	return NULL;
}

static void warm_start(struct warm *w, const struct cli *c)
{
	if (intel_lm_scan_new(c->state_dir, &w->scan))
		w->scan = NULL;
	else
		w->running = !pthread_create(&w->thread, NULL, warm_run, w->scan);
}

/* The cache, read or not (NULL: none could be had); @w gives it up. */
static struct intel_lm_scan *warm_end(struct warm *w)
{
	struct intel_lm_scan *scan = w->scan;

	if (w->running)
		pthread_join(w->thread, NULL);
	w->running = false;
	w->scan = NULL;
	return scan;
}

/* warm_end(), the cache told that @scans rule checks are to come (see intel_lm_scan_expect()). */
static struct intel_lm_scan *warm_take(struct warm *w, unsigned long scans)
{
	struct intel_lm_scan *scan = warm_end(w);

	if (scan)
		intel_lm_scan_expect(scan, scans);
	return scan;
}

static int run_vf_op(const struct cli *c, const struct vf_op *op)
{
	struct batch b = { .c = c, .op = op };
	struct warm warm = { 0 };
	struct session s;
	const char *bad;
	char valid[256], msg[512], hint[256];
	uint16_t *vfs = NULL;
	size_t i;
	int ret;

	/* A state-changing command says whether it changed anything, also when refused. */
	if (op != &op_query)
		c->out->changed = 0;
	/* A single output file is refused before anything reaches the device. */
	if (op == &op_save && !c->vf_list) {
		ret = intel_lm_outfile_check(c->output_file, c->force);
		if (ret) {
			struct vf_result r = { .vf = c->vf };

			snprintf(r.path, sizeof(r.path), "%s", c->output_file);
			output_failed(&r, "save", ret);
			return report(c, NULL, -1, r.op, r.ret, "%s\n%s", r.msg, r.hint);
		}
		ret = record_path_check("the output file", c->output_file, true, msg, sizeof(msg),
					hint, sizeof(hint));
		if (ret)
			return report(c, NULL, -1, "check --output-file", ret, "%s\n%s", msg, hint);
	}

	/*
	 * The batch's descriptors (records, locks, files, the late fdatasyncs') fit in the table
	 * before its threads start: each growth after would wait for RCU.
	 */
	if (c->vf_list)
		intel_lm_fd_room(256 + 4 * (unsigned long)c->jobs);
	/* A single resume asks the rule only of some VFs: most would not use the cache. */
	if ((op == &op_load || (op == &op_resume && c->vf_list)) && !c->force && !c->dry_run)
		warm_start(&warm, c);
	ret = session_open(c, c->device, &s);
	if (!ret)
		ret = session_need_vf(c, &s);
	if (ret)
		goto out;

	ret = intel_lm_vf_select(c->vf_arg, pf_vfs(&s), &vfs, &b.n, &bad);
	if (ret || !b.n) {
		intel_lm_vf_list_format(pf_vfs(&s), valid, sizeof(valid));
		if (ret == -ENOENT)
			ret = report(c, &s, vfs[0], "check --vf", ret, "VF %u is not a VF of this "
				     "PF; this PF's VFs are: %s\nname only VFs it has (see '%s info "
				     "%s')", vfs[0], valid, c->prog, pf_path(&s));
		else
			ret = report(c, &s, -1, "check --vf", ret ? ret : -ENOENT, "--vf=%s %s; "
				     "this PF's VFs are: %s\nuse VF indexes (1 to 65535), ranges "
				     "(5-8), lists (1,3,5-8) or all", c->vf_arg, ret ? "is malformed" :
				     "names no VF", valid);
		goto out;
	}
	b.s = &s;
	b.results = malloc(b.n * sizeof(*b.results));
	if (!b.results) {
		ret = report(c, &s, -1, c->cmd->name, -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < b.n; i++) {
		/* All but the path, which is written before it is read. */
		memset(&b.results[i], 0, offsetof(struct vf_result, path));
		b.results[i].path[0] = '\0';
		b.results[i].vf = vfs[i];
	}

	if (!c->vf_list) {
		struct vf_result *r = &b.results[0];

		snprintf(r->path, sizeof(r->path), "%s", op == &op_save ? c->output_file :
			 op == &op_load ? c->input_file : "");
		if (op != &op_query)
			defer_signals();
		s.scan = warm_take(&warm, 1);
		run_job(c, &s, op, r, false);
		intel_lm_scan_free(s.scan);
		s.scan = NULL;
		record_warning(c, &s, r);
		if (op != &op_query)
			c->out->changed = r->changed;
		if (r->ret) {
			c->out->pr->vf_failed(c, &s, r);
			ret = exit_for_result(r);
		} else {
			if (r->again && c->dry_run)
				c->out->pr->note(c, "%s VF %u is %s on intel-lm's record: %s would "
					    "change nothing", pf_path(&s), r->vf, r->state, c->cmd->name);
			else if (r->again && r->again_status)
				c->out->pr->note(c, "%s VF %u was %s on intel-lm's record already; the "
					    "device answered %s with Command Sequence Error (0x%04x), as "
					    "it does for a VF in that state: nothing changed", pf_path(&s),
					    r->vf, r->state, intel_lm_opcode_name(op == &op_suspend ?
					    INTEL_LM_OPC_SUSPEND : INTEL_LM_OPC_RESUME), r->again_status);
			else if (r->again)
				c->out->pr->note(c, "%s VF %u was %s on intel-lm's record already; %s "
					    "was sent all the same and the device accepted it", pf_path(&s),
					    r->vf, r->state, intel_lm_opcode_name(op == &op_suspend ?
					    INTEL_LM_OPC_SUSPEND : INTEL_LM_OPC_RESUME));
			op->print(c, &s, r);
			ret = EXIT_OK;
		}
		if (!r->ret && signal_caught())
			c->out->pr->note(c, "%s arrived while %s was under way; it completed first, so "
				    "nothing is half done", signal_name(signal_caught()),
				    c->cmd->name);
		goto out;
	}

	if ((op == &op_save || op == &op_load) && (ret = batch_prepare_files(c, &s, &b)))
		goto out;
	defer_signals();
	/*
	 * Each VF's outcome is written at once and made durable by these threads while the job
	 * goes on to its next VF: one fdatasync per VF in a job's path (its intent's), not two or
	 * three. Nothing is reported before every one of them is done.
	 *
	 * The rule's scans of the record under the identities' lock, one per RESUME or
	 * LOAD_DATA, share what they read (the warm cache): a record unchanged since the last
	 * scan is not read again.
	 */
	if (op != &op_query && !c->dry_run && intel_lm_syncs_new(c->jobs, &s.syncs))
		s.syncs = NULL;
	s.scan = warm_take(&warm, b.n);
	run_jobs(c->jobs, b.n, batch_run, batch_skip, &b);
	for (i = 0; i < MAX_JOBS; i++)
		intel_lm_state_cache_free(&b.caches[i]);
	intel_lm_scan_free(s.scan);
	s.scan = NULL;
	intel_lm_syncs_wait(s.syncs);
	s.syncs = NULL;
	if (op != &op_query) {
		c->out->changed = 0;
		for (i = 0; i < b.n; i++)
			c->out->changed |= b.results[i].changed;
	}
	c->out->pr->batch(c, &s, b.results, b.n);
	for (i = 0; i < b.n; i++)
		record_warning(c, &s, &b.results[i]);
	/* A signal that stopped work shows in the status; one that came after it does not. */
	ret = exit_for_batch(b.results, b.n);
out:
	intel_lm_scan_free(warm_end(&warm));
	free(b.results);
	free(vfs);
	session_close(&s);
	return ret;
}

int cmd_query_size(const struct cli *c)
{
	return run_vf_op(c, &op_query);
}

int cmd_suspend(const struct cli *c)
{
	return run_vf_op(c, &op_suspend);
}

int cmd_resume(const struct cli *c)
{
	return run_vf_op(c, &op_resume);
}

int cmd_save(const struct cli *c)
{
	return run_vf_op(c, &op_save);
}

int cmd_load(const struct cli *c)
{
	return run_vf_op(c, &op_load);
}
