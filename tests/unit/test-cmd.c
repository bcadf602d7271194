// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The five commands, field by field against Intel's tables: opcode in SQE byte 0, the VF index
 * in bytes 41:40 (CDW10[15:0]), LOAD_DATA's size in bytes 47:44 (CDW11), everything else zero.
 */
#include <errno.h>
#include <string.h>

#include <libintel-lm-private.h>

#include "sqe.h"
#include "unit.h"

const char unit_name[] = "unit-cmd";

static const uint16_t vfs[] = { 1, 300, 65535 };

static void check_no_data_cmd(uint8_t opcode)
{
	struct intel_lm_cmd cmd;
	uint8_t sqe[INTEL_LM_SQE_SIZE];
	const int keep[] = { 0, 1, 40, 42 };
	size_t i;

	for (i = 0; i < sizeof(vfs) / sizeof(vfs[0]); i++) {
		ck_assert_int_eq(intel_lm_cmd_init(&cmd, opcode, vfs[i], NULL, 0), 0);
		ck_assert_uint_eq(cmd.opcode, opcode);
		ck_assert_uint_eq(cmd.flags, 0);
		ck_assert_uint_eq(cmd.rsvd1, 0);
		ck_assert_uint_eq(cmd.nsid, 0);
		ck_assert_uint_eq(cmd.cdw2, 0);
		ck_assert_uint_eq(cmd.cdw3, 0);
		ck_assert_uint_eq(cmd.metadata, 0);
		ck_assert_uint_eq(cmd.metadata_len, 0);
		ck_assert_uint_eq(cmd.addr, 0);
		ck_assert_uint_eq(cmd.data_len, 0);
		ck_assert_uint_eq(cmd.cdw10, vfs[i]);
		ck_assert_uint_eq(cmd.cdw11, 0);
		ck_assert_uint_eq(cmd.cdw12 | cmd.cdw13 | cmd.cdw14 | cmd.cdw15, 0);
		ck_assert_uint_eq(cmd.timeout_ms, 0);

		intel_lm_cmd_to_sqe(&cmd, sqe);
		ck_assert_uint_eq(sqe[0], opcode);
		ck_assert_uint_eq(sqe[40], vfs[i] & 0xff);
		ck_assert_uint_eq(sqe[41], vfs[i] >> 8);
		sqe_assert_zero_except(sqe, keep, 4);
	}
}

START_TEST(query_size_encoding)
{
	check_no_data_cmd(0xc4);
	ck_assert_uint_eq(INTEL_LM_OPC_QUERY_DATA_SIZE & 0x3, 0);
}
END_TEST

START_TEST(suspend_encoding)
{
	check_no_data_cmd(0xc8);
}
END_TEST

START_TEST(resume_encoding)
{
	check_no_data_cmd(0xcc);
}
END_TEST

START_TEST(save_encoding)
{
	struct intel_lm_cmd cmd;
	uint8_t sqe[INTEL_LM_SQE_SIZE], buf[16];
	const int keep[] = { 0, 1, 40, 42 };
	size_t i;

	ck_assert_uint_eq(INTEL_LM_OPC_SAVE_DATA & 0x3, 0x2);	/* controller to host */
	for (i = 0; i < sizeof(vfs) / sizeof(vfs[0]); i++) {
		ck_assert_int_eq(intel_lm_cmd_init(&cmd, 0xd2, vfs[i], buf, 2100), 0);
		ck_assert_uint_eq(cmd.opcode, 0xd2);
		ck_assert_uint_eq(cmd.addr, (uintptr_t)buf);
		ck_assert_uint_eq(cmd.data_len, 2100);
		ck_assert_uint_eq(cmd.cdw10, vfs[i]);
		/* SAVE_DATA has no length field: CDW11 stays zero. */
		ck_assert_uint_eq(cmd.cdw11, 0);
		ck_assert_uint_eq(cmd.nsid | cmd.cdw2 | cmd.cdw3 | cmd.metadata_len, 0);
		ck_assert_uint_eq(cmd.cdw12 | cmd.cdw13 | cmd.cdw14 | cmd.cdw15, 0);
		intel_lm_cmd_to_sqe(&cmd, sqe);
		sqe_assert_zero_except(sqe, keep, 4);
	}
}
END_TEST

START_TEST(load_encoding)
{
	static const uint32_t sizes[] = { 1, 2100, 0x40000, 0x12345678 };
	struct intel_lm_cmd cmd;
	uint8_t sqe[INTEL_LM_SQE_SIZE], buf[16];
	const int keep[] = { 0, 1, 40, 42, 44, 48 };
	size_t i, j;

	ck_assert_uint_eq(INTEL_LM_OPC_LOAD_DATA & 0x3, 0x1);	/* host to controller */
	for (i = 0; i < sizeof(vfs) / sizeof(vfs[0]); i++) {
		for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
			ck_assert_int_eq(intel_lm_cmd_init(&cmd, 0xd5, vfs[i], buf, sizes[j]), 0);
			ck_assert_uint_eq(cmd.opcode, 0xd5);
			ck_assert_uint_eq(cmd.cdw10, vfs[i]);
			ck_assert_uint_eq(cmd.cdw11, sizes[j]);
			ck_assert_uint_eq(cmd.data_len, sizes[j]);
			ck_assert_uint_eq(cmd.addr, (uintptr_t)buf);
			intel_lm_cmd_to_sqe(&cmd, sqe);
			ck_assert_uint_eq(sqe[0], 0xd5);
			ck_assert_uint_eq(sqe[40], vfs[i] & 0xff);
			ck_assert_uint_eq(sqe[41], vfs[i] >> 8);
			ck_assert_uint_eq(sqe[44], sizes[j] & 0xff);
			ck_assert_uint_eq(sqe[45], (sizes[j] >> 8) & 0xff);
			ck_assert_uint_eq(sqe[46], (sizes[j] >> 16) & 0xff);
			ck_assert_uint_eq(sqe[47], sizes[j] >> 24);
			sqe_assert_zero_except(sqe, keep, 6);
		}
	}
}
END_TEST

START_TEST(bad_arguments_refused)
{
	struct intel_lm_cmd cmd;
	uint8_t buf[8];

	/* VF index 0 names no VF. */
	ck_assert_int_eq(intel_lm_cmd_init(&cmd, 0xc8, 0, NULL, 0), -EINVAL);
	/* Not one of the five. */
	ck_assert_int_eq(intel_lm_cmd_init(&cmd, 0x06, 1, NULL, 0), -EINVAL);
	ck_assert_int_eq(intel_lm_cmd_init(&cmd, 0xc0, 1, NULL, 0), -EINVAL);
	/* Data where the opcode has none, none where it needs some. */
	ck_assert_int_eq(intel_lm_cmd_init(&cmd, 0xc4, 1, buf, 8), -EINVAL);
	ck_assert_int_eq(intel_lm_cmd_init(&cmd, 0xd2, 1, NULL, 0), -EINVAL);
	ck_assert_int_eq(intel_lm_cmd_init(&cmd, 0xd5, 1, buf, 0), -EINVAL);
	ck_assert_uint_eq(cmd.opcode, 0);
	ck_assert_int_eq(intel_lm_save(-1, 1, NULL, 4, NULL), -EINVAL);
	ck_assert_int_eq(intel_lm_load(-1, 1, buf, 0, NULL), -EINVAL);
}
END_TEST

START_TEST(opcode_names)
{
	ck_assert_str_eq(intel_lm_opcode_name(0xc4), "QUERY_DATA_SIZE");
	ck_assert_str_eq(intel_lm_opcode_name(0xc8), "SUSPEND");
	ck_assert_str_eq(intel_lm_opcode_name(0xcc), "RESUME");
	ck_assert_str_eq(intel_lm_opcode_name(0xd2), "SAVE_DATA");
	ck_assert_str_eq(intel_lm_opcode_name(0xd5), "LOAD_DATA");
	ck_assert_str_eq(intel_lm_opcode_name(0x06), "IDENTIFY");
	ck_assert_str_eq(intel_lm_opcode_name(0x41), "MIGRATION_SEND");
	ck_assert_str_eq(intel_lm_opcode_name(0x42), "MIGRATION_RECV");
	ck_assert_str_eq(intel_lm_opcode_name(0x43), "UNKNOWN");
}
END_TEST

START_TEST(dry_run_sends_nothing)
{
	struct seen s = { 0 };
	struct intel_lm_opts o = { .timeout_ms = 1500, .dry_run = true, .trace = seen_record,
				   .trace_priv = &s };
	uint32_t size = 99;

	/* fd -1 would fail with EBADF if anything reached the kernel. */
	ck_assert_int_eq(intel_lm_suspend(-1, 7, &o), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert(s.c[0].dry_run);
	ck_assert_uint_eq(s.c[0].opcode, 0xc8);
	ck_assert_uint_eq(s.c[0].cdw10, 7);
	ck_assert_uint_eq(s.c[0].timeout_ms, 1500);
	ck_assert_int_eq(intel_lm_query_size(-1, 7, &o, &size), 0);
	ck_assert_uint_eq(size, 0);

	o.dry_run = false;
	ck_assert_int_eq(intel_lm_resume(-1, 7, &o), -EBADF);
	ck_assert_int_eq(s.n, 3);
	ck_assert(!s.c[2].dry_run);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create(unit_name);
	TCase *tc = tcase_create("encoding");

	tcase_add_test(tc, query_size_encoding);
	tcase_add_test(tc, suspend_encoding);
	tcase_add_test(tc, resume_encoding);
	tcase_add_test(tc, save_encoding);
	tcase_add_test(tc, load_encoding);
	tcase_add_test(tc, bad_arguments_refused);
	tcase_add_test(tc, opcode_names);
	tcase_add_test(tc, dry_run_sends_nothing);
	suite_add_tcase(s, tc);
	return s;
}
