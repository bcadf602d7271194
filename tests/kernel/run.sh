#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The kernel test: boot Debian's stock kernel under QEMU (TCG) with QEMU's emulated NVMe
# controller (SR-IOV, 2 VFs), run nvme-intel-lm inside the guest against the real nvme driver
# (tests/kernel/guest/checks.sh), read the results from the serial console and print them,
# ending with "kernel: N passed, N failed".
#
# Usage: tests/kernel/run.sh BUILD_DIR
#
# Exits 0 only when every check passed. Anything that stops the test from running (no kernel,
# no QEMU, a guest that never reports or never finishes, a timeout) is a failure, never a skip.
#
# Environment:
#   KTEST_TIMEOUT          seconds the whole guest run may take (default 420)
#   INTEL_LM_KERNEL_CACHE  passed on to prepare.sh
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
timeout_s=${KTEST_TIMEOUT:-420}

# Cannot run at all: say why, count it as one failure.
fail_hard() {
	echo "kernel: error: $*" >&2
	echo "FAIL kernel-test: $*"
	echo "kernel: 0 passed, 1 failed"
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
command -v qemu-system-x86_64 >/dev/null 2>&1 || fail_hard "qemu-system-x86_64 not found"
command -v python3 >/dev/null 2>&1 || fail_hard "python3 not found (needed to read the results)"

log=$out/console.log
qlog=$out/qemu.log
rm -f "$log" "$qlog" "$out/ns.img"
truncate -s 64M "$out/ns.img" || fail_hard "cannot create $out/ns.img"

# TCG only: KVM on these machines is paravirtual and hangs the guest. The controller is the one
# FACTS.md describes: SR-IOV with 2 VFs, 4 flexible queues and 2 flexible interrupts to share,
# with MDTS 10 (4 MiB, the Linux driver's own cap; 9 on QEMU 8+) instead of QEMU's 7, so that
# the transfer checks reach the largest state the kernel can move.
# QEMU 8 and later refuse an MDTS whose pages exceed IOV_MAX (1024): MDTS 9 (2 MiB) there. The
# guest learns the largest transfer to check from its command line.
mdts=10
qver=$(qemu-system-x86_64 --version | sed -n 's/^QEMU emulator version \([0-9]*\)\..*/\1/p')
[ "${qver:-0}" -ge 8 ] && mdts=9
xfer_max=$((4096 << mdts))
echo "kernel: QEMU ${qver:-?}, controller MDTS $mdts ($xfer_max bytes)"
# shellcheck disable=SC2054  # the commas are QEMU's
qemu=(qemu-system-x86_64 -accel tcg -M q35 -m 512 -smp 1 -nodefaults -display none
	-no-reboot -serial "file:$log"
	-kernel "$KTEST_KERNEL" -initrd "$KTEST_INITRD"
	-append "console=ttyS0 quiet panic=-1 ktest.xfer_max=$xfer_max"
	-device pcie-root-port,id=rp0,chassis=1
	-device nvme-subsys,id=subsys0,nqn=subsys0
	-device "nvme,id=nvme0,serial=deadbeef,subsys=subsys0,bus=rp0,mdts=$mdts,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2"
	-drive "file=$out/ns.img,if=none,id=nvm,format=raw"
	-device nvme-ns,drive=nvm,bus=nvme0,nsid=1)

echo "kernel: booting $KTEST_KPKG under QEMU (TCG), console in $log"
qrc=0
timeout -k 10 "$timeout_s" "${qemu[@]}" </dev/null >"$qlog" 2>&1 || qrc=$?
[ -f "$log" ] || fail_hard "QEMU wrote no console (exit status $qrc): $(head -c 2000 "$qlog")"

# The results (and the JSON checks) are read in Python; a crash there still ends in a count.
rc=0
python3 - "$log" "$qlog" "$qrc" "$timeout_s" "$(( $(date +%s) - start ))" <<'PY' |
import json, re, sys

log_path, qlog_path, qrc, limit, took = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
lines = open(log_path, 'rb').read().decode('utf-8', 'replace').replace('\r', '').split('\n')

results = []           # (ok, name, why, index of the line, or None for a host-side check)
jsons = {}
booted = end = None
for i, line in enumerate(lines):
    m = re.search(r'KTEST (ok|fail) ([^\s:]+)(?::\s?(.*))?$', line)
    if m:
        results.append((m.group(1) == 'ok', m.group(2), m.group(3) or '', i))
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

guest_count = len(results)

# --- host-side checks of the JSON the guest printed --------------------------------------------
INFO_KEYS = ['device', 'live_migration', 'reason', 'lm_byte', 'vendor_id', 'subsystem_vendor_id',
             'model', 'serial', 'firmware', 'controller_id', 'mdts', 'max_state_size', 'vfs',
             'success']
VF_KEYS = ['vf', 'secondary_controller_id', 'online', 'vq', 'vi', 'pci_address']

json_of = {}

def json_check(name, key, test):
    json_of[name] = key
    if key not in jsons:
        results.append((False, name, 'the guest printed no KJSON ' + key, None))
        return
    why = []
    try:
        obj = json.loads(jsons[key])
        test(obj, why)
    except (ValueError, KeyError, TypeError, IndexError) as e:
        why.append('%s: %s' % (type(e).__name__, e))
    results.append((not why, name, '; '.join(why), None))

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

if booted is not None:
    json_check('json-info-offline', 'info-offline', info_offline)
    json_check('json-info-online', 'info-online', info_online)
    json_check('json-refuse', 'refuse', refuse)

# --- could the guest report at all? ----------------------------------------------------------
def tail():
    return '\n'.join('  | ' + l for l in lines[-25:])

hard = []
if qrc == 124 or qrc == 137:
    hard.append('timed out after %s s (QEMU killed)' % limit)
elif qrc != 0:
    hard.append('QEMU exited with status %d: %s' % (qrc, open(qlog_path).read()[:2000].strip()))
if booted is None:
    hard.append('the guest never reported (no "KTEST boot" on the console)')
elif end is None:
    hard.append('the guest did not finish (no "KTEST end" on the console)')
elif end != guest_count:
    hard.append('the guest reported %d results but %d reached the console' % (end, guest_count))
if not results and not hard:
    hard.append('no results')

passed = failed = 0
prev = 0
for ok, name, why, at in results:
    if ok:
        passed += 1
        print('ok   ' + name)
    else:
        failed += 1
        print('FAIL %s: %s' % (name, why))
        if at is None and name in json_of:
            print('       JSON: ' + jsons.get(json_of[name], '(none)')[:3000])
        # what the guest ran for this check: the lines since the previous result
        for l in (lines[prev:at] if at is not None else []):
            m = re.search(r'K(CMD|OUT|RC|LOG) ', l)
            if m:
                print('       ' + l[m.start():])
    if at is not None:
        prev = at + 1
if hard:
    # the test could not run (to its end): one failure, whatever the number of reasons
    failed += 1
    print('FAIL kernel-test: ' + '; '.join(hard))
    print('  last console lines (%s):' % log_path)
    print(tail())
print('kernel: guest kernel %s, %s s' % (booted or '?', took))
print('kernel: %d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
PY
	tee "$out/results.txt" || rc=$?
grep -Eq '^kernel: [0-9]+ passed, [0-9]+ failed$' "$out/results.txt" ||
	fail_hard "could not read the results from $log"
exit "$rc"
