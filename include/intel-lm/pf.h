/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: a PF as one handle: its controller device (path, name, descriptor), its identity
 * (Identify Controller and the PF key of the record and the locks), the largest state it can
 * move, and its VFs. What a program needs to work on a PF, in one place that can grow.
 */
#ifndef INTEL_LM_PF_H
#define INTEL_LM_PF_H

#include <stdint.h>

#include <intel-lm/cmd.h>
#include <intel-lm/ctrl.h>
#include <intel-lm/dev.h>
#include <intel-lm/limits.h>
#include <intel-lm/pfid.h>
#include <intel-lm/proto.h>
#include <intel-lm/vf.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An opened PF: an opaque handle, created by intel_lm_pf_open(), freed by intel_lm_pf_close(). */
struct intel_lm_pf;

/**
 * intel_lm_pf_open() - Open a PF's controller character device
 * @arg:	what the user wrote: "/dev/nvme0", "nvme0" (taken as /dev/nvme0), or a path
 * @sysfs:	the sysfs mount point, NULL for "/sys"; kept for the PF key and the VFs' PCI
 *		addresses
 * @pf:		set to the new handle on success, NULL otherwise
 * @kind:	optional; what @arg turned out to be, also when it is refused
 * @name:	optional, room for %INTEL_LM_DEV_NAME_LEN bytes: the controller's name (for a
 *		namespace, the controller it belongs to; "" when there is none), also when @arg
 *		is refused
 *
 * Nothing is sent: intel_lm_pf_identify() sends Identify next.
 *
 * Return: 0; -ENOENT, -EACCES, -EPERM or another errno of open(2),
 * -ENOTTY for a namespace or something else, -EREMOTEIO for a VF's own controller; -ENOMEM.
 */
int intel_lm_pf_open(const char *arg, const char *sysfs, struct intel_lm_pf **pf,
		     enum intel_lm_dev_kind *kind, char *name);

/**
 * intel_lm_pf_identify() - Identify the PF: its identity, its PF key and its state limit
 * @pf:		an opened PF
 * @opts:	submission options (timeout, trace), or NULL
 *
 * Sends Identify Controller (also for a dry run), then works out the PF key (from the device
 * number through sysfs, never from the name) and the largest state the PF can move.
 *
 * Return: 0 (intel_lm_pf_info()->support has the verdict), a positive NVMe status, or a
 * negative errno.
 */
int intel_lm_pf_identify(struct intel_lm_pf *pf, const struct intel_lm_opts *opts);

/**
 * intel_lm_pf_close() - Close a PF and free its handle
 * @pf:		the PF, or NULL
 */
void intel_lm_pf_close(struct intel_lm_pf *pf);

/**
 * intel_lm_pf_fd() - The PF's descriptor, for the fd-based commands (intel_lm_suspend(), ...)
 * @pf:		an opened PF
 *
 * Return: the read-only descriptor of the controller character device; owned by @pf.
 */
int intel_lm_pf_fd(const struct intel_lm_pf *pf);

/**
 * intel_lm_pf_path() - The path that was opened
 * @pf:		an opened PF
 *
 * Return: e.g. "/dev/nvme0"; never NULL.
 */
const char *intel_lm_pf_path(const struct intel_lm_pf *pf);

/**
 * intel_lm_pf_name() - The controller's name
 * @pf:		an opened PF
 *
 * Return: e.g. "nvme0"; never NULL.
 */
const char *intel_lm_pf_name(const struct intel_lm_pf *pf);

/**
 * intel_lm_pf_info() - What Identify Controller said
 * @pf:		a PF after intel_lm_pf_identify()
 *
 * Return: the identity and the support verdict (all zero before Identify); never NULL.
 */
const struct intel_lm_ctrl_info *intel_lm_pf_info(const struct intel_lm_pf *pf);

/**
 * intel_lm_pf_id() - The PF's key and PCI address, which name its records and locks
 * @pf:		a PF after intel_lm_pf_identify()
 *
 * Return: never NULL (the key is "" before Identify).
 */
const struct intel_lm_pf_id *intel_lm_pf_id(const struct intel_lm_pf *pf);

/**
 * intel_lm_pf_limit() - The largest state one SAVE_DATA or LOAD_DATA can move on this PF
 * @pf:		a PF after intel_lm_pf_identify()
 *
 * Return: never NULL.
 */
const struct intel_lm_limit *intel_lm_pf_limit(const struct intel_lm_pf *pf);

/**
 * intel_lm_pf_set_max_state() - Lower the state limit for this PF
 * @pf:		a PF after intel_lm_pf_identify()
 * @max_bytes:	the caller's limit; it never raises what the PF and the kernel allow
 *
 * Return: 0, or -EINVAL for 0.
 */
int intel_lm_pf_set_max_state(struct intel_lm_pf *pf, uint32_t max_bytes);

/**
 * intel_lm_pf_list_vfs() - List the PF's VFs (Identify Secondary Controller List, sysfs)
 * @pf:		a PF after intel_lm_pf_identify()
 * @opts:	submission options, or NULL
 *
 * Sent once: later calls return what the first one found. The PCI addresses come from sysfs.
 *
 * Return: 0, a positive NVMe status, or a negative errno (-EPROTO for a malformed list).
 */
int intel_lm_pf_list_vfs(struct intel_lm_pf *pf, const struct intel_lm_opts *opts);

/**
 * intel_lm_pf_vfs() - The PF's VFs, as intel_lm_pf_list_vfs() found them
 * @pf:		an opened PF
 *
 * Return: the list, empty until intel_lm_pf_list_vfs() succeeded; owned by @pf; never NULL.
 */
const struct intel_lm_vf_list *intel_lm_pf_vfs(const struct intel_lm_pf *pf);

/**
 * intel_lm_pf_proto() - The protocol the PF's VFs are migrated with
 * @pf:		an opened PF
 *
 * Return: the PF's protocol; Intel's vendor commands unless intel_lm_pf_identify() or
 * intel_lm_pf_use_protocol() chose another. Never NULL; valid while @pf is open.
 */
const struct intel_lm_proto *intel_lm_pf_proto(const struct intel_lm_pf *pf);

/**
 * intel_lm_pf_protocols() - The protocols the PF offers
 * @pf:		an identified PF
 *
 * Return: a bit mask: 1 << %INTEL_LM_PROTO_INTEL when Identify Controller byte 3072 announces
 * Intel's commands on an Intel controller, 1 << %INTEL_LM_PROTO_TP4159 when OACS bit 11
 * (HMLMS) is set, on any vendor's.
 */
unsigned int intel_lm_pf_protocols(const struct intel_lm_pf *pf);

/**
 * intel_lm_pf_use_protocol() - Choose the protocol the PF's VFs are migrated with
 * @pf:		an identified PF
 * @protocol:	%INTEL_LM_PROTO_INTEL, %INTEL_LM_PROTO_TP4159, or %INTEL_LM_PROTO_AUTO: Intel's
 *		commands where the PF offers them (also when it offers both), else TP4159 where
 *		it offers that, else Intel's (whose support the caller checks, as before)
 * @opts:	submission options for the Identify it may send, or NULL
 *
 * intel_lm_pf_identify() makes the %INTEL_LM_PROTO_AUTO choice. For TP4159 the controller
 * state format is read from Identify CNS 20h (Supported Controller State Formats): CSVI 1,
 * the first NVMe Controller State Version, when it lists one, else 0 (the controller's own).
 *
 * Return: 0; -EOPNOTSUPP for TP4159 on a PF without HMLMS (nothing changed); -EINVAL for an
 * unknown @protocol; or what Identify CNS 20h returned (a positive status or a negative errno).
 */
int intel_lm_pf_use_protocol(struct intel_lm_pf *pf, unsigned int protocol,
			     const struct intel_lm_opts *opts);

/**
 * intel_lm_pf_send() - One migration step on one of the PF's VFs, over the PF's protocol
 * @pf:		an opened PF; for TP4159 its VFs listed (intel_lm_pf_list_vfs()), which give
 *		the VF's controller ID
 * @vf:		the 1-based VF index
 * @op:		the step, by Intel's opcode: %INTEL_LM_OPC_QUERY_DATA_SIZE, _SUSPEND,
 *		_RESUME, _SAVE_DATA or _LOAD_DATA, whatever protocol carries it
 * @buf:	SAVE_DATA and LOAD_DATA: the state buffer; NULL otherwise
 * @len:	SAVE_DATA and LOAD_DATA: its size in bytes; 0 otherwise
 * @opts:	submission options, or NULL
 * @result:	optional; QUERY_DATA_SIZE: the state size in bytes (0 on error); otherwise the
 *		last command's CQE DW0
 *
 * Each command goes out exactly once (intel_lm_submit()); a step that TP4159 carries in
 * several commands (a state larger than one transfer) stops at the first that fails.
 *
 * Return: 0, a positive NVMe status, or a negative errno (-EINVAL for an unknown @op or
 * protocol, or a @buf and @len that do not fit @op).
 */
int intel_lm_pf_send(const struct intel_lm_pf *pf, uint16_t vf, uint8_t op, void *buf,
		     uint32_t len, const struct intel_lm_opts *opts, uint32_t *result);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_PF_H */
