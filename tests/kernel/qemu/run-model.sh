#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The device model's kernel test (opt-in, not in "make test" or meson's test list): build QEMU
# with intel-lm.patch (build.sh, cached), build the kernel suite's initramfs (prepare.sh) with
# guest-checks.sh in place of guest/checks.sh, boot Debian's kernel under the patched QEMU
# (TCG) with intel-lm=on, and print every result, ending with
# "kernel-model: N passed, N failed".
#
# Usage: tests/kernel/qemu/run-model.sh BUILD_DIR
#
# Environment:
#   KTEST_TIMEOUT          seconds the guest may take (default 420)
#   INTEL_LM_KERNEL_CACHE  passed on to build.sh and prepare.sh
#   INTEL_LM_MODEL_OPTS    more properties for the nvme device, e.g. intel-lm.delay-save=5000
#   INTEL_LM_MODEL_QEMU    a patched qemu-system-x86_64 to use instead of building one
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kdir=$(cd "$here/.." && pwd)
timeout_s=${KTEST_TIMEOUT:-420}

fail_hard() {
	echo "kernel-model: error: $*" >&2
	echo "FAIL kernel-model: $*"
	echo "kernel-model: 0 passed, 1 failed"
	exit 1
}

[ $# -eq 1 ] || fail_hard "usage: $0 BUILD_DIR"
[ -d "$1" ] || fail_hard "no build directory '$1'"
build=$(cd "$1" && pwd)
out=$build/tests/kernel/qemu/ktest
mkdir -p "$out" || fail_hard "cannot create $out"
start=$(date +%s)

if [ -n "${INTEL_LM_MODEL_QEMU:-}" ]; then
	qemu=$INTEL_LM_MODEL_QEMU
else
	qemu=$("$here/build.sh" "$build" | tail -n1) || fail_hard "build.sh failed (see above)"
fi
[ -x "$qemu" ] || fail_hard "no QEMU at $qemu"
"$kdir/prepare.sh" "$build" "$out" || fail_hard "prepare.sh failed (see above)"
# shellcheck source=/dev/null
. "$out/ktest.env"

# The same initramfs with the model's checks in place of the kernel suite's.
root=$out/root
[ -d "$root/ktest" ] || fail_hard "prepare.sh left no $root"
cp "$here/guest-checks.sh" "$root/ktest/checks.sh"
chmod 755 "$root/ktest/checks.sh"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) \
	>"$out/initrd-model.cpio" || fail_hard "cannot build the initramfs"

log=$out/console-model.log
qlog=$out/qemu-model.log
rm -f "$log" "$qlog" "$out/ns.img"
truncate -s 64M "$out/ns.img" || fail_hard "cannot create $out/ns.img"

dev=nvme,id=nvme0,serial=deadbeef,subsys=subsys0,bus=rp0,mdts=10,sriov_max_vfs=2
dev+=,sriov_vq_flexible=4,sriov_vi_flexible=2,use-intel-id=on,intel-lm=on
# RESUME is delayed (guest-checks.sh measures it): the delay works and a VF's I/O waits it out
dev+=,intel-lm.delay-resume=1500
[ -z "${INTEL_LM_MODEL_OPTS:-}" ] || dev+=,$INTEL_LM_MODEL_OPTS
# shellcheck disable=SC2054  # the commas are QEMU's
cmd=("$qemu" -L /usr/share/qemu -L /usr/share/seabios
	-accel tcg -M q35 -m 512 -smp 1 -nodefaults -display none
	-no-reboot -serial "file:$log"
	-kernel "$KTEST_KERNEL" -initrd "$out/initrd-model.cpio"
	-append "console=ttyS0 quiet panic=-1"
	-device pcie-root-port,id=rp0,chassis=1
	-device nvme-subsys,id=subsys0,nqn=subsys0
	-device "$dev"
	-drive "file=$out/ns.img,if=none,id=nvm,format=raw"
	-device nvme-ns,drive=nvm,bus=nvme0,nsid=1,shared=on)

echo "kernel-model: booting $KTEST_KPKG under $qemu (TCG), console in $log"
qrc=0
timeout -k 10 "$timeout_s" "${cmd[@]}" </dev/null >"$qlog" 2>&1 || qrc=$?
[ -f "$log" ] || fail_hard "QEMU wrote no console (exit status $qrc): $(head -c 2000 "$qlog")"

tr -d '\r' <"$log" | awk -v qrc="$qrc" -v took="$(($(date +%s) - start))" -v qlog="$qlog" '
	/KTEST boot / { booted = 1 }
	/K(CMD|OUT|RC|LOG) / { match($0, /K(CMD|OUT|RC|LOG) /); ctx[++nctx] = substr($0, RSTART); next }
	/KTEST ok / { sub(/^.*KTEST ok /, ""); print "ok   " $0; pass++; nctx = 0; next }
	/KTEST fail / {
		sub(/^.*KTEST fail /, ""); print "FAIL " $0; fail++
		for (i = 1; i <= nctx; i++) print "       " ctx[i]
		nctx = 0; next
	}
	/KTEST end / { end = $NF }
	END {
		n = pass + fail
		if (qrc != 0 || !booted || end == "" || end != n) {
			printf "FAIL kernel-model-run: QEMU status %s, booted %s, end %s, results %d (see %s)\n",
			       qrc, booted ? "yes" : "no", end == "" ? "none" : end, n, qlog
			fail++
		}
		printf "kernel-model: %s s\n", took
		printf "kernel-model: %d passed, %d failed\n", pass, fail
		exit fail ? 1 : 0
	}' | tee "$out/results-model.txt"
exit "${PIPESTATUS[1]}"
