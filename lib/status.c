// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Return values in words. Status names come from libnvme; what a status means for a migration
 * step over either protocol, and what to do about it, is said here and only here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libnvme.h>

#include <intel-lm/cmd.h>
#include <intel-lm/proto.h>
#include <intel-lm/status.h>

#include "backend.h"
#include "private.h"

/*
 * The fields of a libnvme status value (CQE DW3 bits 31:17, shifted down by one), with
 * libnvme's masks and shifts.
 */
#define ST_SC(s)	((s) & NVME_SC_MASK)
#define ST_SCT(s)	(((s) >> NVME_SCT_SHIFT) & NVME_SCT_MASK)
#define ST_CRD(s)	((((unsigned int)(s)) & NVME_SC_CRD) >> __builtin_ctz(NVME_SC_CRD))
#define ST_MORE		NVME_SC_MORE
#define ST_DNR		NVME_SC_DNR

static const char *sct_name(unsigned int sct)
{
	switch (sct) {
	case NVME_SCT_GENERIC:
		return "generic";
	case NVME_SCT_CMD_SPECIFIC:
		return "command specific";
	case NVME_SCT_MEDIA:
		return "media and data integrity";
	case NVME_SCT_PATH:
		return "path related";
	case NVME_SCT_VS:
		return "vendor specific";
	default:
		return "reserved";
	}
}

/* What Invalid Field means for a step over TP4159, which names the VF by its controller ID. */
static const char *tp_invalid_field(uint8_t step)
{
	if (step == INTEL_LM_OPC_SUSPEND || step == INTEL_LM_OPC_RESUME)
		return "the controller refused a field: a controller ID that names none of its "
		       "VFs, or a field of the command it does not support";
	return "the controller refused a field: a controller ID that names none of its VFs, a "
	       "controller state format (CSVI) it does not offer, or an offset, length or "
	       "sequence (SEQIND) that does not fit the state";
}

/* What a generic status means for a migration step over @protocol, or NULL. */
static const char *lm_meaning(unsigned int sct, unsigned int sc, unsigned int protocol,
			      uint8_t opcode)
{
	bool tp = protocol == INTEL_LM_PROTO_TP4159;

	if (!intel_lm_is_lm_opcode(opcode) || sct != NVME_SCT_GENERIC)
		return NULL;
	switch (sc) {
	case NVME_SC_INVALID_OPCODE:
		return tp ? "the controller does not implement NVMe TP4159 migration (Migration "
			    "Send and Receive)" :
			    "the controller does not implement Intel live migration";
	case NVME_SC_INVALID_FIELD:
		return tp ? tp_invalid_field(opcode) :
			    "the controller refused a field: a VF index it does not have, or a "
			    "data length that is not the VF's state size";
	case NVME_SC_CMD_SEQ_ERROR:
		return "the VF is not in the state this command needs";
	case NVME_SC_DATA_XFER_ERROR:
		return "the state could not be transferred between host memory and the controller";
	case NVME_SC_INTERNAL:
		return "the controller failed internally; the VF's state is unknown";
	default:
		return NULL;
	}
}

static const char *errno_meaning(int err, unsigned int protocol, uint8_t opcode)
{
	switch (err) {
	case EINTR:
	case ETIMEDOUT:
		return "the command timed out or was cancelled by a controller reset; whether it "
		       "took effect on the device is unknown";
	case EINVAL:
		return opcode & 0x3 ? "the kernel refused the transfer before the controller saw "
				      "it: it is larger than the controller's MDTS or the driver's "
				      "transfer limit, or its buffer lies in more than 127 pieces of "
				      "memory (the driver's segments per command)" :
				      "the kernel refused the command";
	case EMSGSIZE:
		return "the state's buffer lies in more than 127 pieces of memory, the Linux NVMe "
		       "driver's segments per command, and no huge pages could be had for it; "
		       "nothing was sent";
	case EACCES:
	case EPERM:
		return protocol == INTEL_LM_PROTO_TP4159 ? "Migration Send and Receive need "
		       "CAP_SYS_ADMIN" : "the vendor admin commands need CAP_SYS_ADMIN";
	case ENODEV:
	case ENXIO:
		return "the controller is gone (removed, or being reset)";
	case EIO:
		return "the controller or its link failed while the command was outstanding";
	case ENOTTY:
		return "the device does not take NVMe admin commands";
	default:
		return NULL;
	}
}

const char *intel_lm_errno_name(int err)
{
	const char *name;

	if (err < 0)
		err = -err;
	name = strerrorname_np(err);
	return name ? name : "E?";
}

char *intel_lm_strerror(int ret, uint8_t opcode, char *buf, size_t len)
{
	return intel_lm_step_strerror(ret, INTEL_LM_PROTO_INTEL, opcode, buf, len);
}

char *intel_lm_step_strerror(int ret, unsigned int protocol, uint8_t opcode, char *buf,
			     size_t len)
{
	const char *meaning, *name;
	unsigned int sct, sc;
	size_t used;

	if (!len)
		return buf;
	if (ret == 0) {
		snprintf(buf, len, "success");
		return buf;
	}
	if (ret < 0) {
		meaning = errno_meaning(-ret, protocol, opcode);
		snprintf(buf, len, "%s (%s)%s%s", strerror(-ret), intel_lm_errno_name(ret),
			 meaning ? ": " : "", meaning ? meaning : "");
		return buf;
	}

	sct = ST_SCT(ret);
	sc = ST_SC(ret);
	/* libnvme's text is "Name: explanation"; the name is enough here. */
	name = intel_lm_be_status_name(ret);
	snprintf(buf, len, "%.*s (status 0x%04x: SCT %xh %s, SC %02xh", (int)strcspn(name, ":"),
		 name, (unsigned int)ret, sct, sct_name(sct), sc);
	used = strlen(buf);
	if (ST_CRD(ret) && used < len)
		used += (size_t)snprintf(buf + used, len - used, ", CRD %u", ST_CRD(ret));
	if ((ret & ST_MORE) && used < len)
		used += (size_t)snprintf(buf + used, len - used, ", More");
	if ((ret & ST_DNR) && used < len)
		used += (size_t)snprintf(buf + used, len - used, ", DNR");
	meaning = lm_meaning(sct, sc, protocol, opcode);
	if (used < len)
		snprintf(buf + used, len - used, ")%s%s", meaning ? ": " : "", meaning ? meaning : "");
	return buf;
}

enum intel_lm_advice intel_lm_advice(int ret, uint8_t opcode)
{
	if (ret < 0) {
		switch (-ret) {
		case EINTR:
		case ETIMEDOUT:
			return INTEL_LM_ADVICE_CHECK_STATE;
		case EACCES:
		case EPERM:
			return INTEL_LM_ADVICE_RUN_AS_ROOT;
		case ENODEV:
		case ENXIO:
			return INTEL_LM_ADVICE_CHECK_PRESENT;
		case EIO:
			return INTEL_LM_ADVICE_CHECK_KERNEL_LOG;
		case EINVAL:
			return opcode & 0x3 ? INTEL_LM_ADVICE_CHECK_LIMIT : INTEL_LM_ADVICE_NONE;
		case EMSGSIZE:
			return INTEL_LM_ADVICE_CHECK_LIMIT;
		default:
			return INTEL_LM_ADVICE_NONE;
		}
	}
	if (ret == 0 || ST_SCT(ret) != NVME_SCT_GENERIC || !intel_lm_is_lm_opcode(opcode))
		return (ret & ST_MORE) ? INTEL_LM_ADVICE_ERROR_LOG : INTEL_LM_ADVICE_NONE;

	switch (ST_SC(ret)) {
	case NVME_SC_INVALID_OPCODE:
		return INTEL_LM_ADVICE_CHECK_SUPPORT;
	case NVME_SC_INVALID_FIELD:
		return INTEL_LM_ADVICE_CHECK_VF;
	case NVME_SC_CMD_SEQ_ERROR:
		switch (opcode) {
		case INTEL_LM_OPC_SAVE_DATA:
		case INTEL_LM_OPC_LOAD_DATA:
			return INTEL_LM_ADVICE_SUSPEND_FIRST;
		case INTEL_LM_OPC_RESUME:
			return INTEL_LM_ADVICE_RESUME_NOT_NOW;
		default:
			return INTEL_LM_ADVICE_STEP_ORDER;
		}
	default:
		return (ret & ST_DNR) ? INTEL_LM_ADVICE_NO_RETRY : INTEL_LM_ADVICE_NONE;
	}
}
