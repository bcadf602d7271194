// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The effect table and the durable record: states after every command and effect, entries
 * written and read back, torn and corrupt slots, untrusted files and directories, and a
 * record that never grows.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include <libintel-lm-private.h>

#include "unit.h"

const char unit_name[] = "unit-record";

static char dir[] = "/tmp/intel-lm-record-XXXXXX";
static const struct intel_lm_pf_id pf = { .key = "pci-0000:3b:00.0", .pci = "0000:3b:00.0" };

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void setup(void)
{
	strcpy(dir, "/tmp/intel-lm-record-XXXXXX");
	if (!mkdtemp(dir))
		abort();
}

static void teardown(void)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

START_TEST(effect_of_returns)
{
	ck_assert_int_eq(intel_lm_effect_of(0), INTEL_LM_EFFECT_DONE);
	ck_assert_int_eq(intel_lm_effect_of(0x400c), INTEL_LM_EFFECT_NONE);
	ck_assert_int_eq(intel_lm_effect_of(0x4002), INTEL_LM_EFFECT_NONE);
	ck_assert_int_eq(intel_lm_effect_of(-EINVAL), INTEL_LM_EFFECT_NONE);
	ck_assert_int_eq(intel_lm_effect_of(-EACCES), INTEL_LM_EFFECT_NONE);
	ck_assert_int_eq(intel_lm_effect_of(-ECANCELED), INTEL_LM_EFFECT_NONE);
	ck_assert_int_eq(intel_lm_effect_of(-EINTR), INTEL_LM_EFFECT_UNKNOWN);
	ck_assert_int_eq(intel_lm_effect_of(-ETIMEDOUT), INTEL_LM_EFFECT_UNKNOWN);
	ck_assert_int_eq(intel_lm_effect_of(-EIO), INTEL_LM_EFFECT_UNKNOWN);
	ck_assert_int_eq(intel_lm_effect_of(-ENODEV), INTEL_LM_EFFECT_UNKNOWN);
	ck_assert_str_eq(intel_lm_effect_name(INTEL_LM_EFFECT_UNKNOWN), "unknown");
}
END_TEST

START_TEST(state_table)
{
	static const struct {
		enum intel_lm_vf_state prev;
		uint8_t opc;
		enum intel_lm_effect eff;
		enum intel_lm_vf_state want;
	} t[] = {
		{ INTEL_LM_VF_RUNNING, INTEL_LM_OPC_SUSPEND, INTEL_LM_EFFECT_DONE, INTEL_LM_VF_SUSPENDED },
		{ INTEL_LM_VF_RUNNING, INTEL_LM_OPC_SUSPEND, INTEL_LM_EFFECT_NONE, INTEL_LM_VF_RUNNING },
		{ INTEL_LM_VF_RUNNING, INTEL_LM_OPC_SUSPEND, INTEL_LM_EFFECT_UNKNOWN, INTEL_LM_VF_UNKNOWN },
		{ INTEL_LM_VF_SAVED, INTEL_LM_OPC_SUSPEND, INTEL_LM_EFFECT_DONE, INTEL_LM_VF_SAVED },
		{ INTEL_LM_VF_LOADED, INTEL_LM_OPC_SUSPEND, INTEL_LM_EFFECT_DONE, INTEL_LM_VF_LOADED },
		/* an unknown VF may be saved or loaded, which SUSPEND leaves as they are */
		{ INTEL_LM_VF_UNKNOWN, INTEL_LM_OPC_SUSPEND, INTEL_LM_EFFECT_DONE, INTEL_LM_VF_UNKNOWN },
		{ INTEL_LM_VF_SAVED, INTEL_LM_OPC_RESUME, INTEL_LM_EFFECT_DONE, INTEL_LM_VF_RUNNING },
		{ INTEL_LM_VF_UNKNOWN, INTEL_LM_OPC_RESUME, INTEL_LM_EFFECT_NONE, INTEL_LM_VF_UNKNOWN },
		{ INTEL_LM_VF_SUSPENDED, INTEL_LM_OPC_SAVE_DATA, INTEL_LM_EFFECT_DONE, INTEL_LM_VF_SAVED },
		{ INTEL_LM_VF_SUSPENDED, INTEL_LM_OPC_SAVE_DATA, INTEL_LM_EFFECT_UNKNOWN, INTEL_LM_VF_UNKNOWN },
		{ INTEL_LM_VF_SUSPENDED, INTEL_LM_OPC_LOAD_DATA, INTEL_LM_EFFECT_DONE, INTEL_LM_VF_LOADED },
		{ INTEL_LM_VF_SUSPENDED, INTEL_LM_OPC_LOAD_DATA, INTEL_LM_EFFECT_NONE, INTEL_LM_VF_SUSPENDED },
		{ INTEL_LM_VF_SUSPENDED, INTEL_LM_OPC_QUERY_DATA_SIZE, INTEL_LM_EFFECT_UNKNOWN, INTEL_LM_VF_SUSPENDED },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_msg(intel_lm_state_after(t[i].prev, t[i].opc, t[i].eff) == t[i].want,
			      "row %zu: %s after 0x%02x (%s) is %s", i,
			      intel_lm_vf_state_name(t[i].prev), t[i].opc,
			      intel_lm_effect_name(t[i].eff),
			      intel_lm_vf_state_name(intel_lm_state_after(t[i].prev, t[i].opc,
									   t[i].eff)));
	ck_assert_int_eq(intel_lm_vf_state_parse("saved"), INTEL_LM_VF_SAVED);
	ck_assert_int_eq(intel_lm_vf_state_parse("unchanged"), INTEL_LM_VF_STATES);
}
END_TEST

static void open_rec(struct intel_lm_record *rec, uint16_t vf)
{
	ck_assert_int_eq(intel_lm_record_open(dir, &pf, vf, rec), 0);
}

START_TEST(intent_outcome_round_trip)
{
	struct intel_lm_record rec;
	struct intel_lm_rec_entry e;

	open_rec(&rec, 3);
	ck_assert(!rec.existed);
	ck_assert_int_eq(rec.entry.state, INTEL_LM_VF_RUNNING);
	snprintf(rec.entry.device, sizeof(rec.entry.device), "/dev/nvme0");
	snprintf(rec.entry.state_file, sizeof(rec.entry.state_file), "/a b/%%c\nd");
	ck_assert_int_eq(intel_lm_record_begin(&rec, INTEL_LM_OPC_SUSPEND), 0);
	ck_assert_int_eq(intel_lm_record_read(rec.path, &e), 0);
	ck_assert_int_eq(e.pending, INTEL_LM_OPC_SUSPEND);
	ck_assert_int_eq(e.state, INTEL_LM_VF_RUNNING);
	ck_assert_int_eq(e.vf, 3);
	ck_assert_str_eq(e.state_file, "/a b/%c\nd");
	ck_assert_int_eq(e.pid, getpid());
	ck_assert_int_eq(intel_lm_record_end(&rec, INTEL_LM_OPC_SUSPEND, 0, 0), 0);
	ck_assert_int_eq(intel_lm_record_read(rec.path, &e), 0);
	ck_assert_int_eq(e.pending, 0);
	ck_assert_int_eq(e.state, INTEL_LM_VF_SUSPENDED);
	ck_assert_int_eq(e.seq, 2);
	ck_assert_str_eq(e.pf.key, pf.key);
	ck_assert_str_eq(e.device, "/dev/nvme0");
	ck_assert_int_eq(intel_lm_record_end(&rec, INTEL_LM_OPC_RESUME, -EINTR, 0), 0);
	ck_assert_int_eq(intel_lm_record_read(rec.path, &e), 0);
	ck_assert_int_eq(e.state, INTEL_LM_VF_UNKNOWN);
	ck_assert_int_eq(e.last_ret, -EINTR);
	intel_lm_record_close(&rec);
}
END_TEST

/* An entry names its boot; one that a reboot or a reset undid counts as unknown. */
START_TEST(boot_and_outlived)
{
	static const enum intel_lm_vf_state st[] = {
		INTEL_LM_VF_RUNNING, INTEL_LM_VF_SUSPENDED, INTEL_LM_VF_SAVED, INTEL_LM_VF_LOADED,
		INTEL_LM_VF_UNKNOWN,
	};
	struct intel_lm_record rec;
	struct intel_lm_rec_entry e;
	size_t i;

	open_rec(&rec, 5);
	ck_assert_int_eq(intel_lm_record_end(&rec, INTEL_LM_OPC_SUSPEND, 0, 0), 0);
	ck_assert_int_eq(intel_lm_record_read(rec.path, &e), 0);
	/* This boot's entry: its boot id is the host's, and it counts. */
	ck_assert_str_eq(e.boot_id, intel_lm_boot_id());
	ck_assert_int_eq(e.outlived, INTEL_LM_OUTLIVED_NO);
	ck_assert_int_eq(e.state, INTEL_LM_VF_SUSPENDED);
	intel_lm_record_close(&rec);
	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		memset(&e, 0, sizeof(e));
		e.state = st[i];
		ck_assert(!intel_lm_record_outlive(&e, INTEL_LM_OUTLIVED_NO));
		ck_assert_int_eq(intel_lm_record_outlive(&e, INTEL_LM_OUTLIVED_RESET),
				 st[i] != INTEL_LM_VF_RUNNING && st[i] != INTEL_LM_VF_UNKNOWN);
		ck_assert_int_eq(e.state, st[i] == INTEL_LM_VF_RUNNING ? INTEL_LM_VF_RUNNING :
				 INTEL_LM_VF_UNKNOWN);
		if (e.outlived)
			ck_assert_int_eq(e.outlived_state, st[i]);
		/* A command pending is undone as well, whatever the state. */
		memset(&e, 0, sizeof(e));
		e.state = st[i];
		e.pending = INTEL_LM_OPC_RESUME;
		ck_assert(intel_lm_record_outlive(&e, INTEL_LM_OUTLIVED_BOOT));
		ck_assert_int_eq(e.state, INTEL_LM_VF_UNKNOWN);
		ck_assert_int_eq(e.outlived, INTEL_LM_OUTLIVED_BOOT);
	}
	ck_assert_int_eq(intel_lm_vf_reset_seen(NULL), false);
	ck_assert(intel_lm_vf_reset_seen(&(struct intel_lm_vf){ .vf = 1 }));
	ck_assert(!intel_lm_vf_reset_seen(&(struct intel_lm_vf){ .vf = 1, .nvq = 2 }));
	ck_assert(!intel_lm_vf_reset_seen(&(struct intel_lm_vf){ .vf = 1, .online = true }));
}
END_TEST

/* A writer that finds a command pending: its process died with it in flight. */
START_TEST(pending_on_open_is_unknown)
{
	struct intel_lm_record rec;

	open_rec(&rec, 1);
	ck_assert_int_eq(intel_lm_record_begin(&rec, INTEL_LM_OPC_SAVE_DATA), 0);
	intel_lm_record_close(&rec);
	open_rec(&rec, 1);
	ck_assert(rec.existed);
	ck_assert_int_eq(rec.entry.state, INTEL_LM_VF_UNKNOWN);
	ck_assert_int_eq(rec.entry.last_opcode, INTEL_LM_OPC_SAVE_DATA);
	intel_lm_record_close(&rec);
}
END_TEST

/*
 * Whether an unknown VF may run (intel_lm_record_may_run()), and the operator's word on one
 * (intel_lm_record_confirm()): make soak seed 20263049 and e2e-rule cases 24 and 25.
 */
START_TEST(may_run_and_confirm)
{
	struct intel_lm_rec_entry e;
	uint32_t gen;

	/* A SUSPEND that failed last: refused as out of sequence, the VF runs nothing. */
	memset(&e, 0, sizeof(e));
	e.state = INTEL_LM_VF_UNKNOWN;
	e.last_opcode = INTEL_LM_OPC_SUSPEND;
	e.last_ret = 0;
	ck_assert(!intel_lm_record_may_run(&e));
	e.last_ret = 0x400c;
	ck_assert(!intel_lm_record_may_run(&e));
	e.last_ret = 0x000c;
	ck_assert(!intel_lm_record_may_run(&e));
	/* Any other failure says nothing of whether it runs. */
	e.last_ret = 0x4002;
	ck_assert(intel_lm_record_may_run(&e));
	e.last_ret = -EINTR;
	ck_assert(intel_lm_record_may_run(&e));
	/* A flag kept from an earlier doubt stands. */
	e.last_ret = 0x400c;
	e.may_run = 1;
	ck_assert(intel_lm_record_may_run(&e));

	/* Confirmed after a RESUME in doubt: what it may have run is one generation more. */
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(intel_lm_identity_new(&e.ident, pf.key, 1), 0);
	e.ident.gen = gen = 2;
	e.state = INTEL_LM_VF_UNKNOWN;
	e.pending = INTEL_LM_OPC_RESUME;
	intel_lm_record_confirm(&e, INTEL_LM_VF_SUSPENDED);
	ck_assert_int_eq(e.state, INTEL_LM_VF_SUSPENDED);
	ck_assert_uint_eq(e.ident.gen, gen + 1);
	ck_assert(!e.pending && !e.pending_then && !e.may_run);
	ck_assert(!intel_lm_record_may_run(&e));

	/* ... and so is a flag kept from it, confirmed running. */
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(intel_lm_identity_new(&e.ident, pf.key, 1), 0);
	e.state = INTEL_LM_VF_UNKNOWN;
	e.may_run = 1;
	intel_lm_record_confirm(&e, INTEL_LM_VF_RUNNING);
	ck_assert_int_eq(e.state, INTEL_LM_VF_RUNNING);
	ck_assert_uint_eq(e.ident.gen, 1);

	/* A SUSPEND in doubt of a VF that ran nothing before it: no newer generation. */
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(intel_lm_identity_new(&e.ident, pf.key, 1), 0);
	e.state = INTEL_LM_VF_UNKNOWN;
	e.pending = INTEL_LM_OPC_SUSPEND;
	e.idle_before = 1;
	intel_lm_record_confirm(&e, INTEL_LM_VF_SUSPENDED);
	ck_assert_uint_eq(e.ident.gen, 0);
}
END_TEST

/*
 * Only a RESUME that may have taken effect counts a newer generation: a SUSPEND in doubt of a
 * VF that ran leaves it running at most, at the generation it ran (make soak seed 20272180,
 * e2e-rule case 29).
 */
START_TEST(doubt_and_generation)
{
	struct intel_lm_record rec;

	open_rec(&rec, 1);
	ck_assert_int_eq(intel_lm_identity_new(&rec.entry.ident, pf.key, 1), 0);
	rec.entry.ident.gen = 1;
	rec.entry.state = INTEL_LM_VF_RUNNING;
	ck_assert_int_eq(intel_lm_record_begin(&rec, INTEL_LM_OPC_SUSPEND), 0);
	intel_lm_record_close(&rec);
	/* killed: it may still run, generation 1, and says so on disk too */
	open_rec(&rec, 1);
	ck_assert(intel_lm_record_may_run(&rec.entry));
	ck_assert(rec.entry.still_runs && !rec.entry.may_run);
	ck_assert_int_eq(intel_lm_record_write(&rec), 0);
	intel_lm_record_close(&rec);
	open_rec(&rec, 1);
	ck_assert(rec.entry.still_runs && intel_lm_record_may_run(&rec.entry));
	ck_assert_int_eq(intel_lm_record_begin(&rec, INTEL_LM_OPC_SUSPEND), 0);
	ck_assert_int_eq(intel_lm_record_end(&rec, INTEL_LM_OPC_SUSPEND, 0, 0), 0);
	ck_assert_uint_eq(rec.entry.ident.gen, 1);
	ck_assert(!rec.entry.still_runs && !intel_lm_record_may_run(&rec.entry));
	/* a RESUME in doubt: the SUSPEND that follows counts the generation it may have run */
	ck_assert_int_eq(intel_lm_record_begin(&rec, INTEL_LM_OPC_RESUME), 0);
	intel_lm_record_close(&rec);
	open_rec(&rec, 1);
	ck_assert(rec.entry.may_run);
	ck_assert_int_eq(intel_lm_record_begin(&rec, INTEL_LM_OPC_SUSPEND), 0);
	ck_assert_int_eq(intel_lm_record_end(&rec, INTEL_LM_OPC_SUSPEND, 0, 0), 0);
	ck_assert_uint_eq(rec.entry.ident.gen, 2);
	intel_lm_record_close(&rec);
}
END_TEST

/*
 * A migration's source found with its SUSPEND and SAVE_DATA intent is a SUSPEND in doubt, as
 * the same intent of a single command: its rollback never resumes it off the record (its
 * RESUME is not sent when its intent cannot be written), so it ran no newer generation than a
 * copy taken (make soak seed 20273065, e2e-rule cases 30 and 31).
 */
START_TEST(migrate_source_in_doubt)
{
	struct intel_lm_record rec;
	int i;

	for (i = 0; i < 2; i++) {
		open_rec(&rec, 2);
		ck_assert_int_eq(intel_lm_identity_new(&rec.entry.ident, pf.key, 2), 0);
		rec.entry.ident.gen = 1;
		rec.entry.state = INTEL_LM_VF_RUNNING;
		rec.entry.op = i ? INTEL_LM_OP_MIGRATE : INTEL_LM_OP_SINGLE;
		rec.entry.role = i ? INTEL_LM_ROLE_SOURCE : INTEL_LM_ROLE_NONE;
		rec.entry.op_open = true;
		rec.entry.pending = INTEL_LM_OPC_SUSPEND;
		rec.entry.pending_then = INTEL_LM_OPC_SAVE_DATA;
		ck_assert_int_eq(intel_lm_record_write(&rec), 0);
		intel_lm_record_close(&rec);
		open_rec(&rec, 2);
		ck_assert_int_eq(rec.entry.state, INTEL_LM_VF_UNKNOWN);
		ck_assert(intel_lm_record_may_run(&rec.entry));
		ck_assert_int_eq(rec.entry.may_run, 0);
		ck_assert_int_eq(intel_lm_record_begin(&rec, INTEL_LM_OPC_SUSPEND), 0);
		ck_assert_int_eq(intel_lm_record_end(&rec, INTEL_LM_OPC_SUSPEND, 0, 0), 0);
		ck_assert_uint_eq(rec.entry.ident.gen, 1);
		intel_lm_record_close(&rec);
		unlink(rec.path);
	}
}
END_TEST

/* A second LOAD_DATA into a VF that holds one of two states: the one no longer named is kept
 * in so many words (load_lost), on disk too, until a LOAD_DATA takes effect. */
START_TEST(second_load_in_doubt)
{
	struct intel_lm_identity x, y;
	struct intel_lm_record rec;

	ck_assert_int_eq(intel_lm_identity_new(&x, "pci-0000:3b:00.0", 2), 0);
	ck_assert_int_eq(intel_lm_identity_new(&y, "pci-0000:3b:00.0", 3), 0);
	open_rec(&rec, 1);
	ck_assert_int_eq(intel_lm_identity_new(&rec.entry.ident, pf.key, 1), 0);
	rec.entry.state = INTEL_LM_VF_SUSPENDED;
	intel_lm_record_loading(&rec, &x);
	ck_assert(!rec.entry.load_lost);
	ck_assert_int_eq(intel_lm_record_begin(&rec, INTEL_LM_OPC_LOAD_DATA), 0);
	intel_lm_record_close(&rec);
	/* killed: the first LOAD_DATA is in doubt; a second one begins */
	open_rec(&rec, 1);
	ck_assert(intel_lm_identity_same(&rec.entry.load_ident, &x));
	intel_lm_record_loading(&rec, &y);
	ck_assert(rec.entry.load_lost);
	ck_assert(intel_lm_identity_same(&rec.entry.load_ident, &y));
	ck_assert_int_eq(intel_lm_record_begin(&rec, INTEL_LM_OPC_LOAD_DATA), 0);
	intel_lm_record_close(&rec);
	open_rec(&rec, 1);
	ck_assert(rec.entry.load_lost);
	/* refused: it holds what it held, perhaps the state no longer named */
	ck_assert_int_eq(intel_lm_record_end(&rec, INTEL_LM_OPC_LOAD_DATA, 0x400c, 0), 0);
	ck_assert(rec.entry.load_lost);
	/* took effect: it holds the loaded state, and nothing else */
	intel_lm_record_loading(&rec, &y);
	ck_assert_int_eq(intel_lm_record_end(&rec, INTEL_LM_OPC_LOAD_DATA, 0, 0), 0);
	ck_assert(!rec.entry.load_lost);
	ck_assert(intel_lm_identity_same(&rec.entry.ident, &y));
	intel_lm_record_close(&rec);
}
END_TEST

static void flip(const char *path, off_t at)
{
	int fd = open(path, O_RDWR);
	unsigned char c;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &c, 1, at), 1);
	c ^= 0x5a;
	ck_assert_int_eq(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

START_TEST(torn_and_corrupt)
{
	struct intel_lm_record rec;
	struct intel_lm_rec_entry e;

	open_rec(&rec, 2);
	ck_assert_int_eq(intel_lm_record_end(&rec, INTEL_LM_OPC_SUSPEND, 0, 0), 0);	/* seq 1 */
	ck_assert_int_eq(intel_lm_record_end(&rec, INTEL_LM_OPC_SAVE_DATA, 0, 0), 0);	/* seq 2 */
	intel_lm_record_close(&rec);
	/* Entry 2 is in slot 0: torn, so entry 1 (suspended) stands. */
	flip(rec.path, 200);
	ck_assert_int_eq(intel_lm_record_read(rec.path, &e), 0);
	ck_assert_int_eq(e.seq, 1);
	ck_assert_int_eq(e.state, INTEL_LM_VF_SUSPENDED);
	/* Both torn: nothing is trusted. */
	flip(rec.path, 8192 + 200);
	ck_assert_int_eq(intel_lm_record_read(rec.path, &e), -EBADMSG);
	ck_assert_int_eq(intel_lm_record_open(dir, &pf, 2, &rec), -EBADMSG);
	ck_assert_int_eq(rec.entry.state, INTEL_LM_VF_UNKNOWN);
	/* The next write replaces it. */
	ck_assert_int_eq(intel_lm_record_end(&rec, INTEL_LM_OPC_RESUME, 0, 0), 0);
	intel_lm_record_close(&rec);
	ck_assert_int_eq(intel_lm_record_read(rec.path, &e), 0);
	ck_assert_int_eq(e.state, INTEL_LM_VF_RUNNING);
	/* A valid entry in the slot its number does not belong to is not trusted either: the
	 * next write would overwrite it as if it were the older one. */
	{
		char buf[8192];
		int fd = open(rec.path, O_RDWR);

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(pread(fd, buf, sizeof(buf), 8192), (ssize_t)sizeof(buf));
		ck_assert_int_eq(pwrite(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
		close(fd);
		ck_assert_int_eq(intel_lm_record_read(rec.path, &e), 0);
		flip(rec.path, 8192 + 200);
		ck_assert_int_eq(intel_lm_record_read(rec.path, &e), -EBADMSG);
	}
	/* A header that lies about its length, and a truncated file. */
	flip(rec.path, 26);
	flip(rec.path, 8192 + 26);
	ck_assert_int_eq(intel_lm_record_read(rec.path, &e), -EBADMSG);
	ck_assert_int_eq(truncate(rec.path, 100), 0);
	ck_assert_int_eq(intel_lm_record_read(rec.path, &e), -EBADMSG);
}
END_TEST

/*
 * Slot @slot of @path with the body line starting @key replaced by @line, and a header (length,
 * CRC) that agrees: what a writer of another version, or a forger, could leave.
 */
static void rewrite_line(const char *path, int slot, const char *key, const char *line)
{
	char buf[8192], body[8192], hdr[40];
	size_t blen, klen = strlen(key), n = 0;
	char *p, *end, *nl;
	unsigned long crc;
	int fd = open(path, O_RDWR);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, sizeof(buf), slot * 8192), (ssize_t)sizeof(buf));
	blen = strtoul(buf + 25, NULL, 16);
	for (p = buf + 39, end = p + blen; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		ck_assert_ptr_nonnull(nl);
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			n += (size_t)sprintf(body + n, "%s\n", line);
			continue;
		}
		memcpy(body + n, p, (size_t)(nl + 1 - p));
		n += (size_t)(nl + 1 - p);
	}
	snprintf(hdr, sizeof(hdr), "%.24s %04zx ", buf, n);
	crc = crc32(crc32(0L, (const Bytef *)hdr, 30), (const Bytef *)body, (uInt)n);
	snprintf(hdr + 30, sizeof(hdr) - 30, "%08lx\n", crc & 0xffffffffUL);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, hdr, 39);
	memcpy(buf + 39, body, n);
	ck_assert_int_eq(pwrite(fd, buf, sizeof(buf), slot * 8192), (ssize_t)sizeof(buf));
	close(fd);
}

/*
 * Numbers and headers are read only in the form the writer gives them: an entry with any other
 * (a sign, a space, a leading zero past 19 digits, a value out of its field's range, capital
 * hex) is not trusted, and the entry before it stands; the extremes of a range are kept.
 */
START_TEST(values_as_written)
{
	static const struct {
		const char *key, *line;
		bool ok;
	} t[] = {
		{ "last_ret", "last_ret=-2147483648", true },
		{ "last_ret", "last_ret=2147483647", true },
		{ "since", "since=9223372036854775807", true },
		{ "state_crc", "state_crc=4294967295", true },
		{ "last_ret", "last_ret=-2147483649", false },
		{ "state_crc", "state_crc=4294967296", false },
		{ "since", "since=9223372036854775808", false },
		{ "since", "since=18446744073709551616", false },
		{ "since", "since=-1", false },
		{ "since", "since=+5", false },
		{ "since", "since= 5", false },
		{ "since", "since=5 ", false },
		{ "since", "since=", false },
		{ "since", "since=-", false },
		{ "since", "since=00000000000000000005", false },
		{ "vf", "vf=0", false },
		{ "vf", "vf=65536", false },
		{ "state", "state=Saved", false },
		{ "state_file", "state_file=%2", false },
		{ "state_file", "state_file=%zz", false },
		{ "state_file", "state_file=a%00b", false },
		{ "peer_vf", "peer_vf=0x1", false },
	};
	struct intel_lm_record rec;
	struct intel_lm_rec_entry e;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (i)
			unlink(rec.path);
		open_rec(&rec, 7);
		/* Entries 1 suspended (slot 1), 2 saved (slot 0), 3 running (slot 1): 3 changed. */
		ck_assert_int_eq(intel_lm_record_end(&rec, INTEL_LM_OPC_SUSPEND, 0, 0), 0);
		ck_assert_int_eq(intel_lm_record_end(&rec, INTEL_LM_OPC_SAVE_DATA, 0, 0), 0);
		ck_assert_int_eq(intel_lm_record_end(&rec, INTEL_LM_OPC_RESUME, 0, 0), 0);
		intel_lm_record_close(&rec);
		rewrite_line(rec.path, 1, t[i].key, t[i].line);
		ck_assert_int_eq(intel_lm_record_read(rec.path, &e), 0);
		ck_assert_msg(e.state == (t[i].ok ? INTEL_LM_VF_RUNNING : INTEL_LM_VF_SAVED),
			      "'%s': read as %s", t[i].line, intel_lm_vf_state_name(e.state));
		if (i == 0)
			ck_assert_int_eq(e.last_ret, INT32_MIN);
		if (i == 2)
			ck_assert_int_eq(e.since, INT64_MAX);
	}
	/* The header's hex in capitals: the same entry, not trusted. */
	{
		int fd = open(rec.path, O_RDWR);
		char hdr[39];

		ck_assert_int_ge(fd, 0);
		rewrite_line(rec.path, 1, "peer_vf", "peer_vf=0");	/* the last row's, undone */
		ck_assert_int_eq(intel_lm_record_read(rec.path, &e), 0);
		ck_assert_int_eq(e.state, INTEL_LM_VF_RUNNING);
		ck_assert_int_eq(pread(fd, hdr, sizeof(hdr), 8192), (ssize_t)sizeof(hdr));
		for (i = 8; i < 38; i++)
			if (hdr[i] >= 'a' && hdr[i] <= 'f')
				break;
		ck_assert_uint_lt(i, 38);	/* a sequence, length or CRC with a letter in it */
		hdr[i] = (char)(hdr[i] - 'a' + 'A');
		ck_assert_int_eq(pwrite(fd, hdr, sizeof(hdr), 8192), (ssize_t)sizeof(hdr));
		close(fd);
		ck_assert_int_eq(intel_lm_record_read(rec.path, &e), 0);
		ck_assert_int_eq(e.state, INTEL_LM_VF_SAVED);
	}
}
END_TEST

START_TEST(never_grows)
{
	struct intel_lm_record rec;
	struct stat st;
	int i;

	open_rec(&rec, 4);
	for (i = 0; i < 500; i++)
		ck_assert_int_eq(intel_lm_record_end(&rec, i % 2 ? INTEL_LM_OPC_RESUME :
						     INTEL_LM_OPC_SUSPEND, 0, 0), 0);
	ck_assert_int_eq(fstat(rec.fd, &st), 0);
	ck_assert_int_eq(st.st_size, 16384);
	intel_lm_record_close(&rec);
}
END_TEST

START_TEST(untrusted_files_and_dirs)
{
	struct intel_lm_record rec;
	struct intel_lm_rec_entry e;
	enum intel_lm_dir_problem why;
	char path[PATH_MAX], sub[PATH_MAX];

	ck_assert_int_eq(intel_lm_record_path(dir, pf.key, 5, path, sizeof(path)), 0);
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);
	ck_assert_int_eq(intel_lm_record_open(dir, &pf, 5, &rec), -ELOOP);
	ck_assert_int_eq(intel_lm_record_read(path, &e), -ELOOP);
	unlink(path);
	ck_assert_int_eq(close(open(path, O_CREAT | O_WRONLY, 0666)), 0);
	ck_assert_int_eq(chmod(path, 0666), 0);
	ck_assert_int_eq(intel_lm_record_open(dir, &pf, 5, &rec), -EPERM);
	unlink(path);

	ck_assert_int_eq(intel_lm_own_dir(dir, false, &why), 0);
	snprintf(sub, sizeof(sub), "%s/new/state", dir);
	ck_assert_int_eq(intel_lm_own_dir(sub, false, &why), -ENOENT);
	ck_assert_int_eq(intel_lm_own_dir(sub, true, &why), 0);
	ck_assert_int_eq(chmod(sub, 0777), 0);
	ck_assert_int_eq(intel_lm_own_dir(sub, false, &why), -EPERM);
	ck_assert_int_eq(why, INTEL_LM_DIR_WRITABLE);
	snprintf(path, sizeof(path), "%s/link", dir);
	ck_assert_int_eq(symlink(sub, path), 0);
	ck_assert_int_eq(intel_lm_own_dir(path, false, &why), -ELOOP);
	ck_assert_int_eq(why, INTEL_LM_DIR_SYMLINK);
	if (geteuid() == 0) {
		ck_assert_int_eq(chmod(sub, 0700), 0);
		ck_assert_int_eq(chown(sub, 65534, 65534), 0);
		ck_assert_int_eq(intel_lm_own_dir(sub, false, &why), -EPERM);
		ck_assert_int_eq(why, INTEL_LM_DIR_FOREIGN);
	}
}
END_TEST

START_TEST(list_and_names)
{
	struct intel_lm_record rec;
	struct intel_lm_pf_id odd = { .key = "sn-a/b c-cntlid-1" };
	char **paths;
	size_t n;

	open_rec(&rec, 7);
	intel_lm_record_close(&rec);
	ck_assert_int_eq(intel_lm_record_open(dir, &odd, 1, &rec), 0);
	ck_assert_ptr_nonnull(strstr(rec.path, "/sn-a_b_c-cntlid-1-vf1.rec"));
	intel_lm_record_close(&rec);
	ck_assert_int_eq(intel_lm_record_list(dir, &paths, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_ptr_nonnull(strstr(paths[0], "pci-0000:3b:00.0-vf7.rec"));
	intel_lm_record_list_free(paths, n);
	ck_assert_int_eq(intel_lm_record_list("/nonexistent/intel-lm", &paths, &n), 0);
	ck_assert_int_eq(n, 0);
}
END_TEST

/* A saved VF's state kept elsewhere: in the VF a finished migration moved it to, or a file. */
START_TEST(state_kept)
{
	struct intel_lm_rec_entry e = { .state = INTEL_LM_VF_SAVED, .state_size = 4 };
	char path[PATH_MAX];
	int fd;

	ck_assert(!intel_lm_record_state_kept(&e));		/* in no file, ran nowhere */
	e.op = INTEL_LM_OP_MIGRATE;
	e.role = INTEL_LM_ROLE_SOURCE;
	ck_assert(intel_lm_record_state_kept(&e));		/* a finished migration's source */
	e.op_open = true;
	ck_assert(!intel_lm_record_state_kept(&e));		/* ... not one that is open */
	e.op_open = false;
	e.role = INTEL_LM_ROLE_DESTINATION;
	ck_assert(!intel_lm_record_state_kept(&e));
	e.op = INTEL_LM_OP_SINGLE;
	snprintf(path, sizeof(path), "%s/state.blob", dir);
	snprintf(e.state_file, sizeof(e.state_file), "%s", path);
	ck_assert(!intel_lm_record_state_kept(&e));		/* a file that is not there */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "abc", 3), 3);
	ck_assert(!intel_lm_record_state_kept(&e));		/* shorter than the state */
	ck_assert_int_eq(write(fd, "d", 1), 1);
	close(fd);
	ck_assert(intel_lm_record_state_kept(&e));
	e.state_file_temporary = true;
	ck_assert(!intel_lm_record_state_kept(&e));		/* a safety copy */
	e.state_file_temporary = false;
	e.pending = INTEL_LM_OPC_RESUME;
	ck_assert(!intel_lm_record_state_kept(&e));		/* something in flight */
	e.pending = 0;
	e.state = INTEL_LM_VF_SUSPENDED;
	ck_assert(!intel_lm_record_state_kept(&e));		/* not saved */
}
END_TEST

/* The record's and the lock's file names: the exact room they need, and not a byte less. */
START_TEST(path_room)
{
	static const struct {
		int (*path)(const char *dir, const char *pf_key, uint16_t vf, char *path,
			    size_t len);
		const char *want, *dflt;
	} t[] = {
		{ intel_lm_record_path, "/d/sn-a_b-cntlid-1-vf65535.rec",
		  INTEL_LM_STATE_DIR "/pci-0000:3b:00.0-vf1.rec" },
		{ intel_lm_lock_path, "/d/sn-a_b-cntlid-1-vf65535.lock",
		  INTEL_LM_LOCK_DIR "/pci-0000:3b:00.0-vf1.lock" },
	};
	char path[64];
	size_t i, room;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		room = strlen(t[i].want) + 1;
		ck_assert_int_eq(t[i].path("/d", "sn-a/b-cntlid-1", 65535, path, room), 0);
		ck_assert_str_eq(path, t[i].want);
		ck_assert_int_eq(t[i].path("/d", "sn-a/b-cntlid-1", 65535, path, room - 1),
				 -ENAMETOOLONG);
		ck_assert_str_eq(path, "");
		/* No directory, or an empty one: the default. */
		ck_assert_int_eq(t[i].path(i ? "" : NULL, "pci-0000:3b:00.0", 1, path,
					   sizeof(path)), 0);
		ck_assert_str_eq(path, t[i].dflt);
	}
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create(unit_name);
	TCase *tc = tcase_create("effect");

	tcase_add_test(tc, effect_of_returns);
	tcase_add_test(tc, state_table);
	suite_add_tcase(s, tc);
	tc = tcase_create("record");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, intent_outcome_round_trip);
	tcase_add_test(tc, pending_on_open_is_unknown);
	tcase_add_test(tc, may_run_and_confirm);
	tcase_add_test(tc, doubt_and_generation);
	tcase_add_test(tc, migrate_source_in_doubt);
	tcase_add_test(tc, second_load_in_doubt);
	tcase_add_test(tc, boot_and_outlived);
	tcase_add_test(tc, torn_and_corrupt);
	tcase_add_test(tc, values_as_written);
	tcase_add_test(tc, never_grows);
	tcase_add_test(tc, untrusted_files_and_dirs);
	tcase_add_test(tc, list_and_names);
	tcase_add_test(tc, path_room);
	tcase_add_test(tc, state_kept);
	suite_add_tcase(s, tc);
	return s;
}
