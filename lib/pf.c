// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PF handle: the opened controller, what Identify said, its key, its state limit and its
 * VFs, owned together and freed together.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <intel-lm/blob.h>
#include <intel-lm/pf.h>
#include <intel-lm/tp4159.h>

#include "private.h"

#include "private.h"

struct intel_lm_pf {
	struct intel_lm_dev dev;	/* first: intel_lm_pf_open() zeroes what follows it */
	struct intel_lm_ctrl_info info;
	struct intel_lm_pf_id id;
	struct intel_lm_limit limit;
	struct intel_lm_vf_list vfs;
	bool have_vfs;
	struct intel_lm_proto proto;	/* zero: Intel's commands */
	uint32_t max_state;		/* intel_lm_pf_set_max_state(), 0: none */
	char *sysfs;
};

/* Above what ordinary pages always carry, the host's memory decides too (buffer.c). */
static void limit_by_memory(struct intel_lm_limit *limit)
{
	intel_lm_state_limit_segments(limit, intel_lm_state_contig(limit->max_bytes));
}

int intel_lm_pf_open(const char *arg, const char *sysfs, struct intel_lm_pf **pf,
		     enum intel_lm_dev_kind *kind, char *name)
{
	struct intel_lm_pf *p;
	int ret;

	*pf = NULL;
	/* intel_lm_dev_open() sets all of @p->dev (its 4 KiB path too): zero only the rest. */
	p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset((char *)p + sizeof(p->dev), 0, sizeof(*p) - sizeof(p->dev));
	if (sysfs && !(p->sysfs = strdup(sysfs))) {
		free(p);
		return -ENOMEM;
	}
	ret = intel_lm_dev_open(arg, sysfs, &p->dev);
	if (kind)
		*kind = p->dev.kind;
	if (name)
		memcpy(name, p->dev.name, INTEL_LM_DEV_NAME_LEN);
	if (ret) {
		free(p->sysfs);
		free(p);
		return ret;
	}
	*pf = p;
	return 0;
}

int intel_lm_pf_identify(struct intel_lm_pf *pf, const struct intel_lm_opts *opts)
{
	int ret;

	ret = intel_lm_identify(pf->dev.fd, opts, &pf->info);
	if (ret)
		return ret;
	intel_lm_pf_id_of(&pf->dev, pf->sysfs, &pf->info, &pf->id);
	intel_lm_state_limit(&pf->info, &pf->limit);
	limit_by_memory(&pf->limit);
	return intel_lm_pf_use_protocol(pf, INTEL_LM_PROTO_AUTO, opts);
}

void intel_lm_pf_close(struct intel_lm_pf *pf)
{
	if (!pf)
		return;
	intel_lm_vf_list_free(&pf->vfs);
	intel_lm_dev_close(&pf->dev);
	free(pf->sysfs);
	free(pf);
}

int intel_lm_pf_fd(const struct intel_lm_pf *pf)
{
	return pf->dev.fd;
}

const char *intel_lm_pf_path(const struct intel_lm_pf *pf)
{
	return pf->dev.path;
}

const char *intel_lm_pf_name(const struct intel_lm_pf *pf)
{
	return pf->dev.name;
}

const struct intel_lm_ctrl_info *intel_lm_pf_info(const struct intel_lm_pf *pf)
{
	return &pf->info;
}

const struct intel_lm_pf_id *intel_lm_pf_id(const struct intel_lm_pf *pf)
{
	return &pf->id;
}

const struct intel_lm_limit *intel_lm_pf_limit(const struct intel_lm_pf *pf)
{
	return &pf->limit;
}

/* The largest state, for the PF's protocol and the caller's limit. */
static void set_limit(struct intel_lm_pf *pf)
{
	if (pf->proto.protocol == INTEL_LM_PROTO_TP4159) {
		pf->limit.max_bytes = UINT32_MAX & ~3u;
		pf->limit.src = INTEL_LM_LIMIT_PIECES;
		if (pf->max_state && pf->max_state < pf->limit.max_bytes) {
			pf->limit.max_bytes = pf->max_state;
			pf->limit.src = INTEL_LM_LIMIT_CALLER;
		}
		return;
	}
	intel_lm_state_limit(&pf->info, &pf->limit);
	if (pf->max_state)
		intel_lm_state_limit_set(&pf->limit, pf->max_state);
	limit_by_memory(&pf->limit);
}

int intel_lm_pf_set_max_state(struct intel_lm_pf *pf, uint32_t max_bytes)
{
	if (!max_bytes)
		return -EINVAL;
	pf->max_state = max_bytes;
	set_limit(pf);
	return 0;
}

int intel_lm_pf_list_vfs(struct intel_lm_pf *pf, const struct intel_lm_opts *opts)
{
	int ret;

	if (pf->have_vfs)
		return 0;
	ret = intel_lm_list_vfs(pf->dev.fd, pf->info.cntlid, opts, &pf->vfs);
	if (ret)
		return ret;
	intel_lm_vf_list_sysfs(&pf->vfs, pf->sysfs, pf->dev.name);
	pf->have_vfs = true;
	return 0;
}

const struct intel_lm_vf_list *intel_lm_pf_vfs(const struct intel_lm_pf *pf)
{
	return &pf->vfs;
}

const struct intel_lm_proto *intel_lm_pf_proto(const struct intel_lm_pf *pf)
{
	return &pf->proto;
}

int intel_lm_pf_set_proto(struct intel_lm_pf *pf, const struct intel_lm_proto *p)
{
	if (p->protocol != INTEL_LM_PROTO_INTEL && p->protocol != INTEL_LM_PROTO_TP4159)
		return -EINVAL;
	pf->proto = *p;
	set_limit(pf);
	return 0;
}

unsigned int intel_lm_pf_protocols(const struct intel_lm_pf *pf)
{
	return (pf->info.support == INTEL_LM_SUPPORTED ? 1u << INTEL_LM_PROTO_INTEL : 0) |
	       (pf->info.hmlms ? 1u << INTEL_LM_PROTO_TP4159 : 0);
}

/* Supported Controller State Formats (CNS 20h): byte 0, NV, the NVMe state versions listed. */
#define ID_CNS_STATE_FORMATS	0x20

int intel_lm_pf_use_protocol(struct intel_lm_pf *pf, unsigned int protocol,
			     const struct intel_lm_opts *opts)
{
	struct intel_lm_proto p = { .protocol = INTEL_LM_PROTO_INTEL };
	unsigned int offered = intel_lm_pf_protocols(pf);
	uint8_t *id;
	int ret;

	if (protocol == INTEL_LM_PROTO_AUTO)
		protocol = offered & 1u << INTEL_LM_PROTO_INTEL || !offered ?
			   INTEL_LM_PROTO_INTEL : INTEL_LM_PROTO_TP4159;
	if (protocol == INTEL_LM_PROTO_INTEL)
		return intel_lm_pf_set_proto(pf, &p);
	if (protocol != INTEL_LM_PROTO_TP4159)
		return -EINVAL;
	if (!(offered & 1u << INTEL_LM_PROTO_TP4159))
		return -EOPNOTSUPP;
	if (posix_memalign((void **)&id, INTEL_LM_ID_BUF_ALIGN, INTEL_LM_ID_DATA_LEN))
		return -ENOMEM;
	ret = intel_lm_identify_raw(pf->dev.fd, ID_CNS_STATE_FORMATS, 0, id, opts);
	if (!ret) {
		p.protocol = INTEL_LM_PROTO_TP4159;
		p.csvi = id[0] ? 1 : 0;
		/* Each piece within MDTS and the kernel's limits, for every caller. */
		p.max_xfer = intel_lm_tp_chunk_max(pf->limit.mdts_bytes, 0);
		ret = intel_lm_pf_set_proto(pf, &p);
	}
	free(id);
	return ret;
}
