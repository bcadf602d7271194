/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libintel-lm: cold migration of Intel IPU NVMe VFs through the PF's admin queue.
 */
#ifndef LIBINTEL_LM_H
#define LIBINTEL_LM_H

#include <intel-lm/blob.h>
#include <intel-lm/claim.h>
#include <intel-lm/cmd.h>
#include <intel-lm/ctrl.h>
#include <intel-lm/dev.h>
#include <intel-lm/effect.h>
#include <intel-lm/identity.h>
#include <intel-lm/limits.h>
#include <intel-lm/lock.h>
#include <intel-lm/migrate.h>
#include <intel-lm/outfile.h>
#include <intel-lm/pf.h>
#include <intel-lm/pfid.h>
#include <intel-lm/proto.h>
#include <intel-lm/record.h>
#include <intel-lm/rule.h>
#include <intel-lm/status.h>
#include <intel-lm/tp4159.h>
#include <intel-lm/version.h>
#include <intel-lm/vf.h>

#endif /* LIBINTEL_LM_H */
