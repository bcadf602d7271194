// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The C API of emu.h, for unit tests and for the intel-lm-emu program.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "priv.h"

EMU_EXPORT int emu_reload(void)
{
	return emu_cfg_reload();
}

EMU_EXPORT int emu_setup(void)
{
	const struct emu_config *cfg = emu_cfg();
	int ret;

	if (!cfg)
		return -ENOENT;
	ret = emu_state_reset(cfg);
	if (ret)
		return ret;
	return emu_sysfs_create(cfg);
}

/* the PF named @name, and when @check_vf, that @vf is one of its VFs */
static int find(const char *name, bool check_vf, uint16_t vf, const struct emu_pf **pfp)
{
	const struct emu_config *cfg = emu_cfg();
	const struct emu_pf *pf;

	if (!cfg)
		return -ENOENT;
	pf = emu_config_pf(cfg, name);
	if (!pf || (check_vf && (vf < 1 || vf > pf->nvfs)))
		return -ENODEV;
	*pfp = pf;
	return 0;
}

/* the VF's record and, when @buf is set, its state bytes (@buf must hold @len >= size) */
static int vf_get(const char *name, uint16_t vf, struct emu_vf_rec *rec, void **bytes)
{
	const struct emu_pf *pf;
	struct emu_state st;
	void *buf = NULL;
	int ret;

	ret = find(name, true, vf, &pf);
	if (ret)
		return ret;
	ret = emu_state_open(emu_cfg(), &st);
	if (ret)
		return ret;
	ret = emu_state_lock_vf(&st, pf->index, vf, false);
	if (!ret)
		ret = emu_state_get_vf(&st, pf->index, vf, rec);
	if (!ret && bytes) {
		buf = malloc(rec->size);
		ret = buf ? emu_state_read_bytes(&st, pf->index, vf, rec, buf, rec->size) : -ENOMEM;
	}
	emu_state_close(&st);
	if (ret) {
		free(buf);
		return ret;
	}
	if (bytes)
		*bytes = buf;
	return 0;
}

EMU_EXPORT int emu_vf_show(const char *name, uint16_t vf, struct emu_vf_info *info)
{
	struct emu_blob_origin origin;
	const struct emu_pf *pf;
	struct emu_vf_rec rec;
	void *buf;
	int ret;

	ret = find(name, true, vf, &pf);
	if (!ret)
		ret = vf_get(name, vf, &rec, &buf);
	if (ret)
		return ret;
	memset(info, 0, sizeof(*info));
	info->state = rec.state;
	info->size = rec.size;
	info->nvq = rec.nvq;
	info->loaded = rec.loaded;
	info->crc_ok = !emu_blob_check(buf, rec.size, &origin);
	memcpy(info->origin_serial, origin.serial, sizeof(info->origin_serial));
	info->origin_vf = origin.vf;
	info->gen = origin.gen;
	info->lineage = origin.lineage;
	info->is_protected = origin.flags & EMU_BLOB_PROTECTED;
	info->reset = rec.reset;
	info->online = pf->vf[vf - 1].online && !rec.reset;
	info->nvi = rec.reset ? 0 : pf->vf[vf - 1].nvi;
	free(buf);
	return 0;
}

EMU_EXPORT int emu_vf_online(const char *name, uint16_t vf)
{
	const struct emu_pf *pf;
	int ret;

	ret = find(name, true, vf, &pf);
	if (ret)
		return ret;
	return emu_state_vf_online(emu_cfg(), pf->index, vf);
}

EMU_EXPORT int emu_vf_dump(const char *pf, uint16_t vf, void *out, size_t len)
{
	struct emu_vf_rec rec;
	void *buf;
	int ret;

	ret = vf_get(pf, vf, &rec, &buf);
	if (ret)
		return ret;
	if (len < rec.size)
		ret = -ENOSPC;
	else
		memcpy(out, buf, rec.size);
	free(buf);
	return ret;
}

EMU_EXPORT int emu_counter(const char *name, uint8_t opcode)
{
	const struct emu_pf *pf;
	struct emu_state st;
	uint32_t n;
	int ret;

	ret = find(name, false, 0, &pf);
	if (ret)
		return ret;
	ret = emu_state_open(emu_cfg(), &st);
	if (ret)
		return ret;
	ret = emu_state_counter(&st, pf->index, opcode, &n);
	emu_state_close(&st);
	if (ret)
		return ret;
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

EMU_EXPORT const char *emu_vf_state_name(enum emu_vf_state state)
{
	switch (state) {
	case EMU_VF_RUNNING:
		return "running";
	case EMU_VF_SUSPENDED:
		return "suspended";
	case EMU_VF_SAVED:
		return "saved";
	case EMU_VF_LOADED:
		return "loaded";
	}
	return "?";
}

EMU_EXPORT int emu_state_ident(const void *buf, size_t len, struct emu_state_ident *id)
{
	struct emu_blob_origin origin;
	int ret;

	memset(id, 0, sizeof(*id));
	ret = emu_blob_check(buf, len, &origin);
	if (ret && (len < EMU_BLOB_MIN || memcmp(buf, "ILMEMU", 6)))
		return -EBADMSG;
	id->crc_ok = !ret;
	memcpy(id->serial, origin.serial, sizeof(id->serial));
	id->vf = origin.vf;
	id->nvq = origin.nvq;
	id->size = origin.size;
	id->gen = origin.gen;
	id->lineage = origin.lineage;
	id->is_protected = origin.flags & EMU_BLOB_PROTECTED;
	return 0;
}
