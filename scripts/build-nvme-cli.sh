#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build nvme-cli 2.x (by default Debian bookworm's 2.3 source) or 3.x with the intel-lm plugin
# compiled in, and put the `nvme` executable where asked. Nothing is installed: /usr/sbin/nvme is
# never touched.
#
# How: a working copy of a pristine nvme-cli tree gets plugins/intel-lm/ (the glue, its
# meson.build and intel-lm.o, which holds libintel-lm and the front end taken from their static
# archives), nvme-cli's plugin list gets intel-lm, and nvme-cli's own meson and ninja build it.
# Re-runs copy nothing that did not change, so ninja only redoes what it must.
#
# nvme-cli 2.x: the glue is intel-lm-nvme.c with intel-lm-nvme.h (the PLUGIN/ENTRY macros),
# plugins/meson.build gets `subdir('intel-lm')`, and intel-lm.o comes from the static archives
# given (built against libnvme 1.x). An nvme-cli newer than the host's libnvme allows (its
# meson.build says which libnvme it needs; 2.13 needs 1.13, 2.16 needs 1.16, bookworm has 1.3)
# is linked against a libnvme built from --libnvme-source inside the work directory: a static
# library, installed under WORK/libnvme/root only, so the `nvme` executable needs no libnvme at
# run time.
#
# nvme-cli 3.x (plain struct command and struct plugin; libnvme3 in its own libnvme/): the glue
# is intel-lm-nvme3.c, and 'intel-lm' joins the choices of its `plugins` option. Its libnvme3
# is built from the same tree, static, and installed under WORK/libnvme3/root only (headers,
# libnvme3.a, libnvme3.pc); intel-lm's libraries are then built against it by intel-lm's own
# meson (-Dlibnvme=3) in WORK/intel-lm, from --source-root (the archives given are for
# libnvme 1.x and are not used), and nvme-cli links that same libnvme3.a.

set -euo pipefail

prog=${0##*/}

die()
{
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}

note()
{
	printf '%s: %s\n' "$prog" "$*" >&2
}

usage()
{
	cat <<EOF
Usage: $prog [OPTIONS] --output FILE [ARCHIVE...]
       $prog --check [OPTIONS]
       $prog --setup-apt-src

Build nvme-cli 2.x (default: Debian bookworm's 2.3) or 3.x with the intel-lm plugin compiled in
and put the nvme executable at FILE.

ARCHIVE...  nvme-cli 2.x: the static archives holding the intel-lm front end (intel_lm_cli_run)
            and libintel-lm; default: BUILD/plugins/intel-lm/libintel-lm-cli.a
            BUILD/lib/libintel-lm.a. nvme-cli 3.x builds its own from --source-root, against
            its libnvme3, in WORK/intel-lm.

Options:
  --source-root DIR      the intel-lm source tree (default: the one holding this script)
  --build-dir DIR        the intel-lm meson build directory (for the default ARCHIVEs)
  --output FILE          where to put the nvme executable
  --nvme-cli-source DIR|TARBALL
                         the nvme-cli 2.x or 3.x source to build: a tree (only read) or a
                         tarball (unpacked into WORK/src); default: apt-get source $APT_SOURCE
  --libnvme-source DIR|TARBALL
                         a libnvme 1.x source (a tree, only read, or a tarball), built into
                         WORK/libnvme and linked statically when nvme-cli 2.x needs a newer
                         libnvme than the host's (nvme-cli 3.x carries its libnvme3)
  --work-dir DIR         nvme-cli's working copy and build directories
                         (default: the directory of FILE, then nvme-cli.d)
  --cache-dir DIR        where \`apt-get source nvme-cli\` unpacks when there is no
                         --nvme-cli-source (default: WORK/apt-source); reused when present
  --version VERSION      the plugin's version, INTEL_LM_VERSION (default: the project version
                         of the intel-lm tree's meson.build)
  --check                only tell whether the build can work (tools, libraries, source)
  --setup-apt-src        as root: add a deb-src entry for bookworm to apt, and apt-get update
  -h, --help             show this text
EOF
}

# The nvme-cli source package and the release it must come from.
APT_SOURCE=nvme-cli/$(. /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-bookworm}")
APT_SRC_FILE=/etc/apt/sources.list.d/intel-lm-src.sources

source_root=
build_dir=
output=
nvme_cli_source=
libnvme_source=
work_dir=
cache_dir=
version=
mode=build
archives=()

while [[ $# -gt 0 ]]; do
	case $1 in
	--source-root|--build-dir|--output|--nvme-cli-source|--libnvme-source|--work-dir|\
	--cache-dir|--version)
		[[ $# -ge 2 ]] || die "$1 needs a value"
		case $1 in
		--source-root)		source_root=$2 ;;
		--build-dir)		build_dir=$2 ;;
		--output)		output=$2 ;;
		--nvme-cli-source)	nvme_cli_source=$2 ;;
		--libnvme-source)	libnvme_source=$2 ;;
		--work-dir)		work_dir=$2 ;;
		--cache-dir)		cache_dir=$2 ;;
		--version)		version=$2 ;;
		esac
		shift 2
		;;
	--check)
		mode=check
		shift
		;;
	--setup-apt-src)
		mode=setup-apt-src
		shift
		;;
	-h|--help)
		usage
		exit 0
		;;
	--)
		shift
		archives+=("$@")
		break
		;;
	-*)
		die "unknown option '$1' (see --help)"
		;;
	*)
		archives+=("$1")
		shift
		;;
	esac
done

# ---------------------------------------------------------------------------------------------
# --setup-apt-src: a deb-src entry for bookworm, mirroring the deb entry already configured.

apt_source_available()
{
	apt-get source --print-uris -qq "$APT_SOURCE" >/dev/null 2>&1
}

setup_apt_src()
{
	local uri=http://deb.debian.org/debian
	local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	local main=/etc/apt/sources.list.d/debian.sources
	local v

	[[ $EUID -eq 0 ]] || die "--setup-apt-src changes apt's configuration: run it as root"
	command -v apt-get >/dev/null || die "apt-get not found: this needs Debian"

	if apt_source_available; then
		note "apt already knows the source of $APT_SOURCE: nothing to do"
		return 0
	fi

	# Take the mirror and keyring of the first deb822 stanza that serves bookworm.
	if [[ -r $main ]]; then
		v=$(awk '/^[[:space:]]*$/ { if (hit) exit; uri = "" }
			 /^URIs:/ { uri = $2 }
			 /^Suites:/ && / bookworm( |$)/ { hit = 1 }
			 END { if (hit && uri != "") print uri }' "$main")
		[[ -n $v ]] && uri=$v
		v=$(awk '/^[[:space:]]*$/ { if (hit) exit; key = "" }
			 /^Signed-By:/ { key = $2 }
			 /^Suites:/ && / bookworm( |$)/ { hit = 1 }
			 END { if (hit && key != "") print key }' "$main")
		[[ -n $v ]] && keyring=$v
	fi

	note "writing $APT_SRC_FILE (deb-src $uri bookworm bookworm-updates main)"
	cat >"$APT_SRC_FILE" <<EOF
# Added by intel-lm's scripts/build-nvme-cli.sh: the source of nvme-cli 2.3, to build it with
# the intel-lm plugin. Remove this file to undo.
Types: deb-src
URIs: $uri
Suites: bookworm bookworm-updates
Components: main
Signed-By: $keyring
EOF
	apt-get update -q || die "apt-get update failed"
	apt_source_available || die "apt still cannot find the source of $APT_SOURCE"
	note "done: apt-get source $APT_SOURCE works"
}

if [[ $mode == setup-apt-src ]]; then
	setup_apt_src
	exit 0
fi

# ---------------------------------------------------------------------------------------------
# Arguments and defaults.

if [[ -z $source_root ]]; then
	source_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fi
[[ -f $source_root/plugins/intel-lm/intel-lm-nvme.c ]] ||
	die "$source_root is not the intel-lm source tree (no plugins/intel-lm/intel-lm-nvme.c)"
source_root=$(cd "$source_root" && pwd)

if [[ -z $work_dir && -n $output ]]; then
	work_dir=$(dirname "$output")/nvme-cli.d
fi
if [[ -z $cache_dir && -n $work_dir ]]; then
	cache_dir=$work_dir/apt-source
fi

# Print the version in the project() of the meson.build of the tree $1.
meson_project_version()
{
	sed -n "/^project(/,/)/ s/^[[:space:]]*version:[[:space:]]*'\\([^']*\\)'.*/\\1/p" \
		"$1/meson.build" | head -n1
}

# The one version string: meson.build's, unless --version says otherwise.
[[ -n $version ]] || version=$(meson_project_version "$source_root")
[[ $version =~ ^[A-Za-z0-9.+~_-]+$ ]] ||
	die "--version '$version': use only letters, digits and . + ~ _ -"

# Print the plugin interface of the nvme-cli tree $1: 2 (2.x: the PLUGIN/ENTRY macros of cmd.h
# and define_cmd.h) or 3 (3.x: plain structs, plugin_add_group() in src/plugin.h, the plugins
# option, libnvme3 in libnvme/); fail when $1 is neither.
nvme_cli_tree_gen()
{
	local dir=$1 f gen=2

	[[ -f $dir/meson.build ]] && grep -q "^project(" "$dir/meson.build" || return 1
	for f in plugin.c plugin.h cmd.h define_cmd.h cmd_handler.h plugins/meson.build; do
		[[ -f $dir/$f ]] || gen=
	done
	if [[ -z $gen ]]; then
		for f in src/plugin.c src/plugin.h plugins/meson.build meson_options.txt \
			 libnvme/meson.build; do
			[[ -f $dir/$f ]] || return 1
		done
		grep -q 'plugin_add_group' "$dir/src/plugin.h" || return 1
		grep -q "^[[:space:]]*'plugins',\$" "$dir/meson_options.txt" || return 1
		gen=3
	fi
	printf '%s\n' "$gen"
}

# Print the version of the nvme-cli tree $1, or fail when $1 is not one.
nvme_cli_tree_version()
{
	nvme_cli_tree_gen "$1" >/dev/null || return 1
	meson_project_version "$1"
}

# Whether the tarball $1 holds an nvme-cli 3.x tree: src/plugin.h and libnvme/meson.build at its
# top, or in its only top directory.
tarball_is_nvme_cli3()
{
	local list

	list=$(tar -tf "$1" 2>/dev/null) || return 1
	grep -Eq '^(\./)?([^/]+/)?src/plugin\.h$' <<<"$list" &&
		grep -Eq '^(\./)?([^/]+/)?libnvme/meson\.build$' <<<"$list"
}

# Print the lowest libnvme the nvme-cli tree $1 accepts, from its
# `dependency('libnvme', version: '>=X', ...)`; nothing when it names none.
libnvme_required()
{
	tr '\n' ' ' <"$1/meson.build" |
		sed -n "s/.*dependency([[:space:]]*'libnvme'[[:space:]]*,[[:space:]]*version[[:space:]]*:[[:space:]]*'>=[[:space:]]*\\([0-9][0-9.]*\\)'.*/\\1/p"
}

# version_ge A B: whether the dotted version A is at least B.
version_ge()
{
	[[ $(printf '%s\n' "$1" "$2" | sort -V | head -n1) == "$2" ]]
}

# Whether intel-lm's meson build at $source_root can choose libnvme3 (-Dlibnvme=3).
intel_lm_has_libnvme_option()
{
	grep -qs "^option([[:space:]]*'libnvme'" "$source_root/meson_options.txt" \
		"$source_root/meson.options"
}

# Print a cached apt-get source tree, if there is one.
cached_source()
{
	local d

	[[ -n $cache_dir && -d $cache_dir ]] || return 0
	for d in "$cache_dir"/nvme-cli-*/; do
		[[ -d $d ]] || continue
		if nvme_cli_tree_version "$d" >/dev/null; then
			printf '%s\n' "${d%/}"
			return 0
		fi
	done
}

# ---------------------------------------------------------------------------------------------
# --check: can the build work? Say why not on stderr.

check()
{
	local t ver gen=2

	for t in meson ninja pkg-config ld objcopy nm cmp; do
		command -v "$t" >/dev/null || die "'$t' not found"
	done

	if [[ -n $nvme_cli_source && ! -d $nvme_cli_source ]]; then
		[[ -f $nvme_cli_source && -r $nvme_cli_source ]] ||
			die "nvme-cli-source '$nvme_cli_source' is neither a directory nor a readable file"
		tar -tf "$nvme_cli_source" >/dev/null 2>&1 ||
			die "nvme-cli-source '$nvme_cli_source' is not a tarball tar can read"
		tarball_is_nvme_cli3 "$nvme_cli_source" && gen=3
	elif [[ -n $nvme_cli_source ]]; then
		gen=$(nvme_cli_tree_gen "$nvme_cli_source") ||
			die "nvme-cli-source '$nvme_cli_source' is not an nvme-cli source tree"
		ver=$(meson_project_version "$nvme_cli_source")
		[[ $ver == "$gen".* ]] ||
			die "nvme-cli-source '$nvme_cli_source' is nvme-cli $ver with the plugin interface of $gen.x"
	elif [[ -z $(cached_source) ]]; then
		command -v apt-get >/dev/null ||
			die "no nvme-cli source: set nvme-cli-source, or build on Debian with apt-get"
		command -v dpkg-source >/dev/null ||
			die "apt-get source needs dpkg-source: install dpkg-dev"
		apt_source_available ||
			die "apt has no source for $APT_SOURCE: run '$0 --setup-apt-src' as root, or set nvme-cli-source"
	fi

	# nvme-cli 3.x builds its libnvme3 and intel-lm's libraries itself: it needs only json-c
	# and zlib of the host, and intel-lm's -Dlibnvme option.
	for t in libnvme libnvme-mi json-c zlib; do
		# A libnvme built from --libnvme-source needs only json-c of the host.
		[[ ( -n $libnvme_source || $gen == 3 ) && $t == libnvme* ]] && continue
		if ! pkg-config --exists "$t"; then
			die "pkg-config cannot use '$t' (Debian: libnvme-dev libjson-c-dev libssl-dev libdbus-1-dev zlib1g-dev)"
		fi
	done
	if [[ $gen == 2 && -n $libnvme_source && ! -d $libnvme_source && ! -r $libnvme_source ]]; then
		die "libnvme-source '$libnvme_source' is neither a directory nor a readable file"
	fi
	if [[ $gen == 3 ]] && ! intel_lm_has_libnvme_option; then
		die "nvme-cli 3.x needs intel-lm built against libnvme3: $source_root has no meson option 'libnvme'"
	fi
	printf 'ok\n'
}

if [[ $mode == check ]]; then
	check
	exit 0
fi

# ---------------------------------------------------------------------------------------------
# The build.

[[ -n $output ]] || die "--output is required (see --help)"

for t in meson ninja ld objcopy nm cmp flock tar sha256sum; do
	command -v "$t" >/dev/null || die "'$t' not found"
done

mkdir -p "$work_dir"
work_dir=$(cd "$work_dir" && pwd)
tree=$work_dir/tree
build=$work_dir/build

# One build at a time in a working directory.
exec 9>"$work_dir/.lock"
flock 9

obj=$work_dir/intel-lm.o.new
trap 'rm -rf "$obj" "$tree.new" "$output.new"' EXIT

# source_tree WHAT PATH: print the source tree PATH stands for: PATH itself when it is a
# directory, else the tarball PATH unpacked into WORK/src/WHAT-<its sha256> (once; the tree of
# an older tarball of the same WHAT is removed), or its only top directory (git archive's).
source_tree()
{
	local what=$1 path=$2 sum dir
	local -a entries

	if [[ -d $path ]]; then
		(cd "$path" && pwd)
		return 0
	fi
	[[ -f $path && -r $path ]] ||
		die "$what source '$path' is neither a directory nor a readable file"
	sum=$(sha256sum <"$path") || die "cannot read $path"
	dir=$work_dir/src/$what-${sum:0:16}
	if [[ ! -d $dir ]]; then
		note "unpacking $path"
		rm -rf "$work_dir/src/$what-"*
		mkdir -p "$dir.new"
		if ! tar -xf "$path" -C "$dir.new" --no-same-owner; then
			rm -rf "$dir.new"
			die "cannot unpack $what source $path"
		fi
		mv "$dir.new" "$dir"
	fi
	shopt -s nullglob dotglob
	entries=("$dir"/*)
	shopt -u nullglob dotglob
	if [[ ${#entries[@]} -eq 1 && -d ${entries[0]} ]]; then
		printf '%s\n' "${entries[0]}"
	else
		printf '%s\n' "$dir"
	fi
}

# make_object ARCHIVE...: our code, from the archives, what intel_lm_cli_run() needs, linked
# into one object at $obj with every symbol local but intel_lm_cli_run(), so that nothing of
# ours can clash with nvme-cli's own global names. zlib's static archive, when there is one,
# goes in too: our crc32() is then zlib's own, private copy. nvme-cli 2.13 and later link no
# zlib but define a crc32() of their own (util/crc32.c, with another prototype), which our
# calls would otherwise bind to.
make_object()
{
	local zlib_archive='' zlib_libdir

	zlib_libdir=$(pkg-config --variable=libdir zlib 2>/dev/null) || zlib_libdir=
	if [[ -n $zlib_libdir && -f $zlib_libdir/libz.a ]]; then
		zlib_archive=$zlib_libdir/libz.a
	fi
	ld -r -o "$obj" -u intel_lm_cli_run --start-group "$@" ${zlib_archive:+"$zlib_archive"} \
		--end-group || die "ld -r of $* $zlib_archive failed"
	# (Not grep -q: nm would die of SIGPIPE, and pipefail makes that a failure.)
	nm -g --defined-only "$obj" | grep ' T intel_lm_cli_run$' >/dev/null ||
		die "none of $* defines intel_lm_cli_run()"
	objcopy --keep-global-symbol=intel_lm_cli_run "$obj" || die "objcopy of $obj failed"
}

# 1. Which nvme-cli: a --nvme-cli-source is unpacked now (nothing is downloaded) to tell its
#    plugin interface; without one, it is Debian's 2.x source, fetched in step 3.
gen=2
pristine=
if [[ -n $nvme_cli_source ]]; then
	pristine=$(source_tree nvme-cli "$nvme_cli_source") || exit 1
	[[ $pristine != "$tree" ]] || die "--nvme-cli-source cannot be the working copy $tree"
	gen=$(nvme_cli_tree_gen "$pristine") ||
		die "'$pristine' is not an nvme-cli source tree (no meson.build, plugin.c, define_cmd.h... or src/plugin.h, libnvme/...)"
fi

# 2. nvme-cli 2.x: our code from the archives given. Done before any download: it is quick and
#    finds a wrong archive first. nvme-cli 3.x needs it built against its libnvme3 (step 5).
if [[ $gen == 2 ]]; then
	if [[ ${#archives[@]} -eq 0 ]]; then
		[[ -n $build_dir ]] || die "give the static archives, or --build-dir to find them in"
		archives=("$build_dir/plugins/intel-lm/libintel-lm-cli.a" "$build_dir/lib/libintel-lm.a")
	fi
	for a in "${archives[@]}"; do
		[[ -f $a ]] || die "static archive '$a' not found (build intel-lm first)"
	done
	make_object "${archives[@]}"
else
	intel_lm_has_libnvme_option ||
		die "nvme-cli 3.x needs intel-lm built against libnvme3: $source_root has no meson option 'libnvme'"
	if [[ ${#archives[@]} -gt 0 || -n $build_dir ]]; then
		note "nvme-cli 3.x: the archives given are not used; intel-lm is built against nvme-cli's libnvme3 in $work_dir/intel-lm"
	fi
fi

# 3. The pristine nvme-cli tree without --nvme-cli-source: cached, or fetched with apt-get source.
if [[ -z $pristine ]]; then
	pristine=$(cached_source)
	if [[ -z $pristine ]]; then
		command -v apt-get >/dev/null ||
			die "no nvme-cli source: pass --nvme-cli-source (meson option nvme-cli-source)"
		command -v dpkg-source >/dev/null ||
			die "apt-get source needs dpkg-source: install dpkg-dev"
		mkdir -p "$cache_dir"
		fetch=$(mktemp -d "$cache_dir/.fetch.XXXXXX")
		note "fetching the nvme-cli source: apt-get source $APT_SOURCE"
		if ! (cd "$fetch" && apt-get source -q "$APT_SOURCE") >"$fetch.log" 2>&1; then
			cat "$fetch.log" >&2
			rm -rf "$fetch" "$fetch.log"
			die "apt-get source $APT_SOURCE failed; if apt has no deb-src entry for bookworm, run '$0 --setup-apt-src' as root, or pass --nvme-cli-source"
		fi
		rm -f "$fetch.log"
		for d in "$fetch"/nvme-cli-*/; do
			[[ -d $d ]] || continue
			pristine=$cache_dir/$(basename "$d")
			rm -rf "$pristine"
			mv "${d%/}" "$pristine"
		done
		rm -rf "$fetch"
		[[ -n $pristine ]] || die "apt-get source unpacked no nvme-cli-* directory in $cache_dir"
	fi
	[[ $(nvme_cli_tree_gen "$pristine" 2>/dev/null) == 2 ]] ||
		die "'$pristine' is not an nvme-cli 2.x source tree (no meson.build, plugin.c, define_cmd.h...)"
fi

nvme_cli_version=$(meson_project_version "$pristine")
[[ -n $nvme_cli_version ]] || die "'$pristine/meson.build' names no version in its project()"
case $gen:$nvme_cli_version in
2:2.3|2:2.13|2:2.16|3:3.0-rc1)
	;;
2:2.*|3:3.*)
	note "warning: nvme-cli $nvme_cli_version: the plugin was tested with nvme-cli 2.3, 2.13, 2.16 and 3.0-rc1 (+75 commits)"
	;;
*)
	die "'$pristine' is nvme-cli $nvme_cli_version with the plugin interface of nvme-cli $gen.x: not one the plugin knows"
	;;
esac

# 4. The working copy: copied again only when the pristine tree moved or changed. The copy
#    keeps modification times, so ninja rebuilds only the files that did change. The plugin
#    joins nvme-cli's list: 2.x reads plugins/meson.build, which gets `subdir('intel-lm')`; 3.x
#    builds the plugins its `plugins` option names, all of its choices by default, and
#    'intel-lm' joins the choices (and an explicit default, if the option has one).
stamp=$work_dir/tree.stamp
stamp_id=$(printf '%s\n' "$pristine" "plugin interface $gen")
if [[ ! -f $stamp || ! -d $tree || $(<"$stamp") != "$stamp_id" ||
      -n $(find "$pristine" -newer "$stamp" -not -path '*/.git/*' -print -quit) ]]; then
	note "copying nvme-cli $nvme_cli_version from $pristine"
	# The copy keeps the sources' times, which may be older than the objects of another tree
	# built here before: start the build afresh.
	rm -rf "$tree" "$tree.new" "$build"
	mkdir "$tree.new"
	tar -C "$pristine" --exclude=./.git --exclude=./plugins/intel-lm -cf - . |
		tar -C "$tree.new" -xf -
	if [[ $gen == 2 ]]; then
		grep -qx "subdir('intel-lm')" "$tree.new/plugins/meson.build" ||
			printf "subdir('intel-lm')\n" >>"$tree.new/plugins/meson.build"
	else
		sed -i "/^[[:space:]]*'plugins',\$/,/^)/ {
			s/\\(choices[[:space:]]*:[[:space:]]*\\[\\)/\\1'intel-lm', /
			s/\\(value[[:space:]]*:[[:space:]]*\\[\\)/\\1'intel-lm', /
		}" "$tree.new/meson_options.txt"
		sed -n "/^[[:space:]]*'plugins',\$/,/^)/ p" "$tree.new/meson_options.txt" |
			grep "choices.*'intel-lm'" >/dev/null ||
			die "cannot add intel-lm to the choices of the plugins option in $pristine/meson_options.txt"
	fi
	mkdir -p "$tree.new/plugins/intel-lm"
	mv "$tree.new" "$tree"
	printf '%s\n' "$stamp_id" >"$stamp"
fi

# Put $1 at $2 unless $2 already has the same content.
update_file()
{
	if ! cmp -s "$1" "$2"; then
		cp "$1" "$2.new"
		mv -f "$2.new" "$2"
	fi
}

# 5. The plugin: the glue and its meson.build.
plugin_src=$source_root/plugins/intel-lm
plugin_dst=$tree/plugins/intel-lm
if [[ $gen == 2 ]]; then
	glue=(intel-lm-nvme.c intel-lm-nvme.h intel-lm-glue.h intel-lm-commands.h cli.h)
	glue_meson=nvme-cli/meson.build
else
	glue=(intel-lm-nvme3.c intel-lm-glue.h intel-lm-commands.h cli.h)
	glue_meson=nvme-cli/meson3.build
fi
for f in "${glue[@]}" "$glue_meson"; do
	[[ -f $plugin_src/$f ]] || die "$plugin_src/$f not found"
done
for f in "${glue[@]}"; do
	update_file "$plugin_src/$f" "$plugin_dst/$f"
done
update_file "$plugin_src/$glue_meson" "$plugin_dst/meson.build"

# meson_feature_args TREE OPTION=VALUE...: print "-DOPTION=VALUE" for each option the meson
# project TREE has, one a line: releases add and drop options.
meson_feature_args()
{
	local src=$1 opt name

	shift
	for opt in "$@"; do
		name=${opt%%=*}
		if grep -qs "^option([[:space:]]*'$name'" "$src/meson_options.txt" "$src/meson.options" ||
		   grep -qsx "[[:space:]]*'$name'," "$src/meson_options.txt"; then
			printf '%s\n' "-D$opt"
		fi
	done
}

# 6. libnvme: the host's, when it is as recent as nvme-cli 2.x asks, else one built here from
#    --libnvme-source: static libraries (nothing to find at run time) installed under
#    WORK/libnvme/root, which nvme-cli's meson finds through pkg_config_path.
libnvme_build()
{
	local src=$1 ver=$2 dir=$work_dir/libnvme outside
	local -a args

	args=(
		--wrap-mode=nodownload
		--buildtype=debugoptimized
		--prefix="$dir/root"
		--libdir=lib
		# Where libnvme looks for hostnqn, hostid and config.json, as the host's does.
		--sysconfdir=/etc
		-Ddefault_library=static
	)
	# Only what nvme-cli links. Without OpenSSL, keyutils, D-Bus and liburing, libnvme.a needs
	# nothing but json-c, which nvme-cli links too (the TLS key commands then say that they are
	# not supported). Options this libnvme does not have are left out.
	mapfile -t -O "${#args[@]}" args < <(meson_feature_args "$src" python=disabled docs=false \
		docs-build=false tests=false examples=false openssl=disabled keyutils=disabled \
		libdbus=disabled liburing=disabled json-c=enabled)

	mkdir -p "$dir"
	if [[ ! -f $dir/build/build.ninja || ! -f $dir/setup-args ||
	      $(<"$dir/setup-args") != "$(printf '%s\n' "$src" "${args[@]}")" ]]; then
		note "configuring libnvme $ver from $src (log: $dir/meson-setup.log)"
		rm -rf "$dir/build" "$dir/root" "$dir/setup-args"
		if ! meson setup "${args[@]}" "$dir/build" "$src" >"$dir/meson-setup.log" 2>&1; then
			tail -n 30 "$dir/meson-setup.log" >&2
			die "meson setup of libnvme $ver failed (it needs libjson-c-dev)"
		fi
		printf '%s\n' "$src" "${args[@]}" >"$dir/setup-args"
	fi
	ninja -C "$dir/build" >&2 || die "building libnvme $ver failed"
	# Into WORK/libnvme/root only: the prefix, and the "devel" files alone (the libraries, the
	# headers, the .pc files), so nothing goes to /etc. Unchanged files keep their times.
	if ! meson install -C "$dir/build" --no-rebuild --quiet --tags devel \
		>"$dir/install.log" 2>&1; then
		cat "$dir/install.log" >&2
		die "installing libnvme $ver into $dir/root failed"
	fi
	outside=$(awk -v root="$dir/root" '!/^#/ && $0 != root && index($0, root "/") != 1' \
		"$dir/build/meson-logs/install-log.txt")
	[[ -z $outside ]] || die "installing libnvme $ver put files outside $dir/root: $outside"
	[[ -f $dir/root/lib/pkgconfig/libnvme.pc && -f $dir/root/lib/libnvme.a ]] ||
		die "libnvme $ver installed no lib/libnvme.a and lib/pkgconfig/libnvme.pc in $dir/root"
}

# What both nvme-cli 3.x configurations (libnvme3 alone, then nvme) leave out, alike so that
# they agree on CONFIG_* and on what libnvme3.a needs: OpenSSL, keyutils, D-Bus, liburing and
# libkmod (libnvme3.a then needs nothing but json-c, which nvme links too; the TLS key commands
# say that they are not supported), the python bindings, tests, examples and documentation.
# nvme-cli's unit tests would also link the plugin (see nvme-cli/meson3.build).
nvme3_common_args()
{
	meson_feature_args "$tree" python=disabled tests=false examples=false docs=false \
		docs-build=false openssl=disabled keyutils=disabled libdbus=disabled \
		liburing=disabled libkmod=disabled json-c=enabled
}

# nvme-cli 3.x: its libnvme3, from the working copy, configured alone (-Dnvme=disabled):
# static, installed under WORK/libnvme3/root (the headers, libnvme3.a with the ccan and shared
# code it uses, libnvme3.pc), for intel-lm's build and for nvme's link.
libnvme3_build()
{
	local dir=$work_dir/libnvme3 outside target
	local -a args

	args=(
		--wrap-mode=nodownload
		--buildtype=debugoptimized
		--prefix="$dir/root"
		--libdir=lib
		--sysconfdir=/etc
		-Ddefault_library=static
		-Dnvme=disabled
		-Dlibnvme=enabled
	)
	mapfile -t -O "${#args[@]}" args < <(nvme3_common_args)

	mkdir -p "$dir"
	if [[ ! -f $dir/build/build.ninja || ! -f $dir/setup-args ||
	      $(<"$dir/setup-args") != "$(printf '%s\n' "$tree" "${args[@]}")" ]]; then
		note "configuring libnvme3 of nvme-cli $nvme_cli_version (log: $dir/meson-setup.log)"
		rm -rf "$dir/build" "$dir/root" "$dir/setup-args"
		if ! meson setup "${args[@]}" "$dir/build" "$tree" >"$dir/meson-setup.log" 2>&1; then
			tail -n 30 "$dir/meson-setup.log" >&2
			die "meson setup of nvme-cli $nvme_cli_version's libnvme3 failed (it needs libjson-c-dev)"
		fi
		printf '%s\n' "$tree" "${args[@]}" >"$dir/setup-args"
	fi
	# Only libnvme3.a (and what it is made of): not the copy for libnvme's own tests.
	target=$(ninja -C "$dir/build" -t targets all 2>/dev/null |
		 awk -F: '$1 ~ /(^|\/)libnvme3\.a$/ && !n++ { print $1 }') || target=
	# shellcheck disable=SC2086 # none, or one path without spaces
	ninja -C "$dir/build" $target >&2 || die "building nvme-cli $nvme_cli_version's libnvme3 failed"
	if ! meson install -C "$dir/build" --no-rebuild --quiet --tags devel \
		>"$dir/install.log" 2>&1; then
		cat "$dir/install.log" >&2
		die "installing libnvme3 into $dir/root failed"
	fi
	outside=$(awk -v root="$dir/root" '!/^#/ && $0 != root && index($0, root "/") != 1' \
		"$dir/build/meson-logs/install-log.txt")
	[[ -z $outside ]] || die "installing libnvme3 put files outside $dir/root: $outside"
	[[ -f $dir/root/lib/pkgconfig/libnvme3.pc && -f $dir/root/lib/libnvme3.a ]] ||
		die "nvme-cli $nvme_cli_version installed no lib/libnvme3.a and lib/pkgconfig/libnvme3.pc in $dir/root"
}

# nvme-cli 3.x: intel-lm's static libraries, from --source-root, built by intel-lm's own meson
# against that libnvme3 (-Dlibnvme=3) in WORK/intel-lm; sets archives.
intel_lm_build()
{
	local dir=$work_dir/intel-lm
	local -a args

	args=(
		--wrap-mode=nodownload
		--buildtype=debugoptimized
		-Dlibnvme=3
		-Dpkg_config_path="$work_dir/libnvme3/root/lib/pkgconfig"
	)
	mapfile -t -O "${#args[@]}" args < <(meson_feature_args "$source_root" nvme-cli=disabled \
		tests=false docs=false quality-tests=false)

	mkdir -p "$dir"
	if [[ ! -f $dir/build/build.ninja || ! -f $dir/setup-args ||
	      $(<"$dir/setup-args") != "$(printf '%s\n' "$source_root" "${args[@]}")" ]]; then
		note "configuring intel-lm from $source_root against libnvme3 (log: $dir/meson-setup.log)"
		rm -rf "$dir/build" "$dir/setup-args"
		if ! meson setup "${args[@]}" "$dir/build" "$source_root" >"$dir/meson-setup.log" 2>&1
		then
			tail -n 30 "$dir/meson-setup.log" >&2
			die "meson setup of intel-lm against libnvme3 failed"
		fi
		printf '%s\n' "$source_root" "${args[@]}" >"$dir/setup-args"
	fi
	ninja -C "$dir/build" lib/libintel-lm.a plugins/intel-lm/libintel-lm-cli.a >&2 ||
		die "building intel-lm against libnvme3 failed"
	archives=("$dir/build/plugins/intel-lm/libintel-lm-cli.a" "$dir/build/lib/libintel-lm.a")
}

libnvme_src=
libnvme_pc_dir=
libnvme_lib_dir=
if [[ $gen == 2 ]]; then
	libnvme_req=$(libnvme_required "$tree")
	host_libnvme=$(pkg-config --modversion libnvme 2>/dev/null) || host_libnvme=
	if [[ -n $host_libnvme ]] &&
	   { [[ -z $libnvme_req ]] || version_ge "$host_libnvme" "$libnvme_req"; }; then
		[[ -z $libnvme_source ]] ||
			note "the host's libnvme $host_libnvme is enough for nvme-cli $nvme_cli_version (>= ${libnvme_req:-any}): --libnvme-source is not needed"
	else
		[[ -n $libnvme_source ]] ||
			die "nvme-cli $nvme_cli_version needs libnvme >= ${libnvme_req:-?}, the host has ${host_libnvme:-none}: pass --libnvme-source DIR|TARBALL"
		libnvme_src=$(source_tree libnvme "$libnvme_source") || exit 1
		libnvme_ver=$(meson_project_version "$libnvme_src")
		[[ -f $libnvme_src/src/libnvme.h && -n $libnvme_ver ]] ||
			die "libnvme source '$libnvme_source' is not a libnvme tree (no meson.build, src/libnvme.h)"
		[[ -z $libnvme_req ]] || version_ge "$libnvme_ver" "$libnvme_req" ||
			die "libnvme-source '$libnvme_source' is libnvme $libnvme_ver; nvme-cli $nvme_cli_version needs >= $libnvme_req"
		libnvme_build "$libnvme_src" "$libnvme_ver"
		libnvme_pc_dir=$work_dir/libnvme/root/lib/pkgconfig
		libnvme_lib_dir=$work_dir/libnvme/root/lib
	fi
else
	[[ -z $libnvme_source ]] ||
		note "nvme-cli $nvme_cli_version carries its own libnvme3: --libnvme-source is not used"
	libnvme3_build
	libnvme_pc_dir=$work_dir/libnvme3/root/lib/pkgconfig
	libnvme_lib_dir=$work_dir/libnvme3/root/lib
	intel_lm_build
	make_object "${archives[@]}"
fi
update_file "$obj" "$plugin_dst/intel-lm.o"
rm -f "$obj"

# 7. Configure (again only when the options changed) and build nvme-cli's `nvme`.
setup_args=(
	--wrap-mode=nodownload
	--buildtype=debugoptimized
	--prefix=/usr
	--sysconfdir=/etc
	-Dversion-tag="$nvme_cli_version+intel-lm-$version"
	# Meson splits c_args like a shell would: the single quotes keep the double ones.
	"-Dc_args=-DINTEL_LM_VERSION='\"$version\"'"
)
if [[ $gen == 2 ]]; then
	setup_args+=(-Ddocs=false -Ddocs-build=false -Dnvme-tests=false)
else
	# libnvme3 as installed above (found by pkg-config: --prefix is /usr), not built again.
	setup_args+=(-Dlibnvme=disabled)
	mapfile -t -O "${#setup_args[@]}" setup_args < <(nvme3_common_args)
fi
if [[ -n $libnvme_pc_dir ]]; then
	setup_args+=("-Dpkg_config_path=$libnvme_pc_dir")
fi
# What the build directory was configured from; a libnvme from another source reconfigures.
setup_id=$(printf '%s\n' "$tree" "${setup_args[@]}")
if [[ -n $libnvme_src ]]; then
	setup_id+=$'\n'"libnvme: $libnvme_src"
fi
args_file=$work_dir/setup-args
if [[ ! -f $build/build.ninja || ! -f $args_file || $(<"$args_file") != "$setup_id" ]]; then
	note "configuring nvme-cli (log: $work_dir/meson-setup.log)"
	rm -rf "$build" "$args_file"
	if ! meson setup "${setup_args[@]}" "$build" "$tree" >"$work_dir/meson-setup.log" 2>&1; then
		tail -n 30 "$work_dir/meson-setup.log" >&2
		die "meson setup of nvme-cli failed (nvme-cli needs libnvme-dev, libjson-c-dev, libssl-dev, libdbus-1-dev and zlib1g-dev)"
	fi
	printf '%s\n' "$setup_id" >"$args_file"
fi

ninja -C "$build" nvme || die "building nvme-cli failed"

# The plugin is in: nvme-cli's meson files may have changed under the glue's meson.build.
nm --defined-only "$build/nvme" | grep ' T intel_lm_cli_run$' >/dev/null ||
	die "$build/nvme has no intel_lm_cli_run(): nvme-cli $nvme_cli_version did not link the plugin (see $plugin_dst/meson.build)"

# A function or variable our code takes from libc, libnvme or json-c but that nvme-cli defines
# itself would bind to nvme-cli's: say so. (nvme-cli's weak libnvme forwarders are harmless.)
# A static libnvme's own functions are in `nvme` too, and rightly ours.
shadowed=$(comm -12 \
	<(nm -u "$plugin_dst/intel-lm.o" | awk '{ sub(/@.*/, "", $2); print $2 }' | sort -u) \
	<(nm --defined-only "$build/nvme" | awk '$2 ~ /^[TDBR]$/ { print $3 }' | sort -u))
if [[ -n $shadowed && -n $libnvme_lib_dir ]]; then
	shadowed=$(comm -23 <(printf '%s\n' "$shadowed") \
		<(nm -g --defined-only "$libnvme_lib_dir"/lib*.a 2>/dev/null |
		  awk 'NF == 3 { print $3 }' | sort -u))
fi
if [[ -n $shadowed ]]; then
	note "warning: nvme-cli defines these names itself, and the intel-lm code will use them:" \
		"${shadowed//$'\n'/ }"
fi

# 8. The result. Always renewed, so the caller's build system sees a fresh output.
mkdir -p "$(dirname "$output")"
cp "$build/nvme" "$output.new"
mv -f "$output.new" "$output"
