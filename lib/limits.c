// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The largest state one SAVE_DATA or LOAD_DATA can move. The commands have no offset field, so
 * the whole state moves in one transfer, which MDTS and the kernel bound: the kernel's transfer
 * cap, and its segments per command, which the state buffer's memory decides (buffer.c). And
 * the kernel's timeout of admin commands, past which it resets the PF.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <intel-lm/limits.h>

#include "private.h"

void intel_lm_state_limit(const struct intel_lm_ctrl_info *info, struct intel_lm_limit *limit)
{
	uint64_t mdts = 0;

	limit->max_bytes = INTEL_LM_REFERENCE_MAX_STATE;
	limit->src = INTEL_LM_LIMIT_REFERENCE;

	/* MDTS is a power of two in minimum-page units; 0 means no limit. */
	if (info->mdts) {
		mdts = info->mdts >= 32 ? UINT32_MAX : (uint64_t)INTEL_LM_PAGE_SIZE << info->mdts;
		if (mdts > UINT32_MAX)
			mdts = UINT32_MAX;
	}
	limit->mdts_bytes = (uint32_t)mdts;

	if (INTEL_LM_KERNEL_MAX_XFER < limit->max_bytes) {
		limit->max_bytes = INTEL_LM_KERNEL_MAX_XFER;
		limit->src = INTEL_LM_LIMIT_KERNEL;
	}
	if (mdts && mdts < limit->max_bytes) {
		limit->max_bytes = (uint32_t)mdts;
		limit->src = INTEL_LM_LIMIT_MDTS;
	}
}

int intel_lm_state_limit_set(struct intel_lm_limit *limit, uint32_t max_bytes)
{
	uint32_t hard = INTEL_LM_KERNEL_MAX_XFER;
	enum intel_lm_limit_src src = INTEL_LM_LIMIT_KERNEL;

	if (!max_bytes)
		return -EINVAL;
	if (limit->mdts_bytes && limit->mdts_bytes < hard) {
		hard = limit->mdts_bytes;
		src = INTEL_LM_LIMIT_MDTS;
	}
	if (max_bytes < hard) {
		hard = max_bytes;
		src = INTEL_LM_LIMIT_CALLER;
	}
	limit->max_bytes = hard;
	limit->src = src;
	return 0;
}

void intel_lm_state_limit_segments(struct intel_lm_limit *limit, size_t contig)
{
	uint64_t segs_max;

	if (!contig)
		contig = INTEL_LM_PAGE_SIZE;
	/* Segments that large carry any 32-bit size (and the product stays in 64 bits). */
	if (contig > UINT32_MAX)
		return;
	segs_max = (uint64_t)INTEL_LM_KERNEL_MAX_SEGS * contig;
	if (segs_max < limit->max_bytes) {
		limit->max_bytes = (uint32_t)segs_max;
		limit->src = INTEL_LM_LIMIT_SEGMENTS;
	}
}

const char *intel_lm_limit_reason(enum intel_lm_limit_src src)
{
	switch (src) {
	case INTEL_LM_LIMIT_REFERENCE:
		return "the 256 KiB state buffer of Intel's reference migration driver";
	case INTEL_LM_LIMIT_MDTS:
		return "the controller's maximum data transfer size (MDTS)";
	case INTEL_LM_LIMIT_KERNEL:
		return "the Linux NVMe driver's 4 MiB transfer limit";
	case INTEL_LM_LIMIT_CALLER:
		return "the limit the caller set";
	case INTEL_LM_LIMIT_PIECES:
		return "nothing but the 32-bit size of a saved state: NVMe TP4159 moves a state in "
		       "pieces by offset, each within MDTS and the kernel's limits";
	case INTEL_LM_LIMIT_SEGMENTS:
		return "the Linux NVMe driver's 127 memory segments per command, with no huge pages "
		       "for a larger buffer";
	}
	return "unknown";
}

int intel_lm_check_size(uint32_t size, const struct intel_lm_limit *limit)
{
	if (size == 0)
		return -ENODATA;
	if (size > limit->max_bytes)
		return -EFBIG;
	return 0;
}

int intel_lm_kernel_admin_timeout(const char *sysfs, uint32_t *ms)
{
	char path[4096], buf[32];
	unsigned long long secs = 0;
	ssize_t n;
	size_t i;
	int fd, err;

	*ms = INTEL_LM_KERNEL_ADMIN_TIMEOUT_MS;
	if (snprintf(path, sizeof(path), "%s/module/nvme_core/parameters/admin_timeout",
		     sysfs ? sysfs : "/sys") >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		n = read(fd, buf, sizeof(buf) - 1);
	} while (n < 0 && errno == EINTR);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	/* Decimal seconds and a newline, as the kernel prints an uint parameter. */
	for (i = 0; i < (size_t)n && buf[i] >= '0' && buf[i] <= '9' && secs <= UINT32_MAX; i++)
		secs = secs * 10 + (unsigned long long)(buf[i] - '0');
	if (!i || (i < (size_t)n && buf[i] != '\n') || (i + 1 < (size_t)n) || !secs ||
	    secs > UINT32_MAX / 1000)
		return -EINVAL;
	*ms = (uint32_t)secs * 1000;
	return 0;
}
