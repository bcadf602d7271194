/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: claiming a VF and sending it commands through its record, the journal every
 * program that links libintel-lm gets: the record's and the locks' directories trusted, the
 * VF's lock held, its record open; then each state-changing command asked of the one rule
 * (intel-lm/rule.h), its intent made durable, the command sent exactly once, its outcome
 * recorded. A VF changed this way shows in `nvme-intel-lm status` as one changed by the CLI.
 */
#ifndef INTEL_LM_CLAIM_H
#define INTEL_LM_CLAIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <intel-lm/cmd.h>
#include <intel-lm/identity.h>
#include <intel-lm/pf.h>
#include <intel-lm/record.h>
#include <intel-lm/rule.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum intel_lm_claim_step - the part of a claim that failed
 * @INTEL_LM_CLAIM_DIRS:	the record's or the locks' directory is not trusted or usable
 * @INTEL_LM_CLAIM_LOCK:	the VF's lock (held by another process: -EWOULDBLOCK)
 * @INTEL_LM_CLAIM_RECORD:	the VF's record cannot be opened
 * @INTEL_LM_CLAIM_OUTPUT:	the output file (&struct intel_lm_claim_opts.output) does not fit
 *				the record (-ENAMETOOLONG) or names no file (-EINVAL)
 */
enum intel_lm_claim_step {
	INTEL_LM_CLAIM_DIRS = 0,
	INTEL_LM_CLAIM_LOCK,
	INTEL_LM_CLAIM_RECORD,
	INTEL_LM_CLAIM_OUTPUT,
};

/**
 * struct intel_lm_claim_opts - where and how to claim
 * @size:	sizeof(struct intel_lm_claim_opts) as the caller was built with
 * @state_dir:	the record's directory, NULL for %INTEL_LM_STATE_DIR
 * @lock_dir:	the locks' directory, NULL for %INTEL_LM_LOCK_DIR
 * @wait_ms:	how long to wait for another process holding the VF's lock
 * @what:	what the caller does, for whoever waits (e.g. "pid 42: my-vmm save"), or NULL
 * @op:		what the record's next write says the change belongs to; 0 leaves the entry's
 *		(intel_lm_migrate() sets its own)
 * @syncs:	a batch's group of late fdatasyncs (intel_lm_syncs_new()), or NULL. With it,
 *		a command's outcome is written to the record at once but made durable behind
 *		the next commands, by intel_lm_claim_release_later(); its intent is made durable
 *		before the command is sent all the same. Without it, every write is durable
 *		before intel_lm_claim_send() returns.
 * @scan:	a scan cache of @state_dir (intel_lm_scan_new()) the rule's scans share, e.g. a
 *		batch's; NULL for one of the claim's own. Its answers are the same either way.
 * @output:	the file a SAVE_DATA's state is to be written to, or NULL (none, or standard
 *		output): made absolute (its directory resolved, the file need not exist) and
 *		checked against the record's room (%INTEL_LM_REC_PATH_LEN) when the VF is claimed,
 *		so that a name too long is refused before anything is sent;
 *		intel_lm_claim_saved() records it
 */
struct intel_lm_claim_opts {
	size_t size;
	const char *state_dir;
	const char *lock_dir;
	unsigned int wait_ms;
	const char *what;
	enum intel_lm_op_kind op;
	struct intel_lm_syncs *syncs;
	struct intel_lm_scan *scan;
	const char *output;
};

/*
 * A batch's late fdatasyncs: the outcomes of its claims, made durable on a few threads of
 * their own while the batch's next commands run. An opaque handle.
 */
struct intel_lm_syncs;

/**
 * intel_lm_syncs_new() - A group of late fdatasyncs for a batch
 * @threads:	how many fdatasyncs may run at once (the batch's jobs); at least 1
 * @sp:		set to the group
 *
 * Its threads start as outcomes wait for them, never more than @threads.
 *
 * Return: 0 or -ENOMEM.
 */
int intel_lm_syncs_new(unsigned int threads, struct intel_lm_syncs **sp);

/**
 * intel_lm_syncs_wait() - Wait until every outcome handed to the group is durable, and free it
 * @s:		a group, or NULL
 *
 * Call it before any outcome of the batch is reported: until it returns, an outcome handed
 * over by intel_lm_claim_release_later() is in the record file but perhaps not on the disk.
 *
 * Return: 0, or the first negative errno of an fdatasync that failed (each also went to the
 * @err its claim named).
 */
int intel_lm_syncs_wait(struct intel_lm_syncs *s);

/* A claimed VF: an opaque handle from intel_lm_claim_vf(), freed by intel_lm_claim_release(). */
struct intel_lm_claim;

/**
 * intel_lm_claim_vf() - Claim a VF of an opened, identified PF
 * @pf:		the PF (intel_lm_pf_open() and intel_lm_pf_identify()), open until the claim is
 *		released: commands go over its protocol (intel_lm_pf_send())
 * @vf:		the VF index
 * @o:		where and how, or NULL for the defaults
 * @cl:		set to the claim on success, NULL otherwise
 * @step:	set to the part that failed, on failure
 * @holder:	on -EWOULDBLOCK, what the lock's holder recorded; may be NULL
 * @len:	size of @holder
 *
 * Both directories are checked (and created, mode 0700: each must be a real directory owned
 * by the effective user and writable by no one else), the output file's name, if any
 * (@o->output), is checked, the VF's lock is taken (intel_lm_lock_vf()) and its record opened
 * (intel_lm_record_open()), with the PF's device path, serial, model and firmware written into
 * the entry.
 *
 * Return: 0; a negative errno (see @step); -EBADMSG is not an error here: a record whose
 * entry is corrupt is opened, and its state is unknown until a command says.
 */
int intel_lm_claim_vf(const struct intel_lm_pf *pf, uint16_t vf, const struct intel_lm_claim_opts *o,
		      struct intel_lm_claim **cl, enum intel_lm_claim_step *step, char *holder,
		      size_t len);

/**
 * intel_lm_claim_record() - The claimed VF's record
 * @cl:		a claim
 *
 * Return: the record, open for writing while the claim is held; never NULL.
 */
struct intel_lm_record *intel_lm_claim_record(struct intel_lm_claim *cl);

/**
 * struct intel_lm_sent - what intel_lm_claim_send() did
 * @sent:	the command was submitted: its effect follows from what it returned
 * @result:	QUERY_DATA_SIZE: the state size
 * @record_ret:	the write of the outcome that failed, or 0; the record then still shows the
 *		command in flight, so its effect reads as unknown until recover settles it
 * @verdict:	the one rule's answer (its @other points into the claim, valid until the next
 *		call)
 */
struct intel_lm_sent {
	bool sent;
	uint32_t result;
	int record_ret;
	struct intel_lm_verdict verdict;
};

/**
 * intel_lm_claim_send() - Send one command to the claimed VF through its record
 * @cl:		a claim
 * @opcode:	one of the five Intel opcodes
 * @buf:	SAVE_DATA's or LOAD_DATA's buffer (intel_lm_state_alloc()), else NULL
 * @len:	its length
 * @incoming:	LOAD_DATA: the identity of the state loaded (the blob's, or
 *		intel_lm_identity_derive() of a raw state); else NULL
 * @force:	do not ask the one rule
 * @opts:	submission options, or NULL
 * @out:	set to what was done; may be NULL
 *
 * A state-changing command is first asked of the rule (RESUME and LOAD_DATA, and SAVE_DATA of
 * a VF that holds one of two states, under the identities' lock, held until its intent is on
 * record); a refusal sends nothing. SAVE_DATA
 * gives the state an identity (intel_lm_record_take_charge()) with its intent; LOAD_DATA puts
 * @incoming on record with its. Then the intent is made durable, the command sent exactly once
 * (never again, whatever it returns), and its outcome recorded. A successful SAVE_DATA leaves
 * the operation open (the VF saved, its file to follow) until intel_lm_claim_saved() records
 * the file the state went to; a failed one closes it.
 *
 * Return: what the command returned (0, a positive NVMe status, or a negative errno); the
 * rule's refusal as -EBUSY (runs elsewhere), -ESTALE, -EEXIST (last copy) or -EUCLEAN (in
 * doubt), nothing sent;
 * the record's errno when the intent could not be written, nothing sent.
 */
int intel_lm_claim_send(struct intel_lm_claim *cl, uint8_t opcode, void *buf, uint32_t len,
			const struct intel_lm_identity *incoming, bool force,
			const struct intel_lm_opts *opts, struct intel_lm_sent *out);

/**
 * intel_lm_claim_ask() - Ask the one rule about a VF's entry, without sending anything
 * @state_dir:	the record's directory, NULL for %INTEL_LM_STATE_DIR
 * @e:		the VF's entry
 * @op:		the command
 * @incoming:	%INTEL_LM_RULE_LOAD: the state loaded; else NULL
 * @other:	where the place in the way is copied (@v->other then points to it)
 * @v:		set to the rule's answer
 *
 * Gathers every copy the record knows of (intel_lm_rule_copies()) and asks
 * intel_lm_rule_check().
 *
 * Return: 0 when allowed; -EBUSY (runs elsewhere), -ESTALE or -EEXIST (last copy) when
 * refused; another negative errno when the record cannot be read.
 */
int intel_lm_claim_ask(const char *state_dir, const struct intel_lm_rec_entry *e,
		       enum intel_lm_rule_op op, const struct intel_lm_identity *incoming,
		       struct intel_lm_copy *other, struct intel_lm_verdict *v);

/**
 * struct intel_lm_guard - a command's question to the one rule, and its intent
 * @size:	sizeof(struct intel_lm_guard) as the caller was built with
 * @op:		the command (%INTEL_LM_RULE_RESUME or %INTEL_LM_RULE_LOAD for one that may run a
 *		state)
 * @e:		the entry of the VF it is for, as it is now (it may be newer than its record)
 * @incoming:	%INTEL_LM_RULE_LOAD: the identity of the state loaded; else NULL
 * @known:	other VFs' entries newer than their records (written next, or settled and not
 *		yet written): they stand for what the directory holds for those VFs; may be NULL
 * @n_known:	their number
 * @intent:	called with the identities' lock held when the rule allows: it puts the
 *		command's intent on record (and whatever the record is to say with it); 0 or a
 *		negative errno. NULL only asks: no lock is taken, and the answer may be out of
 *		date as soon as it is given (a --dry-run)
 * @priv:	passed to @intent
 */
struct intel_lm_guard {
	size_t size;
	enum intel_lm_rule_op op;
	const struct intel_lm_rec_entry *e;
	const struct intel_lm_identity *incoming;
	const struct intel_lm_rec_entry *known;
	size_t n_known;
	int (*intent)(void *priv);
	void *priv;
};

/**
 * intel_lm_claim_guarded() - Ask the one rule and put the intent on record, under one lock
 * @state_dir:	the record's directory, NULL for %INTEL_LM_STATE_DIR
 * @lock_dir:	the locks' directory, NULL for %INTEL_LM_LOCK_DIR
 * @g:		the question and the intent
 * @other:	where the place in the way is copied (@v->other then points to it)
 * @v:		set to the rule's answer
 *
 * Every command that may run a state (RESUME, LOAD_DATA: a single command, a migration's
 * destination, recover's rollback) goes through here: the identities' lock
 * (LOCK_DIR/identities.lock) is taken, every copy gathered (intel_lm_rule_copies(), with
 * @g->known in place of their records), the rule asked, and, when it allows, @g->intent
 * called before the lock is released. So two such commands for one state never both pass
 * the rule: the second sees the first's intent on record. Once the lock is released, the
 * shared lock LOCK_DIR/identities.sync is taken exclusively for a moment: it returns only when
 * every intent written under the identities' lock before it is durable (intel_lm_claim_send()
 * makes its own durable after releasing the lock, holding identities.sync shared meanwhile,
 * so that a batch's intents are synced side by side). Nothing is sent on an answer that rests
 * on an intent a crash could still take back.
 *
 * Return: 0; the rule's refusal as -EBUSY (runs elsewhere), -ESTALE or -EEXIST (last copy),
 * @g->intent not called; what @g->intent returned; another negative errno when the lock
 * cannot be taken or the records cannot be read (@v->reason then %INTEL_LM_REASON_OK).
 */
int intel_lm_claim_guarded(const char *state_dir, const char *lock_dir,
			   const struct intel_lm_guard *g, struct intel_lm_copy *other,
			   struct intel_lm_verdict *v);

/**
 * intel_lm_claim_saved() - The file that holds a successful SAVE_DATA's state, on record
 * @cl:		a claim whose last intel_lm_claim_send() was a successful SAVE_DATA
 * @path:	the file the state was written to, whole and durable; NULL when it is in no
 *		file (the write failed: the VF is saved, its state nowhere else). When the claim
 *		took an output (&struct intel_lm_claim_opts.output), that one, checked before
 *		anything was sent, is what goes on record, and @path only says that the state is
 *		in it. Without one, @path is checked here, after SAVE_DATA: claim the output
 *		instead, so that a name too long is refused before the VF is touched.
 * @size:	the state's size
 * @crc:	its CRC-32 (zlib)
 *
 * Return: 0 or the record's negative errno; -ENAMETOOLONG for a @path too long for the
 * record, without a claimed output (the operation stays open: the VF is saved).
 */
int intel_lm_claim_saved(struct intel_lm_claim *cl, const char *path, uint32_t size, uint32_t crc);

/**
 * intel_lm_claim_release() - Close the record and release the VF's lock
 * @cl:		a claim, or NULL
 *
 * An outcome not yet durable (a claim with @syncs) is made durable first; should that fail,
 * its error is lost: a batch uses intel_lm_claim_release_later().
 */
void intel_lm_claim_release(struct intel_lm_claim *cl);

/**
 * intel_lm_claim_release_later() - Release the VF's lock; its last outcome is made durable later
 * @cl:		a claim, or NULL
 * @err:	set to the negative errno of that fdatasync should it fail (left alone when it
 *		succeeds or *@err is set already); read it after intel_lm_syncs_wait()
 *
 * The VF's lock is released at once and the record's file handed to the claim's group of late
 * fdatasyncs (intel_lm_claim_opts.syncs), which makes the outcome durable while the batch goes
 * on. The outcome is in the record file already: another process that takes the VF's lock reads
 * it, and its own intent's fdatasync makes it durable too. A process killed before the
 * fdatasync leaves it in the file; only a power loss can take it, leaving the intent on record
 * (the command in flight, its effect unknown), never a state the VF does not have. A claim
 * with nothing left to make durable is released as by intel_lm_claim_release().
 */
void intel_lm_claim_release_later(struct intel_lm_claim *cl, int *err);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_CLAIM_H */
