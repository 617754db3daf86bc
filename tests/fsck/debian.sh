#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
# Images written by Debian's mkfs.erofs (erofs-utils 1.5), a peer we did
# not write, pass our fsck and extract to the source tree, compressed
# (lz4, lz4hc, its -E options, big pclusters) or not.
. "${top_srcdir:-${srcdir:-.}}/tests/fsck/common.sh"

[ -x "$DEB_MKFS" ] || { echo "SKIP: no $DEB_MKFS"; exit 77; }

# 1.5 cannot store 255-byte names
gentree "$tmp/src" --longname 200
n=0
while IFS='|' read -r opts cmpopts; do
	opts=$(echo $opts)
	cmpopts=$(echo $cmpopts)
	[ -n "$opts" ] || continue
	[ "$opts" = - ] && opts=
	[ "$cmpopts" = - ] && cmpopts=
	img=$tmp/img$n
	n=$((n + 1))
	# shellcheck disable=SC2086
	"$DEB_MKFS" --quiet $opts "$img" "$tmp/src" >/dev/null 2>&1 ||
		fail "$DEB_MKFS $opts"
	before=$(image_stamp "$img")
	expect_rc 0 "$img"
	rm -rf "$tmp/x"
	expect_rc 0 --extract="$tmp/x" "$img"
	# shellcheck disable=SC2086
	treecmp "$tmp/src" "$tmp/x" $cmpopts
	[ "$(image_stamp "$img")" = "$before" ] || fail "image changed ($opts)"
	echo "ok: Debian mkfs.erofs $opts: $(tail -1 "$tmp/cmp")"
done <<'LIST'
-			|-
-x0			|-
-x-1			|--no-xattrs
-Enoinline_data		|-
--chunksize=4096	|-
--chunksize=65536	|-
-T0			|--mtime=0
--all-root		|--no-owner
LIST

# compressed: lz4 and lz4hc (1.5 has no other), with the -E options and
# pcluster sizes it knows (it ignores fragments and dedupe), over a tree
# made to compress: fsck decodes every pcluster and extracts the source
ztree "$tmp/zsrc" --small
cp -a "$tmp/src" "$tmp/zsrc/fsck"
while read -r opts; do
	[ -n "$opts" ] || continue
	img=$tmp/z.img
	# shellcheck disable=SC2086
	"$DEB_MKFS" --quiet $opts "$img" "$tmp/zsrc" >/dev/null 2>&1 ||
		fail "$DEB_MKFS $opts"
	"$DUMP" -S "$img" | grep -Eq '^Filesystem compressed files: +[1-9]' ||
		fail "$DEB_MKFS $opts: no compressed file in the image"
	before=$(image_stamp "$img")
	expect_rc 0 -d3 "$img"
	grep -q ' bytes of file data read' "$tmp/out" ||
		{ cat "$tmp/out"; fail "no summary ($opts)"; }
	rm -rf "$tmp/x"
	expect_rc 0 --extract="$tmp/x" "$img"
	treecmp "$tmp/zsrc" "$tmp/x"
	[ "$(image_stamp "$img")" = "$before" ] || fail "image changed ($opts)"
	echo "ok: Debian mkfs.erofs $opts: $(tail -1 "$tmp/cmp")"
done <<'LIST'
-zlz4
-zlz4hc,12
-zlz4hc,1 -Enoinline_data
-zlz4 -Elegacy-compress
-zlz4hc -Eztailpacking
-zlz4 -Eztailpacking,legacy-compress -C16384
-zlz4hc,9 -C65536 -Eztailpacking
-zlz4 -C131072 -Enoinline_data -Eforce-inode-extended
-zlz4hc --max-extent-bytes=16384
LIST
