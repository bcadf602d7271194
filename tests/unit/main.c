// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The main() of every Check suite: run it and print "<suite>: N passed, N failed", the line
 * scripts/run-tests.sh adds up.
 */
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"

int main(void)
{
	Suite *s = unit_suite();
	SRunner *sr = srunner_create(s);
	int run, failed;

	srunner_run_all(sr, CK_NORMAL);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	printf("%s: %d passed, %d failed\n", unit_name, run - failed, failed);
	srunner_free(sr);
	return failed || !run ? EXIT_FAILURE : EXIT_SUCCESS;
}
