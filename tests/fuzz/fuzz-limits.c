// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the size QUERY_DATA_SIZE returned against a PF's limit. For any MDTS, size
 * and caller's limit, intel_lm_state_limit(), intel_lm_state_limit_set() and
 * intel_lm_check_size() must agree with the rule: the smallest of MDTS, the kernel's 4 MiB and
 * the 256 KiB default (or the caller's limit), and a size of 0 or above it refused.
 *
 * The input: MDTS (1 byte), the queried size (4 bytes, little-endian), the caller's limit
 * (4 bytes); missing bytes are 0.
 */
#include <errno.h>

#include <libintel-lm-private.h>
#include <intel-lm/limits.h>

#include "fuzz.h"

static uint32_t min32(uint64_t a, uint64_t b)
{
	return (uint32_t)(a < b ? a : b);
}

static void check_size(uint32_t size, const struct intel_lm_limit *limit)
{
	int ret = intel_lm_check_size(size, limit);

	if (!size)
		FUZZ_ASSERT(ret == -ENODATA);
	else if (size > limit->max_bytes)
		FUZZ_ASSERT(ret == -EFBIG);
	else
		FUZZ_ASSERT(ret == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct intel_lm_ctrl_info info = { .vid = INTEL_LM_PCI_VID_INTEL };
	struct intel_lm_limit limit, before;
	uint8_t in[9] = { 0 };
	uint32_t state, max, hard;
	uint64_t mdts;
	int ret;

	memcpy(in, data, size < sizeof(in) ? size : sizeof(in));
	info.mdts = in[0];
	state = fuzz_le32(in + 1);
	max = fuzz_le32(in + 5);

	intel_lm_state_limit(&info, &limit);
	mdts = info.mdts ? (uint64_t)INTEL_LM_PAGE_SIZE << (info.mdts < 32 ? info.mdts : 32) : 0;
	hard = min32(INTEL_LM_KERNEL_MAX_XFER, mdts ? mdts : UINT64_MAX);
	FUZZ_ASSERT(limit.mdts_bytes == min32(mdts, UINT32_MAX));
	FUZZ_ASSERT(limit.max_bytes == min32(hard, INTEL_LM_REFERENCE_MAX_STATE));
	FUZZ_ASSERT(limit.src == (limit.max_bytes == INTEL_LM_REFERENCE_MAX_STATE ?
				  INTEL_LM_LIMIT_REFERENCE : INTEL_LM_LIMIT_MDTS));
	check_size(state, &limit);

	before = limit;
	ret = intel_lm_state_limit_set(&limit, max);
	if (!max) {
		FUZZ_ASSERT(ret == -EINVAL);
		FUZZ_ASSERT(!memcmp(&before, &limit, sizeof(limit)));
	} else {
		FUZZ_ASSERT(ret == 0);
		FUZZ_ASSERT(limit.max_bytes == min32(max, hard));
		FUZZ_ASSERT(limit.mdts_bytes == before.mdts_bytes);
		if (max < hard)
			FUZZ_ASSERT(limit.src == INTEL_LM_LIMIT_CALLER);
		else
			FUZZ_ASSERT(limit.src == (hard == INTEL_LM_KERNEL_MAX_XFER &&
						  (!mdts || mdts >= INTEL_LM_KERNEL_MAX_XFER) ?
						  INTEL_LM_LIMIT_KERNEL : INTEL_LM_LIMIT_MDTS));
	}
	FUZZ_ASSERT(intel_lm_limit_reason(limit.src) != NULL);
	check_size(state, &limit);
	return 0;
}
