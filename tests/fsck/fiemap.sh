#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Our reader maps every file where the kernel does.  For images built by
# our mkfs (uncompressed, lz4, lz4hc, lzma, zstd; full and compact
# indexes, ztailpacking, fragments, dedupe, big pclusters; blocks of 512
# to 4096 bytes) over a tree of varied file sizes, mount each one and
# compare, for every regular file, the kernel's FIEMAP extents with the
# extent map of dump.erofs -e (tests/fsck/fiemap.py says how they must
# agree).  The comparer is first shown to catch one extent of our map
# that is off in its physical or logical offset, its length or its kind.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
: "${DUMP_EROFS:=$top_builddir/dump/dump.erofs}"
FIEMAP="$PYTHON $TESTS_DIR/fsck/fiemap.py"

need_kernel_mount
need_mkfs
[ -x "$DUMP_EROFS" ] || fail "no dump.erofs at $DUMP_EROFS"
make_work
$PYTHON "$TESTS_DIR/gen_tree.py" --shape=compress "$WORK/src" --small --xattrs

# compare IMAGE MNT [--perturb KIND]: the comparer's output in $WORK/log;
# of the 200 files of small/, alike but for their sizes, one in three
# one file in 3 of a big directory; one in 9 in the sanitizer build, where
# each dump.erofs run costs several times more (see sample in build-kind.sh)
thin=3
in_sanitizer_build && thin=9
compare() {
	$FIEMAP "$DUMP_EROFS" "$@" --thin $thin >"$WORK/log" 2>&1
}

# the options of each image; the comparer is checked on the first four
OPTS="
-b1024 -Enoinline_data
-zlz4hc -C16384 -Elegacy-compress,ztailpacking
-zzstd -C131072 -Efragments,dedupe
-zlz4 -b512 -C4096 -Eztailpacking
-Eforce-inode-extended
-zlz4
-zlz4hc -Eztailpacking
-zlzma,0 -C65536 -Efragments
-zlzma,0 -Eall-fragments
-zzstd -b1024 -C8192 -Eztailpacking,dedupe
-zzstd -b2048 -C65536 -Elegacy-compress,fragments"
PERTURB=(length physical logical inline)

n=0 total=0
while read -r opts; do
	[ -n "$opts" ] || continue
	n=$((n + 1))
	img=$WORK/f$n.img mnt=$WORK/mnt$n
	# shellcheck disable=SC2086
	mkfs_ok -T100000 -U 01234567-89ab-cdef-0123-456789abcdef $opts \
		"$img" "$WORK/src"
	mount_image "$img" "$mnt"
	kind=${PERTURB[n - 1]:-}
	if [ -n "$kind" ]; then
		compare "$img" "$mnt" --perturb "$kind" ||
			{ head -40 "$WORK/log"; fail "$opts"; }
		grep -q "^a wrong $kind in our map of .*: caught$" "$WORK/log" ||
			fail "$opts: no check of a wrong $kind"
		grep -q 'differ$' "$WORK/log" ||
			fail "$opts: the wrong $kind names no file"
	else
		compare "$img" "$mnt" || { head -40 "$WORK/log"; fail "$opts"; }
	fi
	umount_image "$mnt"
	rm -f "$img"
	caught=$(grep '^a wrong' "$WORK/log" || true)
	note "$opts: ${caught:+$caught; }$(tail -n1 "$WORK/log")"
	summary=$(tail -n1 "$WORK/log")
	summary=${summary#*files, }
	total=$((total + ${summary%% extents*}))
	tail -n1 "$WORK/log" | sed 's/[,()]/\n/g' >>"$WORK/kinds"
done <<EOF
$OPTS
EOF

# every kind of extent was compared somewhere
for kind in plain inline compressed ztail fragment; do
	grep -q "[0-9] $kind\$" "$WORK/kinds" ||
		fail "no image gave a $kind extent to compare"
done
echo "ok: $total extents of $n images, kernel and dump.erofs -e agree"
