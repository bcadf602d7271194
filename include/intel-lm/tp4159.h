/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: NVMe TP4159 ("PCIe Infrastructure for Live Migration", NVMe Base 2.1), the
 * commands a cold migration uses: Migration Send 41h (Suspend, Resume, Set Controller State)
 * and Migration Receive 42h (Get Controller State). They go to the admin queue of the PF (the
 * controlling controller) and name the VF by its controller ID (the secondary controller ID of
 * the Secondary Controller List).
 *
 * The opcodes and fields; the pure builders and the chunking of a state into commands are
 * private (include/libintel-lm-private.h), intel_lm_pf_send() sends them.
 * The field layout is libnvme's (1.12 and later, src/nvme/types.h), checked against it at
 * build time where the build's libnvme has it.
 */
#ifndef INTEL_LM_TP4159_H
#define INTEL_LM_TP4159_H

#include <stdbool.h>
#include <stdint.h>

#include <intel-lm/cmd.h>
#include <intel-lm/proto.h>

#ifdef __cplusplus
extern "C" {
#endif

/** INTEL_LM_OPC_MIGRATION_SEND - Migration Send (41h): host to controller */
#define INTEL_LM_OPC_MIGRATION_SEND	0x41
/** INTEL_LM_OPC_MIGRATION_RECV - Migration Receive (42h): controller to host */
#define INTEL_LM_OPC_MIGRATION_RECV	0x42

/** INTEL_LM_OACS_HMLMS - Identify Controller OACS bit 11: Host Managed Live Migration */
#define INTEL_LM_OACS_HMLMS		(1u << 11)

/**
 * enum intel_lm_tp_sel - the Select field (CDW10 bits 7:0)
 * @INTEL_LM_TP_SEL_SUSPEND:	Migration Send: suspend the controller
 * @INTEL_LM_TP_SEL_RESUME:	Migration Send: resume it
 * @INTEL_LM_TP_SEL_SET_STATE:	Migration Send: Set Controller State
 * @INTEL_LM_TP_SEL_GET_STATE:	Migration Receive: Get Controller State
 */
enum intel_lm_tp_sel {
	INTEL_LM_TP_SEL_SUSPEND		= 0,
	INTEL_LM_TP_SEL_RESUME		= 1,
	INTEL_LM_TP_SEL_SET_STATE	= 2,
	INTEL_LM_TP_SEL_GET_STATE	= 0,
};

/**
 * enum intel_lm_tp_seqind - Set Controller State's Sequence Indicator (MOS bits 1:0)
 * @INTEL_LM_TP_SEQ_MIDDLE:	neither the first nor the last command of the sequence
 * @INTEL_LM_TP_SEQ_FIRST:	the first of two or more
 * @INTEL_LM_TP_SEQ_LAST:	the last of two or more
 * @INTEL_LM_TP_SEQ_ENTIRE:	the only command: it carries the entire state
 */
enum intel_lm_tp_seqind {
	INTEL_LM_TP_SEQ_MIDDLE	= 0,
	INTEL_LM_TP_SEQ_FIRST	= 1,
	INTEL_LM_TP_SEQ_LAST	= 2,
	INTEL_LM_TP_SEQ_ENTIRE	= 3,
};

/** INTEL_LM_TP_STYPE_NOTIFY - Suspend Type 0: notification only */
#define INTEL_LM_TP_STYPE_NOTIFY	0
/** INTEL_LM_TP_STYPE_SUSPEND - Suspend Type 1: suspend the controller */
#define INTEL_LM_TP_STYPE_SUSPEND	1

/**
 * INTEL_LM_TP_STATE_HDR_LEN - the Controller State header: VER (2), CSATTR (1), reserved
 * (13), NVMECSS (16, NVMe controller state size in dwords), VSS (16, vendor-specific size
 * in dwords)
 */
#define INTEL_LM_TP_STATE_HDR_LEN	48

/**
 * struct intel_lm_tp_chunk - one command of a state moved in pieces
 * @offset:	its byte offset in the state
 * @len:	its length in bytes
 * @seqind:	Set Controller State's SEQIND for it
 */
struct intel_lm_tp_chunk {
	uint64_t offset;
	uint32_t len;
	uint8_t seqind;
};

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_TP4159_H */
