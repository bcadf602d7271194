/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the libFuzzer targets: a failed expectation aborts, so libFuzzer keeps the input as
 * a crash (and tests/fuzz/run.sh turns it into a regression input).
 */
#ifndef INTEL_LM_FUZZ_H
#define INTEL_LM_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(cond)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "%s:%d: expectation failed: %s\n",	\
				__FILE__, __LINE__, #cond);			\
			abort();						\
		}								\
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline uint16_t fuzz_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t fuzz_le32(const uint8_t *p)
{
	return (uint32_t)fuzz_le16(p) | ((uint32_t)fuzz_le16(p + 2) << 16);
}

/* A string the library made for printing: terminated within @len, printable, no trailing space. */
static inline void fuzz_check_string(const char *s, size_t len)
{
	size_t n = strnlen(s, len), i;

	FUZZ_ASSERT(n < len);
	for (i = 0; i < n; i++)
		FUZZ_ASSERT(s[i] >= 0x20 && s[i] <= 0x7e);
	FUZZ_ASSERT(!n || s[n - 1] != ' ');
}

#endif /* INTEL_LM_FUZZ_H */
