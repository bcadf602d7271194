// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every library operation against the emulated Intel IPU NVMe PF (tests/emu), as a user of
 * libintel-lm sees it: Identify and the capability verdict, VF discovery, the five commands
 * and the VF state machine, injected faults, size limits, the status text, dry run,
 * timeouts, and a whole migration with its rollback.
 *
 * Each test runs in its own process (CK_FORK) with its own directory, configuration, state
 * file and trace log, so the emulated PFs start afresh every time.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libintel-lm-private.h>

#include "emu-fixture.h"
#include "mig-run.h"
#include "sqe.h"
#include "unit.h"

const char unit_name[] = "unit-ops";

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* the emulator's state size for a VF with @nvq I/O queues (tests/emu/README.md) */
#define STATE_SIZE(nvq)	(0x2c8u + (nvq) * 0x1f4u)

static char sysfs[PATH_MAX + 8];
static char text[1024];

/* ---- fixtures ---- */

/* emu-fixture.h's, and the fake sysfs tree's path */
static void test_setup(void)
{
	emu_test_setup();
	snprintf(sysfs, sizeof(sysfs), "%s/sysfs", emu_dir);
}

/* ---- helpers ---- */

/* open PF @name as the CLI does; sysfs is the fake tree when configured, else absent */
static int open_pf(const char *name, struct intel_lm_dev *dev)
{
	ck_assert_int_eq(intel_lm_dev_open(name, sysfs, dev), 0);
	ck_assert_int_eq(dev->kind, INTEL_LM_DEV_PF);
	ck_assert_int_ge(dev->fd, 0);
	return dev->fd;
}

/* the VF's current state bytes, as SAVE_DATA would return them */
static void *dump(const char *pf, uint16_t vf, uint32_t *len)
{
	struct emu_vf_info info;
	void *buf;

	ck_assert_int_eq(emu_vf_show(pf, vf, &info), 0);
	buf = intel_lm_state_alloc(info.size);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(emu_vf_dump(pf, vf, buf, info.size), 0);
	*len = info.size;
	return buf;
}

/*
 * VF @vf of @pf runs the state @copy (@len bytes) saved before its RESUME: the same lineage,
 * size and origin, the next generation (each RESUME advances it, tests/emu/README.md).
 */
static void assert_next_gen(const char *pf, uint16_t vf, const void *copy, size_t len)
{
	struct emu_state_ident id;
	struct emu_vf_info info;

	ck_assert_int_eq(emu_state_ident(copy, len, &id), 0);
	ck_assert(id.crc_ok);
	ck_assert_int_eq(emu_vf_show(pf, vf, &info), 0);
	ck_assert(info.crc_ok);
	ck_assert_uint_eq(info.size, len);
	ck_assert_str_eq(info.origin_serial, id.serial);
	ck_assert_uint_eq(info.origin_vf, id.vf);
	ck_assert_uint_eq(info.lineage, id.lineage);
	ck_assert_uint_eq(info.gen, id.gen + 1);
}

static bool all_zero(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* how many lines of the emulator's trace log contain both @a and @b */
static int trace_lines(const char *a, const char *b)
{
	char path[PATH_MAX + 16], *line = NULL;
	size_t cap = 0;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace.log", emu_dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (getline(&line, &cap, f) >= 0)
		if (strstr(line, a) && (!b || strstr(line, b)))
			n++;
	free(line);
	fclose(f);
	return n;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const uint8_t lm_opcodes[] = { 0xc4, 0xc8, 0xcc, 0xd2, 0xd5 };

/* ---- Identify and the capability verdict ---- */

static const struct {
	uint16_t vid;
	uint8_t lm;
	enum intel_lm_support support;
} verdicts[] = {
	{ 0x8086, 0x01, INTEL_LM_SUPPORTED },
	{ 0x8086, 0x00, INTEL_LM_UNSUPPORTED_FLAG },
	{ 0x8086, 0x02, INTEL_LM_UNSUPPORTED_RESERVED },
	{ 0x8086, 0xff, INTEL_LM_UNSUPPORTED_RESERVED },
	{ 0x1b36, 0x01, INTEL_LM_UNSUPPORTED_VENDOR },
	{ 0x1b36, 0x00, INTEL_LM_UNSUPPORTED_VENDOR },	/* what QEMU's controller says */
};

START_TEST(identify_verdict)
{
	struct intel_lm_ctrl_info info;
	struct intel_lm_dev dev;
	size_t i;

	emu_start("[pf nvme0]\nvid = 0x%04x\nssvid = 0x1af4\nlm = 0x%02x\n"
		  "serial = PHAB1234000001\nmodel = Intel IPU E2000 NVMe\nfirmware = 1.2.3a\n"
		  "mdts = 6\ncntlid = 0x21\n", verdicts[_i].vid, verdicts[_i].lm);
	open_pf("/dev/nvme0", &dev);
	ck_assert_str_eq(dev.name, "nvme0");
	ck_assert_int_eq(intel_lm_identify(dev.fd, NULL, &info), 0);
	ck_assert_uint_eq(info.vid, verdicts[_i].vid);
	ck_assert_uint_eq(info.ssvid, 0x1af4);
	ck_assert_str_eq(info.sn, "PHAB1234000001");
	ck_assert_str_eq(info.mn, "Intel IPU E2000 NVMe");
	ck_assert_str_eq(info.fr, "1.2.3a");
	ck_assert_uint_eq(info.mdts, 6);
	ck_assert_uint_eq(info.cntlid, 0x21);
	ck_assert_uint_eq(info.lm_byte, verdicts[_i].lm);
	ck_assert_int_eq(info.support, verdicts[_i].support);
	/* one Identify, nothing else */
	ck_assert_int_eq(emu_counter("nvme0", 0x06), 1);
	for (i = 0; i < ARRAY_SIZE(lm_opcodes); i++)
		ck_assert_int_eq(emu_counter("nvme0", lm_opcodes[i]), 0);
	ck_assert_int_eq(trace_lines("opcode=0x06", "cdw10=0x00000001 "), 1);
	intel_lm_dev_close(&dev);
	ck_assert_int_eq(dev.fd, -1);
}
END_TEST

START_TEST(identify_strings_unterminated)
{
	struct intel_lm_ctrl_info info;
	struct intel_lm_dev dev;

	emu_start("[pf nvme0]\nhostile = strings-unterminated\n");
	ck_assert_int_eq(intel_lm_identify(open_pf("nvme0", &dev), NULL, &info), 0);
	ck_assert_str_eq(info.sn, "ABCDEFGHIJKLMNOPQRST");
	ck_assert_str_eq(info.mn, "abcdefghijklmnopqrstuvwxyzabcdefghijklmn");
	ck_assert_str_eq(info.fr, "KLMNOPQR");
	ck_assert_int_eq(info.support, INTEL_LM_SUPPORTED);
	intel_lm_dev_close(&dev);
}
END_TEST

START_TEST(identify_strings_control)
{
	struct intel_lm_ctrl_info info;
	struct intel_lm_dev dev;

	emu_start("[pf nvme0]\nhostile = strings-control\n");
	ck_assert_int_eq(intel_lm_identify(open_pf("nvme0", &dev), NULL, &info), 0);
	/* control characters, ESC, DEL, 0x80, 0xff and NUL each become '?' */
	ck_assert_str_eq(info.sn, "E?M?[2J?????%s?UE?M?");
	ck_assert_str_eq(info.mn, "E?M?[2J?????%s?UE?M?[2J?????%s?UE?M?[2J?");
	ck_assert_str_eq(info.fr, "E?M?[2J?");
	intel_lm_dev_close(&dev);
}
END_TEST

/* what intel_lm_dev_open() makes of the PF, its namespace and a VF's own controller */
/* The PF handle: opened, identified, its key, limit and VFs; a refusal says what was named. */
START_TEST(pf_handle)
{
	struct intel_lm_pf *pf = (void *)1;
	char name[INTEL_LM_DEV_NAME_LEN];
	enum intel_lm_dev_kind kind;
	uint32_t size;

	emu_start("sysfs = sysfs\n[pf nvme0]\nvfs = 3\n[vf nvme5]\npf = nvme0\nvf = 2\n");
	ck_assert_int_eq(intel_lm_pf_open("/dev/nvme0n1", sysfs, &pf, &kind, name), -ENOTTY);
	ck_assert_ptr_null(pf);
	ck_assert_int_eq(kind, INTEL_LM_DEV_NAMESPACE);
	ck_assert_str_eq(name, "nvme0");
	ck_assert_int_eq(intel_lm_pf_open("nvme5", sysfs, &pf, &kind, NULL), -EREMOTEIO);
	ck_assert_int_eq(kind, INTEL_LM_DEV_VF);
	ck_assert_int_eq(intel_lm_pf_open("nvme5", sysfs, &pf, NULL, NULL), -EREMOTEIO);

	ck_assert_int_eq(intel_lm_pf_open("nvme0", sysfs, &pf, &kind, name), 0);
	ck_assert_int_eq(kind, INTEL_LM_DEV_PF);
	ck_assert_str_eq(name, "nvme0");
	ck_assert_str_eq(intel_lm_pf_path(pf), "/dev/nvme0");
	ck_assert_str_eq(intel_lm_pf_name(pf), "nvme0");
	ck_assert_int_ge(intel_lm_pf_fd(pf), 0);
	ck_assert_str_eq(intel_lm_pf_id(pf)->key, "");
	ck_assert_uint_eq(intel_lm_pf_vfs(pf)->count, 0);
	ck_assert_int_eq(intel_lm_pf_identify(pf, NULL), 0);
	ck_assert_int_eq(intel_lm_pf_info(pf)->support, INTEL_LM_SUPPORTED);
	ck_assert_uint_eq(intel_lm_pf_info(pf)->vid, 0x8086);
	ck_assert_ptr_nonnull(strstr(intel_lm_pf_id(pf)->key, "-"));
	ck_assert_uint_gt(intel_lm_pf_limit(pf)->max_bytes, 4096);
	ck_assert_int_eq(intel_lm_pf_set_max_state(pf, 4096), 0);
	ck_assert_uint_eq(intel_lm_pf_limit(pf)->max_bytes, 4096);
	ck_assert_int_eq(intel_lm_pf_set_max_state(pf, 0), -EINVAL);
	/* The VFs are listed once. */
	ck_assert_int_eq(intel_lm_pf_list_vfs(pf, NULL), 0);
	ck_assert_uint_eq(intel_lm_pf_vfs(pf)->count, 3);
	ck_assert_int_eq(intel_lm_pf_list_vfs(pf, NULL), 0);
	ck_assert_uint_eq(intel_lm_pf_vfs(pf)->count, 3);
	ck_assert_ptr_nonnull(intel_lm_vf_find(intel_lm_pf_vfs(pf), 3));
	/* The fd-based commands take its descriptor. */
	ck_assert_int_eq(intel_lm_suspend(intel_lm_pf_fd(pf), 1, NULL), 0);
	ck_assert_int_eq(intel_lm_query_size(intel_lm_pf_fd(pf), 1, NULL, &size), 0);
	ck_assert_uint_gt(size, 0);
	assert_vf("nvme0", 1, EMU_VF_SUSPENDED, false);
	intel_lm_pf_close(pf);
	intel_lm_pf_close(NULL);
}
END_TEST

START_TEST(dev_open_kinds)
{
	char names[4][INTEL_LM_DEV_NAME_LEN];
	struct intel_lm_opts o = { .timeout_ms = 200 };
	struct intel_lm_dev dev;
	uint64_t t0, ms;
	int fd;

	emu_start("sysfs = sysfs\n[pf nvme0]\n[pf nvme1]\nvfs = 2\n"
		  "[vf nvme5]\npf = nvme0\nvf = 2\n");
	open_pf("nvme0", &dev);
	ck_assert_str_eq(dev.path, "/dev/nvme0");
	intel_lm_dev_close(&dev);

	ck_assert_int_eq(intel_lm_dev_open("/dev/nvme0n1", sysfs, &dev), -ENOTTY);
	ck_assert_int_eq(dev.kind, INTEL_LM_DEV_NAMESPACE);
	ck_assert_str_eq(dev.name, "nvme0");
	ck_assert_int_eq(dev.fd, -1);

	ck_assert_int_eq(intel_lm_dev_open("nvme5", sysfs, &dev), -EREMOTEIO);
	ck_assert_int_eq(dev.kind, INTEL_LM_DEV_VF);
	ck_assert_int_eq(dev.fd, -1);

	/* the PFs sysfs lists, not the VF's controller */
	ck_assert_int_eq(intel_lm_find_pfs(sysfs, names, 4), 2);
	ck_assert_str_eq(names[0], "nvme0");
	ck_assert_str_eq(names[1], "nvme1");

	/* why: the VF's own controller ignores the commands, which then time out */
	fd = open("/dev/nvme5", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	t0 = now_ms();
	ck_assert_int_eq(intel_lm_suspend(fd, 2, &o), -EINTR);
	ms = now_ms() - t0;
	/* it waited for its timeout (how fast is bench/'s business): sent with 200 ms, lost */
	ck_assert_msg(ms >= 190, "took %llu ms", (unsigned long long)ms);
	ck_assert_int_eq(trace_lines("dev=nvme5 opcode=0xc8 ", "timeout_ms=200 -> status=0x0000 "
				     "errno=EINTR "), 1);
	close(fd);
	ck_assert_int_eq(emu_counter("nvme0", 0xc8), 0);
	assert_vf("nvme0", 2, EMU_VF_RUNNING, false);
}
END_TEST

/* ---- VF discovery ---- */

static void list(const char *pf, struct intel_lm_vf_list *l, uint16_t *cntlid)
{
	struct intel_lm_ctrl_info info;
	struct intel_lm_dev dev;

	open_pf(pf, &dev);
	ck_assert_int_eq(intel_lm_identify(dev.fd, NULL, &info), 0);
	ck_assert_int_eq(intel_lm_list_vfs(dev.fd, info.cntlid, NULL, l), 0);
	if (cntlid)
		*cntlid = info.cntlid;
	intel_lm_dev_close(&dev);
}

START_TEST(vfs_several)
{
	struct intel_lm_vf_list l;
	const struct intel_lm_vf *vf;
	const char *bad;
	uint16_t i, *sel;
	char buf[64];
	size_t n;

	emu_start("[pf nvme0]\ncntlid = 7\nvfs = 6\nnvq = 3\nnvi = 1\n"
		  "vf.2.nvq = 8\nvf.2.nvi = 4\nvf.5.online = 0\nvf.6.nvq = 0\n");
	list("nvme0", &l, NULL);
	ck_assert_uint_eq(l.count, 6);
	for (i = 1; i <= 6; i++) {
		vf = &l.vf[i - 1];
		ck_assert_uint_eq(vf->vf, i);
		ck_assert_uint_eq(vf->scid, 7 + i);
		ck_assert_int_eq(vf->online, i != 5);
		ck_assert_uint_eq(vf->nvq, i == 2 ? 8 : i == 6 ? 0 : 3);
		ck_assert_uint_eq(vf->nvi, i == 2 ? 4 : 1);
		ck_assert_str_eq(vf->pci_addr, "");
		ck_assert_ptr_eq(intel_lm_vf_find(&l, i), vf);
	}
	ck_assert_ptr_null(intel_lm_vf_find(&l, 0));
	ck_assert_ptr_null(intel_lm_vf_find(&l, 7));
	ck_assert_ptr_null(intel_lm_vf_find(&l, 65535));
	intel_lm_vf_list_format(&l, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1-6");

	/* --vf selections against this list */
	ck_assert_int_eq(intel_lm_vf_select("all", &l, &sel, &n, &bad), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(sel[0], 1);
	ck_assert_uint_eq(sel[5], 6);
	free(sel);
	ck_assert_int_eq(intel_lm_vf_select("5-6,2", &l, &sel, &n, &bad), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(sel[0], 2);
	ck_assert_uint_eq(sel[1], 5);
	ck_assert_uint_eq(sel[2], 6);
	free(sel);
	ck_assert_int_eq(intel_lm_vf_select("2,7", &l, &sel, &n, &bad), -ENOENT);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(sel[0], 7);
	ck_assert_ptr_null(bad);
	free(sel);
	/* One index */
	ck_assert_int_eq(intel_lm_vf_select("4", &l, &sel, &n, &bad), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(sel[0], 4);
	free(sel);
	ck_assert_int_eq(intel_lm_vf_select("7", &l, &sel, &n, &bad), -ENOENT);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(sel[0], 7);
	ck_assert_ptr_null(bad);
	free(sel);
	sel = NULL;
	ck_assert_int_eq(intel_lm_vf_select("0", &l, &sel, &n, &bad), -EINVAL);
	ck_assert_str_eq(bad, "0");
	ck_assert_ptr_null(sel);
	ck_assert_int_eq(intel_lm_vf_select("65536", &l, &sel, &n, &bad), -EINVAL);
	ck_assert_int_eq(intel_lm_vf_select("+3", &l, &sel, &n, &bad), -EINVAL);
	ck_assert_int_eq(intel_lm_vf_select("", &l, &sel, &n, &bad), -EINVAL);
	ck_assert_ptr_null(sel);
	/* Identify Controller, then one list page from CNTID 0 */
	ck_assert_int_eq(emu_counter("nvme0", 0x06), 2);
	ck_assert_int_eq(trace_lines("opcode=0x06", "cdw10=0x00000015 "), 1);
	intel_lm_vf_list_free(&l);
	ck_assert_uint_eq(l.count, 0);
	ck_assert_ptr_null(l.vf);
}
END_TEST

START_TEST(vfs_none)
{
	struct intel_lm_vf_list l;
	char buf[16];

	emu_start("[pf nvme0]\nvfs = 0\n");
	list("nvme0", &l, NULL);
	ck_assert_uint_eq(l.count, 0);
	ck_assert_ptr_null(intel_lm_vf_find(&l, 1));
	intel_lm_vf_list_format(&l, buf, sizeof(buf));
	ck_assert_str_eq(buf, "none");
	intel_lm_vf_list_free(&l);
}
END_TEST

/* entries of another primary controller carry VF numbers of their own: they are not ours */
START_TEST(vfs_foreign)
{
	struct intel_lm_vf_list l;
	struct intel_lm_dev dev;
	uint16_t cntlid, *sel;
	const char *bad;
	char buf[16];
	size_t n;

	emu_start("[pf nvme0]\ncntlid = 3\nvfs = 3\nforeign = 5\n");
	list("nvme0", &l, &cntlid);
	ck_assert_uint_eq(cntlid, 3);
	ck_assert_uint_eq(l.count, 3);
	ck_assert_uint_eq(l.vf[2].vf, 3);
	ck_assert_uint_eq(l.vf[2].scid, 6);
	ck_assert_ptr_null(intel_lm_vf_find(&l, 4));
	ck_assert_ptr_null(intel_lm_vf_find(&l, 5));
	ck_assert_int_eq(intel_lm_vf_select("4", &l, &sel, &n, &bad), -ENOENT);
	free(sel);
	ck_assert_int_eq(intel_lm_vf_select("all", &l, &sel, &n, &bad), 0);
	ck_assert_uint_eq(n, 3);
	free(sel);
	intel_lm_vf_list_format(&l, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1-3");
	intel_lm_vf_list_free(&l);

	/* seen with the other primary's controller ID, the list is those entries alone */
	open_pf("nvme0", &dev);
	ck_assert_int_eq(intel_lm_list_vfs(dev.fd, 3 + 0x100, NULL, &l), 0);
	ck_assert_uint_eq(l.count, 5);
	ck_assert_uint_eq(l.vf[0].vf, 1);
	ck_assert_uint_eq(l.vf[0].scid, 7);
	ck_assert_uint_eq(l.vf[4].vf, 5);
	ck_assert_uint_eq(l.vf[4].nvq, 2);
	ck_assert_uint_eq(l.vf[4].nvi, 1);
	intel_lm_vf_list_free(&l);
	intel_lm_dev_close(&dev);
}
END_TEST

/* 127 entries a page: a full page asks for the next one from the highest SCID + 1 */
static const struct {
	unsigned int vfs, foreign, pages;
} pagination[] = {
	{ 126, 0, 1 },
	{ 127, 0, 2 },
	{ 128, 0, 2 },
	{ 300, 0, 3 },
	{ 512, 0, 5 },
	{ 100, 127, 2 },
	{ 254, 1, 3 },
};

START_TEST(vfs_pagination)
{
	unsigned int vfs = pagination[_i].vfs, i;
	struct intel_lm_vf_list l;
	char buf[32];

	emu_start("[pf nvme0]\nvfs = %u\nforeign = %u\nvf.%u.nvq = 9\n", vfs,
		  pagination[_i].foreign, vfs);
	list("nvme0", &l, NULL);
	ck_assert_uint_eq(l.count, vfs);
	for (i = 0; i < vfs; i++) {
		ck_assert_uint_eq(l.vf[i].vf, i + 1);
		ck_assert_uint_eq(l.vf[i].scid, i + 2);
		ck_assert_uint_eq(l.vf[i].nvq, i + 1 == vfs ? 9 : 4);
		ck_assert(l.vf[i].online);
	}
	ck_assert_ptr_eq(intel_lm_vf_find(&l, (uint16_t)vfs), &l.vf[vfs - 1]);
	ck_assert_ptr_null(intel_lm_vf_find(&l, (uint16_t)(vfs + 1)));
	intel_lm_vf_list_format(&l, buf, sizeof(buf));
	snprintf(text, sizeof(text), "1-%u", vfs);
	ck_assert_str_eq(buf, text);
	ck_assert_int_eq(emu_counter("nvme0", 0x06), 1 + (int)pagination[_i].pages);
	/* the pages asked from CNTID 0, then from the last SCID seen + 1 */
	ck_assert_int_eq(trace_lines("cdw10=0x00000015 ", NULL), 1);
	if (pagination[_i].pages > 1)
		ck_assert_int_eq(trace_lines("cdw10=0x00810015 ", NULL), 1);
	intel_lm_vf_list_free(&l);
}
END_TEST

START_TEST(vfs_sysfs_addresses)
{
	static const char * const want0[] = {
		"0000:5e:00.1", "0000:5e:00.2", "0000:5e:00.3", "0000:5e:00.4", "0000:5e:00.5",
		"0000:5e:00.6", "0000:5e:00.7", "0000:5e:01.0", "0000:5e:01.1",
	};
	struct intel_lm_vf_list l;
	char nowhere[PATH_MAX + 16];
	size_t i;

	emu_start("sysfs = sysfs\n[pf nvme0]\nvfs = 9\npci = 0000:5e:00.0\n[pf nvme1]\nvfs = 2\n");
	list("nvme0", &l, NULL);
	ck_assert_uint_eq(l.count, 9);
	intel_lm_vf_list_sysfs(&l, sysfs, "nvme0");
	for (i = 0; i < ARRAY_SIZE(want0); i++)
		ck_assert_str_eq(l.vf[i].pci_addr, want0[i]);

	/* without a sysfs tree the addresses are unknown */
	snprintf(nowhere, sizeof(nowhere), "%s/none", emu_dir);
	intel_lm_vf_list_sysfs(&l, nowhere, "nvme0");
	for (i = 0; i < l.count; i++)
		ck_assert_str_eq(l.vf[i].pci_addr, "");
	intel_lm_vf_list_free(&l);

	/* the second PF's default address: bus 0x3b + 4 */
	list("nvme1", &l, NULL);
	intel_lm_vf_list_sysfs(&l, sysfs, "nvme1");
	ck_assert_uint_eq(l.count, 2);
	ck_assert_str_eq(l.vf[0].pci_addr, "0000:3f:00.1");
	ck_assert_str_eq(l.vf[1].pci_addr, "0000:3f:00.2");
	intel_lm_vf_list_free(&l);
}
END_TEST

static const char * const seclist_hostile[] = { "seclist-overflow", "seclist-dup" };

START_TEST(vfs_hostile_list)
{
	struct intel_lm_ctrl_info info;
	struct intel_lm_vf_list l;
	struct intel_lm_dev dev;

	emu_start("[pf nvme0]\nvfs = 4\nhostile = %s\n", seclist_hostile[_i]);
	open_pf("nvme0", &dev);
	ck_assert_int_eq(intel_lm_identify(dev.fd, NULL, &info), 0);
	ck_assert_int_eq(intel_lm_list_vfs(dev.fd, info.cntlid, NULL, &l), -EPROTO);
	ck_assert_uint_eq(l.count, 0);
	ck_assert_ptr_null(l.vf);
	ck_assert_ptr_null(intel_lm_vf_find(&l, 1));
	intel_lm_dev_close(&dev);
}
END_TEST

/* ---- the five commands and the VF's state machine ---- */

START_TEST(ops_success)
{
	struct emu_vf_info info;
	struct intel_lm_dev dev;
	uint32_t size = 0, len;
	void *buf, *want;
	int fd;

	emu_start("[pf nvme0]\nvfs = 4\n");
	fd = open_pf("nvme0", &dev);

	/* QUERY_DATA_SIZE answers in any state */
	ck_assert_int_eq(intel_lm_query_size(fd, 2, NULL, &size), 0);
	ck_assert_uint_eq(size, STATE_SIZE(4));
	assert_vf("nvme0", 2, EMU_VF_RUNNING, false);

	ck_assert_int_eq(intel_lm_suspend(fd, 2, NULL), 0);
	assert_vf("nvme0", 2, EMU_VF_SUSPENDED, false);
	ck_assert_int_eq(intel_lm_suspend(fd, 2, NULL), 0);	/* again: nothing changes */
	assert_vf("nvme0", 2, EMU_VF_SUSPENDED, false);
	ck_assert_int_eq(intel_lm_query_size(fd, 2, NULL, &size), 0);
	ck_assert_uint_eq(size, 2712);

	buf = intel_lm_state_alloc(size);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(intel_lm_save(fd, 2, buf, size, NULL), 0);
	assert_vf("nvme0", 2, EMU_VF_SAVED, false);
	want = dump("nvme0", 2, &len);
	ck_assert_uint_eq(len, size);
	ck_assert_mem_eq(buf, want, size);
	ck_assert_int_eq(emu_vf_show("nvme0", 2, &info), 0);
	ck_assert_str_eq(info.origin_serial, "EMUnvme0");
	ck_assert_uint_eq(info.origin_vf, 2);
	ck_assert_uint_eq(info.nvq, 4);
	ck_assert_uint_eq(info.gen, 0);
	ck_assert(info.crc_ok);

	ck_assert_int_eq(intel_lm_resume(fd, 2, NULL), 0);
	assert_vf("nvme0", 2, EMU_VF_RUNNING, false);
	ck_assert_int_eq(intel_lm_resume(fd, 2, NULL), 0);	/* resume a running VF */
	assert_vf("nvme0", 2, EMU_VF_RUNNING, false);
	/* the other VFs saw nothing */
	assert_vf("nvme0", 1, EMU_VF_RUNNING, false);
	assert_vf("nvme0", 3, EMU_VF_RUNNING, false);

	ck_assert_int_eq(emu_counter("nvme0", 0xc4), 2);
	ck_assert_int_eq(emu_counter("nvme0", 0xc8), 2);
	ck_assert_int_eq(emu_counter("nvme0", 0xd2), 1);
	ck_assert_int_eq(emu_counter("nvme0", 0xcc), 2);
	ck_assert_int_eq(emu_counter("nvme0", 0xd5), 0);
	/* the commands as the device got them */
	ck_assert_int_eq(trace_lines("opcode=0xd2 flags=0x00 rsvd1=0x0000 nsid=0x00000000 "
				     "cdw2=0x00000000 cdw3=0x00000000 metadata=0x0 metadata_len=0 "
				     "addr=set data_len=2712 cdw10=0x00000002 cdw11=0x00000000 "
				     "cdw12=0x00000000 cdw13=0x00000000 cdw14=0x00000000 "
				     "cdw15=0x00000000 timeout_ms=0 -> status=0x0000 errno=0 ",
				     NULL), 1);
	ck_assert_int_eq(trace_lines("opcode=0xc4 ", "addr=null data_len=0 cdw10=0x00000002 "
				     "cdw11=0x00000000 "), 2);
	ck_assert_int_eq(trace_lines("opcode=0xc4 ", "result=0x00000a98"), 2);
	intel_lm_state_free(buf, size);
	intel_lm_state_free(want, len);
	intel_lm_dev_close(&dev);
}
END_TEST

START_TEST(save_running_is_sequence_error)
{
	struct intel_lm_dev dev;
	uint32_t size = 0;
	void *buf;
	int fd, ret;

	emu_start("[pf nvme0]\n");
	fd = open_pf("nvme0", &dev);
	ck_assert_int_eq(intel_lm_query_size(fd, 1, NULL, &size), 0);
	buf = intel_lm_state_alloc(size);
	ret = intel_lm_save(fd, 1, buf, size, NULL);
	ck_assert_int_eq(ret & 0x7ff, 0x0c);
	ck_assert_int_eq(ret, ST_SEQ_ERROR);	/* DNR set */
	ck_assert(all_zero(buf, size));
	assert_vf("nvme0", 1, EMU_VF_RUNNING, false);
	ck_assert_int_eq(trace_lines("opcode=0xd2 ", "status=0x400c errno=0 "), 1);
	intel_lm_state_free(buf, size);
	intel_lm_dev_close(&dev);
}
END_TEST

START_TEST(load_running_is_sequence_error)
{
	struct intel_lm_dev dev;
	uint32_t len;
	void *state;
	int ret;

	emu_start("[pf nvme0]\n[pf nvme1]\n");
	state = dump("nvme0", 1, &len);
	open_pf("nvme1", &dev);
	ret = intel_lm_load(dev.fd, 1, state, len, NULL);
	ck_assert_int_eq(ret & 0x7ff, 0x0c);
	ck_assert_int_eq(ret, ST_SEQ_ERROR);
	assert_vf("nvme1", 1, EMU_VF_RUNNING, false);
	ck_assert_int_eq(trace_lines("opcode=0xd5 ", "cdw11=0x00000a98 "), 1);
	intel_lm_state_free(state, len);
	intel_lm_dev_close(&dev);
}
END_TEST

START_TEST(save_wrong_length)
{
	struct intel_lm_dev dev;
	uint32_t size = 0;
	uint8_t *buf;
	int fd;

	emu_start("[pf nvme0]\nvf.3.nvq = 8\n");
	fd = open_pf("nvme0", &dev);
	ck_assert_int_eq(intel_lm_suspend(fd, 3, NULL), 0);
	ck_assert_int_eq(intel_lm_query_size(fd, 3, NULL, &size), 0);
	ck_assert_uint_eq(size, STATE_SIZE(8));
	buf = intel_lm_state_alloc(size + 1);
	ck_assert_int_eq(intel_lm_save(fd, 3, buf, size - 1, NULL), ST_INVALID_FIELD);
	ck_assert_int_eq(intel_lm_save(fd, 3, buf, size + 1, NULL), ST_INVALID_FIELD);
	ck_assert(all_zero(buf, size + 1));
	assert_vf("nvme0", 3, EMU_VF_SUSPENDED, false);
	/* the library refuses a zero length itself: nothing is sent */
	ck_assert_int_eq(intel_lm_save(fd, 3, buf, 0, NULL), -EINVAL);
	ck_assert_int_eq(intel_lm_save(fd, 3, NULL, size, NULL), -EINVAL);
	ck_assert_int_eq(emu_counter("nvme0", 0xd2), 2);
	ck_assert_int_eq(intel_lm_save(fd, 3, buf, size, NULL), 0);
	ck_assert_uint_eq(buf[size], 0);
	assert_vf("nvme0", 3, EMU_VF_SAVED, false);
	intel_lm_state_free(buf, size + 1);
	intel_lm_dev_close(&dev);
}
END_TEST

START_TEST(load_bad_content)
{
	struct intel_lm_dev dev;
	uint8_t *state;
	uint32_t len;
	int fd;

	emu_start("[pf nvme0]\n[pf nvme1]\n");
	state = dump("nvme0", 2, &len);
	fd = open_pf("nvme1", &dev);
	ck_assert_int_eq(intel_lm_suspend(fd, 1, NULL), 0);

	state[100] ^= 0x01;				/* CRC fails */
	ck_assert_int_eq(intel_lm_load(fd, 1, state, len, NULL), ST_INVALID_FIELD);
	state[100] ^= 0x01;
	ck_assert_int_eq(intel_lm_load(fd, 1, state, len - 1, NULL), ST_INVALID_FIELD);
	state[0] = 'X';					/* not a state at all */
	ck_assert_int_eq(intel_lm_load(fd, 1, state, len, NULL), ST_INVALID_FIELD);
	assert_vf("nvme1", 1, EMU_VF_SUSPENDED, false);
	ck_assert_int_eq(intel_lm_load(fd, 1, state, 0, NULL), -EINVAL);
	ck_assert_int_eq(intel_lm_load(fd, 1, NULL, len, NULL), -EINVAL);
	ck_assert_int_eq(emu_counter("nvme1", 0xd5), 3);

	state[0] = 'I';
	ck_assert_int_eq(intel_lm_load(fd, 1, state, len, NULL), 0);
	assert_vf("nvme1", 1, EMU_VF_LOADED, true);
	intel_lm_state_free(state, len);
	intel_lm_dev_close(&dev);
}
END_TEST

START_TEST(vf_index_checks)
{
	struct intel_lm_dev dev;
	uint32_t size = 7;
	uint8_t buf[64];
	size_t i;
	int fd;

	emu_start("[pf nvme0]\nvfs = 4\n");
	fd = open_pf("nvme0", &dev);
	/* VF 0 names no VF: refused before anything is sent */
	ck_assert_int_eq(intel_lm_query_size(fd, 0, NULL, &size), -EINVAL);
	ck_assert_uint_eq(size, 0);
	ck_assert_int_eq(intel_lm_suspend(fd, 0, NULL), -EINVAL);
	ck_assert_int_eq(intel_lm_resume(fd, 0, NULL), -EINVAL);
	ck_assert_int_eq(intel_lm_save(fd, 0, buf, sizeof(buf), NULL), -EINVAL);
	ck_assert_int_eq(intel_lm_load(fd, 0, buf, sizeof(buf), NULL), -EINVAL);
	for (i = 0; i < ARRAY_SIZE(lm_opcodes); i++)
		ck_assert_int_eq(emu_counter("nvme0", lm_opcodes[i]), 0);

	/* a VF the PF does not have: the device refuses the field */
	size = 7;
	ck_assert_int_eq(intel_lm_query_size(fd, 5, NULL, &size), ST_INVALID_FIELD);
	ck_assert_uint_eq(size, 0);
	ck_assert_int_eq(intel_lm_suspend(fd, 5, NULL), ST_INVALID_FIELD);
	ck_assert_int_eq(intel_lm_resume(fd, 65535, NULL), ST_INVALID_FIELD);
	ck_assert_int_eq(trace_lines("opcode=0xcc ", "cdw10=0x0000ffff "), 1);
	intel_lm_dev_close(&dev);
}
END_TEST

/*
 * The whole cold migration: VF 3 (8 queues) of nvme0 to VF 1 (2 queues) of nvme1, through a
 * blob file, then checks of what the destination holds.
 */
START_TEST(round_trip)
{
	struct intel_lm_ctrl_info src, dst, other;
	uint8_t hdr_raw[INTEL_LM_BLOB_HDR_LEN];
	struct intel_lm_blob_hdr hdr, rhdr;
	struct intel_lm_limit limit;
	struct intel_lm_vf_list l;
	struct intel_lm_dev sdev, ddev, odev;
	struct emu_vf_info info;
	char path[PATH_MAX + 16], why[256];
	uint32_t size = 0, dsize = 0, len;
	void *state, *loaded, *again, *now;
	int sfd, dfd, fd;

	emu_start("[pf nvme0]\nserial = SRC0001\nvf.3.nvq = 8\n"
		  "[pf nvme1]\nserial = DST0001\nnvq = 2\n"
		  "[pf nvme2]\nfirmware = EMU2.0\n");
	sfd = open_pf("nvme0", &sdev);
	dfd = open_pf("nvme1", &ddev);
	ck_assert_int_eq(intel_lm_identify(sfd, NULL, &src), 0);
	ck_assert_int_eq(intel_lm_identify(dfd, NULL, &dst), 0);
	intel_lm_state_limit(&src, &limit);

	/* source: suspend, query, save */
	ck_assert_int_eq(intel_lm_suspend(sfd, 3, NULL), 0);
	ck_assert_int_eq(intel_lm_query_size(sfd, 3, NULL, &size), 0);
	ck_assert_uint_eq(size, STATE_SIZE(8));
	ck_assert_int_eq(intel_lm_check_size(size, &limit), 0);
	state = intel_lm_state_alloc(size);
	ck_assert_int_eq(intel_lm_save(sfd, 3, state, size, NULL), 0);
	assert_vf("nvme0", 3, EMU_VF_SAVED, false);

	/* into a blob file and back */
	intel_lm_blob_hdr_init(&hdr, &src, 3, state, size, time(NULL));
	intel_lm_blob_encode(&hdr, hdr_raw);
	snprintf(path, sizeof(path), "%s/vf3.blob", emu_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, hdr_raw, sizeof(hdr_raw)), sizeof(hdr_raw));
	ck_assert_int_eq(write(fd, state, size), size);
	close(fd);
	fd = open(path, O_RDONLY);
	intel_lm_state_limit(&dst, &limit);
	ck_assert_int_eq(intel_lm_blob_read(fd, limit.max_bytes, &rhdr, &loaded), 0);
	close(fd);
	ck_assert_uint_eq(rhdr.vf, 3);
	ck_assert_uint_eq(rhdr.payload_len, size);
	ck_assert_str_eq(rhdr.sn, "SRC0001");
	ck_assert_int_eq(intel_lm_blob_check_identity(&rhdr, &dst, why, sizeof(why)), 0);

	/* destination: suspend, load, resume */
	ck_assert_int_eq(intel_lm_suspend(dfd, 1, NULL), 0);
	ck_assert_int_eq(intel_lm_load(dfd, 1, loaded, rhdr.payload_len, NULL), 0);
	assert_vf("nvme1", 1, EMU_VF_LOADED, true);
	/* the destination holds exactly the source's bytes, then runs them */
	now = dump("nvme1", 1, &len);
	ck_assert_uint_eq(len, size);
	ck_assert_mem_eq(now, state, size);
	intel_lm_state_free(now, len);
	ck_assert_int_eq(intel_lm_resume(dfd, 1, NULL), 0);
	assert_vf("nvme1", 1, EMU_VF_RUNNING, true);
	assert_next_gen("nvme1", 1, state, size);
	ck_assert_int_eq(emu_vf_show("nvme1", 1, &info), 0);
	ck_assert_str_eq(info.origin_serial, "SRC0001");
	ck_assert_uint_eq(info.origin_vf, 3);
	ck_assert_uint_eq(info.nvq, 8);
	ck_assert(info.crc_ok);

	/* its size and queue count follow the loaded state */
	ck_assert_int_eq(intel_lm_query_size(dfd, 1, NULL, &dsize), 0);
	ck_assert_uint_eq(dsize, STATE_SIZE(8));
	ck_assert_int_eq(intel_lm_query_size(dfd, 2, NULL, &dsize), 0);
	ck_assert_uint_eq(dsize, STATE_SIZE(2));
	ck_assert_int_eq(intel_lm_list_vfs(dfd, dst.cntlid, NULL, &l), 0);
	ck_assert_uint_eq(l.vf[0].nvq, 8);
	ck_assert_uint_eq(l.vf[1].nvq, 2);
	intel_lm_vf_list_free(&l);

	/* saved again, the destination gives back the state it ran: the next generation */
	again = intel_lm_state_alloc(size);
	ck_assert_int_eq(intel_lm_suspend(dfd, 1, NULL), 0);
	ck_assert_int_eq(intel_lm_save(dfd, 1, again, size, NULL), 0);
	assert_next_gen("nvme1", 1, state, size);
	now = dump("nvme1", 1, &len);
	ck_assert_mem_eq(again, now, size);

	/* the source is untouched and can run again */
	ck_assert_int_eq(intel_lm_resume(sfd, 3, NULL), 0);
	assert_vf("nvme0", 3, EMU_VF_RUNNING, false);

	/* another firmware is not a destination for this blob */
	fd = open_pf("nvme2", &odev);
	ck_assert_int_eq(intel_lm_identify(fd, NULL, &other), 0);
	ck_assert_int_eq(intel_lm_blob_check_identity(&rhdr, &other, why, sizeof(why)), -EXDEV);
	ck_assert_str_eq(why, "firmware differs (blob \"EMU1.0\", destination \"EMU2.0\")");

	intel_lm_state_free(state, size);
	intel_lm_state_free(loaded, size);
	intel_lm_state_free(again, size);
	intel_lm_state_free(now, len);
	intel_lm_dev_close(&odev);
	intel_lm_dev_close(&sdev);
	intel_lm_dev_close(&ddev);
}
END_TEST

/* ---- injected faults ---- */

/* an NVMe status comes back exactly, CRD and More bits included */
START_TEST(fault_status)
{
	struct intel_lm_cmd cmd;
	struct intel_lm_dev dev;
	uint32_t size = 1, result = 0;
	int fd, ret;

	emu_start("[pf nvme0]\nfault = 0xc8 1 0x2806\nfault = 0xc4 1 0x4006\n"
		  "fault = 0xc4 2 0x4006 apply\n");
	fd = open_pf("nvme0", &dev);
	ret = intel_lm_suspend(fd, 1, NULL);
	ck_assert_int_eq(ret, 0x2806);
	ck_assert_str_eq(intel_lm_strerror(ret, 0xc8, text, sizeof(text)), "Internal Error "
			 "(status 0x2806: SCT 0h generic, SC 06h, CRD 1, More): the controller "
			 "failed internally; the VF's state is unknown");
	assert_vf("nvme0", 1, EMU_VF_RUNNING, false);
	ck_assert_int_eq(intel_lm_suspend(fd, 1, NULL), 0);
	assert_vf("nvme0", 1, EMU_VF_SUSPENDED, false);

	/* without apply CQE DW0 is 0; with apply it keeps the size, but a status is no size */
	ck_assert_int_eq(intel_lm_query_size(fd, 1, NULL, &size), 0x4006);
	ck_assert_uint_eq(size, 0);
	ck_assert_int_eq(intel_lm_query_size(fd, 1, NULL, &size), 0x4006);
	ck_assert_uint_eq(size, 0);
	ck_assert_int_eq(trace_lines("opcode=0xc4 ", "status=0x4006 errno=0 result=0x00000000"),
			 1);
	ck_assert_int_eq(trace_lines("opcode=0xc4 ", "status=0x4006 errno=0 result=0x00000a98"),
			 1);
	/* intel_lm_submit() hands DW0 over also with a status */
	emu_start("[pf nvme0]\nfault = 0xc4 1 0x4006 apply\n");
	ck_assert_int_eq(intel_lm_cmd_init(&cmd, 0xc4, 1, NULL, 0), 0);
	ck_assert_int_eq(intel_lm_submit(fd, &cmd, NULL, &result), 0x4006);
	ck_assert_uint_eq(result, 2712);
	intel_lm_dev_close(&dev);
}
END_TEST

static const struct {
	int err;
	const char *name;
} fault_errnos[] = {
	{ EINTR, "EINTR" }, { ETIMEDOUT, "ETIMEDOUT" }, { EIO, "EIO" }, { ENODEV, "ENODEV" },
	{ EACCES, "EACCES" },
};

/* the operations a fault can hit: the five, Identify Controller, and the list's Identify */
enum { OP_QUERY, OP_SUSPEND, OP_RESUME, OP_SAVE, OP_LOAD, OP_IDENTIFY, OP_LIST, NOPS };

static const uint8_t op_opcode[NOPS] = { 0xc4, 0xc8, 0xcc, 0xd2, 0xd5, 0x06, 0x06 };

/*
 * Run operation @op on VF 1 of nvme0 (prepared so that it would succeed); returns what the
 * library returned.
 */
static int run_op(int fd, int op, struct intel_lm_opts *o)
{
	struct intel_lm_ctrl_info info;
	struct intel_lm_vf_list l;
	uint32_t size = 99, len;
	void *buf;
	int ret;

	switch (op) {
	case OP_QUERY:
		ret = intel_lm_query_size(fd, 1, o, &size);
		ck_assert_uint_eq(size, ret ? 0 : 2712);
		return ret;
	case OP_SUSPEND:
		return intel_lm_suspend(fd, 1, o);
	case OP_RESUME:
		ck_assert_int_eq(intel_lm_suspend(fd, 1, NULL), 0);
		return intel_lm_resume(fd, 1, o);
	case OP_SAVE:
		ck_assert_int_eq(intel_lm_suspend(fd, 1, NULL), 0);
		buf = intel_lm_state_alloc(2712);
		ret = intel_lm_save(fd, 1, buf, 2712, o);
		if (ret)
			ck_assert(all_zero(buf, 2712));
		intel_lm_state_free(buf, 2712);
		return ret;
	case OP_LOAD:
		buf = dump("nvme0", 2, &len);
		ck_assert_int_eq(intel_lm_suspend(fd, 1, NULL), 0);
		ret = intel_lm_load(fd, 1, buf, len, o);
		intel_lm_state_free(buf, len);
		return ret;
	case OP_IDENTIFY:
		ret = intel_lm_identify(fd, o, &info);
		if (ret)
			ck_assert_uint_eq(info.vid, 0);
		return ret;
	default:
		/* the first Identify is the controller's, the second the list's */
		ck_assert_int_eq(intel_lm_identify(fd, NULL, &info), 0);
		ret = intel_lm_list_vfs(fd, info.cntlid, o, &l);
		if (ret)
			ck_assert_uint_eq(l.count, 0);
		intel_lm_vf_list_free(&l);
		return ret;
	}
}

/* the VF state each operation leaves when it fails without effect */
static const enum emu_vf_state op_fail_state[NOPS] = {
	EMU_VF_RUNNING, EMU_VF_RUNNING, EMU_VF_SUSPENDED, EMU_VF_SUSPENDED, EMU_VF_SUSPENDED,
	EMU_VF_RUNNING, EMU_VF_RUNNING,
};

START_TEST(fault_errno)
{
	int op = _i % NOPS, e = _i / NOPS, err = fault_errnos[e].err;
	struct intel_lm_dev dev;
	struct seen s = { 0 };
	struct intel_lm_opts o = { .trace = seen_record, .trace_priv = &s };
	int fd;

	emu_start("[pf nvme0]\nfault = 0x%02x %d %s\n", op_opcode[op], op == OP_LIST ? 2 : 1,
		  fault_errnos[e].name);
	fd = open_pf("nvme0", &dev);
	ck_assert_int_eq(run_op(fd, op, &o), -err);
	/* the trace callback saw the same */
	ck_assert_int_eq(s.n, 1);
	ck_assert_uint_eq(s.c[0].opcode, op_opcode[op]);
	ck_assert_int_eq(s.c[0].ret, -err);
	ck_assert_uint_eq(s.c[0].result, 0);
	ck_assert(!s.c[0].dry_run);
	assert_vf("nvme0", 1, op_fail_state[op], false);
	snprintf(text, sizeof(text), "errno=%s ", fault_errnos[e].name);
	ck_assert_int_eq(trace_lines(text, NULL), 1);
	/* the next one of the same kind goes through */
	if (op != OP_LIST)
		ck_assert_int_eq(run_op(fd, op, &o), 0);
	intel_lm_dev_close(&dev);
}
END_TEST

/* `apply`: the command took effect, and yet the caller gets the error */
START_TEST(fault_apply)
{
	bool apply = _i;
	const char *a = apply ? " apply" : "";
	struct intel_lm_dev dev;
	struct emu_vf_info info;
	uint32_t size = 1, len;
	void *src, *buf;
	int fd;

	emu_start("[pf nvme0]\nfault = 0xc8 1 EINTR%s\nfault = 0xd2 1 EIO%s\n"
		  "fault = 0xd5 1 ENODEV%s\nfault = 0xcc 1 ETIMEDOUT%s\nfault = 0xcc 2 0x4006%s\n"
		  "fault = 0xc4 1 EACCES%s\n", a, a, a, a, a, a);
	fd = open_pf("nvme0", &dev);

	/* suspend VF 1: the first suspend */
	ck_assert_int_eq(intel_lm_suspend(fd, 1, NULL), -EINTR);
	assert_vf("nvme0", 1, apply ? EMU_VF_SUSPENDED : EMU_VF_RUNNING, false);

	/* save VF 2 */
	ck_assert_int_eq(intel_lm_suspend(fd, 2, NULL), 0);
	buf = intel_lm_state_alloc(2712);
	ck_assert_int_eq(intel_lm_save(fd, 2, buf, 2712, NULL), -EIO);
	assert_vf("nvme0", 2, apply ? EMU_VF_SAVED : EMU_VF_SUSPENDED, false);
	src = dump("nvme0", 2, &len);
	ck_assert_int_eq(memcmp(buf, src, len) == 0, apply);
	ck_assert_int_eq(all_zero(buf, 2712), !apply);

	/* load VF 2's state into VF 3 (not VF 3's own: the load must change the bytes) */
	ck_assert_int_eq(intel_lm_suspend(fd, 3, NULL), 0);
	ck_assert_int_eq(intel_lm_load(fd, 3, src, len, NULL), -ENODEV);
	assert_vf("nvme0", 3, apply ? EMU_VF_LOADED : EMU_VF_SUSPENDED, apply);
	ck_assert_int_eq(emu_vf_show("nvme0", 3, &info), 0);
	ck_assert_uint_eq(info.origin_vf, apply ? 2 : 3);

	/* resume VF 3, twice */
	ck_assert_int_eq(intel_lm_resume(fd, 3, NULL), -ETIMEDOUT);
	assert_vf("nvme0", 3, apply ? EMU_VF_RUNNING : EMU_VF_SUSPENDED, apply);
	ck_assert_int_eq(intel_lm_suspend(fd, 3, NULL), 0);
	ck_assert_int_eq(intel_lm_resume(fd, 3, NULL), 0x4006);
	assert_vf("nvme0", 3, apply ? EMU_VF_RUNNING : EMU_VF_SUSPENDED, apply);

	/* an errno never carries a size */
	ck_assert_int_eq(intel_lm_query_size(fd, 4, NULL, &size), -EACCES);
	ck_assert_uint_eq(size, 0);
	ck_assert_int_eq(trace_lines("opcode=0xc4 ", "errno=EACCES result=0x00000000"), 1);

	intel_lm_state_free(buf, 2712);
	intel_lm_state_free(src, len);
	intel_lm_dev_close(&dev);
}
END_TEST

/*
 * The Nth command per PF and per opcode since setup, across processes; commands the device
 * rejects count, commands the kernel refuses never reach it.
 */
START_TEST(fault_nth_counting)
{
	struct intel_lm_ctrl_info info;
	struct intel_lm_limit limit;
	struct intel_lm_dev dev, dev1;
	pid_t pid;
	void *buf;
	int fd, fd1, status;

	emu_start("[pf nvme0]\nvfs = 6\nmdts = 1\nfault = 0xc8 3 EIO\nfault = 0xc8 5 0x4006\n"
		  "fault = 0xd2 2 EIO\n[pf nvme1]\nfault = 0xc8 1 ENODEV\n");
	fd = open_pf("nvme0", &dev);
	fd1 = open_pf("nvme1", &dev1);

	/* suspend 1 in another process */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid)
		_exit(intel_lm_suspend(fd, 1, NULL) == 0 ? 0 : 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_vf("nvme0", 1, EMU_VF_SUSPENDED, false);
	ck_assert_int_eq(emu_counter("nvme0", 0xc8), 1);

	/* other opcodes and the other PF do not move nvme0's suspend count */
	ck_assert_int_eq(intel_lm_resume(fd, 1, NULL), 0);
	ck_assert_int_eq(intel_lm_suspend(fd1, 1, NULL), -ENODEV);
	ck_assert_int_eq(intel_lm_suspend(fd1, 1, NULL), 0);

	ck_assert_int_eq(intel_lm_suspend(fd, 2, NULL), 0);			/* 2 */
	ck_assert_int_eq(intel_lm_suspend(fd, 3, NULL), -EIO);			/* 3 */
	assert_vf("nvme0", 3, EMU_VF_RUNNING, false);
	ck_assert_int_eq(intel_lm_suspend(fd, 3, NULL), 0);			/* 4 */
	ck_assert_int_eq(intel_lm_suspend(fd, 4, NULL), 0x4006);		/* 5 */
	ck_assert_int_eq(intel_lm_suspend(fd, 4, NULL), 0);			/* 6 */
	ck_assert_int_eq(emu_counter("nvme0", 0xc8), 6);
	ck_assert_int_eq(emu_counter("nvme0", 0xcc), 1);
	ck_assert_int_eq(emu_counter("nvme1", 0xc8), 2);

	/* a save above MDTS (8 KiB) is refused by the kernel: not counted */
	ck_assert_int_eq(intel_lm_identify(fd, NULL, &info), 0);
	intel_lm_state_limit(&info, &limit);
	ck_assert_uint_eq(limit.max_bytes, 8192);
	buf = intel_lm_state_alloc(8193);
	ck_assert_int_eq(intel_lm_save(fd, 5, buf, 8193, NULL), -EINVAL);
	ck_assert_int_eq(emu_counter("nvme0", 0xd2), 0);
	/* a save of a running VF is rejected by the device: save 1 */
	ck_assert_int_eq(intel_lm_save(fd, 5, buf, 2712, NULL), ST_SEQ_ERROR);
	ck_assert_int_eq(intel_lm_suspend(fd, 5, NULL), 0);
	ck_assert_int_eq(intel_lm_save(fd, 5, buf, 2712, NULL), -EIO);	/* save 2 */
	ck_assert_int_eq(intel_lm_save(fd, 5, buf, 2712, NULL), 0);		/* save 3 */
	ck_assert_int_eq(emu_counter("nvme0", 0xd2), 3);

	/* setup starts counting afresh */
	ck_assert_int_eq(emu_setup(), 0);
	ck_assert_int_eq(emu_counter("nvme0", 0xc8), 0);
	ck_assert_int_eq(intel_lm_suspend(fd, 1, NULL), 0);
	ck_assert_int_eq(intel_lm_suspend(fd, 1, NULL), 0);
	ck_assert_int_eq(intel_lm_suspend(fd, 1, NULL), -EIO);
	intel_lm_state_free(buf, 8193);
	intel_lm_dev_close(&dev);
	intel_lm_dev_close(&dev1);
}
END_TEST

/* ---- sizes ---- */

static const struct {
	uint8_t mdts;
	uint32_t max;
	enum intel_lm_limit_src src;
	int above;	/* what a save of max + 1 bytes, sent anyway, gets */
} limits[] = {
	{ 1, 8192, INTEL_LM_LIMIT_MDTS, -EINVAL },
	{ 5, 131072, INTEL_LM_LIMIT_MDTS, -EINVAL },
	{ 6, 262144, INTEL_LM_LIMIT_REFERENCE, -EINVAL },
	{ 7, 262144, INTEL_LM_LIMIT_REFERENCE, 0 },
	{ 0, 262144, INTEL_LM_LIMIT_REFERENCE, 0 },
};

START_TEST(size_at_limit)
{
	uint32_t max = limits[_i].max, size = 0, len;
	struct intel_lm_ctrl_info info;
	struct intel_lm_limit limit;
	struct intel_lm_dev dev;
	void *buf, *want;
	int fd;

	emu_start("[pf nvme0]\nmdts = %u\nvf.1.size = %u\nvf.2.size = %u\n", limits[_i].mdts,
		  max, max + 1);
	fd = open_pf("nvme0", &dev);
	ck_assert_int_eq(intel_lm_identify(fd, NULL, &info), 0);
	ck_assert_uint_eq(info.mdts, limits[_i].mdts);
	intel_lm_state_limit(&info, &limit);
	ck_assert_uint_eq(limit.max_bytes, max);
	ck_assert_int_eq(limit.src, limits[_i].src);

	/* exactly at the limit: accepted and saved */
	ck_assert_int_eq(intel_lm_suspend(fd, 1, NULL), 0);
	ck_assert_int_eq(intel_lm_query_size(fd, 1, NULL, &size), 0);
	ck_assert_uint_eq(size, max);
	ck_assert_int_eq(intel_lm_check_size(size, &limit), 0);
	buf = intel_lm_state_alloc(max + 1);
	ck_assert_int_eq(intel_lm_save(fd, 1, buf, size, NULL), 0);
	want = dump("nvme0", 1, &len);
	ck_assert_uint_eq(len, max);
	ck_assert_int_eq(memcmp(buf, want, max), 0);
	intel_lm_state_free(want, len);

	/* one byte more: refused by the library */
	ck_assert_int_eq(intel_lm_suspend(fd, 2, NULL), 0);
	ck_assert_int_eq(intel_lm_query_size(fd, 2, NULL, &size), 0);
	ck_assert_uint_eq(size, max + 1);
	ck_assert_int_eq(intel_lm_check_size(size, &limit), -EFBIG);
	/* sent anyway: above MDTS the kernel refuses it, else the device takes it */
	ck_assert_int_eq(intel_lm_save(fd, 2, buf, size, NULL), limits[_i].above);
	assert_vf("nvme0", 2, limits[_i].above ? EMU_VF_SUSPENDED : EMU_VF_SAVED, false);
	ck_assert_int_eq(emu_counter("nvme0", 0xd2), limits[_i].above ? 1 : 2);
	if (limits[_i].above) {
		snprintf(text, sizeof(text), "data_len=%u ", max + 1);
		ck_assert_int_eq(trace_lines(text, "errno=EINVAL "), 1);
		/* a load above MDTS likewise */
		ck_assert_int_eq(intel_lm_load(fd, 2, buf, size, NULL), -EINVAL);
		ck_assert_int_eq(emu_counter("nvme0", 0xd5), 0);
	}
	intel_lm_state_free(buf, max + 1);
	intel_lm_dev_close(&dev);
}
END_TEST

static const struct {
	const char *mode;
	uint32_t size;
	int check;
} hostile_sizes[] = {
	{ "size0", 0, -ENODATA },
	{ "size-huge", 64u << 20, -EFBIG },
	{ "size-max", 0xffffffffu, -EFBIG },
};

START_TEST(size_hostile)
{
	struct intel_lm_ctrl_info info;
	struct intel_lm_limit limit;
	struct intel_lm_dev dev;
	uint32_t size = 1;
	int fd;

	emu_start("[pf nvme0]\nhostile = %s\n", hostile_sizes[_i].mode);
	fd = open_pf("nvme0", &dev);
	ck_assert_int_eq(intel_lm_identify(fd, NULL, &info), 0);
	intel_lm_state_limit(&info, &limit);
	ck_assert_int_eq(intel_lm_suspend(fd, 1, NULL), 0);
	ck_assert_int_eq(intel_lm_query_size(fd, 1, NULL, &size), 0);
	ck_assert_uint_eq(size, hostile_sizes[_i].size);
	ck_assert_int_eq(intel_lm_check_size(size, &limit), hostile_sizes[_i].check);
	if (!size) {
		/* nothing to save into: the library does not send it */
		ck_assert_int_eq(intel_lm_save(fd, 1, &info, 0, NULL), -EINVAL);
		ck_assert_int_eq(emu_counter("nvme0", 0xd2), 0);
	}
	intel_lm_dev_close(&dev);
}
END_TEST

/*
 * hostile size-change: the state grows by 16 bytes after every QUERY_DATA_SIZE, so the size a
 * query answered is stale by the time SAVE_DATA runs (tests/emu/selftest.sh pins this too).
 */
START_TEST(size_change)
{
	struct intel_lm_dev dev;
	uint32_t s1 = 0, s2 = 0;
	void *buf;
	int fd;

	emu_start("[pf nvme0]\nhostile = size-change\n");
	fd = open_pf("nvme0", &dev);
	ck_assert_int_eq(intel_lm_suspend(fd, 1, NULL), 0);
	ck_assert_int_eq(intel_lm_query_size(fd, 1, NULL, &s1), 0);
	ck_assert_uint_eq(s1, 2712);
	ck_assert_int_eq(intel_lm_query_size(fd, 1, NULL, &s2), 0);
	ck_assert_uint_eq(s2, 2728);
	buf = intel_lm_state_alloc(s2);
	ck_assert_int_eq(intel_lm_save(fd, 1, buf, s1, NULL), ST_INVALID_FIELD);
	ck_assert_int_eq(intel_lm_save(fd, 1, buf, s2, NULL), ST_INVALID_FIELD);
	ck_assert(all_zero(buf, s2));
	assert_vf("nvme0", 1, EMU_VF_SUSPENDED, false);
	ck_assert_int_eq(intel_lm_advice(ST_INVALID_FIELD, 0xd2), INTEL_LM_ADVICE_CHECK_VF);
	intel_lm_state_free(buf, s2);
	intel_lm_dev_close(&dev);
}
END_TEST

/* ---- the status decoder on what really comes back ---- */

static void assert_text(int ret, uint8_t opcode, const char *text_want,
			enum intel_lm_advice advice_want)
{
	char buf[512];

	ck_assert_str_eq(intel_lm_strerror(ret, opcode, buf, sizeof(buf)), text_want);
	ck_assert_int_eq(intel_lm_advice(ret, opcode), advice_want);
}

START_TEST(status_text)
{
	struct intel_lm_opts hang = { .timeout_ms = 100 };
	struct intel_lm_cmd cmd;
	struct intel_lm_dev dev;
	uint32_t result = 1;
	uint8_t buf[64];
	void *big;
	int fd, ret;

	emu_start("admin_timeout_ms = 1000\n[pf nvme0]\nmdts = 1\nfault = 0xc4 1 0x4001\n"
		  "fault = 0xcc 1 EACCES\nfault = 0xcc 2 ENODEV\nfault = 0xcc 3 EIO\n"
		  "fault = 0xcc 4 ETIMEDOUT\n[pf nvme1]\nhostile = hang\n");
	fd = open_pf("nvme0", &dev);

	/* an opcode the controller does not know, sent raw */
	memset(&cmd, 0, sizeof(cmd));
	cmd.opcode = 0xc0;
	ret = intel_lm_submit(fd, &cmd, NULL, &result);
	ck_assert_int_eq(ret, ST_INVALID_OPCODE);
	ck_assert_uint_eq(result, 0);
	assert_text(ret, 0xc0, "Invalid Command Opcode (status 0x4001: SCT 0h generic, SC 01h, "
		    "DNR)", INTEL_LM_ADVICE_NONE);
	/* what a controller without Intel live migration answers */
	ret = intel_lm_query_size(fd, 1, NULL, &result);
	ck_assert_int_eq(ret, ST_INVALID_OPCODE);
	assert_text(ret, 0xc4, "Invalid Command Opcode (status 0x4001: SCT 0h generic, SC 01h, "
		    "DNR): the controller does not implement Intel live migration",
		    INTEL_LM_ADVICE_CHECK_SUPPORT);

	ret = intel_lm_save(fd, 1, buf, sizeof(buf), NULL);
	ck_assert_int_eq(ret, ST_SEQ_ERROR);
	assert_text(ret, 0xd2, "Command Sequence Error (status 0x400c: SCT 0h generic, SC 0ch, "
		    "DNR): the VF is not in the state this command needs",
		    INTEL_LM_ADVICE_SUSPEND_FIRST);
	ret = intel_lm_load(fd, 1, buf, sizeof(buf), NULL);
	ck_assert_int_eq(ret, ST_SEQ_ERROR);
	ck_assert_int_eq(intel_lm_advice(ret, 0xd5), INTEL_LM_ADVICE_SUSPEND_FIRST);

	ck_assert_int_eq(intel_lm_suspend(fd, 1, NULL), 0);
	ret = intel_lm_save(fd, 1, buf, sizeof(buf), NULL);
	ck_assert_int_eq(ret, ST_INVALID_FIELD);
	assert_text(ret, 0xd2, "Invalid Field in Command (status 0x4002: SCT 0h generic, SC 02h, "
		    "DNR): the controller refused a field: a VF index it does not have, or a data "
		    "length that is not the VF's state size", INTEL_LM_ADVICE_CHECK_VF);
	ret = intel_lm_suspend(fd, 9, NULL);
	ck_assert_int_eq(ret, ST_INVALID_FIELD);

	ret = intel_lm_resume(fd, 1, NULL);
	ck_assert_int_eq(ret, -EACCES);
	assert_text(ret, 0xcc, "Permission denied (EACCES): the vendor admin commands need "
		    "CAP_SYS_ADMIN", INTEL_LM_ADVICE_RUN_AS_ROOT);
	ret = intel_lm_resume(fd, 1, NULL);
	ck_assert_int_eq(ret, -ENODEV);
	assert_text(ret, 0xcc, "No such device (ENODEV): the controller is gone (removed, or being "
		    "reset)", INTEL_LM_ADVICE_CHECK_PRESENT);
	ret = intel_lm_resume(fd, 1, NULL);
	ck_assert_int_eq(ret, -EIO);
	assert_text(ret, 0xcc, "Input/output error (EIO): the controller or its link failed while "
		    "the command was outstanding", INTEL_LM_ADVICE_CHECK_KERNEL_LOG);
	ret = intel_lm_resume(fd, 1, NULL);
	ck_assert_int_eq(ret, -ETIMEDOUT);
	assert_text(ret, 0xcc, "Connection timed out (ETIMEDOUT): the command timed out or was "
		    "cancelled by a controller reset; whether it took effect on the device is "
		    "unknown", INTEL_LM_ADVICE_CHECK_STATE);

	big = intel_lm_state_alloc(8193);
	ret = intel_lm_save(fd, 1, big, 8193, NULL);
	ck_assert_int_eq(ret, -EINVAL);
	assert_text(ret, 0xd2, "Invalid argument (EINVAL): the kernel refused the transfer before "
		    "the controller saw it: it is larger than the controller's MDTS or the driver's "
		    "transfer limit, or its buffer lies in more than 127 pieces of memory (the "
		    "driver's segments per command)", INTEL_LM_ADVICE_CHECK_LIMIT);
	intel_lm_state_free(big, 8193);
	intel_lm_dev_close(&dev);

	fd = open_pf("nvme1", &dev);
	ret = intel_lm_suspend(fd, 1, &hang);
	ck_assert_int_eq(ret, -EINTR);
	assert_text(ret, 0xc8, "Interrupted system call (EINTR): the command timed out or was "
		    "cancelled by a controller reset; whether it took effect on the device is "
		    "unknown", INTEL_LM_ADVICE_CHECK_STATE);
	intel_lm_dev_close(&dev);
}
END_TEST

/* ---- dry run ---- */

START_TEST(dry_run)
{
	static const uint8_t order[] = { 0xc4, 0xc8, 0xd2, 0xd5, 0xcc };
	struct seen s = { 0 };
	struct intel_lm_opts o = { .timeout_ms = 700, .dry_run = true, .trace = seen_record,
				   .trace_priv = &s };
	struct intel_lm_ctrl_info info;
	struct intel_lm_vf_list l;
	struct intel_lm_dev dev;
	uint32_t size = 5, len;
	uint8_t *buf, *state;
	size_t i;
	int fd;

	emu_start("[pf nvme0]\n");
	fd = open_pf("nvme0", &dev);
	/* Identify changes nothing and is still sent */
	ck_assert_int_eq(intel_lm_identify(fd, &o, &info), 0);
	ck_assert_uint_eq(info.vid, 0x8086);
	ck_assert_int_eq(intel_lm_list_vfs(fd, info.cntlid, &o, &l), 0);
	ck_assert_uint_eq(l.count, 4);
	intel_lm_vf_list_free(&l);
	ck_assert_int_eq(emu_counter("nvme0", 0x06), 2);

	state = dump("nvme0", 2, &len);
	buf = intel_lm_state_alloc(len);
	/* a running VF: for real, save and load would fail */
	ck_assert_int_eq(intel_lm_query_size(fd, 3, &o, &size), 0);
	ck_assert_uint_eq(size, 0);
	ck_assert_int_eq(intel_lm_suspend(fd, 3, &o), 0);
	ck_assert_int_eq(intel_lm_save(fd, 3, buf, len, &o), 0);
	ck_assert_int_eq(intel_lm_load(fd, 3, state, len, &o), 0);
	ck_assert_int_eq(intel_lm_resume(fd, 3, &o), 0);
	ck_assert(all_zero(buf, len));

	/* nothing reached the device */
	for (i = 0; i < ARRAY_SIZE(lm_opcodes); i++)
		ck_assert_int_eq(emu_counter("nvme0", lm_opcodes[i]), 0);
	ck_assert_int_eq(trace_lines("opcode=0x06 ", NULL), 2);
	ck_assert_int_eq(trace_lines("dev=nvme0", NULL), 2);
	assert_vf("nvme0", 3, EMU_VF_RUNNING, false);

	/* but the trace saw every command, as it would have been sent */
	ck_assert_int_eq(s.n, 7);
	for (i = 0; i < 2; i++) {
		ck_assert_uint_eq(s.c[i].opcode, 0x06);
		ck_assert(!s.c[i].dry_run);
		ck_assert_uint_eq(s.c[i].timeout_ms, 700);
	}
	ck_assert_uint_eq(s.c[0].cdw10, 0x01);
	ck_assert_uint_eq(s.c[1].cdw10, 0x15);
	for (i = 2; i < 7; i++) {
		ck_assert_uint_eq(s.c[i].opcode, order[i - 2]);
		ck_assert(s.c[i].dry_run);
		ck_assert_uint_eq(s.c[i].cdw10, 3);
		ck_assert_uint_eq(s.c[i].timeout_ms, 700);
		ck_assert_int_eq(s.c[i].ret, 0);
		ck_assert_uint_eq(s.c[i].result, 0);
		ck_assert_uint_eq(s.c[i].elapsed_ns, 0);
	}
	ck_assert_uint_eq(s.c[4].data_len, len);
	ck_assert_uint_eq(s.c[4].cdw11, 0);
	ck_assert_uint_eq(s.c[5].data_len, len);
	ck_assert_uint_eq(s.c[5].cdw11, len);
	ck_assert_uint_eq(s.c[6].data_len, 0);
	intel_lm_state_free(buf, len);
	intel_lm_state_free(state, len);
	intel_lm_dev_close(&dev);
}
END_TEST

/* ---- timeouts ---- */

START_TEST(timeout_passed_through)
{
	struct intel_lm_opts o = { .timeout_ms = 1234 };
	struct intel_lm_ctrl_info info;
	struct intel_lm_vf_list l;
	struct intel_lm_dev dev;
	uint32_t size;
	void *buf;
	int fd;

	emu_start("[pf nvme0]\n");
	fd = open_pf("nvme0", &dev);
	ck_assert_int_eq(intel_lm_identify(fd, &o, &info), 0);
	ck_assert_int_eq(intel_lm_list_vfs(fd, info.cntlid, &o, &l), 0);
	intel_lm_vf_list_free(&l);
	ck_assert_int_eq(intel_lm_suspend(fd, 1, &o), 0);
	ck_assert_int_eq(intel_lm_query_size(fd, 1, &o, &size), 0);
	buf = intel_lm_state_alloc(size);
	ck_assert_int_eq(intel_lm_save(fd, 1, buf, size, &o), 0);
	ck_assert_int_eq(intel_lm_load(fd, 1, buf, size, &o), 0);
	ck_assert_int_eq(intel_lm_resume(fd, 1, &o), 0);
	ck_assert_int_eq(trace_lines("timeout_ms=1234 ", NULL), 7);
	ck_assert_int_eq(trace_lines("opcode=0xd5 ", "timeout_ms=1234 "), 1);
	/* NULL options: the kernel's default */
	ck_assert_int_eq(intel_lm_suspend(fd, 1, NULL), 0);
	ck_assert_int_eq(trace_lines("opcode=0xc8 ", "timeout_ms=0 "), 1);
	ck_assert_int_eq(trace_lines("timeout_ms=", NULL), 8);
	intel_lm_state_free(buf, size);
	intel_lm_dev_close(&dev);
}
END_TEST

START_TEST(hang_times_out)
{
	struct seen s = { 0 };
	struct intel_lm_opts o = { .timeout_ms = 200, .trace = seen_record, .trace_priv = &s };
	struct intel_lm_ctrl_info info;
	struct intel_lm_dev dev;
	uint64_t t0, ms;
	int fd;

	emu_start("admin_timeout_ms = 300\n[pf nvme0]\nhostile = hang\n");
	fd = open_pf("nvme0", &dev);
	/* Identify still answers */
	ck_assert_int_eq(intel_lm_identify(fd, &o, &info), 0);

	t0 = now_ms();
	ck_assert_int_eq(intel_lm_suspend(fd, 1, &o), -EINTR);
	ms = now_ms() - t0;
	ck_assert_msg(ms >= 195, "timeout 200 ms took %llu ms", (unsigned long long)ms);
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(s.c[1].ret, -EINTR);
	ck_assert_uint_ge(s.c[1].elapsed_ns, 195000000ull);
	/* counted, without effect */
	ck_assert_int_eq(emu_counter("nvme0", 0xc8), 1);
	assert_vf("nvme0", 1, EMU_VF_RUNNING, false);
	ck_assert_int_eq(trace_lines("opcode=0xc8 ", "timeout_ms=200 -> status=0x0000 "
				     "errno=EINTR "), 1);

	/* timeout 0 is the kernel's default (60 s), which admin_timeout_ms caps here */
	t0 = now_ms();
	ck_assert_int_eq(intel_lm_resume(fd, 1, NULL), -EINTR);
	ms = now_ms() - t0;
	ck_assert_msg(ms >= 295, "timeout 0 took %llu ms", (unsigned long long)ms);
	ck_assert_int_eq(trace_lines("opcode=0xcc ", "timeout_ms=0 -> status=0x0000 errno=EINTR "),
			 1);
	intel_lm_dev_close(&dev);
}
END_TEST

/* ---- one VF's migration with rollback ---- */

struct keeper {
	int calls;
	int ret;
	uint32_t len;
	uint8_t copy[8192];
};

static int keep(void *priv, const void *state, uint32_t len)
{
	struct keeper *k = priv;

	k->calls++;
	k->len = len;
	if (len <= sizeof(k->copy))
		memcpy(k->copy, state, len);
	return k->ret;
}

/* nvme0 VF 3 (8 queues) to nvme1 VF 1, each opened, with the limit of both */
static void mig_init(struct mig_run *m, struct intel_lm_dev *src,
		     struct intel_lm_dev *dst, struct keeper *k)
{
	struct intel_lm_ctrl_info info;
	struct intel_lm_limit l2;

	memset(m, 0, sizeof(*m));
	m->p.src_fd = open_pf("nvme0", src);
	m->p.src_vf = 3;
	m->p.dst_fd = open_pf("nvme1", dst);
	m->p.dst_vf = 1;
	ck_assert_int_eq(intel_lm_identify(m->p.src_fd, NULL, &info), 0);
	intel_lm_state_limit(&info, &m->p.limit);
	ck_assert_int_eq(intel_lm_identify(m->p.dst_fd, NULL, &info), 0);
	intel_lm_state_limit(&info, &l2);
	if (l2.max_bytes < m->p.limit.max_bytes)
		m->p.limit = l2;
	m->p.keep = keep;
	m->p.keep_priv = k;
}

#define MIG_CONF	"[pf nvme0]\nvf.3.nvq = 8\n%s\n[pf nvme1]\nnvq = 2\n%s\n"

/* The handle's contract: sized parameters and outcome, run once. */
START_TEST(migration_handle)
{
	struct intel_lm_mig_params p = { .size = offsetof(struct intel_lm_mig_params, keep_path) };
	struct intel_lm_mig_outcome o;
	struct intel_lm_migration *m = (void *)1;
	struct mig_run r = { 0 };
	struct intel_lm_dev src, dst;
	struct keeper k = { 0 };

	/* Smaller than the first version's structure: refused. */
	ck_assert_int_eq(intel_lm_migration_new(&p, &m), -EINVAL);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(intel_lm_migration_new(NULL, &m), -EINVAL);

	emu_start(MIG_CONF, "", "");
	mig_init(&r, &src, &dst, &k);
	r.p.size = sizeof(r.p);
	ck_assert_int_eq(intel_lm_migration_new(&r.p, &m), 0);
	ck_assert_int_eq(intel_lm_migrate(m), 0);
	/* A caller built with a smaller outcome gets only what it knows. */
	memset(&o, 0x5a, sizeof(o));
	intel_lm_migration_outcome(m, &o, offsetof(struct intel_lm_mig_outcome, size));
	ck_assert_int_eq(o.failed, INTEL_LM_MIG_NO_STEP);
	ck_assert_int_eq(o.ret, 0);
	ck_assert_uint_eq(o.size, 0x5a5a5a5a);
	intel_lm_migration_outcome(m, &o, sizeof(o));
	ck_assert_uint_eq(o.size, STATE_SIZE(8));
	ck_assert_str_eq(o.op_id, "");		/* nothing was recorded */
	ck_assert_uint_eq(intel_lm_migration_step_ns(m, (enum intel_lm_mig_step)200), 0);
	intel_lm_migration_free(m);
	intel_lm_migration_free(NULL);
	intel_lm_dev_close(&src);
	intel_lm_dev_close(&dst);
}
END_TEST

START_TEST(migrate_ok)
{
	struct mig_run m;
	struct intel_lm_dev src, dst;
	struct keeper k = { 0 };
	int i;

	emu_start(MIG_CONF, "", "");
	mig_init(&m, &src, &dst, &k);
	ck_assert_int_eq(run_mig(&m), 0);
	ck_assert_int_eq(m.o.failed, INTEL_LM_MIG_NO_STEP);
	ck_assert_int_eq(m.o.ret, 0);
	ck_assert_uint_eq(m.o.size, STATE_SIZE(8));
	ck_assert(!m.o.src_resumed);
	ck_assert_int_eq(m.o.rollback_ret, 0);
	for (i = 0; i < INTEL_LM_MIG_STEPS; i++)
		ck_assert_uint_gt(m.step_ns[i], 0);
	ck_assert_uint_ge(m.o.downtime_ns, m.step_ns[INTEL_LM_MIG_SRC_SUSPEND] +
			  m.step_ns[INTEL_LM_MIG_DST_RESUME]);

	/* the kept copy is what the destination now runs */
	ck_assert_int_eq(k.calls, 1);
	ck_assert_uint_eq(k.len, STATE_SIZE(8));
	assert_next_gen("nvme1", 1, k.copy, k.len);
	assert_vf("nvme0", 3, EMU_VF_SAVED, false);
	assert_vf("nvme1", 1, EMU_VF_RUNNING, true);
	ck_assert_int_eq(emu_counter("nvme0", 0xc8), 1);
	ck_assert_int_eq(emu_counter("nvme0", 0xc4), 1);
	ck_assert_int_eq(emu_counter("nvme0", 0xd2), 1);
	ck_assert_int_eq(emu_counter("nvme0", 0xcc), 0);
	ck_assert_int_eq(emu_counter("nvme1", 0xc8), 1);
	ck_assert_int_eq(emu_counter("nvme1", 0xd5), 1);
	ck_assert_int_eq(emu_counter("nvme1", 0xcc), 1);
	ck_assert_int_eq(emu_counter("nvme1", 0xd2), 0);

	/* within one PF, without keeping a copy */
	m.p.dst_fd = m.p.src_fd;
	m.p.src_vf = 1;
	m.p.dst_vf = 2;
	m.p.keep = NULL;
	ck_assert_int_eq(run_mig(&m), 0);
	ck_assert_uint_eq(m.o.size, STATE_SIZE(4));
	assert_vf("nvme0", 1, EMU_VF_SAVED, false);
	assert_vf("nvme0", 2, EMU_VF_RUNNING, true);
	intel_lm_dev_close(&src);
	intel_lm_dev_close(&dst);
}
END_TEST

static const struct {
	enum intel_lm_mig_step step;
	const char *src_fault, *dst_fault;
	int keep_ret, ret;
	enum emu_vf_state dst;		/* the destination VF afterwards */
	bool dst_loaded;
} mig_faults[] = {
	{ INTEL_LM_MIG_DST_SUSPEND, "", "fault = 0xc8 1 ENODEV", 0, -ENODEV, EMU_VF_RUNNING,
	  false },
	{ INTEL_LM_MIG_SRC_SUSPEND, "fault = 0xc8 1 EIO", "", 0, -EIO, EMU_VF_SUSPENDED, false },
	{ INTEL_LM_MIG_SRC_SUSPEND, "fault = 0xc8 1 EINTR apply", "", 0, -EINTR, EMU_VF_SUSPENDED,
	  false },
	{ INTEL_LM_MIG_SRC_QUERY, "fault = 0xc4 1 0x4006", "", 0, 0x4006, EMU_VF_SUSPENDED,
	  false },
	{ INTEL_LM_MIG_SRC_SAVE, "fault = 0xd2 1 ETIMEDOUT", "", 0, -ETIMEDOUT, EMU_VF_SUSPENDED,
	  false },
	{ INTEL_LM_MIG_KEEP, "", "", -ENOSPC, -ENOSPC, EMU_VF_SUSPENDED, false },
	{ INTEL_LM_MIG_DST_LOAD, "", "fault = 0xd5 1 0x4002", 0, 0x4002, EMU_VF_SUSPENDED,
	  false },
	{ INTEL_LM_MIG_DST_LOAD, "", "fault = 0xd5 1 EACCES", 0, -EACCES, EMU_VF_SUSPENDED,
	  false },
	{ INTEL_LM_MIG_DST_RESUME, "", "fault = 0xcc 1 0x400c", 0, 0x400c, EMU_VF_LOADED, true },
	{ INTEL_LM_MIG_DST_RESUME, "", "fault = 0xcc 1 EINTR", 0, -EINTR, EMU_VF_LOADED, true },
};

/*
 * A failure at any step after the destination SUSPEND resumes the source VF and leaves the
 * destination VF as it is, except a destination RESUME that failed with an errno: the
 * destination may run, so the source must stay suspended. A failed destination SUSPEND touched
 * nothing of the source.
 */
START_TEST(migrate_rollback)
{
	enum intel_lm_mig_step step = mig_faults[_i].step;
	bool skip = step == INTEL_LM_MIG_DST_RESUME && mig_faults[_i].ret < 0;
	bool untouched = step == INTEL_LM_MIG_DST_SUSPEND;
	struct mig_run m;
	struct intel_lm_dev src, dst;
	struct keeper k = { .ret = mig_faults[_i].keep_ret };
	int i;

	emu_start(MIG_CONF, mig_faults[_i].src_fault, mig_faults[_i].dst_fault);
	mig_init(&m, &src, &dst, &k);
	ck_assert_int_eq(run_mig(&m), mig_faults[_i].ret);
	ck_assert_msg(m.o.failed == step, "failed at %s, expected %s",
		      intel_lm_mig_step_name(m.o.failed), intel_lm_mig_step_name(step));
	ck_assert_int_eq(m.o.ret, mig_faults[_i].ret);
	ck_assert(m.o.src_resumed == (!skip && !untouched));
	ck_assert(m.o.rollback_skipped == skip);
	ck_assert_int_eq(m.o.rollback_ret, 0);
	ck_assert_uint_eq(m.o.size, step > INTEL_LM_MIG_SRC_QUERY ? STATE_SIZE(8) : 0);
	if (untouched) {
		ck_assert_uint_eq(m.o.downtime_ns, 0);
		ck_assert_int_eq(trace_lines("dev=nvme0 ", "opcode=0xc"), 0);
	}
	for (i = step + 1; i < INTEL_LM_MIG_STEPS; i++)
		ck_assert_uint_eq(m.step_ns[i], 0);
	ck_assert_int_eq(k.calls, step >= INTEL_LM_MIG_KEEP);

	assert_vf("nvme0", 3, skip ? EMU_VF_SAVED : EMU_VF_RUNNING, false);
	ck_assert_int_eq(emu_counter("nvme0", 0xcc), skip || untouched ? 0 : 1);
	ck_assert_int_eq(trace_lines("dev=nvme0 opcode=0xcc ", "cdw10=0x00000003 "),
			 skip || untouched ? 0 : 1);
	assert_vf("nvme1", 1, mig_faults[_i].dst, mig_faults[_i].dst_loaded);
	/* nothing but the SUSPEND went to the destination before the source's state was kept */
	if (step <= INTEL_LM_MIG_KEEP)
		ck_assert_int_eq(trace_lines("dev=nvme1 ", "opcode=0xc"), 1);
	ck_assert_int_eq(emu_counter("nvme1", 0xcc), step == INTEL_LM_MIG_DST_RESUME);
	intel_lm_dev_close(&src);
	intel_lm_dev_close(&dst);
}
END_TEST

/* Which SUSPENDs a migration sends, from the two VFs' states on record (issue 15). */
START_TEST(mig_plan)
{
	enum { R = INTEL_LM_VF_RUNNING, S = INTEL_LM_VF_SUSPENDED, V = INTEL_LM_VF_SAVED,
	       L = INTEL_LM_VF_LOADED, U = INTEL_LM_VF_UNKNOWN };
	static const unsigned int D = 1U << INTEL_LM_MIG_DST_SUSPEND;
	static const struct {
		int src, dst;
		bool kept;
		int ret;
		unsigned int skip;
	} t[] = {
		/* The source always gets its SUSPEND; a saved or loaded one is refused. */
		{ R, R, false, 0, 0 }, { S, R, false, 0, 0 }, { U, R, false, 0, 0 },
		{ V, R, false, -ESTALE, 0 }, { L, S, true, -ESTALE, 0 }, { V, V, true, -ESTALE, 0 },
		/* A destination suspended with its own state, or saved and kept elsewhere: none. */
		{ R, S, false, 0, D }, { S, S, false, 0, D }, { R, V, true, 0, D },
		/* Saved and kept nowhere else, loaded, running or unknown: its SUSPEND. */
		{ R, V, false, 0, 0 }, { R, L, false, 0, 0 }, { R, L, true, 0, 0 },
		{ R, U, false, 0, 0 }, { U, U, true, 0, 0 },
	};
	unsigned int skip, i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		skip = 0xdead;
		ck_assert_int_eq(intel_lm_mig_plan((enum intel_lm_vf_state)t[i].src,
						   (enum intel_lm_vf_state)t[i].dst, t[i].kept,
						   &skip), t[i].ret);
		ck_assert_msg(skip == t[i].skip, "row %u: skip 0x%x, expected 0x%x", i, skip,
			      t[i].skip);
	}
}
END_TEST

/*
 * Into a destination suspended already (the caller's word, without records): no SUSPEND is
 * sent to it, and a failure after that resumes the source only; the destination stays
 * suspended. A saved destination, without a record to say its state is kept elsewhere, gets
 * its SUSPEND, which strict = 1 refuses (as the kernel suite's model does): nothing is moved.
 */
START_TEST(migrate_into_suspended)
{
	struct mig_run m;
	struct intel_lm_dev src, dst;
	struct keeper k = { 0 };

	emu_start(MIG_CONF, "strict = 1", "strict = 1");
	mig_init(&m, &src, &dst, &k);
	ck_assert_int_eq(intel_lm_suspend(m.p.dst_fd, 1, NULL), 0);
	m.p.dst_state = INTEL_LM_VF_SUSPENDED;
	ck_assert_int_eq(run_mig(&m), 0);
	ck_assert_int_eq(m.o.failed, INTEL_LM_MIG_NO_STEP);
	ck_assert_uint_eq(m.o.skipped, 1U << INTEL_LM_MIG_DST_SUSPEND);
	ck_assert_int_eq(emu_counter("nvme1", 0xc8), 1);	/* ours, before the migration */
	ck_assert_int_eq(emu_counter("nvme0", 0xc8), 1);
	assert_vf("nvme1", 1, EMU_VF_RUNNING, true);
	ck_assert_uint_gt(m.o.downtime_ns, 0);
	intel_lm_dev_close(&src);
	intel_lm_dev_close(&dst);

	/* The source's SAVE_DATA refused: the source is resumed, the destination left suspended. */
	emu_start(MIG_CONF, "strict = 1\nfault = 0xd2 1 0x4002", "strict = 1");
	mig_init(&m, &src, &dst, &k);
	ck_assert_int_eq(intel_lm_suspend(m.p.dst_fd, 1, NULL), 0);
	m.p.dst_state = INTEL_LM_VF_SUSPENDED;
	ck_assert_int_eq(run_mig(&m), 0x4002);
	ck_assert_int_eq(m.o.failed, INTEL_LM_MIG_SRC_SAVE);
	ck_assert(m.o.src_resumed);
	ck_assert_uint_eq(m.o.skipped, 1U << INTEL_LM_MIG_DST_SUSPEND);
	assert_vf("nvme0", 3, EMU_VF_RUNNING, false);
	assert_vf("nvme1", 1, EMU_VF_SUSPENDED, false);
	ck_assert_int_eq(emu_counter("nvme1", 0xc8), 1);
	ck_assert_int_eq(emu_counter("nvme1", 0xcc), 0);
	intel_lm_dev_close(&src);
	intel_lm_dev_close(&dst);

	/* Saved, its state kept nowhere the caller can vouch for: SUSPEND sent, and refused. */
	emu_start(MIG_CONF, "strict = 1", "strict = 1");
	mig_init(&m, &src, &dst, &k);
	ck_assert_int_eq(intel_lm_suspend(m.p.dst_fd, 1, NULL), 0);
	m.p.dst_state = INTEL_LM_VF_SAVED;
	ck_assert_int_eq(run_mig(&m), 0x400c);
	ck_assert_int_eq(m.o.failed, INTEL_LM_MIG_DST_SUSPEND);
	ck_assert_uint_eq(m.o.skipped, 0);
	ck_assert_int_eq(emu_counter("nvme1", 0xc8), 2);
	ck_assert_int_eq(emu_counter("nvme0", 0xc8), 0);
	ck_assert_int_eq(emu_counter("nvme1", 0xd5), 0);
	intel_lm_dev_close(&src);
	intel_lm_dev_close(&dst);
}
END_TEST

/*
 * A source suspended already gets its SUSPEND all the same (a VF suspended on record may hold a
 * state loaded into it): a device that refuses a second one stops the migration before anything
 * is moved. A saved (or loaded) source is refused before anything is sent.
 */
START_TEST(migrate_suspended_source)
{
	struct mig_run m;
	struct intel_lm_dev src, dst;
	struct keeper k = { 0 };
	static const uint8_t opcodes[] = { 0xc4, 0xc8, 0xcc, 0xd2, 0xd5 };
	size_t i;

	emu_start(MIG_CONF, "strict = 1", "strict = 1");
	mig_init(&m, &src, &dst, &k);
	ck_assert_int_eq(intel_lm_suspend(m.p.src_fd, 3, NULL), 0);
	m.p.src_state = INTEL_LM_VF_SUSPENDED;
	ck_assert_int_eq(run_mig(&m), 0x400c);
	ck_assert_int_eq(m.o.failed, INTEL_LM_MIG_SRC_SUSPEND);
	ck_assert_uint_eq(m.o.skipped, 0);
	ck_assert(!m.o.src_resumed && !m.o.rollback_sent);
	ck_assert_int_eq(emu_counter("nvme0", 0xc8), 2);
	ck_assert_int_eq(emu_counter("nvme0", 0xd2), 0);
	ck_assert_int_eq(emu_counter("nvme1", 0xd5), 0);
	assert_vf("nvme0", 3, EMU_VF_SUSPENDED, false);
	intel_lm_dev_close(&src);
	intel_lm_dev_close(&dst);

	emu_start(MIG_CONF, "", "");
	mig_init(&m, &src, &dst, &k);
	m.p.src_state = INTEL_LM_VF_SAVED;
	ck_assert_int_eq(run_mig(&m), -ESTALE);
	ck_assert_int_eq(m.o.failed, INTEL_LM_MIG_DST_SUSPEND);
	ck_assert(!m.o.rollback_sent && !m.o.src_resumed);
	for (i = 0; i < ARRAY_SIZE(opcodes); i++) {
		ck_assert_int_eq(emu_counter("nvme0", opcodes[i]), 0);
		ck_assert_int_eq(emu_counter("nvme1", opcodes[i]), 0);
	}
	intel_lm_dev_close(&src);
	intel_lm_dev_close(&dst);
}
END_TEST

/* the rollback's own failure is reported, apart from the step's */
START_TEST(migrate_rollback_fails)
{
	struct mig_run m;
	struct intel_lm_dev src, dst;
	struct keeper k = { 0 };

	emu_start(MIG_CONF, "fault = 0xd2 1 EIO\nfault = 0xcc 1 ENODEV", "");
	mig_init(&m, &src, &dst, &k);
	ck_assert_int_eq(run_mig(&m), -EIO);
	ck_assert_int_eq(m.o.failed, INTEL_LM_MIG_SRC_SAVE);
	ck_assert_int_eq(m.o.ret, -EIO);
	ck_assert(!m.o.src_resumed);
	ck_assert_int_eq(m.o.rollback_ret, -ENODEV);
	assert_vf("nvme0", 3, EMU_VF_SUSPENDED, false);
	intel_lm_dev_close(&src);
	intel_lm_dev_close(&dst);
}
END_TEST

/* a size the limits refuse stops the migration before any data command */
START_TEST(migrate_size_refused)
{
	struct mig_run m;
	struct intel_lm_dev src, dst;
	struct keeper k = { 0 };

	emu_start("[pf nvme0]\nvf.3.size = 8193\n[pf nvme1]\nmdts = 1\n");
	mig_init(&m, &src, &dst, &k);
	ck_assert_uint_eq(m.p.limit.max_bytes, 8192);
	ck_assert_int_eq(run_mig(&m), -EFBIG);
	ck_assert_int_eq(m.o.failed, INTEL_LM_MIG_SRC_QUERY);
	ck_assert_uint_eq(m.o.size, 8193);
	ck_assert(m.o.src_resumed);
	ck_assert_int_eq(emu_counter("nvme0", 0xd2), 0);
	assert_vf("nvme0", 3, EMU_VF_RUNNING, false);
	intel_lm_dev_close(&src);
	intel_lm_dev_close(&dst);

	emu_start("[pf nvme0]\nhostile = size0\n[pf nvme1]\n");
	mig_init(&m, &src, &dst, &k);
	ck_assert_int_eq(run_mig(&m), -ENODATA);
	ck_assert_int_eq(m.o.failed, INTEL_LM_MIG_SRC_QUERY);
	ck_assert_int_eq(emu_counter("nvme0", 0xd2), 0);
	ck_assert_int_eq(k.calls, 0);
	intel_lm_dev_close(&src);
	intel_lm_dev_close(&dst);
}
END_TEST

START_TEST(migrate_dry_run)
{
	static const uint8_t order[] = { 0xc8, 0xc8, 0xc4, 0xcc };
	struct seen s = { 0 };
	struct intel_lm_opts o = { .dry_run = true, .trace = seen_record, .trace_priv = &s };
	struct mig_run m;
	struct intel_lm_dev src, dst;
	struct keeper k = { 0 };
	size_t i;

	emu_start(MIG_CONF, "", "");
	mig_init(&m, &src, &dst, &k);
	m.p.src_opts = &o;
	m.p.dst_opts = &o;
	ck_assert_int_eq(run_mig(&m), 0);
	ck_assert_int_eq(m.o.failed, INTEL_LM_MIG_NO_STEP);
	ck_assert_int_eq(k.calls, 0);
	ck_assert_int_eq(s.n, 4);
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		ck_assert_uint_eq(s.c[i].opcode, order[i]);
		ck_assert(s.c[i].dry_run);
		ck_assert_uint_eq(s.c[i].cdw10, i == 1 || i == 2 ? 3 : 1);
	}
	for (i = 0; i < ARRAY_SIZE(lm_opcodes); i++) {
		ck_assert_int_eq(emu_counter("nvme0", lm_opcodes[i]), 0);
		ck_assert_int_eq(emu_counter("nvme1", lm_opcodes[i]), 0);
	}
	assert_vf("nvme0", 3, EMU_VF_RUNNING, false);
	assert_vf("nvme1", 1, EMU_VF_RUNNING, false);
	intel_lm_dev_close(&src);
	intel_lm_dev_close(&dst);
}
END_TEST

/* each PF's commands go with its own options, the rollback's with the source's */
START_TEST(migrate_options_per_pf)
{
	struct intel_lm_opts so = { .timeout_ms = 1111 }, dopt = { .timeout_ms = 2222 };
	struct mig_run m;
	struct intel_lm_dev src, dst;
	struct keeper k = { 0 };

	emu_start(MIG_CONF, "", "fault = 0xcc 1 0x4006");
	mig_init(&m, &src, &dst, &k);
	m.p.src_opts = &so;
	m.p.dst_opts = &dopt;
	ck_assert_int_eq(run_mig(&m), 0x4006);
	ck_assert_int_eq(m.o.failed, INTEL_LM_MIG_DST_RESUME);
	/* suspend, query, save and the rollback's resume on the source */
	ck_assert_int_eq(trace_lines("dev=nvme0 ", "timeout_ms=1111 "), 4);
	ck_assert_int_eq(trace_lines("dev=nvme0 opcode=0xcc ", "timeout_ms=1111 "), 1);
	/* suspend, load and resume on the destination */
	ck_assert_int_eq(trace_lines("dev=nvme1 ", "timeout_ms=2222 "), 3);
	/* and the two Identify commands of mig_init() with the default */
	ck_assert_int_eq(trace_lines("timeout_ms=0 ", NULL), 2);
	intel_lm_dev_close(&src);
	intel_lm_dev_close(&dst);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create(unit_name);
	TCase *tc;

	tc = tcase_create("identify");
	tcase_add_unchecked_fixture(tc, emu_case_setup, emu_case_teardown);
	tcase_add_checked_fixture(tc, test_setup, NULL);
	tcase_add_loop_test(tc, identify_verdict, 0, ARRAY_SIZE(verdicts));
	tcase_add_test(tc, identify_strings_unterminated);
	tcase_add_test(tc, identify_strings_control);
	tcase_add_test(tc, dev_open_kinds);
	tcase_add_test(tc, pf_handle);
	suite_add_tcase(s, tc);

	tc = tcase_create("vfs");
	tcase_add_unchecked_fixture(tc, emu_case_setup, emu_case_teardown);
	tcase_add_checked_fixture(tc, test_setup, NULL);
	tcase_add_test(tc, vfs_several);
	tcase_add_test(tc, vfs_none);
	tcase_add_test(tc, vfs_foreign);
	tcase_add_loop_test(tc, vfs_pagination, 0, ARRAY_SIZE(pagination));
	tcase_add_test(tc, vfs_sysfs_addresses);
	tcase_add_loop_test(tc, vfs_hostile_list, 0, ARRAY_SIZE(seclist_hostile));
	suite_add_tcase(s, tc);

	tc = tcase_create("ops");
	tcase_add_unchecked_fixture(tc, emu_case_setup, emu_case_teardown);
	tcase_add_checked_fixture(tc, test_setup, NULL);
	tcase_add_test(tc, ops_success);
	tcase_add_test(tc, save_running_is_sequence_error);
	tcase_add_test(tc, load_running_is_sequence_error);
	tcase_add_test(tc, save_wrong_length);
	tcase_add_test(tc, load_bad_content);
	tcase_add_test(tc, vf_index_checks);
	tcase_add_test(tc, round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_add_unchecked_fixture(tc, emu_case_setup, emu_case_teardown);
	tcase_add_checked_fixture(tc, test_setup, NULL);
	tcase_add_test(tc, fault_status);
	tcase_add_loop_test(tc, fault_errno, 0, NOPS * ARRAY_SIZE(fault_errnos));
	tcase_add_loop_test(tc, fault_apply, 0, 2);
	tcase_add_test(tc, fault_nth_counting);
	suite_add_tcase(s, tc);

	tc = tcase_create("sizes");
	tcase_add_unchecked_fixture(tc, emu_case_setup, emu_case_teardown);
	tcase_add_checked_fixture(tc, test_setup, NULL);
	tcase_add_loop_test(tc, size_at_limit, 0, ARRAY_SIZE(limits));
	tcase_add_loop_test(tc, size_hostile, 0, ARRAY_SIZE(hostile_sizes));
	tcase_add_test(tc, size_change);
	suite_add_tcase(s, tc);

	tc = tcase_create("status");
	tcase_add_unchecked_fixture(tc, emu_case_setup, emu_case_teardown);
	tcase_add_checked_fixture(tc, test_setup, NULL);
	tcase_add_test(tc, status_text);
	tcase_add_test(tc, dry_run);
	tcase_add_test(tc, timeout_passed_through);
	tcase_add_test(tc, hang_times_out);
	suite_add_tcase(s, tc);

	tc = tcase_create("migrate");
	tcase_add_unchecked_fixture(tc, emu_case_setup, emu_case_teardown);
	tcase_add_checked_fixture(tc, test_setup, NULL);
	tcase_add_test(tc, migration_handle);
	tcase_add_test(tc, migrate_ok);
	tcase_add_loop_test(tc, migrate_rollback, 0, ARRAY_SIZE(mig_faults));
	tcase_add_test(tc, migrate_rollback_fails);
	tcase_add_test(tc, migrate_size_refused);
	tcase_add_test(tc, migrate_dry_run);
	tcase_add_test(tc, migrate_options_per_pf);
	tcase_add_test(tc, mig_plan);
	tcase_add_test(tc, migrate_into_suspended);
	tcase_add_test(tc, migrate_suspended_source);
	suite_add_tcase(s, tc);
	return s;
}
