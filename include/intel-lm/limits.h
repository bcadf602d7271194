/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: the largest migration state a PF can move in one command, and the size check
 * that runs before any data command is sent.
 */
#ifndef INTEL_LM_LIMITS_H
#define INTEL_LM_LIMITS_H

#include <stddef.h>
#include <stdint.h>

#include <intel-lm/ctrl.h>

#ifdef __cplusplus
extern "C" {
#endif

/** INTEL_LM_PAGE_SIZE - the memory page size MDTS is counted in (CAP.MPSMIN = 4 KiB) */
#define INTEL_LM_PAGE_SIZE		4096u
/** INTEL_LM_KERNEL_MAX_XFER - the Linux NVMe driver's cap on one transfer (6.1: 4 MiB) */
#define INTEL_LM_KERNEL_MAX_XFER	(4u << 20)
/**
 * INTEL_LM_KERNEL_MAX_SEGS - the Linux NVMe driver's segments per admin command (6.1:
 * NVME_MAX_SEGS): physically contiguous pieces of memory one command's buffer may be made of
 */
#define INTEL_LM_KERNEL_MAX_SEGS	127u
/**
 * INTEL_LM_REFERENCE_MAX_STATE - the largest state the Intel reference driver (the RFC VFIO
 * driver) takes on resume: 256 KiB
 */
#define INTEL_LM_REFERENCE_MAX_STATE	(256u << 10)

/**
 * enum intel_lm_limit_src - which limit decides the largest state
 * @INTEL_LM_LIMIT_REFERENCE:	the reference driver's 256 KiB resume buffer
 * @INTEL_LM_LIMIT_MDTS:	the controller's MDTS
 * @INTEL_LM_LIMIT_KERNEL:	the Linux NVMe driver's transfer cap
 * @INTEL_LM_LIMIT_CALLER:	a limit the caller set (intel_lm_pf_set_max_state())
 * @INTEL_LM_LIMIT_SEGMENTS:	the driver's %INTEL_LM_KERNEL_MAX_SEGS segments per command, for a
 *				buffer of ordinary pages (the host offers no huge pages)
 * @INTEL_LM_LIMIT_PIECES:	none but the 32-bit size of a saved state: the PF's protocol
 *				(TP4159) moves a state in pieces by offset, each within MDTS and
 *				the kernel's limits
 */
enum intel_lm_limit_src {
	INTEL_LM_LIMIT_REFERENCE = 0,
	INTEL_LM_LIMIT_MDTS,
	INTEL_LM_LIMIT_KERNEL,
	INTEL_LM_LIMIT_CALLER,
	INTEL_LM_LIMIT_SEGMENTS,
	INTEL_LM_LIMIT_PIECES,
};

/**
 * struct intel_lm_limit - the largest state one SAVE_DATA or LOAD_DATA can move
 * @max_bytes:	the limit in bytes
 * @src:	which limit it is
 * @mdts_bytes:	what MDTS allows alone (0 = MDTS sets no limit)
 */
struct intel_lm_limit {
	uint32_t max_bytes;
	enum intel_lm_limit_src src;
	uint32_t mdts_bytes;
};

/**
 * intel_lm_limit_reason() - Why a limit is what it is
 * @src:	a limit source
 *
 * Return: a phrase such as "the controller's MDTS", never NULL.
 */
const char *intel_lm_limit_reason(enum intel_lm_limit_src src);

/**
 * intel_lm_check_size() - Check a state size before any data command is sent
 * @size:	the size QUERY_DATA_SIZE reported, or a blob's payload length
 * @limit:	the PF's limit (intel_lm_pf_limit())
 *
 * Return: 0 when 1 <= @size <= @limit->max_bytes; -ENODATA for 0; -EFBIG above the limit.
 */
int intel_lm_check_size(uint32_t size, const struct intel_lm_limit *limit);

/**
 * INTEL_LM_KERNEL_ADMIN_TIMEOUT_MS - nvme_core.admin_timeout's default, 60 s, in milliseconds
 */
#define INTEL_LM_KERNEL_ADMIN_TIMEOUT_MS	60000u

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_LIMITS_H */
