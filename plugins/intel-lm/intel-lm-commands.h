/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commands of intel-lm: the one list that the front end's table (commands.c, which both
 * programs run) and both nvme-cli glues (intel-lm-glue.h: intel-lm-nvme.c with
 * intel-lm-nvme.h for nvme-cli 2.x, intel-lm-nvme3.c for nvme-cli 3.x) expand. Adding a
 * command is one entry here (and its cmd_ID() function, its page and its completions).
 * scripts/build-nvme-cli.sh puts this file in nvme-cli's tree beside the glue, which reads only
 * NAME, ID, SENDS and SUMMARY: the other columns are the front end's words, which the glue's
 * expansion drops unread, so they need no definition there.
 *
 * X(NAME, ID, SENDS, OPTS, FLAGS, SUMMARY), in the order that both programs' help lists them:
 *   NAME	the command as users type it
 *   ID		a C name: the front end runs cmd_ID(), the nvme-cli glues define lm_plugin_ID()
 *   SENDS	what it sends to a device (enum lm_sends, intel-lm-glue.h), which decides what
 *		nvme-cli 3's global --dry-run, --verbose and --timeout mean for it
 *   OPTS	its options (enum opt_bit, cli-priv.h; CMD_COMMON_OPTS, CMD_VF_OPTS)
 *   FLAGS	CMD_DEVICE (takes a device), CMD_VENDOR (needs Intel live migration support, or
 *		--force), CMD_CHANGES (sends state-changing commands: recorded, signals deferred),
 *		or 0
 *   SUMMARY	one line for both programs' help; each page's NAME line says it too
 */
#ifndef INTEL_LM_COMMANDS_H
#define INTEL_LM_COMMANDS_H

#define INTEL_LM_COMMANDS(X)									\
	X("info", info, LM_SENDS_IDENTIFY, CMD_COMMON_OPTS | OPT_MAX_STATE | OPT_PROTOCOL,	\
	  CMD_DEVICE,										\
	  "Show whether a PF supports migration, its identity and its VFs")		\
	X("query-size", query_size, LM_SENDS_VENDOR, CMD_VF_OPTS, CMD_DEVICE | CMD_VENDOR,	\
	  "Print the size of a VF's migration state")						\
	X("suspend", suspend, LM_SENDS_VENDOR, CMD_VF_OPTS,					\
	  CMD_DEVICE | CMD_VENDOR | CMD_CHANGES, "Suspend a VF")				\
	X("resume", resume, LM_SENDS_VENDOR, CMD_VF_OPTS,					\
	  CMD_DEVICE | CMD_VENDOR | CMD_CHANGES, "Resume a VF")					\
	X("save", save, LM_SENDS_VENDOR, CMD_VF_OPTS | OPT_OUTPUT_FILE | OPT_RAW | OPT_MAX_STATE, \
	  CMD_DEVICE | CMD_VENDOR | CMD_CHANGES,						\
	  "Save a suspended VF's migration state to a file")					\
	X("load", load, LM_SENDS_VENDOR, CMD_VF_OPTS | OPT_INPUT_FILE | OPT_RAW | OPT_MAX_STATE, \
	  CMD_DEVICE | CMD_VENDOR | CMD_CHANGES,						\
	  "Load a migration state file into a suspended VF")					\
	X("migrate", migrate, LM_SENDS_VENDOR,							\
	  CMD_COMMON_OPTS | OPT_VF | OPT_DRY_RUN | OPT_FORCE | OPT_JOBS | OPT_WAIT | OPT_TO |	\
	  OPT_TO_VF | OPT_KEEP | OPT_MAX_STATE | OPT_SSH | OPT_REMOTE_PROGRAM | OPT_PROTOCOL,	\
	  CMD_DEVICE | CMD_VENDOR | CMD_CHANGES,						\
	  "Cold-migrate a VF to another VF, resuming the source if a step fails")		\
	X("status", status, LM_SENDS_NOTHING, OPT_FORMAT | OPT_VF, CMD_DEVICE,			\
	  "Show intel-lm's record of what it did to each VF, and what was interrupted")		\
	X("recover", recover, LM_SENDS_VENDOR,							\
	  CMD_COMMON_OPTS | OPT_VF | OPT_DRY_RUN | OPT_WAIT | OPT_CONFIRM | OPT_SSH |		\
	  OPT_REMOTE_PROGRAM,									\
	  CMD_DEVICE | CMD_CHANGES, "Settle every interrupted operation in the record")		\
	X("inspect", inspect, LM_SENDS_NOTHING, OPT_FORMAT, 0,					\
	  "Show a state blob's header and whether it verifies")

#endif /* INTEL_LM_COMMANDS_H */
