#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End-to-end: every fault the emulated PF can inject, at every step of every command, checked
# for exit status, message, files left behind (none partial, none existing touched) and the
# device state.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init e2e-faults "$1"

# fault:what the message must say
faults=(
	"0x4002:Invalid Field in Command (status 0x4002"
	"0x400c:Command Sequence Error (status 0x400c"
	"0x4001:does not implement Intel live migration"
	"0x0006:Internal Error"
	"EINTR:(EINTR)"
	"ETIMEDOUT:(ETIMEDOUT)"
	"EIO:(EIO)"
	"ENODEV:(ENODEV)"
	"EACCES:CAP_SYS_ADMIN"
)

# steps: command:opcode of the failing step:opcode name:prepare (suspend VF 2 first or not)
steps=(
	"query-size:0xc4:QUERY_DATA_SIZE:no"
	"suspend:0xc8:SUSPEND:no"
	"resume:0xcc:RESUME:yes"
	"save:0xc4:QUERY_DATA_SIZE:yes"
	"save:0xd2:SAVE_DATA:yes"
	"load:0xd5:LOAD_DATA:yes"
	"info:0x06:IDENTIFY:no"
)

# expect_vf_state VF STATE DESC: status's line for VF of the last run shows STATE in its state
# field ("  VF 2     running    since ..."), not merely somewhere (its advice names states too).
expect_vf_state() {
	local got
	got=$(sed -n "s/^  VF $1 \{1,\}\([a-z-]*\) .*/\1/p" <<< "$OUT")
	if [ "$got" = "$2" ]; then pass "$3"; else fail "$3" "VF $1 is '$got', expected $2: $OUT"; fi
}

prog_n=0
for P in "${PROGS[@]}"; do
	p=${P##*/}
	D=$T/prog$((++prog_n))
	mkdir -p "$D/out"

	# A good blob to load, saved once.
	emu_two_pfs
	run "$P" suspend /dev/nvme0 --vf=2
	run "$P" save /dev/nvme0 --vf=2 -o "$D/good"

	for step in "${steps[@]}"; do
		IFS=: read -r cmd opc name prep <<< "$step"
		for f in "${faults[@]}"; do
			what=${f%%:*}
			says=${f#*:}
			# The first command of that opcode fails; for info that is the first Identify.
			emu_two_pfs "fault = $opc 1 $what"
			[ "$prep" = yes ] && "$EMU_CTL" show nvme0 2 > /dev/null &&
				LD_PRELOAD=$EMU_SO $STANDALONE suspend /dev/nvme0 --vf=2 > /dev/null
			args=(/dev/nvme0)
			case $cmd in
			info) ;;
			save) args+=(--vf=2 -o "$D/out/blob") ;;
			load) args+=(--vf=2 -i "$D/good") ;;
			*) args+=(--vf=2) ;;
			esac
			label="$p $cmd, $name fails with $what"
			# Identify is not an Intel command: no Intel context for it.
			[ "$name" = IDENTIFY ] && [ "$what" = 0x4001 ] && says="Invalid Command Opcode"
			run "$P" "$cmd" "${args[@]}"
			# A failed command that changes nothing (Identify, QUERY) leaves no doubt.
			want=$(fault_rc "$what")
			[ "$want" = $RC_UNKNOWN ] && case $opc in 0xc4|0x06) want=$RC_FAILED ;; esac
			expect_rc "$want" "$label: exit $want"
			expect_err "$name failed on /dev/nvme0" "$label: names the step and device"
			[ "$cmd" != info ] && expect_err "VF 2" "$label: names the VF"
			expect_err "$says" "$label: decodes the failure"
			# Only save writes a file (its -o, through a temporary one beside it).
			if [ "$cmd" = save ]; then
				left=$(ls -A "$D/out")
				[ -z "$left" ] && pass "$label: no file left" ||
					fail "$label: no file left" "found: $left"
				rm -f "$D/out"/* "$D/out"/.??* 2>/dev/null
			fi
		done
	done

	# A fault while an existing file is being replaced (--force) leaves it untouched.
	for what in EIO 0x400c; do
		emu_two_pfs "fault = 0xd2 1 $what"
		run "$P" suspend /dev/nvme0 --vf=2
		echo precious > "$D/out/blob"
		run "$P" save /dev/nvme0 --vf=2 -o "$D/out/blob" --force
		expect_rc "$(fault_rc "$what")" "$p save --force with SAVE_DATA $what: exit $(fault_rc "$what")"
		[ "$(cat "$D/out/blob")" = precious ] && [ "$(ls -A "$D/out")" = blob ] &&
			pass "$p save --force with $what: existing file untouched, nothing else left" ||
			fail "$p save --force with $what: existing file untouched" "$(ls -A "$D/out")"
		rm -f "$D/out/blob"
	done

	# apply-then-fail: the command took effect although it failed; the message says so.
	emu_two_pfs "fault = 0xc8 1 EINTR apply"
	run "$P" suspend /dev/nvme0 --vf=3
	expect_rc $RC_UNKNOWN "$p suspend applied then EINTR: exit 5, the effect is unknown"
	expect_err "whether it took effect on the device is unknown" \
		"$p EINTR says the effect is unknown"
	expect_err "do not repeat the command blindly" "$p EINTR advises not to repeat blindly"
	expect_err "status /dev/nvme0 --vf=3" "$p EINTR points to status"
	expect_state nvme0 3 suspended "$p the applied suspend is visible on the device"

	# One VF's failure in JSON: the device, the VF and the state it is left in, as each entry
	# of a batch has them.
	emu_two_pfs "fault = 0xc8 1 0x4002"
	run "$P" suspend /dev/nvme0 --vf=3 --output-format=json
	expect_json 'j["device"] == "/dev/nvme0" and j["vf"] == 3 and j["state"] == "running" and j["error"]["operation"] == "SUSPEND" and j["error"]["status"] == 0x4002 and j["error"]["kind"] == "device"' \
		"$p a refused suspend in JSON: device, VF, its state, the command and status"
	expect_json '"info" in j["error"]["hint"] and "save" not in j["error"]["hint"]' \
		"$p a refused SUSPEND's advice is about the VF index, not about save"
	emu_two_pfs "fault = 0xd2 1 0x4002"
	run "$P" suspend /dev/nvme0 --vf=2
	run "$P" save /dev/nvme0 --vf=2 -o "$D/out/j.blob" --output-format=json
	expect_json '"QUERY_DATA_SIZE gave" in j["error"]["hint"]' \
		"$p a refused SAVE_DATA's advice names the data length's source"
	emu_two_pfs "fault = 0xd2 1 EIO"
	run "$P" suspend /dev/nvme0 --vf=2
	run "$P" save /dev/nvme0 --vf=2 -o "$D/out/j.blob" --output-format=json
	expect_json 'j["vf"] == 2 and j["state"] == "unknown" and j["output_file"] == "'"$D/out/j.blob"'" and j["error"]["operation"] == "SAVE_DATA" and j["error"]["errno"] == "EIO" and j["error"]["kind"] == "unknown"' \
		"$p a save in doubt in JSON: the VF's state is unknown, the file named"
	rm -f "$D/out"/*

	# The Nth command fails: the first save works, the second fails.
	emu_two_pfs "fault = 0xd2 2 EIO"
	run "$P" suspend /dev/nvme0 --vf=1
	run "$P" save /dev/nvme0 --vf=1 -o "$D/out/first"
	expect_rc 0 "$p first SAVE_DATA succeeds"
	run "$P" save /dev/nvme0 --vf=1 -o "$D/out/second"
	expect_rc $RC_UNKNOWN "$p second SAVE_DATA fails with EIO: its effect is unknown"
	[ -e "$D/out/first" ] && [ ! -e "$D/out/second" ] && pass "$p only the good file exists" ||
		fail "$p only the good file exists" "$(ls -A "$D/out")"
	rm -f "$D/out"/*

	# Sequence errors from the device's state machine, with the advice to suspend first.
	emu_two_pfs
	run "$P" save /dev/nvme0 --vf=1 -o "$D/out/blob"
	expect_rc $RC_DEVICE "$p save of a running VF fails: the device refused it"
	expect_err "next: suspend the VF first: $p suspend /dev/nvme0 --vf=1" \
		"$p says how to suspend first"
	[ -z "$(ls -A "$D/out")" ] && pass "$p failed save left no file" ||
		fail "$p failed save left no file" "$(ls -A "$D/out")"

	# A SAVE_DATA that times out: Linux resets the PF, which takes every VF of the PF offline
	# with its resources and suspension; the command never ran (what the kernel suite's
	# model-timeout boot showed with the QEMU model, which the emulator follows; strict = 1
	# answers sequence errors as the model does).
	emu_two_pfs "fault = 0xd2 1 hang
strict = 1"
	run "$P" suspend /dev/nvme0 --vf=2
	run "$P" save /dev/nvme0 --vf=2 -o "$D/out/hung" --timeout=300
	expect_rc $RC_UNKNOWN "$p PF reset: the timed-out save exits 5 (unknown)"
	expect_err "(EINTR)" "$p PF reset: EINTR reported"
	expect_err "whether it took effect on the device is unknown" \
		"$p PF reset: the effect is unknown"
	expect_err "makes Linux reset the PF, which can take every VF of the PF offline and undo their suspension or saved state, whatever intel-lm's record says of them" \
		"$p PF reset: the advice says what a timeout does to the PF's other VFs"
	[ -z "$(ls -A "$D/out")" ] && pass "$p PF reset: no file left" ||
		fail "$p PF reset: no file left" "$(ls -A "$D/out")"
	"$EMU_CTL" show nvme0 2 | grep -q "^state=running .* online=no nvi=0 reset=yes$" &&
		"$EMU_CTL" show nvme0 4 | grep -q " online=no nvi=0 reset=yes$" &&
		"$EMU_CTL" show nvme1 1 | grep -q " online=yes nvi=2$" &&
		pass "$p PF reset: nvme0's VFs offline and not suspended, nvme1's untouched" ||
		fail "$p PF reset: nvme0's VFs offline" "$("$EMU_CTL" show nvme0 2)"
	run "$P" info /dev/nvme0
	expect_rc 0 "$p PF reset: info works"
	grep -Eq "^  2 +3 +no +0 +0 " <<< "$OUT" &&
		! grep -Eq "^  [0-9]+ +[0-9]+ +yes " <<< "$OUT" &&
		pass "$p PF reset: info shows every VF offline, without resources" ||
		fail "$p PF reset: info shows every VF offline" "$OUT"
	run "$P" status /dev/nvme0 --vf=2
	expect_rc 0 "$p PF reset: status works"
	expect_vf_state 2 unknown "$p PF reset: status shows VF 2 unknown"
	expect_out "next: SAVE_DATA failed with an errno: its effect is unknown (EINTR: " \
		"$p PF reset: status says the errno was a timeout ..."
	expect_out "Linux reset the PF, which can take its VFs offline" \
		"$p PF reset: ... after which Linux reset the PF"
	expect_out "--confirm=running" "$p PF reset: status says how to settle it"
	run "$P" recover /dev/nvme0 --vf=2
	expect_rc $RC_UNKNOWN "$p PF reset: recover leaves the unknown VF alone"
	expect_out "left alone: its state is unknown" "$p PF reset: recover says why"
	expect_out "1 VF unresolved" "$p PF reset: recover counts it unresolved"
	# RESUME, the advice's example of a command that succeeds, is refused by the model's
	# device: the VF is running now. The record must not call that refusal an errno.
	run "$P" resume /dev/nvme0 --vf=2
	expect_rc $RC_DEVICE "$p PF reset: resume of the reset VF is refused (0x400c)"
	expect_err "Command Sequence Error" "$p PF reset: the refusal is decoded"
	run "$P" status /dev/nvme0 --vf=2
	expect_vf_state 2 unknown "$p PF reset: still unknown after the refused resume"
	expect_out "next: RESUME was refused by the device (status 0x400c) and changed nothing" \
		"$p PF reset: status says the resume was refused, not that it failed with an errno"
	run "$P" recover /dev/nvme0 --vf=2 --confirm=running
	expect_rc 0 "$p PF reset: recover --confirm=running settles it"
	expect_out "recorded it running as you confirmed" "$p PF reset: as confirmed"
	run "$P" status /dev/nvme0 --vf=2
	expect_vf_state 2 running "$p PF reset: status then shows it running"
	expect_state nvme0 2 running "$p PF reset: as the device has it"
	# The Virtualization Management flow brings it back; then it migrates as before.
	"$EMU_CTL" online nvme0 2
	run "$P" suspend /dev/nvme0 --vf=2
	expect_rc 0 "$p PF reset: once online again, suspend works"
	run "$P" save /dev/nvme0 --vf=2 -o "$D/out/again"
	expect_rc 0 "$p PF reset: and save works"
	rm -f "$D/out"/*
done

e2e_finish
