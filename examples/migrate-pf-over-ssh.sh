#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Cold-migrate VFs of a PF on this host to VFs of a PF on another host, over ssh, one VF at a
# time, with rollback: when any step fails, the source VF is resumed and its saved state kept.
#
#   migrate-pf-over-ssh.sh SRC_PF DST_HOST DST_PF [VFS]
#
# SRC_PF   the source PF here, e.g. /dev/nvme0
# DST_HOST where the destination PF is (anything ssh takes)
# DST_PF   the destination PF there, e.g. /dev/nvme1
# VFS      the VFs to move, as --vf takes them (default: all); VF N goes to VF N
#
# Environment: INTEL_LM (default "nvme intel-lm"; "nvme-intel-lm" works too), INTEL_LM_REMOTE
# (the same on the destination host, default: INTEL_LM), RSH (default "ssh"), KEEP_DIR (where
# saved states are kept, default /var/tmp/intel-lm-migrate.<date>). Exit status 0 when every
# VF moved, 1 otherwise; each VF's outcome is printed.
set -uo pipefail

[ $# -ge 3 ] || { sed -n '4,17p' "$0" >&2; exit 2; }
src=$1 host=$2 dst=$3 vfs=${4:-all}
read -r -a lm <<< "${INTEL_LM:-nvme intel-lm}"
remote=${INTEL_LM_REMOTE:-${INTEL_LM:-nvme intel-lm}}
read -r -a rsh <<< "${RSH:-ssh}"
keep=${KEEP_DIR:-/var/tmp/intel-lm-migrate.$(date +%Y%m%d-%H%M%S)}
mkdir -p -m 0700 "$keep" || exit 1

# The VF indexes, from the PF's own list when VFS is "all" or a range.
mapfile -t list < <("${lm[@]}" query-size "$src" --vf="$vfs" --output-format=json --dry-run |
	python3 -c 'import json,sys; j=json.load(sys.stdin); [print(r["vf"]) for r in j.get("results", [j])]')
[ ${#list[@]} -gt 0 ] || { echo "no VFs selected on $src by '$vfs'" >&2; exit 1; }

failed=0
for vf in "${list[@]}"; do
	blob=$keep/vf$vf.blob
	step=suspend
	if "${lm[@]}" suspend "$src" --vf="$vf" >/dev/null &&
	   step=save && "${lm[@]}" save "$src" --vf="$vf" -o "$blob" >/dev/null &&
	   step="remote load" &&
	   "${rsh[@]}" "$host" "$remote suspend $dst --vf=$vf && $remote load $dst --vf=$vf -i - &&
			   $remote resume $dst --vf=$vf" < "$blob" >/dev/null; then
		echo "VF $vf: moved to $host:$dst VF $vf (state kept in $blob)"
		continue
	fi
	failed=$((failed + 1))
	if "${lm[@]}" resume "$src" --vf="$vf" >/dev/null; then
		echo "VF $vf: FAILED at $step; the source VF was resumed; state kept in $blob" >&2
	else
		echo "VF $vf: FAILED at $step, and resuming the source VF failed too: resume it by" \
		     "hand (${lm[*]} resume $src --vf=$vf)" >&2
	fi
done
echo "$(( ${#list[@]} - failed )) of ${#list[@]} VFs moved"
[ "$failed" -eq 0 ]
