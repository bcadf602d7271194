// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reporting a failure: which step failed on which device and VF, the decoded status or errno,
 * and what to do next, through the print back end; and the words for a signal.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli-priv.h"

int report(struct cli *c, const struct session *s, int vf, const char *op, int ret,
	   const char *fmt, ...)
{
	const char *dev = s && s->dev.path[0] ? s->dev.path : c->device;
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

void cmd_hint(const struct cli *c, const struct session *s, int vf, uint8_t opcode, int ret,
	      char *hint, size_t len)
{
	const char *h = intel_lm_hint(ret, opcode);

	/* The library's reason decides; its words are the advice, with a command line added. */
	if (intel_lm_advice(ret, opcode) == INTEL_LM_ADVICE_SUSPEND_FIRST)
		snprintf(hint, len, "%s: %s suspend %s --vf=%d", h, c->prog, s->dev.path, vf);
	else
		snprintf(hint, len, "%s", h);
}

/* A command the device failed: the decoded status, and advice with a command line. */
int report_cmd(struct cli *c, const struct session *s, int vf, uint8_t opcode, int ret)
{
	char msg[512], hint[sizeof(s->dev.path) + 128];

	intel_lm_strerror(ret, opcode, msg, sizeof(msg));
	cmd_hint(c, s, vf, opcode, ret, hint, sizeof(hint));
	c->pr->error(c, s->dev.path, vf, intel_lm_opcode_name(opcode), ret, msg, hint);
	return EXIT_FAILED;
}

const char *signal_name(int sig)
{
	static const char *const names[] = { [SIGINT] = "SIGINT", [SIGTERM] = "SIGTERM",
					     [SIGHUP] = "SIGHUP", [SIGQUIT] = "SIGQUIT" };

	return sig > 0 && sig < (int)(sizeof(names) / sizeof(names[0])) && names[sig] ?
	       names[sig] : "a signal";
}
