// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The floor of the benchmarks: the least a program can do to run one Intel live migration
 * command on a VF, with libnvme as intel-lm uses it and nothing else of ours.
 *
 *	floor query-size DEV VF
 *	floor suspend DEV VF
 *	floor resume DEV VF
 *	floor save DEV VF FILE
 *	floor load DEV VF FILE
 *
 * The unavoidable work, as intel-lm does it:
 *  - open the PF's controller;
 *  - Identify Controller: an Intel (0x8086) controller with byte 3072 = 01h;
 *  - Identify Secondary Controller List (every page): VF is a VF of this PF;
 *  - the command itself;
 *  - save: QUERY_DATA_SIZE (SAVE_DATA has no length field), a page-aligned buffer, SAVE_DATA,
 *    and a durable write of the same bytes intel-lm writes: a 256-byte header carrying the
 *    source's identity and the state's CRC-32, then the state; write, fsync the file, fsync
 *    its directory;
 *  - load: read that file, check its header and CRC-32 and that model and firmware match the
 *    destination, then LOAD_DATA.
 *
 * Not done, because they are choices rather than necessities: option parsing, output
 * formats, locks, the temporary file and rename that make a file appear whole or not at all,
 * sysfs look-ups, messages beyond one line.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libnvme.h>
#include <zlib.h>

#define OPC_QUERY	0xc4
#define OPC_SUSPEND	0xc8
#define OPC_RESUME	0xcc
#define OPC_SAVE	0xd2
#define OPC_LOAD	0xd5

#define HDR_LEN		256
#define PAGE		4096
#define MAX_STATE	(4u << 20)
#define LM_BYTE		3072
#define SEC_PAGE	127

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

static const char magic[8] = "FLOORLM1";

static int fail(const char *what, int ret)
{
	if (ret < 0)
		fprintf(stderr, "floor: %s: %s\n", what, strerror(-ret));
	else
		fprintf(stderr, "floor: %s: NVMe status 0x%x\n", what, ret);
	return 1;
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
	int ret = nvme_submit_admin_passthru(fd, &cmd, result);

	return ret < 0 ? -errno : ret;
}

/* Identify Controller and the Secondary Controller List: is VF a VF of an Intel LM PF? */
static int check_pf(int fd, uint16_t vf, struct nvme_id_ctrl *id)
{
	struct nvme_secondary_ctrl_list *list;
	uint32_t cntid = 0;
	uint16_t cntlid;
	int found = 0, ret, i;

	ret = submit(fd, nvme_admin_identify, NVME_IDENTIFY_CNS_CTRL, 0, id, sizeof(*id), NULL);
	if (ret)
		return fail("identify", ret);
	if (le16toh(id->vid) != 0x8086 || ((uint8_t *)id)[LM_BYTE] != 0x01) {
		fprintf(stderr, "floor: not an Intel PF with live migration\n");
		return 1;
	}
	cntlid = le16toh(id->cntlid);
	if (posix_memalign((void **)&list, PAGE, sizeof(*list)))
		return fail("memory", -ENOMEM);
	for (;;) {
		ret = submit(fd, nvme_admin_identify, NVME_IDENTIFY_CNS_SECONDARY_CTRL_LIST |
			     cntid << 16, 0, list, sizeof(*list), NULL);
		if (ret) {
			free(list);
			return fail("identify", ret);
		}
		for (i = 0; i < list->num && i < SEC_PAGE; i++) {
			const struct nvme_secondary_ctrl *e = &list->sc_entry[i];

			if (le16toh(e->pcid) == cntlid && le16toh(e->vfn) == vf)
				found = 1;
			cntid = le16toh(e->scid) + 1u;
		}
		if (found || list->num < SEC_PAGE || cntid > UINT16_MAX)
			break;
	}
	free(list);
	if (!found) {
		fprintf(stderr, "floor: VF %u is not a VF of this PF\n", vf);
		return 1;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
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

/* write, fsync the file, fsync its directory */
static int durable_write(const char *path, const struct floor_hdr *hdr, const void *buf,
			 uint32_t len)
{
	char dir[PATH_MAX];
	int fd, dfd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, hdr, sizeof(*hdr));
	if (!ret)
		ret = write_all(fd, buf, len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (ret) {
		unlink(path);
		return ret;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	ret = fsync(dfd) ? -errno : 0;
	close(dfd);
	return ret;
}

static int do_save(int fd, uint16_t vf, const struct nvme_id_ctrl *id, const char *path)
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
	if (posix_memalign(&buf, PAGE, size))
		return fail("memory", -ENOMEM);
	ret = submit(fd, OPC_SAVE, vf, 0, buf, size, NULL);
	if (ret) {
		free(buf);
		return fail("save", ret);
	}
	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.magic, magic, sizeof(magic));
	hdr.vf = vf;
	hdr.len = size;
	hdr.crc = (uint32_t)crc32(0, buf, size);
	memcpy(hdr.sn, id->sn, sizeof(hdr.sn));
	memcpy(hdr.mn, id->mn, sizeof(hdr.mn));
	memcpy(hdr.fr, id->fr, sizeof(hdr.fr));
	ret = durable_write(path, &hdr, buf, size);
	free(buf);
	if (ret)
		return fail(path, ret);
	printf("saved %u bytes\n", size);
	return 0;
}

static int do_load(int fd, uint16_t vf, const struct nvme_id_ctrl *id, const char *path)
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
	if (memcmp(hdr.mn, id->mn, sizeof(hdr.mn)) || memcmp(hdr.fr, id->fr, sizeof(hdr.fr))) {
		close(in);
		fprintf(stderr, "floor: %s comes from another kind of PF\n", path);
		return 1;
	}
	if (posix_memalign(&buf, PAGE, hdr.len)) {
		close(in);
		return fail("memory", -ENOMEM);
	}
	ret = read_all(in, buf, hdr.len);
	close(in);
	if (!ret && (uint32_t)crc32(0, buf, hdr.len) != hdr.crc)
		ret = -EBADMSG;
	if (!ret) {
		ret = submit(fd, OPC_LOAD, vf, hdr.len, buf, hdr.len, NULL);
		if (ret) {
			free(buf);
			return fail("load", ret);
		}
	} else {
		free(buf);
		return fail(path, ret);
	}
	free(buf);
	printf("loaded %u bytes\n", hdr.len);
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
	struct nvme_id_ctrl *id;
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
	if (posix_memalign((void **)&id, PAGE, sizeof(*id))) {
		close(fd);
		return fail("memory", -ENOMEM);
	}
	ret = check_pf(fd, (uint16_t)vf, id);
	if (!ret) {
		switch (ops[i].opc) {
		case OPC_SAVE:
			ret = do_save(fd, (uint16_t)vf, id, argv[4]);
			break;
		case OPC_LOAD:
			ret = do_load(fd, (uint16_t)vf, id, argv[4]);
			break;
		default:
			ret = submit(fd, ops[i].opc, (uint32_t)vf, 0, NULL, 0, &result);
			if (ret) {
				ret = fail(ops[i].name, ret);
				break;
			}
			if (ops[i].opc == OPC_QUERY)
				printf("%u\n", result);
			break;
		}
	}
	free(id);
	close(fd);
	return ret;
}
