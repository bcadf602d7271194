/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: the durable record of what intel-lm did to each VF. The device has no read-back,
 * so this is the only place a VF's state outlives the process that changed it.
 *
 * One file per VF, DIR/<PF key>-vf<N>.rec, of two fixed-size slots written in turn (each with
 * a sequence number and a CRC-32), so that a torn write leaves the previous entry readable and
 * the file never grows. Before a state-changing command is sent, its intent is written and
 * made durable (fdatasync); after it, its outcome. A reader takes the valid slot with the
 * highest sequence number; a command still pending there is one whose process died while it
 * was in flight, so its effect is unknown.
 *
 * Writers hold the VF's lock (intel_lm_lock_vf()): one writer per VF at a time.
 */
#ifndef INTEL_LM_RECORD_H
#define INTEL_LM_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <intel-lm/effect.h>
#include <intel-lm/identity.h>
#include <intel-lm/pfid.h>
#include <intel-lm/proto.h>

#ifdef __cplusplus
extern "C" {
#endif

/** INTEL_LM_STATE_DIR - the record's directory unless the caller names another */
#define INTEL_LM_STATE_DIR	"/var/lib/intel-lm"

/** INTEL_LM_REC_PATH_LEN - room for a path in an entry, with its NUL */
#define INTEL_LM_REC_PATH_LEN	1024

/**
 * enum intel_lm_op_kind - what an entry's last change belonged to
 * @INTEL_LM_OP_NONE:		nothing (an entry settled by hand)
 * @INTEL_LM_OP_SINGLE:		a command on one VF
 * @INTEL_LM_OP_BATCH:		a command on several VFs
 * @INTEL_LM_OP_MIGRATE:	a migration (see @op_id, @role, @peer_*)
 */
enum intel_lm_op_kind {
	INTEL_LM_OP_NONE = 0,
	INTEL_LM_OP_SINGLE,
	INTEL_LM_OP_BATCH,
	INTEL_LM_OP_MIGRATE,
};

/**
 * enum intel_lm_role - a VF's part in a migration
 * @INTEL_LM_ROLE_NONE:		not a migration
 * @INTEL_LM_ROLE_SOURCE:	the VF the state leaves
 * @INTEL_LM_ROLE_DESTINATION:	the VF the state goes to
 */
enum intel_lm_role {
	INTEL_LM_ROLE_NONE = 0,
	INTEL_LM_ROLE_SOURCE,
	INTEL_LM_ROLE_DESTINATION,
};

/**
 * enum intel_lm_outlived - why an entry's state no longer counts
 * @INTEL_LM_OUTLIVED_NO:	it counts
 * @INTEL_LM_OUTLIVED_BOOT:	the entry was written in an earlier boot of this host: a
 *				reboot leaves every VF running with a fresh state
 * @INTEL_LM_OUTLIVED_NO_BOOT:	the entry names no boot (an earlier version wrote it): it may
 *				be of an earlier boot
 * @INTEL_LM_OUTLIVED_RESET:	the PF was reset since: the VF is offline with no resources
 *				(intel_lm_vf_reset_seen())
 *
 * Only an entry that says suspended, saved or loaded, or has a command pending, is outlived:
 * a VF that runs runs after a reboot or a reset too.
 */
enum intel_lm_outlived {
	INTEL_LM_OUTLIVED_NO = 0,
	INTEL_LM_OUTLIVED_BOOT,
	INTEL_LM_OUTLIVED_NO_BOOT,
	INTEL_LM_OUTLIVED_RESET,
};

/**
 * struct intel_lm_rec_entry - one VF's entry
 * @seq:	sequence number of the write that holds it (1 for the first)
 * @pf:		the PF's identity
 * @device:	the PF's device path when the entry was written
 * @serial:	the PF's serial number
 * @model:	its model
 * @firmware:	its firmware revision
 * @vf:		the VF index
 * @state:	the VF's state; %INTEL_LM_VF_UNKNOWN when a command's effect is unknown
 * @since:	when @state began, in seconds since the epoch
 * @pid:	the process that wrote the entry
 * @cmdline:	its command line
 * @pending:	the opcode of a state-changing command in flight, or 0. Read back from a file,
 *		a pending command belongs to a process that died while it was in flight.
 * @pending_then: a command that may follow @pending without another write (a migration's
 *		SAVE_DATA after SUSPEND, RESUME after LOAD_DATA), or 0; it may have been sent too
 * @last_opcode: the last state-changing command sent, or 0
 * @last_ret:	what it returned (0, an NVMe status, or a negative errno)
 * @state_file:	the file that holds the VF's saved state, or ""
 * @state_size:	the state's size in bytes
 * @state_crc:	its CRC-32 (zlib)
 * @state_file_temporary: @state_file is a safety copy that intel-lm removes once the
 *		migration it belongs to is settled
 * @ident:	the identity of the state the VF holds (not set: its own state, which intel-lm
 *		never took charge of); while LOAD_DATA is pending, the state it loads
 * @file_ident:	the identity of the state in @state_file
 * @load_ident:	from a LOAD_DATA's intent until its outcome, and for good when that is in doubt:
 *		the identity of the state it loads; the VF then holds @ident or this one
 * @tmp_file:	a temporary file the operation may leave behind if it dies, or ""
 * @op:		what the last change belonged to
 * @op_open:	that operation has not finished (or was interrupted)
 * @op_id:	a migration's id, shared by its two VFs' entries
 * @role:	this VF's part in the migration
 * @step:	the migration's last step recorded for this VF (enum intel_lm_mig_step)
 * @peer:	the other VF's PF
 * @peer_device: its device path
 * @peer_vf:	its VF index
 * @boot_id:	the host's boot (/proc/sys/kernel/random/boot_id) when the entry was written, or
 *		"" (an entry of an earlier version, or a host where it cannot be read)
 * @outlived:	set when the entry is read, never written (enum intel_lm_outlived): why the
 *		state it says no longer counts, which @state then says unknown
 * @outlived_state: with @outlived, the state the entry said
 * @may_run:	the VF may have run a newer generation of its state than the entry names: set by a
 *		RESUME in doubt or refused as out of sequence, kept through what teaches nothing
 *		of it, and folded into a newer generation of @ident and @load_ident once a
 *		SUSPEND or SAVE_DATA takes effect (see intel_lm_record_may_run())
 * @idle_before: set when the entry is read or its intent begun, never written: the VF ran
 *		nothing before its pending command (its state then was not running, nor
 *		unknown and perhaps running); a SUSPEND in doubt then runs nothing either
 * @protocol:	the protocol the VF's commands went over (&enum intel_lm_protocol;
 *		"protocol" in the file, left out for Intel's, which an entry without it means)
 * @load_lost:	a LOAD_DATA began while the VF held one of two states (@ident, or @load_ident
 *		of a LOAD_DATA in doubt): its entry names the new one in @load_ident, and the VF
 *		may hold a third state the entry no longer names. Set until a LOAD_DATA takes
 *		effect; the rule refuses to resume or save such a VF
 * @still_runs:	the VF may still run, at the generation its entry names, the state it ran: a
 *		SUSPEND, SAVE_DATA or LOAD_DATA in doubt of a VF that ran (or may have). Kept
 *		like @may_run, but folded into no generation: only a RESUME starts a new one
 * @reserved:	zero: room for what a later version records
 */
struct intel_lm_rec_entry {
	uint64_t seq;
	int64_t since;
	int32_t pid;
	int32_t last_ret;
	uint32_t state_size;
	uint32_t state_crc;
	enum intel_lm_vf_state state;
	enum intel_lm_op_kind op;
	enum intel_lm_role role;
	int step;
	uint16_t vf;
	uint16_t peer_vf;
	uint8_t pending;
	uint8_t pending_then;
	uint8_t last_opcode;
	bool state_file_temporary;
	bool op_open;
	struct intel_lm_identity ident;
	struct intel_lm_identity file_ident;
	struct intel_lm_identity load_ident;
	struct intel_lm_pf_id pf;
	struct intel_lm_pf_id peer;
	char device[64];
	char peer_device[64];
	char serial[21];
	char model[41];
	char firmware[9];
	char cmdline[256];
	char op_id[40];
	char state_file[INTEL_LM_REC_PATH_LEN];
	char tmp_file[INTEL_LM_REC_PATH_LEN];
	char boot_id[37];
	uint8_t outlived;
	uint8_t outlived_state;
	uint8_t may_run;
	uint8_t idle_before;
	uint8_t protocol;
	uint8_t load_lost;
	uint8_t still_runs;
	uint8_t reserved[59];
};

/**
 * struct intel_lm_record - one VF's record, opened for writing
 * @fd:		the record file
 * @path:	its path
 * @entry:	the entry as last written (or read); change it through the functions below
 * @existed:	the file held a valid entry when opened
 * @self:	this process's command line, which every write records
 */
struct intel_lm_record {
	int fd;
	char path[4096];
	struct intel_lm_rec_entry entry;
	bool existed;
	char self[256];
};

/**
 * intel_lm_record_state_kept() - Whether a saved VF's state is kept elsewhere
 * @e:		the VF's entry
 *
 * A saved VF holds its state in the device, disabled; replacing it there loses nothing when
 * the state is also elsewhere: in the VF a migration moved it to (the entry is that finished
 * migration's source), or in a state file on record, which is there and holds at least the
 * state's size. Its content is not read.
 *
 * Return: true when @e is saved, with nothing pending, and its state is kept elsewhere.
 */
bool intel_lm_record_state_kept(const struct intel_lm_rec_entry *e);

/**
 * intel_lm_record_path() - The record file of a VF
 * @dir:	the record's directory, or NULL for %INTEL_LM_STATE_DIR
 * @pf_key:	the PF's key (&struct intel_lm_pf_id)
 * @vf:		the VF index
 * @path:	where to write the path
 * @len:	its size
 *
 * Return: 0, or -ENAMETOOLONG when it does not fit (@path is then "").
 */
int intel_lm_record_path(const char *dir, const char *pf_key, uint16_t vf, char *path,
			 size_t len);

/**
 * intel_lm_record_open() - Open (or create) a VF's record for writing
 * @dir:	the record's directory, or NULL for %INTEL_LM_STATE_DIR; it must already be
 *		checked with intel_lm_own_dir()
 * @pf:		the PF's identity
 * @vf:		the VF index
 * @rec:	filled in; @rec->entry holds the current entry, or a fresh one (state running,
 *		seq 0) when the file is new
 *
 * The caller holds the VF's lock, so a command the entry shows as pending belongs to a
 * process that died with it in flight: the entry then says state unknown, @last_opcode that
 * command. The file is refused unless it is a regular file with one link, owned by the
 * effective user and not writable by group or others. A new file is written whole (zeros) and made durable
 * with its directory, so that later writes only overwrite data.
 *
 * Return: 0; -EBADMSG when the file holds no valid entry (both slots torn or corrupt: the
 * file is left as it is, and @rec->entry says state unknown); -EPERM or -ELOOP for an
 * untrusted file; another negative errno.
 */
int intel_lm_record_open(const char *dir, const struct intel_lm_pf_id *pf, uint16_t vf,
			 struct intel_lm_record *rec);

/**
 * intel_lm_record_close() - Close a record opened by intel_lm_record_open()
 * @rec:	the record; closing twice is harmless
 */
void intel_lm_record_close(struct intel_lm_record *rec);

/**
 * intel_lm_record_write() - Write @rec->entry durably (the next slot, then fdatasync)
 * @rec:	an open record whose entry the caller changed
 *
 * Sets the writer's pid and command line and the sequence number.
 *
 * Return: 0 or a negative errno (the previous entry then stays the valid one).
 */
int intel_lm_record_write(struct intel_lm_record *rec);

/**
 * intel_lm_record_begin() - Put a state-changing command's intent on record
 * @rec:	an open record
 * @opcode:	the command about to be sent
 *
 * The caller must not send the command unless this returns 0.
 *
 * Return: 0 or a negative errno.
 */
int intel_lm_record_begin(struct intel_lm_record *rec, uint8_t opcode);

/**
 * intel_lm_record_end() - Put a command's outcome on record
 * @rec:	an open record
 * @opcode:	the command that was sent
 * @ret:	what it returned
 * @next:	the opcode of a command sent right after on the same VF, whose intent is written
 *		in the same write, or 0
 *
 * The new state follows from intel_lm_state_after(); a command with no effect leaves the
 * state as it was.
 *
 * Return: 0 or a negative errno.
 */
int intel_lm_record_end(struct intel_lm_record *rec, uint8_t opcode, int ret, uint8_t next);

/**
 * intel_lm_record_take_charge() - Give the state a VF holds an identity, before SAVE_DATA
 * @rec:	an open record
 *
 * A state keeps the identity it has; one without (the VF's own) gets a fresh one, with this
 * VF as its origin. A VF that holds its own state or the one a LOAD_DATA in doubt brought
 * (@load_ident) is taken to hold the loaded one, also when it had an identity of its own (the
 * rule refuses that SAVE_DATA unless forced). It goes on record with the next write
 * (SAVE_DATA's intent).
 *
 * Return: 0 or a negative errno (from getrandom(2)).
 */
int intel_lm_record_take_charge(struct intel_lm_record *rec);

/**
 * intel_lm_record_loading() - The identity a LOAD_DATA brings, before its intent is written
 * @rec:	an open record
 * @incoming:	the identity of the state to load
 *
 * The entry names @incoming (@load_ident) from its next write on: a LOAD_DATA in flight may
 * have taken effect. Its outcome settles which state the VF holds: @incoming once it took
 * effect, the one it held without effect; in doubt the entry keeps both. A VF with no identity
 * of its own whose entry names the state an earlier LOAD_DATA in doubt brought takes that one
 * as its own (@ident) first: without effect, this LOAD_DATA leaves it there.
 */
void intel_lm_record_loading(struct intel_lm_record *rec, const struct intel_lm_identity *incoming);

/**
 * intel_lm_record_read() - Read a VF's record without opening it for writing
 * @path:	the record file
 * @entry:	filled in
 *
 * Checks the file as intel_lm_record_open() does. Never blocks on writers.
 *
 * Return: 0; -ENOENT when there is no record; -EBADMSG when no slot is valid; -EPERM or
 * -ELOOP for an untrusted file; another negative errno.
 */
int intel_lm_record_read(const char *path, struct intel_lm_rec_entry *entry);

/**
 * intel_lm_record_list() - The record files in a directory
 * @dir:	the record's directory, or NULL for %INTEL_LM_STATE_DIR
 * @paths:	set to an array of @count malloc'ed paths, sorted (free with
 *		intel_lm_record_list_free())
 * @count:	set to their number
 *
 * Return: 0 (also for a missing directory: no records) or a negative errno.
 */
int intel_lm_record_list(const char *dir, char ***paths, size_t *count);

/**
 * intel_lm_record_list_free() - Free what intel_lm_record_list() returned
 * @paths:	the array
 * @count:	its length
 */
void intel_lm_record_list_free(char **paths, size_t count);

/**
 * intel_lm_record_may_run() - whether a VF may be running the state its entry names
 * @e:		the entry, as read
 *
 * An entry whose state is unknown may be running unless what it knows says otherwise: the
 * command in doubt was a SAVE_DATA or LOAD_DATA of a VF that was not running, or its last
 * SUSPEND succeeded or was refused as out of sequence (Command Sequence Error: a device that
 * checks says so of a VF that runs nothing); one with @e->may_run or @e->still_runs set may
 * run even then.
 *
 * Return: true when the VF may be running.
 */
bool intel_lm_record_may_run(const struct intel_lm_rec_entry *e);

/**
 * intel_lm_record_outlive() - Count an entry's state as unknown, when it is one that a reboot
 *			       or a PF reset undoes
 * @e:		an entry as read
 * @why:	why (not %INTEL_LM_OUTLIVED_NO)
 *
 * An entry that says suspended, saved or loaded, or has a command pending, gets @why in
 * @e->outlived, its state in @e->outlived_state, and state unknown. intel_lm_record_read() and
 * intel_lm_record_open() do this for an entry of another boot than the current one (or of no
 * boot, when the current one is known); the caller does it for a PF reset it sees.
 *
 * Return: true when @e was outlived (now or before).
 */
bool intel_lm_record_outlive(struct intel_lm_rec_entry *e, enum intel_lm_outlived why);

/**
 * intel_lm_op_kind_name() - An operation kind's word
 * @op:		a kind
 *
 * Return: "none", "single", "batch" or "migrate"; never NULL.
 */
const char *intel_lm_op_kind_name(enum intel_lm_op_kind op);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_RECORD_H */
