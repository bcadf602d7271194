// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The library's claim (intel-lm/claim.h) against the emulated PF, as a program that links
 * libintel-lm uses it: the VF's lock, its record, each command through the record and the one
 * rule, exactly once. Each test runs in its own process (CK_FORK) with its own directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <libintel-lm-private.h>

#include "emu.h"
#include "unit.h"

const char unit_name[] = "unit-claim";

static char dir[PATH_MAX];
static char sysfs[PATH_MAX + 8], state_dir[PATH_MAX + 8], lock_dir[PATH_MAX + 8];

static void setup(void)
{
	char conf[PATH_MAX + 16];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/intel-lm-claim-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sysfs, sizeof(sysfs), "%s/sys", dir);
	snprintf(state_dir, sizeof(state_dir), "%s/state", dir);
	snprintf(lock_dir, sizeof(lock_dir), "%s/locks", dir);
	snprintf(conf, sizeof(conf), "%s/emu.conf", dir);
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "trace = trace.log\nsysfs = sys\n[pf nvme0]\nvfs = 4\n");
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(setenv("INTEL_LM_EMU", conf, 1), 0);
	ck_assert_int_eq(emu_reload(), 0);
	ck_assert_int_eq(emu_setup(), 0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Each test's directory goes with it. */
static void teardown(void)
{
	if (dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct intel_lm_pf *open_pf(void)
{
	struct intel_lm_pf *pf;

	ck_assert_int_eq(intel_lm_pf_open("/dev/nvme0", sysfs, &pf, NULL, NULL), 0);
	ck_assert_int_eq(intel_lm_pf_identify(pf, NULL), 0);
	return pf;
}

static struct intel_lm_claim *claim_out(struct intel_lm_pf *pf, uint16_t vf, const char *output)
{
	struct intel_lm_claim_opts o = {
		.size = sizeof(o), .state_dir = state_dir, .lock_dir = lock_dir, .what = "unit",
		.output = output,
	};
	enum intel_lm_claim_step step;
	struct intel_lm_claim *cl;

	ck_assert_int_eq(intel_lm_claim_vf(pf, vf, &o, &cl, &step, NULL, 0), 0);
	return cl;
}

static struct intel_lm_claim *claim(struct intel_lm_pf *pf, uint16_t vf)
{
	return claim_out(pf, vf, NULL);
}

static enum emu_vf_state emu_state(uint16_t vf)
{
	struct emu_vf_info info;

	ck_assert_int_eq(emu_vf_show("nvme0", vf, &info), 0);
	return info.state;
}

/* Save VF @vf through a claim into DIR/vfN.blob; its record then names the file. */
static void save_vf(struct intel_lm_pf *pf, uint16_t vf)
{
	struct intel_lm_claim *cl;
	struct intel_lm_outfile *out;
	struct intel_lm_sent s;
	char path[PATH_MAX + 32];
	uint32_t crc = 0;
	void *buf;

	snprintf(path, sizeof(path), "%s/vf%u.blob", dir, vf);
	/* The output is claimed with the VF: its name is checked before anything is sent. */
	cl = claim_out(pf, vf, path);
	ck_assert_int_eq(intel_lm_outfile_open(&out, path, false), 0);
	ck_assert_int_eq(intel_lm_claim_send(cl, INTEL_LM_OPC_SUSPEND, NULL, 0, NULL, false, NULL,
					     &s), 0);
	ck_assert(s.sent);
	ck_assert_int_eq(intel_lm_claim_send(cl, INTEL_LM_OPC_QUERY_DATA_SIZE, NULL, 0, NULL,
					     false, NULL, &s), 0);
	ck_assert_uint_gt(s.result, 0);
	buf = intel_lm_state_alloc(s.result);
	ck_assert_int_eq(intel_lm_claim_send(cl, INTEL_LM_OPC_SAVE_DATA, buf, s.result, NULL,
					     false, NULL, NULL), 0);
	/* SAVE_DATA gave the state an identity, which the blob carries. */
	ck_assert(intel_lm_identity_is_set(&intel_lm_claim_record(cl)->entry.ident));
	ck_assert_int_eq(intel_lm_blob_write_state(out, intel_lm_pf_info(pf), vf,
						   &intel_lm_claim_record(cl)->entry.ident, buf,
						   s.result, &crc), 0);
	intel_lm_outfile_free(out);
	ck_assert_int_eq(intel_lm_claim_saved(cl, path, s.result, crc), 0);
	ck_assert_str_eq(intel_lm_claim_record(cl)->entry.state_file, path);
	intel_lm_state_free(buf, s.result);
	intel_lm_claim_release(cl);
}

/* The state save_vf() put in DIR/vfN.blob: its header in @hdr, its payload returned. */
static void *read_blob(uint16_t vf, struct intel_lm_blob_hdr *hdr)
{
	char path[PATH_MAX + 32];
	void *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/vf%u.blob", dir, vf);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(intel_lm_blob_read(fd, 1 << 20, hdr, &buf), 0);
	close(fd);
	return buf;
}

/* A PF whose VF @vf was saved (setup() first): the state, its header in @hdr. */
static void *saved_state(struct intel_lm_pf **pf, uint16_t vf, struct intel_lm_blob_hdr *hdr)
{
	setup();
	*pf = open_pf();
	save_vf(*pf, vf);
	return read_blob(vf, hdr);
}

START_TEST(save_goes_on_record)
{
	struct intel_lm_pf *pf;
	struct intel_lm_rec_entry e;
	char rec[PATH_MAX + 32];

	setup();
	pf = open_pf();
	save_vf(pf, 2);
	ck_assert_int_eq(emu_state(2), EMU_VF_SAVED);
	ck_assert_int_eq(intel_lm_record_path(state_dir, intel_lm_pf_id(pf)->key, 2, rec,
					      sizeof(rec)), 0);
	ck_assert_int_eq(intel_lm_record_read(rec, &e), 0);
	ck_assert_int_eq(e.state, INTEL_LM_VF_SAVED);
	ck_assert_int_eq(e.pending, 0);
	ck_assert(intel_lm_identity_same(&e.ident, &e.file_ident));
	ck_assert_str_eq(e.ident.origin, intel_lm_pf_id(pf)->key);
	ck_assert_int_eq(e.ident.origin_vf, 2);
	ck_assert_str_eq(e.serial, intel_lm_pf_info(pf)->sn);
	ck_assert_str_eq(e.device, "/dev/nvme0");
	intel_lm_pf_close(pf);
}
END_TEST

/* The state moves to VF 3 and runs there: VF 2's RESUME is refused, and never sent. */
START_TEST(resume_of_a_moved_state_is_refused)
{
	struct intel_lm_claim *cl;
	struct intel_lm_blob_hdr hdr;
	struct intel_lm_pf *pf;
	struct intel_lm_sent s;
	void *buf;
	int ret, before;

	buf = saved_state(&pf, 2, &hdr);
	cl = claim(pf, 3);
	ck_assert_int_eq(intel_lm_claim_send(cl, INTEL_LM_OPC_SUSPEND, NULL, 0, NULL, false, NULL,
					     NULL), 0);
	/* LOAD_DATA needs the state's identity. */
	ck_assert_int_eq(intel_lm_claim_send(cl, INTEL_LM_OPC_LOAD_DATA, buf, hdr.payload_len,
					     NULL, false, NULL, &s), -EINVAL);
	ck_assert(!s.sent);
	ck_assert_int_eq(intel_lm_claim_send(cl, INTEL_LM_OPC_LOAD_DATA, buf, hdr.payload_len,
					     &hdr.ident, false, NULL, &s), 0);
	ck_assert(s.sent);
	ck_assert_int_eq(intel_lm_claim_send(cl, INTEL_LM_OPC_RESUME, NULL, 0, NULL, false, NULL,
					     NULL), 0);
	ck_assert_uint_eq(intel_lm_claim_record(cl)->entry.ident.gen, hdr.ident.gen + 1);
	intel_lm_claim_release(cl);
	intel_lm_state_free(buf, hdr.payload_len);

	before = emu_counter("nvme0", INTEL_LM_OPC_RESUME);
	cl = claim(pf, 2);
	ret = intel_lm_claim_send(cl, INTEL_LM_OPC_RESUME, NULL, 0, NULL, false, NULL, &s);
	ck_assert_int_eq(ret, -EBUSY);
	ck_assert(!s.sent);
	ck_assert_int_eq(s.verdict.reason, INTEL_LM_REASON_RUNS_ELSEWHERE);
	ck_assert_ptr_nonnull(s.verdict.other);
	ck_assert_int_eq(s.verdict.other->vf, 3);
	ck_assert_int_eq(emu_counter("nvme0", INTEL_LM_OPC_RESUME), before);
	ck_assert_int_eq(emu_state(2), EMU_VF_SAVED);
	/* Nothing pending on record: the refusal wrote nothing. */
	ck_assert_int_eq(intel_lm_claim_record(cl)->entry.pending, 0);
	/* --force: the operator's word. */
	ck_assert_int_eq(intel_lm_claim_send(cl, INTEL_LM_OPC_RESUME, NULL, 0, NULL, true, NULL,
					     &s), 0);
	ck_assert(s.sent);
	ck_assert_int_eq(emu_state(2), EMU_VF_RUNNING);
	intel_lm_claim_release(cl);
	intel_lm_pf_close(pf);
}
END_TEST

/*
 * A program that saves into a file whose name the record cannot hold is refused when it claims
 * the VF, before anything is sent: no SUSPEND, no SAVE_DATA, no record written. Before, the
 * refusal came from intel_lm_claim_saved(), after SAVE_DATA had left the VF saved.
 */
START_TEST(output_too_long_is_refused_before_anything_is_sent)
{
	static const uint8_t opcodes[] = {
		INTEL_LM_OPC_QUERY_DATA_SIZE, INTEL_LM_OPC_SUSPEND, INTEL_LM_OPC_RESUME,
		INTEL_LM_OPC_SAVE_DATA, INTEL_LM_OPC_LOAD_DATA,
	};
	struct intel_lm_claim_opts o = {
		.size = sizeof(o), .state_dir = state_dir, .lock_dir = lock_dir, .what = "unit",
	};
	char path[PATH_MAX], rec[PATH_MAX + 32];
	enum intel_lm_claim_step step;
	struct intel_lm_claim *cl = NULL;
	struct intel_lm_pf *pf;
	int before[5], i, n;

	setup();
	pf = open_pf();
	/* Five directories of 200 bytes: a path of about 1,050 bytes, room for 1,023. */
	n = snprintf(path, sizeof(path), "%s", dir);
	for (i = 0; i < 5; i++)
		n += snprintf(path + n, sizeof(path) - n, "/%0200d", i);
	snprintf(path + n, sizeof(path) - n, "/vf2.blob");
	ck_assert_uint_ge(strlen(path), INTEL_LM_REC_PATH_LEN);
	for (i = 0; i < 5; i++)
		before[i] = emu_counter("nvme0", opcodes[i]);
	o.output = path;
	ck_assert_int_eq(intel_lm_claim_vf(pf, 2, &o, &cl, &step, NULL, 0), -ENAMETOOLONG);
	ck_assert_int_eq(step, INTEL_LM_CLAIM_OUTPUT);
	ck_assert_ptr_null(cl);
	/* The emulator's count of each of the five commands: none reached the PF. */
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(emu_counter("nvme0", opcodes[i]), before[i]);
	ck_assert_int_eq(emu_state(2), EMU_VF_RUNNING);
	ck_assert_int_eq(intel_lm_record_path(state_dir, intel_lm_pf_id(pf)->key, 2, rec,
					      sizeof(rec)), 0);
	ck_assert_int_eq(access(rec, F_OK), -1);
	/* A name that fits is taken, made absolute. */
	ck_assert_int_eq(chdir(dir), 0);
	o.output = "vf2.blob";
	ck_assert_int_eq(intel_lm_claim_vf(pf, 2, &o, &cl, &step, NULL, 0), 0);
	intel_lm_claim_release(cl);
	intel_lm_pf_close(pf);
}
END_TEST

/* A VF claimed by one holder cannot be claimed again; the holder says who. */
START_TEST(claim_is_exclusive)
{
	struct intel_lm_claim_opts o = {
		.size = sizeof(o), .state_dir = state_dir, .lock_dir = lock_dir, .what = "second",
	};
	enum intel_lm_claim_step step;
	struct intel_lm_claim *cl, *again = NULL;
	struct intel_lm_pf *pf;
	char holder[256] = "";

	setup();
	pf = open_pf();
	cl = claim(pf, 1);
	ck_assert_int_eq(intel_lm_claim_vf(pf, 1, &o, &again, &step, holder, sizeof(holder)),
			 -EWOULDBLOCK);
	ck_assert_ptr_null(again);
	ck_assert_int_eq(step, INTEL_LM_CLAIM_LOCK);
	ck_assert_str_eq(holder, "unit");
	intel_lm_claim_release(cl);
	ck_assert_int_eq(intel_lm_claim_vf(pf, 1, &o, &again, &step, NULL, 0), 0);
	intel_lm_claim_release(again);
	intel_lm_pf_close(pf);
}
END_TEST

/*
 * A batch's claims (with a group of late fdatasyncs): each outcome is in the record as soon as
 * intel_lm_claim_send() returns, the VF's lock is free once released, and the group's wait
 * reports no error when every fdatasync succeeded. A claim without the group is unchanged.
 */
START_TEST(batch_outcomes_are_synced_late)
{
	struct intel_lm_claim_opts o = {
		.size = sizeof(o), .state_dir = state_dir, .lock_dir = lock_dir, .what = "batch",
	};
	enum intel_lm_claim_step step;
	struct intel_lm_syncs *syncs;
	struct intel_lm_claim *cl;
	struct intel_lm_rec_entry e;
	struct intel_lm_pf *pf;
	struct intel_lm_sent s;
	char rec[PATH_MAX + 32];
	int err[3] = { 0 };
	uint16_t vf;

	setup();
	pf = open_pf();
	ck_assert_int_eq(intel_lm_syncs_new(2, &syncs), 0);
	o.syncs = syncs;
	for (vf = 1; vf <= 3; vf++) {
		ck_assert_int_eq(intel_lm_claim_vf(pf, vf, &o, &cl, &step, NULL, 0), 0);
		ck_assert_int_eq(intel_lm_claim_send(cl, INTEL_LM_OPC_SUSPEND, NULL, 0, NULL, false,
						     NULL, &s), 0);
		ck_assert(s.sent);
		ck_assert_int_eq(s.record_ret, 0);
		/* The outcome is in the file before it is durable: any reader sees it. */
		ck_assert_int_eq(intel_lm_record_path(state_dir, intel_lm_pf_id(pf)->key, vf, rec,
						      sizeof(rec)), 0);
		ck_assert_int_eq(intel_lm_record_read(rec, &e), 0);
		ck_assert_int_eq(e.state, INTEL_LM_VF_SUSPENDED);
		ck_assert_int_eq(e.pending, 0);
		intel_lm_claim_release_later(cl, &err[vf - 1]);
		/* The lock is free at once. */
		cl = claim(pf, vf);
		intel_lm_claim_release(cl);
	}
	ck_assert_int_eq(intel_lm_syncs_wait(syncs), 0);
	ck_assert_int_eq(err[0] | err[1] | err[2], 0);
	ck_assert_int_eq(emu_state(3), EMU_VF_SUSPENDED);
	/* Nothing handed over: waiting for an empty group is fine, and NULL is no group. */
	ck_assert_int_eq(intel_lm_syncs_new(1, &syncs), 0);
	ck_assert_int_eq(intel_lm_syncs_wait(syncs), 0);
	ck_assert_int_eq(intel_lm_syncs_wait(NULL), 0);
	intel_lm_pf_close(pf);
}
END_TEST

/* Open descriptors of this process: every one handed to a group is closed by its wait. */
static int open_fds(void)
{
	char path[64];
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n += access(path, F_OK) == 0;
	}
	return n;
}

struct syncs_job {
	struct intel_lm_pf *pf;
	struct intel_lm_syncs *syncs;
	uint16_t vf;
	int err;
	int sent;
};

#define SYNCS_ROUNDS 40

static void *syncs_job(void *arg)
{
	struct syncs_job *j = arg;
	struct intel_lm_claim_opts o = {
		.size = sizeof(o), .state_dir = state_dir, .lock_dir = lock_dir, .what = "jobs",
		.syncs = j->syncs,
	};
	enum intel_lm_claim_step step;
	struct intel_lm_claim *cl;
	struct intel_lm_sent s;
	int i;

	for (i = 0; i < SYNCS_ROUNDS; i++) {
		if (intel_lm_claim_vf(j->pf, j->vf, &o, &cl, &step, NULL, 0))
			break;
		if (!intel_lm_claim_send(cl, i % 2 ? INTEL_LM_OPC_RESUME : INTEL_LM_OPC_SUSPEND,
					 NULL, 0, NULL, false, NULL, &s) && s.sent && !s.record_ret)
			j->sent++;
		intel_lm_claim_release_later(cl, &j->err);
	}
	return NULL;
}

/*
 * Jobs on threads of their own hand outcomes to a group smaller than they are, as a batch
 * does: the group's threads (started by the first outcome, then by each other while some wait)
 * make every one durable and close its descriptor by the time the wait returns.
 */
START_TEST(batch_outcomes_from_many_jobs_are_all_synced)
{
	struct syncs_job j[4];
	struct intel_lm_syncs *syncs;
	struct intel_lm_rec_entry e;
	struct intel_lm_pf *pf;
	char rec[PATH_MAX + 32];
	pthread_t t[4];
	int before, i;

	setup();
	pf = open_pf();
	before = open_fds();
	ck_assert_int_eq(intel_lm_syncs_new(2, &syncs), 0);
	for (i = 0; i < 4; i++) {
		j[i] = (struct syncs_job){ .pf = pf, .syncs = syncs, .vf = (uint16_t)(i + 1) };
		ck_assert_int_eq(pthread_create(&t[i], NULL, syncs_job, &j[i]), 0);
	}
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(intel_lm_syncs_wait(syncs), 0);
	ck_assert_int_eq(open_fds(), before);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(j[i].sent, SYNCS_ROUNDS);
		ck_assert_int_eq(j[i].err, 0);
		ck_assert_int_eq(intel_lm_record_path(state_dir, intel_lm_pf_id(pf)->key, j[i].vf, rec,
						      sizeof(rec)), 0);
		ck_assert_int_eq(intel_lm_record_read(rec, &e), 0);
		/* An even number of rounds: suspended, then resumed last. */
		ck_assert_int_eq(e.state, INTEL_LM_VF_RUNNING);
		ck_assert_int_eq(e.pending, 0);
		ck_assert_int_eq(emu_state(j[i].vf), EMU_VF_RUNNING);
	}
	intel_lm_pf_close(pf);
}
END_TEST

/* A LOAD_DATA sent through a claim of its own, on a thread: the barrier test's second job. */
/* identities.sync held shared, as by another process syncing an intent: its descriptor. */
static int hold_sync(void)
{
	char path[PATH_MAX + 32];
	int sk;

	snprintf(path, sizeof(path), "%s/identities.sync", lock_dir);
	sk = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(sk, 0);
	ck_assert_int_eq(flock(sk, LOCK_SH), 0);
	return sk;
}

struct load_job {
	struct intel_lm_pf *pf;
	struct intel_lm_blob_hdr *hdr;
	void *buf;
	int ret;
	bool done;
	uint16_t vf;		/* the VF loaded: 3 when 0 */
};

static void *load_job(void *arg)
{
	struct load_job *j = arg;
	struct intel_lm_claim *cl = claim(j->pf, j->vf ? j->vf : 3);
	struct intel_lm_sent s;

	j->ret = intel_lm_claim_send(cl, INTEL_LM_OPC_LOAD_DATA, j->buf, j->hdr->payload_len,
				     &j->hdr->ident, false, NULL, &s);
	__atomic_store_n(&j->done, true, __ATOMIC_RELEASE);
	intel_lm_claim_release(cl);
	return NULL;
}

/*
 * The rule's answer may rest on another command's intent, which is made durable after the
 * identities' lock is released (LOCK_DIR/identities.sync held shared until it is): a command
 * is sent only once every such intent is durable. Here another process's intent is being
 * synced (the test holds identities.sync shared): the LOAD_DATA's own intent goes on record,
 * and the command waits, unsent, until that sync ends.
 */
START_TEST(command_waits_for_intents_being_synced)
{
	struct intel_lm_blob_hdr hdr;
	struct intel_lm_rec_entry e = { 0 };
	struct intel_lm_claim *cl;
	struct intel_lm_pf *pf;
	struct load_job j;
	char rec[PATH_MAX + 32];
	pthread_t t;
	void *buf;
	int sk, before, i;

	buf = saved_state(&pf, 2, &hdr);
	cl = claim(pf, 3);
	ck_assert_int_eq(intel_lm_claim_send(cl, INTEL_LM_OPC_SUSPEND, NULL, 0, NULL, false, NULL,
					     NULL), 0);
	intel_lm_claim_release(cl);

	sk = hold_sync();
	before = emu_counter("nvme0", INTEL_LM_OPC_LOAD_DATA);
	j = (struct load_job){ .pf = pf, .hdr = &hdr, .buf = buf };
	ck_assert_int_eq(intel_lm_record_path(state_dir, intel_lm_pf_id(pf)->key, 3, rec,
					      sizeof(rec)), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, load_job, &j), 0);
	/* Its intent goes on record (a crash then leaves the VF in doubt, never wrong)... */
	for (i = 0; i < 500 && !__atomic_load_n(&j.done, __ATOMIC_ACQUIRE); i++) {
		if (!intel_lm_record_read(rec, &e) && e.pending == INTEL_LM_OPC_LOAD_DATA)
			break;
		usleep(20 * 1000);
	}
	ck_assert_int_eq(e.pending, INTEL_LM_OPC_LOAD_DATA);
	/* ... and its command waits. */
	usleep(200 * 1000);
	ck_assert(!__atomic_load_n(&j.done, __ATOMIC_ACQUIRE));
	ck_assert_int_eq(emu_counter("nvme0", INTEL_LM_OPC_LOAD_DATA), before);
	ck_assert_int_eq(flock(sk, LOCK_UN), 0);
	pthread_join(t, NULL);
	close(sk);
	ck_assert_int_eq(j.ret, 0);
	ck_assert_int_eq(emu_counter("nvme0", INTEL_LM_OPC_LOAD_DATA), before + 1);
	ck_assert_int_eq(intel_lm_record_read(rec, &e), 0);
	ck_assert_int_eq(e.pending, 0);
	ck_assert_int_eq(e.state, INTEL_LM_VF_LOADED);
	intel_lm_state_free(buf, hdr.payload_len);
	intel_lm_pf_close(pf);
}
END_TEST

/*
 * An answer that rests on the VF's own record alone (its own state loaded back) waits for no
 * other command's intent: its own is durable before it is sent, and no other record's counts.
 * The test holds identities.sync shared, as another process syncing an intent would.
 */
START_TEST(own_record_answer_waits_for_no_other_sync)
{
	struct intel_lm_blob_hdr hdr;
	struct intel_lm_rec_entry e = { 0 };
	struct intel_lm_pf *pf;
	struct load_job j;
	char rec[PATH_MAX + 32];
	pthread_t t;
	void *buf;
	int sk, before, i;

	buf = saved_state(&pf, 2, &hdr);
	sk = hold_sync();
	before = emu_counter("nvme0", INTEL_LM_OPC_LOAD_DATA);
	j = (struct load_job){ .pf = pf, .hdr = &hdr, .buf = buf, .vf = 2 };
	ck_assert_int_eq(pthread_create(&t, NULL, load_job, &j), 0);
	for (i = 0; i < 150 && !__atomic_load_n(&j.done, __ATOMIC_ACQUIRE); i++)
		usleep(20 * 1000);
	/* Sent and done while the other sync is still under way. */
	ck_assert(__atomic_load_n(&j.done, __ATOMIC_ACQUIRE));
	ck_assert_int_eq(emu_counter("nvme0", INTEL_LM_OPC_LOAD_DATA), before + 1);
	ck_assert_int_eq(flock(sk, LOCK_UN), 0);
	pthread_join(t, NULL);
	close(sk);
	ck_assert_int_eq(j.ret, 0);
	ck_assert_int_eq(intel_lm_record_path(state_dir, intel_lm_pf_id(pf)->key, 2, rec,
					      sizeof(rec)), 0);
	ck_assert_int_eq(intel_lm_record_read(rec, &e), 0);
	ck_assert_int_eq(e.state, INTEL_LM_VF_LOADED);
	intel_lm_state_free(buf, hdr.payload_len);
	intel_lm_pf_close(pf);
}
END_TEST

/* VF @vf's record says it holds @ident and may hold @load (a LOAD_DATA in doubt), or names
 * DIR/keepN, a whole file of @file's state. */
static void craft(struct intel_lm_pf *pf, uint16_t vf, const struct intel_lm_identity *ident,
		  const struct intel_lm_identity *load, const struct intel_lm_identity *file)
{
	struct intel_lm_record rec;
	char path[PATH_MAX + 32];
	int fd;

	ck_assert_int_eq(intel_lm_record_open(state_dir, intel_lm_pf_id(pf), vf, &rec), 0);
	rec.entry.state = INTEL_LM_VF_SUSPENDED;
	if (ident)
		rec.entry.ident = *ident;
	if (load)
		rec.entry.load_ident = *load;
	if (file) {
		snprintf(path, sizeof(path), "%s/keep%u", dir, vf);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(ftruncate(fd, 4096), 0);
		close(fd);
		snprintf(rec.entry.state_file, sizeof(rec.entry.state_file), "%s", path);
		rec.entry.state_size = 4096;
		rec.entry.file_ident = *file;
	}
	ck_assert_int_eq(intel_lm_record_write(&rec), 0);
	intel_lm_record_close(&rec);
}

/*
 * An intent that hides an identity its record showed is durable before the identities' lock
 * is released: another command's answer may rest on that identity being nowhere else, and
 * takes the barrier only for copies it sees. VF 3 holds A and may hold Y (both kept in files
 * too); loading VF 2's state into it names Y no more. With identities.sync held exclusively
 * (as by a command at its barrier), the LOAD_DATA's intent is written and synced and the
 * identities' lock is free again while the command waits, unsent, at its own barrier.
 */
START_TEST(hiding_intent_is_durable_before_the_lock_goes)
{
	struct intel_lm_identity a, y;
	struct intel_lm_blob_hdr hdr;
	struct intel_lm_rec_entry e = { 0 };
	struct intel_lm_claim *cl;
	struct intel_lm_pf *pf;
	struct load_job j;
	char path[PATH_MAX + 32], rec[PATH_MAX + 32];
	pthread_t t;
	void *buf;
	int sk, lk = -1, before, i;

	buf = saved_state(&pf, 2, &hdr);
	cl = claim(pf, 3);
	ck_assert_int_eq(intel_lm_claim_send(cl, INTEL_LM_OPC_SUSPEND, NULL, 0, NULL, false, NULL,
					     NULL), 0);
	intel_lm_claim_release(cl);
	ck_assert_int_eq(intel_lm_identity_new(&a, intel_lm_pf_id(pf)->key, 3), 0);
	ck_assert_int_eq(intel_lm_identity_new(&y, intel_lm_pf_id(pf)->key, 3), 0);
	craft(pf, 3, &a, &y, NULL);
	craft(pf, 1, NULL, NULL, &a);
	craft(pf, 4, NULL, NULL, &y);

	snprintf(path, sizeof(path), "%s/identities.sync", lock_dir);
	sk = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(sk, 0);
	ck_assert_int_eq(flock(sk, LOCK_EX), 0);
	before = emu_counter("nvme0", INTEL_LM_OPC_LOAD_DATA);
	j = (struct load_job){ .pf = pf, .hdr = &hdr, .buf = buf };
	ck_assert_int_eq(intel_lm_record_path(state_dir, intel_lm_pf_id(pf)->key, 3, rec,
					      sizeof(rec)), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, load_job, &j), 0);
	for (i = 0; i < 150; i++) {
		if (!intel_lm_record_read(rec, &e) && e.pending == INTEL_LM_OPC_LOAD_DATA)
			break;
		usleep(20 * 1000);
	}
	ck_assert_int_eq(e.pending, INTEL_LM_OPC_LOAD_DATA);
	ck_assert(intel_lm_identity_same(&e.load_ident, &hdr.ident));
	/* The identities' lock comes free while the command still waits. */
	snprintf(path, sizeof(path), "%s/identities.lock", lock_dir);
	lk = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(lk, 0);
	for (i = 0; i < 150 && flock(lk, LOCK_EX | LOCK_NB); i++)
		usleep(20 * 1000);
	ck_assert_int_lt(i, 150);
	ck_assert_int_eq(flock(lk, LOCK_UN), 0);
	ck_assert(!__atomic_load_n(&j.done, __ATOMIC_ACQUIRE));
	ck_assert_int_eq(emu_counter("nvme0", INTEL_LM_OPC_LOAD_DATA), before);
	ck_assert_int_eq(flock(sk, LOCK_UN), 0);
	pthread_join(t, NULL);
	close(lk);
	close(sk);
	ck_assert_int_eq(j.ret, 0);
	ck_assert_int_eq(emu_counter("nvme0", INTEL_LM_OPC_LOAD_DATA), before + 1);
	intel_lm_state_free(buf, hdr.payload_len);
	intel_lm_pf_close(pf);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create(unit_name);
	TCase *tc = tcase_create("claim");

	tcase_add_checked_fixture(tc, NULL, teardown);

	tcase_add_test(tc, save_goes_on_record);
	tcase_add_test(tc, resume_of_a_moved_state_is_refused);
	tcase_add_test(tc, claim_is_exclusive);
	tcase_add_test(tc, batch_outcomes_are_synced_late);
	tcase_add_test(tc, batch_outcomes_from_many_jobs_are_all_synced);
	tcase_add_test(tc, output_too_long_is_refused_before_anything_is_sent);
	tcase_add_test(tc, command_waits_for_intents_being_synced);
	tcase_add_test(tc, own_record_answer_waits_for_no_other_sync);
	tcase_add_test(tc, hiding_intent_is_durable_before_the_lock_goes);
	suite_add_tcase(s, tc);
	return s;
}
