/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The emulated Intel IPU NVMe PF: the C API for unit tests.
 *
 * A test executable linked with emu_dep gets the same libc interposition as the
 * libintel-lm-emu.so preload: it is configured by the file named in INTEL_LM_EMU
 * (see tests/emu/README.md). Every function returns 0 (or a count) or a negative errno.
 */
#ifndef INTEL_LM_EMU_H
#define INTEL_LM_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum emu_vf_state - the migration state of an emulated VF
 * @EMU_VF_RUNNING:	initial state, and after RESUME
 * @EMU_VF_SUSPENDED:	after SUSPEND
 * @EMU_VF_SAVED:	after SAVE_DATA
 * @EMU_VF_LOADED:	after LOAD_DATA
 */
enum emu_vf_state {
	EMU_VF_RUNNING = 0,
	EMU_VF_SUSPENDED,
	EMU_VF_SAVED,
	EMU_VF_LOADED,
};

/**
 * struct emu_vf_info - what emu_vf_show() reports about one VF
 * @state:	its migration state
 * @size:	its current state size in bytes (what QUERY_DATA_SIZE answers, hostile modes aside)
 * @nvq:	its current VQ count
 * @loaded:	its state bytes came from LOAD_DATA (else they are generated)
 * @origin_serial: the serial of the PF the state bytes were generated on
 * @origin_vf:	the VF index they were generated for
 * @gen:	the generation counter in the state header: 0 when generated, +1 at each RESUME
 * @lineage:	the lineage in the state header: a nonce given to each freshly generated state
 *		(setup, a PF reset, emu_vf_online()), unique since setup
 * @is_protected: the state header's protected mark: a SAVE_DATA that succeeded copied this
 *		lineage out (intel-lm took charge of it), so losing its newest generation loses a
 *		state; a fresh VF's own state, or one only suspended, has no mark
 * @crc_ok:	the state bytes pass their own check (magic, version, size, CRC32)
 * @online:	Secondary Controller List SCS bit 0: `vf.N.online`, until a PF reset
 * @nvi:	its current VI count (0 after a PF reset)
 * @reset:	a PF reset (a command that hung, `hang_reset`) took it offline with its resources
 */
struct emu_vf_info {
	enum emu_vf_state state;
	uint32_t size;
	uint16_t nvq;
	bool loaded;
	char origin_serial[21];
	uint16_t origin_vf;
	uint32_t gen;
	uint64_t lineage;
	bool is_protected;
	bool crc_ok;
	bool online;
	uint16_t nvi;
	bool reset;
};

/**
 * emu_reload() - Re-read the configuration named by INTEL_LM_EMU
 *
 * Call it after changing the environment variable. Descriptors of emulated devices stay
 * open; they keep working when the new configuration still has their device. Not to be
 * called while other threads submit commands.
 *
 * Return: 0 (also when INTEL_LM_EMU is unset: pure pass-through), or -errno (-EINVAL for a
 * bad configuration, reported on stderr).
 */
int emu_reload(void);

/**
 * emu_setup() - Create a fresh state, as `intel-lm-emu setup` does
 *
 * All VFs RUNNING with generated state, counters zero; the fake sysfs tree is (re)generated
 * when the configuration names one.
 *
 * Return: 0 or -errno (-ENOENT when no configuration is loaded).
 */
int emu_setup(void);

/**
 * emu_vf_show() - Describe one VF
 * @pf:		the PF's name, e.g. "nvme0"
 * @vf:		the 1-based VF index
 * @info:	filled in
 *
 * Return: 0 or -errno (-ENODEV for an unknown PF or VF).
 */
int emu_vf_show(const char *pf, uint16_t vf, struct emu_vf_info *info);

/**
 * emu_vf_online() - Give a VF back what a PF reset took: its VQ and VI resources, online
 * @pf:		the PF's name
 * @vf:		the 1-based VF index
 *
 * What the Virtualization Management flow (assign resources, set online) does on a real host.
 * The VF is then RUNNING with the generated state of its configured queues. Nothing changes
 * for a VF no reset took offline.
 *
 * Return: 0 or -errno (-ENODEV for an unknown PF or VF).
 */
int emu_vf_online(const char *pf, uint16_t vf);

/**
 * emu_vf_dump() - Copy a VF's current state bytes (what SAVE_DATA would return)
 * @pf:		the PF's name
 * @vf:		the 1-based VF index
 * @buf:	where to copy them
 * @len:	room in @buf; must be at least the VF's size (see emu_vf_show())
 *
 * Return: 0, or -errno (-ENOSPC when @len is too small).
 */
int emu_vf_dump(const char *pf, uint16_t vf, void *buf, size_t len);

/**
 * emu_counter() - How many commands of one opcode the PF received since setup
 * @pf:		the PF's name
 * @opcode:	an admin opcode, e.g. 0xd2 or 0x06 (Identify)
 *
 * Counted across processes; these are the counters `fault` lines refer to.
 *
 * Return: the count, or -errno.
 */
int emu_counter(const char *pf, uint8_t opcode);

/**
 * struct emu_state_ident - what a VF state's content header says (emu_state_ident())
 * @serial:	the serial of the PF it was generated on
 * @vf:		the VF index it was generated for
 * @nvq:	its VQ count
 * @size:	its size field
 * @gen:	its generation
 * @lineage:	its lineage
 * @is_protected: its protected mark
 * @crc_ok:	it passes its own check (magic, version, size, CRC32)
 */
struct emu_state_ident {
	char serial[21];
	uint16_t vf;
	uint16_t nvq;
	uint32_t size;
	uint32_t gen;
	uint64_t lineage;
	bool is_protected;
	bool crc_ok;
};

/**
 * emu_state_ident() - Decode a VF state (SAVE_DATA's bytes, or an intel-lm blob's payload)
 * @buf:	the state bytes
 * @len:	their length
 * @id:		filled in as far as the header could be read
 *
 * Return: 0 (see @id->crc_ok), or -EBADMSG when @buf is not an emulated state at all (too
 * short, wrong magic).
 */
int emu_state_ident(const void *buf, size_t len, struct emu_state_ident *id);

/**
 * emu_vf_state_name() - "running", "suspended", "saved" or "loaded"
 * @state:	a state
 *
 * Return: the name, "?" when unknown. Never NULL.
 */
const char *emu_vf_state_name(enum emu_vf_state state);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_EMU_H */
