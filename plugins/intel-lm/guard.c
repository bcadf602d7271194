// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Asking the one rule (lib/rule.c) before a command changes a VF, and wording its refusal. The
 * rule decides; this file gathers what it needs (the VF's entry, every copy the record knows
 * of), holds the identities' lock until the command's intent is on record, and words the
 * reason: one row per reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli-priv.h"

/*
 * One lock for every identity: two commands that could each run (or replace) the same state
 * on two VFs are ordered, so each sees the other's intent on record.
 */
static int identities_lock(const struct cli *c)
{
	char path[INTEL_LM_PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/identities.lock",
		     c->lock_dir ? c->lock_dir : INTEL_LM_LOCK_DIR) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int err = -errno;

			close(fd);
			return err;
		}
	}
	return fd;
}

void guard_release(struct vf_result *r)
{
	if (r->guard_fd > 0) {
		close(r->guard_fd);
		r->guard_fd = 0;
	}
}

/* Where a copy is, in words: "/dev/nvme1 VF 1" or "the file /x/a.blob". */
static void place_words(const struct intel_lm_copy *p, char *out, size_t len)
{
	if (p->vf)
		snprintf(out, len, "%s VF %u (on record: %s)", p->device[0] ? p->device : p->pf,
			 p->vf, intel_lm_vf_state_name(p->state));
	else
		snprintf(out, len, "the file %s", p->path);
}

static void refuse(const struct cli *c, const struct session *s, struct vf_result *r,
		   const struct intel_lm_verdict *v, const char *what)
{
	char id[INTEL_LM_ID_HEX_LEN], other[INTEL_LM_PATH_MAX + 96] = "";

	intel_lm_identity_hex(&v->ident, id);
	if (v->other)
		place_words(v->other, other, sizeof(other));
	r->reason = v->reason;
	switch (v->reason) {
	case INTEL_LM_REASON_RUNS_ELSEWHERE:
		fail(r, "check state", -EBUSY, "%s: state %s (generation %u) runs, or may run, in "
		     "%s; running it here too would run one state in two VFs; nothing was sent\n"
		     "'%s status' shows where each state is; once that VF no longer runs it (or "
		     "'%s recover' settled it), run the command again; --force sends it anyway",
		     what, id, v->ident.gen, other, c->prog, c->prog);
		break;
	case INTEL_LM_REASON_STALE:
		fail(r, "check state", -ESTALE, "%s: state %s is at generation %u here, and a newer "
		     "one (generation %u) is in %s: this copy is older than one that ran since; "
		     "nothing was sent\nuse the newer copy; --force sends it anyway", what, id,
		     v->ident.gen, v->other ? v->other->ident.gen : 0, other);
		break;
	case INTEL_LM_REASON_LAST_COPY:
		fail(r, "check state", -EEXIST, "%s: %s VF %u holds the only copy intel-lm knows of "
		     "state %s (generation %u), in no file and no other VF; loading over it would "
		     "lose it; nothing was sent\nsave it first ('%s save %s --vf=%u -o FILE'), or "
		     "choose another VF; --force loads anyway", what, pf_path(s), r->vf, id,
		     v->ident.gen, c->prog, pf_path(s), r->vf);
		break;
	default:
		break;
	}
}

int guard_mig(const struct cli *c, const struct session *src, const struct session *dst,
	      struct intel_lm_record *src_rec, struct intel_lm_record *dst_rec,
	      struct vf_result *r, const struct session **on)
{
	struct intel_lm_rule_ask ask = { .op = INTEL_LM_RULE_MIGRATE };
	struct intel_lm_copy s_copy, d_copy, *copies = NULL;
	struct intel_lm_verdict v;
	int ret;

	if (c->force)
		return 0;
	ret = intel_lm_rule_copies(c->state_dir, &copies, &ask.n);
	if (ret) {
		fail(r, "read record", ret, "cannot read the record in %s: %s (%s); nothing was "
		     "sent", c->state_dir ? c->state_dir : INTEL_LM_STATE_DIR, strerror(-ret),
		     intel_lm_errno_name(ret));
		return ret;
	}
	intel_lm_rule_copy_of(&src_rec->entry, &s_copy);
	intel_lm_rule_copy_of(&dst_rec->entry, &d_copy);
	ask.vf = &s_copy;
	ask.dst = &d_copy;
	ask.copies = copies;
	if (intel_lm_rule_check(&ask, &v)) {
		r->vf = v.at_dst ? dst_rec->entry.vf : src_rec->entry.vf;
		*on = v.at_dst ? dst : src;
		refuse(c, *on, r, &v, v.at_dst ? "migrate (destination)" : "migrate (source)");
		ret = r->ret;
	}
	free(copies);
	return ret;
}

int guard_vf(const struct cli *c, const struct session *s, struct vf_result *r,
	     enum intel_lm_rule_op op, const struct intel_lm_identity *incoming, const char *what)
{
	struct intel_lm_rule_ask ask = { .op = op, .incoming = incoming };
	struct intel_lm_copy self, *copies = NULL;
	struct intel_lm_verdict v;
	int fd, ret;

	r->guard_fd = 0;
	if (c->force || !r->rec)
		return 0;
	intel_lm_rule_copy_of(&r->rec->entry, &self);
	/* A VF holding its own state, resumed: nothing to look up. */
	if (op == INTEL_LM_RULE_RESUME && !intel_lm_identity_is_set(&self.ident))
		return 0;
	fd = identities_lock(c);
	if (fd < 0) {
		fail(r, "lock", fd, "cannot take the identities' lock in %s: %s (%s); nothing was "
		     "sent\ncheck that directory, or set INTEL_LM_LOCK_DIR", c->lock_dir ?
		     c->lock_dir : INTEL_LM_LOCK_DIR, strerror(-fd), intel_lm_errno_name(fd));
		return fd;
	}
	ret = intel_lm_rule_copies(c->state_dir, &copies, &ask.n);
	if (ret) {
		close(fd);
		fail(r, "read record", ret, "cannot read the record in %s: %s (%s); nothing was "
		     "sent", c->state_dir ? c->state_dir : INTEL_LM_STATE_DIR, strerror(-ret),
		     intel_lm_errno_name(ret));
		return ret;
	}
	ask.vf = &self;
	ask.copies = copies;
	if (intel_lm_rule_check(&ask, &v)) {
		refuse(c, s, r, &v, what);
		ret = r->ret;
		close(fd);
	} else {
		/* Held until the command's intent is on record (guard_release()). */
		r->guard_fd = fd;
	}
	free(copies);
	return ret;
}
