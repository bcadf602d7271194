// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every state size the kernel can move: the limit the Linux NVMe driver's 127 segments per
 * command puts on a buffer of ordinary pages, the state buffers that lift it (huge pages), the
 * segment count read from /proc/self/pagemap, and intel_lm_submit() refusing a buffer the
 * kernel would refuse, against the emulated PF.
 *
 * What the host offers (THP, the hugetlb pool) is read here independently of the library, and
 * a test turns THP off for its own process (PR_SET_THP_DISABLE) to see the host without huge
 * pages. Physical addresses need CAP_SYS_ADMIN: without it the counts are not checked. Each
 * test runs in its own process (CK_FORK).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libintel-lm-private.h>

#include "emu.h"
#include "unit.h"

const char unit_name[] = "unit-xfer";

#define KIB		1024u
#define MIB		(1024u * 1024u)
#define SMALL_MAX	(INTEL_LM_KERNEL_MAX_SEGS * 4096u)	/* 127 pages: 520192 */

static char dir[PATH_MAX];
static char sysfs[PATH_MAX + 8];

static size_t pg(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void setup(void)
{
	strcpy(dir, "/tmp/intel-lm-xfer-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sysfs, sizeof(sysfs), "%s/sysfs", dir);
}

static void teardown(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* An emulated PF nvme0 (VF 1 of @size bytes) with @mdts, set up afresh. */
static void emu_start(unsigned int mdts, unsigned int size)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/emu.conf", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "sysfs = sysfs\n[pf nvme0]\nvfs = 2\nmdts = %u\nvf.1.size = %u\n", mdts, size);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(setenv("INTEL_LM_EMU", path, 1), 0);
	ck_assert_int_eq(emu_reload(), 0);
	ck_assert_int_eq(emu_setup(), 0);
}

static unsigned long read_ulong(const char *path)
{
	unsigned long v = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%lu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* What the host offers this process, read independently of the library. */
static bool host_thp(void)
{
	char s[128] = "";
	FILE *f;

	if (prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) != 0)
		return false;
	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f)
		return false;
	if (!fgets(s, sizeof(s), f))
		s[0] = '\0';
	fclose(f);
	return (strstr(s, "[always]") || strstr(s, "[madvise]")) &&
	       read_ulong("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size") == 2 * MIB;
}

static unsigned long host_hugetlb(void)
{
	const char *d = "/sys/kernel/mm/hugepages/hugepages-2048kB";
	char p[128];
	unsigned long free_pages, resv, over, surplus, n = 0;

	snprintf(p, sizeof(p), "%s/free_hugepages", d);
	free_pages = read_ulong(p);
	snprintf(p, sizeof(p), "%s/resv_hugepages", d);
	resv = read_ulong(p);
	snprintf(p, sizeof(p), "%s/nr_overcommit_hugepages", d);
	over = read_ulong(p);
	snprintf(p, sizeof(p), "%s/surplus_hugepages", d);
	surplus = read_ulong(p);
	if (free_pages > resv)
		n += free_pages - resv;
	if (over > surplus)
		n += over - surplus;
	return n;
}

/* Whether this process can see physical addresses (pagemap's PFNs need CAP_SYS_ADMIN). */
static bool see_pfns(void)
{
	void *p = intel_lm_state_alloc(4096);
	int n;

	((volatile char *)p)[0] = 1;
	n = intel_lm_state_segments(p, 4096);
	intel_lm_state_free(p, 4096);
	ck_assert(n == 1 || n == -EPERM);
	return n == 1;
}

/* The page frame number of the page at @p, or 0 when it cannot be seen. */
static uint64_t pfn_of(const void *p)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)p / pg() * sizeof(e))) != sizeof(e))
		e = 0;
	close(fd);
	return e & ((1ull << 55) - 1);
}

struct frame {
	uint64_t pfn;
	size_t page;
};

static int by_pfn_down(const void *a, const void *b)
{
	const struct frame *x = a, *y = b;

	return x->pfn < y->pfn ? 1 : x->pfn > y->pfn ? -1 : 0;
}

/*
 * @pages pages of which no two are neighbours in physical memory: of 2 * @pages touched pages,
 * every other one by physical address, highest first (where addresses cannot be seen, every
 * other one of the mapping). Unmap with munmap(p, pages * page size).
 */
static char *scattered(size_t pages)
{
	size_t i, len = pages * pg();
	char *src = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *buf = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct frame *f = calloc(2 * pages, sizeof(*f));

	ck_assert_ptr_ne(src, MAP_FAILED);
	ck_assert_ptr_ne(buf, MAP_FAILED);
	ck_assert_ptr_nonnull(f);
	madvise(src, 2 * len, MADV_NOHUGEPAGE);
	for (i = 0; i < 2 * pages; i++) {
		src[i * pg()] = (char)i;
		f[i].pfn = pfn_of(src + i * pg());
		f[i].page = i;
	}
	/* Sorted, every other frame differs from the next by two or more. */
	qsort(f, 2 * pages, sizeof(*f), by_pfn_down);
	for (i = 0; i < pages; i++)
		ck_assert_ptr_ne(mremap(src + f[2 * i].page * pg(), pg(), pg(),
					MREMAP_MAYMOVE | MREMAP_FIXED, buf + i * pg()), MAP_FAILED);
	free(f);
	munmap(src, 2 * len);
	return buf;
}

/* ---- the limit, computed ---- */

START_TEST(limit_segments)
{
	struct intel_lm_ctrl_info info = { .mdts = 7 };
	struct intel_lm_limit lim;

	/* MDTS 7 is 512 KiB: 128 pages, one more than 127 segments of ordinary pages carry. */
	intel_lm_state_limit(&info, &lim);
	ck_assert_int_eq(intel_lm_state_limit_set(&lim, 4 * MIB), 0);
	ck_assert_uint_eq(lim.max_bytes, 512 * KIB);
	ck_assert_int_eq(lim.src, INTEL_LM_LIMIT_MDTS);
	intel_lm_state_limit_segments(&lim, 4096);
	ck_assert_uint_eq(lim.max_bytes, 520192);
	ck_assert_int_eq(lim.src, INTEL_LM_LIMIT_SEGMENTS);
	ck_assert_int_eq(intel_lm_check_size(520192, &lim), 0);
	ck_assert_int_eq(intel_lm_check_size(520193, &lim), -EFBIG);
	ck_assert_ptr_nonnull(strstr(intel_lm_limit_reason(lim.src), "127"));

	/* With huge pages the segments never decide. */
	intel_lm_state_limit(&info, &lim);
	ck_assert_int_eq(intel_lm_state_limit_set(&lim, 4 * MIB), 0);
	intel_lm_state_limit_segments(&lim, INTEL_LM_HUGE_PAGE_SIZE);
	ck_assert_uint_eq(lim.max_bytes, 512 * KIB);
	ck_assert_int_eq(lim.src, INTEL_LM_LIMIT_MDTS);

	/* MDTS 10 and the kernel's 4 MiB: 508 KiB without huge pages, 4 MiB with them. */
	info.mdts = 10;
	intel_lm_state_limit(&info, &lim);
	ck_assert_int_eq(intel_lm_state_limit_set(&lim, 4 * MIB), 0);
	intel_lm_state_limit_segments(&lim, INTEL_LM_HUGE_PAGE_SIZE);
	ck_assert_uint_eq(lim.max_bytes, 4 * MIB);
	ck_assert_int_eq(lim.src, INTEL_LM_LIMIT_KERNEL);
	intel_lm_state_limit_segments(&lim, 0);		/* 0 counts as 4 KiB pages */
	ck_assert_uint_eq(lim.max_bytes, 520192);
	ck_assert_int_eq(lim.src, INTEL_LM_LIMIT_SEGMENTS);

	/* Below 127 pages nothing changes: the default 256 KiB, a caller's 300 KiB. */
	intel_lm_state_limit(&info, &lim);
	intel_lm_state_limit_segments(&lim, 4096);
	ck_assert_uint_eq(lim.max_bytes, 256 * KIB);
	ck_assert_int_eq(lim.src, INTEL_LM_LIMIT_REFERENCE);
	ck_assert_int_eq(intel_lm_state_limit_set(&lim, 300 * KIB), 0);
	intel_lm_state_limit_segments(&lim, 4096);
	ck_assert_uint_eq(lim.max_bytes, 300 * KIB);
	ck_assert_int_eq(lim.src, INTEL_LM_LIMIT_CALLER);

	/* Segments of any size: no overflow, no change. */
	intel_lm_state_limit_segments(&lim, SIZE_MAX);
	ck_assert_uint_eq(lim.max_bytes, 300 * KIB);
	intel_lm_state_limit_segments(&lim, (size_t)UINT32_MAX + 1);
	ck_assert_uint_eq(lim.max_bytes, 300 * KIB);
}
END_TEST

/* ---- the limit of a PF on this host, through the PF handle ---- */

/* Without THP and without hugetlb pages, a PF with MDTS 7 moves 127 pages, not 128. */
START_TEST(pf_limit_no_huge_pages)
{
	struct intel_lm_pf *pf;
	bool pool;

	ck_assert_int_eq(prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0), 0);
	pool = host_hugetlb() >= 1;
	ck_assert_uint_eq(intel_lm_state_contig(4096), pg());
	ck_assert_uint_eq(intel_lm_state_contig(SMALL_MAX), pg());
	ck_assert_uint_eq(intel_lm_state_contig(512 * KIB), pool ? INTEL_LM_HUGE_PAGE_SIZE : pg());

	emu_start(7, 4096);
	ck_assert_int_eq(intel_lm_pf_open("nvme0", sysfs, &pf, NULL, NULL), 0);
	ck_assert_int_eq(intel_lm_pf_identify(pf, NULL), 0);
	ck_assert_uint_eq(intel_lm_pf_limit(pf)->max_bytes, 256 * KIB);
	ck_assert_int_eq(intel_lm_pf_set_max_state(pf, 4 * MIB), 0);
	if (pool) {
		ck_assert_uint_eq(intel_lm_pf_limit(pf)->max_bytes, 512 * KIB);
		ck_assert_int_eq(intel_lm_pf_limit(pf)->src, INTEL_LM_LIMIT_MDTS);
	} else {
		ck_assert_uint_eq(intel_lm_pf_limit(pf)->max_bytes, 520192);
		ck_assert_int_eq(intel_lm_pf_limit(pf)->src, INTEL_LM_LIMIT_SEGMENTS);
		ck_assert_int_eq(intel_lm_check_size(512 * KIB, intel_lm_pf_limit(pf)), -EFBIG);
	}
	ck_assert_int_eq(intel_lm_check_size(520192, intel_lm_pf_limit(pf)), 0);
	/* A caller's limit below 127 pages is its own again. */
	ck_assert_int_eq(intel_lm_pf_set_max_state(pf, 300 * KIB), 0);
	ck_assert_uint_eq(intel_lm_pf_limit(pf)->max_bytes, 300 * KIB);
	ck_assert_int_eq(intel_lm_pf_limit(pf)->src, INTEL_LM_LIMIT_CALLER);
	intel_lm_pf_close(pf);
}
END_TEST

/* As the host is: with THP (or a hugetlb pool) a PF with MDTS 10 moves the kernel's 4 MiB. */
START_TEST(pf_limit_host)
{
	bool huge = host_thp() || host_hugetlb() >= 2;
	struct intel_lm_pf *pf;

	ck_assert_uint_eq(intel_lm_state_contig(4 * MIB), huge ? INTEL_LM_HUGE_PAGE_SIZE : pg());
	emu_start(10, 4096);
	ck_assert_int_eq(intel_lm_pf_open("nvme0", sysfs, &pf, NULL, NULL), 0);
	ck_assert_int_eq(intel_lm_pf_identify(pf, NULL), 0);
	ck_assert_int_eq(intel_lm_pf_set_max_state(pf, 4 * MIB), 0);
	ck_assert_uint_eq(intel_lm_pf_limit(pf)->max_bytes, huge ? 4 * MIB : 520192);
	ck_assert_int_eq(intel_lm_pf_limit(pf)->src,
			 huge ? INTEL_LM_LIMIT_KERNEL : INTEL_LM_LIMIT_SEGMENTS);
	intel_lm_pf_close(pf);
}
END_TEST

/* ---- the buffers ---- */

/* /proc/kpageflags bits of the page at @p (root only), or 0 when they cannot be read. */
#define KPF_HUGE	(1ull << 17)
#define KPF_THP		(1ull << 22)

static uint64_t page_flags(const void *p)
{
	uint64_t pfn = pfn_of(p), flags = 0;
	int fd;

	if (!pfn)
		return 0;
	fd = open("/proc/kpageflags", O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &flags, sizeof(flags), (off_t)(pfn * sizeof(flags))) != sizeof(flags))
		flags = 0;
	close(fd);
	return flags;
}

/* A 4 KiB state is an ordinary page, not part of a huge one; up to 127 pages, ordinary pages. */
START_TEST(alloc_small)
{
	char *p = intel_lm_state_alloc(4096);
	size_t i;

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq((uintptr_t)p % pg(), 0);
	ck_assert_int_eq(p[0] | p[4095], 0);
	memset(p, 0xa5, 4096);
	ck_assert_uint_eq(page_flags(p) & (KPF_HUGE | KPF_THP), 0);
	intel_lm_state_free(p, 4096);

	p = intel_lm_state_alloc(SMALL_MAX);
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < SMALL_MAX; i += pg())
		ck_assert_int_eq(p[i], 0);
	memset(p, 0x5a, SMALL_MAX);
	ck_assert_uint_eq(page_flags(p) & (KPF_HUGE | KPF_THP), 0);
	if (see_pfns())
		ck_assert_int_le(intel_lm_state_segments(p, SMALL_MAX), INTEL_LM_KERNEL_MAX_SEGS);
	intel_lm_state_free(p, SMALL_MAX);
	ck_assert_ptr_null(intel_lm_state_alloc(0));
	intel_lm_state_free(NULL, 4096);
}
END_TEST

/*
 * A batch's thread keeps its state buffer from one VF to the next: the same buffer again for
 * the same size, zeroed as a new one is (nothing of the last state shows in a short
 * SAVE_DATA); another size gets a new one; a buffer of huge pages is never kept.
 */
START_TEST(cache_keeps_one)
{
	struct intel_lm_state_cache c = { 0 };
	char *p, *q, *r;

	p = intel_lm_state_take(&c, 4096);
	ck_assert_ptr_nonnull(p);
	memset(p, 0xa5, 4096);
	intel_lm_state_give(&c, p, 4096);
	ck_assert_ptr_eq(c.buf, p);
	q = intel_lm_state_take(&c, 4096);
	ck_assert_ptr_eq(q, p);
	ck_assert_ptr_null(c.buf);
	ck_assert_int_eq(q[0] | q[2048] | q[4095], 0);
	memset(q, 0x5a, 4096);
	intel_lm_state_give(&c, q, 4096);
	/* Another size: a buffer of its own; given back, it takes the old one's place. */
	r = intel_lm_state_take(&c, 8192);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_ne(r, q);
	ck_assert_ptr_eq(c.buf, q);
	intel_lm_state_give(&c, r, 8192);
	ck_assert_ptr_eq(c.buf, r);
	ck_assert_uint_eq(c.len, 8192);
	/* Above the segment limit: freed, the one kept stays. */
	p = intel_lm_state_take(&c, SMALL_MAX + 1);
	ck_assert_ptr_nonnull(p);
	intel_lm_state_give(&c, p, SMALL_MAX + 1);
	ck_assert_ptr_eq(c.buf, r);
	intel_lm_state_cache_free(&c);
	ck_assert_ptr_null(c.buf);
	ck_assert_uint_eq(c.len, 0);
	/* No cache: as intel_lm_state_alloc() and intel_lm_state_free(). */
	p = intel_lm_state_take(NULL, 4096);
	ck_assert_ptr_nonnull(p);
	intel_lm_state_give(NULL, p, 4096);
	ck_assert_ptr_null(intel_lm_state_take(&c, 0));
	intel_lm_state_cache_free(NULL);
}
END_TEST

/* Above 127 pages: 2 MiB aligned, zeroed, faulted in; in few segments when huge pages exist. */
static const size_t large_sizes[] = { SMALL_MAX + 1, 512 * KIB, 2 * MIB, 4 * MIB };

START_TEST(alloc_large)
{
	size_t len = large_sizes[_i], i;
	bool huge = intel_lm_state_contig(len) == INTEL_LM_HUGE_PAGE_SIZE;
	char *p = intel_lm_state_alloc(len);
	int segs;

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq((uintptr_t)p % INTEL_LM_HUGE_PAGE_SIZE, 0);
	for (i = 0; i < len; i += pg())
		ck_assert_int_eq(p[i], 0);
	ck_assert_int_eq(p[len - 1], 0);
	if (see_pfns()) {
		/* Faulted in before any data is written, in huge pages when there are some. */
		segs = intel_lm_state_segments(p, len);
		ck_assert_int_gt(segs, 0);
		if (huge) {
			ck_assert_int_le(segs, (int)((len + INTEL_LM_HUGE_PAGE_SIZE - 1) /
						     INTEL_LM_HUGE_PAGE_SIZE));
			ck_assert_uint_ne(page_flags(p) & (KPF_HUGE | KPF_THP), 0);
		}
	}
	memset(p, 0x77, len);
	intel_lm_state_free(p, len);
}
END_TEST

/* Without huge pages a large buffer is still a buffer: ordinary pages, 2 MiB aligned. */
START_TEST(alloc_large_no_thp)
{
	char *p;

	ck_assert_int_eq(prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0), 0);
	p = intel_lm_state_alloc(600 * KIB);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq((uintptr_t)p % INTEL_LM_HUGE_PAGE_SIZE, 0);
	memset(p, 1, 600 * KIB);
	intel_lm_state_free(p, 600 * KIB);
}
END_TEST

/* ---- the segment count ---- */

START_TEST(segments_count)
{
	size_t n = 130;
	char *buf, *fresh;

	ck_assert_int_eq(intel_lm_state_segments(NULL, 4096), -EINVAL);
	ck_assert_int_eq(intel_lm_state_segments(&n, 0), -EINVAL);
	ck_assert_int_eq(intel_lm_state_segments((void *)(UINTPTR_MAX - 10), 4096), -EINVAL);
	if (!see_pfns())
		return;
	buf = scattered(n);
	ck_assert_int_eq(intel_lm_state_segments(buf, n * pg()), (int)n);
	/* A range counts every page it touches: the last byte of one page and the first of the
	 * next are two segments here. */
	ck_assert_int_eq(intel_lm_state_segments(buf + pg() - 1, 2), 2);
	munmap(buf, n * pg());

	/* Pages not faulted in yet count one each: the kernel will take them from anywhere. */
	fresh = mmap(NULL, 10 * pg(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(fresh, MAP_FAILED);
	madvise(fresh, 10 * pg(), MADV_NOHUGEPAGE);
	ck_assert_int_eq(intel_lm_state_segments(fresh, 10 * pg()), 10);
	munmap(fresh, 10 * pg());
}
END_TEST

/* ---- submission: what the kernel would refuse is not sent ---- */

START_TEST(submit_refuses_scattered)
{
	struct intel_lm_dev dev;
	char text[512];
	size_t n = 130, len = n * 4096;
	char *buf;
	void *good;
	int ret;

	ck_assert_uint_eq(pg(), 4096);
	emu_start(10, (unsigned int)len);
	ck_assert_int_eq(intel_lm_dev_open("nvme0", sysfs, &dev), 0);
	ck_assert_int_eq(intel_lm_suspend(dev.fd, 1, NULL), 0);

	buf = scattered(n);
	ret = intel_lm_load(dev.fd, 1, buf, (uint32_t)len, NULL);
	if (see_pfns()) {
		ck_assert_int_eq(ret, -EMSGSIZE);
		ck_assert_int_eq(emu_counter("nvme0", INTEL_LM_OPC_LOAD_DATA), 0);
		ck_assert_int_eq(intel_lm_effect_of(ret), INTEL_LM_EFFECT_NONE);
		intel_lm_strerror(ret, INTEL_LM_OPC_LOAD_DATA, text, sizeof(text));
		ck_assert_msg(strstr(text, "EMSGSIZE") && strstr(text, "127") &&
			      strstr(text, "nothing was sent"), "%s", text);
		/* A dry run sends nothing whatever the buffer. */
		ck_assert_int_eq(intel_lm_load(dev.fd, 1, buf, (uint32_t)len,
					       &(struct intel_lm_opts){ .dry_run = true }), 0);
	} else {
		ck_assert_int_eq(ret, 0);
	}
	munmap(buf, len);

	/* 127 scattered pages always go; 127 pages' worth that touches 128 pages does not. */
	buf = scattered(128);
	ret = intel_lm_load(dev.fd, 1, buf, 127 * 4096, NULL);
	ck_assert_int_ne(ret, -EMSGSIZE);
	ret = intel_lm_load(dev.fd, 1, buf + 100, 127 * 4096, NULL);
	if (see_pfns())
		ck_assert_int_eq(ret, -EMSGSIZE);
	else
		ck_assert_int_ne(ret, -EMSGSIZE);
	munmap(buf, 128 * 4096);

	/* A state buffer goes when the host has huge pages. */
	if (intel_lm_state_contig(len) == INTEL_LM_HUGE_PAGE_SIZE) {
		good = intel_lm_state_alloc(len);
		ck_assert_ptr_nonnull(good);
		ck_assert_int_eq(intel_lm_save(dev.fd, 1, good, (uint32_t)len, NULL), 0);
		intel_lm_state_free(good, len);
	}
	intel_lm_dev_close(&dev);
}
END_TEST

/* A raw state from a pipe ends up in a state buffer of its size, whatever the size. */
static const uint32_t stream_sizes[] = { 4096, 65536, 600 * KIB, 4 * MIB };

START_TEST(raw_stream)
{
	uint32_t size = stream_sizes[_i], len, i;
	void *payload;
	uint8_t *p;
	int fds[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		static uint8_t chunk[4096];

		close(fds[0]);
		for (i = 0; i < size; i += sizeof(chunk)) {
			memset(chunk, (int)(i / 4096), sizeof(chunk));
			if (write(fds[1], chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
				_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	ck_assert_int_eq(intel_lm_raw_read(fds[0], 4 * MIB, &payload, &len), 0);
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_uint_eq(len, size);
	p = payload;
	for (i = 0; i < size; i += 4096)
		ck_assert_uint_eq(p[i], (uint8_t)(i / 4096));
	if (size > SMALL_MAX)
		ck_assert_uint_eq((uintptr_t)p % INTEL_LM_HUGE_PAGE_SIZE, 0);
	intel_lm_state_free(payload, len);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("xfer");
	TCase *tc = tcase_create("limit");

	tcase_add_test(tc, limit_segments);
	suite_add_tcase(s, tc);

	tc = tcase_create("host");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pf_limit_no_huge_pages);
	tcase_add_test(tc, pf_limit_host);
	tcase_add_test(tc, submit_refuses_scattered);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("buffer");
	tcase_add_test(tc, alloc_small);
	tcase_add_test(tc, cache_keeps_one);
	tcase_add_loop_test(tc, alloc_large, 0, sizeof(large_sizes) / sizeof(large_sizes[0]));
	tcase_add_test(tc, alloc_large_no_thp);
	tcase_add_test(tc, segments_count);
	tcase_add_loop_test(tc, raw_stream, 0, sizeof(stream_sizes) / sizeof(stream_sizes[0]));
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
