# SPDX-License-Identifier: GPL-2.0-or-later
#
# The kernel suite's host-side helpers (bash), sourced by prepare.sh and qemu/build.sh: messages
# and the installation of missing Debian packages. The sourcing script sets prog first.
# shellcheck shell=bash

die() {
	echo "${prog:-kernel}: error: $*" >&2
	exit 1
}
note() {
	echo "${prog:-kernel}: $*" >&2
}

as_root=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
	as_root=(sudo)
fi

# apt_update: refresh the package lists (quietly; a failure is not fatal here).
apt_update() {
	"${as_root[@]}" apt-get -q -o DPkg::Lock::Timeout=300 update >/dev/null 2>&1 || true
}

# apt_install PKG...: install the packages that are not installed yet, updating the lists once
# if the first attempt fails.
apt_install() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	note "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	local apt=(apt-get -q -y --no-install-recommends -o DPkg::Lock::Timeout=300)
	if ! "${as_root[@]}" "${apt[@]}" install "${missing[@]}" >/dev/null 2>&1; then
		apt_update
		"${as_root[@]}" "${apt[@]}" install "${missing[@]}" >/dev/null ||
			die "cannot install ${missing[*]} (apt-get install failed)"
	fi
}
