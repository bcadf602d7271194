// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * save-vf-state: save one VF's migration state to a file with libintel-lm, as a VMM or a
 * hook that builds on the library would. It suspends the VF, asks its state size, saves the
 * state into an intel-lm blob (the file appears whole or not at all) and leaves the VF
 * suspended; load the blob elsewhere with `nvme-intel-lm load`, or resume the VF.
 *
 *	save-vf-state /dev/nvme0 VF FILE
 *
 * Build:	cc -o save-vf-state save-vf-state.c $(pkg-config --cflags --libs intel-lm)
 *
 * It claims the VF through the library (intel-lm/claim.h), as intel-lm's own commands do: the
 * VF's lock, so that no one else works on it meanwhile, and its record, so that each command's
 * intent and outcome are durable (a crash can be recovered from), the state gets an identity
 * and the one rule is kept. `nvme-intel-lm status` shows what it did. INTEL_LM_STATE_DIR and
 * INTEL_LM_LOCK_DIR name other directories than the defaults, as for the programs.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libintel-lm.h>

/* Say what failed, on which device and VF, and why; return the exit status 1. */
static int failed(struct intel_lm_pf *pf, unsigned int vf, const char *what, int ret,
		  uint8_t opcode)
{
	char why[256];

	fprintf(stderr, "save-vf-state: %s: VF %u: %s: %s\n", intel_lm_pf_path(pf), vf, what,
		intel_lm_strerror(ret, opcode, why, sizeof(why)));
	return 1;
}

int main(int argc, char **argv)
{
	struct intel_lm_claim_opts co = { .size = sizeof(co) };
	enum intel_lm_claim_step step;
	struct intel_lm_claim *cl = NULL;
	struct intel_lm_outfile *out = NULL;
	struct intel_lm_sent sent;
	struct intel_lm_pf *pf;
	uint32_t crc = 0;
	char holder[256] = "";
	unsigned long vf;
	uint32_t size = 0;
	void *state = NULL;
	int ret, status;
	char *end;

	if (argc != 4) {
		fprintf(stderr, "usage: save-vf-state /dev/nvmeX VF FILE\n");
		return 2;
	}
	vf = strtoul(argv[2], &end, 10);
	if (*end || vf < INTEL_LM_VF_MIN || vf > INTEL_LM_VF_MAX) {
		fprintf(stderr, "save-vf-state: '%s' is not a VF index (1 to 65535)\n", argv[2]);
		return 2;
	}
	printf("libintel-lm %s (%s)\n", intel_lm_version(), intel_lm_libnvme());

	ret = intel_lm_pf_open(argv[1], NULL, &pf, NULL, NULL);
	if (ret) {
		fprintf(stderr, "save-vf-state: %s: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	ret = intel_lm_pf_identify(pf, NULL);
	if (ret)
		return failed(pf, vf, "Identify", ret, INTEL_LM_OPC_IDENTIFY);
	if (intel_lm_pf_info(pf)->support != INTEL_LM_SUPPORTED) {
		fprintf(stderr, "save-vf-state: %s: %s\n", intel_lm_pf_path(pf),
			intel_lm_support_reason(intel_lm_pf_info(pf)->support));
		return 1;
	}
	ret = intel_lm_pf_list_vfs(pf, NULL);
	if (ret)
		return failed(pf, vf, "list the VFs", ret, INTEL_LM_OPC_IDENTIFY);
	if (!intel_lm_vf_find(intel_lm_pf_vfs(pf), (uint16_t)vf)) {
		fprintf(stderr, "save-vf-state: %s: VF %lu is not one of its %zu VFs\n",
			intel_lm_pf_path(pf), vf, intel_lm_pf_vfs(pf)->count);
		return 1;
	}
	printf("%s: %s %s, firmware %s, %zu VFs\n", intel_lm_pf_path(pf),
	       intel_lm_pf_info(pf)->mn, intel_lm_pf_info(pf)->sn, intel_lm_pf_info(pf)->fr,
	       intel_lm_pf_vfs(pf)->count);

	/* Created before the VF is touched: a file that cannot be written stops nothing. */
	ret = intel_lm_outfile_open(&out, argv[3], false);
	if (ret) {
		fprintf(stderr, "save-vf-state: %s: %s\n", argv[3], strerror(-ret));
		return 1;
	}
	status = 1;
	co.state_dir = getenv("INTEL_LM_STATE_DIR");
	co.lock_dir = getenv("INTEL_LM_LOCK_DIR");
	co.wait_ms = 10000;
	co.what = "save-vf-state";
	/* The file's name goes on record: one too long is refused here, before SUSPEND. */
	co.output = argv[3];
	ret = intel_lm_claim_vf(pf, (uint16_t)vf, &co, &cl, &step, holder, sizeof(holder));
	if (ret) {
		fprintf(stderr, "save-vf-state: %s: VF %lu: cannot claim it (%s): %s%s%s\n",
			intel_lm_pf_path(pf), vf, step == INTEL_LM_CLAIM_LOCK ? "its lock" :
			step == INTEL_LM_CLAIM_RECORD ? "its record" :
			step == INTEL_LM_CLAIM_OUTPUT ? "the output file's name" : "the directories",
			strerror(-ret), holder[0] ? "; held by " : "", holder);
		goto out;
	}
	ret = intel_lm_claim_send(cl, INTEL_LM_OPC_SUSPEND, NULL, 0, NULL, false, NULL, NULL);
	if (ret) {
		failed(pf, vf, "SUSPEND", ret, INTEL_LM_OPC_SUSPEND);
		goto out;
	}
	ret = intel_lm_claim_send(cl, INTEL_LM_OPC_QUERY_DATA_SIZE, NULL, 0, NULL, false, NULL,
				  &sent);
	size = sent.result;
	if (!ret)
		ret = intel_lm_check_size(size, intel_lm_pf_limit(pf));
	if (ret) {
		failed(pf, vf, "QUERY_DATA_SIZE", ret, INTEL_LM_OPC_QUERY_DATA_SIZE);
		goto out;
	}
	state = intel_lm_state_alloc(size);
	if (!state) {
		failed(pf, vf, "a state buffer", -ENOMEM, 0);
		goto out;
	}
	ret = intel_lm_claim_send(cl, INTEL_LM_OPC_SAVE_DATA, state, size, NULL, false, NULL, NULL);
	if (ret) {
		failed(pf, vf, "SAVE_DATA", ret, INTEL_LM_OPC_SAVE_DATA);
		goto out;
	}
	/* The blob carries the identity the state got with SAVE_DATA. */
	ret = intel_lm_blob_write_state(out, intel_lm_pf_info(pf), (uint16_t)vf,
					&intel_lm_claim_record(cl)->entry.ident, state, size, &crc);
	/* SAVE_DATA's outcome goes on record with the claimed file, or none if it failed. */
	intel_lm_claim_saved(cl, ret ? NULL : argv[3], size, crc);
	if (ret) {
		failed(pf, vf, "write the state file (the VF is saved, its state in no file)", ret, 0);
		goto out;
	}
	printf("%s: VF %lu: saved %u bytes of state to %s; the VF stays suspended\n",
	       intel_lm_pf_path(pf), vf, size, argv[3]);
	status = 0;
out:
	/* Nothing is left at the path unless the whole state was written. */
	intel_lm_outfile_free(out);
	intel_lm_state_free(state, size);
	intel_lm_claim_release(cl);
	intel_lm_pf_close(pf);
	return status;
}
