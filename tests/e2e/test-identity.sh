#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End-to-end: the one rule (intel-lm-cold-migration(7), THE ONE RULE), through both programs
# against the emulated PF. Each case is one of issue 22's findings on 7cc76d0, where it exited
# 0 and lost a state or ran one state in two VFs:
# - migrate into a VF whose own state is saved and kept in no file;
# - a second migrate into the same destination (the first state then ran nowhere);
# - resume of a migration's source after its state ran elsewhere, and after save + load +
#   resume elsewhere;
# - a VF suspended outside intel-lm: resume sent nothing and said "resumed".
# Every refusal exits 3, sends nothing to the device, names the VFs or files in the way and
# carries JSON's stable "reason"; --force overrides.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init e2e-identity "$1"

FSFAULT_SO=$BUILD/tests/fsfault/libintel-lm-fsfault.so

# The device's truth: the state bytes a VF holds, by their CRC-32 (the emulator's dump).
crc_of_vf() {
	"$EMU_CTL" dump "$1" "$2" - | python3 -c 'import sys, zlib; print(zlib.crc32(sys.stdin.buffer.read()))'
}

for P in "${PROGS[@]}"; do
	p="[${P##*/}]"

	# 1. A destination saved with its state kept nowhere: loading over it would lose it.
	emu_two_pfs
	run $P suspend /dev/nvme1 --vf=1
	mkdir -p "$T/full"
	RC=0
	# shellcheck disable=SC2086 # P may be "nvme intel-lm"
	INTEL_LM_FSFAULT=write:ENOSPC INTEL_LM_FSFAULT_DIR=$T/full LD_PRELOAD="$EMU_SO:$FSFAULT_SO" \
		$P save /dev/nvme1 --vf=1 -o "$T/full/v1.blob" > /dev/null 2> "$T/err" || RC=$?
	ERR=$(cat "$T/err")
	expect_rc $RC_FAILED "$p save into a full disk fails after SAVE_DATA"
	expect_state nvme1 1 saved "$p ... the VF is saved, its state in no file"
	clear_trace
	run $P migrate /dev/nvme0 --vf=2 --to=/dev/nvme1 --to-vf=1 --output-format=json
	expect_rc $RC_REFUSED "$p migrate into a VF whose saved state is in no file is refused"
	expect_sent "06 06 06 06" "$p ... nothing but Identify reaches either PF"
	expect_err "holds the only copy" "$p ... the message says it is the last copy"
	expect_json 'j["error"]["reason"] == "last-copy" and j["error"]["vf"] == 1' \
		"$p ... from the library's outcome: reason last-copy, the destination VF"
	expect_state nvme1 1 saved "$p ... the destination still holds its state"
	run $P migrate /dev/nvme0 --vf=2 --to=/dev/nvme1 --to-vf=1 --force
	expect_rc 0 "$p --force migrates all the same"

	# 2. Two migrations into one destination: the second would destroy the first's state.
	emu_two_pfs
	run $P migrate /dev/nvme0 --vf=3 --to=/dev/nvme1 --to-vf=1
	expect_rc 0 "$p first migration into nvme1 VF 1"
	moved=$(crc_of_vf nvme1 1)
	clear_trace
	run $P migrate /dev/nvme0 --vf=4 --to=/dev/nvme1 --to-vf=1
	expect_rc $RC_REFUSED "$p a second migration into the same VF is refused"
	expect_sent "06 06 06 06" "$p ... and sends nothing but Identify"
	expect_state nvme1 1 running "$p ... nvme1 VF 1 runs on"
	expect_state nvme0 4 running "$p ... nvme0 VF 4 runs on"
	[ "$(crc_of_vf nvme1 1)" = "$moved" ] && pass "$p ... nvme1 VF 1 still holds VF 3's state" ||
		fail "$p ... nvme1 VF 1 still holds VF 3's state" "its bytes changed"

	# 3. The source of a finished migration: resuming it would run the state twice.
	clear_trace
	run $P resume /dev/nvme0 --vf=3 --output-format=json
	expect_rc $RC_REFUSED "$p resume of a migrated source is refused"
	expect_sent "06 06" "$p ... no RESUME is sent"
	expect_json 'j["error"]["reason"] == "runs-elsewhere" and "/dev/nvme1 VF 1" in j["error"]["message"]' \
		"$p ... reason runs-elsewhere, naming where it runs"
	expect_state nvme0 3 saved "$p ... the source stays saved"
	run $P resume /dev/nvme0 --vf=3 --force
	expect_rc 0 "$p --force resumes it all the same"

	# 3b. save + load + resume elsewhere, then resume of the source.
	emu_two_pfs
	rm -f "$T/v2.blob"
	run $P suspend /dev/nvme0 --vf=2
	run $P save /dev/nvme0 --vf=2 -o "$T/v2.blob"
	expect_rc 0 "$p save of nvme0 VF 2 into a file"
	run $P suspend /dev/nvme1 --vf=2
	run $P load /dev/nvme1 --vf=2 -i "$T/v2.blob"
	expect_rc 0 "$p load of the saved state into nvme1 VF 2"
	run $P resume /dev/nvme1 --vf=2
	expect_rc 0 "$p the destination runs it"
	clear_trace
	run $P resume /dev/nvme0 --vf=2
	expect_rc $RC_REFUSED "$p resume of the source after save + load + resume elsewhere is refused"
	expect_sent "06 06" "$p ... no RESUME is sent"
	# The same file again, into a third VF: an older copy of a state that ran since.
	run $P suspend /dev/nvme0 --vf=4
	clear_trace
	run $P load /dev/nvme0 --vf=4 -i "$T/v2.blob" --output-format=json
	expect_rc $RC_REFUSED "$p loading the same file into a third VF is refused"
	expect_json 'j["error"]["reason"] in ("runs-elsewhere", "stale")' "$p ... with its reason"
	expect_sent "06 06" "$p ... and sends no LOAD_DATA"
	expect_state nvme0 4 suspended "$p ... the third VF keeps its own state"

	# 4. A VF suspended outside intel-lm: resume sends RESUME whatever the record says.
	emu_two_pfs
	LD_PRELOAD=$EMU_SO /usr/sbin/nvme admin-passthru /dev/nvme0 --opcode=0xc8 --cdw10=3 \
		> /dev/null 2>&1
	expect_state nvme0 3 suspended "$p the VF is suspended behind intel-lm's back"
	clear_trace
	run $P resume /dev/nvme0 --vf=3
	expect_rc 0 "$p resume of a VF on record as running succeeds"
	expect_sent "06 06 cc" "$p ... and sends RESUME"
	expect_state nvme0 3 running "$p ... the VF runs again"
	expect_err "RESUME was sent all the same" "$p ... and says what it sent"
	# A device that refuses RESUME of a VF not suspended: nothing changed, as the record says.
	emu_two_pfs "strict = 1"
	clear_trace
	run $P resume /dev/nvme0 --vf=3 --output-format=json
	expect_rc 0 "$p strict: resume of a running VF exits 0"
	expect_sent "06 06 cc" "$p strict: ... RESUME was sent"
	expect_json 'j["changed"] is False and j["state"] == "running"' "$p strict: ... changed false"
	grep -qF "Command Sequence Error (0x400c)" <<< "$OUT$ERR" &&
		pass "$p strict: ... the device's answer is named" ||
		fail "$p strict: ... the device's answer is named" "$OUT $ERR"
done
e2e_finish
