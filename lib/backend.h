/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The submission back end: everything libintel-lm takes from libnvme at run time, behind one
 * interface. One implementation per libnvme generation, chosen at build time (meson option
 * `libnvme`): backend-libnvme1.c for libnvme 1.x, backend-libnvme3.c for libnvme3. The rest
 * of the library includes no libnvme header but for NVMe's own types and constants.
 */
#ifndef INTEL_LM_BACKEND_H
#define INTEL_LM_BACKEND_H

#include <stdint.h>

#include <intel-lm/cmd.h>

/*
 * A generation's passthru structure (the kernel's, under libnvme's name) filled from
 * &struct intel_lm_cmd @c: the fields are named alike in every generation.
 */
#define INTEL_LM_BE_PASSTHRU(c) {						\
	.opcode = (c)->opcode, .flags = (c)->flags, .nsid = (c)->nsid,			\
	.cdw2 = (c)->cdw2, .cdw3 = (c)->cdw3, .metadata = (c)->metadata,			\
	.addr = (c)->addr, .metadata_len = (c)->metadata_len, .data_len = (c)->data_len,	\
	.cdw10 = (c)->cdw10, .cdw11 = (c)->cdw11, .cdw12 = (c)->cdw12,			\
	.cdw13 = (c)->cdw13, .cdw14 = (c)->cdw14, .cdw15 = (c)->cdw15,			\
	.timeout_ms = (c)->timeout_ms,							\
}

/*
 * Send @cmd on the admin queue of the controller open at @fd, exactly once: the ioctl itself,
 * never a libnvme submission path that may re-send (see each back end). *@result gets CQE DW0
 * when the controller answered (also with a status), 0 otherwise.
 * Returns 0, a positive NVMe status, or a negative errno.
 */
int intel_lm_be_submit(int fd, const struct intel_lm_cmd *cmd, uint32_t *result);

/*
 * libnvme's name for an NVMe status (what libnvme's status-to-string returns); never NULL.
 */
const char *intel_lm_be_status_name(int status);

/* The libnvme generation the library was built with, e.g. "libnvme 1.x". */
const char *intel_lm_be_libnvme(void);

#endif /* INTEL_LM_BACKEND_H */
