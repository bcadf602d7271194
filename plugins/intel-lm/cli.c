// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The command line: subcommand dispatch, option parsing (nvme-cli's conventions:
 * getopt_long_only, so -vf=3 is --vf=3), usage, help and version.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "cli-priv.h"
#include "escape.h"

/* Long-only options get values above any character. */
enum {
	LOPT_FORMAT = 256,
	LOPT_DRY_RUN,
	LOPT_FORCE,
	LOPT_RAW,
	LOPT_VF,
	LOPT_JOBS,
	LOPT_WAIT,
	LOPT_TO,
	LOPT_TO_VF,
	LOPT_KEEP,
	LOPT_MAX_STATE,
	LOPT_CONFIRM,
	LOPT_SSH,
	LOPT_REMOTE_PROGRAM,
	LOPT_PROTOCOL,
};

struct opt_desc {
	struct option opt;
	unsigned int bit;
	const char *arg;
	const char *help;
};

/* Every option, once: parsing, --help and the option check all read this table. */
static const struct opt_desc opt_descs[] = {
	{ { "vf", required_argument, NULL, LOPT_VF }, OPT_VF, "N",
	  "the VF index, 1-based (the VFN of the Secondary Controller List); query-size, "
	  "suspend, resume, save, load, status and recover also take lists and ranges (1,3,5-8) "
	  "and all" },
	{ { "output-file", required_argument, NULL, 'o' }, OPT_OUTPUT_FILE, "FILE",
	  "where to write the state; - for standard output" },
	{ { "input-file", required_argument, NULL, 'i' }, OPT_INPUT_FILE, "FILE",
	  "where to read the state from; - for standard input" },
	{ { "output-format", required_argument, NULL, LOPT_FORMAT }, OPT_FORMAT, "FMT",
	  "normal or json" },
	{ { "verbose", no_argument, NULL, 'v' }, OPT_VERBOSE, NULL,
	  "show each command's dwords, its completion and its time" },
	{ { "dry-run", no_argument, NULL, LOPT_DRY_RUN }, OPT_DRY_RUN, NULL,
	  "show the vendor commands that would be sent, and send none" },
	{ { "timeout", required_argument, NULL, 't' }, OPT_TIMEOUT, "MS",
	  "command timeout in milliseconds (0: the kernel's default)" },
	{ { "force", no_argument, NULL, LOPT_FORCE }, OPT_FORCE, NULL,
	  "send to a PF without live migration support; replace an existing output file; "
	  "load a state from a different kind of PF" },
	{ { "raw", no_argument, NULL, LOPT_RAW }, OPT_RAW, NULL,
	  "the file holds only the device's bytes, no intel-lm header" },
	{ { "jobs", required_argument, NULL, 'j' }, OPT_JOBS, "N",
	  "work on up to N VFs at once (1 to 64, default 8)" },
	{ { "wait", required_argument, NULL, LOPT_WAIT }, OPT_WAIT, "SECONDS",
	  "wait up to SECONDS for another process working on the same VF (default 10)" },
	{ { "to", required_argument, NULL, LOPT_TO }, OPT_TO, "DEVICE",
	  "the destination PF; ssh://[user@]host[:port]/dev/nvmeN for one on another host" },
	{ { "ssh", required_argument, NULL, LOPT_SSH }, OPT_SSH, "COMMAND",
	  "to reach another host (migrate --to=ssh://..., recover): the command that replaces "
	  "ssh (words split at spaces)" },
	{ { "remote-program", required_argument, NULL, LOPT_REMOTE_PROGRAM }, OPT_REMOTE_PROGRAM,
	  "PATH", "to reach another host (migrate --to=ssh://..., recover): the path of "
	  "nvme-intel-lm there (default: nvme-intel-lm on its PATH)" },
	{ { "to-vf", required_argument, NULL, LOPT_TO_VF }, OPT_TO_VF, "M",
	  "the destination VF index (default: the source VF index)" },
	{ { "keep", required_argument, NULL, LOPT_KEEP }, OPT_KEEP, "FILE",
	  "keep the saved state in FILE (default: a temporary file, kept only on failure)" },
	{ { "max-state-size", required_argument, NULL, LOPT_MAX_STATE }, OPT_MAX_STATE, "BYTES",
	  "accept states up to BYTES (K and M suffixes: KiB, MiB) instead of 256 KiB; never "
	  "beyond MDTS or 4 MiB" },
	{ { "protocol", required_argument, NULL, LOPT_PROTOCOL }, OPT_PROTOCOL, "PROTO",
	  "intel (the vendor commands) or tp4159 (NVMe Migration Send/Receive); default: "
	  "intel where the PF offers it, else tp4159" },
	{ { "confirm", required_argument, NULL, LOPT_CONFIRM }, OPT_CONFIRM, "STATE",
	  "you checked the VF named by --vf yourself and it is STATE (running or suspended): "
	  "settles a state the record knows as unknown" },
};

#define N_OPTS (sizeof(opt_descs) / sizeof(opt_descs[0]))

/* status and recover work on every VF on record unless --vf narrows them. */
static bool vf_optional(const struct cli_cmd *cmd)
{
	return cmd->run == cmd_status || cmd->run == cmd_recover;
}

static const struct cli_cmd *find_cmd(const char *name)
{
	const struct cli_cmd *cmd;

	for (cmd = cli_cmds; cmd->name; cmd++)
		if (!strcmp(cmd->name, name))
			return cmd;
	return NULL;
}

/* Where an option means something particular to one command, say so in its help. */
static const char *opt_help(const struct cli_cmd *cmd, const struct opt_desc *d)
{
	bool migrate = !strcmp(cmd->name, "migrate");

	if (d->bit == OPT_VF && migrate)
		return "the source VF index, 1-based";
	if (d->bit != OPT_FORCE)
		return d->help;
	if (migrate)
		return "send to a PF without live migration support; migrate between different "
		       "kinds of PF; replace an existing --keep file";
	if (!strcmp(cmd->name, "save"))
		return "send to a PF without live migration support; replace an existing output "
		       "file";
	if (!strcmp(cmd->name, "load"))
		return "send to a PF without live migration support; load a state saved on a "
		       "different kind of PF";
	return "send to a PF without live migration support";
}

/* Only what reads may look for the PF; what changes a VF names it. */
static bool device_required(const struct cli_cmd *cmd)
{
	return cmd->needs_device && cmd->changes_state && cmd->sends_vendor_cmds;
}

static void usage_cmd(FILE *f, const char *prog, const struct cli_cmd *cmd)
{
	size_t i;

	fprintf(f, "Usage: %s %s %s[OPTIONS]\n\n%s.\n\nOptions:\n", prog, cmd->name,
		!cmd->needs_device ? "<file> " : device_required(cmd) ? "<device> " :
		"[<device>] ", cmd->summary);
	for (i = 0; i < N_OPTS; i++) {
		const struct opt_desc *d = &opt_descs[i];
		char left[48];

		if (!(cmd->opts & d->bit))
			continue;
		if (d->opt.val < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", d->opt.val, d->opt.name,
				 d->arg ? "=" : "", d->arg ? d->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", d->opt.name, d->arg ? "=" : "",
				 d->arg ? d->arg : "");
		fprintf(f, "  %-28s %s\n", left, opt_help(cmd, d));
	}
	fprintf(f, "  %-28s %s\n", "-h, --help", "show this help");
}

static void usage(FILE *f, const char *prog)
{
	const struct cli_cmd *cmd;

	fprintf(f, "Usage: %s <command> [<device>] [OPTIONS]\n\n"
		"Cold migration of Intel IPU NVMe VFs through the PF's admin queue.\n"
		"<device> is the PF's controller, e.g. /dev/nvme0 or nvme0; without it, the\n"
		"host's only PF that supports Intel live migration is used.\n\nCommands:\n", prog);
	for (cmd = cli_cmds; cmd->name; cmd++)
		fprintf(f, "  %-12s %s\n", cmd->name, cmd->summary);
	fprintf(f, "  %-12s %s\n  %-12s %s\n\nSee '%s help <command>' or '%s <command> --help'.\n",
		"help", "show this list, or a command's manual page", "version",
		"show the version", prog, prog);
}

static int usage_error(struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int usage_error(struct cli *c, const char *fmt, ...)
{
	const struct printer *pr;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* In JSON when the command line asks for it anywhere, even after the mistake. */
	pr = c->usage_json ? &print_json : &print_normal;
	pr->usage(c, msg);
	/* The report is the whole outcome: a lost one changes nothing of the status. */
	pr->finish(c, EXIT_USAGE);
	return EXIT_USAGE;
}

/*
 * Whether the command line asks for JSON (--output-format=json or --output-format json, with one
 * dash or two), looked for before the options are parsed so that a usage error found before
 * that option is reported in JSON too.
 */
static bool asks_json(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *a = argv[i] + strspn(argv[i], "-");

		if (a == argv[i] || a - argv[i] > 2 || strncmp(a, "output-format", 13))
			continue;
		if (!strcmp(a + 13, "=json") || (!a[13] && i + 1 < argc &&
						 !strcmp(argv[i + 1], "json")))
			return true;
	}
	return false;
}

/* A whole decimal number within [min, max], nothing else: no sign, no spaces, no suffix. */
static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* A size in bytes, with an optional K/k (KiB) or M/m (MiB) suffix, from 1 to the kernel's cap. */
static int parse_size(const char *s, unsigned long *out)
{
	char num[32];
	size_t n = strlen(s);
	unsigned long mult = 1;

	if (n && strchr("KkMm", s[n - 1])) {
		mult = toupper((unsigned char)s[n - 1]) == 'K' ? 1024 : 1024 * 1024;
		n--;
	}
	if (n >= sizeof(num))
		return -ERANGE;
	memcpy(num, s, n);
	num[n] = '\0';
	if (parse_uint(num, 1, INTEL_LM_KERNEL_MAX_XFER / mult, out))
		return -ERANGE;
	*out *= mult;
	return 0;
}

/* An option getopt did not take: ambiguous (a beginning of several), or unknown. */
static int unknown_option(struct cli *c, const struct option *longopts, const char *arg)
{
	const char *name = arg + strspn(arg, "-");
	size_t len = strcspn(name, "="), used = 0, n = 0, i;
	char list[256] = "";

	for (i = 0; len && longopts[i].name; i++) {
		if (strncmp(longopts[i].name, name, len))
			continue;
		n++;
		if (used < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s--%s",
						 used ? ", " : "", longopts[i].name);
	}
	if (n > 1)
		return usage_error(c, "option '--%.*s' is ambiguous: it could be %s", (int)len,
				   name, list);
	return usage_error(c, "unknown option '%s'", arg);
}

static int parse_args(struct cli *c, int argc, char **argv)
{
	struct option longopts[N_OPTS + 2];
	unsigned long v;
	size_t i;
	int opt;

	for (i = 0; i < N_OPTS; i++)
		longopts[i] = opt_descs[i].opt;
	longopts[N_OPTS] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[N_OPTS + 1] = (struct option){ NULL, 0, NULL, 0 };

	/* 0, not 1: a full reset, also after nvme-cli 3 parsed its options with "+" */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long_only(argc, argv, ":o:i:vt:j:h", longopts, NULL)) != -1) {
		const struct opt_desc *d = NULL;

		if (opt == 'h') {
			usage_cmd(stdout, c->prog, c->cmd);
			return -1;
		}
		if (opt == '?')
			return unknown_option(c, longopts, argv[optind - 1]);
		if (opt == ':')
			return usage_error(c, "option '%s' needs a value", argv[optind - 1]);
		for (i = 0; i < N_OPTS; i++)
			if (opt_descs[i].opt.val == opt)
				d = &opt_descs[i];
		if (!d || !(c->cmd->opts & d->bit))
			return usage_error(c, "option '%s' does not apply to this command",
					   argv[optind - 1]);
		switch (opt) {
		case LOPT_VF:
			c->vf_arg = optarg;
			c->vf_list = intel_lm_vf_select_is_list(optarg);
			if (c->vf_list && !(c->cmd->opts & OPT_JOBS) && !vf_optional(c->cmd))
				return usage_error(c, "%s takes a single VF index, not '%s'",
						   c->cmd->name, optarg);
			if (c->vf_list)
				break;
			if (parse_uint(optarg, INTEL_LM_VF_MIN, INTEL_LM_VF_MAX, &v))
				c->vf_bad = true;
			else
				c->vf = (uint16_t)v;
			break;
		case 'o':
			c->output_file = optarg;
			break;
		case 'i':
			c->input_file = optarg;
			break;
		case LOPT_FORMAT:
			if (!strcmp(optarg, "json"))
				c->fmt = FMT_JSON;
			else if (!strcmp(optarg, "normal"))
				c->fmt = FMT_NORMAL;
			else
				return usage_error(c, "--output-format is 'normal' or 'json', not "
						   "'%s'", optarg);
			break;
		case 'v':
			c->verbose = true;
			break;
		case LOPT_DRY_RUN:
			c->dry_run = true;
			break;
		case 't':
			if (parse_uint(optarg, 0, UINT32_MAX, &v))
				return usage_error(c, "--timeout takes milliseconds, a whole number "
						   "from 0 to 4294967295, not '%s'", optarg);
			c->timeout_ms = (uint32_t)v;
			break;
		case LOPT_FORCE:
			c->force = true;
			break;
		case LOPT_RAW:
			c->raw = true;
			break;
		case 'j':
			if (parse_uint(optarg, 1, MAX_JOBS, &v))
				return usage_error(c, "--jobs takes a whole number from 1 to %d, not "
						   "'%s'", MAX_JOBS, optarg);
			c->jobs = (unsigned int)v;
			break;
		case LOPT_WAIT:
			if (parse_uint(optarg, 0, 86400, &v))
				return usage_error(c, "--wait takes seconds, a whole number from 0 to "
						   "86400, not '%s'", optarg);
			c->wait_ms = (uint32_t)v * 1000;
			break;
		case LOPT_TO:
			c->to = optarg;
			break;
		case LOPT_TO_VF:
			c->to_vf_arg = optarg;
			c->to_vf_list = intel_lm_vf_select_is_list(optarg);
			if (c->to_vf_list)
				break;
			if (parse_uint(optarg, INTEL_LM_VF_MIN, INTEL_LM_VF_MAX, &v))
				return usage_error(c, "--to-vf takes a VF index from 1 to 65535, or a "
						   "list as --vf does, not '%s'", optarg);
			c->to_vf = (uint16_t)v;
			break;
		case LOPT_KEEP:
			c->keep = optarg;
			break;
		case LOPT_SSH:
			c->ssh = optarg;
			break;
		case LOPT_REMOTE_PROGRAM:
			c->remote_program = optarg;
			break;
		case LOPT_CONFIRM:
			c->confirm = intel_lm_vf_state_parse(optarg);
			if (c->confirm != INTEL_LM_VF_RUNNING && c->confirm != INTEL_LM_VF_SUSPENDED)
				return usage_error(c, "--confirm is 'running' or 'suspended', not "
						   "'%s'", optarg);
			break;
		case LOPT_PROTOCOL: {
			int p = intel_lm_protocol_parse(optarg);

			if (p < 0 || p == INTEL_LM_PROTO_AUTO)
				return usage_error(c, "--protocol is 'intel' or 'tp4159', not '%s'",
						   optarg);
			c->protocol = (unsigned int)p;
			break;
		}
		case LOPT_MAX_STATE:
			if (parse_size(optarg, &v))
				return usage_error(c, "--max-state-size takes bytes from 1 to 4M "
						   "(K and M suffixes allowed), not '%s'", optarg);
			c->max_state = (uint32_t)v;
			break;
		}
	}

	if (c->cmd->needs_device) {
		if (optind < argc)
			c->device = argv[optind++];
		/* Only what reads may look for the PF; what changes a VF names it. */
		if (!c->device && device_required(c->cmd))
			return usage_error(c, "name the PF: %s changes a VF, so it does not guess "
					   "which PF (e.g. %s %s /dev/nvme0 ...)", c->cmd->name,
					   c->prog, c->cmd->name);
	} else {
		if (optind >= argc)
			return usage_error(c, "%s", "name the file to inspect");
		c->file = argv[optind++];
	}
	if (optind < argc)
		return usage_error(c, "unexpected argument '%s'", argv[optind]);
	if ((c->cmd->opts & OPT_VF) && !c->vf_arg && !vf_optional(c->cmd))
		return usage_error(c, "%s", "--vf=N is required (see 'info' for the PF's VFs)");
	if (c->confirm != INTEL_LM_VF_STATES && (!c->device || !c->vf_arg || c->vf_bad ||
						 c->vf_list))
		return usage_error(c, "%s", "--confirm needs the PF and one VF: <device> --vf=N");
	if (c->keep && !strcmp(c->keep, "-"))
		return usage_error(c, "%s", "--keep needs a file: the state never goes to standard "
				   "output, which carries the report");
	if ((c->cmd->opts & OPT_OUTPUT_FILE) && !c->output_file)
		return usage_error(c, "%s", "-o/--output-file=FILE is required (- for stdout)");
	/* nvme-cli's users type -o json by habit: never a file called json by surprise. */
	if (c->output_file && (!strcmp(c->output_file, "json") ||
			       !strcmp(c->output_file, "normal") ||
			       !strcmp(c->output_file, "binary")))
		return usage_error(c, "-o %s would write the state to a file named '%s': here -o is "
				   "the output file, not nvme-cli's --output-format; for a report in "
				   "JSON add --output-format=json, and to write a file of that name "
				   "give it as a path (./%s)", c->output_file, c->output_file,
				   c->output_file);
	if (!c->to_vf_arg)
		c->to_vf = c->vf;
	/* A state is binary: never to a terminal, never typed in from one. */
	if (c->output_file && !strcmp(c->output_file, "-") && isatty(STDOUT_FILENO))
		return usage_error(c, "%s", "-o - writes the state to standard output, which is a "
				   "terminal: redirect it to a file or a pipe (e.g. | ssh host ...), or "
				   "name a file with -o FILE");
	if (c->input_file && !strcmp(c->input_file, "-") && isatty(STDIN_FILENO))
		return usage_error(c, "%s", "-i - reads the state from standard input, which is a "
				   "terminal: redirect a file or a pipe to it, or name a file with "
				   "-i FILE");
	if ((c->cmd->opts & OPT_TO) && !c->to)
		return usage_error(c, "%s", "--to=DEVICE, the destination PF, is required");
	if ((c->cmd->opts & OPT_INPUT_FILE) && !c->input_file)
		return usage_error(c, "%s", "-i/--input-file=FILE is required (- for stdin)");
	return 0;
}

int intel_lm_cli_run(const char *prog, int argc, char **argv)
{
	struct out out = { .changed = -1, .lock = PTHREAD_MUTEX_INITIALIZER };
	struct cli c = { .prog = prog, .jobs = DEFAULT_JOBS, .wait_ms = DEFAULT_WAIT_MS,
			 .confirm = INTEL_LM_VF_STATES, .protocol = INTEL_LM_PROTO_AUTO,
			 .out = &out };
	const char *sysfs = getenv("INTEL_LM_SYSFS");
	const char *lock_dir = getenv("INTEL_LM_LOCK_DIR");
	const char *state_dir = getenv("INTEL_LM_STATE_DIR");
	int ret, err;

	/*
	 * The destination's half of migrate --to=ssh://...: hidden, run by this program on the
	 * other host, and speaking only the peer protocol (peer.c).
	 */
	if (argc == 1 && !strcmp(argv[0], "serve-peer")) {
		c.cmd = find_cmd("migrate");
		c.sysfs = sysfs && *sysfs ? sysfs : NULL;
		c.lock_dir = lock_dir && *lock_dir ? lock_dir : NULL;
		c.state_dir = state_dir && *state_dir ? state_dir : NULL;
		out.pr = &print_normal;
		return cmd_serve_peer(&c);
	}
	if (argc < 1 || !(c.cmd = find_cmd(argv[0]))) {
		struct esc_room x = { .used = 0 };

		fprintf(stderr, "%s: unknown command '%s'\n", prog, esc(&x, argc ? argv[0] : ""));
		usage(stderr, prog);
		return EXIT_USAGE;
	}
	c.sysfs = sysfs && *sysfs ? sysfs : NULL;
	c.lock_dir = lock_dir && *lock_dir ? lock_dir : NULL;
	c.state_dir = state_dir && *state_dir ? state_dir : NULL;
	/* A reader that went away is a failed write of the report, not a fatal signal. */
	signal(SIGPIPE, SIG_IGN);
	c.usage_json = asks_json(argc, argv);
	ret = parse_args(&c, argc, argv);
	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	out.pr = c.fmt == FMT_JSON ? &print_json : &print_normal;
	ret = c.cmd->run(&c);
	err = out.pr->finish(&c, ret);
	if (err) {
		/* The device's part is done and on record: only the report was lost. */
		fprintf(stderr, "%s %s: cannot write the report: %s (%s); what was done to the "
			"device is on record: see '%s status'\n", prog, c.cmd->name, strerror(-err),
			intel_lm_errno_name(err), prog);
		if (!ret)
			ret = EXIT_FAILED;
	}
	return ret;
}

/* Whether "man -w PAGE" finds the page; no shell involved. */
static bool man_has_page(const char *page)
{
	int status, devnull;
	pid_t pid = fork();

	if (pid < 0)
		return false;
	if (pid == 0) {
		devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0) {
			dup2(devnull, STDOUT_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		execlp("man", "man", "-w", page, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int show_manual(const char *prog, const char *cmd)
{
	const struct cli_cmd *found = find_cmd(cmd);
	char page[64];

	if (!found) {
		struct esc_room x = { .used = 0 };

		fprintf(stderr, "%s: no command '%s'\n", prog, esc(&x, cmd));
		usage(stderr, prog);
		return EXIT_USAGE;
	}
	snprintf(page, sizeof(page), "nvme-intel-lm-%s", cmd);
	fflush(NULL);
	/* Only when man(1) knows the page: otherwise the built-in help says the essentials. */
	if (man_has_page(page))
		execlp("man", "man", page, (char *)NULL);
	usage_cmd(stdout, prog, found);
	return EXIT_OK;
}

int intel_lm_cli_main(int argc, char **argv)
{
	const char *prog = "nvme-intel-lm";

	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h")) {
		if (argc >= 3 && !strcmp(argv[1], "help"))
			return show_manual(prog, argv[2]);
		usage(argc < 2 ? stderr : stdout, prog);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("%s version %s (%s, json-c %s)\n", prog, intel_lm_version(), intel_lm_libnvme(),
		       json_c_version());
		return EXIT_OK;
	}
	return intel_lm_cli_run(prog, argc - 1, argv + 1);
}
