#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: vf_info
short_description: Show an Intel IPU NVMe PF, its VFs and their recorded migration states
version_added: 1.0.0
description:
  - Runs C(nvme-intel-lm info) - whether the PF supports migration (Intel's or TP4159's), its
    identity, the largest state it can move and its VFs - and C(nvme-intel-lm status --vf=all), intel-lm's
    record of what it did to each VF, and returns the first document with each VF's record
    merged into its entry of C(vfs).
  - Sends Identify commands only; changes nothing, also outside check mode.
  - A VF cannot be asked what state it is in. C(state) is what intel-lm's record says, not a
    reading of the device.
author:
  - intel-lm developers
options: {}
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
'''

EXAMPLES = r'''
- name: Read /dev/nvme0
  intel_lm.nvme.vf_info:
    device: /dev/nvme0
  become: true
  register: pf

- name: Stop unless it supports live migration
  ansible.builtin.assert:
    that: pf.live_migration
    fail_msg: "{{ pf.reason }}"

- name: List the VFs intel-lm left suspended
  ansible.builtin.debug:
    msg: "{{ pf.vfs | selectattr('state', 'equalto', 'suspended') | map(attribute='vf') | list }}"

- name: Stop when a VF needs settling first
  ansible.builtin.fail:
    msg: "{{ pf.vfs | selectattr('unresolved') | map(attribute='next') | list }}"
  when: pf.unresolved_vfs | length > 0
'''

RETURN = r'''
device:
  description: The PF's device path.
  returned: success
  type: str
  sample: /dev/nvme0
live_migration:
  description: Whether the PF supports Intel live migration.
  returned: success
  type: bool
reason:
  description: Why it does or does not.
  returned: success
  type: str
lm_byte:
  description: Identify Controller byte 3072.
  returned: success
  type: int
vendor_id:
  description: The PCI vendor ID (32902 is 8086h).
  returned: success
  type: int
subsystem_vendor_id:
  description: The PCI subsystem vendor ID.
  returned: success
  type: int
model:
  description: The model number.
  returned: success
  type: str
serial:
  description: The serial number.
  returned: success
  type: str
firmware:
  description: The firmware revision.
  returned: success
  type: str
controller_id:
  description: The controller ID.
  returned: success
  type: int
mdts:
  description: The maximum data transfer size (2^mdts pages of 4 KiB).
  returned: success
  type: int
max_state_size:
  description: The largest state the PF can move, in bytes.
  returned: success
  type: int
max_state_size_limited_by:
  description: Which limit decides it.
  returned: success
  type: str
pf_key:
  description: The PF's key in the record and the locks (nvme-intel-lm(1), THE PF KEY).
  returned: success, when the PF has VFs
  type: str
  sample: pci-0000:3b:00.0
record_dir:
  description: The directory of intel-lm's record.
  returned: success, when the PF has VFs
  type: str
vfs:
  description:
    - One entry per VF, from C(info) - C(vf) (the index), C(secondary_controller_id),
      C(online), C(vq), C(vi), C(pci_address) (the VF's) - with the record's keys from
      C(status) - C(state) (C(running), C(suspended), C(saved), C(loaded) or C(unknown)),
      C(recorded), C(unresolved), C(pending), C(next), C(identity) and C(generation) (the
      state the VF holds), C(state_file), C(last_operation), C(since), C(pid), C(command),
      C(record_error) when they apply.
  returned: success
  type: list
  elements: dict
  sample: [{"vf": 1, "secondary_controller_id": 2, "online": true, "vq": 4, "vi": 2,
            "pci_address": "0000:3b:00.1", "state": "running", "recorded": false,
            "state_file": null, "unresolved": false, "next": null}]
unresolved_vfs:
  description: The indexes of the VFs whose record needs settling (see
    C(nvme-intel-lm recover)).
  returned: success
  type: list
  elements: int
changed:
  description: Always false.
  returned: always
  type: bool
effect:
  description: C(done), or on failure C(none) (nothing is sent that could change a VF).
  returned: always
  type: str
error:
  description: The program's error object (C(operation), C(device), C(status) or
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
json_version:
  description: The version of the program's JSON format.
  returned: when the program printed its document
  type: int
cmd:
  description: The command line that ran (the C(status) one when that failed).
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.intel_lm.nvme.plugins.module_utils.intel_lm import (
    IntelLm, argument_spec, finish)

# The keys of a status entry that describe the PF rather than the VF, or repeat info's.
PF_KEYS = ('pf', 'pci_address', 'device', 'vf')


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
    )
    lm = IntelLm(module)
    device = module.params['device']
    info = lm.run('info', [device])
    if info.effect != 'done' or not isinstance(info.doc.get('vfs'), list):
        finish(module, info, state_changing=False)
    vfs = info.doc['vfs']
    extra = dict(unresolved_vfs=[])
    if vfs:
        status = lm.run('status', [device, '--vf=all'], timeout=False)
        if status.effect != 'done' or not isinstance(status.doc.get('vfs'), list):
            finish(module, status, state_changing=False)
        recs = dict((r.get('vf'), r) for r in status.doc['vfs'] if isinstance(r, dict))
        for v in vfs:
            rec = recs.get(v.get('vf'), {})
            v.update((k, val) for k, val in rec.items() if k not in PF_KEYS)
            if rec.get('unresolved') or rec.get('state') == 'unknown':
                extra['unresolved_vfs'].append(v.get('vf'))
            if 'pf' in rec:
                extra['pf_key'] = rec['pf']
        extra['record_dir'] = status.doc.get('record_dir')
    finish(module, info, state_changing=False, extra=extra)


if __name__ == '__main__':
    main()
