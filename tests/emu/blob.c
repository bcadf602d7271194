// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The content of an emulated VF's migration state: self-checking, and telling where it came
 * from. All integers little-endian:
 *
 *	offset	size	field
 *	0	8	magic "ILMEMU\0\1"
 *	8	4	version (2)
 *	12	4	size: the whole state in bytes, header and CRC included
 *	16	20	serial of the PF it was generated on (space padded, as in Identify)
 *	36	2	VF index it was generated for
 *	38	2	VQ count
 *	40	4	generation counter
 *	44	4	CRC32 (IEEE 802.3, as zlib) of every other byte: 0..43, then 48..size-1
 *	48	size-48	pseudo-random body, a function of the fields at 0..43
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
#define BLOB_VERSION	2
#define BLOB_HDR	48u

/* the state size of a VF with @nvq I/O queues, when the configuration does not fix it */
uint32_t emu_state_size(uint16_t nvq)
{
	return 0x2c8 + (uint32_t)nvq * 0x1f4;
}

#define BLOB_CRC	44u

/* The state's check value: zlib's CRC-32 of the @len bytes at @p but its own field. */
static uint32_t state_check(const uint8_t *p, size_t len)
{
	uLong c = crc32(0L, p, BLOB_CRC);

	return (uint32_t)crc32(c, p + BLOB_HDR, (uInt)(len - BLOB_HDR));
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

/*
 * Fill @buf (@size bytes, at least EMU_BLOB_MIN) with the state of VF @vf of the PF with
 * serial @serial: the same arguments always give the same bytes.
 */
void emu_blob_generate(void *buf, uint32_t size, const char *serial, uint16_t vf, uint16_t nvq,
		       uint32_t gen)
{
	uint8_t *p = buf;
	uint64_t seed, r;
	size_t n, i;

	memset(p, 0, BLOB_HDR);
	memcpy(p, BLOB_MAGIC, 8);
	put32(p + 8, BLOB_VERSION);
	put32(p + 12, size);
	n = strnlen(serial, 20);
	memcpy(p + 16, serial, n);
	memset(p + 16 + n, ' ', 20 - n);
	put16(p + 36, vf);
	put16(p + 38, nvq);
	put32(p + 40, gen);

	/* the seed: a hash of the header */
	seed = 0xcbf29ce484222325ull;
	for (i = 0; i < BLOB_HDR; i++)
		seed = (seed ^ p[i]) * 0x100000001b3ull;
	for (i = BLOB_HDR; i < size; i += 8) {
		r = htole64(splitmix64(&seed));
		n = size - i < 8 ? size - i : 8;
		memcpy(p + i, &r, n);
	}
	put32(p + BLOB_CRC, state_check(p, size));
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
		origin->size = get32(p + 12);
	}
	if (get32(p + 8) != BLOB_VERSION || get32(p + 12) != len)
		return -EBADMSG;
	if (get32(p + BLOB_CRC) != state_check(p, len))
		return -EBADMSG;
	return 0;
}
