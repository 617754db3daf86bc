#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Reproducible builds: with -T and -U the image depends only on the tree.
# Two builds of one tree, a tree created in the opposite order (so readdir
# and listxattr answer in another order), --workers=1 against 2 and 4: all
# byte-identical, at two block sizes, with long prefixes and fingerprints;
# a compressed tar archive whatever its member order.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
need_cmd cmp tar
: "${DUMP_EROFS:=$top_builddir/dump/dump.erofs}"
make_work
$GEN_TREE "$WORK/a"
$GEN_TREE --order=reverse "$WORK/b"
uuid=6f8c7a2e-1d3b-4c5e-9f70-0123456789ab

same() {
	local what=$1 x=$2 y=$3

	cmp "$x" "$y" >/dev/null || fail "$what: $(cmp "$x" "$y" 2>&1)"
	note "$what: identical ($(sha_of "$x"))"
}

for opts in "-b 4096" "-b 512" "--xattr-prefix=user.long.prefix" \
	"-b 1024 --ishare_key" "--xattr-inode-digest -x 0" \
	"-T 5 --mkfs-time --xattr-prefix=user.long" ; do
	# shellcheck disable=SC2086
	set -- -T 1700000000 -U $uuid $opts
	mkfs_ok "$@" "$WORK/1.img" "$WORK/a"
	mkfs_ok "$@" "$WORK/2.img" "$WORK/a"
	same "$opts: two builds" "$WORK/1.img" "$WORK/2.img"
	mkfs_ok "$@" "$WORK/3.img" "$WORK/b"
	same "$opts: tree made in reverse order" "$WORK/1.img" "$WORK/3.img"
	mkfs_ok "$@" --workers=1 "$WORK/4.img" "$WORK/a"
	mkfs_ok "$@" --workers=2 "$WORK/5.img" "$WORK/b"
	mkfs_ok "$@" --workers=4 "$WORK/6.img" "$WORK/a"
	same "$opts: --workers=1 and 2" "$WORK/4.img" "$WORK/5.img"
	same "$opts: --workers=1 and 4" "$WORK/4.img" "$WORK/6.img"
	same "$opts: --workers=1 and default" "$WORK/1.img" "$WORK/4.img"
	rm -f "$WORK"/[1-6].img
done

# the physical offset of FILE's first extent in IMG
first_extent() {
	"$DUMP_EROFS" -e --path="$2" "$1" |
		sed -n 's/^ *0:.*| *[0-9]* : *\([0-9]*\)\.\..*/\1/p'
}

note "tar, compressed: files of one size are placed in name order, for any"
note "member order and --workers (every member has st_ino 0: a tie)"
mkdir "$WORK/eq"
for n in a b c d e; do
	yes "the same size, other bytes: $n" | head -c 13000 >"$WORK/eq/$n"
done
tar -C "$WORK/eq" -cf "$WORK/eq1.tar" a b c d e
tar -C "$WORK/eq" -cf "$WORK/eq2.tar" e c a d b
mkfs_ok -T 1 -U $uuid -zlz4 --workers=1 --tar=f "$WORK/1.img" "$WORK/eq1.tar"
mkfs_ok -T 1 -U $uuid -zlz4 --workers=2 --tar=f "$WORK/2.img" "$WORK/eq2.tar"
mkfs_ok -T 1 -U $uuid -zlz4 --workers=4 --tar=f "$WORK/3.img" "$WORK/eq1.tar"
same "tar -zlz4: --workers=1 and 2, other member order" "$WORK/1.img" "$WORK/2.img"
same "tar -zlz4: --workers=1 and 4" "$WORK/1.img" "$WORK/3.img"
prev=-1
for n in a b c d e; do
	at=$(first_extent "$WORK/1.img" /$n)
	[ -n "$at" ] && [ "$at" -gt "$prev" ] ||
		fail "tar -zlz4: /$n at '$at', not after the one before ($prev)"
	prev=$at
done
rm -f "$WORK"/[1-3].img

note "SOURCE_DATE_EPOCH gives the same image each time, whatever -T says"
SOURCE_DATE_EPOCH=1700000000 "$MKFS_EROFS" --quiet -U $uuid \
	"$WORK/1.img" "$WORK/a" || fail "mkfs with SOURCE_DATE_EPOCH failed"
SOURCE_DATE_EPOCH=1700000000 "$MKFS_EROFS" --quiet -U $uuid -T 12345 \
	"$WORK/2.img" "$WORK/b" || fail "mkfs with SOURCE_DATE_EPOCH failed"
same "SOURCE_DATE_EPOCH, with and without -T" "$WORK/1.img" "$WORK/2.img"

note "the UUID is -U's, or random"
mkfs_ok -T 1 -U $uuid "$WORK/u1.img" "$WORK/a"
[ "$($PARSE sb "$WORK/u1.img" | grep '"uuid"')" = \
  ' "uuid": "'"${uuid//-/}"'",' ] || fail "-U not in the superblock"
mkfs_ok -T 1 -U clear "$WORK/u2.img" "$WORK/a"
$PARSE sb "$WORK/u2.img" | grep -q '"uuid": "0\{32\}"' ||
	fail "-U clear did not clear the uuid"
mkfs_ok -T 1 "$WORK/r1.img" "$WORK/a"
mkfs_ok -T 1 -U random "$WORK/r2.img" "$WORK/a"
! cmp -s "$WORK/r1.img" "$WORK/r2.img" || fail "random UUIDs are equal"
# only the uuid (0x430..0x43f) and the checksum (0x404..0x407) may differ
cmp -l "$WORK/r1.img" "$WORK/r2.img" | awk '
	$1 >= 1029 && $1 <= 1032 { next }
	$1 >= 1073 && $1 <= 1088 { u++; next }
	{ other++ }
	END { exit !(u >= 8 && !other) }' ||
	fail "random builds differ elsewhere than in uuid and checksum"

note "label, UUID and block size as blkid (util-linux) reads them"
if command -v blkid >/dev/null; then
	mkfs_ok -b 512 -L my-label-15byte -U $uuid "$WORK/l.img" "$WORK/a"
	got=$(blkid -p -o export "$WORK/l.img" |
		grep -E '^(LABEL|UUID|BLOCK_SIZE|TYPE)=' | LC_ALL=C sort | tr '\n' ' ')
	[ "$got" = "BLOCK_SIZE=512 LABEL=my-label-15byte TYPE=erofs UUID=$uuid " ] ||
		fail "blkid says: $got"
	note "blkid: $got"
fi

note "an image written inside SOURCE: rebuilt, it takes in neither itself nor the old one"
cp -a "$WORK/a" "$WORK/in"
mkfs_ok -T 1 -U $uuid "$WORK/out.img" "$WORK/in"
mkfs_ok -T 1 -U $uuid "$WORK/in/self.img" "$WORK/in"
same "image inside SOURCE" "$WORK/in/self.img" "$WORK/out.img"
mkfs_ok -T 1 -U $uuid "$WORK/in/self.img" "$WORK/in"
same "image inside SOURCE, over an old one" "$WORK/in/self.img" "$WORK/out.img"
