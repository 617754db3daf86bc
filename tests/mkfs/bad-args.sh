#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Usage errors: unknown options, bad values, wrong arguments.  Each must
# exit 1 with one error line naming the culprit (plus the --help hint) and
# leave the destination alone, both an existing file and a new name.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
make_work
mkdir -p "$WORK/src/d"
echo hello >"$WORK/src/d/f"
dest=$(existing_dest "$WORK/out")
new=$WORK/out/new.img

bad() {
	local words=$1

	shift
	expect_fail "$dest" "$words" "$MKFS_EROFS" "$@" "$dest" "$WORK/src"
	expect_fail "$new" "$words" "$MKFS_EROFS" "$@" "$new" "$WORK/src"
}

bad "unrecognized option|--bogus" --bogus
bad "invalid option|'q'" -q
expect_fail "$dest" "requires an argument|force-uid" \
	"$MKFS_EROFS" "$dest" "$WORK/src" --force-uid
expect_fail "$dest" "requires an argument|'b'" \
	"$MKFS_EROFS" "$dest" "$WORK/src" -b
bad "block size|1000" -b 1000
bad "block size|256" -b 256
bad "block size|abc" -b abc
bad "block size|4096x" -b 4096x
bad "block size|''" -b ''
bad "block size|131072" -b 131072
bad "block size|8192" -b 8192
bad "UUID|not-a-uuid" -U not-a-uuid
bad "UUID|1234" -U 1234
bad "UUID|0123456789abcdef0123456789abcdefXX" \
	-U 0123456789abcdef0123456789abcdefXX
bad "label|0123456789abcdef" -L 0123456789abcdef
bad "timestamp|-5" -T -5
bad "timestamp|yesterday" -T yesterday
bad "workers|0" --workers=0
bad "workers|many" --workers=many
bad "id|-1" --force-uid=-1
bad "id|4294967296" --force-gid=4294967296
bad "tolerance|x" -x x
bad "extended option|bogus" -E noinline_data,bogus
bad "regular expression|(" --exclude-regex='('
bad "level|10" -d 10
bad "--ovlfs-strip takes 0 or 1|'2'" --ovlfs-strip=2
bad "--ovlfs-strip takes 0 or 1|'yes'" --ovlfs-strip=yes
bad "--ovlfs-strip takes 0 or 1|''" --ovlfs-strip=
bad "--ovlfs-strip takes 0 or 1|'01'" --ovlfs-strip=01
bad "--ovlfs-strip takes 0 or 1|'-1'" --ovlfs-strip=-1
both="-E force-inode-compact and force-inode-extended exclude each other"
bad "$both" -E force-inode-compact,force-inode-extended
bad "$both" -E force-inode-extended -E force-inode-compact
bad "$both" -E force-inode-compact,force-inode-extended,^noinline_data

note "SOURCE_DATE_EPOCH=abc"
expect_fail "$dest" "SOURCE_DATE_EPOCH|abc" \
	env SOURCE_DATE_EPOCH=abc "$MKFS_EROFS" "$dest" "$WORK/src"

note "wrong argument counts"
expect_fail "$dest" "missing" "$MKFS_EROFS" "$dest"
expect_fail "$dest" "missing" "$MKFS_EROFS"
expect_fail "$dest" "too many" "$MKFS_EROFS" "$dest" "$WORK/src" "$WORK/src"

note "--help and --version go to stdout and exit 0"
"$MKFS_EROFS" --help >"$WORK/help" 2>"$WORK/help.err" || fail "--help failed"
[ -s "$WORK/help" ] && [ ! -s "$WORK/help.err" ] || fail "--help output"
"$MKFS_EROFS" -V >"$WORK/ver" 2>&1 || fail "-V failed"
grep -q "mkfs.erofs" "$WORK/ver" || fail "-V says: $(cat "$WORK/ver")"
[ "$(dest_state "$dest")" = "$(printf 'existing.img\n%s' \
	"$(sha_of "$dest")")" ] || fail "destination directory changed"
