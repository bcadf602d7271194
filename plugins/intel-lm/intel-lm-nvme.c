// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * intel-lm plugin for nvme-cli 2.x: the glue between nvme-cli's plugin table and the intel-lm
 * front end shared with the standalone nvme-intel-lm program. Keep it thin: every command is
 * handed over to intel_lm_cli_run() as it came.
 *
 * nvme-cli calls a handler with argv[0] set to the word the user typed, which may be an
 * abbreviation ("sa" for "save") or start with dashes ("--save"); the front end is given the
 * command's full name instead. "help" and "version" never get here: nvme-cli answers them.
 * nvme-cli 2.x has no global options before the command: every option after it is the
 * front end's.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "nvme.h"
#include "plugin.h"
#include "cli.h"

#define CREATE_CMD
#include "intel-lm-nvme.h"

/* nvme-cli 2.14 and later define it (util/sighdl.c); in 2.3 to 2.13 it stays NULL. */
extern bool nvme_sigint_received __attribute__((weak));

static bool lm_sigint_caught(void)
{
	return &nvme_sigint_received && nvme_sigint_received;
}

static int lm_plugin_run(int argc, char **argv, struct command *cmd)
{
	int ret;

	lm_restore_sigint(lm_sigint_caught);
	argv[0] = cmd->name;
	ret = intel_lm_cli_run(LM_PROG, argc, argv);

	/*
	 * nvme-cli's main() turns every non-zero result into exit status 1. Leave with the front
	 * end's own status instead, so that `nvme intel-lm` and nvme-intel-lm exit alike.
	 */
	if (ret != 0 && ret != 1)
		exit(ret);
	return ret;
}

/* The handlers cmd_handler.h declared, one per command, all alike. */
#define LM_HANDLER(name, id, sends, opts, flags, summary)					\
static int lm_plugin_##id(int argc, char **argv, struct command *cmd,				\
		   struct plugin *plugin __attribute__((unused)))				\
{												\
	return lm_plugin_run(argc, argv, cmd);							\
}

INTEL_LM_COMMANDS(LM_HANDLER)
