// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * VF discovery from Secondary Controller List pages built here byte by byte.
 */
#include <errno.h>
#include <string.h>

#include <libintel-lm-private.h>

#include "unit.h"

const char unit_name[] = "unit-vf";

static uint8_t page[4096];

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void entry(int i, uint16_t scid, uint16_t pcid, bool online, uint16_t vfn, uint16_t nvq,
		  uint16_t nvi)
{
	uint8_t *e = page + 32 + 32 * i;

	put16(e, scid);
	put16(e + 2, pcid);
	e[4] = online;
	put16(e + 8, vfn);
	put16(e + 10, nvq);
	put16(e + 12, nvi);
	if (page[0] < i + 1)
		page[0] = (uint8_t)(i + 1);
}

static int parse(struct intel_lm_vf_list *list, uint16_t pf)
{
	unsigned int entries;
	uint16_t last;

	memset(list, 0, sizeof(*list));
	return intel_lm_parse_sec_ctrl_list(page, pf, list, &last, &entries);
}

START_TEST(several_vfs)
{
	struct intel_lm_vf_list list;
	const struct intel_lm_vf *vf;
	char buf[64];

	memset(page, 0, sizeof(page));
	entry(0, 2, 1, true, 1, 4, 2);
	entry(1, 3, 1, false, 2, 8, 1);
	entry(2, 4, 1, true, 3, 16, 4);
	entry(3, 7, 1, true, 6, 2, 1);
	ck_assert_int_eq(parse(&list, 1), 0);
	ck_assert_uint_eq(list.count, 4);
	vf = intel_lm_vf_find(&list, 3);
	ck_assert_ptr_nonnull(vf);
	ck_assert_uint_eq(vf->scid, 4);
	ck_assert(vf->online);
	ck_assert_uint_eq(vf->nvq, 16);
	ck_assert_uint_eq(vf->nvi, 4);
	ck_assert(!intel_lm_vf_find(&list, 2)->online);
	intel_lm_vf_list_format(&list, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1-3, 6");
	/* VF 2 is offline: the online ones are no run. */
	intel_lm_vf_list_format_online(&list, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1, 3, 6");
	intel_lm_vf_list_format_online(&list, buf, 7);
	ck_assert_str_eq(buf, "1, ...");
	intel_lm_vf_list_free(&list);
	ck_assert_uint_eq(list.count, 0);
}
END_TEST

START_TEST(no_vfs)
{
	struct intel_lm_vf_list list;
	char buf[16];

	memset(page, 0, sizeof(page));
	ck_assert_int_eq(parse(&list, 1), 0);
	ck_assert_uint_eq(list.count, 0);
	ck_assert_ptr_null(intel_lm_vf_find(&list, 1));
	intel_lm_vf_list_format(&list, buf, sizeof(buf));
	ck_assert_str_eq(buf, "none");
	intel_lm_vf_list_free(&list);
}
END_TEST

START_TEST(other_primaries_skipped)
{
	struct intel_lm_vf_list list;

	memset(page, 0, sizeof(page));
	entry(0, 2, 1, true, 1, 4, 2);
	entry(1, 0x21, 0x20, true, 1, 4, 2);	/* VF 1 of another PF: no duplicate */
	entry(2, 0x22, 0x20, true, 2, 4, 2);
	entry(3, 3, 1, true, 2, 4, 2);
	ck_assert_int_eq(parse(&list, 1), 0);
	ck_assert_uint_eq(list.count, 2);
	ck_assert_uint_eq(intel_lm_vf_find(&list, 1)->scid, 2);
	ck_assert_uint_eq(intel_lm_vf_find(&list, 2)->scid, 3);
	intel_lm_vf_list_free(&list);
	ck_assert_int_eq(parse(&list, 0x20), 0);
	ck_assert_uint_eq(list.count, 2);
	ck_assert_uint_eq(intel_lm_vf_find(&list, 1)->scid, 0x21);
	intel_lm_vf_list_free(&list);
}
END_TEST

START_TEST(index_zero_and_absent_refused)
{
	struct intel_lm_vf_list list;

	memset(page, 0, sizeof(page));
	entry(0, 2, 1, true, 1, 4, 2);
	entry(1, 3, 1, true, 2, 4, 2);
	ck_assert_int_eq(parse(&list, 1), 0);
	ck_assert_ptr_null(intel_lm_vf_find(&list, 0));
	ck_assert_ptr_null(intel_lm_vf_find(&list, 3));
	ck_assert_ptr_null(intel_lm_vf_find(&list, 65535));
	intel_lm_vf_list_free(&list);
}
END_TEST

START_TEST(malformed_pages)
{
	struct intel_lm_vf_list list;

	/* More entries than a page holds. */
	memset(page, 0, sizeof(page));
	page[0] = 128;
	ck_assert_int_eq(parse(&list, 1), -EPROTO);
	intel_lm_vf_list_free(&list);
	/* The same VF number twice. */
	memset(page, 0, sizeof(page));
	entry(0, 2, 1, true, 1, 4, 2);
	entry(1, 3, 1, true, 1, 4, 2);
	ck_assert_int_eq(parse(&list, 1), -EPROTO);
	intel_lm_vf_list_free(&list);
	/* The same VF number twice, apart, in a list out of order. */
	memset(page, 0, sizeof(page));
	entry(0, 4, 1, true, 3, 4, 2);
	entry(1, 2, 1, true, 1, 4, 2);
	entry(2, 5, 1, true, 3, 4, 2);
	ck_assert_int_eq(parse(&list, 1), -EPROTO);
	intel_lm_vf_list_free(&list);
	/* Out of order and distinct: accepted. */
	memset(page, 0, sizeof(page));
	entry(0, 4, 1, true, 3, 4, 2);
	entry(1, 2, 1, true, 1, 4, 2);
	entry(2, 5, 1, true, 4, 4, 2);
	entry(3, 3, 1, true, 2, 4, 2);
	ck_assert_int_eq(parse(&list, 1), 0);
	ck_assert_uint_eq(list.count, 4);
	intel_lm_vf_list_free(&list);
	/* VF number 0 for this PF. */
	memset(page, 0, sizeof(page));
	entry(0, 2, 1, true, 0, 4, 2);
	ck_assert_int_eq(parse(&list, 1), -EPROTO);
	intel_lm_vf_list_free(&list);
}
END_TEST

START_TEST(format_truncates)
{
	struct intel_lm_vf_list list;
	char buf[12];
	int i;

	memset(page, 0, sizeof(page));
	for (i = 0; i < 10; i++)
		entry(i, (uint16_t)(2 + i), 1, true, (uint16_t)(1 + 2 * i), 1, 1);
	ck_assert_int_eq(parse(&list, 1), 0);
	intel_lm_vf_list_format(&list, buf, sizeof(buf));
	ck_assert_uint_lt(strlen(buf), sizeof(buf));
	ck_assert_str_eq(buf + strlen(buf) - 3, "...");
	intel_lm_vf_list_free(&list);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create(unit_name);
	TCase *tc = tcase_create("seclist");

	tcase_add_test(tc, several_vfs);
	tcase_add_test(tc, no_vfs);
	tcase_add_test(tc, other_primaries_skipped);
	tcase_add_test(tc, index_zero_and_absent_refused);
	tcase_add_test(tc, malformed_pages);
	tcase_add_test(tc, format_truncates);
	suite_add_tcase(s, tc);
	return s;
}
