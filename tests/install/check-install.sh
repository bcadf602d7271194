#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Check what `meson install` puts where, and that the installed library is usable.
#
#	tests/install/check-install.sh SRC_DIR BUILD_DIR
#
# Installs BUILD_DIR with --destdir into a temporary directory (nothing outside it is written;
# meson builds first what is not built yet), then checks:
# - every file meson says it installs is there, and nothing lands outside the prefix and
#   sysconfdir; nothing is called nvme in bindir or sbindir;
# - the library: libintel-lm.so.2.0.0 with SONAME libintel-lm.so.2, the links .so.2 and .so, no
#   RPATH/RUNPATH in any installed ELF file;
# - the headers: libintel-lm.h in includedir, exactly include/intel-lm/*.h in
#   includedir/intel-lm, identical to the sources;
# - intel-lm.pc: version, no Requires or Requires.private (the headers include no libnvme header,
#   so consumers need no libnvme development files), Libs.private -lnvme -lz for static links,
#   Cflags and Libs pointing into
#   the DESTDIR through PKG_CONFIG_SYSROOT_DIR;
# - a small C program built with pkg-config against the installed tree, linked to
#   libintel-lm.so.2 and run from it with LD_LIBRARY_PATH;
# - examples/*.c built the same way, and save-vf-state run on the installed library against
#   the emulated PF (tests/emu): the VF saved, the file a valid blob, a bad VF refused;
# - the exported symbols: all intel_lm_*, each node of lib/libintel-lm.map exactly: the ABI at
#   LIBINTEL_LM_2_0, each declared in an installed header; LIBINTEL_LM_PRIVATE (not ABI), each
#   declared in include/libintel-lm-private.h, which is not installed, and in no installed
#   header;
# - nvme-intel-lm in sbindir runs; the nvme-cli build, when built, as libexecdir/intel-lm/nvme
#   with sbindir/nvme-lm pointing to it;
# - man pages (when configured with -Ddocs=man): exactly one per Documentation/*.txt titled
#   NAME(SECTION), as NAME.SECTION in manSECTION;
# - completions: bash's and zsh's files.
#
# Prints "ok - ..." or "FAIL - ..." per check, then "install: N passed, N failed".
set -u

src=${1:?usage: check-install.sh SRC_DIR BUILD_DIR}
build=${2:?usage: check-install.sh SRC_DIR BUILD_DIR}
src=$(cd "$src" && pwd)
build=$(cd "$build" && pwd)
passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/intel-lm-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root

ok() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }
check() { # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
finish() {
	echo "install: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# The build's directories, as meson will install them (absolute, without DESTDIR).
opts=$(meson introspect "$build" --buildoptions) || { fail "meson introspect"; finish; }
opt() {
	python3 -c '
import json, os, sys
opts = {o["name"]: o["value"] for o in json.loads(sys.stdin.read())}
v = opts[sys.argv[1]]
if sys.argv[1] in ("libdir", "includedir", "sbindir", "bindir", "libexecdir", "datadir", "mandir", "sysconfdir"):
    v = os.path.join(opts["prefix"], v)
print(v)' "$1" <<<"$opts"
}
prefix=$(opt prefix)
libdir=$(opt libdir)
includedir=$(opt includedir)
sbindir=$(opt sbindir)
bindir=$(opt bindir)
libexecdir=$(opt libexecdir)
datadir=$(opt datadir)
mandir=$(opt mandir)
sysconfdir=$(opt sysconfdir)
docs=$(opt docs 2>/dev/null || echo false)
version=$(meson introspect "$build" --projectinfo |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
echo "# prefix $prefix, libdir $libdir, version $version, docs $docs"

# --- install --------------------------------------------------------------------------------
if meson install -C "$build" --destdir "$dest" > "$tmp/install.log" 2>&1; then
	ok "meson install --destdir"
else
	fail "meson install --destdir"
	sed 's/^/# /' "$tmp/install.log"
	finish
fi

installed=$(meson introspect "$build" --installed |
	python3 -c 'import json, sys; print("\n".join(sorted(set(json.load(sys.stdin).values()))))')
missing=0
while IFS= read -r f; do
	[ -n "$f" ] || continue
	if [ ! -e "$dest$f" ] && [ ! -L "$dest$f" ]; then
		fail "installed: $f is missing"
		missing=$((missing + 1))
	fi
done <<<"$installed"
[ "$missing" -eq 0 ] && ok "every file of meson's install list is in DESTDIR ($(wc -l <<<"$installed"))"

outside=$(cd "$dest" && find . ! -type d | sed 's|^\.||' |
	grep -v -e "^$prefix/" -e "^$sysconfdir/" || true)
check "nothing installed outside $prefix and $sysconfdir${outside:+: $outside}" test -z "$outside"
clash=$(ls -d "$dest$bindir/nvme" "$dest$sbindir/nvme" "$dest/usr/sbin/nvme" "$dest/usr/bin/nvme" \
	2>/dev/null || true)
check "no program called nvme in bindir or sbindir${clash:+: $clash}" test -z "$clash"

# --- the library ----------------------------------------------------------------------------
lib=$dest$libdir
check "libintel-lm.so.2.0.0 is a regular file" test -f "$lib/libintel-lm.so.2.0.0" -a ! -L "$lib/libintel-lm.so.2.0.0"
check "libintel-lm.so.2 -> libintel-lm.so.2.0.0" \
	test "$(readlink "$lib/libintel-lm.so.2" 2>/dev/null)" = libintel-lm.so.2.0.0
check "libintel-lm.so is a link that reaches libintel-lm.so.2.0.0" \
	test -L "$lib/libintel-lm.so" -a "$(readlink -f "$lib/libintel-lm.so" 2>/dev/null)" = "$lib/libintel-lm.so.2.0.0"
soname=$(readelf -d "$lib/libintel-lm.so.2.0.0" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
check "SONAME is libintel-lm.so.2 ($soname)" test "$soname" = libintel-lm.so.2
if [ -e "$lib/libintel-lm.a" ]; then
	check "libintel-lm.a is an archive holding intel_lm_cmd_init" \
		bash -c "nm '$lib/libintel-lm.a' 2>/dev/null | grep -q ' T intel_lm_cmd_init$'"
fi
rpaths=
while IFS= read -r f; do
	if readelf -h "$f" > /dev/null 2>&1 && readelf -d "$f" 2>/dev/null | grep -qE '\((RPATH|RUNPATH)\)'; then
		rpaths+=" ${f#$dest}"
	fi
done < <(find "$dest" -type f)
check "no RPATH or RUNPATH in installed ELF files${rpaths:+:$rpaths}" test -z "$rpaths"

# --- headers --------------------------------------------------------------------------------
inc=$dest$includedir
check "libintel-lm.h in $includedir, as in the sources" cmp -s "$src/include/libintel-lm.h" "$inc/libintel-lm.h"
want=$(cd "$src/include/intel-lm" && ls ./*.h | sed 's|^\./||')
have=$(cd "$inc/intel-lm" 2>/dev/null && ls ./*.h 2>/dev/null | sed 's|^\./||')
check "$includedir/intel-lm/ holds exactly include/intel-lm/*.h ($(wc -w <<<"$want") headers)" \
	test "$want" = "$have"
diffs=
for h in $want; do
	cmp -s "$src/include/intel-lm/$h" "$inc/intel-lm/$h" || diffs+=" $h"
done
check "installed headers are the sources${diffs:+ (differ:$diffs)}" test -z "$diffs"
check "no private header installed" bash -c "! find '$dest' -name private.h -o -name cli.h -o -name 'cli-priv.h' | grep -q ."

# --- pkg-config -----------------------------------------------------------------------------
pc=$lib/pkgconfig/intel-lm.pc
check "intel-lm.pc in $libdir/pkgconfig" test -f "$pc"
export PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
check "pkg-config --modversion intel-lm is $version" \
	test "$(pkg-config --modversion intel-lm 2>/dev/null)" = "$version"
check "intel-lm.pc Requires nothing: consumers need no libnvme development files" \
	test -z "$(pkg-config --print-requires intel-lm 2>&1)"
check "intel-lm.pc has no Requires.private either (pkg-config would need their .pc files)" \
	test -z "$(pkg-config --print-requires-private intel-lm 2>&1)"
check "pkg-config --exists intel-lm" pkg-config --exists intel-lm
cflags=$(pkg-config --cflags intel-lm 2>/dev/null)
libs=$(pkg-config --libs intel-lm 2>/dev/null)
check "Cflags has -I$dest$includedir ($cflags)" grep -qF -- "-I$dest$includedir" <<<"$cflags"
check "Libs is -L$dest$libdir -lintel-lm, without libnvme ($libs)" bash -c \
	"grep -qF -- '-L$dest$libdir -lintel-lm' <<<'$libs' && ! grep -q -- -lnvme <<<'$libs'"
check "Cflags names no libnvme include directory ($cflags)" bash -c "! grep -q nvme <<<'$cflags'"
check "pkg-config --static --libs adds libnvme and zlib" bash -c \
	"pkg-config --static --libs intel-lm | grep -qw -- -lz &&
	 pkg-config --static --libs intel-lm | grep -qw -- -lnvme"

# --- a program against the installed library -------------------------------------------------
cat > "$tmp/use.c" <<'EOF'
/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libintel-lm.h>

int main(void)
{
	struct intel_lm_cmd cmd;
	char buf[256];
	int ret;

	ret = intel_lm_cmd_init(&cmd, INTEL_LM_OPC_SUSPEND, 3, NULL, 0);
	printf("init %d opcode 0x%02x cdw10 %u\n", ret, cmd.opcode, cmd.cdw10);
	ret = intel_lm_cmd_init(&cmd, 0x01, 3, NULL, 0);
	printf("bad opcode %d\n", ret);
	printf("name %s\n", intel_lm_opcode_name(INTEL_LM_OPC_SAVE_DATA));
	printf("strerror %s\n", intel_lm_strerror(-EINTR, INTEL_LM_OPC_SUSPEND, buf, sizeof(buf)));
	return 0;
}
EOF
cc=${CC:-cc}
# shellcheck disable=SC2086 # pkg-config's output is a list of words
if $cc -std=gnu11 -Wall -Wextra -Werror $cflags -o "$tmp/use" "$tmp/use.c" $libs > "$tmp/cc.log" 2>&1; then
	ok "a C program builds with pkg-config's flags against the installed tree (-Wall -Wextra -Werror)"
else
	fail "a C program builds with pkg-config's flags against the installed tree"
	sed 's/^/# /' "$tmp/cc.log"
fi
if [ -x "$tmp/use" ]; then
	check "the program needs libintel-lm.so.2" \
		bash -c "readelf -d '$tmp/use' | grep -qF '[libintel-lm.so.2]'"
	resolved=$(LD_LIBRARY_PATH=$lib ldd "$tmp/use" 2>/dev/null | awk '$1 == "libintel-lm.so.2" { print $3 }')
	check "with LD_LIBRARY_PATH it loads the installed library ($resolved)" \
		test "$(readlink -f "$resolved" 2>/dev/null)" = "$lib/libintel-lm.so.2.0.0"
	out=$(LD_LIBRARY_PATH=$lib "$tmp/use" 2>&1)
	rc=$?
	check "the program runs (exit $rc)" test "$rc" -eq 0
	check "intel_lm_cmd_init builds SUSPEND for VF 3" grep -qx 'init 0 opcode 0xc8 cdw10 3' <<<"$out"
	check "intel_lm_cmd_init rejects another opcode with -EINVAL" grep -qx 'bad opcode -22' <<<"$out"
	check "intel_lm_opcode_name names SAVE_DATA" grep -qx 'name SAVE_DATA' <<<"$out"
	check "intel_lm_strerror describes EINTR" grep -q '^strerror .*EINTR' <<<"$out"
fi

# --- the examples, built and run against the installed library and the emulated PF -----------
emu_so=$build/tests/emu/libintel-lm-emu.so
emu_ctl=$build/tests/emu/intel-lm-emu
for c in "$src"/examples/*.c; do
	x=$tmp/$(basename "$c" .c)
	# shellcheck disable=SC2086 # pkg-config's output is a list of words
	if $cc -std=gnu11 -Wall -Wextra -Werror $cflags -o "$x" "$c" $libs > "$tmp/cc.log" 2>&1; then
		ok "examples/$(basename "$c") builds with pkg-config's flags against the installed tree"
	else
		fail "examples/$(basename "$c") builds with pkg-config's flags against the installed tree"
		sed 's/^/# /' "$tmp/cc.log"
	fi
done
if [ -x "$tmp/save-vf-state" ] && [ -x "$emu_ctl" ]; then
	printf 'sysfs = %s/sys\n[pf nvme0]\nserial = INST0001\nvfs = 3\n' "$tmp" > "$tmp/emu.conf"
	export INTEL_LM_EMU=$tmp/emu.conf
	# The example claims the VF through the library: its record and locks here, not the host's.
	export INTEL_LM_STATE_DIR=$tmp/state INTEL_LM_LOCK_DIR=$tmp/locks
	"$emu_ctl" setup > /dev/null
	out=$(LD_LIBRARY_PATH=$lib LD_PRELOAD=$emu_so "$tmp/save-vf-state" /dev/nvme0 2 \
		"$tmp/vf2.blob" 2>&1)
	rc=$?
	check "save-vf-state runs on the installed library against the emulated PF (exit $rc)" \
		test "$rc" -eq 0
	check "it names the library's version and libnvme ($(head -n 1 <<<"$out"))" \
		grep -qx "libintel-lm $version (libnvme[ 0-9.x]*)" <<<"$out"
	check "it saved VF 2's state" grep -q '^/dev/nvme0: VF 2: saved [0-9]* bytes' <<<"$out"
	check "the emulated VF 2 is saved: SUSPEND and SAVE_DATA reached the device" bash -c \
		"'$emu_ctl' show nvme0 2 | grep -q '^state=saved'"
	out=$(LD_PRELOAD=$emu_so "$dest$sbindir/nvme-intel-lm" status /dev/nvme0 --vf=2 \
		--output-format=json 2>&1)
	check "status shows what the example did: VF 2 saved, its file and identity on record" \
		python3 -c 'import json, sys; v = json.loads(sys.argv[1])["vfs"][0]
sys.exit(not (v["state"] == "saved" and v["state_file"] == sys.argv[2] and v["identity"] and
              v["state_file_identity"] == v["identity"] and v["recorded"]))' "$out" "$tmp/vf2.blob"
	out=$(LD_PRELOAD=$emu_so "$dest$sbindir/nvme-intel-lm" inspect "$tmp/vf2.blob" 2>&1)
	check "nvme-intel-lm inspect finds the file a valid blob from INST0001 VF 2" bash -c \
		"grep -q 'source VF *: 2' <<<'$out' && grep -q INST0001 <<<'$out' &&
		 ! grep -qi 'valid *: no' <<<'$out'"
	out=$(LD_LIBRARY_PATH=$lib LD_PRELOAD=$emu_so "$tmp/save-vf-state" /dev/nvme0 9 \
		"$tmp/vf9.blob" 2>&1)
	rc=$?
	check "save-vf-state refuses VF 9 of a PF with 3 VFs, and writes nothing (exit $rc)" \
		bash -c "[ $rc -eq 1 ] && grep -q 'VF 9 is not one of its 3 VFs' <<<'$out' &&
			 [ ! -e '$tmp/vf9.blob' ]"
	unset INTEL_LM_EMU INTEL_LM_STATE_DIR INTEL_LM_LOCK_DIR
else
	fail "save-vf-state against the emulated PF" "not built, or no emulator in $build"
fi

# --- exported symbols -------------------------------------------------------------------------
# lib/libintel-lm.map: the ABI in LIBINTEL_LM_2_0 (one node per release), and LIBINTEL_LM_PRIVATE,
# the functions of include/libintel-lm-private.h that only this tree's programs and tests use.
so=$lib/libintel-lm.so.2.0.0
abi_node=LIBINTEL_LM_2_0
priv_node=LIBINTEL_LM_PRIVATE
dyn=$(nm -D --defined-only "$so" 2>/dev/null)
check "nm -D lists the library's symbols" test -n "$dyn"
# "ADDR TYPE NAME@@VERSION", and each version's own "A VERSION"
bad=$(awk -v a="$abi_node" -v p="$priv_node" '!(($2 == "A" && ($3 == a || $3 == p)) ||
	$3 ~ ("^intel_lm_[A-Za-z0-9_]+@@(" a "|" p ")$")) { print $3 }' <<<"$dyn")
check "every exported symbol is intel_lm_*@@$abi_node or @@$priv_node${bad:+ (not: $(echo $bad))}" \
	test -z "$bad"
check "objdump -T: every defined symbol has version $abi_node or $priv_node" bash -c \
	"objdump -T '$so' | awk '/^[0-9a-f]+ / && \$0 !~ /\\*UND\\*/ && \$(NF-1) != \"$abi_node\" && \$(NF-1) != \"$priv_node\" { bad = 1 } END { exit bad }'"
# node NAME: the map's symbols of that version node
node() {
	awk -v n="$1" '/^[A-Z0-9_]+ *\{/ { cur = $1 } cur == n && /^[[:space:]]*intel_lm_[A-Za-z0-9_]*;/ {
		sub(/^[[:space:]]*/, ""); sub(/;.*/, ""); print }' "$src/lib/libintel-lm.map" | sort
}
nodes=$(sed -n 's/^\([A-Z0-9_]*\) *{.*/\1/p' "$src/lib/libintel-lm.map" | sort | tr '\n' ' ')
[ "$nodes" = "$abi_node $priv_node " ] && nodes=
check "the map's version nodes are $abi_node and $priv_node${nodes:+ (not: $nodes)}" test -z "$nodes"
for n in "$abi_node" "$priv_node"; do
	exported=$(awk -v n="$n" '$3 ~ /^intel_lm_/ && $3 ~ ("@@" n "$") { sub(/@.*/, "", $3); print $3 }' <<<"$dyn" | sort)
	mapped=$(node "$n")
	extra=$(comm -23 <(echo "$exported") <(echo "$mapped"))
	lost=$(comm -13 <(echo "$exported") <(echo "$mapped"))
	check "exported at $n: exactly the map's node ($(grep -c . <<<"$exported"))${extra:+; not in the node: $(echo $extra)}${lost:+; not exported: $(echo $lost)}" \
		test -n "$exported" -a -z "$extra$lost"
done
undeclared=
for s in $(node "$abi_node"); do
	grep -qrw -- "$s" "$inc/libintel-lm.h" "$inc/intel-lm" || undeclared+=" $s"
done
check "every $abi_node symbol is declared in an installed header${undeclared:+ (not:$undeclared)}" \
	test -z "$undeclared"
leaked= undeclared=
for s in $(node "$priv_node"); do
	# a line of code (not of a comment) that names it before a parenthesis
	grep -qrE -- "^[[:space:]]*[^[:space:]*/].*\\b$s\\(" "$inc/libintel-lm.h" "$inc/intel-lm" &&
		leaked+=" $s"
	grep -qw -- "$s" "$src/include/libintel-lm-private.h" || undeclared+=" $s"
done
check "no $priv_node symbol is declared in an installed header${leaked:+ (declared:$leaked)}" \
	test -z "$leaked"
check "every $priv_node symbol is declared in include/libintel-lm-private.h${undeclared:+ (not:$undeclared)}" \
	test -z "$undeclared"
check "include/libintel-lm-private.h is not installed" \
	test -z "$(find "$dest" -name libintel-lm-private.h)"

# --- programs -------------------------------------------------------------------------------
prog=$dest$sbindir/nvme-intel-lm
check "nvme-intel-lm in $sbindir" test -x "$prog" -a -f "$prog"
out=$("$prog" --version 2>&1)
check "nvme-intel-lm --version says $version ($out)" grep -q "^nvme-intel-lm version $version" <<<"$out"
nvme_built=$(grep -c "^$libexecdir/intel-lm/nvme\$" <<<"$installed")
if [ "$nvme_built" -gt 0 ]; then
	nvme=$dest$libexecdir/intel-lm/nvme
	check "the nvme-cli build in $libexecdir/intel-lm/nvme" test -x "$nvme" -a -f "$nvme"
	check "$sbindir/nvme-lm -> $libexecdir/intel-lm/nvme" \
		test "$(readlink "$dest$sbindir/nvme-lm" 2>/dev/null)" = "$libexecdir/intel-lm/nvme"
	out=$("$nvme" intel-lm version 2>&1)
	check "nvme intel-lm version says $version" grep -q "^nvme intel-lm version $version" <<<"$out"
else
	echo "# the nvme-cli build is not configured: not installed"
	check "no nvme-lm without the nvme-cli build" test ! -e "$dest$sbindir/nvme-lm" -a ! -L "$dest$sbindir/nvme-lm"
fi

# --- man pages ------------------------------------------------------------------------------
# Documentation/*.txt whose title line is NAME(SECTION): NAME.SECTION
pages=$(for f in "$src"/Documentation/*.txt; do
	grep -v '^//' "$f" | head -n 1 | sed -n 's/^\([A-Za-z0-9._-]*\)(\([1-9]\))$/\1.\2/p'
done)
if [ "$docs" = man ]; then
	nopage=
	for p in $pages; do
		f=$dest$mandir/man${p##*.}/$p
		if [ ! -f "$f" ] || ! grep -q '^\.TH ' "$f"; then
			nopage+=" $p"
		fi
	done
	check "a man page (.TH) in $mandir for each of the $(wc -w <<<"$pages") pages of Documentation/${nopage:+ (missing:$nopage)}" \
		test -n "$pages" -a -z "$nopage"
	extra=$(cd "$dest$mandir" && ls man*/* 2>/dev/null | sed 's|.*/||' | grep -vxF "$pages")
	check "no other man page${extra:+ ($(echo $extra))}" test -z "$extra"
	if command -v man > /dev/null; then
		check "man renders nvme-intel-lm(1)" bash -c \
			"MANWIDTH=80 man -l '$dest$mandir/man1/nvme-intel-lm.1' 2>/dev/null | grep -q nvme-intel-lm"
	fi
else
	echo "# man pages not configured (-Ddocs=$docs)"
	check "no man pages without -Ddocs=man" test ! -d "$dest$mandir"
fi

# --- completions ----------------------------------------------------------------------------
check "bash completion in $datadir/bash-completion/completions/nvme-intel-lm" \
	cmp -s "$src/completions/bash/nvme-intel-lm" "$dest$datadir/bash-completion/completions/nvme-intel-lm"
zsh=$(find "$dest$datadir/zsh" -name _nvme-intel-lm 2>/dev/null | head -n 1)
check "zsh completion _nvme-intel-lm under $datadir/zsh (${zsh#$dest})" \
	cmp -s "$src/completions/zsh/_nvme-intel-lm" "$zsh"
check "bash completion files parse" bash -n "$dest$datadir/bash-completion/completions/nvme-intel-lm"

# --- the JSON schema --------------------------------------------------------------------------
check "the JSON schema in $datadir/intel-lm/intel-lm.schema.json" \
	cmp -s "$src/Documentation/intel-lm.schema.json" "$dest$datadir/intel-lm/intel-lm.schema.json"

finish
