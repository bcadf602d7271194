/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libintel-lm's private interface: NOT INSTALLED, NOT ABI.
 *
 * What the programs and tests of this source tree use of libintel-lm beyond its public headers
 * (include/libintel-lm.h and include/intel-lm/): the front end's helpers (--vf arguments,
 * lists of VFs in words, trusted directories), the pieces the public handles are made of (the
 * PF's device, Identify and the state limit before intel_lm_pf_identify() puts them together)
 * and what the unit tests and fuzzers call directly. They link libintel-lm's static archive;
 * the shared library exports these functions in the version node LIBINTEL_LM_PRIVATE
 * (lib/libintel-lm.map), which no program outside this tree may use: any release may change
 * or drop them without a new soname (nvme-intel-lm(1), THE LIBRARY).
 */
#ifndef LIBINTEL_LM_PRIVATE_H
#define LIBINTEL_LM_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <libintel-lm.h>

#ifdef __cplusplus
extern "C" {
#endif

/* --- State files and buffers (lib/blob.c, lib/buffer.c) --- */

/**
 * intel_lm_blob_write() - Write a saved state to an output file, whole or not at all
 * @out:	an output file from intel_lm_outfile_open(): a path, or "-" for standard output
 * @src:	the source PF's identity, for the blob's header; NULL writes the raw state alone
 * @vf:		the source VF index
 * @state:	the state, as SAVE_DATA returned it
 * @len:	its length in bytes
 *
 * Writes the header (format version, source identity, lengths and CRC-32s, this library's
 * version) and the state, then commits @out: synced and linked into place, so the file
 * appears whole or not at all. On any error @out is aborted and nothing is left at its path.
 * What `save` writes.
 *
 * Return: 0, or a negative errno (-ENOSPC, -EIO, ...; -EINVAL for @len 0 or a NULL @state).
 * After a failure of the directory's fsync the file is in place (@out->placed) and the errno
 * comes back all the same.
 */
int intel_lm_blob_write(struct intel_lm_outfile *out, const struct intel_lm_ctrl_info *src,
			uint16_t vf, const void *state, uint32_t len);

/**
 * intel_lm_blob_write_crc() - intel_lm_blob_write(), and the state's CRC-32 for the caller
 * @out:	as for intel_lm_blob_write()
 * @src:	as for intel_lm_blob_write(); NULL writes the raw state alone
 * @vf:		the source VF index
 * @state:	the state
 * @len:	its length in bytes
 * @state_crc:	set to the CRC-32 (zlib) of @state, the header's payload CRC (computed once,
 *		for a raw state too), when the state was checksummed; may be NULL
 *
 * For a caller that keeps the state's checksum elsewhere (the record of the VF) without a
 * second pass over the state.
 *
 * Return: as intel_lm_blob_write(). *@state_crc is set whenever @state and @len are valid,
 * even when writing the file then fails.
 */
int intel_lm_blob_write_crc(struct intel_lm_outfile *out, const struct intel_lm_ctrl_info *src,
			    uint16_t vf, const void *state, uint32_t len, uint32_t *state_crc);

/**
 * intel_lm_blob_write_fd() - Write a saved state to a descriptor the caller owns
 * @fd:		a descriptor open for writing: a pipe, a socket or a file
 * @src:	the source PF's identity, for the blob's header; NULL writes the raw state alone
 * @vf:		the source VF index
 * @state:	the state
 * @len:	its length in bytes
 *
 * The same bytes as intel_lm_blob_write(), written in full (again after EINTR and short
 * writes); a regular file is synced with fdatasync(2) before this returns. A stream cannot be
 * taken back: after an error the reader must discard what it got, which the blob's lengths and
 * CRC-32s let it detect. @fd is not closed.
 *
 * Return: 0, or a negative errno (-EPIPE when the reader went away; -EINVAL for @len 0 or a
 * NULL @state).
 */
int intel_lm_blob_write_fd(int fd, const struct intel_lm_ctrl_info *src, uint16_t vf,
			   const void *state, uint32_t len);

/**
 * intel_lm_read_full() - Read up to @len bytes, retrying short reads and EINTR
 * @fd:		a file or a pipe
 * @buf:	where to read
 * @len:	how many bytes to read
 *
 * Return: the number of bytes read (less than @len only at end of file), or a negative errno.
 */
ssize_t intel_lm_read_full(int fd, void *buf, size_t len);

/**
 * intel_lm_state_contig() - How contiguous a state buffer of @len bytes will be, on this host now
 * @len:	the state's size in bytes
 *
 * Reads the host's THP setting (and whether THP is disabled for this process) and the free
 * 2 MiB pages of the hugetlb pool, only when @len is above %INTEL_LM_KERNEL_MAX_SEGS pages.
 * Pass the result to intel_lm_state_limit_segments().
 *
 * Return: %INTEL_LM_HUGE_PAGE_SIZE when intel_lm_state_alloc() can back @len bytes with huge
 * pages; otherwise, and for a buffer that fits in any case, the page size.
 */
size_t intel_lm_state_contig(size_t len);

/**
 * intel_lm_state_segments() - How many segments the kernel needs to map a buffer
 * @buf:	the buffer
 * @len:	its length in bytes
 *
 * Counts the runs of physically contiguous pages (a run never crosses a 4 GiB boundary, as
 * the block layer's default segment boundary) in /proc/self/pagemap; a page not faulted in yet
 * counts as a run of its own. The kernel refuses a command whose buffer needs more than
 * %INTEL_LM_KERNEL_MAX_SEGS.
 *
 * Return: the number of segments; -EPERM when the process cannot see physical addresses (it
 * lacks CAP_SYS_ADMIN); -EINVAL for an empty or wrapping range; or the errno of reading
 * /proc/self/pagemap.
 */
int intel_lm_state_segments(const void *buf, size_t len);

/* --- Commands (lib/cmd.c) --- */

/**
 * intel_lm_cmd_to_sqe() - Encode a command as the 64-byte submission queue entry
 * @cmd:	a command built by intel_lm_cmd_init()
 * @sqe:	64 bytes to fill, little-endian as on the wire
 *
 * What the controller receives, minus what the kernel fills in (command identifier and PRP
 * entries, left zero here). Used to check commands against Intel's byte tables and in traces.
 */
void intel_lm_cmd_to_sqe(const struct intel_lm_cmd *cmd, uint8_t sqe[INTEL_LM_SQE_SIZE]);

/* --- Identify Controller (lib/ctrl.c) --- */

/**
 * intel_lm_parse_id_ctrl() - Read what we need from an Identify Controller data structure
 * @id:		the %INTEL_LM_ID_DATA_LEN bytes of Identify Controller (CNS 01h), at any
 *		alignment
 * @info:	filled in
 *
 * A pure function: it trusts nothing in @id (strings need no terminator).
 */
void intel_lm_parse_id_ctrl(const void *id, struct intel_lm_ctrl_info *info);

/**
 * intel_lm_identify() - Identify the PF and decide whether it supports live migration
 * @fd:		the PF's controller character device
 * @opts:	submission options (timeout, trace), or NULL
 * @info:	filled in on success
 *
 * Sends Identify Controller (CNS 01h), which is sent even for a dry run.
 *
 * Return: 0 (see @info->support for the verdict), a positive NVMe status, or a negative errno.
 */
int intel_lm_identify(int fd, const struct intel_lm_opts *opts, struct intel_lm_ctrl_info *info);

/* --- The PF's device (lib/dev.c); struct intel_lm_pf holds one --- */

/**
 * struct intel_lm_dev - an opened PF
 * @fd:		read-only descriptor of the controller character device
 * @kind:	what the path is; only %INTEL_LM_DEV_PF is ever returned open
 * @path:	the path opened, e.g. "/dev/nvme0"
 * @name:	the controller name, e.g. "nvme0" (for a namespace, the controller it belongs to)
 */
struct intel_lm_dev {
	int fd;
	enum intel_lm_dev_kind kind;
	char path[4096];
	char name[INTEL_LM_DEV_NAME_LEN];
};

/**
 * intel_lm_dev_open() - Open a PF's controller character device
 * @arg:	what the user wrote: "/dev/nvme0", "nvme0" (taken as /dev/nvme0), or a path
 * @sysfs:	the sysfs mount point, NULL for "/sys"; used to recognise a VF's controller
 *		(its device has a physfn link), and optional
 * @dev:	filled in; @dev->kind says what @arg is also when it is refused
 *
 * Return: 0 with @dev->fd open; -ENOENT (missing), -EACCES or -EPERM (no permission) or another
 * errno from open(2); -ENOTTY when @arg is a namespace or not an NVMe controller, -EREMOTEIO
 * when it is a VF's own controller (@dev->kind tells which; nothing stays open).
 */
int intel_lm_dev_open(const char *arg, const char *sysfs, struct intel_lm_dev *dev);

/**
 * intel_lm_dev_close() - Close what intel_lm_dev_open() opened
 * @dev:	the device; its descriptor becomes -1
 */
void intel_lm_dev_close(struct intel_lm_dev *dev);

/* --- State identities (lib/identity.c) --- */

/**
 * intel_lm_identity_new() - A fresh identity for a state taken from a VF
 * @ident:	filled in: random id (getrandom(2)), generation 0, the origin
 * @pf_key:	the VF's PF key
 * @vf:		the VF index
 *
 * Return: 0, or a negative errno from getrandom(2) (@ident is then cleared).
 */
int intel_lm_identity_new(struct intel_lm_identity *ident, const char *pf_key, uint16_t vf);

/* --- The record (lib/record.c) --- */

/**
 * intel_lm_boot_id() - This host's boot id
 *
 * /proc/sys/kernel/random/boot_id, or the file INTEL_LM_BOOT_ID_FILE names (for tests), read
 * once per process.
 *
 * Return: its 36 characters, or "" when it cannot be read; never NULL.
 */
const char *intel_lm_boot_id(void);

/**
 * intel_lm_record_confirm() - The operator's word on a VF whose state was unknown
 * @e:		its entry, as read (intel_lm_record_open())
 * @state:	the state the operator found (recover --confirm)
 *
 * The entry says @state, with nothing in flight. What the VF may have run while in doubt (a
 * RESUME in doubt, intel_lm_record_may_run()) is a newer generation of each identity it may
 * hold, as after a SUSPEND's success: a copy taken before it is older.
 */
void intel_lm_record_confirm(struct intel_lm_rec_entry *e, enum intel_lm_vf_state state);

/* --- State limits (lib/limits.c) --- */

/**
 * intel_lm_state_limit() - The largest state the PF can move in one command
 * @info:	the PF's identity from intel_lm_identify()
 * @limit:	filled in
 *
 * The smallest of: 2^MDTS pages of 4 KiB, the kernel's 4 MiB cap, and the reference driver's
 * 256 KiB. The commands have no offset field, so a state cannot be moved in pieces.
 */
void intel_lm_state_limit(const struct intel_lm_ctrl_info *info, struct intel_lm_limit *limit);

/**
 * intel_lm_state_limit_set() - Replace the reference driver's 256 KiB by the caller's limit
 * @limit:	a limit from intel_lm_state_limit(); changed in place
 * @max_bytes:	the largest state the caller will move
 *
 * For a firmware known to produce states above 256 KiB, or to be stricter than the default.
 * The hard limits stay: never beyond MDTS or the kernel's 4 MiB (@limit then names that one).
 * The limit is recomputed from those alone: apply intel_lm_state_limit_segments() again.
 *
 * Return: 0, or -EINVAL for @max_bytes 0 (@limit unchanged).
 */
int intel_lm_state_limit_set(struct intel_lm_limit *limit, uint32_t max_bytes);

/**
 * intel_lm_state_limit_segments() - Bound a limit by the kernel's segments per command
 * @limit:	a limit from intel_lm_state_limit() or intel_lm_state_limit_set(); changed in place
 * @contig:	the bytes of physically contiguous memory a state buffer is made of:
 *		intel_lm_state_contig() of @limit->max_bytes; 0 counts as %INTEL_LM_PAGE_SIZE
 *
 * The kernel maps one command's buffer into at most %INTEL_LM_KERNEL_MAX_SEGS segments, so a
 * buffer of ordinary 4 KiB pages moves at most 127 pages (520192 bytes). When that is below
 * @limit->max_bytes it becomes the limit (%INTEL_LM_LIMIT_SEGMENTS); with huge pages the bound
 * is far above the kernel's 4 MiB and changes nothing.
 */
void intel_lm_state_limit_segments(struct intel_lm_limit *limit, size_t contig);

/**
 * intel_lm_kernel_admin_timeout() - The Linux NVMe driver's timeout of admin commands
 * @sysfs:	the sysfs mount point, NULL for "/sys"
 * @ms:		set to the timeout in milliseconds: the module parameter
 *		SYSFS/module/nvme_core/parameters/admin_timeout (seconds), or
 *		%INTEL_LM_KERNEL_ADMIN_TIMEOUT_MS when it cannot be read
 *
 * A command sent with a timeout of 0 gets this one. A command's own timeout (the ioctl's
 * timeout_ms) replaces it for that command; when an admin command outlasts its timeout the
 * driver does not abort it but resets the controller, here the PF, which can take the PF's
 * VFs offline. A timeout shorter than this one makes that more likely, never less. (A
 * controller keeps the value its admin queue was set up with: a parameter changed later
 * applies to controllers probed afterwards.)
 *
 * Return: 0 when it was read; -ENOENT when the file is missing (nvme_core not loaded, or
 * sysfs not mounted there), -EINVAL when it holds no whole number of seconds from 1 to
 * 4294967, or another negative errno of open(2) or read(2). @ms is set in every case.
 */
int intel_lm_kernel_admin_timeout(const char *sysfs, uint32_t *ms);

/* --- key=value lines (lib/record.c) --- */

/**
 * intel_lm_kv_walk() - Walk "key=value\n" lines, the record's body and the peer protocol's
 * @p:		the lines
 * @len:	their length in bytes; every line ends with "\n"
 * @fn:		called for each line with its key and value (neither NUL-terminated); a return
 *		other than 0 stops the walk
 * @priv:	passed to @fn
 *
 * The one parser of both: a value runs to the line's end and may hold "=", a key up to the
 * line's first "=".
 *
 * Return: 0 after the last line, what @fn returned when it stopped the walk, or -EBADMSG at
 * a line without "\n" or "=" (the lines before it were walked).
 */
int intel_lm_kv_walk(const char *p, size_t len,
		     int (*fn)(void *priv, const char *key, size_t klen, const char *val,
			       size_t vlen),
		     void *priv);

/* --- VF lists and --vf arguments (lib/vf.c) --- */

/**
 * intel_lm_parse_sec_ctrl_list() - Add the VFs of one Secondary Controller List page
 * @buf:	the 4096 bytes Identify CNS 15h returned
 * @pf_cntlid:	the PF's controller ID; entries of other primary controllers are skipped
 * @list:	the list to add to (start from a zeroed list); free with intel_lm_vf_list_free()
 * @last_scid:	set to the highest secondary controller ID in the page, to ask for the next
 * @entries:	set to the number of entries the page holds (all primaries)
 *
 * Trusts nothing: a count above the 127 entries a page can hold, VF number 0, and a VF number
 * already in @list are errors.
 *
 * Return: 0; -EPROTO when the page is malformed (@list keeps what was added before); -ENOMEM.
 */
int intel_lm_parse_sec_ctrl_list(const void *buf, uint16_t pf_cntlid,
				 struct intel_lm_vf_list *list, uint16_t *last_scid,
				 unsigned int *entries);

/**
 * intel_lm_list_vfs() - Read the PF's VFs from its Secondary Controller List
 * @fd:		the PF's controller character device
 * @pf_cntlid:	the PF's controller ID (&struct intel_lm_ctrl_info.cntlid)
 * @opts:	submission options (timeout, trace), or NULL
 * @list:	filled in, sorted by VF index; free with intel_lm_vf_list_free()
 *
 * Reads as many pages (127 entries each) as the controller has. Identify is sent even for a
 * dry run. PCI addresses are not filled in: see intel_lm_vf_list_sysfs().
 *
 * Return: 0, a positive NVMe status, or a negative errno (-EPROTO for a malformed list).
 */
int intel_lm_list_vfs(int fd, uint16_t pf_cntlid, const struct intel_lm_opts *opts,
		      struct intel_lm_vf_list *list);

/**
 * intel_lm_vf_list_sysfs() - Fill in the VFs' PCI addresses from sysfs
 * @list:	a list from intel_lm_list_vfs()
 * @sysfs:	the sysfs mount point, NULL for "/sys"
 * @ctrl:	the PF's controller name, e.g. "nvme0"
 *
 * Optional: without sysfs, or for a VF sysfs does not list, the address stays "".
 */
void intel_lm_vf_list_sysfs(struct intel_lm_vf_list *list, const char *sysfs, const char *ctrl);

/**
 * intel_lm_vf_list_format() - The VF indexes of a list, for messages
 * @list:	the PF's VFs
 * @buf:	where to write, e.g. "1-4, 7" or "none"
 * @len:	size of @buf; a list (or "none") that does not fit ends in "...", itself cut
 *		to fit a buffer of 4 bytes or less
 */
void intel_lm_vf_list_format(const struct intel_lm_vf_list *list, char *buf, size_t len);

/**
 * intel_lm_vf_list_format_online() - The online VFs of a list, for messages
 * @list:	the PF's VFs
 * @buf:	where to write the indexes of the VFs whose @online is set, e.g. "1, 3-4", or
 *		"none"
 * @len:	size of @buf, cut as intel_lm_vf_list_format() cuts
 */
void intel_lm_vf_list_format_online(const struct intel_lm_vf_list *list, char *buf, size_t len);

/**
 * intel_lm_vf_select() - Turn a --vf argument into VF indexes
 * @arg:	"3", "1,3,5-8", or "all"
 * @list:	the PF's VFs: "all" means these, and every index named must be one of them
 * @out:	set to a sorted array of distinct VF indexes; free() it
 * @count:	set to the number of entries in @out
 * @bad:	set to the first item of @arg that is wrong (NULL when @arg is well formed but
 *		names a VF the PF does not have); points into @arg or is NULL
 *
 * Items are whole decimal numbers from 1 to 65535 or ranges "a-b" with a <= b, separated by
 * commas, without spaces, signs or anything else.
 *
 * Return: 0; -EINVAL when @arg is malformed (*@bad says where); -ENOENT when it names a VF
 * @list does not have (*@out holds that VF alone, *@count = 1); -ENOMEM.
 */
int intel_lm_vf_select(const char *arg, const struct intel_lm_vf_list *list, uint16_t **out,
		       size_t *count, const char **bad);

/**
 * struct intel_lm_state_cache - One state buffer kept from one state to the next
 * @buf:	the buffer kept, or NULL
 * @len:	the size it was allocated with
 *
 * A batch's job frees a state buffer and allocates one of the same size for its next VF:
 * every munmap(2) in a process of several threads interrupts the other CPUs to flush their
 * TLBs (14% of a 64-VF load's CPU time at --jobs=8 on 2 CPUs, bench/RESULTS.md). A cache
 * keeps one buffer instead. Zero-initialised; one per thread (it has no lock); emptied with
 * intel_lm_state_cache_free().
 */
struct intel_lm_state_cache {
	void *buf;
	size_t len;
};

/**
 * intel_lm_state_take() - A zeroed state buffer of @len bytes, @c's when it has one that size
 * @c:		a cache, or NULL (then as intel_lm_state_alloc())
 * @len:	its size in bytes
 *
 * Return: the buffer, which intel_lm_state_give() or intel_lm_state_free() with @len ends; or
 * NULL (also for @len 0).
 */
void *intel_lm_state_take(struct intel_lm_state_cache *c, size_t len);

/**
 * intel_lm_state_give() - Keep a state buffer in @c instead of freeing it
 * @c:		a cache, or NULL (then as intel_lm_state_free())
 * @buf:	the buffer (intel_lm_state_take() or intel_lm_state_alloc()), or NULL
 * @len:	the size it was allocated with
 *
 * A buffer above the segment limit (huge pages) is freed; so is the one @c held before.
 */
void intel_lm_state_give(struct intel_lm_state_cache *c, void *buf, size_t len);

/**
 * intel_lm_state_cache_free() - Free the buffer @c keeps; @c is left empty
 * @c:		a cache, or NULL
 */
void intel_lm_state_cache_free(struct intel_lm_state_cache *c);

/**
 * intel_lm_blob_read_cached() - intel_lm_blob_read() into a buffer from @c
 * @fd:		where to read from
 * @max:	the largest payload to accept
 * @hdr:	the decoded header
 * @payload:	set to the state; end it with intel_lm_state_give() (or intel_lm_state_free())
 * @c:		a cache, or NULL
 *
 * Return: as intel_lm_blob_read().
 */
int intel_lm_blob_read_cached(int fd, uint32_t max, struct intel_lm_blob_hdr *hdr,
			      void **payload, struct intel_lm_state_cache *c);

/**
 * intel_lm_vf_select_is_list() - Whether a --vf argument may name more than one VF
 * @arg:	a --vf argument
 *
 * Return: true for "all", a range or a comma-separated list, even one that names a single VF;
 * false for a single number.
 */
bool intel_lm_vf_select_is_list(const char *arg);

/**
 * intel_lm_fd_room() - Room in the process's descriptor table for @n descriptors, at once
 * @n:		the lowest descriptor number the table must hold (capped by RLIMIT_NOFILE)
 *
 * The table grows by doubling when a descriptor beyond it is opened; in a process of more
 * than one thread each growth waits for an RCU grace period (the kernel's expand_fdtable()),
 * 5 to 10 ms on a VM of 2 CPUs. A batch makes its room before it starts threads. Best effort:
 * nothing is reported.
 */
void intel_lm_fd_room(unsigned long n);

/**
 * intel_lm_scan_refresh() - Read what changed in a scan cache's record directory
 * @s:		a scan cache (intel_lm_scan_new())
 *
 * Reads every record not read or changed since @s's last scan (where it watches them: see
 * intel_lm_scan_expect(), only what changed): a scan soon after reads only what changes
 * meanwhile. A rule-checked command does this before it takes the identities' lock; a batch
 * does it while the PF answers Identify. Thread-safe, like @s.
 */
void intel_lm_scan_refresh(struct intel_lm_scan *s);

/**
 * intel_lm_scan_expect() - How many more scans a scan cache is to make
 * @s:		a scan cache, read already or not
 * @scans:	the number of rule checks to come (a batch's VFs), ULONG_MAX when not known yet
 *
 * Whether @s watches its record directory with inotify from now on (it does from its second
 * scan when not told) is decided from what that costs against what it saves (see lib/scan.c):
 * a batch of few VFs does not pay for a watch it hardly uses; one of many has it made here,
 * before any scan under the identities' lock. A cache not read yet is read here, watched from
 * the start when more than one scan is to come; a cache watched already keeps its watch for
 * the @scans scans, however few (what it cost is paid). After the @scans-th scan (intel_lm_scan_copies()
 * and intel_lm_scan_copies_of(), not intel_lm_scan_refresh()) the watch goes, so that
 * intel_lm_scan_free() does not wait for the kernel to reap it; scans after that check every
 * record. Called again, the count starts again. Thread-safe.
 */
void intel_lm_scan_expect(struct intel_lm_scan *s, unsigned long scans);

/**
 * intel_lm_vf_list_free() - Free what intel_lm_list_vfs() allocated
 * @list:	the list; it is left empty
 */
void intel_lm_vf_list_free(struct intel_lm_vf_list *list);

/* --- Directories intel-lm keeps its record and its locks in (lib/owndir.c); such a directory
 * is trusted only when nobody else can change what is in it --- */

/**
 * enum intel_lm_dir_problem - why a directory is not trusted
 * @INTEL_LM_DIR_OK:		it is trusted
 * @INTEL_LM_DIR_SYMLINK:	it is a symbolic link
 * @INTEL_LM_DIR_NOT_DIR:	it is not a directory
 * @INTEL_LM_DIR_FOREIGN:	another user owns it
 * @INTEL_LM_DIR_WRITABLE:	its group or other users may write to it
 * @INTEL_LM_DIR_ERROR:		it could not be examined or created (see the errno)
 */
enum intel_lm_dir_problem {
	INTEL_LM_DIR_OK = 0,
	INTEL_LM_DIR_SYMLINK,
	INTEL_LM_DIR_NOT_DIR,
	INTEL_LM_DIR_FOREIGN,
	INTEL_LM_DIR_WRITABLE,
	INTEL_LM_DIR_ERROR,
};

/**
 * intel_lm_own_dir() - Check (and create) a directory intel-lm keeps its own files in
 * @dir:	its path
 * @create:	create it (mode 0700, missing parents 0755) when it does not exist
 * @why:	set to the problem found
 *
 * The directory must be a real directory (not a symbolic link), owned by the effective user,
 * and not writable by group or others. Nothing in it is touched.
 *
 * Return: 0; -ENOENT when it does not exist and @create is false; -ELOOP, -ENOTDIR or -EPERM
 * for an untrusted directory (@why says which); another negative errno when it cannot be
 * examined or created.
 */
int intel_lm_own_dir(const char *dir, bool create, enum intel_lm_dir_problem *why);

/**
 * intel_lm_dir_problem_text() - A problem in words
 * @why:	a problem
 *
 * Return: e.g. "it is a symbolic link"; never NULL.
 */
const char *intel_lm_dir_problem_text(enum intel_lm_dir_problem why);

/* --- Migration protocols (lib/proto.c, lib/pf.c, lib/tp4159.c) --- */

/**
 * intel_lm_pf_set_proto() - Choose the protocol for the PF's VFs
 * @pf:		an opened PF
 * @p:		the protocol and its parameters, copied
 *
 * Return: 0, or -EINVAL for an unknown protocol.
 */
int intel_lm_pf_set_proto(struct intel_lm_pf *pf, const struct intel_lm_proto *p);

/**
 * intel_lm_proto_send() - One migration step on a VF, over a protocol
 * @fd:		the PF's controller character device
 * @p:		the protocol; NULL means Intel's
 * @vf:		the 1-based VF index (Intel's commands name the VF by it)
 * @cntlid:	the VF's secondary controller ID (TP4159 names the VF by it)
 * @op:		the step, by Intel's opcode: %INTEL_LM_OPC_QUERY_DATA_SIZE, _SUSPEND,
 *		_RESUME, _SAVE_DATA or _LOAD_DATA
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
int intel_lm_proto_send(int fd, const struct intel_lm_proto *p, uint16_t vf, uint16_t cntlid,
			uint8_t op, void *buf, uint32_t len, const struct intel_lm_opts *opts,
			uint32_t *result);

/**
 * intel_lm_tp_suspend_init() - Build Migration Send, Suspend
 * @cmd:	filled in; every field written
 * @cntlid:	the VF's controller ID
 * @stype:	%INTEL_LM_TP_STYPE_SUSPEND or %INTEL_LM_TP_STYPE_NOTIFY
 * @dudmq:	delete the user data migration queue (DUDMQ, CDW11 bit 31)
 *
 * CDW10 SEL 0; CDW11 CNTLID (15:0), STYPE (23:16), DUDMQ (31). No data.
 *
 * Return: 0, or -EINVAL for an @stype above 1.
 */
int intel_lm_tp_suspend_init(struct intel_lm_cmd *cmd, uint16_t cntlid, uint8_t stype,
			     bool dudmq);

/**
 * intel_lm_tp_resume_init() - Build Migration Send, Resume
 * @cmd:	filled in; every field written
 * @cntlid:	the VF's controller ID
 *
 * CDW10 SEL 1; CDW11 CNTLID (15:0). No data.
 */
void intel_lm_tp_resume_init(struct intel_lm_cmd *cmd, uint16_t cntlid);

/**
 * intel_lm_tp_set_state_init() - Build Migration Send, Set Controller State
 * @cmd:	filled in; every field written
 * @cntlid:	the VF's controller ID
 * @fmt:	the controller state format: its CSVI, CSUUIDI and UIDX
 * @seqind:	the command's place in the sequence, &enum intel_lm_tp_seqind
 * @offset:	where @buf goes in the state, in bytes (CDW12 low, CDW13 high)
 * @buf:	the bytes
 * @len:	their number, a multiple of 4 (NUMD = @len / 4 in CDW15)
 *
 * CDW10 SEL 2, MOS (31:16) = SEQIND; CDW11 CNTLID (15:0), CSVI (23:16), CSUUIDI (31:24);
 * CDW14 UIDX (6:0). Host to controller.
 *
 * Return: 0, or -EINVAL for a @len of 0 or not a multiple of 4, a NULL @buf, a @seqind
 * above 3, or a UIDX above 127.
 */
int intel_lm_tp_set_state_init(struct intel_lm_cmd *cmd, uint16_t cntlid,
			       const struct intel_lm_proto *fmt, uint8_t seqind, uint64_t offset,
			       const void *buf, uint32_t len);

/**
 * intel_lm_tp_get_state_init() - Build Migration Receive, Get Controller State
 * @cmd:	filled in; every field written
 * @cntlid:	the VF's controller ID
 * @fmt:	the controller state format: its CSVI, CSUUIDI and UIDX
 * @offset:	where in the state to read from, in bytes (CDW12 low, CDW13 high)
 * @buf:	where the bytes go
 * @len:	their number, a multiple of 4 (NUMD = @len / 4 - 1, zero-based, in CDW15)
 *
 * CDW10 SEL 0, MOS (31:16) = CSVI (MOS bits 7:0); CDW11 CNTLID (15:0), CSUUIDI (23:16),
 * CSUIDXP (31:24) 0; CDW14 UIDX (6:0). Controller to host. Completion DW0 bit 0 (CSUP) says
 * the controller was suspended.
 *
 * Return: 0, or -EINVAL for a @len of 0 or not a multiple of 4, a NULL @buf or a UIDX above
 * 127.
 */
int intel_lm_tp_get_state_init(struct intel_lm_cmd *cmd, uint16_t cntlid,
			       const struct intel_lm_proto *fmt, uint64_t offset, void *buf,
			       uint32_t len);

/**
 * intel_lm_tp_chunk_max() - The most bytes one Migration Send or Receive moves
 * @mdts_bytes:	the PF's maximum data transfer size in bytes (0 = MDTS sets no limit)
 * @want:	the caller's limit (&struct intel_lm_proto.max_xfer), 0 for none
 *
 * The smallest of MDTS, the kernel's 4 MiB and its %INTEL_LM_KERNEL_MAX_SEGS pages per command
 * (a page-aligned buffer of that many pages maps whatever its memory), and @want; then rounded
 * down to a multiple of 4 bytes (NUMD counts dwords), at least 4.
 */
uint32_t intel_lm_tp_chunk_max(uint32_t mdts_bytes, uint32_t want);

/**
 * intel_lm_tp_chunks() - How many commands a state of @size bytes takes
 * @size:	the state's size in bytes
 * @max:	the most bytes one command moves (intel_lm_tp_chunk_max()), a multiple of 4
 *
 * Return: the number of commands, 0 when @size or @max is 0.
 */
uint32_t intel_lm_tp_chunks(uint32_t size, uint32_t max);

/**
 * intel_lm_tp_chunk() - The @i-th command of a state of @size bytes
 * @size:	the state's size in bytes
 * @max:	the most bytes one command moves, a multiple of 4
 * @i:		0 to intel_lm_tp_chunks() - 1
 * @c:		filled in: every chunk but the last is @max bytes; SEQIND is ENTIRE for a single
 *		chunk, else FIRST, MIDDLE..., LAST
 *
 * Return: 0, or -ERANGE for an @i past the last chunk.
 */
int intel_lm_tp_chunk(uint32_t size, uint32_t max, uint32_t i, struct intel_lm_tp_chunk *c);

/**
 * intel_lm_tp_state_size() - The size of a controller state from its header
 * @hdr:	the first %INTEL_LM_TP_STATE_HDR_LEN bytes of the state, at any alignment
 * @size:	set to 48 + 4 * (NVMECSS + VSS)
 *
 * Return: 0, or -EOVERFLOW when the size does not fit 32 bits (the saved file's size field).
 */
int intel_lm_tp_state_size(const void *hdr, uint32_t *size);

#ifdef __cplusplus
}
#endif

#endif /* LIBINTEL_LM_PRIVATE_H */
