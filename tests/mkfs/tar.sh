#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# mkfs.erofs --tar: an image from a tar archive reads back, through the
# kernel, exactly as GNU tar extracts the same archive; from a file, a
# pipe, gzip and xz the image is the same bytes; odd archives (made by
# Python's tarfile, not by GNU tar) give the right tree, which is GNU
# tar's extraction where tar reads through what it wrote (symlinks as
# parents, a directory twice, a member over a directory); overlayfs over
# the images hides what whiteouts name (and the whiteouts themselves),
# --ovlfs-strip drops them; bad archives give one error line and leave no
# image.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
need_kernel_mount
need_cmd tar gzip xz getfacl
make_work
$GEN_TREE "$WORK/src" >/dev/null

# --- the awkward tree, through GNU tar ------------------------------------
(cd "$WORK/src" && tar --xattrs --xattrs-include='*' --format=pax \
	-cf "$WORK/t.tar" . 2>/dev/null) || true
[ -s "$WORK/t.tar" ] || fail "cannot make the tar archive"
mkdir "$WORK/x"
tar --xattrs --xattrs-include='*' --numeric-owner -xpf "$WORK/t.tar" \
	-C "$WORK/x" 2>/dev/null || fail "GNU tar cannot extract its archive"
mkfs_ok --tar=f --ishare_key -T0 --mkfs-time -Uclear "$WORK/t.img" "$WORK/t.tar"
mount_image "$WORK/t.img" "$WORK/mnt"
$COMPARE --ishare trusted.erofs.fingerprint "$WORK/x" "$WORK/mnt" ||
	fail "the image differs from GNU tar's extraction"
umount_image "$WORK/mnt"
$COMPARE --image --ishare trusted.erofs.fingerprint "$WORK/x" "$WORK/t.img" ||
	fail "the parsed image differs from GNU tar's extraction"
if [ -x "$top_builddir/fsck/fsck.erofs" ]; then
	"$top_builddir/fsck/fsck.erofs" "$WORK/t.img" ||
		fail "our fsck.erofs rejects the tar image"
fi

note "same image from a pipe, gzip and xz"
gzip -1 -c "$WORK/t.tar" >"$WORK/t.tgz"
xz -0 -c "$WORK/t.tar" >"$WORK/t.txz"
want=$(sha_of "$WORK/t.img")
cat "$WORK/t.tar" | mkfs_ok --tar --ishare_key -T0 --mkfs-time -Uclear "$WORK/p.img"
[ "$(sha_of "$WORK/p.img")" = "$want" ] || fail "stdin image differs"
mkfs_ok --tar --ungzip --ishare_key -T0 --mkfs-time -Uclear "$WORK/p.img" "$WORK/t.tgz"
[ "$(sha_of "$WORK/p.img")" = "$want" ] || fail "gzip image differs"
mkfs_ok --tar --unxz --ishare_key -T0 --mkfs-time -Uclear "$WORK/p.img" - <"$WORK/t.txz"
[ "$(sha_of "$WORK/p.img")" = "$want" ] || fail "xz image differs"
# --ungzip only tries: a plain archive is read as it is
mkfs_ok --tar --ungzip --ishare_key -T0 --mkfs-time -Uclear "$WORK/p.img" "$WORK/t.tar"
[ "$(sha_of "$WORK/p.img")" = "$want" ] || fail "--ungzip on plain tar differs"

note "compressed, with fragments, from tar"
mkfs_ok --tar -zlz4hc -Eztailpacking,fragments --ishare_key -T0 --mkfs-time -Uclear \
	"$WORK/z.img" "$WORK/t.tar"
mount_image "$WORK/z.img" "$WORK/mntz"
$COMPARE --ishare trusted.erofs.fingerprint "$WORK/x" "$WORK/mntz" ||
	fail "the compressed tar image differs"
umount_image "$WORK/mntz"
rm -rf "$WORK/x" "$WORK"/*.img "$WORK"/t.t*

# --- odd archives, from Python's tarfile ----------------------------------
$PYTHON - "$WORK" <<'PY' || fail "cannot write the odd archives"
import io, sys, tarfile
work = sys.argv[1]

def member(tf, name, type=tarfile.REGTYPE, data=b"", **kw):
    ti = tarfile.TarInfo(name)
    ti.type = type
    ti.size = len(data) if type == tarfile.REGTYPE else 0
    ti.mode = kw.pop("mode", 0o644)
    ti.mtime = kw.pop("mtime", 1700000000)
    for k, v in kw.items():
        setattr(ti, k, v)
    tf.addfile(ti, io.BytesIO(data) if type == tarfile.REGTYPE else None)

for fmt, tag in ((tarfile.GNU_FORMAT, "gnu"), (tarfile.PAX_FORMAT, "pax")):
    with tarfile.open(f"{work}/odd-{tag}.tar", "w", format=fmt) as tf:
        # parents never named: made as 0755 directories
        member(tf, "a/b/c/file", data=b"deep\n")
        # a name longer than 100 bytes (GNU ././@LongLink, pax path)
        member(tf, "long/" + "n" * 200, data=b"long\n")
        member(tf, "long/link-" + "l" * 120, tarfile.SYMTYPE,
               linkname="target/" + "t" * 150)
        # replaced: the last member of a path wins
        member(tf, "dup", data=b"first\n")
        member(tf, "dup", data=b"second!\n", mode=0o600)
        # a directory over a directory keeps its entries
        member(tf, "d", tarfile.DIRTYPE, mode=0o700)
        member(tf, "d/kept", data=b"kept\n")
        member(tf, "d", tarfile.DIRTYPE, mode=0o750, uid=7)
        # a file over an empty directory replaces it
        member(tf, "gone", tarfile.DIRTYPE)
        member(tf, "gone", data=b"now a file\n")
        # hard links, to a file given before
        member(tf, "h/one", data=b"linked\n", mode=0o640)
        member(tf, "h/two", tarfile.LNKTYPE, linkname="h/one")
        member(tf, "./h/three", tarfile.LNKTYPE, linkname="./h/one")
        # a hard link replacing an empty directory
        member(tf, "hd", tarfile.DIRTYPE)
        member(tf, "hd-f", data=b"in hd\n")
        member(tf, "hd", tarfile.LNKTYPE, linkname="hd-f")
        # a GNU dumpdir (tar --listed-incremental): a directory
        ti = tarfile.TarInfo("dump")
        ti.type, ti.size, ti.mode = b"D", 8, 0o711
        tf.addfile(ti, io.BytesIO(b"Yfile\0\0\0"))
        member(tf, "dump/file", data=b"d\n")
        # devices, a fifo, odd owners and times
        member(tf, "dev/null", tarfile.CHRTYPE, devmajor=1, devminor=3)
        member(tf, "dev/sda", tarfile.BLKTYPE, devmajor=8, devminor=0)
        member(tf, "dev/fifo", tarfile.FIFOTYPE)
        member(tf, "big-uid", data=b"u\n", uid=3000000000, gid=2999999999)
        member(tf, "old", data=b"o\n", mtime=-86400 * 365)
        # aufs whiteouts (kept as they are without --aufs)
        member(tf, "ovl/.wh.deleted", data=b"")
        member(tf, "ovl/sub/.wh..wh..opq", data=b"")
        member(tf, "ovl/.wh..wh.plnk", tarfile.DIRTYPE)
    # pax only: xattrs, nanosecond times, a path overriding the header
    if fmt == tarfile.PAX_FORMAT:
        with tarfile.open(f"{work}/odd-{tag}.tar", "a", format=fmt) as tf:
            ti = tarfile.TarInfo("x/attrs")
            ti.size = 3
            ti.pax_headers = {"SCHILY.xattr.user.one": "1",
                              "SCHILY.xattr.trusted.two": "two",
                              "SCHILY.xattr.trusted.erofs.fingerprint":
                                  "sha256:forged-forged-forged-forged!",
                              "mtime": "1700000000.123456789",
                              # bsdtar: base64, without '=' padding
                              "LIBARCHIVE.xattr.user.b64": "YWI",
                              "LIBARCHIVE.xattr.user.pad": "YWI=",
                              "LIBARCHIVE.xattr.user.%41": "AP8"}
            tf.addfile(ti, io.BytesIO(b"abc"))
            # bsdtar's ACL text: numbers after names, the owning
            # group's bits in the mode where extraction takes the mask's
            ti = tarfile.TarInfo("x/acl-bsd")
            ti.mode = 0o644
            ti.pax_headers = {"SCHILY.acl.access":
                "user::rw-,group::r--,other::r--,user:no-such-user-erofs:"
                "r-x:4321,user:root:rwx:77,mask::rwx"}
            tf.addfile(ti, io.BytesIO(b""))
            # an empty value takes a keyword back: the header's uid
            ti = tarfile.TarInfo("x/empty-uid")
            ti.uid, ti.pax_headers = 77, {"uid": ""}
            tf.addfile(ti, io.BytesIO(b""))
            # ACLs as GNU tar --acls writes them, as text only
            ti = tarfile.TarInfo("x/acl")
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o775
            ti.pax_headers = {
                "SCHILY.acl.access": "user::rwx\nuser:1234:r-x\n"
                    "group::r-x\ngroup:root:rwx\nmask::rwx\nother::r-x\n",
                "SCHILY.acl.default": "user::rwx,user:root:rw-,group::r-x,"
                    "mask::rwx,other::---"}
            tf.addfile(ti)

# a hard link whose header gives the size of its target, and no data:
# GNU tar and bsdtar ignore the size of a hard link outside pax
def hdr(name, type, size=0, link=""):
    ti = tarfile.TarInfo(name)
    ti.type, ti.size, ti.linkname, ti.mode = type, size, link, 0o644
    return ti.tobuf(format=tarfile.GNU_FORMAT)
open(f"{work}/odd-lnksize.tar", "wb").write(
    hdr("f", tarfile.REGTYPE, 2) + b"hi".ljust(512, b"\0") +
    hdr("l", tarfile.LNKTYPE, 2, "f") +
    hdr("g", tarfile.REGTYPE, 2) + b"yo".ljust(512, b"\0") + bytes(1024))

# bad archives
good = open(f"{work}/odd-gnu.tar", "rb").read()
open(f"{work}/bad-trunc.tar", "wb").write(good[:3000])
bad = bytearray(good); bad[148] ^= 1
open(f"{work}/bad-sum.tar", "wb").write(bad)
with tarfile.open(f"{work}/bad-dotdot.tar", "w", format=tarfile.GNU_FORMAT) as tf:
    member(tf, "ok", data=b"1")
    member(tf, "a/../../escape", data=b"2")
with tarfile.open(f"{work}/bad-link.tar", "w", format=tarfile.GNU_FORMAT) as tf:
    member(tf, "l", tarfile.LNKTYPE, linkname="missing")
with tarfile.open(f"{work}/bad-rootlink.tar", "w", format=tarfile.GNU_FORMAT) as tf:
    member(tf, "f", data=b"1")
    member(tf, "./", tarfile.LNKTYPE, linkname="f")
with tarfile.open(f"{work}/bad-uid.tar", "w", format=tarfile.PAX_FORMAT) as tf:
    member(tf, "f", data=b"1", pax_headers={"uid": str(2**32)})
with tarfile.open(f"{work}/bad-b64.tar", "w", format=tarfile.PAX_FORMAT) as tf:
    member(tf, "f", pax_headers={"LIBARCHIVE.xattr.user.x": "===="})
with tarfile.open(f"{work}/bad-symlink.tar", "w", format=tarfile.GNU_FORMAT) as tf:
    member(tf, "s", tarfile.SYMTYPE, linkname="")
with tarfile.open(f"{work}/bad-acl.tar", "w", format=tarfile.PAX_FORMAT) as tf:
    member(tf, "f", pax_headers={"SCHILY.acl.access": "user:1:rwx\n"})
open(f"{work}/bad-empty.tar", "wb").write(b"not a tar archive at all" * 40)
with tarfile.open(f"{work}/bad-deep.tar", "w", format=tarfile.PAX_FORMAT) as tf:
    member(tf, "d/" * 3000 + "f", data=b"1")
# archives that GNU tar extracts by reading through what it wrote before
# (symlinks as parents, a directory twice, a member over a directory):
# where GNU tar succeeds the image must show its tree; where it fails on
# a member, mkfs must fail naming that member
def archive(tag, *members):
    with tarfile.open(f"{work}/gt-{tag}.tar", "w",
                      format=tarfile.PAX_FORMAT) as tf:
        member(tf, "./", tarfile.DIRTYPE, mode=0o755, mtime=1600000000)
        for m in members:
            kw = dict(m[2]) if len(m) > 2 else {}
            kw.setdefault("mode", 0o755 if m[1] == tarfile.DIRTYPE else 0o644)
            member(tf, *m[:2], **kw)

D, F, L, H = tarfile.DIRTYPE, tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE
X = lambda **kv: {"SCHILY.xattr." + k.replace("_", "."): v
                  for k, v in kv.items()}
# a relative symlink without '..' is followed, also in a chain, also to
# '.', and a hard link may name its target through one; a hard link to
# itself changes nothing; a directory member over a symlink replaces it
archive("follow",
        ("real", D, {"mode": 0o750}),
        ("s", L, {"linkname": "real", "mode": 0o644}),
        ("s/f", F, {"data": b"through s\n"}),
        ("c1", L, {"linkname": "c2"}),
        ("c2", L, {"linkname": "./real/"}),
        ("c1/g", F, {"data": b"through c1, c2\n", "uid": 5}),
        ("dot", L, {"linkname": "."}),
        ("dot/top", F, {"data": b"through dot\n"}),
        ("h", H, {"linkname": "s/f"}),
        ("h", H, {"linkname": "h"}),
        ("real", H, {"linkname": "./real"}),
        ("c1", D, {"mode": 0o700, "mtime": 1500000000}),
        ("c1/own", F, {"data": b"in c1 itself\n"}))
# a member that names the symlink its path goes through: GNU tar unlinks
# that symlink to make room, and a directory takes its place
archive("self",
        ("s", L, {"linkname": "."}), ("s/s", F, {"data": b"x\n"}),
        ("t", L, {"linkname": "."}), ("t/t", D),
        ("d", D), ("d/u", L, {"linkname": "."}),
        ("d/u/u/f", F, {"data": b"y\n"}),
        ("v", L, {"linkname": "d"}), ("w", F, {"data": b"z\n"}),
        ("v/u/w2", H, {"linkname": "w"}),
        # the same symlink by two names: GNU tar sees it there already
        ("x", L, {"linkname": "."}), ("x/x/x", H, {"linkname": "x/x"}))
# a directory again: the later member's mode, owner, time and ACLs (tar
# --acls sets them, or takes them away), and its xattrs added to the
# earlier ones (the later value wins)
ACL = "user::rwx,user:1:r-x,group::r-x,mask::r-x,other::---"
archive("again",
        ("d", D, {"mode": 0o700, "pax_headers":
                  X(user_a="1", user_c="1-old", trusted_t="kept")}),
        ("d/kept", F, {"data": b"k\n"}),
        ("d", D, {"mode": 0o751, "uid": 7, "gid": 8, "mtime": 1600000001,
                  "pax_headers": X(user_b="2", user_c="2-new")}),
        ("e", D, {"pax_headers": X(user_x="x")}),
        ("e", D, {"mode": 0o711}),
        ("acl", D, {"pax_headers": {"SCHILY.acl.access": ACL,
                                    "SCHILY.acl.default": ACL}}),
        ("acl", D, {"mode": 0o705, "pax_headers": X(user_y="y")}),
        ("acl2", D, {"pax_headers": {"SCHILY.acl.default": ACL}}),
        ("acl2", D, {"mode": 0o750, "pax_headers":
                     {"SCHILY.acl.access": ACL}}))
# a non-directory member over an empty directory replaces it
archive("over-empty",
        ("f", D), ("f", F, {"data": b"a file now\n"}),
        ("s", D), ("s", L, {"linkname": "f"}),
        ("n", D), ("n", tarfile.FIFOTYPE),
        ("h", D), ("h", H, {"linkname": "f"}))
# GNU tar fails on these members
archive("bad-nonempty",
        ("g", D), ("g/in", F, {"data": b"x"}), ("g", F, {"data": b"y"}))
archive("bad-link-nonempty",
        ("g", D), ("g/in", F, {"data": b"x"}), ("g", H, {"linkname": "g/in"}))
archive("bad-symlink-nonempty",
        ("g", D), ("g/in", F, {"data": b"x"}), ("g", L, {"linkname": "x"}))
archive("bad-abs", ("real", D), ("s", L, {"linkname": "/real"}),
        ("s/f", F, {"data": b"x"}))
archive("bad-dotdot", ("a", D), ("a/real", D), ("b", D),
        ("b/s", L, {"linkname": "../a/real"}), ("b/s/f", F, {"data": b"x"}))
archive("bad-dangling", ("s", L, {"linkname": "nowhere"}),
        ("s/f", F, {"data": b"x"}))
archive("bad-tofile", ("file", F, {"data": b"x"}),
        ("s", L, {"linkname": "file"}), ("s/f", F, {"data": b"x"}))
archive("bad-loop", ("l1", L, {"linkname": "l2"}),
        ("l2", L, {"linkname": "l1"}), ("l1/f", F, {"data": b"x"}))
archive("bad-underfile", ("file", F, {"data": b"x"}),
        ("file/f", F, {"data": b"x"}))
PY

check_odd() {
	local tag=$1 mnt=$WORK/mnt-$1 opts=$2
	local d

	# shellcheck disable=SC2086
	mkfs_ok --tar $opts --ishare_key "$WORK/odd-$tag.img" "$WORK/odd-$tag.tar"
	mount_image "$WORK/odd-$tag.img" "$mnt"
	d=$mnt
	[ "$(cat "$d/a/b/c/file")" = deep ] || fail "$tag: deep file"
	[ "$(stat -c %a:%u "$d/a" "$d/a/b")" = "$(printf '755:0\n755:0')" ] ||
		fail "$tag: implicit directories: $(stat -c %a:%u "$d/a" "$d/a/b")"
	[ "$(cat "$d/long/$(printf 'n%.0s' $(seq 200))")" = long ] ||
		fail "$tag: long name"
	[ "$(readlink "$d/long/link-$(printf 'l%.0s' $(seq 120))")" = \
	  "target/$(printf 't%.0s' $(seq 150))" ] || fail "$tag: long link"
	[ "$(cat "$d/dup"):$(stat -c %a "$d/dup")" = "second!:600" ] ||
		fail "$tag: replaced file"
	[ "$(stat -c %a:%u "$d/d")" = 750:7 ] || fail "$tag: directory attrs"
	[ "$(cat "$d/d/kept")" = kept ] || fail "$tag: directory lost entries"
	[ "$(cat "$d/gone")" = "now a file" ] || fail "$tag: file over directory"
	[ "$(stat -c %h:%i "$d/h/one")" = "3:$(stat -c %i "$d/h/two")" ] ||
		fail "$tag: hard links: $(stat -c %h:%i "$d/h/one" "$d/h/two")"
	[ "$(stat -c %i "$d/h/three")" = "$(stat -c %i "$d/h/one")" ] ||
		fail "$tag: hard link with ./"
	[ -f "$d/hd" ] && [ "$(stat -c %i "$d/hd")" = "$(stat -c %i "$d/hd-f")" ] ||
		fail "$tag: hard link over an empty directory"
	[ "$(stat -c %F:%a "$d/dump")" = directory:711 ] &&
	[ "$(cat "$d/dump/file")" = d ] || fail "$tag: GNU dumpdir"
	[ "$(stat -c %F:%t:%T "$d/dev/null")" = "character special file:1:3" ] ||
		fail "$tag: char device"
	[ "$(stat -c %F:%t:%T "$d/dev/sda")" = "block special file:8:0" ] ||
		fail "$tag: block device"
	[ "$(stat -c %F "$d/dev/fifo")" = fifo ] || fail "$tag: fifo"
	[ "$(stat -c %u:%g "$d/big-uid")" = 3000000000:2999999999 ] ||
		fail "$tag: big ids: $(stat -c %u:%g "$d/big-uid")"
	[ "$(stat -c %Y "$d/old")" = "$((-86400 * 365))" ] ||
		fail "$tag: negative mtime: $(stat -c %Y "$d/old")"
	[ "$(getfattr --absolute-names -n trusted.erofs.fingerprint \
		--only-values "$d/h/one" | head -c 7)" = "sha256:" ] ||
		fail "$tag: no fingerprint"
}

check_odd gnu ""
d=$WORK/mnt-gnu
[ -f "$d/ovl/.wh.deleted" ] && [ -d "$d/ovl/.wh..wh.plnk" ] ||
	fail "whiteouts changed without --aufs"
check_odd pax ""
d=$WORK/mnt-pax
[ "$(getfattr --absolute-names -n user.one --only-values "$d/x/attrs")" = 1 ] &&
[ "$(getfattr --absolute-names -n trusted.two --only-values "$d/x/attrs")" = two ] ||
	fail "pax xattrs"
[ "$(getfattr --absolute-names -n user.b64 --only-values "$d/x/attrs")" = ab ] &&
[ "$(getfattr --absolute-names -n user.pad --only-values "$d/x/attrs")" = ab ] &&
getfattr --absolute-names -e hex -n user.A "$d/x/attrs" | grep -qx 'user.A=0x00ff' ||
	fail "LIBARCHIVE.xattr values: $(getfattr -d -e hex "$d/x/attrs" 2>&1)"
[ "$(stat -c %u "$d/x/empty-uid")" = 77 ] || fail "pax uid= (empty)"
[ "$(stat -c %y "$d/x/attrs")" = "$(date -d @1700000000 '+%Y-%m-%d %H:%M:%S').123456789 $(date -d @1700000000 +%z)" ] ||
	fail "pax nanosecond mtime: $(stat -c %y "$d/x/attrs")"
$PYTHON - "$d/x/attrs" <<'PY' || fail "a forged fingerprint from the archive survived"
import hashlib, os, sys
v = os.getxattr(sys.argv[1], "trusted.erofs.fingerprint")
assert v == b"sha256:" + hashlib.sha256(b"abc").digest(), v
PY

[ "$(getfacl -cnp "$d/x/acl" 2>/dev/null | grep . | tr '\n' ' ')" = \
  "user::rwx user:1234:r-x group::r-x group:0:rwx mask::rwx other::r-x default:user::rwx default:user:0:rw- default:group::r-x default:mask::rwx default:other::--- " ] ||
	fail "text ACLs: $(getfacl -cn "$d/x/acl" 2>&1 | tr '\n' ' ')"
[ "$(stat -c %a "$d/x/acl-bsd"):$(getfacl -cnp "$d/x/acl-bsd" 2>/dev/null | grep . | tr '\n' ' ')" = \
  "674:user::rw- user:0:rwx user:4321:r-x group::r-- mask::rwx other::r-- " ] ||
	fail "bsdtar ACL text: $(stat -c %a "$d/x/acl-bsd") $(getfacl -cn "$d/x/acl-bsd" 2>&1 | tr '\n' ' ')"

mkfs_ok --tar "$WORK/lnksize.img" "$WORK/odd-lnksize.tar"
mount_image "$WORK/lnksize.img" "$WORK/mnt-lnksize"
d=$WORK/mnt-lnksize
[ "$(cat "$d/l"):$(cat "$d/g"):$(stat -c %h "$d/f")" = hi:yo:2 ] ||
	fail "hard link with a size field: $(ls -l "$d")"

# --- where GNU tar's extraction decides ------------------------------------
# The gt-*.tar archives, made above: GNU tar's tree is the reference.

# gnu_extract TAG: GNU tar's tree in $WORK/gx-TAG; its status in $gnu_rc
gnu_extract() {
	mkdir "$WORK/gx-$1"
	gnu_rc=0
	tar --acls --xattrs --xattrs-include='*' -xpf "$WORK/gt-$1.tar" \
		-C "$WORK/gx-$1" 2>"$WORK/gx-$1.err" || gnu_rc=$?
}

for tag in follow self again over-empty; do
	note "GNU tar parity: $tag"
	gnu_extract "$tag"
	[ "$gnu_rc" = 0 ] || fail "$tag: GNU tar failed: $(cat "$WORK/gx-$tag.err")"
	mkfs_ok --tar "$WORK/gt-$tag.img" "$WORK/gt-$tag.tar"
	mount_image "$WORK/gt-$tag.img" "$WORK/mnt-gt-$tag"
done
# GNU tar set the times of real before writing into it through s, c1, c2
# and dot (and of the root through dot), so they show the clock of the
# extraction; the image keeps the archive's times
touch -h -d @1700000000 "$WORK/gx-follow/real"
touch -h -d @1600000000 "$WORK/gx-follow"
[ "$(stat -c %F "$WORK/gx-follow/c1")" = directory ] &&
[ "$(cat "$WORK/gx-follow/real/g")" = "through c1, c2" ] ||
	fail "GNU tar did not follow the symlinks here"
[ "$(getfacl -cn "$WORK/gx-again/acl2" 2>/dev/null | grep -c :1:)" = 1 ] ||
	fail "GNU tar did not set the ACL of acl2"
# a name given twice must be there once (the mount hides a duplicate)
$PYTHON -c 'import os, sys; n = os.listxattr(sys.argv[1]);
assert len(n) == len(set(n)) == 4, n' "$WORK/mnt-gt-again/d" ||
	fail "again: d has the wrong xattr names"
# self: tar makes s and t with the clock, and sets d's times before it
# writes into d through d/u; those times are the extraction's own
notime=--fields=type,perm,uid,gid,nlink,size,sha256,target,xattrs,links
for tag in follow self again over-empty; do
	# shellcheck disable=SC2046
	$COMPARE $([ $tag != self ] || echo $notime) "$WORK/gx-$tag" \
		"$WORK/mnt-gt-$tag" ||
		fail "$tag: the image differs from GNU tar's extraction"
	umount_image "$WORK/mnt-gt-$tag"
done

note "GNU tar parity: 100 random archives of directories, files, links"
# relative symlinks without '..' only: GNU tar makes the others last,
# and a later member of their path then loses to them (bsdtar and we
# keep the later member); times are left out: GNU tar leaves the clock
# of the extraction on a directory written into through a symlink
$PYTHON - "$MKFS_EROFS" "$WORK" "$TESTS_DIR/compare_tree.py" <<'PY' ||
import io, os, random, shutil, subprocess, sys, tarfile
mkfs, work, compare = sys.argv[1:]
random.seed(20261127)
FIELDS = "--fields=type,perm,uid,gid,nlink,size,sha256,target,xattrs,links"

# two names and many symlinks to '.': paths run into each other
def path(depth=None):
    return "/".join(random.choice("ab") for _ in
                    range(depth or random.randint(1, 3)))

def target():
    return random.choice((path(), "./" + path(), ".", ".", path(1) + "/"))

def member(tf):
    ti, r, data = tarfile.TarInfo(path()), random.random(), None
    ti.mtime = 1700000000
    if r < 0.3:
        ti.type, ti.mode = tarfile.DIRTYPE, 0o755
        if random.random() < 0.3:
            ti.pax_headers = {"SCHILY.xattr.user." + path(1): path(1)}
    elif r < 0.6:
        data = path(1).encode()
        ti.size = len(data)
    elif r < 0.9:
        ti.type, ti.linkname = tarfile.SYMTYPE, target()
    else:
        ti.type, ti.linkname = tarfile.LNKTYPE, path()
    tf.addfile(ti, io.BytesIO(data) if data else None)

tar, x, img, mnt = (f"{work}/{n}" for n in ("r.tar", "rx", "r.img", "rmnt"))
os.makedirs(mnt, exist_ok=True)
for i in range(100):
    with tarfile.open(tar, "w", format=tarfile.PAX_FORMAT) as tf:
        for _ in range(random.randint(3, 12)):
            member(tf)
    shutil.rmtree(x, ignore_errors=True)
    os.mkdir(x)
    g = subprocess.run(["tar", "--xattrs", "--xattrs-include=*", "-xpf",
                        tar, "-C", x], capture_output=True)
    m = subprocess.run([mkfs, "--quiet", "--tar", img, tar],
                       capture_output=True)
    if (g.returncode == 0) != (m.returncode == 0):
        shutil.copy(tar, f"{work}/random-{i}.tar")
        sys.exit(f"case {i}: GNU tar exits {g.returncode} {g.stderr[:200]}"
                 f", mkfs.erofs {m.returncode} {m.stderr[:200]}")
    if g.returncode:
        continue
    subprocess.run(["mount", "-t", "erofs", "-o", "loop,ro", img, mnt],
                   check=True)
    c = subprocess.run([sys.executable, compare, FIELDS, x, mnt],
                       capture_output=True)
    subprocess.run(["umount", mnt], check=True)
    if c.returncode:
        shutil.copy(tar, f"{work}/random-{i}.tar")
        sys.exit(f"case {i}: {c.stdout.decode()[-500:]}")
PY
	fail "an image differs from GNU tar's extraction of a random archive"

# GNU tar says "Cannot open: File exists", "Cannot open: Not a directory",
# ...: it goes on with the next member and exits 2; mkfs.erofs stops
mkdir -p "$WORK/out"
for c in "nonempty|g|'g' would replace a non-empty directory" \
	 "link-nonempty|g|'g' would replace a non-empty directory" \
	 "symlink-nonempty|g|'g' would replace a non-empty directory" \
	 "abs|s/f|'s/f': 's' is a symlink to an absolute or '..' path" \
	 "dotdot|b/s/f|'b/s/f': 'b/s' is a symlink to an absolute or '..' path" \
	 "dangling|s/f|'s/f': 'nowhere' (through symlink 's') is not in the" \
	 "tofile|s/f|'s/f': 'file' (through symlink 's') is not a directory" \
	 "loop|l1/f|'l1/f': 'l1' leads through too many symlinks" \
	 "underfile|file/f|'file/f': 'file' is not a directory"; do
	tag=bad-${c%%|*}
	member=${c#*|}
	member=${member%%|*}
	gnu_extract "$tag"
	[ "$gnu_rc" = 2 ] && grep -qF "tar: $member: Cannot" "$WORK/gx-$tag.err" ||
		fail "$tag: GNU tar exits $gnu_rc: $(cat "$WORK/gx-$tag.err")"
	expect_fail "$WORK/out/new.img" "${c##*|}" -- \
		"$MKFS_EROFS" --tar "$WORK/out/new.img" "$WORK/gt-$tag.tar"
done


note "--aufs"
mkfs_ok --tar --aufs "$WORK/aufs.img" "$WORK/odd-gnu.tar"
mount_image "$WORK/aufs.img" "$WORK/mnt-aufs"
d=$WORK/mnt-aufs
# mode 0 (c---------), as erofs-utils makes them, not the .wh. member's
[ "$(stat -c %F:%t:%T:%a "$d/ovl/deleted")" = "character special file:0:0:0" ] ||
	fail "--aufs: no whiteout device of mode 0: $(stat -c %F:%t:%T:%a "$d/ovl/deleted")"
[ ! -e "$d/ovl/.wh.deleted" ] && [ ! -e "$d/ovl/.wh..wh.plnk" ] &&
[ ! -e "$d/ovl/sub/.wh..wh..opq" ] || fail "--aufs: .wh. names left"
[ "$(getfattr --absolute-names -n trusted.overlay.opaque --only-values \
	"$d/ovl/sub")" = y ] || fail "--aufs: directory not opaque"

# the directory of a whiteout gets an empty trusted.overlay.origin
$PYTHON -c 'import os, sys; assert os.getxattr(sys.argv[1], "trusted.overlay.origin") == b""' \
	"$d/ovl" || fail "--aufs: no trusted.overlay.origin on ovl"

note "overlayfs over the --aufs image hides what its whiteouts name"
if grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null; then
	mkdir -p "$WORK/lower/ovl/sub" "$WORK/merged"
	echo old >"$WORK/lower/ovl/deleted"
	echo old >"$WORK/lower/ovl/sub/hidden"
	mount -t overlay overlay -o "lowerdir=$d:$WORK/lower" "$WORK/merged" ||
		fail "cannot mount overlayfs"
	MOUNTS="$WORK/merged $MOUNTS"
	[ ! -e "$WORK/merged/ovl/deleted" ] || fail "overlay shows a whited-out file"
	[ ! -e "$WORK/merged/ovl/sub/hidden" ] || fail "opaque directory shows lower files"
	[ -f "$WORK/merged/dup" ] || fail "overlay lost a file"
	umount_image "$WORK/merged"
else
	note "no overlayfs: skipped"
fi

note "--ovlfs-strip drops whiteouts and opaque marks, from tar or a directory"
mkfs_ok --tar --aufs --ovlfs-strip "$WORK/strip.img" "$WORK/odd-gnu.tar"
mount_image "$WORK/strip.img" "$WORK/mnt-strip"
d=$WORK/mnt-strip
[ ! -e "$d/ovl/deleted" ] && [ -d "$d/ovl/sub" ] || fail "--ovlfs-strip: whiteout kept"
! getfattr --absolute-names -n trusted.overlay.opaque "$d/ovl/sub" >/dev/null 2>&1 ||
	fail "--ovlfs-strip: opaque kept"
! getfattr --absolute-names -n trusted.overlay.origin "$d/ovl" >/dev/null 2>&1 ||
	fail "--ovlfs-strip: origin added"
mkdir -p "$WORK/wdir/a"
mknod "$WORK/wdir/a/gone" c 0 0
echo keep >"$WORK/wdir/a/kept"
mkfs_ok "$WORK/wdir.img" "$WORK/wdir"
mount_image "$WORK/wdir.img" "$WORK/mnt-wdir"
[ "$(stat -c %F:%t:%T "$WORK/mnt-wdir/a/gone")" = "character special file:0:0" ] ||
	fail "directory source: whiteout lost"
$PYTHON -c 'import os, sys; assert os.getxattr(sys.argv[1], "trusted.overlay.origin") == b""' \
	"$WORK/mnt-wdir/a" || fail "directory source: no origin"
# a/ exists in no lower layer: without the origin mark overlayfs would
# list the whiteout itself as a broken entry
if grep -qw overlay /proc/filesystems; then
	mkdir -p "$WORK/lower2/other" "$WORK/merged2"
	mount -t overlay overlay -o "lowerdir=$WORK/mnt-wdir:$WORK/lower2" \
		"$WORK/merged2" || fail "cannot mount overlayfs"
	MOUNTS="$WORK/merged2 $MOUNTS"
	[ "$(ls -A "$WORK/merged2/a")" = kept ] ||
		fail "overlay lists a whiteout: $(ls -A "$WORK/merged2/a" 2>&1)"
	umount_image "$WORK/merged2"
fi
mkfs_ok --ovlfs-strip "$WORK/wdir2.img" "$WORK/wdir"
mount_image "$WORK/wdir2.img" "$WORK/mnt-wdir2"
[ ! -e "$WORK/mnt-wdir2/a/gone" ] && [ -f "$WORK/mnt-wdir2/a/kept" ] ||
	fail "directory source: --ovlfs-strip kept the whiteout"
[ "$(stat -c %h "$WORK/mnt-wdir2/a")" = 2 ] || fail "link count of a"
if [ -x "$top_builddir/fsck/fsck.erofs" ]; then
	"$top_builddir/fsck/fsck.erofs" "$WORK/wdir2.img" ||
		fail "fsck rejects a stripped image"
	"$top_builddir/fsck/fsck.erofs" "$WORK/strip.img" ||
		fail "fsck rejects a stripped tar image"
fi

note "--exclude-path takes a directory's members with it"
mkfs_ok --tar --exclude-path=a/b --exclude-regex='^dev' \
	"$WORK/ex.img" "$WORK/odd-gnu.tar"
mount_image "$WORK/ex.img" "$WORK/mnt-ex"
[ ! -e "$WORK/mnt-ex/a/b" ] && [ -f "$WORK/mnt-ex/long/$(printf 'n%.0s' $(seq 200))" ] &&
[ ! -e "$WORK/mnt-ex/dev" ] && [ -f "$WORK/mnt-ex/dup" ] ||
	fail "exclusions: $(cd "$WORK/mnt-ex" && find . | head -20)"

note "bad archives: one line, no image"
dest=$WORK/out/new.img
mkdir -p "$WORK/out"
expect_fail "$dest" "cut short" -- "$MKFS_EROFS" --tar "$dest" "$WORK/bad-trunc.tar"
expect_fail "$dest" "checksum|offset 0" -- "$MKFS_EROFS" --tar "$dest" "$WORK/bad-sum.tar"
expect_fail "$dest" "'..'|escape" -- "$MKFS_EROFS" --tar "$dest" "$WORK/bad-dotdot.tar"
expect_fail "$dest" "hard link|missing" -- "$MKFS_EROFS" --tar "$dest" "$WORK/bad-link.tar"
expect_fail "$dest" "longer than" -- "$MKFS_EROFS" --tar "$dest" "$WORK/bad-deep.tar"
expect_fail "$dest" "'./' would replace the root" -- "$MKFS_EROFS" --tar "$dest" "$WORK/bad-rootlink.tar"
expect_fail "$dest" "'f': owner 4294967296:0 out of range" -- "$MKFS_EROFS" --tar "$dest" "$WORK/bad-uid.tar"
expect_fail "$dest" "bad base64|user.x" -- "$MKFS_EROFS" --tar "$dest" "$WORK/bad-b64.tar"
expect_fail "$dest" "'s': symlink target empty" -- "$MKFS_EROFS" --tar "$dest" "$WORK/bad-symlink.tar"
mkdir "$WORK/sp"
truncate -s 1M "$WORK/sp/sparse"
echo end >>"$WORK/sp/sparse"
for f in gnu posix; do
	tar -C "$WORK/sp" --sparse --format=$f -cf "$WORK/bad-sparse.tar" sparse
	expect_fail "$dest" "'sparse': GNU sparse" -- "$MKFS_EROFS" --tar "$dest" "$WORK/bad-sparse.tar"
done
expect_fail "$dest" "'f': invalid ACL" -- "$MKFS_EROFS" --tar "$dest" "$WORK/bad-acl.tar"
expect_fail "$dest" "'h/two': hard link to 'h/one', which is excluded" -- \
	"$MKFS_EROFS" --tar --exclude-path=h/one "$dest" "$WORK/odd-gnu.tar"
expect_fail "$dest" "not a tar" -- "$MKFS_EROFS" --tar "$dest" "$WORK/bad-empty.tar"
expect_fail "$dest" "directory" -- "$MKFS_EROFS" --tar "$dest" "$WORK"
expect_fail "$dest" "cannot open|nope" -- "$MKFS_EROFS" --tar "$dest" "$WORK/nope.tar"
gzip -c "$WORK/odd-gnu.tar" | head -c 300 >"$WORK/bad.tgz"
expect_fail "$dest" "gzip" -- "$MKFS_EROFS" --tar --ungzip "$dest" "$WORK/bad.tgz"
# zeros after the gzip stream are skipped, as gzip -d does; not garbage
(gzip -c "$WORK/odd-gnu.tar"; head -c 1000 /dev/zero) >"$WORK/pad.tgz"
mkfs_ok --tar --ungzip "$WORK/pad.img" "$WORK/pad.tgz"
(gzip -c "$WORK/odd-gnu.tar"; echo garbage) >"$WORK/bad.tgz"
expect_fail "$dest" "bad gzip data" -- "$MKFS_EROFS" --tar --ungzip "$dest" "$WORK/bad.tgz"
expect_fail "$dest" "--tar=f|'i'" -- "$MKFS_EROFS" --tar=i "$dest" "$WORK/odd-gnu.tar"
expect_fail "$dest" "--aufs needs --tar" -- "$MKFS_EROFS" --aufs "$dest" "$WORK"
[ ! -e "$dest" ] || fail "a failed build left $dest"

note "200 damaged archives: exit 0 or 1, never a crash, fsck takes the image"
$PYTHON - "$MKFS_EROFS" "$WORK" "$top_builddir/fsck/fsck.erofs" <<'PY' ||
import os, random, subprocess, sys
mkfs, work, fsck = sys.argv[1:]
random.seed(20261126)
good = open(f"{work}/odd-pax.tar", "rb").read()
heads = [o for o in range(0, len(good), 512) if good[o + 257:o + 262] == b"ustar"]
# header fields, and values that a checksum alone would not stop
FIELDS = ((0, 100), (100, 8), (108, 8), (124, 12), (136, 12), (156, 1),
          (157, 100), (329, 8), (337, 8), (345, 155))
VALUES = (b"", b".", b"/", b"./", b"..", b"x/", b"dup", b"h/one", b"d",
          b"0", b"1", b"2", b"5", b"D", b"L", b"x", b"g", b"S",
          b"\x80" + b"\xff" * 11, b"\xff" * 12, b"77777777777", b" " * 12)

def edit_header(b):
    o = random.choice(heads)
    f, n = random.choice(FIELDS)
    b[o + f:o + f + n] = random.choice(VALUES)[:n].ljust(n, b"\0")
    b[o + 148:o + 156] = b" " * 8
    b[o + 148:o + 156] = b"%06o\0 " % sum(b[o:o + 512])

for i in range(200):
    b = bytearray(good)
    for _ in range(random.randint(1, 6)):
        if i % 2:
            edit_header(b)
        else:
            b[random.randrange(len(b))] = random.randrange(256)
    open(f"{work}/fz.tar", "wb").write(b)
    r = subprocess.run(["timeout", "30", mkfs, "--quiet", "--tar", "--aufs",
                        f"{work}/fz.img", f"{work}/fz.tar"],
                       capture_output=True)
    err = r.stderr.decode(errors="replace")
    if r.returncode not in (0, 1) or "Sanitizer" in err or \
            "runtime error" in err or err.count("\n") > 1:
        open(f"{work}/fz-crash.tar", "wb").write(b)
        sys.exit(f"case {i}: exit {r.returncode}: {err[-400:]}")
    if r.returncode == 0 and i % 4 == 1 and os.access(fsck, os.X_OK):
        f = subprocess.run([fsck, f"{work}/fz.img"], capture_output=True)
        if f.returncode:
            sys.exit(f"case {i}: fsck: {f.stdout[-300:]} {f.stderr[-300:]}")
PY
	fail "mkfs crashed on a damaged archive, or made a bad image"
echo "PASS: $T_NAME"
