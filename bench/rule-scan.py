#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The one rule's scans in a batch, measured.

`load /dev/nvme0 --vf=1-64 --jobs=8` that asks the rule (64 scans of the record under the
identities' lock), with 129 records (64 VFs saved to files, 65 more suspended) and no device
latency, against the same load with --force (no scan). The record and the locks are on a tmpfs,
so that this measures the scans, not the disk. With several build directories (e.g. main's and
a branch's) the runs are interleaved, so that a loaded machine weighs on both alike; the
figures are medians, from fork to exit.

    bench/rule-scan.py [--runs N] BUILD [BUILD...]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

VFS, LOADED, SUSPENDED = 130, 64, 65


def setup(build, base):
    """A PF of 130 VFs, its record holding 129 entries; the environment and the batch dir."""
    work = tempfile.mkdtemp(prefix='rule-scan-', dir=base)
    conf = os.path.join(work, 'emu.conf')
    with open(conf, 'w') as f:
        f.write(f'sysfs = {work}/sys\nstate = {work}/emu.state\n[pf nvme0]\n'
                'serial = PHSCAN0000001\nmodel = "Intel IPU E2100 NVMe (emulated)"\nfirmware = 1.2.0\n'
                f'cntlid = 1\npci = 0000:3b:00.0\nvfs = {VFS}\nlatency_us = 0\n')
    env = {k: v for k, v in os.environ.items()
           if k not in ('LD_PRELOAD', 'MALLOC_PERTURB_', 'MALLOC_CHECK_')}
    env.update(LC_ALL='C', INTEL_LM_EMU=conf, INTEL_LM_SYSFS=f'{work}/sys',
               INTEL_LM_STATE_DIR=f'{work}/record', INTEL_LM_LOCK_DIR=f'{work}/lock')
    subprocess.run([f'{build}/tests/emu/intel-lm-emu', 'setup'], env=env, check=True)
    env['LD_PRELOAD'] = f'{build}/tests/emu/libintel-lm-emu.so'
    prog = f'{build}/plugins/intel-lm/nvme-intel-lm'
    blobs = f'{work}/blobs'
    for argv in (['suspend', '/dev/nvme0', f'--vf=1-{LOADED + SUSPENDED}'],
                 ['save', '/dev/nvme0', f'--vf=1-{LOADED}', '-o', blobs]):
        subprocess.run([prog] + argv, env=env, check=True, stdout=subprocess.DEVNULL)
    records = [n for n in os.listdir(f'{work}/record') if n.endswith('.rec')]
    assert len(records) == LOADED + SUSPENDED, len(records)
    return work, env, [prog, 'load', '/dev/nvme0', f'--vf=1-{LOADED}', '-i', blobs, '--jobs=8']


def once(argv, env):
    t0 = time.perf_counter_ns()
    p = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t1 = time.perf_counter_ns()
    if p.returncode:
        sys.exit(f'{" ".join(argv)} exited {p.returncode}: {p.stderr.decode()[-400:]}')
    return (t1 - t0) / 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--runs', type=int, default=15)
    ap.add_argument('builds', nargs='+')
    a = ap.parse_args()
    base = '/dev/shm' if os.access('/dev/shm', os.W_OK) else None
    setups = [setup(os.path.abspath(b), base) for b in a.builds]
    times = {(b, f): [] for b in a.builds for f in (False, True)}
    try:
        for _ in range(a.runs):
            for b, (_, env, argv) in zip(a.builds, setups):
                times[(b, False)].append(once(argv, env))
                times[(b, True)].append(once(argv + ['--force'], env))
    finally:
        for work, _, _ in setups:
            shutil.rmtree(work, ignore_errors=True)
    print(f'load --vf=1-{LOADED} --jobs=8, {LOADED + SUSPENDED} records, no latency, '
          f'median of {a.runs} (min-max), ms')
    for b in a.builds:
        r, f = times[(b, False)], times[(b, True)]
        print(f'{b}: asks the rule {statistics.median(r):.1f} ({min(r):.1f}-{max(r):.1f}); '
              f'--force {statistics.median(f):.1f} ({min(f):.1f}-{max(f):.1f}); '
              f'the rule costs {(statistics.median(r) - statistics.median(f)) / LOADED:.2f} '
              'ms a VF')


if __name__ == '__main__':
    main()
