// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The capability verdict and the identity read from Identify Controller, the size limits, and
 * the kernel's admin timeout read from sysfs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libintel-lm-private.h>
#include <libnvme.h>

#include "unit.h"

const char unit_name[] = "unit-ctrl";

static void make_id(struct nvme_id_ctrl *id, uint16_t vid, uint8_t lm)
{
	memset(id, 0, sizeof(*id));
	id->vid = htole16(vid);
	id->ssvid = htole16(0x1234);
	memset(id->sn, ' ', sizeof(id->sn));
	memcpy(id->sn, "PHAB123", 7);
	memset(id->mn, ' ', sizeof(id->mn));
	memcpy(id->mn, "Intel IPU E2000 NVMe", 20);
	memset(id->fr, ' ', sizeof(id->fr));
	memcpy(id->fr, "1.2.3", 5);
	id->mdts = 5;
	id->cntlid = htole16(0x41);
	((uint8_t *)id)[3072] = lm;
}

START_TEST(intel_flag_01_supported)
{
	struct nvme_id_ctrl id;
	struct intel_lm_ctrl_info info;

	make_id(&id, 0x8086, 0x01);
	intel_lm_parse_id_ctrl(&id, &info);
	ck_assert_int_eq(info.support, INTEL_LM_SUPPORTED);
	ck_assert_uint_eq(info.vid, 0x8086);
	ck_assert_uint_eq(info.ssvid, 0x1234);
	ck_assert_str_eq(info.sn, "PHAB123");
	ck_assert_str_eq(info.mn, "Intel IPU E2000 NVMe");
	ck_assert_str_eq(info.fr, "1.2.3");
	ck_assert_uint_eq(info.mdts, 5);
	ck_assert_uint_eq(info.cntlid, 0x41);
	ck_assert_uint_eq(info.lm_byte, 1);
}
END_TEST

START_TEST(intel_flag_00_unsupported)
{
	struct nvme_id_ctrl id;
	struct intel_lm_ctrl_info info;

	make_id(&id, 0x8086, 0x00);
	intel_lm_parse_id_ctrl(&id, &info);
	ck_assert_int_eq(info.support, INTEL_LM_UNSUPPORTED_FLAG);
	ck_assert_ptr_nonnull(strstr(intel_lm_support_reason(info.support), "byte 3072 is 00h"));
}
END_TEST

START_TEST(intel_reserved_values)
{
	struct nvme_id_ctrl id;
	struct intel_lm_ctrl_info info;
	static const uint8_t vals[] = { 0x02, 0x03, 0x80, 0xff };
	size_t i;

	for (i = 0; i < sizeof(vals); i++) {
		make_id(&id, 0x8086, vals[i]);
		intel_lm_parse_id_ctrl(&id, &info);
		ck_assert_int_eq(info.support, INTEL_LM_UNSUPPORTED_RESERVED);
		ck_assert_uint_eq(info.lm_byte, vals[i]);
	}
	ck_assert_ptr_nonnull(strstr(intel_lm_support_reason(INTEL_LM_UNSUPPORTED_RESERVED),
				     "reserved value"));
}
END_TEST

START_TEST(other_vendor_with_01)
{
	struct nvme_id_ctrl id;
	struct intel_lm_ctrl_info info;

	/* QEMU's vendor, and Samsung's: byte 3072 means nothing there. */
	make_id(&id, 0x1b36, 0x01);
	intel_lm_parse_id_ctrl(&id, &info);
	ck_assert_int_eq(info.support, INTEL_LM_UNSUPPORTED_VENDOR);
	make_id(&id, 0x144d, 0x01);
	intel_lm_parse_id_ctrl(&id, &info);
	ck_assert_int_eq(info.support, INTEL_LM_UNSUPPORTED_VENDOR);
	ck_assert_ptr_nonnull(strstr(intel_lm_support_reason(info.support), "not Intel"));
}
END_TEST

START_TEST(hostile_strings)
{
	struct nvme_id_ctrl id;
	struct intel_lm_ctrl_info info;

	make_id(&id, 0x8086, 1);
	/* No terminator anywhere, and control characters and high bytes inside. */
	memset(id.sn, 'S', sizeof(id.sn));
	memset(id.mn, 0x1b, sizeof(id.mn));
	memcpy(id.fr, "a\nb\xff\x7f" "cde", 8);
	intel_lm_parse_id_ctrl(&id, &info);
	ck_assert_uint_eq(strlen(info.sn), 20);
	ck_assert_uint_eq(strlen(info.mn), 40);
	ck_assert_str_eq(info.fr, "a?b??cde");
	ck_assert_ptr_null(strchr(info.mn, 0x1b));
}
END_TEST

START_TEST(limits)
{
	struct intel_lm_ctrl_info info = { .mdts = 0 };
	struct intel_lm_limit lim;

	/* No MDTS: the reference driver's 256 KiB decides. */
	intel_lm_state_limit(&info, &lim);
	ck_assert_uint_eq(lim.max_bytes, 256 * 1024);
	ck_assert_int_eq(lim.src, INTEL_LM_LIMIT_REFERENCE);
	ck_assert_uint_eq(lim.mdts_bytes, 0);

	/* MDTS 5: 128 KiB. */
	info.mdts = 5;
	intel_lm_state_limit(&info, &lim);
	ck_assert_uint_eq(lim.max_bytes, 128 * 1024);
	ck_assert_int_eq(lim.src, INTEL_LM_LIMIT_MDTS);
	ck_assert_ptr_nonnull(strstr(intel_lm_limit_reason(lim.src), "MDTS"));

	/* MDTS 6 is exactly 256 KiB: the reference limit is named. MDTS 10 is 4 MiB. */
	info.mdts = 6;
	intel_lm_state_limit(&info, &lim);
	ck_assert_uint_eq(lim.max_bytes, 256 * 1024);
	info.mdts = 255;
	intel_lm_state_limit(&info, &lim);
	ck_assert_uint_eq(lim.max_bytes, 256 * 1024);
	ck_assert_uint_eq(lim.mdts_bytes, UINT32_MAX);

	ck_assert_int_eq(intel_lm_check_size(0, &lim), -ENODATA);
	ck_assert_int_eq(intel_lm_check_size(1, &lim), 0);
	ck_assert_int_eq(intel_lm_check_size(256 * 1024, &lim), 0);
	ck_assert_int_eq(intel_lm_check_size(256 * 1024 + 1, &lim), -EFBIG);
	ck_assert_int_eq(intel_lm_check_size(UINT32_MAX, &lim), -EFBIG);
}
END_TEST

START_TEST(caller_limit)
{
	struct intel_lm_ctrl_info info = { .mdts = 0 };
	struct intel_lm_limit lim;

	/* Raised past 256 KiB up to the kernel's 4 MiB, never beyond. */
	intel_lm_state_limit(&info, &lim);
	ck_assert_int_eq(intel_lm_state_limit_set(&lim, 4u << 20), 0);
	ck_assert_uint_eq(lim.max_bytes, 4u << 20);
	ck_assert_int_eq(lim.src, INTEL_LM_LIMIT_KERNEL);
	ck_assert_int_eq(intel_lm_state_limit_set(&lim, UINT32_MAX), 0);
	ck_assert_uint_eq(lim.max_bytes, 4u << 20);
	/* Lowered: the caller's limit is named. */
	ck_assert_int_eq(intel_lm_state_limit_set(&lim, 4096), 0);
	ck_assert_uint_eq(lim.max_bytes, 4096);
	ck_assert_int_eq(lim.src, INTEL_LM_LIMIT_CALLER);
	ck_assert_str_eq(intel_lm_limit_reason(lim.src), "the limit the caller set");
	/* MDTS stays a hard limit. */
	info.mdts = 5;
	intel_lm_state_limit(&info, &lim);
	ck_assert_int_eq(intel_lm_state_limit_set(&lim, 1u << 20), 0);
	ck_assert_uint_eq(lim.max_bytes, 128 * 1024);
	ck_assert_int_eq(lim.src, INTEL_LM_LIMIT_MDTS);
	ck_assert_int_eq(intel_lm_state_limit_set(&lim, 0), -EINVAL);
	ck_assert_uint_eq(lim.max_bytes, 128 * 1024);
}
END_TEST

/* The raw bytes at any alignment, as a program without libnvme's types has them. */
START_TEST(raw_bytes_unaligned)
{
	static uint8_t raw[INTEL_LM_ID_DATA_LEN + 1];
	struct intel_lm_ctrl_info info;
	uint8_t *id = raw + 1;

	memset(raw, 0, sizeof(raw));
	id[0] = 0x86;				/* VID 8086h, little-endian */
	id[1] = 0x80;
	memcpy(id + 4, "PHXY0001            ", 20);	/* SN, bytes 23:04 */
	memcpy(id + 24, "Intel IPU", 9);		/* MN, bytes 63:24 */
	memcpy(id + 64, "1.2.3   ", 8);		/* FR, bytes 71:64 */
	id[77] = 7;				/* MDTS */
	id[78] = 0x34;				/* CNTLID */
	id[79] = 0x12;
	id[INTEL_LM_ID_CTRL_LM_OFFSET] = INTEL_LM_ID_CTRL_LM_SUPPORTED;
	intel_lm_parse_id_ctrl(id, &info);
	ck_assert_uint_eq(info.vid, 0x8086);
	ck_assert_str_eq(info.sn, "PHXY0001");
	ck_assert_str_eq(info.mn, "Intel IPU");
	ck_assert_str_eq(info.fr, "1.2.3");
	ck_assert_uint_eq(info.mdts, 7);
	ck_assert_uint_eq(info.cntlid, 0x1234);
	ck_assert_int_eq(info.support, INTEL_LM_SUPPORTED);
}
END_TEST

/* SYSFS/module/nvme_core/parameters/admin_timeout holds @text (NULL: no such file). */
static void admin_timeout_file(const char *sysfs, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/module/nvme_core/parameters/admin_timeout", sysfs);
	unlink(path);
	if (!text)
		return;
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(kernel_admin_timeout)
{
	static const struct {
		const char *text;
		int ret;
		uint32_t ms;
	} cases[] = {
		{ "60\n", 0, 60000 },
		{ "20\n", 0, 20000 },
		{ "1", 0, 1000 },
		{ "4294967\n", 0, 4294967000u },
		{ "4294968\n", -EINVAL, 60000 },
		{ "99999999999999999999\n", -EINVAL, 60000 },
		{ "0\n", -EINVAL, 60000 },
		{ "", -EINVAL, 60000 },
		{ "\n", -EINVAL, 60000 },
		{ "-5\n", -EINVAL, 60000 },
		{ "30s\n", -EINVAL, 60000 },
		{ "30\n\n", -EINVAL, 60000 },
		{ NULL, -ENOENT, 60000 },
	};
	char dir[] = "/tmp/unit-ctrl.XXXXXX", path[256];
	uint32_t ms = 1;
	size_t i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/module", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/module/nvme_core", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/module/nvme_core/parameters", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		admin_timeout_file(dir, cases[i].text);
		ms = 1;
		ck_assert_msg(intel_lm_kernel_admin_timeout(dir, &ms) == cases[i].ret,
			      "'%s': %d", cases[i].text ? cases[i].text : "(none)", cases[i].ret);
		ck_assert_uint_eq(ms, cases[i].ms);
	}
	/* A sysfs without nvme_core at all, and the default when unreadable. */
	ck_assert_int_eq(rmdir(path), 0);
	ck_assert_int_eq(intel_lm_kernel_admin_timeout(dir, &ms), -ENOENT);
	ck_assert_uint_eq(ms, INTEL_LM_KERNEL_ADMIN_TIMEOUT_MS);
	snprintf(path, sizeof(path), "%s/module/nvme_core", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/module", dir);
	rmdir(path);
	rmdir(dir);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create(unit_name);
	TCase *tc = tcase_create("identify");

	tcase_add_test(tc, intel_flag_01_supported);
	tcase_add_test(tc, intel_flag_00_unsupported);
	tcase_add_test(tc, intel_reserved_values);
	tcase_add_test(tc, other_vendor_with_01);
	tcase_add_test(tc, hostile_strings);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, caller_limit);
	tcase_add_test(tc, raw_bytes_unaligned);
	tcase_add_test(tc, kernel_admin_timeout);
	suite_add_tcase(s, tc);
	return s;
}
