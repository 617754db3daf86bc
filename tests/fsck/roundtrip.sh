#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
# Images built by our mkfs.erofs, with each layout option, pass fsck
# (exit 0, nothing printed), extract to a tree equal to the source (content,
# mode, owner, mtime ns, xattrs, symlinks, devices, hard links), print the
# same whatever the number of workers, and are never written.
. "${top_srcdir:-${srcdir:-.}}/tests/fsck/common.sh"

gentree "$tmp/src"
n=0
while IFS='|' read -r opts cmpopts; do
	[ -n "$opts" ] || continue
	opts=$(echo $opts)
	cmpopts=$(echo $cmpopts)
	[ "$opts" = - ] && opts=
	[ "$cmpopts" = - ] && cmpopts=
	img=$tmp/img$n
	n=$((n + 1))
	# shellcheck disable=SC2086
	"$MKFS" --quiet $opts "$img" "$tmp/src" >/dev/null || fail "mkfs $opts"
	before=$(image_stamp "$img")
	expect_rc 0 "$img"
	[ ! -s "$tmp/out" ] || { cat "$tmp/out"; fail "output on a clean image"; }
	expect_rc 0 -d3 --workers=1 "$img"
	grep -q 'No errors found' "$tmp/out" || fail "no summary with -d3"
	rm -rf "$tmp/x"
	expect_rc 0 --extract="$tmp/x" "$img"
	# shellcheck disable=SC2086
	treecmp "$tmp/src" "$tmp/x" $cmpopts
	[ "$(image_stamp "$img")" = "$before" ] || fail "image changed ($opts)"
	echo "ok: mkfs.erofs $opts: $(tail -1 "$tmp/cmp")"
done <<'LIST'
-				|-
--ishare_key			|-
--xattr-inode-digest		|-
--ishare_key=user.fp		|--skip-xattr=user.fp
-b1024 --ishare_key		|-
-b512				|-
-Enoinline_data --ishare_key	|-
-x0				|-
-x-1				|--no-xattrs
--xattr-prefix=user.priv	|-
LIST

# extracting again needs --overwrite, which then gives the same tree
img=$tmp/img1
expect_rc 8 --extract="$tmp/x" "$img"
grep -q '^extractFailed: ' "$tmp/out" || fail "no extractFailed line"
expect_rc 0 --extract="$tmp/x" --overwrite "$img"
treecmp "$tmp/src" "$tmp/x"
echo "ok: --overwrite"
