// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: intel_lm_record_read() of a record file, whatever it holds. It returns 0,
 * -EBADMSG (nothing trusted) or -ENOENT (blank), and an entry it accepts is one the writer could
 * have written: the VF and the state in range, every string terminated within its field.
 *
 * The input: one byte choosing where the rest goes in a file of the record's size (two slots of
 * 8 KiB): 0 the file is the rest, as it is; 1 slot 0; 2 slot 1; 3 both, split at the middle.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <libintel-lm-private.h>
#include <intel-lm/record.h>

#include "fuzz.h"

#define SLOT 8192
#define FILE_LEN (2 * SLOT)

static char path[] = "/tmp/intel-lm-fuzz-record-XXXXXX";
static int fd = -1;

static void put(uint8_t *file, size_t at, const uint8_t *p, size_t n)
{
	memcpy(file + at, p, n < SLOT ? n : SLOT);
}

static void check_entry(const struct intel_lm_rec_entry *e)
{
	FUZZ_ASSERT(e->vf >= INTEL_LM_VF_MIN);
	FUZZ_ASSERT((unsigned int)e->state < INTEL_LM_VF_STATES);
	FUZZ_ASSERT(e->seq && e->seq != UINT64_MAX);
	FUZZ_ASSERT(memchr(e->pf.key, 0, sizeof(e->pf.key)) && e->pf.key[0]);
	FUZZ_ASSERT(memchr(e->pf.pci, 0, sizeof(e->pf.pci)));
	FUZZ_ASSERT(memchr(e->peer.key, 0, sizeof(e->peer.key)));
	FUZZ_ASSERT(memchr(e->peer.pci, 0, sizeof(e->peer.pci)));
	FUZZ_ASSERT(memchr(e->device, 0, sizeof(e->device)));
	FUZZ_ASSERT(memchr(e->peer_device, 0, sizeof(e->peer_device)));
	FUZZ_ASSERT(memchr(e->serial, 0, sizeof(e->serial)));
	FUZZ_ASSERT(memchr(e->model, 0, sizeof(e->model)));
	FUZZ_ASSERT(memchr(e->firmware, 0, sizeof(e->firmware)));
	FUZZ_ASSERT(memchr(e->cmdline, 0, sizeof(e->cmdline)));
	FUZZ_ASSERT(memchr(e->op_id, 0, sizeof(e->op_id)));
	FUZZ_ASSERT(memchr(e->state_file, 0, sizeof(e->state_file)));
	FUZZ_ASSERT(memchr(e->tmp_file, 0, sizeof(e->tmp_file)));
	FUZZ_ASSERT(e->step >= 0 && e->step <= 64);
	FUZZ_ASSERT(e->pid >= 0 && e->since >= 0);
}

static void remove_file(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t file[FILE_LEN];
	struct intel_lm_rec_entry e;
	size_t half;
	int ret;

	if (fd < 0) {
		fd = mkstemp(path);
		FUZZ_ASSERT(fd >= 0);
		atexit(remove_file);
	}
	if (!size)
		return 0;
	FUZZ_ASSERT(ftruncate(fd, 0) == 0);
	if ((data[0] & 3) == 0) {
		FUZZ_ASSERT(pwrite(fd, data + 1, size - 1, 0) == (ssize_t)(size - 1));
	} else {
		memset(file, 0, sizeof(file));
		half = (size - 1) / 2;
		if ((data[0] & 3) == 1) {
			put(file, 0, data + 1, size - 1);
		} else if ((data[0] & 3) == 2) {
			put(file, SLOT, data + 1, size - 1);
		} else {
			put(file, 0, data + 1, half);
			put(file, SLOT, data + 1 + half, size - 1 - half);
		}
		FUZZ_ASSERT(pwrite(fd, file, FILE_LEN, 0) == FILE_LEN);
	}
	ret = intel_lm_record_read(path, &e);
	FUZZ_ASSERT(ret == 0 || ret == -EBADMSG || ret == -ENOENT);
	if (!ret)
		check_entry(&e);
	return 0;
}
