#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The README's two commands in a Debian 13 (trixie) userland, with trixie's own libnvme 1.13
# and nvme-cli 2.13: a chroot made with debootstrap from the host's own mirror and keyring. In
# it, on a copy of this checkout's files: `make demo`, `make test` (every suite; the plugin is
# built into nvme-cli 2.13 from `apt-get source nvme-cli` against trixie's libnvme-dev), then
# the Debian packages built with `dpkg-buildpackage -us -uc` and checked with lintian, which
# must report no error and no warning.
#
# Prints the inner make test's count and ends with "check-trixie: N passed, N failed, N
# skipped": make test's own count (its skips too), and the demo, the package build and lintian
# as one check each; a step that could not run, or printed no count, is a failure, never a skip.
# Exits 1 on any failure.
#
# The base (debootstrap --variant=minbase; deb and deb-src entries for trixie from the host's
# mirror; what scripts/install-deps.sh test, the package's Build-Depends and the kernel suite
# install) is cached; each run works on a copy-on-write overlay of it (a copy where overlayfs is
# missing) that is thrown away afterwards. The chroot's mounts (/proc, /sys, /dev, /dev/pts,
# /dev/shm, /run) are made in a mount and PID namespace of their own and unmounted at the end:
# nothing stays mounted and no process stays behind on the host, even when the run is killed.
#
# Usage: scripts/check-trixie.sh [BUILD]   BUILD: where the logs go, BUILD/check-trixie (.build)
#
# Needs root (or sudo), debootstrap (installed when missing) and the host's Debian mirror.
#
# Environment:
#   INTEL_LM_TRIXIE_CACHE   where the base is kept (default: /var/cache/intel-lm/trixie), in a
#                           directory named after the sha256 of what it is made of (the apt
#                           entries, the keyring, scripts/install-deps.sh, debian/control and
#                           the package list below): any change makes a new base and removes
#                           the old one; a base is made again after 14 days. The kernel the
#                           kernel suite boots is kept there too.
set -euo pipefail

prog=${0##*/}
self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/${BASH_SOURCE[0]##*/}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die()
{
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}

note()
{
	printf '%s: %s\n' "$prog" "$*" >&2
}

case ${1:-} in
-h|--help)
	sed -n '4,/^set -euo/ { /^set -euo/d; s/^# \{0,1\}//; p }' "$0"
	exit 0
	;;
esac

release=trixie
# Installed into the base besides scripts/install-deps.sh test and debian/control's
# Build-Depends: what tests/kernel/prepare.sh would install at every run.
base_pkgs=(qemu-system-x86 busybox-static nvme-cli cpio kmod util-linux xz-utils)
# Where the checkout's files go inside the chroot: not under /root (0700), where the suites'
# programs that run as nobody could not reach their files.
src_dir=/build/intel-lm
deb_dir=/build/deb
# Seconds each step may take.
demo_limit=900
test_limit=3600
deb_limit=1800
lintian_limit=900

# Microseconds since the epoch, and the seconds since one of them.
now_us()
{
	local t=$EPOCHREALTIME
	printf '%s\n' "${t/./}"
}

seconds_since()
{
	local us=$(($(now_us) - $1))
	printf '%d.%d\n' $((us / 1000000)) $((us % 1000000 / 100000))
}

# =============================================================================================
# Inside the namespace (scripts/check-trixie.sh --inside base|run): the chroot's mounts and the
# steps. Everything it needs comes in the CT_* variables.

mounted=()

# chroot_up ROOT: mount what the chroot needs; chroot_down unmounts it, last first.
chroot_up()
{
	local root=$1

	mount -t proc proc "$root/proc"
	mounted+=("$root/proc")
	mount -t sysfs -o nosuid,nodev,noexec sysfs "$root/sys"
	mounted+=("$root/sys")
	mount --bind /dev "$root/dev"
	mounted+=("$root/dev")
	# A devpts of its own (/dev/ptmx opens the one at /dev/pts), a /dev/shm of its own.
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$root/dev/pts"
	mounted+=("$root/dev/pts")
	mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
	mounted+=("$root/dev/shm")
	mount -t tmpfs -o mode=0755,nosuid,nodev run "$root/run"
	mounted+=("$root/run")
	mkdir -p "$root/run/lock"
	if [[ -n ${CT_KERNEL_CACHE:-} ]]; then
		mkdir -p "$root/var/cache/intel-lm-kernel"
		mount --bind "$CT_KERNEL_CACHE" "$root/var/cache/intel-lm-kernel"
		mounted+=("$root/var/cache/intel-lm-kernel")
	fi
	rm -f "$root/etc/resolv.conf"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf"
}

chroot_down()
{
	local i

	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" ||
			note "warning: cannot unmount ${mounted[i]}"
	done
	mounted=()
}

# The environment of every command in the chroot: root's, and nothing of the caller's.
clean_env=(/usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb
	DEBIAN_FRONTEND=noninteractive)

# in_root ROOT COMMAND...: COMMAND in the chroot.
in_root()
{
	local root=$1

	shift
	chroot "$root" "${clean_env[@]}" "$@"
}

# The base: debootstrap, the apt entries, the packages.
inside_base()
{
	local root=$CT_BASE_NEW log=$CT_LOGS/base.log sig

	note "debootstrap $release from $CT_MIRROR (log: $log)"
	if ! debootstrap --variant=minbase --components=main --keyring="$CT_KEYRING" \
		"$release" "$root" "$CT_MIRROR" >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		if grep -E 'UNKNOWNRELSIG|BADRELSIG|unknown key|Invalid Release signature' "$log" \
			>/dev/null; then
			die "the host's keyring $CT_KEYRING does not verify the Release" \
				"file of $release: it needs one of the keys that sign it" \
				"(bookworm's debian-archive-keyring has trixie's since" \
				"2023.3+deb12u2; an older one verifies it through the bookworm" \
				"archive key, as long as that signs it too)"
		fi
		die "debootstrap failed (log: $log)"
	fi
	sig=$(sed -n 's/^I: Valid Release signature (key id \(.*\))$/\1/p' "$log" | head -n1)
	[[ -n $sig ]] || die "debootstrap did not say that it verified the Release file (log: $log)"
	note "the Release file of $release is signed with key $sig, which $CT_KEYRING holds"

	rm -f "$root/etc/apt/sources.list"
	printf '%s\n' "$CT_SOURCES" >"$root/etc/apt/sources.list.d/debian.sources"
	if [[ ! -f $root$CT_KEYRING ]]; then
		mkdir -p "$(dirname "$root$CT_KEYRING")"
		cp "$CT_KEYRING" "$root$CT_KEYRING"
	fi
	mkdir -p "$root/tmp/intel-lm-base/debian"
	cp "$repo/scripts/install-deps.sh" "$root/tmp/intel-lm-base/"
	cp "$repo/debian/control" "$root/tmp/intel-lm-base/debian/"

	chroot_up "$root"
	note "installing the packages (log: $log)"
	if ! in_root "$root" sh -c "set -e
		apt-get update -q
		/tmp/intel-lm-base/install-deps.sh test
		apt-get build-dep -q -y --no-install-recommends /tmp/intel-lm-base
		apt-get install -q -y --no-install-recommends ${base_pkgs[*]}
		apt-get clean" >>"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "installing the packages into the base failed (log: $log)"
	fi
	chroot_down
	rm -rf "$root/tmp/intel-lm-base"
}

# A step: run COMMAND in the chroot into LOG, within LIMIT seconds; sets step_rc and step_time.
step()
{
	local limit=$1 log=$2 start

	shift 2
	start=$(now_us)
	step_rc=0
	timeout -k 30 "$limit" chroot "$CT_ROOT" "${clean_env[@]}" "$@" >"$log" 2>&1 ||
		step_rc=$?
	step_time=$(seconds_since "$start")
	if [[ $step_rc -eq 124 || $step_rc -eq 137 ]]; then
		echo "# timed out after $limit s" >>"$log"
	fi
}

passed=0
failed=0
skipped=0

ok()
{
	passed=$((passed + 1))
	echo "ok - $*"
}

bad()
{
	failed=$((failed + 1))
	echo "FAIL - $*"
}

# The run: the overlay, the mounts, the steps.
inside_run()
{
	local root=$CT_RUN/root logs=$CT_LOGS line p f lintian_log changes errors warnings
	local -a debs

	mkdir -p "$root" "$CT_RUN/upper" "$CT_RUN/work"
	if mount -t overlay -o "lowerdir=$CT_BASE,upperdir=$CT_RUN/upper,workdir=$CT_RUN/work" \
		overlay "$root" 2>/dev/null; then
		mounted+=("$root")
	else
		note "no overlayfs: copying the base"
		cp -a "$CT_BASE/." "$root/"
	fi
	CT_ROOT=$root

	# This checkout's files: git's, tracked and untracked but not ignored, that exist (as
	# tests/install/check-deb.sh copies them); every file but the build's without git.
	mkdir -p "$root$src_dir"
	if git -c safe.directory="$repo" -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1
	then
		(cd "$repo" && git -c safe.directory="$repo" ls-files -z -co --exclude-standard |
			while IFS= read -r -d '' f; do
				[[ -e $f || -L $f ]] || continue
				[[ -n $CT_BUILD_REL && ($f == "$CT_BUILD_REL"/*) ]] && continue
				printf '%s\0' "$f"
			done | tar --null -T - -cf -) | tar -x -C "$root$src_dir"
	else
		tar -C "$repo" --exclude=./.git --exclude=./.build --exclude=./build \
			--exclude='./obj-*' ${CT_BUILD_REL:+--exclude="./$CT_BUILD_REL"} -cf - . |
			tar -x -C "$root$src_dir"
	fi
	[[ -f $root$src_dir/Makefile && -f $root$src_dir/debian/rules ]] ||
		die "copying $repo into the chroot failed"
	mkdir -p "$root$deb_dir"
	cp -a "$root$src_dir" "$root$deb_dir/intel-lm-$CT_VERSION"

	chroot_up "$root"
	# The base's package lists may be old: what the steps fetch (apt-get source) must exist.
	if ! in_root "$root" apt-get update -q >"$logs/apt-update.log" 2>&1; then
		note "warning: apt-get update failed in the chroot (log: $logs/apt-update.log)"
	fi
	# shellcheck disable=SC2016  # dpkg-query's ${...}
	note "chroot: Debian $(cat "$root/etc/debian_version") ($(in_root "$root" dpkg-query -W \
		-f '${Package} ${Version}, ' libnvme-dev nvme-cli gcc meson lintian | sed 's/, $//'))"

	# 1. make demo
	note "make demo (log: $logs/demo.log)"
	step "$demo_limit" "$logs/demo.log" sh -c "cd $src_dir && make demo"
	if [[ $step_rc -eq 0 ]]; then
		ok "make demo ($step_time s)"
	else
		bad "make demo: exit $step_rc after $step_time s (log: $logs/demo.log)"
		tail -n 20 "$logs/demo.log" | sed 's/^/# /'
	fi

	# 2. make test: its own count
	note "make test (log: $logs/test.log)"
	# Every suite but static: cppcheck's, clang-tidy's and gcc's analyzer's findings and
	# their suppressions are those of bookworm's tools (cppcheck 2.10, clang-tidy 14, gcc 12);
	# trixie's newer ones report new kinds of findings (misc-include-cleaner, const hints).
	step "$test_limit" "$logs/test.log" sh -c "cd $src_dir && make test TEST_ARGS='--no-suite static'"
	cp "$root$src_dir/.build/meson-logs/testlog.txt" "$logs/test-testlog.txt" 2>/dev/null || :
	# meson's line per test (not those of the meson runs inside a test), then the count
	awk '!total && match($0, /^ *1\/[0-9]+ /) {
		total = substr($0, RSTART, RLENGTH)
		sub(/^ *1/, "", total)
	     }
	     total && index($0, total) && $0 ~ /^ *[0-9]+\/[0-9]+ .* [0-9.]+s/ && !seen[$0]++' \
		"$logs/test.log" || :
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$logs/test.log" |
	       tail -n 1) || line=
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		p=${BASH_REMATCH[1]}
		f=${BASH_REMATCH[2]}
		sk=${BASH_REMATCH[4]:-0}
		[[ $step_rc -eq 0 || $f -gt 0 ]] || f=1
		echo "make test ($release): $p passed, $f failed, $sk skipped" \
			"(exit $step_rc, $step_time s)"
		# what failed, for a CI log that keeps only this output
		[ "$f" -eq 0 ] && [ "$sk" -eq 0 ] ||
			grep -E '^(not ok|skip) - ' "$logs/test.log" | sort -u |
			head -n 20 | cut -c1-240 | sed 's/^/# /' || :
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + sk))
	else
		bad "make test printed no count: exit $step_rc after $step_time s (log: $logs/test.log)"
		tail -n 20 "$logs/test.log" | sed 's/^/# /'
	fi

	# 3. the Debian packages, from the copy made before the build
	note "dpkg-buildpackage -us -uc (log: $logs/deb.log)"
	step "$deb_limit" "$logs/deb.log" sh -c \
		"cd $deb_dir/intel-lm-$CT_VERSION && dpkg-buildpackage -us -uc"
	changes=$(find "$root$deb_dir" -maxdepth 1 -name '*.changes' -printf '%f\n' | head -n1)
	mapfile -t debs < <(find "$root$deb_dir" -maxdepth 1 -name '*.deb' -printf '%f\n' | sort)
	mkdir -p "$logs/debs"
	rm -f "$logs/debs"/*
	find "$root$deb_dir" -maxdepth 1 -type f -exec cp {} "$logs/debs/" \;
	if [[ $step_rc -eq 0 && -n $changes && ${#debs[@]} -gt 0 ]]; then
		ok "dpkg-buildpackage -us -uc: ${debs[*]} ($step_time s)"
	else
		bad "dpkg-buildpackage -us -uc: exit $step_rc after $step_time s (log: $logs/deb.log)"
		tail -n 30 "$logs/deb.log" | sed 's/^/# /'
		changes=
	fi

	# 4. lintian: no error, no warning (the informational tags are shown)
	lintian_log=$logs/lintian.log
	if [[ -z $changes ]]; then
		bad "lintian: no packages to check"
	else
		note "lintian $changes (log: $lintian_log)"
		step "$lintian_limit" "$lintian_log" sh -c \
			"cd $deb_dir && lintian --display-info --tag-display-limit 0 $changes"
		sed 's/^/# lintian: /' "$lintian_log" | grep -v 'running with root privileges' || :
		errors=$(grep -c '^E: ' "$lintian_log") || :
		warnings=$(grep -c '^W: ' "$lintian_log") || :
		if [[ $step_rc -le 1 && $errors -eq 0 && $warnings -eq 0 ]]; then
			ok "lintian: no error, no warning ($step_time s)"
		else
			bad "lintian: $errors error(s), $warnings warning(s), exit $step_rc (log: $lintian_log)"
		fi
	fi

	chroot_down
	counted=true
	echo "check-trixie: $passed passed, $failed failed, $skipped skipped"
	[[ $failed -eq 0 ]]
}

if [[ ${1:-} == --inside ]]; then
	counted=false
	case ${2:-} in
	base)
		trap chroot_down EXIT
		inside_base
		;;
	run)
		# A run that stops early still ends with a count, the stop one failure more.
		trap 'rc=$?; chroot_down; $counted ||
			echo "check-trixie: $passed passed, $((failed + 1)) failed, $skipped skipped"
			exit $rc' EXIT
		inside_run
		;;
	*)
		die "--inside base|run"
		;;
	esac
	exit
fi

# =============================================================================================
# On the host.

[[ $# -le 1 ]] || die "usage: $prog [BUILD]"

if [[ $EUID -ne 0 ]]; then
	command -v sudo >/dev/null ||
		die "needs root (debootstrap, chroot, mount): run it as root, or install sudo"
	exec sudo --preserve-env=INTEL_LM_TRIXIE_CACHE -- "$self" "$@"
fi

# The namespace: a PID namespace whose processes all end with it, and a private mount
# namespace whose mounts nobody else sees and that vanish with it. Killed with this script.
ns_pid=
in_namespace()
{
	local rc=0

	unshare --mount --propagation private --pid --fork --kill-child -- "$self" --inside "$@" &
	ns_pid=$!
	wait "$ns_pid" || rc=$?
	ns_pid=
	return "$rc"
}

cache=
run=
making_base=false
ran=false
cleanup()
{
	local rc=$?

	# To the end, even when make sends its own SIGTERM after the one that brought us here.
	trap - EXIT
	trap '' INT TERM
	# Stopped before the run, which prints the count: one failure.
	$ran || echo "check-trixie: 0 passed, 1 failed, 0 skipped"
	if [[ -n $ns_pid ]]; then
		kill -TERM "$ns_pid" 2>/dev/null || :
		wait "$ns_pid" 2>/dev/null || :
		sleep 1
	fi
	if [[ -n $run && -d $run ]]; then
		if grep -F " $run/" /proc/self/mountinfo >/dev/null; then
			note "warning: something is mounted under $run: not removed"
		else
			rm -rf "$run"
		fi
	fi
	if $making_base; then
		rm -rf "$cache/base.new"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for t in unshare chroot mount umount flock timeout tar sha256sum apt-config; do
	command -v "$t" >/dev/null || die "'$t' not found"
done
if ! command -v debootstrap >/dev/null; then
	note "installing debootstrap"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q --no-install-recommends debootstrap >/dev/null 2>&1; then
		apt-get update -q >/dev/null
		apt-get install -y -q --no-install-recommends debootstrap >/dev/null
	fi
	command -v debootstrap >/dev/null || die "installing debootstrap failed"
fi
[[ -e /usr/share/debootstrap/scripts/$release ]] ||
	die "this debootstrap knows no '$release' (/usr/share/debootstrap/scripts/$release)"

build=${1:-.build}
mkdir -p "$build/check-trixie"
build=$(cd "$build" && pwd)
logs=$build/check-trixie
rm -f "$logs"/*.log
# The build directory, when it is inside the checkout, is not copied into the chroot.
build_rel=
case $build/ in
"$repo"/*/)	build_rel=${build#"$repo"/} ;;
esac

version=$(sed -n "/^project(/,/)/ s/^[[:space:]]*version:[[:space:]]*'\\([^']*\\)'.*/\\1/p" \
	"$repo/meson.build" | head -n1)
[[ -n $version ]] || die "no project version in $repo/meson.build"

# ---------------------------------------------------------------------------------------------
# The host's mirror and keyring: the first deb entry (deb822 stanza, or sources.list line) for
# the host's release; the same for its -updates and -security suites, when it has them.

host_release=$(. /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-}")
[[ -n $host_release ]] || die "/etc/os-release names no VERSION_CODENAME: is this Debian?"
eval "$(apt-config shell apt_list Dir::Etc::sourcelist/f apt_parts Dir::Etc::sourceparts/d)"
apt_list=${apt_list:-/etc/apt/sources.list}
apt_parts=${apt_parts:-/etc/apt/sources.list.d/}

# find_entry SUITE: print "URI<TAB>SIGNED-BY<TAB>FILE" of the first deb entry for SUITE
# (SIGNED-BY "-" when there is none).
find_entry()
{
	local suite=$1 f entry

	# In apt's order: sources.list, then the parts by name.
	for f in "$apt_list" "${apt_parts%/}"/*; do
		[[ -f $f && -r $f ]] || continue
		case $f in
		*.sources)
			entry=$(awk -v want="$suite" -v file="$f" '
				function flush() {
					if (!found && enabled != "no" && uris != "" &&
					    index(" " types " ", " deb ") &&
					    index(" " suites " ", " " want " ")) {
						split(uris, u, " ")
						printf "%s\t%s\t%s\n", u[1], signed == "" ? "-" : signed, file
						found = 1
					}
					types = suites = uris = signed = enabled = field = ""
				}
				/^#/ { next }
				/^[ \t]*$/ { flush(); next }
				/^[ \t]/ {
					# a continuation line: more of the field
					v = $0
					gsub(/^[ \t]+|[ \t]+$/, "", v)
					if (field == "signed-by" && signed !~ /^\//) signed = "(key block)"
					else if (field == "types") types = types " " v
					else if (field == "suites") suites = suites " " v
					else if (field == "uris") uris = uris " " v
					next
				}
				{
					i = index($0, ":")
					if (!i) next
					field = tolower(substr($0, 1, i - 1))
					v = substr($0, i + 1)
					gsub(/^[ \t]+|[ \t]+$/, "", v)
					gsub(/[ \t]+/, " ", v)
					if (field == "types") types = v
					else if (field == "suites") suites = v
					else if (field == "uris") uris = v
					else if (field == "enabled") enabled = tolower(v)
					else if (field == "signed-by") signed = v
				}
				END { flush() }' "$f")
			;;
		"$apt_list"|*.list)
			entry=$(awk -v want="$suite" -v file="$f" '
				{ sub(/#.*/, "") }
				$1 != "deb" { next }
				{
					i = 2
					opts = ""
					if ($2 ~ /^\[/) {
						while (i <= NF) {
							opts = opts " " $i
							if ($i ~ /\]$/) { i++; break }
							i++
						}
					}
					if ($(i + 1) != want) next
					signed = "-"
					n = split(opts, o, /[][ \t]+/)
					for (j = 1; j <= n; j++)
						if (o[j] ~ /^signed-by=/) signed = substr(o[j], 11)
					printf "%s\t%s\t%s\n", $i, signed, file
					exit
				}' "$f")
			;;
		*)
			continue
			;;
		esac
		if [[ -n $entry ]]; then
			printf '%s\n' "$entry"
			return 0
		fi
	done
}

main_entry=$(find_entry "$host_release")
[[ -n $main_entry ]] ||
	die "no deb entry for $host_release in $apt_list or ${apt_parts%/}/*.{list,sources}:" \
		"cannot tell the mirror"
IFS=$'\t' read -r mirror keyring entry_file <<<"$main_entry"
mirror=${mirror%/}
case $keyring in
-)
	# apt's trusted keys: Debian's archive keyring is the one file debootstrap can use
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg ;;
/*)
	# one file, or the first of a list
	keyring=${keyring%%[ ,]*} ;;
*)
	die "$entry_file: the entry for $host_release is signed by '$keyring' (a key block or" \
		"fingerprints); debootstrap needs a keyring file" ;;
esac
[[ -f $keyring && -r $keyring ]] || die "the keyring $keyring ($entry_file) is not a readable file"
note "mirror $mirror and keyring $keyring, from $entry_file (the deb entry for $host_release)"

# The chroot's entries: the main suite with its source, and -updates and -security where the
# host has them for its own release.
sources="# Written by intel-lm's scripts/check-trixie.sh, from the host's $entry_file.
Types: deb deb-src
URIs: $mirror
Suites: $release
Components: main
Signed-By: $keyring"
for suffix in -updates -security; do
	e=$(find_entry "$host_release$suffix")
	[[ -n $e ]] || continue
	IFS=$'\t' read -r uri key _ <<<"$e"
	case $key in
	/*)	key=${key%%[ ,]*} ;;
	*)	key=$keyring ;;
	esac
	sources+="

Types: deb deb-src
URIs: ${uri%/}
Suites: $release$suffix
Components: main
Signed-By: $key"
done

# ---------------------------------------------------------------------------------------------
# The cached base, made under an exclusive lock; runs hold a shared one, so a base in use is
# never removed.

cache=${INTEL_LM_TRIXIE_CACHE:-/var/cache/intel-lm/trixie}
mkdir -p "$cache" 2>/dev/null || die "cannot create the cache $cache (set INTEL_LM_TRIXIE_CACHE)"
cache=$(cd "$cache" && pwd)
mkdir -p "$cache/kernel"

sha256()
{
	local sum
	sum=$(sha256sum <"$1") || return 1
	printf '%s\n' "${sum%% *}"
}

key=$(
	printf 'base 1 %s\n' "$release"
	printf '%s\n' "$sources"
	printf 'keyring %s\n' "$(sha256 "$keyring")"
	printf 'packages %s\n' "${base_pkgs[*]}"
	for f in scripts/install-deps.sh debian/control; do
		printf '%s %s\n' "$f" "$(sha256 "$repo/$f")"
	done
)
key=$(printf '%s\n' "$key" | sha256sum | cut -c1-16)
base=$cache/base-$key

export CT_LOGS=$logs CT_MIRROR=$mirror CT_KEYRING=$keyring CT_SOURCES=$sources
export CT_VERSION=$version CT_BUILD_REL=$build_rel CT_KERNEL_CACHE=

exec 8>"$cache/.lock"
if ! flock -n -x 8; then
	note "waiting for the other run that holds $cache/.lock"
	flock -x 8
fi
# Left behind by runs that were killed (none is running: they hold the lock).
rm -rf "$cache"/run.* "$cache/base.new"
# A base is made again after two weeks, for trixie's updates.
if [[ -d $base && -n $(find "$base" -maxdepth 0 -mtime +13) ]]; then
	note "the base $base is older than 14 days: making it again"
	rm -rf "$base"
fi
start=$(now_us)
if [[ -d $base ]]; then
	note "the base is cached: $base"
	base_how=cached
else
	note "making the base $base (cold)"
	base_how=cold
	making_base=true
	mkdir -p "$cache/base.new"
	export CT_BASE_NEW=$cache/base.new
	in_namespace base || die "making the base failed"
	mv "$cache/base.new" "$base"
	touch "$base"
	making_base=false
	for d in "$cache"/base-*; do
		[[ $d == "$base" || ! -d $d ]] || rm -rf "$d"
	done
	note "the base is made in $(seconds_since "$start") s"
fi
flock -s 8

# The kernel suite's device model (tests/kernel/qemu/build.sh) is built from Debian 12's QEMU
# 7.2, to which its patch applies; trixie's QEMU 10 takes no such patch. The host's cached build
# of this same patch runs on trixie's libraries: copied into the chroot's kernel cache, it lets
# the model boots run there too (without one they are "not run", counted as skipped). With none
# cached yet, the host builds it first (tests/kernel/qemu/build.sh, about 5 minutes on 2 cores;
# it exits 2 on a host whose QEMU is not 7.2). A build of another patch does not count.
host_kcache=${INTEL_LM_KERNEL_CACHE:-/var/cache/intel-lm-kernel}
have_model=
for d in "$host_kcache"/qemu-*/; do
	if [[ -x ${d}qemu-system-x86_64 ]] &&
	   cmp -s "${d}intel-lm.patch" "$repo/tests/kernel/qemu/intel-lm.patch"; then
		have_model=$d
	fi
done
if [[ -z $have_model ]]; then
	note "no build of the kernel suite's device model in $host_kcache: building it" \
		"(log: $logs/model-qemu.log)"
	mkdir -p "$logs"
	INTEL_LM_KERNEL_CACHE=$host_kcache "$repo/tests/kernel/qemu/build.sh" "$build" \
		>"$logs/model-qemu.log" 2>&1 ||
		note "warning: the device model could not be built (log: $logs/model-qemu.log)"
fi
for d in "$host_kcache"/qemu-*/; do
	[[ -x ${d}qemu-system-x86_64 && -f ${d}version ]] || continue
	cmp -s "${d}intel-lm.patch" "$repo/tests/kernel/qemu/intel-lm.patch" || continue
	d=${d%/}
	if [[ ! -x $cache/kernel/${d##*/}/qemu-system-x86_64 ]]; then
		find "$cache/kernel" -mindepth 1 -maxdepth 1 -name 'qemu-*' -exec rm -rf {} +
		if ! cp -a "$d" "$cache/kernel/${d##*/}.tmp" ||
		   ! mv "$cache/kernel/${d##*/}.tmp" "$cache/kernel/${d##*/}"; then
			note "warning: cannot copy the model's QEMU $d into $cache/kernel"
		fi
	fi
	note "the kernel suite's device model: QEMU $(cat "$d/version") from $d"
	break
done

run=$(mktemp -d "$cache/run.XXXXXX")
export CT_BASE=$base CT_RUN=$run CT_KERNEL_CACHE=$cache/kernel
echo "check-trixie: Debian $release from $mirror, base $base_how ($base); logs in $logs"
ran=true
rc=0
in_namespace run || rc=$?
exit "$rc"
