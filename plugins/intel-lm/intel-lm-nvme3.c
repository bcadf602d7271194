// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * intel-lm plugin for nvme-cli 3.x: the glue between nvme-cli's plugin interface (plain
 * struct command and struct plugin, plugin_add_group(), register_extension()) and the intel-lm
 * front end shared with the standalone nvme-intel-lm program. scripts/build-nvme-cli.sh puts
 * it in the nvme-cli tree as plugins/intel-lm/intel-lm-nvme3.c. Keep it thin: every command is
 * handed over to intel_lm_cli_run(), under the command's full name, with its arguments.
 *
 * nvme-cli 3 parses global options before the plugin's command, `nvme [GLOBAL] intel-lm
 * [GLOBAL] COMMAND ...`, and takes defaults for them from its configuration file
 * (PATH_NVME_CLI_INI, /etc/nvme/nvme-cli.conf); both land in the global struct nvme_args, and
 * the plugin is never told which ones were given. Each one is honoured, or the command is
 * refused with a message; none is ignored:
 *
 *   output-format	json or normal: the front end's --output-format; anything else is
 *			refused (intel-lm writes no binary or tabular report)
 *   verbose, -H	the front end's --verbose for commands that send commands to a device
 *   timeout		the front end's --timeout, the same milliseconds, likewise
 *   dry-run		the front end's --dry-run for commands that send vendor commands;
 *			refused by info, which has no dry run; status and inspect send nothing
 *			to a device, so they honour dry-run, verbose and timeout as they are
 *   quiet		refused: intel-lm always reports what it did to the VFs
 *   set-options	refused: it sets options of nvme-cli's libnvme context, which intel-lm
 *			does not use
 *   output-format-version	refused unless 2 (the default): it picks one of nvme-cli's own
 *			JSON layouts, and intel-lm has one of its own
 *   no-retries, no-ioctl-probing	honoured as they are: intel-lm never re-sends a command,
 *			and submits through the kernel's 64-bit admin ioctl without probing
 *
 * The translated options go right after the command's name, before the user's own: an option
 * given after the command still wins (the front end takes the last one), as in nvme-cli.
 *
 * Before the front end runs, SIGINT gets back the disposition the process inherited (see
 * intel-lm-glue.h) and getopt is started afresh (see lm_reset_getopt()).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shared/sig-util.h>

#include "args.h"
#include "global-config.h"
#include "plugin.h"
#include "cli.h"
#include "intel-lm-glue.h"

/* The most options the glue adds: output format, verbose, timeout, dry run. */
#define LM_MAX_ADDED	4

/* Where nvme-cli's global options come from, for messages. */
#define LM_GLOBAL_FROM	"nvme-cli's global options (before the command, or " PATH_NVME_CLI_INI ")"

static bool lm_sigint_caught(void)
{
	return shr_sigint_received;
}

/* Whether the user asks for the command's help: then the global options do not matter. */
static bool lm_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ||
		    !strcmp(argv[i], "-help"))
			return true;
	return false;
}

static int lm_refuse(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int lm_refuse(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", LM_PROG, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nsee '%s %s --help'\n", LM_PROG, cmd);
	/* The front end's status for a usage error. */
	return 2;
}

/* The global options this command cannot honour: a refusal (exit status 2), or 0. */
static int lm_check_globals(const char *cmd, enum lm_sends sends)
{
	const char *fmt = nvme_args.output_format;

	if (fmt && strcmp(fmt, "normal") && strcmp(fmt, "json"))
		return lm_refuse(cmd, "the output format is '%s' in " LM_GLOBAL_FROM ": intel-lm "
				 "reports in normal or json only (after the command, -o names the "
				 "output file)", fmt);
	if (nvme_args.quiet)
		return lm_refuse(cmd, "quiet is set in " LM_GLOBAL_FROM ": intel-lm has no quiet "
				 "mode, it always reports what it did to the VFs");
	if (nvme_args.set_options && *nvme_args.set_options)
		return lm_refuse(cmd, "set-options is '%s' in " LM_GLOBAL_FROM ": it sets options "
				 "of nvme-cli's libnvme context, which intel-lm does not use",
				 nvme_args.set_options);
	if (nvme_args.output_format_ver != 2)
		return lm_refuse(cmd, "output-format-version is %u in " LM_GLOBAL_FROM ": it picks "
				 "one of nvme-cli's JSON layouts; intel-lm has one of its own",
				 nvme_args.output_format_ver);
	if (nvme_args.dry_run && sends == LM_SENDS_IDENTIFY)
		return lm_refuse(cmd, "dry-run is set in " LM_GLOBAL_FROM ", and this command has "
				 "no dry run: it reads the PF with Identify commands and changes "
				 "nothing; run it without dry-run");
	return 0;
}

/*
 * nvme-cli 3 parses its global options with getopt_long() and a '+' optstring (stop at the
 * first non-option: the command). glibc keeps that mode until a scan starts with optind = 0;
 * the front end starts its own with optind = 1, so it would stop at the device and refuse
 * every option after it (`suspend /dev/nvme0 --vf=1`). An empty scan from optind = 0 starts
 * getopt afresh, as in the standalone program.
 */
static void lm_reset_getopt(void)
{
	char *none[] = { LM_PLUGIN_NAME, NULL };

	optind = 0;
	opterr = 0;
	getopt(1, none, "");
}

static int lm_plugin_run(int argc, char **argv, struct command *cmd, enum lm_sends sends)
{
	char timeout[32];
	char **args;
	int n = 0, ret;

	lm_restore_sigint(lm_sigint_caught);

	args = calloc((size_t)argc + LM_MAX_ADDED + 1, sizeof(*args));
	if (!args) {
		fprintf(stderr, "%s %s: out of memory\n", LM_PROG, cmd->name);
		exit(1);
	}
	args[n++] = cmd->name;
	if (!lm_wants_help(argc, argv)) {
		ret = lm_check_globals(cmd->name, sends);
		if (ret)
			exit(ret);
		if (nvme_args.output_format && !strcmp(nvme_args.output_format, "json"))
			args[n++] = "--output-format=json";
		if (sends != LM_SENDS_NOTHING && nvme_args.verbose)
			args[n++] = "--verbose";
		if (sends != LM_SENDS_NOTHING && nvme_args.timeout) {
			snprintf(timeout, sizeof(timeout), "--timeout=%u", nvme_args.timeout);
			args[n++] = timeout;
		}
		if (sends == LM_SENDS_VENDOR && nvme_args.dry_run)
			args[n++] = "--dry-run";
	}
	if (argc > 1)
		memcpy(&args[n], &argv[1], (size_t)(argc - 1) * sizeof(*args));
	n += argc - 1;

	lm_reset_getopt();
	ret = intel_lm_cli_run(LM_PROG, n, args);
	free(args);

	/*
	 * nvme-cli's main() turns every non-zero result into exit status 1. Leave with the front
	 * end's own status instead, so that `nvme intel-lm` and nvme-intel-lm exit alike.
	 */
	if (ret != 0 && ret != 1)
		exit(ret);
	return ret;
}

/* One handler and one struct command per command, all alike. */
#define LM_COMMAND(name_, id, sends, opts, flags, summary)					\
static int lm_plugin_##id(int argc, char **argv, struct command *cmd,				\
		   struct plugin *plugin __attribute__((unused)))				\
{												\
	return lm_plugin_run(argc, argv, cmd, sends);						\
}												\
static struct command lm_plugin_##id##_cmd = {							\
	.name = name_,										\
	.help = summary,									\
	.fn = lm_plugin_##id,									\
};

INTEL_LM_COMMANDS(LM_COMMAND)

#define LM_COMMAND_PTR(name, id, sends, opts, flags, summary) &lm_plugin_##id##_cmd,

static struct command *lm_commands[] = {
	INTEL_LM_COMMANDS(LM_COMMAND_PTR)
	NULL,
};

static struct plugin lm_plugin = {
	.name = LM_PLUGIN_NAME,
	.desc = LM_PLUGIN_DESC,
	.version = INTEL_LM_VERSION,
};

static void __attribute__((constructor)) lm_register(void)
{
	plugin_add_group(&lm_plugin, NULL, lm_commands);
	register_extension(&lm_plugin);
}
