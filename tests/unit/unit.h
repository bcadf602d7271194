/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every Check suite file provides to tests/unit/main.c.
 */
#ifndef INTEL_LM_UNIT_H
#define INTEL_LM_UNIT_H

#include <check.h>

/* The suite's name, printed in its closing count line. */
extern const char unit_name[];

/* Build the suite. */
Suite *unit_suite(void);

#endif /* INTEL_LM_UNIT_H */
