// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reporting a failure: which step failed on which device and VF, the decoded status or errno,
 * and what to do next, through the print back end; and the words for a signal.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli-priv.h"

const char *exit_kind(int status)
{
	static const char *const kinds[] = {
		[EXIT_FAILED] = "failed",
		[EXIT_USAGE] = "usage",
		[EXIT_REFUSED] = "refused",
		[EXIT_DEVICE] = "device",
		[EXIT_UNKNOWN] = "unknown",
		[EXIT_PARTIAL] = "partial",
	};

	if (status > 128)
		return "signal";
	return status > 0 && status < (int)(sizeof(kinds) / sizeof(kinds[0])) ? kinds[status] :
	       NULL;
}

int exit_for_cmd(uint8_t opcode, int ret)
{
	if (ret > 0)
		return EXIT_DEVICE;
	/* The library refused the command's buffer before sending it (lib/buffer.c). */
	if (ret == -EMSGSIZE)
		return EXIT_REFUSED;
	/* Only a command that changes the VF's state can leave it in doubt. */
	return intel_lm_opcode_changes_state(opcode) &&
	       intel_lm_effect_of(ret) == INTEL_LM_EFFECT_UNKNOWN ? EXIT_UNKNOWN : EXIT_FAILED;
}

int exit_for_result(const struct vf_result *r)
{
	if (!r->ret)
		return EXIT_OK;
	if (r->ret == -ECANCELED && signal_caught())
		return 128 + signal_caught();
	if (r->device_error)
		return exit_for_cmd(r->opcode, r->ret);
	if (r->state && !strcmp(r->state, intel_lm_vf_state_name(INTEL_LM_VF_UNKNOWN)))
		return EXIT_UNKNOWN;
	return r->sent ? EXIT_FAILED : EXIT_REFUSED;
}

/*
 * A batch: a signal that stopped work shows first, then a VF whose state is in doubt; some
 * failures among successes are partial; when all failed, their common status, else failed.
 */
void exit_tally_add(struct exit_tally *t, int status)
{
	if (status > 128)
		t->sig = status;
	else if (status == EXIT_UNKNOWN)
		t->unknown = true;
	t->n++;
	if (status == EXIT_OK)
		t->ok++;
	else
		t->common = !t->common || t->common == status ? status : EXIT_FAILED;
}

int exit_tally_status(const struct exit_tally *t)
{
	if (t->sig)
		return t->sig;
	if (t->unknown)
		return EXIT_UNKNOWN;
	if (t->ok == t->n)
		return EXIT_OK;
	return t->ok ? EXIT_PARTIAL : t->common;
}

int exit_for_batch(const struct vf_result *r, size_t n)
{
	struct exit_tally t = { 0 };
	size_t i;

	for (i = 0; i < n; i++)
		exit_tally_add(&t, exit_for_result(&r[i]));
	return exit_tally_status(&t);
}

const char *session_dev(const struct session *s)
{
	return s->pf ? pf_path(s) : s->dev ? s->dev : "";
}

/*
 * The message of a format is what it prints up to its first "\n", the advice what follows: the
 * split is the format's, not the text's, so that a newline inside a value (a file name) stays
 * in the message, which the print back ends escape, and cannot make the rest of the message
 * pass for the advice. format_head() copies that part of @fmt to @head (false: no "\n", or
 * too long, and the text is split instead); after the message's @n bytes, the whole text @all
 * holds the "\n" and then the advice, which format_tail() copies to @hint.
 */
static bool format_head(const char *fmt, char *head, size_t len)
{
	const char *nl = strchr(fmt, '\n');

	if (!nl || (size_t)(nl - fmt) >= len)
		return false;
	memcpy(head, fmt, (size_t)(nl - fmt));
	head[nl - fmt] = '\0';
	return true;
}

static void format_tail(const char *all, int n, char *hint, size_t len)
{
	snprintf(hint, len, "%s", n >= 0 && (size_t)n < strlen(all) ? all + n + 1 : "");
}

/* The head of a format is a part of a checked format, with the same arguments. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

int report(const struct cli *c, const struct session *s, int vf, const char *op, int ret,
	   const char *fmt, ...)
{
	const char *dev = s ? session_dev(s) : c->device;
	char msg[1024], hint[512], head[512], all[INTEL_LM_PATH_MAX + 2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(all, sizeof(all), fmt, ap);
	va_end(ap);
	if (format_head(fmt, head, sizeof(head))) {
		int n;

		va_start(ap, fmt);
		n = vsnprintf(msg, sizeof(msg), head, ap);
		va_end(ap);
		format_tail(all, n, hint, sizeof(hint));
	} else {
		snprintf(msg, sizeof(msg), "%s", all);
		split_hint(msg, hint, sizeof(hint));
	}
	c->out->pr->error(c, dev, vf, op, NULL, ret, msg, hint);
	return EXIT_REFUSED;
}

/* Record a failure: @fmt gives the message, and after a "\n" what to do next. */
void fail(struct vf_result *r, const char *op, int ret, const char *fmt, ...)
{
	char head[512], all[INTEL_LM_PATH_MAX + 2048];
	va_list ap;

	r->op = op;
	r->command = NULL;
	r->ret = ret;
	va_start(ap, fmt);
	vsnprintf(all, sizeof(all), fmt, ap);
	va_end(ap);
	if (format_head(fmt, head, sizeof(head))) {
		int n;

		va_start(ap, fmt);
		n = vsnprintf(r->msg, sizeof(r->msg), head, ap);
		va_end(ap);
		format_tail(all, n, r->hint, sizeof(r->hint));
	} else {
		snprintf(r->msg, sizeof(r->msg), "%s", all);
		split_hint(r->msg, r->hint, sizeof(r->hint));
	}
}

#pragma GCC diagnostic pop

void split_hint(char *msg, char *hint, size_t len)
{
	char *nl = strchr(msg, '\n');

	hint[0] = '\0';
	if (nl) {
		snprintf(hint, len, "%s", nl + 1);
		*nl = '\0';
	}
}

unsigned int session_protocol(const struct session *s)
{
	return s && s->pf ? pf_proto(s)->protocol : INTEL_LM_PROTO_INTEL;
}

bool session_migratable(const struct session *s, const char **why)
{
	const struct intel_lm_ctrl_info *i = pf_info(s);

	if (i->support != INTEL_LM_SUPPORTED &&
	    intel_lm_pf_protocols(s->pf) & 1u << INTEL_LM_PROTO_TP4159) {
		*why = "NVMe TP4159 migration: " HMLMS_WORDS " is set";
		return true;
	}
	*why = intel_lm_support_reason(i->support);
	return i->support == INTEL_LM_SUPPORTED;
}

const char *step_words(unsigned int protocol, uint8_t step, char *buf, size_t len)
{
	const char *cmd = intel_lm_step_command(protocol, step);

	snprintf(buf, len, "%s%s%s%s", intel_lm_opcode_name(step), cmd ? " (" : "", cmd ? cmd : "",
		 cmd ? ")" : "");
	return buf;
}

/* The library's advice, in words: the front end's wording of the library's reasons. */
const char *advice_words(int ret, unsigned int protocol, uint8_t opcode)
{
	static const char *const words[] = {
		[INTEL_LM_ADVICE_NONE] = "",
		[INTEL_LM_ADVICE_CHECK_STATE] = "find out the VF's state ('status' shows what "
			"intel-lm knows) before doing anything else, and do not simply repeat the "
			"command",
		[INTEL_LM_ADVICE_RUN_AS_ROOT] = "run as root (CAP_SYS_ADMIN)",
		[INTEL_LM_ADVICE_CHECK_PRESENT] = "check that the controller is still present "
			"('nvme list', dmesg)",
		[INTEL_LM_ADVICE_CHECK_KERNEL_LOG] = "check the kernel log (dmesg) for controller "
			"resets",
		[INTEL_LM_ADVICE_CHECK_LIMIT] = "use 'info' to see the largest state this PF can "
			"move",
		[INTEL_LM_ADVICE_ERROR_LOG] = "the controller's error log may say more "
			"('nvme error-log')",
		[INTEL_LM_ADVICE_CHECK_SUPPORT] = "check with 'info' that this PF supports Intel "
			"live migration, and that you named the PF, not a VF",
		[INTEL_LM_ADVICE_CHECK_VF] = "check the VF index with 'info'",
		[INTEL_LM_ADVICE_SUSPEND_FIRST] = "suspend the VF first",
		[INTEL_LM_ADVICE_RESUME_NOT_NOW] = "the VF cannot be resumed now: load a state or "
			"suspend it first",
		[INTEL_LM_ADVICE_STEP_ORDER] = "run the steps in order: suspend, query-size, save "
			"on the source; suspend, load, resume on the destination",
		[INTEL_LM_ADVICE_NO_RETRY] = "the controller says retrying will not help",
	};
	enum intel_lm_advice a = intel_lm_advice(ret, opcode);

	/* TP4159: announced by OACS bit 11; a VF named by its controller ID; a state's format. */
	if (protocol == INTEL_LM_PROTO_TP4159) {
		if (a == INTEL_LM_ADVICE_CHECK_SUPPORT)
			return "check with 'info' that this PF offers NVMe TP4159 migration "
			       "(" HMLMS_WORDS " set), and that you named the "
			       "PF, not a VF";
		if (a == INTEL_LM_ADVICE_CHECK_VF && opcode == INTEL_LM_OPC_LOAD_DATA)
			return "check the VF with 'info' (TP4159 names it by its controller ID); "
			       "the state must be in a format the destination offers ('inspect' "
			       "shows the file's CSVI) and fit its VF: one saved on another kind "
			       "of PF or firmware may not";
		if (a == INTEL_LM_ADVICE_CHECK_VF)
			return "check the VF with 'info' (TP4159 names it by its controller ID, "
			       "which the PF's Secondary Controller List gives)";
	}

	/* A refused field of a data command may be its length, which comes from elsewhere. */
	if (a == INTEL_LM_ADVICE_CHECK_VF && opcode == INTEL_LM_OPC_SAVE_DATA)
		return "check the VF index with 'info'; the data length is the size QUERY_DATA_SIZE "
		       "gave: suspend the VF before asking its size, so that it cannot change";
	if (a == INTEL_LM_ADVICE_CHECK_VF && opcode == INTEL_LM_OPC_LOAD_DATA)
		return "check the VF index with 'info'; the state must fit the destination VF: "
		       "one saved on another kind of PF or firmware may not";
	return a < sizeof(words) / sizeof(words[0]) && words[a] ? words[a] : "";
}

/* Why the state size is limited, in the front end's terms (its option for the caller's limit). */
const char *limit_words(enum intel_lm_limit_src src)
{
	if (src == INTEL_LM_LIMIT_CALLER)
		return "the limit set for this run (--max-state-size)";
	if (src == INTEL_LM_LIMIT_SEGMENTS)
		return "the Linux NVMe driver's 127 memory segments per command, as this host has "
		       "no huge pages for a larger buffer: reserve some in /proc/sys/vm/nr_hugepages, "
		       "or enable transparent huge pages";
	return intel_lm_limit_reason(src);
}

/* What is wrong with a state file, in the front end's terms. */
const char *blob_words(int err)
{
	if (err == -EILSEQ)
		return "the file is not an intel-lm state blob (bad magic; a raw state needs "
		       "--raw)";
	return intel_lm_blob_strerror(err);
}

void cmd_hint(const struct cli *c, const struct session *s, int vf, uint8_t opcode, int ret,
	      char *hint, size_t len)
{
	const char *h = advice_words(ret, session_protocol(s), opcode);

	/* The library's reason decides; its words are the advice, with a command line added. */
	if (intel_lm_advice(ret, opcode) == INTEL_LM_ADVICE_SUSPEND_FIRST)
		snprintf(hint, len, "%s: %s suspend %s --vf=%d", h, c->prog, session_dev(s), vf);
	else
		snprintf(hint, len, "%s", h);
}

/* A command the device failed: the decoded status, and advice with a command line. */
int report_cmd(const struct cli *c, const struct session *s, int vf, uint8_t opcode, int ret)
{
	char msg[512], hint[INTEL_LM_PATH_MAX + 128];

	intel_lm_step_strerror(ret, session_protocol(s), opcode, msg, sizeof(msg));
	cmd_hint(c, s, vf, opcode, ret, hint, sizeof(hint));
	c->out->pr->error(c, session_dev(s), vf, intel_lm_opcode_name(opcode),
			  intel_lm_step_command(session_protocol(s), opcode), ret, msg, hint);
	return exit_for_cmd(opcode, ret);
}

const char *signal_name(int sig)
{
	static const char *const names[] = { [SIGINT] = "SIGINT", [SIGTERM] = "SIGTERM",
					     [SIGHUP] = "SIGHUP", [SIGQUIT] = "SIGQUIT" };

	return sig > 0 && sig < (int)(sizeof(names) / sizeof(names[0])) && names[sig] ?
	       names[sig] : "a signal";
}
