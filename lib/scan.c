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
 * From its second scan on, or from its first when many scans are to come
 * (intel_lm_scan_expect()), a cache also watches the directory with inotify(7), when it can: one
 * watch, added before the directory is listed and its records checked or read, tells names
 * added, removed or moved, the directory's own attributes, itself moved or removed, and, by
 * name, each entry written, truncated, chmod'ed or chown'ed through the directory. Every
 * writer of a record opens it by its name in the directory, and a record is trusted only with
 * one link (intel_lm_record_open()): a hard link to it made elsewhere after it was read, and
 * writes through such a link, are what the watch does not tell (only root can make one, and no
 * intel-lm writer uses one); they are seen once the record is read again. Events are read
 * first, without blocking; fsnotify queues a write's event before write(2) returns, so a write
 * completed before the scan (before the caller's lock of the identities) is seen. Then:
 *  - no name added, removed or moved since the last listing, and the path still names that
 *    directory (one stat(2)): the last listing's records, in its order, without listing it
 *    again;
 *  - a record read or checked under the watch, with no event for its name since: taken as it
 *    was, with no system call (a torn one too: whatever ends that is an event); one that could
 *    not be read or trusted is checked at every scan (what ends that may not be told);
 *  - a record with an event: read whole again through the descriptor kept (its name still
 *    names that inode: another inode is a listing's event).
 * An event queue overflow lists the directory and reads every record again. A read error of
 * the queue, no inotify instance (EMFILE, ENOSYS), no watch to be had (no /proc, no room), or a
 * directory on a file system other than ext4, xfs, btrfs or tmpfs (a network or FUSE one does
 * not tell another host's writes) leaves the checks above, as before. Writes through a shared
 * mapping are not told by inotify: the records' writers use pwrite(2).
 *
 * The watch goes when the last of the scans expected is done, not when the cache is freed:
 * closing an instance whose watch is still there waits for the kernel's reaper of marks (an
 * SRCU grace period, 1 to 25 ms here), and removing the watch first lets that pass while the
 * caller's commands run (a close 1 ms later took 0.07 ms).
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
	bool watched;			/* read or checked under the directory's watch */
	bool changed;			/* an event came for its name since it was last looked at */
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
	size_t others;			/* of them, from records other than the want's own */
	char *buf;			/* INTEL_LM_REC_READ_BUF bytes */
	unsigned long reads;		/* record files read whole */
	unsigned long checks;		/* records seen before, checked for a change */
	unsigned long scans;
	bool watch_now;			/* worth watching: from its next scan on */
	unsigned long left;		/* scans expected still to come, or 0: not counted */
	int ino_fd;			/* the inotify instance, or -1 */
	bool watchable;			/* the directory is on a file system watches tell */
	bool unwatched;			/* no more watches for this cache (none to be had, done) */
	uid_t euid;			/* the last scan's */
	int dfd;			/* the directory listed, open (when watched) */
	int dwd;			/* its inotify watch, or -1: none, nothing is watched */
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

/* @r is read or checked now: under the directory's watch, a change after this is an event. */
static void watch(const struct intel_lm_scan *s, struct cached *r)
{
	r->watched = s->dwd >= 0;
	r->changed = false;
}

/* No record is watched any more: each is checked at its next scan. */
static void unwatch_all(struct intel_lm_scan *s)
{
	size_t i;

	for (i = 0; i < s->nrecs; i++)
		s->recs[i].watched = false;
}

static void forget(struct cached *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->name);
}

static void forget_all(struct intel_lm_scan *s)
{
	size_t i;

	for (i = 0; i < s->nrecs; i++)
		forget(&s->recs[i]);
	s->nrecs = 0;
	s->listed = false;
}

/*
 * No more watching (for good: @forever): every record is checked, as without inotify. The
 * instance is kept, without its watch, until the cache is freed (see above).
 */
static void stop_watching(struct intel_lm_scan *s, bool forever)
{
	unwatch_all(s);
	if (s->dwd >= 0 && s->ino_fd >= 0)
		inotify_rm_watch(s->ino_fd, s->dwd);
	s->dwd = -1;
	s->listed = false;
	s->unwatched |= forever;
}

/* The records named @name (a directory entry an event told) changed. */
static void changed(struct intel_lm_scan *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nrecs; i++)
		if (!strcmp(s->recs[i].name, name))
			s->recs[i].changed = true;
}

/*
 * The events queued since the last scan, read without blocking: each marks the record it
 * names as changed, and one of a name added, removed or moved, or of the directory itself,
 * makes the next scan list it; an overflow (events lost) marks them all. A read error stops
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
			if (ev->mask & IN_Q_OVERFLOW) {
				s->listed = false;
				for (i = 0; i < s->nrecs; i++)
					s->recs[i].changed = true;
				continue;
			}
			/* An earlier watch's (a directory since replaced): nothing of this one. */
			if (s->dwd < 0 || ev->wd != s->dwd)
				continue;
			if (ev->mask & IN_IGNORED) {
				/* The watch is gone (the directory removed): nothing is watched. */
				s->dwd = -1;
				s->listed = false;
				unwatch_all(s);
				continue;
			}
			/* The directory itself, or a name added, removed or moved: list again. */
			if (!ev->len || ev->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM |
						    IN_MOVED_TO))
				s->listed = false;
			if (ev->len)
				changed(s, ev->name);
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
		r->watched = false;
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
		/*
		 * Read again next time: what made it unreadable may pass, and may not be told
		 * (a hard link elsewhere removed).
		 */
		r->stamp.settled = false;
		r->watched = false;
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
	size_t nout = s->nout;

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
	if (s->nout > nout && (!s->want || !s->want->own || strcmp(r->name, s->want->own)))
		s->others += s->nout - nout;
	return 0;
}

/* Checked (or not) and read again if need be, as above: @r's copies put in the result. */
static int take(struct intel_lm_scan *s, int dfd, struct cached *r, uid_t euid)
{
	/*
	 * Watched since it was last read or checked, and no event since: unchanged (a torn
	 * record too: whatever ends that is an event). An event: read again through the same
	 * descriptor (the name still names it: another inode is a listing's event). Not watched
	 * (nor one that could not be read or trusted): watched first, then checked.
	 */
	if (r->fd < 0) {
		reload(s, dfd, r, euid);
	} else if (r->watched && r->changed) {
		r->changed = false;
		reread(s, r, euid);
	} else if (!r->watched) {
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
	s->others = 0;
}

/*
 * Watch the directory @dfd is open on (see above) before it is listed; and keep it open, for
 * records read without a listing. Another watch than the last (another directory, or none):
 * nothing read before counts as watched.
 */
static void watch_dir(struct intel_lm_scan *s, int dfd)
{
	int old = s->dwd;
	char path[32];

	s->dwd = -1;
	if (s->dfd >= 0)
		close(s->dfd);
	s->dfd = -1;
	if (s->ino_fd >= 0 && !s->unwatched && s->watchable)
		s->dfd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	/* No watch now (none wanted, or no descriptor for it): none of the last one counts. */
	if (s->dfd < 0) {
		if (old >= 0 && s->ino_fd >= 0)
			inotify_rm_watch(s->ino_fd, old);
		unwatch_all(s);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dfd);
	s->dwd = inotify_add_watch(s->ino_fd, path, IN_MODIFY | IN_ATTRIB | IN_CREATE |
				   IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF |
				   IN_MOVE_SELF | IN_ONLYDIR);
	if (s->dwd < 0)
		s->dwd = -1;
	if (old >= 0 && old != s->dwd)
		inotify_rm_watch(s->ino_fd, old);
	if (old != s->dwd || s->dwd < 0)
		unwatch_all(s);
}

/*
 * A name listed for the inode @ino, new or not listed for it before, or a name that is no
 * record's: a record of an earlier listing (among the first @old) on that inode (a hard link
 * made in the directory, which makes it untrusted, and of which the watch told only the new
 * name) is checked again. Whether one was taken in this listing already.
 */
static bool other_names(struct intel_lm_scan *s, size_t old, const struct cached *r, ino_t ino)
{
	bool taken = false;
	size_t i;

	for (i = 0; i < old; i++) {
		struct cached *o = &s->recs[i];

		if (o != r && o->ino == ino && o->watched) {
			o->watched = false;
			taken |= o->seen;
		}
	}
	return taken;
}

/* The copies of every record in @d, in the order listed; the scan's mutex is held. */
static int scan_dir(struct intel_lm_scan *s, DIR *d)
{
	uid_t euid = geteuid();
	int dfd = dirfd(d), ret;
	struct dirent *de;
	struct cached *r;
	struct stat st;
	size_t hint, old, i, keep, nlisted;
	bool twice = false, again = false, relisted = false;

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
list:
	begin(s, euid);
	hint = nlisted = 0;
	old = s->nrecs;
	for (i = 0; i < old; i++)
		s->recs[i].seen = false;
	while ((de = readdir(d))) {
		if (!intel_lm_record_name(de->d_name)) {
			again |= other_names(s, old, NULL, de->d_ino);
			continue;
		}
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
			r->fd = -1;
			r->name = strdup(de->d_name);
			if (!r->name)
				return -ENOMEM;
			s->nrecs++;
		}
		/* A name listed twice (renamed while listed) counts twice, as uncached. */
		if (r->seen) {
			twice = true;
		} else {
			if (r->ino != de->d_ino) {
				if (r->fd >= 0)
					close(r->fd);
				r->fd = -1;
				again |= other_names(s, old, r, de->d_ino);
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
	/* A record taken before another name for it was listed: all again, once. */
	if (again && !relisted) {
		relisted = true;
		rewinddir(d);
		goto list;
	}
	/* Records no longer listed are forgotten. */
	for (i = keep = 0; i < s->nrecs; i++) {
		if (!s->recs[i].seen)
			forget(&s->recs[i]);
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
			s->nout = s->others = 0;
			return ret;
		}
		ret = scan_dir(s, d);
		closedir(d);
	}
	s->want = NULL;
	if (ret) {
		/* Half a scan: start afresh next time. */
		forget_all(s);
		s->nout = s->others = 0;
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
	/* The last scan expected: the watch goes now, its reaping behind the caller's work. */
	if (s->left && !--s->left)
		stop_watching(s, true);
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
 * Not watching costs each scan a check of every record (fstat(2) and two 39-byte reads, about
 * 2.5 us each here); watching costs two system calls, and a wait at the end when the watch is
 * still there (see above). Watched when the scans to come would check more records than about
 * 10 ms of such checks, or when the watch is there already.
 */
#define WATCH_WORTH	4096

void intel_lm_scan_expect(struct intel_lm_scan *s, unsigned long scans)
{
	pthread_mutex_lock(&s->mu);
	/* Not read yet: read now, watched from the start should more scans follow. */
	if (!s->scans && scans > 1) {
		s->watch_now = true;
		collect(s, &no_copies);
	}
	if (s->unwatched) {
		/* Nothing to do: as it was. */
	} else if (s->dwd >= 0 && scans) {
		/* Watched already: what the watch costs is paid, and it goes after the last scan. */
		s->left = scans;
	} else if (!s->watchable || !s->nrecs || scans < (WATCH_WORTH + s->nrecs - 1) / s->nrecs) {
		stop_watching(s, true);
	} else {
		s->left = scans;
		if (s->ino_fd < 0) {
			/* The watch now, before the scans, which may be under a lock. */
			s->watch_now = true;
			collect(s, &no_copies);
		}
	}
	pthread_mutex_unlock(&s->mu);
}

int intel_lm_scan_copies(struct intel_lm_scan *s, const struct intel_lm_copy **copies, size_t *n)
{
	return intel_lm_scan_copies_of(s, NULL, copies, n);
}

size_t intel_lm_scan_others(const struct intel_lm_scan *s)
{
	return s->others;
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
