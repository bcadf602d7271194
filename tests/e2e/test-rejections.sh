#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End-to-end: everything intel-lm must refuse, and the message it refuses with. Nothing refused
# may reach the device (the emulator's trace shows what did).
set -u
. "$(dirname "$0")/lib.sh"
e2e_init e2e-rejections "$1"

prog_n=0
for P in "${PROGS[@]}"; do
	p=${P##*/}
	D=$T/prog$((++prog_n))
	mkdir -p "$D"
	emu_two_pfs

	# --vf values
	for bad in 0 9 abc -1 65536 3x "" 99999999999999999999; do
		clear_trace
		run "$P" suspend /dev/nvme0 --vf="$bad"
		expect_rc $RC_REFUSED "$p --vf='$bad' refused"
		expect_err "this PF's VFs are: 1-4" "$p --vf='$bad' lists the valid VFs"
		expect_sent "06 06" "$p --vf='$bad' sends only Identify"
	done
	run "$P" suspend /dev/nvme0
	expect_rc 2 "$p missing --vf is a usage error"
	expect_err "--vf=N is required" "$p says --vf is required"
	run "$P" suspend /dev/nvme0 --vf=1 --bogus
	expect_rc 2 "$p unknown option is a usage error"
	run "$P" info /dev/nvme0 --raw
	expect_rc 2 "$p an option of another command is refused"
	expect_err "does not apply" "$p says the option does not apply"
	run "$P" query-size /dev/nvme0 --vf=1 --output-format=xml
	expect_rc 2 "$p --output-format=xml refused"
	run "$P" query-size /dev/nvme0 --vf=1 --timeout=-5
	expect_rc 2 "$p --timeout=-5 refused"
	# -o json by nvme-cli habit: refused, no file named json, nothing sent.
	run "$P" suspend /dev/nvme0 --vf=1
	clear_trace
	(cd "$T" && LD_PRELOAD=$EMU_SO $P save /dev/nvme0 --vf=1 -o json > "$T/out" 2> "$T/err")
	RC=$? ERR=$(cat "$T/err")
	expect_rc 2 "$p save -o json is a usage error"
	expect_err "not nvme-cli's --output-format" "$p save -o json says why"
	expect_err "./json" "$p save -o json names the way to such a file"
	[ ! -e "$T/json" ] && pass "$p save -o json wrote no file" || fail "$p save -o json wrote no file" "json exists"
	expect_sent "" "$p save -o json sent nothing"
	(cd "$T" && LD_PRELOAD=$EMU_SO $P save /dev/nvme0 --vf=1 -o ./json > "$T/out" 2> "$T/err")
	RC=$? ERR=$(cat "$T/err")
	expect_rc 0 "$p save -o ./json writes a file of that name"
	[ -s "$T/json" ] && pass "$p ./json holds the state" || fail "$p ./json holds the state" "missing"
	rm -f "$T/json"
	LD_PRELOAD=$EMU_SO $P resume /dev/nvme0 --vf=1 > /dev/null 2>&1

	# What changes a VF names its PF; what only reads may find the host's only capable PF.
	for cmd in suspend resume "save -o $T/nodev" "load -i $T/nodev" "migrate --to=/dev/nvme1"; do
		clear_trace
		# shellcheck disable=SC2086 # $cmd holds the command and its options
		run "$P" $cmd --vf=1
		expect_rc $RC_USAGE "$p ${cmd%% *} without a device is a usage error"
		expect_err "name the PF: ${cmd%% *} changes a VF" "$p ${cmd%% *}: says to name the PF"
		expect_sent "" "$p ${cmd%% *} without a device sends nothing"
	done
	[ ! -e "$T/nodev" ] && pass "$p no file was written" || fail "$p no file was written" "$T/nodev"
	run "$P" info --output=json
	expect_rc $RC_USAGE "$p --output=json is a usage error"
	expect_err "option '--output' is ambiguous: it could be --output-file, --output-format" \
		"$p --output is called ambiguous, with what it could be"
	# A usage error is a JSON document when the command line asks for JSON, wherever it does.
	clear_trace
	run "$P" suspend /dev/nvme0 --vf=1 --bogus --output-format=json
	expect_rc $RC_USAGE "$p a usage error with --output-format=json exits 2"
	expect_json 'j["success"] is False and j["exit_status"] == 2 and j["error"]["kind"] == "usage" and "--bogus" in j["error"]["message"] and "--help" in j["error"]["hint"]' \
		"$p a usage error is a JSON document when JSON was asked for"
	expect_err "unknown option '--bogus'" "$p the usage error is in words on stderr too"
	run "$P" save /dev/nvme0 --output-format json --vf=1
	expect_json 'j["error"]["kind"] == "usage" and "-o/--output-file=FILE is required" in j["error"]["message"]' \
		"$p --output-format json (two words) gives JSON for a missing option"
	run "$P" suspend --output-format=json --vf=1
	expect_json 'j["exit_status"] == 2 and "name the PF" in j["error"]["message"]' \
		"$p a missing device is a usage error in JSON"
	expect_sent "" "$p the usage errors sent nothing"
	# A state is binary: never written to, nor read from, a terminal (script(1) gives a pty).
	for io in "save /dev/nvme0 --vf=1 -o -:writes the state to standard output, which is a terminal" \
		  "load /dev/nvme0 --vf=1 -i -:reads the state from standard input, which is a terminal"; do
		args=${io%%:*}
		clear_trace
		# shellcheck disable=SC2086 # $P may be "nvme intel-lm"
		script -qec "LD_PRELOAD=$EMU_SO $P $args" /dev/null > "$T/tty" 2>&1
		RC=$? ERR=$(cat "$T/tty")
		expect_rc $RC_USAGE "$p ${args%% *} ${args##* } on a terminal is refused"
		expect_err "${io#*:}" "$p ${args%% *} ${args##* } on a terminal: says why"
		expect_sent "" "$p ${args%% *} ${args##* } on a terminal: nothing sent"
	done
	run "$P" suspend /dev/nvme0 --vf=1
	run "$P" save /dev/nvme0 --vf=1 -o "$T/lower" --max-state-size=2k
	expect_rc $RC_REFUSED "$p --max-state-size=2k is 2 KiB (lower-case suffix), below the state"
	expect_err "above the 2048 bytes" "$p 2k is read as 2048 bytes"
	LD_PRELOAD=$EMU_SO $P resume /dev/nvme0 --vf=1 > /dev/null 2>&1

	# --raw: an empty file is empty, and a blob is not a raw state (its header would be sent).
	: > "$T/empty.bin"
	run "$P" suspend /dev/nvme1 --vf=1
	clear_trace
	run "$P" load /dev/nvme1 --vf=1 --raw -i "$T/empty.bin"
	expect_rc $RC_REFUSED "$p load --raw of an empty file is refused"
	expect_err "is empty: it holds no state; nothing was sent" "$p says the file is empty"
	run "$P" suspend /dev/nvme0 --vf=2
	run "$P" save /dev/nvme0 --vf=2 -o "$T/a.blob"
	clear_trace
	run "$P" load /dev/nvme1 --vf=1 --raw -i "$T/a.blob"
	expect_rc $RC_REFUSED "$p load --raw of an intel-lm blob is refused"
	expect_err "is an intel-lm state blob, not a raw state" "$p says it is a blob"
	expect_err "load it without --raw" "$p says how to load it"
	expect_sent "06 06" "$p nothing but Identify reaches the device"
	rm -f "$T/a.blob" "$T/empty.bin"
	emu_two_pfs

	# devices
	run "$P" info /dev/nvme9
	expect_rc $RC_REFUSED "$p missing device refused"
	expect_err "open failed on /dev/nvme9: no such device" "$p names the missing device"
	run "$P" info /dev/nvme0n1
	expect_rc $RC_REFUSED "$p namespace refused"
	expect_err "an NVMe namespace, not a controller" "$p recognises a namespace"
	expect_err "name its controller instead: /dev/nvme0" "$p names the namespace's controller"
	run "$P" suspend /dev/nvme5 --vf=1
	expect_rc $RC_REFUSED "$p VF controller refused"
	expect_err "a VF's own controller" "$p recognises a VF's controller"
	expect_err "name the PF instead: /dev/nvme0" "$p names the VF's PF"
	run "$P" info /dev/null
	expect_rc $RC_REFUSED "$p a non-NVMe device refused"
	expect_err "not an NVMe controller character device" "$p says it is not a controller"
	touch "$D/nvme7"
	chmod 600 "$D/nvme7"
	RC=0
	setpriv --reuid=65534 --regid=65534 --clear-groups -- $P info "$D/nvme7" \
		> "$T/out" 2> "$T/err" || RC=$?
	ERR=$(cat "$T/err")
	expect_rc $RC_REFUSED "$p permission error refused"
	expect_err "permission denied" "$p says permission denied"
	expect_err "CAP_SYS_ADMIN" "$p names the privilege needed"

	# no device: the only capable PF, or the list of candidates
	run "$P" query-size --vf=1
	expect_rc $RC_REFUSED "$p no device with two capable PFs refused"
	expect_err "more than one PF supporting live migration (Intel's commands or TP4159) among: $(
		)/dev/nvme0" \
		"$p lists the candidates"
	run "$P" query-size --vf=1 --output-format=json
	expect_json '"errno" not in j["error"] and j["error"]["kind"] == "refused"' \
		"$p more than one PF is no errno (it was ENODEV)"
	emu_config <<CONF
[pf nvme0]
lm = 0x00
[pf nvme1]
serial = ONLY
vfs = 2
CONF
	run "$P" query-size --vf=2 --output-format=json
	expect_rc 0 "$p no device: the only capable PF is used"
	expect_json 'j["device"] == "/dev/nvme1" and j["vf"] == 2' "$p no device picks nvme1"

	# a PF without Intel live migration: nothing but Identify without --force
	emu_config <<CONF
[pf nvme0]
lm = 0x00
vfs = 2
CONF
	for cmd in "query-size" "suspend" "resume"; do
		clear_trace
		run "$P" $cmd /dev/nvme0 --vf=1
		expect_rc $RC_REFUSED "$p $cmd refused on a PF without support"
		expect_err "does not support Intel live migration" "$p $cmd says why"
		expect_err "--force" "$p $cmd says what --force does"
		expect_sent "06" "$p $cmd sent nothing but Identify"
	done
	clear_trace
	run "$P" suspend /dev/nvme0 --vf=1 --force
	expect_rc $RC_DEVICE "$p --force sends anyway, and the device refuses"
	expect_sent "06 06 c8" "$p --force sent SUSPEND"
	expect_err "Invalid Command Opcode (status 0x4001" "$p --force shows the device's answer"
	expect_err "does not implement Intel live migration" "$p --force explains the answer"

	emu_config <<CONF
[pf nvme0]
vid = 0x1b36
vfs = 2
CONF
	run "$P" info /dev/nvme0 --output-format=json
	expect_json 'j["live_migration"] is False and "not Intel" in j["reason"]' \
		"$p info JSON says another vendor is not supported"

	# output files: an existing one is refused before anything reaches the device
	emu_two_pfs
	run "$P" suspend /dev/nvme0 --vf=1
	echo precious > "$D/exists"
	clear_trace
	run "$P" save /dev/nvme0 --vf=1 -o "$D/exists"
	expect_rc $RC_REFUSED "$p existing output refused"
	expect_err "exists" "$p says the output exists"
	expect_sent "" "$p existing output: nothing sent"
	[ "$(cat "$D/exists")" = precious ] && pass "$p existing file untouched" ||
		fail "$p existing file untouched" "changed"
	run "$P" save /dev/nvme0 --vf=1 -o "$D/exists" --force
	expect_rc 0 "$p --force replaces the output"
	run "$P" save /dev/nvme0 --vf=1 -o "$D/no/such/dir/blob"
	expect_rc $RC_REFUSED "$p output in a missing directory refused"
	expect_err "cannot write" "$p says it cannot write"

	# blobs that must not load: each refused before LOAD_DATA reaches the device
	run "$P" save /dev/nvme0 --vf=1 -o "$D/good"
	run "$P" suspend /dev/nvme1 --vf=1
	size=$(stat -c %s "$D/good")
	head -c 100 "$D/good" > "$D/trunc-hdr"
	head -c $((size - 1)) "$D/good" > "$D/trunc-payload"
	{ cat "$D/good"; echo x; } > "$D/too-long"
	python3 - "$D" <<'PY'
import sys, zlib
d = sys.argv[1]
b = bytearray(open(d + '/good', 'rb').read())
def seal(x):
    x[252:256] = zlib.crc32(bytes(x[:252])).to_bytes(4, 'little')
    return x
v = bytearray(b); v[8] = 9; open(d + '/version', 'wb').write(seal(v))
h = bytearray(b); h[60] ^= 1; open(d + '/hdr-crc', 'wb').write(h)
p = bytearray(b); p[300] ^= 1; open(d + '/payload-crc', 'wb').write(p)
f = bytearray(b); f[96:104] = b'9.9.9   '; open(d + '/firmware', 'wb').write(seal(f))
m = bytearray(b); m[0] = ord('X'); open(d + '/magic', 'wb').write(m)
PY
	for f in trunc-hdr:truncated trunc-payload:truncated too-long:"longer than its header" \
		 version:"version is unknown" hdr-crc:checksum payload-crc:checksum \
		 magic:"not an intel-lm state blob"; do
		name=${f%%:*}
		why=${f#*:}
		clear_trace
		run "$P" load /dev/nvme1 --vf=1 -i "$D/$name"
		expect_rc $RC_REFUSED "$p load refuses $name"
		expect_err "$why" "$p load says why for $name"
		expect_sent "06 06" "$p $name: no LOAD_DATA sent"
		run "$P" inspect "$D/$name" --output-format=json
		expect_json 'j["valid"] is False and j["error"]["operation"] == "verify" and j["error"]["kind"] == "refused"' \
			"$p inspect says $name is invalid, with an error object as load's"
		expect_rc $RC_REFUSED "$p inspect exits 3 for $name: load would refuse it"
	done
	clear_trace
	run "$P" load /dev/nvme1 --vf=1 -i "$D/firmware"
	expect_rc $RC_REFUSED "$p load refuses a blob from other firmware"
	expect_err 'firmware differs (blob "9.9.9", destination "1.0.0")' "$p names the difference"
	expect_err "--force loads it anyway" "$p says what --force does for identity"
	expect_sent "06 06" "$p other firmware: no LOAD_DATA sent"
	run "$P" load /dev/nvme1 --vf=1 -i "$D/firmware" --force
	expect_rc 0 "$p --force loads a blob from other firmware"
	expect_err "different kind of PF" "$p --force load notes the difference"
	run "$P" load /dev/nvme1 --vf=1 -i "$D/missing-file"
	expect_rc $RC_REFUSED "$p missing input file refused"
	expect_err "cannot read" "$p says it cannot read the input"

	# a state larger than the destination can take
	emu_two_pfs "vf.1.size = 200000" "mdts = 5"
	run "$P" suspend /dev/nvme0 --vf=1
	run "$P" save /dev/nvme0 --vf=1 -o "$D/big"
	expect_rc 0 "$p saves a 200000-byte state"
	run "$P" suspend /dev/nvme1 --vf=1
	clear_trace
	run "$P" load /dev/nvme1 --vf=1 -i "$D/big"
	expect_rc $RC_REFUSED "$p refuses a state above the destination's limit"
	expect_err "check size failed on /dev/nvme1 VF 1: $D/big holds a state larger than the 131072 bytes this PF can take" \
		"$p names the step (a size check, not a read) and the limit"
	expect_sent "06 06" "$p too large: no LOAD_DATA sent"
	rm -f "$D"/big "$D"/good

	# a 4 MiB state: refused by default (the reference driver's 256 KiB), moved with
	# --max-state-size=4M where MDTS allows it
	emu_two_pfs "vf.1.size = 4194304
mdts = 10" "mdts = 10"
	run "$P" suspend /dev/nvme0 --vf=1
	clear_trace
	run "$P" save /dev/nvme0 --vf=1 -o "$D/huge"
	expect_rc $RC_REFUSED "$p a 4 MiB state is refused by default"
	expect_err "above the 262144 bytes this PF can move" "$p names the default limit"
	expect_err "allow them with --max-state-size=BYTES" "$p says how to allow a larger state"
	expect_sent "06 06 c4" "$p a refused size sends no SAVE_DATA"
	run "$P" save /dev/nvme0 --vf=1 -o "$D/huge" --max-state-size=4M
	expect_rc 0 "$p --max-state-size=4M saves a 4 MiB state"
	run "$P" suspend /dev/nvme1 --vf=1
	run "$P" load /dev/nvme1 --vf=1 -i "$D/huge"
	expect_rc $RC_REFUSED "$p the 4 MiB blob is refused by default on load"
	run "$P" load /dev/nvme1 --vf=1 -i "$D/huge" --max-state-size=4M
	expect_rc 0 "$p --max-state-size=4M loads it"
	run "$P" info /dev/nvme0 --max-state-size=5M
	expect_rc 2 "$p --max-state-size above 4 MiB is a usage error"
	rm -f "$D"/huge

	# A host without huge pages (THP turned off for the process, no hugetlb pages free: where
	# this host has some, the programs see an empty pool, lib.sh's no_hugetlb_setup): the
	# kernel's 127 segments per command bound a state to 127 pages, 520192 bytes; a larger one
	# is refused before any data command, with the reason, and 127 pages still move.
	if no_hugetlb_setup; then
		emu_two_pfs "vf.1.size = 524288
vf.2.size = 520192
mdts = 10" "mdts = 10"
		run_no_thp "$P" info /dev/nvme0 --max-state-size=4M
		expect_rc 0 "$p info without huge pages"
		expect_out "largest state  : 520192 bytes" "$p info shows the 127-page limit"
		expect_out "127 memory segments" "$p info names the kernel's segments"
		run_no_thp "$P" info /dev/nvme0 --max-state-size=4M --output-format=json
		expect_json "j['max_state_size'] == 520192 and 'huge pages' in \
			j['max_state_size_limited_by']" "$p info JSON has the 127-page limit"
		run "$P" suspend /dev/nvme0 --vf=1
		run "$P" suspend /dev/nvme0 --vf=2
		clear_trace
		run_no_thp "$P" save /dev/nvme0 --vf=1 -o "$D/big" --max-state-size=4M
		expect_rc $RC_REFUSED "$p a 512 KiB state is refused without huge pages"
		expect_err "above the 520192 bytes this PF can move" "$p names the 127-page limit"
		expect_err "no huge pages" "$p says what is missing"
		expect_err "next: give this host huge pages (e.g. echo 2 > /proc/sys/vm/nr_hugepages" \
			"$p the advice is how to get huge pages"
		expect_sent "06 06 c4" "$p no SAVE_DATA without huge pages"
		[ ! -e "$D/big" ] && pass "$p no file left" || fail "$p no file left" "$D/big exists"
		run_no_thp "$P" save /dev/nvme0 --vf=2 -o "$D/fits" --raw --max-state-size=4M
		expect_rc 0 "$p 127 pages save without huge pages"
		run "$P" suspend /dev/nvme1 --vf=1
		head -c 524288 /dev/urandom > "$D/big.raw"
		clear_trace
		run_no_thp "$P" load /dev/nvme1 --vf=1 -i "$D/big.raw" --raw --max-state-size=4M
		expect_rc $RC_REFUSED "$p a 512 KiB raw state is refused on load without huge pages"
		expect_err "larger than the 520192 bytes this PF can take" "$p load names the limit"
		expect_sent "06 06" "$p no LOAD_DATA without huge pages"
		run_no_thp "$P" load /dev/nvme1 --vf=1 -i "$D/fits" --raw --max-state-size=4M
		expect_rc 0 "$p 127 pages load without huge pages"
		rm -f "$D"/big.raw "$D"/fits
	else
		skip "$p a host without huge pages" "$NO_HUGETLB_WHY" 16
	fi
done

e2e_finish
