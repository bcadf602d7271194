// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Opening the PF a command names (or the host's only capable PF), checking what it is and
 * whether it supports Intel live migration, and checking --vf against its VFs. Taking a VF (its
 * lock and its record) is claim.c's.
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

/* A VF is named in errors only when --vf named one. */
static int named_vf(const struct cli *c)
{
	return c->vf_arg && !c->vf_bad && !c->vf_list ? c->vf : -1;
}

static void trace_cb(void *priv, const struct intel_lm_cmd *cmd, int ret, uint32_t result,
		     uint64_t ns, bool dry_run)
{
	const struct session *s = priv;
	const struct cli *c = s->cli;

	pthread_mutex_lock(&c->out->lock);
	c->out->pr->command(c, session_dev(s), cmd, ret, result, ns, dry_run);
	pthread_mutex_unlock(&c->out->lock);
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

static int open_failed(const struct cli *c, struct session *s, int ret)
{
	char parent[64];

	switch (-ret) {
	case ENOENT:
		return report(c, s, -1, "open", ret, "no such device\nname the PF's controller "
			      "character device, e.g. /dev/nvme0 ('nvme list' shows them)");
	case EACCES:
	case EPERM:
		return report(c, s, -1, "open", ret, "permission denied (%s)\nrun as root: the "
			      "migration admin commands need CAP_SYS_ADMIN",
			      intel_lm_errno_name(ret));
	case ENOTTY:
		if (s->what == INTEL_LM_DEV_NAMESPACE)
			return report(c, s, -1, "open", ret, "%s\nname its controller instead: "
				      "/dev/%s", intel_lm_dev_kind_name(s->what), s->what_name);
		return report(c, s, -1, "open", ret, "%s\nname the PF's controller character "
			      "device, e.g. /dev/nvme0", intel_lm_dev_kind_name(s->what));
	case EREMOTEIO:
		vf_parent_name(c->sysfs, s->what_name, parent, sizeof(parent));
		return report(c, s, -1, "open", ret, "%s\nname the PF instead%s%s",
			      intel_lm_dev_kind_name(s->what), parent[0] ? ": " : "", parent);
	default:
		return report(c, s, -1, "open", ret, "%s (%s)", strerror(-ret),
			      intel_lm_errno_name(ret));
	}
}

/* No device named: the host's only PF that supports Intel live migration. */
static int find_device(const struct cli *c, char *out, size_t len)
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

		if (intel_lm_pf_open(names[i], c->sysfs, &pf, NULL, NULL)) {
			why = "cannot be opened";
		} else if (intel_lm_pf_identify(pf, NULL)) {
			why = "Identify failed";
		} else if (!intel_lm_pf_protocols(pf)) {
			why = "no Intel live migration";
		} else {
			why = intel_lm_pf_info(pf)->support == INTEL_LM_SUPPORTED ?
			      "supports Intel live migration" : "supports NVMe TP4159 migration";
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
		      "live migration (Intel's commands or TP4159) among: %s\nname one, e.g. %s "
		      "%s /dev/nvme0 ...",
		      capable ? "more than one" : "no", list, c->prog, c->cmd->name);
}

int session_open(const struct cli *c, const char *device, struct session *s)
{
	int ret;

	memset(s, 0, sizeof(*s));
	s->cli = c;
	s->dev = device;
	s->opts.timeout_ms = c->timeout_ms;
	s->opts.dry_run = c->dry_run;
	if (c->verbose || c->dry_run) {
		s->opts.trace = trace_cb;
		s->opts.trace_priv = s;
	}

	/* Nothing is sent, not even Identify, unless the record can be kept. */
	if (c->cmd->changes_state && !c->dry_run && (ret = check_own_dirs(c, s)))
		return ret;
	if (!s->dev) {
		ret = find_device(c, s->found, sizeof(s->found));
		if (ret)
			return ret;
		s->dev = s->found;
	}
	ret = intel_lm_pf_open(s->dev, c->sysfs, &s->pf, &s->what, s->what_name);
	if (ret)
		return open_failed(c, s, ret);

	ret = intel_lm_pf_identify(s->pf, &s->opts);
	if (ret)
		return report_cmd(c, s, -1, INTEL_LM_OPC_IDENTIFY, ret);
	if (c->max_state)
		intel_lm_pf_set_max_state(s->pf, c->max_state);
	if (c->protocol != INTEL_LM_PROTO_AUTO) {
		ret = intel_lm_pf_use_protocol(s->pf, c->protocol, &s->opts);
		if (ret == -EOPNOTSUPP)
			return report(c, s, named_vf(c), c->cmd->name, ret, "this PF does not offer "
				      "NVMe TP4159 migration: " HMLMS_WORDS
				      " is clear; nothing but Identify was sent\nomit --protocol, or "
				      "give --protocol=intel for Intel's vendor commands");
		if (ret)
			return report_cmd(c, s, -1, INTEL_LM_OPC_IDENTIFY, ret);
	}
	/* TP4159 names a VF by its controller ID, from the Secondary Controller List. */
	if (pf_proto(s)->protocol == INTEL_LM_PROTO_TP4159 && c->cmd->sends_vendor_cmds) {
		ret = session_list_vfs(s, named_vf(c));
		if (ret)
			return ret;
	}

	if (c->cmd->sends_vendor_cmds && pf_proto(s)->protocol == INTEL_LM_PROTO_INTEL &&
	    pf_info(s)->support != INTEL_LM_SUPPORTED) {
		if (!c->force)
			return report(c, s, named_vf(c), c->cmd->name, -EOPNOTSUPP,
				      "this PF does not support Intel live migration: %s; nothing "
				      "but Identify was sent\n--force sends the vendor commands "
				      "anyway (the device will most likely reject them)",
				      intel_lm_support_reason(pf_info(s)->support));
		c->out->pr->note(c, "%s does not support Intel live migration (%s); sending anyway "
			    "(--force)", pf_path(s),
			    intel_lm_support_reason(pf_info(s)->support));
	}
	return 0;
}

/* Whether @s's PF was warned about already; if not, it is now marked as warned. */
static bool warned_before(const struct session *s)
{
	struct out *out = s->cli->out;
	bool seen = false;
	unsigned int i;

	pthread_mutex_lock(&out->lock);
	for (i = 0; i < out->n_warned && !seen; i++)
		seen = !strcmp(out->warned[i], pf_key(s));
	if (!seen && out->n_warned < sizeof(out->warned) / sizeof(out->warned[0]))
		snprintf(out->warned[out->n_warned++], sizeof(out->warned[0]), "%s", pf_key(s));
	pthread_mutex_unlock(&out->lock);
	return seen;
}

void session_warn_timeout(const struct session *s)
{
	const struct cli *c = s->cli;
	const struct intel_lm_vf_list *vfs = pf_vfs(s);
	char msg[1024], hint[256], list[256], why[INTEL_LM_PATH_MAX + 128] = "";
	struct warning w = { .kind = "short_timeout", .device = pf_path(s), .vfs = vfs };

	/* 0 is the kernel's own timeout; one at least as long can only be safer. */
	w.timeout_ms = c->timeout_ms;
	if (!w.timeout_ms)
		return;
	w.admin_timeout_err = intel_lm_kernel_admin_timeout(c->sysfs, &w.admin_timeout_ms);
	if (w.timeout_ms >= w.admin_timeout_ms || warned_before(s))
		return;
	intel_lm_vf_list_format_online(vfs, list, sizeof(list));
	if (w.admin_timeout_err)
		snprintf(why, sizeof(why), ", taken to be %u s as %s/module/nvme_core/parameters/"
			 "admin_timeout cannot be read (%s)", w.admin_timeout_ms / 1000,
			 c->sysfs ? c->sysfs : "/sys", intel_lm_errno_name(w.admin_timeout_err));
	else
		snprintf(why, sizeof(why), " of %u s", w.admin_timeout_ms / 1000);
	snprintf(msg, sizeof(msg), "--timeout=%u is shorter than the kernel's admin command "
		 "timeout (nvme_core.admin_timeout)%s: a command to %s that takes longer than "
		 "%u ms times out, and the Linux NVMe driver then resets the PF's controller "
		 "instead of aborting the command, which can take the PF's VFs offline and lose "
		 "their queued I/O; VFs of %s online now: %s", w.timeout_ms, why, pf_path(s),
		 w.timeout_ms, pf_path(s), list);
	snprintf(hint, sizeof(hint), "omit --timeout (the kernel's own then applies), or give "
		 "--timeout=%u or more", w.admin_timeout_ms);
	w.msg = msg;
	w.hint = hint;
	pthread_mutex_lock(&c->out->lock);
	c->out->pr->warning(c, &w);
	pthread_mutex_unlock(&c->out->lock);
}

int session_list_vfs(const struct session *s, int vf)
{
	const struct cli *c = s->cli;
	int ret;

	ret = intel_lm_pf_list_vfs(s->pf, &s->opts);
	if (!ret)
		session_warn_timeout(s);
	if (ret) {
		if (ret == -EPROTO)
			return report(c, s, vf, "list VFs", ret, "the controller's Secondary "
				      "Controller List is malformed (an impossible entry count, VF "
				      "number 0, or a VF listed twice)\nthe firmware is misbehaving: "
				      "reset the PF or update its firmware");
		return report_cmd(c, s, vf, INTEL_LM_OPC_IDENTIFY, ret);
	}
	return 0;
}

int session_need_vf(const struct cli *c, struct session *s)
{
	char valid[256];
	int ret;

	ret = session_list_vfs(s, named_vf(c));
	if (ret)
		return ret;
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
