#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# The library's files form layers: no two files call each other, directly
# or around a circle (tests/lib_calls.py reads the objects' symbol
# tables).  A helper that two files need lives in a file below both.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_cmd nm
not_in_sanitizer_build "reads the objects, not the tools"
make_work
$PYTHON "$TESTS_DIR/lib_calls.py" "$top_builddir/lib" >"$WORK/calls" ||
	fail "calls between the library's files run in a circle:
$(cat "$WORK/calls")"
note "$(tail -n 1 "$WORK/calls")"
# the check itself: two objects that call each other are a circle
cat >"$WORK/a.c" <<'C'
int b(int);
int a(int x) { return x ? b(x - 1) : 0; }
C
cat >"$WORK/b.c" <<'C'
int a(int);
int b(int x) { return x ? a(x - 1) : 1; }
C
mkdir "$WORK/objs"
for f in a b; do
	${CC:-cc} -c -o "$WORK/objs/liberofs_a-$f.o" "$WORK/$f.c" ||
		skip "no C compiler to check the checker"
done
! $PYTHON "$TESTS_DIR/lib_calls.py" "$WORK/objs" >"$WORK/calls2" ||
	fail "lib_calls.py misses a circle of two files"
grep -q '^circle: a b$' "$WORK/calls2" || fail "no circle named: $(cat "$WORK/calls2")"
