#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build the Debian packages from a copy of the source tree and check them.
#
#	tests/install/check-deb.sh SRC_DIR
#
# - debian/changelog's version is meson.build's, debian/libintel-lm2.symbols lists exactly
#   lib/libintel-lm.map's LIBINTEL_LM_2_0 symbols, and LIBINTEL_LM_PRIVATE as optional;
# - `dpkg-buildpackage -us -uc -b` in a temporary copy of SRC_DIR (its git files, tracked and
#   untracked but not ignored; every file without git) works, with the unit suite unless
#   DEB_BUILD_OPTIONS has nocheck, and dpkg-gensymbols finds no new or lost symbol;
# - `dpkg-source -b` makes the (native) source package;
# - lintian on the .changes and the .dsc reports no error (its warnings are printed);
# - `dpkg -c`: each package holds what it should and nothing of the others, no nvme executable;
#   `dpkg -I`: the dependencies;
# - libintel-lm2 and libintel-lm-dev unpacked (dpkg -x) into a directory: a C program builds
#   with pkg-config against it and runs; intel-lm's nvme-intel-lm runs.
# Nothing is installed on the system.
#
# Prints "ok - ..." or "FAIL - ..." per check, then "deb: N passed, N failed".
set -u

src=${1:?usage: check-deb.sh SRC_DIR}
src=$(cd "$src" && pwd)
passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/intel-lm-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

ok() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }
check() { # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
finish() {
	echo "deb: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

for tool in dpkg-buildpackage dh lintian; do
	command -v "$tool" > /dev/null ||
		fail "$tool is missing (scripts/install-deps.sh test installs it)"
done
[ "$failed" -eq 0 ] || finish

# --- the sources ----------------------------------------------------------------------------
version=$(sed -n "s/^[[:space:]]*version: '\([^']*\)'.*/\1/p" "$src/meson.build" | head -n 1)
deb_version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version 2>/dev/null)
check "debian/changelog's version $deb_version is meson.build's $version" \
	test "${deb_version%-*}" = "$version"
# The ABI node's symbols one by one; the private node (not ABI) as one optional pattern.
mapped=$(awk '/^[A-Z0-9_]+ *\{/ { cur = $1 } cur == "LIBINTEL_LM_2_0" &&
	/^[[:space:]]*intel_lm_[A-Za-z0-9_]*;/ { sub(/^[[:space:]]*/, ""); sub(/;.*/, ""); print }' \
	"$src/lib/libintel-lm.map" | sort)
listed=$(sed -n 's/^ \(intel_lm_[A-Za-z0-9_]*\)@LIBINTEL_LM_2_0 .*/\1/p' "$src/debian/libintel-lm2.symbols" | sort)
extra=$(comm -13 <(echo "$mapped") <(echo "$listed"))
lost=$(comm -23 <(echo "$mapped") <(echo "$listed"))
check "debian/libintel-lm2.symbols lists the map's $(wc -l <<<"$mapped") LIBINTEL_LM_2_0 symbols${lost:+; missing: $(echo $lost)}${extra:+; not in the map: $(echo $extra)}" \
	test -n "$mapped" -a -z "$extra$lost"
check "debian/libintel-lm2.symbols takes LIBINTEL_LM_PRIVATE as optional" \
	grep -qx ' (symver|optional)LIBINTEL_LM_PRIVATE [0-9.]*' "$src/debian/libintel-lm2.symbols"

# --- build ----------------------------------------------------------------------------------
tree=$tmp/intel-lm-$version
mkdir -p "$tree"
if git -C "$src" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
	(cd "$src" && git ls-files -z -co --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -x -C "$tree"
else
	tar -C "$src" --exclude=.build --exclude=build --exclude='obj-*' --exclude=debian/tmp \
		-cf - . | tar -x -C "$tree"
fi
check "the sources are copied to $tree" test -f "$tree/debian/rules" -a -f "$tree/meson.build"
# The source package too, before the build fills the tree, for lintian's source checks.
dsc=$tmp/intel-lm_$deb_version.dsc
if (cd "$tmp" && dpkg-source -b "${tree##*/}") > "$tmp/source.log" 2>&1 && [ -f "$dsc" ]; then
	ok "dpkg-source -b"
else
	fail "dpkg-source -b"
	sed 's/^/# /' "$tmp/source.log"
	dsc=
fi

start=$SECONDS
if (cd "$tree" && dpkg-buildpackage -us -uc -b) > "$tmp/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b (DEB_BUILD_OPTIONS='${DEB_BUILD_OPTIONS:-}', $((SECONDS - start)) s)"
else
	fail "dpkg-buildpackage -us -uc -b"
	tail -n 60 "$tmp/build.log" | sed 's/^/# /'
	finish
fi
if [[ " ${DEB_BUILD_OPTIONS:-} " != *" nocheck "* ]]; then
	check "the unit suite ran in the package build" grep -qE '^Ok: +[1-9]' "$tmp/build.log"
fi
check "dpkg-gensymbols: the symbols file is current" \
	bash -c "! grep -E 'dpkg-gensymbols: (warning|error)' '$tmp/build.log'"
# Less one: Debian 13's libc6 and libreadline8t64 divert their files in /lib (the /usr merge,
# DEP 17), and dpkg-shlibdeps warns there that "diversions [are] involved".
check "no warning in the build log (compiler, dpkg-*, dh_*)" bash -c "! grep -E '(: warning: |^dh_[a-z]+: warning)' '$tmp/build.log' | grep -v '^dpkg-shlibdeps: warning: diversions involved - output may be incorrect$'"

arch=$(dpkg --print-architecture)
changes=$tmp/intel-lm_${deb_version}_$arch.changes
for p in libintel-lm2 libintel-lm-dev intel-lm; do
	check "${p}_${deb_version}_$arch.deb built" test -f "$tmp/${p}_${deb_version}_$arch.deb"
done
check "the .changes and .buildinfo" test -f "$changes" -a -f "${changes%.changes}.buildinfo"

# --- lintian --------------------------------------------------------------------------------
lintian --tag-display-limit 0 "$changes" ${dsc:+"$dsc"} > "$tmp/lintian.log" 2>&1
rc=$?
grep -v '^running with root privileges' "$tmp/lintian.log" | sed 's/^/# lintian: /'
errors=$(grep -c '^E: ' "$tmp/lintian.log")
check "lintian ran (exit $rc)" test "$rc" -le 1
check "lintian: no error ($errors E: lines)" test "$errors" -eq 0

# --- contents -------------------------------------------------------------------------------
deb() { echo "$tmp/${1}_${deb_version}_$arch.deb"; }
contents() { dpkg -c "$(deb "$1")" 2>/dev/null | awk '{ print $6 }' | sed 's|^\./|/|'; }
has() { # has PACKAGE REGEX...: every REGEX matches a path of PACKAGE
	local p=$1 re list
	shift
	list=$(contents "$p")
	for re in "$@"; do
		grep -qE "^$re\$" <<<"$list" || { echo "# $p lacks $re"; return 1; }
	done
}
hasnt() { # hasnt PACKAGE REGEX: no path of PACKAGE matches REGEX
	! contents "$1" | grep -E "$2"
}
ml='/usr/lib/[a-z0-9_-]+'
check "libintel-lm2: libintel-lm.so.2.0.0 and the link libintel-lm.so.2" has libintel-lm2 \
	"$ml/libintel-lm\.so\.2\.0\.0" "$ml/libintel-lm\.so\.2"
check "libintel-lm2: no headers, no .so link, no .pc, no program" \
	hasnt libintel-lm2 '(/include/|libintel-lm\.so$|\.pc$|/s?bin/)'
check "libintel-lm2: the link libintel-lm.so.2 -> libintel-lm.so.2.0.0" \
	bash -c "dpkg -c '$(deb libintel-lm2)' | grep -qE 'libintel-lm\.so\.2 -> libintel-lm\.so\.2\.0\.0\$'"
headers=$(cd "$src/include/intel-lm" && ls ./*.h | sed 's|^\./|/usr/include/intel-lm/|; s|\.|\\.|g')
# shellcheck disable=SC2086 # one regex per header
check "libintel-lm-dev: the headers, the .so link, libintel-lm.a, intel-lm.pc" has libintel-lm-dev \
	'/usr/include/libintel-lm\.h' $headers "$ml/libintel-lm\.so" "$ml/libintel-lm\.a" \
	"$ml/pkgconfig/intel-lm\.pc"
check "libintel-lm-dev: not the shared library itself" hasnt libintel-lm-dev 'libintel-lm\.so\.'
check "intel-lm: nvme-intel-lm, its manual pages, bash and zsh completions" has intel-lm \
	/usr/sbin/nvme-intel-lm /usr/share/man/man1/nvme-intel-lm\.1\.gz \
	/usr/share/man/man5/intel-lm-blob-format\.5\.gz /usr/share/man/man7/intel-lm-cold-migration\.7\.gz \
	/usr/share/bash-completion/completions/nvme-intel-lm \
	/usr/share/zsh/vendor-completions/_nvme-intel-lm
# Documentation/*.txt whose title line is NAME(SECTION), as /usr/share/man/manSECTION/NAME.SECTION.gz
pages=$(for f in "$src"/Documentation/*.txt; do
	grep -v '^//' "$f" | head -n 1 |
		sed -n 's|^\([A-Za-z0-9._-]*\)(\([1-9]\))$|/usr/share/man/man\2/\1.\2.gz|p'
done | sort)
have=$(contents intel-lm | grep -E '^/usr/share/man/.+\.gz$' | sort)
lost=$(comm -23 <(echo "$pages") <(echo "$have"))
extra=$(comm -13 <(echo "$pages") <(echo "$have"))
check "intel-lm: the $(wc -l <<<"$pages") manual pages of Documentation/${lost:+; missing: $(echo $lost)}${extra:+; others: $(echo $extra)}" \
	test -n "$pages" -a -z "$lost$extra"
check "intel-lm: no nvme, no nvme-lm, no library" hasnt intel-lm '(/nvme|/nvme-lm|/libexec/.*|\.so.*)$'
check "no package installs into /etc or /usr/local" bash -c \
	"! { dpkg -c '$(deb libintel-lm2)'; dpkg -c '$(deb libintel-lm-dev)'; dpkg -c '$(deb intel-lm)'; } | grep -E '\./(etc|usr/local)/'"

field() { dpkg-deb -f "$(deb "$1")" "$2" 2>/dev/null; }
check "libintel-lm2 depends on libnvme1 and zlib1g ($(field libintel-lm2 Depends))" \
	bash -c "grep -q libnvme1 <<<'$(field libintel-lm2 Depends)' && grep -q zlib1g <<<'$(field libintel-lm2 Depends)'"
check "libintel-lm-dev depends on libintel-lm2 (= $deb_version), not on libnvme-dev" bash -c \
	"grep -qF 'libintel-lm2 (= $deb_version)' <<<'$(field libintel-lm-dev Depends)' && ! grep -q libnvme-dev <<<'$(field libintel-lm-dev Depends)'"
# nvme-intel-lm links the archives of libnvme, json-c and zlib (debian/rules): no run-time
# dependency on them, and the fields of Debian Policy 7.8 name their source packages.
check "intel-lm depends on neither libnvme1 nor libjson-c5 nor zlib1g ($(field intel-lm Depends))" \
	bash -c "! grep -qE 'libnvme|libjson-c|zlib1g' <<<'$(field intel-lm Depends)'"
check "intel-lm: Built-Using names libnvme ($(field intel-lm Built-Using))" \
	bash -c "grep -qE '^libnvme \\(= [^)]+\\)$' <<<'$(field intel-lm Built-Using)'"
check "intel-lm: Static-Built-Using names libnvme, json-c and zlib ($(field intel-lm Static-Built-Using))" \
	bash -c "for p in libnvme json-c zlib; do grep -qE \"(^|, )\$p \\(= [^)]+\\)(,|\$)\" <<<'$(field intel-lm Static-Built-Using)' || exit 1; done"
check "libintel-lm2 has a symbols control file" \
	bash -c "dpkg-deb --info '$(deb libintel-lm2)' symbols | grep -q '^libintel-lm\.so\.2 libintel-lm2'"

# --- use the unpacked packages ----------------------------------------------------------------
root=$tmp/root
for p in libintel-lm2 libintel-lm-dev intel-lm; do
	dpkg -x "$(deb "$p")" "$root" || fail "dpkg -x $p"
done
libdir=$(dirname "$(find "$root/usr/lib" -name libintel-lm.so.2.0.0 | head -n 1)")
export PKG_CONFIG_PATH=$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root
cat > "$tmp/use.c" <<'EOF'
/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <libintel-lm.h>

int main(void)
{
	struct intel_lm_cmd cmd;
	int ret = intel_lm_cmd_init(&cmd, INTEL_LM_OPC_RESUME, 7, NULL, 0);

	printf("%d %s %u\n", ret, intel_lm_opcode_name(cmd.opcode), cmd.cdw10);
	return 0;
}
EOF
# shellcheck disable=SC2046 # pkg-config's output is a list of words
if ${CC:-cc} -Wall -Werror $(pkg-config --cflags intel-lm) -o "$tmp/use" "$tmp/use.c" \
	$(pkg-config --libs intel-lm) > "$tmp/cc.log" 2>&1; then
	ok "a C program builds with pkg-config against the unpacked libintel-lm-dev"
else
	fail "a C program builds with pkg-config against the unpacked libintel-lm-dev"
	sed 's/^/# /' "$tmp/cc.log"
fi
out=$(LD_LIBRARY_PATH=$libdir "$tmp/use" 2>&1)
check "it runs on the unpacked libintel-lm2 ($out)" test "$out" = "0 RESUME 7"
out=$("$root/usr/sbin/nvme-intel-lm" --version 2>&1)
check "the unpacked nvme-intel-lm runs ($out)" grep -q "^nvme-intel-lm version $version" <<<"$out"

finish
