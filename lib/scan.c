// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one rule's view of a record directory, kept from one scan to the next (intel-lm/rule.h,
 * intel_lm_scan_new()).
 *
 * Without watches (below), each scan lists the directory, as an uncached one would, and takes
 * every record file's copies in the order listed. A record seen before, under the same name
 * and inode, is kept open; its copies are taken again only once its status (owner, mode,
 * links, size) and both slots' headers, read with two small preads, show it unchanged, and its
 * ctime is the one read (intel_lm_record_unchanged()).
 * Anything else (a new name, another inode, another header, a file that was not read whole and
 * settled, any error) reads the file whole again, as the uncached scan does. The state files
 * the records name are looked at on every scan: they change without their records.
 *
 * From its second scan on, a cache also watches with inotify(7), when it can, the directory
 * (names added, removed or moved; its attributes; itself moved or removed) and each record file
 * it keeps open (its inode, through /proc/self/fd: writes, truncation, chmod, chown, links made
 * or removed, the file moved or deleted), each watch added before what it guards is listed,
 * checked or read. Events are read first, without blocking; fsnotify queues a write's event
 * before write(2) returns, so a write completed before the scan (before the caller's lock of
 * the identities) is seen. Then:
 *  - no directory event since the last listing, and the path still names that directory (one
 *    stat(2)): the last listing's records, in its order, without listing it again;
 *  - a record watched since it was last read or checked, with no event: taken as it was, with
 *    no system call (a torn or untrusted one too: whatever ends that is an event);
 *  - a record with an event: read whole again through the descriptor kept (its name still
 *    names that inode: another inode is a listing's or a directory event's).
 * An event queue overflow lists the directory and reads every record again. A read error of
 * the queue, no inotify instance (EMFILE, ENOSYS), no watch to be had (no /proc, no room), or a
 * directory on a file system other than ext4, xfs, btrfs or tmpfs (a network or FUSE one does
 * not tell another host's writes) leaves the checks above, as before. Writes through a shared
 * mapping are not told by inotify: the records' writers use pwrite(2).
 *
 * A state file missing makes its directory looked up (once a scan): while that is missing, the
 * other state files in it are not looked at one by one (see state_whole()).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <intel-lm/record.h>
#include <intel-lm/rule.h>

#include "private.h"

#define NDIRS	8

/* One record file as last read. */
struct cached {
	char *name;
	ino_t ino;			/* as the directory listed it */
	int fd;				/* open on it, or -1 */
	int wd;				/* its inode's inotify watch, or -1 */
	bool changed;			/* an event came for it since it was last looked at */
	struct intel_lm_rec_stamp stamp;
	bool has_vf;			/* c[0] is the VF's copy */
	bool has_file;			/* c[1] is its state file's copy (all but .whole) */
	bool has_remote;		/* c[2] is the copy another host runs (migrate there) */
	uint64_t file_size;		/* the size that file needs to be whole */
	bool seen;			/* listed by this scan */
	size_t pos;			/* its place in the last listing */
	struct intel_lm_copy c[3];
};

struct intel_lm_scan {
	pthread_mutex_t mu;
	char *dir;
	dev_t dev;			/* the directory's, when @recs were read from it */
	ino_t ino;
	struct cached *recs;
	size_t nrecs, room;
	struct intel_lm_copy *out;	/* the last scan's copies */
	size_t nout, outroom;
	char *buf;			/* INTEL_LM_REC_READ_BUF bytes */
	unsigned long reads;		/* record files read whole */
	unsigned long checks;		/* records seen before, checked for a change */
	unsigned long scans;
	bool watch_now;			/* worth watching: from its next scan on */
	int ino_fd;			/* the inotify instance, or -1 */
	bool watchable;			/* the directory is on a file system watches tell */
	bool unwatched;			/* no watches for this cache (no inotify, or a test) */
	bool full;			/* a watch could not be added: no more tried */
	uid_t euid;			/* the last scan's */
	int dfd;			/* the directory listed, open (when watched) */
	int dwd;			/* its inotify watch, or -1 */
	bool listed;			/* no name came or went since the last listing */
	size_t *order;			/* the listing's order: indexes of @recs */
	size_t orderroom;
	unsigned long lists;		/* listings read */
	/* Directories of missing state files, this scan's (see state_whole()). */
	struct {
		char *path;
		size_t len;
		bool gone;
	} dirs[NDIRS];
	unsigned int ndirs;
	unsigned long stats;		/* state files looked at with stat(2) */
	const struct intel_lm_want *want;	/* this scan's: the copies it returns, or NULL */
};

void intel_lm_fd_room(unsigned long n)
{
	int base = open("/", O_PATH | O_CLOEXEC), fd;
	struct rlimit rl;

	if (base < 0)
		return;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY && n >= rl.rlim_cur)
		n = rl.rlim_cur - 1;
	fd = fcntl(base, F_DUPFD_CLOEXEC, (int)(n > INT_MAX ? INT_MAX : n));
	if (fd >= 0)
		close(fd);
	close(base);
}

/* Room for a descriptor per record of @dir, and 64 more (see intel_lm_fd_room()). */
static void fd_room(const char *dir)
{
	struct dirent *de;
	unsigned long n = 64;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)))
		n += intel_lm_record_name(de->d_name);
	closedir(d);
	intel_lm_fd_room(n);
}

int intel_lm_scan_new(const char *dir, struct intel_lm_scan **sp)
{
	struct intel_lm_scan *s = calloc(1, sizeof(*s));

	*sp = NULL;
	if (!s)
		return -ENOMEM;
	s->dir = strdup(dir && *dir ? dir : INTEL_LM_STATE_DIR);
	s->buf = malloc(INTEL_LM_REC_READ_BUF);
	if (!s->dir || !s->buf) {
		free(s->dir);
		free(s->buf);
		free(s);
		return -ENOMEM;
	}
	s->ino_fd = s->dfd = s->dwd = -1;
	pthread_mutex_init(&s->mu, NULL);
	fd_room(s->dir);
	*sp = s;
	return 0;
}

/* Drop the watch @wd (@r's until now) unless another record (a link to it) shares it. */
static void drop_wd(struct intel_lm_scan *s, const struct cached *r, int wd)
{
	size_t i;

	if (wd < 0 || s->ino_fd < 0)
		return;
	for (i = 0; i < s->nrecs; i++)
		if (&s->recs[i] != r && s->recs[i].wd == wd)
			return;
	inotify_rm_watch(s->ino_fd, wd);
}

static void unwatch(struct intel_lm_scan *s, struct cached *r)
{
	int wd = r->wd;

	r->wd = -1;
	drop_wd(s, r, wd);
}

/*
 * Watch the inode @r->fd is open on, before it is checked or read: any change after this
 * queues an event. Through the fd's own path (/proc/self/fd), so that it is that inode and
 * not one renamed over the name since. Left unwatched (checked every scan) when that cannot
 * be; after a failed inotify_add_watch() (no /proc, no room for watches) no more are tried.
 */
static void watch(struct intel_lm_scan *s, struct cached *r)
{
	int old = r->wd;
	char path[32];
	struct stat st;

	r->wd = -1;
	r->changed = false;
	if (s->ino_fd >= 0 && !s->full && r->fd >= 0 && !fstat(r->fd, &st) &&
	    st.st_dev == s->dev) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", r->fd);
		r->wd = inotify_add_watch(s->ino_fd, path, IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE |
					  IN_DELETE_SELF | IN_MOVE_SELF);
		if (r->wd < 0) {
			r->wd = -1;
			s->full = true;
		}
	}
	if (old != r->wd)
		drop_wd(s, r, old);
}

static void forget(struct intel_lm_scan *s, struct cached *r)
{
	unwatch(s, r);
	if (r->fd >= 0)
		close(r->fd);
	free(r->name);
}

static void forget_all(struct intel_lm_scan *s)
{
	size_t i;

	for (i = 0; i < s->nrecs; i++)
		forget(s, &s->recs[i]);
	s->nrecs = 0;
	s->listed = false;
}

/* No more watches (for good: @forever): every record is checked, as without inotify. */
static void stop_watching(struct intel_lm_scan *s, bool forever)
{
	size_t i;

	for (i = 0; i < s->nrecs; i++)
		s->recs[i].wd = -1;
	s->dwd = -1;
	s->listed = false;
	if (s->ino_fd >= 0)
		close(s->ino_fd);
	s->ino_fd = -1;
	s->unwatched |= forever;
}

/*
 * The events queued since the last scan, read without blocking: each marks the records
 * watching its inode as changed; an overflow (events lost) marks them all. A read error stops
 * the watching.
 */
static void drain(struct intel_lm_scan *s)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n, off;
	size_t i;

	while (s->ino_fd >= 0) {
		n = read(s->ino_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			stop_watching(s, true);
			return;
		}
		for (off = 0; off + (ssize_t)sizeof(*ev) <= n; off += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(buf + off);
			/* A name added, removed or moved, or the directory itself: list again. */
			if (ev->mask & IN_Q_OVERFLOW || (s->dwd >= 0 && ev->wd == s->dwd))
				s->listed = false;
			if (s->dwd >= 0 && ev->wd == s->dwd && ev->mask & IN_IGNORED)
				s->dwd = -1;
			for (i = 0; i < s->nrecs; i++) {
				struct cached *r = &s->recs[i];

				if (ev->mask & IN_Q_OVERFLOW) {
					r->changed = true;
				} else if (r->wd >= 0 && r->wd == ev->wd) {
					r->changed = true;
					if (ev->mask & IN_IGNORED)
						r->wd = -1;	/* the watch is gone */
				}
			}
		}
	}
}

void intel_lm_scan_free(struct intel_lm_scan *s)
{
	unsigned int i;

	if (!s)
		return;
	if (s->ino_fd >= 0)
		close(s->ino_fd);	/* its watches with it */
	s->ino_fd = -1;
	forget_all(s);
	free(s->recs);
	free(s->out);
	free(s->buf);
	free(s->dir);
	for (i = 0; i < NDIRS; i++)
		free(s->dirs[i].path);
	if (s->dfd >= 0)
		close(s->dfd);
	free(s->order);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

const char *intel_lm_scan_dir(const struct intel_lm_scan *s)
{
	return s->dir;
}

unsigned long intel_lm_scan_reads(const struct intel_lm_scan *s)
{
	return s->reads;
}

unsigned long intel_lm_scan_checks(const struct intel_lm_scan *s)
{
	return s->checks;
}

unsigned long intel_lm_scan_stats(const struct intel_lm_scan *s)
{
	return s->stats;
}

unsigned long intel_lm_scan_lists(const struct intel_lm_scan *s)
{
	return s->lists;
}

void intel_lm_scan_unwatched(struct intel_lm_scan *s)
{
	pthread_mutex_lock(&s->mu);
	stop_watching(s, true);
	pthread_mutex_unlock(&s->mu);
}

/*
 * The record @name among the first @old cached (those of earlier scans), or NULL. Listings
 * keep their order: the search starts after the last one found.
 */
static struct cached *find(struct intel_lm_scan *s, size_t old, size_t *hint, const char *name)
{
	size_t i;

	for (i = 0; i < old; i++) {
		struct cached *r = &s->recs[(*hint + i) % old];

		if (!strcmp(r->name, name)) {
			*hint = (*hint + i + 1) % old;
			return r;
		}
	}
	return NULL;
}

/* Read @r whole again (intel_lm_rule_copies()'s way): its copies, or none when unreadable. */
static void reread(struct intel_lm_scan *s, struct cached *r, uid_t euid);

static void reload(struct intel_lm_scan *s, int dfd, struct cached *r, uid_t euid)
{
	if (r->fd >= 0)
		close(r->fd);
	r->has_vf = r->has_file = r->has_remote = false;
	r->stamp.settled = false;
	r->fd = openat(dfd, r->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (r->fd < 0) {
		unwatch(s, r);
		return;
	}
	watch(s, r);	/* before the read: a change after it is an event */
	reread(s, r, euid);
}

/* Read @r whole again through the descriptor it has open. */
static void reread(struct intel_lm_scan *s, struct cached *r, uid_t euid)
{
	struct intel_lm_rec_entry e;

	r->has_vf = r->has_file = r->has_remote = false;
	r->stamp.settled = false;
	s->reads++;
	if (intel_lm_record_read_stamped(r->fd, s->buf, &e, &r->stamp, euid)) {
		/* Read again next time: what made it unreadable may pass. */
		r->stamp.settled = false;
		return;
	}
	/* A VF counts by the state it holds or by the one a LOAD_DATA in doubt brought. */
	if (intel_lm_identity_is_set(&e.ident) || intel_lm_identity_is_set(&e.load_ident)) {
		intel_lm_rule_copy_of(&e, &r->c[0]);
		r->has_vf = true;
	}
	r->has_file = intel_lm_rule_file_copy_of(&e, &r->c[1]);
	r->file_size = e.state_size;
	r->has_remote = intel_lm_rule_remote_copy_of(&e, &r->c[2]);
}

/*
 * Whether the state file @path is whole (a regular file of @size bytes or more), by stat(2).
 * Records of old batches name files in directories since removed: when a file is missing,
 * its directory is looked up, once a scan, and while it is missing (ENOENT, ENOTDIR, not a
 * directory) the files in it are not looked at again, since the path to each then fails to
 * resolve just the same. On tmpfs, which keeps no negative lookup, each stat of a missing file
 * allocates and frees a dentry.
 */
/* The memo of @path's directory (its first @len bytes) among this scan's, or -1. */
static int dir_seen(const struct intel_lm_scan *s, const char *path, size_t len)
{
	unsigned int i;

	for (i = 0; len && i < NDIRS && i < s->ndirs; i++)
		if (s->dirs[i].len == len && !memcmp(s->dirs[i].path, path, len))
			return (int)i;
	return -1;
}

static bool state_whole(struct intel_lm_scan *s, const char *path, uint64_t size)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;
	int seen = dir_seen(s, path, len);
	struct stat st;
	unsigned int i;
	char *dir;
	int err;

	if (seen >= 0 && s->dirs[seen].gone)
		return false;
	s->stats++;
	if (!stat(path, &st))
		return S_ISREG(st.st_mode) && (uint64_t)st.st_size >= size;
	if (seen >= 0 || !len || (errno != ENOENT && errno != ENOTDIR))
		return false;
	dir = strndup(path, len);
	if (!dir)
		return false;
	err = stat(dir, &st) < 0 ? errno : 0;
	i = s->ndirs++ % NDIRS;
	free(s->dirs[i].path);
	s->dirs[i].path = dir;
	s->dirs[i].len = len;
	s->dirs[i].gone = err == ENOENT || err == ENOTDIR || (!err && !S_ISDIR(st.st_mode));
	return false;
}

/* Room for @more copies in the scan's result. */
static int out_room(struct intel_lm_scan *s, size_t more)
{
	struct intel_lm_copy *p;
	size_t room;

	if (s->nout + more <= s->outroom)
		return 0;
	room = s->outroom ? 2 * s->outroom : 64;
	while (room < s->nout + more)
		room *= 2;
	p = realloc(s->out, room * sizeof(*p));
	if (!p)
		return -ENOMEM;
	s->out = p;
	s->outroom = room;
	return 0;
}

/* A copy, its path only up to its NUL: most of a copy is the room its path may need. */
static struct intel_lm_copy *put(struct intel_lm_scan *s, const struct intel_lm_copy *c)
{
	struct intel_lm_copy *d = &s->out[s->nout++];

	memcpy(d, c, offsetof(struct intel_lm_copy, path));
	intel_lm_put_str(d->path, sizeof(d->path), c->path);
	return d;
}

/* Whether @c goes in this scan's result. */
static bool wanted(const struct intel_lm_scan *s, const struct intel_lm_copy *c)
{
	return !s->want || intel_lm_rule_wanted(s->want, c);
}

/* @r's copies put in the scan's result (those it wants); 0 or -ENOMEM. */
static int put_copies(struct intel_lm_scan *s, const struct cached *r)
{
	if (out_room(s, 3))
		return -ENOMEM;
	if (r->has_vf && wanted(s, &r->c[0]))
		put(s, &r->c[0]);
	if (r->has_file && wanted(s, &r->c[1])) {
		struct intel_lm_copy *f = put(s, &r->c[1]);

		/* The state file changes without its record: looked at every time. */
		f->whole = state_whole(s, f->path, r->file_size);
	}
	if (r->has_remote && wanted(s, &r->c[2]))
		put(s, &r->c[2]);
	return 0;
}

/* Checked (or not) and read again if need be, as above: @r's copies put in the result. */
static int take(struct intel_lm_scan *s, int dfd, struct cached *r, uid_t euid)
{
	/*
	 * Watched since it was last read or checked, and no event since: unchanged (a torn or
	 * untrusted record too: whatever ends that is an event). An event: read again through
	 * the same descriptor (the name still names it: another inode is a listing's or a
	 * directory event's). Not watched: watched first, then checked.
	 */
	if (r->fd < 0) {
		reload(s, dfd, r, euid);
	} else if (r->wd >= 0 && r->changed) {
		r->changed = false;
		reread(s, r, euid);
	} else if (r->wd < 0) {
		watch(s, r);
		r->changed = false;
		s->checks++;
		if (!intel_lm_record_unchanged(r->fd, &r->stamp, euid))
			reload(s, dfd, r, euid);
	}
	return put_copies(s, r);
}

/* What every scan starts with: @euid's, no result yet. */
static void begin(struct intel_lm_scan *s, uid_t euid)
{
	size_t i;

	if (euid != s->euid)
		for (i = 0; i < s->nrecs; i++)
			s->recs[i].changed = true;
	s->euid = euid;
	s->ndirs = 0;
	s->nout = 0;
}

/*
 * Watch the directory @dfd is open on for names added, removed or moved, and itself moved or
 * removed, before it is listed; and keep it open, for records read without a listing.
 */
static void watch_dir(struct intel_lm_scan *s, int dfd)
{
	int old = s->dwd;
	char path[32];

	s->dwd = -1;
	if (s->dfd >= 0)
		close(s->dfd);
	s->dfd = -1;
	if (s->ino_fd < 0)
		return;
	s->dfd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	if (s->dfd < 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dfd);
	s->dwd = inotify_add_watch(s->ino_fd, path, IN_CREATE | IN_DELETE | IN_MOVED_FROM |
				   IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF |
				   IN_ONLYDIR);
	if (s->dwd < 0)
		s->dwd = -1;
	if (old >= 0 && old != s->dwd)
		inotify_rm_watch(s->ino_fd, old);
}

/* The copies of every record in @d, in the order listed; the scan's mutex is held. */
static int scan_dir(struct intel_lm_scan *s, DIR *d)
{
	uid_t euid = geteuid();
	int dfd = dirfd(d), ret;
	struct dirent *de;
	struct cached *r;
	struct stat st;
	size_t hint = 0, old, i, keep, nlisted = 0;
	bool twice = false;

	s->listed = false;
	/* Another directory under the same name: nothing read from the last one counts. */
	if (fstat(dfd, &st) < 0)
		return -errno;
	if (!s->scans || st.st_dev != s->dev || st.st_ino != s->ino) {
		struct statfs sf;

		forget_all(s);
		s->watchable = !fstatfs(dfd, &sf) &&
			       (sf.f_type == EXT4_SUPER_MAGIC || sf.f_type == XFS_SUPER_MAGIC ||
				sf.f_type == BTRFS_SUPER_MAGIC || sf.f_type == TMPFS_MAGIC);
		if (!s->watchable)
			stop_watching(s, false);
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	/*
	 * Watches from the second scan on, or once worth it (intel_lm_scan_expect()): a one-time
	 * scan (intel_lm_rule_copies()) takes none.
	 */
	if ((s->scans++ || s->watch_now) && s->ino_fd < 0 && s->watchable && !s->unwatched) {
		s->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (s->ino_fd < 0)
			s->unwatched = true;	/* EMFILE, ENOSYS: checked as without */
	}
	watch_dir(s, dfd);
	s->lists++;
	begin(s, euid);
	old = s->nrecs;
	for (i = 0; i < old; i++)
		s->recs[i].seen = false;
	while ((de = readdir(d))) {
		if (!intel_lm_record_name(de->d_name))
			continue;
		r = find(s, old, &hint, de->d_name);
		if (!r) {
			if (s->nrecs == s->room) {
				size_t room = s->room ? 2 * s->room : 64;
				struct cached *p = realloc(s->recs, room * sizeof(*p));

				if (!p)
					return -ENOMEM;
				s->recs = p;
				s->room = room;
			}
			r = &s->recs[s->nrecs];
			memset(r, 0, offsetof(struct cached, c));
			r->fd = r->wd = -1;
			r->name = strdup(de->d_name);
			if (!r->name)
				return -ENOMEM;
			s->nrecs++;
		}
		/* A name listed twice (renamed while listed) counts twice, as uncached. */
		if (r->seen) {
			twice = true;
		} else {
			if (r->ino != de->d_ino && r->fd >= 0) {
				close(r->fd);
				r->fd = -1;
			}
			r->ino = de->d_ino;
			r->pos = nlisted++;
			r->seen = true;
			ret = take(s, dfd, r, euid);
			if (ret)
				return ret;
			continue;
		}
		ret = put_copies(s, r);
		if (ret)
			return ret;
	}
	/* Records no longer listed are forgotten. */
	for (i = keep = 0; i < s->nrecs; i++) {
		if (!s->recs[i].seen)
			forget(s, &s->recs[i]);
		else if (keep++ != i)
			s->recs[keep - 1] = s->recs[i];	/* 13 KiB: moved only when it must */
	}
	s->nrecs = keep;
	/* The listing's order, for the scans that need none (no name came or went since). */
	if (twice || s->dwd < 0 || s->dfd < 0)
		return 0;
	if (s->nrecs > s->orderroom) {
		size_t *p = realloc(s->order, s->room * sizeof(*p));

		if (!p)
			return 0;
		s->order = p;
		s->orderroom = s->room;
	}
	for (i = 0; i < s->nrecs; i++)
		s->order[s->recs[i].pos] = i;
	s->listed = true;
	return 0;
}

/*
 * The copies of every record of the last listing, in its order: no name was added, removed or
 * moved in the directory since (no event) and its path still names it.
 */
static int scan_listed(struct intel_lm_scan *s)
{
	uid_t euid = geteuid();
	size_t i;
	int ret;

	begin(s, euid);
	for (i = 0; i < s->nrecs; i++) {
		ret = take(s, s->dfd, &s->recs[s->order[i]], euid);
		if (ret)
			return ret;
	}
	return 0;
}

/* The copies @w wants (all: NULL) in the scan's result; the scan's mutex is held. */
static int collect(struct intel_lm_scan *s, const struct intel_lm_want *w)
{
	struct stat st;
	DIR *d;
	int ret;

	s->want = w;
	drain(s);
	if (s->listed && !stat(s->dir, &st) && st.st_dev == s->dev && st.st_ino == s->ino) {
		ret = scan_listed(s);
	} else {
		s->listed = false;
		d = opendir(s->dir);
		if (!d) {
			ret = errno == ENOENT ? 0 : -errno;
			s->want = NULL;
			forget_all(s);
			s->nout = 0;
			return ret;
		}
		ret = scan_dir(s, d);
		closedir(d);
	}
	s->want = NULL;
	if (ret) {
		/* Half a scan: start afresh next time. */
		forget_all(s);
		s->nout = 0;
	}
	return ret;
}

int intel_lm_scan_copies_of(struct intel_lm_scan *s, const struct intel_lm_want *w,
			    const struct intel_lm_copy **copies, size_t *n)
{
	int ret;

	*copies = NULL;
	*n = 0;
	pthread_mutex_lock(&s->mu);
	ret = collect(s, w);
	if (ret) {
		pthread_mutex_unlock(&s->mu);
		return ret;
	}
	*copies = s->out;
	*n = s->nout;
	return 0;
}

/* What a pass that only reads what changed wants: no copy. */
static const struct intel_lm_want no_copies;

void intel_lm_scan_refresh(struct intel_lm_scan *s)
{
	pthread_mutex_lock(&s->mu);
	/* Unwatched, every record is checked again under the lock anyway. */
	if (!s->unwatched || !s->scans)
		collect(s, &no_copies);
	pthread_mutex_unlock(&s->mu);
}

/*
 * Watching costs at the end: closing an inotify instance that ever had a watch waits for the
 * kernel's reaper of marks (an SRCU grace period), 1 to 25 ms measured here at a process's
 * exit, about 10 ms often. Not watching costs each scan a check of every record (fstat(2) and
 * two 39-byte reads, about 2.5 us each here). Watched when the scans to come would check more
 * records than about 10 ms of such checks.
 */
#define WATCH_WORTH	4096

void intel_lm_scan_expect(struct intel_lm_scan *s, unsigned long scans)
{
	pthread_mutex_lock(&s->mu);
	if (s->ino_fd < 0 && (!s->watchable || scans * s->nrecs < WATCH_WORTH)) {
		s->unwatched = true;
	} else if (s->ino_fd < 0) {
		/* The watches now, before the scans, which may be under a lock. */
		s->watch_now = true;
		collect(s, &no_copies);
	}
	pthread_mutex_unlock(&s->mu);
}

int intel_lm_scan_copies(struct intel_lm_scan *s, const struct intel_lm_copy **copies, size_t *n)
{
	return intel_lm_scan_copies_of(s, NULL, copies, n);
}

void intel_lm_scan_done(struct intel_lm_scan *s)
{
	pthread_mutex_unlock(&s->mu);
}

int intel_lm_rule_copies(const char *dir, struct intel_lm_copy **copies, size_t *n)
{
	const struct intel_lm_copy *c;
	struct intel_lm_scan *s;
	int ret;

	*copies = NULL;
	*n = 0;
	ret = intel_lm_scan_new(dir, &s);
	if (ret)
		return ret;
	ret = intel_lm_scan_copies(s, &c, n);
	if (!ret) {
		if (*n) {
			*copies = malloc(*n * sizeof(**copies));
			if (*copies)
				memcpy(*copies, c, *n * sizeof(**copies));
			else
				ret = -ENOMEM;
		}
		intel_lm_scan_done(s);
	}
	if (ret)
		*n = 0;
	intel_lm_scan_free(s);
	return ret;
}
