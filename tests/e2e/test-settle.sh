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
	emu_two_pfs "fault = 0xd2 1 0x400c"
	run "$P" suspend /dev/nvme0 --vf=2
	run "$P" save /dev/nvme0 --vf=2 -o "$D/refused.blob"
	l="$p refused SAVE_DATA"
	expect_rc $RC_DEVICE "$l: save exits 4"
	run "$P" status /dev/nvme0 --vf=2
	expect_out "last: SAVE_DATA was refused by the device: Command Sequence Error (status 0x400c" \
		"$l: status says refused, with the decoded status"
	expect_out "it changed nothing (the VF stayed suspended)" "$l: status says it changed nothing"
	if grep -qE "interrupted|next:" <<< "$OUT"; then
		fail "$l: status says nothing was interrupted" "$OUT"
	else
		pass "$l: status says nothing was interrupted"
	fi
	run "$P" status /dev/nvme0 --vf=2 --output-format=json
	expect_json '(lambda v: v["state"] == "suspended" and v["unresolved"] is False and v["next"] is None and v["last_operation"]["open"] is False and v["last_refused"]["command"] == "SAVE_DATA" and v["last_refused"]["status"] == 0x400c)(j["vfs"][0])' \
		"$l: JSON last_refused, settled"
	run "$P" recover /dev/nvme0
	expect_rc 0 "$l: recover has nothing to settle"
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
done

e2e_finish
