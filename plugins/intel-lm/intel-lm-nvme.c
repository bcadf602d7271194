// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * intel-lm plugin for nvme-cli 2.x: the glue between nvme-cli's plugin table and the intel-lm
 * front end shared with the standalone nvme-intel-lm program. Keep it thin: every command is
 * handed over to intel_lm_cli_run() as it came.
 *
 * nvme-cli calls a handler with argv[0] set to the word the user typed, which may be an
 * abbreviation ("sa" for "save") or start with dashes ("--save"); the front end is given the
 * command's full name instead. "help" and "version" never get here: nvme-cli answers them.
 */
#include <stdlib.h>

#include "nvme.h"
#include "plugin.h"
#include "cli.h"

#define CREATE_CMD
#include "intel-lm-nvme.h"

static int lm_plugin_run(int argc, char **argv, struct command *cmd)
{
	int ret;

	argv[0] = cmd->name;
	ret = intel_lm_cli_run("nvme intel-lm", argc, argv);

	/*
	 * nvme-cli's main() turns every non-zero result into exit status 1. Leave with the front
	 * end's own status instead, so that `nvme intel-lm` and nvme-intel-lm exit alike.
	 */
	if (ret != 0 && ret != 1)
		exit(ret);
	return ret;
}

static int lm_plugin_info(int argc, char **argv, struct command *cmd, struct plugin *plugin)
{
	return lm_plugin_run(argc, argv, cmd);
}

static int lm_plugin_query_size(int argc, char **argv, struct command *cmd,
			       struct plugin *plugin)
{
	return lm_plugin_run(argc, argv, cmd);
}

static int lm_plugin_suspend(int argc, char **argv, struct command *cmd, struct plugin *plugin)
{
	return lm_plugin_run(argc, argv, cmd);
}

static int lm_plugin_resume(int argc, char **argv, struct command *cmd, struct plugin *plugin)
{
	return lm_plugin_run(argc, argv, cmd);
}

static int lm_plugin_save(int argc, char **argv, struct command *cmd, struct plugin *plugin)
{
	return lm_plugin_run(argc, argv, cmd);
}

static int lm_plugin_load(int argc, char **argv, struct command *cmd, struct plugin *plugin)
{
	return lm_plugin_run(argc, argv, cmd);
}

static int lm_plugin_inspect(int argc, char **argv, struct command *cmd, struct plugin *plugin)
{
	return lm_plugin_run(argc, argv, cmd);
}

static int lm_plugin_migrate(int argc, char **argv, struct command *cmd, struct plugin *plugin)
{
	return lm_plugin_run(argc, argv, cmd);
}

static int lm_plugin_status(int argc, char **argv, struct command *cmd, struct plugin *plugin)
{
	return lm_plugin_run(argc, argv, cmd);
}

static int lm_plugin_recover(int argc, char **argv, struct command *cmd, struct plugin *plugin)
{
	return lm_plugin_run(argc, argv, cmd);
}
