// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The state blob: encoding, decoding and every check a blob must pass before its state may go
 * near a device. Documentation/intel-lm-blob-format.txt is the byte-level description.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include <intel-lm/blob.h>

#include "private.h"

/* Version 1 header layout: byte offsets, all integers little-endian. */
#define OFF_MAGIC	0	/* 8 bytes */
#define OFF_VERSION	8	/* u16 */
#define OFF_HDR_LEN	10	/* u16 */
#define OFF_VF		12	/* u16 */
#define OFF_FLAGS	14	/* u16, 0 */
#define OFF_PAYLOAD_LEN	16	/* u32 */
#define OFF_PAYLOAD_CRC	20	/* u32 */
#define OFF_CREATED	24	/* s64 */
#define OFF_VID		32	/* u16 */
#define OFF_SSVID	34	/* u16 */
#define OFF_SN		36	/* 20 bytes, space padded */
#define OFF_MN		56	/* 40 bytes */
#define OFF_FR		96	/* 8 bytes */
#define OFF_TOOL	104	/* 32 bytes, NUL padded */
#define OFF_ID		136	/* 16 bytes: the state's identity, zero when none */
#define OFF_ID_GEN	152	/* u32: its generation */
#define OFF_ID_VF	156	/* u16: its origin VF (then 2 bytes zero) */
#define OFF_ID_ORIGIN	160	/* 64 bytes, NUL padded: its origin PF key */
#define OFF_PROTO	224	/* u8: the protocol it was saved over, 0 Intel's (as before) */
#define OFF_CSVI	225	/* u8: TP4159's controller state format: its CSVI */
#define OFF_CSUUIDI	226	/* u8: its CSUUIDI */
#define OFF_UIDX	227	/* u8: its UIDX; 228..251 zero */
#define OFF_HDR_CRC	252	/* u32, CRC-32 of bytes 0..251 */
#define LEN_MAGIC	8
#define LEN_SN		20
#define LEN_MN		40
#define LEN_FR		8
#define LEN_TOOL	32

static void put_str(uint8_t *p, size_t width, const char *s, char pad)
{
	size_t n = strnlen(s, width);

	memset(p, pad, width);
	memcpy(p, s, n);
}

/* Fixed-width field to a printable C string, as Identify strings are treated. */
static void get_str(char *dst, size_t dst_len, const uint8_t *p, size_t width)
{
	size_t i, n = width < dst_len - 1 ? width : dst_len - 1;

	for (i = 0; i < n; i++)
		dst[i] = (p[i] >= 0x20 && p[i] <= 0x7e) ? (char)p[i] : (p[i] ? '?' : '\0');
	dst[n] = '\0';
	n = strlen(dst);
	while (n && dst[n - 1] == ' ')
		dst[--n] = '\0';
}

static uint32_t crc(const void *buf, size_t len)
{
	uLong c = crc32(0L, Z_NULL, 0);
	const Bytef *p = buf;

	/* zlib takes uInt lengths: feed large buffers in pieces. */
	while (len) {
		uInt n = len > (1u << 30) ? (1u << 30) : (uInt)len;

		c = crc32(c, p, n);
		p += n;
		len -= n;
	}
	return (uint32_t)c;
}

void intel_lm_blob_hdr_init(struct intel_lm_blob_hdr *hdr, const struct intel_lm_ctrl_info *src,
			    uint16_t vf, const void *payload, uint32_t len, time_t created)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->version = INTEL_LM_BLOB_VERSION;
	hdr->hdr_len = INTEL_LM_BLOB_HDR_LEN;
	hdr->vf = vf;
	hdr->payload_len = len;
	hdr->payload_crc = crc(payload, len);
	hdr->created = (int64_t)created;
	hdr->vid = src->vid;
	hdr->ssvid = src->ssvid;
	memcpy(hdr->sn, src->sn, sizeof(hdr->sn));
	memcpy(hdr->mn, src->mn, sizeof(hdr->mn));
	memcpy(hdr->fr, src->fr, sizeof(hdr->fr));
	snprintf(hdr->tool, sizeof(hdr->tool), "intel-lm %s", INTEL_LM_VERSION);
}

void intel_lm_blob_encode(struct intel_lm_blob_hdr *hdr, uint8_t out[INTEL_LM_BLOB_HDR_LEN])
{
	uint64_t created = (uint64_t)hdr->created;

	memset(out, 0, INTEL_LM_BLOB_HDR_LEN);
	memcpy(out + OFF_MAGIC, INTEL_LM_BLOB_MAGIC, LEN_MAGIC);
	intel_lm_put_le16(out + OFF_VERSION, hdr->version);
	intel_lm_put_le16(out + OFF_HDR_LEN, hdr->hdr_len);
	intel_lm_put_le16(out + OFF_VF, hdr->vf);
	intel_lm_put_le32(out + OFF_PAYLOAD_LEN, hdr->payload_len);
	intel_lm_put_le32(out + OFF_PAYLOAD_CRC, hdr->payload_crc);
	intel_lm_put_le32(out + OFF_CREATED, (uint32_t)created);
	intel_lm_put_le32(out + OFF_CREATED + 4, (uint32_t)(created >> 32));
	intel_lm_put_le16(out + OFF_VID, hdr->vid);
	intel_lm_put_le16(out + OFF_SSVID, hdr->ssvid);
	put_str(out + OFF_SN, LEN_SN, hdr->sn, ' ');
	put_str(out + OFF_MN, LEN_MN, hdr->mn, ' ');
	put_str(out + OFF_FR, LEN_FR, hdr->fr, ' ');
	put_str(out + OFF_TOOL, LEN_TOOL, hdr->tool, '\0');
	if (intel_lm_identity_is_set(&hdr->ident)) {
		memcpy(out + OFF_ID, hdr->ident.id, INTEL_LM_ID_BYTES);
		intel_lm_put_le32(out + OFF_ID_GEN, hdr->ident.gen);
		intel_lm_put_le16(out + OFF_ID_VF, hdr->ident.origin_vf);
		put_str(out + OFF_ID_ORIGIN, INTEL_LM_PF_KEY_LEN - 1, hdr->ident.origin, '\0');
	}
	out[OFF_PROTO] = hdr->protocol;
	out[OFF_CSVI] = hdr->csvi;
	out[OFF_CSUUIDI] = hdr->csuuidi;
	out[OFF_UIDX] = hdr->uidx;
	hdr->hdr_crc = crc(out, OFF_HDR_CRC);
	intel_lm_put_le32(out + OFF_HDR_CRC, hdr->hdr_crc);
}

int intel_lm_blob_decode(const uint8_t *buf, size_t len, struct intel_lm_blob_hdr *hdr)
{
	memset(hdr, 0, sizeof(*hdr));
	/* Say what is wrong with as much as there is: magic, then version, then length. */
	if (memcmp(buf + OFF_MAGIC, INTEL_LM_BLOB_MAGIC, len < LEN_MAGIC ? len : LEN_MAGIC))
		return -EILSEQ;
	if (len >= OFF_VERSION + 2) {
		hdr->version = intel_lm_le16(buf + OFF_VERSION);
		if (hdr->version != INTEL_LM_BLOB_VERSION)
			return -EPROTONOSUPPORT;
	}
	if (len < INTEL_LM_BLOB_HDR_LEN)
		return -ENODATA;
	hdr->hdr_len = intel_lm_le16(buf + OFF_HDR_LEN);
	hdr->hdr_crc = intel_lm_le32(buf + OFF_HDR_CRC);
	if (crc(buf, OFF_HDR_CRC) != hdr->hdr_crc)
		return -EBADMSG;

	hdr->vf = intel_lm_le16(buf + OFF_VF);
	hdr->payload_len = intel_lm_le32(buf + OFF_PAYLOAD_LEN);
	hdr->payload_crc = intel_lm_le32(buf + OFF_PAYLOAD_CRC);
	hdr->created = (int64_t)((uint64_t)intel_lm_le32(buf + OFF_CREATED) |
				 ((uint64_t)intel_lm_le32(buf + OFF_CREATED + 4) << 32));
	hdr->vid = intel_lm_le16(buf + OFF_VID);
	hdr->ssvid = intel_lm_le16(buf + OFF_SSVID);
	get_str(hdr->sn, sizeof(hdr->sn), buf + OFF_SN, LEN_SN);
	get_str(hdr->mn, sizeof(hdr->mn), buf + OFF_MN, LEN_MN);
	get_str(hdr->fr, sizeof(hdr->fr), buf + OFF_FR, LEN_FR);
	get_str(hdr->tool, sizeof(hdr->tool), buf + OFF_TOOL, LEN_TOOL);
	memcpy(hdr->ident.id, buf + OFF_ID, INTEL_LM_ID_BYTES);
	if (intel_lm_identity_is_set(&hdr->ident)) {
		hdr->ident.gen = intel_lm_le32(buf + OFF_ID_GEN);
		hdr->ident.origin_vf = intel_lm_le16(buf + OFF_ID_VF);
		get_str(hdr->ident.origin, sizeof(hdr->ident.origin), buf + OFF_ID_ORIGIN,
			INTEL_LM_PF_KEY_LEN - 1);
	}
	hdr->protocol = buf[OFF_PROTO];
	hdr->csvi = buf[OFF_CSVI];
	hdr->csuuidi = buf[OFF_CSUUIDI];
	hdr->uidx = buf[OFF_UIDX];
	if (hdr->hdr_len != INTEL_LM_BLOB_HDR_LEN || intel_lm_le16(buf + OFF_FLAGS) ||
	    hdr->protocol > INTEL_LM_PROTO_TP4159 ||
	    hdr->vf < INTEL_LM_VF_MIN || !hdr->payload_len)
		return -EPROTO;
	return 0;
}

int intel_lm_blob_check_payload(const struct intel_lm_blob_hdr *hdr, const void *payload,
				size_t len)
{
	if (len < hdr->payload_len)
		return -ENODATA;
	if (len > hdr->payload_len)
		return -E2BIG;
	if (crc(payload, len) != hdr->payload_crc)
		return -EBADMSG;
	return 0;
}

int intel_lm_blob_check_identity(const struct intel_lm_blob_hdr *hdr,
				 const struct intel_lm_ctrl_info *dst, char *why, size_t len)
{
	size_t used = 0;
	int n;

	if (len)
		why[0] = '\0';
	if (hdr->vid != dst->vid) {
		n = snprintf(why, len, "PCI vendor differs (blob 0x%04x, destination 0x%04x)",
			     hdr->vid, dst->vid);
		used = n > 0 ? (size_t)n : 0;
	}
	if (strcmp(hdr->mn, dst->mn) && used < len) {
		n = snprintf(why + used, len - used, "%smodel differs (blob \"%s\", destination "
			     "\"%s\")", used ? "; " : "", hdr->mn, dst->mn);
		used += n > 0 ? (size_t)n : 0;
	}
	if (strcmp(hdr->fr, dst->fr) && used < len)
		snprintf(why + used, len - used, "%sfirmware differs (blob \"%s\", destination "
			 "\"%s\")", used ? "; " : "", hdr->fr, dst->fr);
	/* Not why[0]: a message buffer too small for any text must not turn a mismatch into 0. */
	return hdr->vid != dst->vid || strcmp(hdr->mn, dst->mn) || strcmp(hdr->fr, dst->fr) ?
	       -EXDEV : 0;
}

/*
 * The header of a state about to be written, into @raw; false for a raw state (no header).
 * *@crc gets the state's CRC-32 either way, computed once.
 */
static bool blob_header(const struct intel_lm_ctrl_info *src, const struct intel_lm_proto *p,
			uint16_t vf, const struct intel_lm_identity *ident, const void *state,
			uint32_t len, uint8_t raw[INTEL_LM_BLOB_HDR_LEN], uint32_t *crc_out)
{
	struct intel_lm_blob_hdr hdr;

	if (!src) {
		if (crc_out)
			*crc_out = crc(state, len);
		return false;
	}
	intel_lm_blob_hdr_init(&hdr, src, vf, state, len, time(NULL));
	if (ident)
		hdr.ident = *ident;
	intel_lm_blob_hdr_proto(&hdr, p);
	intel_lm_blob_encode(&hdr, raw);
	if (crc_out)
		*crc_out = hdr.payload_crc;
	return true;
}

void intel_lm_blob_hdr_proto(struct intel_lm_blob_hdr *hdr, const struct intel_lm_proto *p)
{
	hdr->protocol = p ? p->protocol : INTEL_LM_PROTO_INTEL;
	hdr->csvi = p && p->protocol == INTEL_LM_PROTO_TP4159 ? p->csvi : 0;
	hdr->csuuidi = p && p->protocol == INTEL_LM_PROTO_TP4159 ? p->csuuidi : 0;
	hdr->uidx = p && p->protocol == INTEL_LM_PROTO_TP4159 ? p->uidx : 0;
}

int intel_lm_blob_check_proto(const struct intel_lm_blob_hdr *hdr, const struct intel_lm_proto *p,
			      char *why, size_t len)
{
	struct intel_lm_blob_hdr want;

	intel_lm_blob_hdr_proto(&want, p);
	if (hdr->protocol != want.protocol) {
		snprintf(why, len, "it was saved over %s and this PF moves states with %s: the two "
			 "lay a state out differently",
			 intel_lm_protocol_name(hdr->protocol), intel_lm_protocol_name(want.protocol));
		return -EPROTO;
	}
	if (hdr->csvi != want.csvi || hdr->csuuidi != want.csuuidi || hdr->uidx != want.uidx) {
		snprintf(why, len, "it was saved in TP4159 controller state format CSVI %u, CSUUIDI "
			 "%u, UIDX %u and this PF uses CSVI %u, CSUUIDI %u, UIDX %u", hdr->csvi,
			 hdr->csuuidi, hdr->uidx, want.csvi, want.csuuidi, want.uidx);
		return -EPROTO;
	}
	if (why && len)
		why[0] = '\0';
	return 0;
}

int intel_lm_blob_write_proto(struct intel_lm_outfile *out, const struct intel_lm_ctrl_info *src,
			      const struct intel_lm_proto *p, uint16_t vf,
			      const struct intel_lm_identity *ident, const void *state,
			      uint32_t len, uint32_t *state_crc)
{
	uint8_t raw[INTEL_LM_BLOB_HDR_LEN];
	int ret = 0;

	if (!state || !len)
		ret = -EINVAL;
	if (!ret && blob_header(src, p, vf, ident, state, len, raw, state_crc))
		ret = intel_lm_outfile_write(out, raw, sizeof(raw));
	if (!ret)
		ret = intel_lm_outfile_write(out, state, len);
	if (!ret)
		return intel_lm_outfile_commit(out);
	intel_lm_outfile_abort(out);
	return ret;
}

int intel_lm_blob_write_state(struct intel_lm_outfile *out, const struct intel_lm_ctrl_info *src,
			      uint16_t vf, const struct intel_lm_identity *ident, const void *state,
			      uint32_t len, uint32_t *state_crc)
{
	return intel_lm_blob_write_proto(out, src, NULL, vf, ident, state, len, state_crc);
}

int intel_lm_blob_write_crc(struct intel_lm_outfile *out, const struct intel_lm_ctrl_info *src,
			    uint16_t vf, const void *state, uint32_t len, uint32_t *state_crc)
{
	return intel_lm_blob_write_state(out, src, vf, NULL, state, len, state_crc);
}

int intel_lm_blob_write(struct intel_lm_outfile *out, const struct intel_lm_ctrl_info *src,
			uint16_t vf, const void *state, uint32_t len)
{
	return intel_lm_blob_write_crc(out, src, vf, state, len, NULL);
}

int intel_lm_blob_write_fd(int fd, const struct intel_lm_ctrl_info *src, uint16_t vf,
			   const void *state, uint32_t len)
{
	return intel_lm_blob_write_fd_state(fd, src, vf, NULL, state, len);
}

int intel_lm_blob_write_fd_state(int fd, const struct intel_lm_ctrl_info *src, uint16_t vf,
				 const struct intel_lm_identity *ident, const void *state,
				 uint32_t len)
{
	uint8_t raw[INTEL_LM_BLOB_HDR_LEN];
	struct stat st;
	int ret = 0;

	if (!state || !len)
		return -EINVAL;
	if (blob_header(src, NULL, vf, ident, state, len, raw, NULL))
		ret = intel_lm_write_full(fd, raw, sizeof(raw));
	if (!ret)
		ret = intel_lm_write_full(fd, state, len);
	if (!ret && !fstat(fd, &st) && S_ISREG(st.st_mode) && fdatasync(fd) < 0)
		ret = -errno;
	return ret;
}

const char *intel_lm_blob_strerror(int err)
{
	switch (-err) {
	case ENODATA:
		return "the file is truncated";
	case EILSEQ:
		return "the file is not an intel-lm state blob (bad magic)";
	case EPROTONOSUPPORT:
		return "the blob's format version is unknown to this intel-lm";
	case EBADMSG:
		return "a checksum does not match: the blob is corrupt";
	case EPROTO:
		return "the blob header holds an impossible value";
	case E2BIG:
		return "the file is longer than its header says";
	case EFBIG:
		return "the state is larger than the destination can take";
	case EXDEV:
		return "the blob comes from a different kind of PF";
	default:
		return strerror(-err);
	}
}

ssize_t intel_lm_read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (uint8_t *)buf + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

/* After the expected bytes the stream must end: one more byte means the file is too long. */
static int expect_eof(int fd)
{
	uint8_t extra;
	ssize_t n = intel_lm_read_full(fd, &extra, 1);

	if (n < 0)
		return (int)n;
	return n ? -E2BIG : 0;
}

int intel_lm_blob_read(int fd, uint32_t max, struct intel_lm_blob_hdr *hdr, void **payload)
{
	return intel_lm_blob_read_cached(fd, max, hdr, payload, NULL);
}

int intel_lm_blob_read_cached(int fd, uint32_t max, struct intel_lm_blob_hdr *hdr,
			      void **payload, struct intel_lm_state_cache *c)
{
	uint8_t raw[INTEL_LM_BLOB_HDR_LEN];
	ssize_t n;
	void *buf;
	int ret;

	*payload = NULL;
	n = intel_lm_read_full(fd, raw, sizeof(raw));
	if (n < 0)
		return (int)n;
	ret = intel_lm_blob_decode(raw, (size_t)n, hdr);
	if (ret)
		return ret;
	if (hdr->payload_len > max)
		return -EFBIG;
	buf = intel_lm_state_take(c, hdr->payload_len);
	if (!buf)
		return -ENOMEM;
	n = intel_lm_read_full(fd, buf, hdr->payload_len);
	ret = n < 0 ? (int)n : intel_lm_blob_check_payload(hdr, buf, (size_t)n);
	if (!ret)
		ret = expect_eof(fd);
	if (ret) {
		intel_lm_state_give(c, buf, hdr->payload_len);
		return ret;
	}
	*payload = buf;
	return 0;
}

/*
 * Read a raw state of unknown length from a stream, in ordinary buffers grown as it fills; the
 * state then goes to a state buffer of exactly its size (one the kernel can map, buffer.c).
 */
static int raw_read_stream(int fd, uint32_t max, void **payload, uint32_t *len)
{
	size_t cap = max < (64u << 10) ? max : (64u << 10), n = 0;
	void *buf = intel_lm_plain_alloc(cap), *grown;
	ssize_t got;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		got = intel_lm_read_full(fd, (uint8_t *)buf + n, cap - n);
		if (got < 0) {
			ret = (int)got;
			break;
		}
		n += (size_t)got;
		if (n < cap)
			break;
		if (cap == max) {
			ret = expect_eof(fd);
			if (ret == -E2BIG)
				ret = -EFBIG;
			break;
		}
		grown = intel_lm_plain_alloc(cap * 2 < max ? cap * 2 : max);
		if (!grown) {
			ret = -ENOMEM;
			break;
		}
		memcpy(grown, buf, n);
		intel_lm_plain_free(buf, cap);
		buf = grown;
		cap = cap * 2 < max ? cap * 2 : max;
	}
	if (!ret && !n)
		ret = -ENODATA;
	/* Hand out a state buffer of exactly the state's size: it is freed with that size. */
	*payload = NULL;
	if (!ret && n == cap && intel_lm_state_is_plain(n)) {
		*payload = buf;
		buf = NULL;
	} else if (!ret) {
		*payload = intel_lm_state_alloc(n);
		if (*payload)
			memcpy(*payload, buf, n);
		else
			ret = -ENOMEM;
	}
	intel_lm_plain_free(buf, cap);
	if (ret)
		return ret;
	*len = (uint32_t)n;
	return 0;
}

int intel_lm_raw_read(int fd, uint32_t max, void **payload, uint32_t *len)
{
	struct stat st;
	ssize_t n;
	void *buf;
	int ret;

	*payload = NULL;
	*len = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return raw_read_stream(fd, max, payload, len);

	/* A file says its size: allocate exactly that, and never more than @max. */
	if (st.st_size == 0)
		return -ENODATA;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	buf = intel_lm_state_alloc((size_t)st.st_size);
	if (!buf)
		return -ENOMEM;
	n = intel_lm_read_full(fd, buf, (size_t)st.st_size);
	ret = n < 0 ? (int)n : (n != st.st_size ? -ENODATA : expect_eof(fd));
	if (ret == -E2BIG)
		ret = -EFBIG;
	if (ret) {
		intel_lm_state_free(buf, (size_t)st.st_size);
		return ret;
	}
	*payload = buf;
	*len = (uint32_t)n;
	return 0;
}
