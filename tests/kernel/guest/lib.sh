# SPDX-License-Identifier: GPL-2.0-or-later
#
# The kernel suite's guest library (busybox ash), sourced by every guest script (checks.sh,
# model.sh, model-big.sh, model-timeout.sh). Reports on the console, one line each:
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
	printf '%s\n' "$ALL" | sed -n 's/^sent to [^ ]*: [A-Z_]* opcode=\(0x[0-9a-f]*\) .*/\1/p' |
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
		printf '%s\n' "$ALL" | grep -q "^sent to $PF: [A-Z_]* opcode=$_o .*-> status 0x0000" ||
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
	pf_pci=$(cat /sys/class/nvme/nvme0/address 2>/dev/null)
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

# finish: the kernel's nvme lines for diagnosis, then the count run.sh checks.
finish() {
	dmesg | grep -i nvme | sed 's/^/KLOG dmesg: /'
	echo "KTEST end $results"
}
