/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The unit suites that run the library against the emulated PF in their own process
 * (tests/emu, linked in): a directory per test, the emulator's configuration in it, the
 * emulator's view of a VF. Shared by test-ops and test-tp-emu.
 *
 * Each test runs in its own process (CK_FORK): emu_case_setup() as a test case's unchecked
 * fixture makes the case's directory in the parent and emu_case_teardown() removes it;
 * emu_test_setup() as its checked fixture makes the test's own directory, emu_dir, inside it.
 */
#ifndef INTEL_LM_UNIT_EMU_FIXTURE_H
#define INTEL_LM_UNIT_EMU_FIXTURE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "emu.h"

/* What the emulated controller answers, DNR included. */
#define ST_INVALID_OPCODE	0x4001
#define ST_INVALID_FIELD	0x4002
#define ST_SEQ_ERROR		0x400c

/* The test's own directory, made by emu_test_setup(). */
extern char emu_dir[PATH_MAX];

void emu_case_setup(void);
void emu_case_teardown(void);
void emu_test_setup(void);

/*
 * Write the configuration (a trace log, trace.log in emu_dir, is always kept), point
 * INTEL_LM_EMU at it, load it and start from a fresh state.
 */
__attribute__((format(printf, 1, 2)))
void emu_start(const char *fmt, ...);

/* VF @vf of @pf is in @state, and was loaded (LOAD_DATA, Set Controller State) or not. */
void assert_vf(const char *pf, uint16_t vf, enum emu_vf_state state, bool loaded);

#endif /* INTEL_LM_UNIT_EMU_FIXTURE_H */
