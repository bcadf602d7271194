#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: vf_save
short_description: Save the migration state of a suspended VF of an Intel IPU NVMe PF
version_added: 1.0.0
description:
  - Runs C(nvme-intel-lm save) for one VF, which sends QUERY_DATA_SIZE (C4h) and SAVE_DATA
    (D2h) to the PF that owns the VF and writes the state to a state blob on the managed
    host (mode 0600, made durable before the program reports success), and returns the
    program's JSON document.
  - The VF must be suspended (M(intel_lm.nvme.vf_state)); the device refuses to save a
    running VF.
  - A save is never a no-op. The program refuses a I(path) that exists (exit status 3,
    nothing sent) unless I(force) is set.
  - In check mode the program runs with C(--dry-run); it sends Identify commands only, and
    writes no file.
author:
  - intel-lm developers
options:
  vf:
    description: The VF's index, 1-based.
    type: int
    required: true
  path:
    description:
      - Where to write the state blob, on the managed host. Its directory must exist.
    type: path
    required: true
    aliases: [dest]
  force:
    description:
      - Pass C(--force) - replace an existing regular file at I(path), and send the commands
        to a PF that does not announce Intel live migration.
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
  - module: intel_lm.nvme.vf_state
  - module: intel_lm.nvme.vf_load
'''

EXAMPLES = r'''
- name: Suspend VF 3, then save its state
  block:
    - name: Suspend VF 3 of /dev/nvme0
      intel_lm.nvme.vf_state:
        device: /dev/nvme0
        vf: 3
        state: suspended

    - name: Save it
      intel_lm.nvme.vf_save:
        device: /dev/nvme0
        vf: 3
        path: /var/tmp/vf3.blob
      register: saved

    - name: Show its size
      ansible.builtin.debug:
        msg: "{{ saved.size }} bytes in {{ saved.output_file }}"
  become: true
'''

RETURN = r'''
device:
  description: The PF's device path.
  returned: success, not with check mode
  type: str
  sample: /dev/nvme0
vf:
  description: The VF's index.
  returned: success, not with check mode
  type: int
  sample: 3
size:
  description: The state's size in bytes (without the blob's header).
  returned: success, not with check mode
  type: int
  sample: 2712
output_file:
  description: The file written.
  returned: success, not with check mode
  type: str
  sample: /var/tmp/vf3.blob
raw:
  description: Whether the file holds the bare state (always false here).
  returned: success, not with check mode
  type: bool
changed:
  description: Whether the program saved (with check mode, would save) the state.
  returned: always
  type: bool
effect:
  description:
    - C(done), C(none) (failed, nothing in doubt - although a SAVE_DATA that succeeded
      before the file could not be written leaves the VF saved; the error says so) or
      C(unknown) (a command's effect is unknown; do not repeat it).
  returned: always
  type: str
  sample: done
error:
  description: The program's error object (C(operation), C(device), C(vf), C(status) or
    C(errno), C(message), C(hint), C(kind)).
  returned: failure
  type: dict
rc:
  description: The program's exit status.
  returned: always
  type: int
  sample: 0
exit_status:
  description: The exit status, as the document states it.
  returned: when the program printed its document
  type: int
success:
  description: The document's C(success).
  returned: when the program printed its document
  type: bool
json_version:
  description: The version of the program's JSON format.
  returned: when the program printed its document
  type: int
commands:
  description: With check mode, the admin commands the program would send.
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
  description: The program's standard error.
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
            path=dict(type='path', required=True, aliases=['dest']),
            force=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    # "-" would put the state on standard output, where the document belongs.
    if p['path'] == '-':
        module.fail_json(msg='path: name a file', changed=False, effect='none')
    run = IntelLm(module).run('save', [p['device'], '--vf=%d' % p['vf'],
                                       '--output-file=%s' % p['path']],
                              dry_run=module.check_mode, force=p['force'])
    finish(module, run, state_changing=True)


if __name__ == '__main__':
    main()
