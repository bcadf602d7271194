#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The Ansible collection (ansible/ansible_collections/intel_lm/nvme) with Debian's ansible-core:
# ansible-doc of each module, ansible-galaxy collection build (and the built collection
# installed and read), the modules one by one (tests/ansible/modules.yml), and the playbook
# intel_lm.nvme.migrate from "srchost" to "dsthost": two hosts of an inventory on this machine
# (local connection), each with its own emulated PF, record and locks, reached through
# intel_lm_executable pointing at a wrapper that sets that host's emulator environment.
# Two VFs moved byte for byte; check mode sends no vendor command; a second run changes
# nothing; a fault at each step on either side (an NVMe status and an errno), two per run, one
# per VF; the state's carry failing; a run after a failure. After every run, the emulator's
# truth: at most one running copy of each state, the source running after every rollback,
# left suspended (and only then) when the destination RESUME's effect is unknown.
#
#   tests/ansible/test-ansible.sh BUILDDIR
#
# Prints "ok - ..." / "not ok - ..." lines and "ansible: N passed, N failed"; exits non-zero
# when a check failed. Needs ansible-core (scripts/install-deps.sh test).
set -uo pipefail
# test_sshd (and the e2e helpers, whose pass and fail this suite's own replace below)
# shellcheck source-path=SCRIPTDIR source=../e2e/lib.sh disable=SC1091
. "$(dirname "$0")/../e2e/lib.sh"

SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:?usage: $0 BUILDDIR}" && pwd)
PROG=$BUILD/plugins/intel-lm/nvme-intel-lm
EMU_CTL=$BUILD/tests/emu/intel-lm-emu
EMU_SO=$BUILD/tests/emu/libintel-lm-emu.so
COLL=$SRCDIR/ansible/ansible_collections/intel_lm/nvme
PASS=0
FAIL=0

pass() {
	PASS=$((PASS + 1))
	echo "ok - $1"
}

fail() {
	FAIL=$((FAIL + 1))
	echo "not ok - $1: $2"
}

finish() {
	echo "ansible: $PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}

# check DESC WHY COMMAND...: a check that COMMAND succeeds; WHY says what was found if not.
check() {
	local desc=$1 why=$2
	shift 2
	if "$@"; then pass "$desc"; else fail "$desc" "$why"; fi
}

for p in ansible-playbook ansible-doc ansible-galaxy; do
	command -v "$p" > /dev/null || { fail "$p" "not installed (scripts/install-deps.sh test installs ansible-core)"; finish; exit; }
done
for f in "$PROG" "$EMU_CTL" "$EMU_SO"; do
	[ -e "$f" ] || { fail "build" "$f was not built"; finish; exit; }
done

T=$(mktemp -d /tmp/intel-lm-ansible.XXXXXX)
trap 'rm -rf "$T"' EXIT
# Ansible of this run only: no configuration file, no collections but ours, its temporary
# files here.
: > "$T/ansible.cfg"
export ANSIBLE_CONFIG=$T/ansible.cfg ANSIBLE_COLLECTIONS_PATH=$SRCDIR/ansible
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false ANSIBLE_LOCAL_TEMP=$T/ansible-local
export ANSIBLE_REMOTE_TMP=$T/ansible-remote ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0
export ANSIBLE_PIPELINING=1 ANSIBLE_GATHERING=explicit ANSIBLE_DEPRECATION_WARNINGS=0
export ANSIBLE_HOME=$T/ansible-home PYTHONDONTWRITEBYTECODE=1
unset INTEL_LM_EMU INTEL_LM_SYSFS INTEL_LM_STATE_DIR INTEL_LM_LOCK_DIR

# --- ansible-doc and ansible-galaxy ---------------------------------------------------------

MODULES="vf_info vf_state vf_save vf_load"
for m in $MODULES; do
	rc=0
	ansible-doc -t module "intel_lm.nvme.$m" > "$T/doc" 2>&1 || rc=$?
	if [ $rc -eq 0 ] && grep -q "^EXAMPLES:" "$T/doc" && grep -q "^RETURN VALUES:" "$T/doc" &&
	   grep -q "intel_lm.nvme.$m:" "$T/doc" && grep -q "^- executable" "$T/doc"; then
		pass "ansible-doc documents intel_lm.nvme.$m with options, examples and return values"
	else
		fail "ansible-doc intel_lm.nvme.$m" "exit $rc: $(head -c 600 "$T/doc")"
	fi
done
got=$(ansible-doc -t module -l intel_lm.nvme 2>&1 | awk '{print $1}' | sort | tr '\n' ' ')
check "ansible-doc lists the four modules of intel_lm.nvme" "it lists: $got" \
	test "$got" = "intel_lm.nvme.vf_info intel_lm.nvme.vf_load intel_lm.nvme.vf_save intel_lm.nvme.vf_state "

rc=0
(cd "$COLL" && ansible-galaxy collection build --output-path "$T/galaxy") > "$T/build.log" 2>&1 || rc=$?
tarball=$T/galaxy/intel_lm-nvme-$(sed -n 's/^version: *//p' "$COLL/galaxy.yml").tar.gz
if [ $rc -eq 0 ] && [ -f "$tarball" ]; then
	pass "ansible-galaxy collection build builds $(basename "$tarball")"
else
	fail "ansible-galaxy collection build" "exit $rc: $(tail -n 5 "$T/build.log")"
fi
want="MANIFEST.json FILES.json README.md meta/runtime.yml playbooks/migrate.yml plugins/doc_fragments/common.py plugins/module_utils/intel_lm.py"
for m in $MODULES; do want+=" plugins/modules/$m.py"; done
missing=
tar -tzf "$tarball" > "$T/contents" 2> /dev/null
for f in $want; do
	grep -qx "$f" "$T/contents" || missing+=" $f"
done
check "the built collection holds the modules, module_utils, doc fragment and playbook" \
	"missing:$missing" test -z "$missing"
rc=0
# Only the target on the path: ansible-core 2.19 does not install a collection it already finds
# on the configured path (the repository's), and says "Nothing to do".
ANSIBLE_COLLECTIONS_PATH=$T/installed ansible-galaxy collection install --offline \
	-p "$T/installed" "$tarball" > "$T/install.log" 2>&1 || rc=$?
rc2=0
ANSIBLE_COLLECTIONS_PATH=$T/installed ansible-doc -t module intel_lm.nvme.vf_state > "$T/doc" 2>&1 || rc2=$?
# Only the installed copy is on ANSIBLE_COLLECTIONS_PATH: ansible-doc read it from there (2.14
# names the path in its output, 2.19 does not).
if [ $rc -eq 0 ] && [ $rc2 -eq 0 ] && grep -q "vf_state" "$T/doc" &&
	[ -f "$T/installed/ansible_collections/intel_lm/nvme/MANIFEST.json" ]; then
	pass "the built collection installs and ansible-doc reads it from there"
else
	fail "the built collection installs" "install exit $rc, ansible-doc exit $rc2: $(tail -n 3 "$T/install.log") $(head -n 3 "$T/doc")"
fi

# --- two hosts, each with its own emulated PF ---------------------------------------------

# Host H's wrapper: its emulator, sysfs, record and locks, then the program.
for h in src dst; do
	mkdir -p "$T/$h"
	cat > "$T/$h/nvme-intel-lm" <<SH
#!/bin/sh
export INTEL_LM_EMU=$T/$h/emu.conf INTEL_LM_SYSFS=$T/$h/sys
export INTEL_LM_STATE_DIR=$T/$h/state INTEL_LM_LOCK_DIR=$T/$h/locks
echo "\$*" >> $T/$h/calls.log
LD_PRELOAD=$EMU_SO exec $PROG "\$@"
SH
	chmod +x "$T/$h/nvme-intel-lm"
done
# The hosts reach each other through the test's own sshd (Debian's openssh-server, its own host
# key, authorized_keys and configuration, on a free port of 127.0.0.1), as the playbook's
# migrate command does: 'migrate --to=ssh://...' with --ssh carrying the test's ssh config.
SSHD=/usr/sbin/sshd
if [ ! -x "$SSHD" ] || ! command -v ssh > /dev/null || ! command -v ssh-keygen > /dev/null; then
	# A missing part is a failure, never a skip: scripts/install-deps.sh test installs them.
	fail "openssh" "openssh-server and openssh-client are needed (make deps)"
	finish
	exit 1
fi
S=$T/sshd
test_sshd "$S" srchost dsthost
ok=$?
trap 'kill $SSHD_PID 2> /dev/null; wait $SSHD_PID 2> /dev/null; rm -rf "$T"' EXIT
check "the test's sshd accepts the test's key on port $PORT" "$(cat "$S/sshd.log")" test $ok -eq 0

cat > "$T/inventory" <<INI
[pfs]
srchost intel_lm_executable=$T/src/nvme-intel-lm intel_lm_ssh_host=srchost
dsthost intel_lm_executable=$T/dst/nvme-intel-lm intel_lm_ssh_host=dsthost

[pfs:vars]
ansible_connection=local
ansible_python_interpreter=/usr/bin/python3
intel_lm_ssh_user=$USER_NAME
intel_lm_ssh_port=$PORT
intel_lm_ssh="ssh -F $S/ssh_config"
INI
# A fleet's: each source host names its destination and VFs in its host variables.
sed -e 's|^srchost .*|& dst_host=dsthost vfs=3|' -e 's|^dsthost .*|& dst_host=srchost vfs=4|' \
	-e 's|^\[pfs:vars\]$|&\nsrc_device=/dev/nvme0\ndst_device=/dev/nvme0|' "$T/inventory" > "$T/fleet"

# hosts SRC_CONF DST_CONF: both emulators afresh, with these extra [pf nvme0] lines (faults);
# no record, no locks, no saved states.
hosts() {
	local h serial extra
	# The previous run's serve-peer may still be finishing: it ends first.
	for _ in $(seq 250); do
		pgrep -f "^$PROG serve-peer" > /dev/null || break
		sleep 0.02
	done
	for h in src dst; do
		if [ $h = src ]; then serial=SRC0001 extra=$1; else serial=DST0001 extra=$2; fi
		cat > "$T/$h/emu.conf" <<CONF
sysfs = $T/$h/sys
trace = $T/$h/trace.log
[pf nvme0]
serial = $serial
model = Intel IPU E2100 NVMe
firmware = 1.0.0
vfs = 4
$extra
CONF
		rm -rf "$T/$h/state" "$T/$h/locks" "$T/$h/keep" "$T/$h/trace.log" "$T/$h/calls.log"
		INTEL_LM_EMU=$T/$h/emu.conf "$EMU_CTL" setup > /dev/null ||
			fail "emulator setup" "intel-lm-emu setup of $h failed"
	done
}

emu() {
	local h=$1
	shift
	INTEL_LM_EMU=$T/$h/emu.conf "$EMU_CTL" "$@"
}

# show HOST VF KEY: a field of intel-lm-emu show, e.g. state, origin.
show() {
	emu "$1" show nvme0 "$2" | tr ' ' '\n' | sed -n "s/^$3=//p"
}

# sent HOST: the opcodes HOST's PF received (with the VF for the vendor ones), e.g.
# "06 06 c8/2 cc/2".
sent() {
	[ -f "$T/$1/trace.log" ] || return 0
	sed -n 's/.* opcode=0x\([0-9a-f]*\) .* cdw10=0x0000\([0-9a-f]*\) .*/\1 \2/p' "$T/$1/trace.log" |
		while read -r op vf; do
			if [ "$op" = 06 ]; then echo -n "06 "; else echo -n "$op/$((16#$vf)) "; fi
		done | sed 's/ $//'
}

vendor_sent() {
	sent "$1" | tr ' ' '\n' | grep -v '^06$' | tr '\n' ' ' | sed 's/ $//'
}

# play [ARGS...]: the playbook from srchost /dev/nvme0 to dsthost /dev/nvme0, with ARGS (VFS
# by default: -e vfs=[1,2]); sets RC and the recap's CHANGED, FAILED, RESCUED.
play() {
	local args=("$@")
	[ ${#args[@]} -gt 0 ] || args=(-e '{"vfs": [1, 2]}')
	RC=0
	ansible-playbook -i "$T/inventory" intel_lm.nvme.migrate -e src_host=srchost \
		-e src_device=/dev/nvme0 -e dst_host=dsthost -e dst_device=/dev/nvme0 \
		"${args[@]}" > "$T/play.log" 2>&1 || RC=$?
	local recap
	recap=$(grep '^srchost *: ok=' "$T/play.log" | tail -n 1)
	CHANGED=$(sed -n 's/.* changed=\([0-9]*\).*/\1/p' <<< "$recap")
	FAILED=$(sed -n 's/.* failed=\([0-9]*\).*/\1/p' <<< "$recap")
	RESCUED=$(sed -n 's/.* rescued=\([0-9]*\).*/\1/p' <<< "$recap")
}

# The playbook's line for a source VF ("VF N of srchost:... -> ...: OUTCOME").
vf_line() {
	grep -o "\"VF $1 of srchost:/dev/nvme0 -> [^\"]*" "$T/play.log" | head -n 1
}

expect_line() {
	local got
	got=$(vf_line "$1")
	if grep -qF -- "$2" <<< "$got"; then pass "$3"; else fail "$3" "the playbook said '${got:-nothing}' for VF $1, not '$2'"; fi
}

expect_rc() {
	if [ "$RC" -eq "$1" ]; then pass "$2"; else fail "$2" "exit $RC, expected $1: $(grep -E 'fatal|FAILED|ERROR' "$T/play.log" | head -n 5)"; fi
}

expect_recap() {
	local got="changed=$CHANGED failed=$FAILED rescued=$RESCUED"
	if [ "$got" = "$1" ]; then pass "$2"; else fail "$2" "recap $got, expected $1"; fi
}

expect_state() {
	local got
	got=$(show "$1" "$2" state)
	if [ "$got" = "$3" ]; then pass "$4"; else fail "$4" "$1 VF $2 is ${got:-?}, expected $3"; fi
}

expect_vendor() {
	local got
	got=$(vendor_sent "$1")
	if [ "$got" = "$2" ]; then pass "$3"; else fail "$3" "$1's PF got '$got', expected '$2'"; fi
}

# truth DESC SRC_VF DST_VF SRC_STATE: the emulator's truth after a run: SRC_VF is SRC_STATE
# (running after a rollback), and at most one running copy of its state (the source VF, or
# the destination VF holding a state loaded from it).
truth() {
	local desc=$1 s=$2 d=$3 want=$4 n=0 got
	got=$(show src "$s" state)
	[ "$got" = running ] && n=$((n + 1))
	[ "$(show dst "$d" state)" = running ] && [ "$(show dst "$d" origin)" = "SRC0001/vf$s" ] &&
		n=$((n + 1))
	if [ "$got" = "$want" ] && [ $n -le 1 ]; then
		pass "$desc: source VF $s $want, $n running cop$([ $n = 1 ] && echo y || echo ies) of its state"
	else
		fail "$desc" "source VF $s is $got (expected $want), $n running copies (source $got, destination VF $d $(show dst "$d" state) with $(show dst "$d" origin))"
	fi
}

# --- the modules one by one ---------------------------------------------------------------

hosts "" ""
rc=0
ansible-playbook -i "$T/inventory" "$SRCDIR/tests/ansible/modules.yml" -e out="$T/modules.json" \
	> "$T/modules.log" 2>&1 || rc=$?
check "the modules' playbook runs" "exit $rc: $(grep -E 'fatal|ERROR' "$T/modules.log" | head -n 5)" \
	test $rc -eq 0
# mod PYEXPR DESC: PYEXPR on r, the registered results by name.
mod() {
	if python3 -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
		"$T/modules.json" 2> /dev/null; then
		pass "$2"
	else
		fail "$2" "'$1' is false on: $(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(json.dumps({k: {x: v.get(x) for x in ('changed','failed','rc','effect','msg','state','error')} for k, v in r.items()}))" "$T/modules.json" 2>&1 | head -c 1500)"
	fi
}
mod "r['info']['live_migration'] is True and r['info']['serial'] == 'SRC0001' and r['info']['json_version'] == 1 and r['info']['changed'] is False" \
	"vf_info returns info's document: support, identity"
mod "[v['vf'] for v in r['info']['vfs']] == [1, 2, 3, 4] and all(v['state'] == 'running' and v['recorded'] is False and v['pci_address'] for v in r['info']['vfs'])" \
	"vf_info returns each VF with its recorded state"
mod "r['info_check']['vfs'] == r['info']['vfs'] and r['info_check']['changed'] is False" \
	"vf_info in check mode reads the same"
mod "r['suspend']['changed'] is True and r['suspend']['state'] == 'suspended' and r['suspend']['effect'] == 'done' and r['suspend']['rc'] == 0 and '--output-format=json' in r['suspend']['cmd']" \
	"vf_state suspended: changed, the VF suspended on record"
mod "r['suspend_again']['changed'] is False and r['suspend_again']['state'] == 'suspended' and not r['suspend_again'].get('failed')" \
	"vf_state suspended again: changed=false (the program's changed)"
mod "r['resume_check']['changed'] is True and '--dry-run' in r['resume_check']['cmd'] and [c['command'] for c in r['resume_check']['commands'] if not c['sent']] == ['RESUME']" \
	"vf_state in check mode runs --dry-run and reports the RESUME it would send"
mod "r['no_vf']['failed'] is True and r['no_vf']['rc'] == 3 and r['no_vf']['exit_status'] == 3 and r['no_vf']['error']['kind'] == 'refused' and r['no_vf']['error']['operation'] == 'check --vf' and r['no_vf']['effect'] == 'none' and r['no_vf']['changed'] is False and 'VF 9' in r['no_vf']['msg'] and '--timeout=1000' in r['no_vf']['cmd']" \
	"vf_state failing returns the program's error object and exit status"
mod "[w for w in r['no_vf']['warnings'] if w.startswith('suspend: --timeout=1000 is shorter than the kernel') and w.endswith('; next: omit --timeout (the kernel\\'s own then applies), or give --timeout=60000 or more')] != [] and not any('--timeout' in w for w in r['suspend'].get('warnings', []))" \
	"a --timeout shorter than the kernel's: the program's warning is an Ansible warning (none without it)"
mod "r['no_program']['failed'] is True and r['no_program']['effect'] == 'none' and 'cannot run' in r['no_program']['msg']" \
	"a program that is not there fails, with nothing sent"
mod "r['save_check']['changed'] is True and '--dry-run' in r['save_check']['cmd'] and [c['command'] for c in r['save_check']['commands'] if c['sent']] == ['IDENTIFY', 'IDENTIFY']" \
	"vf_save in check mode runs --dry-run"
mod "r['save']['changed'] is True and r['save']['size'] > 0 and r['save']['output_file'].endswith('.vf4.blob') and r['save']['vf'] == 4" \
	"vf_save saves the state"
mod "r['save_exists']['failed'] is True and r['save_exists']['rc'] == 3 and r['save_exists']['error']['kind'] == 'refused' and r['save_exists']['changed'] is False" \
	"vf_save refuses a file that exists (the program's check)"
mod "r['load_check']['changed'] is True and [c['command'] for c in r['load_check']['commands'] if not c['sent']] == ['LOAD_DATA']" \
	"vf_load in check mode runs --dry-run"
mod "r['load']['changed'] is True and r['load']['source_vf'] == 4 and r['load']['size'] == r['save']['size'] and r['load']['effect'] == 'done'" \
	"vf_load loads the state on the other host"
mod "[v['state'] for v in r['dst_info']['vfs']] == ['running', 'running', 'running', 'loaded'] and r['dst_info']['serial'] == 'DST0001'" \
	"vf_info through the other host's executable shows its own PF and record"
check "the modules sent what they said: the source PF SUSPEND (twice: the record does not stand in for the device) and a save of VF 4" \
	"it got '$(vendor_sent src)'" test "$(vendor_sent src)" = "c8/4 c8/4 c4/4 d2/4"
check "... and the destination PF SUSPEND and LOAD of VF 4" \
	"it got '$(vendor_sent dst)'" test "$(vendor_sent dst)" = "c8/4 d5/4"
check "... and the destination VF holds the source's state" "dst VF 4 is $(emu dst show nvme0 4)" \
	test "$(show dst 4 origin)/$(show dst 4 loaded)" = "SRC0001/vf4/yes"

# Over TP4159 (a PF with Migration Send and Receive alone) a module's failure names the step
# and the command that carried it, as the program does.
hosts "vid = 0x1b36
lm = 0
tp4159 = 1
fault = 0x41 1 0x4002" ""
rc=0
ansible -i "$T/inventory" srchost -m intel_lm.nvme.vf_state -a "device=/dev/nvme0 vf=1 $(
	)state=suspended executable=$T/src/nvme-intel-lm" > "$T/tp.log" 2>&1 || rc=$?
check "vf_state over TP4159 refused by the device: its msg names the step and the command sent" \
	"exit $rc: $(grep '"msg"' "$T/tp.log" | head -c 1500)" grep -qF "\"msg\": \"SUSPEND $(
	)(Migration Send 41h, Suspend) failed on /dev/nvme0 VF 1: Invalid Field in Command" "$T/tp.log"

# Over TP4159 on both hosts, the playbook moves a VF as over Intel's commands: vf_info says the
# PF's protocol, and only Identify, Migration Send and Migration Receive reach either PF.
hosts "vid = 0x1b36
lm = 0
tp4159 = 1" "vid = 0x1b36
lm = 0
tp4159 = 1"
play -e '{"vfs": [2]}'
expect_rc 0 "migrate over TP4159: a VF moves host to host"
expect_line 2 "moved (migration mig-" "migrate over TP4159: VF 2 reported moved"
check "migrate over TP4159: the destination VF holds the source's state" \
	"dst VF 2 is $(emu dst show nvme0 2)" test "$(show dst 2 origin)/$(show dst 2 loaded)" = \
	"SRC0001/vf2/yes"
intel=$({ vendor_sent src; echo; vendor_sent dst; } | tr ' ' '\n' | grep -vE '^(41|42)/|^$')
check "migrate over TP4159: only Migration Send and Receive reached either PF" \
	"it got '$(vendor_sent src)' and '$(vendor_sent dst)'" test -z "$intel" -a -n "$(vendor_sent dst)"
rc=0
ansible -i "$T/inventory" srchost -m intel_lm.nvme.vf_info -a "device=/dev/nvme0 $(
	)executable=$T/src/nvme-intel-lm" > "$T/tpinfo.log" 2>&1 || rc=$?
check "vf_info over TP4159 says the PF's protocol" "exit $rc: $(head -c 600 "$T/tpinfo.log")" \
	grep -qF '"protocol": "tp4159"' "$T/tpinfo.log"

# --- the playbook -----------------------------------------------------------------------------

# Two VFs, mapped to other indexes.
hosts "" ""
play -e '{"vf_map": [{"src": 1, "dst": 2}, {"src": 3, "dst": 1}]}'
expect_rc 0 "migrate: two VFs move host to host over ssh (vf_map 1->2, 3->1)"
expect_line 1 "moved (migration mig-" "migrate: VF 1 reported moved, with its migration id"
expect_line 3 "moved (migration mig-" "migrate: VF 3 reported moved"
# The command pairs ascending lists: 1->2 and 3->1 are two commands of the one task.
check "migrate: the source host ran migrate --to=ssh:// with the test's --ssh, per ascending batch" \
	"it ran: $(grep migrate "$T/src/calls.log" | tr '\n' ';')" test "$(grep '^migrate' "$T/src/calls.log")" = \
"migrate /dev/nvme0 --vf=1 --to=ssh://$USER_NAME@dsthost:$PORT/dev/nvme0 --to-vf=2 --output-format=json --ssh=ssh -F $S/ssh_config --remote-program=$T/dst/nvme-intel-lm
migrate /dev/nvme0 --vf=3 --to=ssh://$USER_NAME@dsthost:$PORT/dev/nvme0 --to-vf=1 --output-format=json --ssh=ssh -F $S/ssh_config --remote-program=$T/dst/nvme-intel-lm"
check "migrate: the destination's half ran through ssh (serve-peer), one per command" \
	"it ran: $(tr '\n' ';' < "$T/dst/calls.log")" test "$(grep -c '^serve-peer' "$T/dst/calls.log")" -eq 2
for p in 1:2 3:1; do
	s=${p%:*} d=${p#*:}
	emu src dump nvme0 "$s" "$T/s.bin" && emu dst dump nvme0 "$d" "$T/d.bin"
	# running, the state is the next generation of the saved one (tests/emu/README.md)
	a=$(emu src ident "$T/s.bin" | sed -n 's/.* gen=\([0-9]*\) lineage=\([0-9a-f]*\) .*crc=ok$/\2 \1/p')
	b=$(emu dst ident "$T/d.bin" | sed -n 's/.* gen=\([0-9]*\) lineage=\([0-9a-f]*\) .*crc=ok$/\2 \1/p')
	check "migrate: destination VF $d runs source VF $s's state (its next generation)" \
		"dst VF $d: $(emu dst show nvme0 "$d")" \
		test -n "$a" -a "${a% *} $((${a#* } + 1))" = "$b" -a "$(show dst "$d" state)" = running
	truth "migrate: VF $s" "$s" "$d" saved
done
expect_state dst 3 running "migrate: destination VFs not named are left alone"
expect_vendor src "c8/1 c4/1 d2/1 c8/3 c4/3 d2/3" "migrate: the source got SUSPEND and save per VF, in order"
expect_vendor dst "c8/2 d5/2 cc/2 c8/1 d5/1 cc/1" \
	"migrate: the destination got SUSPEND, LOAD, RESUME per VF, in order"

# Again: the records show both moved.
rm -f "$T/src/trace.log" "$T/dst/trace.log"
play -e '{"vf_map": [{"src": 1, "dst": 2}, {"src": 3, "dst": 1}]}'
expect_rc 0 "second run succeeds"
expect_recap "changed=0 failed=0 rescued=0" "second run changes nothing (changed=0)"
expect_line 1 "already moved" "second run: VF 1 already moved"
expect_vendor src "" "second run: no vendor command to the source"
expect_vendor dst "" "second run: no vendor command to the destination"

# A source merely saved and a destination that runs a state of its own have not moved: the
# records' identities differ (on 7cc76d0 the play said "already moved" and sent nothing); the
# play gives the pair to the command, which refuses a source saved on record, sending nothing.
hosts "" ""
mkdir -p "$T/src/keep"
"$T/src/nvme-intel-lm" suspend /dev/nvme0 --vf=1 > /dev/null 2>&1
"$T/src/nvme-intel-lm" save /dev/nvme0 --vf=1 -o "$T/src/keep/own.blob" > /dev/null 2>&1
"$T/dst/nvme-intel-lm" suspend /dev/nvme0 --vf=2 > /dev/null 2>&1
"$T/dst/nvme-intel-lm" resume /dev/nvme0 --vf=2 > /dev/null 2>&1
rm -f "$T/src/trace.log" "$T/dst/trace.log"
play -e '{"vf_map": [{"src": 1, "dst": 2}]}'
expect_line 1 "FAILED at check record: check record failed: VF 1 of /dev/nvme0 is saved on record; nothing was sent" \
	"a saved source and a destination running its own state: not 'already moved', the command's refusal"
expect_vendor src "" "... nothing sent to the source"
expect_vendor dst "" "... nor to the destination"

# Check mode: the checks on each host, each VF's SUSPEND with --dry-run there, no connection
# host to host (the program refuses --dry-run to another host).
hosts "" ""
play -e vfs=1,2 --check
expect_rc 0 "check mode succeeds"
expect_line 2 "would move (check mode)" "check mode reports what it would do"
check "check mode reports changes" "changed=$CHANGED" test "${CHANGED:-0}" -gt 0
expect_vendor src "" "check mode: no vendor command to the source"
expect_vendor dst "" "check mode: no vendor command to the destination"
s=$(for v in 1 2 3 4; do show src $v state; show dst $v state; done | sort -u | tr '\n' ' ')
check "check mode: every VF still runs" "states: $s" test "$s" = "running "
n=$(find "$T/src" "$T/dst" -name '*.blob' | wc -l)
check "check mode: no state saved or carried" "$n blobs" test "$n" -eq 0
check "check mode: each VF's SUSPEND with --dry-run on its own host, no migrate" \
	"source: $(tr '\n' ';' < "$T/src/calls.log"); destination: $(tr '\n' ';' < "$T/dst/calls.log")" \
	test "$(grep -c '^suspend /dev/nvme0 --vf=[12] .*--dry-run' "$T/src/calls.log") $(grep -c '^suspend /dev/nvme0 --vf=[12] .*--dry-run' "$T/dst/calls.log") $(grep -c 'migrate\|serve-peer' "$T/src/calls.log" "$T/dst/calls.log" | awk -F: '{ n += $2 } END { print n }')" = "2 2 0"

# Refused before anything is sent: PFs of different kinds; a src_host that names no host.
hosts "" ""
sed -i 's/^firmware = .*/firmware = 2.0.0/' "$T/dst/emu.conf"
emu dst setup > /dev/null
play
expect_rc 2 "PFs of different kinds: refused"
check "... before anything is sent, saying why" "it said: $(grep -m 1 'fatal' "$T/play.log" | head -c 400)" \
	grep -q 'nothing was sent: .*1.0.0.*2.0.0.*be of the same kind' "$T/play.log"
expect_vendor src "" "... no vendor command to the source"
expect_vendor dst "" "... no vendor command to the destination"
RC=0
ansible-playbook -i "$T/inventory" intel_lm.nvme.migrate -e src_host=nosuchhost -e src_device=/dev/nvme0 \
	-e dst_host=dsthost -e dst_device=/dev/nvme0 -e vfs=1 > "$T/play.log" 2>&1 || RC=$?
expect_rc 2 "a src_host that names no host fails"
check "... saying so" "it said: $(grep -m 1 'fatal' "$T/play.log" | head -c 400)" \
	grep -q 'src_host (nosuchhost) names no host of the inventory' "$T/play.log"

# Faults: the command's rollback, reported pair by pair (one pair at a time: --jobs=1, so that
# the per-opcode fault counts fall on known VFs). fault_run DESC SRC_FAULTS DST_FAULTS: a run
# that fails.
fault_run() {
	hosts "$2" "$3"
	play -e '{"vfs": [1, 2]}' -e migrate_jobs=1
	expect_rc 2 "$1: the playbook fails"
	expect_recap "changed=$CHANGED failed=1 rescued=0" "$1: the play failed at the end, with each VF's outcome"
}

fault_run "faults 1" "fault = 0xc8 1 EINTR apply" "fault = 0xc8 1 0x4002"
expect_line 1 "FAILED at" "destination SUSPEND refused (status): VF 1 failed"
expect_line 1 "Invalid Field" "... named with the device's error"
truth "destination SUSPEND refused" 1 1 running
expect_line 2 "FAILED at" "source SUSPEND timed out (EINTR, took effect): VF 2 failed"
truth "source SUSPEND unknown" 2 2 running

fault_run "faults 2" "fault = 0xd2 1 0x4002" "fault = 0xd5 1 0x4002"
expect_line 1 "SAVE_DATA" "source SAVE_DATA refused (status): named"
expect_line 1 "resumed" "... the source resumed"
truth "source SAVE_DATA refused" 1 1 running
expect_line 2 "LOAD_DATA" "destination LOAD refused (status): named"
expect_line 2 "resumed" "... the source resumed"
truth "destination LOAD refused" 2 2 running

fault_run "faults 3" "" "fault = 0xcc 1 EINTR apply"
expect_line 1 "FAILED at" "destination RESUME timed out (EINTR, took effect): VF 1 failed"
expect_line 1 "left suspended" "... the source left suspended: two running copies must never exist"
expect_line 1 "resume /dev/nvme0 --vf=1 --force" "... the next step names the resume of the source, with --force"
truth "destination RESUME unknown" 1 1 saved
expect_state dst 1 running "... the destination runs the only copy"
expect_line 2 "moved (migration mig-" "... VF 2 moved all the same"

# A run after it: VF 1's record needs settling (the destination's RESUME unknown), VF 2 moved.
cp "$T/dst/emu.conf" "$T/dst/emu.conf.1" && grep -v '^fault' "$T/dst/emu.conf.1" > "$T/dst/emu.conf"
rm -f "$T/src/trace.log" "$T/dst/trace.log"
play -e '{"vfs": [1, 2]}'
expect_rc 2 "a run after the failure fails for VF 1 only"
expect_line 1 "FAILED before anything was sent: intel-lm's record needs settling first" \
	"... VF 1 refused: a record needs settling"
expect_line 2 "already moved" "... VF 2 already moved"
expect_vendor src "" "... no vendor command to the source"
expect_vendor dst "" "... nor to the destination"

# The destination host cannot be reached: nothing sent, the sources untouched.
hosts "" ""
play -e '{"vfs": [1, 2]}' -e intel_lm_ssh_port=1
expect_rc 2 "the destination cannot be reached: the playbook fails"
expect_line 1 "FAILED at connect" "... the connection's failure is named"
expect_line 2 "nothing was sent" "... saying nothing was sent"
for v in 1 2; do truth "destination unreachable" "$v" "$v" running; done
expect_vendor src "" "... no vendor command to the source"
expect_vendor dst "" "... nor to the destination"

# A fleet: both hosts are sources, each sending a VF to the other, one host at a time
# (serial: 1), with the variables of each host.
hosts "" ""
RC=0
ansible-playbook -i "$T/fleet" intel_lm.nvme.migrate -e src_host=pfs -e migrate_serial=1 \
	> "$T/play.log" 2>&1 || RC=$?
expect_rc 0 "a fleet: each host moves its VF to the other"
n=$(grep -c '^PLAY \[Migrate' "$T/play.log")
check "a fleet: serial 1 runs one host at a time" "$n batches" test "$n" -eq 2
check "a fleet: srchost VF 3 runs on dsthost VF 3, dsthost VF 4 on srchost VF 4" \
	"dsthost VF 3: $(emu dst show nvme0 3); srchost VF 4: $(emu src show nvme0 4)" \
	test "$(show src 3 state) $(show dst 3 state)/$(show dst 3 origin) $(show dst 4 state) $(show src 4 state)/$(show src 4 origin)" = \
		"saved running/SRC0001/vf3 saved running/DST0001/vf4"

finish
