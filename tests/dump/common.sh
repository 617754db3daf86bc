# SPDX-License-Identifier: GPL-2.0+
# Sourced by the dump.erofs script tests, after tests/lib.sh (paths,
# skip/fail/note, make_work): the dump binary, reproducible images, and
# success and one-line-failure checks of dump.erofs.

. "${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/lib.sh"
: "${DUMP_EROFS:=$top_builddir/dump/dump.erofs}"
CHECK="$PYTHON $TESTS_DIR/dump/ishare_check.py"

need_dump() {
	need_mkfs
	[ -x "$DUMP_EROFS" ] || fail "no dump.erofs at $DUMP_EROFS"
}

# mkfs_img IMAGE SOURCE [MKFS ARGS...]: reproducible, quiet
mkfs_img() {
	local img=$1 src=$2

	shift 2
	mkfs_ok -T 1700000000 -U 6b1d6e0a-5c1e-4d5e-9f00-0123456789ab "$@" \
		"$img" "$src"
}

# dump_ok ARGS...: dump.erofs must succeed; its stdout goes to stdout,
# its stderr to $WORK/dump.err
dump_ok() {
	local rc=0

	"$DUMP_EROFS" "$@" 2>"$WORK/dump.err" || rc=$?
	[ "$rc" = 0 ] ||
		fail "dump.erofs $* exited $rc: $(cat "$WORK/dump.err")"
}

# dump_fails WORDS ARGS...: exit 1 and exactly one line on stderr that
# names the program and contains WORDS (a usage error may add the
# "Try ... --help" hint).  Sanitizer reports exit 86/87, so a crash or a
# leak never passes for the expected exit 1.
dump_fails() {
	local words=$1 rc=0 line

	shift
	"$DUMP_EROFS" "$@" >"$WORK/fail.out" 2>"$WORK/fail.err" || rc=$?
	grep -v "^Try '.*--help' for more information\.$" "$WORK/fail.err" \
		>"$WORK/fail.lines" || true
	line=$(head -n1 "$WORK/fail.lines")
	[ "$rc" = 1 ] ||
		fail "dump.erofs $*: exit $rc, want 1: $(cat "$WORK/fail.err")"
	[ "$(wc -l <"$WORK/fail.lines")" = 1 ] ||
		fail "dump.erofs $*: want one error line, got: $(cat "$WORK/fail.err")"
	case $line in
	dump.erofs:*"$words"*) ;;
	*) fail "dump.erofs $*: want 'dump.erofs: ...$words...', got: $line" ;;
	esac
	note "exit 1: $line"
}
