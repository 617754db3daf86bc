#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Page-cache sharing fingerprints (--ishare_key / --xattr-inode-digest).
# Through the kernel: every non-empty regular file shows NAME = "sha256:" +
# the raw SHA-256 of its source content, nothing else carries NAME, forged
# source values are replaced.  Through the independent parser: superblock
# bits and prefix id, exactly one inline entry per inode with the right
# bytes, also for base-index-0 names the kernel hides.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
need_kernel_mount
need_cmd setfacl
make_work
FP=trusted.erofs.fingerprint
$GEN_TREE --forged-fingerprint=$FP --forged-fingerprint=user.fp \
	--forged-fingerprint=trusted.erofs.other "$WORK/src"

# sb_check IMAGE NAME ID COUNT: the superblock says what NAME is
sb_check() {
	$PARSE sb "$1" >"$WORK/sb.json" || fail "cannot parse $1"
	$PYTHON - "$WORK/sb.json" "$2" "$3" "$4" <<'PY' || fail "superblock of $1"
import json, sys
sb = json.load(open(sys.argv[1]))
name, pid, count = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
errs = []
if sb["feature_compat"] & 0x30 != 0x30:
    errs.append("compat 0x%x lacks ISHARE_XATTRS|PLAIN_XATTR_PFX"
                % sb["feature_compat"])
if not sb["feature_incompat"] & 0x40:
    errs.append("incompat 0x%x lacks XATTR_PREFIXES" % sb["feature_incompat"])
if sb["ishare_xattr_prefix_id"] != pid:
    errs.append("ishare_xattr_prefix_id %d, want %d"
                % (sb["ishare_xattr_prefix_id"], pid))
if sb["xattr_prefix_count"] != count:
    errs.append("xattr_prefix_count %d, want %d"
                % (sb["xattr_prefix_count"], count))
elif sb["prefixes"][pid] != name:
    errs.append("prefix %d is %r, want %r" % (pid, sb["prefixes"][pid], name))
for e in errs:
    print("sb_check:", e)
sys.exit(1 if errs else 0)
PY
	# the same byte, read raw: offset 0x69 of the superblock
	[ "$(od -An -tu1 -j $((1024 + 0x69)) -N1 "$1" | tr -d ' ')" = "$3" ] ||
		fail "byte 0x69 of $1 is not $3"
}

# getxattr_check NAME MNT SRC: straight from the kernel, every non-empty
# regular file's NAME is "sha256:" + the digest of its source; no other
# inode has NAME
getxattr_check() {
	$PYTHON - "$@" <<'PY' || fail "$1: getxattr on the mount"
import errno, hashlib, os, stat, sys
name, mnt, src = sys.argv[1:]
n = bad = 0
for d, dirs, files in os.walk(os.fsencode(mnt)):
    for e in dirs + files:
        p = os.path.join(d, e)
        st = os.lstat(p)
        try:
            v = os.getxattr(p, name, follow_symlinks=False)
        except OSError as err:
            if err.errno != errno.ENODATA:
                raise
            v = None
        if stat.S_ISREG(st.st_mode) and st.st_size:
            rel = os.path.relpath(p, os.fsencode(mnt))
            with open(os.path.join(os.fsencode(src), rel), "rb") as f:
                want = b"sha256:" + hashlib.sha256(f.read()).digest()
            n += 1
        else:
            want = None
        if v != want:
            bad += 1
            print("%r: %s is %r, want %r" % (p, name, v, want))
print("getxattr_check: %d fingerprints, %d wrong" % (n, bad))
sys.exit(1 if bad or not n else 0)
PY
}

# fp NAME VISIBLE MKFS-ARGS...: build, check superblock, mount, compare,
# parse; VISIBLE is "hidden" for names the kernel does not show
fp() {
	local name=$1 vis=$2 id=$3 count=$4 img=$WORK/fp.img

	shift 4
	note "$name ($vis, prefix $id of $count): mkfs.erofs $*"
	mkfs_ok "$@" "$img" "$WORK/src"
	sb_check "$img" "$name" "$id" "$count"
	mount_image "$img" "$WORK/mnt"
	[ "$vis" = hidden ] || getxattr_check "$name" "$WORK/mnt" "$WORK/src"
	if [ "$vis" = hidden ]; then
		$COMPARE --ishare "$name" --ishare-hidden "$WORK/src" "$WORK/mnt" ||
			fail "$name: mount differs"
	else
		$COMPARE --ishare "$name" "$WORK/src" "$WORK/mnt" ||
			fail "$name: mount differs"
	fi
	umount_image "$WORK/mnt"
	$COMPARE --image --ishare "$name" "$WORK/src" "$img" ||
		fail "$name: parsed image differs"
	$PARSE check-ishare "$img" "$WORK/src" --name "$name" ||
		fail "$name: fingerprint entries"
}

fp $FP shown 0 1 --ishare_key
fp $FP shown 0 1 --ishare-key=$FP -b 512
fp $FP shown 1 2 --xattr-prefix=user.long.prefix --ishare_key
fp $FP shown 2 3 --xattr-prefix=trusted.erofs --xattr-prefix=user.long \
	--ishare_key
fp $FP shown 0 1 --ishare_key -x 0
fp user.fp shown 0 1 --ishare_key=user.fp -x 1
fp erofs.fingerprint.v1 hidden 0 1 --xattr-inode-digest
fp erofs.fingerprint.v1 hidden 1 2 --xattr-prefix=user.long.prefix \
	--xattr-inode-digest -b 1024
fp trusted.x shown 0 1 --xattr-inode-digest=trusted.x

note "--ishare_key=NAME and --xattr-inode-digest=NAME are one option"
mkfs_ok -T 7 -U clear --ishare_key=trusted.x "$WORK/k.img" "$WORK/src"
mkfs_ok -T 7 -U clear --xattr-inode-digest=trusted.x "$WORK/d.img" "$WORK/src"
cmp "$WORK/k.img" "$WORK/d.img" || fail "the two spellings differ"
mkfs_ok -T 7 -U clear --ishare_key=trusted.x --xattr-inode-digest=trusted.x \
	"$WORK/kd.img" "$WORK/src"
cmp "$WORK/k.img" "$WORK/kd.img" || fail "giving the name twice changes it"

note "-T/-U builds stay byte-identical with fingerprints"
mkfs_ok -T 7 -U clear --ishare_key=trusted.x --workers=1 "$WORK/k1.img" \
	"$WORK/src"
cmp "$WORK/k.img" "$WORK/k1.img" || fail "fingerprint builds differ"

note "without the option: no fingerprint, and source values pass as is"
mkfs_ok "$WORK/none.img" "$WORK/src"
$PARSE sb "$WORK/none.img" | grep -q '"ishare_xattr_prefix_id": 0' ||
	fail "ishare id set without --ishare_key"
[ $(( $($PARSE sb "$WORK/none.img" | sed -n 's/.*"feature_compat": //p' |
	tr -d ,) & 0x20 )) = 0 ] || fail "ISHARE_XATTRS set without --ishare_key"
$COMPARE --image "$WORK/src" "$WORK/none.img" ||
	fail "source xattrs named like fingerprints must pass without the option"
