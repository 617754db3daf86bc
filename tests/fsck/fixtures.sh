#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
# Fixture images (tests/fsck/fixtures/f_*: image.gz, name, expect): fsck's
# output and exit status must match expect exactly, with one worker and
# with several, within the seconds in its optional timeout file (a check
# that must stay linear).  Regenerate with make-fixtures.sh after reviewing
# a change.
. "${top_srcdir:-${srcdir:-.}}/tests/fsck/common.sh"

n=0
for dir in "$TESTDIR"/fixtures/f_*; do
	[ -f "$dir/image.gz" ] || continue
	name=$(basename "$dir")
	gzip -dc <"$dir/image.gz" >"$tmp/img"
	limit=$TIMEOUT
	[ ! -f "$dir/timeout" ] || limit=$(cat "$dir/timeout")
	for workers in 1 4; do
		rc=0
		timeout "$limit" "$FSCK" --workers=$workers "$tmp/img" \
			>"$tmp/got" 2>&1 || rc=$?
		echo "Exit status is $rc" >>"$tmp/got"
		diff -u "$dir/expect" "$tmp/got" ||
			fail "$name ($(cat "$dir/name")), $workers workers"
	done
	n=$((n + 1))
done
[ $n -gt 0 ] || fail "no fixtures found"
echo "ok: $n fixtures"
