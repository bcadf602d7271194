// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Directories intel-lm owns: the record's and the locks'.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

/* mkdir -p: missing parents 0755, the directory itself 0700. */
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

int intel_lm_own_dir(const char *dir, bool create, enum intel_lm_dir_problem *why)
{
	struct stat st;
	int ret;

	*why = INTEL_LM_DIR_ERROR;
	if (!dir || !*dir)
		return -ENOENT;
	if (lstat(dir, &st) < 0) {
		if (errno != ENOENT || !create)
			return -errno;
		ret = make_dir(dir);
		if (ret)
			return ret;
		if (lstat(dir, &st) < 0)
			return -errno;
	}
	if (S_ISLNK(st.st_mode)) {
		*why = INTEL_LM_DIR_SYMLINK;
		return -ELOOP;
	}
	if (!S_ISDIR(st.st_mode)) {
		*why = INTEL_LM_DIR_NOT_DIR;
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid()) {
		*why = INTEL_LM_DIR_FOREIGN;
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		*why = INTEL_LM_DIR_WRITABLE;
		return -EPERM;
	}
	*why = INTEL_LM_DIR_OK;
	return 0;
}

const char *intel_lm_dir_problem_text(enum intel_lm_dir_problem why)
{
	switch (why) {
	case INTEL_LM_DIR_OK:
		return "it is trusted";
	case INTEL_LM_DIR_SYMLINK:
		return "it is a symbolic link";
	case INTEL_LM_DIR_NOT_DIR:
		return "it is not a directory";
	case INTEL_LM_DIR_FOREIGN:
		return "another user owns it";
	case INTEL_LM_DIR_WRITABLE:
		return "its group or other users can write to it";
	default:
		return "it cannot be examined or created";
	}
}
