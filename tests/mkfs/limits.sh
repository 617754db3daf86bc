#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Past the compact inode's limits, through the kernel: a sparse file above
# 4 GiB (64-bit size, data at the 4 GiB boundary, a hole up to EOF, and its
# fingerprint over all of it), a file with 65,541 links and a directory
# with 65,534 subdirectories (nlink above 65535).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
need_kernel_mount
make_work

note "a sparse file of 4 GiB + 40977 bytes"
mkdir -p "$WORK/big"
$PYTHON - "$WORK/big/huge" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    for off, data in ((0, b"start"), ((1 << 32) - 3, b"across-4G"),
                      ((1 << 32) + 4096 * 7 + 5, b"later")):
        f.seek(off)
        f.write(data)
    f.truncate((1 << 32) + 4096 * 10 + 17)
PY
echo small >"$WORK/big/small"
mkfs_ok --ishare_key "$WORK/big.img" "$WORK/big"
[ "$(du -k "$WORK/big.img" | cut -f1)" -lt 1024 ] ||
	fail "the image of a sparse file is not sparse"
mount_image "$WORK/big.img" "$WORK/mnt"
$PYTHON - "$WORK/mnt/huge" <<'PY' || fail "the big file reads back wrong"
import hashlib, os, sys
p = sys.argv[1]
size = (1 << 32) + 4096 * 10 + 17
pieces = [(0, b"start"), ((1 << 32) - 3, b"across-4G"),
          ((1 << 32) + 4096 * 7 + 5, b"later"), (size - 9, bytes(9))]
st = os.stat(p)
assert st.st_size == size, "size %d, want %d" % (st.st_size, size)
with open(p, "rb") as f:
    for off, data in pieces:
        f.seek(off)
        got = f.read(len(data))
        assert got == data, "at %d: %r, want %r" % (off, got, data)
# the fingerprint covers the whole file, holes included
h, pos = hashlib.sha256(), 0
zero = bytes(1 << 20)
for off, data in pieces[:3] + [(size, b"")]:
    while pos < off:
        n = min(off - pos, len(zero))
        h.update(zero[:n])
        pos += n
    h.update(data)
    pos += len(data)
want = b"sha256:" + h.digest()
got = os.getxattr(p, "trusted.erofs.fingerprint")
assert got == want, "fingerprint %s, want %s" % (got.hex(), want.hex())
print("huge: size, data at 4 GiB, hole to EOF and fingerprint are right")
PY
umount_image "$WORK/mnt"
rm -f "$WORK/big.img" "$WORK/big/huge"

note "65,541 links to one file, 65,534 subdirectories in one directory"
mkdir -p "$WORK/src/links" "$WORK/src/dirs"
$PYTHON - "$WORK/src" <<'PY'
import os, sys
root = sys.argv[1]
target = os.path.join(root, "target")
with open(target, "w") as f:
    f.write("one inode, many names")
for i in range(65540):
    os.link(target, os.path.join(root, "links", "%05d" % i))
for i in range(65534):
    os.mkdir(os.path.join(root, "dirs", "%05d" % i))
PY
[ "$(stat -c %h "$WORK/src/dirs")" = 65536 ] || skip "the scratch fs caps nlink"
roundtrip many "-T 9" "--mtime 9"
