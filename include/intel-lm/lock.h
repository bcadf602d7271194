/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: serialising operations on one VF across processes. A lock is tied to the PF (by
 * its identity, &struct intel_lm_pf_id) and the VF index, so work on different VFs proceeds in
 * parallel. The lock directory is one intel-lm owns (a real directory of the effective user
 * that no one else can write to): a directory others can write to would let them remove held
 * locks.
 */
#ifndef INTEL_LM_LOCK_H
#define INTEL_LM_LOCK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** INTEL_LM_LOCK_DIR - where lock files live unless the caller names another directory */
#define INTEL_LM_LOCK_DIR	"/run/intel-lm"

/* A held VF lock: an opaque handle, created by intel_lm_lock_vf() and freed by unlocking. */
struct intel_lm_lock;

/**
 * intel_lm_lock_path() - The lock file of a VF
 * @dir:	the lock directory, NULL for INTEL_LM_LOCK_DIR
 * @pf_key:	the PF's key (&struct intel_lm_pf_id)
 * @vf:		the VF index
 * @path:	where to write the path
 * @len:	size of @path
 *
 * Return: 0, or -ENAMETOOLONG when it does not fit (@path is then "").
 */
int intel_lm_lock_path(const char *dir, const char *pf_key, uint16_t vf, char *path, size_t len);

/**
 * intel_lm_lock_vf() - Take the lock of one VF of one PF
 * @dir:	the lock directory, NULL for INTEL_LM_LOCK_DIR; created (mode 0700, missing parents
 *		0755) when missing, and refused unless it is a real directory (not a symbolic
 *		link) owned by the effective user and writable by no one else
 * @pf_key:	the PF's key (&struct intel_lm_pf_id)
 * @vf:		the VF index
 * @wait_ms:	how long to wait for another holder, in milliseconds; 0 = do not wait
 * @what:	what the caller is doing, recorded for whoever waits next, e.g. "save (pid 42)"
 * @lock:	set to the held lock on success, NULL otherwise
 * @holder:	on -EWOULDBLOCK, what the holder recorded (e.g. "pid 42: nvme-intel-lm save")
 * @len:	size of @holder
 *
 * Return: 0 with the lock held; -EWOULDBLOCK when another process held it for all of
 * @wait_ms; -ELOOP, -ENOTDIR or -EPERM for an untrusted directory or lock file; or another
 * negative errno (-ENOMEM; the directory cannot be created or opened).
 */
int intel_lm_lock_vf(const char *dir, const char *pf_key, uint16_t vf, unsigned int wait_ms,
		     const char *what, struct intel_lm_lock **lock, char *holder, size_t len);

/**
 * intel_lm_unlock_vf() - Release a lock taken by intel_lm_lock_vf() and free it
 * @lock:	the lock, or NULL (nothing happens)
 */
void intel_lm_unlock_vf(struct intel_lm_lock *lock);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_LOCK_H */
