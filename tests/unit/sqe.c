// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The unit suites' checks of a command as it goes out (sqe.h).
 */
#include <check.h>

#include "sqe.h"

uint32_t sqe_dw(const uint8_t *sqe, int n)
{
	const uint8_t *p = sqe + 4 * n;

	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void sqe_assert_zero_except(const uint8_t *sqe, const int *keep, int nkeep)
{
	int i, k;

	for (i = 0; i < INTEL_LM_SQE_SIZE; i++) {
		bool kept = false;

		for (k = 0; k < nkeep; k += 2)
			if (i >= keep[k] && i < keep[k + 1])
				kept = true;
		if (!kept)
			ck_assert_msg(sqe[i] == 0, "SQE byte %d is 0x%02x, expected 0", i, sqe[i]);
	}
}

void sqe_assert_zero_except_dw(const uint8_t *sqe, uint32_t keep)
{
	int n;

	ck_assert_uint_eq(sqe[1], 0);
	ck_assert_uint_eq(sqe[2] | sqe[3], 0);
	for (n = 1; n < 16; n++)
		if (!(keep & (1u << n)))
			ck_assert_msg(sqe_dw(sqe, n) == 0, "CDW%d is 0x%08x, expected 0", n,
				      sqe_dw(sqe, n));
}

void seen_record(void *priv, const struct intel_lm_cmd *cmd, int ret, uint32_t result,
		 uint64_t elapsed_ns, bool dry_run)
{
	struct seen *s = priv;
	struct seen_cmd *c;

	if (s->only_dry)
		ck_assert_msg(dry_run, "command %d (opcode 0x%02x) was sent, not a dry run", s->n,
			      cmd->opcode);
	if (s->n++ >= SEEN_MAX)
		return;
	c = &s->c[s->n - 1];
	c->opcode = cmd->opcode;
	c->addr = cmd->addr;
	c->cdw10 = cmd->cdw10;
	c->cdw11 = cmd->cdw11;
	c->cdw12 = cmd->cdw12;
	c->cdw13 = cmd->cdw13;
	c->cdw14 = cmd->cdw14;
	c->cdw15 = cmd->cdw15;
	c->data_len = cmd->data_len;
	c->timeout_ms = cmd->timeout_ms;
	c->ret = ret;
	c->result = result;
	c->elapsed_ns = elapsed_ns;
	c->dry_run = dry_run;
}
