// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Claiming a VF for a state-changing command: the trust of the record's and the locks'
 * directories, the VF's lock, and its record. Failures are worded here, in the front end's terms.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli-priv.h"

/* What this process does, for whoever waits for the VF's lock. */
static const char *this_command(const struct cli *c, const struct session *s,
				const struct vf_result *r, char *line, size_t len)
{
	snprintf(line, len, "pid %d: %s %s %s --vf=%u", (int)getpid(), c->prog, c->cmd->name,
		 pf_path(s), r->vf);
	return line;
}

/* A VF's lock that could not be taken, in words: held by @holder, or an errno. */
static void lock_failed(const struct cli *c, const struct session *s, struct vf_result *r,
			int ret, const char *holder)
{
	char path[4096];

	if (ret == -EWOULDBLOCK) {
		fail(r, "lock", ret, "another process is working on this VF (%s); waited %u ms; "
		     "nothing was sent\nwait for it to finish, or wait longer with --wait=SECONDS",
		     holder, c->wait_ms);
		return;
	}
	/* The path, or "" when even it does not fit. */
	intel_lm_lock_path(c->lock_dir, pf_key(s), r->vf, path, sizeof(path));
	fail(r, "lock", ret, "cannot take the VF's lock %s: %s (%s); nothing was sent\ncheck %s "
	     "(root's own directory, mode 0700), or set INTEL_LM_LOCK_DIR to one", path,
	     strerror(-ret), intel_lm_errno_name(ret), c->lock_dir ? c->lock_dir : INTEL_LM_LOCK_DIR);
}

int lock_vf(const struct cli *c, const struct session *s, struct vf_result *r, const char *what,
	    struct intel_lm_lock **lk)
{
	char line[256], holder[256];
	int ret;

	*lk = NULL;
	if (c->dry_run)
		return 0;
	ret = intel_lm_lock_vf(c->lock_dir, pf_key(s), r->vf, c->wait_ms,
			       what ? what : this_command(c, s, r, line, sizeof(line)), lk, holder,
			       sizeof(holder));
	if (ret)
		lock_failed(c, s, r, ret, holder);
	return ret;
}

void record_fix_hint(const struct cli *c, int err, char *buf, size_t len)
{
	const char *dir = c->state_dir ? c->state_dir : INTEL_LM_STATE_DIR;

	switch (-err) {
	case ENOSPC:
		snprintf(buf, len, "free space on the file system of %s ('df %s' shows it)", dir,
			 dir);
		break;
	case EDQUOT:
		snprintf(buf, len, "the disk quota on the file system of %s is used up: free space "
			 "or raise the quota", dir);
		break;
	case EROFS:
		snprintf(buf, len, "the file system of %s is read-only: remount it read-write, or "
			 "name a directory on a writable one with INTEL_LM_STATE_DIR", dir);
		break;
	case EIO:
		snprintf(buf, len, "the disk under %s reported an I/O error: check it (dmesg) "
			 "before trusting it, or name a directory on another disk with "
			 "INTEL_LM_STATE_DIR", dir);
		break;
	case EPERM:
	case EACCES:
	case ELOOP:
		snprintf(buf, len, "the record must be a regular file of %s, mode 0600, in a "
			 "directory only %s can write (%s)", geteuid() ? "yours" : "root's",
			 geteuid() ? "you" : "root", dir);
		break;
	default:
		snprintf(buf, len, "check the record's directory %s (%s)", dir,
			 intel_lm_errno_name(err));
	}
}

int claim_vf(const struct cli *c, const struct session *s, struct vf_result *r,
	     enum intel_lm_op_kind op, const char *what, const char *output,
	     struct intel_lm_claim **cl)
{
	struct intel_lm_claim_opts o = {
		.size = sizeof(o), .state_dir = c->state_dir, .lock_dir = c->lock_dir,
		.wait_ms = c->wait_ms, .op = op, .syncs = s->syncs,
		.scan = s->scan, .output = output,
	};
	enum intel_lm_claim_step step;
	char line[256], holder[256], path[4096], hint[1024];
	int ret;

	o.what = what ? what : this_command(c, s, r, line, sizeof(line));
	ret = intel_lm_claim_vf(s->pf, r->vf, &o, cl, &step, holder, sizeof(holder));
	if (!ret) {
		/* What the VF's commands go over, on record with them (recover resumes so). */
		intel_lm_claim_record(*cl)->entry.protocol = (uint8_t)pf_proto(s)->protocol;
		return 0;
	}
	switch (step) {
	case INTEL_LM_CLAIM_LOCK:
		lock_failed(c, s, r, ret, holder);
		break;
	case INTEL_LM_CLAIM_OUTPUT:
		/* The front end checks first (record_path_check()); the library is the backstop. */
		fail(r, "check output", ret, "the output file %s cannot go on intel-lm's record: "
		     "%s (%s); nothing was sent\nname a file whose absolute path is shorter than "
		     "%d bytes", output, strerror(-ret), intel_lm_errno_name(ret),
		     INTEL_LM_REC_PATH_LEN);
		break;
	case INTEL_LM_CLAIM_RECORD:
		intel_lm_record_path(c->state_dir, pf_key(s), r->vf, path, sizeof(path));
		record_fix_hint(c, ret, hint, sizeof(hint));
		/* Not believed and not changed: recover --confirm moves it aside. */
		if (ret == -EPERM || ret == -ELOOP || ret == -EISDIR)
			snprintf(hint + strlen(hint), sizeof(hint) - strlen(hint), "; it is not, so "
				 "it is not trusted: if it is intel-lm's own, fix that; else check the "
				 "VF, then '%s recover %s --vf=%u --confirm=running' (or suspended): it "
				 "moves the file aside, keeps it, and starts a fresh record", c->prog,
				 pf_path(s), r->vf);
		fail(r, "open record", ret, "cannot open the VF's record %s: %s (%s); nothing was "
		     "sent\n%s", path, strerror(-ret), intel_lm_errno_name(ret), hint);
		break;
	default:
		fail(r, "check directories", ret, "the record's or the locks' directory (%s, %s) "
		     "cannot be used: %s (%s); nothing was sent\nsee 'status' for which",
		     c->state_dir ? c->state_dir : INTEL_LM_STATE_DIR,
		     c->lock_dir ? c->lock_dir : INTEL_LM_LOCK_DIR, strerror(-ret),
		     intel_lm_errno_name(ret));
	}
	return ret;
}

/*
 * Whether @dir is one that users, programs or the system share, whose owner or mode nobody
 * should change for intel-lm: the root, the usual system and temporary directories, and any
 * directory with the sticky bit (a /tmp of another name). A directory others may merely write
 * to is taken for a dedicated one whose mode went wrong.
 */
static bool dir_is_shared(const char *dir)
{
	static const char *const shared[] = {
		"/", "/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue", "/dev", "/run", "/run/lock",
		"/run/user", "/var", "/var/lib", "/var/run", "/var/lock", "/var/cache", "/var/log",
		"/usr", "/usr/local", "/etc", "/home", "/root", "/proc", "/sys", "/boot", "/opt",
		"/srv", "/mnt", "/media", "/bin", "/sbin", "/lib", "/lib64",
	};
	char real[PATH_MAX];
	struct stat st;
	size_t i;

	if (!realpath(dir, real))
		snprintf(real, sizeof(real), "%s", dir);
	for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		if (!strcmp(real, shared[i]))
			return true;
	return !stat(real, &st) && S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX);
}

void dir_fix_hint(const char *dir, const char *env, const char *def,
		  enum intel_lm_dir_problem why, bool cmds, char *buf, size_t len)
{
	/* The default is intel-lm's own directory, whatever was done to it. */
	if (strcmp(dir, def) && dir_is_shared(dir)) {
		snprintf(buf, len, "%s is a directory the system and other users share: do not "
			 "change its owner or mode; name a dedicated directory instead, such as "
			 "the default INTEL_LM_%s_DIR=%s (intel-lm creates it, %s own with mode "
			 "0700)", dir, env, def, geteuid() ? "your" : "root's");
		return;
	}
	if (cmds && why != INTEL_LM_DIR_ERROR)
		snprintf(buf, len, "make it a real directory owned by %s with mode 0700 (e.g. "
			 "chown root: %s && chmod 0700 %s), or name another with INTEL_LM_%s_DIR",
			 geteuid() ? "you" : "root", dir, dir, env);
	else
		snprintf(buf, len, "make it a real directory owned by %s with mode 0700, or name "
			 "another with INTEL_LM_%s_DIR", geteuid() ? "you" : "root", env);
}

/* Before anything is sent: the record's and the locks' directories can be trusted. */
int check_own_dirs(const struct cli *c, const struct session *s)
{
	const char *dirs[2] = { c->state_dir ? c->state_dir : INTEL_LM_STATE_DIR,
				c->lock_dir ? c->lock_dir : INTEL_LM_LOCK_DIR };
	const char *what[2] = { "record", "lock" };
	enum intel_lm_dir_problem why;
	char hint[PATH_MAX + 512];
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
		dir_fix_hint(dirs[i], i ? "LOCK" : "STATE", i ? INTEL_LM_LOCK_DIR :
			     INTEL_LM_STATE_DIR, why, true, hint, sizeof(hint));
		return report(c, s, -1, "check directories", ret, "the %s directory %s is not "
			      "trusted: %s; nothing was sent\n%s", what[i], dirs[i],
			      intel_lm_dir_problem_text(why), hint);
	}
	return 0;
}
