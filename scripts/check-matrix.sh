#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The intel-lm plugin in the upstream nvme-cli releases that current distributions ship, each
# with the libnvme it needs (bookworm's libnvme 1.3 is too old for them): nvme-cli 2.13 with
# libnvme 1.13 (Debian 13), nvme-cli 2.16 with libnvme 1.16.2 (Debian sid, Ubuntu 26.04,
# Fedora 44), and nvme-cli 3.0-rc1 (+75 commits, after its plugin interface changed) with the
# libnvme3 it carries (Debian experimental, Arch), into which intel-lm itself is built with
# -Dlibnvme=3; all from upstream tarballs, by scripts/build-nvme-cli.sh.
#
# For each combination: build it (or reuse the cached build), run the end-to-end suites cli,
# rejections, faults, migrate, record and nvme-cli with that nvme (INTEL_LM_E2E_NVME), and the
# exactly-once check: with the first SUSPEND failing EINTR after taking effect,
# `nvme intel-lm suspend` must reach the device once and fail, although nvme-cli 2.14 to 2.16
# re-send a command that fails EINTR (shown with `nvme admin-passthru` through the same binary;
# 3.0's retry hook re-sends nothing, which is measured too).
# Then intel-lm itself built against libnvme 1.16.2 and libnvme3 (taken from those builds):
# the standalone program with the unit, emulator and e2e suites (INTEL_LM_E2E_NVME=none).
# Prints one line per combination and "matrix: N passed, N failed, N skipped" (the suites' own
# counts added up; a missing tarball or a failed build counts as a failure); exits 1 on any
# failure.
#
# Then, where the build carries upstream's `lm` plugin (2.13, 2.16, 3.0-rc1), the TP4159 anchor
# (lm_suite below): `nvme lm migration-recv` against intel-lm's save of the same suspended VF,
# and each tool loading what the other saved, checked against the emulator.
#
# Usage: scripts/check-matrix.sh [--only=PARTS] [BUILD]
#   BUILD       intel-lm's built meson directory (.build)
#   --only      a comma-separated list of the parts to run: e2e (the six suites), once, lm
#               (each for every nvme-cli combination) and standalone (the builds against
#               another libnvme); default all. The closing count is of the parts run.
#
# Environment:
#   INTEL_LM_SOURCES        the directory of the tarballs (default: ../shared/sources next to
#                           the repository, when it exists); a missing tarball fails its
#                           combination, it is never skipped
#   INTEL_LM_MATRIX_CACHE   where the builds are kept (default: /var/cache/intel-lm/matrix),
#                           one directory per combination, reused while its inputs (the
#                           tarballs, intel-lm's static archives, or for 3.x intel-lm's
#                           sources, the plugin glue and build-nvme-cli.sh) are the same
set -euo pipefail

prog=${0##*/}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die()
{
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}

note()
{
	printf '%s: %s\n' "$prog" "$*" >&2
}

parts=e2e,once,lm,standalone
case ${1:-} in
-h|--help)
	sed -n '4,/^set -euo/ { /^set -euo/d; s/^# \{0,1\}//; p }' "$0"
	exit 0
	;;
--only=*)
	parts=${1#--only=}
	shift
	for p in ${parts//,/ }; do
		[[ $p == @(e2e|once|lm|standalone) ]] ||
			die "--only: '$p' is not a part (e2e, once, lm, standalone)"
	done
	;;
esac
[[ $# -le 1 ]] || die "usage: $prog [--only=PARTS] [BUILD]"

# Whether the part $1 runs.
part()
{
	[[ ,$parts, == *,$1,* ]]
}

# name nvme-cli-tarball libnvme-tarball (- : nvme-cli's own) the version `nvme version` says;
# "host": Debian 12's nvme-cli 2.3 with its libnvme 1.3, the nvme that `make build` made
combinations=(
	"nvme-cli-2.3+libnvme-1.3 host - 2.3"
	"nvme-cli-2.13+libnvme-1.13 nvme-cli-2.13.tar.gz libnvme-1.13.tar.gz 2.13"
	"nvme-cli-2.16+libnvme-1.16.2 nvme-cli-2.16.tar.gz libnvme-1.16.2.tar.gz 2.16"
	"nvme-cli-3.0-rc1-75+libnvme3 nvme-cli-3.0-rc1-75.tar.gz - 3.0-rc1"
)
suites=(cli rejections faults migrate record nvme-cli)

# ---------------------------------------------------------------------------------------------
# What the builds need, installed when missing (as scripts/install-deps.sh does): idempotent.

deps=(gcc meson ninja-build pkg-config binutils libjson-c-dev zlib1g-dev tar gzip coreutils
      util-linux python3)
missing=()
for p in "${deps[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' >/dev/null
	then
		missing+=("$p")
	fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
	if [[ $EUID -eq 0 ]]; then
		as_root=()
	elif command -v sudo >/dev/null; then
		as_root=(sudo)
	else
		die "need root or sudo to install: ${missing[*]}"
	fi
	note "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	"${as_root[@]}" apt-get update -q >/dev/null
	"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# ---------------------------------------------------------------------------------------------
# Inputs.

build=${1:-.build}
[[ -d $build ]] || die "'$build' is not a directory: build intel-lm first (make build)"
build=$(cd "$build" && pwd)
archives=("$build/plugins/intel-lm/libintel-lm-cli.a" "$build/lib/libintel-lm.a")
for f in "${archives[@]}" "$build/plugins/intel-lm/nvme-intel-lm" "$build/tests/emu/intel-lm-emu" \
	 "$build/tests/emu/libintel-lm-emu.so"; do
	[[ -f $f ]] || die "$f not found: build intel-lm first (make build)"
done

if [[ -n ${INTEL_LM_SOURCES:-} ]]; then
	sources=$INTEL_LM_SOURCES
elif [[ -d $repo/../shared/sources ]]; then
	sources=$(cd "$repo/../shared/sources" && pwd)
else
	sources=
fi
cache=${INTEL_LM_MATRIX_CACHE:-/var/cache/intel-lm/matrix}
mkdir -p "$cache" 2>/dev/null || die "cannot create the cache $cache (set INTEL_LM_MATRIX_CACHE)"
cache=$(cd "$cache" && pwd)
logs=$build/check-matrix
mkdir -p "$logs"

version=$(sed -n "/^project(/,/)/ s/^[[:space:]]*version:[[:space:]]*'\\([^']*\\)'.*/\\1/p" \
	"$repo/meson.build" | head -n1)
[[ -n $version ]] || die "no project version in $repo/meson.build"

sha256()
{
	local sum
	sum=$(sha256sum <"$1") || return 1
	printf '%s\n' "${sum%% *}"
}

# The sha256 of a static archive; meson makes thin ones (only member names), so a thin
# archive's members are hashed too.
archive_sha256()
{
	local a=$1 dir m

	{
		sha256 "$a"
		if [[ $(head -c 7 "$a") == '!<thin>' ]]; then
			dir=$(dirname "$a")
			ar t "$a" | while IFS= read -r m; do
				[[ $m == /* ]] || m=$dir/$m
				sha256 "$m"
			done
		fi
	} | sha256sum | cut -d' ' -f1
}

# The sha256 of each file intel-lm's own build of its libraries reads (what a build against
# libnvme3 inside build-nvme-cli.sh is made of), one "PATH SUM" a line.
sources_sha256()
{
	local f

	(cd "$repo" && find lib include plugins/intel-lm meson.build meson_options.txt \
		Documentation/meson.build completions/meson.build -type f -print 2>/dev/null) |
		LC_ALL=C sort | while IFS= read -r f; do
			printf '%s %s\n' "$f" "$(sha256 "$repo/$f")"
		done
}

# Whether the tarball $1 matches its line in SHA256SUMS, when there is one.
checksum_ok()
{
	local want

	[[ -f $sources/SHA256SUMS ]] || return 0
	want=$(awk -v f="${1##*/}" '$2 == f || $2 == "*" f { print $1 }' "$sources/SHA256SUMS")
	[[ -z $want || $want == "$(sha256 "$1")" ]]
}

# Microseconds since the epoch.
now_us()
{
	local t=$EPOCHREALTIME
	printf '%s\n' "${t/./}"
}

seconds_since()
{
	local us=$(($(now_us) - $1))
	printf '%d.%02d\n' $((us / 1000000)) $((us % 1000000 / 10000))
}

# ---------------------------------------------------------------------------------------------
# The exactly-once check, as an e2e suite of its own: run in a subshell with tests/e2e/lib.sh,
# INTEL_LM_E2E_NVME set; prints "SUITE: N passed, N failed" and "measured: ..." lines.

once_suite()
{
	local want_cli=$1 got c8 retries

	# As the e2e suites run: checks count failures, they do not stop the suite.
	set +e
	# shellcheck source=/dev/null
	. "$repo/tests/e2e/lib.sh"
	e2e_init matrix-once "$build"

	# The binary is the combination it claims to be.
	got=$("$NVME" version 2>&1 | sed -n 's/^nvme version \([0-9][0-9.a-z-]*\).*/\1/p')
	if [[ $got == "$want_cli" ]]; then
		pass "nvme version is $want_cli"
	else
		fail "nvme version is $want_cli" "it says '$got'"
	fi

	# The first SUSPEND takes effect, then fails EINTR.
	emu_config <<CONF
[pf nvme0]
vfs = 2
fault = 0xc8 1 EINTR apply
CONF
	run "$NVME" intel-lm suspend /dev/nvme0 --vf=1
	c8=$("$EMU_CTL" counters nvme0 | tr ' ' '\n' | sed -n 's/^0xc8=//p')
	echo "measured: nvme intel-lm suspend: exit $RC, SUSPEND reached the device ${c8:-?} time(s)"
	if [[ $RC -ne 0 ]]; then
		pass "suspend whose SUSPEND failed EINTR exits non-zero"
	else
		fail "suspend whose SUSPEND failed EINTR exits non-zero" "it exited 0"
	fi
	expect_err "EINTR" "suspend reports EINTR"
	if [[ $c8 == 1 ]]; then
		pass "SUSPEND reached the device exactly once"
	else
		fail "SUSPEND reached the device exactly once" "counters: 0xc8=${c8:-?}"
	fi

	# The same fault through nvme-cli's own passthrough: 2.14 to 2.16 re-send on EINTR.
	emu_config <<CONF
[pf nvme0]
vfs = 2
fault = 0xc8 1 EINTR apply
CONF
	run "$NVME" admin-passthru /dev/nvme0 --opcode=0xc8 --cdw10=1
	retries=$("$EMU_CTL" counters nvme0 | tr ' ' '\n' | sed -n 's/^0xc8=//p')
	echo "measured: nvme admin-passthru: exit $RC, SUSPEND reached the device ${retries:-?} time(s)"
	if [[ $want_cli == 2.* && $(printf '%s\n' "$want_cli" 2.14 | sort -V | head -n1) == 2.14 ]]
	then
		if [[ ${retries:-0} -gt 1 ]]; then
			pass "nvme-cli $want_cli admin-passthru re-sends a command that failed EINTR"
		else
			fail "nvme-cli $want_cli admin-passthru re-sends a command that failed EINTR" \
				"counters: 0xc8=${retries:-?}"
		fi
	else
		echo "# nvme-cli $want_cli re-sends nothing (only 2.14 to 2.16 do): not a check"
	fi
	e2e_finish
}

# ---------------------------------------------------------------------------------------------
# The anchor for TP4159 (issue 25), as an e2e suite of its own, where the nvme-cli build carries
# upstream's `lm` plugin (2.12 and later): run in a subshell like once_suite. On one emulated PF
# speaking both protocols (tp4159 = 1), a VF suspended and saved by intel-lm over TP4159 is read
# back by `nvme lm migration-recv`, and each tool loads what the other saved; the emulator's
# own view of each VF (intel-lm-emu dump and show) is the truth both are checked against.
#
# What upstream's plugin does, measured on 2.13, 2.16 and 3.0-rc1 (the checks assert it, so a
# release that changes it fails here until this suite is updated):
# - `migration-recv --numd=N --output-file=F` reads N+1 dwords (NUMD is 0's based) but writes
#   N << 2 bytes (lm-nvme.c: fwrite(data, 1, cfg.numd << 2, fd)): F lacks the last dword it
#   read, and asking one dword more reads beyond the state, which the device refuses. Whole
#   bytes come only through stdout (--output-format=binary writes all (N + 1) << 2); intel-lm
#   refuses the short file before it sends anything (its header says 4 bytes more).
# - 2.x's migration-recv ends with `return 0`: exit 0 whatever the device said; 3.0 returns it.
# - 2.x's migration-send drops --csvi (libnvme's args have .csvi; the plugin never sets it), so
#   Set Controller State goes with CSVI 0; 3.0 sends it.
# - migration-send with --input-file closes the FILE twice (fclose() after fread(), then the
#   _cleanup_file_ on return): glibc aborts with "double free" after the command took effect.

lm_suite()
{
	local want_cli=$1 v2='' size vss n sn cl3 cl4 gone

	set +e
	# shellcheck source=/dev/null
	. "$repo/tests/e2e/lib.sh"
	e2e_init matrix-lm "$build"
	[[ $want_cli == 2.* ]] && v2=1
	# glibc's fatal messages (the abort below) to stderr, not the terminal.
	export LIBC_FATAL_STDERR_=1

	# nvme lm ARGS... >FILE: upstream's plugin with the emulator; sets RC and ERR (stdout is
	# the caller's, so binary output stays whole).
	nvme_lm()
	{
		# shellcheck disable=SC2034 # lib.sh's checks read them
		E2E_VIA="nvme lm"
		RC=0
		LD_PRELOAD=$EMU_SO "$NVME" lm "$@" 2>"$T/err" || RC=$?
		# shellcheck disable=SC2034
		ERR=$(tr -d '\0' <"$T/err")
	}
	# same DESC FILE1 FILE2: a check that two files hold the same bytes.
	same()
	{
		if cmp "$2" "$3" >/dev/null 2>&1; then
			pass "$1"
		else
			fail "$1" "$(cmp "$2" "$3" 2>&1 | head -n1); sizes $(stat -c %s "$2" "$3" | paste -sd/)"
		fi
	}
	# only_tp DESC: every opcode the PF got since the trace was cleared was Identify or TP4159's.
	only_tp()
	{
		if [[ $(sent_opcodes | tr ' ' '\n' | grep -cvE '^(06|41|42)$') == 0 ]]; then
			pass "$1"
		else
			fail "$1" "opcodes: $(sent_opcodes)"
		fi
	}
	field()
	{
		"$EMU_CTL" show nvme0 "$1" | grep -o "$2=[0-9a-z]*"
	}

	# A PF with both protocols; VF 1's state 30001 bytes, not a whole number of dwords, so its
	# last byte sits in the controller state's last dword, beside the padding.
	emu_config <<CONF
[pf nvme0]
tp4159 = 1
serial = LMANCHOR01
vfs = 3
vf.1.size = 30001
CONF
	size=$((48 + (30001 + 3) / 4 * 4))
	n=$((size / 4))

	# intel-lm suspends and saves VF 1 (controller 2) over TP4159.
	run "$STANDALONE" suspend /dev/nvme0 --vf=1 --protocol=tp4159
	expect_rc 0 "nvme-intel-lm suspend --protocol=tp4159"
	run "$STANDALONE" save /dev/nvme0 --vf=1 --raw --protocol=tp4159 -o "$T/ilm.bin"
	expect_rc 0 "nvme-intel-lm save --raw --protocol=tp4159"
	expect_out "saved $size bytes" "... the whole controller state, $size bytes"
	only_tp "... over TP4159 alone (Identify, 41h, 42h) on a PF that offers both"
	# The truth: the 48-byte header (all 0 but VSS, bytes 35:32), the VF's state as the
	# emulator holds it, zeros to a whole dword.
	"$EMU_CTL" dump nvme0 1 "$T/vf1.state"
	python3 - "$T/vf1.state" "$T/truth.bin" <<'EOF'
import struct, sys
state = open(sys.argv[1], 'rb').read()
pad = -len(state) % 4
hdr = bytearray(48)
struct.pack_into('<I', hdr, 32, (len(state) + pad) // 4)
open(sys.argv[2], 'wb').write(bytes(hdr) + state + bytes(pad))
EOF
	same "... its bytes are the emulator's: the header, VF 1's state, the padding" \
		"$T/truth.bin" "$T/ilm.bin"
	# The intel-lm plugin of the same nvme binary saves the same bytes.
	run "$NVME intel-lm" save /dev/nvme0 --vf=1 --raw --protocol=tp4159 -o "$T/plugin.bin"
	expect_rc 0 "nvme intel-lm save --raw --protocol=tp4159 (the plugin in nvme-cli $want_cli)"
	same "... the same bytes" "$T/ilm.bin" "$T/plugin.bin"

	# nvme lm migration-recv of the same VF: the header, then the whole state.
	nvme_lm migration-recv /dev/nvme0 --sel=0 --cntlid=2 --csvi=1 --numd=11 \
		--output-format=binary >"$T/hdr.bin"
	expect_rc 0 "nvme lm migration-recv of the header (NUMD 11: 12 dwords)"
	vss=$(od -An -tu4 -j32 -N4 "$T/hdr.bin" | tr -d ' ')
	if [[ $vss == $((n - 12)) ]]; then
		pass "... VSS says $vss dwords: the state is $size bytes"
	else
		fail "... VSS says $vss dwords: the state is $size bytes" "VSS '$vss'"
	fi
	head -c 48 "$T/ilm.bin" >"$T/ilm-hdr.bin"
	same "... the header is intel-lm's" "$T/ilm-hdr.bin" "$T/hdr.bin"

	nvme_lm migration-recv /dev/nvme0 --sel=0 --cntlid=2 --csvi=1 --numd=$((n - 1)) \
		--output-format=binary >"$T/cli-stdout.bin"
	expect_rc 0 "nvme lm migration-recv --numd=$((n - 1)) --output-format=binary (stdout)"
	same "... identical bytes to intel-lm's save of the same suspended VF" \
		"$T/ilm.bin" "$T/cli-stdout.bin"

	nvme_lm migration-recv /dev/nvme0 --sel=0 --cntlid=2 --csvi=1 --numd=$((n - 1)) \
		--output-file="$T/cli-file.bin" >"$T/out"
	expect_rc 0 "nvme lm migration-recv --numd=$((n - 1)) --output-file"
	if grep -q 'Controller Suspended' "$T/out"; then
		pass "... says the controller is suspended (CDW0 CSUP)"
	else
		fail "... says the controller is suspended (CDW0 CSUP)" "stdout: $(cat "$T/out")"
	fi
	sn=$(stat -c %s "$T/cli-file.bin")
	if [[ $sn == $((size - 4)) ]]; then
		pass "upstream bug: the file holds $sn bytes, one dword short of the $size read"
	else
		fail "upstream bug: the file holds $((size - 4)) bytes, one dword short of the $size read" \
			"it holds $sn"
	fi
	head -c $((size - 4)) "$T/ilm.bin" >"$T/ilm-short.bin"
	same "... the bytes it does write are intel-lm's first $((size - 4))" \
		"$T/ilm-short.bin" "$T/cli-file.bin"
	gone=$(tail -c 4 "$T/ilm.bin" | od -An -tx1 | tr -d ' \n')
	echo "# the dword the file lacks: bytes $((size - 4))..$((size - 1)) = $gone" \
		"(VF 1's last state byte, then 3 bytes of padding)"
	if [[ ${gone:0:2} == $(tail -c 1 "$T/vf1.state" | od -An -tx1 | tr -d ' ') &&
	      ${gone:2} == 000000 ]]; then
		pass "... the dword missing holds VF 1's last state byte ($gone): state is lost"
	else
		fail "... the dword missing holds VF 1's last state byte ($gone): state is lost" \
			"VF 1 ends with $(tail -c 1 "$T/vf1.state" | od -An -tx1)"
	fi
	# Asking one dword more, to get the last one into the file, reads beyond the state.
	nvme_lm migration-recv /dev/nvme0 --sel=0 --cntlid=2 --csvi=1 --numd=$n \
		--output-file="$T/cli-more.bin" >"$T/out"
	expect_err "Invalid Field" "... --numd=$n (one more) is refused by the device (0x4002)"
	if [[ ! -s $T/cli-more.bin ]]; then
		pass "... and writes nothing"
	else
		fail "... and writes nothing" "$(stat -c %s "$T/cli-more.bin") bytes"
	fi
	if [[ -n $v2 ]]; then
		expect_rc 0 "upstream bug: nvme-cli $want_cli's migration-recv exits 0 although it failed"
	elif [[ $RC -ne 0 ]]; then
		pass "nvme-cli $want_cli's migration-recv exits non-zero when it failed"
	else
		fail "nvme-cli $want_cli's migration-recv exits non-zero when it failed" "exit 0"
	fi

	# nvme lm's payload loaded by intel-lm into VF 2: the file is refused (short) before
	# anything is sent, stdout's bytes load.
	run "$STANDALONE" suspend /dev/nvme0 --vf=2 --protocol=tp4159
	expect_rc 0 "nvme-intel-lm suspend of VF 2"
	cl3=$("$EMU_CTL" dump nvme0 2 - | cksum)
	clear_trace
	run "$STANDALONE" load /dev/nvme0 --vf=2 --raw --protocol=tp4159 -i "$T/cli-file.bin"
	expect_rc "$RC_REFUSED" "nvme-intel-lm load --raw of nvme lm's file is refused"
	expect_err "its header says $size bytes, the file holds $((size - 4)) (-4); nothing was sent" \
		"... the header says a dword more than the file holds"
	expect_sent "06 06 06" "... nothing but Identify reached the PF"
	expect_state nvme0 2 suspended "... VF 2 stays suspended"
	if [[ $("$EMU_CTL" dump nvme0 2 - | cksum) == "$cl3" ]]; then
		pass "... with its own state"
	else
		fail "... with its own state" "its bytes changed"
	fi
	clear_trace
	run "$STANDALONE" load /dev/nvme0 --vf=2 --raw --protocol=tp4159 -i "$T/cli-stdout.bin"
	expect_rc 0 "nvme-intel-lm load --raw --protocol=tp4159 of nvme lm's payload (stdout)"
	expect_out "loaded $size bytes" "... all $size bytes"
	expect_state nvme0 2 loaded "... VF 2 is loaded"
	"$EMU_CTL" dump nvme0 2 "$T/vf2.state"
	same "... it holds VF 1's state, byte for byte" "$T/vf1.state" "$T/vf2.state"
	only_tp "... over TP4159 alone"
	run "$STANDALONE" resume /dev/nvme0 --vf=2 --protocol=tp4159
	expect_rc 0 "nvme-intel-lm resume of VF 2"
	expect_state nvme0 2 running "... VF 2 runs"
	if [[ $(field 2 lineage) == $(field 1 lineage) && $(field 2 gen) == gen=1 ]]; then
		pass "... VF 1's lineage, one generation on"
	else
		fail "... VF 1's lineage, one generation on" "$("$EMU_CTL" show nvme0 2)"
	fi

	# intel-lm's --raw save loaded by nvme lm into VF 3 (controller 4): Suspend, Set Controller
	# State (SEQIND 3h, the entire state; NUMD counts dwords, not 0's based), Resume.
	nvme_lm migration-send /dev/nvme0 --sel=0 --cntlid=4 --stype=1 >"$T/out"
	expect_rc 0 "nvme lm migration-send --sel=0 --stype=1 (Suspend)"
	expect_state nvme0 3 suspended "... VF 3 is suspended"
	clear_trace
	nvme_lm migration-send /dev/nvme0 --sel=2 --cntlid=4 --seq-ind=3 --csvi=1 --numd=$n \
		--input-file="$T/ilm.bin" >"$T/out"
	expect_rc 134 "upstream bug: migration-send --input-file aborts (SIGABRT) on a double fclose()"
	expect_err "double free" "... glibc says so"
	expect_state nvme0 3 loaded "... after the command took effect: VF 3 is loaded"
	"$EMU_CTL" dump nvme0 3 "$T/vf3.state"
	same "... it holds VF 1's state, byte for byte" "$T/vf1.state" "$T/vf3.state"
	cl4=$(sed -n 's/.* opcode=0x41 .* data_len=\([0-9]*\) cdw10=\(0x[0-9a-f]*\) cdw11=\(0x[0-9a-f]*\) .* cdw15=\(0x[0-9a-f]*\) .*/\1 \2 \3 \4/p' \
		"$T/trace.log")
	if [[ $cl4 == "$size 0x00030002 $(printf '0x%08x' $((v2 ? 4 : 0x10004))) $(printf '0x%08x' $n)" ]]
	then
		if [[ -n $v2 ]]; then
			pass "upstream bug: Set Controller State went with CSVI 0, --csvi=1 dropped"
		else
			pass "Set Controller State went with --csvi=1 (cdw11 0x00010004)"
		fi
	else
		fail "Set Controller State's fields (data_len, cdw10, cdw11, cdw15)" "got '$cl4'"
	fi
	nvme_lm migration-send /dev/nvme0 --sel=1 --cntlid=4 >"$T/out"
	expect_rc 0 "nvme lm migration-send --sel=1 (Resume)"
	expect_state nvme0 3 running "... VF 3 runs"
	if [[ $(field 3 lineage) == $(field 1 lineage) && $(field 3 gen) == gen=1 ]]; then
		pass "... VF 1's lineage, one generation on"
	else
		fail "... VF 1's lineage, one generation on" "$("$EMU_CTL" show nvme0 3)"
	fi
	e2e_finish
}

# ---------------------------------------------------------------------------------------------
# The matrix.

total_pass=0
total_fail=0
total_skip=0

# add_counts LOG RC: add the "SUITE: N passed, N failed[, N skipped]" lines of LOG to c_pass,
# c_fail and c_skip, and set last_counts to "P/F" (or "P/F/S" with skips); a suite that failed
# without failures counted, or printed no count, is one failure (as scripts/run-tests.sh counts).
add_counts()
{
	local log=$1 rc=$2 p=0 f=0 s=0 a b c
	local count_re='^[A-Za-z0-9_. -]*: ([0-9]*) passed, ([0-9]*) failed(, ([0-9]*) skipped)?'

	while read -r a b c; do
		p=$((p + a))
		f=$((f + b))
		s=$((s + ${c:-0}))
	done < <(sed -nE "s/$count_re.*/\\1 \\2 \\4/p" "$log")
	if [[ $rc -ne 0 && $f -eq 0 ]]; then
		f=1
	fi
	if ! grep '^[A-Za-z0-9_. -]*: [0-9]* passed, [0-9]* failed' "$log" >/dev/null && [[ $rc -eq 0 ]]
	then
		f=1
	fi
	c_pass=$((c_pass + p))
	c_fail=$((c_fail + f))
	c_skip=$((c_skip + s))
	last_counts=$p/$f
	[[ $s -eq 0 ]] || last_counts+=/$s
}

for c in "${combinations[@]}"; do
	read -r name cli_tar lib_tar want_ver <<<"$c"
	cli_ver=${cli_tar#nvme-cli-}
	cli_ver=${cli_ver%.tar.gz}
	tarballs=("$cli_tar")
	lib_args=()
	if [[ $cli_tar == host ]]; then
		c_pass=0
		c_fail=0
		c_skip=0
		label="nvme-cli 2.3 + libnvme 1.3 (Debian 12, make build's)"
		log_dir=$logs/$name
		rm -rf "$log_dir"
		mkdir -p "$log_dir"
		dir=$build/plugins/intel-lm
		if [[ ! -x $dir/nvme ]]; then
			total_fail=$((total_fail + 1))
			echo "$label: FAIL: $dir/nvme was not built (make build needs apt-get source nvme-cli)"
			continue
		fi
		how=host
		build_time=0
		exec 8>/dev/null
	elif [[ $lib_tar == - ]]; then
		label="nvme-cli $cli_ver + libnvme3"
	else
		lib_ver=${lib_tar#libnvme-}
		lib_ver=${lib_ver%.tar.gz}
		label="nvme-cli $cli_ver + libnvme $lib_ver"
		tarballs+=("$lib_tar")
		lib_args=(--libnvme-source "$sources/$lib_tar")
	fi
	if [[ $cli_tar != host ]]; then
		c_pass=0
		c_fail=0
		c_skip=0
		log_dir=$logs/$name
		rm -rf "$log_dir"
		mkdir -p "$log_dir"

		# The tarballs: missing or altered ones fail the combination.
		problem=
		if [[ -z $sources ]]; then
			problem="no sources directory: set INTEL_LM_SOURCES to the directory holding ${tarballs[*]}"
		else
			for t in "${tarballs[@]}"; do
				if [[ ! -f $sources/$t ]]; then
					problem="$t not found in $sources (set INTEL_LM_SOURCES)"
					break
				elif ! checksum_ok "$sources/$t"; then
					problem="$sources/$t does not match its sha256 in $sources/SHA256SUMS"
					break
				fi
			done
		fi
		if [[ -n $problem ]]; then
			total_fail=$((total_fail + 1))
			echo "$label: FAIL: $problem"
			continue
		fi

		# The build, or the cached one when nothing it is made of changed.
		dir=$cache/$name
		mkdir -p "$dir"
		exec 8>"$dir/.lock"
		flock 8
		key=$(
			for t in "${tarballs[@]}"; do
				printf '%s %s\n' "$t" "$(sha256 "$sources/$t")"
			done
			if [[ $lib_tar == - ]]; then
				# build-nvme-cli.sh builds intel-lm against libnvme3 from these sources.
				sources_sha256
			else
				for a in "${archives[@]}"; do
					printf '%s %s\n' "${a#"$build"/}" "$(archive_sha256 "$a")"
				done
			fi
			for f in scripts/build-nvme-cli.sh plugins/intel-lm/intel-lm-nvme.c \
				 plugins/intel-lm/intel-lm-nvme.h plugins/intel-lm/intel-lm-glue.h \
				 plugins/intel-lm/intel-lm-commands.h \
				 plugins/intel-lm/intel-lm-nvme3.c plugins/intel-lm/cli.h \
				 plugins/intel-lm/nvme-cli/meson.build plugins/intel-lm/nvme-cli/meson3.build; do
				printf '%s %s\n' "$f" "$(sha256 "$repo/$f")"
			done
			printf 'version %s\n' "$version"
		)
		start=$(now_us)
		if [[ -x $dir/nvme && -f $dir/key && $(<"$dir/key") == "$key" ]]; then
			how=cached
			note "$label: the cached build is current ($dir)"
		else
			if [[ -d $dir/work ]]; then how=incremental; else how=cold; fi
			note "$label: building ($how; log: $log_dir/build.log)"
			rm -f "$dir/key"
			if ! "$repo/scripts/build-nvme-cli.sh" --source-root "$repo" --version "$version" \
				--work-dir "$dir/work" --output "$dir/nvme" \
				--nvme-cli-source "$sources/$cli_tar" "${lib_args[@]}" \
				"${archives[@]}" >"$log_dir/build.log" 2>&1; then
				exec 8>&-
				tail -n 20 "$log_dir/build.log" >&2
				total_fail=$((total_fail + 1))
				echo "$label: FAIL: the build failed after $(seconds_since "$start") s (log: $log_dir/build.log)"
				continue
			fi
			printf '%s\n' "$key" >"$dir/key"
		fi
		build_time=$(seconds_since "$start")
	fi

	# The suites, with that nvme.
	counts=()
	part e2e || suites_run=()
	part e2e && suites_run=("${suites[@]}")
	for s in "${suites_run[@]}"; do
		note "$label: e2e-$s"
		rc=0
		INTEL_LM_E2E_NVME=$dir/nvme timeout 900 bash "$repo/tests/e2e/test-$s.sh" "$build" \
			>"$log_dir/e2e-$s.log" 2>&1 || rc=$?
		add_counts "$log_dir/e2e-$s.log" "$rc"
		counts+=("e2e-$s $last_counts")
	done
	measured=
	if part once; then
		note "$label: exactly once"
		rc=0
		(INTEL_LM_E2E_NVME=$dir/nvme once_suite "$want_ver") >"$log_dir/once.log" 2>&1 ||
			rc=$?
		add_counts "$log_dir/once.log" "$rc"
		counts+=("once $last_counts")
		measured=$(sed -n 's/^measured: //p' "$log_dir/once.log" | paste -sd ';' - |
			   sed 's/;/; /g')
	fi
	# upstream's lm plugin came with nvme-cli 2.12: 2.3 has none.
	if part lm && [[ $want_ver != 2.3 ]]; then
		note "$label: lm (the TP4159 anchor)"
		rc=0
		(INTEL_LM_E2E_NVME=$dir/nvme lm_suite "$want_ver") >"$log_dir/lm.log" 2>&1 || rc=$?
		add_counts "$log_dir/lm.log" "$rc"
		counts+=("lm $last_counts")
	fi
	exec 8>&-

	total_pass=$((total_pass + c_pass))
	total_fail=$((total_fail + c_fail))
	total_skip=$((total_skip + c_skip))
	if [[ $c_fail -eq 0 ]]; then verdict=ok; else verdict=FAIL; fi
	[[ ${#counts[@]} -gt 0 ]] || counts=("nothing run")
	echo "$label: $verdict: $c_pass passed, $c_fail failed, $c_skip skipped" \
		"(build $how ${build_time} s;" \
		"$(printf '%s, ' "${counts[@]}" | sed 's/, $//')${measured:+; $measured})"
	if [[ $c_fail -ne 0 ]]; then
		grep -h '^not ok' "$log_dir"/*.log | head -n 20 >&2 || true
		note "$label: logs in $log_dir"
	fi
done

# ---------------------------------------------------------------------------------------------
# intel-lm itself against another libnvme: the standalone program, the unit and emulator suites
# and the standalone's e2e suites, built with -Dlibnvme=1 against libnvme 1.16.2 and with
# -Dlibnvme=3 against libnvme3, each taken from the work directory of the combination above
# that built it (static archives: nothing is installed).

standalone_libs=(
	"libnvme-1.16.2 1 nvme-cli-2.16+libnvme-1.16.2/work/libnvme/root"
	"libnvme3 3 nvme-cli-3.0-rc1-75+libnvme3/work/libnvme3/root"
)
part standalone || standalone_libs=()
for l in "${standalone_libs[@]}"; do
	read -r lname gen root <<<"$l"
	label="standalone + unit with $lname"
	c_pass=0
	c_fail=0
	c_skip=0
	log_dir=$logs/standalone-$lname
	rm -rf "$log_dir"
	mkdir -p "$log_dir"
	pc=$(find "$cache/$root" -path '*pkgconfig/libnvme*.pc' -printf '%h\n' 2>/dev/null | head -n1)
	if [[ -z $pc ]]; then
		total_fail=$((total_fail + 1))
		echo "$label: FAIL: no $lname under $cache/$root (its nvme-cli combination did not build)"
		continue
	fi
	bdir=$cache/standalone-$lname
	start=$(now_us)
	setup=(meson setup "$bdir" "$repo" "-Dlibnvme=$gen" -Dnvme-cli=disabled
	       -Dquality-tests=false -Ddocs=false --werror)
	[[ -f $bdir/build.ninja ]] && setup+=(--reconfigure)
	note "$label: building (log: $log_dir/build.log)"
	if ! PKG_CONFIG_PATH=$pc "${setup[@]}" >"$log_dir/build.log" 2>&1 ||
	   ! ninja -C "$bdir" >>"$log_dir/build.log" 2>&1; then
		tail -n 20 "$log_dir/build.log" >&2
		total_fail=$((total_fail + 1))
		echo "$label: FAIL: the build failed (log: $log_dir/build.log)"
		continue
	fi
	build_time=$(seconds_since "$start")
	counts=()
	rc=0
	"$repo/scripts/run-tests.sh" "$bdir" --no-rebuild --suite unit --suite emu \
		>"$log_dir/unit.log" 2>&1 || rc=$?
	# Its closing count only: the suites' own lines are in it already.
	tail -n 1 "$log_dir/unit.log" | sed 's/^/unit-emu: /' >"$log_dir/unit.count"
	add_counts "$log_dir/unit.count" "$rc"
	counts+=("unit-emu $last_counts")
	for s in cli rejections faults migrate record; do
		note "$label: e2e-$s (the standalone)"
		rc=0
		INTEL_LM_E2E_NVME=none timeout 900 bash "$repo/tests/e2e/test-$s.sh" "$bdir" \
			>"$log_dir/e2e-$s.log" 2>&1 || rc=$?
		add_counts "$log_dir/e2e-$s.log" "$rc"
		counts+=("e2e-$s $last_counts")
	done
	# The library says which libnvme it was built with.
	if "$bdir/plugins/intel-lm/nvme-intel-lm" version | grep "(libnvme${gen/1/ 1.x}" >/dev/null
	then
		c_pass=$((c_pass + 1))
	else
		c_fail=$((c_fail + 1))
		echo "not ok - nvme-intel-lm version names $lname" >>"$log_dir/unit.log"
	fi
	total_pass=$((total_pass + c_pass))
	total_fail=$((total_fail + c_fail))
	total_skip=$((total_skip + c_skip))
	if [[ $c_fail -eq 0 ]]; then verdict=ok; else verdict=FAIL; fi
	echo "$label: $verdict: $c_pass passed, $c_fail failed, $c_skip skipped" \
		"(build ${build_time} s;" \
		"$(printf '%s, ' "${counts[@]}" | sed 's/, $//'))"
	if [[ $c_fail -ne 0 ]]; then
		grep -h '^not ok' "$log_dir"/*.log | head -n 20 >&2 || true
		note "$label: logs in $log_dir"
	fi
done

echo "matrix: $total_pass passed, $total_fail failed, $total_skip skipped"
[[ $total_fail -eq 0 ]]
