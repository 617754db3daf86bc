#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# --ishare-report reads fingerprints from metadata only, never file data:
# under strace, no read of the report touches a data block of any file
# (the extents dump.erofs -e lists, inline tails aside: they live in the
# metadata blocks), and the bytes it reads from two images of 8 MiB of
# file data each stay a small fraction of their size.  --cat of one file
# must read its blocks, so the count is real.  The same holds for layer
# stacks (--stack), which also read directories' xattrs.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dump/common.sh"
command -v strace >/dev/null 2>&1 || skip "needs strace"
need_dump
make_work

for t in a b; do
	mkdir -p "$WORK/$t/d" "$WORK/$t/small"
	for i in $(seq 1 64); do
		head -c 65536 /dev/urandom >"$WORK/$t/d/f$i"
		head -c 65636 /dev/urandom >"$WORK/$t/d/tail$i"
		head -c $((i * 40)) /dev/urandom >"$WORK/$t/small/s$i"
	done
done
cp "$WORK/a/d/f7" "$WORK/b/d/f7"
for t in a b; do
	mkfs_img "$WORK/$t.img" "$WORK/$t" --ishare_key
done

# reads IMAGE ARGS...: "offset length" of every read dump.erofs makes
# from IMAGE, into $WORK/reads
reads() {
	local img=$1

	shift
	# LeakSanitizer cannot run under ptrace
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -qq -s 0 \
		-e signal=none -o "$WORK/trace" \
		-e trace=openat,open,close,read,pread64,readv,preadv,preadv2 \
		"$DUMP_EROFS" "$@" >/dev/null 2>"$WORK/dump.err" ||
		fail "dump.erofs $* failed: $(cat "$WORK/dump.err")"
	$PYTHON - "$WORK/trace" "$img" >"$WORK/reads" <<'PY'
import re, sys
fds, pos = set(), {}
for line in open(sys.argv[1]):
    m = re.search(r'open(?:at)?\(.*"(.*)",.*\)\s+=\s+(\d+)$', line)
    if m:
        if m[1] == sys.argv[2]:
            fds.add(m[2])
            pos[m[2]] = 0
        continue
    m = re.search(r'\bclose\((\d+)\)', line)
    if m:
        fds.discard(m[1])
        continue
    m = re.search(r'\bpread64\((\d+), .*, (\d+)\)\s+=\s+(\d+)$', line)
    if m and m[1] in fds:
        print(m[2], m[3])
        continue
    m = re.search(r'\b(?:read|readv|preadv|preadv2)\((\d+),.*\)\s+=\s+(\d+)$',
                  line)
    if m and m[1] in fds:   # not expected: count it at an unknown place
        print(-1, m[2])
PY
}

# the data-block extents of every regular file of IMAGE, "start end"
data_extents() {
	local f

	for f in $(cd "$2" && find . -type f | sed 's/^\.//'); do
		dump_ok --path "$f" -e "$1" |
			awk -F'[:|]' '/^ *[0-9]+: / && !/# (inline|hole)/ {
				split($4, r, "\\.\\."); print r[1] + 0, r[2] + 0 }'
	done >"$WORK/extents"
	[ -s "$WORK/extents" ] || fail "no data extents found in $1"
}

reads "$WORK/a.img" --ishare-report "$WORK/a.img" "$WORK/b.img"
data_extents "$WORK/a.img" "$WORK/a"
got=$(awk '{ s += $2 } END { print s + 0 }' "$WORK/reads")
size=$(stat -c %s "$WORK/a.img")
note "report read $got of $size bytes of a.img in $(wc -l <"$WORK/reads") reads"
[ "$got" -gt 0 ] || fail "strace saw no read of the image"
[ $((got * 20)) -lt "$size" ] ||
	fail "report read $got bytes of a $size-byte image: file data?"
# touching: how many reads in $WORK/reads overlap a data extent
touching() {
	$PYTHON - "$WORK/reads" "$WORK/extents" <<'PY'
import sys
reads = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
ext = [tuple(map(int, l.split())) for l in open(sys.argv[2])]
bad = [(o, n) for o, n in reads
       if o < 0 or any(o < e and s < o + n for s, e in ext)]
for o, n in bad[:3]:
    print(f"read of {n} bytes at {o} touches file data", file=sys.stderr)
print(len(bad))
PY
}
n=$(touching)
[ "$n" = 0 ] || fail "the report made $n reads of file data"
note "$(wc -l <"$WORK/extents") data extents, none read"

note "layer stacks read metadata only too"
reads "$WORK/a.img" --ishare-report --stack "s=$WORK/a.img,$WORK/b.img" \
	--stack "t=$WORK/b.img,$WORK/a.img"
n=$(touching)
[ "$n" = 0 ] || fail "the stack report made $n reads of file data"
got=$(awk '{ s += $2 } END { print s + 0 }' "$WORK/reads")
[ $((got * 20)) -lt "$size" ] ||
	fail "stack report read $got bytes of a $size-byte image: file data?"
note "stack report read $got bytes of a.img, no file data"

reads "$WORK/a.img" --cat --path /d/f9 "$WORK/a.img"
cat_got=$(awk '{ s += $2 } END { print s + 0 }' "$WORK/reads")
note "--cat read $cat_got bytes"
[ "$cat_got" -ge 65536 ] || fail "--cat read only $cat_got bytes"
[ "$(touching 2>/dev/null)" -gt 0 ] || fail "--cat touched no data extent"
