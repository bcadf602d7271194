/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: a whole cold migration of one VF, from a source PF's VF to a destination PF's VF,
 * with rollback: when a step fails after the source was suspended, the source VF is resumed.
 */
#ifndef INTEL_LM_MIGRATE_H
#define INTEL_LM_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include <intel-lm/cmd.h>
#include <intel-lm/ctrl.h>
#include <intel-lm/effect.h>
#include <intel-lm/limits.h>
#include <intel-lm/record.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum intel_lm_mig_step - the steps of a migration, in order
 * @INTEL_LM_MIG_DST_SUSPEND:	SUSPEND the destination VF: it needs nothing from the source, so
 *				it comes before the downtime starts
 * @INTEL_LM_MIG_SRC_SUSPEND:	SUSPEND the source VF (downtime starts)
 * @INTEL_LM_MIG_SRC_QUERY:	QUERY_DATA_SIZE of the source VF
 * @INTEL_LM_MIG_SRC_SAVE:	SAVE_DATA of the source VF
 * @INTEL_LM_MIG_KEEP:		hand the state to the caller to keep (e.g. a durable file)
 * @INTEL_LM_MIG_DST_LOAD:	LOAD_DATA into the destination VF
 * @INTEL_LM_MIG_DST_RESUME:	RESUME the destination VF (downtime ends)
 * @INTEL_LM_MIG_STEPS:		the number of steps
 */
enum intel_lm_mig_step {
	INTEL_LM_MIG_DST_SUSPEND = 0,
	INTEL_LM_MIG_SRC_SUSPEND,
	INTEL_LM_MIG_SRC_QUERY,
	INTEL_LM_MIG_SRC_SAVE,
	INTEL_LM_MIG_KEEP,
	INTEL_LM_MIG_DST_LOAD,
	INTEL_LM_MIG_DST_RESUME,
	INTEL_LM_MIG_STEPS,
};

/**
 * typedef intel_lm_keep_fn - keep a copy of the saved state before the destination is touched
 * @priv:	the caller's pointer
 * @state:	the state SAVE_DATA returned
 * @len:	its length
 *
 * Return: 0, or a negative errno (the migration then stops and rolls back).
 */
typedef int (*intel_lm_keep_fn)(void *priv, const void *state, uint32_t len);

/**
 * struct intel_lm_migration - one VF's cold migration: what to do, and what happened
 * @src_fd:	the source PF
 * @src_vf:	the source VF index
 * @dst_fd:	the destination PF (may be the same PF as the source)
 * @dst_vf:	the destination VF index
 * @limit:	the largest state both PFs can move (the smaller of their limits)
 * @src_opts:	submission options for the source PF's commands, or NULL
 * @dst_opts:	submission options for the destination PF's commands, or NULL
 * @keep:	optional; called after SAVE_DATA, before anything touches the destination
 * @keep_reserve: optional; called with the state's size after QUERY_DATA_SIZE, before
 *		SAVE_DATA: room for the copy @keep will write is made then, so that a full disk
 *		fails before the source is disabled
 * @keep_priv:	passed to @keep and @keep_reserve
 * @cancel:	optional; asked before each step after the first: true stops the migration
 *		there (as a failure of that step with -ECANCELED) and rolls back
 * @cancel_priv: passed to @cancel
 * @src_rec:	optional; the source VF's record, opened and held under the VF's lock: every
 *		state-changing command's intent and outcome go there, and the migration's id,
 *		role, step and peer
 * @dst_rec:	the same for the destination VF (both or neither)
 * @op_id:	the migration's id in the record; generated when empty
 * @keep_path:	the file @keep writes (recorded as the source's saved state), or NULL
 * @keep_temporary: @keep_path is a safety copy: removed once the state runs again (the
 *		migration succeeded, or the rollback resumed the source)
 * @failed:	set to the step that failed, or %INTEL_LM_MIG_STEPS when all succeeded
 * @ret:	set to what that step returned (0, an NVMe status, or a negative errno)
 * @effect:	set to that step's effect on its VF (none, done or unknown)
 * @size:	set to the state size
 * @src_resumed: set when the rollback resumed the source VF
 * @rollback_skipped: set when the source was deliberately not resumed: the destination's
 *		RESUME may have taken effect, and two running copies of one VF must never exist
 * @rollback_sent: set when a rollback RESUME was sent to the source
 * @rollback_ret: set to what the rollback RESUME returned (0 when none was sent or it worked)
 * @record_ret:	set to the first failed record write (0 when all were written); a command
 *		whose intent could not be written is not sent
 * @step_ns:	set to each step's duration in nanoseconds (0 for steps not run)
 * @downtime_ns: set to the time from the source SUSPEND to the destination RESUME's
 *		completion (or to the rollback's end)
 */
struct intel_lm_migration {
	int src_fd;
	uint16_t src_vf;
	int dst_fd;
	uint16_t dst_vf;
	struct intel_lm_limit limit;
	const struct intel_lm_opts *src_opts;
	const struct intel_lm_opts *dst_opts;
	intel_lm_keep_fn keep;
	int (*keep_reserve)(void *priv, uint32_t len);
	void *keep_priv;
	bool (*cancel)(void *priv);
	void *cancel_priv;
	struct intel_lm_record *src_rec;
	struct intel_lm_record *dst_rec;
	char op_id[40];
	const char *keep_path;
	bool keep_temporary;

	enum intel_lm_mig_step failed;
	int ret;
	enum intel_lm_effect effect;
	uint32_t size;
	bool src_resumed;
	bool rollback_skipped;
	bool rollback_sent;
	int rollback_ret;
	int record_ret;
	uint64_t step_ns[INTEL_LM_MIG_STEPS];
	uint64_t downtime_ns;
};

/**
 * intel_lm_migrate() - Cold-migrate one VF, rolling back on failure
 * @m:		what to do; the results are filled in
 *
 * Destination SUSPEND; source SUSPEND, QUERY_DATA_SIZE (checked against @m->limit before any
 * data command), SAVE_DATA; @m->keep; destination LOAD_DATA, RESUME. Once the destination
 * RESUME succeeded the migration has succeeded, whatever @m->cancel says. Otherwise the source
 * VF is RESUMEd when its SUSPEND took effect or may have (an unknown effect), except when the
 * destination RESUME's effect is unknown: it may have started, so the source stays suspended
 * (@m->rollback_skipped) and the record keeps the migration open for intel-lm's recover. A
 * source never suspended is never resumed. The destination VF is left as it is. Nothing is
 * retried. With dry_run in either options the commands are traced, not sent, the data steps
 * are skipped and nothing is recorded.
 *
 * Return: 0 when the destination RESUME succeeded; otherwise @m->ret (a positive NVMe status
 * or a negative errno; -ENODATA or -EFBIG for a size the limits refuse; -ECANCELED when
 * @m->cancel stopped it; a record write's errno when a command's intent could not be put on
 * record).
 */
int intel_lm_migrate(struct intel_lm_migration *m);

/**
 * intel_lm_mig_step_name() - A step's name for reports
 * @step:	a step
 *
 * Return: e.g. "source suspend"; never NULL.
 */
const char *intel_lm_mig_step_name(enum intel_lm_mig_step step);

/**
 * intel_lm_mig_step_opcode() - The command a step sends
 * @step:	a step
 *
 * Return: the opcode, or 0 for %INTEL_LM_MIG_KEEP.
 */
uint8_t intel_lm_mig_step_opcode(enum intel_lm_mig_step step);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_MIGRATE_H */
