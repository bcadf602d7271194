#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Model-based random checker of intel-lm's rule (issue 22), against the emulated PF's truth.

Random, seeded sequences of commands run through the real CLI (nvme-intel-lm under the
emulator's LD_PRELOAD) on two PFs: single commands, batches, migrate within and across PFs,
recover with a right or wrong --confirm, the mistakes an operator makes (never --force),
kill -9 and SIGTERM while a chosen command is in flight, failing fsyncs and full disks. After
every step the emulator's truth (intel-lm-emu show: each VF's lineage, generation, protected
mark; every state file on disk) is checked:

  (a) no lineage runs (RUNNING) in two VFs;
  (b) no protected lineage's newest generation is lost (held by no VF and no file);
  (c) status --output-format=json says of each VF its true state, or unknown.

Each episode runs over Intel's vendor commands or over NVMe TP4159 (the emulated PFs then
offer TP4159 alone: Migration Send 41h and Receive 42h), half and half by seed.

Usage: checker.py BUILD [--steps N] [--episodes N] [--seed N] [--keep-going] [--shrink]
Environment: CHECKER_PROTOCOL=intel|tp4159 runs every episode over that protocol;
CHECKER_SEED=N replays the episode of seed N exactly (its commands; a kill lands
on the same command in flight), CHECKER_STEPS=N its length. See tests/model/README.md.
"""
import argparse
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib

OPC = {'query': 0xc4, 'suspend': 0xc8, 'resume': 0xcc, 'save': 0xd2, 'load': 0xd5}
# The same steps over TP4159: Migration Send (suspend, resume, Set Controller State) and
# Migration Receive (the size from the state's header, Get Controller State).
TP_OPC = {'query': 0x42, 'suspend': 0x41, 'resume': 0x41, 'save': 0x42, 'load': 0x41}
TP_HDR = 48
PFS = {'nvme0': 3, 'nvme1': 3}
NVME = shutil.which('nvme', path='/usr/sbin:/usr/bin:/sbin:/bin') or 'nvme'    # nvme-cli
STATES = ('running', 'suspended', 'saved', 'loaded')


def state_ident(data):
    """(lineage, gen, protected) of an emulated state (raw or in an intel-lm blob), or None."""
    if data[:8] == b'INTELLM\x1a' and len(data) >= 256:
        plen = int.from_bytes(data[16:20], 'little')
        data = data[256:]
        if plen != len(data):
            return None
    # a TP4159 controller state: its 48-byte header, then the VF's own state (tests/emu/README.md)
    if data[:8] != b'ILMEMU\x00\x01' and data[TP_HDR:TP_HDR + 8] == b'ILMEMU\x00\x01':
        inner = int.from_bytes(data[TP_HDR + 12:TP_HDR + 16], 'little')
        vss = int.from_bytes(data[32:36], 'little')
        if len(data) != TP_HDR + 4 * vss or inner > 4 * vss:
            return None
        data = data[TP_HDR:TP_HDR + inner]
    if len(data) < 64 or data[:8] != b'ILMEMU\x00\x01':
        return None
    if int.from_bytes(data[12:16], 'little') != len(data):
        return None
    # the CRC-32 at offset 44 covers every other byte (tests/emu/README.md)
    if int.from_bytes(data[44:48], 'little') != zlib.crc32(data[48:], zlib.crc32(data[:44])):
        return None
    return (int.from_bytes(data[56:64], 'little'), int.from_bytes(data[40:44], 'little'),
            bool(int.from_bytes(data[48:52], 'little') & 1))


class Violation(Exception):
    pass


class World:
    """One episode's directories, emulator and programs."""

    def __init__(self, build, strict, tp=False):
        self.build = os.path.abspath(build)
        self.cli = os.path.join(self.build, 'plugins/intel-lm/nvme-intel-lm')
        self.ctl = os.path.join(self.build, 'tests/emu/intel-lm-emu')
        self.emu_so = os.path.join(self.build, 'tests/emu/libintel-lm-emu.so')
        self.fsfault_so = os.path.join(self.build, 'tests/fsfault/libintel-lm-fsfault.so')
        self.dir = tempfile.mkdtemp(prefix='intel-lm-model.', dir=os.environ.get('CHECKER_TMP'))
        self.files = os.path.join(self.dir, 'files')
        self.tmp = os.path.join(self.dir, 'tmp')
        self.statedir = os.path.join(self.dir, 'state')
        emu = os.path.join(self.dir, 'emu')
        for d in (self.files, self.tmp, emu):
            os.makedirs(d)
        self.conf = os.path.join(emu, 'emu.conf')
        self.trace = os.path.join(emu, 'trace.log')
        self.trace_off = 0
        self.strict = strict
        self.tp = tp
        self.env = dict(os.environ)
        self.env.update(INTEL_LM_EMU=self.conf, INTEL_LM_SYSFS=os.path.join(emu, 'sys'),
                        INTEL_LM_STATE_DIR=self.statedir,
                        INTEL_LM_LOCK_DIR=os.path.join(self.dir, 'locks'), TMPDIR=self.tmp,
                        LC_ALL='C')
        for k in ('INTEL_LM_FSFAULT', 'INTEL_LM_FSFAULT_DIR', 'INTEL_LM_FSFAULT_AFTER'):
            self.env.pop(k, None)
        self.write_conf()
        subprocess.run([self.ctl, 'setup'], env=self.env, check=True)

    def write_conf(self, extra=None):
        """The configuration; @extra: (pf, key, value) for a delayed command."""
        lines = ['state = emu.state', 'sysfs = sys', 'trace = trace.log']
        for i, (pf, vfs) in enumerate(PFS.items()):
            lines += [f'[pf {pf}]', f'serial = MODEL{i}', f'cntlid = {self.cntlid(pf)}',
                      f'vfs = {vfs}', 'nvq = 2', f'strict = {int(self.strict)}']
            if self.tp:
                lines += ['vid = 0x1b36', 'lm = 0', 'tp4159 = 1']
            if extra and extra[0] == pf:
                lines.append(f'{extra[1]} = {extra[2]}')
        with open(self.conf + '.new', 'w') as f:
            f.write('\n'.join(lines) + '\n')
        os.rename(self.conf + '.new', self.conf)

    @staticmethod
    def cntlid(pf):
        """The PF's controller ID: VF N is controller cntlid + N."""
        return 1 + list(PFS).index(pf) * 16

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def sent(self):
        """The VFs that got a SUSPEND, RESUME, SAVE_DATA or LOAD_DATA since the last call, each
        with the opcodes it got (TP4159's: a Suspend as SUSPEND's 0xc8, the others as
        0x41/SEL and 0x42)."""
        got = {}
        try:
            with open(self.trace) as f:
                f.seek(self.trace_off)
                text = f.read()
                self.trace_off = f.tell()
        except OSError:
            return got
        for line in text.splitlines():
            kv = dict(w.split('=', 1) for w in line.split() if '=' in w)
            if kv.get('dev') not in PFS:
                continue
            opc, cdw10 = kv.get('opcode'), int(kv.get('cdw10', '0'), 16)
            if opc in ('0xc8', '0xcc', '0xd2', '0xd5'):
                key = (kv['dev'], cdw10 & 0xffff)
            # TP4159: every Send, and a Receive of more than the header (the size)
            elif opc == '0x41' or (opc == '0x42' and int(kv.get('cdw15', '0'), 16) != 11):
                key = (kv['dev'], (int(kv.get('cdw11', '0'), 16) & 0xffff) -
                       self.cntlid(kv['dev']))
                if opc == '0x41':
                    opc = '0xc8' if cdw10 & 0xff == 0 else f'0x41/{cdw10 & 0xff}'
            else:
                continue
            got.setdefault(key, set()).add(opc)
        return got

    def cli_env(self, fault=None):
        env = dict(self.env)
        env['LD_PRELOAD'] = self.emu_so
        if fault:
            env['LD_PRELOAD'] += ':' + self.fsfault_so
            env.update(INTEL_LM_FSFAULT=fault[0], INTEL_LM_FSFAULT_DIR=fault[1],
                       INTEL_LM_FSFAULT_AFTER=str(fault[2]))
        return env

    def run(self, args, fault=None):
        p = subprocess.run([self.cli] + args, env=self.cli_env(fault), cwd=self.dir,
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        return p.returncode, p.stdout.decode(errors='replace'), p.stderr.decode(errors='replace')

    def counter(self, pf, opc):
        out = subprocess.run([self.ctl, 'counters', pf], env=self.env, capture_output=True,
                             text=True).stdout
        for w in out.split():
            k, _, v = w.partition('=')
            if k == f'0x{opc:02x}':
                return int(v)
        return 0

    def strike(self, args, pf, opc, how, sig, delay_ms):
        """Run @args with @opc on @pf delayed (@how: completion_delay or latency), and send
        @sig once it is in flight (completion_delay: once the emulator counted it; latency:
        @delay_ms after the start). Returns (rc, out, err, struck)."""
        self.write_conf((pf, f'{how}.0x{opc:02x}', 400000))
        try:
            before = self.counter(pf, opc)
            p = subprocess.Popen([self.cli] + args, env=self.cli_env(), cwd=self.dir,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
            struck = False
            t0 = time.monotonic()
            while p.poll() is None and time.monotonic() - t0 < 10:
                if how == 'latency':
                    if time.monotonic() - t0 >= delay_ms / 1000:
                        break
                elif self.counter(pf, opc) > before:
                    break
                time.sleep(0.005)
            if p.poll() is None:
                p.send_signal(sig)
                struck = True
            out, err = p.communicate(timeout=60)
        finally:
            self.write_conf()
        return p.returncode, out.decode(errors='replace'), err.decode(errors='replace'), struck

    # the truth
    def vfs(self):
        out = subprocess.run([self.ctl, 'show'], env=self.env, capture_output=True, text=True,
                             check=True).stdout
        truth = {}
        for line in out.splitlines():
            pf, vf, rest = line.split(' ', 2)
            kv = dict(w.split('=', 1) for w in rest.split() if '=' in w)
            truth[(pf, int(vf))] = {'state': kv['state'], 'gen': int(kv['gen']),
                                    'lineage': kv['lineage'], 'protected': kv['protected'] == 'yes',
                                    'crc': kv['crc']}
        return truth

    def disk(self):
        """Every whole state on disk: {path: (lineage hex, gen, protected)}."""
        found = {}
        for top in (self.files, self.tmp, self.statedir):
            for root, _, names in os.walk(top):
                for n in names:
                    path = os.path.join(root, n)
                    try:
                        with open(path, 'rb') as f:
                            data = f.read(1 << 20)
                    except OSError:
                        continue
                    ident = state_ident(data)
                    if ident:
                        found[os.path.relpath(path, self.dir)] = (f'{ident[0]:016x}',) + ident[1:]
        return found

    def status(self):
        rc, out, err = self.run(['status', '--output-format=json'])
        try:
            doc = json.loads(out)
        except ValueError:
            raise Violation(f'status --output-format=json: not JSON (exit {rc}): {out[:300]!r} '
                            f'{err[:300]!r}')
        said = {}
        for e in doc.get('vfs', []):
            dev = (e.get('device') or '').replace('/dev/', '')
            said[(dev, e['vf'])] = e
        return said


class Episode:
    def __init__(self, build, seed, steps, keep_going=False, script=None, checks='abc'):
        self.seed = seed
        self.checks = checks        # the checks that count (a, b, c): --checks
        # kinds of step left out (CHECKER_WITHOUT=outside,confirm), to look past a known finding
        self.without = os.environ.get('CHECKER_WITHOUT', '').split(',')
        self.rng = random.Random(seed)
        self.steps = steps
        self.keep_going = keep_going
        self.script = script        # a list of steps to replay instead of random ones
        # The protocol by seed, from a generator of its own: the commands of a seed stay its own.
        proto = os.environ.get('CHECKER_PROTOCOL') or \
            ('tp4159' if random.Random(seed ^ 0x54503431).random() < 0.5 else 'intel')
        self.world = World(build, strict=self.rng.random() < 0.5, tp=proto == 'tp4159')
        self.opc = TP_OPC if self.world.tp else OPC
        self.history = []
        self.newest = {}            # protected lineage -> newest generation seen
        self.nfile = 0
        self.passed = 0
        self.failed = 0
        self.violations = []
        self.said = {}              # what status said after the last step: (pf, vf) -> state
        self.lies = {}              # (pf, vf) -> a state the operator confirmed when unknown
        self.ran_on_word = {}       # (pf, vf) -> (lineage, gen) it ran when called idle

    # choosing a step
    def vf(self, pf=None):
        pf = pf or self.rng.choice(list(PFS))
        return pf, self.rng.randint(1, PFS[pf])

    def vflist(self, pf):
        n = PFS[pf]
        k = self.rng.randint(2, n)
        return sorted(self.rng.sample(range(1, n + 1), k))

    def known_files(self):
        out = []
        for root, dirs, names in os.walk(self.world.files):
            for n in names:
                out.append(os.path.relpath(os.path.join(root, n), self.world.dir))
            for d in dirs:
                out.append(os.path.relpath(os.path.join(root, d), self.world.dir) + '/')
        return sorted(out)

    def new_name(self, d=False):
        self.nfile += 1
        return f'files/{"d" if d else "f"}{self.nfile}' + ('' if d else '.blob')

    def choose(self):
        """One step: {'args': [...], 'fault': None|(...), 'kill': None|(...)}."""
        r = self.rng
        weights = [14, 14, 14, 14, 3, 16, 8, 8, 3]
        if 'outside' in self.without:
            weights[-1] = 0
        op = r.choices(['suspend', 'resume', 'save', 'load', 'query-size', 'migrate', 'recover',
                        'batch', 'outside'], weights=weights)[0]
        files = self.known_files()
        step = {'fault': None, 'kill': None}
        opcs = []
        if op in ('suspend', 'resume', 'query-size'):
            pf, vf = self.vf()
            args = [op, f'/dev/{pf}', f'--vf={vf}']
            opcs = [(pf, self.opc[{'query-size': 'query'}.get(op, op)])]
        elif op == 'save':
            pf, vf = self.vf()
            blobs = [f for f in files if not f.endswith('/')]
            out = r.choice(blobs) if blobs and r.random() < 0.1 else self.new_name()
            args = ['save', f'/dev/{pf}', f'--vf={vf}', f'--output-file={out}']
            opcs = [(pf, self.opc['save']), (pf, self.opc['query'])]
        elif op == 'load':
            pf, vf = self.vf()
            blobs = [f for f in files if not f.endswith('/')]
            if not blobs:
                return self.choose()
            args = ['load', f'/dev/{pf}', f'--vf={vf}', f'--input-file={r.choice(blobs)}']
            opcs = [(pf, self.opc['load'])]
        elif op == 'outside':
            # an operator's SUSPEND behind intel-lm's back (nvme-cli's admin-passthru)
            pf, vf = self.vf()
            step['args'] = ['outside', f'/dev/{pf}', f'--vf={vf}']
            return step
        elif op == 'batch':
            pf = r.choice(list(PFS))
            lst = ','.join(map(str, self.vflist(pf)))
            sub = r.choice(['suspend', 'resume', 'save', 'load'])
            args = [sub, f'/dev/{pf}', f'--vf={lst}', f'--jobs={r.randint(1, 3)}']
            if sub == 'save':
                args.append(f'--output-file={self.new_name(d=True)}')
            elif sub == 'load':
                dirs = [f for f in files if f.endswith('/')]
                if not dirs:
                    return self.choose()
                args.append(f'--input-file={r.choice(dirs)}')
            opcs = [(pf, self.opc[sub])]
        elif op == 'migrate':
            spf, svf = self.vf()
            dpf = spf if r.random() < 0.4 else r.choice(list(PFS))
            dvf = r.randint(1, PFS[dpf])
            if (dpf, dvf) == (spf, svf):
                dvf = dvf % PFS[dpf] + 1
            args = ['migrate', f'/dev/{spf}', f'--vf={svf}', f'--to=/dev/{dpf}',
                    f'--to-vf={dvf}']
            if r.random() < 0.2:
                args.append(f'--keep={self.new_name()}')
            opcs = [(spf, self.opc['suspend']), (spf, self.opc['save']),
                    (dpf, self.opc['load']), (dpf, self.opc['resume']),
                    (dpf, self.opc['suspend'])]
        else:
            args = ['recover']
            if r.random() < 0.7:
                pf, vf = self.vf()
                args += [f'/dev/{pf}', f'--vf={vf}']
                if r.random() < 0.7 and 'confirm' not in self.without:
                    args.append(f'--confirm={r.choice(STATES)}')
            opcs = [(pf, self.opc['resume'])] if len(args) > 1 else []
        step['args'] = args
        x = r.random()
        if x < 0.08 and opcs:
            pf, opc = r.choice(opcs)
            step['kill'] = (pf, opc, r.choice(['completion_delay', 'latency']),
                            r.choice(['KILL', 'TERM']), r.randint(0, 450))
        elif x < 0.16 and args[0] in ('save', 'load', 'migrate', 'suspend', 'resume'):
            step['fault'] = (r.choice(['fsync:EIO', 'write:ENOSPC', 'write:EIO', 'dirsync:EIO']),
                             r.choice(['files', 'state', 'tmp']), r.randint(0, 6))
        return step

    def describe(self, step):
        if step['args'][0] == 'outside':
            return (f'nvme admin-passthru {step["args"][1]} --opcode=0xc8 '
                    f'--cdw10={step["args"][2][5:]}   # a SUSPEND outside intel-lm')
        s = 'nvme-intel-lm ' + ' '.join(shlex.quote(a) for a in step['args'])
        if step['fault']:
            f = step['fault']
            s = f'INTEL_LM_FSFAULT={f[0]} INTEL_LM_FSFAULT_DIR=$W/{f[1]} ' \
                f'INTEL_LM_FSFAULT_AFTER={f[2]} ' + s
        if step['kill']:
            k = step['kill']
            s += f'   # {k[2]}.0x{k[1]:02x}=400ms on {k[0]}, SIG{k[3]} ' + \
                 ('once in flight' if k[2] == 'completion_delay' else f'after {k[4]} ms')
        return s

    @staticmethod
    def named(args):
        """The VFs a command names: {(pf, vf)}."""
        keys, devs, vfs = set(), [], []
        for a in args:
            if a.startswith('/dev/'):
                devs.append(a[5:])
            elif a.startswith('--to='):
                devs.append(a[10:])
            elif a.startswith('--vf=') or a.startswith('--to-vf='):
                lst = a.split('=', 1)[1]
                vfs.append([int(x) for x in lst.split(',')] if lst != 'all' else [])
        for dev, lst in zip(devs, vfs):
            keys |= {(dev, v) for v in lst}
        return keys

    def note_lies(self, step):
        if step['args'][0] == 'outside':
            for k in self.named(step['args'][1:]):
                self.lies[k] = None     # any word: intel-lm cannot know
            return
        """An operator who confirms a state of a VF status calls unknown is believed: what
        status then says of that VF is the operator's word, until intel-lm sends the VF a
        command (SUSPEND, RESUME, SAVE_DATA, LOAD_DATA), whose answer it can learn from."""
        args = step['args']
        if args[0] != 'recover':
            return
        confirm = [a.split('=', 1)[1] for a in args if a.startswith('--confirm=')]
        for k in self.named(args):
            if confirm and self.said.get(k) == 'unknown':
                self.lies[k] = {confirm[0]}

    def said_idle(self, key):
        """Whether the operator's word, still standing, is that VF @key runs nothing."""
        lie = self.lies.get(key)
        return lie is not None and 'running' not in lie

    def forget_lies(self):
        """A command's answer replaces the operator's word, but a SUSPEND's only in part: on a
        device that takes a repeated SUSPEND, its success says the VF runs nothing, not whether
        it was saved or loaded, so status may then say suspended of any VF that runs nothing."""
        for k, opcodes in self.world.sent().items():
            if k in self.lies and opcodes == {'0xc8'}:
                if self.lies[k] is not None:
                    self.lies[k].add('suspended')
            else:
                self.lies.pop(k, None)

    def execute(self, step):
        w = self.world
        self.note_lies(step)
        if step['args'][0] == 'outside':
            vf = int(step['args'][2][5:])
            if w.tp:    # Migration Send, Suspend (STYPE 1) of controller cntlid + VF
                pf = step['args'][1][5:]
                cmd = ['--opcode=0x41', f'--cdw11={(1 << 16) | (w.cntlid(pf) + vf)}']
            else:
                cmd = ['--opcode=0xc8', f'--cdw10={vf}']
            p = subprocess.run([NVME, 'admin-passthru', step['args'][1]] + cmd, env=w.cli_env(),
                               capture_output=True, text=True)
            w.sent()    # intel-lm sent nothing: what status says of the VF is excused
            return p.returncode, p.stdout, p.stderr, ''
        if step['kill']:
            pf, opc, how, sig, ms = step['kill']
            rc, out, err, struck = w.strike(step['args'], pf, opc, how,
                                            getattr(signal, 'SIG' + sig), ms)
            return rc, out, err, (' (struck)' if struck else ' (finished first)')
        fault = None
        if step['fault']:
            f = step['fault']
            fault = (f[0], os.path.join(w.dir, f[1]), f[2])
        rc, out, err = w.run(step['args'], fault)
        return rc, out, err, ''

    # the checks
    def check(self):
        w = self.world
        vfs = w.vfs()
        disk = w.disk()
        problems = []
        # (a) a lineage runs in one VF at most. A VF the operator confirmed as not running
        # (recover --confirm=suspended of a VF status called unknown) while it ran is the
        # operator's word, which recover acts on and intel-lm cannot check (the device cannot
        # be asked): on it, recover resumes a migration's source. Such a VF does not count for
        # as long as it runs on what it ran when the word was given: a later command that has
        # no effect on it (a SAVE_DATA refused because it runs) does not make the second run
        # intel-lm's. Once it stops, or runs anything else, it counts again.
        running = {}
        for key, v in vfs.items():
            now = (v['lineage'], v['gen'])
            if v['state'] == 'running' and self.said_idle(key):
                self.ran_on_word[key] = now
            elif v['state'] != 'running' or self.ran_on_word.get(key) != now:
                self.ran_on_word.pop(key, None)
            if v['state'] == 'running':
                running.setdefault(v['lineage'], []).append(key)
        for lin, keys in running.items():
            if len([k for k in keys if k not in self.ran_on_word]) > 1:
                problems.append('(a) lineage %s runs in %s' % (
                    lin, ' and '.join(f'{p} VF {n}' for p, n in keys)))
        self.count(problems)
        # (b) no protected lineage's newest generation lost
        held = {}
        for key, v in vfs.items():
            if v['crc'] == 'ok':
                held.setdefault(v['lineage'], {})[v['gen']] = f'{key[0]} VF {key[1]}'
                if v['protected']:
                    self.newest[v['lineage']] = max(self.newest.get(v['lineage'], 0), v['gen'])
        for path, (lin, gen, prot) in disk.items():
            held.setdefault(lin, {}).setdefault(gen, path)
            if prot:
                self.newest[lin] = max(self.newest.get(lin, 0), gen)
        lost = []
        for lin, gen in sorted(self.newest.items()):
            if gen not in held.get(lin, {}):
                older = held.get(lin, {})
                lost.append('(b) protected lineage %s generation %d is lost (%s)' % (
                    lin, gen, 'held nowhere' if not older else 'older copies: ' + ', '.join(
                        f'gen {g} in {where}' for g, where in sorted(older.items()))))
                # report a loss once
                self.newest[lin] = max(older) if older else -1
        self.newest = {k: v for k, v in self.newest.items() if v >= 0}
        self.count(lost)
        # (c) status: the truth, or unknown
        wrong = []
        status = w.status()
        self.said = {k: e.get('state') for k, e in status.items()}
        for key, e in status.items():
            if key not in vfs:
                continue
            said, true = e.get('state'), vfs[key]['state']
            excused = key in self.lies and (self.lies[key] is None or said in self.lies[key])
            if said not in ('unknown', true) and not excused:
                wrong.append(f'(c) status says {key[0]} VF {key[1]} is {said}; it is {true}')
        self.count(wrong)
        return problems + lost + wrong, vfs, disk

    def count(self, problems):
        problems[:] = [p for p in problems if p[1] in self.checks]
        if problems:
            self.failed += 1
        else:
            self.passed += 1

    def snapshot(self, vfs, disk):
        lines = ['  truth:']
        for (pf, vf), v in sorted(vfs.items()):
            lines.append(f'    {pf} VF {vf}: {v["state"]} lineage {v["lineage"]} gen {v["gen"]}'
                         f'{" protected" if v["protected"] else ""}')
        for path, (lin, gen, prot) in sorted(disk.items()):
            lines.append(f'    {path}: lineage {lin} gen {gen}{" protected" if prot else ""}')
        return '\n'.join(lines)

    def run(self):
        n = len(self.script) if self.script is not None else self.steps
        try:
            for i in range(n):
                step = self.script[i] if self.script is not None else self.choose()
                rc, out, err, note = self.execute(step)
                self.forget_lies()
                self.history.append((step, f'step {i + 1}: {self.describe(step)}  -> exit {rc}'
                                     f'{note}'))
                problems, vfs, disk = self.check()
                if problems:
                    self.violations.append((i + 1, problems))
                    self.report(i + 1, problems, vfs, disk, out, err)
                    if not self.keep_going:
                        return False
            return not self.violations
        finally:
            self.world.close()

    def report(self, step, problems, vfs, disk, out, err):
        print(f'model: VIOLATION seed {self.seed} (strict={int(self.world.strict)}, '
              f'{"tp4159" if self.world.tp else "intel"}) '
              f'at step {step}:')
        for p in problems:
            print('  ' + p)
        if self.script is None:
            print('  history (replay: CHECKER_SEED=%d CHECKER_STEPS=%d):' % (self.seed, step))
        else:
            print('  history (a sub-sequence of seed %d\'s, as --shrink found it):' % self.seed)
        for _, line in self.history:
            print('    ' + line)
        print(self.snapshot(vfs, disk))
        last = (out.strip() + '\n' + err.strip()).strip()
        if last:
            print('  last command said:\n' + '\n'.join('    ' + x for x in last.splitlines()[:12]))
        sys.stdout.flush()


def shrink(build, seed, steps, checks):
    """A short sub-sequence that still violates the rule in the same way (a, b or c): chunks of
    steps dropped, halves first, then smaller ones down to single steps (ddmin)."""
    ep = Episode(build, seed, steps, checks=checks)
    ep.run()
    if not ep.violations:
        print(f'model: seed {seed} passes {steps} steps: nothing to shrink')
        return
    script = [s for s, _ in ep.history]
    kinds = {p.split(' ')[0] for p in ep.violations[0][1]}

    def fails(cand):
        trial = Episode(build, seed, len(cand), script=cand, checks=checks)
        with open(os.devnull, 'w') as devnull:
            old, sys.stdout = sys.stdout, devnull
            try:
                trial.run()
            finally:
                sys.stdout = old
        if trial.violations and kinds & {p.split(' ')[0] for p in trial.violations[0][1]}:
            return cand[:trial.violations[0][0]]
        return None

    chunk = max(1, len(script) // 2)
    while True:
        i = 0
        while i < len(script):
            cut = fails(script[:i] + script[i + chunk:])
            if cut is not None:
                script = cut
            else:
                i += chunk
        if chunk == 1:
            break
        chunk = max(1, chunk // 2)
    print(f'model: seed {seed}: a minimal sequence of {len(script)} steps:')
    Episode(build, seed, len(script), script=script, checks=checks).run()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('build')
    ap.add_argument('--steps', type=int, default=int(os.environ.get('CHECKER_STEPS', 150)),
                    help='steps per episode (CHECKER_STEPS)')
    ap.add_argument('--episodes', type=int, default=1)
    ap.add_argument('--seed', type=int, default=None,
                    help='the first episode\'s seed (CHECKER_SEED: that one episode only)')
    ap.add_argument('--total', type=int, default=0,
                    help='run episodes until this many steps in all (make soak)')
    ap.add_argument('--tmp', default=os.environ.get('CHECKER_TMP'),
                    help='where episodes make their directories (CHECKER_TMP; default $TMPDIR): '
                    '/dev/shm doubles the speed, the record\'s fsyncs then cost nothing')
    ap.add_argument('--keep-going', action='store_true',
                    help='go on after a violation (each is reported)')
    ap.add_argument('--checks', default='abc',
                    help='the checks that count, e.g. bc to look past known (a) violations')
    ap.add_argument('--shrink', action='store_true',
                    help='with CHECKER_SEED: find a minimal failing sequence')
    a = ap.parse_args()
    if a.tmp:
        os.environ['CHECKER_TMP'] = a.tmp
    env_seed = os.environ.get('CHECKER_SEED')
    if env_seed:
        a.seed, a.episodes, a.total = int(env_seed), 1, 0
    if a.seed is None:
        a.seed = int.from_bytes(os.urandom(4), 'little')
    if a.shrink:
        shrink(a.build, a.seed, a.steps, a.checks)
        return 0
    passed = failed = steps = 0
    bad = []
    t0 = time.monotonic()
    i = 0
    while (a.total and steps < a.total) or (not a.total and i < a.episodes):
        seed = a.seed + i
        ep = Episode(a.build, seed, a.steps, keep_going=a.keep_going, checks=a.checks)
        ok = ep.run()
        steps += len(ep.history)
        passed += ep.passed
        failed += ep.failed
        if not ok:
            bad.append(seed)
        i += 1
    dt = time.monotonic() - t0
    print(f'# {i} episodes, {steps} steps in {dt:.1f} s ({steps / dt:.1f} steps/s); '
          f'seeds {a.seed}..{a.seed + i - 1}; failing seeds: {bad or "none"}')
    print(f'model: {passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
