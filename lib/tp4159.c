// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * NVMe TP4159 (NVMe Base 2.1) Migration Send and Migration Receive: pure builders, the
 * chunking of a state by offset, and the controller state header (see intel-lm/tp4159.h).
 *
 * The commands are built here and sent by intel_lm_submit(), not by libnvme's
 * nvme_lm_migration_send()/_recv() (1.12 and later): those submit through
 * nvme_submit_admin_passthru(), which nvme-cli 2.14 and later replace with a version that
 * re-sends on EINTR, and a Suspend or a Set Controller State must go out exactly once
 * (FACTS.md). Where the build's libnvme has the field definitions, the layout is checked
 * against them below, so the two cannot drift apart.
 */
#include <errno.h>
#include <string.h>

#include <libnvme.h>

#include <intel-lm/limits.h>
#include <intel-lm/tp4159.h>

#include "private.h"

/* Field positions, as libnvme names them (enum nvme_lm_migration_send/recv_fields). */
#define SEL_MASK		0xffu
#define MOS_SHIFT		16
#define CNTLID_MASK		0xffffu
#define STYPE_SHIFT		16
#define DUDMQ			(1u << 31)
#define SEQIND_MASK		0x3u
#define SET_CSVI_SHIFT		16
#define SET_CSUUIDI_SHIFT	24
#define GET_CSUUIDI_SHIFT	16
#define UIDX_MASK		0x7fu

#ifdef INTEL_LM_HAVE_NVME_LM
/* Two enumerations of one field: compared as integers. */
#define SAME(a, b)	((long)(a) == (long)(b))
_Static_assert(SAME(INTEL_LM_OPC_MIGRATION_SEND, nvme_admin_migration_send) &&
	       SAME(INTEL_LM_OPC_MIGRATION_RECV, nvme_admin_migration_receive), "opcodes");
_Static_assert(SAME(NVME_LM_MIGRATION_SEND_MOS_SHIFT, MOS_SHIFT) &&
	       SAME(NVME_LM_MIGRATION_RECV_MOS_SHIFT, MOS_SHIFT) &&
	       SAME(NVME_LM_MIGRATION_SEND_SEL_MASK, SEL_MASK), "SEL and MOS");
_Static_assert(SAME(NVME_LM_SEL_SUSPEND, INTEL_LM_TP_SEL_SUSPEND) &&
	       SAME(NVME_LM_SEL_RESUME, INTEL_LM_TP_SEL_RESUME) &&
	       SAME(NVME_LM_SEL_SET_CONTROLLER_STATE, INTEL_LM_TP_SEL_SET_STATE) &&
	       SAME(NVME_LM_SEL_GET_CONTROLLER_STATE, INTEL_LM_TP_SEL_GET_STATE), "SEL values");
_Static_assert(SAME(NVME_LM_STYPE_SHIFT, STYPE_SHIFT) && SAME((uint32_t)NVME_LM_DUDMQ, DUDMQ) &&
	       SAME(NVME_LM_STYPE_SUSPEND, INTEL_LM_TP_STYPE_SUSPEND), "Suspend");
_Static_assert(SAME(NVME_LM_SEQIND_MASK, SEQIND_MASK) &&
	       SAME(NVME_LM_SEQIND_FIRST, INTEL_LM_TP_SEQ_FIRST) &&
	       SAME(NVME_LM_SEQIND_LAST, INTEL_LM_TP_SEQ_LAST) &&
	       SAME(NVME_LM_SEQIND_ENTIRE, INTEL_LM_TP_SEQ_ENTIRE), "SEQIND");
_Static_assert(SAME(NVME_LM_SET_CONTROLLER_STATE_CSVI_SHIFT, SET_CSVI_SHIFT) &&
	       SAME(NVME_LM_SET_CONTROLLER_STATE_CSUUIDI_SHIFT, SET_CSUUIDI_SHIFT) &&
	       SAME(NVME_LM_GET_CONTROLLER_STATE_CSUUIDI_SHIFT, GET_CSUUIDI_SHIFT) &&
	       SAME(NVME_LM_GET_CONTROLLER_STATE_CSVI_SHIFT, 0), "CSVI and CSUUIDI");
_Static_assert(SAME(NVME_LM_MIGRATION_SEND_UIDX_MASK, UIDX_MASK), "UIDX");
#endif

static void init(struct intel_lm_cmd *cmd, uint8_t opcode, uint8_t sel, uint16_t mos,
		 uint32_t cdw11)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->opcode = opcode;
	cmd->cdw10 = (uint32_t)sel | ((uint32_t)mos << MOS_SHIFT);
	cmd->cdw11 = cdw11;
}

int intel_lm_tp_suspend_init(struct intel_lm_cmd *cmd, uint16_t cntlid, uint8_t stype,
			     bool dudmq)
{
	memset(cmd, 0, sizeof(*cmd));
	if (stype > INTEL_LM_TP_STYPE_SUSPEND)
		return -EINVAL;
	init(cmd, INTEL_LM_OPC_MIGRATION_SEND, INTEL_LM_TP_SEL_SUSPEND, 0,
	     cntlid | ((uint32_t)stype << STYPE_SHIFT) | (dudmq ? DUDMQ : 0));
	return 0;
}

void intel_lm_tp_resume_init(struct intel_lm_cmd *cmd, uint16_t cntlid)
{
	init(cmd, INTEL_LM_OPC_MIGRATION_SEND, INTEL_LM_TP_SEL_RESUME, 0, cntlid);
}

/* The data fields both state commands share: 64-bit offset, UIDX, buffer, length. */
static int data(struct intel_lm_cmd *cmd, const struct intel_lm_proto *fmt, uint64_t offset,
		const void *buf, uint32_t len)
{
	if (!buf || !len || len % 4 || fmt->uidx > UIDX_MASK) {
		memset(cmd, 0, sizeof(*cmd));
		return -EINVAL;
	}
	cmd->cdw12 = (uint32_t)offset;
	cmd->cdw13 = (uint32_t)(offset >> 32);
	cmd->cdw14 = fmt->uidx;
	cmd->addr = (uint64_t)(uintptr_t)buf;
	cmd->data_len = len;
	return 0;
}

int intel_lm_tp_set_state_init(struct intel_lm_cmd *cmd, uint16_t cntlid,
			       const struct intel_lm_proto *fmt, uint8_t seqind, uint64_t offset,
			       const void *buf, uint32_t len)
{
	if (seqind > SEQIND_MASK) {
		memset(cmd, 0, sizeof(*cmd));
		return -EINVAL;
	}
	init(cmd, INTEL_LM_OPC_MIGRATION_SEND, INTEL_LM_TP_SEL_SET_STATE, seqind,
	     cntlid | ((uint32_t)fmt->csvi << SET_CSVI_SHIFT) |
	     ((uint32_t)fmt->csuuidi << SET_CSUUIDI_SHIFT));
	if (data(cmd, fmt, offset, buf, len))
		return -EINVAL;
	/* NUMD counts the dwords sent (libnvme: data length NUMD * 4). */
	cmd->cdw15 = len / 4;
	return 0;
}

int intel_lm_tp_get_state_init(struct intel_lm_cmd *cmd, uint16_t cntlid,
			       const struct intel_lm_proto *fmt, uint64_t offset, void *buf,
			       uint32_t len)
{
	init(cmd, INTEL_LM_OPC_MIGRATION_RECV, INTEL_LM_TP_SEL_GET_STATE, fmt->csvi,
	     cntlid | ((uint32_t)fmt->csuuidi << GET_CSUUIDI_SHIFT));
	if (data(cmd, fmt, offset, buf, len))
		return -EINVAL;
	/* NUMD is zero-based here (libnvme: data length (NUMD + 1) * 4). */
	cmd->cdw15 = len / 4 - 1;
	return 0;
}

uint32_t intel_lm_tp_chunk_max(uint32_t mdts_bytes, uint32_t want)
{
	uint32_t max = INTEL_LM_KERNEL_MAX_XFER;

	if (INTEL_LM_KERNEL_MAX_SEGS * INTEL_LM_PAGE_SIZE < max)
		max = INTEL_LM_KERNEL_MAX_SEGS * INTEL_LM_PAGE_SIZE;
	if (mdts_bytes && mdts_bytes < max)
		max = mdts_bytes;
	if (want && want < max)
		max = want;
	max &= ~3u;
	return max ? max : 4;
}

uint32_t intel_lm_tp_chunks(uint32_t size, uint32_t max)
{
	if (!size || !max)
		return 0;
	return size / max + (size % max != 0);
}

int intel_lm_tp_chunk(uint32_t size, uint32_t max, uint32_t i, struct intel_lm_tp_chunk *c)
{
	uint32_t n = intel_lm_tp_chunks(size, max);

	memset(c, 0, sizeof(*c));
	if (i >= n)
		return -ERANGE;
	c->offset = (uint64_t)i * max;
	c->len = i + 1 < n ? max : size - (uint32_t)c->offset;
	if (n == 1)
		c->seqind = INTEL_LM_TP_SEQ_ENTIRE;
	else if (i == 0)
		c->seqind = INTEL_LM_TP_SEQ_FIRST;
	else if (i + 1 == n)
		c->seqind = INTEL_LM_TP_SEQ_LAST;
	else
		c->seqind = INTEL_LM_TP_SEQ_MIDDLE;
	return 0;
}

/* A 128-bit little-endian dword count: 0, or -EOVERFLOW past 32 bits. */
static int dwords(const uint8_t *p, uint64_t *n)
{
	int i;

	for (i = 4; i < 16; i++)
		if (p[i])
			return -EOVERFLOW;
	*n = intel_lm_le32(p);
	return 0;
}

int intel_lm_tp_state_size(const void *hdr, uint32_t *size)
{
	const uint8_t *h = hdr;
	uint64_t css, vss, total;

	*size = 0;
	if (dwords(h + 16, &css) || dwords(h + 32, &vss))
		return -EOVERFLOW;
	total = INTEL_LM_TP_STATE_HDR_LEN + 4 * (css + vss);
	if (total > UINT32_MAX)
		return -EOVERFLOW;
	*size = (uint32_t)total;
	return 0;
}
