#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The intel-lm benchmark: what a migration costs, against references measured in the same run.

    bench/run.py BUILD_DIR [smoke|full] [--keep]

Runs the programs of BUILD_DIR against the emulated Intel PF (tests/emu) and measures:

  per-op    instructions (callgrind) and wall time of query-size, suspend, save and load, for
            the standalone program, the nvme-cli build, bench/floor (the least program that does
            the unavoidable work) and Debian's `nvme admin-passthru` doing the same raw job;
  downtime  `migrate` of one VF at 1 ms and 10 ms emulated command latency: source SUSPEND to
            destination RESUME, against the device's own time and the durable write;
  scale     save and load of 1..256 VFs with --jobs 1..16 at 1 ms latency, against the ideal;
  mlist     `migrate --vf=1-N --to-vf=1-N` of 16..256 VF pairs between two PFs with --jobs
            1..8 at 1 ms latency: each pair's downtime against its own device time and durable
            write, the batch against the ideal, every pair checked in the record (status);
  memory    peak RSS of save and load, 4 KiB..4 MiB states and a 256-VF batch;
  durable   save of a 4 MiB state against `dd bs=4M conv=fsync` of the same bytes;
  ssh       `migrate --to=ssh://` through the bench's own sshd and a delaying relay: the
            downtime per VF at 0 and 20 ms added round trip against the one-host migrate of
            the same run, a list of 64 pairs at --jobs=8 against the ideal (over a cold
            connection, through a ControlMaster already up, and through a pipe without ssh;
            where the cold start-up goes), and the playbook intel_lm.nvme.migrate's downtime
            against the command's (about 1 minute).

full writes bench/results/DATE.json and bench/RESULTS.md in the source tree; smoke (tiny
counts, part of `make test`) writes the same files under BUILD_DIR/bench/. Both end with
"bench[-smoke]: N passed, N failed", where a check is "the measurement produced a number" or
"the outputs were written": a missed target is reported in the tables, not as a failure.

Only the Python standard library is used.
"""
import argparse
import datetime
import json
import math
import os
import platform
import pwd
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

KIB = 1024
MIB = 1024 * 1024
REF_MAX_STATE = 256 * KIB      # above this, the programs need --max-state-size
SEG_PAGES = 127                # the Linux NVMe driver's NVME_MAX_SEGS
HUGE = 2 * MIB
MODEL = 'Intel IPU E2100 NVMe (emulated)'
FIRMWARE = '1.2.0'

MODES = {
    'smoke': {
        'instr_reps': 1, 'time_reps': 3,
        'perop_sizes': [4 * KIB],
        'mig_latencies_us': [1000], 'mig_sizes': [4 * KIB], 'mig_reps': 2,
        'scale_latency_us': 1000, 'scale_vfs': [1, 4], 'scale_jobs': [1, 2], 'scale_reps': 1,
        'scale_disk': [(4, 2)], 'scale_targets': [((4, 2), 1.2)],
        'ml_pairs': [4], 'ml_jobs': [1, 2], 'ml_reps': 1, 'ml_extra': [(4, 2)],
        'mem_sizes': [4 * KIB, 256 * KIB], 'mem_batch': (8, 64 * KIB), 'mem_batch_jobs': [2],
        'mem_reps': 1,
        'dur_size': 256 * KIB, 'dur_reps': 2,
        'ssh_rtts_ms': [0], 'ssh_reps': 1, 'ssh_list': (4, 2), 'ssh_playbook_reps': 1,
        'ssh_list_reps': 1,
    },
    'full': {
        'instr_reps': 3, 'time_reps': 11,
        'perop_sizes': [4 * KIB, 256 * KIB],
        'mig_latencies_us': [1000, 10000], 'mig_sizes': [4 * KIB, 256 * KIB], 'mig_reps': 11,
        'scale_latency_us': 1000, 'scale_vfs': [1, 16, 64, 256], 'scale_jobs': [1, 2, 4, 8, 16],
        'scale_reps': 7, 'scale_disk': [(64, 8), (256, 8)],
        'scale_targets': [((64, 8), 1.2), ((256, 8), 1.15)],
        'ml_pairs': [16, 64, 256], 'ml_jobs': [1, 4, 8], 'ml_reps': 3,
        'ml_extra': [(64, 8), (256, 8)],
        'mem_sizes': [4 * KIB, 64 * KIB, 256 * KIB, 1 * MIB, 4 * MIB],
        'mem_batch': (256, 256 * KIB), 'mem_batch_jobs': [1, 8, 16], 'mem_reps': 5,
        'dur_size': 4 * MIB, 'dur_reps': 41,
        'ssh_rtts_ms': [0, 20], 'ssh_reps': 7, 'ssh_list': (64, 8), 'ssh_playbook_reps': 3,
        'ssh_list_reps': 3,
    },
}

# Targets (issues #7 and #14; the scale targets, wall / ideal at a batch size, are in MODES).
T_FLOOR_RATIO = 1.5            # standalone instructions / floor
T_FLOOR_OPS = ('query-size', 'suspend', 'resume', 'save 4 KiB', 'load 4 KiB')
# The bench moves the same states into the same VFs round after round, which the one rule
# (intel-lm-cold-migration(7)) refuses once a copy ran on: its loads, resumes and migrations
# that reuse VFs take --force, which skips the rule's look at the record (one read of every
# record per command). What users' first moves cost on top is not in these figures, but in
# Scale's loads, which bring back states that never ran since their save and ask the rule.
REUSE = ['--force']
T_DOWNTIME_OVERHEAD_NS = 1_000_000
T_LINEAR_DEV = 0.10            # worst distance of a batch's wall time from the fitted line
T_MEM_CONST_KIB = 256          # "a small constant" above one state buffer per job
T_DURABLE_RATIO = 1.2
T_MLIST_RATIO = 1.3            # a migrate list's wall time / its ideal, start-up included
T_SSH_SLACK_NS = 5_000_000     # host to host: one-host downtime + 2 RTT + transfer + this
T_SSH_LIST_RATIO = 1.3         # a list host to host / (device time over the jobs + transfer)
T_SSH_PLAYBOOK = 0.10          # the playbook's downtime within this of the command's

OPC_NAMES = {0x06: 'IDENTIFY', 0xc4: 'QUERY_DATA_SIZE', 0xc8: 'SUSPEND', 0xcc: 'RESUME',
             0xd2: 'SAVE_DATA', 0xd5: 'LOAD_DATA'}


def human_size(n):
    if n >= MIB and n % MIB == 0:
        return f'{n // MIB} MiB'
    if n >= KIB and n % KIB == 0:
        return f'{n // KIB} KiB'
    return f'{n} B'


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_int(v):
    return '–' if v is None else f'{int(round(v)):,}'


def fmt_ms(ns, digits=2):
    return '–' if ns is None else f'{ns / 1e6:.{digits}f}'


def fmt_ratio(v):
    return '–' if v is None else f'{v:.2f}×'


def verdict(ok):
    return '–' if ok is None else ('met' if ok else '**missed**')


class MeasureError(Exception):
    pass


class Result:
    def __init__(self, rc, wall_ns, rss_kib, out, err, cpu_ns=None):
        self.rc, self.wall_ns, self.rss_kib, self.out, self.err = rc, wall_ns, rss_kib, out, err
        self.cpu_ns = cpu_ns            # user + system time of the program


class Bench:
    def __init__(self, build, mode, keep):
        self.build = os.path.abspath(build)
        self.src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.mode = mode
        self.cfg = MODES[mode]
        self.keep = keep
        self.loadavg_start = os.getloadavg()
        self.checks = []                # (ok, description)
        self.notes = []                 # Markdown bullet points about misses
        self.results = {}
        self.std = os.path.join(self.build, 'plugins/intel-lm/nvme-intel-lm')
        self.nvme_cli = os.path.join(self.build, 'plugins/intel-lm/nvme')
        self.floor = os.path.join(self.build, 'bench/floor')
        self.peak_rss = os.path.join(self.build, 'bench/peak-rss')
        self.emu_so = os.path.join(self.build, 'tests/emu/libintel-lm-emu.so')
        self.emu_ctl = os.path.join(self.build, 'tests/emu/intel-lm-emu')
        self.debian_nvme = shutil.which('nvme', path='/usr/sbin:/usr/bin:/sbin:/bin')
        self.dd = shutil.which('dd')
        self.valgrind = shutil.which('valgrind')
        self.strace = shutil.which('strace')
        base = os.path.join(self.build, 'bench')
        os.makedirs(base, exist_ok=True)
        # Output files (states, blobs, the migrate safety copy) live on the build directory's
        # file system, as a user's would; the emulator's own state, its sysfs tree, the locks
        # and the scale batches on a tmpfs when there is one, so that the emulator's
        # bookkeeping does not stand in for disk I/O that a real device would not do.
        self.work = tempfile.mkdtemp(prefix='work-', dir=base)
        shm = '/dev/shm'
        fast_base = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else base
        self.fast = tempfile.mkdtemp(prefix='intel-lm-bench-', dir=fast_base)
        # meson test sets MALLOC_PERTURB_, which makes malloc fill memory: not here.
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ('LD_PRELOAD', 'MALLOC_PERTURB_', 'MALLOC_CHECK_')
                    and not k.startswith('GLIBC_TUNABLES')}
        # intel-lm's durable record lives with the outputs (a real disk, ext4 here), not on a
        # tmpfs: its fdatasyncs in the downtime are part of what is measured.
        self.env.update(LC_ALL='C', TMPDIR=self.work,
                        INTEL_LM_LOCK_DIR=os.path.join(self.fast, 'lock'),
                        INTEL_LM_STATE_DIR=os.path.join(self.work, 'record'))

    def cleanup(self):
        if self.keep:
            print(f'bench: kept {self.work} and {self.fast}')
            return
        shutil.rmtree(self.work, ignore_errors=True)
        shutil.rmtree(self.fast, ignore_errors=True)

    # ---------------------------------------------------------------- plumbing

    def check(self, ok, desc):
        self.checks.append((bool(ok), desc))
        print(f"{'ok' if ok else 'not ok'} - {desc}", flush=True)

    def number(self, value, desc):
        """A check that a measurement produced a number; returns the value."""
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and \
            math.isfinite(value)
        self.check(ok, f'{desc}: {value if ok else "no number"}')
        return value if ok else None

    def run(self, argv, env, preload=True, stdout=None, timeout=300, rss=False):
        """Run one program: its wall time (ns), output, and with @rss its peak RSS (KiB),
        through peak-rss (a program started from here would inherit Python's RSS mark)."""
        e = dict(env)
        if rss:
            rss_file = os.path.join(self.work, 'peak-rss.out')
            argv = [self.peak_rss, rss_file] + argv
            if preload:
                e['BENCH_PRELOAD'] = self.emu_so
        elif preload:
            e['LD_PRELOAD'] = self.emu_so
        out_f = open(stdout, 'wb') if stdout else tempfile.TemporaryFile()
        err_f = tempfile.TemporaryFile()
        try:
            t0 = time.perf_counter_ns()
            p = subprocess.Popen(argv, env=e, stdin=subprocess.DEVNULL, stdout=out_f,
                                 stderr=err_f)
            timer = threading.Timer(timeout, lambda: os.kill(p.pid, signal.SIGKILL))
            timer.start()
            _, status, ru = os.wait4(p.pid, 0)
            t1 = time.perf_counter_ns()
            timer.cancel()
            p.returncode = os.waitstatus_to_exitcode(status)
            out = b''
            if not stdout:
                out_f.seek(0)
                out = out_f.read()
            err_f.seek(0)
            err = err_f.read()
        finally:
            out_f.close()
            err_f.close()
        maxrss = None
        if rss and p.returncode == 0:
            with open(rss_file) as f:
                maxrss = int(f.read())
        return Result(p.returncode, t1 - t0, maxrss, out.decode(errors='replace'),
                      err.decode(errors='replace'),
                      None if rss else int((ru.ru_utime + ru.ru_stime) * 1e9))

    def must(self, argv, env, what, **kw):
        r = self.run(argv, env, **kw)
        if r.rc != 0:
            raise MeasureError(f'{what}: {" ".join(argv)} exited {r.rc}: '
                               f'{r.err.strip()[-400:]}')
        return r

    def emu(self, name, pfs, setup=True, trace=False, state=None):
        """Write an emulator configuration; set it up; the environment to use it."""
        conf = os.path.join(self.work, name + '.conf')
        lines = [f'sysfs = {os.path.join(self.fast, (state or name) + ".sys")}',
                 f'state = {os.path.join(self.fast, (state or name) + ".state")}']
        if trace:
            lines.append(f'trace = {os.path.join(self.fast, name + ".trace")}')
        for i, pf in enumerate(pfs):
            lines += [f'[pf nvme{i}]', f'serial = PHBENCH{i:07d}', f'model = "{MODEL}"',
                      f'firmware = {FIRMWARE}', f'cntlid = {i + 1}',
                      f'pci = 0000:{0x3b + 0x23 * i:02x}:00.0',
                      f'vfs = {pf["vfs"]}', 'mdts = 10', f'latency_us = {pf.get("lat", 0)}']
            for vf, size in sorted(pf.get('sizes', {}).items()):
                lines.append(f'vf.{vf}.size = {size}')
        with open(conf, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        env = dict(self.env, INTEL_LM_EMU=conf,
                   INTEL_LM_SYSFS=os.path.join(self.fast, (state or name) + '.sys'))
        if setup:
            self.must([self.emu_ctl, 'setup'], env, 'emulator setup', preload=False)
        return env

    def counters(self, env, pf='nvme0'):
        r = self.must([self.emu_ctl, 'counters', pf], env, 'emulator counters', preload=False)
        return {int(k, 16): int(v) for k, v in re.findall(r'0x([0-9a-f]+)=(\d+)', r.out)}

    def where(self, relpath, pattern):
        """FILE:LINE of the first line of a source file matching a regular expression."""
        try:
            with open(os.path.join(self.src, relpath)) as f:
                for n, line in enumerate(f, 1):
                    if re.search(pattern, line):
                        return f'{relpath}:{n}'
        except OSError:
            pass
        return relpath

    # ---------------------------------------------------------------- instruction counts

    def callgrind(self, argv, env, stdout=None, preload=True, rc=0):
        """Instructions of one run: (total, the emulator's share, per object)."""
        out = os.path.join(self.work, 'callgrind.out')
        r = self.run([self.valgrind, '--tool=callgrind', f'--callgrind-out-file={out}',
                      '--compress-strings=no', '--compress-pos=no', '--'] + argv, env,
                     stdout=stdout, preload=preload)
        if r.rc != rc:
            raise MeasureError(f'callgrind {" ".join(argv)} exited {r.rc}: {r.err[-400:]}')
        try:
            return parse_callgrind(out, os.path.basename(self.emu_so), os.path.basename(argv[0]))
        finally:
            os.unlink(out)

    # ---------------------------------------------------------------- per-operation overhead

    def needed(self, path):
        """The shared objects a program names (DT_NEEDED), from readelf."""
        try:
            r = subprocess.run(['readelf', '-d', path], capture_output=True, text=True)
        except OSError:
            return None
        return re.findall(r'\(NEEDED\)\s+Shared library: \[([^\]]+)\]', r.stdout)

    def emu_loading(self, env):
        """What loading the emulator costs each program: the instructions of a run that sends
        nothing (usage, version), with the preload and without, the emulator's own calls taken
        out. The dynamic loader maps and relocates libintel-lm-emu.so (and what it needs) for
        every program alike; on a real host nothing of it happens, so it is counted with the
        emulator, apart from the program."""
        noop = {'floor': ([self.floor], 2), 'standalone': ([self.std, 'version'], 0),
                'nvme-cli': ([self.nvme_cli, 'version'], 0),
                'admin-passthru': ([self.debian_nvme, 'version'], 0)}
        out = {}
        for p, (argv, rc) in noop.items():
            vals = []
            for _ in range(self.cfg['instr_reps']):
                t1, e1, _ = self.callgrind(argv, env, rc=rc)
                t0, _, _ = self.callgrind(argv, env, preload=False, rc=rc)
                vals.append(t1 - e1 - t0)
            out[p] = median(vals)
        return out

    def perop_steps(self, prog, op, vf, size, files):
        """The command lines (argv, stdout file) that do OP with PROG."""
        dev = '/dev/nvme0'
        big = ['--max-state-size=4M'] if size > REF_MAX_STATE else []
        if prog == 'floor':
            tail = {'save': [files['out']], 'load': [files['floor']]}.get(op, [])
            return [([self.floor, op, dev, str(vf)] + tail, None)]
        if prog in ('standalone', 'nvme-cli'):
            head = [self.std] if prog == 'standalone' else [self.nvme_cli, 'intel-lm']
            # --force: send SUSPEND also when the record shows the VF suspended from the
            # previous round (else nothing is sent, and nothing is measured).
            tail = {'save': ['-o', files['out']] + big,
                    # --force: the same blob goes back into the VF every round, after the
                    # VF ran it: the one rule would refuse an older copy (see REUSE).
                    'load': ['-i', files['blob'], '--force'] + big,
                    'suspend': ['--force'], 'resume': ['--force']}.get(op, [])
            return [(head + [op, dev, f'--vf={vf}'] + tail, None)]
        pt = [self.debian_nvme, 'admin-passthru', dev]
        if op == 'query-size':
            return [(pt + ['--opcode=0xc4', f'--cdw10={vf}'], None)]
        if op == 'suspend':
            return [(pt + ['--opcode=0xc8', f'--cdw10={vf}'], None)]
        if op == 'resume':
            return [(pt + ['--opcode=0xcc', f'--cdw10={vf}'], None)]
        if op == 'save':
            # A script must learn the size first: SAVE_DATA has no length field.
            return [(pt + ['--opcode=0xc4', f'--cdw10={vf}'], None),
                    (pt + ['--opcode=0xd2', f'--cdw10={vf}', f'--data-len={size}', '--read',
                           '--raw-binary'], files['out'])]
        return [(pt + ['--opcode=0xd5', f'--cdw10={vf}', f'--cdw11={size}',
                       f'--data-len={size}', '--write', f'--input-file={files["raw"]}'], None)]

    def bench_perop(self):
        cfg = self.cfg
        sizes = cfg['perop_sizes']
        vf_of = {s: i + 1 for i, s in enumerate(sizes)}
        env = self.emu('perop', [{'vfs': max(4, len(sizes)),
                                  'sizes': {vf_of[s]: s for s in sizes}}])
        progs = ['floor', 'standalone', 'nvme-cli', 'admin-passthru']
        files = {}
        for s in sizes:
            v = vf_of[s]
            self.must([self.floor, 'suspend', '/dev/nvme0', str(v)], env, 'suspend')
            f = {'out': os.path.join(self.work, f'perop-out-{s}'),
                 'floor': os.path.join(self.work, f'perop-in-{s}.floor'),
                 'blob': os.path.join(self.work, f'perop-in-{s}.blob'),
                 'raw': os.path.join(self.work, f'perop-in-{s}.raw')}
            self.must([self.floor, 'save', '/dev/nvme0', str(v), f['floor']], env, 'floor save')
            # The floor's own CRC-32 is zlib's.
            import zlib
            with open(f['floor'], 'rb') as fh:
                blob = fh.read()
            if int.from_bytes(blob[16:20], 'little') != zlib.crc32(blob[256:]):
                raise MeasureError('the floor\'s CRC-32 is not zlib\'s')
            self.must([self.std, 'save', '/dev/nvme0', f'--vf={v}', '-o', f['blob']] +
                      (['--max-state-size=4M'] if s > REF_MAX_STATE else []), env, 'save')
            self.must([self.emu_ctl, 'dump', 'nvme0', str(v), f['raw']], env, 'dump',
                      preload=False)
            files[s] = f
        loading = self.emu_loading(env) if self.valgrind else {}
        self.results['emulator_loading'] = loading
        self.results['needed'] = {p: self.needed(x) for p, x in
                                  (('floor', self.floor), ('standalone', self.std),
                                   ('nvme-cli', self.nvme_cli),
                                   ('admin-passthru', self.debian_nvme))}
        # Rows: query-size, suspend and resume do not depend on the state size.
        # resume before suspend: the VFs are suspended, and save needs them so.
        rows = [('query-size', sizes[0]), ('resume', sizes[0]), ('suspend', sizes[0])]
        rows += [('save', s) for s in sizes] + [('load', s) for s in sizes]
        data = {(op, s, p): {'instr': [], 'emu': [], 'total': [], 'wall': [], 'objects': None}
                for op, s in rows for p in progs}

        def one(op, s, p, counting):
            f = files[s]
            steps = self.perop_steps(p, op, vf_of[s], s, f)
            total = emu = wall = 0
            objects = {}
            for argv, stdout in steps:
                if op == 'save' and os.path.exists(f['out']):
                    os.unlink(f['out'])
                if counting:
                    t, e, objs = self.callgrind(argv, env, stdout=stdout)
                    total += t
                    emu += e + (loading.get(p) or 0)
                    for k, v in objs.items():
                        if k in ('functions', 'files'):
                            fns = objects.setdefault(k, {})
                            for fk, fv in v.items():
                                fns[fk] = fns.get(fk, 0) + fv
                        else:
                            objects[k] = objects.get(k, 0) + v
                else:
                    r = self.run(argv, env, stdout=stdout)
                    if r.rc != 0:
                        raise MeasureError(f'{" ".join(argv)} exited {r.rc}: {r.err[-300:]}')
                    wall += r.wall_ns
            if op == 'save':
                want = s if p == 'admin-passthru' else s + 256
                got = os.path.getsize(f['out'])
                if got != want:
                    raise MeasureError(f'{p} save wrote {got} bytes, expected {want}')
            d = data[(op, s, p)]
            if counting:
                d['total'].append(total)
                d['emu'].append(emu)
                d['instr'].append(total - emu)
                d['objects'] = objects
            else:
                d['wall'].append(wall)

        errors = {}
        for counting, reps in ((True, cfg['instr_reps']), (False, cfg['time_reps'])):
            if counting and not self.valgrind:
                errors['valgrind'] = 'valgrind is not installed'
                continue
            for _ in range(reps):
                for op, s in rows:
                    for p in progs:
                        if (op, s, p) in errors:
                            continue
                        try:
                            one(op, s, p, counting)
                        except (MeasureError, OSError) as exc:
                            errors[(op, s, p)] = str(exc)
        out = []
        for op, s in rows:
            for p in progs:
                d = data[(op, s, p)]
                out.append({'op': op, 'size': s, 'program': p,
                            'instructions': median(d['instr']),
                            'instructions_emulator': median(d['emu']),
                            'instructions_total': median(d['total']),
                            'wall_ns': median(d['wall']),
                            'objects': d['objects'],
                            'error': errors.get((op, s, p)) or errors.get('valgrind')})
        by = {(r['op'], r['size'], r['program']): r for r in out}
        for r in out:
            fl = by[(r['op'], r['size'], 'floor')]['instructions']
            pt = by[(r['op'], r['size'], 'admin-passthru')]['instructions']
            mine = r['instructions']
            r['vs_floor'] = mine / fl if mine and fl else None
            r['vs_passthru'] = mine / pt if mine and pt else None
            label = f'per-op {r["op"]}' + (f' {human_size(r["size"])}' if r['op'] in
                                           ('save', 'load') else '') + f' {r["program"]}'
            if r['error']:
                self.check(False, f'{label}: {r["error"]}')
            else:
                self.number(r['instructions'], f'{label} instructions')
                self.number(r['wall_ns'], f'{label} wall ns')
        self.results['per_op'] = out

    # ---------------------------------------------------------------- migrate downtime

    def bench_downtime(self):
        cfg = self.cfg
        sizes = cfg['mig_sizes']
        vf_of = {s: i + 1 for i, s in enumerate(sizes)}
        out = []
        for lat in cfg['mig_latencies_us']:
            pfs = [{'vfs': 4, 'lat': lat, 'sizes': {vf_of[s]: s for s in sizes}}] * 2
            env = self.emu(f'mig-{lat}', pfs)
            tenv = self.emu(f'mig-{lat}-trace', pfs, trace=True)
            for s in sizes:
                v = vf_of[s]
                for prog in ('standalone', 'nvme-cli'):
                    row = {'latency_us': lat, 'size': s, 'program': prog, 'error': None}
                    try:
                        row.update(self.migrate_runs(prog, env, tenv, v, s, lat))
                    except (MeasureError, OSError, ValueError, KeyError,
                            StopIteration) as exc:
                        row['error'] = str(exc) or type(exc).__name__
                    label = f'downtime {prog} {lat // 1000} ms {human_size(s)}'
                    if row['error']:
                        self.check(False, f'{label}: {row["error"]}')
                    else:
                        self.number(row['downtime_ns'], f'{label} downtime ns')
                        self.number(row['overhead_ns'], f'{label} overhead ns')
                    out.append(row)
        self.results['downtime'] = out

    def migrate_argv(self, prog, v, s):
        head = [self.std] if prog == 'standalone' else [self.nvme_cli, 'intel-lm']
        return head + ['migrate', '/dev/nvme0', f'--vf={v}', '--to=/dev/nvme1', f'--to-vf={v}',
                       '--output-format=json', '--verbose', '--force'] + \
            (['--max-state-size=4M'] if s > REF_MAX_STATE else [])

    def migrate_runs(self, prog, env, tenv, v, s, lat):
        keys = ('downtime_ns', 'device_ns', 'keep_ns', 'overhead_ns', 'overhead_latency_ns',
                'dst_suspend_ns', 'gaps_ns', 'prep_ns')
        runs = {k: [] for k in keys}
        for _ in range(self.cfg['mig_reps']):
            # The source VF runs before each migration, as it would, and intel-lm's record
            # says so (migrate refuses a source the record shows saved).
            self.must([self.std, 'resume', '/dev/nvme0', f'--vf={v}', '--force'], env, 'resume')
            r = self.must(self.migrate_argv(prog, v, s), env, 'migrate')
            j = json.loads(r.out)
            if not j.get('success'):
                raise MeasureError(f'migrate failed: {j.get("error")}')
            steps = {st['step']: st['time_ns'] for st in j['steps']}
            cmds = j.get('commands', [])
            # The destination's SUSPEND comes first, before the downtime: the source's is the
            # second SUSPEND, and the device's time on the path starts there.
            first = [i for i, c in enumerate(cmds) if c['opcode'] == 0xc8][1]
            device = sum(c['time_ns'] for c in cmds[first:])
            down = j['downtime_ns']
            runs['downtime_ns'].append(down)
            runs['device_ns'].append(device)
            ncmds = len(cmds) - first
            runs['keep_ns'].append(steps['keep the state'])
            runs['overhead_ns'].append(down - device - steps['keep the state'])
            runs['overhead_latency_ns'].append(down - 5 * lat * 1000 - steps['keep the state'])
            runs['dst_suspend_ns'].append(steps['destination suspend'])
            runs['gaps_ns'].append(down - sum(steps.values()))
            # Everything before the source SUSPEND (start-up, Identify, checks, locks).
            runs['prep_ns'].append(r.wall_ns - down)
        row = {k: median(v) for k, v in runs.items()}
        row['reps'] = len(runs['downtime_ns'])
        row['device_cmds'] = ncmds
        row['vs_device'] = median([d / (dev + k) for d, dev, k in
                                   zip(runs['downtime_ns'], runs['device_ns'], runs['keep_ns'])])
        row['latency_sum_ns'] = 5 * lat * 1000
        # Which commands are on the path: one traced run.
        trace = os.path.join(self.fast, os.path.basename(tenv['INTEL_LM_EMU'])[:-5] + '.trace')
        if os.path.exists(trace):
            os.unlink(trace)
        self.must([self.std, 'resume', '/dev/nvme0', f'--vf={v}', '--force'], tenv, 'resume')
        if os.path.exists(trace):
            os.unlink(trace)
        self.must(self.migrate_argv(prog, v, s), tenv, 'migrate (traced)')
        sent = []
        with open(trace) as f:
            for line in f:
                m = re.search(r'dev=(\S+) opcode=0x([0-9a-f]+)', line)
                if m:
                    sent.append((m.group(1), int(m.group(2), 16)))
        start = sent.index(('nvme0', 0xc8))
        end = sent.index(('nvme1', 0xcc), start)
        path = sent[start:end + 1]
        row['path'] = [f'{d} {OPC_NAMES.get(o, hex(o))}' for d, o in path]
        # A command could have been sent before the source SUSPEND when it neither needs the
        # source suspended nor its state: anything on the destination but LOAD_DATA and the
        # closing RESUME.
        row['avoidable'] = [f'{d} {OPC_NAMES.get(o, hex(o))}' for d, o in path[1:-1]
                            if d == 'nvme1' and o != 0xd5]
        return row

    # ---------------------------------------------------------------- ssh (issue 24)

    def ssh_setup(self, env):
        """The bench's own sshd (its own host key, authorized_keys and configuration, on a
        free port of 127.0.0.1), an ssh configuration for it, and the destination host's
        program: a wrapper that gives it that host's record and locks (nvme1 of the same
        emulator plays the other host's PF)."""
        d = os.path.join(self.work, 'sshd')
        os.makedirs(d, mode=0o700, exist_ok=True)
        for k in ('host_key', 'client_key'):
            self.must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f',
                       os.path.join(d, k)], self.env, 'ssh-keygen', preload=False)
        shutil.copy(os.path.join(d, 'client_key.pub'), os.path.join(d, 'authorized_keys'))
        with socket.socket() as so:
            so.bind(('127.0.0.1', 0))
            port = so.getsockname()[1]
        user = pwd.getpwuid(os.getuid()).pw_name
        with open(os.path.join(d, 'sshd_config'), 'w') as f:
            f.write(f'ListenAddress 127.0.0.1\nPort {port}\n'
                    f'HostKey {d}/host_key\nAuthorizedKeysFile {d}/authorized_keys\n'
                    f'PidFile {d}/sshd.pid\nPasswordAuthentication no\n'
                    'KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n'
                    f'AllowUsers {user}\nStrictModes no\nUsePAM no\nLogLevel ERROR\n')
        os.makedirs('/run/sshd', mode=0o755, exist_ok=True)
        self.sshd = subprocess.Popen(['/usr/sbin/sshd', '-D', '-e', '-f',
                                      os.path.join(d, 'sshd_config')],
                                     stderr=subprocess.DEVNULL)
        with open(os.path.join(d, 'host_key.pub')) as f:
            key = ' '.join(f.read().split()[:2])
        with open(os.path.join(d, 'known_hosts'), 'w') as f:
            f.write(f'dsthost {key}\n')
        # dsthost-cm: the same host through a ControlMaster kept up (ControlPersist), as
        # Ansible's ssh connection keeps one; its socket on the short tmpfs path (a unix
        # socket's path holds at most 107 bytes).
        cm = os.path.join(self.fast, 'cm-%C')
        with open(os.path.join(d, 'ssh_config'), 'w') as f:
            f.write(f'Host dsthost-cm\n\tControlMaster auto\n\tControlPath {cm}\n'
                    '\tControlPersist 600\n')
            f.write(f'Host dsthost dsthost-cm\n\tHostName 127.0.0.1\n\tHostKeyAlias dsthost\n'
                    f'\tIdentityFile {d}/client_key\n\tIdentitiesOnly yes\n'
                    f'\tUserKnownHostsFile {d}/known_hosts\n\tStrictHostKeyChecking yes\n'
                    '\tBatchMode yes\n\tLogLevel ERROR\n')
        dst = dict(env, INTEL_LM_STATE_DIR=os.path.join(self.work, 'dst-record'),
                   INTEL_LM_LOCK_DIR=os.path.join(self.fast, 'dst-lock'))
        remote = self.wrapper(os.path.join(d, 'remote'), dst)
        ssh = ['ssh', '-F', os.path.join(d, 'ssh_config')]
        for _ in range(250):
            if self.run(ssh + ['-p', str(port), 'dsthost', 'true'], self.env,
                        preload=False).rc == 0:
                break
            time.sleep(0.02)
        else:
            raise MeasureError('the bench\'s sshd did not accept its key')
        return {'port': port, 'user': user, 'ssh': ' '.join(ssh), 'remote': remote,
                'dst_env': dst}

    def wrapper(self, path, env):
        """A program that runs the standalone program with env's emulator, record, locks
        and TMPDIR (sshd passes no environment)."""
        with open(path, 'w') as f:
            f.write('#!/bin/sh\n')
            for k in ('INTEL_LM_EMU', 'INTEL_LM_SYSFS', 'INTEL_LM_STATE_DIR',
                      'INTEL_LM_LOCK_DIR', 'TMPDIR'):
                f.write(f"export {k}='{env[k]}'\n")
            f.write(f"export LD_PRELOAD='{self.emu_so}'\nexec {self.std} \"$@\"\n")
        os.chmod(path, 0o755)
        return path

    def ssh_playbook(self, s, env, dst, rport, reset):
        d = os.path.join(self.work, 'ansible')
        os.makedirs(d, exist_ok=True)
        src_prog = self.wrapper(os.path.join(d, 'src-program'), env)
        open(os.path.join(d, 'ansible.cfg'), 'w').close()
        with open(os.path.join(d, 'inventory'), 'w') as f:
            f.write(f'srchost intel_lm_executable={src_prog}\n'
                    f'dsthost intel_lm_executable={s["remote"]} intel_lm_ssh_host=dsthost '
                    f'intel_lm_ssh_port={rport} intel_lm_ssh_user={s["user"]}\n'
                    '[all:vars]\nansible_connection=local\n'
                    'ansible_python_interpreter=/usr/bin/python3\n'
                    f'intel_lm_ssh="{s["ssh"]}"\n')
        aenv = dict(self.env, ANSIBLE_CONFIG=os.path.join(d, 'ansible.cfg'),
                    ANSIBLE_COLLECTIONS_PATH=os.path.join(self.src, 'ansible'),
                    ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false',
                    ANSIBLE_LOCAL_TEMP=os.path.join(d, 'tmp'), ANSIBLE_NOCOLOR='1',
                    ANSIBLE_RETRY_FILES_ENABLED='0', ANSIBLE_PIPELINING='1',
                    ANSIBLE_HOME=os.path.join(d, 'home'), PYTHONDONTWRITEBYTECODE='1',
                    LC_ALL='C.UTF-8')
        downs = []
        for rep in range(self.cfg['ssh_playbook_reps']):
            vf = rep + 2
            reset(str(vf), env, dst)
            r = self.run(['ansible-playbook', '-i', os.path.join(d, 'inventory'),
                          'intel_lm.nvme.migrate', '-e', 'src_host=srchost',
                          '-e', 'src_device=/dev/nvme0', '-e', 'dst_host=dsthost',
                          '-e', 'dst_device=/dev/nvme1', '-e', f'vfs={vf}'], aenv,
                         preload=False)
            m = re.search(rf'VF {vf} of srchost:/dev/nvme0 -> .*?: moved \(migration '
                          r'\S+, downtime ([0-9.]+) ms\)', r.out)
            if r.rc != 0 or not m:
                raise MeasureError(f'the playbook exited {r.rc}: {(r.out + r.err)[-600:]}')
            downs.append(float(m.group(1)) * 1e6)
        return downs

    def relay(self, port, one_way_s):
        """A userspace relay to port, adding one_way_s in each direction (this kernel has no
        netem): its process and its port."""
        # A delay line: each chunk leaves one_way_s after it came, whatever came before it
        # (a relay that slept before each send would hold a chunk behind its predecessor's
        # delay too, and count a link's round trip once more for every message in flight).
        code = (
            'import queue, socket, sys, threading, time\n'
            'lport, dport, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])\n'
            'def send(q, b):\n'
            '    try:\n'
            '        while True:\n'
            '            due, d = q.get()\n'
            '            if d is None:\n'
            '                break\n'
            '            wait = due - time.monotonic()\n'
            '            if wait > 0:\n'
            '                time.sleep(wait)\n'
            '            b.sendall(d)\n'
            '    except OSError:\n'
            '        pass\n'
            '    try:\n'
            '        b.shutdown(socket.SHUT_RDWR)\n'
            '    except OSError:\n'
            '        pass\n'
            'def pump(a, b):\n'
            '    q = queue.Queue()\n'
            '    t = threading.Thread(target=send, args=(q, b), daemon=True)\n'
            '    t.start()\n'
            '    try:\n'
            '        while True:\n'
            '            d = a.recv(65536)\n'
            '            if not d:\n'
            '                break\n'
            '            q.put((time.monotonic() + delay, d))\n'
            '    except OSError:\n'
            '        pass\n'
            '    q.put((0, None))\n'
            '    t.join()\n'
            '    try:\n'
            '        a.shutdown(socket.SHUT_RDWR)\n'
            '    except OSError:\n'
            '        pass\n'
            'srv = socket.socket()\n'
            'srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n'
            'srv.bind(("127.0.0.1", lport))\n'
            'srv.listen(64)\n'
            'print("ready", flush=True)\n'
            'while True:\n'
            '    c, _ = srv.accept()\n'
            '    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)\n'
            '    u = socket.create_connection(("127.0.0.1", dport))\n'
            '    u.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)\n'
            '    for a, b in ((c, u), (u, c)):\n'
            '        threading.Thread(target=pump, args=(a, b), daemon=True).start()\n')
        with socket.socket() as so:
            so.bind(('127.0.0.1', 0))
            rport = so.getsockname()[1]
        p = subprocess.Popen([sys.executable, '-c', code, str(rport), str(port),
                              str(one_way_s)], stdout=subprocess.PIPE, text=True)
        if p.stdout.readline().strip() != 'ready':
            raise MeasureError('the relay did not start')
        return p, rport

    def bench_ssh(self):
        """migrate --to=ssh:// through the bench's own sshd, against the one-host migrate of
        the same pair in the same run: the downtime per VF at each added round trip (a
        relay), and a list of N pairs at --jobs=J (issue 24's targets)."""
        cfg = self.cfg
        lat = cfg['scale_latency_us']
        n, jobs = cfg['ssh_list']
        size = 4 * KIB
        env = self.emu('ssh', [{'vfs': n, 'lat': lat,
                                'sizes': {v: size for v in range(1, n + 1)}}] * 2)
        self.sshd = None
        relays = []
        cm_up = None
        try:
            s = self.ssh_setup(env)
            dst = s['dst_env']

            def reset(vfs, senv, denv):
                self.must([self.std, 'resume', '/dev/nvme0', f'--vf={vfs}', '--force'], senv,
                          'resume (source)')
                self.must([self.std, 'suspend', '/dev/nvme1', f'--vf={vfs}', '--force'], denv,
                          'suspend (destination)')

            def migrate(to, vfs, extra=(), senv=env, denv=dst):
                reset(vfs, senv, denv)
                argv = [self.std, 'migrate', '/dev/nvme0', f'--vf={vfs}', f'--to={to}',
                        f'--to-vf={vfs}', '--output-format=json', '--force'] + list(extra)
                r = self.must(argv, senv, 'migrate')
                j = json.loads(r.out)
                if not j.get('success'):
                    raise MeasureError(f'migrate failed: {j.get("error")}')
                return r, j

            # One host: nvme0 to nvme1 under this host's record, as the downtime part.
            one, dev, one_steps = [], [], {}
            for _ in range(cfg['ssh_reps']):
                self.must([self.std, 'suspend', '/dev/nvme1', '--vf=1', '--force'], env,
                          'suspend (destination, one host)')
                _, j = migrate('/dev/nvme1', '1', ['--verbose'])
                one.append(j.get('downtime_ns') or j['results'][0]['downtime_ns'])
                cmds = j.get('commands', [])
                dev.append(sum(c['time_ns'] for c in cmds if c['opcode'] != 0x06))
                for st in j.get('steps', []):
                    one_steps.setdefault(st['step'], []).append(st['time_ns'])
            one_ns, pair_dev_ns = median(one), median(dev)
            row = {'one_host_ns': one_ns, 'pair_device_ns': pair_dev_ns, 'size': size,
                   'one_host_steps_ns': {k: median(v) for k, v in one_steps.items()},
                   'latency_us': lat, 'rtts': [], 'reps': cfg['ssh_reps']}
            self.number(one_ns, 'ssh: one-host downtime ns')
            # The link's rate, for the state's transfer time: 16 MiB through ssh, less an
            # empty run (the quicker of two each: ssh's start-up varies with the load).
            blob = os.path.join(self.work, 'ssh-16m')
            with open(blob, 'wb') as f:
                f.write(os.urandom(16 * MIB))
            ssh = s['ssh'].split() + ['-p', str(s['port']), 'dsthost', 'cat > /dev/null']
            t = []
            for path in (os.devnull, blob):
                best = None
                for _ in range(2):
                    with open(path, 'rb') as f:
                        t0 = time.perf_counter_ns()
                        subprocess.run(ssh, stdin=f, check=True, env=self.env)
                        dt = time.perf_counter_ns() - t0
                    best = dt if best is None else min(best, dt)
                t.append(best)
            if t[1] <= t[0]:
                raise MeasureError('the link\'s rate: 16 MiB took no longer than nothing')
            rate = 16 * MIB / (t[1] - t[0])                 # bytes per ns
            # ssh's own start-up, for the list's: the empty run (handshake, the remote
            # user's shell, a command that exits at once).
            row['ssh_startup_ns'] = t[0]
            row['transfer_ns'] = size / rate
            row['link_mib_s'] = rate * 1e9 / MIB
            for rtt in cfg['ssh_rtts_ms']:
                p, rport = self.relay(s['port'], rtt / 2000)
                relays.append(p)
                url = f'ssh://{s["user"]}@dsthost:{rport}/dev/nvme1'
                extra = ['--ssh=' + s['ssh'], '--remote-program=' + s['remote'], '--verbose']
                downs, walls, steps = [], [], {}
                for _ in range(cfg['ssh_reps']):
                    r, j = migrate(url, '1', extra)
                    res = j['results'][0] if j.get('results') else j
                    downs.append(res['downtime_ns'])
                    walls.append(r.wall_ns)
                    for st in res.get('steps', []):
                        steps.setdefault(st['step'], []).append(st['time_ns'])
                down = median(downs)
                budget = one_ns + 2 * rtt * 1_000_000 + row['transfer_ns'] + \
                    T_SSH_SLACK_NS
                row['rtts'].append({'rtt_ms': rtt, 'downtime_ns': down, 'wall_ns': median(walls),
                                    'min_ns': min(downs), 'max_ns': max(downs),
                                    'budget_ns': budget, 'met': down <= budget,
                                    'over_one_host_ns': down - one_ns,
                                    'steps_ns': {k: median(v) for k, v in steps.items()}})
                self.number(down, f'ssh: host-to-host downtime at {rtt} ms added RTT ns')
                p.kill()
                p.wait()
            # What the two records' durable writes cost: the same at 0 ms with both hosts'
            # records on a tmpfs (fdatasync there writes nothing to a disk).
            p, rport = self.relay(s['port'], 0)
            relays.append(p)
            url = f'ssh://{s["user"]}@dsthost:{rport}/dev/nvme1'
            fsrc = dict(env, INTEL_LM_STATE_DIR=os.path.join(self.fast, 'ssh-src-record'))
            fdst = dict(dst, INTEL_LM_STATE_DIR=os.path.join(self.fast, 'ssh-dst-record'))
            fremote = self.wrapper(os.path.join(self.work, 'sshd', 'remote-fastrec'), fdst)
            downs = []
            for _ in range(cfg['ssh_reps']):
                _, j = migrate(url, '1', ['--ssh=' + s['ssh'], '--remote-program=' + fremote],
                               senv=fsrc, denv=fdst)
                downs.append(j['results'][0]['downtime_ns'])
            row['fastrec_downtime_ns'] = median(downs)
            self.number(row['fastrec_downtime_ns'],
                        'ssh: host-to-host downtime, records on tmpfs, ns')
            # The playbook intel_lm.nvme.migrate, the same pair kind through the same relay:
            # each run moves a VF not moved before (the playbook takes no --force), its
            # downtime read from its report.
            pdowns = []
            if shutil.which('ansible-playbook'):
                pdowns = self.ssh_playbook(s, env, dst, rport, reset)
                row['playbook_downtime_ns'] = median(pdowns) if pdowns else None
                row['playbook_downtimes_ns'] = pdowns
                self.number(row['playbook_downtime_ns'], 'ssh: the playbook\'s downtime ns')
            else:
                self.check(False, 'ssh: ansible-playbook is not installed '
                           '(scripts/install-deps.sh test)')
            # A list of n pairs at --jobs, no added round trip, over a cold connection (ssh's
            # whole start-up: key exchange, authentication, the remote account's shell) and,
            # interleaved, through a ControlMaster already up (dsthost-cm: ControlPersist, as
            # Ansible's ssh connection keeps one; intel-lm runs ssh with the user's
            # configuration). The target is the cold figure's.
            p, rport = self.relay(s['port'], 0)
            relays.append(p)
            url = f'ssh://{s["user"]}@dsthost:{rport}/dev/nvme1'
            cm_url = f'ssh://{s["user"]}@dsthost-cm:{rport}/dev/nvme1'
            lx = ['--ssh=' + s['ssh'], '--remote-program=' + s['remote'], f'--jobs={jobs}']
            ssh_cm = s['ssh'].split() + ['-p', str(rport), 'dsthost-cm']
            cm_up = ssh_cm
            self.must(ssh_cm + ['true'], self.env, 'ssh: start the ControlMaster', preload=False)
            # And this program alone: the peer started through a pipe instead of ssh (an
            # --ssh that runs the remote command here), what neither ssh nor a remote shell
            # costs.
            pipe_ssh = os.path.join(self.work, 'sshd', 'pipe-ssh')
            with open(pipe_ssh, 'w') as f:
                f.write('#!/bin/sh\n# ssh\'s arguments up to --, then the login: dropped\n'
                        'while [ "$1" != -- ]; do shift; done\nshift 2\nexec "$@"\n')
            os.chmod(pipe_ssh, 0o755)
            px = ['--ssh=' + pipe_ssh, '--remote-program=' + s['remote'], f'--jobs={jobs}']
            walls, cm_walls, starts, cm_starts, downs = [], [], [], [], []
            pipe_walls, pipe_starts = [], []
            for _ in range(cfg['ssh_list_reps']):
                for u, x, w, st, how in ((url, lx, walls, starts, ''),
                                         (cm_url, lx, cm_walls, cm_starts, ', ControlMaster up'),
                                         (url, px, pipe_walls, pipe_starts, ', through a pipe')):
                    r, j = migrate(u, f'1-{n}', x)
                    ok = j.get('succeeded') == n
                    self.check(ok, f'ssh: a list of {n} pairs at --jobs={jobs} moved '
                               f'({j.get("succeeded")}{how})')
                    w.append(r.wall_ns)
                    if w is walls:
                        downs += [x['downtime_ns'] for x in j['results'] if 'downtime_ns' in x]
                    # What one connection costs before its first pair: a one-pair migrate's
                    # wall time less its downtime (ssh's start, the handshake, both hosts'
                    # checks).
                    r1, j1 = migrate(u, '1', x[:2])
                    st.append(r1.wall_ns - j1['results'][0]['downtime_ns'])
            # Where the cold start-up goes: ssh to the sshd itself (no relay), cold and through
            # the ControlMaster, and the remote account's shell as sshd starts it (`$SHELL -c`
            # with SSH_CLIENT set: bash then reads ~/.bashrc), against the same shell without
            # (no start-up file read).
            def took(argv, env=self.env, reps=3):
                t = []
                for _ in range(reps):
                    t0 = time.perf_counter_ns()
                    subprocess.run(argv, env=env, check=True, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL)
                    t.append(time.perf_counter_ns() - t0)
                return median(t)
            pw = pwd.getpwnam(s['user'])
            shenv = {'HOME': pw.pw_dir, 'USER': s['user'], 'LOGNAME': s['user'],
                     'SHELL': pw.pw_shell, 'PATH': '/usr/local/bin:/usr/bin:/bin'}
            sshenv = dict(shenv, SSH_CLIENT='127.0.0.1 40000 22',
                          SSH_CONNECTION='127.0.0.1 40000 127.0.0.1 22')
            su = {'ssh_true_cold_ns': took(s['ssh'].split() + ['-p', str(s['port']), 'dsthost',
                                                               'true']),
                  'ssh_true_master_ns': took(ssh_cm + ['true']),
                  'shell_as_sshd_ns': took([pw.pw_shell, '-c', 'true'], sshenv),
                  'shell_bare_ns': took([pw.pw_shell, '-c', 'true'], shenv),
                  'shell': pw.pw_shell}
            # The shell's start-up files, and the rest of `ssh HOST true` (key exchange,
            # authentication, the session, the shell itself); this program's own part is the
            # start-up through a pipe.
            su['shell_rc_ns'] = su['shell_as_sshd_ns'] - su['shell_bare_ns']
            su['ssh_rest_ns'] = su['ssh_true_cold_ns'] - su['shell_rc_ns']
            self.must(ssh_cm + ['-O', 'exit'], self.env, 'ssh: stop the ControlMaster',
                      preload=False)
            cm_up = None
            # The same list on one host, in the same run: what the host-to-host list adds.
            self.must([self.std, 'suspend', '/dev/nvme1', f'--vf=1-{n}', '--force'], env,
                      'suspend (destination, one host)')
            r1, _ = migrate('/dev/nvme1', f'1-{n}', [f'--jobs={jobs}'], denv=env)
            ideal = math.ceil(n / jobs) * pair_dev_ns + n * row['transfer_ns']
            wall, cm_wall = median(walls), median(cm_walls)
            start, cm_start = median(starts), median(cm_starts)
            su['program_ns'] = median(pipe_starts)
            row['list'] = {'pairs': n, 'jobs': jobs, 'wall_ns': wall, 'ideal_ns': ideal,
                           'ratio': wall / ideal, 'startup_ns': start,
                           'ratio_no_startup': (wall - start) / ideal,
                           'walls_ns': walls, 'reps': cfg['ssh_list_reps'],
                           'downtime_ns': median(downs),
                           'one_host_wall_ns': r1.wall_ns,
                           'master_wall_ns': cm_wall, 'master_walls_ns': cm_walls,
                           'master_ratio': cm_wall / ideal, 'master_startup_ns': cm_start,
                           'pipe_wall_ns': median(pipe_walls), 'pipe_walls_ns': pipe_walls,
                           'pipe_startup_ns': median(pipe_starts),
                           'startup': su}
            self.number(row['list']['ratio'], f'ssh: list of {n} at jobs={jobs} wall/ideal')
            self.number(row['list']['master_ratio'],
                        f'ssh: list of {n} at jobs={jobs}, ControlMaster up, wall/ideal')
        finally:
            if cm_up:
                self.run(cm_up + ['-O', 'exit'], self.env, preload=False)
            for p in relays:
                p.kill()
                p.wait()
            if self.sshd:
                self.sshd.terminate()
                self.sshd.wait()
        self.results['ssh'] = row

    # ---------------------------------------------------------------- scale

    def bench_scale(self):
        cfg = self.cfg
        lat = cfg['scale_latency_us']
        nmax = max(cfg['scale_vfs'])
        sizes = {v: 4 * KIB for v in range(1, nmax + 1)}
        env0 = self.emu('scale-0', [{'vfs': nmax, 'lat': 0, 'sizes': sizes}], state='scale')
        env1 = self.emu('scale-1', [{'vfs': nmax, 'lat': lat, 'sizes': sizes}], setup=False,
                        state='scale')
        # A record of its own (on disk, as on a host): the other parts' PFs have the same PF
        # key, and states they ran would make the rule refuse these loads.
        rec_disk = os.path.join(self.work, 'scale-record')
        env0 = dict(env0, INTEL_LM_STATE_DIR=rec_disk)
        env1 = dict(env1, INTEL_LM_STATE_DIR=rec_disk)
        self.must([self.std, 'suspend', '/dev/nvme0', '--vf=all'], env0, 'suspend all')
        out = []
        # 'fast': the batch directory on tmpfs, the record on disk (as on a host); 'disk': the
        # batch directory on disk too; 'fastrec': both on tmpfs, at the target points and for
        # the start-up, to tell what the record's fdatasyncs cost.
        targets = [pt for pt, _ in cfg['scale_targets']]
        jmin = min(cfg['scale_jobs'])
        plan = [(n, j, 'fast') for n in cfg['scale_vfs'] for j in cfg['scale_jobs']]
        plan += [(n, j, 'disk') for n, j in cfg['scale_disk']]
        plan += [(n, j, 'fastrec') for n, j in targets + [(1, jmin)]]
        data = {}
        errors = {}
        rec_fast = os.path.join(self.fast, 'record')

        def batch(env, n, j, where, latency):
            base = self.work if where == 'disk' else self.fast
            if where == 'fastrec':
                env = dict(env, INTEL_LM_STATE_DIR=rec_fast)
            d = os.path.join(base, f'batch-{n}-{j}')
            shutil.rmtree(d, ignore_errors=True)
            for op in ('save', 'load'):
                # No --force: the load brings back the states the save just took from the same
                # VFs, which never ran since, so the rule allows it and is asked, as users'
                # loads ask it (its lock, its look at every record).
                argv = [self.std, op, '/dev/nvme0', f'--vf=1-{n}', f'--jobs={j}',
                        '-o' if op == 'save' else '-i', d]
                key = (n, j, where, latency, op)
                count = key not in data
                before = self.counters(env) if count else None
                r = self.must(argv, env, f'{op} batch')
                if count:
                    after = self.counters(env)
                    diff = {o: after.get(o, 0) - before.get(o, 0) for o in after}
                    data[key] = {'wall': [], 'cpu': [], 'identify': diff.get(0x06, 0),
                                 'vendor': sum(v for o, v in diff.items() if o != 0x06)}
                data[key]['wall'].append(r.wall_ns)
                data[key]['cpu'].append(r.cpu_ns)
            shutil.rmtree(d, ignore_errors=True)

        for latency, env, reps in ((lat, env1, cfg['scale_reps']), (0, env0, cfg['scale_reps'])):
            for _ in range(reps):
                for n, j, where in plan:
                    if where == 'disk' and latency == 0:
                        continue
                    if (n, j, where) in errors:
                        continue
                    try:
                        batch(env, n, j, where, latency)
                    except (MeasureError, OSError) as exc:
                        errors[(n, j, where)] = str(exc)
        # What one command really takes in the emulated device at this latency (the timer's
        # overshoot and the emulator's own work), from the migrate runs' per-command times.
        cmd_ns = next((r['device_ns'] / r['device_cmds']
                       for r in self.results.get('downtime', [])
                       if r['latency_us'] == lat and r['program'] == 'standalone' and
                       not r['error']), None)
        self.results['scale_device_cmd_ns'] = cmd_ns
        try:
            self.results['scale_profile'] = self.scale_profile(env0, nmax)
        except (MeasureError, OSError) as exc:
            self.check(False, f'scale profile: {exc}')
        try:
            self.results['scale_syscalls'] = self.scale_syscalls(env1, targets)
        except (MeasureError, OSError) as exc:
            self.check(False, f'scale system calls: {exc}')
        for n, j, where in plan:
            for op in ('save', 'load'):
                d = data.get((n, j, where, lat, op))
                d0 = data.get((n, j, where, 0, op))
                row = {'vfs': n, 'jobs': j, 'op': op, 'output': where,
                       'error': errors.get((n, j, where))}
                if d:
                    per_vf = d['vendor'] / n
                    ideal = lat * 1000 * (d['identify'] + math.ceil(n / j) * per_vf)
                    wall = median(d['wall'])
                    # Start-up: the same program with one VF and no latency (the record on
                    # tmpfs: one VF's fdatasyncs are not start-up).
                    s0 = data.get((1, jmin, 'fastrec', 0, op))
                    start = median(s0['wall']) if s0 else None
                    row.update(wall_ns=wall, ideal_ns=ideal, ratio=wall / ideal,
                               identify_cmds=d['identify'], cmds_per_vf=per_vf,
                               wall_lat0_ns=median(d0['wall']) if d0 else None,
                               cpu_ns=median(d['cpu']),
                               startup_ns=start,
                               ratio_no_startup=(wall - start) / ideal if start else None,
                               ratio_device=(wall - start) / (ideal * cmd_ns / (lat * 1000))
                               if start and cmd_ns else None,
                               reps=len(d['wall']))
                else:
                    row.update(wall_ns=None, ratio=None)
                label = f'scale {op} {n} VFs jobs={j}' + {
                    'disk': ' on disk', 'fastrec': ' record on tmpfs'}.get(where, '')
                if row['error']:
                    self.check(False, f'{label}: {row["error"]}')
                else:
                    self.number(row['ratio'], f'{label} wall/ideal')
                out.append(row)
        self.results['scale'] = out

    def scale_profile(self, env, nmax):
        """Instructions of a batch, no latency, one job: for one VF (start-up), and per VF
        (K VFs against one), the program's by source file and the emulator's."""
        if not self.valgrind:
            return None
        k = min(16, nmax)
        d = os.path.join(self.fast, 'batch-profile')
        runs = {}
        for n in (1, k):
            shutil.rmtree(d, ignore_errors=True)
            for op in ('save', 'load'):
                argv = [self.std, op, '/dev/nvme0', f'--vf=1-{n}', '--jobs=1',
                        '-o' if op == 'save' else '-i', d] + ([] if op == 'save' else REUSE)
                t, e, objs = self.callgrind(argv, env)
                runs[(n, op)] = (t - e, e, objs.get('files') or {})
        shutil.rmtree(d, ignore_errors=True)
        out = {'vfs': k}
        for op in ('save', 'load'):
            p1, _, f1 = runs[(1, op)]
            unit = per_unit(runs[(1, op)], runs[(k, op)], k - 1)
            out[op] = {
                'one_vf_program': p1 - (self.results.get('emulator_loading') or {}).get(
                    'standalone', 0),
                'one_vf_files': f1,
                'per_vf_program': unit['program'],
                'per_vf_emulator': unit['emulator'],
                'per_vf_files': unit['files'],
            }
        self.number(out['save']['per_vf_program'], 'scale profile: save, program instructions '
                    'per VF')
        return out

    def scale_syscalls(self, env, targets):
        """The system calls of the target batches (strace -f -c, one run each): how many per
        VF, to tell the per-VF work that waits on the disk."""
        if not self.strace:
            return None
        out = {}
        for n, j in targets:
            d = os.path.join(self.fast, f'batch-strace-{n}-{j}')
            shutil.rmtree(d, ignore_errors=True)
            for op in ('save', 'load'):
                log = os.path.join(self.work, 'strace-scale')
                argv = [self.strace, '-f', '-c', '-o', log, self.std, op, '/dev/nvme0',
                        f'--vf=1-{n}', f'--jobs={j}', '-o' if op == 'save' else '-i', d] + \
                    ([] if op == 'save' else REUSE)
                self.must(argv, env, f'strace {op} batch')
                calls = {}
                with open(log) as f:
                    for line in f:
                        parts = line.split()
                        # % time, seconds, usecs/call, calls, [errors,] syscall
                        if len(parts) >= 5 and parts[3].isdigit() and \
                                re.match(r'[a-z_0-9]+$', parts[-1]) and parts[-1] != 'total':
                            calls[parts[-1]] = int(parts[3])
                os.unlink(log)
                out[f'{op} {n} {j}'] = {'calls': calls, 'vfs': n}
            shutil.rmtree(d, ignore_errors=True)
        return out

    # ---------------------------------------------------------------- migrate lists

    ML_VENDOR = (0xc4, 0xc8, 0xcc, 0xd2, 0xd5)
    # A pair's commands on its path, in its own order: the source's SUSPEND, QUERY_DATA_SIZE
    # and SAVE_DATA, then the destination's LOAD_DATA and RESUME. Before them the destination's
    # SUSPEND, unless its record shows it suspended already (migrate then skips it): here
    # every destination is, as the batches go there and back (the sources of one are left
    # saved, and are the destinations of the next).
    ML_PATH_CMDS = [0xc8, 0xc4, 0xd2, 0xd5, 0xcc]

    def bench_mlist(self):
        """migrate of N VF pairs (VF v of one PF to VF v of the other) with --jobs J, there
        and back (so that every batch starts from the same VFs running on the same PF), at
        the scale latency. Every run is checked: every pair migrated, per the report and per
        the record (status of both PFs), or the part fails."""
        cfg = self.cfg
        lat = cfg['scale_latency_us']
        nmax = max(cfg['ml_pairs'])
        sizes = {v: 4 * KIB for v in range(1, nmax + 1)}
        env1 = self.emu('mlist-1', [{'vfs': nmax, 'lat': lat, 'sizes': sizes}] * 2,
                        state='mlist')
        env0 = self.emu('mlist-0', [{'vfs': nmax, 'lat': 0, 'sizes': sizes}] * 2,
                        setup=False, state='mlist')
        rec_fast = os.path.join(self.fast, 'record')
        tmp_fast = os.path.join(self.fast, 'mlist-tmp')
        tmp_disk = os.path.join(self.work, 'mlist-tmp')
        for d in (tmp_fast, tmp_disk):
            os.makedirs(d, exist_ok=True)

        def envs(where, latency):
            """The environment of a batch, and that of its status checks (no latency)."""
            e = dict(env1 if latency else env0, TMPDIR=tmp_disk if where == 'disk' else tmp_fast)
            if where == 'fastrec':
                e['INTEL_LM_STATE_DIR'] = rec_fast
            return e, dict(e, INTEL_LM_EMU=env0['INTEL_LM_EMU'])

        def reset():
            # Every VF running on nvme0, suspended on nvme1, in both records.
            for where in ('fast', 'fastrec'):
                _, e = envs(where, 0)
                self.must([self.std, 'resume', '/dev/nvme0', '--vf=all', '--force'], e,
                          'resume all')
                self.must([self.std, 'suspend', '/dev/nvme1', '--vf=all', '--force'], e,
                          'suspend all')

        reset()
        # 'fast': the safety copies (TMPDIR) on tmpfs, the record on disk, as in the scale
        # rows; at the extra points also 'fastrec' (the record on tmpfs too: what its
        # durable writes cost), 'disk' (the safety copies on disk, as with migrate's default
        # TMPDIR) and the same batch at zero latency (no device time).
        plan = [(n, j, 'fast', lat) for n in cfg['ml_pairs'] for j in cfg['ml_jobs']]
        plan += [(n, j, w, lat) for n, j in cfg['ml_extra'] for w in ('fastrec', 'disk')]
        plan += [(n, j, 'fast', 0) for n, j in cfg['ml_extra']]
        data = {}
        errors = {}

        def batch(pt, back):
            n, j, where, latency = pt
            e, se = envs(where, latency)
            src, dst = ('nvme1', 'nvme0') if back else ('nvme0', 'nvme1')
            argv = [self.std, 'migrate', '/dev/' + src, f'--vf=1-{n}', '--to=/dev/' + dst,
                    f'--to-vf=1-{n}', f'--jobs={j}', '--output-format=json', '--verbose'] + REUSE
            count = pt not in data
            before = [self.counters(e, pf) for pf in ('nvme0', 'nvme1')] if count else None
            r = self.run(argv, e)
            # Before the status checks, which send Identify commands of their own.
            after = [self.counters(e, pf) for pf in ('nvme0', 'nvme1')] if count else None
            try:
                rep = json.loads(r.out)
            except ValueError:
                raise MeasureError(f'migrate of {n} pairs exited {r.rc} without a JSON report: '
                                   f'{r.err.strip()[-300:]}') from None
            failed = [x for x in rep.get('results', []) if not x.get('success')]
            if r.rc != 0 or not rep.get('success') or rep.get('succeeded') != n or \
                    rep.get('failed') or failed or len(rep.get('results', [])) != n:
                raise MeasureError(
                    f'migrate /dev/{src} --vf=1-{n} --jobs={j} exited {r.rc}: '
                    f'{rep.get("succeeded")} of {n} pairs migrated; ' +
                    '; '.join(f'VF {x.get("vf")}: {json.dumps(x.get("error"))[:200]}'
                              for x in failed[:3]) +
                    (f'; {json.dumps(rep.get("error"))[:300]}' if rep.get('error') else ''))
            pairs = self.mlist_pairs(rep, n)
            self.mlist_verify(se, src, dst, n, rep)
            if count:
                diff = {}
                for b0, a0 in zip(before, after):
                    for o, v in a0.items():
                        diff[o] = diff.get(o, 0) + v - b0.get(o, 0)
                data[pt] = {'wall': [], 'cpu': [], 'pairs': [], 'identify': diff.get(0x06, 0),
                            'vendor': sum(v for o, v in diff.items() if o != 0x06)}
            d = data[pt]
            d['wall'].append(r.wall_ns)
            d['cpu'].append(r.cpu_ns)
            for p in pairs:
                p['run'] = len(d['wall'])
            d['pairs'] += pairs

        for _ in range(cfg['ml_reps']):
            for pt in plan:
                if pt in errors:
                    continue
                for back in (False, True):
                    try:
                        batch(pt, back)
                    except (MeasureError, OSError, ValueError, KeyError, TypeError) as exc:
                        errors[pt] = str(exc) or type(exc).__name__
                        try:
                            reset()
                        except (MeasureError, OSError) as exc2:
                            errors[pt] += f'; and the reset failed: {exc2}'
                        break
        try:
            self.results['mlist_profile'] = self.mlist_profile(envs('fastrec', 0)[0], nmax)
        except (MeasureError, OSError, ValueError, KeyError) as exc:
            self.check(False, f'migrate lists profile: {exc}')
        try:
            self.results['mlist_syscalls'] = self.mlist_syscalls(
                {pt: envs(pt[2], pt[3]) for pt in plan if pt[2] == 'fast' and pt[3] and
                 (pt[0], pt[1]) in cfg['ml_extra']})
        except (MeasureError, OSError) as exc:
            self.check(False, f'migrate lists system calls: {exc}')
        out = []
        for pt in plan:
            n, j, where, latency = pt
            if not latency:
                continue
            d = data.get(pt)
            d0 = data.get((n, j, where, 0))
            row = {'pairs': n, 'jobs': j, 'output': where, 'latency_us': latency,
                   'error': errors.get(pt) or (errors.get((n, j, where, 0)) if
                                               (n, j) in cfg['ml_extra'] and where == 'fast'
                                               else None)}
            if d and d['pairs']:
                prs = d['pairs']
                per_pair = d['vendor'] / n
                ideal = latency * 1000 * (d['identify'] + math.ceil(n / j) * per_pair)
                wall = median(d['wall'])
                worst = max(prs, key=lambda p: p['overhead_ns'])
                cmd_ns = median([p['device_ns'] / 5 for p in prs])
                row.update(
                    wall_ns=wall, ideal_ns=ideal, ratio=wall / ideal,
                    identify_cmds=d['identify'], cmds_per_pair=per_pair,
                    cpu_ns=median(d['cpu']), runs=len(d['wall']),
                    wall_lat0_ns=median(d0['wall']) if d0 else None,
                    cpu_lat0_ns=median(d0['cpu']) if d0 else None,
                    cmd_ns=cmd_ns, ratio_device=wall / (ideal * cmd_ns / (latency * 1000)),
                    pairs_measured=len(prs),
                    downtime_median_ns=median([p['downtime_ns'] for p in prs]),
                    downtime_max_ns=max(p['downtime_ns'] for p in prs),
                    device_median_ns=median([p['device_ns'] for p in prs]),
                    keep_median_ns=median([p['keep_ns'] for p in prs]),
                    overhead_median_ns=median([p['overhead_ns'] for p in prs]),
                    over_bound=sum(1 for p in prs if p['overhead_ns'] >= T_DOWNTIME_OVERHEAD_NS),
                    worst=worst)
            label = f'migrate list {n} pairs jobs={j}' + {
                'disk': ' safety copies on disk', 'fastrec': ' record on tmpfs'}.get(where, '')
            if row['error']:
                self.check(False, f'{label}: {row["error"]}')
            else:
                self.number(row.get('ratio'), f'{label} wall/ideal')
                self.number(row.get('overhead_median_ns'), f'{label} median pair overhead ns')
                self.check(row.get('pairs_measured') == n * row.get('runs', 0),
                           f'{label}: every pair of every run recorded as migrated '
                           f'({row.get("runs")} runs)')
            out.append(row)
        self.results['mlist'] = out

    def mlist_pairs(self, rep, n):
        """Each pair's downtime and what it is made of, from the report of one run: the
        pair's own commands (by VF number, in the order sent: the commands carry no PF, and a
        pair's source and destination VFs have the same number here), its steps."""
        cmds = {}
        for c in rep.get('commands', []):
            if c['opcode'] in self.ML_VENDOR:
                cmds.setdefault(c['cdw10'], []).append(c)
        out = []
        vfs = sorted(x['vf'] for x in rep['results'])
        if vfs != list(range(1, n + 1)):
            raise MeasureError(f'the report names VFs {vfs[:8]}..., not 1-{n}')
        for x in rep['results']:
            v = x['vf']
            if x['to_vf'] != v:
                raise MeasureError(f'VF {v} went to VF {x["to_vf"]}, not {v}')
            cs = cmds.get(v, [])
            steps = {s['step']: s for s in x['steps']}
            skipped = steps.get('destination suspend', {}).get('outcome') == 'skipped'
            want = self.ML_PATH_CMDS if skipped else [0xc8] + self.ML_PATH_CMDS
            if [c['opcode'] for c in cs] != want or \
                    not all(c['sent'] and c['status'] == 0 for c in cs):
                raise MeasureError(f'VF {v}: commands ' + ', '.join(
                    f'{OPC_NAMES.get(c["opcode"], hex(c["opcode"]))} status {c["status"]}'
                    for c in cs) + ', not those of one migration')
            bad = [k for k, s in steps.items() if s.get('outcome') != 'ok' and
                   not (k == 'destination suspend' and skipped)]
            if bad or len(steps) != 7:
                raise MeasureError(f'VF {v}: steps not all ok: {bad or list(steps)}')
            if not skipped:
                cs = cs[1:]
            device = sum(c['time_ns'] for c in cs)
            keep = steps['keep the state']['time_ns']
            path = sum(s['time_ns'] for k, s in steps.items() if k != 'destination suspend')
            down = x['downtime_ns']
            # What each step on the path took beyond its command: the record's writes, the
            # reservation of the safety copy's room (source query-size).
            excess = {k: steps[k]['time_ns'] - c['time_ns'] for k, c in
                      zip(('source suspend', 'source query-size', 'source save',
                           'destination load', 'destination resume'), cs)}
            out.append({'vf': v, 'downtime_ns': down, 'device_ns': device, 'keep_ns': keep,
                        'overhead_ns': down - device - keep,
                        # between the steps (negative when a step's time began before the
                        # downtime did), and inside them beyond the commands
                        'gaps_ns': down - path, 'in_steps_ns': path - keep - device,
                        'step_excess_ns': excess})
        return out

    def mlist_verify(self, env, src, dst, n, rep):
        """Every pair on record: the destination VF running and the source VF saved, both
        with the pair's own migration, closed, naming each other."""
        ids = {x['vf']: x.get('operation_id') for x in rep['results']}
        for pf, role, state in ((dst, 'destination', 'running'), (src, 'source', 'saved')):
            r = self.must([self.std, 'status', '/dev/' + pf, f'--vf=1-{n}',
                           '--output-format=json'], env, 'status')
            st = {x['vf']: x for x in json.loads(r.out).get('vfs', [])}
            bad = []
            for v in range(1, n + 1):
                x = st.get(v) or {}
                op = x.get('last_operation') or {}
                if not (x.get('recorded') and x.get('state') == state and
                        op.get('type') == 'migrate' and op.get('role') == role and
                        ids.get(v) and op.get('id') == ids[v] and op.get('open') is False and
                        not op.get('in_progress') and op.get('peer_vf') == v and
                        not x.get('unresolved')):
                    bad.append(f'VF {v}: {x.get("state")}, {op.get("role")} of '
                               f'{op.get("id")} (open {op.get("open")})')
            if bad:
                raise MeasureError(f'{len(bad)} {role} VF(s) of /dev/{pf} not on record as '
                                   f'{state} by their migration: ' + '; '.join(bad[:3]))

    def mlist_profile(self, env, nmax):
        """Instructions of a migrate list at zero latency, one job, the record on tmpfs: per
        pair (K pairs against 2; a list of one VF is the one-VF form), ours by source file and
        the emulator's."""
        if not self.valgrind:
            return None
        k = min(16, nmax)
        runs = {}
        for n in (2, k):
            for back in (False, True):
                src, dst = ('nvme1', 'nvme0') if back else ('nvme0', 'nvme1')
                argv = [self.std, 'migrate', '/dev/' + src, f'--vf=1-{n}', '--to=/dev/' + dst,
                        f'--to-vf=1-{n}', '--jobs=1', '--output-format=json'] + REUSE
                if back:
                    self.must(argv, env, 'migrate list back')
                    continue
                t, e, objs = self.callgrind(argv, env)
                runs[n] = (t - e, e, objs.get('files') or {})
        unit = per_unit(runs[2], runs[k], k - 2)
        out = {'pairs': k,
               'per_pair_program': unit['program'],
               'per_pair_emulator': unit['emulator'],
               'per_pair_files': unit['files']}
        self.number(out['per_pair_program'], 'migrate lists profile: program instructions '
                    'per pair')
        return out

    def mlist_syscalls(self, points):
        """The system calls of the extra batches (strace -f -c, there and back, the first
        counted): how many fsync and fdatasync per pair."""
        if not self.strace:
            return None
        out = {}
        for (n, j, _, _), (e, _) in points.items():
            log = os.path.join(self.work, 'strace-mlist')
            for back in (False, True):
                src, dst = ('nvme1', 'nvme0') if back else ('nvme0', 'nvme1')
                argv = [self.strace, '-f', '-c', '-o', log, self.std, 'migrate', '/dev/' + src,
                        f'--vf=1-{n}', '--to=/dev/' + dst, f'--to-vf=1-{n}', f'--jobs={j}',
                        '--output-format=json'] + REUSE
                self.must(argv, e, 'strace migrate list')
                if back:
                    continue
                calls = {}
                with open(log) as f:
                    for line in f:
                        parts = line.split()
                        if len(parts) >= 5 and parts[3].isdigit() and \
                                re.match(r'[a-z_0-9]+$', parts[-1]) and parts[-1] != 'total':
                            calls[parts[-1]] = int(parts[3])
                out[f'{n} {j}'] = {'calls': calls, 'pairs': n}
            os.unlink(log)
        return out

    # ---------------------------------------------------------------- memory

    def bench_memory(self):
        cfg = self.cfg
        sizes = cfg['mem_sizes']
        vf_of = {s: i + 1 for i, s in enumerate(sizes)}
        bn, bs = cfg['mem_batch']
        # The batch PF has 1 ms latency: its jobs then hold their buffers at the same time.
        env = self.emu('mem', [{'vfs': len(sizes), 'sizes': {vf_of[s]: s for s in sizes}},
                               {'vfs': bn, 'lat': 1000,
                                'sizes': {v: bs for v in range(1, bn + 1)}}])
        for pf in ('nvme0', 'nvme1'):
            self.must([self.std, 'suspend', '/dev/' + pf, '--vf=all'], env, 'suspend all')
        out = []
        reps = cfg['mem_reps']

        def remove(path):
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            elif os.path.exists(path):
                os.unlink(path)

        def rss(argv, cleanup=None, e=env):
            vals = []
            for _ in range(reps):
                if cleanup:
                    remove(cleanup)
                vals.append(self.must(argv, e, 'memory run', rss=True).rss_kib)
            return median(vals)

        for s in sizes:
            v = str(vf_of[s])
            big = ['--max-state-size=4M'] if s > REF_MAX_STATE else []
            blob = os.path.join(self.work, f'mem-{s}.blob')
            fl = os.path.join(self.work, f'mem-{s}.floor')
            raw = os.path.join(self.work, f'mem-{s}.raw')
            for prog in ('floor', 'standalone', 'nvme-cli'):
                row = {'what': 'single', 'size': s, 'program': prog, 'error': None}
                try:
                    if prog == 'floor':
                        base = rss([self.floor, 'query-size', '/dev/nvme0', v])
                        save = rss([self.floor, 'save', '/dev/nvme0', v, fl], cleanup=fl)
                        load = rss([self.floor, 'load', '/dev/nvme0', v, fl])
                    else:
                        head = [self.std] if prog == 'standalone' else [self.nvme_cli, 'intel-lm']
                        base = rss(head + ['query-size', '/dev/nvme0', '--vf=' + v])
                        save = rss(head + ['save', '/dev/nvme0', '--vf=' + v, '-o', blob] + big,
                                   cleanup=blob)
                        load = rss(head + ['load', '/dev/nvme0', '--vf=' + v, '-i', blob] +
                                   big + REUSE)
                    row.update(base_kib=base, save_kib=save, load_kib=load,
                               save_delta_kib=save - base, load_delta_kib=load - base,
                               bound_kib=s // KIB + T_MEM_CONST_KIB)
                    if prog == 'standalone':
                        self.must([self.emu_ctl, 'dump', 'nvme0', v, raw], env, 'dump',
                                  preload=False)
                        # The default limit (256 KiB) refuses larger raw states.
                        row['raw_load_delta_kib'] = rss(
                            [self.std, 'load', '/dev/nvme0', '--vf=' + v, '-i', raw,
                             '--raw'] + REUSE) - base if s <= REF_MAX_STATE else None
                        row['raw_load_delta_kib_4m'] = rss(
                            [self.std, 'load', '/dev/nvme0', '--vf=' + v, '-i', raw, '--raw',
                             '--max-state-size=4M'] + REUSE) - base
                except (MeasureError, OSError) as exc:
                    row['error'] = str(exc)
                label = f'memory {prog} {human_size(s)}'
                if row['error']:
                    self.check(False, f'{label}: {row["error"]}')
                else:
                    self.number(row['save_delta_kib'], f'{label} save RSS above baseline KiB')
                    self.number(row['load_delta_kib'], f'{label} load RSS above baseline KiB')
                out.append(row)
        d = os.path.join(self.fast, 'mem-batch')
        # The last row again with one glibc malloc arena for all threads, to tell what the
        # threads' own arenas cost.
        plan = [(j, False) for j in cfg['mem_batch_jobs']] + [(cfg['mem_batch_jobs'][-1], True)]
        for j, one_arena in plan:
            row = {'what': 'batch', 'vfs': bn, 'size': bs, 'jobs': j, 'program': 'standalone',
                   'error': None, 'malloc_arena_max': 1 if one_arena else None}
            e = dict(env, MALLOC_ARENA_MAX='1') if one_arena else env
            try:
                base = rss([self.std, 'query-size', '/dev/nvme1', '--vf=all', f'--jobs={j}'],
                           e=e)
                save = rss([self.std, 'save', '/dev/nvme1', '--vf=all', f'--jobs={j}', '-o', d],
                           cleanup=d, e=e)
                load = rss([self.std, 'load', '/dev/nvme1', '--vf=all', f'--jobs={j}', '-i', d] +
                           REUSE, e=e)
                row.update(base_kib=base, save_kib=save, load_kib=load,
                           save_delta_kib=save - base, load_delta_kib=load - base,
                           bound_kib=min(j, bn) * bs // KIB + T_MEM_CONST_KIB,
                           batch_kib=bn * bs // KIB)
            except (MeasureError, OSError) as exc:
                row['error'] = str(exc)
            label = f'memory batch {bn} VFs x {human_size(bs)} jobs={j}' + \
                (' MALLOC_ARENA_MAX=1' if one_arena else '')
            if row['error']:
                self.check(False, f'{label}: {row["error"]}')
            else:
                self.number(row['save_delta_kib'], f'{label} save RSS above baseline KiB')
                self.number(row['load_delta_kib'], f'{label} load RSS above baseline KiB')
            out.append(row)
        shutil.rmtree(d, ignore_errors=True)
        self.results['memory'] = out

    # ---------------------------------------------------------------- durable write

    def bench_durable(self):
        cfg = self.cfg
        s = cfg['dur_size']
        env = self.emu('durable', [{'vfs': 1, 'sizes': {1: s}}])
        self.must([self.floor, 'suspend', '/dev/nvme0', '1'], env, 'suspend')
        src = os.path.join(self.work, 'durable-src.blob')
        # Every run writes a new file, and none is removed before the end: a removal (and
        # the discard it may bring) would land in the next run's fsync.
        outdir = os.path.join(self.work, 'durable')
        os.mkdir(outdir)
        big = ['--max-state-size=4M'] if s > REF_MAX_STATE else []
        self.must([self.std, 'save', '/dev/nvme0', '--vf=1', '-o', src] + big, env, 'save')
        progs = {
            'dd': (lambda d: [self.dd, f'if={src}', f'of={d}', 'bs=4M', 'conv=fsync',
                              'status=none'], False),
            'floor': (lambda d: [self.floor, 'save', '/dev/nvme0', '1', d], True),
            'standalone': (lambda d: [self.std, 'save', '/dev/nvme0', '--vf=1', '-o', d,
                                      '--output-format=json', '--verbose'] + big, True),
            'nvme-cli': (lambda d: [self.nvme_cli, 'intel-lm', 'save', '/dev/nvme0', '--vf=1',
                                    '-o', d, '--output-format=json', '--verbose'] + big, True),
        }
        walls = {p: [] for p in progs}
        device = {p: [] for p in progs}
        errors = {}
        # What the programs cost before they write anything: start-up alone.
        starts = {'dd': ([self.dd, 'if=/dev/null', 'of=/dev/null', 'status=none'], False),
                  'standalone': ([self.std, 'version'], True)}
        start_walls = {p: [] for p in starts}
        for i in range(cfg['dur_reps']):
            for p, (argv, preload) in starts.items():
                os.sync()
                try:
                    start_walls[p].append(self.must(argv, env, 'start-up',
                                                    preload=preload).wall_ns)
                except (MeasureError, OSError):
                    pass
            for p, (mkargv, preload) in progs.items():
                if p in errors:
                    continue
                try:
                    dst = os.path.join(outdir, f'{p}-{i}')
                    argv = mkargv(dst)
                    os.sync()
                    r = self.must(argv, env, f'durable {p}', preload=preload)
                    want = s + 256
                    if os.path.getsize(dst) != want:
                        raise MeasureError(f'{p} wrote {os.path.getsize(dst)} bytes, '
                                           f'expected {want}')
                    walls[p].append(r.wall_ns)
                    if '--verbose' in argv:
                        j = json.loads(r.out)
                        device[p].append(sum(c['time_ns'] for c in j['commands']))
                except (MeasureError, OSError, ValueError, KeyError) as exc:
                    errors[p] = str(exc)
        dev_std = median(device['standalone'])
        dd = median(walls['dd'])
        out = []
        for p in progs:
            wall = median(walls[p])
            dev = median(device[p]) if device[p] else (dev_std if p == 'floor' else 0)
            write = wall - dev if wall is not None and dev is not None else None
            q = statistics.quantiles(walls[p], n=4) if len(walls[p]) >= 2 else [None] * 3
            row = {'program': p, 'size': s, 'wall_ns': wall, 'device_ns': dev,
                   'write_ns': write, 'vs_dd': write / dd if write and dd else None,
                   'wall_q1_ns': q[0], 'wall_q3_ns': q[2], 'error': errors.get(p)}
            label = f'durable {p} {human_size(s)}'
            if row['error']:
                self.check(False, f'{label}: {row["error"]}')
            else:
                self.number(row['write_ns'], f'{label} write ns')
            out.append(row)
        self.results['durable'] = out
        self.results['durable_breakdown'] = self.durable_breakdown(env, progs, outdir)
        shutil.rmtree(outdir, ignore_errors=True)
        # CRC-32 of the state, as the header needs it (zlib, through Python's binding).
        import zlib
        data = os.urandom(s)
        crc = []
        for _ in range(cfg['dur_reps']):
            t0 = time.perf_counter_ns()
            zlib.crc32(data)
            crc.append(time.perf_counter_ns() - t0)
        self.results['durable_parts'] = {
            'startup_dd_ns': median(start_walls['dd']),
            'startup_standalone_ns': median(start_walls['standalone']),
            'crc32_ns': median(crc)}

    def durable_breakdown(self, env, progs, outdir):
        """Where the time goes, by system call (strace -T), when strace is there."""
        if not self.strace:
            return None
        out = {}
        for p in ('dd', 'floor', 'standalone'):
            mkargv, preload = progs[p]
            argv = mkargv(os.path.join(outdir, f'{p}-strace'))
            log = os.path.join(self.work, f'strace-{p}')
            os.sync()
            r = self.run([self.strace, '-f', '-T', '-o', log,
                          '-e', 'trace=fsync,fdatasync,write,pwrite64,rename,renameat2'] + argv,
                         env, preload=preload)
            if r.rc != 0:
                continue
            sums = {}
            fsyncs = []
            with open(log) as f:
                for line in f:
                    # "PID name(args) = result <seconds>"
                    m = re.match(r'(?:\d+\s+)?(\w+)\(.*<([\d.]+)>\s*$', line)
                    if not m:
                        continue
                    name, ns = m.group(1), float(m.group(2)) * 1e9
                    if name in ('write', 'pwrite64'):
                        name = 'write'
                    elif name in ('rename', 'renameat2'):
                        name = 'rename'
                    elif name == 'fsync':
                        fsyncs.append(ns)
                    sums[name] = sums.get(name, 0) + ns
            out[p] = {'syscalls_ns': sums, 'fsyncs_ns': fsyncs}
            os.unlink(log)
        return out

    # ---------------------------------------------------------------- targets and notes

    def evaluate(self):
        t = []
        res = self.results
        per = [r for r in res.get('per_op', []) if r['program'] == 'standalone']
        ratios = [r['vs_floor'] for r in per]
        worst = max((x for x in ratios if x), default=None)
        t.append({'target': f'per-op: standalone within {T_FLOOR_RATIO}× of the bare floor '
                            '(instructions of the whole process, the emulator apart)',
                  'met': None if worst is None or None in ratios else worst <= T_FLOOR_RATIO,
                  'value': ', '.join(f'{op_label(r)} {fmt_ratio(r["vs_floor"])}'
                                     for r in per)})
        pts = [r['vs_passthru'] for r in per]
        worst_pt = max((x for x in pts if x), default=None)
        t.append({'target': 'per-op: standalone cheaper than nvme admin-passthru',
                  'met': None if worst_pt is None or None in pts else worst_pt < 1.0,
                  'value': f'worst {fmt_ratio(worst_pt)}'})
        cli = [r['vs_passthru'] for r in res.get('per_op', []) if r['program'] == 'nvme-cli']
        worst_cli = max((x for x in cli if x), default=None)
        t.append({'target': 'per-op: nvme-cli build cheaper than nvme admin-passthru',
                  'met': None if worst_cli is None or None in cli else worst_cli < 1.0,
                  'value': f'worst {fmt_ratio(worst_cli)}'})

        dt = [r for r in res.get('downtime', []) if r['program'] == 'standalone']
        ovh = [r.get('overhead_ns') for r in dt]
        worst_o = max((x for x in ovh if x is not None), default=None)
        t.append({'target': 'downtime: under 1 ms beyond the device\'s time and the durable '
                            'write',
                  'met': None if worst_o is None or None in ovh else
                  worst_o < T_DOWNTIME_OVERHEAD_NS,
                  'value': f'worst {fmt_ms(worst_o, 3)} ms'})
        avoid = sorted({a for r in dt for a in r.get('avoidable', [])})
        t.append({'target': 'downtime: no command on the path that could precede the source '
                            'SUSPEND',
                  'met': None if not dt or any(r['error'] for r in dt) else not avoid,
                  'value': ', '.join(avoid) if avoid else 'none'})

        sc = res.get('scale', [])
        for (n, j), limit in self.cfg['scale_targets']:
            pts = [r for r in sc if r['vfs'] == n and r['jobs'] == j and r['output'] == 'fast']
            rt = [r.get('ratio') for r in pts]
            t.append({'target': f'scale: save and load of {n} VFs at jobs={j} within {limit}× '
                                'of the ideal, start-up included',
                      'met': None if not rt or None in rt else max(rt) <= limit,
                      'value': ', '.join(f'{r["op"]} {fmt_ratio(r.get("ratio"))}'
                                         for r in pts)})
        lin = self.linearity()
        worst_l = max((x['worst_deviation'] for x in lin), default=None)
        t.append({'target': 'scale: linear growth in VF count (every batch within '
                            f'{T_LINEAR_DEV:.0%} of a straight line, for each --jobs)',
                  'met': None if worst_l is None else worst_l <= T_LINEAR_DEV,
                  'value': '–' if worst_l is None else f'worst {worst_l:.1%} off'})
        res['linearity'] = lin

        ml = res.get('mlist', [])
        okml = [r for r in ml if not r['error'] and r.get('worst')]
        wr = max(okml, key=lambda r: r['worst']['overhead_ns'], default=None)
        above = sum(r['over_bound'] for r in okml)
        t.append({'target': 'migrate lists: each pair\'s downtime under 1 ms beyond its own '
                            'device time and durable write (every pair of every run)',
                  'met': None if not ml or any(r['error'] for r in ml) else above == 0,
                  'value': '–' if not wr else
                  f'worst {fmt_ms(wr["worst"]["overhead_ns"], 3)} ms (VF {wr["worst"]["vf"]} of '
                  f'{mlist_label(wr)}); {above} of '
                  f'{sum(r["pairs_measured"] for r in okml)} pairs above'})
        mf = [r for r in ml if r['output'] == 'fast']
        rt = [r.get('ratio') for r in mf]
        jmax = max(self.cfg['ml_jobs'])
        wrt = max((r for r in mf if r.get('ratio')), key=lambda r: r['ratio'], default=None)
        t.append({'target': 'migrate lists: '
                            f'{", ".join(str(n) for n in self.cfg["ml_pairs"])} pairs at jobs '
                            f'{", ".join(str(j) for j in self.cfg["ml_jobs"])}, each batch '
                            f'within {T_MLIST_RATIO}× of the ideal, start-up included',
                  'met': None if not rt or None in rt else max(rt) <= T_MLIST_RATIO,
                  'value': '–' if not wrt else
                  f'worst {fmt_ratio(wrt["ratio"])} ({mlist_label(wrt)}); at jobs={jmax}: ' +
                  ', '.join(f'{r["pairs"]} pairs {fmt_ratio(r.get("ratio"))}'
                            for r in mf if r['jobs'] == jmax)})

        mem = [r for r in res.get('memory', []) if r['program'] != 'floor' and not r['error']
               and not r.get('malloc_arena_max')]
        over = [r for r in mem if max(r['save_delta_kib'], r['load_delta_kib']) > r['bound_kib']]
        t.append({'target': 'memory: at most one state buffer per job plus '
                            f'{T_MEM_CONST_KIB} KiB; never the whole batch',
                  'met': None if not mem else not over,
                  'value': 'all within' if not over else
                  f'{len(over)} row(s) above the bound'})
        raw = [r for r in mem if r['program'] == 'standalone' and
               r.get('raw_load_delta_kib_4m') is not None]
        raw_over = [r for r in raw if r['raw_load_delta_kib_4m'] > r['bound_kib']]
        t.append({'target': 'memory: load --raw likewise (not a target of the issue; '
                            'reported because it differs)',
                  'met': None if not raw else not raw_over,
                  'value': 'all within' if not raw_over else
                  f'{len(raw_over)} size(s) above the bound with --max-state-size=4M'})

        dur = {r['program']: r for r in res.get('durable', [])}
        v = dur.get('standalone', {}).get('vs_dd')
        t.append({'target': f'durable write: save within {T_DURABLE_RATIO}× of dd conv=fsync',
                  'met': None if v is None else v <= T_DURABLE_RATIO,
                  'value': fmt_ratio(v)})
        sh = res.get('ssh') or {}
        for rt in sh.get('rtts', []):
            t.append({'target': f'host to host at {rt["rtt_ms"]} ms added round trip: '
                                'downtime per VF at most the one-host migrate\'s + 2 round '
                                'trips + the state\'s transfer + 5 ms',
                      'met': rt['met'],
                      'value': f'{fmt_ms(rt["downtime_ns"], 1)} ms against '
                               f'{fmt_ms(rt["budget_ns"], 1)} ms (one host '
                               f'{fmt_ms(sh["one_host_ns"], 1)} ms)'})
        li = sh.get('list')
        if li:
            t.append({'target': f'host to host: {li["pairs"]} VFs at --jobs={li["jobs"]} '
                                f'within {T_SSH_LIST_RATIO}× of the ideal (device time over '
                                'the jobs + transfer)',
                      'met': li['ratio'] <= T_SSH_LIST_RATIO,
                      'value': f'{fmt_ratio(li["ratio"])} over a cold connection '
                               f'({fmt_ratio(li["ratio_no_startup"])} without its start-up)' +
                               (f'; {fmt_ratio(li["master_ratio"])} with a ControlMaster '
                                'already up' if li.get('master_ratio') else '')})
        pb, cmd = sh.get('playbook_downtime_ns'), (sh.get('rtts') or [{}])[0].get('downtime_ns')
        if 'playbook_downtime_ns' in sh:
            t.append({'target': f'host to host: the playbook\'s downtime within '
                                f'{T_SSH_PLAYBOOK:.0%} of the command\'s',
                      'met': None if pb is None or cmd is None else
                      pb <= cmd * (1 + T_SSH_PLAYBOOK),
                      'value': f'{fmt_ms(pb, 1)} ms against {fmt_ms(cmd, 1)} ms'})
        res['targets'] = t
        self.write_notes()

    def linearity(self):
        """For each op and --jobs: the least-squares line wall = a + b * VFs over the VF
        counts but the smallest (one VF measures start-up, not growth), and how far the worst
        point is from it."""
        out = []
        sc = [r for r in self.results.get('scale', []) if r['output'] == 'fast' and
              r.get('wall_ns')]
        counts = sorted({r['vfs'] for r in sc})[1:]
        sc = [r for r in sc if r['vfs'] in counts]
        if len(counts) < 3:
            return out
        for j in sorted({r['jobs'] for r in sc}):
            for op in ('save', 'load'):
                w = {r['vfs']: r['wall_ns'] for r in sc if r['jobs'] == j and r['op'] == op}
                if len(w) < 3:
                    continue
                xs = sorted(w)
                mx = sum(xs) / len(xs)
                my = sum(w[x] for x in xs) / len(xs)
                b = sum((x - mx) * (w[x] - my) for x in xs) / sum((x - mx) ** 2 for x in xs)
                a = my - b * mx
                dev = max(abs(w[x] - (a + b * x)) / w[x] for x in xs)
                out.append({'jobs': j, 'op': op, 'counts': xs, 'per_vf_ns': b, 'fixed_ns': a,
                            'worst_deviation': dev})
        return out

    def perop_breakdown(self, r, fl):
        """Where the standalone program's instructions go beyond the floor's, for one
        operation: start-up and exit, and its own code by source file (each file with the libc
        and lazy-binding work it asks for), against the floor's."""
        fo = (r.get('objects') or {}).get('files')
        ff = ((fl or {}).get('objects') or {}).get('files')
        if not fo or ff is None or not r.get('instructions') or not fl.get('instructions'):
            return None
        mine, base = r['instructions'], fl['instructions']
        own, own_fl = sum(fo.values()), sum(ff.values())
        rest, rest_fl = mine - own, base - own_fl
        top = sorted(fo.items(), key=lambda kv: -kv[1])
        shown = [(k, v) for k, v in top if v >= 2000][:8]
        others = own - sum(v for _, v in shown)
        verdict_text = 'within' if r['vs_floor'] <= T_FLOOR_RATIO else 'above'
        text = (f'{op_label(r)}: {fmt_ratio(r["vs_floor"])} of the floor, {verdict_text} '
                f'{T_FLOOR_RATIO}× ({fmt_int(mine)} instructions against {fmt_int(base)}'
                + (f'; {T_FLOOR_RATIO}× would be {fmt_int(T_FLOOR_RATIO * base)}, '
                   f'{fmt_int(mine - T_FLOOR_RATIO * base)} fewer' if mine > T_FLOOR_RATIO *
                   base else '') +
                f'). Start-up and exit (the dynamic loader, libc): {fmt_int(rest)} against '
                f'the floor\'s {fmt_int(rest_fl)}; the command itself: {fmt_int(own)} against '
                f'{fmt_int(own_fl)}, by source file with the libc work each asks for: ' +
                ', '.join(f'{k} {fmt_int(v)}' for k, v in shown) +
                (f', the rest {fmt_int(others)}' if others > 0 else '') + '.')
        ob, obf = r.get('objects') or {}, (fl or {}).get('objects') or {}
        if ob.get('binding_calls') and obf.get('binding_calls') is not None:
            extra = ob['binding_instr'] - obf['binding_instr']
            text += (f' Of the command\'s own figures, {fmt_int(ob["binding_instr"])} go to the '
                     f'dynamic loader binding {ob["binding_calls"]} libc functions on their '
                     f'first call (lazy binding, about '
                     f'{fmt_int(ob["binding_instr"] / ob["binding_calls"])} each, the emulator '
                     f'preloaded in the lookup scope as for every program here), against the '
                     f'floor\'s {obf["binding_calls"]} ({fmt_int(obf["binding_instr"])}): '
                     f'{fmt_int(extra)} more, for the lock, the record, the device and '
                     f'directory checks, the options and the output the floor does not have.')
        return text

    def scale_breakdown(self, r, limit):
        """What a target batch's wall time is made of, each part measured apart."""
        res = self.results
        n, j, op = r['vfs'], r['jobs'], r['op']
        nmax = max(self.cfg['scale_vfs'])
        rec = next((x for x in res.get('scale', []) if (x['vfs'], x['jobs'], x['op'],
                                                          x['output']) == (n, j, op, 'fastrec')
                    and x.get('wall_ns')), None)
        per_job = math.ceil(n / j)
        wall, ideal, start = r['wall_ns'], r['ideal_ns'], r.get('startup_ns')
        if start is None:
            return None
        text = (f'{op} of {n} VFs at jobs={j}: {fmt_ms(wall, 1)} ms against an ideal of '
                f'{fmt_ms(ideal, 1)} ms, {fmt_ratio(r["ratio"])} '
                f'({"met" if r["ratio"] <= limit else "missed"}: {limit}×, start-up '
                f'included). Measured apart: start-up {fmt_ms(start, 2)} ms (one VF, no '
                f'latency: process creation, loading, Identify and the list of {nmax} VFs, one '
                'VF\'s work)')
        rest = wall - ideal - start
        if rec:
            fsync = wall - rec['wall_ns']
            rest = rec['wall_ns'] - ideal - start
            sc = (res.get('scale_syscalls') or {}).get(f'{op} {n} {j}') or {}
            calls = sc.get('calls') or {}
            syncs = calls.get('fdatasync', 0) + calls.get('fsync', 0)
            text += (f'; the record\'s durable writes {fmt_ms(fsync, 2)} ms (the same batch '
                     f'with the record directory on tmpfs takes {fmt_ms(rec["wall_ns"], 1)} ms, '
                     f'{fmt_ratio(rec["ratio"])}' +
                     (f'; {syncs / n:.1f} fsync or fdatasync per VF, '
                      f'{(syncs / n - 1) * per_job:.0f} in each job\'s path' if syncs else '') +
                     ': a VF\'s intent is made durable before each command that changes it, '
                     'in the job\'s path; its outcome is written after it and made durable by '
                     'one fdatasync on the batch\'s own threads, beside the job\'s next VF, '
                     'before the report')
        text += (f'; the rest, {fmt_ms(rest, 2)} ms, is {fmt_ms(rest / per_job, 3)} ms for '
                 f'each of the {per_job} VFs in a job\'s path')
        cmd_ns = res.get('scale_device_cmd_ns')
        lat = self.cfg['scale_latency_us'] * 1000
        if cmd_ns:
            text += (f': a {fmt_ms(lat, 0)} ms command takes {fmt_ms(cmd_ns, 3)} ms in the '
                     f'emulated device ({fmt_ms(cmd_ns - lat, 3)} ms more: the wake-up after '
                     f'the sleep and the emulator\'s own work), {r["cmds_per_vf"]:.0f} '
                     'per VF')
        prof = (res.get('scale_profile') or {}).get(op)
        if prof:
            files = sorted(prof['per_vf_files'].items(), key=lambda kv: -kv[1])
            text += ('; per VF the program executes ' + fmt_int(prof['per_vf_program']) +
                     ' instructions (' + ', '.join(f'{k} {fmt_int(v)}' for k, v in files[:4]
                                                   if v > 0) +
                     f') and the emulator {fmt_int(prof["per_vf_emulator"])}')
        if r.get('cpu_ns'):
            text += (f'; the batch uses {fmt_ms(r["cpu_ns"], 1)} ms of CPU time, on the '
                     f'{os.cpu_count()} cores the {j} jobs, the emulator and this machine\'s '
                     'other work share')
        text += '.'
        if prof:
            f1 = sorted(prof['one_vf_files'].items(), key=lambda kv: -kv[1])
            text += (f' The start-up\'s own instructions ({fmt_int(prof["one_vf_program"])} '
                     'for one VF, the emulator apart) go mostly to ' +
                     ', '.join(f'{k} {fmt_int(v)}' for k, v in f1[:3]) + '.')
        return text

    def mlist_notes(self):
        """The measured causes of the migrate lists' misses."""
        res = self.results
        cfg = self.cfg
        notes = []
        ml = [r for r in res.get('mlist', []) if not r['error'] and r.get('worst')]
        by = {(r['pairs'], r['jobs'], r['output']): r for r in ml}
        lat = cfg['scale_latency_us'] * 1000
        above = [r for r in ml if r['over_bound']]
        if above:
            wr = max(ml, key=lambda r: r['worst']['overhead_ns'])
            w = wr['worst']
            text = (f'Pair downtimes above the single-VF bound (device time + durable write + '
                    f'{fmt_ms(T_DOWNTIME_OVERHEAD_NS, 0)} ms): ' + ', '.join(
                        f'{r["over_bound"]} of {r["pairs_measured"]} ({mlist_label(r)})'
                        for r in above) +
                    f'. The worst, VF {w["vf"]} of {mlist_label(wr)} (run {w["run"]}): '
                    f'downtime {fmt_ms(w["downtime_ns"], 3)} ms = device '
                    f'{fmt_ms(w["device_ns"], 3)} ms + durable write {fmt_ms(w["keep_ns"], 3)} '
                    f'ms + {fmt_ms(w["overhead_ns"], 3)} ms; its steps took beyond their '
                    'commands ' + ', '.join(f'{k} {fmt_ms(x, 3)} ms' for k, x in
                                            w['step_excess_ns'].items()) +
                    f' (the record\'s writes; query-size also reserves the safety copy\'s '
                    f'room), and {fmt_ms(w["gaps_ns"], 3)} ms lie between the steps (negative: '
                    'a step\'s time began before the downtime did). '
                    'The median pair of that batch adds '
                    f'{fmt_ms(wr["overhead_median_ns"], 3)} ms.')
            rec = [r for r in ml if r['output'] == 'fastrec']
            if rec:
                text += (' With the record on tmpfs: ' + ', '.join(
                    f'{r["pairs"]} pairs at jobs={r["jobs"]} worst '
                    f'{fmt_ms(r["worst"]["overhead_ns"], 3)} ms, median '
                    f'{fmt_ms(r["overhead_median_ns"], 3)} ms, {r["over_bound"]} above'
                    for r in rec) + ', against ' + ', '.join(
                    f'worst {fmt_ms(by[(r["pairs"], r["jobs"], "fast")]["worst"]["overhead_ns"], 3)}'
                    f' ms, median '
                    f'{fmt_ms(by[(r["pairs"], r["jobs"], "fast")]["overhead_median_ns"], 3)} ms, '
                    f'{by[(r["pairs"], r["jobs"], "fast")]["over_bound"]} above with it on disk'
                    for r in rec if (r['pairs'], r['jobs'], 'fast') in by) + '.')
            notes.append(text)
        fast = [r for r in ml if r['output'] == 'fast']
        if not any(r['ratio'] > T_MLIST_RATIO for r in fast):
            return notes
        prof = res.get('mlist_profile')
        sysc = res.get('mlist_syscalls') or {}
        for n, j in cfg['ml_extra']:
            r = by.get((n, j, 'fast'))
            if not r:
                continue
            per_job = math.ceil(n / j)
            text = (f'migrate of {n} pairs at jobs={j}: {fmt_ms(r["wall_ns"], 1)} ms against an '
                    f'ideal of {fmt_ms(r["ideal_ns"], 1)} ms ({fmt_ms(lat, 0)} ms × '
                    f'({r["identify_cmds"]} Identify + {per_job} × '
                    f'{r["cmds_per_pair"]:.0f} commands)), {fmt_ratio(r["ratio"])} '
                    f'({"met" if r["ratio"] <= T_MLIST_RATIO else "missed"}: '
                    f'{T_MLIST_RATIO}×, start-up included). Measured apart: ')
            parts = []
            if r.get('wall_lat0_ns'):
                parts.append(f'the same batch with no latency takes '
                             f'{fmt_ms(r["wall_lat0_ns"], 1)} ms ({fmt_ms(r["cpu_lat0_ns"], 1)} '
                             'ms of CPU time: start-up, our work and the emulator\'s, no device '
                             'time)')
            rec = by.get((n, j, 'fastrec'))
            if rec:
                sc = (sysc.get(f'{n} {j}') or {}).get('calls') or {}
                syncs = sc.get('fdatasync', 0) + sc.get('fsync', 0)
                parts.append(f'with the record on tmpfs it takes {fmt_ms(rec["wall_ns"], 1)} ms, '
                             f'{fmt_ratio(rec["ratio"])}: the record\'s durable writes cost '
                             f'{fmt_ms(r["wall_ns"] - rec["wall_ns"], 1)} ms' +
                             (f' ({syncs / n:.1f} fsync or fdatasync per pair, safety copy\'s '
                              f'included, {syncs / n * per_job:.0f} in each job\'s path)'
                              if syncs else ''))
            dk = by.get((n, j, 'disk'))
            if dk:
                parts.append(f'with the safety copies on disk (migrate\'s default TMPDIR) '
                             f'{fmt_ms(dk["wall_ns"], 1)} ms, {fmt_ratio(dk["ratio"])}')
            parts.append(f'a {fmt_ms(lat, 0)} ms command takes {fmt_ms(r["cmd_ns"], 3)} ms in the '
                         f'emulated device (median over the pairs\' own commands): against that '
                         f'device-time ideal the batch is {fmt_ratio(r["ratio_device"])}')
            if prof:
                files = sorted(prof['per_pair_files'].items(), key=lambda kv: -kv[1])
                parts.append('per pair the program executes '
                             f'{fmt_int(prof["per_pair_program"])} instructions (' +
                             ', '.join(f'{k} {fmt_int(v)}' for k, v in files[:4] if v > 0) +
                             f') and the emulator {fmt_int(prof["per_pair_emulator"])}')
            parts.append(f'the batch uses {fmt_ms(r["cpu_ns"], 1)} ms of CPU time, on the '
                         f'{os.cpu_count()} cores the {j} jobs, the emulator and this machine\'s '
                         'other work share')
            notes.append(text + '; '.join(parts) + '.')
        return notes

    def write_notes(self):
        res = self.results
        notes = self.notes
        state_bzero = self.where('lib/buffer.c', r'explicit_bzero\(buf, len\)')
        per = {(r['op'], r['size'], r['program']): r for r in res.get('per_op', [])}
        loading = res.get('emulator_loading') or {}
        if loading:
            notes.append(
                'The emulator is preloaded into every program, and the dynamic loader maps and '
                'binds it before the program runs: measured as the difference of a run that '
                'sends nothing (usage, `version`) with and without the preload, '
                + ', '.join(f'{p} {fmt_int(v)}' for p, v in loading.items()) +
                ' instructions. It is counted with the emulator, apart from the program, like '
                'every call into it: on a real host none of it happens. (libnvme\'s and '
                'libcrypto\'s symbols are looked up through the preload too, hence nvme-cli\'s '
                'larger figure.)')
        for r in res.get('per_op', []):
            if r['program'] != 'standalone' or not r.get('vs_floor'):
                continue
            fl = per.get((r['op'], r['size'], 'floor'))
            note = self.perop_breakdown(r, fl)
            if note:
                notes.append(note)
        big = max(self.cfg['perop_sizes'])
        sv = per.get(('save', big, 'standalone'))
        fns = ((sv or {}).get('objects') or {}).get('functions', {})
        zero = sum(v for k, v in fns.items() if 'memset' in k)
        if sv and big >= 64 * KIB and zero > big:
            notes.append(
                f'save of a {human_size(big)} state spends {fmt_int(zero)} instructions in '
                'memset: the state buffer is wiped when it is freed '
                f'({state_bzero}, deliberate: a state holds DMA addresses). Allocation costs '
                'none: the buffer is a mapping of its own, zeroed by the kernel. Valgrind counts '
                'the `rep stosb` of memset one byte per instruction, so this weighs more in '
                'instructions than in time.')
        ld = per.get(('load', big, 'standalone'))
        if ld and ld.get('vs_passthru') and ld['vs_passthru'] >= 1:
            # One CRC-32 pass over the state, as save counts it (the emulator's SAVE_DATA
            # computes none; its LOAD_DATA does, so load's own figure would mix the two).
            crc = sum(v for k, v in fns.items() if 'crc32' in k)
            notes.append(
                f'load of a {human_size(big)} state is not cheaper than admin-passthru '
                f'({fmt_ratio(ld["vs_passthru"])}): load checks the blob\'s CRC-32 before '
                'sending anything (about ' + fmt_int(max(crc, 0)) + ' instructions) and wipes '
                'its buffer when done, where admin-passthru sends the bytes unchecked.')
        for r in res.get('per_op', []):
            if r['program'] == 'nvme-cli' and r.get('vs_passthru') and r['vs_passthru'] >= 1:
                notes.append(
                    'The nvme-cli build is reported beside `nvme admin-passthru`, which it '
                    'contains: it *is* nvme-cli 2.3, the program admin-passthru runs in, with '
                    'the same start-up (libnvme.so, libcrypto, json-c bound at start), plus our '
                    'command\'s own work; it cannot be cheaper than admin-passthru by '
                    'construction. The floor targets are the standalone program\'s.')
                break
        dt = [r for r in res.get('downtime', []) if r['program'] == 'standalone' and
              not r['error']]
        if any(r.get('avoidable') for r in dt):
            r0 = next(r for r in dt if r.get('avoidable'))
            notes.append(
                'The destination SUSPEND is sent after the source was suspended and saved '
                f'({self.where("lib/migrate.c", r"case INTEL_LM_MIG_DST_SUSPEND:")}, the step '
                'order of enum intel_lm_mig_step in '
                f'{self.where("include/intel-lm/migrate.h", r"INTEL_LM_MIG_DST_SUSPEND,")})'
                ': it neither needs the source suspended nor its state, so it could be sent '
                'before the source SUSPEND and take one command latency off the downtime '
                f'(measured: {fmt_ms(r0["dst_suspend_ns"], 3)} ms at '
                f'{r0["latency_us"] // 1000} ms latency). The price is the rollback: a '
                'failure on the source side would then leave the destination VF suspended '
                'rather than untouched (it could be resumed by the rollback).')
        for (n, j), limit in self.cfg['scale_targets']:
            for r in res.get('scale', []):
                if (r['vfs'], r['jobs'], r['output'], r['error']) != (n, j, 'fast', None) or \
                        not r.get('ratio'):
                    continue
                text = self.scale_breakdown(r, limit)
                if text:
                    notes.append(text)
        lin = [x for x in res.get('linearity', []) if x['worst_deviation'] > T_LINEAR_DEV]
        if lin:
            notes.append('Growth is not linear for: ' + ', '.join(
                f'{x["op"]} jobs={x["jobs"]} ({x["worst_deviation"]:.1%} off the line)'
                for x in lin) + '.')
        notes += self.mlist_notes()
        buffer_c = self.where('lib/buffer.c', r'^void \*intel_lm_state_alloc')
        allmem = [r for r in res.get('memory', []) if not r['error']]
        mem = [r for r in allmem if r['program'] != 'floor' and not r.get('malloc_arena_max')
               and max(r['save_delta_kib'], r['load_delta_kib'], r.get('raw_load_delta_kib_4m')
                       or 0) > r['bound_kib']]
        huge = [r for r in mem if r['size'] > SEG_PAGES * 4 * KIB]
        if huge:
            sizes = sorted({r['size'] for r in huge})

            def over(z):
                rows = [r for r in huge if r['size'] == z]
                progs = ', '.join(sorted({r['program'] for r in rows}))
                most = max(max(r['save_delta_kib'], r['load_delta_kib']) for r in rows)
                return (f'{human_size(z)} states ({progs}: up to +{most} KiB against '
                        f'{z // KIB + T_MEM_CONST_KIB} KiB)')
            notes.append(
                'Memory above the bound for ' + ', '.join(over(z) for z in sizes) +
                f': a state above {SEG_PAGES} pages gets a buffer of whole 2 MiB huge pages '
                f'({buffer_c}), the only memory a program can have physically contiguous, so '
                'that the kernel can map it in one command (the NVMe driver takes at most '
                f'{SEG_PAGES} segments). A state of ' + ', '.join(
                    f'{human_size(z)} takes {human_size(huge_len(z))}' for z in sizes) +
                '. One buffer per job still, but of the huge page\'s size, not the state\'s; '
                'the floor, which needs no such buffer here (the emulator takes any), stays '
                'within the bound. The price of moving every state size the kernel can move.')
        batch = [r for r in mem if r['what'] == 'batch']
        one = next((r for r in allmem if r.get('malloc_arena_max')), None)
        if batch:
            parts = []
            for r in batch:
                extra = (max(r['save_delta_kib'], r['load_delta_kib']) -
                         min(r['jobs'], r['vfs']) * r['size'] // KIB) / r['jobs']
                parts.append(f'jobs={r["jobs"]}: save +{r["save_delta_kib"]} KiB, load '
                             f'+{r["load_delta_kib"]} KiB against {r["bound_kib"]} KiB, about '
                             f'{extra:.0f} KiB per job beyond its state buffer')
            msg = (f'A {batch[0]["vfs"]}-VF batch never holds the whole batch '
                   f'({batch[0]["batch_kib"]} KiB) but each job costs more than its state '
                   'buffer: ' + '; '.join(parts) + '.')
            if one:
                msg += (f' With MALLOC_ARENA_MAX=1 (jobs={one["jobs"]}) it is save '
                        f'+{one["save_delta_kib"]} KiB, load +{one["load_delta_kib"]} KiB.')
            notes.append(msg)
        for r in mem:
            if r['what'] == 'batch' or r in huge:
                continue
            notes.append(f'Memory above the bound: {r["program"]} {r["what"]} '
                         f'{human_size(r["size"])}: save +{r["save_delta_kib"]} KiB, load '
                         f'+{r["load_delta_kib"]} KiB, bound {r["bound_kib"]} KiB.')
        dur = {r['program']: r for r in res.get('durable', [])}
        v = dur.get('standalone', {}).get('vs_dd')
        if v:
            ws, wd = dur['standalone']['write_ns'], dur['dd']['write_ns']
            text = (f'Durable write: save is {fmt_ratio(v)} dd conv=fsync, '
                    f'{fmt_ms(abs(ws - wd))} ms {"more" if ws >= wd else "less"}'
                    f'{"" if v <= T_DURABLE_RATIO else " (the target is missed)"}. dd fsyncs '
                    'the file only; save also writes a temporary file, renames it into place '
                    'and fsyncs the directory '
                    f'({self.where("lib/outfile.c", r"fsync_dir[(]out")}), so that a crash leaves '
                    'either no '
                    'file or the whole one, and computes the state\'s CRC-32 for the header. '
                    'The floor, which fsyncs the directory too but makes no temporary file, is '
                    f'at {fmt_ratio(dur.get("floor", {}).get("vs_dd"))}.')
            parts = res.get('durable_parts') or {}
            sd, ss = parts.get('startup_dd_ns'), parts.get('startup_standalone_ns')
            if sd and ss and parts.get('crc32_ns'):
                text += (f' Two fixed costs stand out: start-up, {fmt_ms(ss - sd)} ms more than '
                         f'dd\'s (the program doing nothing takes {fmt_ms(ss)} ms, dd '
                         f'{fmt_ms(sd)} ms), and the CRC-32 '
                         f'of the state, {fmt_ms(parts["crc32_ns"])} ms. They do not grow with '
                         'the disk\'s fsync time, so the ratio depends on the disk' +
                         (f': with this run\'s difference it stays under {T_DURABLE_RATIO}× '
                          'while dd itself takes more than about '
                          f'{fmt_ms((ws - wd) / (T_DURABLE_RATIO - 1), 0)} ms' if ws > wd else
                          ', and here the fsyncs outweigh them') + '. On this '
                         f'machine the fsync of a new {human_size(self.cfg["dur_size"])} file '
                         'costs much more than one that reuses freed blocks; every run here '
                         'writes a new file.')
            bd = res.get('durable_breakdown') or {}
            if bd.get('standalone') and bd.get('dd'):
                sf = bd['standalone']['fsyncs_ns']
                df = bd['dd']['fsyncs_ns']
                text += (f' Under strace -T: dd makes {len(df)} fsync '
                         f'({", ".join(fmt_ms(x) for x in df)} ms); save makes {len(sf)} '
                         f'({", ".join(fmt_ms(x) for x in sf)} ms).')
            notes.append(text)

    # ---------------------------------------------------------------- output

    def machine(self):
        m = {'hostname': platform.node(), 'kernel': platform.release(),
             'python': platform.python_version(), 'cores': os.cpu_count()}
        try:
            with open('/proc/cpuinfo') as f:
                mm = re.search(r'^model name\s*:\s*(.*)$', f.read(), re.M)
                m['cpu'] = mm.group(1).strip() if mm else platform.machine()
        except OSError:
            m['cpu'] = platform.machine()
        try:
            with open('/proc/meminfo') as f:
                kb = int(re.search(r'MemTotal:\s+(\d+)', f.read()).group(1))
                m['memory_gib'] = round(kb / MIB, 1)
        except (OSError, AttributeError):
            pass
        try:
            with open('/etc/os-release') as f:
                mm = re.search(r'^PRETTY_NAME="?([^"\n]*)', f.read(), re.M)
                m['os'] = mm.group(1) if mm else None
        except OSError:
            pass
        # Other work on the machine during the run (1, 5, 15 minutes), at its start and end.
        m['loadavg_start'] = [round(x, 2) for x in self.loadavg_start]
        m['loadavg_end'] = [round(x, 2) for x in os.getloadavg()]
        m['output_fs'] = self.fstype(self.work)
        m['record_fs'] = self.fstype(self.work)
        m['emulator_fs'] = self.fstype(self.fast)

        def version(argv):
            try:
                r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
                return (r.stdout or r.stderr).strip().splitlines()[0]
            except (OSError, IndexError, subprocess.SubprocessError):
                return None
        m['valgrind'] = version([self.valgrind, '--version']) if self.valgrind else None
        m['debian_nvme'] = version([self.debian_nvme, 'version']) if self.debian_nvme else None
        m['intel_lm'] = version(['git', '-C', self.src, 'describe', '--always', '--dirty'])
        return m

    def fstype(self, path):
        for argv in (['findmnt', '-n', '-o', 'FSTYPE', '-T', path],
                     ['stat', '-f', '-c', '%T', path]):
            try:
                r = subprocess.run(argv, capture_output=True, text=True)
                if r.returncode == 0 and r.stdout.strip():
                    return r.stdout.strip().splitlines()[0]
            except OSError:
                pass
        return None

    def markdown(self, res):
        cfg = self.cfg
        m = res['machine']
        L = []
        w = L.append
        w('<!-- SPDX-License-Identifier: GPL-2.0-or-later -->')
        w(f'# Benchmark results ({res["date"]}, {self.mode} run)')
        w('')
        w('Written by `make bench` (`bench/run.py BUILD full`); the raw numbers are in '
          f'`bench/results/{res["date"][:10]}.json`. Every figure is a ratio against a '
          'reference measured in the same run, against the emulated Intel PF '
          '(`tests/emu/`), whose per-command latency stands in for a real device.')
        w('')
        w(f'Machine: {m.get("cpu")}, {m.get("cores")} cores, {m.get("memory_gib")} GiB, '
          f'{m.get("os")}, kernel {m.get("kernel")}; output files on {m.get("output_fs")}, '
          f'the emulator\'s state on {m.get("emulator_fs")}. intel-lm {m.get("intel_lm")}, '
          f'{m.get("debian_nvme")}, {m.get("valgrind")}. Run time {res["duration_s"]:.0f} s; '
          'load average (1, 5, 15 min) '
          f'{" ".join(str(x) for x in m.get("loadavg_start") or [])} at the start, '
          f'{" ".join(str(x) for x in m.get("loadavg_end") or [])} at the end (other work on '
          'the machine: wall times and fsyncs vary with it; instruction counts do not).')
        w('')
        w('## Targets')
        w('')
        w('| target | result | |')
        w('|---|---|---|')
        for t in res['targets']:
            w(f'| {t["target"]} | {t["value"]} | {verdict(t["met"])} |')
        w('')
        if self.notes:
            w('What limits the missed ones, and other findings:')
            w('')
            for n in self.notes:
                w(f'- {n}')
            w('')

        w('## Per-operation overhead')
        w('')
        w(f'Instructions of the whole process counted by callgrind (median of '
          f'{cfg["instr_reps"]}), user space only: the kernel\'s share (system calls, fsync) is '
          'not in them. The emulator is preloaded into every program alike; its share (every '
          'call into `libintel-lm-emu.so`, with what it calls, and the dynamic loader\'s work '
          'to load it, measured as a run that sends nothing with and without the preload) is '
          'counted apart and left out of "program" and of the ratios. Wall time: median of '
          f'{cfg["time_reps"]} runs at zero latency, from fork to exit. '
          '*floor* is `bench/floor`, the bare program: it links nothing but libc, opens the '
          'PF, sends Identify Controller (Intel, byte 3072), the Secondary Controller List (the '
          'VF exists) and the command through `ioctl(NVME_IOCTL_ADMIN_CMD)`; for save '
          'QUERY_DATA_SIZE, SAVE_DATA, a 256-byte header with the CRC-32 (its own, zlib\'s '
          'polynomial), one write, fsync, fsync of the directory; for load the read and its '
          'checks. *standalone* is `nvme-intel-lm` (' + needed_text(res.get('needed'),
                                                                     'standalone') + '). '
          '*admin-passthru* is Debian\'s '
          '`nvme admin-passthru` sending the same vendor commands and nothing else (save: '
          'QUERY_DATA_SIZE then SAVE_DATA, two runs, `--raw-binary` to the file, no fsync; load: '
          'the raw state).')
        w('')
        w('| operation | program | program instr. | emulator (calls + loading) | × floor | '
          '× admin-passthru | wall ms |')
        w('|---|---|--:|--:|--:|--:|--:|')
        for r in res.get('per_op', []):
            op = r['op'] + (f' {human_size(r["size"])}' if r['op'] in ('save', 'load') else '')
            w(f'| {op} | {r["program"]} | {fmt_int(r["instructions"])} | '
              f'{fmt_int(r["instructions_emulator"])} | {fmt_ratio(r["vs_floor"])} | '
              f'{fmt_ratio(r["vs_passthru"])} | {fmt_ms(r["wall_ns"])} |' +
              (f' error: {r["error"]}' if r['error'] else ''))
        w('')

        w('## Migrate downtime')
        w('')
        w('One VF, `migrate --output-format=json --verbose`, both PFs with the same latency '
          f'on every command; median of {cfg["mig_reps"]} runs. *downtime*: the program\'s own '
          '`downtime_ns`, source SUSPEND to destination RESUME. *Σ latencies*: the emulated '
          'latencies of the five commands on the path. *device*: the time those five commands '
          'spent in the (emulated) device, from the program\'s per-command times. *durable '
          'write*: the "keep the state" step (a blob, fsynced, renamed, directory fsynced). '
          '*overhead* = downtime − device − durable write: what the program itself adds; '
          '*vs latencies* = downtime − Σ latencies − durable write (includes the emulator\'s '
          'own work). *before*: from fork to the source SUSPEND (not downtime).')
        w('')
        w('| latency | state | program | downtime ms | Σ latencies ms | device ms | '
          'durable write ms | overhead ms | downtime / (device + durable write) | '
          'vs latencies ms | before ms | path |')
        w('|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|---|')
        for r in res.get('downtime', []):
            if r['error']:
                w(f'| {r["latency_us"] // 1000} ms | {human_size(r["size"])} | {r["program"]} | '
                  f'error: {r["error"]} |||||||||')
                continue
            w(f'| {r["latency_us"] // 1000} ms | {human_size(r["size"])} | {r["program"]} | '
              f'{fmt_ms(r["downtime_ns"], 3)} | {fmt_ms(r["latency_sum_ns"], 3)} | '
              f'{fmt_ms(r["device_ns"], 3)} | {fmt_ms(r["keep_ns"], 3)} | '
              f'{fmt_ms(r["overhead_ns"], 3)} | {fmt_ratio(r.get("vs_device"))} | '
              f'{fmt_ms(r["overhead_latency_ns"], 3)} | '
              f'{fmt_ms(r["prep_ns"], 1)} | {" → ".join(r["path"])} |')
        w('')

        w('## Scale')
        w('')
        w(f'`save`/`load --vf=1-N --jobs=J` on a PF of {max(cfg["scale_vfs"])} VFs with '
          f'4 KiB states, {cfg["scale_latency_us"] // 1000} ms latency on every command; median '
          f'of {cfg["scale_reps"]} runs, from fork to exit. Each load brings back the states '
          'the save before it took from the same VFs, without --force: the one rule is asked '
          'before every LOAD_DATA (its lock, its look at every record of the directory), as '
          'in users\' loads. *ideal* = latency × (Identify '
          'commands + ⌈N/J⌉ × vendor commands per VF): the commands as counted by the '
          'emulator, those of the VFs spread over the jobs. The batch directory is on '
          f'{m.get("emulator_fs")}, so that this measures the commands; *disk* rows write it to '
          f'{m.get("output_fs")} with every file fsynced (see also "Durable write"). The '
          f'record (INTEL_LM_STATE_DIR) is on {m.get("record_fs")}, as on a host, but in the '
          '*record on tmpfs* rows, which tell what its durable writes cost. '
          '*no latency*: the same batch with zero latency: start-up, our work and the '
          'emulator\'s, without device time. *start-up*: the same operation on 1 VF with no '
          'latency, the record on tmpfs (process start, loading, Identify, one VF\'s work). '
          '*CPU ms*: user and system time of the program (the emulator\'s included). '
          '*device-time ideal*: '
          'the ideal with each command taking what one really takes in the emulated device '
          f'at this latency ({fmt_ms(res.get("scale_device_cmd_ns"), 3)} ms, measured in the '
          'migrate runs above: the sleep\'s overshoot and the emulator\'s own work).')
        w('')
        w('| op | VFs | jobs | output | wall ms | ideal ms | wall / ideal | CPU ms | '
          'no latency ms | (wall − start-up) / ideal | the same, device-time ideal |')
        w('|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|')
        where_text = {'fast': 'tmpfs', 'disk': 'disk', 'fastrec': 'tmpfs, record on tmpfs'}
        for r in res.get('scale', []):
            if r['error'] or r.get('wall_ns') is None:
                w(f'| {r["op"]} | {r["vfs"]} | {r["jobs"]} | {r["output"]} | error: '
                  f'{r["error"]} ||||')
                continue
            w(f'| {r["op"]} | {r["vfs"]} | {r["jobs"]} | '
              f'{where_text[r["output"]]} | {fmt_ms(r["wall_ns"], 1)} | '
              f'{fmt_ms(r["ideal_ns"], 1)} | {fmt_ratio(r["ratio"])} | '
              f'{fmt_ms(r.get("cpu_ns"), 1)} | '
              f'{fmt_ms(r.get("wall_lat0_ns"), 1)} | {fmt_ratio(r.get("ratio_no_startup"))} | '
              f'{fmt_ratio(r.get("ratio_device"))} |')
        w('')
        if res.get('linearity'):
            counts = ', '.join(str(c) for c in res['linearity'][0]['counts'])
            w(f'Growth: the least-squares line wall = fixed + per VF × N over N = {counts}, and '
              'the worst distance of a measured point from it.')
            w('')
            w('| op | jobs | fixed ms | ms per VF | worst point off the line |')
            w('|---|--:|--:|--:|--:|')
            for x in res['linearity']:
                w(f'| {x["op"]} | {x["jobs"]} | {fmt_ms(x["fixed_ns"], 1)} | '
                  f'{fmt_ms(x["per_vf_ns"], 3)} | {x["worst_deviation"]:.1%} |')
            w('')

        w('## Migrate lists')
        w('')
        w(f'`migrate /dev/nvme0 --vf=1-N --to=/dev/nvme1 --to-vf=1-N --jobs=J '
          '--output-format=json --verbose` between two PFs of '
          f'{max(cfg["ml_pairs"])} VFs with 4 KiB states, '
          f'{cfg["scale_latency_us"] // 1000} ms latency on every command of both; each batch '
          'runs there and back (the second from nvme1 to nvme0), both measured, '
          f'{cfg["ml_reps"]} times each, interleaved with the other batches; median wall time, '
          'from fork to exit. *ideal* = latency × (Identify commands + ⌈N/J⌉ × vendor '
          'commands per pair), the commands counted by the emulator on both PFs, as in Scale: '
          'the pairs spread over the jobs, every command costing the latency (the Identify '
          'commands as counted, and 5 vendor commands per pair: the source\'s SUSPEND, '
          'QUERY_DATA_SIZE and SAVE_DATA, the '
          'destination\'s LOAD_DATA and RESUME; no SUSPEND of the destination, which the '
          'batch there and back always finds suspended already on record, saved as the source '
          'of the batch before, so migrate skips it). '
          'The safety copies (TMPDIR) are on '
          f'{m.get("emulator_fs")} and the record on {m.get("record_fs")}, but in the '
          '*safety copies on disk* rows (on '
          f'{m.get("output_fs")}, as with migrate\'s default TMPDIR) and the *record on tmpfs* '
          'rows. Each pair, in every run: *overhead* = its `downtime_ns` − its device time '
          '(its five commands from the source SUSPEND to the destination RESUME, their '
          '`time_ns` in the report) − its durable write (its "keep the state" step); the '
          'single-VF bound is an overhead under 1 ms. Every run is checked: the report says '
          'every pair succeeded with its five commands and seven steps (the destination suspend '
          '*skipped*), and `status` of both PFs '
          'shows every destination VF running and every source VF saved by the pair\'s own '
          'migration, closed; a run that fails either makes the benchmark fail. '
          '*no latency*: the same batch at zero latency.')
        w('')
        w('| pairs | jobs | where | wall ms | ideal ms | wall / ideal | device-time ideal | '
          'CPU ms | no latency ms | pair downtime ms (median / max) | device ms | durable '
          'write ms | overhead ms (median / worst) | pairs over 1 ms |')
        w('|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|')
        where_text = {'fast': 'tmpfs, record on disk', 'disk': 'safety copies on disk',
                      'fastrec': 'record on tmpfs'}
        for r in res.get('mlist', []):
            if r['error'] or r.get('wall_ns') is None:
                w(f'| {r["pairs"]} | {r["jobs"]} | {where_text[r["output"]]} | error: '
                  f'{r["error"]} |||||||||||')
                continue
            w(f'| {r["pairs"]} | {r["jobs"]} | {where_text[r["output"]]} | '
              f'{fmt_ms(r["wall_ns"], 1)} | {fmt_ms(r["ideal_ns"], 1)} | '
              f'{fmt_ratio(r["ratio"])} | {fmt_ratio(r.get("ratio_device"))} | '
              f'{fmt_ms(r.get("cpu_ns"), 1)} | {fmt_ms(r.get("wall_lat0_ns"), 1)} | '
              f'{fmt_ms(r["downtime_median_ns"], 3)} / {fmt_ms(r["downtime_max_ns"], 3)} | '
              f'{fmt_ms(r["device_median_ns"], 3)} | {fmt_ms(r["keep_median_ns"], 3)} | '
              f'{fmt_ms(r["overhead_median_ns"], 3)} / {fmt_ms(r["worst"]["overhead_ns"], 3)} '
              f'(VF {r["worst"]["vf"]}) | {r["over_bound"]} of {r["pairs_measured"]} |')
        w('')

        w('## Memory')
        w('')
        w(f'Peak RSS (wait4\'s ru_maxrss through `bench/peak-rss`, median of '
          f'{cfg["mem_reps"]}) above the same program\'s `query-size` of the same VFs with the '
          'same --jobs, which holds no state. *bound*: one state buffer per job plus '
          f'{T_MEM_CONST_KIB} KiB. The emulator writes into and reads from the program\'s own '
          'buffer and allocates none. The batch PF has 1 ms latency, so that its jobs hold '
          'their buffers at the same time; the rest has none. Single runs vary by about '
          '±100 KiB, hence the negative figures.')
        w('')
        w('| what | program | state | jobs | baseline KiB | save +KiB | load +KiB | bound KiB | '
          'whole batch KiB | load --raw +KiB (default limit / 4M limit) |')
        w('|---|---|--:|--:|--:|--:|--:|--:|--:|---|')
        for r in res.get('memory', []):
            if r['error']:
                w(f'| {r["what"]} | {r["program"]} | {human_size(r["size"])} | | error: '
                  f'{r["error"]} ||||||')
                continue
            what = 'one VF' if r['what'] == 'single' else f'{r["vfs"]} VFs' + \
                (' (MALLOC_ARENA_MAX=1)' if r.get('malloc_arena_max') else '')
            rawcol = ''
            if 'raw_load_delta_kib' in r:
                rawcol = (f'{fmt_int(r["raw_load_delta_kib"])} / '
                          f'{fmt_int(r["raw_load_delta_kib_4m"])}')
            w(f'| {what} | {r["program"]} | {human_size(r["size"])} | {r.get("jobs", 1)} | '
              f'{r["base_kib"]} | {r["save_delta_kib"]} | {r["load_delta_kib"]} | '
              f'{r["bound_kib"]} | {r.get("batch_kib", "")} | {rawcol} |')
        w('')

        w('## Durable write')
        w('')
        w(f'Saving a {human_size(cfg["dur_size"])} state to {m.get("output_fs")} against '
          '`dd bs=4M conv=fsync` of the same bytes (the blob, header included) to the same '
          f'directory; median of {cfg["dur_reps"]} runs, interleaved, from fork to exit. '
          '*device*: time in the (emulated) device, from the program\'s per-command times '
          '(Identify, QUERY_DATA_SIZE, SAVE_DATA; the floor sends the same commands and is '
          'given the standalone program\'s figure). *write* = wall − device.')
        w('')
        w('| program | wall ms | wall, middle half of the runs | device ms | write ms | '
          'write / dd |')
        w('|---|--:|--:|--:|--:|--:|')
        for r in res.get('durable', []):
            if r['error']:
                w(f'| {r["program"]} | error: {r["error"]} ||||')
                continue
            w(f'| {r["program"]} | {fmt_ms(r["wall_ns"])} | {fmt_ms(r.get("wall_q1_ns"))} – '
              f'{fmt_ms(r.get("wall_q3_ns"))} | {fmt_ms(r["device_ns"])} | '
              f'{fmt_ms(r["write_ns"])} | {fmt_ratio(r["vs_dd"])} |')
        w('')
        bd = res.get('durable_breakdown')
        if bd:
            w('Under `strace -T` (one run each; strace slows every call down): time in these '
              'system calls, ms.')
            w('')
            w('| program | write | fsync (each) | rename |')
            w('|---|--:|---|--:|')
            for p, d in bd.items():
                s = d['syscalls_ns']
                w(f'| {p} | {fmt_ms(s.get("write"))} | '
                  f'{", ".join(fmt_ms(x) for x in d["fsyncs_ns"]) or "–"} | '
                  f'{fmt_ms(s.get("rename", 0))} |')
            w('')
        sh = res.get('ssh')
        if sh:
            w('## Host to host')
            w('')
            w('`migrate --to=ssh://` through the bench\'s own sshd (its own keys and '
              'configuration on 127.0.0.1) and a userspace relay adding the round trip, against '
              'the one-host `migrate` of the same pair in the same run; nvme1 of the same '
              f'emulator plays the other host\'s PF, with its own record and locks. '
              f'{human_size(sh["size"])} states, {sh["latency_us"]} µs per command, median of '
              f'{sh["reps"]} runs. The state\'s transfer time is its size over the link\'s '
              f'measured rate ({sh["link_mib_s"]:.1f} MiB/s through ssh, 16 MiB less an empty '
              'run). The machine is shared with other work: the fdatasyncs of the two records '
              'and ssh\'s start-up vary with its load.')
            w('')
            w('| case | downtime ms | range ms | budget ms | over one host ms |')
            w('|---|--:|--:|--:|--:|')
            w(f'| one host | {fmt_ms(sh["one_host_ns"])} | | | |')
            for rt in sh.get('rtts', []):
                w(f'| host to host, +{rt["rtt_ms"]} ms RTT | {fmt_ms(rt["downtime_ns"])} | '
                  f'{fmt_ms(rt.get("min_ns"))} – {fmt_ms(rt.get("max_ns"))} | '
                  f'{fmt_ms(rt["budget_ns"])} | {fmt_ms(rt["over_one_host_ns"])} |')
            if sh.get('fastrec_downtime_ns') is not None:
                w(f'| host to host, +0 ms, both records on tmpfs | '
                  f'{fmt_ms(sh["fastrec_downtime_ns"])} | | | '
                  f'{fmt_ms(sh["fastrec_downtime_ns"] - sh["one_host_ns"])} |')
            if sh.get('playbook_downtime_ns') is not None:
                pd = sh.get('playbook_downtimes_ns') or []
                w(f'| the playbook, +0 ms | {fmt_ms(sh["playbook_downtime_ns"])} | '
                  f'{fmt_ms(min(pd) if pd else None)} – {fmt_ms(max(pd) if pd else None)} | | |')
            w('')
            li = sh.get('list')
            if li:
                w(f'A list of {li["pairs"]} pairs at --jobs={li["jobs"]}: '
                  f'{fmt_ms(li["wall_ns"], 1)} ms against an ideal of '
                  f'{fmt_ms(li["ideal_ns"], 1)} ms ({fmt_ratio(li["ratio"])}); one '
                  f'connection\'s start-up (a one-pair migrate\'s wall time less its '
                  f'downtime) is {fmt_ms(li["startup_ns"], 1)} ms; median downtime per pair '
                  f'{fmt_ms(li["downtime_ns"], 1)} ms. The same list on one host, in the same '
                  f'run: {fmt_ms(li.get("one_host_wall_ns"), 1)} ms.' +
                  (f' ssh\'s own start-up (`ssh HOST \'cat > /dev/null\'` with nothing to '
                   f'send, the quicker of two) is {fmt_ms(sh["ssh_startup_ns"], 1)} ms.'
                   if sh.get('ssh_startup_ns') else ''))
                w('')
            if li and li.get('master_wall_ns'):
                su = li['startup']
                w(f'The same list through a ControlMaster already up (ControlMaster, '
                  f'ControlPath and ControlPersist in the bench\'s ssh_config, as Ansible\'s ssh '
                  f'connection keeps one), interleaved with the cold runs (median of '
                  f'{li["reps"]} each): {fmt_ms(li["master_wall_ns"], 1)} ms '
                  f'({fmt_ratio(li["master_ratio"])} of the ideal; cold '
                  f'{fmt_ms(li["wall_ns"], 1)} ms, {fmt_ratio(li["ratio"])}); its start-up '
                  f'{fmt_ms(li["master_startup_ns"], 1)} ms (cold '
                  f'{fmt_ms(li["startup_ns"], 1)} ms). Where the cold start-up goes: '
                  f'`ssh HOST true` takes {fmt_ms(su["ssh_true_cold_ns"], 1)} ms cold and '
                  f'{fmt_ms(su["ssh_true_master_ns"], 1)} ms through the ControlMaster; the '
                  f'remote account\'s shell as sshd starts it (`{su["shell"]} -c true` with '
                  f'SSH_CLIENT set, which makes bash read ~/.bashrc) takes '
                  f'{fmt_ms(su["shell_as_sshd_ns"], 1)} ms against '
                  f'{fmt_ms(su["shell_bare_ns"], 1)} ms without, so its start-up files cost '
                  f'{fmt_ms(su["shell_rc_ns"], 1)} ms; the rest of `ssh HOST true` (key '
                  f'exchange, authentication, the session) {fmt_ms(su["ssh_rest_ns"], 1)} ms. '
                  f'This program alone, the peer started through a pipe instead of ssh (an '
                  f'--ssh that runs it here; same runs): the list '
                  f'{fmt_ms(li["pipe_wall_ns"], 1)} ms '
                  f'({fmt_ratio(li["pipe_wall_ns"] / li["ideal_ns"])}), its start-up (both '
                  f'hosts\' start, HELLO, the checks, the first pair\'s steps outside its '
                  f'downtime) {fmt_ms(su["program_ns"], 1)} ms.')
                w('')
        w('## Reproducing')
        w('')
        w('`make bench` (the full run, a few minutes) or `python3 bench/run.py BUILD full`; '
          '`meson test -C BUILD bench-smoke` runs the same code with tiny counts and writes its '
          'results under BUILD/bench/.')
        return '\n'.join(L) + '\n'


def per_unit(small, big, units):
    """What each of @units more VFs (or pairs) costs, from two profiled runs, each (program
    instructions, the emulator's, the program's by source file): the difference, divided."""
    (p0, e0, f0), (p1, e1, f1) = small, big
    return {'program': (p1 - p0) / units, 'emulator': (e1 - e0) / units,
            'files': {f: (f1.get(f, 0) - f0.get(f, 0)) / units for f in set(f1) | set(f0)}}


def parse_callgrind(path, emu_obj, prog_obj=None):
    """Total instructions, those inside the emulator (inclusive cost of every call into it
    from another object but libc, whose calls into the emulator are callbacks made under a
    call into it, e.g. pthread_once(), already counted), and the self cost of each object (and,
    under "functions", of the 20 costliest functions). With @prog_obj (the program's file
    name), "files" holds the cost of the program's own code by source file, each with the work
    it asks of other libraries (libc, the dynamic loader's lazy binding) but not of the
    emulator: what is left of the program's count is start-up and exit."""
    total = None
    emu = 0
    ob = None
    fn = None
    cob = None
    cfn = None
    ncalls = 0
    bind_calls = bind_instr = 0
    fl = cur = '???'
    in_call = False
    objects = {}
    functions = {}
    files = {}
    with open(path, errors='replace') as f:
        for line in f:
            if in_call:
                in_call = False
                parts = line.split()
                callee = os.path.basename(cob if cob is not None else ob or '')
                caller = os.path.basename(ob or '')
                if callee == emu_obj and len(parts) > 1 and \
                        caller != emu_obj and not caller.startswith('libc.so'):
                    emu += int(parts[1])
                elif caller == prog_obj and callee not in (prog_obj, emu_obj) and \
                        len(parts) > 1:
                    where = cur if cur != '???' else archive_of(fn)
                    if where:
                        files[where] = files.get(where, 0) + int(parts[1])
                    # The dynamic loader binding a function on its first call (lazy binding).
                    if callee.startswith('ld-linux') and '_dl_runtime_resolve' in (cfn or ''):
                        bind_calls += ncalls
                        bind_instr += int(parts[1])
                cob = None
                cfn = None
                continue
            c = line[:1]
            if c.isdigit() or c in '+-*':
                parts = line.split()
                if len(parts) > 1 and ob:
                    k = os.path.basename(ob)
                    objects[k] = objects.get(k, 0) + int(parts[1])
                    where = cur if cur != '???' else archive_of(fn)
                    if k == prog_obj and where:
                        files[where] = files.get(where, 0) + int(parts[1])
                    k = f'{k}:{fn}'
                    functions[k] = functions.get(k, 0) + int(parts[1])
                continue
            if line.startswith('ob='):
                ob = line[3:].strip()
            elif line.startswith('cob='):
                cob = line[4:].strip()
            elif line.startswith('calls='):
                in_call = True
                ncalls = int(line[6:].split()[0])
            elif line.startswith('cfn='):
                cfn = line[4:].strip()
            elif line.startswith('fl='):
                fl = cur = source_name(line[3:].strip())
            elif line.startswith('fi=') or line.startswith('fe='):
                cur = source_name(line[3:].strip())
            elif line.startswith('fn='):
                fn = line[3:].strip()
                cob = None
                cur = fl
            elif line.startswith('totals:') or line.startswith('summary:'):
                total = int(line.split()[1])
    if total is None:
        raise MeasureError(f'no totals in {path}')
    objects['functions'] = dict(sorted(functions.items(), key=lambda kv: -kv[1])[:20])
    if prog_obj:
        objects['files'] = files
        objects['binding_calls'] = bind_calls
        objects['binding_instr'] = bind_instr
    return total, emu, objects


def needed_text(needed, prog):
    """What a program needs at run time, in words."""
    libs = (needed or {}).get(prog)
    if libs is None:
        return 'its shared objects unknown'
    return 'shared objects: ' + ', '.join(libs)


def huge_len(n):
    """The buffer of a state of @n bytes above SEG_PAGES pages: whole huge pages."""
    return (n + HUGE - 1) // HUGE * HUGE


def mlist_label(r):
    """16 pairs at jobs=8: a migrate-list row as the notes name it."""
    return f'{r["pairs"]} pairs at jobs={r["jobs"]}' + {
        'disk': ', safety copies on disk', 'fastrec': ', record on tmpfs'}.get(r['output'], '')


def op_label(r):
    """query-size, or save 4 KiB: an operation as the tables name it."""
    return r['op'] + (f' {human_size(r["size"])}' if r['op'] in ('save', 'load') else '')


def archive_of(fn):
    """The library a function without debug information comes from, when a program links it
    in from an archive (Debian's libz.a has none); None for the program's start-up code."""
    for prefix, lib in (('crc32', 'zlib'), ('adler32', 'zlib'), ('inflate', 'zlib'),
                        ('deflate', 'zlib'), ('json_', 'json-c'), ('lh_', 'json-c'),
                        ('printbuf', 'json-c'), ('array_list', 'json-c'), ('nvme_', 'libnvme'),
                        ('__nvme', 'libnvme'), ('libnvme_', 'libnvme')):
        if (fn or '').startswith(prefix):
            return f'{lib} (archive)'
    return None


def source_name(path):
    """A source file as the tables name it: relative to the source tree (lib/record.c), or its
    base name for another project's (libnvme's, json-c's)."""
    m = re.search(r'(?:^|/)((?:lib|plugins/intel-lm|bench|tests/emu)/[^/]+)$', path)
    return m.group(1) if m else os.path.basename(path) or '???'



def keep_soak(md, path):
    """The "## Soak" section of the file at path (written by hand from make soak's runs, never
    by this program), carried into the new text md before "## Reproducing"."""
    try:
        with open(path) as f:
            old = f.read()
    except OSError:
        return md
    m = re.search(r'^## Soak\n.*?(?=^## |\Z)', old, re.M | re.S)
    if not m or '## Soak\n' in md:
        return md
    at = md.find('\n## Reproducing')
    at = len(md) if at < 0 else at + 1
    return md[:at] + m.group(0) + md[at:]


def main():
    ap = argparse.ArgumentParser(description='the intel-lm benchmark')
    ap.add_argument('build', help='the meson build directory')
    ap.add_argument('mode', nargs='?', default='full', choices=sorted(MODES))
    ap.add_argument('--keep', action='store_true', help='keep the work directories')
    ap.add_argument('--only', choices=['perop', 'downtime', 'scale', 'mlist', 'memory',
                                        'durable', 'ssh'],
                    help='run one part (for development; full runs write the results files)')
    args = ap.parse_args()

    # meson's test timeout sends SIGTERM: leave through the cleanup.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    b = Bench(args.build, args.mode, args.keep)
    suite = 'bench-smoke' if args.mode == 'smoke' else 'bench'
    started = time.time()
    date = datetime.datetime.now().astimezone()
    missing = [p for p in (b.std, b.nvme_cli, b.floor, b.peak_rss, b.emu_so, b.emu_ctl)
               if not os.access(p, os.R_OK if p.endswith('.so') else os.X_OK)]
    for p in missing:
        b.check(False, f'{p} is missing: build first')
    for name, p in (('Debian\'s nvme', b.debian_nvme), ('dd', b.dd), ('valgrind', b.valgrind)):
        if not p:
            missing.append(name)
            b.check(False, f'{name} is not installed (scripts/install-deps.sh test)')
    try:
        if not missing:
            for part in (b.bench_perop, b.bench_downtime, b.bench_scale, b.bench_mlist,
                         b.bench_memory, b.bench_durable, b.bench_ssh):
                if args.only and part.__name__[6:] != args.only:
                    continue
                t0 = time.time()
                try:
                    part()
                except (MeasureError, OSError) as exc:
                    b.check(False, f'{part.__name__[6:]}: {exc}')
                print(f'# {part.__name__[6:]}: {time.time() - t0:.1f} s', flush=True)
        res = b.results
        res['date'] = date.isoformat(timespec='seconds')
        res['mode'] = args.mode
        res['settings'] = {k: list(v) if isinstance(v, tuple) else v for k, v in b.cfg.items()}
        res['machine'] = b.machine()
        b.evaluate()
        res['notes'] = b.notes
        res['duration_s'] = time.time() - started

        # Only a whole full run writes the source tree's results.
        whole = args.mode == 'full' and not args.only
        root = b.src if whole else os.path.join(b.build, 'bench')
        rdir = os.path.join(root, 'bench', 'results') if whole else os.path.join(root, 'results')
        os.makedirs(rdir, exist_ok=True)
        jpath = os.path.join(rdir, f'{date.strftime("%Y-%m-%d")}.json')
        mpath = os.path.join(b.src, 'bench', 'RESULTS.md') if whole else \
            os.path.join(root, 'RESULTS.md')
        with open(jpath, 'w') as f:
            json.dump(res, f, indent=1, sort_keys=True)
            f.write('\n')
        md = keep_soak(b.markdown(res), mpath)
        with open(mpath, 'w') as f:
            f.write(md)
        with open(jpath) as f:
            ok = json.load(f).get('targets') is not None
        b.check(ok, f'results written to {jpath}')
        with open(mpath) as f:
            text = f.read()
        ok = all(h in text for h in ('## Per-operation overhead', '## Migrate downtime',
                                     '## Scale', '## Migrate lists', '## Memory',
                                     '## Durable write'))
        b.check(ok, f'table written to {mpath}')
        print()
        for t in res['targets']:
            print(f'target {verdict(t["met"]).strip("*")}: {t["target"]}: {t["value"]}')
        print(f'# {suite} took {res["duration_s"]:.0f} s')
    finally:
        b.cleanup()
    passed = sum(1 for ok, _ in b.checks if ok)
    failed = len(b.checks) - passed
    print(f'{suite}: {passed} passed, {failed} failed')
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
