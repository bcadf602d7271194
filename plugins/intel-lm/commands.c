// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The subcommands. Each opens the PF through session.c, calls the library, and hands results
 * to the print back end; none formats text itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli-priv.h"

static int cmd_info(struct cli *c)
{
	struct session s;
	int ret;

	ret = session_open(c, &s);
	if (!ret)
		ret = session_need_vf(c, &s);
	if (!ret)
		c->pr->info(c, &s);
	session_close(&s);
	return ret;
}

static int cmd_query_size(struct cli *c)
{
	struct session s;
	uint32_t size;
	int ret;

	ret = session_open(c, &s);
	if (!ret)
		ret = session_need_vf(c, &s);
	if (!ret) {
		ret = intel_lm_query_size(s.dev.fd, c->vf, &s.opts, &size);
		if (ret)
			ret = report_cmd(c, &s, c->vf, INTEL_LM_OPC_QUERY_DATA_SIZE, ret);
		else
			c->pr->query_size(c, &s, c->vf, size);
	}
	session_close(&s);
	return ret;
}

static int suspend_resume(struct cli *c, bool suspend)
{
	struct session s;
	int ret;

	ret = session_open(c, &s);
	if (!ret)
		ret = session_need_vf(c, &s);
	if (!ret) {
		ret = suspend ? intel_lm_suspend(s.dev.fd, c->vf, &s.opts) :
				intel_lm_resume(s.dev.fd, c->vf, &s.opts);
		if (ret)
			ret = report_cmd(c, &s, c->vf, suspend ? INTEL_LM_OPC_SUSPEND :
							      INTEL_LM_OPC_RESUME, ret);
		else if (!c->dry_run)
			c->pr->vf_done(c, &s, c->vf, suspend ? "suspended" : "resumed");
	}
	session_close(&s);
	return ret;
}

static int cmd_suspend(struct cli *c)
{
	return suspend_resume(c, true);
}

static int cmd_resume(struct cli *c)
{
	return suspend_resume(c, false);
}

/*
 * The temporary output file, for the signal handler: removing it is all the handler does, with
 * async-signal-safe calls only, before the signal's default action ends the process.
 */
static struct intel_lm_outfile *volatile pending_out;

static void on_fatal_signal(int sig)
{
	struct intel_lm_outfile *out = pending_out;

	if (out && out->tmp[0])
		unlink(out->tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void guard_output(struct intel_lm_outfile *out)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = on_fatal_signal };
	size_t i;

	pending_out = out;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	/* A closed pipe on stdout is an EPIPE write error, handled like any other. */
	signal(SIGPIPE, SIG_IGN);
}

static int output_failed(struct cli *c, const struct session *s, const char *op, int ret)
{
	const char *path = c->output_file;

	switch (-ret) {
	case EEXIST:
		return report(c, s, c->vf, op, ret, "%s exists\nchoose another name, or add --force "
			      "to replace it", path);
	case EISDIR:
		return report(c, s, c->vf, op, ret, "%s is a directory\nname a file", path);
	case EPIPE:
		return report(c, s, c->vf, op, ret, "the reader of standard output went away "
			      "(EPIPE); the state was not delivered\nthe VF stays suspended: save "
			      "it again, or resume it");
	default:
		return report(c, s, c->vf, op, ret, "cannot write %s: %s (%s); nothing was left "
			      "at that path\ncheck the directory's permissions and free space", path,
			      strerror(-ret), intel_lm_errno_name(ret));
	}
}

static int size_refused(struct cli *c, const struct session *s, uint16_t vf, uint32_t size,
			int ret)
{
	if (ret == -ENODATA)
		return report(c, s, vf, "check size", ret, "the device reported a state size of 0 "
			      "bytes; no data command was sent\nsuspend the VF before asking its "
			      "size; if it persists, the firmware is misbehaving");
	return report(c, s, vf, "check size", ret, "the state is %u bytes, above the %u bytes "
		      "this PF can move in one command (%s); no data command was sent\nthe "
		      "commands have no offset field, so the state cannot be moved in pieces",
		      size, s->limit.max_bytes, intel_lm_limit_reason(s->limit.src));
}

static int cmd_save(struct cli *c)
{
	struct intel_lm_blob_hdr hdr;
	uint8_t raw_hdr[INTEL_LM_BLOB_HDR_LEN];
	struct intel_lm_outfile out = { .fd = -1 };
	struct session s;
	void *buf = NULL;
	uint32_t size = 0;
	int ret;

	/* Refuse an existing output before anything reaches the device. */
	ret = intel_lm_outfile_check(c->output_file, c->force);
	if (ret)
		return output_failed(c, NULL, "save", ret);

	ret = session_open(c, &s);
	if (!ret)
		ret = session_need_vf(c, &s);
	if (ret)
		goto out;

	ret = intel_lm_query_size(s.dev.fd, c->vf, &s.opts, &size);
	if (ret) {
		ret = report_cmd(c, &s, c->vf, INTEL_LM_OPC_QUERY_DATA_SIZE, ret);
		goto out;
	}
	if (c->dry_run) {
		/* Without the device's answer the size is unknown: say what would follow. */
		c->pr->note(c, "would send SAVE_DATA (opcode 0xd2) to VF %u with the data length "
			    "QUERY_DATA_SIZE returns, then write %s", c->vf, c->output_file);
		goto out;
	}
	ret = intel_lm_check_size(size, &s.limit);
	if (ret) {
		ret = size_refused(c, &s, c->vf, size, ret);
		goto out;
	}
	buf = intel_lm_state_alloc(size);
	if (!buf) {
		ret = report(c, &s, c->vf, "save", -ENOMEM, "cannot allocate %u bytes", size);
		goto out;
	}
	ret = intel_lm_save(s.dev.fd, c->vf, buf, size, &s.opts);
	if (ret) {
		ret = report_cmd(c, &s, c->vf, INTEL_LM_OPC_SAVE_DATA, ret);
		goto out;
	}

	guard_output(&out);
	ret = intel_lm_outfile_open(&out, c->output_file, c->force);
	if (!ret && !c->raw) {
		intel_lm_blob_hdr_init(&hdr, &s.info, c->vf, buf, size, time(NULL));
		intel_lm_blob_encode(&hdr, raw_hdr);
		ret = intel_lm_outfile_write(&out, raw_hdr, sizeof(raw_hdr));
	}
	if (!ret)
		ret = intel_lm_outfile_write(&out, buf, size);
	if (!ret)
		ret = intel_lm_outfile_commit(&out);
	else
		intel_lm_outfile_abort(&out);
	pending_out = NULL;
	if (ret) {
		ret = output_failed(c, &s, "write", ret);
		goto out;
	}
	c->pr->saved(c, &s, c->vf, size, c->output_file, c->raw);
out:
	intel_lm_state_free(buf, size);
	session_close(&s);
	return ret;
}

/* Open the input: a file, or standard input for "-". */
static int open_input(const char *path)
{
	int fd;

	if (!strcmp(path, "-"))
		return STDIN_FILENO;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int input_failed(struct cli *c, const struct session *s, int ret)
{
	const char *path = c->input_file;

	switch (-ret) {
	case EFBIG:
		return report(c, s, c->vf, "read", ret, "%s holds a state larger than the %u bytes "
			      "this PF can take (%s); nothing was sent\nload it on a PF that can "
			      "take it", path, s->limit.max_bytes, intel_lm_limit_reason(s->limit.src));
	case ENODATA:
	case EILSEQ:
	case EPROTONOSUPPORT:
	case EBADMSG:
	case EPROTO:
	case E2BIG:
		return report(c, s, c->vf, "verify", ret, "%s: %s; nothing was sent to the device"
			      "\n'%s inspect %s' shows what the file holds", path,
			      intel_lm_blob_strerror(ret), c->prog, path);
	default:
		return report(c, s, c->vf, "read", ret, "cannot read %s: %s (%s)", path,
			      strerror(-ret), intel_lm_errno_name(ret));
	}
}

static int cmd_load(struct cli *c)
{
	struct intel_lm_blob_hdr hdr;
	struct session s;
	char why[512];
	void *buf = NULL;
	uint32_t size = 0;
	int fd = -1, ret;

	ret = session_open(c, &s);
	if (!ret)
		ret = session_need_vf(c, &s);
	if (ret)
		goto out;

	/* Everything about the file is checked before a command reaches the device. */
	fd = open_input(c->input_file);
	if (fd < 0) {
		ret = input_failed(c, &s, fd);
		goto out;
	}
	if (c->raw) {
		ret = intel_lm_raw_read(fd, s.limit.max_bytes, &buf, &size);
	} else {
		ret = intel_lm_blob_read(fd, s.limit.max_bytes, &hdr, &buf);
		size = hdr.payload_len;
	}
	if (ret) {
		ret = input_failed(c, &s, ret);
		goto out;
	}
	if (!c->raw && intel_lm_blob_check_identity(&hdr, &s.info, why, sizeof(why))) {
		if (!c->force) {
			ret = report(c, &s, c->vf, "verify", -EXDEV, "%s was saved on a different "
				     "kind of PF: %s; nothing was sent\nIntel supports migration only "
				     "between identical devices; --force loads it anyway",
				     c->input_file, why);
			goto out;
		}
		c->pr->note(c, "%s was saved on a different kind of PF (%s); loading anyway "
			    "(--force)", c->input_file, why);
	}
	if (!c->raw && hdr.vf != c->vf)
		c->pr->note(c, "the state was saved from VF %u and goes to VF %u", hdr.vf, c->vf);

	ret = intel_lm_load(s.dev.fd, c->vf, buf, size, &s.opts);
	if (ret) {
		ret = report_cmd(c, &s, c->vf, INTEL_LM_OPC_LOAD_DATA, ret);
		goto out;
	}
	if (!c->dry_run)
		c->pr->loaded(c, &s, c->vf, size, c->input_file, c->raw ? NULL : &hdr);
out:
	if (fd > STDIN_FILENO)
		close(fd);
	intel_lm_state_free(buf, size);
	session_close(&s);
	return ret;
}

static int cmd_inspect(struct cli *c)
{
	uint8_t raw[INTEL_LM_BLOB_HDR_LEN];
	struct intel_lm_blob_hdr hdr;
	int fd, hdr_err, payload_err = 0;
	void *buf = NULL;
	struct stat st;
	ssize_t n;

	fd = open_input(c->file);
	if (fd < 0) {
		c->input_file = c->file;
		return input_failed(c, NULL, fd);
	}
	n = intel_lm_read_full(fd, raw, sizeof(raw));
	hdr_err = n < 0 ? (int)n : intel_lm_blob_decode(raw, (size_t)n, &hdr);
	if (!hdr_err) {
		/* Read one byte more than the header says, to see a file that is too long. */
		size_t want = (size_t)hdr.payload_len + 1;

		buf = malloc(want);
		if (!buf) {
			payload_err = -ENOMEM;
		} else {
			n = intel_lm_read_full(fd, buf, want);
			payload_err = n < 0 ? (int)n : intel_lm_blob_check_payload(&hdr, buf,
										    (size_t)n);
		}
	}
	c->pr->inspect(c, c->file, &hdr, hdr_err, payload_err,
		       fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0);
	free(buf);
	if (fd > STDIN_FILENO)
		close(fd);
	return hdr_err || payload_err ? EXIT_FAILED : EXIT_OK;
}

#define COMMON_OPTS (OPT_FORMAT | OPT_VERBOSE | OPT_TIMEOUT)

const struct cli_cmd cli_cmds[] = {
	{ "info", "Show whether a PF supports Intel live migration, its identity and its VFs",
	  COMMON_OPTS, true, false, cmd_info },
	{ "query-size", "Print the size of a VF's migration state",
	  COMMON_OPTS | OPT_VF | OPT_DRY_RUN | OPT_FORCE, true, true, cmd_query_size },
	{ "suspend", "Suspend a VF", COMMON_OPTS | OPT_VF | OPT_DRY_RUN | OPT_FORCE, true, true,
	  cmd_suspend },
	{ "resume", "Resume a VF", COMMON_OPTS | OPT_VF | OPT_DRY_RUN | OPT_FORCE, true, true,
	  cmd_resume },
	{ "save", "Save a suspended VF's migration state to a file",
	  COMMON_OPTS | OPT_VF | OPT_OUTPUT_FILE | OPT_DRY_RUN | OPT_FORCE | OPT_RAW, true, true,
	  cmd_save },
	{ "load", "Load a migration state file into a suspended VF",
	  COMMON_OPTS | OPT_VF | OPT_INPUT_FILE | OPT_DRY_RUN | OPT_FORCE | OPT_RAW, true, true,
	  cmd_load },
	{ "inspect", "Show a state blob's header and whether it verifies", OPT_FORMAT, false,
	  false, cmd_inspect },
	{ NULL, NULL, 0, false, false, NULL },
};
