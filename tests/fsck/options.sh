#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
# fsck.erofs options and exit codes: usage errors (16), operational errors
# (8), corruption (4); --help, the man page and the option table agree;
# fingerprint options; --nid, --path, --offset, -p; extraction of a
# subtree or one file; and extraction never writes outside its target,
# even from an image crafted to try.
. "${top_srcdir:-${srcdir:-.}}/tests/fsck/common.sh"

src=$tmp/src
mkdir -p "$src/d/e"
printf hello >"$src/a"
head -c 5000 /dev/urandom >"$src/d/b"
ln -s a "$src/lnk"
ln -s ../../escape "$src/aa"
printf inside >"$src/ab"
ln "$src/d/b" "$src/hl"
img=$tmp/img
"$MKFS" --quiet --ishare_key "$img" "$src" >/dev/null || fail mkfs
"$MKFS" --quiet "$tmp/nofp.img" "$src" >/dev/null || fail mkfs
stamp=$(image_stamp "$img")
patch() {
	cp "$img" "$tmp/bad.img"
	python3 "$TESTDIR/patch.py" "$tmp/bad.img" "$@" || fail "patch $*"
}

# usage errors: 16, with a hint
for args in "" "--bogus $img" "--force $img" "--overwrite $img" \
	    "--preserve $img" "--extract=/ $img" "-d 10 $img" "--nid=abc $img" \
	    "--offset=-1 $img" "--workers=0 $img" "$img $img"; do
	# shellcheck disable=SC2086
	expect_rc 16 $args
	grep -q "^Try 'fsck.erofs --help'" "$tmp/out" || fail "no hint: $args"
done
expect_rc 0 --help
grep -q '^Usage: fsck.erofs' "$tmp/out" || fail "--help"
expect_rc 0 -V
expect_rc 0 -a -A -y "$img"
echo "ok: usage"

# every option of the table is in --help and in the man page
"$FSCK" --help >"$tmp/help"
sed 's/\\-/-/g' "$srcdir/man/fsck.erofs.8" >"$tmp/man"
opts=$(sed -n 's/^\t{ "\([a-z-]*\)",.*/\1/p' "$srcdir/fsck/main.c")
[ -n "$opts" ] || fail "no options found in fsck/main.c"
for o in $opts; do
	case $o in
	xattrs|no-xattrs) o="\[no-\]xattrs" ;;
	preserve*|no-preserve*) o=$(echo "$o" | sed 's/^no-//; s/^/\\[no-\\]/') ;;
	esac
	grep -q -- "--$o" "$tmp/help" || fail "--$o not in --help"
	grep -q -- "--$(echo "$o" | sed 's/\\\[no-\\\]//')" "$tmp/man" ||
		fail "--$o not in the man page"
done
grep -q '^\.SH EXIT CODE' "$srcdir/man/fsck.erofs.8" || fail "no EXIT CODE"
echo "ok: --help and man page list every option"

# operational errors: 8
expect_rc 8 "$tmp/missing.img"
grep -q "cannot open" "$tmp/out" || fail "missing image message"
head -c 8192 /dev/zero >"$tmp/zero.img"
expect_rc 8 "$tmp/zero.img"
grep -q '^badSbMagic: ' "$tmp/out" || fail "bad magic message"
echo "ok: operational errors"

# fingerprints
expect_rc 4 --xattr-inode-digest "$tmp/nofp.img"
grep -q '^noFingerprints: ' "$tmp/out" || fail "noFingerprints"
expect_rc 0 --xattr-inode-digest "$img"
patch data /d/b
expect_rc 4 "$tmp/bad.img"
grep -q "^fingerprintMismatch: '/d/b' @ nid [0-9]*: " "$tmp/out" ||
	fail "mismatch line"
[ "$(wc -l <"$tmp/out")" = 1 ] || fail "one line per problem"
expect_rc 0 --no-ishare-verify "$tmp/bad.img"
patch fpvalue /a
expect_rc 4 "$tmp/bad.img"
grep -q "^fingerprintMismatch: '/a' " "$tmp/out" || fail "fp value"
echo "ok: fingerprints"

# where to start
expect_rc 0 --path=/d "$img"
expect_rc 0 --path=d/e "$img"
expect_rc 8 --path=/nope "$img"
grep -q '^pathNotFound: ' "$tmp/out" || fail "pathNotFound"
root=$(python3 -c "import sys; sys.path.insert(0, '$srcdir/tests')
import erofs_parse as E; print(E.Image.open('$img').root_nid)")
expect_rc 0 --nid="$root" "$img"
expect_rc 0 --path=/d --extract="$tmp/sub" "$img"
cmp "$tmp/sub/b" "$src/d/b" || fail "--path extraction"
expect_rc 0 --path=/a --extract="$tmp/one" "$img"
cmp "$tmp/one" "$src/a" || fail "single file extraction"
{ head -c 8192 /dev/urandom; cat "$img"; } >"$tmp/off.img"
expect_rc 0 --offset=8192 "$tmp/off.img"
expect_rc 8 "$tmp/off.img"
expect_rc 0 -p "$img"
grep -q '^Data in blocks: ' "$tmp/out" || fail "-p"
echo "ok: --path, --nid, --offset, -p"

# crafted names: a second "aa" after the symlink aa -> ../../escape, and
# a name with a slash; nothing may appear outside the target
mkdir "$tmp/box"
patch rename /ab aa
expect_rc 4 --extract="$tmp/box/x" "$tmp/bad.img"
grep -q '^badDirentOrder: ' "$tmp/out" || fail "duplicate name not reported"
[ ! -e "$tmp/escape" ] || fail "wrote through a symlink outside the target"
[ "$(ls "$tmp/box")" = x ] || fail "wrote beside the target"
patch rename /ab a/
rm -rf "$tmp/box/x"
expect_rc 4 --extract="$tmp/box/x" "$tmp/bad.img"
grep -q '^badDirentName: ' "$tmp/out" || fail "slash not reported"
[ ! -e "$tmp/box/x/a/" ] || [ -d "$tmp/box/x/a" ] || fail "slash name"
[ "$(ls "$tmp/box")" = x ] || fail "wrote beside the target"
patch nid /d/e "$root"
expect_rc 4 "$tmp/bad.img"
grep -q '^dirMultiplyLinked: ' "$tmp/out" || fail "cycle not reported"
echo "ok: crafted names and cycles"

[ "$(image_stamp "$img")" = "$stamp" ] || fail "image changed"
echo "ok: image untouched"
