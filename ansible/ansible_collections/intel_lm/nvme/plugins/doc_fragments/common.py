# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The options and notes every intel_lm.nvme module shares.

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  device:
    description:
      - The PF's NVMe controller character device on the managed host, for example
        C(/dev/nvme0) (C(nvme0) is taken as C(/dev/nvme0)).
      - The module hands it to the program as it is; the program checks it (a namespace, a
        VF's own controller or anything else that is not a PF is refused before anything is
        sent).
    type: str
    required: true
  executable:
    description:
      - The nvme-intel-lm program on the managed host. A path, or a command of several words
        split as a shell would, such as C(nvme intel-lm) for an nvme-cli built with the
        plugin, or a wrapper that sets the environment the program needs.
      - When not set, C(nvme-intel-lm) is looked up in C(PATH).
    type: str
  timeout:
    description:
      - The timeout of each admin command, in milliseconds (the program's C(--timeout)).
      - When not set, the program's default applies (the kernel's admin timeout).
      - A command that outlasts its timeout makes the kernel reset the PF, which can take all
        of its VFs offline; a timeout shorter than the kernel's (C(nvme_core.admin_timeout),
        60 s by default) therefore draws a warning, and the command runs all the same. See
        intel-lm-cold-migration(7), THE ADMIN TIMEOUT.
    type: int
notes:
  - The module runs the program with C(--output-format=json) and returns its JSON document
    (see nvme-intel-lm(1), JSON OUTPUT, and intel-lm-json(7)); it leaves every check of the
    device to the program and never opens or stats the device itself.
  - Run it as root (C(become)), since the vendor commands need CAP_SYS_ADMIN.
  - A failure returns the program's C(error) object, its exit status (C(rc) and
    C(exit_status)) and C(effect). When C(effect) is C(unknown), never simply run the task
    again; see what C(nvme-intel-lm status) says and settle it with C(nvme-intel-lm recover).
requirements:
  - intel-lm's C(nvme-intel-lm) (or an nvme-cli built with the intel-lm plugin) on the
    managed host
'''
