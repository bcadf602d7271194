#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Cold-migrate VFs of a PF on this host to VFs of a PF on another host, over ssh, one VF at a
# time, in the order and with the rollback of 'migrate': a VF's state is never lost, and two
# VFs never run the same state. With Ansible, the playbook intel_lm.nvme.migrate
# (ansible/ansible_collections/intel_lm/nvme/playbooks/migrate.yml) runs the same steps, in the
# same order, with the same rollback rules, across a fleet.
#
#   migrate-pf-over-ssh.sh SRC_PF DST_HOST DST_PF [VFS]
#
# SRC_PF   the source PF here, e.g. /dev/nvme0
# DST_HOST where the destination PF is (anything ssh takes)
# DST_PF   the destination PF there, e.g. /dev/nvme1
# VFS      the VFs to move, as --vf takes them (default: all); VF N goes to VF N
#
# Environment: INTEL_LM (default "nvme intel-lm"; "nvme-intel-lm" works too), INTEL_LM_REMOTE
# (the same on the destination host, default: INTEL_LM), RSH (default "ssh -o BatchMode=yes"),
# KEEP_DIR (where saved states are kept, default /var/tmp/intel-lm-migrate.<date>),
# REMOTE_TMPDIR (where the state is received on the destination host, default its TMPDIR or
# /var/tmp). Needs python3 here, and sha256sum and mktemp there. Exit status 0 when every VF
# moved, 1 otherwise, 2 for a wrong command line; each VF's outcome is printed.
#
# Per VF: destination SUSPEND, source SUSPEND, source save (to KEEP_DIR/vfN.blob, synced by the
# program), copy to the destination host (sha256 compared on both sides), destination LOAD,
# destination RESUME. Every step runs with --output-format=json and is judged by its JSON
# document and exit status: an NVMe status means the device refused and nothing changed; an
# errno may leave the effect unknown; an ssh connection that fails (exit 255) or a command that
# leaves no JSON has an unknown effect. When a step fails, the source VF is resumed if its
# SUSPEND took effect or may have, but never when the destination RESUME took effect or may
# have: then the source stays suspended and the commands that settle it are printed.
set -uo pipefail

usage() {
	sed -n '4,20s/^# \{0,1\}//p' "$0" >&2
	exit 2
}
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
	usage
fi
src=$1 host=$2 dst=$3 vfs=${4:-all}
read -r -a lm <<< "${INTEL_LM:-nvme intel-lm}"
remote=${INTEL_LM_REMOTE:-${INTEL_LM:-nvme intel-lm}}
read -r -a rsh <<< "${RSH:-ssh -o BatchMode=yes}"
keep=${KEEP_DIR:-/var/tmp/intel-lm-migrate.$(date +%Y%m%d-%H%M%S)}
command -v python3 > /dev/null || { echo "python3 is needed to read the JSON output" >&2; exit 1; }
(umask 077 && mkdir -p -- "$keep") || exit 1
work=$(mktemp -d "${TMPDIR:-/tmp}/migrate-pf-over-ssh.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

# A signal stops the migration between two steps (the step running is let finish), rolls the
# current VF back, and starts no other VF.
stop=
trap 'stop=SIGINT' INT
trap 'stop=SIGTERM' TERM
trap 'stop=SIGHUP' HUP

# Judge one step: its JSON on $work/out, its exit status $1, 1 in $2 when it ran over ssh.
# Prints "EFFECT<TAB>WHY<TAB>HINT": EFFECT is done (it took effect), none (it certainly did
# not: refused by the device with a status, or refused here before anything was sent) or
# unknown; WHY is the decoded error. The errnos of no effect are those of lib/effect.c.
judge_py='
import json, sys
path, rc, remote = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
STATE_OPS = ("SUSPEND", "RESUME", "SAVE_DATA", "LOAD_DATA")
NO_EFFECT = ("EINVAL", "EFAULT", "ENOTTY", "EBADF", "EPERM", "EACCES", "ENOMEM", "ECANCELED")
def out(effect, why="", hint=""):
    print("\t".join(" ".join(str(s).split()) for s in (effect, why, hint)))
    sys.exit(0)
try:
    with open(path) as f:
        j = json.load(f)
    if not isinstance(j, dict):
        raise ValueError
except Exception:
    j = None
e = j.get("error") if j is not None else None
e = e if isinstance(e, dict) else None
what = ""
if e is not None:
    what = "%s failed: %s" % (e.get("operation", "?"), e.get("message", ""))
if remote and rc == 255:
    said = (": before that it said " + what) if e is not None else \
        (", after it reported success" if j is not None and j.get("success") is True else "")
    out("unknown", "the ssh connection failed (exit 255)%s; what the command did is unknown" % said)
if j is None:
    out("unknown", "no JSON document came back (exit %d): what the command did is unknown" % rc)
if rc == 0 and j.get("success") is True and e is None:
    out("done")
if rc == 0 or e is None:
    out("unknown", "exit %d, and its JSON says neither success nor an error: what the command "
        "did is unknown" % rc)
op = e.get("operation", "")
if "status" in e:
    out("none", what, e.get("hint", ""))
if op in STATE_OPS and e.get("errno") not in NO_EFFECT:
    out("unknown", what + ("" if "unknown" in what else " (its effect is unknown)"),
        e.get("hint", ""))
out("none", what, e.get("hint", ""))
'

# The words of a command for the remote shell.
quote() {
	printf '%q ' "$@"
}

# local_step ARGS...: "${lm[@]}" ARGS here; sets EFFECT, WHY, HINT.
local_step() {
	local rc=0
	"${lm[@]}" "$@" --output-format=json < /dev/null > "$work/out" 2> "$work/err" || rc=$?
	IFS=$'\t' read -r EFFECT WHY HINT < <(python3 -c "$judge_py" "$work/out" "$rc" 0)
}

# remote_step ARGS...: the remote program with ARGS on DST_HOST; sets EFFECT, WHY, HINT.
remote_step() {
	local rc=0
	"${rsh[@]}" "$host" "$remote $(quote "$@")--output-format=json" < /dev/null \
		> "$work/out" 2> "$work/err" || rc=$?
	IFS=$'\t' read -r EFFECT WHY HINT < <(python3 -c "$judge_py" "$work/out" "$rc" 1)
	if [ "$EFFECT" != "done" ] && [ ! -s "$work/out" ] && [ -s "$work/err" ]; then
		WHY="$WHY; ssh said: $(tail -n 1 "$work/err")"
	fi
}

# A JSON document's field, or a test on it (python expression on j), for the checks before.
json_get() {
	python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1" 2> /dev/null
}

# Before anything is sent: both PFs, the VFs on both sides, and that the PFs are of a kind.
mapfile -t list < <("${lm[@]}" query-size "$src" --vf="$vfs" --output-format=json --dry-run \
	< /dev/null 2> /dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)
if j.get("success") is not True:
    sys.exit(1)
for r in j.get("results", [j]):
    print(r["vf"])')
[ ${#list[@]} -gt 0 ] || {
	echo "no VFs selected on $src by '$vfs': $("${lm[@]}" query-size "$src" --vf="$vfs" \
		--dry-run < /dev/null 2>&1 > /dev/null | head -n 1)" >&2
	exit 1
}
"${lm[@]}" info "$src" --output-format=json < /dev/null > "$work/src.json" 2> "$work/err"
[ "$(json_get "$work/src.json" 'j["live_migration"] is True')" = True ] || {
	echo "$src: not a PF with Intel live migration: $(head -n 1 "$work/err")" >&2
	exit 1
}
"${rsh[@]}" "$host" "$remote info $(quote "$dst")--output-format=json" < /dev/null \
	> "$work/dst.json" 2> "$work/err"
[ "$(json_get "$work/dst.json" 'j["live_migration"] is True')" = True ] || {
	echo "$host:$dst: not a PF with Intel live migration, or not reachable:" \
	     "$(tail -n 1 "$work/err")" >&2
	exit 1
}
kind='(j["vendor_id"], j["model"], j["firmware"])'
if [ "$(json_get "$work/src.json" "$kind")" != "$(json_get "$work/dst.json" "$kind")" ]; then
	echo "$src and $host:$dst are different kinds of PF ($(json_get "$work/src.json" "$kind")" \
	     "and $(json_get "$work/dst.json" "$kind")); nothing was sent: Intel supports" \
	     "migration only between identical devices" >&2
	exit 1
fi
have=" $(json_get "$work/dst.json" '" ".join(str(v["vf"]) for v in j["vfs"])') "
for vf in "${list[@]}"; do
	case $have in
	*" $vf "*) ;;
	*) echo "$host:$dst has no VF $vf (its VFs:$have); nothing was sent" >&2; exit 1 ;;
	esac
	if [ -e "$keep/vf$vf.blob" ]; then
		echo "$keep/vf$vf.blob exists; nothing was sent: name another KEEP_DIR" >&2
		exit 1
	fi
done

# The outcome of the VF in hand.
vf='' blob='' rfile='' step='' src_suspend='' dst_resume='' dst_state='' rollback='' next=''

# fail_vf: the step in $step failed with $EFFECT/$WHY: roll back as migrate does, and report.
fail_vf() {
	local why=$WHY hint=$HINT eff=$EFFECT kept="" src_runs=""
	rollback='' next=''
	if [ "$step" = "destination suspend" ]; then
		rollback="nothing was sent to the source VF $vf of $src"
		src_runs="the source was never stopped"
	elif [ "$dst_resume" = unknown ]; then
		# The destination may run: resuming the source could run the state twice.
		rollback="the source VF $vf of $src was left suspended, because the destination VF"
		rollback+=" may be running and two running copies must never exist"
		next="find out whether VF $vf of $dst on $host runs ('$remote status $dst --vf=$vf'"
		next+=" there shows what intel-lm knows); a state it knows as unknown is settled on"
		next+=" $host with '$remote recover $dst --vf=$vf --confirm=running' (it runs: the"
		next+=" migration is done) or '$remote recover $dst --vf=$vf --confirm=suspended' (it"
		next+=" does not); only if it does not run, resume the source here: '${lm[*]} resume"
		next+=" $src --vf=$vf'"
	elif [ "$src_suspend" = none ]; then
		rollback="the source VF $vf of $src was never suspended, so nothing was sent to"
		rollback+=" resume it"
		src_runs="the source was never stopped"
	else
		local_step resume "$src" --vf="$vf"
		case $EFFECT in
		"done")
			rollback="the source VF $vf of $src was resumed"
			src_runs="the source runs again"
			;;
		none)
			rollback="the source VF $vf of $src could NOT be resumed: $WHY"
			next="resume the source once the cause is fixed: '${lm[*]} resume $src"
			next+=" --vf=$vf'; its state is in $blob if it was lost"
			;;
		*)
			rollback="resuming the source VF $vf of $src failed, and whether it runs is"
			rollback+=" unknown: $WHY"
			next="'${lm[*]} status $src --vf=$vf' shows what intel-lm knows and"
			next+=" '${lm[*]} recover $src --vf=$vf' settles it"
			;;
		esac
	fi
	if [ -z "$next" ]; then
		case $step in
		"destination suspend")
			next="on $host: ${hint:-fix the cause}; then run this again" ;;
		"destination load")
			next="$src_runs; do not resume VF $vf of $dst on $host into a guest: it holds no"
			next+=" usable state; fix the cause and run this again" ;;
		"destination resume")
			next="$src_runs; run this again once the destination VF can be resumed" ;;
		*)
			next="$src_runs; "
			[ "$eff" = none ] && [ -n "$hint" ] && next+="$hint; "
			next+="fix the cause and run this again" ;;
		esac
	fi
	[ -s "$blob" ] && kept="; the saved state is kept in $blob"
	echo "VF $vf: FAILED at $step: $why; $rollback; the destination VF $vf of $host:$dst" \
	     "is $dst_state$kept" >&2
	echo "  next: $next" >&2
}

# migrate_vf: one VF, each step judged before the next; 0 when it moved.
migrate_vf() {
	local sum got there rc t0 t1
	blob=$keep/vf$vf.blob rfile='' src_suspend=none dst_resume=none dst_state="as it was"

	step="destination suspend"
	remote_step suspend "$dst" --vf="$vf"
	case $EFFECT in
	done) dst_state=suspended ;;
	unknown) dst_state=unknown ;;
	esac
	[ "$EFFECT" = "done" ] || { fail_vf; return 1; }

	step="source suspend"
	interrupted && { fail_vf; return 1; }
	t0=$(date +%s%N)
	local_step suspend "$src" --vf="$vf"
	src_suspend=$EFFECT
	[ "$EFFECT" = "done" ] || { fail_vf; return 1; }

	step="source save"
	interrupted && { fail_vf; return 1; }
	local_step save "$src" --vf="$vf" -o "$blob"
	[ "$EFFECT" = "done" ] || { fail_vf; return 1; }

	step="copy to the destination host"
	interrupted && { fail_vf; return 1; }
	sum=$(sha256sum < "$blob") && sum=${sum%% *}
	rc=0
	# shellcheck disable=SC2016 # expanded by the remote shell
	got=$("${rsh[@]}" "$host" 'umask 077 && d='"$(quote "${REMOTE_TMPDIR:-}")"' &&
		f=$(mktemp "${d:-${TMPDIR:-/var/tmp}}/intel-lm-vf'"$vf"'.XXXXXX") &&
		echo "$f" && cat > "$f" && sha256sum < "$f"' < "$blob" 2> "$work/err") || rc=$?
	rfile=$(sed -n 1p <<< "$got")
	there=$(sed -n '2s/ .*//p' <<< "$got")
	if [ "$rc" -ne 0 ] || [ -z "$sum" ] || [ "$there" != "$sum" ]; then
		# Nothing was sent to a device: the source is resumed, the destination stays suspended.
		EFFECT=none HINT="check the connection and the space in the destination's TMPDIR"
		WHY="the state did not arrive whole (ssh exit $rc; sha256 ${there:-none} there,"
		WHY+=" ${sum:-none} here)"
		[ -s "$work/err" ] && WHY+="; ssh said: $(tail -n 1 "$work/err")"
		fail_vf
		return 1
	fi

	step="destination load"
	interrupted && { fail_vf; return 1; }
	remote_step load "$dst" --vf="$vf" -i "$rfile"
	case $EFFECT in
	done) dst_state=loaded ;;
	unknown) dst_state=unknown ;;
	esac
	[ "$EFFECT" = "done" ] || { fail_vf; return 1; }

	step="destination resume"
	interrupted && { fail_vf; return 1; }
	remote_step resume "$dst" --vf="$vf"
	dst_resume=$EFFECT
	t1=$(date +%s%N)
	case $EFFECT in
	done) dst_state=running ;;
	unknown) dst_state="unknown (it may be running)" ;;
	esac
	[ "$EFFECT" = "done" ] || { fail_vf; return 1; }

	# From here on the migration has succeeded, whatever else happens.
	printf 'VF %s: moved to %s:%s VF %s (downtime %d ms; state kept in %s)\n' "$vf" "$host" \
		"$dst" "$vf" $(((t1 - t0) / 1000000)) "$blob"
	return 0
}

# Before the next step: a signal that arrived fails it, without sending it.
interrupted() {
	[ -n "$stop" ] || return 1
	EFFECT=none WHY="interrupted by $stop before it was sent" HINT="run this again when ready"
}

# The copy received on the destination host, once it is no longer needed (best effort; only a
# name our mktemp made).
remove_copy() {
	case $rfile in
	/*/intel-lm-vf"$vf".??????) ;;
	*) return 0 ;;
	esac
	"${rsh[@]}" "$host" "rm -f -- $(quote "$rfile")" < /dev/null > /dev/null 2>&1 ||
		echo "VF $vf: note: could not remove the copy $rfile on $host" >&2
}

moved=0
for vf in "${list[@]}"; do
	if [ -n "$stop" ]; then
		echo "VF $vf: not started: interrupted by $stop" >&2
		continue
	fi
	migrate_vf && moved=$((moved + 1))
	remove_copy
done
echo "$moved of ${#list[@]} VFs moved"
[ "$moved" -eq "${#list[@]}" ]
