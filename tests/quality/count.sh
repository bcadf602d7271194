# SPDX-License-Identifier: GPL-2.0-or-later
#
# The counting every quality script shares: source it after setting $prog (the suite's name).
# ok and bad count one check each; finish prints "$prog: N passed, N failed" and exits with
# the verdict; die fails the suite loudly (a missing tool is a failure, never a skip).
pass=0
fail=0
ok() {
	pass=$((pass + 1))
	echo "ok     $*"
}
bad() {
	fail=$((fail + 1))
	echo "FAILED $*"
}
finish() {
	echo "$prog: $pass passed, $fail failed"
	exit $((fail > 0))
}
die() {
	echo "$prog: error: $*" >&2
	bad "$*"
	finish
}
