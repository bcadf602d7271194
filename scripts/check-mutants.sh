#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The mutation check (tests/README.md, "Mutation check"): each deliberate bug in
# tests/mutants/*.mutant must make at least one of the test suites it names fail.
#
#   scripts/check-mutants.sh BUILD [--source=DIR] [MUTANT...]
#   scripts/check-mutants.sh --applies [--source=DIR] [MUTANT...]
#
# --applies only checks, in seconds and without building, that each mutant's text occurs exactly
# once in DIR's working tree (make test runs it, so that a refactor that moves a mutant's text
# fails there rather than in CI's slower check-mutants).
#
# The committed tree (git archive HEAD of DIR, default this repository) is copied into a
# temporary directory under BUILD and built once (meson setup --werror, the standalone program
# only, no docs, no quality suites). The suites of every mutant are first run on that tree as
# it is: a suite that fails without a bug proves nothing, so a failing baseline fails the whole
# check. Then for each mutant: its exact text is replaced, the build is updated incrementally,
# its suites run one by one until one fails (KILLED) or all pass (SURVIVED), and the file is
# restored. A mutant whose text is not found exactly once, whose tree does not compile or which
# names a suite that does not exist "could not be applied": a failure too, so that a refactor
# cannot make a mutant vanish. Logs stay in BUILD/check-mutants-logs.
#
# Closes with "mutants: N killed, N survived, N could not be applied" and "N passed, N failed,
# 0 skipped" (killed = passed; nothing is ever skipped); exits non-zero unless every mutant was
# killed.
set -uo pipefail

usage() {
	sed -n '4,9p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}

[ $# -ge 1 ] || usage
case $1 in -h|--help) usage 0 ;; esac
top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
shift
source_dir=$top
mutants=()
for a; do
	case $a in
	--source=*) source_dir=${a#--source=} ;;
	-h|--help) usage 0 ;;
	-*) echo "check-mutants: unknown option $a" >&2; usage ;;
	*) mutants+=("$a") ;;
	esac
done
[ ${#mutants[@]} -gt 0 ] || mutants=("$top"/tests/mutants/*.mutant)

# field SPEC NAME: the value of the one-line field "NAME: value" of a mutant's spec.
field() {
	sed -n "/^find:\$/q; s/^$2: //p" "$1" | head -n 1
}

# apply SPEC [DIR [check]]: replace the spec's find block by its replace block in DIR (default
# $src), which must hold it exactly once; with "check", only look. Prints why not on failure.
apply() {
	python3 - "$1" "${2:-$src}" "${3:-}" <<'PY'
import sys
spec, src, check = sys.argv[1], sys.argv[2], sys.argv[3] == 'check'
lines = open(spec).read().split('\n')
if lines and lines[-1] == '':
    lines.pop()
try:
    f, r = lines.index('find:'), lines.index('replace:')
except ValueError:
    sys.exit('the spec has no "find:" or no "replace:" line')
find = '\n'.join(lines[f + 1:r]) + '\n'
repl = '\n'.join(lines[r + 1:]) + '\n'
path = None
for l in lines[:f]:
    if l.startswith('file: '):
        path = l[6:].strip()
if not path or r <= f + 1 or find == repl:
    sys.exit('the spec needs a file, a find block and a different replace block')
try:
    text = open(f'{src}/{path}').read()
except OSError as e:
    sys.exit(f'{path}: {e.strerror}')
n = text.count(find)
if n != 1:
    sys.exit(f'{path}: the text to find occurs {n} times, not once')
if not check:
    open(f'{src}/{path}', 'w').write(text.replace(find, repl))
PY
}

if [ "$build" = --applies ]; then
	good=0 bad=0
	for m in "${mutants[@]}"; do
		name=$(basename "$m" .mutant)
		if why=$(apply "$m" "$source_dir" check 2>&1); then
			good=$((good + 1))
			echo "ok - mutant $name applies to $(field "$m" file)"
		else
			bad=$((bad + 1))
			echo "not ok - mutant $name cannot be applied: ${why:-the text was not found}" \
				"(update tests/mutants/$name.mutant with the code it mutates)"
		fi
	done
	echo "mutants: $good passed, $bad failed, 0 skipped"
	[ "$bad" -eq 0 ]
	exit
fi

mkdir -p "$build"
build=$(cd "$build" && pwd)
logs=$build/check-mutants-logs
rm -rf "$logs"
mkdir -p "$logs"
work=$(mktemp -d "$build/check-mutants.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/src
bld=$work/build
start=$SECONDS

# The e2e suites through the standalone program only: the nvme-cli plugin is the same front end
# and library, built into another program (make test runs both).
export INTEL_LM_E2E_NVME=none

# failed_tests: the tests of the last meson test run that did not pass, with their result.
failed_tests() {
	python3 - "$bld/meson-logs/testlog.json" <<'PY'
import json, re, sys
for raw in open(sys.argv[1]):
    t = json.loads(raw)
    if t.get('result') not in ('OK', 'EXPECTEDFAIL'):
        m = re.findall(r'(\d+) passed, (\d+) failed', t.get('stdout') or '')
        n = f', {m[-1][1]} checks failed' if m else ''
        print(f"{t['name']} ({t['result']}{n})")
PY
}

# run_tests LOG TEST...: meson test of the copy, its output and every test's log into LOG.
run_tests() {
	local log=$1 rc
	shift
	rm -f "$bld"/meson-logs/testlog.*
	meson test -C "$bld" --no-rebuild --num-processes 2 "$@" >> "$log" 2>&1
	rc=$?
	cat "$bld/meson-logs/testlog.txt" >> "$log" 2>/dev/null
	return $rc
}

echo "check-mutants: copying the committed tree of $source_dir"
mkdir -p "$src"
if ! git -C "$source_dir" archive HEAD | tar -x -C "$src"; then
	echo "check-mutants: cannot copy $source_dir (a git tree?)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
echo "check-mutants: building it (log: $logs/build.log)"
if ! { meson setup "$bld" "$src" --werror -Ddocs=false -Dnvme-cli=disabled \
	-Dquality-tests=false && meson compile -C "$bld"; } > "$logs/build.log" 2>&1; then
	tail -n 30 "$logs/build.log"
	echo "check-mutants: the tree without mutants does not build"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
known=" $(meson test -C "$bld" --no-rebuild --list 2>/dev/null | tr '\n' ' ') "

# The baseline: every suite a mutant names, on the tree as it is.
declare -A seen=()
baseline=()
for m in "${mutants[@]}"; do
	for s in $(field "$m" suites); do
		if [[ $known == *" $s "* && -z ${seen[$s]:-} ]]; then
			seen[$s]=1
			baseline+=("$s")
		fi
	done
done
t0=$SECONDS
echo "check-mutants: baseline, without mutants: ${baseline[*]:-(no test to run)}"
if [ ${#baseline[@]} -gt 0 ] && ! run_tests "$logs/baseline.log" "${baseline[@]}"; then
	failed_tests 2>/dev/null | sed 's/^/  fails without a mutant: /'
	echo "check-mutants: the suites fail without a mutant; a kill would prove nothing" \
		"(log: $logs/baseline.log)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
[ ${#baseline[@]} -eq 0 ] || echo "  all pass ($((SECONDS - t0)) s)"

killed=0 survived=0 unapplied=0
for m in "${mutants[@]}"; do
	name=$(basename "$m" .mutant)
	file=$(field "$m" file)
	suites=$(field "$m" suites)
	log=$logs/$name.log
	t0=$SECONDS
	echo "mutant $name: $(field "$m" description)"
	why=
	if [ -z "$file" ] || [ ! -f "$src/$file" ]; then
		why="no such file '${file}'"
	elif [ -z "$suites" ]; then
		why="the spec names no suite"
	else
		cp "$src/$file" "$work/original"
		if ! why=$(apply "$m" 2>&1); then
			why=${why:-the text was not found}
		fi
		for s in $suites; do
			[[ $known == *" $s "* ]] || why="${why:+$why; }no test named $s"
		done
		if [ -z "$why" ] && ! meson compile -C "$bld" > "$log" 2>&1; then
			why="the mutated tree does not compile (log: $log)"
		fi
	fi
	if [ -n "$why" ]; then
		unapplied=$((unapplied + 1))
		echo "  COULD NOT BE APPLIED: $why"
		needs=$(field "$m" needs)
		[ -z "$needs" ] || echo "  (it needs $needs)"
	else
		by=
		for s in $suites; do
			if ! run_tests "$log" "$s"; then
				by=$(failed_tests 2>/dev/null | paste -sd ' ')
				by=${by:-$s (meson test failed, see $log)}
				break
			fi
		done
		if [ -n "$by" ]; then
			killed=$((killed + 1))
			echo "  KILLED by $by ($((SECONDS - t0)) s)"
			# The first checks that failed (e2e "not ok", Check ":F:" and ":E:" lines).
			grep -E -m 3 '^not ok|:[FE]:' "$log" | cut -c 1-160 | sed 's/^/    /'
		else
			survived=$((survived + 1))
			echo "  SURVIVED: $suites all pass with this bug ($((SECONDS - t0)) s, log: $log)"
		fi
	fi
	# Restored with a new modification time, so that the next build recompiles it.
	[ ! -f "$work/original" ] || { cat "$work/original" > "$src/$file"; rm -f "$work/original"; }
done

total=$((SECONDS - start))
echo "mutants: $killed killed, $survived survived, $unapplied could not be applied" \
	"($((total / 60)) min $((total % 60)) s)"
echo "$killed passed, $((survived + unapplied)) failed, 0 skipped"
[ $((survived + unapplied)) -eq 0 ]
