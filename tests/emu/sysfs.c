// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fake sysfs tree, laid out as the kernel does (paths relative to the `sysfs` directory):
 *
 *	devices/pci0000:00/PF/{vendor,device,subsystem_vendor,subsystem_device,class}
 *	devices/pci0000:00/PF/{sriov_totalvfs,sriov_numvfs,sriov_offset,sriov_stride,
 *			       sriov_vf_device}
 *	devices/pci0000:00/PF/virtfnK -> ../VF	(K = 0..vfs-1 is VF index K+1)
 *	devices/pci0000:00/PF/nvme/NAME/{address,serial,model,firmware_rev,cntlid,transport,
 *					 state,dev}, device -> ../../../PF
 *	devices/pci0000:00/PF/nvme/NAME/NAMEn1/queue/max_hw_sectors_kb
 *	devices/pci0000:00/VF/{vendor,device,...}, physfn -> ../PF
 *	devices/pci0000:00/VF/nvme/VFNAME/...	(a `[vf VFNAME]` section)
 *	class/nvme/NAME -> ../../devices/pci0000:00/PF/nvme/NAME
 *	dev/char/MAJ:MIN -> ../../devices/pci0000:00/PF/nvme/NAME	(emu_rdev(), also in `dev`)
 *	class/block/NAMEn1, block/NAMEn1 -> the namespace directory
 *
 * All links are relative, so the tree can be moved. A file `.intel-lm-emu` marks the tree as
 * ours: setup removes an old tree only when it carries the mark.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "priv.h"

#define MARK		".intel-lm-emu"
#define PCI_ROOT	"devices/pci0000:00"
#define PCI_CLASS_NVME	"0x010802\n"

struct tree {
	const char *root;
	int err;
};

__attribute__((format(printf, 2, 3)))
static char *path_of(struct tree *t, const char *fmt, ...)
{
	char *rel, *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&rel, fmt, ap) < 0)
		rel = NULL;
	va_end(ap);
	if (rel && asprintf(&s, "%s/%s", t->root, rel) < 0)
		s = NULL;
	free(rel);
	if (!s && !t->err)
		t->err = -ENOMEM;
	return s;
}

static void mkdirs(struct tree *t, char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST && !t->err)
			t->err = -errno;
		*p = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST && !t->err)
		t->err = -errno;
}

__attribute__((format(printf, 2, 3)))
static void dir(struct tree *t, const char *fmt, ...)
{
	char *rel, *s;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&rel, fmt, ap) < 0)
		rel = NULL;
	va_end(ap);
	s = rel ? path_of(t, "%s", rel) : NULL;
	if (s)
		mkdirs(t, s);
	else if (!t->err)
		t->err = -ENOMEM;
	free(rel);
	free(s);
}

/* write file @rel (a printf format for the path, then @fmt for the content) */
__attribute__((format(printf, 3, 4)))
static void file(struct tree *t, const char *rel, const char *fmt, ...)
{
	char *s = path_of(t, "%s", rel), *text = NULL;
	va_list ap;
	int fd, ret;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	if (!s || !text) {
		t->err = t->err ?: -ENOMEM;
		goto out;
	}
	fd = emu_real_open(s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ret = fd < 0 ? -errno : emu_write_all(fd, text, strlen(text));
	if (fd >= 0)
		emu_real_close(fd);
	if (ret && !t->err)
		t->err = ret;
out:
	free(s);
	free(text);
}

static void link_to(struct tree *t, const char *target, const char *rel)
{
	char *s = path_of(t, "%s", rel);

	if (s && symlink(target, s) && !t->err)
		t->err = -errno;
	free(s);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) ? -1 : 0;
	return unlink(path) ? -1 : 0;
}

/* remove an old tree of ours; refuse to touch anything else */
static int clear(const char *root)
{
	struct stat st;
	char *mark;
	int ret;

	if (stat(root, &st)) {
		if (errno == ENOENT)
			return 0;
		return -errno;
	}
	if (asprintf(&mark, "%s/%s", root, MARK) < 0)
		return -ENOMEM;
	ret = access(mark, F_OK);
	free(mark);
	if (ret) {
		/* not ours: only an empty directory will do */
		if (rmdir(root) && errno != ENOENT) {
			fprintf(stderr, "intel-lm-emu: %s exists and is not a fake sysfs tree\n",
				root);
			return -EEXIST;
		}
		return 0;
	}
	if (nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS))
		return -errno;
	return 0;
}

static void pci_function(struct tree *t, const char *addr, uint16_t vid, uint16_t device)
{
	char rel[96];

	dir(t, PCI_ROOT "/%s", addr);
	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/vendor", addr);
	file(t, rel, "0x%04x\n", vid);
	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/device", addr);
	file(t, rel, "0x%04x\n", device);
	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/subsystem_vendor", addr);
	file(t, rel, "0x%04x\n", vid);
	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/subsystem_device", addr);
	file(t, rel, "0x%04x\n", device);
	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/class", addr);
	file(t, rel, PCI_CLASS_NVME);
}

/* the controller's class directory under PCI function @addr; @rdev: its device number */
static void controller(struct tree *t, const struct emu_pf *pf, const char *addr,
		       const char *name, uint16_t cntlid, dev_t rdev)
{
	char rel[160], target[160];
	const char *attrs[][2] = {
		{ "serial", pf->serial }, { "model", pf->model },
		{ "firmware_rev", pf->firmware }, { "transport", "pcie" }, { "state", "live" },
	};
	size_t i;

	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/nvme/%s", addr, name);
	dir(t, "%s", rel);
	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/nvme/%s/address", addr, name);
	file(t, rel, "%s\n", addr);
	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/nvme/%s/cntlid", addr, name);
	file(t, rel, "%u\n", cntlid);
	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/nvme/%s/dev", addr, name);
	file(t, rel, "%u:%u\n", major(rdev), minor(rdev));
	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		snprintf(rel, sizeof(rel), PCI_ROOT "/%s/nvme/%s/%s", addr, name, attrs[i][0]);
		file(t, rel, "%s\n", attrs[i][1]);
	}
	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/nvme/%s/device", addr, name);
	snprintf(target, sizeof(target), "../../../%s", addr);
	link_to(t, target, rel);
	snprintf(rel, sizeof(rel), "class/nvme/%s", name);
	snprintf(target, sizeof(target), "../../" PCI_ROOT "/%s/nvme/%s", addr, name);
	link_to(t, target, rel);
	snprintf(rel, sizeof(rel), "dev/char/%u:%u", major(rdev), minor(rdev));
	link_to(t, target, rel);
}

static void namespace(struct tree *t, const struct emu_pf *pf, const char *addr)
{
	char rel[160], target[160];

	dir(t, PCI_ROOT "/%s/nvme/%s/%sn1/queue", addr, pf->name, pf->name);
	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/nvme/%s/%sn1/queue/max_hw_sectors_kb", addr,
		 pf->name, pf->name);
	file(t, rel, "%u\n", emu_max_xfer(pf) / 1024);
	snprintf(rel, sizeof(rel), "class/block/%sn1", pf->name);
	snprintf(target, sizeof(target), "../../" PCI_ROOT "/%s/nvme/%s/%sn1", addr, pf->name,
		 pf->name);
	link_to(t, target, rel);
	snprintf(rel, sizeof(rel), "block/%sn1", pf->name);
	link_to(t, target + 3, rel);
}

static void pf_tree(struct tree *t, const struct emu_pf *pf)
{
	char addr[32], vfaddr[32], rel[160], target[64];
	unsigned int k;

	emu_pci_addr(pf->pci_rid, addr, sizeof(addr));
	pci_function(t, addr, pf->vid, pf->pci_device);
	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/sriov_totalvfs", addr);
	file(t, rel, "%u\n", pf->nvfs);
	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/sriov_numvfs", addr);
	file(t, rel, "%u\n", pf->nvfs);
	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/sriov_offset", addr);
	file(t, rel, "1\n");
	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/sriov_stride", addr);
	file(t, rel, "1\n");
	snprintf(rel, sizeof(rel), PCI_ROOT "/%s/sriov_vf_device", addr);
	file(t, rel, "%04x\n", pf->pci_vf_device);
	controller(t, pf, addr, pf->name, pf->cntlid, emu_rdev(EMU_TARGET_PF, pf->index));
	namespace(t, pf, addr);

	for (k = 0; k < pf->nvfs; k++) {
		emu_pci_addr(emu_vf_rid(pf, k + 1), vfaddr, sizeof(vfaddr));
		pci_function(t, vfaddr, pf->vid, pf->pci_vf_device);
		snprintf(rel, sizeof(rel), PCI_ROOT "/%s/virtfn%u", addr, k);
		snprintf(target, sizeof(target), "../%s", vfaddr);
		link_to(t, target, rel);
		snprintf(rel, sizeof(rel), PCI_ROOT "/%s/physfn", vfaddr);
		snprintf(target, sizeof(target), "../%s", addr);
		link_to(t, target, rel);
	}
}

/* (re)create the fake sysfs tree, when the configuration names one */
int emu_sysfs_create(const struct emu_config *cfg)
{
	struct tree t = { .root = cfg->sysfs };
	char vfaddr[32];
	unsigned int i;
	int ret;

	if (!cfg->sysfs)
		return 0;
	if (!strcmp(cfg->sysfs, "/sys") || !strcmp(cfg->sysfs, "/"))
		return -EPERM;
	ret = clear(cfg->sysfs);
	if (ret)
		return ret;
	dir(&t, "class/nvme");
	dir(&t, "class/block");
	dir(&t, "block");
	dir(&t, "dev/char");
	dir(&t, PCI_ROOT);
	file(&t, MARK, "fake sysfs tree of the emulated Intel IPU NVMe PF (%s)\n", cfg->file);
	if (cfg->kernel_admin_timeout) {
		dir(&t, "module/nvme_core/parameters");
		file(&t, "module/nvme_core/parameters/admin_timeout", "%u\n",
		     cfg->kernel_admin_timeout);
	}
	for (i = 0; i < cfg->npf; i++)
		pf_tree(&t, &cfg->pf[i]);
	for (i = 0; i < cfg->nvfdev; i++) {
		const struct emu_vfdev *d = &cfg->vfdev[i];
		const struct emu_pf *pf = &cfg->pf[d->pf];

		emu_pci_addr(emu_vf_rid(pf, d->vf), vfaddr, sizeof(vfaddr));
		controller(&t, pf, vfaddr, d->name, pf->cntlid + d->vf,
			   emu_rdev(EMU_TARGET_VF, i));
	}
	if (t.err)
		fprintf(stderr, "intel-lm-emu: %s: %s\n", cfg->sysfs, strerror(-t.err));
	return t.err;
}
