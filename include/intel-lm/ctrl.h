/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: what the PF says about itself (Identify Controller), whether it supports Intel
 * live migration, and the largest state it can move in one command.
 */
#ifndef INTEL_LM_CTRL_H
#define INTEL_LM_CTRL_H

#include <stdbool.h>
#include <stdint.h>

#include <intel-lm/cmd.h>

#ifdef __cplusplus
extern "C" {
#endif

/** INTEL_LM_ID_DATA_LEN - the size of an Identify data structure, in bytes */
#define INTEL_LM_ID_DATA_LEN		4096

/** INTEL_LM_PCI_VID_INTEL - the PCI vendor ID whose byte 3072 we believe */
#define INTEL_LM_PCI_VID_INTEL		0x8086
/** INTEL_LM_ID_CTRL_LM_OFFSET - byte of Identify Controller announcing live migration */
#define INTEL_LM_ID_CTRL_LM_OFFSET	3072
/** INTEL_LM_ID_CTRL_LM_SUPPORTED - the value of that byte when live migration is supported */
#define INTEL_LM_ID_CTRL_LM_SUPPORTED	0x01

/**
 * enum intel_lm_support - whether a PF supports Intel live migration, and why not
 * @INTEL_LM_SUPPORTED:		PCI vendor 0x8086 and byte 3072 = 01h
 * @INTEL_LM_UNSUPPORTED_VENDOR: the PCI vendor is not Intel: byte 3072 means something else
 * @INTEL_LM_UNSUPPORTED_FLAG:	Intel, and byte 3072 = 00h: the firmware has no live migration
 * @INTEL_LM_UNSUPPORTED_RESERVED: Intel, and byte 3072 holds a reserved value
 */
enum intel_lm_support {
	INTEL_LM_SUPPORTED = 0,
	INTEL_LM_UNSUPPORTED_VENDOR,
	INTEL_LM_UNSUPPORTED_FLAG,
	INTEL_LM_UNSUPPORTED_RESERVED,
};

/**
 * struct intel_lm_ctrl_info - the PF's identity, from Identify Controller
 * @vid:	PCI vendor ID
 * @ssvid:	PCI subsystem vendor ID
 * @sn:		serial number, trailing spaces removed, unprintable bytes shown as '?'
 * @mn:		model number, likewise
 * @fr:		firmware revision, likewise
 * @mdts:	maximum data transfer size, a power of two in units of 4 KiB pages; 0 = no limit
 * @cntlid:	controller ID (the primary controller ID of its VFs)
 * @lm_byte:	the raw value of byte 3072
 * @support:	the verdict, see &enum intel_lm_support
 * @oacs:	Optional Admin Command Support (bytes 257:256)
 * @hmlms:	OACS bit 11, Host Managed Live Migration Support: the PF takes NVMe TP4159's
 *		Migration Send and Receive (any vendor)
 */
struct intel_lm_ctrl_info {
	uint16_t vid;
	uint16_t ssvid;
	char sn[21];
	char mn[41];
	char fr[9];
	uint8_t mdts;
	uint16_t cntlid;
	uint8_t lm_byte;
	enum intel_lm_support support;
	uint16_t oacs;
	bool hmlms;
};

/**
 * intel_lm_support_reason() - Why a PF does or does not support Intel live migration
 * @support:	a verdict (intel_lm_pf_info()->support)
 *
 * Return: a sentence without a final period, e.g. "the PCI vendor is not Intel (0x8086), so
 * Identify Controller byte 3072 does not announce Intel live migration". Never NULL.
 */
const char *intel_lm_support_reason(enum intel_lm_support support);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_CTRL_H */
