#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install what intel-lm needs to build and test from Debian's packages. Idempotent: installs only
# what is missing. Works as root, and through sudo otherwise.
#
# Usage: scripts/install-deps.sh [GROUP...]   GROUP: build (default), test, nvme-cli, docs, all
set -euo pipefail

build_pkgs=(gcc meson ninja-build pkg-config libnvme-dev libjson-c-dev libssl-dev libdbus-1-dev zlib1g-dev)
# strace: the hostile e2e suite checks with it that no shell or other program is ever run.
test_pkgs=(check nvme-cli python3 python3-jsonschema valgrind man-db bash-completion zsh asciidoctor build-essential debhelper lintian strace ansible-core)
# openssh-server, openssh-client: e2e-ssh-migrate starts its own sshd for a host-to-host migrate;
# iproute2 (ip netns, ip link): that sshd's host lives in a network namespace of its own.
test_pkgs+=(openssh-server openssh-client iproute2)
# The quality suites (tests/quality): sanitizers and libFuzzer with clang (its runtimes are in
# libclang-rt-dev: libclang-rt-14-dev on bookworm, -19- on trixie; llvm gives llvm-symbolizer
# for readable reports), cppcheck, clang-tidy, gcc -fanalyzer, valgrind.
test_pkgs+=(clang libclang-rt-dev llvm clang-tidy cppcheck)
nvme_cli_pkgs=(dpkg-dev binutils xz-utils libdbus-1-dev)
docs_pkgs=(asciidoctor)

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(build)

want=()
for g in "${groups[@]}"; do
	case "$g" in
	build) want+=("${build_pkgs[@]}") ;;
	test) want+=("${build_pkgs[@]}" "${test_pkgs[@]}" "${nvme_cli_pkgs[@]}") ;;
	nvme-cli) want+=("${nvme_cli_pkgs[@]}") ;;
	docs) want+=("${docs_pkgs[@]}") ;;
	all) want+=("${build_pkgs[@]}" "${test_pkgs[@]}" "${nvme_cli_pkgs[@]}" "${docs_pkgs[@]}") ;;
	*) echo "install-deps: unknown group '$g' (build, test, nvme-cli, docs, all)" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		case " ${missing[*]:-} " in *" $p "*) ;; *) missing+=("$p") ;; esac
	fi
done
# The nvme-cli build takes Debian's nvme-cli source: apt needs a deb-src entry for it.
need_src=false
case " ${groups[*]} " in *" test "*|*" nvme-cli "*|*" all "*)
	if ! apt-cache showsrc nvme-cli 2>/dev/null | grep -q '^Package: nvme-cli'; then
		need_src=true
	fi ;;
esac
[ ${#missing[@]} -eq 0 ] && ! $need_src && exit 0

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo)
else
	echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if $need_src; then
	echo "install-deps: adding a deb-src entry for Debian's nvme-cli source"
	"${as_root[@]}" "$(dirname "$0")/build-nvme-cli.sh" --setup-apt-src
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
if ! "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
	"${as_root[@]}" apt-get update -q >/dev/null
	"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi
