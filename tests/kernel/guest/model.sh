#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The device model's checks (run.sh's "model" boot), run in the guest (busybox ash) by /init
# against QEMU's NVMe controller patched with qemu/intel-lm.patch (intel-lm=on, use-intel-id=on,
# sriov_max_vfs=2, intel-lm.delay-resume=1500), through the real nvme driver. KTEST lines and
# helpers: guest/lib.sh. Deliberately not "set -e": a failing check must not stop the others.
set -u

# shellcheck source=tests/kernel/guest/lib.sh
. /ktest/lib.sh
export INTEL_LM_STATE_DIR=/tmp/intel-lm-state
export TMPDIR=/tmp
mkdir -p "$INTEL_LM_STATE_DIR"

# --- boot -----------------------------------------------------------------------------------------
# No native multipath: the namespace, shared by the PF and VF 1, gets a node per controller, so
# that VF 1's I/O really goes through VF 1.
load_modules admin_timeout=20 multipath=N
if ! wait_pf; then
	bad pf-present "$PF did not appear within 30 s"
	echo "KTEST end $results"
	exit 0
fi

# --- the PF says it supports live migration ------------------------------------------------------
check model-info-supported
run info $PROG info $PF
need_rc 0
need_has "live migration : supported"
need_has "vendor         : 0x8086"
need_has "VFs            : 2"
done_check

check model-id-ctrl-byte
b=$(nvme id-ctrl $PF -o binary 2>/dev/null | dd bs=1 skip=3072 count=1 2>/dev/null | hexdump -e '1/1 "%02x"')
[ "$b" = 01 ] || why "Identify Controller byte 3072 is '$b', expected 01"
done_check

# An Intel-only PF (no lm-tp4159): no HMLMS, no Supported Controller State Formats, and TP4159's
# Migration Send (41h) and Migration Receive (42h) are not commands of it.
check model-tp4159-refused
oacs=$(nvme id-ctrl $PF 2>/dev/null | awk '$1 == "oacs" { print $NF }')
[ -n "$oacs" ] || why "nvme id-ctrl shows no OACS"
[ $((${oacs:-0x800} >> 11 & 1)) -eq 0 ] || why "OACS is '$oacs': HMLMS (bit 11) is set"
run tp-formats nvme admin-passthru $PF --opcode=0x06 --cdw10=0x20 --data-len=4096 -r
[ "$RC" -ne 0 ] || why "Identify CNS 20h succeeded"
need_has "Invalid Field in Command"
run tp-send nvme admin-passthru $PF --opcode=0x41 --cdw10=0 --cdw11=$((0x10000 | 1))
[ "$RC" -ne 0 ] || why "Migration Send succeeded"
need_has "Invalid Command Opcode"
run tp-recv nvme admin-passthru $PF --opcode=0x42 --cdw11=1 --cdw15=11 --data-len=48 -r
[ "$RC" -ne 0 ] || why "Migration Receive succeeded"
need_has "Invalid Command Opcode"
done_check

# --- bring the VFs online (QEMU's Virtualization Management flow, as checks.sh does) ------------
check model-vf-setup
vf_setup
# the namespace, attached to VF 1 too (QEMU attaches a shared one already), so that it does I/O
run vf-setup-attach nvme attach-ns $PF --namespace-id=1 --controllers="$vf1_scid"
[ "$RC" -eq 0 ] || has "Namespace Already Attached" || why "attach-ns failed with status $RC"
done_check

check model-vf-bind
bind_vf1 ns
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
[ "${s1:-0}" -gt "${s2:-0}" ] ||
	why "VF 1's state ($s1) is not larger than VF 2's ($s2)"
done_check

# --- wrong sequences get generic statuses ---------------------------------------------------------
check model-resume-not-suspended
run resume-ns $PROG resume $PF --vf=2 --verbose --force
need_rc 4
need_has "0x400c"
done_check

check model-save-not-suspended
run save-ns $PROG save $PF --vf=2 -o /tmp/vf2.state --verbose --force
need_rc 4
need_has "0x400c"
done_check

check model-load-not-suspended
head -c 706 /dev/urandom >/tmp/junk.raw
run load-ns $PROG load $PF --vf=2 -i /tmp/junk.raw --raw --force --verbose
need_rc 4
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
need_rc 4
need_has "0x4002"
done_check

check model-load-truncated
head -c 100 /tmp/vf2.raw >/tmp/vf2-short.raw
run load-short $PROG load $PF --vf=2 -i /tmp/vf2-short.raw --raw --verbose
need_rc 4
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

check model-write-waits
write_suspended 2 16
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

# run.sh starts this boot's QEMU with intel-lm.delay-resume=1500: RESUME took that long
check model-delay
ms=$(printf '%s\n' "$ALL" | sed -n 's/^sent to [^ ]*: RESUME .* in \([0-9]*\)\.[0-9]* ms$/\1/p')
[ "${ms:-0}" -ge 1500 ] || why "RESUME took '${ms:-?}' ms, expected at least 1500"
done_check

check model-write-completes
await_write 2
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

# --- the same round trip with the state and the record on a real disk ---------------------------
# run.sh gives this boot a scratch ext4 disk on virtio-blk (/dev/vda, not on the PF under test):
# the blob goes to a file there, which intel-lm fsyncs, and so does the record
# (INTEL_LM_STATE_DIR), whose fdatasyncs then reach a real block device.
DISK=/mnt/disk
disk_t0=$(date +%s)
check model-disk-mount
while read -r m; do
	insmod "$m" || why "insmod $m failed"
done </ktest/modules.disk
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do
	sleep 0.2
	i=$((i + 1))
done
mkdir -p "$DISK"
if [ ! -b /dev/vda ]; then
	why "no /dev/vda within 10 s ($(wc -l </ktest/modules.disk) modules in /ktest/modules.disk)"
elif ! mount -t ext4 /dev/vda "$DISK"; then
	why "cannot mount /dev/vda (ext4) on $DISK"
fi
grep -q " $DISK ext4 " /proc/mounts || why "$DISK is not an ext4 mount"
done_check

if grep -q " $DISK ext4 " /proc/mounts; then
	INTEL_LM_STATE_DIR=$DISK/state
	mkdir -p "$INTEL_LM_STATE_DIR"
	head -c 1048576 /dev/urandom >/tmp/pattern5
	dd if=/tmp/pattern5 of="$VFNS" bs=64k seek=80 conv=fsync 2>/dev/null
	dmesg_mark=$(dmesg | wc -l)

	check model-disk-suspend
	run disk-suspend $PROG suspend $PF --vf=1 --verbose
	need_rc 0
	need_sent_ok 0xc8
	done_check

	# a write submitted while VF 1 is suspended, as above
	check model-disk-write-waits
	write_suspended 6 96
	done_check

	check model-disk-save
	run disk-save $PROG save $PF --vf=1 -o "$DISK/vf1.blob" --verbose
	need_rc 0
	need_sent_ok 0xc4 0xd2
	[ -s "$DISK/vf1.blob" ] || why "no $DISK/vf1.blob"
	echo "KLOG state file on disk: $(wc -c <"$DISK/vf1.blob" 2>/dev/null) bytes"
	run disk-inspect $PROG inspect "$DISK/vf1.blob"
	need_rc 0
	done_check

	check model-disk-load-resume
	run disk-load $PROG load $PF --vf=1 -i "$DISK/vf1.blob" --verbose
	need_rc 0
	need_sent_ok 0xd5
	run disk-resume $PROG resume $PF --vf=1 --verbose
	need_rc 0
	need_sent_ok 0xcc
	done_check

	check model-disk-data-intact
	await_write 6
	echo 3 >/proc/sys/vm/drop_caches
	dd if="$VFNS" of=/tmp/back5 bs=64k skip=80 count=16 2>/dev/null
	dd if="$VFNS" of=/tmp/back6 bs=64k skip=96 count=16 2>/dev/null
	cmp -s /tmp/pattern5 /tmp/back5 || why "the data written before SUSPEND reads back differently"
	cmp -s /tmp/pattern6 /tmp/back6 || why "the data written while suspended reads back differently"
	l=$(new_dmesg | grep -iE 'EXT4-fs (error|warning)|vda.*error|I/O error')
	[ -z "$l" ] || why "kernel log: $(echo "$l" | tr '\n' ' ')"
	need_quiet_kernel
	done_check

	# status agrees, from the record on the disk; and after the disk is unmounted and mounted
	# again (nothing left in the page cache), the blob still inspects and the record still says so
	check model-disk-status
	run disk-status $PROG status $PF
	need_rc 0
	need_status 1 running
	n=$(find "$INTEL_LM_STATE_DIR" -type f 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || why "no record in $INTEL_LM_STATE_DIR"
	if umount "$DISK" && mount -t ext4 /dev/vda "$DISK"; then
		run disk-inspect-again $PROG inspect "$DISK/vf1.blob"
		need_rc 0
		run disk-status-again $PROG status $PF
		need_rc 0
		need_status 1 running
	else
		why "cannot unmount and mount $DISK again"
	fi
	done_check
	umount "$DISK"
	INTEL_LM_STATE_DIR=/tmp/intel-lm-state
else
	bad model-disk-round-trip "no disk: the round trip through a file on disk did not run"
fi
echo "KLOG the round trip through the disk took $(($(date +%s) - disk_t0)) s"

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

# --- VF 1 in use: migrated to VF 2 and back within the PF while writes go on --------------------
# The guest driver stays bound to VF 1's PCI function, so its state goes to VF 2 (migrate) and
# comes back (migrate again: VF 1, saved by the first, gets no second SUSPEND; issue 15).
# migrate suspends the source itself, so the writes run all along: a writer writes 64 KiB chunks
# of fresh random data one after the other (each fsynced, each chunk once, at most 800: chunks
# 200 to 999 of the 64 MiB namespace) until told to stop, and keeps their MD5 sums. VF 2, RESUMEd
# with VF 1's queues, may fetch and execute VF 1's commands, posting into VF 1's CQ memory; the way
# back drains them, and VF 1's RESUME re-raises the interrupt of a CQ with unread entries.
head -c 1048576 /dev/urandom >/tmp/pattern7
dd if=/tmp/pattern7 of="$VFNS" bs=64k seek=128 conv=fsync 2>/dev/null
writer_start 200
dmesg_mark=$(dmesg | wc -l)

check model-inuse-migrate-there
n0=$(im_count)
[ -e /tmp/im.rc ] && why "the writer stopped before the migration (status $(cat /tmp/im.rc))"
# VF 2 runs the raw state model-load-good-vf2 gave it, the only copy of that state: the one rule
# would refuse to load over it. This suite reuses the VFs, so --force.
run im-migrate1 $PROG migrate $PF --vf=1 --to=$PF --to-vf=2 --verbose --force
need_rc 0
need_sent_ok 0xc8 0xc4 0xd2 0xd5 0xcc
need_has "downtime"
run im-status1 $PROG status $PF
need_rc 0
need_status 1 saved
need_status 2 running
n_mid=$(im_count)
done_check

# The way back is migrate too: VF 1, left suspended and saved by the first migrate, is saved on
# record, so migrate sends it no SUSPEND (the model would refuse a second one with 0x400C), and
# only the migration's own steps reach the device: VF 2's SUSPEND, QUERY_DATA_SIZE, SAVE_DATA,
# then VF 1's LOAD_DATA and RESUME.
check model-inuse-migrate-back
run im-migrate2 $PROG migrate $PF --vf=2 --to=$PF --to-vf=1 --verbose
need_rc 0
_seq=$(printf '%s\n' "$ALL" |
	sed -n 's/^sent to [^ ]*: [A-Z_]*[^=]* opcode=\(0x[0-9a-f]*\) .*cdw10=0x0000\([0-9a-f]*\) .*-> status 0x0000.*/\1:\2/p' |
	grep -v '^0x06:' | tr '\n' ' ')
[ "$_seq" = "0xc8:0002 0xc4:0002 0xd2:0002 0xd5:0001 0xcc:0001 " ] ||
	why "sent '$_seq', expected VF 2's SUSPEND, QUERY_DATA_SIZE, SAVE_DATA, VF 1's LOAD_DATA, RESUME"
need_has "destination suspend  skipped"
need_has "the destination VF 1 of $PF is saved on record, so suspended already"
need_has "downtime"
run im-status2 $PROG status $PF
need_rc 0
need_status 1 running
need_status 2 saved
# VF 2 gets its own idle state back (model-load-good-vf2's): a RESUME of it saved would restore
# VF 1's queues next to VF 1, and the cold migrations below want it running.
run im-vf2-load $PROG load $PF --vf=2 -i /tmp/vf2.raw --raw --verbose
need_rc 0
need_sent_ok 0xd5
run im-vf2-resume $PROG resume $PF --vf=2
need_rc 0
run im-status3 $PROG status $PF
need_status 1 running
need_status 2 running
done_check

check model-inuse-migrate-data-intact
echo "KLOG inuse-migrate: writes: $n0 before, $n_mid with VF 2, $(im_count) after"
writer_check "the migrations"
echo 3 >/proc/sys/vm/drop_caches
dd if="$VFNS" of=/tmp/back7 bs=64k skip=128 count=16 2>/dev/null
cmp -s /tmp/pattern7 /tmp/back7 || why "the data written before the migrations reads back wrong"
new_dmesg | sed 's/^/KLOG inuse-migrate: /'
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
# --force: VF 2 runs a state of its own again (the raw load above), which the one rule keeps.
run migrate $PROG migrate $PF --vf=1 --to=$PF --to-vf=2 --verbose --force
need_rc 0
need_sent_ok 0xc8 0xc4 0xd2 0xd5 0xcc
need_has "downtime"
run migrate-status $PROG status $PF
need_rc 0
need_status 1 saved
need_status 2 running
done_check

# --- cold migrations step by step, both VFs idle (no driver) --------------------------------------
# The VF's state size, from query-size's output (its last number).
state_size() {
	printf '%s\n' "$OUT" | grep -oE '[0-9]+' | tail -n1
}

# VF 1 was left saved by migrate: RESUME gives it back its saved state (the model's rollback).
check model-resume-source
# --force: the state now runs in VF 2, so the one rule refuses this RESUME (e2e-identity tests
# that); here it is the device's answer to a RESUME of a saved VF that is tested.
run resume-source $PROG resume $PF --vf=1 --verbose --force
need_rc 0
need_sent_ok 0xcc
run resume-source-status $PROG status $PF --vf=1
need_status 1 running
done_check

# The standalone: suspend, query-size, save, suspend, load into the other VF, resume.
check model-cold-standalone
run cold-suspend $PROG suspend $PF --vf=1 --verbose
need_rc 0
need_sent_ok 0xc8
run cold-size $PROG query-size $PF --vf=1
need_rc 0
size=$(state_size)
run cold-save $PROG save $PF --vf=1 -o /tmp/cold.blob --verbose
need_rc 0
need_sent_ok 0xc4 0xd2
run cold-inspect $PROG inspect /tmp/cold.blob
need_rc 0
need_has "${size:-?}"
run cold-suspend2 $PROG suspend $PF --vf=2 --verbose
need_rc 0
need_sent_ok 0xc8
run cold-load $PROG load $PF --vf=2 -i /tmp/cold.blob --verbose
need_rc 0
need_sent_ok 0xd5
run cold-resume $PROG resume $PF --vf=2 --verbose
need_rc 0
need_sent_ok 0xcc
run cold-status $PROG status $PF
need_rc 0
need_status 1 saved
need_status 2 running
done_check

# The nvme-cli build (nvme intel-lm ...), VF 2 back to VF 1 with --raw: the file holds the
# device's bytes only, exactly QUERY_DATA_SIZE's size. It shares the standalone's record.
check model-cold-nvme-cli
if command -v nvme-lm >/dev/null 2>&1; then
	LM="nvme-lm intel-lm"
else
	# the same steps with the standalone, so that the checks below find the same states
	LM=$PROG
fi
# shellcheck disable=SC2086  # $LM is a command and its subcommand
{
	run cli-suspend $LM suspend $PF --vf=2 --verbose
	need_rc 0
	need_sent_ok 0xc8
	run cli-size $LM query-size $PF --vf=2
	need_rc 0
	size=$(state_size)
	run cli-save $LM save $PF --vf=2 -o /tmp/cli.raw --raw --verbose
	need_rc 0
	need_sent_ok 0xd2
	got=$(wc -c </tmp/cli.raw 2>/dev/null)
	[ "${got:-0}" -eq "${size:-1}" ] ||
		why "the raw file has ${got:-no} bytes, QUERY_DATA_SIZE said ${size:-?}"
	run cli-load $LM load $PF --vf=1 -i /tmp/cli.raw --raw --verbose
	need_rc 0
	need_sent_ok 0xd5
	run cli-resume $LM resume $PF --vf=1 --verbose
	need_rc 0
	need_sent_ok 0xcc
	run cli-status $LM status $PF
	need_rc 0
	need_status 1 running
	need_status 2 saved
	run cli-status-standalone $PROG status $PF
	need_status 1 running
	need_status 2 saved
}
if [ "$LM" = "$PROG" ]; then
	notrun model-cold-nvme-cli "the build directory has no nvme-cli with the plugin" \
		"(plugins/intel-lm/nvme: meson option nvme-cli); its steps ran with nvme-intel-lm"
	[ -z "$WHY" ] || bad model-cold-nvme-cli-standalone "$WHY"
else
	done_check
fi

# A stream: save -o - piped into load -i -, VF 1 into VF 2 (suspended and saved already).
check model-stream
run stream-suspend $PROG suspend $PF --vf=1
need_rc 0
runsh stream "set -o pipefail; $PROG save $PF --vf=1 -o - | $PROG load $PF --vf=2 -i - --verbose"
need_rc 0
need_sent_ok 0xd5
run stream-resume $PROG resume $PF --vf=2
need_rc 0
run stream-status $PROG status $PF
need_status 1 saved
need_status 2 running
done_check

# Batches: --vf=1-2 and all, with --jobs=2. Save every VF into a directory, load it back.
# RESUME goes one VF at a time (--jobs=1): this boot's model delays RESUME by 1.5 s and takes one
# delayed command at a time (another one meanwhile gets Command Sequence Error).
check model-batch
# --force: VF 1's state runs in VF 2 since the stream; from here on both VFs run one state, as
# a scratch pair for the batches (the one rule would refuse each RESUME of the second).
run batch-resume1 $PROG resume $PF --vf=1 --force
need_rc 0
run batch-suspend $PROG suspend $PF --vf=1-2 --jobs=2 --verbose
need_rc 0
for v in 1 2; do
	printf '%s\n' "$ALL" | grep -q "^sent to $PF: SUSPEND opcode=0xc8 nsid=0x0 cdw10=0x0000000$v .*-> status 0x0000" ||
		why "no successful SUSPEND of VF $v"
done
run batch-size $PROG query-size $PF --vf=all
need_rc 0
run batch-save $PROG save $PF --vf=all -o /tmp/batch --jobs=2
need_rc 0
n=$(find /tmp/batch -type f 2>/dev/null | wc -l)
[ "$n" -eq 2 ] || why "/tmp/batch holds $n files, expected 2"
run batch-load $PROG load $PF --vf=all -i /tmp/batch --jobs=2 --verbose
need_rc 0
need_sent_ok 0xd5
run batch-resume $PROG resume $PF --vf=1-2 --jobs=1 --force
need_rc 0
run batch-status $PROG status $PF --vf=all
need_status 1 running
need_status 2 running
done_check

finish
