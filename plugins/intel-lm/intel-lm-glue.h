/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the two nvme-cli glues share: intel-lm-nvme.c with intel-lm-nvme.h (nvme-cli 2.x) and
 * intel-lm-nvme3.c (nvme-cli 3.x). scripts/build-nvme-cli.sh puts this file beside them in the
 * nvme-cli tree, as plugins/intel-lm/intel-lm-glue.h.
 *
 * The commands come from intel-lm-commands.h, which scripts/build-nvme-cli.sh puts beside this
 * file too: the front end's table (commands.c) is made from the same list, so nvme-cli
 * dispatches and lists in `nvme intel-lm help` exactly the commands the front end runs.
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
 * The commands: intel-lm-commands.h's list, X(name, id, sends, opts, flags, summary), the one
 * the front end's table expands too. A glue defines lm_plugin_ID() for each (nvme-cli 2.x's
 * macros need a handler per command) and reads only name, id, sends and summary.
 */
#include "intel-lm-commands.h"

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
