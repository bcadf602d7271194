// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktest-frag: the kernel test's memory tool, run inside the guest as root.
 *
 *   ktest-frag hold MIB      map MIB MiB of anonymous memory in small pages, touch every page,
 *                            read their physical addresses from /proc/self/pagemap, and unmap
 *                            every other page by physical address, only pages whose two
 *                            physical neighbours are pages it keeps; print "ready PAGES" (the
 *                            pages freed), then hold the rest until killed. No freed page has
 *                            a free neighbour, so none merges into a larger free block, and the
 *                            page allocator hands out these single pages first: a buffer
 *                            mapped afterwards is spread over as many pieces of memory as it
 *                            has pages.
 *   ktest-frag segments KIB  map KIB KiB the same way, touch it, and print "segments N pages M
 *                            tries T": how many physically contiguous runs (the kernel's
 *                            segments) its pages form, read from /proc/self/pagemap. A buffer
 *                            with two neighbouring pages (from the allocator's per-CPU lists,
 *                            or memory the tool did not fragment) is kept mapped, so that its
 *                            pages are not handed out again, and another one mapped, up to
 *                            SEGMENTS_TRIES buffers in all; the last one is reported.
 *   ktest-frag xfer DEV PAGES
 *                            build a buffer of PAGES pages of which no two are physically
 *                            adjacent (of twice as many pages, every other one by physical
 *                            address, highest first), then
 *                            print "segments N library L kernel K": this tool's count, what
 *                            libintel-lm's intel_lm_load() of it to VF 1 of DEV returns, and
 *                            what the kernel's admin ioctl of the same LOAD_DATA returns
 *                            (0xSSSS for an NVMe status, or an errno name).
 *
 * The segment count is this tool's own, not the library's: it checks the test's premises
 * (memory is fragmented; the kernel refuses more than 127 segments) independently of the code
 * under test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/nvme_ioctl.h>

#include <libintel-lm.h>

#define PFN_MASK	((1ull << 55) - 1)
#define PRESENT		(1ull << 63)
#define SEGMENTS_TRIES	8

static void *map_small(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), i;

	if (p == MAP_FAILED) {
		perror("ktest-frag: mmap");
		exit(1);
	}
	/* Small pages whatever the THP setting: each page is one piece of memory. */
	madvise(p, len, MADV_NOHUGEPAGE);
	for (i = 0; i < len; i += pg)
		((volatile char *)p)[i] = 1;
	return p;
}


/* Physically contiguous runs of @n pages from @p (all present), or -1. */
static long count_runs(const char *p, size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), i;
	uint64_t e, prev = 0;
	long segs = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0) {
		perror("ktest-frag: /proc/self/pagemap");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (pread(fd, &e, sizeof(e), (off_t)(((uintptr_t)p / pg + i) * sizeof(e))) !=
		    (ssize_t)sizeof(e)) {
			perror("ktest-frag: pread");
			segs = -1;
			break;
		}
		if (!(e & PRESENT) || !(e & PFN_MASK)) {
			fprintf(stderr, "ktest-frag: page %zu: no physical address (root?)\n", i);
			segs = -1;
			break;
		}
		e &= PFN_MASK;
		if (!i || e != prev + 1)
			segs++;
		prev = e;
	}
	close(fd);
	return segs;
}

static int segments(size_t kib)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), n = (kib << 10) / pg;
	long segs = -1;
	int tries = 0;

	/* earlier buffers stay mapped: their pages are not handed out again */
	while (tries < SEGMENTS_TRIES && segs != (long)n) {
		segs = count_runs(map_small(kib << 10), n);
		if (segs < 0)
			return 1;
		tries++;
	}
	printf("segments %ld pages %zu tries %d\n", segs, n, tries);
	return 0;
}

/* A command's return: 0xSSSS for an NVMe status, an errno name, or 0. */
static const char *outcome(int ret, char *buf, size_t len)
{
	if (ret > 0)
		snprintf(buf, len, "0x%04x", (unsigned int)ret);
	else if (ret < 0)
		snprintf(buf, len, "%s", intel_lm_errno_name(ret));
	else
		snprintf(buf, len, "0");
	return buf;
}

/* The page frame number of the page at @p, or 0 when it cannot be seen. */
static uint64_t pfn_of(const void *p)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (off_t)((uintptr_t)p / pg * sizeof(e))) != sizeof(e))
		e = 0;
	close(fd);
	return e & PFN_MASK;
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

static int by_pfn_up(const void *a, const void *b)
{
	return by_pfn_down(b, a);
}

static int hold(size_t mib)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = mib << 20, n = len / pg, i, freed = 0;
	char *p = map_small(len);
	struct frame *f = calloc(n, sizeof(*f));

	if (!f) {
		perror("ktest-frag: calloc");
		return 1;
	}
	for (i = 0; i < n; i++) {
		f[i].pfn = pfn_of(p + i * pg);
		f[i].page = i;
		if (!f[i].pfn) {
			fprintf(stderr, "ktest-frag: page %zu: no physical address (root?)\n", i);
			return 1;
		}
	}
	qsort(f, n, sizeof(*f), by_pfn_up);
	/*
	 * Free a page only between two pages of ours that stay: the one before it was kept (the
	 * page after a freed one is skipped), the one after it is kept now.
	 */
	for (i = 1; i + 1 < n; i++) {
		if (f[i - 1].pfn + 1 != f[i].pfn || f[i].pfn + 1 != f[i + 1].pfn)
			continue;
		if (munmap(p + f[i].page * pg, pg)) {
			perror("ktest-frag: munmap");
			return 1;
		}
		freed++;
		i++;
	}
	free(f);
	printf("ready %zu\n", freed);
	fflush(stdout);
	for (;;)
		pause();
}

static int xfer(const char *dev, size_t pages)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), len = pages * pg, i;
	char *src = map_small(2 * len), *buf, lib_s[32], kernel_s[32];
	struct frame *f = calloc(2 * pages, sizeof(*f));
	struct nvme_admin_cmd cmd;
	long segs;
	int fd, lib, kernel;

	buf = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || !f) {
		perror("ktest-frag: mmap");
		return 1;
	}
	/* Sorted by physical address, every other page differs from the next by two or more. */
	for (i = 0; i < 2 * pages; i++) {
		f[i].pfn = pfn_of(src + i * pg);
		f[i].page = i;
	}
	qsort(f, 2 * pages, sizeof(*f), by_pfn_down);
	for (i = 0; i < pages; i++) {
		if (mremap(src + f[2 * i].page * pg, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED,
			   buf + i * pg) == MAP_FAILED) {
			perror("ktest-frag: mremap");
			return 1;
		}
	}
	free(f);
	segs = count_runs(buf, pages);
	if (segs < 0)
		return 1;
	fd = open(dev, O_RDONLY);
	if (fd < 0) {
		perror(dev);
		return 1;
	}
	lib = intel_lm_load(fd, 1, buf, (uint32_t)len, NULL);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opcode = INTEL_LM_OPC_LOAD_DATA;
	cmd.cdw10 = 1;
	cmd.cdw11 = (uint32_t)len;
	cmd.addr = (uint64_t)(uintptr_t)buf;
	cmd.data_len = (uint32_t)len;
	kernel = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);
	if (kernel < 0)
		kernel = -errno;
	close(fd);
	printf("segments %ld library %s kernel %s\n", segs, outcome(lib, lib_s, sizeof(lib_s)),
	       outcome(kernel, kernel_s, sizeof(kernel_s)));
	return 0;
}

int main(int argc, char **argv)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = argc >= 3 ? strtoul(argv[argc - 1], &end, 10) : 0;
	if (errno || !v || v > 4096 || *end)
		v = 0;
	if (v && argc == 3 && !strcmp(argv[1], "hold"))
		return hold(v);
	if (v && argc == 3 && !strcmp(argv[1], "segments"))
		return segments(v);
	if (v && argc == 4 && !strcmp(argv[1], "xfer"))
		return xfer(argv[2], v);
	fprintf(stderr, "usage: ktest-frag hold MIB | segments KIB | xfer DEV PAGES\n");
	return 2;
}
