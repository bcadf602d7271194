// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The identity of a VF state (see intel-lm/identity.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <zlib.h>

#include <intel-lm/identity.h>

#include "private.h"

bool intel_lm_identity_is_set(const struct intel_lm_identity *ident)
{
	static const uint8_t zero[INTEL_LM_ID_BYTES];

	return memcmp(ident->id, zero, sizeof(zero)) != 0;
}

bool intel_lm_identity_same(const struct intel_lm_identity *a, const struct intel_lm_identity *b)
{
	return intel_lm_identity_is_set(a) && !memcmp(a->id, b->id, sizeof(a->id));
}

int intel_lm_identity_new(struct intel_lm_identity *ident, const char *pf_key, uint16_t vf)
{
	size_t got = 0;

	memset(ident, 0, sizeof(*ident));
	while (got < sizeof(ident->id)) {
		ssize_t n = getrandom(ident->id + got, sizeof(ident->id) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			memset(ident, 0, sizeof(*ident));
			return err;
		}
		got += (size_t)n;
	}
	/* All zero means "none": vanishingly unlikely, but never let it pass. */
	if (!intel_lm_identity_is_set(ident))
		ident->id[0] = 1;
	ident->origin_vf = vf;
	intel_lm_put_str(ident->origin, sizeof(ident->origin), pf_key ? pf_key : "");
	return 0;
}

void intel_lm_identity_derive(struct intel_lm_identity *ident, const void *state, uint32_t len)
{
	uLong c = crc32(0L, Z_NULL, 0), a = adler32(0L, Z_NULL, 0);

	memset(ident, 0, sizeof(*ident));
	if (state && len) {
		c = crc32(c, state, len);
		a = adler32(a, state, len);
	}
	/* "ILMD" marks a derived id, then the length, the CRC-32 and the Adler-32. */
	memcpy(ident->id, "ILMD", 4);
	intel_lm_put_le32(ident->id + 4, len);
	intel_lm_put_le32(ident->id + 8, (uint32_t)c);
	intel_lm_put_le32(ident->id + 12, (uint32_t)a);
}

char *intel_lm_identity_hex(const struct intel_lm_identity *ident, char out[INTEL_LM_ID_HEX_LEN])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (!intel_lm_identity_is_set(ident)) {
		out[0] = '\0';
		return out;
	}
	for (i = 0; i < INTEL_LM_ID_BYTES; i++) {
		out[2 * i] = hex[ident->id[i] >> 4];
		out[2 * i + 1] = hex[ident->id[i] & 0xf];
	}
	out[(size_t)2 * INTEL_LM_ID_BYTES] = '\0';
	return out;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int intel_lm_identity_parse_hex(const char *s, size_t n, struct intel_lm_identity *ident)
{
	uint8_t id[INTEL_LM_ID_BYTES];
	size_t i;

	if (!n) {
		memset(ident->id, 0, sizeof(ident->id));
		return 0;
	}
	if (n != (size_t)2 * INTEL_LM_ID_BYTES)
		return -EINVAL;
	for (i = 0; i < INTEL_LM_ID_BYTES; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(ident->id, id, sizeof(id));
	return 0;
}
