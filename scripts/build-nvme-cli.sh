#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build nvme-cli 2.3 (Debian bookworm's source) with the intel-lm plugin compiled in, and put
# the `nvme` executable where asked. Nothing is installed: /usr/sbin/nvme is never touched.
#
# How: a working copy of a pristine nvme-cli tree gets plugins/intel-lm/ (the glue, its
# meson.build and intel-lm.o, which holds libintel-lm and the front end taken from their static
# archives), plugins/meson.build gets `subdir('intel-lm')`, and nvme-cli's own meson and ninja
# build it. Re-runs copy nothing that did not change, so ninja only redoes what it must.

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

Build nvme-cli 2.3 with the intel-lm plugin compiled in and put the nvme executable at FILE.

ARCHIVE...  the static archives holding the intel-lm front end (intel_lm_cli_run) and
            libintel-lm; default: BUILD/plugins/intel-lm/libintel-lm-cli.a BUILD/lib/libintel-lm.a

Options:
  --source-root DIR      the intel-lm source tree (default: the one holding this script)
  --build-dir DIR        the intel-lm meson build directory (for the default ARCHIVEs)
  --output FILE          where to put the nvme executable
  --nvme-cli-source DIR  an unpacked nvme-cli 2.x tree to build; it is only read
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
work_dir=
cache_dir=
version=0.1.0
mode=build
archives=()

while [[ $# -gt 0 ]]; do
	case $1 in
	--source-root|--build-dir|--output|--nvme-cli-source|--work-dir|--cache-dir|--version)
		[[ $# -ge 2 ]] || die "$1 needs a value"
		case $1 in
		--source-root)		source_root=$2 ;;
		--build-dir)		build_dir=$2 ;;
		--output)		output=$2 ;;
		--nvme-cli-source)	nvme_cli_source=$2 ;;
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

# Print the version of the nvme-cli tree $1, or fail when $1 is not one.
nvme_cli_tree_version()
{
	local dir=$1 f

	for f in meson.build plugin.c plugin.h cmd.h define_cmd.h cmd_handler.h plugins/meson.build; do
		[[ -f $dir/$f ]] || return 1
	done
	grep -q "^project(" "$dir/meson.build" || return 1
	sed -n "/^project(/,/)/ s/^[[:space:]]*version:[[:space:]]*'\\([^']*\\)'.*/\\1/p" \
		"$dir/meson.build" | head -n1
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
		if ! pkg-config --exists "$t"; then
			die "pkg-config cannot use '$t' (Debian: libnvme-dev libjson-c-dev libssl-dev libdbus-1-dev zlib1g-dev)"
		fi
	done

	if [[ -n $nvme_cli_source ]]; then
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

for t in meson ninja ld objcopy nm cmp flock; do
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

# 1. Our code: from the archives, what intel_lm_cli_run() needs, linked into one object with
#    every symbol local but intel_lm_cli_run(), so that nothing of ours can clash with nvme-cli's
#    own global names. Done first: it is quick and finds a wrong archive before any download.
ld -r -o "$obj" -u intel_lm_cli_run --start-group "${archives[@]}" --end-group ||
	die "ld -r of ${archives[*]} failed"
nm -g --defined-only "$obj" | grep -q ' T intel_lm_cli_run$' ||
	die "none of ${archives[*]} defines intel_lm_cli_run()"
objcopy --keep-global-symbol=intel_lm_cli_run "$obj" || die "objcopy of $obj failed"

# 2. The pristine nvme-cli tree: given, cached, or fetched with apt-get source.
if [[ -n $nvme_cli_source ]]; then
	[[ -d $nvme_cli_source ]] || die "nvme-cli source '$nvme_cli_source' is not a directory"
	pristine=$(cd "$nvme_cli_source" && pwd)
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
2.3)	;;
2.*)	note "warning: nvme-cli $nvme_cli_version, not 2.3: the plugin was written for 2.3" ;;
*)	die "'$pristine' is nvme-cli $nvme_cli_version; the plugin needs nvme-cli 2.x (3.0 changed the plugin interface)" ;;
esac

# 3. The working copy: copied again only when the pristine tree moved or changed. The copy
#    keeps modification times, so ninja rebuilds only the files that did change.
stamp=$work_dir/tree.stamp
if [[ ! -f $stamp || ! -d $tree || $(<"$stamp") != "$pristine" ||
      -n $(find "$pristine" -newer "$stamp" -not -path '*/.git/*' -print -quit) ]]; then
	note "copying nvme-cli $nvme_cli_version from $pristine"
	rm -rf "$tree" "$tree.new"
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

# 5. Configure (again only when the options changed) and build nvme-cli's `nvme`.
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
args_file=$work_dir/setup-args
if [[ ! -f $build/build.ninja || ! -f $args_file ||
      $(<"$args_file") != "$(printf '%s\n' "$tree" "${setup_args[@]}")" ]]; then
	note "configuring nvme-cli (log: $work_dir/meson-setup.log)"
	rm -rf "$build" "$args_file"
	if ! meson setup "${setup_args[@]}" "$build" "$tree" >"$work_dir/meson-setup.log" 2>&1; then
		tail -n 30 "$work_dir/meson-setup.log" >&2
		die "meson setup of nvme-cli failed (nvme-cli needs libnvme-dev, libjson-c-dev, libssl-dev, libdbus-1-dev and zlib1g-dev)"
	fi
	printf '%s\n' "$tree" "${setup_args[@]}" >"$args_file"
fi

ninja -C "$build" nvme || die "building nvme-cli failed"

# A function or variable our code takes from libc, libnvme or json-c but that nvme-cli defines
# itself would bind to nvme-cli's: say so. (nvme-cli's weak libnvme forwarders are harmless.)
shadowed=$(comm -12 \
	<(nm -u "$plugin_dst/intel-lm.o" | awk '{ sub(/@.*/, "", $2); print $2 }' | sort -u) \
	<(nm --defined-only "$build/nvme" | awk '$2 ~ /^[TDBR]$/ { print $3 }' | sort -u))
if [[ -n $shadowed ]]; then
	note "warning: nvme-cli defines these names itself, and the intel-lm code will use them:" \
		$shadowed
fi

# 6. The result. Always renewed, so the caller's build system sees a fresh output.
mkdir -p "$(dirname "$output")"
cp "$build/nvme" "$output.new"
mv -f "$output.new" "$output"
