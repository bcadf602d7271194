// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The library's version (meson.build's project version, passed by the build) and its libnvme.
 */
#include <intel-lm/version.h>

#include "backend.h"

const char *intel_lm_version(void)
{
	return INTEL_LM_VERSION;
}

const char *intel_lm_libnvme(void)
{
	return intel_lm_be_libnvme();
}
