#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Kernel round trip with the options that change what the image holds:
# times (-T, --mkfs-time, --ignore-mtime, SOURCE_DATE_EPOCH), owners
# (--all-root, --force-uid/gid, --uid/gid-offset), xattr sharing (-x),
# noinline_data, and the exclusion options.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
need_kernel_mount
need_cmd setfacl
make_work
$GEN_TREE "$WORK/src"

roundtrip time-T "-T 1234567890" "--mtime 1234567890"
roundtrip time-T0-b512 "-b 512 -T 0" "--mtime 0"
roundtrip mkfs-time "-T 1234567890 --mkfs-time" ""
roundtrip ignore-mtime "-T 42 --mkfs-time --ignore-mtime" "--mtime 42"
roundtrip all-root "--all-root -T 99" "--uid 0 --gid 0 --mtime 99"
roundtrip force-ids "--force-uid=4294967294 --force-gid=70000" \
	"--uid 4294967294 --gid 70000"
roundtrip force-uid "-b 512 --force-uid=65536" "--uid 65536"
roundtrip id-offset "--uid-offset=1000 --gid-offset=65536" \
	"--uid-offset 1000 --gid-offset 65536"
roundtrip no-xattrs "-x -1" "--no-xattrs"
roundtrip all-shared "-x 0 -b 512" ""
roundtrip none-shared "-x 1000" ""
roundtrip noinline "-E noinline_data" ""
roundtrip noinline-512 "-b 512 -E noinline_data --xattr-prefix=user.long" ""
roundtrip exclude "--exclude-path=bigdir --exclude-path=/links/b
	--exclude-regex=^deep/level00/level01 --exclude-regex=^special/s.*t$" \
	"--exclude bigdir --exclude links/b --exclude deep/level00/level01
	--exclude special/socket"

# every field but the link structure; then no two names share an inode
roundtrip hard-dereference "--hard-dereference" \
	"--fields=mode,uid,gid,mtime_ns,rdev,size,sha256,target,xattrs"
mkfs_ok --hard-dereference "$WORK/hd.img" "$WORK/src"
mount_image "$WORK/hd.img" "$WORK/mnt-hd"
[ "$(find "$WORK/mnt-hd" ! -type d -links +1 | wc -l)" = 0 ] ||
	fail "--hard-dereference left hard links"
[ "$(find "$WORK/src" ! -type d -links +1 | wc -l)" -gt 0 ] ||
	fail "the source has no hard links to dereference"
umount_image "$WORK/mnt-hd"

# -E force-inode-extended keeps every field; force-inode-compact drops
# mtimes to the build time; the inode forms are read with the parser
roundtrip force-extended "-T 7 --mkfs-time -E force-inode-extended" ""
roundtrip force-compact "-T 7 --mkfs-time -E force-inode-compact" \
	"--fields=mode,uid,gid,nlink,rdev,size,sha256,target,xattrs --mtime 7"
inode_forms() {
	$PYTHON - "$1" <<'PY'
import os, struct, sys
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests"))
import erofs_parse
img = erofs_parse.Image.open(sys.argv[1])
forms = set()
for ent in img.walk().values():
    fmt, = struct.unpack_from("<H", img.buf, img.iloc(ent.nid))
    forms.add("extended" if fmt & 1 else "compact")
print(" ".join(sorted(forms)))
PY
}
mkfs_ok -T 7 --mkfs-time -E force-inode-extended "$WORK/fe.img" "$WORK/src"
[ "$(inode_forms "$WORK/fe.img")" = extended ] || fail "force-inode-extended"
mkfs_ok -T 7 --mkfs-time -E force-inode-compact "$WORK/fc.img" "$WORK/src"
mkfs_ok -T 7 --mkfs-time "$WORK/fd.img" "$WORK/src"
# the awkward tree has big ids and sizes, which stay extended
[ "$(inode_forms "$WORK/fc.img")" = "compact extended" ] &&
[ "$(stat -c %s "$WORK/fc.img")" -lt "$(stat -c %s "$WORK/fd.img")" ] ||
	fail "force-inode-compact: $(inode_forms "$WORK/fc.img")"

# -E nosbcrc: no SB_CHKSUM bit (compat bit 0), and the kernel, which checks
# the superblock's CRC32C whenever the bit is set, mounts it all the same
sb_crc_bit() {
	$PARSE sb "$1" | $PYTHON -c \
		'import json, sys; print(json.load(sys.stdin)["feature_compat"] & 1)'
}
mkfs_ok "$WORK/crc.img" "$WORK/src"
[ "$(sb_crc_bit "$WORK/crc.img")" = 1 ] || fail "default image has no sb crc"
rm -f "$WORK/crc.img"
mkfs_ok -E nosbcrc "$WORK/nosbcrc.img" "$WORK/src"
[ "$(sb_crc_bit "$WORK/nosbcrc.img")" = 0 ] ||
	fail "nosbcrc left the checksum feature"
roundtrip nosbcrc "-E nosbcrc" ""

# SOURCE_DATE_EPOCH as erofs-utils reads it: the build time, and a clamp on
# mtimes (those at or past it become it, older ones stay); it wins over -T,
# --all-time and --mkfs-time.  The tree's mtimes run from 1966 to 2200.
SOURCE_DATE_EPOCH=777 roundtrip sde-777 "" "--clamp-mtime 777"
SOURCE_DATE_EPOCH=1650000000 roundtrip sde-clamp "" "--clamp-mtime 1650000000"
SOURCE_DATE_EPOCH=1650000000 roundtrip sde-over-T "-T 5 --all-time" \
	"--clamp-mtime 1650000000"
SOURCE_DATE_EPOCH=1650000000 mkfs_ok -T 5 "$WORK/sde.img" "$WORK/src"
$PARSE sb "$WORK/sde.img" | grep -q '"epoch": 1650000000,' ||
	fail "SOURCE_DATE_EPOCH is not the build time over -T"
rm -f "$WORK/sde.img"
