// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The state buffer: memory the kernel can hand to the controller in one command.
 *
 * The Linux NVMe driver maps a passthrough buffer page by page into at most
 * INTEL_LM_KERNEL_MAX_SEGS segments, physically contiguous pages merging into one; a buffer
 * that needs more fails the ioctl with EINVAL before the controller sees the command. Up to
 * that many pages, any buffer fits: it is an ordinary mapping. A larger one fits only in
 * contiguous memory, 2 MiB huge pages: transparent ones (MADV_HUGEPAGE, then MADV_COLLAPSE
 * when the first touch did not give them) where the host enables THP, else pages of the
 * hugetlb pool. As root, /proc/self/pagemap tells how many segments a buffer needs.
 *
 * Every buffer is a mapping of its own: page aligned, zeroed by the kernel, outside malloc's
 * per-thread arenas, and returned to the system when freed. It is not wiped first: the kernel
 * zeroes a page (anonymous or of the hugetlb pool) before it maps it anywhere again, so no
 * later mapping sees a state (which holds DMA addresses), and a wipe would be one more pass
 * over every byte of it.
 * A small one never takes a huge page (MADV_NOHUGEPAGE): a 4 KiB state costs 4 KiB.
 * One above the segment limit is mapped whole huge pages long, whatever backs it, so that its
 * length follows from the state's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <intel-lm/blob.h>
#include <intel-lm/limits.h>

#include "private.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT		26
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB		(21 << MAP_HUGE_SHIFT)
#endif
#ifndef PR_GET_THP_DISABLE
#define PR_GET_THP_DISABLE	42
#endif

#define HUGE		((size_t)INTEL_LM_HUGE_PAGE_SIZE)
#define THP_DIR		"/sys/kernel/mm/transparent_hugepage"
#define HUGETLB_DIR	"/sys/kernel/mm/hugepages/hugepages-2048kB"

/* /proc/self/pagemap: one 64-bit entry per page. */
#define PM_PRESENT	(1ull << 63)
#define PM_PFN_MASK	((1ull << 55) - 1)
#define PM_BATCH	512
/* The block layer's default segment boundary: no segment crosses a 4 GiB physical line. */
#define SEG_BOUNDARY	(1ull << 32)

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* The largest buffer that fits the kernel's segments whatever its pages. */
static size_t small_max(void)
{
	return (size_t)INTEL_LM_KERNEL_MAX_SEGS * page_size();
}

static size_t map_len(size_t len)
{
	return len <= small_max() ? len : (len + HUGE - 1) & ~(HUGE - 1);
}

/* A small text file of the kernel's into @buf: 0, or a negative errno. */
static int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int read_ulong(const char *path, unsigned long *v)
{
	char buf[32], *end;
	int ret = read_text(path, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*v = strtoul(buf, &end, 10);
	return errno || end == buf ? -EINVAL : 0;
}

/* What the host offers a buffer above the segment limit, now. */
struct host_mem {
	bool thp;		/* transparent 2 MiB pages can be asked for */
	unsigned long hugetlb;	/* 2 MiB pages the hugetlb pool can give */
};

static void host_mem(struct host_mem *m)
{
	unsigned long free_pages, resv, over, surplus, pmd;
	char s[128];

	/* THP on (always or madvise), 2 MiB, and not turned off for this process. */
	m->thp = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 0 &&
		 !read_text(THP_DIR "/enabled", s, sizeof(s)) &&
		 (strstr(s, "[always]") || strstr(s, "[madvise]")) &&
		 !read_ulong(THP_DIR "/hpage_pmd_size", &pmd) && pmd == HUGE;
	/* The pool's free pages not promised to others, and those it may add (overcommit). */
	m->hugetlb = 0;
	if (!read_ulong(HUGETLB_DIR "/free_hugepages", &free_pages) &&
	    !read_ulong(HUGETLB_DIR "/resv_hugepages", &resv) && free_pages > resv)
		m->hugetlb = free_pages - resv;
	if (!read_ulong(HUGETLB_DIR "/nr_overcommit_hugepages", &over) &&
	    !read_ulong(HUGETLB_DIR "/surplus_hugepages", &surplus) && over > surplus)
		m->hugetlb += over - surplus;
}

size_t intel_lm_state_contig(size_t len)
{
	struct host_mem m;

	if (len <= small_max())
		return page_size();
	host_mem(&m);
	return m.thp || m.hugetlb >= map_len(len) / HUGE ? HUGE : page_size();
}

int intel_lm_state_segments(const void *buf, size_t len)
{
	size_t pg = page_size(), first, n, i, j, got, segs = 0;
	uint64_t e[PM_BATCH], pfn, prev = 0;
	bool run = false;
	ssize_t r;
	int fd, ret = 0;

	if (!buf || !len || len - 1 > UINTPTR_MAX - (uintptr_t)buf)
		return -EINVAL;
	first = (uintptr_t)buf / pg;
	n = ((uintptr_t)buf + len - 1) / pg - first + 1;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (i = 0; i < n && !ret; i += got) {
		r = pread(fd, e, (n - i < PM_BATCH ? n - i : PM_BATCH) * sizeof(e[0]),
			  (off_t)((first + i) * sizeof(e[0])));
		if (r < 0 && errno == EINTR) {
			got = 0;
			continue;
		}
		if (r < (ssize_t)sizeof(e[0])) {
			ret = r < 0 ? -errno : -EIO;
			break;
		}
		got = (size_t)r / sizeof(e[0]);
		for (j = 0; j < got; j++) {
			/* Not there yet: the kernel will fault it in anywhere. */
			if (!(e[j] & PM_PRESENT)) {
				segs++;
				run = false;
				continue;
			}
			pfn = e[j] & PM_PFN_MASK;
			/* Physical addresses are shown only with CAP_SYS_ADMIN. */
			if (!pfn) {
				ret = -EPERM;
				break;
			}
			if (!run || pfn != prev + 1 || !((pfn * pg) % SEG_BOUNDARY))
				segs++;
			prev = pfn;
			run = true;
		}
	}
	close(fd);
	if (ret)
		return ret;
	return segs > INT_MAX ? INT_MAX : (int)segs;
}

/* Whether @buf fits the kernel's segments; when no one can tell (no CAP_SYS_ADMIN), yes. */
static bool fits(const void *buf, size_t len)
{
	return intel_lm_state_segments(buf, len) <= (int)INTEL_LM_KERNEL_MAX_SEGS;
}

/* Fault in the pages of @buf now, so that they are where the kernel will find them. */
static void populate(void *buf, size_t len)
{
	size_t pg = page_size(), i;

	if (!madvise(buf, len, MADV_POPULATE_WRITE))
		return;
	for (i = 0; i < len; i += pg)
		((volatile uint8_t *)buf)[i] = 0;
}

static void *map_anon(size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	return p;
}

/* @len bytes (a multiple of HUGE) at a HUGE-aligned address, so that THP can back them. */
static void *map_huge_aligned(size_t len)
{
	uint8_t *p = map_anon(len + HUGE, 0);
	uintptr_t a;
	size_t head;

	if (!p)
		return NULL;
	a = ((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
	head = a - (uintptr_t)p;
	if (head)
		munmap(p, head);
	if (HUGE - head)
		munmap((uint8_t *)a + len, HUGE - head);
	return (void *)a;
}

/* A buffer above the segment limit: huge pages when the host has them, else ordinary ones. */
static void *alloc_large(size_t len)
{
	size_t mlen = map_len(len);
	struct host_mem m;
	void *p = NULL, *h;

	host_mem(&m);
	if (m.thp) {
		p = map_huge_aligned(mlen);
		if (p) {
			madvise(p, mlen, MADV_HUGEPAGE);
			populate(p, len);
			if (fits(p, len))
				return p;
			/* The first touch found no free huge page: compact and collapse. */
			if (!madvise(p, mlen, MADV_COLLAPSE) && fits(p, len))
				return p;
		}
	}
	if (m.hugetlb >= mlen / HUGE) {
		h = map_anon(mlen, MAP_HUGETLB | MAP_HUGE_2MB);
		if (h) {
			if (p)
				munmap(p, mlen);
			populate(h, len);
			return h;
		}
	}
	/* Ordinary pages: intel_lm_submit() refuses them if they turn out too scattered. */
	if (!p) {
		p = map_huge_aligned(mlen);
		if (p)
			populate(p, len);
	}
	return p;
}

void *intel_lm_state_alloc(size_t len)
{
	void *p;

	if (!len || len > SIZE_MAX / 2)
		return NULL;
	if (len > small_max())
		return alloc_large(len);
	/* Never a huge page for a small state, even merged into a neighbour with THP always. */
	p = map_anon(len, 0);
	if (p)
		madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

void intel_lm_state_free(void *buf, size_t len)
{
	if (!buf)
		return;
	munmap(buf, map_len(len));
}

void *intel_lm_state_take(struct intel_lm_state_cache *c, size_t len)
{
	void *p;

	if (!c || !c->buf || c->len != len || !len)
		return intel_lm_state_alloc(len);
	p = c->buf;
	c->buf = NULL;
	/* As a new mapping is: nothing of the last state shows in a short SAVE_DATA. */
	memset(p, 0, len);
	return p;
}

void intel_lm_state_give(struct intel_lm_state_cache *c, void *buf, size_t len)
{
	if (!c || !buf || len > small_max()) {
		intel_lm_state_free(buf, len);
		return;
	}
	intel_lm_state_cache_free(c);
	c->buf = buf;
	c->len = len;
}

void intel_lm_state_cache_free(struct intel_lm_state_cache *c)
{
	if (!c)
		return;
	intel_lm_state_free(c->buf, c->len);
	c->buf = NULL;
	c->len = 0;
}

int intel_lm_xfer_check(const void *buf, size_t len)
{
	uintptr_t a = (uintptr_t)buf;
	size_t pg = page_size();

	/* Up to 127 pages touched, any memory fits; a wrapping range is the kernel's to refuse. */
	if (!buf || !len || len - 1 > UINTPTR_MAX - a ||
	    (a + len - 1) / pg - a / pg < INTEL_LM_KERNEL_MAX_SEGS)
		return 0;
	return intel_lm_state_segments(buf, len) > (int)INTEL_LM_KERNEL_MAX_SEGS ? -EMSGSIZE : 0;
}

bool intel_lm_state_is_plain(size_t len)
{
	return len <= small_max();
}

void *intel_lm_plain_alloc(size_t len)
{
	return len ? map_anon(len, 0) : NULL;
}

void intel_lm_plain_free(void *buf, size_t len)
{
	if (!buf)
		return;
	munmap(buf, len);
}
