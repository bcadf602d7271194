// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Claiming a VF for a state-changing command: the trust of the record's and the locks'
 * directories, the VF's lock, and its record. Failures are worded here, in the front end's terms.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli-priv.h"

int lock_vf(const struct cli *c, const struct session *s, struct vf_result *r, const char *what,
	    struct intel_lm_lock **lk)
{
	char line[256], holder[256], path[4096];
	int ret;

	*lk = NULL;
	if (c->dry_run)
		return 0;
	if (!what) {
		snprintf(line, sizeof(line), "pid %d: %s %s %s --vf=%u", (int)getpid(), c->prog,
			 c->cmd->name, pf_path(s), r->vf);
		what = line;
	}
	ret = intel_lm_lock_vf(c->lock_dir, pf_key(s), r->vf, c->wait_ms, what, lk, holder,
			       sizeof(holder));
	if (ret == -EWOULDBLOCK)
		fail(r, "lock", ret, "another process is working on this VF (%s); waited %u ms; "
		     "nothing was sent\nwait for it to finish, or wait longer with --wait=SECONDS",
		     holder, c->wait_ms);
	else if (ret) {
		/* The path, or "" when even it does not fit. */
		intel_lm_lock_path(c->lock_dir, pf_key(s), r->vf, path, sizeof(path));
		fail(r, "lock", ret, "cannot take the VF's lock %s: %s (%s); nothing was sent"
		     "\ncheck %s (root's own directory, mode 0700), or set INTEL_LM_LOCK_DIR to "
		     "one", path, strerror(-ret), intel_lm_errno_name(ret),
		     c->lock_dir ? c->lock_dir : INTEL_LM_LOCK_DIR);
	}
	return ret;
}

int session_record(const struct cli *c, const struct session *s, uint16_t vf,
		   struct intel_lm_record *rec, struct vf_result *r)
{
	struct intel_lm_rec_entry *e = &rec->entry;
	int ret;

	ret = intel_lm_record_open(c->state_dir, intel_lm_pf_id(s->pf), vf, rec);
	if (ret && ret != -EBADMSG) {
		fail(r, "open record", ret, "cannot open the VF's record %s: %s (%s); nothing was "
		     "sent\nthe record must be a regular file of root's, mode 0600, in a directory "
		     "only root can write (%s)", rec->path[0] ? rec->path : "", strerror(-ret),
		     intel_lm_errno_name(ret), c->state_dir ? c->state_dir : INTEL_LM_STATE_DIR);
		return ret;
	}
	/* A corrupt entry is not trusted: the VF's state is unknown until this command says. */
	snprintf(e->device, sizeof(e->device), "%s", pf_path(s));
	/* The same NUL-terminated fields, of the same sizes, as Identify left them. */
	_Static_assert(sizeof(e->serial) == sizeof(pf_info(s)->sn) &&
		       sizeof(e->model) == sizeof(pf_info(s)->mn) &&
		       sizeof(e->firmware) == sizeof(pf_info(s)->fr), "identity fields differ");
	memcpy(e->serial, pf_info(s)->sn, sizeof(e->serial));
	memcpy(e->model, pf_info(s)->mn, sizeof(e->model));
	memcpy(e->firmware, pf_info(s)->fr, sizeof(e->firmware));
	return 0;
}

/* Before anything is sent: the record's and the locks' directories can be trusted. */
int check_own_dirs(const struct cli *c, const struct session *s)
{
	const char *dirs[2] = { c->state_dir ? c->state_dir : INTEL_LM_STATE_DIR,
				c->lock_dir ? c->lock_dir : INTEL_LM_LOCK_DIR };
	const char *what[2] = { "record", "lock" };
	enum intel_lm_dir_problem why;
	int i, ret;

	for (i = 0; i < 2; i++) {
		ret = intel_lm_own_dir(dirs[i], true, &why);
		if (!ret)
			continue;
		if (why == INTEL_LM_DIR_ERROR)
			return report(c, s, -1, "check directories", ret, "cannot use the %s "
				      "directory %s: %s (%s); nothing was sent\ncreate it as root's own "
				      "directory, mode 0700, or name another with INTEL_LM_%s_DIR",
				      what[i], dirs[i], strerror(-ret), intel_lm_errno_name(ret),
				      i ? "LOCK" : "STATE");
		return report(c, s, -1, "check directories", ret, "the %s directory %s is not "
			      "trusted: %s; nothing was sent\nmake it a real directory owned by %s "
			      "with mode 0700 (e.g. chown root: %s && chmod 0700 %s), or name another "
			      "with INTEL_LM_%s_DIR", what[i], dirs[i], intel_lm_dir_problem_text(why),
			      geteuid() ? "you" : "root", dirs[i], dirs[i], i ? "LOCK" : "STATE");
	}
	return 0;
}
