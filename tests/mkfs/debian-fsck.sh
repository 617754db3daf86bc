#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Debian's fsck.erofs (erofs-utils 1.5, /usr/bin) accepts our images when
# they use only features it knows (4 KiB blocks, no long xattr prefixes),
# and what it extracts equals the source in the fields it restores.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
[ -x "$DEBIAN_FSCK" ] || skip "no $DEBIAN_FSCK (apt-get install erofs-utils)"
make_work
$GEN_TREE "$WORK/src"

# what 1.5 restores when extracting (it drops xattrs, hard links and the
# setuid bits); as non-root it cannot restore owners
fields=type,size,sha256,target
is_root && fields=$fields,perm,uid,gid,mtime_ns,rdev

for opts in "" "-T 100 --all-root" "-x 0" "-x -1" "-E noinline_data" \
	"--force-uid=70000 -T 5 --mkfs-time"; do
	note "mkfs.erofs $opts"
	# shellcheck disable=SC2086
	mkfs_ok $opts "$WORK/img" "$WORK/src"
	"$DEBIAN_FSCK" "$WORK/img" >"$WORK/out" 2>&1 ||
		fail "'$opts': Debian fsck.erofs says: $(cat "$WORK/out")"
	! grep -q '<E>' "$WORK/out" || fail "'$opts': $(cat "$WORK/out")"
	rm -rf "$WORK/x"
	"$DEBIAN_FSCK" --extract="$WORK/x" "$WORK/img" >"$WORK/out" 2>&1 ||
		fail "'$opts': Debian fsck.erofs --extract says: $(cat "$WORK/out")"
	case $opts in
	*-T\ 100*) extra="--uid 0 --gid 0 --mtime 100" ;;
	*force-uid*) extra="--uid 70000" ;;
	*) extra= ;;
	esac
	# shellcheck disable=SC2086
	$COMPARE --fields=$fields $extra "$WORK/src" "$WORK/x" ||
		fail "'$opts': Debian's extraction differs from the source"
	rm -rf "$WORK/x" "$WORK/img"
done
