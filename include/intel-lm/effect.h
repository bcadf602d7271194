/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: what a command did to a VF. The device has no read-back, so a VF's state is what
 * follows from the commands sent to it and what each returned. This is the one table of that:
 * rollback, the record, reports and exit statuses all read it.
 */
#ifndef INTEL_LM_EFFECT_H
#define INTEL_LM_EFFECT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum intel_lm_effect - what a command's return value says about its effect on the device
 * @INTEL_LM_EFFECT_NONE:	it had none: the device refused it with an NVMe status, or it
 *				never reached the device (the kernel or the library refused it)
 * @INTEL_LM_EFFECT_DONE:	it took effect (the device completed it successfully)
 * @INTEL_LM_EFFECT_UNKNOWN:	it may or may not have taken effect: the kernel returned an
 *				errno after the command may have reached the device (EINTR after
 *				a timeout and a controller reset, EIO, ...), or the process died
 *				while it was in flight. Such a command is never re-sent.
 */
enum intel_lm_effect {
	INTEL_LM_EFFECT_NONE = 0,
	INTEL_LM_EFFECT_DONE,
	INTEL_LM_EFFECT_UNKNOWN,
};

/**
 * enum intel_lm_vf_state - a VF's migration state, as intel-lm knows it
 * @INTEL_LM_VF_RUNNING:	running (or never touched by intel-lm)
 * @INTEL_LM_VF_SUSPENDED:	suspended: it fetches no commands
 * @INTEL_LM_VF_SAVED:		its state was saved (SAVE_DATA also disables the VF controller)
 * @INTEL_LM_VF_LOADED:		a state was loaded into it; it is still suspended
 * @INTEL_LM_VF_UNKNOWN:	a command's effect on it is unknown
 * @INTEL_LM_VF_STATES:		the number of states
 */
enum intel_lm_vf_state {
	INTEL_LM_VF_RUNNING = 0,
	INTEL_LM_VF_SUSPENDED,
	INTEL_LM_VF_SAVED,
	INTEL_LM_VF_LOADED,
	INTEL_LM_VF_UNKNOWN,
	INTEL_LM_VF_STATES,
};

/**
 * intel_lm_effect_of() - The effect of a command, from what its submission returned
 * @ret:	0, a positive NVMe status, or a negative errno, as intel_lm_submit() returns
 *
 * Negative errnos that the kernel or the library return before the command reaches the device
 * (EINVAL, EFAULT, ENOTTY, EBADF, EPERM, EACCES, ENOMEM, ECANCELED) mean no effect; any other
 * errno leaves the effect unknown.
 *
 * Return: %INTEL_LM_EFFECT_DONE for 0, %INTEL_LM_EFFECT_NONE for an NVMe status or an errno
 * from before the device, %INTEL_LM_EFFECT_UNKNOWN otherwise.
 */
enum intel_lm_effect intel_lm_effect_of(int ret);

/**
 * intel_lm_state_after() - A VF's state after a command
 * @prev:	its state before the command
 * @opcode:	one of the five Intel opcodes
 * @effect:	the command's effect
 *
 * SUSPEND of a running VF makes it suspended (a saved, loaded or unknown VF stays what it is:
 * an unknown one may be saved or loaded, which SUSPEND leaves as they are), RESUME
 * makes it running, SAVE_DATA saved, LOAD_DATA loaded; QUERY_DATA_SIZE changes nothing. No
 * effect leaves @prev; an unknown effect of a state-changing command makes it unknown.
 *
 * Return: the new state.
 */
enum intel_lm_vf_state intel_lm_state_after(enum intel_lm_vf_state prev, uint8_t opcode,
					    enum intel_lm_effect effect);

/**
 * intel_lm_opcode_changes_state() - Whether an opcode can change a VF's state
 * @opcode:	an opcode
 *
 * Return: 1 for SUSPEND, RESUME, SAVE_DATA and LOAD_DATA; 0 otherwise.
 */
int intel_lm_opcode_changes_state(uint8_t opcode);

/**
 * intel_lm_vf_state_name() - A VF state's word, as status, reports and JSON use it
 * @state:	a state
 *
 * Return: "running", "suspended", "saved", "loaded" or "unknown"; never NULL.
 */
const char *intel_lm_vf_state_name(enum intel_lm_vf_state state);

/**
 * intel_lm_vf_state_parse() - The state a word names
 * @word:	one of the words intel_lm_vf_state_name() returns
 *
 * Return: the state, or %INTEL_LM_VF_STATES for any other word.
 */
enum intel_lm_vf_state intel_lm_vf_state_parse(const char *word);

/**
 * intel_lm_effect_name() - An effect's word
 * @effect:	an effect
 *
 * Return: "none", "done" or "unknown"; never NULL.
 */
const char *intel_lm_effect_name(enum intel_lm_effect effect);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_EFFECT_H */
