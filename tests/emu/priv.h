/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The emulated Intel IPU NVMe PF: what its parts share.
 *
 * config.c	the configuration file
 * state.c	the state shared by all processes: state file, locking, VF records, state bytes
 * blob.c	the content of a VF's migration state (header, body, CRC32)
 * device.c	the command model of the PF (and of a VF's own controller)
 * interpose.c	the libc overrides and the table of emulated descriptors
 * sysfs.c	the fake sysfs tree
 * trace.c	the per-command trace log
 * api.c	the C API of emu.h
 */
#ifndef INTEL_LM_EMU_PRIV_H
#define INTEL_LM_EMU_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include <libnvme.h>
#ifndef NVME_IOCTL_ADMIN_CMD
/* libnvme3 keeps the kernel's passthrough interface private: take it from the kernel. */
#include <linux/nvme_ioctl.h>
#endif

#include "emu.h"

/* the symbols the preload exports: the libc overrides and the API of emu.h */
#define EMU_EXPORT	__attribute__((visibility("default")))

#define EMU_ENV			"INTEL_LM_EMU"
#define EMU_NAME_LEN		32
#define EMU_MAX_VFS		512
#define EMU_NOPC		256

#define EMU_CHR_MAJOR		241	/* a dynamic character major, as nvme's controllers get */
#define EMU_BLK_MAJOR		259	/* blkext, as NVMe namespaces get */
#define EMU_VFDEV_MINOR		1024	/* the minor of the first `[vf]` controller */

/* the kernel's default admin command timeout (nvme_core.admin_timeout) when timeout_ms is 0 */
#define EMU_KERNEL_TIMEOUT_MS	60000u
/* the Linux 6.1 NVMe driver's cap on one transfer */
#define EMU_KERNEL_MAX_XFER	(4u << 20)
#define EMU_PAGE_SIZE		4096u

/* the five Intel opcodes */
#define EMU_OPC_QUERY		0xc4
#define EMU_OPC_SUSPEND		0xc8
#define EMU_OPC_RESUME		0xcc
#define EMU_OPC_SAVE		0xd2
#define EMU_OPC_LOAD		0xd5

/* NVMe TP4159's two */
#define EMU_OPC_MIG_SEND	0x41
#define EMU_OPC_MIG_RECV	0x42

/* hostile modes, bits of emu_pf.hostile */
enum emu_hostile {
	EMU_HOSTILE_SIZE0		= 1 << 0,
	EMU_HOSTILE_SIZE_HUGE		= 1 << 1,
	EMU_HOSTILE_SIZE_MAX		= 1 << 2,
	EMU_HOSTILE_SIZE_CHANGE		= 1 << 3,
	EMU_HOSTILE_STR_UNTERMINATED	= 1 << 4,
	EMU_HOSTILE_STR_CONTROL		= 1 << 5,
	EMU_HOSTILE_SECLIST_OVERFLOW	= 1 << 6,
	EMU_HOSTILE_SECLIST_DUP		= 1 << 7,
	EMU_HOSTILE_HANG		= 1 << 8,
};

/**
 * struct emu_fault - one `fault = OPC NTH WHAT [apply]` line
 * @opcode:	the opcode it applies to
 * @nth:	the 1-based command count (per PF and opcode, since setup) that fails
 * @status:	the NVMe status to return, or 0 when @err or @hang is set
 * @err:	the errno to fail with (ioctl returns -1), or 0
 * @hang:	the command is never answered: it waits for the timeout, then fails -1/EINTR
 * @apply:	the command takes effect before it fails
 */
struct emu_fault {
	uint8_t opcode;
	uint32_t nth;
	int status;
	int err;
	bool hang;
	bool apply;
};

struct emu_vf_cfg {
	uint16_t nvq;
	uint16_t nvi;
	uint32_t size;		/* 0: follows the VQ count */
	bool online;
};

struct emu_pf {
	char name[EMU_NAME_LEN];
	char *path;		/* /dev/NAME */
	char *ns_path;		/* PATH + "n1" */
	unsigned int index;	/* order in the configuration file */
	uint16_t vid;
	uint16_t ssvid;
	uint16_t pci_device;
	uint16_t pci_vf_device;
	char serial[21];
	char model[41];
	char firmware[9];
	uint8_t mdts;
	uint16_t cntlid;
	uint8_t lm;
	unsigned int nvfs;
	struct emu_vf_cfg *vf;	/* vf[i - 1] is VF index i */
	uint32_t pci_rid;	/* domain << 16 | bus << 8 | devfn of the PF */
	unsigned int foreign;
	uint32_t latency_us;
	int64_t latency_op[EMU_NOPC];	/* -1: latency_us */
	uint32_t completion_delay[EMU_NOPC];	/* us from the effect to the completion */
	bool strict;		/* SUSPEND and RESUME check the VF's state */
	bool tp4159;		/* TP4159's Migration Send/Receive, OACS bit 11 (HMLMS) */
	bool hang_reset;	/* a command that hangs resets the PF: its VFs go offline */
	struct emu_fault *faults;
	unsigned int nfaults;
	unsigned int hostile;
};

/* a `[vf NAME]` section: a VF's own controller */
struct emu_vfdev {
	char name[EMU_NAME_LEN];
	char *path;
	unsigned int pf;	/* index into emu_config.pf */
	uint16_t vf;
};

struct emu_config {
	char *file;
	char *state;
	char *trace;
	char *progress;	/* a test hook: where each command's steps are appended */
	char *sysfs;
	uint32_t admin_timeout_ms;
	uint32_t kernel_admin_timeout;	/* seconds, in the fake sysfs; 0: no such file */
	struct emu_pf *pf;
	unsigned int npf;
	struct emu_vfdev *vfdev;
	unsigned int nvfdev;
};

/* config.c */
int emu_config_load(const char *file, struct emu_config **cfgp);
void emu_config_free(struct emu_config *cfg);
const struct emu_pf *emu_config_pf(const struct emu_config *cfg, const char *name);
void emu_pci_addr(uint32_t rid, char *buf, size_t len);
uint32_t emu_vf_rid(const struct emu_pf *pf, unsigned int vf);

/* interpose.c: the real libc functions, for the emulator's own use */
int emu_real_open(const char *path, int flags, mode_t mode);
int emu_real_close(int fd);
const struct emu_config *emu_cfg(void);
int emu_cfg_reload(void);

/* blob.c: a VF's migration state content */
#define EMU_BLOB_MIN		64u
#define EMU_BLOB_PROTECTED	0x1u	/* flags: a SAVE_DATA that succeeded copied it out */
struct emu_blob_origin {
	char serial[21];
	uint16_t vf;
	uint16_t nvq;
	uint32_t gen;
	uint32_t size;
	uint32_t flags;
	uint64_t lineage;
};
/* what a generated state is made of */
struct emu_blob_id {
	const char *serial;
	uint16_t vf;
	uint16_t nvq;
	uint32_t gen;
	uint32_t flags;
	uint64_t lineage;
};
uint32_t emu_state_size(uint16_t nvq);
void emu_blob_generate(void *buf, uint32_t size, const struct emu_blob_id *id);
void emu_blob_update(void *buf, uint32_t len, bool evolve, uint32_t flags);
int emu_blob_check(const void *buf, size_t len, struct emu_blob_origin *origin);

/* state.c: the state shared by all processes */
struct emu_vf_rec {
	uint8_t state;		/* enum emu_vf_state */
	uint8_t loaded;		/* the bytes are in the VF's blob file */
	uint16_t nvq;
	uint32_t size;
	uint32_t size_seq;	/* size-change: QUERY count */
	uint8_t reset;		/* a PF reset took it offline with its VQ and VI resources */
	// cppcheck-suppress unusedStructMember ; the file format's reserved bytes, always 0
	uint8_t rsvd[3];
	/* the generated content (not loaded): its generation, flags and lineage */
	uint32_t gen;
	uint32_t flags;
	uint64_t lineage;
	uint32_t fresh;		/* fresh states this VF was given since setup */
	uint32_t seq_next;	/* TP4159: bytes a Set Controller State sequence has; 0: none */
};

struct emu_state {
	int fd;
	const struct emu_config *cfg;
};

int emu_state_open(const struct emu_config *cfg, struct emu_state *st);
void emu_state_close(struct emu_state *st);
int emu_state_reset(const struct emu_config *cfg);
int emu_state_lock_vf(struct emu_state *st, unsigned int pf, uint16_t vf, bool write);
int emu_state_get_vf(struct emu_state *st, unsigned int pf, uint16_t vf, struct emu_vf_rec *rec);
/* VFs @first to @first + @n - 1, in one read (the Secondary Controller List) */
int emu_state_get_vfs(struct emu_state *st, unsigned int pf, uint16_t first, unsigned int n,
		      struct emu_vf_rec *recs);
int emu_state_put_vf(struct emu_state *st, unsigned int pf, uint16_t vf,
		     const struct emu_vf_rec *rec);
int emu_state_count(struct emu_state *st, unsigned int pf, uint8_t opcode, uint32_t *count);
int emu_state_counter(struct emu_state *st, unsigned int pf, uint8_t opcode, uint32_t *count);
int emu_state_pf_reset(const struct emu_config *cfg, unsigned int pf);
int emu_state_vf_online(const struct emu_config *cfg, unsigned int pf, uint16_t vf);
void emu_state_fresh(struct emu_state *st, unsigned int pf, uint16_t vf, struct emu_vf_rec *rec);
int emu_state_read_bytes(struct emu_state *st, unsigned int pf, uint16_t vf,
			 const struct emu_vf_rec *rec, void *buf, uint32_t len);
int emu_state_write_bytes(struct emu_state *st, unsigned int pf, uint16_t vf, const void *buf,
			  uint32_t len);
int emu_state_seq_write(struct emu_state *st, unsigned int pf, uint16_t vf, uint64_t off,
			const void *buf, uint32_t len);
int emu_state_seq_read(struct emu_state *st, unsigned int pf, uint16_t vf, void *buf,
		       uint32_t len);

/* device.c: the command model */
enum emu_target_kind {
	EMU_TARGET_PF = 0,
	EMU_TARGET_NS,
	EMU_TARGET_VF,
};

/*
 * The device number stat(2) reports for an emulated device (@idx: its index in the
 * configuration's pf[] or vfdev[]), and the one the fake sysfs tree names in dev/char.
 */
static inline dev_t emu_rdev(enum emu_target_kind kind, unsigned int idx)
{
	if (kind == EMU_TARGET_NS)
		return makedev(EMU_BLK_MAJOR, idx);
	return makedev(EMU_CHR_MAJOR, kind == EMU_TARGET_VF ? EMU_VFDEV_MINOR + idx : idx);
}

uint32_t emu_max_xfer(const struct emu_pf *pf);
int emu_dev_admin(const struct emu_config *cfg, enum emu_target_kind kind, unsigned int idx,
		  struct nvme_passthru_cmd *cmd);

/* sysfs.c */
int emu_sysfs_create(const struct emu_config *cfg);

/* trace.c */
void emu_trace(const struct emu_config *cfg, const char *dev, const struct nvme_passthru_cmd *cmd,
	       int status, int err, uint32_t result);
void emu_progress(const struct emu_config *cfg, const char *dev,
		  const struct nvme_passthru_cmd *cmd, const char *step, int64_t wait_ms);
const char *emu_errno_name(int err);
int emu_errno_parse(const char *name);

/* helpers */
void emu_sleep_us(uint64_t us);
int emu_write_all(int fd, const void *buf, size_t len);

#endif /* INTEL_LM_EMU_PRIV_H */
