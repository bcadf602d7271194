// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The submission back end for libnvme3 (nvme-cli 3.x builds it from its own tree).
 *
 * libnvme3 submits through a transport handle whose retry policy belongs to the host program
 * (its decide_retry hook), so the library cannot promise exactly one submission through it.
 * Commands go through the kernel's 64-bit admin passthrough ioctl with libnvme3's structure,
 * which has that ioctl's layout, as libnvme3 itself does.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include <libnvme.h>

#include "backend.h"

/* The kernel's NVME_IOCTL_ADMIN64_CMD (since Linux 5.4), which libnvme3 keeps private. */
#define BE_IOCTL_ADMIN64_CMD	_IOWR('N', 0x47, struct libnvme_passthru_cmd)

int intel_lm_be_submit(int fd, const struct intel_lm_cmd *c, uint32_t *result)
{
	struct libnvme_passthru_cmd cmd = INTEL_LM_BE_PASSTHRU(c);
	int ret;

	ret = ioctl(fd, BE_IOCTL_ADMIN64_CMD, &cmd);
	if (ret < 0)
		ret = errno ? -errno : -EIO;
	*result = ret < 0 ? 0 : (uint32_t)cmd.result;
	return ret;
}

const char *intel_lm_be_status_name(int status)
{
	const char *s = libnvme_status_to_string(status, false);

	return s ? s : "Unknown";
}

const char *intel_lm_be_libnvme(void)
{
	return "libnvme3";
}
