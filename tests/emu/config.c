// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emulator's configuration file: `key = value` lines, `#` comments, `[pf NAME]` and
 * `[vf NAME]` sections. tests/emu/README.md documents every key.
 *
 * Only libc's own stdio is used here (its internal open is not interposed), so loading the
 * configuration from inside an interposed call cannot recurse.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"

#define DEF_VID			0x8086
#define DEF_PCI_DEVICE		0x1457	/* arbitrary */
#define DEF_PCI_VF_DEVICE	0x1458	/* arbitrary */
#define DEF_MDTS		5
#define DEF_CNTLID		1
#define DEF_LM			0x01
#define DEF_VFS			4
#define DEF_NVQ			4
#define DEF_NVI			2
#define DEF_ADMIN_TIMEOUT_MS	2000
#define DEF_PCI_BUS		0x3b
#define PCI_BUS_STRIDE		4	/* room for 512 VFs after each default PF */

/* which per-VF keys a `vf.N.KEY` line has set */
enum {
	VF_SET_NVQ	= 1 << 0,
	VF_SET_NVI	= 1 << 1,
	VF_SET_SIZE	= 1 << 2,
	VF_SET_ONLINE	= 1 << 3,
};

struct parser {
	const char *file;
	unsigned int line;
	struct emu_config *cfg;
	char *dir;			/* the configuration file's directory, with '/' */
	struct emu_pf *pf;		/* current [pf] section */
	struct emu_vfdev *vfdev;	/* current [vf] section */
	uint8_t **vf_set;		/* per PF: VF_SET_* per VF */
	uint16_t def_nvq;
	uint16_t def_nvi;
	char **vfdev_pfs;		/* per [vf]: the `pf =` value */
};

static const char * const hostile_names[] = {
	"size0", "size-huge", "size-max", "size-change", "strings-unterminated",
	"strings-control", "seclist-overflow", "seclist-dup", "hang",
};

__attribute__((format(printf, 2, 3)))
static int perr(const struct parser *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "intel-lm-emu: %s:%u: ", p->file, p->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end || x > max)
		return -EINVAL;
	*v = x;
	return 0;
}

/* *@v is set exactly when this returns 0 */
static int num(struct parser *p, const char *key, const char *val, uint64_t max, uint64_t *v)
{
	int ret = parse_u64(val, max, v);

	if (ret)
		perr(p, "%s: '%s' is not a number from 0 to %llu", key, val,
		     (unsigned long long)max);
	return ret;
}

static char *path_value(struct parser *p, const char *val)
{
	char *s;

	if (val[0] == '/' || !p->dir)
		return strdup(val);
	if (asprintf(&s, "%s%s", p->dir, val) < 0)
		return NULL;
	return s;
}

static int set_path(struct parser *p, char **dst, const char *val)
{
	free(*dst);
	*dst = path_value(p, val);
	return *dst ? 0 : -ENOMEM;
}

static int set_str(struct parser *p, const char *key, char *dst, size_t room, const char *val)
{
	if (strlen(val) >= room)
		return perr(p, "%s: longer than %zu characters", key, room - 1);
	strcpy(dst, val);
	return 0;
}

static int parse_pci(const char *s, uint32_t *rid)
{
	unsigned int dom, bus, dev, fn;
	int n = 0;

	if (sscanf(s, "%4x:%2x:%2x.%1x%n", &dom, &bus, &dev, &fn, &n) != 4 || s[n] ||
	    dev > 31 || fn > 7)
		return -EINVAL;
	*rid = dom << 16 | bus << 8 | dev << 3 | fn;
	return 0;
}

void emu_pci_addr(uint32_t rid, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", (rid >> 16) & 0xffff, (rid >> 8) & 0xff,
		 (rid >> 3) & 0x1f, rid & 7);
}

/* SR-IOV routing IDs: first VF offset 1, VF stride 1 */
uint32_t emu_vf_rid(const struct emu_pf *pf, unsigned int vf)
{
	return pf->pci_rid + vf;
}

static int parse_fault(struct parser *p, const char *val)
{
	char opc[32], nth[32], what[32], extra[32];
	struct emu_fault f = { 0 }, *tmp;
	uint64_t v;
	int n;

	n = sscanf(val, "%31s %31s %31s %31s", opc, nth, what, extra);
	if (n < 3)
		return perr(p, "fault: expected 'OPCODE NTH WHAT [apply]'");
	if (n == 4) {
		if (strcmp(extra, "apply"))
			return perr(p, "fault: '%s' is not 'apply'", extra);
		f.apply = true;
	}
	if (parse_u64(opc, 0xff, &v))
		return perr(p, "fault: bad opcode '%s'", opc);
	f.opcode = v;
	if (parse_u64(nth, UINT32_MAX, &v) || !v)
		return perr(p, "fault: bad command number '%s' (counted from 1)", nth);
	f.nth = v;
	if (isdigit((unsigned char)what[0])) {
		if (parse_u64(what, 0xffff, &v) || !v)
			return perr(p, "fault: bad NVMe status '%s'", what);
		f.status = v;
	} else if (!strcmp(what, "hang")) {
		f.hang = true;
	} else {
		f.err = emu_errno_parse(what);
		if (!f.err)
			return perr(p, "fault: '%s' is neither an NVMe status nor one of "
				    "EINTR ETIMEDOUT EIO ENODEV EACCES hang", what);
	}
	tmp = realloc(p->pf->faults, (p->pf->nfaults + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	tmp[p->pf->nfaults++] = f;
	p->pf->faults = tmp;
	return 0;
}

static int parse_hostile(struct parser *p, const char *val)
{
	size_t i;

	for (i = 0; i < sizeof(hostile_names) / sizeof(hostile_names[0]); i++) {
		if (!strcmp(val, hostile_names[i])) {
			p->pf->hostile |= 1u << i;
			return 0;
		}
	}
	return perr(p, "hostile: unknown mode '%s'", val);
}

static int pf_vf_key(struct parser *p, const char *key, const char *val)
{
	struct emu_pf *pf = p->pf;
	uint8_t *set = p->vf_set[pf->index];
	struct emu_vf_cfg *vf;
	char sub[16];
	unsigned int n;
	int len = 0;
	uint64_t v;

	if (sscanf(key, "vf.%u.%15[a-z]%n", &n, sub, &len) != 2 || key[len])
		return perr(p, "unknown key '%s'", key);
	if (n < 1 || n > EMU_MAX_VFS)
		return perr(p, "%s: VF index from 1 to %u", key, EMU_MAX_VFS);
	vf = &pf->vf[n - 1];
	if (!strcmp(sub, "nvq")) {
		if (num(p, key, val, 0xffff, &v))
			return -EINVAL;
		vf->nvq = v;
		set[n - 1] |= VF_SET_NVQ;
	} else if (!strcmp(sub, "nvi")) {
		if (num(p, key, val, 0xffff, &v))
			return -EINVAL;
		vf->nvi = v;
		set[n - 1] |= VF_SET_NVI;
	} else if (!strcmp(sub, "size")) {
		if (num(p, key, val, UINT32_MAX, &v))
			return -EINVAL;
		if (v < EMU_BLOB_MIN)
			return perr(p, "%s: at least %u bytes (the state's header and CRC)", key,
				    EMU_BLOB_MIN);
		vf->size = v;
		set[n - 1] |= VF_SET_SIZE;
	} else if (!strcmp(sub, "online")) {
		if (num(p, key, val, 1, &v))
			return -EINVAL;
		vf->online = v;
		set[n - 1] |= VF_SET_ONLINE;
	} else {
		return perr(p, "unknown key '%s'", key);
	}
	return 0;
}

/* `PREFIX.OPC = US`, @opc pointing after the dot: *@op and *@us are set when this returns 0 */
static int opcode_us(struct parser *p, const char *key, const char *opc, const char *val,
		     uint8_t *op, uint32_t *us)
{
	uint64_t v;

	if (parse_u64(opc, 0xff, &v)) {
		perr(p, "%s: bad opcode", key);
		return -EINVAL;
	}
	*op = v;
	if (num(p, key, val, UINT32_MAX, &v))
		return -EINVAL;
	*us = v;
	return 0;
}

static int pf_key(struct parser *p, const char *key, const char *val)
{
	struct emu_pf *pf = p->pf;
	uint32_t us;
	uint64_t v;
	uint8_t op;

	if (!strcmp(key, "path"))
		return set_path(p, &pf->path, val);
	if (!strcmp(key, "serial"))
		return set_str(p, key, pf->serial, sizeof(pf->serial), val);
	if (!strcmp(key, "model"))
		return set_str(p, key, pf->model, sizeof(pf->model), val);
	if (!strcmp(key, "firmware"))
		return set_str(p, key, pf->firmware, sizeof(pf->firmware), val);
	if (!strcmp(key, "fault"))
		return parse_fault(p, val);
	if (!strcmp(key, "hostile"))
		return parse_hostile(p, val);
	if (!strcmp(key, "pci")) {
		if (parse_pci(val, &pf->pci_rid))
			return perr(p, "pci: '%s' is not DDDD:BB:DD.F", val);
		return 0;
	}
	if (!strncmp(key, "vf.", 3))
		return pf_vf_key(p, key, val);
	if (!strncmp(key, "latency.", 8)) {
		if (opcode_us(p, key, key + 8, val, &op, &us))
			return -EINVAL;
		pf->latency_op[op] = us;
		return 0;
	}
	if (!strncmp(key, "completion_delay.", 17)) {
		if (opcode_us(p, key, key + 17, val, &op, &us))
			return -EINVAL;
		pf->completion_delay[op] = us;
		return 0;
	}

	if (!strcmp(key, "vid") || !strcmp(key, "ssvid") || !strcmp(key, "cntlid") ||
	    !strcmp(key, "nvq") || !strcmp(key, "nvi") || !strcmp(key, "pci_device") ||
	    !strcmp(key, "pci_vf_device")) {
		if (num(p, key, val, 0xffff, &v))
			return -EINVAL;
		if (!strcmp(key, "vid"))
			pf->vid = v;
		else if (!strcmp(key, "ssvid"))
			pf->ssvid = v;
		else if (!strcmp(key, "cntlid"))
			pf->cntlid = v;
		else if (!strcmp(key, "nvq"))
			p->def_nvq = v;
		else if (!strcmp(key, "nvi"))
			p->def_nvi = v;
		else if (!strcmp(key, "pci_device"))
			pf->pci_device = v;
		else
			pf->pci_vf_device = v;
		return 0;
	}
	if (!strcmp(key, "mdts") || !strcmp(key, "lm")) {
		if (num(p, key, val, 0xff, &v))
			return -EINVAL;
		if (!strcmp(key, "mdts"))
			pf->mdts = v;
		else
			pf->lm = v;
		return 0;
	}
	if (!strcmp(key, "vfs")) {
		if (num(p, key, val, EMU_MAX_VFS, &v))
			return -EINVAL;
		pf->nvfs = v;
		return 0;
	}
	if (!strcmp(key, "foreign")) {
		if (num(p, key, val, 127, &v))
			return -EINVAL;
		pf->foreign = v;
		return 0;
	}
	if (!strcmp(key, "strict")) {
		if (num(p, key, val, 1, &v))
			return -EINVAL;
		pf->strict = v;
		return 0;
	}
	if (!strcmp(key, "tp4159")) {
		if (num(p, key, val, 1, &v))
			return -EINVAL;
		pf->tp4159 = v;
		return 0;
	}
	if (!strcmp(key, "hang_reset")) {
		if (num(p, key, val, 1, &v))
			return -EINVAL;
		pf->hang_reset = v;
		return 0;
	}
	if (!strcmp(key, "latency_us")) {
		if (num(p, key, val, UINT32_MAX, &v))
			return -EINVAL;
		pf->latency_us = v;
		return 0;
	}
	return perr(p, "unknown key '%s' in [pf %s]", key, pf->name);
}

static int vfdev_key(struct parser *p, const char *key, const char *val)
{
	struct emu_vfdev *d = p->vfdev;
	uint64_t v;

	if (!strcmp(key, "path"))
		return set_path(p, &d->path, val);
	if (!strcmp(key, "pf"))
		return set_str(p, key, p->vfdev_pfs[d - p->cfg->vfdev], EMU_NAME_LEN, val);
	if (!strcmp(key, "vf")) {
		if (num(p, key, val, EMU_MAX_VFS, &v))
			return -EINVAL;
		d->vf = v;
		return 0;
	}
	return perr(p, "unknown key '%s' in [vf %s]", key, d->name);
}

static int global_key(struct parser *p, const char *key, const char *val)
{
	struct emu_config *cfg = p->cfg;
	uint64_t v;

	if (!strcmp(key, "state"))
		return set_path(p, &cfg->state, val);
	if (!strcmp(key, "trace"))
		return set_path(p, &cfg->trace, val);
	if (!strcmp(key, "progress"))
		return set_path(p, &cfg->progress, val);
	if (!strcmp(key, "sysfs"))
		return set_path(p, &cfg->sysfs, val);
	if (!strcmp(key, "admin_timeout_ms")) {
		if (num(p, key, val, UINT32_MAX, &v))
			return -EINVAL;
		cfg->admin_timeout_ms = v;
		return 0;
	}
	if (!strcmp(key, "kernel_admin_timeout")) {
		if (num(p, key, val, UINT32_MAX / 1000, &v))
			return -EINVAL;
		cfg->kernel_admin_timeout = v;
		return 0;
	}
	return perr(p, "unknown global key '%s'", key);
}

static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	return n && n < EMU_NAME_LEN && !strchr(name, '/');
}

static bool name_taken(const struct emu_config *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->npf; i++)
		if (!strcmp(cfg->pf[i].name, name))
			return true;
	for (i = 0; i < cfg->nvfdev; i++)
		if (!strcmp(cfg->vfdev[i].name, name))
			return true;
	return false;
}

/* finish the defaults of the current [pf] section */
static void pf_finish(struct parser *p)
{
	struct emu_pf *pf = p->pf;
	uint8_t *set;
	unsigned int i;

	if (!pf)
		return;
	set = p->vf_set[pf->index];
	for (i = 0; i < EMU_MAX_VFS; i++) {
		if (!(set[i] & VF_SET_NVQ))
			pf->vf[i].nvq = p->def_nvq;
		if (!(set[i] & VF_SET_NVI))
			pf->vf[i].nvi = p->def_nvi;
		if (!(set[i] & VF_SET_ONLINE))
			pf->vf[i].online = true;
	}
	p->pf = NULL;
}

static int section(struct parser *p, char *s)
{
	struct emu_config *cfg = p->cfg;
	char kind[8], name[64], extra[2];
	void *tmp;

	if (sscanf(s, "%7s %63s %1s", kind, name, extra) != 2)
		return perr(p, "expected [pf NAME] or [vf NAME]");
	if (!name_ok(name))
		return perr(p, "bad device name '%s'", name);
	if (name_taken(cfg, name))
		return perr(p, "device '%s' defined twice", name);
	pf_finish(p);
	p->vfdev = NULL;

	if (!strcmp(kind, "pf")) {
		struct emu_pf *pf;
		unsigned int n = cfg->npf;

		tmp = realloc(cfg->pf, (n + 1) * sizeof(*cfg->pf));
		if (!tmp)
			return -ENOMEM;
		cfg->pf = tmp;
		tmp = realloc(p->vf_set, (n + 1) * sizeof(*p->vf_set));
		if (!tmp)
			return -ENOMEM;
		p->vf_set = tmp;
		p->vf_set[n] = NULL;
		pf = &cfg->pf[n];
		memset(pf, 0, sizeof(*pf));
		cfg->npf++;
		strcpy(pf->name, name);
		pf->index = n;
		pf->vf = calloc(EMU_MAX_VFS, sizeof(*pf->vf));
		p->vf_set[n] = calloc(EMU_MAX_VFS, 1);
		if (!pf->vf || !p->vf_set[n])
			return -ENOMEM;
		pf->vid = DEF_VID;
		pf->ssvid = DEF_VID;
		pf->pci_device = DEF_PCI_DEVICE;
		pf->pci_vf_device = DEF_PCI_VF_DEVICE;
		snprintf(pf->serial, sizeof(pf->serial), "EMU%s", name);
		strcpy(pf->model, "Intel IPU NVMe (emulated)");
		strcpy(pf->firmware, "EMU1.0");
		pf->mdts = DEF_MDTS;
		pf->cntlid = DEF_CNTLID;
		pf->lm = DEF_LM;
		pf->hang_reset = true;
		pf->nvfs = DEF_VFS;
		pf->pci_rid = (DEF_PCI_BUS + PCI_BUS_STRIDE * n) << 8;
		for (int i = 0; i < EMU_NOPC; i++)
			pf->latency_op[i] = -1;
		p->def_nvq = DEF_NVQ;
		p->def_nvi = DEF_NVI;
		p->pf = pf;
		return 0;
	}
	if (!strcmp(kind, "vf")) {
		unsigned int n = cfg->nvfdev;

		tmp = realloc(cfg->vfdev, (n + 1) * sizeof(*cfg->vfdev));
		if (!tmp)
			return -ENOMEM;
		cfg->vfdev = tmp;
		tmp = realloc(p->vfdev_pfs, (n + 1) * sizeof(*p->vfdev_pfs));
		if (!tmp)
			return -ENOMEM;
		p->vfdev_pfs = tmp;
		p->vfdev_pfs[n] = calloc(EMU_NAME_LEN, 1);
		if (!p->vfdev_pfs[n])
			return -ENOMEM;
		memset(&cfg->vfdev[n], 0, sizeof(cfg->vfdev[n]));
		cfg->nvfdev++;
		strcpy(cfg->vfdev[n].name, name);
		p->vfdev = &cfg->vfdev[n];
		return 0;
	}
	return perr(p, "unknown section kind '%s'", kind);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int line(struct parser *p, char *s)
{
	char *eq, *key, *val, *hash;
	size_t n;

	s = trim(s);
	if (!*s || *s == '#')
		return 0;
	if (*s == '[') {
		n = strlen(s);
		if (s[n - 1] != ']')
			return perr(p, "unterminated section header");
		s[n - 1] = '\0';
		return section(p, trim(s + 1));
	}
	eq = strchr(s, '=');
	if (!eq)
		return perr(p, "expected 'key = value'");
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (*val == '"') {
		/* a quoted value keeps its spaces and '#' */
		n = strlen(val);
		if (n < 2 || val[n - 1] != '"')
			return perr(p, "unterminated quoted value");
		val[n - 1] = '\0';
		val++;
	} else {
		/* an unquoted value ends at " #" */
		for (hash = val; (hash = strchr(hash, '#')); hash++) {
			if (hash > val && isspace((unsigned char)hash[-1])) {
				*hash = '\0';
				val = trim(val);
				break;
			}
		}
	}
	if (!*key)
		return perr(p, "empty key");
	if (p->pf)
		return pf_key(p, key, val);
	if (p->vfdev)
		return vfdev_key(p, key, val);
	return global_key(p, key, val);
}

static int finish(struct parser *p)
{
	struct emu_config *cfg = p->cfg;
	unsigned int i, j;

	pf_finish(p);
	if (!cfg->state && asprintf(&cfg->state, "%s.state", p->file) < 0)
		return -ENOMEM;
	for (i = 0; i < cfg->npf; i++) {
		struct emu_pf *pf = &cfg->pf[i];

		for (j = pf->nvfs; j < EMU_MAX_VFS; j++) {
			if (p->vf_set[i][j]) {
				fprintf(stderr, "intel-lm-emu: %s: [pf %s]: vf.%u.* set but the "
					"PF has %u VFs\n", p->file, pf->name, j + 1, pf->nvfs);
				return -EINVAL;
			}
		}
		if (!pf->path && asprintf(&pf->path, "/dev/%s", pf->name) < 0)
			return -ENOMEM;
		if (asprintf(&pf->ns_path, "%sn1", pf->path) < 0)
			return -ENOMEM;
	}
	for (i = 0; i < cfg->nvfdev; i++) {
		struct emu_vfdev *d = &cfg->vfdev[i];
		const struct emu_pf *pf = emu_config_pf(cfg, p->vfdev_pfs[i]);

		if (!pf || d->vf < 1 || d->vf > pf->nvfs) {
			fprintf(stderr, "intel-lm-emu: %s: [vf %s] needs 'pf = ' a configured PF "
				"and 'vf = ' one of its VF indexes\n", p->file, d->name);
			return -EINVAL;
		}
		d->pf = pf->index;
		if (!d->path && asprintf(&d->path, "/dev/%s", d->name) < 0)
			return -ENOMEM;
	}
	return 0;
}

static void parser_free(struct parser *p)
{
	unsigned int i;

	for (i = 0; p->cfg && i < p->cfg->npf; i++)
		free(p->vf_set[i]);
	for (i = 0; p->cfg && i < p->cfg->nvfdev; i++)
		free(p->vfdev_pfs[i]);
	free(p->vf_set);
	free(p->vfdev_pfs);
	free(p->dir);
}

int emu_config_load(const char *file, struct emu_config **cfgp)
{
	struct parser p = { .file = file };
	char *buf = NULL;
	size_t cap = 0;
	const char *slash;
	FILE *f;
	int ret = 0;

	*cfgp = NULL;
	p.cfg = calloc(1, sizeof(*p.cfg));
	if (!p.cfg)
		return -ENOMEM;
	p.cfg->admin_timeout_ms = DEF_ADMIN_TIMEOUT_MS;
	p.cfg->kernel_admin_timeout = EMU_KERNEL_TIMEOUT_MS / 1000;
	p.cfg->file = strdup(file);
	slash = strrchr(file, '/');
	if (slash)
		p.dir = strndup(file, slash - file + 1);
	if (!p.cfg->file || (slash && !p.dir)) {
		ret = -ENOMEM;
		goto out;
	}

	f = fopen(file, "re");
	if (!f) {
		ret = -errno;
		fprintf(stderr, "intel-lm-emu: %s: %s\n", file, strerror(errno));
		goto out;
	}
	while (getline(&buf, &cap, f) >= 0) {
		p.line++;
		ret = line(&p, buf);
		if (ret)
			break;
	}
	free(buf);
	fclose(f);
	if (!ret)
		ret = finish(&p);
out:
	parser_free(&p);
	if (ret) {
		emu_config_free(p.cfg);
		return ret;
	}
	*cfgp = p.cfg;
	return 0;
}

void emu_config_free(struct emu_config *cfg)
{
	unsigned int i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->npf; i++) {
		free(cfg->pf[i].path);
		free(cfg->pf[i].ns_path);
		free(cfg->pf[i].vf);
		free(cfg->pf[i].faults);
	}
	for (i = 0; i < cfg->nvfdev; i++)
		free(cfg->vfdev[i].path);
	free(cfg->pf);
	free(cfg->vfdev);
	free(cfg->file);
	free(cfg->state);
	free(cfg->trace);
	free(cfg->progress);
	free(cfg->sysfs);
	free(cfg);
}

const struct emu_pf *emu_config_pf(const struct emu_config *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; cfg && i < cfg->npf; i++)
		if (!strcmp(cfg->pf[i].name, name))
			return &cfg->pf[i];
	return NULL;
}
