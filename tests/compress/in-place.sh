#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Compressed data is written straight to its place in the image, with no
# spill file: $TMPDIR is never used (here it does not exist), scratch
# files for -E fragments go beside the image and leave nothing there, and
# a file whose output outgrows what a worker stages (an unsegmented big
# file, as --ishare_key makes) is written while it is compressed.  Every
# image mounts and reads back, and is the same for 1 and 2 workers.
. "$(dirname "$0")/common.sh"
need_kernel_mount
setup

gen_tree "$WORK/src" --small
# 18 MiB that do not compress, 20 MiB that do: both pass the 16 MiB a
# worker stages; a copy of the second for -E dedupe
"$PYTHON" - "$WORK/src" <<'PY'
import random, sys
r = random.Random(7)
d = sys.argv[1]
with open(d + '/big-random', 'wb') as f:
    f.write(r.randbytes(18 << 20))
words = [r.randbytes(r.randint(2, 9)).hex() for _ in range(5000)]
text = ' '.join(r.choice(words) for _ in range(3 << 20)).encode()[:20 << 20]
for name in ('big-text', 'big-text-copy'):
    with open(d + '/' + name, 'wb') as f:
        f.write(text)
PY
mkdir "$WORK/out"
for opts in "-zlz4hc" "-zlz4 --ishare_key" "-zlz4 -C65536 -Ededupe" \
	    "-zlz4hc -Efragments,dedupe" "-zzstd -Eall-fragments" \
	    "-zlz4 -Eztailpacking --ishare_key"; do
	for n in 1 2; do
		# shellcheck disable=SC2086
		TMPDIR=$WORK/no-such-dir mkfs $opts --workers=$n \
			"$WORK/out/w$n.img" "$WORK/src" ||
			fail "mkfs $opts --workers=$n with no \$TMPDIR"
	done
	cmp "$WORK/out/w1.img" "$WORK/out/w2.img" ||
		fail "$opts: --workers=1 and --workers=2 differ"
	[ "$(ls -A "$WORK/out")" = "$(printf 'w1.img\nw2.img')" ] ||
		fail "$opts: left files beside the image: $(ls -A "$WORK/out")"
	roundtrip "$WORK/out/w1.img" "$WORK/src"
	rm -f "$WORK/out/"*
done

# with blocks smaller than a page, Linux cannot read an inline tail that
# starts exactly one block into a page; this file's did once
mkdir "$WORK/one"
cp "$WORK/src/small/s179" "$WORK/one/" 2>/dev/null ||
	{ gen_tree "$WORK/full"; cp "$WORK/full/small/s179" "$WORK/one/"; }
for b in 512 1024 2048; do
	mkfs -zlz4 -Eztailpacking -b$b "$WORK/t.img" "$WORK/one" ||
		fail "mkfs -b$b"
	roundtrip "$WORK/t.img" "$WORK/one"
done
echo "PASS: $T_NAME"
