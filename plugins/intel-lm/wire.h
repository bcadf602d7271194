/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The peer protocol of a host-to-host migrate (migrate --to=ssh://host/dev/nvmeX): framed
 * messages on the ssh channel's standard input and output, between this program on the source
 * host and the same program's hidden `serve-peer` on the destination host.
 *
 * A frame, every integer big-endian:
 *
 *	magic "ILMW" (4) | version (2) | type (2) | payload length (4) | CRC-32 (4) | payload
 *
 * The CRC-32 (zlib) covers the first 12 bytes of the header and the payload. A frame of
 * another version is refused with both versions named, before its length is trusted. A
 * payload is at most %WIRE_MAX_PAYLOAD bytes: a longer length is refused without reading it.
 * Control messages carry "key=value" lines; DATA carries the state's bytes.
 */
#ifndef INTEL_LM_WIRE_H
#define INTEL_LM_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC		0x494c4d57u	/* "ILMW" */
#define WIRE_VERSION		1
#define WIRE_HDR_LEN		16
/* A DATA frame's most bytes; a state goes in as many frames as it needs. */
#define WIRE_MAX_PAYLOAD	(256u * 1024)

enum wire_type {
	WIRE_HELLO = 1,		/* both ways first: version=, program= */
	WIRE_PREPARE,		/* claim, check and suspend a destination VF */
	WIRE_READY,		/* it is claimed, checked and suspended */
	WIRE_BEGIN,		/* a state follows: size=, crc= */
	WIRE_DATA,		/* the state's next bytes */
	WIRE_LOAD,		/* the source's copy is durable: LOAD_DATA */
	WIRE_RESUME,		/* RESUME the destination */
	WIRE_ABORT,		/* the migration stops: leave the destination as it is */
	WIRE_OK,		/* a step succeeded */
	WIRE_FAIL,		/* a step failed: ret=, effect=, state=, msg= */
	WIRE_BYE,		/* no more pairs */
	WIRE_SETTLE,		/* recover: what became of a migration's VF here? device=, vf=,
				 * op_id=; OK says verdict=, state=, op_id= (its claim held until
				 * ABORT, which closes its part, or BYE) */
	WIRE_TYPES,
};

/* A decoded frame; @payload points into the decoded buffer. */
struct wire_msg {
	uint16_t version;
	uint16_t type;
	uint32_t len;
	const uint8_t *payload;
};

/*
 * Encode one frame into @buf (of @cap bytes). Return: the frame's length, or 0 when it does
 * not fit or @len exceeds WIRE_MAX_PAYLOAD.
 */
size_t wire_encode(void *buf, size_t cap, uint16_t type, const void *payload, uint32_t len);

/*
 * Decode the frame at the start of @buf (@len bytes). Return: 0 and @m and @used set; -EAGAIN
 * when @buf holds only part of a frame (@used: how many bytes the whole frame needs, once the
 * header is in); -EBADMSG for a bad magic or CRC, or an unknown type; -EPROTONOSUPPORT for
 * another version (@m->version says which); -EMSGSIZE for a length beyond WIRE_MAX_PAYLOAD.
 */
int wire_decode(const void *buf, size_t len, struct wire_msg *m, size_t *used);

/* The message's name, for reports ("PREPARE"). */
const char *wire_type_name(uint16_t type);

/*
 * The value of @key in a control payload of "key=value" lines, copied to @out (NUL-ended).
 * Return: 0; -ENOENT when absent; -E2BIG when it does not fit; -EBADMSG for a NUL or a
 * malformed line.
 */
int wire_kv(const struct wire_msg *m, const char *key, char *out, size_t len);

/* Append "key=value\n" to @buf (NUL-ended, @len bytes). Return: 0, or -E2BIG. */
int wire_kv_add(char *buf, size_t len, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Send one frame to @fd, whole. Return: 0 or a negative errno. */
int wire_send(int fd, uint16_t type, const void *payload, uint32_t len);

/*
 * Receive one frame from @fd into @buf (at least WIRE_HDR_LEN + WIRE_MAX_PAYLOAD bytes).
 * Return: 0; -ECONNRESET at end of file (the peer or its connection went away); what
 * wire_decode() refuses; another negative errno of read().
 */
int wire_recv(int fd, void *buf, struct wire_msg *m);

/* The room wire_recv() needs. */
#define WIRE_BUF_LEN	(WIRE_HDR_LEN + WIRE_MAX_PAYLOAD)

#endif /* INTEL_LM_WIRE_H */
