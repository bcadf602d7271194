// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emulated device's state, shared by every process using the same configuration.
 *
 * The state file holds:
 *
 *	header (64 bytes): magic, version, a hash of the configuration's layout, PF count
 *	per PF, in configuration order:
 *		256 command counters (u32, one per opcode)
 *		one struct emu_vf_rec per VF
 *
 * Locking is by byte range, with open file description locks (F_OFD_SETLK: each command opens
 * the file, so threads of one process exclude each other as processes do), so that commands on
 * different VFs run in parallel, as on a device:
 *	- a command holds a shared lock on the header from emu_state_open() to emu_state_close();
 *	  creating or resetting the state takes the whole file exclusively, so it waits for the
 *	  commands in flight and they wait for it;
 *	- a command on a VF holds its record exclusively (emu_state_lock_vf()) while it reads and
 *	  changes the VF (the record, the VF's state bytes); the Secondary Controller List holds
 *	  the records of all the PF's VFs shared while it reads them;
 *	- a counter is locked only while it is incremented.
 * The order is always header, then VF records, then a counter.
 *
 * A VF whose state was loaded (LOAD_DATA) keeps the loaded bytes in its own file next to the
 * state file, STATE.PF.vfN; the state of any other VF is generated on demand (blob.c) from its
 * record (VQ count, size, generation, flags, lineage). Each fresh state (setup, a PF reset,
 * `online`) gets a lineage unique in this setup: a bijective mix of the header's nonce (made
 * from the configuration's layout at each setup) plus the PF, the VF and the VF's count of fresh states.
 * When the configuration's layout (PFs, VF counts, VQ counts, sizes, serials) no longer
 * matches the file, the state is created afresh, as `intel-lm-emu setup` would.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"

#define STATE_MAGIC	"ILMEMUS\1"
#define STATE_VERSION	2
#define STATE_HDR	64u
#define PF_COUNTERS	(EMU_NOPC * sizeof(uint32_t))

struct state_hdr {
	char magic[8];
	uint32_t version;
	uint32_t layout;
	uint32_t npf;
	// cppcheck-suppress unusedStructMember ; the file format's reserved word, always 0
	uint32_t rsvd;
	uint64_t nonce;		/* the lineages' base, from the layout */
};

static uint32_t fnv(uint32_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len--)
		h = (h ^ *p++) * 0x01000193u;
	return h;
}

static uint32_t layout_hash(const struct emu_config *cfg)
{
	uint32_t h = fnv(0x811c9dc5u, &cfg->npf, sizeof(cfg->npf));
	unsigned int i, j;

	for (i = 0; i < cfg->npf; i++) {
		const struct emu_pf *pf = &cfg->pf[i];

		h = fnv(h, pf->name, sizeof(pf->name));
		h = fnv(h, pf->serial, sizeof(pf->serial));
		h = fnv(h, &pf->nvfs, sizeof(pf->nvfs));
		for (j = 0; j < pf->nvfs; j++) {
			h = fnv(h, &pf->vf[j].nvq, sizeof(pf->vf[j].nvq));
			h = fnv(h, &pf->vf[j].size, sizeof(pf->vf[j].size));
		}
	}
	return h;
}

static off_t pf_offset(const struct emu_config *cfg, unsigned int pf)
{
	off_t off = STATE_HDR;
	unsigned int i;

	for (i = 0; i < pf; i++)
		off += PF_COUNTERS + (off_t)cfg->pf[i].nvfs * sizeof(struct emu_vf_rec);
	return off;
}

static off_t vf_offset(const struct emu_config *cfg, unsigned int pf, uint16_t vf)
{
	return pf_offset(cfg, pf) + PF_COUNTERS + (off_t)(vf - 1) * sizeof(struct emu_vf_rec);
}

static char *blob_path(const struct emu_config *cfg, unsigned int pf, uint16_t vf)
{
	char *s;

	if (asprintf(&s, "%s.%s.vf%u", cfg->state, cfg->pf[pf].name, vf) < 0)
		return NULL;
	return s;
}

/* the bytes of a TP4159 Set Controller State sequence under way */
static char *seq_path(const struct emu_config *cfg, unsigned int pf, uint16_t vf)
{
	char *s;

	if (asprintf(&s, "%s.%s.vf%u.seq", cfg->state, cfg->pf[pf].name, vf) < 0)
		return NULL;
	return s;
}

static int pread_all(int fd, void *buf, size_t len, off_t off)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = pread(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ENODATA;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = pwrite(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int emu_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

/* The first @len bytes of the file at @path (NULL: no memory), which this frees. */
static int path_read(char *path, void *buf, uint32_t len)
{
	int fd, ret;

	if (!path)
		return -ENOMEM;
	fd = emu_real_open(path, O_RDONLY | O_CLOEXEC, 0);
	ret = fd < 0 ? -errno : pread_all(fd, buf, len, 0);
	if (fd >= 0)
		emu_real_close(fd);
	free(path);
	return ret;
}

/* @len bytes at @off of the file at @path (NULL: no memory), which this frees; @off 0 truncates. */
static int path_write(char *path, uint64_t off, const void *buf, uint32_t len)
{
	int fd, ret;

	if (!path)
		return -ENOMEM;
	fd = emu_real_open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (off ? 0 : O_TRUNC), 0600);
	ret = fd < 0 ? -errno : pwrite_all(fd, buf, len, (off_t)off);
	if (fd >= 0)
		emu_real_close(fd);
	free(path);
	return ret;
}

/* a bijection of 64-bit words (splitmix64's finalizer) */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* the lineage of the @fresh-th fresh state of VF @vf of PF @pf: distinct for distinct keys */
static uint64_t lineage_of(uint64_t nonce, unsigned int pf, uint16_t vf, uint32_t fresh)
{
	return mix64(nonce + ((uint64_t)pf << 48 | (uint64_t)vf << 32 | fresh));
}

/* a new generated state for @rec: the next lineage, generation 0, no flag */
static void rec_fresh(uint64_t nonce, unsigned int pf, uint16_t vf, struct emu_vf_rec *rec)
{
	rec->fresh++;
	rec->lineage = lineage_of(nonce, pf, vf, rec->fresh);
	rec->gen = 0;
	rec->flags = 0;
}

static uint64_t state_nonce(struct emu_state *st)
{
	struct state_hdr hdr;

	if (pread_all(st->fd, &hdr, sizeof(hdr), 0))
		return 0;
	return hdr.nonce;
}

/* give VF @vf's record a fresh lineage (the caller holds the VF and writes the record) */
void emu_state_fresh(struct emu_state *st, unsigned int pf, uint16_t vf, struct emu_vf_rec *rec)
{
	rec_fresh(state_nonce(st), pf, vf, rec);
}

/* write a fresh state: counters zero, every VF RUNNING with its generated state */
static int state_init(const struct emu_config *cfg, int fd)
{
	off_t total = pf_offset(cfg, cfg->npf);
	struct state_hdr hdr = { .version = STATE_VERSION };
	unsigned int i, j;
	uint8_t *buf;
	char *path;
	int ret;

	buf = calloc(1, total);
	if (!buf)
		return -ENOMEM;
	memcpy(hdr.magic, STATE_MAGIC, 8);
	hdr.layout = layout_hash(cfg);
	/* the same configuration gives the same lineages, so that a test's runs compare */
	hdr.nonce = mix64((uint64_t)hdr.layout << 32 | 0x4c494e45u);
	hdr.npf = cfg->npf;
	memcpy(buf, &hdr, sizeof(hdr));
	for (i = 0; i < cfg->npf; i++) {
		const struct emu_pf *pf = &cfg->pf[i];

		for (j = 1; j <= pf->nvfs; j++) {
			struct emu_vf_rec rec = { .state = EMU_VF_RUNNING };

			rec.nvq = pf->vf[j - 1].nvq;
			rec.size = pf->vf[j - 1].size ?: emu_state_size(rec.nvq);
			rec_fresh(hdr.nonce, i, j, &rec);
			memcpy(buf + vf_offset(cfg, i, j), &rec, sizeof(rec));

			path = blob_path(cfg, i, j);
			if (path)
				unlink(path);
			free(path);
			path = seq_path(cfg, i, j);
			if (path)
				unlink(path);
			free(path);
		}
	}
	ret = ftruncate(fd, 0) ? -errno : pwrite_all(fd, buf, total, 0);
	free(buf);
	return ret;
}

/*
 * An open file description lock on @len bytes from @start (0: to the end of the file).
 *
 * F_OFD_SETLKW waits in the kernel and wakes with the lock. Not under valgrind: valgrind (3.19)
 * does not know that it waits, keeps its one running thread while it does, and the thread
 * holding the lock in the same process never runs again. There it tries, and waits between
 * tries a little longer each time: yields, then sleeps from 1 us up to 1 ms (a lock is held
 * for a short critical section, a command's bookkeeping). Yielding on a busy machine can cost
 * a whole time slice, which is why it is not done everywhere.
 */
static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "vgpreload");
}

static int range_lock(int fd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	unsigned int tries = 0;

	if (type != F_UNLCK && !under_valgrind()) {
		while (fcntl(fd, F_OFD_SETLKW, &fl))
			if (errno != EINTR)
				return -errno;
		return 0;
	}
	while (fcntl(fd, F_OFD_SETLK, &fl)) {
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EACCES)
			return -errno;
		if (tries < 4)
			sched_yield();
		else
			emu_sleep_us(tries < 14 ? 1u << (tries - 4) : 1000);
		tries++;
	}
	return 0;
}

static int open_file(const struct emu_config *cfg, int *fdp)
{
	int fd;

	fd = emu_real_open(cfg->state, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	*fdp = fd;
	if (fd < 0) {
		int ret = -errno;

		fprintf(stderr, "intel-lm-emu: %s: %s\n", cfg->state, strerror(-ret));
		return ret;
	}
	return 0;
}

static bool state_valid(const struct emu_config *cfg, int fd)
{
	struct state_hdr hdr;

	return !pread_all(fd, &hdr, sizeof(hdr), 0) && !memcmp(hdr.magic, STATE_MAGIC, 8) &&
	       hdr.version == STATE_VERSION && hdr.layout == layout_hash(cfg) &&
	       hdr.npf == cfg->npf;
}

/*
 * Open the state with a shared lock on its header, creating it when missing or made for
 * another configuration (under an exclusive lock on the whole file, taken after the shared
 * one is dropped: two processes upgrading at once would wait for each other for ever).
 */
int emu_state_open(const struct emu_config *cfg, struct emu_state *st)
{
	int ret;

	st->cfg = cfg;
	ret = open_file(cfg, &st->fd);
	if (ret)
		return ret;
	ret = range_lock(st->fd, F_RDLCK, 0, STATE_HDR);
	if (!ret && !state_valid(cfg, st->fd)) {
		ret = range_lock(st->fd, F_UNLCK, 0, STATE_HDR);
		if (!ret)
			ret = range_lock(st->fd, F_WRLCK, 0, 0);
		if (!ret && !state_valid(cfg, st->fd))
			ret = state_init(cfg, st->fd);
		/* a write lock becomes a read lock without waiting */
		if (!ret)
			ret = range_lock(st->fd, F_RDLCK, 0, STATE_HDR);
		if (!ret)
			ret = range_lock(st->fd, F_UNLCK, STATE_HDR, 0);
	}
	if (ret) {
		emu_state_close(st);
		return ret;
	}
	return 0;
}

/*
 * Lock VF @vf of PF @pf for a command: exclusively when @write, else shared; @vf 0 locks the
 * records of all the PF's VFs (shared, for the Secondary Controller List). Held until
 * emu_state_close().
 */
int emu_state_lock_vf(struct emu_state *st, unsigned int pf, uint16_t vf, bool write)
{
	const struct emu_config *cfg = st->cfg;

	if (!vf)
		return range_lock(st->fd, write ? F_WRLCK : F_RDLCK, vf_offset(cfg, pf, 1),
				  cfg->pf[pf].nvfs ? (off_t)(cfg->pf[pf].nvfs *
							      sizeof(struct emu_vf_rec)) : 1);
	return range_lock(st->fd, write ? F_WRLCK : F_RDLCK, vf_offset(cfg, pf, vf),
			  sizeof(struct emu_vf_rec));
}

void emu_state_close(struct emu_state *st)
{
	if (st->fd >= 0)
		emu_real_close(st->fd);	/* also drops the lock */
	st->fd = -1;
}

int emu_state_reset(const struct emu_config *cfg)
{
	int fd, ret;

	ret = open_file(cfg, &fd);
	if (ret)
		return ret;
	ret = range_lock(fd, F_WRLCK, 0, 0);
	if (!ret)
		ret = state_init(cfg, fd);
	emu_real_close(fd);
	return ret;
}

int emu_state_get_vf(struct emu_state *st, unsigned int pf, uint16_t vf, struct emu_vf_rec *rec)
{
	return pread_all(st->fd, rec, sizeof(*rec), vf_offset(st->cfg, pf, vf));
}

int emu_state_get_vfs(struct emu_state *st, unsigned int pf, uint16_t first, unsigned int n,
		      struct emu_vf_rec *recs)
{
	/* The records lie one after the other: one read for them all. */
	return pread_all(st->fd, recs, n * sizeof(*recs), vf_offset(st->cfg, pf, first));
}

int emu_state_put_vf(struct emu_state *st, unsigned int pf, uint16_t vf,
		     const struct emu_vf_rec *rec)
{
	return pwrite_all(st->fd, rec, sizeof(*rec), vf_offset(st->cfg, pf, vf));
}

static off_t counter_offset(const struct emu_config *cfg, unsigned int pf, uint8_t opcode)
{
	return pf_offset(cfg, pf) + opcode * sizeof(uint32_t);
}

int emu_state_counter(struct emu_state *st, unsigned int pf, uint8_t opcode, uint32_t *count)
{
	off_t off = counter_offset(st->cfg, pf, opcode);
	int ret;

	ret = range_lock(st->fd, F_RDLCK, off, sizeof(*count));
	if (ret)
		return ret;
	ret = pread_all(st->fd, count, sizeof(*count), off);
	range_lock(st->fd, F_UNLCK, off, sizeof(*count));
	return ret;
}

/* count one more command of @opcode on PF @pf; *@count is the new count */
int emu_state_count(struct emu_state *st, unsigned int pf, uint8_t opcode, uint32_t *count)
{
	off_t off = counter_offset(st->cfg, pf, opcode);
	int ret;

	ret = range_lock(st->fd, F_WRLCK, off, sizeof(*count));
	if (ret)
		return ret;
	ret = pread_all(st->fd, count, sizeof(*count), off);
	if (!ret) {
		++*count;
		ret = pwrite_all(st->fd, count, sizeof(*count), off);
	}
	range_lock(st->fd, F_UNLCK, off, sizeof(*count));
	return ret;
}

/*
 * What a reset of PF @pf does to its VFs, as the NVMe specification has a primary controller's
 * reset do and as QEMU's controller did in the kernel suite (the model-timeout boot): every VF
 * goes offline and loses its VQ and VI resources (the Secondary Controller List shows SCS bit 0
 * clear, NVQ and NVI 0), its suspension and its saved or loaded state; it is left RUNNING (not
 * suspended) with the generated state of a VF without queues.
 */
int emu_state_pf_reset(const struct emu_config *cfg, unsigned int pf)
{
	const struct emu_pf *p = &cfg->pf[pf];
	struct emu_state st;
	struct emu_vf_rec rec;
	unsigned int i;
	char *path;
	int ret;

	ret = emu_state_open(cfg, &st);
	if (ret)
		return ret;
	ret = emu_state_lock_vf(&st, pf, 0, true);
	for (i = 1; !ret && i <= p->nvfs; i++) {
		uint32_t fresh = 0;

		if (!emu_state_get_vf(&st, pf, i, &rec))
			fresh = rec.fresh;
		memset(&rec, 0, sizeof(rec));
		rec.fresh = fresh;
		emu_state_fresh(&st, pf, i, &rec);
		rec.state = EMU_VF_RUNNING;
		rec.reset = 1;
		rec.size = p->vf[i - 1].size ?: emu_state_size(0);
		ret = emu_state_put_vf(&st, pf, i, &rec);
		path = blob_path(cfg, pf, i);
		if (path)
			unlink(path);
		free(path);
	}
	emu_state_close(&st);
	return ret;
}

/*
 * VF @vf of PF @pf gets its configured VQ and VI resources back after a PF reset took them
 * (what the Virtualization Management flow does on a real host): its state is then that of a
 * running VF with those queues.
 */
int emu_state_vf_online(const struct emu_config *cfg, unsigned int pf, uint16_t vf)
{
	const struct emu_pf *p = &cfg->pf[pf];
	struct emu_state st;
	struct emu_vf_rec rec = { 0 };
	int ret;

	ret = emu_state_open(cfg, &st);
	if (ret)
		return ret;
	ret = emu_state_lock_vf(&st, pf, vf, true);
	if (!ret)
		ret = emu_state_get_vf(&st, pf, vf, &rec);
	if (!ret && rec.reset) {
		uint32_t fresh = rec.fresh;

		memset(&rec, 0, sizeof(rec));
		rec.fresh = fresh;
		emu_state_fresh(&st, pf, vf, &rec);
		rec.state = EMU_VF_RUNNING;
		rec.nvq = p->vf[vf - 1].nvq;
		rec.size = p->vf[vf - 1].size ?: emu_state_size(rec.nvq);
		ret = emu_state_put_vf(&st, pf, vf, &rec);
	}
	emu_state_close(&st);
	return ret;
}

/* the VF's current state bytes; @len must be @rec->size */
int emu_state_read_bytes(struct emu_state *st, unsigned int pf, uint16_t vf,
			 const struct emu_vf_rec *rec, void *buf, uint32_t len)
{
	const struct emu_pf *p = &st->cfg->pf[pf];

	if (len != rec->size || len < EMU_BLOB_MIN)
		return -EINVAL;
	if (!rec->loaded) {
		struct emu_blob_id id = {
			.serial = p->serial, .vf = vf, .nvq = rec->nvq, .gen = rec->gen,
			.flags = rec->flags, .lineage = rec->lineage,
		};

		emu_blob_generate(buf, len, &id);
		return 0;
	}
	return path_read(blob_path(st->cfg, pf, vf), buf, len);
}

/* store loaded state bytes; the caller updates the VF's record */
int emu_state_write_bytes(struct emu_state *st, unsigned int pf, uint16_t vf, const void *buf,
			  uint32_t len)
{
	return path_write(blob_path(st->cfg, pf, vf), 0, buf, len);
}

/*
 * TP4159 Set Controller State: @len bytes at @off of the VF's sequence under way (@off 0
 * starts it afresh). The caller keeps where it stands in the VF's record (seq_next).
 */
int emu_state_seq_write(struct emu_state *st, unsigned int pf, uint16_t vf, uint64_t off,
			const void *buf, uint32_t len)
{
	return path_write(seq_path(st->cfg, pf, vf), off, buf, len);
}

/* the first @len bytes of the VF's sequence */
int emu_state_seq_read(struct emu_state *st, unsigned int pf, uint16_t vf, void *buf,
		       uint32_t len)
{
	return path_read(seq_path(st->cfg, pf, vf), buf, len);
}
