// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NVMe TP4159's Migration Send (41h) and Migration Receive (42h), byte by byte against the
 * field layout of NVMe Base 2.1 (as libnvme 1.16 lays it out): CDW10 SEL 7:0 and MOS 31:16,
 * CDW11 CNTLID 15:0 with STYPE 23:16 and DUDMQ 31 (Suspend), CSVI 23:16 and CSUUIDI 31:24
 * (Set Controller State), CSUUIDI 23:16 (Get Controller State, whose CSVI is MOS 7:0),
 * CDW12/13 the 64-bit offset, CDW14 UIDX 6:0, CDW15 NUMD (zero-based for Receive). Then the
 * chunking of a state by offset, for every size, and the protocol layer's commands in order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libintel-lm.h>
#include <libintel-lm-private.h>

#include "sqe.h"
#include "unit.h"

const char unit_name[] = "unit-tp4159";

START_TEST(suspend_fields)
{
	struct intel_lm_cmd cmd;
	uint8_t sqe[INTEL_LM_SQE_SIZE];

	ck_assert_int_eq(intel_lm_tp_suspend_init(&cmd, 0x1234, INTEL_LM_TP_STYPE_SUSPEND, false),
			 0);
	intel_lm_cmd_to_sqe(&cmd, sqe);
	ck_assert_uint_eq(sqe[0], 0x41);
	ck_assert_uint_eq(sqe_dw(sqe, 10), 0);		/* SEL 0 Suspend, MOS 0 */
	ck_assert_uint_eq(sqe_dw(sqe, 11), 0x00011234);	/* STYPE 1 in 23:16, CNTLID */
	ck_assert_uint_eq(cmd.data_len, 0);
	ck_assert_uint_eq(cmd.addr, 0);
	sqe_assert_zero_except_dw(sqe, 1u << 11);

	ck_assert_int_eq(intel_lm_tp_suspend_init(&cmd, 0xffff, INTEL_LM_TP_STYPE_NOTIFY, true), 0);
	intel_lm_cmd_to_sqe(&cmd, sqe);
	ck_assert_uint_eq(sqe_dw(sqe, 11), 0x8000ffff);	/* DUDMQ bit 31 */
	ck_assert_int_eq(intel_lm_tp_suspend_init(&cmd, 1, 2, false), -EINVAL);
	ck_assert_uint_eq(cmd.opcode, 0);
}
END_TEST

START_TEST(resume_fields)
{
	struct intel_lm_cmd cmd;
	uint8_t sqe[INTEL_LM_SQE_SIZE];

	intel_lm_tp_resume_init(&cmd, 0xbeef);
	intel_lm_cmd_to_sqe(&cmd, sqe);
	ck_assert_uint_eq(sqe[0], 0x41);
	ck_assert_uint_eq(sqe_dw(sqe, 10), 1);		/* SEL 1 Resume */
	ck_assert_uint_eq(sqe_dw(sqe, 11), 0xbeef);
	sqe_assert_zero_except_dw(sqe, 1u << 10 | 1u << 11);
}
END_TEST

START_TEST(set_state_fields)
{
	struct intel_lm_proto fmt = { .protocol = INTEL_LM_PROTO_TP4159, .csvi = 0x5a,
				      .csuuidi = 0xc3, .uidx = 0x7f };
	struct intel_lm_cmd cmd;
	uint8_t sqe[INTEL_LM_SQE_SIZE];
	static uint8_t buf[64];
	int seq;

	for (seq = 0; seq < 4; seq++) {
		ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 0x0102, &fmt, (uint8_t)seq,
							    0x123456789abcdef0ull, buf, 64), 0);
		intel_lm_cmd_to_sqe(&cmd, sqe);
		ck_assert_uint_eq(sqe[0], 0x41);
		/* SEL 2, SEQIND in MOS bits 1:0 = CDW10 bits 17:16 */
		ck_assert_uint_eq(sqe_dw(sqe, 10), 2u | (uint32_t)seq << 16);
		ck_assert_uint_eq(sqe_dw(sqe, 11), 0xc35a0102);	/* CSUUIDI, CSVI, CNTLID */
		ck_assert_uint_eq(sqe_dw(sqe, 12), 0x9abcdef0);
		ck_assert_uint_eq(sqe_dw(sqe, 13), 0x12345678);
		ck_assert_uint_eq(sqe_dw(sqe, 14), 0x7f);
		ck_assert_uint_eq(sqe_dw(sqe, 15), 16);		/* NUMD: dwords, not zero-based */
		ck_assert_uint_eq(cmd.data_len, 64);
		ck_assert_ptr_eq((void *)(uintptr_t)cmd.addr, buf);
		/* Host to controller: the opcode's low bits are 01b. */
		ck_assert_uint_eq(sqe[0] & 3, 1);
		sqe_assert_zero_except_dw(sqe, 0xfc00);
	}
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 1, &fmt, 4, 0, buf, 64), -EINVAL);
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 1, &fmt, 3, 0, buf, 62), -EINVAL);
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 1, &fmt, 3, 0, buf, 0), -EINVAL);
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 1, &fmt, 3, 0, NULL, 64), -EINVAL);
	fmt.uidx = 0x80;
	ck_assert_int_eq(intel_lm_tp_set_state_init(&cmd, 1, &fmt, 3, 0, buf, 64), -EINVAL);
	ck_assert_uint_eq(cmd.opcode | cmd.cdw10 | cmd.cdw11 | cmd.data_len, 0);
}
END_TEST

START_TEST(get_state_fields)
{
	struct intel_lm_proto fmt = { .protocol = INTEL_LM_PROTO_TP4159, .csvi = 0x5a,
				      .csuuidi = 0xc3, .uidx = 3 };
	struct intel_lm_cmd cmd;
	uint8_t sqe[INTEL_LM_SQE_SIZE];
	static uint8_t buf[4096];

	ck_assert_int_eq(intel_lm_tp_get_state_init(&cmd, 0x0203, &fmt, 4096ull << 20, buf, 4096),
			 0);
	intel_lm_cmd_to_sqe(&cmd, sqe);
	ck_assert_uint_eq(sqe[0], 0x42);
	ck_assert_uint_eq(sqe[0] & 3, 2);		/* controller to host */
	ck_assert_uint_eq(sqe_dw(sqe, 10), 0x005a0000);	/* SEL 0, CSVI in MOS 7:0 */
	ck_assert_uint_eq(sqe_dw(sqe, 11), 0x00c30203);	/* CSUIDXP 0, CSUUIDI, CNTLID */
	ck_assert_uint_eq(sqe_dw(sqe, 12), 0);
	ck_assert_uint_eq(sqe_dw(sqe, 13), 1);		/* 4 GiB: the offset's high dword */
	ck_assert_uint_eq(sqe_dw(sqe, 14), 3);
	ck_assert_uint_eq(sqe_dw(sqe, 15), 1023);		/* NUMD zero-based */
	ck_assert_uint_eq(cmd.data_len, 4096);
	sqe_assert_zero_except_dw(sqe, 0xfc00);

	ck_assert_int_eq(intel_lm_tp_get_state_init(&cmd, 1, &fmt, 0, buf, 4), 0);
	ck_assert_uint_eq(cmd.cdw15, 0);
	ck_assert_int_eq(intel_lm_tp_get_state_init(&cmd, 1, &fmt, 0, buf, 6), -EINVAL);
	ck_assert_int_eq(intel_lm_tp_get_state_init(&cmd, 1, &fmt, 0, buf, 0), -EINVAL);
}
END_TEST

START_TEST(chunk_limits)
{
	/* 127 pages of 4 KiB: the kernel's segments, below its 4 MiB and a 512 KiB MDTS. */
	ck_assert_uint_eq(intel_lm_tp_chunk_max(0, 0), 127 * 4096);
	ck_assert_uint_eq(intel_lm_tp_chunk_max(512 << 10, 0), 127 * 4096);
	ck_assert_uint_eq(intel_lm_tp_chunk_max(8192, 0), 8192);
	ck_assert_uint_eq(intel_lm_tp_chunk_max(8192, 4096), 4096);
	ck_assert_uint_eq(intel_lm_tp_chunk_max(8192, 4098), 4096);	/* whole dwords */
	ck_assert_uint_eq(intel_lm_tp_chunk_max(0, 1), 4);
	ck_assert_uint_eq(intel_lm_tp_chunk_max(0, 64 << 20), 127 * 4096);
}
END_TEST

/* Every size from 1 byte to beyond three chunks: contiguous, complete, SEQIND in order. */
static void check_chunks(uint32_t size, uint32_t max)
{
	uint32_t n = intel_lm_tp_chunks(size, max), i;
	struct intel_lm_tp_chunk c;
	uint64_t at = 0;

	ck_assert_uint_eq(n, ((uint64_t)size + max - 1) / max);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(intel_lm_tp_chunk(size, max, i, &c), 0);
		ck_assert_uint_eq(c.offset, at);
		ck_assert_uint_ge(c.len, 1);
		ck_assert_uint_le(c.len, max);
		if (i + 1 < n)
			ck_assert_uint_eq(c.len, max);
		if (n == 1)
			ck_assert_uint_eq(c.seqind, INTEL_LM_TP_SEQ_ENTIRE);
		else if (i == 0)
			ck_assert_uint_eq(c.seqind, INTEL_LM_TP_SEQ_FIRST);
		else if (i + 1 == n)
			ck_assert_uint_eq(c.seqind, INTEL_LM_TP_SEQ_LAST);
		else
			ck_assert_uint_eq(c.seqind, INTEL_LM_TP_SEQ_MIDDLE);
		at += c.len;
	}
	ck_assert_uint_eq(at, size);
	ck_assert_int_eq(intel_lm_tp_chunk(size, max, n, &c), -ERANGE);
}

START_TEST(chunks_every_size)
{
	static const uint32_t maxes[] = { 4, 8, 48, 4096 };
	uint32_t m, size;

	for (m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++)
		for (size = 1; size <= 3 * maxes[m] + 13; size++)
			check_chunks(size, maxes[m]);
	/* At the real limit, around one and two chunks and far beyond. */
	for (size = 127 * 4096 - 8; size <= 127 * 4096 + 8; size++)
		check_chunks(size, 127 * 4096);
	for (size = 2 * 127 * 4096 - 8; size <= 2 * 127 * 4096 + 8; size++)
		check_chunks(size, 127 * 4096);
	check_chunks(UINT32_MAX, 127 * 4096);
	ck_assert_uint_eq(intel_lm_tp_chunks(0, 4096), 0);
	ck_assert_uint_eq(intel_lm_tp_chunks(4096, 0), 0);
}
END_TEST

START_TEST(state_header_size)
{
	uint8_t h[INTEL_LM_TP_STATE_HDR_LEN] = { 0 };
	uint32_t size;

	ck_assert_int_eq(intel_lm_tp_state_size(h, &size), 0);
	ck_assert_uint_eq(size, 48);
	h[16] = 0x10;			/* NVMECSS: 16 dwords */
	h[32] = 0x02;			/* VSS: 2 dwords */
	h[33] = 0x01;			/* 258 */
	ck_assert_int_eq(intel_lm_tp_state_size(h, &size), 0);
	ck_assert_uint_eq(size, 48 + 4 * (16 + 258));
	h[16 + 4] = 1;			/* 2^32 dwords: no 32-bit size */
	ck_assert_int_eq(intel_lm_tp_state_size(h, &size), -EOVERFLOW);
	ck_assert_uint_eq(size, 0);
	h[16 + 4] = 0;
	memset(h + 16, 0xff, 4);
	ck_assert_int_eq(intel_lm_tp_state_size(h, &size), -EOVERFLOW);
}
END_TEST

/* The protocol layer, dry: the commands a save and a load send, in order (fd -1 sends none). */
START_TEST(proto_commands)
{
	struct intel_lm_proto p = { .protocol = INTEL_LM_PROTO_TP4159, .csvi = 1, .max_xfer = 4096 };
	struct seen s = { .only_dry = true };
	struct intel_lm_opts o = { .dry_run = true, .trace = seen_record, .trace_priv = &s };
	const uint32_t len = 2 * 4096 + 100;
	uint8_t *buf = calloc(1, len);
	uint32_t size = 7;
	int i;

	ck_assert_int_eq(intel_lm_proto_send(-1, &p, 3, 0x21, INTEL_LM_OPC_SUSPEND, NULL, 0, &o,
					     NULL), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_uint_eq(s.c[0].opcode, 0x41);
	ck_assert_uint_eq(s.c[0].cdw11, 0x00010021);

	s.n = 0;
	ck_assert_int_eq(intel_lm_proto_send(-1, &p, 3, 0x21, INTEL_LM_OPC_QUERY_DATA_SIZE, NULL,
					     0, &o, &size), 0);
	ck_assert_uint_eq(size, 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_uint_eq(s.c[0].opcode, 0x42);
	ck_assert_uint_eq(s.c[0].cdw15, 11);			/* the 48-byte header */

	s.n = 0;
	ck_assert_int_eq(intel_lm_proto_send(-1, &p, 3, 0x21, INTEL_LM_OPC_SAVE_DATA, buf, len,
					     &o, NULL), 0);
	ck_assert_int_eq(s.n, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(s.c[i].opcode, 0x42);
		ck_assert_uint_eq(s.c[i].cdw12, 4096u * i);
		ck_assert_uint_eq(s.c[i].data_len, i < 2 ? 4096 : 100);
		ck_assert_uint_eq(s.c[i].cdw15, (i < 2 ? 4096 : 100) / 4 - 1);
		ck_assert_ptr_eq((void *)(uintptr_t)s.c[i].addr, buf + 4096 * i);
	}

	s.n = 0;
	ck_assert_int_eq(intel_lm_proto_send(-1, &p, 3, 0x21, INTEL_LM_OPC_LOAD_DATA, buf, len,
					     &o, NULL), 0);
	ck_assert_int_eq(s.n, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(s.c[i].opcode, 0x41);
		ck_assert_uint_eq(s.c[i].cdw10 >> 16, i == 0 ? INTEL_LM_TP_SEQ_FIRST :
				  i == 1 ? INTEL_LM_TP_SEQ_MIDDLE : INTEL_LM_TP_SEQ_LAST);
		ck_assert_uint_eq(s.c[i].cdw11, 0x00010021);	/* CSVI 1 */
		ck_assert_uint_eq(s.c[i].cdw15, (i < 2 ? 4096 : 100) / 4);
	}

	s.n = 0;
	ck_assert_int_eq(intel_lm_proto_send(-1, &p, 3, 0x21, INTEL_LM_OPC_LOAD_DATA, buf, 100,
					     &o, NULL), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_uint_eq(s.c[0].cdw10 >> 16, INTEL_LM_TP_SEQ_ENTIRE);

	/* Not whole dwords, or no such step: nothing is sent. */
	s.n = 0;
	ck_assert_int_eq(intel_lm_proto_send(-1, &p, 3, 0x21, INTEL_LM_OPC_LOAD_DATA, buf, 99,
					     &o, NULL), -EINVAL);
	ck_assert_int_eq(intel_lm_proto_send(-1, &p, 3, 0x21, 0x41, NULL, 0, &o, NULL), -EINVAL);
	ck_assert_int_eq(s.n, 0);

	/* Intel's protocol (the default) sends Intel's opcode, naming the VF by its index. */
	ck_assert_int_eq(intel_lm_proto_send(-1, NULL, 3, 0x21, INTEL_LM_OPC_SUSPEND, NULL, 0, &o,
					     NULL), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_uint_eq(s.c[0].opcode, 0xc8);
	ck_assert_uint_eq(s.c[0].cdw10, 3);
	free(buf);
}
END_TEST

/*
 * The words a message names each step's command by are those of the command the protocol layer
 * sends for it: its opcode and, decoded from the command itself, what its SEL does.
 */
START_TEST(step_words)
{
	static const struct {
		uint8_t step;
		const char *words, *action;
	} want[] = {
		{ INTEL_LM_OPC_SUSPEND, "Migration Send 41h, Suspend", "Suspend" },
		{ INTEL_LM_OPC_RESUME, "Migration Send 41h, Resume", "Resume" },
		{ INTEL_LM_OPC_QUERY_DATA_SIZE,
		  "Migration Receive 42h, Get Controller State of its header",
		  "Get Controller State" },
		{ INTEL_LM_OPC_SAVE_DATA, "Migration Receive 42h, Get Controller State",
		  "Get Controller State" },
		{ INTEL_LM_OPC_LOAD_DATA, "Migration Send 41h, Set Controller State",
		  "Set Controller State" },
	};
	struct intel_lm_proto p = { .protocol = INTEL_LM_PROTO_TP4159 };
	struct seen s = { .only_dry = true };
	struct intel_lm_opts o = { .dry_run = true, .trace = seen_record, .trace_priv = &s };
	struct intel_lm_cmd cmd = { 0 };
	uint8_t buf[64] = { 0 };
	char opc[8];
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *w = intel_lm_step_command(INTEL_LM_PROTO_TP4159, want[i].step);
		bool data = want[i].step == INTEL_LM_OPC_SAVE_DATA ||
			    want[i].step == INTEL_LM_OPC_LOAD_DATA;

		ck_assert_str_eq(w, want[i].words);
		/* Over Intel's commands the step's name is the command's. */
		ck_assert_ptr_null(intel_lm_step_command(INTEL_LM_PROTO_INTEL, want[i].step));
		s.n = 0;
		ck_assert_int_eq(intel_lm_proto_send(-1, &p, 1, 0x11, want[i].step,
						     data ? buf : NULL, data ? sizeof(buf) : 0, &o,
						     NULL), 0);
		ck_assert_int_eq(s.n, 1);
		snprintf(opc, sizeof(opc), " %02Xh,", s.c[0].opcode);
		ck_assert_msg(strstr(w, opc), "%s does not name opcode%s", w, opc);
		cmd.opcode = s.c[0].opcode;
		cmd.cdw10 = s.c[0].cdw10;
		ck_assert_str_eq(intel_lm_cmd_action(&cmd), want[i].action);
	}
	ck_assert_ptr_null(intel_lm_step_command(INTEL_LM_PROTO_TP4159, INTEL_LM_OPC_IDENTIFY));
	ck_assert_ptr_null(intel_lm_step_command(7, INTEL_LM_OPC_SUSPEND));
	/* No action for Intel's commands, Identify, or a SEL TP4159 does not define here. */
	ck_assert_int_eq(intel_lm_cmd_init(&cmd, INTEL_LM_OPC_SUSPEND, 1, NULL, 0), 0);
	ck_assert_ptr_null(intel_lm_cmd_action(&cmd));
	cmd.opcode = INTEL_LM_OPC_MIGRATION_SEND;
	cmd.cdw10 = 3;
	ck_assert_ptr_null(intel_lm_cmd_action(&cmd));
	cmd.opcode = INTEL_LM_OPC_MIGRATION_RECV;
	cmd.cdw10 = 1;
	ck_assert_ptr_null(intel_lm_cmd_action(&cmd));
}
END_TEST

START_TEST(protocol_names)
{
	ck_assert_str_eq(intel_lm_protocol_name(INTEL_LM_PROTO_INTEL), "intel");
	ck_assert_str_eq(intel_lm_protocol_name(INTEL_LM_PROTO_TP4159), "tp4159");
	ck_assert_str_eq(intel_lm_protocol_name(7), "unknown");
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create(unit_name);
	TCase *tc = tcase_create("tp4159");

	tcase_add_test(tc, suspend_fields);
	tcase_add_test(tc, resume_fields);
	tcase_add_test(tc, set_state_fields);
	tcase_add_test(tc, get_state_fields);
	tcase_add_test(tc, chunk_limits);
	tcase_add_test(tc, chunks_every_size);
	tcase_add_test(tc, state_header_size);
	tcase_add_test(tc, proto_commands);
	tcase_add_test(tc, step_words);
	tcase_add_test(tc, protocol_names);
	suite_add_tcase(s, tc);
	return s;
}
