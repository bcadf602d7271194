// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The command model: what the kernel and the emulated Intel IPU NVMe PF do with one admin
 * passthrough command (NVME_IOCTL_ADMIN_CMD), and what a VF's own controller does with it.
 *
 * Order of events, as on a real host:
 *	1. the kernel's checks (flags, transfer size cap), failing -1/errno;
 *	2. the command's latency (a sleep, outside any lock, so that processes overlap);
 *	3. under the state locks (state.c: the VF's own record, so that commands on different
 *	   VFs overlap as on a device): the per-PF per-opcode counter, an injected fault, the
 *	   model;
 *	4. for a command that hangs (hostile `hang`, a fault `hang`, an Intel command sent to a
 *	   VF's controller), the wait for the timeout, then -1/EINTR as after a controller reset,
 *	   and on the PF that reset (`hang_reset`): every VF of the PF goes offline;
 *	   for any other, its completion delay (a sleep outside the lock: the effect is there,
 *	   the completion not yet);
 *	5. one trace line.
 * With `progress` set, steps 2, 4 and the hang are announced as they begin (trace.c).
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "priv.h"

#define SC_INVALID_OPCODE	(NVME_SC_DNR | NVME_SC_INVALID_OPCODE)
#define SC_INVALID_FIELD	(NVME_SC_DNR | NVME_SC_INVALID_FIELD)
#define SC_SEQ_ERROR		(NVME_SC_DNR | NVME_SC_CMD_SEQ_ERROR)

#define HUGE_SIZE		(64u << 20)
#define SIZE_CHANGE_STEP	16u
#define FOREIGN_PCID_OFFSET	0x100	/* the other primary controller's ID: cntlid + this */
#define SECLIST_PAGE		127	/* entries per Secondary Controller List page */

/* TP4159 */
#define TP_OACS_HMLMS		(1u << 11)
#define TP_CNS_STATE_FORMATS	0x20
#define TP_STATE_VERSION	1	/* the one NVMe Controller State Version (CSVI 1) */
#define TP_HDR_LEN		48
#define TP_SEL_SUSPEND		0
#define TP_SEL_RESUME		1
#define TP_SEL_SET_STATE	2
#define TP_SEL_GET_STATE	0
#define TP_SEQ_MIDDLE		0
#define TP_SEQ_FIRST		1
#define TP_SEQ_LAST		2
#define TP_SEQ_ENTIRE		3

static bool tp_opcode(uint8_t opc)
{
	return opc == EMU_OPC_MIG_SEND || opc == EMU_OPC_MIG_RECV;
}

static bool intel_opcode(uint8_t opc)
{
	return opc == EMU_OPC_QUERY || opc == EMU_OPC_SUSPEND || opc == EMU_OPC_RESUME ||
	       opc == EMU_OPC_SAVE || opc == EMU_OPC_LOAD;
}

void emu_sleep_us(uint64_t us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

	if (!us)
		return;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts_ns(&ts);
}

/*
 * How much earlier than its latency a command wakes up, learned in each process (from 0, over
 * its first ten commands or so): the wake-up after a sleep and the model's work after it (about
 * 0.05 and 0.03 ms here), so that a command with a latency returns when its latency is over, as
 * a device would answer, instead of that much later on every command.
 */
static int64_t wake_early_ns;

/*
 * A command's latency: until @ns after @start (when the command reached the emulator), less
 * what the wake-up and the work after it take, with the calling thread's timer slack at its
 * least while it sleeps (the default 50 us slack, and the wake-up after it, made a "1 ms"
 * command take 1.13 ms on average here).
 */
static void latency_sleep(int64_t start, int64_t ns)
{
	int64_t early = __atomic_load_n(&wake_early_ns, __ATOMIC_RELAXED), t;
	struct timespec end;
	int slack;

	if (ns <= 0)
		return;
	t = start + ns - (early < ns / 2 ? early : ns / 2);
	end.tv_sec = t / 1000000000;
	end.tv_nsec = t % 1000000000;
	slack = prctl(PR_GET_TIMERSLACK);
	if (slack > 1)
		prctl(PR_SET_TIMERSLACK, 1UL);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL) == EINTR)
		;
	if (slack > 1)
		prctl(PR_SET_TIMERSLACK, (unsigned long)slack);
}

/* a command with latency @ns that began at @start is done: learn how late it is */
static void latency_done(int64_t start, int64_t ns)
{
	int64_t early = __atomic_load_n(&wake_early_ns, __ATOMIC_RELAXED);
	int64_t late = now_ns() - (start + ns);

	if (ns <= 0)
		return;
	/* a quarter of the error each time, one wake-up far off its usual time weighing little */
	if (late > ns / 8)
		late = ns / 8;
	if (late < -ns / 8)
		late = -ns / 8;
	early += late / 4;
	if (early < 0)
		early = 0;
	__atomic_store_n(&wake_early_ns, early, __ATOMIC_RELAXED);
}

/* a command that is never answered: the kernel's timeout fires and a reset cancels it */
static int hang(const struct emu_config *cfg, const char *dev,
		const struct nvme_passthru_cmd *cmd)
{
	uint32_t ms = cmd->timeout_ms ?: cfg->kernel_admin_timeout ?
		      cfg->kernel_admin_timeout * 1000 : EMU_KERNEL_TIMEOUT_MS;

	if (ms > cfg->admin_timeout_ms)
		ms = cfg->admin_timeout_ms;
	emu_progress(cfg, dev, cmd, "hangs", ms);
	emu_sleep_us((uint64_t)ms * 1000);
	return -EINTR;
}

/* the largest transfer the kernel lets through to the PF: 4 MiB, and 2^MDTS pages */
uint32_t emu_max_xfer(const struct emu_pf *pf)
{
	uint64_t max = EMU_KERNEL_MAX_XFER;

	if (pf->mdts && pf->mdts < 32 && ((uint64_t)EMU_PAGE_SIZE << pf->mdts) < max)
		max = (uint64_t)EMU_PAGE_SIZE << pf->mdts;
	return max;
}

/* what the kernel refuses before the controller sees the command */
static int kernel_check(const struct emu_pf *pf, const struct nvme_passthru_cmd *cmd)
{
	if (cmd->flags)
		return -EINVAL;
	if (cmd->data_len > emu_max_xfer(pf))
		return -EINVAL;
	if (cmd->data_len && !cmd->addr)
		return -EFAULT;
	return 0;
}

/* the fields no command of ours uses */
static bool reserved_clear(const struct nvme_passthru_cmd *cmd)
{
	return !cmd->nsid && !cmd->cdw2 && !cmd->cdw3 && !cmd->metadata && !cmd->metadata_len &&
	       !cmd->cdw12 && !cmd->cdw13 && !cmd->cdw14 && !cmd->cdw15;
}

static void fill_str(char *dst, size_t room, const char *src, unsigned int hostile, char base)
{
	size_t i, n;

	if (hostile & EMU_HOSTILE_STR_UNTERMINATED) {
		for (i = 0; i < room; i++)
			dst[i] = base + i % 26;
		return;
	}
	if (hostile & EMU_HOSTILE_STR_CONTROL) {
		static const char bad[] = { 'E', '\x01', 'M', '\x1b', '[', '2', 'J', '\n',
					    '\x7f', '\xff', '\t', '\x80', '%', 's', '\0', 'U' };

		for (i = 0; i < room; i++)
			dst[i] = bad[i % sizeof(bad)];
		return;
	}
	n = strnlen(src, room);
	memcpy(dst, src, n);
	memset(dst + n, ' ', room - n);
}

static void id_ctrl(const struct emu_pf *pf, uint16_t cntlid, struct nvme_id_ctrl *id)
{
	memset(id, 0, sizeof(*id));
	id->vid = htole16(pf->vid);
	id->ssvid = htole16(pf->ssvid);
	fill_str(id->sn, sizeof(id->sn), pf->serial, pf->hostile, 'A');
	fill_str(id->mn, sizeof(id->mn), pf->model, pf->hostile, 'a');
	fill_str(id->fr, sizeof(id->fr), pf->firmware, pf->hostile, 'K');
	id->rab = 6;
	id->mdts = pf->mdts;
	id->cntlid = htole16(cntlid);
	id->ver = htole32(0x00010400);
	id->oacs = htole16(NVME_CTRL_OACS_VIRT_MGMT | (pf->tp4159 ? TP_OACS_HMLMS : 0));
	id->acl = 3;
	id->aerl = 3;
	id->frmw = 0x02;
	id->lpa = 0x02;
	id->elpe = 63;
	id->sqes = 0x66;
	id->cqes = 0x44;
	id->nn = htole32(1);
	snprintf(id->subnqn, sizeof(id->subnqn), "nqn.2014.08.org.nvmexpress:%04x%04x%.20s",
		 pf->vid, pf->ssvid, pf->serial);
	id->vs[0] = pf->lm;
}

struct sec_entry {
	uint16_t scid, pcid, vfn, nvq, nvi;
	bool online;
};

static int sec_list(struct emu_state *st, const struct emu_pf *pf, uint16_t from, uint8_t *buf)
{
	struct nvme_secondary_ctrl_list *list = (void *)buf;
	struct nvme_secondary_ctrl *e;
	struct sec_entry s[SECLIST_PAGE];
	unsigned int i, n = 0, total = pf->nvfs + pf->foreign, first = 0, nrec = 0;
	struct emu_vf_rec recs[SECLIST_PAGE], *rec;
	int ret;

	/*
	 * The page's VF records in one read (a read each made the list of a PF of 256 VFs cost
	 * 256 system calls, spent in the command's time on top of its latency).
	 */
	while (first < pf->nvfs && (uint16_t)(pf->cntlid + 1 + first) < from)
		first++;
	if (first < pf->nvfs) {
		nrec = pf->nvfs - first < SECLIST_PAGE ? pf->nvfs - first : SECLIST_PAGE;
		ret = emu_state_get_vfs(st, pf->index, (uint16_t)(first + 1), nrec, recs);
		if (ret)
			return ret;
	}
	for (i = 0; i < total && n < SECLIST_PAGE; i++) {
		uint16_t scid = pf->cntlid + 1 + i;

		if (scid < from)
			continue;
		s[n].scid = scid;
		if (i < pf->nvfs) {
			rec = &recs[i - first];
			s[n].pcid = pf->cntlid;
			s[n].vfn = i + 1;
			s[n].nvq = rec->nvq;
			s[n].nvi = rec->reset ? 0 : pf->vf[i].nvi;
			s[n].online = pf->vf[i].online && !rec->reset;
		} else {
			s[n].pcid = pf->cntlid + FOREIGN_PCID_OFFSET;
			s[n].vfn = i - pf->nvfs + 1;
			s[n].nvq = 2;
			s[n].nvi = 1;
			s[n].online = true;
		}
		n++;
	}
	if (n >= 2 && (pf->hostile & EMU_HOSTILE_SECLIST_DUP))
		s[1].vfn = s[0].vfn;

	memset(buf, 0, NVME_IDENTIFY_DATA_SIZE);
	list->num = pf->hostile & EMU_HOSTILE_SECLIST_OVERFLOW ? 255 : n;
	for (i = 0; i < n; i++) {
		e = &list->sc_entry[i];
		e->scid = htole16(s[i].scid);
		e->pcid = htole16(s[i].pcid);
		e->scs = s[i].online;
		e->vfn = htole16(s[i].vfn);
		e->nvq = htole16(s[i].nvq);
		e->nvi = htole16(s[i].nvi);
	}
	return 0;
}

/*
 * Identify, on the PF (@st set) or on a VF's own controller (@st NULL, @vf its index):
 * CNS 01h and 15h only.
 */
static int identify(struct emu_state *st, const struct emu_pf *pf, uint16_t vf,
		    struct nvme_passthru_cmd *cmd)
{
	uint8_t cns = cmd->cdw10 & 0xff;
	void *buf = (void *)(uintptr_t)cmd->addr;
	int ret;

	if (!reserved_clear(cmd) || cmd->cdw11 || !cmd->addr ||
	    cmd->data_len != NVME_IDENTIFY_DATA_SIZE)
		return SC_INVALID_FIELD;
	switch (cns) {
	case NVME_IDENTIFY_CNS_CTRL:
		id_ctrl(pf, vf ? pf->cntlid + vf : pf->cntlid, buf);
		return 0;
	case NVME_IDENTIFY_CNS_SECONDARY_CTRL_LIST:
		if (!st) {
			memset(buf, 0, NVME_IDENTIFY_DATA_SIZE);
			return 0;
		}
		ret = sec_list(st, pf, cmd->cdw10 >> 16, buf);
		return ret < 0 ? ret : 0;
	case TP_CNS_STATE_FORMATS:
		if (!pf->tp4159 || !st)
			return SC_INVALID_FIELD;
		/* NV 1 version (TP_STATE_VERSION, CSVI 1), NUU 0 vendor-specific UUIDs */
		{
			const uint8_t formats[4] = { 1, 0, TP_STATE_VERSION & 0xff,
						     TP_STATE_VERSION >> 8 };

			memset(buf, 0, NVME_IDENTIFY_DATA_SIZE);
			memcpy(buf, formats, sizeof(formats));
		}
		return 0;
	default:
		return SC_INVALID_FIELD;
	}
}

/* what QUERY_DATA_SIZE answers, and what SAVE_DATA then needs */
static uint32_t reported_size(const struct emu_pf *pf, const struct emu_vf_rec *rec)
{
	if (pf->hostile & EMU_HOSTILE_SIZE0)
		return 0;
	if (pf->hostile & EMU_HOSTILE_SIZE_HUGE)
		return HUGE_SIZE;
	if (pf->hostile & EMU_HOSTILE_SIZE_MAX)
		return UINT32_MAX;
	if (pf->hostile & EMU_HOSTILE_SIZE_CHANGE)
		return rec->size + rec->size_seq * SIZE_CHANGE_STEP;
	return rec->size;
}

/*
 * Change the VF's current content: a new generation (@evolve, RESUME ran it) and/or @flags
 * ORed in. Generated content changes in its record (which the caller writes), loaded bytes in
 * their file.
 */
static int update_content(struct emu_state *st, const struct emu_pf *pf, uint16_t vf,
			  struct emu_vf_rec *rec, bool evolve, uint32_t flags)
{
	uint8_t *buf;
	int ret;

	if (!rec->loaded) {
		rec->gen += evolve;
		rec->flags |= flags;
		return 0;
	}
	buf = malloc(rec->size);
	if (!buf)
		return -ENOMEM;
	ret = emu_state_read_bytes(st, pf->index, vf, rec, buf, rec->size);
	if (!ret && emu_blob_check(buf, rec->size, NULL))
		ret = -EIO;
	if (!ret) {
		emu_blob_update(buf, rec->size, evolve, flags);
		ret = emu_state_write_bytes(st, pf->index, vf, buf, rec->size);
	}
	free(buf);
	return ret;
}

static int mark_protected(struct emu_state *st, const struct emu_pf *pf, uint16_t vf,
			  struct emu_vf_rec *rec)
{
	return update_content(st, pf, vf, rec, false, EMU_BLOB_PROTECTED);
}

static int save(struct emu_state *st, const struct emu_pf *pf, uint16_t vf,
		struct emu_vf_rec *rec, struct nvme_passthru_cmd *cmd)
{
	void *buf = (void *)(uintptr_t)cmd->addr;
	int ret;

	if (rec->state == EMU_VF_RUNNING)
		return SC_SEQ_ERROR;
	if (cmd->data_len != reported_size(pf, rec))
		return SC_INVALID_FIELD;
	/*
	 * intel-lm takes charge of the state: it is marked protected before its bytes are copied
	 * out, so that the copy carries the mark too.
	 */
	ret = mark_protected(st, pf, vf, rec);
	if (ret)
		return ret;
	if ((pf->hostile & EMU_HOSTILE_SIZE_CHANGE) && rec->size_seq) {
		struct emu_blob_id id = {
			.serial = pf->serial, .vf = vf, .nvq = rec->nvq, .gen = rec->size_seq,
			.flags = rec->flags, .lineage = rec->lineage,
		};

		emu_blob_generate(buf, cmd->data_len, &id);
	} else {
		ret = emu_state_read_bytes(st, pf->index, vf, rec, buf, cmd->data_len);
		if (ret)
			return ret;
	}
	rec->state = EMU_VF_SAVED;
	return emu_state_put_vf(st, pf->index, vf, rec);
}

/* the VF's state becomes @buf (LOAD_DATA, or the end of a Set Controller State sequence) */
static int load_bytes(struct emu_state *st, const struct emu_pf *pf, uint16_t vf,
		      struct emu_vf_rec *rec, const void *buf, uint32_t len)
{
	struct emu_blob_origin origin;
	int ret;

	if (emu_blob_check(buf, len, &origin))
		return SC_INVALID_FIELD;
	/*
	 * Into a VF a PF reset took offline with its resources, as the model answers: a state
	 * with I/O queues does not fit its (no) queues, Invalid Field; one without, the state of
	 * an enabled controller into an offline VF, Command Sequence Error.
	 */
	if (rec->reset)
		return origin.nvq ? SC_INVALID_FIELD : SC_SEQ_ERROR;
	ret = emu_state_write_bytes(st, pf->index, vf, buf, len);
	if (ret)
		return ret;
	rec->loaded = 1;
	rec->nvq = origin.nvq;
	rec->size = len;
	rec->size_seq = 0;
	rec->state = EMU_VF_LOADED;
	return emu_state_put_vf(st, pf->index, vf, rec);
}

static int load(struct emu_state *st, const struct emu_pf *pf, uint16_t vf,
		struct emu_vf_rec *rec, struct nvme_passthru_cmd *cmd)
{
	const void *buf = (const void *)(uintptr_t)cmd->addr;

	if (rec->state == EMU_VF_RUNNING)
		return SC_SEQ_ERROR;
	if (cmd->cdw11 != cmd->data_len)
		return SC_INVALID_FIELD;
	return load_bytes(st, pf, vf, rec, buf, cmd->data_len);
}

/* SUSPEND, or TP4159's Suspend */
static int suspend(struct emu_state *st, const struct emu_pf *pf, uint16_t vf,
		   struct emu_vf_rec *rec)
{
	if (rec->state != EMU_VF_RUNNING)
		return pf->strict ? SC_SEQ_ERROR : 0;
	rec->state = EMU_VF_SUSPENDED;
	return emu_state_put_vf(st, pf->index, vf, rec);
}

/* RESUME, or TP4159's Resume */
static int resume(struct emu_state *st, const struct emu_pf *pf, uint16_t vf,
		  struct emu_vf_rec *rec)
{
	int ret;

	if (rec->state == EMU_VF_RUNNING && pf->strict)
		return SC_SEQ_ERROR;
	/* the state runs again: a new generation of its lineage */
	if (rec->state != EMU_VF_RUNNING) {
		ret = update_content(st, pf, vf, rec, true, 0);
		if (ret)
			return ret;
	}
	rec->state = EMU_VF_RUNNING;
	rec->seq_next = 0;
	return emu_state_put_vf(st, pf->index, vf, rec);
}

/* one of the five Intel commands on the PF: the status, or -errno */
static int intel_cmd(struct emu_state *st, const struct emu_pf *pf,
		     struct nvme_passthru_cmd *cmd, uint32_t *result)
{
	uint8_t opc = cmd->opcode;
	bool data = opc == EMU_OPC_SAVE || opc == EMU_OPC_LOAD;
	uint16_t vf = cmd->cdw10 & 0xffff;
	struct emu_vf_rec rec;
	int ret;

	if (!reserved_clear(cmd) || cmd->cdw10 >> 16 || (opc != EMU_OPC_LOAD && cmd->cdw11))
		return SC_INVALID_FIELD;
	if (data ? !cmd->addr || !cmd->data_len : cmd->addr || cmd->data_len)
		return SC_INVALID_FIELD;
	if (vf < 1 || vf > pf->nvfs)
		return SC_INVALID_FIELD;
	ret = emu_state_get_vf(st, pf->index, vf, &rec);
	if (ret)
		return ret;

	switch (opc) {
	case EMU_OPC_QUERY:
		*result = reported_size(pf, &rec);
		if (pf->hostile & EMU_HOSTILE_SIZE_CHANGE) {
			rec.size_seq++;
			return emu_state_put_vf(st, pf->index, vf, &rec);
		}
		return 0;
	case EMU_OPC_SUSPEND:
		return suspend(st, pf, vf, &rec);
	case EMU_OPC_RESUME:
		return resume(st, pf, vf, &rec);
	case EMU_OPC_SAVE:
		return save(st, pf, vf, &rec, cmd);
	default:
		return load(st, pf, vf, &rec, cmd);
	}
}

/*
 * TP4159. The controller state: the 48-byte header (VER 0, CSATTR 0, NVMECSS 0 dwords, VSS
 * the vendor-specific part in dwords), then the vendor-specific part, the VF's state bytes
 * (blob.c) padded with zeros to a whole dword.
 */
static uint32_t tp_vss(const struct emu_vf_rec *rec)
{
	return (rec->size + 3) / 4;
}

static uint32_t tp_size(const struct emu_vf_rec *rec)
{
	return TP_HDR_LEN + 4 * tp_vss(rec);
}

static void tp_header(const struct emu_vf_rec *rec, uint8_t *h)
{
	uint32_t vss = htole32(tp_vss(rec));

	memset(h, 0, TP_HDR_LEN);
	memcpy(h + 32, &vss, sizeof(vss));
}

/* the VF a TP4159 command names by its controller ID (VF N is cntlid + N), or 0 */
static uint16_t tp_vf(const struct emu_pf *pf, const struct nvme_passthru_cmd *cmd)
{
	uint16_t cntlid = cmd->cdw11 & 0xffff;

	if (cntlid <= pf->cntlid || (unsigned int)(cntlid - pf->cntlid) > pf->nvfs)
		return 0;
	return cntlid - pf->cntlid;
}

static uint64_t tp_offset(const struct nvme_passthru_cmd *cmd)
{
	return cmd->cdw12 | (uint64_t)cmd->cdw13 << 32;
}

/* Get Controller State: any part of the state; the header alone of a running VF */
static int tp_get_state(struct emu_state *st, const struct emu_pf *pf, uint16_t vf,
			struct emu_vf_rec *rec, struct nvme_passthru_cmd *cmd, uint32_t *result)
{
	uint64_t off = tp_offset(cmd), total = tp_size(rec);
	uint8_t csvi = (cmd->cdw10 >> 16) & 0xff;
	uint8_t *state;
	int ret;

	if (cmd->cdw10 >> 24 || cmd->cdw11 >> 16 || cmd->cdw14 || (csvi && csvi != 1))
		return SC_INVALID_FIELD;
	if (cmd->data_len != (cmd->cdw15 + 1ull) * 4 || !cmd->addr)
		return SC_INVALID_FIELD;
	if (off % 4 || off + cmd->data_len > total)
		return SC_INVALID_FIELD;
	if (rec->state == EMU_VF_RUNNING && off + cmd->data_len > TP_HDR_LEN)
		return SC_SEQ_ERROR;
	state = calloc(1, total);
	if (!state)
		return -ENOMEM;
	/* As SAVE_DATA: the state is marked protected before its bytes leave. */
	ret = 0;
	if (off + cmd->data_len > TP_HDR_LEN)
		ret = mark_protected(st, pf, vf, rec);
	if (!ret)
		ret = emu_state_read_bytes(st, pf->index, vf, rec, state + TP_HDR_LEN, rec->size);
	if (!ret) {
		tp_header(rec, state);
		memcpy((void *)(uintptr_t)cmd->addr, state + off, cmd->data_len);
		*result = rec->state != EMU_VF_RUNNING;		/* CSUP */
		if (off + cmd->data_len == total && rec->state != EMU_VF_RUNNING) {
			rec->state = EMU_VF_SAVED;
			ret = emu_state_put_vf(st, pf->index, vf, rec);
		} else if (off + cmd->data_len > TP_HDR_LEN) {
			ret = emu_state_put_vf(st, pf->index, vf, rec);
		}
	}
	free(state);
	return ret;
}

/* the end of a Set Controller State sequence: the whole state, checked, becomes the VF's */
static int tp_apply(struct emu_state *st, const struct emu_pf *pf, uint16_t vf,
		    struct emu_vf_rec *rec, uint32_t total)
{
	uint32_t vss, css_lo, len;
	uint8_t *state;
	int ret, i;

	/* A state holds at least its header and one queue's worth (checked again below). */
	if (total < TP_HDR_LEN + 16)
		return SC_INVALID_FIELD;
	state = malloc(total);
	if (!state)
		return -ENOMEM;
	ret = emu_state_seq_read(st, pf->index, vf, state, total);
	if (ret)
		goto out;
	ret = SC_INVALID_FIELD;
	memcpy(&css_lo, state + 16, 4);
	memcpy(&vss, state + 32, 4);
	vss = le32toh(vss);
	for (i = 20; i < 48; i++)
		if ((i < 32 || i >= 36) && state[i])
			goto out;
	if (css_lo || state[0] || state[1] || state[2] || total != TP_HDR_LEN + 4ull * vss ||
	    total < TP_HDR_LEN + 16)
		goto out;
	/* The vendor-specific part: the VF's state, its size in its own header, then zeros. */
	memcpy(&len, state + TP_HDR_LEN + 12, 4);
	len = le32toh(len);
	if (len > 4 * vss || len + 4 <= 4 * vss)
		goto out;
	for (i = (int)len; i < (int)(4 * vss); i++)
		if (state[TP_HDR_LEN + i])
			goto out;
	ret = load_bytes(st, pf, vf, rec, state + TP_HDR_LEN, len);
out:
	free(state);
	return ret;
}

/* Set Controller State: strict about the sequence (SEQIND), the offsets and the format */
static int tp_set_state(struct emu_state *st, const struct emu_pf *pf, uint16_t vf,
			struct emu_vf_rec *rec, struct nvme_passthru_cmd *cmd)
{
	uint8_t seqind = (cmd->cdw10 >> 16) & 0x3, csvi = (cmd->cdw11 >> 16) & 0xff;
	uint64_t off = tp_offset(cmd), end;
	int ret;

	if (cmd->cdw10 & 0xff00 || cmd->cdw10 >> 18 || cmd->cdw11 >> 24 || cmd->cdw14 ||
	    (csvi && csvi != 1))
		return SC_INVALID_FIELD;
	if (!cmd->cdw15 || cmd->data_len != cmd->cdw15 * 4ull || !cmd->addr || off % 4)
		return SC_INVALID_FIELD;
	if (rec->state == EMU_VF_RUNNING)
		return SC_SEQ_ERROR;
	if (seqind == TP_SEQ_FIRST || seqind == TP_SEQ_ENTIRE) {
		if (off)
			return SC_INVALID_FIELD;
	} else if (!rec->seq_next) {
		return SC_SEQ_ERROR;		/* a middle or last without a first */
	} else if (off != rec->seq_next) {
		return SC_INVALID_FIELD;	/* not where the sequence stands */
	}
	end = off + cmd->data_len;
	if (end > HUGE_SIZE + TP_HDR_LEN)
		return SC_INVALID_FIELD;
	ret = emu_state_seq_write(st, pf->index, vf, off, (const void *)(uintptr_t)cmd->addr,
				  cmd->data_len);
	if (ret)
		return ret;
	rec->seq_next = (uint32_t)end;
	if (seqind == TP_SEQ_LAST || seqind == TP_SEQ_ENTIRE) {
		rec->seq_next = 0;
		ret = tp_apply(st, pf, vf, rec, (uint32_t)end);
		if (ret) {
			/* refused: the sequence is over, the VF keeps its state */
			int put = emu_state_put_vf(st, pf->index, vf, rec);

			return put ? put : ret;
		}
		return 0;
	}
	return emu_state_put_vf(st, pf->index, vf, rec);
}

/* Migration Send (41h) or Migration Receive (42h) on the PF: the status, or -errno */
static int tp_cmd(struct emu_state *st, const struct emu_pf *pf, struct nvme_passthru_cmd *cmd,
		  uint32_t *result)
{
	uint8_t sel = cmd->cdw10 & 0xff;
	uint16_t vf = tp_vf(pf, cmd);
	struct emu_vf_rec rec;
	int ret;

	if (cmd->nsid || cmd->cdw2 || cmd->cdw3 || cmd->metadata || cmd->metadata_len)
		return SC_INVALID_FIELD;
	if (!vf)
		return SC_INVALID_FIELD;
	ret = emu_state_get_vf(st, pf->index, vf, &rec);
	if (ret)
		return ret;
	if (cmd->opcode == EMU_OPC_MIG_RECV)
		return sel == TP_SEL_GET_STATE ? tp_get_state(st, pf, vf, &rec, cmd, result) :
						 SC_INVALID_FIELD;
	if (sel == TP_SEL_SET_STATE)
		return tp_set_state(st, pf, vf, &rec, cmd);
	/* Suspend and Resume: no data, no offset, no MOS */
	if (cmd->cdw10 >> 8 || cmd->cdw12 || cmd->cdw13 || cmd->cdw14 || cmd->cdw15 ||
	    cmd->addr || cmd->data_len)
		return SC_INVALID_FIELD;
	if (sel == TP_SEL_SUSPEND) {
		uint8_t stype = (cmd->cdw11 >> 16) & 0xff;

		/* no user data migration queue to delete; STYPE 0 only notifies */
		if (cmd->cdw11 & 0x7f000000u || cmd->cdw11 >> 31 || stype > 1)
			return SC_INVALID_FIELD;
		return stype ? suspend(st, pf, vf, &rec) : 0;
	}
	if (sel == TP_SEL_RESUME)
		return cmd->cdw11 >> 16 ? SC_INVALID_FIELD : resume(st, pf, vf, &rec);
	return SC_INVALID_FIELD;
}

static const struct emu_fault *find_fault(const struct emu_pf *pf, uint8_t opc, uint32_t n)
{
	unsigned int i;

	for (i = 0; i < pf->nfaults; i++)
		if (pf->faults[i].opcode == opc && pf->faults[i].nth == n)
			return &pf->faults[i];
	return NULL;
}

/* what a fault makes of the command's outcome @ret (a status, or -errno); sets *@hangs */
static int fault_outcome(const struct emu_fault *fault, int ret, bool *hangs)
{
	if (ret < 0)
		return ret;
	if (fault->hang) {
		*hangs = true;
		return 0;
	}
	return fault->err ? -fault->err : fault->status;
}

/*
 * A command on the PF's admin queue, after the kernel's checks and the latency. *@hangs is set
 * when the command is never answered (the return value is then 0).
 */
static int pf_cmd(const struct emu_config *cfg, const struct emu_pf *pf,
		  struct nvme_passthru_cmd *cmd, uint32_t *result, bool *hangs)
{
	uint8_t opc = cmd->opcode;
	const struct emu_fault *fault;
	struct emu_state st;
	uint16_t vf;
	uint32_t n;
	int ret;

	ret = emu_state_open(cfg, &st);
	if (ret)
		return ret;
	/*
	 * What the command reads or changes, locked before it is counted, so that the commands on
	 * one VF are counted in the order they take effect: an Intel command's VF, the records
	 * of all VFs for the Secondary Controller List (shared).
	 */
	vf = cmd->cdw10 & 0xffff;
	if (intel_opcode(opc) && vf >= 1 && vf <= pf->nvfs)
		ret = emu_state_lock_vf(&st, pf->index, vf, true);
	else if (tp_opcode(opc) && tp_vf(pf, cmd))
		ret = emu_state_lock_vf(&st, pf->index, tp_vf(pf, cmd), true);
	else if (opc == nvme_admin_identify &&
		 (cmd->cdw10 & 0xff) == NVME_IDENTIFY_CNS_SECONDARY_CTRL_LIST)
		ret = emu_state_lock_vf(&st, pf->index, 0, false);
	if (ret)
		goto out;
	ret = emu_state_count(&st, pf->index, opc, &n);
	if (ret)
		goto out;
	if ((pf->hostile & EMU_HOSTILE_HANG) && intel_opcode(opc)) {
		*hangs = true;
		goto out;
	}
	fault = find_fault(pf, opc, n);
	if (fault && !fault->apply) {
		ret = fault_outcome(fault, 0, hangs);
		goto out;
	}
	/*
	 * Firmware without Intel live migration (byte 3072 not 01h, or not an Intel device)
	 * does not know the opcodes, as QEMU's controller answers them.
	 */
	if (opc == nvme_admin_identify)
		ret = identify(&st, pf, 0, cmd);
	else if (intel_opcode(opc) && pf->lm == 0x01 && pf->vid == 0x8086)
		ret = intel_cmd(&st, pf, cmd, result);
	else if (tp_opcode(opc) && pf->tp4159)
		ret = tp_cmd(&st, pf, cmd, result);
	else
		ret = SC_INVALID_OPCODE;
	if (fault)
		ret = fault_outcome(fault, ret, hangs);
out:
	emu_state_close(&st);
	return ret;
}

/* a command on a VF's own admin queue: Identify works, the Intel commands are ignored */
static int vf_cmd(const struct emu_pf *pf, const struct emu_vfdev *d,
		  struct nvme_passthru_cmd *cmd, bool *hangs)
{
	if (intel_opcode(cmd->opcode)) {
		*hangs = true;
		return 0;
	}
	if (cmd->opcode == nvme_admin_identify)
		return identify(NULL, pf, d->vf, cmd);
	return SC_INVALID_OPCODE;
}

/*
 * Run one admin command on an emulated controller (@kind EMU_TARGET_PF or EMU_TARGET_VF,
 * @idx its index in the configuration) as the ioctl would.
 *
 * Return: what the ioctl returns (0 or a positive NVMe status, with cmd->result written), or
 * -errno for -1 with errno (cmd->result untouched).
 */
int emu_dev_admin(const struct emu_config *cfg, enum emu_target_kind kind, unsigned int idx,
		  struct nvme_passthru_cmd *cmd)
{
	int64_t start = now_ns(), latency;
	const struct emu_pf *pf;
	const char *name;
	uint32_t result = 0;
	bool hangs = false;
	uint8_t opc = cmd->opcode;
	int ret;

	if (kind == EMU_TARGET_VF) {
		pf = &cfg->pf[cfg->vfdev[idx].pf];
		name = cfg->vfdev[idx].name;
	} else {
		pf = &cfg->pf[idx];
		name = pf->name;
	}

	ret = kernel_check(pf, cmd);
	if (!ret) {
		emu_progress(cfg, name, cmd, "arrived", -1);
		latency = (pf->latency_op[opc] >= 0 ? pf->latency_op[opc] : pf->latency_us) * 1000;
		latency_sleep(start, latency);
		ret = kind == EMU_TARGET_VF ? vf_cmd(pf, &cfg->vfdev[idx], cmd, &hangs) :
					      pf_cmd(cfg, pf, cmd, &result, &hangs);
		latency_done(start, latency);
		if (hangs)
			ret = hang(cfg, name, cmd);
		/*
		 * The Linux driver answers a timed-out admin command by resetting the controller,
		 * and the PF's reset takes its VFs offline (the kernel suite's model-timeout boot).
		 * A VF's own controller reset leaves its migration state alone.
		 */
		if (hangs && kind == EMU_TARGET_PF && pf->hang_reset)
			emu_state_pf_reset(cfg, idx);
		if (!hangs) {
			emu_progress(cfg, name, cmd, "ran", -1);
			emu_sleep_us(pf->completion_delay[opc]);
		}
	}
	if (ret >= 0)
		cmd->result = result;
	emu_trace(cfg, name, cmd, ret >= 0 ? ret : 0, ret < 0 ? -ret : 0, ret >= 0 ? result : 0);
	return ret;
}
