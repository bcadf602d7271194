/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the two nvme-cli glues share: intel-lm-nvme.c with intel-lm-nvme.h (nvme-cli 2.x) and
 * intel-lm-nvme3.c (nvme-cli 3.x). scripts/build-nvme-cli.sh puts this file beside them in the
 * nvme-cli tree, as plugins/intel-lm/intel-lm-glue.h.
 *
 * The front end keeps its own table of the commands and their options (commands.c); this list
 * is what nvme-cli needs to dispatch to it and to show in `nvme intel-lm help`.
 */
#ifndef INTEL_LM_GLUE_H
#define INTEL_LM_GLUE_H

#include <signal.h>
#include <stdbool.h>

#ifndef INTEL_LM_VERSION
#error "INTEL_LM_VERSION: scripts/build-nvme-cli.sh passes meson.build's project version"
#endif

#define LM_PLUGIN_NAME	"intel-lm"
#define LM_PLUGIN_DESC	"Intel IPU NVMe VF live migration"
#define LM_PROG		"nvme " LM_PLUGIN_NAME

/*
 * What a command sends to a device, which decides what nvme-cli 3's global options
 * (--dry-run, --verbose, --timeout) mean for it; see intel-lm-nvme3.c.
 */
enum lm_sends {
	LM_SENDS_NOTHING,	/* reads only intel-lm's record or a file */
	LM_SENDS_IDENTIFY,	/* reads the PF with Identify commands; has no dry run */
	LM_SENDS_VENDOR,	/* sends the vendor commands; has --dry-run */
};

/*
 * X(name, handler, sends, summary) for every command of `nvme intel-lm`, in the order that
 * `nvme intel-lm help` lists them. handler names the glue's function for the command: nvme-cli
 * 2.x's macros need one per command.
 */
#define INTEL_LM_NVME_COMMANDS(X)								\
	X("info", lm_plugin_info, LM_SENDS_IDENTIFY,						\
	  "Show whether a PF supports Intel live migration, its identity and its VFs")		\
	X("query-size", lm_plugin_query_size, LM_SENDS_VENDOR,					\
	  "Print the size of a VF's migration state")						\
	X("suspend", lm_plugin_suspend, LM_SENDS_VENDOR, "Suspend a VF")			\
	X("resume", lm_plugin_resume, LM_SENDS_VENDOR, "Resume a VF")				\
	X("save", lm_plugin_save, LM_SENDS_VENDOR,						\
	  "Save a suspended VF's migration state to a file")					\
	X("load", lm_plugin_load, LM_SENDS_VENDOR,						\
	  "Load a migration state file into a suspended VF")					\
	X("migrate", lm_plugin_migrate, LM_SENDS_VENDOR,					\
	  "Cold-migrate a VF to another VF, resuming the source if a step fails")		\
	X("status", lm_plugin_status, LM_SENDS_NOTHING,						\
	  "Show intel-lm's record of what it did to each VF, and what was interrupted")		\
	X("recover", lm_plugin_recover, LM_SENDS_VENDOR,					\
	  "Settle every interrupted operation in the record")					\
	X("inspect", lm_plugin_inspect, LM_SENDS_NOTHING,					\
	  "Show a state blob's header and whether it verifies")

/*
 * SIGINT. nvme-cli 2.14 and later install a SIGINT handler in main() that only sets a flag for
 * nvme-cli's own loops to poll (nvme_sigint_received in 2.x, shr_sigint_received in 3.x).
 * Inside a plugin that handler swallows Ctrl-C: a command not yet deferring signals (still
 * identifying the PF), or one that never does (info, status, inspect of a terminal), would go
 * on as if nothing happened. The front end expects what the standalone program has: the disposition
 * the process inherited, until files.c installs its own handlers (which then replace
 * nvme-cli's, as they are installed later). So a constructor, which runs before nvme-cli's
 * main(), records the inherited disposition, and lm_restore_sigint() puts it back when a
 * command starts; a SIGINT that nvme-cli caught before then is raised again. SIGTERM, SIGHUP
 * and SIGQUIT: no nvme-cli touches them.
 */
static struct sigaction lm_inherited_sigint;
static bool lm_have_inherited_sigint;

static void __attribute__((constructor)) lm_record_sigint(void)
{
	lm_have_inherited_sigint = sigaction(SIGINT, NULL, &lm_inherited_sigint) == 0;
}

/* @caught: reads nvme-cli's flag; called after the disposition is back, so no SIGINT is lost. */
static inline void lm_restore_sigint(bool (*caught)(void))
{
	if (!lm_have_inherited_sigint)
		return;
	sigaction(SIGINT, &lm_inherited_sigint, NULL);
	if (caught())
		raise(SIGINT);
}

#endif /* INTEL_LM_GLUE_H */
