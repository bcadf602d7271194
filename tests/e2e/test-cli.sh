#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End-to-end: both programs (nvme-intel-lm and nvme intel-lm), each command in normal and JSON
# output, a full cold migration verified byte for byte, every rejection, streaming and --raw.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init e2e-cli "$1"

prog_n=0
for P in "${PROGS[@]}"; do
	p=${P##*/}
	D=$T/prog$((++prog_n))
	mkdir -p "$D"
	emu_two_pfs

	# info, normal and JSON
	run "$P" info /dev/nvme0
	expect_rc 0 "$p info exits 0"
	expect_out "live migration : supported" "$p info says supported"
	expect_out "0000:3b:00.3" "$p info shows the VFs' PCI addresses"
	run "$P" info nvme0 --output-format=json
	expect_json 'j["live_migration"] is True and [v["vf"] for v in j["vfs"]] == [1,2,3,4]' \
		"$p info JSON: live_migration and vfs"
	expect_json 'j["serial"] == "SRC0001" and j["max_state_size"] == 262144' \
		"$p info JSON: identity and limit"

	# query-size
	run "$P" query-size /dev/nvme0 --vf=2
	expect_rc 0 "$p query-size exits 0"
	expect_out "VF 2: migration state size" "$p query-size prints the size"
	run "$P" query-size /dev/nvme0 --vf=2 --output-format=json
	expect_json 'j["vf"] == 2 and j["size"] > 0 and j["size"] % 512 != 0' "$p query-size JSON"

	# a full cold migration: VF 3 of nvme0 to VF 1 of nvme1
	run "$P" suspend /dev/nvme0 --vf=3 --output-format=json
	expect_json 'j["vf"] == 3 and j["state"] == "suspended"' "$p suspend JSON"
	expect_state nvme0 3 suspended "$p suspend reached the device"
	run "$P" save /dev/nvme0 --vf=3 -o "$D/blob"
	expect_rc 0 "$p save exits 0"
	[ "$(stat -c %a "$D/blob")" = 600 ] && pass "$p blob is mode 0600" ||
		fail "$p blob is mode 0600" "mode $(stat -c %a "$D/blob")"
	run "$P" inspect "$D/blob" --output-format=json
	expect_json 'j["vf"] == 3 and j["valid"] is True and j["payload_size"] > 0' \
		"$p inspect JSON"
	run "$P" inspect "$D/blob"
	expect_out "valid          : yes" "$p inspect normal"
	run "$P" suspend /dev/nvme1 --vf=1
	expect_out "/dev/nvme1 VF 1: suspended" "$p suspend normal"
	run "$P" load /dev/nvme1 --vf=1 -i "$D/blob" --output-format=json
	expect_json 'j["vf"] == 1 and j["source_vf"] == 3 and j["success"] is True' "$p load JSON"
	"$EMU_CTL" dump nvme1 1 "$D/dst.state"
	tail -c +257 "$D/blob" > "$D/saved.state"
	cmp -s "$D/saved.state" "$D/dst.state" && pass "$p destination holds the saved bytes" ||
		fail "$p destination holds the saved bytes" "the states differ"
	run "$P" resume /dev/nvme1 --vf=1
	expect_out "/dev/nvme1 VF 1: resumed" "$p resume normal"
	expect_state nvme1 1 running "$p destination VF running"
	# running, the state is the next generation of the saved one (tests/emu/README.md)
	lin=$("$EMU_CTL" ident "$D/saved.state" | sed -n 's/.* gen=0 lineage=\([0-9a-f]*\) .*/\1/p')
	"$EMU_CTL" show nvme1 1 | grep -q " gen=1 lineage=${lin:-none} protected=yes " &&
		pass "$p destination runs the saved state" ||
		fail "$p destination runs the saved state" "$("$EMU_CTL" show nvme1 1)"

	# stdout / stdin streaming
	emu_two_pfs
	run "$P" suspend /dev/nvme0 --vf=2
	run "$P" suspend /dev/nvme1 --vf=2
	RC=0
	# shellcheck disable=SC2086
	LD_PRELOAD=$EMU_SO $P save /dev/nvme0 --vf=2 -o - 2> "$D/err1" |
		LD_PRELOAD=$EMU_SO $P load /dev/nvme1 --vf=2 -i - > "$T/out" 2> "$T/err" || RC=$?
	expect_rc 0 "$p save -o - | load -i - exits 0"
	grep -q "saved .* to standard output" "$D/err1" && pass "$p save -o - reports on stderr" ||
		fail "$p save -o - reports on stderr" "$(cat "$D/err1")"
	"$EMU_CTL" dump nvme0 2 "$D/a"
	"$EMU_CTL" dump nvme1 2 "$D/b"
	cmp -s "$D/a" "$D/b" && pass "$p streamed state arrives intact" ||
		fail "$p streamed state arrives intact" "states differ"

	# --raw round trip, and a raw file saved by Debian's own nvme admin-passthru
	emu_two_pfs
	run "$P" suspend /dev/nvme0 --vf=4
	run "$P" save /dev/nvme0 --vf=4 --raw -o "$D/raw"
	expect_rc 0 "$p save --raw exits 0"
	"$EMU_CTL" dump nvme0 4 "$D/expect"
	cmp -s "$D/raw" "$D/expect" && pass "$p save --raw writes only the device's bytes" ||
		fail "$p save --raw writes only the device's bytes" "differs"
	run "$P" suspend /dev/nvme1 --vf=2
	run "$P" load /dev/nvme1 --vf=2 --raw -i "$D/raw"
	expect_rc 0 "$p load --raw exits 0"
	size=$(stat -c %s "$D/raw")
	rm -f "$D/pt.raw"
	LD_PRELOAD=$EMU_SO /usr/sbin/nvme admin-passthru /dev/nvme0 --opcode=0xd2 --cdw10=4 \
		--data-len="$size" -r -b > "$D/pt.raw" 2>/dev/null
	cmp -s "$D/pt.raw" "$D/raw" && pass "$p save --raw equals admin-passthru -b" ||
		fail "$p save --raw equals admin-passthru -b" "differs"
	run "$P" load /dev/nvme1 --vf=1 --raw -i "$D/pt.raw"
	expect_rc $RC_DEVICE "$p load --raw into a running VF fails"
	expect_err "suspend the VF first" "$p says to suspend first"
	run "$P" suspend /dev/nvme1 --vf=1
	run "$P" load /dev/nvme1 --vf=1 --raw -i "$D/pt.raw"
	expect_rc 0 "$p loads a blob saved by nvme admin-passthru -b"

	# --dry-run sends no vendor command
	emu_two_pfs
	run "$P" suspend /dev/nvme0 --vf=1 --dry-run
	expect_rc 0 "$p suspend --dry-run exits 0"
	expect_out "would send to /dev/nvme0: SUSPEND opcode=0xc8" "$p --dry-run shows SUSPEND"
	expect_sent "06 06" "$p --dry-run sends only Identify"
	expect_state nvme0 1 running "$p --dry-run left the VF running"
	# In JSON a dry run names what it would work on, as the real command does.
	clear_trace
	run "$P" suspend /dev/nvme0 --vf=1 --dry-run --output-format=json
	expect_json 'j["device"] == "/dev/nvme0" and j["vf"] == 1 and j["dry_run"] is True and "state" not in j and j["changed"] is True' \
		"$p suspend --dry-run JSON names the device and the VF"
	run "$P" resume /dev/nvme0 --vf=2 --dry-run --force --output-format=json
	expect_json 'j["device"] == "/dev/nvme0" and j["vf"] == 2 and j["dry_run"] is True' \
		"$p resume --dry-run JSON names the device and the VF"
	run "$P" save /dev/nvme0 --vf=1 -o "$D/dry.blob" --dry-run --output-format=json
	expect_json 'j["device"] == "/dev/nvme0" and j["vf"] == 1 and j["dry_run"] is True and j["output_file"] == "'"$D/dry.blob"'" and "size" not in j' \
		"$p save --dry-run JSON names the device, the VF and the file (no size: only the device knows it)"
	[ ! -e "$D/dry.blob" ] && pass "$p save --dry-run wrote no file" || fail "$p save --dry-run wrote no file" "$D/dry.blob"
	run "$P" load /dev/nvme1 --vf=1 --raw -i "$D/pt.raw" --dry-run --output-format=json
	expect_json 'j["device"] == "/dev/nvme1" and j["vf"] == 1 and j["dry_run"] is True and j["input_file"] == "'"$D/pt.raw"'" and j["raw"] is True and j["size"] > 0' \
		"$p load --dry-run JSON names the device, the VF, the file and its size"
	expect_sent "06 06 06 06 06 06 06 06" "$p the JSON dry runs sent only Identify"

	# --verbose shows the dwords and the completion
	run "$P" query-size /dev/nvme0 --vf=1 -v
	expect_err "QUERY_DATA_SIZE opcode=0xc4 nsid=0x0 cdw10=0x00000001" "$p -v shows the dwords"
	expect_err "-> status 0x0000 result 0x" "$p -v shows the completion"
done

# help and version, as in any nvme-cli plugin, and the standalone program's own
run "$STANDALONE" version
expect_rc 0 "nvme-intel-lm version exits 0"
expect_out "nvme-intel-lm version 0." "nvme-intel-lm version names itself"
expect_out "(libnvme" "nvme-intel-lm version names the libnvme generation it was built with"
run "$STANDALONE" help
expect_out "migrate      Cold-migrate a VF" "nvme-intel-lm help lists the commands"
if [ -x "$NVME" ]; then
	run "$NVME" intel-lm version
	expect_rc 0 "nvme intel-lm version exits 0"
	expect_out "intel-lm" "nvme intel-lm version names the plugin"
	run "$NVME" intel-lm help
	expect_out "query-size" "nvme intel-lm help lists the commands"
	expect_out "migrate" "nvme intel-lm help lists migrate"
fi
if [ -f "$BUILD/Documentation/nvme-intel-lm-save.1" ]; then
	# The man pages as built, where man(1) looks for them.
	mkdir -p "$T/man/man1"
	ln -sf "$BUILD"/Documentation/*.1 "$T/man/man1/"
	for P in "${PROGS[@]}"; do
		RC=0
		MANPATH=$T/man MANPAGER=cat PAGER=cat MANWIDTH=100 $P help save > "$T/out" 2>&1 ||
			RC=$?
		OUT=$(cat "$T/out")
		expect_rc 0 "${P##*/} help save shows the man page"
		expect_out "nvme-intel-lm-save - Save a suspended VF" "${P##*/} help save: the page's NAME"
	done
else
	run "$STANDALONE" help save
	expect_out "Usage: nvme-intel-lm save" "without man pages, help save shows the built-in help"
fi

e2e_finish
