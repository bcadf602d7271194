// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nvme-intel-lm: the standalone program, for hosts whose nvme-cli cannot be rebuilt.
 */
#include "cli.h"

int main(int argc, char **argv)
{
	return intel_lm_cli_main(argc, argv);
}
