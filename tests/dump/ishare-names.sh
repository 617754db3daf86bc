#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# --ishare-report with an image that has no fingerprints (a warning, its
# files count as unshared) and with images whose fingerprint NAMEs
# differ (a warning that the kernel will not share between them; groups
# stay within one NAME); a user.* NAME shares like any other.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dump/common.sh"
need_dump
make_work
T=trusted.erofs.fingerprint
V=erofs.fingerprint.v1

$GEN_TREE --shape=share-pair "$WORK/src"
A=$WORK/src/a B=$WORK/src/b
mkfs_img "$WORK/a-none.img" "$A"
mkfs_img "$WORK/a.img" "$A" --ishare_key
mkfs_img "$WORK/b.img" "$B" --ishare_key
mkfs_img "$WORK/b-v1.img" "$B" --xattr-inode-digest
mkfs_img "$WORK/a-user.img" "$A" --ishare_key=user.fp
mkfs_img "$WORK/b-user.img" "$B" --ishare_key=user.fp

# report IMAGE=SOURCE=NAME...: run both formats and check them
report() {
	local imgs=() s

	for s in "$@"; do
		imgs+=("${s%%=*}")
	done
	dump_ok --ishare-report --json "${imgs[@]}" >"$WORK/r.json"
	cp "$WORK/dump.err" "$WORK/json.err"
	dump_ok --ishare-report "${imgs[@]}" >"$WORK/r.txt"
	cmp -s "$WORK/dump.err" "$WORK/json.err" ||
		fail "text and JSON warn differently"
	$CHECK check "$WORK/r.json" "$WORK/r.txt" "$@" || fail "report differs"
}

note "no fingerprints in a"
report "$WORK/a-none.img=$A=-" "$WORK/b.img=$B=$T"
grep -q "warning: $WORK/a-none.img has no fingerprints" "$WORK/dump.err" ||
	fail "no warning for the image without fingerprints"
[ "$(wc -l <"$WORK/dump.err")" = 1 ] || fail "one warning: $(cat "$WORK/dump.err")"
grep -q '"fingerprint_name": null, "files": 17, "fingerprinted_files": 0,' \
	"$WORK/r.json" || fail "a-none should list 17 files, 0 fingerprinted"

note "no fingerprints at all"
report "$WORK/a-none.img=$A=-"
grep -q '"saved_bytes": 0,' "$WORK/r.json" || fail "nothing can be saved"

note "different NAMEs"
report "$WORK/a.img=$A=$T" "$WORK/b-v1.img=$B=$V"
grep -q 'warning: images use 2 different fingerprint names' "$WORK/dump.err" ||
	fail "no warning about different names: $(cat "$WORK/dump.err")"
grep -q '"fingerprint_name": "erofs.fingerprint.v1"' "$WORK/r.json" ||
	fail "the v1 NAME is not reported"

note "user.fp on both"
report "$WORK/a-user.img=$A=user.fp" "$WORK/b-user.img=$B=user.fp"
[ ! -s "$WORK/dump.err" ] || fail "unexpected warning: $(cat "$WORK/dump.err")"
grep -q 'sharing groups: 12$' "$WORK/r.txt" || fail "want 12 groups"
