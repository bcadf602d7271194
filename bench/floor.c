// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The floor of the benchmarks: the least a program can do to run one Intel live migration
 * command on a VF. It links nothing but libc: no libnvme, no json-c, no zlib, so that the
 * dynamic loader has one library to bind.
 *
 *	floor query-size DEV VF
 *	floor suspend DEV VF
 *	floor resume DEV VF
 *	floor save DEV VF FILE
 *	floor load DEV VF FILE
 *
 * The unavoidable work:
 *  - open the PF's controller;
 *  - Identify Controller through ioctl(NVME_IOCTL_ADMIN_CMD): an Intel (0x8086) controller
 *    with byte 3072 = 01h;
 *  - Identify Secondary Controller List (every page until the VF is found): VF is a VF of
 *    this PF;
 *  - the command itself, through the same ioctl;
 *  - save: QUERY_DATA_SIZE (SAVE_DATA has no length field), a page-aligned buffer, SAVE_DATA,
 *    and a durable write of as many bytes as intel-lm writes: a 256-byte header carrying the
 *    source's identity and the state's CRC-32, then the state; one write, fsync of the file,
 *    fsync of its directory;
 *  - load: read that file, check its header, that model and firmware match the destination
 *    and the CRC-32, then LOAD_DATA.
 *
 * The CRC-32 is zlib's (polynomial 0xedb88320), computed here slicing by 8 bytes with tables
 * generated at build time (crc32-gen.c), as zlib's are: linking zlib for it would load a
 * second library. It costs about as many instructions per byte as zlib's crc32().
 *
 * Not done, because they are choices rather than necessities: option parsing, output
 * formats, locks, records, the temporary file and rename that make a file appear whole or not
 * at all, sysfs look-ups, messages beyond one line, stdio on the way that succeeds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/nvme_ioctl.h>

#include "crc32-table.h"

#define OPC_IDENTIFY	0x06
#define OPC_QUERY	0xc4
#define OPC_SUSPEND	0xc8
#define OPC_RESUME	0xcc
#define OPC_SAVE	0xd2
#define OPC_LOAD	0xd5

#define CNS_CTRL	0x01
#define CNS_SEC_LIST	0x15

#define PAGE		4096
#define HDR_LEN		256
#define MAX_STATE	(4u << 20)

/* Identify Controller */
#define ID_VID		0
#define ID_SN		4
#define ID_MN		24
#define ID_FR		64
#define ID_CNTLID	78
#define ID_LM		3072

/* Secondary Controller List: the count, then 32-byte entries from byte 32 */
#define SEC_ENTRIES	32
#define SEC_ENTRY_LEN	32
#define SEC_PAGE	127
#define SEC_SCID	0
#define SEC_PCID	2
#define SEC_VFN		8

/* The header: the same length as intel-lm's, a layout of its own (it is never mixed). */
struct floor_hdr {
	char magic[8];
	uint32_t vf;
	uint32_t len;
	uint32_t crc;
	char sn[20];
	char mn[40];
	char fr[8];
	uint8_t pad[HDR_LEN - 88];
};

_Static_assert(sizeof(struct floor_hdr) == HDR_LEN, "header size");

static const char magic[8] = "FLOORLM2";

static uint8_t id[PAGE] __attribute__((aligned(PAGE)));
static uint8_t sec[PAGE] __attribute__((aligned(PAGE)));

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; n && ((uintptr_t)p & 7); n--)
		crc = crc32_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	for (; n >= 8; n -= 8, p += 8) {
		uint64_t w;

		memcpy(&w, p, sizeof(w));
		w ^= crc;
		crc = crc32_table[7][w & 0xff] ^ crc32_table[6][(w >> 8) & 0xff] ^
		      crc32_table[5][(w >> 16) & 0xff] ^ crc32_table[4][(w >> 24) & 0xff] ^
		      crc32_table[3][(w >> 32) & 0xff] ^ crc32_table[2][(w >> 40) & 0xff] ^
		      crc32_table[1][(w >> 48) & 0xff] ^ crc32_table[0][w >> 56];
	}
#endif
	for (; n; n--)
		crc = crc32_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static int fail(const char *what, int ret)
{
	if (ret < 0)
		fprintf(stderr, "floor: %s: %s\n", what, strerror(-ret));
	else
		fprintf(stderr, "floor: %s: NVMe status 0x%x\n", what, ret);
	return 1;
}

/* one line on stdout: TEXT N TAIL, without stdio */
static void say(const char *text, uint32_t n, const char *tail)
{
	char buf[64], num[12];
	size_t len = strlen(text), t = strlen(tail), d = 0, i;

	do
		num[d++] = (char)('0' + n % 10);
	while (n /= 10);
	memcpy(buf, text, len);
	for (i = 0; i < d; i++)
		buf[len + i] = num[d - 1 - i];
	memcpy(buf + len + d, tail, t);
	if (write(STDOUT_FILENO, buf, len + d + t) < 0)
		return;
}

static int submit(int fd, uint8_t opc, uint32_t cdw10, uint32_t cdw11, void *buf,
		  uint32_t len, uint32_t *result)
{
	struct nvme_passthru_cmd cmd = {
		.opcode = opc,
		.cdw10 = cdw10,
		.cdw11 = cdw11,
		.addr = (uint64_t)(uintptr_t)buf,
		.data_len = len,
	};
	int ret = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);

	if (ret < 0)
		return -errno;
	if (result)
		*result = cmd.result;
	return ret;
}

/* Identify Controller and the Secondary Controller List: is VF a VF of an Intel LM PF? */
static int check_pf(int fd, uint16_t vf)
{
	uint32_t cntid = 0;
	uint16_t cntlid;
	int found = 0, ret, i, num;

	ret = submit(fd, OPC_IDENTIFY, CNS_CTRL, 0, id, PAGE, NULL);
	if (ret)
		return fail("identify", ret);
	if (le16(id + ID_VID) != 0x8086 || id[ID_LM] != 0x01) {
		fprintf(stderr, "floor: not an Intel PF with live migration\n");
		return 1;
	}
	cntlid = le16(id + ID_CNTLID);
	for (;;) {
		ret = submit(fd, OPC_IDENTIFY, CNS_SEC_LIST | cntid << 16, 0, sec, PAGE, NULL);
		if (ret)
			return fail("identify", ret);
		num = sec[0] < SEC_PAGE ? sec[0] : SEC_PAGE;
		for (i = 0; i < num; i++) {
			const uint8_t *e = sec + SEC_ENTRIES + i * SEC_ENTRY_LEN;

			if (le16(e + SEC_PCID) == cntlid && le16(e + SEC_VFN) == vf)
				found = 1;
			cntid = le16(e + SEC_SCID) + 1u;
		}
		if (found || sec[0] < SEC_PAGE || cntid > UINT16_MAX)
			break;
	}
	if (!found) {
		fprintf(stderr, "floor: VF %u is not a VF of this PF\n", vf);
		return 1;
	}
	return 0;
}

static int writev_all(int fd, struct iovec *iov, int cnt)
{
	while (cnt) {
		ssize_t n = writev(fd, iov, cnt);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (; cnt && (size_t)n >= iov->iov_len; iov++, cnt--)
			n -= (ssize_t)iov->iov_len;
		if (cnt) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n)
			return -ENODATA;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* the header and the state in one write, fsync of the file, fsync of its directory */
static int durable_write(const char *path, struct floor_hdr *hdr, void *buf, uint32_t len)
{
	struct iovec iov[2] = { { hdr, sizeof(*hdr) }, { buf, len } };
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd, dfd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = writev_all(fd, iov, 2);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (ret) {
		unlink(path);
		return ret;
	}
	if (!slash) {
		strcpy(dir, ".");
	} else {
		size_t n = slash == path ? 1 : (size_t)(slash - path);

		if (n >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	ret = fsync(dfd) ? -errno : 0;
	close(dfd);
	return ret;
}

static void *state_buf(uint32_t len)
{
	void *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return buf == MAP_FAILED ? NULL : buf;
}

static int do_save(int fd, uint16_t vf, const char *path)
{
	struct floor_hdr hdr;
	uint32_t size = 0;
	void *buf;
	int ret;

	ret = submit(fd, OPC_QUERY, vf, 0, NULL, 0, &size);
	if (ret)
		return fail("query-size", ret);
	if (!size || size > MAX_STATE) {
		fprintf(stderr, "floor: state size %u refused\n", size);
		return 1;
	}
	buf = state_buf(size);
	if (!buf)
		return fail("memory", -ENOMEM);
	ret = submit(fd, OPC_SAVE, vf, 0, buf, size, NULL);
	if (ret) {
		munmap(buf, size);
		return fail("save", ret);
	}
	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.magic, magic, sizeof(magic));
	hdr.vf = vf;
	hdr.len = size;
	hdr.crc = crc32(buf, size);
	memcpy(hdr.sn, id + ID_SN, sizeof(hdr.sn));
	memcpy(hdr.mn, id + ID_MN, sizeof(hdr.mn));
	memcpy(hdr.fr, id + ID_FR, sizeof(hdr.fr));
	ret = durable_write(path, &hdr, buf, size);
	munmap(buf, size);
	if (ret)
		return fail(path, ret);
	say("saved ", size, " bytes\n");
	return 0;
}

static int do_load(int fd, uint16_t vf, const char *path)
{
	struct floor_hdr hdr;
	void *buf;
	int in, ret;

	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return fail(path, -errno);
	ret = read_all(in, &hdr, sizeof(hdr));
	if (!ret && (memcmp(hdr.magic, magic, sizeof(magic)) || !hdr.len || hdr.len > MAX_STATE))
		ret = -EILSEQ;
	if (ret) {
		close(in);
		return fail(path, ret);
	}
	if (memcmp(hdr.mn, id + ID_MN, sizeof(hdr.mn)) ||
	    memcmp(hdr.fr, id + ID_FR, sizeof(hdr.fr))) {
		close(in);
		fprintf(stderr, "floor: %s comes from another kind of PF\n", path);
		return 1;
	}
	buf = state_buf(hdr.len);
	if (!buf) {
		close(in);
		return fail("memory", -ENOMEM);
	}
	ret = read_all(in, buf, hdr.len);
	close(in);
	if (!ret && crc32(buf, hdr.len) != hdr.crc)
		ret = -EBADMSG;
	if (ret) {
		munmap(buf, hdr.len);
		return fail(path, ret);
	}
	ret = submit(fd, OPC_LOAD, vf, hdr.len, buf, hdr.len, NULL);
	munmap(buf, hdr.len);
	if (ret)
		return fail("load", ret);
	say("loaded ", hdr.len, " bytes\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		uint8_t opc;
		int args;
	} ops[] = {
		{ "query-size", OPC_QUERY, 4 },
		{ "suspend", OPC_SUSPEND, 4 },
		{ "resume", OPC_RESUME, 4 },
		{ "save", OPC_SAVE, 5 },
		{ "load", OPC_LOAD, 5 },
	};
	unsigned long vf;
	uint32_t result = 0;
	char *end;
	size_t i;
	int fd, ret;

	for (i = 0; argc > 1 && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(argv[1], ops[i].name))
			break;
	if (argc < 2 || i == sizeof(ops) / sizeof(ops[0]) || argc != ops[i].args) {
		fprintf(stderr, "usage: floor query-size|suspend|resume DEV VF\n"
			"       floor save|load DEV VF FILE\n");
		return 2;
	}
	errno = 0;
	vf = strtoul(argv[3], &end, 10);
	if (errno || *end || vf < 1 || vf > UINT16_MAX) {
		fprintf(stderr, "floor: bad VF index %s\n", argv[3]);
		return 2;
	}

	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(argv[2], -errno);
	ret = check_pf(fd, (uint16_t)vf);
	if (!ret) {
		switch (ops[i].opc) {
		case OPC_SAVE:
			ret = do_save(fd, (uint16_t)vf, argv[4]);
			break;
		case OPC_LOAD:
			ret = do_load(fd, (uint16_t)vf, argv[4]);
			break;
		default:
			ret = submit(fd, ops[i].opc, (uint32_t)vf, 0, NULL, 0, &result);
			if (ret) {
				ret = fail(ops[i].name, ret);
				break;
			}
			if (ops[i].opc == OPC_QUERY)
				say("", result, "\n");
			break;
		}
	}
	close(fd);
	return ret;
}
