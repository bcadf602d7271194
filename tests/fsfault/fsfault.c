// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * File system faults for tests, as an LD_PRELOAD library: write(2), pwrite(2), fsync(2) and
 * fdatasync(2) on files under one directory fail with a chosen errno, or are slowed down so that
 * a test can send a signal while an output file is being written.
 *
 *   INTEL_LM_FSFAULT_DIR=/tmp/x   the directory whose files are affected (nothing else is)
 *   INTEL_LM_FSFAULT=write:ENOSPC | write:EIO | write:EDQUOT | write:EROFS | fsync:EIO |
 *                    write:slow:MS | fsync:slow:MS | dirsync:EIO   (write: covers pwrite too;
 *                    fsync: covers fdatasync)
 *
 * dirsync: fsync(2) of the directory INTEL_LM_FSFAULT_DIR itself fails (its files' do not).
 * INTEL_LM_FSFAULT_AFTER=N   the first N calls that would fail succeed (a fault mid-way)
 * INTEL_LM_FSFAULT_LOG=FILE  a line "write slow PATH" (or "fsync slow PATH") is appended to
 *                            FILE as each slowed write, pwrite (or fsync) begins, so that a
 *                            test can signal the program, or run another, during it
 *
 * Without INTEL_LM_FSFAULT it passes everything through.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef int (*sync_fn)(int);

/* Whether @fd is a file under INTEL_LM_FSFAULT_DIR, or with @self that directory itself. */
static int affected_as(int fd, int self)
{
	const char *dir = getenv("INTEL_LM_FSFAULT_DIR");
	char link[64], path[PATH_MAX];
	ssize_t n;

	if (!dir || !*dir)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return 0;
	path[n] = '\0';
	if (self)
		return !strcmp(path, dir);
	return !strncmp(path, dir, strlen(dir)) && path[strlen(dir)] == '/';
}

static int affected(int fd)
{
	return affected_as(fd, 0);
}

/* The errno to fail @op with (0: none), or through *@slow_ms a delay. */
static int fault_for(const char *op, long *slow_ms)
{
	const char *f = getenv("INTEL_LM_FSFAULT");
	size_t n = strlen(op);

	*slow_ms = 0;
	if (!f || strncmp(f, op, n) || f[n] != ':')
		return 0;
	f += n + 1;
	if (!strncmp(f, "slow:", 5)) {
		*slow_ms = atol(f + 5);
		return 0;
	}
	if (!strcmp(f, "ENOSPC"))
		return ENOSPC;
	if (!strcmp(f, "EIO"))
		return EIO;
	if (!strcmp(f, "EDQUOT"))
		return EDQUOT;
	if (!strcmp(f, "EROFS"))
		return EROFS;
	return 0;
}

/* Whether a call that would fail does: not among the first INTEL_LM_FSFAULT_AFTER of them. */
static int fails_now(void)
{
	static long seen;
	const char *after = getenv("INTEL_LM_FSFAULT_AFTER");

	return __atomic_fetch_add(&seen, 1, __ATOMIC_SEQ_CST) >= (after ? atol(after) : 0);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * announce a slowed @op ("write" or "fsync") of @fd in INTEL_LM_FSFAULT_LOG (one write(2),
 * O_APPEND)
 */
static void log_slow(write_fn real, int fd, const char *op)
{
	const char *log = getenv("INTEL_LM_FSFAULT_LOG");
	char link[64], path[PATH_MAX], line[PATH_MAX + 16];
	ssize_t n;
	int lfd;

	if (!log || !*log)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	n = snprintf(line, sizeof(line), "%s slow %s\n", op, path);
	lfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (lfd < 0)
		return;
	if (n > 0 && n < (ssize_t)sizeof(line) && real(lfd, line, n) != n)
		fprintf(stderr, "fsfault: %s: short write\n", log);
	close(lfd);
}

ssize_t write(int fd, const void *buf, size_t len)
{
	static write_fn real;
	long slow;
	int err;

	if (!real)
		real = (write_fn)dlsym(RTLD_NEXT, "write");
	err = fault_for("write", &slow);
	if ((err || slow) && affected(fd)) {
		if (err && fails_now()) {
			errno = err;
			return -1;
		}
		if (slow)
			log_slow(real, fd, "write");
		sleep_ms(slow);
	}
	return real(fd, buf, len);
}

static ssize_t pwrite_common(const char *name, int fd, const void *buf, size_t len, off_t off)
{
	pwrite_fn real = (pwrite_fn)dlsym(RTLD_NEXT, name);
	long slow;
	int err = fault_for("write", &slow);

	if ((err || slow) && affected(fd)) {
		if (err && fails_now()) {
			errno = err;
			return -1;
		}
		if (slow)
			log_slow((write_fn)dlsym(RTLD_NEXT, "write"), fd, "write");
		sleep_ms(slow);
	}
	return real(fd, buf, len, off);
}

/* Both symbols, whatever _FILE_OFFSET_BITS makes of the name pwrite here (off_t is 64 bits). */
ssize_t fsfault_pwrite(int fd, const void *buf, size_t len, off_t off) __asm__("pwrite");
ssize_t fsfault_pwrite64(int fd, const void *buf, size_t len, off_t off) __asm__("pwrite64");

ssize_t fsfault_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return pwrite_common("pwrite", fd, buf, len, off);
}

ssize_t fsfault_pwrite64(int fd, const void *buf, size_t len, off_t off)
{
	return pwrite_common("pwrite64", fd, buf, len, off);
}

static int sync_common(const char *name, int fd)
{
	sync_fn real = (sync_fn)dlsym(RTLD_NEXT, name);
	long slow;
	int err = fault_for("fsync", &slow);

	if (err && affected(fd) && fails_now()) {
		errno = err;
		return -1;
	}
	if (slow && affected(fd)) {
		log_slow((write_fn)dlsym(RTLD_NEXT, "write"), fd, "fsync");
		sleep_ms(slow);
	}
	err = fault_for("dirsync", &slow);
	if (err && affected_as(fd, 1) && fails_now()) {
		errno = err;
		return -1;
	}
	return real(fd);
}

int fsync(int fd)
{
	return sync_common("fsync", fd);
}

int fdatasync(int fd)
{
	return sync_common("fdatasync", fd);
}
