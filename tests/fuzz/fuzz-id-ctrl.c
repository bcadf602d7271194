// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: Identify Controller as a device returns it. intel_lm_parse_id_ctrl() on the
 * 4096 bytes, then intel_lm_state_limit() on the result: the strings must come out printable,
 * the numbers as they are on the wire, the verdict as the rule says, the limit within its
 * bounds.
 *
 * The input is the page (shorter inputs are padded with zeros).
 */
#include <libnvme.h>

#include <libintel-lm-private.h>
#include <intel-lm/ctrl.h>
#include <intel-lm/limits.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nvme_id_ctrl *id = calloc(1, sizeof(*id));
	struct intel_lm_ctrl_info info;
	struct intel_lm_limit limit;
	const uint8_t *raw = (const uint8_t *)id;
	uint64_t mdts;

	FUZZ_ASSERT(id && sizeof(*id) == NVME_IDENTIFY_DATA_SIZE);
	memcpy(id, data, size < sizeof(*id) ? size : sizeof(*id));
	intel_lm_parse_id_ctrl(id, &info);

	fuzz_check_string(info.sn, sizeof(info.sn));
	fuzz_check_string(info.mn, sizeof(info.mn));
	fuzz_check_string(info.fr, sizeof(info.fr));
	FUZZ_ASSERT(info.vid == fuzz_le16(raw + 0) && info.ssvid == fuzz_le16(raw + 2));
	FUZZ_ASSERT(info.mdts == raw[77] && info.cntlid == fuzz_le16(raw + 78));
	FUZZ_ASSERT(info.lm_byte == raw[INTEL_LM_ID_CTRL_LM_OFFSET]);
	if (info.vid != INTEL_LM_PCI_VID_INTEL)
		FUZZ_ASSERT(info.support == INTEL_LM_UNSUPPORTED_VENDOR);
	else if (info.lm_byte == INTEL_LM_ID_CTRL_LM_SUPPORTED)
		FUZZ_ASSERT(info.support == INTEL_LM_SUPPORTED);
	else if (!info.lm_byte)
		FUZZ_ASSERT(info.support == INTEL_LM_UNSUPPORTED_FLAG);
	else
		FUZZ_ASSERT(info.support == INTEL_LM_UNSUPPORTED_RESERVED);
	FUZZ_ASSERT(intel_lm_support_reason(info.support) != NULL);

	intel_lm_state_limit(&info, &limit);
	mdts = info.mdts ? (uint64_t)INTEL_LM_PAGE_SIZE << (info.mdts < 32 ? info.mdts : 32) : 0;
	if (mdts > UINT32_MAX)
		mdts = UINT32_MAX;
	FUZZ_ASSERT(limit.mdts_bytes == mdts);
	FUZZ_ASSERT(limit.max_bytes && limit.max_bytes <= INTEL_LM_REFERENCE_MAX_STATE);
	FUZZ_ASSERT(limit.max_bytes <= INTEL_LM_KERNEL_MAX_XFER);
	FUZZ_ASSERT(!mdts || limit.max_bytes <= mdts);
	FUZZ_ASSERT(intel_lm_limit_reason(limit.src) != NULL);
	free(id);
	return 0;
}
