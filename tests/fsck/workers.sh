#!/bin/sh
# SPDX-License-Identifier: GPL-2.0+
# --workers=1 runs each file's data check inline in the walking thread
# (no thread at all), and its output is byte for byte what a pool of
# workers prints, with the same exit code: on damaged plain and lz4
# images, checking and extracting (fixtures.sh runs every fixture with 1
# and 4 workers too).
. "${top_srcdir:-${srcdir:-.}}/tests/fsck/common.sh"

# images damaged by seeded byte flips
n=0
ztree "$tmp/z" --tiny
gentree "$tmp/p" --small
"$MKFS" --quiet --ishare_key -T1 -zlz4 -Eztailpacking,fragments \
	"$tmp/base-z.img" "$tmp/z" >/dev/null || fail "mkfs -zlz4"
"$MKFS" --quiet --ishare_key -T1 "$tmp/base-p.img" "$tmp/p" >/dev/null ||
	fail "mkfs"
for base in z p; do
	for seed in 1 2 3 4; do
		python3 - "$tmp/base-$base.img" "$tmp/i$n.img" "$seed" <<'PY'
import random, sys
buf = bytearray(open(sys.argv[1], 'rb').read())
r = random.Random(int(sys.argv[3]))
for _ in range(4):
    buf[r.randrange(1024 + 128, len(buf))] ^= 1 << r.randrange(8)
open(sys.argv[2], 'wb').write(buf)
PY
		n=$((n + 1))
	done
done

i=0 bad=0
while [ $i -lt $n ]; do
	img=$tmp/i$i.img
	for opt in "" "--extract=$tmp/x"; do
		for w in 1 4; do
			rm -rf "$tmp/x"
			run_fsck --workers=$w $opt "$img"
			echo "exit $rc" >>"$tmp/out"
			mv "$tmp/out" "$tmp/out$w"
		done
		[ "$rc" = 0 ] || bad=$((bad + 1))
		cmp -s "$tmp/out1" "$tmp/out4" || {
			diff -u "$tmp/out4" "$tmp/out1" >&2
			fail "image $i $opt: --workers=1 differs from --workers=4"
		}
	done
	i=$((i + 1))
done
[ $bad -ge $((n / 2)) ] || fail "only $bad runs found something"
echo "ok: $n images ($bad runs with problems), --workers=1 prints what --workers=4 prints"

# no thread: strace sees no clone with CLONE_THREAD (LSan's own tracer
# is a clone without it, and cannot run under strace: leaks off here)
if command -v strace >/dev/null; then
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -e trace=clone,clone3 -o "$tmp/trace" \
		"$FSCK" --workers=1 "$tmp/base-z.img" >/dev/null 2>&1 ||
		fail "fsck --workers=1 under strace"
	! grep CLONE_THREAD "$tmp/trace" >&2 ||
		fail "--workers=1 started a thread"
	echo "ok: --workers=1 starts no thread"
else
	echo "strace missing: thread check skipped"
fi
