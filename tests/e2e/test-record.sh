#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End-to-end: intel-lm's durable record of each VF, status and recover, against the emulated
# PF's truth (intel-lm-emu show). A process killed with SIGKILL at every step of migrate,
# batches and single commands (the command in flight, or applied with its completion pending),
# signals at every step, a full file system, a failing directory fsync, hostile record
# contents and directories, a lost report.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init e2e-record "$1"
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"
FSFAULT_SO=$BUILD/tests/fsfault/libintel-lm-fsfault.so
D=$T/files
mkdir -p "$D"

# The emulator's truth as a status word: saved and loaded VFs are not running either.
truth() {
	vf_state "$1" "$2"
}

# How many of source nvme0 VF 1 and destination nvme1 VF 1 run the source's state (origin
# SRC0001/vf1; the destination runs a state of its own until it is loaded).
running_copies() {
	local n=0 pf
	for pf in nvme0 nvme1; do
		"$EMU_CTL" show $pf 1 | grep -q '^state=running .*origin=SRC0001/vf1 ' && n=$((n + 1))
	done
	echo $n
}

# Whether the running one of the two holds the source's state (origin SRC0001/vf1).
source_state_runs() {
	local pf
	for pf in nvme0 nvme1; do
		if [ "$(truth $pf 1)" = running ]; then
			"$EMU_CTL" show $pf 1 | grep -q 'origin=SRC0001/vf1 crc=ok' && return 0
		fi
	done
	return 1
}


# status agrees with the emulator for VF $2 of $1 (device path $3), or says unknown when
# $4 = inflight names that VF.
expect_status_truth() {
	local pf=$1 vf=$2 dev=$3 inflight=$4 desc=$5 got want
	got=$(rec_state "$dev" "$vf")
	want=$(truth "$pf" "$vf")
	if [ "$got" = "$want" ] || { [ "$got" = unknown ] && [ "$inflight" = yes ]; }; then
		pass "$desc"
	else
		fail "$desc" "status says $got, the device is $want (in flight: $inflight)"
	fi
}

for P in "${PROGS[@]}"; do
	p=${P##*/}

	# --- the record of plain commands ---------------------------------------------------
	emu_two_pfs
	run "$P" status --output-format=json
	expect_rc 0 "$p status with no record exits 0"
	expect_json 'j["vfs"] == [] and "not a reading of the device" in j["source"]' \
		"$p status with no record: empty, and says what it is"
	run "$P" suspend /dev/nvme0 --vf=2
	run "$P" status /dev/nvme0 --output-format=json
	expect_json '[ (v["vf"], v["state"], v["recorded"]) for v in j["vfs"] ] == [(1, "running", False), (2, "suspended", True), (3, "running", False), (4, "running", False)]' \
		"$p status: each VF, recorded or not"
	expect_json 'j["vfs"][1]["pid"] > 0 and "suspend" in j["vfs"][1]["command"] and j["vfs"][1]["state_file"] is None' \
		"$p status: by whom, and no state file yet"
	run "$P" save /dev/nvme0 --vf=2 -o "$D/b2"
	run "$P" status /dev/nvme0 --vf=2 --output-format=json
	crc=$(python3 -c 'import sys,zlib; print(zlib.crc32(open(sys.argv[1],"rb").read()[256:]))' "$D/b2")
	expect_json "j['vfs'][0]['state'] == 'saved' and j['vfs'][0]['state_file'] == '$D/b2' and j['vfs'][0]['state_crc32'] == $crc" \
		"$p status: saved, with the file and its CRC"
	run "$P" status /dev/nvme0 --vf=2
	expect_out "VF 2     saved" "$p status normal: the state"
	expect_out "state file: $D/b2" "$p status normal: the file"
	expect_out "the device itself cannot be asked" "$p status normal: says it is the record"
	run "$P" status
	expect_out "PF pci-0000:3b:00.0 (/dev/nvme0)" "$p status without a device: every PF on record"
	rec=$(ls "$INTEL_LM_STATE_DIR")
	[ "$rec" = "pci-0000:3b:00.0-vf2.rec" ] && pass "$p the record is keyed by the PCI address" ||
		fail "$p the record is keyed by the PCI address" "$rec"
	[ "$(stat -c %a "$INTEL_LM_STATE_DIR")" = 700 ] && [ "$(stat -c %a "$INTEL_LM_STATE_DIR/$rec")" = 600 ] &&
		pass "$p record directory 0700, file 0600" || fail "$p record modes" "$(ls -la "$INTEL_LM_STATE_DIR")"
	size=$(stat -c %s "$INTEL_LM_STATE_DIR/$rec")
	for i in $(seq 1 20); do
		LD_PRELOAD=$EMU_SO $P resume /dev/nvme0 --vf=2 > /dev/null 2>&1
		LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=2 > /dev/null 2>&1
	done
	[ "$(stat -c %s "$INTEL_LM_STATE_DIR/$rec")" = "$size" ] &&
		pass "$p the record does not grow" || fail "$p the record does not grow" "it grew"
	run "$P" recover
	expect_rc 0 "$p recover with nothing interrupted exits 0"
	expect_out "0 VFs unresolved" "$p recover says nothing is unresolved"
	rm -f "$D/b2"

	# --- SIGKILL during migrate, at every step ----------------------------------------
	# step:opcode:PF:the VF with a command in flight (src or dst). The source's SUSPEND and
	# SAVE_DATA intents are written together before the downtime, so the source may be
	# unknown from its SUSPEND to the end of SAVE_DATA, QUERY_DATA_SIZE included.
	for s in "dst-suspend:0xc8:2:dst" "src-suspend:0xc8:1:src" "src-query:0xc4:1:src" \
		 "src-save:0xd2:1:src" "dst-load:0xd5:2:dst" "dst-resume:0xcc:2:dst"; do
		IFS=: read -r step opc pf who <<< "$s"
		for phase in inflight applied; do
			key=$([ $phase = inflight ] && echo latency || echo completion_delay)
			at=$([ $phase = inflight ] && echo arrived || echo ran)
			cfg="$key.$opc = 1500000"
			if [ "$pf" = 1 ]; then emu_two_pfs "$cfg" ""; else emu_two_pfs "" "$cfg"; fi
			l="$p kill -9 at $step ($phase)"
			start_killed "nvme$((pf - 1))" "$opc" $at "$l" "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1
			expect_status_truth nvme0 1 /dev/nvme0 "$([ "$who" = src ] && echo yes || echo no)" \
				"$l: status of the source"
			expect_status_truth nvme1 1 /dev/nvme1 "$([ "$who" = dst ] && echo yes || echo no)" \
				"$l: status of the destination"
			[ "$(running_copies)" -le 1 ] && pass "$l: at most one running copy" ||
				fail "$l: at most one running copy" "both run"
			run "$P" recover --output-format=json
			n=$(running_copies)
			if [ "$RC" = 0 ]; then
				[ "$n" = 1 ] && source_state_runs && pass "$l: recover leaves exactly one running copy" ||
					fail "$l: recover leaves exactly one running copy" "$n run"
			else
				[ "$n" -le 1 ] && pass "$l: recover leaves at most one running copy" ||
					fail "$l: recover leaves at most one running copy" "$n run"
				# The operator looks at each unknown VF and says what it is.
				for v in "nvme0 /dev/nvme0" "nvme1 /dev/nvme1"; do
					set -- $v
					if [ "$(rec_state "$2" 1)" = unknown ]; then
						t=$(truth "$1" 1)
						[ "$t" = running ] || t=suspended
						run "$P" recover "$2" --vf=1 --confirm=$t
					fi
				done
				run "$P" recover
				expect_rc 0 "$l: recover after --confirm settles everything"
				[ "$(running_copies)" = 1 ] && source_state_runs &&
					pass "$l: then exactly one copy runs, the source's state" ||
					fail "$l: then exactly one copy runs, the source's state" "$(running_copies) run"
			fi
			left=$(ls -A "$TMPDIR")
			[ -z "$left" ] && pass "$l: no safety copy or temporary file left once settled" ||
				fail "$l: no safety copy or temporary file left once settled" "$left"
		done
	done

	# The destination RESUME applied but its completion lost: recover never resumes the
	# source; the operator's word settles it either way.
	emu_two_pfs "" "completion_delay.0xcc = 1500000"
	start_killed nvme1 0xcc ran "$p unknown destination RESUME" \
		"$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1
	run "$P" recover --output-format=json
	expect_rc $RC_UNKNOWN "$p unknown destination RESUME: recover exits 5"
	expect_json 'any("--confirm=running" in (v["next"] or "") for v in j["vfs"])' \
		"$p unknown destination RESUME: says how to settle it"
	expect_state nvme0 1 saved "$p unknown destination RESUME: the source is not resumed"
	run "$P" recover /dev/nvme1 --vf=1 --confirm=running
	expect_rc 0 "$p --confirm=running settles the migration as done"
	[ "$(running_copies)" = 1 ] && expect_state nvme1 1 running "$p and the destination alone runs"

	# Killed with the destination's LOAD_DATA in flight: its RESUME went on record with it, so
	# status says it may have followed, and recover leaves both VFs to the operator.
	emu_two_pfs "" "completion_delay.0xd5 = 1500000"
	l="$p kill -9 during the destination's LOAD_DATA"
	start_killed nvme1 0xd5 ran "$l" "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1
	run "$P" status /dev/nvme1 --vf=1
	expect_out "in flight: LOAD_DATA, then perhaps RESUME (their effect is unknown)" "$l: status says so"
	run "$P" status /dev/nvme1 --vf=1 --output-format=json
	expect_json 'j["vfs"][0]["pending"] == "LOAD_DATA" and j["vfs"][0]["pending_then"] == "RESUME"' \
		"$l: JSON pending, pending_then"
	run "$P" status /dev/nvme0 --vf=1 --output-format=json
	expect_json 'j["vfs"][0]["pending"] is None and j["vfs"][0]["pending_then"] is None' \
		"$l: JSON: nothing pending on the source"
	run "$P" recover
	expect_rc $RC_UNKNOWN "$l: recover exits 5"
	expect_state nvme0 1 saved "$l: the source is not resumed"
	run "$P" recover /dev/nvme1 --vf=1 --confirm=suspended
	expect_rc 0 "$l: --confirm=suspended settles it"
	expect_state nvme0 1 running "$l: and recover resumes the source"
	[ "$(running_copies)" = 1 ] && pass "$l: one running copy" || fail "$l: one running copy" "$(running_copies)"

	# --- SIGKILL of batches and single commands -----------------------------------------
	emu_two_pfs "completion_delay.0xd2 = 1500000"
	run "$P" suspend /dev/nvme0 --vf=1-3
	start_killed nvme0 0xd2 ran "$p kill -9 in a batch save" \
		"$P" save /dev/nvme0 --vf=1-3 --jobs=1 -o "$D/batch"
	expect_status_truth nvme0 1 /dev/nvme0 yes "$p kill -9 in a batch save: VF 1 (in flight)"
	expect_status_truth nvme0 2 /dev/nvme0 no "$p kill -9 in a batch save: VF 2"
	expect_status_truth nvme0 3 /dev/nvme0 no "$p kill -9 in a batch save: VF 3"
	left=$(ls -A "$D/batch")
	[ -z "$left" ] && pass "$p kill -9 in a batch save: no file, no temporary file" ||
		fail "$p kill -9 in a batch save: no file, no temporary file" "$left"
	run "$P" recover /dev/nvme0
	expect_rc $RC_UNKNOWN "$p recover leaves the unknown VF unresolved"
	expect_out "SAVE_DATA was in flight when its process died" "$p recover says what was in flight"
	run "$P" resume /dev/nvme0 --vf=1
	run "$P" recover /dev/nvme0
	expect_rc 0 "$p a command that succeeds settles an unknown VF"
	rm -rf "$D/batch"

	emu_two_pfs "" "completion_delay.0xd5 = 1500000"
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=1-2 > /dev/null
	LD_PRELOAD=$EMU_SO $P save /dev/nvme0 --vf=1-2 -o "$D/lb" > /dev/null
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme1 --vf=1-2 > /dev/null
	start_killed nvme1 0xd5 ran "$p kill -9 in a batch load" \
		"$P" load /dev/nvme1 --vf=1-2 --jobs=1 -i "$D/lb"
	expect_status_truth nvme1 1 /dev/nvme1 yes "$p kill -9 in a batch load: VF 1 (in flight)"
	expect_status_truth nvme1 2 /dev/nvme1 no "$p kill -9 in a batch load: VF 2"
	[ "$(rec_state /dev/nvme1 1)" = unknown ] && pass "$p kill -9 in a batch load: VF 1 unknown" ||
		fail "$p kill -9 in a batch load: VF 1 unknown" "$(rec_state /dev/nvme1 1)"
	rm -rf "$D/lb"

	# A batch writes each VF's outcome at once and makes it durable behind the job's next VF
	# (its intent made durable before its command, as ever). Killed between the outcome's
	# write and its fdatasync: the outcome stands in the file (a process's death does not
	# undo a write), and the next VF, whose intent was being made durable, got no command.
	emu_two_pfs
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=1-2 > /dev/null
	LD_PRELOAD=$EMU_SO $P save /dev/nvme0 --vf=1-2 -o "$D/lb" > /dev/null
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme1 --vf=1-2 > /dev/null
	rm -f "$T/fsfault.log"
	clear_trace
	l="$p kill -9 between a batch load's outcome and its fdatasync"
	INTEL_LM_FSFAULT=fsync:slow:2000 INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
		INTEL_LM_FSFAULT_LOG=$T/fsfault.log LD_PRELOAD="$EMU_SO:$FSFAULT_SO" \
		$P load /dev/nvme1 --vf=1-2 --jobs=1 -i "$D/lb" > "$T/out" 2> "$T/err" &
	pid=$!
	# VF 1's record is synced twice: its intent, before LOAD_DATA, then its outcome, after.
	synced_twice() {
		[ "$(grep -c "^fsync slow $INTEL_LM_STATE_DIR/.*-vf1\.rec\$" "$T/fsfault.log" \
			2> /dev/null)" -ge 2 ]
	}
	if wait_until synced_twice; then
		kill -KILL $pid 2> /dev/null
		pass "$l: the kill came during the outcome's fdatasync"
	else
		kill -KILL $pid 2> /dev/null
		fail "$l: the kill came during the outcome's fdatasync" "$(cat "$T/fsfault.log")"
	fi
	wait $pid 2> /dev/null
	expect_sent "06 06 d5" "$l: LOAD_DATA went to VF 1 only"
	expect_state nvme1 1 loaded "$l: the device loaded VF 1"
	expect_status_truth nvme1 1 /dev/nvme1 no "$l: VF 1's outcome stands on record"
	expect_status_truth nvme1 2 /dev/nvme1 yes "$l: VF 2 is as the device has it, or unknown"
	expect_state nvme1 2 suspended "$l: VF 2 was not sent LOAD_DATA"
	# VF 2's intent is made durable after the identities' lock, under identities.sync held
	# shared, which the next command through the rule waits for: the dead process's hold went
	# with it, and a RESUME of VF 1 is sent at once.
	RC=0
	timeout 20 env LD_PRELOAD=$EMU_SO $P resume /dev/nvme1 --vf=1 > "$T/out" 2> "$T/err" || RC=$?
	ERR=$(cat "$T/err")
	expect_rc 0 "$l: a RESUME through the rule afterwards is not held up"
	expect_state nvme1 1 running "$l: ... and VF 1 runs"

	# The outcome's late fdatasync fails: the report says so for that VF, as when it failed at
	# once. The first fdatasync (VF 1's intent) succeeds, then none: VF 2's intent fails too.
	emu_two_pfs
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme1 --vf=1-2 > /dev/null
	clear_trace
	l="$p a batch load whose outcome's late fdatasync fails"
	RC=0
	INTEL_LM_FSFAULT=fsync:EIO INTEL_LM_FSFAULT_AFTER=1 INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
		LD_PRELOAD="$EMU_SO:$FSFAULT_SO" $P load /dev/nvme1 --vf=1-2 --jobs=1 -i "$D/lb" \
		> "$T/out" 2> "$T/err" || RC=$?
	OUT=$(cat "$T/out") ERR=$(cat "$T/err")
	expect_rc $RC_PARTIAL "$l: exit 6 (VF 1 loaded, VF 2 not)"
	expect_sent "06 06 d5" "$l: LOAD_DATA went to VF 1 only"
	expect_err "/dev/nvme1 VF 1: the command's outcome could not be put on record (EIO)" \
		"$l: the report says VF 1's outcome is not on record"
	rm -rf "$D/lb"

	# A save whose outcome cannot be written at all: the record still shows SAVE_DATA in
	# flight. The note names the settling command as recover takes it (--confirm says whether
	# the VF runs: a saved VF is suspended; "--confirm=saved" was refused as a usage error),
	# and that command settles the VF.
	emu_two_pfs
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=2 > /dev/null
	l="$p a save whose outcome cannot be written"
	RC=0
	INTEL_LM_FSFAULT=write:EIO INTEL_LM_FSFAULT_AFTER=1 INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
		LD_PRELOAD="$EMU_SO:$FSFAULT_SO" $P save /dev/nvme0 --vf=2 -o "$D/ow.blob" \
		> "$T/out" 2> "$T/err" || RC=$?
	OUT=$(cat "$T/out") ERR=$(cat "$T/err")
	expect_err "/dev/nvme0 VF 2: the command's outcome could not be put on record (EIO)" \
		"$l: the report says the outcome is not on record"
	expect_err "if it says unknown, '${p} recover /dev/nvme0 --vf=2 --confirm=suspended' settles it" \
		"$l: the note names --confirm=suspended"
	[ "$(rec_state /dev/nvme0 2)" = unknown ] && pass "$l: status says unknown" ||
		fail "$l: status says unknown" "$(rec_state /dev/nvme0 2)"
	run "$P" recover /dev/nvme0 --vf=2 --confirm=suspended
	expect_rc 0 "$l: the note's command settles it"
	[ "$(rec_state /dev/nvme0 2)" = suspended ] && pass "$l: status then says suspended" ||
		fail "$l: status then says suspended" "$(rec_state /dev/nvme0 2)"
	rm -f "$D/ow.blob"

	# A device that answers a SUSPEND or RESUME in the wrong state with Command Sequence
	# Error: refused means nothing changed, on record too; migrate and its rollback work.
	emu_two_pfs "strict = 1" "strict = 1"
	run "$P" suspend /dev/nvme0 --vf=3
	# The record shows it suspended: SUSPEND is sent all the same (the record does not stand
	# in for the device), and the strict device's Command Sequence Error confirms it.
	clear_trace
	run "$P" suspend /dev/nvme0 --vf=3 --output-format=json
	expect_rc 0 "$p a second suspend of a VF on record as suspended succeeds"
	expect_sent "06 06 c8" "$p ... and sends SUSPEND"
	expect_json 'j["changed"] is False and j["state"] == "suspended"' "$p ... changed: false"
	grep -qF "Command Sequence Error (0x400c)" <<< "$OUT$ERR" &&
		pass "$p ... and names the device's answer" ||
		fail "$p ... and names the device's answer" "$OUT $ERR"
	# Check mode: --dry-run says what would change and sends nothing.
	clear_trace
	run "$P" suspend /dev/nvme0 --vf=2-3 --dry-run --output-format=json
	expect_json 'j["changed"] is True and [r["changed"] for r in j["results"]] == [True, False]' \
		"$p --dry-run: VF 2 would change, VF 3 would not"
	expect_sent "06 06" "$p --dry-run sends nothing but Identify"
	run "$P" resume /dev/nvme0 --vf=1 --output-format=json
	expect_json 'j["changed"] is False and j["exit_status"] == 0' \
		"$p resume of a VF intel-lm never changed: changed false, nothing to do"
	run "$P" resume /dev/nvme0 --vf=3 --output-format=json
	expect_json 'j["changed"] is True and j["state"] == "running"' "$p a real resume: changed true"
	run "$P" suspend /dev/nvme0 --vf=3
	run "$P" suspend /dev/nvme0 --vf=3 --force
	expect_rc $RC_DEVICE "$p strict: a second SUSPEND with --force reports the device's refusal"
	expect_err "Command Sequence Error" "$p strict: the status is decoded"
	[ "$(rec_state /dev/nvme0 3)" = suspended ] && pass "$p strict: the refusal changed nothing on record" ||
		fail "$p strict: the refusal changed nothing on record" "$(rec_state /dev/nvme0 3)"
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1
	expect_rc 0 "$p strict: migrate succeeds"
	expect_state nvme1 1 running "$p strict: the destination runs"
	emu_two_pfs "strict = 1" "strict = 1
fault = 0xd5 1 0x4002"
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1
	expect_rc $RC_DEVICE "$p strict: a refused LOAD fails the migration"
	expect_state nvme0 1 running "$p strict: the rollback resumed the source"
	[ "$(running_copies)" = 1 ] && pass "$p strict: one running copy" ||
		fail "$p strict: one running copy" "$(running_copies)"
	run "$P" recover
	expect_rc 0 "$p strict: nothing left to recover"

	for s in "suspend:0xc8" "resume:0xcc"; do
		cmd=${s%%:*} opc=${s#*:}
		for phase in inflight applied; do
			key=$([ $phase = inflight ] && echo latency || echo completion_delay)
			at=$([ $phase = inflight ] && echo arrived || echo ran)
			emu_two_pfs "$key.$opc = 1500000"
			[ "$cmd" = resume ] && LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=4 > /dev/null
			start_killed nvme0 "$opc" $at "$p kill -9 during $cmd ($phase)" \
				"$P" "$cmd" /dev/nvme0 --vf=4
			expect_status_truth nvme0 4 /dev/nvme0 yes "$p kill -9 during $cmd ($phase): status"
			[ "$(rec_state /dev/nvme0 4)" = unknown ] && pass "$p kill -9 during $cmd ($phase): unknown" ||
				fail "$p kill -9 during $cmd ($phase): unknown" "$(rec_state /dev/nvme0 4)"
			t=$(truth nvme0 4)
			run "$P" recover /dev/nvme0 --vf=4 --confirm="$t"
			expect_rc 0 "$p kill -9 during $cmd ($phase): --confirm=$t settles it"
			[ "$(rec_state /dev/nvme0 4)" = "$t" ] && pass "$p kill -9 during $cmd ($phase): recorded $t" ||
				fail "$p kill -9 during $cmd ($phase): recorded $t" "$(rec_state /dev/nvme0 4)"
		done
	done
	run "$P" recover /dev/nvme0 --vf=4 --confirm=running
	expect_rc $RC_REFUSED "$p --confirm of a known state is refused"
	expect_out "settles only an unknown state" "$p --confirm says why"

	emu_two_pfs "completion_delay.0xd2 = 1500000"
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=1 > /dev/null
	start_killed nvme0 0xd2 ran "$p kill -9 during save" \
		"$P" save /dev/nvme0 --vf=1 -o "$D/single"
	left=$(ls -A "$D")
	[ -z "$left" ] && pass "$p kill -9 during save: no file, no temporary file" ||
		fail "$p kill -9 during save: no file, no temporary file" "$left"
	[ "$(rec_state /dev/nvme0 1)" = unknown ] && pass "$p kill -9 during save: unknown" ||
		fail "$p kill -9 during save: unknown" "$(rec_state /dev/nvme0 1)"

	# --- signals at every step of migrate ------------------------------------------------
	i=0
	for s in "dst-suspend:0xc8:2" "src-suspend:0xc8:1" "src-query:0xc4:1" "src-save:0xd2:1" \
		 "dst-load:0xd5:2" "dst-resume:0xcc:2" "dst-resume:0xcc:2" "dst-resume:0xcc:2"; do
		IFS=: read -r step opc pf <<< "$s"
		sigs=(INT TERM HUP)
		sig=${sigs[$((i % 3))]}
		codes=(130 143 129)
		code=${codes[$((i % 3))]}
		i=$((i + 1))
		cfg="latency.$opc = 800000"
		if [ "$pf" = 1 ]; then emu_two_pfs "$cfg" ""; else emu_two_pfs "" "$cfg"; fi
		LD_PRELOAD=$EMU_SO $P migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --output-format=json \
			> "$T/out" 2> "$T/err" &
		pid=$!
		l="$p SIG$sig during $step"
		strike "$sig" $pid "nvme$((pf - 1))" "$opc" arrived "$l"
		RC=0
		wait $pid || RC=$?
		OUT=$(cat "$T/out") ERR=$(cat "$T/err")
		if [ "$step" = dst-resume ]; then
			expect_rc 0 "$l: the migration completed: exit 0"
			expect_json 'j["success"] is True and "error" not in j' "$l: JSON success"
			expect_json 'any("the migration completed" in n for n in j["notes"])' \
				"$l: says the signal came late"
			expect_state nvme1 1 running "$l: the destination runs"
			expect_state nvme0 1 saved "$l: the source is not resumed"
			left=$(ls -A "$TMPDIR")
			[ -z "$left" ] && pass "$l: the safety copy is removed" ||
				fail "$l: the safety copy is removed" "$left"
		else
			expect_rc $code "$l: exit $code"
			[ "$(running_copies)" = 1 ] && expect_state nvme0 1 running "$l: the source runs again"
			if [ "$step" = dst-suspend ]; then
				expect_json 'j["rollback"]["sent"] is False' "$l: a source never suspended is not resumed"
			fi
		fi
		run "$P" recover
		expect_rc 0 "$l: nothing left to recover"
	done

	# --- a full file system, a failing directory fsync ------------------------------------
	emu_two_pfs
	mkdir -p "$T/small"
	if mount -t tmpfs -o size=16k tmpfs "$T/small" 2> /dev/null; then
		dd if=/dev/zero of="$T/small/filler" bs=1k count=64 2> /dev/null
		run "$P" suspend /dev/nvme0 --vf=1
		clear_trace
		run "$P" save /dev/nvme0 --vf=1 -o "$T/small/blob"
		expect_rc $RC_REFUSED "$p save onto a full tmpfs fails before SAVE_DATA: refused"
		expect_err "No space left on device" "$p full tmpfs: says why"
		expect_err "SAVE_DATA was not sent, the VF is unchanged" "$p full tmpfs: the VF is unchanged"
		expect_sent "06 06 c4" "$p full tmpfs: ENOSPC before SAVE_DATA"
		expect_state nvme0 1 suspended "$p full tmpfs: the VF is still suspended"
		[ ! -e "$T/small/blob" ] && pass "$p full tmpfs: no file" || fail "$p full tmpfs: no file" "blob exists"
		run "$P" resume /dev/nvme0 --vf=1
		clear_trace
		run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --keep="$T/small/keep"
		expect_rc 1 "$p migrate with no room for its copy fails"
		expect_err "SAVE_DATA was not sent" "$p migrate: no room, before SAVE_DATA"
		expect_sent "06 06 06 06 c8 c8 c4 cc" "$p migrate: no SAVE_DATA, source resumed"
		[ "$(running_copies)" = 1 ] && expect_state nvme0 1 running "$p migrate: source running"
		umount "$T/small"
	else
		fail "$p full tmpfs" "cannot mount a tmpfs (run as root)"
	fi
	emu_two_pfs
	run "$P" suspend /dev/nvme0 --vf=1
	RC=0
	INTEL_LM_FSFAULT=dirsync:EIO INTEL_LM_FSFAULT_DIR=$D LD_PRELOAD="$EMU_SO:$FSFAULT_SO" \
		$P save /dev/nvme0 --vf=1 -o "$D/dsync" > "$T/out" 2> "$T/err" || RC=$?
	ERR=$(cat "$T/err")
	expect_rc 1 "$p failing directory fsync: save fails"
	expect_err "the state is in $D/dsync, but its directory could not be synced" \
		"$p failing directory fsync: says the file is there but not durable"
	run "$P" inspect "$D/dsync"
	expect_rc 0 "$p failing directory fsync: the file is whole"
	run "$P" status /dev/nvme0 --vf=1 --output-format=json
	expect_json "j['vfs'][0]['state'] == 'saved' and j['vfs'][0]['state_file'] == '$D/dsync'" \
		"$p failing directory fsync: the record names the file"
	rm -f "$D/dsync"

	# migrate whose record cannot be written before a step: that step's command is not sent,
	# and the report shows it (and every later step) as never run, not as FAILED.
	emu_two_pfs
	RC=0
	INTEL_LM_FSFAULT=fsync:EIO INTEL_LM_FSFAULT_AFTER=2 INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
		LD_PRELOAD="$EMU_SO:$FSFAULT_SO" $P migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 \
		--output-format=json > "$T/out" 2> "$T/err" || RC=$?
	OUT=$(cat "$T/out") ERR=$(cat "$T/err")
	keep_json "$OUT"
	l="$p migrate, the destination suspend's record write fails"
	expect_rc $RC_FAILED "$l: exit 1"
	expect_json 'j["steps"][0]["outcome"] == "not run" and all(s["outcome"] == "not run" for s in j["steps"])' \
		"$l: the step never sent is not run, not failed"
	expect_json 'j["error"]["operation"] == "write record" and j["error"]["step"] == "destination suspend" and "make the record writable" in j["error"]["hint"]' \
		"$l: the error names the record write and what to fix"
	expect_state nvme1 1 running "$l: the destination is untouched"
	expect_state nvme0 1 running "$l: the source is untouched"
	RC=0
	INTEL_LM_FSFAULT=fsync:EIO INTEL_LM_FSFAULT_AFTER=2 INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
		LD_PRELOAD="$EMU_SO:$FSFAULT_SO" $P migrate /dev/nvme0 --vf=2 --to=/dev/nvme1 \
		--to-vf=2 > "$T/out" 2> "$T/err" || RC=$?
	OUT=$(cat "$T/out")
	if grep -q FAILED <<< "$OUT" || ! grep -qE "destination suspend +not run" <<< "$OUT"; then
		fail "$l: the normal report shows the step as not run" "$OUT"
	else
		pass "$l: the normal report shows the step as not run"
	fi

	# migrate puts the destination's LOAD_DATA intent on record while the state's copy is
	# written, so that no record write is left in the downtime before LOAD_DATA. When that
	# write fails, LOAD_DATA is not sent; when the copy fails, the intent is taken back.
	# The seventh record write is that intent (the sixth, the source's outcomes, before it).
	n=6
	emu_two_pfs
	clear_trace
	RC=0
	INTEL_LM_FSFAULT=fsync:EIO INTEL_LM_FSFAULT_AFTER=$n INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
		LD_PRELOAD="$EMU_SO:$FSFAULT_SO" $P migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 \
		--output-format=json > "$T/out" 2> "$T/err" || RC=$?
	keep_json "$(cat "$T/out")"
	mig_rc=$RC mig_out=$(cat "$T/out")
	sent=$(sent_opcodes)
	case $sent in
	*d5*)	fail "$p migrate, record write $((n + 1)) fails: no LOAD_DATA" "sent: $sent" ;;
	*)	pass "$p migrate, record write $((n + 1)) fails: no LOAD_DATA" ;;
	esac
	expect_state nvme0 1 saved "$p migrate, record write $((n + 1)) fails: the source stays suspended, its state saved"
	expect_state nvme1 1 suspended "$p migrate, record write $((n + 1)) fails: the destination is untouched but suspended"
	run "$P" status /dev/nvme1 --vf=1 --output-format=json
	expect_json "j['vfs'][0]['state'] == 'suspended'" \
		"$p migrate, record write $((n + 1)) fails: the destination is suspended on record, not unknown"
	# The rollback's RESUME is not sent when its intent cannot be written, as no command is:
	# the source stays suspended (sent off the record, it ran while its record said saved).
	l="$p migrate, record writes fail from the LOAD_DATA intent on"
	RC=$mig_rc OUT=$mig_out
	expect_rc $RC_UNKNOWN "$l: exit 5"
	case $sent in
	*cc*)	fail "$l: no rollback RESUME (0xcc)" "sent: $sent" ;;
	*)	pass "$l: no rollback RESUME (0xcc)" ;;
	esac
	expect_json 'not j["source_resumed"] and not j["source_untouched"] and not j["rollback"]["sent"] and j["rollback"]["errno"] == "EIO" and "was NOT resumed: its RESUME could not be put on record (EIO)" in j["rollback"]["message"]' \
		"$l: says the source's RESUME was not sent, and why"
	expect_json '"make the record writable" in j["error"]["hint"] and "recover /dev/nvme0 --vf=1" in j["error"]["hint"] and "resumes the source" in j["error"]["hint"]' \
		"$l: says how to resume the source"
	run "$P" status /dev/nvme0 --vf=1 --output-format=json
	expect_json 'j["vfs"][0]["state"] in ("saved", "unknown") and j["vfs"][0]["last_operation"]["open"] and j["vfs"][0]["unresolved"]' \
		"$l: status says the source is saved (or unknown), the migration open"
	copy=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["vfs"][0]["state_file"] or "")' <<< "$OUT")
	if [ -n "$copy" ] && [ -f "$copy" ]; then
		pass "$l: the safety copy is kept and on record"
	else
		fail "$l: the safety copy is kept and on record" "state_file '$copy': $OUT"
	fi
	clear_trace
	run "$P" recover --output-format=json
	expect_rc 0 "$l: recover, the record writable again, settles the migration"
	expect_json 'any(v["device"] == "/dev/nvme0" and v["state"] == "running" and "the source was resumed" in v["action"] for v in j["vfs"])' \
		"$l: ... by resuming the source"
	case $(sent_opcodes) in
	*cc*)	pass "$l: ... with its RESUME (0xcc)" ;;
	*)	fail "$l: ... with its RESUME (0xcc)" "sent: $(sent_opcodes)" ;;
	esac
	[ "$(rec_state /dev/nvme0 1)" = running ] && [ "$(running_copies)" = 1 ] &&
		expect_state nvme0 1 running "$l: the source runs, on record too" ||
		fail "$l: the source runs, on record too" "$(rec_state /dev/nvme0 1), $(running_copies) running"
	[ ! -e "$copy" ] && pass "$l: the safety copy goes once the source runs" ||
		fail "$l: the safety copy goes once the source runs" "$copy is still there"
	run "$P" recover
	expect_rc 0 "$l: then nothing is left to recover"
	emu_two_pfs
	clear_trace
	RC=0
	INTEL_LM_FSFAULT=fsync:EIO INTEL_LM_FSFAULT_DIR=$D LD_PRELOAD="$EMU_SO:$FSFAULT_SO" \
		$P migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --keep="$D/kept.blob" \
		> "$T/out" 2> "$T/err" || RC=$?
	expect_rc 1 "$p migrate whose copy cannot be synced fails"
	expect_sent "06 06 06 06 c8 c8 c4 d2 cc" "$p migrate, copy not synced: no LOAD_DATA, the source resumed"
	run "$P" status /dev/nvme1 --vf=1 --output-format=json
	expect_json "j['vfs'][0]['state'] == 'suspended'" \
		"$p migrate, copy not synced: the destination's LOAD_DATA intent is taken back on record"

	# --- hostile record contents and directories ---------------------------------------------
	emu_two_pfs
	run "$P" suspend /dev/nvme0 --vf=1
	run "$P" resume /dev/nvme0 --vf=1
	f=$INTEL_LM_STATE_DIR/pci-0000:3b:00.0-vf1.rec
	# The newest entry torn: the one before it stands.
	python3 - "$f" <<'PY'
import sys
f = sys.argv[1]
d = bytearray(open(f, "rb").read())
slots = [d[0:8192], d[8192:]]
seqs = [int(s[8:24], 16) for s in slots]
newest = seqs.index(max(seqs))
d[newest * 8192 + 100] ^= 0xff
open(f, "wb").write(d)
PY
	# The entry before the last one is RESUME's intent: with its outcome lost, unknown.
	run "$P" status /dev/nvme0 --vf=1 --output-format=json
	expect_json 'j["vfs"][0]["state"] == "unknown" and j["vfs"][0]["pending"] == "RESUME" and j["vfs"][0]["recorded"]' \
		"$p a torn newest entry: the previous one stands"
	python3 -c 'import sys; f=sys.argv[1]; d=bytearray(open(f,"rb").read()); d[100]=(d[100]+1)%256; d[8292]=(d[8292]+1)%256; open(f,"wb").write(d)' "$f"
	run "$P" status /dev/nvme0 --vf=1 --output-format=json
	expect_json 'j["vfs"][0]["state"] == "unknown" and j["vfs"][0]["record_error"] == "EBADMSG"' \
		"$p a corrupt record is not trusted: unknown"
	run "$P" recover /dev/nvme0
	expect_rc $RC_UNKNOWN "$p a corrupt record: recover leaves it unresolved"
	expect_out "torn or corrupt" "$p a corrupt record: says so"
	run "$P" suspend /dev/nvme0 --vf=1
	expect_rc 0 "$p a command on a VF with a corrupt record works"
	# Its outcome replaces the corrupt entry; a SUSPEND cannot tell a saved or loaded VF from a
	# suspended one, so the state stays unknown until a RESUME settles it.
	run "$P" status /dev/nvme0 --vf=1 --output-format=json
	expect_json 'j["vfs"][0]["state"] == "unknown" and "record_error" not in j["vfs"][0] and j["vfs"][0]["recorded"]' \
		"$p and its outcome replaces the corrupt entry (unknown: SUSPEND cannot tell saved from suspended)"
	run "$P" resume /dev/nvme0 --vf=1
	[ "$(rec_state /dev/nvme0 1)" = running ] && pass "$p a RESUME then settles it" ||
		fail "$p a RESUME then settles it" "$(rec_state /dev/nvme0 1)"
	truncate -s 100 "$f"
	run "$P" status /dev/nvme0 --vf=1 --output-format=json
	expect_json 'j["vfs"][0]["state"] == "unknown"' "$p a truncated record is not trusted"
	rm -f "$f"
	ln -s /etc/passwd "$f"
	clear_trace
	run "$P" suspend /dev/nvme0 --vf=1
	expect_rc $RC_REFUSED "$p a symlinked record file is refused"
	expect_err "cannot open the VF's record $f" "$p a symlinked record: names the path"
	expect_sent "06 06" "$p a symlinked record: no vendor command sent"
	rm -f "$f"
	# An untrusted record file has a way out: recover --confirm moves it aside (kept, named)
	# and starts a fresh record. Every other command keeps refusing it and names that fix.
	for bad in "chmod 0666" "chown 65534" "symlink" "hardlink"; do
		l="$p untrusted record ($bad)"
		emu_two_pfs
		LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=1 > /dev/null 2>&1
		case $bad in
		symlink) mv "$f" "$T/elsewhere.rec"; ln -s "$T/elsewhere.rec" "$f" ;;
		hardlink) ln "$f" "$T/second-link.rec" ;;
		*) $bad "$f" ;;
		esac
		clear_trace
		run "$P" resume /dev/nvme0 --vf=1
		expect_rc $RC_REFUSED "$l: resume is refused"
		expect_err "recover /dev/nvme0 --vf=1 --confirm=running' (or suspended): it moves the file aside" \
			"$l: the refusal names the fix that works"
		expect_sent "06 06" "$l: nothing but Identify sent"
		run "$P" status /dev/nvme0 --vf=1 --output-format=json
		expect_json 'j["vfs"][0]["state"] == "unknown" and not j["vfs"][0]["recorded"] and "--confirm" in j["vfs"][0]["next"]' \
			"$l: status says unknown, and how to settle it"
		run "$P" recover /dev/nvme0 --vf=1 --confirm=suspended --output-format=json
		expect_rc 0 "$l: recover --confirm settles it"
		moved=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["vfs"][0].get("record_moved_to", ""))' <<< "$OUT")
		case $moved in
		"$f".untrusted-*)
			if [ -L "$moved" ] || [ -f "$moved" ]; then
				pass "$l: the file is moved aside, kept and named"
			else
				fail "$l: the file is moved aside, kept and named" "$moved is not there"
			fi ;;
		*) fail "$l: the file is moved aside, kept and named" "record_moved_to: '$moved'" ;;
		esac
		expect_json "'moved the untrusted record aside to $moved, kept' in j['vfs'][0]['action']" \
			"$l: the action names it"
		[ -f "$f" ] && [ ! -L "$f" ] && [ "$(stat -c '%a %h %u' "$f")" = "600 1 $(id -u)" ] &&
			pass "$l: a fresh record, 0600, one link" ||
			fail "$l: a fresh record, 0600, one link" "$(ls -la "$f" 2>&1)"
		run "$P" status /dev/nvme0 --vf=1 --output-format=json
		expect_json 'j["vfs"][0]["state"] == "suspended" and j["vfs"][0]["recorded"] and not j["vfs"][0]["unresolved"] and j["vfs"][0]["device"] == "/dev/nvme0"' \
			"$l: status then says suspended, as confirmed"
		run "$P" resume /dev/nvme0 --vf=1
		expect_rc 0 "$l: and commands work again"
		expect_state nvme0 1 running "$l: the VF runs"
		rm -f "$moved" "$T/elsewhere.rec" "$T/second-link.rec"
	done
	emu_two_pfs
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=1 > /dev/null 2>&1
	chmod 0666 "$f"
	run "$P" recover /dev/nvme0 --vf=1 --confirm=suspended
	expect_rc 0 "$p untrusted record: recover --confirm, normal output"
	expect_out "recover: moved the untrusted record aside to $f.untrusted-" "$p untrusted record: the normal output names the file"
	run "$P" recover /dev/nvme0 --vf=1 --confirm=suspended --dry-run
	expect_rc $RC_REFUSED "$p untrusted record: settled, a second --confirm is refused"
	rm -f "$f" "$f".untrusted-*
	for bad in "chmod 0777" "chown 65534" "symlink"; do
		rm -rf "$INTEL_LM_STATE_DIR" "$T/real-state"
		case $bad in
		symlink) mkdir -m 0700 "$T/real-state"; ln -s "$T/real-state" "$INTEL_LM_STATE_DIR" ;;
		*) mkdir -m 0700 "$INTEL_LM_STATE_DIR"; $bad "$INTEL_LM_STATE_DIR" ;;
		esac
		clear_trace
		run "$P" suspend /dev/nvme0 --vf=1
		expect_rc $RC_REFUSED "$p record directory ($bad): refused"
		expect_err "the record directory $INTEL_LM_STATE_DIR is not trusted" "$p record directory ($bad): names the path"
		expect_err "mode 0700" "$p record directory ($bad): says the fix"
		expect_sent "" "$p record directory ($bad): nothing sent"
		run "$P" status
		expect_rc $RC_REFUSED "$p record directory ($bad): status refuses to trust it"
	done
	rm -rf "$INTEL_LM_STATE_DIR" "$T/real-state"
	mkdir -p "$INTEL_LM_LOCK_DIR"
	chmod 0777 "$INTEL_LM_LOCK_DIR"
	clear_trace
	run "$P" suspend /dev/nvme0 --vf=1
	expect_rc $RC_REFUSED "$p a lock directory others can write: refused"
	expect_err "the lock directory $INTEL_LM_LOCK_DIR is not trusted" "$p lock directory: names the path"
	expect_sent "" "$p lock directory: nothing sent"
	chmod 0700 "$INTEL_LM_LOCK_DIR"

	# --- reboots and PF resets ------------------------------------------------------------
	# Each entry carries the boot it was written in; after a reboot (a new boot id), one that
	# says suspended, saved or loaded counts as unknown, for status, recover and every command.
	export INTEL_LM_BOOT_ID_FILE=$T/boot_id
	echo 11111111-1111-4111-8111-111111111111 > "$T/boot_id"
	l="$p reboot"
	emu_two_pfs
	for a in "suspend --vf=1" "suspend --vf=2" "save --vf=2 -o $D/rb2" "suspend --vf=3" \
		 "resume --vf=3"; do
		# shellcheck disable=SC2086 # the words of the command
		LD_PRELOAD=$EMU_SO $P ${a%% *} /dev/nvme0 ${a#* } > /dev/null 2>&1
	done
	run "$P" status /dev/nvme0 --vf=1-3 --output-format=json
	expect_json '[v["state"] for v in j["vfs"]] == ["suspended", "saved", "running"] and all(v["boot_id"] == "11111111-1111-4111-8111-111111111111" and "outlived" not in v for v in j["vfs"])' \
		"$l: in the same boot the record stands, and names its boot"
	# The host reboots: a new boot id, and the emulated VFs as a reboot leaves them (running).
	echo 22222222-2222-4222-8222-222222222222 > "$T/boot_id"
	"$EMU_CTL" setup > /dev/null
	clear_trace
	run "$P" status --output-format=json
	expect_json '[(v["vf"], v["state"], v.get("outlived"), v.get("recorded_state"), v["unresolved"]) for v in j["vfs"]] == [(1, "unknown", "reboot", "suspended", True), (2, "unknown", "reboot", "saved", True), (3, "running", None, None, False)]' \
		"$l: status counts suspended and saved of the earlier boot as unknown, running as running"
	expect_json '"--confirm=running" in j["vfs"][0]["next"] and "before this host" in j["vfs"][0]["next"]' \
		"$l: status says why, and how to settle it"
	run "$P" status /dev/nvme0 --vf=2
	expect_out "recorded saved, which no longer counts: it was written before this host's last boot" \
		"$l: the normal output says what the entry said and why it no longer counts"
	run "$P" recover --output-format=json
	expect_rc $RC_UNKNOWN "$l: recover leaves them unresolved"
	expect_json 'j["unresolved_count"] == 2' "$l: recover: two VFs unresolved"
	expect_sent "06 06" "$l: nothing but status's Identify sent"
	# A command takes the VF as unknown too: migrate into VF 1 sends the destination's
	# SUSPEND (the record's "suspended" would skip it, and LOAD_DATA into the running VF
	# would be refused).
	clear_trace
	run "$P" migrate /dev/nvme1 --vf=1 --to=/dev/nvme0 --to-vf=1
	expect_rc 0 "$l: migrate into a VF suspended before the reboot succeeds"
	case " $(sent_opcodes) " in
	*" c8 c8 "*) pass "$l: ... and sends the destination's SUSPEND" ;;
	*) fail "$l: ... and sends the destination's SUSPEND" "sent: $(sent_opcodes)" ;;
	esac
	expect_state nvme0 1 running "$l: ... the destination runs"
	run "$P" recover /dev/nvme0 --vf=2 --confirm=running --output-format=json
	expect_rc 0 "$l: recover --confirm settles the saved one"
	run "$P" status /dev/nvme0 --vf=1-2 --output-format=json
	expect_json '[v["state"] for v in j["vfs"]] == ["running", "running"] and all(v["boot_id"] == "22222222-2222-4222-8222-222222222222" and "outlived" not in v for v in j["vfs"])' \
		"$l: then both are known, in this boot"
	rm -f "$D/rb2"

	# A record of an earlier version, without boot_id: readable; a running VF stays running,
	# a suspended one may be of an earlier boot (unknown boot).
	emu_two_pfs
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=1 > /dev/null 2>&1
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=2 > /dev/null 2>&1
	LD_PRELOAD=$EMU_SO $P resume /dev/nvme0 --vf=2 > /dev/null 2>&1
	for v in 1 2; do
		python3 - "$INTEL_LM_STATE_DIR/pci-0000:3b:00.0-vf$v.rec" <<'PY'
import sys, zlib
f = sys.argv[1]
d = bytearray(open(f, "rb").read())
for i in (0, 1):
    slot = d[i * 8192:(i + 1) * 8192]
    if slot[:8] != b"ILMREC1 ":
        continue
    body = bytes(slot[39:39 + int(slot[25:29], 16)])
    body = b"".join(l + b"\n" for l in body.split(b"\n")[:-1] if not l.startswith(b"boot_id="))
    hdr = bytearray(slot[:39])
    hdr[25:29] = b"%04x" % len(body)
    hdr[30:38] = b"%08x" % zlib.crc32(body, zlib.crc32(bytes(hdr[:30])))
    new = bytes(hdr) + body
    d[i * 8192:(i + 1) * 8192] = new + bytes(8192 - len(new))
open(f, "wb").write(d)
PY
	done
	grep -qa "boot_id=" "$INTEL_LM_STATE_DIR/pci-0000:3b:00.0-vf1.rec" &&
		fail "$p an old record: made without boot_id" "boot_id= is still there"
	run "$P" status /dev/nvme0 --vf=1-2 --output-format=json
	expect_json '[(v["state"], v["recorded"], v["boot_id"], v.get("outlived"), v.get("recorded_state")) for v in j["vfs"]] == [("unknown", True, None, "unknown boot", "suspended"), ("running", True, None, None, None)]' \
		"$p an old record without boot_id: readable; suspended counts as unknown (unknown boot), running as running"
	run "$P" status /dev/nvme0 --vf=1
	expect_out "it names no boot" "$p an old record: the normal output says its boot is unknown"

	# A PF reset (here: a command that outlives its timeout) takes every VF offline with no
	# resources: a VF suspended on record then counts as unknown wherever the PF is read.
	l="$p PF reset"
	emu_two_pfs "fault = 0xc8 2 hang"
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=1 > /dev/null 2>&1
	run "$P" suspend /dev/nvme0 --vf=2 --timeout=300
	expect_rc $RC_UNKNOWN "$l: a SUSPEND that hangs times out"
	"$EMU_CTL" show nvme0 1 | grep -q "online=no nvi=0 reset=yes" && pass "$l: the emulated PF reset its VFs" ||
		fail "$l: the emulated PF reset its VFs" "$("$EMU_CTL" show nvme0 1)"
	run "$P" status /dev/nvme0 --vf=1 --output-format=json
	expect_json 'j["vfs"][0]["state"] == "unknown" and j["vfs"][0]["outlived"] == "pf reset" and j["vfs"][0]["recorded_state"] == "suspended" and j["vfs"][0]["unresolved"]' \
		"$l: status <device> counts the suspended VF as unknown"
	run "$P" status /dev/nvme0 --vf=1
	expect_out "the PF was reset since: the VF is offline with no queue or interrupt resources" \
		"$l: and says how it knows"
	clear_trace
	run "$P" suspend /dev/nvme0 --vf=1
	expect_sent "06 06 c8" "$l: suspend sends its SUSPEND, not trusting the record's suspended"
	unset INTEL_LM_BOOT_ID_FILE

	# --- the device path, outputs, the report --------------------------------------------
	mkfifo "$T/fifo"
	RC=0
	timeout 5 env LD_PRELOAD=$EMU_SO $P suspend "$T/fifo" --vf=1 > /dev/null 2> "$T/err" || RC=$?
	[ "$RC" = $RC_REFUSED ] && pass "$p a FIFO as the device is refused without blocking" ||
		fail "$p a FIFO as the device is refused without blocking" "exit $RC"
	rm -f "$T/fifo"
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --keep=-
	expect_rc 2 "$p --keep=- is refused"
	run "$P" suspend /dev/nvme0 --vf=2
	run "$P" save /dev/nvme0 --vf=2 -o /dev/null --force
	expect_rc $RC_REFUSED "$p --force does not replace a character device"
	expect_err "not a regular file" "$p --force on a device: says why"
	RC=0
	LD_PRELOAD=$EMU_SO $P resume /dev/nvme0 --vf=2 > /dev/full 2> "$T/err" || RC=$?
	ERR=$(cat "$T/err")
	expect_rc 1 "$p a report that cannot be written: exit 1"
	expect_err "cannot write the report" "$p a lost report: says so"
	expect_state nvme0 2 running "$p a lost report: the command was done"
	[ "$(rec_state /dev/nvme0 2)" = running ] && pass "$p a lost report: on record as done" ||
		fail "$p a lost report: on record as done" "$(rec_state /dev/nvme0 2)"
	RC=0
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=2 --output-format=json >&- 2> "$T/err" || RC=$?
	expect_rc 1 "$p closed standard output: exit 1"
	expect_state nvme0 2 suspended "$p closed standard output: the command was done"
done

e2e_finish
