/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: output files that appear whole or not at all: written to an unnamed file in the
 * target directory (O_TMPFILE, which no crash can leave behind), synced, and linked into place;
 * where the file system has no O_TMPFILE, a named temporary file renamed into place.
 */
#ifndef INTEL_LM_OUTFILE_H
#define INTEL_LM_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct intel_lm_outfile - an output file being written
 * @fd:		where to write; -1 when closed
 * @path:	the final path, or "-" for standard output
 * @tmp:	the named temporary path, or "" (standard output, or an unnamed O_TMPFILE file);
 *		a signal handler may unlink() it
 * @force:	replace an existing file at @path
 * @placed:	set by intel_lm_outfile_commit() once the file is at @path (also when only the
 *		directory's fsync failed after that: the file is whole, but may not survive a
 *		power loss)
 */
struct intel_lm_outfile {
	int fd;
	char path[4096];
	char tmp[4096];
	bool force;
	bool placed;
};

/**
 * intel_lm_outfile_check() - Check, before any work, that @path may be written
 * @path:	the output path, or "-"
 * @force:	an existing file may be replaced
 *
 * Return: 0; -EEXIST when @path exists and @force is false; -EISDIR for a directory;
 * -ENOTSUP when @path exists and is not a regular file (--force replaces only regular files);
 * or the errno of the target directory's access check (-ENOENT, -EACCES, -ENOTDIR, ...).
 */
int intel_lm_outfile_check(const char *path, bool force);

/**
 * intel_lm_outfile_open() - Start an output file
 * @out:	filled in
 * @path:	the final path, or "-" for standard output
 * @force:	an existing file may be replaced
 *
 * Creates an unnamed file (O_TMPFILE), mode 0600, in @path's directory; where the file system
 * cannot, a named temporary file next to @path (never following a symlink).
 *
 * Return: 0, or a negative errno.
 */
int intel_lm_outfile_open(struct intel_lm_outfile *out, const char *path, bool force);

/**
 * intel_lm_outfile_write() - Write all of @buf
 * @out:	an open output file
 * @buf:	the bytes
 * @len:	how many
 *
 * Return: 0, or a negative errno (-ENOSPC, -EIO, -EPIPE for a closed pipe, ...).
 */
int intel_lm_outfile_write(struct intel_lm_outfile *out, const void *buf, size_t len);

/**
 * intel_lm_outfile_reserve() - Allocate the file's whole size before the data exists
 * @out:	an open output file
 * @len:	the size it will have
 *
 * So that a full file system or an exhausted quota fails here, before the data is produced
 * (e.g. before SAVE_DATA disables a VF). Nothing for standard output that is not a file.
 *
 * Return: 0, or a negative errno (-ENOSPC, -EDQUOT, -EFBIG, ...).
 */
int intel_lm_outfile_reserve(struct intel_lm_outfile *out, size_t len);

/**
 * intel_lm_outfile_commit() - Make the file durable and put it in place
 * @out:	an open output file; closed afterwards, whatever the result
 *
 * fsync, link (or rename) into place (without @force: only when nothing is there; with it,
 * replacing a regular file), fsync the directory. On failure nothing is left and @path is
 * untouched.
 *
 * Return: 0, or a negative errno (-EEXIST when a file appeared at @path meanwhile).
 */
int intel_lm_outfile_commit(struct intel_lm_outfile *out);

/**
 * intel_lm_outfile_abort() - Give up: remove the temporary file
 * @out:	an output file, open or not
 */
void intel_lm_outfile_abort(struct intel_lm_outfile *out);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_OUTFILE_H */
