#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Check that Documentation/ says what the program does.
#
#	tests/docs/check-docs.sh BUILD_DIR SRC_DIR
#
# - every command `nvme-intel-lm --help` lists has a page nvme-intel-lm-COMMAND.txt, and every
#   such page is a command's; so has every command of the nvme-cli plugin's list
#   (intel-lm-commands.h), whose `nvme intel-lm help COMMAND` opens it, and the list has every
#   command of the program; a command page's NAME line says what `nvme-intel-lm --help` says
#   the command does;
# - every option a command's --help lists (but -h/--help) is in its page's OPTIONS section,
#   short and long form, with a value exactly when it takes one, and in its SYNOPSIS; every
#   option in a page's OPTIONS section is one its command's --help lists;
# - every page has a title that matches its file name, the sections its kind needs and a NAME
#   line "name - purpose";
# - the overview nvme-intel-lm.txt lists every command and every JSON key print-json.c writes;
# - every reference name(N) to one of our pages names a page that exists, in that section;
# - every page renders to a man page with asciidoctor without a warning, and groff formats that
#   without a warning (scripts/install-deps.sh test installs both: a missing one is a failure,
#   never a skip).
#
# Prints one line per failure, then "docs: N passed, N failed"; exits 1 on any failure.
set -u

build=${1:?usage: check-docs.sh BUILD_DIR SRC_DIR}
src=${2:?usage: check-docs.sh BUILD_DIR SRC_DIR}
prog=${INTEL_LM_PROG:-$build/plugins/intel-lm/nvme-intel-lm}
doc=$src/Documentation
json_src=$src/plugins/intel-lm/print-json.c
passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/intel-lm-docs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
# check CONDITION-STATUS MESSAGE
check() { if [ "$1" -eq 0 ]; then pass; else fail "$2"; fi; }

finish() {
	echo "docs: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

if [ ! -x "$prog" ]; then
	fail "$prog is not built"
	finish
fi

# The commands, from the program's own list (help and version are not commands with pages).
help_commands() {
	"$prog" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' |
		grep -vx -e help -e version
}

# help_options COMMAND: one line per option --help lists: "LONG SHORT ARG" where SHORT is
# "-" when there is none and ARG is 1 when the option takes a value. -h/--help is left out.
help_options() {
	"$prog" "$1" --help | sed -n '/^Options:/,$p' | while IFS= read -r line; do
		if [[ $line =~ ^[[:space:]]+(-([A-Za-z0-9]),[[:space:]]+)?--([A-Za-z0-9-]+)(=[^[:space:]]+)? ]]; then
			[ "${BASH_REMATCH[3]}" = help ] && continue
			short=-
			[ -n "${BASH_REMATCH[2]}" ] && short=-${BASH_REMATCH[2]}
			echo "--${BASH_REMATCH[3]} $short $([ -n "${BASH_REMATCH[4]}" ] && echo 1 || echo 0)"
		fi
	done
}

# section PAGE NAME: the lines of section NAME (a heading underlined with dashes)
section() {
	awk -v want="$2" '
		{ line[NR] = $0 }
		END {
			for (i = 1; i < NR; i++) {
				head = line[i] ~ /^[A-Z][A-Z0-9 \/-]*$/ && line[i + 1] ~ /^-+$/ &&
				       length(line[i]) == length(line[i + 1])
				if (head) { on = (line[i] == want); i++; continue }
				if (on) print line[i]
			}
			if (on && NR) print line[NR]
		}' "$1"
}

# sections PAGE: the section headings of PAGE
sections() {
	awk '{ line[NR] = $0 }
	     END { for (i = 1; i < NR; i++)
			if (line[i] ~ /^[A-Z][A-Z0-9 \/-]*$/ && line[i + 1] ~ /^-+$/ &&
			    length(line[i]) == length(line[i + 1])) print line[i] }' "$1"
}

# page_options PAGE: one line per option in the OPTIONS section's terms: "OPTION ARG"
page_options() {
	section "$1" OPTIONS | grep -E '^-[^[:space:]].*::[[:space:]]*$' | sed 's/::[[:space:]]*$//' |
		while IFS= read -r term; do
			if [[ $term =~ ^(--[A-Za-z0-9-]+)(=.*)?$ ]]; then
				echo "${BASH_REMATCH[1]} $([ -n "${BASH_REMATCH[2]}" ] && echo 1 || echo 0)"
			elif [[ $term =~ ^(-[A-Za-z0-9])([[:space:]].*)?$ ]]; then
				echo "${BASH_REMATCH[1]} $([ -n "${BASH_REMATCH[2]}" ] && echo 1 || echo 0)"
			else
				echo "?$term 0"
			fi
		done
}

# title PAGE: the first line that is not an asciidoc comment
title() {
	grep -v '^//' "$1" | head -n 1
}

commands=$(help_commands)
[ -n "$commands" ]
check $? "'$prog --help' lists no commands"

# Every command has a page, and every command page a command.
for cmd in $commands; do
	[ -f "$doc/nvme-intel-lm-$cmd.txt" ]
	check $? "command $cmd has no page Documentation/nvme-intel-lm-$cmd.txt"
done
for page in "$doc"/nvme-intel-lm-*.txt; do
	[ -e "$page" ] || continue
	cmd=${page##*/nvme-intel-lm-}
	cmd=${cmd%.txt}
	grep -qx -- "$cmd" <<<"$commands"
	check $? "${page#"$src"/} documents '$cmd', which '$prog --help' does not list"
done

# The command list, which both nvme-cli glues and the front end expand (nvme-cli's `nvme intel-lm help
# COMMAND` opens our pages), and the program's agree
plugin_h=$src/plugins/intel-lm/intel-lm-commands.h
plugin_cmds=$(grep -oE '^[[:space:]]*X\("[a-z-]+"' "$plugin_h" 2> /dev/null |
	sed -E 's/.*X\("(.*)"/\1/')
[ -n "$plugin_cmds" ]
check $? "no command list in $plugin_h"
for cmd in $plugin_cmds; do
	[ -f "$doc/nvme-intel-lm-$cmd.txt" ]
	check $? "the nvme-cli plugin's command $cmd has no page Documentation/nvme-intel-lm-$cmd.txt"
done
for cmd in $commands; do
	grep -qx -- "$cmd" <<<"$plugin_cmds"
	check $? "'$prog --help' lists '$cmd', which the nvme-cli plugin's list ($plugin_h) lacks"
done

# Each command page's NAME line says what the command's --help says it does
for cmd in $commands; do
	page=$doc/nvme-intel-lm-$cmd.txt
	[ -f "$page" ] || continue
	summary=$("$prog" --help | awk -v c="$cmd" '/^Commands:/ { on = 1; next }
		on && $1 == c { $1 = ""; sub(/^ +/, ""); print; exit }')
	purpose=$(section "$page" NAME | sed -n "s/^nvme-intel-lm-$cmd - //p" | head -n 1)
	[ "$purpose" = "$summary" ]
	check $? "nvme-intel-lm-$cmd.txt: NAME says '$purpose', --help says '$summary'"
done

# Options: --help against each page's OPTIONS and SYNOPSIS
for cmd in $commands; do
	page=$doc/nvme-intel-lm-$cmd.txt
	[ -f "$page" ] || continue
	rel=${page#"$src"/}
	helpopts=$(help_options "$cmd")
	pageopts=$(page_options "$page")
	synopsis=$(section "$page" SYNOPSIS)
	while read -r long short arg; do
		[ -n "$long" ] || continue
		for o in "$long" "$short"; do
			[ "$o" = - ] && continue
			got=$(awk -v o="$o" '$1 == o { print $2; exit }' <<<"$pageopts")
			if [ -z "$got" ]; then
				fail "$rel: OPTIONS lacks $o (nvme-intel-lm $cmd --help lists it)"
			elif [ "$got" != "$arg" ]; then
				fail "$rel: OPTIONS shows $o $([ "$arg" = 1 ] && echo without || echo with) a value, --help $([ "$arg" = 1 ] && echo with || echo without)"
			else
				pass
			fi
		done
		grep -qE -- "(^|[^A-Za-z0-9-])$long([^A-Za-z0-9-]|$)" <<<"$synopsis"
		check $? "$rel: SYNOPSIS lacks $long"
	done <<<"$helpopts"
	while read -r o arg; do
		[ -n "$o" ] || continue
		if [[ $o == \?* ]]; then
			fail "$rel: OPTIONS has a term that is not an option: '${o#?}'"
			continue
		fi
		awk -v o="$o" '$1 == o || $2 == o { f = 1 } END { exit !f }' <<<"$helpopts"
		check $? "$rel: OPTIONS documents $o, which 'nvme-intel-lm $cmd --help' does not list"
	done <<<"$pageopts"
done

# Titles, sections and NAME lines
for page in "$doc"/*.txt; do
	rel=${page#"$src"/}
	name=${page##*/}
	name=${name%.txt}
	t=$(title "$page")
	underline=$(grep -v '^//' "$page" | sed -n 2p)
	volume=
	[[ $t =~ ^$name\(([0-9])\)$ ]] && volume=${BASH_REMATCH[1]}
	if [ -n "$volume" ] && [ "${#underline}" -eq "${#t}" ] && [[ $underline =~ ^=+$ ]]; then
		pass
	else
		fail "$rel: the title is not '$name(N)' underlined with as many '='"
		continue
	fi
	head -n 1 "$page" | grep -q '^// SPDX-License-Identifier: '
	check $? "$rel: the first line is not an SPDX-License-Identifier comment"
	case $volume in
	1)	required=("NAME" "SYNOPSIS" "DESCRIPTION" "OPTIONS" "EXIT STATUS" "EXAMPLES" "SEE ALSO" "NVME")
		[ "$name" = nvme-intel-lm ] && required+=("COMMANDS" "ENVIRONMENT" "JSON OUTPUT") ;;
	*)	required=("NAME" "DESCRIPTION" "SEE ALSO" "NVME") ;;
	esac
	have=$(sections "$page")
	for s in "${required[@]}"; do
		grep -qx -- "$s" <<<"$have"
		check $? "$rel: no section $s"
	done
	section "$page" NAME | grep -qE "^$name - [^ ]"
	check $? "$rel: the NAME section is not '$name - purpose'"
done

# The overview: every command, every JSON key
overview=$doc/nvme-intel-lm.txt
if [ -f "$overview" ]; then
	cmdsec=$(section "$overview" COMMANDS)
	for cmd in $commands; do
		grep -qE "^\*?$cmd\*?::" <<<"$cmdsec"
		check $? "nvme-intel-lm.txt: COMMANDS does not list $cmd"
	done
	keys=$(grep -oE '(add_[a-z0-9_]+|json_object_object_add)\((root\(c\)|[A-Za-z0-9_>.-]+), "[A-Za-z0-9_]+"' "$json_src" |
	       sed -E 's/.*"([A-Za-z0-9_]+)"$/\1/' | sort -u)
	[ -n "$keys" ]
	check $? "no JSON keys found in $json_src"
	jsonsec=$(section "$overview" "JSON OUTPUT")
	for key in $keys; do
		grep -qF -- "\`$key\`" <<<"$jsonsec"
		check $? "nvme-intel-lm.txt: JSON OUTPUT does not document the key '$key' (print-json.c writes it)"
	done
fi

# References to our own pages
for page in "$doc"/*.txt; do
	rel=${page#"$src"/}
	grep -oE '(nvme-intel-lm[a-z-]*|intel-lm-[a-z-]+)\*?\([0-9]\)' "$page" | sort -u |
		while IFS= read -r ref; do
			target=${ref%%[*(]*}
			vol=${ref##*(}
			vol=${vol%)}
			if [ -f "$doc/$target.txt" ] && [ "$(title "$doc/$target.txt")" = "$target($vol)" ]; then
				echo pass
			else
				echo "fail $rel refers to $target($vol), which is no page"
			fi
		done >"$tmp/refs"
	while read -r verdict rest; do
		if [ "$verdict" = pass ]; then pass; else fail "$rest"; fi
	done <"$tmp/refs"
done

# Rendering
if command -v asciidoctor >/dev/null 2>&1; then
	version=$("$prog" version 2>/dev/null | awk '{ print $3; exit }')
	for page in "$doc"/*.txt; do
		rel=${page#"$src"/}
		out=$tmp/$(basename "$page" .txt).man
		asciidoctor -b manpage -d manpage -a "mansource=intel-lm ${version:-0}" \
			-a "manmanual=intel-lm Manual" --failure-level=WARN -o "$out" "$page" \
			>"$tmp/err" 2>&1
		rc=$?
		if [ $rc -ne 0 ] || [ -s "$tmp/err" ]; then
			fail "$rel: asciidoctor: $(tr '\n' ' ' <"$tmp/err")"
			continue
		fi
		pass
		if ! command -v groff >/dev/null 2>&1; then
			fail "$rel: groff is not installed: the man page was not checked" \
				"(scripts/install-deps.sh test installs man-db, which brings it)"
			continue
		fi
		LC_ALL=C.UTF-8 groff -k -t -man -Tutf8 -ww -z "$out" >"$tmp/err" 2>&1
		[ $? -eq 0 ] && [ ! -s "$tmp/err" ]
		check $? "$rel: groff warns about the man page: $(tr '\n' ' ' <"$tmp/err")"
	done
else
	fail "asciidoctor is not installed: no page was rendered" \
		"(scripts/install-deps.sh test installs it)"
fi

finish
