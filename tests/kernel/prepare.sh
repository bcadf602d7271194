#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Prepare the kernel test: fetch Debian's stock kernel once (cached), and build the initramfs
# that runs the guest scripts (tests/kernel/guest/*.sh) against QEMU's NVMe controller.
#
# Usage: tests/kernel/prepare.sh BUILD_DIR [OUT_DIR]
#
#   BUILD_DIR  a configured and built meson build directory (holds plugins/intel-lm/nvme-intel-lm,
#              and plugins/intel-lm/nvme when nvme-cli is built with the plugin)
#   OUT_DIR    where the initramfs goes (default BUILD_DIR/tests/kernel/ktest)
#
# Writes OUT_DIR/ktest.env (KTEST_KERNEL, KTEST_INITRD, KTEST_INITRD_DISK, KTEST_KVER, KTEST_KPKG)
# for run.sh.
#
# Environment:
#   INTEL_LM_KERNEL_CACHE  kernel cache (default /var/cache/intel-lm-kernel)
#   INTEL_LM_KERNEL_PKG    kernel image package (default: the one linux-image-amd64 depends on)
#
# Everything comes from Debian packages: the kernel image package (apt-get download, dpkg-deb -x,
# depmod -b), busybox-static, Debian's nvme-cli (for virt-mgmt), cpio. Missing tools are installed
# with apt-get. The kernel is downloaded once per package version; later runs only rebuild the
# initramfs (about a second).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prog=prepare.sh

# shellcheck source=tests/kernel/host.sh
. "$here/host.sh"

[ $# -eq 1 ] || [ $# -eq 2 ] || die "usage: $0 BUILD_DIR [OUT_DIR]"
build=$(cd "$1" 2>/dev/null && pwd) || die "no build directory '$1'"
out=${2:-$build/tests/kernel/ktest}
cache=${INTEL_LM_KERNEL_CACHE:-/var/cache/intel-lm-kernel}
bin=$build/plugins/intel-lm/nvme-intel-lm
frag=$build/tests/kernel/ktest-frag
[ -x "$bin" ] || die "$bin is missing: build first (ninja -C $build)"
[ -x "$frag" ] || die "$frag is missing: build first (ninja -C $build)"

# --- tools -------------------------------------------------------------------------------------
# qemu-system-x86: the machine; busybox-static: the guest's userland; nvme-cli: virt-mgmt in the
# guest; cpio: the initramfs; kmod: depmod; util-linux: flock; xz-utils: compressed modules;
# e2fsprogs: mkfs.ext4 for the model boot's scratch disk (run.sh).
apt_install qemu-system-x86 busybox-static nvme-cli cpio kmod util-linux xz-utils e2fsprogs
for t in qemu-system-x86_64 cpio depmod dpkg-deb apt-get flock ldd mkfs.ext4; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found after installing packages"
done
busybox=/bin/busybox
"$busybox" --list >/dev/null 2>&1 || die "$busybox (busybox-static) missing"
nvme_cli=/usr/sbin/nvme
[ -x "$nvme_cli" ] || die "$nvme_cli (nvme-cli) missing"

# --- kernel (cached) ---------------------------------------------------------------------------
mkdir -p "$cache" || die "cannot create the kernel cache $cache (set INTEL_LM_KERNEL_CACHE)"
exec 9>"$cache/.lock"
flock -w 600 9 || die "another run holds $cache/.lock"

# The kernel image package linux-image-amd64 depends on, and its candidate version.
resolve_pkg() {
	local pkg=${INTEL_LM_KERNEL_PKG:-}
	if [ -z "$pkg" ]; then
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		      awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	fi
	[ -n "$pkg" ] || return 1
	local ver
	ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || return 1
	echo "${pkg}_$ver"
}

key=$(resolve_pkg) || {
	apt_update
	key=$(resolve_pkg) || key=
}

# Unpack one kernel image package into $cache/$key: vmlinuz, and the modules nvme.ko needs with
# their load order (modules.dep order, dependencies first) in modules.order; in
# modules.disk.order those of the model boot's scratch disk (virtio-blk with ext4; ext4's
# checksums need crc32c, a soft dependency modules.dep does not name).
fetch_kernel() {
	local key=$1 pkg=${1%%_*} ver=${1#*_} tmp
	tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
	note "downloading $pkg $ver (once; cached in $cache)"
	(cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download "$pkg=$ver" >/dev/null) ||
		{ rm -rf "$tmp"; return 1; }
	dpkg-deb -x "$tmp"/*.deb "$tmp/x" || { rm -rf "$tmp"; return 1; }
	local kver vmlinuz
	# Debian 13's kernels put their modules in /usr/lib/modules, where depmod -b does not look.
	if [ ! -d "$tmp/x/lib/modules" ] && [ -d "$tmp/x/usr/lib/modules" ]; then
		mkdir -p "$tmp/x/lib"
		mv "$tmp/x/usr/lib/modules" "$tmp/x/lib/modules"
	fi
	kver=$(find "$tmp/x/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | head -n1)
	vmlinuz=$tmp/x/boot/vmlinuz-$kver
	if [ -z "$kver" ] || [ ! -f "$vmlinuz" ]; then
		rm -rf "$tmp"
		note "$pkg holds no kernel"
		return 1
	fi
	depmod -b "$tmp/x" "$kver" || { rm -rf "$tmp"; return 1; }

	local dest=$tmp/k mods=$tmp/x/lib/modules/$kver
	mkdir -p "$dest/modules"
	cp "$vmlinuz" "$dest/vmlinuz"
	echo "$kver" >"$dest/kver"
	# Dependencies before dependents, each once, following modules.dep from nvme.ko. Compressed
	# modules (Debian 13's are .ko.xz) are named .ko here, and unpacked when copied.
	# order strict|lenient ROOT...: the modules the roots need, dependencies first, each once.
	# A root missing from modules.dep (built in, or not built) fails "strict" and is left out
	# by "lenient".
	order() {
		local mode=$1
		shift
		sed -E 's/\.ko\.(xz|zst|gz)( |:|$)/.ko\2/g' "$mods/modules.dep" |
		awk -v mode="$mode" -v roots="$*" '
		{
			key = $1
			sub(/:$/, "", key)
			deps[key] = ""
			for (i = 2; i <= NF; i++)
				deps[key] = deps[key] " " $i
		}
		function visit(m,    n, d, i) {
			if (m in seen) return
			seen[m] = 1
			n = split(deps[m], d, " ")
			for (i = n; i >= 1; i--) visit(d[i])
			print m
		}
		END {
			n = split(roots, r, " ")
			for (i = 1; i <= n; i++)
				if (!(r[i] in deps) && mode == "strict") exit 1
			for (i = 1; i <= n; i++)
				if (r[i] in deps) visit(r[i])
		}'
	}
	order strict kernel/drivers/nvme/host/nvme.ko >"$dest/modules.order" || {
		rm -rf "$tmp"; note "nvme.ko not in $pkg's modules.dep (is it built in?)"
		return 1
	}
	# (a built-in one is simply not listed; one really missing fails model-disk-mount)
	order lenient kernel/drivers/virtio/virtio_pci.ko kernel/drivers/block/virtio_blk.ko \
		kernel/crypto/crc32c_generic.ko kernel/fs/ext4/ext4.ko >"$dest/modules.disk.order"
	local m
	while read -r m; do
		mkdir -p "$dest/modules/$(dirname "$m")"
		if [ -f "$mods/$m" ]; then
			cp "$mods/$m" "$dest/modules/$m"
		elif [ -f "$mods/$m.xz" ]; then
			xz -dc "$mods/$m.xz" >"$dest/modules/$m"
		elif [ -f "$mods/$m.zst" ]; then
			zstd -qdc "$mods/$m.zst" >"$dest/modules/$m"
		else
			gzip -dc "$mods/$m.gz" >"$dest/modules/$m"
		fi || { rm -rf "$tmp"; note "cannot copy $m"; return 1; }
	done < <(cat "$dest/modules.order" "$dest/modules.disk.order")
	rm -rf "${cache:?}/$key"
	mv "$dest" "$cache/$key"
	rm -rf "$tmp"
	ln -sfn "$key" "$cache/current"
	# keep only this kernel
	find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'linux-image-*' ! -name "$key" \
		-exec rm -rf {} +
}

# A cache from before modules.disk.order is fetched again.
if [ -n "$key" ] && [ -f "$cache/$key/kver" ] && [ -f "$cache/$key/modules.disk.order" ]; then
	: # cached
elif [ -n "$key" ] && fetch_kernel "$key"; then
	:
elif [ -f "$cache/current/kver" ]; then
	key=$(readlink "$cache/current")
	note "warning: cannot fetch the current kernel package; using the cached $key"
else
	die "no kernel: cannot resolve or download the image package behind linux-image-amd64" \
	    "(apt-get update? network to the Debian mirror?) and none cached in $cache"
fi
kdir=$cache/$key
kver=$(cat "$kdir/kver")
exec 9>&-

# --- initramfs ---------------------------------------------------------------------------------
root=$out/root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc,ktest} "$out"

# busybox (init links its applets with --install -s when it starts)
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"

# a program and the shared libraries ldd names for it, at the same paths
copy_prog() {
	local src=$1 dst=$2 lib
	mkdir -p "$root/$(dirname "$dst")"
	cp -L "$src" "$root/$dst"
	ldd "$src" >/dev/null 2>&1 || return 0   # static
	for lib in $(ldd "$src" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		[ -e "$root/$lib" ] && continue
		mkdir -p "$root/$(dirname "$lib")"
		cp -L "$lib" "$root/$lib"
	done
}
copy_prog "$bin" /usr/sbin/nvme-intel-lm
copy_prog "$nvme_cli" /usr/sbin/nvme
copy_prog "$frag" /usr/bin/ktest-frag
# nvme-cli with the intel-lm plugin, when the build directory has it (meson option nvme-cli)
nvme_lm=$build/plugins/intel-lm/nvme
if [ -x "$nvme_lm" ]; then
	copy_prog "$nvme_lm" /usr/sbin/nvme-lm
else
	note "no $nvme_lm (nvme-cli with the plugin not built): its guest checks will not run"
fi

# copy_mods ROOT ORDER LIST: the modules ORDER names into ROOT, their paths in ROOT/ktest/LIST.
copy_mods() {
	local m
	: >"$1/ktest/$3"
	while read -r m; do
		mkdir -p "$1/lib/modules/$kver/$(dirname "$m")"
		cp "$kdir/modules/$m" "$1/lib/modules/$kver/$m"
		echo "/lib/modules/$kver/$m" >>"$1/ktest/$3"
	done <"$2"
}
# the nvme modules and their load order
copy_mods "$root" "$kdir/modules.order" modules

# init, the checks and their library (init runs the script ktest.checks= names)
cp "$here/guest/init" "$root/init"
cp "$here"/guest/*.sh "$root/ktest/"
chmod 755 "$root/init" "$root"/ktest/*.sh
[ "$(id -u)" -ne 0 ] || mknod -m 600 "$root/dev/console" c 5 1

(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) \
	>"$out/initrd.cpio.tmp"
mv "$out/initrd.cpio.tmp" "$out/initrd.cpio"

# The model boot's initramfs: the same, followed by a second archive (the kernel unpacks both)
# with the scratch disk's modules and their load order, in /ktest/modules.disk (empty with a
# cache from before them: model.sh then fails model-disk-mount). Only that boot gets them, so
# that the others' memory is as before.
droot=$out/root-disk
rm -rf "$droot"
mkdir -p "$droot/ktest"
if [ -f "$kdir/modules.disk.order" ]; then
	copy_mods "$droot" "$kdir/modules.disk.order" modules.disk
else
	note "warning: the cached $key has no virtio-blk and ext4 modules"
	: >"$droot/ktest/modules.disk"
fi
{
	cat "$out/initrd.cpio"
	(cd "$droot" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet)
} >"$out/initrd-disk.cpio.tmp"
mv "$out/initrd-disk.cpio.tmp" "$out/initrd-disk.cpio"

cat >"$out/ktest.env" <<EOF
KTEST_KERNEL=$kdir/vmlinuz
KTEST_INITRD=$out/initrd.cpio
KTEST_INITRD_DISK=$out/initrd-disk.cpio
KTEST_KVER=$kver
KTEST_KPKG=$key
EOF
note "kernel $key, initramfs $out/initrd.cpio ($(du -k "$out/initrd.cpio" | cut -f1) KiB)"
