#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# --ishare-report over two images built from trees with known overlap
# (same files, renamed, changed, hard links, empty files, duplicates in
# one image): groups, per-image figures and totals equal what the test
# computes from the source trees with SHA-256; the JSON parses and has
# every key; the text report says the same; --top cuts the group list.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dump/common.sh"
need_dump
make_work

$GEN_TREE --shape=share-pair "$WORK/src"
mkfs_img "$WORK/a.img" "$WORK/src/a" --ishare_key
mkfs_img "$WORK/b.img" "$WORK/src/b" --ishare_key
N=trusted.erofs.fingerprint
SPECS="$WORK/a.img=$WORK/src/a=$N $WORK/b.img=$WORK/src/b=$N"

dump_ok --ishare-report --json "$WORK/a.img" "$WORK/b.img" >"$WORK/r.json"
dump_ok --ishare-report "$WORK/a.img" "$WORK/b.img" >"$WORK/r.txt"
[ ! -s "$WORK/dump.err" ] || fail "unexpected warning: $(cat "$WORK/dump.err")"
# shellcheck disable=SC2086
$CHECK check "$WORK/r.json" "$WORK/r.txt" $SPECS || fail "report differs"

# the figures the trees were made for, spelled out once by hand
grep -q '"shared_files": 11, "shared_bytes": 425463}' "$WORK/r.json" ||
	fail "image a should share 11 files: $(head -3 "$WORK/r.json")"
grep -q 'sharing groups: 12$' "$WORK/r.txt" || fail "want 12 groups"

note "--top 3"
dump_ok --ishare-report --json --top=3 "$WORK/a.img" "$WORK/b.img" \
	>"$WORK/t.json"
dump_ok --ishare-report --top 3 "$WORK/a.img" "$WORK/b.img" >"$WORK/t.txt"
# shellcheck disable=SC2086
$CHECK check --top 3 "$WORK/t.json" "$WORK/t.txt" $SPECS ||
	fail "--top 3 differs"
grep -q 'sharing groups: 12 (largest 3 shown)$' "$WORK/t.txt" ||
	fail "--top 3 text header: $(grep 'sharing groups' "$WORK/t.txt")"

note "the same image twice: everything non-empty is shared"
dump_ok --ishare-report --json "$WORK/a.img" "$WORK/a.img" >"$WORK/aa.json"
dump_ok --ishare-report "$WORK/a.img" "$WORK/a.img" >"$WORK/aa.txt"
$CHECK check "$WORK/aa.json" "$WORK/aa.txt" "$WORK/a.img=$WORK/src/a=$N" \
	"$WORK/a.img=$WORK/src/a=$N" || fail "a+a differs"

note "a compressed image of the same tree shares everything non-empty"
mkfs_img "$WORK/az.img" "$WORK/src/a" --ishare_key -zlz4hc
dump_ok --ishare-report --json "$WORK/a.img" "$WORK/az.img" >"$WORK/az.json"
dump_ok --ishare-report "$WORK/a.img" "$WORK/az.img" >"$WORK/az.txt"
$CHECK check "$WORK/az.json" "$WORK/az.txt" "$WORK/a.img=$WORK/src/a=$N" \
	"$WORK/az.img=$WORK/src/a=$N" || fail "plain+compressed differs"
