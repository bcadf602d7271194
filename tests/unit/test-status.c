// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The status decoder, for each status class, DNR/More/CRD, Intel context and errno values.
 */
#include <errno.h>
#include <string.h>

#include <libintel-lm-private.h>

#include "unit.h"

const char unit_name[] = "unit-status";

static char buf[512];

#define ck_contains(hay, needle) \
	ck_assert_msg(strstr(hay, needle), "\"%s\" does not contain \"%s\"", hay, needle)

START_TEST(generic_invalid_opcode_dnr)
{
	intel_lm_strerror(0x4001, 0xc4, buf, sizeof(buf));
	ck_contains(buf, "Invalid Command Opcode");
	ck_contains(buf, "status 0x4001");
	ck_contains(buf, "SCT 0h generic");
	ck_contains(buf, "SC 01h");
	ck_contains(buf, "DNR");
	ck_contains(buf, "does not implement Intel live migration");
	ck_assert_int_eq(intel_lm_advice(0x4001, 0xc4), INTEL_LM_ADVICE_CHECK_SUPPORT);
	/* Not on our opcodes: no Intel context. */
	intel_lm_strerror(0x4001, 0x06, buf, sizeof(buf));
	ck_assert_ptr_null(strstr(buf, "Intel"));
}
END_TEST

/* Over TP4159 a status means what it means for Migration Send and Receive, and no more. */
START_TEST(tp4159_meanings)
{
	intel_lm_step_strerror(0x4001, INTEL_LM_PROTO_TP4159, 0xc8, buf, sizeof(buf));
	ck_contains(buf, "Invalid Command Opcode (status 0x4001");
	ck_contains(buf, "does not implement NVMe TP4159 migration (Migration Send and Receive)");
	ck_assert_ptr_null(strstr(buf, "Intel"));
	intel_lm_step_strerror(0x4002, INTEL_LM_PROTO_TP4159, 0xc8, buf, sizeof(buf));
	ck_contains(buf, "a controller ID that names none of its VFs");
	ck_assert_ptr_null(strstr(buf, "CSVI"));
	intel_lm_step_strerror(0x4002, INTEL_LM_PROTO_TP4159, 0xd5, buf, sizeof(buf));
	ck_contains(buf, "controller state format (CSVI)");
	ck_assert_ptr_null(strstr(buf, "VF index"));
	intel_lm_step_strerror(-EACCES, INTEL_LM_PROTO_TP4159, 0xcc, buf, sizeof(buf));
	ck_contains(buf, "Migration Send and Receive need CAP_SYS_ADMIN");
	ck_assert_ptr_null(strstr(buf, "vendor"));
	/* The same over Intel's commands as intel_lm_strerror(). */
	intel_lm_step_strerror(0x4002, INTEL_LM_PROTO_INTEL, 0xd5, buf, sizeof(buf));
	ck_contains(buf, "a VF index it does not have");
	intel_lm_step_strerror(0x400c, INTEL_LM_PROTO_TP4159, 0xd2, buf, sizeof(buf));
	ck_contains(buf, "not in the state this command needs");
}
END_TEST

START_TEST(generic_sequence_error)
{
	intel_lm_strerror(0x400c, 0xd2, buf, sizeof(buf));
	ck_contains(buf, "Command Sequence Error");
	ck_contains(buf, "not in the state this command needs");
	/* A reason a program acts on, never words. */
	ck_assert_int_eq(intel_lm_advice(0x400c, 0xd2), INTEL_LM_ADVICE_SUSPEND_FIRST);
	ck_assert_int_eq(intel_lm_advice(0x400c, 0xcc), INTEL_LM_ADVICE_RESUME_NOT_NOW);
	ck_assert_int_eq(intel_lm_advice(0x400c, 0xc8), INTEL_LM_ADVICE_STEP_ORDER);
	ck_assert_int_eq(intel_lm_advice(-EINTR, 0xc8), INTEL_LM_ADVICE_CHECK_STATE);
	ck_assert_int_eq(intel_lm_advice(0x4001, 0xc4), INTEL_LM_ADVICE_CHECK_SUPPORT);
	ck_assert_int_eq(intel_lm_advice(0, 0xc4), INTEL_LM_ADVICE_NONE);
	ck_assert_int_eq(intel_lm_advice(0x400c, 0xd5), INTEL_LM_ADVICE_SUSPEND_FIRST);
	ck_assert_int_eq(intel_lm_advice(0x000c, 0xc8), INTEL_LM_ADVICE_STEP_ORDER);
}
END_TEST

START_TEST(generic_invalid_field)
{
	intel_lm_strerror(0x0002, 0xd5, buf, sizeof(buf));
	ck_contains(buf, "Invalid Field in Command");
	ck_contains(buf, "SC 02h");
	ck_assert_ptr_null(strstr(buf, "DNR"));
	ck_contains(buf, "state size");
}
END_TEST

START_TEST(command_specific_and_media_and_vendor)
{
	intel_lm_strerror(0x0102, 0xd5, buf, sizeof(buf));
	ck_contains(buf, "SCT 1h command specific");
	intel_lm_strerror(0x0281, 0xd2, buf, sizeof(buf));
	ck_contains(buf, "SCT 2h media and data integrity");
	ck_contains(buf, "SC 81h");
	intel_lm_strerror(0x0301, 0xd2, buf, sizeof(buf));
	ck_contains(buf, "SCT 3h path related");
	intel_lm_strerror(0x07c0, 0xd2, buf, sizeof(buf));
	ck_contains(buf, "SCT 7h vendor specific");
	ck_contains(buf, "SC c0h");
}
END_TEST

START_TEST(more_and_crd_bits)
{
	intel_lm_strerror(0x2000 | 0x1000 | 0x0006, 0xcc, buf, sizeof(buf));
	ck_contains(buf, "CRD 2");
	ck_contains(buf, "More");
	ck_assert_ptr_null(strstr(buf, "DNR"));
	ck_assert_int_eq(intel_lm_advice(0x2000 | 0x0106, 0xcc), INTEL_LM_ADVICE_ERROR_LOG);
}
END_TEST

START_TEST(errno_values)
{
	intel_lm_strerror(-EINTR, 0xc8, buf, sizeof(buf));
	ck_contains(buf, "(EINTR)");
	ck_contains(buf, "unknown");
	ck_assert_int_eq(intel_lm_advice(-EINTR, 0xc8), INTEL_LM_ADVICE_CHECK_STATE);
	intel_lm_strerror(-ETIMEDOUT, 0xd2, buf, sizeof(buf));
	ck_contains(buf, "ETIMEDOUT");
	intel_lm_strerror(-EACCES, 0xc8, buf, sizeof(buf));
	ck_contains(buf, "CAP_SYS_ADMIN");
	ck_assert_int_eq(intel_lm_advice(-EPERM, 0xc8), INTEL_LM_ADVICE_RUN_AS_ROOT);
	intel_lm_strerror(-ENODEV, 0xc8, buf, sizeof(buf));
	ck_contains(buf, "gone");
	intel_lm_strerror(-EIO, 0xd5, buf, sizeof(buf));
	ck_contains(buf, "EIO");
	intel_lm_strerror(-EINVAL, 0xd5, buf, sizeof(buf));
	ck_contains(buf, "MDTS");
	ck_assert_str_eq(intel_lm_errno_name(-ENOSPC), "ENOSPC");
	ck_assert_str_eq(intel_lm_errno_name(EIO), "EIO");
}
END_TEST

START_TEST(small_buffers_terminated)
{
	char small[8];

	memset(small, 'x', sizeof(small));
	intel_lm_strerror(0x6002, 0xd5, small, sizeof(small));
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	intel_lm_strerror(0, 0xd5, buf, sizeof(buf));
	ck_assert_str_eq(buf, "success");
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create(unit_name);
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, generic_invalid_opcode_dnr);
	tcase_add_test(tc, generic_sequence_error);
	tcase_add_test(tc, generic_invalid_field);
	tcase_add_test(tc, tp4159_meanings);
	tcase_add_test(tc, command_specific_and_media_and_vendor);
	tcase_add_test(tc, more_and_crd_bits);
	tcase_add_test(tc, errno_values);
	tcase_add_test(tc, small_buffers_terminated);
	suite_add_tcase(s, tc);
	return s;
}
