// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Output files appear whole or not at all, never replace without force, never follow links.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <libintel-lm-private.h>

#include "unit.h"

const char unit_name[] = "unit-outfile";

static char dir[] = "/tmp/intel-lm-outfile-XXXXXX";
static char path[256];

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/blob", dir);
}

static int count_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];

	while (d && (de = readdir(d))) {
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	chmod(dir, 0700);
	rmdir(dir);
	strcpy(dir, "/tmp/intel-lm-outfile-XXXXXX");
}

static void read_file(const char *p, char *buf, size_t len)
{
	int fd = open(p, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(read(fd, buf, len), 0);
	close(fd);
}

START_TEST(whole_file_mode_0600)
{
	struct intel_lm_outfile *out = NULL;
	struct stat st;
	char buf[16] = "";

	ck_assert_int_eq(intel_lm_outfile_open(&out, path, false), 0);
	/* Nothing at the final path until commit. */
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(intel_lm_outfile_write(out, "hello", 5), 0);
	ck_assert_int_eq(intel_lm_outfile_commit(out), 0);
	ck_assert(intel_lm_outfile_placed(out));
	intel_lm_outfile_free(out);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(st.st_size, 5);
	read_file(path, buf, sizeof(buf) - 1);
	ck_assert_str_eq(buf, "hello");
	ck_assert_int_eq(count_entries(), 1);
}
END_TEST

START_TEST(existing_needs_force)
{
	struct intel_lm_outfile *out = NULL;
	char buf[16] = "";
	int fd = open(path, O_CREAT | O_WRONLY, 0644);

	ck_assert_int_eq(write(fd, "old", 3), 3);
	close(fd);
	ck_assert_int_eq(intel_lm_outfile_check(path, false), -EEXIST);
	ck_assert_int_eq(intel_lm_outfile_open(&out, path, false), -EEXIST);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(intel_lm_outfile_check(path, true), 0);
	ck_assert_int_eq(intel_lm_outfile_open(&out, path, true), 0);
	ck_assert_int_eq(intel_lm_outfile_write(out, "new!", 4), 0);
	ck_assert_int_eq(intel_lm_outfile_commit(out), 0);
	intel_lm_outfile_free(out);
	read_file(path, buf, sizeof(buf) - 1);
	ck_assert_str_eq(buf, "new!");
	ck_assert_int_eq(count_entries(), 1);
}
END_TEST

START_TEST(race_does_not_replace)
{
	struct intel_lm_outfile *out = NULL;
	char buf[16] = "";
	int fd;

	ck_assert_int_eq(intel_lm_outfile_open(&out, path, false), 0);
	ck_assert_int_eq(intel_lm_outfile_write(out, "mine", 4), 0);
	/* Someone else creates the file meanwhile: theirs stays, ours goes. */
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_eq(write(fd, "theirs", 6), 6);
	close(fd);
	ck_assert_int_eq(intel_lm_outfile_commit(out), -EEXIST);
	ck_assert(!intel_lm_outfile_placed(out));
	intel_lm_outfile_free(out);
	read_file(path, buf, sizeof(buf) - 1);
	ck_assert_str_eq(buf, "theirs");
	ck_assert_int_eq(count_entries(), 1);
}
END_TEST

START_TEST(abort_leaves_nothing)
{
	struct intel_lm_outfile *out = NULL;

	ck_assert_int_eq(intel_lm_outfile_open(&out, path, false), 0);
	ck_assert_int_eq(intel_lm_outfile_write(out, "part", 4), 0);
	/* Unnamed until the commit (O_TMPFILE): no crash can leave it behind. */
	ck_assert_int_eq(count_entries(), 0);
	ck_assert_str_eq(intel_lm_outfile_tmp(out), "");
	intel_lm_outfile_abort(out);
	ck_assert_int_eq(count_entries(), 0);
	/* Again, and the accessors of no file: nothing happens. */
	intel_lm_outfile_abort(out);
	intel_lm_outfile_free(out);
	intel_lm_outfile_free(NULL);
	ck_assert_str_eq(intel_lm_outfile_tmp(NULL), "");
	ck_assert(!intel_lm_outfile_placed(NULL));
}
END_TEST

START_TEST(symlink_at_output_not_followed)
{
	struct intel_lm_outfile *out = NULL;
	char target[300];
	struct stat st;

	snprintf(target, sizeof(target), "%s/target", dir);
	ck_assert_int_eq(symlink(target, path), 0);
	/* A dangling symlink is "something there": refused without force. */
	ck_assert_int_eq(intel_lm_outfile_open(&out, path, false), -EEXIST);
	/* Force replaces only a regular file: the link stays, its target is never created. */
	ck_assert_int_eq(intel_lm_outfile_open(&out, path, true), -ENOTSUP);
	ck_assert_int_eq(intel_lm_outfile_check(path, true), -ENOTSUP);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(access(target, F_OK), -1);
}
END_TEST

START_TEST(unwritable_and_missing_dirs)
{
	struct intel_lm_outfile *out = NULL;
	int full, saved, ret;
	char p[300];

	snprintf(p, sizeof(p), "%s/nope/blob", dir);
	ck_assert_int_eq(intel_lm_outfile_check(p, false), -ENOENT);
	ck_assert_int_eq(intel_lm_outfile_check(dir, true), -EISDIR);
	ck_assert_int_eq(intel_lm_outfile_open(&out, "", false), -ENOENT);
	if (geteuid() != 0) {
		chmod(dir, 0500);
		ck_assert_int_eq(intel_lm_outfile_check(path, false), -EACCES);
	}
	/* ENOSPC: /dev/full takes nothing (as standard output). */
	full = open("/dev/full", O_WRONLY);
	ck_assert_int_ge(full, 0);
	saved = dup(STDOUT_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(full, STDOUT_FILENO), STDOUT_FILENO);
	ck_assert_int_eq(intel_lm_outfile_open(&out, "-", false), 0);
	ret = intel_lm_outfile_write(out, "x", 1);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(full);
	intel_lm_outfile_free(out);
	ck_assert_int_eq(ret, -ENOSPC);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create(unit_name);
	TCase *tc = tcase_create("outfile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, whole_file_mode_0600);
	tcase_add_test(tc, existing_needs_force);
	tcase_add_test(tc, race_does_not_replace);
	tcase_add_test(tc, abort_leaves_nothing);
	tcase_add_test(tc, symlink_at_output_not_followed);
	tcase_add_test(tc, unwritable_and_missing_dirs);
	suite_add_tcase(s, tc);
	return s;
}
