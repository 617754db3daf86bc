#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
# An image that shrinks while fsck reads it through its mapping: fsck must
# exit 8 with a one-line read error (its SIGBUS handler), never crash or
# call the image damaged.  shrink.py stops fsck once the image is mapped,
# truncates it and lets fsck go on.
. "${top_srcdir:-${srcdir:-.}}/tests/fsck/common.sh"

mkdir -p "$tmp/src"
for i in 1 2 3 4 5 6 7 8; do
	head -c 12000000 /dev/urandom >"$tmp/src/f$i" || fail "make f$i"
done
"$MKFS" --quiet --ishare_key "$tmp/img" "$tmp/src" >/dev/null || fail mkfs
expect_rc 0 "$tmp/img"
python3 "$TESTDIR/shrink.py" "$FSCK" "$tmp/img" "$tmp/work.img" ||
	fail "fsck on a shrinking image"
echo "ok: shrinking image"
