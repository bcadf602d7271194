#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End-to-end: cold migration at scale. Batches over many VFs with several jobs, migrate with a
# failure injected at each step, and locks between concurrent processes. Host to host
# (migrate --to=ssh://) has a suite of its own (test-ssh-migrate.sh).
set -u
. "$(dirname "$0")/lib.sh"
e2e_init e2e-migrate "$1"
export INTEL_LM_LOCK_DIR=$T/locks TMPDIR=$T

# The vendor commands the emulated PFs got since the last emu_config, each as DEV:OPCODE:VF
# (e.g. "nvme1:c8:1 nvme0:c8:1"): Identify left out.
vendor_sent() {
	local dev opc vf out=""
	[ -f "$T/trace.log" ] || { echo; return; }
	while read -r dev opc vf; do
		[ "$opc" = 06 ] || out+="${out:+ }$dev:$opc:$((16#$vf))"
	done < <(sed -n 's/.* dev=\([a-z0-9]*\) opcode=0x\([0-9a-f]*\) .* cdw10=0x0000\([0-9a-f]*\) .*/\1 \2 \3/p' \
		"$T/trace.log")
	echo "$out"
}

expect_vendor_sent() {
	local got
	got=$(vendor_sent)
	if [ "$got" = "$1" ]; then pass "$2"; else fail "$2" "device got '$got', expected '$1'"; fi
}

prog_n=0
for P in "${PROGS[@]}"; do
	p=${P##*/}
	D=$T/prog$((++prog_n))
	mkdir -p "$D"

	# 64 VFs saved and loaded in one invocation each, 8 jobs
	emu_two_pfs "vfs = 64" "vfs = 64"
	run "$P" suspend /dev/nvme0 --vf=all --jobs=8
	expect_rc 0 "$p suspend --vf=all of 64 VFs"
	expect_out "64 of 64 VFs succeeded" "$p batch summary"
	run "$P" save /dev/nvme0 --vf=all --jobs=8 -o "$D/all" --output-format=json
	expect_rc 0 "$p save of 64 VFs"
	expect_json 'len(j["results"]) == 64 and j["failed"] == 0 and all(r["state"] == "saved" for r in j["results"])' \
		"$p save JSON reports 64 saved VFs"
	expect_json 'j["results"][63]["output_file"] == "'"$D/all/vf64.blob"'" and all("file" not in r and "input_file" not in r for r in j["results"])' \
		"$p save JSON names each VF's file output_file, as a one-VF save does"
	[ "$(ls "$D/all" | wc -l)" = 64 ] && [ -e "$D/all/vf64.blob" ] &&
		pass "$p 64 blobs named vfN.blob" || fail "$p 64 blobs named vfN.blob" "$(ls "$D/all")"
	[ "$(stat -c %a "$D/all")" = 700 ] && pass "$p batch directory is 0700" ||
		fail "$p batch directory is 0700" "$(stat -c %a "$D/all")"
	run "$P" suspend /dev/nvme1 --vf=1-64 --jobs=8
	run "$P" load /dev/nvme1 --vf=1-64 --jobs=16 -i "$D/all" --output-format=json
	expect_rc 0 "$p load of 64 VFs"
	expect_json 'j["results"][0]["input_file"] == "'"$D/all/vf1.blob"'" and all("file" not in r for r in j["results"])' \
		"$p load JSON names each VF's file input_file, as a one-VF load does"
	ok=1
	for vf in 1 17 33 64; do
		"$EMU_CTL" dump nvme0 $vf "$T/a"
		"$EMU_CTL" dump nvme1 $vf "$T/b"
		cmp -s "$T/a" "$T/b" || ok=0
	done
	[ $ok = 1 ] && pass "$p loaded states equal the saved ones" ||
		fail "$p loaded states equal the saved ones" "differ"
	run "$P" save /dev/nvme0 --vf=1,2 -o "$D/all"
	expect_rc $RC_REFUSED "$p batch save over existing files refused"
	expect_err "exists; nothing was sent" "$p says the batch files exist"

	# a batch where some VFs fail: each reported, with the state it is left in
	emu_two_pfs "fault = 0xd2 2 0x4002
fault = 0xd2 4 EIO"
	run "$P" suspend /dev/nvme0 --vf=1-4 --jobs=1
	run "$P" save /dev/nvme0 --vf=1-4 --jobs=1 -o "$D/part" --output-format=json
	# One VF's SAVE_DATA effect is unknown (EIO): that shows first, over "partial".
	expect_rc $RC_UNKNOWN "$p a batch with a VF in doubt exits 5"
	expect_json 'j["succeeded"] == 2 and j["failed"] == 2' "$p JSON counts successes and failures"
	expect_json '[r["state"] for r in j["results"]] == ["saved", "suspended", "saved", "unknown"]' \
		"$p JSON names each VF's state"
	expect_json 'j["results"][3]["error"]["errno"] == "EIO" and j["results"][1]["error"]["status"] == 0x4002' \
		"$p JSON gives each failure"
	[ "$(ls "$D/part")" = "$(printf 'vf1.blob\nvf3.blob')" ] &&
		pass "$p only the saved VFs have files" || fail "$p only the saved VFs have files" \
		"$(ls "$D/part")"
	# The same in words: successes and one count on stdout, each failure on stderr.
	emu_two_pfs "fault = 0xc8 2 0x4002"
	run "$P" suspend /dev/nvme0 --vf=1-3 --jobs=1
	expect_rc $RC_PARTIAL "$p a batch where one VF failed exits 6"
	expect_out "/dev/nvme0 VF 1: ok, suspended" "$p a VF that succeeded is on stdout"
	expect_err "/dev/nvme0 VF 2: FAILED at SUSPEND: Invalid Field in Command" \
		"$p a VF that failed is on stderr, with the decoded status"
	expect_out "suspend: 2 of 3 VFs succeeded, 1 failed (on standard error)" \
		"$p one count on stdout names the failures"
	if grep -q FAILED <<< "$OUT" || grep -q "succeeded" <<< "$ERR"; then
		fail "$p stdout has no failure, stderr no second count" "stdout: $OUT; stderr: $ERR"
	else
		pass "$p stdout has no failure, stderr no second count"
	fi
	run "$P" resume /dev/nvme0 --vf=1-4
	run "$P" resume /dev/nvme0 --vf=1-4
	expect_out "4 of 4 VFs succeeded" "$p normal batch report"

	# migrate: success, with step times and downtime
	emu_two_pfs
	rm -f "$T"/intel-lm-migrate-*
	run "$P" migrate /dev/nvme0 --vf=3 --to=/dev/nvme1 --to-vf=2 --output-format=json
	expect_rc 0 "$p migrate succeeds"
	expect_json 'j["downtime_ns"] > 0 and [s["outcome"] for s in j["steps"]] == ["ok"] * 7' \
		"$p migrate JSON: every step ok, downtime"
	expect_json '"kept" not in j' "$p migrate without --keep keeps nothing after success"
	expect_state nvme0 3 saved "$p source VF left saved"
	expect_state nvme1 2 running "$p destination VF running"
	"$EMU_CTL" dump nvme0 3 "$T/a"
	"$EMU_CTL" dump nvme1 2 "$T/b"
	next_gen "$T/a" "$T/b" && pass "$p migrate moved the exact state" ||
		fail "$p migrate moved the exact state" "differ"
	left=$(ls "$T" | grep intel-lm-migrate)
	[ -z "$left" ] && pass "$p no temporary state left" || fail "$p no temporary state left" "$left"
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --to-vf=1 --keep="$D/kept.blob"
	expect_out "downtime" "$p migrate reports the downtime"
	[ -f "$D/kept.blob" ] && pass "$p --keep keeps the state" || fail "$p --keep keeps the state" "none"
	run "$P" migrate /dev/nvme0 --vf=2 --to=/dev/nvme1 --dry-run
	expect_rc 0 "$p migrate --dry-run"
	expect_out "would send to /dev/nvme0: SUSPEND" "$p dry run shows the source suspend"
	expect_out "would send to /dev/nvme1: RESUME" "$p dry run shows the destination resume"
	expect_state nvme0 2 running "$p dry run changed nothing"
	run "$P" migrate /dev/nvme0 --vf=2 --to=/dev/nvme0 --to-vf=2
	expect_rc $RC_REFUSED "$p migrate to itself refused"

	# migrate: a failure at each step leaves the documented state
	# step opcode nth: source suspend, query, save; destination suspend, load, resume
	# step:fault:PF it is injected on:destination state after it, as the emulator sees it:
	# whether the state is kept (the keep step runs after the source save; a safety copy is
	# removed again once the rollback resumed the source: a stale copy of a running VF's
	# state could be run twice, so only "kept" failures that leave the source stopped keep it). The destination
	# is suspended first, before the downtime starts; a source step that fails leaves it
	# suspended, as the report says.
	for f in "destination suspend:0xc8 1:dst:running:no" \
		 "source suspend:0xc8 1:src:suspended:no" \
		 "source query-size:0xc4 1:src:suspended:no" \
		 "source save:0xd2 1:src:suspended:no" \
		 "destination load:0xd5 1:dst:suspended:no" \
		 "destination resume:0xcc 1:dst:loaded:no"; do
		IFS=: read -r step fault on want_dst kept <<< "$f"
		for what in 0x4002 EIO; do
			if [ "$on" = src ]; then
				emu_two_pfs "fault = $fault $what" ""
			else
				emu_two_pfs "" "fault = $fault $what"
			fi
			rm -f "$T"/intel-lm-migrate-*
			run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --output-format=json
			l="$p migrate, $step fails with $what"
			want=$(fault_rc "$what")
			[ "$step" = "source query-size" ] && [ "$want" = $RC_UNKNOWN ] && want=$RC_FAILED
			expect_rc "$want" "$l: exit $want"
			expect_json "[s['outcome'] for s in j['steps']].index('failed') == [s['step'] for s in j['steps']].index('$step')" \
				"$l: the failed step is named"
			case $step in
			*suspend) opname=SUSPEND ;; *query-size) opname=QUERY_DATA_SIZE ;;
			*save) opname=SAVE_DATA ;; *load) opname=LOAD_DATA ;; *) opname=RESUME ;;
			esac
			expect_json "j['error']['operation'] == '$opname' and j['error']['step'] == '$step'" \
				"$l: error.operation is the command ($opname), as in the one-VF commands"
			# The advice fits migrate: never the one-VF commands' (migrate suspended the
			# VF itself; the rollback already resumed the source).
			if [ "$step" != "destination resume" ] || [ "$what" != EIO ]; then
				expect_json "j['error']['hint'].startswith(('the source runs again', 'the source was never stopped')) and 'suspend the VF first' not in j['error']['hint'] and 'for save' not in j['error']['hint']" \
					"$l: the advice fits migrate (the source runs: run migrate again)"
			fi
			if [ "$step" != "destination resume" ] || [ "$what" != EIO ]; then
				expect_state nvme0 1 running "$l: source VF running"
			fi
			got=$(vf_state nvme1 1)
			[ "$got" = "$want_dst" ] && pass "$l: destination $want_dst" ||
				fail "$l: destination $want_dst" "it is $got"
			if [ "$step" = "destination resume" ] && [ "$what" = EIO ]; then
				continue
			fi
			n=$(ls "$T" | grep -c intel-lm-migrate-)
			if [ "$kept" = yes ]; then
				[ "$n" = 1 ] && pass "$l: state kept" || fail "$l: state kept" "$n files"
				expect_err "the saved state is kept in $T/intel-lm-migrate-" \
					"$l: says where the state is"
			else
				[ "$n" = 0 ] && pass "$l: nothing kept" || fail "$l: nothing kept" "$n"
			fi
			if [ "$step" = "destination suspend" ]; then
				expect_json 'j["source_untouched"] is True and j["source_resumed"] is False' \
					"$l: the source was never touched"
				expect_err "nothing was sent to the source VF 1 of /dev/nvme0" \
					"$l: says the source was not touched"
			elif [ "$step" = "source suspend" ] && [ "$what" = 0x4002 ]; then
				# Refused with a status: never suspended, so never resumed.
				expect_json 'j["source_untouched"] is True and j["rollback"]["sent"] is False' \
					"$l: the source is not resumed"
				expect_err "was never suspended, so nothing was sent to resume it" \
					"$l: says the source was never suspended"
			else
				expect_json 'j["source_resumed"] is True' "$l: source resumed"
				expect_err "the source VF 1 of /dev/nvme0 was resumed" \
					"$l: says the source was resumed"
			fi
		done
	done
	# A destination RESUME with an unknown effect: the source is deliberately not resumed.
	emu_two_pfs "" "fault = 0xcc 1 EIO"
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --output-format=json
	l="$p migrate, destination resume fails with EIO"
	expect_json 'j["source_resumed"] is False and j["source_left_suspended"] is True' \
		"$l: source deliberately left suspended"
	expect_state nvme0 1 saved "$l: source VF left saved"
	expect_err "two running copies must never exist" "$l: says why"
	expect_err "--confirm=running" "$l: says how to settle it"
	# That migration is not settled: neither VF takes part in another until recover settles it
	# (issue 15: VF 1, saved, would otherwise get VF 2's state without a SUSPEND, over the state
	# its rollback needs).
	clear_trace
	run "$P" migrate /dev/nvme0 --vf=2 --to=/dev/nvme0 --to-vf=1 --output-format=json
	expect_rc $RC_REFUSED "$l, then a migrate into its source: refused"
	expect_vendor_sent "" "$l, then a migrate into its source: nothing sent"
	expect_json 'j["error"]["operation"] == "check record" and "not settled" in j["error"]["message"] and "recover /dev/nvme0 --vf=1" in j["error"]["hint"]' \
		"$l, then a migrate into its source: says recover settles it first"
	run "$P" migrate /dev/nvme1 --vf=1 --to=/dev/nvme1 --to-vf=2
	expect_rc $RC_REFUSED "$l, then a migrate of its destination: refused"
	expect_err "check record failed on /dev/nvme1 VF 1" "$l, then a migrate of its destination: says why"
	expect_state nvme0 1 saved "$l, then other migrates: the source still saved"

	# migrate into a VF that is suspended already (issue 15): its SUSPEND is not sent. strict = 1
	# answers a second SUSPEND with Command Sequence Error, as the kernel suite's QEMU model does.
	# VF 1 -> VF 2 and back within one PF: VF 1, saved by the first migrate, is the destination.
	emu_two_pfs "strict = 1" "strict = 1"
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme0 --to-vf=2
	expect_rc 0 "$p strict: migrate VF 1 -> VF 2 of one PF"
	clear_trace
	run "$P" migrate /dev/nvme0 --vf=2 --to=/dev/nvme0 --to-vf=1 --output-format=json
	l="$p migrate VF 2 -> VF 1, VF 1 saved by the first migrate"
	expect_rc 0 "$l: exit 0"
	expect_vendor_sent "nvme0:c8:2 nvme0:c4:2 nvme0:d2:2 nvme0:d5:1 nvme0:cc:1" \
		"$l: no SUSPEND to VF 1, the rest in order"
	expect_json '[s["outcome"] for s in j["steps"]] == ["skipped"] + ["ok"] * 6 and j["steps"][0]["step"] == "destination suspend"' \
		"$l: JSON: the destination suspend skipped, every other step ok"
	expect_json 'j["source_state"] == "saved" and j["destination_state"] == "running" and j["downtime_ns"] > 0' \
		"$l: JSON: the states on record and the downtime"
	expect_json 'any("VF 1 of /dev/nvme0 is saved on record, so suspended already: its SUSPEND was not sent" in n for n in j["notes"])' \
		"$l: a note says why"
	expect_state nvme0 1 running "$l: VF 1 runs"
	expect_state nvme0 2 saved "$l: VF 2 saved"
	"$EMU_CTL" dump nvme0 2 "$T/a"
	"$EMU_CTL" dump nvme0 1 "$T/b"
	next_gen "$T/a" "$T/b" && pass "$l: VF 1 runs VF 2's state" || fail "$l: VF 1 runs VF 2's state" "differ"
	run "$P" status /dev/nvme0 --output-format=json
	expect_json '[(v["vf"], v["state"], v["last_operation"]["open"]) for v in j["vfs"] if v["vf"] in (1, 2)] == [(1, "running", False), (2, "saved", False)]' \
		"$l: status: VF 1 running, VF 2 saved, the migration closed"
	# The words: the step is shown skipped.
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme0 --to-vf=2
	expect_rc 0 "$p strict: and VF 1 -> VF 2 again, in words"
	expect_out "destination suspend  skipped" "$p in words: the destination suspend skipped"

	# A running destination still gets its SUSPEND first.
	emu_two_pfs "strict = 1" "strict = 1"
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --to-vf=2 --output-format=json
	l="$p migrate into a running destination"
	expect_rc 0 "$l: exit 0"
	expect_vendor_sent "nvme1:c8:2 nvme0:c8:1 nvme0:c4:1 nvme0:d2:1 nvme1:d5:2 nvme1:cc:2" \
		"$l: its SUSPEND first"
	expect_json '[s["outcome"] for s in j["steps"]] == ["ok"] * 7 and "notes" not in j' \
		"$l: every step ok, no note"

	# Into a suspended (not saved) destination, and a --dry-run that shows no SUSPEND for it.
	emu_two_pfs "strict = 1" "strict = 1"
	run "$P" suspend /dev/nvme1 --vf=1
	clear_trace
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --dry-run
	l="$p migrate --dry-run into a suspended destination"
	expect_rc 0 "$l: exit 0"
	if grep -q "would send to /dev/nvme1: SUSPEND" <<< "$ERR$OUT"; then
		fail "$l: no SUSPEND for the destination" "$ERR"
	else
		pass "$l: no SUSPEND for the destination"
	fi
	expect_out "would send to /dev/nvme0: SUSPEND" "$l: the source's SUSPEND"
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --output-format=json
	l="$p migrate into a suspended destination"
	expect_rc 0 "$l: exit 0"
	expect_vendor_sent "nvme0:c8:1 nvme0:c4:1 nvme0:d2:1 nvme1:d5:1 nvme1:cc:1" "$l: no SUSPEND to it"
	expect_state nvme1 1 running "$l: it runs"

	# A failure after a skipped destination SUSPEND: the rollback resumes the source only; the
	# destination, saved before, stays saved, on the device and on record.
	for f in "source save:0xd2 1:src" "destination load:0xd5 1:dst"; do
		IFS=: read -r step fault on <<< "$f"
		# The setup sends no command the fault counts on its PF.
		if [ "$on" = src ]; then
			emu_two_pfs "strict = 1
fault = $fault 0x4002" "strict = 1"
		else
			emu_two_pfs "strict = 1" "strict = 1
fault = $fault 0x4002"
		fi
		run "$P" suspend /dev/nvme1 --vf=1
		run "$P" save /dev/nvme1 --vf=1 -o "$D/dst-own.blob" --force
		clear_trace
		run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --output-format=json
		l="$p migrate into a saved destination, $step refused"
		expect_rc $RC_DEVICE "$l: exit 4"
		if [ "$on" = src ]; then
			expect_vendor_sent "nvme0:c8:1 nvme0:c4:1 nvme0:d2:1 nvme0:cc:1" \
				"$l: no SUSPEND to the destination, the source resumed, nothing else"
		else
			expect_vendor_sent "nvme0:c8:1 nvme0:c4:1 nvme0:d2:1 nvme1:d5:1 nvme0:cc:1" \
				"$l: no SUSPEND to the destination, the source resumed, nothing else"
		fi
		expect_json "j['steps'][0]['outcome'] == 'skipped' and j['error']['step'] == '$step' and j['source_resumed'] is True" \
			"$l: JSON: skipped, the failed step, the source resumed"
		expect_json 'j["destination_state"] == "saved" and j["source_state"] == "running"' \
			"$l: JSON: the destination still saved on record, the source running"
		expect_state nvme1 1 saved "$l: the destination still saved on the device"
		expect_state nvme0 1 running "$l: the source runs"
		run "$P" status /dev/nvme1 --vf=1 --output-format=json
		expect_json 'j["vfs"][0]["state"] == "saved" and j["vfs"][0]["last_operation"]["open"] is False' \
			"$l: status: the destination saved, the migration closed"
	done

	# A source suspended already gets its SUSPEND all the same (a VF suspended on record may
	# hold a state loaded into it): a device that refuses a second one stops the migration
	# before anything is moved, and the advice says when resuming the source first is safe.
	emu_two_pfs "strict = 1" "strict = 1"
	run "$P" suspend /dev/nvme0 --vf=1
	clear_trace
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --output-format=json
	l="$p migrate of a suspended source, the second SUSPEND refused"
	expect_rc $RC_DEVICE "$l: exit 4"
	expect_vendor_sent "nvme1:c8:1 nvme0:c8:1" "$l: its SUSPEND sent, nothing moved"
	expect_json 'j["error"]["step"] == "source suspend" and "only if it holds its own state, resume it" in j["error"]["hint"] and "never resume it if it may hold a state that runs in another VF" in j["error"]["hint"]' \
		"$l: the advice says when resuming it is safe"
	expect_json '"suspended on record before migrate started, refused migrate\x27s SUSPEND and is left as it was" in j["error"]["message"] + j["error"]["hint"] + json.dumps(j)' \
		"$l: the rollback says the source was left as it was"
	expect_state nvme0 1 suspended "$l: the source still suspended"
	emu_two_pfs "" ""
	run "$P" suspend /dev/nvme0 --vf=1
	clear_trace
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --output-format=json
	l="$p migrate of a suspended source, a device that takes a second SUSPEND"
	expect_rc 0 "$l: exit 0"
	expect_vendor_sent "nvme1:c8:1 nvme0:c8:1 nvme0:c4:1 nvme0:d2:1 nvme1:d5:1 nvme1:cc:1" \
		"$l: every command, its SUSPEND too"
	expect_state nvme1 1 running "$l: the destination runs"

	# A saved destination whose state is in no file and ran nowhere (its save's write failed)
	# holds the last copy of its state: the one rule refuses before anything is sent.
	emu_two_pfs "strict = 1" "strict = 1"
	run "$P" suspend /dev/nvme1 --vf=1
	run "$P" save /dev/nvme1 --vf=1 -o - > /dev/full
	clear_trace
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --output-format=json
	l="$p migrate into a saved destination whose state is in no file"
	expect_rc $RC_REFUSED "$l: exit 3, refused by the one rule"
	expect_vendor_sent "" "$l: nothing sent"
	expect_state nvme1 1 saved "$l: its state is still in it"
	expect_state nvme0 1 running "$l: the source untouched"

	# A destination whose LOAD_DATA may have taken effect, settled by the operator as not
	# running, is recorded as the operator said ("suspended"), still naming the state its
	# LOAD_DATA was bringing in: migrate refuses it as a source (it may hold the state of the
	# VF the rollback resumed), and a device never runs two copies.
	emu_two_pfs "strict = 1" "strict = 1
completion_delay.0xd5 = 1500000"
	LD_PRELOAD=$EMU_SO $P migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 > /dev/null 2>&1 &
	pid=$!
	l="$p a destination settled as not running after its LOAD_DATA"
	strike KILL $pid nvme1 0xd5 ran "$l"
	wait $pid 2> /dev/null || true
	run "$P" recover /dev/nvme1 --vf=1 --confirm=suspended
	expect_rc 0 "$l: recover settles it"
	expect_state nvme0 1 running "$l: the source resumed"
	run "$P" status /dev/nvme1 --vf=1 --output-format=json
	expect_json 'j["vfs"][0]["state"] == "suspended"' "$l: recorded suspended, as confirmed"
	expect_json 'j["vfs"][0]["load_identity"] is not None' "$l: it may hold the source's state"
	clear_trace
	run "$P" migrate /dev/nvme1 --vf=1 --to=/dev/nvme0 --to-vf=2 --output-format=json
	expect_rc $RC_REFUSED "$l: migrate from it is refused, exit 3"
	expect_vendor_sent "" "$l: nothing sent"
	expect_state nvme0 2 running "$l: VF 2 untouched"
	n=0
	for v in "nvme0 1" "nvme1 1" "nvme0 2"; do
		"$EMU_CTL" show $v | grep -q '^state=running .*origin=SRC0001/vf1 ' && n=$((n + 1))
	done
	[ "$n" = 1 ] && pass "$l: one VF runs the source's state" ||
		fail "$l: one VF runs the source's state" "$n do"

	# A saved source is refused before anything is sent: its state may run elsewhere.
	emu_two_pfs "strict = 1" "strict = 1"
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme0 --to-vf=2
	clear_trace
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --output-format=json
	l="$p migrate of a saved source"
	expect_rc $RC_REFUSED "$l: refused, exit 3"
	expect_vendor_sent "" "$l: nothing sent"
	expect_json 'j["error"]["operation"] == "check source" and "resume the VF" in j["error"]["hint"] and "only if it runs nowhere else" in j["error"]["hint"]' \
		"$l: says why, and when resuming it is safe"
	expect_state nvme0 1 saved "$l: the source still saved"
	expect_state nvme1 1 running "$l: the destination untouched"

	# A destination suspended behind intel-lm's back (another record directory): the record says
	# running, so its SUSPEND is sent and refused; the advice never says to resume it.
	emu_two_pfs "strict = 1" "strict = 1"
	INTEL_LM_STATE_DIR=$T/other-state run "$P" suspend /dev/nvme1 --vf=1
	rm -rf "$T/other-state"
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --output-format=json
	l="$p migrate into a VF suspended without intel-lm's record"
	expect_rc $RC_DEVICE "$l: exit 4"
	expect_json 'j["error"]["step"] == "destination suspend" and j["error"]["status"] == 0x400c' \
		"$l: the destination suspend refused with Command Sequence Error"
	expect_json '"out of sequence although intel-lm\x27s record says it is running" in j["error"]["hint"] and "do not resume it" in j["error"]["hint"] and "fix what its status names" not in j["error"]["hint"]' \
		"$l: the advice says not to resume it"

	# migrate of several VFs: pairs in order, each a migration of its own
	emu_two_pfs "vfs = 8" "vfs = 8"
	rm -f "$T"/intel-lm-migrate-*
	run "$P" migrate /dev/nvme0 --vf=all --to=/dev/nvme1 --to-vf=all --jobs=4 --output-format=json
	l="$p migrate --vf=all --jobs=4 of 8 VFs"
	expect_rc 0 "$l: exit 0"
	expect_json 'len(j["results"]) == 8 and j["succeeded"] == 8 and j["failed"] == 0 and [(r["vf"], r["to_vf"]) for r in j["results"]] == [(v, v) for v in range(1, 9)]' \
		"$l: every pair reported, in order"
	expect_json 'all(r["success"] and r["changed"] and r["state"] == "saved" and r["destination_state"] == "running" and r["downtime_ns"] > 0 and len(r["steps"]) == 7 for r in j["results"])' \
		"$l: each pair's states, downtime and steps"
	expect_json 'len(set(r["operation_id"] for r in j["results"])) == 8' \
		"$l: each pair is a migration of its own (8 ids on record)"
	ok=1
	for vf in 1 4 8; do
		[ "$(vf_state nvme0 $vf)" = saved ] && [ "$(vf_state nvme1 $vf)" = running ] || ok=0
		"$EMU_CTL" dump nvme0 $vf "$T/a"
		"$EMU_CTL" dump nvme1 $vf "$T/b"
		next_gen "$T/a" "$T/b" || ok=0
	done
	[ $ok = 1 ] && pass "$l: each destination runs its own source's state" ||
		fail "$l: each destination runs its own source's state" "states or contents differ"
	[ "$(ls "$T" | grep -c intel-lm-migrate-)" = 0 ] && pass "$l: no safety copy left" ||
		fail "$l: no safety copy left" "$(ls "$T" | grep intel-lm-migrate-)"

	emu_two_pfs
	run "$P" migrate /dev/nvme0 --vf=2,4 --to=/dev/nvme1 --to-vf=1-2
	l="$p migrate --vf=2,4 --to-vf=1-2"
	expect_rc 0 "$l: exit 0"
	expect_out "/dev/nvme0 VF 2 -> /dev/nvme1 VF 1: ok, 2712 bytes, downtime " "$l: the lowest to the lowest"
	expect_out "/dev/nvme0 VF 4 -> /dev/nvme1 VF 2: ok" "$l: the next to the next"
	expect_out "migrate: 2 of 2 VFs migrated; longest downtime " "$l: one count"
	"$EMU_CTL" dump nvme0 4 "$T/a"
	"$EMU_CTL" dump nvme1 2 "$T/b"
	next_gen "$T/a" "$T/b" && pass "$l: VF 2 of nvme1 runs VF 4's state" ||
		fail "$l: VF 2 of nvme1 runs VF 4's state" "differ"

	# One pair fails: it is rolled back on its own, the others migrate.
	emu_two_pfs "fault = 0xd2 2 0x4002" ""
	run "$P" migrate /dev/nvme0 --vf=1-2 --to=/dev/nvme1 --jobs=1 --output-format=json
	l="$p migrate of 2 VFs, the second source save refused"
	expect_rc $RC_PARTIAL "$l: exit 6"
	expect_json '[r["success"] for r in j["results"]] == [True, False] and j["succeeded"] == 1 and j["failed"] == 1' \
		"$l: the counts"
	expect_json 'j["results"][1]["error"]["operation"] == "SAVE_DATA" and j["results"][1]["error"]["step"] == "source save" and j["results"][1]["error"]["kind"] == "device" and j["results"][1]["source_resumed"] is True and j["results"][1]["state"] == "running"' \
		"$l: the failed pair's error and rollback"
	expect_state nvme0 2 running "$l: its source runs again"
	expect_state nvme1 2 suspended "$l: its destination is left suspended"
	expect_state nvme1 1 running "$l: the other pair migrated"
	emu_two_pfs "fault = 0xd2 2 0x4002" ""
	run "$P" migrate /dev/nvme0 --vf=1-2 --to=/dev/nvme1 --jobs=1
	expect_err "/dev/nvme0 VF 2 -> /dev/nvme1 VF 2: FAILED at source save: Invalid Field" \
		"$l, in words: the failure on stderr"
	expect_out "migrate: 1 of 2 VFs migrated, 1 failed (on standard error)" "$l, in words: the count"

	# Refused before anything is sent: lists of different lengths, or out of order.
	emu_two_pfs
	clear_trace
	run "$P" migrate /dev/nvme0 --vf=1-4 --to=/dev/nvme1 --to-vf=1-2
	expect_rc $RC_REFUSED "$p migrate of 4 VFs to 2: refused"
	expect_err "names another number of VFs than --vf" "$p migrate of 4 VFs to 2: says why"
	run "$P" migrate /dev/nvme0 --vf=1-4 --to=/dev/nvme1
	expect_rc $RC_REFUSED "$p migrate of VFs 1-4 to a PF with 2 VFs, without --to-vf: refused"
	expect_err "without --to-vf the destination VFs are those of --vf" \
		"$p without --to-vf: says the destination VFs are --vf's"
	run "$P" migrate /dev/nvme0 --vf=2,1 --to=/dev/nvme1 --to-vf=1,2
	expect_rc $RC_REFUSED "$p migrate --vf=2,1: refused"
	expect_err "write both lists in ascending order" "$p migrate --vf=2,1: says why"
	expect_sent "06 06 06 06 06 06 06 06 06 06 06 06" "$p the refused lists sent only Identify"
	run "$P" migrate /dev/nvme0 --vf=1-1,2 --to=/dev/nvme1 --to-vf=2-2 --dry-run
	expect_err "names another number of VFs than --vf" \
		"$p migrate --vf=1-1,2 --to-vf=2-2: ranges of one VF are in order, the counts differ"
	run "$P" migrate /dev/nvme0 --vf=2-2 --to=/dev/nvme1 --to-vf=1-1
	expect_rc 0 "$p migrate --vf=2-2 --to-vf=1-1: a range of one VF each"
	expect_state nvme1 1 running "$p migrate --vf=2-2 --to-vf=1-1: VF 1 runs on the destination"

	# --keep names a directory for several VFs: one blob per source VF, none replaced.
	emu_two_pfs
	run "$P" migrate /dev/nvme0 --vf=1-2 --to=/dev/nvme1 --keep="$D/kept"
	expect_rc 0 "$p migrate of 2 VFs with --keep=DIR"
	[ -s "$D/kept/vf1.blob" ] && [ -s "$D/kept/vf2.blob" ] && [ "$(stat -c %a "$D/kept")" = 700 ] &&
		pass "$p --keep=DIR holds vf1.blob and vf2.blob, mode 0700" ||
		fail "$p --keep=DIR holds vf1.blob and vf2.blob, mode 0700" "$(ls -la "$D/kept")"
	run "$P" inspect "$D/kept/vf2.blob"
	expect_rc 0 "$p the kept blob verifies"
	emu_two_pfs
	clear_trace
	run "$P" migrate /dev/nvme0 --vf=1-2 --to=/dev/nvme1 --keep="$D/kept"
	expect_rc $RC_REFUSED "$p --keep=DIR whose files exist: refused"
	expect_err "vf1.blob: it exists; nothing was sent" "$p --keep=DIR: names the file"
	expect_sent "06 06 06 06" "$p --keep=DIR refused: only Identify sent"

	# A dry run of several.
	emu_two_pfs
	clear_trace
	run "$P" migrate /dev/nvme0 --vf=1-2 --to=/dev/nvme1 --dry-run --output-format=json
	expect_rc 0 "$p migrate --dry-run of 2 VFs"
	expect_json 'j["dry_run"] is True and len(j["results"]) == 2 and all(r["success"] for r in j["results"])' \
		"$p migrate --dry-run of 2 VFs: both pairs reported"
	expect_sent "06 06 06 06" "$p migrate --dry-run of 2 VFs sent only Identify"

	# two processes on the same PF: the same VF is serialised, others proceed
	emu_two_pfs "latency.0xc8 = 3000000"
	LD_PRELOAD=$EMU_SO $P suspend /dev/nvme0 --vf=1 > "$T/a.out" 2>&1 &
	holder=$!
	# VF 1's SUSPEND is sent (so its lock is held) and in its latency
	if wait_until step_reached nvme0 0xc8 arrived 1; then
		pass "$p the holder's SUSPEND of VF 1 is in flight"
	else
		fail "$p the holder's SUSPEND of VF 1 is in flight" "not sent in 20 s"
	fi
	run "$P" query-size /dev/nvme0 --vf=2 --wait=0
	expect_rc 0 "$p another VF proceeds while VF 1 is busy"
	[ "$(steps nvme0 0xc8 ran)" = 0 ] && pass "$p VF 2 did not wait for VF 1" ||
		fail "$p VF 2 did not wait for VF 1" "VF 1's SUSPEND ran before VF 2's query ended"
	run "$P" suspend /dev/nvme0 --vf=1 --wait=0
	expect_rc $RC_REFUSED "$p the busy VF is refused with --wait=0"
	expect_err "another process is working on this VF (pid $holder:" "$p names the holder's pid"
	expect_err "suspend /dev/nvme0 --vf=1)" "$p names what the holder does"
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --wait=0
	expect_rc $RC_REFUSED "$p migrate of the busy VF is refused with --wait=0"
	expect_err "lock failed on /dev/nvme0 VF 1: another process is working on this VF (pid $holder:" \
		"$p migrate names the busy VF and its holder"
	expect_state nvme1 1 running "$p the refused migrate touched no destination"
	run "$P" resume /dev/nvme0 --vf=1 --wait=10
	expect_rc 0 "$p --wait=10 waits for the holder"
	wait $holder
	expect_state nvme0 1 running "$p the waiting resume ran after the suspend"
done

e2e_finish
