/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the front end's files share: the parsed command line, the opened PF (a "session"), and
 * the print back end interface (print-normal.c, print-json.c).
 */
#ifndef INTEL_LM_CLI_PRIV_H
#define INTEL_LM_CLI_PRIV_H

#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include <libintel-lm-private.h>

/*
 * Exit statuses, as documented in nvme-intel-lm(1) (EXIT STATUS); JSON names them in
 * error.kind (exit_kind()). A fatal signal N that stopped the work gives 128 + N.
 */
#define EXIT_OK		0
#define EXIT_FAILED	1	/* failed, and no command's effect is in doubt */
#define EXIT_USAGE	2	/* the command line is wrong */
#define EXIT_REFUSED	3	/* refused before any vendor command was sent for it */
#define EXIT_DEVICE	4	/* the device refused a command (an NVMe status: no change) */
#define EXIT_UNKNOWN	5	/* a command's effect is unknown: 'status' shows the VF */
#define EXIT_PARTIAL	6	/* several VFs: some failed, the others succeeded */

enum out_fmt {
	FMT_NORMAL = 0,
	FMT_JSON,
};

/* Which options a subcommand takes (bit per option). */
enum opt_bit {
	OPT_VF		= 1 << 0,
	OPT_OUTPUT_FILE	= 1 << 1,
	OPT_INPUT_FILE	= 1 << 2,
	OPT_FORMAT	= 1 << 3,
	OPT_VERBOSE	= 1 << 4,
	OPT_DRY_RUN	= 1 << 5,
	OPT_TIMEOUT	= 1 << 6,
	OPT_FORCE	= 1 << 7,
	OPT_RAW		= 1 << 8,
	OPT_JOBS	= 1 << 9,
	OPT_WAIT	= 1 << 10,
	OPT_TO		= 1 << 11,
	OPT_TO_VF	= 1 << 12,
	OPT_KEEP	= 1 << 13,
	OPT_MAX_STATE	= 1 << 14,
	OPT_CONFIRM	= 1 << 15,
	OPT_SSH		= 1 << 16,
	OPT_REMOTE_PROGRAM = 1 << 17,
	OPT_PROTOCOL	= 1 << 18,
};

/* The default --jobs and --wait. */
#define DEFAULT_JOBS		8
#define MAX_JOBS		64
#define DEFAULT_WAIT_MS		10000

struct cli_cmd;

/*
 * The report being made: its back end and what it gathers. The one part of a command's context
 * that commands write; intel_lm_cli_run() owns it.
 */
struct out {
	const struct printer *pr;
	struct json_object *json;	/* the JSON back end's document */
	pthread_mutex_t lock;		/* the back end, for traces from batch threads */
	int changed;			/* JSON's changed: -1 does not apply, else 0 or 1 */
	/* The PFs (their keys) warned about --timeout, each once (session_warn_timeout()). */
	char warned[8][INTEL_LM_PF_KEY_LEN];
	unsigned int n_warned;
};

/*
 * The command line, parsed once into plain values; read-only from then on (commands take it
 * const). What a command finds out (the PF it opened, the VF's state) lives in its session and
 * its results, and what it reports goes to @out.
 */
struct cli {
	const char *prog;		/* "nvme intel-lm" or "nvme-intel-lm" */
	const struct cli_cmd *cmd;
	const char *device;		/* positional; NULL: find the host's only capable PF */
	const char *file;		/* inspect's positional FILE */
	const char *vf_arg;
	uint16_t vf;
	bool vf_bad;			/* --vf was given but is not an index */
	bool vf_list;			/* --vf may name several VFs (a list, a range, all) */
	const char *output_file;
	const char *input_file;
	enum out_fmt fmt;
	bool usage_json;		/* JSON asked for anywhere: for usage errors */
	bool verbose;
	bool dry_run;
	bool force;
	bool raw;
	uint32_t timeout_ms;
	unsigned int jobs;
	uint32_t wait_ms;
	const char *to;			/* migrate: the destination PF */
	const char *to_vf_arg;
	bool to_vf_list;		/* --to-vf names several VFs (a list, a range, all) */
	uint16_t to_vf;			/* --to-vf, else --vf */
	const char *keep;		/* migrate: where to keep the state */
	const char *ssh;		/* migrate --ssh: the command that replaces ssh */
	const char *remote_program;	/* migrate --remote-program: the peer's path */
	uint32_t max_state;		/* --max-state-size, 0 = the default limit */
	unsigned int protocol;		/* --protocol; INTEL_LM_PROTO_AUTO: the PF's choice */
	enum intel_lm_vf_state confirm;	/* recover --confirm; INTEL_LM_VF_STATES: none */
	const char *lock_dir;		/* INTEL_LM_LOCK_DIR, or NULL for the default */
	const char *state_dir;		/* INTEL_LM_STATE_DIR, or NULL for the default */
	const char *sysfs;		/* INTEL_LM_SYSFS, or NULL for /sys */
	struct out *out;
};

struct cli_cmd {
	const char *name;
	const char *summary;
	unsigned int opts;		/* enum opt_bit */
	bool needs_device;
	bool sends_vendor_cmds;		/* needs Intel live migration support, or --force */
	bool changes_state;		/* sends state-changing commands: recorded, signals deferred */
	int (*run)(const struct cli *c);
};

/* Room for a path in messages. */
#define INTEL_LM_PATH_MAX	4096

/* An opened PF and what we know of it. */
struct session {
	const struct cli *cli;
	const char *dev;		/* the device as named, or the PF found when none was */
	char found[64];
	struct intel_lm_pf *pf;		/* NULL until opened */
	/* What the device named is, also when it was refused: its kind and controller name. */
	enum intel_lm_dev_kind what;
	char what_name[INTEL_LM_DEV_NAME_LEN];
	struct intel_lm_opts opts;
	struct intel_lm_syncs *syncs;	/* a batch's late fdatasyncs of outcomes, or NULL */
	struct intel_lm_scan *scan;	/* a batch's scan cache for the one rule, or NULL */
};

/* A session's PF, in short: its path, identity, key, state limit and VFs. */
static inline const char *pf_path(const struct session *s)
{
	return intel_lm_pf_path(s->pf);
}

static inline const struct intel_lm_proto *pf_proto(const struct session *s)
{
	return intel_lm_pf_proto(s->pf);
}

static inline const struct intel_lm_ctrl_info *pf_info(const struct session *s)
{
	return intel_lm_pf_info(s->pf);
}

static inline const char *pf_key(const struct session *s)
{
	return intel_lm_pf_id(s->pf)->key;
}

static inline const struct intel_lm_limit *pf_limit(const struct session *s)
{
	return intel_lm_pf_limit(s->pf);
}

static inline const struct intel_lm_vf_list *pf_vfs(const struct session *s)
{
	return intel_lm_pf_vfs(s->pf);
}

/* The outcome of one VF's operation, for single and batch reports. */
struct vf_result {
	uint16_t vf;
	int ret;			/* 0, a positive NVMe status, or a negative errno */
	bool device_error;		/* @ret came back from a command sent to the device */
	bool sent;			/* a state-changing command was submitted for this VF */
	uint8_t opcode;			/* with @device_error: the command that failed */
	bool changed;			/* the VF was (or with --dry-run would be) changed */
	bool again;			/* suspend/resume of a VF on record in that state already */
	int again_status;		/* then: the Command Sequence Error it drew, or 0 */
	const char *op;			/* the step that failed */
	const char *command;		/* with @device_error over TP4159: the command sent */
	const char *state;		/* the VF's state as far as we know */
	struct intel_lm_record *rec;	/* the VF's record while the job runs; NULL: none */
	int record_err;			/* a record write that failed after a command */
	uint32_t size;
	uint16_t source_vf;		/* load: the blob's source VF; 0 for a raw state */
	enum intel_lm_reason reason;	/* why the rule refused the command, or 0 */
	struct intel_lm_claim *claim;	/* the VF's claim while a state-changing job runs */
	struct intel_lm_state_cache *cache;	/* the job's thread's state buffer, or NULL */
	const struct intel_lm_identity *incoming;	/* load: the state's identity */
	char msg[1024];
	char hint[1024];
	/* last: a new result zeroes what comes before it and empties this */
	char path[4096];		/* save/load: the file */
};

/*
 * A warning given before commands are sent (in words on standard error, and in JSON's
 * "warnings"): a --timeout shorter than the kernel's admin timeout, which can make the kernel
 * reset the PF under its VFs.
 */
struct warning {
	const char *kind;		/* JSON's warnings[].kind: "short_timeout" */
	const char *device;		/* the PF */
	uint32_t timeout_ms;		/* --timeout */
	uint32_t admin_timeout_ms;	/* the kernel's admin timeout */
	int admin_timeout_err;		/* 0: read from sysfs; else why not (the default assumed) */
	const struct intel_lm_vf_list *vfs;	/* the PF's VFs; those online are named */
	const char *msg;
	const char *hint;
};

/* What migrate did, for the report. */
struct mig_report {
	const struct session *src, *dst;
	const struct intel_lm_migration *mig;
	const struct intel_lm_mig_outcome *m;
	uint16_t src_vf, dst_vf;
	struct intel_lm_limit limit;	/* the largest state both PFs move */
	const char *kept;		/* where the state was kept, or NULL */
	const char *src_state;		/* the source VF's state afterwards (a status word) */
	const char *dst_state;		/* the destination VF's state afterwards */
	const char *src_before;		/* the source VF's state on record before */
	const char *dst_before;		/* the destination VF's, likewise */
	const char *op_id;		/* the migration's id in the record, or NULL */
	const char *op;			/* what failed, in error.operation's terms */
	const char *command;		/* a command failed over TP4159: the one sent */
	enum intel_lm_mig_step failed;	/* the step shown as failed (INTEL_LM_MIG_NO_STEP: none) */
	bool failed_ran;		/* it ran: else it is shown as never run */
	bool dry_run;			/* --dry-run: no step was sent */
	char rollback[512];		/* what the rollback did, in words */
	char msg[1024];
	char hint[512];
};

/* Whether migrate's step @st is sent to the destination VF (else to the source). */
static inline bool mig_step_on_dst(enum intel_lm_mig_step st)
{
	return st == INTEL_LM_MIG_DST_SUSPEND || st == INTEL_LM_MIG_DST_LOAD ||
	       st == INTEL_LM_MIG_DST_RESUME;
}

/* One VF's migration in migrate: its report, and a refusal before any step. */
struct mig_job {
	struct mig_report r;		/* r.src_vf and r.dst_vf are the pair */
	struct intel_lm_migration *mig;	/* NULL: refused or not started (see @refused) */
	struct intel_lm_mig_outcome m;
	struct vf_result refused;	/* a lock, record or keep file that stopped it */
	const struct session *refused_on;
	char keep[4096];		/* where its state is kept while it runs */
	bool changed;			/* commands were (with --dry-run, would be) sent */
	enum intel_lm_vf_state src_before;	/* the source's state on record before */
	enum intel_lm_vf_state dst_before;	/* the destination's */
	int status;			/* its exit status */
};

/*
 * migrate.c: a step's outcome in the report: "ok", "skipped", "failed", "not run" (never sent)
 * or "would run" (--dry-run).
 */
const char *mig_step_outcome(const struct mig_report *r, enum intel_lm_mig_step st);
/* Whether a step with that outcome was sent, so that its time means something. */
bool mig_step_timed(const char *outcome);

/* One VF's entry in the record, for status and recover. */
struct rec_view {
	char path[4096];		/* the record file */
	struct intel_lm_rec_entry e;
	int read_err;			/* 0, -ENOENT (no record), -EBADMSG, -EPERM, ... */
	bool in_progress;		/* its operation's process still holds the VF's lock */
	char holder[256];		/* that process, as it recorded itself */
	bool unresolved;		/* an interrupted operation that is not settled */
	bool refused;			/* recover refused what it was asked (--confirm of a known state) */
	bool changed;			/* recover wrote its entry (or sent a command) */
	char action[512];		/* recover: what it did or would do */
	char advice[512];		/* what to do next, with a command line */
	char last_refused[512];		/* the last command, refused by the device, or "" */
	char moved_to[4096];		/* recover --confirm: where an untrusted record went */
};

/*
 * The print back ends: command code never formats text itself. Under --dry-run the result
 * callbacks (query_size, vf_done, saved, loaded) are called with what would be done; the normal
 * back end leaves that to the traces and notes, the JSON one names the device, the VF and files.
 */
struct printer {
	void (*info)(const struct cli *c, const struct session *s);
	void (*query_size)(const struct cli *c, const struct session *s, uint16_t vf, uint32_t size);
	void (*vf_done)(const struct cli *c, const struct session *s, uint16_t vf, const char *what);
	void (*saved)(const struct cli *c, const struct session *s, uint16_t vf, uint32_t size,
		      const char *path, bool raw);
	void (*loaded)(const struct cli *c, const struct session *s, uint16_t vf, uint32_t size,
		       const char *path, uint16_t source_vf);
	void (*inspect)(const struct cli *c, const char *path, const struct intel_lm_blob_hdr *hdr,
			int hdr_err, int payload_err, uint64_t file_size);
	void (*command)(const struct cli *c, const char *dev, const struct intel_lm_cmd *cmd,
			int ret, uint32_t result, uint64_t ns, bool dry_run);
	void (*note)(const struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
	/*
	 * @op failed: a step's name, with @command, over TP4159, the command that carried it
	 * (intel_lm_step_command(); else NULL).
	 */
	void (*error)(const struct cli *c, const char *dev, int vf, const char *op,
		      const char *command, int ret, const char *msg, const char *hint);
	/* A warning before commands are sent; the words go to standard error in every format. */
	void (*warning)(const struct cli *c, const struct warning *w);
	/* The command line is wrong: @msg says how (exit status 2, nothing was opened). */
	void (*usage)(const struct cli *c, const char *msg);
	/* One VF's command failed: @r says how, and the VF's state as far as we know. */
	void (*vf_failed)(const struct cli *c, const struct session *s, const struct vf_result *r);
	/* A command refused on @on before anything was sent: @r says why (with the rule's reason). */
	void (*refused)(const struct cli *c, const struct session *on, const struct vf_result *r);
	void (*batch)(const struct cli *c, const struct session *s, const struct vf_result *r, size_t n);
	void (*migrated)(const struct cli *c, const struct mig_report *r);
	/* migrate of several VFs: each pair's outcome, in order. */
	void (*mig_batch)(const struct cli *c, const struct session *src,
			  const struct session *dst, const struct mig_job *j, size_t n);
	void (*records)(const struct cli *c, const struct rec_view *v, size_t n, bool recover);
	/* Print what is pending; 0, or a negative errno when the report could not be written. */
	int (*finish)(const struct cli *c, int status);
};

extern const struct printer print_normal;
/* Flush a report's stream: 0, or a negative errno when it could not be written. */
int flush_report(FILE *f);
extern const struct printer print_json;

/* commands.c */
extern const struct cli_cmd cli_cmds[];

/* vfops.c: query-size, suspend, resume, save and load of one VF or many */
int cmd_query_size(const struct cli *c);
int cmd_suspend(const struct cli *c);
int cmd_resume(const struct cli *c);
int cmd_save(const struct cli *c);
int cmd_load(const struct cli *c);

/* migrate.c */
int cmd_migrate(const struct cli *c);
int cmd_serve_peer(const struct cli *c);
/* migrate --to=ssh://...: the source's half of a host-to-host migrate (remote.c). */
bool remote_url(const char *to);
int cmd_migrate_remote(const struct cli *c);

/* recover.c: status and recover */
/* Why an outlived entry (intel_lm_record_outlive()) no longer counts, in words. */
const char *outlived_words(const struct intel_lm_rec_entry *e);
int cmd_status(const struct cli *c);
int cmd_recover(const struct cli *c);

/*
 * jobs.c: @run(@arg, i, worker) for each job i below @n on up to @jobs threads (the caller's
 * among them), worker (below @jobs) telling which thread runs it; after a deferred signal,
 * @skip(@arg, i, signal) for each job not started.
 */
void run_jobs(unsigned int jobs, size_t n, void (*run)(void *arg, size_t i, unsigned int worker),
	      void (*skip)(void *arg, size_t i, int sig), void *arg);

/* files.c: input and output files, and signals */
/* Open @path for reading, or standard input for "-": a descriptor or a negative errno. */
int open_input(const char *path);
void guard_output(struct intel_lm_outfile *out);
/* From now on SIGINT, SIGTERM, SIGHUP and SIGQUIT are recorded, not fatal. */
void defer_signals(void);
/* The deferred signal caught, or 0. */
int signal_caught(void);
void unguard_output(void);
/*
 * Whether @path fits the record (INTEL_LM_REC_PATH_LEN) as it would hold it: its absolute form
 * when @absolute (save's file), else as it is (migrate's --keep file and safety copy). 0, or
 * -ENAMETOOLONG with @msg naming @what and the path, its length and the limit, and saying that
 * nothing was sent, and @hint what to do: refused before anything reaches the device, never
 * cut on record.
 */
int record_path_check(const char *what, const char *path, bool absolute, char *msg,
		      size_t msg_len, char *hint, size_t hint_len);
/* session.c */
/* Open @device (NULL: the host's only capable PF) and identify it; 0 or an exit status. */
int session_open(const struct cli *c, const char *device, struct session *s);
/* List @s's VFs; a failure names VF @vf (-1: none). 0 or an exit status. */
int session_list_vfs(const struct session *s, int vf);
/*
 * Warn, once per PF, when --timeout is shorter than the kernel's admin timeout: naming @s's
 * online VFs, which needs its VF list (session_list_vfs() calls it).
 */
void session_warn_timeout(const struct session *s);
/* List @s's VFs and check --vf against them. 0 or an exit status. */
int session_need_vf(const struct cli *c, struct session *s);
/* claim.c */
/* The record's and the locks' directories can be trusted: 0, or an exit status. */
int check_own_dirs(const struct cli *c, const struct session *s);
/*
 * What to do about an untrusted directory @dir (@why) that INTEL_LM_@env_DIR names (its
 * default: @def): a dedicated directory for one users and the system share, else make it
 * root's own with mode 0700. @cmds: with the chown/chmod command lines.
 */
void dir_fix_hint(const char *dir, const char *env, const char *def,
		  enum intel_lm_dir_problem why, bool cmds, char *buf, size_t len);
/*
 * What to do when the record could not be opened or written with @err (a negative errno),
 * worded by the errno: free space, a read-only file system, an I/O error; its owner and mode
 * only for EPERM, EACCES and ELOOP.
 */
void record_fix_hint(const struct cli *c, int err, char *buf, size_t len);
/* A signal's name for messages, e.g. "SIGINT". */
const char *signal_name(int sig);
void session_close(struct session *s);
int report(const struct cli *c, const struct session *s, int vf, const char *op, int ret,
	   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int report_cmd(const struct cli *c, const struct session *s, int vf, uint8_t opcode, int ret);
/* Record a failure in @r: @fmt gives the message, and after a "\n" what to do next. */
void fail(struct vf_result *r, const char *op, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * Take VF @r->vf's lock on @s, recording @what (NULL: this command line) for whoever waits;
 * nothing under --dry-run. On failure @r says why; returns 0 or a negative errno.
 */
int lock_vf(const struct cli *c, const struct session *s, struct vf_result *r, const char *what,
	    struct intel_lm_lock **lk);
/*
 * Claim VF @r->vf of @s through libintel-lm (its lock and its record, the change belonging to
 * @op; @what, or NULL for this command line, for whoever waits; @output, the file a save
 * writes, or NULL) into *@cl; on failure @r says why. Returns 0 or a negative errno.
 */
int claim_vf(const struct cli *c, const struct session *s, struct vf_result *r,
	     enum intel_lm_op_kind op, const char *what, const char *output,
	     struct intel_lm_claim **cl);
/*
 * A VF's entry as its record has it, read only, without a claim (migrate.c): a running VF's
 * when there is none, an unknown one's when it cannot be read.
 */
void peek_entry(const struct cli *c, const struct session *s, uint16_t vf,
		struct intel_lm_rec_entry *e);
/* What became of a migration's destination RESUME, from the destination's entry (recover.c). */
enum resume_effect { RESUME_NOT_SENT, RESUME_DONE, RESUME_UNKNOWN };
enum resume_effect dst_resume(const struct intel_lm_rec_entry *d);

/*
 * recover's question to the host of a migration's other VF (remote.c): the serve-peer there,
 * reached through ssh as migrate reaches it (--ssh, --remote-program), claims the VF and says
 * what became of it (verdict: "runs", its RESUME took effect; "stopped", it never ran;
 * "doubt"; "other", its record is not of that migration) and its state on record.
 */
struct peer_conn;
struct peer_answer {
	char verdict[16];
	char state[32];
	char op_id[40];		/* the migration its record is of */
};
/* The login ([user@]host) and device a record's peer_device names; 0, or -EINVAL. */
int peer_host(const char *peer_device, char *login, size_t llen, char *dev, size_t dlen);
/* Ask; 0 with @a and *@pc set (the claim there held), or a negative errno with @why. */
int peer_settle(const struct cli *c, const char *peer_device, uint16_t vf, const char *op_id,
		struct peer_conn **pc, struct peer_answer *a, char *why, size_t len);
/* Close that VF's part of the migration there (@close) or leave it, and hang up; 0 or errno. */
int peer_settle_end(const struct cli *c, struct peer_conn *pc, bool close);
/* Whether a --vf or --to-vf list is written in ascending order (pairs are made in order). */
bool vf_list_ascending(const char *arg);
/* Cut @msg at its first "\n"; what follows, the advice, goes to @hint. */
void split_hint(char *msg, char *hint, size_t len);
/* The word for an exit status in JSON's error.kind: "refused", "device", ...; NULL for 0. */
const char *exit_kind(int status);
/*
 * The exit status of @opcode's failure @ret: EXIT_DEVICE, EXIT_UNKNOWN or EXIT_FAILED; EXIT_REFUSED
 * for a buffer the library refused before sending it (EMSGSIZE).
 */
int exit_for_cmd(uint8_t opcode, int ret);
/* The exit status of one VF's outcome, and of a batch of them. */
int exit_for_result(const struct vf_result *r);
int exit_for_batch(const struct vf_result *r, size_t n);
/*
 * Several outcomes' exit status: a signal that stopped work first, then one in doubt; some
 * failures among successes are partial; when all failed, their common status, else failed.
 */
struct exit_tally {
	int sig, common;
	bool unknown;
	size_t ok, n;
};
void exit_tally_add(struct exit_tally *t, int status);
int exit_tally_status(const struct exit_tally *t);
/* Where a PF announces NVMe TP4159 migration, in the words every message uses. */
#define HMLMS_WORDS	"Identify Controller OACS bit 11 (HMLMS)"
/*
 * What to do after @ret from step @opcode over @protocol, in words (the library gives the
 * reason); "" if nothing.
 */
const char *advice_words(int ret, unsigned int protocol, uint8_t opcode);
/* The protocol @s's PF moves states with; Intel's before the PF is opened. */
unsigned int session_protocol(const struct session *s);
/*
 * Whether @s's identified PF offers a protocol intel-lm migrates with (Intel's or TP4159's),
 * and in *@why the reason in words: Intel's verdict, or TP4159's where it alone is offered.
 */
bool session_migratable(const struct session *s, const char **why);
/*
 * Step @step as messages name it over @protocol: over TP4159 with the command that carries
 * it, "LOAD_DATA (Migration Send 41h, Set Controller State)"; else its name. Returns @buf.
 */
const char *step_words(unsigned int protocol, uint8_t step, char *buf, size_t len);
/* The PF's path once opened, else the device as the user named it. */
const char *session_dev(const struct session *s);
/* Why the state size is limited, and what is wrong with a state file, in our own terms. */
const char *limit_words(enum intel_lm_limit_src src);
const char *blob_words(int err);
/* What to do after @opcode failed with @ret on VF @vf of @s, with a command line if one helps. */
void cmd_hint(const struct cli *c, const struct session *s, int vf, uint8_t opcode, int ret,
	      char *hint, size_t len);

/* guard.c */
/*
 * The one rule's refusal @v of @what on VF @r->vf of @s, in words, into @r (with its reason and
 * @err, the refusal's errno).
 */
void rule_refusal(const struct cli *c, const struct session *s, struct vf_result *r,
		  const struct intel_lm_verdict *v, int err, const char *what);
/*
 * The rule for @op on the VF of entry @e, for recover: its reason, and in @why its words
 * (which state, where); OK with --force or for a VF holding its own state. @peer, when not
 * NULL, is the other VF's entry as recover settled it, not yet on record. @intent, when not
 * NULL, puts the command's intent on record: called, under the identities' lock taken for the
 * ask, only when the rule allows; what it returned in *@intent_ret (else 0).
 */
enum intel_lm_reason guard_entry(const struct cli *c, const struct intel_lm_rec_entry *e,
				 const struct intel_lm_rec_entry *peer, enum intel_lm_rule_op op,
				 int (*intent)(void *priv), void *priv, int *intent_ret,
				 char *why, size_t len);
/* The rule's refusal @v in words, one sentence: which state, where; @here is the VF asked about. */
void rule_words(const struct intel_lm_verdict *v, const char *here, char *out, size_t len);
/* The rule's refusal a migration's outcome carries, as a verdict (@m stays its place's owner). */
void mig_verdict(const struct intel_lm_mig_outcome *m, struct intel_lm_verdict *v);

#endif /* INTEL_LM_CLI_PRIV_H */
