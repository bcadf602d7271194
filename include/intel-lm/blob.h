/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: the state blob, a self-describing container around one VF's migration state.
 * Documentation/intel-lm-blob-format.txt describes the format byte by byte.
 */
#ifndef INTEL_LM_BLOB_H
#define INTEL_LM_BLOB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include <intel-lm/ctrl.h>
#include <intel-lm/identity.h>
#include <intel-lm/outfile.h>
#include <intel-lm/proto.h>

#ifdef __cplusplus
extern "C" {
#endif

/** INTEL_LM_BLOB_MAGIC - the first 8 bytes of every blob */
#define INTEL_LM_BLOB_MAGIC		"INTELLM\x1a"
/** INTEL_LM_BLOB_VERSION - the format version this library writes and reads */
#define INTEL_LM_BLOB_VERSION		1
/** INTEL_LM_BLOB_HDR_LEN - the header length of version 1 */
#define INTEL_LM_BLOB_HDR_LEN		256

/**
 * struct intel_lm_blob_hdr - a blob header, decoded
 * @version:	format version
 * @hdr_len:	header length in bytes
 * @vf:		the VF index the state was saved from
 * @payload_len: the state's length in bytes
 * @payload_crc: CRC-32 (zlib) of the state
 * @hdr_crc:	CRC-32 of the header's bytes before this field
 * @created:	creation time, seconds since the epoch (UTC)
 * @vid:	source PF's PCI vendor ID
 * @ssvid:	source PF's PCI subsystem vendor ID
 * @sn:		source PF's serial number
 * @mn:		source PF's model number
 * @fr:		source PF's firmware revision
 * @tool:	the intel-lm version that wrote the blob
 * @ident:	the state's identity (intel-lm/identity.h); not set in a blob written before
 *		identities (intel_lm_identity_derive() gives it one from its bytes)
 * @protocol:	the protocol the state was saved over (&enum intel_lm_protocol; byte 224, 0 in
 *		every blob written before TP4159: Intel's)
 * @csvi:	TP4159: the controller state format's CSVI (byte 225; 0 for Intel's)
 * @csuuidi:	TP4159: its CSUUIDI (byte 226)
 * @uidx:	TP4159: its UIDX (byte 227)
 */
struct intel_lm_blob_hdr {
	uint16_t version;
	uint16_t hdr_len;
	uint16_t vf;
	uint32_t payload_len;
	uint32_t payload_crc;
	uint32_t hdr_crc;
	int64_t created;
	uint16_t vid;
	uint16_t ssvid;
	char sn[21];
	char mn[41];
	char fr[9];
	char tool[33];
	struct intel_lm_identity ident;
	uint8_t protocol;
	uint8_t csvi;
	uint8_t csuuidi;
	uint8_t uidx;
};

/**
 * intel_lm_blob_hdr_proto() - Record in a header the protocol and format a state was saved over
 * @hdr:	a header from intel_lm_blob_hdr_init()
 * @p:		the source PF's protocol (intel_lm_pf_proto()); NULL: Intel's
 */
void intel_lm_blob_hdr_proto(struct intel_lm_blob_hdr *hdr, const struct intel_lm_proto *p);

/**
 * intel_lm_blob_check_proto() - Whether a saved state is in the format a PF loads
 * @hdr:	the state's header
 * @p:		the destination PF's protocol; NULL: Intel's
 * @why:	set to the reason on a mismatch ("it was saved over tp4159 and this PF moves
 *		states with intel: ..."), "" otherwise
 * @len:	size of @why
 *
 * Intel's states and TP4159's are laid out differently, and TP4159 states of different
 * formats (CSVI, CSUUIDI, UIDX) too: no option loads one as the other.
 *
 * Return: 0, or -EPROTO on a mismatch.
 */
int intel_lm_blob_check_proto(const struct intel_lm_blob_hdr *hdr, const struct intel_lm_proto *p,
			      char *why, size_t len);

/**
 * intel_lm_blob_write_proto() - intel_lm_blob_write_state(), recording the protocol
 * @out:	as intel_lm_blob_write_state()
 * @src:	as intel_lm_blob_write_state()
 * @p:		the protocol the state was saved over (intel_lm_pf_proto()); NULL: Intel's
 * @vf:		as intel_lm_blob_write_state()
 * @ident:	as intel_lm_blob_write_state()
 * @state:	as intel_lm_blob_write_state()
 * @len:	as intel_lm_blob_write_state()
 * @state_crc:	as intel_lm_blob_write_state()
 *
 * Return: what intel_lm_blob_write_state() returns.
 */
int intel_lm_blob_write_proto(struct intel_lm_outfile *out, const struct intel_lm_ctrl_info *src,
			      const struct intel_lm_proto *p, uint16_t vf,
			      const struct intel_lm_identity *ident, const void *state,
			      uint32_t len, uint32_t *state_crc);

/**
 * intel_lm_blob_hdr_init() - Describe a freshly saved state
 * @hdr:	filled in (the header checksum is computed by intel_lm_blob_encode())
 * @src:	the source PF's identity
 * @vf:		the source VF index
 * @payload:	the state
 * @len:	its length
 * @created:	the creation time
 */
void intel_lm_blob_hdr_init(struct intel_lm_blob_hdr *hdr, const struct intel_lm_ctrl_info *src,
			    uint16_t vf, const void *payload, uint32_t len, time_t created);

/**
 * intel_lm_blob_encode() - Encode a header, little-endian, with its checksum
 * @hdr:	the header; @hdr->hdr_crc is set to the checksum written
 * @out:	INTEL_LM_BLOB_HDR_LEN bytes
 */
void intel_lm_blob_encode(struct intel_lm_blob_hdr *hdr, uint8_t out[INTEL_LM_BLOB_HDR_LEN]);

/**
 * intel_lm_blob_write_state() - Write a saved state to an output file, whole or not at all
 * @out:	an output file from intel_lm_outfile_open(): a path, or "-" for standard output
 * @src:	the source PF's identity, for the blob's header; NULL writes the raw state alone
 *		(no header, no identity)
 * @vf:		the source VF index
 * @ident:	the state's identity, for the header; NULL or not set: none
 * @state:	the state, as SAVE_DATA returned it
 * @len:	its length in bytes
 * @state_crc:	set to the state's CRC-32 (zlib; the header's payload CRC), also for a raw
 *		state; may be NULL
 *
 * Writes the header (format version, source identity, the state's identity, lengths and
 * CRC-32s, this library's version) and the state, then commits @out: synced and linked into
 * place, so the file appears whole or not at all. On any error @out is aborted and nothing is
 * left at its path. What `save` writes. @out is not freed.
 *
 * Return: 0, or a negative errno (-ENOSPC, -EIO, ...; -EINVAL for @len 0 or a NULL @state).
 * After a failure of the directory's fsync the file is in place (intel_lm_outfile_placed())
 * and the errno comes back all the same.
 */
int intel_lm_blob_write_state(struct intel_lm_outfile *out, const struct intel_lm_ctrl_info *src,
			      uint16_t vf, const struct intel_lm_identity *ident, const void *state,
			      uint32_t len, uint32_t *state_crc);

/**
 * intel_lm_blob_write_fd_state() - Write a saved state to a descriptor the caller owns
 * @fd:		a descriptor open for writing: a pipe, a socket or a file
 * @src:	the source PF's identity, for the blob's header; NULL writes the raw state alone
 * @vf:		the source VF index
 * @ident:	the state's identity, for the header; NULL or not set: none
 * @state:	the state
 * @len:	its length in bytes
 *
 * The same bytes as intel_lm_blob_write_state(), written in full (again after EINTR and short
 * writes); a regular file is synced with fdatasync(2) before this returns. A stream cannot be
 * taken back: after an error the reader must discard what it got, which the blob's lengths and
 * CRC-32s let it detect. @fd is not closed.
 *
 * Return: 0, or a negative errno (-EPIPE when the reader went away; -EINVAL for @len 0 or a
 * NULL @state).
 */
int intel_lm_blob_write_fd_state(int fd, const struct intel_lm_ctrl_info *src, uint16_t vf,
				 const struct intel_lm_identity *ident, const void *state,
				 uint32_t len);

/**
 * intel_lm_blob_decode() - Decode and check a header
 * @buf:	the first bytes of a file
 * @len:	how many bytes @buf holds
 * @hdr:	filled in on success
 *
 * Return: 0; -ENODATA when @len is shorter than a header; -EILSEQ when the magic is wrong (not
 * a blob); -EPROTONOSUPPORT for an unknown version; -EBADMSG when the header checksum fails;
 * -EPROTO when a field is impossible (header length, VF index 0, payload length 0).
 */
int intel_lm_blob_decode(const uint8_t *buf, size_t len, struct intel_lm_blob_hdr *hdr);

/**
 * intel_lm_blob_check_payload() - Check a state against its header
 * @hdr:	a decoded header
 * @payload:	the bytes after the header
 * @len:	how many there are
 *
 * Return: 0; -ENODATA when the file is truncated (@len < payload length); -E2BIG when it holds
 * bytes after the state; -EBADMSG when the checksum fails.
 */
int intel_lm_blob_check_payload(const struct intel_lm_blob_hdr *hdr, const void *payload,
				size_t len);

/**
 * intel_lm_blob_check_identity() - Check that a blob comes from a PF like the destination
 * @hdr:	a decoded header
 * @dst:	the destination PF's identity
 * @why:	set to the differences, e.g. "firmware differs (blob 1.2, destination 1.3)"
 * @len:	size of @why
 *
 * Intel claims migration only between identical devices: vendor, model and firmware must match.
 *
 * Return: 0 when they match, -EXDEV when they do not.
 */
int intel_lm_blob_check_identity(const struct intel_lm_blob_hdr *hdr,
				 const struct intel_lm_ctrl_info *dst, char *why, size_t len);

/**
 * intel_lm_blob_strerror() - Describe a blob error
 * @err:	a negative errno from the blob functions
 *
 * Return: e.g. "the file is truncated"; never NULL.
 */
const char *intel_lm_blob_strerror(int err);

/**
 * intel_lm_blob_read() - Read and check a whole blob from a file or a stream
 * @fd:		where to read from (a file or a pipe such as stdin)
 * @max:	the largest payload to accept (the destination's limit)
 * @hdr:	the decoded header
 * @payload:	set to a buffer holding the state; free with intel_lm_state_free()
 *
 * Nothing is allocated before the header has checked out and its payload length is at most
 * @max; the stream must end right after the payload.
 *
 * Return: 0; a negative errno from intel_lm_blob_decode() or intel_lm_blob_check_payload();
 * -EFBIG when the payload is larger than @max; -ENOMEM; or a read error.
 */
int intel_lm_blob_read(int fd, uint32_t max, struct intel_lm_blob_hdr *hdr, void **payload);

/**
 * intel_lm_raw_read() - Read a raw state (only the device's bytes) from a file or a stream
 * @fd:		where to read from
 * @max:	the largest state to accept
 * @payload:	set to the state; free with intel_lm_state_free() and *@len
 * @len:	set to its length
 *
 * Return: 0; -ENODATA for an empty input; -EFBIG when it holds more than @max bytes; -ENOMEM;
 * or a read error.
 */
int intel_lm_raw_read(int fd, uint32_t max, void **payload, uint32_t *len);

/** INTEL_LM_HUGE_PAGE_SIZE - the huge page a state buffer above the segment limit is made of */
#define INTEL_LM_HUGE_PAGE_SIZE	(2u << 20)

/**
 * intel_lm_state_alloc() - Allocate a state buffer the kernel can map in one command
 * @len:	its size in bytes
 *
 * The Linux NVMe driver maps a buffer into at most %INTEL_LM_KERNEL_MAX_SEGS segments of
 * physically contiguous memory. Up to that many pages (508 KiB with 4 KiB pages) the buffer is
 * ordinary anonymous memory, which always fits. Larger, it is made of 2 MiB huge pages where
 * the host has them: transparent huge pages where THP is enabled (collapsed if the first touch
 * did not give them), else pages of the hugetlb pool; otherwise of ordinary pages, which
 * intel_lm_submit() refuses when they lie in too many pieces. A large buffer is faulted in at
 * once.
 *
 * Every buffer is a mapping of its own, page aligned (a large one 2 MiB aligned), returned to
 * the system when freed.
 *
 * Return: the zeroed buffer, or NULL (also for @len 0). Free it with intel_lm_state_free()
 * and the same @len.
 */
void *intel_lm_state_alloc(size_t len);

/**
 * intel_lm_state_free() - Free a state buffer
 * @buf:	the buffer from intel_lm_state_alloc(), or NULL
 * @len:	the size it was allocated with
 *
 * The pages go back to the kernel, which zeroes them before it maps them anywhere again: no
 * later mapping sees the state (states hold DMA addresses).
 */
void intel_lm_state_free(void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_BLOB_H */
