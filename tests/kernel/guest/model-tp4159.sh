#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# NVMe TP4159 migration on the device model (run.sh's "model-tp4159" boot): QEMU's controller
# with lm-tp4159=on only (no intel-lm), every state padded with intel-lm.pad=1048576 so that it
# is larger than one transfer (MDTS 7, 512 KiB). First raw commands (Debian's nvme-cli 2.3,
# "nvme admin-passthru"): Migration Send (41h) and Migration Receive (42h) to the PF, naming
# the migratable controller by its CNTLID. VF 1, in use by the driver with a write waiting, is
# suspended, its state read in chunks by offset, set in chunks (SEQIND first/middle/last) into
# VF 2, which is resumed, suspended again and read back, and that state set into VF 1 again,
# which resumes: the waiting write completes and every write reads back intact. Then
# nvme-intel-lm (probing: TP4159 is all this PF offers) does the same in use, through a file
# and with migrate, and states saved over one protocol are refused by the other's VF (a second
# PF, serial intel-only, has Intel's commands only). KTEST lines and helpers: guest/lib.sh.
# Deliberately not "set -e": a failing check must not stop the others.
set -u

# shellcheck source=tests/kernel/guest/lib.sh
. /ktest/lib.sh
XFER_MAX=$(kparam xfer_max)
XFER_MAX=${XFER_MAX:-4194304}
# the chunk size of every Get and Set: 64 pages, well inside the kernel's 127 segments
CHUNK=262144

# --- raw TP4159 commands (nvme admin-passthru of nvme-cli 2.3) -----------------------------------
# tp_suspend NAME CNTLID [STYPE]: Migration Send, SEL 0 Suspend (STYPE 1 by default).
tp_suspend() {
	run "$1" nvme admin-passthru $PF --opcode=0x41 --cdw10=0 --cdw11=$(($2 | ${3:-1} << 16))
}
# tp_resume NAME CNTLID: Migration Send, SEL 1 Resume.
tp_resume() {
	run "$1" nvme admin-passthru $PF --opcode=0x41 --cdw10=1 --cdw11="$2"
}
# tp_get NAME CNTLID OFFSET LENGTH FILE [CSVI]: Migration Receive, SEL 0 Get Controller State,
# LENGTH bytes from OFFSET into FILE (NUMD is 0's based).
tp_get() {
	rm -f "$5"
	run "$1" nvme admin-passthru $PF --opcode=0x42 --cdw10=$((${6:-1} << 16)) --cdw11="$2" \
		--cdw12=$(($3 & 0xffffffff)) --cdw13=$(($3 >> 32)) --cdw15=$(($4 / 4 - 1)) \
		--data-len="$4" -r -i "$5"
}
# tp_set NAME CNTLID SEQIND OFFSET FILE [CSVI]: Migration Send, SEL 2 Set Controller State of
# FILE's bytes at OFFSET (NUMD: FILE's length in dwords).
tp_set() {
	ts_len=$(wc -c <"$5")
	run "$1" nvme admin-passthru $PF --opcode=0x41 --cdw10=$((2 | $3 << 16)) \
		--cdw11=$(($2 | ${6:-1} << 16)) --cdw12=$(($4 & 0xffffffff)) --cdw13=$(($4 >> 32)) \
		--cdw15=$((ts_len / 4)) --data-len="$ts_len" -w -i "$5"
}
# u32 FILE OFFSET: the little-endian 32-bit number at OFFSET of FILE.
u32() {
	hexdump -s "$2" -n 4 -e '1/4 "%u"' "$1"
}
# need_status_is TEXT: the last command failed with that NVMe status (nvme-cli's wording).
need_status_is() {
	[ "$RC" -ne 0 ] || why "the command succeeded, expected '$1'"
	need_has "$1"
}
# state_size HEADER: the Controller State's size from its 48-byte header (48 + NVMECSS and VSS
# dwords; their upper 64 bits must be 0 here).
state_size() {
	echo $((48 + 4 * ($(u32 "$1" 16) + $(u32 "$1" 32))))
}
# nvmecss HEADER: the size of the NVMe Controller State in bytes.
nvmecss() {
	echo $((4 * $(u32 "$1" 16)))
}

# get_state NAME CNTLID FILE: the whole Controller State in CHUNK pieces by offset, after its
# header (in /tmp/hdr), with CSVI gs_csvi (default 1); sets gets (the number of commands) and
# size. Reasons go to the current check.
get_state() {
	tp_get "$1-hdr" "$2" 0 48 /tmp/hdr "${gs_csvi:-1}"
	[ "$RC" -eq 0 ] ||
		why "Get Controller State of the header failed: $(echo "$ALL" | tr '\n' ' ')"
	need_has "result: 0x00000001"
	size=$(state_size /tmp/hdr)
	: >"$3"
	gs_off=0
	gets=0
	while [ "$gs_off" -lt "$size" ]; do
		gs_len=$((size - gs_off))
		[ "$gs_len" -le $CHUNK ] || gs_len=$CHUNK
		tp_get "$1-$gets" "$2" "$gs_off" "$gs_len" /tmp/chunk "${gs_csvi:-1}"
		if [ "$RC" -ne 0 ]; then
			why "Get Controller State at offset $gs_off failed ($RC): $(echo "$ALL" |
				tr '\n' ' ')"
			break
		fi
		cat /tmp/chunk >>"$3"
		gs_off=$((gs_off + gs_len))
		gets=$((gets + 1))
	done
	[ "$(wc -c <"$3")" -eq "$size" ] || why "$3 has $(wc -c <"$3") bytes, the header says $size"
	echo "KLOG $1: a state of $size bytes in $gets Get Controller State commands"
}

# set_state NAME CNTLID FILE [LAST-STATUS]: FILE set by offset in CHUNK pieces with CSVI ss_csvi
# (default 1), SEQIND first, middle..., last (entire when one piece); sets sets. Every piece must
# succeed, the last one too unless LAST-STATUS names the status it must fail with.
set_state() {
	ss_size=$(wc -c <"$3")
	ss_pieces=$(((ss_size + CHUNK - 1) / CHUNK))
	ss_i=0
	sets=0
	while [ $ss_i -lt $ss_pieces ]; do
		if [ $ss_pieces -eq 1 ]; then ss_seq=3; elif [ $ss_i -eq 0 ]; then ss_seq=1
		elif [ $ss_i -eq $((ss_pieces - 1)) ]; then ss_seq=2; else ss_seq=0; fi
		dd if="$3" of=/tmp/piece bs=$CHUNK skip=$ss_i count=1 2>/dev/null
		tp_set "$1-$ss_i" "$2" $ss_seq $((ss_i * CHUNK)) /tmp/piece "${ss_csvi:-1}"
		sets=$((sets + 1))
		if [ $ss_i -eq $((ss_pieces - 1)) ] && [ -n "${4:-}" ]; then
			need_status_is "$4"
		elif [ "$RC" -ne 0 ]; then
			why "Set Controller State piece $ss_i (SEQIND $ss_seq) failed ($RC):" \
				"$(echo "$ALL" | tr '\n' ' ')"
			break
		fi
		ss_i=$((ss_i + 1))
	done
	[ "$sets" -eq "$ss_pieces" ] || why "$sets of $ss_pieces pieces were sent"
	echo "KLOG $1: $ss_size bytes in $sets Set Controller State commands"
}

# --- boot -----------------------------------------------------------------------------------------
load_modules admin_timeout=20 multipath=N
# Two PFs: this one (serial deadbeef) and one with Intel's commands only (serial intel-only),
# named by their serials, whatever order the driver probed them in.
i=0
while [ ! -c /dev/nvme1 ] && [ $i -lt 150 ]; do
	sleep 0.2
	i=$((i + 1))
done
IPF=
for d in /sys/class/nvme/nvme*; do
	case $(cat "$d/serial" 2>/dev/null) in
	deadbeef*) PF=/dev/${d##*/} ;;
	intel-only*) IPF=/dev/${d##*/} ;;
	esac
done
echo "KLOG the TP4159 PF is $PF, the Intel-only PF ${IPF:-missing}"
if ! wait_pf; then
	bad pf-present "$PF did not appear within 30 s"
	echo "KTEST end $results"
	exit 0
fi

# --- what the PF advertises ----------------------------------------------------------------------
# HMLMS (OACS bit 11) on the PF, Intel's byte 3072 not set; the Supported Controller State Formats
# (Identify CNS 20h): one NVMe Controller State version (0) and one vendor-specific format UUID.
check tp-id-ctrl
oacs=$(nvme id-ctrl $PF 2>/dev/null | awk '$1 == "oacs" { print $NF }')
[ $((${oacs:-0} >> 11 & 1)) -eq 1 ] || why "OACS is '${oacs:-?}': HMLMS (bit 11) is not set"
b=$(nvme id-ctrl $PF -o binary 2>/dev/null | dd bs=1 skip=3072 count=1 2>/dev/null |
	hexdump -e '1/1 "%02x"')
[ "$b" = 00 ] || why "Identify Controller byte 3072 is '$b', expected 00 (no intel-lm)"
done_check

check tp-formats
rm -f /tmp/fmt
run formats nvme admin-passthru $PF --opcode=0x06 --cdw10=0x20 --data-len=4096 -r -i /tmp/fmt
need_rc 0
f=$(hexdump -n 4 -e '4/1 "%02x"' /tmp/fmt 2>/dev/null)
[ "$f" = 01010000 ] || why "the formats begin '$f', expected NV 1, NUUID 1, version 0 (01010000)"
done_check

# A TP4159-only PF answers none of Intel's commands.
check tp-intel-refused
for op in 0xc4 0xc8 0xcc; do
	run "intel-$op" nvme admin-passthru $PF --opcode=$op --cdw10=1
	need_status_is "Invalid Command Opcode"
done
done_check

# --- the VFs online, VF 1 bound with the namespace ------------------------------------------------
check tp-vf-setup
vf_setup
vf2_scid=$(cli_vf_table "$pf_cntlid" | tr ' ' '\n' | awk -F: '$1 == 2 { print $2 }')
[ -n "$vf2_scid" ] || why "no VF 2 in nvme list-secondary"
vf1_scid=$((${vf1_scid:-0}))
vf2_scid=$((${vf2_scid:-0}))
echo "KLOG CNTLIDs: PF $pf_cntlid, VF 1 $vf1_scid, VF 2 $vf2_scid"
run vf-setup-attach nvme attach-ns $PF --namespace-id=1 --controllers="$vf1_scid"
[ "$RC" -eq 0 ] || has "Namespace Already Attached" || why "attach-ns failed with status $RC"
bind_vf1 ns
need_quiet_kernel
# the VF's own controller does not advertise HMLMS
oacs=$(nvme id-ctrl "/dev/${vf_ctrl:-nvme1}" 2>/dev/null | awk '$1 == "oacs" { print $NF }')
[ $((${oacs:-0} >> 11 & 1)) -eq 0 ] || why "VF 1's OACS '${oacs:-?}' has HMLMS set"
done_check

# --- refusals -------------------------------------------------------------------------------------
# Of a running VF only the header can be read (how a host learns the size before it suspends),
# with CSUP 0; anything beyond it, Resume and Set: Command Sequence Error.
check tp-not-suspended
tp_get get-running-hdr "$vf1_scid" 0 48 /tmp/hdr-running
need_rc 0
need_has "result: 0x00000000"
running_size=$(state_size /tmp/hdr-running)
echo "KLOG the running VF 1's header: a state of $running_size bytes"
[ "$running_size" -gt "$XFER_MAX" ] ||
	why "the header of the running VF 1 says $running_size bytes, not above $XFER_MAX"
tp_get get-running "$vf1_scid" 48 48 /tmp/x
need_status_is "Command Sequence Error"
tp_get get-running-0 "$vf1_scid" 0 64 /tmp/x
need_status_is "Command Sequence Error"
tp_resume resume-running "$vf1_scid"
need_status_is "Command Sequence Error"
dd if=/dev/zero of=/tmp/zero48 bs=48 count=1 2>/dev/null
tp_set set-running "$vf1_scid" 3 0 /tmp/zero48
need_status_is "Command Sequence Error"
done_check

check tp-bad-cntlid
tp_suspend suspend-pf "$pf_cntlid"
need_status_is "Invalid Controller Identifier"
tp_suspend suspend-none 999
need_status_is "Invalid Controller Identifier"
done_check

# --- VF 1 in use: suspend, Get in chunks --------------------------------------------------------
head -c 1048576 /dev/urandom >/tmp/pattern
dd if=/tmp/pattern of="$VFNS" bs=64k conv=fsync 2>/dev/null
dmesg_mark=$(dmesg | wc -l)

check tp-suspend
tp_suspend notify "$vf1_scid" 0
need_rc 0
tp_suspend suspend "$vf1_scid"
need_rc 0
t_suspend=$(date +%s)
tp_suspend suspend-again "$vf1_scid"
need_status_is "Command Sequence Error"
done_check

# a write submitted while VF 1 is suspended must wait (it completes after the way back)
check tp-write-waits
head -c 1048576 /dev/urandom >/tmp/pattern2
( dd if=/tmp/pattern2 of="$VFNS" bs=64k seek=16 conv=fsync 2>/tmp/dd2.err; echo $? >/tmp/dd2.rc ) &
dd_pid=$!
sleep 2
[ ! -e /tmp/dd2.rc ] ||
	why "the write finished while VF 1 was suspended (status $(cat /tmp/dd2.rc))"
done_check

check tp-get-chunks
get_state get-vf1 "$vf1_scid" /tmp/stateA
[ "${size:-0}" -gt "$XFER_MAX" ] ||
	why "the state is ${size:-?} bytes, not above one transfer ($XFER_MAX bytes)"
[ "${gets:-0}" -ge 2 ] || why "${gets:-?} Get Controller State commands, expected several"
done_check

# --- into VF 2: the state, set in chunks, and resumed ---------------------------------------
check tp-set-vf2
tp_suspend suspend-vf2 "$vf2_scid"
need_rc 0
set_state set-vf2 "$vf2_scid" /tmp/stateA
[ "${sets:-0}" -ge 2 ] || why "${sets:-?} Set Controller State commands, expected several"
tp_resume resume-vf2 "$vf2_scid"
need_rc 0
done_check

# --- and back: VF 2 (running VF 1's queues) suspended, read, set into VF 1, VF 1 resumed --------
check tp-get-vf2
tp_suspend suspend-vf2-again "$vf2_scid"
need_rc 0
get_state get-vf2 "$vf2_scid" /tmp/stateB
# The NVMe Controller State: VF 2 has VF 1's I/O queues (the same addresses, sizes and ids).
# It did not run them: no driver enabled VF 2's bus mastering, so it can read no command (as in
# model.sh's migrations to VF 2); the queue pointers are logged.
niosq=$(hexdump -s 50 -n 2 -e '1/2 "%u"' /tmp/stateB)
niocq=$(hexdump -s 52 -n 2 -e '1/2 "%u"' /tmp/stateB)
[ "${niosq:-0}" -ge 1 ] && [ "${niocq:-0}" -ge 1 ] ||
	why "the NVMe Controller State has ${niosq:-?} I/O SQs and ${niocq:-?} I/O CQs"
[ "$(dd if=/tmp/stateA bs=8 skip=6 count=1 2>/dev/null | hexdump -e '8/1 "%02x"')" = \
  "$(dd if=/tmp/stateB bs=8 skip=6 count=1 2>/dev/null | hexdump -e '8/1 "%02x"')" ] ||
	why "VF 2's NVMe Controller State header differs from VF 1's"
# entry E's first N bytes (SQ: address, size, id, CQ id, attributes; CQ: address, size, id)
ident() {
	hexdump -s $((56 + 24 * $2)) -n "$3" -e '16/1 "%02x"' "$1"
}
e=0
while [ $e -lt $((${niosq:-0} + ${niocq:-0})) ]; do
	n=16
	[ $e -lt "${niosq:-0}" ] || n=12
	[ "$(ident /tmp/stateA $e $n)" = "$(ident /tmp/stateB $e $n)" ] ||
		why "queue entry $e: VF 1's is $(ident /tmp/stateA $e $n)," \
			"VF 2's $(ident /tmp/stateB $e $n)"
	e=$((e + 1))
done
echo "KLOG I/O SQ 1 head, tail: $(hexdump -s 72 -n 4 -e '2/2 "%u "' /tmp/stateA) in VF 1's" \
	"state, $(hexdump -s 72 -n 4 -e '2/2 "%u "' /tmp/stateB) in VF 2's"
done_check

check tp-set-vf1
set_state set-vf1 "$vf1_scid" /tmp/stateB
tp_resume resume-vf1 "$vf1_scid"
need_rc 0
echo "KLOG VF 1 was suspended for $(($(date +%s) - t_suspend)) s (the kernel's I/O timeout is 30 s)"
done_check

check tp-write-completes
i=0
while [ ! -e /tmp/dd2.rc ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -e /tmp/dd2.rc ] || why "the write did not finish within 30 s of Resume"
[ "$(cat /tmp/dd2.rc 2>/dev/null)" = 0 ] || why "the write failed: $(cat /tmp/dd2.err 2>/dev/null)"
wait "$dd_pid" 2>/dev/null
done_check

check tp-data-intact
echo 3 >/proc/sys/vm/drop_caches
dd if="$VFNS" of=/tmp/back bs=64k count=16 2>/dev/null
dd if="$VFNS" of=/tmp/back2 bs=64k skip=16 count=16 2>/dev/null
cmp -s /tmp/pattern /tmp/back || why "the data written before Suspend reads back differently"
cmp -s /tmp/pattern2 /tmp/back2 || why "the data written while suspended reads back differently"
done_check

check tp-vf-works
run vf-id nvme id-ctrl "/dev/${vf_ctrl:-nvme1}"
need_rc 0
head -c 65536 /dev/urandom >/tmp/pattern3
dd if=/tmp/pattern3 of="$VFNS" bs=64k seek=40 conv=fsync 2>/dev/null || why "a new write failed"
echo 3 >/proc/sys/vm/drop_caches
dd if="$VFNS" of=/tmp/back3 bs=64k skip=40 count=1 2>/dev/null
cmp -s /tmp/pattern3 /tmp/back3 || why "a new write reads back differently"
need_quiet_kernel
done_check

# Strict about offsets and the format (VF 2, suspended with its state taken, after the round
# trip, so that VF 1's I/O waits no longer than it must): an unaligned offset, one at the end, an
# unknown CSVI.
check tp-get-strict
tp_get get-unaligned "$vf2_scid" 2 48 /tmp/x
need_status_is "Invalid Field in Command"
tp_get get-past-end "$vf2_scid" "${size:-0}" 48 /tmp/x
need_status_is "Invalid Field in Command"
tp_get get-csvi2 "$vf2_scid" 0 48 /tmp/x 2
need_status_is "Invalid Field in Command"
# the same bytes again from the middle of the state; and the 64-bit offset: 4 GiB (CDW13 1) is
# past the end
tp_get get-again "$vf2_scid" $((CHUNK)) 4096 /tmp/x
need_rc 0
dd if=/tmp/stateB of=/tmp/y bs=4096 skip=$((CHUNK / 4096)) count=1 2>/dev/null
cmp -s /tmp/x /tmp/y || why "the state read again at offset $CHUNK differs"
tp_get get-high "$vf2_scid" $((1 << 32)) 48 /tmp/x
need_status_is "Invalid Field in Command"
# CSVI 0: no NVMe Controller State (NVMECSS 0), the same vendor-specific state
tp_get get-csvi0 "$vf2_scid" 0 48 /tmp/h0 0
need_rc 0
[ "$(nvmecss /tmp/h0)" -eq 0 ] || why "with CSVI 0 NVMECSS is $(nvmecss /tmp/h0) bytes, expected 0"
[ "$(u32 /tmp/h0 32)" = "$(u32 /tmp/hdr 32)" ] ||
	why "with CSVI 0 VSS is $(u32 /tmp/h0 32) dwords, with CSVI 1 $(u32 /tmp/hdr 32)"
done_check

# --- strict about sequences (VF 2, suspended and holding VF 1's old state, is the target) -------
check tp-set-strict
dd if=/tmp/stateA of=/tmp/piece0 bs=$CHUNK count=1 2>/dev/null
dd if=/tmp/stateA of=/tmp/piece1 bs=$CHUNK skip=1 count=1 2>/dev/null
tp_set set-middle-first "$vf2_scid" 0 0 /tmp/piece0
need_status_is "Command Sequence Error"
tp_set set-last-first "$vf2_scid" 2 0 /tmp/piece0
need_status_is "Command Sequence Error"
tp_set set-first-offset "$vf2_scid" 1 4 /tmp/piece0
need_status_is "Invalid Field in Command"
tp_set set-first "$vf2_scid" 1 0 /tmp/piece0
need_rc 0
tp_set set-gap "$vf2_scid" 0 $((2 * CHUNK)) /tmp/piece1
need_status_is "Invalid Field in Command"
# that error ended the sequence: its next piece has no first one
tp_set set-after-gap "$vf2_scid" 0 $CHUNK /tmp/piece1
need_status_is "Command Sequence Error"
tp_set set-first-csvi "$vf2_scid" 1 0 /tmp/piece0
need_rc 0
tp_set set-csvi-changed "$vf2_scid" 0 $CHUNK /tmp/piece1 0
need_status_is "Invalid Field in Command"
# a state whose NVMe Controller State (the queues) disagrees with the rest: refused at its last
# piece, after every piece was taken
cp /tmp/stateA /tmp/stateBad
printf '\377' | dd of=/tmp/stateBad bs=1 seek=$((48 + 8)) conv=notrunc 2>/dev/null
set_state set-bad "$vf2_scid" /tmp/stateBad "Invalid Field in Command"
done_check

# A state read with CSVI 0 (no NVMe Controller State) is set with CSVI 0, and refused with CSVI 1.
check tp-csvi0
gs_csvi=0
get_state get-csvi0 "$vf2_scid" /tmp/stateC
[ "$(nvmecss /tmp/hdr)" -eq 0 ] || why "with CSVI 0 NVMECSS is $(nvmecss /tmp/hdr) bytes"
set_state set-csvi0-as-1 "$vf2_scid" /tmp/stateC "Invalid Field in Command"
ss_csvi=0
set_state set-csvi0 "$vf2_scid" /tmp/stateC
unset gs_csvi ss_csvi
done_check

# --- intel-lm over TP4159 ------------------------------------------------------------------------
# nvme-intel-lm itself, with no --protocol: it probes, and this PF offers TP4159 only. VF 1, in
# use by the driver, round-trips through a file and migrates to VF 2 and back; its state (above
# 1 MiB) moves in several Migration Receive and Send commands, within MDTS (512 KiB).
export INTEL_LM_STATE_DIR=/tmp/intel-lm-state
export TMPDIR=/tmp
mkdir -p "$INTEL_LM_STATE_DIR"
lm_t0=$(date +%s)

# sent_n OPCODE: how many commands of OPCODE --verbose shows sent to the PF and succeeding.
sent_n() {
	printf '%s\n' "$ALL" | grep -c "^sent to $PF: [A-Z_]*[^=]* opcode=$1 .*-> status 0x0000"
}
# need_only_tp: --verbose shows no Intel opcode sent (nothing but Identify and 41h/42h).
need_only_tp() {
	_ops=$(sent_opcodes | tr ' ' '\n' | grep -vxE '0x06|0x41|0x42|' | tr '\n' ' ')
	[ -z "$_ops" ] || why "--verbose shows opcodes $_ops sent (expected TP4159's only)"
}

check tp-lm-info
run lm-info $PROG info $PF
need_rc 0
need_has "protocols      : tp4159 (uses tp4159)"
need_has "limited by nothing but the 32-bit size of a saved state"
run lm-info-intel $PROG info "${IPF:-/dev/nvme1}"
need_rc 0
need_has "protocols      : intel (uses intel)"
done_check

# VF 1 in use: suspend, save, load, resume while a write waits (as model.sh does over Intel's).
head -c 1048576 /dev/urandom >/tmp/pattern10
dd if=/tmp/pattern10 of="$VFNS" bs=64k seek=100 conv=fsync 2>/dev/null
dmesg_mark=$(dmesg | wc -l)

check tp-lm-suspend
run lm-suspend $PROG suspend $PF --vf=1 --verbose
need_rc 0
need_sent_ok 0x41
need_only_tp
t_suspend=$(date +%s)
write_suspended 11 120
done_check

check tp-lm-save-chunks
run lm-size $PROG query-size $PF --vf=1
need_rc 0
lm_size=$(printf '%s\n' "$OUT" | grep -oE '[0-9]+' | tail -n1)
rm -f /tmp/lm-vf1.blob
run lm-save $PROG save $PF --vf=1 -o /tmp/lm-vf1.blob --verbose
need_rc 0
need_only_tp
n=$(sent_n 0x42)
echo "KLOG save: a state of ${lm_size:-?} bytes in $n Migration Receive commands"
[ "${lm_size:-0}" -gt "$XFER_MAX" ] ||
	why "the state is ${lm_size:-?} bytes, not above one transfer ($XFER_MAX bytes)"
# the header, then the state in pieces of at most MDTS
[ "$n" -ge $((1 + (${lm_size:-0} + XFER_MAX - 1) / XFER_MAX)) ] ||
	why "$n Migration Receive commands for ${lm_size:-?} bytes in pieces of $XFER_MAX at most"
need_has "saved ${lm_size:-?} bytes"
run lm-inspect $PROG inspect /tmp/lm-vf1.blob
need_rc 0
need_has "saved over     : tp4159"
need_has "payload        : ${lm_size:-?} bytes"
need_has "valid          : yes"
done_check

check tp-lm-load-chunks
run lm-load $PROG load $PF --vf=1 -i /tmp/lm-vf1.blob --verbose
need_rc 0
need_only_tp
n=$(sent_n 0x41)
echo "KLOG load: ${lm_size:-?} bytes in $n Migration Send commands"
[ "$n" -ge $(((${lm_size:-0} + XFER_MAX - 1) / XFER_MAX)) ] && [ "$n" -ge 2 ] ||
	why "$n Migration Send commands for ${lm_size:-?} bytes in pieces of $XFER_MAX at most"
done_check

check tp-lm-resume
run lm-resume $PROG resume $PF --vf=1 --verbose
need_rc 0
need_sent_ok 0x41
echo "KLOG VF 1 was suspended for $(($(date +%s) - t_suspend)) s (the kernel's I/O timeout is 30 s)"
run lm-status $PROG status $PF --vf=1
need_status 1 running
done_check

check tp-lm-data-intact
await_write 11
need_reads_back /tmp/pattern10 100 "the data written before suspend"
need_reads_back /tmp/pattern11 120 "the data written while suspended"
need_quiet_kernel
done_check

# VF 1 in use, migrated to VF 2 and back while a writer writes (as model.sh does over Intel's):
# VF 2, suspended by the raw checks above, is resumed first, as migrate suspends it.
tp_resume lm-vf2-resume "$vf2_scid"
writer_start 200
dmesg_mark=$(dmesg | wc -l)

check tp-lm-migrate-there
run lm-migrate1 $PROG migrate $PF --vf=1 --to=$PF --to-vf=2 --verbose
need_rc 0
need_only_tp
need_has "downtime"
run lm-status1 $PROG status $PF
need_status 1 saved
need_status 2 running
done_check

# The way back: VF 1, saved by the first migrate, gets no second Suspend.
check tp-lm-migrate-back
run lm-migrate2 $PROG migrate $PF --vf=2 --to=$PF --to-vf=1 --verbose
need_rc 0
need_only_tp
need_has "destination suspend  skipped"
need_has "downtime"
run lm-status2 $PROG status $PF
need_status 1 running
need_status 2 saved
done_check

check tp-lm-migrate-data-intact
writer_check "the migrations"
need_quiet_kernel
done_check

# A state saved over TP4159 is refused by a VF of a PF with Intel's commands only, and a state
# saved over Intel's commands by a VF of this PF, each before anything but Identify is sent.
# The Intel-only PF's VFs are brought online as this PF's were (vf_setup works on $PF).
check tp-lm-cross-setup
if [ -n "$IPF" ]; then
	tp_pf=$PF tp_sys=$pf_sys tp_cntlid=$pf_cntlid tp_vf1=$vf1_scid
	PF=$IPF
	wait_pf || why "$IPF is gone"
	vf_setup
	PF=$tp_pf pf_sys=$tp_sys pf_cntlid=$tp_cntlid vf1_scid=$tp_vf1
else
	why "no Intel-only PF (serial intel-only)"
	IPF=/dev/nvme1
fi
run lm-intel-suspend $PROG suspend "$IPF" --vf=1
need_rc 0
rm -f /tmp/intel.blob
run lm-intel-save $PROG save "$IPF" --vf=1 -o /tmp/intel.blob
need_rc 0
done_check

check tp-lm-tp4159-into-intel
run lm-cross1 $PROG load "$IPF" --vf=1 -i /tmp/lm-vf1.blob --verbose
need_rc 3
need_has "saved over tp4159 and this PF moves states with intel"
need_only_identify
run lm-cross1-status $PROG status "$IPF" --vf=1
need_status 1 saved
done_check

check tp-lm-intel-into-tp4159
run lm-cross2 $PROG load $PF --vf=2 -i /tmp/intel.blob --verbose
need_rc 3
need_has "saved over intel and this PF moves states with tp4159"
need_only_identify
run lm-cross2-status $PROG status $PF --vf=2
need_status 2 saved
run lm-intel-resume $PROG resume "$IPF" --vf=1
need_rc 0
done_check
echo "KLOG the checks of intel-lm over TP4159 took $(($(date +%s) - lm_t0)) s"

check tp-pf-healthy
run pf-id nvme id-ctrl $PF
need_rc 0
done_check

finish
