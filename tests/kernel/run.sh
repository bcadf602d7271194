#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The kernel test: boot Debian's stock kernel under QEMU (TCG) and run nvme-intel-lm (and the
# nvme-cli build of the plugin) inside the guest against the real nvme driver. Five boots:
#
#   stock          Debian's QEMU, whose NVMe controller has SR-IOV but no Intel commands
#                  (guest/checks.sh)
#   model          QEMU 7.2 with the device model of Intel's commands (qemu/intel-lm.patch,
#                  built once by qemu/build.sh and cached) (guest/model.sh)
#   model-big      the same, every state padded to the largest the kernel moves (model-big.sh)
#   model-timeout  the same, SAVE_DATA slower than --timeout and than the kernel's admin
#                  timeout (model-timeout.sh)
#   model-tp4159   the same QEMU with NVMe TP4159 Migration Send/Receive only (lm-tp4159=on),
#                  every state above one transfer: raw commands, then intel-lm; a second
#                  PF with Intel's commands only (model-tp4159.sh)
#
# It reads the results from the serial consoles, prints them and ends with
# "kernel: N passed, N failed, N skipped". qemu/build.sh builds the model when none is cached on
# Debian 12; where it cannot (Debian's QEMU is not 7.2 and no build of the patch is cached) each
# model boot is reported as "not run: <reason>" and counted as one skipped check (its checks
# cannot be counted without booting it), never as passed; so is a guest check that reports
# "KTEST notrun" (guest/lib.sh). A skip fails CI (.ci/run).
#
# Usage: tests/kernel/run.sh BUILD_DIR
#
# Exits 0 only when every check passed. Anything that stops a boot from running (no kernel, no
# QEMU, a guest that never reports or never finishes, a timeout) is a failure, never a skip.
#
# Environment:
#   KTEST_TIMEOUT          seconds each guest run may take (default 420)
#   KTEST_BOOTS            the boots to run (default "stock model model-big model-timeout
#                          model-tp4159")
#   INTEL_LM_KERNEL_CACHE  passed on to prepare.sh and qemu/build.sh
#   INTEL_LM_MODEL_QEMU    a patched qemu-system-x86_64 to use instead of qemu/build.sh's
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
timeout_s=${KTEST_TIMEOUT:-420}
boots=${KTEST_BOOTS:-stock model model-big model-timeout model-tp4159}

# Cannot run at all: say why, count it as one failure.
fail_hard() {
	echo "kernel: error: $*" >&2
	echo "FAIL kernel-test: $*"
	echo "kernel: 0 passed, 1 failed, 0 skipped"
	exit 1
}

[ $# -eq 1 ] || fail_hard "usage: $0 BUILD_DIR"
[ -d "$1" ] || fail_hard "no build directory '$1'"
build=$(cd "$1" && pwd)
out=$build/tests/kernel/ktest
mkdir -p "$out" || fail_hard "cannot create $out"
start=$(date +%s)

"$here/prepare.sh" "$build" "$out" || fail_hard "prepare.sh failed (see above)"
# shellcheck source=/dev/null
. "$out/ktest.env"
[ -f "$KTEST_KERNEL" ] || fail_hard "no kernel at $KTEST_KERNEL"
[ -f "$KTEST_INITRD" ] || fail_hard "no initramfs at $KTEST_INITRD"
[ -f "$KTEST_INITRD_DISK" ] || fail_hard "no initramfs at $KTEST_INITRD_DISK"
command -v qemu-system-x86_64 >/dev/null 2>&1 || fail_hard "qemu-system-x86_64 not found"
command -v python3 >/dev/null 2>&1 || fail_hard "python3 not found (needed to read the results)"

# Arguments for the Python reader: per boot "NAME|CONSOLE|QEMU LOG|QEMU STATUS|SECONDS", or
# "notrun|NAME|REASON" for one that cannot run here.
reports=()
boot_extra=()

# boot NAME QEMU MDTS CONTROLLER-PROPERTIES NAMESPACE-PROPERTIES KERNEL-ARGS [disk]: boot the
# guest once; the console is NAME.console.log, QEMU's own output NAME.qemu.log. With "disk", the
# guest also gets a scratch disk outside the PF under test: a 32 MiB ext4 image (made here, as
# the guest has no mkfs) on virtio-blk, its /dev/vda, and the initramfs with its modules.
#
# TCG only: KVM on these machines is paravirtual and hangs the guest. The controller is the one
# FACTS.md describes: SR-IOV with 2 VFs, 4 flexible queues and 2 flexible interrupts to share,
# with MDTS 10 (4 MiB, the Linux driver's own cap; 9 on QEMU 8+) instead of QEMU's 7, so that
# the transfer checks reach the largest state the kernel can move.
boot() {
	local name=$1 qemu=$2 mdts=$3 props=$4 nsprops=$5 args=$6 disk=${7:-} t0 qrc=0
	local log=$out/$name.console.log qlog=$out/$name.qemu.log
	rm -f "$log" "$qlog"
	rm -f "$out/ns.img" "$out/disk.img"
	truncate -s 64M "$out/ns.img" || fail_hard "cannot create $out/ns.img"
	local diskdev=() initrd=$KTEST_INITRD
	if [ -n "$disk" ]; then
		initrd=$KTEST_INITRD_DISK
		truncate -s 32M "$out/disk.img" || fail_hard "cannot create $out/disk.img"
		PATH=$PATH:/usr/sbin:/sbin mkfs.ext4 -q -F "$out/disk.img" ||
			fail_hard "mkfs.ext4 of $out/disk.img failed"
		# shellcheck disable=SC2054  # the commas are QEMU's
		diskdev=(-drive "file=$out/disk.img,if=none,id=disk,format=raw"
			-device virtio-blk-pci,drive=disk)
	fi
	# shellcheck disable=SC2054  # the commas are QEMU's
	local cmd=("$qemu" -L /usr/share/qemu -L /usr/share/seabios
		-accel tcg -M q35 -m 512 -smp 1 -nodefaults -display none
		-no-reboot -serial "file:$log"
		-kernel "$KTEST_KERNEL" -initrd "$initrd"
		-append "console=ttyS0 quiet panic=-1 ktest.xfer_max=$((4096 << mdts)) $args"
		-device pcie-root-port,id=rp0,chassis=1
		-device nvme-subsys,id=subsys0,nqn=subsys0
		-device "nvme,id=nvme0,serial=deadbeef,subsys=subsys0,bus=rp0,mdts=$mdts,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2$props"
		-drive "file=$out/ns.img,if=none,id=nvm,format=raw"
		-device "nvme-ns,drive=nvm,bus=nvme0,nsid=1$nsprops" "${diskdev[@]}" "${boot_extra[@]}")
	echo "kernel: booting $KTEST_KPKG under $qemu (TCG): $name, console in $log"
	t0=$(date +%s)
	timeout -k 10 "$timeout_s" "${cmd[@]}" </dev/null >"$qlog" 2>&1 || qrc=$?
	[ -f "$log" ] || : >"$log"
	reports+=("$name|$log|$qlog|$qrc|$(($(date +%s) - t0))")
}

for b in $boots; do
	case $b in
	stock)
		# QEMU 8 and later refuse an MDTS whose pages exceed IOV_MAX (1024): MDTS 9 (2 MiB)
		# there. The guest learns the largest transfer to check from its command line.
		mdts=10
		qver=$(qemu-system-x86_64 --version |
		       sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p')
		[ "${qver:-0}" -ge 8 ] && mdts=9
		echo "kernel: Debian's QEMU ${qver:-?}, controller MDTS $mdts ($((4096 << mdts)) bytes)"
		boot stock "$(command -v qemu-system-x86_64)" "$mdts" "" "" "ktest.checks=checks.sh" ;;
	model | model-big | model-timeout | model-tp4159)
		if [ -z "${model_qemu:-}" ] && [ -z "${model_notrun:-}" ]; then
			if [ -n "${INTEL_LM_MODEL_QEMU:-}" ]; then
				model_qemu=$INTEL_LM_MODEL_QEMU
			else
				t0=$(date +%s)
				brc=0
				bout=$("$here/qemu/build.sh" "$build") || brc=$?
				echo "kernel: qemu/build.sh took $(($(date +%s) - t0)) s"
				case $brc in
				0) model_qemu=$(printf '%s\n' "$bout" | tail -n1) ;;
				2) model_notrun=$(printf '%s\n' "$bout" | tail -n1) ;;
				*) model_qemu=/nonexistent/qemu-build-failed ;;
				esac
			fi
		fi
		if [ -n "${model_notrun:-}" ]; then
			reports+=("notrun|$b|the device model: $model_notrun")
			continue
		fi
		# RESUME is delayed in the first model boot (model.sh measures it, and a VF's I/O
		# waits it out); every state is padded to 4 MiB (4194304 - 604 bytes: a VF never
		# enabled) in the second; SAVE_DATA takes 10 s in the third, whose kernel times
		# out admin commands after 5 s. The second also has TP4159's commands (both
		# protocols on one PF). The fourth has TP4159's only, on QEMU's own vendor ID, with
		# MDTS 7 (512 KiB) and every state padded to above 1 MiB, so that a state moves in
		# several commands; it has a second PF too, with Intel's commands only (serial
		# intel-only, on its own root port and subsystem, QEMU's defaults otherwise), for
		# states saved over one protocol and loaded over the other.
		props=,use-intel-id=on,intel-lm=on
		args=
		mdts=10
		case $b in
		model) props+=,intel-lm.delay-resume=1500 ;;
		model-big) props+=,intel-lm.pad=$((4194304 - 604)),lm-tp4159=on ;;
		model-timeout) props+=,intel-lm.delay-save=10000 args=ktest.admin_timeout=5 ;;
		model-tp4159) props=,lm-tp4159=on,intel-lm.pad=1048576 mdts=7 ;;
		esac
		# The namespace is shared, so that QEMU attaches it to the VFs too. The model boot's
		# in-use round trip also keeps the state and the record on a scratch disk.
		disk=
		[ "$b" != model ] || disk=disk
		boot_extra=()
		# shellcheck disable=SC2054  # the commas are QEMU's
		[ "$b" != model-tp4159 ] || boot_extra=(-device pcie-root-port,id=rp1,chassis=2
			-device nvme-subsys,id=subsys1,nqn=subsys1
			-device "nvme,id=nvme1,serial=intel-only,subsys=subsys1,bus=rp1,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,use-intel-id=on,intel-lm=on")
		boot "$b" "$model_qemu" "$mdts" "$props" ,shared=on "ktest.checks=$b.sh $args" "$disk" ;;
	*) fail_hard "unknown boot '$b' in KTEST_BOOTS" ;;
	esac
done

# The results (and the JSON checks) are read in Python; a crash there still ends in a count.
rc=0
python3 - "$timeout_s" "$(( $(date +%s) - start ))" "${reports[@]}" <<'PY' |
import json, re, sys

limit, took = sys.argv[1], sys.argv[2]

results = []           # (ok, name, why, boot, index of the line, or None for a host-side check)
notrun = []            # (name, why)
hard = []              # (boot, why, console lines)
consoles = {}

# --- host-side checks of the JSON the guest printed (stock boot) -------------------------------
INFO_KEYS = ['device', 'live_migration', 'reason', 'lm_byte', 'vendor_id', 'subsystem_vendor_id',
             'model', 'serial', 'firmware', 'controller_id', 'mdts', 'max_state_size', 'vfs',
             'success']
VF_KEYS = ['vf', 'secondary_controller_id', 'online', 'vq', 'vi', 'pci_address']

json_of = {}

def json_check(jsons, boot, name, key, test):
    json_of[name] = (jsons, key)
    if key not in jsons:
        results.append((False, name, 'the guest printed no KJSON ' + key, boot, None))
        return
    why = []
    try:
        obj = json.loads(jsons[key])
        test(obj, why)
    except (ValueError, KeyError, TypeError, IndexError) as e:
        why.append('%s: %s' % (type(e).__name__, e))
    results.append((not why, name, '; '.join(why), boot, None))

def expect(why, what, got, want):
    if got != want:
        why.append('%s is %r, expected %r' % (what, got, want))

def info_common(o, why):
    for k in INFO_KEYS:
        if k not in o:
            why.append('no key ' + k)
    expect(why, 'device', o['device'], '/dev/nvme0')
    expect(why, 'live_migration', o['live_migration'], False)
    if 'not Intel' not in o['reason']:
        why.append('reason %r does not say "not Intel"' % o['reason'])
    expect(why, 'lm_byte', o['lm_byte'], 0)
    expect(why, 'vendor_id', o['vendor_id'], 0x1b36)
    expect(why, 'serial', o['serial'], 'deadbeef')
    expect(why, 'success', o['success'], True)
    expect(why, 'VF numbers', [v['vf'] for v in o['vfs']], [1, 2])
    for v in o['vfs']:
        for k in VF_KEYS:
            if k not in v:
                why.append('VF %s has no key %s' % (v.get('vf'), k))

def info_offline(o, why):
    info_common(o, why)
    for v in o['vfs']:
        expect(why, 'VF %d online' % v['vf'], v['online'], False)
        expect(why, 'VF %d pci_address' % v['vf'], v['pci_address'], None)

def info_online(o, why):
    info_common(o, why)
    for v in o['vfs']:
        expect(why, 'VF %d online' % v['vf'], v['online'], True)
        expect(why, 'VF %d vq' % v['vf'], v['vq'], 2)
        expect(why, 'VF %d vi' % v['vf'], v['vi'], 1)
        if not re.fullmatch(r'[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]', v['pci_address'] or ''):
            why.append('VF %d pci_address %r' % (v['vf'], v['pci_address']))

def refuse(o, why):
    expect(why, 'success', o.get('success'), False)

# --- each boot ------------------------------------------------------------------------------------
boots = []
for arg in sys.argv[3:]:
    f = arg.split('|', 4)
    if f[0] == 'notrun':
        notrun.append((f[1], f[2]))
        continue
    boot, log_path, qlog_path, qrc, secs = f[0], f[1], f[2], int(f[3]), f[4]
    boots.append('%s %s s' % (boot, secs))
    lines = open(log_path, 'rb').read().decode('utf-8', 'replace').replace('\r', '').split('\n')
    consoles[boot] = lines
    jsons = {}
    booted = end = None
    count = 0
    for i, line in enumerate(lines):
        m = re.search(r'KTEST (ok|fail|notrun) ([^\s:]+)(?::\s?(.*))?$', line)
        if m:
            count += 1
            if m.group(1) == 'notrun':
                notrun.append((m.group(2), m.group(3) or ''))
            else:
                results.append((m.group(1) == 'ok', m.group(2), m.group(3) or '', boot, i))
            continue
        m = re.search(r'KTEST end (\d+)', line)
        if m:
            end = int(m.group(1))
            continue
        if re.search(r'KTEST boot ', line):
            booted = line[line.index('KTEST boot ') + 11:]
            continue
        m = re.search(r'KJSON (\S+) (.*)$', line)
        if m:
            jsons[m.group(1)] = m.group(2)

    if booted is not None and boot == 'stock':
        json_check(jsons, boot, 'json-info-offline', 'info-offline', info_offline)
        json_check(jsons, boot, 'json-info-online', 'info-online', info_online)
        json_check(jsons, boot, 'json-refuse', 'refuse', refuse)

    # could the guest report at all?
    h = []
    if qrc == 124 or qrc == 137:
        h.append('timed out after %s s (QEMU killed)' % limit)
    elif qrc != 0:
        h.append('QEMU exited with status %d: %s' % (qrc, open(qlog_path).read()[:2000].strip()))
    if booted is None:
        h.append('the guest never reported (no "KTEST boot" on the console)')
    elif end is None:
        h.append('the guest did not finish (no "KTEST end" on the console)')
    elif end != count:
        h.append('the guest reported %d results but %d reached the console' % (end, count))
    if not count and not h:
        h.append('no results')
    if h:
        hard.append((boot, '; '.join(h), log_path, lines))
    if booted:
        print('kernel: %s: guest kernel %s' % (boot, booted))

passed = failed = 0
prev = {}
for ok, name, why, boot, at in results:
    if ok:
        passed += 1
        print('ok   ' + name)
    else:
        failed += 1
        print('FAIL %s: %s' % (name, why))
        if at is None and name in json_of:
            j, k = json_of[name]
            print('       JSON: ' + j.get(k, '(none)')[:3000])
        # what the guest ran for this check: the lines since the previous result
        for l in (consoles[boot][prev.get(boot, 0):at] if at is not None else []):
            m = re.search(r'K(CMD|OUT|RC|LOG) ', l)
            if m:
                print('       ' + l[m.start():])
    if at is not None:
        prev[boot] = at + 1
for boot, why, log_path, lines in hard:
    # the boot could not run (to its end): one failure, whatever the number of reasons
    failed += 1
    print('FAIL kernel-test-%s: %s' % (boot, why))
    print('  last console lines (%s):' % log_path)
    print('\n'.join('  | ' + l for l in lines[-25:]))
for name, why in notrun:
    print('kernel: not run: %s: %s' % (name, why))
print('kernel: %s%s s in all' % (', '.join(boots) + '; ' if boots else '', took))
if notrun:
    print('kernel: %d not run: counted as skipped, never as passed (a whole boot counts one)'
          % len(notrun))
print('kernel: %d passed, %d failed, %d skipped' % (passed, failed, len(notrun)))
sys.exit(1 if failed else 0)
PY
	tee "$out/results.txt" || rc=$?
grep -Eq '^kernel: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$out/results.txt" ||
	fail_hard "could not read the results of $out/*.console.log"
exit "$rc"
