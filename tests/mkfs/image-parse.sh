#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Without the kernel: the independent parser reads images of the awkward
# tree and they must equal the source.  Runs without root too (the tree
# then lacks devices, owners and trusted.* xattrs), so some check of the
# images' content runs wherever the suite runs.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
need_cmd setfacl
make_work
$GEN_TREE "$WORK/src"

for opts in "-b 4096" "-b 512 --xattr-prefix=user.long.prefix" \
	"-b 2048 -x 0" "--ishare_key -T 3" "-b 1024 --xattr-inode-digest"; do
	note "mkfs.erofs $opts"
	# shellcheck disable=SC2086
	mkfs_ok $opts "$WORK/img" "$WORK/src"
	case $opts in
	*-T\ 3*) extra="--mtime 3 --ishare trusted.erofs.fingerprint" ;;
	*digest*) extra="--ishare erofs.fingerprint.v1" ;;
	*) extra= ;;
	esac
	# shellcheck disable=SC2086
	$COMPARE --image $extra "$WORK/src" "$WORK/img" ||
		fail "'$opts': image differs from the source"
done
