#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# The inode area: inodes, xattrs and indexes may cross blocks, inline data
# (plain tails, ztailpacking pclusters, fast symlinks) never does, no two
# inodes overlap, and the area takes at most one block more than its
# inodes' bytes (keeping each inode inside a block took 4-5 more).  A tree of
# tails, xattr bodies and symlinks of every size, at 512, 1024 and 4096-byte
# blocks, plain and compressed; as root each image is mounted and compared.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
: "${FSCK_EROFS:=$top_builddir/fsck/fsck.erofs}"
[ -x "$FSCK_EROFS" ] || fail "no fsck.erofs at $FSCK_EROFS"
make_work

$PYTHON - "$WORK/src" <<'PY' || fail "cannot make the tree"
import os, random, sys

root = sys.argv[1]
rng = random.Random(12)
os.makedirs(root)
try:
    os.setxattr(root, "user.probe", b"1")
    os.removexattr(root, "user.probe")
    xattrs = True
except OSError:
    xattrs = False
for d in range(6):
    top = os.path.join(root, "d%d" % d)
    os.makedirs(top)
    for i in range(60):
        p = os.path.join(top, "f%02d" % i)
        kind = rng.randrange(10)
        if kind == 0:
            os.symlink("t" * rng.randint(1, 600), p)
            continue
        if kind == 1:
            size = 4096 * rng.randint(0, 2)
        else:
            size = rng.randint(1, 9000)
        if rng.randrange(2):
            data = bytes(rng.getrandbits(8) for _ in range(size))
        else:
            data = (b"packing %d " % i * (size // 10 + 1))[:size]
        with open(p, "wb") as f:
            f.write(data)
        if xattrs and rng.randrange(3) == 0:
            os.setxattr(p, "user.v", b"x" * rng.randint(1, 900))
PY

check_area() {
	$PYTHON - "$TESTS_DIR" "$1" <<'PY' || fail "$2: bad inode area"
import sys
sys.path.insert(0, sys.argv[1])
import erofs_parse as ep

img = ep.Image.open(sys.argv[2])
img.walk()
bs = img.blksz
inodes = list(img.inodes.values()) + ([img.packed] if img.packed else [])
spans, bad = [], []
for ino in inodes:
    end, inline = ino.data_pos, None
    if ino.z:
        end = ino.z.end
        if ino.z.inline:
            inline = ino.z.inline
    else:
        for off, n in ino.ranges:
            if off == ino.data_pos:
                inline = (off, n)
    if inline and inline[1]:
        end = inline[0] + inline[1]
        if inline[0] // bs != (end - 1) // bs:
            bad.append("nid %d: inline data crosses a block" % ino.nid)
    spans.append((ino.iloc, (end + 31) // 32 * 32, ino.nid))
spans.sort()
for a, b in zip(spans, spans[1:]):
    if b[0] < a[1]:
        bad.append("nid %d overlaps nid %d" % (a[2], b[2]))
first = spans[0][0] // bs * bs
blocks = (max(s[1] for s in spans) - first + bs - 1) // bs
used = sum(s[1] - s[0] for s in spans)
# the slot left empty before the root after compressed data counts
if img.sb["meta_blkaddr"]:
    used += 32
if blocks > (used + bs - 1) // bs + 1:
    bad.append("%d blocks of inodes for %d bytes" % (blocks, used))
for b in bad:
    print("inode-packing: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

for bs in 512 1024 4096; do
	for opts in "" "-zlz4 -Eztailpacking" "-zlzma -C16384 -Eztailpacking" \
		"-zlz4hc"; do
		name="-b$bs $opts"
		note "mkfs.erofs $name"
		# shellcheck disable=SC2086
		mkfs_ok -T0 -b$bs $opts "$WORK/img" "$WORK/src"
		"$FSCK_EROFS" "$WORK/img" >/dev/null || fail "$name: fsck.erofs"
		check_area "$WORK/img" "$name"
		if [ -z "$opts" ]; then
			$COMPARE --image --mtime=0 "$WORK/src" "$WORK/img" ||
				fail "$name: parsed image differs"
		fi
		if is_root && grep -qw erofs /proc/filesystems; then
			mount_image "$WORK/img" "$WORK/mnt"
			$COMPARE --mtime=0 "$WORK/src" "$WORK/mnt" ||
				fail "$name: mount differs"
			umount_image "$WORK/mnt"
		fi
	done
done
