#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
# Hostile inputs found by hand (issue 15): a FIFO or a character device
# given as the image must be refused at once, not block in open(); a
# truncated image must not print one line per unreachable file.
. "${top_srcdir:-${srcdir:-.}}/tests/fsck/common.sh"

# a FIFO with no writer blocks open(O_RDONLY) forever: 10 s is plenty
mkfifo "$tmp/fifo"
for args in "" "--extract=$tmp/x"; do
	rc=0
	# shellcheck disable=SC2086
	timeout 10 "$FSCK" $args "$tmp/fifo" >"$tmp/out" 2>&1 || rc=$?
	[ "$rc" = 8 ] || { cat "$tmp/out" >&2; fail "fsck $args fifo: exit $rc"; }
	[ "$(wc -l <"$tmp/out")" = 1 ] || fail "fsck $args fifo: not one line"
	grep -q "not a file or block device" "$tmp/out" || fail "fifo message"
done
# the report opens every image first: a FIFO after a good one as well
mkdir -p "$tmp/one"
echo 1 >"$tmp/one/f"
"$MKFS" --quiet --ishare_key "$tmp/one.img" "$tmp/one" || fail mkfs
for args in "" "-s" "--ishare-report" "--ls" "--ishare-report $tmp/one.img" \
	"--ishare-report --json $tmp/one.img"; do
	rc=0
	# shellcheck disable=SC2086
	timeout 10 "$DUMP" $args "$tmp/fifo" >"$tmp/out" 2>&1 || rc=$?
	[ "$rc" = 1 ] || { cat "$tmp/out" >&2; fail "dump $args fifo: exit $rc"; }
	[ "$(wc -l <"$tmp/out")" = 1 ] || fail "dump $args fifo: not one line"
	grep -q "not a file or block device" "$tmp/out" || fail "dump fifo"
done
[ -p "$tmp/fifo" ] || fail "the FIFO was replaced"
rc=0
timeout 10 "$FSCK" /dev/null >"$tmp/out" 2>&1 || rc=$?
[ "$rc" = 8 ] || fail "fsck /dev/null: exit $rc"
echo "ok: a FIFO or character device is refused, not opened blocking"

# a truncated image: one problem per file past the end, but at most 20
# lines of one kind, then one line with the count of the rest
mkdir -p "$tmp/many"
for i in $(seq 0 59); do
	head -c 5000 /dev/urandom >"$tmp/many/f$i"
done
"$MKFS" --quiet "$tmp/many.img" "$tmp/many" || fail mkfs
head -c 65536 "$tmp/many.img" >"$tmp/short.img"
expect_rc 4 "$tmp/short.img"
n=$(grep -c "^badInodeDataAddr: '/f" "$tmp/out" || true)
[ "$n" = 20 ] || { cat "$tmp/out" >&2; fail "$n lines of badInodeDataAddr"; }
grep -q "^badInodeDataAddr: [0-9]* more problems of this kind not shown ([0-9]* in all)$" \
	"$tmp/out" || fail "no summary line: $(tail -3 "$tmp/out")"
[ "$(wc -l <"$tmp/out")" -le 25 ] || fail "too many lines: $(wc -l <"$tmp/out")"
echo "ok: a truncated image's problems are summed up after 20 lines"
