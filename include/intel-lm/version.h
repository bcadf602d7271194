/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * intel-lm: which libintel-lm a program runs with.
 */
#ifndef INTEL_LM_VERSION_H
#define INTEL_LM_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

/**
 * intel_lm_version() - The version of the libintel-lm a program runs with
 *
 * The one version string of intel-lm: the project's version, which the programs print and
 * state blobs record.
 *
 * Return: e.g. "0.1.0". Never NULL.
 */
const char *intel_lm_version(void);

/**
 * intel_lm_libnvme() - The libnvme generation this libintel-lm was built with
 *
 * Return: "libnvme 1.x" or "libnvme3". Never NULL.
 */
const char *intel_lm_libnvme(void);

#ifdef __cplusplus
}
#endif

#endif /* INTEL_LM_VERSION_H */
