// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The peer protocol's frames (plugins/intel-lm/wire.c): what is encoded decodes to the same
 * message; a frame cut anywhere asks for more; a flipped bit, a bad magic, an unknown type, a
 * length beyond the limit and another version are each refused as such; key=value payloads;
 * whole frames through a pipe, and a peer that goes away mid-frame.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "unit.h"
#include "wire.h"

const char unit_name[] = "unit-wire";

static uint8_t frame[WIRE_BUF_LEN];

START_TEST(round_trip)
{
	static const char pl[] = "device=/dev/nvme1\nvf=3\n";
	struct wire_msg m;
	size_t n, used;

	n = wire_encode(frame, sizeof(frame), WIRE_PREPARE, pl, sizeof(pl) - 1);
	ck_assert_uint_eq(n, WIRE_HDR_LEN + sizeof(pl) - 1);
	ck_assert_int_eq(memcmp(frame, "ILMW\0\1\0\2", 8), 0);
	ck_assert_int_eq(wire_decode(frame, n, &m, &used), 0);
	ck_assert_uint_eq(used, n);
	ck_assert_uint_eq(m.version, WIRE_VERSION);
	ck_assert_uint_eq(m.type, WIRE_PREPARE);
	ck_assert_uint_eq(m.len, sizeof(pl) - 1);
	ck_assert_int_eq(memcmp(m.payload, pl, m.len), 0);
	/* An empty payload. */
	n = wire_encode(frame, sizeof(frame), WIRE_BYE, NULL, 0);
	ck_assert_uint_eq(n, WIRE_HDR_LEN);
	ck_assert_int_eq(wire_decode(frame, n, &m, &used), 0);
	ck_assert_uint_eq(m.type, WIRE_BYE);
	ck_assert_uint_eq(m.len, 0);
	ck_assert_str_eq(wire_type_name(WIRE_BYE), "BYE");
	ck_assert_str_eq(wire_type_name(999), "unknown");
}
END_TEST

START_TEST(truncated)
{
	static const char pl[] = "0123456789";
	struct wire_msg m;
	size_t n, cut, used;

	n = wire_encode(frame, sizeof(frame), WIRE_DATA, pl, 10);
	for (cut = 0; cut < n; cut++) {
		ck_assert_msg(wire_decode(frame, cut, &m, &used) == -EAGAIN, "cut at %zu", cut);
		if (cut >= WIRE_HDR_LEN)
			ck_assert_uint_eq(used, n);
	}
	ck_assert_int_eq(wire_decode(frame, n, &m, &used), 0);
}
END_TEST

START_TEST(corrupt)
{
	static const char pl[] = "size=4096\ncrc=1234\n";
	struct wire_msg m;
	size_t n, bit, used;

	n = wire_encode(frame, sizeof(frame), WIRE_BEGIN, pl, sizeof(pl) - 1);
	/* Any one bit flipped is refused, wherever it is (as what it looks like). */
	for (bit = 0; bit < n * 8; bit++) {
		int ret;

		frame[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ret = wire_decode(frame, n, &m, &used);
		ck_assert_msg(ret == -EBADMSG || ret == -EPROTONOSUPPORT || ret == -EMSGSIZE ||
			      ret == -EAGAIN, "bit %zu flipped: %d", bit, ret);
		/* A version flip names the version seen. */
		if (ret == -EPROTONOSUPPORT)
			ck_assert_uint_ne(m.version, WIRE_VERSION);
		frame[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	ck_assert_int_eq(wire_decode(frame, n, &m, &used), 0);
	/* A bad magic is refused as soon as it is seen. */
	memcpy(frame, "SSH-", 4);
	ck_assert_int_eq(wire_decode(frame, 4, &m, &used), -EBADMSG);
	ck_assert_int_eq(wire_decode(frame, n, &m, &used), -EBADMSG);
}
END_TEST

/* Rewrite a header field and the CRC over it, as a peer of another kind would send. */
static void forge(uint8_t *f, size_t off, uint32_t v, int bytes, uint32_t plen)
{
	uint32_t crc;
	int i;

	for (i = 0; i < bytes; i++)
		f[off + (size_t)i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	crc = (uint32_t)crc32(crc32(0L, f, 12), f + WIRE_HDR_LEN, plen);
	f[12] = (uint8_t)(crc >> 24);
	f[13] = (uint8_t)(crc >> 16);
	f[14] = (uint8_t)(crc >> 8);
	f[15] = (uint8_t)crc;
}

START_TEST(version_type_length)
{
	struct wire_msg m;
	size_t n, used;

	n = wire_encode(frame, sizeof(frame), WIRE_HELLO, "version=1\n", 10);
	/* Another version: refused with the version seen, before anything else is read. */
	forge(frame, 4, 2, 2, 10);
	ck_assert_int_eq(wire_decode(frame, 6, &m, &used), -EPROTONOSUPPORT);
	ck_assert_uint_eq(m.version, 2);
	ck_assert_int_eq(wire_decode(frame, n, &m, &used), -EPROTONOSUPPORT);
	forge(frame, 4, WIRE_VERSION, 2, 10);
	ck_assert_int_eq(wire_decode(frame, n, &m, &used), 0);
	/* Unknown types. */
	forge(frame, 6, 0, 2, 10);
	ck_assert_int_eq(wire_decode(frame, n, &m, &used), -EBADMSG);
	forge(frame, 6, WIRE_TYPES, 2, 10);
	ck_assert_int_eq(wire_decode(frame, n, &m, &used), -EBADMSG);
	forge(frame, 6, WIRE_HELLO, 2, 10);
	/* A length beyond the limit is refused from the header alone. */
	forge(frame, 8, WIRE_MAX_PAYLOAD + 1, 4, 0);
	ck_assert_int_eq(wire_decode(frame, WIRE_HDR_LEN, &m, &used), -EMSGSIZE);
	forge(frame, 8, UINT32_MAX, 4, 0);
	ck_assert_int_eq(wire_decode(frame, WIRE_HDR_LEN, &m, &used), -EMSGSIZE);
	/* The largest payload goes; one byte more is not encoded. */
	ck_assert_uint_eq(wire_encode(frame, sizeof(frame), WIRE_DATA, frame + WIRE_HDR_LEN,
				      WIRE_MAX_PAYLOAD), WIRE_BUF_LEN);
	ck_assert_int_eq(wire_decode(frame, WIRE_BUF_LEN, &m, &used), 0);
	ck_assert_uint_eq(wire_encode(frame, sizeof(frame), WIRE_DATA, frame,
				      WIRE_MAX_PAYLOAD + 1), 0);
	ck_assert_uint_eq(wire_encode(frame, 20, WIRE_DATA, "0123456789", 10), 0);
}
END_TEST

START_TEST(key_values)
{
	char buf[64] = "", v[16];
	struct wire_msg m = { 0 };

	ck_assert_int_eq(wire_kv_add(buf, sizeof(buf), "device", "%s", "/dev/nvme1"), 0);
	ck_assert_int_eq(wire_kv_add(buf, sizeof(buf), "vf", "%u", 3u), 0);
	ck_assert_str_eq(buf, "device=/dev/nvme1\nvf=3\n");
	/* A value with a line end would forge a key: refused, the buffer as it was. */
	ck_assert_int_eq(wire_kv_add(buf, sizeof(buf), "x", "%s", "1\nvf=4"), -E2BIG);
	ck_assert_str_eq(buf, "device=/dev/nvme1\nvf=3\n");
	ck_assert_int_eq(wire_kv_add(buf, sizeof(buf), "long", "%s",
				     "0123456789012345678901234567890123456789"), -E2BIG);
	ck_assert_str_eq(buf, "device=/dev/nvme1\nvf=3\n");
	m.payload = (const uint8_t *)buf;
	m.len = (uint32_t)strlen(buf);
	ck_assert_int_eq(wire_kv(&m, "vf", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "3");
	ck_assert_int_eq(wire_kv(&m, "device", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "/dev/nvme1");
	ck_assert_int_eq(wire_kv(&m, "device", v, 5), -E2BIG);
	ck_assert_int_eq(wire_kv(&m, "dev", v, sizeof(v)), -ENOENT);
	ck_assert_int_eq(wire_kv(&m, "v", v, sizeof(v)), -ENOENT);
	/* Malformed: no line end, no '=', a NUL. */
	m.payload = (const uint8_t *)"vf=3";
	m.len = 4;
	ck_assert_int_eq(wire_kv(&m, "vf", v, sizeof(v)), -EBADMSG);
	m.payload = (const uint8_t *)"junk\nvf=3\n";
	m.len = 10;
	ck_assert_int_eq(wire_kv(&m, "vf", v, sizeof(v)), -EBADMSG);
	m.payload = (const uint8_t *)"vf=3\0\n";
	m.len = 6;
	ck_assert_int_eq(wire_kv(&m, "vf", v, sizeof(v)), -EBADMSG);
}
END_TEST

START_TEST(through_a_pipe)
{
	static uint8_t big[WIRE_MAX_PAYLOAD], in[WIRE_BUF_LEN];
	struct wire_msg m;
	int fd[2];
	size_t i;
	pid_t pid;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		close(fd[0]);
		if (wire_send(fd[1], WIRE_HELLO, "version=1\n", 10) ||
		    wire_send(fd[1], WIRE_DATA, big, sizeof(big)))
			_exit(1);
		/* Half a frame, then gone. */
		(void)!write(fd[1], "ILMW\0\1\0\5\0\0\0\x10", 12);
		_exit(0);
	}
	close(fd[1]);
	ck_assert_int_eq(wire_recv(fd[0], in, &m), 0);
	ck_assert_uint_eq(m.type, WIRE_HELLO);
	ck_assert_int_eq(wire_recv(fd[0], in, &m), 0);
	ck_assert_uint_eq(m.type, WIRE_DATA);
	ck_assert_uint_eq(m.len, sizeof(big));
	ck_assert_int_eq(memcmp(m.payload, big, sizeof(big)), 0);
	ck_assert_int_eq(wire_recv(fd[0], in, &m), -ECONNRESET);
	ck_assert_int_eq(wire_recv(fd[0], in, &m), -ECONNRESET);
	close(fd[0]);
	ck_assert_int_eq(wire_send(-1, WIRE_BYE, NULL, 0), -EBADF);
	ck_assert_int_eq(wire_send(1, WIRE_DATA, big, WIRE_MAX_PAYLOAD + 1), -EMSGSIZE);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("frames");

	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, truncated);
	tcase_add_test(tc, corrupt);
	tcase_add_test(tc, version_type_length);
	tcase_add_test(tc, key_values);
	tcase_add_test(tc, through_a_pipe);
	suite_add_tcase(s, tc);
	return s;
}
