// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PF's identity from Identify Controller, and the capability verdict: Intel live migration
 * is supported only when the PCI vendor is Intel and byte 3072 is 01h.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libnvme.h>

#include <intel-lm/ctrl.h>
#include <intel-lm/tp4159.h>

#include "private.h"

/*
 * Copy a fixed-width, space-padded Identify string: no terminator is assumed, trailing spaces
 * and NULs are dropped and anything unprintable becomes '?', so the result is safe to print.
 */
static void copy_id_string(char *dst, size_t dst_len, const char *src, size_t src_len)
{
	size_t n = src_len < dst_len - 1 ? src_len : dst_len - 1;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c >= 0x20 && c <= 0x7e) ? (char)c : '?';
	}
	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\0'))
		n--;
	dst[n] = '\0';
}

_Static_assert(sizeof(struct nvme_id_ctrl) == INTEL_LM_ID_DATA_LEN, "Identify Controller size");
_Static_assert(INTEL_LM_OPC_IDENTIFY == nvme_admin_identify, "the Identify opcode");

/* A field of Identify Controller in the raw bytes: its offset and size from libnvme's layout. */
#define ID_AT(raw, field)	((raw) + offsetof(struct nvme_id_ctrl, field))
#define ID_LEN(field)		sizeof(((struct nvme_id_ctrl *)NULL)->field)

void intel_lm_parse_id_ctrl(const void *data, struct intel_lm_ctrl_info *info)
{
	const uint8_t *raw = data;

	/* Byte by byte: @data may have any alignment, so no struct is laid over it. */
	memset(info, 0, sizeof(*info));
	info->vid = intel_lm_le16(ID_AT(raw, vid));
	info->ssvid = intel_lm_le16(ID_AT(raw, ssvid));
	copy_id_string(info->sn, sizeof(info->sn), (const char *)ID_AT(raw, sn), ID_LEN(sn));
	copy_id_string(info->mn, sizeof(info->mn), (const char *)ID_AT(raw, mn), ID_LEN(mn));
	copy_id_string(info->fr, sizeof(info->fr), (const char *)ID_AT(raw, fr), ID_LEN(fr));
	info->mdts = *ID_AT(raw, mdts);
	info->cntlid = intel_lm_le16(ID_AT(raw, cntlid));
	info->lm_byte = raw[INTEL_LM_ID_CTRL_LM_OFFSET];
	info->oacs = intel_lm_le16(ID_AT(raw, oacs));
	info->hmlms = info->oacs & INTEL_LM_OACS_HMLMS;

	if (info->vid != INTEL_LM_PCI_VID_INTEL)
		info->support = INTEL_LM_UNSUPPORTED_VENDOR;
	else if (info->lm_byte == INTEL_LM_ID_CTRL_LM_SUPPORTED)
		info->support = INTEL_LM_SUPPORTED;
	else if (info->lm_byte == 0)
		info->support = INTEL_LM_UNSUPPORTED_FLAG;
	else
		info->support = INTEL_LM_UNSUPPORTED_RESERVED;
}

int intel_lm_identify(int fd, const struct intel_lm_opts *opts, struct intel_lm_ctrl_info *info)
{
	struct nvme_id_ctrl *id;
	int ret;

	memset(info, 0, sizeof(*info));
	if (posix_memalign((void **)&id, INTEL_LM_ID_BUF_ALIGN, sizeof(*id)))
		return -ENOMEM;
	ret = intel_lm_identify_raw(fd, NVME_IDENTIFY_CNS_CTRL, 0, id, opts);
	if (!ret)
		intel_lm_parse_id_ctrl(id, info);
	free(id);
	return ret;
}

int intel_lm_identify_raw(int fd, uint8_t cns, uint16_t cntid, void *buf,
			  const struct intel_lm_opts *opts)
{
	struct intel_lm_cmd cmd = {
		.opcode = INTEL_LM_OPC_IDENTIFY,
		.addr = (uint64_t)(uintptr_t)buf,
		.data_len = NVME_IDENTIFY_DATA_SIZE,
		.cdw10 = (uint32_t)cns | ((uint32_t)cntid << 16),
	};

	memset(buf, 0, NVME_IDENTIFY_DATA_SIZE);
	return intel_lm_submit(fd, &cmd, opts, NULL);
}

const char *intel_lm_support_reason(enum intel_lm_support support)
{
	switch (support) {
	case INTEL_LM_SUPPORTED:
		return "Identify Controller byte 3072 is 01h on an Intel (0x8086) controller";
	case INTEL_LM_UNSUPPORTED_VENDOR:
		return "the PCI vendor is not Intel (0x8086), so Identify Controller byte 3072 does "
		       "not announce Intel live migration";
	case INTEL_LM_UNSUPPORTED_FLAG:
		return "Identify Controller byte 3072 is 00h: this firmware does not implement "
		       "Intel live migration";
	case INTEL_LM_UNSUPPORTED_RESERVED:
		return "Identify Controller byte 3072 holds a reserved value (only 00h and 01h are "
		       "defined): this firmware is newer than intel-lm knows";
	}
	return "unknown";
}
