#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End-to-end: the rule of issue 22, case by case: an identity runs in at most one VF, no command
# replaces or discards the last copy of one, and status says the truth or unknown. Each case is
# a violation the model checker (tests/model/) found on the code before the rule, reduced to the
# commands an operator types, never with --force; the seed that found it is named. The checks
# ask the emulator's truth (tests/emu/README.md: each VF's lineage, generation and protected
# mark; intel-lm-emu ident for files), not intel-lm's words: which command refuses (exit 3) is
# the rule's choice, that one does is checked where the mistake is plain.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init e2e-rule "$1"
P=$STANDALONE
FSFAULT_SO=$BUILD/tests/fsfault/libintel-lm-fsfault.so
F=$T/files
mkdir -p "$F"

# the two PFs the checker uses: nvme0 and nvme1 of 3 VFs each
emu_rule() {
	emu_config <<CONF
[pf nvme0]
serial = MODEL0
vfs = 3
nvq = 2
${1:-}
[pf nvme1]
serial = MODEL1
cntlid = 17
vfs = 3
nvq = 2
${2:-}
CONF
	rm -rf "$F" && mkdir -p "$F"
}

# lineage PF VF, gen PF VF: the VF's state as the emulator holds it
lineage() {
	"$EMU_CTL" show "$1" "$2" | sed -n 's/.* lineage=\([0-9a-f]*\) .*/\1/p'
}

gen() {
	"$EMU_CTL" show "$1" "$2" | sed -n 's/.* gen=\([0-9]*\) .*/\1/p'
}

# running LINEAGE: how many VFs run it
running() {
	"$EMU_CTL" show | grep -c "state=running .* lineage=$1 "
}

# held LINEAGE GEN: whether a VF (in any state) or a file under $F or $TMPDIR holds that
# generation of the lineage
held() {
	"$EMU_CTL" show | grep -q " gen=$2 lineage=$1 " && return 0
	find "$F" "$T/tmp" -type f 2>/dev/null | while read -r f; do
		"$EMU_CTL" ident "$f" 2>/dev/null
	done | grep -q " gen=$2 lineage=$1 .*crc=ok"
}

# expect_once LINEAGE DESC: it runs in one VF at most
expect_once() {
	local n
	n=$(running "$1")
	if [ "$n" -le 1 ]; then pass "$2"; else fail "$2" "lineage $1 runs in $n VFs: $("$EMU_CTL" show | grep "lineage=$1 ")"; fi
}

# expect_held LINEAGE GEN DESC: that generation is still somewhere
expect_held() {
	if held "$1" "$2"; then pass "$3"; else fail "$3" "lineage $1 generation $2 is lost: $("$EMU_CTL" show)"; fi
}

# expect_status PF VF DESC: status --output-format=json says the truth of the VF, or unknown
expect_status() {
	local said truth
	run "$P" status --output-format=json
	said=$(python3 -c 'import json,sys
j=json.loads(sys.stdin.read())
m=[v["state"] for v in j["vfs"] if v["device"]==sys.argv[1] and v["vf"]==int(sys.argv[2])]
print(m[0] if m else "none")' "/dev/$1" "$2" <<< "$OUT")
	truth=$(vf_state "$1" "$2")
	if [ "$said" = "$truth" ] || [ "$said" = unknown ] || [ "$said" = none ]; then
		pass "$3"
	else
		fail "$3" "status says $1 VF $2 is $said; it is $truth"
	fi
}

# kill_in_flight PF OPC completion_delay|latency ARGS...: run the standalone with ARGS, OPC on PF
# delayed by 5 s (completion_delay: it takes effect, its completion is late; latency: it waits
# before taking effect), and kill -9 it in flight: once the emulator counted OPC
# (completion_delay: its progress log shows OPC ran), or once it shows OPC arrived (latency); a
# check fails when it never does. The configuration is then as before.
kill_in_flight() {
	local pf=$1 opc=$2 how=$3 a r pid
	shift 3
	python3 - "$INTEL_LM_EMU" "$pf" "$how.$opc = 5000000" <<'PY'
import sys
p, pf, line = sys.argv[1:]
s = open(p).read().replace(f'[pf {pf}]\n', f'[pf {pf}]\n{line}\n')
open(p, 'w').write(s)
PY
	a=$(($(steps "$pf" "$opc" arrived) + 1))
	r=$(($(steps "$pf" "$opc" ran) + 1))
	{
		LD_PRELOAD=$EMU_SO "$P" "$@" > /dev/null 2>&1 &
		pid=$!
		if [ "$how" = latency ]; then
			wait_until step_reached "$pf" "$opc" arrived "$a" ||
				fail "kill -9 during $opc on $pf" "it never arrived in 20 s"
		else
			# Counted: it took effect, its completion is held back.
			wait_until step_reached "$pf" "$opc" ran "$r" ||
				fail "kill -9 during $opc on $pf" "it never took effect in 20 s"
		fi
		kill -9 $pid
		wait $pid
	} 2> /dev/null
	sed -i "/^$how.$opc = /d" "$INTEL_LM_EMU"
}

export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"

# Found on 7cc76d0 and covered by test-identity.sh since ba859b7 (not repeated here): resume of
# a migrated source (seeds 1, 3, 4), save + load + resume elsewhere then resume of the source
# (seed 8), migrate into a VF that runs a migrated state (seed 6), migrate into a VF saved into
# no file.

# 1. (seed 5 on 7cc76d0) a batch resume of a migration's source and destination: the state
# would run twice
emu_rule
l="batch resume of a migrated source and its destination"
L=$(lineage nvme0 2)
run "$P" migrate /dev/nvme0 --vf=2 --to=/dev/nvme0 --to-vf=3
expect_rc 0 "$l: the migrate"
run "$P" resume /dev/nvme0 --vf=2,3 --jobs=2
expect_rc $RC_PARTIAL "$l: the source's resume is refused, the destination's not (exit 6)"
expect_once "$L" "$l: VF 2's state runs once"
# the same after a migrate whose record could not be written (write EIO under the record)
emu_rule
l="batch resume after a migrate under a failing record"
L=$(lineage nvme0 2)
RC=0
INTEL_LM_FSFAULT=write:EIO INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
	LD_PRELOAD="$EMU_SO:$FSFAULT_SO" "$P" migrate /dev/nvme0 --vf=2 --to=/dev/nvme0 --to-vf=3 \
	> /dev/null 2>&1 || RC=$?
run "$P" resume /dev/nvme0 --vf=2,3 --jobs=2
expect_once "$L" "$l: VF 2's state runs once"

# 2. one file loaded into two VFs, both resumed
emu_rule
l="one file loaded into two VFs, both resumed"
run "$P" suspend /dev/nvme0 --vf=1
run "$P" save /dev/nvme0 --vf=1 -o "$F/s1.blob"
L=$(lineage nvme0 1)
run "$P" suspend /dev/nvme1 --vf=1,2
run "$P" load /dev/nvme1 --vf=1 -i "$F/s1.blob"
expect_rc 0 "$l: the first load"
run "$P" resume /dev/nvme1 --vf=1
run "$P" load /dev/nvme1 --vf=2 -i "$F/s1.blob"
run "$P" resume /dev/nvme1 --vf=2
expect_once "$L" "$l: the state runs once"

# 3. (seeds 2, 11) recover --confirm= of a VF with nothing to settle: status then says the
# operator's word, not the device's: a wrong known state
emu_rule
l="recover --confirm=suspended of a running VF with no record"
run "$P" recover /dev/nvme0 --vf=3 --confirm=suspended
expect_status nvme0 3 "$l: status says running or unknown"
emu_rule
run "$P" suspend /dev/nvme0 --vf=3
run "$P" resume /dev/nvme0 --vf=3
l="recover --confirm=saved of a running VF settled on record"
run "$P" recover /dev/nvme0 --vf=3 --confirm=saved
expect_status nvme0 3 "$l: status says running or unknown"

# 4. (seeds 3, 8, 9, 12, 13) a SUSPEND the device refuses with Command Sequence Error (a strict device: the VF
# is not running) leaves the VF "running" on record: here a VF suspended outside intel-lm
for strict in 0 1; do
	emu_rule "strict = $strict"
	l="suspend of a VF suspended outside intel-lm (strict = $strict)"
	LD_PRELOAD=$EMU_SO /usr/sbin/nvme admin-passthru /dev/nvme0 --opcode=0xc8 --cdw10=3 \
		> /dev/null 2>&1
	run "$P" suspend /dev/nvme0 --vf=3
	expect_status nvme0 3 "$l: status says suspended or unknown"
done

# 5. (seeds 15, 34 with CHECKER_WITHOUT=outside,confirm) a SUSPEND a lenient device accepts without effect, of a VF whose state intel-lm
# does not know (its last command was killed in flight): recorded "suspended", though the VF
# is saved (a migration's source, its state protected): a later command that trusts the record
# takes it for a VF with nothing to protect
emu_rule
l="suspend of a saved VF after a command killed in flight"
run "$P" migrate /dev/nvme1 --vf=1 --to=/dev/nvme1 --to-vf=3
expect_rc 0 "$l: the migrate (VF 1 saved)"
kill_in_flight nvme1 0xc8 completion_delay suspend /dev/nvme1 --vf=1
expect_state nvme1 1 saved "$l: VF 1 is still saved"
run "$P" suspend /dev/nvme1 --vf=1
expect_status nvme1 1 "$l: status says saved or unknown"

# 6. (seed 21 with CHECKER_WITHOUT=outside,confirm) a migrate killed once the destination's
# RESUME took effect; a save of that destination, refused by the device (it runs); then another
# migrate into it: it runs the first state (its only running copy, a generation newer than the
# source's), which is lost
emu_rule
l="migrate into the destination of a migrate killed at its RESUME"
kill_in_flight nvme0 0xcc completion_delay migrate /dev/nvme1 --vf=3 --to=/dev/nvme0 --to-vf=2
L=$(lineage nvme0 2)
G=$(gen nvme0 2)
[ "$L" = "$(lineage nvme1 3)" ] && [ "$(vf_state nvme0 2)" = running ] &&
	pass "$l: the destination runs the state" ||
	fail "$l: the destination runs the state" "$("$EMU_CTL" show)"
run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme0 --to-vf=2
expect_rc 3 "$l: while its state is unknown, a migrate into it is refused (exit 3)"
expect_held "$L" "$G" "$l: the running state (generation $G) is kept"
run "$P" save /dev/nvme0 --vf=2 -o "$F/running.blob"
expect_rc 4 "$l: save of the running destination fails at SAVE_DATA (exit 4)"
run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme0 --to-vf=2
expect_held "$L" "$G" "$l: the running state (generation $G) is kept"

# 7. (seed 29 with CHECKER_WITHOUT=outside,confirm) a migration's source, saved, whose next
# LOAD_DATA was killed before it took effect: migrate takes it for a source and its state runs
# twice
emu_rule
l="migrate of a migrated source after a load killed before its effect"
run "$P" suspend /dev/nvme0 --vf=3
run "$P" save /dev/nvme0 --vf=3 -o "$F/s3.blob"
run "$P" migrate /dev/nvme1 --vf=1 --to=/dev/nvme1 --to-vf=3
expect_rc 0 "$l: the first migrate"
L=$(lineage nvme1 1)
kill_in_flight nvme1 0xd5 latency load /dev/nvme1 --vf=1 --input-file="$F/s3.blob"
expect_state nvme1 1 saved "$l: the source is still saved"
run "$P" migrate /dev/nvme1 --vf=1 --to=/dev/nvme0 --to-vf=3
expect_once "$L" "$l: its state runs once"

# 8. (make soak seeds 1026, 1027) the same with a plain resume: a migration's source whose next
# load was killed before LOAD_DATA took effect is resumed, and its state runs twice
emu_rule
l="resume of a migrated source after a load killed before its effect"
run "$P" suspend /dev/nvme0 --vf=2
run "$P" save /dev/nvme0 --vf=2 -o "$F/s2.blob"
run "$P" migrate /dev/nvme1 --vf=2 --to=/dev/nvme1 --to-vf=3
expect_rc 0 "$l: the migrate"
L=$(lineage nvme1 2)
kill_in_flight nvme1 0xd5 latency load /dev/nvme1 --vf=2 --input-file="$F/s2.blob"
expect_state nvme1 2 saved "$l: the source is still saved"
run "$P" resume /dev/nvme1 --vf=2
expect_rc 3 "$l: its resume is refused (exit 3)"
expect_once "$L" "$l: its state runs once"

# 9. (make soak seed 1039) a migrate whose record cannot be written (ENOSPC after 2 writes),
# then a migrate back whose record's fsync fails (EIO after 2): status says the source is saved,
# while the rollback resumed it (issue 22's fsync finding)
emu_rule
l="migrate under a failing record, then back under a failing fsync"
RC=0
INTEL_LM_FSFAULT=write:ENOSPC INTEL_LM_FSFAULT_AFTER=2 INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
	LD_PRELOAD="$EMU_SO:$FSFAULT_SO" "$P" migrate /dev/nvme0 --vf=3 --to=/dev/nvme0 --to-vf=2 \
	> /dev/null 2>&1 || RC=$?
INTEL_LM_FSFAULT=fsync:EIO INTEL_LM_FSFAULT_AFTER=2 INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
	LD_PRELOAD="$EMU_SO:$FSFAULT_SO" "$P" migrate /dev/nvme0 --vf=2 --to=/dev/nvme0 --to-vf=3 \
	> /dev/null 2>&1 || RC=$?
expect_status nvme0 2 "$l: status says the source's true state or unknown"
expect_status nvme0 3 "$l: status says the destination's true state or unknown"

# 10. (make soak seed 20261240) a migrate killed once the destination's RESUME took effect, then a
# plain resume of its source: the destination's record names the state only as the one its
# LOAD_DATA (in doubt, RESUME to follow) was bringing in, and the rule did not count it
emu_rule
l="resume of the source of a migrate killed at its destination's RESUME"
L=$(lineage nvme1 2)
kill_in_flight nvme0 0xcc completion_delay migrate /dev/nvme1 --vf=2 --to=/dev/nvme0 --to-vf=1
run "$P" resume /dev/nvme1 --vf=2
expect_rc 3 "$l: the source's resume is refused (exit 3)"
expect_once "$L" "$l: its state runs once"

# 11. (make soak seed 20261302, strict device) a migrate killed once the destination's LOAD_DATA
# took effect; a resume of that destination (its own state or the loaded one runs), then a
# migrate of it: the save took it for a state of its own, gave it a new identity, and the
# source, whose state now ran on in a third VF, could be resumed
emu_rule "strict = 1" "strict = 1"
l="resume of a source whose state ran on through a load in doubt"
L=$(lineage nvme0 2)
kill_in_flight nvme0 0xd5 completion_delay migrate /dev/nvme0 --vf=2 --to=/dev/nvme0 --to-vf=1
run "$P" resume /dev/nvme0 --vf=1
expect_rc 0 "$l: the destination's resume"
run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme0 --to-vf=3
expect_rc 0 "$l: the migrate of the destination"
run "$P" resume /dev/nvme0 --vf=2
expect_rc 3 "$l: the first source's resume is refused (exit 3)"
expect_once "$L" "$l: its state runs once"

# 12. (make soak seed 20261326) a resume killed once it took effect, a save the device refuses
# (the VF runs), a SUSPEND outside intel-lm, then a load of the file saved before: the refused
# save's outcome hid that the VF may have run, and the load replaced the only copy of the
# newer generation
emu_rule
l="load over a VF that ran after its resume was in doubt"
run "$P" suspend /dev/nvme1 --vf=1
run "$P" save /dev/nvme1 --vf=1 -o "$F/s1.blob"
expect_rc 0 "$l: the save"
L=$(lineage nvme1 1)
kill_in_flight nvme1 0xcc completion_delay resume /dev/nvme1 --vf=1
G=$(gen nvme1 1)
run "$P" save /dev/nvme1 --vf=1 -o "$F/again.blob"
expect_rc 4 "$l: the save of the running VF fails at SAVE_DATA (exit 4)"
LD_PRELOAD=$EMU_SO /usr/sbin/nvme admin-passthru /dev/nvme1 --opcode=0xc8 --cdw10=1 > /dev/null 2>&1
run "$P" load /dev/nvme1 --vf=1 --input-file="$F/s1.blob"
expect_rc 3 "$l: the load is refused (exit 3)"
expect_held "$L" "$G" "$l: the generation that ran ($G) is kept"

# 13. (make soak seed 20262024) a resume killed in flight, the operator's wrong word that the VF
# is suspended, then a save the device refuses with Command Sequence Error: the record kept
# "suspended" while the VF ran
emu_rule
l="save refused as out of sequence on a VF the record says suspended"
kill_in_flight nvme0 0xcc completion_delay resume /dev/nvme0 --vf=2
run "$P" recover /dev/nvme0 --vf=2 --confirm=suspended
expect_rc 0 "$l: the operator confirms suspended"
run "$P" save /dev/nvme0 --vf=2 -o "$F/s2.blob"
expect_rc 4 "$l: SAVE_DATA fails (exit 4)"
expect_status nvme0 2 "$l: status says running or unknown"

# 14. A load into one of the two VFs that hold a state while a migrate loads over the other:
# nvme0 VF 1 holds state J saved, nvme1 VF 1 loaded, no file. Each command alone keeps a copy of
# J, so the rule allows each; both, and J is lost. The migrate's record writes are slowed
# (fsfault, 1.5 s each) and the load runs while the migrate writes its destination's first entry,
# after its first ask: the migrate must ask again, under the identities' lock, with its
# destination's LOAD_DATA intent (issue 22: intel_lm_migrate() asked without that lock).
emu_rule
l="a load into one holder of a state while a migrate loads over the other"
run "$P" suspend /dev/nvme0 --vf=1
run "$P" save /dev/nvme0 --vf=1 -o "$F/j.blob"
L=$(lineage nvme0 1)
G=$(gen nvme0 1)
run "$P" suspend /dev/nvme1 --vf=1
run "$P" load /dev/nvme1 --vf=1 -i "$F/j.blob"
expect_rc 0 "$l: state J loaded into nvme1 VF 1"
rm -f "$F/j.blob"
run "$P" suspend /dev/nvme0 --vf=3
run "$P" save /dev/nvme0 --vf=3 -o "$F/k.blob"
dst_rec=$(grep -l MODEL1 "$INTEL_LM_STATE_DIR"/*-vf1.rec)
rm -f "$T/slow.log"
INTEL_LM_FSFAULT=write:slow:1500 INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
	INTEL_LM_FSFAULT_LOG=$T/slow.log LD_PRELOAD="$EMU_SO:$FSFAULT_SO" \
	"$P" migrate /dev/nvme0 --vf=2 --to=/dev/nvme1 --to-vf=1 > "$T/mig.out" 2>&1 &
pid=$!
if wait_until grep -q "^write slow $dst_rec\$" "$T/slow.log" 2> /dev/null; then
	run "$P" load /dev/nvme0 --vf=1 -i "$F/k.blob"
	expect_rc 0 "$l: the load into nvme0 VF 1 (J kept in nvme1 VF 1)"
else
	fail "$l: the migrate's destination entry" "never written in 20 s: $(cat "$T/slow.log")"
fi
RC=0
wait $pid || RC=$?
OUT=$(cat "$T/mig.out")
ERR=$OUT
expect_rc 3 "$l: the migrate is refused at its destination's LOAD_DATA (exit 3)"
expect_err "/dev/nvme1 VF 1 holds the only copy intel-lm knows of state" \
	"$l: the refusal names the VF in the way"
expect_err "(last-copy;" "$l: the refusal says the rule's reason"
expect_held "$L" "$G" "$l: state J is still in a VF or a file"
expect_state nvme0 2 running "$l: the source was resumed"

# 15. (make soak seed 20261492) a migrate killed before the destination's LOAD_DATA took effect,
# then recover --confirm=suspended of the destination: the record said "loaded", not the
# operator's word, while the VF is suspended
emu_rule
l="recover --confirm=suspended of a destination whose LOAD_DATA was in doubt"
kill_in_flight nvme1 0xd5 latency migrate /dev/nvme0 --vf=3 --to=/dev/nvme1 --to-vf=3
run "$P" recover /dev/nvme1 --vf=3 --confirm=suspended
expect_rc 0 "$l: recover settles it"
expect_status nvme1 3 "$l: status says what the operator confirmed"

# 16. (make soak seed 20261405) a migrate killed before the destination's RESUME, after its
# LOAD_DATA took effect, into a VF whose own state was saved before: a save of that VF (its own
# state or the loaded one) wrote a file named as its own; that file loaded elsewhere and
# resumed, and the source resumed: the loaded state ran twice
emu_rule
l="save of a VF whose LOAD_DATA is in doubt"
run "$P" suspend /dev/nvme1 --vf=2
run "$P" save /dev/nvme1 --vf=2 -o "$F/own.blob"
run "$P" suspend /dev/nvme0 --vf=3
L=$(lineage nvme1 3)
kill_in_flight nvme1 0xcc latency migrate /dev/nvme1 --vf=3 --to=/dev/nvme1 --to-vf=2
kill_in_flight nvme1 0xc8 latency suspend /dev/nvme1 --vf=3
run "$P" save /dev/nvme1 --vf=2 -o "$F/which.blob" --output-format=json
expect_rc 3 "$l: refused (exit 3)"
expect_json 'j["error"]["reason"] == "in-doubt"' "$l: reason in-doubt"
run "$P" load /dev/nvme0 --vf=3 --input-file="$F/which.blob"
run "$P" suspend /dev/nvme1 --vf=3
run "$P" resume /dev/nvme0 --vf=1,3 --jobs=2
run "$P" resume /dev/nvme1 --vf=3
expect_once "$L" "$l: the loaded state runs once"

# 17. (make soak seed 20261582) a SUSPEND in doubt (killed before it took effect) of a migration's
# source, saved; a suspend that then succeeds took the VF for one that may have run, and gave its
# state a generation it never ran: the rule then counted it a copy of the generation the
# destination runs, and a migrate into the destination replaced that generation's only copy
emu_rule
l="migrate over the only copy after a suspend in doubt of the source"
run "$P" migrate /dev/nvme0 --vf=2 --to=/dev/nvme0 --to-vf=3
L=$(lineage nvme0 3)
G=$(gen nvme0 3)
kill_in_flight nvme0 0xc8 latency suspend /dev/nvme0 --vf=2
run "$P" suspend /dev/nvme0 --vf=2
run "$P" suspend /dev/nvme0 --vf=2
run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme0 --to-vf=3 --keep="$F/k.blob"
expect_rc 3 "$l: refused (exit 3)"
expect_held "$L" "$G" "$l: the generation the destination ran ($G) is kept"

# 18. (make soak seed 20261506, strict device) the same through a SUSPEND the device refused
# (the source is saved) whose outcome could not be written (EIO), then a save of the source: the
# file was labelled with the generation the destination runs, and loading it over the destination
# replaced that generation's only copy
emu_rule "strict = 1" "strict = 1"
l="load over the only copy after a save of a source whose suspend is in doubt"
run "$P" migrate /dev/nvme1 --vf=3 --to=/dev/nvme1 --to-vf=1
L=$(lineage nvme1 1)
G=$(gen nvme1 1)
INTEL_LM_FSFAULT=write:EIO INTEL_LM_FSFAULT_AFTER=1 INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
	LD_PRELOAD="$EMU_SO:$FSFAULT_SO" "$P" suspend /dev/nvme1 --vf=3 > /dev/null 2>&1 || true
run "$P" save /dev/nvme1 --vf=3 -o "$F/s3.blob"
run "$P" suspend /dev/nvme1 --vf=1
run "$P" load /dev/nvme1 --vf=1 --input-file="$F/s3.blob"
expect_rc 3 "$l: refused (exit 3)"
expect_held "$L" "$G" "$l: the generation the destination ran ($G) is kept"

# 19. (make soak seed 20261428, strict device) a migrate killed once the destination's RESUME took
# effect, a resume of the destination the device refuses (it runs), recover --confirm=running of
# it, then a load into it the device refuses (it runs): the refused LOAD_DATA's outcome forgot
# the state the VF runs (the one the migrate's LOAD_DATA, in doubt, brought in), and the source,
# resumed, ran it twice
emu_rule "strict = 1" "strict = 1"
l="resume of a source after a refused load into its destination"
L=$(lineage nvme0 3)
kill_in_flight nvme0 0xcc completion_delay migrate /dev/nvme0 --vf=3 --to=/dev/nvme0 --to-vf=1
run "$P" resume /dev/nvme0 --vf=1
run "$P" save /dev/nvme0 --vf=3 -o "$F/s3.blob"
run "$P" recover /dev/nvme0 --vf=1 --confirm=running
run "$P" load /dev/nvme0 --vf=1 --input-file="$F/s3.blob"
# Since case 25, the operator's word that the destination runs counts the run: it holds a
# newer generation than the file, and the rule refuses the load before LOAD_DATA is sent
expect_rc 3 "$l: the load is refused (exit 3)"
run "$P" resume /dev/nvme0 --vf=3
expect_rc 3 "$l: the source's resume is refused (exit 3)"
expect_once "$L" "$l: its state runs once"


# 20. (make soak seeds 20261494, 20261630, 20261640) a suspend killed before its SUSPEND took
# effect, recover --confirm=suspended (the operator is wrong: it runs), then a save, whose
# SAVE_DATA the device refuses with Command Sequence Error (a VF not suspended): status went on
# saying suspended, though that answer tells intel-lm the VF is not
emu_rule
l="a save refused as out of sequence by a VF suspended on record"
kill_in_flight nvme0 0xc8 latency suspend /dev/nvme0 --vf=3
run "$P" recover /dev/nvme0 --vf=3 --confirm=suspended
run "$P" save /dev/nvme0 --vf=3 -o "$F/x.blob"
expect_rc 4 "$l: the device refuses SAVE_DATA (exit 4)"
expect_status nvme0 3 "$l: status says the truth or unknown"

# 21. (make soak seed 20261588, strict device) a batch save of a migration's destination (it
# runs) whose intent was written but whose fsync failed (EIO: nothing sent): a SAVE_DATA in doubt
# was taken to leave the VF suspended, so the rule no longer saw it run its state, and the
# source, resumed, ran it twice
emu_rule "strict = 1" "strict = 1"
l="resume of a source while its destination's save is in doubt"
run "$P" migrate /dev/nvme0 --vf=3 --to=/dev/nvme0 --to-vf=2
L=$(lineage nvme0 2)
INTEL_LM_FSFAULT=fsync:EIO INTEL_LM_FSFAULT_AFTER=0 INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
	LD_PRELOAD="$EMU_SO:$FSFAULT_SO" "$P" save /dev/nvme0 --vf=1,2,3 --jobs=3 -o "$F/d6" \
	> /dev/null 2>&1 || true
run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme0 --to-vf=3
run "$P" save /dev/nvme0 --vf=1,2,3 --jobs=2 -o "$F/d15"
run "$P" resume /dev/nvme0 --vf=3
expect_rc 3 "$l: refused (exit 3)"
expect_once "$L" "$l: its state runs once"

# 22. (make soak seed 20261588 again, strict device, 7 steps) the same save in doubt of a
# migration's destination, then a migrate of it that stops at its destination's SUSPEND: its
# entry, closed without anything sent to it, lost the pending SAVE_DATA that said it may run
emu_rule "strict = 1" "strict = 1"
l="resume of a source after its destination's save in doubt was closed"
run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --to-vf=3
run "$P" migrate /dev/nvme0 --vf=3 --to=/dev/nvme0 --to-vf=2
L=$(lineage nvme0 2)
INTEL_LM_FSFAULT=fsync:EIO INTEL_LM_FSFAULT_AFTER=0 INTEL_LM_FSFAULT_DIR=$INTEL_LM_STATE_DIR \
	LD_PRELOAD="$EMU_SO:$FSFAULT_SO" "$P" save /dev/nvme0 --vf=1,2,3 --jobs=3 -o "$F/d6" \
	> /dev/null 2>&1 || true
run "$P" migrate /dev/nvme0 --vf=2 --to=/dev/nvme0 --to-vf=1
run "$P" suspend /dev/nvme0 --vf=3
run "$P" save /dev/nvme0 --vf=1,2,3 --jobs=2 -o "$F/d15"
run "$P" resume /dev/nvme0 --vf=3
expect_rc 3 "$l: refused (exit 3)"
expect_once "$L" "$l: its state runs once"

# 23. (make soak seed 20263024, strict device) a migrate whose safety copy cannot be made durable
# (fsync EIO under --keep's directory) stops before LOAD_DATA and resumes its source; the
# destination's record kept the identity its LOAD_DATA intent named, so once the destination
# ran its own state the rule took it for the source's, and a migrate into the source replaced
# that state's only copy
emu_rule "strict = 1" "strict = 1"
l="migrate into the source of a migrate stopped before its LOAD_DATA"
L=$(lineage nvme0 1)
INTEL_LM_FSFAULT=fsync:EIO INTEL_LM_FSFAULT_AFTER=0 INTEL_LM_FSFAULT_DIR=$F \
	LD_PRELOAD="$EMU_SO:$FSFAULT_SO" "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --to-vf=2 \
	--keep="$F/k.blob" > /dev/null 2>&1 || true
expect_state nvme0 1 running "$l: the source runs again"
G=$(gen nvme0 1)
run "$P" resume /dev/nvme1 --vf=2
expect_rc 0 "$l: the destination's resume"
run "$P" migrate /dev/nvme1 --vf=3 --to=/dev/nvme0 --to-vf=1
expect_rc 3 "$l: a migrate into the source is refused (exit 3)"
expect_held "$L" "$G" "$l: the source's state (generation $G) is kept"

# 24. (make soak seed 20263049, strict device, 5 steps) a migrate, a SUSPEND in doubt (killed
# before it took effect) of its saved source, a second SUSPEND the device refuses as out of
# sequence, a save of the source, then a load of that file into the destination, which ran on:
# the refused SUSPEND counted as one that may have run, so the save labelled the source's old
# state one generation newer, as new as the destination's, and the load replaced the newest
emu_rule "strict = 1" "strict = 1"
l="load of a source's copy over its destination after a refused SUSPEND"
run "$P" migrate /dev/nvme0 --vf=2 --to=/dev/nvme0 --to-vf=3
expect_rc 0 "$l: the migrate"
L=$(lineage nvme0 3)
G=$(gen nvme0 3)
kill_in_flight nvme0 0xc8 latency suspend /dev/nvme0 --vf=2
run "$P" suspend /dev/nvme0 --vf=2
expect_rc 4 "$l: the device refuses the SUSPEND of the saved source (exit 4)"
run "$P" suspend /dev/nvme0 --vf=3
expect_rc 0 "$l: the destination's suspend"
run "$P" save /dev/nvme0 --vf=2 -o "$F/s24.blob"
expect_rc 0 "$l: the save of the source"
run "$P" load /dev/nvme0 --vf=3 --input-file="$F/s24.blob"
expect_rc 3 "$l: the load over the destination is refused (exit 3)"
expect_held "$L" "$G" "$l: the generation the destination ran ($G) is kept"

# 25. (found reading the code while fixing 24, not by a seed) a resume killed once it took
# effect, a SUSPEND outside intel-lm, then recover --confirm=suspended (the operator is right)
# and a load of the file saved before the resume: the operator's word dropped that the VF may
# have run while its RESUME was in doubt, so the record named the file's generation, and the
# load replaced the only copy of the generation that ran
emu_rule
l="load over a VF confirmed suspended after its resume was in doubt"
run "$P" suspend /dev/nvme0 --vf=1
run "$P" save /dev/nvme0 --vf=1 -o "$F/s25.blob"
expect_rc 0 "$l: the save"
L=$(lineage nvme0 1)
kill_in_flight nvme0 0xcc completion_delay resume /dev/nvme0 --vf=1
G=$(gen nvme0 1)
LD_PRELOAD=$EMU_SO /usr/sbin/nvme admin-passthru /dev/nvme0 --opcode=0xc8 --cdw10=1 > /dev/null 2>&1
run "$P" recover /dev/nvme0 --vf=1 --confirm=suspended
expect_rc 0 "$l: the operator confirms suspended"
run "$P" load /dev/nvme0 --vf=1 --input-file="$F/s25.blob"
expect_rc 3 "$l: the load is refused (exit 3)"
expect_held "$L" "$G" "$l: the generation that ran ($G) is kept"

# 26. (found by review, issue 22's open list: "a second LOAD into such a VF overwrites the single
# load_ident") a load killed once its LOAD_DATA took effect, a second load into the same VF killed
# before its LOAD_DATA took effect, then a resume of the VF the first file came from and a resume
# of the loaded VF: the record named the VF's own state and the second file's, not the first
# one's, which the VF held, and the two resumes ran it twice
emu_rule
l="resume of a VF after two loads in doubt"
run "$P" suspend /dev/nvme0 --vf=1,2,3
run "$P" save /dev/nvme0 --vf=1 -o "$F/a26.blob"
run "$P" save /dev/nvme0 --vf=2 -o "$F/b26.blob"
run "$P" save /dev/nvme0 --vf=3 -o "$F/c26.blob"
expect_rc 0 "$l: the saves"
L=$(lineage nvme0 2)
kill_in_flight nvme0 0xd5 completion_delay load /dev/nvme0 --vf=1 --input-file="$F/b26.blob"
kill_in_flight nvme0 0xd5 latency load /dev/nvme0 --vf=1 --input-file="$F/c26.blob"
run "$P" resume /dev/nvme0 --vf=2
expect_rc 0 "$l: the first file's VF resumes"
run "$P" resume /dev/nvme0 --vf=1
expect_rc 3 "$l: the resume of the loaded VF is refused (exit 3)"
expect_once "$L" "$l: the first file's state runs once"
run "$P" load /dev/nvme0 --vf=1 --input-file="$F/c26.blob"
expect_rc 0 "$l: a load that takes effect settles the VF"
run "$P" resume /dev/nvme0 --vf=1
expect_rc 0 "$l: ... which then resumes"

# 27. (make soak seeds 20271532 and 20271323, strict device) a load killed once its LOAD_DATA
# took effect, then a migrate into that VF that stops before its own LOAD_DATA (the strict
# device refuses the destination's second SUSPEND): the migration took back its intent by
# forgetting every state the VF might hold, the first load's too, so the resumes of the VF the
# file came from and of the loaded VF ran that state twice
emu_rule "strict = 1"
l="a migrate stopped before its LOAD_DATA, into a VF with a LOAD in doubt"
run "$P" suspend /dev/nvme0 --vf=1,2
run "$P" save /dev/nvme0 --vf=2 -o "$F/a27.blob"
expect_rc 0 "$l: the save"
L=$(lineage nvme0 2)
kill_in_flight nvme0 0xd5 completion_delay load /dev/nvme0 --vf=1 --input-file="$F/a27.blob"
run "$P" migrate /dev/nvme0 --vf=3 --to=/dev/nvme0 --to-vf=1
expect_rc 4 "$l: the migrate fails at the destination (exit 4)"
expect_state nvme0 3 running "$l: its source runs again"
run "$P" resume /dev/nvme0 --vf=2
expect_rc 0 "$l: the file's VF resumes"
run "$P" resume /dev/nvme0 --vf=1
expect_rc 3 "$l: the resume of the loaded VF is refused (exit 3)"
expect_once "$L" "$l: the file's state runs once"

# 28. (found while pinning 27) the same without the migrate: a resume of a VF whose only
# identity on record was a LOAD_DATA's in doubt never asked the rule, so once the file's VF
# ran the state, the loaded VF ran it too
emu_rule
l="resume of a VF with a LOAD in doubt, after the file's VF resumed"
run "$P" suspend /dev/nvme0 --vf=1,2
run "$P" save /dev/nvme0 --vf=2 -o "$F/a28.blob"
L=$(lineage nvme0 2)
kill_in_flight nvme0 0xd5 completion_delay load /dev/nvme0 --vf=1 --input-file="$F/a28.blob"
run "$P" resume /dev/nvme0 --vf=2
expect_rc 0 "$l: the file's VF resumes"
run "$P" resume /dev/nvme0 --vf=1
expect_rc 3 "$l: the resume of the loaded VF is refused (exit 3)"
expect_err "runs, or may run, in /dev/nvme0 VF 2" "$l: ... naming where the state runs"
expect_once "$L" "$l: the file's state runs once"

# 29. (make soak seed 20272180, 8 steps) a suspend killed once its SUSPEND took effect, of a
# migration's running destination, then a batch save of it: the SUSPEND in doubt counted as a
# run, so its file was labelled a generation newer than the state it holds. A migrate into that
# VF (its state kept in the file), a resume of the first migration's source (its older copy), a
# migrate of it to a third VF, which ran it one generation on: the file's label was as new as
# that run, and its load over the VF that held the run (suspended) was allowed and replaced it
emu_rule
l="load of a file saved after a SUSPEND in doubt, over a newer run"
run "$P" migrate /dev/nvme0 --vf=2 --to=/dev/nvme0 --to-vf=1
expect_rc 0 "$l: the migrate"
L=$(lineage nvme0 1)
kill_in_flight nvme0 0xc8 completion_delay suspend /dev/nvme0 --vf=1
expect_state nvme0 1 suspended "$l: the killed SUSPEND took effect"
run "$P" save /dev/nvme0 --vf=1,2 --jobs=2 --output-file="$F/d29"
expect_rc 0 "$l: the batch save"
run "$P" migrate /dev/nvme0 --vf=3 --to=/dev/nvme0 --to-vf=1
expect_rc 0 "$l: a migrate into the saved VF (its state is in its file)"
run "$P" resume /dev/nvme0 --vf=2
expect_rc 0 "$l: the first migrate's source resumes"
run "$P" migrate /dev/nvme0 --vf=2 --to=/dev/nvme0 --to-vf=3 --keep="$F/k29.blob"
expect_rc 0 "$l: ... and moves to VF 3"
G=$(gen nvme0 3)
run "$P" suspend /dev/nvme0 --vf=3
expect_rc 0 "$l: VF 3's suspend"
run "$P" load /dev/nvme0 --vf=3 --input-file="$F/d29/vf1.blob"
expect_rc 3 "$l: the load of the first file over VF 3 is refused (exit 3)"
expect_err "/dev/nvme0 VF 3 holds the only copy intel-lm knows of" \
	"$l: ... as the only copy of the newest generation"
expect_held "$L" "$G" "$l: the generation VF 3 ran ($G) is kept"
run "$P" load /dev/nvme0 --vf=3 --input-file="$F/d29/vf1.blob" --force
expect_rc 0 "$l: --force loads it all the same"

# run_fsfault FAULT AFTER DIR ARGS...: run the standalone as run() does, under the fsfault preload
# (FAULT in DIR after AFTER calls that succeed)
run_fsfault() {
	local fault=$1 after=$2 dir=$3
	shift 3
	RC=0
	INTEL_LM_FSFAULT=$fault INTEL_LM_FSFAULT_AFTER=$after INTEL_LM_FSFAULT_DIR=$dir \
		LD_PRELOAD="$EMU_SO:$FSFAULT_SO" "$P" "$@" > "$T/out" 2> "$T/err" || RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# 30. (make soak seed 20273065, TP4159, 7 steps) a migrate; a save of its running destination
# whose outcome cannot be written (its SAVE_DATA, refused, stays in doubt on record); a migrate
# back whose record fails after its source's SUSPEND and SAVE_DATA intent (write EIO after 2):
# the state is kept in its --keep file, LOAD_DATA is not sent, nor is the rollback's RESUME,
# whose intent cannot be written either (exit 5). It was sent off the record once: the source
# ran a generation newer than the kept copy, which a load elsewhere and a migrate into the
# source then lost. Now the source stays suspended, its state the kept copy's generation; its
# record holds the SAVE_DATA intent (unknown: it may still run), so the copy's load elsewhere
# is refused, and nothing is lost or run twice
TP4159=$'vid = 0x1b36\nlm = 0\ntp4159 = 1'
emu_rule "$TP4159" "$TP4159"
l="a kept copy of a source its rollback could not resume on record"
run "$P" migrate /dev/nvme0 --vf=3 --to=/dev/nvme0 --to-vf=1
expect_rc 0 "$l: the migrate"
L=$(lineage nvme0 1)
run_fsfault write:EIO 1 "$INTEL_LM_STATE_DIR" save /dev/nvme0 --vf=1 -o "$F/s30.blob"
expect_rc 4 "$l: the save of the running VF fails (exit 4)"
run "$P" suspend /dev/nvme1 --vf=1
run_fsfault write:EIO 2 "$INTEL_LM_STATE_DIR" migrate /dev/nvme0 --vf=1 --to=/dev/nvme0 \
	--to-vf=3 --keep="$F/k30.blob"
expect_rc 5 "$l: the migrate back stops before LOAD_DATA (exit 5)"
expect_err "was NOT resumed: its RESUME could not be put on record (EIO)" \
	"$l: ... and says the source was not resumed"
expect_state nvme0 1 saved "$l: the source stays suspended, its state saved"
G=$(gen nvme0 1)
expect_status nvme0 1 "$l: status says the source's true state or unknown"
run "$P" load /dev/nvme1 --vf=1 --input-file="$F/k30.blob"
expect_rc 3 "$l: the load of the kept copy elsewhere is refused (exit 3)"
expect_err "runs, or may run, in /dev/nvme0 VF 1" "$l: ... as the source's may run"
run "$P" migrate /dev/nvme0 --vf=2 --to=/dev/nvme0 --to-vf=1
expect_rc 3 "$l: a migrate into the source is refused (exit 3)"
expect_err "which was not settled" "$l: ... as its migration is not settled"
expect_held "$L" "$G" "$l: the generation the source holds ($G) is kept"
expect_once "$L" "$l: the state runs once"

# 31. (found by reading rollback_source(), on 57a6d89) a migrate; a suspend of its destination;
# a migrate back --keep=FILE whose record fails after the source's SAVE_DATA outcome (write EIO
# after 3): LOAD_DATA's intent cannot be written, nor the rollback RESUME's. The RESUME was sent
# all the same, off the record, whose entry kept saying the source was saved while it ran: FILE
# loaded into another VF and resumed there ran the state twice. Now the RESUME is not sent: the
# source stays suspended, its state in FILE, and recover resumes it once the record is writable
emu_rule
l="a rollback RESUME whose intent cannot be put on record"
run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --to-vf=1
expect_rc 0 "$l: the migrate"
L=$(lineage nvme1 1)
run "$P" suspend /dev/nvme1 --vf=1
expect_rc 0 "$l: the suspend of its destination"
run_fsfault write:EIO 3 "$INTEL_LM_STATE_DIR" migrate /dev/nvme1 --vf=1 --to=/dev/nvme0 \
	--to-vf=1 --keep="$F/k31.blob"
expect_rc 5 "$l: the migrate back stops before LOAD_DATA (exit 5)"
expect_err "was NOT resumed: its RESUME could not be put on record (EIO)" \
	"$l: ... and says the source was not resumed, and why"
expect_err "intel-lm sends no command it cannot record" "$l: ... nor sent"
expect_err "its state in $F/k31.blob" "$l: ... and where its state is"
expect_once "$L" "$l: the state runs once"
expect_status nvme1 1 "$l: status says the source's true state or unknown"
run "$P" recover /dev/nvme1 --vf=1
expect_rc 0 "$l: recover, the record writable again, succeeds"
expect_state nvme1 1 running "$l: ... and resumes the source"
expect_status nvme1 1 "$l: status says the source runs, or unknown"
run "$P" suspend /dev/nvme0 --vf=2
expect_rc 0 "$l: the suspend of another VF"
run "$P" load /dev/nvme0 --vf=2 --input-file="$F/k31.blob"
run "$P" resume /dev/nvme0 --vf=2
expect_once "$L" "$l: the kept copy loaded and resumed elsewhere does not run twice"

# ... and the same, the kept copy loaded into another VF and resumed there first: it runs there
# once, and recover does not resume the source over it
emu_rule
run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --to-vf=1
L=$(lineage nvme1 1)
run "$P" suspend /dev/nvme1 --vf=1
run_fsfault write:EIO 3 "$INTEL_LM_STATE_DIR" migrate /dev/nvme1 --vf=1 --to=/dev/nvme0 \
	--to-vf=1 --keep="$F/k31.blob"
expect_rc 5 "$l, the copy run elsewhere: the migrate back (exit 5)"
run "$P" suspend /dev/nvme0 --vf=2
expect_rc 0 "$l, the copy run elsewhere: the suspend of another VF"
run "$P" load /dev/nvme0 --vf=2 --input-file="$F/k31.blob"
expect_rc 0 "$l, the copy run elsewhere: its load into another VF"
run "$P" resume /dev/nvme0 --vf=2
expect_rc 0 "$l, the copy run elsewhere: its resume there"
expect_once "$L" "$l, the copy run elsewhere: the state runs once"
run "$P" recover /dev/nvme1 --vf=1
expect_out "(the one rule: runs-elsewhere); nothing was sent" \
	"$l, the copy run elsewhere: recover leaves the source alone"
expect_once "$L" "$l, the copy run elsewhere: recover does not run it twice"

# 32. (make soak seed 20311312, strict device, 15 steps) a load killed in flight into a running VF
# (its LOAD_DATA, refused, in doubt), then a resume of that VF, refused as it runs (exit 4): the
# refusal counted as a run of the state the LOAD_DATA in doubt may have brought, so the VF's next
# save was labelled that state one generation on, though it holds its own. That file loaded
# after the true state ran that generation in another VF made it look kept, and a migrate over
# that VF was allowed and replaced the only copy of the generation. Now the file is labelled the
# generation the VF may hold: its load over the newer run is refused as stale, and the migrate
# as over the last copy
emu_rule "strict = 1" "strict = 1"
l="a file saved after a resume refused, of a VF with a LOAD in doubt"
run "$P" suspend /dev/nvme0 --vf=1
run "$P" save /dev/nvme0 --vf=1 -o "$F/f32.blob"
expect_rc 0 "$l: the save"
L=$(lineage nvme0 1)
kill_in_flight nvme1 0xd5 completion_delay load /dev/nvme1 --vf=3 --input-file="$F/f32.blob"
run "$P" resume /dev/nvme1 --vf=3
expect_rc 4 "$l: the resume of the VF with the LOAD in doubt is refused by the device (exit 4)"
run "$P" suspend /dev/nvme1 --vf=3
expect_rc 0 "$l: its suspend"
run "$P" save /dev/nvme1 --vf=3 -o "$F/s32.blob"
expect_rc 0 "$l: its save"
run "$P" suspend /dev/nvme0 --vf=2,3
run "$P" save /dev/nvme0 --vf=3 -o "$F/o32.blob"
run "$P" load /dev/nvme1 --vf=3 --input-file="$F/o32.blob"
expect_rc 0 "$l: another state loaded into that VF"
run "$P" load /dev/nvme0 --vf=2 --input-file="$F/f32.blob"
expect_rc 0 "$l: the first file's load into another VF"
run "$P" resume /dev/nvme0 --vf=2,3
expect_rc 0 "$l: ... and its resume there"
G=$(gen nvme0 2)
run "$P" suspend /dev/nvme0 --vf=2
run "$P" load /dev/nvme1 --vf=3 --input-file="$F/s32.blob"
expect_rc 3 "$l: the load of the second file is refused (exit 3)"
expect_err "has a newer version in /dev/nvme0 VF 2" "$l: ... as older than the run there"
run "$P" migrate /dev/nvme0 --vf=3 --to=/dev/nvme0 --to-vf=2
expect_rc 3 "$l: a migrate over the VF that ran the state is refused (exit 3)"
expect_err "/dev/nvme0 VF 2 holds the only copy intel-lm knows of" \
	"$l: ... as the only copy of the newest generation"
expect_held "$L" "$G" "$l: the generation that ran ($G) is kept"
run "$P" migrate /dev/nvme0 --vf=3 --to=/dev/nvme0 --to-vf=2 --force
expect_rc 0 "$l: --force migrates all the same"

# 33. (make soak seed 20340100, strict device, 14 steps: the operator's wrong word, which the
# checker now excuses for as long as the VF runs on) recover(1) advises --confirm=running when
# the operator cannot tell whether a destination whose RESUME is in doubt runs: if it did not,
# it still holds the state and its resume is safe. The RESUME here never took effect
emu_rule "strict = 1" "strict = 1"
l="recover --confirm=running of a destination whose RESUME did not take effect"
L=$(lineage nvme0 3)
kill_in_flight nvme0 0xcc latency migrate /dev/nvme0 --vf=3 --to=/dev/nvme0 --to-vf=1
run "$P" recover /dev/nvme0 --vf=1 --confirm=running
expect_rc 0 "$l: recover"
expect_state nvme0 3 saved "$l: the source stays saved"
run "$P" resume /dev/nvme0 --vf=1
expect_rc 0 "$l: the destination's resume"
expect_state nvme0 1 running "$l: ... runs it"
if [ "$(lineage nvme0 1)" = "$L" ]; then pass "$l: ... the source's state"; else
	fail "$l: ... the source's state" "nvme0 VF 1 runs lineage $(lineage nvme0 1), not $L"; fi
run "$P" resume /dev/nvme0 --vf=3
expect_rc 3 "$l: the source's resume is refused (exit 3)"
expect_once "$L" "$l: the state runs once"

# 34. (make soak seed 20411242, TP4159, 3 steps) a migrate killed while its destination's SUSPEND
# was in flight, before the source was touched (the source's record file made by its claim, no
# entry in it), then recover --confirm=suspended of the source, which status called running (no
# record): recover took the open migration naming it for a lost record, recorded the operator's
# word, and status said suspended of a VF that runs. A destination's entry is written first, so
# a source it names without a record was never touched (as recover(1) says for the destination)
emu_rule
l="recover --confirm of a migration's source it never touched"
kill_in_flight nvme1 0xc8 latency migrate /dev/nvme1 --vf=3 --to=/dev/nvme1 --to-vf=1
expect_status nvme1 3 "$l: status says the truth or unknown"
run "$P" recover /dev/nvme1 --vf=3 --confirm=suspended
expect_rc 3 "$l: --confirm is refused (exit 3): nothing is unknown"
expect_out "never changed it" "$l: ... and the VF shown as intel-lm never changed it"
expect_state nvme1 3 running "$l: the source runs"
expect_status nvme1 3 "$l: status still says the truth"
run "$P" recover /dev/nvme1 --vf=1
expect_rc 5 "$l: recover of the destination leaves its own SUSPEND in doubt (exit 5)"
expect_out "stopped before it touched the source" "$l: ... and closes the migration"

# 35. (session 12: a batch's scan cache watches its records with inotify only when its scans
# would otherwise check more than 4096 of them, so the suites' batches of a few VFs no longer
# take that path) a load of 64 VFs, one of whose states runs in a VF of the other PF: the
# watched cache sees that VF's record, refuses that load alone and makes the others. The record
# on a tmpfs: the cache watches only where inotify tells every change (ext4, xfs, btrfs, tmpfs),
# and this suite's directory may be on an overlay (check-trixie's chroot)
RULE_STATE_DIR=$INTEL_LM_STATE_DIR
INTEL_LM_STATE_DIR=$(mktemp -d /dev/shm/intel-lm-e2e-rule.XXXXXX)
emu_config <<CONF
[pf nvme0]
serial = MODEL0
vfs = 64
nvq = 2
[pf nvme1]
serial = MODEL1
cntlid = 17
vfs = 3
nvq = 2
CONF
rm -rf "$F" && mkdir -p "$F"
l="a load of 64 VFs with its records watched"
run "$P" suspend /dev/nvme0 --vf=all
run "$P" save /dev/nvme0 --vf=1-64 --jobs=8 -o "$F/b"
expect_rc 0 "$l: the save of 64 VFs"
L=$(lineage nvme0 5)
run "$P" suspend /dev/nvme1 --vf=1
run "$P" load /dev/nvme1 --vf=1 -i "$F/b/vf5.blob"
run "$P" resume /dev/nvme1 --vf=1
expect_rc 0 "$l: VF 5's state loaded into nvme1 VF 1 and resumed there"
RC=0
LD_PRELOAD=$EMU_SO strace -f -qq -e trace=inotify_init1,inotify_add_watch,inotify_rm_watch \
	-o "$T/strace" $P load /dev/nvme0 --vf=1-64 --jobs=8 -i "$F/b" > "$T/out" 2> "$T/err" ||
	RC=$?
OUT=$(cat "$T/out")
ERR=$(cat "$T/err")
# (session 13: one watch, the directory's, removed after the batch's last scan so that the
# exit does not wait for the kernel to reap it)
n=$(grep -c 'inotify_add_watch(' "$T/strace")
r=$(grep -c 'inotify_rm_watch(' "$T/strace")
[ "$n" -ge 1 ] && [ "$n" -le 2 ] && pass "$l: the batch watches its record directory alone" ||
	fail "$l: the batch watches its record directory alone" "$n inotify_add_watch calls"
[ "$r" -ge 1 ] && pass "$l: ... and removes the watch before it exits" ||
	fail "$l: ... and removes the watch before it exits" "$r inotify_rm_watch calls"
expect_rc 6 "$l: refused for VF 5 alone, the others loaded (exit 6, partial)"
expect_err "/dev/nvme0 VF 5: FAILED at check state" "$l: ... VF 5 refused by the rule"
expect_err "runs, or may run, in /dev/nvme1 VF 1" "$l: ... because its state runs in nvme1 VF 1"
expect_state nvme0 5 saved "$l: VF 5 is left as it was"
for vf in 4 6 64; do
	expect_state nvme0 $vf loaded "$l: VF $vf got its own state back"
	expect_status nvme0 $vf "$l: status of VF $vf says the truth"
done
expect_once "$L" "$l: VF 5's state runs once"
rm -rf "$INTEL_LM_STATE_DIR"
INTEL_LM_STATE_DIR=$RULE_STATE_DIR

e2e_finish
