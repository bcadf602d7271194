// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the --vf argument. intel_lm_vf_select() against a fixed list of VFs and an
 * empty one, and intel_lm_vf_select_is_list(). A selection must be sorted, distinct and made of
 * the list's VFs, an error must point into the argument, and a selection written back as a
 * comma-separated list must select the same VFs.
 *
 * The input is the argument (up to its first NUL).
 */
#include <errno.h>

#include <libintel-lm-private.h>
#include <intel-lm/vf.h>

#include "fuzz.h"

static struct intel_lm_vf fixed_vfs[] = {
	{ .vf = 1 }, { .vf = 2 }, { .vf = 3 }, { .vf = 4 }, { .vf = 7 }, { .vf = 8 },
	{ .vf = 100 }, { .vf = 65535 },
};
static const struct intel_lm_vf_list fixed = {
	.count = sizeof(fixed_vfs) / sizeof(fixed_vfs[0]), .vf = fixed_vfs,
};
static const struct intel_lm_vf_list empty;

/* "a,b,c" of a selection, to select again; NULL when it would be huge. */
static char *join(const uint16_t *sel, size_t count)
{
	size_t i, used = 0, room = count * 6 + 1;
	char *s;

	if (count > 4096)
		return NULL;
	s = malloc(room);
	FUZZ_ASSERT(s);
	s[0] = '\0';
	for (i = 0; i < count; i++)
		used += (size_t)snprintf(s + used, room - used, "%s%u", i ? "," : "", sel[i]);
	return s;
}

static void check(const char *arg, const struct intel_lm_vf_list *list, bool again)
{
	const char *bad = (const char *)1;
	uint16_t *sel = (uint16_t *)1;
	size_t count = 1, i;
	int ret;

	ret = intel_lm_vf_select(arg, list, &sel, &count, &bad);
	switch (ret) {
	case 0:
		FUZZ_ASSERT(bad == NULL && (sel || !count));
		FUZZ_ASSERT(count || (!strcmp(arg, "all") && !list->count));
		for (i = 0; i < count; i++) {
			FUZZ_ASSERT(intel_lm_vf_find(list, sel[i]));
			FUZZ_ASSERT(!i || sel[i - 1] < sel[i]);
		}
		if (!strcmp(arg, "all"))
			FUZZ_ASSERT(count == list->count);
		if (!intel_lm_vf_select_is_list(arg))
			FUZZ_ASSERT(count == 1 && sel[0] == (uint16_t)strtoul(arg, NULL, 10));
		if (again && count) {
			char *s = join(sel, count);
			uint16_t *sel2;
			size_t count2;
			const char *bad2;

			if (s) {
				FUZZ_ASSERT(intel_lm_vf_select(s, list, &sel2, &count2, &bad2) == 0);
				FUZZ_ASSERT(count2 == count);
				FUZZ_ASSERT(!memcmp(sel2, sel, count * sizeof(*sel)));
				free(sel2);
				free(s);
			}
		}
		break;
	case -EINVAL:
		FUZZ_ASSERT(sel == NULL && count == 0);
		FUZZ_ASSERT(bad && bad >= arg && bad <= arg + strlen(arg));
		break;
	case -ENOENT:
		FUZZ_ASSERT(bad == NULL && sel && count == 1);
		FUZZ_ASSERT(sel[0] >= 1 && !intel_lm_vf_find(list, sel[0]));
		break;
	default:
		FUZZ_ASSERT(!"an unexpected return value");
	}
	free(sel);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *arg = malloc(size + 1);

	FUZZ_ASSERT(arg);
	memcpy(arg, data, size);
	arg[size] = '\0';
	check(arg, &fixed, true);
	check(arg, &empty, false);
	free(arg);
	return 0;
}
