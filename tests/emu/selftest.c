// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A quick check of the emulator linked into a test executable (emu_dep): descriptors,
 * ADMIN64, libnvme's own calls (a shared library's ioctl must be caught too), threads and
 * latency, the C API, the completion delay, fault `hang` and the PF reset it brings (the
 * model's, `hang_reset`), device numbers and their fake sysfs
 * entries, reload and pass-through, the state's per-VF locks, and the states' CRC-32s.
 *
 *	BUILDDIR/tests/emu/emu-selftest
 *
 * Prints "emu-selftest: N passed, M failed"; exit status 0 when nothing failed.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libnvme.h>
#include <zlib.h>
#ifndef NVME_IOCTL_ADMIN_CMD
/* libnvme3 keeps the kernel's passthrough interface private: take it from the kernel. */
#include <linux/nvme_ioctl.h>
#endif

#include "emu.h"
#include "priv.h"

#define THREADS		8
#define PER_THREAD	25

static int passed, failed;
static char dir[] = "/tmp/emu-selftest.XXXXXX";

#define CHECK(cond)								\
	do {									\
		if (cond) {							\
			passed++;						\
		} else {							\
			failed++;						\
			fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
		}								\
	} while (0)

static void write_config(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(2);
	}
	setenv("INTEL_LM_EMU", path, 1);
}

/* write configuration @name, load it and start afresh (an empty progress log too) */
static void use_config(const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/progress.log", dir);
	unlink(path);
	write_config(name, text);
	CHECK(emu_reload() == 0);
	CHECK(emu_setup() == 0);
}

/* an admin command without data: the ioctl's return value, errno in *@err */
static int admin(int fd, uint8_t opcode, uint16_t vf, uint32_t timeout_ms, int *err)
{
	struct nvme_passthru_cmd cmd = { .opcode = opcode, .cdw10 = vf, .timeout_ms = timeout_ms };
	int ret;

	errno = 0;
	ret = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);
	*err = errno;
	return ret;
}

static enum emu_vf_state vf_state(const char *pf, uint16_t vf)
{
	struct emu_vf_info info;

	return emu_vf_show(pf, vf, &info) ? (enum emu_vf_state)-1 : info.state;
}

/* how many lines of the progress log (`progress = progress.log`) contain @what */
static int progress_lines(const char *what)
{
	char path[256], line[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/progress.log", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, what) != NULL;
	fclose(f);
	return n;
}

/* wait until the progress log has a line with @what: a bound for liveness (20 s), not speed */
static bool progress_seen(const char *what)
{
	int i;

	for (i = 0; i < 2000; i++) {
		if (progress_lines(what))
			return true;
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
	return false;
}

/* a child process that sends @opcode for VF @vf on nvme0 and exits; killed by the caller */
static pid_t child_admin(uint8_t opcode, uint16_t vf)
{
	pid_t pid = fork();
	int fd, err;

	if (pid == 0) {
		fd = open("/dev/nvme0", O_RDWR);
		_exit(fd < 0 || admin(fd, opcode, vf, 0, &err) ? 1 : 0);
	}
	return pid;
}

static bool child_running(pid_t pid)
{
	return pid > 0 && waitpid(pid, NULL, WNOHANG) == 0;
}

static void child_kill(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

static int query(int fd, uint16_t vf, uint32_t *size)
{
	struct nvme_passthru_cmd cmd = { .opcode = 0xc4, .cdw10 = vf };
	int ret = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);

	*size = cmd.result;
	return ret;
}

static void *worker(void *arg)
{
	int fd = *(int *)arg, i;
	uint32_t size;

	for (i = 0; i < PER_THREAD; i++)
		if (query(fd, 1, &size) || size != 0x2c8 + 4 * 0x1f4)
			return (void *)1;
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_devices(void)
{
	struct nvme_passthru_cmd64 c64 = { .opcode = 0xc4, .cdw10 = 2 };
	struct nvme_passthru_cmd cmd = { 0 };
	struct nvme_id_ctrl id;
	struct stat st;
	int fd, ns, p[2];

	fd = open("/dev/nvme0", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode));
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	CHECK(stat("/dev/nvme0", &st) == 0 && S_ISCHR(st.st_mode));
	CHECK(stat("/dev/nvme0n1", &st) == 0 && S_ISBLK(st.st_mode));
	CHECK(open("/dev/nvme0", O_RDONLY | O_DIRECTORY) == -1 && errno == ENOTDIR);

#if EMU_LIBNVME_GEN == 1
	/* libnvme.so's own ioctl reaches the emulator */
	CHECK(nvme_identify_ctrl(fd, &id) == 0);
#else
	/* libnvme3 submits through a transport handle: the kernel's ioctl, as it does */
	cmd.opcode = nvme_admin_identify;
	cmd.addr = (uint64_t)(uintptr_t)&id;
	cmd.data_len = sizeof(id);
	cmd.cdw10 = NVME_IDENTIFY_CNS_CTRL;
	CHECK(ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd) == 0);
	memset(&cmd, 0, sizeof(cmd));
#endif
	CHECK(id.vid == 0x8086 && id.vs[0] == 0x01 && !memcmp(id.sn, "SELF ", 5));

	CHECK(ioctl(fd, NVME_IOCTL_ADMIN64_CMD, &c64) == 0 && c64.result == 0x2c8 + 4 * 0x1f4);
	CHECK(ioctl(fd, NVME_IOCTL_ID) == -1 && errno == ENOTTY);
	cmd.opcode = 0xc4;
	cmd.cdw10 = 1;
	cmd.flags = 1;
	CHECK(ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd) == -1 && errno == EINVAL);

	CHECK(access("/dev/nvme0", R_OK | W_OK) == 0);
	CHECK(access("/dev/nvme0", X_OK) == -1 && errno == EACCES);

	/* a descriptor replaced behind the emulator's back is no longer emulated */
	ns = open("/dev/nvme0", O_RDONLY);
	CHECK(ns >= 0 && pipe(p) == 0 && dup2(p[0], ns) == ns);
	CHECK(ioctl(ns, NVME_IOCTL_ADMIN_CMD, &cmd) == -1 && errno == ENOTTY);
	CHECK(fstat(ns, &st) == 0 && S_ISFIFO(st.st_mode));
	close(ns);
	close(p[0]);
	close(p[1]);

	ns = open("/dev/nvme0n1", O_RDONLY);
	CHECK(ns >= 0);
	CHECK(fstat(ns, &st) == 0 && S_ISBLK(st.st_mode));
	cmd.flags = 0;
	CHECK(ioctl(ns, NVME_IOCTL_ADMIN_CMD, &cmd) == -1 && errno == ENOTTY);
	CHECK(close(ns) == 0);
	CHECK(close(fd) == 0);
	CHECK(fstat(fd, &st) == -1 && errno == EBADF);
}

static void test_threads(void)
{
	pthread_t t[THREADS];
	void *res;
	int fd, i, bad = 0;

	fd = open("/dev/nvme0", O_RDONLY);
	CHECK(fd >= 0);
	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, &fd);
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], &res);
		bad += res != NULL;
	}
	CHECK(bad == 0);
	CHECK(emu_counter("nvme0", 0xc4) == THREADS * PER_THREAD + 1);
	close(fd);
}

/*
 * The latency is spent outside any lock, so latencies overlap: while a SUSPEND of VF 1 sleeps
 * an hour's latency in another process, queries of VF 1 and VF 2 (with latencies of their
 * own) complete, and the SUSPEND has not taken effect. An order, not a time.
 */
static void test_latency_overlaps(void)
{
	uint32_t size;
	pid_t pid;
	int fd;

	use_config("overlap.conf",
		   "progress = progress.log\n"
		   "[pf nvme0]\n"
		   "vfs = 2\n"
		   "latency.0xc8 = 3600000000\n"
		   "latency.0xc4 = 1000\n");
	fd = open("/dev/nvme0", O_RDWR);
	CHECK(fd >= 0);
	pid = child_admin(0xc8, 1);
	CHECK(progress_seen("dev=nvme0 opcode=0xc8 cdw10=0x00000001 arrived"));
	CHECK(query(fd, 1, &size) == 0 && query(fd, 2, &size) == 0);
	CHECK(child_running(pid));
	CHECK(progress_lines("opcode=0xc4 ") == 4 && progress_lines("opcode=0xc8 ") == 1);
	CHECK(emu_counter("nvme0", 0xc8) == 0 && vf_state("nvme0", 1) == EMU_VF_RUNNING);
	child_kill(pid);
	close(fd);
}

static void test_api(void)
{
	struct nvme_passthru_cmd cmd = { 0 };
	struct emu_vf_info info;
	uint8_t *a, *b;
	uint32_t size;
	int fd;

	fd = open("/dev/nvme0", O_RDWR);
	CHECK(emu_vf_show("nvme0", 3, &info) == 0);
	CHECK(info.state == EMU_VF_RUNNING && info.size == 1000 && info.crc_ok && !info.loaded);
	CHECK(!strcmp(info.origin_serial, "SELF") && info.origin_vf == 3);
	CHECK(emu_vf_show("nvme0", 5, &info) == -ENODEV);
	CHECK(emu_vf_show("nvme9", 1, &info) == -ENODEV);

	CHECK(query(fd, 3, &size) == 0 && size == 1000);
	cmd.opcode = 0xc8;
	cmd.cdw10 = 3;
	CHECK(ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd) == 0);
	a = malloc(size);
	b = malloc(size);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opcode = 0xd2;
	cmd.cdw10 = 3;
	cmd.addr = (uintptr_t)a;
	cmd.data_len = size;
	CHECK(ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd) == 0);
	CHECK(emu_vf_dump("nvme0", 3, b, size - 1) == -ENOSPC);
	CHECK(emu_vf_dump("nvme0", 3, b, size) == 0 && !memcmp(a, b, size));
	CHECK(emu_vf_show("nvme0", 3, &info) == 0 && info.state == EMU_VF_SAVED);

	/* load VF 3's state into VF 1: its size and VQ count follow */
	memset(&cmd, 0, sizeof(cmd));
	cmd.opcode = 0xc8;
	cmd.cdw10 = 1;
	CHECK(ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd) == 0);
	cmd.opcode = 0xd5;
	cmd.addr = (uintptr_t)a;
	cmd.data_len = size;
	cmd.cdw11 = size;
	CHECK(ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd) == 0);
	CHECK(emu_vf_show("nvme0", 1, &info) == 0 && info.state == EMU_VF_LOADED &&
	      info.size == 1000 && info.loaded && info.origin_vf == 3);
	CHECK(query(fd, 1, &size) == 0 && size == 1000);
	CHECK(!strcmp(emu_vf_state_name(EMU_VF_LOADED), "loaded"));
	free(a);
	free(b);
	close(fd);

	CHECK(emu_setup() == 0);
	CHECK(emu_counter("nvme0", 0xc4) == 0);
	CHECK(emu_vf_show("nvme0", 1, &info) == 0 && info.state == EMU_VF_RUNNING && !info.loaded);
}

struct delayed {
	int fd;
	int ret;
	int done;
};

static void *suspend_vf1(void *arg)
{
	struct delayed *d = arg;
	int err;

	d->ret = admin(d->fd, 0xc8, 1, 0, &err);
	__atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * completion_delay.OPC: the command takes effect, then its completion waits, outside the lock.
 * A SUSPEND of VF 1 with an hour's completion delay, in another process: once it ran, VF 1 is
 * suspended and a query of VF 1 completes while the SUSPEND's completion is still pending.
 */
static void test_completion_delay(void)
{
	double start;
	uint32_t size;
	pid_t pid;
	int fd, err;

	use_config("delay.conf",
		   "progress = progress.log\n"
		   "[pf nvme0]\n"
		   "vfs = 2\n"
		   "latency.0xc8 = 100000\n"
		   "completion_delay.0xc8 = 3600000000\n"
		   "latency.0xcc = 100000\n"
		   "completion_delay.0xcc = 600000\n");
	fd = open("/dev/nvme0", O_RDWR);
	CHECK(fd >= 0);
	pid = child_admin(0xc8, 1);
	CHECK(progress_seen("dev=nvme0 opcode=0xc8 cdw10=0x00000001 ran"));
	CHECK(vf_state("nvme0", 1) == EMU_VF_SUSPENDED);
	CHECK(emu_counter("nvme0", 0xc8) == 1);
	/* other opcodes are not delayed, and the delayed command holds no lock */
	CHECK(query(fd, 1, &size) == 0 && size == 0x2c8 + 4 * 0x1f4);
	CHECK(child_running(pid));
	child_kill(pid);
	/*
	 * a command's completion comes after its latency (which may end a little early, see
	 * latency_sleep()) and its whole completion delay
	 */
	start = now();
	CHECK(admin(fd, 0xcc, 1, 0, &err) == 0);
	CHECK(now() - start >= 0.6);
	CHECK(progress_lines("opcode=0xcc cdw10=0x00000001 arrived") == 1 &&
	      progress_lines("opcode=0xcc cdw10=0x00000001 ran") == 1);
	CHECK(vf_state("nvme0", 1) == EMU_VF_RUNNING);
	close(fd);
}

static void *query_vf2(void *arg)
{
	struct delayed *d = arg;
	uint32_t size;

	d->ret = query(d->fd, 2, &size);
	__atomic_store_n(&d->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* wait up to @ms for a thread's command to be done */
static bool done_within(struct delayed *d, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (__atomic_load_n(&d->done, __ATOMIC_ACQUIRE))
			return true;
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
	return __atomic_load_n(&d->done, __ATOMIC_ACQUIRE);
}

/*
 * A VF's record is locked on its own (state.c): while VF 1's is held, a command on VF 2 runs,
 * one on VF 1 waits.
 */
static void test_vf_locks(void)
{
	struct delayed d1 = { 0 }, d2 = { 0 };
	struct emu_state st;
	pthread_t t1, t2;

	use_config("locks.conf", "progress = progress.log\n[pf nvme0]\nvfs = 2\n");
	d1.fd = d2.fd = open("/dev/nvme0", O_RDWR);
	CHECK(d1.fd >= 0);
	CHECK(emu_state_open(emu_cfg(), &st) == 0);
	CHECK(emu_state_lock_vf(&st, 0, 1, true) == 0);
	CHECK(pthread_create(&t2, NULL, query_vf2, &d2) == 0);
	CHECK(done_within(&d2, 5000) && d2.ret == 0);
	CHECK(pthread_create(&t1, NULL, suspend_vf1, &d1) == 0);
	/* sent, then held: it has not run while the lock is ours */
	CHECK(progress_seen("dev=nvme0 opcode=0xc8 cdw10=0x00000001 arrived"));
	CHECK(!done_within(&d1, 200));
	CHECK(progress_lines("opcode=0xc8 cdw10=0x00000001 ran") == 0);
	emu_state_close(&st);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	CHECK(d1.ret == 0 && vf_state("nvme0", 1) == EMU_VF_SUSPENDED);
	CHECK(emu_counter("nvme0", 0xc8) == 1 && emu_counter("nvme0", 0xc4) == 1);
	close(d1.fd);
}

struct cycler {
	int fd;
	uint16_t vf;
	int bad;
};

/* SUSPEND, SAVE_DATA, LOAD_DATA of what was saved, RESUME, over and over on one VF */
static void *cycle_vf(void *arg)
{
	struct cycler *c = arg;
	uint8_t buf[4096];
	uint32_t size;
	int i, err;

	for (i = 0; i < PER_THREAD; i++) {
		struct nvme_passthru_cmd cmd = { .opcode = 0xd2, .cdw10 = c->vf,
						 .addr = (uintptr_t)buf };

		if (admin(c->fd, 0xc8, c->vf, 0, &err) || query(c->fd, c->vf, &size) ||
		    size > sizeof(buf)) {
			c->bad++;
			continue;
		}
		cmd.data_len = size;
		c->bad += ioctl(c->fd, NVME_IOCTL_ADMIN_CMD, &cmd) != 0;
		cmd.opcode = 0xd5;
		cmd.cdw11 = size;
		c->bad += ioctl(c->fd, NVME_IOCTL_ADMIN_CMD, &cmd) != 0;
		c->bad += admin(c->fd, 0xcc, c->vf, 0, &err) != 0;
	}
	return NULL;
}

static void *seclist(void *arg)
{
	struct cycler *c = arg;
	struct nvme_secondary_ctrl_list list;
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		struct nvme_passthru_cmd cmd = { .opcode = nvme_admin_identify,
						 .cdw10 = NVME_IDENTIFY_CNS_SECONDARY_CTRL_LIST,
						 .addr = (uintptr_t)&list,
						 .data_len = sizeof(list) };

		c->bad += ioctl(c->fd, NVME_IOCTL_ADMIN_CMD, &cmd) != 0 || list.num != THREADS;
	}
	return NULL;
}

/* commands on every VF at once, and Secondary Controller Lists: nothing lost, nothing torn */
static void test_parallel_vfs(void)
{
	struct cycler c[THREADS + 1];
	pthread_t t[THREADS + 1];
	struct emu_vf_info info;
	int fd, i, bad = 0;

	use_config("parallel.conf", "[pf nvme0]\nvfs = 8\n");
	fd = open("/dev/nvme0", O_RDWR);
	CHECK(fd >= 0);
	for (i = 0; i <= THREADS; i++) {
		c[i] = (struct cycler){ .fd = fd, .vf = i + 1 };
		CHECK(pthread_create(&t[i], NULL, i < THREADS ? cycle_vf : seclist, &c[i]) == 0);
	}
	for (i = 0; i <= THREADS; i++) {
		pthread_join(t[i], NULL);
		bad += c[i].bad;
	}
	CHECK(bad == 0);
	CHECK(emu_counter("nvme0", 0xc8) == THREADS * PER_THREAD);
	CHECK(emu_counter("nvme0", 0xd2) == THREADS * PER_THREAD);
	CHECK(emu_counter("nvme0", 0xd5) == THREADS * PER_THREAD);
	CHECK(emu_counter("nvme0", 0xcc) == THREADS * PER_THREAD);
	CHECK(emu_counter("nvme0", 0x06) == PER_THREAD);
	for (i = 1; i <= THREADS; i++)
		CHECK(emu_vf_show("nvme0", i, &info) == 0 && info.state == EMU_VF_RUNNING &&
		      info.loaded && info.crc_ok && info.origin_vf == i);
	close(fd);
}

/* fault WHAT `hang`: the timeout, then -1/EINTR; with `apply` the command took effect */
static void test_fault_hang(void)
{
	struct nvme_passthru_cmd cmd = { .opcode = 0xc8, .cdw10 = 1, .result = 0xdeadbeef };
	double start;
	int fd, err;

	use_config("hang.conf",
		   "progress = progress.log\n"
		   "admin_timeout_ms = 300\n"
		   "[pf nvme0]\n"
		   "vfs = 2\n"
		   "fault = 0xc8 1 hang apply\n"
		   "fault = 0xc8 2 hang\n"
		   "completion_delay.0xc8 = 700000\n"
		   "hang_reset = 0\n");
	fd = open("/dev/nvme0", O_RDWR);
	CHECK(fd >= 0);

	/* timeout_ms 0: the kernel's 60 s, capped by admin_timeout_ms; no completion delay */
	start = now();
	CHECK(ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd) == -1 && errno == EINTR);
	CHECK(now() - start >= 0.3);
	CHECK(progress_lines("opcode=0xc8 cdw10=0x00000001 hangs wait_ms=300\n") == 1);
	CHECK(cmd.result == 0xdeadbeef);
	CHECK(vf_state("nvme0", 1) == EMU_VF_SUSPENDED);

	/* the command's own timeout_ms; without `apply`, no effect */
	start = now();
	CHECK(admin(fd, 0xc8, 2, 100, &err) == -1 && err == EINTR);
	CHECK(now() - start >= 0.1);
	CHECK(progress_lines("opcode=0xc8 cdw10=0x00000002 hangs wait_ms=100\n") == 1);
	CHECK(vf_state("nvme0", 2) == EMU_VF_RUNNING);

	/* the third one is answered, after its completion delay */
	start = now();
	CHECK(admin(fd, 0xc8, 2, 100, &err) == 0);
	CHECK(now() - start >= 0.7);
	CHECK(vf_state("nvme0", 2) == EMU_VF_SUSPENDED);
	CHECK(emu_counter("nvme0", 0xc8) == 3);
	close(fd);
}

/* read the first line of DIRECTORY/NAME into @buf (without its newline); false when missing */
static bool read_attr(const char *directory, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", directory, name);
	f = fopen(path, "re");
	if (!f)
		return false;
	ok = fgets(buf, len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/*
 * From a device path to its PCI address as a real program does: stat, then
 * SYSFS/dev/char/MAJ:MIN, then its `address` (and the directory two levels up).
 */
static void check_dev_char(const char *path, const char *name, const char *addr, dev_t *rdev)
{
	char link[PATH_MAX], real[PATH_MAX], buf[64], devstr[32];
	struct stat st, fst;
	char *slash;
	int fd;

	*rdev = 0;
	if (stat(path, &st)) {
		CHECK(!"stat of an emulated device");
		return;
	}
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && fstat(fd, &fst) == 0 && fst.st_rdev == st.st_rdev);
	close(fd);
	*rdev = st.st_rdev;
	snprintf(devstr, sizeof(devstr), "%u:%u", major(st.st_rdev), minor(st.st_rdev));
	snprintf(link, sizeof(link), "%s/sysfs/dev/char/%s", dir, devstr);
	if (!realpath(link, real)) {
		fprintf(stderr, "%s: %s: %s\n", path, link, strerror(errno));
		CHECK(!"SYSFS/dev/char/MAJ:MIN resolves");
		return;
	}
	CHECK(read_attr(real, "address", buf, sizeof(buf)) && !strcmp(buf, addr));
	CHECK(read_attr(real, "dev", buf, sizeof(buf)) && !strcmp(buf, devstr));
	slash = strrchr(real, '/');
	CHECK(slash && !strcmp(slash + 1, name));
	if (!slash)
		return;
	*slash = '\0';
	slash = strrchr(real, '/');
	CHECK(slash && !strcmp(slash + 1, "nvme"));
	if (!slash)
		return;
	*slash = '\0';
	slash = strrchr(real, '/');
	CHECK(slash && !strcmp(slash + 1, addr));
}

/* st_rdev of every controller names its directory in the fake sysfs tree */
/* SAVE_DATA (@load false) or LOAD_DATA of @len bytes at @buf: the ioctl's return value */
static int xfer(int fd, bool load, uint16_t vf, void *buf, uint32_t len)
{
	struct nvme_passthru_cmd cmd = {
		.opcode = load ? 0xd5 : 0xd2, .cdw10 = vf, .cdw11 = load ? len : 0,
		.addr = (uintptr_t)buf, .data_len = len, .timeout_ms = 100,
	};

	return ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);
}

/* the Secondary Controller List entry of VF @vf: SCS bit 0, NVQ and NVI */
static bool sc_entry(int fd, uint16_t vf, bool *online, uint16_t *nvq, uint16_t *nvi)
{
	static uint8_t buf[4096];
	struct nvme_passthru_cmd cmd = {
		.opcode = nvme_admin_identify, .cdw10 = NVME_IDENTIFY_CNS_SECONDARY_CTRL_LIST,
		.addr = (uintptr_t)buf, .data_len = sizeof(buf),
	};
	const struct nvme_secondary_ctrl *e;
	unsigned int i;

	if (ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd))
		return false;
	for (i = 0; i < buf[0]; i++) {
		e = &((const struct nvme_secondary_ctrl_list *)buf)->sc_entry[i];
		if (le16toh(e->vfn) == vf) {
			*online = e->scs & 1;
			*nvq = le16toh(e->nvq);
			*nvi = le16toh(e->nvi);
			return true;
		}
	}
	return false;
}

/*
 * A command that hangs on the PF (hang_reset, the default): the kernel's reset of the PF takes
 * every VF offline with its resources, suspension and saved state, as the model did in the
 * kernel suite; the timed-out command never ran. A hang on a VF's own controller does not.
 */
static void test_hang_reset(void)
{
	static uint8_t blob1[0x2c8 + 4 * 0x1f4], blob0[0x2c8];
	struct emu_vf_info info;
	uint16_t nvq, nvi, vf;
	bool online;
	int fd, vfd, err;

	use_config("reset.conf",
		   "admin_timeout_ms = 300\n"
		   "[pf nvme0]\n"
		   "vfs = 3\n"
		   "vf.3.online = 0\n"
		   "fault = 0xd2 2 hang\n"
		   "[vf nvme5]\n"
		   "pf = nvme0\n"
		   "vf = 1\n");
	fd = open("/dev/nvme0", O_RDWR);
	vfd = open("/dev/nvme5", O_RDWR);
	CHECK(fd >= 0 && vfd >= 0);

	/* a hang on VF 1's own admin queue resets VF 1's controller only */
	CHECK(admin(fd, 0xc8, 1, 0, &err) == 0);
	CHECK(admin(vfd, 0xc4, 1, 100, &err) == -1 && err == EINTR);
	CHECK(vf_state("nvme0", 1) == EMU_VF_SUSPENDED);
	CHECK(sc_entry(fd, 1, &online, &nvq, &nvi) && online && nvq == 4 && nvi == 2);

	CHECK(xfer(fd, false, 1, blob1, sizeof(blob1)) == 0);
	CHECK(admin(fd, 0xc8, 2, 0, &err) == 0);
	CHECK(xfer(fd, false, 2, blob1, sizeof(blob1)) == -1 && errno == EINTR);
	for (vf = 1; vf <= 3; vf++) {
		CHECK(emu_vf_show("nvme0", vf, &info) == 0 && info.state == EMU_VF_RUNNING &&
		      !info.online && info.reset && !info.loaded && info.nvq == 0 &&
		      info.nvi == 0 && info.size == 0x2c8 && info.crc_ok);
		CHECK(sc_entry(fd, vf, &online, &nvq, &nvi) && !online && nvq == 0 && nvi == 0);
	}
	CHECK(emu_counter("nvme0", 0xd2) == 2);

	/* the VF is not suspended any more: SAVE_DATA is out of sequence, SUSPEND works */
	CHECK(xfer(fd, false, 1, blob0, sizeof(blob0)) == NVME_SC_DNR + NVME_SC_CMD_SEQ_ERROR);
	CHECK(admin(fd, 0xc8, 1, 0, &err) == 0);
	/* LOAD_DATA into it: a state with I/O queues does not fit, an enabled one is refused */
	CHECK(xfer(fd, true, 1, blob1, sizeof(blob1)) == NVME_SC_DNR + NVME_SC_INVALID_FIELD);
	CHECK(xfer(fd, false, 1, blob0, sizeof(blob0)) == 0);
	CHECK(xfer(fd, true, 1, blob0, sizeof(blob0)) == NVME_SC_DNR + NVME_SC_CMD_SEQ_ERROR);

	/* the Virtualization Management flow's result: resources back, online, running */
	CHECK(emu_vf_online("nvme0", 1) == 0);
	CHECK(emu_vf_show("nvme0", 1, &info) == 0 && info.state == EMU_VF_RUNNING &&
	      info.online && !info.reset && info.nvq == 4 && info.nvi == 2);
	CHECK(sc_entry(fd, 1, &online, &nvq, &nvi) && online && nvq == 4 && nvi == 2);
	CHECK(admin(fd, 0xc8, 1, 0, &err) == 0);
	CHECK(xfer(fd, true, 1, blob1, sizeof(blob1)) == 0);
	CHECK(vf_state("nvme0", 1) == EMU_VF_LOADED);
	/* VF 3 is offline by configuration: online gives it its resources, not SCS bit 0 */
	CHECK(emu_vf_online("nvme0", 3) == 0);
	CHECK(sc_entry(fd, 3, &online, &nvq, &nvi) && !online && nvq == 4 && nvi == 2);
	CHECK(emu_vf_online("nvme0", 4) == -ENODEV);
	close(vfd);
	close(fd);
}

static void test_dev_char(void)
{
	static const char * const devs[][2] = {
		{ "nvme0", "0000:3b:00.0" }, { "nvme1", "0000:5e:00.0" },
		{ "nvme5", "0000:5e:00.2" }, { "nvme6", "0000:3b:00.1" },
	};
	dev_t rdev[4];
	char path[64];
	size_t i, j;

	use_config("dev.conf",
		   "sysfs = sysfs\n"
		   "[pf nvme0]\n"
		   "vfs = 2\n"
		   "[pf nvme1]\n"
		   "pci = 0000:5e:00.0\n"
		   "vfs = 2\n"
		   "[vf nvme5]\n"
		   "pf = nvme1\n"
		   "vf = 2\n"
		   "[vf nvme6]\n"
		   "pf = nvme0\n"
		   "vf = 1\n");
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/dev/%s", devs[i][0]);
		check_dev_char(path, devs[i][0], devs[i][1], &rdev[i]);
		for (j = 0; j < i; j++)
			CHECK(rdev[i] != rdev[j]);
	}
}

/* the new keys' bad values are refused */
static void test_bad_keys(void)
{
	static const char * const bad[] = {
		"[pf nvme0]\nstrict = 2\n",
		"[pf nvme0]\ncompletion_delay.0x100 = 1\n",
		"[pf nvme0]\ncompletion_delay.0xc8 = -1\n",
		"[pf nvme0]\nfault = 0xc8 1 hangs\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_config("bad.conf", bad[i]);
		CHECK(emu_reload() == -EINVAL);
	}
}

static void test_reload(void)
{
	struct nvme_passthru_cmd cmd = { .opcode = 0xc4, .cdw10 = 1 };
	int fd;

	fd = open("/dev/nvme0", O_RDONLY);
	write_config("bad.conf", "[pf nvme0]\nvfs = 513\n");
	CHECK(emu_reload() == -EINVAL);
	write_config("other.conf", "[pf nvme1]\n");
	CHECK(emu_reload() == 0);
	/* the descriptor's device is gone from the configuration */
	CHECK(ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd) == -1 && errno == ENODEV);
	CHECK(close(fd) == 0);
	unsetenv("INTEL_LM_EMU");
	CHECK(emu_reload() == 0);
	CHECK(open("/dev/nvme0", O_RDONLY) == -1 && errno == ENOENT);
	CHECK(emu_setup() == -ENOENT);
}

/*
 * The CRC-32 of a whole state tells states apart (its check sits in the header: a check at
 * the end made it 0xffffffff for every state), and LOAD_DATA still refuses a state whose
 * header, check or body was changed.
 */
static void test_state_crc(void)
{
	uint32_t crc[3], size[3];
	struct emu_vf_info info;
	const size_t at[] = { 20, 44, 47, 48, 500, 999 };
	uint8_t *b[3];
	size_t i, j;
	int fd, err;

	CHECK(emu_setup() == 0);
	fd = open("/dev/nvme0", O_RDWR);
	for (i = 0; i < 3; i++) {
		CHECK(query(fd, (uint16_t)(i + 1), &size[i]) == 0);
		b[i] = malloc(size[i]);
		CHECK(b[i] && emu_vf_dump("nvme0", (uint16_t)(i + 1), b[i], size[i]) == 0);
		CHECK(emu_blob_check(b[i], size[i], NULL) == 0);
		crc[i] = (uint32_t)crc32(0L, b[i], size[i]);
		CHECK(crc[i] != 0xffffffffu && crc[i] != 0x2144df1cu);
		for (j = 0; j < i; j++)
			CHECK(crc[i] != crc[j]);
	}
	/* a later generation of the same VF differs too */
	CHECK(size[2] == 1000);
	memcpy(b[0], b[2], 1000);
	emu_blob_update(b[0], 1000, true, 0);
	CHECK(emu_blob_check(b[0], 1000, NULL) == 0 && (uint32_t)crc32(0L, b[0], 1000) != crc[2]);

	/* one bit flipped anywhere, the check's own bytes included: LOAD_DATA refuses it */
	CHECK(admin(fd, 0xc8, 3, 0, &err) == 0);
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		b[2][at[i]] ^= 0x10;
		CHECK(emu_blob_check(b[2], 1000, NULL) == -EBADMSG);
		CHECK(xfer(fd, true, 3, b[2], 1000) == 0x4002);
		b[2][at[i]] ^= 0x10;
	}
	CHECK(emu_vf_show("nvme0", 3, &info) == 0 && info.state == EMU_VF_SUSPENDED);
	CHECK(xfer(fd, true, 3, b[2], 1000) == 0);
	CHECK(emu_vf_show("nvme0", 3, &info) == 0 && info.state == EMU_VF_LOADED && info.crc_ok);
	for (i = 0; i < 3; i++)
		free(b[i]);
	close(fd);
	CHECK(emu_setup() == 0);
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	write_config("emu.conf",
		     "# emu-selftest\n"
		     "[pf nvme0]\n"
		     "serial = SELF\n"
		     "vfs = 3\n"
		     "vf.3.size = 1000\n"
		     "latency.0xc4 = " "2000" "\n");
	CHECK(emu_reload() == 0);
	CHECK(emu_setup() == 0);

	test_devices();
	test_threads();
	test_api();
	test_state_crc();
	test_latency_overlaps();
	test_completion_delay();
	test_vf_locks();
	test_parallel_vfs();
	test_fault_hang();
	test_hang_reset();
	test_dev_char();
	test_bad_keys();
	test_reload();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
	printf("emu-selftest: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
