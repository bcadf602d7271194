#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End-to-end: what status, recover and migrate say once a command was refused, interrupted or
# never sent, and what they advise: a refused SAVE_DATA in status, hints about directories and
# record errors, steps never sent in migrate's report, a kill -9 during save's file write,
# recover's exit statuses, safety copies a recover settles.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init e2e-settle "$1"
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"
FSFAULT_SO=$BUILD/tests/fsfault/libintel-lm-fsfault.so
D=$T/files
mkdir -p "$D"

for P in "${PROGS[@]}"; do
	p=${P##*/}

	# --- a SAVE_DATA the device refused -------------------------------------------------
	# A Command Sequence Error says the VF is not suspended, as the record says it is: the
	# record is wrong, and the VF's state unknown (it may run), until the operator settles it.
	emu_two_pfs "fault = 0xd2 1 0x400c"
	run "$P" suspend /dev/nvme0 --vf=2
	run "$P" save /dev/nvme0 --vf=2 -o "$D/refused.blob"
	l="$p refused SAVE_DATA"
	expect_rc $RC_DEVICE "$l: save exits 4"
	run "$P" status /dev/nvme0 --vf=2
	expect_out "SAVE_DATA was refused by the device (status 0x400c) and changed nothing, but the VF's state is unknown" \
		"$l: status says refused, with the status, and the state unknown"
	expect_out "--confirm=running' (or suspended)" "$l: status says how to settle it"
	if grep -qE "interrupted|in flight" <<< "$OUT"; then
		fail "$l: status says nothing was interrupted" "$OUT"
	else
		pass "$l: status says nothing was interrupted"
	fi
	run "$P" status /dev/nvme0 --vf=2 --output-format=json
	expect_json '(lambda v: v["state"] == "unknown" and v["unresolved"] is True and v["last_operation"]["open"] is False and "SAVE_DATA was refused by the device (status 0x400c)" in v["next"])(j["vfs"][0])' \
		"$l: JSON says the refusal and the state unknown"
	run "$P" recover /dev/nvme0 --vf=2 --confirm=suspended
	expect_rc 0 "$l: recover --confirm=suspended settles it"
	expect_state nvme0 2 suspended "$l: the VF is still suspended"
	run "$P" save /dev/nvme0 --vf=2 -o "$D/refused.blob"
	expect_rc 0 "$l: a second save succeeds"
	run "$P" status /dev/nvme0 --vf=2
	if grep -q "last:" <<< "$OUT"; then
		fail "$l: a later success clears the refusal" "$OUT"
	else
		pass "$l: a later success clears the refusal"
	fi
	rm -f "$D/refused.blob"

	# --- a shared directory as the lock or record directory: never chmod/chown it --------
	emu_two_pfs
	mkdir -p "$T/sticky" "$T/own"
	chmod 1777 "$T/sticky"
	# (/ itself is root's own and not writable by others: trusted, never refused.)
	for dir in /tmp /tmp/ /var/tmp /dev/shm "$T/sticky"; do
		for kind in LOCK STATE; do
			[ -d "$dir" ] || continue
			l="$p INTEL_LM_${kind}_DIR=$dir"
			clear_trace
			if [ $kind = LOCK ]; then
				INTEL_LM_LOCK_DIR=$dir run "$P" suspend /dev/nvme0 --vf=1
			else
				INTEL_LM_STATE_DIR=$dir run "$P" suspend /dev/nvme0 --vf=1
			fi
			expect_rc $RC_REFUSED "$l: refused"
			expect_sent "" "$l: nothing sent"
			expect_err "is a directory the system and other users share: do not change its owner or mode; name a dedicated directory instead, such as the default INTEL_LM_${kind}_DIR=" \
				"$l: advises a dedicated directory"
			if grep -qE "chmod|chown" <<< "$ERR"; then
				fail "$l: never advises chmod or chown" "$ERR"
			else
				pass "$l: never advises chmod or chown"
			fi
		done
		INTEL_LM_STATE_DIR=$dir run "$P" status
		expect_rc $RC_REFUSED "$p status with INTEL_LM_STATE_DIR=$dir: refused"
		expect_err "name a dedicated directory instead" "$p status with INTEL_LM_STATE_DIR=$dir: advises a dedicated directory"
		grep -q "mode 0700, or name another" <<< "$ERR" &&
			fail "$p status with INTEL_LM_STATE_DIR=$dir: no mode change advised" "$ERR" ||
			pass "$p status with INTEL_LM_STATE_DIR=$dir: no mode change advised"
	done
	# A directory of intel-lm's own that others can write: fixing its mode is the advice.
	chmod 0777 "$T/own"
	INTEL_LM_LOCK_DIR=$T/own run "$P" suspend /dev/nvme0 --vf=1
	expect_err "chmod 0700 $T/own" "$p a dedicated directory others can write: chmod it"

	# --- the record cannot be written: the hint follows the errno ------------------------
	# no_owner_hint DESC: the last stderr names no owner or mode as the cause.
	no_owner_hint() {
		if grep -qE "root's, mode|only root can write|chown|chmod|owned by" <<< "$ERR"; then
			fail "$1: no ownership hint" "$ERR"
		else
			pass "$1: no ownership hint"
		fi
	}
	emu_two_pfs
	for s in "ENOSPC:free space on the file system of $INTEL_LM_STATE_DIR" \
		 "EDQUOT:the disk quota on the file system of $INTEL_LM_STATE_DIR is used up" \
		 "EIO:the disk under $INTEL_LM_STATE_DIR reported an I/O error" \
		 "EROFS:the file system of $INTEL_LM_STATE_DIR is read-only: remount it read-write"; do
		e=${s%%:*} words=${s#*:}
		# A new record file (written whole when created), then an entry of an existing one.
		for vf in 2 3; do
			[ $vf = 3 ] && LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=3 > /dev/null 2>&1
			cmd=$([ $vf = 2 ] && echo suspend || echo resume)
			l="$p $e on the record ($cmd, $([ $vf = 2 ] && echo new || echo existing) file)"
			clear_trace
			RC=0
			INTEL_LM_FSFAULT=write:$e INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
				LD_PRELOAD="$EMU_SO:$FSFAULT_SO" $P $cmd /dev/nvme0 --vf=$vf \
				> "$T/out" 2> "$T/err" || RC=$?
			ERR=$(cat "$T/err")
			expect_rc $RC_REFUSED "$l: refused"
			expect_err "($e); nothing was sent" "$l: names the errno"
			expect_err "next: $words" "$l: the hint says what to do about $e"
			no_owner_hint "$l"
			[ $vf = 3 ] && LD_PRELOAD=$EMU_SO $P resume /dev/nvme0 --vf=3 > /dev/null 2>&1
		done
	done
	# migrate, whose record write fails before its second step
	RC=0
	INTEL_LM_FSFAULT=fsync:EIO INTEL_LM_FSFAULT_AFTER=2 INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
		LD_PRELOAD="$EMU_SO:$FSFAULT_SO" $P migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 \
		> "$T/out" 2> "$T/err" || RC=$?
	ERR=$(cat "$T/err")
	l="$p migrate, EIO on the record"
	expect_rc $RC_FAILED "$l: exit 1"
	expect_err "make the record writable: the disk under $INTEL_LM_STATE_DIR reported an I/O error" \
		"$l: the hint says I/O error"
	no_owner_hint "$l"
	# The real thing: a full file system, a read-only one.
	mkdir -p "$T/full" "$T/ro"
	if mount -t tmpfs -o size=16k,mode=0700 tmpfs "$T/full" 2> /dev/null &&
	   mount -t tmpfs -o ro,mode=0700 tmpfs "$T/ro" 2> /dev/null; then
		dd if=/dev/zero of="$T/full/filler" bs=1k count=64 2> /dev/null
		INTEL_LM_STATE_DIR=$T/full run "$P" suspend /dev/nvme0 --vf=4
		expect_err "next: free space on the file system of $T/full" "$p a full record file system: free space"
		no_owner_hint "$p a full record file system"
		INTEL_LM_STATE_DIR=$T/ro run "$P" suspend /dev/nvme0 --vf=4
		expect_err "next: the file system of $T/ro is read-only" "$p a read-only record file system: says so"
		no_owner_hint "$p a read-only record file system"
		umount "$T/full" "$T/ro"
	else
		fail "$p full and read-only tmpfs" "cannot mount a tmpfs (run as root)"
	fi
	# An untrusted record file: then the owner and mode are the fix.
	emu_two_pfs
	run "$P" suspend /dev/nvme0 --vf=2
	chmod 0666 "$INTEL_LM_STATE_DIR/pci-0000:3b:00.0-vf2.rec"
	run "$P" resume /dev/nvme0 --vf=2
	expect_err "(EPERM); nothing was sent" "$p a record file others can write: EPERM"
	expect_err "next: the record must be a regular file of root's, mode 0600" \
		"$p a record file others can write: the owner and mode are the fix"

	# --- migrate's report: a step never sent is never "ok" ---------------------------------
	emu_two_pfs
	mkdir -p "$T/nokeep"
	if mount -t tmpfs -o size=16k tmpfs "$T/nokeep" 2> /dev/null; then
		dd if=/dev/zero of="$T/nokeep/filler" bs=1k count=64 2> /dev/null
		clear_trace
		run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --keep="$T/nokeep/keep"
		l="$p migrate with no room for its copy"
		expect_rc $RC_FAILED "$l: exit 1"
		case " $(sent_opcodes) " in
		*" d2 "*) fail "$l: SAVE_DATA not sent" "$(sent_opcodes)" ;;
		*) pass "$l: SAVE_DATA not sent" ;;
		esac
		if grep -qE "source save +not run *$" <<< "$OUT" && ! grep -qE "source save +ok" <<< "$OUT"; then
			pass "$l: the report shows source save as not run"
		else
			fail "$l: the report shows source save as not run" "$OUT"
		fi
		expect_out "keep the state       FAILED" "$l: the keep step failed"
		LD_PRELOAD=$EMU_SO $P resume /dev/nvme1 --vf=1 > /dev/null 2>&1
		run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --keep="$T/nokeep/keep" --output-format=json
		expect_json '[(s["step"], s["outcome"]) for s in j["steps"]][2:5] == [("source query-size", "ok"), ("source save", "not run"), ("keep the state", "failed")] and j["steps"][3]["time_ns"] == 0' \
			"$l: JSON: source save not run, time 0"
		umount "$T/nokeep"
	else
		fail "$p migrate with no room for its copy" "cannot mount a tmpfs (run as root)"
	fi
	emu_two_pfs
	clear_trace
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --dry-run
	l="$p migrate --dry-run"
	expect_rc 0 "$l: exit 0"
	expect_sent "06 06 06 06" "$l: only Identify sent"
	if grep -qE "^  (destination|source|keep).* ok " <<< "$OUT" || grep -q downtime <<< "$OUT"; then
		fail "$l: no step reported ok, no downtime" "$OUT"
	else
		pass "$l: no step reported ok, no downtime"
	fi
	expect_out "source save          would run" "$l: the save would run"
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --dry-run --output-format=json
	expect_json 'all(s["outcome"] == "would run" and s["time_ns"] == 0 for s in j["steps"]) and j["downtime_ns"] == 0' \
		"$l: JSON: every step would run, no time"

	# --- recover's exit statuses: one table (nvme-intel-lm-recover(1), EXIT STATUS) --------
	emu_two_pfs "completion_delay.0xc8 = 1500000"
	l="$p recover exit status"
	run "$P" recover
	expect_rc 0 "$l: nothing on record: 0"
	run "$P" recover --confirm=running
	expect_rc $RC_USAGE "$l: --confirm without a device: 2"
	run "$P" recover /dev/nvme0 --vf=1 --confirm=bogus
	expect_rc $RC_USAGE "$l: --confirm of no state: 2"
	run "$P" recover /dev/nvme9
	expect_rc $RC_REFUSED "$l: a device that cannot be opened: 3"
	run "$P" recover /dev/nvme0 --vf=9
	expect_rc $RC_REFUSED "$l: a VF the PF does not have: 3"
	# VF 1 unknown: a suspend killed with its SUSPEND applied, the completion pending.
	start_killed nvme0 0xc8 ran "$l: VF 1's suspend killed" "$P" suspend /dev/nvme0 --vf=1
	# VF 2 known (resumed, after a quick suspend without the delay: nvme1 has none).
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme1 --vf=2 > /dev/null 2>&1
	run "$P" recover
	expect_rc $RC_UNKNOWN "$l: an unknown VF left for --confirm: 5"
	run "$P" recover /dev/nvme1 --vf=2 --confirm=running
	expect_rc $RC_REFUSED "$l: --confirm of a known state, nothing else unresolved: 3"
	run "$P" recover /dev/nvme1 --vf=2 --confirm=running --output-format=json
	expect_json 'j["exit_status"] == 3' "$l: JSON exit_status 3 for a refused --confirm"
	run "$P" recover --vf=2 --output-format=json
	expect_rc 0 "$l: only the settled VF selected: 0"
	chmod 0777 "$INTEL_LM_STATE_DIR"
	run "$P" recover
	expect_rc $RC_REFUSED "$l: an untrusted record directory: 3"
	chmod 0700 "$INTEL_LM_STATE_DIR"
	# The record cannot be written when --confirm settles VF 1: it stays unresolved.
	RC=0
	INTEL_LM_FSFAULT=write:EIO INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
		LD_PRELOAD="$EMU_SO:$FSFAULT_SO" $P recover /dev/nvme0 --vf=1 --confirm=suspended \
		> "$T/out" 2> "$T/err" || RC=$?
	OUT=$(cat "$T/out") ERR=$(cat "$T/err")
	expect_rc $RC_UNKNOWN "$l: --confirm whose record write fails: 5"
	expect_out "the record could not be written: EIO" "$l: ... and says why"
	expect_out "1 VF unresolved" "$l: ... and counts it unresolved"
	[ "$(rec_state /dev/nvme0 1)" = unknown ] && pass "$l: ... the record still says unknown" ||
		fail "$l: ... the record still says unknown" "$(rec_state /dev/nvme0 1)"
	# Another process holds the lock of the VF --confirm names: not settled.
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
time.sleep(10)' "$INTEL_LM_LOCK_DIR/pci-0000:3b:00.0-vf1.lock" &
	holder=$!
	for i in $(seq 1 50); do
		flock -n "$INTEL_LM_LOCK_DIR/pci-0000:3b:00.0-vf1.lock" true || break
		sleep 0.1
	done
	run "$P" recover /dev/nvme0 --vf=1 --confirm=suspended --wait=0
	expect_rc $RC_UNKNOWN "$l: --confirm of a VF another process holds: 5"
	kill $holder 2> /dev/null
	wait $holder 2> /dev/null
	# The same for a VF whose state the record knows: not refused (3), not settled either.
	lk=$(ls "$INTEL_LM_LOCK_DIR" | grep -- '-vf2\.lock$' | grep -v '^pci-0000:3b:00\.0-')
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
time.sleep(10)' "$INTEL_LM_LOCK_DIR/$lk" &
	holder=$!
	for i in $(seq 1 50); do
		flock -n "$INTEL_LM_LOCK_DIR/$lk" true || break
		sleep 0.1
	done
	run "$P" recover /dev/nvme1 --vf=2 --confirm=running --wait=0
	expect_rc $RC_UNKNOWN "$l: --confirm of a known VF another process holds: 5"
	expect_out "left alone:" "$l: ... and says it was left alone"
	kill $holder 2> /dev/null
	wait $holder 2> /dev/null
	run "$P" recover /dev/nvme0 --vf=1 --confirm=suspended
	expect_rc 0 "$l: --confirm that settles the last unknown VF: 0"
	start_killed nvme0 0xc8 ran "$l: VF 3's suspend killed" "$P" suspend /dev/nvme0 --vf=3
	run "$P" recover --vf=2
	expect_rc 0 "$l: the unknown VF not selected: 0"
	run "$P" recover --vf=2,3
	expect_rc $RC_UNKNOWN "$l: an unknown VF among those selected: 5"

	# --- kill -9 during save: SAVE_DATA in flight, or done and the file being written ----
	emu_two_pfs
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=1 > /dev/null 2>&1
	mkdir -p "$D/slow"
	rm -f "$T/fsfault.log"
	l="$p kill -9 during save's file write"
	INTEL_LM_FSFAULT=write:slow:3000 INTEL_LM_FSFAULT_DIR=$D/slow \
		INTEL_LM_FSFAULT_LOG=$T/fsfault.log LD_PRELOAD="$EMU_SO:$FSFAULT_SO" \
		$P save /dev/nvme0 --vf=1 -o "$D/slow/b" > "$T/out" 2> "$T/err" &
	pid=$!
	# Once the file's first write began (fsfault's log), not after a guess of how long.
	if wait_until grep -q "^write slow $D/slow/" "$T/fsfault.log" 2> /dev/null; then
		kill -KILL $pid 2> /dev/null
		pass "$l: the kill came during the file's write"
	else
		kill -KILL $pid 2> /dev/null
		fail "$l: the kill came during the file's write" "no slowed write in 20 s"
	fi
	wait $pid 2> /dev/null
	expect_state nvme0 1 saved "$l: the device saved the VF"
	run "$P" status /dev/nvme0 --vf=1
	expect_out "SAVE_DATA completed, then the single was interrupted while it wrote the state's file" \
		"$l: status says SAVE_DATA completed and the write was interrupted"
	if grep -q "in flight" <<< "$OUT"; then
		fail "$l: status does not say SAVE_DATA was in flight" "$OUT"
	else
		pass "$l: status does not say SAVE_DATA was in flight"
	fi
	run "$P" status /dev/nvme0 --vf=1 --output-format=json
	expect_json '(lambda v: v["state"] == "saved" and v["pending"] is None and v["unresolved"] is True and v["state_file"] is None)(j["vfs"][0])' \
		"$l: JSON saved, nothing pending, unresolved"
	run "$P" recover /dev/nvme0
	expect_rc 0 "$l: recover closes it"
	expect_out "the VF is saved and its state is in no file" "$l: recover says no file holds the state"
	left=$(ls -A "$D/slow")
	[ -z "$left" ] && pass "$l: no file, no temporary file after recover" ||
		fail "$l: no file, no temporary file after recover" "$left"
	emu_two_pfs "completion_delay.0xd2 = 1500000"
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=1 > /dev/null 2>&1
	l="$p kill -9 with SAVE_DATA in flight"
	start_killed nvme0 0xd2 ran "$l" "$P" save /dev/nvme0 --vf=1 -o "$D/slow/b"
	run "$P" status /dev/nvme0 --vf=1
	expect_out "in flight: SAVE_DATA (its effect is unknown)" "$l: status says in flight"
	run "$P" status /dev/nvme0 --vf=1 --output-format=json
	expect_json '(lambda v: v["state"] == "unknown" and v["pending"] == "SAVE_DATA")(j["vfs"][0])' \
		"$l: JSON unknown, SAVE_DATA pending"
	rm -rf "$D/slow"

	# --- migrate's safety copy, once recover settles the migration ---------------------------
	# The destination RESUME applied, its completion lost: --confirm=running completes it.
	emu_two_pfs "" "completion_delay.0xcc = 1500000"
	l="$p safety copy, migration completed by --confirm"
	start_killed nvme1 0xcc ran "$l" "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1
	copy=$(ls "$TMPDIR"/intel-lm-migrate-* 2> /dev/null)
	[ -n "$copy" ] && pass "$l: migrate left its safety copy" || fail "$l: migrate left its safety copy" "none"
	run "$P" recover /dev/nvme1 --vf=1 --confirm=running --dry-run
	expect_out "would remove its safety copy $copy" "$l: --dry-run says it would remove it"
	[ -e "$copy" ] && pass "$l: --dry-run removes nothing" || fail "$l: --dry-run removes nothing" "gone"
	run "$P" recover /dev/nvme1 --vf=1 --confirm=running
	expect_rc 0 "$l: settled"
	expect_out "removed its safety copy $copy (the state runs again)" "$l: recover says it removed it"
	[ ! -e "$copy" ] && pass "$l: the copy is gone" || fail "$l: the copy is gone" "$copy"
	run "$P" status /dev/nvme0 --vf=1 --output-format=json
	expect_json 'j["vfs"][0]["state_file"] is None' "$l: the source's entry no longer names it"

	# The destination's record lost, then settled by hand: recover closes the source's part,
	# whose state may run nowhere else: the copy stays, and the report says so.
	emu_two_pfs "" "completion_delay.0xd5 = 1500000"
	l="$p safety copy, the other VF's record moved on"
	start_killed nvme1 0xd5 ran "$l" "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1
	copy=$(ls "$TMPDIR"/intel-lm-migrate-* 2> /dev/null)
	dst_rec=$(ls "$INTEL_LM_STATE_DIR" | grep -- '-vf1\.rec$' | grep -v '^pci-0000:3b:00\.0-')
	[ -n "$dst_rec" ] && rm -f "$INTEL_LM_STATE_DIR/$dst_rec"
	run "$P" recover
	expect_rc $RC_UNKNOWN "$l: the destination's record missing: 5"
	run "$P" recover /dev/nvme1 --vf=1 --confirm=suspended
	expect_rc 0 "$l: the destination settled by hand"
	run "$P" recover
	expect_rc 0 "$l: recover closes the source's part: 0"
	expect_out "closed: the other VF's record no longer belongs to migration" "$l: says it closed it"
	expect_out "its safety copy $copy is kept: the source is saved and its state may run nowhere else" \
		"$l: says the copy is kept, and why"
	[ -e "$copy" ] && pass "$l: the copy is kept" || fail "$l: the copy is kept" "gone"
	rm -f "$copy"
done

e2e_finish
