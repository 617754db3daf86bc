#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# -E dedupe finds data repeated inside and across files, not only whole
# copies: a file holds pieces of another at offsets that are not block
# aligned, one repeats a piece of itself, one holds an incompressible
# file's blocks.  No two files are equal, so every block saved is a
# reference to (part of) a pcluster placed before.  Proved by size, by
# partial references in dump -e, by the kernel, by our fsck --extract and
# dump --cat, fingerprints included, and by $EROFS_PEER_FSCK; --workers
# must not change a byte.
. "$(dirname "$0")/common.sh"
need_kernel_mount
setup
DUMP_EROFS=${DUMP_EROFS:-$top_builddir/dump/dump.erofs}

"$PYTHON" - "$WORK/src" <<'PY'
import os, random, sys
d = sys.argv[1]
os.makedirs(d + "/sub")
rng = random.Random(7)
words = ["".join(rng.choice("abcdefghijklmnopqrstuv")
                 for _ in range(rng.randint(2, 10))) for _ in range(100)]
def text(n):
    out = []
    while sum(map(len, out)) < n:
        out.append(" ".join(rng.choice(words) for _ in range(10)) + "\n")
    return "".join(out).encode()[:n]
a = text(300000)
noise = rng.randbytes(40000)
# across files: two pieces of a, at odd offsets, between new text
b = text(20011) + a[50001:170001] + text(30003) + a[200003:280003] + text(999)
# inside one file: a piece comes back twice
x = text(60000)
c = text(12345) + x + text(7777) + x + x[:33333] + text(5000)
with open(d + "/a.txt", "wb") as f: f.write(a)
with open(d + "/sub/b.txt", "wb") as f: f.write(b)
with open(d + "/sub/c.txt", "wb") as f: f.write(c)
# raw blocks: noise, then noise again inside other data
with open(d + "/noise", "wb") as f: f.write(noise)
with open(d + "/sub/noise2", "wb") as f:
    f.write(text(8192) + noise[4096:36864] + text(3000))
PY

for opts in "-zlz4" "-zlz4hc -C16384" "-zlzma -Eztailpacking" \
	    "-zzstd -C16384 -Efragments --ishare_key" "-zlz4 -b512 -C4096" \
	    "-zlz4hc -b1024 -Eztailpacking"; do
	# shellcheck disable=SC2086
	mkfs $opts "$WORK/n.img" "$WORK/src" || fail "mkfs $opts"
	# shellcheck disable=SC2086
	mkfs $opts -Ededupe --workers=2 "$WORK/d.img" "$WORK/src" ||
		fail "mkfs $opts -Ededupe"
	# b repeats 200 KB of a and c 93 KB of itself: at least 4 blocks less
	saved=$(( $(stat -c %s "$WORK/n.img") - $(stat -c %s "$WORK/d.img") ))
	[ "$saved" -ge 16384 ] || fail "$opts: -E dedupe saved only $saved bytes"
	# shellcheck disable=SC2086
	mkfs $opts -Ededupe --workers=1 "$WORK/d1.img" "$WORK/src" ||
		fail "mkfs $opts -Ededupe --workers=1"
	cmp -s "$WORK/d.img" "$WORK/d1.img" ||
		fail "$opts: 1 and 2 workers make different images"
	roundtrip "$WORK/d.img" "$WORK/src"
	our_fsck "$WORK/d.img" "$WORK/src"
	case $opts in
	*fragments*) peer_check "$WORK/d.img" ;;	# see common.sh
	*) peer_fsck "$WORK/d.img" "$WORK/src" ;;
	esac
	(cd "$WORK/src" && find . -type f) | while read -r f; do
		"$DUMP_EROFS" --cat --path="${f#.}" "$WORK/d.img" |
			cmp -s - "$WORK/src/$f" ||
			fail "$opts: dump --cat prints other bytes for $f"
	done
	for f in sub/b.txt sub/c.txt; do
		"$DUMP_EROFS" -e --path="/$f" "$WORK/d.img"
	done | grep -q partial || fail "$opts: no partial reference"
	rm -f "$WORK/n.img" "$WORK/d.img" "$WORK/d1.img"
done
