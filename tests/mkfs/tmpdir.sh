#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# mkfs.erofs keeps no scratch data outside the destination's directory:
# with $TMPDIR on a full filesystem every build still succeeds (plain,
# with fingerprints, a tar archive from a pipe, gzip from a pipe,
# compressed), reads back through the kernel like its source, leaves
# nothing beside the image, and $TMPDIR holds what it held before.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
need_kernel_mount
need_cmd tar gzip df
make_work
$GEN_TREE "$WORK/src" >/dev/null
# enough data that any spill would need more than a page
for i in 1 2 3; do
	seq 1 200000 >"$WORK/src/numbers$i"
done
head -c 3000000 /dev/urandom >"$WORK/src/random"
(cd "$WORK/src" && tar --xattrs --xattrs-include='*' --format=pax \
	-cf "$WORK/t.tar" . 2>/dev/null) || true
[ -s "$WORK/t.tar" ] || fail "cannot make the tar archive"
mkdir "$WORK/x"
tar --xattrs --xattrs-include='*' --numeric-owner -xpf "$WORK/t.tar" \
	-C "$WORK/x" 2>/dev/null || fail "GNU tar cannot extract its archive"

# $TMPDIR: a one-page tmpfs, full
mkdir "$WORK/tmp" "$WORK/out"
mount -t tmpfs -o size=4k,mode=1777 tmpfs "$WORK/tmp" ||
	fail "cannot mount a tmpfs"
MOUNTS="$WORK/tmp $MOUNTS"
head -c 1000000 /dev/zero >"$WORK/tmp/fill" 2>/dev/null || true
[ "$(df --output=avail "$WORK/tmp" | tail -n1 | tr -d ' ')" = 0 ] ||
	fail "cannot fill the tmpfs"
tmp_before=$(ls -A "$WORK/tmp"; df --output=used "$WORK/tmp" | tail -n1)

# check NAME TREE SOURCE OPTIONS...: the build of one variant
check() {
	local name=$1 tree=$2 source=$3 img=$WORK/out/$1.img after cmp_opts

	shift 3
	note "$name: mkfs.erofs $* $source"
	TMPDIR=$WORK/tmp "$MKFS_EROFS" --quiet "$@" "$img" "$source" ||
		fail "$name: mkfs.erofs failed with \$TMPDIR full"
	after=$(ls -A "$WORK/out")
	[ "$after" = "$name.img" ] ||
		fail "$name: left beside the image: $after"
	[ "$(ls -A "$WORK/tmp"; df --output=used "$WORK/tmp" | tail -n1)" = \
	  "$tmp_before" ] || fail "$name: \$TMPDIR changed"
	mount_image "$img" "$WORK/mnt"
	case " $* " in
	*" --ishare_key "*) cmp_opts="--ishare trusted.erofs.fingerprint" ;;
	*) cmp_opts= ;;
	esac
	# shellcheck disable=SC2086
	$COMPARE $cmp_opts "$tree" "$WORK/mnt" || fail "$name: the image differs"
	umount_image "$WORK/mnt"
	rm -f "$img"
}

check plain "$WORK/src" "$WORK/src"
check ishare "$WORK/src" "$WORK/src" --ishare_key
check tar-stdin "$WORK/x" - --tar <"$WORK/t.tar"
cat "$WORK/t.tar" | check tar-pipe "$WORK/x" - --tar
gzip -1 -c "$WORK/t.tar" | check tar-gzip "$WORK/x" - --tar --ungzip
# compressed builds: their data must not go through $TMPDIR either
check lz4hc "$WORK/src" "$WORK/src" -zlz4hc
check lzma "$WORK/src" "$WORK/src" -zlzma -C65536 -Efragments,dedupe
cat "$WORK/t.tar" | check zstd-tar "$WORK/x" - --tar -zzstd -Eztailpacking
