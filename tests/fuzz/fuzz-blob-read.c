// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: intel_lm_blob_read() and intel_lm_raw_read() from a file (a memfd) and from
 * a pipe, as load reads a file or standard input. Whatever they return must be what the
 * in-memory checks say about the same bytes, and a state they accept must be those bytes.
 *
 * The input: one byte choosing the largest payload to accept, then the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libintel-lm-private.h>
#include <intel-lm/blob.h>

#include "fuzz.h"

#define HDR INTEL_LM_BLOB_HDR_LEN
#define PIPE_MAX 65536	/* a pipe's default capacity: all of it is written before reading */

static const uint32_t maxes[] = { 1, 64, 255, 256, 4096, 65536, 256u << 10, 1u << 20 };

/* What intel_lm_blob_read() must return for @file, from the in-memory functions. */
static int expected_blob(const uint8_t *file, size_t len, uint32_t max)
{
	struct intel_lm_blob_hdr hdr;
	size_t rest;
	int ret;

	ret = intel_lm_blob_decode(file, len < HDR ? len : HDR, &hdr);
	if (ret)
		return ret;
	if (hdr.payload_len > max)
		return -EFBIG;
	rest = len - HDR;
	/* Only payload_len bytes are read and checked; then one more byte means too long. */
	if (rest > hdr.payload_len)
		return intel_lm_blob_check_payload(&hdr, file + HDR, hdr.payload_len) ?: -E2BIG;
	return intel_lm_blob_check_payload(&hdr, file + HDR, rest);
}

static void check_blob_read(int fd, const uint8_t *file, size_t len, uint32_t max, int want)
{
	struct intel_lm_blob_hdr hdr;
	void *payload = (void *)1;
	int ret;

	ret = intel_lm_blob_read(fd, max, &hdr, &payload);
	if (ret != want)
		fprintf(stderr, "intel_lm_blob_read: %d, expected %d\n", ret, want);
	FUZZ_ASSERT(ret == want);
	if (ret) {
		FUZZ_ASSERT(payload == NULL);
		return;
	}
	FUZZ_ASSERT(payload && hdr.payload_len == len - HDR);
	FUZZ_ASSERT(!memcmp(payload, file + HDR, hdr.payload_len));
	intel_lm_state_free(payload, hdr.payload_len);
}

static void check_raw_read(int fd, const uint8_t *file, size_t len, uint32_t max)
{
	void *payload = (void *)1;
	uint32_t got = 1;
	int ret;

	ret = intel_lm_raw_read(fd, max, &payload, &got);
	if (!len) {
		FUZZ_ASSERT(ret == -ENODATA);
	} else if (len > max) {
		FUZZ_ASSERT(ret == -EFBIG);
	} else {
		FUZZ_ASSERT(ret == 0 && got == len && !memcmp(payload, file, len));
		intel_lm_state_free(payload, got);
		return;
	}
	FUZZ_ASSERT(payload == NULL && got == 0);
}

static int memfd_with(const uint8_t *file, size_t len)
{
	int fd = memfd_create("fuzz-blob", MFD_CLOEXEC);

	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(write(fd, file, len) == (ssize_t)len);
	FUZZ_ASSERT(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}

/* A pipe holding @file, its write end closed: a reader sees the bytes, then end of file. */
static int pipe_with(const uint8_t *file, size_t len)
{
	int p[2];

	FUZZ_ASSERT(pipe2(p, O_CLOEXEC) == 0);
	FUZZ_ASSERT(write(p[1], file, len) == (ssize_t)len);
	close(p[1]);
	return p[0];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *file = data + 1;
	size_t len;
	uint32_t max;
	int fd, want;

	if (!size)
		return 0;
	max = maxes[data[0] % (sizeof(maxes) / sizeof(maxes[0]))];
	len = size - 1;
	want = expected_blob(file, len, max);

	fd = memfd_with(file, len);
	check_blob_read(fd, file, len, max, want);
	FUZZ_ASSERT(lseek(fd, 0, SEEK_SET) == 0);
	check_raw_read(fd, file, len, max);
	close(fd);

	if (len > PIPE_MAX)
		return 0;
	fd = pipe_with(file, len);
	check_blob_read(fd, file, len, max, want);
	close(fd);
	fd = pipe_with(file, len);
	check_raw_read(fd, file, len, max);
	close(fd);
	return 0;
}
