#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A quick check of the emulated PF with Debian's own nvme-cli (/usr/sbin/nvme) under
# LD_PRELOAD, and of the intel-lm-emu program.
#
#	tests/emu/selftest.sh BUILDDIR/tests/emu [--valgrind]
#
# --valgrind also runs a few commands under valgrind and fails on any error or leak.
set -u

emu_dir=$(cd "${1:?usage: selftest.sh BUILDDIR/tests/emu [--valgrind]}" && pwd)
valgrind=${2:-}
preload=$emu_dir/libintel-lm-emu.so
ctl=$emu_dir/intel-lm-emu
nvme=${NVME:-/usr/sbin/nvme}
tmp=$(mktemp -d /tmp/intel-lm-emu-selftest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0

ok() {
	checks=$((checks + 1))
}

# verdict STATUS DESCRIPTION: a check passed when STATUS is 0
verdict() {
	if [ "$1" -eq 0 ]; then ok; else bad "$2"; fi
}

bad() {
	checks=$((checks + 1))
	fails=$((fails + 1))
	echo "FAIL: $*" >&2
}

# expect WANT_RC WANT_OUTPUT_REGEX command...: run under the preload
expect() {
	local want_rc=$1 want=$2 out rc
	shift 2
	out=$(LD_PRELOAD=$preload "$@" 2>&1)
	rc=$?
	if [ "$rc" != "$want_rc" ] || ! grep -Eq -- "$want" <<<"$out"; then
		bad "$* -> rc=$rc, wanted rc=$want_rc and /$want/; output: $out"
	else
		ok
	fi
}

passthru() {
	"$nvme" admin-passthru /dev/nvme0 "$@"
}

cat >"$tmp/emu.conf" <<EOF
# selftest configuration
trace = trace.log
sysfs = sysfs
admin_timeout_ms = 200

[pf nvme0]
serial = SELFTEST0001
model = "Emulated IPU  # not a comment"
vfs = 4
nvq = 4
vf.2.size = 4096
vf.4.size = 4194304
vf.4.online = 0
mdts = 0
foreign = 2
fault = 0xcc 2 0x400c
fault = 0xc8 4 EIO apply

[pf nvme1]
vfs = 512
mdts = 5
EOF
for i in $(seq 1 512); do
	echo "vf.$i.size = 4096"
done >>"$tmp/emu.conf"
cat >>"$tmp/emu.conf" <<EOF

[vf nvme5]
pf = nvme0
vf = 1
EOF
export INTEL_LM_EMU=$tmp/emu.conf
cd "$tmp" || exit 1

# pass-through when INTEL_LM_EMU is unset
if out=$(env -u INTEL_LM_EMU LD_PRELOAD="$preload" "$nvme" id-ctrl /dev/nvme0 2>&1) ||
	grep -q "Intel IPU" <<<"$out"; then
	bad "pass-through: $out"
else
	ok
fi
out=$(env -u INTEL_LM_EMU LD_PRELOAD="$preload" cat /etc/hostname 2>&1)
if [ "$out" = "$(cat /etc/hostname)" ]; then ok; else bad "pass-through cat: $out"; fi

"$ctl" setup || bad "setup"
[ "$(cat sysfs/class/nvme/nvme0/address)" = "0000:3b:00.0" ]
verdict $? "sysfs address"
[ "$(cat sysfs/class/nvme/nvme0/device/vendor)" = "0x8086" ]
verdict $? "sysfs vendor"
[ "$(cat sysfs/class/nvme/nvme0/device/sriov_numvfs)" = "4" ]
verdict $? "sysfs numvfs"
[ "$(readlink -f sysfs/class/nvme/nvme0/device/virtfn2)" = \
	"$(readlink -f sysfs/devices/pci0000:00/0000:3b:00.3)" ]
verdict $? "sysfs virtfn2"
[ "$(readlink -f sysfs/class/nvme/nvme5/device/physfn)" = \
	"$(readlink -f sysfs/class/nvme/nvme0/device)" ]
verdict $? "sysfs physfn"
[ -e sysfs/class/nvme/nvme1/device/virtfn511 ]
verdict $? "sysfs virtfn511"
[ ! -e sysfs/class/nvme/nvme0n1 ]
verdict $? "namespace under class/nvme"
# device numbers: PFs 241:INDEX, [vf] controllers 241:1024+INDEX
[ "$(readlink sysfs/dev/char/241:0)" = "../../devices/pci0000:00/0000:3b:00.0/nvme/nvme0" ]
verdict $? "sysfs dev/char/241:0"
[ "$(cat sysfs/dev/char/241:1/address)" = "0000:3f:00.0" ]
verdict $? "sysfs dev/char/241:1"
[ "$(cat sysfs/dev/char/241:1024/address)" = "0000:3b:00.1" ] &&
	[ "$(readlink -f sysfs/dev/char/241:1024)" = "$(readlink -f sysfs/class/nvme/nvme5)" ]
verdict $? "sysfs dev/char/241:1024"
[ "$(cat sysfs/class/nvme/nvme1/dev)" = "241:1" ] &&
	[ "$(cat sysfs/class/nvme/nvme5/dev)" = "241:1024" ]
verdict $? "sysfs dev"
[ "$(find sysfs/dev/char -mindepth 1 | wc -l)" = 3 ]
verdict $? "sysfs dev/char entries"

# Identify
expect 0 "sn +: SELFTEST0001" "$nvme" id-ctrl /dev/nvme0
expect 0 "mn +: Emulated IPU  # not a comment" "$nvme" id-ctrl /dev/nvme0
expect 0 "vid +: 0x8086" "$nvme" id-ctrl /dev/nvme0
out=$(LD_PRELOAD=$preload "$nvme" id-ctrl /dev/nvme0 -b | od -An -tx1 -j3072 -N1)
[ "${out// /}" = "01" ]
verdict $? "byte 3072: $out"
expect 0 "NUMID.*: 6" "$nvme" list-secondary /dev/nvme0
expect 0 "PCID.*: 0x0101" "$nvme" list-secondary /dev/nvme0
expect 0 "NUMID.*: 127" "$nvme" list-secondary /dev/nvme1
expect 0 "NUMID.*: 127" "$nvme" list-secondary /dev/nvme1 --cntid=128
expect 0 "NUMID.*: 3$" "$nvme" list-secondary /dev/nvme1 --cntid=511

# the commands
expect 0 "result: 0x00000a98" passthru --opcode=0xc4 --cdw10=3
expect 1 "Command Sequence Error.*0x400c" passthru --opcode=0xd2 --cdw10=3 --data-len=2712 -r -b
expect 0 "Success" passthru --opcode=0xc8 --cdw10=3
expect 0 "Success" passthru --opcode=0xc8 --cdw10=3
expect 1 "Invalid Field.*0x4002" passthru --opcode=0xd2 --cdw10=3 --data-len=2711 -r -b
LD_PRELOAD=$preload "$nvme" admin-passthru /dev/nvme0 --opcode=0xd2 --cdw10=3 --data-len=2712 \
	-r -b >blob3 2>/dev/null
verdict $? "save vf3"
[ "$(stat -c %s blob3)" = 2712 ]
verdict $? "blob3 size"
"$ctl" dump nvme0 3 dump3 && cmp -s blob3 dump3
verdict $? "dump vf3"
expect 0 "state=saved size=2712 nvq=4 origin=SELFTEST0001/vf3 crc=ok" "$ctl" show nvme0 3
expect 1 "Invalid Field" passthru --opcode=0xc4 --cdw10=0
expect 1 "Invalid Field" passthru --opcode=0xc4 --cdw10=5
expect 1 "Invalid Field" passthru --opcode=0xc4 --cdw10=0x10001
expect 1 "Invalid Field" passthru --opcode=0xc4 --cdw10=1 --namespace-id=1
expect 1 "Invalid Field" passthru --opcode=0xc4 --cdw10=1 --cdw11=1
expect 1 "Invalid Field" passthru --opcode=0xc4 --cdw10=1 --cdw15=1
expect 1 "Invalid Command Opcode.*0x4001" passthru --opcode=0xc0 --cdw10=1
expect 1 "Invalid argument" passthru --opcode=0xc4 --cdw10=1 --flags=1
# load VF3's state into VF2 (fixed size 4096: its size follows the loaded state)
expect 1 "Command Sequence Error" passthru --opcode=0xd5 --cdw10=2 --cdw11=2712 \
	--data-len=2712 -w -i blob3
expect 0 "Success" passthru --opcode=0xc8 --cdw10=2
expect 1 "Invalid Field" passthru --opcode=0xd5 --cdw10=2 --cdw11=2711 --data-len=2712 -w -i blob3
cp blob3 corrupt && printf 'X' | dd of=corrupt bs=1 seek=100 conv=notrunc 2>/dev/null
expect 1 "Invalid Field" passthru --opcode=0xd5 --cdw10=2 --cdw11=2712 --data-len=2712 -w -i corrupt
expect 0 "Success" passthru --opcode=0xd5 --cdw10=2 --cdw11=2712 --data-len=2712 -w -i blob3
expect 0 "state=loaded size=2712 nvq=4 origin=SELFTEST0001/vf3 crc=ok loaded=yes" \
	"$ctl" show nvme0 2
expect 0 "result: 0x00000a98" passthru --opcode=0xc4 --cdw10=2
LD_PRELOAD=$preload "$nvme" admin-passthru /dev/nvme0 --opcode=0xd2 --cdw10=2 --data-len=2712 \
	-r -b >blob2 2>/dev/null && cmp -s blob2 blob3
verdict $? "save after load differs"
# faults: RESUME #2 fails 0x400c without effect; SUSPEND #4 takes effect then fails EIO
expect 0 "Success" passthru --opcode=0xcc --cdw10=2
expect 1 "Command Sequence Error" passthru --opcode=0xcc --cdw10=3
expect 0 "state=saved" "$ctl" show nvme0 3
expect 0 "Success" passthru --opcode=0xcc --cdw10=3
expect 0 "state=running" "$ctl" show nvme0 3
expect 1 "Input/output error" passthru --opcode=0xc8 --cdw10=1
expect 0 "state=suspended" "$ctl" show nvme0 1
expect 0 "^0x06=[0-9]+ 0xc4=8 0xc8=4 0xcc=3 0xd2=4 0xd5=4 0xc0=1" "$ctl" counters nvme0
# identities: SAVE_DATA marked VF 3's state protected (the file carries the mark), its RESUME
# made generation 1 of the same lineage; VF 2 runs VF 3's saved lineage at generation 1; VF 1,
# only suspended, is unmarked; every fresh lineage differs
lin3=$("$ctl" ident blob3 | sed -n 's/.* lineage=\([0-9a-f]*\) .*/\1/p')
expect 0 "^blob3: origin=SELFTEST0001/vf3 size=2712 nvq=4 gen=0 lineage=$lin3 protected=yes crc=ok$" \
	"$ctl" ident blob3
expect 0 " gen=1 lineage=$lin3 protected=yes online" "$ctl" show nvme0 3
expect 0 "origin=SELFTEST0001/vf3 .* gen=1 lineage=$lin3 protected=yes" "$ctl" show nvme0 2
expect 0 "state=suspended .* gen=0 lineage=[0-9a-f]{16} protected=no" "$ctl" show nvme0 1
[ "$("$ctl" show | sed -n 's/.* lineage=\([0-9a-f]*\) .*/\1/p' | sort | uniq -d)" = "$lin3" ]
verdict $? "lineages: only VF 3's appears twice"
printf 'INTELLM\032' > wrapped && head -c 248 /dev/zero >> wrapped && cat blob3 >> wrapped
expect 0 "^wrapped: .* lineage=$lin3 protected=yes crc=ok blob=yes$" "$ctl" ident wrapped
expect 1 "^corrupt: .* crc=bad$" "$ctl" ident corrupt /dev/null
# 4 MiB
expect 0 "result: 0x00400000" passthru --opcode=0xc4 --cdw10=4
expect 0 "Success" passthru --opcode=0xc8 --cdw10=4
LD_PRELOAD=$preload "$nvme" admin-passthru /dev/nvme0 --opcode=0xd2 --cdw10=4 \
	--data-len=4194304 -r -b >blob4 2>/dev/null
verdict $? "save 4 MiB"
expect 0 "crc=ok" "$ctl" show nvme0 4
expect 0 "Success" passthru --opcode=0xd5 --cdw10=4 --cdw11=4194304 --data-len=4194304 -w -i blob4
# the kernel's transfer cap: 4 MiB, and 4096 << MDTS (128 KiB on nvme1)
expect 1 "Invalid argument" passthru --opcode=0xd2 --cdw10=4 --data-len=4194305 -r -b
expect 0 "Success" "$nvme" admin-passthru /dev/nvme1 --opcode=0xc8 --cdw10=512
expect 0 "result: 0x00001000" "$nvme" admin-passthru /dev/nvme1 --opcode=0xc4 --cdw10=512
expect 1 "Invalid argument" "$nvme" admin-passthru /dev/nvme1 --opcode=0xd2 --cdw10=512 \
	--data-len=$((128 * 1024 + 1)) -r -b
LD_PRELOAD=$preload "$nvme" admin-passthru /dev/nvme1 --opcode=0xd2 --cdw10=512 --data-len=4096 \
	-r -b >blob512 2>/dev/null
verdict $? "save nvme1 vf512"
expect 0 "origin=EMUnvme1/vf512 crc=ok" "$ctl" show nvme1 512

# a VF's own controller: Identify works, the Intel commands time out (EINTR)
expect 0 "cntlid +: 0x2" "$nvme" id-ctrl /dev/nvme5
start=$(date +%s%N)
expect 1 "Interrupted system call" "$nvme" admin-passthru /dev/nvme5 --opcode=0xc4 --cdw10=1
ms=$((($(date +%s%N) - start) / 1000000))
[ $ms -ge 200 ]
verdict $? "VF timeout took $ms ms"
# a namespace: ioctls fail ENOTTY
expect 1 "Inappropriate ioctl" "$nvme" admin-passthru /dev/nvme0n1 --opcode=0xc4 --cdw10=1

# the trace
n=$(grep -c "" trace.log)
re='^pid=[0-9]+ dev=[a-z0-9]+ opcode=0x[0-9a-f]{2} flags=0x[0-9a-f]{2} rsvd1=0x[0-9a-f]{4} '
re+='nsid=0x[0-9a-f]{8} cdw2=0x[0-9a-f]{8} cdw3=0x[0-9a-f]{8} metadata=0x[0-9a-f]+ '
re+='metadata_len=[0-9]+ addr=(set|null) data_len=[0-9]+ cdw10=0x[0-9a-f]{8} '
re+='cdw11=0x[0-9a-f]{8} cdw12=0x[0-9a-f]{8} cdw13=0x[0-9a-f]{8} cdw14=0x[0-9a-f]{8} '
re+='cdw15=0x[0-9a-f]{8} timeout_ms=[0-9]+ -> status=0x[0-9a-f]{4} errno=(0|E[A-Z]+) '
re+='result=0x[0-9a-f]{8}$'
[ "$(grep -Ec "$re" trace.log)" = "$n" ] && [ "$n" -gt 40 ]
verdict $? "trace format"
grep -q "dev=nvme5 opcode=0xc4 .* errno=EINTR" trace.log
verdict $? "trace EINTR"
grep -q "dev=nvme0 opcode=0xc8 .* -> status=0x0000 errno=EIO" trace.log
verdict $? "trace EIO"

# hostile modes
cat >"$tmp/hostile.conf" <<EOF
[pf nvme0]
hostile = size-change
hostile = strings-unterminated
hostile = seclist-dup
hostile = seclist-overflow
EOF
export INTEL_LM_EMU=$tmp/hostile.conf
"$ctl" setup || bad "setup hostile"
expect 0 "result: 0x00000a98" passthru --opcode=0xc4 --cdw10=1
expect 0 "result: 0x00000aa8" passthru --opcode=0xc4 --cdw10=1
expect 0 "Success" passthru --opcode=0xc8 --cdw10=1
expect 1 "Invalid Field" passthru --opcode=0xd2 --cdw10=1 --data-len=2728 -r -b
LD_PRELOAD=$preload "$nvme" admin-passthru /dev/nvme0 --opcode=0xd2 --cdw10=1 --data-len=2744 \
	-r -b >blob-change 2>/dev/null && [ "$(stat -c %s blob-change)" = 2744 ]
verdict $? "size-change save"
expect 0 "sn +: ABCDEFGHIJKLMNOPQRST$" "$nvme" id-ctrl /dev/nvme0
expect 0 "NUMID.*: 255" "$nvme" list-secondary /dev/nvme0
cat >"$tmp/hang.conf" <<EOF
admin_timeout_ms = 100
[pf nvme0]
hostile = hang
hostile = size0
EOF
export INTEL_LM_EMU=$tmp/hang.conf
expect 1 "Interrupted system call" passthru --opcode=0xc4 --cdw10=1
expect 0 "vid" "$nvme" id-ctrl /dev/nvme0

# strict: SUSPEND only from RUNNING, RESUME never from RUNNING; else 0x400c without effect
cat >"$tmp/strict.conf" <<EOF
[pf nvme0]
strict = 1
EOF
export INTEL_LM_EMU=$tmp/strict.conf
"$ctl" setup || bad "setup strict"
expect 1 "Command Sequence Error.*0x400c" passthru --opcode=0xcc --cdw10=1
expect 0 "state=running" "$ctl" show nvme0 1
expect 0 "Success" passthru --opcode=0xc8 --cdw10=1
expect 1 "Command Sequence Error.*0x400c" passthru --opcode=0xc8 --cdw10=1
expect 0 "state=suspended" "$ctl" show nvme0 1
LD_PRELOAD=$preload "$nvme" admin-passthru /dev/nvme0 --opcode=0xd2 --cdw10=1 --data-len=2712 \
	-r -b >/dev/null 2>&1
verdict $? "strict: save vf1"
expect 1 "Command Sequence Error" passthru --opcode=0xc8 --cdw10=1
expect 0 "state=saved" "$ctl" show nvme0 1
expect 0 "Success" passthru --opcode=0xcc --cdw10=1
expect 0 "state=running" "$ctl" show nvme0 1
echo "strict = 2" >>"$tmp/strict.conf"
expect 1 "strict: '2' is not a number from 0 to 1" "$ctl" setup

# completion_delay: the effect first, the completion (and its trace line) after the delay;
# a process killed in between has changed the VF without seeing an answer
cat >"$tmp/delay.conf" <<EOF
trace = delay.log
[pf nvme0]
completion_delay.0xcc = 5000000
completion_delay.0xc4 = 300000
fault = 0xd2 1 hang apply
EOF
export INTEL_LM_EMU=$tmp/delay.conf
"$ctl" setup || bad "setup delay"
expect 0 "Success" passthru --opcode=0xc8 --cdw10=1
LD_PRELOAD=$preload "$nvme" admin-passthru /dev/nvme0 --opcode=0xcc --cdw10=1 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 50); do
	"$ctl" show nvme0 1 | grep -q "state=running" && break
	sleep 0.1
done
expect 0 "state=running" "$ctl" show nvme0 1
expect 0 "0xcc=1 " "$ctl" counters nvme0
kill -0 "$pid" 2>/dev/null && ! grep -q "opcode=0xcc" delay.log
verdict $? "RESUME answered before its completion delay"
kill -9 "$pid"
wait "$pid" 2>/dev/null
! grep -q "opcode=0xcc" delay.log
verdict $? "a killed RESUME traced"
expect 0 "state=running" "$ctl" show nvme0 1
start=$(date +%s%N)
expect 0 "result: 0x00000a98" passthru --opcode=0xc4 --cdw10=1
ms=$((($(date +%s%N) - start) / 1000000))
[ $ms -ge 300 ] && grep -q "opcode=0xc4 .* -> status=0x0000 errno=0 result=0x00000a98" delay.log
verdict $? "QUERY completion delay took $ms ms"
# fault hang apply: the SAVE_DATA takes effect, then times out (timeout_ms; the cap is 2000)
expect 0 "Success" passthru --opcode=0xc8 --cdw10=2
start=$(date +%s%N)
expect 1 "Interrupted system call" passthru --opcode=0xd2 --cdw10=2 --data-len=2712 -r -b \
	--timeout=250
ms=$((($(date +%s%N) - start) / 1000000))
[ $ms -ge 250 ] && [ $ms -lt 2000 ]
verdict $? "fault hang took $ms ms"
# ... and the kernel's reset of the PF took every VF offline, with its resources, suspension
# and saved state (the model in the kernel suite's model-timeout boot)
expect 0 "state=running size=712 nvq=0 .* loaded=no gen=0 lineage=[0-9a-f]* protected=no online=no nvi=0 reset=yes" \
	"$ctl" show nvme0 2
expect 0 "state=running .* online=no nvi=0 reset=yes" "$ctl" show nvme0 1
expect 0 "SCS .*: (0x)?0000 \(Offline\)" "$nvme" list-secondary /dev/nvme0
! LD_PRELOAD=$preload "$nvme" list-secondary /dev/nvme0 | grep -q "SCS .*Online"
verdict $? "no VF online after the PF reset"
expect 0 "" "$ctl" online nvme0 2
expect 0 "state=running size=2712 nvq=4 .* online=yes nvi=2$" "$ctl" show nvme0 2
expect 0 "state=running .* online=no nvi=0 reset=yes" "$ctl" show nvme0 1
expect 2 "usage" "$ctl" online nvme0
expect 1 "nvme0: No such device" "$ctl" online nvme0 5
# hang_reset = 0: the hang leaves the VFs alone (the effect of `apply` stays)
echo "hang_reset = 0" >>"$tmp/delay.conf"
"$ctl" setup || bad "setup delay"
expect 0 "Success" passthru --opcode=0xc8 --cdw10=2
expect 1 "Interrupted system call" passthru --opcode=0xd2 --cdw10=2 --data-len=2712 -r -b \
	--timeout=250
expect 0 "state=saved .* online=yes nvi=2$" "$ctl" show nvme0 2
grep -q "opcode=0xd2 .* timeout_ms=250 -> status=0x0000 errno=EINTR result=0x00000000" delay.log
verdict $? "trace fault hang"
export INTEL_LM_EMU=$tmp/emu.conf

# parallel processes: every command counted once, every trace line whole
"$ctl" setup
for i in $(seq 1 8); do
	(for j in $(seq 1 10); do
		LD_PRELOAD=$preload "$nvme" admin-passthru /dev/nvme1 --opcode=0xc4 \
			--cdw10=$((i * 10 + j)) >/dev/null 2>&1
	done) &
done
wait
expect 0 "0xc4=80 " "$ctl" counters nvme1
[ "$(grep -Ec "$re" trace.log)" = "$(grep -c "" trace.log)" ]
verdict $? "parallel trace"

if [ "$valgrind" = --valgrind ]; then
	for args in "id-ctrl /dev/nvme0" "list-secondary /dev/nvme0" \
		"admin-passthru /dev/nvme0 --opcode=0xc4 --cdw10=1"; do
		# shellcheck disable=SC2086
		if LD_PRELOAD=$preload valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite "$nvme" $args >/dev/null 2>vg.log; then
			ok
		else
			bad "valgrind nvme $args: $(cat vg.log)"
		fi
	done
fi

echo "intel-lm-emu selftest: $((checks - fails)) passed, $fails failed"
[ $fails -eq 0 ]
