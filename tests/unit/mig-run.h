/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The unit suites' way to run one migration through the library's handle.
 */
#ifndef INTEL_LM_UNIT_MIG_RUN_H
#define INTEL_LM_UNIT_MIG_RUN_H

#include <errno.h>
#include <stdint.h>

#include <check.h>

#include <libintel-lm-private.h>

/*
 * One migration through the library's handle: the parameters, and after run_mig() the outcome
 * and each step's time.
 */
struct mig_run {
	struct intel_lm_mig_params p;
	struct intel_lm_mig_outcome o;
	uint64_t step_ns[INTEL_LM_MIG_STEPS];
};

static inline int run_mig(struct mig_run *m)
{
	struct intel_lm_migration *h;
	int ret, i;

	m->p.size = sizeof(m->p);
	ck_assert_int_eq(intel_lm_migration_new(&m->p, &h), 0);
	ret = intel_lm_migrate(h);
	ck_assert_int_eq(intel_lm_migrate(h), -EALREADY);
	intel_lm_migration_outcome(h, &m->o, sizeof(m->o));
	for (i = 0; i < INTEL_LM_MIG_STEPS; i++)
		m->step_ns[i] = intel_lm_migration_step_ns(h, (enum intel_lm_mig_step)i);
	ck_assert_uint_eq(intel_lm_migration_step_ns(h, INTEL_LM_MIG_NO_STEP), 0);
	intel_lm_migration_free(h);
	return ret;
}

#endif /* INTEL_LM_UNIT_MIG_RUN_H */
