/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: naming and opening the PF's controller character device, and telling it apart
 * from what users type by mistake (a namespace, a VF's own controller, another file).
 */
#ifndef INTEL_LM_DEV_H
#define INTEL_LM_DEV_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** INTEL_LM_DEV_NAME_LEN - room for a controller name such as "nvme12" and its NUL */
#define INTEL_LM_DEV_NAME_LEN	32

/**
 * enum intel_lm_dev_kind - what a device path turned out to be
 * @INTEL_LM_DEV_PF:		an NVMe controller character device that is not a VF
 * @INTEL_LM_DEV_VF:		a VF's own controller: the device ignores the commands there
 * @INTEL_LM_DEV_NAMESPACE:	an NVMe namespace (block device nvmeXnY or generic ngXnY)
 * @INTEL_LM_DEV_OTHER:		something else (not a character device, or not named nvmeN)
 */
enum intel_lm_dev_kind {
	INTEL_LM_DEV_PF = 0,
	INTEL_LM_DEV_VF,
	INTEL_LM_DEV_NAMESPACE,
	INTEL_LM_DEV_OTHER,
};

/**
 * struct intel_lm_dev - an opened PF
 * @fd:		read-only descriptor of the controller character device
 * @kind:	what the path is; only %INTEL_LM_DEV_PF is ever returned open
 * @path:	the path opened, e.g. "/dev/nvme0"
 * @name:	the controller name, e.g. "nvme0" (for a namespace, the controller it belongs to)
 */
struct intel_lm_dev {
	int fd;
	enum intel_lm_dev_kind kind;
	char path[4096];
	char name[INTEL_LM_DEV_NAME_LEN];
};

/**
 * intel_lm_dev_open() - Open a PF's controller character device
 * @arg:	what the user wrote: "/dev/nvme0", "nvme0" (taken as /dev/nvme0), or a path
 * @sysfs:	the sysfs mount point, NULL for "/sys"; used to recognise a VF's controller
 *		(its device has a physfn link), and optional
 * @dev:	filled in; @dev->kind says what @arg is also when it is refused
 *
 * Return: 0 with @dev->fd open; -ENOENT (missing), -EACCES or -EPERM (no permission) or another
 * errno from open(2); -ENOTTY when @arg is a namespace or not an NVMe controller, -EREMOTEIO
 * when it is a VF's own controller (@dev->kind tells which; nothing stays open).
 */
int intel_lm_dev_open(const char *arg, const char *sysfs, struct intel_lm_dev *dev);

/**
 * intel_lm_dev_close() - Close what intel_lm_dev_open() opened
 * @dev:	the device; its descriptor becomes -1
 */
void intel_lm_dev_close(struct intel_lm_dev *dev);

/**
 * intel_lm_dev_kind_name() - Describe a device kind for messages
 * @kind:	a kind
 *
 * Return: e.g. "an NVMe namespace, not a controller"; never NULL.
 */
const char *intel_lm_dev_kind_name(enum intel_lm_dev_kind kind);

/**
 * intel_lm_find_pfs() - List the host's NVMe controllers that are PFs (not VFs), from sysfs
 * @sysfs:	the sysfs mount point, NULL for "/sys"
 * @names:	filled with up to @max controller names ("nvme0", ...), sorted by number
 * @max:	room in @names
 *
 * Return: the number of PFs found (may exceed @max: only @max are stored), or a negative
 * errno when sysfs cannot be read.
 */
int intel_lm_find_pfs(const char *sysfs, char (*names)[INTEL_LM_DEV_NAME_LEN], int max);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_DEV_H */
