#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run every test suite through meson and end with one line "N passed, N failed".
# Each suite prints its own "<suite>: N passed, N failed" line (Check suites, end-to-end
# scripts); those are added up. A suite that failed without such a line counts as one failure,
# and so does one that printed no count at all, so nothing is ever counted as a silent pass.
set -uo pipefail
build=${1:-.build}

meson test -C "$build" --print-errorlogs --num-processes 2 "${@:2}"
rc=$?

python3 - "$build/meson-logs/testlog.json" "$rc" <<'PY'
import json, re, sys
path, rc = sys.argv[1], int(sys.argv[2])
line = re.compile(r'^[A-Za-z0-9_. -]+: (\d+) passed, (\d+) failed', re.M)
passed = failed = 0
for raw in open(path):
    t = json.loads(raw)
    counts = line.findall(t.get('stdout') or '')
    ok = t.get('result') in ('OK', 'EXPECTEDFAIL')
    if counts:
        p = sum(int(a) for a, _ in counts)
        f = sum(int(b) for _, b in counts)
        if not ok and f == 0:
            f = 1
        passed += p
        failed += f
    elif ok:
        print(f"suite {t['name']} printed no count: counted as a failure")
        failed += 1
    else:
        print(f"suite {t['name']} failed ({t.get('result')})")
        failed += 1
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or rc else 0)
PY
