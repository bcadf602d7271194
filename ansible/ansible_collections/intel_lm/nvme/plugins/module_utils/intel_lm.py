# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What the intel_lm.nvme modules share: run nvme-intel-lm with --output-format=json, read its one
# JSON document and exit status (nvme-intel-lm(1), JSON OUTPUT and EXIT STATUS), and turn them
# into the module's result. The modules check nothing about the device themselves: they never
# open or stat it; every check is the program's.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import shlex

PROGRAM = 'nvme-intel-lm'

# The exit statuses of nvme-intel-lm(1).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED, EXIT_DEVICE, EXIT_UNKNOWN, EXIT_PARTIAL = range(7)

# The version of the program's JSON format this collection reads.
JSON_VERSION = 1

# The commands that change a VF's state.
STATE_COMMANDS = ('SUSPEND', 'RESUME', 'SAVE_DATA', 'LOAD_DATA')

# Result keys that belong to Ansible: a document's key of that name is not copied.
RESERVED = frozenset(('changed', 'failed', 'msg', 'rc', 'cmd', 'skipped', 'invocation',
                      'results', 'stdout', 'stderr', 'stdout_lines', 'stderr_lines',
                      'warnings', 'deprecations', 'effect'))


def argument_spec(**options):
    """The options every module takes (doc fragment intel_lm.nvme.common), plus OPTIONS."""
    spec = dict(
        device=dict(type='str', required=True),
        executable=dict(type='str'),
        timeout=dict(type='int'),
    )
    spec.update(options)
    return spec


def effect_of(rc, doc):
    """What a command did, in the program's own terms.

    done: it succeeded (exit status 0 and success true). none: it failed and nothing is in
    doubt (exit status 1 to 4, or 128 + N for a signal that stopped it before it sent
    anything): refused before anything was sent, refused by the device with an NVMe status,
    or failed in a way the program knows about. unknown: a command's effect is unknown (exit
    status 5, an error of kind "unknown"), or the program gave no document, or died.
    """
    if not isinstance(doc, dict):
        return 'unknown'
    err = doc.get('error')
    if rc == EXIT_OK and doc.get('success') is True and not err:
        return 'done'
    if rc == EXIT_UNKNOWN or (isinstance(err, dict) and err.get('kind') == 'unknown'):
        return 'unknown'
    if doc.get('success') is False and (EXIT_FAILED <= rc <= EXIT_DEVICE or 128 < rc < 160):
        return 'none'
    return 'unknown'


class Run(object):
    """One run of the program: its command line, exit status, document (None when it printed
    no JSON object) and standard error."""

    def __init__(self, command, argv, rc, doc, stderr):
        self.command = command
        self.argv = argv
        self.rc = rc
        self.doc = doc
        self.stderr = stderr
        self.effect = effect_of(rc, doc)


class IntelLm(object):
    """nvme-intel-lm on the managed host, as the module's options name it."""

    def __init__(self, module):
        self.module = module
        # The one word that is not an option: it must not read as one.
        if module.params['device'].startswith('-'):
            module.fail_json(msg='device: %r is not a device path' % module.params['device'],
                             changed=False, effect='none')
        exe = module.params.get('executable')
        if exe:
            try:
                self.program = shlex.split(exe)
            except ValueError as e:
                module.fail_json(msg='executable: %s' % e, changed=False, effect='none')
            if not self.program:
                module.fail_json(msg='executable is empty', changed=False, effect='none')
        else:
            self.program = [module.get_bin_path(PROGRAM, required=True)]

    def run(self, command, args, dry_run=False, force=False, timeout=True):
        """Run COMMAND with ARGS, --output-format=json, and --timeout (when TIMEOUT and the
        option is set), --force, --dry-run as asked."""
        argv = self.program + [command] + list(args) + ['--output-format=json']
        if timeout and self.module.params.get('timeout') is not None:
            argv.append('--timeout=%d' % self.module.params['timeout'])
        if force:
            argv.append('--force')
        if dry_run:
            argv.append('--dry-run')
        try:
            rc, out, err = self.module.run_command(argv, expand_user_and_vars=False,
                                                   handle_exceptions=False)
        except (OSError, IOError) as e:
            # Nothing ran, so nothing was sent.
            self.module.fail_json(msg='cannot run %s: %s' % (argv[0], e), cmd=argv,
                                  changed=False, effect='none')
        doc = None
        try:
            doc = json.loads(out)
        except ValueError:
            pass
        # What the program warned about before sending commands (a --timeout shorter than the
        # kernel's): Ansible's own warnings, as the command ran all the same.
        for w in (doc.get('warnings') if isinstance(doc, dict) else None) or []:
            if isinstance(w, dict) and w.get('message'):
                self.module.warn('%s: %s%s' % (command, w['message'],
                                               '; next: %s' % w['hint'] if w.get('hint') else ''))
        return Run(command, argv, rc, doc if isinstance(doc, dict) else None, err)


def changed_of(run, state_changing, check_mode, noop_possible):
    """Whether the command changed (or, with --dry-run, would change) a VF: the program's
    `changed` when it says. A program without it (before intel-lm added the key): for
    suspend and resume (NOOP_POSSIBLE), what its `commands` show (SUSPEND or RESUME sent, or
    planned under --dry-run); else whether the command may have had an effect."""
    doc = run.doc or {}
    if not state_changing:
        return False
    if isinstance(doc.get('changed'), bool):
        return doc['changed']
    cmds = doc.get('commands')
    if noop_possible and isinstance(cmds, list):
        return any(isinstance(c, dict) and c.get('command') in STATE_COMMANDS and
                   (c.get('sent') is True or check_mode) for c in cmds)
    return run.effect != 'none'


def result_of(run, changed):
    """The module's result: the document's keys, then rc, cmd, stderr, effect, changed."""
    res = {}
    if run.doc is not None:
        res.update((k, v) for k, v in run.doc.items() if k not in RESERVED)
    res.update(rc=run.rc, cmd=run.argv, stderr=run.stderr, effect=run.effect, changed=changed)
    return res


def error_message(run):
    """The failure in words: the program's error object, else the last line of its standard
    error."""
    err = run.doc.get('error') if run.doc is not None else None
    last = [line.strip() for line in (run.stderr or '').splitlines() if line.strip()]
    said = (': ' + last[-1]) if last else ''
    if isinstance(err, dict) and err.get('message'):
        where = str(err.get('device') or '')
        if err.get('vf') is not None:
            where += ' VF %s' % err['vf']
        where = (' on ' + where.strip()) if where.strip() else ''
        what = err.get('operation') or run.command
        # Over TP4159 the operation names the step, and command the command that carried it.
        if err.get('command'):
            what += ' (%s)' % err['command']
        msg = '%s failed%s: %s' % (what, where, err['message'])
        if err.get('hint'):
            msg += '; next: %s' % err['hint']
        return msg
    if run.doc is None:
        return ('%s printed no JSON document (exit status %s)%s; what it did is unknown' %
                (run.command, run.rc, said))
    return '%s failed with exit status %s%s' % (run.command, run.rc, said)


def finish(module, run, state_changing, noop_possible=False, extra=None):
    """Exit the module with the run's outcome: its document on success; on failure also the
    program's error object and exit status (rc, and exit_status in the document).
    STATE_CHANGING: the command can change a VF (else changed is false); NOOP_POSSIBLE: it
    sends nothing when the record shows the VF as asked (suspend, resume)."""
    res = result_of(run, changed_of(run, state_changing, module.check_mode, noop_possible))
    if run.doc is not None and run.doc.get('json_version') != JSON_VERSION:
        module.warn('%s printed JSON format version %s; this collection knows version %d' %
                    (run.command, run.doc.get('json_version'), JSON_VERSION))
    if extra:
        res.update(extra)
    if run.effect == 'done':
        module.exit_json(**res)
    module.fail_json(msg=error_message(run), **res)
