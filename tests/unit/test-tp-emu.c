// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TP4159 end to end in one process: libintel-lm's protocol layer against the emulated PF's
 * Migration Send and Receive (tests/emu/README.md, "tp4159"): a state larger than one transfer
 * saved and loaded in chunks, byte for byte; the emulator's strictness about the sequence,
 * the offsets and SEQIND; both protocols on one PF.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libintel-lm.h>
#include <libintel-lm-private.h>

#include "emu-fixture.h"
#include "unit.h"

const char unit_name[] = "unit-tp-emu";

static struct intel_lm_pf *open_tp(const char *name)
{
	struct intel_lm_proto p = { .protocol = INTEL_LM_PROTO_TP4159 };
	struct intel_lm_pf *pf;

	ck_assert_int_eq(intel_lm_pf_open(name, NULL, &pf, NULL, NULL), 0);
	ck_assert_int_eq(intel_lm_pf_identify(pf, NULL), 0);
	ck_assert_int_eq(intel_lm_pf_list_vfs(pf, NULL), 0);
	ck_assert_int_eq(intel_lm_pf_set_proto(pf, &p), 0);
	return pf;
}

/* A 20000-byte VF state moved in 8 KiB pieces (MDTS 1): 3 Receives, 3 Sends, same bytes. */
START_TEST(save_load_in_chunks)
{
	const uint32_t vsize = 20000, total = 48 + vsize;
	struct intel_lm_pf *pf;
	uint8_t *state, *dump;
	uint32_t size = 0;

	emu_start("[pf nvme0]\nvid = 0x1b36\nlm = 0\ntp4159 = 1\nmdts = 1\nvfs = 2\n"
		  "vf.1.size = %u\n", vsize);
	pf = open_tp("nvme0");
	ck_assert_int_eq(intel_lm_pf_send(pf, 1, INTEL_LM_OPC_SUSPEND, NULL, 0, NULL, NULL), 0);
	assert_vf("nvme0", 1, EMU_VF_SUSPENDED, false);
	ck_assert_int_eq(intel_lm_pf_send(pf, 1, INTEL_LM_OPC_QUERY_DATA_SIZE, NULL, 0, NULL,
					  &size), 0);
	ck_assert_uint_eq(size, total);
	state = intel_lm_state_alloc(size);
	dump = malloc(vsize);
	ck_assert_ptr_nonnull(state);
	ck_assert_int_eq(intel_lm_pf_send(pf, 1, INTEL_LM_OPC_SAVE_DATA, state, size, NULL, NULL),
			 0);
	assert_vf("nvme0", 1, EMU_VF_SAVED, false);
	ck_assert_int_eq(emu_counter("nvme0", 0x42), 1 + 3);
	/* The header says the size; the vendor-specific part is the VF's own state. */
	ck_assert_uint_eq(state[32] | state[33] << 8, vsize / 4);
	ck_assert_int_eq(emu_vf_dump("nvme0", 1, dump, vsize), 0);
	ck_assert_mem_eq(state + 48, dump, vsize);

	ck_assert_int_eq(intel_lm_pf_send(pf, 2, INTEL_LM_OPC_SUSPEND, NULL, 0, NULL, NULL), 0);
	ck_assert_int_eq(intel_lm_pf_send(pf, 2, INTEL_LM_OPC_LOAD_DATA, state, size, NULL, NULL),
			 0);
	assert_vf("nvme0", 2, EMU_VF_LOADED, true);
	ck_assert_int_eq(emu_counter("nvme0", 0x41), 2 + 3);
	memset(dump, 0, vsize);
	ck_assert_int_eq(emu_vf_dump("nvme0", 2, dump, vsize), 0);
	ck_assert_mem_eq(state + 48, dump, vsize);
	ck_assert_int_eq(intel_lm_pf_send(pf, 2, INTEL_LM_OPC_RESUME, NULL, 0, NULL, NULL), 0);
	assert_vf("nvme0", 2, EMU_VF_RUNNING, true);
	/* No Intel command was sent to this PF. */
	ck_assert_int_eq(emu_counter("nvme0", 0xc8) + emu_counter("nvme0", 0xd2), 0);
	intel_lm_state_free(state, size);
	free(dump);
	intel_lm_pf_close(pf);
}
END_TEST

static int send(int fd, struct intel_lm_cmd *cmd)
{
	return intel_lm_submit(fd, cmd, NULL, NULL);
}

/* The emulated PF refuses what a sequence does not allow, and keeps the VF's state. */
START_TEST(strict_sequence)
{
	struct intel_lm_proto fmt = { .protocol = INTEL_LM_PROTO_TP4159 };
	struct intel_lm_cmd cmd;
	struct intel_lm_pf *pf;
	uint8_t *state;
	uint32_t size;
	int fd;

	emu_start("[pf nvme0]\ntp4159 = 1\nvfs = 2\nmdts = 1\n");
	pf = open_tp("nvme0");
	fd = intel_lm_pf_fd(pf);
	/* VF 1 is controller 2 (cntlid 1 + 1). Running: the header only, no Set. */
	ck_assert_int_eq(intel_lm_pf_send(pf, 1, INTEL_LM_OPC_QUERY_DATA_SIZE, NULL, 0, NULL,
					  &size), 0);
	state = intel_lm_state_alloc(size);
	ck_assert_int_eq(intel_lm_tp_get_state_init(&cmd, 2, &fmt, 0, state, size), 0);
	ck_assert_int_eq(send(fd, &cmd), ST_SEQ_ERROR);
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 2, &fmt, INTEL_LM_TP_SEQ_ENTIRE, 0, state,
						    64), 0);
	ck_assert_int_eq(send(fd, &cmd), ST_SEQ_ERROR);
	ck_assert_int_eq(intel_lm_pf_send(pf, 1, INTEL_LM_OPC_SUSPEND, NULL, 0, NULL, NULL), 0);
	ck_assert_int_eq(intel_lm_pf_send(pf, 1, INTEL_LM_OPC_SAVE_DATA, state, size, NULL, NULL),
			 0);
	ck_assert_int_eq(intel_lm_pf_send(pf, 2, INTEL_LM_OPC_SUSPEND, NULL, 0, NULL, NULL), 0);
	/* Controller 3 is VF 2; 1 is the PF, 4 no VF. */
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 1, &fmt, INTEL_LM_TP_SEQ_FIRST, 0, state,
						    64), 0);
	ck_assert_int_eq(send(fd, &cmd), ST_INVALID_FIELD);
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 4, &fmt, INTEL_LM_TP_SEQ_FIRST, 0, state,
						    64), 0);
	ck_assert_int_eq(send(fd, &cmd), ST_INVALID_FIELD);
	/* A middle or a last without a first. */
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 3, &fmt, INTEL_LM_TP_SEQ_MIDDLE, 64,
						    state + 64, 64), 0);
	ck_assert_int_eq(send(fd, &cmd), ST_SEQ_ERROR);
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 3, &fmt, INTEL_LM_TP_SEQ_LAST, 64,
						    state + 64, size - 64), 0);
	ck_assert_int_eq(send(fd, &cmd), ST_SEQ_ERROR);
	/* A first elsewhere than at 0; then a next piece not where the sequence stands. */
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 3, &fmt, INTEL_LM_TP_SEQ_FIRST, 4,
						    state, 64), 0);
	ck_assert_int_eq(send(fd, &cmd), ST_INVALID_FIELD);
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 3, &fmt, INTEL_LM_TP_SEQ_FIRST, 0,
						    state, 64), 0);
	ck_assert_int_eq(send(fd, &cmd), 0);
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 3, &fmt, INTEL_LM_TP_SEQ_LAST, 68,
						    state + 68, size - 68), 0);
	ck_assert_int_eq(send(fd, &cmd), ST_INVALID_FIELD);
	/* A last whose state is short of what its header says: refused, the VF unchanged. */
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 3, &fmt, INTEL_LM_TP_SEQ_LAST, 64,
						    state + 64, size - 68), 0);
	ck_assert_int_eq(send(fd, &cmd), ST_INVALID_FIELD);
	assert_vf("nvme0", 2, EMU_VF_SUSPENDED, false);
	/* The sequence is over: a middle now has no first. */
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 3, &fmt, INTEL_LM_TP_SEQ_MIDDLE, 64,
						    state + 64, 64), 0);
	ck_assert_int_eq(send(fd, &cmd), ST_SEQ_ERROR);
	/* One bit changed in the VF's own state: refused as LOAD_DATA refuses it. */
	state[48 + 100] ^= 1;
	ck_assert_int_eq(intel_lm_pf_send(pf, 2, INTEL_LM_OPC_LOAD_DATA, state, size, NULL, NULL),
			 ST_INVALID_FIELD);
	assert_vf("nvme0", 2, EMU_VF_SUSPENDED, false);
	state[48 + 100] ^= 1;
	/* A format the PF does not have (CSVI 2), a queue to delete (DUDMQ). */
	fmt.csvi = 2;
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 3, &fmt, INTEL_LM_TP_SEQ_ENTIRE, 0,
						    state, size), 0);
	ck_assert_int_eq(send(fd, &cmd), ST_INVALID_FIELD);
	fmt.csvi = 1;
	ck_assert_int_eq(intel_lm_tp_suspend_init(&cmd, 3, INTEL_LM_TP_STYPE_SUSPEND, true), 0);
	ck_assert_int_eq(send(fd, &cmd), ST_INVALID_FIELD);
	/* The right sequence in one piece (MDTS 8 KiB holds it) with CSVI 1. */
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 3, &fmt, INTEL_LM_TP_SEQ_ENTIRE, 0,
						    state, size), 0);
	ck_assert_int_eq(send(fd, &cmd), 0);
	assert_vf("nvme0", 2, EMU_VF_LOADED, true);
	intel_lm_state_free(state, size);
	intel_lm_pf_close(pf);
}
END_TEST

/* Both protocols on one Intel PF: byte 3072 and OACS bit 11; either moves the VF. */
START_TEST(both_protocols)
{
	struct intel_lm_pf *pf;
	struct intel_lm_cmd cmd = { .opcode = 0x06, .cdw10 = 0x20, .data_len = 4096 };
	uint8_t *id = intel_lm_state_alloc(4096);

	emu_start("[pf nvme0]\ntp4159 = 1\nvfs = 2\n[pf nvme1]\nvfs = 1\n");
	pf = open_tp("nvme0");
	ck_assert_uint_eq(intel_lm_pf_info(pf)->support, INTEL_LM_SUPPORTED);
	/* Supported Controller State Formats: one version, no vendor UUIDs. */
	cmd.addr = (uint64_t)(uintptr_t)id;
	ck_assert_int_eq(intel_lm_submit(intel_lm_pf_fd(pf), &cmd, NULL, NULL), 0);
	ck_assert_uint_eq(id[0], 1);
	ck_assert_uint_eq(id[1], 0);
	ck_assert_int_eq(intel_lm_pf_send(pf, 1, INTEL_LM_OPC_SUSPEND, NULL, 0, NULL, NULL), 0);
	ck_assert_int_eq(emu_counter("nvme0", 0x41), 1);
	ck_assert_int_eq(intel_lm_suspend(intel_lm_pf_fd(pf), 2, NULL), 0);
	assert_vf("nvme0", 1, EMU_VF_SUSPENDED, false);
	assert_vf("nvme0", 2, EMU_VF_SUSPENDED, false);
	intel_lm_pf_close(pf);

	/* A PF without tp4159 knows neither opcode, nor the Identify structure. */
	pf = open_tp("nvme1");
	ck_assert_int_eq(intel_lm_pf_send(pf, 1, INTEL_LM_OPC_SUSPEND, NULL, 0, NULL, NULL),
			 ST_INVALID_OPCODE);
	ck_assert_int_eq(intel_lm_submit(intel_lm_pf_fd(pf), &cmd, NULL, NULL), ST_INVALID_FIELD);
	intel_lm_pf_close(pf);
	intel_lm_state_free(id, 4096);
}
END_TEST

static struct intel_lm_pf *open_pf(const char *name)
{
	struct intel_lm_pf *pf;

	ck_assert_int_eq(intel_lm_pf_open(name, NULL, &pf, NULL, NULL), 0);
	ck_assert_int_eq(intel_lm_pf_identify(pf, NULL), 0);
	return pf;
}

/* Byte 3072 on an Intel PF, HMLMS on any: Intel's unless asked, TP4159 where it is alone. */
START_TEST(probe_and_choice)
{
	const unsigned int intel = 1u << INTEL_LM_PROTO_INTEL, tp = 1u << INTEL_LM_PROTO_TP4159;
	struct intel_lm_pf *pf;

	emu_start("[pf nvme0]\ntp4159 = 1\nvfs = 1\n"
		  "[pf nvme1]\nvid = 0x1b36\nlm = 0\ntp4159 = 1\nvfs = 1\n"
		  "[pf nvme2]\nvid = 0x1b36\nvfs = 1\n"
		  "[pf nvme3]\nvfs = 1\n");
	pf = open_pf("nvme0");
	ck_assert(intel_lm_pf_info(pf)->hmlms);
	ck_assert_uint_eq(intel_lm_pf_protocols(pf), intel | tp);
	ck_assert_uint_eq(intel_lm_pf_proto(pf)->protocol, INTEL_LM_PROTO_INTEL);
	ck_assert_int_eq(emu_counter("nvme0", 0x06), 1);	/* no CNS 20h for Intel's */
	ck_assert_int_eq(intel_lm_pf_use_protocol(pf, INTEL_LM_PROTO_TP4159, NULL), 0);
	ck_assert_uint_eq(intel_lm_pf_proto(pf)->protocol, INTEL_LM_PROTO_TP4159);
	ck_assert_uint_eq(intel_lm_pf_proto(pf)->csvi, 1);
	ck_assert_int_eq(intel_lm_pf_use_protocol(pf, INTEL_LM_PROTO_AUTO, NULL), 0);
	ck_assert_uint_eq(intel_lm_pf_proto(pf)->protocol, INTEL_LM_PROTO_INTEL);
	intel_lm_pf_close(pf);

	pf = open_pf("nvme1");
	ck_assert_uint_eq(intel_lm_pf_protocols(pf), tp);
	ck_assert_uint_eq(intel_lm_pf_proto(pf)->protocol, INTEL_LM_PROTO_TP4159);
	ck_assert_uint_eq(intel_lm_pf_proto(pf)->csvi, 1);
	intel_lm_pf_close(pf);

	/* Byte 3072 of another vendor means nothing; neither protocol. */
	pf = open_pf("nvme2");
	ck_assert(!intel_lm_pf_info(pf)->hmlms);
	ck_assert_uint_eq(intel_lm_pf_protocols(pf), 0);
	ck_assert_uint_eq(intel_lm_pf_proto(pf)->protocol, INTEL_LM_PROTO_INTEL);
	ck_assert_int_eq(intel_lm_pf_use_protocol(pf, INTEL_LM_PROTO_TP4159, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(intel_lm_pf_use_protocol(pf, 7, NULL), -EINVAL);
	intel_lm_pf_close(pf);

	pf = open_pf("nvme3");
	ck_assert_uint_eq(intel_lm_pf_protocols(pf), intel);
	ck_assert_int_eq(intel_lm_pf_use_protocol(pf, INTEL_LM_PROTO_TP4159, NULL), -EOPNOTSUPP);
	ck_assert_uint_eq(intel_lm_pf_proto(pf)->protocol, INTEL_LM_PROTO_INTEL);
	intel_lm_pf_close(pf);

	ck_assert_int_eq(intel_lm_protocol_parse("intel"), INTEL_LM_PROTO_INTEL);
	ck_assert_int_eq(intel_lm_protocol_parse("tp4159"), INTEL_LM_PROTO_TP4159);
	ck_assert_int_eq(intel_lm_protocol_parse("auto"), INTEL_LM_PROTO_AUTO);
	ck_assert_int_eq(intel_lm_protocol_parse("TP4159"), -EINVAL);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create(unit_name);
	TCase *tc = tcase_create("tp-emu");

	tcase_add_unchecked_fixture(tc, emu_case_setup, emu_case_teardown);
	tcase_add_checked_fixture(tc, emu_test_setup, NULL);
	tcase_add_test(tc, save_load_in_chunks);
	tcase_add_test(tc, strict_sequence);
	tcase_add_test(tc, both_protocols);
	tcase_add_test(tc, probe_and_choice);
	suite_add_tcase(s, tc);
	return s;
}
