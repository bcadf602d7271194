#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The kernel test's checks, run by /init inside the guest (busybox ash) against Debian's nvme
# driver and QEMU's emulated NVMe controller (vendor 0x1b36, sriov_max_vfs=2, no Intel live
# migration). Reports on the console with KTEST lines (guest/lib.sh, which has the helpers).
# Every check reports, whether it passes, fails or cannot run (a failure too: nothing here is
# ever skipped).
set -u

# shellcheck source=tests/kernel/guest/lib.sh
. /ktest/lib.sh
# The VFs QEMU is started with (run.sh: sriov_max_vfs=2), and what the setup assigns each.
EXPECT_VFS="1 2"

# The opcode was sent and came back with status 0x4001 (Invalid Command Opcode, DNR).
need_sent_4001() {
	printf '%s\n' "$ALL" | grep -q "^sent to $PF: [A-Z_]*[^=]* opcode=$1 .*-> status 0x4001" ||
		why "--verbose shows no opcode $1 answered with status 0x4001"
}

# --- the program's and nvme-cli's VF tables, as "VF:SCID:ONLINE:VQ:VI" words --------------------
# From 'nvme-intel-lm info' (normal output): the rows after the "VF SCID ONLINE..." header.
prog_vf_table() {
	printf '%s\n' "$OUT" | awk '
		$1 == "VF" && $2 == "SCID" { t = 1; next }
		t && $1 ~ /^[0-9]+$/ { printf "%s:%s:%d:%s:%s ", $1, $2, $3 == "yes", $4, $5 }'
}

table_vfs() {
	_l=
	for _e in $1; do _l="${_l:+$_l }${_e%%:*}"; done
	echo "$_l"
}

# --- boot: modules, the PF -----------------------------------------------------------------------
# a hung command fails after 20 s instead of the default 60 s
load_modules admin_timeout=20

check pf-present
wait_pf || why "$PF did not appear within 30 s"
[ -n "${pf_pci:-}" ] || why "no /sys/class/nvme/nvme0/address"
[ "$(cat "${pf_sys:-/nonexistent}/sriov_totalvfs" 2>/dev/null)" = 2 ] || why "sriov_totalvfs is not 2"
done_check
if [ ! -c $PF ]; then
	bad all-checks "not run: no $PF"
	echo "KTEST end $results"
	exit 0
fi

echo "KCMD raw-secondary-list: nvme list-secondary $PF -o binary | hexdump -C | head"
nvme list-secondary $PF -o binary 2>&1 | hexdump -C | head -n 8 | sed 's/^/KOUT raw-secondary-list 1| /'

# --- info, VFs offline ---------------------------------------------------------------------------
check info-not-supported
run info $PROG info $PF
need_rc 0
need_has "live migration : not supported ("
need_has "not Intel"
need_has "vendor         : 0x1b36"
need_has "serial         : deadbeef"
done_check

check info-vfs-offline
run info-offline $PROG info $PF
need_rc 0
prog=$(prog_vf_table)
cli=$(cli_vf_table "$pf_cntlid")
[ "$(table_vfs "$prog")" = "$EXPECT_VFS" ] ||
	why "VFs listed: '$(table_vfs "$prog")', expected '$EXPECT_VFS' (rows: $prog)"
[ "$prog" = "$cli" ] || why "table '$prog' differs from nvme list-secondary '$cli'"
for e in $prog; do
	case $e in *:*:0:*:*) ;; *) why "VF row $e is not offline" ;; esac
done
need_has "VFs            : 2"
done_check

check info-json
run info-json $PROG info $PF --output-format=json
need_rc 0
echo "KJSON info-offline $(printf '%s' "$OUT" | tr -d '\n')"
compact=$(printf '%s' "$OUT" | tr -d ' \n')
for k in '"live_migration":false' '"lm_byte":0' '"vendor_id":6966' '"success":true' \
	 '"vfs":[{"vf":1,'; do
	case "$compact" in *"$k"*) ;; *) why "JSON lacks $k" ;; esac
done
done_check

# --- data commands refused without --force -------------------------------------------------------
head -c 4096 /dev/urandom >/tmp/raw.bin
for c in query-size suspend resume save load; do
	check "refuse-$c"
	case $c in
	save) extra="-o /tmp/state.bin" ;;
	load) extra="-i /tmp/raw.bin" ;;
	*) extra= ;;
	esac
	# shellcheck disable=SC2086
	run "refuse-$c" $PROG $c $PF --vf=1 --verbose $extra
	need_rc 3
	need_has "does not support Intel live migration"
	need_has "nothing but Identify was sent"
	need_only_identify
	[ ! -e /tmp/state.bin ] || why "/tmp/state.bin was created"
	done_check
done

check refuse-json
run refuse-json $PROG suspend $PF --vf=1 --output-format=json
need_rc 3
echo "KJSON refuse $(printf '%s' "$OUT" | tr -d '\n')"
compact=$(printf '%s' "$OUT" | tr -d ' \n')
case "$compact" in *'"success":false'*) ;; *) why 'JSON lacks "success":false' ;; esac
need_has "does not support Intel live migration"
done_check

# --- --force: the vendor opcode reaches the device, which answers 0x4001 -------------------------
for c in query-size:0xc4 suspend:0xc8 resume:0xcc save:0xc4 load:0xd5; do
	op=${c#*:}
	c=${c%:*}
	check "force-$c"
	case $c in
	save) extra="-o /tmp/state.bin" ;;
	load) extra="-i /tmp/raw.bin --raw" ;;
	*) extra= ;;
	esac
	# shellcheck disable=SC2086
	run "force-$c" $PROG $c $PF --vf=1 --force --verbose $extra
	need_rc 4
	need_has "Invalid Command Opcode"
	need_has "does not implement Intel live migration"
	need_sent_4001 "$op"
	leftover=$(ls /tmp/state.bin* 2>/dev/null)
	[ -z "$leftover" ] || why "left $leftover behind"
	done_check
done

check force-vf2
run force-vf2 $PROG query-size $PF --vf=2 --force --verbose
need_rc 4
need_has "Invalid Command Opcode"
printf '%s\n' "$ALL" | grep -q "opcode=0xc4 nsid=0x0 cdw10=0x00000002 cdw11=0x00000000" ||
	why "QUERY_DATA_SIZE for VF 2 not sent with CDW10=2"
done_check

# --- --vf validated against the real Secondary Controller List ---------------------------------
for v in 0 99 abc; do
	check "vf-arg-$v"
	run "vf-arg-$v" $PROG query-size $PF --vf=$v --force --verbose
	[ "$RC" -ne 0 ] || why "exit status 0"
	need_has "VFs are: 1-2"
	need_only_identify
	done_check

	check "vf-arg-$v-noforce"
	run "vf-arg-$v-noforce" $PROG suspend $PF --vf=$v --verbose
	[ "$RC" -ne 0 ] || why "exit status 0"
	need_only_identify
	done_check
done

# --- bring the VFs online (QEMU's Virtualization Management flow) -----------------------------
# Take the flexible resources from the primary controller, reset the PF so that it lets them
# go, enable the VFs (not probed automatically: offline VFs cannot start), give each VF two
# queues and one interrupt, and set it online.
check vf-setup
vf_setup
done_check

check info-vfs-online
run info-online $PROG info $PF
need_rc 0
prog=$(prog_vf_table)
cli=$(cli_vf_table "$pf_cntlid")
echo "KLOG nvme list-secondary: $cli"
[ "$(table_vfs "$prog")" = "$EXPECT_VFS" ] ||
	why "VFs listed: '$(table_vfs "$prog")', expected '$EXPECT_VFS' (rows: $prog)"
[ "$prog" = "$cli" ] || why "table '$prog' differs from nvme list-secondary '$cli'"
for e in $prog; do
	case $e in *:*:1:$VF_VQ:$VF_VI) ;; *) why "VF row $e is not online with $VF_VQ VQ, $VF_VI VI" ;; esac
done
done_check

check vf-pci-address
for v in $EXPECT_VFS; do
	addr=$(basename "$(readlink "$pf_sys/virtfn$((v - 1))")" 2>/dev/null)
	[ -n "$addr" ] || why "no virtfn$((v - 1)) in sysfs"
	[ -z "$addr" ] || printf '%s\n' "$OUT" | grep -Eq "^ +$v +.* $addr\$" ||
		why "VF $v is not shown at $addr"
done
done_check

check info-json-online
run info-json-online $PROG info $PF --output-format=json
need_rc 0
echo "KJSON info-online $(printf '%s' "$OUT" | tr -d '\n')"
vf1_pci=$(basename "$(readlink "$pf_sys/virtfn0")")
vf2_pci=$(basename "$(readlink "$pf_sys/virtfn1")")
echo "KLOG virtfn 1=$vf1_pci 2=$vf2_pci"
compact=$(printf '%s' "$OUT" | tr -d ' \n')
case "$compact" in *'"online":false'*) why 'a VF is "online":false' ;; esac
case "$compact" in *"\"pci_address\":\"$vf1_pci\""*) ;; *) why "no pci_address $vf1_pci" ;; esac
done_check

check force-online-vf
run force-online-vf $PROG suspend $PF --vf=1 --force --verbose
need_rc 4
need_has "Invalid Command Opcode"
need_sent_4001 0xc8
done_check

# --- a VF's own controller ------------------------------------------------------------------------
check vf-bind
bind_vf1 ctrl
[ -z "$vf_ctrl" ] || [ -e "/sys/class/nvme/$vf_ctrl/device/physfn" ] ||
	why "/sys/class/nvme/$vf_ctrl/device/physfn missing"
done_check
VF=/dev/${vf_ctrl:-nvme1}

for c in info query-size force; do
	check "vf-own-$c"
	case $c in
	info) run "vf-own-$c" $PROG info "$VF" --verbose ;;
	query-size) run "vf-own-$c" $PROG query-size "$VF" --vf=1 --verbose ;;
	force) run "vf-own-$c" $PROG suspend "$VF" --vf=1 --force --verbose ;;
	esac
	need_rc 3
	need_has "a VF's own controller"
	need_has "name the PF instead: $PF"
	[ -z "$(sent_opcodes)" ] || why "sent $(sent_opcodes)to the VF"
	done_check
done

check autodetect
run autodetect $PROG info
need_rc 3
need_has "$PF (no Intel live migration)"
need_not "$VF"
done_check

# --- every state size the driver can move ---------------------------------------------------------
# The admin queue takes at most 127 segments (NVME_MAX_SEGS in Linux 6.1), and this controller's
# MDTS (run.sh: mdts=10, 9 on QEMU 8+) allows 4 MiB (2 MiB): the largest, XFER_MAX, comes on
# the kernel command line. Huge pages are reserved first, as a host does at boot; then memory is
# fragmented (48 MiB mapped, every other page by physical address unmapped, each between two
# held ones, and the rest held), so an ordinary buffer above 127 pages no longer fits in 127
# segments. LOAD_DATA of 512 KiB and of XFER_MAX must
# then reach the controller (0x4001) or be refused before anything is sent, with the reason;
# the kernel must never refuse the transfer (a bare EINVAL).
XFER_MAX=$(sed -n 's/.*ktest\.xfer_max=\([0-9]*\).*/\1/p' /proc/cmdline)
XFER_MAX=${XFER_MAX:-4194304}
XFER_OPTS="--vf=1 --raw --force --max-state-size=4M --verbose"
HUGE=/proc/sys/vm/nr_hugepages
THP=/sys/kernel/mm/transparent_hugepage/enabled

# xfer_load NAME SIZE: load SIZE bytes of raw state into VF 1; never an EINVAL from the kernel.
xfer_load() {
	# shellcheck disable=SC2086
	run "$1" $PROG load $PF $XFER_OPTS -i "/tmp/xfer-$2"
	need_not "EINVAL"
	need_not "Invalid argument"
}

# The controller saw LOAD_DATA and answered Invalid Command Opcode.
need_reached() {
	need_rc 4
	need_sent_4001 0xd5
}

# Refused before LOAD_DATA, saying why: the kernel's 127 segments, for want of huge pages.
need_refused_segments() {
	need_rc 3
	need_has "127"
	need_has "huge pages"
	need_only_identify
}

check xfer-setup
echo 4 >$HUGE || why "cannot reserve huge pages in $HUGE"
[ "$(cat $HUGE)" = 4 ] || why "$HUGE is $(cat $HUGE), expected 4"
echo never >$THP || why "cannot write $THP"
echo "KLOG THP: $(cat $THP); huge pages: $(cat $HUGE)"
echo "KLOG largest transfer checked: $XFER_MAX bytes"
for s in 520192 524288 "$XFER_MAX"; do
	head -c "$s" /dev/urandom >"/tmp/xfer-$s" || why "cannot write /tmp/xfer-$s"
done
ktest-frag hold 48 >/tmp/frag.out 2>&1 &
frag_pid=$!
i=0
while ! grep -q '^ready' /tmp/frag.out && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
grep -q '^ready' /tmp/frag.out || why "ktest-frag hold 48: $(cat /tmp/frag.out)"
echo "KLOG ktest-frag: $(cat /tmp/frag.out)"
# The premise: an ordinary 512 KiB buffer now needs more segments than the kernel takes. A
# buffer that drew two neighbouring pages (from memory not fragmented here) is kept and
# another one tried, up to 8 (ktest-frag segments); the tries are logged.
run xfer-premise ktest-frag segments 512
echo "KLOG xfer-premise: $OUT"
segs=$(printf '%s\n' "$OUT" | sed -n 's/^segments \([0-9]*\) .*/\1/p')
[ "${segs:-0}" -gt 127 ] ||
	why "a 512 KiB buffer needs ${segs:-?} segments after fragmenting: memory is not fragmented ($OUT)"
done_check

# The rule itself, against the kernel: a buffer of 127 pages that are nowhere neighbours
# reaches the controller, one of 128 the kernel refuses (EINVAL), and the library, counting
# the same segments, refuses it before the ioctl (EMSGSIZE).
check xfer-segments-127
run xfer-segments-127 ktest-frag xfer $PF 127
[ "$OUT" = "segments 127 library 0x4001 kernel 0x4001" ] ||
	why "expected 'segments 127 library 0x4001 kernel 0x4001'"
done_check

# Linux 6.1's driver takes 127 segments on the admin queue; later ones (Debian 13's 6.12) may
# take more: there the library's 127 is conservative (it refuses what the kernel would send),
# never the other way round.
check xfer-segments-128
run xfer-segments-128 ktest-frag xfer $PF 128
case $(uname -r) in
6.1.*)	[ "$OUT" = "segments 128 library EMSGSIZE kernel EINVAL" ] ||
		why "expected 'segments 128 library EMSGSIZE kernel EINVAL'" ;;
*)	case $OUT in
	"segments 128 library EMSGSIZE kernel EINVAL" | \
	"segments 128 library EMSGSIZE kernel 0x4001")
		echo "KLOG xfer-segments-128 on $(uname -r): $OUT" ;;
	*)	why "expected the library to refuse 128 segments (EMSGSIZE), and the kernel to refuse them (EINVAL) or send them (0x4001)" ;;
	esac ;;
esac
done_check

# 1. Huge pages reserved (THP off): both sizes reach the controller.
check xfer-hugetlb-512k
xfer_load xfer-hugetlb-512k 524288
need_reached
done_check

check xfer-hugetlb-max
xfer_load xfer-hugetlb-max "$XFER_MAX"
need_reached
done_check

# 2. No huge pages at all: 127 pages still pass; above that, refused with the reason, and info
# shows that limit.
echo 0 >$HUGE || true
check xfer-plain-508k
[ "$(cat $HUGE)" = 0 ] || why "$HUGE is $(cat $HUGE), expected 0"
xfer_load xfer-plain-508k 520192
need_reached
done_check

check xfer-plain-512k
xfer_load xfer-plain-512k 524288
need_refused_segments
done_check

check xfer-plain-max
xfer_load xfer-plain-max "$XFER_MAX"
need_refused_segments
done_check

check xfer-plain-info
run xfer-plain-info $PROG info $PF --max-state-size=4M
need_rc 0
need_has "largest state  : 520192 bytes"
need_has "127"
done_check

# 3. Transparent huge pages (madvise), no reserved ones: each size reaches the controller, or
# is refused before LOAD_DATA when no huge page could be had.
echo madvise >$THP || true
for s in 524288:512k "$XFER_MAX:max"; do
	check "xfer-thp-${s#*:}"
	grep -q '\[madvise\]' $THP || why "THP is not madvise: $(cat $THP)"
	xfer_load "xfer-thp-${s#*:}" "${s%:*}"
	if [ "$RC" -eq 3 ]; then
		echo "KLOG xfer-thp-${s#*:}: refused before sending"
		need_has "huge page"
		need_only_identify
	else
		need_reached
	fi
	done_check
done
echo never >$THP || true
kill "$frag_pid" 2>/dev/null
wait "$frag_pid" 2>/dev/null
rm -f /tmp/xfer-*

# --- the controller survived ------------------------------------------------------------------------
check pf-healthy
run pf-healthy nvme id-ctrl $PF
need_rc 0
log=$(dmesg | grep -iE 'nvme.*(timeout|reset|abort)|call trace|BUG:|WARNING:')
[ -z "$log" ] || why "kernel log: $(echo "$log" | tr '\n' ' ')"
done_check

finish
