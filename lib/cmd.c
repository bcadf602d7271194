// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The five Intel live migration commands: pure builders, the SQE encoding, and submission
 * on the PF's admin queue, exactly once.
 */
#include <errno.h>
#include <string.h>

#include <intel-lm/cmd.h>
#include <intel-lm/tp4159.h>

#include "backend.h"
#include "private.h"

const char *intel_lm_opcode_name(uint8_t opcode)
{
	switch (opcode) {
	case INTEL_LM_OPC_QUERY_DATA_SIZE:
		return "QUERY_DATA_SIZE";
	case INTEL_LM_OPC_SUSPEND:
		return "SUSPEND";
	case INTEL_LM_OPC_RESUME:
		return "RESUME";
	case INTEL_LM_OPC_SAVE_DATA:
		return "SAVE_DATA";
	case INTEL_LM_OPC_LOAD_DATA:
		return "LOAD_DATA";
	case INTEL_LM_OPC_IDENTIFY:
		return "IDENTIFY";
	case INTEL_LM_OPC_MIGRATION_SEND:
		return "MIGRATION_SEND";
	case INTEL_LM_OPC_MIGRATION_RECV:
		return "MIGRATION_RECV";
	default:
		return "UNKNOWN";
	}
}

bool intel_lm_is_lm_opcode(uint8_t opcode)
{
	switch (opcode) {
	case INTEL_LM_OPC_QUERY_DATA_SIZE:
	case INTEL_LM_OPC_SUSPEND:
	case INTEL_LM_OPC_RESUME:
	case INTEL_LM_OPC_SAVE_DATA:
	case INTEL_LM_OPC_LOAD_DATA:
		return true;
	default:
		return false;
	}
}

/* The data direction is the opcode's low two bits: 00b none, 10b to host, 01b to controller. */
static bool opcode_has_data(uint8_t opcode)
{
	return (opcode & 0x3) != 0;
}

int intel_lm_cmd_init(struct intel_lm_cmd *cmd, uint8_t opcode, uint16_t vf, void *buf,
		      uint32_t len)
{
	memset(cmd, 0, sizeof(*cmd));
	if (!intel_lm_is_lm_opcode(opcode) || vf < INTEL_LM_VF_MIN)
		return -EINVAL;
	if (opcode_has_data(opcode) != (buf != NULL) || opcode_has_data(opcode) != (len != 0))
		return -EINVAL;

	cmd->opcode = opcode;
	cmd->cdw10 = (uint32_t)vf;
	if (opcode_has_data(opcode)) {
		cmd->addr = (uint64_t)(uintptr_t)buf;
		cmd->data_len = len;
	}
	if (opcode == INTEL_LM_OPC_LOAD_DATA)
		cmd->cdw11 = len;
	return 0;
}

void intel_lm_cmd_to_sqe(const struct intel_lm_cmd *cmd, uint8_t sqe[INTEL_LM_SQE_SIZE])
{
	memset(sqe, 0, INTEL_LM_SQE_SIZE);
	/* CDW0: opcode 7:0, FUSE 9:8 and PSDT 15:14 (from flags), CID 31:16 (the kernel's) */
	sqe[0] = cmd->opcode;
	sqe[1] = cmd->flags;
	intel_lm_put_le32(sqe + 4, cmd->nsid);
	intel_lm_put_le32(sqe + 8, cmd->cdw2);
	intel_lm_put_le32(sqe + 12, cmd->cdw3);
	intel_lm_put_le64(sqe + 16, cmd->metadata);
	/* bytes 24-39: PRP1/PRP2, filled in by the kernel from the data buffer */
	intel_lm_put_le32(sqe + 40, cmd->cdw10);
	intel_lm_put_le32(sqe + 44, cmd->cdw11);
	intel_lm_put_le32(sqe + 48, cmd->cdw12);
	intel_lm_put_le32(sqe + 52, cmd->cdw13);
	intel_lm_put_le32(sqe + 56, cmd->cdw14);
	intel_lm_put_le32(sqe + 60, cmd->cdw15);
}

int intel_lm_submit(int fd, struct intel_lm_cmd *cmd, const struct intel_lm_opts *opts,
		    uint32_t *result)
{
	static const struct intel_lm_opts defaults;
	uint32_t res = 0;
	uint64_t start;
	int ret;

	if (!opts)
		opts = &defaults;
	cmd->timeout_ms = opts->timeout_ms;

	if (opts->dry_run && (intel_lm_is_lm_opcode(cmd->opcode) ||
			      cmd->opcode == INTEL_LM_OPC_MIGRATION_SEND ||
			      cmd->opcode == INTEL_LM_OPC_MIGRATION_RECV)) {
		if (opts->trace)
			opts->trace(opts->trace_priv, cmd, 0, 0, 0, true);
		if (result)
			*result = 0;
		return 0;
	}

	/*
	 * A buffer in more pieces of memory than the kernel maps in one command would fail in the
	 * kernel with a bare EINVAL: say so instead, sending nothing (buffer.c).
	 */
	ret = intel_lm_xfer_check((const void *)(uintptr_t)cmd->addr, cmd->data_len);
	if (ret)
		return ret;

	/* Exactly once: the back end never re-sends a command whose effect is unknown. */
	start = intel_lm_now_ns();
	ret = intel_lm_be_submit(fd, cmd, &res);
	if (opts->trace)
		opts->trace(opts->trace_priv, cmd, ret, res, intel_lm_now_ns() - start, false);
	if (result)
		*result = res;
	return ret;
}

static int submit_simple(int fd, uint8_t opcode, uint16_t vf, const struct intel_lm_opts *opts,
			 uint32_t *result)
{
	struct intel_lm_cmd cmd;
	int ret;

	ret = intel_lm_cmd_init(&cmd, opcode, vf, NULL, 0);
	if (ret)
		return ret;
	return intel_lm_submit(fd, &cmd, opts, result);
}

int intel_lm_query_size(int fd, uint16_t vf, const struct intel_lm_opts *opts, uint32_t *size)
{
	uint32_t res = 0;
	int ret;

	ret = submit_simple(fd, INTEL_LM_OPC_QUERY_DATA_SIZE, vf, opts, &res);
	*size = ret ? 0 : res;
	return ret;
}

int intel_lm_suspend(int fd, uint16_t vf, const struct intel_lm_opts *opts)
{
	return submit_simple(fd, INTEL_LM_OPC_SUSPEND, vf, opts, NULL);
}

int intel_lm_resume(int fd, uint16_t vf, const struct intel_lm_opts *opts)
{
	return submit_simple(fd, INTEL_LM_OPC_RESUME, vf, opts, NULL);
}

int intel_lm_save(int fd, uint16_t vf, void *buf, uint32_t len, const struct intel_lm_opts *opts)
{
	struct intel_lm_cmd cmd;
	int ret;

	if (!buf || !len)
		return -EINVAL;
	ret = intel_lm_cmd_init(&cmd, INTEL_LM_OPC_SAVE_DATA, vf, buf, len);
	if (ret)
		return ret;
	return intel_lm_submit(fd, &cmd, opts, NULL);
}

int intel_lm_load(int fd, uint16_t vf, const void *buf, uint32_t len,
		  const struct intel_lm_opts *opts)
{
	struct intel_lm_cmd cmd;
	int ret;

	if (!buf || !len)
		return -EINVAL;
	/* The device only reads the buffer: the cast drops const for the ioctl's address field. */
	ret = intel_lm_cmd_init(&cmd, INTEL_LM_OPC_LOAD_DATA, vf, (void *)(uintptr_t)buf, len);
	if (ret)
		return ret;
	return intel_lm_submit(fd, &cmd, opts, NULL);
}
