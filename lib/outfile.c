// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Output files that appear whole or not at all: an unnamed file (O_TMPFILE, mode 0600) in the
 * target directory, its size reserved, written, fsynced, linked into place (without --force
 * only where nothing is; with it over a regular file only), and the directory fsynced. Where
 * the file system has no O_TMPFILE, a named temporary file renamed into place. Standard output
 * ("-") is written as it comes.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <intel-lm/outfile.h>

#include "private.h"

/*
 * An output file being written.
 * @fd:		where to write; -1 when closed
 * @path:	the final path, or "-" for standard output
 * @tmp:	the named temporary path, or "" (standard output, or an unnamed O_TMPFILE file)
 * @force:	replace an existing file at @path
 * @placed:	the file is at @path (see intel_lm_outfile_placed())
 */
struct intel_lm_outfile {
	int fd;
	char path[4096];
	char tmp[4096];
	bool force;
	bool placed;
};

static bool is_stdout(const char *path)
{
	return !strcmp(path, "-");
}

/* The directory part of @path, in @dir. */
static void dir_of(const char *path, char *dir, size_t len)
{
	char copy[PATH_MAX];

	intel_lm_put_str(copy, sizeof(copy), path);
	intel_lm_put_str(dir, len, dirname(copy));
}

int intel_lm_outfile_check(const char *path, bool force)
{
	char dir[PATH_MAX];
	struct stat st;

	if (is_stdout(path))
		return 0;
	if (!*path)
		return -ENOENT;
	if (lstat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (!force)
			return -EEXIST;
		if (!S_ISREG(st.st_mode))
			return -ENOTSUP;
	} else if (errno != ENOENT) {
		return -errno;
	}
	dir_of(path, dir, sizeof(dir));
	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (access(dir, W_OK | X_OK) < 0)
		return -errno;
	return 0;
}

static int outfile_open(struct intel_lm_outfile *out, const char *path, bool force)
{
	char dir[PATH_MAX], copy[PATH_MAX];
	size_t len = strlen(path);
	int ret;

	/* Field by field: the two paths are 8 KiB that need only their first byte set. */
	out->fd = -1;
	out->force = force;
	out->placed = false;
	out->tmp[0] = '\0';
	out->path[0] = '\0';
	if (len >= sizeof(out->path))
		return -ENAMETOOLONG;
	memcpy(out->path, path, len + 1);
	if (is_stdout(path)) {
		out->fd = STDOUT_FILENO;
		return 0;
	}
	ret = intel_lm_outfile_check(path, force);
	if (ret)
		return ret;

	dir_of(path, dir, sizeof(dir));
	out->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (out->fd >= 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return -errno;
	snprintf(copy, sizeof(copy), "%s", path);
	if (snprintf(out->tmp, sizeof(out->tmp), "%s/.%s.XXXXXX", dir, basename(copy)) >=
	    (int)sizeof(out->tmp)) {
		out->tmp[0] = '\0';
		return -ENAMETOOLONG;
	}
	/* mkostemp creates the file with O_EXCL, mode 0600: it never follows a symlink. */
	out->fd = mkostemp(out->tmp, O_CLOEXEC);
	if (out->fd < 0) {
		ret = -errno;
		out->tmp[0] = '\0';
		return ret;
	}
	return 0;
}

int intel_lm_outfile_open(struct intel_lm_outfile **out, const char *path, bool force)
{
	struct intel_lm_outfile *o;
	int ret;

	*out = NULL;
	o = malloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	ret = outfile_open(o, path, force);
	if (ret) {
		intel_lm_outfile_free(o);
		return ret;
	}
	*out = o;
	return 0;
}

bool intel_lm_outfile_placed(const struct intel_lm_outfile *out)
{
	return out && out->placed;
}

const char *intel_lm_outfile_tmp(const struct intel_lm_outfile *out)
{
	return out ? out->tmp : "";
}

int intel_lm_write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int intel_lm_outfile_write(struct intel_lm_outfile *out, const void *buf, size_t len)
{
	return intel_lm_write_full(out->fd, buf, len);
}

int intel_lm_fsync_dir(const char *dir)
{
	int fd, ret = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* The directory an output file is in, made durable. */
static int fsync_dir(const char *path)
{
	char dir[PATH_MAX];

	dir_of(path, dir, sizeof(dir));
	return intel_lm_fsync_dir(dir);
}

/* rename() that never replaces: renameat2(RENAME_NOREPLACE), or link()+unlink() without it. */
static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	if (link(from, to) < 0)
		return -errno;
	unlink(from);
	return 0;
}

int intel_lm_outfile_reserve(struct intel_lm_outfile *out, size_t len)
{
	struct stat st;
	int err;

	if (fstat(out->fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || !len)
		return 0;
	err = posix_fallocate(out->fd, 0, (off_t)len);
	return -err;
}

/* Give the unnamed file @fd the name @to (never replacing anything). */
static int link_tmpfile(int fd, const char *to)
{
	char proc[64];

	if (linkat(fd, "", AT_FDCWD, to, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT && errno != EPERM)
		return -errno;
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc's link does not. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, to, AT_SYMLINK_FOLLOW) < 0)
		return -errno;
	return 0;
}

/* Put the unnamed file in place: a link, or for --force a link beside it renamed over it. */
static int place_tmpfile(struct intel_lm_outfile *out)
{
	char dir[PATH_MAX], copy[PATH_MAX], side[PATH_MAX + 32];
	unsigned int i;
	int ret;

	if (!out->force)
		return link_tmpfile(out->fd, out->path);
	dir_of(out->path, dir, sizeof(dir));
	snprintf(copy, sizeof(copy), "%s", out->path);
	for (i = 0; i < 100; i++) {
		snprintf(side, sizeof(side), "%s/.%s.%d.%u", dir, basename(copy), (int)getpid(), i);
		ret = link_tmpfile(out->fd, side);
		if (ret != -EEXIST)
			break;
	}
	if (ret)
		return ret;
	if (rename(side, out->path) < 0) {
		ret = -errno;
		unlink(side);
	}
	return ret;
}

int intel_lm_outfile_commit(struct intel_lm_outfile *out)
{
	struct stat st;
	int ret = 0;

	if (is_stdout(out->path)) {
		/* A regular file behind stdout is made durable too; a pipe cannot be. */
		if (fstat(out->fd, &st) == 0 && S_ISREG(st.st_mode) && fsync(out->fd) < 0)
			return -errno;
		out->fd = -1;
		return 0;
	}

	if (fsync(out->fd) < 0)
		ret = -errno;
	if (!out->tmp[0]) {
		/* Unnamed (O_TMPFILE): it gets its name only once it is whole and durable. */
		if (!ret)
			ret = place_tmpfile(out);
		out->placed = !ret;
		if (close(out->fd) < 0 && !ret)
			ret = -errno;
		out->fd = -1;
		return ret ? ret : fsync_dir(out->path);
	}
	if (close(out->fd) < 0 && !ret)
		ret = -errno;
	out->fd = -1;
	if (!ret) {
		if (out->force)
			ret = rename(out->tmp, out->path) < 0 ? -errno : 0;
		else
			ret = rename_noreplace(out->tmp, out->path);
	}
	if (ret) {
		intel_lm_outfile_abort(out);
		return ret;
	}
	out->tmp[0] = '\0';
	out->placed = true;
	return fsync_dir(out->path);
}

void intel_lm_outfile_abort(struct intel_lm_outfile *out)
{
	if (!out)
		return;
	if (out->fd >= 0 && out->fd != STDOUT_FILENO)
		close(out->fd);
	out->fd = -1;
	if (out->tmp[0])
		unlink(out->tmp);
	out->tmp[0] = '\0';
}

void intel_lm_outfile_free(struct intel_lm_outfile *out)
{
	intel_lm_outfile_abort(out);
	free(out);
}
