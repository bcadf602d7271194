#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# End-to-end: the warning before a --timeout shorter than the kernel's admin timeout. A command
# that outlasts its timeout makes Linux's NVMe driver reset the PF, which can take its VFs
# offline (intel-lm-cold-migration(7), THE ADMIN TIMEOUT). The kernel's timeout comes from the
# fake sysfs (SYSFS/module/nvme_core/parameters/admin_timeout, the emulator's
# kernel_admin_timeout). Both programs, normal output and JSON, the exact words users see.
set -u
. "$(dirname "$0")/lib.sh"
e2e_init e2e-timeout "$1"

# emu_kernel_timeout SECONDS [NVME0-KEYS]: the two PFs of emu_two_pfs on a host whose
# nvme_core.admin_timeout is SECONDS (0: no such file in sysfs).
emu_kernel_timeout() {
	emu_two_pfs "${2:-}" "" "kernel_admin_timeout = $1"
}

# warning PROG COMMAND TIMEOUT_MS KERNEL_S ONLINE DEVICE [UNREAD_ERRNO]: the two lines users see.
warning() {
	local why=" of $4 s"
	[ -n "${7:-}" ] && why=", taken to be $4 s as $T/sys/module/nvme_core/parameters/admin_timeout cannot be read ($7)"
	printf '%s\n' "$1 $2: warning: --timeout=$3 is shorter than the kernel's admin command timeout (nvme_core.admin_timeout)$why: a command to $6 that takes longer than $3 ms times out, and the Linux NVMe driver then resets the PF's controller instead of aborting the command, which can take the PF's VFs offline and lose their queued I/O; VFs of $6 online now: $5" \
		"  next: omit --timeout (the kernel's own then applies), or give --timeout=$(($4 * 1000)) or more"
}

# expect_warnings N DESC: stderr has exactly N warnings.
expect_warnings() {
	local n
	n=$(grep -c ': warning: --timeout=' <<< "$ERR")
	if [ "$n" -eq "$1" ]; then pass "$2"; else fail "$2" "$n warnings, expected $1: $ERR"; fi
}

# expect_err_exact TEXT DESC: stderr is exactly TEXT.
expect_err_exact() {
	if [ "$ERR" = "$1" ]; then pass "$2"; else
		fail "$2" "stderr differs:$(diff <(echo "$1") <(echo "$ERR") | head -n 8)"
	fi
}

for P in "${PROGS[@]}"; do
	p=${P##*/}

	# --- the kernel's 60 s, read from sysfs; VF 2 offline ------------------------------
	emu_kernel_timeout 60 "vf.2.online = 0"
	run "$P" suspend /dev/nvme0 --vf=1 --timeout=5000
	expect_rc 0 "$p suspend --timeout=5000: runs all the same (exit 0)"
	expect_out "/dev/nvme0 VF 1: suspended" "$p suspend --timeout=5000: suspended"
	expect_err_exact "$(warning "$p" suspend 5000 60 "1, 3-4" /dev/nvme0)" \
		"$p suspend --timeout=5000: the exact warning (device, both timeouts, online VFs, advice)"
	expect_state nvme0 1 suspended "$p suspend --timeout=5000: reached the device"

	# JSON: the warning is machine-readable, and in words on stderr
	run "$P" resume /dev/nvme0 --vf=1 --timeout=5000 --output-format=json
	expect_rc 0 "$p resume --timeout=5000 JSON: exit 0"
	expect_json 'len(j["warnings"]) == 1 and j["warnings"][0] == {"kind": "short_timeout",
		"device": "/dev/nvme0", "timeout_ms": 5000, "admin_timeout_ms": 60000,
		"admin_timeout_read": True, "online_vfs": [1, 3, 4], "message": j["warnings"][0]["message"],
		"hint": "omit --timeout (the kernel'"'"'s own then applies), or give --timeout=60000 or more"}' \
		"$p resume --timeout=5000 JSON: warnings[] names the kind, device, timeouts and online VFs"
	expect_json 'j["success"] is True and j["state"] == "running" and "error" not in j' \
		"$p resume --timeout=5000 JSON: the command's own result is unchanged"
	expect_json 'j["warnings"][0]["message"].startswith("--timeout=5000 is shorter than the kernel")' \
		"$p resume --timeout=5000 JSON: the message in words"
	expect_err_exact "$(warning "$p" resume 5000 60 "1, 3-4" /dev/nvme0)" \
		"$p resume --timeout=5000 JSON: the words on stderr too"

	# no warning: no --timeout (the kernel's), one as long as the kernel's, a longer one
	for t in "" --timeout=0 --timeout=60000 --timeout=90000; do
		run "$P" query-size /dev/nvme0 --vf=1 ${t:+"$t"}
		expect_rc 0 "$p query-size ${t:-without --timeout}: exit 0"
		expect_err_exact "" "$p query-size ${t:-without --timeout}: no warning"
		run "$P" query-size /dev/nvme0 --vf=1 ${t:+"$t"} --output-format=json
		expect_json '"warnings" not in j' "$p query-size ${t:-without --timeout} JSON: no warnings"
	done

	# the warning comes before any vendor command: after the two Identify, before SUSPEND
	run "$P" suspend /dev/nvme0 --vf=3 --timeout=59999 -v
	order=$(sed -n -e 's/^sent to \/dev\/nvme0: \([A-Z_]*\) .*/\1/p' \
		-e 's/.*: warning: --timeout=59999 .*/WARNING/p' <<< "$ERR" | tr '\n' ' ')
	if [ "$order" = "IDENTIFY IDENTIFY WARNING SUSPEND " ]; then
		pass "$p suspend -v: the warning comes after the two Identify, before SUSPEND"
	else
		fail "$p suspend -v: the warning comes before SUSPEND" "order: $order"
	fi
	expect_err "$(warning "$p" suspend 59999 60 "1, 3-4" /dev/nvme0 | head -n 1)" \
		"$p suspend --timeout=59999: one millisecond short is short"

	# --dry-run: the same warning, nothing but Identify sent
	clear_trace
	run "$P" save /dev/nvme0 --vf=1 -o "$T/dry.blob" --timeout=100 --dry-run
	expect_rc 0 "$p save --dry-run --timeout=100: exit 0"
	expect_err "$(warning "$p" save 100 60 "1, 3-4" /dev/nvme0 | head -n 1)" \
		"$p save --dry-run --timeout=100: warns"
	expect_sent "06 06" "$p save --dry-run --timeout=100: only Identify sent"

	# info sends only Identify, but with the timeout: it warns as well
	run "$P" info /dev/nvme0 --timeout=1000
	expect_rc 0 "$p info --timeout=1000: exit 0"
	expect_err_exact "$(warning "$p" info 1000 60 "1, 3-4" /dev/nvme0)" \
		"$p info --timeout=1000: the exact warning"

	# a selection of VFs: one warning for the PF, not one per VF
	run "$P" query-size /dev/nvme0 --vf=all --timeout=1000
	expect_rc 0 "$p query-size --vf=all --timeout=1000: exit 0"
	expect_warnings 1 "$p query-size --vf=all --timeout=1000: one warning for the PF"

	# migrate: each PF once; within one PF, once
	emu_kernel_timeout 60
	run "$P" migrate /dev/nvme0 --vf=1 --to=/dev/nvme1 --to-vf=2 --timeout=2000
	expect_rc 0 "$p migrate --timeout=2000: exit 0"
	expect_warnings 2 "$p migrate --timeout=2000: one warning per PF"
	expect_err "$(warning "$p" migrate 2000 60 "1-4" /dev/nvme0 | head -n 1)" \
		"$p migrate --timeout=2000: the source PF's warning"
	expect_err "$(warning "$p" migrate 2000 60 "1-2" /dev/nvme1 | head -n 1)" \
		"$p migrate --timeout=2000: the destination PF's warning"
	run "$P" migrate /dev/nvme0 --vf=3 --to=/dev/nvme0 --to-vf=4 --timeout=2000 \
		--output-format=json
	expect_json 'j["success"] is True and [w["device"] for w in j["warnings"]] == ["/dev/nvme0"]' \
		"$p migrate within one PF JSON: one warning"

	# a command that times out under a short --timeout: warned, then exit 5 as before
	emu_kernel_timeout 60 "fault = 0xc8 1 hang"
	run "$P" suspend /dev/nvme0 --vf=1 --timeout=300
	expect_rc "$RC_UNKNOWN" "$p suspend --timeout=300 that hangs: exit 5 (unknown) as before"
	expect_warnings 1 "$p suspend --timeout=300 that hangs: warned first"
	expect_err "(EINTR)" "$p suspend --timeout=300 that hangs: EINTR reported"

	# --- a kernel timeout of 30 s --------------------------------------------------------
	emu_kernel_timeout 30
	run "$P" query-size /dev/nvme0 --vf=1 --timeout=45000
	expect_err_exact "" "$p kernel 30 s, --timeout=45000: no warning"
	run "$P" query-size /dev/nvme0 --vf=1 --timeout=20000
	expect_err_exact "$(warning "$p" query-size 20000 30 "1-4" /dev/nvme0)" \
		"$p kernel 30 s, --timeout=20000: warns with the kernel's 30 s"

	# --- the parameter cannot be read: 60 s assumed, and said ----------------------------
	emu_kernel_timeout 0
	run "$P" query-size /dev/nvme0 --vf=1 --timeout=20000
	expect_rc 0 "$p no admin_timeout in sysfs: exit 0"
	expect_err_exact "$(warning "$p" query-size 20000 60 "1-4" /dev/nvme0 ENOENT)" \
		"$p no admin_timeout in sysfs: assumes 60 s and says why"
	run "$P" query-size /dev/nvme0 --vf=1 --timeout=20000 --output-format=json
	expect_json 'j["warnings"][0]["admin_timeout_ms"] == 60000 and
		j["warnings"][0]["admin_timeout_read"] is False and
		j["warnings"][0]["admin_timeout_errno"] == "ENOENT"' \
		"$p no admin_timeout in sysfs JSON: 60000 assumed, not read, ENOENT"
	run "$P" query-size /dev/nvme0 --vf=1 --timeout=60000
	expect_err_exact "" "$p no admin_timeout in sysfs, --timeout=60000: no warning"
done

# recover: a migration within nvme0 killed while the destination's LOAD_DATA is in flight
# (1.5 s); the operator confirms the destination never ran, and recover resumes the source.
# The PF is warned about once, before that RESUME.
emu_kernel_timeout 60 "latency.0xd5 = 1500000"
LD_PRELOAD=$EMU_SO "$STANDALONE" migrate /dev/nvme0 --vf=1 --to=/dev/nvme0 --to-vf=2 \
	> "$T/out" 2> "$T/err" &
pid=$!
strike KILL $pid nvme0 0xd5 arrived "recover: kill -9 of the migration"
wait $pid 2> /dev/null
expect_state nvme0 1 saved "recover: the killed migration left the source saved (suspended)"
run "$STANDALONE" recover /dev/nvme0 --vf=2 --confirm=suspended --timeout=1000
expect_rc 0 "recover --confirm=suspended --timeout=1000: settles the migration (exit 0)"
expect_state nvme0 1 running "recover --confirm=suspended --timeout=1000: resumed the source"
expect_warnings 1 "recover --confirm=suspended --timeout=1000: one warning for the PF"
expect_err "$(warning nvme-intel-lm recover 1000 60 "1-4" /dev/nvme0 | head -n 1)" \
	"recover --confirm=suspended --timeout=1000: the exact warning"

e2e_finish
