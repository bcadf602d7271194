// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * VF locks: one file per PF (its key) and VF index under the lock directory, held with
 * flock(2) (released by the kernel when the holder exits, however it exits). The holder writes
 * what it is doing into the file so that a waiter that gives up can name it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <intel-lm/lock.h>
#include <intel-lm/pfid.h>

#include "private.h"

#define LOCK_POLL_MS	10

/* A held lock: the flock()ed file, released and closed by intel_lm_unlock_vf(). */
struct intel_lm_lock {
	int fd;
};

int intel_lm_lock_path(const char *dir, const char *pf_key, uint16_t vf, char *path, size_t len)
{
	return intel_lm_vf_file_path(path, len, dir && *dir ? dir : INTEL_LM_LOCK_DIR, pf_key, vf,
				     ".lock");
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

int intel_lm_lock_vf(const char *dir, const char *pf_key, uint16_t vf, unsigned int wait_ms,
		     const char *what, struct intel_lm_lock **lock, char *holder, size_t len)
{
	enum intel_lm_dir_problem why;
	char path[4096], line[512];
	unsigned int waited = 0;
	struct stat st;
	int fd, n;

	*lock = NULL;
	if (!dir || !*dir)
		dir = INTEL_LM_LOCK_DIR;
	n = intel_lm_lock_path(dir, pf_key, vf, path, sizeof(path));
	if (n)
		return n;
	n = intel_lm_own_dir(dir, true, &why);
	if (n)
		return n;
	*lock = calloc(1, sizeof(**lock));
	if (!*lock)
		return -ENOMEM;
	(*lock)->fd = -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0) {
		n = -errno;
		goto fail;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		close(fd);
		n = -EPERM;
		goto fail;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		struct timespec ts = { 0, LOCK_POLL_MS * 1000000L };

		if (errno != EWOULDBLOCK && errno != EINTR) {
			n = -errno;
			close(fd);
			goto fail;
		}
		if (waited >= wait_ms) {
			read_holder(fd, holder, len);
			close(fd);
			n = -EWOULDBLOCK;
			goto fail;
		}
		nanosleep(&ts, NULL);
		waited += LOCK_POLL_MS;
	}
	n = snprintf(line, sizeof(line), "%s\n", what ? what : "");
	if (ftruncate(fd, 0) == 0 && n > 0)
		(void)!pwrite(fd, line, (size_t)(n < (int)sizeof(line) ? n : (int)sizeof(line) - 1),
			      0);
	(*lock)->fd = fd;
	return 0;
fail:
	free(*lock);
	*lock = NULL;
	return n;
}

void intel_lm_unlock_vf(struct intel_lm_lock *lock)
{
	if (!lock)
		return;
	/* Clear the record before letting go, so no one names a holder that has left. */
	(void)!ftruncate(lock->fd, 0);
	flock(lock->fd, LOCK_UN);
	close(lock->fd);
	free(lock);
}
