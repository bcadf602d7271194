# SPDX-License-Identifier: GPL-2.0-or-later
#
# Helpers for the end-to-end suites: run the real programs in their own processes against the
# emulated PF, as a user would, and count checks. Source it, call e2e_init SUITE BUILD, then
# checks, then e2e_finish (prints "SUITE: N passed, N failed, N skipped").
#
# Each check is also counted for the program it asserts about: the one the last run (or
# run_no_thp, or via PROG) started since the last emu_config, "neither" before any (checks of
# the emulator's state, of programs a suite starts by hand, of the schema); e2e_finish prints
# "# SUITE via PROGRAM: N passed, N failed, N skipped" for each, and "# SUITE: N emulated hosts
# set up" (the emu_config calls: fresh devices and a fresh record), which scripts/run-tests.sh
# adds up in its closing lines.

e2e_init() {
	E2E_SUITE=$1
	BUILD=$(cd "$2" && pwd)
	E2E_PASS=0
	E2E_FAIL=0
	E2E_SKIP=0
	E2E_HOSTS=0
	E2E_VIA=neither
	declare -gA E2E_VIA_PASS=() E2E_VIA_FAIL=() E2E_VIA_SKIP=()
	STANDALONE=$BUILD/plugins/intel-lm/nvme-intel-lm
	# INTEL_LM_E2E_NVME: another nvme-cli build with the plugin (scripts/check-matrix.sh), or
	# "none": the standalone only (check-matrix's builds against another libnvme).
	NVME=${INTEL_LM_E2E_NVME:-$BUILD/plugins/intel-lm/nvme}
	EMU_CTL=$BUILD/tests/emu/intel-lm-emu
	EMU_SO=$BUILD/tests/emu/libintel-lm-emu.so
	T=$(mktemp -d /tmp/intel-lm-e2e.XXXXXX)
	trap 'rm -rf "$T"' EXIT
	export INTEL_LM_EMU=$T/emu.conf INTEL_LM_SYSFS=$T/sys
	# The record and the locks of this run only (both made 0700 by the programs).
	export INTEL_LM_STATE_DIR=$T/state INTEL_LM_LOCK_DIR=$T/locks
	# Both programs, as users call them. A missing nvme-cli build is a failure, never a skip.
	PROGS=("$STANDALONE")
	if [ "$NVME" = none ]; then
		echo "# the standalone only (INTEL_LM_E2E_NVME=none)"
	elif [ -x "$NVME" ]; then
		PROGS+=("$NVME intel-lm")
	else
		fail "nvme-cli build" "$NVME was not built"
	fi
}

# The exit statuses of nvme-intel-lm(1), EXIT STATUS.
RC_FAILED=1 RC_USAGE=2 RC_REFUSED=3 RC_DEVICE=4 RC_UNKNOWN=5 RC_PARTIAL=6

# fault_rc FAULT [batch]: the exit status of a state-changing command that failed with FAULT (an
# NVMe status 0x...., or an errno name); "batch" when other VFs of the batch succeeded.
fault_rc() {
	case $1 in
	0x*|EACCES|EPERM)
		if [ "${2:-}" = batch ]; then echo $RC_PARTIAL
		elif [ "${1#0x}" != "$1" ]; then echo $RC_DEVICE
		else echo $RC_FAILED; fi ;;
	*) echo $RC_UNKNOWN ;;
	esac
}

pass() {
	E2E_PASS=$((E2E_PASS + 1))
	E2E_VIA_PASS[$E2E_VIA]=$((${E2E_VIA_PASS[$E2E_VIA]:-0} + 1))
	echo "ok - $1"
}

fail() {
	E2E_FAIL=$((E2E_FAIL + 1))
	E2E_VIA_FAIL[$E2E_VIA]=$((${E2E_VIA_FAIL[$E2E_VIA]:-0} + 1))
	echo "not ok - $1: $2"
}

# skip DESC WHY [N]: a check (N checks) that cannot run here; counted as skipped, never as
# passed (and a skip fails CI: .ci/run).
skip() {
	local n=${3:-1}
	E2E_SKIP=$((E2E_SKIP + n))
	E2E_VIA_SKIP[$E2E_VIA]=$((${E2E_VIA_SKIP[$E2E_VIA]:-0} + n))
	echo "skip - $1: $2${3:+ ($n checks)}"
}

# via PROG: the program the next checks assert about: "nvme-intel-lm", "nvme intel-lm" (the
# nvme-cli build), or "neither" (another program: the emulator's, a tool).
via() {
	case $1 in
	*" intel-lm"*) E2E_VIA="nvme intel-lm" ;;
	nvme-intel-lm | */nvme-intel-lm) E2E_VIA=nvme-intel-lm ;;
	*) E2E_VIA=neither ;;
	esac
}

e2e_finish() {
	local v
	E2E_VIA=neither
	check_json_docs
	for v in $(printf '%s\n' "${!E2E_VIA_PASS[@]}" "${!E2E_VIA_FAIL[@]}" "${!E2E_VIA_SKIP[@]}" |
		   tr ' ' '_' | sort -u); do
		v=${v//_/ }
		echo "# $E2E_SUITE via $v: ${E2E_VIA_PASS[$v]:-0} passed, ${E2E_VIA_FAIL[$v]:-0}" \
			"failed, ${E2E_VIA_SKIP[$v]:-0} skipped"
	done
	echo "# $E2E_SUITE: $E2E_HOSTS emulated hosts set up"
	echo "$E2E_SUITE: $E2E_PASS passed, $E2E_FAIL failed, $E2E_SKIP skipped"
	[ "$E2E_FAIL" -eq 0 ]
}

# emu_config: the emulator's configuration from stdin (global keys are added), then a fresh
# state.
emu_config() {
	{
		echo "sysfs = $T/sys"
		echo "trace = $T/trace.log"
		echo "progress = $T/progress.log"
		cat
	} > "$T/emu.conf"
	rm -f "$T/trace.log" "$T/progress.log"
	E2E_HOSTS=$((E2E_HOSTS + 1))
	E2E_VIA=neither
	# A fresh device is a fresh host: a record of the previous one would be about other VFs.
	rm -rf "$INTEL_LM_STATE_DIR"
	"$EMU_CTL" setup > /dev/null || fail "emulator setup" "intel-lm-emu setup failed"
}

# emu_two_pfs [NVME0-KEYS [NVME1-KEYS [GLOBAL-KEYS]]]: two Intel PFs of the same kind, nvme0
# with 4 VFs, nvme1 with 2; GLOBAL-KEYS go before the PFs' sections (the host's, e.g.
# kernel_admin_timeout).
emu_two_pfs() {
	emu_config <<CONF
${3:-}
[pf nvme0]
serial = SRC0001
model = Intel IPU E2100 NVMe
firmware = 1.0.0
vfs = 4
nvq = 4
mdts = 6
${1:-}
[pf nvme1]
serial = DST0001
model = Intel IPU E2100 NVMe
firmware = 1.0.0
cntlid = 2
vfs = 2
mdts = 6
${2:-}
[vf nvme5]
pf = nvme0
vf = 1
CONF
}

# next_gen SAVED RUNNING: the state file RUNNING (intel-lm-emu dump of a VF that was resumed
# once since) is the next generation of the state file SAVED: same origin, size and lineage,
# generation + 1 (RESUME advances it, tests/emu/README.md).
next_gen() {
	local a b
	a=$("$EMU_CTL" ident "$1" | sed -n 's/^[^:]*: \(.*\) gen=\([0-9]*\) \(lineage=[0-9a-f]* \).*crc=ok$/\1 \2 \3/p')
	b=$("$EMU_CTL" ident "$2" | sed -n 's/^[^:]*: \(.*\) gen=\([0-9]*\) \(lineage=[0-9a-f]* \).*crc=ok$/\1 \2 \3/p')
	[ -n "$a" ] && [ -n "$b" ] || return 1
	read -r ao as an ag al <<<"$a"
	read -r bo bs bn bg bl <<<"$b"
	[ "$ao $as $an $al" = "$bo $bs $bn $bl" ] && [ "$bg" = $((ag + 1)) ]
}

# run PROG ARGS...: run with the emulator preloaded; sets OUT, ERR, RC.
run() {
	local prog=$1
	shift
	via "$prog"
	RC=0
	# shellcheck disable=SC2086 # PROG may be "nvme intel-lm"
	LD_PRELOAD=$EMU_SO $prog "$@" > "$T/out" 2> "$T/err" || RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	keep_json "$OUT"
	keep_json "$ERR"
}

# run_no_thp PROG ARGS...: run as on a host without huge pages: THP turned off for the program
# (PR_SET_THP_DISABLE, kept across exec) and, where this host's hugetlb pool has free pages,
# that pool shown empty (no_hugetlb_setup must have succeeded); sets OUT, ERR, RC.
run_no_thp() {
	local prog=$1
	shift
	via "$prog"
	RC=0
	# shellcheck disable=SC2086 # PROG may be "nvme intel-lm"
	"${NO_HUGETLB[@]}" python3 -c 'import ctypes, os, sys
if ctypes.CDLL(None, use_errno=True).prctl(41, 1, 0, 0, 0):
    sys.exit("PR_SET_THP_DISABLE failed")
os.environ["LD_PRELOAD"] = sys.argv[1]
os.execvp(sys.argv[2], sys.argv[2:])' "$EMU_SO" $prog "$@" > "$T/out" 2> "$T/err" || RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	keep_json "$OUT"
	keep_json "$ERR"
}

HUGETLB_DIR=/sys/kernel/mm/hugepages/hugepages-2048kB

# The 2 MiB pages the host's hugetlb pool could give now (free, not reserved, or overcommit).
hugetlb_free() {
	local d=${1:-$HUGETLB_DIR} f=0 r=0 o=0 s=0
	[ -d "$d" ] || { echo 0; return; }
	f=$(cat "$d"/free_hugepages) r=$(cat "$d"/resv_hugepages)
	o=$(cat "$d"/nr_overcommit_hugepages) s=$(cat "$d"/surplus_hugepages)
	echo $(( (f > r ? f - r : 0) + (o > s ? o - s : 0) ))
}

# no_hugetlb_setup: make run_no_thp's programs see an empty hugetlb pool. Nothing to do where
# the pool has no page to give; else each runs in a mount namespace of its own where an empty
# pool (every count 0) is mounted over $HUGETLB_DIR, which needs root. Returns 1, with the
# reason in NO_HUGETLB_WHY, when that cannot be done. INTEL_LM_TEST_FAKE_HUGETLB=1 mounts the
# empty pool even where the host's is empty (to check this path on such a host).
NO_HUGETLB=()
no_hugetlb_setup() {
	local fake=$T/no-hugetlb f
	NO_HUGETLB=()
	[ "${INTEL_LM_TEST_FAKE_HUGETLB:-}" = 1 ] || [ "$(hugetlb_free)" -ne 0 ] || return 0
	mkdir -p "$fake"
	for f in free_hugepages resv_hugepages nr_overcommit_hugepages surplus_hugepages \
		 nr_hugepages; do
		echo 0 > "$fake/$f"
	done
	# shellcheck disable=SC2016 # expanded by that sh
	NO_HUGETLB=(unshare -m sh -c 'mount --bind "$1" "$2" || exit 125; shift 2; exec "$@"'
		    sh "$fake" "$HUGETLB_DIR")
	if ! [ -d "$HUGETLB_DIR" ] ||
	   [ "$("${NO_HUGETLB[@]}" cat "$HUGETLB_DIR/free_hugepages" 2>&1)" != 0 ]; then
		NO_HUGETLB_WHY="cannot show an empty hugetlb pool over $HUGETLB_DIR"
		NO_HUGETLB_WHY+=" (unshare -m and mount need root)"
		NO_HUGETLB=()
		return 1
	fi
}

# Every JSON document a suite's programs print is checked against the schema at the end.
JSON_N=0
keep_json() {
	case ${1#"${1%%[![:space:]]*}"} in
	"{"*)
		JSON_N=$((JSON_N + 1))
		mkdir -p "$T/json-docs"
		printf '%s\n' "$1" > "$T/json-docs/$JSON_N.json"
		;;
	esac
}

check_json_docs() {
	local schema py=python3 out
	schema=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/Documentation/intel-lm.schema.json
	[ "$JSON_N" -gt 0 ] || return 0
	# Debian's python3-jsonschema, which make test installs.
	[ -x /usr/bin/python3 ] && py=/usr/bin/python3
	if out=$("$py" "$(dirname "${BASH_SOURCE[0]}")/check-json.py" "$schema" "$T"/json-docs/*.json 2>&1); then
		pass "all $JSON_N JSON documents match Documentation/intel-lm.schema.json"
	else
		fail "JSON documents match Documentation/intel-lm.schema.json" \
			"$(grep -c '^#' <<< "$out") of $JSON_N do not"
		echo "$out" | head -n 20
	fi
}

# Checks on the last run. DESC names the check.
expect_rc() {
	if [ "$RC" -eq "$1" ]; then pass "$2"; else fail "$2" "exit $RC, expected $1; stderr: $ERR"; fi
}

expect_out() {
	if grep -qF -- "$1" <<< "$OUT"; then pass "$2"; else fail "$2" "stdout lacks '$1': $OUT"; fi
}

expect_err() {
	if grep -qF -- "$1" <<< "$ERR"; then pass "$2"; else fail "$2" "stderr lacks '$1': $ERR"; fi
}

# expect_json PYEXPR DESC: PYEXPR is evaluated with j = the JSON on stdout.
expect_json() {
	if python3 -c "import json,sys; j=json.loads(sys.stdin.read()); sys.exit(0 if ($1) else 1)" \
		<<< "$OUT" 2>/dev/null; then
		pass "$2"
	else
		fail "$2" "JSON check '$1' failed on: $OUT"
	fi
}

# The opcodes the emulated device received since the last emu_config, e.g. "06 06 c8".
sent_opcodes() {
	[ -f "$T/trace.log" ] || { echo; return; }
	sed -n 's/.* opcode=0x\([0-9a-f]*\) .*/\1/p' "$T/trace.log" | tr '\n' ' ' | sed 's/ $//'
}

expect_sent() {
	local got
	got=$(sent_opcodes)
	if [ "$got" = "$1" ]; then pass "$2"; else fail "$2" "device got '$got', expected '$1'"; fi
}

clear_trace() {
	rm -f "$T/trace.log"
}

# --- striking a program during step X ---------------------------------------------------------
# A test that signals a program "during" a step waits until the step is under way, never a
# fixed time, and checks that its signal came then: too early, and it would test an earlier
# step; too late, a later one. The emulator's progress log (its `progress` test hook,
# tests/emu/README.md) says when a command arrived (in flight: its latency), ran (its effect is
# there: its completion delay) or hangs; the trace, when it completed.

# steps DEV OPC STEP: how many commands OPC (0x..) on DEV (nvme0) have reached STEP.
steps() {
	[ -f "$T/progress.log" ] || { echo 0; return; }
	grep -c " dev=$1 opcode=$2 .* $3\( \|\$\)" "$T/progress.log" || true
}

# completed DEV OPC: how many commands OPC on DEV have completed (their trace line).
completed() {
	[ -f "$T/trace.log" ] || { echo 0; return; }
	grep -c " dev=$1 opcode=$2 " "$T/trace.log" || true
}

# wait_until WHAT COMMAND...: poll COMMAND (every 20 ms, for up to 20 s) until it succeeds;
# returns 1 when it never does.
wait_until() {
	for _ in $(seq 1000); do
		"$@" && return 0
		sleep 0.02
	done
	return 1
}

# the last lines of the progress log, for a failure's message
progress_tail() {
	tail -n 4 "$T/progress.log" 2> /dev/null | tr '\n' ';'
}

step_reached() {
	[ "$(steps "$1" "$2" "$3")" -ge "$4" ]
}

# strike SIG PID DEV OPC STEP DESC [N]: send SIG to PID while the Nth command OPC on DEV is in
# STEP: arrived (sent, its latency under way, no effect yet) or ran (its effect there, its
# completion delay under way). A check: it fails when the command never gets there (the signal
# is sent anyway), or when it was already past STEP as the signal was sent.
strike() {
	local sig=$1 pid=$2 dev=$3 opc=$4 step=$5 desc=$6 n=${7:-1} late
	if ! wait_until step_reached "$dev" "$opc" "$step" "$n"; then
		kill "-$sig" "$pid" 2> /dev/null
		fail "$desc: the signal came during $opc $step on $dev" \
			"command $n never got there in 20 s; progress: $(progress_tail)"
		return 1
	fi
	kill "-$sig" "$pid"
	case $step in
	arrived) late=$(steps "$dev" "$opc" ran) ;;
	*) late=$(completed "$dev" "$opc") ;;
	esac
	if [ "$late" -lt "$n" ]; then
		pass "$desc: the signal came during $opc $step on $dev"
	else
		fail "$desc: the signal came during $opc $step on $dev" \
			"command $n was already past it; progress: $(progress_tail)"
	fi
}

# The recorded state of VF $2 of the PF at $1 (a device path), from status's JSON; "running"
# for a VF with no entry.
rec_state() {
	LD_PRELOAD=$EMU_SO $STANDALONE status --output-format=json 2> /dev/null |
		python3 -c 'import json,sys
j=json.load(sys.stdin)
m=[v["state"] for v in j["vfs"] if v["device"]==sys.argv[1] and v["vf"]==int(sys.argv[2])]
print(m[0] if m else "running")' "$1" "$2"
}

# start_killed DEV OPC STEP DESC PROG ARGS...: run in the background (with the file system
# faults' preload too), SIGKILL it once its command OPC on DEV (the next one of that opcode)
# is in STEP, and check that it was (strike): no fixed sleep decides what is tested.
start_killed() {
	local dev=$1 opc=$2 step=$3 desc=$4 n
	shift 4
	n=$(($(steps "$dev" "$opc" "$step") + 1))
	# shellcheck disable=SC2086 # PROG may be "nvme intel-lm"
	LD_PRELOAD="$EMU_SO:$BUILD/tests/fsfault/libintel-lm-fsfault.so" $1 "${@:2}" \
		> "$T/out" 2> "$T/err" &
	local pid=$!
	strike KILL $pid "$dev" "$opc" "$step" "$desc" "$n"
	wait $pid 2> /dev/null
}

vf_state() {
	"$EMU_CTL" show "$1" "$2" | sed -n 's/^state=\([a-z]*\).*/\1/p'
}

expect_state() {
	local got
	got=$(vf_state "$1" "$2")
	if [ "$got" = "$3" ]; then pass "$4"; else fail "$4" "$1 VF $2 is $got, expected $3"; fi
}

# test_netns NAME: a network namespace NAME (a test's other "host"), joined to this one by a
# veth pair with addresses of a private /30 (10.213.0.0/16, chosen from the shell's pid): sets
# NETNS_ADDR (inside it) and NETNS_PEER (here). Returns non-zero and leaves nothing where none
# can be made (not root, a kernel without network namespaces); the caller deletes it
# (ip netns delete NAME, which takes the pair with it) in its EXIT trap.
test_netns() {
	local ns=$1 n=$(($$ % 16384)) a b
	a=10.213.$((n / 64)).$(((n % 64) * 4 + 1))
	b=10.213.$((n / 64)).$(((n % 64) * 4 + 2))
	ip netns add "$ns" 2> /dev/null || return 1
	if ! { ip link add "ilm${n}h" type veth peer name "ilm${n}n" &&
		ip link set "ilm${n}n" netns "$ns" &&
		ip addr add "$a/30" dev "ilm${n}h" && ip link set "ilm${n}h" up &&
		ip -n "$ns" addr add "$b/30" dev "ilm${n}n" &&
		ip -n "$ns" link set "ilm${n}n" up && ip -n "$ns" link set lo up; } 2> /dev/null; then
		ip link delete "ilm${n}h" 2> /dev/null
		ip netns delete "$ns"
		return 1
	fi
	NETNS_ADDR=$b
	NETNS_PEER=$a
}

# test_sshd DIR HOST...: the test's own sshd (Debian's openssh-server) on a free port of
# SSHD_ADDR (default 127.0.0.1; in the network namespace SSHD_NETNS when set, see
# test_netns), with its own host key, authorized_keys and configuration in DIR (made, mode 0700),
# and a client configuration DIR/ssh_config (with DIR/known_hosts) in which each HOST reaches
# it with the test's key. The host key goes by one alias, so that a relay on another port
# still finds it known. Sets SSHD_PID, PORT and USER_NAME; returns non-zero, sshd's log on
# standard error, when the key is not accepted. The caller stops sshd (kill $SSHD_PID) in its
# EXIT trap. Needs /usr/sbin/sshd, ssh and ssh-keygen (scripts/install-deps.sh test).
test_sshd() {
	local s=$1 h
	shift
	mkdir -p "$s"
	chmod 700 "$s"
	ssh-keygen -q -t ed25519 -N '' -f "$s/host_key" -C intel-lm-test-host
	ssh-keygen -q -t ed25519 -N '' -f "$s/client_key" -C intel-lm-test-client
	cp "$s/client_key.pub" "$s/authorized_keys"
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	USER_NAME=$(id -un)
	cat > "$s/sshd_config" <<CONF
ListenAddress ${SSHD_ADDR:-127.0.0.1}
Port $PORT
HostKey $s/host_key
AuthorizedKeysFile $s/authorized_keys
PidFile $s/sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $USER_NAME
StrictModes no
UsePAM no
LogLevel ERROR
CONF
	# The privilege separation directory sshd insists on (root's, made as Debian's unit makes it).
	[ -d /run/sshd ] || mkdir -p -m 0755 /run/sshd
	${SSHD_NETNS:+ip netns exec "$SSHD_NETNS"} /usr/sbin/sshd -D -e -f "$s/sshd_config" \
		2> "$s/sshd.log" &
	SSHD_PID=$!
	echo "intel-lm-test-sshd $(cut -d' ' -f1-2 "$s/host_key.pub")" > "$s/known_hosts"
	cat > "$s/ssh_config" <<CONF
Host $*
	HostName ${SSHD_ADDR:-127.0.0.1}
	HostKeyAlias intel-lm-test-sshd
	IdentityFile $s/client_key
	IdentitiesOnly yes
	UserKnownHostsFile $s/known_hosts
	StrictHostKeyChecking yes
	BatchMode yes
	LogLevel ERROR
CONF
	for h in "$@"; do
		wait_until ssh -F "$s/ssh_config" -p "$PORT" "$h" true 2> /dev/null ||
			{ cat "$s/sshd.log" >&2; return 1; }
	done
}
