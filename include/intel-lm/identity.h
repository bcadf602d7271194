/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: the identity of a VF state. A state gets one when intel-lm takes charge of it:
 * when SAVE_DATA is sent for it (a copy is made, or meant to be) and when LOAD_DATA brings it
 * into a VF. The blob header carries it, the record knows which identity each VF holds, and a
 * state file on record names its identity.
 *
 * An identity is a 128-bit random id with its lineage: the PF and VF it was first taken from,
 * and a generation. The generation counts the times the state ran again: a RESUME of the VF
 * that holds it makes the running state a new version, so every copy taken before it is stale.
 */
#ifndef INTEL_LM_IDENTITY_H
#define INTEL_LM_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <intel-lm/pfid.h>

#ifdef __cplusplus
extern "C" {
#endif

/** INTEL_LM_ID_BYTES - the length of an identity's random id */
#define INTEL_LM_ID_BYTES	16
/** INTEL_LM_ID_HEX_LEN - room for an id in hex, with its NUL */
#define INTEL_LM_ID_HEX_LEN	(2 * INTEL_LM_ID_BYTES + 1)

/**
 * struct intel_lm_identity - a state's identity
 * @id:		128 random bits; all zero: no identity (a VF's own state intel-lm never took
 *		charge of)
 * @gen:	the generation: how many times the state ran again since it got its id
 * @origin_vf:	the VF it was first taken from
 * @origin:	that VF's PF key (&struct intel_lm_pf_id), or "" when unknown
 */
struct intel_lm_identity {
	uint8_t id[INTEL_LM_ID_BYTES];
	uint32_t gen;
	uint16_t origin_vf;
	char origin[INTEL_LM_PF_KEY_LEN];
};

/**
 * intel_lm_identity_is_set() - Whether an identity names a state
 * @ident:	an identity
 *
 * Return: true when its id is not all zero.
 */
bool intel_lm_identity_is_set(const struct intel_lm_identity *ident);

/**
 * intel_lm_identity_same() - Whether two identities name the same state (any generation)
 * @a:		an identity
 * @b:		another
 *
 * Return: true when both are set and their ids are equal.
 */
bool intel_lm_identity_same(const struct intel_lm_identity *a, const struct intel_lm_identity *b);

/**
 * intel_lm_identity_derive() - The identity of a state that carries none
 * @ident:	filled in: an id that is a function of the state's bytes, generation 0, no origin
 * @state:	the state (a raw file, or a blob written before identities)
 * @len:	its length
 *
 * The same bytes always get the same id, so two loads of one old file are known as the same
 * state. Not random: two different states collide only if their CRC-32, Adler-32 and length
 * all match.
 */
void intel_lm_identity_derive(struct intel_lm_identity *ident, const void *state, uint32_t len);

/**
 * intel_lm_identity_hex() - An identity's id in lowercase hex
 * @ident:	an identity
 * @out:	%INTEL_LM_ID_HEX_LEN bytes; "" for an identity not set
 *
 * Return: @out.
 */
char *intel_lm_identity_hex(const struct intel_lm_identity *ident, char out[INTEL_LM_ID_HEX_LEN]);

/**
 * intel_lm_identity_parse_hex() - Read an id written by intel_lm_identity_hex()
 * @s:		32 hex digits, or "" for no identity
 * @n:		the length of @s
 * @ident:	its id is set (the other fields are left alone)
 *
 * Return: 0, or -EINVAL for anything else.
 */
int intel_lm_identity_parse_hex(const char *s, size_t n, struct intel_lm_identity *ident);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_IDENTITY_H */
