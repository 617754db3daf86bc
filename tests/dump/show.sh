#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# dump.erofs -s, -S, --nid/--path, -e, --ls, --cat, --offset and usage
# errors, against what the source tree says (and, for -s fields both
# print, against Debian's dump.erofs 1.5 on an image it can read).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dump/common.sh"
need_dump
make_work
S=$WORK/src
UUID=6b1d6e0a-5c1e-4d5e-9f00-0123456789ab

mkdir -p "$S/dir/sub" "$S/other"
printf 'hello\n' >"$S/a.txt"
head -c 10000 /dev/urandom >"$S/dir/ten-k"
head -c 70000 /dev/urandom >"$S/dir/sub/seventy-k"
head -c 5000 /dev/zero >"$S/other/zeros"
: >"$S/empty"
ln "$S/a.txt" "$S/dir/hard"
ln -s ../a.txt "$S/dir/link"
mkfifo "$S/fifo"
chmod 0750 "$S/dir/ten-k"
mkfs_img "$WORK/fp.img" "$S" --ishare_key -L label1
mkfs_img "$WORK/v1.img" "$S" --xattr-inode-digest
mkfs_img "$WORK/plain.img" "$S"

# field LABEL FILE: the value after "Filesystem LABEL:"
field() {
	sed -n "s/^Filesystem $1: *//p" "$2"
}

note "-s"
dump_ok -s "$WORK/fp.img" >"$WORK/s"
dump_ok "$WORK/fp.img" >"$WORK/default"
cmp -s "$WORK/s" "$WORK/default" || fail "no option is not the same as -s"
[ "$(field "magic number" "$WORK/s")" = 0xE0F5E1E2 ] || fail "magic"
[ "$(field blocksize "$WORK/s")" = "4096 (blkszbits 12)" ] || fail "blocksize"
[ "$(field UUID "$WORK/s")" = $UUID ] || fail "uuid"
[ "$(field "volume name" "$WORK/s")" = label1 ] || fail "volume name"
field created "$WORK/s" | grep -q '^2023-11-14 22:13:20\.000000000 UTC' ||
	fail "created: $(field created "$WORK/s")"
# inodes: the root, directories, files once per inode, symlink, fifo
want=$(find "$S" -printf '%i\n' | sort -u | wc -l)
[ "$(field "inode count" "$WORK/s")" = "$want" ] || fail "inode count"
field "compatible features" "$WORK/s" | grep -qw ishare_xattrs ||
	fail "ishare_xattrs not named: $(field "compatible features" "$WORK/s")"
field "compatible features" "$WORK/s" | grep -qw sb_csum || fail "sb_csum"
field "incompatible features" "$WORK/s" | grep -qw xattr_prefixes ||
	fail "xattr_prefixes not named"
[ "$(field "fingerprint name" "$WORK/s")" = trusted.erofs.fingerprint ] ||
	fail "fingerprint name: $(field "fingerprint name" "$WORK/s")"
grep -q '^  prefix 0: trusted.erofs.fingerprint (base index 4) fingerprint$' \
	"$WORK/s" || fail "prefix table line"
dump_ok -s "$WORK/v1.img" >"$WORK/s1"
[ "$(field "fingerprint name" "$WORK/s1")" = erofs.fingerprint.v1 ] ||
	fail "v1 fingerprint name: $(field "fingerprint name" "$WORK/s1")"
dump_ok -s "$WORK/plain.img" >"$WORK/s0"
[ "$(field "fingerprint name" "$WORK/s0")" = "(none)" ] || fail "no name"
! field "compatible features" "$WORK/s0" | grep -qw ishare_xattrs ||
	fail "ishare_xattrs on an image without fingerprints"

if [ -x /usr/bin/dump.erofs ]; then
	note "-s against Debian's dump.erofs"
	/usr/bin/dump.erofs -s "$WORK/plain.img" >"$WORK/peer" 2>&1 ||
		fail "Debian's dump.erofs cannot read the plain image"
	for f in "magic number" blocks "inode metadata start block" \
		"shared xattr metadata start block" "root nid" "inode count" UUID; do
		[ "$(field "$f" "$WORK/peer")" = "$(field "$f" "$WORK/s0" |
			cut -d' ' -f1)" ] ||
			fail "$f: peer $(field "$f" "$WORK/peer"), ours $(field "$f" "$WORK/s0")"
	done
fi

note "-S"
dump_ok -S "$WORK/fp.img" >"$WORK/st"
[ "$(field "total file count" "$WORK/st")" = "$want" ] || fail "total"
[ "$(field "regular file count" "$WORK/st")" = 5 ] || fail "regular files"
[ "$(field "directory count" "$WORK/st")" = 4 ] || fail "directories"
[ "$(field "symlink count" "$WORK/st")" = 1 ] || fail "symlinks"
[ "$(field "fifo count" "$WORK/st")" = 1 ] || fail "fifos"
[ "$(field "extra hard links" "$WORK/st")" = 1 ] || fail "hard links"
[ "$(field "empty files" "$WORK/st")" = 1 ] || fail "empty files"
[ "$(field "fingerprinted files" "$WORK/st")" = 4 ] || fail "fingerprinted"
[ "$(field "total original file size" "$WORK/st")" = "85006 Bytes" ] ||
	fail "total size: $(field "total original file size" "$WORK/st")"
# histogram: <1K: a.txt, empty; 4..8K: zeros; 8..16K: ten-k; 64..128K
hist=$(sed -n '/^Original file size distribution/,/^$/p' "$WORK/st" |
	awk '$2 == ".." && $NF != "" { n[$1] = $(NF - 1 - ($NF ~ /#/)) }
	     END { print n[0], n[4], n[8], n[64] }')
[ "$hist" = "2 1 1 1" ] || fail "histogram counts: $hist"
! grep -q 'compress rate' "$WORK/st" || fail "ratio without compression"

note "-S on a compressed image"
mkfs_img "$WORK/z.img" "$S" --ishare_key -zlz4hc
dump_ok -S "$WORK/z.img" >"$WORK/zst"
[ "$(field "fingerprinted files" "$WORK/zst")" = 4 ] || fail "z: fingerprinted"
[ "$(field "total original file size" "$WORK/zst")" = "85006 Bytes" ] ||
	fail "z: total size"
c=$(field "compressed files" "$WORK/zst")
[ "$c" -ge 1 ] || fail "no compressed file in a -zlz4hc image"
field "compress rate" "$WORK/zst" | grep -q '^[0-9.]*% (' ||
	fail "no compression ratio: $(cat "$WORK/zst")"
grep -q '^On-disk file size distribution' "$WORK/zst" ||
	fail "no on-disk histogram"

note "--path, --nid"
dump_ok --path /dir/ten-k "$WORK/fp.img" >"$WORK/i"
grep -q '^Path: /dir/ten-k$' "$WORK/i" || fail "path line"
grep -q '^Size: 10000 ' "$WORK/i" || fail "size line"
grep -q 'Access: 0750/rwxr-x---$' "$WORK/i" || fail "access line"
grep -q "= sha256:$(sha256sum <"$S/dir/ten-k" | cut -d' ' -f1)\$" "$WORK/i" ||
	fail "fingerprint not shown as the file's SHA-256"
nid=$(sed -n 's/^NID: \([0-9]*\).*/\1/p' "$WORK/i")
dump_ok --nid "$nid" "$WORK/fp.img" >"$WORK/n"
cmp -s "$WORK/i" "$WORK/n" || fail "--nid $nid and --path differ"
dump_ok --nid "$nid" "$WORK/fp.img" >"$WORK/n"
dump_ok --path /dir/link "$WORK/fp.img" >"$WORK/l"
grep -q '^Target: ../a.txt$' "$WORK/l" || fail "symlink target"
dump_ok --path /a.txt "$WORK/fp.img" | grep -q 'Links: 2 ' || fail "links"

note "-e"
for f in a.txt dir/ten-k dir/sub/seventy-k other/zeros; do
	dump_ok --path "/$f" -e "$WORK/fp.img" >"$WORK/e"
	sum=$(awk -F'|' '/^ *[0-9]+: / { split($2, a, ":"); s += a[1] }
		END { print s + 0 }' "$WORK/e")
	[ "$sum" = "$(stat -c %s "$S/$f")" ] ||
		fail "/$f: extents cover $sum bytes: $(cat "$WORK/e")"
	grep -q "^/$f: [0-9]* extents found$" "$WORK/e" || fail "/$f: count"
done

note "--ls"
dump_ok --ls --path /dir "$WORK/fp.img" >"$WORK/ls"
got=$(sed -n '/NID TYPE  FILENAME/,$p' "$WORK/ls" | awk 'NR > 1 { print $3 }')
want_ls=$(printf '%s\n' . .. $(ls "$S/dir") | LC_ALL=C sort)
[ "$got" = "$want_ls" ] || fail "--ls names: $got"
dump_ok --ls "$WORK/fp.img" | grep -q ' 2  dir$' || fail "--ls of the root"

note "--cat"
find "$S" -type f | while read -r f; do
	dump_ok --cat --path "${f#"$S"}" "$WORK/fp.img" >"$WORK/c"
	cmp -s "$WORK/c" "$f" || fail "--cat ${f#"$S"} differs"
done

note "--offset"
{ head -c 8192 /dev/zero; cat "$WORK/fp.img"; } >"$WORK/off.img"
dump_ok --offset 8192 -s "$WORK/off.img" >"$WORK/so"
cmp -s "$WORK/s" "$WORK/so" || fail "-s at --offset 8192 differs"
dump_ok --offset=0x2000 --ishare-report "$WORK/off.img" >"$WORK/ro"
grep -q '^image .*: 5 files (4 fingerprinted)' "$WORK/ro" ||
	fail "--offset with --ishare-report: $(head -1 "$WORK/ro")"
dump_ok --offset 8192 --cat --path /dir/ten-k "$WORK/off.img" | cmp -s - "$S/dir/ten-k" ||
	fail "--cat at --offset"

note "usage"
dump_ok --help >"$WORK/help"
grep -q '^Usage: dump.erofs' "$WORK/help" || fail "--help"
[ "$(awk 'length > 80' "$WORK/help")" = "" ] || fail "--help wider than 80"
dump_ok -V | grep -q '^dump.erofs (erofs-tools) ' || fail "-V"
I=$WORK/fp.img
dump_fails "missing IMAGE"
dump_fails "unexpected argument" "$I" "$I"
dump_fails "unknown option '-x'" -x "$I"
dump_fails "unknown option '--bogus'" --bogus "$I"
dump_fails "invalid nid" --nid 12x "$I"
dump_fails "invalid nid" --nid -1 "$I"
dump_fails "invalid offset" --offset abc "$I"
dump_fails "missing argument" "$I" --path
dump_fails "not both" --nid 1 --path / "$I"
dump_fails "--cat needs" --cat "$I"
dump_fails "-e needs" -e "$I"
dump_fails "--cat cannot" --cat -s --path /a.txt "$I"
dump_fails "need --ishare-report" --json "$I"
dump_fails "need --ishare-report" --top 2 "$I"
dump_fails "invalid number of groups" --ishare-report --top x "$I"
dump_fails "cannot be combined" --ishare-report -S "$I"
dump_fails "at least one IMAGE" --ishare-report
dump_fails "No such file" "$WORK/none.img"
dump_fails "No such file" --ishare-report "$I" "$WORK/none.img"
dump_fails "path '/nope': No such file" --path /nope "$I"
dump_fails "path '/a.txt/x': Not a directory" --path /a.txt/x "$I"
dump_fails "is not a directory" --ls --path /a.txt "$I"
dump_fails "is not a regular file" --cat --path /dir "$I"
if [ -w /dev/full ]; then
	for args in "-s" "--cat --path /dir/sub/seventy-k"; do
		rc=0
		# shellcheck disable=SC2086
		"$DUMP_EROFS" $args "$I" >/dev/full 2>"$WORK/full.err" || rc=$?
		[ "$rc" = 1 ] && [ "$(wc -l <"$WORK/full.err")" = 1 ] &&
			grep -q '^dump.erofs: error: .*cannot write the output' \
				"$WORK/full.err" ||
			fail "$args >/dev/full: exit $rc: $(cat "$WORK/full.err")"
	done
fi
