#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make demo: a cold migration of VF 3 of one emulated Intel PF to VF 1 of a second one, with the
# real nvme-intel-lm program, no hardware needed. Each step prints its time and result; the
# demo ends by checking that the destination holds exactly the state the source saved.
set -euo pipefail
build=$(cd "${1:-.build}" && pwd)
cli=$build/plugins/intel-lm/nvme-intel-lm
emu_ctl=$build/tests/emu/intel-lm-emu
preload=$build/tests/emu/libintel-lm-emu.so
for f in "$cli" "$emu_ctl" "$preload"; do
	[ -e "$f" ] || { echo "demo: $f is missing: run 'make' first" >&2; exit 1; }
done

work=$(mktemp -d /tmp/intel-lm-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat > "$work/emu.conf" <<CONF
# Two emulated Intel IPU NVMe PFs of the same model and firmware, 1 ms per command.
sysfs = $work/sys
trace = $work/trace.log
[pf nvme0]
latency_us = 1000
serial = PHSRC00000001
model = Intel IPU E2100 NVMe (emulated)
firmware = 1.2.0
vfs = 4
nvq = 8
pci = 0000:3b:00.0
[pf nvme1]
serial = PHDST00000002
model = Intel IPU E2100 NVMe (emulated)
firmware = 1.2.0
cntlid = 2
latency_us = 1000
vfs = 4
pci = 0000:5e:00.0
CONF
export INTEL_LM_EMU=$work/emu.conf INTEL_LM_SYSFS=$work/sys
# The emulated PFs' record and locks stay with the demo, not in the host's own.
export INTEL_LM_STATE_DIR=$work/record INTEL_LM_LOCK_DIR=$work/locks
"$emu_ctl" setup >/dev/null

step() {
	local what=$1 start end rc
	shift
	printf '\n== %s\n$ nvme-intel-lm %s\n' "$what" "$*"
	start=$(date +%s%N)
	set +e
	LD_PRELOAD=$preload "$cli" "$@"
	rc=$?
	set -e
	end=$(date +%s%N)
	printf -- '-> %s in %d.%03d ms\n' "$([ $rc -eq 0 ] && echo ok || echo "FAILED ($rc)")" \
		$(((end - start) / 1000000)) $((((end - start) / 1000) % 1000))
	return $rc
}

blob=$work/vf3.blob
step "the source PF and its VFs" info /dev/nvme0
step "suspend the source VF" suspend /dev/nvme0 --vf=3
step "query its state size" query-size /dev/nvme0 --vf=3
step "save its state to a file" save /dev/nvme0 --vf=3 -o "$blob"
step "inspect the file" inspect "$blob"
step "suspend the destination VF" suspend /dev/nvme1 --vf=1
step "load the state into it" load /dev/nvme1 --vf=1 -i "$blob"
step "resume the destination VF" resume /dev/nvme1 --vf=1
step "what intel-lm recorded of both VFs" status --vf=1,3

printf '\n== check: the destination runs exactly the state the source saved\n'
# The emulated state carries a lineage and a generation that each RESUME advances
# (tests/emu/README.md): the destination runs the saved lineage, one generation on.
"$emu_ctl" dump nvme1 1 "$work/dst.state"
tail -c +257 "$blob" > "$work/saved.state"
saved=$("$emu_ctl" ident "$work/saved.state" |
	sed -n 's/.* gen=\([0-9]*\) lineage=\([0-9a-f]*\) .*crc=ok$/\2 \1/p')
runs=$("$emu_ctl" ident "$work/dst.state" |
	sed -n 's/.* gen=\([0-9]*\) lineage=\([0-9a-f]*\) .*crc=ok$/\2 \1/p')
if [ -n "$saved" ] && [ "${saved% *} $((${saved#* } + 1))" = "$runs" ]; then
	echo "OK: VF 1 of nvme1 runs the $(stat -c %s "$work/dst.state")-byte state VF 3 of nvme0" \
	     "saved (lineage ${saved% *}, generation ${runs#* } since its RESUME)"
else
	echo "FAILED: the destination state differs from the saved one" >&2
	exit 1
fi
