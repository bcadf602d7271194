/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: the five Intel live migration admin commands.
 *
 * Each command goes to the admin queue of the PF (e.g. /dev/nvme0) and names the VF in
 * CDW10[15:0]. The VF index is 1-based: it equals the Virtual Function Number (VFN) of the
 * Secondary Controller List, and sysfs virtfnN of the PF is VF index N + 1.
 */
#ifndef INTEL_LM_CMD_H
#define INTEL_LM_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum intel_lm_opcode - Intel vendor-specific admin opcodes for VF live migration
 * @INTEL_LM_OPC_QUERY_DATA_SIZE: query the VF's state size; CQE DW0 holds the size in bytes
 * @INTEL_LM_OPC_SUSPEND:	  suspend the VF controller
 * @INTEL_LM_OPC_RESUME:	  resume (restart) the VF controller
 * @INTEL_LM_OPC_SAVE_DATA:	  controller to host: the VF's state, exactly the queried size
 * @INTEL_LM_OPC_LOAD_DATA:	  host to controller: a saved state; CDW11 = its size in bytes
 *
 * The low two bits give the data direction as the NVMe specification requires
 * (00b none, 10b controller to host, 01b host to controller).
 */
enum intel_lm_opcode {
	INTEL_LM_OPC_QUERY_DATA_SIZE	= 0xc4,
	INTEL_LM_OPC_SUSPEND		= 0xc8,
	INTEL_LM_OPC_RESUME		= 0xcc,
	INTEL_LM_OPC_SAVE_DATA		= 0xd2,
	INTEL_LM_OPC_LOAD_DATA		= 0xd5,
};

/**
 * INTEL_LM_OPC_IDENTIFY - the NVMe Identify admin opcode (06h), which the library also sends
 * and reports in traces and errors
 */
#define INTEL_LM_OPC_IDENTIFY	0x06

/** INTEL_LM_VF_MIN - the lowest VF index; 0 names no VF */
#define INTEL_LM_VF_MIN		1
/** INTEL_LM_VF_MAX - the highest VF index CDW10[15:0] can carry */
#define INTEL_LM_VF_MAX		65535

/** INTEL_LM_SQE_SIZE - size in bytes of an NVMe submission queue entry */
#define INTEL_LM_SQE_SIZE	64

/**
 * struct intel_lm_cmd - an admin command as the library submits it
 * @opcode:	the opcode
 * @flags:	CDW0 bits 15:8 (FUSE, PSDT); always 0 for the Intel commands
 * @nsid:	namespace ID; 0 for the Intel commands
 * @cdw2:	command dword 2
 * @cdw3:	command dword 3
 * @metadata:	metadata buffer address; unused
 * @addr:	the data buffer's address, 0 when the command moves no data
 * @metadata_len: metadata length; unused
 * @data_len:	the data length in bytes
 * @cdw10:	command dword 10; CDW10[15:0] is the 1-based VF index for the Intel commands
 * @cdw11:	command dword 11; the state size for LOAD_DATA
 * @cdw12:	command dword 12
 * @cdw13:	command dword 13
 * @cdw14:	command dword 14
 * @cdw15:	command dword 15
 * @timeout_ms:	the timeout the command was submitted with; 0 = the kernel's default
 * @reserved:	zero; room for fields a later version adds
 *
 * The library's own type, so that the public headers need no libnvme header and read the same
 * whichever libnvme generation the library was built with. The submission back end copies it
 * into that generation's passthrough structure.
 */
struct intel_lm_cmd {
	uint8_t opcode;
	uint8_t flags;
	uint16_t rsvd1;
	uint32_t nsid;
	uint32_t cdw2;
	uint32_t cdw3;
	uint64_t metadata;
	uint64_t addr;
	uint32_t metadata_len;
	uint32_t data_len;
	uint32_t cdw10;
	uint32_t cdw11;
	uint32_t cdw12;
	uint32_t cdw13;
	uint32_t cdw14;
	uint32_t cdw15;
	uint32_t timeout_ms;
	uint32_t reserved[7];
};

/**
 * typedef intel_lm_trace_fn - called for every command the library sends or would send
 * @priv:	the caller's pointer from &struct intel_lm_opts
 * @cmd:	the command as it was (or would have been) submitted
 * @ret:	0, a positive NVMe status or a negative errno; 0 for a dry run
 * @result:	CQE DW0 (0 for a dry run)
 * @elapsed_ns:	time spent in the kernel, in nanoseconds (0 for a dry run)
 * @dry_run:	true when the command was not sent
 */
typedef void (*intel_lm_trace_fn)(void *priv, const struct intel_lm_cmd *cmd, int ret,
				  uint32_t result, uint64_t elapsed_ns, bool dry_run);

/**
 * struct intel_lm_opts - how commands are submitted
 * @timeout_ms:	command timeout in milliseconds; 0 = the kernel's default
 *		(nvme_core.admin_timeout, 60 s)
 * @dry_run:	build and trace the vendor commands but send none of them. Identify, which
 *		changes nothing on the device, is still sent.
 * @trace:	optional; called after each command, or instead of it for a dry run
 * @trace_priv:	passed to @trace
 * @reserved:	zero (initialise the whole structure, e.g. with ``= { 0 }``): room for
 *		options a later version adds, which then mean "as before" when zero
 *
 * A NULL &struct intel_lm_opts pointer means all defaults.
 */
struct intel_lm_opts {
	uint32_t timeout_ms;
	bool dry_run;
	intel_lm_trace_fn trace;
	void *trace_priv;
	void *reserved[6];
};

/**
 * intel_lm_opcode_name() - The name of an Intel live migration opcode
 * @opcode:	an opcode
 *
 * Return: "QUERY_DATA_SIZE", "SUSPEND", "RESUME", "SAVE_DATA", "LOAD_DATA", "IDENTIFY" for
 * %INTEL_LM_OPC_IDENTIFY, "MIGRATION_SEND" and "MIGRATION_RECV" for TP4159's 41h and 42h, or
 * "UNKNOWN". Never NULL.
 */
const char *intel_lm_opcode_name(uint8_t opcode);

/**
 * intel_lm_cmd_init() - Build one Intel live migration command
 * @cmd:	the command to fill; every field is written
 * @opcode:	one of &enum intel_lm_opcode
 * @vf:		the 1-based VF index, 1 to 65535
 * @buf:	the data buffer: SAVE_DATA and LOAD_DATA only, NULL otherwise
 * @len:	the data length in bytes: SAVE_DATA and LOAD_DATA only, 0 otherwise
 *
 * A pure function: opcode, CDW10[15:0] = @vf, for LOAD_DATA CDW11 = @len, the data pointer and
 * length for SAVE_DATA and LOAD_DATA, and every other field zero. It does not check @len
 * against any device limit; intel_lm_check_size() does.
 *
 * Return: 0, or -EINVAL when @opcode is not one of the five, @vf is 0, or @buf and @len do not
 * fit the opcode's data direction (the command is then zeroed).
 */
int intel_lm_cmd_init(struct intel_lm_cmd *cmd, uint8_t opcode, uint16_t vf, void *buf,
		      uint32_t len);

/**
 * intel_lm_submit() - Submit a command on the PF's admin queue
 * @fd:		the PF's controller character device (intel_lm_pf_fd())
 * @cmd:	the command; its timeout is set from @opts
 * @opts:	submission options, or NULL for the defaults
 * @result:	optional; CQE DW0, written also when a status comes back
 *
 * Sends @cmd exactly once through the kernel's admin passthrough ioctl, whatever program the
 * library is linked into: a command cancelled by a timeout may or may not have taken effect,
 * so nothing re-sends it (nvme-cli 2.14 and later replace libnvme 1.x's submission with one
 * that re-sends on EINTR, and libnvme3 lets its host program decide on retries). With
 * @opts->dry_run and an Intel opcode nothing is sent and 0 comes back with *@result = 0.
 * A buffer that touches more than %INTEL_LM_KERNEL_MAX_SEGS pages and needs more segments than
 * the kernel maps in one command (see intel_lm_state_alloc()) is not sent: the kernel would
 * refuse it with a bare EINVAL.
 *
 * Return: 0 on success, a positive NVMe status (SC, SCT, CRD, More and DNR bits as the
 * controller returned them), -EMSGSIZE for such a buffer (nothing sent), or a negative errno
 * from the kernel (-EINTR when a timeout cancelled the command, -EINVAL for a transfer above
 * the kernel's limits, ...).
 */
int intel_lm_submit(int fd, struct intel_lm_cmd *cmd, const struct intel_lm_opts *opts,
		    uint32_t *result);

/**
 * intel_lm_query_size() - QUERY_DATA_SIZE: the VF's migration state size
 * @fd:		the PF's controller character device
 * @vf:		the 1-based VF index
 * @opts:	submission options, or NULL
 * @size:	the size in bytes, from CQE DW0; 0 on error or for a dry run
 *
 * The size depends on the VF's I/O queue count: suspend the VF first so it cannot change.
 * The value is the device's word and is not checked here; see intel_lm_check_size().
 *
 * Return: 0, a positive NVMe status, or a negative errno.
 */
int intel_lm_query_size(int fd, uint16_t vf, const struct intel_lm_opts *opts, uint32_t *size);

/**
 * intel_lm_suspend() - SUSPEND: stop the VF controller
 * @fd:		the PF's controller character device
 * @vf:		the 1-based VF index
 * @opts:	submission options, or NULL
 *
 * Return: 0, a positive NVMe status, or a negative errno.
 */
int intel_lm_suspend(int fd, uint16_t vf, const struct intel_lm_opts *opts);

/**
 * intel_lm_resume() - RESUME: restart the VF controller
 * @fd:		the PF's controller character device
 * @vf:		the 1-based VF index
 * @opts:	submission options, or NULL
 *
 * Return: 0, a positive NVMe status, or a negative errno.
 */
int intel_lm_resume(int fd, uint16_t vf, const struct intel_lm_opts *opts);

/**
 * intel_lm_save() - SAVE_DATA: copy the VF's state into @buf
 * @fd:		the PF's controller character device
 * @vf:		the 1-based VF index
 * @buf:	a buffer of exactly @len bytes
 * @len:	the size QUERY_DATA_SIZE reported; the command has no length field, so the
 *		device writes exactly that many bytes
 * @opts:	submission options, or NULL
 *
 * The device also drains the VF's I/O queues and disables the VF controller.
 *
 * Return: 0, a positive NVMe status, or a negative errno (-EINVAL for @len 0 or a NULL @buf).
 */
int intel_lm_save(int fd, uint16_t vf, void *buf, uint32_t len, const struct intel_lm_opts *opts);

/**
 * intel_lm_load() - LOAD_DATA: restore a VF's state from @buf
 * @fd:		the PF's controller character device
 * @vf:		the 1-based VF index (it may differ from the VF the state was saved from)
 * @buf:	the state, as SAVE_DATA returned it
 * @len:	its size in bytes, sent in CDW11 and as the data length
 * @opts:	submission options, or NULL
 *
 * Return: 0, a positive NVMe status, or a negative errno (-EINVAL for @len 0 or a NULL @buf).
 */
int intel_lm_load(int fd, uint16_t vf, const void *buf, uint32_t len,
		  const struct intel_lm_opts *opts);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_CMD_H */
