#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# The erofs-utils 1.8/1.9 mkfs options added for drop-in use: each one is
# mounted (or compared byte for byte with the image of the option it
# stands for), and the options that are refused must say "not supported"
# in one line and leave the destination alone.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
need_kernel_mount
FSCK=${FSCK_EROFS:-$top_builddir/fsck/fsck.erofs}
make_work
$GEN_TREE "$WORK/src" >/dev/null
# fixed time and UUID: equal options give equal bytes
PIN="-T 1000000 --mkfs-time -U 6ba7b810-9dad-11d1-80b4-00c04fd430c8"

# same_image NAME "ARGS A" "ARGS B": both builds give the same bytes
same_image() {
	# shellcheck disable=SC2086
	mkfs_ok $PIN $2 "$WORK/a.img" "$WORK/src"
	# shellcheck disable=SC2086
	mkfs_ok $PIN $3 "$WORK/b.img" "$WORK/src"
	cmp -s "$WORK/a.img" "$WORK/b.img" ||
		fail "$1: '$2' and '$3' give different images"
	note "$1: '$2' = '$3'"
}

# differ NAME "ARGS A" "ARGS B": the two builds must differ (the test of
# same_image would otherwise prove nothing)
differ() {
	# shellcheck disable=SC2086
	mkfs_ok $PIN $2 "$WORK/a.img" "$WORK/src"
	# shellcheck disable=SC2086
	mkfs_ok $PIN $3 "$WORK/b.img" "$WORK/src"
	! cmp -s "$WORK/a.img" "$WORK/b.img" ||
		fail "$1: '$2' and '$3' give the same image"
}

compat() {
	$PARSE sb "$1" | sed -n 's/.*"feature_compat": \([0-9]*\),/\1/p'
}

note "--offset: zeroes, then the very image; mount and fsck at the offset"
mkfs_ok $PIN "$WORK/plain.img" "$WORK/src"
head -c 100000 /dev/urandom >"$WORK/off.img"	# replaced, not patched
mkfs_ok $PIN --offset=12288 "$WORK/off.img" "$WORK/src"
size=$(stat -c %s "$WORK/plain.img")
[ "$(stat -c %s "$WORK/off.img")" = $((size + 12288)) ] ||
	fail "--offset: size $(stat -c %s "$WORK/off.img"), want $((size + 12288))"
cmp -s <(head -c 12288 "$WORK/off.img") <(head -c 12288 /dev/zero) ||
	fail "--offset: the first 12288 bytes are not zero"
cmp -s <(tail -c +12289 "$WORK/off.img") "$WORK/plain.img" ||
	fail "--offset: the image after the offset differs from the plain one"
"$FSCK" --offset=12288 "$WORK/off.img" || fail "--offset: fsck failed"
"$FSCK" "$WORK/off.img" 2>/dev/null && fail "--offset: fsck at 0 passed"
mkdir -p "$WORK/mnt-off"
mount -t erofs -o loop,ro,offset=12288 "$WORK/off.img" "$WORK/mnt-off" ||
	fail "--offset: cannot mount at offset 12288"
MOUNTS="$WORK/mnt-off $MOUNTS"
$COMPARE "$WORK/src" "$WORK/mnt-off" || fail "--offset: mount differs"
umount_image "$WORK/mnt-off"
# an offset that is no multiple of the block size, and hex
mkfs_ok $PIN --offset=0x1001 "$WORK/odd.img" "$WORK/src"
cmp -s <(tail -c +4098 "$WORK/odd.img") "$WORK/plain.img" ||
	fail "--offset=0x1001: image differs"
"$FSCK" --offset=4097 "$WORK/odd.img" || fail "--offset=0x1001: fsck failed"
# compressed: spill copies and index writes land at the offset too
mkfs_ok $PIN -zlz4 -Efragments,dedupe "$WORK/z.img" "$WORK/src"
mkfs_ok $PIN -zlz4 -Efragments,dedupe --offset=8192 "$WORK/zoff.img" "$WORK/src"
cmp -s <(tail -c +8193 "$WORK/zoff.img") "$WORK/z.img" ||
	fail "--offset with -zlz4: image differs"
mkdir -p "$WORK/mnt-zoff"
mount -t erofs -o loop,ro,offset=8192 "$WORK/zoff.img" "$WORK/mnt-zoff" ||
	fail "--offset with -zlz4: cannot mount"
MOUNTS="$WORK/mnt-zoff $MOUNTS"
$COMPARE "$WORK/src" "$WORK/mnt-zoff" || fail "--offset with -zlz4: mount differs"
umount_image "$WORK/mnt-zoff"
rm -f "$WORK/z.img" "$WORK/zoff.img"

note "--fsalignblks: size and superblock block count rounded up"
blocks=$((size / 4096))
for n in 1 3 64; do
	p2=1
	while [ $p2 -lt $n ]; do p2=$((p2 * 2)); done
	want=$(( (blocks + p2 - 1) / p2 * p2 ))
	mkfs_ok $PIN --fsalignblks=$n "$WORK/al.img" "$WORK/src"
	[ "$(stat -c %s "$WORK/al.img")" = $((want * 4096)) ] ||
		fail "--fsalignblks=$n: size $(stat -c %s "$WORK/al.img"), want $((want * 4096))"
	$PARSE sb "$WORK/al.img" | grep -q "\"blocks\": $want," ||
		fail "--fsalignblks=$n: superblock blocks, want $want"
	"$FSCK" "$WORK/al.img" || fail "--fsalignblks=$n: fsck failed"
done
[ "$want" != "$blocks" ] || fail "--fsalignblks=64 changed nothing"
mount_image "$WORK/al.img" "$WORK/mnt-al"
$COMPARE "$WORK/src" "$WORK/mnt-al" || fail "--fsalignblks: mount differs"
[ "$(stat -f -c %b "$WORK/mnt-al")" = "$want" ] ||
	fail "--fsalignblks: statfs shows $(stat -f -c %b "$WORK/mnt-al") blocks"
umount_image "$WORK/mnt-al"

note "size suffixes and aliases give the same bytes"
same_image b-suffix "-b 4096" "-b 4k"
same_image b-hex "-b 1024" "-b 0x400"
same_image T-hex "-T 4096" "-T 0x1000"
differ T-differs "-T 4096" "-T 4097"
same_image C-suffix "-z lz4hc -C 16384" "-z lz4hc -C 16k"
differ C-differs "-z lz4hc -C 4096" "-z lz4hc -C 16k"
same_image inline "-E noinline_data" "-E ^inline_data"
same_image inline-default "" "-E inline_data"
differ inline-differs "" "-E noinline_data"
same_image zbits "-z lz4 -C 16k -E ztailpacking,fragments" \
	"-z lz4 -C 16k --zfeature-bits=6"
same_image zbits-clear "-z lz4 -E dedupe" \
	"-z lz4 -E ztailpacking --zfeature-bits=0x10"
differ zbits-differs "-z lz4" "-z lz4 -E ztailpacking"
same_image plain-pfx "--xattr-prefix=user.long" \
	"--xattr-prefix=user.long -E plain-xattr-prefixes"
same_image not-written "-z lz4" "-z lz4 -E ^fragdedupe,^48bit,^dot-omitted"
same_image no-effect "" "--sort=none --clean --mount-point=/x
	--async-queue-limit=4"
same_image no-effect2 "" "--sort=path --clean=data"
mkfs_ok $PIN -z lz4 -C 16k --zfeature-bits=6 "$WORK/zb.img" "$WORK/src"
mount_image "$WORK/zb.img" "$WORK/mnt-zb"
$COMPARE "$WORK/src" "$WORK/mnt-zb" || fail "--zfeature-bits: mount differs"
umount_image "$WORK/mnt-zb"

note "-E ^xattr-name-filter: no filter feature; xattrs still read"
mkfs_ok $PIN "$WORK/f.img" "$WORK/src"
mkfs_ok $PIN -E ^xattr-name-filter "$WORK/nf.img" "$WORK/src"
[ $(( $(compat "$WORK/f.img") & 4 )) = 4 ] || fail "no xattr filter by default"
[ $(( $(compat "$WORK/nf.img") & 4 )) = 0 ] ||
	fail "-E ^xattr-name-filter left the filter feature"
mount_image "$WORK/nf.img" "$WORK/mnt-nf"
$COMPARE "$WORK/src" "$WORK/mnt-nf" || fail "^xattr-name-filter: mount differs"
umount_image "$WORK/mnt-nf"
$COMPARE --image "$WORK/src" "$WORK/nf.img" ||
	fail "^xattr-name-filter: parsed image differs"
"$FSCK" "$WORK/nf.img" || fail "^xattr-name-filter: fsck failed"

if command -v tar >/dev/null && command -v xz >/dev/null; then
	note "--unlzma is --unxz"
	tar -C "$WORK/src" -cJf "$WORK/src.tar.xz" dirs
	mkfs_ok $PIN --tar --unxz "$WORK/a.img" "$WORK/src.tar.xz"
	mkfs_ok $PIN --tar --unlzma "$WORK/b.img" "$WORK/src.tar.xz"
	cmp -s "$WORK/a.img" "$WORK/b.img" || fail "--unlzma differs from --unxz"
	"$FSCK" "$WORK/b.img" || fail "--unlzma: fsck failed"
fi

note "-V names the compressors, as erofs-utils' does"
"$MKFS_EROFS" -V | grep -qx 'available compressors: lz4, lz4hc, lzma, zstd' ||
	fail "-V: $("$MKFS_EROFS" -V)"

note "refused options: one line saying 'not supported', nothing written"
dest=$(existing_dest "$WORK/out")
new=$WORK/out/new.img
refused() {
	local what=$1

	shift
	expect_fail "$dest" "not supported|$what" "$MKFS_EROFS" "$@" \
		"$dest" "$WORK/src"
	expect_fail "$new" "not supported|$what" "$MKFS_EROFS" "$@" \
		"$new" "$WORK/src"
}
refused --blobdev --blobdev=/dev/null
refused --chunksize --chunksize=4096
refused --vmdk-desc --vmdk-desc=x.vmdk
refused --incremental --incremental
refused --incremental --incremental=data
refused --clean=rvsp --clean=rvsp
refused --s3 --s3=http://example.invalid
refused --oci --oci
refused --gzinfo --gzinfo
refused --zD --zD=1
refused --MZ --MZ
refused -m -m 4096
refused --compress-hints --compress-hints=/dev/null
refused --max-extent-bytes --max-extent-bytes=65536
refused --dsunit --dsunit=512
refused --root-xattr-isize --root-xattr-isize=64
refused --product-out --product-out=/tmp
refused --fs-config-file --fs-config-file=/dev/null
refused --random-pclusterblks --random-pclusterblks
refused --random-algorithms --random-algorithms
refused 48bit -E 48bit
refused dot-omitted -E dot-omitted
refused fragdedupe -E fragdedupe
refused force-chunk-indexes -E force-chunk-indexes
refused force-inode-blockmap -E force-inode-blockmap
refused fragments=65536 -E fragments=65536
refused "zfeature-bits: bit 6 (48bit)" --zfeature-bits=0x40
expect_fail "$dest" "not supported|FILE" "$MKFS_EROFS" --tar \
	--ungzip="$WORK/raw.tar" "$dest" "$WORK/src.tar.xz"
expect_fail "$dest" "zfeature-bits|256" "$MKFS_EROFS" --zfeature-bits=256 \
	"$dest" "$WORK/src"
expect_fail "$dest" "--sort|size" "$MKFS_EROFS" --sort=size "$dest" \
	"$WORK/src"
expect_fail "$dest" "offset|-1" "$MKFS_EROFS" --offset=-1 "$dest" "$WORK/src"
expect_fail "$dest" "fsalignblks|x" "$MKFS_EROFS" --fsalignblks=x "$dest" \
	"$WORK/src"
[ ! -e "$WORK/raw.tar" ] || fail "--ungzip=FILE wrote $WORK/raw.tar"
