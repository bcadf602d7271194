#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: vf_state
short_description: Suspend or resume a VF of an Intel IPU NVMe PF
version_added: 1.0.0
description:
  - Runs C(nvme-intel-lm suspend) or C(nvme-intel-lm resume) for one VF, which sends the
    vendor SUSPEND (C8h) or RESUME (CCh) admin command to the PF that owns the VF, and
    returns the program's JSON document.
  - The command is always sent (intel-lm's record does not stand in for the device). When
    the record already shows the VF in the requested state and the device accepts the
    command again, or refuses it with Command Sequence Error, nothing changed
    (C(changed=false)).
  - In check mode the program runs with C(--dry-run); it sends Identify commands only, and
    C(changed) says whether the command would be sent.
author:
  - intel-lm developers
options:
  vf:
    description:
      - The VF's index, 1-based, as C(nvme-intel-lm info) (or M(intel_lm.nvme.vf_info))
        lists it.
    type: int
    required: true
  state:
    description:
      - C(suspended) sends SUSPEND, C(running) sends RESUME.
    type: str
    required: true
    choices: [suspended, running]
  force:
    description:
      - Pass C(--force) - send the command even when the record already shows the VF in
        that state, and to a PF that does not announce Intel live migration.
    type: bool
    default: false
extends_documentation_fragment:
  - intel_lm.nvme.common
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - module: intel_lm.nvme.vf_info
  - module: intel_lm.nvme.vf_save
  - module: intel_lm.nvme.vf_load
'''

EXAMPLES = r'''
- name: Suspend VF 3 of /dev/nvme0
  intel_lm.nvme.vf_state:
    device: /dev/nvme0
    vf: 3
    state: suspended
  become: true

- name: Resume it, waiting at most 60 s (the kernel's admin timeout) for the device's answer
  intel_lm.nvme.vf_state:
    device: /dev/nvme0
    vf: 3
    state: running
    timeout: 60000
  become: true

- name: Through an nvme-cli built with the plugin
  intel_lm.nvme.vf_state:
    device: /dev/nvme0
    vf: 3
    state: running
    executable: nvme intel-lm
  become: true
  register: resumed

- name: Stop if its effect is unknown
  ansible.builtin.fail:
    msg: "{{ resumed.msg }}"
  when: resumed is failed and resumed.effect == 'unknown'
'''

RETURN = r'''
device:
  description: The PF's device path.
  returned: when the program got that far (not with check mode)
  type: str
  sample: /dev/nvme0
vf:
  description: The VF's index.
  returned: when the program got that far (not with check mode)
  type: int
  sample: 3
state:
  description:
    - The VF's state as intel-lm's record has it afterwards - C(suspended) or C(running);
      C(saved) or C(loaded) for a saved or loaded VF that was suspended again.
  returned: success, not with check mode
  type: str
  sample: suspended
changed:
  description:
    - Whether the command was sent (with check mode, would be sent), as the program says.
  returned: always
  type: bool
effect:
  description:
    - What the command did, in the program's terms. C(done) - it succeeded. C(none) - it
      failed and nothing is in doubt (refused before anything was sent, or by the device
      with an NVMe status). C(unknown) - its effect is unknown (exit status 5, a timeout for
      instance, or the program died or printed no document); do not repeat it, see
      C(nvme-intel-lm status).
  returned: always
  type: str
  sample: done
error:
  description:
    - The program's error object - C(operation), C(device), C(vf), C(status) (the NVMe
      status) or C(errno), C(message), C(hint) and C(kind) (the exit status's name).
  returned: failure
  type: dict
  sample: {"operation": "SUSPEND", "device": "/dev/nvme0", "vf": 3, "status": 16396,
           "message": "Command Sequence Error ...", "hint": "...", "kind": "device"}
rc:
  description: The program's exit status (see nvme-intel-lm(1), EXIT STATUS).
  returned: always
  type: int
  sample: 0
exit_status:
  description: The exit status, as the document states it.
  returned: when the program printed its document
  type: int
  sample: 0
success:
  description: The document's C(success).
  returned: when the program printed its document
  type: bool
json_version:
  description: The version of the program's JSON format.
  returned: when the program printed its document
  type: int
  sample: 1
commands:
  description: With check mode, the admin commands the program would send (C(sent) false).
  returned: check mode
  type: list
  elements: dict
notes:
  description: The program's remarks that are not errors.
  returned: when there are any
  type: list
  elements: str
cmd:
  description: The command line that ran.
  returned: always
  type: list
  elements: str
stderr:
  description: The program's standard error (its messages in words).
  returned: when the program ran
  type: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.intel_lm.nvme.plugins.module_utils.intel_lm import (
    IntelLm, argument_spec, finish)


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(
            vf=dict(type='int', required=True),
            state=dict(type='str', required=True, choices=['suspended', 'running']),
            force=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    command = 'suspend' if p['state'] == 'suspended' else 'resume'
    run = IntelLm(module).run(command, [p['device'], '--vf=%d' % p['vf']],
                              dry_run=module.check_mode, force=p['force'])
    finish(module, run, state_changing=True, noop_possible=True)


if __name__ == '__main__':
    main()
