#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: vf_load
short_description: Load a saved migration state into a suspended VF of an Intel IPU NVMe PF
version_added: 1.0.0
description:
  - Runs C(nvme-intel-lm load) for one VF, which verifies the state blob at I(path) on the
    managed host (its checksums, its size, and that it was saved on the same kind of PF)
    and sends LOAD_DATA (D5h) to the PF that owns the VF, and returns the program's JSON
    document.
  - The VF must be suspended (M(intel_lm.nvme.vf_state)); resume it afterwards to run the
    loaded state.
  - A load is never a no-op.
  - In check mode the program runs with C(--dry-run); it verifies the blob and sends
    Identify commands only.
author:
  - intel-lm developers
options:
  vf:
    description: The VF's index, 1-based.
    type: int
    required: true
  path:
    description: The state blob to load, on the managed host (M(intel_lm.nvme.vf_save)
      wrote it, perhaps on another host).
    type: path
    required: true
    aliases: [src]
  force:
    description:
      - Pass C(--force) - load a state saved on a different kind of PF (another vendor ID,
        model or firmware), and send the command to a PF that does not announce Intel live
        migration. Intel supports migration only between identical devices.
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
  - module: intel_lm.nvme.vf_save
  - module: intel_lm.nvme.vf_state
'''

EXAMPLES = r'''
- name: Load a state into VF 1 of /dev/nvme1 and run it
  block:
    - name: Suspend the destination VF
      intel_lm.nvme.vf_state:
        device: /dev/nvme1
        vf: 1
        state: suspended

    - name: Load the state
      intel_lm.nvme.vf_load:
        device: /dev/nvme1
        vf: 1
        path: /var/tmp/vf3.blob

    - name: Resume the destination VF
      intel_lm.nvme.vf_state:
        device: /dev/nvme1
        vf: 1
        state: running
  become: true
'''

RETURN = r'''
device:
  description: The PF's device path.
  returned: success, not with check mode
  type: str
  sample: /dev/nvme1
vf:
  description: The VF's index.
  returned: success, not with check mode
  type: int
  sample: 1
size:
  description: The state's size in bytes.
  returned: success, not with check mode
  type: int
  sample: 2712
input_file:
  description: The file loaded.
  returned: success, not with check mode
  type: str
  sample: /var/tmp/vf3.blob
source_vf:
  description: The VF the state was saved from.
  returned: success, not with check mode
  type: int
  sample: 3
raw:
  description: Whether the file holds the bare state (always false here).
  returned: success, not with check mode
  type: bool
changed:
  description: Whether the program loaded (with check mode, would load) the state.
  returned: always
  type: bool
effect:
  description: C(done), C(none) (failed, nothing in doubt) or C(unknown) (the LOAD_DATA's
    effect is unknown; do not repeat it).
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
  description: The program's remarks that are not errors (for example a state loaded into
    another VF index than it was saved from).
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
            path=dict(type='path', required=True, aliases=['src']),
            force=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    # "-" would read the state from the module's standard input.
    if p['path'] == '-':
        module.fail_json(msg='path: name a file', changed=False, effect='none')
    run = IntelLm(module).run('load', [p['device'], '--vf=%d' % p['vf'],
                                       '--input-file=%s' % p['path']],
                              dry_run=module.check_mode, force=p['force'])
    finish(module, run, state_changing=True)


if __name__ == '__main__':
    main()
