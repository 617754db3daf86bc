# SPDX-License-Identifier: GPL-2.0+
# Sourced by tests/compress/*.sh: build compressed images, prove them with
# the kernel (mount and compare) and with Debian's fsck.erofs 1.5.
# Exit codes follow automake: 0 pass, 77 skip, 99 hard error, else fail.

set -eu

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MKFS_EROFS:=$top_builddir/mkfs/mkfs.erofs}"
: "${PYTHON:=python3}"
# the peer we compare with, never ours
DEBIAN_FSCK=/usr/bin/fsck.erofs
T_NAME=$(basename "$0" .sh)
WORK=
MNT=

skip() { echo "SKIP: $T_NAME: $*"; exit 77; }
fail() { echo "FAIL: $T_NAME: $*" >&2; exit 1; }

need_kernel_mount() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -e /dev/loop-control ] || skip "no /dev/loop-control"
	grep -qw erofs /proc/filesystems 2>/dev/null ||
		modprobe erofs 2>/dev/null || true
	grep -qw erofs /proc/filesystems || skip "kernel cannot mount erofs"
	losetup -f >/dev/null 2>&1 || skip "no free loop device"
}

cleanup() {
	set +e
	[ -n "$MNT" ] && mountpoint -q "$MNT" && umount "$MNT"
	[ -n "$WORK" ] && rm -rf "$WORK"
}

setup() {
	[ -x "$MKFS_EROFS" ] || { echo "no mkfs.erofs at $MKFS_EROFS"; exit 99; }
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/erofs-$T_NAME.XXXXXX")
	trap cleanup EXIT
	MNT=$WORK/mnt
	mkdir "$MNT"
}

# gen_tree DIR [--small|--tiny] [--xattrs]: the compress shape
gen_tree() {
	"$PYTHON" "$top_srcdir/tests/gen_tree.py" --shape=compress "$@"
}

mkfs() {
	"$MKFS_EROFS" --quiet -T 1700000000 --mkfs-time -U 11111111-2222-3333-4444-555555555555 "$@"
}

# what a tree looks like, path by path, contents included
tree_listing() {
	(cd "$1" && find . -printf '%p %y %m %U %G %n %T@ %l\n' | sort &&
	 find . -type f -printf '%p %s\n' | sort &&
	 find . -type f -print0 | sort -z | xargs -0 -r sha256sum &&
	 find . -print0 | sort -z |
	 xargs -0 getfattr -h -d -m '^user\.' 2>/dev/null)
}

# roundtrip IMG SRC: the kernel shows exactly SRC
roundtrip() {
	local img=$1 src=$2

	mount -o loop,ro "$img" "$MNT" || fail "$img does not mount"
	if ! diff <(tree_listing "$src") <(tree_listing "$MNT") >"$WORK/diff"
	then
		head -20 "$WORK/diff" >&2
		umount "$MNT"
		fail "$img: the kernel shows something else than $src"
	fi
	umount "$MNT"
}

# fsck_extracts FSCK WHO IMG SRC: FSCK --extract accepts IMG and gives
# back SRC; WHO names it in the failure
fsck_extracts() {
	local fsck=$1 who=$2 img=$3 src=$4 out=$WORK/extract

	rm -rf "$out"
	"$fsck" --extract="$out" "$img" >"$WORK/fsck.log" 2>&1 ||
		{ cat "$WORK/fsck.log" >&2; fail "$img: $who refuses it"; }
	diff -r --no-dereference "$src" "$out" >/dev/null ||
		fail "$img: $who extracts something else"
	rm -rf "$out"
}

# debian_fsck IMG SRC: fsck.erofs 1.5 accepts IMG and extracts SRC
debian_fsck() {
	[ -x "$DEBIAN_FSCK" ] || { echo "no $DEBIAN_FSCK: not checked"; return 0; }
	fsck_extracts "$DEBIAN_FSCK" "fsck.erofs 1.5" "$1" "$2"
}

# superblock incompat features of IMG
sb_incompat() {
	od -An -tu4 -j $((1024 + 0x50)) -N4 "$1" | tr -d ' '
}

# our_fsck IMG SRC: our fsck.erofs accepts IMG and extracts SRC
our_fsck() {
	fsck_extracts "${FSCK_EROFS:-$top_builddir/fsck/fsck.erofs}" \
		"our fsck.erofs" "$1" "$2"
}

# peer_fsck IMG SRC: the fsck.erofs named by $EROFS_PEER_FSCK (say,
# erofs-utils 1.9.3's) accepts IMG and extracts SRC; unchecked without it
peer_fsck() {
	[ -n "${EROFS_PEER_FSCK:-}" ] && [ -x "$EROFS_PEER_FSCK" ] ||
		{ echo "no \$EROFS_PEER_FSCK: not checked"; return 0; }
	fsck_extracts "$EROFS_PEER_FSCK" "$EROFS_PEER_FSCK" "$1" "$2"
}

# peer_check IMG: the fsck.erofs named by $EROFS_PEER_FSCK accepts IMG
# (erofs-utils 1.9.3's --extract writes the packed inode where the tree
# should go, even for its own images: checked without extracting)
peer_check() {
	[ -n "${EROFS_PEER_FSCK:-}" ] && [ -x "$EROFS_PEER_FSCK" ] ||
		{ echo "no \$EROFS_PEER_FSCK: not checked"; return 0; }
	"$EROFS_PEER_FSCK" "$1" >"$WORK/fsck.log" 2>&1 ||
		{ cat "$WORK/fsck.log" >&2; fail "$1: $EROFS_PEER_FSCK refuses it"; }
}
