/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: what a return value means, in words: NVMe statuses and errno values, with what
 * they mean for the Intel live migration commands and what to do next.
 */
#ifndef INTEL_LM_STATUS_H
#define INTEL_LM_STATUS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * intel_lm_strerror() - Describe a library return value
 * @ret:	0, a positive NVMe status or a negative errno
 * @opcode:	the command it came from (an Intel opcode or Identify), for context
 * @buf:	where to write; always NUL-terminated
 * @len:	size of @buf
 *
 * An NVMe status reads e.g. "Invalid Command Opcode (status 0x4001: SCT 0h generic, SC 01h,
 * DNR): the controller does not implement Intel live migration"; an errno reads e.g.
 * "Interrupted system call (EINTR): the command timed out or was cancelled by a controller
 * reset; its effect on the device is unknown".
 *
 * Return: @buf.
 */
char *intel_lm_strerror(int ret, uint8_t opcode, char *buf, size_t len);

/**
 * intel_lm_step_strerror() - Describe what a migration step returned, over its protocol
 * @ret:	0, a positive NVMe status or a negative errno
 * @protocol:	the protocol that carried the step (&enum intel_lm_protocol)
 * @opcode:	the step, by Intel's opcode for it, or Identify
 * @buf:	where to write; always NUL-terminated
 * @len:	size of @buf
 *
 * intel_lm_strerror() over @protocol: over TP4159 a status means what it means for Migration
 * Send and Receive, e.g. "Invalid Command Opcode (status 0x4001: ...): the controller does not
 * implement NVMe TP4159 migration (Migration Send and Receive)". intel_lm_strerror() is this
 * over Intel's commands.
 *
 * Return: @buf.
 */
char *intel_lm_step_strerror(int ret, unsigned int protocol, uint8_t opcode, char *buf,
			     size_t len);

/**
 * enum intel_lm_advice - what to do next after a failure, as a reason a program can act on
 * @INTEL_LM_ADVICE_NONE:	nothing specific
 * @INTEL_LM_ADVICE_CHECK_STATE: the effect is unknown: find out the VF's state before anything
 *				else, and never simply repeat the command
 * @INTEL_LM_ADVICE_RUN_AS_ROOT: the commands need CAP_SYS_ADMIN
 * @INTEL_LM_ADVICE_CHECK_PRESENT: the controller may be gone
 * @INTEL_LM_ADVICE_CHECK_KERNEL_LOG: the kernel log may show a controller reset
 * @INTEL_LM_ADVICE_CHECK_LIMIT: the transfer is above what the PF and the kernel can move
 * @INTEL_LM_ADVICE_ERROR_LOG:	the controller's error log may say more (the More bit)
 * @INTEL_LM_ADVICE_CHECK_SUPPORT: the PF may not support Intel live migration, or a VF was named
 * @INTEL_LM_ADVICE_CHECK_VF:	the VF index or the data length was refused
 * @INTEL_LM_ADVICE_SUSPEND_FIRST: the VF must be suspended first
 * @INTEL_LM_ADVICE_RESUME_NOT_NOW: the VF cannot be resumed in its state
 * @INTEL_LM_ADVICE_STEP_ORDER:	the steps were run out of order
 * @INTEL_LM_ADVICE_NO_RETRY:	the controller says retrying will not help (DNR)
 */
enum intel_lm_advice {
	INTEL_LM_ADVICE_NONE = 0,
	INTEL_LM_ADVICE_CHECK_STATE,
	INTEL_LM_ADVICE_RUN_AS_ROOT,
	INTEL_LM_ADVICE_CHECK_PRESENT,
	INTEL_LM_ADVICE_CHECK_KERNEL_LOG,
	INTEL_LM_ADVICE_CHECK_LIMIT,
	INTEL_LM_ADVICE_ERROR_LOG,
	INTEL_LM_ADVICE_CHECK_SUPPORT,
	INTEL_LM_ADVICE_CHECK_VF,
	INTEL_LM_ADVICE_SUSPEND_FIRST,
	INTEL_LM_ADVICE_RESUME_NOT_NOW,
	INTEL_LM_ADVICE_STEP_ORDER,
	INTEL_LM_ADVICE_NO_RETRY,
};

/**
 * intel_lm_advice() - What to do next after a failure, as a reason
 * @ret:	a positive NVMe status or a negative errno
 * @opcode:	the command it came from
 *
 * A reason to act on, never words: programs word it in their own terms.
 *
 * Return: the advice; %INTEL_LM_ADVICE_NONE when there is nothing specific to say.
 */
enum intel_lm_advice intel_lm_advice(int ret, uint8_t opcode);

/**
 * intel_lm_errno_name() - The symbolic name of an errno value
 * @err:	an errno value, positive or negative
 *
 * Return: e.g. "EINTR", or "E?" when unknown. Never NULL.
 */
const char *intel_lm_errno_name(int err);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_STATUS_H */
