#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# The summary line of a full run, from fake .trs files: it counts passes,
# failures and skips, counts a test without results as failed, and can
# never say "0 passed, 0 failed".
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
not_in_sanitizer_build "checks the summary script, not the tools"
make_work
cd "$WORK"
summary="sh $TESTS_DIR/summary.sh --ext .sh"

trs() {	# trs NAME RESULT...
	mkdir -p "$(dirname "$1")"
	: >"$1.trs"
	shift_name=$1
	shift
	for r in "$@"; do echo ":test-result: $r" >>"$shift_name.trs"; done
}

# want 'LAST LINE' EXIT ARGS...
want() {
	local line=$1 code=$2 rc=0 got

	shift 2
	$summary "$@" >out 2>&1 || rc=$?
	got=$(tail -n1 out)
	[ "$got" = "$line" ] || fail "summary $*: last line '$got', want '$line'"
	[ "$rc" = "$code" ] || fail "summary $*: exit $rc, want $code"
	note "$* -> $got (exit $rc)"
}

trs t/p1 PASS
trs t/p2 PASS
trs t/u1 PASS
trs t/s1 SKIP
trs t/f1 FAIL
trs t/x1 XFAIL
trs t/x2 XPASS
trs t/e1 ERROR
trs t/empty
want "2 passed, 0 failed" 0 t/p1.sh t/p2.sh
want "3 passed, 0 failed" 0 t/p1.sh t/p2.sh t/u1
want "2 passed, 0 failed, 1 skipped" 0 t/p1.sh t/s1.sh t/p2.sh
want "1 passed, 1 failed" 1 t/p1.sh t/f1.sh
want "1 passed, 1 failed" 1 t/p1.sh t/missing.sh
want "1 passed, 1 failed" 1 t/p1.sh t/empty.sh
want "1 passed, 2 failed" 1 t/x1.sh t/x2.sh t/e1.sh
want "0 passed, 1 failed" 1
want "0 passed, 1 failed, 1 skipped" 1 t/s1.sh
want "0 passed, 1 failed" 1 t/f1.sh
want "1 passed, 1 failed" 1 --make-failed t/p1.sh
want "1 passed, 1 failed" 1 --make-failed t/p1.sh t/f1.sh
grep -q "^FAIL: t/f1.sh" out || fail "failing test not named"
