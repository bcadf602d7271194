// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A PF's identity: its PCI address, found from its device number, or its serial number and
 * controller ID.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <intel-lm/pfid.h>

#include "private.h"

void intel_lm_safe_name(char *dst, size_t len, const char *src)
{
	size_t i;

	if (!len)
		return;
	for (i = 0; src[i] && i + 1 < len; i++) {
		char c = src[i];

		dst[i] = isalnum((unsigned char)c) || c == '.' || c == '-' || c == ':' ? c : '_';
	}
	dst[i] = '\0';
	if (!i && len > 1)
		snprintf(dst, len, "_");
}

int intel_lm_vf_file_path(char *path, size_t len, const char *dir, const char *pf_key,
			  uint16_t vf, const char *suffix)
{
	char key[INTEL_LM_PF_KEY_LEN], num[8], *p, *end = path + len;

	intel_lm_safe_name(key, sizeof(key), pf_key);
	*intel_lm_put_dec(num, vf) = '\0';
	/* DIR "/" KEY "-vf" N SUFFIX and the NUL: checked whole, then written piece by piece. */
	if (strlen(dir) + 1 + strlen(key) + 3 + strlen(num) + strlen(suffix) + 1 > len) {
		if (len)
			path[0] = '\0';
		return -ENAMETOOLONG;
	}
	p = intel_lm_put_str(path, len, dir);
	p = intel_lm_put_str(p, (size_t)(end - p), "/");
	p = intel_lm_put_str(p, (size_t)(end - p), key);
	p = intel_lm_put_str(p, (size_t)(end - p), "-vf");
	p = intel_lm_put_str(p, (size_t)(end - p), num);
	intel_lm_put_str(p, (size_t)(end - p), suffix);
	return 0;
}

/* "DDDD:BB:DD.F" in lower-case hex: what the kernel writes for a PCI function. */
static bool is_pci_addr(const char *s)
{
	static const char shape[] = "xxxx:xx:xx.x";
	size_t i;

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (i = 0; shape[i]; i++)
		if (shape[i] == 'x' ? !isxdigit((unsigned char)s[i]) : s[i] != shape[i])
			return false;
	return true;
}

/* The PCI address of the controller behind device number @rdev, or "". */
static void pci_from_rdev(const char *sysfs, dev_t rdev, char *pci, size_t len)
{
	char path[PATH_MAX], buf[64];
	ssize_t n;
	int fd;

	pci[0] = '\0';
	snprintf(path, sizeof(path), "%s/dev/char/%u:%u/address", intel_lm_sysfs_root(sysfs),
		 major(rdev), minor(rdev));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (is_pci_addr(buf))
		intel_lm_put_str(pci, len, buf);
}

void intel_lm_pf_id_of(const struct intel_lm_dev *dev, const char *sysfs,
		       const struct intel_lm_ctrl_info *info, struct intel_lm_pf_id *id)
{
	char sn[sizeof(info->sn)];
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (dev->fd >= 0 && fstat(dev->fd, &st) == 0 && S_ISCHR(st.st_mode))
		pci_from_rdev(sysfs, st.st_rdev, id->pci, sizeof(id->pci));
	if (id->pci[0]) {
		memcpy(id->key, "pci-", 4);
		intel_lm_put_str(id->key + 4, sizeof(id->key) - 4, id->pci);
		return;
	}
	intel_lm_safe_name(sn, sizeof(sn), info->sn);
	snprintf(id->key, sizeof(id->key), "sn-%s-cntlid-%u", sn, info->cntlid);
}
