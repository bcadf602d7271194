#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The largest state the kernel moves (run.sh's "model-big" boot): the model pads every state
# with intel-lm.pad=4194304-604, so that a VF never enabled has a state of exactly 4 MiB (the
# controller's MDTS 10 and the kernel's cap) and VF 1, enabled once by the driver, one above it.
# Memory is fragmented first (ktest-frag), so that only huge pages can hold such a state in the
# kernel's 127 segments. The PF has TP4159 too: VF 1's state, above what Intel's commands move,
# moves in pieces with --protocol=tp4159, VF 1 in use. KTEST lines and helpers: guest/lib.sh.
set -u

# shellcheck source=tests/kernel/guest/lib.sh
. /ktest/lib.sh
export INTEL_LM_STATE_DIR=/tmp/intel-lm-state
export TMPDIR=/tmp
mkdir -p "$INTEL_LM_STATE_DIR"
XFER_MAX=$(kparam xfer_max)
XFER_MAX=${XFER_MAX:-4194304}
BIG=--max-state-size=4M
HUGE=/proc/sys/vm/nr_hugepages
THP=/sys/kernel/mm/transparent_hugepage/enabled

# need_not_sent OPCODE: --verbose shows no such command sent.
need_not_sent() {
	! printf '%s\n' "$ALL" | grep -q "^sent to [^ ]*: [A-Z_]*[^=]* opcode=$1 " ||
		why "opcode $1 was sent"
}

load_modules admin_timeout=20 multipath=N
if ! wait_pf; then
	bad pf-present "$PF did not appear within 30 s"
	echo "KTEST end $results"
	exit 0
fi

# VFs online; VF 1 bound to the driver (which enables its controller and creates an I/O queue
# pair: 106 bytes more state, above 4 MiB). No huge pages, no THP, memory fragmented.
check big-setup
vf_setup
bind_vf1 ns
echo never >$THP || why "cannot write $THP"
echo 0 >$HUGE || why "cannot write $HUGE"
ktest-frag hold 48 >/tmp/frag.out 2>&1 &
frag_pid=$!
i=0
while ! grep -q '^ready' /tmp/frag.out && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
grep -q '^ready' /tmp/frag.out || why "ktest-frag hold 48: $(cat /tmp/frag.out)"
done_check

check big-sizes
run big-size-2 $PROG query-size $PF --vf=2
need_rc 0
s2=$(printf '%s\n' "$OUT" | grep -oE '[0-9]+' | tail -n1)
[ "${s2:-0}" -eq "$XFER_MAX" ] || why "VF 2's state is ${s2:-?} bytes, expected $XFER_MAX"
run big-size-1 $PROG query-size $PF --vf=1
need_rc 0
s1=$(printf '%s\n' "$OUT" | grep -oE '[0-9]+' | tail -n1)
echo "KLOG state sizes: VF 1 ${s1:-?}, VF 2 ${s2:-?}"
[ "${s1:-0}" -gt "$XFER_MAX" ] || why "VF 1's state (${s1:-?}) is not above $XFER_MAX"
done_check

# Without huge pages: refused before SAVE_DATA, saying why (the kernel's 127 segments).
check big-plain-save-refused
run big-suspend $PROG suspend $PF --vf=2
need_rc 0
run big-plain-save $PROG save $PF --vf=2 -o /tmp/big.blob $BIG --verbose
need_rc 3
need_has "127"
need_has "huge pages"
need_not_sent 0xd2
[ ! -e /tmp/big.blob ] || why "/tmp/big.blob was written"
done_check

# With huge pages reserved (as a host does at boot): 4 MiB saved, loaded and resumed.
check big-hugetlb
echo 4 >$HUGE || why "cannot reserve huge pages"
[ "$(cat $HUGE)" = 4 ] || why "$HUGE is $(cat $HUGE), expected 4"
run big-save $PROG save $PF --vf=2 -o /tmp/big.blob $BIG --verbose
need_rc 0
need_sent_ok 0xd2
run big-inspect $PROG inspect /tmp/big.blob
need_rc 0
need_has "$XFER_MAX"
run big-load $PROG load $PF --vf=2 -i /tmp/big.blob $BIG --verbose
need_rc 0
need_sent_ok 0xd5
run big-resume $PROG resume $PF --vf=2 --verbose
need_rc 0
need_sent_ok 0xcc
run big-status $PROG status $PF --vf=2
need_status 2 running
done_check

check big-hugetlb-info
run big-info $PROG info $PF $BIG
need_rc 0
need_has "largest state  : $XFER_MAX bytes"
done_check

# LOAD_DATA of the 4 MiB state without huge pages: refused before it is sent.
check big-plain-load-refused
echo 0 >$HUGE || true
run big-suspend2 $PROG suspend $PF --vf=2
need_rc 0
run big-plain-load $PROG load $PF --vf=2 -i /tmp/big.blob $BIG --verbose
need_rc 3
need_has "127"
need_has "huge pages"
need_not_sent 0xd5
run big-resume2 $PROG resume $PF --vf=2
need_rc 0
done_check

# Above the largest: VF 1's state exceeds the 4 MiB the kernel moves. With huge pages reserved,
# intel-lm refuses it before SAVE_DATA, saying why, and the VF stays suspended, then resumes. The kernel itself: an admin
# command of 4 MiB + 512 bytes (nvme-cli's admin-passthru, SAVE_DATA) is refused with EINVAL
# before it reaches the controller. (The kernel counts whole 512-byte sectors: up to 4 MiB + 511
# bytes would pass its check; intel-lm's limit of 4 MiB is the safe side.)
check big-above
echo 4 >$HUGE || why "cannot reserve huge pages"
run big-above-suspend $PROG suspend $PF --vf=1
need_rc 0
run big-above-save $PROG save $PF --vf=1 -o /tmp/above.blob $BIG --verbose
need_rc 3
need_has "the state is $s1 bytes, above the $XFER_MAX bytes"
need_has "4 MiB transfer limit"
need_not_sent 0xd2
[ ! -e /tmp/above.blob ] || why "/tmp/above.blob was written"
runsh big-above-kernel "nvme admin-passthru $PF --opcode=0xd2 --cdw10=1 --data-len=$((XFER_MAX + 512)) -r >/dev/null"
[ "$RC" -ne 0 ] || why "the kernel sent a SAVE_DATA of $((XFER_MAX + 512)) bytes"
need_has "Invalid argument"
run big-above-resume $PROG resume $PF --vf=1
need_rc 0
run big-above-status $PROG status $PF --vf=1
need_status 1 running
done_check

# Both protocols on this PF (lm-tp4159=on too): HMLMS is set beside byte 3072, and TP4159 reads
# the very state Intel's commands suspended: VF 1, suspended by intel-lm, is read with Migration
# Receive (its header: the vendor-specific part is QUERY_DATA_SIZE's state, rounded up to a
# dword), then resumed by intel-lm.
check big-both
oacs=$(nvme id-ctrl $PF 2>/dev/null | awk '$1 == "oacs" { print $NF }')
[ $((${oacs:-0} >> 11 & 1)) -eq 1 ] || why "OACS is '${oacs:-?}': HMLMS (bit 11) is not set"
b=$(nvme id-ctrl $PF -o binary 2>/dev/null | dd bs=1 skip=3072 count=1 2>/dev/null |
	hexdump -e '1/1 "%02x"')
[ "$b" = 01 ] || why "Identify Controller byte 3072 is '$b', expected 01"
run big-both-suspend $PROG suspend $PF --vf=1
need_rc 0
run big-both-size $PROG query-size $PF --vf=1
need_rc 0
s1=$(printf '%s\n' "$OUT" | grep -oE '[0-9]+' | tail -n1)
rm -f /tmp/tphdr
run big-both-get nvme admin-passthru $PF --opcode=0x42 --cdw10=$((1 << 16)) --cdw11=$((vf1_scid)) \
	--cdw15=11 --data-len=48 -r -i /tmp/tphdr
need_rc 0
vss=$(hexdump -s 32 -n 4 -e '1/4 "%u"' /tmp/tphdr 2>/dev/null)
[ $((4 * ${vss:-0})) -eq $(((${s1:-0} + 3) / 4 * 4)) ] ||
	why "TP4159's vendor-specific state is $((4 * ${vss:-0})) bytes, QUERY_DATA_SIZE said ${s1:-?}"
run big-both-resume $PROG resume $PF --vf=1
need_rc 0
done_check

# --protocol=tp4159 on this PF with both: VF 1, in use, with the state Intel's commands cannot
# move (above the kernel's 4 MiB, big-above) and no --max-state-size, moves in pieces by offset
# (no huge pages, memory fragmented), round trip through a file, while a write waits.
head -c 1048576 /dev/urandom >/tmp/pattern10
dd if=/tmp/pattern10 of="$VFNS" bs=64k seek=100 conv=fsync 2>/dev/null
dmesg_mark=$(dmesg | wc -l)
TP=--protocol=tp4159
tp_t0=$(date +%s)
check big-tp4159
run big-tp-suspend $PROG suspend $PF --vf=1 $TP --verbose
need_rc 0
need_sent_ok 0x41
write_suspended 11 120
rm -f /tmp/tp.blob
run big-tp-save $PROG save $PF --vf=1 -o /tmp/tp.blob $TP --verbose
need_rc 0
n=$(printf '%s\n' "$ALL" | grep -c "^sent to $PF: [A-Z_]*[^=]* opcode=0x42 .*-> status 0x0000")
need_not_sent 0xd2
run big-tp-inspect $PROG inspect /tmp/tp.blob
need_rc 0
need_has "saved over     : tp4159"
tp_size=$(printf '%s\n' "$OUT" | sed -n 's/^ *payload *: \([0-9]*\) bytes.*/\1/p')
echo "KLOG a state of ${tp_size:-?} bytes saved in $n Migration Receive commands"
[ "${tp_size:-0}" -gt "$XFER_MAX" ] ||
	why "the state is ${tp_size:-?} bytes, not above the kernel's $XFER_MAX"
[ "$n" -ge 3 ] || why "$n Migration Receive commands, expected the header and several pieces"
run big-tp-load $PROG load $PF --vf=1 -i /tmp/tp.blob $TP --verbose
need_rc 0
need_sent_ok 0x41
need_not_sent 0xd5
run big-tp-resume $PROG resume $PF --vf=1 $TP --verbose
need_rc 0
need_sent_ok 0x41
run big-tp-status $PROG status $PF --vf=1
need_status 1 running
await_write 11
need_reads_back /tmp/pattern10 100 "the data written before suspend"
need_reads_back /tmp/pattern11 120 "the data written while suspended"
need_quiet_kernel
done_check
echo "KLOG big-tp4159 took $(($(date +%s) - tp_t0)) s"

# VF 1, resumed, still works: its driver answers Identify through it.
check big-vf1-works
run big-vf1-id nvme id-ctrl "/dev/${vf_ctrl:-nvme1}"
need_rc 0
done_check

kill "$frag_pid" 2>/dev/null
wait "$frag_pid" 2>/dev/null

check big-pf-healthy
run big-pf-healthy nvme id-ctrl $PF
need_rc 0
need_quiet_kernel
done_check

finish
