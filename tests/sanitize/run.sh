#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The emu, unit and e2e suites built with AddressSanitizer, LeakSanitizer and
# UndefinedBehaviorSanitizer, in a build directory of their own, each test in a meson test of
# its own with its own report directory, so that every sanitizer report is charged to its test
# (two at a time on a machine of two CPUs or more).
#
#	tests/sanitize/run.sh SRCDIR BUILDDIR [OPTIONS]
#
#	BUILDDIR		the sanitizer build directory: configured when missing, else rebuilt
#	--nvme-cli=FEATURE	the build's nvme-cli option: auto (default), enabled, disabled
#	--nvme-cli-source=DIR	an nvme-cli source tree, or a directory holding one nvme-cli-*/
#				(e.g. another build's plugins/intel-lm/nvme-cli.d/apt-source)
#	--suite=SUITE		run this suite instead of emu, unit and e2e (repeatable)
#
# How the pieces fit:
#  - clang, -Db_sanitize=address,undefined, -fno-sanitize-recover=all, -shared-libsan: the
#    library, the CLI, the emulator (also its LD_PRELOAD library) and the tests are all
#    instrumented, against one shared runtime (libclang_rt.asan-x86_64.so, found through an
#    rpath) that holds ASan, LSan and UBSan. Why not gcc: its UBSan runtime is a second
#    library (libubsan.so) that, next to libasan.so, writes its reports to stderr whatever
#    log_path says, where a test that expects a program to fail would hide them.
#  - nvme-cli with the plugin (plugins/intel-lm/nvme) links our instrumented code into
#    nvme-cli's own build, which has no sanitizer flags: CC and LDFLAGS in the environment of
#    the build (nvme-cli's meson setup reads them) make it link with the runtime.
#  - The e2e suites run programs as LD_PRELOAD=libintel-lm-emu.so PROGRAM. ASan insists on
#    being the first library of the process, but LD_PRELOAD comes first. Its check is off
#    (verify_asan_link_order=0): for our instrumented programs the runtime still comes right
#    after the preloads (it is a dependency of all of them), before libc, so every allocation
#    goes through it, exactly as with LD_PRELOAD=RUNTIME:libintel-lm-emu.so. Debian's
#    /usr/sbin/nvme, which some suites run under the preload, is not instrumented; there the
#    runtime comes after libc and stays idle.
#  - Reports go to files (log_path), one directory per test: any file there fails the test,
#    whatever the test itself concluded (a program a test expects to fail may have failed for
#    the sanitizer's reason). halt_on_error and abort_on_error stop a program at its first
#    report. One exception: LeakSanitizer cannot run in a process traced with ptrace (the
#    hostile suite runs the CLI under strace -f); its "fatal error" note for such a process
#    is shown, not counted.
#  - Left out: kernel (QEMU; its guest runs its own build), bench (timing targets mean nothing
#    under the sanitizers), install and deb (they check the packaging: the rpath to the
#    runtime and clang's DWARF 5, which dwz rejects, fail them by design), docs (--help text).
#  - A canary program, plain and under the preload, must be caught overflowing a heap block,
#    leaking and overflowing a signed int before any suite runs.
#
# Prints "sanitize: N passed, N failed" (N counts the canary checks and the tests).
set -euo pipefail

prog=sanitize
# Nothing of the caller's (meson test points LD_LIBRARY_PATH at its own build) leaks in.
unset LD_PRELOAD LD_LIBRARY_PATH
usage() {
	sed -n '3,/^set -euo/ { /^set -euo/d; s/^# \{0,1\}//; p }' "$0" >&2
	exit 2
}
[ $# -ge 2 ] || usage
src=$(cd "$1" && pwd)
build=$2
shift 2
nvme_cli=auto
nvme_cli_source=
suites=()
for arg in "$@"; do
	case $arg in
	--nvme-cli=*) nvme_cli=${arg#*=} ;;
	--nvme-cli-source=*) nvme_cli_source=${arg#*=} ;;
	--suite=*) suites+=("${arg#*=}") ;;
	*) usage ;;
	esac
done
[ ${#suites[@]} -gt 0 ] || suites=(emu unit e2e)

. "$(dirname "$0")/../quality/count.sh"

for t in meson ninja clang python3; do
	command -v "$t" >/dev/null || die "'$t' not found (scripts/install-deps.sh test)"
done

# The nvme-cli source: a tree, or the one tree under a cache directory.
if [ -n "$nvme_cli_source" ] && [ ! -f "$nvme_cli_source/meson.build" ]; then
	found=
	for d in "$nvme_cli_source"/nvme-cli-*/; do
		[ -f "$d/meson.build" ] && found=${d%/} && break
	done
	nvme_cli_source=$found
fi

san=address,undefined
rt=$(clang -print-file-name=libclang_rt.asan-x86_64.so)
[ -f "$rt" ] || die "clang has no shared ASan runtime ($rt): install libclang-rt-dev"
rt=$(dirname "$rt")
# Our setup and nvme-cli's (run by build-nvme-cli.sh during the build) both read these.
export CC=clang
export LDFLAGS="-fsanitize=$san -shared-libsan -Wl,-rpath,$rt"
opts=(
	-Db_sanitize="$san"
	-Db_lundef=false
	-Dc_args="-fno-sanitize-recover=all -fno-omit-frame-pointer"
	-Dnvme-cli="$nvme_cli"
	-Dquality-tests=false
)
[ -n "$nvme_cli_source" ] && opts+=(-Dnvme-cli-source="$nvme_cli_source")

mkdir -p "$build"
build=$(cd "$build" && pwd)
log=$build/sanitize-logs

# A build directory made with other settings (another compiler) is made again; one this script
# did not make is left alone.
config="$CC $LDFLAGS ${opts[*]}"
if [ -f "$build/build.ninja" ]; then
	[ -f "$build/.sanitize-config" ] ||
		die "$build is a build directory of something else: give this script one of its own"
	if [ "$(cat "$build/.sanitize-config")" != "$config" ]; then
		rm -rf "$build"
		mkdir -p "$build"
	fi
fi
rm -rf "$log"
mkdir -p "$log"
start=$(date +%s)
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$src" "${opts[@]}" >"$log/setup.log" 2>&1 ||
		{ tail -n 30 "$log/setup.log" >&2; die "meson setup $build failed"; }
	echo "$config" >"$build/.sanitize-config"
fi
meson compile -C "$build" >"$log/build.log" 2>&1 ||
	{ tail -n 40 "$log/build.log" >&2; die "the sanitizer build failed (log: $log/build.log)"; }
echo "built $build in $(($(date +%s) - start)) s"

# The symbolizer the runtime starts to name a report's frames, run without the preloaded
# emulator: clang 19's llvm-symbolizer (Debian 13) crashes under LD_PRELOAD=libintel-lm-emu.so,
# and the report then loses its first line and the process dies of SIGPIPE.
symbolizer=
if command -v llvm-symbolizer >/dev/null; then
	mkdir -p "$build/symbolizer"
	printf '#!/bin/sh\nunset LD_PRELOAD\nexec %s "$@"\n' "$(command -v llvm-symbolizer)" \
		>"$build/symbolizer/llvm-symbolizer"
	chmod 755 "$build/symbolizer/llvm-symbolizer"
	symbolizer=:external_symbolizer_path=$build/symbolizer/llvm-symbolizer
fi

# The sanitizers' settings, with reports written under $1.
san_env() {
	mkdir -p "$1"
	export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:verify_asan_link_order=0:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=1:detect_invalid_pointer_pairs=1:strict_string_checks=1:log_path=$1/asan$symbolizer"
	export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:report_error_type=1:log_path=$1/ubsan$symbolizer"
	export LSAN_OPTIONS="suppressions=$src/tests/sanitize/lsan-suppressions.txt:print_suppressions=0"
}

# Print the reports under $1 (to stderr); true when there are none. LeakSanitizer's note that
# it cannot work in a traced process is shown but is no report.
no_reports() {
	local f clean=0

	for f in "$1"/*; do
		[ -e "$f" ] || continue
		if grep -q 'LeakSanitizer has encountered a fatal error' "$f" &&
		   grep -q 'does not work under ptrace' "$f" &&
		   [ "$(grep -c '==ERROR\|runtime error' "$f")" -eq 0 ]; then
			echo "note: no leak check in a traced process: $(head -n 1 "$f")" >&2
			continue
		fi
		clean=1
		echo "--- $f" >&2
		head -n 60 "$f" >&2
	done
	return $clean
}

# 1. The canary: each error must be reported, and nothing when there is none.
canary=$build/sanitize-canary
clang -std=gnu11 -O1 -g -fno-sanitize-recover=all -fno-omit-frame-pointer $LDFLAGS \
	-o "$canary" "$src/tests/sanitize/canary.c" >"$log/canary-build.log" 2>&1 ||
	{ cat "$log/canary-build.log" >&2; die "cannot build the canary with -fsanitize=$san"; }
preload=$build/tests/emu/libintel-lm-emu.so
for mode in overflow leak ubsan none; do
	for how in plain preload; do
		dir=$log/canary-$mode-$how
		(
			san_env "$dir"
			if [ "$how" = preload ]; then
				export LD_PRELOAD=$preload INTEL_LM_EMU=
			fi
			"$canary" "$mode"
		) >"$dir.out" 2>&1 && rc=0 || rc=$?
		case $mode in
		overflow) want='heap-buffer-overflow' ;;
		leak) want='detected memory leaks' ;;
		ubsan) want='signed integer overflow' ;;
		none) want= ;;
		esac
		if [ -z "$want" ]; then
			if [ "$rc" -eq 0 ] && no_reports "$dir" 2>/dev/null; then
				ok "canary $mode ($how): clean"
			else
				no_reports "$dir" || true
				bad "canary $mode ($how): rc=$rc or a report without an error"
			fi
		elif [ "$rc" -ne 0 ] && cat "$dir"/* 2>/dev/null | grep -q "$want"; then
			ok "canary $mode ($how): reported"
		else
			bad "canary $mode ($how): rc=$rc, no '$want' report in $dir: the sanitizer is not working"
		fi
	done
done

# 2. The suites' tests, each in a meson test of its own with its own report directory, as many
# at once as there are CPUs (at most 2: each is a whole test suite's load), the longest first.
run_one() {
	local name=$1 dir=$log/$1 t0 rc

	t0=$(date +%s%N)
	(
		san_env "$dir"
		# Under the sanitizers everything runs a few times slower: so may the timeouts.
		meson test -C "$build" --no-rebuild --print-errorlogs --logbase "sanitize-$name" \
			--timeout-multiplier 3 \
			"$name"
	) >"$dir.log" 2>&1 && rc=0 || rc=$?
	echo "$rc $(( ($(date +%s%N) - t0) / 1000000 ))" >"$dir.rc"
}

mapfile -t tests < <(meson test -C "$build" --no-rebuild --list 2>/dev/null | grep ' / ')
[ ${#tests[@]} -gt 0 ] || die "meson test --list found no tests in $build"
names=()
for t in "${tests[@]}"; do
	# "project:suite1+suite2 / name"
	name=${t##* / }
	tsuites=${t%% / *}
	tsuites=${tsuites#*:}
	keep=false
	for s in "${suites[@]}"; do
		case "+$tsuites+" in *"+$s+"*) keep=true ;; esac
	done
	$keep && names+=("$name")
done
ran=${#names[@]}
lanes=$(nproc 2>/dev/null || echo 1)
[ "$lanes" -le 2 ] || lanes=2
# The long ones (a minute or more under the sanitizers) first, so that the lanes end together.
order=()
for name in e2e-record e2e-ssh-migrate e2e-migrate e2e-hostile; do
	for n in "${names[@]}"; do
		[ "$n" = "$name" ] && order+=("$n")
	done
done
for n in "${names[@]}"; do
	case " ${order[*]} " in *" $n "*) ;; *) order+=("$n") ;; esac
done
for name in "${order[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$lanes" ]; do
		wait -n || true
	done
	run_one "$name" &
done
wait
for name in "${names[@]}"; do
	dir=$log/$name
	read -r rc ms <"$dir.rc" 2>/dev/null || { rc=1 ms=0; }
	secs=$((ms / 1000)).$(((ms % 1000) / 100))
	if [ "$rc" -eq 0 ] && no_reports "$dir"; then
		ok "$name ($secs s)"
	else
		[ "$rc" -eq 0 ] || tail -n 40 "$dir.log" >&2
		bad "$name ($secs s): $([ "$rc" -eq 0 ] && echo "sanitizer reports" ||
			echo "the test failed (log: $dir.log)")"
	fi
done
[ "$ran" -gt 0 ] || bad "no test matched"
finish
