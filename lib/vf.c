// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PF's VFs: the Secondary Controller List (Identify CNS 15h), filtered to this PF, and the
 * VFs' PCI addresses from sysfs where it is present.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libnvme.h>

#include <intel-lm/vf.h>

#include "private.h"

/* Byte offsets in the Secondary Controller List and its 32-byte entries (NVMe 2.0, 5.17.2.15) */
#define SCL_NUM			0
#define SCL_ENTRY0		32
#define SCL_ENTRY_SIZE		32
#define SCE_SCID		0
#define SCE_PCID		2
#define SCE_SCS			4
#define SCE_VFN			8
#define SCE_NVQ			10
#define SCE_NVI			12
#define SCS_ONLINE		0x1

static int vf_cmp(const void *a, const void *b)
{
	const struct intel_lm_vf *x = a, *y = b;

	return (int)x->vf - (int)y->vf;
}

static int list_append(struct intel_lm_vf_list *list, const struct intel_lm_vf *vf)
{
	struct intel_lm_vf *grown;

	/* Grow in steps of one page's worth of entries. */
	if (list->count % NVME_ID_SECONDARY_CTRL_MAX == 0) {
		grown = realloc(list->vf, (list->count + NVME_ID_SECONDARY_CTRL_MAX) * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		list->vf = grown;
	}
	list->vf[list->count++] = *vf;
	return 0;
}

static bool list_sorted(const struct intel_lm_vf_list *list)
{
	size_t i;

	for (i = 1; i < list->count; i++)
		if (list->vf[i - 1].vf > list->vf[i].vf)
			return false;
	return true;
}

/*
 * Whether @vf is in @list; @ascending says the list is in ascending order, as devices list
 * VFs: then a larger index than the last is new without a search.
 */
static bool list_has(const struct intel_lm_vf_list *list, uint16_t vf, bool ascending)
{
	size_t i;

	if (!list->count || (ascending && list->vf[list->count - 1].vf < vf))
		return false;
	for (i = 0; i < list->count; i++)
		if (list->vf[i].vf == vf)
			return true;
	return false;
}

int intel_lm_parse_sec_ctrl_list(const void *buf, uint16_t pf_cntlid,
				 struct intel_lm_vf_list *list, uint16_t *last_scid,
				 unsigned int *entries)
{
	const uint8_t *raw = buf;
	unsigned int num = raw[SCL_NUM], i;
	bool ascending = list_sorted(list);
	int ret;

	*last_scid = 0;
	*entries = 0;
	if (num > NVME_ID_SECONDARY_CTRL_MAX)
		return -EPROTO;

	for (i = 0; i < num; i++) {
		const uint8_t *e = raw + SCL_ENTRY0 + i * SCL_ENTRY_SIZE;
		struct intel_lm_vf vf = {
			.vf = intel_lm_le16(e + SCE_VFN),
			.scid = intel_lm_le16(e + SCE_SCID),
			.online = e[SCE_SCS] & SCS_ONLINE,
			.nvq = intel_lm_le16(e + SCE_NVQ),
			.nvi = intel_lm_le16(e + SCE_NVI),
		};

		if (vf.scid > *last_scid)
			*last_scid = vf.scid;
		if (intel_lm_le16(e + SCE_PCID) != pf_cntlid)
			continue;
		if (vf.vf < INTEL_LM_VF_MIN || list_has(list, vf.vf, ascending))
			return -EPROTO;
		if (list->count && list->vf[list->count - 1].vf > vf.vf)
			ascending = false;
		ret = list_append(list, &vf);
		if (ret)
			return ret;
	}
	*entries = num;
	return 0;
}

int intel_lm_list_vfs(int fd, uint16_t pf_cntlid, const struct intel_lm_opts *opts,
		      struct intel_lm_vf_list *list)
{
	unsigned int entries;
	uint16_t last_scid;
	uint32_t cntid = 0;
	void *buf;
	int ret;

	memset(list, 0, sizeof(*list));
	if (posix_memalign(&buf, INTEL_LM_ID_BUF_ALIGN, NVME_IDENTIFY_DATA_SIZE))
		return -ENOMEM;

	/* Each page lists up to 127 entries with a controller ID >= CNTID; ask until one is short. */
	for (;;) {
		ret = intel_lm_identify_raw(fd, NVME_IDENTIFY_CNS_SECONDARY_CTRL_LIST,
					    (uint16_t)cntid, buf, opts);
		if (ret)
			break;
		ret = intel_lm_parse_sec_ctrl_list(buf, pf_cntlid, list, &last_scid, &entries);
		if (ret)
			break;
		if (entries < NVME_ID_SECONDARY_CTRL_MAX)
			break;
		/* A full page must move forward, or a broken device would loop us forever. */
		if (last_scid < cntid || last_scid == UINT16_MAX) {
			ret = last_scid < cntid ? -EPROTO : 0;
			break;
		}
		cntid = (uint32_t)last_scid + 1;
	}
	free(buf);
	if (ret) {
		intel_lm_vf_list_free(list);
		return ret;
	}
	if (!list_sorted(list))
		qsort(list->vf, list->count, sizeof(*list->vf), vf_cmp);
	return 0;
}

void intel_lm_vf_list_sysfs(struct intel_lm_vf_list *list, const char *sysfs, const char *ctrl)
{
	char dir[PATH_MAX], name[sizeof("virtfn65535")], target[PATH_MAX];
	const char *base;
	size_t i;
	ssize_t n;
	int len, dfd;

	for (i = 0; i < list->count; i++)
		list->vf[i].pci_addr[0] = '\0';
	/*
	 * The directory once, each VF's link read relative to it: a whole path per VF walked the
	 * sysfs tree (and the "device" link) again for each of them, a third of a one-VF
	 * command's CPU time on a PF of 256 VFs.
	 */
	len = snprintf(dir, sizeof(dir), "%s/class/nvme/%s/device", intel_lm_sysfs_root(sysfs), ctrl);
	if (len < 0 || (size_t)len >= sizeof(dir))
		return;
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	for (i = 0; i < list->count; i++) {
		struct intel_lm_vf *vf = &list->vf[i];

		memcpy(name, "virtfn", 6);
		*intel_lm_put_dec(name + 6, vf->vf - 1u) = '\0';
		n = readlinkat(dfd, name, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		base = strrchr(target, '/');
		base = base ? base + 1 : target;
		if (strlen(base) < sizeof(vf->pci_addr))
			memcpy(vf->pci_addr, base, strlen(base) + 1);
	}
	close(dfd);
}

const struct intel_lm_vf *intel_lm_vf_find(const struct intel_lm_vf_list *list, uint16_t vf)
{
	struct intel_lm_vf key = { .vf = vf };

	if (!list->count)
		return NULL;
	return bsearch(&key, list->vf, list->count, sizeof(*list->vf), vf_cmp);
}

bool intel_lm_vf_reset_seen(const struct intel_lm_vf *vf)
{
	return vf && !vf->online && !vf->nvq && !vf->nvi;
}

/* The indexes of @list's VFs (only the online ones with @online_only) as ranges, or "none". */
static void format_vfs(const struct intel_lm_vf_list *list, bool online_only, char *buf,
		       size_t len)
{
	size_t i = 0, used = 0;
	int n;

	if (!len)
		return;
	buf[0] = '\0';
	for (; i < list->count; i++) {
		size_t j = i;

		if (online_only && !list->vf[i].online)
			continue;
		/* Fold runs of consecutive indexes into "a-b". */
		while (j + 1 < list->count && list->vf[j + 1].vf == list->vf[j].vf + 1 &&
		       (!online_only || list->vf[j + 1].online))
			j++;
		if (j > i)
			n = snprintf(buf + used, len - used, "%s%u-%u", used ? ", " : "",
				     list->vf[i].vf, list->vf[j].vf);
		else
			n = snprintf(buf + used, len - used, "%s%u", used ? ", " : "",
				     list->vf[i].vf);
		if (n < 0 || (size_t)n >= len - used) {
			if (len >= 4)
				snprintf(buf + (used < len - 4 ? used : len - 4),
					 len - (used < len - 4 ? used : len - 4), "...");
			return;
		}
		used += (size_t)n;
		i = j;
	}
	if (!used)
		snprintf(buf, len, "%s", len > 4 ? "none" : "...");
}

void intel_lm_vf_list_format(const struct intel_lm_vf_list *list, char *buf, size_t len)
{
	format_vfs(list, false, buf, len);
}

void intel_lm_vf_list_format_online(const struct intel_lm_vf_list *list, char *buf, size_t len)
{
	format_vfs(list, true, buf, len);
}

void intel_lm_vf_list_free(struct intel_lm_vf_list *list)
{
	free(list->vf);
	list->vf = NULL;
	list->count = 0;
}

bool intel_lm_vf_select_is_list(const char *arg)
{
	return !strcmp(arg, "all") || strpbrk(arg, ",-") != NULL;
}

/* A whole decimal number from 1 to 65535 in [s, end): nothing else. */
static bool parse_index(const char *s, const char *end, uint16_t *out)
{
	unsigned long v = 0;

	if (s == end || end - s > 5)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < INTEL_LM_VF_MIN || v > INTEL_LM_VF_MAX)
		return false;
	*out = (uint16_t)v;
	return true;
}

int intel_lm_vf_select(const char *arg, const struct intel_lm_vf_list *list, uint16_t **out,
		       size_t *count, const char **bad)
{
	/* One bit per possible index: ranges may be wide, duplicates fold away. */
	uint8_t *seen;
	const char *item = arg;
	unsigned int v, lo_all = INTEL_LM_VF_MAX, hi_all = INTEL_LM_VF_MIN;
	uint16_t *sel;
	size_t n = 0, i;
	uint16_t v16;

	*out = NULL;
	*count = 0;
	*bad = NULL;

	if (!strcmp(arg, "all")) {
		sel = malloc((list->count ? list->count : 1) * sizeof(*sel));
		if (!sel)
			return -ENOMEM;
		for (i = 0; i < list->count; i++)
			sel[i] = list->vf[i].vf;
		*out = sel;
		*count = list->count;
		return 0;
	}

	/* One index, the usual case: no bitmap. */
	if (!strpbrk(arg, ",-")) {
		if (!parse_index(arg, arg + strlen(arg), &v16)) {
			*bad = arg;
			return -EINVAL;
		}
		sel = malloc(sizeof(*sel));
		if (!sel)
			return -ENOMEM;
		sel[0] = v16;
		*out = sel;
		*count = 1;
		return intel_lm_vf_find(list, v16) ? 0 : -ENOENT;
	}

	seen = calloc((INTEL_LM_VF_MAX + 1) / 8 + 1, 1);
	if (!seen)
		return -ENOMEM;
	for (;;) {
		const char *end = strchr(item, ',');
		const char *dash;
		uint16_t lo, hi;

		if (!end)
			end = item + strlen(item);
		dash = memchr(item, '-', (size_t)(end - item));
		if (dash ? !(parse_index(item, dash, &lo) && parse_index(dash + 1, end, &hi) &&
			     lo <= hi) : !parse_index(item, end, &lo)) {
			*bad = item;
			free(seen);
			return -EINVAL;
		}
		if (!dash)
			hi = lo;
		for (v = lo; v <= hi; v++) {
			if (!(seen[v / 8] & (1u << (v % 8))))
				n++;
			seen[v / 8] |= (uint8_t)(1u << (v % 8));
		}
		/* Only the span the items cover is walked below, not all 65535 indexes. */
		if (lo < lo_all)
			lo_all = lo;
		if (hi > hi_all)
			hi_all = hi;
		if (!*end)
			break;
		item = end + 1;
	}

	sel = malloc(n * sizeof(*sel));
	if (!sel) {
		free(seen);
		return -ENOMEM;
	}
	n = 0;
	for (v = lo_all; v <= hi_all; v++)
		if (seen[v / 8] & (1u << (v % 8)))
			sel[n++] = (uint16_t)v;
	free(seen);

	for (i = 0; i < n; i++) {
		if (!intel_lm_vf_find(list, sel[i])) {
			sel[0] = sel[i];
			*out = sel;
			*count = 1;
			return -ENOENT;
		}
	}
	*out = sel;
	*count = n;
	return 0;
}
