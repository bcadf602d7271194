// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one rule's view of a record directory, kept from one scan to the next (intel-lm/rule.h,
 * intel_lm_scan_new()).
 *
 * Each scan lists the directory, as an uncached one would, and takes every record file's
 * copies in the order listed. A record seen before, under the same name and inode, is kept
 * open; its copies are taken again only once its status (owner, mode, links, size) and both
 * slots' headers, read with two small preads, show it unchanged, and its ctime is the one read
 * (intel_lm_record_unchanged()).
 * Anything else (a new name, another inode, another header, a file that was not read whole and
 * settled, any error) reads the file whole again, as the uncached scan does. The state files
 * the records name are looked at on every scan: they change without their records.
 *
 * A state file missing makes its directory looked up (once a scan): while that is missing, the
 * other state files in it are not looked at one by one (see state_whole()).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	struct intel_lm_rec_stamp stamp;
	bool has_vf;			/* c[0] is the VF's copy */
	bool has_file;			/* c[1] is its state file's copy (all but .whole) */
	bool has_remote;		/* c[2] is the copy another host runs (migrate there) */
	uint64_t file_size;		/* the size that file needs to be whole */
	bool seen;			/* listed by this scan */
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
	/* Directories of missing state files, this scan's (see state_whole()). */
	struct {
		char *path;
		size_t len;
		bool gone;
	} dirs[NDIRS];
	unsigned int ndirs;
	unsigned long stats;		/* state files looked at with stat(2) */
};

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
	pthread_mutex_init(&s->mu, NULL);
	*sp = s;
	return 0;
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
}

void intel_lm_scan_free(struct intel_lm_scan *s)
{
	unsigned int i;

	if (!s)
		return;
	forget_all(s);
	free(s->recs);
	free(s->out);
	free(s->buf);
	free(s->dir);
	for (i = 0; i < NDIRS; i++)
		free(s->dirs[i].path);
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

unsigned long intel_lm_scan_stats(const struct intel_lm_scan *s)
{
	return s->stats;
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
static void reload(struct intel_lm_scan *s, int dfd, struct cached *r, uid_t euid)
{
	struct intel_lm_rec_entry e;

	if (r->fd >= 0)
		close(r->fd);
	r->has_vf = r->has_file = r->has_remote = false;
	r->stamp.settled = false;
	r->fd = openat(dfd, r->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (r->fd < 0)
		return;
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
static bool state_whole(struct intel_lm_scan *s, const char *path, uint64_t size)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;
	struct stat st;
	unsigned int i, n = s->ndirs < NDIRS ? s->ndirs : NDIRS;
	char *dir;
	int err;

	for (i = 0; len && i < n; i++)
		if (s->dirs[i].len == len && !memcmp(s->dirs[i].path, path, len))
			break;
	if (i < n && s->dirs[i].gone)
		return false;
	s->stats++;
	if (!stat(path, &st))
		return S_ISREG(st.st_mode) && (uint64_t)st.st_size >= size;
	if (i < n || !len || (errno != ENOENT && errno != ENOTDIR))
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

/* The copies of every record in @d, in the order listed; the scan's mutex is held. */
static int scan_dir(struct intel_lm_scan *s, DIR *d)
{
	uid_t euid = geteuid();
	int dfd = dirfd(d);
	struct dirent *de;
	struct cached *r;
	struct stat st;
	size_t hint = 0, old, i, keep;

	/* Another directory under the same name: nothing read from the last one counts. */
	if (fstat(dfd, &st) < 0)
		return -errno;
	if (st.st_dev != s->dev || st.st_ino != s->ino)
		forget_all(s);
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	old = s->nrecs;
	for (i = 0; i < old; i++)
		s->recs[i].seen = false;
	s->nout = 0;
	s->ndirs = 0;
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
			r->fd = -1;
			r->name = strdup(de->d_name);
			if (!r->name)
				return -ENOMEM;
			s->nrecs++;
		}
		/* A name listed twice (renamed while listed) counts twice, as uncached. */
		if (!r->seen && (r->fd < 0 || r->ino != de->d_ino ||
				 !intel_lm_record_unchanged(r->fd, &r->stamp, euid))) {
			r->ino = de->d_ino;
			reload(s, dfd, r, euid);
		}
		r->seen = true;
		if (out_room(s, 3))
			return -ENOMEM;
		if (r->has_vf)
			put(s, &r->c[0]);
		if (r->has_file) {
			struct intel_lm_copy *f = put(s, &r->c[1]);

			/* The state file changes without its record: looked at every time. */
			f->whole = state_whole(s, f->path, r->file_size);
		}
		if (r->has_remote)
			put(s, &r->c[2]);
	}
	/* Records no longer listed are forgotten. */
	for (i = keep = 0; i < s->nrecs; i++) {
		if (!s->recs[i].seen)
			forget(&s->recs[i]);
		else if (keep++ != i)
			s->recs[keep - 1] = s->recs[i];	/* 13 KiB: moved only when it must */
	}
	s->nrecs = keep;
	return 0;
}

int intel_lm_scan_copies(struct intel_lm_scan *s, const struct intel_lm_copy **copies, size_t *n)
{
	DIR *d;
	int ret;

	*copies = NULL;
	*n = 0;
	pthread_mutex_lock(&s->mu);
	d = opendir(s->dir);
	if (!d) {
		ret = errno == ENOENT ? 0 : -errno;
		forget_all(s);
		if (ret)
			pthread_mutex_unlock(&s->mu);
		return ret;
	}
	ret = scan_dir(s, d);
	closedir(d);
	if (ret) {
		/* Half a scan: start afresh next time. */
		forget_all(s);
		s->nout = 0;
		pthread_mutex_unlock(&s->mu);
		return ret;
	}
	*copies = s->out;
	*n = s->nout;
	return 0;
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
