// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Naming and opening the PF's controller character device, and recognising the devices users
 * name by mistake: a namespace, a VF's own controller (which ignores the commands), a file.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <intel-lm/dev.h>

#include "private.h"

const char *intel_lm_sysfs_root(const char *sysfs)
{
	return (sysfs && *sysfs) ? sysfs : "/sys";
}

/* "nvme<digits>" exactly: a controller. */
static bool is_ctrl_name(const char *name)
{
	const char *p;

	if (strncmp(name, "nvme", 4) || !isdigit((unsigned char)name[4]))
		return false;
	for (p = name + 4; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

/*
 * "nvme<c>n<n>[p<p>]" or "ng<c>n<n>": a namespace (block or generic). Stores the controller
 * name "nvme<c>" (for a multipath node the subsystem instance, a close enough hint).
 */
static bool is_ns_name(const char *name, char *ctrl, size_t len)
{
	const char *p = name;
	size_t digits;

	if (!strncmp(p, "nvme", 4))
		p += 4;
	else if (!strncmp(p, "ng", 2))
		p += 2;
	else
		return false;
	digits = strspn(p, "0123456789");
	if (!digits || p[digits] != 'n' || !isdigit((unsigned char)p[digits + 1]))
		return false;
	snprintf(ctrl, len, "nvme%.*s", (int)digits, p);
	return true;
}

static bool sysfs_is_vf(const char *sysfs, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/class/nvme/%s/device/physfn",
		     intel_lm_sysfs_root(sysfs), name) >= (int)sizeof(path))
		return false;
	return lstat(path, &st) == 0;
}

int intel_lm_dev_open(const char *arg, const char *sysfs, struct intel_lm_dev *dev)
{
	const char *base;
	struct stat st;
	int fd;

	memset(dev, 0, sizeof(*dev));
	dev->fd = -1;
	dev->kind = INTEL_LM_DEV_OTHER;

	/* A bare name is a device under /dev, as nvme-cli takes it. */
	if (!strchr(arg, '/')) {
		memcpy(dev->path, "/dev/", 5);
		intel_lm_put_str(dev->path + 5, sizeof(dev->path) - 5, arg);
	} else {
		intel_lm_put_str(dev->path, sizeof(dev->path), arg);
	}
	base = strrchr(dev->path, '/') + 1;
	intel_lm_put_str(dev->name, sizeof(dev->name), base);

	/*
	 * Look before opening: opening a FIFO or a terminal named by mistake could block or
	 * have effects. Then open without blocking and look again at what was opened.
	 */
	if (stat(dev->path, &st) < 0)
		return -errno;
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
		if (is_ns_name(base, dev->name, sizeof(dev->name)))
			dev->kind = INTEL_LM_DEV_NAMESPACE;
		return -ENOTTY;
	}
	fd = open(dev->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}

	if (is_ns_name(base, dev->name, sizeof(dev->name)) || S_ISBLK(st.st_mode))
		dev->kind = INTEL_LM_DEV_NAMESPACE;
	else if (S_ISCHR(st.st_mode) && is_ctrl_name(base))
		dev->kind = sysfs_is_vf(sysfs, base) ? INTEL_LM_DEV_VF : INTEL_LM_DEV_PF;

	if (dev->kind != INTEL_LM_DEV_PF) {
		close(fd);
		return dev->kind == INTEL_LM_DEV_VF ? -EREMOTEIO : -ENOTTY;
	}
	dev->fd = fd;
	return 0;
}

void intel_lm_dev_close(struct intel_lm_dev *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

const char *intel_lm_dev_kind_name(enum intel_lm_dev_kind kind)
{
	switch (kind) {
	case INTEL_LM_DEV_PF:
		return "an NVMe physical function (PF) controller";
	case INTEL_LM_DEV_VF:
		return "a VF's own controller, whose admin queue ignores the live migration commands";
	case INTEL_LM_DEV_NAMESPACE:
		return "an NVMe namespace, not a controller";
	case INTEL_LM_DEV_OTHER:
		return "not an NVMe controller character device";
	}
	return "unknown";
}

/* Order controller names by their number; is_ctrl_name() checked that digits follow. */
static int ctrl_num_cmp(const void *a, const void *b)
{
	unsigned long x = strtoul((const char *)a + 4, NULL, 10);
	unsigned long y = strtoul((const char *)b + 4, NULL, 10);

	return (x > y) - (x < y);
}

int intel_lm_find_pfs(const char *sysfs, char (*names)[INTEL_LM_DEV_NAME_LEN], int max)
{
	char path[PATH_MAX];
	struct dirent *de;
	int found = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/class/nvme", intel_lm_sysfs_root(sysfs));
	dir = opendir(path);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (!is_ctrl_name(de->d_name) || strlen(de->d_name) >= INTEL_LM_DEV_NAME_LEN)
			continue;
		if (sysfs_is_vf(sysfs, de->d_name))
			continue;
		if (found < max)
			intel_lm_put_str(names[found], INTEL_LM_DEV_NAME_LEN, de->d_name);
		found++;
	}
	closedir(dir);
	qsort(names, (size_t)(found < max ? found : max), INTEL_LM_DEV_NAME_LEN, ctrl_num_cmp);
	return found;
}
