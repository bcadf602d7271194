// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * peak-rss: run a program and report its peak resident set size.
 *
 *	peak-rss FILE PROGRAM [ARG...]
 *
 * Runs PROGRAM, writes its peak RSS in KiB (getrusage's ru_maxrss, from wait4) to FILE and
 * exits as PROGRAM did (128 + the signal when a signal ended it).
 *
 * The benchmark driver needs it because Linux carries the high-water mark of the memory a
 * process had before exec into ru_maxrss: a program started straight from the Python driver
 * would report at least the interpreter's RSS. This program is small, so its own mark stays
 * below any program measured. BENCH_PRELOAD, when set, becomes PROGRAM's LD_PRELOAD (and
 * this program runs without one).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *preload = getenv("BENCH_PRELOAD");
	struct rusage ru;
	int status;
	pid_t pid;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: peak-rss FILE PROGRAM [ARG...]\n");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("peak-rss: fork");
		return 2;
	}
	if (!pid) {
		if (preload && setenv("LD_PRELOAD", preload, 1))
			_exit(127);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "peak-rss: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("peak-rss: wait4");
			return 2;
		}
	}
	f = fopen(argv[1], "w");
	if (!f || fprintf(f, "%ld\n", ru.ru_maxrss) < 0 || fclose(f)) {
		perror(argv[1]);
		return 2;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
