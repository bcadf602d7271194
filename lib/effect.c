// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one table of what a command did to a VF (see intel-lm/effect.h).
 */
#include <errno.h>
#include <string.h>

#include <intel-lm/cmd.h>
#include <intel-lm/effect.h>

enum intel_lm_effect intel_lm_effect_of(int ret)
{
	if (ret == 0)
		return INTEL_LM_EFFECT_DONE;
	if (ret > 0)
		return INTEL_LM_EFFECT_NONE;
	switch (-ret) {
	case EINVAL:	/* the kernel's checks: flags, transfer size, segments */
	case EFAULT:	/* the buffer could not be mapped */
	case ENOTTY:	/* not an NVMe controller */
	case EBADF:
	case EPERM:
	case EACCES:
	case ENOMEM:
	case ECANCELED:	/* the library's own: stopped before the command was sent */
	case EMSGSIZE:	/* the library's own: a buffer the kernel would refuse, not sent */
		return INTEL_LM_EFFECT_NONE;
	default:
		return INTEL_LM_EFFECT_UNKNOWN;
	}
}

int intel_lm_opcode_changes_state(uint8_t opcode)
{
	return opcode == INTEL_LM_OPC_SUSPEND || opcode == INTEL_LM_OPC_RESUME ||
	       opcode == INTEL_LM_OPC_SAVE_DATA || opcode == INTEL_LM_OPC_LOAD_DATA;
}

enum intel_lm_vf_state intel_lm_state_after(enum intel_lm_vf_state prev, uint8_t opcode,
					    enum intel_lm_effect effect)
{
	if (!intel_lm_opcode_changes_state(opcode) || effect == INTEL_LM_EFFECT_NONE)
		return prev;
	if (effect == INTEL_LM_EFFECT_UNKNOWN)
		return INTEL_LM_VF_UNKNOWN;
	switch (opcode) {
	case INTEL_LM_OPC_SUSPEND:
		/* An unknown VF may be saved or loaded, which SUSPEND leaves as they are. */
		return prev == INTEL_LM_VF_SAVED || prev == INTEL_LM_VF_LOADED ||
		       prev == INTEL_LM_VF_UNKNOWN ? prev : INTEL_LM_VF_SUSPENDED;
	case INTEL_LM_OPC_RESUME:
		return INTEL_LM_VF_RUNNING;
	case INTEL_LM_OPC_SAVE_DATA:
		return INTEL_LM_VF_SAVED;
	default:
		return INTEL_LM_VF_LOADED;
	}
}

static const char *const state_names[INTEL_LM_VF_STATES] = {
	[INTEL_LM_VF_RUNNING] = "running",
	[INTEL_LM_VF_SUSPENDED] = "suspended",
	[INTEL_LM_VF_SAVED] = "saved",
	[INTEL_LM_VF_LOADED] = "loaded",
	[INTEL_LM_VF_UNKNOWN] = "unknown",
};

const char *intel_lm_vf_state_name(enum intel_lm_vf_state state)
{
	return state < INTEL_LM_VF_STATES ? state_names[state] : "unknown";
}

enum intel_lm_vf_state intel_lm_vf_state_parse(const char *word)
{
	enum intel_lm_vf_state s;

	for (s = 0; s < INTEL_LM_VF_STATES; s++)
		if (!strcmp(word, state_names[s]))
			return s;
	return INTEL_LM_VF_STATES;
}

const char *intel_lm_effect_name(enum intel_lm_effect effect)
{
	switch (effect) {
	case INTEL_LM_EFFECT_NONE:
		return "none";
	case INTEL_LM_EFFECT_DONE:
		return "done";
	default:
		return "unknown";
	}
}
