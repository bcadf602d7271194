// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every command is sent exactly once, whatever program the library is linked into.
 *
 * nvme-cli 2.14 and later define their own nvme_submit_passthru() (libnvme >= 1.9 makes
 * libnvme's weak), which re-sends a command that failed with EINTR or EAGAIN. This program
 * does the same to libnvme's submission entry points, as such an nvme-cli would: a library
 * that submitted through them would re-send SUSPEND, RESUME, SAVE_DATA and LOAD_DATA whose
 * effect is unknown. The emulated PF (tests/emu) counts what reaches the device.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <libintel-lm-private.h>
#include <linux/nvme_ioctl.h>

#include "emu.h"
#include "mig-run.h"
#include "unit.h"

const char unit_name[] = "unit-once";

#define RETRIES 20

static int retrying_calls;

/* What nvme-cli 2.14+ does: try again while the kernel says EINTR or EAGAIN. */
static int retrying_submit(int fd, struct nvme_passthru_cmd *cmd, __u32 *result)
{
	int ret, tries = 0;

	retrying_calls++;
	do {
		ret = ioctl(fd, NVME_IOCTL_ADMIN_CMD, cmd);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN) && ++tries < RETRIES);
	if (result && ret >= 0)
		*result = cmd->result;
	return ret;
}

/* libnvme 1.x's entry points, replaced as nvme-cli replaces them. */
int nvme_submit_admin_passthru(int fd, struct nvme_passthru_cmd *cmd, __u32 *result);
int nvme_submit_admin_passthru(int fd, struct nvme_passthru_cmd *cmd, __u32 *result)
{
	return retrying_submit(fd, cmd, result);
}

int nvme_submit_admin_passthru64(int fd, struct nvme_passthru_cmd64 *cmd, __u64 *result);
int nvme_submit_admin_passthru64(int fd, struct nvme_passthru_cmd64 *cmd, __u64 *result)
{
	(void)fd;
	(void)cmd;
	(void)result;
	retrying_calls++;
	errno = ENOTSUP;
	return -1;
}

static char dir[] = "/tmp/intel-lm-once-XXXXXX";

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void setup(void)
{
	strcpy(dir, "/tmp/intel-lm-once-XXXXXX");
	if (!mkdtemp(dir))
		abort();
}

static void teardown(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* One PF whose first command with @opcode fails with @what after (or without) its effect. */
static int start(uint8_t opcode, const char *what)
{
	struct intel_lm_dev dev;
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/emu.conf", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "admin_timeout_ms = 50\n[pf nvme0]\nvfs = 2\nfault = 0x%02x 1 %s\n", opcode,
		what);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(setenv("INTEL_LM_EMU", path, 1), 0);
	ck_assert_int_eq(emu_reload(), 0);
	ck_assert_int_eq(emu_setup(), 0);
	ck_assert_int_eq(intel_lm_dev_open("/dev/nvme0", dir, &dev), 0);
	retrying_calls = 0;
	return dev.fd;
}

static const struct {
	uint8_t opcode;
	const char *what;
	int ret;
} cases[] = {
	{ INTEL_LM_OPC_SUSPEND, "EINTR apply", -EINTR },
	{ INTEL_LM_OPC_SUSPEND, "EINTR", -EINTR },
	{ INTEL_LM_OPC_RESUME, "EINTR apply", -EINTR },
	{ INTEL_LM_OPC_RESUME, "hang apply", -EINTR },
	{ INTEL_LM_OPC_SAVE_DATA, "EINTR apply", -EINTR },
	{ INTEL_LM_OPC_LOAD_DATA, "EINTR", -EINTR },
	{ INTEL_LM_OPC_QUERY_DATA_SIZE, "EINTR", -EINTR },
};

START_TEST(sent_once)
{
	uint8_t opc = cases[_i].opcode;
	int fd = start(opc, cases[_i].what);
	uint32_t size = 0;
	void *buf;
	int ret;

	/* What each command needs first, without the fault (it strikes the first of its kind). */
	if (opc == INTEL_LM_OPC_SAVE_DATA || opc == INTEL_LM_OPC_LOAD_DATA) {
		ck_assert_int_eq(intel_lm_suspend(fd, 1, NULL), 0);
		ck_assert_int_eq(intel_lm_query_size(fd, 1, NULL, &size), 0);
	}
	buf = size ? calloc(1, size) : NULL;
	switch (opc) {
	case INTEL_LM_OPC_SUSPEND:
		ret = intel_lm_suspend(fd, 1, NULL);
		break;
	case INTEL_LM_OPC_RESUME:
		ret = intel_lm_resume(fd, 1, NULL);
		break;
	case INTEL_LM_OPC_SAVE_DATA:
		ret = intel_lm_save(fd, 1, buf, size, NULL);
		break;
	case INTEL_LM_OPC_LOAD_DATA:
		ret = intel_lm_load(fd, 1, buf, size, NULL);
		break;
	default:
		ret = intel_lm_query_size(fd, 1, NULL, &size);
		break;
	}
	free(buf);
	ck_assert_int_eq(ret, cases[_i].ret);
	ck_assert_msg(emu_counter("nvme0", opc) == 1, "opcode 0x%02x reached the device %d times",
		      opc, emu_counter("nvme0", opc));
	ck_assert_int_eq(retrying_calls, 0);
	close(fd);
}
END_TEST

/* A whole migration whose destination RESUME is interrupted: one RESUME, no rollback. */
START_TEST(migrate_sent_once)
{
	struct mig_run m = { 0 };
	int fd = start(INTEL_LM_OPC_RESUME, "EINTR apply");

	m.p.src_fd = m.p.dst_fd = fd;
	m.p.src_vf = 1;
	m.p.dst_vf = 2;
	m.p.limit.max_bytes = 1 << 20;
	ck_assert_int_eq(run_mig(&m), -EINTR);
	ck_assert_int_eq(m.o.failed, INTEL_LM_MIG_DST_RESUME);
	ck_assert(m.o.rollback_skipped);
	ck_assert_int_eq(emu_counter("nvme0", INTEL_LM_OPC_RESUME), 1);
	ck_assert_int_eq(emu_counter("nvme0", INTEL_LM_OPC_SUSPEND), 2);
	ck_assert_int_eq(retrying_calls, 0);
	close(fd);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create(unit_name);
	TCase *tc = tcase_create("once");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, sent_once, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, migrate_sent_once);
	suite_add_tcase(s, tc);
	return s;
}
