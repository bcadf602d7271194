#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End-to-end: examples/migrate-pf-over-ssh.sh, host to host with ssh replaced by a command that
# runs here, against the emulated PF's truth (intel-lm-emu show, dump, counters). VFs moved
# byte for byte; a fault at each step on either side, with an NVMe status and with an errno;
# a destination RESUME whose completion is lost after it took effect; an ssh connection that
# drops after each remote step; checks before anything is sent; a signal. After every failure:
# never two running copies of a state, the source resumed when (and only when) the rules of
# migrate say so, the step named with its decoded error, the saved state kept.
#
# E2E_SSH_SCRIPT names another script to test (e.g. an older version of the example).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091 # followed with -x
. "$(dirname "$0")/lib.sh"
e2e_init e2e-ssh "$1"
SCRIPT=${E2E_SSH_SCRIPT:-$(cd "$(dirname "$0")/../.." && pwd)/examples/migrate-pf-over-ssh.sh}
export TMPDIR=$T/tmp
mkdir -p "$TMPDIR"

# "ssh HOST COMMAND": run COMMAND here, as ssh would on HOST.
cat > "$T/ssh" <<'SH'
#!/bin/bash
shift
exec bash -c "$*"
SH
# The same, but a command that holds DROP_ON runs and then the connection drops: exit 255.
# DROP_HOW=mute: what it printed is lost too; DROP_HOW=lost: its output is lost but the exit
# status comes back.
cat > "$T/ssh-drop" <<'SH'
#!/bin/bash
shift
case $* in
*"$DROP_ON"*) ;;
*) exec bash -c "$*" ;;
esac
rc=0
if [ "${DROP_HOW:-}" = mute ] || [ "${DROP_HOW:-}" = lost ]; then
	bash -c "$*" > /dev/null || rc=$?
else
	bash -c "$*"
fi
[ "${DROP_HOW:-}" = lost ] && exit $rc
echo "Connection to dsthost closed by remote host." >&2
exit 255
SH
chmod +x "$T/ssh" "$T/ssh-drop"

# mig VFS [VAR=VALUE...]: run the script from nvme0 here to nvme1 on "dsthost" with a fresh
# KEEP_DIR; OUT, ERR, RC. mig_keep: the same, with KEEP_DIR as it is.
mig() {
	rm -rf "$D/keep"
	mig_keep "$@"
}

# shellcheck disable=SC2034 # RC, OUT and ERR are read by lib.sh's expect_*
mig_keep() {
	local vfs=$1
	shift
	RC=0
	env LD_PRELOAD="$EMU_SO" INTEL_LM="$P" RSH="$T/ssh" KEEP_DIR="$D/keep" "$@" \
		bash "$SCRIPT" /dev/nvme0 dsthost /dev/nvme1 "$vfs" > "$T/out" 2> "$T/err" || RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# wait_for PID: the script started in the background with mig's redirections; OUT, ERR, RC.
# shellcheck disable=SC2034 # RC, OUT and ERR are read by lib.sh's expect_*
wait_for() {
	RC=0
	wait "$1" || RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# check DESC WHY COMMAND...: a check that COMMAND succeeds; WHY says what was found if not.
check() {
	local desc=$1 why=$2
	shift 2
	if "$@"; then pass "$desc"; else fail "$desc" "$why"; fi
}

# How many commands with opcode $2 PF $1 received since setup.
count() {
	"$EMU_CTL" counters "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

expect_count() {
	local got
	got=$(count "$1" "$2")
	if [ "$got" = "$3" ]; then pass "$4"; else fail "$4" "$1 got $got commands $2, expected $3"; fi
}

# How many of source nvme0 VF N and destination nvme1 VF N run the source's state (the
# destination runs a state of its own until it is loaded).
running_copies() {
	local n=0 pf
	for pf in nvme0 nvme1; do
		"$EMU_CTL" show $pf "$1" | grep -q "^state=running .*origin=SRC0001/vf$1 " && n=$((n + 1))
	done
	echo $n
}

expect_one_copy() {
	local n
	n=$(running_copies "$1")
	if [ "$n" -le 1 ]; then pass "$2"; else fail "$2" "$n running copies of VF $1's state"; fi
}

# Whether the destination VF $1 runs exactly the source VF $1's (saved) state: the same
# lineage, the next generation (its RESUME advanced it, tests/emu/README.md).
same_bytes() {
	"$EMU_CTL" dump nvme0 "$1" "$T/a" && "$EMU_CTL" dump nvme1 "$1" "$T/b" &&
		next_gen "$T/a" "$T/b"
}

prog_n=0
for P in "${PROGS[@]}"; do
	p=${P##*/}
	D=$T/prog$((++prog_n))
	mkdir -p "$D"

	# VFs 1-2 moved, byte for byte
	emu_two_pfs
	mig 1-2
	l="$p ssh VFs 1-2"
	expect_rc 0 "$l: exit 0"
	expect_out "VF 1: moved to dsthost:/dev/nvme1 VF 1" "$l: VF 1's outcome printed"
	expect_out "VF 2: moved to dsthost:/dev/nvme1 VF 2" "$l: VF 2's outcome printed"
	expect_out "2 of 2 VFs moved" "$l: summary"
	for vf in 1 2; do
		expect_state nvme1 $vf running "$l: destination VF $vf running"
		expect_state nvme0 $vf saved "$l: source VF $vf left saved, not resumed"
		got=$("$EMU_CTL" show nvme1 $vf)
		check "$l: destination VF $vf runs the source's state" "$got" \
			grep -q "origin=SRC0001/vf$vf .*loaded=yes" <<< "$got"
		check "$l: VF $vf's exact bytes moved" "the dumps differ" same_bytes $vf
		check "$l: VF $vf's state kept" "no $D/keep/vf$vf.blob" test -s "$D/keep/vf$vf.blob"
	done
	got=$(sed -n 's/.* dev=\([a-z0-9]*\) opcode=0x\([0-9a-f]*\) .*/\1:\2/p' "$T/trace.log" |
		grep -v ':06$' | tr '\n' ' ')
	want="nvme1:c8 nvme0:c8 nvme0:c4 nvme0:d2 nvme1:d5 nvme1:cc "
	check "$l: per VF the commands and order of migrate" "sent: $got" [ "$got" = "$want$want" ]
	left=$(find "$TMPDIR" -name 'intel-lm-vf*' | head -n 3)
	check "$l: no copy left on the destination host" "$left" [ -z "$left" ]

	# A failure at each step on either side.
	# step|PF|fault|ssh drops on|how|outcome|destination after|what the message says
	# outcome: untouched (nothing sent to the source), unsuspended (the source SUSPEND was
	# refused: no RESUME sent), resumed (rolled back), left (the destination RESUME took effect
	# or may have: the source stays saved).
	cases=(
		"destination suspend|nvme1|0xc8 1 0x4002|||untouched|running|Invalid Field in Command (status 0x4002"
		"destination suspend|nvme1|0xc8 1 EIO|||untouched|running|Input/output error (EIO)"
		"source suspend|nvme0|0xc8 1 0x4002|||unsuspended|suspended|Invalid Field in Command (status 0x4002"
		"source suspend|nvme0|0xc8 1 EIO|||resumed|suspended|Input/output error (EIO)"
		"source save|nvme0|0xd2 1 0x4002|||resumed|suspended|Invalid Field in Command (status 0x4002"
		"source save|nvme0|0xd2 1 EIO|||resumed|suspended|Input/output error (EIO)"
		"destination load|nvme1|0xd5 1 0x4002|||resumed|suspended|Invalid Field in Command (status 0x4002"
		"destination load|nvme1|0xd5 1 EIO|||resumed|suspended|Input/output error (EIO)"
		"destination resume|nvme1|0xcc 1 0x4002|||resumed|loaded|Invalid Field in Command (status 0x4002"
		"destination resume|nvme1|0xcc 1 EIO|||left|loaded|Input/output error (EIO)"
		"destination resume|nvme1|0xcc 1 hang apply|||left|running|Interrupted system call (EINTR)"
		"destination resume|nvme1|0xcc 1 EINTR apply|||left|running|Interrupted system call (EINTR)"
		"destination suspend|||suspend /dev/nvme1||untouched|suspended|ssh connection failed (exit 255)"
		"copy to the destination host|||cat >||resumed|suspended|did not arrive whole"
		"destination load|||load /dev/nvme1||resumed|loaded|ssh connection failed (exit 255)"
		"destination resume|||resume /dev/nvme1||left|running|ssh connection failed (exit 255)"
		"destination resume|||resume /dev/nvme1|mute|left|running|ssh connection failed (exit 255)"
		"destination resume|||resume /dev/nvme1|lost|left|running|no JSON document came back"
	)
	for c in "${cases[@]}"; do
		IFS='|' read -r step on fault drop how outcome want_dst says <<< "$c"
		case $on in
		nvme0) emu_two_pfs "fault = $fault" "" ;;
		nvme1) emu_two_pfs "" "fault = $fault" ;;
		*) emu_two_pfs ;;
		esac
		if [ -n "$drop" ]; then
			l="$p ssh drops after '$drop'${how:+ ($how)}"
			mig 1 RSH="$T/ssh-drop" DROP_ON="$drop" DROP_HOW="$how"
		else
			l="$p ssh, $step fails with '$fault'"
			mig 1
		fi
		expect_rc 1 "$l: exit 1"
		expect_err "VF 1: FAILED at $step: " "$l: the failed step is named"
		expect_err "$says" "$l: the decoded error is given"
		expect_out "0 of 1 VFs moved" "$l: summary"
		expect_one_copy 1 "$l: never two running copies"
		got=$(vf_state nvme1 1)
		check "$l: destination $want_dst" "it is $got" [ "$got" = "$want_dst" ]
		case $outcome in
		untouched)
			expect_state nvme0 1 running "$l: source running"
			expect_count nvme0 0xc8 0 "$l: nothing sent to the source"
			expect_count nvme0 0xcc 0 "$l: no source RESUME sent"
			expect_err "nothing was sent to the source VF 1 of /dev/nvme0" \
				"$l: says the source was not touched"
			;;
		unsuspended)
			expect_state nvme0 1 running "$l: source running"
			expect_count nvme0 0xcc 0 "$l: refused SUSPEND, so no source RESUME sent"
			expect_err "was never suspended, so nothing was sent to resume it" \
				"$l: says the source was never suspended"
			;;
		resumed)
			expect_state nvme0 1 running "$l: source running again"
			expect_count nvme0 0xcc 1 "$l: the source RESUME was sent once"
			expect_err "the source VF 1 of /dev/nvme0 was resumed" "$l: says the source was resumed"
			;;
		left)
			expect_state nvme0 1 saved "$l: source NOT resumed"
			expect_count nvme0 0xcc 0 "$l: no source RESUME sent"
			expect_err "two running copies must never exist" "$l: says why the source stays suspended"
			expect_err "'$P recover /dev/nvme1 --vf=1 --confirm=running'" \
				"$l: names recover --confirm on the destination"
			expect_err "'$P resume /dev/nvme0 --vf=1'" "$l: names the source resume"
			;;
		esac
		case $step in
		"copy to the destination host" | "destination load" | "destination resume")
			check "$l: state kept" "no $D/keep/vf1.blob" test -s "$D/keep/vf1.blob"
			expect_err "the saved state is kept in $D/keep/vf1.blob" "$l: says where the state is"
			;;
		esac
	done

	# The commands named settle it: the destination did not run (EIO without effect), so it
	# is confirmed suspended and the source resumed ...
	emu_two_pfs "" "fault = 0xcc 1 EIO"
	mig 1
	l="$p ssh, destination resume fails with EIO, settled as named"
	run "$P" recover /dev/nvme1 --vf=1 --confirm=suspended
	expect_rc 0 "$l: recover --confirm=suspended on the destination"
	run "$P" resume /dev/nvme0 --vf=1
	expect_rc 0 "$l: the source resume"
	expect_state nvme0 1 running "$l: source running"
	expect_one_copy 1 "$l: one running copy"
	# ... or it runs (its completion lost): confirmed running, the migration is done. The
	# PF reset Linux follows a timeout with would take the destination offline and wipe the
	# state compared below (test-faults.sh checks that): hang_reset = 0 leaves it.
	emu_two_pfs "" "fault = 0xcc 1 hang apply
hang_reset = 0"
	mig 1
	l="$p ssh, destination resume hangs after taking effect, settled as named"
	run "$P" recover /dev/nvme1 --vf=1 --confirm=running
	expect_rc 0 "$l: recover --confirm=running on the destination"
	expect_state nvme1 1 running "$l: destination running"
	expect_state nvme0 1 saved "$l: source still saved"
	check "$l: the destination holds the exact state" "the dumps differ" same_bytes 1

	# After a destination RESUME that succeeded, a failure is no failure of the migration.
	emu_two_pfs
	mig 1 RSH="$T/ssh-drop" DROP_ON="rm -f" DROP_HOW=mute
	l="$p ssh drops after the destination resumed, while removing the copy"
	expect_rc 0 "$l: exit 0"
	expect_out "VF 1: moved to dsthost:/dev/nvme1 VF 1" "$l: VF 1 moved"
	expect_err "could not remove the copy" "$l: says what failed"
	expect_state nvme1 1 running "$l: destination running"
	expect_state nvme0 1 saved "$l: source not resumed"

	# The rollback itself fails: refused, or with an unknown effect.
	for what in 0x4002 EIO; do
		emu_two_pfs "fault = 0xcc 1 $what" "fault = 0xd5 1 0x4002"
		mig 1
		l="$p ssh, destination load refused and the source RESUME fails with $what"
		expect_rc 1 "$l: exit 1"
		expect_err "VF 1: FAILED at destination load: " "$l: the failed step is named"
		expect_one_copy 1 "$l: never two running copies"
		expect_state nvme0 1 saved "$l: the source is not running"
		check "$l: state kept" "no $D/keep/vf1.blob" test -s "$D/keep/vf1.blob"
		if [ "$what" = EIO ]; then
			expect_err "whether it runs is unknown" "$l: says the source's state is unknown"
			expect_err "'$P recover /dev/nvme0 --vf=1'" "$l: names recover"
		else
			expect_err "could NOT be resumed: RESUME failed: Invalid Field in Command" \
				"$l: says the source could not be resumed, and why"
			expect_err "'$P resume /dev/nvme0 --vf=1'" "$l: names the resume"
		fi
	done

	# One VF fails, the next one still moves.
	emu_two_pfs "" "fault = 0xd5 1 0x4002"
	mig 1-2
	l="$p ssh VFs 1-2, VF 1's load refused"
	expect_rc 1 "$l: exit 1"
	expect_err "VF 1: FAILED at destination load: " "$l: VF 1's failure"
	expect_out "VF 2: moved to dsthost:/dev/nvme1 VF 2" "$l: VF 2 moved"
	expect_out "1 of 2 VFs moved" "$l: summary"
	expect_state nvme0 1 running "$l: source VF 1 running"
	expect_state nvme1 2 running "$l: destination VF 2 running"
	check "$l: VF 2's exact bytes moved" "the dumps differ" same_bytes 2

	# The copy cannot be received: nothing reaches the destination's device.
	emu_two_pfs
	mig 1 REMOTE_TMPDIR="$T/nowhere"
	l="$p ssh, the destination cannot receive the state"
	expect_rc 1 "$l: exit 1"
	expect_err "VF 1: FAILED at copy to the destination host: " "$l: the failed step is named"
	expect_state nvme0 1 running "$l: source running again"
	expect_count nvme1 0xd5 0 "$l: nothing loaded"
	check "$l: state kept" "no $D/keep/vf1.blob" test -s "$D/keep/vf1.blob"

	# Checks before anything is sent.
	emu_two_pfs
	mig 3
	l="$p ssh to a VF the destination lacks"
	expect_rc 1 "$l: exit 1"
	expect_err "has no VF 3" "$l: says so"
	expect_count nvme0 0xc8 0 "$l: nothing sent to the source"
	expect_count nvme1 0xc8 0 "$l: nothing sent to the destination"
	emu_two_pfs
	mig 1 RSH="$T/ssh-drop" DROP_ON="info" DROP_HOW=mute
	l="$p ssh to an unreachable host"
	expect_rc 1 "$l: exit 1"
	expect_count nvme0 0xc8 0 "$l: nothing sent to the source"
	expect_state nvme0 1 running "$l: source running"
	emu_two_pfs
	mkdir -p "$D/keep"
	: > "$D/keep/vf1.blob"
	mig_keep 1
	l="$p ssh with a state file in the way"
	expect_rc 1 "$l: exit 1"
	expect_err "$D/keep/vf1.blob exists; nothing was sent" "$l: says so"
	expect_count nvme0 0xc8 0 "$l: nothing sent to the source"
	expect_count nvme1 0xc8 0 "$l: nothing sent to the destination"

	# A signal during the source save: the save completes, nothing more is sent, the source
	# runs again.
	emu_two_pfs "completion_delay.0xd2 = 1500000" ""
	rm -rf "$D/keep"
	LD_PRELOAD=$EMU_SO INTEL_LM="$P" RSH="$T/ssh" KEEP_DIR="$D/keep" bash "$SCRIPT" /dev/nvme0 \
		dsthost /dev/nvme1 1-2 > "$T/out" 2> "$T/err" &
	pid=$!
	l="$p ssh, SIGTERM during the source save"
	strike TERM $pid nvme0 0xd2 ran "$l"
	wait_for $pid
	expect_rc 1 "$l: exit 1"
	expect_err "interrupted by SIGTERM" "$l: says it was interrupted"
	expect_err "VF 2: not started" "$l: starts no other VF"
	expect_state nvme0 1 running "$l: source running again"
	expect_count nvme1 0xd5 0 "$l: nothing loaded"
	expect_count nvme0 0xcc 1 "$l: the source RESUME was sent"
	check "$l: state kept" "no $D/keep/vf1.blob" test -s "$D/keep/vf1.blob"
done

e2e_finish
