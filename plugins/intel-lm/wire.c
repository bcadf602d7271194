// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The peer protocol's frames (wire.h): pure encoding and decoding, and whole reads and writes
 * of frames on a file descriptor. The frame is hand-written (16 bytes of header): the two
 * ends are the same program and the channel is ssh's byte stream, so a general serialisation
 * library would add a dependency and nothing the CRC-32 (zlib) and the version do not.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <zlib.h>

#include <libintel-lm-private.h>

#include "wire.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t frame_crc(const uint8_t *hdr, const void *payload, uint32_t len)
{
	uLong crc = crc32(0L, hdr, 12);

	if (len)
		crc = crc32(crc, payload, len);
	return (uint32_t)crc;
}

size_t wire_encode(void *buf, size_t cap, uint16_t type, const void *payload, uint32_t len)
{
	uint8_t *p = buf;

	if (len > WIRE_MAX_PAYLOAD || cap < WIRE_HDR_LEN + (size_t)len)
		return 0;
	put32(p, WIRE_MAGIC);
	put16(p + 4, WIRE_VERSION);
	put16(p + 6, type);
	put32(p + 8, len);
	if (len)
		memmove(p + WIRE_HDR_LEN, payload, len);
	put32(p + 12, frame_crc(p, p + WIRE_HDR_LEN, len));
	return WIRE_HDR_LEN + (size_t)len;
}

int wire_decode(const void *buf, size_t len, struct wire_msg *m, size_t *used)
{
	const uint8_t *p = buf;
	uint32_t plen;

	*used = WIRE_HDR_LEN;
	memset(m, 0, sizeof(*m));
	if (len < 6)
		return len >= 4 && get32(p) != WIRE_MAGIC ? -EBADMSG : -EAGAIN;
	if (get32(p) != WIRE_MAGIC)
		return -EBADMSG;
	/* The version first: another version's header may not be this one's. */
	m->version = get16(p + 4);
	if (m->version != WIRE_VERSION)
		return -EPROTONOSUPPORT;
	if (len < WIRE_HDR_LEN)
		return -EAGAIN;
	m->type = get16(p + 6);
	plen = get32(p + 8);
	if (plen > WIRE_MAX_PAYLOAD)
		return -EMSGSIZE;
	*used = WIRE_HDR_LEN + (size_t)plen;
	if (len < *used)
		return -EAGAIN;
	if (frame_crc(p, p + WIRE_HDR_LEN, plen) != get32(p + 12))
		return -EBADMSG;
	if (m->type == 0 || m->type >= WIRE_TYPES)
		return -EBADMSG;
	m->len = plen;
	m->payload = p + WIRE_HDR_LEN;
	return 0;
}

const char *wire_type_name(uint16_t type)
{
	static const char *const names[WIRE_TYPES] = {
		[WIRE_HELLO] = "HELLO", [WIRE_PREPARE] = "PREPARE", [WIRE_READY] = "READY",
		[WIRE_BEGIN] = "BEGIN", [WIRE_DATA] = "DATA", [WIRE_LOAD] = "LOAD",
		[WIRE_RESUME] = "RESUME", [WIRE_ABORT] = "ABORT", [WIRE_OK] = "OK",
		[WIRE_FAIL] = "FAIL", [WIRE_BYE] = "BYE", [WIRE_SETTLE] = "SETTLE",
	};

	return type && type < WIRE_TYPES ? names[type] : "unknown";
}

struct kv_find {
	const char *key;
	size_t klen;
	char *out;
	size_t len;
};

/* The first line of the key sought: 1 once copied, -E2BIG when it does not fit. */
static int kv_match(void *priv, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct kv_find *f = priv;

	if (klen != f->klen || memcmp(key, f->key, klen))
		return 0;
	if (vlen >= f->len)
		return -E2BIG;
	memcpy(f->out, val, vlen);
	f->out[vlen] = '\0';
	return 1;
}

int wire_kv(const struct wire_msg *m, const char *key, char *out, size_t len)
{
	struct kv_find f = { .key = key, .klen = strlen(key), .out = out, .len = len };
	int ret;

	if (m->len && memchr(m->payload, '\0', m->len))
		return -EBADMSG;
	/* The record's parser (lib/record.c): one walk of key=value lines for both. */
	ret = intel_lm_kv_walk((const char *)m->payload, m->len, kv_match, &f);
	return ret == 1 ? 0 : ret ? ret : -ENOENT;
}

int wire_kv_add(char *buf, size_t len, const char *key, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	char val[1024];
	va_list ap;
	int v, n;

	va_start(ap, fmt);
	v = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	/* A value holds no line end: it would forge another key. */
	if (v < 0 || (size_t)v >= sizeof(val) || strchr(val, '\n') || used >= len)
		return -E2BIG;
	n = snprintf(buf + used, len - used, "%s=%s\n", key, val);
	if (n < 0 || (size_t)n >= len - used) {
		buf[used] = '\0';
		return -E2BIG;
	}
	return 0;
}

/* The iovecs whole: one writev() while the pipe takes it, the rest as it goes. */
static int write_all(int fd, struct iovec *iov, int cnt)
{
	while (cnt) {
		ssize_t n = writev(fd, iov, cnt);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		while (cnt && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* 0, -ECONNRESET at end of file (also in the middle: a cut frame), or read()'s errno. */
static int read_all(int fd, uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int wire_send(int fd, uint16_t type, const void *payload, uint32_t len)
{
	uint8_t hdr[WIRE_HDR_LEN];
	struct iovec iov[2];
	uint32_t crc;

	if (len > WIRE_MAX_PAYLOAD)
		return -EMSGSIZE;
	/* The header alone, then the payload where it is: no copy of a state's bytes. */
	put32(hdr, WIRE_MAGIC);
	put16(hdr + 4, WIRE_VERSION);
	put16(hdr + 6, type);
	put32(hdr + 8, len);
	crc = frame_crc(hdr, payload, len);
	put32(hdr + 12, crc);
	/*
	 * Header and payload in one write: ssh sends what it reads at once as one packet, and
	 * a frame split in two costs the second half a wait for the first's acknowledgement
	 * (Nagle's algorithm: ssh sets no TCP_NODELAY without a terminal).
	 */
	iov[0] = (struct iovec){ .iov_base = hdr, .iov_len = sizeof(hdr) };
	iov[1] = (struct iovec){ .iov_base = (void *)payload, .iov_len = len };
	return write_all(fd, iov, len ? 2 : 1);
}

int wire_recv(int fd, void *buf, struct wire_msg *m)
{
	uint8_t *p = buf;
	size_t used;
	int ret;

	ret = read_all(fd, p, WIRE_HDR_LEN);
	if (ret)
		return ret;
	ret = wire_decode(p, WIRE_HDR_LEN, m, &used);
	if (ret != -EAGAIN)
		return ret;
	ret = read_all(fd, p + WIRE_HDR_LEN, used - WIRE_HDR_LEN);
	if (ret)
		return ret;
	return wire_decode(p, used, m, &used);
}
