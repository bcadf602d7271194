#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The device model's checks, run in the guest (busybox ash) by the kernel suite's /init in place
# of tests/kernel/guest/checks.sh, against QEMU's NVMe controller patched with intel-lm.patch
# (intel-lm=on, use-intel-id=on, sriov_max_vfs=2). Same console protocol as the kernel suite:
#
#   KTEST ok NAME | KTEST fail NAME: WHY | KTEST end COUNT
#   KCMD / KOUT NAME 1|,2| / KRC / KLOG   what was run and what it printed
#
# Deliberately not "set -e": a failing check must not stop the others.
set -u

PF=/dev/nvme0
PROG=nvme-intel-lm
CMD_TIMEOUT=60
results=0
VF_VQ=2
VF_VI=1
export INTEL_LM_STATE_DIR=/tmp/intel-lm-state
export TMPDIR=/tmp
mkdir -p "$INTEL_LM_STATE_DIR"

ok() {
	echo "KTEST ok $1"
	results=$((results + 1))
}
bad() {
	_n=$1
	shift
	echo "KTEST fail $_n: $*" | tr '\n' ' '
	echo
	results=$((results + 1))
}
check() {
	T=$1
	WHY=
}
why() {
	WHY="${WHY:+$WHY; }$*"
}
done_check() {
	if [ -z "$WHY" ]; then ok "$T"; else bad "$T" "$WHY"; fi
}
run() {
	_n=$1
	shift
	echo "KCMD $_n: $*"
	timeout "$CMD_TIMEOUT" "$@" >/tmp/.out 2>/tmp/.err
	RC=$?
	OUT=$(cat /tmp/.out)
	ERR=$(cat /tmp/.err)
	ALL="$OUT
$ERR"
	sed "s/^/KOUT $_n 1| /" /tmp/.out
	sed "s/^/KOUT $_n 2| /" /tmp/.err
	echo "KRC $_n: $RC"
	case $RC in 137 | 143) why "timed out after ${CMD_TIMEOUT}s" ;; esac
}
has() {
	case "$ALL" in *"$1"*) return 0 ;; esac
	return 1
}
need_rc() {
	[ "$RC" -eq "$1" ] || why "exit status $RC, expected $1"
}
need_has() {
	has "$1" || why "output lacks '$1'"
}
# the kernel logged nothing bad about nvme since the last call
dmesg_mark=0
need_quiet_kernel() {
	_l=$(dmesg | tail -n +"$((dmesg_mark + 1))" |
	     grep -iE 'nvme.*(timeout|reset|abort|I/O error)|call trace|BUG:|WARNING:')
	[ -z "$_l" ] || why "kernel log: $(echo "$_l" | tr '\n' ' ')"
	dmesg_mark=$(dmesg | wc -l)
}

# --- boot -----------------------------------------------------------------------------------------
check modules
while read -r m; do
	case $m in
	# no native multipath: the namespace, shared by the PF and VF 1, gets a node per
	# controller, so that VF 1's I/O really goes through VF 1
	*/nvme-core.ko) insmod "$m" admin_timeout=20 multipath=N ;;
	*) insmod "$m" ;;
	esac || why "insmod $m failed"
done </ktest/modules
i=0
while [ ! -c $PF ] && [ $i -lt 150 ]; do
	sleep 0.2
	i=$((i + 1))
done
[ -c $PF ] || why "$PF did not appear within 30 s"
done_check
if [ ! -c $PF ]; then
	echo "KTEST end $results"
	exit 0
fi
pf_pci=$(cat /sys/class/nvme/nvme0/address)
pf_sys=/sys/bus/pci/devices/$pf_pci
pf_cntlid=$(nvme id-ctrl $PF 2>/dev/null | awk '$1 == "cntlid" { print $NF }')
pf_cntlid=$((${pf_cntlid:-0}))

# --- the PF says it supports live migration ------------------------------------------------------
check model-info-supported
run info $PROG info $PF
need_rc 0
need_has "live migration : supported"
need_has "vendor         : 0x8086"
done_check

check model-id-ctrl-byte
b=$(nvme id-ctrl $PF -o binary 2>/dev/null | dd bs=1 skip=3072 count=1 2>/dev/null | hexdump -e '1/1 "%02x"')
[ "$b" = 01 ] || why "Identify Controller byte 3072 is '$b', expected 01"
done_check

# --- bring the VFs online (QEMU's Virtualization Management flow, as checks.sh does) ------------
check model-vf-setup
step() {
	_s=$1
	shift
	run "vf-setup-$_s" "$@"
	[ "$RC" -eq 0 ] || why "step $_s ($*) failed with status $RC"
}
echo 0 >"$pf_sys/sriov_drivers_autoprobe" || why "cannot clear sriov_drivers_autoprobe"
step pri-vq nvme virt-mgmt $PF --cntlid="$pf_cntlid" --rt=0 --act=1 --nr=0
step pri-vi nvme virt-mgmt $PF --cntlid="$pf_cntlid" --rt=1 --act=1 --nr=0
echo 1 >"$pf_sys/reset" || why "PF reset through $pf_sys/reset failed"
step id-after-reset nvme id-ctrl $PF
echo 2 >"$pf_sys/sriov_numvfs" || why "writing 2 to sriov_numvfs failed"
scids=$(nvme list-secondary $PF 2>/dev/null | awk '/^ *SCID / { print $NF }')
echo "KLOG secondary controllers: $scids"
for scid in $scids; do
	scid=$((scid))
	step "vq-$scid" nvme virt-mgmt $PF --cntlid="$scid" --rt=0 --act=8 --nr=$VF_VQ
	step "vi-$scid" nvme virt-mgmt $PF --cntlid="$scid" --rt=1 --act=8 --nr=$VF_VI
	step "online-$scid" nvme virt-mgmt $PF --cntlid="$scid" --rt=0 --act=9 --nr=0
done
vf1_scid=$(($(echo "$scids" | head -n1)))
# the namespace, attached to VF 1 too (QEMU attaches a shared one already), so that it does I/O
run vf-setup-attach nvme attach-ns $PF --namespace-id=1 --controllers="$vf1_scid"
[ "$RC" -eq 0 ] || has "Namespace Already Attached" || why "attach-ns failed with status $RC"
done_check

check model-vf-bind
vf1_pci=$(basename "$(readlink "$pf_sys/virtfn0")")
echo nvme >"/sys/bus/pci/devices/$vf1_pci/driver_override" || why "cannot set driver_override"
echo "$vf1_pci" >/sys/bus/pci/drivers/nvme/bind || why "binding $vf1_pci to nvme failed"
vf_ctrl=
i=0
while [ $i -lt 100 ]; do
	for d in /sys/bus/pci/devices/"$vf1_pci"/nvme/nvme*; do
		[ -e "$d" ] && vf_ctrl=${d##*/}
	done
	[ -n "$vf_ctrl" ] && [ -b "/dev/${vf_ctrl}n1" ] && break
	sleep 0.2
	i=$((i + 1))
done
[ -n "$vf_ctrl" ] || why "no controller appeared for VF 1 ($vf1_pci) within 20 s"
VFNS=/dev/${vf_ctrl:-nvme1}n1
[ -b "$VFNS" ] || why "no namespace $VFNS on VF 1"
echo "KLOG VF 1 is /dev/${vf_ctrl:-?} at $vf1_pci, namespace $VFNS"
grep -i nvme /proc/interrupts | sed 's/^/KLOG irq: /'
need_quiet_kernel
done_check

# --- the state grows with the queues: VF 1 (driver bound: admin + I/O queues) vs VF 2 (disabled) --
check model-query-size-grows
run qs-vf2 $PROG query-size $PF --vf=2
need_rc 0
s2=$(printf '%s\n' "$OUT" | grep -oE '[0-9]+' | tail -n1)
run qs-vf1 $PROG query-size $PF --vf=1
need_rc 0
s1=$(printf '%s\n' "$OUT" | grep -oE '[0-9]+' | tail -n1)
echo "KLOG state sizes: VF 1 $s1, VF 2 $s2"
[ -n "$s1" ] && [ -n "$s2" ] && [ "$s1" -gt "$s2" ] ||
	why "VF 1's state ($s1) is not larger than VF 2's ($s2)"
done_check

# --- wrong sequences get generic statuses ---------------------------------------------------------
check model-resume-not-suspended
run resume-ns $PROG resume $PF --vf=2 --verbose --force
[ "$RC" -ne 0 ] || why "RESUME of a running VF succeeded"
need_has "0x400c"
done_check

check model-save-not-suspended
run save-ns $PROG save $PF --vf=2 -o /tmp/vf2.state --verbose --force
[ "$RC" -ne 0 ] || why "SAVE_DATA of a running VF succeeded"
need_has "0x400c"
done_check

check model-load-not-suspended
head -c 706 /dev/urandom >/tmp/junk.raw
run load-ns $PROG load $PF --vf=2 -i /tmp/junk.raw --raw --force --verbose
[ "$RC" -ne 0 ] || why "LOAD_DATA into a running VF succeeded"
need_has "0x400c"
done_check

# VF 2 suspended: corrupt and truncated states are refused with Invalid Field
run suspend-vf2 $PROG suspend $PF --vf=2
check model-load-corrupt
[ "$RC" -eq 0 ] || why "SUSPEND of VF 2 failed"
run save-vf2 $PROG save $PF --vf=2 -o /tmp/vf2.raw --raw
[ "$RC" -eq 0 ] || why "SAVE_DATA of VF 2 failed"
# one byte flipped in the registers: the model's CRC catches it
{ head -c 40 /tmp/vf2.raw; printf 'X'; tail -c +42 /tmp/vf2.raw; } >/tmp/vf2-bad.raw
run load-corrupt $PROG load $PF --vf=2 -i /tmp/vf2-bad.raw --raw --verbose
[ "$RC" -ne 0 ] || why "a corrupt state was loaded"
need_has "0x4002"
done_check

check model-load-truncated
head -c 100 /tmp/vf2.raw >/tmp/vf2-short.raw
run load-short $PROG load $PF --vf=2 -i /tmp/vf2-short.raw --raw --verbose
[ "$RC" -ne 0 ] || why "a truncated state was loaded"
need_has "0x4002"
done_check

check model-load-good-vf2
run load-vf2 $PROG load $PF --vf=2 -i /tmp/vf2.raw --raw --verbose
need_rc 0
run resume-vf2 $PROG resume $PF --vf=2 --verbose
need_rc 0
done_check

# --- VF 1 in use: suspend, save, load, resume while a write waits --------------------------------
head -c 1048576 /dev/urandom >/tmp/pattern
dd if=/tmp/pattern of="$VFNS" bs=64k conv=fsync 2>/dev/null
dmesg_mark=$(dmesg | wc -l)

check model-suspend
# shellcheck disable=SC3044  # "suspend" is the name run gives the command, not ksh's builtin
run suspend $PROG suspend $PF --vf=1 --verbose
need_rc 0
done_check

# a write submitted while VF 1 is suspended: it must wait, then complete after RESUME
head -c 1048576 /dev/urandom >/tmp/pattern2
( dd if=/tmp/pattern2 of="$VFNS" bs=64k seek=16 conv=fsync 2>/tmp/dd.err; echo $? >/tmp/dd.rc ) &
dd_pid=$!
sleep 2

check model-write-waits
[ ! -e /tmp/dd.rc ] || why "the write finished while VF 1 was suspended (status $(cat /tmp/dd.rc))"
done_check

check model-query-size
run query-size $PROG query-size $PF --vf=1 --verbose
need_rc 0
done_check

check model-save
run save $PROG save $PF --vf=1 -o /tmp/vf1.state --verbose
need_rc 0
[ -s /tmp/vf1.state ] || why "no /tmp/vf1.state"
echo "KLOG state file: $(wc -c </tmp/vf1.state 2>/dev/null) bytes"
done_check

check model-inspect
run inspect $PROG inspect /tmp/vf1.state
need_rc 0
done_check

check model-load
run load $PROG load $PF --vf=1 -i /tmp/vf1.state --verbose
need_rc 0
done_check

check model-resume
run resume $PROG resume $PF --vf=1 --verbose
need_rc 0
done_check

# run-model.sh starts QEMU with intel-lm.delay-resume=1500: RESUME took that long
check model-delay
ms=$(printf '%s\n' "$ALL" | sed -n 's/^sent to [^ ]*: RESUME .* in \([0-9]*\)\.[0-9]* ms$/\1/p')
[ -n "$ms" ] && [ "$ms" -ge 1500 ] || why "RESUME took '${ms:-?}' ms, expected at least 1500"
done_check

check model-write-completes
i=0
while [ ! -e /tmp/dd.rc ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -e /tmp/dd.rc ] || why "the write did not finish within 30 s of RESUME"
[ "$(cat /tmp/dd.rc 2>/dev/null)" = 0 ] || why "the write failed: $(cat /tmp/dd.err 2>/dev/null)"
wait "$dd_pid" 2>/dev/null
done_check

check model-data-intact
echo 3 >/proc/sys/vm/drop_caches
dd if="$VFNS" of=/tmp/back bs=64k count=16 2>/dev/null
dd if="$VFNS" of=/tmp/back2 bs=64k skip=16 count=16 2>/dev/null
cmp -s /tmp/pattern /tmp/back || why "the data written before SUSPEND reads back differently"
cmp -s /tmp/pattern2 /tmp/back2 || why "the data written while suspended reads back differently"
done_check

check model-vf-works
run vf-id nvme id-ctrl "/dev/${vf_ctrl:-nvme1}"
need_rc 0
head -c 65536 /dev/urandom >/tmp/pattern3
dd if=/tmp/pattern3 of="$VFNS" bs=64k seek=40 conv=fsync 2>/dev/null || why "a new write failed"
echo 3 >/proc/sys/vm/drop_caches
dd if="$VFNS" of=/tmp/back3 bs=64k skip=40 count=1 2>/dev/null
cmp -s /tmp/pattern3 /tmp/back3 || why "a new write reads back differently"
need_quiet_kernel
done_check

# the model's answer to a RESUME after SAVE_DATA without LOAD_DATA (a rolled-back migration):
# the VF gets its saved state back and keeps working
check model-resume-after-save
run rs-suspend $PROG suspend $PF --vf=1
[ "$RC" -eq 0 ] || why "suspend failed"
run rs-save $PROG save $PF --vf=1 -o /tmp/vf1-rs.state
[ "$RC" -eq 0 ] || why "save failed"
run rs-resume $PROG resume $PF --vf=1
[ "$RC" -eq 0 ] || why "resume failed"
head -c 65536 /dev/urandom >/tmp/pattern4
dd if=/tmp/pattern4 of="$VFNS" bs=64k seek=48 conv=fsync 2>/dev/null || why "a write failed"
echo 3 >/proc/sys/vm/drop_caches
dd if="$VFNS" of=/tmp/back4 bs=64k skip=48 count=1 2>/dev/null
cmp -s /tmp/pattern4 /tmp/back4 || why "the write reads back differently"
need_quiet_kernel
done_check

check model-status
run status $PROG status $PF
need_rc 0
done_check

check model-pf-healthy
run pf-healthy nvme id-ctrl $PF
need_rc 0
need_quiet_kernel
done_check

# last, since the kernel resets VF 1 for it: sent to a VF's own admin queue, a vendor command is
# ignored (never completed); the kernel times it out and resets VF 1, which then works again
check model-vf-own-ignored
run vf-own nvme admin-passthru "/dev/${vf_ctrl:-nvme1}" --opcode=0xc4 --cdw10=1 --timeout=3000
[ "$RC" -ne 0 ] || why "QUERY_DATA_SIZE on VF 1's own admin queue completed"
sleep 3
dd if=/tmp/pattern4 of="$VFNS" bs=64k seek=56 conv=fsync 2>/dev/null || why "a write after the reset failed"
echo 3 >/proc/sys/vm/drop_caches
dd if="$VFNS" of=/tmp/back5 bs=64k skip=56 count=1 2>/dev/null
cmp -s /tmp/pattern4 /tmp/back5 || why "the write after the reset reads back differently"
run vf-own-pf nvme id-ctrl $PF
[ "$RC" -eq 0 ] || why "the PF stopped answering"
dmesg | tail -n +"$((dmesg_mark + 1))" | sed 's/^/KLOG vf-own: /'
done_check

# a cold migration in one command, VF 1 to VF 2, with VF 1's driver unbound (both idle)
check model-migrate
echo "$vf1_pci" >/sys/bus/pci/drivers/nvme/unbind || why "cannot unbind VF 1"
run migrate $PROG migrate $PF --vf=1 --to=$PF --to-vf=2 --verbose
need_rc 0
for op in 0xc8 0xc4 0xd2 0xd5 0xcc; do
	printf '%s\n' "$ALL" | grep -q "^sent to $PF: [A-Z_]* opcode=$op .*-> status 0x0000" ||
		why "--verbose shows no opcode $op that succeeded"
done
run migrate-status $PROG status $PF
need_rc 0
done_check

dmesg | grep -i nvme | sed 's/^/KLOG dmesg: /'
echo "KTEST end $results"
