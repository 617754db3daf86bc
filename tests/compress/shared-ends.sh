#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# -E all-fragments: files that end alike keep that end once in the packed
# inode.  A file whose fragment ends like one packed before it
# gets its head compressed into blocks of its own and a fragment inside
# the earlier one.  Proved by size against a tree whose ends differ, by
# the kernel, by our fsck (and by $EROFS_PEER_FSCK when set), and with 1
# and 2 workers giving the same image.
. "$(dirname "$0")/common.sh"
need_kernel_mount
setup

# ten files: a head of 6-15 KiB of text, then a 24 KiB end, the same in
# tree "same" and different in tree "other"
"$PYTHON" - "$WORK" <<'PY'
import os, random, sys
rng = random.Random(7)
words = ["".join(rng.choice("etaoinshrdlucmfw") for _ in range(rng.randint(2, 8)))
         for _ in range(3000)]
def text(n):
    out = []
    while sum(map(len, out)) < n:
        out.append(" ".join(rng.choice(words) for _ in range(10)) + "\n")
    return "".join(out)[:n].encode()
end = text(24 << 10)
for t in ("same", "other"):
    os.makedirs(f"{sys.argv[1]}/{t}/d")
heads = [text(rng.randint(6 << 10, 15 << 10)) for _ in range(10)]
for i, h in enumerate(heads):
    open(f"{sys.argv[1]}/same/d/f{i}.txt", "wb").write(h + end)
    open(f"{sys.argv[1]}/other/d/f{i}.txt", "wb").write(h + text(24 << 10))
PY

# (one-block pclusters only: see z_end_cuts())
for opts in "-zlz4 -Eall-fragments" "-zlz4hc -Eall-fragments" \
	    "-zlz4 -Eall-fragments,ztailpacking -b1024"; do
	for t in same other; do
		# shellcheck disable=SC2086
		mkfs $opts "$WORK/$t.img" "$WORK/$t" || fail "mkfs $opts ($t)"
	done
	# nine 24 KiB ends stored once: far more than 64 KiB less
	s=$(stat -c %s "$WORK/same.img")
	d=$(stat -c %s "$WORK/other.img")
	[ $((s + 65536)) -lt "$d" ] ||
		fail "$opts: shared ends save too little ($s against $d bytes)"
	# shellcheck disable=SC2086
	mkfs $opts --workers=1 "$WORK/one.img" "$WORK/same" ||
		fail "mkfs $opts (1 worker)"
	cmp -s "$WORK/one.img" "$WORK/same.img" ||
		fail "$opts: 1 and 2 workers make different images"
	for t in same other; do
		roundtrip "$WORK/$t.img" "$WORK/$t"
		our_fsck "$WORK/$t.img" "$WORK/$t"
		peer_check "$WORK/$t.img"
	done
	rm -f "$WORK/same.img" "$WORK/other.img" "$WORK/one.img"
done
