// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The unit suites' fixtures against the emulated PF (emu-fixture.h).
 */
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "emu-fixture.h"

static char base[] = "/tmp/intel-lm-unit-XXXXXX";	/* per test case, made by the parent */
char emu_dir[PATH_MAX];					/* per test, made in its process */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

void emu_case_setup(void)
{
	strcpy(base, "/tmp/intel-lm-unit-XXXXXX");
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		abort();
	}
}

void emu_case_teardown(void)
{
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void emu_test_setup(void)
{
	snprintf(emu_dir, sizeof(emu_dir), "%s/t-XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(emu_dir));
}

void emu_start(const char *fmt, ...)
{
	char path[PATH_MAX + 16];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/emu.conf", emu_dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "trace = trace.log\n");
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(setenv("INTEL_LM_EMU", path, 1), 0);
	ck_assert_int_eq(emu_reload(), 0);
	ck_assert_int_eq(emu_setup(), 0);
}

void assert_vf(const char *pf, uint16_t vf, enum emu_vf_state state, bool loaded)
{
	struct emu_vf_info info;

	ck_assert_int_eq(emu_vf_show(pf, vf, &info), 0);
	ck_assert_msg(info.state == state, "%s VF %u is %s, expected %s", pf, vf,
		      emu_vf_state_name(info.state), emu_vf_state_name(state));
	ck_assert_int_eq(info.loaded, loaded);
}
