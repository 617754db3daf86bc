#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Kernel round trip at 4 KiB blocks: build an image of the awkward tree,
# mount it, compare every field with the source; with and without long
# xattr prefixes.  Then prove the comparison can fail: images with one
# corrupted byte (file data, an xattr value, an inode's mode) must differ.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
need_kernel_mount
need_cmd setfacl
make_work
$GEN_TREE "$WORK/src"

roundtrip plain "-b 4096" ""
roundtrip prefix "-b 4096 --xattr-prefix=user.long.prefix" ""
roundtrip prefixes "--xattr-prefix=user.long --xattr-prefix=trusted.long.prefix
	--xattr-prefix=user.long.prefix --xattr-prefix=security.test" ""

# --- the comparison must catch a broken image ---------------------------
mkfs_ok "$WORK/good.img" "$WORK/src"
corrupt() {
	local what=$1 expect=$2 img=$WORK/bad-$1.img

	cp "$WORK/good.img" "$img"
	$PYTHON - "$img" "$WORK/src" "$what" <<'PY' || fail "cannot corrupt $what"
import os, sys
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests"))
import erofs_parse
path, src, what = sys.argv[1:]
img = erofs_parse.Image.open(path)
buf = bytearray(img.buf)
if what == "data":
    data = open(os.path.join(src, "sizes/s004097"), "rb").read()
    off = buf.find(data[1000:1040]) + 7
elif what == "xattr":
    val = os.getxattr(os.path.join(src, "xattrs/long-value"), "user.long")
    off = buf.find(val[2000:2040]) + 3
else:
    ent = img.walk()[b"sizes/s000513"]
    off = img.iloc(ent.nid) + 4       # i_mode, compact or extended
assert buf.count(buf[off - 3:off + 30]) == 1, "pattern not unique"
buf[off] ^= 1
open(path, "wb").write(buf)
PY
	mount_image "$img" "$WORK/mnt-bad"
	if $COMPARE "$WORK/src" "$WORK/mnt-bad" >"$WORK/out" 2>&1; then
		fail "corrupted $what: the comparison did not notice"
	fi
	grep -q "$expect" "$WORK/out" ||
		fail "corrupted $what: no '$expect' in: $(cat "$WORK/out")"
	umount_image "$WORK/mnt-bad"
	note "corrupted $what: caught ($(head -n1 "$WORK/out"))"
}
corrupt data "sizes/s004097: sha256"
corrupt xattr "xattrs/long-value: xattr user.long"
corrupt mode "sizes/s000513: mode"
