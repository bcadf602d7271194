// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rule's scan cache (lib/scan.c): after every change another writer can make to a record
 * directory (a new entry, a removed record, a new one, a corrupt slot or header, a record no
 * longer trusted, a state file gone), a long-lived cache gives the copies that reading every
 * record afresh gives, field for field and in the same order; and an unchanged record is not
 * read again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/vfs.h>

#include <libintel-lm.h>

#include "unit.h"

const char unit_name[] = "unit-scan";

/* The library's private side of the cache, linked from its static archive. */
#include "../../lib/private.h"

static char dir[64];
static const struct intel_lm_pf_id pf = { .key = "pci-0000:3b:00.0", .pci = "0000:3b:00.0" };
static struct intel_lm_scan *cache;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void setup(void)
{
	struct statfs sf;

	/*
	 * On a file system the cache watches (lib/scan.c): /tmp, else /dev/shm (a container's
	 * /tmp may be an overlay, which it does not watch).
	 */
	strcpy(dir, "/tmp/intel-lm-scan-XXXXXX");
	if (!statfs("/tmp", &sf) && sf.f_type != EXT4_SUPER_MAGIC &&
	    sf.f_type != XFS_SUPER_MAGIC && sf.f_type != BTRFS_SUPER_MAGIC &&
	    sf.f_type != TMPFS_MAGIC && !access("/dev/shm", W_OK))
		strcpy(dir, "/dev/shm/intel-lm-scan-XXXXXX");
	if (!mkdtemp(dir) || intel_lm_scan_new(dir, &cache))
		abort();
}

static void teardown(void)
{
	intel_lm_scan_free(cache);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void path_of(char *buf, size_t len, uint16_t vf, const char *ext)
{
	snprintf(buf, len, "%s/vf%u.%s", dir, vf, ext);
}

/* Another writer puts an entry on VF @vf's record: @state, identity @id generation @gen. */
static void put(uint16_t vf, enum intel_lm_vf_state state, char id, uint32_t gen,
		uint32_t file_size)
{
	struct intel_lm_record rec;
	struct intel_lm_rec_entry *e = &rec.entry;

	ck_assert_int_eq(intel_lm_record_open(dir, &pf, vf, &rec), 0);
	e->state = state;
	memset(&e->ident, 0, sizeof(e->ident));
	e->ident.id[0] = (uint8_t)id;
	e->ident.gen = gen;
	if (file_size) {
		path_of(e->state_file, sizeof(e->state_file), vf, "blob");
		e->state_size = file_size;
		e->file_ident = e->ident;
	}
	ck_assert_int_eq(intel_lm_record_write(&rec), 0);
	intel_lm_record_close(&rec);
}

/* VF @vf saved by a closed migrate to VF @peer_vf of another host. */
static void put_remote(uint16_t vf, uint16_t peer_vf)
{
	struct intel_lm_record rec;
	struct intel_lm_rec_entry *e = &rec.entry;

	ck_assert_int_eq(intel_lm_record_open(dir, &pf, vf, &rec), 0);
	e->state = INTEL_LM_VF_SAVED;
	e->ident.id[0] = 'R';
	e->ident.gen = 4;
	e->op = INTEL_LM_OP_MIGRATE;
	e->role = INTEL_LM_ROLE_SOURCE;
	snprintf(e->peer_device, sizeof(e->peer_device), "peer:/dev/nvme1");
	e->peer_vf = peer_vf;
	ck_assert_int_eq(intel_lm_record_write(&rec), 0);
	intel_lm_record_close(&rec);
}

/* VF @vf's LOAD_DATA of state @id in doubt: it holds its own or @id. */
static void loading(uint16_t vf, char id)
{
	struct intel_lm_record rec;
	struct intel_lm_rec_entry *e = &rec.entry;

	ck_assert_int_eq(intel_lm_record_open(dir, &pf, vf, &rec), 0);
	memset(&e->load_ident, 0, sizeof(e->load_ident));
	e->load_ident.id[0] = (uint8_t)id;
	e->load_ident.gen = 1;
	ck_assert_int_eq(intel_lm_record_write(&rec), 0);
	intel_lm_record_close(&rec);
}

static void state_file(uint16_t vf, size_t size)
{
	char path[256], *buf = calloc(1, size);
	int fd;

	path_of(path, sizeof(path), vf, "blob");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, size), (ssize_t)size);
	close(fd);
	free(buf);
}

static void rec_path(char *buf, size_t len, uint16_t vf)
{
	ck_assert_int_eq(intel_lm_record_path(dir, pf.key, vf, buf, len), 0);
}

/* The newest slot's offset in VF @vf's record. */
static off_t newest_slot(uint16_t vf)
{
	struct intel_lm_rec_entry e;
	char path[4096];

	rec_path(path, sizeof(path), vf);
	ck_assert_int_eq(intel_lm_record_read(path, &e), 0);
	return (off_t)(e.seq % 2) * 8192;
}

static void flip(uint16_t vf, off_t at)
{
	char path[4096];
	unsigned char c;
	int fd;

	rec_path(path, sizeof(path), vf);
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &c, 1, at), 1);
	c ^= 0x5a;
	ck_assert_int_eq(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

/* Past the file system's clock tick, so that a cached read settles (see lib/record.c). */
static void tick(void)
{
	struct timespec ts = { 0, 50000000L };

	nanosleep(&ts, NULL);
}

/*
 * The copies as intel_lm_rule_copies() gathered them before the cache: every record read
 * afresh with intel_lm_record_read_at(), in the order listed.
 */
static size_t reference(struct intel_lm_copy *out, size_t room)
{
	struct intel_lm_rec_entry e;
	struct dirent *de;
	struct stat st;
	size_t k = 0;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!intel_lm_record_name(de->d_name) ||
		    intel_lm_record_read_at(dirfd(d), de->d_name, &e))
			continue;
		ck_assert_uint_le(k + 3, room);
		if (intel_lm_identity_is_set(&e.ident) || intel_lm_identity_is_set(&e.load_ident))
			intel_lm_rule_copy_of(&e, &out[k++]);
		if (e.state_file[0] && intel_lm_identity_is_set(&e.file_ident)) {
			struct intel_lm_copy *c = &out[k++];

			memset(c, 0, sizeof(*c));
			c->state = INTEL_LM_VF_SAVED;
			c->ident = e.file_ident;
			snprintf(c->path, sizeof(c->path), "%s", e.state_file);
			c->whole = !stat(e.state_file, &st) && S_ISREG(st.st_mode) &&
				   (uint64_t)st.st_size >= e.state_size;
		}
		if (intel_lm_rule_remote_copy_of(&e, &out[k]))
			k++;
	}
	closedir(d);
	return k;
}

static void same_copy(const struct intel_lm_copy *a, const struct intel_lm_copy *b)
{
	ck_assert_str_eq(a->pf, b->pf);
	ck_assert_str_eq(a->device, b->device);
	ck_assert_uint_eq(a->vf, b->vf);
	ck_assert_int_eq(a->state, b->state);
	ck_assert_int_eq(a->whole, b->whole);
	ck_assert_int_eq(a->may_run, b->may_run);
	ck_assert_int_eq(a->load_lost, b->load_lost);
	ck_assert_mem_eq(a->ident.id, b->ident.id, sizeof(a->ident.id));
	ck_assert_uint_eq(a->ident.gen, b->ident.gen);
	ck_assert_mem_eq(a->alt.id, b->alt.id, sizeof(a->alt.id));
	ck_assert_uint_eq(a->alt.gen, b->alt.gen);
	ck_assert_str_eq(a->path, b->path);
}

static struct intel_lm_copy ref[64], found, found_file;
static size_t nref_all;

/*
 * The cache's copies, intel_lm_rule_copies()' and the reference's are the same: @want of
 * them. @vf's VF copy, if any, is left in @found, its state file's in @found_file.
 */
static void same(size_t want, uint16_t vf)
{
	const struct intel_lm_copy *c;
	struct intel_lm_copy *u;
	size_t nref, nc, nu, i;
	char file[4096];

	nref = reference(ref, 64);
	ck_assert_int_eq(intel_lm_rule_copies(dir, &u, &nu), 0);
	ck_assert_int_eq(intel_lm_scan_copies(cache, &c, &nc), 0);
	ck_assert_uint_eq(nref, want);
	ck_assert_uint_eq(nu, nref);
	ck_assert_uint_eq(nc, nref);
	memset(&found, 0, sizeof(found));
	memset(&found_file, 0, sizeof(found_file));
	path_of(file, sizeof(file), vf, "blob");
	for (i = 0; i < nref; i++) {
		same_copy(&c[i], &ref[i]);
		same_copy(&u[i], &ref[i]);
		if (!c[i].path[0] && c[i].vf == vf)
			found = c[i];
		if (!strcmp(c[i].path, file))
			found_file = c[i];
	}
	intel_lm_scan_done(cache);
	free(u);
}

START_TEST(cached_as_uncached)
{
	char path[4096], moved[4096];
	unsigned long reads;
	uint16_t vf;

	/* Without inotify (see below for the cache that watches): as before it. */
	intel_lm_scan_unwatched(cache);

	/* Five VFs, each written twice (both slots valid); VF 1's and 2's states in files. */
	for (vf = 1; vf <= 5; vf++) {
		put(vf, INTEL_LM_VF_SUSPENDED, (char)('A' + vf), 1, vf <= 2 ? 4096 : 0);
		put(vf, INTEL_LM_VF_SAVED, (char)('A' + vf), 1, vf <= 2 ? 4096 : 0);
	}
	state_file(1, 4096);
	state_file(2, 100);	/* torn: shorter than the state */
	tick();
	same(7, 1);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), 5);
	/* Nothing changed: nothing read again. */
	same(7, 1);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), 5);

	/* Another writer's new entry, at once after the scan: seen by the next one. */
	reads = intel_lm_scan_reads(cache);
	put(3, INTEL_LM_VF_RUNNING, 'D', 2, 0);
	same(7, 3);
	ck_assert_int_eq(found.state, INTEL_LM_VF_RUNNING);
	ck_assert_uint_eq(found.ident.gen, 2);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), reads + 1);

	/* A record removed, then a new one. */
	rec_path(path, sizeof(path), 4);
	ck_assert_int_eq(unlink(path), 0);
	same(6, 0);
	put(6, INTEL_LM_VF_LOADED, 'Z', 7, 0);
	same(7, 6);
	ck_assert_int_eq(found.state, INTEL_LM_VF_LOADED);

	/* A state file gone, its record unchanged: no longer whole. */
	tick();
	same(7, 1);
	ck_assert(found_file.whole);
	reads = intel_lm_scan_reads(cache);
	path_of(path, sizeof(path), 1, "blob");
	ck_assert_int_eq(unlink(path), 0);
	same(7, 1);
	ck_assert_str_eq(found_file.path, path);
	ck_assert(!found_file.whole);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), reads);

	/*
	 * A corrupt body in the newest slot of a record read and settled, its headers as they
	 * were: the older entry counts, as when every record is read afresh.
	 */
	tick();
	same(7, 5);
	ck_assert_int_eq(found.state, INTEL_LM_VF_SAVED);
	flip(5, newest_slot(5) + 39 + 3);
	same(7, 5);
	ck_assert_int_eq(found.state, INTEL_LM_VF_SUSPENDED);
	/* Such a record is read whole every time: its newer slot may be one being written. */
	tick();
	reads = intel_lm_scan_reads(cache);
	same(7, 5);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), reads + 1);

	/* A corrupt header: the other slot's entry counts. */
	tick();
	same(7, 3);
	flip(3, newest_slot(3) + 10);
	same(7, 3);
	ck_assert_int_eq(found.state, INTEL_LM_VF_SAVED);

	/* A record no longer trusted (others may write it) counts for nothing. */
	tick();
	same(7, 6);
	rec_path(path, sizeof(path), 6);
	ck_assert_int_eq(chmod(path, 0666), 0);
	same(6, 0);
	ck_assert_int_eq(chmod(path, 0600), 0);
	same(7, 6);

	/* Another file under a record's name (a record moved aside and started afresh). */
	rec_path(path, sizeof(path), 2);
	snprintf(moved, sizeof(moved), "%s.aside", path);
	ck_assert_int_eq(rename(path, moved), 0);
	put(2, INTEL_LM_VF_RUNNING, 'Q', 3, 0);
	same(6, 2);
	ck_assert_int_eq(found.state, INTEL_LM_VF_RUNNING);
	ck_assert_uint_eq(found.ident.id[0], 'Q');

	/* A source migrated to another host: its copy there, running, also when cached. */
	put_remote(7, 9);
	same(8, 9);
	ck_assert_str_eq(found.device, "peer:/dev/nvme1");
	ck_assert_int_eq(found.state, INTEL_LM_VF_RUNNING);
	tick();
	same(8, 9);
	reads = intel_lm_scan_reads(cache);
	same(8, 9);
	/* Read again: VF 5's torn record alone. */
	ck_assert_uint_eq(intel_lm_scan_reads(cache), reads + 1);
	ck_assert_str_eq(found.device, "peer:/dev/nvme1");
}
END_TEST

/*
 * Records read whole and settled, then watched (from the second scan on): a scan with nothing
 * changed checks none of them, and does not list the directory.
 */
static void watched(size_t want)
{
	unsigned long reads, checks, lists;

	tick();
	same(want, 0);
	same(want, 0);
	reads = intel_lm_scan_reads(cache);
	checks = intel_lm_scan_checks(cache);
	lists = intel_lm_scan_lists(cache);
	same(want, 0);
	same(want, 0);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), reads);
	ck_assert_uint_eq(intel_lm_scan_checks(cache), checks);
	ck_assert_uint_eq(intel_lm_scan_lists(cache), lists);
}

/* The cache's copies alone: @want of them (where it may differ from an uncached scan). */
static void cached_only(size_t want)
{
	const struct intel_lm_copy *c;
	size_t nc;

	ck_assert_int_eq(intel_lm_scan_copies(cache, &c, &nc), 0);
	intel_lm_scan_done(cache);
	ck_assert_uint_eq(nc, want);
}

/* A scan lists the directory again (@again) or not, and finds @want copies. */
static void listed(size_t want, uint16_t vf, bool again)
{
	unsigned long lists = intel_lm_scan_lists(cache);

	same(want, vf);
	ck_assert_uint_eq(intel_lm_scan_lists(cache), lists + again);
}

/* Names added, removed, moved in a watched directory: listed again, each seen. */
START_TEST(names_change)
{
	char path[4096], other[4096];
	uint16_t vf;

	for (vf = 1; vf <= 30; vf++)
		put(vf, INTEL_LM_VF_SAVED, (char)('A' + vf % 26), vf, 0);
	watched(30);
	/* A new slot: no name changes, no listing. */
	put(7, INTEL_LM_VF_RUNNING, 'x', 9, 0);
	listed(30, 7, false);
	ck_assert_int_eq(found.state, INTEL_LM_VF_RUNNING);
	/* Created. */
	put(31, INTEL_LM_VF_LOADED, 'y', 1, 0);
	listed(31, 31, true);
	ck_assert_int_eq(found.state, INTEL_LM_VF_LOADED);
	listed(31, 31, false);
	/* Renamed over another (recover's move aside, the other way). */
	rec_path(path, sizeof(path), 31);
	rec_path(other, sizeof(other), 12);
	ck_assert_int_eq(rename(path, other), 0);
	listed(30, 31, true);
	ck_assert_int_eq(found.state, INTEL_LM_VF_LOADED);
	listed(30, 12, false);
	ck_assert_uint_eq(found.vf, 0);
	/* Moved aside under a name that is no record's, then back. */
	snprintf(path, sizeof(path), "%s/aside", dir);
	ck_assert_int_eq(rename(other, path), 0);
	listed(29, 31, true);
	ck_assert_uint_eq(found.vf, 0);
	ck_assert_int_eq(rename(path, other), 0);
	listed(30, 31, true);
	ck_assert_int_eq(found.state, INTEL_LM_VF_LOADED);
	/* Deleted. */
	rec_path(path, sizeof(path), 3);
	ck_assert_int_eq(unlink(path), 0);
	listed(29, 0, true);
	/* A hard link in the directory (neither trusted), then gone. */
	rec_path(path, sizeof(path), 4);
	rec_path(other, sizeof(other), 40);
	ck_assert_int_eq(link(path, other), 0);
	listed(28, 0, true);
	ck_assert_int_eq(unlink(other), 0);
	listed(29, 4, true);
	ck_assert_int_eq(found.state, INTEL_LM_VF_SAVED);
	/* The same under a name that is no record's: the record is not trusted meanwhile. */
	watched(29);
	snprintf(other, sizeof(other), "%s/x.tmp", dir);
	ck_assert_int_eq(link(path, other), 0);
	listed(28, 0, true);
	ck_assert_int_eq(unlink(other), 0);
	listed(29, 4, true);
	ck_assert_int_eq(found.state, INTEL_LM_VF_SAVED);
	watched(29);
}
END_TEST

/* The cache's path made to name another directory, nothing in the first one changed. */
START_TEST(path_moved)
{
	char real[4096], other[4096], link_path[4096], tmp[4096];
	struct intel_lm_scan *c;
	const struct intel_lm_copy *cp;
	size_t n, i;
	int k;

	snprintf(real, sizeof(real), "%s/a", dir);
	snprintf(other, sizeof(other), "%s/b", dir);
	snprintf(link_path, sizeof(link_path), "%s/link", dir);
	snprintf(tmp, sizeof(tmp), "%s/link.new", dir);
	ck_assert_int_eq(mkdir(real, 0700), 0);
	ck_assert_int_eq(mkdir(other, 0700), 0);
	ck_assert_int_eq(symlink("a", link_path), 0);
	ck_assert_int_eq(intel_lm_scan_new(link_path, &c), 0);
	/* Each directory's record, written as the rule's records are. */
	for (k = 0; k < 2; k++) {
		struct intel_lm_record rec;

		ck_assert_int_eq(intel_lm_record_open(k ? other : real, &pf, 5, &rec), 0);
		rec.entry.state = k ? INTEL_LM_VF_RUNNING : INTEL_LM_VF_SAVED;
		rec.entry.ident.id[0] = 'A';
		rec.entry.ident.gen = 1;
		ck_assert_int_eq(intel_lm_record_write(&rec), 0);
		intel_lm_record_close(&rec);
	}
	tick();
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(intel_lm_scan_copies(c, &cp, &n), 0);
		ck_assert_uint_eq(n, 1);
		ck_assert_int_eq(cp[0].state, INTEL_LM_VF_SAVED);
		intel_lm_scan_done(c);
	}
	ck_assert_uint_eq(intel_lm_scan_lists(c), 2);
	ck_assert_int_eq(symlink("b", tmp), 0);
	ck_assert_int_eq(rename(tmp, link_path), 0);
	ck_assert_int_eq(intel_lm_scan_copies(c, &cp, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(cp[0].state, INTEL_LM_VF_RUNNING);
	intel_lm_scan_done(c);
	intel_lm_scan_free(c);
}
END_TEST

/* What another process does to a watched record, through its own descriptor: seen at once. */
START_TEST(watched_changes)
{
	char path[4096], other[4096], aside[4096];
	unsigned long reads, checks;
	uint16_t vf;

	for (vf = 1; vf <= 4; vf++) {
		put(vf, INTEL_LM_VF_SUSPENDED, (char)('A' + vf), 1, 0);
		put(vf, INTEL_LM_VF_SAVED, (char)('A' + vf), 1, 0);
	}
	watched(4);

	/* A new slot written: that record alone read again, without a check first. */
	reads = intel_lm_scan_reads(cache);
	checks = intel_lm_scan_checks(cache);
	put(1, INTEL_LM_VF_RUNNING, 'X', 2, 0);
	same(4, 1);
	ck_assert_int_eq(found.state, INTEL_LM_VF_RUNNING);
	ck_assert_uint_eq(found.ident.id[0], 'X');
	ck_assert_uint_eq(intel_lm_scan_checks(cache), checks);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), reads + 1);
	watched(4);

	/* chmod: no longer trusted, then trusted again. */
	rec_path(path, sizeof(path), 3);
	ck_assert_int_eq(chmod(path, 0644), 0);
	same(4, 3);
	ck_assert_int_eq(chmod(path, 0660), 0);
	same(3, 0);
	ck_assert_int_eq(chmod(path, 0600), 0);
	same(4, 3);
	ck_assert_int_eq(found.state, INTEL_LM_VF_SAVED);

	/*
	 * A hard link made elsewhere (not trusted: others may write it) is not told (the watch is
	 * the directory's, see lib/scan.c): seen once the record changes through the directory.
	 * Untrusted, it is checked at every scan, and trusted again once the link is gone.
	 */
	watched(4);
	snprintf(aside, sizeof(aside), "%s/aside", dir);
	ck_assert_int_eq(mkdir(aside, 0700), 0);
	snprintf(other, sizeof(other), "%s/aside/link", dir);
	ck_assert_int_eq(link(path, other), 0);
	cached_only(4);
	ck_assert_int_eq(chmod(path, 0600), 0);
	same(3, 0);
	checks = intel_lm_scan_checks(cache);
	same(3, 0);
	ck_assert_uint_eq(intel_lm_scan_checks(cache), checks + 1);
	ck_assert_int_eq(unlink(other), 0);
	same(4, 3);
	ck_assert_int_eq(found.state, INTEL_LM_VF_SAVED);

	/* Truncated by another descriptor, then deleted. */
	watched(4);
	ck_assert_int_eq(truncate(path, 0), 0);
	same(3, 0);
	ck_assert_int_eq(unlink(path), 0);
	same(3, 0);

	/* Renamed over another record (recover's move aside, the other way): its entry counts. */
	watched(3);
	rec_path(path, sizeof(path), 4);
	rec_path(other, sizeof(other), 1);
	ck_assert_int_eq(rename(path, other), 0);
	same(2, 4);
	ck_assert_int_eq(found.state, INTEL_LM_VF_SAVED);
	ck_assert_uint_eq(found.ident.id[0], 'A' + 4);

	/* Deleted; a record created; a file that is no record. */
	watched(2);
	ck_assert_int_eq(unlink(other), 0);
	same(1, 0);
	put(6, INTEL_LM_VF_LOADED, 'Z', 7, 0);
	same(2, 6);
	ck_assert_int_eq(found.state, INTEL_LM_VF_LOADED);
	state_file(9, 10);
	watched(2);

	/* A corrupt body in the newest slot, its headers kept: the older entry counts. */
	put(6, INTEL_LM_VF_SAVED, 'Z', 7, 0);
	watched(2);
	flip(6, newest_slot(6) + 39 + 3);
	same(2, 6);
	ck_assert_int_eq(found.state, INTEL_LM_VF_LOADED);
	/* Not read again until its writer is done (an event), then its entry counts. */
	watched(2);
	put(6, INTEL_LM_VF_RUNNING, 'Z', 8, 0);
	same(2, 6);
	ck_assert_int_eq(found.state, INTEL_LM_VF_RUNNING);
	ck_assert_uint_eq(found.ident.gen, 8);
}
END_TEST

/*
 * Events lost to a full queue: every record checked and the directory listed, a change and a
 * new record among the lost ones seen.
 */
START_TEST(watch_overflow)
{
	char path1[4096], path2[4096], c1, c2;
	unsigned long reads;
	long max = 16384, i;
	int fd1, fd2;
	FILE *f;

	f = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
	if (f) {
		ck_assert_int_eq(fscanf(f, "%ld", &max), 1);
		fclose(f);
	}
	put(1, INTEL_LM_VF_SAVED, 'A', 1, 0);
	put(2, INTEL_LM_VF_SAVED, 'B', 1, 0);
	put(3, INTEL_LM_VF_SAVED, 'C', 1, 0);
	watched(3);
	rec_path(path1, sizeof(path1), 1);
	rec_path(path2, sizeof(path2), 2);
	fd1 = open(path1, O_RDWR);
	fd2 = open(path2, O_RDWR);
	ck_assert_int_ge(fd1, 0);
	ck_assert_int_ge(fd2, 0);
	ck_assert_int_eq(pread(fd1, &c1, 1, 0), 1);
	ck_assert_int_eq(pread(fd2, &c2, 1, 0), 1);
	/*
	 * Events that cannot merge (each another name's than the last), more than fit: each
	 * file's first byte written as it is.
	 */
	for (i = 0; i <= max; i++)
		ck_assert_int_eq(i % 2 ? pwrite(fd1, &c1, 1, 0) : pwrite(fd2, &c2, 1, 0), 1);
	close(fd1);
	close(fd2);
	put(3, INTEL_LM_VF_RUNNING, 'D', 2, 0);
	put(4, INTEL_LM_VF_SAVED, 'E', 1, 0);
	reads = intel_lm_scan_reads(cache);
	same(4, 3);
	ck_assert_int_eq(found.state, INTEL_LM_VF_RUNNING);
	ck_assert_uint_eq(found.ident.id[0], 'D');
	/* Each read again (the new one for the first time). */
	ck_assert_uint_eq(intel_lm_scan_reads(cache), reads + 4);
	watched(4);
}
END_TEST

/* Without inotify: every record checked every scan, changes seen as before. */
START_TEST(unwatched)
{
	unsigned long checks;

	put(1, INTEL_LM_VF_SAVED, 'A', 1, 0);
	put(2, INTEL_LM_VF_SAVED, 'B', 1, 0);
	watched(2);
	intel_lm_scan_unwatched(cache);
	checks = intel_lm_scan_checks(cache);
	same(2, 2);
	ck_assert_uint_eq(intel_lm_scan_checks(cache), checks + 2);
	same(2, 2);
	ck_assert_uint_eq(intel_lm_scan_checks(cache), checks + 4);
	put(2, INTEL_LM_VF_RUNNING, 'C', 2, 0);
	same(2, 2);
	ck_assert_int_eq(found.state, INTEL_LM_VF_RUNNING);
	ck_assert_uint_eq(intel_lm_scan_checks(cache), checks + 6);
}
END_TEST

/* VF @vf's record naming its state in @sub/vf@vf.blob, a file of 4 KiB written when @with_file. */
static void put_in(uint16_t vf, const char *sub, bool with_file)
{
	struct intel_lm_record rec;
	struct intel_lm_rec_entry *e = &rec.entry;
	char *buf;
	int fd;

	ck_assert_int_eq(intel_lm_record_open(dir, &pf, vf, &rec), 0);
	e->state = INTEL_LM_VF_SAVED;
	memset(&e->ident, 0, sizeof(e->ident));
	e->ident.id[0] = (uint8_t)('A' + vf);
	e->ident.gen = 1;
	snprintf(e->state_file, sizeof(e->state_file), "%s/%s/vf%u.blob", dir, sub, vf);
	e->state_size = 4096;
	e->file_ident = e->ident;
	ck_assert_int_eq(intel_lm_record_write(&rec), 0);
	if (with_file) {
		buf = calloc(1, 4096);
		fd = open(e->state_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, buf, 4096), 4096);
		close(fd);
		free(buf);
	}
	intel_lm_record_close(&rec);
}

/*
 * State files in a directory removed, replaced by a file, back with some of them: each whole
 * as stat(2) of each tells, the missing directory's files not looked at one by one.
 */
START_TEST(state_dir_gone)
{
	char sub[4096], path[4096];
	unsigned long stats;
	uint16_t vf;

	snprintf(sub, sizeof(sub), "%s/b", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	for (vf = 1; vf <= 3; vf++)
		put_in(vf, "b", true);
	put_in(4, "c", false);
	watched(8);
	stats = intel_lm_scan_stats(cache);
	same(8, 0);
	ck_assert_uint_eq(intel_lm_scan_stats(cache), stats + 4);

	nftw(sub, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	stats = intel_lm_scan_stats(cache);
	same(8, 0);
	ck_assert_uint_eq(intel_lm_scan_stats(cache), stats + 2);

	/* A file where the directory was: ENOTDIR. */
	state_file(9, 10);
	path_of(path, sizeof(path), 9, "blob");
	ck_assert_int_eq(rename(path, sub), 0);
	stats = intel_lm_scan_stats(cache);
	same(8, 0);
	ck_assert_uint_eq(intel_lm_scan_stats(cache), stats + 2);

	/* Back, with VF 2's file alone: each looked at. */
	ck_assert_int_eq(unlink(sub), 0);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	put_in(2, "b", true);
	stats = intel_lm_scan_stats(cache);
	same(8, 0);
	ck_assert_uint_eq(intel_lm_scan_stats(cache), stats + 4);
	for (vf = 1; vf <= 3; vf++)
		put_in(vf, "b", true);
	same(8, 0);
}
END_TEST

/* The cache's directory replaced, then gone, then back: what each holds. */
START_TEST(directory_replaced)
{
	char old[4096];

	put(1, INTEL_LM_VF_SAVED, 'A', 1, 0);
	watched(1);
	snprintf(old, sizeof(old), "%s.old", dir);
	ck_assert_int_eq(rename(dir, old), 0);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	put(1, INTEL_LM_VF_RUNNING, 'B', 2, 0);
	same(1, 1);
	ck_assert_uint_eq(found.ident.id[0], 'B');
	/* Gone: nothing. Back as the first one: what it holds. */
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	same(0, 0);
	ck_assert_int_eq(rename(old, dir), 0);
	same(1, 1);
	ck_assert_uint_eq(found.ident.id[0], 'A');
}
END_TEST

/*
 * The copies a question wants, with only their state files looked at: those a full scan
 * gives that it wants, in the same order, the VFs it names whatever they hold.
 */
static void wanted_as_all(const struct intel_lm_want *w, size_t want, unsigned long stats)
{
	const struct intel_lm_copy *c;
	size_t n, i, k = 0;
	unsigned long before;

	nref_all = reference(ref, 64);
	before = intel_lm_scan_stats(cache);
	ck_assert_int_eq(intel_lm_scan_copies_of(cache, w, &c, &n), 0);
	ck_assert_uint_eq(intel_lm_scan_stats(cache), before + stats);
	ck_assert_uint_eq(n, want);
	for (i = 0; i < nref_all; i++)
		if (intel_lm_rule_wanted(w, &ref[i])) {
			ck_assert_uint_lt(k, n);
			same_copy(&c[k++], &ref[i]);
		}
	ck_assert_uint_eq(k, n);
	intel_lm_scan_done(cache);
}

START_TEST(wanted_only)
{
	struct intel_lm_want w = { .n_ids = 1 };
	struct intel_lm_rec_entry known = { .vf = 4 };
	uint16_t vf;

	/* Six VFs, each its own state; those of VFs 1 to 3 in files, and a second copy of B. */
	for (vf = 1; vf <= 6; vf++)
		put(vf, INTEL_LM_VF_SAVED, (char)('A' + vf), 1, vf <= 3 ? 4096 : 0);
	put(7, INTEL_LM_VF_RUNNING, 'B', 2, 0);
	put_remote(8, 3);
	for (vf = 1; vf <= 3; vf++)
		state_file(vf, 4096);
	tick();
	/* Everything, each file looked at. */
	same(12, 0);
	/* B (VF 1's): VF 1, its file and VF 7; one file looked at. */
	w.ids[0].id[0] = 'B';
	wanted_as_all(&w, 3, 1);
	/* A state no copy holds: none, no file looked at. */
	w.ids[0].id[0] = 'Q';
	wanted_as_all(&w, 0, 0);
	/* ... and VF 4, whatever it holds; and R: VF 8's, and the copy it left on another host. */
	snprintf(known.pf.key, sizeof(known.pf.key), "%s", pf.key);
	w.vfs = &known;
	w.n_vfs = 1;
	w.ids[1].id[0] = 'R';
	w.n_ids = 2;
	wanted_as_all(&w, 3, 0);
	/* E (VF 4's), and VF 5, which may hold it after a LOAD_DATA in doubt. */
	w.vfs = NULL;
	w.n_vfs = 0;
	w.ids[0].id[0] = 'E';
	w.n_ids = 1;
	loading(5, 'E');
	wanted_as_all(&w, 2, 0);
}
END_TEST

/* Four records, read by a refresh of the cache, which is told of @scans to come. */
static void four_refreshed(unsigned long scans)
{
	uint16_t vf;

	for (vf = 1; vf <= 4; vf++)
		put(vf, INTEL_LM_VF_SAVED, (char)('A' + vf), 1, 0);
	tick();
	intel_lm_scan_refresh(cache);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), 4);
	intel_lm_scan_expect(cache, scans);
}

/*
 * A refresh reads what changed; a cache with many scans to come is watched at once, and the
 * scan right after a refresh reads and checks nothing.
 */
START_TEST(refreshed)
{
	unsigned long reads, checks;

	four_refreshed(4096);
	reads = intel_lm_scan_reads(cache);
	checks = intel_lm_scan_checks(cache);
	same(4, 0);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), reads);
	ck_assert_uint_eq(intel_lm_scan_checks(cache), checks);
	/* Another writer's entry: read by the refresh, not by the scan after it. */
	put(2, INTEL_LM_VF_RUNNING, 'C', 2, 0);
	intel_lm_scan_refresh(cache);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), reads + 1);
	same(4, 2);
	ck_assert_int_eq(found.state, INTEL_LM_VF_RUNNING);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), reads + 1);
	ck_assert_uint_eq(intel_lm_scan_checks(cache), checks);
}
END_TEST

/*
 * A cache with few scans to come takes no watch (closing one costs more than they save):
 * each scan checks every record, reads none unchanged, and sees another writer's entry.
 */
START_TEST(not_worth_watching)
{
	unsigned long reads, checks;

	four_refreshed(2);
	reads = intel_lm_scan_reads(cache);
	checks = intel_lm_scan_checks(cache);
	same(4, 0);
	same(4, 0);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), reads);
	ck_assert_uint_eq(intel_lm_scan_checks(cache), checks + 8);
	/* A refresh adds nothing the scan under the lock does not do again. */
	intel_lm_scan_refresh(cache);
	ck_assert_uint_eq(intel_lm_scan_checks(cache), checks + 8);
	put(3, INTEL_LM_VF_RUNNING, 'C', 2, 0);
	same(4, 3);
	ck_assert_int_eq(found.state, INTEL_LM_VF_RUNNING);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), reads + 1);
}
END_TEST

/* The inotify watches this process holds: "inotify wd:" lines of /proc/self/fdinfo/. */
static int watches(void)
{
	char path[300], line[512];
	struct dirent *de;
	int n = 0;
	DIR *d = opendir("/proc/self/fdinfo");
	FILE *f;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%s", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			n += !strncmp(line, "inotify wd:", 11);
		fclose(f);
	}
	closedir(d);
	return n;
}

/*
 * Eight records, read by a cache told before its first scan that many scans are to come (a
 * batch's, or a single load's during Identify): read once, under one watch, the directory's.
 */
static void eight_read_watched(int before)
{
	uint16_t vf;

	for (vf = 1; vf <= 8; vf++)
		put(vf, INTEL_LM_VF_SAVED, (char)('A' + vf), 1, 0);
	tick();
	intel_lm_scan_expect(cache, ULONG_MAX);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), 8);
	ck_assert_int_eq(watches(), before + 1);
}

/*
 * One watch, the directory's, however many records; read watched from the start when told
 * before the first scan. It goes after the last scan expected, not when the cache is freed
 * (which would then wait for the kernel to reap it), and the scans after that check every
 * record, another writer's entry seen.
 */
START_TEST(watch_ends_with_scans)
{
	int before = watches();
	unsigned long checks, i;

	eight_read_watched(before);
	/* 600 scans of 8 records are worth a watch (lib/scan.c): it stays for 599. */
	intel_lm_scan_expect(cache, 600);
	checks = intel_lm_scan_checks(cache);
	for (i = 0; i < 599; i++)
		cached_only(8);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), 8);
	ck_assert_uint_eq(intel_lm_scan_checks(cache), checks);
	ck_assert_int_eq(watches(), before + 1);
	same(8, 0);
	ck_assert_int_eq(watches(), before);
	put(5, INTEL_LM_VF_RUNNING, 'Z', 2, 0);
	same(8, 5);
	ck_assert_int_eq(found.state, INTEL_LM_VF_RUNNING);
	ck_assert_uint_eq(intel_lm_scan_checks(cache), checks + 8);
	/* Few scans to come: no watch again. */
	intel_lm_scan_expect(cache, 2);
	same(8, 5);
	ck_assert_int_eq(watches(), before);
}
END_TEST

/*
 * A cache read watched (a single load's, during Identify) and then told of one scan, fewer than
 * a watch would be worth: the watch, made already, stays for that scan, which reads only the
 * record another writer changed and checks none; it goes after it.
 */
START_TEST(paid_watch_kept_for_its_scans)
{
	int before = watches();
	unsigned long reads, checks;

	eight_read_watched(before);
	intel_lm_scan_expect(cache, 1);
	ck_assert_int_eq(watches(), before + 1);
	reads = intel_lm_scan_reads(cache);
	checks = intel_lm_scan_checks(cache);
	put(3, INTEL_LM_VF_RUNNING, 'Z', 2, 0);
	same(8, 3);
	ck_assert_int_eq(found.state, INTEL_LM_VF_RUNNING);
	ck_assert_uint_eq(intel_lm_scan_reads(cache), reads + 1);
	ck_assert_uint_eq(intel_lm_scan_checks(cache), checks);
	ck_assert_int_eq(watches(), before);
}
END_TEST

/* The size of this process's descriptor table (FDSize in /proc/self/status), or 0. */
static unsigned long fd_size(void)
{
	unsigned long n = 0;
	char line[128];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "FDSize: %lu", &n) == 1)
			break;
	fclose(f);
	return n;
}

/*
 * A cache makes room in the descriptor table for every record at once, before any is opened
 * (a table grown later, by a process of several threads, waits for RCU at each doubling).
 */
START_TEST(descriptor_room)
{
	unsigned long before = fd_size(), n, recs, size;
	struct intel_lm_scan *other;
	struct rlimit rl;

	ck_assert_uint_gt(before, 0);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	/*
	 * More records than the table holds, where the limit lets it grow; under valgrind the
	 * table is valgrind's, already past the limit it leaves the program: a few records then.
	 */
	recs = before + 10 + 64 < rl.rlim_cur ? before + 10 : 20;
	for (n = 1; n <= recs; n++)
		put((uint16_t)n, INTEL_LM_VF_SUSPENDED, 'A', 1, 0);
	ck_assert_int_eq(intel_lm_scan_new(dir, &other), 0);
	size = fd_size();
	intel_lm_scan_free(other);
	ck_assert_uint_ge(size, recs + 64 < rl.rlim_cur ? recs + 64 : rl.rlim_cur - 1);
	n = 4 * before + 100 < rl.rlim_cur ? 4 * before + 100 : rl.rlim_cur - 1;
	intel_lm_fd_room(n);
	ck_assert_uint_ge(fd_size(), n);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create(unit_name);
	TCase *tc = tcase_create("scan");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, cached_as_uncached);
	tcase_add_test(tc, directory_replaced);
	tcase_add_test(tc, watched_changes);
	tcase_add_test(tc, watch_overflow);
	tcase_add_test(tc, unwatched);
	tcase_add_test(tc, state_dir_gone);
	tcase_add_test(tc, names_change);
	tcase_add_test(tc, path_moved);
	tcase_add_test(tc, wanted_only);
	tcase_add_test(tc, refreshed);
	tcase_add_test(tc, not_worth_watching);
	tcase_add_test(tc, watch_ends_with_scans);
	tcase_add_test(tc, paid_watch_kept_for_its_scans);
	tcase_add_test(tc, descriptor_room);
	suite_add_tcase(s, tc);
	return s;
}
