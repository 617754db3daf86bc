#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
# Images written by Debian's mkfs.erofs (erofs-utils 1.5), a peer we did
# not write, pass our fsck and extract to the source tree, compressed
# ones (lz4, lz4hc, big pclusters, ztailpacking) included.
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
-zlz4			|-
-zlz4hc			|-
-zlz4hc -C65536		|-
-zlz4 -C16384 -Eztailpacking	|-
-zlz4hc -Elegacy-compress	|-
LIST

