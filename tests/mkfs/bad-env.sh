#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Failures that need root to set up: files mkfs may not read (mkfs run as
# nobody through setpriv), a destination it may not write, and a
# destination on a full filesystem.  Each: exit 1, one line naming the path
# and the cause, nothing new at the destination, an existing file intact.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
need_root
need_cmd setpriv
make_work
nobody="setpriv --reuid=65534 --regid=65534 --clear-groups --"
$nobody true || skip "cannot run as nobody"
$nobody test -x "$MKFS_EROFS" || skip "nobody cannot run $MKFS_EROFS"

make_src() {
	rm -rf "$WORK/src"
	mkdir -p "$WORK/src/d"
	head -c 5000 /dev/urandom >"$WORK/src/d/secret"
	echo open >"$WORK/src/public"
}

note "unreadable file"
make_src
chmod 000 "$WORK/src/d/secret"
dest=$(existing_dest "$WORK/out")
chown -R 65534:65534 "$WORK/out"
expect_fail "$dest" "$WORK/src/d/secret|Permission denied" \
	$nobody "$MKFS_EROFS" --quiet "$dest" "$WORK/src"
expect_fail "$WORK/out/new.img" "$WORK/src/d/secret|Permission denied" \
	$nobody "$MKFS_EROFS" --quiet "$WORK/out/new.img" "$WORK/src"

note "unreadable directory"
make_src
chmod 000 "$WORK/src/d"
expect_fail "$dest" "$WORK/src/d|Permission denied" \
	$nobody "$MKFS_EROFS" --quiet "$dest" "$WORK/src"

note "destination directory not writable"
make_src
mkdir -p "$WORK/ro"
dest_ro=$(existing_dest "$WORK/ro")
chmod 755 "$WORK/ro"
expect_fail "$dest_ro" "$WORK/ro/|Permission denied" \
	$nobody "$MKFS_EROFS" --quiet "$dest_ro" "$WORK/src"

note "destination on a full filesystem"
make_src
head -c 3000000 /dev/urandom >"$WORK/src/big"
head -c 3000000 /dev/urandom >"$WORK/src/big2"
mkdir -p "$WORK/full"
mount -t tmpfs -o size=64k tmpfs "$WORK/full"
MOUNTS="$WORK/full $MOUNTS"
dest_full=$(existing_dest "$WORK/full")
expect_fail "$dest_full" "$dest_full|No space left" \
	"$MKFS_EROFS" --quiet "$dest_full" "$WORK/src"
expect_fail "$WORK/full/new.img" "$WORK/full/new.img|No space left" \
	"$MKFS_EROFS" --quiet "$WORK/full/new.img" "$WORK/src"
# two workers, each writing a big file, both hit the full disk: still one
# line (they once printed one each)
for i in 1 2 3; do
	expect_fail "$dest_full" "$dest_full|No space left" \
		"$MKFS_EROFS" --quiet --workers=2 "$dest_full" "$WORK/src"
done

# an existing destination that is neither a regular file nor a block
# device is refused before any work: renaming over it would replace the
# node (as root, `mkfs.erofs /dev/null SRC` once replaced /dev/null)
note "destination is a character device, a FIFO or a directory"
make_src
mkdir -p "$WORK/nodes/dir"
mknod "$WORK/nodes/null" c 1 3
mkfifo "$WORK/nodes/fifo"
for n in null fifo dir; do
	expect_fail "$WORK/nodes/$n" "$WORK/nodes/$n|not a regular file" \
		timeout 10 "$MKFS_EROFS" --quiet "$WORK/nodes/$n" "$WORK/src"
done
[ -c "$WORK/nodes/null" ] || fail "the character device was replaced"
[ "$(stat -c %t:%T "$WORK/nodes/null")" = 1:3 ] || fail "device changed"
[ -p "$WORK/nodes/fifo" ] || fail "the FIFO was replaced"
