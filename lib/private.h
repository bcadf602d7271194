/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal helpers of libintel-lm, not exported.
 */
#ifndef INTEL_LM_PRIVATE_H
#define INTEL_LM_PRIVATE_H

#include <endian.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <libintel-lm-private.h>

/* Little-endian fields of the wire and file formats, at any alignment: the one reader. */
static inline uint16_t intel_lm_le16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static inline uint32_t intel_lm_le32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline void intel_lm_put_le16(void *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void intel_lm_put_le32(void *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void intel_lm_put_le64(void *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

/*
 * @src at @dst (@len bytes, at least 1), cut short to fit, NUL-terminated: what
 * snprintf(dst, len, "%s", src) writes, without a format to interpret. Returns the end.
 */
static inline char *intel_lm_put_str(char *dst, size_t len, const char *src)
{
	char *end = dst + len - 1;

	while (dst < end && *src)
		*dst++ = *src++;
	*dst = '\0';
	return dst;
}

/* @v in decimal at @p, without a NUL (at most 20 characters); returns the end. */
static inline char *intel_lm_put_dec(char *p, uint64_t v)
{
	char d[20];
	int i = 0;

	do {
		d[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		*p++ = d[--i];
	return p;
}

/* The monotonic clock in nanoseconds: the one clock of command and step times. */
static inline uint64_t intel_lm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Identify buffers are page aligned, as the kernel maps them for DMA. */
#define INTEL_LM_ID_BUF_ALIGN 4096

/* True for the five Intel live migration opcodes. */
bool intel_lm_is_lm_opcode(uint8_t opcode);

/* The sysfs mount point to use: @sysfs, or "/sys" when NULL or empty. */
const char *intel_lm_sysfs_root(const char *sysfs);

/*
 * Send Identify with @cns and CNTID @cntid into @buf (NVME_IDENTIFY_DATA_SIZE bytes), through
 * intel_lm_submit() so that timeouts and tracing apply. Returns as intel_lm_submit().
 */
int intel_lm_identify_raw(int fd, uint8_t cns, uint16_t cntid, void *buf,
			  const struct intel_lm_opts *opts);

/*
 * The file of VF @vf of the PF whose key is @pf_key in @dir: "DIR/KEY-vfN" then @suffix, the
 * key made safe (intel_lm_safe_name()); the one shape of the record and lock files. Returns 0,
 * or -ENAMETOOLONG with @path "" when it does not fit in @len bytes.
 */
int intel_lm_vf_file_path(char *path, size_t len, const char *dir, const char *pf_key,
			  uint16_t vf, const char *suffix);

/* Write all of @buf to @fd, again after EINTR and short writes: 0 or a negative errno. */
int intel_lm_write_full(int fd, const void *buf, size_t len);

/* fsync(2) a directory, so that the names in it are durable: 0 or a negative errno. */
int intel_lm_fsync_dir(const char *dir);

struct intel_lm_record;

/*
 * Put on record the intent of @opcode and of @then, a command that may follow it without
 * another write (migrate: SAVE_DATA after SUSPEND, RESUME after LOAD_DATA). Returns as
 * intel_lm_record_write().
 */
struct intel_lm_rec_entry;
/* The errno a refusal of the one rule returns: -EBUSY, -ESTALE, -EEXIST; 0 for ok. */
int intel_lm_reason_errno(int reason);
/* intel_lm_record_read() of @name in the directory @dirfd (or AT_FDCWD). */
int intel_lm_record_read_at(int dirfd, const char *name, struct intel_lm_rec_entry *entry);
/* A record slot's header: "ILMREC1 <seq> <len> <crc>\n". */
#define INTEL_LM_REC_HDR_LEN	39
/* The buffer intel_lm_record_read_stamped() reads into: two slots and one byte more. */
#define INTEL_LM_REC_READ_BUF	(2 * 8192 + 1)
/* What a scan keeps of a record file to tell it unchanged (see record.c). */
struct intel_lm_rec_stamp {
	char hdr[2][INTEL_LM_REC_HDR_LEN];
	struct timespec ctime;
	bool settled;
};
int intel_lm_record_read_stamped(int fd, char *buf, struct intel_lm_rec_entry *e,
				 struct intel_lm_rec_stamp *stamp, uid_t euid);
bool intel_lm_record_unchanged(int fd, const struct intel_lm_rec_stamp *stamp, uid_t euid);
struct intel_lm_copy;
/* The state file @e names as a copy (.whole not looked at: false); false when it names none. */
bool intel_lm_rule_file_copy_of(const struct intel_lm_rec_entry *e, struct intel_lm_copy *c);
/* The copy on another host a migrate to there left, running (see lib/rule.c); false: none. */
bool intel_lm_rule_remote_copy_of(const struct intel_lm_rec_entry *e, struct intel_lm_copy *c);
/*
 * A scan's copies (intel_lm_rule_copies()'s, in the same order), owned by @s: on success the
 * scan's mutex is held until intel_lm_scan_done(), which the caller must call.
 */
struct intel_lm_scan;
int intel_lm_scan_copies(struct intel_lm_scan *s, const struct intel_lm_copy **copies, size_t *n);
/*
 * The copies a question to the rule needs: those that hold one of @ids (as either identity a
 * copy may hold, any generation), and those of the VFs @vfs, whatever they hold (the claim
 * puts what it knows of them in their place). The rule looks at no other copy.
 */
struct intel_lm_want {
	struct intel_lm_identity ids[5];
	size_t n_ids;
	const struct intel_lm_rec_entry *vfs;
	size_t n_vfs;
	const char *own;	/* the asking VF's record file name (no directory), or NULL */
};
/* @w for @ask: the identities it is about (@ask's copies are not looked at). */
void intel_lm_rule_wants(const struct intel_lm_rule_ask *ask, struct intel_lm_want *w);
bool intel_lm_rule_wanted(const struct intel_lm_want *w, const struct intel_lm_copy *c);
/*
 * The identities a scan finds in a record holding @e (its VF's and its state file's copies,
 * intel_lm_rule_copy_of() and intel_lm_rule_file_copy_of()), at most 3, in @ids: how many.
 */
size_t intel_lm_rule_held(const struct intel_lm_rec_entry *e, struct intel_lm_identity ids[3]);
/* Whether a record holding @e no longer shows one of the @n identities @ids (any generation). */
bool intel_lm_rule_hides(const struct intel_lm_identity *ids, size_t n,
			 const struct intel_lm_rec_entry *e);
/* intel_lm_scan_copies() of the copies @w wants only: no other state file is looked at. */
int intel_lm_scan_copies_of(struct intel_lm_scan *s, const struct intel_lm_want *w,
			    const struct intel_lm_copy **copies, size_t *n);
void intel_lm_scan_done(struct intel_lm_scan *s);
/* How many of the last scan's copies came from records other than its want's @own. */
size_t intel_lm_scan_others(const struct intel_lm_scan *s);
/* The directory a scan lists. */
const char *intel_lm_scan_dir(const struct intel_lm_scan *s);
/* How many times a scan cache read a record file whole (for tests). */
unsigned long intel_lm_scan_reads(const struct intel_lm_scan *s);
/* How many times a scan cache checked a record seen before for a change (for tests). */
unsigned long intel_lm_scan_checks(const struct intel_lm_scan *s);
/* How many state files a scan cache looked at with stat(2) (for tests). */
unsigned long intel_lm_scan_stats(const struct intel_lm_scan *s);
/* How many times a scan cache listed its directory (for tests). */
unsigned long intel_lm_scan_lists(const struct intel_lm_scan *s);
/* No inotify watches for @s from now on: every record checked every scan (for tests). */
void intel_lm_scan_unwatched(struct intel_lm_scan *s);
/* Whether a directory entry's name is a record file's. */
bool intel_lm_record_name(const char *name);
int intel_lm_record_begin_then(struct intel_lm_record *rec, uint8_t opcode, uint8_t then);

/*
 * intel_lm_record_write() without the fdatasync: the entry is in the file (every reader, and a
 * process that dies, sees it) but not yet on the disk. Only for an outcome whose fdatasync
 * follows before it is reported (intel_lm_claim_release_later()): a power loss before that
 * leaves the previous entry, the command's intent, which reads as in flight (unknown).
 */
int intel_lm_record_write_later(struct intel_lm_record *rec);

/*
 * intel_lm_record_begin() in two steps: the intent written (every reader sees it), then made
 * durable by intel_lm_record_sync(), which must return 0 before the command is sent. Only for
 * an intent written under the identities' lock and synced after it (see lib/claim.c).
 */
int intel_lm_record_begin_unsynced(struct intel_lm_record *rec, uint8_t opcode);
int intel_lm_record_sync(struct intel_lm_record *rec);

/*
 * A command's outcome in @rec->entry, not yet written: the state that follows, and what was
 * to follow it (@pending_then) becomes pending after a success.
 */
void intel_lm_record_apply(struct intel_lm_record *rec, uint8_t opcode, int ret);

/*
 * Ordinary anonymous memory of exactly @len bytes (zeroed; NULL for 0 or on failure), for data
 * that never goes to the device; intel_lm_plain_free() unmaps it.
 */
void *intel_lm_plain_alloc(size_t len);
void intel_lm_plain_free(void *buf, size_t len);

/*
 * Whether the kernel can map @buf in one command: -EMSGSIZE when it touches more than
 * INTEL_LM_KERNEL_MAX_SEGS pages and needs more segments than that (the kernel would refuse it
 * with EINVAL); 0 otherwise, also when no one can tell (no CAP_SYS_ADMIN).
 */
int intel_lm_xfer_check(const void *buf, size_t len);

/* Whether intel_lm_state_alloc(@len) is such an ordinary mapping of exactly @len bytes. */
bool intel_lm_state_is_plain(size_t len);

/* pfid.c: for pf.c and the record's and locks' file names */
/**
 * intel_lm_pf_id_of() - The identity of an opened PF
 * @dev:	the PF, opened by intel_lm_dev_open()
 * @sysfs:	the sysfs mount point, or NULL for /sys
 * @info:	its Identify Controller data (for the fallback)
 * @id:		filled in
 *
 * The PCI address comes from the device number of @dev (fstat's st_rdev) through
 * SYSFS/dev/char/MAJ:MIN, never from the device's name.
 */
void intel_lm_pf_id_of(const struct intel_lm_dev *dev, const char *sysfs,
		       const struct intel_lm_ctrl_info *info, struct intel_lm_pf_id *id);

/**
 * intel_lm_safe_name() - Copy a string keeping only [A-Za-z0-9._:-], others as '_'
 * @dst:	where to write, NUL-terminated
 * @len:	its size
 * @src:	the string
 *
 * An empty result becomes "_": the result is always a usable file name part.
 */
void intel_lm_safe_name(char *dst, size_t len, const char *src);

#endif /* INTEL_LM_PRIVATE_H */
