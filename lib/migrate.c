// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One VF's cold migration with rollback. Everything that can be checked or prepared is done by
 * the caller before this starts: from the source SUSPEND on, only the steps themselves run.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <intel-lm/blob.h>
#include <intel-lm/migrate.h>

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *intel_lm_mig_step_name(enum intel_lm_mig_step step)
{
	static const char *const names[INTEL_LM_MIG_STEPS] = {
		[INTEL_LM_MIG_DST_SUSPEND] = "destination suspend",
		[INTEL_LM_MIG_SRC_SUSPEND] = "source suspend",
		[INTEL_LM_MIG_SRC_QUERY] = "source query-size",
		[INTEL_LM_MIG_SRC_SAVE] = "source save",
		[INTEL_LM_MIG_KEEP] = "keep the state",
		[INTEL_LM_MIG_DST_LOAD] = "destination load",
		[INTEL_LM_MIG_DST_RESUME] = "destination resume",
	};

	return step < INTEL_LM_MIG_STEPS ? names[step] : "done";
}

uint8_t intel_lm_mig_step_opcode(enum intel_lm_mig_step step)
{
	static const uint8_t opcodes[INTEL_LM_MIG_STEPS] = {
		[INTEL_LM_MIG_DST_SUSPEND] = INTEL_LM_OPC_SUSPEND,
		[INTEL_LM_MIG_SRC_SUSPEND] = INTEL_LM_OPC_SUSPEND,
		[INTEL_LM_MIG_SRC_QUERY] = INTEL_LM_OPC_QUERY_DATA_SIZE,
		[INTEL_LM_MIG_SRC_SAVE] = INTEL_LM_OPC_SAVE_DATA,
		[INTEL_LM_MIG_KEEP] = 0,
		[INTEL_LM_MIG_DST_LOAD] = INTEL_LM_OPC_LOAD_DATA,
		[INTEL_LM_MIG_DST_RESUME] = INTEL_LM_OPC_RESUME,
	};

	return step < INTEL_LM_MIG_STEPS ? opcodes[step] : 0;
}

int intel_lm_migrate(struct intel_lm_migration *m)
{
	bool dry = (m->src_opts && m->src_opts->dry_run) || (m->dst_opts && m->dst_opts->dry_run);
	enum intel_lm_mig_step step;
	uint64_t start, t0 = 0;
	void *state = NULL;
	int ret = 0;

	m->failed = INTEL_LM_MIG_STEPS;
	m->ret = 0;
	m->size = 0;
	m->src_resumed = false;
	m->rollback_skipped = false;
	m->rollback_ret = 0;
	m->downtime_ns = 0;
	memset(m->step_ns, 0, sizeof(m->step_ns));

	for (step = 0; step < INTEL_LM_MIG_STEPS; step++) {
		if (step > 0 && m->cancel && m->cancel(m->cancel_priv)) {
			ret = -ECANCELED;
			break;
		}
		start = mono_ns();
		if (step == INTEL_LM_MIG_SRC_SUSPEND)
			t0 = start;
		switch (step) {
		case INTEL_LM_MIG_DST_SUSPEND:
			ret = intel_lm_suspend(m->dst_fd, m->dst_vf, m->dst_opts);
			break;
		case INTEL_LM_MIG_SRC_SUSPEND:
			ret = intel_lm_suspend(m->src_fd, m->src_vf, m->src_opts);
			break;
		case INTEL_LM_MIG_SRC_QUERY:
			ret = intel_lm_query_size(m->src_fd, m->src_vf, m->src_opts, &m->size);
			if (!ret && !dry)
				ret = intel_lm_check_size(m->size, &m->limit);
			break;
		case INTEL_LM_MIG_SRC_SAVE:
			if (dry)
				break;
			state = intel_lm_state_alloc(m->size);
			ret = state ? intel_lm_save(m->src_fd, m->src_vf, state, m->size, m->src_opts) :
				      -ENOMEM;
			break;
		case INTEL_LM_MIG_KEEP:
			if (!dry && m->keep)
				ret = m->keep(m->keep_priv, state, m->size);
			break;
		case INTEL_LM_MIG_DST_LOAD:
			if (!dry)
				ret = intel_lm_load(m->dst_fd, m->dst_vf, state, m->size, m->dst_opts);
			break;
		case INTEL_LM_MIG_DST_RESUME:
			ret = intel_lm_resume(m->dst_fd, m->dst_vf, m->dst_opts);
			break;
		case INTEL_LM_MIG_STEPS:
			break;
		}
		m->step_ns[step] = mono_ns() - start;
		if (ret)
			break;
	}

	if (ret) {
		m->failed = step;
		m->ret = ret;
		if (step == INTEL_LM_MIG_DST_SUSPEND) {
			/* Nothing was sent to the source. */
		} else if (step == INTEL_LM_MIG_DST_RESUME && ret < 0 && ret != -ECANCELED) {
			/*
			 * The destination's RESUME may have taken effect: resuming the source too
			 * could leave two running copies of one VF. The caller must look first.
			 */
			m->rollback_skipped = true;
		} else {
			/* A failed source SUSPEND may still have taken effect (a timeout). */
			m->rollback_ret = intel_lm_resume(m->src_fd, m->src_vf, m->src_opts);
			m->src_resumed = m->rollback_ret == 0;
		}
	}
	m->downtime_ns = t0 ? mono_ns() - t0 : 0;
	intel_lm_state_free(state, m->size);
	return ret;
}
