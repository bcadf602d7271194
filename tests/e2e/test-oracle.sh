#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End-to-end: Debian's own nvme-cli as an oracle. The documented raw equivalents of
# query-size, suspend, save, load and resume, sent with `nvme admin-passthru` (FACTS.md, "The
# same job with stock tools"), and our commands (both programs) must reach the emulated PF as
# the same commands, field by field:
#
#   dev opcode flags nsid cdw2 cdw3 metadata metadata_len addr(set/null) data_len
#   cdw10 cdw11 cdw12 cdw13 cdw14 cdw15 timeout_ms
#
# (timeout_ms too, as both sides are given the same --timeout; pid, rsvd1 and the completion's
# result are not compared). Only the five vendor opcodes are compared: our programs send
# Identify first, admin-passthru sends nothing else, and we check that Identify is all ours
# add. The same device state is set up afresh before each side runs, so the answers match too:
# every vendor command must complete with status 0.
#
# Also: QUERY_DATA_SIZE's result as admin-passthru prints it equals our JSON "size" (and the
# result our --verbose JSON reports); save --raw writes the bytes admin-passthru -r -b writes;
# a raw state saved by admin-passthru loads with load --raw, and one saved by save --raw loads
# with admin-passthru -w -i (each destination then holds exactly those bytes); --dry-run shows
# the dwords admin-passthru --dry-run shows, and sends no vendor command.
#
# The VFs: VF 1 with the default size (2712 bytes, not a multiple of 512), VF 2 with a fixed
# 4096 bytes, VF 3 with 256 KiB (the most an MDTS of 6 lets one command move).
#
# INTEL_LM_ORACLE_NVME names another nvme-cli to use as the oracle (default /usr/sbin/nvme).
set -u
. "$(dirname "$0")/lib.sh"
e2e_init e2e-oracle "$1"
export INTEL_LM_LOCK_DIR=$T/locks

ORACLE=${INTEL_LM_ORACLE_NVME:-/usr/sbin/nvme}
TMO=7000			# --timeout for every command, on both sides
VFS=(1 2 3)
declare -A SIZE=([1]=2712 [2]=4096 [3]=262144)
VENDOR_OPCODES="0xc4 0xc8 0xcc 0xd2 0xd5"
FIELDS="dev opcode flags nsid cdw2 cdw3 metadata metadata_len addr data_len"
FIELDS+=" cdw10 cdw11 cdw12 cdw13 cdw14 cdw15 timeout_ms"

# Every program this suite runs must be there: a missing one is a failure, never a skip.
missing=0
for f in "$STANDALONE" "$EMU_CTL"; do
	[ -x "$f" ] || { fail "program $f" "not built"; missing=1; }
done
[ -f "$EMU_SO" ] || { fail "emulator $EMU_SO" "not built"; missing=1; }
[ -x "$ORACLE" ] || { fail "oracle $ORACLE" \
	"Debian's nvme-cli is not installed (apt-get install nvme-cli)"; missing=1; }
command -v python3 > /dev/null || { fail "python3" "not installed"; missing=1; }
if [ $missing = 1 ]; then
	e2e_finish
	exit
fi

# Source nvme0 and destination nvme1, of the same kind, both with an MDTS of 6 (256 KiB).
emu_oracle() {
	emu_config <<CONF
[pf nvme0]
serial = SRC0001
model = Intel IPU E2100 NVMe
firmware = 1.0.0
vfs = 4
nvq = 4
mdts = 6
vf.2.size = 4096
vf.3.size = 262144
[pf nvme1]
serial = DST0001
model = Intel IPU E2100 NVMe
firmware = 1.0.0
cntlid = 2
vfs = 8
mdts = 6
CONF
	mkdir -p "$INTEL_LM_LOCK_DIR"
}

# runx STDOUT_FILE PROG ARGS...: run with the emulator preloaded, stdout to a file (it may be
# binary); sets ERR and RC.
runx() {
	local to=$1 prog=$2
	shift 2
	RC=0
	# shellcheck disable=SC2086 # PROG may be "nvme intel-lm"
	LD_PRELOAD=$EMU_SO $prog "$@" > "$to" 2> "$T/err" || RC=$?
	ERR=$(cat "$T/err")
}

# pt ARGS...: Debian's nvme admin-passthru, stdout in $T/out
pt() {
	runx "$T/out" "$ORACLE admin-passthru" "$@" --timeout=$TMO
	OUT=$(tr -d '\0' < "$T/out")
}

# pt_result: the CQE DW0 admin-passthru printed ("... Success and result: 0x00000b7c")
pt_result() {
	local hex
	hex=$(sed -n 's/.*result: 0x\([0-9a-fA-F]*\).*/\1/p' "$T/err" | tail -n 1)
	[ -n "$hex" ] && echo $((16#$hex))
}

# step_end FILE: the vendor commands traced since the last emu_config/clear_trace, one line
# each with the compared fields in order (MISSING for one the trace lacks), then
# "|status=... errno=..."; FILE.other gets the opcodes of the other commands. Clears the
# trace.
step_end() {
	touch "$T/trace.log"
	awk -v fields="$FIELDS" -v vendor="$VENDOR_OPCODES" -v other="$1.other" '
		BEGIN {
			nf = split(fields, f, " ")
			split(vendor, v, " ")
			for (i in v) isv[v[i]] = 1
		}
		{
			delete kv
			for (i = 1; i <= NF; i++) {
				if ($i == "->") continue
				eq = index($i, "=")
				if (eq) kv[substr($i, 1, eq - 1)] = substr($i, eq + 1)
			}
			if (!(kv["opcode"] in isv)) { print kv["opcode"] > other; next }
			line = ""
			for (i = 1; i <= nf; i++) {
				val = f[i] in kv ? kv[f[i]] : "MISSING"
				line = line (i > 1 ? " " : "") f[i] "=" val
			}
			print line "|status=" kv["status"] " errno=" kv["errno"]
		}' "$T/trace.log" > "$1"
	touch "$1.other"
	clear_trace
}

# opcodes FILE: the opcodes of a step's vendor commands, e.g. "0xc4 0xd2"
opcodes() {
	sed 's/^dev=[^ ]* opcode=\([^ ]*\) .*/\1/' "$1" | tr '\n' ' ' | sed 's/ $//'
}

# compare_step NAME DESC: the vendor commands our program sent in step NAME ($D/NAME) must
# be those admin-passthru sent ($T/oracle/NAME), field by field, all completed with status 0,
# and the only other commands ours sent are Identify.
compare_step() {
	local want=$T/oracle/$1 got=$D/$1 desc=$2 why="" n nw ng i a b fa fb k
	nw=$(wc -l < "$want")
	ng=$(wc -l < "$got")
	if [ "$nw" -eq 0 ]; then
		why="admin-passthru sent no vendor command"
	elif [ "$ng" -eq 0 ]; then
		why="ours sent no vendor command (admin-passthru sent $(opcodes "$want"))"
	elif [ "$nw" -ne "$ng" ]; then
		why="admin-passthru sent $nw vendor commands ($(opcodes "$want")),"
		why+=" ours $ng ($(opcodes "$got"))"
	fi
	for ((i = 1; i <= nw && i <= ng && ${#why} == 0; i++)); do
		a=$(sed -n "${i}p" "$want")
		b=$(sed -n "${i}p" "$got")
		[ "$a" = "$b" ] && continue
		n=$(opcodes <(echo "$a"))
		for k in $FIELDS status errno; do
			fa=$(tr ' |' '\n\n' <<< "$a" | sed -n "s/^$k=//p")
			fb=$(tr ' |' '\n\n' <<< "$b" | sed -n "s/^$k=//p")
			[ "$fa" = "$fb" ] ||
				why+="command $i (opcode $n): $k ours $fb, admin-passthru $fa; "
		done
	done
	if [ -z "$why" ] && grep -h '=MISSING' "$want" "$got" > "$T/bad"; then
		why="the emulator's trace lacks a field: $(head -n 1 "$T/bad")"
	fi
	if [ -z "$why" ] && grep -hv '|status=0x0000 errno=0$' "$want" "$got" > "$T/bad"; then
		why="a vendor command did not succeed: $(cat "$T/bad")"
	fi
	if [ -z "$why" ] && grep -vqx 0x06 "$got.other"; then
		why="ours also sent opcodes other than Identify: $(tr '\n' ' ' < "$got.other")"
	fi
	if [ -z "$why" ]; then pass "$desc"; else fail "$desc" "$why"; fi
}

# same_bytes FILE_A FILE_B DESC
same_bytes() {
	if [ ! -s "$1" ] || [ ! -s "$2" ]; then
		local sa sb
		sa=$(stat -c %s "$1" 2>/dev/null || echo missing)
		sb=$(stat -c %s "$2" 2>/dev/null || echo missing)
		fail "$3" "$(basename "$1"): $sa bytes, $(basename "$2"): $sb bytes"
	elif cmp -s "$1" "$2"; then
		pass "$3"
	else
		fail "$3" "$(cmp "$1" "$2" 2>&1 | head -n 1)"
	fi
}

# dump_is PF VF FILE DESC: the VF's state on the emulated device is FILE, byte for byte
dump_is() {
	rm -f "$T/dump"
	"$EMU_CTL" dump "$1" "$2" "$T/dump" || fail "$4" "intel-lm-emu dump $1 $2 failed"
	[ -f "$T/dump" ] && same_bytes "$T/dump" "$3" "$4"
}

# ---------------------------------------------------------------------------------------------
# The oracle: admin-passthru alone, from a fresh device. VF N of nvme0 goes to VF N+1 of nvme1.
O=$T/oracle
mkdir -p "$O"
emu_oracle
declare -A RESULT
for N in "${VFS[@]}"; do
	M=$((N + 1))
	pt /dev/nvme0 --opcode=0xc4 --cdw10=$N
	expect_rc 0 "admin-passthru QUERY_DATA_SIZE VF $N exits 0"
	RESULT[$N]=$(pt_result)
	[ "${RESULT[$N]:-}" = "${SIZE[$N]}" ] &&
		pass "admin-passthru prints VF $N's size as the result" ||
		fail "admin-passthru prints VF $N's size as the result" \
			"got '${RESULT[$N]:-}', the emulator has ${SIZE[$N]}; stderr: $ERR"
	step_end "$O/query$N"
	size=${RESULT[$N]:-${SIZE[$N]}}

	pt /dev/nvme0 --opcode=0xc8 --cdw10=$N
	expect_rc 0 "admin-passthru SUSPEND VF $N exits 0"
	step_end "$O/suspend$N"

	# save: the size first (SAVE_DATA has no length field), then the state
	pt /dev/nvme0 --opcode=0xc4 --cdw10=$N
	runx "$O/vf$N.raw" "$ORACLE admin-passthru" /dev/nvme0 --opcode=0xd2 --cdw10=$N \
		--data-len="$size" -r -b --timeout=$TMO
	expect_rc 0 "admin-passthru SAVE_DATA VF $N -r -b exits 0"
	step_end "$O/save$N"
	dump_is nvme0 $N "$O/vf$N.raw" "admin-passthru -r -b writes VF $N's state bytes"

	pt /dev/nvme1 --opcode=0xc8 --cdw10=$M
	expect_rc 0 "admin-passthru SUSPEND nvme1 VF $M exits 0"
	step_end "$O/dsuspend$N"
	pt /dev/nvme1 --opcode=0xd5 --cdw10=$M --cdw11="$size" --data-len="$size" -w \
		-i "$O/vf$N.raw"
	expect_rc 0 "admin-passthru LOAD_DATA into nvme1 VF $M -w -i exits 0"
	step_end "$O/load$N"
	dump_is nvme1 $M "$O/vf$N.raw" "admin-passthru loads VF $N's state into nvme1 VF $M"
	pt /dev/nvme1 --opcode=0xcc --cdw10=$M
	expect_rc 0 "admin-passthru RESUME nvme1 VF $M exits 0"
	step_end "$O/resume$N"
	expect_state nvme1 $M running "admin-passthru resumed nvme1 VF $M"

	# --dry-run: the dwords admin-passthru shows (and it sends nothing)
	for c in "dry-query 0xc4" "dry-suspend 0xc8" "dry-resume 0xcc"; do
		pt /dev/nvme0 --opcode=${c#* } --cdw10=$N --dry-run
		cp "$T/out" "$O/${c% *}$N"
	done
	pt /dev/nvme1 --opcode=0xd5 --cdw10=$M --cdw11="$size" --data-len="$size" -w \
		-i "$O/vf$N.raw" --dry-run
	cp "$T/out" "$O/dry-load$N"
	step_end "$O/dry$N"
	desc="admin-passthru --dry-run for VF $N sends no vendor command"
	[ ! -s "$O/dry$N" ] && pass "$desc" || fail "$desc" "$(cat "$O/dry$N")"
done

# dry_fields FILE: admin-passthru --dry-run's fields we also show, as "opcode=0xc4 nsid=0x0 ..."
dry_fields() {
	local k v i line
	declare -A f=()
	while read -r k _ v; do
		f[$k]=$v
	done < "$1"
	line="opcode=0x${f[opcode]:-} nsid=$(printf '0x%x' "0x${f[nsid]:-bad}")"
	for i in 10 11 12 13 14 15; do
		line+=" cdw$i=0x${f[cdw$i]:-}"
	done
	echo "$line data_len=$((16#${f[data_len]:-0})) timeout_ms=$((16#${f[timeout_ms]:-0}))"
}

# ours_dry: the same fields from our --dry-run line ("would send to DEV: NAME opcode=...")
ours_dry() {
	sed -n 's/^would send to [^ ]*: [A-Z_]* \(opcode=.*\)$/\1/p' "$T/out" | head -n 1
}

# ---------------------------------------------------------------------------------------------
# Our programs, each from the same fresh device.
prog_n=0
for P in "${PROGS[@]}"; do
	p=${P##*/}
	D=$T/prog$((++prog_n))
	mkdir -p "$D"
	emu_oracle
	for N in "${VFS[@]}"; do
		M=$((N + 1))
		M2=$((N + 4))
		size=${RESULT[$N]:-${SIZE[$N]}}

		runx "$T/out" "$P" query-size /dev/nvme0 --vf=$N --output-format=json -v -t $TMO
		OUT=$(cat "$T/out")
		expect_rc 0 "$p query-size VF $N exits 0"
		step_end "$D/query$N"
		compare_step query$N "$p query-size VF $N sends admin-passthru's QUERY_DATA_SIZE"
		expect_json "j['size'] == ${RESULT[$N]:--1}" \
			"$p query-size JSON size equals admin-passthru's result for VF $N"
		expect_json "[c['result'] for c in j['commands'] if c['opcode'] == 0xc4] ==
			     [${RESULT[$N]:--1}]" \
			"$p -v JSON shows admin-passthru's result as VF $N's QUERY_DATA_SIZE result"

		runx "$T/out" "$P" suspend /dev/nvme0 --vf=$N -t $TMO
		expect_rc 0 "$p suspend VF $N exits 0"
		step_end "$D/suspend$N"
		compare_step suspend$N "$p suspend VF $N sends admin-passthru's SUSPEND"

		runx "$T/out" "$P" save /dev/nvme0 --vf=$N --raw -o "$D/vf$N.raw" -t $TMO
		expect_rc 0 "$p save --raw VF $N exits 0"
		step_end "$D/save$N"
		compare_step save$N \
			"$p save VF $N sends admin-passthru's QUERY_DATA_SIZE and SAVE_DATA"
		same_bytes "$D/vf$N.raw" "$O/vf$N.raw" \
			"$p save --raw of VF $N ($size bytes) equals admin-passthru -r -b"

		runx "$T/out" "$P" suspend /dev/nvme1 --vf=$M -t $TMO
		step_end "$D/dsuspend$N"
		compare_step dsuspend$N "$p suspend nvme1 VF $M sends admin-passthru's SUSPEND"

		# admin-passthru's state, loaded by ours
		runx "$T/out" "$P" load /dev/nvme1 --vf=$M --raw -i "$O/vf$N.raw" -t $TMO
		expect_rc 0 "$p load --raw of admin-passthru's VF $N state exits 0"
		step_end "$D/load$N"
		compare_step load$N \
			"$p load --raw into nvme1 VF $M sends admin-passthru's LOAD_DATA"
		dump_is nvme1 $M "$O/vf$N.raw" \
			"$p load --raw: nvme1 VF $M holds admin-passthru's VF $N state"

		runx "$T/out" "$P" resume /dev/nvme1 --vf=$M -t $TMO
		expect_rc 0 "$p resume nvme1 VF $M exits 0"
		step_end "$D/resume$N"
		compare_step resume$N "$p resume nvme1 VF $M sends admin-passthru's RESUME"
		expect_state nvme1 $M running "$p resumed nvme1 VF $M"

		# our state, loaded by admin-passthru
		pt /dev/nvme1 --opcode=0xc8 --cdw10=$M2
		pt /dev/nvme1 --opcode=0xd5 --cdw10=$M2 --cdw11="$size" --data-len="$size" -w \
			-i "$D/vf$N.raw"
		expect_rc 0 "admin-passthru -w -i loads $p's VF $N state"
		dump_is nvme1 $M2 "$D/vf$N.raw" \
			"admin-passthru -w -i: nvme1 VF $M2 holds $p's VF $N state"
		expect_state nvme1 $M2 loaded \
			"admin-passthru left $p's VF $N state loaded in nvme1 VF $M2"
		clear_trace

		# --dry-run shows what admin-passthru --dry-run shows, and sends no vendor command
		for c in "dry-query query-size" "dry-suspend suspend" "dry-resume resume"; do
			runx "$T/out" "$P" "${c#* }" /dev/nvme0 --vf=$N --dry-run -t $TMO
			want=$(dry_fields "$O/${c% *}$N")
			got=$(ours_dry)
			desc="$p ${c#* } VF $N --dry-run shows admin-passthru's dwords"
			[ "$got" = "$want" ] && pass "$desc" ||
				fail "$desc" "ours: '$got'; admin-passthru --dry-run: '$want'"
		done
		runx "$T/out" "$P" load /dev/nvme1 --vf=$M --raw -i "$O/vf$N.raw" --dry-run -t $TMO
		want=$(dry_fields "$O/dry-load$N")
		got=$(ours_dry)
		desc="$p load VF $M --dry-run shows admin-passthru's dwords"
		[ "$got" = "$want" ] && pass "$desc" ||
			fail "$desc" "ours: '$got'; admin-passthru --dry-run: '$want'"
		step_end "$D/dry$N"
		[ ! -s "$D/dry$N" ] && pass "$p --dry-run for VF $N sends no vendor command" ||
			fail "$p --dry-run for VF $N sends no vendor command" "$(cat "$D/dry$N")"
	done
done

e2e_finish
