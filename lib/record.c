// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The durable record of each VF (see intel-lm/record.h for the model).
 *
 * A record file is two slots of REC_SLOT bytes. A slot is a header line
 *	"ILMREC1 <seq, 16 hex> <body length, 4 hex> <crc, 8 hex>\n"
 * followed by the body: "key=value\n" lines, values percent-encoded (control bytes, '%' and
 * DEL as %XX). The CRC-32 (zlib) covers the header up to the CRC field and the body. Entry
 * number N is written to slot N % 2, so the slot being written is never the newest valid one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include <intel-lm/blob.h>
#include <intel-lm/cmd.h>
#include <intel-lm/record.h>

#include "private.h"

#define REC_MAGIC	"ILMREC1 "
#define REC_SLOT	((size_t)8192)
#define REC_FILE	(2 * REC_SLOT)
#define REC_HDR_LEN	39	/* "ILMREC1 " + 16 + ' ' + 4 + ' ' + 8 + '\n' */
#define REC_CRC_AT	30	/* the CRC covers the header up to here */
#define REC_BODY_MAX	(REC_SLOT - REC_HDR_LEN)
#define REC_SUFFIX	".rec"

_Static_assert(REC_HDR_LEN == INTEL_LM_REC_HDR_LEN && REC_FILE + 1 == INTEL_LM_REC_READ_BUF,
	       "private.h describes the record's layout");

const char *intel_lm_op_kind_name(enum intel_lm_op_kind op)
{
	switch (op) {
	case INTEL_LM_OP_SINGLE:
		return "single";
	case INTEL_LM_OP_BATCH:
		return "batch";
	case INTEL_LM_OP_MIGRATE:
		return "migrate";
	default:
		return "none";
	}
}

static enum intel_lm_op_kind op_kind_parse(const char *s)
{
	enum intel_lm_op_kind k;

	for (k = INTEL_LM_OP_NONE; k <= INTEL_LM_OP_MIGRATE; k++)
		if (!strcmp(s, intel_lm_op_kind_name(k)))
			return k;
	return (enum intel_lm_op_kind)-1;
}

static const char *role_name(enum intel_lm_role r)
{
	return r == INTEL_LM_ROLE_SOURCE ? "source" :
	       r == INTEL_LM_ROLE_DESTINATION ? "destination" : "none";
}

int intel_lm_record_path(const char *dir, const char *pf_key, uint16_t vf, char *path,
			 size_t len)
{
	return intel_lm_vf_file_path(path, len, dir && *dir ? dir : INTEL_LM_STATE_DIR, pf_key, vf,
				     REC_SUFFIX);
}

/* Encoding */

struct buf {
	char *p;
	size_t len, room;
	bool overflow;
};

static void put_raw(struct buf *b, const char *s, size_t n)
{
	if (b->len + n > b->room) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* The bytes a value keeps as they are: all but control bytes, '%' and DEL. */
static const bool plain[256] = {
	[0x20 ... 0x24] = true, [0x26 ... 0x7e] = true, [0x80 ... 0xff] = true,
};

/* "key=", the value with the bytes that are not plain percent-encoded, then "\n". */
static void put_val(struct buf *b, const char *key, size_t klen, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)v, *run = s;
	char e[3] = { '%' };

	put_raw(b, key, klen);
	for (;;) {
		while (plain[*s])
			s++;
		put_raw(b, (const char *)run, (size_t)(s - run));
		if (!*s)
			break;
		e[1] = hex[*s >> 4];
		e[2] = hex[*s & 0xf];
		put_raw(b, e, 3);
		run = ++s;
	}
	put_raw(b, "\n", 1);
}

/* KEY is a string literal: its length is known here, and "=" is part of it. */
#define put_str(b, key, v)	put_val((b), key "=", sizeof(key), (v))

/* A number in decimal, as snprintf's PRId64 would write it. */
static void put_dec_val(struct buf *b, const char *key, size_t klen, int64_t v)
{
	char num[24], *p = num;

	if (v < 0)
		*p++ = '-';
	p = intel_lm_put_dec(p, v < 0 ? -(uint64_t)v : (uint64_t)v);
	*p++ = '\n';
	put_raw(b, key, klen);
	put_raw(b, num, (size_t)(p - num));
}

#define put_num(b, key, v)	put_dec_val((b), key "=", sizeof(key), (v))

/* @v as exactly @digits lowercase hex digits at @p. */
static void put_hex(char *p, uint64_t v, int digits)
{
	static const char hex[] = "0123456789abcdef";

	while (digits--) {
		p[digits] = hex[v & 0xf];
		v >>= 4;
	}
}

enum ident_keys { IDENT_HELD, IDENT_FILE, IDENT_LOAD };

/*
 * An identity's four keys; "file_" before each for a state file's, "load_" for a LOAD_DATA's
 * in doubt. Nothing when not set.
 */
static void put_ident(struct buf *b, const struct intel_lm_identity *id, enum ident_keys which)
{
	char hex[INTEL_LM_ID_HEX_LEN];

	if (!intel_lm_identity_is_set(id))
		return;
	intel_lm_identity_hex(id, hex);
	if (which == IDENT_LOAD) {
		put_str(b, "load_identity", hex);
		put_num(b, "load_generation", id->gen);
		put_str(b, "load_origin", id->origin);
		put_num(b, "load_origin_vf", id->origin_vf);
	} else if (which == IDENT_FILE) {
		put_str(b, "file_identity", hex);
		put_num(b, "file_generation", id->gen);
		put_str(b, "file_origin", id->origin);
		put_num(b, "file_origin_vf", id->origin_vf);
	} else {
		put_str(b, "identity", hex);
		put_num(b, "generation", id->gen);
		put_str(b, "origin", id->origin);
		put_num(b, "origin_vf", id->origin_vf);
	}
}

static int encode(const struct intel_lm_rec_entry *e, char *slot)
{
	struct buf b = { .p = slot + REC_HDR_LEN, .room = REC_BODY_MAX };
	char hdr[REC_HDR_LEN + 1];
	uLong crc;

	put_num(&b, "version", 1);
	put_str(&b, "pf", e->pf.key);
	put_str(&b, "pci", e->pf.pci);
	put_str(&b, "device", e->device);
	put_str(&b, "serial", e->serial);
	put_str(&b, "model", e->model);
	put_str(&b, "firmware", e->firmware);
	put_num(&b, "vf", e->vf);
	put_str(&b, "state", intel_lm_vf_state_name(e->state));
	put_num(&b, "since", e->since);
	put_num(&b, "pid", e->pid);
	put_str(&b, "cmdline", e->cmdline);
	put_num(&b, "pending", e->pending);
	put_num(&b, "pending_then", e->pending_then);
	put_num(&b, "last_opcode", e->last_opcode);
	put_num(&b, "last_ret", e->last_ret);
	put_str(&b, "state_file", e->state_file);
	put_num(&b, "state_size", e->state_size);
	put_num(&b, "state_crc", e->state_crc);
	put_num(&b, "state_file_temporary", e->state_file_temporary);
	if (e->may_run)
		put_num(&b, "may_run", 1);
	if (e->load_lost)
		put_num(&b, "load_lost", 1);
	if (e->still_runs)
		put_num(&b, "still_runs", 1);
	put_ident(&b, &e->ident, IDENT_HELD);
	put_ident(&b, &e->file_ident, IDENT_FILE);
	put_ident(&b, &e->load_ident, IDENT_LOAD);
	put_str(&b, "tmp_file", e->tmp_file);
	put_str(&b, "op", intel_lm_op_kind_name(e->op));
	put_num(&b, "op_open", e->op_open);
	put_str(&b, "op_id", e->op_id);
	put_str(&b, "role", role_name(e->role));
	put_num(&b, "step", e->step);
	put_str(&b, "peer", e->peer.key);
	put_str(&b, "peer_pci", e->peer.pci);
	put_str(&b, "peer_device", e->peer_device);
	put_num(&b, "peer_vf", e->peer_vf);
	put_str(&b, "boot_id", e->boot_id);
	/* Intel's, the default, is left out: such an entry reads as before TP4159. */
	if (e->protocol != INTEL_LM_PROTO_INTEL)
		put_str(&b, "protocol", intel_lm_protocol_name(e->protocol));
	if (b.overflow)
		return -ENAMETOOLONG;

	/* REC_MAGIC, then "%016" PRIx64 " %04zx %08lx\n" of the sequence, length and CRC */
	memcpy(hdr, REC_MAGIC, sizeof(REC_MAGIC) - 1);
	put_hex(hdr + 8, e->seq, 16);
	hdr[24] = ' ';
	put_hex(hdr + 25, b.len, 4);
	hdr[29] = ' ';
	crc = crc32(0L, (const Bytef *)hdr, REC_CRC_AT);
	crc = crc32(crc, (const Bytef *)b.p, (uInt)b.len);
	put_hex(hdr + REC_CRC_AT, crc & 0xffffffffUL, 8);
	hdr[REC_HDR_LEN - 1] = '\n';
	memcpy(slot, hdr, REC_HDR_LEN);
	return (int)(REC_HDR_LEN + b.len);
}

/* Decoding: nothing in the file is trusted. */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode @v (@n bytes) into @out (@len bytes with the NUL); -EBADMSG when it does not fit. */
static int get_str(const char *v, size_t n, char *out, size_t len)
{
	size_t i, o = 0;

	/* Most values have no escape: checked and copied whole (every rule check reads them all). */
	if (!memchr(v, '%', n)) {
		if (n >= len || memchr(v, '\0', n))
			return -EBADMSG;
		memcpy(out, v, n);
		out[n] = '\0';
		return 0;
	}
	for (i = 0; i < n; i++) {
		char c = v[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -EBADMSG;
			hi = hexval(v[i + 1]);
			lo = hexval(v[i + 2]);
			if (hi < 0 || lo < 0)
				return -EBADMSG;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (!c || o + 1 >= len)
			return -EBADMSG;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* A decimal number as put_num() writes it: an optional '-', then 1 to 19 digits. */
static int get_num(const char *v, size_t n, int64_t min, int64_t max, int64_t *out)
{
	bool neg = n && v[0] == '-';
	uint64_t x = 0;
	int64_t val;
	size_t i;

	if (n - neg < 1 || n - neg > 19)
		return -EBADMSG;
	for (i = neg; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EBADMSG;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	/* 19 digits stay below 2^64; past INT64_MAX (or -INT64_MIN) is out of every range. */
	if (x > (uint64_t)INT64_MAX + neg)
		return -EBADMSG;
	val = neg ? (int64_t)(0 - x) : (int64_t)x;
	if (val < min || val > max)
		return -EBADMSG;
	*out = val;
	return 0;
}

#define NUM(field, lo, hi)							\
	do {									\
		int64_t x_;							\
		ret = get_num(v, n, (lo), (hi), &x_);				\
		if (!ret)							\
			e->field = (__typeof__(e->field))x_;			\
	} while (0)

static int decode_field(struct intel_lm_rec_entry *e, const char *k, size_t kn, const char *v,
			size_t n, unsigned int *seen)
{
	char word[32] = "";
	int ret = 0;

#define IS(name) (kn == sizeof(name) - 1 && !memcmp(k, name, kn))
	if (IS("version")) {
		int64_t ver;

		ret = get_num(v, n, 1, 1, &ver);
	} else if (IS("pf")) {
		ret = get_str(v, n, e->pf.key, sizeof(e->pf.key));
		*seen |= 1;
	} else if (IS("pci")) {
		ret = get_str(v, n, e->pf.pci, sizeof(e->pf.pci));
	} else if (IS("device")) {
		ret = get_str(v, n, e->device, sizeof(e->device));
	} else if (IS("serial")) {
		ret = get_str(v, n, e->serial, sizeof(e->serial));
	} else if (IS("model")) {
		ret = get_str(v, n, e->model, sizeof(e->model));
	} else if (IS("firmware")) {
		ret = get_str(v, n, e->firmware, sizeof(e->firmware));
	} else if (IS("vf")) {
		NUM(vf, INTEL_LM_VF_MIN, INTEL_LM_VF_MAX);
		*seen |= 2;
	} else if (IS("state")) {
		ret = get_str(v, n, word, sizeof(word));
		e->state = intel_lm_vf_state_parse(word);
		if (!ret && e->state == INTEL_LM_VF_STATES)
			ret = -EBADMSG;
		*seen |= 4;
	} else if (IS("since")) {
		NUM(since, 0, INT64_MAX);
	} else if (IS("pid")) {
		NUM(pid, 0, INT32_MAX);
	} else if (IS("cmdline")) {
		ret = get_str(v, n, e->cmdline, sizeof(e->cmdline));
	} else if (IS("may_run")) {
		NUM(may_run, 0, 1);
	} else if (IS("load_lost")) {
		NUM(load_lost, 0, 1);
	} else if (IS("still_runs")) {
		NUM(still_runs, 0, 1);
	} else if (IS("pending")) {
		NUM(pending, 0, 255);
	} else if (IS("pending_then")) {
		NUM(pending_then, 0, 255);
	} else if (IS("last_opcode")) {
		NUM(last_opcode, 0, 255);
	} else if (IS("last_ret")) {
		NUM(last_ret, INT32_MIN, INT32_MAX);
	} else if (IS("state_file")) {
		ret = get_str(v, n, e->state_file, sizeof(e->state_file));
	} else if (IS("state_size")) {
		NUM(state_size, 0, UINT32_MAX);
	} else if (IS("state_crc")) {
		NUM(state_crc, 0, UINT32_MAX);
	} else if (IS("state_file_temporary")) {
		NUM(state_file_temporary, 0, 1);
	} else if (IS("tmp_file")) {
		ret = get_str(v, n, e->tmp_file, sizeof(e->tmp_file));
	} else if (IS("op")) {
		ret = get_str(v, n, word, sizeof(word));
		e->op = op_kind_parse(word);
		if (!ret && (int)e->op < 0)
			ret = -EBADMSG;
	} else if (IS("op_open")) {
		NUM(op_open, 0, 1);
	} else if (IS("op_id")) {
		ret = get_str(v, n, e->op_id, sizeof(e->op_id));
	} else if (IS("role")) {
		ret = get_str(v, n, word, sizeof(word));
		e->role = !strcmp(word, "source") ? INTEL_LM_ROLE_SOURCE :
			  !strcmp(word, "destination") ? INTEL_LM_ROLE_DESTINATION :
			  INTEL_LM_ROLE_NONE;
		if (!ret && e->role == INTEL_LM_ROLE_NONE && strcmp(word, "none"))
			ret = -EBADMSG;
	} else if (IS("step")) {
		NUM(step, 0, 64);
	} else if (IS("peer")) {
		ret = get_str(v, n, e->peer.key, sizeof(e->peer.key));
	} else if (IS("peer_pci")) {
		ret = get_str(v, n, e->peer.pci, sizeof(e->peer.pci));
	} else if (IS("peer_device")) {
		ret = get_str(v, n, e->peer_device, sizeof(e->peer_device));
	} else if (IS("peer_vf")) {
		NUM(peer_vf, 0, INTEL_LM_VF_MAX);
	} else if (IS("identity")) {
		ret = intel_lm_identity_parse_hex(v, n, &e->ident) ? -EBADMSG : 0;
	} else if (IS("generation")) {
		NUM(ident.gen, 0, UINT32_MAX);
	} else if (IS("origin")) {
		ret = get_str(v, n, e->ident.origin, sizeof(e->ident.origin));
	} else if (IS("origin_vf")) {
		NUM(ident.origin_vf, 0, INTEL_LM_VF_MAX);
	} else if (IS("boot_id")) {
		ret = get_str(v, n, e->boot_id, sizeof(e->boot_id));
	} else if (IS("file_identity")) {
		ret = intel_lm_identity_parse_hex(v, n, &e->file_ident) ? -EBADMSG : 0;
	} else if (IS("file_generation")) {
		NUM(file_ident.gen, 0, UINT32_MAX);
	} else if (IS("file_origin")) {
		ret = get_str(v, n, e->file_ident.origin, sizeof(e->file_ident.origin));
	} else if (IS("file_origin_vf")) {
		NUM(file_ident.origin_vf, 0, INTEL_LM_VF_MAX);
	} else if (IS("load_identity")) {
		ret = intel_lm_identity_parse_hex(v, n, &e->load_ident) ? -EBADMSG : 0;
	} else if (IS("load_generation")) {
		NUM(load_ident.gen, 0, UINT32_MAX);
	} else if (IS("load_origin")) {
		ret = get_str(v, n, e->load_ident.origin, sizeof(e->load_ident.origin));
	} else if (IS("load_origin_vf")) {
		NUM(load_ident.origin_vf, 0, INTEL_LM_VF_MAX);
	} else if (IS("protocol")) {
		int p;

		ret = get_str(v, n, word, sizeof(word));
		p = ret ? -EINVAL : intel_lm_protocol_parse(word);
		if (p < 0 || p == INTEL_LM_PROTO_AUTO)
			ret = -EBADMSG;
		else
			e->protocol = (uint8_t)p;
	}
	/* Keys of a later version are passed over. */
#undef IS
	return ret;
}

/* @digits lowercase hex digits at @p, as put_hex() writes them; -EBADMSG for anything else. */
static int get_hex(const char *p, int digits, uint64_t *out)
{
	uint64_t v = 0;
	int i, d;

	for (i = 0; i < digits; i++) {
		d = p[i] >= 'a' ? hexval(p[i]) : p[i] >= '0' && p[i] <= '9' ? p[i] - '0' : -1;
		if (d < 0)
			return -EBADMSG;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* What a slot's header says: its entry's sequence number, its body's length and CRC-32. */
struct slot_hdr {
	uint64_t seq;
	size_t len;
	uint32_t crc;
};

/* A slot's header, read once; the CRC it names is checked apart (slot_crc_ok()). */
static int slot_header(const char *slot, struct slot_hdr *h)
{
	uint64_t seq, blen, crc;

	if (memcmp(slot, REC_MAGIC, sizeof(REC_MAGIC) - 1) || slot[REC_HDR_LEN - 1] != '\n' ||
	    slot[24] != ' ' || slot[29] != ' ')
		return -EBADMSG;
	/* Exactly the hex digits the writer puts there: no sign, no space, no capitals. */
	if (get_hex(slot + 8, 16, &seq) || get_hex(slot + 25, 4, &blen) ||
	    get_hex(slot + REC_CRC_AT, 8, &crc))
		return -EBADMSG;
	if (!seq || seq == UINT64_MAX || blen > REC_BODY_MAX)
		return -EBADMSG;
	h->seq = seq;
	h->len = (size_t)blen;
	h->crc = (uint32_t)crc;
	return 0;
}

/* Whether a slot's CRC, over its header up to the CRC field and its body, is the one it says. */
static bool slot_crc_ok(const char *slot, const struct slot_hdr *h)
{
	uLong want;

	want = crc32(0L, (const Bytef *)slot, REC_CRC_AT);
	want = crc32(want, (const Bytef *)slot + REC_HDR_LEN, (uInt)h->len);
	return (want & 0xffffffffUL) == h->crc;
}

int intel_lm_kv_walk(const char *p, size_t len,
		     int (*fn)(void *priv, const char *key, size_t klen, const char *val,
			       size_t vlen),
		     void *priv)
{
	const char *lim = p + len;
	int ret;

	while (p < lim) {
		const char *nl = memchr(p, '\n', (size_t)(lim - p));
		const char *eq;

		if (!nl)
			return -EBADMSG;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (!eq)
			return -EBADMSG;
		ret = fn(priv, p, (size_t)(eq - p), eq + 1, (size_t)(nl - eq - 1));
		if (ret)
			return ret;
		p = nl + 1;
	}
	return 0;
}

struct body {
	struct intel_lm_rec_entry *e;
	unsigned int seen;
};

static int body_field(void *priv, const char *k, size_t kn, const char *v, size_t n)
{
	struct body *b = priv;

	return decode_field(b->e, k, kn, v, n, &b->seen);
}

/* The body of a slot whose header checked out. */
static int decode_body(const char *slot, uint64_t seq, size_t blen, struct intel_lm_rec_entry *e)
{
	struct body b = { .e = e };
	int ret;

	memset(e, 0, sizeof(*e));
	e->seq = seq;
	ret = intel_lm_kv_walk(slot + REC_HDR_LEN, blen, body_field, &b);
	if (ret)
		return ret;
	/* The PF, the VF and the state are required. */
	return b.seen == 7 ? 0 : -EBADMSG;
}

/*
 * The newest valid entry of a file's contents; -EBADMSG when none, -ENODATA when blank. Only
 * the newer slot's body is decoded, the other's when the newer one's does not decode. @newest,
 * unless NULL, is set to the sequence number of the newest slot whose header checks out.
 */
static int decode_file_newest(const char *data, size_t len, struct intel_lm_rec_entry *e,
			      uint64_t *newest)
{
	struct intel_lm_rec_entry t;
	struct slot_hdr h[2];
	bool ok[2] = { false, false };
	int i, first;
	size_t z;

	/* Entry N is written to slot N % 2: anything else is not ours to trust. */
	for (i = 0; i < 2 && len == REC_FILE; i++)
		ok[i] = !slot_header(data + (size_t)i * REC_SLOT, &h[i]) &&
			h[i].seq % 2 == (uint64_t)i;
	if (len != REC_FILE || (!ok[0] && !ok[1])) {
		/* A file created but never written is all zeros: blank, not corrupt. */
		for (z = 0; z < len && !data[z]; z++)
			;
		return z == len ? -ENODATA : -EBADMSG;
	}
	first = ok[0] && ok[1] ? h[1].seq > h[0].seq : ok[1];
	if (newest)
		*newest = h[first].seq;
	for (i = first; ; i = !i) {
		const char *slot = data + (size_t)i * REC_SLOT;

		/* @e is left alone unless an entry checks out and decodes whole. */
		if (ok[i] && slot_crc_ok(slot, &h[i]) &&
		    !decode_body(slot, h[i].seq, h[i].len, &t)) {
			*e = t;
			return 0;
		}
		if (i != first)
			break;
	}
	return -EBADMSG;
}

static int decode_file(const char *data, size_t len, struct intel_lm_rec_entry *e)
{
	return decode_file_newest(data, len, e, NULL);
}

/* Files */

/* A record file is ours (@uid's) alone: regular, one link, writable by no one else. */
static int check_file_as(int fd, struct stat *st, uid_t uid)
{
	if (fstat(fd, st) < 0)
		return -errno;
	if (!S_ISREG(st->st_mode) || st->st_nlink != 1 || st->st_uid != uid ||
	    (st->st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	return 0;
}

static int check_file(int fd)
{
	struct stat st;

	return check_file_as(fd, &st, geteuid());
}

/* Boots */

static char boot_id[37];
static pthread_once_t boot_once = PTHREAD_ONCE_INIT;

static void read_boot_id(void)
{
	const char *path = secure_getenv("INTEL_LM_BOOT_ID_FILE");
	char buf[40] = "";
	ssize_t n;
	int fd, i;

	fd = open(path && *path ? path : "/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	/* A UUID as the kernel writes it, "8-4-4-4-12" lowercase hex digits, then a newline. */
	if (n < 36 || (n > 36 && buf[36] != '\n'))
		return;
	for (i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? buf[i] != '-' :
		    !((buf[i] >= '0' && buf[i] <= '9') || (buf[i] >= 'a' && buf[i] <= 'f')))
			return;
	memcpy(boot_id, buf, 36);
}

const char *intel_lm_boot_id(void)
{
	pthread_once(&boot_once, read_boot_id);
	return boot_id;
}

bool intel_lm_record_outlive(struct intel_lm_rec_entry *e, enum intel_lm_outlived why)
{
	if (e->outlived)
		return true;
	if (why == INTEL_LM_OUTLIVED_NO || (!e->pending && e->state != INTEL_LM_VF_SUSPENDED &&
					     e->state != INTEL_LM_VF_SAVED &&
					     e->state != INTEL_LM_VF_LOADED))
		return false;
	e->outlived = (uint8_t)why;
	e->outlived_state = (uint8_t)e->state;
	e->state = INTEL_LM_VF_UNKNOWN;
	return true;
}

/* A reboot undid what an entry of an earlier boot says (one of no boot: perhaps). */
static void check_boot(struct intel_lm_rec_entry *e)
{
	const char *boot = intel_lm_boot_id();

	if (*boot && strcmp(e->boot_id, boot))
		intel_lm_record_outlive(e, e->boot_id[0] ? INTEL_LM_OUTLIVED_BOOT :
					INTEL_LM_OUTLIVED_NO_BOOT);
}

/* Read and decode an open record file. One byte more than a record shows a file too long. */
static int read_entry(int fd, struct intel_lm_rec_entry *e)
{
	char *data = malloc(REC_FILE + 1);
	ssize_t n;
	int ret;

	if (!data)
		return -ENOMEM;
	n = intel_lm_read_full(fd, data, REC_FILE + 1);
	ret = n < 0 ? (int)n : decode_file(data, (size_t)n, e);
	free(data);
	if (!ret)
		check_boot(e);
	return ret;
}

/*
 * read_entry() in three small reads instead of the whole file: both slots' headers, then the
 * newer slot's header and body (what every command's one rule reads of every record). Any
 * doubt (a file of another size, a header that does not check out, a slot that does not
 * decode) falls back to read_entry(), which judges the file as a whole.
 */
static int read_entry_quick(int fd, struct intel_lm_rec_entry *e)
{
	char hdr[2][REC_HDR_LEN], slot[REC_SLOT];
	struct intel_lm_rec_entry t;
	struct slot_hdr h[2];
	bool ok[2] = { false, false };
	struct stat st;
	int i, first;

	if (fstat(fd, &st) < 0 || st.st_size != (off_t)REC_FILE)
		return read_entry(fd, e);
	for (i = 0; i < 2; i++)
		ok[i] = pread(fd, hdr[i], REC_HDR_LEN, (off_t)i * REC_SLOT) == REC_HDR_LEN &&
			!slot_header(hdr[i], &h[i]) && h[i].seq % 2 == (uint64_t)i;
	if (!ok[0] && !ok[1])
		return read_entry(fd, e);
	first = ok[0] && ok[1] ? h[1].seq > h[0].seq : ok[1];
	if (!ok[first] ||
	    pread(fd, slot, REC_HDR_LEN + h[first].len, (off_t)first * REC_SLOT) !=
	    (ssize_t)(REC_HDR_LEN + h[first].len) ||
	    memcmp(slot, hdr[first], REC_HDR_LEN) || !slot_crc_ok(slot, &h[first]) ||
	    decode_body(slot, h[first].seq, h[first].len, &t))
		return read_entry(fd, e);
	*e = t;
	check_boot(e);
	return 0;
}

int intel_lm_record_read_at(int dirfd, const char *name, struct intel_lm_rec_entry *entry)
{
	int fd, ret;

	memset(entry, 0, sizeof(*entry));
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = check_file(fd);
	if (!ret)
		ret = read_entry_quick(fd, entry);
	close(fd);
	return ret == -ENODATA ? -ENOENT : ret;
}

int intel_lm_record_read(const char *path, struct intel_lm_rec_entry *entry)
{
	return intel_lm_record_read_at(AT_FDCWD, path, entry);
}

/*
 * A record file read whole for a scan: its ownership (@euid's) and mode checked, both
 * slots in one pread, decoded as read_entry() does. @stamp keeps both slots' headers as they
 * were read, and whether the newest header's slot is the one that decoded: only then does an
 * unchanged pair of headers mean an unchanged entry (intel_lm_record_unchanged()).
 */
int intel_lm_record_read_stamped(int fd, char *buf, struct intel_lm_rec_entry *e,
				 struct intel_lm_rec_stamp *stamp, uid_t euid)
{
	struct timespec now;
	uint64_t newest;
	struct stat st;
	ssize_t n;
	int ret;

	stamp->settled = false;
	ret = check_file_as(fd, &st, euid);
	if (ret)
		return ret;
	/* One byte more than a record shows a file too long. */
	n = pread(fd, buf, REC_FILE + 1, 0);
	if (n < 0)
		return -errno;
	clock_gettime(CLOCK_REALTIME_COARSE, &now);
	ret = decode_file_newest(buf, (size_t)n, e, &newest);
	if (ret)
		return ret == -ENODATA ? -ENOENT : ret;
	check_boot(e);
	memcpy(stamp->hdr[0], buf, REC_HDR_LEN);
	memcpy(stamp->hdr[1], buf + REC_SLOT, REC_HDR_LEN);
	/*
	 * The entry came from the slot whose valid header is the newest: nothing newer waits. And
	 * the file's last change is of an earlier clock tick than this read, so that any change
	 * after it shows in its ctime (as racy-git does), even one that kept the headers.
	 */
	stamp->ctime = st.st_ctim;
	stamp->settled = (size_t)n == REC_FILE && e->seq == newest &&
			 (st.st_ctim.tv_sec < now.tv_sec ||
			  (st.st_ctim.tv_sec == now.tv_sec && st.st_ctim.tv_nsec < now.tv_nsec));
	return 0;
}

/*
 * Whether a record file read by intel_lm_record_read_stamped() still holds that entry, from
 * its status (ownership, mode, links, size, ctime) and both slots' headers alone: three system
 * calls, no decoding (@euid is geteuid(), which a scan asks once). A writer puts a new entry in
 * the other slot under a new header (a new sequence number, and the body's length and CRC);
 * any other change to the file moves its ctime past the one read.
 */
bool intel_lm_record_unchanged(int fd, const struct intel_lm_rec_stamp *stamp, uid_t euid)
{
	char hdr[REC_HDR_LEN];
	struct stat st;
	int i;

	if (!stamp->settled || check_file_as(fd, &st, euid) || st.st_size != (off_t)REC_FILE ||
	    st.st_ctim.tv_sec != stamp->ctime.tv_sec || st.st_ctim.tv_nsec != stamp->ctime.tv_nsec)
		return false;
	for (i = 0; i < 2; i++)
		if (pread(fd, hdr, REC_HDR_LEN, (off_t)i * REC_SLOT) != REC_HDR_LEN ||
		    memcmp(hdr, stamp->hdr[i], REC_HDR_LEN))
			return false;
	return true;
}

bool intel_lm_record_name(const char *name)
{
	size_t l = strlen(name), sl = strlen(REC_SUFFIX);

	return name[0] != '.' && l > sl && !strcmp(name + l - sl, REC_SUFFIX);
}

/* A new record file: written whole with zeros, so that entries overwrite allocated blocks. */
static int create_file(const char *dir, const char *path)
{
	char *zero = calloc(1, REC_FILE);
	int fd, ret = 0;
	ssize_t n;

	if (!zero)
		return -ENOMEM;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		free(zero);
		return ret;
	}
	n = pwrite(fd, zero, REC_FILE, 0);
	free(zero);
	if (n != REC_FILE)
		ret = n < 0 ? -errno : -EIO;
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (!ret)
		ret = intel_lm_fsync_dir(dir);
	if (ret) {
		close(fd);
		unlink(path);
		return ret;
	}
	return fd;
}

/* This process's command line, read once: a batch opened /proc/self/cmdline for every VF. */
static char self_line[sizeof(((struct intel_lm_record *)0)->self)];
static pthread_once_t self_once = PTHREAD_ONCE_INIT;

static void self_read(void)
{
	ssize_t n, i;
	int fd;

	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, self_line, sizeof(self_line) - 1);
	close(fd);
	if (n <= 0) {
		self_line[0] = '\0';
		return;
	}
	for (i = 0; i < n - 1; i++)
		if (!self_line[i])
			self_line[i] = ' ';
	self_line[n] = '\0';
}

static char *self_cmdline(char *buf, size_t len)
{
	pthread_once(&self_once, self_read);
	snprintf(buf, len, "%s", self_line);
	return buf;
}

static void keep_doubt(struct intel_lm_rec_entry *e);

/* Whether the VF, as its entry says before an intent, runs nothing (@idle_before). */
static bool ran_nothing(const struct intel_lm_rec_entry *e)
{
	return e->state != INTEL_LM_VF_RUNNING && !e->may_run && !e->still_runs;
}

/* What the entry kept of a doubt is settled: the VF's state is known again. */
static void forget_doubt(struct intel_lm_rec_entry *e)
{
	e->may_run = 0;
	e->still_runs = 0;
}

int intel_lm_record_open(const char *dir, const struct intel_lm_pf_id *pf, uint16_t vf,
			 struct intel_lm_record *rec)
{
	struct intel_lm_rec_entry *e = &rec->entry;
	int ret;

	memset(rec, 0, sizeof(*rec));
	rec->fd = -1;
	if (!dir || !*dir)
		dir = INTEL_LM_STATE_DIR;
	ret = intel_lm_record_path(dir, pf->key, vf, rec->path, sizeof(rec->path));
	if (ret)
		return ret;

	rec->fd = open(rec->path, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (rec->fd < 0) {
		/* create_file() returns the descriptor or a negative errno of its own. */
		ret = errno == ENOENT ? create_file(dir, rec->path) : -errno;
		if (ret < 0)
			return ret;
		rec->fd = ret;
	}
	ret = check_file(rec->fd);
	if (ret) {
		intel_lm_record_close(rec);
		return ret;
	}
	ret = read_entry(rec->fd, e);
	rec->existed = !ret;
	if (ret == -ENODATA || ret == -EBADMSG) {
		uint64_t seq = 0;

		/* A corrupt entry says nothing: the VF's state is unknown until it is settled. */
		memset(e, 0, sizeof(*e));
		e->seq = seq;
		e->state = ret == -EBADMSG ? INTEL_LM_VF_UNKNOWN : INTEL_LM_VF_RUNNING;
		e->pf = *pf;
		e->vf = vf;
		ret = ret == -ENODATA ? 0 : ret;
	} else if (ret) {
		intel_lm_record_close(rec);
		return ret;
	}
	/* The entry is this PF's VF, whatever the file said. */
	if (!ret && (strcmp(e->pf.key, pf->key) || e->vf != vf)) {
		uint64_t seq = e->seq;

		/* Another VF's entry: nothing of it belongs here, only its place in the slots. */
		memset(e, 0, sizeof(*e));
		e->seq = seq;
		e->state = INTEL_LM_VF_UNKNOWN;
		e->pf = *pf;
		e->vf = vf;
		rec->existed = false;
		ret = -EBADMSG;
	}
	/*
	 * A command still pending belongs to a process that died with it in flight (the caller
	 * holds the VF's lock): its effect is unknown.
	 */
	if (e->pending) {
		/* Whether the state before the intent ran nothing (intel_lm_record_may_run()). */
		e->idle_before = ran_nothing(e);
		e->state = INTEL_LM_VF_UNKNOWN;
		e->last_opcode = e->pending_then ? e->pending_then : e->pending;
		/*
		 * That it may run is kept in so many words: a write that closes the entry without
		 * sending anything clears @pending, and with it what the doubt was.
		 */
		keep_doubt(e);
	}
	/* What this process writes carries its own command line. */
	self_cmdline(rec->self, sizeof(rec->self));
	return ret;
}

void intel_lm_record_close(struct intel_lm_record *rec)
{
	if (rec->fd >= 0)
		close(rec->fd);
	rec->fd = -1;
}

/* The next slot written, then made durable when @durable (else it is in the page cache only). */
static int record_store(struct intel_lm_record *rec, bool durable)
{
	struct intel_lm_rec_entry *e = &rec->entry;
	char *slot;
	int len, err = 0;
	ssize_t n;

	if (rec->fd < 0)
		return -EBADF;
	slot = malloc(REC_SLOT);
	if (!slot)
		return -ENOMEM;
	e->seq++;
	e->pid = (int32_t)getpid();
	if (!e->since)
		e->since = (int64_t)time(NULL);
	_Static_assert(sizeof(e->cmdline) == sizeof(rec->self), "the command line fits as it is");
	memcpy(e->cmdline, rec->self, sizeof(e->cmdline) - 1);
	e->cmdline[sizeof(e->cmdline) - 1] = '\0';
	/* The entry belongs to this boot; what was outlived says unknown now, as written. */
	memcpy(e->boot_id, intel_lm_boot_id(), sizeof(e->boot_id));
	e->outlived = 0;
	e->outlived_state = 0;
	len = encode(e, slot);
	if (len < 0) {
		e->seq--;
		free(slot);
		return len;
	}
	n = pwrite(rec->fd, slot, (size_t)len, (off_t)((e->seq % 2) * REC_SLOT));
	free(slot);
	if (n == len && (!durable || fdatasync(rec->fd) == 0))
		return 0;
	/* A short write (n >= 0) leaves errno untouched: say EIO. */
	err = n < 0 || n == len ? -errno : -EIO;
	/* On failure the other slot still holds the previous entry. */
	if (err)
		e->seq--;
	return err;
}

int intel_lm_record_write(struct intel_lm_record *rec)
{
	return record_store(rec, true);
}

int intel_lm_record_write_later(struct intel_lm_record *rec)
{
	return record_store(rec, false);
}

bool intel_lm_record_state_kept(const struct intel_lm_rec_entry *e)
{
	struct stat st;

	if (e->state != INTEL_LM_VF_SAVED || e->pending)
		return false;
	/* The source of a migration that finished: its state runs in the destination. */
	if (e->op == INTEL_LM_OP_MIGRATE && e->role == INTEL_LM_ROLE_SOURCE && !e->op_open)
		return true;
	/* A file of its state, not a safety copy, that is there and holds at least the state. */
	return e->state_file[0] == '/' && !e->state_file_temporary &&
	       stat(e->state_file, &st) == 0 && S_ISREG(st.st_mode) &&
	       (uint64_t)st.st_size >= e->state_size;
}

static void set_state(struct intel_lm_rec_entry *e, enum intel_lm_vf_state s)
{
	if (e->state != s || !e->since)
		e->since = (int64_t)time(NULL);
	e->state = s;
}

int intel_lm_record_begin(struct intel_lm_record *rec, uint8_t opcode)
{
	return intel_lm_record_begin_then(rec, opcode, 0);
}

/* An intent in the entry, written; made durable now when @durable. */
static int begin(struct intel_lm_record *rec, uint8_t opcode, uint8_t then, bool durable)
{
	/* The doubt this command's intent would hide is kept in so many words. */
	if (rec->entry.state == INTEL_LM_VF_UNKNOWN)
		keep_doubt(&rec->entry);
	rec->entry.idle_before = ran_nothing(&rec->entry);
	rec->entry.pending = opcode;
	rec->entry.pending_then = then;
	return record_store(rec, durable);
}

int intel_lm_record_begin_then(struct intel_lm_record *rec, uint8_t opcode, uint8_t then)
{
	return begin(rec, opcode, then, true);
}

int intel_lm_record_begin_unsynced(struct intel_lm_record *rec, uint8_t opcode)
{
	return begin(rec, opcode, 0, false);
}

int intel_lm_record_sync(struct intel_lm_record *rec)
{
	if (rec->fd < 0)
		return -EBADF;
	if (!fdatasync(rec->fd))
		return 0;
	/* As record_store() after a failed fdatasync: the next write goes to the same slot. */
	rec->entry.seq--;
	return -errno;
}

/*
 * Whether a VF in state @s is, on record, in the state @opcode needs (on a device that checks):
 * running for SUSPEND, not running for RESUME, suspended for SAVE_DATA and LOAD_DATA. Whether it
 * runs is what the one rule hangs on: a Command Sequence Error then says the record is wrong.
 */
static bool state_needed(enum intel_lm_vf_state s, uint8_t opcode)
{
	if (s == INTEL_LM_VF_UNKNOWN)
		return false;
	if (opcode == INTEL_LM_OPC_SUSPEND)
		return s == INTEL_LM_VF_RUNNING;
	if (opcode == INTEL_LM_OPC_RESUME)
		return s != INTEL_LM_VF_RUNNING;
	/*
	 * SAVE_DATA and LOAD_DATA need a suspended VF; a device may refuse them for a VF it saved
	 * or loaded already (Intel's refuses a SAVE_DATA right after LOAD_DATA), which says
	 * nothing of whether it runs.
	 */
	return s == INTEL_LM_VF_SUSPENDED;
}

/* intel_lm_record_may_run() of the doubt the entry holds, not of what it kept of earlier ones. */
static bool doubt_may_run(const struct intel_lm_rec_entry *e)
{
	uint8_t doubt = e->pending ? e->pending : e->last_opcode;

	if (!e->pending && e->state != INTEL_LM_VF_UNKNOWN)
		return false;
	/*
	 * A SUSPEND in doubt of a VF that ran nothing before it (saved, suspended, loaded) runs
	 * nothing whatever it did: taking it for one that may have run would fold a generation
	 * into the identity that the VF never ran, and a copy saved next would be labelled as
	 * newer than it is. The state before is on record with the intent (@state, as read
	 * without intel_lm_record_open()), or @idle_before once the entry was opened.
	 */
	if (e->pending == INTEL_LM_OPC_SUSPEND && !e->pending_then &&
	    (e->state == INTEL_LM_VF_UNKNOWN ? e->idle_before : e->state != INTEL_LM_VF_RUNNING))
		return false;
	/*
	 * A SAVE_DATA or LOAD_DATA in doubt of a VF that was running (its intent written, the
	 * command perhaps never sent, or refused as the device refuses both for a VF not
	 * suspended) leaves it running.
	 */
	if ((e->pending == INTEL_LM_OPC_SAVE_DATA || e->pending == INTEL_LM_OPC_LOAD_DATA) &&
	    (e->state == INTEL_LM_VF_UNKNOWN ? !e->idle_before : e->state == INTEL_LM_VF_RUNNING))
		return true;
	/*
	 * A LOAD_DATA or SAVE_DATA in doubt leaves a VF suspended, unless RESUME was to follow; an
	 * unknown VF whose last SUSPEND succeeded runs nothing either, nor one whose SUSPEND the
	 * device refused as out of sequence: a device that checks refuses SUSPEND of a VF that
	 * runs nothing (tests/emu/README.md, strict), and it has not run since.
	 */
	return e->pending_then == INTEL_LM_OPC_RESUME ||
	       (doubt != INTEL_LM_OPC_LOAD_DATA && doubt != INTEL_LM_OPC_SAVE_DATA &&
		!(!e->pending && doubt == INTEL_LM_OPC_SUSPEND &&
		  (!e->last_ret || (e->last_ret > 0 && (e->last_ret & 0x7ff) == 0x00c))));
}

bool intel_lm_record_may_run(const struct intel_lm_rec_entry *e)
{
	return e->may_run || e->still_runs || doubt_may_run(e);
}

/*
 * A RESUME that returned @ret and had no effect, of a VF whose doubt, as kept before it, is
 * that it may run on at the generation it ran (a SAVE_DATA or LOAD_DATA in doubt of a running
 * VF): the refusal is that doubt, not a generation it ran. Counting one would fold it into
 * both identities the VF may hold, and a LOAD_DATA in doubt's would label the VF's next copy
 * as newer than any true copy of the loaded state: the rule would take that copy for a later
 * run of it, and let the true later run elsewhere be replaced as kept.
 */
static bool resume_refused(const struct intel_lm_rec_entry *e, int ret)
{
	return e->still_runs && !e->may_run && intel_lm_effect_of(ret) == INTEL_LM_EFFECT_NONE;
}

/*
 * Whether the VF may have run a newer generation than its entry names: only a RESUME starts
 * one, so only a RESUME that may have been sent (in doubt, refused as out of sequence, or to
 * follow a LOAD_DATA in the same write; not one refused of a VF that may run on,
 * resume_refused()). A SUSPEND, SAVE_DATA or LOAD_DATA in doubt of a VF that ran leaves it
 * running at most, at the generation it ran: counting one more would label its next copy newer
 * than the state it holds, as new as a later run of an older copy elsewhere, and the rule would
 * take one for the other.
 */
static bool ran_newer(const struct intel_lm_rec_entry *e)
{
	uint8_t doubt = e->pending ? e->pending : e->last_opcode;

	if (e->may_run)
		return true;
	if (!doubt_may_run(e))
		return false;
	if (!e->pending && doubt == INTEL_LM_OPC_RESUME && resume_refused(e, e->last_ret))
		return false;
	return e->pending_then == INTEL_LM_OPC_RESUME ||
	       (doubt != INTEL_LM_OPC_SUSPEND && doubt != INTEL_LM_OPC_SAVE_DATA &&
		doubt != INTEL_LM_OPC_LOAD_DATA);
}

/*
 * The doubt an entry holds, kept in so many words before a write hides it: a newer generation
 * it may have run, or that it may still run the one it ran.
 */
static void keep_doubt(struct intel_lm_rec_entry *e)
{
	if (ran_newer(e))
		e->may_run = 1;
	else if (intel_lm_record_may_run(e))
		e->still_runs = 1;
}

/* Both identities a VF may hold are one generation newer: it may have run either. */
static void ran(struct intel_lm_rec_entry *e)
{
	if (intel_lm_identity_is_set(&e->ident))
		e->ident.gen++;
	if (intel_lm_identity_is_set(&e->load_ident))
		e->load_ident.gen++;
}

void intel_lm_record_confirm(struct intel_lm_rec_entry *e, enum intel_lm_vf_state state)
{
	if (ran_newer(e))
		ran(e);
	forget_doubt(e);
	e->state = state;
	e->pending = 0;
	e->pending_then = 0;
}

void intel_lm_record_apply(struct intel_lm_record *rec, uint8_t opcode, int ret)
{
	struct intel_lm_rec_entry *e = &rec->entry;
	enum intel_lm_effect eff = intel_lm_effect_of(ret);
	/*
	 * What the VF may have done before this command, which its outcome must not forget: run a
	 * newer generation, or only go on running the one it ran.
	 */
	bool ran_before = e->state == INTEL_LM_VF_UNKNOWN && ran_newer(e) &&
			  !(opcode == INTEL_LM_OPC_RESUME && e->pending == opcode &&
			    resume_refused(e, ret));
	bool ran_still = e->state == INTEL_LM_VF_UNKNOWN && !ran_before &&
			 intel_lm_record_may_run(e);
	bool was_running = e->state == INTEL_LM_VF_RUNNING;
	bool contradicts = eff == INTEL_LM_EFFECT_NONE && ret > 0 && (ret & 0x7ff) == 0x00c &&
			   intel_lm_opcode_changes_state(opcode) && state_needed(e->state, opcode);

	/*
	 * A Command Sequence Error says the VF is not in the state the command needs: when the
	 * record says it is, the record is wrong (the VF was changed by other means), and the
	 * VF's state is unknown. A refusal of what the record already shows changes nothing.
	 */
	if (contradicts)
		set_state(e, INTEL_LM_VF_UNKNOWN);
	else
		set_state(e, intel_lm_state_after(e->state, opcode, eff));
	/*
	 * LOAD_DATA: the VF holds what it loaded once it took effect; nothing changed without
	 * effect; in doubt it holds either, and the entry keeps both.
	 */
	if (opcode == INTEL_LM_OPC_LOAD_DATA && eff != INTEL_LM_EFFECT_UNKNOWN) {
		if (eff == INTEL_LM_EFFECT_DONE && intel_lm_identity_is_set(&e->load_ident))
			e->ident = e->load_ident;
		memset(&e->load_ident, 0, sizeof(e->load_ident));
		/* Without effect it holds what it held, perhaps the state no longer named. */
		if (eff == INTEL_LM_EFFECT_DONE)
			e->load_lost = 0;
	}
	/*
	 * A state that runs again is a new version: every copy taken before is stale. With a
	 * LOAD_DATA in doubt the VF runs its own state, which has no identity to protect, or the
	 * loaded one: it runs the loaded one, as far as the rule is concerned.
	 */
	if (opcode == INTEL_LM_OPC_RESUME && eff == INTEL_LM_EFFECT_DONE) {
		if (!intel_lm_identity_is_set(&e->ident)) {
			e->ident = e->load_ident;
			memset(&e->load_ident, 0, sizeof(e->load_ident));
		}
		ran(e);
		forget_doubt(e);
	} else if (eff == INTEL_LM_EFFECT_DONE && (opcode == INTEL_LM_OPC_SUSPEND ||
						   opcode == INTEL_LM_OPC_SAVE_DATA)) {
		/* It runs nothing now; what it may have run since is a newer generation. */
		if (ran_before || e->may_run)
			ran(e);
		forget_doubt(e);
	} else if (opcode == INTEL_LM_OPC_LOAD_DATA && eff == INTEL_LM_EFFECT_DONE) {
		forget_doubt(e);
	} else {
		/* Nothing learnt of whether it ran: a RESUME in doubt, or refused as running. */
		e->may_run = ran_before || e->may_run ||
			     (opcode == INTEL_LM_OPC_RESUME && eff == INTEL_LM_EFFECT_UNKNOWN) ||
			     (opcode != INTEL_LM_OPC_SUSPEND && contradicts);
		/* in doubt, of a VF that ran: it may run on, at the generation it ran */
		e->still_runs = !e->may_run &&
				(ran_still || e->still_runs ||
				 (was_running && eff == INTEL_LM_EFFECT_UNKNOWN &&
				  (opcode == INTEL_LM_OPC_SAVE_DATA ||
				   opcode == INTEL_LM_OPC_LOAD_DATA)));
	}
	e->last_opcode = opcode;
	e->last_ret = ret;
	/* What was to follow without another write goes on pending only after a success. */
	e->pending = ret ? 0 : e->pending_then;
	e->pending_then = 0;
	/* A new state of the VF makes an older saved-state file a thing of the past. */
	if (eff != INTEL_LM_EFFECT_NONE && opcode != INTEL_LM_OPC_SAVE_DATA &&
	    !(opcode == INTEL_LM_OPC_SUSPEND && e->state == INTEL_LM_VF_SAVED)) {
		e->state_file[0] = '\0';
		e->state_size = 0;
		e->state_crc = 0;
		e->state_file_temporary = false;
		memset(&e->file_ident, 0, sizeof(e->file_ident));
	}
}

int intel_lm_record_take_charge(struct intel_lm_record *rec)
{
	struct intel_lm_rec_entry *e = &rec->entry;

	if (intel_lm_identity_is_set(&e->ident) && !intel_lm_identity_is_set(&e->load_ident))
		return 0;
	/*
	 * Its own state or the one a LOAD_DATA in doubt brought: the copy is of the loaded one.
	 * Holding one of two identities (the rule refuses that unless forced), the copy names
	 * the loaded one too: mislabelled, a copy of the VF's own state is at worst refused
	 * while the loaded state runs elsewhere; the other way, the loaded state could run twice.
	 */
	if (intel_lm_identity_is_set(&e->load_ident)) {
		e->ident = e->load_ident;
		memset(&e->load_ident, 0, sizeof(e->load_ident));
		return 0;
	}
	return intel_lm_identity_new(&e->ident, e->pf.key, e->vf);
}

void intel_lm_record_loading(struct intel_lm_record *rec, const struct intel_lm_identity *incoming)
{
	struct intel_lm_rec_entry *e = &rec->entry;

	/*
	 * A VF that holds its own state or the one an earlier LOAD_DATA in doubt brought holds
	 * the loaded one, as far as the rule is concerned (as RESUME and SAVE_DATA take it): it
	 * is what this LOAD_DATA replaces, and what the VF still holds if it has no effect.
	 */
	if (!intel_lm_identity_is_set(&e->ident) && intel_lm_identity_is_set(&e->load_ident))
		e->ident = e->load_ident;
	/*
	 * One of two already (its own, or an earlier LOAD_DATA's in doubt): the entry has room
	 * for two, and names the earlier loaded one no more. That it may hold a state it does not
	 * name is kept in so many words, until a LOAD_DATA takes effect.
	 */
	if (intel_lm_identity_is_set(&e->ident) && intel_lm_identity_is_set(&e->load_ident) &&
	    !intel_lm_identity_same(&e->load_ident, incoming))
		e->load_lost = 1;
	e->load_ident = *incoming;
}

int intel_lm_record_end(struct intel_lm_record *rec, uint8_t opcode, int ret, uint8_t next)
{
	intel_lm_record_apply(rec, opcode, ret);
	if (next)
		rec->entry.pending = next;
	return intel_lm_record_write(rec);
}

/* Listing */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void intel_lm_record_list_free(char **paths, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free(paths[i]);
	free(paths);
}

int intel_lm_record_list(const char *dir, char ***paths, size_t *count)
{
	size_t n = 0, room = 0;
	char **v = NULL, **nv;
	struct dirent *de;
	DIR *d;

	*paths = NULL;
	*count = 0;
	if (!dir || !*dir)
		dir = INTEL_LM_STATE_DIR;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char *p;

		if (!intel_lm_record_name(de->d_name))
			continue;
		if (n == room) {
			room = room ? room * 2 : 16;
			nv = realloc(v, room * sizeof(*v));
			if (!nv)
				goto nomem;
			v = nv;
		}
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
			goto nomem;
		v[n++] = p;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*paths = v;
	*count = n;
	return 0;
nomem:
	closedir(d);
	intel_lm_record_list_free(v, n);
	return -ENOMEM;
}
