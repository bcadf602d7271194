// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The state blob: round trips, every header field, truncation at every byte, extreme values,
 * and the identity check.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include <libintel-lm-private.h>

#include "unit.h"

const char unit_name[] = "unit-blob";

static const struct intel_lm_ctrl_info src = {
	.vid = 0x8086, .ssvid = 0x8086, .sn = "PHAB0001", .mn = "Intel IPU E2100 NVMe",
	.fr = "3.1.7", .mdts = 6, .cntlid = 1, .lm_byte = 1,
};

static uint8_t payload[2100];
static uint8_t file[INTEL_LM_BLOB_HDR_LEN + sizeof(payload)];

static void make_blob(void)
{
	struct intel_lm_blob_hdr h;
	size_t i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	intel_lm_blob_hdr_init(&h, &src, 3, payload, sizeof(payload), 1700000000);
	intel_lm_blob_encode(&h, file);
	memcpy(file + INTEL_LM_BLOB_HDR_LEN, payload, sizeof(payload));
}

/* Re-seal the header checksum after a test changed a field on purpose. */
static void reseal(void)
{
	uint32_t c = (uint32_t)crc32(0, file, 252);

	file[252] = (uint8_t)c;
	file[253] = (uint8_t)(c >> 8);
	file[254] = (uint8_t)(c >> 16);
	file[255] = (uint8_t)(c >> 24);
}

START_TEST(round_trip)
{
	struct intel_lm_blob_hdr h;

	make_blob();
	ck_assert_int_eq(memcmp(file, "INTELLM\x1a", 8), 0);
	ck_assert_uint_eq(file[8], 1);		/* version, little-endian */
	ck_assert_uint_eq(file[9], 0);
	ck_assert_uint_eq(file[10], 0);		/* header length 256 */
	ck_assert_uint_eq(file[11], 1);
	ck_assert_uint_eq(file[12], 3);		/* source VF */
	ck_assert_uint_eq(file[16] | (file[17] << 8), sizeof(payload));
	ck_assert_int_eq(intel_lm_blob_decode(file, sizeof(file), &h), 0);
	ck_assert_uint_eq(h.version, 1);
	ck_assert_uint_eq(h.hdr_len, 256);
	ck_assert_uint_eq(h.vf, 3);
	ck_assert_uint_eq(h.payload_len, sizeof(payload));
	ck_assert_uint_eq(h.payload_crc, (uint32_t)crc32(0, payload, sizeof(payload)));
	ck_assert_int_eq(h.created, 1700000000);
	ck_assert_uint_eq(h.vid, 0x8086);
	ck_assert_str_eq(h.sn, "PHAB0001");
	ck_assert_str_eq(h.mn, "Intel IPU E2100 NVMe");
	ck_assert_str_eq(h.fr, "3.1.7");
	ck_assert_str_eq(h.tool, "intel-lm " INTEL_LM_VERSION);
	ck_assert_int_eq(intel_lm_blob_check_payload(&h, file + 256, sizeof(payload)), 0);
}
END_TEST

START_TEST(truncated_at_every_header_byte)
{
	struct intel_lm_blob_hdr h;
	size_t len;

	make_blob();
	for (len = 0; len < INTEL_LM_BLOB_HDR_LEN; len++)
		ck_assert_msg(intel_lm_blob_decode(file, len, &h) == -ENODATA,
			      "a header cut at %zu bytes was not called truncated", len);
}
END_TEST

START_TEST(bad_magic_version_crc)
{
	struct intel_lm_blob_hdr h;

	make_blob();
	file[0] = 'X';
	ck_assert_int_eq(intel_lm_blob_decode(file, sizeof(file), &h), -EILSEQ);
	ck_assert_int_eq(intel_lm_blob_decode(file, 3, &h), -EILSEQ);
	make_blob();
	file[8] = 2;
	ck_assert_int_eq(intel_lm_blob_decode(file, sizeof(file), &h), -EPROTONOSUPPORT);
	make_blob();
	file[100] ^= 1;		/* a flipped bit in the model */
	ck_assert_int_eq(intel_lm_blob_decode(file, sizeof(file), &h), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(intel_lm_blob_strerror(-EBADMSG), "corrupt"));
}
END_TEST

START_TEST(extreme_fields)
{
	struct intel_lm_blob_hdr h;

	/* Each impossible field, with a valid header checksum, is refused. */
	make_blob();
	file[10] = 0xff;
	file[11] = 0xff;
	reseal();
	ck_assert_int_eq(intel_lm_blob_decode(file, sizeof(file), &h), -EPROTO);
	make_blob();
	file[12] = 0;
	file[13] = 0;
	reseal();
	ck_assert_int_eq(intel_lm_blob_decode(file, sizeof(file), &h), -EPROTO);
	make_blob();
	memset(file + 16, 0, 4);
	reseal();
	ck_assert_int_eq(intel_lm_blob_decode(file, sizeof(file), &h), -EPROTO);
	make_blob();
	file[14] = 1;		/* unknown flag */
	reseal();
	ck_assert_int_eq(intel_lm_blob_decode(file, sizeof(file), &h), -EPROTO);
	/* The largest payload length decodes; reading it is bounded by the caller's max. */
	make_blob();
	memset(file + 16, 0xff, 4);
	reseal();
	ck_assert_int_eq(intel_lm_blob_decode(file, sizeof(file), &h), 0);
	ck_assert_uint_eq(h.payload_len, UINT32_MAX);
	ck_assert_int_eq(intel_lm_blob_check_payload(&h, file + 256, sizeof(payload)), -ENODATA);
	/* Control characters in strings come back printable. */
	make_blob();
	file[56] = 0x1b;
	file[57] = '\n';
	reseal();
	ck_assert_int_eq(intel_lm_blob_decode(file, sizeof(file), &h), 0);
	ck_assert_int_eq(h.mn[0], '?');
	ck_assert_int_eq(h.mn[1], '?');
}
END_TEST

START_TEST(payload_checks)
{
	struct intel_lm_blob_hdr h;

	make_blob();
	ck_assert_int_eq(intel_lm_blob_decode(file, sizeof(file), &h), 0);
	ck_assert_int_eq(intel_lm_blob_check_payload(&h, file + 256, sizeof(payload) - 1),
			 -ENODATA);
	ck_assert_int_eq(intel_lm_blob_check_payload(&h, file + 256, sizeof(payload) + 1), -E2BIG);
	file[300] ^= 0x80;
	ck_assert_int_eq(intel_lm_blob_check_payload(&h, file + 256, sizeof(payload)), -EBADMSG);
}
END_TEST

START_TEST(identity)
{
	struct intel_lm_blob_hdr h;
	struct intel_lm_ctrl_info dst = src;
	char why[256];

	make_blob();
	ck_assert_int_eq(intel_lm_blob_decode(file, sizeof(file), &h), 0);
	/* Another serial is another device of the same kind: fine. */
	strcpy(dst.sn, "PHAB0002");
	ck_assert_int_eq(intel_lm_blob_check_identity(&h, &dst, why, sizeof(why)), 0);
	strcpy(dst.fr, "3.1.8");
	ck_assert_int_eq(intel_lm_blob_check_identity(&h, &dst, why, sizeof(why)), -EXDEV);
	ck_assert_str_eq(why, "firmware differs (blob \"3.1.7\", destination \"3.1.8\")");
	strcpy(dst.mn, "Other");
	dst.vid = 0x1b36;
	ck_assert_int_eq(intel_lm_blob_check_identity(&h, &dst, why, sizeof(why)), -EXDEV);
	ck_assert_ptr_nonnull(strstr(why, "PCI vendor differs"));
	ck_assert_ptr_nonnull(strstr(why, "model differs"));
	ck_assert_ptr_nonnull(strstr(why, "firmware differs"));
}
END_TEST

/* Write @len bytes of @buf to a pipe and read a blob back with @max. */
static int read_through_pipe(const uint8_t *buf, size_t len, uint32_t max, void **out,
			     struct intel_lm_blob_hdr *h)
{
	int fds[2], ret;

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(fcntl(fds[1], F_SETPIPE_SZ, 1 << 20) >= (int)len, 1);
	ck_assert_int_eq(write(fds[1], buf, len), (ssize_t)len);
	close(fds[1]);
	ret = intel_lm_blob_read(fds[0], max, h, out);
	close(fds[0]);
	return ret;
}

START_TEST(read_stream)
{
	struct intel_lm_blob_hdr h;
	uint8_t longer[sizeof(file) + 1];
	void *out;

	make_blob();
	ck_assert_int_eq(read_through_pipe(file, sizeof(file), 4096, &out, &h), 0);
	ck_assert_int_eq(memcmp(out, payload, sizeof(payload)), 0);
	intel_lm_state_free(out, h.payload_len);
	/* Larger than the destination takes: refused before the payload is read. */
	ck_assert_int_eq(read_through_pipe(file, sizeof(file), 2099, &out, &h), -EFBIG);
	ck_assert_ptr_null(out);
	/* Truncated payload, and bytes after it. */
	ck_assert_int_eq(read_through_pipe(file, sizeof(file) - 1, 4096, &out, &h), -ENODATA);
	memcpy(longer, file, sizeof(file));
	longer[sizeof(file)] = 0;
	ck_assert_int_eq(read_through_pipe(longer, sizeof(longer), 4096, &out, &h), -E2BIG);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(raw_stream)
{
	uint32_t len;
	void *out;
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], payload, 100), 100);
	close(fds[1]);
	ck_assert_int_eq(intel_lm_raw_read(fds[0], 100, &out, &len), 0);
	ck_assert_uint_eq(len, 100);
	intel_lm_state_free(out, len);
	close(fds[0]);

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], payload, 101), 101);
	close(fds[1]);
	ck_assert_int_eq(intel_lm_raw_read(fds[0], 100, &out, &len), -EFBIG);
	close(fds[0]);

	ck_assert_int_eq(pipe(fds), 0);
	close(fds[1]);
	ck_assert_int_eq(intel_lm_raw_read(fds[0], 100, &out, &len), -ENODATA);
	close(fds[0]);
}
END_TEST

/* A raw state larger than a pipe holds, from a writer process, and from a file. */
START_TEST(raw_large_stream_and_file)
{
	static uint8_t big[300000];
	char path[] = "/tmp/intel-lm-raw-XXXXXX";
	uint32_t len;
	void *out;
	int fds[2], fd;
	pid_t pid;
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13 + 7);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(write(fds[1], big, sizeof(big)) == (ssize_t)sizeof(big) ? 0 : 1);
	}
	close(fds[1]);
	ck_assert_int_eq(intel_lm_raw_read(fds[0], 4u << 20, &out, &len), 0);
	ck_assert_uint_eq(len, sizeof(big));
	ck_assert_int_eq(memcmp(out, big, sizeof(big)), 0);
	intel_lm_state_free(out, len);
	close(fds[0]);
	waitpid(pid, NULL, 0);

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, big, 5000), 5000);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(intel_lm_raw_read(fd, 4u << 20, &out, &len), 0);
	ck_assert_uint_eq(len, 5000);
	ck_assert_int_eq(memcmp(out, big, 5000), 0);
	intel_lm_state_free(out, len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(intel_lm_raw_read(fd, 4999, &out, &len), -EFBIG);
	ck_assert_ptr_null(out);
	close(fd);
	unlink(path);
}
END_TEST

/* The writer: what save writes, read back by the reader; nothing left behind on failure. */
START_TEST(write_and_read_back)
{
	char dir[] = "/tmp/intel-lm-blob-XXXXXX", path[64];
	struct intel_lm_outfile *out;
	struct intel_lm_blob_hdr h;
	struct stat st;
	uint32_t len, crc;
	void *back;
	int fd;

	make_blob();
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	ck_assert_int_eq(intel_lm_outfile_open(&out, path, false), 0);
	ck_assert_int_eq(intel_lm_blob_write(out, &src, 3, payload, sizeof(payload)), 0);
	ck_assert(intel_lm_outfile_placed(out));
	intel_lm_outfile_free(out);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(intel_lm_blob_read(fd, 1 << 20, &h, &back), 0);
	close(fd);
	ck_assert_uint_eq(h.vf, 3);
	ck_assert_str_eq(h.sn, "PHAB0001");
	ck_assert_str_eq(h.tool, "intel-lm " INTEL_LM_VERSION);
	ck_assert_int_eq(memcmp(back, payload, sizeof(payload)), 0);
	intel_lm_state_free(back, h.payload_len);
	/* A raw state: the bytes alone. */
	ck_assert_int_eq(intel_lm_outfile_open(&out, path, true), 0);
	ck_assert_int_eq(intel_lm_blob_write(out, NULL, 3, payload, sizeof(payload)), 0);
	intel_lm_outfile_free(out);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(intel_lm_raw_read(fd, 1 << 20, &back, &len), 0);
	close(fd);
	ck_assert_uint_eq(len, sizeof(payload));
	ck_assert_int_eq(memcmp(back, payload, sizeof(payload)), 0);
	intel_lm_state_free(back, len);
	/* The state's CRC-32 for the caller: the header's for a blob, computed alike when raw. */
	crc = 0;
	ck_assert_int_eq(intel_lm_outfile_open(&out, path, true), 0);
	ck_assert_int_eq(intel_lm_blob_write_crc(out, &src, 3, payload, sizeof(payload), &crc), 0);
	intel_lm_outfile_free(out);
	ck_assert_uint_eq(crc, (uint32_t)crc32(0L, payload, sizeof(payload)));
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(intel_lm_blob_read(fd, 1 << 20, &h, &back), 0);
	close(fd);
	ck_assert_uint_eq(h.payload_crc, crc);
	intel_lm_state_free(back, h.payload_len);
	crc = 0;
	ck_assert_int_eq(intel_lm_outfile_open(&out, path, true), 0);
	ck_assert_int_eq(intel_lm_blob_write_crc(out, NULL, 3, payload, sizeof(payload), &crc), 0);
	intel_lm_outfile_free(out);
	ck_assert_uint_eq(crc, (uint32_t)crc32(0L, payload, sizeof(payload)));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, sizeof(payload));
	/* Nothing to write: refused, and the earlier file is untouched. */
	ck_assert_int_eq(intel_lm_outfile_open(&out, path, true), 0);
	ck_assert_int_eq(intel_lm_blob_write(out, &src, 3, payload, 0), -EINVAL);
	intel_lm_outfile_free(out);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, sizeof(payload));
	unlink(path);
	ck_assert_int_eq(rmdir(dir), 0);	/* no temporary file left behind */
}
END_TEST

START_TEST(write_fd)
{
	struct intel_lm_blob_hdr h;
	int fds[2], full;
	void *back;

	make_blob();
	ck_assert_int_eq(pipe(fds), 0);
	fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
	ck_assert_int_eq(intel_lm_blob_write_fd(fds[1], &src, 3, payload, sizeof(payload)), 0);
	close(fds[1]);
	ck_assert_int_eq(intel_lm_blob_read(fds[0], 1 << 20, &h, &back), 0);
	close(fds[0]);
	ck_assert_int_eq(memcmp(back, payload, sizeof(payload)), 0);
	intel_lm_state_free(back, h.payload_len);
	/* A full device and a reader that went away come back as errnos. */
	full = open("/dev/full", O_WRONLY);
	ck_assert_int_ge(full, 0);
	ck_assert_int_eq(intel_lm_blob_write_fd(full, &src, 3, payload, sizeof(payload)), -ENOSPC);
	close(full);
	ck_assert_int_eq(pipe(fds), 0);
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(intel_lm_blob_write_fd(fds[1], NULL, 3, payload, sizeof(payload)), -EPIPE);
	close(fds[1]);
	ck_assert_int_eq(intel_lm_blob_write_fd(1, &src, 3, NULL, 4), -EINVAL);
}
END_TEST

/* Bytes 224..227: the protocol and format; old blobs (zeros) read as Intel's. */
START_TEST(protocol_bytes)
{
	struct intel_lm_proto tp = { .protocol = INTEL_LM_PROTO_TP4159, .csvi = 1, .csuuidi = 2,
				     .uidx = 3 };
	struct intel_lm_proto tp_other = { .protocol = INTEL_LM_PROTO_TP4159 };
	struct intel_lm_blob_hdr h, d;
	char why[256];
	int i;

	make_blob();
	for (i = 224; i < 252; i++)
		ck_assert_uint_eq(file[i], 0);
	ck_assert_int_eq(intel_lm_blob_decode(file, sizeof(file), &d), 0);
	ck_assert_uint_eq(d.protocol, INTEL_LM_PROTO_INTEL);
	ck_assert_int_eq(intel_lm_blob_check_proto(&d, NULL, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	ck_assert_int_eq(intel_lm_blob_check_proto(&d, &tp, why, sizeof(why)), -EPROTO);
	ck_assert_str_eq(why, "it was saved over intel and this PF moves states with tp4159: the "
			 "two lay a state out differently");

	intel_lm_blob_hdr_init(&h, &src, 3, payload, sizeof(payload), 1700000000);
	intel_lm_blob_hdr_proto(&h, &tp);
	intel_lm_blob_encode(&h, file);
	ck_assert_uint_eq(file[224], 1);
	ck_assert_uint_eq(file[225], 1);
	ck_assert_uint_eq(file[226], 2);
	ck_assert_uint_eq(file[227], 3);
	for (i = 228; i < 252; i++)
		ck_assert_uint_eq(file[i], 0);
	ck_assert_int_eq(intel_lm_blob_decode(file, sizeof(file), &d), 0);
	ck_assert_uint_eq(d.protocol, INTEL_LM_PROTO_TP4159);
	ck_assert_uint_eq(d.csvi, 1);
	ck_assert_uint_eq(d.csuuidi, 2);
	ck_assert_uint_eq(d.uidx, 3);
	ck_assert_int_eq(intel_lm_blob_check_proto(&d, &tp, why, sizeof(why)), 0);
	ck_assert_int_eq(intel_lm_blob_check_proto(&d, NULL, why, sizeof(why)), -EPROTO);
	ck_assert_str_eq(why, "it was saved over tp4159 and this PF moves states with intel: the "
			 "two lay a state out differently");
	ck_assert_int_eq(intel_lm_blob_check_proto(&d, &tp_other, why, sizeof(why)), -EPROTO);
	ck_assert_str_eq(why, "it was saved in TP4159 controller state format CSVI 1, CSUUIDI 2, "
			 "UIDX 3 and this PF uses CSVI 0, CSUUIDI 0, UIDX 0");

	/* A protocol this intel-lm does not know: an impossible header. */
	file[224] = 2;
	reseal();
	ck_assert_int_eq(intel_lm_blob_decode(file, sizeof(file), &d), -EPROTO);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create(unit_name);
	TCase *tc = tcase_create("blob");

	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, protocol_bytes);
	tcase_add_test(tc, truncated_at_every_header_byte);
	tcase_add_test(tc, bad_magic_version_crc);
	tcase_add_test(tc, extreme_fields);
	tcase_add_test(tc, payload_checks);
	tcase_add_test(tc, identity);
	tcase_add_test(tc, read_stream);
	tcase_add_test(tc, raw_stream);
	tcase_add_test(tc, raw_large_stream_and_file);
	tcase_add_test(tc, write_and_read_back);
	tcase_add_test(tc, write_fd);
	suite_add_tcase(s, tc);
	return s;
}
