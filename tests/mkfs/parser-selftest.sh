#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# The independent parser: its CRC32C and XXH32 against published vectors,
# and it refuses damaged images (bad magic, bad superblock checksum, a
# truncated image, a dirent out of order) with one line and exit 1.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
make_work
$PARSE selftest || fail "parser vectors"

mkdir -p "$WORK/src/d"
for n in a b c d e; do echo "$n" >"$WORK/src/d/$n"; done
mkfs_ok -T 1 -U clear "$WORK/good.img" "$WORK/src"
$PARSE tree "$WORK/good.img" >/dev/null || fail "good image refused"

# damage OFFSET XOR: a copy with one byte changed must be refused
damage() {
	local what=$1 off=$2 rc=0

	cp "$WORK/good.img" "$WORK/bad.img"
	$PYTHON - "$WORK/bad.img" "$off" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2], 0)
b = bytearray(open(p, "rb").read())
b[off] ^= 0x40
open(p, "wb").write(b)
PY
	$PARSE tree "$WORK/bad.img" >/dev/null 2>"$WORK/err" || rc=$?
	[ "$rc" = 1 ] && [ "$(wc -l <"$WORK/err")" = 1 ] ||
		fail "$what: exit $rc, $(cat "$WORK/err")"
	note "$what: $(cat "$WORK/err")"
}
damage "magic" 1024
damage "checksummed field" $((1024 + 0x10))
# the names of directory d sit in the image as "..abcde"; swap b and c
off=$($PYTHON -c 'import sys; print(open(sys.argv[1], "rb").read().find(b"..abcde") + 3)' "$WORK/good.img")
cp "$WORK/good.img" "$WORK/bad.img"
printf 'cb' | dd of="$WORK/bad.img" bs=1 seek="$off" conv=notrunc status=none
rc=0
$PARSE tree "$WORK/bad.img" >/dev/null 2>"$WORK/err" || rc=$?
[ "$rc" = 1 ] && grep -q "sorted" "$WORK/err" || fail "unsorted: $(cat "$WORK/err")"
note "unsorted names: $(cat "$WORK/err")"
head -c 2048 "$WORK/good.img" >"$WORK/bad.img"
rc=0
$PARSE tree "$WORK/bad.img" >/dev/null 2>"$WORK/err" || rc=$?
[ "$rc" = 1 ] || fail "truncated image: exit $rc"
note "truncated: $(cat "$WORK/err")"
