// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The migration protocol: one interface (suspend, resume, query size, save, load) and the
 * implementations behind it. Every caller that sends a migration step comes here, so that a
 * step is built and sent in one place whatever the protocol.
 */
#include <errno.h>
#include <stddef.h>

#include <intel-lm/pf.h>
#include <intel-lm/proto.h>

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

static const struct proto_ops *ops_of(unsigned int protocol)
{
	switch (protocol) {
	case INTEL_LM_PROTO_INTEL:
		return &intel_ops;
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
