/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: the VFs of a PF, from the Secondary Controller List (Identify CNS 15h) and, where
 * sysfs is present, their PCI addresses.
 */
#ifndef INTEL_LM_VF_H
#define INTEL_LM_VF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <intel-lm/cmd.h>

#ifdef __cplusplus
extern "C" {
#endif

/** INTEL_LM_PCI_ADDR_LEN - room for a PCI address such as "0000:3b:00.1" and its NUL */
#define INTEL_LM_PCI_ADDR_LEN	32

/**
 * struct intel_lm_vf - one VF of the PF
 * @vf:		the VF index used by the commands: the entry's Virtual Function Number
 * @scid:	secondary controller ID
 * @online:	the secondary controller is online (SCS bit 0)
 * @nvq:	VQ flexible resources assigned
 * @nvi:	VI flexible resources assigned
 * @pci_addr:	the VF's PCI address from sysfs virtfn(@vf - 1), or "" when unknown
 */
struct intel_lm_vf {
	uint16_t vf;
	uint16_t scid;
	bool online;
	uint16_t nvq;
	uint16_t nvi;
	char pci_addr[INTEL_LM_PCI_ADDR_LEN];
};

/**
 * struct intel_lm_vf_list - the VFs of one PF, sorted by VF index
 * @count:	number of entries in @vf
 * @vf:		the entries
 */
struct intel_lm_vf_list {
	size_t count;
	struct intel_lm_vf *vf;
};

/**
 * intel_lm_vf_find() - Find a VF in a list
 * @list:	the PF's VFs
 * @vf:		a 1-based VF index
 *
 * Return: the entry, or NULL when the PF has no such VF (always NULL for 0).
 */
const struct intel_lm_vf *intel_lm_vf_find(const struct intel_lm_vf_list *list, uint16_t vf);

/**
 * intel_lm_vf_reset_seen() - Whether a VF looks as a PF reset leaves it
 * @vf:		its entry in the PF's Secondary Controller List, or NULL
 *
 * A reset of the PF's controller (Linux resets it when an admin command times out) takes every
 * VF offline with its flexible resources: Secondary Controller State bit 0 clear, VQ and VI
 * resources 0 (the kernel suite's QEMU model and real PFs alike; the emulated PF's "reset=yes").
 * Whatever was suspended, saved or loaded in the VF is gone. A VF that is offline by
 * configuration keeps its resources; one that was never given any looks the same as a reset
 * one, and is taken for one.
 *
 * Return: true when @vf is offline with no VQ and no VI resources.
 */
bool intel_lm_vf_reset_seen(const struct intel_lm_vf *vf);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_VF_H */
