/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * intel-lm plugin for nvme-cli 2.x: `nvme intel-lm <command> ...`
 *
 * This header is read several times by nvme-cli's cmd_handler.h (through define_cmd.h) to
 * declare the handlers, build the command table and register the plugin. It belongs in the
 * nvme-cli tree as plugins/intel-lm/intel-lm-nvme.h: scripts/build-nvme-cli.sh puts it there,
 * with intel-lm-glue.h and intel-lm-commands.h, whose list of commands (shared with the nvme-cli
 * 3.x glue and the front end's table) it expands.
 */
#undef CMD_INC_FILE
#define CMD_INC_FILE plugins/intel-lm/intel-lm-nvme

#if !defined(INTEL_LM_NVME) || defined(CMD_HEADER_MULTI_READ)
#define INTEL_LM_NVME

#include "cmd.h"
#include "intel-lm-glue.h"

/* One ENTRY of cmd.h per command; ENTRY means something else at each reading. */
#undef LM_ENTRY
#define LM_ENTRY(name, id, sends, opts, flags, summary) ENTRY(name, summary, lm_plugin_##id)

PLUGIN(NAME(LM_PLUGIN_NAME, LM_PLUGIN_DESC, INTEL_LM_VERSION),
	COMMAND_LIST(
		INTEL_LM_COMMANDS(LM_ENTRY)
	)
);

#endif

#include "define_cmd.h"
