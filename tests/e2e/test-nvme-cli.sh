#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End-to-end: what the nvme-cli around the plugin does to its commands, through the nvme built
# with it (INTEL_LM_E2E_NVME, else the build's own nvme-cli 2.3); which nvme-cli it is comes
# from `nvme version`.
#
# Every generation: a SIGINT before a command defers signals kills it as it kills the
# standalone program (nvme-cli 2.14 and later install a SIGINT handler that only sets a flag:
# the command would go on and suspend the VF), SIGINT and SIGTERM stop a batch between two VFs
# with what was started finished and recorded, `--vf` after the device, `nvme intel-lm help`
# lists the commands of `nvme-intel-lm --help` with their summaries.
# nvme-cli 2.x: an option before the command is no command: nothing is sent.
# nvme-cli 3.x: its global options, before the plugin's command or from its configuration file
# (/etc/nvme/nvme-cli.conf, replaced in a private mount namespace by one of the test's own),
# are honoured or the command is refused with a message: --dry-run sends no vendor command,
# --output-format=json gives JSON, --verbose and --timeout reach the commands, a command's own
# option wins; every command of `nvme intel-lm help` takes what the glue passes on.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init e2e-nvme-cli "$1"

if [ ! -x "$NVME" ]; then
	e2e_finish
	exit
fi

NVME_VER=$("$NVME" version 2>&1 | sed -n 's/^nvme version \([0-9][0-9.a-z-]*\).*/\1/p')
GEN=${NVME_VER%%.*}
echo "# $NVME: nvme-cli $NVME_VER"
case $GEN in
2|3) pass "nvme version names a generation the plugin knows ($NVME_VER)" ;;
*) fail "nvme version names a generation the plugin knows" "'$NVME_VER'" ;;
esac

# The emulator's count of commands with opcode $2 on PF $1 since the last emu_config.
count() {
	"$EMU_CTL" counters "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# The directory that stands for /etc/nvme in nv's mount namespace: the host's files (hostnqn,
# hostid), and nvme-cli.conf only as the test writes it.
ETC_NVME=$T/etc-nvme
mkdir -p "$ETC_NVME"
[ -d /etc/nvme ] && cp -a /etc/nvme/. "$ETC_NVME/" 2> /dev/null
rm -f "$ETC_NVME/nvme-cli.conf"

# nv CONF ARGS...: run `nvme ARGS...` with the emulator, with CONF (lines, possibly none) as
# nvme-cli's configuration file, in a private mount namespace where ETC_NVME is /etc/nvme (over
# an overlay of /etc when the host has no /etc/nvme). Sets OUT, ERR, RC like run.
nv() {
	local conf=$1
	shift
	via "$NVME intel-lm"
	if [ -n "$conf" ]; then
		printf '%s\n' "$conf" > "$ETC_NVME/nvme-cli.conf"
	else
		rm -f "$ETC_NVME/nvme-cli.conf"
	fi
	RC=0
	# shellcheck disable=SC2016 # expanded by that sh
	unshare -m sh -c '
		etc=$1 emu=$2 ovl=$3
		shift 3
		if [ -d /etc/nvme ]; then
			mount --bind "$etc" /etc/nvme || exit 125
		else
			mkdir -p "$ovl" && mount -t tmpfs tmpfs "$ovl" &&
				mkdir "$ovl/up" "$ovl/work" "$ovl/up/nvme" &&
				mount -t overlay overlay \
					-o "lowerdir=/etc,upperdir=$ovl/up,workdir=$ovl/work" /etc &&
				mount --bind "$etc" /etc/nvme || exit 125
		fi
		LD_PRELOAD=$emu exec "$@"' sh "$ETC_NVME" "$EMU_SO" "$T/ovl" "$NVME" "$@" \
		> "$T/out" 2> "$T/err" || RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	# The JSON it prints is checked like run's (lib.sh).
	if declare -F keep_json > /dev/null; then
		keep_json "$OUT"
		keep_json "$ERR"
	fi
	if [ "$RC" -eq 125 ]; then
		fail "a test configuration for nvme-cli" "cannot mount it over /etc/nvme: $ERR"
	fi
}

# --- signals, in every nvme-cli, as in the standalone program ------------------------------
for P in "${PROGS[@]}"; do
	p=${P##*/}

	# SIGINT while the PF is being identified, before the command defers signals: with the
	# default disposition (as from a terminal), the process dies of it and sends nothing more.
	emu_two_pfs "latency.0x06 = 1000000"
	via "$P"
	# shellcheck disable=SC2086 # PROG may be "nvme intel-lm"
	LD_PRELOAD=$EMU_SO env --default-signal=INT $P suspend /dev/nvme0 --vf=1 \
		> "$T/out" 2> "$T/err" &
	pid=$!
	strike INT $pid nvme0 0x06 arrived "$p SIGINT before signals are deferred"
	RC=0
	wait $pid || RC=$?
	ERR=$(cat "$T/err")
	expect_rc 130 "$p SIGINT before signals are deferred: dies of SIGINT"
	[ "$(count nvme0 0xc8)" = 0 ] && pass "$p SIGINT before signals are deferred: no SUSPEND" ||
		fail "$p SIGINT before signals are deferred: no SUSPEND" "counters: $(count nvme0 0xc8)"
	expect_state nvme0 1 running "$p SIGINT before signals are deferred: the VF runs"

	# SIGINT and SIGTERM during a batch: the SUSPEND under way completes and is recorded, no
	# other starts.
	for sig in INT TERM; do
		code=$((128 + $(kill -l $sig)))
		emu_two_pfs "latency.0xc8 = 500000"
		via "$P"
		# shellcheck disable=SC2086 # PROG may be "nvme intel-lm"
		LD_PRELOAD=$EMU_SO env --default-signal=INT $P suspend /dev/nvme0 --vf=1-4 --jobs=1 \
			> "$T/out" 2> "$T/err" &
		pid=$!
		l="$p SIG$sig during a batch suspend"
		# during VF 2's SUSPEND: VF 1 is suspended, VF 2's finishes, no other starts
		strike "$sig" $pid nvme0 0xc8 arrived "$l" 2
		RC=0
		wait $pid || RC=$?
		ERR=$(cat "$T/err")
		expect_rc $code "$l: exit $code"
		n=0
		for vf in 1 2 3 4; do
			[ "$(vf_state nvme0 $vf)" = suspended ] && n=$((n + 1))
		done
		[ "$(count nvme0 0xc8)" = $n ] && [ $n = 2 ] &&
			pass "$l: the SUSPEND under way completed, and no other started" ||
			fail "$l: the SUSPEND under way completed, and no other started" \
				"$n suspended, SUSPEND sent $(count nvme0 0xc8) times"
		expect_state nvme0 4 running "$l: the last VF was not touched"
		run "$P" recover
		expect_rc 0 "$l: nothing left to recover"
	done
done

# --- the plugin's options after the device, in every nvme-cli --------------------------------
emu_two_pfs
nv "" intel-lm suspend /dev/nvme0 --vf=1
expect_rc 0 "nvme intel-lm suspend DEV --vf=1: --vf after the device works"
expect_state nvme0 1 suspended "nvme intel-lm suspend DEV --vf=1: the VF is suspended"
nv "" intel-lm resume /dev/nvme0 --vf=1 --output-format=json
expect_json 'j["vf"] == 1 and j["state"] == "running"' \
	"nvme intel-lm resume DEV --vf=1 --output-format=json: options after the device"

# The plugin's list of commands (intel-lm-commands.h) is the front end's, with the same summaries.
nv "" intel-lm help
plugin_list=$(sed -n '/implemented sub-commands:/,/^$/ { /^  [a-z]/ { s/^ *//; s/  */ /g; p } }' \
	<<< "$OUT" | grep -v '^version \|^help ')
run "$STANDALONE" --help
prog_list=$(sed -n '/^Commands:/,/^$/ { /^  [a-z]/ { s/^ *//; s/  */ /g; p } }' <<< "$OUT" |
	grep -v '^version \|^help ')
if [ -n "$plugin_list" ] && [ "$plugin_list" = "$prog_list" ]; then
	pass "nvme intel-lm help lists the commands of nvme-intel-lm --help, with their summaries"
else
	fail "nvme intel-lm help lists the commands of nvme-intel-lm --help, with their summaries" \
		"$(diff <(echo "$plugin_list") <(echo "$prog_list"))"
fi

if [ "$GEN" = 2 ]; then
	# --- nvme-cli 2.x: no global options before the command --------------------------------
	emu_two_pfs
	nv "" intel-lm --dry-run suspend /dev/nvme0 --vf=1
	# refused with an exit status of nvme-cli's own (2.3: 1), not killed by a signal
	[ "$RC" -ge 1 ] && [ "$RC" -lt 126 ] &&
		pass "nvme-cli 2.x: an option before the command is refused" ||
		fail "nvme-cli 2.x: an option before the command is refused" "exit $RC: $OUT"
	expect_sent "" "nvme-cli 2.x: an option before the command: nothing sent"
	expect_state nvme0 1 running "nvme-cli 2.x: an option before the command: the VF runs"
	e2e_finish
	exit
fi

# --- nvme-cli 3.x: global options before the command ---------------------------------------
emu_two_pfs
for where in "intel-lm --dry-run" "--dry-run intel-lm"; do
	clear_trace
	# shellcheck disable=SC2086 # two words
	nv "" $where suspend /dev/nvme0 --vf=1
	l="nvme $where suspend DEV --vf=1"
	expect_rc 0 "$l: exits 0"
	expect_out "would send to /dev/nvme0: SUSPEND opcode=0xc8" "$l: shows SUSPEND"
	expect_sent "06 06" "$l: sends only Identify"
	expect_state nvme0 1 running "$l: the VF still runs"
done
nv "" intel-lm --dry-run migrate /dev/nvme0 --vf=2 --to=/dev/nvme1
expect_rc 0 "nvme intel-lm --dry-run migrate: exits 0"
[ "$(count nvme0 0xc8)$(count nvme1 0xc8)$(count nvme0 0xd2)" = 000 ] &&
	pass "nvme intel-lm --dry-run migrate: no vendor command" ||
	fail "nvme intel-lm --dry-run migrate: no vendor command" "sent: $(sent_opcodes)"

clear_trace
nv "" intel-lm --output-format=json info /dev/nvme0
expect_json 'j["device"] == "/dev/nvme0" and j["live_migration"] is True' \
	"nvme intel-lm --output-format=json info: JSON"
nv "" -o json intel-lm query-size /dev/nvme0 --vf=2
expect_json 'j["vf"] == 2 and j["size"] > 0' "nvme -o json intel-lm query-size: JSON"
nv "" intel-lm -o json status
expect_json '"vfs" in j' "nvme intel-lm -o json status: JSON"
nv "" intel-lm -o json info /dev/nvme0 --output-format=normal
expect_out "live migration : supported" "nvme intel-lm -o json info --output-format=normal: the command's own option wins"

nv "" intel-lm -v query-size /dev/nvme0 --vf=1
expect_err "QUERY_DATA_SIZE opcode=0xc4 nsid=0x0 cdw10=0x00000001" \
	"nvme intel-lm -v query-size: shows the dwords"
nv "" intel-lm --timeout=4321 --dry-run suspend /dev/nvme0 --vf=1
expect_out "timeout_ms=4321" "nvme intel-lm --timeout=4321: the commands' timeout"
nv "" --timeout=4321 intel-lm -v query-size /dev/nvme0 --vf=1 --timeout=77
expect_err "timeout_ms=77" "nvme --timeout=4321 intel-lm query-size --timeout=77: the command's own wins"

# Refused, with a message, and nothing sent.
emu_two_pfs
for c in "--dry-run info /dev/nvme0|dry-run|has no dry run" \
	 "-o binary query-size /dev/nvme0 --vf=1|output format is 'binary'|normal or json" \
	 "--quiet suspend /dev/nvme0 --vf=1|quiet|no quiet mode" \
	 "--set-options=force-4k=1 suspend /dev/nvme0 --vf=1|set-options|does not use" \
	 "--output-format-version=1 -o json status|output-format-version is 1|its own"; do
	IFS='|' read -r args what why <<< "$c"
	l="nvme intel-lm $args"
	clear_trace
	# shellcheck disable=SC2086 # the words of $args
	nv "" intel-lm $args
	expect_rc 2 "$l: refused"
	expect_err "$what" "$l: says what"
	expect_err "$why" "$l: says why"
	expect_sent "" "$l: nothing sent"
done
expect_state nvme0 1 running "the refused commands left the VF running"
nv "" intel-lm --dry-run info --help
expect_rc 0 "nvme intel-lm --dry-run info --help: the help"
expect_out "Usage: nvme intel-lm info" "nvme intel-lm --dry-run info --help: shows the usage"

# status and inspect send nothing: dry-run, verbose and timeout are theirs already.
clear_trace
nv "" intel-lm --dry-run -v --timeout=10 status
expect_rc 0 "nvme intel-lm --dry-run -v --timeout=10 status: exits 0"
expect_sent "" "nvme intel-lm --dry-run -v --timeout=10 status: sends nothing"

# Every command takes what the glue passes on (the glue's list and the front end's agree), and
# exits as nvme-intel-lm does with the options the glue gives it (intel-lm-nvme3.c: -v and
# --timeout for what sends commands, --dry-run for what sends vendor commands): 0, but 3 for
# load and inspect of /dev/null (a truncated blob); a crash or a usage error fails.
emu_two_pfs
nv "" intel-lm help
cmds=$(sed -n 's/^  \([a-z-]*\)  .*/\1/p' <<< "$OUT" | grep -vx 'version\|help')
[ -n "$cmds" ] && pass "nvme intel-lm help lists the commands" ||
	fail "nvme intel-lm help lists the commands" "$OUT"
for c in $cmds; do
	want=0 why=
	case $c in
	info) a=(/dev/nvme0) g=(-v --timeout=1000) ;;
	query-size | suspend | resume | recover) a=(/dev/nvme0 --vf=1) g=(-v --timeout=1000 --dry-run) ;;
	save) a=(/dev/nvme0 --vf=1 -o "$T/dry.blob") g=(-v --timeout=1000 --dry-run) ;;
	load) a=(/dev/nvme0 --vf=1 -i /dev/null) g=(-v --timeout=1000 --dry-run)
	      want=$RC_REFUSED why="the file is truncated" ;;
	migrate) a=(/dev/nvme0 --vf=1 --to=/dev/nvme1) g=(-v --timeout=1000 --dry-run) ;;
	status) a=() g=(-v --timeout=1000 --dry-run) ;;
	inspect) a=(/dev/null) g=(-v --timeout=1000 --dry-run)
		 want=$RC_REFUSED why="the file is truncated" ;;
	*) fail "nvme intel-lm $c: the test knows its arguments" "add $c to test-nvme-cli.sh"; continue ;;
	esac
	[ "$c" = recover ] && a=(/dev/nvme0)
	nv "" intel-lm -o json "${g[@]}" "$c" "${a[@]}"
	if grep -q "does not apply to this command\|unknown option" <<< "$ERR"; then
		fail "nvme intel-lm ${g[*]} $c: the front end takes them" "$ERR"
	else
		pass "nvme intel-lm ${g[*]} $c: the front end takes them"
	fi
	expect_rc "$want" "nvme intel-lm ${g[*]} $c: exit $want${why:+ ($why)}"
	[ -z "$why" ] || expect_err "$why" "nvme intel-lm ${g[*]} $c: refused because $why"
done
[ "$(count nvme0 0xc8)$(count nvme0 0xd2)$(count nvme0 0xd5)$(count nvme0 0xcc)" = 0000 ] &&
	pass "dry runs of every command: no vendor command" ||
	fail "dry runs of every command: no vendor command" "sent: $(sent_opcodes)"

# --- nvme-cli 3.x: its configuration file ---------------------------------------------------
emu_two_pfs
nv "[Global]
dry-run = true" intel-lm suspend /dev/nvme0 --vf=1
expect_rc 0 "dry-run in nvme-cli.conf: suspend exits 0"
expect_out "would send to /dev/nvme0: SUSPEND opcode=0xc8" "dry-run in nvme-cli.conf: shows SUSPEND"
expect_sent "06 06" "dry-run in nvme-cli.conf: sends only Identify"
expect_state nvme0 1 running "dry-run in nvme-cli.conf: the VF still runs"
nv "[Global]
output-format = json
verbose = 1
timeout = 2500" intel-lm query-size /dev/nvme0 --vf=1
expect_json 'j["vf"] == 1 and j["size"] > 0' "output-format = json in nvme-cli.conf: JSON"
expect_json 'any(c.get("timeout_ms") == 2500 for c in j.get("commands", []))' \
	"verbose and timeout in nvme-cli.conf: the command's trace shows timeout_ms=2500"
nv "[Global]
output-format = binary" intel-lm suspend /dev/nvme0 --vf=1
expect_rc 2 "output-format = binary in nvme-cli.conf: refused"
expect_err "/etc/nvme/nvme-cli.conf" "output-format = binary in nvme-cli.conf: names the file"
expect_state nvme0 1 running "output-format = binary in nvme-cli.conf: the VF still runs"
nv "[Global]
dry-run = true" intel-lm suspend /dev/nvme0 --vf=1 --output-format=json
expect_json 'any(c["command"] == "SUSPEND" and c["sent"] is False for c in j["commands"])' \
	"dry-run in nvme-cli.conf with JSON: SUSPEND not sent"
expect_state nvme0 1 running "dry-run in nvme-cli.conf with JSON: the VF still runs"

e2e_finish
