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

const char *session_dev(const struct session *s)
{
	return s->pf ? pf_path(s) : s->cli && s->cli->device ? s->cli->device : "";
}

int report(struct cli *c, const struct session *s, int vf, const char *op, int ret,
	   const char *fmt, ...)
{
	const char *dev = s && s->pf ? pf_path(s) : c->device;
	char msg[1024], hint[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	split_hint(msg, hint, sizeof(hint));
	c->pr->error(c, dev, vf, op, ret, msg, hint);
	return EXIT_FAILED;
}

/* Record a failure: @fmt gives the message, and after a "\n" what to do next. */
void fail(struct vf_result *r, const char *op, int ret, const char *fmt, ...)
{
	va_list ap;

	r->op = op;
	r->ret = ret;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	split_hint(r->msg, r->hint, sizeof(r->hint));
}

void split_hint(char *msg, char *hint, size_t len)
{
	char *nl = strchr(msg, '\n');

	hint[0] = '\0';
	if (nl) {
		snprintf(hint, len, "%s", nl + 1);
		*nl = '\0';
	}
}

/* The library's advice, in words: the front end's wording of the library's reasons. */
const char *advice_words(int ret, uint8_t opcode)
{
	static const char *const words[] = {
		[INTEL_LM_ADVICE_NONE] = "",
		[INTEL_LM_ADVICE_CHECK_STATE] = "check the VF's state (info, query-size) before "
			"doing anything else, and do not simply repeat the command",
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
		[INTEL_LM_ADVICE_CHECK_VF] = "check the VF index with 'info'; for save, suspend "
			"the VF before asking its size, so the size cannot change",
		[INTEL_LM_ADVICE_SUSPEND_FIRST] = "suspend the VF first",
		[INTEL_LM_ADVICE_RESUME_NOT_NOW] = "the VF cannot be resumed now: load a state or "
			"suspend it first",
		[INTEL_LM_ADVICE_STEP_ORDER] = "run the steps in order: suspend, query-size, save "
			"on the source; suspend, load, resume on the destination",
		[INTEL_LM_ADVICE_NO_RETRY] = "the controller says retrying will not help",
	};
	enum intel_lm_advice a = intel_lm_advice(ret, opcode);

	return a < sizeof(words) / sizeof(words[0]) && words[a] ? words[a] : "";
}

/* Why the state size is limited, in the front end's terms (its option for the caller's limit). */
const char *limit_words(enum intel_lm_limit_src src)
{
	if (src == INTEL_LM_LIMIT_CALLER)
		return "the limit set for this run (--max-state-size)";
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
	const char *h = advice_words(ret, opcode);

	/* The library's reason decides; its words are the advice, with a command line added. */
	if (intel_lm_advice(ret, opcode) == INTEL_LM_ADVICE_SUSPEND_FIRST)
		snprintf(hint, len, "%s: %s suspend %s --vf=%d", h, c->prog, session_dev(s), vf);
	else
		snprintf(hint, len, "%s", h);
}

/* A command the device failed: the decoded status, and advice with a command line. */
int report_cmd(struct cli *c, const struct session *s, int vf, uint8_t opcode, int ret)
{
	char msg[512], hint[INTEL_LM_PATH_MAX + 128];

	intel_lm_strerror(ret, opcode, msg, sizeof(msg));
	cmd_hint(c, s, vf, opcode, ret, hint, sizeof(hint));
	c->pr->error(c, session_dev(s), vf, intel_lm_opcode_name(opcode), ret, msg, hint);
	return EXIT_FAILED;
}

const char *signal_name(int sig)
{
	static const char *const names[] = { [SIGINT] = "SIGINT", [SIGTERM] = "SIGTERM",
					     [SIGHUP] = "SIGHUP", [SIGQUIT] = "SIGQUIT" };

	return sig > 0 && sig < (int)(sizeof(names) / sizeof(names[0])) && names[sig] ?
	       names[sig] : "a signal";
}
