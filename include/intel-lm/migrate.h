/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: a whole cold migration of one VF, from a source PF's VF to a destination PF's VF,
 * with rollback: when a step fails after the source was suspended, the source VF is resumed.
 */
#ifndef INTEL_LM_MIGRATE_H
#define INTEL_LM_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <intel-lm/cmd.h>
#include <intel-lm/proto.h>
#include <intel-lm/ctrl.h>
#include <intel-lm/effect.h>
#include <intel-lm/limits.h>
#include <intel-lm/record.h>
#include <intel-lm/rule.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum intel_lm_mig_step - the steps of a migration, in order
 * @INTEL_LM_MIG_DST_SUSPEND:	SUSPEND the destination VF: it needs nothing from the source, so
 *				it comes before the downtime starts; not sent when the
 *				destination is suspended already (see intel_lm_mig_plan())
 * @INTEL_LM_MIG_SRC_SUSPEND:	SUSPEND the source VF (downtime starts)
 * @INTEL_LM_MIG_SRC_QUERY:	QUERY_DATA_SIZE of the source VF
 * @INTEL_LM_MIG_SRC_SAVE:	SAVE_DATA of the source VF
 * @INTEL_LM_MIG_KEEP:		hand the state to the caller to keep (e.g. a durable file)
 * @INTEL_LM_MIG_DST_LOAD:	LOAD_DATA into the destination VF
 * @INTEL_LM_MIG_DST_RESUME:	RESUME the destination VF (downtime ends)
 * @INTEL_LM_MIG_STEPS:		the number of steps of this version (a later one may add steps:
 *				ask intel_lm_migration_step_ns() for any step, never size
 *				an array kept across versions by it)
 * @INTEL_LM_MIG_NO_STEP:	no step: what &struct intel_lm_mig_outcome.failed says when the
 *				migration succeeded
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
	INTEL_LM_MIG_NO_STEP = 255,
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
 * struct intel_lm_mig_params - what one VF's cold migration is to do
 * @size:	sizeof(struct intel_lm_mig_params) as the caller was built with: a later
 *		version's fields beyond it count as zero
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
 * @op_id:	the migration's id in the record, or NULL to have one generated
 * @keep_path:	the file @keep writes (recorded as the source's saved state), or NULL
 * @keep_temporary: @keep_path is a safety copy: removed once the state runs again (the
 *		migration succeeded, or the rollback resumed the source)
 * @src_state:	without records (@src_rec NULL, a dry run for example), the source VF's state
 *		as the caller knows it; %INTEL_LM_VF_RUNNING (0) when it does not know. With
 *		records, the record's state counts and this is not read. See intel_lm_mig_plan().
 * @dst_state:	the same for the destination VF
 * @state_dir:	with records: their directory (NULL: %INTEL_LM_STATE_DIR), where the one rule
 *		(intel-lm/rule.h) finds every copy of the states involved before anything is sent
 * @force:	with records: do not ask the rule (the operator's --force)
 * @lock_dir:	with records: the locks' directory (NULL: %INTEL_LM_LOCK_DIR), where the
 *		identities' lock is taken while the rule is asked about the destination's LOAD_DATA
 *		and its intent (with its RESUME's) put on record (intel_lm_claim_guarded())
 * @src_proto:	the source PF's protocol (intel_lm_pf_proto()); NULL: Intel's commands
 * @dst_proto:	the destination PF's protocol; NULL: Intel's commands
 * @src_cntlid:	the source VF's secondary controller ID (TP4159 names the VF by it)
 * @dst_cntlid:	the destination VF's secondary controller ID
 */
struct intel_lm_mig_params {
	size_t size;
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
	const char *op_id;
	const char *keep_path;
	bool keep_temporary;
	enum intel_lm_vf_state src_state;
	enum intel_lm_vf_state dst_state;
	const char *state_dir;
	bool force;
	const char *lock_dir;
	const struct intel_lm_proto *src_proto;
	const struct intel_lm_proto *dst_proto;
	uint16_t src_cntlid;
	uint16_t dst_cntlid;
};

/**
 * struct intel_lm_mig_outcome - what one VF's cold migration did
 * @failed:	the step that failed, or %INTEL_LM_MIG_NO_STEP when all succeeded
 * @ret:	what that step returned (0, an NVMe status, or a negative errno)
 * @effect:	that step's effect on its VF (none, done or unknown)
 * @size:	the state size (0 before QUERY_DATA_SIZE answered)
 * @src_resumed: the rollback resumed the source VF
 * @rollback_skipped: the source was deliberately not resumed: the destination's RESUME may
 *		have taken effect, and two running copies of one VF must never exist
 * @rollback_sent: a rollback RESUME was sent to the source
 * @rollback_ret: what the rollback RESUME returned (0 when none was sent or it worked), or
 *		the record's errno when its intent could not be written (@rollback_unrecorded)
 * @record_ret:	the first failed record write (0 when all were written); a command whose
 *		intent could not be written is not sent
 * @downtime_ns: the time from the source SUSPEND to the destination RESUME's completion (or
 *		to the rollback's end), in nanoseconds
 * @op_id:	the migration's id in the record ("" when nothing was recorded)
 * @skipped:	the steps that were not sent because their VF was suspended already, as bits
 *		(1U << step): only the destination's SUSPEND, see intel_lm_mig_plan()
 * @reason:	the one rule's refusal (nothing was sent; @ret is -EBUSY, -ESTALE or -EEXIST),
 *		or %INTEL_LM_REASON_OK
 * @rollback_unrecorded: the rollback RESUME was due but NOT sent: its intent could not be put
 *		on record (@rollback_ret holds that errno), and no command is sent whose intent
 *		cannot be written. The source stays suspended, its state in it and in the safety
 *		copy (kept), and the migration stays open: recover resumes it once the record can
 *		be written. (It once meant that RESUME was sent off the record: it never is.)
 * @at_dst:	@reason is about the destination (what it holds would be lost, or what it is to
 *		run runs elsewhere); else about the source. With @failed
 *		%INTEL_LM_MIG_DST_SUSPEND the rule refused before any step (nothing sent); with
 *		%INTEL_LM_MIG_DST_LOAD it refused the destination's LOAD_DATA, asked again with its
 *		intent (see @lock_dir in &struct intel_lm_mig_params), and the rollback followed
 * @ident:	the state @reason is about: its identity and generation
 * @has_other:	@other is set: the VF or file in the way of @reason
 * @other:	that place: a VF (its PF key, device path, index and state on record) or a
 *		state file (its path), with the identity and generation it holds
 */
struct intel_lm_mig_outcome {
	enum intel_lm_mig_step failed;
	int ret;
	enum intel_lm_effect effect;
	uint32_t size;
	bool src_resumed;
	bool rollback_skipped;
	bool rollback_sent;
	int rollback_ret;
	int record_ret;
	uint64_t downtime_ns;
	char op_id[40];
	unsigned int skipped;
	int reason;
	bool rollback_unrecorded;
	bool at_dst;
	struct intel_lm_identity ident;
	bool has_other;
	struct intel_lm_copy other;
};

/**
 * intel_lm_mig_plan() - Which SUSPENDs a migration sends, from its two VFs' states
 * @src:	the source VF's state, as its record has it
 * @dst:	the destination VF's state, as its record has it
 * @dst_kept:	the destination's saved state is kept elsewhere
 *		(intel_lm_record_state_kept()); read only for a saved destination
 * @skip:	set to the steps not to send, as bits (1U << step)
 *
 * The source always gets its SUSPEND. A source that is saved or loaded holds a state that may
 * run, or have run, in another VF too (the copy a migration moved, or a load brought in): it
 * is refused. A destination gets its SUSPEND unless it is suspended already and LOAD_DATA
 * loses nothing by replacing what it holds: when it is suspended, or saved with its state
 * kept elsewhere (@dst_kept). A loaded destination, or a saved one whose state is in no file
 * and runs nowhere, gets its SUSPEND, which a device may refuse (Command Sequence Error): its
 * state is not replaced behind the operator's back.
 *
 * A pure function.
 *
 * Return: 0; -ESTALE for a saved or loaded source (@skip is then 0).
 */
int intel_lm_mig_plan(enum intel_lm_vf_state src, enum intel_lm_vf_state dst, bool dst_kept,
		      unsigned int *skip);

/* One VF's cold migration: an opaque handle. */
struct intel_lm_migration;

/**
 * intel_lm_migration_new() - Prepare one VF's cold migration
 * @params:	what to do; copied (the records, callbacks and options it points to must stay
 *		valid until intel_lm_migrate() returns)
 * @m:		set to the new migration, or NULL on failure
 *
 * Return: 0; -EINVAL when @params->size is smaller than the first version's structure;
 * -ENOMEM.
 */
int intel_lm_migration_new(const struct intel_lm_mig_params *params,
			   struct intel_lm_migration **m);

/**
 * intel_lm_migration_free() - Free a migration
 * @m:		the migration, or NULL
 */
void intel_lm_migration_free(struct intel_lm_migration *m);

/**
 * intel_lm_migrate() - Cold-migrate one VF, rolling back on failure
 * @m:		the migration, from intel_lm_migration_new(); run once
 *
 * Destination SUSPEND; source SUSPEND, QUERY_DATA_SIZE (checked against the limit before any
 * data command), SAVE_DATA; keep; destination LOAD_DATA, RESUME. The destination's SUSPEND
 * is not sent when intel_lm_mig_plan() says so (from the records, or without records from
 * @src_state and @dst_state, a saved destination then counting as not kept): the outcome's
 * @skipped says so, and the destination's record still gets the migration's entry at that
 * step. Once the
 * destination RESUME succeeded the migration has succeeded, whatever cancel says. Otherwise
 * the source VF is RESUMEd when its SUSPEND took effect or may have (an unknown effect),
 * except when the destination RESUME's effect is
 * unknown: it may have started, so the source stays suspended (rollback_skipped) and the
 * record keeps the migration open for intel-lm's recover. A source never suspended is never
 * resumed. The destination VF is left as it is: never resumed by the rollback, so one that was
 * suspended before the migration started stays suspended. Nothing is retried.
 * With dry_run in either options the commands are traced, not sent, the data steps are
 * skipped and nothing is recorded. intel_lm_migration_outcome() tells what happened.
 *
 * With records and without @force, the one rule (intel-lm/rule.h) is asked before any step,
 * and again, under the identities' lock in @lock_dir, with the destination's LOAD_DATA intent
 * (intel_lm_claim_guarded()): a command on another VF in between may have changed where the
 * state's copies are. Either refusal is in the outcome (@reason, @at_dst, @ident, @other);
 * the second stops the migration before LOAD_DATA and rolls back.
 *
 * Return: 0 when the destination RESUME succeeded; otherwise the failed step's return value (a
 * positive NVMe status or a negative errno; -ESTALE for a source intel_lm_mig_plan() refuses: the
 * first step is then the failed one, and nothing was sent or recorded; -EBUSY, -ESTALE or
 * -EEXIST for the one rule's refusal; -ENODATA or -EFBIG for a
 * size the limits refuse; -ECANCELED when cancel stopped it; a record write's errno when a
 * command's intent could not be put on record); -EALREADY when @m already ran.
 */
int intel_lm_migrate(struct intel_lm_migration *m);

/**
 * intel_lm_migration_outcome() - What a migration did
 * @m:		a migration that ran
 * @out:	filled in: the first @size bytes of &struct intel_lm_mig_outcome
 * @size:	sizeof(struct intel_lm_mig_outcome) as the caller was built with
 */
void intel_lm_migration_outcome(const struct intel_lm_migration *m,
				struct intel_lm_mig_outcome *out, size_t size);

/**
 * intel_lm_migration_step_ns() - How long a step took
 * @m:		a migration that ran
 * @step:	a step
 *
 * Return: the step's duration in nanoseconds; 0 for a step that did not run or that this
 * version does not know.
 */
uint64_t intel_lm_migration_step_ns(const struct intel_lm_migration *m,
				    enum intel_lm_mig_step step);

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
