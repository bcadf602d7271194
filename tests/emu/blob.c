// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The content of an emulated VF's migration state: self-checking, and telling where it came
 * from. All integers little-endian:
 *
 *	offset	size	field
 *	0	8	magic "ILMEMU\0\1"
 *	8	4	version (1)
 *	12	4	size: the whole state in bytes, header and CRC included
 *	16	20	serial of the PF it was generated on (space padded, as in Identify)
 *	36	2	VF index it was generated for
 *	38	2	VQ count
 *	40	4	generation counter: 0 when generated, +1 at each RESUME that ran it
 *	44	4	CRC32 (IEEE 802.3, as zlib) of every other byte: 0..43, then 48..size-1
 *	48	4	flags: bit 0 (EMU_BLOB_PROTECTED) set by a SAVE_DATA that succeeded
 *	52	4	reserved, 0
 *	56	8	lineage: a nonce given to each freshly generated state (unique per setup)
 *	64	size-64	pseudo-random body, a function of the header but its CRC
 *
 * The check sits in the header, not at the end: a CRC-32 stored after the bytes it covers
 * (inverted or not) makes the CRC-32 of the whole state one constant for every state, so a
 * state file's payload CRC could not tell two states apart. Here it differs between states.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <zlib.h>

#include "priv.h"

#define BLOB_MAGIC	"ILMEMU\0\1"
#define BLOB_VERSION	3
#define BLOB_HDR	64u
#define BLOB_CRC	44u

/* the state size of a VF with @nvq I/O queues, when the configuration does not fix it */
uint32_t emu_state_size(uint16_t nvq)
{
	return 0x2c8 + (uint32_t)nvq * 0x1f4;
}

/* The state's check value: zlib's CRC-32 of the @len bytes at @p but its own field. */
static uint32_t state_check(const uint8_t *p, size_t len)
{
	uLong c = crc32(0L, p, BLOB_CRC);

	return (uint32_t)crc32(c, p + BLOB_CRC + 4, (uInt)(len - BLOB_CRC - 4));
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void put16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return le16toh(v);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

/* the body, a function of the header but its CRC, and the CRC, of a state whose header is set */
static void blob_fill(uint8_t *p, uint32_t size)
{
	uint64_t seed, r;
	size_t n, i;

	seed = 0xcbf29ce484222325ull;
	for (i = 0; i < BLOB_HDR; i++)
		if (i < BLOB_CRC || i >= BLOB_CRC + 4)
			seed = (seed ^ p[i]) * 0x100000001b3ull;
	for (i = BLOB_HDR; i < size; i += 8) {
		r = htole64(splitmix64(&seed));
		n = size - i < 8 ? size - i : 8;
		memcpy(p + i, &r, n);
	}
	put32(p + BLOB_CRC, state_check(p, size));
}

/*
 * Fill @buf (@size bytes, at least EMU_BLOB_MIN) with the state of VF @vf of the PF with
 * serial @serial, of lineage @id at generation @gen with @flags: the same arguments always
 * give the same bytes.
 */
void emu_blob_generate(void *buf, uint32_t size, const struct emu_blob_id *id)
{
	uint8_t *p = buf;
	size_t n;

	memset(p, 0, BLOB_HDR);
	memcpy(p, BLOB_MAGIC, 8);
	put32(p + 8, BLOB_VERSION);
	put32(p + 12, size);
	n = strnlen(id->serial, 20);
	memcpy(p + 16, id->serial, n);
	memset(p + 16 + n, ' ', 20 - n);
	put16(p + 36, id->vf);
	put16(p + 38, id->nvq);
	put32(p + 40, id->gen);
	put32(p + 48, id->flags);
	put64(p + 56, id->lineage);
	blob_fill(p, size);
}

/*
 * A new version of the state in @buf (@len bytes, checked by the caller): its generation + 1,
 * its body and CRC following (RESUME ran it). With @flags, the flags are ORed in instead and
 * the generation kept (SAVE_DATA took charge of it).
 */
void emu_blob_update(void *buf, uint32_t len, bool evolve, uint32_t flags)
{
	uint8_t *p = buf;

	if (len < EMU_BLOB_MIN)
		return;
	if (evolve)
		put32(p + 40, get32(p + 40) + 1);
	put32(p + 48, get32(p + 48) | flags);
	blob_fill(p, len);
}

/*
 * Check a state: magic, version, size field equal to @len, CRC. Fills @origin (when not NULL)
 * from the header as far as it could be read.
 *
 * Return: 0, or -EBADMSG.
 */
int emu_blob_check(const void *buf, size_t len, struct emu_blob_origin *origin)
{
	const uint8_t *p = buf;
	size_t n;

	if (origin)
		memset(origin, 0, sizeof(*origin));
	if (len < EMU_BLOB_MIN || memcmp(p, BLOB_MAGIC, 8))
		return -EBADMSG;
	if (origin) {
		memcpy(origin->serial, p + 16, 20);
		for (n = 20; n && origin->serial[n - 1] == ' '; n--)
			origin->serial[n - 1] = '\0';
		origin->vf = get16(p + 36);
		origin->nvq = get16(p + 38);
		origin->gen = get32(p + 40);
		origin->flags = get32(p + 48);
		origin->lineage = get64(p + 56);
		origin->size = get32(p + 12);
	}
	if (get32(p + 8) != BLOB_VERSION || get32(p + 12) != len)
		return -EBADMSG;
	if (get32(p + BLOB_CRC) != state_check(p, len))
		return -EBADMSG;
	return 0;
}
