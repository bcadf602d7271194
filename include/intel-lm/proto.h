/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: the migration protocol, one interface over Intel's five vendor commands and the
 * NVMe standard's (TP4159, NVMe Base 2.1: Migration Send 41h and Migration Receive 42h).
 *
 * Every step the library takes on a VF (suspend, resume, query the state size, save the state,
 * load it) goes through intel_lm_proto_send(), which sends it exactly once over the PF's
 * protocol. A step is named by Intel's opcode for it (&enum intel_lm_opcode), as the record,
 * the rule and every message name it, whatever protocol carries it.
 */
#ifndef INTEL_LM_PROTO_H
#define INTEL_LM_PROTO_H

#include <stdint.h>

#include <intel-lm/cmd.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum intel_lm_protocol - how a VF's state is moved
 * @INTEL_LM_PROTO_INTEL:	Intel's vendor-specific commands (QUERY_DATA_SIZE C4h, SUSPEND
 *				C8h, RESUME CCh, SAVE_DATA D2h, LOAD_DATA D5h), which name the
 *				VF by its 1-based index
 * @INTEL_LM_PROTO_TP4159:	NVMe TP4159 (Migration Send 41h, Migration Receive 42h), which
 *				name the VF by its secondary controller ID
 */
enum intel_lm_protocol {
	INTEL_LM_PROTO_INTEL	= 0,
	INTEL_LM_PROTO_TP4159	= 1,
};

/** INTEL_LM_PROTO_AUTO - let the PF's capabilities choose (intel_lm_pf_use_protocol()) */
#define INTEL_LM_PROTO_AUTO	0xffu

/**
 * intel_lm_protocol_parse() - A protocol from its name
 * @name:	"intel", "tp4159" or "auto"
 *
 * Return: its &enum intel_lm_protocol, %INTEL_LM_PROTO_AUTO, or -EINVAL for another name.
 */
int intel_lm_protocol_parse(const char *name);

/**
 * struct intel_lm_proto - the protocol a PF's VFs are migrated with, and its parameters
 * @protocol:	one of &enum intel_lm_protocol; zero (the default) is Intel's
 * @csvi:	TP4159: Controller State Version Index (0 = the controller's default format)
 * @csuuidi:	TP4159: Controller State UUID Index (0 = no vendor-specific format)
 * @uidx:	TP4159: UUID Index of the UUID List (0 = none)
 * @max_xfer:	TP4159: the most bytes one Migration Send or Receive moves, a multiple of 4;
 *		0 = the library's default
 * @reserved:	zero
 */
struct intel_lm_proto {
	uint8_t protocol;
	uint8_t csvi;
	uint8_t csuuidi;
	uint8_t uidx;
	uint32_t max_xfer;
	uint32_t reserved[6];
};

/**
 * intel_lm_protocol_name() - The name of a protocol
 * @protocol:	one of &enum intel_lm_protocol
 *
 * Return: "intel", "tp4159" or "unknown"; never NULL. The names --protocol takes, the record
 * keeps and JSON shows.
 */
const char *intel_lm_protocol_name(unsigned int protocol);

/**
 * intel_lm_step_command() - The command that carries a step over a protocol, in words
 * @protocol:	one of &enum intel_lm_protocol
 * @step:	the step, by Intel's opcode for it (%INTEL_LM_OPC_SUSPEND, ...)
 *
 * For messages, which name the step and, over TP4159, the command that was really sent:
 * "LOAD_DATA (Migration Send 41h, Set Controller State) failed ...".
 *
 * Return: over TP4159 e.g. "Migration Send 41h, Set Controller State"; NULL over Intel's
 * commands, where the step's name (intel_lm_opcode_name()) is its command's, and for an
 * unknown step or protocol.
 */
const char *intel_lm_step_command(unsigned int protocol, uint8_t step);

/**
 * intel_lm_cmd_action() - What a TP4159 command does, from its opcode and SEL
 * @cmd:	a command as built (intel_lm_tp_suspend_init(), ...)
 *
 * Return: "Suspend", "Resume", "Set Controller State" or "Get Controller State" for a
 * Migration Send or Receive of those SELs; NULL for any other command.
 */
const char *intel_lm_cmd_action(const struct intel_lm_cmd *cmd);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_PROTO_H */
