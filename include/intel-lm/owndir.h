/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: directories that intel-lm keeps its record and its locks in. Such a directory is
 * trusted only when nobody else can change what is in it.
 */
#ifndef INTEL_LM_OWNDIR_H
#define INTEL_LM_OWNDIR_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum intel_lm_dir_problem - why a directory is not trusted
 * @INTEL_LM_DIR_OK:		it is trusted
 * @INTEL_LM_DIR_SYMLINK:	it is a symbolic link
 * @INTEL_LM_DIR_NOT_DIR:	it is not a directory
 * @INTEL_LM_DIR_FOREIGN:	another user owns it
 * @INTEL_LM_DIR_WRITABLE:	its group or other users may write to it
 * @INTEL_LM_DIR_ERROR:		it could not be examined or created (see the errno)
 */
enum intel_lm_dir_problem {
	INTEL_LM_DIR_OK = 0,
	INTEL_LM_DIR_SYMLINK,
	INTEL_LM_DIR_NOT_DIR,
	INTEL_LM_DIR_FOREIGN,
	INTEL_LM_DIR_WRITABLE,
	INTEL_LM_DIR_ERROR,
};

/**
 * intel_lm_own_dir() - Check (and create) a directory intel-lm keeps its own files in
 * @dir:	its path
 * @create:	create it (mode 0700, missing parents 0755) when it does not exist
 * @why:	set to the problem found
 *
 * The directory must be a real directory (not a symbolic link), owned by the effective user,
 * and not writable by group or others. Nothing in it is touched.
 *
 * Return: 0; -ENOENT when it does not exist and @create is false; -ELOOP, -ENOTDIR or -EPERM
 * for an untrusted directory (@why says which); another negative errno when it cannot be
 * examined or created.
 */
int intel_lm_own_dir(const char *dir, bool create, enum intel_lm_dir_problem *why);

/**
 * intel_lm_dir_problem_text() - A problem in words
 * @why:	a problem
 *
 * Return: e.g. "it is a symbolic link"; never NULL.
 */
const char *intel_lm_dir_problem_text(enum intel_lm_dir_problem why);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_OWNDIR_H */
