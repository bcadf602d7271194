// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Opening the PF a command names (or the host's only capable PF), checking what it is and
 * whether it supports Intel live migration, checking --vf against its VFs, and taking a VF:
 * its lock and its record. Failures are worded in report.c.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli-priv.h"

#define MAX_PFS 64

int lock_vf(struct cli *c, const struct session *s, struct vf_result *r, const char *what,
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

int session_record(struct cli *c, const struct session *s, uint16_t vf,
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
	snprintf(e->serial, sizeof(e->serial), "%s", pf_info(s)->sn);
	snprintf(e->model, sizeof(e->model), "%s", pf_info(s)->mn);
	snprintf(e->firmware, sizeof(e->firmware), "%s", pf_info(s)->fr);
	return 0;
}

/* Before anything is sent: the record's and the locks' directories can be trusted. */
static int check_own_dirs(struct cli *c, struct session *s)
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

static void trace_cb(void *priv, const struct intel_lm_cmd *cmd, int ret, uint32_t result,
		     uint64_t ns, bool dry_run)
{
	struct session *s = priv;
	struct cli *c = s->cli;

	pthread_mutex_lock(&c->out_lock);
	c->pr->command(c, session_dev(s), cmd, ret, result, ns,
		       dry_run);
	pthread_mutex_unlock(&c->out_lock);
}

/* For a VF's own controller, the PF's controller name from sysfs (physfn/nvme/nvmeX). */
static void vf_parent_name(const char *sysfs, const char *vf_name, char *out, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/class/nvme/%s/device/physfn/nvme",
		 sysfs ? sysfs : "/sys", vf_name);
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, "nvme", 4)) {
			if (snprintf(out, len, "/dev/%s", de->d_name) >= (int)len)
				out[0] = '\0';
			break;
		}
	closedir(dir);
}

static int open_failed(struct cli *c, struct session *s, int ret)
{
	char parent[64];

	switch (-ret) {
	case ENOENT:
		return report(c, s, -1, "open", ret, "no such device\nname the PF's controller "
			      "character device, e.g. /dev/nvme0 ('nvme list' shows them)");
	case EACCES:
	case EPERM:
		return report(c, s, -1, "open", ret, "permission denied (%s)\nrun as root: the "
			      "vendor admin commands need CAP_SYS_ADMIN", intel_lm_errno_name(ret));
	case ENOTTY:
		if (s->what.kind == INTEL_LM_DEV_NAMESPACE)
			return report(c, s, -1, "open", ret, "%s\nname its controller instead: "
				      "/dev/%s", intel_lm_dev_kind_name(s->what.kind),
				      s->what.name);
		return report(c, s, -1, "open", ret, "%s\nname the PF's controller character "
			      "device, e.g. /dev/nvme0", intel_lm_dev_kind_name(s->what.kind));
	case EREMOTEIO:
		vf_parent_name(c->sysfs, s->what.name, parent, sizeof(parent));
		return report(c, s, -1, "open", ret, "%s\nname the PF instead%s%s", intel_lm_dev_kind_name(
			      s->what.kind), parent[0] ? ": " : "", parent);
	default:
		return report(c, s, -1, "open", ret, "%s (%s)", strerror(-ret),
			      intel_lm_errno_name(ret));
	}
}

/* No device named: the host's only PF that supports Intel live migration. */
static int find_device(struct cli *c, char *out, size_t len)
{
	char names[MAX_PFS][INTEL_LM_DEV_NAME_LEN], list[1024] = "", found[64] = "";
	int n, i, capable = 0;
	size_t used = 0;

	n = intel_lm_find_pfs(c->sysfs, names, MAX_PFS);
	if (n > MAX_PFS)
		n = MAX_PFS;
	for (i = 0; i < n; i++) {
		struct intel_lm_pf *pf;
		const char *why;

		if (intel_lm_pf_open(names[i], c->sysfs, &pf, NULL)) {
			why = "cannot be opened";
		} else if (intel_lm_pf_identify(pf, NULL)) {
			why = "Identify failed";
		} else if (intel_lm_pf_info(pf)->support != INTEL_LM_SUPPORTED) {
			why = "no Intel live migration";
		} else {
			why = "supports Intel live migration";
			capable++;
			if (snprintf(found, sizeof(found), "/dev/%s", names[i]) >= (int)sizeof(found))
				found[0] = '\0';
		}
		intel_lm_pf_close(pf);
		if (used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s/dev/%s (%s)",
						 used ? ", " : "", names[i], why);
	}
	if (capable == 1) {
		snprintf(out, len, "%s", found);
		return 0;
	}
	if (!n)
		return report(c, NULL, -1, "find device", -ENODEV, "no NVMe PF found on this host"
			      "\nname the PF's controller, e.g. %s %s /dev/nvme0", c->prog,
			      c->cmd->name);
	/* None is ENODEV; more than one is no error of the system's: no errno then. */
	return report(c, NULL, -1, "find device", capable ? 0 : -ENODEV, "%s PF supporting "
		      "Intel live migration among: %s\nname one, e.g. %s %s /dev/nvme0 ...",
		      capable ? "more than one" : "no", list, c->prog, c->cmd->name);
}

int session_open(struct cli *c, struct session *s)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->cli = c;
	s->opts.timeout_ms = c->timeout_ms;
	s->opts.dry_run = c->dry_run;
	if (c->verbose || c->dry_run) {
		s->opts.trace = trace_cb;
		s->opts.trace_priv = s;
	}

	/* Nothing is sent, not even Identify, unless the record can be kept. */
	if (c->cmd->changes_state && !c->dry_run && (ret = check_own_dirs(c, s)))
		return ret;
	if (!c->device) {
		ret = find_device(c, c->found_dev, sizeof(c->found_dev));
		if (ret)
			return ret;
		c->device = c->found_dev;
	}
	ret = intel_lm_pf_open(c->device, c->sysfs, &s->pf, &s->what);
	if (ret)
		return open_failed(c, s, ret);
	c->device = pf_path(s);

	ret = intel_lm_pf_identify(s->pf, &s->opts);
	if (ret)
		return report_cmd(c, s, -1, INTEL_LM_OPC_IDENTIFY, ret);
	if (c->max_state)
		intel_lm_pf_set_max_state(s->pf, c->max_state);

	if (c->cmd->sends_vendor_cmds && pf_info(s)->support != INTEL_LM_SUPPORTED) {
		if (!c->force)
			return report(c, s, c->vf_arg && !c->vf_bad &&
				      !c->vf_list ? c->vf : -1,
				      c->cmd->name, -EOPNOTSUPP,
				      "this PF does not support Intel live migration: %s; nothing "
				      "but Identify was sent\n--force sends the vendor commands "
				      "anyway (the device will most likely reject them)",
				      intel_lm_support_reason(pf_info(s)->support));
		c->pr->note(c, "%s does not support Intel live migration (%s); sending anyway "
			    "(--force)", pf_path(s),
			    intel_lm_support_reason(pf_info(s)->support));
	}
	return 0;
}

int session_need_vf(struct cli *c, struct session *s)
{
	char valid[256];
	int ret;

	ret = intel_lm_pf_list_vfs(s->pf, &s->opts);
	if (ret) {
		/* A VF is named only when --vf named one. */
		int vf = c->vf_arg && !c->vf_bad && !c->vf_list ? c->vf : -1;

		if (ret == -EPROTO)
			return report(c, s, vf, "list VFs", ret, "the controller's Secondary "
				      "Controller List is malformed (an impossible entry count, VF "
				      "number 0, or a VF listed twice)\nthe firmware is misbehaving: "
				      "reset the PF or update its firmware");
		return report_cmd(c, s, vf, INTEL_LM_OPC_IDENTIFY, ret);
	}
	if (!c->vf_arg || (!c->vf_bad && c->vf_list))
		return 0;
	if (!c->vf_bad && intel_lm_vf_find(pf_vfs(s), c->vf))
		return 0;
	intel_lm_vf_list_format(pf_vfs(s), valid, sizeof(valid));
	if (c->vf_bad)
		return report(c, s, -1, "check --vf", -EINVAL, "--vf=%s is not a VF index (a whole "
			      "number from 1 to 65535); this PF's VFs are: %s\nname one of them with "
			      "--vf", c->vf_arg, valid);
	return report(c, s, c->vf, "check --vf", -ENOENT, "VF %u is not a VF of this PF; this "
		      "PF's VFs are: %s\nname one of them with --vf (see '%s info %s')", c->vf, valid,
		      c->prog, pf_path(s));
}

void session_close(struct session *s)
{
	intel_lm_pf_close(s->pf);
	s->pf = NULL;
}
