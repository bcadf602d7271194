// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: a Secondary Controller List page (Identify CNS 15h) as a device returns it.
 * intel_lm_parse_sec_ctrl_list() must take exactly the entries of the PF, refuse a count above
 * 127, VF number 0 and a repeated VF number, and report the highest controller ID; the list
 * then goes through what info and --vf=all do with it: sort, find, format (into a buffer of
 * every size) and select all.
 *
 * The input is the page (shorter inputs are padded with zeros). Its reserved bytes 2-3 give the
 * PF's controller ID and byte 4 the size of the format buffer.
 */
#include <errno.h>

#include <libintel-lm-private.h>
#include <intel-lm/vf.h>

#include "fuzz.h"

#define PAGE		4096
#define MAX_ENTRIES	127

static int vf_cmp(const void *a, const void *b)
{
	const struct intel_lm_vf *x = a, *y = b;

	return (int)x->vf - (int)y->vf;
}

/* What the page should give: the PF's entries in page order, or -EPROTO. */
static int expected(const uint8_t *page, uint16_t pf, struct intel_lm_vf *want, size_t *n,
		    uint16_t *last)
{
	unsigned int num = page[0], i, j;

	*n = 0;
	*last = 0;
	if (num > MAX_ENTRIES)
		return -EPROTO;
	for (i = 0; i < num; i++) {
		const uint8_t *e = page + 32 + i * 32;
		uint16_t scid = fuzz_le16(e), vf = fuzz_le16(e + 8);

		if (scid > *last)
			*last = scid;
		if (fuzz_le16(e + 2) != pf)
			continue;
		if (!vf)
			return -EPROTO;
		for (j = 0; j < *n; j++)
			if (want[j].vf == vf)
				return -EPROTO;
		want[*n] = (struct intel_lm_vf){
			.vf = vf, .scid = scid, .online = e[4] & 1,
			.nvq = fuzz_le16(e + 10), .nvi = fuzz_le16(e + 12),
		};
		(*n)++;
	}
	return 0;
}

/* "1-4, 7" of a sorted list, as intel_lm_vf_list_format() writes it with room enough. */
static void format_ref(const struct intel_lm_vf_list *list, char *buf, size_t len)
{
	size_t i = 0, used = 0;

	if (!list->count) {
		snprintf(buf, len, "none");
		return;
	}
	buf[0] = '\0';
	while (i < list->count) {
		size_t j = i;

		while (j + 1 < list->count && list->vf[j + 1].vf == list->vf[j].vf + 1)
			j++;
		used += (size_t)snprintf(buf + used, len - used, j > i ? "%s%u-%u" : "%s%u",
					 used ? ", " : "", list->vf[i].vf, list->vf[j].vf);
		i = j + 1;
	}
}

static void check_list(const struct intel_lm_vf_list *list, size_t len)
{
	static char ref[MAX_ENTRIES * 14 + 8];
	char *buf = malloc(len);	/* exactly @len: ASan sees any byte written beyond */
	const char *bad;
	uint16_t *sel;
	size_t i, count;
	int ret;

	FUZZ_ASSERT(buf);
	for (i = 0; i < list->count; i++)
		FUZZ_ASSERT(intel_lm_vf_find(list, list->vf[i].vf) == &list->vf[i]);
	FUZZ_ASSERT(!intel_lm_vf_find(list, 0));

	format_ref(list, ref, sizeof(ref));
	intel_lm_vf_list_format(list, buf, len);
	FUZZ_ASSERT(memchr(buf, '\0', len));
	if (strlen(ref) < len)
		FUZZ_ASSERT(!strcmp(buf, ref));
	else if (!list->count)		/* "none" that does not fit says "...", cut to fit */
		FUZZ_ASSERT(!strncmp(buf, "...", len - 1));
	else if (len >= 4)		/* a list that does not fit ends in "..." */
		FUZZ_ASSERT(strlen(buf) >= 3 && !strcmp(buf + strlen(buf) - 3, "..."));
	free(buf);

	ret = intel_lm_vf_select("all", list, &sel, &count, &bad);
	FUZZ_ASSERT(ret == 0 && count == list->count);
	for (i = 0; i < count; i++)
		FUZZ_ASSERT(sel[i] == list->vf[i].vf);
	free(sel);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct intel_lm_vf want[MAX_ENTRIES];
	struct intel_lm_vf_list list = { 0 };
	uint8_t *page = calloc(1, PAGE);
	unsigned int entries = 12345;
	uint16_t pf, last = 1, want_last;
	size_t n, i;
	int ret, want_ret;

	FUZZ_ASSERT(page);
	memcpy(page, data, size < PAGE ? size : PAGE);
	pf = fuzz_le16(page + 2);
	want_ret = expected(page, pf, want, &n, &want_last);

	ret = intel_lm_parse_sec_ctrl_list(page, pf, &list, &last, &entries);
	FUZZ_ASSERT(ret == want_ret);
	if (ret) {
		FUZZ_ASSERT(entries == 0);
		intel_lm_vf_list_free(&list);
		free(page);
		return 0;
	}
	FUZZ_ASSERT(entries == page[0] && last == want_last && list.count == n);
	for (i = 0; i < n; i++) {
		const struct intel_lm_vf *a = &list.vf[i], *b = &want[i];

		FUZZ_ASSERT(a->vf == b->vf && a->scid == b->scid && a->online == b->online &&
			    a->nvq == b->nvq && a->nvi == b->nvi && !a->pci_addr[0]);
	}

	/* The same page again: every one of the PF's VFs is now a repeat. */
	ret = intel_lm_parse_sec_ctrl_list(page, pf, &list, &last, &entries);
	FUZZ_ASSERT(ret == (n ? -EPROTO : 0) && list.count == n);

	if (list.count)
		qsort(list.vf, list.count, sizeof(*list.vf), vf_cmp);
	check_list(&list, 1 + page[4]);
	intel_lm_vf_list_free(&list);
	free(page);
	return 0;
}
