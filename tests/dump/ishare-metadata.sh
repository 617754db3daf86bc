#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# --ishare-report reads fingerprints from metadata only, never file data:
# under strace, the bytes it reads from two images of 8 MiB of file data
# each stay a small fraction of their size, while --cat of one file
# reads at least that file (so the count is real).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dump/common.sh"
command -v strace >/dev/null 2>&1 || skip "needs strace"
need_dump
make_work

for t in a b; do
	mkdir -p "$WORK/$t/d"
	for i in $(seq 1 128); do
		head -c 65536 /dev/urandom >"$WORK/$t/d/f$i"
	done
	mkfs_img "$WORK/$t.img" "$WORK/$t" --ishare_key
done
cp "$WORK/a/d/f7" "$WORK/b/d/f7"

# bytes_read IMAGE ARGS...: bytes dump.erofs read from IMAGE's descriptor
bytes_read() {
	local img=$1

	shift
	# LeakSanitizer cannot run under ptrace
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -qq -s 0 -e signal=none -o "$WORK/trace" \
		-e trace=openat,open,close,read,pread64,readv,preadv,preadv2 \
		"$DUMP_EROFS" "$@" >/dev/null 2>"$WORK/dump.err" ||
		fail "dump.erofs $* failed: $(cat "$WORK/dump.err")"
	$PYTHON - "$WORK/trace" "$img" <<'PY'
import re, sys
fds, total = set(), 0
for line in open(sys.argv[1]):
    m = re.search(r'open(?:at)?\(.*"(.*)",.*\)\s+=\s+(\d+)$', line)
    if m:
        if m[1] == sys.argv[2]:
            fds.add(m[2])
        continue
    m = re.search(r'\bclose\((\d+)\)', line)
    if m:
        fds.discard(m[1])
        continue
    m = re.search(r'\b(?:read|readv|pread64|preadv|preadv2)\((\d+),.*\)\s+=\s+(\d+)$', line)
    if m and m[1] in fds:
        total += int(m[2])
print(total)
PY
}

size=$(stat -c %s "$WORK/a.img")
got=$(bytes_read "$WORK/a.img" --ishare-report "$WORK/a.img" "$WORK/b.img")
note "report read $got of $size bytes of a.img"
[ "$got" -gt 0 ] || fail "strace saw no read of the image"
[ $((got * 20)) -lt "$size" ] ||
	fail "report read $got bytes of a $size-byte image: file data?"

cat_got=$(bytes_read "$WORK/a.img" --cat --path /d/f9 "$WORK/a.img")
note "--cat read $cat_got bytes"
[ "$cat_got" -ge 65536 ] || fail "--cat read only $cat_got bytes"
