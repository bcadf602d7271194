#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run every test suite through meson and end with one line "N passed, N failed, N skipped".
# Each suite prints its own "<suite>: N passed, N failed[, N skipped]" line (Check suites,
# end-to-end scripts); those are added up. A suite that failed without such a line counts as
# one failure, and so does one that printed no count at all, so nothing is ever counted as a
# silent pass. A check that could not run is counted as skipped, never as passed.
#
# The figures are this run's only: meson's log is removed first, and a run that executed no
# test or left no log fails (a mistyped suite in TEST_ARGS, a build without those tests), as
# does a run whose meson test failed (a rebuild that failed, say) whatever the counts say.
#
# Just before the closing line, one line per group of suites says what the figures count:
# Check test cases, e2e assertions by the program they ran through (the e2e suites print
# "# SUITE via PROGRAM: N passed, ..." and "# SUITE: N emulated hosts set up"), and so on.
set -uo pipefail
build=${1:-.build}
log=$build/meson-logs/testlog.json

rm -f "$log"
meson test -C "$build" --print-errorlogs --num-processes 2 "${@:2}"
rc=$?

python3 - "$log" "$rc" <<'PY'
import json, os, re, sys
path, rc = sys.argv[1], int(sys.argv[2])
line = re.compile(r'^[A-Za-z0-9_. -]+: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?', re.M)
via = re.compile(r'^# \S+ via (.+?): (\d+) passed, (\d+) failed, (\d+) skipped$', re.M)
hosts = re.compile(r'^# \S+: (\d+) emulated hosts? set up$', re.M)
# What one count of each group of suites is.
what = {
    'unit': 'Check test cases of the library, each of one or more assertions',
    'emu': 'checks of the emulated PF itself, no library code under test',
    'e2e': 'assertions on what users see, programs against the emulated PF',
    'docs': 'man pages and completions checked against --help',
    'install': 'checks of the installed files and the Debian packages',
    'kernel': 'checks in a QEMU guest through the Linux NVMe driver',
    'sanitize': 'suites under ASan/UBSan and valgrind, and their canaries',
    'static': 'static analysers (one check per tool and file set), mutants that apply',
    'fuzz': 'fuzz targets (each replays its corpus)',
    'ansible': 'checks of the Ansible collection',
    'bench': 'benchmark smoke checks (a figure was produced)',
}

via_what = {
    'nvme intel-lm': ' (the nvme-cli plugin)',
    'nvme-intel-lm': ' (the standalone program)',
    'neither': ' (after no run of either: the emulator, programs started by hand, the schema)',
}

def fail_run(why):
    print(f'run-tests.sh: {why}')
    print('0 passed, 1 failed, 0 skipped')
    sys.exit(1)

if not os.path.exists(path):
    fail_run(f'meson test exited {rc} and wrote no {path}: no test ran '
             '(a mistyped suite, tests this build does not have, or a build that failed)')
tests = [json.loads(raw) for raw in open(path) if raw.strip()]
if not tests:
    fail_run(f'no test ran (meson test exited {rc}; {path} is empty)')

passed = failed = skipped = 0
groups = {}         # group -> [passed, failed, skipped, tests]
vias = {}           # program -> [passed, failed, skipped]
nhosts = 0
for t in tests:
    out = t.get('stdout') or ''
    counts = line.findall(out)
    ok = t.get('result') in ('OK', 'EXPECTEDFAIL')
    if counts:
        p = sum(int(a) for a, _, _ in counts)
        f = sum(int(b) for _, b, _ in counts)
        s = sum(int(c or 0) for _, _, c in counts)
        if not ok and f == 0:
            f = 1
    elif ok:
        print(f"suite {t['name']} printed no count: counted as a failure")
        p, f, s = 0, 1, 0
    else:
        print(f"suite {t['name']} failed ({t.get('result')})")
        p, f, s = 0, 1, 0
    passed += p
    failed += f
    skipped += s
    # "project:suite / name" (the first suite of the test)
    m = re.match(r'^(?:[^:/]*:)?([^ /]+)(?:\+\S*)? / ', t['name'])
    g = groups.setdefault(m.group(1) if m else t['name'], [0, 0, 0, 0])
    for i, n in enumerate((p, f, s, 1)):
        g[i] += n
    for prog, a, b, c in via.findall(out):
        v = vias.setdefault(prog, [0, 0, 0])
        for i, n in enumerate((a, b, c)):
            v[i] += int(n)
    nhosts += sum(int(n) for n in hosts.findall(out))

print('what the total counts (passed/failed/skipped):')
for name in sorted(groups, key=lambda k: -sum(groups[k][:3])):
    p, f, s, n = groups[name]
    print(f'  {name:9} {f"{p}/{f}/{s}":>12} in {n} suite{"s" if n != 1 else " "}: '
          f'{what.get(name, "checks")}')
    if name == 'e2e' and nhosts:
        print(f'  {"":9} {"":12}   on {nhosts} emulated hosts (a fresh device and record each)')
    if name == 'e2e':
        for prog, v in sorted(vias.items(), key=lambda kv: -sum(kv[1])):
            print(f'  {"":9} {"/".join(map(str, v)):>12}   via {prog}'
                  f'{via_what.get(prog, "")}')
if rc and not failed:
    print(f'meson test exited {rc} though every suite passed (a rebuild failed?): '
          'counted as a failure')
    failed = 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or rc else 0)
PY
