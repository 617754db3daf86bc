#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
# Compressed images through our own reader, for every algorithm (with
# levels), the -E options, big pclusters and two block sizes, all with
# --ishare_key: fsck exits 0 and verifies every fingerprint over the
# decoded bytes, --extract gives back the source tree (contents, modes,
# owners, times, xattrs, links, devices), dump.erofs --cat gives back a
# few files, dump.erofs -S prints a compression ratio, and the stored
# fingerprints equal those of the uncompressed build.  The checks are
# shown to fail on wrong data first.
. "${top_srcdir:-${srcdir:-.}}/tests/fsck/common.sh"
[ -x "$DUMP" ] || fail "build dump.erofs first"

# the fsck tree (owners, devices, xattrs, links, odd names) with the
# compression tree under z/ (text, noise, zeros, block and pcluster edges,
# duplicates, a sparse file, many small files)
gentree "$tmp/src" --small
ztree "$tmp/src/z" --small
# files dump.erofs --cat must give back
CAT="/z/big/text1m /z/big/half1 /z/big/half2 /z/big/sparse /z/dup/sub/c
/z/text/t065537 /z/small/s007 /f16_65536 /hl/hard_c /z/zero/z012288"

mkfs() {
	# shellcheck disable=SC2086
	"$MKFS" --quiet -U 01234567-89ab-cdef-0123-456789abcdef \
		--ishare_key "$@" >/dev/null
}

# fpsame A B: the fingerprints stored in A and B agree path by path
fpsame() {
	"$DUMP" --ishare-report --json "$1" "$2" >"$tmp/rep.json" ||
		fail "dump.erofs --ishare-report $1 $2"
	python3 "$TESTDIR/fpsame.py" "$tmp/rep.json" >"$tmp/fp"
}

mkfs "$tmp/plain.img" "$tmp/src" || fail "mkfs (uncompressed)"
expect_rc 0 "$tmp/plain.img"

# --- the checks below catch wrong data ------------------------------------
rm -rf "$tmp/x"
expect_rc 0 --extract="$tmp/x" "$tmp/plain.img"
treecmp "$tmp/src" "$tmp/x"
printf '\001' | dd of="$tmp/x/z/big/half1" bs=1 seek=4242 conv=notrunc \
	2>/dev/null
python3 "$TESTDIR/treecmp.py" "$tmp/src" "$tmp/x" >"$tmp/cmp" &&
	fail "treecmp misses a changed byte"
touch -d @100 "$tmp/x/z/big/half2"
python3 "$TESTDIR/treecmp.py" "$tmp/src" "$tmp/x" >"$tmp/cmp"
[ "$(grep -c '^differs' "$tmp/cmp")" = 2 ] || fail "treecmp misses an mtime"
cp -a "$tmp/src" "$tmp/src2"
printf x >>"$tmp/src2/z/dup/sub/c"
mkfs -zlz4 "$tmp/other.img" "$tmp/src2" || fail "mkfs (changed tree)"
fpsame "$tmp/plain.img" "$tmp/other.img" &&
	fail "fpsame misses a changed fingerprint"
grep -q "^/z/dup/sub/c: fingerprint differs" "$tmp/fp" ||
	fail "fpsame names no changed file"
rm -rf "$tmp/src2" "$tmp/other.img" "$tmp/x"
echo "ok: the comparers catch a changed byte, mtime and fingerprint"

n=0
while read -r opts; do
	[ -n "$opts" ] || continue
	img=$tmp/z$n.img
	n=$((n + 1))
	# shellcheck disable=SC2086
	mkfs $opts "$img" "$tmp/src" || fail "mkfs $opts"
	before=$(image_stamp "$img")
	expect_rc 0 -d3 "$img"
	summary=$(head -1 "$tmp/out" | sed 's/^[^:]*: //')
	grep -q ' 0 fingerprints verified' "$tmp/out" &&
		fail "$opts: no fingerprint verified"
	grep -q ' [1-9][0-9]* fingerprints verified' "$tmp/out" ||
		{ cat "$tmp/out"; fail "$opts: fingerprints not verified"; }
	rm -rf "$tmp/x"
	expect_rc 0 --extract="$tmp/x" "$img"
	[ ! -s "$tmp/out" ] || { cat "$tmp/out"; fail "$opts: output"; }
	treecmp "$tmp/src" "$tmp/x"
	for f in $CAT; do
		"$DUMP" --cat --path "$f" "$img" >"$tmp/cat" 2>"$tmp/cat.err" ||
			fail "$opts: dump.erofs --cat $f: $(cat "$tmp/cat.err")"
		cmp -s "$tmp/cat" "$tmp/src$f" ||
			fail "$opts: dump.erofs --cat $f differs from the source"
	done
	"$DUMP" -S "$img" >"$tmp/st" 2>&1 || fail "$opts: dump.erofs -S"
	ratio='^Filesystem compression ratio: +[1-9][0-9]*\.[0-9]+ '
	grep -Eq "$ratio" "$tmp/st" ||
		{ head -20 "$tmp/st"; fail "$opts: no compression ratio"; }
	# the stored bytes include the packed inode's, which hold fragments,
	# and never exceed the image
	stored=$(sed -n 's/^Filesystem compress rate: .*(\([0-9]*\) of.*/\1/p' "$tmp/st")
	packed=$(sed -n 's/.*packed inode, which takes \([0-9]*\)).*/\1/p' "$tmp/st")
	[ -n "$stored" ] && [ "$stored" -le "$(stat -c %s "$img")" ] &&
	[ "$stored" -ge "${packed:-0}" ] ||
		{ head -20 "$tmp/st"; fail "$opts: stored bytes $stored, packed ${packed:-0}"; }
	case $opts in
	*fragments*) [ "${packed:-0}" -gt 0 ] ||
		fail "$opts: -S does not count the packed inode" ;;
	esac
	fpsame "$tmp/plain.img" "$img" ||
		{ cat "$tmp/fp"; fail "$opts: fingerprints differ from plain"; }
	[ "$(image_stamp "$img")" = "$before" ] || fail "$opts: image changed"
	echo "ok: $opts: $summary; ratio" \
		"$(grep ratio: "$tmp/st" | awk '{print $4}')"
	rm -f "$img"
done <<'LIST'
-zlz4
-zlz4 -Enoinline_data
-zlz4hc,12 -Eztailpacking
-zlz4hc -Elegacy-compress
-zlz4hc,4 -C65536 -Efragments
-zlz4 -C131072 -Eall-fragments
-zlz4hc -C65536 -Ededupe,ztailpacking
-zlz4hc -b1024 -C65536 -Eztailpacking,fragments
-zlz4 -b512 -Ededupe -Enoinline_data
-zlzma,3
-zlzma -C65536 -Eztailpacking
-zlzma,6 -C131072 -Efragments,dedupe
-zlzma,1 -b1024 -Eall-fragments
-zzstd
-zzstd,9 -C131072 -Eztailpacking
-zzstd,3 -C65536 -Efragments,dedupe
-zzstd -Eall-fragments -C131072
-zzstd,1 -b2048 -C65536 -Ededupe,ztailpacking
-zlz4hc:lzma:zstd -C65536 -Eztailpacking
LIST
