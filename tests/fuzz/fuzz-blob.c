// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: a state blob in memory. intel_lm_blob_decode() and
 * intel_lm_blob_check_payload() on the input as it is, then on a copy whose checksums are made
 * right (so that the fuzzer gets past them to the field checks), and
 * intel_lm_blob_check_identity() with every size of message buffer.
 *
 * The input is a blob file: the 256-byte header, then the state.
 */
#include <errno.h>

#include <zlib.h>

#include <libintel-lm-private.h>
#include <intel-lm/blob.h>

#include "fuzz.h"

#define HDR INTEL_LM_BLOB_HDR_LEN

static void check_hdr_strings(const struct intel_lm_blob_hdr *hdr)
{
	fuzz_check_string(hdr->sn, sizeof(hdr->sn));
	fuzz_check_string(hdr->mn, sizeof(hdr->mn));
	fuzz_check_string(hdr->fr, sizeof(hdr->fr));
	fuzz_check_string(hdr->tool, sizeof(hdr->tool));
}

static bool same_hdr(const struct intel_lm_blob_hdr *a, const struct intel_lm_blob_hdr *b)
{
	return a->version == b->version && a->hdr_len == b->hdr_len && a->vf == b->vf &&
	       a->payload_len == b->payload_len && a->payload_crc == b->payload_crc &&
	       a->created == b->created && a->vid == b->vid && a->ssvid == b->ssvid &&
	       !strcmp(a->sn, b->sn) && !strcmp(a->mn, b->mn) && !strcmp(a->fr, b->fr) &&
	       !strcmp(a->tool, b->tool);
}

/*
 * Decode, check what a decoded header must satisfy, and check the payload: @crc_ok says its
 * checksum is known to be right. Returns what intel_lm_blob_decode() did.
 */
static int decode_and_check(const uint8_t *data, size_t size, struct intel_lm_blob_hdr *hdr,
			    bool crc_ok)
{
	int ret = intel_lm_blob_decode(data, size, hdr), pret;
	struct intel_lm_blob_hdr copy, again;
	uint8_t raw[HDR];
	size_t rest;

	FUZZ_ASSERT(ret == 0 || ret == -ENODATA || ret == -EILSEQ || ret == -EPROTONOSUPPORT ||
		    ret == -EBADMSG || ret == -EPROTO);
	FUZZ_ASSERT(intel_lm_blob_strerror(ret) != NULL);
	check_hdr_strings(hdr);
	if (ret)
		return ret;
	FUZZ_ASSERT(size >= HDR && !memcmp(data, INTEL_LM_BLOB_MAGIC, 8));
	FUZZ_ASSERT(hdr->version == INTEL_LM_BLOB_VERSION && hdr->hdr_len == HDR);
	FUZZ_ASSERT(hdr->vf >= 1 && hdr->payload_len > 0);

	/* What decode returns, encode writes back, and decoding that gives the same header. */
	copy = *hdr;
	intel_lm_blob_encode(&copy, raw);
	FUZZ_ASSERT(intel_lm_blob_decode(raw, sizeof(raw), &again) == 0);
	FUZZ_ASSERT(same_hdr(hdr, &again));

	rest = size - HDR;
	pret = intel_lm_blob_check_payload(hdr, data + HDR, rest);
	if (rest < hdr->payload_len)
		FUZZ_ASSERT(pret == -ENODATA);
	else if (rest > hdr->payload_len)
		FUZZ_ASSERT(pret == -E2BIG);
	else
		FUZZ_ASSERT(pret == 0 || (!crc_ok && pret == -EBADMSG));
	return 0;
}

static void check_identity(const struct intel_lm_blob_hdr *hdr, size_t len)
{
	static const struct intel_lm_ctrl_info dst = {
		.vid = 0x8086, .ssvid = 0x8086, .sn = "PHDST0001", .mn = "Intel IPU E2100 NVMe",
		.fr = "1.0.0", .mdts = 6, .cntlid = 2, .lm_byte = 1,
	};
	bool same = hdr->vid == dst.vid && !strcmp(hdr->mn, dst.mn) && !strcmp(hdr->fr, dst.fr);
	char *why = malloc(len);	/* exactly @len: ASan sees any byte written beyond */
	int ret;

	FUZZ_ASSERT(why);
	ret = intel_lm_blob_check_identity(hdr, &dst, why, len);
	FUZZ_ASSERT(ret == (same ? 0 : -EXDEV));
	FUZZ_ASSERT(memchr(why, '\0', len));
	/* the message: none for a match; for a mismatch, when there is room for one */
	FUZZ_ASSERT(same ? !why[0] : len < 32 || why[0]);
	free(why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct intel_lm_blob_hdr hdr;
	uint8_t *fixed;
	uint32_t crc;
	int ret;

	ret = decode_and_check(data, size, &hdr, false);
	if (ret == 0 || ret == -EPROTO)
		check_identity(&hdr, 1 + (size % 160));

	/* The same with both checksums right: only the fields can be wrong now. */
	if (size < HDR || memcmp(data, INTEL_LM_BLOB_MAGIC, 8))
		return 0;
	fixed = malloc(size);
	FUZZ_ASSERT(fixed);
	memcpy(fixed, data, size);
	crc = (uint32_t)crc32(0L, fixed + HDR, (uInt)(size - HDR));
	fixed[20] = (uint8_t)crc;
	fixed[21] = (uint8_t)(crc >> 8);
	fixed[22] = (uint8_t)(crc >> 16);
	fixed[23] = (uint8_t)(crc >> 24);
	crc = (uint32_t)crc32(0L, fixed, HDR - 4);
	fixed[HDR - 4] = (uint8_t)crc;
	fixed[HDR - 3] = (uint8_t)(crc >> 8);
	fixed[HDR - 2] = (uint8_t)(crc >> 16);
	fixed[HDR - 1] = (uint8_t)(crc >> 24);
	ret = decode_and_check(fixed, size, &hdr, true);
	FUZZ_ASSERT(ret != -EBADMSG && ret != -EILSEQ && ret != -ENODATA);
	if (ret == 0 || ret == -EPROTO)
		check_identity(&hdr, 1 + (fixed[12] % 160));
	free(fixed);
	return 0;
}
