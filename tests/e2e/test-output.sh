#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End-to-end: what reaches the user from names intel-lm does not choose. JSON stays valid
# UTF-8 after a file name that is not (the escape of intel-lm-json(7), STRINGS, exactly, and
# the bytes back from it); the terminal gets no control character from a name (the escapes of
# nvme-intel-lm(1), and bash's $'...' gives the name back); a path longer than the record holds
# is refused before anything reaches the device (nvme-intel-lm(1), THE RECORD).
set -u
. "$(dirname "$0")/lib.sh"
e2e_init e2e-output "$1"
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"
D=$(realpath "$T")/files
mkdir -p "$D"

# Whether file $1 is UTF-8 with no control character but newline (C0, DEL, C1), no line or
# paragraph separator and no bidirectional control.
clean_text() {
	python3 -c 'import sys
s = open(sys.argv[1], "rb").read().decode("utf-8")
bad = [c for c in s if c != "\n" and (ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or
       c in "\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")]
sys.exit(1 if bad else 0)' "$1" 2> /dev/null
}

expect_clean() {
	if clean_text "$T/out" && clean_text "$T/err"; then
		pass "$1"
	else
		fail "$1" "$(cat -v "$T/out" "$T/err" | head -5)"
	fi
}

# The vendor commands' counters of PF $1 (QUERY_DATA_SIZE to LOAD_DATA).
vendor_counts() {
	"$EMU_CTL" counters "$1" | tr ' ' '\n' | grep -E '^0x(c4|c8|cc|d2|d5)=' | tr '\n' ' '
}

expect_nothing_sent() {
	local now0 now1
	now0=$(vendor_counts nvme0) now1=$(vendor_counts nvme1)
	if [ "$now0" = "$before0" ] && [ "$now1" = "$before1" ]; then
		pass "$1"
	else
		fail "$1" "counters went from '$before0' '$before1' to '$now0' '$now1'"
	fi
}

# A name of nested directories of 200 bytes each, $1 bytes in all under $D (a file name of
# "f" and digits ends it): made, but for the last part.
long_path() {
	local want=$1 p=$D dir
	while [ $((${#p} + 201 + 10)) -lt "$want" ]; do
		dir=$(printf 'd%.0s' {1..200})
		p=$p/$dir
	done
	mkdir -p "$p"
	local rest=$((want - ${#p} - 1))
	printf '%s/f%s' "$p" "$(printf '0%.0s' $(seq 2 "$rest"))"
}

# A name with a byte that is not UTF-8 (ff), an e-acute, and nothing else unusual.
latin=$'caf\xc3\xa9-\xff.blob'
# One with terminal escapes, CR, DEL, a C1 CSI in UTF-8, a bidirectional override, a newline
# with a forged advice line after it, a backslash, and a byte that is not UTF-8.
evil=$'\e[31mred\e]0;owned\a\r\x7f\xc2\x9b2J\xe2\x80\xae\n  next: run me\\\xff.blob'
# ... and as nvme-intel-lm(1) shows it.
evil_shown='\x1b[31mred\x1b]0;owned\x07\r\x7f\xc2\x9b2J\xe2\x80\xae\n  next: run me\\\xff.blob'

for P in "${PROGS[@]}"; do
	p=${P##*/}
	rm -rf "${D:?}"/*

	# --- JSON: valid UTF-8, the documented escape, the bytes back ------------------------
	emu_two_pfs
	run "$P" suspend /dev/nvme0 --vf=1
	run "$P" save /dev/nvme0 --vf=1 -o "$D/$latin" --output-format=json
	expect_rc 0 "$p: save to a name that is not UTF-8"
	# As a reader in a UTF-8 locale takes it (in the C locale Python reads stdin with
	# surrogateescape, which would hide bytes that are not UTF-8), and as bytes decoded
	# strictly.
	if LD_PRELOAD=$EMU_SO $P status --output-format=json > "$T/status.json" 2> "$T/err" &&
	   LC_ALL=C.UTF-8 PYTHONIOENCODING=utf-8:strict python3 -c \
		'import json,sys; json.load(sys.stdin)' < "$T/status.json" 2> "$T/pyerr" &&
	   python3 -c 'import json, sys
json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))' "$T/status.json" 2>> "$T/pyerr"
	then
		pass "$p: status's JSON loads after a name that is not UTF-8"
	else
		fail "$p: status's JSON loads after a name that is not UTF-8" "$(cat "$T/pyerr")"
	fi
	keep_json "$(cat "$T/status.json")"
	if grep -qF "\"state_file\": \"$D/café-\\udcff.blob\"" "$T/status.json"; then
		pass "$p: the byte ff is written \\udcff, the UTF-8 as it is"
	else
		fail "$p: the byte ff is written \\udcff" "$(grep state_file "$T/status.json")"
	fi
	if python3 -c 'import json,os,sys
j = json.load(open(sys.argv[1]))
f = [v["state_file"] for v in j["vfs"] if v["vf"] == 1 and v["device"] == "/dev/nvme0"][0]
want = os.fsencode(sys.argv[2])
sys.exit(0 if f.encode("utf-8", "surrogateescape") == want and os.path.isfile(f) else 1)' \
		"$T/status.json" "$D/$latin"; then
		pass "$p: the recorded file's bytes come back from the escape, and name the file"
	else
		fail "$p: the recorded file's bytes come back from the escape" \
			"$(grep state_file "$T/status.json")"
	fi
	expect_json 'j["output_file"].encode("utf-8", "surrogateescape")
		     .endswith(b"caf\xc3\xa9-\xff.blob")' \
		"$p: save's own JSON names the file the same way"
	# An error quoting the name: still valid JSON, on stdout, with the words on stderr.
	run "$P" save /dev/nvme0 --vf=1 -o "$D/$latin" --output-format=json
	expect_rc $RC_REFUSED "$p: an existing file is refused"
	expect_json '"\udcff" in j["error"]["message"] and j["error"]["kind"] == "refused"' \
		"$p: the refusal's JSON quotes the name with the escape"

	# --- text: no control character reaches the terminal -------------------------------
	run "$P" suspend /dev/nvme0 --vf=2
	run "$P" save /dev/nvme0 --vf=2 -o "$D/$evil"
	expect_rc 0 "$p: save to a name full of controls"
	expect_clean "$p: save's words carry no control character"
	expect_out "to $D/$evil_shown" "$p: save shows the name escaped as documented"
	shown=$(sed -n "s|.*saved [0-9]* bytes of state to ||p" <<< "$OUT")
	# shellcheck disable=SC2016 # expanded by the inner bash
	back=$(bash -c 'eval "printf %s \$'"'"'$1'"'"'"' _ "$shown")
	[ "$back" = "$D/$evil" ] && pass "$p: bash's \$'...' reads the shown name back" ||
		fail "$p: bash's \$'...' reads the shown name back" "$(printf %q "$back")"
	run "$P" save /dev/nvme0 --vf=2 -o "$D/$evil"
	expect_rc $RC_REFUSED "$p: the existing file is refused"
	expect_clean "$p: the refusal carries no control character"
	if [ "$(grep -c '^  next: ' <<< "$ERR")" = 1 ] &&
	   grep -qxF "  next: choose another name, or add --force to replace it" <<< "$ERR" &&
	   grep -qF "$evil_shown exists" <<< "$ERR"; then
		pass "$p: a newline in the name forges no advice line; the real advice follows"
	else
		fail "$p: a newline in the name forges no advice line" "$ERR"
	fi
	run "$P" status
	expect_clean "$p: status's words carry no control character"
	expect_out "state file: $D/$evil_shown (" "$p: status shows the recorded name escaped"
	run "$P" inspect "$D/$evil"
	expect_clean "$p: inspect's words carry no control character"
	run "$P" load /dev/nvme0 --vf=3 -i "$D/$evil.missing"
	expect_clean "$p: a missing input file's error carries no control character"
	run "$P" status --output-format=json
	expect_json 'any(v["state_file"] and "\x1b[31mred" in v["state_file"] for v in j["vfs"])' \
		"$p: JSON keeps the controls as JSON escapes"

	# --- a path longer than the record holds: refused, nothing sent ----------------------
	emu_two_pfs
	run "$P" suspend /dev/nvme0 --vf=1
	run "$P" suspend /dev/nvme0 --vf=2
	fits=$(long_path 1023)
	over=$(long_path 1024)
	before0=$(vendor_counts nvme0) before1=$(vendor_counts nvme1)
	clear_trace
	run "$P" save /dev/nvme0 --vf=1 -o "$over"
	expect_rc $RC_REFUSED "$p: save -o of 1024 bytes is refused"
	expect_err "is 1024 bytes as an absolute path, longer than the 1023 bytes" \
		"$p: says the path's length and the limit"
	expect_err "nothing was sent to the device" "$p: says nothing was sent"
	expect_err "${over:0:48}..." "$p: names the path"
	expect_sent "" "$p: not even Identify reached the device"
	expect_state nvme0 1 suspended "$p: the VF is as it was"
	[ -e "$over" ] && fail "$p: no file left" "$over exists" || pass "$p: no file left"
	run "$P" save /dev/nvme0 --vf=1 -o "$over" --output-format=json
	expect_json 'j["error"]["errno"] == "ENAMETOOLONG" and "1024 bytes" in j["error"]["message"]
		     and j["error"]["operation"] == "check --output-file"' \
		"$p: the JSON refusal says the same"
	expect_nothing_sent "$p: the emulator's counters are unchanged"
	# The batch's files: DIR/vfN.blob.
	dir=$(long_path 1015)
	run "$P" save /dev/nvme0 --vf=1,2 -o "$dir"
	expect_rc $RC_REFUSED "$p: a batch whose files would be 1024 bytes is refused"
	expect_err "/vf1.blob is 1024 bytes as an absolute path" "$p: names the first file too long"
	expect_nothing_sent "$p: no vendor command for the batch"
	# migrate: the --keep file, a --keep directory, the safety copy in a long TMPDIR.
	run "$P" migrate /dev/nvme0 --vf=3 --to=/dev/nvme1 --to-vf=1 --keep="$over"
	expect_rc $RC_REFUSED "$p: migrate --keep of 1024 bytes is refused"
	expect_err "the --keep file" "$p: names the --keep file"
	expect_nothing_sent "$p: migrate sent nothing for its --keep"
	run "$P" migrate /dev/nvme0 --vf=3,4 --to=/dev/nvme1 --to-vf=1,2 --keep="$dir"
	expect_rc $RC_REFUSED "$p: migrate --keep of a directory whose files are too long"
	expect_nothing_sent "$p: migrate of two pairs sent nothing"
	long_tmp=$(long_path 990)
	mkdir -p "$long_tmp"
	TMPDIR=$long_tmp run "$P" migrate /dev/nvme0 --vf=3 --to=/dev/nvme1 --to-vf=1
	expect_rc $RC_REFUSED "$p: a safety copy in a TMPDIR too long is refused"
	expect_err "set TMPDIR to a shorter directory" "$p: says what to change"
	expect_nothing_sent "$p: migrate sent nothing for its safety copy"
	expect_state nvme0 3 running "$p: the source is as it was"
	expect_state nvme1 1 running "$p: the destination is as it was"
	# The longest that fits is on record whole.
	run "$P" save /dev/nvme0 --vf=1 -o "$fits" --output-format=json
	expect_rc 0 "$p: save -o of 1023 bytes works"
	run "$P" status --output-format=json
	expect_json "[v['state_file'] for v in j['vfs']
		     if v['vf'] == 1 and v['device'] == '/dev/nvme0'] == ['$fits']" \
		"$p: status has the 1023-byte path whole"
done

e2e_finish
