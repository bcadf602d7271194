/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: the one rule. Every state has an identity (intel-lm/identity.h); an identity runs
 * in at most one VF, and no command replaces (LOAD_DATA) or discards the last copy of one.
 *
 * intel_lm_rule_check() is the rule, and nothing else: pure, no I/O. It is given the command
 * asked and every copy of a state that intel-lm knows of (the VFs' records and the state files
 * they name), and answers a reason: %INTEL_LM_REASON_OK, or why not, with the VF or file in the
 * way. intel_lm_rule_copies() gathers the copies from a record directory. Every path asks the
 * rule before it sends anything: the single commands, batches, migrate (both ends), recover.
 *
 * A VF's own state that intel-lm never took charge of (a fresh VF, or one only suspended) has
 * no identity: there is nothing to protect, and such a VF may receive a state.
 */
#ifndef INTEL_LM_RULE_H
#define INTEL_LM_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <intel-lm/effect.h>
#include <intel-lm/identity.h>
#include <intel-lm/record.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum intel_lm_rule_op - what is asked of the rule
 * @INTEL_LM_RULE_SUSPEND:	SUSPEND @vf
 * @INTEL_LM_RULE_RESUME:	RESUME @vf: it will run the state it holds
 * @INTEL_LM_RULE_SAVE:		SAVE_DATA of @vf into a file
 * @INTEL_LM_RULE_LOAD:		LOAD_DATA of @incoming into @vf, which will then be resumed
 * @INTEL_LM_RULE_MIGRATE:	move @vf's state into @dst (SAVE_DATA, LOAD_DATA, RESUME)
 * @INTEL_LM_RULE_DISCARD:	remove the file @file, a copy of @incoming
 */
enum intel_lm_rule_op {
	INTEL_LM_RULE_SUSPEND = 0,
	INTEL_LM_RULE_RESUME,
	INTEL_LM_RULE_SAVE,
	INTEL_LM_RULE_LOAD,
	INTEL_LM_RULE_MIGRATE,
	INTEL_LM_RULE_DISCARD,
};

/**
 * enum intel_lm_reason - the rule's answer
 * @INTEL_LM_REASON_OK:		allowed
 * @INTEL_LM_REASON_RUNS_ELSEWHERE: the state runs, or may run (its VF's state is unknown), in
 *				another VF (@other): running it here too would make two
 * @INTEL_LM_REASON_STALE:	a newer version of the state exists (@other, a VF or a file):
 *				this copy is older than one that ran since
 * @INTEL_LM_REASON_LAST_COPY:	the VF (or the file) holds the only copy intel-lm knows of the
 *				newest version of its state: replacing or removing it loses it
 * @INTEL_LM_REASON_IN_DOUBT:	the VF holds one of two states (its own, or the one a LOAD_DATA in
 *				doubt brought in), and a copy names only one: SAVE_DATA of it
 *				(a save, or a migration's source) waits until recover settles which
 * @INTEL_LM_REASONS:		the number of reasons
 */
enum intel_lm_reason {
	INTEL_LM_REASON_OK = 0,
	INTEL_LM_REASON_RUNS_ELSEWHERE,
	INTEL_LM_REASON_STALE,
	INTEL_LM_REASON_LAST_COPY,
	INTEL_LM_REASON_IN_DOUBT,
	INTEL_LM_REASONS,
};

/**
 * struct intel_lm_copy - a place that holds a state: a VF, or a state file
 * @pf:		a VF's PF key; "" for a file
 * @device:	a VF's PF device path as its record last saw it, for messages; "" for a file
 * @vf:		the VF index; 0 for a file
 * @path:	a file's path (NUL-terminated); "" for a VF
 * @state:	a VF's state, %INTEL_LM_VF_UNKNOWN also while a command is pending on it; a
 *		file's is %INTEL_LM_VF_SAVED
 * @whole:	a file is there and holds the whole state; always true for a VF
 * @may_run:	a VF whose state is unknown may be running: the command in doubt could have
 *		resumed it (not a LOAD_DATA or SAVE_DATA of a VF that was not running)
 * @ident:	the identity of the state it holds (not set: a VF's own, never taken charge of)
 * @alt:	a VF whose LOAD_DATA is in doubt may hold this one instead (else not set)
 * @load_lost:	a VF that may hold a state its record no longer names (two LOAD_DATA in doubt,
 *		&intel_lm_rec_entry.load_lost)
 */
struct intel_lm_copy {
	char pf[INTEL_LM_PF_KEY_LEN];
	char device[64];
	uint16_t vf;
	enum intel_lm_vf_state state;
	bool whole;
	bool may_run;
	bool load_lost;
	struct intel_lm_identity ident;
	struct intel_lm_identity alt;
	char path[INTEL_LM_REC_PATH_LEN];
};

/**
 * struct intel_lm_rule_ask - a question to the rule
 * @op:		the command
 * @vf:		the VF it is for (a migration's source); NULL for %INTEL_LM_RULE_DISCARD
 * @dst:	a migration's destination; NULL otherwise
 * @incoming:	%INTEL_LM_RULE_LOAD: the identity of the state loaded; %INTEL_LM_RULE_DISCARD:
 *		the file's
 * @file:	%INTEL_LM_RULE_DISCARD: the file's path
 * @copies:	every copy intel-lm knows of (it may include @vf, @dst and @file themselves,
 *		which are told apart by PF key and VF index, or by path)
 * @n:		their number
 */
struct intel_lm_rule_ask {
	enum intel_lm_rule_op op;
	const struct intel_lm_copy *vf;
	const struct intel_lm_copy *dst;
	const struct intel_lm_identity *incoming;
	const char *file;
	const struct intel_lm_copy *copies;
	size_t n;
};

/**
 * struct intel_lm_verdict - the rule's answer, with its values
 * @reason:	the reason
 * @at_dst:	%INTEL_LM_RULE_MIGRATE: the reason is about the destination
 * @ident:	the state the reason is about
 * @other:	the VF or file in the way (an element of @copies), or NULL
 * @alt:	%INTEL_LM_REASON_IN_DOUBT: the other state the VF may hold (@ident is its own)
 */
struct intel_lm_verdict {
	enum intel_lm_reason reason;
	bool at_dst;
	struct intel_lm_identity ident;
	const struct intel_lm_copy *other;
	struct intel_lm_identity alt;
};

/**
 * intel_lm_rule_check() - Whether a command keeps the rule
 * @ask:	the command and the copies known
 * @v:		filled in
 *
 * RESUME (and LOAD, and a migration's source) is refused while the state runs or may run in
 * another VF, and for a stale copy; LOAD_DATA into a VF (and a migration's destination) is
 * refused when that VF holds the last copy of the newest version of a state, unless it is
 * the same state, as new or newer, that arrives; DISCARD likewise for a file. SUSPEND and
 * SAVE_DATA are always allowed. A VF whose state is unknown may run what it holds and is no
 * copy of it; a file that is missing or not whole is no copy either.
 *
 * Return: @v->reason.
 */
enum intel_lm_reason intel_lm_rule_check(const struct intel_lm_rule_ask *ask,
					 struct intel_lm_verdict *v);

/**
 * intel_lm_rule_copy_of() - A VF's entry as a copy
 * @e:		the VF's record entry
 * @c:		filled in: the VF, its state (unknown while a command is pending) and identity
 */
void intel_lm_rule_copy_of(const struct intel_lm_rec_entry *e, struct intel_lm_copy *c);

/**
 * intel_lm_rule_copies() - Every copy a record directory knows of
 * @dir:	the record's directory, or NULL for %INTEL_LM_STATE_DIR
 * @copies:	set to a malloc'ed array (free(3) it): one element per VF whose entry holds a
 *		state with an identity, and one per state file on record with an identity (its
 *		@whole from stat(2): there, a regular file, and at least the state's size)
 * @n:		set to their number
 *
 * Entries that cannot be read (torn, untrusted) are passed over: their VFs count as holding
 * nothing.
 *
 * Return: 0 or a negative errno.
 */
int intel_lm_rule_copies(const char *dir, struct intel_lm_copy **copies, size_t *n);

/*
 * A record directory's copies kept from one scan to the next, for a program that asks the
 * rule many times (a batch): an opaque handle, safe to share between threads.
 */
struct intel_lm_scan;

/**
 * intel_lm_scan_new() - A scan cache of a record directory, for intel_lm_claim_opts.scan
 * @dir:	the record's directory, or NULL for %INTEL_LM_STATE_DIR
 * @sp:		set to the cache, NULL on failure
 *
 * Each scan's copies are the ones intel_lm_rule_copies() would gather at that moment, in the
 * same order; a record unchanged since the last scan is told so from its status and its two
 * slots' headers and not read again, and from the second scan on (or the first:
 * intel_lm_scan_expect()), where one inotify(7) watch on @dir can tell its records' changes
 * (ext4, xfs, btrfs, tmpfs), from the absence of events: neither @dir nor an unchanged record
 * is looked at again. Every state file named is looked at every time. The cache keeps
 * each record file and an inotify instance open until intel_lm_scan_free(); it makes room
 * for them in the process's descriptor table at once, here (best called before the process
 * starts threads: growing the table of a process of several threads waits for RCU).
 *
 * Return: 0 or -ENOMEM.
 */
int intel_lm_scan_new(const char *dir, struct intel_lm_scan **sp);

/**
 * intel_lm_scan_free() - Close a scan cache's files and free it
 * @s:		a scan cache, or NULL
 */
void intel_lm_scan_free(struct intel_lm_scan *s);

/**
 * intel_lm_reason_name() - A reason's stable word, as JSON's "reason" carries it
 * @reason:	a reason
 *
 * Return: "ok", "runs-elsewhere", "stale" or "last-copy"; never NULL.
 */
const char *intel_lm_reason_name(enum intel_lm_reason reason);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_RULE_H */
