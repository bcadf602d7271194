// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The submission back end for libnvme 1.x (1.3 in Debian 12 to 1.16 in sid).
 *
 * Commands go through the NVME_IOCTL_ADMIN_CMD ioctl with libnvme 1.x's own copy of the
 * kernel's structure, not through nvme_submit_admin_passthru(): nvme-cli 2.14 and later
 * replace that function with one that re-sends a command failing with EINTR or EAGAIN, and a
 * command whose effect is unknown is never re-sent.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include <libnvme.h>

#include "backend.h"

int intel_lm_be_submit(int fd, const struct intel_lm_cmd *c, uint32_t *result)
{
	struct nvme_passthru_cmd cmd = INTEL_LM_BE_PASSTHRU(c);
	int ret;

	ret = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);
	if (ret < 0)
		ret = errno ? -errno : -EIO;
	*result = ret < 0 ? 0 : cmd.result;
	return ret;
}

const char *intel_lm_be_status_name(int status)
{
	const char *s = nvme_status_to_string(status, false);

	return s ? s : "Unknown";
}

const char *intel_lm_be_libnvme(void)
{
	return "libnvme 1.x";
}
