/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * intel-lm command line front end, shared by the nvme-cli plugin (`nvme intel-lm ...`) and the
 * standalone program (`nvme-intel-lm ...`).
 */
#ifndef INTEL_LM_CLI_H
#define INTEL_LM_CLI_H

/**
 * intel_lm_cli_run() - Run one intel-lm subcommand
 * @prog:	how the user called us, for messages: "nvme intel-lm" or "nvme-intel-lm"
 * @argc:	number of words in @argv
 * @argv:	argv[0] is the subcommand ("save", "info", ...), then its arguments
 *
 * Return: the process exit status: 0 on success, non-zero on any failure.
 */
int intel_lm_cli_run(const char *prog, int argc, char **argv);

/**
 * intel_lm_cli_main() - The standalone program's main()
 * @argc:	as main() got it
 * @argv:	argv[1] is the subcommand, or "help", "version", "--help"
 *
 * Return: the process exit status.
 */
int intel_lm_cli_main(int argc, char **argv);

#endif /* INTEL_LM_CLI_H */
