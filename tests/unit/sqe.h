/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The unit suites' checks of a command as it goes out: the bytes of its 64-byte submission
 * queue entry, and what the library's trace callback (intel_lm_opts.trace) saw of each one.
 * Shared by test-cmd (Intel's five), test-tp4159 (TP4159's two) and test-ops (the library
 * against the emulated PF).
 */
#ifndef INTEL_LM_UNIT_SQE_H
#define INTEL_LM_UNIT_SQE_H

#include <stdbool.h>
#include <stdint.h>

#include <libintel-lm-private.h>

/* Dword @n (0..15) of the SQE @sqe, little-endian. */
uint32_t sqe_dw(const uint8_t *sqe, int n);

/* Every SQE byte outside the [lo, hi) ranges in @keep (@nkeep ints, pairs) must be zero. */
void sqe_assert_zero_except(const uint8_t *sqe, const int *keep, int nkeep);

/*
 * Dwords 1..15 other than those in @keep (a bit mask of dword numbers), and the rest of dword
 * 0 after the opcode (flags and command identifier), must be zero.
 */
void sqe_assert_zero_except_dw(const uint8_t *sqe, uint32_t keep);

/* One command the trace callback saw. */
struct seen_cmd {
	uint8_t opcode;
	uint64_t addr;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15, data_len, timeout_ms;
	int ret;
	uint32_t result;
	uint64_t elapsed_ns;
	bool dry_run;
};

#define SEEN_MAX	64

/*
 * What the trace callback saw: @n counts every command, the first SEEN_MAX are kept in @c.
 * With @only_dry set, a command that was not a dry run fails the test.
 */
struct seen {
	int n;
	bool only_dry;
	struct seen_cmd c[SEEN_MAX];
};

/* The trace callback: @priv is a struct seen. */
void seen_record(void *priv, const struct intel_lm_cmd *cmd, int ret, uint32_t result,
		 uint64_t elapsed_ns, bool dry_run);

#endif /* INTEL_LM_UNIT_SQE_H */
