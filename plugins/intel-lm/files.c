// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The files a command reads and writes. Input: a file, or standard input for "-".
 *
 * Output files and fatal signals: outside the commands that change a VF's state, SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT remove a named temporary output file (where the file system has
 * no O_TMPFILE) before the signal ends the process, so nothing half-written is ever left
 * behind. SIGPIPE is ignored: a closed pipe is an EPIPE write error, reported like any other.
 *
 * Commands that change a VF's state (single ones, batches, migrate, recover) defer those
 * signals: the handler only records the signal; what was started (a command, the file that
 * holds a saved state, its record) is finished, then the work stops at the next step
 * boundary, rolls back what it must and reports.
 *
 * The handler can only reach what is global: one slot per concurrent job, set and cleared by
 * the job's thread, read by the handler with async-signal-safe calls only.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli-priv.h"

static struct intel_lm_outfile *volatile pending[MAX_JOBS];
static __thread int my_slot = -1;
static volatile sig_atomic_t deferring, caught;

static void on_fatal_signal(int sig)
{
	size_t i;

	/* Work that can roll back (migrate, batches) asks to be told instead of killed. */
	if (deferring) {
		caught = sig;
		return;
	}

	for (i = 0; i < MAX_JOBS; i++) {
		const char *tmp = intel_lm_outfile_tmp(pending[i]);	/* async-signal-safe */

		if (tmp[0])
			unlink(tmp);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_handlers(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = on_fatal_signal };
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;

void defer_signals(void)
{
	pthread_once(&handlers_once, install_handlers);
	deferring = 1;
}

int signal_caught(void)
{
	return caught;
}

void guard_output(struct intel_lm_outfile *out)
{
	int i;

	pthread_once(&handlers_once, install_handlers);
	for (i = 0; i < MAX_JOBS; i++) {
		struct intel_lm_outfile *expected = NULL;

		if (__atomic_compare_exchange_n(&pending[i], &expected, out, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			my_slot = i;
			return;
		}
	}
}

void unguard_output(void)
{
	if (my_slot >= 0)
		__atomic_store_n(&pending[my_slot], NULL, __ATOMIC_SEQ_CST);
	my_slot = -1;
}

int open_input(const char *path)
{
	int fd;

	if (!strcmp(path, "-"))
		return STDIN_FILENO;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fd;
}

/* @path in at most about 100 bytes for a message: its beginning and its end. */
static const char *shorten(const char *path, char *buf, size_t len)
{
	size_t n = strlen(path), head = 48, tail = 48;

	if (n <= head + tail + 3 || len < head + tail + 4)
		return path;
	/* Cut between characters, not inside one (escape.h escapes what is left of one). */
	while (head && ((unsigned char)path[head] & 0xc0) == 0x80)
		head--;
	while (tail && ((unsigned char)path[n - tail] & 0xc0) == 0x80)
		tail--;
	snprintf(buf, len, "%.*s...%s", (int)head, path, path + n - tail);
	return buf;
}

int record_path_check(const char *what, const char *path, bool absolute, char *msg,
		      size_t msg_len, char *hint, size_t hint_len)
{
	char abs[PATH_MAX + NAME_MAX + 2], shown[128];
	const char *held = path;
	size_t len;

	if (!strcmp(path, "-"))
		return 0;
	/* save records its file as an absolute path: its directory resolved, then its name. */
	if (absolute && strlen(path) < PATH_MAX) {
		char dir[PATH_MAX], base[PATH_MAX], real[PATH_MAX], cwd[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s", path);
		snprintf(base, sizeof(base), "%s", path);
		if (realpath(dirname(dir), real))
			snprintf(abs, sizeof(abs), "%s/%s", strcmp(real, "/") ? real : "",
				 basename(base));
		else if (path[0] != '/' && getcwd(cwd, sizeof(cwd)))
			snprintf(abs, sizeof(abs), "%s/%s", cwd, path);
		else
			snprintf(abs, sizeof(abs), "%s", path);
		held = abs;
	}
	len = strlen(held);
	if (len < INTEL_LM_REC_PATH_LEN)
		return 0;
	snprintf(msg, msg_len, "%s %s is %zu bytes%s, longer than the %d bytes intel-lm's record "
		 "holds for a path; nothing was sent to the device", what,
		 shorten(held, shown, sizeof(shown)), len, held == abs ? " as an absolute path" : "",
		 INTEL_LM_REC_PATH_LEN - 1);
	snprintf(hint, hint_len, "name a file whose %spath is at most %d bytes, so that status "
		 "and recover can find it", held == abs ? "absolute " : "",
		 INTEL_LM_REC_PATH_LEN - 1);
	return -ENAMETOOLONG;
}
