// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The escapes of strings from outside (plugins/intel-lm/escape.c): UTF-8 well-formedness, the
 * JSON surrogate escape and its way back to the bytes, and the terminal's escapes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "unit.h"

const char unit_name[] = "unit-escape";

START_TEST(utf8_well_formed)
{
	static const struct {
		const char *s;
		size_t len;
	} t[] = {
		{ "a", 1 }, { "\x7f", 1 }, { "\xc3\xa9", 2 }, { "\xe2\x82\xac", 3 },
		{ "\xed\x9f\xbf", 3 }, { "\xee\x80\x80", 3 }, { "\xf0\x9f\x98\x80", 4 },
		{ "\xf4\x8f\xbf\xbf", 4 },
		/* Overlong forms, surrogates, above U+10FFFF, stray and cut sequences. */
		{ "\xc0\x80", 0 }, { "\xc1\xbf", 0 }, { "\xe0\x80\x80", 0 }, { "\xe0\x9f\xbf", 0 },
		{ "\xed\xa0\x80", 0 }, { "\xed\xbf\xbf", 0 }, { "\xf0\x80\x80\x80", 0 },
		{ "\xf0\x8f\xbf\xbf", 0 }, { "\xf4\x90\x80\x80", 0 }, { "\xf5\x80\x80\x80", 0 },
		{ "\xff", 0 }, { "\xfe", 0 }, { "\x80", 0 }, { "\xbf", 0 }, { "\xe2\x82", 0 },
		{ "\xe2\x82" "A", 0 }, { "\xf0\x9f\x98", 0 }, { "\xc3" "A", 0 }, { "", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(utf8_seq_len(t[i].s) == t[i].len, "case %zu: %zu, expected %zu", i,
			      utf8_seq_len(t[i].s), t[i].len);
}
END_TEST

static char *json_out(const char *doc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(json_fputs_utf8(doc, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

/* Whether @s is all well-formed UTF-8. */
static int all_utf8(const char *s)
{
	size_t n;

	for (; *s; s += n)
		if (!(n = utf8_seq_len(s)))
			return 0;
	return 1;
}

/* The way back, as a consumer takes it (Python: s.encode("utf-8", "surrogateescape")). */
static char *json_back(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	ck_assert_ptr_nonnull(out);
	while (*s) {
		unsigned int b;

		if (!strncmp(s, "\\udc", 4) && sscanf(s + 4, "%2x", &b) == 1 && b >= 0x80) {
			*o++ = (char)b;
			s += 6;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

START_TEST(json_surrogate_escape)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		/* Well-formed text, controls escaped by json-c already, is left alone. */
		{ "{ \"file\": \"/tmp/\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\\u001b\" }",
		  "{ \"file\": \"/tmp/\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\\u001b\" }" },
		/* The values Python's bytes.decode("utf-8", "surrogateescape") gives. */
		{ "\"/tmp/\xff.blob\"", "\"/tmp/\\udcff.blob\"" },
		{ "\"\x80\xbf\"", "\"\\udc80\\udcbf\"" },
		{ "\"\xe2\x82" "A\"", "\"\\udce2\\udc82A\"" },
		{ "\"\xed\xa0\x80\"", "\"\\udced\\udca0\\udc80\"" },
		{ "\"\xc0\xaf\"", "\"\\udcc0\\udcaf\"" },
		{ "\"\xf4\x90\x80\x80\"", "\"\\udcf4\\udc90\\udc80\\udc80\"" },
		{ "\"\xc3\xa9\xff\xc3\xa9\"", "\"\xc3\xa9\\udcff\xc3\xa9\"" },
		{ "\"\xf0\x9f\x98\"", "\"\\udcf0\\udc9f\\udc98\"" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *out = json_out(t[i].in), *back;

		ck_assert_str_eq(out, t[i].out);
		ck_assert(all_utf8(out));
		back = json_back(out);
		ck_assert_str_eq(back, t[i].in);
		free(back);
		free(out);
	}
}
END_TEST

/* Any bytes (but NUL and the backslash, which json-c escapes itself) come back exactly. */
START_TEST(json_any_bytes_round_trip)
{
	char in[64], *out, *back;
	unsigned int seed = 22;
	int i, j, n;

	for (i = 0; i < 20000; i++) {
		n = rand_r(&seed) % (int)(sizeof(in) - 1);
		for (j = 0; j < n; j++) {
			do
				in[j] = (char)(rand_r(&seed) & 0xff);
			while (!in[j] || in[j] == '\\');
		}
		in[n] = '\0';
		out = json_out(in);
		ck_assert_msg(all_utf8(out), "case %d is not UTF-8", i);
		back = json_back(out);
		ck_assert_msg(!strcmp(back, in), "case %d does not come back", i);
		free(back);
		free(out);
	}
}
END_TEST

START_TEST(text_escapes)
{
	static const struct {
		const char *in, *out;
	} t[] = {
		{ "/var/tmp/vf3.blob", "/var/tmp/vf3.blob" },
		{ "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		  "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "\x1b[2J\x1b]0;owned\x07", "\\x1b[2J\\x1b]0;owned\\x07" },
		{ "a\nb\rc\td", "a\\nb\\rc\\td" },
		{ "del\x7f", "del\\x7f" },
		{ "back\\slash", "back\\\\slash" },
		/* C1 controls as UTF-8 (CSI, NEL) and as bare bytes. */
		{ "\xc2\x9b" "31m\xc2\x85", "\\xc2\\x9b31m\\xc2\\x85" },
		{ "\x9b" "31m", "\\x9b31m" },
		{ "\xff.blob", "\\xff.blob" },
		{ "\xe2\x82", "\\xe2\\x82" },
		/* Bidirectional overrides and line separators. */
		{ "a\xe2\x80\xaeg\xe2\x80\xa8", "a\\xe2\\x80\\xaeg\\xe2\\x80\\xa8" },
		{ "\xe2\x81\xa6x\xe2\x81\xa9", "\\xe2\\x81\\xa6x\\xe2\\x81\\xa9" },
		{ "", "" },
	};
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_uint_eq(text_escape(buf, sizeof(buf), t[i].in), strlen(t[i].out));
		ck_assert_str_eq(buf, t[i].out);
		ck_assert_int_eq(text_is_plain(t[i].in), !strcmp(t[i].in, t[i].out));
	}
}
END_TEST

START_TEST(text_escape_cut)
{
	char buf[8];

	/* Cut between escapes, never inside one; the length is the whole one's. */
	memset(buf, 'z', sizeof(buf));
	ck_assert_uint_eq(text_escape(buf, 6, "\x1b\x1b"), 8);
	ck_assert_str_eq(buf, "\\x1b");
	ck_assert_uint_eq(text_escape(buf, 5, "\x1b"), 4);
	ck_assert_str_eq(buf, "\\x1b");
	ck_assert_uint_eq(text_escape(buf, 4, "\x1b"), 4);
	ck_assert_str_eq(buf, "");
	ck_assert_uint_eq(text_escape(buf, 3, "ab\xe2\x82\xac"), 5);
	ck_assert_str_eq(buf, "ab");
	buf[0] = 'z';
	ck_assert_uint_eq(text_escape(buf, 0, "abc"), 3);
	ck_assert_int_eq(buf[0], 'z');
}
END_TEST

START_TEST(esc_room)
{
	static struct esc_room room;
	static char big[ESC_ROOM];
	const char *plain = "/dev/nvme0", *a, *b, *c;

	room.used = 0;
	ck_assert_ptr_eq(esc(&room, plain), plain);
	ck_assert_ptr_null(esc(&room, NULL));
	a = esc(&room, "x\ny");
	b = esc(&room, "\x1b");
	ck_assert_str_eq(a, "x\\ny");
	ck_assert_str_eq(b, "\\x1b");
	/* A string that does not fit is cut, marked, and the room never overflows. */
	memset(big, '\x1b', sizeof(big) - 1);
	c = esc(&room, big);
	ck_assert_uint_le(room.used, sizeof(room.buf));
	ck_assert_uint_gt(strlen(c), 1000);
	ck_assert_str_eq(c + strlen(c) - 3, "...");
	ck_assert_str_eq(c + strlen(c) - 7, "\\x1b...");
	ck_assert_str_eq(a, "x\\ny");
	ck_assert_str_eq(esc(&room, "\x1b"), "...");
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create(unit_name);
	TCase *tc = tcase_create("escape");

	tcase_add_test(tc, utf8_well_formed);
	tcase_add_test(tc, json_surrogate_escape);
	tcase_add_test(tc, json_any_bytes_round_trip);
	tcase_add_test(tc, text_escapes);
	tcase_add_test(tc, text_escape_cut);
	tcase_add_test(tc, esc_room);
	suite_add_tcase(s, tc);
	return s;
}
