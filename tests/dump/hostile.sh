#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Hostile images (issue 15): names from the image never reach the terminal
# raw (ESC, control characters and newlines are escaped in --ls, --path's
# output and the text of --ishare-report); files with two fingerprint
# entries or a malformed one are named as untrustworthy, left out of
# sharing, and the report goes on and exits 1.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dump/common.sh"
need_dump
: "${FSCK_EROFS:=$top_builddir/fsck/fsck.erofs}"
make_work

note "names with ESC, control characters and newlines are escaped"
mkdir -p "$WORK/src"
evil=$'red\e[31mX\nfake line\x01\x7f'
echo shared >"$WORK/src/$evil"
echo shared >"$WORK/src/plain"
ln -s "$evil" "$WORK/src/lnk"
mkfs_img "$WORK/n.img" "$WORK/src" --ishare_key
dump_ok --ls --path=/ "$WORK/n.img" >"$WORK/ls.out"
dump_ok --path="/$evil" "$WORK/n.img" >"$WORK/path.out"
dump_ok --path=/lnk "$WORK/n.img" >"$WORK/lnk.out"
dump_ok --ishare-report "$WORK/n.img" "$WORK/n.img" >"$WORK/rep.out"
for o in ls path lnk rep; do
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/$o.out"; then
		fail "$o: a control character reached the output"
	fi
	if grep -q '^fake line' "$WORK/$o.out"; then
		fail "$o: a name split a line"
	fi
	grep -qF 'red\x1b[31mX\x0afake line\x01\x7f' "$WORK/$o.out" ||
		fail "$o: the escaped name is missing: $(cat "$WORK/$o.out")"
done
echo "ok: names escaped"

note "two fingerprint entries, or a malformed one: named, never shared"
# erofs-utils 1.9.3 --xattr-inode-digest=trusted.erofs.fingerprint over a
# tree where /a had a forged 39-byte value and /c a 12-byte one: it keeps
# them and adds the true ones.  /a=/b and /c=/d in content.
gzip -dc "$TESTS_DIR/dump/fixtures/forged-fp.img.gz" >"$WORK/f.img"
for fmt in "" --json; do
	rc=0
	"$DUMP_EROFS" --ishare-report $fmt "$WORK/f.img" "$WORK/f.img" \
		>"$WORK/f.out" 2>"$WORK/f.err" || rc=$?
	[ "$rc" = 1 ] || fail "forged$fmt: exit $rc: $(cat "$WORK/f.err")"
	for p in /a /c; do
		grep -q "f.img: '$p' @ nid [0-9]*: fingerprint untrustworthy: more than one fingerprint entry$" \
			"$WORK/f.err" || fail "forged$fmt: $p not named"
		! grep -q "f.img:$p\\|$p\"" "$WORK/f.out" ||
			fail "forged$fmt: $p counted as shared"
	done
	grep -q "^dump.erofs: error: 4 files with untrustworthy fingerprints" \
		"$WORK/f.err" || fail "forged$fmt: no summary: $(cat "$WORK/f.err")"
	[ "$(wc -l <"$WORK/f.err")" = 5 ] || fail "forged$fmt: $(cat "$WORK/f.err")"
done
# the rest of the report: /b and /d still share, each with itself
"$DUMP_EROFS" --ishare-report "$WORK/f.img" "$WORK/f.img" 2>/dev/null \
	>"$WORK/f.txt" || true
grep -q '^sharing groups: 2$' "$WORK/f.txt" || fail "the others not shared"
grep -q "f.img:/b$" "$WORK/f.txt" || fail "/b not shared"
grep -q "f.img:/d$" "$WORK/f.txt" || fail "/d not shared"
# our fsck flags both files too
rc=0
"$FSCK_EROFS" "$WORK/f.img" >"$WORK/fsck.out" 2>&1 || rc=$?
[ "$rc" = 4 ] || fail "fsck of the forged image: exit $rc"
grep -q "^duplicateFingerprint: '/a'" "$WORK/fsck.out" || fail "fsck /a"
grep -q "^duplicateFingerprint: '/c'" "$WORK/fsck.out" || fail "fsck /c"
grep -q "^badFingerprint: '/c'" "$WORK/fsck.out" || fail "fsck /c value"

# one entry whose value is not "sha256:" and 32 bytes, alone: a wrong
# prefix, or a 12-byte value (which once aborted the whole report)
for op in fpprefix fpshort; do
	cp "$WORK/n.img" "$WORK/m.img"
	$PYTHON "$TESTS_DIR/fsck/patch.py" "$WORK/m.img" $op /plain
	rc=0
	"$DUMP_EROFS" --ishare-report "$WORK/m.img" >"$WORK/m.out" \
		2>"$WORK/m.err" || rc=$?
	[ "$rc" = 1 ] || fail "$op: exit $rc: $(cat "$WORK/m.err")"
	grep -q "m.img: '/plain' @ nid [0-9]*: fingerprint untrustworthy: value is not" \
		"$WORK/m.err" || fail "$op: $(cat "$WORK/m.err")"
	grep -q "^dump.erofs: error: 1 file with untrustworthy fingerprints" \
		"$WORK/m.err" || fail "$op: summary: $(cat "$WORK/m.err")"
	grep -q "^image .*m.img: 2 files (1 fingerprinted)" "$WORK/m.out" ||
		fail "$op: the report did not go on: $(cat "$WORK/m.out")"
	rc=0
	"$FSCK_EROFS" "$WORK/m.img" >"$WORK/fsck.out" 2>&1 || rc=$?
	[ "$rc" = 4 ] && grep -q "^badFingerprint: '/plain'" "$WORK/fsck.out" ||
		fail "fsck of the $op value: exit $rc: $(cat "$WORK/fsck.out")"
done
echo "ok: untrustworthy fingerprints"
