/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: which PF a device is, across renames and reboots. The record and the locks are
 * keyed by it: the PCI address where sysfs shows one, else the serial number and controller
 * ID from Identify (the controllers of one NVMe subsystem share a serial number).
 */
#ifndef INTEL_LM_PFID_H
#define INTEL_LM_PFID_H

#include <intel-lm/ctrl.h>
#include <intel-lm/dev.h>

#ifdef __cplusplus
extern "C" {
#endif

/** INTEL_LM_PF_KEY_LEN - room for a PF key, with its NUL */
#define INTEL_LM_PF_KEY_LEN	64

/**
 * struct intel_lm_pf_id - a PF's identity
 * @key:	"pci-DDDD:BB:DD.F", or "sn-SERIAL-cntlid-N" where sysfs shows no PCI address;
 *		only [A-Za-z0-9._:-], so it is safe in a file name
 * @pci:	the PCI address ("0000:3b:00.0"), or "" when sysfs shows none
 */
struct intel_lm_pf_id {
	char key[INTEL_LM_PF_KEY_LEN];
	char pci[32];
};

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_PFID_H */
