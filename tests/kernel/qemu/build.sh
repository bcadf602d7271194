#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build Debian's QEMU 7.2 with the intel-lm device model (intel-lm.patch beside this script:
# Intel's commands and NVMe TP4159's Migration Send/Receive): a TCG-only qemu-system-x86_64,
# cached once per patch and QEMU version.
#
# Usage: tests/kernel/qemu/build.sh BUILD_DIR
#
# Leaves the binary at BUILD_DIR/tests/kernel/qemu/qemu-system-x86_64 and prints its path.
# Exits 2, printing why, where the model cannot be built (Debian's QEMU is not 7.2 and no build
# of this patch is cached); 1 on any other failure. Run it with
# "-L /usr/share/qemu -L /usr/share/seabios" (the firmware of Debian's qemu-system-x86 and
# seabios packages; the source tarball lacks the edk2 images and none are installed).
#
# Environment:
#   INTEL_LM_KERNEL_CACHE  cache directory (default /var/cache/intel-lm-kernel); the binary goes
#                          to CACHE/qemu-<hash of the patch and the QEMU version>/
#   INTEL_LM_QEMU_JOBS     ninja's -j (default: the number of CPUs)
#
# Needs root (or sudo) for apt-get: installs the build tools that are missing and fetches the
# source with "apt-get source qemu", which needs a deb-src entry for bookworm (added with
# scripts/build-nvme-cli.sh --setup-apt-src when there is none).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../.." && pwd)
prog=qemu/build.sh
patch_file=$here/intel-lm.patch

# shellcheck source=tests/kernel/host.sh
. "$here/../host.sh"

[ $# -eq 1 ] || die "usage: $0 BUILD_DIR"
mkdir -p "$1" || die "cannot create $1"
build=$(cd "$1" && pwd)
out=$build/tests/kernel/qemu
cache=${INTEL_LM_KERNEL_CACHE:-/var/cache/intel-lm-kernel}
jobs=${INTEL_LM_QEMU_JOBS:-$(nproc)}
[ -f "$patch_file" ] || die "no $patch_file"

# The source version apt would fetch (deb-src), else the binary package's candidate.
qemu_version() {
	local v
	v=$(apt-cache showsrc qemu 2>/dev/null | awk '$1 == "Version:" { print $2 }' |
	    sort -V | tail -n1)
	[ -n "$v" ] || return 1
	echo "$v"
}

mkdir -p "$cache" "$out" || die "cannot create $cache or $out"

# The patch is for Debian's QEMU 7.2 (bookworm). Elsewhere (Debian 13 has QEMU 10, to whose
# hw/nvme it does not apply) a build of this same patch already in the cache is used if it runs;
# else the model cannot run here: exit 2 with the reason, which run.sh reports as not run.
deb_qemu=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true)
case $deb_qemu in
1:7.2*) ;;
*)
	for d in "$cache"/qemu-*/; do
		if ! [ -x "$d/qemu-system-x86_64" ] || ! cmp -s "$d/intel-lm.patch" "$patch_file" ||
		   ! "$d/qemu-system-x86_64" -device nvme,help 2>/dev/null | grep -q 'lm-tp4159='; then
			continue
		fi
		note "Debian's QEMU here is ${deb_qemu:-not installed}: using the cached build $d"
		cp "$d/qemu-system-x86_64" "$out/qemu-system-x86_64.tmp"
		mv "$out/qemu-system-x86_64.tmp" "$out/qemu-system-x86_64"
		echo "$out/qemu-system-x86_64"
		exit 0
	done
	echo "intel-lm.patch is for Debian's QEMU 7.2 (bookworm); this system's qemu-system-x86 is ${deb_qemu:-not installed}, and no build of the patch is cached in $cache"
	exit 2 ;;
esac
exec 9>"$cache/.qemu.lock"
flock -w 1800 9 || die "another build holds $cache/.qemu.lock"

ver=$(qemu_version) || {
	apt_update
	ver=$(qemu_version)
} || {
	note "no deb-src entry for qemu: adding one (scripts/build-nvme-cli.sh --setup-apt-src)"
	"${as_root[@]}" "$top/scripts/build-nvme-cli.sh" --setup-apt-src >/dev/null ||
		die "cannot add a deb-src entry; add one for bookworm and retry"
	ver=$(qemu_version) || die "apt-cache showsrc qemu finds no source package"
}
hash=$( { cat "$patch_file"; echo "qemu $ver"; } | sha256sum | cut -c1-16)
key=qemu-$hash
bin=$cache/$key/qemu-system-x86_64

if [ -x "$bin" ] && [ -f "$cache/$key/version" ]; then
	note "cached: $bin (QEMU $ver, intel-lm patch $hash)"
else
	# qemu's build dependencies for a TCG-only x86_64 softmmu
	apt_install build-essential pkg-config python3 python3-venv meson ninja-build \
		libglib2.0-dev libpixman-1-dev libfdt-dev zlib1g-dev flex bison bzip2 dpkg-dev \
		patch
	start=$(date +%s)
	tmp=$(mktemp -d "$cache/.qemu-build.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	note "fetching qemu $ver source"
	(cd "$tmp" && apt-get -q -o APT::Sandbox::User=root source "qemu=$ver" >"$tmp/source.log" 2>&1) ||
		die "apt-get source qemu=$ver failed: $(tail -n 5 "$tmp/source.log")"
	src=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'qemu-*' | head -n1)
	if [ -z "$src" ] || [ ! -f "$src/hw/nvme/ctrl.c" ]; then die "no QEMU source tree in $tmp"; fi
	note "applying intel-lm.patch"
	(cd "$src" && patch -p1 --quiet <"$patch_file") || die "intel-lm.patch does not apply to $ver"
	# Debian's source has no edk2 images: never unpack them
	sed -i 's/^\(\s*\)unpack_edk2_blobs = bzip2.found()/\1unpack_edk2_blobs = false/' \
		"$src/meson.build"
	grep -q 'unpack_edk2_blobs = bzip2.found()' "$src/meson.build" &&
		die "could not turn unpack_edk2_blobs off in meson.build"
	mkdir -p "$src/build"
	note "configuring (log: $src/build/configure.log)"
	(cd "$src/build" && ../configure --target-list=x86_64-softmmu --without-default-features \
		--enable-tcg --enable-fdt=system --disable-docs --disable-install-blobs \
		>configure.log 2>&1) || {
		tail -n 30 "$src/build/configure.log" >&2
		die "configure failed"
	}
	note "building qemu-system-x86_64 with $jobs jobs (a few minutes)"
	ninja -C "$src/build" -j "$jobs" qemu-system-x86_64 >"$tmp/ninja.log" 2>&1 || {
		grep -B2 -A10 -m3 'error' "$tmp/ninja.log" >&2 || tail -n 30 "$tmp/ninja.log" >&2
		die "the build failed"
	}
	for prop in intel-lm lm-tp4159; do
		"$src/build/qemu-system-x86_64" -device nvme,help 2>/dev/null | grep -q "$prop=" ||
			die "the built QEMU has no $prop property"
	done
	rm -rf "${cache:?}/$key"
	mkdir -p "$cache/$key.tmp"
	cp "$src/build/qemu-system-x86_64" "$cache/$key.tmp/"
	echo "$ver" >"$cache/$key.tmp/version"
	cp "$patch_file" "$cache/$key.tmp/intel-lm.patch"
	mv "$cache/$key.tmp" "$cache/$key"
	rm -rf "$tmp"
	trap - EXIT
	# keep only this build
	find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'qemu-*' ! -name "$key" \
		! -name 'qemu-src' -exec rm -rf {} +
	note "built QEMU $ver with intel-lm in $(($(date +%s) - start)) s: $bin"
fi

cp "$bin" "$out/qemu-system-x86_64.tmp"
mv "$out/qemu-system-x86_64.tmp" "$out/qemu-system-x86_64"
echo "$out/qemu-system-x86_64"
