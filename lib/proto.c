// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The migration protocol: one interface (suspend, resume, query size, save, load) and the
 * implementations behind it. Every caller that sends a migration step comes here, so that a
 * step is built and sent in one place whatever the protocol.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <intel-lm/limits.h>
#include <intel-lm/pf.h>
#include <intel-lm/proto.h>
#include <intel-lm/tp4159.h>

#include "private.h"

/* What one step needs, whatever the protocol. */
struct proto_ctx {
	int fd;
	const struct intel_lm_proto *p;
	uint16_t vf;
	uint16_t cntlid;
	uint32_t mdts_bytes;
	const struct intel_lm_opts *opts;
};

struct proto_ops {
	int (*query_size)(const struct proto_ctx *x, uint32_t *size);
	int (*suspend)(const struct proto_ctx *x, uint32_t *result);
	int (*resume)(const struct proto_ctx *x, uint32_t *result);
	int (*save)(const struct proto_ctx *x, void *buf, uint32_t len, uint32_t *result);
	int (*load)(const struct proto_ctx *x, const void *buf, uint32_t len, uint32_t *result);
};

/* Intel's five vendor commands (cmd.c), which name the VF by its index. */
static int intel_query_size(const struct proto_ctx *x, uint32_t *size)
{
	return intel_lm_query_size(x->fd, x->vf, x->opts, size);
}

static int intel_suspend(const struct proto_ctx *x, uint32_t *result)
{
	(void)result;
	return intel_lm_suspend(x->fd, x->vf, x->opts);
}

static int intel_resume(const struct proto_ctx *x, uint32_t *result)
{
	(void)result;
	return intel_lm_resume(x->fd, x->vf, x->opts);
}

static int intel_save(const struct proto_ctx *x, void *buf, uint32_t len, uint32_t *result)
{
	(void)result;
	return intel_lm_save(x->fd, x->vf, buf, len, x->opts);
}

static int intel_load(const struct proto_ctx *x, const void *buf, uint32_t len, uint32_t *result)
{
	(void)result;
	return intel_lm_load(x->fd, x->vf, buf, len, x->opts);
}

static const struct proto_ops intel_ops = {
	.query_size = intel_query_size,
	.suspend = intel_suspend,
	.resume = intel_resume,
	.save = intel_save,
	.load = intel_load,
};

/*
 * TP4159's Migration Send and Receive (tp4159.c builds them), which name the VF by its
 * controller ID. The state has no size command: its 48-byte header says how large it is, and it
 * moves in chunks by offset, each within MDTS and the kernel's segments per command.
 */
static bool dry(const struct proto_ctx *x)
{
	return x->opts && x->opts->dry_run;
}

static int tp_suspend(const struct proto_ctx *x, uint32_t *result)
{
	struct intel_lm_cmd cmd;

	if (intel_lm_tp_suspend_init(&cmd, x->cntlid, INTEL_LM_TP_STYPE_SUSPEND, false))
		return -EINVAL;
	return intel_lm_submit(x->fd, &cmd, x->opts, result);
}

static int tp_resume(const struct proto_ctx *x, uint32_t *result)
{
	struct intel_lm_cmd cmd;

	intel_lm_tp_resume_init(&cmd, x->cntlid);
	return intel_lm_submit(x->fd, &cmd, x->opts, result);
}

static int tp_get(const struct proto_ctx *x, uint64_t offset, void *buf, uint32_t len,
		  uint32_t *result)
{
	struct intel_lm_cmd cmd;

	if (intel_lm_tp_get_state_init(&cmd, x->cntlid, x->p, offset, buf, len))
		return -EINVAL;
	return intel_lm_submit(x->fd, &cmd, x->opts, result);
}

/* The state's size: Get Controller State of its header alone. */
static int tp_query_size(const struct proto_ctx *x, uint32_t *size)
{
	uint32_t res;
	void *hdr;
	int ret;

	*size = 0;
	if (posix_memalign(&hdr, INTEL_LM_PAGE_SIZE, INTEL_LM_PAGE_SIZE))
		return -ENOMEM;
	memset(hdr, 0, INTEL_LM_PAGE_SIZE);
	ret = tp_get(x, 0, hdr, INTEL_LM_TP_STATE_HDR_LEN, &res);
	if (!ret && !dry(x))
		ret = intel_lm_tp_state_size(hdr, size);
	free(hdr);
	return ret;
}

static uint32_t tp_chunk_max(const struct proto_ctx *x)
{
	return intel_lm_tp_chunk_max(x->mdts_bytes, x->p->max_xfer);
}

static int tp_save(const struct proto_ctx *x, void *buf, uint32_t len, uint32_t *result)
{
	uint32_t max = tp_chunk_max(x), n = intel_lm_tp_chunks(len, max), i, size;
	struct intel_lm_tp_chunk c;
	int ret = 0;

	if (!buf || !len || len % 4)
		return -EINVAL;
	for (i = 0; i < n && !ret; i++) {
		intel_lm_tp_chunk(len, max, i, &c);
		ret = tp_get(x, c.offset, (uint8_t *)buf + c.offset, c.len, result);
	}
	if (ret || dry(x) || len < INTEL_LM_TP_STATE_HDR_LEN)
		return ret;
	/* The header read with the state must say the size the state was read at. */
	if (intel_lm_tp_state_size(buf, &size) || size != len)
		return -EBADMSG;
	return 0;
}

static int tp_load(const struct proto_ctx *x, const void *buf, uint32_t len, uint32_t *result)
{
	uint32_t max = tp_chunk_max(x), n = intel_lm_tp_chunks(len, max), i;
	struct intel_lm_tp_chunk c;
	struct intel_lm_cmd cmd;
	int ret = 0;

	if (!buf || !len || len % 4)
		return -EINVAL;
	for (i = 0; i < n && !ret; i++) {
		intel_lm_tp_chunk(len, max, i, &c);
		ret = intel_lm_tp_set_state_init(&cmd, x->cntlid, x->p, c.seqind, c.offset,
						 (const uint8_t *)buf + c.offset, c.len);
		if (!ret)
			ret = intel_lm_submit(x->fd, &cmd, x->opts, result);
	}
	return ret;
}

static const struct proto_ops tp4159_ops = {
	.query_size = tp_query_size,
	.suspend = tp_suspend,
	.resume = tp_resume,
	.save = tp_save,
	.load = tp_load,
};

static const struct proto_ops *ops_of(unsigned int protocol)
{
	switch (protocol) {
	case INTEL_LM_PROTO_INTEL:
		return &intel_ops;
	case INTEL_LM_PROTO_TP4159:
		return &tp4159_ops;
	default:
		return NULL;
	}
}

const char *intel_lm_protocol_name(unsigned int protocol)
{
	switch (protocol) {
	case INTEL_LM_PROTO_INTEL:
		return "intel";
	case INTEL_LM_PROTO_TP4159:
		return "tp4159";
	default:
		return "unknown";
	}
}

/*
 * How each step goes over TP4159, in words: the one table a message names the command it sent
 * by. Over Intel's commands a step's name is its command's (SUSPEND is opcode C8h), so no words
 * are needed there. Both size and state are read with Get Controller State.
 */
static const struct tp_step {
	uint8_t step;		/* Intel's opcode, which names the step */
	uint8_t opcode;		/* Migration Send or Receive */
	uint8_t sel;		/* its SEL (cdw10 7:0) */
	const char *action;	/* the SEL as TP4159 names it */
	const char *words;	/* the command and its action, for messages */
} tp_steps[] = {
	{ INTEL_LM_OPC_SUSPEND, INTEL_LM_OPC_MIGRATION_SEND, INTEL_LM_TP_SEL_SUSPEND, "Suspend",
	  "Migration Send 41h, Suspend" },
	{ INTEL_LM_OPC_RESUME, INTEL_LM_OPC_MIGRATION_SEND, INTEL_LM_TP_SEL_RESUME, "Resume",
	  "Migration Send 41h, Resume" },
	{ INTEL_LM_OPC_LOAD_DATA, INTEL_LM_OPC_MIGRATION_SEND, INTEL_LM_TP_SEL_SET_STATE,
	  "Set Controller State", "Migration Send 41h, Set Controller State" },
	{ INTEL_LM_OPC_SAVE_DATA, INTEL_LM_OPC_MIGRATION_RECV, INTEL_LM_TP_SEL_GET_STATE,
	  "Get Controller State", "Migration Receive 42h, Get Controller State" },
	{ INTEL_LM_OPC_QUERY_DATA_SIZE, INTEL_LM_OPC_MIGRATION_RECV, INTEL_LM_TP_SEL_GET_STATE,
	  "Get Controller State", "Migration Receive 42h, Get Controller State of its header" },
};

const char *intel_lm_step_command(unsigned int protocol, uint8_t step)
{
	size_t i;

	if (protocol != INTEL_LM_PROTO_TP4159)
		return NULL;
	for (i = 0; i < sizeof(tp_steps) / sizeof(tp_steps[0]); i++)
		if (tp_steps[i].step == step)
			return tp_steps[i].words;
	return NULL;
}

const char *intel_lm_cmd_action(const struct intel_lm_cmd *cmd)
{
	size_t i;

	for (i = 0; i < sizeof(tp_steps) / sizeof(tp_steps[0]); i++)
		if (tp_steps[i].opcode == cmd->opcode && tp_steps[i].sel == (cmd->cdw10 & 0xff))
			return tp_steps[i].action;
	return NULL;
}

/* One step, over the protocol in @x. */
static int send_step(const struct proto_ctx *x, uint8_t op, void *buf, uint32_t len,
		     uint32_t *result)
{
	const struct proto_ops *ops = ops_of(x->p->protocol);
	uint32_t res = 0;
	int ret;

	if (!ops)
		return -EINVAL;
	switch (op) {
	case INTEL_LM_OPC_QUERY_DATA_SIZE:
		ret = ops->query_size(x, &res);
		break;
	case INTEL_LM_OPC_SUSPEND:
		ret = ops->suspend(x, &res);
		break;
	case INTEL_LM_OPC_RESUME:
		ret = ops->resume(x, &res);
		break;
	case INTEL_LM_OPC_SAVE_DATA:
		ret = ops->save(x, buf, len, &res);
		break;
	case INTEL_LM_OPC_LOAD_DATA:
		ret = ops->load(x, buf, len, &res);
		break;
	default:
		return -EINVAL;
	}
	if (result)
		*result = res;
	return ret;
}

static const struct intel_lm_proto intel = { .protocol = INTEL_LM_PROTO_INTEL };

int intel_lm_protocol_parse(const char *name)
{
	if (!strcmp(name, "intel"))
		return INTEL_LM_PROTO_INTEL;
	if (!strcmp(name, "tp4159"))
		return INTEL_LM_PROTO_TP4159;
	if (!strcmp(name, "auto"))
		return INTEL_LM_PROTO_AUTO;
	return -EINVAL;
}

int intel_lm_proto_send(int fd, const struct intel_lm_proto *p, uint16_t vf, uint16_t cntlid,
			uint8_t op, void *buf, uint32_t len, const struct intel_lm_opts *opts,
			uint32_t *result)
{
	struct proto_ctx x = { .fd = fd, .p = p ? p : &intel, .vf = vf, .cntlid = cntlid,
			       .opts = opts };

	return send_step(&x, op, buf, len, result);
}

int intel_lm_pf_send(const struct intel_lm_pf *pf, uint16_t vf, uint8_t op, void *buf,
		     uint32_t len, const struct intel_lm_opts *opts, uint32_t *result)
{
	const struct intel_lm_vf *v = intel_lm_vf_find(intel_lm_pf_vfs(pf), vf);
	struct proto_ctx x = { .fd = intel_lm_pf_fd(pf), .p = intel_lm_pf_proto(pf), .vf = vf,
			       .cntlid = v ? v->scid : 0,
			       .mdts_bytes = intel_lm_pf_limit(pf)->mdts_bytes, .opts = opts };

	/* TP4159 names the VF by its controller ID: without the VF's entry, none is known. */
	if (x.p->protocol == INTEL_LM_PROTO_TP4159 && !v) {
		if (result)
			*result = 0;
		return -ENODEV;
	}
	return send_step(&x, op, buf, len, result);
}
