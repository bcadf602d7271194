# SPDX-License-Identifier: GPL-2.0-or-later
#
# The kernel suite's guest library (busybox ash), sourced by every guest script (checks.sh,
# model.sh, model-big.sh, model-timeout.sh, model-tp4159.sh). Reports on the console, one line each:
#
#   KTEST ok NAME
#   KTEST fail NAME: WHY
#   KTEST notrun NAME: WHY     (could not run here: counted as skipped, never as passed)
#   KTEST end COUNT            (COUNT = results reported; run.sh checks it saw them all)
#
# and, for diagnosis, every command run (KCMD), its standard output (KOUT NAME 1|) and error
# (KOUT NAME 2|), its exit status (KRC), notes (KLOG) and JSON outputs for the host (KJSON NAME).
#
# Deliberately not "set -e": a failing check must not stop the others.
# shellcheck shell=sh

# shellcheck disable=SC2034  # used by the scripts that source this
PROG=nvme-intel-lm
PF=/dev/nvme0
CMD_TIMEOUT=60
results=0
VF_VQ=2
VF_VI=1

# kparam NAME: the value of ktest.NAME= on the kernel command line (run.sh sets them).
kparam() {
	tr ' ' '\n' </proc/cmdline | sed -n "s/^ktest\.$1=//p" | head -n1
}

# --- reporting ---------------------------------------------------------------------------------
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
notrun() {
	_n=$1
	shift
	echo "KTEST notrun $_n: $*" | tr '\n' ' '
	echo
	results=$((results + 1))
}

# check NAME: start collecting conditions; done_check reports ok, or fail with every reason.
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

# run NAME CMD...: run with a time limit; sets OUT (stdout), ERR (stderr), ALL (both), RC.
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

# runsh NAME 'SHELL PIPELINE': the same for a pipeline (RC is the pipeline's last status).
runsh() {
	run "$1" sh -c "$2"
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
need_not() {
	! has "$1" || why "output has '$1'"
}

# The commands --verbose reports sending ("sent to DEV: NAME opcode=0xNN ..."), as "0xNN ...".
sent_opcodes() {
	printf '%s\n' "$ALL" | sed -n 's/^sent to [^ ]*: [A-Z_]*[^=]* opcode=\(0x[0-9a-f]*\) .*/\1/p' |
		tr '\n' ' '
}

# Only Identify (0x06), at least once.
need_only_identify() {
	_ops=$(sent_opcodes)
	[ -n "$_ops" ] || why "--verbose showed no command sent (expected Identify)"
	for _o in $_ops; do
		[ "$_o" = 0x06 ] || why "sent opcode $_o: expected nothing but Identify (0x06)"
	done
}

# need_sent_ok OPCODE...: --verbose shows each opcode sent to the PF and completed with 0x0000.
need_sent_ok() {
	for _o in "$@"; do
		printf '%s\n' "$ALL" | grep -q "^sent to $PF: [A-Z_]*[^=]* opcode=$_o .*-> status 0x0000" ||
			why "--verbose shows no opcode $_o that succeeded"
	done
}

# need_status VF STATE: the output of "status" shows the VF in that state.
need_status() {
	_st=$(printf '%s\n' "$OUT" | sed -n "s/^ *VF $1  *\([a-z]*\).*/\1/p" | head -n1)
	[ "$_st" = "$2" ] || why "status shows VF $1 as '${_st:-nothing}', expected $2"
}

# The kernel logged nothing bad about nvme since the last call (or since dmesg_mark was set).
dmesg_mark=0
need_quiet_kernel() {
	_l=$(dmesg | tail -n +"$((dmesg_mark + 1))" |
	     grep -iE 'nvme.*(timeout|reset|abort|I/O error)|call trace|BUG:|WARNING:')
	[ -z "$_l" ] || why "kernel log: $(echo "$_l" | tr '\n' ' ')"
	dmesg_mark=$(dmesg | wc -l)
}
# new_dmesg: the kernel's lines since dmesg_mark (which it does not move).
new_dmesg() {
	dmesg | tail -n +"$((dmesg_mark + 1))"
}

# --- boot: modules, the PF ----------------------------------------------------------------------
# load_modules [nvme-core parameters...]: insmod in modules.dep order (prepare.sh's list).
load_modules() {
	check modules
	while read -r _m; do
		case $_m in
		*/nvme-core.ko) insmod "$_m" "$@" ;;
		*) insmod "$_m" ;;
		esac || why "insmod $_m failed"
	done </ktest/modules
	done_check
}

# wait_pf: wait up to 30 s for $PF; sets pf_pci, pf_sys, pf_cntlid. Fails (1) without it.
wait_pf() {
	_i=0
	while [ ! -c $PF ] && [ $_i -lt 150 ]; do
		sleep 0.2
		_i=$((_i + 1))
	done
	[ -c $PF ] || return 1
	pf_pci=$(cat "/sys/class/nvme/${PF#/dev/}/address" 2>/dev/null)
	pf_sys=/sys/bus/pci/devices/$pf_pci
	pf_cntlid=$(nvme id-ctrl $PF 2>/dev/null | awk '$1 == "cntlid" { print $NF }')
	pf_cntlid=$((${pf_cntlid:-0}))
	return 0
}

# From Debian's 'nvme list-secondary' (nvme-cli 2.3 normal output), for primary controller $1:
# "VF:SCID:ONLINE:VQ:VI" words.
cli_vf_table() {
	nvme list-secondary "$PF" 2>/dev/null | awk -v pcid="$1" '
		function hex(s,    n, i) {
			s = tolower(s); sub(/^0x/, "", s); n = 0
			for (i = 1; i <= length(s); i++)
				n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return n
		}
		/^ *SCID / { scid = hex($NF) }
		/^ *PCID / { p = hex($NF) }
		/^ *SCS /  { scs = hex($(NF - 1)) % 2 }
		/^ *VFN /  { vfn = hex($NF) }
		/^ *NVQ /  { nvq = hex($NF) }
		/^ *NVI /  { if (p == pcid) e[vfn] = vfn ":" scid ":" scs ":" nvq ":" hex($NF) }
		END { for (v = 1; v <= 65535; v++) if (v in e) printf "%s ", e[v] }'
}

# vf_step NAME CMD...: one step of the VF setup; a failure is a reason of the current check.
vf_step() {
	_s=$1
	shift
	run "vf-setup-$_s" "$@"
	[ "$RC" -eq 0 ] || why "step $_s ($*) failed with status $RC: $(echo "$ALL" | tr '\n' ' ')"
}

# vf_setup: bring the VFs online (QEMU's Virtualization Management flow). Take the flexible
# resources from the primary controller, reset the PF so that it lets them go, enable the VFs
# (not probed automatically: offline VFs cannot start), give each VF two queues and one
# interrupt, and set it online. Reasons go to the current check. Sets vf1_scid.
vf_setup() {
	echo 0 >"$pf_sys/sriov_drivers_autoprobe" || why "cannot clear sriov_drivers_autoprobe"
	vf_step pri-vq nvme virt-mgmt $PF --cntlid="$pf_cntlid" --rt=0 --act=1 --nr=0
	vf_step pri-vi nvme virt-mgmt $PF --cntlid="$pf_cntlid" --rt=1 --act=1 --nr=0
	echo 1 >"$pf_sys/reset" || why "PF reset through $pf_sys/reset failed"
	vf_step id-after-reset nvme id-ctrl $PF
	echo 2 >"$pf_sys/sriov_numvfs" || why "writing 2 to sriov_numvfs failed"
	vf_online
}

# vf_online: give each VF its resources and set it online (also after a PF reset took them).
vf_online() {
	vf1_scid=
	for _e in $(cli_vf_table "$pf_cntlid"); do
		_scid=${_e#*:}
		_scid=${_scid%%:*}
		[ -n "$vf1_scid" ] || vf1_scid=$_scid
		vf_step "vq-$_scid" nvme virt-mgmt $PF --cntlid="$_scid" --rt=0 --act=8 --nr=$VF_VQ
		vf_step "vi-$_scid" nvme virt-mgmt $PF --cntlid="$_scid" --rt=1 --act=8 --nr=$VF_VI
		vf_step "online-$_scid" nvme virt-mgmt $PF --cntlid="$_scid" --rt=0 --act=9 --nr=0
	done
	[ -n "$vf1_scid" ] || why "nvme list-secondary lists no VF"
}

# bind_vf1 ctrl|ns: bind VF 1 (virtfn0) to nvme; sets vf1_pci, vf_ctrl (nvmeN) and VFNS (its
# namespace's block device). Waits for the controller, and with "ns" for the namespace too.
bind_vf1() {
	vf1_pci=$(basename "$(readlink "$pf_sys/virtfn0")")
	echo nvme >"/sys/bus/pci/devices/$vf1_pci/driver_override" || why "cannot set driver_override"
	echo "$vf1_pci" >/sys/bus/pci/drivers/nvme/bind || why "binding $vf1_pci to nvme failed"
	vf_ctrl=
	_i=0
	while [ $_i -lt 100 ]; do
		for _d in /sys/bus/pci/devices/"$vf1_pci"/nvme/nvme*; do
			[ -e "$_d" ] && vf_ctrl=${_d##*/}
		done
		if [ -n "$vf_ctrl" ] && [ -c "/dev/$vf_ctrl" ]; then
			[ "$1" != ns ] || [ -b "/dev/${vf_ctrl}n1" ] && break
		fi
		sleep 0.2
		_i=$((_i + 1))
	done
	[ -n "$vf_ctrl" ] || why "no controller appeared for VF 1 ($vf1_pci) within 20 s"
	VFNS=/dev/${vf_ctrl:-nvme1}n1
	[ "$1" != ns ] || [ -b "$VFNS" ] || why "no namespace $VFNS on VF 1"
	echo "KLOG VF 1 is /dev/${vf_ctrl:-?} at $vf1_pci"
}

# --- VF 1's I/O while its state moves --------------------------------------------------------
# write_suspended N SEEK: a write of 1 MiB of /tmp/patternN to VF 1's namespace at 64 KiB block
# SEEK, submitted while VF 1 is suspended, in the background (its status in /tmp/ddN.rc, its
# errors in /tmp/ddN.err); given 2 s to finish, which it must not.
write_suspended() {
	head -c 1048576 /dev/urandom >/tmp/pattern$1
	( dd if=/tmp/pattern$1 of="$VFNS" bs=64k seek=$2 conv=fsync 2>/tmp/dd$1.err
	  echo $? >/tmp/dd$1.rc ) &
	dd_pid=$!
	sleep 2
	[ ! -e /tmp/dd$1.rc ] ||
		why "the write finished while VF 1 was suspended (status $(cat /tmp/dd$1.rc))"
}

# await_write N: write_suspended's write N completes, without error, within 30 s of RESUME.
await_write() {
	i=0
	while [ ! -e /tmp/dd$1.rc ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e /tmp/dd$1.rc ] || why "the write did not finish within 30 s of RESUME"
	[ "$(cat /tmp/dd$1.rc 2>/dev/null)" = 0 ] || why "the write failed: $(cat /tmp/dd$1.err 2>/dev/null)"
	wait "$dd_pid" 2>/dev/null
}

# need_reads_back FILE SEEK WHAT: FILE, read back from VF 1's namespace at 64 KiB block SEEK
# (the page cache dropped first), is identical; else WHAT "reads back differently".
need_reads_back() {
	echo 3 >/proc/sys/vm/drop_caches
	dd if="$VFNS" of=/tmp/back bs=64k skip="$2" count=$(($(wc -c <"$1") / 65536)) 2>/dev/null
	cmp -s "$1" /tmp/back || why "$3 reads back differently"
}

# writer_start FIRST: a writer in the background writes 64 KiB chunks of fresh random data to VF
# 1's namespace one after the other, from 64 KiB block FIRST on (each fsynced, each chunk once,
# at most 800), until writer_check stops it, and keeps their MD5 sums. Returns after its first
# 20 writes (or 10 s).
writer_start() {
	im_first=$1
	rm -f /tmp/im.stop /tmp/im.count /tmp/im.rc /tmp/im.err /tmp/im.sums
	(
		n=0
		rc=0
		while [ ! -e /tmp/im.stop ] && [ $n -lt 800 ]; do
			head -c 65536 /dev/urandom >/tmp/im.chunk
			dd if=/tmp/im.chunk of="$VFNS" bs=64k seek=$((im_first + n)) count=1 \
				conv=fsync 2>/tmp/im.err || { rc=1; break; }
			md5sum </tmp/im.chunk | cut -d' ' -f1 >>/tmp/im.sums
			n=$((n + 1))
			echo $n >/tmp/im.count
		done
		echo $rc >/tmp/im.rc
	) &
	writer=$!
	i=0
	while [ "$(im_count)" -lt 20 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# im_count: the writes the writer has done so far.
im_count() {
	cat /tmp/im.count 2>/dev/null || echo 0
}

# writer_check WHAT: the writer makes 20 more writes (within 30 s) after WHAT, then stops; no
# write failed, and every chunk it wrote reads back by its sum. Reasons go to the current check.
writer_check() {
	n1=$(im_count)
	i=0
	while [ "$(im_count)" -lt $((n1 + 20)) ] && [ ! -e /tmp/im.rc ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	n2=$(im_count)
	touch /tmp/im.stop
	i=0
	while [ ! -e /tmp/im.rc ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	wait "$writer" 2>/dev/null
	echo "KLOG writer: $n1 writes before the check, $(im_count) in all"
	[ -e /tmp/im.rc ] || why "the writer did not stop within 30 s"
	[ "$(cat /tmp/im.rc 2>/dev/null)" = 0 ] || why "a write failed: $(cat /tmp/im.err 2>/dev/null)"
	[ "$n2" -gt "$n1" ] || why "the writer made no write after $1 ($n1 writes before)"
	echo 3 >/proc/sys/vm/drop_caches
	k=0
	bad_chunks=
	while read -r sum; do
		got=$(dd if="$VFNS" bs=64k skip=$((im_first + k)) count=1 2>/dev/null | md5sum |
		      cut -d' ' -f1)
		[ "$got" = "$sum" ] || bad_chunks="$bad_chunks $k"
		k=$((k + 1))
	done </tmp/im.sums
	[ "$k" -gt 0 ] || why "the writer kept no sums"
	[ -z "$bad_chunks" ] ||
		why "chunks written during $1 read back wrong (write number):$bad_chunks"
}

# finish: the kernel's nvme lines for diagnosis, then the count run.sh checks.
finish() {
	dmesg | grep -i nvme | sed 's/^/KLOG dmesg: /'
	echo "KTEST end $results"
}
