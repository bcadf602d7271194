/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: the host's PFs, and what a device path turned out to be: the PF's controller
 * character device, or what users type by mistake (a namespace, a VF's own controller,
 * another file). intel_lm_pf_open() opens one.
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
