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

/*
 * An output file being written: an opaque handle, created by intel_lm_outfile_open() and freed
 * by intel_lm_outfile_free().
 */
struct intel_lm_outfile;

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
 * @out:	set to the new handle on success, NULL otherwise
 * @path:	the final path, or "-" for standard output
 * @force:	an existing file may be replaced
 *
 * Creates an unnamed file (O_TMPFILE), mode 0600, in @path's directory; where the file system
 * cannot, a named temporary file next to @path (never following a symlink).
 *
 * Return: 0, or a negative errno (-ENOMEM, -ENAMETOOLONG, those of intel_lm_outfile_check(),
 * or of open(2)).
 */
int intel_lm_outfile_open(struct intel_lm_outfile **out, const char *path, bool force);

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
 * @out:	an open output file; closed afterwards, whatever the result (the handle stays
 *		until intel_lm_outfile_free())
 *
 * fsync, link (or rename) into place (without @force: only when nothing is there; with it,
 * replacing a regular file), fsync the directory. On failure nothing is left and @path is
 * untouched, unless intel_lm_outfile_placed() says otherwise.
 *
 * Return: 0, or a negative errno (-EEXIST when a file appeared at @path meanwhile).
 */
int intel_lm_outfile_commit(struct intel_lm_outfile *out);

/**
 * intel_lm_outfile_placed() - Whether the file is at its path
 * @out:	an output file, or NULL
 *
 * Set by intel_lm_outfile_commit() once the file is in place, also when only the directory's
 * fsync failed after that: the file is whole, but may not survive a power loss.
 *
 * Return: true once placed; false for NULL or standard output.
 */
bool intel_lm_outfile_placed(const struct intel_lm_outfile *out);

/**
 * intel_lm_outfile_tmp() - The named temporary file, if there is one
 * @out:	an output file, or NULL
 *
 * Where the file system has no O_TMPFILE, the data goes to a named temporary file until the
 * commit; a caller may record its name (to remove it after a crash) or unlink() it from a
 * signal handler: this function only reads the handle, and is async-signal-safe.
 *
 * Return: its path, or "" (an unnamed file, standard output, NULL, or after the commit or
 * intel_lm_outfile_abort()); never NULL.
 */
const char *intel_lm_outfile_tmp(const struct intel_lm_outfile *out);

/**
 * intel_lm_outfile_abort() - Give up: remove the temporary file, close the file
 * @out:	an output file, open or not, committed or not, or NULL
 *
 * Nothing is left of a file not committed; a committed one stays. The handle stays until
 * intel_lm_outfile_free(). Calling it again does nothing.
 */
void intel_lm_outfile_abort(struct intel_lm_outfile *out);

/**
 * intel_lm_outfile_free() - intel_lm_outfile_abort(), then free the handle
 * @out:	an output file, or NULL
 */
void intel_lm_outfile_free(struct intel_lm_outfile *out);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_OUTFILE_H */
