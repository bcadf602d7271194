#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# valgrind's memcheck over the unit tests (each Check suite in one process: CK_FORK=no; the
# emulator is linked into unit-ops) and over a whole cold migration with the real CLI against
# the emulated PF: every command of the step-by-step migration (as in scripts/demo.sh), a batch
# over all VFs with worker threads, JSON output, a rollback, migrate with both programs. The
# emulator's own self-test is left out: it measures parallel speed, which valgrind (one thread
# at a time) cannot have.
#
#	tests/sanitize/valgrind.sh SRCDIR BUILDDIR [--no-build]
#
#	BUILDDIR	a build without sanitizers; configured when missing, and brought up to date
#			unless --no-build (meson test has just done it)
#
# Each valgrind run is one check: it passes when the program does what it should and valgrind
# finds no error and no definitely or indirectly lost block (--errors-for-leak-kinds). Prints
# "valgrind: N passed, N failed".
set -euo pipefail

prog=valgrind
[ $# -ge 2 ] || { sed -n '3,/^set -euo/ { /^set -euo/d; s/^# \{0,1\}//; p }' "$0" >&2; exit 2; }
src=$(cd "$1" && pwd)
build=$2
do_build=true
[ "${3:-}" = --no-build ] && do_build=false

. "$(dirname "$0")/../quality/count.sh"

for t in valgrind meson ninja python3 cmp; do
	command -v "$t" >/dev/null || die "'$t' not found (scripts/install-deps.sh test)"
done

if $do_build; then
	if [ ! -f "$build/build.ninja" ]; then
		meson setup "$build" "$src" -Dquality-tests=false >/dev/null ||
			die "meson setup $build failed"
	fi
	meson compile -C "$build" >/dev/null || die "building $build failed"
fi
build=$(cd "$build" && pwd)
sanitize=$(python3 -c 'import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"))' \
	< <(meson introspect --buildoptions "$build"))
[ "$sanitize" = none ] || die "$build is built with -Db_sanitize=$sanitize: valgrind needs a plain build"

cli=$build/plugins/intel-lm/nvme-intel-lm
nvme=$build/plugins/intel-lm/nvme
ctl=$build/tests/emu/intel-lm-emu
preload=$build/tests/emu/libintel-lm-emu.so
for f in "$cli" "$ctl" "$preload"; do
	[ -e "$f" ] || die "$f is missing: build $build first"
done

work=$(mktemp -d /tmp/intel-lm-valgrind.XXXXXX)
trap 'rm -rf "$work"' EXIT
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --track-origins=yes --num-callers=30
    --suppressions="$src/tests/sanitize/valgrind.supp")

# vg_check NAME WANT_RC PROGRAM ARGS...: one check, run under valgrind (and the preload when
# PRELOAD is set in the environment). stdout goes to $work/NAME.out.
vg_check() {
	local name=$1 want=$2 rc t0 ms
	shift 2
	t0=$(date +%s%N)
	"${vg[@]}" --log-file="$work/$name.vg" "$@" >"$work/$name.out" 2>"$work/$name.err" &&
		rc=0 || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ "$rc" -eq "$want" ] && [ ! -s "$work/$name.vg" ]; then
		ok "$name ($((ms / 1000)).$(((ms % 1000) / 100)) s)"
		return 0
	fi
	bad "$name: exit $rc (wanted $want)"
	cat "$work/$name.vg" >&2
	tail -n 20 "$work/$name.err" >&2
	return 1
}

cd "$work"
# 0. The canary: valgrind must see a leak where there is one.
cc -O0 -g -o "$work/canary" "$src/tests/sanitize/canary.c" || die "cannot build the canary"
"${vg[@]}" --log-file="$work/canary.vg" "$work/canary" leak >/dev/null 2>&1 && rc=0 || rc=$?
if [ "$rc" -eq 99 ] && grep -q 'definitely lost' "$work/canary.vg"; then
	ok "canary: the leak is reported"
else
	bad "canary: exit $rc, valgrind did not report the leak: it is not working"
fi

# 1. The unit tests, each suite in one process.
units=()
for exe in "$build"/tests/unit/test-*; do
	[ -f "$exe" ] && [ -x "$exe" ] && units+=("$exe")
done
[ ${#units[@]} -gt 0 ] || die "no unit test executables in $build/tests/unit"
for exe in "${units[@]}"; do
	CK_FORK=no vg_check "unit-${exe##*/test-}" 0 "$exe" || true
done

# 2. A cold migration with the CLI against two emulated PFs, every command under valgrind.
cat >"$work/emu.conf" <<CONF
sysfs = $work/sys
trace = $work/trace.log
[pf nvme0]
serial = VGSRC0001
model = Intel IPU E2100 NVMe (emulated)
firmware = 1.2.0
vfs = 4
nvq = 8
[pf nvme1]
serial = VGDST0001
model = Intel IPU E2100 NVMe (emulated)
firmware = 1.2.0
cntlid = 2
vfs = 4
CONF
export INTEL_LM_EMU=$work/emu.conf INTEL_LM_SYSFS=$work/sys INTEL_LM_LOCK_DIR=$work/locks \
	INTEL_LM_STATE_DIR=$work/state
"$ctl" setup >/dev/null || die "intel-lm-emu setup failed"

# run NAME ARGS...: the standalone program under valgrind with the emulator preloaded
run() {
	local name=$1
	shift
	LD_PRELOAD=$preload vg_check "$name" 0 "$cli" "$@"
}

# same PF VF PF VF: the two VFs hold the same state: its lineage (the emulator's truth; the
# destination, resumed since, holds a later generation of it, so the bytes differ)
same() {
	local a b
	a=$("$ctl" show "$1" "$2" | sed -n 's/.* lineage=\([0-9a-f]*\).*/\1/p')
	b=$("$ctl" show "$3" "$4" | sed -n 's/.* lineage=\([0-9a-f]*\).*/\1/p')
	[ -n "$a" ] && [ "$a" = "$b" ]
}

run info info /dev/nvme0 || true
run info-json info /dev/nvme0 --output-format=json || true
run suspend suspend /dev/nvme0 --vf=3 || true
run query-size query-size /dev/nvme0 --vf=3 || true
run save save /dev/nvme0 --vf=3 -o "$work/vf3.blob" || true
run inspect inspect "$work/vf3.blob" || true
run suspend-dst suspend /dev/nvme1 --vf=1 || true
run load load /dev/nvme1 --vf=1 -i "$work/vf3.blob" || true
run resume-dst resume /dev/nvme1 --vf=1 || true
if same nvme0 3 nvme1 1; then
	ok "step by step: nvme1 VF 1 holds what nvme0 VF 3 saved"
else
	bad "step by step: nvme1 VF 1 differs from nvme0 VF 3"
fi
run migrate migrate /dev/nvme0 --vf=2 --to=/dev/nvme1 --to-vf=2 || true
if same nvme0 2 nvme1 2; then
	ok "migrate: nvme1 VF 2 holds nvme0 VF 2's state"
else
	bad "migrate: nvme1 VF 2 differs from nvme0 VF 2"
fi
run migrate-json migrate /dev/nvme0 --vf=4 --to=/dev/nvme1 --to-vf=4 --output-format=json ||
	true
# A batch: all VFs of nvme0 with worker threads, saved into a directory and loaded back. On a
# fresh device: the states of nvme0's VFs 2 to 4 run in nvme1 now, and the one rule would
# refuse to load them back here.
"$ctl" setup >/dev/null
rm -rf "$work/state"	# a fresh device is a fresh host: no record of the old one
mkdir "$work/all"
run suspend-all suspend /dev/nvme0 --vf=all || true
run save-all save /dev/nvme0 --vf=all --jobs=4 -o "$work/all/" || true
run load-all load /dev/nvme0 --vf=all --jobs=4 -i "$work/all/" || true
run resume-all resume /dev/nvme0 --vf=all --output-format=json || true
# A failure and its rollback: the destination LOAD_DATA fails, the source is resumed.
"$ctl" setup >/dev/null
rm -rf "$work/state"	# a fresh device is a fresh host: no record of the old one
cat >>"$work/emu.conf" <<CONF
fault = 0xd5 1 0x4002
CONF
LD_PRELOAD=$preload vg_check migrate-rollback 4 "$cli" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 \
	--to-vf=1 || true
sed -i '$d' "$work/emu.conf"
# The nvme-cli build with the plugin.
if [ -x "$nvme" ]; then
	"$ctl" setup >/dev/null
	rm -rf "$work/state"
	LD_PRELOAD=$preload vg_check nvme-cli-migrate 0 "$nvme" intel-lm migrate /dev/nvme0 --vf=1 \
		--to=/dev/nvme1 --to-vf=3 || true
	LD_PRELOAD=$preload vg_check nvme-cli-info 0 "$nvme" intel-lm info /dev/nvme1 \
		--output-format=json || true
else
	bad "nvme-cli build: $nvme was not built"
fi
finish
