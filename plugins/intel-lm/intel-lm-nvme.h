/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * intel-lm plugin for nvme-cli 2.x: `nvme intel-lm <command> ...`
 *
 * This header is read several times by nvme-cli's cmd_handler.h (through define_cmd.h) to
 * declare the handlers, build the command table and register the plugin. It belongs in the
 * nvme-cli tree as plugins/intel-lm/intel-lm-nvme.h: scripts/build-nvme-cli.sh puts it there.
 */
#undef CMD_INC_FILE
#define CMD_INC_FILE plugins/intel-lm/intel-lm-nvme

#if !defined(INTEL_LM_NVME) || defined(CMD_HEADER_MULTI_READ)
#define INTEL_LM_NVME

#ifndef INTEL_LM_VERSION
#define INTEL_LM_VERSION "0.1.0"
#endif

#include "cmd.h"

PLUGIN(NAME("intel-lm", "Intel IPU NVMe VF live migration", INTEL_LM_VERSION),
	COMMAND_LIST(
		ENTRY("info", "Show whether a PF supports Intel live migration, its identity and its VFs", lm_plugin_info)
		ENTRY("query-size", "Print the size of a VF's migration state", lm_plugin_query_size)
		ENTRY("suspend", "Suspend a VF", lm_plugin_suspend)
		ENTRY("resume", "Resume a VF", lm_plugin_resume)
		ENTRY("save", "Save a suspended VF's migration state to a file", lm_plugin_save)
		ENTRY("load", "Load a migration state file into a suspended VF", lm_plugin_load)
		ENTRY("migrate", "Cold-migrate a VF to another VF, resuming the source if a step fails", lm_plugin_migrate)
		ENTRY("status", "Show intel-lm's record of what it did to each VF, and what was interrupted", lm_plugin_status)
		ENTRY("recover", "Settle every interrupted operation in the record", lm_plugin_recover)
		ENTRY("inspect", "Show a state blob's header and whether it verifies", lm_plugin_inspect)
	)
);

#endif

#include "define_cmd.h"
