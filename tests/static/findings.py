#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The clang-tidy and gcc -fanalyzer halves of tests/static/run.sh.

  findings.py files DB SRCDIR DIR...
      the source files of compile database DB under SRCDIR/DIR..., one a line
  findings.py analyzer DB SRCDIR JOBS DIR...
      compile each of those files as the build does, plus -fanalyzer, output to /dev/null;
      print the compiler's output
  findings.py check KIND SRCDIR BUILDDIR SUPPRESSIONS
      read clang-tidy (KIND tidy) or gcc (KIND analyzer) output on stdin (relative paths are
      relative to BUILDDIR); print every finding that the suppressions file does not account
      for, and exit 1 when there is one

A suppressions file has one entry a line: PATH CHECK COUNT REASON. PATH is relative to SRCDIR,
CHECK the clang-tidy check or the gcc warning option without -W (e.g. analyzer-malloc-leak),
COUNT how many such findings PATH has: more is a failure (a new finding hides behind no old
one), fewer a note that the entry is stale. '#' starts a comment.
"""
import concurrent.futures
import json
import os
import re
import shlex
import subprocess
import sys

FINDING = re.compile(r'^(?P<path>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): '
                     r'(?P<sev>warning|error): (?P<msg>.*?)(?: \[(?P<check>[^\]]+)\])?$')


def db_entries(db, src, dirs):
    src = os.path.realpath(src)
    roots = [os.path.join(src, d.strip('/')) + os.sep for d in dirs]
    seen = {}
    for e in json.load(open(db)):
        path = os.path.realpath(os.path.join(e['directory'], e['file']))
        if any(path.startswith(r) for r in roots) and path not in seen:
            seen[path] = e
    return seen


def cmd_files(db, src, *dirs):
    for path in sorted(db_entries(db, src, dirs)):
        print(path)
    return 0


def analyze_one(path, entry):
    args = shlex.split(entry['command']) if 'command' in entry else list(entry['arguments'])
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ('-o', '-MF', '-MQ', '-MT'):
            skip = True
            continue
        if a in ('-MD', '-MMD', '-Werror') or a.startswith('-fdiagnostics-color'):
            continue
        out.append(a)
    out += ['-fanalyzer', '-fdiagnostics-color=never', '-o', os.devnull]
    env = dict(os.environ, LC_ALL='C')
    r = subprocess.run(out, cwd=entry['directory'], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    text = r.stdout
    if r.returncode:
        text += f'{path}:1:1: error: the compiler failed (exit {r.returncode}) [compile]\n'
    return text


def cmd_analyzer(db, src, jobs, *dirs):
    entries = db_entries(db, src, dirs)
    if not entries:
        print(f'{src}:1:1: error: no source files under {" ".join(dirs)} in {db} [compile]')
        return 1
    with concurrent.futures.ThreadPoolExecutor(max_workers=int(jobs)) as pool:
        for text in pool.map(lambda kv: analyze_one(*kv), sorted(entries.items())):
            sys.stdout.write(text)
    return 0


def load_suppressions(path):
    entries = {}
    for n, line in enumerate(open(path), 1):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 3)
        if len(parts) < 4 or not parts[2].isdigit():
            sys.exit(f'{path}:{n}: want PATH CHECK COUNT REASON')
        entries[(parts[0], parts[1])] = int(parts[2])
    return entries


def cmd_check(kind, src, base, supp_file):
    src = os.path.realpath(src)
    allowed = load_suppressions(supp_file)
    found = {}
    for line in sys.stdin:
        m = FINDING.match(line.rstrip('\n'))
        if not m:
            continue
        checks = [c for c in (m['check'] or 'compiler').split(',') if c != '-warnings-as-errors']
        if kind == 'analyzer':
            checks = [c[2:] if c.startswith('-W') else c for c in checks]
            # gcc puts [CWE-476] before the option: the option is the last bracket
            opt = re.findall(r'\[-W([^\]]+)\]', line)
            if opt:
                checks = [opt[-1]]
            elif m['sev'] == 'warning':
                checks = ['compiler-warning']
        path = os.path.relpath(os.path.realpath(os.path.join(base, m['path'])), src)
        key = (path, int(m['line']), int(m['col']), checks[0])
        found[key] = (checks, f"{path}:{m['line']}:{m['col']}: {m['msg']} [{','.join(checks)}]")
    by_file_check = {}
    for (path, _, _, _), (checks, text) in sorted(found.items()):
        names = [c for c in checks if (path, c) in allowed] or checks[:1]
        by_file_check.setdefault((path, names[0]), []).append(text)
    bad = 0
    for (path, check), texts in sorted(by_file_check.items()):
        want = allowed.get((path, check), 0)
        if len(texts) > want:
            bad += len(texts)
            for t in texts:
                print(t)
            if want:
                print(f'  ({path} is allowed {want} {check} finding(s): {len(texts)} now)')
    for (path, check), want in sorted(allowed.items()):
        have = len(by_file_check.get((path, check), []))
        if have < want:
            print(f'note: {supp_file}: {path} {check}: {want} allowed, {have} found: '
                  'stale, lower the count or remove the entry', file=sys.stderr)
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 4 and argv[1] == 'files':
        return cmd_files(argv[2], argv[3], *argv[4:])
    if len(argv) >= 6 and argv[1] == 'analyzer':
        return cmd_analyzer(argv[2], argv[3], argv[4], *argv[5:])
    if len(argv) == 6 and argv[1] == 'check' and argv[2] in ('tidy', 'analyzer'):
        return cmd_check(*argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
