#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build nvme-cli 2.x (by default Debian bookworm's 2.3 source) with the intel-lm plugin compiled
# in, and put the `nvme` executable where asked. Nothing is installed: /usr/sbin/nvme is never
# touched.
#
# How: a working copy of a pristine nvme-cli tree gets plugins/intel-lm/ (the glue, its
# meson.build and intel-lm.o, which holds libintel-lm and the front end taken from their static
# archives), plugins/meson.build gets `subdir('intel-lm')`, and nvme-cli's own meson and ninja
# build it. Re-runs copy nothing that did not change, so ninja only redoes what it must.
#
# An nvme-cli newer than the host's libnvme allows (its meson.build says which libnvme it
# needs; 2.13 needs 1.13, 2.16 needs 1.16, bookworm has 1.3) is linked against a libnvme built
# from --libnvme-source inside the work directory: a static library, installed under
# WORK/libnvme/root only, so the `nvme` executable needs no libnvme at run time.

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

Build nvme-cli 2.x (default: Debian bookworm's 2.3) with the intel-lm plugin compiled in and
put the nvme executable at FILE.

ARCHIVE...  the static archives holding the intel-lm front end (intel_lm_cli_run) and
            libintel-lm; default: BUILD/plugins/intel-lm/libintel-lm-cli.a BUILD/lib/libintel-lm.a

Options:
  --source-root DIR      the intel-lm source tree (default: the one holding this script)
  --build-dir DIR        the intel-lm meson build directory (for the default ARCHIVEs)
  --output FILE          where to put the nvme executable
  --nvme-cli-source DIR|TARBALL
                         the nvme-cli 2.x source to build: a tree (only read) or a tarball
                         (unpacked into WORK/src); default: apt-get source $APT_SOURCE
  --libnvme-source DIR|TARBALL
                         a libnvme source (a tree, only read, or a tarball), built into
                         WORK/libnvme and linked statically when nvme-cli needs a newer
                         libnvme than the host's
  --work-dir DIR         nvme-cli's working copy and build directory
                         (default: the directory of FILE, then nvme-cli.d)
  --cache-dir DIR        where \`apt-get source nvme-cli\` unpacks when there is no
                         --nvme-cli-source (default: WORK/apt-source); reused when present
  --version VERSION      the plugin's version, INTEL_LM_VERSION (default: 0.1.0)
  --check                only tell whether the build can work (tools, libraries, source)
  --setup-apt-src        as root: add a deb-src entry for bookworm to apt, and apt-get update
  -h, --help             show this text
EOF
}

# The nvme-cli source package and the release it must come from.
APT_SOURCE=nvme-cli/bookworm
APT_SRC_FILE=/etc/apt/sources.list.d/intel-lm-src.sources

source_root=
build_dir=
output=
nvme_cli_source=
libnvme_source=
work_dir=
cache_dir=
version=0.1.0
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

[[ $version =~ ^[A-Za-z0-9.+~_-]+$ ]] ||
	die "--version '$version': use only letters, digits and . + ~ _ -"

# Print the version in the project() of the meson.build of the tree $1.
meson_project_version()
{
	sed -n "/^project(/,/)/ s/^[[:space:]]*version:[[:space:]]*'\\([^']*\\)'.*/\\1/p" \
		"$1/meson.build" | head -n1
}

# Print the version of the nvme-cli tree $1, or fail when $1 is not one.
nvme_cli_tree_version()
{
	local dir=$1 f

	for f in meson.build plugin.c plugin.h cmd.h define_cmd.h cmd_handler.h plugins/meson.build; do
		[[ -f $dir/$f ]] || return 1
	done
	grep -q "^project(" "$dir/meson.build" || return 1
	meson_project_version "$dir"
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
	local t ver

	for t in meson ninja pkg-config ld objcopy nm cmp; do
		command -v "$t" >/dev/null || die "'$t' not found"
	done
	for t in libnvme libnvme-mi json-c zlib; do
		# A libnvme built from --libnvme-source needs only json-c of the host.
		[[ -n $libnvme_source && $t == libnvme* ]] && continue
		if ! pkg-config --exists "$t"; then
			die "pkg-config cannot use '$t' (Debian: libnvme-dev libjson-c-dev libssl-dev libdbus-1-dev zlib1g-dev)"
		fi
	done
	if [[ -n $libnvme_source && ! -d $libnvme_source && ! -r $libnvme_source ]]; then
		die "libnvme-source '$libnvme_source' is neither a directory nor a readable file"
	fi

	if [[ -n $nvme_cli_source && ! -d $nvme_cli_source ]]; then
		[[ -f $nvme_cli_source && -r $nvme_cli_source ]] ||
			die "nvme-cli-source '$nvme_cli_source' is neither a directory nor a readable file"
		tar -tf "$nvme_cli_source" >/dev/null 2>&1 ||
			die "nvme-cli-source '$nvme_cli_source' is not a tarball tar can read"
	elif [[ -n $nvme_cli_source ]]; then
		ver=$(nvme_cli_tree_version "$nvme_cli_source") ||
			die "nvme-cli-source '$nvme_cli_source' is not an nvme-cli source tree"
		[[ $ver == 2.* ]] || die "nvme-cli-source '$nvme_cli_source' is nvme-cli $ver, not 2.x"
	elif [[ -z $(cached_source) ]]; then
		command -v apt-get >/dev/null ||
			die "no nvme-cli source: set nvme-cli-source, or build on Debian with apt-get"
		command -v dpkg-source >/dev/null ||
			die "apt-get source needs dpkg-source: install dpkg-dev"
		apt_source_available ||
			die "apt has no source for $APT_SOURCE: run '$0 --setup-apt-src' as root, or set nvme-cli-source"
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

if [[ ${#archives[@]} -eq 0 ]]; then
	[[ -n $build_dir ]] || die "give the static archives, or --build-dir to find them in"
	archives=("$build_dir/plugins/intel-lm/libintel-lm-cli.a" "$build_dir/lib/libintel-lm.a")
fi
for a in "${archives[@]}"; do
	[[ -f $a ]] || die "static archive '$a' not found (build intel-lm first)"
done

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

# 1. Our code: from the archives, what intel_lm_cli_run() needs, linked into one object with
#    every symbol local but intel_lm_cli_run(), so that nothing of ours can clash with nvme-cli's
#    own global names. Done first: it is quick and finds a wrong archive before any download.
#    zlib's static archive, when there is one, goes in too: our crc32() is then zlib's own,
#    private copy. nvme-cli 2.13 and later link no zlib but define a crc32() of their own
#    (util/crc32.c, with another prototype), which our calls would otherwise bind to.
zlib_archive=
zlib_libdir=$(pkg-config --variable=libdir zlib 2>/dev/null) || zlib_libdir=
if [[ -n $zlib_libdir && -f $zlib_libdir/libz.a ]]; then
	zlib_archive=$zlib_libdir/libz.a
fi
ld -r -o "$obj" -u intel_lm_cli_run --start-group "${archives[@]}" ${zlib_archive:+"$zlib_archive"} \
	--end-group || die "ld -r of ${archives[*]} $zlib_archive failed"
# (Not grep -q: nm would die of SIGPIPE, and pipefail makes that a failure.)
nm -g --defined-only "$obj" | grep ' T intel_lm_cli_run$' >/dev/null ||
	die "none of ${archives[*]} defines intel_lm_cli_run()"
objcopy --keep-global-symbol=intel_lm_cli_run "$obj" || die "objcopy of $obj failed"

# 2. The pristine nvme-cli tree: given (a tree, or a tarball unpacked here), cached, or fetched
#    with apt-get source.
if [[ -n $nvme_cli_source ]]; then
	pristine=$(source_tree nvme-cli "$nvme_cli_source") || exit 1
	[[ $pristine != "$tree" ]] || die "--nvme-cli-source cannot be the working copy $tree"
else
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
fi

nvme_cli_version=$(nvme_cli_tree_version "$pristine") ||
	die "'$pristine' is not an nvme-cli source tree (no meson.build, plugin.c, define_cmd.h...)"
case $nvme_cli_version in
2.3|2.13|2.16)	;;
2.*)	note "warning: nvme-cli $nvme_cli_version: the plugin was tested with nvme-cli 2.3, 2.13 and 2.16" ;;
*)	die "'$pristine' is nvme-cli $nvme_cli_version; the plugin needs nvme-cli 2.x (3.0 changed the plugin interface)" ;;
esac

# 3. The working copy: copied again only when the pristine tree moved or changed. The copy
#    keeps modification times, so ninja rebuilds only the files that did change.
stamp=$work_dir/tree.stamp
if [[ ! -f $stamp || ! -d $tree || $(<"$stamp") != "$pristine" ||
      -n $(find "$pristine" -newer "$stamp" -not -path '*/.git/*' -print -quit) ]]; then
	note "copying nvme-cli $nvme_cli_version from $pristine"
	# The copy keeps the sources' times, which may be older than the objects of another tree
	# built here before: start the build afresh.
	rm -rf "$tree" "$tree.new" "$build"
	mkdir "$tree.new"
	tar -C "$pristine" --exclude=./.git --exclude=./plugins/intel-lm -cf - . |
		tar -C "$tree.new" -xf -
	grep -qx "subdir('intel-lm')" "$tree.new/plugins/meson.build" ||
		printf "subdir('intel-lm')\n" >>"$tree.new/plugins/meson.build"
	mkdir -p "$tree.new/plugins/intel-lm"
	mv "$tree.new" "$tree"
	printf '%s\n' "$pristine" >"$stamp"
fi

# Put $1 at $2 unless $2 already has the same content.
update_file()
{
	if ! cmp -s "$1" "$2"; then
		cp "$1" "$2.new"
		mv -f "$2.new" "$2"
	fi
}

# 4. The plugin: the glue, its meson.build and our object.
plugin_src=$source_root/plugins/intel-lm
plugin_dst=$tree/plugins/intel-lm
for f in intel-lm-nvme.c intel-lm-nvme.h cli.h; do
	[[ -f $plugin_src/$f ]] || die "$plugin_src/$f not found"
	update_file "$plugin_src/$f" "$plugin_dst/$f"
done
update_file "$plugin_src/nvme-cli/meson.build" "$plugin_dst/meson.build"
update_file "$obj" "$plugin_dst/intel-lm.o"
rm -f "$obj"

# 5. libnvme: the host's, when it is as recent as nvme-cli asks, else one built here from
#    --libnvme-source: static libraries (nothing to find at run time) installed under
#    WORK/libnvme/root, which nvme-cli's meson finds through pkg_config_path.
libnvme_build()
{
	local src=$1 ver=$2 dir=$work_dir/libnvme opt name outside
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
	for opt in python=disabled docs=false docs-build=false tests=false examples=false \
		   openssl=disabled keyutils=disabled libdbus=disabled liburing=disabled \
		   json-c=enabled; do
		name=${opt%%=*}
		if grep -qs "^option([[:space:]]*'$name'" "$src/meson_options.txt" "$src/meson.options"; then
			args+=("-D$opt")
		fi
	done

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

libnvme_req=$(libnvme_required "$tree")
host_libnvme=$(pkg-config --modversion libnvme 2>/dev/null) || host_libnvme=
libnvme_src=
libnvme_pc_dir=
if [[ -n $host_libnvme ]] && { [[ -z $libnvme_req ]] || version_ge "$host_libnvme" "$libnvme_req"; }; then
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
fi

# 6. Configure (again only when the options changed) and build nvme-cli's `nvme`.
setup_args=(
	--wrap-mode=nodownload
	--buildtype=debugoptimized
	--prefix=/usr
	--sysconfdir=/etc
	-Dversion-tag="$nvme_cli_version+intel-lm-$version"
	-Ddocs=false
	-Ddocs-build=false
	-Dnvme-tests=false
	# Meson splits c_args like a shell would: the single quotes keep the double ones.
	"-Dc_args=-DINTEL_LM_VERSION='\"$version\"'"
)
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

# A function or variable our code takes from libc, libnvme or json-c but that nvme-cli defines
# itself would bind to nvme-cli's: say so. (nvme-cli's weak libnvme forwarders are harmless.)
# A static libnvme's own functions are in `nvme` too, and rightly ours.
shadowed=$(comm -12 \
	<(nm -u "$plugin_dst/intel-lm.o" | awk '{ sub(/@.*/, "", $2); print $2 }' | sort -u) \
	<(nm --defined-only "$build/nvme" | awk '$2 ~ /^[TDBR]$/ { print $3 }' | sort -u))
if [[ -n $shadowed && -n $libnvme_pc_dir ]]; then
	shadowed=$(comm -23 <(printf '%s\n' "$shadowed") \
		<(nm -g --defined-only "$work_dir"/libnvme/root/lib/lib*.a 2>/dev/null |
		  awk 'NF == 3 { print $3 }' | sort -u))
fi
if [[ -n $shadowed ]]; then
	note "warning: nvme-cli defines these names itself, and the intel-lm code will use them:" \
		"${shadowed//$'\n'/ }"
fi

# 7. The result. Always renewed, so the caller's build system sees a fresh output.
mkdir -p "$(dirname "$output")"
cp "$build/nvme" "$output.new"
mv -f "$output.new" "$output"
