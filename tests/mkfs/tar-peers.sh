#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# mkfs.erofs --tar reads what other tar producers write: GNU tar (v7,
# oldgnu, gnu, posix with xattrs, ACLs and SELinux labels), bsdtar
# (ustar, gnutar, pax with LIBARCHIVE.xattr records, v7), busybox tar
# and Python's tarfile (USTAR, GNU, PAX).  For every archive the image, mounted, must equal
# what GNU tar extracts from the same archive (bsdtar from its own:
# it may store a directory long before a member inside it, and GNU tar
# then sets the directory's mtime too early).
# A missing optional producer (bsdtar: libarchive-tools; busybox) is
# skipped, and then the test reports a skip after checking the others.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
need_kernel_mount
need_cmd tar setfattr setfacl mknod
make_work
missing=

# --- one small tree with what the formats differ on -----------------------
S=$WORK/src
mkdir -p "$S/dir/sub" "$S/empty-dir" "$S/acl-dir" "$S/sticky"
head -c 5000 /dev/urandom >"$S/file"
: >"$S/empty"
echo deep >"$S/dir/sub/deep"
ln "$S/file" "$S/dir/hard"
ln -s ../file "$S/dir/sym"
long=$(printf 'n%.0s' $(seq 120))
mkdir -p "$S/$long"
echo long >"$S/$long/$(printf 'f%.0s' $(seq 130))"
ln -s "$(printf 't%.0s' $(seq 150))" "$S/longsym"
mknod "$S/null" c 1 3
mknod "$S/sda" b 8 0
mkfifo "$S/fifo"
echo own >"$S/owned"
chown 1234:5678 "$S/owned"
echo big >"$S/big-uid"
chown 3000000000:3000000001 "$S/big-uid"
chmod 4755 "$S/file"
chmod 1777 "$S/sticky"
setfattr -n user.one -v 1 "$S/file"
setfattr -n user.bin -v 0x00ff10 "$S/dir/sub/deep"
setfattr -n trusted.t -v trusted "$S/owned"
setfattr -n security.selinux -v system_u:object_r:etc_t:s0 "$S/file"
setfattr -n security.capability -v 0x0100000200200000000000000000000000000000 \
	"$S/dir/sub/deep"
setfacl -m u:1234:r-x,g:5678:rw- "$S/owned"
setfacl -d -m u:1234:rwx "$S/acl-dir"
touch -d '2023-01-02 03:04:05.123456789' "$S/file" "$S/dir/sub/deep"
touch -d '1960-06-01 00:00:00' "$S/empty"
for d in "$S/dir/sub" "$S/dir" "$S/$long" "$S"; do
	touch -d '2024-02-03 04:05:06' "$d"
done

# check NAME ARCHIVE [EXTRACTOR]: our image equals the extraction
check() {
	local name=$1 ar=$2 ex=${3:-gnu} x=$WORK/x-$1 img=$WORK/$1.img

	[ -s "$ar" ] || fail "$name: the producer wrote nothing"
	mkdir "$x"
	if [ "$ex" = bsd ]; then
		# bsdtar sets no time on the "./" it extracts into
		bsdtar --xattrs --acls --numeric-owner -xpf "$ar" -C "$x" \
			2>"$WORK/ex.err" && touch -r "$S" "$x"
	else
		tar --xattrs --xattrs-include='*' --acls --selinux --numeric-owner \
			-xpf "$ar" -C "$x" 2>"$WORK/ex.err"
	fi || note "$name: extraction complained: $(head -c 300 "$WORK/ex.err")"
	mkfs_ok --tar=f "$img" "$ar"
	mount_image "$img" "$WORK/mnt"
	$COMPARE "$x" "$WORK/mnt" || fail "$name: the image differs from extraction"
	umount_image "$WORK/mnt"
	if [ -x "$top_builddir/fsck/fsck.erofs" ]; then
		"$top_builddir/fsck/fsck.erofs" "$img" >/dev/null ||
			fail "$name: our fsck.erofs rejects the image"
	fi
	rm -rf "$x" "$img" "$ar"
}

note "GNU tar"
for f in v7 oldgnu gnu ustar; do
	(cd "$S" && tar --format=$f -cf "$WORK/a.tar" . 2>/dev/null) || true
	check "gnu-$f" "$WORK/a.tar"
done
# the label both as SCHILY.xattr and RHT: extraction sets RHT's last
(cd "$S" && tar --format=posix --xattrs --xattrs-include='*' --acls \
	--selinux -cf "$WORK/a.tar" .) || fail "GNU tar --format=posix failed"
grep -qa SCHILY.acl.access "$WORK/a.tar" && grep -qa SCHILY.xattr.user.one "$WORK/a.tar" ||
	fail "GNU tar wrote no ACL or xattr records"
check gnu-posix "$WORK/a.tar"
# --selinux alone writes the label as RHT.security.selinux
(cd "$S" && tar --format=posix --selinux -cf "$WORK/a.tar" .) ||
	fail "GNU tar --selinux failed"
grep -qa RHT.security.selinux "$WORK/a.tar" || fail "GNU tar wrote no label"
check gnu-selinux "$WORK/a.tar"

note "Python tarfile"
for f in USTAR GNU PAX; do
	$PYTHON - "$S" "$WORK/a.tar" "$f" <<'PY' || fail "tarfile $f failed"
import sys, tarfile
src, out, fmt = sys.argv[1:]
with tarfile.open(out, "w", format=getattr(tarfile, fmt + "_FORMAT")) as tf:
    tf.add(src, arcname=".", recursive=False)
    for name in sorted(__import__("os").listdir(src)):
        try:
            tf.add(f"{src}/{name}", arcname=name)
        except ValueError:      # a name or number the format cannot hold
            pass
PY
	check "py-$f" "$WORK/a.tar"
done

if command -v bsdtar >/dev/null; then
	note "bsdtar"
	for f in ustar gnutar v7; do
		(cd "$S" && bsdtar --format=$f -cf "$WORK/a.tar" . 2>/dev/null) || true
		check "bsd-$f" "$WORK/a.tar" bsd
	done
	(cd "$S" && bsdtar --format=pax --xattrs --acls -cf "$WORK/a.tar" .) ||
		fail "bsdtar --format=pax failed"
	grep -qa LIBARCHIVE.xattr.user.bin "$WORK/a.tar" ||
		fail "bsdtar wrote no LIBARCHIVE.xattr record"
	check bsd-pax "$WORK/a.tar" bsd
else
	note "no bsdtar (libarchive-tools): skipped"
	missing="$missing bsdtar"
fi

if command -v busybox >/dev/null && busybox tar --help >/dev/null 2>&1; then
	note "busybox tar"
	(cd "$S" && busybox tar -cf "$WORK/a.tar" . 2>/dev/null) || true
	check busybox "$WORK/a.tar"
else
	note "no busybox: skipped"
	missing="$missing busybox"
fi

[ -z "$missing" ] || skip "not checked:$missing"
echo "PASS: $T_NAME"
