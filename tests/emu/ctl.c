// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * intel-lm-emu: set up and inspect the emulated Intel IPU NVMe PF.
 *
 *	intel-lm-emu [-c CONFIG] setup
 *	intel-lm-emu [-c CONFIG] show [PF [VF]]
 *	intel-lm-emu [-c CONFIG] ident FILE...
 *	intel-lm-emu [-c CONFIG] online PF VF
 *	intel-lm-emu [-c CONFIG] dump PF VF FILE
 *	intel-lm-emu [-c CONFIG] counters PF
 *
 * The configuration is CONFIG, else the file named by INTEL_LM_EMU.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "priv.h"

static const uint8_t shown_opcodes[] = {
	nvme_admin_identify, EMU_OPC_QUERY, EMU_OPC_SUSPEND, EMU_OPC_RESUME, EMU_OPC_SAVE,
	EMU_OPC_LOAD,
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: intel-lm-emu [-c CONFIG] setup\n"
		"       intel-lm-emu [-c CONFIG] show [PF [VF]]\n"
		"       intel-lm-emu [-c CONFIG] ident FILE...\n"
		"       intel-lm-emu [-c CONFIG] online PF VF\n"
		"       intel-lm-emu [-c CONFIG] dump PF VF FILE\n"
		"       intel-lm-emu [-c CONFIG] counters PF\n"
		"The configuration is CONFIG, else the file named by " EMU_ENV ".\n");
}

static int fail(const char *what, int ret)
{
	fprintf(stderr, "intel-lm-emu: %s: %s\n", what, strerror(-ret));
	return 1;
}

static int parse_vf(const char *s, uint16_t *vf)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !*s || v > 0xffff) {
		fprintf(stderr, "intel-lm-emu: '%s' is not a VF index\n", s);
		return -1;
	}
	*vf = v;
	return 0;
}

static int show_vf(const char *pf, uint16_t vf, bool prefix)
{
	struct emu_vf_info info;
	int ret;

	ret = emu_vf_show(pf, vf, &info);
	if (ret)
		return ret;
	if (prefix)
		printf("%s %u ", pf, vf);
	printf("state=%s size=%u nvq=%u origin=%s/vf%u crc=%s loaded=%s gen=%u "
	       "lineage=%016llx protected=%s online=%s nvi=%u%s\n",
	       emu_vf_state_name(info.state), info.size, info.nvq, info.origin_serial,
	       info.origin_vf, info.crc_ok ? "ok" : "bad", info.loaded ? "yes" : "no", info.gen,
	       (unsigned long long)info.lineage, info.is_protected ? "yes" : "no",
	       info.online ? "yes" : "no", info.nvi, info.reset ? " reset=yes" : "");
	return 0;
}

/* every VF of @pf (NULL: of every PF), one line each after "PF VF " */
static int show_all(const char *pf)
{
	const struct emu_config *cfg = emu_cfg();
	unsigned int i, vf;
	bool found = false;
	int ret;

	for (i = 0; cfg && i < cfg->npf; i++) {
		if (pf && strcmp(pf, cfg->pf[i].name))
			continue;
		found = true;
		for (vf = 1; vf <= cfg->pf[i].nvfs; vf++) {
			ret = show_vf(cfg->pf[i].name, vf, true);
			if (ret)
				return fail(cfg->pf[i].name, ret);
		}
	}
	return pf && !found ? fail(pf, -ENODEV) : 0;
}

static int show(const char *pf, const char *vfs)
{
	uint16_t vf;
	int ret;

	if (parse_vf(vfs, &vf))
		return 2;
	ret = show_vf(pf, vf, false);
	return ret ? fail(pf, ret) : 0;
}

/*
 * Decode each FILE: an emulated state (SAVE_DATA's bytes, `dump`), or an intel-lm blob whose
 * payload is one (a 256-byte header "INTELLM\x1a" first). One line each; exit 1 when a file
 * could not be read or holds no emulated state.
 */
/* the header of an intel-lm blob file (intel-lm-blob-format(5)) */
#define BLOB_FILE_HDR	256u

static int ident(char **files, int n)
{
	struct emu_state_ident id;
	int i, fd, rc = 0, ret;
	uint8_t *buf;
	ssize_t len;
	size_t off;

	for (i = 0; i < n; i++) {
		struct stat sb;

		buf = NULL;
		len = -1;
		errno = 0;
		fd = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && !fstat(fd, &sb) && (buf = malloc(sb.st_size + 1)))
			len = read(fd, buf, sb.st_size + 1);
		ret = len < 0 ? (errno ? -errno : -ENOMEM) : 0;
		if (fd >= 0)
			close(fd);
		if (ret || !buf) {
			free(buf);
			rc = fail(files[i], ret);
			continue;
		}
		off = (size_t)len >= BLOB_FILE_HDR && !memcmp(buf, "INTELLM\x1a", 8) ?
		      BLOB_FILE_HDR : 0;
		ret = emu_state_ident(buf + off, len - off, &id);
		if (ret) {
			printf("%s: no emulated state\n", files[i]);
			free(buf);
			rc = 1;
			continue;
		}
		printf("%s: origin=%s/vf%u size=%u nvq=%u gen=%u lineage=%016llx protected=%s "
		       "crc=%s%s\n", files[i], id.serial, id.vf, id.size, id.nvq, id.gen,
		       (unsigned long long)id.lineage, id.is_protected ? "yes" : "no",
		       id.crc_ok ? "ok" : "bad", off ? " blob=yes" : "");
		free(buf);
	}
	return rc;
}

static int online(const char *pf, const char *vfs)
{
	uint16_t vf;
	int ret;

	if (parse_vf(vfs, &vf))
		return 2;
	ret = emu_vf_online(pf, vf);
	return ret ? fail(pf, ret) : 0;
}

static int dump(const char *pf, const char *vfs, const char *file)
{
	struct emu_vf_info info;
	uint16_t vf;
	void *buf;
	int fd, ret;

	if (parse_vf(vfs, &vf))
		return 2;
	ret = emu_vf_show(pf, vf, &info);
	if (ret)
		return fail(pf, ret);
	buf = malloc(info.size);
	if (!buf)
		return fail(pf, -ENOMEM);
	ret = emu_vf_dump(pf, vf, buf, info.size);
	if (ret) {
		free(buf);
		return fail(pf, ret);
	}
	fd = strcmp(file, "-") ? open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : 1;
	ret = fd < 0 ? -errno : emu_write_all(fd, buf, info.size);
	if (fd > 1 && close(fd) && !ret)
		ret = -errno;
	free(buf);
	return ret ? fail(file, ret) : 0;
}

static int counters(const char *pf)
{
	const char *sep = "";
	size_t i;
	int n, op;

	n = emu_counter(pf, 0);
	if (n < 0)
		return fail(pf, n);
	for (i = 0; i < sizeof(shown_opcodes); i++) {
		n = emu_counter(pf, shown_opcodes[i]);
		if (n < 0)
			return fail(pf, n);
		printf("%s0x%02x=%d", sep, shown_opcodes[i], n);
		sep = " ";
	}
	for (op = 0; op < EMU_NOPC; op++) {
		if (memchr(shown_opcodes, op, sizeof(shown_opcodes)))
			continue;
		n = emu_counter(pf, op);
		if (n > 0)
			printf(" 0x%02x=%d", op, n);
	}
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;
	int c, ret, nargs;

	while ((c = getopt(argc, argv, "c:h")) != -1) {
		switch (c) {
		case 'c':
			if (setenv(EMU_ENV, optarg, 1))
				return fail("setenv", -errno);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!getenv(EMU_ENV) || !*getenv(EMU_ENV)) {
		fprintf(stderr, "intel-lm-emu: no configuration: use -c CONFIG or set %s\n",
			EMU_ENV);
		return 2;
	}
	if (!strcmp(argv[optind], "ident") && argc - optind > 1)
		return ident(argv + optind + 1, argc - optind - 1);
	ret = emu_reload();
	if (ret)
		return fail(getenv(EMU_ENV), ret);

	cmd = argv[optind];
	nargs = argc - optind - 1;
	argv += optind + 1;
	if (!strcmp(cmd, "setup") && nargs == 0) {
		ret = emu_setup();
		return ret ? fail("setup", ret) : 0;
	}
	if (!strcmp(cmd, "show") && nargs == 2)
		return show(argv[0], argv[1]);
	if (!strcmp(cmd, "show") && nargs < 2)
		return show_all(nargs ? argv[0] : NULL);
	if (!strcmp(cmd, "online") && nargs == 2)
		return online(argv[0], argv[1]);
	if (!strcmp(cmd, "dump") && nargs == 3)
		return dump(argv[0], argv[1], argv[2]);
	if (!strcmp(cmd, "counters") && nargs == 1)
		return counters(argv[0]);
	usage(stderr);
	return 2;
}
