// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * status and recover: intel-lm's record of each VF (lib/record.c), shown, and every operation
 * in it that was interrupted (its process died, or a command's effect is unknown) settled.
 *
 * recover's rules, from the record alone:
 * - A migration whose destination RESUME took effect has succeeded: it is closed, and the
 *   source stays as it is (saved).
 * - One whose destination RESUME may have taken effect (it was in flight, or failed with an
 *   errno) is never settled by resuming the source: someone must look at the destination and
 *   say what it is (--confirm), or resume it.
 * - One whose destination RESUME was never sent rolls back: the source is resumed when its
 *   SUSPEND took effect or may have, unless its own rollback RESUME's effect is unknown (never
 *   re-sent). Nothing else is touched.
 * - A single command or a batch whose command was in flight leaves the VF unknown until it is
 *   settled (--confirm, or a command that succeeds).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli-priv.h"

struct views {
	struct rec_view *v;
	size_t n;
};

static struct rec_view *views_add(struct views *vs)
{
	struct rec_view *nv = realloc(vs->v, (vs->n + 1) * sizeof(*vs->v));

	if (!nv)
		return NULL;
	vs->v = nv;
	memset(&vs->v[vs->n], 0, sizeof(vs->v[0]));
	return &vs->v[vs->n++];
}

static const char *state_dir(const struct cli *c)
{
	return c->state_dir ? c->state_dir : INTEL_LM_STATE_DIR;
}

/* Whether the process that wrote @e still works on the VF: it holds the VF's lock. */
static void probe_lock(const struct cli *c, struct rec_view *v)
{
	struct intel_lm_lock *lk;
	int ret;

	if (!v->e.op_open && !v->e.pending)
		return;
	ret = intel_lm_lock_vf(c->lock_dir, v->e.pf.key, v->e.vf, 0, "status", &lk, v->holder,
			       sizeof(v->holder));
	if (!ret)
		intel_lm_unlock_vf(lk);
	v->in_progress = ret == -EWOULDBLOCK;
}

static void read_view(const struct cli *c, struct rec_view *v)
{
	const char *base = strrchr(v->path, '/'), *dash;
	unsigned long vf;
	char *end;

	v->read_err = intel_lm_record_read(v->path, &v->e);
	if (!v->read_err) {
		char want[sizeof(v->path)];

		/* An entry is trusted only in its own file. */
		intel_lm_record_path(state_dir(c), v->e.pf.key, v->e.vf, want, sizeof(want));
		if (strcmp(strrchr(want, '/'), strrchr(v->path, '/')))
			v->read_err = -EBADMSG;
	}
	if (!v->read_err) {
		probe_lock(c, v);
		/* Pending, and nobody at work on it: its process died with it in flight. */
		if (v->e.pending && !v->in_progress)
			v->e.state = INTEL_LM_VF_UNKNOWN;
		return;
	}
	/* An entry that cannot be read still names its PF and VF: "KEY-vfN.rec". */
	base = base ? base + 1 : v->path;
	dash = strrchr(base, '-');
	if (dash && !strncmp(dash, "-vf", 3) && dash[3] >= '1' && dash[3] <= '9') {
		errno = 0;
		vf = strtoul(dash + 3, &end, 10);
		if (!errno && !strcmp(end, ".rec") && vf <= INTEL_LM_VF_MAX &&
		    (size_t)(dash - base) < sizeof(v->e.pf.key)) {
			memcpy(v->e.pf.key, base, (size_t)(dash - base));
			v->e.pf.key[dash - base] = '\0';
			v->e.vf = (uint16_t)vf;
		}
	}
	v->e.state = v->read_err == -ENOENT ? INTEL_LM_VF_RUNNING : INTEL_LM_VF_UNKNOWN;
}

/* The record's directory, checked: 0 (*@missing: it does not exist, so no records), or a
 * failure, reported. */
static int check_dir(const struct cli *c, bool *missing)
{
	enum intel_lm_dir_problem why;
	int ret = intel_lm_own_dir(state_dir(c), false, &why);
	char hint[4096 + 512];

	*missing = ret == -ENOENT;
	if (!ret || *missing)
		return 0;
	dir_fix_hint(state_dir(c), "STATE", INTEL_LM_STATE_DIR, why, false, hint, sizeof(hint));
	return report(c, NULL, -1, "read record", ret, "the record directory %s is not trusted: "
		      "%s (%s)\n%s", state_dir(c), why == INTEL_LM_DIR_ERROR ? strerror(-ret) :
		      intel_lm_dir_problem_text(why), intel_lm_errno_name(ret), hint);
}

/* Every VF of the named PF (or those --vf selects), recorded or not. */
static int collect_pf(const struct cli *c, struct session *s, struct views *vs)
{
	uint16_t *sel = NULL;
	const char *bad;
	char valid[256];
	size_t i, n = 0;
	int ret;

	ret = session_open(c, c->device, s);
	if (!ret)
		ret = session_need_vf(c, s);
	if (ret)
		return ret;
	ret = intel_lm_vf_select(c->vf_arg ? c->vf_arg : "all", pf_vfs(s), &sel, &n, &bad);
	if (ret) {
		intel_lm_vf_list_format(pf_vfs(s), valid, sizeof(valid));
		free(sel);
		return report(c, s, -1, "check --vf", ret, "--vf=%s %s; this PF's VFs are: %s"
			      "\nname VFs it has", c->vf_arg, ret == -ENOENT ? "names a VF this PF "
			      "does not have" : "is malformed", valid);
	}
	for (i = 0; i < n; i++) {
		struct rec_view *v = views_add(vs);

		if (!v) {
			free(sel);
			return report(c, s, -1, c->cmd->name, -ENOMEM, "out of memory");
		}
		intel_lm_record_path(c->state_dir, pf_key(s), sel[i], v->path,
				     sizeof(v->path));
		read_view(c, v);
		if (v->read_err) {
			v->e.pf = *intel_lm_pf_id(s->pf);
			v->e.vf = sel[i];
		} else if (intel_lm_vf_reset_seen(intel_lm_vf_find(pf_vfs(s), sel[i]))) {
			intel_lm_record_outlive(&v->e, INTEL_LM_OUTLIVED_RESET);
		}
		snprintf(v->e.device, sizeof(v->e.device), "%s", pf_path(s));
	}
	free(sel);
	return 0;
}

/* Every VF on record, of every PF (or the VFs --vf names). */
static int collect_all(const struct cli *c, struct views *vs)
{
	char **paths = NULL;
	size_t i, count = 0;
	int ret;

	ret = intel_lm_record_list(c->state_dir, &paths, &count);
	if (ret)
		return report(c, NULL, -1, "read record", ret, "cannot list %s: %s (%s)",
			      state_dir(c), strerror(-ret), intel_lm_errno_name(ret));
	for (i = 0; i < count; i++) {
		struct rec_view *v = views_add(vs);

		if (!v) {
			intel_lm_record_list_free(paths, count);
			return report(c, NULL, -1, c->cmd->name, -ENOMEM, "out of memory");
		}
		snprintf(v->path, sizeof(v->path), "%s", paths[i]);
		read_view(c, v);
	}
	intel_lm_record_list_free(paths, count);
	return 0;
}

/* --vf without a device: keep the entries of the VFs it names (of any PF). */
static int filter_vfs(const struct cli *c, struct views *vs)
{
	struct intel_lm_vf_list list = { 0 };
	uint16_t *sel = NULL;
	const char *bad;
	size_t i, j, k = 0, n = 0;
	int ret;

	if (!c->vf_arg)
		return 0;
	/* Any VF index may be named: those without a record are simply not shown. */
	list.vf = calloc(INTEL_LM_VF_MAX, sizeof(*list.vf));
	if (!list.vf)
		return report(c, NULL, -1, c->cmd->name, -ENOMEM, "out of memory");
	for (list.count = 0; list.count < INTEL_LM_VF_MAX; list.count++)
		list.vf[list.count].vf = (uint16_t)(list.count + 1);
	ret = intel_lm_vf_select(c->vf_arg, &list, &sel, &n, &bad);
	free(list.vf);
	if (ret) {
		free(sel);
		return report(c, NULL, -1, "check --vf", ret, "--vf=%s is malformed\nuse VF indexes "
			      "(1 to 65535), ranges (5-8), lists (1,3,5-8) or all", c->vf_arg);
	}
	for (i = 0; i < vs->n; i++) {
		for (j = 0; j < n && sel[j] != vs->v[i].e.vf; j++)
			;
		if (j < n)
			vs->v[k++] = vs->v[i];
	}
	vs->n = k;
	free(sel);
	return 0;
}

static struct rec_view *find_view(struct views *vs, const char *key, uint16_t vf)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (!vs->v[i].read_err && vs->v[i].e.vf == vf && !strcmp(vs->v[i].e.pf.key, key))
			return &vs->v[i];
	return NULL;
}

const char *outlived_words(const struct intel_lm_rec_entry *e)
{
	switch (e->outlived) {
	case INTEL_LM_OUTLIVED_BOOT:
		return "it was written before this host's last boot";
	case INTEL_LM_OUTLIVED_NO_BOOT:
		return "it names no boot (an earlier intel-lm wrote it), so the host may have "
		       "rebooted since";
	case INTEL_LM_OUTLIVED_RESET:
		return "the PF was reset since: the VF is offline with no queue or interrupt "
		       "resources";
	default:
		return "it no longer counts";
	}
}

/* Words for an entry: what is interrupted, and what to do (for status and recover). */
static void advise(const struct cli *c, struct rec_view *v)
{
	const struct intel_lm_rec_entry *e = &v->e;
	const char *dev = e->device[0] ? e->device : "<device>";

	if (v->read_err && v->read_err != -ENOENT) {
		v->unresolved = true;
		snprintf(v->advice, sizeof(v->advice), "the record %s is %s and not trusted; "
			 "the VF's state is unknown: check the VF, then '%s recover %s --vf=%u "
			 "--confirm=running|suspended'%s", v->path, v->read_err == -EBADMSG ?
			 "torn or corrupt" : "not root's own regular file", c->prog, dev, e->vf,
			 v->read_err == -EBADMSG ? "" : " (it moves the file aside, kept, and "
			 "starts a fresh record)");
		return;
	}
	if (v->in_progress) {
		snprintf(v->advice, sizeof(v->advice), "in progress: %s", v->holder);
		return;
	}
	if (e->outlived) {
		v->unresolved = true;
		snprintf(v->advice, sizeof(v->advice), "the entry says %s%s, but %s; a VF runs "
			 "with a fresh state after a reboot or a PF reset, unless something else "
			 "was done to it since: check the VF, then '%s recover %s --vf=%u "
			 "--confirm=running' (or suspended)", intel_lm_vf_state_name(e->outlived_state), e->pending ?
			 " with a command in flight" : "", outlived_words(e), c->prog, dev, e->vf);
		return;
	}
	if (e->op == INTEL_LM_OP_MIGRATE && e->op_open) {
		v->unresolved = true;
		snprintf(v->advice, sizeof(v->advice), "migration %s (%s VF %u %s %s VF %u) was "
			 "interrupted: '%s recover %s --vf=%u' settles it", e->op_id, dev, e->vf,
			 e->role == INTEL_LM_ROLE_SOURCE ? "to" : "from", e->peer_device, e->peer_vf,
			 c->prog, dev, e->vf);
		return;
	}
	if (e->pending || e->state == INTEL_LM_VF_UNKNOWN) {
		uint8_t opc = e->pending ? e->pending : e->last_opcode;
		char why[160], step[96];

		v->unresolved = true;
		if (e->pending)
			snprintf(why, sizeof(why), "was in flight when its process died: its "
				 "effect is unknown");
		else if (e->last_ret > 0)
			/*
			 * A refusal changes nothing: the doubt is an earlier command's, or the
			 * refusal's own when it said the record was wrong (Command Sequence Error).
			 */
			snprintf(why, sizeof(why), "was refused by the device (status 0x%04x) "
				 "and changed nothing, but the VF's state is unknown", e->last_ret);
		else if (e->last_ret == -EINTR)
			/* what the kernel suite saw: a timeout, the PF reset, its VFs offline */
			snprintf(why, sizeof(why), "failed with an errno: its effect is unknown "
				 "(EINTR: a timeout, and Linux reset the PF, which can take its "
				 "VFs offline)");
		else
			snprintf(why, sizeof(why), "failed with an errno: its effect is "
				 "unknown");
		snprintf(v->advice, sizeof(v->advice), "%s %s; check the VF, then settle it: '%s "
			 "recover %s --vf=%u --confirm=running' (or suspended), or a command that "
			 "succeeds (e.g. '%s resume %s --vf=%u')", opc ? step_words(e->protocol,
			 opc, step, sizeof(step)) : "a command", why, c->prog, dev, e->vf, c->prog,
			 dev, e->vf);
		return;
	}
	if (e->op_open && e->op != INTEL_LM_OP_MIGRATE &&
	    e->last_opcode == INTEL_LM_OPC_SAVE_DATA && !e->last_ret &&
	    e->state == INTEL_LM_VF_SAVED && !e->state_file[0]) {
		/* SAVE_DATA's outcome is on record before the file is written. */
		v->unresolved = true;
		snprintf(v->advice, sizeof(v->advice), "SAVE_DATA completed, then the %s was "
			 "interrupted while it wrote the state's file: no file holds the state "
			 "and the VF is saved (disabled); '%s recover %s --vf=%u' closes it; then "
			 "resume the VF ('%s resume %s --vf=%u') or save it again",
			 intel_lm_op_kind_name(e->op), c->prog, dev, e->vf, c->prog, dev, e->vf);
		return;
	}
	if (e->op_open) {
		v->unresolved = true;
		snprintf(v->advice, sizeof(v->advice), "its %s was interrupted after the device "
			 "finished; '%s recover %s --vf=%u' closes it", intel_lm_op_kind_name(e->op),
			 c->prog, dev, e->vf);
		return;
	}
	if (e->last_opcode && e->last_ret > 0) {
		char why[256], step[96];

		/* Settled: the last command was refused, which changed nothing. */
		intel_lm_step_strerror(e->last_ret, e->protocol, e->last_opcode, why, sizeof(why));
		snprintf(v->last_refused, sizeof(v->last_refused), "%s was refused by the device: "
			 "%s; it changed nothing (the VF stayed %s)",
			 step_words(e->protocol, e->last_opcode, step, sizeof(step)), why,
			 intel_lm_vf_state_name(e->state));
	}
}

/* The entries status and recover work on: the named PF's VFs, or every VF on record. */
static int collect(const struct cli *c, struct session *s, struct views *vs)
{
	bool missing;
	int ret;

	memset(s, 0, sizeof(*s));
	s->cli = c;
	ret = check_dir(c, &missing);
	if (ret)
		return ret;
	if (c->device)
		return collect_pf(c, s, vs);
	if (missing)
		return 0;
	ret = collect_all(c, vs);
	return ret ? ret : filter_vfs(c, vs);
}

int cmd_status(const struct cli *c)
{
	struct views vs = { 0 };
	struct session s;
	size_t i;
	int ret;

	ret = collect(c, &s, &vs);
	if (!ret) {
		for (i = 0; i < vs.n; i++)
			advise(c, &vs.v[i]);
		c->out->pr->records(c, vs.v, vs.n, false);
	}
	free(vs.v);
	session_close(&s);
	return ret;
}

/* recover */

/*
 * The PF was found: before its RESUME, the warning about a short --timeout, which names its
 * online VFs (their list is asked for only then).
 */
static int found_pf(struct session *s)
{
	if (s->cli->timeout_ms && !intel_lm_pf_list_vfs(s->pf, &s->opts))
		session_warn_timeout(s);
	return 0;
}

/* Find and open the PF an entry names: its recorded device if it is still that PF, or the
 * host's PF with that identity. */
static int open_pf(const struct cli *c, const struct intel_lm_rec_entry *e, struct session *s)
{
	char names[64][INTEL_LM_DEV_NAME_LEN];
	int i, n;

	memset(s, 0, sizeof(*s));
	s->cli = c;
	s->opts.timeout_ms = c->timeout_ms;
	if (e->device[0] && !intel_lm_pf_open(e->device, c->sysfs, &s->pf, NULL, NULL) &&
	    !intel_lm_pf_identify(s->pf, &s->opts) &&
	    !strcmp(pf_key(s), e->pf.key))
		return found_pf(s);
	session_close(s);
	n = intel_lm_find_pfs(c->sysfs, names, 64);
	for (i = 0; i < n && i < 64; i++) {
		if (intel_lm_pf_open(names[i], c->sysfs, &s->pf, NULL, NULL))
			continue;
		if (!intel_lm_pf_identify(s->pf, &s->opts) &&
		    !strcmp(pf_key(s), e->pf.key))
			return found_pf(s);
		session_close(s);
	}
	return -ENODEV;
}

/* A VF being settled: its lock and its record, opened for writing. */
struct held {
	struct intel_lm_lock *lk;
	struct intel_lm_record rec;
};

/* A record file intel-lm refuses to trust: not a regular file of ours with one link. */
static bool untrusted(int err)
{
	return err == -EPERM || err == -ELOOP || err == -EISDIR;
}

/*
 * Move the untrusted record file at @path aside, never removing it: to
 * PATH.untrusted-YYYYmmddTHHMMSSZ (or with -N after it when that exists), named in @to, and
 * make the rename durable. What was there is kept for whoever wants to look at it.
 */
static int set_aside(const char *path, char *to, size_t len)
{
	char stamp[32], dir[4096], *slash;
	time_t now = time(NULL);
	struct tm tm;
	int i, fd, ret = -EEXIST;

	if (!gmtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
		snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	for (i = 0; i < 100 && ret == -EEXIST; i++) {
		if (snprintf(to, len, i ? "%s.untrusted-%s-%d" : "%s.untrusted-%s", path, stamp,
			     i) >= (int)len)
			return -ENAMETOOLONG;
		ret = renameat2(AT_FDCWD, path, AT_FDCWD, to, RENAME_NOREPLACE) ? -errno : 0;
	}
	if (ret) {
		to[0] = '\0';
		return ret;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		ret = fsync(fd) ? -errno : 0;
		close(fd);
	}
	return ret;
}

/*
 * Take a VF's lock and open its record for writing. With @aside (recover --confirm), a record
 * file that cannot be trusted is moved aside (set_aside()) and a fresh one started.
 */
static int hold(const struct cli *c, struct rec_view *v, struct held *h, bool aside)
{
	char holder[256];
	int ret;

	h->lk = NULL;
	h->rec.fd = -1;
	ret = intel_lm_lock_vf(c->lock_dir, v->e.pf.key, v->e.vf, c->wait_ms, "recover", &h->lk,
			       holder, sizeof(holder));
	/* Not settled, whatever it needed (a --confirm too): it stays unresolved (exit 5). */
	if (ret == -EWOULDBLOCK) {
		v->unresolved = true;
		snprintf(v->action, sizeof(v->action), "left alone: %s works on it", holder);
		return ret;
	}
	if (!ret) {
		/* Read again under the lock: the entry may have moved on since. */
		ret = intel_lm_record_open(c->state_dir, &v->e.pf, v->e.vf, &h->rec);
		if (aside && untrusted(ret) && c->dry_run) {
			ret = 0;
		} else if (aside && untrusted(ret)) {
			intel_lm_record_path(c->state_dir, v->e.pf.key, v->e.vf, h->rec.path,
					     sizeof(h->rec.path));
			ret = set_aside(h->rec.path, v->moved_to, sizeof(v->moved_to));
			if (!ret)
				ret = intel_lm_record_open(c->state_dir, &v->e.pf, v->e.vf,
							   &h->rec);
			else
				snprintf(v->action, sizeof(v->action), "cannot move the untrusted "
					 "record %s aside: %s (%s)", h->rec.path, strerror(-ret),
					 intel_lm_errno_name(ret));
		}
		if (ret == -EBADMSG)
			ret = 0;
		if (!ret && h->rec.existed) {
			bool reset = v->e.outlived == INTEL_LM_OUTLIVED_RESET;

			/* The reset was seen on the device: read again, the entry still says it. */
			if (reset)
				intel_lm_record_outlive(&h->rec.entry, INTEL_LM_OUTLIVED_RESET);
			v->e = h->rec.entry;
		}
	}
	if (ret && !v->action[0]) {
		snprintf(v->action, sizeof(v->action), "cannot take its lock and record: %s (%s)",
			 strerror(-ret), intel_lm_errno_name(ret));
	}
	if (ret) {
		v->unresolved = true;
		intel_lm_unlock_vf(h->lk);
		h->lk = NULL;
	}
	return ret;
}

static void release(struct held *h)
{
	intel_lm_record_close(&h->rec);
	intel_lm_unlock_vf(h->lk);
	h->lk = NULL;
}

static int write_entry(struct rec_view *v, struct held *h)
{
	int ret;

	h->rec.entry = v->e;
	ret = intel_lm_record_write(&h->rec);
	if (!ret) {
		v->e = h->rec.entry;
		v->changed = true;
	} else {
		/* The record still says what it said: the VF stays unresolved (exit 5). */
		v->unresolved = true;
		snprintf(v->action + strlen(v->action), sizeof(v->action) - strlen(v->action),
			 "; the record could not be written: %s", intel_lm_errno_name(ret));
	}
	return ret;
}

/*
 * The safety copy of the migration @src (a source's view) belongs to: its state file while
 * that is the copy, else the file the migration may leave behind (which outlives the
 * rollback RESUME's outcome). "" when none.
 */
static void safety_copy(const struct rec_view *src, char *path, size_t len)
{
	const struct intel_lm_rec_entry *e = &src->e;
	bool migrating = e->op == INTEL_LM_OP_MIGRATE && e->role == INTEL_LM_ROLE_SOURCE;

	snprintf(path, len, "%s", e->state_file_temporary ? e->state_file :
		 migrating ? e->tmp_file : "");
}

/* A safety copy that has done its job: off the source's entry, before the entry is written. */
static void forget_temporary(struct intel_lm_rec_entry *e, const char *path)
{
	if (!path[0])
		return;
	if (!strcmp(e->state_file, path)) {
		e->state_file[0] = '\0';
		e->state_file_temporary = false;
	}
	if (!strcmp(e->tmp_file, path))
		e->tmp_file[0] = '\0';
}

/*
 * Then the file goes (once the entry no longer names it: a crash in between leaves a file
 * nobody names, never an entry naming a file that is gone), and the report says so.
 */
static void remove_temporary(const struct cli *c, struct rec_view *src, const char *path)
{
	size_t n = strlen(src->action);

	if (!path[0])
		return;
	if (c->dry_run)
		snprintf(src->action + n, sizeof(src->action) - n, "; would remove its safety copy "
			 "%s (the state runs again)", path);
	else if (unlink(path) < 0 && errno != ENOENT)
		snprintf(src->action + n, sizeof(src->action) - n, "; its safety copy %s could not "
			 "be removed: %s (%s): remove it yourself (the state runs again)", path,
			 strerror(errno), intel_lm_errno_name(-errno));
	else
		snprintf(src->action + n, sizeof(src->action) - n, "; removed its safety copy %s "
			 "(the state runs again)", path);
}

static void close_op(struct intel_lm_rec_entry *e)
{
	e->op_open = false;
	e->pending = 0;
}

/* A migration's part closed on its own: unresolved only if its state stays unknown. */
static void closed_alone(const struct cli *c, struct rec_view *v)
{
	const char *dev = v->e.device[0] ? v->e.device : "<device>";

	v->unresolved = v->e.state == INTEL_LM_VF_UNKNOWN;
	v->advice[0] = '\0';
	if (v->unresolved)
		snprintf(v->advice, sizeof(v->advice), "its state is unknown (a command's effect "
			 "on it is): check the VF, then settle it: '%s recover %s --vf=%u "
			 "--confirm=running' (or suspended)", c->prog, dev, v->e.vf);
}

/* The rollback RESUME's intent, under the identities' lock the rule was asked under. */
static int resume_intent(void *priv)
{
	return intel_lm_record_begin(priv, INTEL_LM_OPC_RESUME);
}

/* Resume the source of a migration whose destination never ran; 0 when it runs. */
static int resume_source(const struct cli *c, struct rec_view *src,
			 const struct intel_lm_rec_entry *dst, struct held *h)
{
	struct session s;
	char why[INTEL_LM_PATH_MAX + 256];
	int ret;

	if (c->dry_run) {
		if (guard_entry(c, &src->e, dst, INTEL_LM_RULE_RESUME, NULL, NULL, &ret, why,
				sizeof(why))) {
			snprintf(src->action, sizeof(src->action), "left the source alone: %s; "
				 "nothing was sent", why);
			return -EBUSY;
		}
		snprintf(src->action, sizeof(src->action), "would resume the source (RESUME)");
		return 0;
	}
	ret = open_pf(c, &src->e, &s);
	if (ret) {
		snprintf(src->action, sizeof(src->action), "cannot find its PF %s (%s) on this host",
			 src->e.pf.key, src->e.device);
		return ret;
	}
	/* The RESUME goes over the protocol the VF's commands went over (the record's). */
	if (src->e.protocol != pf_proto(&s)->protocol)
		ret = intel_lm_pf_use_protocol(s.pf, src->e.protocol, &s.opts);
	if (!ret && pf_proto(&s)->protocol == INTEL_LM_PROTO_TP4159)
		ret = intel_lm_pf_list_vfs(s.pf, &s.opts);
	if (ret) {
		snprintf(src->action, sizeof(src->action), "cannot resume it over %s, as its "
			 "commands went: %s; nothing was sent",
			 intel_lm_protocol_name(src->e.protocol), intel_lm_errno_name(ret));
		session_close(&s);
		return ret;
	}
	h->rec.entry = src->e;
	snprintf(h->rec.entry.device, sizeof(h->rec.entry.device), "%s", pf_path(&s));
	/* The rule and the intent under one lock: no other resume or load passes in between. */
	if (guard_entry(c, &h->rec.entry, dst, INTEL_LM_RULE_RESUME, resume_intent, &h->rec, &ret,
			why, sizeof(why))) {
		snprintf(src->action, sizeof(src->action), "left the source alone: %s; nothing was "
			 "sent", why);
		session_close(&s);
		return -EBUSY;
	}
	if (ret) {
		snprintf(src->action, sizeof(src->action), "cannot put the RESUME on record: %s; "
			 "nothing was sent", intel_lm_errno_name(ret));
		session_close(&s);
		return ret;
	}
	ret = intel_lm_pf_send(s.pf, src->e.vf, INTEL_LM_OPC_RESUME, NULL, 0, &s.opts, NULL);
	intel_lm_record_end(&h->rec, INTEL_LM_OPC_RESUME, ret, 0);
	src->e = h->rec.entry;
	intel_lm_step_strerror(ret, session_protocol(&s), INTEL_LM_OPC_RESUME, why, sizeof(why));
	snprintf(src->action, sizeof(src->action), ret ? "the source's RESUME failed: %s" :
		 "the source was resumed (RESUME on %s)", ret ? why : pf_path(&s));
	session_close(&s);
	return ret;
}

enum resume_effect dst_resume(const struct intel_lm_rec_entry *d)
{
	if (d->pending == INTEL_LM_OPC_RESUME ||
	    (d->state == INTEL_LM_VF_UNKNOWN && d->last_opcode == INTEL_LM_OPC_RESUME))
		return RESUME_UNKNOWN;
	if (d->state == INTEL_LM_VF_RUNNING && d->last_opcode == INTEL_LM_OPC_RESUME)
		return RESUME_DONE;
	return RESUME_NOT_SENT;
}

static bool confirming(const struct cli *c, const struct rec_view *v, const char *dev_key)
{
	return c->confirm != INTEL_LM_VF_STATES && v->e.vf == c->vf &&
	       !strcmp(v->e.pf.key, dev_key);
}

/*
 * A migration whose other VF is on another host (migrate --to=ssh://). A source's recover asks
 * that host (peer_settle(): its serve-peer claims the VF and reads its record) and settles as
 * on one host: the destination runs: the migration is done, the source stays as it is; it
 * never ran: the source is resumed, then that host closes its part. In doubt, or when that
 * host cannot be asked, nothing is decided: the advice names what to check on which host. A
 * destination is left to its source's host, whose recover asks this one.
 */
static void recover_remote(const struct cli *c, struct rec_view *v, struct held *hs)
{
	char safety[INTEL_LM_REC_PATH_LEN] = "", why[1024] = "", host[128], dev[32];
	bool src_role = v->e.role == INTEL_LM_ROLE_SOURCE;
	struct peer_conn *pc = NULL;
	struct peer_answer a;
	int ret = -ENOTCONN;

	peer_host(v->e.peer_device, host, sizeof(host), dev, sizeof(dev));
	v->unresolved = true;
	if (src_role && c->dry_run)
		snprintf(why, sizeof(why), "--dry-run asks no other host");
	else if (src_role)
		ret = peer_settle(c, v->e.peer_device, v->e.peer_vf, v->e.op_id, &pc, &a, why,
				  sizeof(why));
	if (!ret && !strcmp(a.verdict, "runs")) {
		/* The state runs there: the migration is done; the source stays as it is. */
		safety_copy(v, safety, sizeof(safety));
		snprintf(v->action, sizeof(v->action), "left as it is (%s): %s says its VF %u runs "
			 "the state: migration %s completed", intel_lm_vf_state_name(v->e.state),
			 host, v->e.peer_vf, v->e.op_id);
		goto settled;
	}
	if (!ret && !strcmp(a.verdict, "stopped")) {
		if (v->e.pending == INTEL_LM_OPC_RESUME || (v->e.state == INTEL_LM_VF_UNKNOWN &&
		    v->e.last_opcode == INTEL_LM_OPC_RESUME)) {
			/* The rollback's own RESUME is unknown: never re-sent. */
			snprintf(v->action, sizeof(v->action), "left alone: %s says its VF %u never "
				 "ran, but the rollback's RESUME here may have run", host,
				 v->e.peer_vf);
			snprintf(v->advice, sizeof(v->advice), "resuming the source is safe: '%s "
				 "resume %s --vf=%u'; or, once you checked that it runs, '%s recover "
				 "%s --vf=%u --confirm=running'", c->prog, v->e.device, v->e.vf,
				 c->prog, v->e.device, v->e.vf);
			peer_settle_end(c, pc, false);
			return;
		}
		if (v->e.state == INTEL_LM_VF_RUNNING && !v->e.pending) {
			snprintf(v->action, sizeof(v->action), "running: nothing to roll back (%s "
				 "says its VF %u never ran)", host, v->e.peer_vf);
		} else {
			/*
			 * On record first that the destination never ran (the rolled-back step):
			 * the one rule no longer counts the state as one that may run there.
			 */
			v->e.step = INTEL_LM_MIG_STEPS;
			ret = write_entry(v, hs);
			if (!ret)
				ret = resume_source(c, v, NULL, hs);
			if (ret) {
				snprintf(v->advice, sizeof(v->advice), "fix the cause, then run '%s "
					 "recover' again (%s's VF %u never ran and stays as it is)",
					 c->prog, host, v->e.peer_vf);
				peer_settle_end(c, pc, false);
				return;
			}
			snprintf(v->action + strlen(v->action), sizeof(v->action) -
				 strlen(v->action), "; %s says its VF %u never ran", host,
				 v->e.peer_vf);
		}
		safety_copy(v, safety, sizeof(safety));
		goto settled;
	}
	if (!ret) {
		/* In doubt there, or its record moved on: nothing here is decided. */
		snprintf(why, sizeof(why), "%s says its VF %u is %s on record, %s", host,
			 v->e.peer_vf, a.state, !strcmp(a.verdict, "doubt") ? "its RESUME's effect "
			 "unknown (or its entry no longer counts)" : "in another migration or none");
		peer_settle_end(c, pc, false);
	}
	snprintf(v->action, sizeof(v->action), "left alone: the other VF (%s VF %u) is on another "
		 "host, whose record is there%s%s", v->e.peer_device, v->e.peer_vf, why[0] ? "; " :
		 "", why);
	snprintf(v->advice, sizeof(v->advice), "on %s, '%s status %s --vf=%u' shows the other VF "
		 "(migration %s); %s; then settle each VF on its own host with '%s recover <device> "
		 "--vf=N --confirm=running|suspended'%s", host, c->prog, dev, v->e.peer_vf,
		 v->e.op_id, src_role ? "if it runs the state, the migration is done: leave this "
		 "source suspended; if it does not, this source may be resumed" : "if the source "
		 "there runs, do not resume this VF: it holds a copy of a running state", c->prog,
		 src_role ? "" : "; recover on the source's host asks this one and settles both");
	return;
settled:
	v->unresolved = false;
	v->advice[0] = '\0';
	forget_temporary(&v->e, safety);
	close_op(&v->e);
	if (!write_entry(v, hs)) {
		remove_temporary(c, v, safety);
		/* This side is settled: that host closes its part (left open if it cannot). */
		ret = peer_settle_end(c, pc, true);
		if (ret)
			snprintf(v->action + strlen(v->action), sizeof(v->action) -
				 strlen(v->action), "; %s could not close its part (%s): recover there "
				 "closes it", host, intel_lm_errno_name(ret));
	} else {
		peer_settle_end(c, pc, false);
	}
}

/* Settle the migration @v belongs to; @v and its peer are marked resolved or not. */
static void recover_migration(const struct cli *c, struct views *vs, struct rec_view *v,
			      const char *dev_key, struct views *extra)
{
	struct rec_view peer_store, *peer, *src, *dst;
	char safety[INTEL_LM_REC_PATH_LEN] = "";
	struct held hs, hd;
	bool peer_held = false;
	int ret;

	memset(&peer_store, 0, sizeof(peer_store));
	peer = find_view(vs, v->e.peer.key, v->e.peer_vf);
	if (!peer) {
		intel_lm_record_path(c->state_dir, v->e.peer.key, v->e.peer_vf, peer_store.path,
				     sizeof(peer_store.path));
		read_view(c, &peer_store);
		peer = &peer_store;
	}
	if (hold(c, v, &hs, false))
		return;
	if (!v->e.op_open) {
		snprintf(v->action, sizeof(v->action), "already settled");
		goto out;
	}
	if (strchr(v->e.peer_device, ':')) {
		/* migrate --to=ssh://: the other VF and its record are on another host. */
		recover_remote(c, v, &hs);
		goto out;
	}
	if (peer->read_err == -ENOENT && v->e.role == INTEL_LM_ROLE_DESTINATION) {
		/* The source's intent is written before its SUSPEND: it was never touched. */
		close_op(&v->e);
		snprintf(v->action, sizeof(v->action), "closed: the migration stopped before it "
			 "touched the source");
		closed_alone(c, v);
		if (!c->dry_run)
			write_entry(v, &hs);
		goto out;
	}
	if (peer->read_err || peer->in_progress || hold(c, peer, &hd, false)) {
		/* Without the other VF's entry, nothing here can be decided safely. */
		v->unresolved = true;
		snprintf(v->action, sizeof(v->action), "left alone: the other VF's record (%s VF "
			 "%u) %s", v->e.peer_device, v->e.peer_vf, peer->in_progress ? "is in use" :
			 peer->read_err == -ENOENT ? "is missing" : "cannot be read or trusted");
		snprintf(v->advice, sizeof(v->advice), "check both VFs, then settle each: '%s "
			 "recover <device> --vf=N --confirm=running|suspended'", c->prog);
		goto out;
	}
	peer_held = true;
	if (peer->e.outlived && !strcmp(peer->e.op_id, v->e.op_id) && peer->e.op_open) {
		/* A reboot or a reset undid the other VF's part: nothing is sent on its word. */
		v->unresolved = true;
		snprintf(v->action, sizeof(v->action), "left alone: the other VF's entry (%s VF "
			 "%u) no longer counts: %s", v->e.peer_device, v->e.peer_vf,
			 outlived_words(&peer->e));
		snprintf(v->advice, sizeof(v->advice), "check both VFs, then settle the other one "
			 "first: '%s recover %s --vf=%u --confirm=running|suspended'", c->prog,
			 v->e.peer_device, v->e.peer_vf);
		goto out;
	}
	if (strcmp(peer->e.op_id, v->e.op_id)) {
		/* The other VF's entry moved on (or is gone): nothing of this one can be undone. */
		bool runs = v->e.state == INTEL_LM_VF_RUNNING && !v->e.pending;

		if (v->e.role == INTEL_LM_ROLE_SOURCE)
			safety_copy(v, safety, sizeof(safety));
		close_op(&v->e);
		snprintf(v->action, sizeof(v->action), "closed: the other VF's record no longer "
			 "belongs to migration %s", v->e.op_id);
		if (safety[0] && !runs) {
			/* The source's state may run nowhere: its copy stays, on record. */
			size_t n = strlen(v->action);

			snprintf(v->action + n, sizeof(v->action) - n, "; its safety copy %s is "
				 "kept: the source is %s and its state may run nowhere else; "
				 "remove the copy once that state runs again", safety,
				 intel_lm_vf_state_name(v->e.state));
			safety[0] = '\0';
		}
		closed_alone(c, v);
		forget_temporary(&v->e, safety);
		/* The copy goes once the record no longer names it (or would, under --dry-run). */
		if (c->dry_run || !write_entry(v, &hs))
			remove_temporary(c, v, safety);
		goto out;
	}
	src = v->e.role == INTEL_LM_ROLE_SOURCE ? v : peer;
	dst = src == v ? peer : v;
	safety_copy(src, safety, sizeof(safety));

	if (dst_resume(&dst->e) == RESUME_UNKNOWN && confirming(c, dst, dev_key)) {
		/*
		 * The record says what the operator said. Not running, it holds the source's state
		 * (its LOAD_DATA took effect) or may (in doubt): its identities say so, and the rule
		 * protects them whatever the word for its state.
		 */
		dst->e.state = c->confirm;
		dst->e.pending = 0;
		dst->e.last_opcode = c->confirm == INTEL_LM_VF_RUNNING ? INTEL_LM_OPC_RESUME : 0;
		snprintf(dst->action, sizeof(dst->action), "confirmed %s by you",
			 intel_lm_vf_state_name(c->confirm));
	}
	switch (dst_resume(&dst->e)) {
	case RESUME_UNKNOWN:
		src->unresolved = dst->unresolved = true;
		snprintf(dst->action, sizeof(dst->action), "left alone: its RESUME's effect is "
			 "unknown, so the source was not resumed");
		snprintf(dst->advice, sizeof(dst->advice), "find out whether VF %u of %s runs, "
			 "then: '%s recover %s --vf=%u --confirm=running' (the migration is done) or "
			 "'--confirm=suspended' (recover then resumes the source); never resume both",
			 dst->e.vf, dst->e.device, c->prog, dst->e.device, dst->e.vf);
		snprintf(src->action, sizeof(src->action), "left suspended: the destination may run");
		snprintf(src->advice, sizeof(src->advice), "settle the destination VF %u of %s "
			 "first (see its entry)", dst->e.vf, dst->e.device);
		goto out;
	case RESUME_DONE:
		snprintf(dst->action + strlen(dst->action), sizeof(dst->action) -
			 strlen(dst->action), "%sthe destination runs: migration %s completed",
			 dst->action[0] ? "; " : "", v->e.op_id);
		snprintf(src->action, sizeof(src->action), "left as it is (%s): its state now runs "
			 "in the destination", intel_lm_vf_state_name(src->e.state));
		break;
	case RESUME_NOT_SENT:
		/*
		 * The destination never ran: an unknown LOAD left it suspended either way, and
		 * perhaps holding the source's state, which "loaded" says (a VF "suspended" on
		 * record is one that holds its own).
		 */
		if (dst->e.state == INTEL_LM_VF_UNKNOWN &&
		    (dst->e.pending == INTEL_LM_OPC_LOAD_DATA ||
		     dst->e.last_opcode == INTEL_LM_OPC_LOAD_DATA))
			dst->e.state = INTEL_LM_VF_LOADED;
		snprintf(dst->action + strlen(dst->action), sizeof(dst->action) -
			 strlen(dst->action), "%sleft as it is (%s; the destination never ran): do "
			 "not resume it into a guest", dst->action[0] ? "; " : "",
			 intel_lm_vf_state_name(dst->e.state));
		if (confirming(c, src, dev_key) && (src->e.pending || src->e.state ==
						   INTEL_LM_VF_UNKNOWN)) {
			/* The operator's word on the source: running closes the migration. */
			intel_lm_record_confirm(&src->e, c->confirm);
			src->e.since = 0;
			snprintf(src->action, sizeof(src->action), "confirmed %s by you",
				 intel_lm_vf_state_name(c->confirm));
		}
		if (src->e.pending == INTEL_LM_OPC_RESUME || (src->e.state == INTEL_LM_VF_UNKNOWN &&
		    src->e.last_opcode == INTEL_LM_OPC_RESUME)) {
			/* The rollback's own RESUME is unknown: never re-sent. */
			src->unresolved = true;
			snprintf(src->action, sizeof(src->action), "left alone: the rollback's RESUME "
				 "may have run");
			snprintf(src->advice, sizeof(src->advice), "the destination never ran, so "
				 "resuming the source is safe: '%s resume %s --vf=%u'; or, once "
				 "you checked that it runs, '%s recover %s --vf=%u "
				 "--confirm=running'", c->prog, src->e.device, src->e.vf, c->prog,
				 src->e.device, src->e.vf);
			goto out;
		}

		if (src->e.state == INTEL_LM_VF_RUNNING && !src->e.pending) {
			snprintf(src->action + strlen(src->action), sizeof(src->action) -
				 strlen(src->action), "%srunning: nothing to roll back",
				 src->action[0] ? "; " : "");
		} else {
			ret = resume_source(c, src, &dst->e, src == v ? &hs : &hd);
			if (ret) {
				src->unresolved = true;
				snprintf(src->advice, sizeof(src->advice), "fix the cause, then run '%s "
					 "recover' again", c->prog);
				goto out;
			}
		}
		break;
	}
	src->unresolved = dst->unresolved = false;
	src->advice[0] = dst->advice[0] = '\0';
	/* Settled: the state runs again, in the destination or in the source. */
	if (c->dry_run) {
		remove_temporary(c, src, safety);
		goto out;
	}
	forget_temporary(&src->e, safety);
	close_op(&src->e);
	close_op(&dst->e);
	if (!write_entry(src, src == v ? &hs : &hd))
		remove_temporary(c, src, safety);
	write_entry(dst, dst == v ? &hs : &hd);
out:
	if (peer_held)
		release(&hd);
	release(&hs);
	v->in_progress = peer->in_progress = false;
	/* The other VF was not among those named: it is reported too. */
	if (peer == &peer_store && peer->action[0]) {
		struct rec_view *x = views_add(extra);

		if (x)
			*x = peer_store;
	}
}

/* Settle a single command's or a batch's entry. */
/*
 * Whether VF @v, which has no record, is the destination an open migration's source names: its
 * record was lost, not never written, and its state is unknown. (A destination's entry is
 * written first: a source it names without a record was never touched, see recover_migration().)
 */
static bool record_lost(const struct cli *c, const struct rec_view *v)
{
	struct intel_lm_rec_entry w;
	char **paths = NULL;
	size_t n = 0, i;
	bool lost = false;

	/* Every record, not only this PF's: the other VF may be on another PF. */
	if (v->read_err != -ENOENT || intel_lm_record_list(c->state_dir, &paths, &n))
		return false;
	for (i = 0; i < n && !lost; i++)
		lost = !intel_lm_record_read(paths[i], &w) && w.op == INTEL_LM_OP_MIGRATE &&
		       w.op_open && w.role == INTEL_LM_ROLE_SOURCE && w.peer_vf == v->e.vf &&
		       !strcmp(w.peer.key, v->e.pf.key);
	intel_lm_record_list_free(paths, n);
	return lost;
}

static void recover_single(const struct cli *c, struct rec_view *v, const char *dev_key,
			   bool lost)
{
	struct intel_lm_rec_entry *e = &v->e;
	struct held h;

	if (hold(c, v, &h, confirming(c, v, dev_key)))
		return;
	if (e->tmp_file[0]) {
		/*
		 * Only what intel-lm names its temporary files, ".NAME.XXXXXX" (mkostemp's six
		 * characters), a regular file of ours that is not the saved state's file.
		 */
		const char *b = strrchr(e->tmp_file, '/');
		const char *dot = b ? strrchr(b, '.') : NULL;
		struct stat st;

		if (!c->dry_run && b && b[1] == '.' && dot && dot > b + 1 && strlen(dot) == 7 &&
		    strcmp(e->tmp_file, e->state_file) && lstat(e->tmp_file, &st) == 0 &&
		    S_ISREG(st.st_mode) && st.st_uid == geteuid())
			unlink(e->tmp_file);
		e->tmp_file[0] = '\0';
	}
	/*
	 * A VF with no record is one intel-lm never changed: it runs, and nothing is unknown;
	 * unless an open migration names it (its record was lost).
	 */
	if (e->pending || e->state == INTEL_LM_VF_UNKNOWN ||
	    (v->read_err && (v->read_err != -ENOENT || lost))) {
		if (!confirming(c, v, dev_key)) {
			advise(c, v);
			snprintf(v->action, sizeof(v->action), "left alone: its state is unknown");
			goto out;
		}
		intel_lm_record_confirm(e, c->confirm);
		e->since = 0;
		if (v->moved_to[0] || (c->dry_run && untrusted(v->read_err))) {
			/* A fresh record: the PF as the command line named it. */
			snprintf(e->device, sizeof(e->device), "%s", c->device);
			snprintf(v->action, sizeof(v->action), "%s the untrusted record aside%s%s, "
				 "kept; ", c->dry_run ? "would move" : "moved", c->dry_run ? "" :
				 " to ", v->moved_to);
			if (!c->dry_run)
				v->read_err = 0;
		}
		snprintf(v->action + strlen(v->action), sizeof(v->action) - strlen(v->action),
			 "%s %s as you confirmed", c->dry_run ? "would record it" : "recorded it",
			 intel_lm_vf_state_name(c->confirm));
	} else if (e->op_open) {
		snprintf(v->action, sizeof(v->action), "closed its interrupted %s: the VF is %s%s",
			 intel_lm_op_kind_name(e->op), intel_lm_vf_state_name(e->state),
			 e->state == INTEL_LM_VF_SAVED && !e->state_file[0] ? " and its state is in "
			 "no file: resume it, or save it again" : "");
	} else if (confirming(c, v, dev_key)) {
		snprintf(v->action, sizeof(v->action), "the record knows it is %s: --confirm "
			 "settles only an unknown state", intel_lm_vf_state_name(e->state));
		v->unresolved = true;
		v->refused = true;
		goto out;
	}
	v->unresolved = false;
	v->advice[0] = '\0';
	close_op(e);
	if (!c->dry_run)
		write_entry(v, &h);
out:
	release(&h);
}

int cmd_recover(const struct cli *c)
{
	struct views vs = { 0 }, extra = { 0 };
	struct session s;
	const char *key;
	size_t i, open = 0, refused = 0;
	int ret;

	ret = collect(c, &s, &vs);
	if (ret)
		goto out;
	/* The PF is open only once collect() succeeded. */
	key = c->device ? pf_key(&s) : "";
	/* What recover sends and writes is finished once started, as every command does. */
	if (!c->dry_run)
		defer_signals();
	/* The device's handle is not needed: each settlement opens what it sends to. */
	for (i = 0; i < vs.n; i++) {
		struct rec_view *v = &vs.v[i];

		if (v->action[0])
			continue;
		advise(c, v);
		if (v->in_progress)
			continue;
		/* An outlived migration entry is settled alone: nothing of it can be undone. */
		if (!v->read_err && v->e.op == INTEL_LM_OP_MIGRATE && v->e.op_open &&
		    !v->e.outlived)
			recover_migration(c, &vs, v, key, &extra);
		else if (v->unresolved || (v->read_err && v->read_err != -ENOENT) ||
			 confirming(c, v, key))
			recover_single(c, v, key, record_lost(c, v));
	}
	for (i = 0; i < extra.n; i++) {
		struct rec_view *x = views_add(&vs);

		if (x)
			*x = extra.v[i];
	}
	c->out->changed = 0;
	for (i = 0; i < vs.n; i++) {
		open += (vs.v[i].unresolved && !vs.v[i].refused) || vs.v[i].in_progress;
		refused += vs.v[i].refused;
		c->out->changed |= vs.v[i].changed;
	}
	c->out->pr->records(c, vs.v, vs.n, true);
	/* What stays open is a VF whose state is still in doubt. */
	ret = open ? EXIT_UNKNOWN : refused ? EXIT_REFUSED : EXIT_OK;
out:
	free(extra.v);
	free(vs.v);
	session_close(&s);
	return ret;
}
