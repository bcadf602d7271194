#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the libFuzzer targets (clang -fsanitize=fuzzer,address,undefined, straight from the
# library's sources) and run each: first its regression inputs (tests/fuzz/regressions/TARGET/,
# each must pass), then SECONDS of fuzzing from its seeds (tests/fuzz/corpus/TARGET/) and what
# earlier runs found (BUILDDIR/corpus/TARGET/, kept between runs).
#
#	tests/fuzz/run.sh SRCDIR BUILDDIR SECONDS [TARGET...]
#
# A crash, a leak, a timeout (10 s for one input) or running out of memory (2 GiB) fails the
# target, and the input is copied into tests/fuzz/regressions/TARGET/ in the source tree: commit
# it with the fix, and every later run replays it first. The targets run two at a time (or
# nproc). Prints "fuzz: N passed, N failed" (one per target).
#
# Targets (tests/fuzz/fuzz-TARGET.c say what each checks):
#   blob		intel_lm_blob_decode, intel_lm_blob_check_payload, ..._check_identity
#   blob-read		intel_lm_blob_read and intel_lm_raw_read from a memfd and a pipe
#   vf-select		intel_lm_vf_select (a fixed VF list and an empty one)
#   id-ctrl		intel_lm_parse_id_ctrl on 4096 bytes, then intel_lm_state_limit
#   sec-ctrl-list	intel_lm_parse_sec_ctrl_list on 4096 bytes, then find, format, select
#   limits		intel_lm_state_limit, ..._limit_set and intel_lm_check_size for any MDTS
#   record		intel_lm_record_read of any record file
set -euo pipefail

prog=fuzz
usage() {
	sed -n '3,/^set -euo/ { /^set -euo/d; s/^# \{0,1\}//; p }' "$0" >&2
	exit 2
}
[ $# -ge 3 ] || usage
src=$(cd "$1" && pwd)
mkdir -p "$2"
build=$(cd "$2" && pwd)
seconds=$3
shift 3
[[ $seconds =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || usage
all=(blob blob-read vf-select id-ctrl sec-ctrl-list limits record)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
here=$src/tests/fuzz

# The longest input each target reads (libFuzzer's -max_len).
declare -A max_len=([blob]=2048 [blob-read]=2048 [vf-select]=128 [id-ctrl]=4096
		    [sec-ctrl-list]=4096 [limits]=16 [record]=16386)

. "$(dirname "$0")/../quality/count.sh"

for t in clang pkg-config; do
	command -v "$t" >/dev/null || die "'$t' not found (scripts/install-deps.sh test)"
done
[ -f "$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)" ] ||
	die "clang has no libFuzzer (libclang_rt.fuzzer-x86_64.a): install libclang-rt-dev"
for t in "${targets[@]}"; do
	[ -n "${max_len[$t]:-}" ] || die "unknown target '$t' (${all[*]})"
done

# 1. Build: the library's sources once, then each target.
san=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
cflags=(-std=gnu11 -g -O1 -D_GNU_SOURCE -DINTEL_LM_VERSION='"fuzz"' -I"$src/include"
	-Wall -Wextra -Wno-missing-field-initializers $(pkg-config --cflags libnvme zlib))
read -ra libs <<<"$(pkg-config --libs libnvme zlib)"
obj=$build/obj
mkdir -p "$obj"
t0=$(date +%s)
: >"$build/build.log"
lib_objs=()
for c in "$src"/lib/*.c; do
	# One submission back end: the host's libnvme 1.x (pkg-config libnvme above).
	[[ $c == */backend-libnvme3.c ]] && continue
	o=$obj/$(basename "$c" .c).o
	lib_objs+=("$o")
	[ -f "$o" ] && [ "$o" -nt "$c" ] &&
		[ -z "$(find "$src/include" "$src/lib" -name '*.h' -newer "$o" -print -quit)" ] &&
		continue
	clang "${cflags[@]}" -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer -I"$src/lib" -c -o "$o" "$c" >>"$build/build.log" 2>&1 ||
		{ cat "$build/build.log" >&2; die "building $c failed"; }
done
for t in "${targets[@]}"; do
	clang "${cflags[@]}" "${san[@]}" -o "$build/fuzz-$t" "$here/fuzz-$t.c" "${lib_objs[@]}" \
		"${libs[@]}" >>"$build/build.log" 2>&1 ||
		{ cat "$build/build.log" >&2; die "building fuzz-$t failed"; }
done
echo "built ${#targets[@]} targets in $(($(date +%s) - t0)) s"

# 2. Run: one job per target, up to nproc at a time.
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# run_target TARGET: writes BUILDDIR/TARGET.result ("ok ..." or "FAILED ...") and .log
run_target() {
	local t=$1 exe=$build/fuzz-$1 reg=$here/regressions/$1 art=$build/artifacts/$1
	local corpus=$build/corpus/$1 log=$build/$1.log inputs=() f rc
	rm -rf "$art"
	mkdir -p "$art" "$corpus"
	: >"$log"
	for f in "$reg"/*; do
		[ -f "$f" ] && [[ $(basename "$f") != .* ]] && inputs+=("$f")
	done
	if [ ${#inputs[@]} -gt 0 ]; then
		if ! "$exe" -timeout=10 -rss_limit_mb=2048 "${inputs[@]}" >>"$log" 2>&1; then
			echo "FAILED $t: a regression input fails again (log: $log)" >"$build/$t.result"
			return
		fi
	fi
	"$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-max_len="${max_len[$t]}" -artifact_prefix="$art/" -print_final_stats=1 \
		$([ -f "$here/$t.dict" ] && echo "-dict=$here/$t.dict") \
		"$corpus" "$here/corpus/$t" >>"$log" 2>&1 && rc=0 || rc=$?
	local execs
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -z "$(ls -A "$art")" ]; then
		echo "ok     $t: ${execs:-?} runs in $seconds s, $(ls "$corpus" | wc -l) corpus inputs" \
			>"$build/$t.result"
		return
	fi
	# Keep what failed as a regression input: the next run replays it first.
	local kept=0
	for f in "$art"/*; do
		[ -f "$f" ] || continue
		mkdir -p "$reg"
		cp "$f" "$reg/$(basename "$f")"
		echo "new regression input: tests/fuzz/regressions/$t/$(basename "$f")" >>"$log"
		kept=$((kept + 1))
	done
	echo "FAILED $t: exit $rc after ${execs:-?} runs; $([ $kept -gt 0 ] &&
		echo "$kept input(s) kept in tests/fuzz/regressions/$t/" ||
		echo "libFuzzer saved no input") (log: $log)" >"$build/$t.result"
}

t0=$(date +%s)
jobs=$(nproc 2>/dev/null || echo 2)
running=0
for t in "${targets[@]}"; do
	rm -f "$build/$t.result"
	run_target "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
done
wait
for t in "${targets[@]}"; do
	if [ ! -f "$build/$t.result" ]; then
		bad "$t: no result (log: $build/$t.log)"
	elif grep -q '^ok' "$build/$t.result"; then
		ok "$(sed 's/^ok *//' "$build/$t.result")"
	else
		bad "$(sed 's/^FAILED *//' "$build/$t.result")"
		grep -E 'ERROR|runtime error|expectation failed|new regression' "$build/$t.log" |
			head -n 20 >&2 || true
	fi
done
echo "fuzzed for $(($(date +%s) - t0)) s"
finish
