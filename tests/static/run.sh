#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Static analysis of lib/, plugins/intel-lm/ and tests/emu/, one check per tool:
#
#  cppcheck	--enable=warning,style,performance,portability, the compile database of a gcc
#		configuration; false positives in tests/static/cppcheck-suppressions.txt (or
#		inline: // cppcheck-suppress ID), corrections to its POSIX knowledge in
#		tests/static/cppcheck.cfg
#  clang-tidy	the checks of .clang-tidy (which says what is off and why), the compile database
#		of a clang configuration; false positives in
#		tests/static/clang-tidy-suppressions.txt
#  gcc-analyzer	each file compiled as the build does, plus -fanalyzer; false positives in
#		tests/static/analyzer-suppressions.txt
#
# The two suppression lists give, per file and check, how many findings are expected and why:
# one more is a failure.
#
#	tests/static/run.sh SRCDIR BUILDDIR [TOOL...]
#
#	BUILDDIR	a work directory: BUILDDIR/gcc and BUILDDIR/clang are meson configurations
#			(configured only, never built) whose compile_commands.json the tools read
#	TOOL		cppcheck, clang-tidy or gcc-analyzer (default: all three)
#
# Prints "static: N passed, N failed". A missing tool is a failure, not a skip:
# scripts/install-deps.sh test installs them.
set -euo pipefail

prog=static
[ $# -ge 2 ] || { sed -n '3,/^set -euo/ { /^set -euo/d; s/^# \{0,1\}//; p }' "$0" >&2; exit 2; }
src=$(cd "$1" && pwd)
mkdir -p "$2"
work=$(cd "$2" && pwd)
shift 2
tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(cppcheck clang-tidy gcc-analyzer)
here=$src/tests/static
dirs=(lib plugins/intel-lm tests/emu)
jobs=$(nproc 2>/dev/null || echo 2)

pass=0
fail=0
ok() {
	pass=$((pass + 1))
	echo "ok     $*"
}
bad() {
	fail=$((fail + 1))
	echo "FAILED $*"
}

# configure DIR CC: a meson configuration of the tree with compiler CC, for its compile database
configure() {
	local dir=$work/$1 cc=$2
	if [ -f "$dir/compile_commands.json" ] && [ "$(cat "$dir/.static-cc" 2>/dev/null)" = "$cc" ]
	then
		# meson regenerates the database when a meson.build changed
		ninja -C "$dir" build.ninja >"$work/$1-setup.log" 2>&1 && return 0
	fi
	rm -rf "$dir"
	CC=$cc meson setup "$dir" "$src" -Dnvme-cli=disabled -Dquality-tests=false \
		>"$work/$1-setup.log" 2>&1 || { cat "$work/$1-setup.log" >&2; return 1; }
	echo "$cc" >"$dir/.static-cc"
}

# have TOOL...: every tool is installed, or the check fails
have() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null; then
			echo "$prog: error: '$t' not found (scripts/install-deps.sh test)" >&2
			return 1
		fi
	done
}

elapsed() {
	local ms=$((($(date +%s%N) - $1) / 1000000))
	echo "$((ms / 1000)).$(((ms % 1000) / 100)) s"
}

run_cppcheck() {
	local filters=() d
	have cppcheck meson ninja gcc || return 1
	configure gcc gcc || return 1
	for d in "${dirs[@]}"; do
		filters+=("--file-filter=$src/$d/*")
	done
	# --project takes each file's include paths and defines from the build
	cppcheck --project="$work/gcc/compile_commands.json" "${filters[@]}" \
		--enable=warning,style,performance,portability --std=c11 --library=posix \
		--library="$here/cppcheck.cfg" \
		--inline-suppr --suppressions-list="$here/cppcheck-suppressions.txt" \
		--error-exitcode=1 --quiet -j "$jobs" \
		--template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
		2>"$work/cppcheck.log"
}

run_clang_tidy() {
	have clang-tidy clang meson ninja python3 || return 1
	configure clang clang || return 1
	local db=$work/clang/compile_commands.json
	# every file, --jobs at a time; clang-tidy reads .clang-tidy from the source tree
	python3 "$here/findings.py" files "$db" "$src" "${dirs[@]}" >"$work/clang-tidy.files"
	[ -s "$work/clang-tidy.files" ] || { echo "no files for clang-tidy" >&2; return 1; }
	xargs -P "$jobs" -n 1 clang-tidy -p "$work/clang" --quiet <"$work/clang-tidy.files" \
		>"$work/clang-tidy.log" 2>"$work/clang-tidy.err" || true
	if grep -q 'Error while processing\|Error reading configuration' "$work/clang-tidy.err"; then
		cat "$work/clang-tidy.err" >&2
		return 1
	fi
	python3 "$here/findings.py" check tidy "$src" "$work/clang" \
		"$here/clang-tidy-suppressions.txt" <"$work/clang-tidy.log"
}

run_gcc_analyzer() {
	have gcc meson ninja python3 || return 1
	configure gcc gcc || return 1
	python3 "$here/findings.py" analyzer "$work/gcc/compile_commands.json" "$src" "$jobs" \
		"${dirs[@]}" >"$work/gcc-analyzer.log" 2>&1 || { cat "$work/gcc-analyzer.log" >&2; return 1; }
	python3 "$here/findings.py" check analyzer "$src" "$work/gcc" \
		"$here/analyzer-suppressions.txt" <"$work/gcc-analyzer.log"
}

for tool in "${tools[@]}"; do
	t0=$(date +%s%N)
	case $tool in
	cppcheck) fn=run_cppcheck log=cppcheck.log ;;
	clang-tidy) fn=run_clang_tidy log=clang-tidy.log ;;
	gcc-analyzer) fn=run_gcc_analyzer log=gcc-analyzer.log ;;
	*) bad "$tool: unknown tool (cppcheck, clang-tidy, gcc-analyzer)"; continue ;;
	esac
	rm -f "$work/$log"
	if $fn >"$work/$tool.findings" 2>&1; then
		ok "$tool ($(elapsed "$t0"))"
		grep '^note:' "$work/$tool.findings" || true
	else
		bad "$tool ($(elapsed "$t0")): findings or errors below (full output: $work/$log)"
		cat "$work/$tool.findings" >&2
		if [ "$tool" = cppcheck ] && [ -f "$work/cppcheck.log" ]; then
			cat "$work/cppcheck.log" >&2
		fi
	fi
done
echo "$prog: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
