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
 * intel_lm_parse_sec_ctrl_list() - Add the VFs of one Secondary Controller List page
 * @buf:	the 4096 bytes Identify CNS 15h returned
 * @pf_cntlid:	the PF's controller ID; entries of other primary controllers are skipped
 * @list:	the list to add to (start from a zeroed list); free with intel_lm_vf_list_free()
 * @last_scid:	set to the highest secondary controller ID in the page, to ask for the next
 * @entries:	set to the number of entries the page holds (all primaries)
 *
 * Trusts nothing: a count above the 127 entries a page can hold, VF number 0, and a VF number
 * already in @list are errors.
 *
 * Return: 0; -EPROTO when the page is malformed (@list keeps what was added before); -ENOMEM.
 */
int intel_lm_parse_sec_ctrl_list(const void *buf, uint16_t pf_cntlid,
				 struct intel_lm_vf_list *list, uint16_t *last_scid,
				 unsigned int *entries);

/**
 * intel_lm_list_vfs() - Read the PF's VFs from its Secondary Controller List
 * @fd:		the PF's controller character device
 * @pf_cntlid:	the PF's controller ID (&struct intel_lm_ctrl_info.cntlid)
 * @opts:	submission options (timeout, trace), or NULL
 * @list:	filled in, sorted by VF index; free with intel_lm_vf_list_free()
 *
 * Reads as many pages (127 entries each) as the controller has. Identify is sent even for a
 * dry run. PCI addresses are not filled in: see intel_lm_vf_list_sysfs().
 *
 * Return: 0, a positive NVMe status, or a negative errno (-EPROTO for a malformed list).
 */
int intel_lm_list_vfs(int fd, uint16_t pf_cntlid, const struct intel_lm_opts *opts,
		      struct intel_lm_vf_list *list);

/**
 * intel_lm_vf_list_sysfs() - Fill in the VFs' PCI addresses from sysfs
 * @list:	a list from intel_lm_list_vfs()
 * @sysfs:	the sysfs mount point, NULL for "/sys"
 * @ctrl:	the PF's controller name, e.g. "nvme0"
 *
 * Optional: without sysfs, or for a VF sysfs does not list, the address stays "".
 */
void intel_lm_vf_list_sysfs(struct intel_lm_vf_list *list, const char *sysfs, const char *ctrl);

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

/**
 * intel_lm_vf_list_format() - The VF indexes of a list, for messages
 * @list:	the PF's VFs
 * @buf:	where to write, e.g. "1-4, 7" or "none"
 * @len:	size of @buf; a list (or "none") that does not fit ends in "...", itself cut
 *		to fit a buffer of 4 bytes or less
 */
void intel_lm_vf_list_format(const struct intel_lm_vf_list *list, char *buf, size_t len);

/**
 * intel_lm_vf_list_format_online() - The online VFs of a list, for messages
 * @list:	the PF's VFs
 * @buf:	where to write the indexes of the VFs whose @online is set, e.g. "1, 3-4", or
 *		"none"
 * @len:	size of @buf, cut as intel_lm_vf_list_format() cuts
 */
void intel_lm_vf_list_format_online(const struct intel_lm_vf_list *list, char *buf, size_t len);

/**
 * intel_lm_vf_select() - Turn a --vf argument into VF indexes
 * @arg:	"3", "1,3,5-8", or "all"
 * @list:	the PF's VFs: "all" means these, and every index named must be one of them
 * @out:	set to a sorted array of distinct VF indexes; free() it
 * @count:	set to the number of entries in @out
 * @bad:	set to the first item of @arg that is wrong (NULL when @arg is well formed but
 *		names a VF the PF does not have); points into @arg or is NULL
 *
 * Items are whole decimal numbers from 1 to 65535 or ranges "a-b" with a <= b, separated by
 * commas, without spaces, signs or anything else.
 *
 * Return: 0; -EINVAL when @arg is malformed (*@bad says where); -ENOENT when it names a VF
 * @list does not have (*@out holds that VF alone, *@count = 1); -ENOMEM.
 */
int intel_lm_vf_select(const char *arg, const struct intel_lm_vf_list *list, uint16_t **out,
		       size_t *count, const char **bad);

/**
 * intel_lm_vf_select_is_list() - Whether a --vf argument may name more than one VF
 * @arg:	a --vf argument
 *
 * Return: true for "all", a range or a comma-separated list, even one that names a single VF;
 * false for a single number.
 */
bool intel_lm_vf_select_is_list(const char *arg);

/**
 * intel_lm_vf_list_free() - Free what intel_lm_list_vfs() allocated
 * @list:	the list; it is left empty
 */
void intel_lm_vf_list_free(struct intel_lm_vf_list *list);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_VF_H */
