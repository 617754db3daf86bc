#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
# Regenerate tests/fsck/fixtures: small images, each damaged in one named
# way, with the fsck output they must give (e2fsprogs tests/f_* style).
# Run from the top build directory: srcdir=.. ../tests/fsck/make-fixtures.sh
# (FIXTURES_OUT=DIR: write them there instead).  Review every expect file
# before committing it.
. "${top_srcdir:-${srcdir:-.}}/tests/fsck/common.sh"

out=${FIXTURES_OUT:-$srcdir/tests/fsck/fixtures}
src=$tmp/src
mkdir -p "$src/d/e"
printf 'hello\n' >"$src/a"
python3 -c "import sys; sys.stdout.write(''.join('%06d\n' % i for i in range(900)))" >"$src/d/b"
ln -s a "$src/lnk"
ln "$src/d/b" "$src/hl"
mkfifo "$src/fifo"
setfattr -n user.x -v 1 "$src/a" 2>/dev/null || :
base=$tmp/base.img
"$MKFS" --quiet --ishare_key -T1000000 -U 01234567-89ab-cdef-0123-456789abcdef \
	"$base" "$src" >/dev/null || fail mkfs

# fixture NAME "what it is" PATCH-ARGS... (none: the image as built)
fixture() {
	name=$1 what=$2
	shift 2
	dir=$out/$name
	mkdir -p "$dir"
	cp "$base" "$tmp/f.img"
	[ $# = 0 ] || python3 "$TESTDIR/patch.py" "$tmp/f.img" "$@" || fail "$name"
	gzip -9n <"$tmp/f.img" >"$dir/image.gz"
	echo "$what" >"$dir/name"
	rc=0
	"$FSCK" "$tmp/f.img" >"$dir/expect" 2>&1 || rc=$?
	echo "Exit status is $rc" >>"$dir/expect"
	echo "$name: $(head -1 "$dir/expect")"
}

fixture f_clean "clean image with fingerprints"
fixture f_sb_checksum "superblock checksum changed" byte 1028 0x01
fixture f_sb_magic "superblock magic changed" byte 1024 0x01
fixture f_sb_incompat "unknown incompat feature" sb 0x50 '<I' 0x10040
fixture f_sb_inodes "inode count too high" sb 0x10 '<Q' 99
fixture f_dirent_self "dirent pointing at its own directory" nid /d/e "$(python3 -c "
import sys; sys.path.insert(0, '$srcdir/tests'); import erofs_parse as E
print(E.Image.open('$base').walk()[b'd'].nid)")"
fixture f_dirent_range "dirent nid past the image end" nid /d/b 1099511627776
fixture f_dir_cycle "subdirectory pointing at the root" nid /d/e "$(python3 -c "
import sys; sys.path.insert(0, '$srcdir/tests'); import erofs_parse as E
print(E.Image.open('$base').root_nid)")"
fixture f_name_slash "name with a slash" rename /lnk l/k
fixture f_name_order "names out of order" rename /hl aa
fixture f_nlink "hard link count too low" nlink /a 0
fixture f_fp_value "fingerprint value changed" fpvalue /d/b
fixture f_data "file data changed" data /d/b
fixture f_sb_epoch "build time so late that an inode's mtime overflows" \
	sb 0x18 '<q' 0x7fffffffffffff00 -- inode /a mtime 0x1000

# a directory of several blocks whose data is one hole
mkdir -p "$tmp/big/big"
for i in $(seq -w 1 300); do
	echo "$i" >"$tmp/big/big/file_with_a_long_name_$i"
done
base=$tmp/big.img
"$MKFS" --quiet -T1000000 -U 01234567-89ab-cdef-0123-456789abcdef \
	"$base" "$tmp/big" >/dev/null || fail mkfs
fixture f_dir_hole "directory of 3 blocks, all a hole" \
	inode /big format 0 -- inode /big u 0xffffffff

# a compressed file of 12 MiB of zeros (three 4 MiB extents, 512-byte
# blocks) made a directory: once decoded per block, 24576 times
mkdir -p "$tmp/zdir"
head -c 12582912 /dev/zero >"$tmp/zdir/z"
base=$tmp/zdir.img
"$MKFS" --quiet -T1000000 -U 01234567-89ab-cdef-0123-456789abcdef \
	-b512 -zlz4hc -C65536 "$base" "$tmp/zdir" >/dev/null || fail mkfs
fixture f_zdir_extent "compressed directory: 24576 blocks in 3 extents" \
	inode /z mode 0o40755 -- ftype /z 2

# every fuzz finding (tests/fuzz/findings/TARGET/NAME), the input as
# found: what fsck must say of an image that once crashed or stalled a
# fuzz target (its exit code and lines, not only that it ends)
findings=$srcdir/tests/fuzz/findings
base=$findings/inode/slow-dir-fragment-read-per-block
fixture f_zdir_fragment \
	"fuzzed: directory of 4 GiB whose fragment is past the packed inode"
base=$findings/inode/timeout-zdir-decoded-per-block
fixture f_fuzz_zdir_per_block \
	"fuzzed: compressed directory once decoded whole for each block"
base=$findings/dir/timeout-dir-named-twice
fixture f_fuzz_dir_named_twice \
	"fuzzed: directory named by several dirents (walked once per dirent)"
base=$findings/zmap/slow-walk-repeats
fixture f_fuzz_walk_repeats \
	"fuzzed: directories named by several dirents (the zmap target's walk)"

if [ -x "$DEB_MKFS" ]; then
	base=$tmp/deb.img
	"$DEB_MKFS" --quiet --chunksize=4096 -T1000000 \
		-U 01234567-89ab-cdef-0123-456789abcdef "$base" "$src" \
		>/dev/null 2>&1 || fail "$DEB_MKFS"
	fixture f_debian_chunked "Debian mkfs.erofs 1.5 --chunksize=4096"
	"$DEB_MKFS" --quiet -zlz4hc -T1000000 \
		-U 01234567-89ab-cdef-0123-456789abcdef "$base" "$src" \
		>/dev/null 2>&1 || fail "$DEB_MKFS"
	fixture f_debian_lz4hc "Debian mkfs.erofs 1.5 -zlz4hc: clean"
fi
