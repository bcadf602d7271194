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
 * intel_lm_hint() - What to do next after a failure
 * @ret:	a positive NVMe status or a negative errno
 * @opcode:	the command it came from
 *
 * Return: advice such as "suspend the VF first", or "" when there is nothing specific to say.
 * Never NULL.
 */
const char *intel_lm_hint(int ret, uint8_t opcode);

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
