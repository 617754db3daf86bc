#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# --ishare-report over one image and over ten: groups within one image,
# files shared by all ten, by half of them, by neighbours under other
# names; every figure equals what the source trees say.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dump/common.sh"
need_dump
make_work
N=trusted.erofs.fingerprint

$GEN_TREE --shape=share-pair "$WORK/pair"
$GEN_TREE --shape=share-many --trees 10 "$WORK/src"

note "one image"
mkfs_img "$WORK/one.img" "$WORK/pair/a" --ishare_key
dump_ok --ishare-report --json "$WORK/one.img" >"$WORK/one.json"
dump_ok --ishare-report "$WORK/one.img" >"$WORK/one.txt"
$CHECK check "$WORK/one.json" "$WORK/one.txt" \
	"$WORK/one.img=$WORK/pair/a=$N" || fail "one image differs"
grep -q 'sharing groups: 1$' "$WORK/one.txt" ||
	fail "one image: want the one group of duplicates"

note "ten images"
specs=() imgs=()
for i in 0 1 2 3 4 5 6 7 8 9; do
	mkfs_img "$WORK/t$i.img" "$WORK/src/t$i" --ishare_key
	imgs+=("$WORK/t$i.img")
	specs+=("$WORK/t$i.img=$WORK/src/t$i=$N")
done
dump_ok --ishare-report --json "${imgs[@]}" >"$WORK/ten.json"
dump_ok --ishare-report "${imgs[@]}" >"$WORK/ten.txt"
$CHECK check "$WORK/ten.json" "$WORK/ten.txt" "${specs[@]}" ||
	fail "ten images differ"
# 5 base files x10, half x5, 9 neighbour pairs
grep -q 'sharing groups: 15$' "$WORK/ten.txt" || fail "want 15 groups"
