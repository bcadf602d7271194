#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The admin timeout (run.sh's "model-timeout" boot): the model delays SAVE_DATA by 10 s
# (intel-lm.delay-save=10000) and the kernel's admin timeout is ktest.admin_timeout seconds
# (nvme_core.admin_timeout, given to insmod). First a save with --timeout=2000, then one with
# the kernel's default timeout: each time, what the kernel does (it resets the PF), what
# intel-lm reports, what status records and what recover does. VF 1 is bound to the driver
# with its namespace, as a running VF would be. KTEST lines and helpers: guest/lib.sh.
set -u

# shellcheck source=tests/kernel/guest/lib.sh
. /ktest/lib.sh
export INTEL_LM_STATE_DIR=/tmp/intel-lm-state
export TMPDIR=/tmp
mkdir -p "$INTEL_LM_STATE_DIR"
ADMIN_TIMEOUT=$(kparam admin_timeout)
ADMIN_TIMEOUT=${ADMIN_TIMEOUT:-5}
DELAY=10

# I/O times out after 5 s too (30 s by default), so that VF 1's lost I/O fails soon
load_modules admin_timeout="$ADMIN_TIMEOUT" io_timeout=5 multipath=N
if ! wait_pf; then
	bad pf-present "$PF did not appear within 30 s"
	echo "KTEST end $results"
	exit 0
fi
echo "KLOG nvme_core.admin_timeout: $(cat /sys/module/nvme_core/parameters/admin_timeout)"

check timeout-setup
[ "$(cat /sys/module/nvme_core/parameters/admin_timeout)" = "$ADMIN_TIMEOUT" ] ||
	why "nvme_core.admin_timeout is not $ADMIN_TIMEOUT"
vf_setup
run vf-setup-attach nvme attach-ns $PF --namespace-id=1 --controllers="$vf1_scid"
[ "$RC" -eq 0 ] || has "Namespace Already Attached" || why "attach-ns failed with status $RC"
bind_vf1 ns
head -c 65536 /dev/urandom >/tmp/pattern
dd if=/tmp/pattern of="$VFNS" bs=64k conv=fsync 2>/dev/null || why "a write to VF 1 failed"
need_quiet_kernel
done_check

# timed_save NAME [OPTIONS]: suspend VF 2 and save it (SAVE_DATA takes DELAY s in the model);
# sets SECS, the time the save took.
timed_save() {
	_ts=$1
	shift
	run "$_ts-suspend" $PROG suspend $PF --vf=2
	[ "$RC" -eq 0 ] || why "suspend of VF 2 failed"
	dmesg_mark=$(dmesg | wc -l)
	_t0=$(date +%s)
	run "$_ts-save" $PROG save $PF --vf=2 -o "/tmp/$_ts.blob" --verbose "$@"
	SECS=$(($(date +%s) - _t0))
	echo "KLOG $_ts: save took $SECS s"
}

# need_unknown_outcome MIN: the save failed after at least MIN s (not DELAY: the kernel
# cancelled it) with exit status 5 (unknown), intel-lm says its effect is unknown and what to
# do, the kernel logged a reset of the PF.
need_unknown_outcome() {
	need_rc 5
	[ "$SECS" -ge "$1" ] || why "the save failed after $SECS s, before the timeout ($1 s)"
	[ "$SECS" -lt "$DELAY" ] || why "the save took $SECS s: the device answered, no timeout"
	need_has "EINTR"
	need_has "whether it took effect on the device is unknown"
	need_has "--confirm=running"
	_kl=$(new_dmesg)
	printf '%s\n' "$_kl" | sed 's/^/KLOG kernel: /'
	printf '%s\n' "$_kl" | grep -q "nvme nvme0: I/O .* QID 0 timeout, reset controller" ||
		why "the kernel logged no timeout and reset of nvme0"
	[ ! -e "/tmp/$T.blob" ] || why "/tmp/$T.blob was written"
}

# need_recorded_unknown: status shows VF 2 unknown and says what to do; recover leaves it alone.
need_recorded_unknown() {
	run "$T-status" $PROG status $PF --vf=2
	need_rc 0
	need_status 2 unknown
	need_has "next: SAVE_DATA failed with an errno: its effect is unknown"
	need_has "--confirm=running"
	run "$T-recover" $PROG recover $PF --vf=2
	need_rc 5
	need_has "left alone: its state is unknown"
	need_has "1 VF unresolved"
	run "$T-status2" $PROG status $PF --vf=2
	need_status 2 unknown
}

# 1. SAVE_DATA slower than --timeout=2000. intel-lm warns first, before any vendor command,
# that a --timeout below the kernel's admin timeout can reset the PF under its online VFs.
check timeout-option
timed_save timeout-option --timeout=2000
need_unknown_outcome 2
need_has "--timeout=2000 is shorter than the kernel's admin command timeout (nvme_core.admin_timeout) of $ADMIN_TIMEOUT s"
need_has "resets the PF's controller"
need_has "VFs of $PF online now: 1-2"
w=$(printf '%s\n' "$ERR" | grep -n "is shorter than the kernel's admin command timeout" | head -n1)
q=$(printf '%s\n' "$ERR" | grep -n "^sent to $PF: QUERY_DATA_SIZE" | head -n1)
[ "${w%%:*}" -lt "${q%%:*}" ] 2>/dev/null ||
	why "the warning does not come before the first vendor command"
done_check

check timeout-option-status
need_recorded_unknown
done_check

# The PF's reset took every VF offline (QEMU does as the NVMe specification has a primary
# controller's reset do): VF 1's driver loses its controller and the write fails.
check timeout-option-vf1
run pf-after nvme id-ctrl $PF
[ "$RC" -eq 0 ] || why "the PF does not answer after its reset"
echo "KLOG VFs after the reset: $(cli_vf_table "$pf_cntlid")"
for e in $(cli_vf_table "$pf_cntlid"); do
	case $e in *:*:0:*:*) ;; *) why "VF row $e is still online after the PF's reset" ;; esac
done
dmesg_mark=$(dmesg | wc -l)
run vf1-write dd if=/tmp/pattern of="$VFNS" bs=64k seek=1 conv=fsync
[ "$RC" -ne 0 ] || why "a write to VF 1 succeeded after the PF's reset"
new_dmesg | sed 's/^/KLOG kernel: /'
done_check

# recover --confirm: the VF was checked (offline, not suspended: QEMU cleared it): running.
check timeout-option-confirm
run confirm $PROG recover $PF --vf=2 --confirm=running
need_rc 0
need_has "recorded it running as you confirmed"
run confirm-status $PROG status $PF --vf=2
need_status 2 running
done_check

# 2. SAVE_DATA slower than the kernel's admin timeout (no --timeout). The VFs are set online
# again first.
check timeout-kernel
vf_online
timed_save timeout-kernel
need_unknown_outcome "$ADMIN_TIMEOUT"
need_not "is shorter than the kernel's admin command timeout"
done_check

check timeout-kernel-status
need_recorded_unknown
run confirm2 $PROG recover $PF --vf=2 --confirm=running
need_rc 0
done_check

check timeout-pf-healthy
run pf-healthy nvme id-ctrl $PF
need_rc 0
done_check

finish
