// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * VF locks: one file per PF serial number and VF index under the lock directory, held with
 * flock(2) (released by the kernel when the holder exits, however it exits). The holder writes
 * what it is doing into the file so that a waiter that gives up can name it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <intel-lm/blob.h>
#include <intel-lm/lock.h>

#define LOCK_POLL_MS	10

/* Serial numbers may hold anything: keep [A-Za-z0-9._-] for the file name. */
static void safe_name(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++) {
		char c = src[i];

		dst[i] = ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '-') ? c : '_';
	}
	dst[i] = '\0';
	if (!i)
		snprintf(dst, len, "_");
}

static void read_holder(int fd, char *holder, size_t len)
{
	ssize_t n;

	if (!len)
		return;
	n = pread(fd, holder, len - 1, 0);
	holder[n > 0 ? n : 0] = '\0';
	holder[strcspn(holder, "\n")] = '\0';
	if (!holder[0])
		snprintf(holder, len, "unknown (it recorded nothing)");
}

/* mkdir -p: parents 0755 (as /run/lock would be), the lock directory itself 0700. */
static int make_dir(const char *dir)
{
	char path[4096];
	size_t i;

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (i = 1; path[i]; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		path[i] = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int intel_lm_lock_vf(const char *dir, const char *pf_serial, uint16_t vf, unsigned int wait_ms,
		     const char *what, struct intel_lm_lock *lock, char *holder, size_t len)
{
	char serial[64], line[512];
	unsigned int waited = 0;
	int fd, n;

	lock->fd = -1;
	if (!dir || !*dir)
		dir = INTEL_LM_LOCK_DIR;
	safe_name(serial, sizeof(serial), pf_serial);
	if (snprintf(lock->path, sizeof(lock->path), "%s/%s-vf%u.lock", dir, serial, vf) >=
	    (int)sizeof(lock->path))
		return -ENAMETOOLONG;

	/* The directory is made only the first time: most locks find it there. */
	fd = open(lock->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == ENOENT) {
		n = make_dir(dir);
		if (n)
			return n;
		fd = open(lock->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		struct timespec ts = { 0, LOCK_POLL_MS * 1000000L };

		if (errno != EWOULDBLOCK && errno != EINTR) {
			n = -errno;
			close(fd);
			return n;
		}
		if (waited >= wait_ms) {
			read_holder(fd, holder, len);
			close(fd);
			return -EWOULDBLOCK;
		}
		nanosleep(&ts, NULL);
		waited += LOCK_POLL_MS;
	}
	n = snprintf(line, sizeof(line), "%s\n", what ? what : "");
	if (ftruncate(fd, 0) == 0 && n > 0)
		(void)!pwrite(fd, line, (size_t)(n < (int)sizeof(line) ? n : (int)sizeof(line) - 1),
			      0);
	lock->fd = fd;
	return 0;
}

void intel_lm_unlock_vf(struct intel_lm_lock *lock)
{
	if (lock->fd < 0)
		return;
	/* Clear the record before letting go, so no one names a holder that has left. */
	(void)!ftruncate(lock->fd, 0);
	flock(lock->fd, LOCK_UN);
	close(lock->fd);
	lock->fd = -1;
}
