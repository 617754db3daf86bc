#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# A block device as DESTINATION is written in place.  Over a device full
# of old random bytes the image must be byte-identical to the same build
# into a file (nothing of the old content may show through holes,
# padding or block tails) and mount equal to its source; a device too
# small for the image is refused before anything is written.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
need_kernel_mount
need_cmd setfacl
make_work
$GEN_TREE --no-big "$WORK/src"

head -c $((32 << 20)) /dev/urandom >"$WORK/dev.raw"
attach_loop "$WORK/dev.raw"
dev=$LOOP
for opts in "-b 4096" "-b 512 --xattr-prefix=user.long --ishare_key" \
	    "-zlz4hc -Eztailpacking,fragments"; do
	note "mkfs.erofs $opts onto $dev"
	# shellcheck disable=SC2086
	mkfs_ok -T 5 -U clear $opts "$dev" "$WORK/src"
	# shellcheck disable=SC2086
	mkfs_ok -T 5 -U clear $opts "$WORK/file.img" "$WORK/src"
	cmp -n "$(stat -c %s "$WORK/file.img")" "$WORK/file.img" "$dev" ||
		fail "$opts: the device differs from the same build into a file"
	mkdir -p "$WORK/mnt"
	mount -t erofs -o ro "$dev" "$WORK/mnt" || fail "cannot mount $dev"
	MOUNTS="$WORK/mnt $MOUNTS"
	case $opts in
	*ishare*) extra="--ishare trusted.erofs.fingerprint" ;;
	*) extra= ;;
	esac
	# shellcheck disable=SC2086
	$COMPARE --mtime 5 $extra "$WORK/src" "$WORK/mnt" ||
		fail "$opts: mounted device differs from the source"
	umount_image "$WORK/mnt"
	head -c $((32 << 20)) /dev/urandom | dd of="$dev" bs=1M status=none
done

note "a device too small for the image"
head -c $((1 << 20)) /dev/urandom >"$WORK/small.raw"
attach_loop "$WORK/small.raw"
small=$LOOP
before=$(sha_of "$small")
rc=0
"$MKFS_EROFS" --quiet "$small" "$WORK/src" 2>"$WORK/err" || rc=$?
note "exit $rc: $(cat "$WORK/err")"
[ "$rc" = 1 ] || fail "exit $rc, want 1"
[ "$(wc -l <"$WORK/err")" = 1 ] && grep -q "$small" "$WORK/err" ||
	fail "want one line naming $small: $(cat "$WORK/err")"
[ "$(sha_of "$small")" = "$before" ] || fail "the small device was written"
