#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End-to-end: a hostile device, hostile files, file-system faults, signals, and privilege and
# data hygiene. The fault matrix at the end crosses operations with device and file-system
# faults and prints how many cases ran and passed.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init e2e-hostile "$1"
export INTEL_LM_LOCK_DIR=$T/locks TMPDIR=$T/tmp
mkdir -p "$TMPDIR"
FSFAULT_SO=$BUILD/tests/fsfault/libintel-lm-fsfault.so
P=$STANDALONE
p=nvme-intel-lm
D=$T/files
mkdir -p "$D"

# run_fs FAULT ARGS...: run the standalone program with a file-system fault under $D.
run_fs() {
	local fault=$1
	shift
	RC=0
	INTEL_LM_FSFAULT="$fault" INTEL_LM_FSFAULT_DIR=$D LD_PRELOAD="$EMU_SO:$FSFAULT_SO" \
		$P "$@" > "$T/out" 2> "$T/err" || RC=$?
	OUT=$(cat "$T/out") ERR=$(cat "$T/err")
}

expect_clean_dir() {
	local left
	left=$(ls -A "$D")
	[ -z "$left" ] && pass "$1: nothing left in the output directory" ||
		fail "$1: nothing left in the output directory" "$left"
}

# --- a hostile device ------------------------------------------------------------------------
for h in "size0:state size of 0 bytes" "size-huge:above the 262144 bytes" \
	 "size-max:above the 262144 bytes"; do
	mode=${h%%:*}
	emu_two_pfs "hostile = $mode"
	run "$P" suspend /dev/nvme0 --vf=1
	clear_trace
	run "$P" save /dev/nvme0 --vf=1 -o "$D/blob"
	expect_rc $RC_REFUSED "$mode: save refused"
	expect_err "${h#*:}" "$mode: says why"
	expect_sent "06 06 c4" "$mode: no SAVE_DATA sent"
	expect_clean_dir "$mode"
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1
	expect_rc 1 "$mode: migrate refused"
	expect_state nvme0 1 running "$mode: migrate resumed the source"
done

emu_two_pfs "hostile = size-change"
run "$P" suspend /dev/nvme0 --vf=1
run "$P" save /dev/nvme0 --vf=1 -o "$D/blob"
expect_rc $RC_DEVICE "size-change: save fails"
expect_err "Invalid Field in Command" "size-change: the device's refusal is decoded"
expect_err "suspend the VF before asking its size" "size-change: says what to do"
expect_clean_dir "size-change"

for mode in strings-unterminated strings-control; do
	emu_two_pfs "hostile = $mode"
	run "$P" info /dev/nvme0
	expect_rc 0 "$mode: info works"
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f-\xff]' "$T/out"; then
		fail "$mode: no control or high bytes printed" "$(od -c "$T/out" | head -5)"
	else
		pass "$mode: no control or high bytes printed"
	fi
	run "$P" info /dev/nvme0 --output-format=json
	expect_json 'len(j["serial"]) <= 20 and len(j["model"]) <= 40 and len(j["firmware"]) <= 8' \
		"$mode: JSON strings bounded"
	run "$P" suspend /dev/nvme0 --vf=1
	run "$P" save /dev/nvme0 --vf=1 -o "$D/blob"
	run "$P" inspect "$D/blob" --output-format=json
	expect_json 'j["valid"] is True' "$mode: a blob of that PF verifies"
	rm -f "$D/blob"
done

for mode in seclist-overflow seclist-dup; do
	emu_two_pfs "hostile = $mode"
	run "$P" info /dev/nvme0
	expect_rc $RC_REFUSED "$mode: info refuses the list"
	expect_err "Secondary Controller List is malformed" "$mode: says the list is malformed"
	expect_out "live migration : supported" "$mode: info still shows the PF's support"
	expect_out "serial" "$mode: and its identity"
	run "$P" info /dev/nvme0 --output-format=json
	expect_json 'j["live_migration"] is True and j["vfs"] == [] and j["error"]["kind"] == "refused"' \
		"$mode: JSON has the identity, no VFs, and the error"
	run "$P" suspend /dev/nvme0 --vf=1
	expect_rc $RC_REFUSED "$mode: nothing is sent for a malformed list"
	expect_state nvme0 1 running "$mode: VF untouched"
done

emu_two_pfs "hostile = hang"
start=$(date +%s%N)
run "$P" suspend /dev/nvme0 --vf=1 --timeout=300
ms=$((($(date +%s%N) - start) / 1000000))
expect_rc $RC_UNKNOWN "hang: the command times out"
expect_err "(EINTR)" "hang: EINTR decoded"
expect_err "timed out or was cancelled" "hang: says it timed out"
expect_err "do not repeat the command blindly" "hang: warns against repeating"
[ $ms -lt 3000 ] && pass "hang: bounded by --timeout ($ms ms)" ||
	fail "hang: bounded by --timeout" "$ms ms"

# --- hostile files -------------------------------------------------------------------------
emu_two_pfs
run "$P" suspend /dev/nvme0 --vf=1
run "$P" save /dev/nvme0 --vf=1 -o "$T/good"
run "$P" suspend /dev/nvme1 --vf=1
bad=0
for len in $(seq 0 256); do
	head -c "$len" "$T/good" > "$T/cut"
	clear_trace
	run "$P" load /dev/nvme1 --vf=1 -i "$T/cut"
	if [ "$RC" -ne $RC_REFUSED ] || ! grep -q "truncated" <<< "$ERR" || [ "$(sent_opcodes)" != "06 06" ]; then
		bad=$((bad + 1))
		[ $bad -le 3 ] && echo "# cut at $len: rc $RC: $ERR"
	fi
done
[ $bad -eq 0 ] && pass "a blob cut at every header byte is refused as truncated, nothing sent" ||
	fail "a blob cut at every header byte is refused" "$bad lengths misbehaved"

# Header fields set to extreme values, each with a valid header checksum.
python3 - "$T" <<'PY'
import struct, sys, zlib
t = sys.argv[1]
good = bytearray(open(t + '/good', 'rb').read())
def write(name, off, fmt, val, payload=None):
    b = bytearray(good[:256])
    struct.pack_into(fmt, b, off, val)
    b[252:256] = zlib.crc32(bytes(b[:252])).to_bytes(4, 'little')
    open(t + '/x-' + name, 'wb').write(b + (good[256:] if payload is None else payload))
write('version-max', 8, '<H', 0xffff)
write('hdrlen-0', 10, '<H', 0)
write('hdrlen-max', 10, '<H', 0xffff)
write('vf-0', 12, '<H', 0)
write('flags', 14, '<H', 0xffff)
write('len-0', 16, '<I', 0)
write('len-max', 16, '<I', 0xffffffff)
write('len-plus-100', 16, '<I', len(good) - 256 + 100)
write('crc-0', 20, '<I', 0)
write('created-min', 24, '<q', -2**63)
write('created-max', 24, '<q', 2**63 - 1)
PY
for f in "version-max:version is unknown" "hdrlen-0:impossible value" \
	 "hdrlen-max:impossible value" "vf-0:impossible value" "flags:impossible value" \
	 "len-0:impossible value" "len-max:larger than the" "len-plus-100:truncated" \
	 "crc-0:checksum"; do
	name=${f%%:*}
	clear_trace
	run "$P" load /dev/nvme1 --vf=1 -i "$T/x-$name"
	expect_rc $RC_REFUSED "header $name: refused"
	expect_err "${f#*:}" "header $name: says why"
	expect_sent "06 06" "header $name: no LOAD_DATA sent"
	run "$P" inspect "$T/x-$name" --output-format=json
	expect_json 'j["valid"] is False' "header $name: inspect says invalid"
done
for name in created-min created-max; do
	run "$P" inspect "$T/x-$name"
	expect_rc 0 "header $name: inspect copes with any creation time"
	run "$P" load /dev/nvme1 --vf=1 -i "$T/x-$name"
	expect_rc 0 "header $name: the creation time does not matter to load"
	run "$P" suspend /dev/nvme1 --vf=1
done

# Symlinks at the output path: never followed.
echo victim > "$T/victim"
ln -sf "$T/victim" "$D/link"
run "$P" save /dev/nvme0 --vf=1 -o "$D/link"
expect_rc $RC_REFUSED "a symlink at the output path is refused"
expect_err "exists" "the symlink is reported as an existing file"
run "$P" save /dev/nvme0 --vf=1 -o "$D/link" --force
expect_rc $RC_REFUSED "--force does not replace a symlink"
expect_err "not a regular file; --force replaces only regular files" "--force: says why"
[ "$(cat "$T/victim")" = victim ] && [ -L "$D/link" ] &&
	pass "the symlink and its target are untouched" ||
	fail "the symlink and its target are untouched" "changed"
rm -f "$D/link"
rm -f "$D/link"
# An unwritable place is found before the device is touched.
clear_trace
run "$P" save /dev/nvme0 --vf=1 -o /sys/intel-lm-test.blob
expect_rc $RC_REFUSED "an unwritable output directory is refused"
expect_err "cannot write /sys/intel-lm-test.blob" "names the unwritable path"
expect_sent "06 06" "an unwritable output stops us before any vendor command"

# --- file-system faults --------------------------------------------------------------------
for f in "write:ENOSPC:(ENOSPC)" "write:EIO:(EIO)" "fsync:EIO:(EIO)" "write:EDQUOT:(EDQUOT)"; do
	fault=${f%:*}
	emu_two_pfs
	run "$P" suspend /dev/nvme0 --vf=1
	run_fs "$fault" save /dev/nvme0 --vf=1 -o "$D/blob"
	expect_rc 1 "$fault: save fails"
	expect_err "${f##*:}" "$fault: the errno is named"
	expect_err "nothing was left at that path" "$fault: says nothing was left"
	expect_clean_dir "$fault"
	echo precious > "$D/blob"
	run_fs "$fault" save /dev/nvme0 --vf=1 -o "$D/blob" --force
	[ "$(cat "$D/blob")" = precious ] && [ "$(ls -A "$D")" = blob ] &&
		pass "$fault: an existing file survives a failed --force save" ||
		fail "$fault: an existing file survives" "$(ls -A "$D")"
	rm -f "$D/blob"
	run_fs "$fault" save /dev/nvme0 --vf=1-2 -o "$D/dir"
	expect_rc 1 "$fault: batch save fails"
	[ -z "$(ls -A "$D/dir")" ] && pass "$fault: batch leaves no file" ||
		fail "$fault: batch leaves no file" "$(ls -A "$D/dir")"
	rm -rf "$D/dir"
	run_fs "$fault" migrate /dev/nvme0 --vf=2 --to=/dev/nvme1 --keep="$D/kept"
	expect_rc 1 "$fault: migrate fails at keeping the state"
	expect_err "cannot keep the state" "$fault: migrate says why"
	expect_state nvme0 2 running "$fault: migrate resumed the source"
	expect_state nvme1 2 suspended "$fault: migrate left the destination suspended, as it says"
	expect_clean_dir "$fault migrate"
done

# --- signals -------------------------------------------------------------------------------
# Signal $1 to a save of VF 1 while it writes its file (each write takes 3 s): once fsfault
# says the first write of a file under $D began, and checks that the file was not yet in place.
signal_slow_save() {
	local desc="SIG$1 during the write: the signal came after SAVE_DATA, with the file written"
	emu_two_pfs
	run "$P" suspend /dev/nvme0 --vf=1
	rm -f "$T/fsfault.log"
	INTEL_LM_FSFAULT=write:slow:3000 INTEL_LM_FSFAULT_DIR=$D \
		INTEL_LM_FSFAULT_LOG=$T/fsfault.log LD_PRELOAD="$EMU_SO:$FSFAULT_SO" \
		$P save /dev/nvme0 --vf=1 -o "$D/blob" > /dev/null 2> "$T/err" &
	pid=$!
	if wait_until grep -q "^write slow $D/" "$T/fsfault.log" 2> /dev/null; then
		kill "-$1" $pid
		[ "$(completed nvme0 0xd2)" = 1 ] && [ ! -e "$D/blob" ] &&
			pass "$desc" || fail "$desc" \
				"SAVE_DATA completed $(completed nvme0 0xd2) times; $(ls -A "$D")"
	else
		kill "-$1" $pid
		fail "$desc" "no slowed write under $D in 20 s"
	fi
}

# SIGTERM while the output file is being written: SAVE_DATA has disabled the VF, so the state
# is written whole before the signal is obeyed; never half a file, never a lost state.
signal_slow_save TERM
RC=0
wait $pid || RC=$?
ERR=$(cat "$T/err")
expect_rc 0 "SIGTERM during the write: save completes"
expect_err "SIGTERM arrived" "SIGTERM during the write: says the signal came and was held"
run "$P" inspect "$D/blob"
expect_rc 0 "SIGTERM during the write: the blob is whole and verifies"
rm -f "$D/blob"
# kill -9 while the file is being written: no file; SAVE_DATA's outcome went on record before
# the write, so status says the VF is saved, its save interrupted, and no file holds the state.
signal_slow_save KILL
wait $pid 2>/dev/null || true
[ ! -e "$D/blob" ] && pass "kill -9 during the write: no file" ||
	fail "kill -9 during the write: no file" "$(ls -la "$D")"
run "$P" status /dev/nvme0 --vf=1 --output-format=json
expect_json "j['vfs'][0]['state'] == 'saved' and j['vfs'][0]['pending'] is None and j['vfs'][0]['unresolved'] and j['vfs'][0]['state_file'] is None" \
	"kill -9 during the write: saved on record, SAVE_DATA not in flight, the save unresolved"
# SIGINT during migrate: the step under way finishes, the rest does not, the source resumes.
emu_two_pfs "" "latency.0xd5 = 2000000"
LD_PRELOAD=$EMU_SO $P migrate /dev/nvme0 --vf=2 --to=/dev/nvme1 > "$T/out" 2> "$T/err" &
pid=$!
strike INT $pid nvme1 0xd5 arrived "SIGINT during migrate"
RC=0
wait $pid || RC=$?
ERR=$(cat "$T/err")
expect_rc 130 "SIGINT during migrate exits 130"
expect_err "interrupted by SIGINT before the destination resume" "SIGINT: says where it stopped"
expect_err "the source VF 2 of /dev/nvme0 was resumed" "SIGINT: the source was resumed"
expect_state nvme0 2 running "SIGINT: source VF running"
expect_state nvme1 2 loaded "SIGINT: destination holds the state, suspended"
expect_err "the destination VF 2 of /dev/nvme1 is loaded" \
	"SIGINT: names the destination's state"
# SIGTERM during a batch: started jobs finish, no new ones start, each VF is reported.
emu_two_pfs "vfs = 8
latency.0xd2 = 400000"
run "$P" suspend /dev/nvme0 --vf=all
LD_PRELOAD=$EMU_SO $P save /dev/nvme0 --vf=all --jobs=1 -o "$D/batch" --output-format=json \
	> "$T/out" 2> "$T/err" &
pid=$!
# during VF 2's SAVE_DATA: VF 1 is saved, VF 2's save finishes, no other starts
strike TERM $pid nvme0 0xd2 arrived "SIGTERM during a batch" 2
RC=0
wait $pid || RC=$?
OUT=$(cat "$T/out")
expect_rc 143 "SIGTERM during a batch exits 143"
expect_json 'any(r["state"] == "saved" for r in j["results"]) and any("not started" in r.get("error", {}).get("message", "") for r in j["results"])' \
	"SIGTERM: finished and not-started VFs are both reported"
expect_json '[r["vf"] for r in j["results"] if r["state"] == "saved"] == [1, 2] and all("not started" in r.get("error", {}).get("message", "") for r in j["results"] if r["vf"] > 2)' \
	"SIGTERM during VF 2's SAVE_DATA: VFs 1 and 2 saved, VFs 3-8 not started"
n_saved=$(python3 -c 'import json,sys; print(sum(r["state"] == "saved" for r in json.load(sys.stdin)["results"]))' <<< "$OUT")
[ "$(ls -A "$D/batch" | wc -l)" = "$n_saved" ] && ! ls -A "$D/batch" | grep -q '^\.' &&
	pass "SIGTERM: one whole file per saved VF, no temporary file" ||
	fail "SIGTERM: one whole file per saved VF" "$(ls -A "$D/batch")"
rm -rf "$D/batch"
# SIGTERM during a migrate of several VFs: no new pair starts, the pair under way rolls back
# (or completes), each pair is reported, and no VF is left with two running copies.
emu_two_pfs "vfs = 6
latency.0xd2 = 400000" "vfs = 6"
LD_PRELOAD=$EMU_SO $P migrate /dev/nvme0 --vf=all --to=/dev/nvme1 --to-vf=all --jobs=1 \
	--output-format=json > "$T/out" 2> "$T/err" &
pid=$!
# during the second pair's SAVE_DATA: the first pair migrated, no third starts
strike TERM $pid nvme0 0xd2 arrived "SIGTERM during a migrate of several VFs" 2
RC=0
wait $pid || RC=$?
OUT=$(cat "$T/out")
keep_json "$OUT"
expect_rc 143 "SIGTERM during a migrate of several VFs exits 143"
expect_json 'len(j["results"]) == 6 and any(r["success"] for r in j["results"]) and any("not started" in r.get("error", {}).get("message", "") for r in j["results"])' \
	"SIGTERM: migrated and not-started pairs are both reported"
expect_json 'j["results"][0]["vf"] == 1 and j["results"][0]["success"] and all("not started" in r.get("error", {}).get("message", "") for r in j["results"] if r["vf"] > 2)' \
	"SIGTERM during pair 2's SAVE_DATA: pair 1 migrated, pairs 3-6 not started"
# Each pair: migrated (source saved, destination runs), rolled back (source runs, destination
# does not), or never started (both as they were, running their own states).
bad=
while read -r vf how; do
	want="saved running"
	[ "$how" = rolled ] && want="running suspended"
	[ "$how" = untouched ] && want="running running"
	got="$(vf_state nvme0 "$vf") $(vf_state nvme1 "$vf")"
	[ "$how" = rolled ] && [ "${got#running }" = loaded ] && got="running suspended"
	[ "$got" = "$want" ] || bad="$bad VF $vf ($how): $got;"
done < <(python3 -c 'import json,sys
for r in json.load(sys.stdin)["results"]:
    how = "migrated" if r["success"] else "untouched" if "steps" not in r else "rolled"
    print(r["vf"], how)' <<< "$OUT")
[ -z "$bad" ] && pass "SIGTERM: every pair migrated, rolled back or untouched; none runs twice" ||
	fail "SIGTERM: every pair migrated, rolled back or untouched" "$bad"
expect_state nvme0 6 running "SIGTERM: a pair never started left its source running"

# SIGPIPE: a closed stdout is an error like any other. The state is larger than a pipe holds,
# so the writer meets the closed end whatever the timing.
emu_two_pfs "vf.1.size = 200000"
run "$P" suspend /dev/nvme0 --vf=1
RC=0
LD_PRELOAD=$EMU_SO $P save /dev/nvme0 --vf=1 -o - 2> "$T/err" | (exit 0)
RC=${PIPESTATUS[0]}
ERR=$(cat "$T/err")
expect_rc 1 "a closed stdout fails save with exit 1"
expect_err "EPIPE" "a closed stdout is reported as EPIPE"

# --- privilege and data hygiene ------------------------------------------------------------
emu_two_pfs
run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --keep="$D/kept"
[ "$(stat -c %a "$D/kept")" = 600 ] && pass "the --keep file is 0600" ||
	fail "the --keep file is 0600" "$(stat -c %a "$D/kept")"
[ "$(stat -c %a "$INTEL_LM_LOCK_DIR")" = 700 ] && pass "the lock directory is 0700" ||
	fail "the lock directory is 0700" "$(stat -c %a "$INTEL_LM_LOCK_DIR")"
if command -v strace > /dev/null; then
	emu_two_pfs
	LD_PRELOAD=$EMU_SO strace -f -qq -e trace=execve -o "$T/strace" \
		$P migrate /dev/nvme0 --vf=2 --to=/dev/nvme1 > /dev/null 2>&1
	n=$(grep -c 'execve(' "$T/strace")
	[ "$n" = 1 ] && pass "no shell or other program is ever run (one execve)" ||
		fail "no shell or other program is ever run" "$(cat "$T/strace")"
else
	fail "no shell is run" "strace is not installed"
fi

# --- the fault matrix ----------------------------------------------------------------------
# Every operation crossed with every device fault at the operation's data command: exit
# status, a decoded message, no file left, and the VF in the state the report names.
cases=0 passed=0
rm -rf "${D:?}"/* "${TMPDIR:?}"/*
faults="0x4002 0x400c 0x4001 0x0006 EINTR ETIMEDOUT EIO ENODEV EACCES"
for op in save save-batch load-batch migrate; do
	for what in $faults; do
		cases=$((cases + 1))
		ok=1
		case $op in
		save)
			emu_two_pfs "fault = 0xd2 1 $what"
			run "$P" suspend /dev/nvme0 --vf=1
			run "$P" save /dev/nvme0 --vf=1 -o "$D/blob"
			[ "$RC" = "$(fault_rc "$what")" ] && [ -z "$(ls -A "$D")" ] || ok=0
			;;
		save-batch)
			emu_two_pfs "fault = 0xd2 2 $what"
			run "$P" suspend /dev/nvme0 --vf=1-3
			run "$P" save /dev/nvme0 --vf=1-3 --jobs=1 -o "$D/b" --output-format=json
			[ "$RC" = "$(fault_rc "$what" batch)" ] &&
				[ "$(ls "$D/b" | tr '\n' ' ')" = "vf1.blob vf3.blob " ] || ok=0
			python3 -c 'import json,sys; j=json.load(sys.stdin); r=j["results"]; sys.exit(0 if r[1]["success"] is False and r[1]["state"] in ("suspended","unknown") and r[0]["success"] and r[2]["success"] else 1)' <<< "$OUT" || ok=0
			rm -rf "$D/b"
			;;
		load-batch)
			emu_two_pfs "" "fault = 0xd5 2 $what"
			run "$P" suspend /dev/nvme0 --vf=1-2
			run "$P" save /dev/nvme0 --vf=1-2 -o "$D/b"
			run "$P" suspend /dev/nvme1 --vf=1-2
			run "$P" load /dev/nvme1 --vf=1-2 --jobs=1 -i "$D/b" --output-format=json
			[ "$RC" = "$(fault_rc "$what" batch)" ] && [ "$(vf_state nvme1 1)" = loaded ] &&
				[ "$(vf_state nvme1 2)" = suspended ] || ok=0
			rm -rf "$D/b"
			;;
		migrate)
			emu_two_pfs "" "fault = 0xd5 1 $what"
			run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1
			# The rollback resumed the source: its safety copy is stale, and removed.
			[ "$RC" = "$(fault_rc "$what")" ] && [ "$(vf_state nvme0 1)" = running ] &&
				[ "$(vf_state nvme1 1)" = suspended ] &&
				[ "$(ls "$TMPDIR" | wc -l)" = 0 ] || ok=0
			rm -f "$TMPDIR"/*
			;;
		esac
		grep -q "failed" <<< "$ERR$OUT" || ok=0
		if [ $ok = 1 ]; then
			passed=$((passed + 1))
		else
			echo "# matrix case $op x $what failed: rc $RC: $ERR"
		fi
		rm -f "$D"/* 2>/dev/null
	done
done
echo "fault matrix: $cases cases ran, $passed passed"
[ $passed = $cases ] && pass "fault matrix: all $cases cases" ||
	fail "fault matrix" "$((cases - passed)) of $cases cases failed"

e2e_finish
