// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The trace log: one line per admin command sent to an emulated controller, appended with a
 * single write(2) on an O_APPEND descriptor so that lines of concurrent processes never mix.
 * The progress log (a test hook), the same way: one line per step of a command, so that a test
 * can wait until a command is in flight, or has taken effect, before it signals the program.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"

static const struct {
	int err;
	const char *name;
} errnos[] = {
	{ EINTR, "EINTR" }, { ETIMEDOUT, "ETIMEDOUT" }, { EIO, "EIO" }, { ENODEV, "ENODEV" },
	{ EACCES, "EACCES" }, { EINVAL, "EINVAL" }, { EFAULT, "EFAULT" }, { ENOTTY, "ENOTTY" },
	{ ENOMEM, "ENOMEM" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ENOSPC, "ENOSPC" },
	{ EROFS, "EROFS" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { EBUSY, "EBUSY" },
	{ ENXIO, "ENXIO" }, { ENODATA, "ENODATA" }, { EBADMSG, "EBADMSG" },
};

/* the errnos a `fault` line may name */
static const int fault_errnos[] = { EINTR, ETIMEDOUT, EIO, ENODEV, EACCES };

const char *emu_errno_name(int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == err)
			return errnos[i].name;
	return "E?";
}

int emu_errno_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(fault_errnos) / sizeof(fault_errnos[0]); i++)
		if (!strcmp(emu_errno_name(fault_errnos[i]), name))
			return fault_errnos[i];
	return 0;
}

void emu_trace(const struct emu_config *cfg, const char *dev, const struct nvme_passthru_cmd *cmd,
	       int status, int err, uint32_t result)
{
	char line[512];
	int fd, n;

	if (!cfg->trace)
		return;
	n = snprintf(line, sizeof(line),
		     "pid=%d dev=%s opcode=0x%02x flags=0x%02x rsvd1=0x%04x nsid=0x%08x "
		     "cdw2=0x%08x cdw3=0x%08x metadata=0x%llx metadata_len=%u addr=%s "
		     "data_len=%u cdw10=0x%08x cdw11=0x%08x cdw12=0x%08x cdw13=0x%08x "
		     "cdw14=0x%08x cdw15=0x%08x timeout_ms=%u -> status=0x%04x errno=%s "
		     "result=0x%08x\n",
		     (int)getpid(), dev, cmd->opcode, cmd->flags, cmd->rsvd1, cmd->nsid, cmd->cdw2,
		     cmd->cdw3, (unsigned long long)cmd->metadata, cmd->metadata_len,
		     cmd->addr ? "set" : "null", cmd->data_len, cmd->cdw10, cmd->cdw11, cmd->cdw12,
		     cmd->cdw13, cmd->cdw14, cmd->cdw15, cmd->timeout_ms, (unsigned int)status,
		     err ? emu_errno_name(err) : "0", result);
	if (n <= 0 || n >= (int)sizeof(line))
		return;
	fd = emu_real_open(cfg->trace, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, n) != n)
		fprintf(stderr, "intel-lm-emu: %s: short write\n", cfg->trace);
	emu_real_close(fd);
}

/*
 * A step of a command on @dev (`progress`): "arrived" when it reached the device (before its
 * latency), "ran" when the model (or a fault) ran and its effect is in the state file (before
 * its completion delay), "hangs" when it will never be answered (before the wait for its
 * timeout, @wait_ms, which the line gives).
 */
void emu_progress(const struct emu_config *cfg, const char *dev,
		  const struct nvme_passthru_cmd *cmd, const char *step, int64_t wait_ms)
{
	char line[160], wait[32] = "";
	int fd, n;

	if (!cfg->progress)
		return;
	if (wait_ms >= 0)
		snprintf(wait, sizeof(wait), " wait_ms=%lld", (long long)wait_ms);
	n = snprintf(line, sizeof(line), "pid=%d dev=%s opcode=0x%02x cdw10=0x%08x %s%s\n",
		     (int)getpid(), dev, cmd->opcode, cmd->cdw10, step, wait);
	if (n <= 0 || n >= (int)sizeof(line))
		return;
	fd = emu_real_open(cfg->progress, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, line, n) != n)
		fprintf(stderr, "intel-lm-emu: %s: short write\n", cfg->progress);
	emu_real_close(fd);
}
