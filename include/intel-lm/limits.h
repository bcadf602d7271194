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
 * @INTEL_LM_LIMIT_CALLER:	a limit the caller set with intel_lm_state_limit_set()
 * @INTEL_LM_LIMIT_SEGMENTS:	the driver's %INTEL_LM_KERNEL_MAX_SEGS segments per command, for a
 *				buffer of ordinary pages (the host offers no huge pages)
 */
enum intel_lm_limit_src {
	INTEL_LM_LIMIT_REFERENCE = 0,
	INTEL_LM_LIMIT_MDTS,
	INTEL_LM_LIMIT_KERNEL,
	INTEL_LM_LIMIT_CALLER,
	INTEL_LM_LIMIT_SEGMENTS,
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
 * intel_lm_state_limit() - The largest state the PF can move in one command
 * @info:	the PF's identity from intel_lm_identify()
 * @limit:	filled in
 *
 * The smallest of: 2^MDTS pages of 4 KiB, the kernel's 4 MiB cap, and the reference driver's
 * 256 KiB. The commands have no offset field, so a state cannot be moved in pieces.
 */
void intel_lm_state_limit(const struct intel_lm_ctrl_info *info, struct intel_lm_limit *limit);

/**
 * intel_lm_state_limit_set() - Replace the reference driver's 256 KiB by the caller's limit
 * @limit:	a limit from intel_lm_state_limit(); changed in place
 * @max_bytes:	the largest state the caller will move
 *
 * For a firmware known to produce states above 256 KiB, or to be stricter than the default.
 * The hard limits stay: never beyond MDTS or the kernel's 4 MiB (@limit then names that one).
 * The limit is recomputed from those alone: apply intel_lm_state_limit_segments() again.
 *
 * Return: 0, or -EINVAL for @max_bytes 0 (@limit unchanged).
 */
int intel_lm_state_limit_set(struct intel_lm_limit *limit, uint32_t max_bytes);

/**
 * intel_lm_state_limit_segments() - Bound a limit by the kernel's segments per command
 * @limit:	a limit from intel_lm_state_limit() or intel_lm_state_limit_set(); changed in place
 * @contig:	the bytes of physically contiguous memory a state buffer is made of:
 *		intel_lm_state_contig() of @limit->max_bytes; 0 counts as %INTEL_LM_PAGE_SIZE
 *
 * The kernel maps one command's buffer into at most %INTEL_LM_KERNEL_MAX_SEGS segments, so a
 * buffer of ordinary 4 KiB pages moves at most 127 pages (520192 bytes). When that is below
 * @limit->max_bytes it becomes the limit (%INTEL_LM_LIMIT_SEGMENTS); with huge pages the bound
 * is far above the kernel's 4 MiB and changes nothing.
 */
void intel_lm_state_limit_segments(struct intel_lm_limit *limit, size_t contig);

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
 * @limit:	the PF's limit from intel_lm_state_limit()
 *
 * Return: 0 when 1 <= @size <= @limit->max_bytes; -ENODATA for 0; -EFBIG above the limit.
 */
int intel_lm_check_size(uint32_t size, const struct intel_lm_limit *limit);

/**
 * INTEL_LM_KERNEL_ADMIN_TIMEOUT_MS - nvme_core.admin_timeout's default, 60 s, in milliseconds
 */
#define INTEL_LM_KERNEL_ADMIN_TIMEOUT_MS	60000u

/**
 * intel_lm_kernel_admin_timeout() - The Linux NVMe driver's timeout of admin commands
 * @sysfs:	the sysfs mount point, NULL for "/sys"
 * @ms:		set to the timeout in milliseconds: the module parameter
 *		SYSFS/module/nvme_core/parameters/admin_timeout (seconds), or
 *		%INTEL_LM_KERNEL_ADMIN_TIMEOUT_MS when it cannot be read
 *
 * A command sent with a timeout of 0 gets this one. A command's own timeout (the ioctl's
 * timeout_ms) replaces it for that command; when an admin command outlasts its timeout the
 * driver does not abort it but resets the controller, here the PF, which can take the PF's
 * VFs offline. A timeout shorter than this one makes that more likely, never less. (A
 * controller keeps the value its admin queue was set up with: a parameter changed later
 * applies to controllers probed afterwards.)
 *
 * Return: 0 when it was read; -ENOENT when the file is missing (nvme_core not loaded, or
 * sysfs not mounted there), -EINVAL when it holds no whole number of seconds from 1 to
 * 4294967, or another negative errno of open(2) or read(2). @ms is set in every case.
 */
int intel_lm_kernel_admin_timeout(const char *sysfs, uint32_t *ms);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_LIMITS_H */
