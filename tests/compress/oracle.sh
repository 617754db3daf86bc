#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# The kernel as the oracle of our reader (issue 12).  For images made by
# other mkfs implementations -- the fixtures of tests/compress/fixtures,
# made with erofs-utils 1.9.3 over every algorithm and -E option at
# 512..4096-byte blocks, and images Debian's mkfs.erofs 1.5 makes here --
# the kernel's mount is the truth: every regular file read through it
# must equal, byte for byte, what our fsck.erofs --extract writes and
# what our dump.erofs --cat prints, and our fsck must find the
# fingerprints of the images that have them right.  An algorithm this
# reader cannot decode (deflate) must be refused, never read wrong.
. "$(dirname "$0")/common.sh"

FSCK_EROFS=${FSCK_EROFS:-$top_builddir/fsck/fsck.erofs}
DUMP_EROFS=${DUMP_EROFS:-$top_builddir/dump/dump.erofs}
FIXTURES=$top_srcdir/tests/compress/fixtures
DEBIAN_MKFS=/usr/bin/mkfs.erofs

need_kernel_mount
command -v xz >/dev/null || skip "no xz to unpack the fixtures"
setup

IMAGES=0
FILES=0
DIFFS=0

differs() {
	echo "DIFF: $1: $2" >&2
	DIFFS=$((DIFFS + 1))
}

# files --cat reads too (one process each, so not all of them): those
# that end in short uncompressed pclusters, in the file or in the packed
# inode, partial dedupe references and the longest file
CAT_FILES="a r0 r1 r2 r3 issue12/r0 issue12/r3 b0512/m0 b0512/m2 b0512/n b1024/m1
b1024/n b4096/m2 b4096/n dup/x dup/z text/big zero/z"

# every file under the mount against our extraction, some against --cat
compare_files() {
	local name=$1 img=$2 out=$3 f n

	n=$(find "$MNT" -type f | wc -l)
	FILES=$((FILES + n))
	[ "$n" -gt 0 ] || differs "$name" "no files under the mount"
	diff -rq --no-dereference "$MNT" "$out" >"$WORK/diff.log" 2>&1 ||
		while read -r line; do
			differs "$name" "fsck --extract: $line"
		done <"$WORK/diff.log"
	for f in $CAT_FILES; do
		[ -f "$MNT/$f" ] || continue
		"$DUMP_EROFS" --cat --path="/$f" "$img" 2>/dev/null |
			cmp -s "$MNT/$f" - ||
			differs "$name" "dump --cat printed other bytes for $f"
	done
}

# an image our reader must read as the kernel does
check_readable() {
	local name=$1 img=$2 out=$WORK/out rc=0

	rm -rf "$out"
	"$FSCK_EROFS" --extract="$out" "$img" >"$WORK/fsck.log" 2>&1 || rc=$?
	[ $rc = 0 ] || differs "$name" "fsck.erofs --extract exits $rc: $(head -n1 "$WORK/fsck.log")"
	mount -o loop,ro "$img" "$MNT" || fail "$name: the kernel cannot mount it"
	compare_files "$name" "$img" "$out"
	umount "$MNT"
	if "$DUMP_EROFS" -s "$img" | grep -q ishare_xattrs; then
		"$FSCK_EROFS" --xattr-inode-digest "$img" >"$WORK/fsck.log" 2>&1 ||
			differs "$name" "fingerprints: $(head -n1 "$WORK/fsck.log")"
	fi
}

# deflate: refused by fsck and --cat, never extracted wrong
check_refused() {
	local name=$1 img=$2 f

	if "$FSCK_EROFS" --extract="$WORK/out" "$img" >/dev/null 2>&1; then
		differs "$name" "fsck.erofs accepts an algorithm it cannot decode"
	fi
	mount -o loop,ro "$img" "$MNT" || fail "$name: the kernel cannot mount it"
	f=./text/big
	"$DUMP_EROFS" --cat --path="${f#.}" "$img" >/dev/null 2>&1 &&
		differs "$name" "dump --cat prints ${f#./} of an algorithm it cannot decode"
	umount "$MNT"
	rm -rf "$WORK/out"
}

check_image() {
	IMAGES=$((IMAGES + 1))
	case $1 in
	deflate-*)	check_refused "$@" ;;
	*)		check_readable "$@" ;;
	esac
}

for fx in "$FIXTURES"/*.img.xz; do
	name=$(basename "$fx" .img.xz)
	xz -dc "$fx" > "$WORK/img"
	check_image "$name" "$WORK/img"
done
[ $IMAGES -ge 30 ] || fail "only $IMAGES fixtures under $FIXTURES"

# Debian's erofs-utils 1.5, made here: its lz4 layouts (4 KiB blocks only)
if [ -x "$DEBIAN_MKFS" ]; then
	"$PYTHON" "$top_srcdir/tests/gen_tree.py" --shape=tails "$WORK/src"
	while read -r opts; do
		# shellcheck disable=SC2086
		"$DEBIAN_MKFS" --quiet -T 1700000000 $opts "$WORK/deb.img" \
			"$WORK/src" >/dev/null 2>&1 || fail "mkfs.erofs 1.5 $opts"
		check_image "debian-1.5 $opts" "$WORK/deb.img"
	done <<-OPTS
	-zlz4
	-zlz4hc -C65536
	-zlz4 -Eztailpacking
	-zlz4hc,12 -C16384 -Eztailpacking
	-zlz4 -Elegacy-compress
	-zlz4hc -Enoinline_data
	OPTS
fi

echo "$T_NAME: $IMAGES images, $FILES files, $DIFFS differences from the kernel"
[ $DIFFS = 0 ] || fail "$DIFFS differences from the kernel"
