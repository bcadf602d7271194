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
	int ret = write_state(&k->out, &k->src->info, k->vf, state, len);

	k->written = !ret;
	return ret;
}

static bool interrupted(void *priv)
{
	(void)priv;
	return signal_caught() != 0;
}

/* What the destination VF is left as, after a failure at @failed with @ret. */
static const char *dst_state(enum intel_lm_mig_step failed, int ret)
{
	/* -ECANCELED: a signal stopped us before the step, so the step did nothing. */
	bool unknown = ret < 0 && ret != -ECANCELED;

	switch (failed) {
	case INTEL_LM_MIG_DST_SUSPEND:
		return unknown ? "unknown (the command's effect is unknown)" :
				 "unchanged (its SUSPEND was refused)";
	case INTEL_LM_MIG_DST_LOAD:
		return unknown ? "unknown (the command's effect is unknown)" : "suspended";
	case INTEL_LM_MIG_DST_RESUME:
		return unknown ? "unknown (the command's effect is unknown)" :
				 "suspended, holding the loaded state";
	default:
		/* A source step: the destination's SUSPEND went through, nothing more. */
		return "suspended";
	}
}

static void describe_failure(struct cli *c, struct mig_report *r, const struct keeper *k)
{
	const struct intel_lm_migration *m = r->m;
	uint8_t opc = intel_lm_mig_step_opcode(m->failed);
	char what[512], rollback[256], kept[PATH_MAX + 64] = "";

	if (m->ret == -ECANCELED)
		snprintf(what, sizeof(what), "interrupted by %s before the %s",
			 sigabbrev_np(signal_caught()) ? sigabbrev_np(signal_caught()) : "a signal",
			 intel_lm_mig_step_name(m->failed));
	else if (m->failed == INTEL_LM_MIG_KEEP)
		snprintf(what, sizeof(what), "cannot keep the state in %s: %s (%s)", k->path,
			 strerror(-m->ret), intel_lm_errno_name(m->ret));
	else if (m->ret == -ENODATA || m->ret == -EFBIG)
		snprintf(what, sizeof(what), "the state size %u bytes is %s (limit %u bytes: %s)",
			 m->size, m->ret == -ENODATA ? "zero" : "too large", m->limit.max_bytes,
			 intel_lm_limit_reason(m->limit.src));
	else
		intel_lm_strerror(m->ret, opc, what, sizeof(what));

	if (m->failed == INTEL_LM_MIG_DST_SUSPEND)
		snprintf(rollback, sizeof(rollback), "nothing was sent to the source VF %u of %s",
			 m->src_vf, r->src->dev.path);
	else if (m->rollback_skipped)
		snprintf(rollback, sizeof(rollback), "the source VF %u of %s was left suspended, "
			 "because the destination may have started and two running copies must "
			 "never exist", m->src_vf, r->src->dev.path);
	else if (m->src_resumed)
		snprintf(rollback, sizeof(rollback), "the source VF %u of %s was resumed",
			 m->src_vf, r->src->dev.path);
	else
		snprintf(rollback, sizeof(rollback), "the source VF %u of %s could NOT be resumed "
			 "(%s)", m->src_vf, r->src->dev.path, intel_lm_errno_name(m->rollback_ret));
	if (r->kept)
		snprintf(kept, sizeof(kept), "; the saved state is kept in %s", r->kept);
	snprintf(r->msg, sizeof(r->msg), "%s; %s; the destination VF %u of %s is %s%s", what,
		 rollback, m->dst_vf, r->dst->dev.path, r->dst_state, kept);

	if (m->rollback_skipped)
		snprintf(r->hint, sizeof(r->hint), "find out whether the destination VF %u of %s "
			 "runs; only if it does not, resume the source: %s resume %s --vf=%u",
			 m->dst_vf, r->dst->dev.path, c->prog, r->src->dev.path, m->src_vf);
	else if (m->failed != INTEL_LM_MIG_DST_SUSPEND && !m->src_resumed)
		snprintf(r->hint, sizeof(r->hint), "resume the source by hand: %s resume %s --vf=%u",
			 c->prog, r->src->dev.path, m->src_vf);
	else if (m->failed == INTEL_LM_MIG_DST_LOAD)
		snprintf(r->hint, sizeof(r->hint), "the source runs again; fix the cause and run "
			 "migrate again; do not resume the destination VF %u of %s into a guest: it "
			 "holds no usable state", m->dst_vf, r->dst->dev.path);
	else if (m->failed == INTEL_LM_MIG_DST_RESUME)
		snprintf(r->hint, sizeof(r->hint), "the source runs again; run migrate again, or, "
			 "instead, leave the source and resume the destination: %s resume %s --vf=%u "
			 "(never both)", c->prog, r->dst->dev.path, m->dst_vf);
	else
		/* Nothing to undo by hand: the device's own advice for the step. */
		snprintf(r->hint, sizeof(r->hint), "%s", intel_lm_hint(m->ret, opc));
}

/* Open the destination PF and check --to-vf there. */
static int open_destination(struct cli *c, struct session *dst)
{
	const char *src_dev = c->device, *vf_arg = c->vf_arg;
	char valid[256];
	int ret;

	c->device = c->to;
	c->vf_arg = NULL;
	ret = session_open(c, dst);
	if (!ret)
		ret = session_need_vf(c, dst);
	c->device = src_dev;
	c->vf_arg = vf_arg;
	if (ret || intel_lm_vf_find(&dst->vfs, c->to_vf))
		return ret;
	intel_lm_vf_list_format(&dst->vfs, valid, sizeof(valid));
	return report(c, dst, c->to_vf, "check --to-vf", -ENOENT, "VF %u is not a VF of %s; its "
		      "VFs are: %s\nname one of them with --to-vf", c->to_vf, dst->dev.path, valid);
}

int cmd_migrate(struct cli *c)
{
	struct intel_lm_lock src_lock = { .fd = -1 }, dst_lock = { .fd = -1 };
	struct intel_lm_migration m = { 0 };
	struct mig_report r = { 0 };
	struct session src, dst;
	struct keeper k = { .out.fd = -1 };
	struct intel_lm_blob_hdr hdr;
	char tmp[PATH_MAX], why[512], what[512];
	struct vf_result lr = { 0 };
	const char *tmpdir;
	int ret;

	memset(&dst, 0, sizeof(dst));
	dst.dev.fd = -1;
	if (!c->to_vf_arg)
		c->to_vf = c->vf;
	if (c->keep && (ret = intel_lm_outfile_check(c->keep, c->force)))
		return report(c, NULL, -1, "check --keep", ret, "cannot keep the state in %s: %s"
			      "\nname a new file in a writable directory, or add --force", c->keep,
			      ret == -EEXIST ? "it exists" : strerror(-ret));

	ret = session_open(c, &src);
	if (!ret)
		ret = session_need_vf(c, &src);
	if (!ret)
		ret = open_destination(c, &dst);
	if (ret)
		goto out;

	if (!strcmp(src.info.sn, dst.info.sn) && c->vf == c->to_vf) {
		ret = report(c, &src, c->vf, "migrate", -EINVAL, "the source and the destination "
			     "are the same VF\nname another destination with --to or --to-vf");
		goto out;
	}
	intel_lm_blob_hdr_init(&hdr, &src.info, c->vf, NULL, 0, 0);
	if (intel_lm_blob_check_identity(&hdr, &dst.info, why, sizeof(why))) {
		if (!c->force) {
			ret = report(c, &src, c->vf, "migrate", -EXDEV, "%s and %s are different "
				     "kinds of PF: %s; nothing was sent\nIntel supports migration "
				     "only between identical devices; --force migrates anyway",
				     src.dev.path, dst.dev.path, why);
			goto out;
		}
		c->pr->note(c, "%s and %s are different kinds of PF (%s); migrating anyway "
			    "(--force)", src.dev.path, dst.dev.path, why);
	}

	/* Both VFs are ours for the whole migration. */
	snprintf(what, sizeof(what), "pid %d: %s migrate %s --vf=%u --to=%s --to-vf=%u",
		 (int)getpid(), c->prog, src.dev.path, c->vf, dst.dev.path, c->to_vf);
	lr.vf = c->vf;
	if (!lock_vf(c, &src, &lr, what, &src_lock)) {
		lr.vf = c->to_vf;
		lock_vf(c, &dst, &lr, what, &dst_lock);
	}
	if (lr.ret) {
		c->pr->error(c, src_lock.fd < 0 ? src.dev.path : dst.dev.path,
			     lr.vf, lr.op, lr.ret, lr.msg, lr.hint);
		ret = EXIT_FAILED;
		goto out;
	}

	m.src_fd = src.dev.fd;
	m.src_vf = c->vf;
	m.dst_fd = dst.dev.fd;
	m.dst_vf = c->to_vf;
	m.limit = src.limit.max_bytes <= dst.limit.max_bytes ? src.limit : dst.limit;
	m.src_opts = &src.opts;
	m.dst_opts = &dst.opts;
	if (!c->dry_run) {
		if (c->keep) {
			k.path = c->keep;
		} else {
			tmpdir = getenv("TMPDIR");
			snprintf(tmp, sizeof(tmp), "%s/intel-lm-migrate-%s-vf%u-%lld-%d.blob",
				 tmpdir && *tmpdir ? tmpdir : "/var/tmp", src.info.sn, c->vf,
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
		m.keep = keep_state;
		m.keep_priv = &k;
	}

	/* A signal from here on stops the migration at the next step and rolls it back. */
	m.cancel = interrupted;
	defer_signals();
	ret = intel_lm_migrate(&m);

	r.src = &src;
	r.dst = &dst;
	r.m = &m;
	if (!ret && k.written && !c->keep) {
		/* The migration worked: the safety copy has done its job. */
		unlink(k.path);
		k.written = false;
	}
	r.kept = k.written ? k.path : NULL;
	if (ret) {
		r.dst_state = dst_state(m.failed, m.ret);
		describe_failure(c, &r, &k);
	}
	c->pr->migrated(c, &r);
	ret = signal_caught() ? 128 + signal_caught() : ret ? EXIT_FAILED : EXIT_OK;
out:
	intel_lm_outfile_abort(&k.out);
	unguard_output();
	intel_lm_unlock_vf(&dst_lock);
	intel_lm_unlock_vf(&src_lock);
	session_close(&dst);
	session_close(&src);
	return ret;
}
