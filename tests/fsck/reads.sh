#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
# fsck reads every data block, also of files it has no fingerprint to
# check: with the image evicted from the page cache first, all of it must
# be cached again after fsck (fincore), with and without fingerprints and
# with --no-ishare-verify.  (A block fsck never reads could hide a bad
# sector.)
. "${top_srcdir:-${srcdir:-.}}/tests/fsck/common.sh"
command -v fincore >/dev/null || { echo "SKIP: no fincore"; exit 77; }

mkdir -p "$tmp/src"
for i in 1 2 3 4; do
	head -c 5000000 /dev/urandom >"$tmp/src/f$i" || fail "make f$i"
done
"$MKFS" --quiet "$tmp/plain.img" "$tmp/src" >/dev/null || fail mkfs
"$MKFS" --quiet --ishare_key "$tmp/fp.img" "$tmp/src" >/dev/null || fail mkfs

# the share of IMAGE in the page cache, in percent, after evicting it and
# running fsck with ARGS
cached_after() {
	img=$1
	shift
	python3 -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$img" || fail evict
	expect_rc 0 "$@" "$img"
	fincore -b -n -o RES,SIZE "$img" | awk '{ print int(100 * $1 / $2) }'
}

for run in "plain.img" "fp.img" "fp.img --no-ishare-verify"; do
	# shellcheck disable=SC2086
	set -- $run
	name=$1 img=$tmp/$1
	shift
	pct=$(cached_after "$img" "$@")
	[ "$pct" -ge 95 ] || fail "fsck $* $name: only $pct% of it was read"
	echo "ok: fsck $* $name reads the whole image ($pct% cached after)"
done
