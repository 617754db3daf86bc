#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# configure --enable-fuzzing is for clang only (issue 15): with gcc it
# must stop at once with one line that says how to configure instead,
# not go on to a build that cannot link the libFuzzer targets.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_cmd gcc
[ -x "$top_srcdir/configure" ] || skip "no configure in $top_srcdir"
# configure refuses a second build beside an in-tree one
[ ! -f "$top_srcdir/config.status" ] || skip "$top_srcdir is configured in tree"
make_work
rc=0
(cd "$WORK" && "$top_srcdir/configure" CC=gcc --enable-fuzzing) \
	>"$WORK/out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "configure CC=gcc --enable-fuzzing: exit $rc, want 1"
[ "$(grep -c 'error:' "$WORK/out")" = 1 ] || fail "$(grep error: "$WORK/out")"
grep -q '^configure: error: --enable-fuzzing needs clang: CC=clang ./configure --enable-fuzzing$' \
	"$WORK/out" || fail "no clear message: $(tail -1 "$WORK/out")"
[ ! -f "$WORK/Makefile" ] || fail "a Makefile was written"
echo "PASS: $T_NAME: $(tail -1 "$WORK/out")"
