// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * migrate: the whole cold migration of one VF, or of several pairs of VFs (--vf=LIST
 * --to-vf=LIST, or all) on --jobs threads, each pair on its own: its locks, records, keep file,
 * steps, rollback and report. Everything that can be checked is checked before a source VF is
 * suspended (both PFs, the VFs, their kinship, the locks, where the state will be kept), so
 * that the downtime holds only the migration's own steps. The library runs the steps and rolls
 * back; this file reports.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli-priv.h"

struct keeper {
	const struct session *src;
	uint16_t vf;
	const char *path;
	const struct intel_lm_identity *ident;	/* the state's, from the source's record */
	struct intel_lm_outfile *out;	/* opened before the source is suspended */
	bool written;
};

static int keep_state(void *priv, const void *state, uint32_t len)
{
	struct keeper *k = priv;
	int ret = intel_lm_blob_write_proto(k->out, pf_info(k->src), pf_proto(k->src), k->vf,
					    k->ident, state, len, NULL);

	k->written = !ret;
	return ret;
}

static int keep_reserve(void *priv, uint32_t len)
{
	struct keeper *k = priv;

	return intel_lm_outfile_reserve(k->out, INTEL_LM_BLOB_HDR_LEN + (size_t)len);
}

static bool interrupted(void *priv)
{
	(void)priv;
	return signal_caught() != 0;
}

/* A Command Sequence Error (SCT 0h, SC 0Ch), with or without DNR and More. */
static bool seq_error(int ret)
{
	return ret > 0 && (ret & 0x7ff) == 0x0c;
}

/* Whether intel-lm's record showed the source suspended before migrate started. */
static bool src_suspended_before(const struct mig_report *r)
{
	return r->src_before && !strcmp(r->src_before,
					intel_lm_vf_state_name(INTEL_LM_VF_SUSPENDED));
}

/* Where the source stands after a failure that left nothing in doubt, for the hints. */
static const char *src_words(const struct intel_lm_mig_outcome *m)
{
	return m->src_resumed ? "the source runs again" : "the source was never stopped";
}

/* The rollback, in words, with its own decoded status or errno. */
static void describe_rollback(struct mig_report *r)
{
	const struct intel_lm_mig_outcome *m = r->m;
	char why[256];

	if (m->rollback_skipped) {
		snprintf(r->rollback, sizeof(r->rollback), "the source VF %u of %s was left "
			 "suspended, because the destination may be running and two running copies "
			 "must never exist", r->src_vf, pf_path(r->src));
	} else if (m->failed == INTEL_LM_MIG_DST_SUSPEND) {
		snprintf(r->rollback, sizeof(r->rollback), "nothing was sent to the source VF %u of "
			 "%s", r->src_vf, pf_path(r->src));
	} else if (m->rollback_unrecorded) {
		/* Its intent could not be written: no command is sent that cannot be recorded. */
		snprintf(r->rollback, sizeof(r->rollback), "the source VF %u of %s was NOT resumed: "
			 "its RESUME could not be put on record (%s), and intel-lm sends no command "
			 "it cannot record; it stays suspended, its state in %s", r->src_vf,
			 pf_path(r->src), intel_lm_errno_name(m->rollback_ret),
			 r->kept ? r->kept : "the VF only (no copy was written)");
	} else if (!m->rollback_sent && m->failed == INTEL_LM_MIG_SRC_SUSPEND &&
		   src_suspended_before(r)) {
		snprintf(r->rollback, sizeof(r->rollback), "the source VF %u of %s, suspended on "
			 "record before migrate started, refused migrate's SUSPEND and is left as "
			 "it was: nothing was sent to resume it", r->src_vf, pf_path(r->src));
	} else if (!m->rollback_sent) {
		snprintf(r->rollback, sizeof(r->rollback), "the source VF %u of %s was never "
			 "suspended, so nothing was sent to resume it", r->src_vf, pf_path(r->src));
	} else if (m->src_resumed) {
		snprintf(r->rollback, sizeof(r->rollback), "the source VF %u of %s was resumed",
			 r->src_vf, pf_path(r->src));
	} else {
		intel_lm_step_strerror(m->rollback_ret, session_protocol(r->src),
				       INTEL_LM_OPC_RESUME, why, sizeof(why));
		snprintf(r->rollback, sizeof(r->rollback), "the source VF %u of %s could NOT be "
			 "resumed: %s", r->src_vf, pf_path(r->src), why);
	}
}

/*
 * A SUSPEND refused as out of sequence: it was sent because the record said running (or
 * unknown), so something intel-lm did not record may have suspended the VF, or left a state in
 * it that runs in another VF. Resuming it to get past this could run a second copy: the hint
 * says so, and never "fix what its status names".
 */
static bool seq_error_hint(const struct cli *c, struct mig_report *r)
{
	const struct intel_lm_mig_outcome *m = r->m;
	bool dst = r->failed == INTEL_LM_MIG_DST_SUSPEND;
	const char *dev = dst ? pf_path(r->dst) : pf_path(r->src);
	unsigned int vf = dst ? r->dst_vf : r->src_vf;

	if ((!dst && r->failed != INTEL_LM_MIG_SRC_SUSPEND) || !seq_error(m->ret))
		return false;
	if (!dst && src_suspended_before(r)) {
		/* Suspended on record: migrate suspends its source all the same (see the plan). */
		snprintf(r->hint, sizeof(r->hint), "nothing was sent to resume the source; VF %u "
			 "of %s is suspended on intel-lm's record and refused a second SUSPEND; "
			 "migrate suspends its source itself, since a VF suspended on record may "
			 "hold a state loaded into it; '%s status %s --vf=%u' shows what intel-lm "
			 "did to it last: only if it holds its own state, resume it ('%s resume %s "
			 "--vf=%u') and run migrate again; never resume it if it may hold a state "
			 "that runs in another VF", vf, dev, c->prog, dev, vf, c->prog, dev, vf);
		return true;
	}
	snprintf(r->hint, sizeof(r->hint), "%s; VF %u of %s refused the SUSPEND as out of "
		 "sequence although intel-lm's record says it is %s: something intel-lm did "
		 "not record may have suspended it, or left a state in it; do not resume it to "
		 "get past this (if it holds a state that runs in another VF, that would run a "
		 "second copy); find out what it holds ('%s status %s --vf=%u' shows what "
		 "intel-lm knows)%s", dst ? src_words(m) : "nothing was sent to resume the source",
		 vf, dev, dst ? r->dst_before : r->src_before, c->prog, dev, vf,
		 dst ? ", or name another destination VF with --to-vf" : "");
	return true;
}

/*
 * After a failure that the rollback undid (the source runs again, or was never stopped): what to
 * fix before running migrate again. Never the one-VF commands' advice, which assumes the user
 * suspended the VF and resumes it.
 */
static void migrate_again_hint(const struct cli *c, struct mig_report *r)
{
	const struct intel_lm_mig_outcome *m = r->m;
	const char *src = src_words(m);
	bool dst = mig_step_on_dst(r->failed);
	const char *dev = dst ? pf_path(r->dst) : pf_path(r->src);
	unsigned int vf = dst ? r->dst_vf : r->src_vf;

	if (seq_error_hint(c, r))
		return;
	if (m->record_ret && m->ret == m->record_ret && m->effect == INTEL_LM_EFFECT_NONE) {
		char fix[1024];

		record_fix_hint(c, m->record_ret, fix, sizeof(fix));
		snprintf(r->hint, sizeof(r->hint), "%s; make the record writable: %s; then run "
			 "migrate again", src, fix);
	}
	else if (!strcmp(r->op, "write"))
		snprintf(r->hint, sizeof(r->hint), "%s; make room for the state's copy or name "
			 "another place with --keep=FILE, then run migrate again", src);
	else if (m->ret == -EFBIG && m->size <= INTEL_LM_KERNEL_MAX_XFER)
		snprintf(r->hint, sizeof(r->hint), "%s; if a state of %u bytes is expected, run "
			 "migrate again with --max-state-size=%u", src, m->size, m->size);
	/* Over TP4159 only --max-state-size caps a state, which moves in pieces. */
	else if (m->ret == -EFBIG && pf_proto(r->src)->protocol == INTEL_LM_PROTO_TP4159 &&
		 pf_proto(r->dst)->protocol == INTEL_LM_PROTO_TP4159)
		snprintf(r->hint, sizeof(r->hint), "%s; NVMe TP4159 moves a state of any size in "
			 "pieces: if a state of %u bytes is expected, run migrate again without "
			 "--max-state-size", src, m->size);
	else if (m->ret == -EFBIG || m->ret == -ENODATA)
		snprintf(r->hint, sizeof(r->hint), "%s; the device reported a state size that "
			 "cannot be moved (see above): check the VF with '%s info %s'", src, c->prog,
			 pf_path(r->src));
	else if (m->effect == INTEL_LM_EFFECT_UNKNOWN)
		snprintf(r->hint, sizeof(r->hint), "%s; whether the %s reached VF %u of %s is "
			 "unknown: '%s status %s --vf=%u' shows what intel-lm knows; run migrate "
			 "again once the cause (a timeout, a controller reset) is fixed", src,
			 intel_lm_mig_step_name(r->failed), vf, dev, c->prog, dev, vf);
	else
		snprintf(r->hint, sizeof(r->hint), "%s; VF %u of %s refused the %s: fix what its "
			 "status names, then run migrate again", src, vf, dev,
			 intel_lm_mig_step_name(r->failed));
}

const char *mig_step_outcome(const struct mig_report *r, enum intel_lm_mig_step st)
{
	if (r->m && (r->m->skipped & (1U << st)) && (r->failed == INTEL_LM_MIG_NO_STEP ||
							   st < r->failed))
		return "skipped";
	/* Traced, never sent: not "ok", which says the device did it. */
	if (r->dry_run && (r->failed == INTEL_LM_MIG_NO_STEP || st < r->failed))
		return "would run";
	/*
	 * Shown failed later than the library stopped (no room for the state's copy, found
	 * at the size query, is the keep step's failure): the steps between were never sent.
	 */
	if (r->m && r->m->failed != INTEL_LM_MIG_NO_STEP && st > r->m->failed && st < r->failed)
		return "not run";
	if (r->failed == INTEL_LM_MIG_NO_STEP || st < r->failed)
		return "ok";
	return st == r->failed && r->failed_ran ? "failed" : "not run";
}

bool mig_step_timed(const char *outcome)
{
	return strcmp(outcome, "not run") && strcmp(outcome, "would run");
}

static void describe_failure(const struct cli *c, struct mig_report *r, const struct keeper *k)
{
	const struct intel_lm_mig_outcome *m = r->m;
	uint8_t opc = intel_lm_mig_step_opcode(m->failed);
	const struct session *on = mig_step_on_dst(m->failed) ? r->dst : r->src;
	char what[INTEL_LM_PATH_MAX + 512], kept[PATH_MAX + 64] = "";

	/* What failed, as the one-VF commands name it: the command, else the file or record. */
	r->op = opc ? intel_lm_opcode_name(opc) : "write";
	if (m->ret == -ECANCELED)
		r->op = "migrate";
	else if (m->reason)
		r->op = "check state";
	else if (m->record_ret && m->ret == m->record_ret && m->effect == INTEL_LM_EFFECT_NONE)
		r->op = "write record";
	else if (m->ret == -ENODATA || m->ret == -EFBIG)
		r->op = "check size";
	else if (m->failed == INTEL_LM_MIG_SRC_QUERY && m->size && m->ret < 0)
		r->op = "write";
	/* The device gave the size; making room for its copy is the keep step's. */
	if (!strcmp(r->op, "write"))
		r->failed = INTEL_LM_MIG_KEEP;
	/* Stopped before the step, or its command could not be put on record: never sent. */
	if (m->ret == -ECANCELED || m->reason || !strcmp(r->op, "write record"))
		r->failed_ran = false;

	if (m->ret == -ECANCELED)
		snprintf(what, sizeof(what), "interrupted by %s before the %s",
			 signal_name(signal_caught()), intel_lm_mig_step_name(m->failed));
	else if (m->reason) {
		struct intel_lm_verdict v;
		char here[128], words[INTEL_LM_PATH_MAX + 256];

		mig_verdict(m, &v);
		snprintf(here, sizeof(here), "%s VF %u", pf_path(r->dst), r->dst_vf);
		rule_words(&v, here, words, sizeof(words));
		snprintf(what, sizeof(what), "the one rule, asked again with the %s, refused it: %s "
			 "(%s; another command changed where the state's copies are since the "
			 "migration started), so it was not sent", intel_lm_mig_step_name(m->failed),
			 words, intel_lm_reason_name(m->reason));
	}
	else if (m->record_ret && m->ret == m->record_ret && m->effect == INTEL_LM_EFFECT_NONE)
		snprintf(what, sizeof(what), "cannot put the %s on record: %s (%s), so it was not "
			 "sent", intel_lm_mig_step_name(m->failed), strerror(-m->ret),
			 intel_lm_errno_name(m->ret));
	else if (m->failed == INTEL_LM_MIG_KEEP)
		snprintf(what, sizeof(what), "cannot keep the state in %s: %s (%s)", k->path,
			 strerror(-m->ret), intel_lm_errno_name(m->ret));
	else if (m->failed == INTEL_LM_MIG_SRC_QUERY && m->size && m->ret < 0 &&
		 m->ret != -EFBIG && m->ret != -ENODATA)
		snprintf(what, sizeof(what), "cannot make room for the state's copy in %s: %s (%s); "
			 "SAVE_DATA was not sent", k->path, strerror(-m->ret),
			 intel_lm_errno_name(m->ret));
	else if (m->ret == -ENODATA || m->ret == -EFBIG)
		snprintf(what, sizeof(what), "the state size %u bytes is %s (limit %u bytes: %s)",
			 m->size, m->ret == -ENODATA ? "zero" : "too large", r->limit.max_bytes,
			 limit_words(r->limit.src));
	else
		intel_lm_step_strerror(m->ret, session_protocol(on), opc, what, sizeof(what));
	/* A command failed: over TP4159, the one that carried the step is named too. */
	if (opc && r->op == intel_lm_opcode_name(opc))
		r->command = intel_lm_step_command(session_protocol(on), opc);

	if (r->kept)
		snprintf(kept, sizeof(kept), "; the saved state is kept in %s", r->kept);
	snprintf(r->msg, sizeof(r->msg), "%s; %s; the destination VF %u of %s is %s%s", what,
		 r->rollback, r->dst_vf, pf_path(r->dst), r->dst_state, kept);

	if (m->rollback_skipped)
		snprintf(r->hint, sizeof(r->hint), "find out whether the destination VF %u of %s "
			 "runs; then settle it with '%s recover %s --vf=%u --confirm=running' (it "
			 "runs: the migration is done) or '--confirm=suspended' (it does not: recover "
			 "resumes the source)", r->dst_vf, pf_path(r->dst), c->prog,
			 pf_path(r->dst), r->dst_vf);
	else if (m->rollback_unrecorded)
		snprintf(r->hint, sizeof(r->hint), "make the record writable (root's own "
			 "directory %s, mode 0700); then '%s recover %s --vf=%u' resumes the source; "
			 "then run migrate again", c->state_dir ? c->state_dir : INTEL_LM_STATE_DIR,
			 c->prog, pf_path(r->src), r->src_vf);
	else if (m->rollback_sent && !m->src_resumed)
		snprintf(r->hint, sizeof(r->hint), "the source is not running: '%s recover %s "
			 "--vf=%u' tries again once the cause is fixed", c->prog, pf_path(r->src),
			 r->src_vf);
	else if (m->failed == INTEL_LM_MIG_DST_LOAD && strcmp(r->op, "write record"))
		snprintf(r->hint, sizeof(r->hint), "%s; fix the cause and run migrate again; do not "
			 "resume the destination VF %u of %s into a guest: it holds no usable state",
			 src_words(m),
			 r->dst_vf, pf_path(r->dst));
	else if (m->failed == INTEL_LM_MIG_DST_RESUME && strcmp(r->op, "write record"))
		snprintf(r->hint, sizeof(r->hint), "the source runs again; run migrate again once "
			 "the destination can be resumed");
	else if (m->ret == -ECANCELED)
		snprintf(r->hint, sizeof(r->hint), "%s; run migrate again when you are ready",
			 src_words(m));
	else
		migrate_again_hint(c, r);
}

/*
 * The exit status of a failed migration: a signal that stopped it; a VF whose state is in
 * doubt (a step or the rollback with an unknown effect, or the source deliberately left
 * suspended); the device's refusal; else failed.
 */
static int mig_exit(const struct intel_lm_mig_outcome *m)
{
	if (m->ret == -ECANCELED && signal_caught())
		return 128 + signal_caught();
	if (m->rollback_skipped || m->effect == INTEL_LM_EFFECT_UNKNOWN || m->rollback_unrecorded ||
	    (m->rollback_ret && exit_for_cmd(INTEL_LM_OPC_RESUME, m->rollback_ret) == EXIT_UNKNOWN))
		return EXIT_UNKNOWN;
	/* The one rule refused a step and the source runs again, as before: a refusal. */
	if (m->reason && m->src_resumed)
		return EXIT_REFUSED;
	if (m->failed != INTEL_LM_MIG_KEEP && m->ret > 0)
		return EXIT_DEVICE;
	return EXIT_FAILED;
}

/*
 * Whether a VF list is written in ascending order, as pairs are made in that order. The end of
 * a range may equal its start ("3-3" is VF 3).
 */
bool vf_list_ascending(const char *arg)
{
	unsigned long last = 0, v;
	bool range_end = false;
	char *end;

	while (*arg >= '0' && *arg <= '9') {
		v = strtoul(arg, &end, 10);
		if (last && (range_end ? v < last : v <= last))
			return false;
		last = v;
		range_end = *end == '-';
		arg = *end == '-' || *end == ',' ? end + 1 : end;
	}
	return true;
}

/* The VF pairs: --vf and --to-vf (or the same VF numbers) on each PF; 0 or an exit status. */
static int select_pairs(const struct cli *c, const struct session *src, const struct session *dst,
			struct mig_job **jobs, size_t *n)
{
	uint16_t *svf = NULL, *dvf = NULL;
	const char *bad, *arg = c->to_vf_arg ? c->to_vf_arg : c->vf_arg;
	size_t i, dn = 0;
	char valid[256];
	int ret;

	if (!vf_list_ascending(c->vf_arg) || !vf_list_ascending(arg)) {
		ret = report(c, src, -1, "check --vf", -EINVAL, "--vf=%s --to-vf=%s: write both "
			     "lists in ascending order\nthe lowest source VF goes to the lowest "
			     "destination VF, the next to the next, and so on", c->vf_arg, arg);
		goto out;
	}
	ret = intel_lm_vf_select(c->vf_arg, pf_vfs(src), &svf, n, &bad);
	if (ret || !*n) {
		intel_lm_vf_list_format(pf_vfs(src), valid, sizeof(valid));
		ret = report(c, src, -1, "check --vf", ret ? ret : -ENOENT, "--vf=%s %s; this "
			     "PF's VFs are: %s\nname only VFs it has (see '%s info %s')", c->vf_arg,
			     ret == -ENOENT ? "names a VF it does not have" : ret ? "is malformed" :
			     "names no VF", valid, c->prog, pf_path(src));
		goto out;
	}
	ret = intel_lm_vf_select(arg, pf_vfs(dst), &dvf, &dn, &bad);
	if (ret == -ENOENT && !c->vf_list && !c->to_vf_list) {
		intel_lm_vf_list_format(pf_vfs(dst), valid, sizeof(valid));
		ret = report(c, dst, c->to_vf, "check --to-vf", ret, "VF %u is not a VF of %s; its "
			     "VFs are: %s\nname one of them with --to-vf", c->to_vf, pf_path(dst),
			     valid);
		goto out;
	}
	if (ret || dn != *n) {
		intel_lm_vf_list_format(pf_vfs(dst), valid, sizeof(valid));
		if (!c->to_vf_arg)
			ret = report(c, dst, -1, "check --to-vf", ret ? ret : -EINVAL, "without "
				     "--to-vf the destination VFs are those of --vf, %s, but %s does "
				     "not have them all; its VFs are: %s\nname the destination VFs "
				     "with --to-vf (as many as --vf names)", arg, pf_path(dst), valid);
		else
			ret = report(c, dst, -1, "check --to-vf", ret ? ret : -EINVAL, "--to-vf=%s "
				     "%s; %s's VFs are: %s\nname as many destination VFs with --to-vf "
				     "as --vf names sources (the lowest goes to the lowest, and so on)",
				     arg, ret == -ENOENT ? "names a VF it does not have" : ret ?
				     "is malformed" : "names another number of VFs than --vf",
				     pf_path(dst), valid);
		goto out;
	}
	*jobs = calloc(*n, sizeof(**jobs));
	if (!*jobs) {
		ret = report(c, src, -1, "migrate", -ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < *n; i++) {
		(*jobs)[i].r.src_vf = svf[i];
		(*jobs)[i].r.dst_vf = dvf[i];
		if (!strcmp(pf_info(src)->sn, pf_info(dst)->sn) && svf[i] == dvf[i]) {
			ret = report(c, src, svf[i], "migrate", -EINVAL, "the source and the "
				     "destination are the same VF\nname another destination with --to "
				     "or --to-vf");
			goto out;
		}
	}
out:
	free(svf);
	free(dvf);
	if (ret || !*jobs) {
		free(*jobs);
		*jobs = NULL;
		*n = 0;
		return ret ? ret : EXIT_FAILED;
	}
	return 0;
}

/* Where a pair's state is kept while it runs: --keep (a directory for several), or TMPDIR. */
static void keep_path(const struct cli *c, const struct session *src, bool batch,
		      struct mig_job *j)
{
	const char *tmpdir = getenv("TMPDIR");
	int n;

	if (c->keep && batch)
		n = snprintf(j->keep, sizeof(j->keep), "%s/vf%u.blob", c->keep, j->r.src_vf);
	else if (c->keep)
		n = snprintf(j->keep, sizeof(j->keep), "%s", c->keep);
	else
		n = snprintf(j->keep, sizeof(j->keep), "%s/intel-lm-migrate-%s-vf%u-%lld-%d.blob",
			     tmpdir && *tmpdir ? tmpdir : "/var/tmp", pf_key(src), j->r.src_vf,
			     (long long)time(NULL), (int)getpid());
	if (n < 0 || n >= (int)sizeof(j->keep))
		j->keep[0] = '\0';
}

/*
 * A VF's entry as its record has it, read only (a dry run opens no record): a running VF's when
 * there is none, an unknown one's when it cannot be read.
 */
void peek_entry(const struct cli *c, const struct session *s, uint16_t vf,
		struct intel_lm_rec_entry *e)
{
	char path[4096];
	int ret;

	ret = intel_lm_record_path(c->state_dir, pf_key(s), vf, path, sizeof(path));
	if (!ret)
		ret = intel_lm_record_read(path, e);
	if (ret) {
		memset(e, 0, sizeof(*e));
		e->state = ret == -ENOENT ? INTEL_LM_VF_RUNNING : INTEL_LM_VF_UNKNOWN;
	}
	/* A command pending: its process died with it in flight, as opening the record says. */
	if (e->pending)
		e->state = INTEL_LM_VF_UNKNOWN;
}

/*
 * A VF whose record shows a migration that was not settled (interrupted, or left in doubt): its
 * state may be what that migration needs to be settled (a source's saved state that recover
 * would resume, say), and a new migration would take its record over, so migrate leaves it
 * alone until recover has settled it. A single command's or a batch's open entry (a save that
 * failed, say) does not stop it, as it stops none of the one-VF commands.
 */
static int check_open(const struct cli *c, const struct session *s, uint16_t vf,
		      const struct intel_lm_rec_entry *e, struct mig_job *j)
{
	if (!e->op_open || e->op != INTEL_LM_OP_MIGRATE)
		return 0;
	j->refused.vf = vf;
	j->refused_on = s;
	fail(&j->refused, "check record", -EBUSY, "VF %u of %s is %s on record, in migration %s, "
	     "which was not settled (interrupted, or left in doubt); nothing was sent\n'%s "
	     "status %s --vf=%u' shows it and '%s recover %s --vf=%u' settles it; run migrate "
	     "again once it is settled", vf, pf_path(s), intel_lm_vf_state_name(e->state),
	     e->op_id, c->prog, pf_path(s), vf, c->prog, pf_path(s), vf);
	return -EBUSY;
}

/*
 * The two VFs' states before the migration, from their records (@src_rec and @dst_rec, or with
 * --dry-run read without a lock), and the refusal of a VF whose record shows a migration not
 * settled, or of a source that holds a saved or loaded state: 0, or nonzero with @j's refusal
 * filled in (nothing was sent).
 */
static int check_states(const struct cli *c, const struct session *src, const struct session *dst,
			const struct intel_lm_record *src_rec,
			const struct intel_lm_record *dst_rec, struct mig_job *j)
{
	const struct mig_report *r = &j->r;
	struct intel_lm_rec_entry se, de;
	unsigned int skip;
	int ret;

	if (src_rec)
		se = src_rec->entry;
	else
		peek_entry(c, src, r->src_vf, &se);
	if (dst_rec)
		de = dst_rec->entry;
	else
		peek_entry(c, dst, r->dst_vf, &de);
	j->src_before = se.state;
	j->dst_before = de.state;
	/* A migration not settled first, then the states. */
	if (check_open(c, src, r->src_vf, &se, j) || check_open(c, dst, r->dst_vf, &de, j))
		return -EBUSY;
	ret = intel_lm_mig_plan(j->src_before, j->dst_before, intel_lm_record_state_kept(&de),
				&skip);
	if (!ret)
		return 0;
	j->refused.vf = r->src_vf;
	j->refused_on = src;
	if (j->src_before == INTEL_LM_VF_SAVED)
		fail(&j->refused, "check source", ret, "VF %u of %s is saved on record: its state "
		     "was saved (SAVE_DATA disabled the VF) and may run in another VF now; migrate "
		     "moves a VF's own state and will not move a saved one; nothing was sent\n'%s "
		     "status %s --vf=%u' shows where its state went; only if it runs nowhere "
		     "else: resume the VF ('%s resume %s --vf=%u') and run migrate again, or, to "
		     "move the saved state itself, load its file, if status names one, into the "
		     "destination ('%s load', then '%s resume'); if it runs elsewhere, leave this "
		     "VF suspended",
		     r->src_vf, pf_path(src), c->prog, pf_path(src), r->src_vf, c->prog,
		     pf_path(src), r->src_vf, c->prog, c->prog);
	else
		fail(&j->refused, "check source", ret, "VF %u of %s is loaded on record: a state "
		     "was loaded into it and never ran here, and may run in the VF it came from; "
		     "migrate moves a VF's own state and will not move a loaded one; nothing was "
		     "sent\n'%s status %s --vf=%u' shows what intel-lm knows of it; move that "
		     "state from where it came from (migrate that VF, or load its file into the "
		     "destination), not from here; resume this VF ('%s resume %s --vf=%u') only if "
		     "the state is to run here and runs nowhere else", r->src_vf, pf_path(src),
		     c->prog, pf_path(src), r->src_vf, c->prog, pf_path(src), r->src_vf);
	return ret;
}

/* The library's refusal before any step, from its outcome, as a refusal of the pair @j. */
static void refused_by_rule(const struct cli *c, const struct session *src,
			    const struct session *dst, struct mig_job *j)
{
	struct intel_lm_verdict v;

	mig_verdict(&j->m, &v);
	j->refused.vf = v.at_dst ? j->r.dst_vf : j->r.src_vf;
	j->refused_on = v.at_dst ? dst : src;
	rule_refusal(c, j->refused_on, &j->refused, &v, j->m.ret,
		     v.at_dst ? "migrate (destination)" : "migrate (source)");
	/* Nothing was sent: the pair reads as refused, not as a migration's report. */
	j->changed = false;
	intel_lm_migration_free(j->mig);
	j->mig = NULL;
	j->status = EXIT_REFUSED;
}

/* The secondary controller ID of VF @vf of @s's PF (its VFs are listed), 0 if unknown. */
static uint16_t vf_scid(const struct session *s, uint16_t vf)
{
	const struct intel_lm_vf *v = intel_lm_vf_find(pf_vfs(s), vf);

	return v ? v->scid : 0;
}

/*
 * One pair's migration: its locks, its records and its keep file, then the library's steps
 * and rollback; @j gets the outcome. Everything that can refuse it comes before the source is
 * suspended.
 */
static void run_mig_job(const struct cli *c, struct session *src, struct session *dst,
			const struct intel_lm_limit *limit, bool batch, struct mig_job *j)
{
	struct intel_lm_claim *src_cl = NULL, *dst_cl = NULL;
	struct intel_lm_record *src_rec = NULL, *dst_rec = NULL;
	struct intel_lm_mig_params p = { .size = sizeof(p) };
	struct keeper k = { .out = NULL };
	struct mig_report *r = &j->r;
	struct vf_result *lr = &j->refused;
	char what[512];
	int ret;

	lr->state = "unchanged";
	j->status = EXIT_REFUSED;
	/* Both VFs are this job's for the whole migration. */
	snprintf(what, sizeof(what), "pid %d: %s migrate %s --vf=%u --to=%s --to-vf=%u",
		 (int)getpid(), c->prog, pf_path(src), r->src_vf, pf_path(dst), r->dst_vf);
	lr->vf = r->src_vf;
	j->refused_on = src;
	if (c->dry_run) {
		/* Nothing is claimed: the records are only read. */
	} else {
		/* Each VF's lock and record, from libintel-lm; the source's first. */
		if (claim_vf(c, src, lr, INTEL_LM_OP_NONE, what, NULL, &src_cl))
			goto out;
		lr->vf = r->dst_vf;
		j->refused_on = dst;
		if (claim_vf(c, dst, lr, INTEL_LM_OP_NONE, what, NULL, &dst_cl))
			goto out;
		src_rec = intel_lm_claim_record(src_cl);
		dst_rec = intel_lm_claim_record(dst_cl);
	}

	/* A VF suspended already gets no second SUSPEND; a saved or loaded source is refused. */
	if (check_states(c, src, dst, src_rec, dst_rec, j))
		goto out;
	p.src_state = j->src_before;
	p.dst_state = j->dst_before;
	r->src_before = intel_lm_vf_state_name(j->src_before);
	r->dst_before = intel_lm_vf_state_name(j->dst_before);

	p.src_fd = intel_lm_pf_fd(src->pf);
	p.src_vf = r->src_vf;
	p.dst_fd = intel_lm_pf_fd(dst->pf);
	p.dst_vf = r->dst_vf;
	p.limit = *limit;
	p.src_opts = &src->opts;
	p.dst_opts = &dst->opts;
	p.src_proto = pf_proto(src);
	p.dst_proto = pf_proto(dst);
	p.src_cntlid = vf_scid(src, r->src_vf);
	p.dst_cntlid = vf_scid(dst, r->dst_vf);
	lr->vf = r->src_vf;
	j->refused_on = src;
	/* A state is in one protocol's format: the two PFs must move it the same way. */
	if (p.src_proto->protocol != p.dst_proto->protocol) {
		fail(lr, "check protocol", -EPROTONOSUPPORT, "%s moves states with %s, %s with "
		     "%s: a state saved over one is not one the other loads; nothing was sent\n"
		     "give both the same protocol with --protocol (see '%s info' of each PF)",
		     pf_path(src), intel_lm_protocol_name(p.src_proto->protocol), pf_path(dst),
		     intel_lm_protocol_name(p.dst_proto->protocol), c->prog);
		goto out;
	}
	if (!c->dry_run) {
		char msg[512], hint[256];

		keep_path(c, src, batch, j);
		k.path = j->keep;
		ret = record_path_check(c->keep ? "the --keep file" : "the safety copy", k.path,
					false, msg, sizeof(msg), hint, sizeof(hint));
		if (ret) {
			fail(lr, "check --keep", ret, "%s\n%s%s", msg, hint, c->keep ? "" :
			     "; the safety copy goes in $TMPDIR: set TMPDIR to a shorter "
			     "directory, or name a file with --keep");
			goto out;
		}
		/* Created now, so that nothing but the migration's steps is on the downtime path. */
		ret = j->keep[0] ? intel_lm_outfile_open(&k.out, k.path, c->force) : -ENAMETOOLONG;
		if (ret) {
			fail(lr, "open --keep", ret, "cannot create %s: %s (%s); nothing was sent"
			     "\nname a %s in a writable directory with --keep, or set TMPDIR", k.path,
			     strerror(-ret), intel_lm_errno_name(ret), batch ? "directory" : "file");
			goto out;
		}
		guard_output(k.out);
		k.src = src;
		k.vf = r->src_vf;
		k.ident = &src_rec->entry.ident;
		p.keep = keep_state;
		p.keep_reserve = keep_reserve;
		p.keep_priv = &k;
		p.keep_path = k.path;
		p.keep_temporary = !c->keep;
		p.src_rec = src_rec;
		p.dst_rec = dst_rec;
		p.state_dir = c->state_dir;
		p.force = c->force;
		p.lock_dir = c->lock_dir;
	}

	/* A signal from here on stops the migration at the next step and rolls it back. */
	p.cancel = interrupted;
	ret = intel_lm_migration_new(&p, &j->mig);
	if (ret) {
		fail(lr, "migrate", ret, "cannot prepare the migration: %s (%s); nothing was sent",
		     strerror(-ret), intel_lm_errno_name(ret));
		goto out;
	}
	/* From here on commands are sent (or, with --dry-run, would be). */
	j->changed = true;
	ret = intel_lm_migrate(j->mig);
	intel_lm_migration_outcome(j->mig, &j->m, sizeof(j->m));
	if (ret && j->m.reason && j->m.failed == INTEL_LM_MIG_DST_SUSPEND) {
		/* The one rule refused it before any step: in words, from the outcome alone. */
		refused_by_rule(c, src, dst, j);
		goto out;
	}

	r->src = src;
	r->dst = dst;
	r->mig = j->mig;
	r->m = &j->m;
	r->limit = *limit;
	r->op_id = j->m.op_id[0] ? j->m.op_id : NULL;
	r->failed = j->m.failed;
	r->failed_ran = true;
	r->dry_run = c->dry_run;
	/* The library removed a safety copy that has done its job. */
	r->kept = k.written && (c->keep || (ret && !j->m.src_resumed)) ? k.path : NULL;
	r->src_state = intel_lm_vf_state_name(p.src_rec ? src_rec->entry.state :
					      j->m.src_resumed ? INTEL_LM_VF_RUNNING :
					      INTEL_LM_VF_UNKNOWN);
	r->dst_state = intel_lm_vf_state_name(p.dst_rec ? dst_rec->entry.state :
					      INTEL_LM_VF_UNKNOWN);
	if (ret) {
		describe_rollback(r);
		describe_failure(c, r, &k);
	}
	/* Once the destination runs, the migration has succeeded, whatever signal came. */
	j->status = !ret ? EXIT_OK : mig_exit(&j->m);
out:
	intel_lm_outfile_abort(k.out);
	/* Freed only once the signal handlers no longer see it. */
	unguard_output();
	intel_lm_outfile_free(k.out);
	intel_lm_claim_release(dst_cl);
	intel_lm_claim_release(src_cl);
}

/*
 * The notes a finished migration may need: a SUSPEND not sent, a record that lags, a signal it
 * outran.
 */
static void mig_notes(const struct cli *c, const struct mig_job *j)
{
	const struct mig_report *r = &j->r;

	if (!j->mig)
		return;
	if (j->m.skipped & (1U << INTEL_LM_MIG_DST_SUSPEND))
		c->out->pr->note(c, "the destination VF %u of %s is %s on record, so suspended "
				 "already: its SUSPEND was not sent, and it is never resumed "
				 "but by the migration's own last step", r->dst_vf, pf_path(r->dst),
				 r->dst_before);
	if (j->m.record_ret)
		c->out->pr->note(c, "VF %u: a record write failed (%s): the record may show a state "
				 "as unknown; '%s status' shows it and '%s recover' settles it",
				 j->r.src_vf, intel_lm_errno_name(j->m.record_ret), c->prog,
				 c->prog);
	if (!j->status && signal_caught())
		c->out->pr->note(c, "VF %u: %s arrived during the migration after its last step "
				 "had started; the migration completed", j->r.src_vf,
				 signal_name(signal_caught()));
}

struct mig_batch {
	const struct cli *c;
	struct session *src, *dst;
	const struct intel_lm_limit *limit;
	struct mig_job *jobs;
	size_t n;
};

static void mig_run(void *arg, size_t i, unsigned int worker)
{
	struct mig_batch *b = arg;

	(void)worker;
	run_mig_job(b->c, b->src, b->dst, b->limit, true, &b->jobs[i]);
}

/* After a signal no new pair starts: the migrations under way roll back. */
static void mig_skip(void *arg, size_t i, int sig)
{
	struct mig_batch *b = arg;
	struct mig_job *j = &b->jobs[i];

	j->refused.vf = j->r.src_vf;
	j->refused.state = "unchanged";
	j->refused_on = b->src;
	fail(&j->refused, "start", -ECANCELED, "not started: interrupted by %s", signal_name(sig));
	j->status = 128 + sig;
}

/* With several VFs, --keep names a directory: made 0700 like save's, no file replaced. */
static int prepare_keep_dir(const struct cli *c, const struct session *src, struct mig_job *jobs,
			    size_t n)
{
	char msg[512], hint[256];
	struct stat st;
	size_t i;
	int ret;

	if (!c->keep || c->dry_run)
		return 0;
	if (mkdir(c->keep, 0700) < 0 && errno != EEXIST)
		return report(c, src, -1, "check --keep", -errno, "cannot create the directory "
			      "%s: %s\ncheck the permissions of its parent", c->keep,
			      strerror(errno));
	if (stat(c->keep, &st) < 0 || !S_ISDIR(st.st_mode))
		return report(c, src, -1, "check --keep", -ENOTDIR, "%s is not a directory\nwith "
			      "several VFs, --keep names a directory holding one file per VF "
			      "(vfN.blob)", c->keep);
	for (i = 0; i < n; i++) {
		keep_path(c, src, true, &jobs[i]);
		ret = record_path_check("the --keep file", jobs[i].keep, false, msg, sizeof(msg),
					hint, sizeof(hint));
		if (ret)
			return report(c, src, jobs[i].r.src_vf, "check --keep", ret, "%s\n%s", msg,
				      hint);
		ret = jobs[i].keep[0] ? intel_lm_outfile_check(jobs[i].keep, c->force) :
		      -ENAMETOOLONG;
		if (ret)
			return report(c, src, jobs[i].r.src_vf, "check --keep", ret, "cannot keep "
				      "the state in %s: %s; nothing was sent\nchoose another directory, "
				      "or add --force to replace the files", jobs[i].keep,
				      ret == -EEXIST ? "it exists" : strerror(-ret));
	}
	return 0;
}

int cmd_migrate(const struct cli *c)
{
	struct mig_batch b = { .c = c };
	struct intel_lm_blob_hdr hdr;
	struct intel_lm_limit limit;
	struct session src, dst;
	struct exit_tally t = { 0 };
	bool batch = c->vf_list || c->to_vf_list;
	char why[512], msg[512], hint[256];
	size_t i;
	int ret;

	/* To another host: remote.c. */
	if (remote_url(c->to))
		return cmd_migrate_remote(c);
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	c->out->changed = 0;
	if (c->keep && !batch && (ret = intel_lm_outfile_check(c->keep, c->force)))
		return report(c, NULL, -1, "check --keep", ret, "cannot keep the state in %s: %s"
			      "\nname a new file in a writable directory, or add --force", c->keep,
			      ret == -EEXIST ? "it exists" : strerror(-ret));
	if (c->keep && !batch && (ret = record_path_check("the --keep file", c->keep, false, msg,
							  sizeof(msg), hint, sizeof(hint))))
		return report(c, NULL, -1, "check --keep", ret, "%s\n%s", msg, hint);

	ret = session_open(c, c->device, &src);
	if (!ret)
		ret = session_need_vf(c, &src);
	if (!ret)
		ret = session_open(c, c->to, &dst);
	if (!ret)
		ret = session_list_vfs(&dst, c->to_vf_list ? -1 : c->to_vf);
	if (!ret)
		ret = select_pairs(c, &src, &dst, &b.jobs, &b.n);
	if (ret)
		goto out;

	intel_lm_blob_hdr_init(&hdr, pf_info(&src), b.jobs[0].r.src_vf, NULL, 0, 0);
	if (intel_lm_blob_check_identity(&hdr, pf_info(&dst), why, sizeof(why))) {
		if (!c->force) {
			ret = report(c, &src, batch ? -1 : c->vf, "migrate", -EXDEV, "%s and %s are "
				     "different kinds of PF: %s; nothing was sent\nIntel supports "
				     "migration only between identical devices; --force migrates "
				     "anyway", pf_path(&src), pf_path(&dst), why);
			goto out;
		}
		c->out->pr->note(c, "%s and %s are different kinds of PF (%s); migrating anyway "
				 "(--force)", pf_path(&src), pf_path(&dst), why);
	}
	/* The largest state both PFs move. */
	limit = *pf_limit(&src);
	if (pf_limit(&dst)->max_bytes < limit.max_bytes)
		limit = *pf_limit(&dst);

	if (!batch) {
		struct mig_job *j = &b.jobs[0];

		defer_signals();
		run_mig_job(c, &src, &dst, &limit, false, j);
		c->out->changed = j->changed;
		if (!j->mig) {
			c->out->pr->refused(c, j->refused_on, &j->refused);
		} else {
			mig_notes(c, j);
			c->out->pr->migrated(c, &j->r);
		}
		ret = j->status;
		goto out;
	}

	if ((ret = prepare_keep_dir(c, &src, b.jobs, b.n)))
		goto out;
	b.src = &src;
	b.dst = &dst;
	b.limit = &limit;
	defer_signals();
	run_jobs(c->jobs, b.n, mig_run, mig_skip, &b);
	for (i = 0; i < b.n; i++) {
		c->out->changed |= b.jobs[i].changed;
		exit_tally_add(&t, b.jobs[i].status);
		mig_notes(c, &b.jobs[i]);
	}
	c->out->pr->mig_batch(c, &src, &dst, b.jobs, b.n);
	ret = exit_tally_status(&t);
out:
	for (i = 0; i < b.n; i++)
		intel_lm_migration_free(b.jobs[i].mig);
	free(b.jobs);
	session_close(&dst);
	session_close(&src);
	return ret;
}
