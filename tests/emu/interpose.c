// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The libc overrides: open, close, ioctl and the stat family, for the configured device paths
 * only; everything else goes straight to libc (found with dlsym(RTLD_NEXT)).
 *
 * Opening an emulated path returns a real descriptor of /dev/null that is remembered in a
 * table (under a mutex) with the device it stands for: the PF's controller (a character
 * device, admin commands run the device model), its namespace PATHn1 (a block device, every
 * ioctl fails ENOTTY) or a VF's own controller (a character device). Without INTEL_LM_EMU
 * nothing is emulated.
 *
 * The symbols are the ones glibc 2.36 programs call: open, open64, openat, openat64,
 * __open_2, __open64_2 (fortified builds), close, ioctl, stat, stat64, fstat, fstat64, lstat,
 * lstat64, fstatat, fstatat64, access, faccessat. Not covered: fopen(3) (it opens through
 * libc's internal symbol), statx(2), dup(2) of an emulated descriptor.
 */
#undef _FILE_OFFSET_BITS	/* define open and open64, stat and stat64, as themselves */
#undef _TIME_BITS
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "priv.h"

#define EMU_INO_BASE	40000

int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);

static struct {
	int (*open)(const char *, int, ...);
	int (*open64)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*openat64)(int, const char *, int, ...);
	int (*open_2)(const char *, int);
	int (*open64_2)(const char *, int);
	int (*close)(int);
	int (*ioctl)(int, unsigned long, ...);
	int (*stat)(const char *, struct stat *);
	int (*stat64)(const char *, struct stat64 *);
	int (*fstat)(int, struct stat *);
	int (*fstat64)(int, struct stat64 *);
	int (*lstat)(const char *, struct stat *);
	int (*lstat64)(const char *, struct stat64 *);
	int (*fstatat)(int, const char *, struct stat *, int);
	int (*fstatat64)(int, const char *, struct stat64 *, int);
	int (*access)(const char *, int);
	int (*faccessat)(int, const char *, int, int);
} real;

struct fd_ent {
	int fd;
	enum emu_target_kind kind;
	char name[EMU_NAME_LEN];
	dev_t dev;		/* of the /dev/null open file, to notice a reused number */
	ino_t ino;
};

static bool inited;
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static bool reloading;		/* emu_reload() came first: it reports errors itself */
static struct emu_config *cur_cfg;
static time_t cfg_time;
static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fd_ent *fds;
static size_t nfds;		/* read without the lock to skip it when nothing is emulated */
static size_t capfds;

static void *sym(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p) {
		fprintf(stderr, "intel-lm-emu: libc has no %s\n", name);
		abort();
	}
	return p;
}

static int load(void)
{
	const char *file = getenv(EMU_ENV);
	struct emu_config *cfg = NULL;
	int ret = 0;

	if (file && *file)
		ret = emu_config_load(file, &cfg);
	if (ret)
		return ret;
	emu_config_free(cur_cfg);
	cur_cfg = cfg;
	cfg_time = time(NULL);
	return 0;
}

static void init(void)
{
	real.open = sym("open");
	real.open64 = sym("open64");
	real.openat = sym("openat");
	real.openat64 = sym("openat64");
	real.open_2 = sym("__open_2");
	real.open64_2 = sym("__open64_2");
	real.close = sym("close");
	real.ioctl = sym("ioctl");
	real.stat = sym("stat");
	real.stat64 = sym("stat64");
	real.fstat = sym("fstat");
	real.fstat64 = sym("fstat64");
	real.lstat = sym("lstat");
	real.lstat64 = sym("lstat64");
	real.fstatat = sym("fstatat");
	real.fstatat64 = sym("fstatat64");
	real.access = sym("access");
	real.faccessat = sym("faccessat");

	/* a configuration that cannot be used must not let commands reach real devices */
	if (!reloading && load()) {
		fprintf(stderr, "intel-lm-emu: unusable configuration %s=%s\n", EMU_ENV,
			getenv(EMU_ENV));
		abort();
	}
}

static inline void ensure_init(void)
{
	/*
	 * Not pthread_once(): libc would call init() back, and the benchmark, which counts the
	 * emulator's instructions as every call into it from another object, would count them
	 * twice (once under the call that got here, once under libc's call).
	 */
	if (__atomic_load_n(&inited, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&init_lock);
	if (!inited) {
		init();
		__atomic_store_n(&inited, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&init_lock);
}

const struct emu_config *emu_cfg(void)
{
	ensure_init();
	return cur_cfg;
}

int emu_cfg_reload(void)
{
	reloading = true;
	ensure_init();
	return load();
}

__attribute__((destructor))
static void emu_fini(void)
{
	pthread_mutex_lock(&fd_lock);
	free(fds);
	fds = NULL;
	nfds = capfds = 0;
	pthread_mutex_unlock(&fd_lock);
	emu_config_free(cur_cfg);
	cur_cfg = NULL;
}

int emu_real_open(const char *path, int flags, mode_t mode)
{
	ensure_init();
	return real.open(path, flags, mode);
}

int emu_real_close(int fd)
{
	ensure_init();
	return real.close(fd);
}

/* which emulated device @path names, if any */
static bool match_path(const char *path, enum emu_target_kind *kind, unsigned int *idx)
{
	const struct emu_config *cfg = emu_cfg();
	unsigned int i;

	if (!cfg || !path)
		return false;
	for (i = 0; i < cfg->npf; i++) {
		if (!strcmp(path, cfg->pf[i].path)) {
			*kind = EMU_TARGET_PF;
			*idx = i;
			return true;
		}
		if (!strcmp(path, cfg->pf[i].ns_path)) {
			*kind = EMU_TARGET_NS;
			*idx = i;
			return true;
		}
	}
	for (i = 0; i < cfg->nvfdev; i++) {
		if (!strcmp(path, cfg->vfdev[i].path)) {
			*kind = EMU_TARGET_VF;
			*idx = i;
			return true;
		}
	}
	return false;
}

static const char *target_name(const struct emu_config *cfg, enum emu_target_kind kind,
			       unsigned int idx)
{
	return kind == EMU_TARGET_VF ? cfg->vfdev[idx].name : cfg->pf[idx].name;
}

/* the device a table entry stands for in the current configuration */
static bool resolve(const struct fd_ent *e, unsigned int *idx)
{
	const struct emu_config *cfg = cur_cfg;
	unsigned int i;

	if (!cfg)
		return false;
	if (e->kind == EMU_TARGET_VF) {
		for (i = 0; i < cfg->nvfdev; i++) {
			if (!strcmp(cfg->vfdev[i].name, e->name)) {
				*idx = i;
				return true;
			}
		}
		return false;
	}
	for (i = 0; i < cfg->npf; i++) {
		if (!strcmp(cfg->pf[i].name, e->name)) {
			*idx = i;
			return true;
		}
	}
	return false;
}

static void fd_del(int fd);

/*
 * The table entry of @fd. An entry whose descriptor no longer is the /dev/null we opened
 * (closed behind our back, e.g. by fclose() after fdopen(), or replaced by dup2()) is dropped.
 */
static bool fd_find(int fd, struct fd_ent *out)
{
	bool found = false;
	struct stat st;
	size_t i;

	ensure_init();
	if (!__atomic_load_n(&nfds, __ATOMIC_ACQUIRE))
		return false;
	pthread_mutex_lock(&fd_lock);
	for (i = 0; i < nfds; i++) {
		if (fds[i].fd == fd) {
			*out = fds[i];
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&fd_lock);
	if (found && (real.fstat(fd, &st) || st.st_dev != out->dev || st.st_ino != out->ino)) {
		fd_del(fd);
		found = false;
	}
	return found;
}

static int fd_add(int fd, enum emu_target_kind kind, const char *name)
{
	struct fd_ent *tmp;
	struct stat st;
	size_t i;
	int ret = 0;

	if (real.fstat(fd, &st))
		return -errno;

	pthread_mutex_lock(&fd_lock);
	for (i = 0; i < nfds && fds[i].fd != fd; i++)
		;
	if (i == nfds && nfds == capfds) {
		tmp = realloc(fds, (capfds ? capfds * 2 : 16) * sizeof(*fds));
		if (!tmp) {
			ret = -ENOMEM;
			goto out;
		}
		fds = tmp;
		capfds = capfds ? capfds * 2 : 16;
	}
	fds[i].fd = fd;
	fds[i].kind = kind;
	fds[i].dev = st.st_dev;
	fds[i].ino = st.st_ino;
	snprintf(fds[i].name, sizeof(fds[i].name), "%s", name);
	if (i == nfds)
		__atomic_store_n(&nfds, nfds + 1, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&fd_lock);
	return ret;
}

static void fd_del(int fd)
{
	size_t i;

	if (!__atomic_load_n(&nfds, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&fd_lock);
	for (i = 0; i < nfds; i++) {
		if (fds[i].fd == fd) {
			fds[i] = fds[nfds - 1];
			__atomic_store_n(&nfds, nfds - 1, __ATOMIC_RELEASE);
			break;
		}
	}
	pthread_mutex_unlock(&fd_lock);
}

/*
 * Open @path when it is emulated. Return: false to let libc open it; true with *@fd the
 * descriptor, or -1 with errno set.
 */
static bool emu_open(const char *path, int flags, int *fd)
{
	enum emu_target_kind kind;
	unsigned int idx;
	int ret;

	if (!match_path(path, &kind, &idx))
		return false;
	if (flags & O_DIRECTORY) {
		errno = ENOTDIR;
		*fd = -1;
		return true;
	}
	if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
		errno = EEXIST;
		*fd = -1;
		return true;
	}
	*fd = real.open("/dev/null", flags & (O_ACCMODE | O_CLOEXEC | O_NONBLOCK));
	if (*fd < 0)
		return true;
	ret = fd_add(*fd, kind, target_name(cur_cfg, kind, idx));
	if (ret) {
		real.close(*fd);
		errno = -ret;
		*fd = -1;
	}
	return true;
}

static mode_t open_mode(int flags, va_list ap)
{
	if (__OPEN_NEEDS_MODE(flags))
		return va_arg(ap, int);
	return 0;
}

EMU_EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	ensure_init();
	if (emu_open(path, flags, &fd))
		return fd;
	return real.open(path, flags, mode);
}

EMU_EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	ensure_init();
	if (emu_open(path, flags, &fd))
		return fd;
	return real.open64(path, flags, mode);
}

EMU_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	ensure_init();
	if (emu_open(path, flags, &fd))
		return fd;
	return real.openat(dirfd, path, flags, mode);
}

EMU_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	ensure_init();
	if (emu_open(path, flags, &fd))
		return fd;
	return real.openat64(dirfd, path, flags, mode);
}

EMU_EXPORT int __open_2(const char *path, int flags)
{
	int fd;

	ensure_init();
	if (emu_open(path, flags, &fd))
		return fd;
	return real.open_2(path, flags);
}

EMU_EXPORT int __open64_2(const char *path, int flags)
{
	int fd;

	ensure_init();
	if (emu_open(path, flags, &fd))
		return fd;
	return real.open64_2(path, flags);
}

EMU_EXPORT int close(int fd)
{
	ensure_init();
	fd_del(fd);
	return real.close(fd);
}

/* struct stat and struct stat64 alike */
#define FILL_STAT(st, kind, idx)						\
	do {									\
		memset((st), 0, sizeof(*(st)));					\
		(st)->st_dev = makedev(0, 5);					\
		(st)->st_ino = EMU_INO_BASE + (kind) * 1000 + (idx);		\
		(st)->st_nlink = 1;						\
		(st)->st_blksize = 4096;					\
		(st)->st_atime = (st)->st_mtime = (st)->st_ctime = cfg_time;	\
		if ((kind) == EMU_TARGET_NS)					\
			(st)->st_mode = S_IFBLK | 0660;				\
		else								\
			(st)->st_mode = S_IFCHR | 0600;				\
		(st)->st_rdev = emu_rdev((kind), (idx));			\
	} while (0)

static bool fd_stat_target(int fd, enum emu_target_kind *kind, unsigned int *idx)
{
	struct fd_ent e;

	if (!fd_find(fd, &e))
		return false;
	*kind = e.kind;
	if (!resolve(&e, idx))
		*idx = 999;
	return true;
}

EMU_EXPORT int stat(const char *path, struct stat *st)
{
	enum emu_target_kind kind;
	unsigned int idx;

	if (!match_path(path, &kind, &idx))
		return real.stat(path, st);
	FILL_STAT(st, kind, idx);
	return 0;
}

EMU_EXPORT int stat64(const char *path, struct stat64 *st)
{
	enum emu_target_kind kind;
	unsigned int idx;

	if (!match_path(path, &kind, &idx))
		return real.stat64(path, st);
	FILL_STAT(st, kind, idx);
	return 0;
}

EMU_EXPORT int lstat(const char *path, struct stat *st)
{
	enum emu_target_kind kind;
	unsigned int idx;

	if (!match_path(path, &kind, &idx))
		return real.lstat(path, st);
	FILL_STAT(st, kind, idx);
	return 0;
}

EMU_EXPORT int lstat64(const char *path, struct stat64 *st)
{
	enum emu_target_kind kind;
	unsigned int idx;

	if (!match_path(path, &kind, &idx))
		return real.lstat64(path, st);
	FILL_STAT(st, kind, idx);
	return 0;
}

EMU_EXPORT int fstat(int fd, struct stat *st)
{
	enum emu_target_kind kind;
	unsigned int idx;

	if (!fd_stat_target(fd, &kind, &idx))
		return real.fstat(fd, st);
	FILL_STAT(st, kind, idx);
	return 0;
}

EMU_EXPORT int fstat64(int fd, struct stat64 *st)
{
	enum emu_target_kind kind;
	unsigned int idx;

	if (!fd_stat_target(fd, &kind, &idx))
		return real.fstat64(fd, st);
	FILL_STAT(st, kind, idx);
	return 0;
}

/* fstatat: an emulated descriptor with AT_EMPTY_PATH, or an emulated path */
static bool at_target(int dirfd, const char *path, int flags, enum emu_target_kind *kind,
		      unsigned int *idx)
{
	if (path && !*path && (flags & AT_EMPTY_PATH))
		return fd_stat_target(dirfd, kind, idx);
	return match_path(path, kind, idx);
}

EMU_EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	enum emu_target_kind kind;
	unsigned int idx;

	ensure_init();
	if (!at_target(dirfd, path, flags, &kind, &idx))
		return real.fstatat(dirfd, path, st, flags);
	FILL_STAT(st, kind, idx);
	return 0;
}

EMU_EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	enum emu_target_kind kind;
	unsigned int idx;

	ensure_init();
	if (!at_target(dirfd, path, flags, &kind, &idx))
		return real.fstatat64(dirfd, path, st, flags);
	FILL_STAT(st, kind, idx);
	return 0;
}

EMU_EXPORT int access(const char *path, int mode)
{
	enum emu_target_kind kind;
	unsigned int idx;

	if (!match_path(path, &kind, &idx))
		return real.access(path, mode);
	if (mode & X_OK) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

EMU_EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	enum emu_target_kind kind;
	unsigned int idx;

	if (!match_path(path, &kind, &idx))
		return real.faccessat(dirfd, path, mode, flags);
	if (mode & X_OK) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

static int emu_ioctl(const struct fd_ent *e, unsigned long req, void *arg)
{
	const struct emu_config *cfg = cur_cfg;
	struct nvme_passthru_cmd64 *c64;
	struct nvme_passthru_cmd cmd;
	unsigned int idx;
	int ret;

	if (!resolve(e, &idx))
		ret = -ENODEV;
	else if (e->kind == EMU_TARGET_NS)
		ret = -ENOTTY;
	else if (req == NVME_IOCTL_ADMIN_CMD)
		ret = emu_dev_admin(cfg, e->kind, idx, arg);
	else if (req == NVME_IOCTL_ADMIN64_CMD) {
		c64 = arg;
		memset(&cmd, 0, sizeof(cmd));
		cmd.opcode = c64->opcode;
		cmd.flags = c64->flags;
		cmd.rsvd1 = c64->rsvd1;
		cmd.nsid = c64->nsid;
		cmd.cdw2 = c64->cdw2;
		cmd.cdw3 = c64->cdw3;
		cmd.metadata = c64->metadata;
		cmd.addr = c64->addr;
		cmd.metadata_len = c64->metadata_len;
		cmd.data_len = c64->data_len;
		cmd.cdw10 = c64->cdw10;
		cmd.cdw11 = c64->cdw11;
		cmd.cdw12 = c64->cdw12;
		cmd.cdw13 = c64->cdw13;
		cmd.cdw14 = c64->cdw14;
		cmd.cdw15 = c64->cdw15;
		cmd.timeout_ms = c64->timeout_ms;
		ret = emu_dev_admin(cfg, e->kind, idx, &cmd);
		if (ret >= 0)
			c64->result = cmd.result;
	} else {
		ret = -ENOTTY;
	}
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

EMU_EXPORT int ioctl(int fd, unsigned long req, ...)
{
	struct fd_ent e;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!fd_find(fd, &e))
		return real.ioctl(fd, req, arg);
	return emu_ioctl(&e, req, arg);
}
