#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# -E dedupe finds copies of files larger than 16 MiB: those used to be
# compressed in 16 MiB segments, which were never looked up.  Two kinds:
# one that compresses (its blocks are staged, then placed) and one that
# does not (over 16 MiB of output: written straight to the image, then
# taken back when it is a copy).  Proved by size (the copies cost no
# data blocks), by the kernel, by our fsck and by $EROFS_PEER_FSCK.
. "$(dirname "$0")/common.sh"
need_kernel_mount
setup

# a compressible text (about 1:2 with lz4) and random bytes
"$PYTHON" - "$WORK/a" <<'PY'
import os, random, sys
d = sys.argv[1]
os.makedirs(d + "/big")
rng = random.Random(12)
words = [("".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randint(2, 9))))
         for _ in range(4000)]
with open(d + "/big/text", "w") as f:
    n = 0
    while n < 17 << 20:
        line = " ".join(rng.choice(words) for _ in range(12)) + "\n"
        f.write(line)
        n += len(line)
with open(d + "/big/random", "wb") as f:
    f.write(rng.randbytes((18 << 20) + 1234))
PY
mkdir "$WORK/b"
cp -a "$WORK/a/big" "$WORK/b/big"
mkdir "$WORK/b/copy"
cp "$WORK/a/big/text" "$WORK/b/copy/text"
cp "$WORK/a/big/random" "$WORK/b/copy/random"

for opts in "-zlz4" "-zlz4 -C65536 -Eztailpacking" "-zlz4 -Eztailpacking --ishare_key"; do
	# shellcheck disable=SC2086
	mkfs $opts -Ededupe "$WORK/a.img" "$WORK/a" || fail "mkfs $opts (a)"
	# shellcheck disable=SC2086
	mkfs $opts -Ededupe --workers=2 "$WORK/b.img" "$WORK/b" ||
		fail "mkfs $opts (b)"
	# the copies add inodes, indexes and directory entries, no data
	# blocks; without -E dedupe they take more than 18 MiB
	extra=$(( $(stat -c %s "$WORK/b.img") - $(stat -c %s "$WORK/a.img") ))
	[ "$extra" -le 65536 ] ||
		fail "$opts: copies of big files cost $extra bytes"
	# shellcheck disable=SC2086
	mkfs $opts "$WORK/n.img" "$WORK/b" || fail "mkfs $opts (no dedupe)"
	extra=$(( $(stat -c %s "$WORK/n.img") - $(stat -c %s "$WORK/a.img") ))
	[ "$extra" -ge $((18 << 20)) ] ||
		fail "$opts: without -E dedupe the copies cost only $extra bytes"
	rm -f "$WORK/n.img"
	# shellcheck disable=SC2086
	mkfs $opts -Ededupe --workers=1 "$WORK/b1.img" "$WORK/b" ||
		fail "mkfs $opts (b, 1 worker)"
	cmp -s "$WORK/b.img" "$WORK/b1.img" ||
		fail "$opts: 1 and 2 workers make different images"
	roundtrip "$WORK/b.img" "$WORK/b"
	our_fsck "$WORK/b.img" "$WORK/b"
	peer_fsck "$WORK/b.img" "$WORK/b"
	rm -f "$WORK/a.img" "$WORK/b.img" "$WORK/b1.img"
done
