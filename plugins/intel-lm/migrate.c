// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * migrate: the whole cold migration of one VF. Everything that can be checked is checked
 * before the source VF is suspended (both PFs, both VFs, their kinship, the locks, where the
 * state will be kept), so that the downtime holds only the migration's own steps. The library
 * runs the steps and rolls back; this file reports.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli-priv.h"

struct keeper {
	const struct session *src;
	uint16_t vf;
	const char *path;
	struct intel_lm_outfile out;	/* opened before the source is suspended */
	bool written;
};

static int keep_state(void *priv, const void *state, uint32_t len)
{
	struct keeper *k = priv;
	int ret = intel_lm_blob_write(&k->out, pf_info(k->src), k->vf, state, len);

	k->written = !ret;
	return ret;
}

static int keep_reserve(void *priv, uint32_t len)
{
	struct keeper *k = priv;

	return intel_lm_outfile_reserve(&k->out, INTEL_LM_BLOB_HDR_LEN + (size_t)len);
}

static bool interrupted(void *priv)
{
	(void)priv;
	return signal_caught() != 0;
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
	} else if (!m->rollback_sent) {
		snprintf(r->rollback, sizeof(r->rollback), "the source VF %u of %s was never "
			 "suspended, so nothing was sent to resume it", r->src_vf, pf_path(r->src));
	} else if (m->src_resumed) {
		snprintf(r->rollback, sizeof(r->rollback), "the source VF %u of %s was resumed",
			 r->src_vf, pf_path(r->src));
	} else {
		intel_lm_strerror(m->rollback_ret, INTEL_LM_OPC_RESUME, why, sizeof(why));
		snprintf(r->rollback, sizeof(r->rollback), "the source VF %u of %s could NOT be "
			 "resumed: %s", r->src_vf, pf_path(r->src), why);
	}
}

/*
 * After a failure that the rollback undid (the source runs again, or was never stopped): what to
 * fix before running migrate again. Never the one-VF commands' advice, which assumes the user
 * suspended the VF and resumes it.
 */
static void migrate_again_hint(const struct cli *c, struct mig_report *r)
{
	const struct intel_lm_mig_outcome *m = r->m;
	const char *src = m->src_resumed ? "the source runs again" : "the source was never stopped";
	bool dst = mig_step_on_dst(r->failed);
	const char *dev = dst ? pf_path(r->dst) : pf_path(r->src);
	unsigned int vf = dst ? r->dst_vf : r->src_vf;

	if (m->record_ret && m->ret == m->record_ret && m->effect == INTEL_LM_EFFECT_NONE)
		snprintf(r->hint, sizeof(r->hint), "%s; make the record writable (root's own "
			 "directory %s, mode 0700), then run migrate again", src,
			 c->state_dir ? c->state_dir : INTEL_LM_STATE_DIR);
	else if (!strcmp(r->op, "write"))
		snprintf(r->hint, sizeof(r->hint), "%s; make room for the state's copy or name "
			 "another place with --keep=FILE, then run migrate again", src);
	else if (m->ret == -EFBIG && m->size <= INTEL_LM_KERNEL_MAX_XFER)
		snprintf(r->hint, sizeof(r->hint), "%s; if a state of %u bytes is expected, run "
			 "migrate again with --max-state-size=%u", src, m->size, m->size);
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
	if (r->failed == INTEL_LM_MIG_NO_STEP || st < r->failed)
		return "ok";
	return st == r->failed && r->failed_ran ? "failed" : "not run";
}

static void describe_failure(const struct cli *c, struct mig_report *r, const struct keeper *k)
{
	const struct intel_lm_mig_outcome *m = r->m;
	uint8_t opc = intel_lm_mig_step_opcode(m->failed);
	char what[512], kept[PATH_MAX + 64] = "";

	/* What failed, as the one-VF commands name it: the command, else the file or record. */
	r->op = opc ? intel_lm_opcode_name(opc) : "write";
	if (m->ret == -ECANCELED)
		r->op = "migrate";
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
	if (m->ret == -ECANCELED || !strcmp(r->op, "write record"))
		r->failed_ran = false;

	if (m->ret == -ECANCELED)
		snprintf(what, sizeof(what), "interrupted by %s before the %s",
			 signal_name(signal_caught()), intel_lm_mig_step_name(m->failed));
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
		intel_lm_strerror(m->ret, opc, what, sizeof(what));

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
	else if (m->rollback_sent && !m->src_resumed)
		snprintf(r->hint, sizeof(r->hint), "the source is not running: '%s recover %s "
			 "--vf=%u' tries again once the cause is fixed", c->prog, pf_path(r->src),
			 r->src_vf);
	else if (!strcmp(r->op, "write record"))
		migrate_again_hint(c, r);
	else if (m->failed == INTEL_LM_MIG_DST_LOAD)
		snprintf(r->hint, sizeof(r->hint), "%s; fix the cause and run migrate again; do not "
			 "resume the destination VF %u of %s into a guest: it holds no usable state",
			 m->src_resumed ? "the source runs again" : "the source was never stopped",
			 r->dst_vf, pf_path(r->dst));
	else if (m->failed == INTEL_LM_MIG_DST_RESUME)
		snprintf(r->hint, sizeof(r->hint), "the source runs again; run migrate again once "
			 "the destination can be resumed");
	else if (m->ret == -ECANCELED)
		snprintf(r->hint, sizeof(r->hint), "%s; run migrate again when you are ready",
			 m->src_resumed ? "the source runs again" : "the source was never stopped");
	else
		migrate_again_hint(c, r);
}

/* Open the destination PF and check --to-vf there. */
static int open_destination(const struct cli *c, struct session *dst)
{
	char valid[256];
	int ret;

	ret = session_open(c, c->to, dst);
	if (!ret)
		ret = session_list_vfs(dst, c->to_vf);
	if (ret || intel_lm_vf_find(pf_vfs(dst), c->to_vf))
		return ret;
	intel_lm_vf_list_format(pf_vfs(dst), valid, sizeof(valid));
	return report(c, dst, c->to_vf, "check --to-vf", -ENOENT, "VF %u is not a VF of %s; its "
		      "VFs are: %s\nname one of them with --to-vf", c->to_vf, pf_path(dst), valid);
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
	if (m->rollback_skipped || m->effect == INTEL_LM_EFFECT_UNKNOWN ||
	    (m->rollback_ret && exit_for_cmd(INTEL_LM_OPC_RESUME, m->rollback_ret) == EXIT_UNKNOWN))
		return EXIT_UNKNOWN;
	if (m->failed != INTEL_LM_MIG_KEEP && m->ret > 0)
		return EXIT_DEVICE;
	return EXIT_FAILED;
}

int cmd_migrate(const struct cli *c)
{
	struct intel_lm_lock *src_lock = NULL, *dst_lock = NULL;
	struct intel_lm_record src_rec = { .fd = -1 }, dst_rec = { .fd = -1 };
	struct intel_lm_mig_params p = { .size = sizeof(p) };
	struct intel_lm_migration *mig = NULL;
	struct intel_lm_mig_outcome m = { 0 };
	struct mig_report r = { 0 };
	struct session src, dst;
	struct keeper k = { .out.fd = -1 };
	struct intel_lm_blob_hdr hdr;
	char tmp[PATH_MAX], why[512], what[512];
	struct vf_result lr = { 0 };
	const char *tmpdir;
	int ret;

	memset(&dst, 0, sizeof(dst));
	c->out->changed = 0;
	if (c->keep && (ret = intel_lm_outfile_check(c->keep, c->force)))
		return report(c, NULL, -1, "check --keep", ret, "cannot keep the state in %s: %s"
			      "\nname a new file in a writable directory, or add --force", c->keep,
			      ret == -EEXIST ? "it exists" : strerror(-ret));

	ret = session_open(c, c->device, &src);
	if (!ret)
		ret = session_need_vf(c, &src);
	if (!ret)
		ret = open_destination(c, &dst);
	if (ret)
		goto out;

	if (!strcmp(pf_info(&src)->sn, pf_info(&dst)->sn) &&
	    c->vf == c->to_vf) {
		ret = report(c, &src, c->vf, "migrate", -EINVAL, "the source and the destination "
			     "are the same VF\nname another destination with --to or --to-vf");
		goto out;
	}
	intel_lm_blob_hdr_init(&hdr, pf_info(&src), c->vf, NULL, 0, 0);
	if (intel_lm_blob_check_identity(&hdr, pf_info(&dst), why, sizeof(why))) {
		if (!c->force) {
			ret = report(c, &src, c->vf, "migrate", -EXDEV, "%s and %s are different "
				     "kinds of PF: %s; nothing was sent\nIntel supports migration "
				     "only between identical devices; --force migrates anyway",
				     pf_path(&src), pf_path(&dst), why);
			goto out;
		}
		c->out->pr->note(c, "%s and %s are different kinds of PF (%s); migrating anyway "
			    "(--force)", pf_path(&src), pf_path(&dst), why);
	}

	/* Both VFs are ours for the whole migration. */
	snprintf(what, sizeof(what), "pid %d: %s migrate %s --vf=%u --to=%s --to-vf=%u",
		 (int)getpid(), c->prog, pf_path(&src), c->vf, pf_path(&dst), c->to_vf);
	lr.vf = c->vf;
	if (!lock_vf(c, &src, &lr, what, &src_lock)) {
		lr.vf = c->to_vf;
		lock_vf(c, &dst, &lr, what, &dst_lock);
	}
	if (!lr.ret && !c->dry_run) {
		lr.vf = c->vf;
		if (!session_record(c, &src, c->vf, &src_rec, &lr)) {
			lr.vf = c->to_vf;
			session_record(c, &dst, c->to_vf, &dst_rec, &lr);
		}
	}
	if (lr.ret) {
		c->out->pr->error(c, lr.vf == c->vf && src_rec.fd < 0 ? pf_path(&src) : pf_path(&dst),
			     lr.vf, lr.op, lr.ret, lr.msg, lr.hint);
		ret = EXIT_REFUSED;
		goto out;
	}

	p.src_fd = intel_lm_pf_fd(src.pf);
	p.src_vf = c->vf;
	p.dst_fd = intel_lm_pf_fd(dst.pf);
	p.dst_vf = c->to_vf;
	p.limit = *pf_limit(&src);
	if (pf_limit(&dst)->max_bytes < p.limit.max_bytes)
		p.limit = *pf_limit(&dst);
	p.src_opts = &src.opts;
	p.dst_opts = &dst.opts;
	if (!c->dry_run) {
		if (c->keep) {
			k.path = c->keep;
		} else {
			tmpdir = getenv("TMPDIR");
			snprintf(tmp, sizeof(tmp), "%s/intel-lm-migrate-%s-vf%u-%lld-%d.blob",
				 tmpdir && *tmpdir ? tmpdir : "/var/tmp", pf_key(&src), c->vf,
				 (long long)time(NULL), (int)getpid());
			k.path = tmp;
		}
		/* Created now, so that nothing but the migration's steps is on the downtime path. */
		ret = intel_lm_outfile_open(&k.out, k.path, c->force);
		if (ret) {
			ret = report(c, &src, c->vf, "open --keep", ret, "cannot create %s: %s (%s); "
				     "nothing was sent\nname a file in a writable directory with --keep, "
				     "or set TMPDIR", k.path, strerror(-ret), intel_lm_errno_name(ret));
			goto out;
		}
		guard_output(&k.out);
		k.src = &src;
		k.vf = c->vf;
		p.keep = keep_state;
		p.keep_reserve = keep_reserve;
		p.keep_priv = &k;
		p.keep_path = k.path;
		p.keep_temporary = !c->keep;
		p.src_rec = &src_rec;
		p.dst_rec = &dst_rec;
	}

	/* A signal from here on stops the migration at the next step and rolls it back. */
	p.cancel = interrupted;
	defer_signals();
	ret = intel_lm_migration_new(&p, &mig);
	if (ret) {
		ret = report(c, &src, c->vf, "migrate", ret, "cannot prepare the migration: %s "
			     "(%s); nothing was sent", strerror(-ret), intel_lm_errno_name(ret));
		goto out;
	}
	/* From here on commands are sent (or, with --dry-run, would be). */
	c->out->changed = 1;
	ret = intel_lm_migrate(mig);
	intel_lm_migration_outcome(mig, &m, sizeof(m));

	r.src = &src;
	r.dst = &dst;
	r.mig = mig;
	r.m = &m;
	r.src_vf = c->vf;
	r.dst_vf = c->to_vf;
	r.limit = p.limit;
	r.op_id = m.op_id[0] ? m.op_id : NULL;
	r.failed = m.failed;
	r.failed_ran = true;
	/* The library removed a safety copy that has done its job. */
	r.kept = k.written && (c->keep || (ret && !m.src_resumed)) ? k.path : NULL;
	r.src_state = intel_lm_vf_state_name(p.src_rec ? src_rec.entry.state :
					     m.src_resumed ? INTEL_LM_VF_RUNNING :
					     INTEL_LM_VF_UNKNOWN);
	r.dst_state = intel_lm_vf_state_name(p.dst_rec ? dst_rec.entry.state :
					     INTEL_LM_VF_UNKNOWN);
	if (ret) {
		describe_rollback(&r);
		describe_failure(c, &r, &k);
	}
	if (m.record_ret)
		c->out->pr->note(c, "a record write failed (%s): the record may show a state as unknown; "
			    "'%s status' shows it and '%s recover' settles it",
			    intel_lm_errno_name(m.record_ret), c->prog, c->prog);
	if (!ret && signal_caught())
		c->out->pr->note(c, "%s arrived during the migration after its last step had started; "
			    "the migration completed", signal_name(signal_caught()));
	c->out->pr->migrated(c, &r);
	/* Once the destination runs, the migration has succeeded, whatever signal came. */
	ret = !ret ? EXIT_OK : mig_exit(&m);
out:
	intel_lm_migration_free(mig);
	intel_lm_outfile_abort(&k.out);
	unguard_output();
	intel_lm_record_close(&dst_rec);
	intel_lm_record_close(&src_rec);
	intel_lm_unlock_vf(dst_lock);
	intel_lm_unlock_vf(src_lock);
	session_close(&dst);
	session_close(&src);
	return ret;
}
