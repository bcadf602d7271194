#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Check the shell completions against the program.
#
#	tests/docs/check-completions.sh BUILD_DIR SRC_DIR
#
# bash (completions/bash/nvme-intel-lm), driven through COMP_WORDS/COMP_CWORD as bash would:
# - after `nvme-intel-lm `: exactly the commands `nvme-intel-lm --help` lists;
# - after `nvme-intel-lm CMD -`, for every command: exactly the options CMD's --help lists
#   (short and long; a long option that takes a value ends in "="), and after `--` the long ones;
# - after `--output-format=`: normal and json; files after -o, --output-file=, -i and
#   inspect; the NVMe PF controllers of a fake /dev (not namespaces, not VFs) for <device>
#   and --to=; nothing offered twice;
# - the same through `nvme intel-lm ...`, with nvme-cli's own completion loaded first, loaded
#   lazily by this one, or with this file installed as bash-completion's `nvme`; and words that
#   are not intel-lm's still reach nvme-cli's completion.
# zsh (completions/zsh/_nvme-intel-lm): the file parses, compinit
# registers it for nvme-intel-lm and nvme, and its option specs for every command (with
# _arguments and _describe stubbed) are exactly those --help lists.
#
# bash-completion, nvme-cli's completion and zsh are installed by scripts/install-deps.sh test:
# a missing one is a failure. The device checks need mknod (root): without it they are counted
# as skipped, never as passed.
#
# Prints one line per failure or skip, then "completions: N passed, N failed, N skipped"; exits 1
# on any failure.
set -u

build=${1:?usage: check-completions.sh BUILD_DIR SRC_DIR}
src=${2:?usage: check-completions.sh BUILD_DIR SRC_DIR}
prog=${INTEL_LM_PROG:-$build/plugins/intel-lm/nvme-intel-lm}
bash_compl=$src/completions/bash/nvme-intel-lm
zsh_compl=$src/completions/zsh/_nvme-intel-lm
bash_completion=${BASH_COMPLETION_SCRIPT:-/usr/share/bash-completion/bash_completion}
nvme_cli_compl=${NVME_CLI_COMPLETION:-/usr/share/bash-completion/completions/nvme}
passed=0
failed=0
skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/intel-lm-compl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
# skip N WHY: N checks that cannot run here
skip() { skipped=$((skipped + $1)); echo "SKIP: $1 checks: $2"; }

finish() {
	echo "completions: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}

if [ ! -x "$prog" ]; then
	fail "$prog is not built"
	finish
fi

# The program's commands and each command's options ("-o --output-file=" style), sorted
help_commands() {
	"$prog" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }'
}
help_options() {
	"$prog" "$1" --help | sed -n '/^Options:/,$p' | while IFS= read -r line; do
		[[ $line =~ ^[[:space:]]+(-([A-Za-z0-9]),[[:space:]]+)?--([A-Za-z0-9-]+)(=[^[:space:]]+)? ]] ||
			continue
		[ "${BASH_REMATCH[3]}" = help ] && continue
		[ -n "${BASH_REMATCH[2]}" ] && echo "-${BASH_REMATCH[2]}"
		echo "--${BASH_REMATCH[3]}${BASH_REMATCH[4]:+=}"
	done | sort
}

# A fake /dev and sysfs: two PFs, a VF's own controller, namespaces, and a file named like a
# controller. Character devices need mknod (root); without it, the device checks are counted as
# skipped.
devdir=$tmp/dev
sysfs=$tmp/sys
mkdir -p "$devdir" "$sysfs/class/nvme/nvme2/device"
ln -s ../../../../devices/pf "$sysfs/class/nvme/nvme2/device/physfn"
have_devs=0
if mknod "$devdir/nvme0" c 1 3 2>/dev/null && mknod "$devdir/nvme10" c 1 3 &&
   mknod "$devdir/nvme2" c 1 3 && mknod "$devdir/ng0n1" c 1 3 &&
   mknod "$devdir/nvme0n1" b 7 0 2>/dev/null; then
	have_devs=1
fi
touch "$devdir/nvme3"
# Files for file completion
files=$tmp/files
mkdir -p "$files/subdir"
touch "$files/vf1.blob" "$files/vf2.blob"

# The driver: complete LINE in a fresh bash and print COMPREPLY, one per line, sorted.
# SETUP says what is loaded: "ours" (bash-completion, then this file), "cli-first"
# (bash-completion, nvme-cli's completion, then this file), "installed-as-nvme" (bash-completion
# finds this file as `nvme` in a completions directory).
cat >"$tmp/driver.sh" <<'EOF'
setup=$1 line=$2
cd "$FILES_DIR" || exit 1
_nvme_intel_lm_devdir=$DEV_DIR
export INTEL_LM_SYSFS=$SYS_DIR
if [ -f "$BASH_COMPLETION" ]; then
	. "$BASH_COMPLETION"
fi
case $setup in
ours)
	. "$COMPL" ;;
cli-first)
	. "$NVME_CLI_COMPL"
	. "$COMPL" ;;
installed-as-nvme)
	# bash-completion's own loader, with this file as .../completions/nvme (a symlink)
	mkdir -p "$XDG_DIR/bash-completion/completions"
	ln -sf "$COMPL" "$XDG_DIR/bash-completion/completions/nvme"
	export XDG_DATA_DIRS=$XDG_DIR:/usr/local/share:/usr/share
	__load_completion nvme || exit 3 ;;
esac
# Split the line as bash does with the default COMP_WORDBREAKS: at spaces, and "=" apart.
read -ra parts <<<"$line"
words=()
for p in "${parts[@]}"; do
	if [[ $p =~ ^(-[^=]*)=(.*)$ ]]; then
		words+=("${BASH_REMATCH[1]}" "=")
		[ -n "${BASH_REMATCH[2]}" ] && words+=("${BASH_REMATCH[2]}")
	else
		words+=("$p")
	fi
done
[[ $line == *" " ]] && words+=("")
COMP_WORDS=("${words[@]}")
COMP_CWORD=$((${#words[@]} - 1))
COMP_LINE=$line
COMP_POINT=${#line}
COMP_TYPE=9
COMP_KEY=9
spec=$(complete -p "${words[0]}" 2>/dev/null) || exit 4
fn=${spec##*-F }
fn=${fn%% *}
COMPREPLY=()
"$fn" "${words[0]}" "${words[COMP_CWORD]}" "${words[COMP_CWORD - 1]}" >/dev/null 2>&1
printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort
EOF

# complete SETUP LINE: COMPREPLY for LINE
complete_line() {
	env FILES_DIR="$files" DEV_DIR="$devdir" SYS_DIR="$sysfs" COMPL="$bash_compl" \
		BASH_COMPLETION="$bash_completion" NVME_CLI_COMPL="$nvme_cli_compl" \
		XDG_DIR="$tmp/xdg" HOME="$tmp" \
		bash --norc --noprofile "$tmp/driver.sh" "$1" "$2"
}

# expect SETUP LINE WANT...: COMPREPLY for LINE is exactly WANT (any order)
expect() {
	local setup=$1 line=$2 got want
	shift 2
	got=$(complete_line "$setup" "$line")
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
	if [ "$got" = "$want" ]; then
		pass
	else
		fail "[$setup] '$line' completes to {$(echo $got)}, wanted {$(echo $want)}"
	fi
}

# expect_has SETUP LINE WANT...: COMPREPLY for LINE holds every WANT
expect_has() {
	local setup=$1 line=$2 got w missing=
	shift 2
	got=$(complete_line "$setup" "$line")
	for w in "$@"; do
		grep -qxF -- "$w" <<<"$got" || missing+=" $w"
	done
	if [ -z "$missing" ]; then
		pass
	else
		fail "[$setup] '$line' does not offer$missing (offers {$(echo $got)})"
	fi
}

commands=$(help_commands | sort)
real_commands=$(grep -vx -e help -e version <<<"$commands")

# bash-completion 2.12 and later (Debian 13) search their own directory, where nvme-cli's `nvme`
# is, before XDG_DATA_DIRS: a file installed as <prefix>/share/bash-completion/completions/nvme
# can no longer replace it, so that layout is not a setup there (see completions/meson.build).
bc_version=$(dpkg-query -W -f='${Version}' bash-completion 2>/dev/null || true)
setups="ours cli-first installed-as-nvme"
if [ -n "$bc_version" ] && dpkg --compare-versions "$bc_version" ge 1:2.12; then
	setups="ours cli-first"
	echo "# bash-completion $bc_version searches /usr/share first: [installed-as-nvme] is not a"
	echo "# setup that works there, and is not checked (nor counted)"
fi
for setup in $setups; do
	if [ "$setup" != ours ] && [ ! -f "$nvme_cli_compl" ]; then
		fail "nvme-cli's bash completion ($nvme_cli_compl) is missing: [$setup] not checked" \
			"(scripts/install-deps.sh test installs nvme-cli)"
		continue
	fi
	if [ "$setup" != ours ] && [ ! -f "$bash_completion" ]; then
		# nvme-cli's completion needs bash-completion's _init_completion
		fail "bash-completion is not installed: [$setup] not checked" \
			"(scripts/install-deps.sh test installs it)"
		continue
	fi
	for front in "nvme-intel-lm" "nvme intel-lm"; do
		[ "$front" = nvme-intel-lm ] && [ "$setup" = installed-as-nvme ] && continue
		# Commands
		expect "$setup" "$front " $commands
		expect "$setup" "$front sa" save
		expect "$setup" "$front help " $real_commands
		# Options of every command, both ways, and nothing twice
		for cmd in $real_commands; do
			want=$(help_options "$cmd")
			dev=/dev/nvme0
			[ "$cmd" = inspect ] && dev=vf1.blob
			expect "$setup" "$front $cmd $dev -" $want
			expect "$setup" "$front $cmd $dev --" $(grep -- '^--' <<<"$want")
			got=$(complete_line "$setup" "$front $cmd $dev -")
			[ -z "$(sort <<<"$got" | uniq -d)" ]
			if [ $? -eq 0 ]; then pass; else fail "[$setup] '$front $cmd -' offers an option twice"; fi
		done
		# Values
		expect "$setup" "$front info /dev/nvme0 --output-format=" normal json
		expect "$setup" "$front info --output-format=j" json
		expect "$setup" "$front inspect --output-format=" normal json
		expect "$setup" "$front save /dev/nvme0 --vf=3 -o " vf1.blob vf2.blob subdir
		expect "$setup" "$front save /dev/nvme0 --vf=3 --output-file=vf" vf1.blob vf2.blob
		expect "$setup" "$front load /dev/nvme0 --vf=3 -i v" vf1.blob vf2.blob
		expect "$setup" "$front inspect " vf1.blob vf2.blob subdir
		expect "$setup" "$front save /dev/nvme0 --vf=" all
		expect "$setup" "$front suspend /dev/nvme0 --timeout " ""
		expect "$setup" "$front inspect vf1.blob " ""
		if [ "$have_devs" = 1 ]; then
			expect "$setup" "$front info " "$devdir/nvme0" "$devdir/nvme10"
			expect "$setup" "$front save --vf=3 -o x " "$devdir/nvme0" "$devdir/nvme10"
			expect "$setup" "$front info nvme1" nvme10
			expect "$setup" "$front migrate /dev/nvme0 --vf=1 --to=" "$devdir/nvme0" "$devdir/nvme10"
			expect "$setup" "$front info /dev/nvme0 " ""
		else
			skip 5 "[$setup] '$front': the devices of a fake /dev (mknod failed: not root?)"
		fi
	done
	if [ "$setup" != ours ]; then
		# nvme-cli's words still reach nvme-cli's completion
		expect_has "$setup" "nvme " intel-lm id-ctrl list
		expect "$setup" "nvme intel" intel intel-lm
		expect_has "$setup" "nvme id-ctrl --" --raw-binary --vendor-specific
		expect_has "$setup" "nvme intel " id-ctrl smart-log-add
	fi
done

# zsh
if command -v zsh >/dev/null 2>&1; then
	zsh -n "$zsh_compl"
	if [ $? -eq 0 ]; then pass; else fail "zsh cannot parse $zsh_compl"; fi

	mkdir -p "$tmp/zfunc"
	cp "$zsh_compl" "$tmp/zfunc/"
	got=$(HOME=$tmp zsh -f -c "fpath=('$tmp/zfunc' \$fpath); autoload -U compinit;
		compinit -u -d '$tmp/zcompdump'; print -r -- \$_comps[nvme-intel-lm] \$_comps[nvme]" 2>&1)
	if [ "$got" = "_nvme-intel-lm _nvme-intel-lm" ]; then
		pass
	else
		fail "zsh compinit does not register _nvme-intel-lm for nvme-intel-lm and nvme: '$got'"
	fi

	# Run the function with the completion system's functions stubbed: print what it hands
	# to _arguments (option specs) and _describe (commands).
	cat >"$tmp/zdriver.zsh" <<'EOF'
fpath=($ZFUNC $fpath)
autoload -U _nvme-intel-lm
_arguments() { local a; for a in "$@"; do print -r -- "ARG $a"; done }
_describe() { local n=${@[-1]}; print -rl -- "CMD "${^${(P)n}%%:*} }
_wanted() { }
_files() { }
_default() { }
_nvme() { print -r -- "NVME" }
service=$1
shift
words=("$@")
CURRENT=$#words
_nvme-intel-lm
EOF
	# zsh_specs SERVICE WORDS...: the options (sorted, "=" for a value) or commands offered
	zsh_offer() {
		ZFUNC=$tmp/zfunc zsh -f "$tmp/zdriver.zsh" "$@" 2>&1 | while IFS= read -r l; do
			case $l in
			"CMD "*) echo "${l#CMD }" ;;
			"NVME") echo "(nvme-cli)" ;;
			"ARG "*)
				l=${l#ARG }
				l=${l#\(*\)}
				l=${l#\*}
				[[ $l =~ ^(--?[A-Za-z0-9][A-Za-z0-9-]*)(=|\+)? ]] || continue
				o=${BASH_REMATCH[1]}
				[ "$o" = -h ] || [ "$o" = --help ] && continue
				[[ $o == --* && -n ${BASH_REMATCH[2]} ]] && o+="="
				echo "$o" ;;
			esac
		done | sort -u
	}
	zexpect() {
		local what=$1 got want
		shift
		want=$1
		shift
		got=$(zsh_offer "$@")
		if [ "$got" = "$want" ]; then
			pass
		else
			fail "zsh: $what: offers {$(echo $got)}, wanted {$(echo $want)}"
		fi
	}
	zexpect "nvme-intel-lm commands" "$commands" nvme-intel-lm nvme-intel-lm ""
	zexpect "nvme intel-lm commands" "$commands" nvme nvme intel-lm ""
	zexpect "help" "$real_commands" nvme-intel-lm nvme-intel-lm help ""
	zexpect "nvme commands" "$(printf '%s\n' '(nvme-cli)' intel-lm | sort)" nvme nvme ""
	for cmd in $real_commands; do
		want=$(help_options "$cmd")
		zexpect "nvme-intel-lm $cmd" "$want" nvme-intel-lm nvme-intel-lm "$cmd" ""
		zexpect "nvme intel-lm $cmd" "$want" nvme nvme intel-lm "$cmd" ""
	done
else
	fail "zsh is not installed: the zsh completion was not checked" \
		"(scripts/install-deps.sh test installs it)"
fi

finish
