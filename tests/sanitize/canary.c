// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The sanitizer canary: each mode commits one error that AddressSanitizer, LeakSanitizer or
 * UndefinedBehaviorSanitizer must report. tests/sanitize/run.sh runs it (also under the
 * emulator's preload) before the suites, so that a sanitizer that silently stopped working
 * cannot make the suites look clean.
 *
 *	canary overflow|leak|ubsan|none
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Kept in globals so that the compiler cannot see through them. */
volatile int canary_index = 16;
volatile int canary_big = INT_MAX;
void *volatile canary_sink;

/* The only pointer to the block lives in this frame, which is gone when it returns. */
static __attribute__((noinline)) void leak(void)
{
	canary_sink = malloc(64);
	canary_sink = NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "none";
	char *p;

	if (!strcmp(mode, "overflow")) {
		p = malloc(16);
		if (!p)
			return 2;
		p[canary_index] = 1;	/* one byte past the end */
		free(p);
	} else if (!strcmp(mode, "leak")) {
		leak();
	} else if (!strcmp(mode, "ubsan")) {
		int v = canary_big;

		v += canary_index;	/* signed overflow */
		printf("%d\n", v);
	} else if (strcmp(mode, "none")) {
		fprintf(stderr, "usage: canary overflow|leak|ubsan|none\n");
		return 2;
	}
	return 0;
}
