// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The subcommands. Each opens the PF through session.c, calls the library, and hands results
 * to the print back end; none formats text itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli-priv.h"
#include "intel-lm-commands.h"

static int cmd_info(const struct cli *c)
{
	struct session s;
	int ret;

	ret = session_open(c, c->device, &s);
	if (!ret) {
		/* The identity and the verdict are shown also when the VFs cannot be listed. */
		ret = session_need_vf(c, &s);
		c->out->pr->info(c, &s);
	}
	session_close(&s);
	return ret;
}

/*
 * Up to @want bytes of @fd into a buffer (*@out, freed by the caller) that grows with what
 * arrives, doubling from 1 MiB: a header's length is not trusted, so a pipe that claims 4 GiB
 * and brings 10 bytes costs 1 MiB, not 4 GiB. Returns the number of bytes read, or an errno.
 */
static ssize_t read_grown(int fd, size_t want, void **out)
{
	size_t cap = 0, have = 0, next;
	uint8_t *b = NULL, *nb;
	ssize_t n;

	*out = NULL;
	do {
		next = cap ? cap * 2 : (size_t)1 << 20;
		if (next > want)
			next = want;
		nb = realloc(b, next);
		if (!nb) {
			free(b);
			return -ENOMEM;
		}
		b = nb;
		cap = next;
		n = intel_lm_read_full(fd, b + have, cap - have);
		if (n < 0) {
			free(b);
			return n;
		}
		have += (size_t)n;
	} while (have == cap && cap < want);
	*out = b;
	return (ssize_t)have;
}

static int cmd_inspect(const struct cli *c)
{
	uint8_t raw[INTEL_LM_BLOB_HDR_LEN];
	struct intel_lm_blob_hdr hdr = { 0 };
	int fd, hdr_err, payload_err = 0;
	void *buf = NULL;
	struct stat st;
	ssize_t n;

	fd = open_input(c->file);
	if (fd < 0)
		return report(c, NULL, -1, "read", fd, "cannot read %s: %s (%s)", c->file,
			      strerror(-fd), intel_lm_errno_name(fd));
	n = intel_lm_read_full(fd, raw, sizeof(raw));
	hdr_err = n < 0 ? (int)n : intel_lm_blob_decode(raw, (size_t)n, &hdr);
	if (!hdr_err) {
		/*
		 * Read one byte more than the header says, to see a file that is too long, but
		 * never allocate more than the file holds or the largest state a PF can move:
		 * the header is not trusted. Intel's commands move at most the kernel's 4 MiB
		 * in one command; TP4159 moves a state in pieces, of any 32-bit size (as load
		 * takes it over TP4159), so its blob is read whole, into a buffer that grows
		 * with what the file or pipe really holds.
		 */
		size_t want = (size_t)hdr.payload_len + 1;

		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (uint64_t)st.st_size - INTEL_LM_BLOB_HDR_LEN + 1 < want)
			want = (size_t)((uint64_t)st.st_size - INTEL_LM_BLOB_HDR_LEN + 1);
		if (hdr.protocol != INTEL_LM_PROTO_TP4159 && want > INTEL_LM_KERNEL_MAX_XFER + 1)
			want = INTEL_LM_KERNEL_MAX_XFER + 1;

		n = read_grown(fd, want, &buf);
		payload_err = n < 0 ? (int)n : intel_lm_blob_check_payload(&hdr, buf, (size_t)n);
	}
	c->out->pr->inspect(c, c->file, &hdr, hdr_err, payload_err,
		       fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0);
	free(buf);
	if (fd > STDIN_FILENO)
		close(fd);
	/* An invalid blob is what load would refuse: an error, as load would report it. */
	if (hdr_err || payload_err)
		return report(c, NULL, -1, "verify", hdr_err ? hdr_err : payload_err, "%s: %s\n"
			      "load refuses it; save the state again from its source VF", c->file,
			      blob_words(hdr_err ? hdr_err : payload_err));
	return EXIT_OK;
}

#define CMD_COMMON_OPTS	(OPT_FORMAT | OPT_VERBOSE | OPT_TIMEOUT)
#define CMD_VF_OPTS	(CMD_COMMON_OPTS | OPT_VF | OPT_DRY_RUN | OPT_FORCE | OPT_JOBS | OPT_WAIT | \
			 OPT_PROTOCOL)
#define CMD_DEVICE	0x1u
#define CMD_VENDOR	0x2u
#define CMD_CHANGES	0x4u

/* The table of intel-lm-commands.h's list, which both nvme-cli glues expand too. */
#define CLI_CMD(name, id, sends, opts, flags, summary)						\
	{ name, summary, opts, ((flags) & CMD_DEVICE) != 0, ((flags) & CMD_VENDOR) != 0,	\
	  ((flags) & CMD_CHANGES) != 0, cmd_##id },

const struct cli_cmd cli_cmds[] = {
	INTEL_LM_COMMANDS(CLI_CMD)
	{ NULL, NULL, 0, false, false, false, NULL },
};
